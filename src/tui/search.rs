//! What the TUI needs from a search engine ([`Searcher`]), and a simple one over the matrix.
//!
//! The full-text index lives in `crate::search`; it plugs in by implementing [`Searcher`].
//! [`MatrixSearcher`] is the fallback: case-insensitive words matched against ids, names,
//! aliases and summaries, every word required.

use std::ops::Range;

use crate::matrix::{Entity, Matrix};

/// One search result. Highlight ranges are byte ranges into `name` and `snippet`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SearchHit {
    pub id: String,
    /// `technique`, `mitigation`, `tactic` (later also `check`, `playbook`).
    pub kind: String,
    pub name: String,
    pub snippet: String,
    pub name_highlights: Vec<Range<usize>>,
    pub snippet_highlights: Vec<Range<usize>>,
    pub score: f32,
}

/// A search engine the TUI can ask on every keystroke.
pub trait Searcher {
    /// The best hits for `query`, best first, at most `limit`.
    fn search(&self, query: &str, limit: usize) -> Vec<SearchHit>;
}

struct Entry {
    id: String,
    kind: &'static str,
    name: String,
    aliases: Vec<String>,
    summary: String,
}

/// Substring search over the matrix's ids, names, aliases and summaries.
pub struct MatrixSearcher {
    entries: Vec<Entry>,
}

impl MatrixSearcher {
    pub fn new(matrix: &Matrix) -> Self {
        let entries = matrix
            .entities()
            .map(|e| {
                let (aliases, summary) = match e {
                    Entity::Tactic(t) => (Vec::new(), t.summary.clone()),
                    Entity::Technique(t) => (t.aliases.clone(), t.summary.clone()),
                    Entity::Mitigation(m) => (m.aliases.clone(), m.summary.clone()),
                    Entity::Playbook(p) => (Vec::new(), p.intro.clone()),
                    Entity::Scenario(s) => (Vec::new(), s.summary.clone()),
                };
                Entry {
                    id: e.id().to_owned(),
                    kind: e.kind(),
                    name: e.name().to_owned(),
                    aliases,
                    summary: summary.trim().to_owned(),
                }
            })
            .collect();
        Self { entries }
    }
}

impl Searcher for MatrixSearcher {
    fn search(&self, query: &str, limit: usize) -> Vec<SearchHit> {
        let words: Vec<&str> = query.split_whitespace().collect();
        if words.is_empty() {
            return Vec::new();
        }
        let mut hits: Vec<SearchHit> = self
            .entries
            .iter()
            .filter_map(|entry| {
                score(entry, &words).map(|(score, snippet)| (entry, score, snippet))
            })
            .map(|(entry, score, snippet)| SearchHit {
                id: entry.id.clone(),
                kind: entry.kind.to_owned(),
                name_highlights: ranges(&entry.name, &words),
                snippet_highlights: ranges(&snippet, &words),
                name: entry.name.clone(),
                snippet,
                score,
            })
            .collect();
        hits.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| kind_rank(&a.kind).cmp(&kind_rank(&b.kind)))
                .then_with(|| a.id.cmp(&b.id))
        });
        hits.truncate(limit);
        hits
    }
}

fn kind_rank(kind: &str) -> u8 {
    match kind {
        "technique" => 0,
        "mitigation" => 1,
        _ => 2,
    }
}

/// Every word must match somewhere; the score favours ids, then names, aliases, summaries.
/// Returns the score and the snippet to show (the summary, or the alias that matched).
fn score(entry: &Entry, words: &[&str]) -> Option<(f32, String)> {
    let mut total = 0.0;
    let mut alias_shown: Option<&str> = None;
    let mut summary_matched = false;
    for word in words {
        let mut best: f32 = 0.0;
        if entry.id.eq_ignore_ascii_case(word) {
            best = 20.0;
        } else if word.contains(|c: char| c.is_ascii_digit()) && find_ci(&entry.id, word).is_some()
        {
            best = 8.0;
        }
        if let Some(at) = find_ci(&entry.name, word) {
            let word_start = at == 0 || !entry.name.as_bytes()[at - 1].is_ascii_alphanumeric();
            best = best.max(if word_start { 7.0 } else { 5.0 });
        }
        if let Some(alias) = entry.aliases.iter().find(|a| find_ci(a, word).is_some()) {
            if best < 3.0 {
                alias_shown.get_or_insert(alias);
            }
            best = best.max(3.0);
        }
        if find_ci(&entry.summary, word).is_some() {
            summary_matched = true;
            best = best.max(1.0);
        }
        if best == 0.0 {
            return None;
        }
        total += best;
    }
    let snippet = match alias_shown {
        Some(alias) if !summary_matched => format!("also known as: {alias}"),
        _ => entry.summary.clone(),
    };
    Some((total, snippet))
}

/// Byte offset of the first ASCII-case-insensitive occurrence of `needle` in `haystack`.
fn find_ci(haystack: &str, needle: &str) -> Option<usize> {
    find_all_ci(haystack, needle).next()
}

fn find_all_ci<'a>(haystack: &'a str, needle: &'a str) -> impl Iterator<Item = usize> + 'a {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    (0..=h.len().saturating_sub(n.len())).filter(move |&i| {
        !n.is_empty()
            && h.len() >= n.len()
            && haystack.is_char_boundary(i)
            && haystack.is_char_boundary(i + n.len())
            && h[i..i + n.len()].eq_ignore_ascii_case(n)
    })
}

/// Every occurrence of every word, merged into sorted, disjoint byte ranges.
fn ranges(text: &str, words: &[&str]) -> Vec<Range<usize>> {
    let mut all: Vec<Range<usize>> = words
        .iter()
        .flat_map(|w| find_all_ci(text, w).map(move |i| i..i + w.len()))
        .collect();
    all.sort_by_key(|r| (r.start, r.end));
    let mut merged: Vec<Range<usize>> = Vec::new();
    for r in all {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
}

/// The full-text index answers the TUI's searches: ranked, typo-tolerant, prefix on the
/// last word, with the snippet's matches highlighted.
impl Searcher for crate::search::SearchIndex {
    fn search(&self, query: &str, limit: usize) -> Vec<SearchHit> {
        let options = crate::search::SearchOptions {
            limit,
            ..crate::search::SearchOptions::default()
        };
        let Ok(hits) = crate::search::SearchIndex::search(self, query, &options) else {
            return Vec::new();
        };
        hits.into_iter()
            .map(|hit| {
                let name_highlights = word_ranges(&hit.name, query);
                SearchHit {
                    id: hit.id,
                    kind: hit.kind,
                    name: hit.name,
                    snippet: hit.snippet.text,
                    name_highlights,
                    snippet_highlights: hit.snippet.highlights,
                    score: hit.score,
                }
            })
            .collect()
    }
}

/// Byte ranges of `text` where a word of the query starts a word (case-insensitive).
fn word_ranges(text: &str, query: &str) -> Vec<Range<usize>> {
    let lower = text.to_lowercase();
    if lower.len() != text.len() {
        return Vec::new(); // case folding changed byte offsets; skip highlighting the name
    }
    let mut out: Vec<Range<usize>> = Vec::new();
    for word in query
        .split_whitespace()
        .map(str::to_lowercase)
        .filter(|w| w.len() >= 2)
    {
        let word = word.trim_matches('"');
        if word.is_empty() || word.contains(':') {
            continue;
        }
        let mut from = 0;
        while let Some(i) = lower[from..].find(word) {
            let start = from + i;
            let at_word = start == 0 || !lower.as_bytes()[start - 1].is_ascii_alphanumeric();
            if at_word {
                out.push(start..start + word.len());
            }
            from = start + word.len();
        }
    }
    out.sort_by_key(|r| r.start);
    out.dedup_by(|b, a| b.start < a.end);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_ranges_case_insensitively() {
        assert_eq!(ranges("Privileged PRIV", &["priv"]), [0..4, 11..15]);
        assert_eq!(ranges("abcd", &["ab", "bc"]), [Range { start: 0, end: 3 }]);
        assert_eq!(ranges("é priv", &["priv"]), [Range { start: 3, end: 7 }]);
        assert!(ranges("ab", &["abc"]).is_empty());
    }
}
