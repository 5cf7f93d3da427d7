//! The shipped matrix states exactly the facts of Microsoft's Threat Matrix for Kubernetes,
//! as kept in `tests/fixtures/reference-ms-k8s-threat-matrix.yaml`.

use std::collections::BTreeSet;

use ktm::matrix::{MatrixSource, load_matrix};
use serde::Deserialize;

#[derive(Deserialize)]
struct Reference {
    tactics: Vec<RefTactic>,
    techniques: Vec<RefTechnique>,
    mitigations: Vec<RefMitigation>,
}

#[derive(Deserialize)]
struct RefTactic {
    slug: String,
    name: String,
    techniques: Vec<String>,
}

#[derive(Deserialize)]
struct RefTechnique {
    id: String,
    name: String,
    tactics: Vec<String>,
    mitre_techniques: Vec<String>,
    mitigations: Vec<String>,
}

#[derive(Deserialize)]
struct RefMitigation {
    id: String,
    name: String,
    #[serde(default)]
    parent: Option<String>,
    mitre_mitigations: Vec<String>,
    techniques: Vec<String>,
}

fn reference() -> Reference {
    #[derive(Deserialize)]
    struct Loose {
        tactics: Vec<serde_json::Value>,
        techniques: Vec<serde_json::Value>,
        mitigations: Vec<serde_json::Value>,
    }
    let text = std::fs::read_to_string("tests/fixtures/reference-ms-k8s-threat-matrix.yaml")
        .expect("reference fixture");
    let loose: Loose = serde_saphyr::from_str(&text).expect("reference parses");
    Reference {
        tactics: pick(loose.tactics),
        techniques: pick(loose.techniques),
        mitigations: pick(loose.mitigations),
    }
}

fn pick<T: serde::de::DeserializeOwned>(values: Vec<serde_json::Value>) -> Vec<T> {
    values
        .into_iter()
        .map(|v| serde_json::from_value(v).expect("reference entry"))
        .collect()
}

#[test]
fn embedded_matrix_equals_the_reference_facts() {
    let reference = reference();
    let loaded = load_matrix(&MatrixSource::Embedded, &[]).expect("embedded matrix loads");
    let errors: Vec<String> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(ToString::to_string)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let m = &loaded.matrix;

    let tactics: Vec<(&str, &str)> = m
        .tactics
        .iter()
        .map(|t| (t.id.as_str(), t.name.as_str()))
        .collect();
    let want: Vec<(&str, &str)> = reference
        .tactics
        .iter()
        .map(|t| (t.slug.as_str(), t.name.as_str()))
        .collect();
    assert_eq!(tactics, want, "tactics in matrix order");

    // Every placement: the same techniques under each tactic (48 in all).
    let mut placements = 0;
    for rt in &reference.tactics {
        let ours: BTreeSet<&str> = m.techniques_in(&rt.slug).map(|t| t.id.as_str()).collect();
        let theirs: BTreeSet<&str> = rt.techniques.iter().map(String::as_str).collect();
        assert_eq!(ours, theirs, "techniques under {}", rt.slug);
        placements += ours.len();
    }
    assert_eq!(placements, 48);

    assert_eq!(m.techniques.len(), 40);
    let order: Vec<&str> = reference.tactics.iter().map(|t| t.slug.as_str()).collect();
    for rt in &reference.techniques {
        let t = m
            .technique(&rt.id)
            .unwrap_or_else(|| panic!("{} missing", rt.id));
        assert_eq!(t.name.as_str(), rt.name, "name of {}", rt.id);
        let mut want_tactics = rt.tactics.clone();
        want_tactics.sort_by_key(|s| order.iter().position(|o| o == s));
        let ours: Vec<&str> = t.tactics.iter().map(|x| x.as_str()).collect();
        assert_eq!(ours, want_tactics, "tactics of {}", rt.id);
        let attack: Vec<&str> = t.attack.iter().map(|x| x.as_str()).collect();
        assert_eq!(attack, rt.mitre_techniques, "ATT&CK ids of {}", rt.id);
        let links: Vec<&str> = t.mitigations.iter().map(|l| l.id.as_str()).collect();
        assert_eq!(links, rt.mitigations, "mitigation links of {}", rt.id);
    }
    assert!(
        m.technique("MS-TA9032").is_none(),
        "MS-TA9032 was removed from the matrix"
    );

    assert_eq!(m.mitigations.len(), 35);
    for rm in &reference.mitigations {
        let ours = m
            .mitigation(&rm.id)
            .unwrap_or_else(|| panic!("{} missing", rm.id));
        assert_eq!(ours.name.as_str(), rm.name, "name of {}", rm.id);
        assert_eq!(
            ours.parent.as_ref().map(|p| p.as_str().to_owned()),
            rm.parent,
            "parent of {}",
            rm.id
        );
        let attack: Vec<&str> = ours.attack.iter().map(|x| x.as_str()).collect();
        assert_eq!(attack, rm.mitre_mitigations, "ATT&CK ids of {}", rm.id);
        let techniques: Vec<&str> = ours.techniques.iter().map(|x| x.as_str()).collect();
        assert_eq!(techniques, rm.techniques, "techniques of {}", rm.id);
    }
}
