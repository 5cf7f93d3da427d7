//! The index schema, defined once: the fields, how each is analysed, and the analyzers.
//!
//! Text fields (name, aliases, summary, body) are split on non-alphanumerics, lower-cased,
//! cleared of a short list of function words and stemmed (English). Id fields (`ids`,
//! `attack`) keep each value whole and lower-cased, so `T1552.007` and `MS-TA9018` stay
//! single terms. Kind and tactic are facets (`/technique`, `/persistence`).

use tantivy::schema::{
    FAST, FacetOptions, Field, IndexRecordOption, STORED, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    Language, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter,
    TextAnalyzer, TokenizerManager,
};

use super::SearchError;

/// The analyzer of the text fields: words, lower case, no function words, English stems.
pub const TEXT_ANALYZER: &str = "ktm_text";
/// The analyzer of the id fields: the whole value, lower case.
pub const ID_ANALYZER: &str = "ktm_id";

/// Words that carry no meaning in a responder's query ("someone exec'd into a pod").
/// Kept short on purpose: `no`, `all`, `can`, `not` matter in Kubernetes text
/// (`--all`, `can-i`, `no_new_privs`), so the full Snowball list is not used.
const STOP_WORDS: &[&str] = &[
    "a",
    "an",
    "and",
    "are",
    "as",
    "at",
    "be",
    "been",
    "by",
    "did",
    "do",
    "does",
    "for",
    "from",
    "has",
    "have",
    "he",
    "her",
    "his",
    "in",
    "into",
    "is",
    "it",
    "its",
    "me",
    "my",
    "of",
    "on",
    "onto",
    "or",
    "our",
    "she",
    "so",
    "someone",
    "something",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "to",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "who",
    "why",
    "with",
    "you",
    "your",
];

/// Handles on every field of the index.
#[derive(Clone, Copy, Debug)]
pub struct Fields {
    /// Entity kind as a facet, `/technique`; stored.
    pub kind: Field,
    /// The entity's id as written, `MS-TA9018`; stored, not indexed.
    pub id: Field,
    /// Lower-cased id variants: `ms-ta9018`, `ta9018`, `9018`.
    pub ids: Field,
    pub name: Field,
    pub aliases: Field,
    pub summary: Field,
    pub body: Field,
    /// Tactic slugs as facets, `/persistence`.
    pub tactic: Field,
    /// Lower-cased ATT&CK ids and their parents: `t1552.007`, `t1552`.
    pub attack: Field,
    /// How much the document's matches count, in percent (a fast field).
    pub prior: Field,
}

/// The name of the prior's fast field.
pub const PRIOR: &str = "prior";

/// Builds the schema and the field handles.
pub fn build() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let text = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TEXT_ANALYZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored();
    let raw = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(ID_ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let fields = Fields {
        kind: builder.add_facet_field("kind", FacetOptions::default().set_stored()),
        id: builder.add_text_field("id", STORED),
        ids: builder.add_text_field("ids", raw.clone()),
        name: builder.add_text_field("name", text.clone()),
        aliases: builder.add_text_field("aliases", text.clone()),
        summary: builder.add_text_field("summary", text.clone()),
        body: builder.add_text_field("body", text),
        tactic: builder.add_facet_field("tactic", FacetOptions::default()),
        attack: builder.add_text_field("attack", raw),
        prior: builder.add_u64_field(PRIOR, FAST),
    };
    (builder.build(), fields)
}

/// Finds the fields in a schema read back from disk; fails when it is not ours.
pub fn fields_of(schema: &Schema) -> Result<Fields, SearchError> {
    let (expected, fields) = build();
    if *schema == expected {
        Ok(fields)
    } else {
        Err(SearchError::SchemaMismatch)
    }
}

/// The analyzers the schema names, to register on every index (new or opened).
pub fn tokenizers() -> TokenizerManager {
    let manager = TokenizerManager::default();
    manager.register(TEXT_ANALYZER, text_analyzer());
    manager.register(ID_ANALYZER, id_analyzer());
    manager
}

/// The analyzers query words go through, built once per index (building one makes its
/// stop-word set; cloning one is cheap).
#[derive(Clone)]
pub struct Analyzers {
    /// [`plain_analyzer`]
    pub plain: TextAnalyzer,
    /// [`text_analyzer`]
    pub stem: TextAnalyzer,
}

impl Analyzers {
    pub fn new() -> Self {
        Self {
            plain: plain_analyzer(),
            stem: text_analyzer(),
        }
    }
}

/// The text analyzer, also used to analyse query words the way the index saw them.
pub fn text_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(stop_words())
        .filter(Stemmer::new(Language::English))
        .build()
}

/// The text analyzer without stemming: what the user typed, split and lower-cased, so a
/// half-typed word can be matched as a prefix of the stems in the index.
pub fn plain_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(stop_words())
        .build()
}

fn id_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(RawTokenizer::default())
        .filter(LowerCaser)
        .build()
}

pub(super) fn stop_words() -> StopWordFilter {
    StopWordFilter::remove(STOP_WORDS.iter().map(|w| (*w).to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(mut analyzer: TextAnalyzer, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut stream = analyzer.token_stream(text);
        while let Some(token) = stream.next() {
            out.push(token.text.clone());
        }
        out
    }

    #[test]
    fn text_is_split_stemmed_and_cleared_of_function_words() {
        assert_eq!(
            tokens(text_analyzer(), "Someone exec'd into the privileged Pods"),
            ["exec", "d", "privileg", "pod"]
        );
        assert_eq!(
            tokens(plain_analyzer(), "Privileged Pods"),
            ["privileged", "pods"]
        );
    }

    #[test]
    fn ids_stay_whole() {
        assert_eq!(tokens(id_analyzer(), "T1552.007"), ["t1552.007"]);
    }

    #[test]
    fn a_foreign_schema_is_refused() {
        let (schema, _) = build();
        assert!(fields_of(&schema).is_ok());
        let other = Schema::builder().build();
        assert!(matches!(
            fields_of(&other),
            Err(SearchError::SchemaMismatch)
        ));
    }
}
