//! The `:` command line: parses what was typed into an [`Action`].

use crate::tui::action::Action;

/// What `:help` and errors list.
pub const COMMANDS: &str =
    ":show ID  :tactic NAME  :search TEXT  :context NAME  :checks  :help  :q";

/// Parses a command line (without the `:`). `Ok(None)` for an empty line.
pub fn parse(line: &str) -> Result<Option<Action>, String> {
    let line = line.trim();
    let (word, rest) = line
        .split_once(char::is_whitespace)
        .map_or((line, ""), |(w, r)| (w, r.trim()));
    let needs = |what: &str, example: &str| {
        if rest.is_empty() {
            Err(format!(
                "`:{word}` needs {what}, for example :{word} {example}"
            ))
        } else {
            Ok(())
        }
    };
    let action = match word {
        "" => return Ok(None),
        "q" | "q!" | "quit" | "qa" | "exit" => Action::Quit,
        "show" | "open" | "s" | "o" | "e" => {
            needs("an id", "MS-TA9018")?;
            Action::OpenEntity(rest.to_owned())
        }
        "tactic" | "t" => {
            needs("a tactic", "persistence")?;
            Action::GoToTactic(rest.to_owned())
        }
        "search" | "find" | "f" => {
            needs("some text", "privileged")?;
            Action::Search(rest.to_owned())
        }
        "context" | "ctx" => {
            needs("a kubeconfig context", "prod-eu")?;
            Action::UseContext(rest.to_owned())
        }
        "checks" | "check" | "c" => Action::RunChecks,
        "help" | "h" => Action::ToggleHelp,
        other => {
            return Err(format!(
                "unknown command `{other}`; the commands are {COMMANDS}"
            ));
        }
    };
    Ok(Some(action))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_commands() {
        assert_eq!(parse("q"), Ok(Some(Action::Quit)));
        assert_eq!(parse("  "), Ok(None));
        assert_eq!(
            parse("show MS-TA9018"),
            Ok(Some(Action::OpenEntity("MS-TA9018".into())))
        );
        assert_eq!(
            parse("tactic  privilege escalation "),
            Ok(Some(Action::GoToTactic("privilege escalation".into())))
        );
        assert_eq!(
            parse("search exec pod"),
            Ok(Some(Action::Search("exec pod".into())))
        );
        assert!(parse("show").expect_err("id").contains(":show MS-TA9018"));
        assert!(
            parse("frobnicate")
                .expect_err("unknown")
                .contains(":tactic NAME")
        );
    }
}
