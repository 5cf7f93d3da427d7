//! Cuts the snippet of a hit: the best field, the fragment tantivy's `SnippetGenerator`
//! scores highest, widened back to the snippet length, with the highlight ranges.

use std::ops::Range;

use tantivy::query::Query;
use tantivy::schema::Field;
use tantivy::snippet::{Snippet as TantivySnippet, SnippetGenerator};
use tantivy::{Searcher, Term};

use std::collections::BTreeMap;

use super::hits::{Snippet, SnippetField};
use super::schema::Fields;
use super::{SearchError, highlight};

/// Longest snippet, in characters.
pub const SNIPPET_CHARS: usize = 120;

/// Cuts snippets for the hits of one query.
///
/// The best field is the short one (summary or aliases) with the most different words
/// highlighted; the body, long and costly to analyse, is only cut when neither short
/// field matches, and then only around its densest matches (see [`focus`]). Without any
/// match the summary is shown as it is.
pub struct Snippets<'a> {
    searcher: &'a Searcher,
    query: &'a dyn Query,
    fields: Fields,
    /// Summary and aliases: the generator, and the query's stems in that field cut to
    /// what the words they come from certainly contain (see [`highlight::needles`]).
    short: [(SnippetField, Field, SnippetGenerator, Vec<String>); 2],
    /// The body's generator and the query's stems in the body, made on first use.
    body: Option<(SnippetGenerator, Vec<String>)>,
}

/// A fragment chosen in a field's full text, and its highlights (relative to it).
struct Cut {
    matched: usize,
    field: SnippetField,
    fragment: Range<usize>,
    highlights: Vec<Range<usize>>,
    full: String,
}

impl<'a> Snippets<'a> {
    pub fn new(
        searcher: &'a Searcher,
        query: &'a dyn Query,
        fields: Fields,
    ) -> Result<Self, SearchError> {
        let short = [
            (SnippetField::Summary, fields.summary),
            (SnippetField::Aliases, fields.aliases),
        ];
        let [summary, aliases] = short.map(|(which, field)| {
            generator(searcher, query, field)
                .map(|(g, stems)| (which, field, g, highlight::needles(&stems)))
        });
        Ok(Self {
            searcher,
            query,
            fields,
            short: [summary?, aliases?],
            body: None,
        })
    }

    pub fn best(&mut self, text: &dyn Fn(Field) -> String) -> Result<Snippet, SearchError> {
        let mut best: Option<Cut> = None;
        for (which, field, generator, needles) in &self.short {
            let full = text(*field);
            // Analysing (stemming) a field costs more than looking for the needles; a
            // field without any cannot highlight anything.
            let lower = full.to_lowercase();
            if !needles.iter().any(|n| lower.contains(n.as_str())) {
                continue;
            }
            let snippet = generator.snippet(&full);
            let matched = distinct_matches(&snippet);
            if matched > best.as_ref().map_or(0, |b| b.matched) {
                best = Some(Cut {
                    matched,
                    field: *which,
                    fragment: snippet.fragment_range(),
                    highlights: snippet.highlighted().to_vec(),
                    full,
                });
            }
        }
        if best.is_none() {
            best = self.body_cut(text)?;
        }
        Ok(match best {
            Some(cut) => {
                let (text, highlights) = widen(&cut.full, &cut.fragment, &cut.highlights);
                let highlights = join_touching(&text, highlights);
                Snippet {
                    field: cut.field,
                    text: one_line(&text),
                    highlights,
                }
            }
            None => Snippet {
                field: SnippetField::Summary,
                text: one_line(&truncate(&text(self.fields.summary), SNIPPET_CHARS)),
                highlights: Vec::new(),
            },
        })
    }

    fn body_cut(&mut self, text: &dyn Fn(Field) -> String) -> Result<Option<Cut>, SearchError> {
        if self.body.is_none() {
            self.body = Some(generator(self.searcher, self.query, self.fields.body)?);
        }
        let Some((generator, stems)) = &self.body else {
            return Ok(None);
        };
        let full = text(self.fields.body);
        let mut window = focus(&full, stems);
        let mut snippet = generator.snippet(&full[window.clone()]);
        if snippet.highlighted().is_empty() && window.len() < full.len() {
            window = 0..full.len();
            snippet = generator.snippet(&full);
        }
        if snippet.highlighted().is_empty() {
            return Ok(None);
        }
        let fragment = snippet.fragment_range();
        Ok(Some(Cut {
            matched: 1,
            field: SnippetField::Body,
            fragment: fragment.start + window.start..fragment.end + window.start,
            highlights: snippet.highlighted().to_vec(),
            full,
        }))
    }
}

/// A snippet generator for the query's terms in `field` (rarer terms weigh more, as in
/// tantivy's own), analysing with [`highlight::analyzer`]; and those terms, sorted.
fn generator(
    searcher: &Searcher,
    query: &dyn Query,
    field: Field,
) -> Result<(SnippetGenerator, Vec<String>), SearchError> {
    let mut terms: Vec<&Term> = Vec::new();
    query.query_terms(&mut |term: &Term, _| {
        if term.field() == field {
            terms.push(term);
        }
    });
    let mut weights: BTreeMap<String, f32> = BTreeMap::new();
    for term in terms {
        if let Some(text) = term.value().as_str()
            && !weights.contains_key(text)
        {
            let doc_freq = searcher.doc_freq(term)?;
            if doc_freq > 0 {
                #[allow(clippy::cast_precision_loss)] // a document count
                weights.insert(text.to_owned(), 1.0 / (1.0 + doc_freq as f32));
            }
        }
    }
    let stems: Vec<String> = weights.keys().cloned().collect();
    let analyzer = highlight::analyzer(highlight::needles(&stems));
    Ok((
        SnippetGenerator::new(weights, analyzer, field, SNIPPET_CHARS),
        stems,
    ))
}

/// The part of a long text worth analysing: about three snippet lengths around the spot
/// where the most different stems occur (as lower-case substrings) within one snippet
/// length, starting on a word. The whole text when it is short or no stem occurs (a stem
/// need not be a substring of its word: `polici`).
fn focus(text: &str, stems: &[String]) -> Range<usize> {
    const PER_STEM: usize = 64;
    if text.len() <= 3 * SNIPPET_CHARS || stems.is_empty() {
        return 0..text.len();
    }
    let lower = text.to_ascii_lowercase();
    let mut found: Vec<(usize, usize)> = Vec::new();
    for (i, stem) in stems.iter().enumerate() {
        found.extend(
            lower
                .match_indices(stem.as_str())
                .take(PER_STEM)
                .map(|(at, _)| (at, i)),
        );
    }
    found.sort_unstable();
    let mut best: Option<(usize, usize)> = None;
    for (j, &(at, _)) in found.iter().enumerate() {
        let mut seen: Vec<usize> = found[j..]
            .iter()
            .take_while(|(p, _)| *p < at + SNIPPET_CHARS)
            .map(|(_, stem)| *stem)
            .collect();
        seen.sort_unstable();
        seen.dedup();
        if best.is_none_or(|(count, _)| seen.len() > count) {
            best = Some((seen.len(), at));
        }
    }
    let Some((_, at)) = best else {
        return 0..text.len();
    };
    let mut start = floor_char(text, at.saturating_sub(SNIPPET_CHARS));
    if start > 0 {
        start = text[..start]
            .rfind(char::is_whitespace)
            .map_or(0, |i| i + 1);
    }
    let end = floor_char(text, (at + 2 * SNIPPET_CHARS).min(text.len()));
    start..end
}

/// The largest char boundary at or before `at`.
fn floor_char(text: &str, mut at: usize) -> usize {
    while at > 0 && !text.is_char_boundary(at) {
        at -= 1;
    }
    at
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
    fn focus_finds_the_densest_spot_on_a_word_boundary() {
        let filler = "lorem ipsum dolor sit amet ".repeat(40);
        let text =
            format!("{filler} privileged once {filler} privileged pods with hostpid {filler}");
        let stems = vec![
            "privileg".to_owned(),
            "pod".to_owned(),
            "hostpid".to_owned(),
        ];
        let window = focus(&text, &stems);
        let part = &text[window.clone()];
        assert!(part.contains("privileged pods with hostpid"), "{part}");
        assert!(!part.contains("privileged once"));
        assert!(window.start == 0 || text[..window.start].ends_with(' '));
        assert_eq!(focus("short text", &stems), 0..10);
        assert_eq!(
            focus(&filler, &stems),
            0..filler.len(),
            "no stem: the whole text"
        );
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
}
