//! Runs a compiled query and turns the top documents into [`Hit`]s, each with a snippet of
//! its best field and the byte ranges to highlight in it (from tantivy's
//! `SnippetGenerator`), so front ends can draw the matches as styled spans.

use std::ops::Range;

use tantivy::collector::TopDocs;
use tantivy::query::Query;
use tantivy::schema::{Field, Value};
use tantivy::snippet::{Snippet as TantivySnippet, SnippetGenerator};
use tantivy::{Searcher, TantivyDocument};

use super::schema::Fields;
use super::{SearchError, rank};

/// Longest snippet, in characters.
const SNIPPET_CHARS: usize = 120;

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
/// `words` are the parts of the query for each typed word (see [`rank`]).
pub fn collect(
    searcher: &Searcher,
    fields: Fields,
    query: &dyn Query,
    words: &[Box<dyn Query>],
    limit: usize,
) -> Result<Vec<Hit>, SearchError> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let pool = searcher.search(
        query,
        &TopDocs::with_limit(rank::pool(limit)).order_by_score(),
    )?;
    let top = rank::coordinate(searcher, words, pool, limit)?;
    if top.is_empty() {
        return Ok(Vec::new());
    }
    let generators = [
        (SnippetField::Summary, fields.summary),
        (SnippetField::Aliases, fields.aliases),
        (SnippetField::Body, fields.body),
    ]
    .into_iter()
    .map(|(which, field)| {
        let mut generator = SnippetGenerator::create(searcher, query, field)?;
        generator.set_max_num_chars(SNIPPET_CHARS);
        Ok((which, field, generator))
    })
    .collect::<Result<Vec<_>, SearchError>>()?;
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
        let mut best: Option<(usize, SnippetField, TantivySnippet, String)> = None;
        for (which, field, generator) in &generators {
            let full = text(*field);
            let snippet = generator.snippet(&full);
            let matched = distinct_matches(&snippet);
            if matched > best.as_ref().map_or(0, |b| b.0) {
                best = Some((matched, *which, snippet, full));
            }
        }
        let snippet = match best {
            Some((_, field, snippet, full)) => {
                let (text, highlights) =
                    widen(&full, &snippet.fragment_range(), snippet.highlighted());
                let highlights = join_touching(&text, highlights);
                Snippet {
                    field,
                    text: one_line(&text),
                    highlights,
                }
            }
            None => Snippet {
                field: SnippetField::Summary,
                text: one_line(&truncate(&text(fields.summary), SNIPPET_CHARS)),
                highlights: Vec::new(),
            },
        };
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

/// How many different words a snippet highlights.
fn distinct_matches(snippet: &TantivySnippet) -> usize {
    let mut words: Vec<String> = snippet
        .highlighted()
        .iter()
        .filter_map(|r| snippet.fragment().get(r.clone()))
        .map(str::to_lowercase)
        .collect();
    words.sort();
    words.dedup();
    words.len()
}

/// Widens a fragment shorter than the snippet length with the words around it (tantivy
/// starts fragments at a match, so a match late in a field would lose its context), and
/// marks cut ends with `…`. Returns the text and the highlights moved along with it.
fn widen(
    text: &str,
    fragment: &Range<usize>,
    highlights: &[Range<usize>],
) -> (String, Vec<Range<usize>>) {
    let Some(inner) = text.get(fragment.clone()) else {
        return (String::new(), Vec::new());
    };
    let spare = SNIPPET_CHARS.saturating_sub(inner.chars().count());
    let before = &text[..fragment.start];
    let after = &text[fragment.end..];
    let (have_before, have_after) = (before.chars().count(), after.chars().count());
    let mut take_before = have_before.min(spare / 2);
    let take_after = have_after.min(spare - take_before);
    take_before = have_before.min(spare - take_after);
    let mut start = before
        .char_indices()
        .nth(have_before - take_before)
        .map_or(fragment.start, |(i, _)| i);
    if start > 0 && !before[..start].ends_with(char::is_whitespace) {
        // Do not start inside a word.
        start = before[start..]
            .find(char::is_whitespace)
            .map_or(fragment.start, |i| start + i);
    }
    start += text[start..fragment.start].len() - text[start..fragment.start].trim_start().len();
    let mut end = after
        .char_indices()
        .nth(take_after)
        .map_or(text.len(), |(i, _)| fragment.end + i);
    if end < text.len() && !text[end..].starts_with(char::is_whitespace) {
        end = text[fragment.end..end]
            .rfind(char::is_whitespace)
            .map_or(fragment.end, |i| fragment.end + i);
    }
    end -= text[fragment.end..end].len() - text[fragment.end..end].trim_end().len();
    let lead = if start > 0 { "…" } else { "" };
    let tail = if end < text.len() { "…" } else { "" };
    let shift = fragment.start - start + lead.len();
    let moved = highlights
        .iter()
        .map(|r| r.start + shift..r.end + shift)
        .collect();
    (format!("{lead}{}{tail}", &text[start..end]), moved)
}

/// Joins highlights separated only by punctuation, so `169.254.169.254` or `pods/exec`
/// reads as one match.
fn join_touching(text: &str, highlights: Vec<Range<usize>>) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::with_capacity(highlights.len());
    for range in highlights {
        if let Some(last) = out.last_mut()
            && let Some(gap) = text.get(last.end..range.start)
            && !gap.is_empty()
            && gap.chars().all(|c| c.is_ascii_punctuation())
        {
            last.end = range.end;
        } else {
            out.push(range);
        }
    }
    out
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

/// Newlines, carriage returns and tabs become spaces; byte offsets do not move.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| {
            if matches!(c, '\n' | '\r' | '\t') {
                ' '
            } else {
                c
            }
        })
        .collect()
}

fn truncate(text: &str, chars: usize) -> String {
    match text.char_indices().nth(chars) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_keeps_offsets() {
        let text = "a\nb\tc";
        assert_eq!(one_line(text), "a b c");
        assert_eq!(one_line(text).len(), text.len());
    }

    #[test]
    fn long_text_is_cut_on_a_character() {
        assert_eq!(truncate("héllo", 2), "hé…");
        assert_eq!(truncate("hi", 5), "hi");
    }

    fn span(start: usize, end: usize) -> Range<usize> {
        start..end
    }

    #[test]
    fn short_fragments_get_their_context_back() {
        let text = "kubectl get secrets, list secrets, base64 decode, helm release secret, etcd";
        let at = text.find("etcd").expect("etcd");
        let (widened, highlights) = widen(text, &(at..text.len()), &[span(0, 4)]);
        assert_eq!(widened, text);
        assert_eq!(&widened[highlights[0].clone()], "etcd");
    }

    #[test]
    fn widened_fragments_cut_on_words_and_say_so() {
        let words: Vec<String> = (0..60).map(|i| format!("w{i:02}")).collect();
        let text = words.join(" ");
        let at = text.find("w30").expect("w30");
        let (widened, highlights) = widen(&text, &(at..at + 3), &[span(0, 3)]);
        assert!(widened.starts_with("…w"), "{widened}");
        assert!(widened.ends_with("…"), "{widened}");
        assert!(widened.chars().count() <= SNIPPET_CHARS + 2);
        assert_eq!(&widened[highlights[0].clone()], "w30");
        for word in widened.trim_matches('…').split(' ') {
            assert!(words.contains(&word.to_owned()), "cut word {word:?}");
        }
    }

    #[test]
    fn matches_split_by_punctuation_join() {
        let text = "at 169.254.169.254 via pods/exec, then exec";
        let ranges = vec![3..6, 7..10, 11..14, 15..18, 23..27, 28..32, 39..43];
        let joined: Vec<&str> = join_touching(text, ranges)
            .into_iter()
            .map(|r| &text[r])
            .collect();
        assert_eq!(joined, ["169.254.169.254", "pods/exec", "exec"]);
    }

    #[test]
    fn facet_names() {
        assert_eq!(facet_name("technique"), "technique");
        assert_eq!(facet_name("/mitigation"), "mitigation");
    }
}
