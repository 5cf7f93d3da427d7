//! The rules a merged matrix must satisfy, each reported with code, file, line and column.
//!
//! Every rule runs on every entity, so one `ktm validate` run shows every problem at once.

use std::collections::HashSet;
use std::path::Path;

use super::diagnostic::{Code, Diagnostic};
use super::model::{DETECTION_SOURCES, Located, Pos};
use super::{Matrix, Mitigation, Tactic, Technique};

/// Runs every cross-entity and per-entity rule over the merged matrix.
pub fn validate(matrix: &Matrix) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for tactic in &matrix.tactics {
        tactic_rules(tactic, &mut out);
    }
    for technique in &matrix.techniques {
        technique_rules(matrix, technique, &mut out);
    }
    for mitigation in &matrix.mitigations {
        mitigation_rules(matrix, mitigation, &mut out);
    }
    for check in &matrix.checks {
        super::check_rules::check_rules(matrix, check, &mut out);
    }
    for playbook in &matrix.playbooks {
        super::playbook_rules::playbook_rules(matrix, playbook, &mut out);
    }
    for scenario in &matrix.scenarios {
        super::playbook_rules::scenario_rules(matrix, scenario, &mut out);
    }
    out
}

fn tactic_rules(tactic: &Tactic, out: &mut Vec<Diagnostic>) {
    let file = &tactic.origin.0;
    if !is_slug(tactic.id.as_str()) {
        out.push(
            Diagnostic::new(
                Code::IdFormat,
                file,
                tactic.id.pos,
                format!("tactic id `{}` is not a slug", tactic.id),
            )
            .hint("use lower-case words joined by '-', for example privilege-escalation"),
        );
    }
    empty_name(file, &tactic.name, "tactic", out);
    if let Some(attack) = &tactic.attack
        && !is_attack_id(attack, "TA", false)
    {
        out.push(bad_attack(file, attack, "ATT&CK tactic id", "TA0001"));
    }
    if tactic.draft {
        out.push(draft(file, tactic.id.pos, "tactic", tactic.id.as_str()));
    }
}

fn technique_rules(matrix: &Matrix, t: &Technique, out: &mut Vec<Diagnostic>) {
    let file = &t.origin.0;
    let id = t.id.as_str();
    if !is_entity_id(id, "MS-TA9", false) {
        out.push(
            Diagnostic::new(
                Code::IdFormat,
                file,
                t.id.pos,
                format!("technique id `{id}` has the wrong format"),
            )
            .hint("technique ids are MS-TA9 followed by three digits, for example MS-TA9018"),
        );
    }
    file_name(file, &t.id, out);
    empty_name(file, &t.name, "technique", out);
    if t.tactics.is_empty() {
        out.push(
            Diagnostic::new(
                Code::NoTactic,
                file,
                t.id.pos,
                format!("technique {id} is placed under no tactic"),
            )
            .hint(format!(
                "add at least one tactic; known: {}",
                tactic_list(matrix)
            )),
        );
    }
    technique_tactics(matrix, t, out);
    duplicates(file, t.tactics.iter(), "tactic", out);
    for attack in &t.attack {
        if !is_attack_id(attack, "T", true) {
            out.push(bad_attack(
                file,
                attack,
                "ATT&CK technique id",
                "T1610 or T1552.007",
            ));
        }
    }
    for detection in &t.detections {
        if !DETECTION_SOURCES.contains(&detection.source.as_str()) {
            out.push(
                Diagnostic::new(
                    Code::UnknownSource,
                    file,
                    detection.source.pos,
                    format!("detection source `{}` is unknown", detection.source),
                )
                .hint(format!("use one of: {}", DETECTION_SOURCES.join(", "))),
            );
        }
    }
    technique_links(matrix, t, out);
    for check in &t.checks {
        if !matrix.check_ids.contains(check.as_str()) {
            out.push(
                Diagnostic::new(
                    Code::UnknownCheck,
                    file,
                    check.pos,
                    format!("check `{check}` does not exist"),
                )
                .hint(known_or_none(&matrix.check_ids, "checks")),
            );
        }
    }
    for playbook in &t.playbooks {
        if !matrix.playbook_ids.contains(playbook.as_str())
            && !matrix.broken_ids.contains(playbook.as_str())
        {
            out.push(
                Diagnostic::new(
                    Code::UnknownPlaybook,
                    file,
                    playbook.pos,
                    format!("playbook `{playbook}` does not exist"),
                )
                .hint(known_or_none(&matrix.playbook_ids, "playbooks")),
            );
        }
    }
    if t.draft {
        out.push(draft(file, t.id.pos, "technique", id));
    }
}

fn technique_tactics(matrix: &Matrix, t: &Technique, out: &mut Vec<Diagnostic>) {
    let file = &t.origin.0;
    let mut last_index = None;
    for tactic in &t.tactics {
        match matrix
            .tactics
            .iter()
            .position(|x| x.id.value == tactic.value)
        {
            None if matrix.tactics.is_empty() => {}
            None => out.push(
                Diagnostic::new(
                    Code::UnknownTactic,
                    file,
                    tactic.pos,
                    format!("tactic `{tactic}` does not exist"),
                )
                .hint(suggest(
                    tactic.as_str(),
                    matrix.tactics.iter().map(|x| x.id.as_str()),
                    &tactic_list(matrix),
                )),
            ),
            Some(index) => {
                if last_index.is_some_and(|last| index < last) {
                    out.push(
                        Diagnostic::new(
                            Code::TacticOrder,
                            file,
                            tactic.pos,
                            format!("tactic `{tactic}` is out of matrix order"),
                        )
                        .hint(format!(
                            "list tactics left to right as in tactics.yaml: {}",
                            tactic_list(matrix)
                        )),
                    );
                }
                last_index = Some(index);
            }
        }
    }
}

fn technique_links(matrix: &Matrix, t: &Technique, out: &mut Vec<Diagnostic>) {
    let file = &t.origin.0;
    let id = t.id.as_str();
    for link in &t.mitigations {
        let Some(m) = matrix.mitigation(link.id.as_str()) else {
            if matrix.broken_ids.contains(link.id.as_str()) {
                continue;
            }
            out.push(
                Diagnostic::new(
                    Code::UnknownMitigation,
                    file,
                    link.id.pos,
                    format!("mitigation {} does not exist", link.id),
                )
                .hint(suggest(
                    link.id.as_str(),
                    matrix.mitigations.iter().map(|m| m.id.as_str()),
                    &id_range(matrix.mitigations.iter().map(|m| m.id.as_str())),
                )),
            );
            continue;
        };
        if !m.techniques.iter().any(|x| x.as_str() == id) {
            out.push(
                Diagnostic::new(
                    Code::AsymmetricLink,
                    file,
                    link.id.pos,
                    format!(
                        "{id} links mitigation {}, but {} does not list {id}",
                        m.id, m.id
                    ),
                )
                .hint(format!(
                    "add {id} to `techniques` in {}, or remove the link here",
                    m.origin.0
                )),
            );
        }
    }
    duplicates(file, t.mitigations.iter().map(|l| &l.id), "mitigation", out);
}

fn mitigation_rules(matrix: &Matrix, m: &Mitigation, out: &mut Vec<Diagnostic>) {
    let file = &m.origin.0;
    let id = m.id.as_str();
    if !is_entity_id(id, "MS-M9", true) {
        out.push(
            Diagnostic::new(Code::IdFormat, file, m.id.pos, format!("mitigation id `{id}` has the wrong format"))
                .hint("mitigation ids are MS-M9 followed by three digits, optionally .00n: MS-M9013, MS-M9005.001"),
        );
    }
    file_name(file, &m.id, out);
    empty_name(file, &m.name, "mitigation", out);
    if let Some(parent) = &m.parent
        && matrix.mitigation(parent.as_str()).is_none()
        && !matrix.broken_ids.contains(parent.as_str())
    {
        out.push(
            Diagnostic::new(
                Code::UnknownParent,
                file,
                parent.pos,
                format!("parent mitigation {parent} does not exist"),
            )
            .hint(suggest(
                parent.as_str(),
                matrix.mitigations.iter().map(|m| m.id.as_str()),
                "remove `parent` or name an existing mitigation",
            )),
        );
    }
    for attack in &m.attack {
        if !is_attack_id(attack, "M", false) {
            out.push(bad_attack(file, attack, "ATT&CK mitigation id", "M1038"));
        }
    }
    for tid in &m.techniques {
        let Some(t) = matrix.technique(tid.as_str()) else {
            unknown_technique(matrix, file, tid, out);
            continue;
        };
        let linked = t.mitigations.iter().any(|l| {
            l.id.as_str() == id
                || m.parent
                    .as_ref()
                    .is_some_and(|p| p.as_str() == l.id.as_str())
        });
        if !linked {
            out.push(
                Diagnostic::new(
                    Code::AsymmetricLink,
                    file,
                    tid.pos,
                    format!("{id} lists technique {tid}, but {tid} does not link {id}"),
                )
                .hint(format!(
                    "add `- id: {id}` under `mitigations` in {}, or remove {tid} here",
                    t.origin.0
                )),
            );
        }
    }
    duplicates(file, m.techniques.iter(), "technique", out);
    if m.draft {
        out.push(draft(file, m.id.pos, "mitigation", id));
    }
}

pub(super) fn file_name<T: std::fmt::Display>(
    file: &str,
    id: &Located<T>,
    out: &mut Vec<Diagnostic>,
) {
    let path = Path::new(file);
    let stem = path
        .file_stem()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("yaml");
    let id = id.value.to_string();
    if stem != id {
        out.push(
            Diagnostic::new(
                Code::FileNameMismatch,
                file,
                Pos { line: 1, col: 1 },
                format!("file name `{stem}` does not match id {id}"),
            )
            .hint(format!("rename the file to {id}.{ext}")),
        );
    }
}

pub(super) fn empty_name(
    file: &str,
    name: &Located<String>,
    kind: &str,
    out: &mut Vec<Diagnostic>,
) {
    if name.trim().is_empty() {
        out.push(
            Diagnostic::new(
                Code::EmptyName,
                file,
                name.pos,
                format!("{kind} name is empty"),
            )
            .hint("give it the name shown in the matrix"),
        );
    }
}

pub(super) fn duplicates<'a, T: std::fmt::Display + 'a>(
    file: &str,
    items: impl Iterator<Item = &'a Located<T>>,
    kind: &str,
    out: &mut Vec<Diagnostic>,
) {
    let mut seen = HashSet::new();
    for item in items {
        let key = item.value.to_string();
        if !seen.insert(key.clone()) {
            out.push(
                Diagnostic::new(
                    Code::DuplicateReference,
                    file,
                    item.pos,
                    format!("{kind} {key} is listed twice"),
                )
                .hint("remove the second entry"),
            );
        }
    }
}

fn draft(file: &str, pos: Pos, kind: &str, id: &str) -> Diagnostic {
    Diagnostic::new(Code::Draft, file, pos, format!("{kind} {id} is a draft"))
        .hint("write the content, then remove `draft: true`")
}

fn bad_attack(file: &str, attack: &Located<String>, what: &str, example: &str) -> Diagnostic {
    Diagnostic::new(
        Code::IdFormat,
        file,
        attack.pos,
        format!("`{attack}` is not an {what}"),
    )
    .hint(format!("write it as {example}"))
}

pub(super) fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// `prefix` followed by three digits, and, when `sub` is allowed, an optional `.` + three digits.
fn is_entity_id(s: &str, prefix: &str, sub: bool) -> bool {
    is_numbered_id(s, prefix, 3, sub)
}

/// ATT&CK ids: `prefix` + four digits, optionally `.` + three digits for sub-techniques.
fn is_attack_id(s: &str, prefix: &str, sub: bool) -> bool {
    is_numbered_id(s, prefix, 4, sub)
}

/// `prefix`, then `width` digits, then (when `sub` is allowed) an optional `.` and three digits.
fn is_numbered_id(s: &str, prefix: &str, width: usize, sub: bool) -> bool {
    let Some(rest) = s.strip_prefix(prefix) else {
        return false;
    };
    let (main, suffix) = match rest.split_once('.') {
        Some((m, x)) if sub => (m, Some(x)),
        Some(_) => return false,
        None => (rest, None),
    };
    let digits = |x: &str, n: usize| x.len() == n && x.bytes().all(|b| b.is_ascii_digit());
    digits(main, width) && suffix.is_none_or(|x| digits(x, 3))
}

fn tactic_list(matrix: &Matrix) -> String {
    matrix
        .tactics
        .iter()
        .map(|t| t.id.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn id_range<'a>(ids: impl Iterator<Item = &'a str>) -> String {
    let ids: Vec<&str> = ids.collect();
    match (ids.first(), ids.last()) {
        (Some(first), Some(last)) => format!("known: {first}..{last} ({} ids)", ids.len()),
        _ => "none are defined".to_owned(),
    }
}

pub(super) fn known_or_none(ids: &std::collections::BTreeSet<String>, what: &str) -> String {
    if ids.is_empty() {
        format!("no {what} are defined yet; remove the reference")
    } else {
        format!(
            "known: {}",
            ids.iter().cloned().collect::<Vec<_>>().join(", ")
        )
    }
}

/// "did you mean X?" when a known id is within edit distance 2, else the fallback text.
pub(super) fn suggest<'a>(
    wrong: &str,
    known: impl Iterator<Item = &'a str>,
    fallback: &str,
) -> String {
    let best = known
        .map(|k| {
            (
                edit_distance(&wrong.to_ascii_lowercase(), &k.to_ascii_lowercase()),
                k,
            )
        })
        .filter(|(d, _)| *d <= 2)
        .min();
    match best {
        Some((_, k)) => format!("did you mean {k}? {fallback}"),
        None => fallback.to_owned(),
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// `technique X does not exist`, with a suggestion; silent when X's own file is broken
/// (reported already).
pub(super) fn unknown_technique(
    matrix: &Matrix,
    file: &str,
    tid: &Located<super::TechniqueId>,
    out: &mut Vec<Diagnostic>,
) {
    if matrix.broken_ids.contains(tid.as_str()) {
        return;
    }
    out.push(
        Diagnostic::new(
            Code::UnknownTechnique,
            file,
            tid.pos,
            format!("technique {tid} does not exist"),
        )
        .hint(suggest(
            tid.as_str(),
            matrix.techniques.iter().map(|t| t.id.as_str()),
            &id_range(matrix.techniques.iter().map(|t| t.id.as_str())),
        )),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_formats() {
        assert!(is_entity_id("MS-TA9018", "MS-TA9", false));
        assert!(!is_entity_id("MS-TA918", "MS-TA9", false));
        assert!(!is_entity_id("MS-TA9018.001", "MS-TA9", false));
        assert!(is_entity_id("MS-M9005.001", "MS-M9", true));
        assert!(is_attack_id("T1552.007", "T", true));
        assert!(!is_attack_id("T155", "T", true));
        assert!(is_attack_id("TA0040", "TA", false));
        assert!(is_slug("privilege-escalation"));
        assert!(!is_slug("Privilege Escalation"));
    }

    #[test]
    fn suggestions_pick_the_closest_id() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        let s = suggest("MS-M9O13", ["MS-M9013", "MS-M9014"].into_iter(), "x");
        assert!(s.starts_with("did you mean MS-M9013?"), "{s}");
    }
}
