//! The analyzer as tantivy tokenizers, for use with or without the rest of zhsearch.
//!
//! ```
//! use tantivy::tokenizer::{TextAnalyzer, TokenStream};
//! use zhsearch::analysis::Analyzer;
//!
//! let analyzer = Analyzer::new()?;
//! let mut words = TextAnalyzer::from(analyzer.word_tokenizer());
//! let mut stream = words.token_stream("打赢脱贫攻坚战");
//! let mut seen = Vec::new();
//! while let Some(t) = stream.next() {
//!     seen.push((t.text.clone(), t.position));
//! }
//! assert!(seen.contains(&("攻坚战".to_string(), 4)));
//! # Ok::<(), zhsearch::Error>(())
//! ```

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use super::{Analyzer, Mode};

/// Keeps the tokens of the last text, reusing their string buffers, since
/// tantivy asks for one stream per field value and allocating a fresh
/// `String` per token is a measurable part of indexing.
#[derive(Clone, Default)]
struct Buffer {
    tokens: Vec<Token>,
    len: usize,
}

impl Buffer {
    fn clear(&mut self) {
        self.len = 0;
    }

    fn push(&mut self, text: &str, from: usize, to: usize, position: usize) {
        if self.len == self.tokens.len() {
            self.tokens.push(Token::default());
        }
        let token = &mut self.tokens[self.len];
        token.text.clear();
        token.text.push_str(text);
        token.offset_from = from;
        token.offset_to = to;
        token.position = position;
        token.position_length = 1;
        self.len += 1;
    }

    fn stream(&mut self) -> BufferStream<'_> {
        BufferStream { tokens: &mut self.tokens[..self.len], next: 0 }
    }
}

struct BufferStream<'a> {
    tokens: &'a mut [Token],
    next: usize,
}

impl BufferStream<'_> {
    fn advance(&mut self) -> bool {
        if self.next < self.tokens.len() {
            self.next += 1;
            true
        } else {
            false
        }
    }

    fn current(&mut self) -> &mut Token {
        // tantivy calls token() only after advance() returned true; before
        // that, answer with the first slot rather than panic.
        let i = self.next.saturating_sub(1).min(self.tokens.len().saturating_sub(1));
        &mut self.tokens[i]
    }
}

/// Word tokens, as a tantivy [`Tokenizer`]. Made by
/// [`Analyzer::word_tokenizer`] (documents) or [`Analyzer::query_tokenizer`].
#[derive(Clone)]
pub struct WordTokenizer {
    analyzer: Analyzer,
    mode: Mode,
    /// Whether every word comes out, or only those zhsearch's own index
    /// looks up in its word fields (see [`WordTokenizer::for_index`]).
    all_words: bool,
    /// Whether the prepared text goes on to the character tokenizer that
    /// follows (zhsearch's own index; see `Analyzer::for_each_word_handing_over`).
    hand_over: bool,
    buffer: Buffer,
    empty: Token,
}

impl WordTokenizer {
    pub(crate) fn new(analyzer: Analyzer, mode: Mode) -> Self {
        WordTokenizer {
            analyzer,
            mode,
            all_words: true,
            hand_over: false,
            buffer: Buffer::default(),
            empty: Token::default(),
        }
    }

    /// The word tokenizer of zhsearch's own index: leaves out the words
    /// that are exactly one character bigram, which its character field
    /// already holds, and the words jieba guessed, which its queries never
    /// look up as words (see `crate::index::schema`); and hands each
    /// prepared text on to the character tokenizer that comes next.
    pub(crate) fn for_index(mut self) -> Self {
        self.all_words = false;
        self.hand_over = true;
        self
    }
}

/// The token stream of a [`WordTokenizer`].
pub struct WordTokenStream<'a> {
    inner: BufferStream<'a>,
    empty: &'a mut Token,
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordTokenStream<'a> {
        let buffer = &mut self.buffer;
        buffer.clear();
        let all_words = self.all_words;
        let analyzer = &self.analyzer;
        let emit = |t: &str, a, b, p| {
            if all_words || !(analyzer.is_char_bigram(t) || analyzer.is_guess(t)) {
                buffer.push(t, a, b, p)
            }
        };
        if self.hand_over {
            analyzer.for_each_word_handing_over(text, self.mode, emit);
        } else {
            analyzer.for_each_word(text, self.mode, emit);
        }
        WordTokenStream { inner: buffer.stream(), empty: &mut self.empty }
    }
}

impl TokenStream for WordTokenStream<'_> {
    fn advance(&mut self) -> bool {
        self.inner.advance()
    }

    fn token(&self) -> &Token {
        if self.inner.tokens.is_empty() {
            return self.empty;
        }
        let i = self.inner.next.saturating_sub(1);
        &self.inner.tokens[i]
    }

    fn token_mut(&mut self) -> &mut Token {
        if self.inner.tokens.is_empty() {
            return self.empty;
        }
        self.inner.current()
    }
}

/// Character-level tokens, as a tantivy [`Tokenizer`]. Made by
/// [`Analyzer::char_tokenizer`].
#[derive(Clone)]
pub struct CharTokenizer {
    analyzer: Analyzer,
    /// Whether to take the prepared text from the word tokenizer that ran
    /// just before (see [`WordTokenizer::for_index`]).
    take_over: bool,
    buffer: Buffer,
    empty: Token,
}

impl CharTokenizer {
    pub(crate) fn new(analyzer: Analyzer) -> Self {
        CharTokenizer { analyzer, take_over: false, buffer: Buffer::default(), empty: Token::default() }
    }

    /// The character tokenizer of zhsearch's own index, which follows the
    /// index word tokenizer on the same text.
    pub(crate) fn for_index(mut self) -> Self {
        self.take_over = true;
        self
    }
}

/// The token stream of a [`CharTokenizer`].
pub struct CharTokenStream<'a> {
    inner: BufferStream<'a>,
    empty: &'a mut Token,
}

impl Tokenizer for CharTokenizer {
    type TokenStream<'a> = CharTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> CharTokenStream<'a> {
        let buffer = &mut self.buffer;
        buffer.clear();
        let emit = |t: &str, a, b, p| buffer.push(t, a, b, p);
        if self.take_over {
            self.analyzer.for_each_char_token_handed_over(text, emit);
        } else {
            self.analyzer.for_each_char_token(text, emit);
        }
        CharTokenStream { inner: buffer.stream(), empty: &mut self.empty }
    }
}

impl TokenStream for CharTokenStream<'_> {
    fn advance(&mut self) -> bool {
        self.inner.advance()
    }

    fn token(&self) -> &Token {
        if self.inner.tokens.is_empty() {
            return self.empty;
        }
        let i = self.inner.next.saturating_sub(1);
        &self.inner.tokens[i]
    }

    fn token_mut(&mut self) -> &mut Token {
        if self.inner.tokens.is_empty() {
            return self.empty;
        }
        self.inner.current()
    }
}

#[cfg(test)]
mod tests {
    use tantivy::tokenizer::{TokenStream, Tokenizer};

    use crate::analysis::Analyzer;

    fn texts<T: Tokenizer>(tokenizer: &mut T, text: &str) -> String {
        let mut stream = tokenizer.token_stream(text);
        let mut out = String::new();
        while stream.advance() {
            out.push_str(&stream.token().text);
            out.push('|');
        }
        out
    }

    /// The index's character tokenizer takes the text its word tokenizer
    /// prepared, and only when it is the same text prepared the same way.
    #[test]
    fn the_index_tokenizers_hand_over_only_the_same_text_prepared_alike() {
        let converting = Analyzer::new().expect("analyzer");
        let plain = Analyzer::builder().convert(false).build().expect("analyzer");
        let mut words = converting.index_word_tokenizer();
        let mut chars = converting.index_char_tokenizer();
        let mut plain_chars = plain.index_char_tokenizer();

        let prepared = || crate::analysis::PREPARED.with(|n| n.get());
        let before = prepared();
        texts(&mut words, "貧困縣");
        assert_eq!(texts(&mut chars, "貧困縣"), "贫困|困|县|");
        assert_eq!(prepared() - before, 1, "prepared once for both fields");
        // Another text.
        texts(&mut words, "貧困縣");
        assert_eq!(texts(&mut chars, "脱贫，攻坚"), "脱贫|贫| |攻坚|坚|");
        // The same text, not converted.
        texts(&mut words, "貧困縣");
        assert!(!texts(&mut plain_chars, "貧困縣").contains(['贫', '县']));
        // Taken once: a second pass prepares the text itself.
        let before = prepared();
        assert_eq!(texts(&mut chars, "貧困縣"), "贫困|困|县|");
        assert_eq!(prepared() - before, 1);
    }

    /// zhsearch's index leaves out the words jieba guessed (杭研, 鸣翠柳),
    /// since its queries look guesses up as substrings only, and the
    /// dictionary bigrams, which its character fields hold. Words without
    /// Han are never guesses: numbers such as `1.95` and `v2.0` stay
    /// whole, as queries look them up. The public tokenizer keeps every
    /// word, for indexes whose queries use them.
    #[test]
    fn the_index_word_tokenizer_leaves_out_guesses_and_bigrams() {
        let analyzer = Analyzer::new().expect("analyzer");
        for (text, public, index) in [
            ("网易杭研大厦", "网易|杭研|大厦|", ""),
            ("黄鹂鸣翠柳", "黄鹂|鸣翠柳|", ""),
            ("增长了1.95倍", "增长|了|1.95|倍|", "了|1.95|倍|"),
            ("v2.0版本", "v2|v2.0|版本|", "v2|v2.0|"),
            ("脱贫攻坚战", "脱贫|攻坚|攻坚战|", "攻坚战|"),
        ] {
            assert_eq!(texts(&mut analyzer.word_tokenizer(), text), public, "{text}");
            assert_eq!(texts(&mut analyzer.index_word_tokenizer(), text), index, "{text}");
        }
    }
}
