//! Queries: the query language, search requests and their results.
//!
//! ```
//! use zhsearch::analysis::AnalyzerSettings;
//! use zhsearch::article::Article;
//! use zhsearch::index::SearchIndex;
//! use zhsearch::query::SearchRequest;
//!
//! let index = SearchIndex::in_memory(&AnalyzerSettings::default())?;
//! let mut writer = index.writer()?;
//! writer.upsert(&Article::new("tw", "貧困縣逐一清零"))?;
//! writer.commit()?;
//!
//! // A Simplified query finds the Traditional article and marks it as written.
//! let results = index.search(&SearchRequest::new("贫困县"))?;
//! assert_eq!(results.total, 1);
//! assert_eq!(results.hits[0].snippets[0].marked("[", "]"), "[貧困縣]逐一清零");
//! # Ok::<(), zhsearch::Error>(())
//! ```
//!
//! # The query language
//!
//! - `贫困县 干部`: words separated by spaces. Documents rank by how much of
//!   the query they have; under the default relaxed matching a document
//!   that lacks a word can still match (see *Ranking and matching* below),
//!   and under [`Matching::All`] every word must match.
//! - `"脱贫攻坚"`: the quoted text must occur exactly, after normalization
//!   and conversion; recall and precision are exact whatever jieba does
//!   with the context. See [`crate::analysis`] for separators inside quotes.
//! - `-贵州`: excludes documents that match.
//! - `扶贫 OR 脱贫`: either; AND binds tighter than OR.
//! - `title:小康`: the word must be in the title (`body:` likewise).
//!
//! Every string is a valid query: the language is read leniently (see
//! [`parse()`]). An empty query, or one of only punctuation or stop words,
//! has no hits. A query with only exclusions matches every document that
//! none of them matches.
//!
//! # Ranking and matching
//!
//! An unquoted query is evidence, not a conjunction: documents rank by the
//! characters, bigrams and pairs side by side they share with it, the
//! rarer counting more, with matches in the title weighing more (the
//! model is in `rank`, and [`SearchRequest::explain`] shows it for
//! each hit). Under [`Matching::Relaxed`] (the default), a document
//! matches when it has at least a third of the query's units of matching:
//! each clause that is one word, as a whole, and each character of a
//! clause of several words; and every quoted text. Under [`Matching::All`]
//! it must have every word (each as a substring) and every quoted text;
//! each branch of a query with `OR` is read that way. `total` counts the
//! matches and `full_matches` those with every word. Hit scores are
//! relevance scores: compare them within one search only.
//!
//! Counting every match of a headline means scoring every document that
//! has one of its characters. So, as Elasticsearch's `track_total_hits`,
//! the counts are exact up to [`SearchRequest::count_up_to`] matches
//! ([`COUNT_UP_TO`], 10,000, by default); past it, a search by relevance
//! without facets skips the documents that cannot enter the best hits, and
//! the counts are lower bounds ([`SearchResults::total_relation`] is
//! [`TotalRelation::AtLeast`]). The hits and their scores are those of
//! counting everything.

mod correct;
mod explain;
mod facets;
mod highlight;
pub mod parse;
mod pinyin;
mod rank;
mod suggest;
mod terms;

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::ops::Bound;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use tantivy::query::{Query, RangeQuery, TermQuery};
use tantivy::schema::IndexRecordOption;

use crate::article::Article;
pub use crate::error::QueryError;
use crate::error::Result;
use crate::index::SearchIndex;
pub use explain::Explanation;
pub use facets::Facets;
use highlight::Highlights;
pub use highlight::{Snippet, SnippetField};
pub use parse::{parse, parse_plain, ParsedQuery};
pub use rank::{
    CollectionStatistics, IndexStatistics, RankingSettings, TextField, MAX_RESCORE_WINDOW, PAIR_SAMPLE_DOCS,
    RESCORE_DEPTH, RESCORE_WINDOW,
};
use rank::{Context, Order, RankedHit, Ranking, Stats, TextFields};
pub use suggest::Suggestion;
use terms::{Clause, Pattern};

/// The longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 1_000;
/// The most terms (words and quoted texts) a query may have.
pub const MAX_QUERY_TERMS: usize = 64;

/// How many characters of a hit's body are highlighted for its snippets
/// and read for the word check of its variants: highlighting analyzes the
/// stored text again, and a book-length body (a million characters) took
/// most of a second a hit, for fragments an article-length prefix offers
/// as well. A body's snippets come from its first this many characters.
pub const HIGHLIGHT_DEPTH: usize = 50_000;

/// `text` up to [`HIGHLIGHT_DEPTH`] characters, and whether it was longer.
fn within_highlight_depth(text: &str) -> (&str, bool) {
    match text.char_indices().nth(HIGHLIGHT_DEPTH) {
        Some((at, _)) => (&text[..at], true),
        None => (text, false),
    }
}

/// What the word check of variants leaves for the page (see
/// `rank/words.rs`).
struct Checked {
    /// The articles it read, by address: not read again.
    read: HashMap<tantivy::DocAddress, Article>,
    /// Per hit, the spellings it has only across word boundaries: not
    /// marked in its snippets.
    unworded: HashMap<tantivy::DocAddress, Vec<Pattern>>,
}

/// Which documents count as matches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Matching {
    /// Only documents with every word (each as a substring) and every
    /// quoted text.
    All,
    /// Documents with at least a third of the query's units of matching and
    /// every quoted text; see the module docs.
    #[default]
    Relaxed,
}

/// The order of hits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sort {
    /// Best match first (BM25, title weighted above body).
    #[default]
    Relevance,
    /// Latest publication first; undated articles last.
    Newest,
    /// Earliest publication first; undated articles last.
    Oldest,
}

/// A search: a query string and how to run it.
///
/// ```
/// use zhsearch::query::{SearchRequest, Sort};
///
/// let request = SearchRequest::new("扶贫 干部").source("南方日报").sort(Sort::Newest).limit(5);
/// # let _ = request;
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchRequest {
    /// The query, in the language of the module docs.
    pub query: String,
    /// Full matches only, or relaxed.
    pub matching: Matching,
    /// Only articles from this source (exact).
    pub source: Option<String>,
    /// Only articles published at or after this time.
    pub published_from: Option<DateTime<FixedOffset>>,
    /// Only articles published before or at this time.
    pub published_to: Option<DateTime<FixedOffset>>,
    /// The order of hits.
    pub sort: Sort,
    /// How many hits to return.
    pub limit: usize,
    /// How many hits to skip first.
    pub offset: usize,
    /// How many body fragments per hit.
    pub snippet_count: usize,
    /// The length of a fragment, in characters.
    pub snippet_length: usize,
    /// Whether to count the matches by source and month (off by default:
    /// counting reads two fast fields for every match, which a request
    /// that shows no facets should not pay for). Off,
    /// [`SearchResults::facets`] is empty.
    #[serde(default)]
    pub facets: bool,
    /// Whether each hit carries the explanation of its score.
    #[serde(default)]
    pub explain: bool,
    /// Whether a word also matches its regional variants (服务器 and
    /// 伺服器, 内存 and 記憶體; see [`crate::analysis::variants`]).
    #[serde(default = "yes")]
    pub variants: bool,
    /// The ranking's settings for this request, in place of the index's
    /// ([`SearchIndex::ranking`]); `None` uses the index's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ranking: Option<RankingSettings>,
    /// Whether a clause typed in Latin letters that reads as pinyin also
    /// matches the Han characters it may stand for (see
    /// [`SearchRequest::pinyin`]).
    #[serde(default = "yes")]
    pub pinyin: bool,
    /// Whether a word the index lacks gets corrections that sound the
    /// same (see [`SearchRequest::typos`]).
    #[serde(default = "yes")]
    pub typos: bool,
    /// Whether the query is plain text, with no operators (see
    /// [`SearchRequest::plain`]).
    #[serde(default)]
    pub plain: bool,
    /// Up to how many matches `total` is exact (see
    /// [`SearchRequest::count_up_to`]).
    #[serde(default = "count_up_to")]
    pub count_up_to: u64,
}

/// Up to how many matches a search counts exactly by default (see
/// [`SearchRequest::count_up_to`]): Elasticsearch's `track_total_hits`.
pub const COUNT_UP_TO: u64 = 10_000;

fn count_up_to() -> u64 {
    COUNT_UP_TO
}

fn yes() -> bool {
    true
}

impl SearchRequest {
    /// A request for `query`: relaxed matching, by relevance, ten hits, two
    /// fragments of 80 characters each, no facets.
    pub fn new(query: impl Into<String>) -> Self {
        SearchRequest {
            query: query.into(),
            matching: Matching::Relaxed,
            source: None,
            published_from: None,
            published_to: None,
            sort: Sort::Relevance,
            limit: 10,
            offset: 0,
            snippet_count: 2,
            snippet_length: 80,
            facets: false,
            explain: false,
            variants: true,
            ranking: None,
            pinyin: true,
            typos: true,
            plain: false,
            count_up_to: COUNT_UP_TO,
        }
    }

    /// Counts matches exactly up to `n` ([`COUNT_UP_TO`] by default). Past
    /// it, a search by relevance without facets skips documents that
    /// cannot enter the best hits, which is what keeps a headline fast on
    /// a large index, and [`SearchResults::total`] and
    /// [`SearchResults::full_matches`] are lower bounds
    /// ([`TotalRelation::AtLeast`]). The hits and their scores do not
    /// change. A request for no hits (`limit(0)`, a count) stops as soon
    /// as `n` matches are counted. `u64::MAX` counts every match; facets
    /// and the date orders always do.
    pub fn count_up_to(mut self, n: u64) -> Self {
        self.count_up_to = n;
        self
    }

    /// Reads the query as plain text, with no operators ([`parse_plain`]):
    /// `-`, quotes, `OR` and `title:` are text. For pasted text ("find the
    /// document this message came from"), which may hold command-line
    /// options (`-S, --status`) or quotes that the query language would
    /// read as exclusions and required phrases. Off by default.
    pub fn plain(mut self, on: bool) -> Self {
        self.plain = on;
        self
    }

    /// Whether a clause typed in pinyin (`beijing`, `bj`, `xi'an`,
    /// `北jing`) also matches the words of Han characters it may stand
    /// for, those of jieba's dictionary that the index has (on by
    /// default). The text as typed still matches, and ranks first: `hang`
    /// finds `hang glider` before 行. A query in Han characters never
    /// matches by sound.
    pub fn pinyin(mut self, on: bool) -> Self {
        self.pinyin = on;
        self
    }

    /// Whether a word of two or more Han characters that no document has
    /// gets corrections that sound the same (`制才` → 制裁), in
    /// [`SearchResults::did_you_mean`]; when the query as typed matches
    /// nothing, the hits are those of the first correction
    /// ([`SearchResults::corrected_to`]). On by default.
    pub fn typos(mut self, on: bool) -> Self {
        self.typos = on;
        self
    }

    /// Ranks this request with `settings` rather than the index's own
    /// ([`SearchIndex::set_ranking`]): to try a weight before keeping it,
    /// or to widen the rescore window for one deep page. The search refuses
    /// settings that [`RankingSettings::validate`] refuses.
    pub fn ranking(mut self, settings: RankingSettings) -> Self {
        self.ranking = Some(settings);
        self
    }

    /// Whether an unquoted word also matches its regional variants, the
    /// words the mainland, Taiwan and Hong Kong write differently for the
    /// same thing (on by default; see [`crate::analysis::variants`]). The
    /// user's synonyms ([`SearchIndex::set_synonyms`]) apply either way.
    pub fn variants(mut self, on: bool) -> Self {
        self.variants = on;
        self
    }

    /// Whether each hit carries the explanation of its score
    /// ([`Hit::explanation`]): the parts of the score as a tree (each
    /// character, bigram or pair and its BM25, by field; how many units of
    /// matching and words the document has). Off by default: it costs a
    /// lookup per unit of the query per hit.
    pub fn explain(mut self, on: bool) -> Self {
        self.explain = on;
        self
    }

    /// Sets the matching strategy.
    pub fn matching(mut self, matching: Matching) -> Self {
        self.matching = matching;
        self
    }

    /// Only articles from `source`.
    pub fn source(mut self, source: impl Into<String>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// Only articles published between `from` and `to`, both included;
    /// either may be open.
    pub fn published_between(mut self, from: Option<DateTime<FixedOffset>>, to: Option<DateTime<FixedOffset>>) -> Self {
        self.published_from = from;
        self.published_to = to;
        self
    }

    /// Sets the order of hits.
    pub fn sort(mut self, sort: Sort) -> Self {
        self.sort = sort;
        self
    }

    /// Returns at most `n` hits.
    pub fn limit(mut self, n: usize) -> Self {
        self.limit = n;
        self
    }

    /// Skips the first `n` hits.
    pub fn offset(mut self, n: usize) -> Self {
        self.offset = n;
        self
    }

    /// Whether to count matches by source and month (off by default).
    pub fn facets(mut self, on: bool) -> Self {
        self.facets = on;
        self
    }

    /// Up to `count` body fragments of about `length` characters per hit,
    /// after the highlighted title. A count (or length) of 0 means no
    /// snippets at all, title included, and spares the search re-analyzing
    /// each hit's text.
    pub fn snippets(mut self, count: usize, length: usize) -> Self {
        self.snippet_count = count;
        self.snippet_length = length;
        self
    }
}

/// One matching article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    /// The article's id.
    pub id: String,
    /// Its relevance score: the sum of its parts (see
    /// [`SearchRequest::explain`]). Under the date orders it is the score
    /// before the parts computed for the best hits by relevance only (the
    /// pairs side by side and the best passage), and the hits are not in
    /// its order.
    pub score: f32,
    /// Whether it has every word of the query and every quoted text
    /// (always, under [`Matching::All`]).
    pub full_match: bool,
    /// The article.
    pub article: Article,
    /// The title, if it has matches, then body fragments, marks included.
    pub snippets: Vec<Snippet>,
    /// Why it scored what it scored, when the request asked
    /// ([`SearchRequest::explain`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explanation: Option<Explanation>,
}

/// What a search found.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchResults {
    /// How many documents match (see the module docs for relaxed
    /// matching): exactly, or at least, as [`SearchResults::total_relation`] says.
    pub total: u64,
    /// Whether `total` and `full_matches` are exact or lower bounds (see
    /// [`SearchRequest::count_up_to`]). JSON: `"eq"` or `"gte"`.
    #[serde(default)]
    pub total_relation: TotalRelation,
    /// How many documents match every word.
    pub full_matches: u64,
    /// The requested page of hits.
    pub hits: Vec<Hit>,
    /// Counts over all `total` documents.
    pub facets: Facets,
    /// The query with a word no document has replaced by words that sound
    /// the same and that documents have, best first (see
    /// [`SearchRequest::typos`]); empty when nothing was corrected.
    #[serde(default)]
    pub did_you_mean: Vec<String>,
    /// When the query as typed matched nothing: the correction whose hits
    /// these are ("results for 制裁").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corrected_to: Option<String>,
    /// Parts of the collection that did not answer, by name (a cluster's
    /// shards, see the `zhsearch-manticore` crate): the results are then
    /// partial. Always empty for an embedded index.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unavailable: Vec<String>,
}

/// Whether a count is exact or a lower bound (Elasticsearch's
/// `hits.total.relation`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TotalRelation {
    /// The count is exact.
    #[default]
    #[serde(rename = "eq")]
    Exact,
    /// There are at least that many (see [`SearchRequest::count_up_to`]).
    #[serde(rename = "gte")]
    AtLeast,
}

impl SearchResults {
    /// Whether some part of the collection did not answer (see
    /// [`SearchResults::unavailable`]).
    pub fn is_partial(&self) -> bool {
        !self.unavailable.is_empty()
    }
}

/// What a request means, beyond its text (see [`SearchIndex::read_query`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QueryReading {
    /// The Han texts its pinyin reads as, in the order the query has them.
    pub pinyin: Vec<String>,
    /// The query with a word no document has corrected, best first, as
    /// [`SearchResults::did_you_mean`] has them.
    pub did_you_mean: Vec<String>,
}

/// The request's query parsed (as plain text when asked), within the
/// limits on its length and its terms.
fn parsed(request: &SearchRequest) -> Result<ParsedQuery> {
    let chars = request.query.chars().count();
    if chars > MAX_QUERY_CHARS {
        return Err(QueryError::TooLong { len: chars, max: MAX_QUERY_CHARS }.into());
    }
    let parsed = if request.plain { parse_plain(&request.query) } else { parse(&request.query) };
    if parsed.term_count() > MAX_QUERY_TERMS {
        return Err(QueryError::TooManyTerms { count: parsed.term_count(), max: MAX_QUERY_TERMS }.into());
    }
    Ok(parsed)
}

/// How many documents [`SearchIndex::holds_as_word`] reads at most.
const WORD_CHECK_DOCS: usize = 3;

impl SearchIndex {
    /// Runs a search.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults> {
        self.search_in(request, None)
    }

    /// Runs a search over this index as part of a larger collection: BM25
    /// and the ranking's other weights read the collection's statistics
    /// instead of this index's, so each document scores as it would in an
    /// index of the whole collection. This is the second stage of a search
    /// whose first stage drew candidates from elsewhere (a cluster): index
    /// the candidates in [`SearchIndex::in_memory`] and rank them here.
    ///
    /// `total` and `full_matches` count this index's documents only.
    /// Pinyin and corrections of typos are read with the collection's
    /// counts (the first stage should look for the same readings:
    /// [`SearchIndex::read_query`]), but titles spelled whole by initials
    /// need the collection's titles, which statistics do not carry: they
    /// read this index's. A query corrected because it matched nothing is
    /// searched again in this index only (`corrected_to` tells the caller,
    /// which may search the collection for it instead).
    ///
    /// ```
    /// use zhsearch::{analysis::AnalyzerSettings, article::Article, index::SearchIndex, query::SearchRequest};
    ///
    /// let settings = AnalyzerSettings::default();
    /// let whole = SearchIndex::in_memory(&settings)?;
    /// let part = SearchIndex::in_memory(&settings)?;
    /// let (mut all, mut some) = (whole.writer()?, part.writer()?);
    /// for (id, body) in [("1", "脱贫攻坚取得胜利"), ("2", "今天天气很好"), ("3", "攻坚克难")] {
    ///     all.upsert(&Article::new(id, body))?;
    ///     if id != "2" {
    ///         some.upsert(&Article::new(id, body))?;
    ///     }
    /// }
    /// all.commit()?;
    /// some.commit()?;
    /// let request = SearchRequest::new("脱贫攻坚");
    /// let alone = whole.search(&request)?;
    /// let ranked = part.search_with(&request, &whole.statistics())?;
    /// assert_eq!(alone.hits[0].id, ranked.hits[0].id);
    /// assert_eq!(alone.hits[0].score, ranked.hits[0].score);
    /// # Ok::<(), zhsearch::Error>(())
    /// ```
    pub fn search_with(&self, request: &SearchRequest, statistics: &dyn CollectionStatistics) -> Result<SearchResults> {
        self.search_in(request, Some(statistics))
    }

    /// Ranks `articles`, a part of a collection (a cluster's candidates),
    /// as [`SearchIndex::search_with`] ranks an index of them in memory
    /// ([`SearchIndex::in_memory_of`]): the same hits, scores, snippets and
    /// explanations, for less.
    ///
    /// The request is read first, as the search will read it (its words,
    /// their variants and synonyms, its pinyin, with the collection's
    /// counts), and the articles are indexed with the postings of the
    /// tokens that reading holds only, each other token still counted in
    /// its field's length (see [`SearchIndex::in_memory_of`] for what
    /// the whole costs): tantivy spends most of a build on each token it
    /// is given, and a query reads a few dozen distinct tokens of the tens
    /// of thousands that 300 news articles hold. The search then uses that
    /// reading. Its counts are exact: a part is a few hundred articles,
    /// and the part's index never prunes.
    ///
    /// ```
    /// use zhsearch::{analysis::AnalyzerSettings, article::Article, index::SearchIndex, query::SearchRequest};
    ///
    /// let whole = SearchIndex::in_memory(&AnalyzerSettings::default())?;
    /// let mut writer = whole.writer()?;
    /// let articles = [Article::new("1", "脱贫攻坚取得胜利"), Article::new("2", "攻坚克难，脫貧有望")];
    /// for article in &articles {
    ///     writer.upsert(article)?;
    /// }
    /// writer.upsert(&Article::new("3", "今天天气很好"))?;
    /// writer.commit()?;
    /// let request = SearchRequest::new("脱贫攻坚");
    /// let alone = whole.search(&request)?;
    /// let ranked = SearchIndex::search_part(whole.analyzer(), &articles, &request, &whole.statistics())?;
    /// assert_eq!(alone.hits.len(), ranked.hits.len());
    /// assert_eq!(alone.hits[0].score, ranked.hits[0].score);
    /// assert_eq!(alone.hits[1].snippets, ranked.hits[1].snippets);
    /// # Ok::<(), zhsearch::Error>(())
    /// ```
    pub fn search_part(
        analyzer: &crate::analysis::Analyzer,
        articles: &[Article],
        request: &SearchRequest,
        statistics: &dyn CollectionStatistics,
    ) -> Result<SearchResults> {
        let whole = || SearchIndex::in_memory_of(analyzer, articles)?.search_with(request, statistics);
        // Pinyin typed as initials reads the index's titles (see
        // `titles.rs`): the reading of a query with letters is made where
        // the part's titles are. Nothing else in a reading with the
        // collection's counts looks at the index it is made on, so any
        // other query is read on an empty one rather than analyzing the
        // candidates' titles for nothing: an index without a segment, since
        // building even an empty one costs tantivy's writer about 0.9 ms
        // (its fast-field writer zeroes a few megabytes of arena pages).
        let letters = request.pinyin
            && request.query.chars().any(|c| c.is_alphabetic() && !crate::analysis::normalize::is_han(c));
        let titles: Vec<Article> = match letters {
            true => articles
                .iter()
                .filter_map(|a| Some(Article { title: Some(a.title.clone()?), ..Article::new(a.id.clone(), "-") }))
                .collect(),
            false => Vec::new(),
        };
        let scratch = match titles.is_empty() {
            true => SearchIndex::in_memory_with(analyzer)?,
            false => SearchIndex::in_memory_keeping(analyzer, &titles, &rustc_hash::FxHashSet::default())?,
        };
        let (tokens, read) = scratch.tokens_read(request, statistics)?;
        if tokens.contains(crate::index::LEFT_OUT_TOKEN) {
            // No text analyzes to it; should one ever, the part is indexed
            // whole rather than with a stand-in that could be asked for.
            return whole();
        }
        let part = SearchIndex::in_memory_keeping(analyzer, articles, &tokens)?;
        // Counting every match, the part's search prunes nothing, and
        // never reads the blocks' maxima (see `in_memory_keeping`).
        let results = part.search_read(&request.clone().count_up_to(u64::MAX), Some(statistics), Some(read))?;
        if results.corrected_to.is_some() {
            // Nothing matched, and the correction was searched: its tokens
            // were not in the reading.
            return whole();
        }
        Ok(results)
    }

    /// The reading of `request` (its analyzed branches), and every index
    /// token a search of it may read, with the
    /// collection's `statistics`: those of each pattern of its reading (its
    /// clauses, words, variants, pinyin), with each of their characters
    /// (the passage reads those of a variant spelling), each unit, bigram
    /// and pair, the separator token, and the tokens of the query as typed.
    fn tokens_read(
        &self,
        request: &SearchRequest,
        statistics: &dyn CollectionStatistics,
    ) -> Result<(rustc_hash::FxHashSet<String>, Vec<Vec<Clause>>)> {
        let parsed = parsed(request)?;
        let searcher = self.reader.searcher();
        let stats = Stats::of_collection(&searcher, self.fields, statistics);
        let branches = self.analyze(&parsed, request, &stats);
        let mut tokens = rustc_hash::FxHashSet::default();
        tokens.insert(crate::analysis::SEPARATOR_TOKEN.to_owned());
        let mut add = |pattern: &Pattern| {
            tokens.extend(pattern.tokens.iter().map(|(_, t)| t.clone()));
            for (_, cell) in &pattern.cells {
                if let terms::Cell::Char(c) = cell {
                    tokens.insert(c.to_string());
                }
            }
        };
        for clause in branches.iter().flatten() {
            add(&clause.pattern);
            clause.words.iter().for_each(&mut add);
            clause.variants.iter().flatten().for_each(&mut add);
            clause.sounds_like.iter().for_each(|s| add(&s.pattern));
        }
        for clause in branches.iter().flatten() {
            tokens.extend(clause.units.iter().map(|u| u.text.clone()));
            tokens.extend(clause.bigrams.iter().cloned());
            tokens.extend(clause.pairs.iter().flat_map(|p| [p.first.clone(), p.second.clone()]));
        }
        tokens.extend(self.analyzer.char_tokens(&request.query).into_iter().map(|t| t.text));
        Ok((tokens, branches))
    }

    /// The statistics of this index as it is now, to rank a part of it
    /// as the whole (see [`SearchIndex::search_with`]).
    pub fn statistics(&self) -> IndexStatistics {
        IndexStatistics::new(self.reader.searcher(), self.fields)
    }

    /// What `request` means, read with a collection's statistics as a
    /// search of it would read it: the Han texts its pinyin reads as
    /// (`北京` for `beijing`, `干部` for `gb`), and the corrections of its
    /// typos, each as the request asks for them.
    ///
    /// For an engine that draws the candidates of a search from elsewhere
    /// (a cluster, see [`SearchIndex::search_with`]): its first stage must
    /// look for the Han words too, since the candidates' own text has no
    /// pinyin, and the candidates of a query whose typo matches nothing
    /// are those of its correction. Call it on an index that shares the
    /// analyzer ([`SearchIndex::in_memory_with`]); a reading that depends on
    /// titles (initials that spell a title whole) reads this index's
    /// titles, and corrections count phrases through the statistics.
    ///
    /// ```
    /// use zhsearch::{analysis::AnalyzerSettings, article::Article, index::SearchIndex, query::SearchRequest};
    ///
    /// let whole = SearchIndex::in_memory(&AnalyzerSettings::default())?;
    /// let mut writer = whole.writer()?;
    /// writer.upsert(&Article::new("1", "北京今天天气很好"))?;
    /// writer.upsert(&Article::new("2", "联合国宣布对该国实施经济制裁"))?;
    /// writer.commit()?;
    /// let scratch = SearchIndex::in_memory_with(whole.analyzer())?;
    /// let read = scratch.read_query(&SearchRequest::new("beijing tianqi"), &whole.statistics())?;
    /// assert_eq!(read.pinyin, ["北京", "天气"]);
    /// let read = scratch.read_query(&SearchRequest::new("制才"), &whole.statistics())?;
    /// assert_eq!(read.did_you_mean, ["制裁"]);
    /// # Ok::<(), zhsearch::Error>(())
    /// ```
    pub fn read_query(&self, request: &SearchRequest, statistics: &dyn CollectionStatistics) -> Result<QueryReading> {
        let parsed = parsed(request)?;
        let searcher = self.reader.searcher();
        let stats = Stats::of_collection(&searcher, self.fields, statistics);
        let branches = self.analyze(&parsed, request, &stats);
        let mut pinyin: Vec<String> = Vec::new();
        for clause in branches.iter().flatten() {
            for reading in &clause.sounds_like {
                if !pinyin.contains(&reading.pattern.text) {
                    pinyin.push(reading.pattern.text.clone());
                }
            }
        }
        Ok(QueryReading { pinyin, did_you_mean: self.did_you_mean(request, &branches, &stats) })
    }

    fn search_in(&self, request: &SearchRequest, external: Option<&dyn CollectionStatistics>) -> Result<SearchResults> {
        self.search_read(request, external, None)
    }

    /// A search of `request` whose reading (its analyzed branches) is
    /// `read` when given: the reading [`SearchIndex::search_part`] made
    /// before it built the index.
    fn search_read(
        &self,
        request: &SearchRequest,
        external: Option<&dyn CollectionStatistics>,
        read: Option<Vec<Vec<Clause>>>,
    ) -> Result<SearchResults> {
        let parsed = parsed(request)?;
        let settings = match &request.ranking {
            Some(settings) => {
                settings.validate()?;
                settings.clone()
            }
            None => self.ranking(),
        };
        let searcher = self.reader.searcher();
        // One set of statistics for the whole search: planning, scoring,
        // rescoring and explaining look up the same document frequencies.
        let stats = match external {
            Some(external) => Stats::of_collection(&searcher, self.fields, external),
            None => Stats::new(&searcher, self.fields),
        };
        let branches = match read {
            Some(branches) => branches,
            None => self.analyze(&parsed, request, &stats),
        };
        let title_key = |text: &str| crate::index::schema::title_key(&self.analyzer, text);
        let context = Context {
            text: TextFields {
                fields: self.fields,
                present: self.present_fields(&searcher)?,
                title_boost: settings.title_boost,
            },
            all_words: request.matching == Matching::All,
            filters: self.filters(request),
            title_key: &title_key,
            stats: &stats,
            settings: &settings,
        };
        let did_you_mean = self.did_you_mean(request, &branches, &stats);
        let Some(ranking) = Ranking::plan(&branches, context).map_err(|e| self.error(e))? else {
            return self.corrected(request, SearchResults { did_you_mean, ..SearchResults::default() }, external);
        };

        // One pass over the matches collects the page with each hit's
        // verdict, the total, the full matches and the facets together.
        // The caller's sizes (read from JSON, perhaps) are capped by what the
        // index holds.
        let live = usize::try_from(searcher.num_docs()).unwrap_or(usize::MAX);
        let wanted = request.offset.saturating_add(request.limit).min(live);
        let facet_collector = request.facets.then_some(facets::FacetCollector);
        let (order, limit) = match request.sort {
            Sort::Relevance => (Order::Relevance, if wanted > 0 { ranking.window(wanted) } else { 0 }),
            Sort::Newest => (Order::Newest, wanted),
            Sort::Oldest => (Order::Oldest, wanted),
        };
        // Facets count every match; so do the date orders, whose best hits
        // are not the best scores.
        let count_up_to = match (request.facets, order) {
            (false, Order::Relevance) => request.count_up_to,
            _ => u64::MAX,
        };
        let collector = ranking.collector(limit, order, count_up_to, self.search_threads(), facet_collector);
        let found = rank::search(&searcher, ranking.query(), &collector, &stats).map_err(|e| self.error(e))?;
        let mut top = found.hits;
        let (mut total, mut full_matches) = (found.total, found.full_matches);
        // A word found only in another spelling across a word boundary
        // (的士 in 的士兵) is not counted: the stored text of those hits
        // says whether it is a word there. A hit with several such words
        // is read once.
        let loaded = std::cell::RefCell::new(HashMap::new());
        let is_word = |address: tantivy::DocAddress, texts: &[&str]| -> tantivy::Result<bool> {
            let mut loaded = loaded.borrow_mut();
            let (_, title, body, longer) = match loaded.entry(address) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(e) => {
                    let article = self
                        .load_article(&searcher, address)
                        .map_err(|e| tantivy::TantivyError::InternalError(e.to_string()))?;
                    let title = self.analyzer.prepare(article.title.as_deref().unwrap_or_default());
                    let (body, longer) = within_highlight_depth(&article.body);
                    let body = self.analyzer.prepare(body);
                    e.insert((article, title, body, longer))
                }
            };
            // A body longer than the depth may have it as a word further
            // on: the benefit of the doubt.
            Ok(self.analyzer.has_as_word_in(title, texts) || self.analyzer.has_as_word_in(body, texts) || *longer)
        };
        // The pairs and the passage, for the relevance order only.
        let mut rescored = match request.sort {
            Sort::Relevance => ranking.rescore(&stats, &mut top).map_err(|e| self.error(e))?,
            Sort::Newest | Sort::Oldest => Default::default(),
        };
        let by_score = request.sort == Sort::Relevance;
        let checked = ranking.check_words(&stats, &mut top, wanted, by_score, &is_word).map_err(|e| self.error(e))?;
        total = total.saturating_sub(checked.dropped);
        full_matches = full_matches.saturating_sub(checked.unfull);
        rescored.lost = checked.lost;
        top.truncate(wanted);
        let page: Vec<RankedHit> = top.into_iter().skip(request.offset).collect();
        let explanations = match request.explain {
            true => Some(ranking.explain(&stats, &page, &rescored).map_err(|e| self.error(e))?),
            false => None,
        };
        let mut checked = Checked {
            // The articles the check read are not read again for the page.
            read: loaded.into_inner().into_iter().map(|(address, (article, ..))| (address, article)).collect(),
            unworded: ranking.unworded(&rescored.lost),
        };
        let hits = self.hits(&searcher, &branches, page, explanations, &mut checked, request)?;
        let facets = found.extra.unwrap_or_default();
        let total_relation = if found.pruned { TotalRelation::AtLeast } else { TotalRelation::Exact };
        let results = SearchResults {
            total,
            total_relation,
            full_matches,
            hits,
            facets,
            did_you_mean,
            corrected_to: None,
            unavailable: Vec::new(),
        };
        self.corrected(request, results, external)
    }

    /// `results`, or, when they have no match and a correction, the
    /// results of the first correction, saying so.
    fn corrected(
        &self,
        request: &SearchRequest,
        results: SearchResults,
        external: Option<&dyn CollectionStatistics>,
    ) -> Result<SearchResults> {
        let Some(first) = results.did_you_mean.first().filter(|_| results.total == 0) else {
            return Ok(results);
        };
        let mut again = request.clone().typos(false);
        again.query = first.clone();
        let corrected = self.search_in(&again, external)?;
        Ok(SearchResults { did_you_mean: results.did_you_mean, corrected_to: Some(again.query), ..corrected })
    }

    /// The corrections of the request's typos (see
    /// [`SearchRequest::typos`]); none when it asks for none.
    fn did_you_mean(&self, request: &SearchRequest, branches: &[Vec<Clause>], stats: &Stats<'_>) -> Vec<String> {
        if !request.typos {
            return Vec::new();
        }
        // A candidate with a token no document has is in no document: no
        // phrase search for it.
        let docs = |p: &Pattern| match stats.docs_estimate(p) {
            0 => 0,
            _ => self.docs_with(stats, p),
        };
        let estimate = |p: &Pattern| stats.docs_estimate(p);
        let count_up_to = |p: &Pattern, cap: u64| match stats.is_external() {
            true => docs(p),
            false => self.count_pattern(stats, p, cap),
        };
        // A text the index has only across words (数之 in 函数之一) is not
        // a word the index has.
        let as_word = |p: &Pattern| stats.is_external() || self.holds_as_word(stats, p);
        let prefetch = |patterns: &[&Pattern]| stats.prefetch_patterns(patterns);
        let lookups = correct::Lookups {
            estimate: &estimate,
            count_up_to: &count_up_to,
            docs: &docs,
            as_word: &as_word,
            prefetch: &prefetch,
            ahead: stats.is_external(),
        };
        correct::corrections(&self.analyzer, &request.query, branches, &lookups)
    }

    /// Whether any document has `pattern` (in the title or the body).
    /// A pattern of one token is a document frequency (remembered for the
    /// search); a longer one a phrase search, stopped at its first match.
    fn has_pattern(&self, stats: &Stats<'_>, pattern: &Pattern) -> bool {
        if stats.is_external() {
            return [TextField::Title, TextField::Body]
                .into_iter()
                .any(|f| stats.external_pattern_docs(f, pattern).is_some_and(|n| n.is_ok_and(|n| n > 0)));
        }
        self.count_pattern(stats, pattern, 1) > 0
    }

    /// How many documents of this index have `pattern`, counted up to
    /// `cap` (the phrase search stops there) in the title and in the body:
    /// the larger of the two counts, a floor of the documents that have it
    /// (a document with it in both fields counts once).
    fn count_pattern(&self, stats: &Stats<'_>, pattern: &Pattern, cap: u64) -> u64 {
        if let Some(token) = pattern.single_token() {
            return stats.token_doc_freq(token).unwrap_or(0).min(cap);
        }
        // A pattern with a token no document has matches nothing.
        if pattern.matching_tokens().any(|t| stats.token_doc_freq(t).unwrap_or(0) == 0) {
            return 0;
        }
        let mut most = 0;
        for field in self.text_fields(stats.searcher()) {
            let mut count = 0;
            self.each_live_match(stats, pattern, field, |_| {
                count += 1;
                count < cap
            });
            if count >= cap {
                return count;
            }
            most = most.max(count);
        }
        most
    }

    /// Calls `visit` with each live document that has `pattern` in
    /// `field`, in index order, until it returns false.
    fn each_live_match(
        &self,
        stats: &Stats<'_>,
        pattern: &Pattern,
        field: tantivy::schema::Field,
        mut visit: impl FnMut(tantivy::DocAddress) -> bool,
    ) {
        let searcher = stats.searcher();
        let presence = tantivy::query::EnableScoring::disabled_from_searcher(searcher);
        let Ok(weight) = pattern.match_query(field).weight(presence) else { return };
        for (ord, segment) in searcher.segment_readers().iter().enumerate() {
            let Ok(mut scorer) = weight.scorer(segment, 1.0) else { continue };
            let mut doc = tantivy::DocSet::doc(&scorer);
            while doc != tantivy::TERMINATED {
                if segment.alive_bitset().is_none_or(|a| a.is_alive(doc))
                    && !visit(tantivy::DocAddress::new(ord as u32, doc))
                {
                    return;
                }
                doc = tantivy::DocSet::advance(&mut scorer);
            }
        }
    }

    /// The title (folded) of a live document whose title key is `key`.
    fn title_of_key(&self, stats: &Stats<'_>, key: &str) -> Option<String> {
        let searcher = stats.searcher();
        let term = tantivy::Term::from_field_text(self.fields.title_key, key);
        let query = TermQuery::new(term, IndexRecordOption::Basic);
        let top = searcher.search(&query, &tantivy::collector::TopDocs::with_limit(1).order_by_score()).ok()?;
        let (_, address) = top.into_iter().next()?;
        let title = self.load_article(searcher, address).ok()?.title?;
        Some(self.analyzer.fold(&title))
    }

    /// Whether some document has `pattern` as a word: in the first
    /// documents that have it (at most [`WORD_CHECK_DOCS`], in index
    /// order), jieba cuts the text around an occurrence with the pattern
    /// as one word. 数之 in 函数之一 is cut 函数 + 之一, so an index of
    /// help pages does not have the word 数之; 张芸 in 张芸说 is one word.
    /// True when no document's text can be read (it is then taken at its
    /// word, as before this check).
    fn holds_as_word(&self, stats: &Stats<'_>, pattern: &Pattern) -> bool {
        let searcher = stats.searcher();
        let (mut read, mut word) = (0, false);
        for field in self.text_fields(searcher) {
            self.each_live_match(stats, pattern, field, |address| {
                if read == WORD_CHECK_DOCS {
                    return false;
                }
                read += 1;
                word = match self.load_article(searcher, address) {
                    Ok(article) => {
                        let text =
                            if field == self.fields.title { article.title.unwrap_or_default() } else { article.body };
                        correct::cut_as_word(&self.analyzer, &self.analyzer.fold(&text), &pattern.text)
                    }
                    Err(_) => true,
                };
                !word
            });
            if word {
                return true;
            }
        }
        read == 0
    }

    /// The title and the body, but for one that no segment has: it
    /// matches nothing, and looking for a phrase in it would build an
    /// empty dictionary in every segment (an index without titles, such
    /// as the news corpus, paid that for every suggestion and correction
    /// counted). Both when the fields cannot be read.
    fn text_fields(&self, searcher: &tantivy::Searcher) -> impl Iterator<Item = tantivy::schema::Field> {
        let present = self.present_fields(searcher).ok();
        [self.fields.title, self.fields.body].into_iter().filter(move |&f| present.is_none_or(|p| p.contains(f)))
    }

    /// How many documents have `pattern` in the title or the body.
    fn docs_with(&self, stats: &Stats<'_>, pattern: &Pattern) -> u64 {
        if stats.is_external() {
            // The collection counts by field: the larger of the two, a
            // floor of the union, which is all a ranking of corrections needs.
            return [TextField::Title, TextField::Body]
                .into_iter()
                .filter_map(|f| stats.external_pattern_docs(f, pattern).and_then(|n| n.ok()))
                .max()
                .unwrap_or(0);
        }
        let clauses: Vec<_> = self
            .text_fields(stats.searcher())
            .map(|f| (tantivy::query::Occur::Should, pattern.match_query(f)))
            .collect();
        if clauses.is_empty() {
            return 0;
        }
        let query = tantivy::query::BooleanQuery::new(clauses);
        stats.searcher().search(&query, &tantivy::collector::Count).map_or(0, |n| n as u64)
    }

    /// The query's branches, each a list of analyzed clauses, the words
    /// with their variants: the regional ones (unless the request turns
    /// them off) and the user's synonyms; and a clause typed in pinyin
    /// with the words it may stand for (unless the request turns that
    /// off).
    fn analyze(&self, parsed: &ParsedQuery, request: &SearchRequest, stats: &Stats<'_>) -> Vec<Vec<Clause>> {
        let regional = if request.variants { Some(self.analyzer.variants()) } else { None };
        let synonyms = self.synonym_variants();
        let mut tables: Vec<&crate::analysis::Variants> = vec![&synonyms.1];
        tables.extend(regional.as_deref());
        let expander = crate::analysis::variants::Expander { analyzer: &self.analyzer, tables };
        let analyze = |c: &parse::Clause| Clause::analyze(&self.analyzer, c, Some(&expander));
        let mut branches = Vec::new();
        for branch in &parsed.branches {
            let branch = self.unquote_absent(branch, stats);
            let clauses: Vec<Clause> = match request.pinyin {
                true => self.read_pinyin(&branch, &analyze, stats),
                false => branch.iter().filter_map(analyze).collect(),
            };
            if !clauses.is_empty() {
                branches.push(clauses);
            }
        }
        branches
    }

    /// `branch`, with each quoted text that no article has read as its
    /// words when the branch has other clauses to look for: text pasted
    /// from a program or an article quotes what it names (`在发送时显示
    /// “Reply To”域`), and the other side's text names it in its own words,
    /// so the quotes would shut out every article. A quoted text alone
    /// stays exact (no results), and one that some article has stays
    /// required.
    fn unquote_absent(&self, branch: &[parse::Clause], stats: &Stats<'_>) -> Vec<parse::Clause> {
        let positive = branch.iter().filter(|c| !c.negated).count();
        let mut out = Vec::with_capacity(branch.len());
        for clause in branch {
            let absent = match &clause.term {
                parse::Term::Phrase(text) if !clause.negated && positive > 1 => {
                    Pattern::of_text(&self.analyzer, text).is_some_and(|p| !self.has_pattern(stats, &p))
                }
                _ => false,
            };
            if !absent {
                out.push(clause.clone());
                continue;
            }
            out.extend(clause.term.text().split_whitespace().map(|word| parse::Clause {
                negated: false,
                scope: clause.scope,
                term: parse::Term::Word(word.to_owned()),
            }));
        }
        out
    }

    /// A branch's clauses, those typed in pinyin read as such: each alone
    /// (`beijing`, `北jing`), and a run of them typed apart as one
    /// (`bei jing`).
    fn read_pinyin(
        &self,
        branch: &[parse::Clause],
        analyze: &dyn Fn(&parse::Clause) -> Option<Clause>,
        stats: &Stats<'_>,
    ) -> Vec<Clause> {
        // Letters in capitals (`NBA`, `DC`, `iPhone`) are written as meant
        // beside Han text, and alone when the index has them as written:
        // an input method takes pinyin in lower case, so capitals are
        // Latin typed on purpose, and an acronym the archive has is what
        // the user looks for (年半 and 女伴 are not `NBA`). Alone and not
        // in the index, they are read (caps lock, `BJ`). See
        // `pinyin::cased_as_pinyin`.
        let han = branch.iter().any(|c| c.term.text().chars().any(crate::analysis::normalize::is_han));
        // The index's counts of a word are memoized (`Stats`): asked again
        // for the same clause, this is a map lookup.
        let has = |text: &str| Pattern::of_text(&self.analyzer, text).is_some_and(|p| self.has_pattern(stats, &p));
        let as_written = |c: &parse::Clause| han || has(c.term.text());
        let readable = |c: &parse::Clause| {
            !c.negated
                && matches!(c.term, parse::Term::Word(_))
                && (pinyin::cased_as_pinyin(c.term.text()) || !as_written(c))
        };
        // Beside Han text, letters in lower case that need initials to be
        // read as pinyin and that the index has as written are an acronym
        // typed in lower case, unless the reading makes one word of them
        // and the Han characters typed with them (`刘dh`, 刘德华): read,
        // `gdp增长` was 郭东坡 增长 and `nba总决赛` 廿八 总决赛, above the
        // articles with GDP.
        let acronym = |text: &str, reading: &Option<pinyin::Reading>| {
            let one_word = matches!(reading, Some(pinyin::Reading::Word(_)))
                && text.chars().any(crate::analysis::normalize::is_han);
            han && reading.is_some() && !one_word && pinyin::initials_runs(text).any(has)
        };
        // A clause too long to read in one go, cut as if typed apart.
        let cut: Vec<parse::Clause> = branch
            .iter()
            .flat_map(|c| match readable(c).then(|| pinyin::cut_long(c.term.text())).flatten() {
                Some(pieces) => pieces
                    .into_iter()
                    .map(|piece| parse::Clause { negated: false, scope: c.scope, term: parse::Term::Word(piece) })
                    .collect(),
                None => vec![c.clone()],
            })
            .collect();
        let branch = cut.as_slice();
        let docs = |p: &Pattern| stats.docs_estimate(p);
        let token_docs = |t: &str| stats.token_doc_freq(t).unwrap_or(0);
        let prefetch = |tokens: &[&str]| stats.prefetch(tokens);
        // Only a collection's statistics gain from lookups made together;
        // an index's own would read the spans no cut takes for nothing.
        let prefetch = stats.is_external().then_some(&prefetch as &dyn Fn(&[&str]));
        let documents = tantivy::query::Bm25StatisticsProvider::total_num_docs(stats).unwrap_or(0);
        // The titles a reading spells whole, as their articles write them:
        // a title key drops separators and punctuation (复出(组图) is
        // 复出组图), which a pattern of it would then not find.
        let titles = |slots: &[crate::analysis::pinyin::Slot]| {
            let typed = |t: &str| crate::analysis::pinyin::typed_chars(t).count();
            let keys = self.titles_fitting(stats, slots).unwrap_or_default();
            keys.into_iter()
                .filter(|key| typed(key) == slots.len())
                .take(pinyin::MAX_TITLES)
                .filter_map(|key| self.title_of_key(stats, &key))
                .collect()
        };
        let mut out = Vec::new();
        let mut i = 0;
        while i < branch.len() {
            // The longest run from here of clauses of full syllables, read
            // as one text when it is one.
            let mut end = i;
            while end < branch.len()
                && readable(&branch[end])
                && branch[end].scope == branch[i].scope
                && pinyin::reads_as_syllables(branch[end].term.text())
            {
                end += 1;
            }
            let joined = branch[i..end].iter().map(|c| c.term.text()).collect::<Vec<_>>().join(" ");
            let (mut reading, mut next) = match end - i >= 2 {
                true => (pinyin::read(&self.analyzer, &joined, &docs, &token_docs, prefetch, &titles, documents), end),
                false => (None, i + 1),
            };
            if reading.is_none() {
                // Not as one text: this clause alone.
                next = i + 1;
                if readable(&branch[i]) {
                    let text = branch[i].term.text();
                    reading = pinyin::read(&self.analyzer, text, &docs, &token_docs, prefetch, &titles, documents);
                    if acronym(text, &reading) {
                        reading = None;
                    }
                }
            }
            let clause = match next > i + 1 {
                true => parse::Clause { negated: false, scope: branch[i].scope, term: parse::Term::Word(joined) },
                false => branch[i].clone(),
            };
            let Some(mut analyzed) = analyze(&clause) else {
                i = next;
                continue;
            };
            match reading {
                Some(pinyin::Reading::Word(sounds)) => {
                    analyzed.read_as_pinyin(sounds);
                    out.push(analyzed);
                }
                // Several words, unless the text as typed is in the index
                // (an English word that also reads as pinyin stays itself).
                Some(pinyin::Reading::Words(words)) if !self.has_pattern(stats, &analyzed.pattern) => {
                    for (syllables, sounds) in words {
                        let part =
                            parse::Clause { negated: false, scope: clause.scope, term: parse::Term::Word(syllables) };
                        if let Some(mut c) = analyze(&part) {
                            c.read_as_pinyin(sounds);
                            out.push(c);
                        }
                    }
                }
                _ => out.push(analyzed),
            }
            i = next;
        }
        out
    }

    /// The page's hits: each article, its snippets and its explanation.
    fn hits(
        &self,
        searcher: &tantivy::Searcher,
        branches: &[Vec<Clause>],
        page: Vec<RankedHit>,
        explanations: Option<Vec<Explanation>>,
        checked: &mut Checked,
        request: &SearchRequest,
    ) -> Result<Vec<Hit>> {
        // Marks are only wanted for snippets.
        let highlights = if request.snippet_count > 0 && request.snippet_length > 0 {
            let positive: Vec<&Clause> = branches.iter().flatten().filter(|c| !c.negated).collect();
            Highlights::of(&positive)
        } else {
            Highlights::default()
        };
        let mut explanations = explanations.into_iter().flatten();
        let mut hits = Vec::with_capacity(page.len());
        for hit in page {
            let article = match checked.read.remove(&hit.address) {
                Some(article) => article,
                None => self.load_article(searcher, hit.address)?,
            };
            let snippets = match checked.unworded.get(&hit.address) {
                Some(patterns) => self.snippets(&article, &highlights.without(patterns), request),
                None => self.snippets(&article, &highlights, request),
            };
            let explanation = explanations.next();
            let (id, score, full_match) = (article.id.clone(), hit.score, hit.full);
            hits.push(Hit { id, score, full_match, article, snippets, explanation });
        }
        Ok(hits)
    }

    /// The request's filters, as queries that match without scoring.
    fn filters(&self, request: &SearchRequest) -> Vec<Box<dyn Query>> {
        let mut filters: Vec<Box<dyn Query>> = Vec::new();
        if let Some(source) = &request.source {
            let term = tantivy::Term::from_field_text(self.fields.source, source);
            filters.push(Box::new(TermQuery::new(term, IndexRecordOption::Basic)));
        }
        if request.published_from.is_some() || request.published_to.is_some() {
            let bound = |t: &Option<DateTime<FixedOffset>>| match t {
                Some(t) => Bound::Included(tantivy::Term::from_field_date(
                    self.fields.published_at,
                    tantivy::DateTime::from_timestamp_secs(t.timestamp()),
                )),
                None => Bound::Unbounded,
            };
            filters.push(Box::new(RangeQuery::new(bound(&request.published_from), bound(&request.published_to))));
        }
        filters
    }

    fn snippets(&self, article: &Article, hl: &Highlights, request: &SearchRequest) -> Vec<Snippet> {
        let mut out = Vec::new();
        // Highlighting analyzes each hit's text again: skip it all when no
        // fragment is wanted.
        if request.snippet_count == 0 || request.snippet_length == 0 {
            return out;
        }
        if let Some(title) = &article.title {
            let ranges = highlight::match_ranges(&self.analyzer, hl, title);
            if !ranges.is_empty() {
                out.push(Snippet { field: SnippetField::Title, text: title.clone(), highlights: ranges });
            }
        }
        let (body, _) = within_highlight_depth(&article.body);
        let ranges = highlight::match_ranges(&self.analyzer, hl, body);
        out.extend(highlight::fragments(body, &ranges, request.snippet_count, request.snippet_length));
        out
    }
}
