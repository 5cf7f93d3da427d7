//! Runs a compiled query and turns the top documents into [`Hit`]s, each with a snippet of
//! its best field and the byte ranges to highlight in it (from tantivy's
//! `SnippetGenerator`), so front ends can draw the matches as styled spans.

use std::ops::Range;

use tantivy::collector::TopDocs;
use tantivy::query::Query;
use tantivy::schema::{Field, Value};
use tantivy::{Searcher, TantivyDocument};

use super::schema::Fields;
use super::snippet::Snippets;
use super::{SearchError, rank};

/// One search result.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    pub id: String,
    /// `technique`, `mitigation`, `tactic`, ...
    pub kind: String,
    pub name: String,
    /// BM25-based relevance; only the order within one search is meaningful.
    pub score: f32,
    pub snippet: Snippet,
}

/// A piece of one field of the hit, with the matches to highlight.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snippet {
    pub field: SnippetField,
    /// One line: newlines and tabs of the source are spaces here.
    pub text: String,
    /// Sorted, non-overlapping byte ranges of `text` that matched the query.
    pub highlights: Vec<Range<usize>>,
}

/// The field a snippet was cut from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SnippetField {
    #[default]
    Summary,
    Aliases,
    Body,
}

impl SnippetField {
    pub fn as_str(self) -> &'static str {
        match self {
            SnippetField::Summary => "summary",
            SnippetField::Aliases => "aliases",
            SnippetField::Body => "body",
        }
    }
}

/// The top `limit` documents for `query`, best first; equal scores keep index order.
/// `words` and `adjacent` re-rank the candidates (see [`rank`]).
pub fn collect(
    searcher: &Searcher,
    fields: Fields,
    query: &dyn Query,
    words: &[Vec<tantivy::Term>],
    adjacent: &[Box<dyn Query>],
    limit: usize,
) -> Result<Vec<Hit>, SearchError> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let pool = searcher.search(
        query,
        &TopDocs::with_limit(rank::pool(limit)).order_by_score(),
    )?;
    let top = rank::coordinate(searcher, words, adjacent, pool, limit)?;
    if top.is_empty() {
        return Ok(Vec::new());
    }
    let mut snippets = Snippets::new(searcher, query, fields)?;
    let mut hits = Vec::with_capacity(top.len());
    for (score, address) in top {
        let doc: TantivyDocument = searcher.doc(address)?;
        let text = |field: Field| {
            doc.get_first(field)
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        };
        let kind = doc
            .get_first(fields.kind)
            .and_then(|v| v.as_facet().map(facet_name))
            .unwrap_or_default();
        let snippet = snippets.best(&text)?;
        hits.push(Hit {
            id: text(fields.id),
            kind,
            name: text(fields.name),
            score,
            snippet,
        });
    }
    Ok(hits)
}

/// A single-level facet's name from its stored form (`/technique` -> `technique`).
pub fn facet_name(encoded: &str) -> String {
    encoded
        .trim_start_matches('/')
        .split(['\0', '/'])
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facet_names() {
        assert_eq!(facet_name("technique"), "technique");
        assert_eq!(facet_name("/mitigation"), "mitigation");
    }
}
