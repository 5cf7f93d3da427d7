//! Unit tests of the search engine on the embedded matrix and on small hand-made indexes.

use std::sync::OnceLock;

use super::*;
use crate::matrix::{MatrixSource, load_matrix};

fn matrix() -> &'static Matrix {
    static MATRIX: OnceLock<Matrix> = OnceLock::new();
    MATRIX.get_or_init(|| {
        load_matrix(&MatrixSource::Embedded, &[])
            .expect("embedded matrix")
            .matrix
    })
}

fn index() -> &'static SearchIndex {
    static INDEX: OnceLock<SearchIndex> = OnceLock::new();
    INDEX.get_or_init(|| SearchIndex::from_matrix(matrix()).expect("index"))
}

fn ids(query: &str) -> Vec<String> {
    index()
        .search(query, &SearchOptions::default())
        .expect("search")
        .into_iter()
        .map(|h| h.id)
        .collect()
}

fn first(query: &str) -> String {
    ids(query).into_iter().next().unwrap_or_default()
}

#[test]
fn blank_queries_return_nothing() {
    for q in ["", "   ", "\"\"", "the a of", "kind:"] {
        assert!(ids(q).is_empty(), "{q:?} returned hits");
    }
}

#[test]
fn every_form_of_an_id_finds_its_entity_first() {
    for q in ["MS-TA9018", "ms-ta9018", "ta9018", "TA9018", "9018"] {
        assert_eq!(first(q), "MS-TA9018", "query {q:?}");
    }
    assert_eq!(first("MS-M9013"), "MS-M9013");
    assert_eq!(first("m9013"), "MS-M9013");
    assert_eq!(first("9005.001"), "MS-M9005.001");
    // A bare number prefers the technique, as `ktm show` does.
    assert_eq!(first("9005"), "MS-TA9005");
    assert_eq!(first("m9005"), "MS-M9005");
    assert_eq!(first("TA0004"), "privilege-escalation");
}

#[test]
fn attack_ids_find_their_techniques() {
    let t1610: Vec<String> = matrix()
        .techniques
        .iter()
        .filter(|t| t.attack.iter().any(|a| a.as_str() == "T1610"))
        .map(|t| t.id.to_string())
        .collect();
    let found = ids("t1610");
    assert_eq!(found[..t1610.len()], t1610[..]);
    // A parent id finds its sub-techniques.
    assert!(ids("T1552 ").contains(&"MS-TA9025".to_owned()));
}

#[test]
fn the_last_word_matches_as_a_prefix() {
    assert!(ids("privil")[..3].contains(&"MS-TA9018".to_owned()));
    assert_eq!(first("xmr"), "MS-TA9039");
    assert!(ids("kubelet 1025").contains(&"MS-TA9030".to_owned()));
    // Not a prefix once a space follows.
    assert_eq!(first("1025"), "MS-TA9030");
    assert!(ids("1025 ").is_empty());
}

#[test]
fn typos_are_forgiven_by_length() {
    assert_eq!(first("privilaged container "), "MS-TA9018");
    assert_eq!(first("cryptominr "), "MS-TA9039");
    // Three letters are matched exactly: no typo budget.
    assert!(!ids("xmq ").contains(&"MS-TA9039".to_owned()));
    // The first two letters swapped are a typo like any other; a wrong first letter is
    // not forgiven (it would mean walking the whole dictionary for every typo).
    assert_eq!(first("rpivileged container "), "MS-TA9018");
    assert_eq!(first("cyrptominer "), "MS-TA9039");
    assert!(!ids("qrivileged ").contains(&"MS-TA9018".to_owned()));
}

#[test]
fn filters_restrict_kind_and_tactic() {
    let options = SearchOptions::default();
    for hit in index()
        .search("kind:mitigation privileged", &options)
        .expect("search")
    {
        assert_eq!(hit.kind, "mitigation");
    }
    let persistence = index()
        .search("tactic:persistence container", &options)
        .expect("search");
    assert!(!persistence.is_empty());
    for hit in &persistence {
        let in_tactic = match matrix().find(&hit.id) {
            Some(crate::matrix::Entity::Technique(t)) => {
                t.tactics.iter().any(|x| x.as_str() == "persistence")
            }
            Some(crate::matrix::Entity::Tactic(t)) => t.id.as_str() == "persistence",
            Some(crate::matrix::Entity::Mitigation(m)) => matrix()
                .techniques_for(m)
                .iter()
                .any(|t| t.tactics.iter().any(|x| x.as_str() == "persistence")),
            Some(crate::matrix::Entity::Playbook(p)) => {
                under_persistence(p.meta.techniques.iter().map(|t| t.as_str()))
            }
            Some(crate::matrix::Entity::Scenario(s)) => {
                under_persistence(s.steps.iter().map(|t| t.technique.as_str()))
            }
            None => matrix()
                .checks
                .iter()
                .find(|c| c.id.as_str() == hit.id)
                .is_some_and(|c| under_persistence(c.techniques.iter().map(|t| t.as_str()))),
        };
        assert!(in_tactic, "{} is not under persistence", hit.id);
    }
    let tactics = SearchOptions {
        limit: 50,
        ..SearchOptions::default()
    };
    let listed = index().search("kind:tactic", &tactics).expect("search");
    let expected: Vec<&str> = matrix().tactics.iter().map(|t| t.id.as_str()).collect();
    let got: Vec<&str> = listed.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(got, expected);
    assert!(
        ids("kind:mitig tactic:impact")
            .iter()
            .all(|id| id.starts_with("MS-M"))
    );
    assert!(ids("kind:nonsense etcd").is_empty());
    let narrowed = SearchOptions {
        kinds: vec!["technique".into()],
        ..SearchOptions::default()
    };
    let hits = index()
        .search("kind:mitigation etcd", &narrowed)
        .expect("search");
    assert!(
        hits.is_empty(),
        "kind filters from query and options combine with AND"
    );
}

#[test]
fn quoted_phrases_are_required() {
    let hits = index()
        .search("\"reverse shell\" pod", &SearchOptions::default())
        .expect("search");
    assert!(!hits.is_empty());
    let docs = documents(matrix());
    for hit in hits {
        let doc = docs.iter().find(|d| d.id == hit.id).expect("doc");
        let all = format!(
            "{} {} {} {}",
            doc.name,
            doc.aliases.join(" "),
            doc.summary,
            doc.body
        )
        .to_lowercase()
        .replace(|c: char| !c.is_alphanumeric(), " ");
        let all = all.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(all.contains("reverse shell"), "{} lacks the phrase", hit.id);
    }
}

#[test]
fn malformed_queries_degrade() {
    for q in [
        "\"reverse shell",
        ":",
        "kind:\"",
        "tactic:",
        "a:b:c",
        "((",
        "\"\"\"",
        "*",
    ] {
        assert!(
            index().search(q, &SearchOptions::default()).is_ok(),
            "{q:?}"
        );
    }
    assert_eq!(ids("\"reverse shell"), ids("reverse shell"));
}

#[test]
fn hits_carry_highlights_inside_their_snippet() {
    let hits = index()
        .search("xmrig stratum", &SearchOptions::default())
        .expect("search");
    let top = &hits[0];
    assert_eq!(top.id, "MS-TA9039");
    assert_eq!(top.kind, "technique");
    assert_eq!(top.name, "Resource hijacking");
    assert!(top.score > 0.0);
    assert!(!top.snippet.highlights.is_empty());
    for hit in &hits {
        for r in &hit.snippet.highlights {
            let word = hit
                .snippet
                .text
                .get(r.clone())
                .expect("range on char boundaries");
            let word = word.to_lowercase();
            assert!(
                word.starts_with("xmr") || word.starts_with("stratum"),
                "{word}"
            );
        }
        assert!(!hit.snippet.text.contains('\n'));
    }
}

#[test]
fn new_kinds_plug_in_without_query_changes() {
    let docs = vec![
        SearchDoc {
            kind: "check".into(),
            id: "KTM-C001".into(),
            name: "Privileged pods present".into(),
            summary: "Finds pods with privileged: true".into(),
            tactics: vec!["privilege-escalation".into()],
            ..SearchDoc::default()
        },
        SearchDoc {
            kind: "playbook".into(),
            id: "PB-007".into(),
            name: "Contain a cryptominer".into(),
            aliases: vec!["xmrig".into()],
            ..SearchDoc::default()
        },
    ];
    let index = SearchIndex::build(&docs).expect("index");
    assert_eq!(index.kinds(), ["check", "playbook"]);
    let options = SearchOptions::default();
    let hits = index
        .search("kind:check privileged", &options)
        .expect("search");
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].id, "KTM-C001");
    assert_eq!(
        index.search("c001", &options).expect("search")[0].id,
        "KTM-C001"
    );
    assert_eq!(
        index.search("xmri", &options).expect("search")[0].kind,
        "playbook"
    );
}

fn under_persistence<'a>(mut ids: impl Iterator<Item = &'a str>) -> bool {
    ids.any(|id| {
        matrix()
            .technique(id)
            .is_some_and(|t| t.tactics.iter().any(|x| x.as_str() == "persistence"))
    })
}

/// Snippets skip a field unless it contains a needle of one of the query's stems; that is
/// only right if every word the stemmer turns into a stem contains the stem's needle. It
/// holds for every word of the shipped matrix and for the stemmer's own exceptions.
#[test]
fn every_stem_needle_is_inside_its_word() {
    let mut text = String::from(
        "dying lying tying skies ugly early only singly gently idly news policy policies \
         relational organization generously capably cried happiness agreed sensitivity",
    );
    for doc in documents(matrix()) {
        for part in [&doc.name, &doc.summary, &doc.body] {
            text.push(' ');
            text.push_str(part);
        }
        text.push(' ');
        text.push_str(&doc.aliases.join(" "));
    }
    let mut plain = schema::plain_analyzer();
    let mut stemmer = schema::text_analyzer();
    let mut stream = plain.token_stream(&text);
    let mut checked = 0;
    while let Some(token) = stream.next() {
        let word = token.text.clone();
        let mut stems = stemmer.token_stream(&word);
        while let Some(stem) = stems.next() {
            let needle = &super::highlight::needles(std::slice::from_ref(&stem.text))[0];
            assert!(
                word.contains(needle.as_str()),
                "{word} -> {} -> {needle}",
                stem.text
            );
            checked += 1;
        }
    }
    assert!(checked > 10_000, "{checked} words");
}
