//! zhsearch: embedded full-text search for Chinese articles.
//!
//! ```
//! use zhsearch::analysis::Analyzer;
//!
//! // One analyzer serves documents and queries in either script.
//! let analyzer = Analyzer::new()?;
//! let traditional = analyzer.analyze("貧困縣逐一清零");
//! let simplified = analyzer.analyze("贫困县逐一清零");
//! let texts = |ts: &[zhsearch::analysis::Token]| ts.iter().map(|t| t.text.clone()).collect::<Vec<_>>();
//! assert_eq!(texts(&traditional), texts(&simplified));
//! # Ok::<(), zhsearch::Error>(())
//! ```
//!
//! # Modules
//!
//! - [`analysis`]: normalization, Traditional → Simplified conversion,
//!   the character-level tokens the index holds, jieba segmentation of
//!   queries, regional variants (服务器/伺服器) and synonyms, and the
//!   tantivy tokenizers built from them.
//! - [`article`] and [`ingest`]: articles, and reading them from raw news
//!   pages, JSON and JSONL.
//! - [`index`]: the index on disk or in memory, its writer and settings.
//! - [`query`]: the query language, the ranking (what a query means, why a
//!   hit scored what it did), snippets and facets.
//! - [`Error`]: the one error type, with the location of bad input.
#![warn(missing_docs)]

pub mod analysis;
pub mod article;
mod error;
pub mod index;
pub mod ingest;
pub mod query;

pub use error::{Error, Location, QueryError, Result};

// The README's code blocks are compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
