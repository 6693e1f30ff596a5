//! The index: a directory of tantivy segments (or RAM), plus the analyzer
//! settings it was built with.
//!
//! ```
//! use zhsearch::analysis::AnalyzerSettings;
//! use zhsearch::article::Article;
//! use zhsearch::index::SearchIndex;
//!
//! let index = SearchIndex::in_memory(&AnalyzerSettings::default())?;
//! let mut writer = index.writer()?;
//! writer.upsert(&Article::new("a1", "貧困縣逐一清零"))?;
//! writer.commit()?;
//! assert_eq!(index.num_docs(), 1);
//! # Ok::<(), zhsearch::Error>(())
//! ```
//!
//! # On disk
//!
//! Next to tantivy's files, `zhsearch.json` records the analyzer settings.
//! [`SearchIndex::open`] builds its analyzer from them, so a query is
//! always tokenized the way the documents were; asking for other settings
//! ([`SearchIndex::open_with`]) is an error rather than silently different
//! tokenization.
//!
//! # Writing
//!
//! One [`IndexWriter`] at a time may write to an index, across threads and
//! processes (tantivy's directory lock). Changes become visible to searches,
//! and durable, at [`IndexWriter::commit`]; a crash before it loses only the
//! uncommitted changes, never a committed article.

mod reader;
pub mod schema;
pub(crate) mod titles;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustc_hash::FxHashSet;
use serde::{Deserialize, Serialize};
use tantivy::directory::error::LockError;
use tantivy::directory::{Directory, MmapDirectory, RamDirectory};
use tantivy::schema::document::{DeserializeError, DocumentDeserialize, DocumentDeserializer};
use tantivy::schema::{Field, TantivyDocument};
use tantivy::{Index, TantivyError, Term};

use crate::analysis::{Analyzer, AnalyzerSettings, ReplayTokenizer, Synonyms, TokenStreams, Variants};
use crate::article::Article;
use crate::error::{Error, Location, Result};
use crate::query::RankingSettings;

use reader::{Followed, Reader};

/// The memory budget of [`SearchIndex::in_memory_of`]'s one segment, which
/// sizes its term table (a third of it, at most): a few thousand terms to
/// start with, grown as needed. tantivy's writers take at least 15 MB, and
/// clearing and walking that table is most of their fixed cost.
const SINGLE_SEGMENT_BUDGET: usize = 1_000_000;

/// The most text (titles and bodies, in bytes) that
/// [`SearchIndex::in_memory_of`] indexes on the calling thread alone;
/// more goes to a writer's two threads. Where the two cost the same,
/// measured on 300 news articles at a time.
pub const SINGLE_SEGMENT_MAX_BYTES: usize = 160_000;
pub use schema::Fields;

/// The file, in the index directory, that records zhsearch's settings.
pub const SETTINGS_FILE: &str = "zhsearch.json";

/// Version of the on-disk layout (schema and settings file).
const FORMAT_VERSION: u32 = 1;

/// The largest article body accepted, in bytes. A larger one is rejected by
/// [`IndexWriter::upsert`]: tantivy's indexing buffer would have to hold
/// tens of millions of tokens for it at once.
pub const MAX_ARTICLE_BYTES: usize = 16 * 1024 * 1024;

/// Memory for tantivy's indexing buffers, shared by its threads.
const WRITER_MEMORY: usize = 256 * 1024 * 1024;

/// `zhsearch.json`. Fields this version does not know are kept out of the
/// way rather than refused: a newer zhsearch may add settings (as the
/// ranking was added) to an index whose format this version still reads,
/// and what it cannot use it does not need. What must match is the
/// format and the analyzer's fingerprint, checked on open.
#[derive(Debug, Serialize, Deserialize)]
struct StoredSettings {
    format: u32,
    analyzer: AnalyzerSettings,
    /// The user's synonyms (see [`SearchIndex::set_synonyms`]).
    #[serde(default, skip_serializing_if = "Synonyms::is_empty")]
    synonyms: Synonyms,
    /// The ranking's settings (see [`SearchIndex::set_ranking`]); absent
    /// for the defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ranking: Option<RankingSettings>,
}

impl StoredSettings {
    /// A new index's: its analyzer's settings, no synonyms, the default
    /// ranking.
    fn new(analyzer: &Analyzer) -> StoredSettings {
        StoredSettings {
            format: FORMAT_VERSION,
            analyzer: analyzer.settings().clone(),
            synonyms: Synonyms::default(),
            ranking: None,
        }
    }
}

/// A searchable collection of articles. Cheap to share across threads
/// (`&SearchIndex` is all a search needs).
pub struct SearchIndex {
    pub(crate) index: Index,
    /// Where the index lives, for its settings file (tantivy's own
    /// `index.directory()` manages the segment files).
    directory: Box<dyn Directory>,
    pub(crate) reader: Reader,
    pub(crate) fields: Fields,
    pub(crate) analyzer: Analyzer,
    dir: Option<PathBuf>,
    /// Which text fields hold any terms, for the latest searcher
    /// generation seen (see [`SearchIndex::present_fields`]).
    present: std::sync::Mutex<Option<(u64, FieldSet)>>,
    /// The user's synonyms, and the variants they make (folded).
    synonyms: std::sync::RwLock<Arc<(Synonyms, Variants)>>,
    /// The ranking's settings (see [`SearchIndex::set_ranking`]).
    ranking: std::sync::RwLock<RankingSettings>,
    /// Each segment's titles by their initials, built on first use (see
    /// `titles.rs`).
    pub(crate) titles: titles::TitleTables,
    /// How many threads one search may use (see
    /// [`SearchIndex::set_search_threads`]).
    search_threads: std::sync::atomic::AtomicUsize,
}

/// The cores of the machine, up to 4 (see [`SearchIndex::search_threads`]).
fn default_search_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(4))
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex").field("dir", &self.dir).field("docs", &self.num_docs()).finish()
    }
}

/// The size of a memory page on the machines zhsearch runs on (4 KiB);
/// [`SearchIndex::preload`] reads a byte of each.
const PAGE: usize = 4096;

impl SearchIndex {
    /// Creates a new index in `dir` (created if missing). Fails if `dir`
    /// already holds an index.
    pub fn create(dir: impl AsRef<Path>, settings: &AnalyzerSettings) -> Result<SearchIndex> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let directory =
            MmapDirectory::open(dir).map_err(|e| Error::NotAnIndex { dir: dir.to_owned(), reason: e.to_string() })?;
        SearchIndex::create_in(
            Box::new(directory.clone()),
            Some(directory),
            Some(dir.to_owned()),
            Analyzer::from_settings(settings)?,
            Followed::Yes,
        )
    }

    /// Creates a new index in a tantivy [`Directory`]: any storage, such as
    /// one that injects faults in tests. Its settings are kept in the
    /// directory too (`zhsearch.json`).
    pub fn create_in_directory(
        directory: impl Into<Box<dyn Directory>>,
        settings: &AnalyzerSettings,
    ) -> Result<SearchIndex> {
        SearchIndex::create_in(directory.into(), None, None, Analyzer::from_settings(settings)?, Followed::Yes)
    }

    fn create_in(
        directory: Box<dyn Directory>,
        mmap: Option<MmapDirectory>,
        dir: Option<PathBuf>,
        analyzer: Analyzer,
        followed: Followed,
    ) -> Result<SearchIndex> {
        let exists = |name: &str| directory.exists(Path::new(name)).unwrap_or(true);
        if exists(SETTINGS_FILE) || exists("meta.json") {
            return Err(Error::IndexExists { dir: label(&dir) });
        }
        let stored = StoredSettings::new(&analyzer);
        // Settings first: an index directory without them is not ours.
        write_settings(directory.as_ref(), &dir, &stored)?;
        let (schema, fields) = schema::build();
        let index = Index::create(directory.box_clone(), schema, schema::index_settings())
            .map_err(|e| index_error(dir.as_deref(), e))?;
        SearchIndex::assemble(index, directory, mmap, fields, analyzer, dir, followed)
    }

    /// Opens the index in `dir` with the analyzer settings it was built with.
    ///
    /// Opening checks what is cheap to check: that the settings file and
    /// tantivy's `meta.json` read, that the tokenization scheme is this
    /// version's, that the schema is zhsearch's, and that every file of
    /// every segment is there, whole (its footer is where its length says).
    /// It does not read whole files: a file damaged inside is found by
    /// [`SearchIndex::verify`], which checks every file's checksum.
    pub fn open(dir: impl AsRef<Path>) -> Result<SearchIndex> {
        let dir = dir.as_ref();
        if !dir.join(SETTINGS_FILE).exists() {
            return Err(Error::NotAnIndex { dir: dir.to_owned(), reason: format!("{SETTINGS_FILE} is missing") });
        }
        let directory =
            MmapDirectory::open(dir).map_err(|e| Error::NotAnIndex { dir: dir.to_owned(), reason: e.to_string() })?;
        SearchIndex::open_in(Box::new(directory.clone()), Some(directory), Some(dir.to_owned()))
    }

    /// Opens the index in a tantivy [`Directory`] (see
    /// [`SearchIndex::create_in_directory`]).
    pub fn open_in_directory(directory: impl Into<Box<dyn Directory>>) -> Result<SearchIndex> {
        SearchIndex::open_in(directory.into(), None, None)
    }

    fn open_in(
        directory: Box<dyn Directory>,
        mmap: Option<MmapDirectory>,
        dir: Option<PathBuf>,
    ) -> Result<SearchIndex> {
        let stored = read_settings(directory.as_ref(), &dir)?;
        let settings = stored.analyzer;
        if settings.scheme() != crate::analysis::SCHEME_VERSION {
            return Err(Error::OutdatedScheme {
                dir: label(&dir),
                found: settings.scheme(),
                supported: crate::analysis::SCHEME_VERSION,
            });
        }
        let analyzer = Analyzer::from_settings(&settings)?;
        let index = Index::open(directory.box_clone())
            .map_err(|e| Error::NotAnIndex { dir: label(&dir), reason: e.to_string() })?;
        let fields = schema::resolve(&index.schema())
            .ok_or_else(|| Error::NotAnIndex { dir: label(&dir), reason: "its schema is not zhsearch's".into() })?;
        check_segment_files(&index, &dir)?;
        let opened = SearchIndex::assemble(index, directory, mmap, fields, analyzer, dir, Followed::Yes)?;
        // Open every segment's inverted indexes now (`present_fields`),
        // rather than in the first search: tantivy builds its empty term
        // dictionary, a lazy static, on the first look at a field a segment
        // lacks, about a tenth of a fresh process's first search of a
        // headline. (tantivy's file watcher reports the meta file once when
        // it starts, and the reload that follows opens the segments again;
        // the static stays built.)
        opened.present_fields(&opened.reader.searcher())?;
        opened.use_synonyms(stored.synonyms);
        if let Some(ranking) = stored.ranking {
            // A hand-edited file is checked as a settings file is.
            ranking.validate_at(&Location::file(label(&opened.dir).join(SETTINGS_FILE)))?;
            *opened.ranking.write().unwrap_or_else(|e| e.into_inner()) = ranking;
        }
        Ok(opened)
    }

    /// Opens the index in `dir`, insisting that it was built with `settings`.
    /// Different settings are [`Error::SettingsMismatch`].
    pub fn open_with(dir: impl AsRef<Path>, settings: &AnalyzerSettings) -> Result<SearchIndex> {
        let dir = dir.as_ref();
        let index = SearchIndex::open(dir)?;
        let requested = Analyzer::from_settings(settings)?;
        if requested.fingerprint() != index.analyzer.fingerprint() {
            return Err(Error::SettingsMismatch {
                dir: dir.to_owned(),
                stored: index.analyzer.fingerprint().to_owned(),
                requested: requested.fingerprint().to_owned(),
            });
        }
        Ok(index)
    }

    /// Opens the index in `dir` if there is one (it must have been built with
    /// `settings`), or creates it.
    pub fn open_or_create(dir: impl AsRef<Path>, settings: &AnalyzerSettings) -> Result<SearchIndex> {
        let dir = dir.as_ref();
        if dir.join(SETTINGS_FILE).exists() {
            SearchIndex::open_with(dir, settings)
        } else {
            SearchIndex::create(dir, settings)
        }
    }

    /// An index held in memory, gone when dropped.
    pub fn in_memory(settings: &AnalyzerSettings) -> Result<SearchIndex> {
        let analyzer = Analyzer::from_settings(settings)?;
        SearchIndex::create_in(Box::new(RamDirectory::create()), None, None, analyzer, Followed::No)
    }

    /// An index held in memory that analyzes with `analyzer` (a clone,
    /// which shares its dictionaries): cheap enough to make per search, as
    /// ranking candidates drawn from a cluster does (see
    /// [`SearchIndex::search_with`]).
    pub fn in_memory_with(analyzer: &Analyzer) -> Result<SearchIndex> {
        SearchIndex::create_in(Box::new(RamDirectory::create()), None, None, analyzer.clone(), Followed::No)
    }

    /// An index in memory holding `articles` (of two with one id, the
    /// later), analyzed with `analyzer`, built the faster way for their
    /// size: what ranking a cluster's candidates needs per search (see
    /// [`SearchIndex::search_with`]).
    ///
    /// A writer of [`SearchIndex::in_memory_with`] starts eight threads
    /// (indexing, merging, the segment updater), sizes a term table for
    /// millions of terms and runs tantivy's commit protocol: about 7 ms
    /// before the first article is indexed. Up to
    /// [`SINGLE_SEGMENT_MAX_BYTES`] of text, one segment built on the
    /// calling thread is faster (300 articles of 150 characters: 14 ms
    /// against 16); above, two threads of a writer are (300 of 490
    /// characters: 25 ms against 36).
    pub fn in_memory_of(analyzer: &Analyzer, articles: &[Article]) -> Result<SearchIndex> {
        let bytes: usize = articles.iter().map(text_bytes).sum();
        if bytes > SINGLE_SEGMENT_MAX_BYTES {
            let index = SearchIndex::in_memory_with(analyzer)?;
            let mut writer = index.writer_with_threads(2)?;
            for article in articles {
                writer.upsert(article)?;
            }
            writer.commit()?;
            return Ok(index);
        }
        SearchIndex::one_segment(analyzer, articles, None)
    }

    /// An index in memory holding `articles`, as [`SearchIndex::in_memory_of`]
    /// builds it, except that its text fields have the postings of `tokens`
    /// only; every token still counts in its field's length. A search
    /// whose every token is in `tokens` matches, scores and highlights as
    /// in the whole index (see [`SearchIndex::search_part`]), as long as it
    /// does not prune: the blocks' maxima of the postings were chosen with
    /// the kept tokens' lengths.
    ///
    /// tantivy spends most of an index's build on each token it is given
    /// (300 news articles: about four fifths of the time, against a fifth
    /// for the analysis), and a search reads a few dozen distinct tokens of
    /// the tens of thousands 300 articles hold. tantivy counts a field's
    /// length from the tokens it is given, so the true lengths are written
    /// over its own after the build.
    pub(crate) fn in_memory_keeping(
        analyzer: &Analyzer,
        articles: &[Article],
        tokens: &FxHashSet<String>,
    ) -> Result<SearchIndex> {
        SearchIndex::one_segment(analyzer, articles, Some(tokens))
    }

    /// `articles` in one segment built on this thread: whole, or with the
    /// postings of `kept` tokens only (see [`SearchIndex::in_memory_keeping`]).
    fn one_segment(analyzer: &Analyzer, articles: &[Article], kept: Option<&FxHashSet<String>>) -> Result<SearchIndex> {
        let directory: Box<dyn Directory> = Box::new(RamDirectory::create());
        let stored = StoredSettings::new(analyzer);
        write_settings(directory.as_ref(), &None, &stored)?;
        let (schema, fields) = schema::build();
        // Every article is checked, as a writer checks each upsert; then
        // the last of an id wins, as with upserts in one commit.
        for article in articles {
            article.validate()?;
        }
        let mut seen = FxHashSet::default();
        let mut unique: Vec<&Article> = articles.iter().rev().filter(|a| seen.insert(a.id.as_str())).collect();
        unique.reverse();
        let tokenizers = tantivy::tokenizer::TokenizerManager::default();
        let kept = match kept {
            None => {
                tokenizers.register(schema::CHAR_TOKENIZER, analyzer.char_tokenizer());
                None
            }
            Some(tokens) => {
                // Analyzed beforehand (on two threads), replayed while
                // indexing; the index searches with the analyzer's own.
                let (documents, streams, lengths) = kept_documents(fields, analyzer, &unique, tokens)?;
                tokenizers.register(schema::CHAR_TOKENIZER, ReplayTokenizer::new(std::sync::Arc::new(streams)));
                Some((documents, lengths))
            }
        };
        let error = |e| index_error(None, e);
        let mut writer = tantivy::IndexBuilder::new()
            .schema(schema)
            .settings(schema::index_settings())
            .tokenizers(tokenizers)
            .single_segment_index_writer(directory.box_clone(), SINGLE_SEGMENT_BUDGET)
            .map_err(error)?;
        let Some((documents, lengths)) = kept else {
            for article in unique {
                writer.add_document(article_document(fields, analyzer, article)?).map_err(error)?;
            }
            let index = writer.finalize().map_err(error)?;
            return SearchIndex::assemble(index, directory, None, fields, analyzer.clone(), None, Followed::No);
        };
        for document in documents {
            writer.add_document(document).map_err(error)?;
        }
        let index = writer.finalize().map_err(error)?;
        write_lengths(&index, fields, &lengths).map_err(error)?;
        SearchIndex::assemble(index, directory, None, fields, analyzer.clone(), None, Followed::No)
    }

    /// `mmap` is `directory` itself when the index is on disk (see
    /// [`Reader`]).
    fn assemble(
        index: Index,
        directory: Box<dyn Directory>,
        mmap: Option<MmapDirectory>,
        fields: Fields,
        analyzer: Analyzer,
        dir: Option<PathBuf>,
        followed: Followed,
    ) -> Result<SearchIndex> {
        index.tokenizers().register(schema::CHAR_TOKENIZER, analyzer.char_tokenizer());
        // Our own commits reload the reader at once (see `IndexWriter::commit`);
        // the file watcher picks up commits made by other processes.
        let reader = Reader::new(&index, mmap, followed).map_err(|e| index_error(dir.as_deref(), e))?;
        Ok(SearchIndex {
            index,
            directory,
            reader,
            fields,
            analyzer,
            dir,
            present: Default::default(),
            synonyms: Default::default(),
            ranking: Default::default(),
            titles: Default::default(),
            search_threads: std::sync::atomic::AtomicUsize::new(default_search_threads()),
        })
    }

    /// Checks the whole index: every file of every segment against its
    /// checksum (reading it all), and that the settings file and the schema
    /// are this version's and agree with what the index was opened with.
    /// The report names each damaged file; it is an error only when the
    /// check itself cannot run.
    ///
    /// [`SearchIndex::open`] checks what is cheap (every file there, with
    /// its footer where it belongs); this is what Lucene's `CheckIndex`
    /// is to Lucene, and it takes as long as reading the index.
    pub fn verify(&self) -> Result<VerifyReport> {
        let mut report = VerifyReport::default();
        match read_settings(self.directory.as_ref(), &self.dir) {
            Ok(stored) if stored.analyzer != *self.analyzer.settings() => report.problems.push(format!(
                "{SETTINGS_FILE} holds other analyzer settings ({}) than the index was opened with ({})",
                stored.analyzer.fingerprint(),
                self.analyzer.fingerprint()
            )),
            Ok(_) => {}
            Err(e) => report.problems.push(e.to_string()),
        }
        if self.index.schema() != schema::build().0 {
            report.problems.push("the schema is not the one this version of zhsearch writes".into());
        }
        let directory = self.index.directory();
        for path in segment_files(&self.index).map_err(|e| self.error(e))? {
            report.files += 1;
            match directory.open_read(&path) {
                Ok(file) => report.bytes += tantivy::HasLen::len(&file) as u64,
                Err(e) => {
                    report.damaged.push(DamagedFile { path, reason: e.to_string() });
                    continue;
                }
            }
            match directory.validate_checksum(&path) {
                Ok(true) => {}
                Ok(false) => report.damaged.push(DamagedFile { path, reason: "its checksum does not match".into() }),
                Err(e) => report.damaged.push(DamagedFile { path, reason: e.to_string() }),
            }
        }
        Ok(report)
    }

    /// Maps the parts of the index that searches read (each segment's term
    /// dictionaries, postings, positions, field norms and fast fields, not
    /// its stored articles) into this process now, reading them from disk
    /// if they are not in the page cache: the first searches of a process
    /// then run as later ones do. Returns how many bytes of index data it
    /// mapped.
    ///
    /// A process maps the index lazily: each page a search first touches
    /// costs a page fault, and a read from disk when the page cache does
    /// not hold it. On the 200 MB benchmark index, with the page cache
    /// warm, a fresh process's first headline took about 0.8 ms less after
    /// `preload` (a sixth), which itself took about 11 ms (BENCHMARKS.md,
    /// `perf first`). It is what
    /// Elasticsearch's `index.store.preload` and Lucene's
    /// `MMapDirectory.setPreload` do; call it after opening, in a process
    /// that serves many searches, not before a single search. Segments of
    /// later commits are mapped as searches reach them.
    pub fn preload(&self) -> Result<u64> {
        use tantivy::index::SegmentComponent;
        let searched: FxHashSet<_> = self.reader.searcher().segment_readers().iter().map(|r| r.segment_id()).collect();
        let directory = self.index.directory();
        let mut bytes = 0u64;
        // Read a byte of every page, so that each is mapped; the sum only
        // keeps the reads from being optimized away.
        let mut sum = 0u8;
        for meta in self.index.searchable_segment_metas().map_err(|e| self.error(e))? {
            if !searched.contains(&meta.id()) {
                continue;
            }
            for component in [
                SegmentComponent::Terms,
                SegmentComponent::Postings,
                SegmentComponent::Positions,
                SegmentComponent::FieldNorms,
                SegmentComponent::FastFields,
            ] {
                let path = meta.relative_path(component);
                let file = directory.open_read(&path).map_err(|e| self.error(e.into()))?;
                let data = file.read_bytes().map_err(|e| Error::io(label(&self.dir).join(&path), e))?;
                sum = data.as_slice().iter().step_by(PAGE).fold(sum, |a, &b| a.wrapping_add(b));
                bytes += data.len() as u64;
            }
        }
        std::hint::black_box(sum);
        Ok(bytes)
    }

    /// The user's synonyms this index expands queries with.
    pub fn synonyms(&self) -> Synonyms {
        self.synonym_variants().0.clone()
    }

    /// Sets the synonyms queries are expanded with: each word of a group
    /// matches the others too, as a regional variant does (see
    /// [`crate::analysis::variants`]). They are kept with the index's
    /// settings (`zhsearch.json`), so they hold when it is opened again;
    /// no rebuild is needed, since queries, not the index, are expanded.
    /// Another process that has the index open sees them once it opens it
    /// again.
    pub fn set_synonyms(&self, synonyms: Synonyms) -> Result<()> {
        let mut stored = read_settings(self.directory.as_ref(), &self.dir)?;
        stored.synonyms = synonyms.clone();
        write_settings(self.directory.as_ref(), &self.dir, &stored)?;
        self.use_synonyms(synonyms);
        Ok(())
    }

    /// The settings searches are ranked with, unless a request brings its
    /// own ([`crate::query::SearchRequest::ranking`]).
    pub fn ranking(&self) -> RankingSettings {
        self.ranking.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Sets the settings searches are ranked with, after checking them
    /// ([`RankingSettings::validate`]). They are kept with the index's
    /// settings (`zhsearch.json`) and hold when it is opened again; no
    /// rebuild is needed, since they change no indexed data. Another
    /// process that has the index open sees them once it opens it again.
    pub fn set_ranking(&self, settings: RankingSettings) -> Result<()> {
        settings.validate()?;
        let mut stored = read_settings(self.directory.as_ref(), &self.dir)?;
        stored.ranking = (settings != RankingSettings::default()).then(|| settings.clone());
        write_settings(self.directory.as_ref(), &self.dir, &stored)?;
        *self.ranking.write().unwrap_or_else(|e| e.into_inner()) = settings;
        Ok(())
    }

    /// How many threads one search may use: an index of 65,536 articles
    /// or more is cut into slices of at least 32,768 articles (a segment
    /// is one slice or more), which that many threads search at once. A
    /// natural query on a large archive takes about 0.6 of its time on one
    /// thread with two (BENCHMARKS.md). The hits and scores are the same
    /// whatever the number, and so are the counts while they are exact
    /// (past [`crate::query::SearchRequest::count_up_to`] they are lower
    /// bounds either way). [`SearchIndex::suggest`] shares its exact
    /// counts among as many threads when they are dear. By default the
    /// machine's cores, up to 4; a server that runs many searches at once,
    /// each on a core of its own, may set 1.
    pub fn search_threads(&self) -> usize {
        self.search_threads.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Sets how many threads one search may use (see
    /// [`SearchIndex::search_threads`]); 0 counts as 1. Not stored with
    /// the index: it is the machine's, not the data's.
    pub fn set_search_threads(&self, threads: usize) {
        self.search_threads.store(threads.max(1), std::sync::atomic::Ordering::Relaxed);
    }

    fn use_synonyms(&self, synonyms: Synonyms) {
        let variants = Variants::default().with_synonyms(&synonyms, |w| self.analyzer.fold(w));
        // A poisoned lock only means a panic elsewhere mid-update; the value
        // is replaced whole either way.
        *self.synonyms.write().unwrap_or_else(|e| e.into_inner()) = Arc::new((synonyms, variants));
    }

    /// The synonyms and the variants they make.
    pub(crate) fn synonym_variants(&self) -> Arc<(Synonyms, Variants)> {
        self.synonyms.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The analyzer this index tokenizes with.
    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    /// The index directory, or `None` for an index in memory.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// Number of articles visible to searches.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Makes the latest commit (of any process) visible now rather than
    /// after the file watcher's delay.
    pub fn reload(&self) -> Result<()> {
        self.reader.reload().map_err(|e| self.error(e))
    }

    /// How many segments the index has now (see [`IndexWriter::merge_segments`]).
    pub fn segment_count(&self) -> usize {
        self.reader.searcher().segment_readers().len()
    }

    /// How many commits the index has seen, as recorded by the latest
    /// commit on disk. It never decreases.
    pub fn commit_count(&self) -> u64 {
        stored_commit_count(&self.index)
    }

    /// The article with this id, if one is committed.
    pub fn get(&self, id: &str) -> Result<Option<Article>> {
        let searcher = self.reader.searcher();
        let query = tantivy::query::TermQuery::new(
            Term::from_field_text(self.fields.id, id),
            tantivy::schema::IndexRecordOption::Basic,
        );
        let top = searcher
            .search(&query, &tantivy::collector::TopDocs::with_limit(1).order_by_score())
            .map_err(|e| self.error(e))?;
        match top.first() {
            Some((_, address)) => Ok(Some(self.load_article(&searcher, *address)?)),
            None => Ok(None),
        }
    }

    /// Reads a stored article back.
    pub(crate) fn load_article(&self, searcher: &tantivy::Searcher, address: tantivy::DocAddress) -> Result<Article> {
        let StoredJson(json) = searcher.doc(address).map_err(|e| self.error(e))?;
        let unreadable = |e: String| {
            Error::invalid(Location::default().in_field("article"), format!("stored article is unreadable: {e}"))
        };
        let stored: StoredArticle = serde_json::from_str(&json).map_err(|e| unreadable(e.to_string()))?;
        let published_at = match stored.published_at {
            Some(t) => {
                Some(chrono::DateTime::parse_from_rfc3339(&t).map_err(|e| unreadable(format!("published_at: {e}")))?)
            }
            None => None,
        };
        Ok(Article {
            id: stored.id,
            title: stored.title,
            body: stored.body,
            source: stored.source,
            author: stored.author,
            published_at,
            url: stored.url,
        })
    }

    /// A writer; only one may exist per index at a time. It indexes on
    /// as many threads as the machine has cores (up to 8).
    pub fn writer(&self) -> Result<IndexWriter> {
        let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).clamp(1, 8);
        self.writer_with_threads(threads)
    }

    /// A writer that indexes on `threads` threads (at least 1, at most 8).
    /// Each thread writes a segment of its own at every commit: for a batch
    /// of a few hundred articles one thread commits in about half the time
    /// of two (the threads' start and the second segment cost more than
    /// the analysis they share), and the index is searched in one segment.
    ///
    /// ```
    /// # use zhsearch::index::SearchIndex;
    /// # use zhsearch::article::Article;
    /// let index = SearchIndex::in_memory(&Default::default())?;
    /// let mut writer = index.writer_with_threads(1)?;
    /// for i in 0..300 {
    ///     writer.upsert(&Article::new(format!("a{i}"), "北京今天天气晴朗。"))?;
    /// }
    /// writer.commit()?;
    /// // One thread, one segment.
    /// assert_eq!(index.segment_count(), 1);
    /// # Ok::<(), zhsearch::Error>(())
    /// ```
    pub fn writer_with_threads(&self, threads: usize) -> Result<IndexWriter> {
        let threads = threads.clamp(1, 8);
        let writer = new_tantivy_writer(&self.index, threads).map_err(|e| match e {
            TantivyError::LockFailure(LockError::LockBusy, _) => {
                Error::WriterLocked { dir: self.dir.clone().unwrap_or_else(|| PathBuf::from("<memory>")) }
            }
            e => self.error(e),
        })?;
        // Files no commit uses are what a failed commit (a full disk) or a
        // killed process left behind: with the lock held, nothing else is
        // writing them, and they would fill the disk again.
        writer.garbage_collect_files().wait().map_err(|e| self.error(e))?;
        let commits = stored_commit_count(&self.index);
        // Only now, holding the lock, is the committed index sure to change
        // through this writer alone.
        self.reader.reload().map_err(|e| self.error(e))?;
        Ok(IndexWriter {
            writer: Some(writer),
            reader: self.reader.clone(),
            fields: self.fields,
            analyzer: self.analyzer.clone(),
            dir: self.dir.clone(),
            commits,
            ids: KnownIds { committed: self.reader.searcher(), added: FxHashSet::default() },
            threads,
        })
    }

    /// The text fields that hold terms in any of `searcher`'s segments.
    ///
    /// Queries skip the others: they match nothing, and tantivy opens an
    /// empty field's inverted index afresh for every term looked up in it
    /// (it caches only non-empty ones), which costs more than the rest of a
    /// short query when, say, no article has a title. Computed once per
    /// searcher generation.
    pub(crate) fn present_fields(&self, searcher: &tantivy::Searcher) -> Result<FieldSet> {
        let generation = searcher.generation().generation_id();
        // A poisoned lock only means another search panicked mid-update;
        // the value is recomputed below either way.
        let mut cached = self.present.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((g, set)) = *cached {
            if g == generation {
                return Ok(set);
            }
        }
        let f = &self.fields;
        let mut set = FieldSet::default();
        // Every segment's, not only up to the first with terms: the
        // readers opened here are cached with the segment, for the searches
        // of this generation.
        for field in [f.title, f.title_key, f.body] {
            for segment in searcher.segment_readers() {
                if segment.inverted_index(field).map_err(|e| self.error(e))?.terms().num_terms() > 0 {
                    set.insert(field);
                }
            }
        }
        *cached = Some((generation, set));
        Ok(set)
    }

    pub(crate) fn error(&self, e: TantivyError) -> Error {
        index_error(self.dir.as_deref(), e)
    }
}

/// A stored document's one stored field, the article's JSON, read without
/// building a whole `TantivyDocument` (loading hits is a large part of a
/// short search).
struct StoredJson(String);

impl DocumentDeserialize for StoredJson {
    fn deserialize<'de, D: DocumentDeserializer<'de>>(
        mut deserializer: D,
    ) -> std::result::Result<Self, DeserializeError> {
        // `article` is the schema's only stored field (see `schema::build`).
        match deserializer.next_field::<String>()? {
            Some((_, json)) => Ok(StoredJson(json)),
            None => Err(DeserializeError::custom("the document has no stored article")),
        }
    }
}

/// An article as the index stores it: exactly what `Article`'s `Serialize`
/// writes. Read with derived serde rather than through `Article`'s lenient
/// reader, which goes through `serde_json::Value` to apply the ingestion
/// rules (aliases, trimming, date formats) that our own output never needs.
#[derive(Deserialize)]
struct StoredArticle {
    id: String,
    title: Option<String>,
    body: String,
    source: Option<String>,
    author: Option<String>,
    published_at: Option<String>,
    url: Option<String>,
}

/// What [`SearchIndex::verify`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// How many files were checked.
    pub files: usize,
    /// Their total size, in bytes.
    pub bytes: u64,
    /// The damaged ones.
    pub damaged: Vec<DamagedFile>,
    /// Anything else wrong: settings, schema.
    pub problems: Vec<String>,
}

/// A file [`SearchIndex::verify`] found damaged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DamagedFile {
    /// The file, relative to the index directory.
    pub path: PathBuf,
    /// What is wrong with it.
    pub reason: String,
}

impl VerifyReport {
    /// Whether nothing is wrong.
    pub fn is_ok(&self) -> bool {
        self.damaged.is_empty() && self.problems.is_empty()
    }
}

/// `ok: 12 files (3.4 MB) checked`, or one line per problem.
impl std::fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let size = format!("{} files ({:.1} MB)", self.files, self.bytes as f64 / 1e6);
        if self.is_ok() {
            return writeln!(f, "ok: {size} checked");
        }
        writeln!(f, "damaged: {size} checked")?;
        for d in &self.damaged {
            writeln!(f, "  {}: {}", d.path.display(), d.reason)?;
        }
        for p in &self.problems {
            writeln!(f, "  {p}")?;
        }
        Ok(())
    }
}

/// A set of schema fields.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct FieldSet(u64);

impl FieldSet {
    fn insert(&mut self, field: tantivy::schema::Field) {
        // The schema has fewer than 64 fields (see `schema::build`).
        self.0 |= 1u64.checked_shl(field.field_id()).unwrap_or(0);
    }

    /// A field beyond the 64 the set can hold counts as present: a query
    /// that looks in a field needlessly is slower, one that skips a field
    /// wrongly is wrong.
    pub(crate) fn contains(&self, field: tantivy::schema::Field) -> bool {
        1u64.checked_shl(field.field_id()).is_none_or(|bit| self.0 & bit != 0)
    }
}

/// Adds, replaces and deletes articles. Nothing is visible or durable until
/// [`commit`](IndexWriter::commit).
pub struct IndexWriter {
    /// tantivy's writer; `None` once a failed write could not start a new
    /// one (see `clean_up_after_failure`).
    writer: Option<tantivy::IndexWriter>,
    reader: Reader,
    fields: Fields,
    analyzer: Analyzer,
    dir: Option<PathBuf>,
    /// Commits so far, carried in each commit's payload.
    commits: u64,
    ids: KnownIds,
    /// The indexing threads (see [`SearchIndex::writer_with_threads`]).
    threads: usize,
}

/// The ids an upsert may have to replace.
///
/// Replacing is a delete by id, and tantivy carries out every delete at
/// commit against every segment, a term lookup and a scorer each: about 3%
/// of a bulk load into an empty index, where no id can exist. So an upsert
/// deletes only an id that is in the committed index or was added through
/// this writer since its last commit. The writer holds the index's lock,
/// so nothing else changes what is committed; a check may say yes wrongly
/// (a hash collision), which costs a needless delete and nothing else.
struct KnownIds {
    /// The committed index, as of the writer's lock or its last commit,
    /// merge or rollback.
    committed: tantivy::Searcher,
    /// Hashes of the ids added through this writer since its last commit
    /// or rollback. Eight bytes an id, rather than the ids: a bulk load can
    /// be millions of articles.
    added: FxHashSet<u64>,
}

impl KnownIds {
    /// After a commit or a rollback: every id added before it is now in
    /// the committed index, or gone.
    fn reset(&mut self, committed: tantivy::Searcher) {
        self.committed = committed;
        self.added.clear();
    }

    /// Whether an article with this id may exist, committed or not.
    fn may_exist(&self, id_field: tantivy::schema::Field, id: &str) -> bool {
        if self.added.contains(&id_hash(id)) {
            return true;
        }
        self.committed.segment_readers().iter().any(|segment| {
            // A segment that cannot be read is assumed to hold the id: the
            // delete is then left to tantivy, as it would be without this.
            segment
                .inverted_index(id_field)
                .map_or(true, |index| index.terms().get(id.as_bytes()).map_or(true, |info| info.is_some()))
        })
    }
}

fn id_hash(id: &str) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault};
    BuildHasherDefault::<rustc_hash::FxHasher>::default().hash_one(id)
}

/// `article` as tantivy's document, checked first.
fn article_document(f: Fields, analyzer: &Analyzer, article: &Article) -> Result<TantivyDocument> {
    document_with(f, analyzer, article, &mut |doc, field, text| doc.add_text(field, text))
}

/// The document of `article`, its title and body added by `text`.
fn document_with(
    f: Fields,
    analyzer: &Analyzer,
    article: &Article,
    text: &mut dyn FnMut(&mut TantivyDocument, Field, &str),
) -> Result<TantivyDocument> {
    article.validate()?;
    let location = || Location::default().in_field("body");
    let mut doc = TantivyDocument::default();
    doc.add_text(f.id, &article.id);
    if let Some(title) = &article.title {
        text(&mut doc, f.title, title);
        doc.add_text(f.title_key, schema::title_key(analyzer, title));
    }
    text(&mut doc, f.body, &article.body);
    if let Some(source) = &article.source {
        doc.add_text(f.source, source);
    }
    if let Some(author) = &article.author {
        doc.add_text(f.author, author);
    }
    if let Some(at) = &article.published_at {
        doc.add_date(f.published_at, tantivy::DateTime::from_timestamp_secs(at.timestamp()));
    }
    let json = serde_json::to_string(article).map_err(|e| Error::invalid(location(), e.to_string()))?;
    doc.add_text(f.article, json);
    Ok(doc)
}

/// The token that stands, in a field of [`SearchIndex::in_memory_keeping`],
/// for the tokens left out: the field then has a term exactly when it has
/// text, as the whole index's has (a search looks in the fields that
/// have). No text analyzes to it: the normalizer reads NUL as a separator.
pub(crate) const LEFT_OUT_TOKEN: &str = "\u{0}";

/// More text than this (in bytes) is analyzed by two threads in
/// [`SearchIndex::in_memory_keeping`]. The analysis runs at about 50 MB/s
/// a thread (300 news articles, 620 KB: 12 ms); starting a thread costs
/// tens of microseconds, a tenth of what analyzing this much takes.
const KEPT_PARALLEL_BYTES: usize = 16 * 1024;

/// The text of `article` an index analyzes (title and body), in bytes.
fn text_bytes(article: &Article) -> usize {
    article.body.len() + article.title.as_ref().map_or(0, String::len)
}

/// The documents of `articles`, their title and body analyzed into the
/// streams of the `kept` tokens only (at their positions), for
/// [`ReplayTokenizer`]: the text of article `i`'s title is stream `2i`,
/// of its body `2i + 1`. With them, the true length of each field (the
/// tokens tantivy would have counted), `[title, body]` per article.
fn kept_documents(
    f: Fields,
    analyzer: &Analyzer,
    articles: &[&Article],
    kept: &FxHashSet<String>,
) -> Result<(Vec<TantivyDocument>, TokenStreams, Vec<[u32; 2]>)> {
    let mut texts = vec![LEFT_OUT_TOKEN.to_owned()];
    texts.extend(kept.iter().filter(|t| t.as_str() != LEFT_OUT_TOKEN).cloned());
    let ids: rustc_hash::FxHashMap<&str, u32> =
        texts.iter().zip(0u32..).skip(1).map(|(t, id)| (t.as_str(), id)).collect();
    type Analyzed = (TantivyDocument, [Vec<[u32; 4]>; 2], [u32; 2]);
    let one = |i: usize, article: &Article| -> Result<Analyzed> {
        let mut streams: [Vec<[u32; 4]>; 2] = Default::default();
        let mut lengths = [0u32; 2];
        let mut with = |doc: &mut TantivyDocument, field: Field, text: &str| {
            let at = usize::from(field == f.body);
            let (stream, length) = (&mut streams[at], &mut lengths[at]);
            let mut left_out = false;
            analyzer.for_each_char_token(text, |t, from, to, position| {
                // tantivy drops (and does not count) a longer token.
                if t.len() > tantivy::tokenizer::MAX_TOKEN_LEN {
                    return;
                }
                *length += 1;
                match ids.get(t) {
                    Some(&id) => stream.push([id, position as u32, from as u32, to as u32]),
                    None => left_out = true,
                }
            });
            if left_out {
                stream.push([0, 0, 0, 0]);
            }
            doc.add_text(field, (2 * i + at).to_string());
        };
        let doc = document_with(f, analyzer, article, &mut with)?;
        Ok((doc, streams, lengths))
    };
    let all = |from: usize, articles: &[&Article]| -> Result<Vec<Analyzed>> {
        articles.iter().enumerate().map(|(k, a)| one(from + k, a)).collect()
    };
    let bytes: usize = articles.iter().map(|a| text_bytes(a)).sum();
    let analyzed = if bytes <= KEPT_PARALLEL_BYTES || articles.len() < 2 {
        all(0, articles)?
    } else {
        // Two halves of about as much text each, the first on another thread.
        let (mut half, mut at) = (0, 0);
        while at < articles.len() && half * 2 < bytes {
            half += text_bytes(articles[at]);
            at += 1;
        }
        let (first, second) = articles.split_at(at);
        std::thread::scope(|scope| {
            let other = scope.spawn(|| all(0, first));
            let mut rest = all(at, second)?;
            let mut done = match other.join() {
                Ok(done) => done?,
                Err(panic) => std::panic::resume_unwind(panic),
            };
            done.append(&mut rest);
            Ok::<_, Error>(done)
        })?
    };
    let mut documents = Vec::with_capacity(analyzed.len());
    let mut streams = TokenStreams { texts, streams: Vec::with_capacity(2 * analyzed.len()) };
    let mut lengths = Vec::with_capacity(analyzed.len());
    for (doc, [title, body], length) in analyzed {
        documents.push(doc);
        streams.streams.push(title);
        streams.streams.push(body);
        lengths.push(length);
    }
    Ok((documents, streams, lengths))
}

/// Writes the true `lengths` (`[title, body]` per document, in order) over
/// the field lengths tantivy counted in `index`'s one segment, keeping
/// every other field's.
fn write_lengths(index: &Index, f: Fields, lengths: &[[u32; 2]]) -> tantivy::Result<()> {
    use tantivy::fieldnorm::{FieldNormReader, FieldNormReaders, FieldNormsSerializer};
    use tantivy::index::SegmentComponent;
    let metas = index.searchable_segment_metas()?;
    let [meta] = metas.as_slice() else {
        return Err(TantivyError::InternalError(format!("{} segments where one was built", metas.len())));
    };
    // The index's own directory reads and writes the files' footers.
    let directory = index.directory();
    let path = meta.relative_path(SegmentComponent::FieldNorms);
    let readers = FieldNormReaders::open(directory.open_read(&path)?)?;
    let mut columns = Vec::new();
    for (field, _) in index.schema().fields() {
        let Some(reader) = readers.get_field(field)? else { continue };
        let column: Vec<u8> = if field == f.title || field == f.body {
            let at = usize::from(field == f.body);
            lengths.iter().map(|l| FieldNormReader::fieldnorm_to_id(l[at])).collect()
        } else {
            (0..meta.max_doc()).map(|doc| reader.fieldnorm_id(doc)).collect()
        };
        columns.push((field, column));
    }
    drop(readers);
    directory.delete(&path).map_err(|e| TantivyError::InternalError(e.to_string()))?;
    let mut serializer = FieldNormsSerializer::from_write(directory.open_write(&path)?)?;
    for (field, column) in columns {
        serializer.serialize_field(field, &column)?;
    }
    serializer.close()?;
    Ok(())
}

impl IndexWriter {
    /// Adds `article`, replacing any article with the same id. Within one
    /// commit, the last upsert of an id wins.
    pub fn upsert(&mut self, article: &Article) -> Result<()> {
        let f = self.fields;
        let doc = article_document(f, &self.analyzer, article)?;
        let may_exist = self.ids.may_exist(f.id, &article.id);
        let writer = self.tantivy_writer()?;
        if may_exist {
            writer.delete_term(Term::from_field_text(f.id, &article.id));
        }
        if let Err(e) = writer.add_document(doc) {
            // The indexing threads stopped on a failed write: what they had
            // of this commit is lost either way (see `commit`).
            let e = self.diagnose(index_error(self.dir.as_deref(), e));
            self.clean_up_after_failure();
            return Err(e);
        }
        self.ids.added.insert(id_hash(&article.id));
        Ok(())
    }

    /// Deletes the article with this id, if there is one.
    /// (After a failed write that could not start a new writer, it does
    /// nothing, and the next commit says so.)
    pub fn delete(&mut self, id: &str) {
        let term = Term::from_field_text(self.fields.id, id);
        if let Some(writer) = &mut self.writer {
            writer.delete_term(term);
        }
    }

    /// tantivy's writer, or the error that says why there is none.
    fn tantivy_writer(&mut self) -> Result<&mut tantivy::IndexWriter> {
        let dir = self.dir.clone();
        self.writer.as_mut().ok_or_else(|| {
            index_error(
                dir.as_deref(),
                TantivyError::InvalidArgument(
                    "an earlier write failed and no new writer could be started; open a new writer".into(),
                ),
            )
        })
    }

    /// Makes every change so far durable and visible to searches.
    ///
    /// When it fails (a full disk, a permission), the changes since the
    /// last commit are dropped and the files the failed commit wrote are
    /// deleted, so that the space comes back: what was committed before is
    /// untouched, and the writer takes new changes (or a new writer does)
    /// once the cause is gone.
    pub fn commit(&mut self) -> Result<()> {
        let result = self.try_commit();
        if let Err(e) = result {
            let e = self.diagnose(e);
            self.clean_up_after_failure();
            return Err(e);
        }
        Ok(())
    }

    /// The error to report for a failed write. When an indexing thread
    /// fails, tantivy says only that the writer was killed ("an io::Error
    /// most likely"); a small test write to the index's directory then
    /// names the cause, such as a full disk.
    fn diagnose(&self, e: Error) -> Error {
        let Error::Index { source: TantivyError::ErrorInThread(_), .. } = &e else { return e };
        let probe = Path::new(".zhsearch-write-probe");
        let Some(writer) = &self.writer else { return e };
        let directory = writer.index().directory();
        match directory.atomic_write(probe, b"probe") {
            Ok(()) => {
                let _ = directory.delete(probe);
                e
            }
            Err(io) => Error::io(label(&self.dir), io),
        }
    }

    fn try_commit(&mut self) -> Result<()> {
        let dir = self.dir.clone();
        let error = |e| index_error(dir.as_deref(), e);
        let payload = (self.commits + 1).to_string();
        let mut prepared = self.tantivy_writer()?.prepare_commit().map_err(error)?;
        prepared.set_payload(&payload);
        prepared.commit().map_err(error)?;
        self.commits += 1;
        self.reader.reload().map_err(error)?;
        // The committed index now answers for every id added so far; the
        // old searcher would keep merged-away segments on disk.
        self.ids.reset(self.reader.searcher());
        Ok(())
    }

    /// Merges every committed segment into one, and waits for it.
    ///
    /// An index is written in segments, at least one per indexing thread
    /// per commit, and each has its own term dictionaries: many segments
    /// take more room and make every query open more. After a bulk load,
    /// one merge makes the index smaller (BENCHMARKS.md has the sizes as
    /// built and merged) and searches cheaper. It rewrites the whole
    /// index, so it is not for after every small commit. Uncommitted
    /// changes are not merged: commit first. Deleted and replaced articles
    /// are purged on the way.
    pub fn merge_segments(&mut self) -> Result<()> {
        let dir = self.dir.clone();
        let error = |e| index_error(dir.as_deref(), e);
        let reader = self.reader.clone();
        let writer = self.tantivy_writer()?;
        // tantivy's merge policy may be merging some of the segments in the
        // background after a commit; a merge that names one of them is
        // refused. Then the segments are read again, once that merge has
        // moved on.
        let mut attempts = 0;
        loop {
            reader.reload().map_err(error)?;
            let segments = writer.index().searchable_segment_ids().map_err(error)?;
            let has_deletes = reader.searcher().segment_readers().iter().any(|s| s.has_deletes());
            if segments.len() <= 1 && !has_deletes {
                break;
            }
            match writer.merge(&segments).wait() {
                Ok(_) => break,
                Err(TantivyError::InvalidArgument(_)) if attempts < MERGE_ATTEMPTS => {
                    attempts += 1;
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                Err(e) => return Err(error(e)),
            }
        }
        self.reader.reload().map_err(error)?;
        self.ids.committed = self.reader.searcher();
        Ok(())
    }

    /// After a failed commit: back to the last commit, then delete the
    /// files no commit uses (those the failed one wrote). Each step may
    /// fail in turn on a disk that is still full; what it leaves, the next
    /// writer deletes when it opens (see [`SearchIndex::writer`]).
    fn clean_up_after_failure(&mut self) {
        if let Some(mut writer) = self.writer.take() {
            let index = writer.index().clone();
            let _ = writer.rollback();
            // Merges it started must end before their files can go.
            let _ = writer.wait_merging_threads();
            // A new writer, which deletes every file no commit uses.
            if let Ok(fresh) = new_tantivy_writer(&index, self.threads) {
                collect_until_quiet(&fresh);
                self.writer = Some(fresh);
            }
        }
        // Until the reader has seen the rollback, the ids added since the
        // last commit are kept: an upsert of one deletes it first, which is
        // never wrong.
        if self.reader.reload().is_ok() {
            self.ids.reset(self.reader.searcher());
        }
    }

    /// Drops every change since the last commit.
    pub fn rollback(&mut self) -> Result<()> {
        let dir = self.dir.clone();
        let error = |e| index_error(dir.as_deref(), e);
        self.tantivy_writer()?.rollback().map_err(error)?;
        // The writer goes back to the last commit on disk, which the reader
        // may not have seen (a commit whose reload failed): the ids added
        // before it are forgotten only once the reader has.
        self.reader.reload().map_err(error)?;
        self.ids.reset(self.reader.searcher());
        Ok(())
    }
}

/// Deletes the files no commit uses, again and again until a few passes in
/// a row find none, within about a second (all of it on a disk still
/// full, where every pass fails to record what it deleted).
///
/// tantivy's commit returns at the first indexing thread that failed and
/// lets go of the others without waiting for them: one of them may still
/// be writing its segment (to a disk that had room for it) after the
/// rollback. Its files would outlive the failed commit and hold the space
/// that the failure should give back; a worker that has not finished in a
/// second is left to the next writer's collection (see
/// [`SearchIndex::writer`]).
fn collect_until_quiet(writer: &tantivy::IndexWriter) {
    let mut quiet = 0;
    for _ in 0..QUIET_PASSES_MAX {
        match writer.garbage_collect_files().wait() {
            Ok(result) if result.deleted_files.is_empty() => quiet += 1,
            // A pass that deleted files, or that failed after deleting
            // them: on a full disk, recording the deletions in
            // `.managed.json` fails, every pass. Either way, look again.
            Ok(_) | Err(_) => quiet = 0,
        }
        if quiet >= QUIET_PASSES {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// How many passes in a row must delete nothing (see `collect_until_quiet`).
const QUIET_PASSES: u32 = 3;
/// The most passes, 20 ms apart.
const QUIET_PASSES_MAX: u32 = 50;

/// How often `merge_segments` asks again when a background merge holds
/// some of the segments (20 ms apart).
const MERGE_ATTEMPTS: u32 = 50;

/// A tantivy writer with zhsearch's threads and memory.
fn new_tantivy_writer(index: &Index, threads: usize) -> tantivy::Result<tantivy::IndexWriter> {
    index.writer_with_num_threads(threads, WRITER_MEMORY)
}

/// The commit count in the payload of the latest commit (0 before any).
fn stored_commit_count(index: &Index) -> u64 {
    index.load_metas().ok().and_then(|m| m.payload).and_then(|p| p.parse().ok()).unwrap_or(0)
}

fn index_error(dir: Option<&Path>, source: TantivyError) -> Error {
    Error::Index { dir: dir.map(Path::to_owned), source }
}

/// How errors name an index: its directory, or `<directory>` for one
/// given as a tantivy `Directory`.
fn label(dir: &Option<PathBuf>) -> PathBuf {
    dir.clone().unwrap_or_else(|| PathBuf::from("<directory>"))
}

fn read_settings(directory: &dyn Directory, dir: &Option<PathBuf>) -> Result<StoredSettings> {
    let path = label(dir).join(SETTINGS_FILE);
    let bytes = match directory.atomic_read(Path::new(SETTINGS_FILE)) {
        Ok(b) => b,
        Err(tantivy::directory::error::OpenReadError::FileDoesNotExist(_)) => {
            return Err(Error::NotAnIndex { dir: label(dir), reason: format!("{SETTINGS_FILE} is missing") });
        }
        Err(e) => return Err(Error::io(&path, std::io::Error::other(e.to_string()))),
    };
    let stored: StoredSettings = serde_json::from_slice(&bytes)
        .map_err(|e| Error::invalid(Location::file(&path).at_line(e.line()), e.to_string()))?;
    if stored.format != FORMAT_VERSION {
        return Err(Error::invalid(
            Location::file(&path).in_field("format"),
            format!("index format {} is not supported (this zhsearch reads {FORMAT_VERSION})", stored.format),
        ));
    }
    Ok(stored)
}

/// Writes the settings file whole or not at all (tantivy's atomic write:
/// a temporary file, then a rename).
fn write_settings(directory: &dyn Directory, dir: &Option<PathBuf>, stored: &StoredSettings) -> Result<()> {
    let path = label(dir).join(SETTINGS_FILE);
    let json = serde_json::to_vec_pretty(stored).map_err(|e| Error::invalid(Location::file(&path), e.to_string()))?;
    directory.atomic_write(Path::new(SETTINGS_FILE), &json).map_err(|e| Error::io(&path, e))
}

/// The cheap check of [`SearchIndex::open`]: every file of every segment
/// is there and ends in a footer tantivy can read. A file cut short by a
/// full disk or a bad copy fails here, by name, instead of at some query.
fn check_segment_files(index: &Index, dir: &Option<PathBuf>) -> Result<()> {
    for path in segment_files(index).map_err(|e| index_error(dir.as_deref(), e))? {
        // tantivy's managed directory reads and checks the footer as it
        // opens a file.
        if let Err(e) = index.directory().open_read(&path) {
            let reason = format!("{e}; the file is missing, cut short or its end damaged");
            return Err(Error::Damaged { dir: label(dir), file: path, reason });
        }
    }
    Ok(())
}

/// The files of the index's searchable segments, as its metadata lists
/// them (whether they exist or not).
pub(crate) fn segment_files(index: &Index) -> tantivy::Result<Vec<PathBuf>> {
    use tantivy::index::SegmentComponent;
    let mut out = Vec::new();
    for meta in index.searchable_segment_metas()? {
        let mut components = vec![
            SegmentComponent::Postings,
            SegmentComponent::Positions,
            SegmentComponent::FastFields,
            SegmentComponent::FieldNorms,
            SegmentComponent::Terms,
            SegmentComponent::Store,
        ];
        if meta.has_deletes() {
            components.push(SegmentComponent::Delete);
        }
        out.extend(components.into_iter().map(|c| meta.relative_path(c)));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A part indexed with some tokens only has, in each text field, the
    /// lengths and the presence of the whole part, and the postings of the
    /// kept tokens as the whole part has them.
    #[test]
    fn a_part_keeping_some_tokens_has_the_whole_parts_lengths() {
        let analyzer = Analyzer::new().expect("analyzer");
        let mut articles: Vec<Article> = (0..40)
            .map(|i| {
                let body = format!("第{i}篇：经济发展的报告，{}。", "科学技术是第一生产力".repeat(i % 7 + 1));
                let title = (i % 3 != 0).then(|| format!("标题{i} 新闻"));
                Article { title, ..Article::new(format!("a{i}"), body) }
            })
            .collect();
        // Longer than MAX_TOKEN_LEN: tantivy drops such a token uncounted.
        articles.push(Article::new("long", format!("经济 {}", "x".repeat(tantivy::tokenizer::MAX_TOKEN_LEN + 10))));
        let whole = SearchIndex::in_memory_of(&analyzer, &articles).expect("whole");
        for kept in [vec!["经济", "发", "展"], vec![], vec!["新", "闻", "标"]] {
            let kept: FxHashSet<String> = kept.into_iter().map(String::from).collect();
            let part = SearchIndex::in_memory_keeping(&analyzer, &articles, &kept).expect("kept");
            let (a, b) = (whole.reader.searcher(), part.reader.searcher());
            let (a, b) = (a.segment_reader(0), b.segment_reader(0));
            for field in [whole.fields.title, whole.fields.body] {
                let (na, nb) =
                    (a.get_fieldnorms_reader(field).expect("norms"), b.get_fieldnorms_reader(field).expect("norms"));
                for doc in 0..a.max_doc() {
                    assert_eq!(na.fieldnorm_id(doc), nb.fieldnorm_id(doc), "{kept:?}: doc {doc}");
                }
                for token in &kept {
                    let term = Term::from_field_text(field, token);
                    let read = |r: &tantivy::SegmentReader| {
                        let mut out = Vec::new();
                        let postings = r
                            .inverted_index(field)
                            .expect("inverted")
                            .read_postings(&term, tantivy::schema::IndexRecordOption::WithFreqsAndPositions)
                            .expect("read");
                        if let Some(mut p) = postings {
                            use tantivy::DocSet;
                            while p.doc() != tantivy::TERMINATED {
                                let mut positions = Vec::new();
                                tantivy::postings::Postings::positions(&mut p, &mut positions);
                                out.push((p.doc(), positions));
                                p.advance();
                            }
                        }
                        out
                    };
                    assert_eq!(read(a), read(b), "{token}");
                }
            }
            let (pa, pb) =
                (whole.present_fields(&whole.reader.searcher()), part.present_fields(&part.reader.searcher()));
            assert_eq!(pa.expect("present"), pb.expect("present"), "{kept:?}");
        }
    }

    /// Opening an index on disk opens its segments' inverted indexes and
    /// finds the fields that hold terms: the first search does not pay
    /// for them (a tenth of a fresh process's first search).
    #[test]
    fn opening_finds_the_fields_with_terms_before_the_first_search() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| Error::io(Path::new("tempdir"), e))?;
        {
            let index = SearchIndex::create(dir.path(), &AnalyzerSettings::default())?;
            let mut writer = index.writer()?;
            writer.upsert(&Article::new("a", "貧困縣脫貧攻堅取得進展。".to_owned()))?;
            writer.commit()?;
        }
        let index = SearchIndex::open(dir.path())?;
        // The generation is not compared: tantivy's file watcher reports
        // the meta file once when it starts, and the reload that follows
        // may come before this line.
        let cached = *index.present.lock().expect("present");
        let (_, set) = cached.expect("the fields were found at open");
        assert!(set.contains(index.fields.body));
        assert!(!set.contains(index.fields.title), "no article has a title");
        Ok(())
    }

    /// `preload` maps every file that searches read, of every searched
    /// segment, and no stored articles: the bytes it reports are those
    /// files' data, their sizes on disk less tantivy's footers (a JSON
    /// payload, its length and a magic number). An index in memory
    /// preloads too.
    #[test]
    fn preload_maps_what_searches_read_and_not_the_articles() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| Error::io(Path::new("tempdir"), e))?;
        let index = SearchIndex::create(dir.path(), &AnalyzerSettings::default())?;
        let mut writer = index.writer()?;
        for (i, body) in ["貧困縣脫貧攻堅取得進展。", "北京今天天气晴朗。"].into_iter().enumerate()
        {
            writer.upsert(&Article::new(format!("a{i}"), body))?;
            // Two commits, two segments.
            writer.commit()?;
        }
        let mut expected = 0;
        let mut stored = 0;
        for entry in std::fs::read_dir(dir.path()).map_err(|e| Error::io(dir.path(), e))? {
            let path = entry.map_err(|e| Error::io(dir.path(), e))?.path();
            let len = || -> Result<u64> {
                let raw = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
                let at = raw.len() - 8;
                let payload = u32::from_le_bytes(raw[at..at + 4].try_into().expect("four bytes"));
                Ok((at - payload as usize) as u64)
            };
            match path.extension().and_then(|e| e.to_str()) {
                Some("term" | "idx" | "pos" | "fieldnorm" | "fast") => expected += len()?,
                Some("store") => stored += len()?,
                _ => {}
            }
        }
        assert_eq!(index.segment_count(), 2);
        assert!(stored > 0);
        assert_eq!(index.preload()?, expected);
        let in_memory = SearchIndex::in_memory(&AnalyzerSettings::default())?;
        let mut writer = in_memory.writer()?;
        writer.upsert(&Article::new("a", "北京今天天气晴朗。"))?;
        writer.commit()?;
        assert!(in_memory.preload()? > 0);
        Ok(())
    }

    /// The index holds character-level tokens only: a process that only
    /// ingests never loads jieba's dictionary; the first search does.
    #[test]
    fn indexing_does_not_load_jieba() -> Result<()> {
        let index = SearchIndex::in_memory(&AnalyzerSettings::default())?;
        let mut writer = index.writer()?;
        let mut article = Article::new("a", "貧困縣脫貧攻堅取得進展。".to_owned());
        article.title = Some("脫貧攻堅".to_owned());
        writer.upsert(&article)?;
        writer.commit()?;
        assert!(!index.analyzer().has_jieba());
        let results = index.search(&crate::query::SearchRequest::new("贫困县"))?;
        assert_eq!(results.hits.len(), 1);
        assert!(index.analyzer().has_jieba());
        Ok(())
    }
}
