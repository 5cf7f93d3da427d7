//! The one owner of the terminal: raw mode, the alternate screen and mouse capture go on
//! in [`TerminalGuard::enter`] and come off when the guard drops, when the program panics,
//! and (through the stop flag the event loop watches) on SIGTERM, SIGHUP and SIGINT.
//! Ctrl-C arrives as a key in raw mode and is bound to quit.

use std::io::{self, Stdout};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Once};

use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use crossterm::{cursor, execute};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

/// The terminal in TUI mode; restores it on drop.
pub struct TerminalGuard {
    terminal: Terminal<CrosstermBackend<Stdout>>,
    stop: Arc<AtomicBool>,
    #[cfg(unix)]
    signals: Vec<signal_hook::SigId>,
}

impl TerminalGuard {
    /// Switches the terminal to raw mode on the alternate screen with mouse capture.
    pub fn enter() -> io::Result<Self> {
        install_panic_hook();
        let stop = Arc::new(AtomicBool::new(false));
        #[cfg(unix)]
        let signals = register_signals(&stop)?;
        enable_raw_mode()?;
        let setup = execute!(
            io::stdout(),
            EnterAlternateScreen,
            EnableMouseCapture,
            cursor::Hide
        )
        .and_then(|()| Terminal::new(CrosstermBackend::new(io::stdout())));
        match setup {
            Ok(terminal) => Ok(Self {
                terminal,
                stop,
                #[cfg(unix)]
                signals,
            }),
            Err(err) => {
                restore();
                #[cfg(unix)]
                for id in signals {
                    signal_hook::low_level::unregister(id);
                }
                Err(err)
            }
        }
    }

    pub fn terminal(&mut self) -> &mut Terminal<CrosstermBackend<Stdout>> {
        &mut self.terminal
    }

    /// Set when a termination signal arrives; the event source turns it into `Quit`.
    pub fn stop_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.stop)
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
        #[cfg(unix)]
        for id in self.signals.drain(..) {
            signal_hook::low_level::unregister(id);
        }
    }
}

/// Puts the terminal back as we found it. Safe to call more than once.
pub fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(
        io::stdout(),
        DisableMouseCapture,
        LeaveAlternateScreen,
        cursor::Show
    );
}

/// Restores the terminal before the default panic message prints, so it stays readable.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
}

#[cfg(unix)]
fn register_signals(stop: &Arc<AtomicBool>) -> io::Result<Vec<signal_hook::SigId>> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    [SIGTERM, SIGHUP, SIGINT]
        .into_iter()
        .map(|signal| signal_hook::flag::register(signal, Arc::clone(stop)))
        .collect()
}
