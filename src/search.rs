//! Full-text search over the matrix, the way a responder types: `xmrig pod`, `T1610`,
//! `9018`, `kubelet 1025`, `privilaged`. tantivy lives only in this module and its children.
//!
//! [`documents`] turns the matrix into generic [`SearchDoc`]s; [`SearchIndex::build`]
//! indexes them in RAM; [`SearchIndex::search`] parses a query (see [`query`] for the
//! grammar), expands prefixes and typos, ranks with BM25 and returns [`Hit`]s carrying a
//! highlighted snippet.

mod cache;
mod compile;
mod document;
mod expand;
mod highlight;
mod hits;
mod indexer;
pub mod query;
mod rank;
mod schema;
mod snippet;

use tantivy::Index;
use tantivy::schema::Field;
use tantivy::{ReloadPolicy, Searcher};

pub use cache::{Fingerprint, Provenance, open_or_build};
pub use document::{SearchDoc, documents};
pub use hits::{Hit, Snippet, SnippetField};
pub use query::{Clause, ParsedQuery, parse};

use crate::matrix::Matrix;
use compile::Filters;
use schema::{Analyzers, Fields};

/// Default number of hits.
pub const DEFAULT_LIMIT: usize = 10;

/// What went wrong inside the search engine.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index error: {0}")]
    Engine(#[from] tantivy::TantivyError),
    #[error("search index I/O error: {0}")]
    Io(#[from] std::io::Error),
    #[error("the search index was built with another schema")]
    SchemaMismatch,
    #[error("the cached search index is damaged")]
    CorruptCache,
}

/// Restrictions on a search besides the query text.
#[derive(Clone, Debug)]
pub struct SearchOptions {
    /// Most hits to return.
    pub limit: usize,
    /// Only these kinds (`technique`, `mitigation`, ...); empty: any.
    pub kinds: Vec<String>,
    /// Only entities under these tactic slugs; empty: any.
    pub tactics: Vec<String>,
}

impl Default for SearchOptions {
    fn default() -> Self {
        Self {
            limit: DEFAULT_LIMIT,
            kinds: Vec::new(),
            tactics: Vec::new(),
        }
    }
}

/// A searchable index of entities, ready to answer queries.
pub struct SearchIndex {
    searcher: Searcher,
    fields: Fields,
    analyzers: Analyzers,
    kinds: Vec<String>,
    tactics: Vec<String>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("documents", &self.len())
            .field("kinds", &self.kinds)
            .finish_non_exhaustive()
    }
}

impl SearchIndex {
    /// Indexes `docs` in RAM; their order breaks score ties.
    pub fn build(docs: &[SearchDoc]) -> Result<Self, SearchError> {
        Self::open(indexer::build_index(docs)?)
    }

    /// Indexes every entity of `matrix`.
    pub fn from_matrix(matrix: &Matrix) -> Result<Self, SearchError> {
        Self::build(&documents(matrix))
    }

    /// Wraps a built or loaded index: checks its schema, opens a searcher and reads the
    /// kinds and tactics it holds.
    fn open(mut index: Index) -> Result<Self, SearchError> {
        let fields = schema::fields_of(&index.schema())?;
        index.set_tokenizers(schema::tokenizers());
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let searcher = reader.searcher();
        let kinds = facet_values(&searcher, fields.kind)?;
        let tactics = facet_values(&searcher, fields.tactic)?;
        Ok(Self {
            searcher,
            fields,
            analyzers: Analyzers::new(),
            kinds,
            tactics,
        })
    }

    /// Number of documents.
    pub fn len(&self) -> usize {
        usize::try_from(self.searcher.num_docs()).unwrap_or(usize::MAX)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The entity kinds in the index, sorted.
    pub fn kinds(&self) -> &[String] {
        &self.kinds
    }

    /// The tactic slugs in the index, sorted.
    pub fn tactics(&self) -> &[String] {
        &self.tactics
    }

    /// The kinds a `--kind` value selects: exact, singular (`techniques`) or prefix.
    pub fn matching_kinds(&self, value: &str) -> Vec<String> {
        resolve_one(&self.kinds, value)
    }

    /// The tactics a `--tactic` value selects (slug or name): exact or prefix.
    pub fn matching_tactics(&self, value: &str) -> Vec<String> {
        resolve_one(&self.tactics, value)
    }

    /// Answers `text` (see [`query`] for the grammar). A blank query returns no hits;
    /// a query with only filters lists what they select, in index order.
    pub fn search(&self, text: &str, options: &SearchOptions) -> Result<Vec<Hit>, SearchError> {
        let parsed = parse(text);
        if parsed.is_empty() {
            return Ok(Vec::new());
        }
        let filters = Filters {
            kinds: resolve(&self.kinds, &parsed.kinds, &options.kinds),
            tactics: resolve(&self.tactics, &parsed.tactics, &options.tactics),
        };
        let Some(compiled) = compile::compile(
            &self.searcher,
            self.fields,
            &self.analyzers,
            &parsed,
            &filters,
        )?
        else {
            return Ok(Vec::new());
        };
        hits::collect(
            &self.searcher,
            self.fields,
            &*compiled.query,
            &compiled.words,
            &compiled.adjacent,
            options.limit,
        )
    }
}

/// Resolves filter values typed in the query and given as options against the values the
/// index holds: exact, else singular (`techniques`), else prefix (`mitig`). `None` when
/// neither restricts; an empty list when nothing matches (no hits).
fn resolve(known: &[String], typed: &[String], given: &[String]) -> Option<Vec<String>> {
    let mut selected: Option<Vec<String>> = None;
    for values in [typed, given] {
        if values.is_empty() {
            continue;
        }
        let mut matched: Vec<String> = values.iter().flat_map(|v| resolve_one(known, v)).collect();
        matched.sort();
        matched.dedup();
        selected = Some(match selected {
            None => matched,
            Some(before) => before.into_iter().filter(|v| matched.contains(v)).collect(),
        });
    }
    selected
}

fn resolve_one(known: &[String], value: &str) -> Vec<String> {
    let value = query::normalize(value);
    if value.is_empty() {
        return Vec::new();
    }
    let singular = value.strip_suffix('s').unwrap_or(&value);
    if let Some(exact) = known.iter().find(|k| **k == value || *k == singular) {
        return vec![exact.clone()];
    }
    known
        .iter()
        .filter(|k| k.starts_with(&value))
        .cloned()
        .collect()
}

/// Every value of a one-level facet field, from the term dictionaries.
fn facet_values(searcher: &Searcher, field: Field) -> Result<Vec<String>, SearchError> {
    let mut values = Vec::new();
    for segment in searcher.segment_readers() {
        let index = segment.inverted_index(field)?;
        let mut stream = index.terms().stream()?;
        while stream.advance() {
            if let Ok(encoded) = std::str::from_utf8(stream.key()) {
                let name = hits::facet_name(encoded);
                if !name.is_empty() {
                    values.push(name);
                }
            }
        }
    }
    values.sort();
    values.dedup();
    Ok(values)
}

#[cfg(test)]
mod tests;
