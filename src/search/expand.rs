//! Expands a typed token into the indexed terms it should match: itself, the terms it
//! starts (when it is the last word typed), and the terms within the typo budget
//! (edit distance 1 from 4 characters, 2 from 8; the first letter must be right or
//! swapped with the second), each with a weight.

use std::collections::HashMap;

use tantivy::query::{DfaWrapper, FuzzyTermQuery};
use tantivy::schema::Field;
use tantivy::{Searcher, Term};

use super::SearchError;

/// Weight of the token itself.
const EXACT: f32 = 1.0;
/// Weight of a term the token is a prefix of.
const PREFIX: f32 = 0.7;
/// Weight of a term one and two edits away.
const FUZZY: [f32; 2] = [0.45, 0.25];
/// Terms kept per token and field: the best weights, then the most frequent.
const MAX_EXPANSIONS: usize = 6;
/// Terms looked at per token, field and segment before giving up on finding more.
const MAX_SCANNED: usize = 512;
/// Prefixes shorter than this are not expanded (`p` would match half the dictionary).
const MIN_PREFIX: usize = 2;
/// Typed length from which one typo is forgiven, and two.
const FUZZY_FROM: [usize; 2] = [4, 8];

/// An indexed term and how much a match on it counts.
#[derive(Clone, Debug, PartialEq)]
pub struct Expansion {
    pub term: String,
    pub weight: f32,
}

/// A typed token, ready to expand in any field.
pub struct Typed {
    plain: String,
    stem: String,
    prefix: bool,
    /// Matches the stem within the typo budget (as a prefix when `prefix`).
    typos: Option<DfaWrapper>,
}

/// Looks terms up in every segment's dictionary.
pub struct Expander<'a> {
    searcher: &'a Searcher,
}

#[derive(Default)]
struct Candidates {
    /// term -> (weight, document frequency)
    found: HashMap<String, (f32, u32)>,
}

impl Candidates {
    fn add(&mut self, term: String, weight: f32, doc_freq: u32) {
        let entry = self.found.entry(term).or_insert((weight, 0));
        entry.0 = entry.0.max(weight);
        entry.1 += doc_freq;
    }

    fn best(self) -> Vec<Expansion> {
        let mut all: Vec<(String, f32, u32)> = self
            .found
            .into_iter()
            .map(|(t, (w, df))| (t, w, df))
            .collect();
        all.sort_by(|a, b| {
            b.1.total_cmp(&a.1)
                .then(b.2.cmp(&a.2))
                .then_with(|| a.0.cmp(&b.0))
        });
        all.truncate(MAX_EXPANSIONS);
        all.into_iter()
            .map(|(term, weight, _)| Expansion { term, weight })
            .collect()
    }
}

impl<'a> Expander<'a> {
    pub fn new(searcher: &'a Searcher) -> Self {
        Self { searcher }
    }

    /// A whole-value field (ids): the value itself, and what it starts when `prefix`.
    pub fn raw(
        &self,
        field: Field,
        raw: &str,
        prefix: bool,
    ) -> Result<Vec<Expansion>, SearchError> {
        let mut found = Candidates::default();
        self.exact(field, raw, &mut found)?;
        if prefix && raw.chars().count() >= MIN_PREFIX {
            self.prefixed(field, raw, &mut found)?;
        }
        Ok(found.best())
    }

    /// Prepares a typed token for [`Expander::text`] over `fields`. Typos are a fallback:
    /// a token that the index knows as it was typed (its stem, or as the last word a
    /// prefix of some term) in any of the fields is trusted, so `service` does not also
    /// match `servic`-like noise; an unknown alphabetic token of 4 or more characters gets
    /// the typo automaton, built once for every field.
    pub fn token(
        &self,
        fields: &[Field],
        plain: &str,
        stem: &str,
        prefix: bool,
    ) -> Result<Typed, SearchError> {
        let typed = plain.chars().count();
        let eligible = plain.chars().all(|c| c.is_ascii_alphabetic()) && typed >= FUZZY_FROM[0];
        let typos = if eligible && !self.known(fields, plain, stem, prefix)? {
            let distance = if typed >= FUZZY_FROM[1] { 2 } else { 1 };
            // The automaton depends on the text only; the field is a placeholder.
            let root = Term::from_field_text(Field::from_field_id(0), stem);
            let query = if prefix {
                FuzzyTermQuery::new_prefix(root, distance, true)
            } else {
                FuzzyTermQuery::new(root, distance, true)
            };
            Some(query.automaton()?)
        } else {
            None
        };
        Ok(Typed {
            plain: plain.to_owned(),
            stem: stem.to_owned(),
            prefix,
            typos,
        })
    }

    /// Whether any of `fields` holds the stem, or (for a prefix) a term starting like it.
    fn known(
        &self,
        fields: &[Field],
        plain: &str,
        stem: &str,
        prefix: bool,
    ) -> Result<bool, SearchError> {
        for segment in self.searcher.segment_readers() {
            for field in fields {
                let index = segment.inverted_index(*field)?;
                let terms = index.terms();
                if terms.get(stem.as_bytes())?.is_some() {
                    return Ok(true);
                }
                if prefix {
                    for start in [plain, stem] {
                        let mut stream = terms.range().ge(start.as_bytes()).into_stream()?;
                        if stream.advance() && stream.key().starts_with(start.as_bytes()) {
                            return Ok(true);
                        }
                    }
                }
            }
        }
        Ok(false)
    }

    /// A stemmed text field: the stem, prefixes of what was typed and of the stem when
    /// the token is a prefix, and typo-tolerant matches for alphabetic tokens.
    pub fn text(&self, field: Field, token: &Typed) -> Result<Vec<Expansion>, SearchError> {
        let mut found = Candidates::default();
        self.exact(field, &token.stem, &mut found)?;
        if token.prefix && token.plain.chars().count() >= MIN_PREFIX {
            self.prefixed(field, &token.plain, &mut found)?;
            if token.stem != token.plain {
                self.prefixed(field, &token.stem, &mut found)?;
            }
        }
        if let Some(dfa) = &token.typos {
            self.fuzzy(field, token, dfa, &mut found)?;
        }
        Ok(found.best())
    }

    fn exact(&self, field: Field, text: &str, found: &mut Candidates) -> Result<(), SearchError> {
        for segment in self.searcher.segment_readers() {
            let index = segment.inverted_index(field)?;
            if let Some(info) = index.terms().get(text.as_bytes())? {
                found.add(text.to_owned(), EXACT, info.doc_freq);
            }
        }
        Ok(())
    }

    fn prefixed(
        &self,
        field: Field,
        start: &str,
        found: &mut Candidates,
    ) -> Result<(), SearchError> {
        for segment in self.searcher.segment_readers() {
            let index = segment.inverted_index(field)?;
            let mut stream = index.terms().range().ge(start.as_bytes()).into_stream()?;
            let mut scanned = 0;
            while scanned < MAX_SCANNED && stream.advance() {
                scanned += 1;
                let key = stream.key();
                if !key.starts_with(start.as_bytes()) {
                    break;
                }
                if key.len() > start.len()
                    && let Ok(term) = std::str::from_utf8(key)
                {
                    found.add(term.to_owned(), PREFIX, stream.value().doc_freq);
                }
            }
        }
        Ok(())
    }

    fn fuzzy(
        &self,
        field: Field,
        token: &Typed,
        dfa: &DfaWrapper,
        found: &mut Candidates,
    ) -> Result<(), SearchError> {
        for segment in self.searcher.segment_readers() {
            let index = segment.inverted_index(field)?;
            for first in first_letters(&token.stem) {
                // Only terms starting with one of these letters: walking the automaton
                // through the whole dictionary was most of a typo query's time.
                let mut stream = index
                    .terms()
                    .search(dfa)
                    .ge([first])
                    .lt([first + 1])
                    .into_stream()?;
                let mut scanned = 0;
                while scanned < MAX_SCANNED && stream.advance() {
                    scanned += 1;
                    let Ok(term) = std::str::from_utf8(stream.key()) else {
                        continue;
                    };
                    let weight = match edit_distance(&token.stem, term, token.prefix) {
                        0 if term == token.stem => EXACT,
                        0 => PREFIX,
                        1 => FUZZY[0],
                        _ => FUZZY[1],
                    };
                    found.add(term.to_owned(), weight, stream.value().doc_freq);
                }
            }
        }
        Ok(())
    }
}

/// The letters a term matching a typo of `typed` may start with: its first, and its
/// second for a swap of the first two (`rpivileged`). A wrong or missing first letter
/// is not forgiven, as in most typo-tolerant search engines (Lucene's `prefix_length`).
fn first_letters(typed: &str) -> Vec<u8> {
    let bytes = typed.as_bytes();
    let mut out: Vec<u8> = bytes.iter().take(2).copied().collect();
    out.dedup();
    out.retain(|b| *b < u8::MAX);
    out
}

/// Edit distance (insert, delete, substitute, swap neighbours) from `a` to `b`, or to the
/// closest prefix of `b` when `prefix` is set.
pub fn edit_distance(a: &str, b: &str, prefix: bool) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // rows[i][j]: distance between a[..i] and b[..j]; three rows for transpositions.
    let mut before: Vec<usize> = Vec::new();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut row = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            row[j] = (prev[j] + 1).min(row[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                row[j] = row[j].min(before[j - 2] + 1);
            }
        }
        before = std::mem::replace(&mut prev, row);
    }
    if prefix {
        prev.iter().copied().min().unwrap_or(a.len())
    } else {
        prev[b.len()]
    }
}

#[cfg(test)]
mod tests {
    use super::edit_distance;

    #[test]
    fn edit_distance_counts_typos() {
        assert_eq!(edit_distance("privileg", "privileg", false), 0);
        assert_eq!(edit_distance("privilag", "privileg", false), 1);
        assert_eq!(edit_distance("kubeltc", "kubectl", false), 2);
        assert_eq!(edit_distance("kubetcl", "kubectl", false), 1);
        assert_eq!(edit_distance("xmri", "xmrig", false), 1);
        assert_eq!(edit_distance("", "abc", false), 3);
    }

    #[test]
    fn prefix_distance_is_to_the_closest_prefix() {
        assert_eq!(edit_distance("privila", "privileg", true), 1);
        assert_eq!(edit_distance("xmr", "xmrig", true), 0);
        assert_eq!(edit_distance("kubc", "kubectl", true), 1);
    }
}
