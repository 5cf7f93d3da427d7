//! One smoke test in a real terminal: tmux runs the `ktm` binary at 80x24, we type a
//! search, open the hit, read the screen, quit, and check the exit status. Skipped (with
//! a message) when tmux is not installed; `.ci/run` installs it.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A tmux server on its own socket, killed when the test ends however it ends.
struct Tmux {
    socket: String,
}

impl Tmux {
    /// A detached 80x24 session named `ktm` running `command` on a private socket.
    fn start(label: &str, command: &str) -> Self {
        let tmux = Tmux {
            socket: format!("ktm-{label}-{}", std::process::id()),
        };
        let args = [
            "new-session",
            "-d",
            "-x",
            "80",
            "-y",
            "24",
            "-s",
            "ktm",
            command,
        ];
        let started = tmux.run(&args);
        assert!(
            started.status.success(),
            "{}",
            String::from_utf8_lossy(&started.stderr)
        );
        tmux
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("run tmux")
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "ktm"]).stdout).into_owned()
    }

    /// Waits until the screen satisfies `ready`; panics with the last screen otherwise.
    fn wait_for(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if ready(&screen) {
                return screen;
            }
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "timed out waiting for {what}; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "ktm"];
        args.extend_from_slice(keys);
        assert!(self.run(&args).status.success(), "send-keys {keys:?}");
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

fn quoted(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}

#[test]
fn ktm_in_tmux_searches_opens_a_page_and_quits_cleanly() {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("skipping the tmux smoke test: tmux is not installed");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let status = dir.path().join("status");
    let binary = assert_cmd::cargo::cargo_bin("ktm");
    let command = format!(
        "env KTM_CONFIG_DIR={} {}; echo $? > {}",
        quoted(dir.path()),
        quoted(&binary),
        quoted(&status)
    );
    let tmux = Tmux::start("smoke", &command);
    tmux.wait_for("the matrix", |s| {
        s.contains("Initial Access") && s.contains("? help")
    });
    tmux.keys(&["/"]);
    tmux.wait_for("the search input", |s| s.starts_with(" /"));
    tmux.keys(&["-l", "privileged"]);
    tmux.wait_for("the results", |s| s.contains("▶ MS-TA9018"));
    tmux.keys(&["Enter"]);
    let page = tmux.wait_for("the technique page", |s| {
        s.contains("MS-TA9018 · Privileged container")
    });
    assert!(page.contains("Tactics Privilege Escalation"), "{page}");
    assert!(page.contains("Esc grid"), "{page}");
    tmux.keys(&["q"]);
    let start = Instant::now();
    while !status.exists() || std::fs::read_to_string(&status).is_ok_and(|s| s.is_empty()) {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "ktm did not exit after q; the screen:\n{}",
            tmux.screen()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let code = std::fs::read_to_string(&status).expect("status");
    assert_eq!(code.trim(), "0", "ktm's exit status");
}

/// When its terminal disappears (a killed tmux server, a dropped SSH session) ktm must
/// exit, not spin on end-of-file: crossterm's poll never returns on a hung-up terminal.
#[test]
fn ktm_exits_when_its_terminal_hangs_up() {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("skipping the hang-up test: tmux is not installed");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let pid_file = dir.path().join("pid");
    let binary = assert_cmd::cargo::cargo_bin("ktm");
    // exec keeps the pid: the file names the ktm process itself.
    let command = format!(
        "echo $$ > {}; exec env KTM_CONFIG_DIR={} {}",
        quoted(&pid_file),
        quoted(dir.path()),
        quoted(&binary)
    );
    let tmux = Tmux::start("hangup", &command);
    tmux.wait_for("the matrix", |s| s.contains("Initial Access"));
    let pid = std::fs::read_to_string(&pid_file)
        .expect("pid")
        .trim()
        .to_owned();
    let proc_dir = Path::new("/proc").join(&pid);
    assert!(proc_dir.exists(), "ktm is running");
    let _ = tmux.run(&["kill-server"]);
    let start = Instant::now();
    while proc_dir.exists() {
        if start.elapsed() > Duration::from_secs(10) {
            let _ = Command::new("kill").args(["-9", &pid]).status();
            panic!("ktm (pid {pid}) was still running 10 s after its terminal hung up");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
