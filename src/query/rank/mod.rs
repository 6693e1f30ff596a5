//! The ranking: how a query becomes a scored search, which documents
//! count as matches, and why a hit scored what it did.
//!
//! This module is the one place that knows the ranking model. Each signal
//! lives in its own file with its score and its explanation side by side:
//!
//! | file            | what it does                                                   |
//! |-----------------|----------------------------------------------------------------|
//! | `settings.rs`   | [`RankingSettings`]: every weight and threshold below          |
//! | `stats.rs`      | the statistics of one search: BM25F document frequencies, remembered; the one idf; pair counts |
//! | `plan.rs`       | the analyzed clauses → groups, pairs, passage, exclusions → the query to run |
//! | `parts.rs`      | a group → one tantivy query per field; a strict branch → tantivy's boolean query |
//! | `matching.rs`   | the one rule for what matches and what is a full match        |
//! | `union.rs`      | the ranked query: one pass over the postings, score and verdict per document |
//! | `scorer.rs`     | its scorer: the window of documents and their slots            |
//! | `collect.rs`    | the best hits with their verdicts, the counts, the facets, in one pass |
//! | `rescore.rs`    | after the search: pairs and passage for the best hits          |
//! | `positions.rs`  | the positions the rescore reads                                |
//! | `pairs.rs`      | pairs side by side                                             |
//! | `passage.rs`    | the best passage                                               |
//! | `words.rs`      | after the search: a variant or reading counts only where it is a word |
//! | `explain.rs`    | the explanation tree, when asked                               |
//!
//! A search runs [`Ranking::plan`], then its [`Ranking::query`] with the
//! collector of [`Ranking::collector`] and the search's [`Stats`], then
//! [`Ranking::rescore`] on the best hits, then (when asked)
//! [`Ranking::explain`]. The verdict of each hit (full match or not)
//! comes out of the scorer with its score; nothing reads the postings a
//! second time to find it.
//!
//! # The model
//!
//! An unquoted query is evidence, not a conjunction. Its text is cut into
//! the units the index holds (see [`super::terms`]), and a document scores
//! BM25 for each unit it has, in the title (`title_boost` times) and in
//! the body:
//!
//! - every character (`char_weight`) and Latin word or number
//!   (`pair_weight`): how much of the query a document covers, the rarer
//!   characters counting more;
//! - every dictionary bigram of characters side by side (`pair_weight`);
//! - every other pair of characters side by side (`pair_weight`), and the
//!   pair that two clauses make where the text has them written together:
//!   the query's parts in order and close together, computed from the
//!   positions of the best `rescore_window` hits after the search;
//! - a quoted text, as a phrase (`phrase_weight`);
//! - a title that is exactly the query (`title_exact_boost`);
//! - for a query of a sentence's length (`passage_min_units`), the best
//!   passage (`passage_weight`, see `passage.rs`), up to twice that in a
//!   document about as short as the query (`passage_focus`).
//!
//! The units' scores are multiplied by the coverage factor, `1 - c + c ×
//! (words it has / words of the query)` with `c` = `coverage_weight`.
//! Characters count for less than pairs because they say less: two texts
//! about different things share many characters, and few pairs. A
//! document that lacks one word still ranks by everything else it has.
//!
//! # Which documents match
//!
//! Under [`Matching::Relaxed`] (the default) a document matches when it
//! has at least `matching_share` (a third) of the query's units of
//! matching, by number or by their weight of rarity (so a rare word
//! decides where filler characters cannot), and every quoted text: so `经济 改革` finds documents with
//! either word, a one-word query finds the word, and a 30-character
//! sentence finds the documents that share at least ten of its
//! characters, which keeps `total`, facets and paging meaningful without
//! leaving a reader's description, written in other words, with nothing.
//! Under [`Matching::All`], and in each branch of a query with `OR`, a
//! document must have every word (each as a substring) and every quoted
//! text. Exclusions and filters hold for both. `matching.rs` has the rule.
//!
//! [`Matching::Relaxed`]: super::Matching::Relaxed
//! [`Matching::All`]: super::Matching::All

mod blocks;
mod collect;
mod explain;
mod matching;
mod pairs;
mod parts;
mod passage;
mod plan;
mod positions;
mod rescore;
mod scorer;
mod settings;
mod stats;
mod union;
mod words;

use tantivy::query::Query;

use super::explain::Explanation;
use super::terms::Clause;
pub(crate) use collect::{search, Collect, Order, RankedHit};
pub(crate) use collect::{share, MIN_THREADED_POSTINGS};
pub(crate) use parts::TextFields;
pub(crate) use plan::Context;
use plan::{Branch, Planned};
pub(crate) use rescore::Rescored;
pub use settings::{RankingSettings, MAX_RESCORE_WINDOW, RESCORE_DEPTH, RESCORE_WINDOW};
pub(crate) use stats::Stats;
pub use stats::{CollectionStatistics, IndexStatistics, TextField, PAIR_SAMPLE_DOCS};
pub(crate) use words::{IsWord, WordCheck};

/// A query planned for a search: what to run, and what the ranking needs
/// afterwards.
pub(crate) struct Ranking {
    text: TextFields,
    /// The branches (one unless the query has `OR`), less those of
    /// exclusions only.
    branches: Vec<Branch>,
    /// Whether the query is a union of branches (`OR`), a branch of
    /// exclusions only counted: a hit may then match one branch and be
    /// shut out of another by its exclusions.
    union: bool,
    /// Whether every match must have every word (strict matching, `OR`).
    all_words: bool,
    query: Box<dyn Query>,
    /// Whether `query` is the ranked query (see [`Collect::ranked`]).
    ranked: bool,
    /// See [`Collect::driver`].
    driver: Option<blocks::Driver>,
    settings: RankingSettings,
}

impl Ranking {
    /// Plans the query of `branches` (each a list of analyzed clauses), or
    /// `None` when it can match nothing.
    pub(crate) fn plan(branches: &[Vec<Clause>], ctx: Context<'_>) -> tantivy::Result<Option<Ranking>> {
        let Some(Planned { branches, query, ranked, union, all_words, driver }) = plan::plan(branches, &ctx)? else {
            return Ok(None);
        };
        let settings = ctx.settings.clone();
        Ok(Some(Ranking { text: ctx.text, branches, union, all_words, query, ranked, driver, settings }))
    }

    /// The query to run, with the search's [`Stats`].
    pub(crate) fn query(&self) -> &dyn Query {
        self.query.as_ref()
    }

    /// The collector for this query: the best `limit` hits in `order`,
    /// each with its verdict, the counts, and `extra` over every match.
    /// Once `count_up_to` matches are counted, the ranked scorer may skip
    /// documents that cannot enter the best hits (see [`Collect::count_up_to`]).
    /// A large segment is searched by up to `threads` threads at once
    /// (see [`Collect::threads`]).
    pub(crate) fn collector<C>(
        &self,
        limit: usize,
        order: Order,
        count_up_to: u64,
        threads: usize,
        extra: C,
    ) -> Collect<C> {
        let (ranked, driver) = (self.ranked, self.driver.clone());
        let (shared, min_slice_docs, min_threaded_postings) =
            (Default::default(), collect::MIN_SLICE_DOCS, collect::MIN_THREADED_POSTINGS);
        Collect {
            limit,
            order,
            ranked,
            driver,
            count_up_to,
            shared,
            threads,
            min_slice_docs,
            min_threaded_postings,
            extra,
        }
    }

    /// How many of the best hits to rescore: `wanted` at least, and the
    /// settings' window when the query has pairs or a passage.
    pub(crate) fn window(&self, wanted: usize) -> usize {
        if self.rescores() {
            wanted.max(self.settings.rescore_window)
        } else {
            wanted
        }
    }

    /// Whether pairs or a passage are scored after the search.
    fn rescores(&self) -> bool {
        self.branches.len() == 1 && (!self.branches[0].pairs.is_empty() || self.branches[0].passage.is_some())
    }

    /// Checks that the hits of the page (the first `wanted`) that have a
    /// word only in another spelling (a variant, a synonym) have it as a
    /// word, not across a word boundary (see `words.rs`); adjusts or
    /// removes those that do not, then checks the hits that took their
    /// places (a few rounds at most). With `by_score` the hits are sorted
    /// again, best first. Only the page is checked: the check reads each
    /// hit's stored text, and the whole rescore window cost a sentence
    /// query half again its time on the LibreOffice set.
    pub(crate) fn check_words(
        &self,
        stats: &Stats<'_>,
        hits: &mut Vec<RankedHit>,
        wanted: usize,
        by_score: bool,
        is_word: IsWord<'_>,
    ) -> tantivy::Result<WordCheck> {
        const ROUNDS: usize = 4;
        let mut all = WordCheck::default();
        let mut done = std::collections::HashSet::new();
        for _ in 0..ROUNDS {
            let n = wanted.min(hits.len());
            if hits[..n].iter().all(|h| done.contains(&h.address)) {
                break;
            }
            let round = words::check(self, stats, hits, n, by_score, is_word, &mut done)?;
            all.lost.extend(round.lost);
            all.dropped += round.dropped;
            all.unfull += round.unfull;
        }
        Ok(all)
    }

    /// Per hit, the spellings of the words it has only across word
    /// boundaries (see [`Ranking::check_words`]): its snippets do not mark
    /// them.
    pub(crate) fn unworded(
        &self,
        lost: &std::collections::HashMap<tantivy::DocAddress, Vec<usize>>,
    ) -> std::collections::HashMap<tantivy::DocAddress, Vec<super::terms::Pattern>> {
        let Some(branch) = self.branches.first() else { return Default::default() };
        lost.iter()
            .map(|(&address, groups)| {
                let patterns = groups
                    .iter()
                    .filter_map(|&g| branch.groups.get(g))
                    .filter_map(|spec| match &spec.lookup {
                        plan::Lookup::Any(patterns) => Some(patterns.iter().skip(1).take(spec.variants)),
                        _ => None,
                    })
                    .flatten()
                    .cloned()
                    .collect();
                (address, patterns)
            })
            .collect()
    }

    /// Adds the scores of the pairs and of the best passage to the best
    /// hits (at most the settings' window of them) and sorts them again.
    /// Returns what each hit gained, for explanations.
    pub(crate) fn rescore(&self, stats: &Stats<'_>, hits: &mut [RankedHit]) -> tantivy::Result<Rescored> {
        if !self.rescores() {
            return Ok(Rescored::default());
        }
        let n = hits.len().min(self.settings.rescore_window);
        let branch = &self.branches[0];
        let rescore = rescore::Rescore {
            pairs: &branch.pairs,
            passage: branch.passage.as_ref(),
            text: &self.text,
            settings: &self.settings,
        };
        rescore.run(stats, &mut hits[..n])
    }

    /// The explanation of each hit's score, given what
    /// [`Ranking::rescore`] added.
    pub(crate) fn explain(
        &self,
        stats: &Stats<'_>,
        hits: &[RankedHit],
        rescored: &Rescored,
    ) -> tantivy::Result<Vec<Explanation>> {
        explain::explain(self, stats, hits, rescored)
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::TopDocs;

    use super::*;
    use crate::analysis::AnalyzerSettings;
    use crate::article::Article;
    use crate::index::SearchIndex;
    use crate::query::parse::parse;

    fn index() -> SearchIndex {
        let index = SearchIndex::in_memory(&AnalyzerSettings::default()).expect("index");
        let mut writer = index.writer().expect("writer");
        let texts = [
            ("经济改革的新阶段", "经济体制改革在推进，改革开放以来经济发展很快。"),
            ("改革", "农村改革与经济。"),
            ("经济", "经济形势，发展经济。"),
            ("发展", "贫困县的发展：脱贫攻坚，干部驻村。"),
            ("其他", "今天天气很好。"),
        ];
        for (i, (title, body)) in texts.iter().enumerate() {
            let mut a = Article::new(format!("a{i}"), *body);
            a.title = Some((*title).into());
            writer.upsert(&a).expect("upsert");
        }
        writer.commit().expect("commit");
        index
    }

    /// `q` planned over `index` with `stats`: the ranking, and its first
    /// branch as the ranked query.
    fn planned(index: &SearchIndex, stats: &Stats<'_>, q: &str) -> (Ranking, union::RankedQuery) {
        let branches: Vec<Vec<Clause>> = parse(q)
            .branches
            .iter()
            .map(|b| b.iter().filter_map(|c| Clause::analyze(&index.analyzer, c, None)).collect())
            .collect();
        let key = |t: &str| crate::index::schema::title_key(&index.analyzer, t);
        let settings = RankingSettings::default();
        let ctx = || Context {
            text: TextFields {
                fields: index.fields,
                present: index.present_fields(stats.searcher()).expect("fields"),
                title_boost: settings.title_boost,
            },
            all_words: false,
            filters: Vec::new(),
            title_key: &key,
            stats,
            settings: &settings,
        };
        let ranking = Ranking::plan(&branches, ctx()).expect("plans").expect("something to find");
        let ranked = plan::ranked_query(&ranking.branches[0], &ctx()).expect("ranked query");
        (ranking, ranked)
    }

    /// A relaxed query whose every match has every word (one word, a quoted
    /// text, a word with an exclusion or a scope) runs tantivy's boolean
    /// query; the ranked query with its rule must find the same documents
    /// with the same scores, or the two plans would rank one query two ways.
    #[test]
    fn the_strict_plan_scores_as_the_ranked_query_does() {
        let index = index();
        let searcher = index.reader.searcher();
        for q in ["经济", "贫困县", "\"经济改革\"", "\"改革\"", "经济 -农村", "title:经济", "body:发展 -title:发展"]
        {
            let stats = Stats::new(&searcher, index.fields);
            let (ranking, ranked) = planned(&index, &stats, q);
            assert!(!ranking.ranked, "{q}: runs tantivy's query");
            let top = TopDocs::with_limit(10).order_by_score();
            let run = |query: &dyn Query| {
                let mut hits = searcher.search_with_statistics_provider(query, &top, &stats).expect("search");
                hits.sort_by_key(|(_, a)| *a);
                hits
            };
            let (strict, by_rank) = (run(ranking.query()), run(&ranked));
            assert!(!strict.is_empty(), "{q}: the texts have it");
            assert_eq!(strict.len(), by_rank.len(), "{q}");
            for ((s1, a1), (s2, a2)) in strict.iter().zip(&by_rank) {
                assert_eq!(a1, a2, "{q}");
                assert!((s1 - s2).abs() < 1e-4, "{q}: {s1} vs {s2}");
            }
        }
    }

    /// Each group's bound (what the pruning reads, `parts::group_bound`)
    /// is at least any document's score for the group, and close to it
    /// for a document that repeats the group's character in a short title
    /// and body: a bound set too low would make the pruning drop hits.
    #[test]
    fn group_bounds_hold_and_are_close_to_a_repeated_term() {
        let index = SearchIndex::in_memory(&AnalyzerSettings::default()).expect("index");
        let mut writer = index.writer().expect("writer");
        let mut heavy = Article::new("heavy", "测".repeat(300));
        heavy.title = Some("测".repeat(30));
        writer.upsert(&heavy).expect("upsert");
        for (i, body) in
            ["经济改革测试。", "测试报告，经济形势。", "改革开放以来。", "今天天气很好。"].iter().enumerate()
        {
            let mut a = Article::new(format!("a{i}"), *body);
            a.title = Some("报告".into());
            writer.upsert(&a).expect("upsert");
        }
        writer.commit().expect("commit");
        let searcher = index.reader.searcher();
        let stats = Stats::new(&searcher, index.fields);
        for q in ["测 经济改革", "测试报告 天气", "\"经济改革\" 测"] {
            let (_, ranked) = planned(&index, &stats, q);
            for (g, group) in ranked.groups.iter().enumerate() {
                // Each document's score for the group: its parts summed, or
                // the best of them.
                let mut scores: std::collections::HashMap<tantivy::DocAddress, tantivy::Score> = Default::default();
                for super::union::GroupPart { query, boost, .. } in &group.parts {
                    let boosted = tantivy::query::BoostQuery::new(query.box_clone(), *boost);
                    let top = TopDocs::with_limit(10).order_by_score();
                    for (score, address) in
                        searcher.search_with_statistics_provider(&boosted, &top, &stats).expect("search")
                    {
                        let s = scores.entry(address).or_default();
                        *s = if group.best_only { s.max(score) } else { *s + score };
                    }
                }
                let most = scores.values().copied().fold(0.0, tantivy::Score::max);
                assert!(most <= group.bound * 1.0001, "{q}, group {g}: a score {most} above the bound {}", group.bound);
                // Group 0 of the first query is 测, which "heavy" repeats.
                if (q, g) == ("测 经济改革", 0) {
                    assert!(most >= group.bound * 0.8, "{q}, group {g}: {most} of a bound {}", group.bound);
                }
            }
        }
    }
}
