//! Counting up to a bound: past [`SearchRequest::count_up_to`] matches a
//! search by relevance skips the documents that cannot enter its best hits
//! (top-k pruning), and its counts become lower bounds. The hits, their
//! scores, verdicts and snippets are those of counting every match; facets
//! and the date orders count every match.

use std::sync::OnceLock;

use proptest::prelude::*;
use zhsearch::article::Article;
use zhsearch::index::SearchIndex;
use zhsearch::query::{Matching, SearchRequest, SearchResults, Sort, TotalRelation};

use crate::common;

/// 600 articles of prose over common characters: a query of a few of them
/// matches hundreds.
fn index() -> &'static (SearchIndex, Vec<Article>) {
    static INDEX: OnceLock<(SearchIndex, Vec<Article>)> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut rng = common::Lcg(11);
        let articles: Vec<Article> = (0..600)
            .map(|i| {
                let body = common::prose(150 + rng.below(900) as usize, i);
                let mut article = Article::new(format!("a{i}"), body);
                article.title = Some(common::prose(12 + rng.below(20) as usize, 10_000 + i));
                article
            })
            .collect();
        (common::index_of(&articles), articles)
    })
}

/// What a page shows: ids, score bits, verdicts and snippets.
fn page(results: &SearchResults) -> Vec<(String, u32, bool, String)> {
    results.hits.iter().map(|h| (h.id.clone(), h.score.to_bits(), h.full_match, format!("{:?}", h.snippets))).collect()
}

/// A query: a stretch of an article (a pasted sentence), or characters
/// drawn from the prose's alphabet (words the articles share).
fn query() -> impl Strategy<Value = String> {
    let stretch = (0usize..600, 0usize..100, 4usize..30).prop_map(|(a, from, len)| {
        let body = &index().1[a].body;
        body.chars().skip(from).take(len).collect::<String>()
    });
    let drawn = (any::<u64>(), 1usize..12).prop_map(|(seed, len)| {
        common::prose(len * 3, seed).chars().filter(|c| !"，。".contains(*c)).take(len).collect::<String>()
    });
    prop_oneof![stretch, drawn]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
    #[test]
    fn counting_up_to_a_bound_changes_no_hit(
        q in query(),
        limit in prop::sample::select(vec![0usize, 1, 10, 40, 120]),
        offset in prop::sample::select(vec![0usize, 5]),
        all in any::<bool>(),
    ) {
        let (index, _) = index();
        let matching = if all { Matching::All } else { Matching::Relaxed };
        let request = SearchRequest::new(&q).matching(matching).limit(limit).offset(offset);
        let exact = index.search(&request.clone().count_up_to(u64::MAX)).expect("search");
        let bounded = index.search(&request.count_up_to(0)).expect("search");
        prop_assert_eq!(exact.total_relation, TotalRelation::Exact);
        prop_assert_eq!(page(&exact), page(&bounded), "{}", q);
        prop_assert!(bounded.total <= exact.total && bounded.full_matches <= exact.full_matches);
        if bounded.total_relation == TotalRelation::Exact {
            prop_assert_eq!((bounded.total, bounded.full_matches), (exact.total, exact.full_matches));
        }
    }
}

/// A query most articles match: with a bound of 0 the search prunes and
/// says its total is a lower bound; at the default bound (10,000, more
/// than the index holds) it counts every match.
fn common_query() -> &'static str {
    "的一是在不了有和人这中大为上个国"
}

#[test]
fn past_the_bound_the_total_is_a_lower_bound() {
    let (index, _) = index();
    let exact = index.search(&SearchRequest::new(common_query())).expect("search");
    assert_eq!(exact.total_relation, TotalRelation::Exact);
    assert!(exact.total > 100, "{}", exact.total);
    let bounded = index.search(&SearchRequest::new(common_query()).count_up_to(0)).expect("search");
    assert_eq!(bounded.total_relation, TotalRelation::AtLeast);
    assert!(bounded.total < exact.total, "{} of {}", bounded.total, exact.total);
    assert_eq!(page(&bounded), page(&exact));
}

/// A request for no hits (`limit` 0, a count) stops once the bound is
/// counted, by the ranked union (a relaxed query) and by a strict branch
/// (a quoted text) alike: nothing else would stop it, as no best hit
/// raises a threshold. With facets it counts every match.
#[test]
fn a_count_alone_stops_at_the_bound() {
    let (index, _) = index();
    for q in [common_query(), "\"的\"", "的 是"] {
        let exact = index.search(&SearchRequest::new(q).limit(0).count_up_to(u64::MAX)).expect("search");
        assert_eq!(exact.total_relation, TotalRelation::Exact, "{q}");
        assert!(exact.total > 100, "{q}: {}", exact.total);
        let bounded = index.search(&SearchRequest::new(q).limit(0).count_up_to(50)).expect("search");
        assert_eq!(bounded.total_relation, TotalRelation::AtLeast, "{q}");
        assert!((50..exact.total).contains(&bounded.total), "{q}: {} of {}", bounded.total, exact.total);
        assert!(bounded.hits.is_empty());
        let faceted = index.search(&SearchRequest::new(q).limit(0).count_up_to(50).facets(true)).expect("search");
        assert_eq!((faceted.total, faceted.total_relation), (exact.total, TotalRelation::Exact), "{q}");
    }
}

#[test]
fn facets_and_the_date_orders_count_every_match() {
    let (index, _) = index();
    let exact = index.search(&SearchRequest::new(common_query())).expect("search");
    let faceted = index.search(&SearchRequest::new(common_query()).count_up_to(0).facets(true)).expect("search");
    assert_eq!((faceted.total, faceted.total_relation), (exact.total, TotalRelation::Exact));
    let newest = index.search(&SearchRequest::new(common_query()).count_up_to(0).sort(Sort::Newest)).expect("search");
    assert_eq!((newest.total, newest.total_relation), (exact.total, TotalRelation::Exact));
}

#[test]
fn the_relation_is_eq_or_gte_in_json_and_eq_when_absent() {
    let (index, _) = index();
    let bounded = index.search(&SearchRequest::new(common_query()).count_up_to(0)).expect("search");
    let json = serde_json::to_value(&bounded).expect("json");
    assert_eq!(json["total_relation"], "gte");
    let mut old = json.clone();
    old.as_object_mut().expect("object").remove("total_relation");
    let read: SearchResults = serde_json::from_value(old).expect("results without the field");
    assert_eq!(read.total_relation, TotalRelation::Exact);
    let request: SearchRequest = serde_json::from_str(
        r#"{"query": "x", "matching": "relaxed", "source": null,
        "published_from": null, "published_to": null, "sort": "relevance", "limit": 10, "offset": 0,
        "snippet_count": 2, "snippet_length": 80}"#,
    )
    .expect("a request without the field");
    assert_eq!(request.count_up_to, zhsearch::query::COUNT_UP_TO);
}

/// However many threads a search may use, it finds the same page and
/// counts. (The slices themselves, which only an index of 65,536 articles
/// or more gets, are property-tested against one pass in the library's
/// `union` tests with small slices.)
#[test]
fn the_threads_a_search_may_use_change_nothing_it_finds() {
    let index = &index().0;
    // Other tests share the index: they find the same whatever this sets.
    let default = index.search_threads();
    assert!(default >= 1, "the default is at least one thread");
    let request = SearchRequest::new("的人在有").limit(20);
    index.set_search_threads(0);
    assert_eq!(index.search_threads(), 1, "0 counts as 1");
    let one = index.search(&request).expect("search");
    index.set_search_threads(4);
    assert_eq!(index.search_threads(), 4);
    let four = index.search(&request).expect("search");
    assert_eq!(page(&one), page(&four));
    assert_eq!((one.total, one.full_matches), (four.total, four.full_matches));
    index.set_search_threads(default);
}

/// Words the articles of [`word_index`] are written in: dictionary words,
/// each one token of the index.
const WORDS: [&str; 12] =
    ["经济", "发展", "社会", "人民", "国家", "政府", "市场", "企业", "文化", "历史", "教育", "科学"];

/// 1,800 articles of words, in three runs of 600: short, long and
/// between; the commonest words have thousands of postings (many full
/// blocks of 128); a source on every third.
fn word_articles() -> Vec<Vec<Article>> {
    let mut rng = common::Lcg(23);
    let mut runs = Vec::new();
    for (run, (least, most)) in [(2u64, 12u64), (60, 400), (15, 80)].into_iter().enumerate() {
        let mut articles = Vec::new();
        for i in 0..600 {
            let len = least + rng.below(most - least);
            // Skewed: the first words are common, a word often repeats.
            let mut words: Vec<&str> = (0..len)
                .map(|_| WORDS[(rng.below(WORDS.len() as u64) * rng.below(WORDS.len() as u64) / 11) as usize])
                .collect();
            // A phrase whose second word is found nowhere else: its
            // rarest term occurs as often as the phrase.
            if i % 3 != 2 {
                for _ in 0..1 + rng.below(3) {
                    let at = rng.below(words.len() as u64 + 1) as usize;
                    words.insert(at, "经济政策");
                }
            }
            // Some articles run their words together: two words side by
            // side are a phrase a quoted query finds.
            let joint = if i % 2 == 0 { "，" } else { "" };
            let mut article = Article::new(format!("s{run}-{i}"), words.join(joint));
            if i % 3 == 0 {
                article.source = Some("新华社".into());
            }
            if i % 7 == 0 {
                article.title = Some(words.iter().take(3).copied().collect());
            }
            articles.push(article);
        }
        runs.push(articles);
    }
    runs
}

/// [`word_articles`] in three segments, one a run, so that the segments'
/// average lengths differ from the collection's; some articles deleted.
/// (The order tantivy searches the segments in changes from run to run,
/// and with it how far a search prunes: the page does not change.)
fn word_index() -> &'static SearchIndex {
    static INDEX: OnceLock<SearchIndex> = OnceLock::new();
    INDEX.get_or_init(|| word_index_in(false))
}

/// [`word_articles`] in one segment: a search prunes the same every run.
fn one_segment_word_index() -> &'static SearchIndex {
    static INDEX: OnceLock<SearchIndex> = OnceLock::new();
    INDEX.get_or_init(|| word_index_in(true))
}

fn word_index_in(one_segment: bool) -> SearchIndex {
    let index = SearchIndex::in_memory(&zhsearch::analysis::AnalyzerSettings::default()).expect("index");
    // One indexing thread: one segment a commit (two threads share the
    // articles out as they come).
    let mut writer = index.writer_with_threads(1).expect("writer");
    for run in word_articles() {
        for article in &run {
            writer.upsert(article).expect("upsert");
        }
        if !one_segment {
            writer.commit().expect("commit");
        }
    }
    if !one_segment {
        for i in (0..600).step_by(13) {
            writer.delete(&format!("s1-{i}"));
        }
    }
    writer.commit().expect("commit");
    index
}

/// A word of [`WORDS`], or two of them quoted (a phrase).
fn word_or_phrase() -> impl Strategy<Value = String> {
    let word = prop::sample::select(WORDS.to_vec()).prop_map(String::from);
    let pair = (prop::sample::select(WORDS.to_vec()), prop::sample::select(WORDS.to_vec()))
        .prop_map(|(a, b)| format!("\"{a}{b}\""));
    prop_oneof![word, pair]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
    /// A query every match of which has every word (one word; words under
    /// strict matching; with a filter or an exclusion) skips the blocks of
    /// its rarest word's postings that cannot enter the best hits once
    /// the bound is counted: the page is the one of counting every match.
    #[test]
    fn skipping_blocks_changes_no_hit(
        words in prop::collection::vec(word_or_phrase(), 1..3),
        excluded in prop::option::of(prop::sample::select(WORDS.to_vec())),
        filtered in any::<bool>(),
        limit in prop::sample::select(vec![1usize, 10, 40]),
        count_up_to in prop::sample::select(vec![0u64, 50, 500]),
    ) {
        let index = word_index();
        prop_assert_eq!(index.segment_count(), 3);
        let mut q = words.join(" ");
        if let Some(excluded) = excluded.filter(|e| !words.iter().any(|w| w.contains(e))) {
            q = format!("{q} -{excluded}");
        }
        let mut request = SearchRequest::new(&q).matching(Matching::All).limit(limit);
        if filtered {
            request = request.source("新华社");
        }
        let exact = index.search(&request.clone().count_up_to(u64::MAX)).expect("search");
        let bounded = index.search(&request.count_up_to(count_up_to)).expect("search");
        prop_assert_eq!(exact.total_relation, TotalRelation::Exact);
        prop_assert_eq!(page(&exact), page(&bounded), "{}", q);
        prop_assert!(bounded.total <= exact.total && bounded.total >= count_up_to.min(exact.total), "{}", q);
        if bounded.total_relation == TotalRelation::Exact {
            prop_assert_eq!(bounded.total, exact.total);
        }
    }
}

/// A one-word query past the bound skips blocks: its total is a lower
/// bound, and, every article with the word being a match, no lower than
/// the articles the dictionary says have it.
#[test]
fn a_one_word_query_skips_blocks_and_knows_its_matches() {
    let index = one_segment_word_index();
    for word in ["经济", "发展", "社会"] {
        let exact = index.search(&SearchRequest::new(word).count_up_to(u64::MAX)).expect("search");
        let bounded = index.search(&SearchRequest::new(word).count_up_to(0)).expect("search");
        assert_eq!(bounded.total_relation, TotalRelation::AtLeast, "{word}");
        assert_eq!(page(&bounded), page(&exact), "{word}");
        assert!(exact.total > 300, "{word}: {}", exact.total);
        assert!(bounded.total * 10 >= exact.total * 8, "{word}: {} of {}", bounded.total, exact.total);
    }
}

/// A quoted text past the bound skips the blocks of its rarest term that
/// cannot enter the best hits, and reads no positions there. (Here its
/// rarest term occurs only in it; where the term is as common outside the
/// phrase, its bound rarely falls below the best hits'.)
#[test]
fn a_quoted_text_skips_blocks() {
    let index = one_segment_word_index();
    let q = "\"经济政策\"";
    // Alone, and with a filter.
    for request in [SearchRequest::new(q), SearchRequest::new(q).source("新华社")] {
        let exact = index.search(&request.clone().count_up_to(u64::MAX)).expect("search");
        let bounded = index.search(&request.count_up_to(0)).expect("search");
        assert!(exact.total > 100, "{q}: {}", exact.total);
        assert_eq!(bounded.total_relation, TotalRelation::AtLeast, "{q}");
        assert!(bounded.total < exact.total, "{q}: {} of {}", bounded.total, exact.total);
        assert_eq!(page(&bounded), page(&exact), "{q}");
    }
}
