//! Check results and audit hits on the matrix: a background run over fixture manifests
//! colours the grid (snapshots at 80x24 and 160x48), cancelling leaves a usable UI, and
//! the path technique -> finding -> verify command -> playbook works by keys; hunt hits
//! mark their techniques and open as whole events.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use common::{screen_text, tui_app};
use ktm::cli::start::{CheckSource, check_runner};
use ktm::tui::{App, CheckRunner, Mode, Script};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn runner(app: &App) -> CheckRunner {
    check_runner(
        CheckSource::Manifests(vec!["tests/fixtures/manifests".into()]),
        &app.matrix,
    )
}

/// Runs `keys` with a runner; returns the terminal and what was copied.
fn run(
    app: &mut App,
    w: u16,
    h: u16,
    keys: &str,
    runner: Option<CheckRunner>,
    first: Vec<ktm::tui::Action>,
) -> (Terminal<TestBackend>, Vec<String>) {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    let mut copied = Vec::new();
    ktm::tui::drive_jobs(
        &mut terminal,
        app,
        &mut Script::keys(keys),
        &mut |t| {
            copied.push(t.to_owned());
            Ok(())
        },
        runner,
        first,
    )
    .expect("drive");
    (terminal, copied)
}

#[test]
fn a_check_run_colours_the_matrix() {
    for (w, h) in [(80u16, 24u16), (160, 48)] {
        let mut app = tui_app();
        let r = runner(&app);
        let (terminal, _) = run(
            &mut app,
            w,
            h,
            "",
            Some(r),
            vec![ktm::tui::Action::RunChecks],
        );
        assert!(app.results.running.is_none());
        let report = app.results.report.as_ref().expect("report");
        assert!(report.summary.findings > 0);
        // MS-TA9018 has a high finding in the fixtures: its cell carries H.
        let state = &app.results.states["MS-TA9018"];
        assert!(state.findings > 0 && state.highest.is_some());
        let screen = screen_text(&terminal);
        assert!(screen[0].contains("C/H/M/L findings"), "{}", screen[0]);
        insta::assert_snapshot!(format!("results_{w}x{h}"), terminal.backend().to_string());
    }
}

#[test]
fn technique_finding_verify_playbook_by_keys() {
    let mut app = tui_app();
    let r = runner(&app);
    // Open the technique, Tab to its first finding, Enter, y copies the verify command.
    let (_, copied) = run(
        &mut app,
        160,
        48,
        ":show MS-TA9018<enter>",
        Some(r.clone()),
        vec![ktm::tui::Action::RunChecks],
    );
    assert!(copied.is_empty());
    let page = app.page.as_ref().expect("page");
    let finding = page
        .links
        .iter()
        .position(|l| l.target.starts_with("finding:"))
        .expect("a finding link on the technique page");
    let tabs = "<tab>".repeat(finding + 1);
    let (terminal, copied) = run(
        &mut app,
        160,
        48,
        &format!("{tabs}y<enter>"),
        Some(r.clone()),
        Vec::new(),
    );
    assert_eq!(copied.len(), 1, "y copied the verify command");
    assert!(copied[0].starts_with("kubectl "), "{copied:?}");
    let page = app.page.as_ref().expect("finding page");
    assert!(page.id.starts_with("finding:"), "{}", page.id);
    let text = screen_text(&terminal).join("\n");
    assert!(text.contains("Verify (y copies)"), "{text}");
    assert!(
        text.contains("Object"),
        "the object's fields are shown: {text}"
    );
    let (_, copied) = run(&mut app, 160, 48, "y", Some(r.clone()), Vec::new());
    assert_eq!(copied.len(), 1);
    // Back to the technique, p opens its playbook.
    run(&mut app, 160, 48, "<esc>p", Some(r), Vec::new());
    assert_eq!(
        app.page.as_ref().map(|p| p.id.as_str()),
        Some("privileged-escape")
    );
}

#[test]
fn cancelling_a_run_leaves_a_usable_ui() {
    let mut app = tui_app();
    let started = Arc::new(AtomicBool::new(false));
    let seen = started.clone();
    let slow: CheckRunner = Arc::new(move |_ctx, cancel: &AtomicBool, progress| {
        seen.store(true, Ordering::Relaxed);
        progress("listing pods".to_owned());
        while !cancel.load(Ordering::Relaxed) {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        Err("cancelled".to_owned())
    });
    let (terminal, _) = run(
        &mut app,
        80,
        24,
        "<esc>jl",
        Some(slow),
        vec![ktm::tui::Action::RunChecks],
    );
    assert!(app.results.running.is_none(), "Esc cancelled the run");
    assert!(app.results.report.is_none());
    assert_eq!(app.mode, Mode::Matrix);
    assert_eq!(
        (app.grid.col, app.grid.row),
        (1, 1),
        "keys still move the grid"
    );
    let screen = screen_text(&terminal);
    assert!(
        screen.iter().all(|l| !l.contains("checks running")),
        "{screen:?}"
    );
}

#[test]
fn without_a_source_c_says_how_to_get_one() {
    let mut app = tui_app();
    let (terminal, _) = run(&mut app, 80, 24, "c", None, Vec::new());
    let screen = screen_text(&terminal);
    assert!(screen[23].contains("no source to check"), "{}", screen[23]);
}

#[test]
fn hunt_hits_mark_techniques_and_open_as_events() {
    let mut app = tui_app();
    let loaded =
        ktm::matrix::load_matrix(&ktm::matrix::MatrixSource::Embedded, &[]).expect("matrix");
    let (detections, _) = ktm::hunt::Detections::new(&loaded.matrix, &[]);
    let report = ktm::hunt::hunt(
        &loaded.matrix,
        &detections,
        &["tests/fixtures/audit/attacks.jsonl".to_owned()],
        &ktm::hunt::Filter::default(),
    )
    .expect("hunt");
    app.results.hunt = Some(report);
    app.results.refresh(&app.matrix);
    assert!(app.results.states["MS-TA9022"].hunt_hits >= 2);
    let (terminal, _) = run(&mut app, 200, 60, "f", None, Vec::new());
    assert!(app.results.findings_only);
    let screen = screen_text(&terminal);
    assert!(
        screen.iter().any(|l| l.contains("◆")),
        "hit marks on the grid"
    );
    run(
        &mut app,
        200,
        60,
        ":show MS-TA9022<enter>",
        None,
        Vec::new(),
    );
    let lines: Vec<String> = app
        .page
        .as_ref()
        .expect("page")
        .lines
        .iter()
        .map(ktm::text::Line::plain_text)
        .collect();
    assert!(
        lines.iter().any(|l| l.contains("Audit log hits")),
        "{lines:#?}"
    );
    let page = app.page.as_ref().expect("page");
    let hit = page
        .links
        .iter()
        .position(|l| l.target.starts_with("hit:"))
        .expect("hit link");
    let (terminal, _) = run(
        &mut app,
        200,
        60,
        &format!("{}<enter>", "<tab>".repeat(hit + 1)),
        None,
        Vec::new(),
    );
    let text = screen_text(&terminal).join("\n");
    assert!(
        text.contains("\"deletecollection\"") || text.contains("\"delete\""),
        "the whole event: {text}"
    );
}
