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

pub mod schema;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustc_hash::FxHashSet;
use serde::{Deserialize, Serialize};
use tantivy::directory::error::LockError;
use tantivy::schema::document::{DeserializeError, DocumentDeserialize, DocumentDeserializer};
use tantivy::schema::TantivyDocument;
use tantivy::{Index, IndexReader, ReloadPolicy, TantivyError, Term};

use crate::analysis::{Analyzer, AnalyzerSettings, Synonyms, Variants};
use crate::article::Article;
use crate::error::{Error, Location, Result};
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

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredSettings {
    format: u32,
    analyzer: AnalyzerSettings,
    /// The user's synonyms (see [`SearchIndex::set_synonyms`]).
    #[serde(default, skip_serializing_if = "Synonyms::is_empty")]
    synonyms: Synonyms,
}

/// A searchable collection of articles. Cheap to share across threads
/// (`&SearchIndex` is all a search needs).
pub struct SearchIndex {
    pub(crate) index: Index,
    pub(crate) reader: IndexReader,
    pub(crate) fields: Fields,
    pub(crate) analyzer: Analyzer,
    dir: Option<PathBuf>,
    /// Which text fields hold any terms, for the latest searcher
    /// generation seen (see [`SearchIndex::present_fields`]).
    present: std::sync::Mutex<Option<(u64, FieldSet)>>,
    /// The user's synonyms, and the variants they make (folded).
    synonyms: std::sync::RwLock<Arc<(Synonyms, Variants)>>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex").field("dir", &self.dir).field("docs", &self.num_docs()).finish()
    }
}

impl SearchIndex {
    /// Creates a new index in `dir` (created if missing). Fails if `dir`
    /// already holds an index.
    pub fn create(dir: impl AsRef<Path>, settings: &AnalyzerSettings) -> Result<SearchIndex> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        if dir.join(SETTINGS_FILE).exists() || dir.join("meta.json").exists() {
            return Err(Error::IndexExists { dir: dir.to_owned() });
        }
        let analyzer = Analyzer::from_settings(settings)?;
        let stored = StoredSettings {
            format: FORMAT_VERSION,
            analyzer: analyzer.settings().clone(),
            synonyms: Synonyms::default(),
        };
        let json =
            serde_json::to_vec_pretty(&stored).map_err(|e| Error::invalid(Location::default(), e.to_string()))?;
        // Settings first: an index directory without them is not ours.
        write_atomically(&dir.join(SETTINGS_FILE), &json)?;
        let (schema, fields) = schema::build();
        let index = Index::builder()
            .schema(schema)
            .settings(schema::index_settings())
            .create_in_dir(dir)
            .map_err(|e| index_error(Some(dir), e))?;
        SearchIndex::assemble(index, fields, analyzer, Some(dir.to_owned()))
    }

    /// Opens the index in `dir` with the analyzer settings it was built with.
    pub fn open(dir: impl AsRef<Path>) -> Result<SearchIndex> {
        let dir = dir.as_ref();
        let stored = read_settings(dir)?;
        let settings = stored.analyzer;
        if settings.scheme() != crate::analysis::SCHEME_VERSION {
            return Err(Error::OutdatedScheme {
                dir: dir.to_owned(),
                found: settings.scheme(),
                supported: crate::analysis::SCHEME_VERSION,
            });
        }
        let analyzer = Analyzer::from_settings(&settings)?;
        let index = Index::open_in_dir(dir).map_err(|e| not_an_index(dir, e))?;
        let fields = schema::resolve(&index.schema())
            .ok_or_else(|| Error::NotAnIndex { dir: dir.to_owned(), reason: "its schema is not zhsearch's".into() })?;
        let opened = SearchIndex::assemble(index, fields, analyzer, Some(dir.to_owned()))?;
        opened.use_synonyms(stored.synonyms);
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
        let (schema, fields) = schema::build();
        let index = Index::builder()
            .schema(schema)
            .settings(schema::index_settings())
            .create_in_ram()
            .map_err(|e| index_error(None, e))?;
        SearchIndex::assemble(index, fields, analyzer, None)
    }

    fn assemble(index: Index, fields: Fields, analyzer: Analyzer, dir: Option<PathBuf>) -> Result<SearchIndex> {
        index.tokenizers().register(schema::CHAR_TOKENIZER, analyzer.char_tokenizer());
        // Our own commits reload the reader at once (see `IndexWriter::commit`);
        // the file watcher picks up commits made by other processes.
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            .try_into()
            .map_err(|e| index_error(dir.as_deref(), e))?;
        Ok(SearchIndex {
            index,
            reader,
            fields,
            analyzer,
            dir,
            present: Default::default(),
            synonyms: Default::default(),
        })
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
        if let Some(dir) = &self.dir {
            let mut stored = read_settings(dir)?;
            stored.synonyms = synonyms.clone();
            let json = serde_json::to_vec_pretty(&stored)
                .map_err(|e| Error::invalid(Location::file(dir.join(SETTINGS_FILE)), e.to_string()))?;
            write_atomically(&dir.join(SETTINGS_FILE), &json)?;
        }
        self.use_synonyms(synonyms);
        Ok(())
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

    /// A writer; only one may exist per index at a time.
    pub fn writer(&self) -> Result<IndexWriter> {
        let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).clamp(1, 8);
        let writer = self.index.writer_with_num_threads(threads, WRITER_MEMORY).map_err(|e| match e {
            TantivyError::LockFailure(LockError::LockBusy, _) => {
                Error::WriterLocked { dir: self.dir.clone().unwrap_or_else(|| PathBuf::from("<memory>")) }
            }
            e => self.error(e),
        })?;
        let commits = stored_commit_count(&self.index);
        // Only now, holding the lock, is the committed index sure to change
        // through this writer alone.
        self.reader.reload().map_err(|e| self.error(e))?;
        Ok(IndexWriter {
            writer,
            reader: self.reader.clone(),
            fields: self.fields,
            analyzer: self.analyzer.clone(),
            dir: self.dir.clone(),
            commits,
            ids: KnownIds { committed: self.reader.searcher(), added: FxHashSet::default() },
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
        for field in [f.title, f.title_key, f.body] {
            for segment in searcher.segment_readers() {
                if segment.inverted_index(field).map_err(|e| self.error(e))?.terms().num_terms() > 0 {
                    set.insert(field);
                    break;
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
    writer: tantivy::IndexWriter,
    reader: IndexReader,
    fields: Fields,
    analyzer: Analyzer,
    dir: Option<PathBuf>,
    /// Commits so far, carried in each commit's payload.
    commits: u64,
    ids: KnownIds,
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

impl IndexWriter {
    /// Adds `article`, replacing any article with the same id. Within one
    /// commit, the last upsert of an id wins.
    pub fn upsert(&mut self, article: &Article) -> Result<()> {
        let location = || Location::default().in_field("body");
        if article.body.trim().is_empty() {
            return Err(Error::invalid(location(), format!("article `{}` has an empty body", article.id)));
        }
        if article.body.len() > MAX_ARTICLE_BYTES {
            return Err(Error::invalid(
                location(),
                format!(
                    "article `{}` has a body of {} bytes; the limit is {MAX_ARTICLE_BYTES}",
                    article.id,
                    article.body.len()
                ),
            ));
        }
        if article.id.is_empty() {
            return Err(Error::invalid(Location::default().in_field("id"), "article id is empty"));
        }
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, &article.id);
        if let Some(title) = &article.title {
            doc.add_text(f.title, title);
            doc.add_text(f.title_key, schema::title_key(&self.analyzer, title));
        }
        doc.add_text(f.body, &article.body);
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
        if self.ids.may_exist(f.id, &article.id) {
            self.writer.delete_term(Term::from_field_text(f.id, &article.id));
        }
        self.writer.add_document(doc).map_err(|e| index_error(self.dir.as_deref(), e))?;
        self.ids.added.insert(id_hash(&article.id));
        Ok(())
    }

    /// Deletes the article with this id, if there is one.
    pub fn delete(&mut self, id: &str) {
        self.writer.delete_term(Term::from_field_text(self.fields.id, id));
    }

    /// Makes every change so far durable and visible to searches.
    pub fn commit(&mut self) -> Result<()> {
        let error = |e| index_error(self.dir.as_deref(), e);
        let mut prepared = self.writer.prepare_commit().map_err(error)?;
        prepared.set_payload(&(self.commits + 1).to_string());
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
    /// one merge makes the index smaller (the Tang poems: from 3.2 to 3.0
    /// times their raw text) and searches cheaper. It rewrites the whole
    /// index, so it is not for after every small commit. Uncommitted
    /// changes are not merged: commit first. Deleted and replaced articles
    /// are purged on the way.
    pub fn merge_segments(&mut self) -> Result<()> {
        let error = |e| index_error(self.dir.as_deref(), e);
        let segments = self.writer.index().searchable_segment_ids().map_err(error)?;
        let has_deletes = self.reader.searcher().segment_readers().iter().any(|s| s.has_deletes());
        if segments.len() > 1 || has_deletes {
            self.writer.merge(&segments).wait().map_err(error)?;
        }
        self.reader.reload().map_err(error)?;
        self.ids.committed = self.reader.searcher();
        Ok(())
    }

    /// Drops every change since the last commit.
    pub fn rollback(&mut self) -> Result<()> {
        let error = |e| index_error(self.dir.as_deref(), e);
        self.writer.rollback().map_err(error)?;
        // The writer goes back to the last commit on disk, which the reader
        // may not have seen (a commit whose reload failed): the ids added
        // before it are forgotten only once the reader has.
        self.reader.reload().map_err(error)?;
        self.ids.reset(self.reader.searcher());
        Ok(())
    }
}

/// The commit count in the payload of the latest commit (0 before any).
fn stored_commit_count(index: &Index) -> u64 {
    index.load_metas().ok().and_then(|m| m.payload).and_then(|p| p.parse().ok()).unwrap_or(0)
}

fn index_error(dir: Option<&Path>, source: TantivyError) -> Error {
    Error::Index { dir: dir.map(Path::to_owned), source }
}

fn not_an_index(dir: &Path, e: TantivyError) -> Error {
    Error::NotAnIndex { dir: dir.to_owned(), reason: e.to_string() }
}

fn read_settings(dir: &Path) -> Result<StoredSettings> {
    let path = dir.join(SETTINGS_FILE);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::NotAnIndex { dir: dir.to_owned(), reason: format!("{SETTINGS_FILE} is missing") });
        }
        Err(e) => return Err(Error::io(&path, e)),
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

/// Writes via a temporary file and a rename, so a crash leaves either the
/// old file or the new one, never half of one.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).map_err(|e| Error::io(&tmp, e))?;
    std::fs::File::open(&tmp).and_then(|f| f.sync_all()).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}
