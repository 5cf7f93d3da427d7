//! Where events come from (the terminal, or a script in tests) and how an event becomes
//! an [`Action`] in the current mode.

use std::collections::VecDeque;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crossterm::event::{
    self as ct, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent,
    MouseEventKind,
};

use super::action::Action;
use super::app::Mode;
use super::keymap::{Key, Keymap};

/// Something that happened to the TUI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// A termination signal (SIGTERM, SIGHUP, SIGINT) arrived.
    Terminate,
    /// A second passed without input (clocks on screen move on).
    Tick,
}

/// A source of events: the real terminal or a scripted list. `None` ends the loop.
pub trait EventSource {
    fn next_event(&mut self) -> io::Result<Option<Event>>;
}

/// Events read from the terminal; checks the stop flag set by signal handlers.
pub struct TerminalEvents {
    stop: Arc<AtomicBool>,
    idle: u32,
}

impl TerminalEvents {
    pub fn new(stop: Arc<AtomicBool>) -> Self {
        Self { stop, idle: 0 }
    }
}

impl EventSource for TerminalEvents {
    fn next_event(&mut self) -> io::Result<Option<Event>> {
        loop {
            if self.stop.load(Ordering::Relaxed) {
                return Ok(Some(Event::Terminate));
            }
            // Events crossterm already holds come first; otherwise wait on the terminal
            // ourselves: when the terminal goes away (a closed tmux pane, a dropped SSH
            // session), crossterm's own poll spins on end-of-file and never returns.
            if !ct::poll(Duration::ZERO)? {
                match wait_for_input(Duration::from_millis(200))? {
                    Input::Ready => {}
                    Input::Timeout => {
                        // A tick every poll (200 ms): clocks and background runs show
                        // progress without a key press.
                        self.idle += 1;
                        if self.idle >= 1 {
                            self.idle = 0;
                            return Ok(Some(Event::Tick));
                        }
                        continue;
                    }
                    Input::HungUp => return Ok(Some(Event::Terminate)),
                }
                if !ct::poll(Duration::from_millis(50))? {
                    continue;
                }
            }
            match ct::read()? {
                ct::Event::Key(key) if key.kind != KeyEventKind::Release => {
                    return Ok(Some(Event::Key(key)));
                }
                ct::Event::Mouse(mouse) => return Ok(Some(Event::Mouse(mouse))),
                ct::Event::Resize(w, h) => return Ok(Some(Event::Resize(w, h))),
                _ => {}
            }
        }
    }
}

enum Input {
    Ready,
    Timeout,
    HungUp,
}

/// Waits until standard input (the terminal crossterm reads) has bytes, hangs up or the
/// timeout passes.
fn wait_for_input(timeout: Duration) -> io::Result<Input> {
    use rustix::event::{PollFd, PollFlags, Timespec, poll};
    let stdin = io::stdin();
    let mut fds = [PollFd::new(&stdin, PollFlags::IN)];
    let timeout = Timespec {
        tv_sec: 0,
        tv_nsec: i64::from(timeout.subsec_nanos()),
    };
    match poll(&mut fds, Some(&timeout)) {
        Ok(0) | Err(rustix::io::Errno::INTR) => Ok(Input::Timeout),
        Ok(_) => {
            let revents = fds[0].revents();
            if revents.intersects(PollFlags::HUP | PollFlags::ERR | PollFlags::NVAL) {
                Ok(Input::HungUp)
            } else {
                Ok(Input::Ready)
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// A scripted list of events, for tests and benchmarks.
#[derive(Clone, Debug, Default)]
#[must_use]
pub struct Script {
    events: VecDeque<Event>,
}

impl Script {
    /// Keys in a compact notation: characters type themselves, `<name>` is a named key
    /// as in the keymap (`<enter>`, `<esc>`, `<tab>`, `<ctrl-c>`); `<<` is a `<`.
    pub fn keys(notation: &str) -> Self {
        Self::default().then_keys(notation)
    }

    /// Appends keys in the notation of [`Script::keys`].
    pub fn then_keys(mut self, notation: &str) -> Self {
        let mut rest = notation;
        while let Some(c) = rest.chars().next() {
            rest = &rest[c.len_utf8()..];
            let key = if c == '<' && rest.starts_with('<') {
                rest = &rest[1..];
                Key::new(KeyCode::Char('<'), KeyModifiers::NONE)
            } else if c == '<' {
                match rest.split_once('>').map(|(n, r)| (Key::parse(n), r)) {
                    Some((Ok(key), after)) => {
                        rest = after;
                        key
                    }
                    _ => Key::new(KeyCode::Char('<'), KeyModifiers::NONE),
                }
            } else {
                Key::new(KeyCode::Char(c), KeyModifiers::NONE)
            };
            self.events
                .push_back(Event::Key(KeyEvent::new(key.code, key.modifiers)));
        }
        self
    }

    pub fn then(mut self, event: Event) -> Self {
        self.events.push_back(event);
        self
    }

    /// Appends a left click at a screen column and row.
    pub fn then_click(self, column: u16, row: u16) -> Self {
        self.then(mouse(MouseEventKind::Down(MouseButton::Left), column, row))
    }

    /// Appends one notch of the wheel, down or up.
    pub fn then_wheel(self, down: bool, column: u16, row: u16) -> Self {
        let kind = if down {
            MouseEventKind::ScrollDown
        } else {
            MouseEventKind::ScrollUp
        };
        self.then(mouse(kind, column, row))
    }
}

fn mouse(kind: MouseEventKind, column: u16, row: u16) -> Event {
    Event::Mouse(MouseEvent {
        kind,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    })
}

impl EventSource for Script {
    fn next_event(&mut self) -> io::Result<Option<Event>> {
        Ok(self.events.pop_front())
    }
}

/// What an event means in `mode`: the bound action, a typed character in the input
/// modes, a click, the wheel, a resize. `None` when it means nothing here.
pub fn to_action(event: &Event, mode: Mode, keymap: &Keymap) -> Option<Action> {
    match event {
        Event::Key(key) => {
            if key.kind == KeyEventKind::Release {
                return None;
            }
            let normalized = Key::from_event(key);
            if let Some(action) = keymap.action(mode, normalized) {
                return Some(action);
            }
            let typing = matches!(mode, Mode::Search | Mode::Command | Mode::Note);
            let plain = !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
            match key.code {
                KeyCode::Char(c) if typing && plain && !c.is_control() => {
                    Some(Action::InsertChar(c))
                }
                _ => None,
            }
        }
        Event::Mouse(m) => match m.kind {
            MouseEventKind::Down(MouseButton::Left) => Some(Action::Click(m.column, m.row)),
            MouseEventKind::ScrollUp => Some(Action::ScrollUp),
            MouseEventKind::ScrollDown => Some(Action::ScrollDown),
            _ => None,
        },
        Event::Resize(w, h) => Some(Action::Resize(*w, *h)),
        Event::Terminate => Some(Action::Quit),
        Event::Tick => Some(Action::Tick),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_parse_named_keys() {
        let mut script = Script::keys("/a<enter><<<ctrl-c><nope");
        let mut codes = Vec::new();
        while let Ok(Some(Event::Key(k))) = script.next_event() {
            codes.push((k.code, k.modifiers));
        }
        let none = KeyModifiers::NONE;
        assert_eq!(
            codes,
            [
                (KeyCode::Char('/'), none),
                (KeyCode::Char('a'), none),
                (KeyCode::Enter, none),
                (KeyCode::Char('<'), none),
                (KeyCode::Char('c'), KeyModifiers::CONTROL),
                (KeyCode::Char('<'), none),
                (KeyCode::Char('n'), none),
                (KeyCode::Char('o'), none),
                (KeyCode::Char('p'), none),
                (KeyCode::Char('e'), none),
            ]
        );
    }

    #[test]
    fn typing_modes_type_unbound_characters() {
        let keymap = Keymap::default_keymap().expect("keymap");
        let q = Event::Key(KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE));
        assert_eq!(to_action(&q, Mode::Matrix, &keymap), Some(Action::Quit));
        assert_eq!(
            to_action(&q, Mode::Search, &keymap),
            Some(Action::InsertChar('q'))
        );
        let ctrl_c = Event::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
        assert_eq!(
            to_action(&ctrl_c, Mode::Search, &keymap),
            Some(Action::Quit)
        );
        assert_eq!(
            to_action(&Event::Terminate, Mode::Help, &keymap),
            Some(Action::Quit)
        );
    }
}
