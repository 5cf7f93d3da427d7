//! Shared helpers for integration tests: a `ktm` command isolated from the user's config.

#![allow(dead_code)]

pub mod apiserver;

use std::path::Path;

/// `ktm` with an empty, private config dir so a developer's overlay never leaks in, and a
/// private cache dir (`<config>/cache`) so the user's cache is never read or written.
pub fn ktm(config: &Path) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("ktm").expect("ktm binary");
    cmd.env("KTM_CONFIG_DIR", config)
        .env("KTM_CACHE_DIR", config.join("cache"))
        .env("NO_COLOR", "1")
        .env_remove("COLUMNS");
    cmd
}

/// Copies a folder tree.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

/// The TUI on the embedded matrix with the default keymap and the monochrome theme.
pub fn tui_app() -> ktm::tui::App {
    let loaded = ktm::matrix::load_matrix(&ktm::matrix::MatrixSource::Embedded, &[])
        .expect("embedded matrix");
    tui_app_on(loaded.matrix)
}

/// The TUI on a given matrix.
pub fn tui_app_on(matrix: ktm::matrix::Matrix) -> ktm::tui::App {
    let searcher = Box::new(ktm::tui::MatrixSearcher::new(&matrix));
    let keymap = ktm::tui::Keymap::default_keymap().expect("default keymap");
    ktm::tui::App::new(matrix, keymap, ktm::tui::Theme::monochrome(), searcher)
}

/// Runs `keys` (in `Script` notation) through the real event loop on a test terminal.
pub fn drive(
    app: &mut ktm::tui::App,
    width: u16,
    height: u16,
    script: &mut ktm::tui::Script,
) -> ratatui::Terminal<ratatui::backend::TestBackend> {
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(width, height))
        .expect("terminal");
    ktm::tui::drive(&mut terminal, app, script).expect("drive");
    terminal
}

/// The screen as text, one string per row.
pub fn screen_text(terminal: &ratatui::Terminal<ratatui::backend::TestBackend>) -> Vec<String> {
    let buffer = terminal.backend().buffer();
    (0..buffer.area.height)
        .map(|y| {
            (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
        })
        .collect()
}
