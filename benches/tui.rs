//! How long one frame of the matrix view takes to draw, on a wide and a small terminal.

use criterion::{Criterion, criterion_group, criterion_main};
use ktm::matrix::{MatrixSource, load_matrix};
use ktm::tui::{Action, App, Keymap, MatrixSearcher, Theme, update, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn draw_matrix(c: &mut Criterion) {
    let matrix = load_matrix(&MatrixSource::Embedded, &[])
        .expect("embedded matrix")
        .matrix;
    for (width, height) in [(200, 60), (80, 24)] {
        let searcher = Box::new(MatrixSearcher::new(&matrix));
        let keymap = Keymap::default_keymap().expect("keymap");
        let mut app = App::new(matrix.clone(), keymap, Theme::new(true), searcher);
        update(&mut app, Action::Resize(width, height));
        update(&mut app, Action::MoveRight);
        let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
        c.bench_function(&format!("matrix frame {width}x{height}"), |b| {
            b.iter(|| {
                terminal
                    .draw(|frame| view::draw(frame, &app))
                    .expect("draw");
            });
        });
    }
}

criterion_group!(benches, draw_matrix);
criterion_main!(benches);
