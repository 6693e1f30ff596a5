//! The crate's one error type.
//!
//! Every error that comes from user input says *where* (file, line, field)
//! and *what* was wrong, so that a batch job can print `path:line: reason`
//! and carry on with the rest of its input.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

/// Where a piece of input came from: any of a file, a 1-based line and a field.
///
/// Displays as `path:line: field `name``, leaving out the parts that are unknown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Location {
    /// The file the input was read from, if it came from a file.
    pub path: Option<PathBuf>,
    /// The 1-based line within that file (or within a string of records).
    pub line: Option<usize>,
    /// The field of a record, such as `published_at`.
    pub field: Option<String>,
}

impl Location {
    /// A location that is just a file.
    pub fn file(path: impl Into<PathBuf>) -> Self {
        Location { path: Some(path.into()), ..Location::default() }
    }

    /// This location, narrowed to a 1-based line.
    pub fn at_line(mut self, line: usize) -> Self {
        self.line = Some(line);
        self
    }

    /// This location, narrowed to a field.
    pub fn in_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut wrote = false;
        if let Some(path) = &self.path {
            write!(f, "{}", path.display())?;
            wrote = true;
        }
        if let Some(line) = self.line {
            if wrote {
                write!(f, ":")?;
            } else {
                write!(f, "line ")?;
            }
            write!(f, "{line}")?;
            wrote = true;
        }
        if let Some(field) = &self.field {
            if wrote {
                write!(f, ": ")?;
            }
            write!(f, "field `{field}`")?;
            wrote = true;
        }
        if !wrote {
            write!(f, "<input>")?;
        }
        Ok(())
    }
}

/// Everything that can go wrong in zhsearch.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// User input (an article, a record, a dictionary line, a setting) was rejected.
    #[error("{location}: {reason}")]
    InvalidInput {
        /// Where the bad input is.
        location: Location,
        /// What is wrong with it.
        reason: String,
    },

    /// A file or directory could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },

    /// OpenCC could not be set up.
    #[error("OpenCC: {0}")]
    OpenCc(String),

    /// Another writer holds the index's write lock (in this process or another).
    #[error("{}: the index is already open for writing by another writer", dir.display())]
    WriterLocked {
        /// The index directory.
        dir: PathBuf,
    },

    /// The directory holds no zhsearch index.
    #[error("{}: not a zhsearch index ({reason})", dir.display())]
    NotAnIndex {
        /// The directory that was opened.
        dir: PathBuf,
        /// What is missing or wrong.
        reason: String,
    },

    /// `create` was pointed at a directory that already holds an index.
    #[error("{}: an index already exists here", dir.display())]
    IndexExists {
        /// The index directory.
        dir: PathBuf,
    },

    /// The index was built with other analyzer settings than the ones given.
    /// Searching it with these settings would silently give wrong results.
    #[error(
        "{}: the index was built with analyzer settings {stored}, not the requested {requested}; \
         open it without settings to use the stored ones, or rebuild it",
        dir.display()
    )]
    SettingsMismatch {
        /// The index directory.
        dir: PathBuf,
        /// Fingerprint of the stored settings.
        stored: String,
        /// Fingerprint of the requested settings.
        requested: String,
    },

    /// The index was built by another version of the tokenization scheme
    /// ([`crate::analysis::SCHEME_VERSION`]): its terms are not the ones
    /// this version of zhsearch looks up, so searching it would silently
    /// miss. Rebuild it: add its articles to a new index.
    #[error(
        "{}: the index was built with tokenization scheme {found}, and this version of zhsearch reads \
         scheme {supported}; rebuild it (add its articles to a new index)",
        dir.display()
    )]
    OutdatedScheme {
        /// The index directory.
        dir: PathBuf,
        /// The scheme the index was built with.
        found: u32,
        /// The scheme this version reads.
        supported: u32,
    },

    /// A file of the index is damaged or missing: the index cannot be
    /// searched without returning wrong results.
    #[error("{}: {} is damaged: {reason}; restore the index from a copy, or rebuild it", dir.display(), file.display())]
    Damaged {
        /// The index directory.
        dir: PathBuf,
        /// The damaged file, relative to the directory.
        file: PathBuf,
        /// What is wrong with it.
        reason: String,
    },

    /// A collection's statistics could not be read (see
    /// [`crate::query::CollectionStatistics`]): `from` names their source,
    /// such as a cluster's shard.
    #[error("statistics from {from}: {source}")]
    Statistics {
        /// Where they were read from.
        from: String,
        /// Why they could not be.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// A query was rejected.
    #[error("query: {0}")]
    Query(#[from] QueryError),

    /// tantivy reported an error.
    #[error("index{}: {source}", dir.as_ref().map(|d| format!(" {}", d.display())).unwrap_or_default())]
    Index {
        /// The index directory, for an index on disk.
        dir: Option<PathBuf>,
        /// tantivy's error.
        #[source]
        source: tantivy::TantivyError,
    },
}

/// Why a query was rejected. The query language itself is read leniently
/// (see [`crate::query`]), so only the limits reject a query.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// The query is longer than [`crate::query::MAX_QUERY_CHARS`].
    #[error("the query is {len} characters long; the limit is {max}")]
    TooLong {
        /// The query's length in characters.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The query has more terms than [`crate::query::MAX_QUERY_TERMS`].
    #[error("the query has {count} terms; the limit is {max}")]
    TooManyTerms {
        /// How many terms (space-separated words and quoted phrases) it has.
        count: usize,
        /// The limit.
        max: usize,
    },
}

impl Error {
    /// Shorthand for [`Error::InvalidInput`].
    pub fn invalid(location: Location, reason: impl Into<String>) -> Self {
        Error::InvalidInput { location, reason: reason.into() }
    }

    /// Shorthand for [`Error::Io`].
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }
}

/// `Result` with zhsearch's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_display_names_only_known_parts() {
        let cases = [
            (Location::default(), "<input>"),
            (Location::file("a/b.jsonl"), "a/b.jsonl"),
            (Location::file("a.jsonl").at_line(3), "a.jsonl:3"),
            (Location::file("a.jsonl").at_line(3).in_field("published_at"), "a.jsonl:3: field `published_at`"),
            (Location::default().at_line(7), "line 7"),
            (Location::default().in_field("body"), "field `body`"),
        ];
        for (loc, want) in cases {
            assert_eq!(loc.to_string(), want);
        }
    }

    #[test]
    fn invalid_input_message_is_location_then_reason() {
        let e = Error::invalid(Location::file("x.json").at_line(2), "missing body");
        assert_eq!(e.to_string(), "x.json:2: missing body");
    }
}
