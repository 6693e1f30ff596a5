//! Ingestion: turning files into [`Article`]s.
//!
//! Three kinds of file are read, chosen by extension (case-insensitive):
//!
//! - `.txt`: a raw news page, text as copied off a web page. [`parse_page`]
//!   finds the title, date, publisher and reporter and drops the site's
//!   boilerplate; its docs give the rules. The article's id is the file stem.
//! - `.json`: one article object, or an array of them.
//! - `.jsonl`: one article object per line; blank lines are skipped.
//!
//! JSON records follow the rules of [`Article::from_json`]; one without an id
//! gets a hash of its content, so re-reading it upserts rather than duplicates.
//!
//! ```
//! use zhsearch::ingest;
//! use zhsearch::Location;
//!
//! let batch = ingest::parse_jsonl("{\"body\": \"正文\"}\n\n{\"title\": \"没有正文\"}\n", &Location::file("a.jsonl"));
//! assert_eq!(batch.articles.len(), 1);
//! assert_eq!(batch.rejected[0].to_string(), "a.jsonl:3: field `body`: missing body (`body` or `text`)");
//! ```
//!
//! # Batches: the good goes in, the bad is reported
//!
//! Every entry point that reads more than one article returns an
//! [`Ingested`]: the articles that were read, and an [`Error`] for each piece
//! of input that was rejected. A bad record never takes its neighbours down.
//! Rejections are [`Error::InvalidInput`] (or [`Error::Io`] for a file that
//! could not be read) and say where:
//!
//! | input | `path` | `line` | `field` |
//! | --- | --- | --- | --- |
//! | invalid UTF-8, NUL byte | the file | the line of the first bad byte | — |
//! | malformed JSON | the file | serde_json's line | — |
//! | bad JSONL record | the file | its line | the field, if one is to blame |
//! | bad element of a JSON array | the file | the line where the element starts | `[i]` (0-based index), or `[i].field` |
//! | bad single JSON object | the file | 1 | the field |
//! | a page without body text | the file | — | `body` |
//!
//! Encoding rules: input must be UTF-8; a leading byte order mark is
//! stripped and CRLF (or lone CR) line ends are read as LF. NUL bytes are
//! *rejected*, not stripped: in a text file they mean UTF-16 or binary data,
//! and stripping them would index garbage. In a `.jsonl` file each line is
//! decoded on its own, so one bad line costs one record; a `.txt` or `.json`
//! file with bad bytes is rejected whole.
//!
//! Duplicate ids within a batch are all kept, in input order: the index's
//! upsert makes the last one win, which is what re-sending a record means.
//!
//! Directories are walked recursively in sorted (byte-wise file name) order,
//! so a batch is deterministic. Files with other extensions, and hidden
//! entries (names starting with `.`) are skipped; symbolic links to files
//! are followed, symbolic links to directories are not (no cycles).

use std::fs;
use std::path::{Path, PathBuf};

use crate::article::Article;
use crate::{Error, Location, Result};

mod json;
mod lines;
mod page;

pub use json::{parse_json, parse_jsonl};
pub use page::parse_page;

/// The outcome of reading a batch: what was read, and what was rejected.
#[derive(Debug, Default)]
pub struct Ingested {
    /// Articles read, in input order (directories in sorted order).
    pub articles: Vec<Article>,
    /// One error per rejected file, line or record, in input order.
    pub rejected: Vec<Error>,
}

impl Ingested {
    /// Appends another batch to this one, keeping the order.
    pub fn append(&mut self, mut other: Ingested) {
        self.articles.append(&mut other.articles);
        self.rejected.append(&mut other.rejected);
    }
}

/// The kinds of file the ingester reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Page,
    Json,
    JsonLines,
}

impl Format {
    fn of(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "txt" => Some(Format::Page),
            "json" => Some(Format::Json),
            "jsonl" => Some(Format::JsonLines),
            _ => None,
        }
    }
}

/// Reads a file or, recursively, a directory.
///
/// Fails only when `path` itself cannot be read; a file or subdirectory
/// inside it that cannot be read becomes an [`Error::Io`] in
/// [`Ingested::rejected`], like any other bad input.
pub fn read_path(path: impl AsRef<Path>) -> Result<Ingested> {
    let path = path.as_ref();
    let meta = fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if !meta.is_dir() {
        return Ok(read_file(path));
    }
    let mut found = Vec::new();
    let mut batch = Ingested::default();
    walk(path, &mut found, &mut batch.rejected, true)?;
    for file in found {
        batch.append(read_file(&file));
    }
    Ok(batch)
}

/// The files [`read_path`] would read, in the order it reads them.
///
/// A path that is a file is returned as it is, whatever its extension
/// ([`read_file`] then rejects an unknown one). Unlike [`read_path`], this
/// fails on any directory that cannot be listed, since it has no other way
/// to report it.
pub fn files(path: impl AsRef<Path>) -> Result<Vec<PathBuf>> {
    let path = path.as_ref();
    let meta = fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if !meta.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut found = Vec::new();
    let mut errors = Vec::new();
    walk(path, &mut found, &mut errors, true)?;
    match errors.into_iter().next() {
        Some(e) => Err(e),
        None => Ok(found),
    }
}

/// Collects the readable files below `dir` in sorted order. Failing to list
/// `dir` is an error when it is the top level, a rejection below it.
fn walk(dir: &Path, found: &mut Vec<PathBuf>, errors: &mut Vec<Error>, top: bool) -> Result<()> {
    let entries = match fs::read_dir(dir).and_then(|rd| rd.collect::<std::io::Result<Vec<_>>>()) {
        Ok(entries) => entries,
        Err(e) if top => return Err(Error::io(dir, e)),
        Err(e) => {
            errors.push(Error::io(dir, e));
            return Ok(());
        }
    };
    let mut entries: Vec<_> = entries
        .into_iter()
        .filter(|entry| !entry.file_name().to_string_lossy().starts_with('.'))
        .map(|entry| entry.path())
        .collect();
    entries.sort();
    for path in entries {
        // symlink_metadata: a link to a directory is not followed, so a link
        // cycle cannot make the walk endless.
        let meta = match fs::symlink_metadata(&path) {
            Ok(meta) => meta,
            Err(e) => {
                errors.push(Error::io(&path, e));
                continue;
            }
        };
        if meta.is_dir() {
            walk(&path, found, errors, false)?;
        } else if Format::of(&path).is_some() && (meta.is_file() || path.is_file()) {
            found.push(path);
        }
    }
    Ok(())
}

/// Reads one file, choosing the parser by its extension.
///
/// Never fails as a whole: an unreadable file, an unknown extension or bad
/// content is reported in [`Ingested::rejected`].
pub fn read_file(path: impl AsRef<Path>) -> Ingested {
    let path = path.as_ref();
    let mut batch = Ingested::default();
    let Some(format) = Format::of(path) else {
        let reason = "unsupported file type: expected .txt (a raw page), .json or .jsonl";
        batch.rejected.push(Error::invalid(Location::file(path), reason));
        return batch;
    };
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) => {
            batch.rejected.push(Error::io(path, e));
            return batch;
        }
    };
    let location = Location::file(path);
    if format == Format::JsonLines {
        return json::parse_jsonl_bytes(&bytes, &location);
    }
    let text = match decode(&bytes, &location) {
        Ok(text) => text,
        Err(e) => {
            batch.rejected.push(e);
            return batch;
        }
    };
    match format {
        Format::Json => parse_json(&text, &location),
        _ => {
            let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            match parse_page(&text, &stem) {
                Ok(article) => batch.articles.push(article),
                Err(e) => batch.rejected.push(at_path(e, path)),
            }
            batch
        }
    }
}

/// Decodes UTF-8, strips a byte order mark and rejects NUL bytes, naming the
/// line (counted from `location.line`, or 1) and the byte within it of the
/// first bad byte.
fn decode(bytes: &[u8], location: &Location) -> Result<String> {
    // Where a bad byte is, as a line and a byte offset within that line.
    let place = |offset: usize| {
        let before = &bytes[..offset];
        let line = location.line.unwrap_or(1) + before.iter().filter(|&&b| b == b'\n').count();
        let column = offset - before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        (location.clone().at_line(line), column)
    };
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let (at, column) = place(e.valid_up_to());
            return Err(Error::invalid(at, format!("invalid UTF-8 at byte {column} of the line")));
        }
    };
    if let Some(offset) = bytes.iter().position(|&b| b == 0) {
        let (at, column) = place(offset);
        return Err(Error::invalid(at, format!("NUL byte at byte {column} of the line (a UTF-16 or binary file?)")));
    }
    Ok(strip_bom(text).to_string())
}

/// The text without a leading byte order mark.
fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// Puts `path` into the location of an input error that has none.
fn at_path(e: Error, path: &Path) -> Error {
    match e {
        Error::InvalidInput { mut location, reason } => {
            location.path.get_or_insert_with(|| path.to_path_buf());
            Error::InvalidInput { location, reason }
        }
        other => other,
    }
}
