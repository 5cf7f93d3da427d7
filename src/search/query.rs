//! Parses what a responder types into words, quoted phrases and filters. Pure: no index.
//!
//! Grammar, forgiving by design (every input parses):
//!
//! - words separated by white space; the last word, when nothing follows it, is a prefix
//!   (search as you type);
//! - `"a quoted phrase"` must appear as written (after stemming); an unbalanced quote is
//!   dropped and the rest is read as plain words;
//! - `kind:VALUE` and `tactic:VALUE` filter (`tactic:"privilege escalation"` works too);
//!   an empty value (`kind:`) is ignored while the user is still typing; any other `x:y`
//!   or a lone `:` is an ordinary word.

/// One part of a query that matches text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Clause {
    /// A bare word; `prefix` when it is the last thing typed (no space after it).
    Word { text: String, prefix: bool },
    /// A quoted phrase: required, matched without prefix or typo tolerance.
    Phrase(String),
}

/// A parsed query: text clauses and filter values (lower case, spaces as `-`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParsedQuery {
    pub clauses: Vec<Clause>,
    pub kinds: Vec<String>,
    pub tactics: Vec<String>,
}

impl ParsedQuery {
    /// True when the query asks for nothing at all (blank input).
    pub fn is_empty(&self) -> bool {
        self.clauses.is_empty() && self.kinds.is_empty() && self.tactics.is_empty()
    }
}

/// A piece of input before it is classified.
enum Piece {
    Bare(String),
    Quoted { key: Option<String>, text: String },
}

/// Parses a query; never fails.
pub fn parse(input: &str) -> ParsedQuery {
    let mut query = ParsedQuery::default();
    let pieces = split(&drop_unbalanced_quote(input));
    let count = pieces.len();
    let open_end = input.chars().last().is_some_and(|c| !c.is_whitespace());
    for (i, piece) in pieces.into_iter().enumerate() {
        match piece {
            Piece::Bare(word) => match filter(&word) {
                Some((key, value)) => query.add_filter(&key, &value),
                None if is_dangling_filter(&word) => {}
                None => query.clauses.push(Clause::Word {
                    text: word,
                    prefix: open_end && i + 1 == count,
                }),
            },
            Piece::Quoted {
                key: Some(key),
                text,
            } => query.add_filter(&key, &text),
            Piece::Quoted { key: None, text } => {
                if !text.trim().is_empty() {
                    query.clauses.push(Clause::Phrase(text));
                }
            }
        }
    }
    query
}

impl ParsedQuery {
    fn add_filter(&mut self, key: &str, value: &str) {
        let value = normalize(value);
        if value.is_empty() {
            return;
        }
        match key {
            "kind" => self.kinds.push(value),
            _ => self.tactics.push(value),
        }
    }
}

/// Replaces the last `"` by a space when the quotes do not pair up.
fn drop_unbalanced_quote(input: &str) -> String {
    let mut text = input.to_owned();
    if text.matches('"').count() % 2 == 1
        && let Some(at) = text.rfind('"')
    {
        text.replace_range(at..=at, " ");
    }
    text
}

/// Splits balanced input into bare words and quoted runs (a quote right after `kind:` or
/// `tactic:` quotes that filter's value).
fn split(input: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut current = String::new();
    let mut chars = input.chars();
    while let Some(c) = chars.next() {
        if c == '"' {
            let key = filter_key(&current).map(str::to_owned);
            if key.is_none() && !current.is_empty() {
                pieces.push(Piece::Bare(std::mem::take(&mut current)));
            }
            current.clear();
            let text: String = chars.by_ref().take_while(|&c| c != '"').collect();
            pieces.push(Piece::Quoted { key, text });
        } else if c.is_whitespace() {
            if !current.is_empty() {
                pieces.push(Piece::Bare(std::mem::take(&mut current)));
            }
        } else {
            current.push(c);
        }
    }
    if !current.is_empty() {
        pieces.push(Piece::Bare(current));
    }
    pieces
}

/// `kind` or `tactic` when `word` is exactly that key followed by a colon.
fn filter_key(word: &str) -> Option<&'static str> {
    let (key, rest) = word.split_once(':')?;
    if !rest.is_empty() {
        return None;
    }
    ["kind", "tactic"]
        .into_iter()
        .find(|k| k.eq_ignore_ascii_case(key))
}

/// `(key, value)` for `kind:VALUE` or `tactic:VALUE` with a non-empty value.
fn filter(word: &str) -> Option<(String, String)> {
    let (key, value) = word.split_once(':')?;
    let key = ["kind", "tactic"]
        .into_iter()
        .find(|k| k.eq_ignore_ascii_case(key))?;
    (!value.is_empty()).then(|| (key.to_owned(), value.to_owned()))
}

/// `kind:` or `tactic:` alone: a filter still being typed.
fn is_dangling_filter(word: &str) -> bool {
    filter_key(word).is_some()
}

/// A filter value as compared with the index's: lower case, words joined by `-`.
pub(crate) fn normalize(value: &str) -> String {
    value
        .trim()
        .to_lowercase()
        .split(|c: char| c.is_whitespace() || c == '_')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str, prefix: bool) -> Clause {
        Clause::Word {
            text: text.to_owned(),
            prefix,
        }
    }

    #[test]
    fn the_last_word_is_a_prefix_until_a_space_follows() {
        assert_eq!(
            parse("kubelet 1025").clauses,
            [word("kubelet", false), word("1025", true)]
        );
        assert_eq!(
            parse("kubelet 10250 ").clauses,
            [word("kubelet", false), word("10250", false)]
        );
    }

    #[test]
    fn quoted_phrases_and_filters() {
        let q = parse(r#"kind:Mitigation "reverse shell" tactic:"Privilege Escalation" nc"#);
        assert_eq!(q.kinds, ["mitigation"]);
        assert_eq!(q.tactics, ["privilege-escalation"]);
        assert_eq!(
            q.clauses,
            [Clause::Phrase("reverse shell".into()), word("nc", true)]
        );
    }

    #[test]
    fn malformed_input_degrades_to_words() {
        assert_eq!(
            parse(r#""reverse shell"#).clauses,
            [word("reverse", false), word("shell", true)]
        );
        assert_eq!(
            parse("pool : stratum+tcp://x:3333").clauses,
            [
                word("pool", false),
                word(":", false),
                word("stratum+tcp://x:3333", true)
            ]
        );
        let dangling = parse("etcd kind:");
        assert_eq!(dangling.clauses, [word("etcd", false)]);
        assert!(dangling.kinds.is_empty());
        assert_eq!(
            parse(r#"a""b"#).clauses,
            [word("a", false), word("b", true)]
        );
    }

    #[test]
    fn blank_input_is_empty() {
        assert!(parse("").is_empty());
        assert!(parse("   \t").is_empty());
        assert!(parse(r#""""#).is_empty());
        assert!(!parse("kind:tactic").is_empty());
    }
}
