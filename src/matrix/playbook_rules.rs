//! Rules for playbooks and scenarios: ids, links both ways, steps, and safe commands.
//!
//! A playbook is read by a responder under stress, so a command that changes the cluster
//! (or the cloud account) must sit in a step that says so in a `> [!warning]` callout
//! placed before it. [`changes_cluster`] is the classifier both the validator and the
//! tests use.

use super::Matrix;
use super::diagnostic::{Code, Diagnostic};
use super::model::{Located, Pos};
use super::playbook::Playbook;
use super::scenario::Scenario;
use super::validate::{duplicates, file_name, is_slug, known_or_none, unknown_technique};

pub(super) fn playbook_rules(matrix: &Matrix, p: &Playbook, out: &mut Vec<Diagnostic>) {
    let file = &p.origin.0;
    let id = p.id();
    slug_id(file, &p.meta.id, "playbook", out);
    file_name(file, &p.meta.id, out);
    if p.meta.title.trim().is_empty() {
        out.push(
            Diagnostic::new(
                Code::EmptyName,
                file,
                p.meta.id.pos,
                "playbook title is empty",
            )
            .hint("give it a title a responder recognises in a list"),
        );
    }
    if p.meta.techniques.is_empty() {
        out.push(
            Diagnostic::new(
                Code::UnknownTechnique,
                file,
                p.meta.id.pos,
                format!("playbook {id} names no technique"),
            )
            .hint("list the MS-TA ids this playbook responds to under `techniques`"),
        );
    }
    for tid in &p.meta.techniques {
        let Some(t) = matrix.technique(tid.as_str()) else {
            unknown_technique(matrix, file, tid, out);
            continue;
        };
        if !t.playbooks.iter().any(|x| x.as_str() == id) {
            out.push(
                Diagnostic::new(
                    Code::AsymmetricLink,
                    file,
                    tid.pos,
                    format!("playbook {id} names technique {tid}, but {tid} does not list {id}"),
                )
                .hint(format!(
                    "add {id} to `playbooks` in {}, or remove {tid} here",
                    t.origin.0
                )),
            );
        }
    }
    duplicates(file, p.meta.techniques.iter(), "technique", out);
    for t in &matrix.techniques {
        for link in &t.playbooks {
            if link.as_str() == id && !p.meta.techniques.iter().any(|x| x.value == t.id.value) {
                out.push(
                    Diagnostic::new(
                        Code::AsymmetricLink,
                        &t.origin.0,
                        link.pos,
                        format!(
                            "{} lists playbook {id}, but {id} does not name {}",
                            t.id, t.id
                        ),
                    )
                    .hint(format!(
                        "add {} to `techniques` in {file}, or remove the playbook here",
                        t.id
                    )),
                );
            }
        }
    }
    steps(file, p, out);
}

fn steps(file: &str, p: &Playbook, out: &mut Vec<Diagnostic>) {
    if p.steps.is_empty() {
        out.push(
            Diagnostic::new(
                Code::PlaybookSteps,
                file,
                Pos { line: 1, col: 1 },
                format!("playbook {} has no steps", p.id()),
            )
            .hint("every `## ` heading in the body starts a step: add at least one"),
        );
    }
    for step in &p.steps {
        let at = Pos {
            line: step.line,
            col: 1,
        };
        if step.title.is_empty() {
            out.push(
                Diagnostic::new(Code::PlaybookSteps, file, at, "step heading has no title")
                    .hint("write what the step does after `## `"),
            );
        }
        for block in &step.blocks {
            if block.under_warning {
                continue;
            }
            for (offset, line) in block.code.lines().enumerate() {
                if let Some(verb) = changes_cluster(line) {
                    let line_no = block.line + 1 + u32::try_from(offset).unwrap_or(0);
                    out.push(
                        Diagnostic::new(
                            Code::UnsafeCommand,
                            file,
                            Pos {
                                line: line_no,
                                col: 1,
                            },
                            format!("`{verb}` changes the cluster, outside a warning"),
                        )
                        .hint("put a `> [!warning]` callout saying what changes before this block, in the same step"),
                    );
                }
            }
        }
    }
}

pub(super) fn scenario_rules(matrix: &Matrix, s: &Scenario, out: &mut Vec<Diagnostic>) {
    let file = &s.origin.0;
    slug_id(file, &s.id, "scenario", out);
    file_name(file, &s.id, out);
    if s.steps.len() < 2 {
        out.push(
            Diagnostic::new(
                Code::ScenarioSteps,
                file,
                s.id.pos,
                format!("scenario {} has {} step(s)", s.id, s.steps.len()),
            )
            .hint("a scenario is a chain: give it at least two steps"),
        );
    }
    for step in &s.steps {
        if matrix.technique(step.technique.as_str()).is_none() {
            unknown_technique(matrix, file, &step.technique, out);
        }
    }
    for playbook in &s.playbooks {
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
    duplicates(file, s.playbooks.iter(), "playbook", out);
}

fn slug_id(file: &str, id: &Located<String>, kind: &str, out: &mut Vec<Diagnostic>) {
    if !is_slug(id.as_str()) {
        out.push(
            Diagnostic::new(
                Code::IdFormat,
                file,
                id.pos,
                format!("{kind} id `{id}` is not kebab-case"),
            )
            .hint("use lower-case words joined by '-', for example cryptomining-pod"),
        );
    }
}

/// kubectl verbs that never change anything.
const KUBECTL_READ: [&str; 14] = [
    "get",
    "describe",
    "logs",
    "top",
    "auth",
    "api-resources",
    "api-versions",
    "explain",
    "version",
    "cluster-info",
    "config",
    "events",
    "diff",
    "wait",
];

/// Cloud CLI sub-command words that change something.
const CLOUD_WRITE: &[&str] = &[
    "delete",
    "update",
    "create",
    "revoke",
    "set",
    "disable",
    "remove",
    "put",
    "attach",
    "detach",
    "reset",
    "deallocate",
    "stop",
    "start",
    "rotate",
    "add",
    "terminate",
    "modify",
    "deactivate",
    "suspend",
    "invoke",
    "import",
    "upload",
    "assign",
    "restore",
];

/// The cluster- or cloud-changing command on this shell line, if any (`kubectl delete`,
/// `az ad user update`, `aws iam delete-access-key`); `None` for read-only lines.
/// Pipelines and `&&` chains are split and each command is judged.
pub fn changes_cluster(line: &str) -> Option<String> {
    let line = line.split('#').next().unwrap_or("");
    for command in line.split(['|', ';', '&', '(', ')', '$', '`']) {
        let words: Vec<&str> = command.split_whitespace().collect();
        let Some(pos) = words
            .iter()
            .position(|w| matches!(*w, "kubectl" | "az" | "aws" | "gcloud"))
        else {
            continue;
        };
        let tool = words[pos];
        let rest: Vec<&str> = words[pos + 1..]
            .iter()
            .copied()
            .filter(|w| !w.starts_with('-'))
            .collect();
        if tool == "kubectl" {
            let Some(verb) = kubectl_verb(&words[pos + 1..]) else {
                continue;
            };
            if !KUBECTL_READ.contains(&verb) || is_config_write(verb, &rest) {
                return Some(format!("kubectl {verb}"));
            }
        } else if let Some(word) = rest.iter().find(|w| {
            CLOUD_WRITE
                .iter()
                .any(|c| *w == c || w.starts_with(&format!("{c}-")))
        }) {
            return Some(format!("{tool} … {word}"));
        }
    }
    None
}

/// The verb of a kubectl command line, skipping global flags with values (`-n ns`).
fn kubectl_verb<'a>(args: &[&'a str]) -> Option<&'a str> {
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg.starts_with('-') {
            if !arg.contains('=')
                && matches!(
                    *arg,
                    "-n" | "--namespace"
                        | "--context"
                        | "--kubeconfig"
                        | "--as"
                        | "-s"
                        | "--server"
                        | "--cluster"
                        | "--user"
                        | "--token"
                )
            {
                iter.next();
            }
            continue;
        }
        if arg.starts_with('<') || arg.contains('=') {
            continue;
        }
        return Some(arg);
    }
    None
}

/// `kubectl config use-context` and friends write the kubeconfig, not the cluster; they
/// are allowed. `kubectl auth reconcile` writes RBAC.
fn is_config_write(verb: &str, rest: &[&str]) -> bool {
    verb == "auth" && rest.get(1).is_some_and(|w| *w == "reconcile")
}

#[cfg(test)]
mod tests {
    use super::changes_cluster;

    #[test]
    fn classifies_commands() {
        for read in [
            "kubectl get pods -A -o wide",
            "kubectl -n kube-system describe ds x",
            "kubectl auth can-i --list --as system:serviceaccount:ns:sa",
            "kubectl get pods -o json | jq -r '.items[] | .metadata.name'",
            "az monitor activity-log list --offset 7d",
            "aws iam list-access-keys --user-name bob",
            "gcloud logging read 'resource.type=k8s_cluster' --limit 50",
            "jq -c 'select(.verb==\"delete\")' audit.log",
            "# kubectl delete pod x is what the attacker ran",
        ] {
            assert_eq!(changes_cluster(read), None, "{read}");
        }
        for write in [
            "kubectl delete pod -n ns x",
            "kubectl -n ns cordon node-1",
            "kubectl get pods && kubectl delete pods x",
            "kubectl auth reconcile -f rbac.yaml",
            "kubectl exec -it x -- sh",
            "az ad user update --id bob --account-enabled false",
            "aws iam delete-access-key --access-key-id AKIA --user-name bob",
            "gcloud container clusters delete c",
            "kubectl --context prod label ns x pod-security.kubernetes.io/enforce=baseline",
        ] {
            assert!(changes_cluster(write).is_some(), "{write}");
        }
    }
}
