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
    /// What a stream without tokens answers when asked for its token.
    empty: Token,
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

    fn stream(&mut self) -> BufferedTokenStream<'_> {
        // A filter may have written into the empty token of the last text.
        self.empty = Token::default();
        BufferedTokenStream { tokens: &mut self.tokens[..self.len], next: 0, empty: &mut self.empty }
    }
}

/// The token stream of the crate's tokenizers: the tokens of one text, in
/// order ([`WordTokenStream`] and [`CharTokenStream`] are this type).
pub struct BufferedTokenStream<'a> {
    tokens: &'a mut [Token],
    next: usize,
    empty: &'a mut Token,
}

/// The token stream of a [`WordTokenizer`].
pub type WordTokenStream<'a> = BufferedTokenStream<'a>;

/// The token stream of a [`CharTokenizer`].
pub type CharTokenStream<'a> = BufferedTokenStream<'a>;

impl TokenStream for BufferedTokenStream<'_> {
    fn advance(&mut self) -> bool {
        if self.next < self.tokens.len() {
            self.next += 1;
            true
        } else {
            false
        }
    }

    // tantivy asks for the token only after `advance` returned true; before
    // that, the answer is the first token (or the empty one), not a panic.
    fn token(&self) -> &Token {
        match self.tokens.get(self.next.saturating_sub(1)) {
            Some(token) => token,
            None => self.empty,
        }
    }

    fn token_mut(&mut self) -> &mut Token {
        match self.tokens.get_mut(self.next.saturating_sub(1)) {
            Some(token) => token,
            None => self.empty,
        }
    }
}

/// Word tokens, as a tantivy [`Tokenizer`]. Made by
/// [`Analyzer::word_tokenizer`] (documents) or [`Analyzer::query_tokenizer`].
#[derive(Clone)]
pub struct WordTokenizer {
    analyzer: Analyzer,
    mode: Mode,
    buffer: Buffer,
}

impl WordTokenizer {
    pub(crate) fn new(analyzer: Analyzer, mode: Mode) -> Self {
        WordTokenizer { analyzer, mode, buffer: Buffer::default() }
    }
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordTokenStream<'a> {
        let buffer = &mut self.buffer;
        buffer.clear();
        self.analyzer.for_each_word(text, self.mode, |t, a, b, p| buffer.push(t, a, b, p));
        buffer.stream()
    }
}

/// Character-level tokens, as a tantivy [`Tokenizer`]. Made by
/// [`Analyzer::char_tokenizer`].
#[derive(Clone)]
pub struct CharTokenizer {
    analyzer: Analyzer,
    buffer: Buffer,
}

impl CharTokenizer {
    pub(crate) fn new(analyzer: Analyzer) -> Self {
        CharTokenizer { analyzer, buffer: Buffer::default() }
    }
}

impl Tokenizer for CharTokenizer {
    type TokenStream<'a> = CharTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> CharTokenStream<'a> {
        let buffer = &mut self.buffer;
        buffer.clear();
        self.analyzer.for_each_char_token(text, |t, a, b, p| buffer.push(t, a, b, p));
        buffer.stream()
    }
}

/// Token streams analyzed beforehand, each kept as ids into a table of
/// token texts, replayed by [`ReplayTokenizer`]: the text it is given is a
/// stream's number (see [`ReplayTokenizer`]).
#[derive(Debug, Default)]
pub(crate) struct TokenStreams {
    /// The token texts, by id.
    pub texts: Vec<String>,
    /// Each stream: its tokens as (text id, position, offset from, offset to).
    pub streams: Vec<Vec<[u32; 4]>>,
}

/// A tantivy tokenizer that replays [`TokenStreams`]: given the decimal
/// number of a stream as its text, it gives that stream's tokens (none
/// for a text that names no stream).
///
/// It lets the analysis of many texts run before indexing, on several
/// threads, and keep only some tokens, with no string allocated per token
/// (see [`SearchIndex::in_memory_keeping`](crate::index::SearchIndex)).
#[derive(Clone)]
pub(crate) struct ReplayTokenizer {
    streams: std::sync::Arc<TokenStreams>,
    buffer: Buffer,
}

impl ReplayTokenizer {
    pub(crate) fn new(streams: std::sync::Arc<TokenStreams>) -> Self {
        ReplayTokenizer { streams, buffer: Buffer::default() }
    }
}

impl Tokenizer for ReplayTokenizer {
    type TokenStream<'a> = CharTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> CharTokenStream<'a> {
        let buffer = &mut self.buffer;
        buffer.clear();
        let stream = text.parse::<usize>().ok().and_then(|n| self.streams.streams.get(n));
        for &[id, position, from, to] in stream.into_iter().flatten() {
            if let Some(text) = self.streams.texts.get(id as usize) {
                buffer.push(text, from as usize, to as usize, position as usize);
            }
        }
        buffer.stream()
    }
}
