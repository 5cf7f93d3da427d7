//! `ktm search QUERY`: the best matching entities as a table with highlighted snippets, or
//! as JSON (`[{"id","kind","name","score","snippet"}]`).

use std::io::Write;

use anyhow::{Result, bail};
use serde::Serialize;

use crate::matrix;
use crate::search::{self, Fingerprint, Hit, SearchIndex, SearchOptions};
use crate::text::wrap::width;
use crate::text::{Line, Span, Style, sanitize};

use super::args::TableFormat;
use super::context::Context;
use super::output;

/// What `ktm search` was asked.
#[derive(Debug)]
pub struct Request<'a> {
    pub query: &'a str,
    pub kind: Option<&'a str>,
    pub tactic: Option<&'a str>,
    pub limit: usize,
    pub format: TableFormat,
    pub no_cache: bool,
}

#[derive(Serialize)]
struct Row<'a> {
    id: &'a str,
    kind: &'a str,
    name: &'a str,
    score: f32,
    snippet: &'a str,
}

/// Prints the hits; returns `false` when there are none.
pub fn run(out: &mut dyn Write, ctx: &Context, request: &Request) -> Result<bool> {
    let index = open_index(ctx, request.no_cache)?;
    let mut options = SearchOptions {
        limit: request.limit,
        ..SearchOptions::default()
    };
    if let Some(kind) = request.kind {
        options.kinds = index.matching_kinds(kind);
        if options.kinds.is_empty() {
            bail!("no kind `{kind}`; known: {}", index.kinds().join(", "));
        }
    }
    if let Some(tactic) = request.tactic {
        options.tactics = index.matching_tactics(tactic);
        if options.tactics.is_empty() {
            bail!(
                "no tactic `{tactic}`; known: {}",
                index.tactics().join(", ")
            );
        }
    }
    let hits = index.search(request.query, &options)?;
    match request.format {
        TableFormat::Json => {
            let rows: Vec<Row> = hits
                .iter()
                .map(|h| Row {
                    id: &h.id,
                    kind: &h.kind,
                    name: &h.name,
                    score: h.score,
                    snippet: &h.snippet.text,
                })
                .collect();
            output::json(out, &rows)?;
        }
        TableFormat::Table if !hits.is_empty() => table(out, ctx, &hits)?,
        TableFormat::Table => {}
    }
    if hits.is_empty() {
        eprintln!(
            "no matches for `{}`; try fewer words or `ktm list techniques`",
            sanitize(request.query)
        );
    }
    Ok(!hits.is_empty())
}

/// The index for the matrix in use: from the cache when its files are unchanged, else
/// built (loading the matrix) and cached for next time.
pub(crate) fn open_index(ctx: &Context, no_cache: bool) -> Result<SearchIndex> {
    let files = matrix::source_files(&ctx.source, &ctx.overlays)?;
    let key = Fingerprint::of(
        files
            .iter()
            .map(|f| (f.display.as_str(), f.bytes.as_slice())),
    );
    let cache = if no_cache {
        None
    } else {
        ctx.cache_dir.as_deref()
    };
    let (index, _) = search::open_or_build(cache, key, || -> Result<_> {
        let loaded = ctx.load()?;
        Ok(search::documents(&loaded.matrix))
    })?;
    Ok(index)
}

fn table(out: &mut dyn Write, ctx: &Context, hits: &[Hit]) -> Result<()> {
    let header = ["ID", "KIND", "NAME", "SNIPPET"];
    let lead: usize = (0..3)
        .map(|i| {
            let cell = |h: &Hit| match i {
                0 => width(&sanitize(&h.id)),
                1 => width(&sanitize(&h.kind)),
                _ => width(&sanitize(&h.name)),
            };
            hits.iter()
                .map(cell)
                .max()
                .unwrap_or(0)
                .max(width(header[i]))
                + 2
        })
        .sum();
    // On a terminal, one line per hit; in a pipe, the whole snippet.
    let room = ctx
        .stdout_is_terminal
        .then(|| ctx.width(None).saturating_sub(lead).max(20));
    let rows: Vec<(Vec<String>, Line)> = hits
        .iter()
        .map(|h| {
            let line = snippet_line(h);
            let line = match room {
                Some(room) => fit(&line, room),
                None => line,
            };
            (vec![h.id.clone(), h.kind.clone(), h.name.clone()], line)
        })
        .collect();
    output::table_with_lines(out, &header, &rows, ctx.color)?;
    Ok(())
}

/// The snippet as spans, the matched ranges marked.
pub fn snippet_line(hit: &Hit) -> Line {
    let text = &hit.snippet.text;
    let mark = Style {
        mark: true,
        ..Style::default()
    };
    let mut spans = Vec::new();
    let mut at = 0;
    for range in &hit.snippet.highlights {
        let (Some(before), Some(matched)) = (text.get(at..range.start), text.get(range.clone()))
        else {
            continue;
        };
        if !before.is_empty() {
            spans.push(Span::plain(before));
        }
        spans.push(Span::new(matched, mark));
        at = range.end;
    }
    if let Some(rest) = text.get(at..).filter(|r| !r.is_empty()) {
        spans.push(Span::plain(rest));
    }
    Line { spans }
}

/// Cuts a line to `room` display cells, ending it with `…` when something was cut.
fn fit(line: &Line, room: usize) -> Line {
    let total: usize = line.spans.iter().map(|s| width(&s.text)).sum();
    if total <= room {
        return line.clone();
    }
    let mut left = room.saturating_sub(1);
    let mut spans = Vec::new();
    for span in &line.spans {
        if left == 0 {
            break;
        }
        let mut text = String::new();
        for c in span.text.chars() {
            let w = width(c.encode_utf8(&mut [0; 4]));
            if w > left {
                left = 0;
                break;
            }
            left -= w;
            text.push(c);
        }
        if !text.is_empty() {
            spans.push(Span::new(text, span.style));
        }
    }
    spans.push(Span::plain("…"));
    Line { spans }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::{Snippet, SnippetField};

    fn span(start: usize, end: usize) -> std::ops::Range<usize> {
        start..end
    }

    fn hit(text: &str, highlights: Vec<std::ops::Range<usize>>) -> Hit {
        Hit {
            id: "MS-TA9039".into(),
            kind: "technique".into(),
            name: "Resource hijacking".into(),
            score: 1.0,
            snippet: Snippet {
                field: SnippetField::Aliases,
                text: text.into(),
                highlights,
            },
        }
    }

    #[test]
    fn highlights_become_marked_spans() {
        let line = snippet_line(&hit("cryptominer, xmrig, mining pool", vec![span(13, 18)]));
        let marked: Vec<(&str, bool)> = line
            .spans
            .iter()
            .map(|s| (s.text.as_str(), s.style.mark))
            .collect();
        assert_eq!(
            marked,
            [
                ("cryptominer, ", false),
                ("xmrig", true),
                (", mining pool", false)
            ]
        );
    }

    #[test]
    fn ranges_off_char_boundaries_are_skipped() {
        let line = snippet_line(&hit("é xmrig", vec![1..2, 3..8]));
        assert_eq!(line.plain_text(), "é xmrig");
        assert!(line.spans.iter().any(|s| s.style.mark && s.text == "xmrig"));
    }

    #[test]
    fn long_snippets_are_cut_to_the_room_left() {
        let line = snippet_line(&hit("abcdef xmrig ghijkl", vec![span(7, 12)]));
        let cut = fit(&line, 10);
        assert_eq!(cut.plain_text(), "abcdef xm…");
        assert_eq!(width(&cut.plain_text()), 10);
        assert_eq!(fit(&line, 40), line);
    }
}
