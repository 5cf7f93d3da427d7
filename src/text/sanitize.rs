//! The one sanitizer every untrusted string passes through before it reaches a terminal.
//!
//! Text from YAML files, clusters and audit logs may carry escape sequences that move the
//! cursor, rewrite the title, or hide text; bidi overrides can reorder what a reader sees.
//! We drop whole escape sequences (CSI, OSC, DCS, ...) and every other control character.

use std::borrow::Cow;

/// Returns `s` without terminal control sequences, control characters or bidi controls.
/// Newlines are kept when `keep_newlines` is true, tabs become a space.
pub fn sanitize_with(s: &str, keep_newlines: bool) -> Cow<'_, str> {
    if !s.chars().any(|c| needs_work(c, keep_newlines)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape(&mut chars),
            // C1 CSI / OSC / DCS / SOS / PM / APC introduce sequences too.
            '\u{9b}' => skip_csi(&mut chars),
            '\u{9d}' | '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            '\n' if keep_newlines => out.push('\n'),
            '\t' => out.push(' '),
            c if is_dropped(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Sanitizes a string for one line of display: newlines become spaces.
pub fn sanitize(s: &str) -> Cow<'_, str> {
    sanitize_with(s, false)
}

fn needs_work(c: char, keep_newlines: bool) -> bool {
    (c == '\n' && !keep_newlines) || c == '\t' || c == '\u{1b}' || is_dropped(c)
}

fn is_dropped(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200e}' | '\u{200f}'          // LRM, RLM
            | '\u{202a}'..='\u{202e}'        // LRE, RLE, PDF, LRO, RLO
            | '\u{2066}'..='\u{2069}'        // LRI, RLI, FSI, PDI
            | '\u{061c}'                     // Arabic letter mark
            | '\u{feff}'                     // zero-width no-break space / BOM
        )
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

fn skip_escape(chars: &mut Chars<'_>) {
    match chars.peek().copied() {
        Some('[') => {
            chars.next();
            skip_csi(chars);
        }
        Some(']' | 'P' | 'X' | '^' | '_') => {
            chars.next();
            skip_string(chars);
        }
        // Two-character sequences such as ESC c, ESC 7; intermediates (ESC ( B) take one more.
        Some(c) if ('\u{20}'..='\u{2f}').contains(&c) => {
            chars.next();
            chars.next();
        }
        Some(c) if !c.is_control() => {
            chars.next();
        }
        _ => {}
    }
}

/// CSI: parameters and intermediates, ended by a final byte in `@`..=`~`.
fn skip_csi(chars: &mut Chars<'_>) {
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            return;
        }
        if !('\u{20}'..='\u{3f}').contains(&c) {
            return;
        }
    }
}

/// OSC/DCS/...: ended by BEL, ST (ESC \) or C1 ST.
fn skip_string(chars: &mut Chars<'_>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => return,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                return;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_sequences_and_controls() {
        assert_eq!(sanitize("plain"), "plain");
        assert_eq!(sanitize("a\u{1b}[31mred\u{1b}[0m"), "ared");
        assert_eq!(sanitize("\u{1b}]0;pwned\u{7}title"), "title");
        assert_eq!(
            sanitize("\u{1b}]8;;http://x\u{1b}\\link\u{1b}]8;;\u{1b}\\"),
            "link"
        );
        assert_eq!(sanitize("bell\u{7}back\u{8}\u{8}"), "bellback");
        assert_eq!(sanitize("abc\u{202e}fed"), "abcfed");
        assert_eq!(sanitize("a\nb\tc"), "ab c");
        assert_eq!(sanitize_with("a\nb", true), "a\nb");
        assert_eq!(sanitize("\u{9b}2Jx"), "x");
        assert_eq!(sanitize("\u{1b}(Bok"), "ok");
    }
}
