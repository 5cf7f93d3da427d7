//! Turns a [`ParsedQuery`] into a tantivy query scored with BM25.
//!
//! Each word is expanded, per field, into its exact, prefix (last word only) and fuzzy
//! matches, each an ordinary term query weighted by its field (id > ATT&CK > name >
//! aliases > summary > body) and by how it matched; prefix and fuzzy matches are expanded
//! here against the term dictionary so they keep BM25 scoring. All of them form one flat
//! disjunction of term queries, the one shape tantivy can prune with block-WAND, so a
//! common word such as `pod` does not cost a score for every document holding it.
//! Adjacency of a word's tokens (`169.254.169.254`) and the share of words matched are
//! applied to the best candidates afterwards (see [`super::rank`]).

use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, DisjunctionMaxQuery, EmptyQuery, Occur,
    PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{Facet, Field, IndexRecordOption};
use tantivy::{Searcher, Term};

use super::SearchError;
use super::expand::{Expander, Expansion};
use super::query::{Clause, ParsedQuery};
use super::schema::{Analyzers, Fields};

/// Field weights.
const ID_BOOST: f32 = 8.0;
const ATTACK_BOOST: f32 = 6.0;
const NAME_BOOST: f32 = 4.0;
const ALIASES_BOOST: f32 = 3.0;
const SUMMARY_BOOST: f32 = 1.5;
const BODY_BOOST: f32 = 1.0;
/// How much a phrase's field counts when a single token is quoted (disjunction-max tie
/// breaker).
const FIELD_TIE: f32 = 0.3;
/// Extra weight for the tokens of one typed word found next to each other
/// (`169.254.169.254`, `pods/exec`).
const ADJACENCY_BOOST: f32 = 2.0;

type BoxQuery = Box<dyn Query>;

/// The filters to apply, already resolved to facet values present in the index.
#[derive(Debug, Default)]
pub struct Filters {
    /// `None`: no filter; `Some(empty)`: a filter no entity satisfies.
    pub kinds: Option<Vec<String>>,
    pub tactics: Option<Vec<String>>,
}

/// A compiled query: what retrieves and scores the candidates, and what re-ranks them.
pub struct Compiled {
    pub query: BoxQuery,
    /// Per typed word, the terms any of which means the word matched (coordination).
    pub words: Vec<Vec<Term>>,
    /// Bonus queries for the tokens of one typed word found next to each other.
    pub adjacent: Vec<BoxQuery>,
}

/// One typed word, compiled.
struct Word {
    /// Weighted term queries, one per field and expansion.
    clauses: Vec<BoxQuery>,
    terms: Vec<Term>,
    adjacent: Option<BoxQuery>,
}

/// Compiles `query`; `None` when it has nothing to search for.
pub fn compile(
    searcher: &Searcher,
    fields: Fields,
    analyzers: &Analyzers,
    query: &ParsedQuery,
    filters: &Filters,
) -> Result<Option<Compiled>, SearchError> {
    let compiler = Compiler {
        expander: Expander::new(searcher),
        fields,
        analyzers,
    };
    let mut clauses: Vec<(Occur, BoxQuery)> = Vec::new();
    let mut words = Vec::new();
    let mut adjacent = Vec::new();
    for clause in &query.clauses {
        match clause {
            Clause::Word { text, prefix } => {
                if let Some(word) = compiler.word(text, *prefix)? {
                    clauses.extend(word.clauses.into_iter().map(|q| (Occur::Should, q)));
                    words.push(word.terms);
                    adjacent.extend(word.adjacent);
                }
            }
            Clause::Phrase(text) => {
                if let Some(q) = compiler.phrase(text) {
                    clauses.push((Occur::Must, q));
                }
            }
        }
    }
    let has_text = !clauses.is_empty();
    for (field, values) in [
        (fields.kind, &filters.kinds),
        (fields.tactic, &filters.tactics),
    ] {
        if let Some(values) = values {
            clauses.push((Occur::Must, facet_filter(field, values)));
        }
    }
    if clauses.is_empty() {
        return Ok(None);
    }
    if !has_text {
        clauses.push((Occur::Must, Box::new(AllQuery)));
    }
    Ok(Some(Compiled {
        query: Box::new(BooleanQuery::new(clauses)),
        words,
        adjacent,
    }))
}

struct Compiler<'a> {
    expander: Expander<'a>,
    fields: Fields,
    analyzers: &'a Analyzers,
}

/// One analysed token of a typed word: as typed (lower case) and stemmed.
struct Token {
    plain: String,
    stem: String,
    position: usize,
}

impl Compiler<'_> {
    fn word(&self, text: &str, prefix: bool) -> Result<Option<Word>, SearchError> {
        let mut found: Vec<(Field, f32, Expansion)> = Vec::new();
        let raw = text
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase();
        if !raw.is_empty() {
            for (field, boost) in [
                (self.fields.ids, ID_BOOST),
                (self.fields.attack, ATTACK_BOOST),
            ] {
                // Ids match as a prefix only when typed like one (`ms-ta90`, `t161`): a
                // word such as `privil` must not prefix-match slugs like `privileged-escape`.
                let id_like = raw.bytes().any(|b| b.is_ascii_digit());
                for e in self.expander.raw(field, &raw, prefix && id_like)? {
                    found.push((field, boost, e));
                }
            }
        }
        let mut tokens = analyse(self.analyzers, text);
        if tokens.len() > 1 {
            tokens.retain(|t| t.plain.chars().count() > 1);
        }
        let last = tokens.len().saturating_sub(1);
        for (i, token) in tokens.iter().enumerate() {
            found.extend(self.token(token, prefix && i == last)?);
        }
        if found.is_empty() {
            return Ok(None);
        }
        let adjacent = (tokens.len() > 1).then(|| {
            let stems: Vec<&Token> = tokens.iter().collect();
            boosted(self.adjacent(&stems), ADJACENCY_BOOST)
        });
        let terms = found
            .iter()
            .map(|(field, _, e)| Term::from_field_text(*field, &e.term))
            .collect();
        let clauses = found
            .iter()
            .map(|(field, boost, e)| boosted(term(*field, &e.term), boost * e.weight))
            .collect();
        Ok(Some(Word {
            clauses,
            terms,
            adjacent,
        }))
    }

    /// One token's expansions in every text field, with the field's weight.
    fn token(
        &self,
        token: &Token,
        prefix: bool,
    ) -> Result<Vec<(Field, f32, Expansion)>, SearchError> {
        let fields = self.text_fields().map(|(field, _)| field);
        let typed = self
            .expander
            .token(&fields, &token.plain, &token.stem, prefix)?;
        let mut out = Vec::new();
        for (field, boost) in self.text_fields() {
            for e in self.expander.text(field, &typed)? {
                out.push((field, boost, e));
            }
        }
        Ok(out)
    }

    /// A quoted phrase: its stems next to each other, in any text field (one token: that
    /// token exactly, in any field including the ids).
    fn phrase(&self, text: &str) -> Option<BoxQuery> {
        let tokens = analyse(self.analyzers, text);
        match tokens.as_slice() {
            [] => None,
            [one] => {
                let mut per_field: Vec<BoxQuery> = self
                    .text_fields()
                    .into_iter()
                    .map(|(field, boost)| boosted(term(field, &one.stem), boost))
                    .collect();
                let raw = text.trim().to_lowercase();
                per_field.push(boosted(term(self.fields.ids, &raw), ID_BOOST));
                per_field.push(boosted(term(self.fields.attack, &raw), ATTACK_BOOST));
                Some(Box::new(DisjunctionMaxQuery::with_tie_breaker(
                    per_field, FIELD_TIE,
                )))
            }
            many => Some(self.adjacent(&many.iter().collect::<Vec<_>>())),
        }
    }

    /// The tokens in order, next to each other, in any text field.
    fn adjacent(&self, tokens: &[&Token]) -> BoxQuery {
        let first = tokens.first().map_or(0, |t| t.position);
        let per_field: Vec<BoxQuery> = self
            .text_fields()
            .into_iter()
            .map(|(field, boost)| {
                let terms = tokens
                    .iter()
                    .map(|t| (t.position - first, Term::from_field_text(field, &t.stem)))
                    .collect();
                boosted(Box::new(PhraseQuery::new_with_offset(terms)), boost)
            })
            .collect();
        Box::new(DisjunctionMaxQuery::with_tie_breaker(per_field, FIELD_TIE))
    }

    fn text_fields(&self) -> [(Field, f32); 4] {
        let f = self.fields;
        [
            (f.name, NAME_BOOST),
            (f.aliases, ALIASES_BOOST),
            (f.summary, SUMMARY_BOOST),
            (f.body, BODY_BOOST),
        ]
    }
}

/// Splits a typed word or phrase into tokens as the text analyzer does, keeping what was
/// typed next to each stem.
fn analyse(analyzers: &Analyzers, text: &str) -> Vec<Token> {
    let mut plain = analyzers.plain.clone();
    let mut stemmer = analyzers.stem.clone();
    let mut out = Vec::new();
    let mut stream = plain.token_stream(text);
    while let Some(token) = stream.next() {
        let mut stems = stemmer.token_stream(&token.text);
        let stem = stems
            .next()
            .map_or_else(|| token.text.clone(), |s| s.text.clone());
        out.push(Token {
            plain: token.text.clone(),
            stem,
            position: token.position,
        });
    }
    out
}

fn term(field: Field, text: &str) -> BoxQuery {
    Box::new(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::WithFreqs,
    ))
}

fn boosted(query: BoxQuery, boost: f32) -> BoxQuery {
    if (boost - 1.0).abs() < f32::EPSILON {
        query
    } else {
        Box::new(BoostQuery::new(query, boost))
    }
}

/// A filter that matches any of `values` and adds nothing to the score.
fn facet_filter(field: Field, values: &[String]) -> BoxQuery {
    if values.is_empty() {
        return Box::new(EmptyQuery);
    }
    let any: Vec<BoxQuery> = values
        .iter()
        .map(|v| {
            Box::new(TermQuery::new(
                Term::from_facet(field, &Facet::from_path([v.as_str()])),
                IndexRecordOption::Basic,
            )) as BoxQuery
        })
        .collect();
    Box::new(ConstScoreQuery::new(
        Box::new(BooleanQuery::union(any)),
        0.0,
    ))
}
