//! The index's reader: reloaded one reload at a time, so what searches see
//! never goes back to an older commit.
//!
//! tantivy's `IndexReader::reload` reads the newest commit and then
//! publishes a searcher for it, and nothing orders two reloads. The file
//! watcher reloads after every commit it sees (to pick up other processes'
//! commits), and our writer reloads right after its own commit (so the
//! commit is visible when `commit` returns). A watcher reload that read
//! commit N and published after ours had published N + 1 took searches
//! back a commit until the next reload. Here every reload, the watcher's
//! included, holds one lock: each reads a commit at least as new as the
//! one before it, so the published searchers only move forward.

use std::sync::{Arc, Mutex};

use tantivy::directory::{Directory, MmapDirectory, WatchCallback, WatchHandle};
use tantivy::{Index, IndexReader, ReloadPolicy, Searcher};

/// Whether others than the index's own writer may commit to its
/// directory, so that the reader must watch for their commits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Followed {
    /// A directory on disk, or one the user gave: other processes'
    /// writers may commit to it.
    Yes,
    /// An index in memory that only its own writer sees.
    No,
}

/// A tantivy reader whose reloads, our own and the file watcher's, run one
/// at a time (module docs).
#[derive(Clone)]
pub(crate) struct Reader {
    inner: IndexReader,
    reloading: Arc<Mutex<()>>,
    /// The index's files on disk, whose map cache each reload prunes.
    mmap: Option<MmapDirectory>,
    /// Keeps the file watcher's callback registered while any clone lives;
    /// none for an index in memory (see [`Reader::new`]).
    _watch: Option<Arc<WatchHandle>>,
}

impl Reader {
    /// A reader of `index`'s last commit that follows later commits, of
    /// this process or another, through the directory's file watcher.
    /// `mmap` is the index's directory when it is on disk.
    ///
    /// An index in memory has no watcher ([`Followed::No`]): only its own
    /// writer commits to it, and that writer reloads after each commit. A
    /// watcher there cost a tenth of a second on about one commit in
    /// three: its reload and tantivy's own work after a commit both take
    /// the index's meta lock, and tantivy waits 100 ms before it tries a
    /// busy lock again. The cluster's second stage commits an index in
    /// memory on every search.
    pub(crate) fn new(index: &Index, mmap: Option<MmapDirectory>, followed: Followed) -> tantivy::Result<Reader> {
        let inner: IndexReader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let reloading = Arc::new(Mutex::new(()));
        if followed == Followed::No {
            return Ok(Reader { inner, reloading, mmap, _watch: None });
        }
        let callback = {
            let (inner, reloading, mmap) = (inner.clone(), reloading.clone(), mmap.clone());
            // A failed reload here changes nothing: searches keep the last
            // searcher, and the next commit or `reload` tries again.
            WatchCallback::new(move || {
                let _ = reload(&inner, &reloading, mmap.as_ref());
            })
        };
        let watch = index.directory().watch(callback)?;
        Ok(Reader { inner, reloading, mmap, _watch: Some(Arc::new(watch)) })
    }

    /// Whether commits of other writers are followed (an index on disk).
    #[cfg(test)]
    pub(crate) fn follows_other_writers(&self) -> bool {
        self._watch.is_some()
    }

    /// Makes the newest commit visible.
    pub(crate) fn reload(&self) -> tantivy::Result<()> {
        reload(&self.inner, &self.reloading, self.mmap.as_ref())
    }

    /// The searcher of the commit last reloaded.
    pub(crate) fn searcher(&self) -> Searcher {
        self.inner.searcher()
    }
}

fn reload(reader: &IndexReader, reloading: &Mutex<()>, mmap: Option<&MmapDirectory>) -> tantivy::Result<()> {
    // The lock guards no data, only the order of reloads: a reload that
    // panicked left nothing half-done.
    let _one_at_a_time = reloading.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    reader.reload()?;
    // tantivy's MmapDirectory caches a weak reference to every file it
    // has mapped, keyed by path, and only drops the entries of files no
    // longer mapped when asked for its cache statistics. Every commit makes
    // new files, so without this the cache grows for as long as the
    // process writes or follows another writer's commits.
    if let Some(mmap) = mmap {
        mmap.get_cache_info();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::analysis::{Analyzer, AnalyzerSettings};
    use crate::index::SearchIndex;

    /// An index on disk, or in a directory the user gave, follows other
    /// writers' commits; one in memory has no watcher to race its own
    /// writer's reloads.
    #[test]
    fn only_an_index_in_memory_does_not_watch_for_commits() {
        let dir = tempfile::tempdir().expect("tempdir");
        let on_disk = SearchIndex::create(dir.path(), &AnalyzerSettings::default()).expect("index on disk");
        assert!(on_disk.reader.follows_other_writers());
        let given = tantivy::directory::RamDirectory::create();
        let given = SearchIndex::create_in_directory(given, &AnalyzerSettings::default()).expect("index");
        assert!(given.reader.follows_other_writers(), "a directory others may share");
        let analyzer = Analyzer::new().expect("analyzer");
        let in_memory = SearchIndex::in_memory_with(&analyzer).expect("index in memory");
        assert!(!in_memory.reader.follows_other_writers());
    }
}
