//! Styled text for ratatui: rendered markdown lines mapped to ratatui `Line`s, ranges
//! restyled (selected links), and highlighted search snippets. Every string drawn from
//! data passes the sanitizer here or was sanitized by `text::render_markdown`.

use std::ops::Range;

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthChar;

use super::theme::Theme;
use crate::text::{self, sanitize};

/// One rendered markdown line as a ratatui line (the text was sanitized when rendered;
/// sanitizing again is cheap and keeps the invariant local).
pub fn to_line(line: &text::Line, theme: Theme) -> Line<'static> {
    Line::from(
        line.spans
            .iter()
            .map(|s| Span::styled(sanitize(&s.text).into_owned(), theme.text(s.style)))
            .collect::<Vec<_>>(),
    )
}

/// Patches `style` onto the display columns `cols` of `line`, splitting spans as needed.
pub fn restyle(line: &mut Line<'static>, cols: Range<usize>, style: Style) {
    let mut out: Vec<Span<'static>> = Vec::with_capacity(line.spans.len() + 2);
    let mut col = 0;
    for span in line.spans.drain(..) {
        let mut parts: [(String, bool); 3] = Default::default();
        for c in span.content.chars() {
            let w = c.width().unwrap_or(0);
            let part = if col < cols.start {
                0
            } else if col < cols.end {
                1
            } else {
                2
            };
            parts[part].0.push(c);
            parts[part].1 = true;
            col += w;
        }
        for (i, (text, used)) in parts.into_iter().enumerate() {
            if used {
                let s = if i == 1 {
                    span.style.patch(style)
                } else {
                    span.style
                };
                out.push(Span::styled(text, s));
            }
        }
    }
    line.spans = out;
}

/// `text` as spans with the byte ranges `marks` in `mark` style, each piece sanitized.
/// Ranges that are out of bounds or not on character boundaries are ignored.
pub fn highlighted(
    text: &str,
    marks: &[Range<usize>],
    base: Style,
    mark: Style,
) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    let mut at = 0;
    for r in marks {
        if r.start < at
            || r.end > text.len()
            || r.start >= r.end
            || !text.is_char_boundary(r.start)
            || !text.is_char_boundary(r.end)
        {
            continue;
        }
        if r.start > at {
            spans.push(Span::styled(
                sanitize(&text[at..r.start]).into_owned(),
                base,
            ));
        }
        spans.push(Span::styled(
            sanitize(&text[r.clone()]).into_owned(),
            base.patch(mark),
        ));
        at = r.end;
    }
    if at < text.len() {
        spans.push(Span::styled(sanitize(&text[at..]).into_owned(), base));
    }
    spans
}

/// Shortens `s` to at most `width` display cells, ending in `…` when cut.
pub fn ellipsize(s: &str, width: usize) -> String {
    if text::wrap::width(s) <= width {
        return s.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    if width > 0 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::Modifier;

    #[test]
    fn restyles_a_column_range_across_spans() {
        let mut line = Line::from(vec![Span::raw("ab"), Span::raw("cdé")]);
        let rev = Style::new().add_modifier(Modifier::REVERSED);
        restyle(&mut line, 1..4, rev);
        let parts: Vec<(&str, bool)> = line
            .spans
            .iter()
            .map(|s| (s.content.as_ref(), s.style == rev))
            .collect();
        assert_eq!(
            parts,
            [("a", false), ("b", true), ("cd", true), ("é", false)]
        );
    }

    #[test]
    fn highlights_and_sanitizes() {
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let spans = highlighted("a\u{1b}[2Jpriv z", &[5..9, 40..50], Style::new(), bold);
        let text: Vec<&str> = spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(text, ["a", "priv", " z"]);
        assert_eq!(spans[1].style, bold);
    }

    #[test]
    fn ellipsizes_by_display_width() {
        assert_eq!(ellipsize("Privileged container", 12), "Privileged…");
        assert_eq!(ellipsize("short", 12), "short");
        assert_eq!(ellipsize("Using cloud credentials", 16), "Using cloud cre…");
    }
}
