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
//! - `贫困县 干部`: words separated by spaces must all match.
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
//! # Matching strategies
//!
//! Under [`Matching::All`], only documents that match every clause are
//! hits, and `total` counts them. Under [`Matching::Relaxed`] (the
//! default), when a query of one branch has two or more words, documents
//! missing some of them follow the full matches, ordered by how many words
//! they match: first those missing one word, then two, and so on. Among
//! documents that miss equally many, those that miss the most common words
//! come first (the words are ranked by how many documents contain them), and
//! relevance decides between the rest. Every full match ranks above every
//! partial one, whatever the sort order. Exclusions and filters hold for
//! all of them. `total` then counts every document that matches at least one
//! word, and `full_matches` those that match every word. Queries with `OR`
//! are not relaxed. A hit's score under relaxed matching includes those
//! orderings as bonuses: compare scores within one search only.

pub mod build;
mod facets;
mod highlight;
pub mod parse;
mod score;

use std::ops::Bound;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use tantivy::collector::{Collector, Count, SegmentCollector, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, BoostQuery, EnableScoring, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::SeekDangerResult;
use tantivy::{DocAddress, DocSet, Score, Searcher, SegmentReader};

use crate::article::Article;
pub use crate::error::QueryError;
use crate::error::Result;
use crate::index::SearchIndex;
use build::{Builder, Highlights};
pub use facets::Facets;
pub use highlight::{Snippet, SnippetField};
pub use parse::{parse, ParsedQuery};
use score::AddScoreQuery;

/// The longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 1_000;
/// The most terms (words and quoted texts) a query may have.
pub const MAX_QUERY_TERMS: usize = 64;

/// How many of the rarest words get a rarity bonus in relaxed matching.
const RARITY_WORDS: usize = 8;
/// The smallest rarity bonus. Clause scores are capped so that their sum
/// stays below it ([`Tiers::cap`]).
const RARITY_UNIT: f32 = 1_000.0;

/// How relaxed matching encodes the number of matched words in a score.
///
/// Each matched word adds `unit` (plus its rarity bonus) to its BM25
/// score, capped at `cap`, and the words-together bonus is capped alike;
/// `unit` is more than all rarity bonuses and capped scores together, so
/// the count of matched words comes first, and the capped scores add up to
/// less than [`RARITY_UNIT`], so the rarity of the matched words comes
/// next. It is as small as the query
/// allows, because the sum is one f32: its resolution at the top tier is
/// what is left to tell BM25 scores apart. With the unit sized for eight
/// rarity bonuses whatever the query, two words summed to about 1e6, where
/// f32 steps by 1/16 and near-equal BM25 scores tied; sized for two, they
/// sum to about 2e4, where it steps by 1/512.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Tiers {
    /// The number of words (positive clauses).
    words: u32,
    /// What each matched word adds.
    unit: f32,
    /// The most a word's BM25 score counts, and the most the words-together
    /// bonus adds: a word's score is far below it (a few tens), but a
    /// quoted passage pasted whole can score thousands, which would read as
    /// more matched words. With one cap per word and one for the bonus,
    /// all of them together stay below [`RARITY_UNIT`].
    cap: f32,
}

impl Tiers {
    fn new(words: usize) -> Tiers {
        let ranked = words.clamp(1, RARITY_WORDS);
        Tiers {
            words: u32::try_from(words).unwrap_or(u32::MAX),
            unit: RARITY_UNIT * (1u32 << ranked) as f32 * 2.0,
            cap: RARITY_UNIT / (words as f32 + 2.0),
        }
    }

    /// How many words a relaxed-matching score says matched.
    fn matched(&self, score: f32) -> u32 {
        // `as` truncates toward zero and saturates (NaN and negatives give
        // 0), which is `floor` for these non-negative scores without the
        // libm call that `f32::floor` costs on baseline x86-64, once per
        // match.
        (score / self.unit) as u32
    }
}

/// Which documents count as matches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Matching {
    /// Only documents that match every word.
    All,
    /// Full matches first, then documents missing some words; see the module docs.
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
        }
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
    /// Its relevance score (under [`Sort::Relevance`]; 0 otherwise).
    pub score: f32,
    /// Whether it matches every word of the query (always, under [`Matching::All`]).
    pub full_match: bool,
    /// The article.
    pub article: Article,
    /// The title, if it has matches, then body fragments, marks included.
    pub snippets: Vec<Snippet>,
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

/// A branch's positive clauses, negated clauses, and together-bonus.
type Branch = (Vec<Box<dyn Query>>, Vec<Box<dyn Query>>, Vec<Box<dyn Query>>);

/// A query ready to run.
struct Plan {
    /// What matches, and how it scores.
    query: Box<dyn Query>,
    /// Under relaxed matching: how a score tells how many words matched.
    relaxed: Option<Tiers>,
    /// The together-bonus, when it is added to the best hits after the
    /// search instead of during it (see [`RESCORE_WINDOW`]).
    rescore: Vec<Box<dyn Query>>,
    highlights: Highlights,
}

/// How many of the best hits the words-together bonus is computed for.
///
/// The bonus is a phrase query, and for two common words its positions are
/// read in every document that has both: it was 40% of a two-word search.
/// Computed for the best hits only, as Elasticsearch's rescore does, it
/// costs a seek per hit. The order stays consistent across pages: a
/// document beyond the window never gets the bonus, whatever page is
/// asked for, and every document in the window scores at least as high as
/// every one after it, bonus or not.
pub const RESCORE_WINDOW: usize = 100;

/// A segment's sort key: (matched words, date, score).
type DateKey = Box<dyn Fn(tantivy::DocId, tantivy::Score) -> (u32, i64, tantivy::Score)>;

/// The sort key for [`Sort::Newest`] and [`Sort::Oldest`]: under relaxed
/// matching (`tiers`), documents that match more words come first whatever
/// the date. Undated articles sort last either way: `i64::MIN` is the
/// smallest key, and the largest keys come first.
fn by_date(newest: bool, tiers: Option<Tiers>) -> impl Fn(&SegmentReader) -> DateKey + Send + Sync {
    move |segment: &SegmentReader| {
        let column = segment.fast_fields().date("published_at").ok();
        Box::new(move |doc: tantivy::DocId, score: tantivy::Score| {
            let tier = tiers.map_or(0, |t| t.matched(score));
            let key = match column.as_ref().and_then(|c| c.first(doc)) {
                Some(t) if newest => t.into_timestamp_secs(),
                Some(t) => -t.into_timestamp_secs(),
                None => i64::MIN,
            };
            (tier, key, score)
        })
    }
}

/// Counts the documents whose relaxed-matching score says they match all
/// words, in the same pass as the rest.
struct FullMatchCount(Tiers);

impl Collector for FullMatchCount {
    type Fruit = usize;
    type Child = FullMatchSegment;

    fn for_segment(&self, _: tantivy::SegmentOrdinal, _: &SegmentReader) -> tantivy::Result<FullMatchSegment> {
        Ok(FullMatchSegment { tiers: self.0, count: 0 })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, counts: Vec<usize>) -> tantivy::Result<usize> {
        Ok(counts.into_iter().sum())
    }
}

struct FullMatchSegment {
    tiers: Tiers,
    count: usize,
}

impl SegmentCollector for FullMatchSegment {
    type Fruit = usize;

    fn collect(&mut self, _doc: tantivy::DocId, score: tantivy::Score) {
        self.count += usize::from(self.tiers.matched(score) >= self.tiers.words);
    }

    fn harvest(self) -> usize {
        self.count
    }
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
        let searcher = self.reader.searcher();
        let Some(plan) = self.plan(&parsed, request, &searcher)? else {
            return Ok(SearchResults::default());
        };

        // One pass over the matches collects the page, the total, the
        // facets and (relaxed) the full-match count together.
        let wanted = request.offset.saturating_add(request.limit);
        let tiers = plan.relaxed;
        let facet_collector = request.facets.then_some(facets::FacetCollector);
        let full_collector = tiers.map(FullMatchCount);
        let (top, total, facets, full_matches) = match request.sort {
            Sort::Relevance => {
                let window = if plan.rescore.is_empty() { wanted } else { wanted.max(RESCORE_WINDOW) };
                let top = (wanted > 0).then(|| TopDocs::with_limit(window).order_by_score());
                let (top, total, facets, full) = searcher
                    .search(&plan.query, &(top, Count, facet_collector, full_collector))
                    .map_err(|e| self.error(e))?;
                let mut top = top.unwrap_or_default();
                if !plan.rescore.is_empty() {
                    let n = top.len().min(RESCORE_WINDOW);
                    self.rescore(&searcher, &plan.rescore, &mut top[..n], tiers.map(|t| t.cap))?;
                }
                top.truncate(wanted);
                (top, total, facets, full)
            }
            Sort::Newest | Sort::Oldest => {
                let top = (wanted > 0).then(|| TopDocs::with_limit(wanted));
                let top = top.map(|t| t.tweak_score(by_date(request.sort == Sort::Newest, tiers)));
                let (top, total, facets, full) = searcher
                    .search(&plan.query, &(top, Count, facet_collector, full_collector))
                    .map_err(|e| self.error(e))?;
                let top = top.unwrap_or_default().into_iter().map(|((_, _, score), a)| (score, a)).collect();
                (top, total, facets, full)
            }
        };
        let mut hits = Vec::new();
        for (score, address) in top.into_iter().skip(request.offset) {
            let article = self.load_article(&searcher, address)?;
            let snippets = self.snippets(&article, &plan.highlights, request);
            let full_match = tiers.is_none_or(|t| t.matched(score) >= t.words);
            hits.push(Hit { id: article.id.clone(), score, full_match, article, snippets });
        }
        Ok(SearchResults {
            total: total as u64,
            full_matches: full_matches.unwrap_or(total) as u64,
            hits,
            facets: facets.unwrap_or_default(),
        })
    }

    /// Adds the score of each part of `bonus` that matches a hit to it, at
    /// most `cap` in all, and sorts the hits again (ties by address, as
    /// tantivy orders them). Relaxed matching caps the bonus as it caps each
    /// clause ([`Tiers::cap`]): some clauses (scoped, negated) have no part
    /// in it, so a hit that misses one can still have the rest together,
    /// and an uncapped bonus could lift it into a higher tier.
    fn rescore(
        &self,
        searcher: &Searcher,
        bonus: &[Box<dyn Query>],
        hits: &mut [(Score, DocAddress)],
        cap: Option<Score>,
    ) -> Result<()> {
        let mut added: Vec<Score> = vec![0.0; hits.len()];
        // Scorers only move forward: visit the hits by segment, then doc.
        let mut order: Vec<(DocAddress, usize)> = hits.iter().enumerate().map(|(i, h)| (h.1, i)).collect();
        order.sort_unstable();
        for part in bonus {
            let weight = part.weight(EnableScoring::enabled_from_searcher(searcher)).map_err(|e| self.error(e))?;
            for group in order.chunk_by(|a, b| a.0.segment_ord == b.0.segment_ord) {
                let segment = searcher.segment_reader(group[0].0.segment_ord);
                let mut scorer = weight.scorer(segment, 1.0).map_err(|e| self.error(e))?;
                // `seek` would walk a phrase scorer on to its next match,
                // checking positions in every document on the way;
                // `seek_danger` checks the one document asked for. Its
                // targets strictly increase here and never lie behind the
                // scorer, as it requires. After a miss the scorer may be
                // left invalid, and only `seek_danger` may be called until
                // it answers `Found`.
                let mut valid = true;
                for &(address, i) in group {
                    let doc = address.doc_id;
                    // A document before the scorer's position is no match
                    // (it was passed over), and seek_danger must never be
                    // asked for one.
                    let current = scorer.doc();
                    let found = if doc < current {
                        false
                    } else if doc == current && valid {
                        true
                    } else {
                        let found = scorer.seek_danger(doc) == SeekDangerResult::Found;
                        valid = found;
                        found
                    };
                    if found {
                        added[i] += scorer.score();
                    }
                }
            }
        }
        for (hit, added) in hits.iter_mut().zip(added) {
            hit.0 += cap.map_or(added, |cap| added.min(cap));
        }
        hits.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        Ok(())
    }

    /// For relaxed matching: a score bonus per clause such that, among
    /// documents matching equally many words, those that kept the rarer
    /// words (that is, dropped the most common ones) rank first. Bonuses are
    /// powers of two over the rarest [`RARITY_WORDS`] clauses, so each
    /// outweighs all more common ones together, and [`RARITY_UNIT`] keeps
    /// them above any BM25 difference.
    fn rarity_bonuses(&self, positive: &[Box<dyn Query>], searcher: &Searcher) -> Result<Vec<f32>> {
        let mut by_frequency: Vec<(usize, usize)> = Vec::with_capacity(positive.len());
        for (i, q) in positive.iter().enumerate() {
            by_frequency.push((searcher.search(q.as_ref(), &Count).map_err(|e| self.error(e))?, i));
        }
        by_frequency.sort_unstable();
        let ranked = by_frequency.len().min(RARITY_WORDS);
        let mut bonuses = vec![0.0; positive.len()];
        for (rank, &(_, i)) in by_frequency.iter().take(ranked).enumerate() {
            bonuses[i] = RARITY_UNIT * (1u32 << (ranked - 1 - rank)) as f32;
        }
        Ok(bonuses)
    }

    /// Builds the query, or `None` when it can match nothing.
    fn plan(&self, parsed: &ParsedQuery, request: &SearchRequest, searcher: &Searcher) -> Result<Option<Plan>> {
        let present = self.present_fields(searcher)?;
        let builder = Builder { analyzer: &self.analyzer, fields: self.fields, searcher, present };
        let mut highlights = Highlights::default();
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

        let mut branches: Vec<Branch> = Vec::new();
        for branch in &parsed.branches {
            let mut positive = Vec::new();
            let mut negative = Vec::new();
            let mut together = Vec::new();
            for clause in branch {
                if let Some(built) = builder.clause(clause, &mut highlights).map_err(|e| self.error(e))? {
                    if built.negated {
                        negative.push(built.query);
                    } else {
                        positive.push(built.query);
                        together.extend(built.together_text);
                    }
                }
            }
            if positive.is_empty() && negative.is_empty() {
                continue;
            }
            let texts: Vec<&str> = together.iter().map(String::as_str).collect();
            branches.push((positive, negative, builder.together(&texts).map_err(|e| self.error(e))?));
        }
        if branches.is_empty() {
            return Ok(None);
        }

        // The clauses every query shares: exclusions, the together-bonus,
        // and filters, which restrict without scoring.
        let common = |negative: &[Box<dyn Query>], bonus: &[Box<dyn Query>]| {
            let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            clauses.extend(negative.iter().map(|q| (Occur::MustNot, q.box_clone())));
            if !bonus.is_empty() {
                clauses.push((Occur::Should, build::union(bonus.iter().map(|b| b.box_clone()).collect())));
            }
            clauses.extend(
                filters.iter().map(|f| (Occur::Must, Box::new(BoostQuery::new(f.box_clone(), 0.0)) as Box<dyn Query>)),
            );
            clauses
        };
        let all_of = |positive: &[Box<dyn Query>], negative: &[Box<dyn Query>], bonus: &[Box<dyn Query>]| {
            let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            if positive.is_empty() {
                clauses.push((Occur::Must, Box::new(AllQuery)));
            }
            clauses.extend(positive.iter().map(|q| (Occur::Must, q.box_clone())));
            clauses.extend(common(negative, bonus));
            Box::new(BooleanQuery::new(clauses)) as Box<dyn Query>
        };

        // One branch: its bonus is added to the best hits afterwards. With
        // several, each branch's bonus counts only where that branch
        // matches, so it stays inside the branch's query.
        if branches.len() == 1 {
            let (positive, negative, bonus) = branches.remove(0);
            let relaxed =
                (request.matching == Matching::Relaxed && positive.len() >= 2).then(|| Tiers::new(positive.len()));
            let query = if let Some(tiers) = relaxed {
                // One query for all tiers: any word must match, and each
                // matched word adds the tier unit plus its rarity bonus to its
                // BM25 score (`AddScoreQuery`, so each clause runs once), so
                // the number of matched words, then their rarity, then BM25
                // order the hits. (Running one query per tier, each
                // excluding the tiers before it, trips a debug assertion in
                // tantivy's phrase scorer inside exclusions.)
                let rarity = self.rarity_bonuses(&positive, searcher)?;
                let any = positive
                    .iter()
                    .zip(rarity)
                    .map(|(q, bonus)| {
                        Box::new(AddScoreQuery::new(q.box_clone(), tiers.unit + bonus, tiers.cap)) as Box<dyn Query>
                    })
                    .collect();
                let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, build::union(any))];
                clauses.extend(common(&negative, &[]));
                Box::new(BooleanQuery::new(clauses)) as Box<dyn Query>
            } else {
                all_of(&positive, &negative, &[])
            };
            return Ok(Some(Plan { query, relaxed, rescore: bonus, highlights }));
        }
        let queries: Vec<Box<dyn Query>> = branches.iter().map(|(p, n, b)| all_of(p, n, b)).collect();
        Ok(Some(Plan { query: build::union(queries), relaxed: None, rescore: Vec::new(), highlights }))
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
