//! Whole TUI screens on a test terminal: insta snapshots of the matrix, a page, search
//! and help at 80x24 and 160x48; hostile text through the drawn screen; monochrome.

mod common;

use common::{drive, screen_text, tui_app, tui_app_on};
use ktm::tui::{App, Script, Theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

fn screen(keys: &str, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut app = tui_app();
    drive(&mut app, width, height, &mut Script::keys(keys))
}

fn snapshot(name: &str, keys: &str) {
    for (width, height) in SIZES {
        let terminal = screen(keys, width, height);
        insta::assert_snapshot!(
            format!("{name}_{width}x{height}"),
            terminal.backend().to_string()
        );
    }
}

#[test]
fn matrix_screen() {
    snapshot("matrix", "lllj");
}

#[test]
fn detail_screen() {
    snapshot("detail", ":show MS-TA9018<enter><tab>");
}

#[test]
fn search_screen() {
    snapshot("search", "/priv<down>");
}

#[test]
fn help_screen() {
    snapshot("help", "?");
}

/// A matrix whose names and texts carry terminal escapes, BEL, backspaces and bidi
/// overrides, as a hostile overlay or cluster could.
fn hostile_app() -> App {
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid");
    let source = ktm::matrix::MatrixSource::Folder(fixture);
    let mut matrix = ktm::matrix::load_matrix(&source, &[])
        .expect("fixture")
        .matrix;
    let evil = "Evil\u{1b}[31mRED\u{7} name\u{8}\u{8} \u{202e}gnp.exe\u{1b}]0;pwned\u{7}";
    evil.clone_into(&mut matrix.techniques[0].name.value);
    matrix.techniques[0].summary = format!("sum\u{1b}[2Jmary {evil}");
    matrix.techniques[0].description =
        format!("Text \u{1b}[1;1H{evil}\n\n- item \u{9b}31m\u{2066}x");
    matrix.techniques[0].aliases = vec![format!("alias\u{1b}P+q\u{1b}\\ {evil}")];
    "Tac\u{1b}[5mtic\u{202d}\u{8}".clone_into(&mut matrix.tactics[0].name.value);
    "Miti\u{1b}]8;;http://x\u{1b}\\gation\u{7}".clone_into(&mut matrix.mitigations[0].name.value);
    tui_app_on(matrix)
}

fn assert_clean(terminal: &Terminal<TestBackend>, what: &str) {
    let buffer = terminal.backend().buffer();
    for cell in &buffer.content {
        let bad = cell.symbol().chars().find(|c| {
            c.is_control()
                || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        });
        assert!(bad.is_none(), "{what}: control character {bad:?} drawn");
    }
    let text = screen_text(terminal).join("\n");
    for leftover in [
        "[31m", "[2J", "[1;1H", "]0;", "pwned", "+q", "]8;", "[5m", "31m",
    ] {
        assert!(
            !text.contains(leftover),
            "{what}: `{leftover}` drawn:\n{text}"
        );
    }
}

#[test]
fn hostile_text_is_sanitized_on_every_screen() {
    let steps = [
        ("matrix", ""),
        ("search", "/evil"),
        ("page", "<enter>"),
        ("mitigation", ":show MS-M9001<enter>"),
        ("tactic", ":show initial-access<enter>"),
        ("help", "?"),
    ];
    for (width, height) in SIZES {
        let mut app = hostile_app();
        for (what, keys) in steps {
            let terminal = drive(&mut app, width, height, &mut Script::keys(keys));
            assert_clean(&terminal, what);
            let text = screen_text(&terminal).join("\n");
            match what {
                "matrix" => assert!(text.contains("Tactic"), "{text}"),
                "search" | "page" => assert!(text.contains("EvilRED name gnp.exe"), "{text}"),
                "mitigation" => assert!(text.contains("Mitigation"), "{text}"),
                _ => {}
            }
            drive(&mut app, width, height, &mut Script::keys("<esc><esc>"));
        }
    }
}

fn all_screens(mut app: App) -> Vec<Terminal<TestBackend>> {
    ["lllj", "/priv", "<esc><enter><tab>", "?"]
        .iter()
        .map(|keys| drive(&mut app, 80, 24, &mut Script::keys(keys)))
        .collect()
}

#[test]
fn the_monochrome_theme_uses_no_colour() {
    for terminal in all_screens(tui_app()) {
        for cell in &terminal.backend().buffer().content {
            assert_eq!((cell.fg, cell.bg), (Color::Reset, Color::Reset));
        }
    }
    let mut coloured = tui_app();
    coloured.theme = Theme::new(true);
    let any_colour = all_screens(coloured).iter().any(|t| {
        t.backend()
            .buffer()
            .content
            .iter()
            .any(|c| c.fg != Color::Reset || c.bg != Color::Reset)
    });
    assert!(any_colour, "the colour theme colours something");
}

#[test]
fn tiny_terminals_draw_without_panicking() {
    let steps = [
        "",
        "jl",
        "/priv",
        "<down>",
        "<enter>",
        "<tab><tab>",
        "?",
        "<esc>",
        ":show 9013",
    ];
    for (width, height) in [(1, 1), (2, 2), (10, 3), (20, 5), (30, 8), (45, 12)] {
        let mut app = tui_app();
        for keys in steps {
            drive(&mut app, width, height, &mut Script::keys(keys));
        }
        let mut script = Script::keys("<enter>jjj<pagedown>G<esc>");
        drive(&mut app, width, height, &mut script);
    }
}

#[test]
fn clicks_anywhere_in_any_mode_never_panic() {
    for start in ["", "/priv", ":show MS-TA9018<enter>", "?"] {
        let mut app = tui_app();
        drive(&mut app, 80, 24, &mut Script::keys(start));
        let mut script = Script::default();
        for y in 0..24 {
            for x in (0..80).step_by(7) {
                script = script.then_click(x, y).then_wheel(y % 2 == 0, x, y);
            }
        }
        drive(&mut app, 80, 24, &mut script);
    }
}
