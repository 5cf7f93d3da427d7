//! Playbooks and scenarios: the shipped content (12 playbooks, 3 scenarios, safe commands),
//! the walkthrough in the TUI (keys, resume from the data folder, snapshots at 80x24 and
//! 160x48) and the CLI (`ktm playbook list|show|export`).

mod common;

use common::{drive, ktm, screen_text, tui_app};
use ktm::matrix::{MatrixSource, changes_cluster, load_matrix};
use ktm::tui::{Mode, Script};

fn matrix() -> ktm::matrix::Matrix {
    let loaded = load_matrix(&MatrixSource::Embedded, &[]).expect("embedded matrix");
    assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
    loaded.matrix
}

#[test]
fn twelve_playbooks_and_three_scenarios_ship_with_every_phase() {
    let m = matrix();
    assert!(m.playbooks.len() >= 12, "{} playbooks", m.playbooks.len());
    assert!(m.scenarios.len() >= 3, "{} scenarios", m.scenarios.len());
    assert!(
        m.scenario("password-spray-to-cryptomining").is_some(),
        "the password-spray chain ships"
    );
    let phases: [&[&str]; 6] = [
        &["triage"],
        &["scope", "evidence"],
        &["contain"],
        &["eradicat", "remove"],
        &["recover", "restore"],
        &["lesson"],
    ];
    for p in &m.playbooks {
        let titles: Vec<String> = p.steps.iter().map(|s| s.title.to_lowercase()).collect();
        let mut at = 0;
        for words in phases {
            let found = titles[at..]
                .iter()
                .position(|t| words.iter().any(|w| t.contains(w)))
                .unwrap_or_else(|| panic!("{}: no step for {words:?} after step {at}", p.id()));
            at += found + 1;
        }
        for step in &p.steps {
            assert!(
                step.facilitator.is_some(),
                "{}: {} has no facilitator notes",
                p.id(),
                step.title
            );
        }
    }
}

/// Every kubectl command in a shipped playbook uses a known verb and known resource types.
const VERBS: &[&str] = &[
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
    "delete",
    "apply",
    "create",
    "patch",
    "edit",
    "replace",
    "label",
    "annotate",
    "cordon",
    "uncordon",
    "drain",
    "taint",
    "scale",
    "rollout",
    "set",
    "expose",
    "run",
    "exec",
    "cp",
    "debug",
    "attach",
    "port-forward",
    "certificate",
    "proxy",
];
const KINDS: &[&str] = &[
    "pods",
    "pod",
    "po",
    "nodes",
    "node",
    "no",
    "namespaces",
    "namespace",
    "ns",
    "events",
    "event",
    "ev",
    "secrets",
    "secret",
    "configmaps",
    "configmap",
    "cm",
    "services",
    "service",
    "svc",
    "serviceaccounts",
    "serviceaccount",
    "sa",
    "deployments",
    "deployment",
    "deploy",
    "daemonsets",
    "daemonset",
    "ds",
    "statefulsets",
    "statefulset",
    "sts",
    "replicasets",
    "replicaset",
    "rs",
    "jobs",
    "job",
    "cronjobs",
    "cronjob",
    "cj",
    "ingresses",
    "ingress",
    "ing",
    "networkpolicies",
    "networkpolicy",
    "netpol",
    "roles",
    "role",
    "rolebindings",
    "rolebinding",
    "clusterroles",
    "clusterrole",
    "clusterrolebindings",
    "clusterrolebinding",
    "mutatingwebhookconfigurations",
    "mutatingwebhookconfiguration",
    "validatingwebhookconfigurations",
    "validatingwebhookconfiguration",
    "endpoints",
    "endpointslices",
    "csr",
    "certificatesigningrequests",
    "persistentvolumes",
    "pv",
    "persistentvolumeclaims",
    "pvc",
    "all",
    "leases",
    "lease",
    "apiservices",
    "customresourcedefinitions",
    "crd",
    "crds",
    "priorityclasses",
    "storageclasses",
    "podsecuritypolicies",
    "validatingadmissionpolicies",
    "validatingadmissionpolicybindings",
    "limitranges",
    "resourcequotas",
    "controllerrevisions",
    "tokenreviews",
    "token",
];
// Verbs whose first argument is a resource type (or type/name).
const TYPED: &[&str] = &[
    "get", "describe", "delete", "patch", "edit", "label", "annotate", "scale",
];

#[test]
fn kubectl_commands_use_known_verbs_and_kinds() {
    let m = matrix();
    let mut commands = 0;
    for p in &m.playbooks {
        for step in &p.steps {
            for block in &step.blocks {
                let joined = block.code.replace("\\\n", " ");
                for line in joined.lines() {
                    for part in line
                        .split(['|', ';', '(', ')', '`', '$'])
                        .flat_map(|s| s.split("&&"))
                    {
                        let words: Vec<&str> = part.split_whitespace().collect();
                        let Some(at) = words.iter().position(|w| *w == "kubectl") else {
                            continue;
                        };
                        let args: Vec<&str> = skip_globals(&words[at + 1..]);
                        let Some(verb) = args.first() else { continue };
                        commands += 1;
                        assert!(VERBS.contains(verb), "{}: unknown verb in `{line}`", p.id());
                        if TYPED.contains(verb) {
                            let Some(target) = args.get(1) else { continue };
                            if target.starts_with(['<', '-', '"', '\'', '/', '$']) {
                                continue;
                            }
                            let types = target.split('/').next().unwrap_or("");
                            for kind in types.split(',') {
                                let kind = kind.split('.').next().unwrap_or("");
                                assert!(
                                    KINDS.contains(&kind) || kind.is_empty(),
                                    "{}: unknown resource `{kind}` in `{line}`",
                                    p.id()
                                );
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(commands > 100, "only {commands} kubectl commands seen");
}

/// The verb and its plain arguments: global flags before the verb are skipped with their
/// values, and after it flags and the values of the flags that take one.
fn skip_globals<'a>(words: &[&'a str]) -> Vec<&'a str> {
    const BOOLEAN: &[&str] = &["--insecure-skip-tls-verify", "-A", "--all-namespaces"];
    const VALUED: &[&str] = &[
        "-n",
        "--namespace",
        "-l",
        "--selector",
        "-o",
        "--output",
        "--context",
        "--field-selector",
        "--kubeconfig",
        "--as",
        "--server",
        "--token",
        "-f",
    ];
    let mut i = 0;
    while i < words.len() && words[i].starts_with('-') {
        i += if words[i].contains('=') || BOOLEAN.contains(&words[i]) {
            1
        } else {
            2
        };
    }
    let mut out = Vec::new();
    let mut skip_value = false;
    for w in words.iter().skip(i) {
        if skip_value {
            skip_value = false;
            continue;
        }
        if w.starts_with('-') {
            skip_value = !w.contains('=') && VALUED.contains(w);
            continue;
        }
        out.push(*w);
    }
    out
}

/// Commands that change the cluster sit only under a warning (the validator's rule, seen
/// from the content side).
#[test]
fn changing_commands_appear_only_under_a_warning() {
    let m = matrix();
    let mut guarded = 0;
    for p in &m.playbooks {
        for step in &p.steps {
            for block in &step.blocks {
                for line in block.code.lines() {
                    if let Some(verb) = changes_cluster(line) {
                        assert!(
                            block.under_warning,
                            "{}: `{verb}` outside a warning",
                            p.id()
                        );
                        assert!(step.warning.is_some());
                        guarded += 1;
                    }
                }
            }
        }
    }
    assert!(
        guarded >= 12,
        "every playbook contains at least one guarded change"
    );
}

fn walk_app(data: &std::path::Path) -> ktm::tui::App {
    let mut app = tui_app();
    app.store = Some(ktm::walk::store::Store::new(data));
    "drill-1".clone_into(&mut app.session_name);
    app.clock = || 1_700_000_000;
    app
}

#[test]
fn a_walk_marks_steps_reveals_notes_and_resumes_after_restart() {
    let data = tempfile::tempdir().expect("tempdir");
    let mut app = walk_app(data.path());
    // From the grid: open Resource hijacking, p opens its playbook page, p walks it.
    drive(
        &mut app,
        160,
        48,
        &mut Script::keys(":show MS-TA9039<enter>p"),
    );
    assert_eq!(
        app.page.as_ref().map(|p| p.id.as_str()),
        Some("cryptomining-pod")
    );
    drive(&mut app, 160, 48, &mut Script::keys("p"));
    assert_eq!(app.mode, Mode::Walk);
    let screen = screen_text(&drive(
        &mut app,
        160,
        48,
        &mut Script::keys("<space><space>r"),
    ));
    let walk = app.walk.as_ref().expect("walking");
    assert_eq!(walk.session.current, 2);
    assert_eq!(walk.session.done_count(), 2);
    assert!(screen[0].contains("step 3/7"), "{}", screen[0]);
    assert!(
        screen.iter().any(|l| l.contains("▾ Facilitator notes")),
        "revealed"
    );
    assert!(
        screen.iter().any(|l| l.contains("✔ 1")),
        "step 1 ticked in the list"
    );
    // Undo takes back step 2; a note is typed and saved.
    drive(
        &mut app,
        160,
        48,
        &mut Script::keys("un2 miners found<enter>"),
    );
    let walk = app.walk.as_ref().expect("walking");
    assert_eq!(walk.session.current, 1);
    assert_eq!(walk.session.done_count(), 1);
    assert_eq!(walk.session.steps[1].notes[0].text, "2 miners found");
    // Leaving saves; a fresh app (a restart) resumes at the same step with the note.
    drive(&mut app, 160, 48, &mut Script::keys("q"));
    assert!(app.walk.is_none());
    let mut again = walk_app(data.path());
    let screen = screen_text(&drive(
        &mut again,
        160,
        48,
        &mut Script::keys(":show cryptomining-pod<enter>p"),
    ));
    let walk = again.walk.as_ref().expect("resumed");
    assert_eq!(walk.session.current, 1);
    assert_eq!(walk.session.steps[1].notes[0].text, "2 miners found");
    assert!(
        screen.iter().any(|l| l.contains("resumed session drill-1")),
        "{screen:?}"
    );
    // The CLI exports the log of that session.
    let config = tempfile::tempdir().expect("config");
    let out = ktm(config.path())
        .env("KTM_DATA_DIR", data.path())
        .args(["playbook", "export", "drill-1"])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log = String::from_utf8(out.stdout).expect("utf8");
    assert!(log.contains("# Session drill-1"), "{log}");
    assert!(log.contains("Cryptomining pod in the cluster"), "{log}");
    assert!(log.contains("steps done: 1 of 7"), "{log}");
    assert!(log.contains("2 miners found"), "{log}");
}

#[test]
fn y_copies_the_selected_command_block() {
    let data = tempfile::tempdir().expect("tempdir");
    let mut app = walk_app(data.path());
    let mut copied = Vec::new();
    let mut terminal =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(100, 30)).expect("terminal");
    let mut script = Script::keys(":show cryptomining-pod<enter>p<tab>y");
    ktm::tui::drive_with(&mut terminal, &mut app, &mut script, &mut |text| {
        copied.push(text.to_owned());
        Ok(())
    })
    .expect("drive");
    let m = matrix();
    let step = &m.playbook("cryptomining-pod").expect("playbook").steps[0];
    let want = usize::from(step.blocks.len() > 1);
    assert_eq!(copied, vec![step.blocks[want].code.trim_end().to_owned()]);
}

#[test]
fn scenario_paths_step_across_the_grid() {
    let mut app = tui_app();
    drive(
        &mut app,
        200,
        60,
        &mut Script::keys(":show password-spray-to-cryptomining<enter>s"),
    );
    assert_eq!(app.mode, Mode::Matrix);
    let first = app.grid.selected().map(|c| c.id.clone());
    assert_eq!(first.as_deref(), Some("MS-TA9001"));
    let screen = screen_text(&drive(&mut app, 200, 60, &mut Script::keys("]")));
    let scenario = app
        .matrix
        .scenario("password-spray-to-cryptomining")
        .expect("scenario");
    let second = scenario.steps[1].technique.to_string();
    assert_eq!(
        app.grid.selected().map(|c| c.id.clone()),
        Some(second.clone())
    );
    assert!(screen[59].contains("step 2/"), "{}", screen[59]);
    // Every cell on the path carries its step number as a badge.
    let marked = screen[..50]
        .iter()
        .filter(|row| row.contains("Using cloud cred") && row.contains(" 1│"))
        .count();
    assert_eq!(marked, 1, "{screen:#?}");
    drive(&mut app, 200, 60, &mut Script::keys("[<esc>"));
    assert!(app.scenario.is_none());
}

#[test]
fn walkthrough_screens() {
    for (w, h) in [(80, 24), (160, 48)] {
        let data = tempfile::tempdir().expect("tempdir");
        let mut app = walk_app(data.path());
        let terminal = drive(
            &mut app,
            w,
            h,
            &mut Script::keys(":show privileged-escape<enter>p<space><space>"),
        );
        insta::assert_snapshot!(format!("walk_{w}x{h}"), terminal.backend().to_string());
    }
}

#[test]
fn cli_lists_and_shows_playbooks() {
    let config = tempfile::tempdir().expect("config");
    let out = ktm(config.path())
        .args(["playbook", "list", "--format", "json"])
        .output()
        .expect("run");
    assert!(out.status.success());
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        rows.as_array().map(Vec::len),
        Some(matrix().playbooks.len())
    );
    let out = ktm(config.path())
        .args([
            "playbook",
            "show",
            "cleared-logs",
            "--facilitator",
            "--width",
            "100",
        ])
        .output()
        .expect("run");
    let text = String::from_utf8(out.stdout).expect("utf8");
    assert!(text.contains("Facilitator notes"), "{text}");
    let out = ktm(config.path())
        .args(["playbook", "show", "nope"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no playbook `nope`; known: "));
    let data = tempfile::tempdir().expect("data");
    let out = ktm(config.path())
        .env("KTM_DATA_DIR", data.path())
        .args(["playbook", "export", "no-such-session"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let out = ktm(config.path())
        .args(["playbook", "run", "cleared-logs", "--session", "../x"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("session name `../x` is not allowed"));
}
