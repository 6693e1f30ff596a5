//! zhsearch's analysis and ranking over a Sphinx 2.2 / Manticore Search
//! cluster: for archives or query loads that outgrow one machine.
//!
//! ```no_run
//! use zhsearch::article::Article;
//! use zhsearch::query::SearchRequest;
//! use zhsearch_manticore::{Cluster, ClusterConfig};
//!
//! // Three shards and a master, as `scripts/cluster.sh start DIR` runs them.
//! let cluster = Cluster::connect(ClusterConfig::local(19306, 3))?;
//! cluster.upsert(&[Article::new("1", "脫貧攻堅取得決定性勝利")])?;
//! let results = cluster.search(&SearchRequest::new("脱贫攻坚"))?;
//! assert_eq!(results.hits[0].id, "1");
//! assert!(!results.is_partial(), "every shard answered");
//! # Ok::<(), zhsearch_manticore::Error>(())
//! ```
//!
//! # How a search runs
//!
//! 1. **First stage, in the engine.** The query's tokens (zhsearch's own:
//!    folded characters, dictionary bigrams, Latin words, and the
//!    variants') form a quorum that the master's distributed table runs
//!    over every shard; filters are `WHERE` clauses and facets `GROUP BY`.
//!    The best [`ClusterConfig::candidates`] come back by id, with the
//!    keyword counts of the whole collection (`SHOW META`), its size and
//!    field lengths, and the counts of the query's pairs, in one round
//!    trip.
//! 2. **Second stage, here.** The candidates' articles are indexed in
//!    memory and ranked by zhsearch with the collection's statistics
//!    ([`zhsearch::index::SearchIndex::search_with`]), so every score is
//!    the one an embedded index of the whole collection would give, on one
//!    shard or three. Snippets are highlighted in each article's own script.
//!
//! `total` is the number of documents the first stage matched (wider than
//! zhsearch's own rule); `full_matches` counts among the candidates.
//! A query typed in pinyin is read before the first stage, with the
//! collection's counts ([`zhsearch::index::SearchIndex::read_query`]),
//! and the engine is asked for the Han words it stands for too. Typos are
//! corrected by the second stage with the collection's counts; a query
//! that matches nothing as typed is searched again as corrected.
//!
//! # Faults
//!
//! A shard that does not answer leaves the others' results:
//! [`SearchResults::unavailable`] names it. A write routed to it fails with
//! an error naming it, after the other shards' writes are done.

mod error;
mod node;
mod query;
pub mod schema;
mod sql;
mod stats;
mod units;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::atomic::AtomicUsize;
use std::sync::Mutex;

use chrono::{Datelike, FixedOffset};
use zhsearch::analysis::{Analyzer, AnalyzerSettings};
use zhsearch::article::Article;
use zhsearch::index::SearchIndex;
use zhsearch::query::{SearchRequest, SearchResults, Sort, TextField};

pub use error::{Error, Result};
use node::{meta, number, text, Node};
use schema::{DIST_TABLE, SHARD_TABLE};
use sql::quote;
use stats::{count_round, count_statement, phrase_text, read_keywords, Statistics};

/// The most bytes of an article's JSON the engine stores (Sphinx 2.2's
/// string attributes wrap silently at 4 MiB).
pub const MAX_ARTICLE_BYTES: usize = (4 << 20) - 1;

/// How long the collection's size and field lengths are reused between
/// searches (another client's writes show in them after this long; this
/// client's own, at once).
pub const TOTALS_MAX_AGE: std::time::Duration = std::time::Duration::from_secs(1);

/// The default [`ClusterConfig::common_share`]: a keyword in more than 20%
/// of the documents (and in more than [`COMMON_MIN_DOCS`]) stays out of
/// the first stage's quorum. Measured in BENCHMARKS.md.
pub const COMMON_SHARE: f64 = 0.2;

/// The default [`ClusterConfig::common_min_docs`]: below this many
/// documents no keyword is too common for the quorum, its postings cost
/// little.
pub const COMMON_MIN_DOCS: u64 = 20_000;

/// How long [`Cluster::clear`] and [`Cluster::ingest`] wait for a shard's
/// chunks to merge (see [`Cluster::compact`]).
pub const COMPACT_WITHIN: std::time::Duration = std::time::Duration::from_secs(30 * 60);

/// The document id of the placeholder that gives a shard a second chunk
/// to merge (see [`Cluster::compact`]); [`doc_id`] keeps articles below it.
const PLACEHOLDER_ID: u64 = 0x7FFF_FFFF_FFFF_FFFE;

/// Ids asked for in one statement when fetching articles.
const FETCH_BATCH: usize = 500;

/// How many SELECTs one round trip may carry (searchd's
/// `max_batch_queries`).
pub(crate) const BATCH: usize = 32;

/// The statements of a search's first round trip, and where the replies
/// of each part start.
struct Round {
    sql: Vec<String>,
    totals_at: Option<usize>,
    also_at: Option<usize>,
    facets_at: Option<usize>,
    pairs_at: usize,
    first_pairs: usize,
}

/// What a shard's dictionary counts against what it holds (see
/// [`Cluster::compact`]).
struct ShardState {
    /// Articles its dictionary counts: those with the mark keyword.
    marked: u64,
    /// Articles it holds.
    live: u64,
    /// Its disk chunks.
    disk_chunks: u64,
}

impl ShardState {
    fn read(shard: &Node) -> Result<ShardState> {
        // Asked here rather than through `dictionary_counts`, which drops
        // the error that says why a shard did not answer.
        let call = format!("CALL KEYWORDS({}, {}, 1)", quote(units::PAIRS_MARK), quote(SHARD_TABLE));
        let marked = shard.run(&call)?.first().and_then(|rows| rows.first()).and_then(|r| number(r, 3)).unwrap_or(0);
        let status = table_status(shard)?;
        let value = |name: &str| {
            status_value(&status, name).ok_or_else(|| Error::Reply {
                node: shard.name.clone(),
                reason: format!("no {name} in its table's status"),
            })
        };
        Ok(ShardState { marked, live: value("indexed_documents")?, disk_chunks: value("disk_chunks")? })
    }
}

/// A shard's `SHOW INDEX … STATUS`, as name/value pairs.
fn table_status(shard: &Node) -> Result<Vec<(String, String)>> {
    let sets = shard.run(&format!("SHOW INDEX {SHARD_TABLE} STATUS"))?;
    Ok(sets.first().map(|rows| meta(rows)).unwrap_or_default())
}

/// A number of a table's status.
fn status_value(status: &[(String, String)], name: &str) -> Option<u64> {
    status.iter().find(|(n, _)| n == name).and_then(|(_, v)| v.parse().ok())
}

/// A reply of the master that is not what was asked.
fn reply_error(reason: &str) -> Error {
    Error::Reply { node: "master".into(), reason: reason.into() }
}

/// Where the cluster is, and how wide its first stage is.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ClusterConfig {
    /// The master's SphinxQL address (`host:port`), for reads.
    pub master: String,
    /// Each shard, in order: writes are routed to one by a hash of the
    /// article's id, so the order must not change.
    pub shards: Vec<ShardAddr>,
    /// How many candidates the first stage hands to the ranking.
    pub candidates: usize,
    /// The table reads go to on the master: the distributed table, or a
    /// shard's own table when the master is that shard (a one-shard
    /// cluster).
    pub table: String,
    /// A keyword in more than this share of the documents (and in more
    /// than [`ClusterConfig::common_min_docs`]) stays out of the first stage's quorum;
    /// 1 keeps every keyword in.
    pub common_share: f64,
    /// Below this many documents with it, no keyword is too common.
    pub common_min_docs: u64,
    /// Whether a long query's first stage looks for its pairs (two
    /// characters side by side, and words that are no characters) rather
    /// than its characters, where the articles have their pairs as
    /// keywords; off by default. A pair's postings are far shorter than a
    /// character's: 300 headlines over 200 MB took 73.7 ms (p50) instead of
    /// 105.5, but the cluster's top ten held 61.0% of the embedded
    /// engine's instead of 63.6%, and the messages set's MRR@10 went from
    /// 0.936 to 0.932 (the LibreOffice sets' stayed as they were). See
    /// BENCHMARKS.md.
    #[serde(default)]
    pub pair_quorum: bool,
}

/// A shard's addresses.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ShardAddr {
    /// Its name, as errors and [`SearchResults::unavailable`] give it.
    pub name: String,
    /// Its SphinxQL address, for writes.
    pub sql: String,
    /// Its agent address, as the master's config lists it (warnings name
    /// a shard by it).
    pub agent: String,
}

/// Candidates handed to the ranking by default: the prototype found the
/// target among the first 300 for 97–98% of queries.
pub const DEFAULT_CANDIDATES: usize = 300;

impl ClusterConfig {
    /// A cluster on this machine laid out as [`schema::Layout`] (and
    /// `scripts/cluster.sh`) lay it out from `base_port`.
    pub fn local(base_port: u16, shards: usize) -> ClusterConfig {
        let layout = schema::Layout { dir: Default::default(), base_port, shards };
        ClusterConfig {
            master: format!("127.0.0.1:{}", layout.master_sql_port()),
            shards: (0..shards)
                .map(|i| {
                    let port = layout.shard_sql_port(i);
                    ShardAddr {
                        name: format!("shard{i}"),
                        sql: format!("127.0.0.1:{port}"),
                        agent: format!("127.0.0.1:{}", port + 1),
                    }
                })
                .collect(),
            candidates: DEFAULT_CANDIDATES,
            table: DIST_TABLE.to_owned(),
            common_share: COMMON_SHARE,
            common_min_docs: COMMON_MIN_DOCS,
            pair_quorum: false,
        }
    }

    /// A cluster of one shard that also answers reads, as a cluster of one
    /// machine would be: the same engine, the same ranking, one table.
    pub fn single(shard: ShardAddr) -> ClusterConfig {
        ClusterConfig {
            master: shard.sql.clone(),
            shards: vec![shard],
            candidates: DEFAULT_CANDIDATES,
            table: SHARD_TABLE.to_owned(),
            common_share: COMMON_SHARE,
            common_min_docs: COMMON_MIN_DOCS,
            pair_quorum: false,
        }
    }
}

/// A connection to a cluster: the master for reads, each shard for writes.
pub struct Cluster {
    config: ClusterConfig,
    analyzer: Analyzer,
    master: Node,
    shards: Vec<Node>,
    /// Statistics asked for one at a time, over this cluster's life.
    lookups: AtomicUsize,
    /// Phrases the engine searched to count their documents.
    phrase_searches: AtomicUsize,
    /// The collection's size and lengths (documents, title tokens, body
    /// tokens, titled documents), and when they were read.
    totals: Mutex<Option<(std::time::Instant, [u64; 4])>>,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster").field("master", &self.master).field("shards", &self.shards).finish()
    }
}

/// The engine's document id for an article id: a 64-bit FNV-1a hash, kept
/// in 1..2^63 - 2 (0 is dropped by the engine, the top of the range never
/// matches, and 2^63 - 2 is compaction's placeholder).
pub fn doc_id(id: &str) -> u64 {
    (units::fnv1a(id) & 0x7FFF_FFFF_FFFF_FFFF).clamp(1, PLACEHOLDER_ID - 1)
}

impl Cluster {
    /// Connects (lazily: the first statement to each node connects) with
    /// zhsearch's default analyzer.
    pub fn connect(config: ClusterConfig) -> Result<Cluster> {
        Cluster::with_analyzer(config, &AnalyzerSettings::default())
    }

    /// Connects with the analyzer of `settings`, which every writer and
    /// reader of the cluster must share.
    pub fn with_analyzer(config: ClusterConfig, settings: &AnalyzerSettings) -> Result<Cluster> {
        if config.shards.is_empty() {
            return Err(Error::Config("no shards".into()));
        }
        if config.table.is_empty() || !config.table.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(Error::Config(format!("table name {:?} is not a plain name", config.table)));
        }
        if config.common_share.is_nan() || config.common_share <= 0.0 {
            return Err(Error::Config(format!("common_share must be above 0, not {}", config.common_share)));
        }
        if config.candidates == 0 {
            return Err(Error::Config("candidates must be at least 1".into()));
        }
        let analyzer = Analyzer::from_settings(settings)?;
        let master = Node::new("master", config.master.clone());
        let shards = config.shards.iter().map(|s| Node::new(s.name.clone(), s.sql.clone())).collect();
        Ok(Cluster {
            config,
            analyzer,
            master,
            shards,
            lookups: AtomicUsize::new(0),
            phrase_searches: AtomicUsize::new(0),
            totals: Mutex::new(None),
        })
    }

    /// The analyzer.
    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    /// Statistics the ranking asked for one at a time, after a first
    /// stage that did not foresee them (for measurements).
    pub fn lookups(&self) -> usize {
        self.lookups.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Phrases the engine has searched to count their documents, over
    /// this cluster's life (for measurements). The pairs the ranking
    /// counts most are read from the shards' dictionaries instead, where
    /// the articles were written with them (by this version).
    pub fn phrase_searches(&self) -> usize {
        self.phrase_searches.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn forget_totals(&self) {
        *self.totals.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    fn shard_of(&self, id: u64) -> usize {
        (id % self.shards.len() as u64) as usize
    }

    /// Adds or replaces articles, each on the shard its id hashes to. A
    /// shard that fails does not stop the others': every other shard's
    /// articles are written, then the first failure is returned, naming
    /// its shard.
    pub fn upsert(&self, articles: &[Article]) -> Result<()> {
        self.forget_totals();
        let mut rows: Vec<Vec<String>> = vec![Vec::new(); self.shards.len()];
        for article in articles {
            let id = doc_id(&article.id);
            rows[self.shard_of(id)].push(self.row(id, article)?);
        }
        let mut first_error = None;
        for (shard, rows) in self.shards.iter().zip(rows) {
            // Statements of at most ~16 MB, well inside searchd's 128M.
            let mut batch = String::new();
            let flush = |batch: &mut String| -> Result<()> {
                if batch.is_empty() {
                    return Ok(());
                }
                let sql = format!("REPLACE INTO {SHARD_TABLE} ({}) VALUES {batch}", row_columns());
                batch.clear();
                shard.run(&sql).map(drop)
            };
            let mut result = Ok(());
            for row in rows {
                if !batch.is_empty() && batch.len() + row.len() > 16 << 20 {
                    result = flush(&mut batch);
                    if result.is_err() {
                        break;
                    }
                }
                if !batch.is_empty() {
                    batch.push(',');
                }
                batch.push_str(&row);
            }
            if result.is_ok() {
                result = flush(&mut batch);
            }
            if let Err(e) = result {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Deletes an article by id (nothing when there is none).
    pub fn delete(&self, id: &str) -> Result<()> {
        self.forget_totals();
        let doc = doc_id(id);
        let shard = &self.shards[self.shard_of(doc)];
        shard.run(&format!("DELETE FROM {SHARD_TABLE} WHERE id = {doc}")).map(drop)
    }

    /// Deletes every article of every shard (for tests and rebuilds), and
    /// compacts the shards so that their counts forget them (see
    /// [`Cluster::compact`]).
    pub fn clear(&self) -> Result<()> {
        self.forget_totals();
        for shard in &self.shards {
            // Bounded: each round deletes up to 10,000; a shard of more
            // takes more rounds, never more than its size allows.
            for _ in 0..100_000 {
                let sets = shard.run(&format!("SELECT id FROM {SHARD_TABLE} LIMIT 10000 OPTION max_matches=10000"))?;
                let ids: Vec<String> =
                    sets.first().map(|r| r.iter().map(|row| text(row, 0)).collect()).unwrap_or_default();
                if ids.is_empty() {
                    break;
                }
                shard.run(&format!("DELETE FROM {SHARD_TABLE} WHERE id IN ({})", ids.join(",")))?;
            }
        }
        self.compact(COMPACT_WITHIN).map(drop)
    }

    /// Merges each shard into one disk chunk, so that its counts are exact
    /// again after articles were replaced or deleted and its first stage
    /// ranks with one set of counts; returns how many replaced or deleted
    /// articles the counts had still included.
    ///
    /// The ranking takes a token's document count from the shards'
    /// dictionaries, and a shard's dictionary counts a replaced or deleted
    /// article for as long as the article sits in a disk chunk (the engine
    /// writes one whenever its RAM chunk fills): re-ingesting an archive
    /// doubles every count, which skews every score. Only merging the
    /// chunks drops them. So each shard whose dictionary counts more
    /// articles than it holds (every article carries one mark keyword,
    /// whose count says how many the dictionary counts) is given a
    /// placeholder document, turns its RAM chunk into a disk chunk and
    /// merges its chunks into one (`OPTIMIZE`; the engine does not merge a
    /// single chunk, which is why the second one is made; and the RAM
    /// chunk's own deleted articles are left out as it is written),
    /// waiting at most `within` for each (the shards side by side); the
    /// placeholder is deleted after. Reads and writes go on meanwhile;
    /// while a shard merges, the collection's size counts the placeholder.
    ///
    /// A shard of several disk chunks with nothing stale is merged too:
    /// the engine ranks each chunk's candidates with that chunk's own
    /// counts (`local_df` does not change it), so a bulk load larger than
    /// the RAM chunk gives a worse first stage. At 200 MB (five chunks a
    /// shard) merging took 23 s after a 221 s load; the cluster's top ten
    /// then held 74.8% of the embedded engine's instead of 63.5%, and a
    /// headline took 75 ms (p50) instead of 88.
    ///
    /// [`Cluster::clear`] and [`Cluster::ingest`] compact when they need
    /// to; after many [`Cluster::upsert`]s or [`Cluster::delete`]s of
    /// articles already stored, call it. Until then the ranking caps a
    /// count at the number of articles, which it reads exactly.
    pub fn compact(&self, within: std::time::Duration) -> Result<u64> {
        self.forget_totals();
        // The shards merge side by side: each is its own server, and a
        // merge keeps one core busy (on machines of their own, each merges
        // at full speed). Every shard finishes, placeholder deleted, before
        // the first failure is returned.
        node::on_each(&self.shards, |_, shard| self.compact_shard(shard, within)).into_iter().sum()
    }

    /// How many replaced or deleted articles the shards' dictionaries
    /// still count (what [`Cluster::compact`] would forget): as Elasticsearch
    /// reports its deleted documents, to decide when to compact. A shard
    /// of articles written before the mark keyword counts none here.
    pub fn stale_documents(&self) -> Result<u64> {
        let mut stale = 0;
        for shard in &self.shards {
            let state = ShardState::read(shard)?;
            stale += state.marked.saturating_sub(state.live);
        }
        Ok(stale)
    }

    /// One shard's part of [`Cluster::compact`].
    fn compact_shard(&self, shard: &Node, within: std::time::Duration) -> Result<u64> {
        // A placeholder left by a compaction that was stopped would count
        // as an article with no mark, for good.
        let placeholder = format!("DELETE FROM {SHARD_TABLE} WHERE id = {PLACEHOLDER_ID}");
        shard.run(&placeholder)?;
        let before = ShardState::read(shard)?;
        // Articles written before the mark have none: their shard cannot
        // say what it still counts, and is merged whenever asked.
        let unmarked = before.marked < before.live;
        let stale = before.marked.saturating_sub(before.live);
        if stale == 0 && !unmarked && before.disk_chunks <= 1 {
            return Ok(0);
        }
        // A document of its own in the RAM chunk, so that there are two
        // chunks to merge. Not an article written again: another client's
        // newer version of it could be overwritten. It holds one keyword
        // no query asks for, no mark, and no text the first stage matches.
        shard.run(&format!("REPLACE INTO {SHARD_TABLE} (id, k) VALUES ({PLACEHOLDER_ID}, 'kcompact')"))?;
        let merged = self.merge_chunks(shard, within);
        // Removed whatever the merge did: a placeholder left behind would
        // be counted as an article.
        shard.run(&placeholder)?;
        merged.map(|()| stale)
    }

    /// Writes `shard`'s RAM chunk as a disk chunk (leaving its deleted
    /// articles behind) and merges its disk chunks into one, waiting at
    /// most `within`.
    fn merge_chunks(&self, shard: &Node, within: std::time::Duration) -> Result<()> {
        shard.run(&format!("FLUSH RAMCHUNK {SHARD_TABLE}"))?;
        if ShardState::read(shard)?.disk_chunks > 1 {
            // Sphinx 2.2 knows only `OPTIMIZE INDEX`; Manticore's manual
            // spells it `OPTIMIZE TABLE`.
            let optimize = |kind: &str| shard.run(&format!("OPTIMIZE {kind} {SHARD_TABLE}"));
            match optimize("INDEX") {
                Err(Error::Node { source: mysql::Error::MySqlError(_), .. }) => optimize("TABLE")?,
                done => done?,
            };
        }
        // The merge runs in the engine's background: watched, bounded.
        let merged = || Ok(ShardState::read(shard)?.disk_chunks <= 1);
        await_merge(&shard.name, within, MERGE_POLL, merged)
    }

    /// Reads articles from a file or directory as [`zhsearch::ingest`]
    /// does and upserts them; returns how many were written and what was
    /// rejected.
    ///
    /// The shards are then compacted ([`Cluster::compact`]): re-ingesting
    /// an archive would otherwise count each article twice, and a load
    /// larger than a shard's RAM chunk would leave it in several chunks.
    pub fn ingest(&self, path: impl AsRef<Path>) -> Result<(usize, Vec<zhsearch::Error>)> {
        let read = zhsearch::ingest::read_path(path)?;
        for chunk in read.articles.chunks(500) {
            self.upsert(chunk)?;
        }
        self.compact(COMPACT_WITHIN)?;
        Ok((read.articles.len(), read.rejected))
    }

    /// One article's `VALUES (...)` tuple.
    fn row(&self, id: u64, article: &Article) -> Result<String> {
        article.validate()?;
        let json = serde_json::to_string(article)
            .map_err(|e| Error::Article { id: article.id.clone(), reason: e.to_string() })?;
        if json.len() > MAX_ARTICLE_BYTES {
            return Err(Error::Article {
                id: article.id.clone(),
                reason: format!("{} bytes as JSON; the engine stores at most {MAX_ARTICLE_BYTES}", json.len()),
            });
        }
        let title = article.title.as_deref().unwrap_or_default();
        let t = units::encode_field(&self.analyzer, TextField::Title, title);
        let mut b = units::encode_field(&self.analyzer, TextField::Body, &article.body);
        // Says that this article's pairs are keywords (see PAIRS_MARK).
        b.extras = format!("{} {}", b.extras, units::PAIRS_MARK).trim_start().to_owned();
        let key = zhsearch::index::schema::title_key(&self.analyzer, title);
        let (k, titled) = match key.is_empty() {
            true => (String::new(), 0),
            false => (units::keyword(TextField::TitleKey, &key), 1),
        };
        let china = FixedOffset::east_opt(8 * 3600).ok_or_else(|| Error::Config("UTC+8".into()))?;
        let (published, dated, month) = match article.published_at {
            Some(t) => {
                let local = t.with_timezone(&china);
                (t.timestamp(), 1, local.year() as u32 * 100 + local.month())
            }
            None => (0, 0, 0),
        };
        let text = |s: &str| quote(s);
        Ok(format!(
            "({id}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {published}, {dated}, {month}, {titled}, {}, {})",
            text(&t.units),
            text(&t.extras),
            text(&b.units),
            text(&b.extras),
            text(&k),
            text(&article.id),
            text(&json),
            text(article.source.as_deref().unwrap_or_default()),
            text(article.author.as_deref().unwrap_or_default()),
            t.len,
            b.len,
        ))
    }

    /// Runs a search: the engine's first stage, then zhsearch's ranking
    /// of the candidates with the whole collection's statistics.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults> {
        let variants = self.analyzer.variants();
        let tables: Vec<&zhsearch::analysis::Variants> = vec![&variants];
        // Pinyin is read before the engine is asked, with the collection's
        // counts, so that the first stage looks for the Han words it stands
        // for (the articles have no pinyin); the counts it looked up serve
        // the ranking too.
        let pinyin = self.read_pinyin(request)?;
        let stage = query::first_stage(&self.analyzer, request, &tables, &pinyin.readings);
        // The query's pairs, each with the keyword that counts it.
        let pair_keywords: Vec<(String, String)> = stage
            .pairs
            .iter()
            .filter_map(|(field, units)| {
                let units: Vec<&str> = units.iter().map(String::as_str).collect();
                units::pair_keyword(&self.analyzer, *field, &units).map(|k| (phrase_text(*field, &units), k))
            })
            .collect();
        // The collection's count of every keyword and of those pairs, from
        // each shard's dictionary (cheap): the commonest keywords leave the
        // quorum, and the pairs need no phrase search.
        let mut wanted = stage.keywords();
        wanted.extend(pair_keywords.iter().map(|(_, k)| k.clone()));
        let known = self.keyword_counts(&wanted);
        let pairs_known = known.as_ref().is_some_and(|k| k.pairs_are_keywords);
        let by_pairs = pairs_known && self.config.pair_quorum;
        let match_text = match (&known, self.config.common_share < 1.0) {
            (Some(known), true) => {
                let limit =
                    ((known.documents as f64 * self.config.common_share) as u64).max(self.config.common_min_docs);
                stage.text(&|k| known.counts.get(k).is_some_and(|&n| n > limit), by_pairs)
            }
            _ => stage.text(&|_| false, by_pairs),
        };
        if match_text.is_empty() {
            return Ok(SearchResults::default());
        }
        // The collection's size and lengths: a scan of every document, so
        // read at most once a second, and again after this client writes.
        let cached = self.cached_totals();
        let mut phrases: HashMap<String, u64> = HashMap::new();
        if let (Some(known), true) = (&known, pairs_known) {
            for (text, k) in &pair_keywords {
                phrases.insert(text.clone(), known.counts.get(k).copied().unwrap_or(0));
            }
        }
        let pair_texts: Vec<String> = stage
            .pairs
            .iter()
            .map(|(f, units)| phrase_text(*f, units))
            .filter(|text| !phrases.contains_key(text))
            .collect();
        let batch = self.first_round(request, &stage, &match_text, cached.is_none(), &pair_texts);
        let sets = self.master.run(&batch.sql.join("; "))?;
        if sets.len() != batch.sql.len() {
            return Err(reply_error(&format!("{} result sets for {} statements", sets.len(), batch.sql.len())));
        }
        let first_meta = meta(&sets[1]);
        let total = first_meta.iter().find(|(n, _)| n == "total_found").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
        let mut keywords = pinyin.keywords;
        keywords.extend(known.map(|known| known.counts).unwrap_or_default());
        read_keywords(&sets[1], &mut keywords);
        if let Some(at) = batch.also_at {
            read_keywords(&sets[at + 1], &mut keywords);
        }
        let mut warnings: Vec<String> = sets
            .last()
            .map(|rows| rows.iter().map(|r| text(r, 2)).filter(|w| !w.is_empty()).collect())
            .unwrap_or_default();
        warnings.extend(first_meta.iter().filter(|(n, _)| n == "warning").map(|(_, v)| v.clone()));
        let unavailable = self.unavailable(&warnings);
        let totals = match (cached, batch.totals_at) {
            (Some(totals), _) => totals,
            (None, at) => {
                let row = at
                    .and_then(|at| sets[at].first())
                    .ok_or_else(|| reply_error("no row for the collection's size"))?;
                let totals = [0, 1, 2, 3].map(|i| number(row, i).unwrap_or(0));
                if unavailable.is_empty() {
                    self.remember_totals(totals);
                }
                totals
            }
        };
        phrases.extend(self.pair_counts(&pair_texts, &sets[batch.pairs_at..batch.pairs_at + batch.first_pairs])?);
        phrases.extend(pinyin.phrases);
        let candidates: Vec<u64> = sets[0].iter().filter_map(|row| number(row, 0)).collect();
        let mut results = self.rank(request, &candidates, totals, keywords, phrases, pairs_known)?;
        // A query that matches nothing as typed, and whose typo the second
        // stage corrected (with the collection's counts): it searched the
        // correction among this query's candidates only; the whole
        // collection is searched for it instead, as embedded.
        if let Some(correction) = results.corrected_to.take() {
            let mut again = request.clone().typos(false);
            again.query = correction.clone();
            let corrected = self.search(&again)?;
            return Ok(SearchResults {
                did_you_mean: results.did_you_mean,
                corrected_to: Some(correction),
                ..corrected
            });
        }
        results.total = total;
        // The shards the master missed, and those the fetch could not reach.
        let unreachable = std::mem::replace(&mut results.unavailable, unavailable);
        for name in unreachable {
            if !results.unavailable.contains(&name) {
                results.unavailable.push(name);
            }
        }
        if let Some(at) = batch.facets_at {
            results.facets.source = counts(&sets[at], |s| s.to_owned());
            results.facets.month = counts(&sets[at + 1], |m| match m.parse::<u32>() {
                Ok(m) => format!("{:04}-{:02}", m / 100, m % 100),
                Err(_) => m.to_owned(),
            });
        }
        Ok(results)
    }

    /// The statements of a search's first round trip: the candidates, the
    /// keywords' counts, the collection's size and lengths (`totals`:
    /// when not cached), the facets, and as many pairs as fit.
    fn first_round(
        &self,
        request: &SearchRequest,
        stage: &query::FirstStage,
        match_text: &str,
        totals: bool,
        pair_texts: &[String],
    ) -> Round {
        let wanted = request.offset.saturating_add(request.limit);
        let k = self.config.candidates.max(wanted).max(1);
        let table = self.config.table.as_str();
        let matching = format!("MATCH({}){}", quote(match_text), filters(request));
        let order = match request.sort {
            Sort::Relevance => "w DESC, id ASC",
            Sort::Newest => "published DESC, id ASC",
            Sort::Oldest => "published ASC, id ASC",
        };
        let mut sql = vec![
            format!(
                "SELECT id, WEIGHT() AS w FROM {table} WHERE {matching} ORDER BY {order} LIMIT {k} \
                 OPTION max_matches={k}, ranker=expr('sum(sum_idf*user_weight)*1000'), \
                 idf='plain,tfidf_unnormalized', field_weights=(t=3, tx=3, k=3, b=1, bx=1)"
            ),
            "SHOW META".to_owned(),
        ];
        let at = |sql: &mut Vec<String>, statements: Vec<String>| {
            let first = sql.len();
            sql.extend(statements);
            first
        };
        let totals_at = totals.then(|| at(&mut sql, vec![totals_statement(table)]));
        let also_at = (!stage.also.is_empty()).then(|| {
            let also = format!("SELECT id FROM {table} WHERE MATCH({}) LIMIT 0", quote(&stage.also.join(" | ")));
            at(&mut sql, vec![also, "SHOW META".to_owned()])
        });
        let facets_at = request.facets.then(|| {
            let by = |column: &str, nonempty: &str| {
                format!(
                    "SELECT {column}, COUNT(*) AS c FROM {table} WHERE {matching} AND {nonempty} \
                     GROUP BY {column} ORDER BY c DESC LIMIT 1000"
                )
            };
            at(&mut sql, vec![by("source", "source <> ''"), by("month", "month > 0")])
        });
        let selects = sql.iter().filter(|s| s.starts_with("SELECT")).count();
        let first_pairs = pair_texts.len().min(BATCH.saturating_sub(selects));
        let pairs_at = at(&mut sql, pair_texts[..first_pairs].iter().map(|t| count_statement(table, t)).collect());
        sql.push("SHOW WARNINGS".to_owned());
        Round { sql, totals_at, also_at, facets_at, pairs_at, first_pairs }
    }

    /// How many documents have each pair: the first ones from the first
    /// round trip's `sets`, the rest 32 to a round trip.
    fn pair_counts(&self, pair_texts: &[String], sets: &[Vec<mysql::Row>]) -> Result<HashMap<String, u64>> {
        self.phrase_searches.fetch_add(pair_texts.len(), std::sync::atomic::Ordering::Relaxed);
        let mut phrases = HashMap::new();
        for (text, rows) in pair_texts.iter().zip(sets) {
            phrases.insert(text.clone(), rows.first().and_then(|row| number(row, 0)).unwrap_or(0));
        }
        for chunk in pair_texts[sets.len()..].chunks(BATCH) {
            for (text, n) in chunk.iter().zip(count_round(&self.master, &self.config.table, chunk)?) {
                phrases.insert(text.clone(), n);
            }
        }
        Ok(phrases)
    }

    /// The second stage: the candidates' stored articles indexed in memory
    /// and ranked by zhsearch with the collection's statistics (`totals`:
    /// documents, title and body tokens, titled documents).
    fn rank(
        &self,
        request: &SearchRequest,
        candidates: &[u64],
        totals: [u64; 4],
        keywords: HashMap<String, u64>,
        phrases: HashMap<String, u64>,
        pairs_known: bool,
    ) -> Result<SearchResults> {
        let statistics = self.statistics(totals, keywords, phrases, pairs_known);
        let (articles, unreachable) = self.fetch(candidates)?;
        // Indexed with the postings of the tokens its reading holds only;
        // the search reuses that reading, and so its counts.
        let second = request.clone().facets(false);
        let mut results = SearchIndex::search_part(&self.analyzer, &articles, &second, &statistics)?;
        results.unavailable = unreachable;
        self.lookups.fetch_add(statistics.lookups.into_inner(), std::sync::atomic::Ordering::Relaxed);
        self.phrase_searches.fetch_add(statistics.phrase_searches.into_inner(), std::sync::atomic::Ordering::Relaxed);
        Ok(results)
    }

    /// The collection's statistics for one search, from its `totals`
    /// (documents, title and body tokens, titled documents) and the counts
    /// known so far; others are asked for when the ranking needs them.
    fn statistics(
        &self,
        totals: [u64; 4],
        keywords: HashMap<String, u64>,
        phrases: HashMap<String, u64>,
        pairs_are_keywords: bool,
    ) -> Statistics<'_> {
        let [documents, title_tokens, body_tokens, titled] = totals;
        Statistics {
            analyzer: &self.analyzer,
            pairs_are_keywords,
            master: &self.master,
            shards: &self.shards,
            table: &self.config.table,
            documents,
            title_tokens,
            body_tokens,
            titled,
            keywords: Mutex::new(keywords),
            phrases: Mutex::new(phrases),
            lookups: AtomicUsize::new(0),
            phrase_searches: AtomicUsize::new(0),
        }
    }

    /// The Han texts the request's pinyin reads as (see
    /// [`SearchIndex::read_query`]), read with the collection's
    /// counts, and the keyword and phrase counts that took; nothing when
    /// the request asks for no pinyin or has no Latin letter.
    fn read_pinyin(&self, request: &SearchRequest) -> Result<PinyinRead> {
        if !request.pinyin || !request.query.chars().any(|c| c.is_ascii_alphabetic()) {
            return Ok(PinyinRead::default());
        }
        let pairs_known = self.keyword_counts(&[]).is_some_and(|k| k.pairs_are_keywords);
        let statistics = self.statistics(self.collection_totals()?, HashMap::new(), HashMap::new(), pairs_known);
        let scratch = SearchIndex::in_memory_with(&self.analyzer)?;
        // Corrections are read by the second stage, from the counts the
        // first one brings.
        let readings = scratch.read_query(&request.clone().typos(false), &statistics)?.pinyin;
        self.lookups.fetch_add(statistics.lookups.into_inner(), std::sync::atomic::Ordering::Relaxed);
        self.phrase_searches.fetch_add(statistics.phrase_searches.into_inner(), std::sync::atomic::Ordering::Relaxed);
        Ok(PinyinRead {
            readings,
            keywords: statistics.keywords.into_inner().unwrap_or_else(|e| e.into_inner()),
            phrases: statistics.phrases.into_inner().unwrap_or_else(|e| e.into_inner()),
        })
    }

    /// The collection's size and lengths (documents, title and body
    /// tokens, titled documents): cached, or read now and cached.
    fn collection_totals(&self) -> Result<[u64; 4]> {
        if let Some(totals) = self.cached_totals() {
            return Ok(totals);
        }
        let table = self.config.table.as_str();
        let sets = self.master.run(&format!("{}; SHOW WARNINGS", totals_statement(table)))?;
        let row = sets
            .first()
            .and_then(|rows| rows.first())
            .ok_or_else(|| reply_error("no row for the collection's size"))?;
        let totals = [0, 1, 2, 3].map(|i| number(row, i).unwrap_or(0));
        let warned = sets.last().is_some_and(|rows| rows.iter().any(|r| !text(r, 2).is_empty()));
        if !warned {
            self.remember_totals(totals);
        }
        Ok(totals)
    }

    /// The collection's size and lengths, if read less than
    /// [`TOTALS_MAX_AGE`] ago (and not since this client wrote).
    fn cached_totals(&self) -> Option<[u64; 4]> {
        let cached = *self.totals.lock().unwrap_or_else(|e| e.into_inner());
        cached.filter(|(at, _)| at.elapsed() < TOTALS_MAX_AGE).map(|(_, totals)| totals)
    }

    /// Keeps the collection's size and lengths for the next searches: only
    /// counts every shard answered (not those of a cluster with a shard
    /// missing).
    fn remember_totals(&self, totals: [u64; 4]) {
        *self.totals.lock().unwrap_or_else(|e| e.into_inner()) = Some((std::time::Instant::now(), totals));
    }

    /// How many documents have each of `keywords`, summed over the shards'
    /// dictionaries (`CALL KEYWORDS`), about how many documents there are,
    /// and whether every document has its pairs as keywords; `None` when a
    /// shard does not answer (the search then goes on without the cut and
    /// counts pairs as phrases, and the master says which shard is
    /// missing).
    fn keyword_counts(&self, keywords: &[String]) -> Option<KnownCounts> {
        let mut keywords: Vec<&str> = keywords.iter().map(String::as_str).collect();
        keywords.push(units::PAIRS_MARK);
        // Each shard's counts and size, the shards all at once.
        let call = stats::keywords_call(&keywords);
        let replies = node::on_each(&self.shards, |_, shard| {
            let sets = shard.run(&call).ok()?;
            Some((sets, status_value(&table_status(shard).ok()?, "indexed_documents")?))
        });
        let (mut counts, mut documents) = (HashMap::new(), 0);
        for (sets, live) in replies.into_iter().collect::<Option<Vec<_>>>()? {
            stats::add_keyword_counts(&sets, &mut counts)?;
            documents += live;
        }
        // Articles written before pairs were keywords lack the mark (and
        // their pairs): then every pair is counted as a phrase.
        let pairs_are_keywords = counts.get(units::PAIRS_MARK).copied().unwrap_or(0) >= documents;
        Some(KnownCounts { counts, documents, pairs_are_keywords })
    }

    /// The articles of `ids`, from the engine's stored JSON, in the order
    /// of `ids`: each shard is asked for its own, all at once. A shard this
    /// client cannot reach is asked through the master; one the master
    /// cannot reach either (stopped since the first stage: the master
    /// warns that an agent did not answer) is named in the second list,
    /// and its articles left out, as the master leaves out a shard that
    /// does not answer. An article deleted since the first stage is
    /// missing without a warning, and names no shard.
    ///
    /// Through the master alone the same took three round trips of 100 ids
    /// (the engine's batches), each waiting on every shard.
    fn fetch(&self, ids: &[u64]) -> Result<(Vec<Article>, Vec<String>)> {
        let mut by_shard: Vec<Vec<u64>> = vec![Vec::new(); self.shards.len()];
        for &id in ids {
            by_shard[self.shard_of(id)].push(id);
        }
        let fetched = node::on_each(&self.shards, |i, shard| fetch_from(shard, SHARD_TABLE, &by_shard[i]));
        let through_master = |shard_ids: &[u64]| fetch_rows(&self.master, &self.config.table, shard_ids, true);
        let (mut found, unreachable) = gather(fetched, &self.shards, &by_shard, through_master)?;
        Ok((ids.iter().filter_map(|id| found.remove(id)).collect(), unreachable))
    }

    /// The shards the warnings say did not answer.
    fn unavailable(&self, warnings: &[String]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for shard in &self.config.shards {
            if warnings.iter().any(|w| w.contains(&format!("agent {}", shard.agent))) && !out.contains(&shard.name) {
                out.push(shard.name.clone());
            }
        }
        if out.is_empty() && warnings.iter().any(|w| w.contains("agent ")) {
            out.push(warnings.join("; "));
        }
        out
    }
}

/// Articles fetched from a shard, with their ids.
type Fetched = Vec<(u64, Article)>;

/// How often [`Cluster::compact`] asks a shard whether its merge is done.
const MERGE_POLL: std::time::Duration = std::time::Duration::from_millis(50);

/// Waits until `merged` says a shard (`name`) has merged its disk chunks,
/// asking every `every`, at most `within`: the engine merges in the
/// background and only says, when asked, how many chunks are left. A merge
/// already done when first asked is done, whatever `within` is.
fn await_merge(
    name: &str,
    within: std::time::Duration,
    every: std::time::Duration,
    mut merged: impl FnMut() -> Result<bool>,
) -> Result<()> {
    let started = std::time::Instant::now();
    while !merged()? {
        if started.elapsed() > within {
            return Err(Error::Timeout {
                node: name.to_owned(),
                what: "merging the disk chunks (OPTIMIZE)".into(),
                within,
            });
        }
        std::thread::sleep(every);
    }
    Ok(())
}

/// Puts together what each shard answered to [`Cluster::fetch`] (`parts`,
/// one a shard, for the ids of `by_shard`): a shard this client could not
/// reach is asked `through_master` (its articles, and whether the master
/// warned that an agent did not answer), and is named (second list) when
/// the master's answer misses some of its ids and warned. A statement a
/// shard refused is an error: the shard is there, and something is wrong
/// with what was asked.
///
/// An article deleted since the first stage is missing from any answer,
/// without a warning: a missing article alone names no shard.
fn gather(
    parts: Vec<Result<Fetched>>,
    shards: &[Node],
    by_shard: &[Vec<u64>],
    through_master: impl Fn(&[u64]) -> Result<(Fetched, bool)>,
) -> Result<(HashMap<u64, Article>, Vec<String>)> {
    let mut found: HashMap<u64, Article> = HashMap::new();
    let mut unreachable = Vec::new();
    for ((part, shard), shard_ids) in parts.into_iter().zip(shards).zip(by_shard) {
        let part = match part {
            Err(Error::Node { source, .. }) if !matches!(source, mysql::Error::MySqlError(_)) => {
                let (fetched, warned) = through_master(shard_ids)?;
                if warned && fetched.len() < shard_ids.len() {
                    unreachable.push(shard.name.clone());
                }
                fetched
            }
            part => part?,
        };
        found.extend(part);
    }
    Ok((found, unreachable))
}

/// The articles of `ids` that `node` holds in `table`, with their ids.
fn fetch_from(node: &Node, table: &str, ids: &[u64]) -> Result<Fetched> {
    fetch_rows(node, table, ids, false).map(|(fetched, _)| fetched)
}

/// The articles of `ids` that `node` holds in `table` (or reaches through
/// it), with their ids; with `warnings`, also whether it warned that an
/// agent did not answer (a master's distributed table).
fn fetch_rows(node: &Node, table: &str, ids: &[u64], warnings: bool) -> Result<(Fetched, bool)> {
    let mut out = Vec::with_capacity(ids.len());
    let mut warned = false;
    for chunk in ids.chunks(FETCH_BATCH) {
        let list: Vec<String> = chunk.iter().map(u64::to_string).collect();
        let n = chunk.len();
        let mut sql =
            format!("SELECT id, doc FROM {table} WHERE id IN ({}) LIMIT {n} OPTION max_matches={n}", list.join(","));
        if warnings {
            sql.push_str("; SHOW WARNINGS");
        }
        let sets = node.run(&sql)?;
        if let Some(notes) = sets.get(1).filter(|_| warnings) {
            warned |= notes.iter().any(|r| text(r, 2).contains("agent "));
        }
        for row in sets.first().into_iter().flatten() {
            let reply = |reason: String| Error::Reply { node: node.name.clone(), reason };
            let id = number(row, 0).ok_or_else(|| reply(format!("document id {:?} is no number", text(row, 0))))?;
            let article: Article =
                serde_json::from_str(&text(row, 1)).map_err(|e| reply(format!("document {id}: {e}")))?;
            out.push((id, article));
        }
    }
    Ok((out, warned))
}

/// Counts read from the shards' dictionaries (see `Cluster::keyword_counts`).
struct KnownCounts {
    /// Documents per keyword.
    counts: HashMap<String, u64>,
    /// About how many documents there are.
    documents: u64,
    /// Whether every document has its pairs as keywords
    /// ([`units::PAIRS_MARK`]).
    pairs_are_keywords: bool,
}

/// What reading a query's pinyin found (see `Cluster::read_pinyin`): the
/// Han texts, and the counts it looked up, which the ranking needs too.
#[derive(Debug, Default)]
struct PinyinRead {
    readings: Vec<String>,
    keywords: HashMap<String, u64>,
    phrases: HashMap<String, u64>,
}

/// The statement that reads the collection's size and lengths.
fn totals_statement(table: &str) -> String {
    format!("SELECT COUNT(*), SUM(t_len), SUM(b_len), SUM(titled) FROM {table}")
}

fn row_columns() -> String {
    let mut columns = vec!["id"];
    columns.extend(schema::COLUMNS.iter().map(|(name, _, _)| *name));
    columns.join(", ")
}

/// The request's filters as `WHERE` conditions (after `MATCH()`).
fn filters(request: &SearchRequest) -> String {
    let mut out = String::new();
    if let Some(source) = &request.source {
        out.push_str(&format!(" AND source = {}", quote(source)));
    }
    if request.published_from.is_some() || request.published_to.is_some() {
        out.push_str(" AND dated = 1");
    }
    if let Some(from) = request.published_from {
        out.push_str(&format!(" AND published >= {}", from.timestamp()));
    }
    if let Some(to) = request.published_to {
        out.push_str(&format!(" AND published <= {}", to.timestamp()));
    }
    out
}

fn counts(rows: &[mysql::Row], key: impl Fn(&str) -> String) -> BTreeMap<String, u64> {
    rows.iter().map(|row| (key(&text(row, 0)), number(row, 1).unwrap_or(0))).collect()
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::time::{Duration, Instant};

    use super::*;

    /// A node's error: a connection refused, or a statement refused.
    fn down(name: &str) -> Error {
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "connection refused");
        Error::Node { node: name.into(), addr: "127.0.0.1:1".into(), source: mysql::Error::IoError(refused) }
    }

    fn refused(name: &str) -> Error {
        let source = mysql::MySqlError { state: "42000".into(), message: "syntax error".into(), code: 1064 };
        Error::Node { node: name.into(), addr: "127.0.0.1:9306".into(), source: mysql::Error::MySqlError(source) }
    }

    fn articles(ids: &[u64]) -> Fetched {
        ids.iter().map(|&id| (id, Article::new(format!("a{id}"), "正文"))).collect()
    }

    fn shards() -> Vec<Node> {
        (0..3).map(|i| Node::new(format!("shard{i}"), format!("127.0.0.1:{}", 9306 + i))).collect()
    }

    #[test]
    fn a_merge_not_done_in_time_is_a_timeout_naming_the_shard() {
        let asked = Cell::new(0);
        let started = Instant::now();
        let never = || {
            asked.set(asked.get() + 1);
            Ok(false)
        };
        match await_merge("shard1", Duration::from_millis(60), Duration::from_millis(10), never) {
            Err(e @ Error::Timeout { .. }) => {
                // Named, with what it was doing and the time it had, to
                // the tenth of a second.
                assert_eq!(e.to_string(), "shard1: merging the disk chunks (OPTIMIZE) not done within 0.1 s");
            }
            other => panic!("{other:?}"),
        }
        // Bounded: it waited out its time, asking every 10 ms, no more
        // (once only when the machine held the thread past the time).
        assert!(started.elapsed() >= Duration::from_millis(60));
        assert!((1..=8).contains(&asked.get()), "asked {} times", asked.get());
    }

    #[test]
    fn a_merge_is_awaited_until_done_and_done_at_once_is_no_timeout() {
        let asked = Cell::new(0);
        let third = || {
            asked.set(asked.get() + 1);
            Ok(asked.get() == 3)
        };
        assert!(await_merge("shard0", Duration::from_secs(60), Duration::from_millis(1), third).is_ok());
        assert_eq!(asked.get(), 3);
        // Already merged: no time at all is enough.
        assert!(await_merge("shard0", Duration::ZERO, Duration::from_millis(1), || Ok(true)).is_ok());
        // A shard that cannot say is an error of its own, not a timeout.
        match await_merge("shard2", Duration::from_secs(60), Duration::from_millis(1), || Err(down("shard2"))) {
            Err(Error::Node { node, .. }) => assert_eq!(node, "shard2"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_shard_out_of_reach_is_asked_through_the_master_and_named_when_it_misses_too() {
        let by_shard = vec![vec![3, 6], vec![1, 4], vec![2, 5]];
        let asked = std::cell::RefCell::new(Vec::new());
        let master = |ids: &[u64]| {
            asked.borrow_mut().push(ids.to_vec());
            Ok((articles(ids), false))
        };
        // shard1 out of this client's reach, the master reaches it: whole.
        let parts = vec![Ok(articles(&[3, 6])), Err(down("shard1")), Ok(articles(&[2]))];
        let (found, unreachable) = gather(parts, &shards(), &by_shard, master).expect("gathered");
        assert_eq!(*asked.borrow(), [vec![1, 4]]);
        let mut ids: Vec<u64> = found.keys().copied().collect();
        ids.sort_unstable();
        // Article 5 was deleted since the first stage: missing, and shard2
        // answered, so nobody is named.
        assert_eq!(ids, [1, 2, 3, 4, 6]);
        assert!(unreachable.is_empty(), "{unreachable:?}");

        // Through the master one of shard1's articles is missing, without
        // a warning: deleted since the first stage, nobody named.
        let deleted = |_: &[u64]| Ok((articles(&[1]), false));
        let parts = vec![Ok(articles(&[3, 6])), Err(down("shard1")), Ok(articles(&[2, 5]))];
        let (found, unreachable) = gather(parts, &shards(), &by_shard, deleted).expect("gathered");
        assert_eq!(found.len(), 5);
        assert!(unreachable.is_empty(), "{unreachable:?}");

        // The master misses shard1's articles too and warns that an agent
        // did not answer (stopped since the first stage): the others'
        // articles, and shard1 named.
        let master_too = |_: &[u64]| Ok((Fetched::new(), true));
        let parts = vec![Ok(articles(&[3, 6])), Err(down("shard1")), Ok(articles(&[2, 5]))];
        let (found, unreachable) = gather(parts, &shards(), &by_shard, master_too).expect("gathered");
        let mut ids: Vec<u64> = found.keys().copied().collect();
        ids.sort_unstable();
        assert_eq!(ids, [2, 3, 5, 6]);
        assert_eq!(unreachable, ["shard1"]);
    }

    #[test]
    fn a_refused_statement_or_an_unreachable_master_is_an_error() {
        let by_shard = vec![vec![3], vec![1], vec![2]];
        let never =
            |_: &[u64]| -> Result<(Fetched, bool)> { panic!("the master is not asked for a refused statement") };
        let parts = vec![Ok(articles(&[3])), Err(refused("shard1")), Ok(articles(&[2]))];
        match gather(parts, &shards(), &by_shard, never) {
            Err(Error::Node { node, .. }) => assert_eq!(node, "shard1"),
            other => panic!("{other:?}"),
        }
        let master_down = |_: &[u64]| Err(down("master"));
        let parts = vec![Ok(articles(&[3])), Err(down("shard1")), Ok(articles(&[2]))];
        match gather(parts, &shards(), &by_shard, master_down) {
            Err(Error::Node { node, .. }) => assert_eq!(node, "master"),
            other => panic!("{other:?}"),
        }
    }
}
