//! The TUI's flows driven by scripted keys and mouse events through the real event loop
//! (`drive`) on a test terminal: move, open, follow links and come back, search, help,
//! the command line, mouse, resize and quit.

mod common;

use common::{drive, screen_text, tui_app};
use ktm::tui::{EventSource, Mode, Script};

fn selected(app: &ktm::tui::App) -> String {
    app.grid
        .selected()
        .map(|c| c.id.clone())
        .unwrap_or_default()
}

fn page_id(app: &ktm::tui::App) -> String {
    app.page.as_ref().map(|p| p.id.clone()).unwrap_or_default()
}

#[test]
fn moves_around_the_grid_with_arrows_hjkl_tab_and_g() {
    let mut app = tui_app();
    drive(&mut app, 80, 24, &mut Script::keys("lj"));
    assert_eq!((app.grid.col, app.grid.row), (1, 1));
    assert_eq!(selected(&app), "MS-TA9007");
    drive(&mut app, 80, 24, &mut Script::keys("G"));
    assert_eq!(app.grid.row, app.grid.columns[1].cells.len() - 1);
    drive(
        &mut app,
        80,
        24,
        &mut Script::keys("g<left><down><tab><tab><shift-tab>"),
    );
    assert_eq!((app.grid.col, app.grid.row), (1, 1));
    drive(
        &mut app,
        80,
        24,
        &mut Script::keys("<up><up><right><right><right><right>"),
    );
    assert_eq!((app.grid.col, app.grid.row), (5, 0));
    assert_eq!(
        app.grid.col_offset, 2,
        "the grid scrolled to keep column 6 in view"
    );
    let screen = screen_text(&drive(&mut app, 80, 24, &mut Script::default()));
    assert!(screen[1].contains("Credential Access"), "{}", screen[1]);
    assert!(screen[0].contains("3–6 of 10"), "{}", screen[0]);
    drive(
        &mut app,
        80,
        24,
        &mut Script::keys("<tab><tab><tab><tab><tab>"),
    );
    assert_eq!(app.grid.col, 0, "Tab wraps around to the first tactic");
    assert_eq!(app.grid.col_offset, 0);
}

#[test]
fn a_technique_under_several_tactics_stands_out_in_every_column() {
    let mut app = tui_app();
    // Writable hostPath mount stands under persistence, privilege escalation and lateral
    // movement.
    drive(
        &mut app,
        200,
        60,
        &mut Script::keys(":show MS-TA9013<enter><esc>"),
    );
    assert_eq!(selected(&app), "MS-TA9013");
    let terminal = drive(&mut app, 200, 60, &mut Script::default());
    let buffer = terminal.backend().buffer();
    let screen = screen_text(&terminal);
    let mut marked = 0;
    for (y, row) in screen.iter().enumerate().take(10) {
        let mut from = 0;
        while let Some(at) = row[from..].find("Writable hostPat").map(|i| i + from) {
            let x = row[..at].chars().count();
            let cell = &buffer[(u16::try_from(x).expect("x"), u16::try_from(y).expect("y"))];
            assert!(!cell.modifier.is_empty(), "cell at {x},{y} is highlighted");
            marked += 1;
            from = at + 1;
        }
    }
    assert_eq!(marked, 3);
}

#[test]
fn opens_a_technique_follows_a_link_to_a_mitigation_and_comes_back() {
    let mut app = tui_app();
    drive(&mut app, 80, 24, &mut Script::keys("lllj<enter>"));
    assert_eq!(app.mode, Mode::Detail);
    assert_eq!(page_id(&app), "MS-TA9018");
    let mut tabs = 0;
    while !app
        .page
        .as_ref()
        .and_then(|p| p.selected_target())
        .is_some_and(|t| t.starts_with("MS-M"))
    {
        drive(&mut app, 80, 24, &mut Script::keys("<tab>"));
        tabs += 1;
        assert!(tabs < 50, "a mitigation link exists");
    }
    let target = app
        .page
        .as_ref()
        .and_then(|p| p.selected_target())
        .map(str::to_owned)
        .expect("target");
    let scroll = app.page.as_ref().map(|p| p.scroll).expect("page");
    drive(&mut app, 80, 24, &mut Script::keys("<enter>"));
    assert_eq!(page_id(&app), target);
    assert_eq!(app.history.len(), 1);
    let screen = screen_text(&drive(&mut app, 80, 24, &mut Script::default()));
    assert!(screen[0].contains(&target) && screen[0].contains("Esc back"));
    drive(&mut app, 80, 24, &mut Script::keys("<esc>"));
    assert_eq!(page_id(&app), "MS-TA9018");
    let page = app.page.as_ref().expect("page");
    assert_eq!(
        page.selected_target(),
        Some(target.as_str()),
        "the link stays selected"
    );
    assert_eq!(page.scroll, scroll, "the scroll position is restored");
    drive(&mut app, 80, 24, &mut Script::keys("<esc>"));
    assert_eq!(app.mode, Mode::Matrix);
    assert!(app.page.is_none());
    assert_eq!(selected(&app), "MS-TA9018");
}

#[test]
fn a_tactic_link_opens_the_tactic_page() {
    let mut app = tui_app();
    drive(
        &mut app,
        80,
        24,
        &mut Script::keys(":show MS-TA9018<enter>"),
    );
    let page = app.page.as_ref().expect("page");
    let first = page.links.first().expect("links");
    assert_eq!(first.target, "privilege-escalation");
    drive(&mut app, 80, 24, &mut Script::keys("<tab><enter>"));
    assert_eq!(page_id(&app), "privilege-escalation");
    let page = app.page.as_ref().expect("page");
    assert!(page.links.iter().any(|l| l.target == "MS-TA9018"));
}

#[test]
fn the_page_scrolls_with_keys() {
    let mut app = tui_app();
    drive(
        &mut app,
        80,
        24,
        &mut Script::keys(":show MS-TA9018<enter>jjj"),
    );
    assert_eq!(app.page.as_ref().map(|p| p.scroll), Some(3));
    drive(&mut app, 80, 24, &mut Script::keys("<pagedown>"));
    assert_eq!(app.page.as_ref().map(|p| p.scroll), Some(3 + 21));
    drive(&mut app, 80, 24, &mut Script::keys("G"));
    let page = app.page.as_ref().expect("page");
    assert_eq!(
        page.scroll,
        page.lines.len() - 21,
        "21 text lines under the rule"
    );
    drive(&mut app, 80, 24, &mut Script::keys("g"));
    assert_eq!(app.page.as_ref().map(|p| p.scroll), Some(0));
}

#[test]
fn searches_as_you_type_and_opens_a_hit() {
    let mut app = tui_app();
    drive(&mut app, 80, 24, &mut Script::keys("/privil"));
    assert_eq!(app.mode, Mode::Search);
    assert_eq!(app.search.hits[0].id, "MS-TA9018");
    let before = app.search.hits.len();
    drive(&mut app, 80, 24, &mut Script::keys("eged"));
    assert!(app.search.hits.len() <= before, "every keystroke narrows");
    assert!(app.search.is_match("MS-TA9018"));
    assert!(!app.search.is_match("MS-TA9001"));
    let screen = screen_text(&drive(&mut app, 80, 24, &mut Script::default()));
    assert!(screen[0].starts_with(" / privileged"), "{}", screen[0]);
    assert!(screen.iter().any(|l| l.contains("▶ MS-TA9018")));
    drive(&mut app, 80, 24, &mut Script::keys("<enter>"));
    assert_eq!(
        (app.mode, page_id(&app).as_str()),
        (Mode::Detail, "MS-TA9018")
    );
    drive(&mut app, 80, 24, &mut Script::keys("<esc>"));
    assert_eq!(app.mode, Mode::Matrix);
    assert!(app.search.active(), "the filter stays on the grid");
    let screen = screen_text(&drive(&mut app, 80, 24, &mut Script::default()));
    assert!(
        screen[0].contains("filter “privileged”: 1 of 40"),
        "{}",
        screen[0]
    );
    drive(&mut app, 80, 24, &mut Script::keys("<esc>"));
    assert!(!app.search.active(), "Esc clears the filter");
}

#[test]
fn search_arrows_pick_backspace_edits_and_esc_clears() {
    let mut app = tui_app();
    drive(
        &mut app,
        80,
        24,
        &mut Script::keys("/priv<down><down><up><down>"),
    );
    assert_eq!(app.search.selected, 2);
    let third = app.search.hits[2].id.clone();
    drive(
        &mut app,
        80,
        24,
        &mut Script::keys("<backspace><backspace>"),
    );
    assert_eq!(app.search.input.text(), "pr");
    assert_eq!(app.search.selected, 0, "a new query starts at the top");
    drive(&mut app, 80, 24, &mut Script::keys("iv<down><down><enter>"));
    assert_eq!(page_id(&app), third);
    drive(&mut app, 80, 24, &mut Script::keys("/<esc>"));
    assert!(!app.search.active());
    assert_eq!(
        app.mode,
        Mode::Detail,
        "Esc returns to where the search started"
    );
    drive(&mut app, 80, 24, &mut Script::keys("/zzzz"));
    assert!(app.search.hits.is_empty());
    let screen = screen_text(&drive(&mut app, 80, 24, &mut Script::default()));
    assert!(screen.iter().any(|l| l.contains("nothing matches “zzzz”")));
}

#[test]
fn tab_moves_from_the_results_to_the_filtered_grid() {
    let mut app = tui_app();
    drive(&mut app, 80, 24, &mut Script::keys("/hostpath<tab>"));
    assert_eq!(app.mode, Mode::Matrix);
    assert!(
        app.search.is_match(&selected(&app)),
        "a matching cell is selected"
    );
    drive(&mut app, 80, 24, &mut Script::keys("/"));
    assert_eq!(
        app.search.input.text(),
        "hostpath",
        "/ returns to the query"
    );
}

#[test]
fn help_lists_the_keymap_and_closes() {
    let mut app = tui_app();
    let screen = screen_text(&drive(&mut app, 80, 24, &mut Script::keys("?")));
    assert_eq!(app.mode, Mode::Help);
    let text = screen.join("\n");
    assert!(
        text.contains("Ctrl-c") && text.contains("Quit ktm."),
        "{text}"
    );
    assert!(text.contains("Run the checks on the source"), "{text}");
    drive(&mut app, 80, 24, &mut Script::keys("jj"));
    assert_eq!(app.help_scroll, 2);
    drive(&mut app, 80, 24, &mut Script::keys("<esc>"));
    assert_eq!(app.mode, Mode::Matrix);
    drive(&mut app, 80, 24, &mut Script::keys("<enter>?"));
    drive(&mut app, 80, 24, &mut Script::keys("?"));
    assert_eq!(
        app.mode,
        Mode::Detail,
        "help returns to the page it was opened on"
    );
}

#[test]
fn the_command_line_shows_jumps_and_reports_errors() {
    let mut app = tui_app();
    drive(&mut app, 80, 24, &mut Script::keys(":show ms-m9013<enter>"));
    assert_eq!(page_id(&app), "MS-M9013");
    drive(
        &mut app,
        80,
        24,
        &mut Script::keys(":tactic persistence<enter>"),
    );
    assert_eq!((app.mode, app.grid.col, app.grid.row), (Mode::Matrix, 2, 0));
    let screen = screen_text(&drive(&mut app, 80, 24, &mut Script::keys(":frob<enter>")));
    assert!(
        screen[23].contains("unknown command `frob`"),
        "{}",
        screen[23]
    );
    let screen = screen_text(&drive(
        &mut app,
        80,
        24,
        &mut Script::keys(":show MS-TA9999<enter>"),
    ));
    assert!(
        screen[23].contains("no technique, mitigation, tactic, playbook or scenario `MS-TA9999`")
    );
    drive(&mut app, 80, 24, &mut Script::keys(":search exec<enter>"));
    assert_eq!(app.mode, Mode::Search);
    assert_eq!(app.search.hits[0].id, "MS-TA9006");
    drive(&mut app, 80, 24, &mut Script::keys("<esc>:sh<esc>"));
    assert_eq!(app.mode, Mode::Matrix, "Esc cancels the command line");
}

#[test]
fn quit_stops_the_loop_from_every_mode() {
    for keys in ["q", ":q<enter>", "/abc<ctrl-c>", "?<ctrl-c>", "<enter>q"] {
        let mut app = tui_app();
        let mut script = Script::keys(keys).then_keys("jjj");
        drive(&mut app, 80, 24, &mut script);
        let left = std::iter::from_fn(|| script.next_event().expect("event")).count();
        assert_eq!(left, 3, "`{keys}` quit before the rest of the script");
    }
    let mut app = tui_app();
    let mut script = Script::default()
        .then(ktm::tui::Event::Terminate)
        .then_keys("j");
    drive(&mut app, 80, 24, &mut script);
    assert!(
        script.next_event().expect("event").is_some(),
        "a signal quits"
    );
}

#[test]
fn the_mouse_selects_opens_and_scrolls() {
    let mut app = tui_app();
    // Row 2 is the first cell row; x = 25 is inside the second column.
    drive(&mut app, 80, 24, &mut Script::default().then_click(25, 3));
    assert_eq!((app.grid.col, app.grid.row), (1, 1));
    drive(&mut app, 80, 24, &mut Script::default().then_click(25, 3));
    assert_eq!(page_id(&app), "MS-TA9007", "a second click opens");
    drive(
        &mut app,
        80,
        24,
        &mut Script::default().then_wheel(true, 10, 10),
    );
    assert_eq!(app.page.as_ref().map(|p| p.scroll), Some(3));
    let mut app = tui_app();
    drive(&mut app, 80, 24, &mut Script::keys("/priv"));
    let results_top = 1 + 9; // header, then the grid (7 rows and 2 borders)
    drive(
        &mut app,
        80,
        24,
        &mut Script::default().then_click(10, results_top + 2),
    );
    assert_eq!(app.search.selected, 1);
    let second = app.search.hits[1].id.clone();
    drive(
        &mut app,
        80,
        24,
        &mut Script::default().then_click(10, results_top + 2),
    );
    assert_eq!(page_id(&app), second);
}

#[test]
fn a_resize_rewraps_the_page_and_keeps_the_selection() {
    let mut app = tui_app();
    drive(
        &mut app,
        80,
        24,
        &mut Script::keys(":show MS-TA9018<enter><tab><tab>"),
    );
    let target = app
        .page
        .as_ref()
        .and_then(|p| p.selected_target())
        .map(str::to_owned);
    let narrow = app.page.as_ref().map(|p| p.lines.len()).expect("page");
    drive(&mut app, 160, 48, &mut Script::default());
    let page = app.page.as_ref().expect("page");
    assert!(page.lines.len() < narrow, "wider lines, fewer of them");
    assert_eq!(page.selected_target().map(str::to_owned), target);
    assert_eq!(app.size.width, 160);
}
