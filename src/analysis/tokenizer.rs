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
    buffer: Buffer,
    empty: Token,
}

impl WordTokenizer {
    pub(crate) fn new(analyzer: Analyzer, mode: Mode) -> Self {
        WordTokenizer { analyzer, mode, buffer: Buffer::default(), empty: Token::default() }
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
        self.analyzer.for_each_word(text, self.mode, |t, a, b, p| buffer.push(t, a, b, p));
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
    buffer: Buffer,
    empty: Token,
}

impl CharTokenizer {
    pub(crate) fn new(analyzer: Analyzer) -> Self {
        CharTokenizer { analyzer, buffer: Buffer::default(), empty: Token::default() }
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
        self.analyzer.for_each_char_token(text, |t, a, b, p| buffer.push(t, a, b, p));
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
