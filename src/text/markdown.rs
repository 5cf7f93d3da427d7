//! Markdown (pulldown-cmark) rendered to styled, wrapped [`Line`]s for a terminal.
//!
//! Headings, emphasis, lists (nested, numbered), code blocks, block quotes, tables and
//! links (shown with their URL) are supported; all text passes through the sanitizer.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use super::sanitize::sanitize;
use super::wrap::{width as text_width, wrap_spans};
use super::{Line, Span, Style};

/// Renders `markdown` to lines at most `width` cells wide (code blocks are not wrapped).
pub fn render_markdown(markdown: &str, width: usize) -> Vec<Line> {
    let mut r = Renderer {
        width: width.max(20),
        ..Renderer::default()
    };
    // Sanitize the whole source first: the parser may split an escape sequence across
    // text events, and per-event cleaning would then leave its tail behind.
    let markdown = super::sanitize::sanitize_with(markdown, true);
    let parser = Parser::new_ext(
        &markdown,
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
    );
    for event in parser {
        r.event(event);
    }
    r.flush();
    while r.out.last().is_some_and(|l| l.spans.is_empty()) {
        r.out.pop();
    }
    r.out
}

/// Block quotes and lists deeper than this are drawn at this depth.
const MAX_DRAWN_DEPTH: usize = 8;

#[derive(Default)]

struct Renderer {
    width: usize,
    out: Vec<Line>,
    inline: Vec<Span>,
    style: Style,
    /// Open lists: `Some(n)` numbered from n, `None` bullets.
    lists: Vec<Option<u64>>,
    /// Prefix for the first line of the pending item, set at `Item` start.
    item_marker: Option<String>,
    quote_depth: usize,
    code: Option<Vec<String>>,
    link_urls: Vec<String>,
    table: Option<Table>,
}

#[derive(Default)]
struct Table {
    rows: Vec<Vec<String>>,
    header_rows: usize,
    cell: String,
    row: Vec<String>,
}

impl Renderer {
    fn event(&mut self, event: Event<'_>) {
        if let Some(table) = &mut self.table {
            match &event {
                Event::Text(t) | Event::Code(t) => {
                    table.cell.push_str(&sanitize(t));
                    return;
                }
                Event::End(TagEnd::TableCell) => {
                    let cell = std::mem::take(&mut table.cell);
                    table.row.push(cell);
                    return;
                }
                Event::End(TagEnd::TableHead) => {
                    let row = std::mem::take(&mut table.row);
                    table.rows.push(row);
                    table.header_rows = table.rows.len();
                    return;
                }
                Event::End(TagEnd::TableRow) => {
                    let row = std::mem::take(&mut table.row);
                    table.rows.push(row);
                    return;
                }
                Event::End(TagEnd::Table) => {}
                _ => return,
            }
        }
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(text) => {
                if let Some(code) = &mut self.code {
                    for line in text.lines() {
                        code.push(sanitize(line).into_owned());
                    }
                } else {
                    self.inline.push(Span::new(sanitize(&text), self.style));
                }
            }
            Event::Code(text) => {
                let style = Style {
                    code: true,
                    ..self.style
                };
                self.inline.push(Span::new(sanitize(&text), style));
            }
            Event::SoftBreak => self.inline.push(Span::new(" ", self.style)),
            Event::HardBreak => self.flush(),
            Event::Rule => {
                self.flush();
                let dim = Style {
                    dim: true,
                    ..Style::default()
                };
                self.out.push(Line {
                    spans: vec![Span::new("─".repeat(self.width.min(60)), dim)],
                });
                self.blank();
            }
            Event::Html(html) | Event::InlineHtml(html) => {
                self.inline.push(Span::new(sanitize(&html), self.style));
            }
            _ => {}
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Heading { level, .. } => {
                self.flush();
                self.style.heading = level as u8;
                self.style.bold = true;
            }
            Tag::BlockQuote(_) => {
                self.flush();
                self.quote_depth += 1;
            }
            Tag::CodeBlock(_) => {
                self.flush();
                self.code = Some(Vec::new());
            }
            Tag::List(start) => {
                self.flush();
                self.lists.push(start);
            }
            Tag::Item => {
                self.flush();
                let depth = self.lists.len();
                let marker = match self.lists.last_mut() {
                    Some(Some(n)) => {
                        let m = format!("{n}. ");
                        *n += 1;
                        m
                    }
                    _ => if depth % 2 == 1 { "• " } else { "◦ " }.to_owned(),
                };
                self.item_marker = Some(marker);
            }
            Tag::Emphasis => self.style.italic = true,
            Tag::Strong => self.style.bold = true,
            Tag::Link { dest_url, .. } => {
                self.style.link = true;
                self.link_urls.push(dest_url.into_string());
            }
            Tag::Table(_) => {
                self.flush();
                self.table = Some(Table::default());
            }
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph => {
                self.flush();
                if self.lists.is_empty() {
                    self.blank();
                }
            }
            TagEnd::Heading(_) => {
                self.flush();
                self.style.heading = 0;
                self.style.bold = false;
                self.blank();
            }
            TagEnd::BlockQuote(_) => {
                self.flush();
                self.quote_depth = self.quote_depth.saturating_sub(1);
                self.blank();
            }
            TagEnd::CodeBlock => self.end_code(),
            TagEnd::List(_) => {
                self.flush();
                self.lists.pop();
                if self.lists.is_empty() {
                    self.blank();
                }
            }
            TagEnd::Item => self.flush(),
            TagEnd::Emphasis => self.style.italic = false,
            TagEnd::Strong => self.style.bold = false,
            TagEnd::Link => {
                self.style.link = false;
                if let Some(url) = self.link_urls.pop() {
                    let text: String = self.inline.iter().map(|s| s.text.as_str()).collect();
                    if !text.ends_with(url.as_str()) {
                        let dim = Style {
                            dim: true,
                            ..self.style
                        };
                        self.inline
                            .push(Span::new(format!(" <{}>", sanitize(&url)), dim));
                    }
                }
            }
            TagEnd::Table => self.end_table(),
            _ => {}
        }
    }

    fn prefixes(&mut self) -> (Vec<Span>, Vec<Span>) {
        let dim = Style {
            dim: true,
            ..Style::default()
        };
        // Deep nesting is drawn up to a fixed depth: beyond it a reader gains nothing, and
        // prefixes as wide as the nesting made hostile input quadratic (found by fuzzing).
        let quote = if self.quote_depth > MAX_DRAWN_DEPTH {
            format!("{}┊ ", "│ ".repeat(MAX_DRAWN_DEPTH))
        } else {
            "│ ".repeat(self.quote_depth)
        };
        let indent = "  ".repeat(self.lists.len().saturating_sub(1).min(MAX_DRAWN_DEPTH));
        let mut first = Vec::new();
        let mut rest = Vec::new();
        if !quote.is_empty() {
            first.push(Span::new(quote.clone(), dim));
            rest.push(Span::new(quote, dim));
        }
        if !self.lists.is_empty() {
            let marker = self.item_marker.take();
            let pad = marker.as_deref().map_or(2, text_width);
            match marker {
                Some(m) => first.push(Span::plain(format!("{indent}{m}"))),
                None => first.push(Span::plain(format!("{indent}{}", " ".repeat(pad)))),
            }
            rest.push(Span::plain(format!("{indent}{}", " ".repeat(pad))));
        }
        (first, rest)
    }

    fn flush(&mut self) {
        if self.inline.is_empty() {
            return;
        }
        let spans = std::mem::take(&mut self.inline);
        let (first, rest) = self.prefixes();
        self.out
            .extend(wrap_spans(&spans, self.width, &first, &rest));
    }

    fn blank(&mut self) {
        if self.out.last().is_some_and(|l| !l.spans.is_empty()) {
            self.out.push(Line::default());
        }
    }

    fn end_code(&mut self) {
        let lines = self.code.take().unwrap_or_default();
        let (_, rest) = self.prefixes();
        let style = Style {
            code: true,
            ..Style::default()
        };
        for line in lines {
            let mut spans = rest.clone();
            spans.push(Span::plain("  "));
            spans.push(Span::new(line, style));
            self.out.push(Line { spans });
        }
        if self.lists.is_empty() {
            self.blank();
        }
    }

    fn end_table(&mut self) {
        let Some(table) = self.table.take() else {
            return;
        };
        let cols = table.rows.iter().map(Vec::len).max().unwrap_or(0);
        let mut widths = vec![0; cols];
        for row in &table.rows {
            for (i, cell) in row.iter().enumerate() {
                widths[i] = widths[i].max(text_width(cell));
            }
        }
        let bold = Style {
            bold: true,
            ..Style::default()
        };
        for (r, row) in table.rows.iter().enumerate() {
            let mut text = String::new();
            for (i, w) in widths.iter().enumerate() {
                let cell = row.get(i).map_or("", String::as_str);
                if i > 0 {
                    text.push_str(" │ ");
                }
                text.push_str(cell);
                text.push_str(&" ".repeat(w.saturating_sub(text_width(cell))));
            }
            let style = if r < table.header_rows {
                bold
            } else {
                Style::default()
            };
            self.out.push(Line {
                spans: vec![Span::new(text.trim_end().to_owned(), style)],
            });
            if r + 1 == table.header_rows {
                let rule: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
                self.out.push(Line {
                    spans: vec![Span::plain(rule.join("─┼─"))],
                });
            }
        }
        self.blank();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(md: &str, width: usize) -> Vec<String> {
        render_markdown(md, width)
            .iter()
            .map(Line::plain_text)
            .collect()
    }

    #[test]
    fn renders_blocks() {
        let md = "# Title\n\nSome *text* with `code` and a [link](https://k8s.io).\n\n- one\n- two\n  1. nested\n\n> quoted\n\n```\nkubectl get pods\n```\n";
        let lines = plain(md, 80);
        assert_eq!(
            lines,
            [
                "Title",
                "",
                "Some text with code and a link <https://k8s.io>.",
                "",
                "• one",
                "• two",
                "  1. nested",
                "",
                "│ quoted",
                "",
                "  kubectl get pods",
            ]
        );
    }

    #[test]
    fn renders_tables_and_sanitizes() {
        let md = "| a | bb |\n|---|----|\n| x\u{1b}[31m | y |\n";
        assert_eq!(plain(md, 80), ["a │ bb", "──┼───", "x │ y"]);
    }

    #[test]
    fn styles_emphasis() {
        let lines = render_markdown("**bold** _it_", 80);
        assert!(lines[0].spans[0].style.bold);
        assert!(lines[0].spans.iter().any(|s| s.style.italic));
    }
}
