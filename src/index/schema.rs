//! The tantivy schema: which fields an article becomes, and why.
//!
//! | field | what | options |
//! |---|---|---|
//! | `id` | the article id | exact string: upserts delete by it, `get` finds by it |
//! | `title`, `body` | character tokens ([`Analyzer::char_tokenizer`]): every character, the dictionary bigrams, Latin words, separator runs | frequencies and positions, not stored |
//! | `title_key` | the folded title without separators | exact string: a query equal to the title ranks that article first |
//! | `source`, `author` | publisher and author | exact strings, fast (facets, filters) |
//! | `published_at` | publication time | indexed, fast date (ranges, sorting, month facets) |
//! | `article` | the whole article as JSON | stored only |
//!
//! The text fields hold character-level tokens only, no jieba words. Every
//! query is answered from them: a quoted text is a phrase of its tokens
//! (exact whatever jieba would make of the context), a query word is such
//! a phrase too, and the ranking scores the query's characters and
//! bigrams (see [`crate::query`]). Running jieba over every indexed text
//! cost about a third of a build, for words that the characters and
//! bigrams already answer; jieba now cuts queries only.
//!
//! The text is stored once, inside `article`, not once per text field: the
//! document store is most of an index's size after the postings. tantivy
//! keeps no offsets in its postings, so highlighting runs the analyzer over
//! the stored original text again; that also puts the highlights in the
//! original script.
//!
//! [`Analyzer::char_tokenizer`]: crate::analysis::Analyzer::char_tokenizer

use tantivy::schema::{
    DateOptions, DateTimePrecision, Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, STORED,
    STRING,
};
use tantivy::store::Compressor;
use tantivy::IndexSettings;

/// Name under which the character tokenizer is registered.
pub const CHAR_TOKENIZER: &str = "zh_chars";

/// The fields of the schema, resolved once.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// Article id (exact).
    pub id: Field,
    /// Title, character tokens.
    pub title: Field,
    /// The folded title without separators (exact).
    pub title_key: Field,
    /// Body, character tokens.
    pub body: Field,
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
    // Frequencies for BM25, positions for phrases and for the ranking's
    // pairs of characters side by side.
    let chars = || {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(CHAR_TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
    };
    let fields = Fields {
        id: b.add_text_field("id", STRING),
        title: b.add_text_field("title", chars()),
        title_key: b.add_text_field("title_key", STRING),
        body: b.add_text_field("body", chars()),
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

/// tantivy's index settings: the document store compressed with lz4
/// (tantivy's default).
///
/// The store holds each article once (as JSON) and is the largest part of
/// the index. zstd made it about a third smaller, but compressing it was
/// the dearest part of a build after the postings, and every hit returned
/// is decompressed again: with the character-level index, lz4 keeps the
/// index under two and a half times its text and builds as fast as
/// tantivy-jieba (BENCHMARKS.md). The setting is recorded in each index,
/// so indexes built with zstd still open.
pub fn index_settings() -> IndexSettings {
    IndexSettings { docstore_compression: Compressor::Lz4, ..IndexSettings::default() }
}

/// Resolves the fields of a schema read from disk, checking that it is ours.
pub fn resolve(schema: &Schema) -> Option<Fields> {
    let f = |name: &str| schema.get_field(name).ok();
    Some(Fields {
        id: f("id")?,
        title: f("title")?,
        title_key: f("title_key")?,
        body: f("body")?,
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
