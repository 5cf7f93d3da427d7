//! `playbooks/<id>.md`: response playbooks, YAML front matter plus markdown steps.
//!
//! The front matter (id, title, techniques, severity, roles, minutes, prerequisites) is
//! deserialized by `load`; this module splits the file and cuts the markdown body into
//! steps at its `## ` headings, pulling out code blocks and the `> [!facilitator]` and
//! `> [!warning]` callouts so the walkthrough can hide, reveal and warn.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::check::Severity;
use super::model::{Located, Origin, Pos, TechniqueId};

/// Who a playbook is written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Responder,
    Trainer,
}

/// The YAML front matter of a playbook.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    /// Kebab-case id; must equal the file name without `.md`.
    pub id: Located<String>,
    /// Title shown in lists and at the top of the walkthrough.
    pub title: String,
    /// The techniques this playbook responds to (MS-TA ids).
    pub techniques: Vec<Located<TechniqueId>>,
    /// How serious the incident it handles usually is.
    pub severity: Severity,
    /// Who it is for: `responder`, `trainer`.
    #[serde(default)]
    pub roles: Vec<Role>,
    /// Estimated minutes to work through it.
    #[serde(default)]
    pub minutes: Option<u32>,
    /// What the reader needs before starting (access, logs, tools).
    #[serde(default)]
    pub prerequisites: Vec<String>,
}

/// One fenced code block of a step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CodeBlock {
    /// The info string's first word (`sh`, `yaml`), empty when none.
    pub lang: String,
    /// The block's text without the fences.
    pub code: String,
    /// Line of the opening fence in the file.
    pub line: u32,
    /// Whether a `> [!warning]` callout precedes it in the same step.
    pub under_warning: bool,
}

/// One step: a `## ` heading and what follows it up to the next one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Step {
    pub title: String,
    /// Line of the heading in the file.
    pub line: u32,
    /// The step's markdown, callouts removed (code blocks kept in place).
    pub body: String,
    pub blocks: Vec<CodeBlock>,
    /// Trainer notes and expected answers, hidden until revealed.
    pub facilitator: Option<String>,
    /// What this step changes in the cluster, when it does.
    pub warning: Option<String>,
}

/// A parsed playbook.
#[derive(Clone, Debug, Serialize)]
pub struct Playbook {
    #[serde(flatten)]
    pub meta: FrontMatter,
    /// The markdown before the first step.
    pub intro: String,
    pub steps: Vec<Step>,
    #[serde(skip)]
    pub origin: Origin,
}

impl Playbook {
    pub fn id(&self) -> &str {
        &self.meta.id.value
    }
}

/// A file split into its front matter and body.
pub struct Split<'a> {
    /// The front matter text, preceded by one empty line so YAML line numbers match the file.
    pub front: String,
    pub body: &'a str,
    /// The body's first line number in the file.
    pub body_line: u32,
}

/// Splits `---` front matter from the body; `Err` says what is wrong, with its position.
pub fn split(text: &str) -> Result<Split<'_>, (Pos, &'static str)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().unwrap_or("");
    if first.trim_end() != "---" {
        return Err((
            Pos { line: 1, col: 1 },
            "a playbook starts with a `---` line opening its YAML front matter",
        ));
    }
    let mut front = String::from("\n");
    let mut offset = first.len();
    let mut line_no = 1u32;
    for line in lines {
        line_no += 1;
        offset += line.len();
        if line.trim_end() == "---" {
            return Ok(Split {
                front,
                body: &text[offset..],
                body_line: line_no + 1,
            });
        }
        front.push_str(line);
    }
    Err((
        Pos { line: 1, col: 1 },
        "the front matter is never closed: add a `---` line after it",
    ))
}

/// Cuts a body into its intro and steps. `first_line` is the body's line in the file.
pub fn parse_steps(body: &str, first_line: u32) -> (String, Vec<Step>) {
    let mut intro = String::new();
    let mut steps: Vec<Step> = Vec::new();
    let mut fence: Option<(String, String, u32, String)> = None; // marker, lang, line, code
    let mut callout: Option<(Callout, String)> = None;
    let mut warned = false;
    for (index, raw) in body.lines().enumerate() {
        let line_no = first_line + u32::try_from(index).unwrap_or(u32::MAX - first_line);
        let trimmed = raw.trim_start();
        if let Some((marker, lang, start, code)) = fence.as_mut() {
            if trimmed.starts_with(marker.as_str()) && trimmed.trim_end() == marker.as_str() {
                let block = CodeBlock {
                    lang: std::mem::take(lang),
                    code: std::mem::take(code),
                    line: *start,
                    under_warning: warned,
                };
                fence = None;
                if let Some(step) = steps.last_mut() {
                    step.blocks.push(block);
                }
            } else {
                code.push_str(raw);
                code.push('\n');
            }
            push_body(&mut steps, &mut intro, raw);
            continue;
        }
        if let Some((kind, text)) = callout.as_mut() {
            if let Some(rest) = trimmed.strip_prefix('>') {
                text.push_str(rest.strip_prefix(' ').unwrap_or(rest));
                text.push('\n');
                continue;
            }
            let (kind, text) = (*kind, text.trim().to_owned());
            callout = None;
            if let Some(step) = steps.last_mut() {
                match kind {
                    Callout::Facilitator => append(&mut step.facilitator, text),
                    Callout::Warning => append(&mut step.warning, text),
                }
            }
        }
        if let Some(title) = raw.strip_prefix("## ") {
            steps.push(Step {
                title: title.trim().to_owned(),
                line: line_no,
                ..Step::default()
            });
            warned = false;
            continue;
        }
        if let Some(kind) = callout_start(trimmed) {
            if kind == Callout::Warning {
                warned = true;
            }
            callout = Some((kind, String::new()));
            continue;
        }
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            let marker: String = trimmed
                .chars()
                .take_while(|c| *c == '`' || *c == '~')
                .collect();
            let lang = trimmed[marker.len()..]
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_owned();
            fence = Some((marker, lang, line_no, String::new()));
        }
        push_body(&mut steps, &mut intro, raw);
    }
    if let Some((kind, text)) = callout
        && let Some(step) = steps.last_mut()
    {
        match kind {
            Callout::Facilitator => append(&mut step.facilitator, text.trim().to_owned()),
            Callout::Warning => append(&mut step.warning, text.trim().to_owned()),
        }
    }
    for step in &mut steps {
        step.body = step.body.trim().to_owned();
    }
    (intro.trim().to_owned(), steps)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Callout {
    Facilitator,
    Warning,
}

fn callout_start(line: &str) -> Option<Callout> {
    let rest = line.strip_prefix('>')?.trim();
    let tag = rest.strip_prefix("[!")?.split(']').next()?;
    match tag.to_ascii_lowercase().as_str() {
        "facilitator" => Some(Callout::Facilitator),
        "warning" => Some(Callout::Warning),
        _ => None,
    }
}

fn append(slot: &mut Option<String>, text: String) {
    match slot {
        Some(existing) => {
            existing.push('\n');
            existing.push_str(&text);
        }
        None => *slot = Some(text),
    }
}

fn push_body(steps: &mut [Step], intro: &mut String, line: &str) {
    let target = match steps.last_mut() {
        Some(step) => &mut step.body,
        None => intro,
    };
    target.push_str(line);
    target.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = "Intro text.\n\n## First\nDo this.\n\n```sh\nkubectl get pods\n```\n\n> [!facilitator]\n> Ask why.\n\n## Second\n> [!warning]\n> Deletes things.\n\n```sh\nkubectl delete pod x\n# ## not a heading\n```\n";

    #[test]
    fn steps_blocks_and_callouts() {
        let (intro, steps) = parse_steps(BODY, 10);
        assert_eq!(intro, "Intro text.");
        assert_eq!(steps.len(), 2);
        assert_eq!(steps[0].title, "First");
        assert_eq!(steps[0].line, 12);
        assert_eq!(steps[0].blocks.len(), 1);
        assert!(!steps[0].blocks[0].under_warning);
        assert_eq!(steps[0].facilitator.as_deref(), Some("Ask why."));
        assert!(!steps[0].body.contains("Ask why"));
        assert_eq!(steps[1].warning.as_deref(), Some("Deletes things."));
        assert!(steps[1].blocks[0].under_warning);
        assert!(steps[1].blocks[0].code.contains("# ## not a heading"));
        assert_eq!(steps[1].blocks[0].lang, "sh");
    }

    #[test]
    fn split_keeps_line_numbers() {
        let text = "---\nid: x\n---\nbody\n";
        let s = split(text).expect("front matter");
        assert_eq!(s.front, "\nid: x\n");
        assert_eq!(s.body, "body\n");
        assert_eq!(s.body_line, 4);
        assert!(split("no front matter").is_err());
        assert!(split("---\nid: x\n").is_err());
    }
}
