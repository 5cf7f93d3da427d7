//! Builds the in-memory index from documents: one tantivy document per [`SearchDoc`].
//!
//! Ids are indexed with their short forms so `MS-TA9018`, `ta9018` and `9018` all hit the
//! id field exactly; ATT&CK sub-technique ids also index their parent (`T1552.007` ->
//! `T1552`).

use tantivy::schema::Facet;
use tantivy::{Index, IndexWriter, TantivyDocument};

use super::SearchError;
use super::document::SearchDoc;
use super::schema::{self, Fields};

/// The writer's memory budget: enough for a matrix 100 times the shipped one in a single
/// segment, so queries never merge results across segments.
const WRITER_BUDGET: usize = 64 * 1024 * 1024;

/// How much a kind's matches count, in percent; kinds not listed count fully. A
/// mitigation, playbook, scenario or check repeats the words of the techniques it is
/// about, so on equal evidence the technique, which is what a responder is looking for,
/// ranks first and the others follow it.
const KIND_PRIOR: &[(&str, u64)] = &[
    ("mitigation", 85),
    ("playbook", 60),
    ("scenario", 55),
    ("check", 50),
];

/// Builds an index in RAM holding `docs`, in their order (the order breaks score ties).
pub fn build_index(docs: &[SearchDoc]) -> Result<Index, SearchError> {
    let (schema, fields) = schema::build();
    let index = Index::builder()
        .schema(schema)
        .tokenizers(schema::tokenizers())
        .create_in_ram()?;
    let mut writer: IndexWriter = index.writer_with_num_threads(1, WRITER_BUDGET)?;
    for doc in docs {
        writer.add_document(to_tantivy(doc, &fields))?;
    }
    writer.commit()?;
    writer.wait_merging_threads()?;
    Ok(index)
}

fn to_tantivy(doc: &SearchDoc, f: &Fields) -> TantivyDocument {
    let mut out = TantivyDocument::new();
    out.add_facet(f.kind, Facet::from_path([doc.kind.as_str()]));
    out.add_text(f.id, &doc.id);
    out.add_u64(f.prior, prior(&doc.kind));
    for variant in id_variants(&doc.id) {
        out.add_text(f.ids, variant);
    }
    out.add_text(f.name, &doc.name);
    // One value, so a snippet of the aliases reads as a list.
    out.add_text(f.aliases, doc.aliases.join(", "));
    out.add_text(f.summary, &doc.summary);
    out.add_text(f.body, &doc.body);
    for tactic in &doc.tactics {
        out.add_facet(f.tactic, Facet::from_path([tactic.as_str()]));
    }
    for id in &doc.attack {
        out.add_text(f.attack, id);
        if let Some((parent, _)) = id.split_once('.') {
            out.add_text(f.attack, parent);
        }
    }
    out
}

fn prior(kind: &str) -> u64 {
    KIND_PRIOR
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or(100, |(_, p)| *p)
}

/// The forms a responder types for an id: whole, after the last `-`, and without its
/// leading letters. Only ids whose last part holds a digit get short forms, so a tactic
/// slug such as `privilege-escalation` stays whole.
pub fn id_variants(id: &str) -> Vec<&str> {
    let mut out = vec![id];
    let tail = id.rsplit('-').next().unwrap_or(id);
    if tail.chars().any(|c| c.is_ascii_digit()) {
        for form in [
            tail,
            tail.trim_start_matches(|c: char| c.is_ascii_alphabetic()),
        ] {
            if !form.is_empty() && !out.contains(&form) {
                out.push(form);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_get_their_short_forms() {
        assert_eq!(id_variants("MS-TA9018"), ["MS-TA9018", "TA9018", "9018"]);
        assert_eq!(
            id_variants("MS-M9005.001"),
            ["MS-M9005.001", "M9005.001", "9005.001"]
        );
        assert_eq!(
            id_variants("privilege-escalation"),
            ["privilege-escalation"]
        );
        assert_eq!(id_variants("9018"), ["9018"]);
    }

    #[test]
    fn every_document_is_indexed() {
        let docs = vec![
            SearchDoc {
                kind: "technique".into(),
                id: "X-1".into(),
                name: "One".into(),
                ..SearchDoc::default()
            },
            SearchDoc {
                kind: "check".into(),
                id: "X-2".into(),
                name: "Two".into(),
                ..SearchDoc::default()
            },
        ];
        let index = build_index(&docs).expect("index");
        let reader = index.reader().expect("reader");
        assert_eq!(reader.searcher().num_docs(), 2);
        assert_eq!(reader.searcher().segment_readers().len(), 1);
    }
}
