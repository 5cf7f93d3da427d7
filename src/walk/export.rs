//! A session log as markdown: for the exercise report or the incident record.

use std::fmt::Write;

use super::{Session, clock};
use crate::matrix::Playbook;

/// The log of one or more sessions (one per playbook walked under the session name).
/// `playbook` gives titles; a session whose playbook is gone is still written.
pub fn markdown<'a>(
    name: &str,
    sessions: &[Session],
    playbook: impl Fn(&str) -> Option<&'a Playbook>,
) -> String {
    let mut s = format!("# Session {name}\n\n");
    for session in sessions {
        let book = playbook(&session.playbook);
        let title = book.map_or(session.playbook.as_str(), |p| p.meta.title.as_str());
        let _ = write!(
            s,
            "## {title} (`{}`)\n\n- started: {}\n- last activity: {}\n- steps done: {} of {}\n- time on steps: {}\n\n",
            session.playbook,
            timestamp(session.started),
            timestamp(session.updated),
            session.done_count(),
            session.len(),
            clock(session.steps.iter().map(|x| x.seconds).sum()),
        );
        s.push_str("| # | step | done | time |\n|---:|---|---|---:|\n");
        for (i, step) in session.steps.iter().enumerate() {
            let done = step.done_at.map_or_else(|| "—".to_owned(), timestamp);
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} |",
                i + 1,
                cell(&step.title),
                done,
                clock(step.seconds)
            );
        }
        s.push('\n');
        let noted: Vec<_> = session
            .steps
            .iter()
            .enumerate()
            .filter(|(_, st)| !st.notes.is_empty())
            .collect();
        if !noted.is_empty() {
            s.push_str("### Notes\n\n");
            for (i, step) in noted {
                let _ = writeln!(s, "**Step {} · {}**\n", i + 1, step.title);
                for note in &step.notes {
                    let _ = writeln!(s, "- {} {}", timestamp(note.at), note.text);
                }
                s.push('\n');
            }
        }
    }
    crate::text::sanitize::sanitize_with(&s, true).into_owned()
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// Seconds since the epoch as `YYYY-MM-DD hh:mm:ss UTC`.
pub fn timestamp(secs: u64) -> String {
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(i64::try_from(days).unwrap_or(0));
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let m = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}
