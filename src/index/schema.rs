//! The tantivy schema: which fields an article becomes, and why.
//!
//! | field | what | options |
//! |---|---|---|
//! | `id` | the article id | exact string: upserts delete by it, `get` finds by it |
//! | `title`, `body` | word tokens ([`Analyzer::word_tokenizer`]) but bigram words | frequencies, not stored |
//! | `title_chars`, `body_chars` | character tokens ([`Analyzer::char_tokenizer`]): dictionary bigrams, single characters, separator runs | frequencies and positions, not stored |
//! | `title_key` | the folded title without separators | exact string: a query equal to the title ranks that article first |
//! | `source`, `author` | publisher and author | exact strings, fast (facets, filters) |
//! | `published_at` | publication time | indexed, fast date (ranges, sorting, month facets) |
//! | `article` | the whole article as JSON | stored only |
//!
//! Positions live in the character fields only. Every query that needs
//! them (a quoted text, a single character, a word jieba can only guess
//! at, the bonus for words standing together) is answered there, exactly,
//! whatever jieba made of the context; a phrase of overlapping search-mode
//! words could only be less exact. Word positions would be a fifth of the
//! index for nothing. The word tokenizer still gives positions (see
//! [`crate::analysis`]) to anyone who indexes with it directly.
//!
//! A two-character dictionary word (`经济`, most Chinese words;
//! [`Analyzer::is_char_bigram`]) is the very token the character field has
//! at its place, so the word fields leave it out and queries look it up in
//! the character fields: the character fields hold it anyway, and indexing
//! it twice cost about a fifth of the tokens tantivy has to index. Longer
//! words, single characters, and Latin words and numbers stay in the word
//! fields. Words jieba guessed ([`Analyzer::is_guess`]) are left out:
//! queries look a guess up as a substring, never as a word, so guesses
//! would only be rare terms for the indexer to pay for.
//!
//! The text is stored once, inside `article`, not once per text field: the
//! document store is most of an index's size after the postings. tantivy
//! keeps no offsets in its postings, so highlighting runs the analyzer over
//! the stored original text again; that also puts the highlights in the
//! original script.
//!
//! [`Analyzer::word_tokenizer`]: crate::analysis::Analyzer::word_tokenizer
//! [`Analyzer::char_tokenizer`]: crate::analysis::Analyzer::char_tokenizer
//! [`Analyzer::is_char_bigram`]: crate::analysis::Analyzer::is_char_bigram
//! [`Analyzer::is_guess`]: crate::analysis::Analyzer::is_guess

use tantivy::schema::{
    DateOptions, DateTimePrecision, Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, STORED,
    STRING,
};
use tantivy::store::{Compressor, ZstdCompressor};
use tantivy::IndexSettings;

/// Name under which the word fields' tokenizer is registered: words, less
/// those that are one character bigram (module docs).
pub const INDEX_WORD_TOKENIZER: &str = "zh_index_words";
/// Name under which the character tokenizer is registered.
pub const CHAR_TOKENIZER: &str = "zh_chars";

/// The fields of the schema, resolved once.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// Article id (exact).
    pub id: Field,
    /// Title, word tokens.
    pub title: Field,
    /// Title, character tokens.
    pub title_chars: Field,
    /// The folded title without separators (exact).
    pub title_key: Field,
    /// Body, word tokens.
    pub body: Field,
    /// Body, character tokens.
    pub body_chars: Field,
    /// Publisher (exact, fast).
    pub source: Field,
    /// Author (exact, fast).
    pub author: Field,
    /// Publication time (fast date).
    pub published_at: Field,
    /// The article as JSON (stored).
    pub article: Field,
}

/// Builds the schema and its fields.
pub fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    // Word fields answer term queries (BM25 needs the frequencies); every
    // phrase, quoted text and words-together bonus is answered exactly by
    // the character fields, so only those keep positions (module docs).
    let text = |tokenizer: &str, record: IndexRecordOption| {
        TextOptions::default()
            .set_indexing_options(TextFieldIndexing::default().set_tokenizer(tokenizer).set_index_option(record))
    };
    let words = || text(INDEX_WORD_TOKENIZER, IndexRecordOption::WithFreqs);
    let chars = || text(CHAR_TOKENIZER, IndexRecordOption::WithFreqsAndPositions);
    let fields = Fields {
        id: b.add_text_field("id", STRING),
        title: b.add_text_field("title", words()),
        title_chars: b.add_text_field("title_chars", chars()),
        title_key: b.add_text_field("title_key", STRING),
        body: b.add_text_field("body", words()),
        body_chars: b.add_text_field("body_chars", chars()),
        source: b.add_text_field("source", STRING | FAST),
        author: b.add_text_field("author", STRING | FAST),
        published_at: b.add_date_field(
            "published_at",
            DateOptions::default().set_indexed().set_fast().set_precision(DateTimePrecision::Seconds),
        ),
        article: b.add_text_field("article", STORED),
    };
    (b.build(), fields)
}

/// tantivy's index settings: the document store compressed with zstd.
///
/// The store holds each article's text once (as JSON) and is the largest
/// part of the index; zstd at level 3 makes Chinese text about a third
/// smaller than tantivy's default lz4, for a little more work per hit
/// loaded. The setting is recorded in the index, so indexes built with lz4
/// still open.
pub fn index_settings() -> IndexSettings {
    IndexSettings {
        docstore_compression: Compressor::Zstd(ZstdCompressor { compression_level: Some(3) }),
        ..IndexSettings::default()
    }
}

/// Resolves the fields of a schema read from disk, checking that it is ours.
pub fn resolve(schema: &Schema) -> Option<Fields> {
    let f = |name: &str| schema.get_field(name).ok();
    Some(Fields {
        id: f("id")?,
        title: f("title")?,
        title_chars: f("title_chars")?,
        title_key: f("title_key")?,
        body: f("body")?,
        body_chars: f("body_chars")?,
        source: f("source")?,
        author: f("author")?,
        published_at: f("published_at")?,
        article: f("article")?,
    })
}

/// The exact-match key of a title or query: folded (normalized and
/// converted), with every separator removed.
pub fn title_key(analyzer: &crate::analysis::Analyzer, text: &str) -> String {
    use crate::analysis::normalize::{class_of, CharClass};
    analyzer.fold(text).chars().filter(|&c| class_of(c) != CharClass::Separator).collect()
}
