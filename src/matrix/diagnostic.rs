//! Diagnostics reported by loading and validating a matrix: code, `file:line:col`, message, hint.

use std::fmt;

use serde::Serialize;

use super::model::Pos;

/// How bad a diagnostic is: errors fail `ktm validate`, warnings do not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// Every rule `ktm validate` knows, with a stable code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Code {
    /// The file is not well-formed YAML or a value has the wrong type.
    Syntax,
    /// A field the schema does not know.
    UnknownField,
    /// A required field is absent.
    MissingField,
    /// An id does not have the expected format.
    IdFormat,
    /// The file name is not `<id>.yaml`.
    FileNameMismatch,
    /// Two entities share one id.
    DuplicateId,
    /// A technique names a tactic that does not exist.
    UnknownTactic,
    /// A technique names a mitigation that does not exist.
    UnknownMitigation,
    /// A mitigation names a technique that does not exist.
    UnknownTechnique,
    /// A technique names a check that does not exist.
    UnknownCheck,
    /// A technique names a playbook that does not exist.
    UnknownPlaybook,
    /// A technique is placed under no tactic.
    NoTactic,
    /// A technique-mitigation link is stated on one side only.
    AsymmetricLink,
    /// A name is empty.
    EmptyName,
    /// The file is not UTF-8.
    NotUtf8,
    /// The file exceeds the size limit.
    TooLarge,
    /// YAML alias expansion or nesting exceeds the parser budget.
    AliasBomb,
    /// A technique's tactics are not in matrix order.
    TacticOrder,
    /// A detection names an unknown data source.
    UnknownSource,
    /// A sub-mitigation's parent does not exist.
    UnknownParent,
    /// A file or folder cannot be read.
    Io,
    /// The folder has no `tactics.yaml`.
    NoTactics,
    /// The same id appears twice in one list.
    DuplicateReference,
    /// A check names a view that does not exist.
    UnknownView,
    /// A check's CEL expression does not compile.
    CheckExpression,
    /// A check's inline test case gives the wrong result.
    CheckTest,
    /// A check lacks a failing or a passing inline test case.
    CheckTestsMissing,
    /// A playbook file lacks its `---` front matter or never closes it.
    PlaybookFormat,
    /// A playbook has no `## ` steps, or a step has no title.
    PlaybookSteps,
    /// A scenario has fewer than two steps.
    ScenarioSteps,
    /// A playbook command that changes the cluster sits outside a `> [!warning]` step.
    UnsafeCommand,
    /// An executable detection without an id, with a duplicate or malformed id, or with
    /// `match` on a source other than `kubernetes-audit`.
    DetectionId,
    /// Content marked `draft: true`.
    Draft,
}

impl Code {
    /// The stable code printed in diagnostics, for example `E012`.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Syntax => "E001",
            Code::UnknownField => "E002",
            Code::MissingField => "E003",
            Code::IdFormat => "E004",
            Code::FileNameMismatch => "E005",
            Code::DuplicateId => "E006",
            Code::UnknownTactic => "E007",
            Code::UnknownMitigation => "E008",
            Code::UnknownTechnique => "E009",
            Code::UnknownCheck => "E010",
            Code::UnknownPlaybook => "E011",
            Code::NoTactic => "E012",
            Code::AsymmetricLink => "E013",
            Code::EmptyName => "E014",
            Code::NotUtf8 => "E015",
            Code::TooLarge => "E016",
            Code::AliasBomb => "E017",
            Code::TacticOrder => "E018",
            Code::UnknownSource => "E019",
            Code::UnknownParent => "E020",
            Code::Io => "E021",
            Code::NoTactics => "E022",
            Code::DuplicateReference => "E023",
            Code::UnknownView => "E024",
            Code::CheckExpression => "E025",
            Code::CheckTest => "E026",
            Code::CheckTestsMissing => "E027",
            Code::PlaybookFormat => "E028",
            Code::PlaybookSteps => "E029",
            Code::ScenarioSteps => "E030",
            Code::UnsafeCommand => "E031",
            Code::DetectionId => "E032",
            Code::Draft => "W001",
        }
    }

    pub fn severity(self) -> Severity {
        match self {
            Code::Draft => Severity::Warning,
            _ => Severity::Error,
        }
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// One finding about a matrix source, located in a file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub file: String,
    pub line: u32,
    pub col: u32,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn new(code: Code, file: impl Into<String>, pos: Pos, message: impl Into<String>) -> Self {
        Self {
            code,
            severity: code.severity(),
            file: file.into(),
            line: pos.line,
            col: pos.col,
            message: message.into(),
            hint: None,
        }
    }

    #[must_use]
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}:{}:{}: {}",
            self.code.as_str(),
            self.file,
            self.line.max(1),
            self.col.max(1),
            self.message
        )?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  = help: {hint}")?;
        }
        Ok(())
    }
}

/// Sorts diagnostics by file, then position, then code, so output is stable.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics
        .sort_by(|a, b| (&a.file, a.line, a.col, a.code).cmp(&(&b.file, b.line, b.col, b.code)));
}
