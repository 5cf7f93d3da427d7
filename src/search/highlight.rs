//! The analyzer snippets are cut with: the text analyzer, except that a word is only
//! stemmed when it contains a needle of one of the query's stems (see
//! [`needles`]). Stemming every word of every hit's summary was a third of
//! a one-word query's time; the words without a needle cannot stem to a query term (and,
//! left as they are, cannot equal one), so the highlights are the same.

use std::sync::Arc;

use tantivy::tokenizer::{
    Language, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer,
    Token, TokenFilter, TokenStream, Tokenizer,
};

/// The text analyzer with stemming gated by `needles`.
pub fn analyzer(needles: Vec<String>) -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(super::schema::stop_words())
        .filter(GatedStemmer {
            needles: needles.into(),
        })
        .build()
}

/// What a word must contain, lower-cased, for the English stemmer to have made one of
/// `stems` of it: the stem without its last letter, since the stemmer only rewrites a
/// word's last letter (`polici` from `policy`) or cuts its ending; stems of three letters
/// or fewer keep only their first (`die` from `dying`).
pub fn needles(stems: &[String]) -> Vec<String> {
    stems
        .iter()
        .map(|stem| {
            let count = stem.chars().count();
            let keep = if count > 3 { count - 1 } else { 1 };
            stem.chars().take(keep).collect()
        })
        .collect()
}

#[derive(Clone)]
struct GatedStemmer {
    needles: Arc<[String]>,
}

impl TokenFilter for GatedStemmer {
    type Tokenizer<T: Tokenizer> = GatedStemmerFilter<T>;

    fn transform<T: Tokenizer>(self, inner: T) -> GatedStemmerFilter<T> {
        GatedStemmerFilter {
            needles: self.needles,
            inner,
            one: TextAnalyzer::builder(RawTokenizer::default())
                .filter(Stemmer::new(Language::English))
                .build(),
        }
    }
}

#[derive(Clone)]
pub struct GatedStemmerFilter<T> {
    needles: Arc<[String]>,
    inner: T,
    /// Stems one word.
    one: TextAnalyzer,
}

impl<T: Tokenizer> Tokenizer for GatedStemmerFilter<T> {
    type TokenStream<'a> = GatedStemmerStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        GatedStemmerStream {
            tail: self.inner.token_stream(text),
            needles: &self.needles,
            one: &mut self.one,
        }
    }
}

pub struct GatedStemmerStream<'a, T> {
    tail: T,
    needles: &'a [String],
    one: &'a mut TextAnalyzer,
}

impl<T: TokenStream> TokenStream for GatedStemmerStream<'_, T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        if self.needles.iter().any(|n| token.text.contains(n.as_str())) {
            let stem = {
                let mut stems = self.one.token_stream(&token.text);
                stems.advance().then(|| stems.token().text.clone())
            };
            if let Some(stem) = stem {
                token.text = stem;
            }
        }
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(mut analyzer: TextAnalyzer, text: &str) -> Vec<(String, usize)> {
        let mut out = Vec::new();
        let mut stream = analyzer.token_stream(text);
        while let Some(t) = stream.next() {
            out.push((t.text.clone(), t.offset_from));
        }
        out
    }

    #[test]
    fn words_with_a_needle_are_stemmed_as_the_index_stems_them() {
        let text = "Privileged pods: the policies of dying containers";
        let gated = tokens(analyzer(vec!["privile".into(), "polic".into()]), text);
        let full = tokens(super::super::schema::text_analyzer(), text);
        assert_eq!(gated.len(), full.len());
        for ((g, go), (f, fo)) in gated.iter().zip(&full) {
            assert_eq!(go, fo, "offsets agree");
            if g.contains("privile") || g.contains("polic") {
                assert_eq!(g, f);
            }
        }
        assert_eq!(gated[0].0, "privileg");
        assert_eq!(gated[1].0, "pods", "no needle: left as typed");
    }
}
