//! Ranking a part of a collection with the whole collection's statistics
//! (`SearchIndex::search_with`): the second stage of a search whose first
//! stage drew candidates from elsewhere, such as a cluster. A document must
//! score exactly as it does in an index of the whole collection.

use zhsearch::article::Article;
use zhsearch::index::SearchIndex;
use zhsearch::ingest;
use zhsearch::query::{CollectionStatistics, SearchRequest, TextField};

use crate::common::{index_of, prose, Lcg};

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample");

/// The bundled news pages, and prose articles with titles drawn from them,
/// so that titles and bodies, both scripts and many lengths are there.
fn collection() -> Vec<Article> {
    let mut articles = ingest::read_path(SAMPLE).expect("sample").articles;
    let titles: Vec<String> = articles.iter().filter_map(|a| a.title.clone()).collect();
    assert!(titles.len() >= 4, "the sample pages have titles");
    for i in 0..60u64 {
        let mut a = Article::new(format!("p{i}"), prose(200 + 97 * (i as usize % 9), i));
        if i % 3 != 0 {
            let title = &titles[i as usize % titles.len()];
            let cut = title.chars().take(4 + i as usize % 6).collect::<String>();
            a.title = Some(format!("{cut}{}", prose(12, 1000 + i)));
        }
        if i % 7 == 0 {
            // A body that holds a sample page's text, so that it competes.
            let page = &articles[i as usize % 5].body;
            a.body = format!("{}{}", page.chars().skip(i as usize * 3).take(300).collect::<String>(), a.body);
        }
        articles.push(a);
    }
    articles
}

fn queries(articles: &[Article]) -> Vec<String> {
    let mut out: Vec<String> = articles.iter().take(5).filter_map(|a| a.title.clone()).collect();
    out.extend(
        ["脫貧攻堅", "\"习近平\" 人民", "疫情 防控 措施", "台湾 计程车", "经济 -发展", "的 是 在"].map(String::from),
    );
    // Sentences cut from the bodies: pasted text.
    for a in articles.iter().take(5) {
        out.push(a.body.chars().skip(120).take(24).collect());
    }
    out
}

#[test]
fn a_part_ranked_with_the_whole_collections_statistics_scores_as_the_whole() {
    let articles = collection();
    let whole = index_of(&articles);
    let statistics = whole.statistics();
    let mut rng = Lcg(7);
    let mut compared = 0;
    for query in queries(&articles) {
        let request = SearchRequest::new(query.as_str()).limit(10);
        let alone = whole.search(&request).expect("search");
        if alone.hits.is_empty() {
            continue;
        }
        // The part: the whole's top ten and a few others, as a first stage
        // that found them all would give.
        let mut part: Vec<Article> = alone.hits.iter().map(|h| h.article.clone()).collect();
        for _ in 0..8 {
            let other = &articles[rng.below(articles.len() as u64) as usize];
            if !part.iter().any(|a| a.id == other.id) {
                part.push(other.clone());
            }
        }
        let part = index_of(&part);
        let ranked = part.search_with(&request, &statistics).expect("search with");
        // Equal scores have no order of their own (tantivy's is the
        // documents' addresses, which differ between the two indexes).
        let scored = |r: &zhsearch::query::SearchResults| -> Vec<(String, f32, bool)> {
            let mut hits: Vec<_> = r.hits.iter().map(|h| (h.id.clone(), h.score, h.full_match)).collect();
            hits.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            hits
        };
        assert_eq!(scored(&ranked), scored(&alone), "{query}");
        // Its own statistics differ: without the whole's, the scores do.
        let own = part.search(&request).expect("search");
        if part.num_docs() < whole.num_docs() {
            assert_ne!(
                own.hits.iter().map(|h| h.score).collect::<Vec<_>>(),
                alone.hits.iter().map(|h| h.score).collect::<Vec<_>>(),
                "{query}: the part's own statistics give other scores"
            );
        }
        compared += 1;
    }
    assert!(compared >= 12, "only {compared} queries had hits");
}

/// `SearchIndex::in_memory_of` builds the part in one segment on the
/// calling thread: it must search exactly as a part written by a writer.
#[test]
fn a_part_built_in_one_segment_searches_as_one_written_by_a_writer() {
    let articles = collection();
    let whole = index_of(&articles);
    let statistics = whole.statistics();
    let mut compared = 0;
    for (i, query) in queries(&articles).into_iter().enumerate() {
        let request = SearchRequest::new(query.as_str()).limit(10).explain(i % 2 == 0);
        let mut part: Vec<Article> =
            whole.search(&request).expect("search").hits.into_iter().map(|h| h.article).collect();
        part.extend(articles.iter().skip(i * 5).take(6).cloned());
        // An id twice: the later wins, as with upserts in one commit.
        part.push(Article { body: format!("{} 补充", articles[i].body), ..articles[i].clone() });
        let bytes: usize = part.iter().map(|a| a.body.len() + a.title.as_ref().map_or(0, String::len)).sum();
        assert!(bytes <= zhsearch::index::SINGLE_SEGMENT_MAX_BYTES, "{query}: {bytes} bytes take the writer's path");
        let written = index_of(&part);
        let built = SearchIndex::in_memory_of(whole.analyzer(), &part).expect("in one segment");
        assert_eq!(built.num_docs(), written.num_docs(), "{query}");
        let view = |r: zhsearch::query::SearchResults| {
            let mut hits: Vec<String> = r.hits.iter().map(|h| serde_json::to_string(h).expect("json")).collect();
            hits.sort();
            (hits, r.total, r.full_matches, r.facets)
        };
        let (a, b) = (
            built.search_with(&request, &statistics).expect("built"),
            written.search_with(&request, &statistics).expect("written"),
        );
        compared += usize::from(!a.hits.is_empty());
        assert_eq!(view(a), view(b), "{query}");
    }
    assert!(compared >= 12, "only {compared} queries had hits");
    // A part of more text is written by a writer's threads: the same again.
    let mut large = articles.clone();
    for copy in 0..2 {
        large.extend(articles.iter().map(|a| Article { id: format!("copy{copy}-{}", a.id), ..a.clone() }));
    }
    let bytes: usize = large.iter().map(|a| a.body.len() + a.title.as_ref().map_or(0, String::len)).sum();
    assert!(bytes > zhsearch::index::SINGLE_SEGMENT_MAX_BYTES, "{bytes} bytes");
    let (written, built) = (index_of(&large), SearchIndex::in_memory_of(whole.analyzer(), &large).expect("large"));
    assert_eq!(built.num_docs(), large.len() as u64);
    for query in queries(&articles) {
        // Every hit: copies tie, and ties at a cut have no order.
        let request = SearchRequest::new(query.as_str()).limit(large.len());
        let (a, b) = (built.search_with(&request, &statistics), written.search_with(&request, &statistics));
        let ids = |r: zhsearch::query::SearchResults| {
            let mut hits: Vec<(String, u32)> = r.hits.into_iter().map(|h| (h.id, h.score.to_bits())).collect();
            hits.sort();
            hits
        };
        assert_eq!(ids(a.expect("built")), ids(b.expect("written")), "{query}");
    }
    // Bad input is refused as a writer refuses it, naming the field, even
    // where a later article of its id would replace it.
    for bad in [
        vec![Article::new("a", "正文"), Article::new("b", " ")],
        vec![Article::new("a", " "), Article::new("a", "正文")],
    ] {
        let err = SearchIndex::in_memory_of(whole.analyzer(), &bad).expect_err("an empty body");
        assert!(err.to_string().contains("body"), "{err}");
    }
}

/// `SearchIndex::search_part` indexes the part with the postings of the
/// tokens the request's reading holds only, and the true field lengths:
/// every result must be the one an index of the whole part gives, pinyin,
/// corrections, variants, operators, explanations and snippets included.
#[test]
fn a_part_indexed_with_the_requests_tokens_only_searches_as_the_whole_part() {
    let mut articles = collection();
    articles.push(Article::new("sanction", "联合国宣布对该国实施经济制裁"));
    // A title no dictionary word starts, typed as initials: read from the
    // part's own titles.
    articles.push(Article {
        title: Some("开启和关闭档案".into()),
        ..Article::new("files", "在选项中开启或关闭档案的自动保存。")
    });
    let whole = index_of(&articles);
    let statistics = whole.statistics();
    let mut queries = queries(&articles);
    queries.extend(
        [
            "制才",
            "tuopin gongjian",
            "tpgj",
            "kqhgbda",
            "xijinping renmin",
            "疫情fangkong",
            "疫请防控",
            "脱贫攻艰",
            "脱贫攻坚 OR 計程車",
            "title:脱贫",
            "\"的\"",
            "攻坚 -脱贫",
            "zzzzqqq",
        ]
        .map(String::from),
    );
    let (mut compared, mut corrected) = (0, 0);
    for (i, query) in queries.iter().enumerate() {
        let request = SearchRequest::new(query.as_str()).limit(10).explain(i % 2 == 0);
        // The whole's best and others: long bodies among them, whose
        // lengths are mostly tokens the part leaves out.
        let mut part: Vec<Article> =
            whole.search(&request.clone().limit(8)).expect("search").hits.into_iter().map(|h| h.article).collect();
        part.extend(articles.iter().skip(i * 3 % 40).take(20).cloned());
        part.push(articles[articles.len() - 1].clone());
        let bytes: usize = part.iter().map(|a| a.body.len() + a.title.as_ref().map_or(0, String::len)).sum();
        assert!(bytes <= zhsearch::index::SINGLE_SEGMENT_MAX_BYTES, "{query}: {bytes} bytes, more than one segment");
        let expected =
            SearchIndex::in_memory_of(whole.analyzer(), &part).expect("whole part").search_with(&request, &statistics);
        let got = SearchIndex::search_part(whole.analyzer(), &part, &request, &statistics);
        let json = |r: zhsearch::Result<zhsearch::query::SearchResults>| {
            serde_json::to_string(&r.expect("search")).expect("json")
        };
        let (expected, got) = (json(expected), json(got));
        assert_eq!(got, expected, "{query}");
        compared += usize::from(!expected.contains("\"hits\":[]"));
        corrected += usize::from(expected.contains("\"corrected_to\":\""));
    }
    assert!(compared >= 20, "only {compared} queries had hits");
    assert!(corrected >= 1, "no query was corrected: the correction's path went untested");
    // No candidates, and candidates without titles: nothing to index for
    // the reading's titles.
    let request = SearchRequest::new("脱贫攻坚 tpgj");
    let none = SearchIndex::search_part(whole.analyzer(), &[], &request, &statistics).expect("no articles");
    assert!(none.hits.is_empty() && none.total == 0);
    let untitled: Vec<Article> = articles.iter().map(|a| Article { title: None, ..a.clone() }).take(30).collect();
    let expected =
        SearchIndex::in_memory_of(whole.analyzer(), &untitled).expect("whole").search_with(&request, &statistics);
    let got = SearchIndex::search_part(whole.analyzer(), &untitled, &request, &statistics);
    assert_eq!(
        serde_json::to_string(&got.expect("untitled")).expect("json"),
        serde_json::to_string(&expected.expect("untitled")).expect("json")
    );
    // Bad input is refused as `in_memory_of` refuses it, naming the field.
    let bad = [Article { title: Some("标题".into()), ..Article::new("a", " ") }, Article::new("b", "正文")];
    let err = SearchIndex::search_part(whole.analyzer(), &bad, &request, &statistics).expect_err("an empty body");
    assert!(err.to_string().contains("body") && err.to_string().contains("`a`"), "{err}");
}

#[test]
fn the_index_statistics_count_documents_tokens_and_phrases() {
    let whole = index_of(&[
        Article::new("a", "北京天气晴朗，北京"),
        Article { title: Some("北京新闻".into()), ..Article::new("b", "上海天气") },
        Article::new("c", "京北"),
    ]);
    let stats = whole.statistics();
    assert_eq!(stats.documents().expect("docs"), 3);
    assert_eq!(stats.token_documents(TextField::Body, "北").expect("df"), 2);
    assert_eq!(stats.token_documents(TextField::Title, "北").expect("df"), 1);
    assert_eq!(stats.token_documents(TextField::Body, "天气").expect("df"), 2, "a bigram token");
    assert_eq!(stats.phrase_documents(TextField::Body, &["北", "京"]).expect("phrase"), 1);
    assert_eq!(stats.phrase_documents(TextField::Body, &["朗", " ", "北"]).expect("phrase"), 1, "across a separator");
    assert_eq!(stats.phrase_documents(TextField::Body, &["京", "北"]).expect("phrase"), 1);
    assert_eq!(stats.phrase_documents(TextField::Body, &[]).expect("phrase"), 0);
    // Title tokens: 北 京 新 闻 plus the bigrams 北京 and 新闻.
    assert_eq!(stats.field_tokens(TextField::Title).expect("tokens"), 6);
    // The title key: one token per titled document.
    assert_eq!(stats.field_tokens(TextField::TitleKey).expect("tokens"), 1);
    assert_eq!(stats.token_documents(TextField::TitleKey, "北京新闻").expect("df"), 1);
}

/// Statistics that fail: the search says so, naming them, and does not panic.
struct Broken;

impl CollectionStatistics for Broken {
    fn documents(&self) -> zhsearch::Result<u64> {
        Err(zhsearch::Error::Statistics { from: "shard2".into(), source: "connection refused".into() })
    }
    fn field_tokens(&self, _: TextField) -> zhsearch::Result<u64> {
        self.documents()
    }
    fn token_documents(&self, _: TextField, _: &str) -> zhsearch::Result<u64> {
        self.documents()
    }
    fn phrase_documents(&self, _: TextField, _: &[&str]) -> zhsearch::Result<u64> {
        self.documents()
    }
}

#[test]
fn statistics_that_fail_fail_the_search_with_their_reason() {
    let part = index_of(&[Article::new("a", "北京天气晴朗")]);
    let err = part.search_with(&SearchRequest::new("北京"), &Broken).expect_err("must fail");
    assert!(err.to_string().contains("statistics from shard2: connection refused"), "{err}");
}

/// Counts that pass the collection's size (read at different moments, or
/// counting deleted documents as engines do until they merge).
struct Inconsistent(zhsearch::query::IndexStatistics);

impl CollectionStatistics for Inconsistent {
    fn documents(&self) -> zhsearch::Result<u64> {
        Ok(1)
    }
    fn field_tokens(&self, field: TextField) -> zhsearch::Result<u64> {
        self.0.field_tokens(field)
    }
    fn token_documents(&self, field: TextField, token: &str) -> zhsearch::Result<u64> {
        Ok(self.0.token_documents(field, token)? + 5)
    }
    fn phrase_documents(&self, field: TextField, units: &[&str]) -> zhsearch::Result<u64> {
        Ok(self.0.phrase_documents(field, units)? + 5)
    }
}

#[test]
fn counts_beyond_the_collections_size_do_not_panic() {
    let whole = index_of(&[
        Article { title: Some("北京天气".into()), ..Article::new("a", "北京天气晴朗") },
        Article::new("b", "北京的银行"),
    ]);
    for q in ["北京天气", "北京", "天气晴朗 银行", "\"北京\""] {
        let results = whole.search_with(&SearchRequest::new(q).explain(true), &Inconsistent(whole.statistics()));
        assert!(results.is_ok_and(|r| !r.hits.is_empty()), "{q}");
    }
}

#[test]
fn an_empty_part_has_no_hits() {
    let whole = index_of(&[Article::new("a", "北京天气晴朗")]);
    let empty = SearchIndex::in_memory_with(whole.analyzer()).expect("index");
    let results = empty.search_with(&SearchRequest::new("北京"), &whole.statistics()).expect("search");
    assert!(results.hits.is_empty());
    assert_eq!(results.total, 0);
}

/// The whole's statistics, counting how they are asked for: phrases one
/// at a time, and batches of them.
struct Counting {
    inner: zhsearch::query::IndexStatistics,
    single: std::sync::atomic::AtomicUsize,
    batches: std::sync::Mutex<Vec<usize>>,
}

impl CollectionStatistics for Counting {
    fn documents(&self) -> zhsearch::Result<u64> {
        self.inner.documents()
    }
    fn field_tokens(&self, field: TextField) -> zhsearch::Result<u64> {
        self.inner.field_tokens(field)
    }
    fn token_documents(&self, field: TextField, token: &str) -> zhsearch::Result<u64> {
        self.inner.token_documents(field, token)
    }
    fn phrase_documents(&self, field: TextField, units: &[&str]) -> zhsearch::Result<u64> {
        self.single.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.inner.phrase_documents(field, units)
    }
    fn phrases_documents(&self, phrases: &[(TextField, Vec<&str>)]) -> zhsearch::Result<Vec<u64>> {
        self.batches.lock().expect("lock").push(phrases.len());
        phrases.iter().map(|(field, units)| self.inner.phrase_documents(*field, units)).collect()
    }
}

/// `query`'s corrections over `part` ranked with `whole`'s statistics,
/// which must be `whole`'s own corrections and hold `expected`; and how
/// the phrase counts were asked for: one at a time, and in batches of so
/// many.
fn corrections_asked(whole: &[Article], part: &[Article], query: &str, expected: &str) -> (usize, Vec<usize>) {
    let (whole, part) = (index_of(whole), index_of(part));
    let counting = Counting { inner: whole.statistics(), single: Default::default(), batches: Default::default() };
    let request = SearchRequest::new(query);
    let want = whole.search(&request).expect("search");
    let got = part.search_with(&request, &counting).expect("search with");
    assert_eq!(got.did_you_mean, want.did_you_mean);
    assert!(want.did_you_mean.iter().any(|c| c.contains(expected)), "{:?}", want.did_you_mean);
    let single = counting.single.load(std::sync::atomic::Ordering::Relaxed);
    let batches = counting.batches.lock().expect("lock").clone();
    (single, batches)
}

/// A typo's candidates are weighed with their neighbours (溢指 in 溢指收到:
/// 一直收, 一只收, 意志收…): a provider whose every count is a round trip
/// (a cluster) is asked for those phrases together, and the correction is
/// the one the whole index offers.
#[test]
fn a_corrections_phrases_are_asked_for_together() {
    let found = Article::new("a", "他一直收到来信，一直收着。");
    let others = [
        Article::new("b", "一只猫。遗址保护。意志坚定。一致通过。"),
        Article::new("c", "一直很好，一直在这里。"),
        Article::new("d", "收到了。"),
    ];
    let whole: Vec<Article> = std::iter::once(found.clone()).chain(others).collect();
    let (single, batches) = corrections_asked(&whole, &[found], "溢指收到", "一直收到");
    assert!(single <= 2 && batches.iter().any(|&n| n >= 4), "{single} one at a time, batches {batches:?}");

    // A wrong pick inside a word the dictionary lacks (工做表): the pair
    // as typed, then its candidates in its place, each asked together.
    // One phrase alone: the corrected query's own word, 工作表, when it is
    // searched (as typed it matches nothing).
    let found = Article::new("a", "在工作表中插入行。工作表的名称。");
    let others = [Article::new("b", "工作很忙。工具栏。"), Article::new("c", "表格和图表。")];
    let whole: Vec<Article> = std::iter::once(found.clone()).chain(others).collect();
    let (single, batches) = corrections_asked(&whole, &[found], "工做表", "工作表");
    assert!(single <= 1 && batches.iter().any(|&n| n >= 2), "{single} one at a time, batches {batches:?}");
}

/// A headline has several pairs a wrong pick may hide in (官方不评, 方不评论,
/// 论麦蒂伤, 仍称一号): a provider whose every count is a round trip is
/// asked what each needs first for all of them at once, in two rounds,
/// not two or three for each, and the search is the whole index's.
#[test]
fn the_suspects_of_a_headline_are_asked_for_together() {
    let query = "火箭官方不评论麦蒂伤停 亚历山大仍称一号很伟大";
    // Its words apart (no pair of the headline side by side), and the
    // characters of the candidates (步 for 不, 地 for 蒂, 意 for 一).
    let whole = [
        Article::new("a", "火箭。官方。不。评论。麦蒂。伤停。亚历山大。仍称。一号。很。伟大。"),
        Article::new("b", "步行。平论。地方。意见。同意。伤口。停车。"),
        Article::new("c", "官方评论很少，麦蒂伤停一月。"),
    ];
    let (whole, part) = (index_of(&whole), index_of(&whole[2..]));
    let counting = Counting { inner: whole.statistics(), single: Default::default(), batches: Default::default() };
    let request = SearchRequest::new(query);
    let want = whole.search(&request).expect("search");
    let got = part.search_with(&request, &counting).expect("search with");
    assert_eq!(got.did_you_mean, want.did_you_mean);
    assert_eq!(
        got.hits.iter().map(|h| (&h.id, h.score)).collect::<Vec<_>>(),
        vec![(&"c".to_owned(), want.hits.iter().find(|h| h.id == "c").expect("c").score)]
    );
    let single = counting.single.load(std::sync::atomic::Ordering::Relaxed);
    let batches = counting.batches.lock().expect("lock").clone();
    // One at a time: three pairs the ranking counts (麦蒂, 蒂伤, 伤停), as
    // without asking ahead.
    assert!(single <= 3 && batches.len() <= 3, "{single} one at a time, batches {batches:?}");
    assert!(batches.iter().any(|&n| n >= 8), "the pairs were not asked together: batches {batches:?}");
}
