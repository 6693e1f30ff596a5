//! The index's titles by the initial of their first character, for pinyin
//! typed as initials (`kqhgbda` → 开启和关闭档案): a title is found by
//! its first letters, not through a dictionary word it starts with.
//!
//! Initials fit too many words for a dictionary walk to reach every title:
//! `kq` fits 开启, 口气, 客气, 可取… and the titles of a help system start
//! with its own words, which a general dictionary ranks low. A segment's
//! titles are few beside its text, and a segment never changes, so its
//! table is built once, on the first query that needs it, and kept until
//! the segment is merged away.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tantivy::index::SegmentId;
use tantivy::schema::Field;
use tantivy::{Searcher, SegmentReader};

use crate::analysis::pinyin::{readings, typed_chars};

/// The most characters with a reading a title kept has: a headline is
/// typed as initials whole (`cgxjjlkxg…`), a longer text is not.
const LONGEST: usize = 32;

/// One segment's titles with at least two characters that have a reading
/// (digits, Latin words and punctuation are not typed as initials: 陈冠希
/// 即将离开香港(组图) is `cgxjjlkxgzt`), by the first letter of each
/// reading of their first such character.
#[derive(Debug, Default)]
pub(crate) struct TitleInitials {
    by_letter: HashMap<char, Vec<Box<str>>>,
}

impl TitleInitials {
    /// The table of one segment's titles (`field` is the title key, the
    /// folded title without separators).
    fn of(reader: &SegmentReader, field: Field) -> tantivy::Result<TitleInitials> {
        let mut table = TitleInitials::default();
        let index = reader.inverted_index(field)?;
        let mut stream = index.terms().stream()?;
        while stream.advance() {
            let Ok(title) = std::str::from_utf8(stream.key()) else { continue };
            let mut typed = typed_chars(title);
            let Some(first) = typed.next() else { continue };
            if !(1..LONGEST).contains(&typed.count()) {
                continue;
            }
            let mut letters: Vec<char> = readings(first).iter().filter_map(|r| r.chars().next()).collect();
            letters.sort_unstable();
            letters.dedup();
            for letter in letters {
                table.by_letter.entry(letter).or_default().push(title.into());
            }
        }
        Ok(table)
    }

    /// The titles whose first character has a reading starting with `letter`.
    pub(crate) fn starting_with(&self, letter: char) -> &[Box<str>] {
        self.by_letter.get(&letter).map_or(&[], Vec::as_slice)
    }
}

/// The tables of the segments seen, by segment.
#[derive(Debug, Default)]
pub(crate) struct TitleTables {
    tables: Mutex<HashMap<SegmentId, Arc<TitleInitials>>>,
}

impl TitleTables {
    /// The tables of `searcher`'s segments, built for those not seen yet;
    /// the tables of segments it no longer has are dropped.
    pub(crate) fn of(&self, searcher: &Searcher, field: Field) -> tantivy::Result<Vec<Arc<TitleInitials>>> {
        let ids: Vec<SegmentId> = searcher.segment_readers().iter().map(|r| r.segment_id()).collect();
        let mut missing = Vec::new();
        {
            let tables = self.tables.lock().unwrap_or_else(|e| e.into_inner());
            for reader in searcher.segment_readers() {
                if !tables.contains_key(&reader.segment_id()) {
                    missing.push(reader);
                }
            }
        }
        // Built outside the lock: a search that needs no new table does
        // not wait for one that does.
        let mut built = Vec::new();
        for reader in missing {
            built.push((reader.segment_id(), Arc::new(TitleInitials::of(reader, field)?)));
        }
        let mut tables = self.tables.lock().unwrap_or_else(|e| e.into_inner());
        tables.extend(built);
        tables.retain(|id, _| ids.contains(id));
        Ok(ids.iter().filter_map(|id| tables.get(id).cloned()).collect())
    }
}
