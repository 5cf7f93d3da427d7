//! Greedy word wrapping of styled spans to a display width, with line prefixes.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::{Line, Span, Style};

/// Display width of a string in terminal cells.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// Wraps `spans` into lines of at most `width` cells. The first line starts with `first`,
/// the following ones with `rest` (indentation, bullets, quote bars).
pub fn wrap_spans(spans: &[Span], width: usize, first: &[Span], rest: &[Span]) -> Vec<Line> {
    let prefix_width = |p: &[Span]| p.iter().map(|s| self::width(&s.text)).sum::<usize>();
    let mut lines = Vec::new();
    let mut line = Line {
        spans: first.to_vec(),
    };
    let mut used = prefix_width(first);
    let mut avail = width.max(prefix_width(first) + 8);
    let mut at_start = true;
    let mut pending_space: Option<Style> = None;
    for (word, style, space_before) in words(spans) {
        if space_before && !at_start {
            pending_space = Some(style);
        }
        let w = self::width(&word);
        let space = usize::from(pending_space.is_some());
        if !at_start && used + space + w > avail {
            lines.push(std::mem::take(&mut line));
            line.spans = rest.to_vec();
            used = prefix_width(rest);
            avail = width.max(used + 8);
            pending_space = None;
        }
        if let Some(s) = pending_space.take() {
            push(&mut line, " ", s);
            used += 1;
        }
        if used + w > avail {
            // A word longer than the line: break it by characters.
            let mut chunk = String::new();
            for c in word.chars() {
                let cw = c.width().unwrap_or(0);
                if used + cw > avail && !chunk.is_empty() {
                    push(&mut line, &chunk, style);
                    chunk.clear();
                    lines.push(std::mem::take(&mut line));
                    line.spans = rest.to_vec();
                    used = prefix_width(rest);
                }
                chunk.push(c);
                used += cw;
            }
            push(&mut line, &chunk, style);
        } else {
            push(&mut line, &word, style);
            used += w;
        }
        at_start = false;
    }
    if !line.spans.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

fn push(line: &mut Line, text: &str, style: Style) {
    if let Some(last) = line.spans.last_mut()
        && last.style == style
    {
        last.text.push_str(text);
        return;
    }
    line.spans.push(Span::new(text, style));
}

/// Splits spans into words; a word may continue across spans of different styles.
fn words(spans: &[Span]) -> Vec<(String, Style, bool)> {
    let mut out: Vec<(String, Style, bool)> = Vec::new();
    let mut space_before = false;
    let mut glue = false;
    for span in spans {
        for (i, part) in span.text.split(char::is_whitespace).enumerate() {
            if i > 0 {
                space_before = true;
                glue = false;
            }
            if part.is_empty() {
                continue;
            }
            if glue && !space_before {
                // Same word, new style: emit as its own token without a space.
                out.push((part.to_owned(), span.style, false));
            } else {
                out.push((part.to_owned(), span.style, space_before));
            }
            space_before = false;
            glue = true;
        }
        if span.text.ends_with(char::is_whitespace) {
            space_before = true;
            glue = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(lines: &[Line]) -> Vec<String> {
        lines.iter().map(Line::plain_text).collect()
    }

    #[test]
    fn wraps_at_width_with_prefixes() {
        let spans = [Span::plain("one two three four five six")];
        let lines = wrap_spans(&spans, 14, &[Span::plain("- ")], &[Span::plain("  ")]);
        assert_eq!(text(&lines), ["- one two", "  three four", "  five six"]);
    }

    #[test]
    fn keeps_styled_words_glued() {
        let bold = Style {
            bold: true,
            ..Style::default()
        };
        let spans = [
            Span::plain("a "),
            Span::new("bold", bold),
            Span::plain(", c"),
        ];
        let lines = wrap_spans(&spans, 40, &[], &[]);
        assert_eq!(text(&lines), ["a bold, c"]);
    }

    #[test]
    fn breaks_words_longer_than_the_line() {
        let lines = wrap_spans(&[Span::plain("abcdefghijklmnop")], 8, &[], &[]);
        assert_eq!(text(&lines), ["abcdefgh", "ijklmnop"]);
    }
}
