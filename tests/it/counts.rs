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
        limit in prop::sample::select(vec![1usize, 10, 40, 120]),
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
