//! A workload's `containers`, which the fast evaluator reads borrowed with their types
//! (never copied), against cel reading the JSON copy with `type` set: the same answers,
//! and the same evidence.

use serde_json::json;

use super::assert_agree_over;
use crate::checks::evidence::{evidence, of_item};
use crate::checks::relations::Index;
use crate::checks::snapshot::Snapshot;
use crate::checks::views::{Item, Views};

fn snapshot() -> Snapshot {
    Snapshot::from_values([json!({"apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "p", "namespace": "a"},
    "spec": {
        "initContainers": [{"name": "i", "image": "busybox"}],
        "containers": [
            {"name": "c", "image": "nginx:1", "securityContext": {"privileged": true}},
            {"name": "t", "type": "custom", "image": "x"}
        ],
        "ephemeralContainers": [{"name": "e"}, "odd"]
    }})])
}

/// `f` over the workload item of [`snapshot`].
fn with_workload(f: impl FnOnce(&Item<'_>)) {
    let snapshot = snapshot();
    let index = Index::new(&snapshot);
    let views = Views::build(&snapshot, &index);
    let item = &views.get("workload")[0];
    assert!(item.containers().is_some());
    f(item);
}

#[test]
fn borrowed_containers_answer_as_their_json_copy_does() {
    with_workload(|item| {
        let cases = [
            ("size(workload.containers) == 5", Some(true)),
            (
                "workload.containers[0].type == 'init' && workload.containers[1].type == 'regular'",
                Some(true),
            ),
            // A container's own `type` is replaced, as in the copy.
            ("workload.containers[2].type == 'regular'", Some(true)),
            ("workload.containers[3].type == 'ephemeral'", Some(true)),
            ("workload.containers[4] == 'odd'", Some(true)),
            ("workload.containers[4].type == 'x'", None),
            ("workload.containers[9].name == 'x'", None),
            (
                "workload.containers.exists(c, c.type == 'ephemeral')",
                Some(true),
            ),
            ("workload.containers.all(c, c.type != 'init')", Some(false)),
            (
                "workload.containers.exists(c, c.?securityContext.?privileged.orValue(false))",
                Some(true),
            ),
            (
                "workload.containers.filter(c, type(c) == map).map(c, c.type) == ['init', 'regular', 'regular', 'ephemeral']",
                Some(true),
            ),
            (
                "has(workload.containers) && 'containers' in workload",
                Some(true),
            ),
            ("size(workload.?containers.orValue([])) == 5", Some(true)),
            ("workload.containers[0].exists(k, k == 'type')", Some(true)),
            (
                "size(workload.containers[0]) == 3 && size(workload.containers[2]) == 3",
                Some(true),
            ),
            (
                "'type' in workload.containers[1] && !('x' in workload.containers[1])",
                Some(true),
            ),
            (
                "has(workload.containers[1].image) && !has(workload.containers[3].image)",
                Some(true),
            ),
            ("size(workload.containers + [1]) == 6", Some(true)),
            (
                "type(workload.containers) == list && type(workload.containers[0]) == map",
                Some(true),
            ),
            (
                "workload.containers[1] == workload.containers[1]",
                Some(true),
            ),
            (
                "workload.containers[0] == workload.containers[1]",
                Some(false),
            ),
            ("workload.containers == workload.containers", Some(true)),
            (
                "workload.containers[?1].?securityContext.?privileged.orValue(false)",
                Some(true),
            ),
            (
                "workload.containers[1].?image.orValue('') == 'nginx:1'",
                Some(true),
            ),
            ("workload.containers[1]['image'] == 'nginx:1'", Some(true)),
            (
                "workload.containers.exists(c, c.?image.orValue('').startsWith('ngin'))",
                Some(true),
            ),
            ("'odd' in workload.containers", Some(true)),
        ];
        for (expr, expected) in cases {
            assert_agree_over("workload", item, expr, expected);
        }
    });
}

#[test]
fn evidence_of_borrowed_containers_is_that_of_the_copy() {
    with_workload(|item| {
        let copy = json!({"containers": item.field("containers").cloned()});
        assert_eq!(copy["containers"][2]["type"], "regular", "{copy}");
        for path in [
            "containers[].image",
            "containers[].type",
            "containers[].type.x",
            "containers[]",
            "containers[].securityContext.privileged",
            "containers",
        ] {
            let got = of_item(item, path);
            assert_eq!(
                got.is_empty(),
                path == "containers[].type.x",
                "{path}: {got:?}"
            );
            assert_eq!(got, evidence(&copy, path), "{path}");
        }
    });
}
