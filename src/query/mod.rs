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

mod explain;
mod facets;
mod highlight;
pub mod parse;
mod rank;
mod terms;

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
pub use parse::{parse, ParsedQuery};
use rank::{Context, Order, RankedHit, Ranking, Stats, TextFields};
pub use rank::{RankingSettings, MAX_RESCORE_WINDOW, PAIR_SAMPLE_DOCS, RESCORE_WINDOW};
use terms::Clause;

/// The longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 1_000;
/// The most terms (words and quoted texts) a query may have.
pub const MAX_QUERY_TERMS: usize = 64;

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
    /// Whether to count the matches by source and month. Off, the search
    /// skips that work and [`SearchResults::facets`] is empty.
    #[serde(default = "yes")]
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
}

fn yes() -> bool {
    true
}

impl SearchRequest {
    /// A request for `query`: relaxed matching, by relevance, ten hits, two
    /// fragments of 80 characters each, facets counted.
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
            facets: true,
            explain: false,
            variants: true,
            ranking: None,
        }
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

    /// Whether to count matches by source and month (on by default).
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
    /// How many documents match, exactly (see the module docs for relaxed matching).
    pub total: u64,
    /// How many documents match every word.
    pub full_matches: u64,
    /// The requested page of hits.
    pub hits: Vec<Hit>,
    /// Counts over all `total` documents.
    pub facets: Facets,
}

impl SearchIndex {
    /// Runs a search.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults> {
        let chars = request.query.chars().count();
        if chars > MAX_QUERY_CHARS {
            return Err(QueryError::TooLong { len: chars, max: MAX_QUERY_CHARS }.into());
        }
        let parsed = parse(&request.query);
        if parsed.term_count() > MAX_QUERY_TERMS {
            return Err(QueryError::TooManyTerms { count: parsed.term_count(), max: MAX_QUERY_TERMS }.into());
        }
        let settings = match &request.ranking {
            Some(settings) => {
                settings.validate_at(&crate::error::Location::default().in_field("ranking"))?;
                settings.clone()
            }
            None => self.ranking(),
        };
        let branches = self.analyze(&parsed, request);
        let searcher = self.reader.searcher();
        // One set of statistics for the whole search: planning, scoring,
        // rescoring and explaining look up the same document frequencies.
        let stats = Stats::new(&searcher, self.fields);
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
        let Some(ranking) = Ranking::plan(&branches, context).map_err(|e| self.error(e))? else {
            return Ok(SearchResults::default());
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
        let collector = ranking.collector(limit, order, facet_collector);
        let found =
            searcher.search_with_statistics_provider(ranking.query(), &collector, &stats).map_err(|e| self.error(e))?;
        let mut top = found.hits;
        // The pairs and the passage, for the relevance order only.
        let rescored = match request.sort {
            Sort::Relevance => ranking.rescore(&stats, &mut top).map_err(|e| self.error(e))?,
            Sort::Newest | Sort::Oldest => Default::default(),
        };
        top.truncate(wanted);
        let page: Vec<RankedHit> = top.into_iter().skip(request.offset).collect();
        let explanations = match request.explain {
            true => Some(ranking.explain(&stats, &page, &rescored).map_err(|e| self.error(e))?),
            false => None,
        };
        let hits = self.hits(&searcher, &branches, page, explanations, request)?;
        let facets = found.extra.unwrap_or_default();
        Ok(SearchResults { total: found.total, full_matches: found.full_matches, hits, facets })
    }

    /// The query's branches, each a list of analyzed clauses, the words
    /// with their variants: the regional ones (unless the request turns
    /// them off) and the user's synonyms.
    fn analyze(&self, parsed: &ParsedQuery, request: &SearchRequest) -> Vec<Vec<Clause>> {
        let regional = if request.variants { Some(self.analyzer.variants()) } else { None };
        let synonyms = self.synonym_variants();
        let mut tables: Vec<&crate::analysis::Variants> = vec![&synonyms.1];
        tables.extend(regional.as_deref());
        let expander = crate::analysis::variants::Expander { analyzer: &self.analyzer, tables };
        parsed
            .branches
            .iter()
            .map(|b| b.iter().filter_map(|c| Clause::analyze(&self.analyzer, c, Some(&expander))).collect::<Vec<_>>())
            .filter(|b| !b.is_empty())
            .collect()
    }

    /// The page's hits: each article, its snippets and its explanation.
    fn hits(
        &self,
        searcher: &tantivy::Searcher,
        branches: &[Vec<Clause>],
        page: Vec<RankedHit>,
        explanations: Option<Vec<Explanation>>,
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
            let article = self.load_article(searcher, hit.address)?;
            let snippets = self.snippets(&article, &highlights, request);
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
        let ranges = highlight::match_ranges(&self.analyzer, hl, &article.body);
        out.extend(highlight::fragments(&article.body, &ranges, request.snippet_count, request.snippet_length));
        out
    }
}
