//! Hunting throughput over a synthetic 1,000,000-event audit log (routine control-plane
//! traffic with a sprinkling of attacks), against the floor: parsing the same lines with
//! `serde_json` and nothing else. The target is hunting at most 2x the floor.

use std::io::{BufRead, BufReader, Write};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ktm::hunt::{Detections, Filter};
use ktm::matrix::{MatrixSource, load_matrix};
use serde_json::json;

const EVENTS: usize = 1_000_000;

/// One line of a cluster's audit log; one in a thousand is an attack.
fn line(i: usize) -> String {
    let ts = format!(
        "2024-05-01T10:{:02}:{:02}.{:06}Z",
        (i / 60_000) % 60,
        (i / 1000) % 60,
        i % 1_000_000
    );
    let event = match i % 1000 {
        0 => {
            json!({"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata", "auditID": format!("a-{i}"),
            "stage": "ResponseStarted", "requestURI": "/api/v1/namespaces/prod/pods/web-1/exec?command=sh&stdin=true&tty=true",
            "verb": "create", "user": {"username": "mallory@example.com", "groups": ["system:authenticated"]},
            "sourceIPs": ["203.0.113.9"], "userAgent": "kubectl/v1.30.2 (linux/amd64) kubernetes/39683505",
            "objectRef": {"resource": "pods", "namespace": "prod", "name": "web-1", "apiVersion": "v1", "subresource": "exec"},
            "responseStatus": {"metadata": {}, "code": 101}, "requestReceivedTimestamp": ts, "stageTimestamp": ts})
        }
        1..=400 => {
            json!({"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata", "auditID": format!("a-{i}"),
            "stage": "ResponseComplete", "requestURI": "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node-1",
            "verb": "update", "user": {"username": "system:node:node-1", "groups": ["system:nodes", "system:authenticated"]},
            "sourceIPs": ["10.0.0.4"], "userAgent": "kubelet/v1.30.2 (linux/amd64) kubernetes/39683505",
            "objectRef": {"resource": "leases", "namespace": "kube-node-lease", "name": "node-1", "apiGroup": "coordination.k8s.io", "apiVersion": "v1"},
            "responseStatus": {"metadata": {}, "code": 200}, "requestReceivedTimestamp": ts, "stageTimestamp": ts})
        }
        401..=700 => {
            json!({"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata", "auditID": format!("a-{i}"),
            "stage": "ResponseComplete", "requestURI": "/api/v1/secrets?limit=500&resourceVersion=0",
            "verb": "list", "user": {"username": "system:kube-controller-manager", "groups": ["system:authenticated"]},
            "sourceIPs": ["10.0.0.2"], "userAgent": "kube-controller-manager/v1.30.2",
            "objectRef": {"resource": "secrets", "apiVersion": "v1"},
            "responseStatus": {"metadata": {}, "code": 200}, "requestReceivedTimestamp": ts, "stageTimestamp": ts})
        }
        _ => {
            json!({"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata", "auditID": format!("a-{i}"),
            "stage": "ResponseComplete", "requestURI": "/api/v1/namespaces/prod/pods/web-1/status",
            "verb": "patch", "user": {"username": "system:node:node-1", "groups": ["system:nodes"]},
            "sourceIPs": ["10.0.0.4"], "userAgent": "kubelet/v1.30.2",
            "objectRef": {"resource": "pods", "namespace": "prod", "name": "web-1", "apiVersion": "v1", "subresource": "status"},
            "responseStatus": {"metadata": {}, "code": 200}, "requestReceivedTimestamp": ts, "stageTimestamp": ts})
        }
    };
    event.to_string()
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("audit.log");
    {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
        for i in 0..EVENTS {
            writeln!(file, "{}", line(i)).expect("write");
        }
    }
    let path_str = path.to_str().expect("utf8 path").to_owned();
    let loaded = load_matrix(&MatrixSource::Embedded, &[]).expect("matrix");
    let (detections, diags) = Detections::new(&loaded.matrix, &[]);
    assert!(diags.is_empty(), "{diags:?}");
    let mut group = c.benchmark_group("hunt_1m_events");
    group.sample_size(10);
    group.throughput(Throughput::Elements(EVENTS as u64));
    group.bench_function("serde_json parse (floor)", |b| {
        b.iter(|| {
            let reader = BufReader::new(std::fs::File::open(&path).expect("open"));
            let mut n = 0usize;
            for l in reader.lines() {
                let v: serde_json::Value = serde_json::from_str(&l.expect("line")).expect("json");
                n += usize::from(v.is_object());
            }
            assert_eq!(n, EVENTS);
        });
    });
    group.bench_function("ktm hunt (all detections)", |b| {
        b.iter(|| {
            let report = ktm::hunt::hunt(
                &loaded.matrix,
                &detections,
                std::slice::from_ref(&path_str),
                &Filter::default(),
            )
            .expect("hunt");
            assert_eq!(report.summary.events, EVENTS);
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
