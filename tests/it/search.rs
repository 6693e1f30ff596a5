//! Searching: cross-script matching, the query language, filters, sorting,
//! paging, facets, snippets, and the index's life cycle.

use std::sync::Arc;

use chrono::{DateTime, FixedOffset};

use crate::common::{ids, index_of};

use zhsearch::analysis::{Analyzer, AnalyzerSettings};
use zhsearch::article::Article;
use zhsearch::index::SearchIndex;
use zhsearch::query::{Matching, SearchRequest, SearchResults, Sort};
use zhsearch::{Error, QueryError};

fn date(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).expect("test date")
}

fn article(id: &str, title: &str, body: &str, source: &str, published: &str) -> Article {
    Article {
        id: id.into(),
        title: Some(title.into()),
        body: body.into(),
        source: Some(source.into()),
        author: None,
        published_at: Some(date(published)),
        url: None,
    }
}

/// A small corpus in both scripts.
fn corpus() -> Vec<Article> {
    vec![
        article(
            "tw",
            "貧困縣逐一清零",
            "近段時間，不斷有某個省已經實現全部脫貧摘帽的消息傳來。四川省貧困縣全部脫貧摘帽。",
            "浙江新聞客戶端",
            "2020-11-19T09:30:00+08:00",
        ),
        article(
            "cn",
            "东西部协作，干部交流激活了什么",
            "选派优秀干部挂职，是推动地区发展、助力脱贫攻坚工作的重要途径。贵州黔南州贫困县较多。",
            "南方",
            "2020-10-01T08:00:00+08:00",
        ),
        article(
            "zj",
            "高水平全面小康路上党旗红",
            "浙江坚持党建引领，凝心聚力高水平全面建成小康社会。待处理的问题很多。",
            "今日浙江",
            "2020-09-07T09:55:00+08:00",
        ),
        article(
            "hn",
            "驻村铁军践初心",
            "张家界市开展驻村帮扶工作，服务器性能与伺服器效能都提到了。干部在一线。",
            "湖南日报",
            "2019-12-21T10:48:00+08:00",
        ),
        Article::new("undated", "没有日期的文章，也讲脱贫和干部。"),
    ]
}

fn sorted_ids(results: &SearchResults) -> Vec<&str> {
    let mut v = ids(results);
    v.sort_unstable();
    v
}

fn search(index: &SearchIndex, q: &str) -> SearchResults {
    index.search(&SearchRequest::new(q).matching(Matching::All)).expect("search")
}

#[test]
fn simplified_query_finds_traditional_article_and_marks_it_as_written() {
    let index = index_of(&corpus());
    let r = search(&index, "贫困县");
    assert_eq!(sorted_ids(&r), ["cn", "tw"]);
    let tw = r.hits.iter().find(|h| h.id == "tw").expect("tw hit");
    let title = &tw.snippets[0];
    assert_eq!(title.marked("[", "]"), "[貧困縣]逐一清零");
    let body = tw.snippets.iter().find(|s| s.text.contains("四川")).expect("body fragment");
    assert!(body.marked("[", "]").contains("四川省[貧困縣]全部"), "{}", body.marked("[", "]"));
}

#[test]
fn traditional_query_finds_simplified_article() {
    let index = index_of(&corpus());
    let r = search(&index, "幹部交流");
    assert_eq!(ids(&r), ["cn"]);
    assert!(r.hits[0].snippets[0].marked("[", "]").contains("[干部交流]"));
    let r = search(&index, "\"脫貧攻堅\"");
    assert_eq!(ids(&r), ["cn"]);
}

#[test]
fn quoted_text_is_an_exact_substring() {
    let index = index_of(&corpus());
    // Unquoted, the two words may be anywhere; quoted, they must stand together.
    assert_eq!(sorted_ids(&search(&index, "干部 脱贫")), ["cn", "undated"]);
    assert_eq!(sorted_ids(&search(&index, "\"脱贫攻坚\"")), ["cn"]);
    assert!(search(&index, "\"攻坚脱贫\"").hits.is_empty());
    // A single character, and a word jieba does not know, match as substrings.
    assert_eq!(sorted_ids(&search(&index, "\"县\"")), ["cn", "tw"]);
    assert_eq!(sorted_ids(&search(&index, "处理")), ["zj"]);
    // Separators in quotes match any separator run, and only a separator.
    assert_eq!(sorted_ids(&search(&index, "\"东西部协作 干部\"")), ["cn"]);
    assert!(search(&index, "\"东西部协作干部\"").hits.is_empty());
}

#[test]
fn exclusion_or_and_field_restriction() {
    let index = index_of(&corpus());
    assert_eq!(sorted_ids(&search(&index, "干部 -贵州")), ["hn", "undated"]);
    assert_eq!(sorted_ids(&search(&index, "小康 OR 驻村")), ["hn", "zj"]);
    // AND binds tighter than OR.
    assert_eq!(sorted_ids(&search(&index, "浙江 小康 OR 张家界")), ["hn", "zj"]);
    assert_eq!(sorted_ids(&search(&index, "title:小康")), ["zj"]);
    assert_eq!(sorted_ids(&search(&index, "body:小康")), ["zj"]);
    assert!(search(&index, "title:干部 title:贵州").hits.is_empty());
    // Only exclusions: everything else.
    assert_eq!(sorted_ids(&search(&index, "-干部")), ["tw", "zj"]);
}

#[test]
fn empty_punctuation_and_stop_word_queries_have_no_hits() {
    let index = index_of(&corpus());
    for q in ["", "   ", "，。！", "\"\"", "OR", "-", "title:"] {
        let r = search(&index, q);
        assert_eq!((r.total, r.hits.len()), (0, 0), "{q:?}");
    }
    let settings = Analyzer::builder().bundled_stop_words().build().expect("analyzer").settings().clone();
    let index = SearchIndex::in_memory(&settings).expect("index");
    let mut w = index.writer().expect("writer");
    for a in corpus() {
        w.upsert(&a).expect("upsert");
    }
    w.commit().expect("commit");
    assert_eq!(search(&index, "的 了").total, 0);
    assert_eq!(sorted_ids(&search(&index, "的 干部 -贵州")), ["hn", "undated"]);
}

#[test]
fn filters_and_sort_orders() {
    let index = index_of(&corpus());
    let r = index.search(&SearchRequest::new("干部").source("湖南日报")).expect("search");
    assert_eq!(ids(&r), ["hn"]);
    let r = index
        .search(&SearchRequest::new("干部").published_between(Some(date("2020-01-01T00:00:00+08:00")), None))
        .expect("search");
    assert_eq!(ids(&r), ["cn"]);
    let r = index
        .search(
            &SearchRequest::new("-不存在的词")
                .published_between(Some(date("2020-09-07T09:55:00+08:00")), Some(date("2020-10-01T08:00:00+08:00"))),
        )
        .expect("search");
    assert_eq!(sorted_ids(&r), ["cn", "zj"], "both ends are included");

    let all = "-不存在的词";
    let newest = index.search(&SearchRequest::new(all).sort(Sort::Newest)).expect("search");
    assert_eq!(ids(&newest), ["tw", "cn", "zj", "hn", "undated"]);
    let oldest = index.search(&SearchRequest::new(all).sort(Sort::Oldest)).expect("search");
    assert_eq!(ids(&oldest), ["hn", "zj", "cn", "tw", "undated"]);
}

#[test]
fn pagination_walks_the_same_order() {
    let index = index_of(&corpus());
    let all = index.search(&SearchRequest::new("-不存在的词").sort(Sort::Newest).limit(10)).expect("search");
    let mut paged = Vec::new();
    for page in 0..3 {
        let r = index
            .search(&SearchRequest::new("-不存在的词").sort(Sort::Newest).limit(2).offset(page * 2))
            .expect("search");
        assert_eq!(r.total, 5);
        paged.extend(r.hits.into_iter().map(|h| h.id));
    }
    assert_eq!(paged, ids(&all));
}

#[test]
fn facets_count_every_match() {
    let index = index_of(&corpus());
    let r = index.search(&SearchRequest::new("干部").limit(1).facets(true)).expect("search");
    assert_eq!(r.total, 3);
    assert_eq!(r.hits.len(), 1);
    let sources: Vec<(&str, u64)> = r.facets.source.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(sources, [("南方", 1), ("湖南日报", 1)]);
    let months: Vec<(&str, u64)> = r.facets.month.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(months, [("2019-12", 1), ("2020-10", 1)]);
    // No snippets: the hits carry none, not even the title.
    let bare = index.search(&SearchRequest::new("干部").snippets(0, 0)).expect("search");
    assert_eq!(ids(&bare), ids(&index.search(&SearchRequest::new("干部")).expect("search")));
    assert!(bare.hits.iter().all(|h| h.snippets.is_empty()));
    // Facets not asked for (the default): the same hits and total, and
    // no counting.
    let lean = index.search(&SearchRequest::new("干部").limit(1)).expect("search");
    assert_eq!((lean.total, ids(&lean)), (r.total, ids(&r)));
    assert!(lean.facets.source.is_empty() && lean.facets.month.is_empty());
    // No page at all still counts exactly.
    let count = index.search(&SearchRequest::new("干部").limit(0).facets(true)).expect("search");
    assert_eq!((count.total, count.hits.len(), count.facets.source.len()), (3, 0, 2));
}

/// Under relaxed matching a document must have at least a third of the
/// query's units of matching (here each word, as the clauses are one word
/// each); it ranks by what it shares with the query, rarer words first.
/// Under strict matching it needs every word.
#[test]
fn relaxed_matching_needs_a_third_of_the_words_and_ranks_by_what_is_shared() {
    let index = index_of(&corpus());
    // No article has all three words: hn has two of them; tw, cn and
    // undated one each.
    let q = "干部 张家界 摘帽";
    let strict = index.search(&SearchRequest::new(q).matching(Matching::All)).expect("search");
    assert_eq!(strict.total, 0);
    let relaxed = index.search(&SearchRequest::new(q)).expect("search");
    assert_eq!((relaxed.total, relaxed.full_matches), (4, 0), "one word of three is enough");
    assert_eq!(ids(&relaxed)[0], "hn", "the article with two of the words");
    // Of those with one word, tw (with the rare 摘帽) comes before those
    // that have only the common 干部.
    assert_eq!(ids(&relaxed)[1], "tw");
    assert!(relaxed.hits.iter().all(|h| !h.full_match));
    // Four units: two are needed.
    let r = index.search(&SearchRequest::new("干部 张家界 摘帽 驻村")).expect("search");
    assert_eq!(ids(&r), ["hn"]);

    // One of two words: every article with either.
    let q = "干部 贫困县";
    let r = index.search(&SearchRequest::new(q)).expect("search");
    assert_eq!((r.total, r.full_matches), (4, 1));
    // The rarer word counts more: tw, about 贫困县 (in its title), and cn,
    // the full match, come before the articles with only the common 干部.
    let mut top: Vec<&str> = ids(&r)[..2].to_vec();
    top.sort_unstable();
    assert_eq!(top, ["cn", "tw"]);
    let full: Vec<&str> = r.hits.iter().filter(|h| h.full_match).map(|h| h.id.as_str()).collect();
    assert_eq!(full, ["cn"]);
    // The counts are the same whatever the sort and page size; the date
    // orders sort every match by date.
    for (sort, first) in [(Sort::Newest, "tw"), (Sort::Oldest, "hn")] {
        let sorted = index.search(&SearchRequest::new(q).sort(sort).limit(1)).expect("search");
        assert_eq!((sorted.total, sorted.full_matches), (4, 1), "{sort:?}");
        assert_eq!(ids(&sorted), [first], "{sort:?}");
    }
}

/// A query typed without spaces, in the other side's script and
/// vocabulary (用户/使用者, 连接/連線), finds the man page. Without the
/// regional variants it is found by the words and pairs it shares (输出,
/// 时间), though it lacks two words; with them (the default) it has every
/// word, in Taiwan's wording, and each is marked as the page writes it.
#[test]
fn a_run_of_text_is_evidence_not_a_conjunction() {
    let mut ac = Article::new("ac", "ac 指令會輸出使用者的連線時間，以小時為單位。");
    ac.title = Some("ac - 輸出使用者連線時間".into());
    let mut other = Article::new("other", "這個指令列出目前的使用者。");
    other.title = Some("users - 列出使用者".into());
    let index = index_of(&[ac, other, Article::new("far", "今天天气很好。")]);
    let q = "输出用户连接时间";
    let title = |r: &SearchResults| {
        let t = r.hits[0].snippets.iter().find(|s| s.field == zhsearch::query::SnippetField::Title).expect("title");
        t.marked("[", "]")
    };
    let plain = |m: Matching| SearchRequest::new(q).matching(m).variants(false);
    assert_eq!(index.search(&plain(Matching::All)).expect("search").total, 0, "no article has every word");
    let r = index.search(&plain(Matching::Relaxed)).expect("search");
    assert_eq!(ids(&r), ["ac"], "only ac has a third of the query's characters");
    assert_eq!(title(&r), "ac - [輸出]使用者連線[時間]");

    let strict = index.search(&SearchRequest::new(q).matching(Matching::All)).expect("search");
    assert_eq!(ids(&strict), ["ac"], "every word, in Taiwan's wording");
    let r = index.search(&SearchRequest::new(q)).expect("search");
    assert_eq!(ids(&r)[0], "ac");
    assert!(r.hits[0].full_match);
    assert_eq!(title(&r), "ac - [輸出使用者連線時間]");
}

#[test]
fn title_matches_and_words_together_rank_higher() {
    let index = index_of(&corpus());
    let r = index.search(&SearchRequest::new("小康")).expect("search");
    assert_eq!(ids(&r)[0], "zj");
    // cn has 脱贫攻坚 as one string; undated has 脱贫 and 干部 apart.
    let r = index.search(&SearchRequest::new("脱贫 攻坚")).expect("search");
    assert_eq!(ids(&r)[0], "cn");
}

#[test]
fn upsert_replaces_and_delete_removes() {
    let index = index_of(&corpus());
    let mut w = index.writer().expect("writer");
    w.upsert(&article("hn", "新标题", "完全不同的正文", "湖南日报", "2019-12-21T10:48:00+08:00")).expect("upsert");
    w.delete("zj");
    // Nothing changes before the commit.
    assert_eq!(index.num_docs(), 5);
    w.commit().expect("commit");
    assert_eq!(index.num_docs(), 4);
    assert!(search(&index, "驻村").hits.is_empty());
    assert_eq!(ids(&search(&index, "完全不同")), ["hn"]);
    assert!(index.get("zj").expect("get").is_none());
    assert_eq!(index.get("hn").expect("get").expect("hn").title.as_deref(), Some("新标题"));

    // Within one batch the last upsert wins.
    w.upsert(&Article::new("dup", "第一版")).expect("upsert");
    w.upsert(&Article::new("dup", "第二版")).expect("upsert");
    w.commit().expect("commit");
    assert_eq!(index.get("dup").expect("get").expect("dup").body, "第二版");
    assert_eq!(index.num_docs(), 5);

    // An upsert deletes only ids that may exist (the committed ones and
    // those added through the writer); every way an id can exist is one.
    // Committed through this writer, in an earlier commit:
    w.upsert(&Article::new("dup", "第三版")).expect("upsert");
    w.commit().expect("commit");
    assert_eq!(index.num_docs(), 5);
    assert_eq!(index.get("dup").expect("get").expect("dup").body, "第三版");
    // Added and rolled back, then added again:
    w.upsert(&Article::new("gone", "回滚")).expect("upsert");
    w.rollback().expect("rollback");
    w.upsert(&Article::new("gone", "再来")).expect("upsert");
    w.commit().expect("commit");
    assert_eq!(index.num_docs(), 6);
    // Deleted, then upserted again, in one batch: the article comes back.
    w.delete("dup");
    w.upsert(&Article::new("dup", "删后重来")).expect("upsert");
    w.commit().expect("commit");
    assert_eq!(index.num_docs(), 6);
    assert_eq!(index.get("dup").expect("get").expect("dup").body, "删后重来");
    // Committed by an earlier writer, in a segment merged since:
    w.merge_segments().expect("merge");
    drop(w);
    let mut w = index.writer().expect("writer");
    w.upsert(&Article::new("dup", "第四版")).expect("upsert");
    w.upsert(&Article::new("gone", "又一版")).expect("upsert");
    w.commit().expect("commit");
    assert_eq!(index.num_docs(), 6);
    assert_eq!(index.get("dup").expect("get").expect("dup").body, "第四版");
    assert_eq!(ids(&search(&index, "又一版")), ["gone"]);
}

/// Words jieba can only guess at (its HMM joins characters the dictionary
/// has no word for) match as substrings: found wherever their characters
/// stand together, however the article's text was cut, and nowhere else.
#[test]
fn guessed_words_are_found_where_their_characters_stand_together() {
    let index = index_of(&[
        Article::new("hz", "他来到了网易杭研大厦"),
        Article::new("poem", "两个黄鹂鸣翠柳，一行白鹭上青天"),
        Article::new("apart", "杭州的研究院，柳树上的鸟在鸣叫"),
    ]);
    for (query, expected) in [("杭研", ["hz"]), ("杭研大厦", ["hz"]), ("鸣翠柳", ["poem"]), ("黄鹂鸣翠柳", ["poem"])]
    {
        assert_eq!(ids(&search(&index, query)), expected, "{query}");
    }
}

/// The words of a query text need not stand together: each is looked up
/// as a word. A number with a decimal point is one word, in documents as
/// in queries (the index keeps it whole although it leaves out guesses).
#[test]
fn the_words_of_a_query_text_are_found_apart() {
    let index = index_of(&[
        Article::new("rate", "去年增长了1.95倍，版本是v2.0。"),
        Article::new("other", "去年增长了1倍，95个版本。"),
    ]);
    for (query, expected) in [("增长1.95倍", ["rate"]), ("v2.0版本", ["rate"])] {
        assert_eq!(ids(&search(&index, query)), expected, "{query}");
    }
}

#[test]
fn an_upsert_replaces_what_another_handle_committed() {
    // A handle's reader may lag behind a commit made through another
    // handle; taking a writer must bring it up to date, or an upsert would
    // take the id for new and leave the old article beside the new one.
    let dir = tempfile::tempdir().expect("tempdir");
    let a = SearchIndex::create(dir.path(), &AnalyzerSettings::default()).expect("create");
    let b = SearchIndex::open(dir.path()).expect("open");
    let mut w = b.writer().expect("writer");
    w.upsert(&Article::new("x", "旧的正文")).expect("upsert");
    w.commit().expect("commit");
    drop(w);
    let mut w = a.writer().expect("writer");
    w.upsert(&Article::new("x", "新的正文")).expect("upsert");
    w.commit().expect("commit");
    assert_eq!(a.num_docs(), 1);
    assert_eq!(a.get("x").expect("get").expect("x").body, "新的正文");
}

#[test]
fn close_and_reopen_keeps_articles_and_settings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let settings = Analyzer::builder().user_words(["驻村铁军"]).build().expect("analyzer").settings().clone();
    {
        let index = SearchIndex::create(dir.path(), &settings).expect("create");
        let mut w = index.writer().expect("writer");
        for a in corpus() {
            w.upsert(&a).expect("upsert");
        }
        w.commit().expect("commit");
    }
    let index = SearchIndex::open(dir.path()).expect("open");
    assert_eq!(index.num_docs(), 5);
    assert_eq!(index.analyzer().settings(), &settings);
    assert_eq!(ids(&search(&index, "驻村铁军")), ["hn"]);
    assert_eq!(index.get("tw").expect("get"), corpus().into_iter().find(|a| a.id == "tw"));

    let err = SearchIndex::open_with(dir.path(), &AnalyzerSettings::default()).expect_err("other settings");
    assert!(matches!(err, Error::SettingsMismatch { .. }), "{err}");
    assert!(err
        .to_string()
        .starts_with(&format!("{}: the index was built with analyzer settings", dir.path().display())));
    assert!(SearchIndex::open_with(dir.path(), &settings).is_ok());
    let err = SearchIndex::create(dir.path(), &settings).expect_err("exists");
    assert_eq!(err.to_string(), format!("{}: an index already exists here", dir.path().display()));

    let empty = tempfile::tempdir().expect("tempdir");
    let err = SearchIndex::open(empty.path()).expect_err("no index");
    assert_eq!(err.to_string(), format!("{}: not a zhsearch index (zhsearch.json is missing)", empty.path().display()));
}

/// An index written by an older tokenization scheme holds other terms than
/// the ones this version looks up: opening it is an error that says to
/// rebuild, never an index that silently finds less.
#[test]
fn an_index_of_an_older_scheme_asks_to_be_rebuilt() {
    let dir = tempfile::tempdir().expect("tempdir");
    drop(SearchIndex::create(dir.path(), &AnalyzerSettings::default()).expect("create"));
    let path = dir.path().join(zhsearch::index::SETTINGS_FILE);
    let mut stored: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("json");
    stored["analyzer"]["scheme"] = 2.into();
    std::fs::write(&path, serde_json::to_vec(&stored).expect("json")).expect("write");
    let err = SearchIndex::open(dir.path()).expect_err("an older scheme");
    assert!(matches!(err, Error::OutdatedScheme { found: 2, supported: 3, .. }), "{err}");
    assert_eq!(
        err.to_string(),
        format!(
            "{}: the index was built with tokenization scheme 2, and this version of zhsearch reads scheme 3; \
             rebuild it (add its articles to a new index)",
            dir.path().display()
        )
    );
    assert!(SearchIndex::open_or_create(dir.path(), &AnalyzerSettings::default()).is_err());
}

#[test]
fn a_second_writer_is_refused_with_the_directory_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = SearchIndex::create(dir.path(), &AnalyzerSettings::default()).expect("create");
    let first = index.writer().expect("first writer");
    let err = index.writer().err().expect("second writer refused");
    assert_eq!(
        err.to_string(),
        format!("{}: the index is already open for writing by another writer", dir.path().display())
    );
    drop(first);
    assert!(index.writer().is_ok(), "the lock goes with the writer");
}

#[test]
fn searches_from_several_threads_while_another_writes() {
    let index = Arc::new(index_of(&corpus()));
    let writer_index = Arc::clone(&index);
    let writer = std::thread::spawn(move || {
        let mut w = writer_index.writer().expect("writer");
        for i in 0..20 {
            w.upsert(&Article::new(format!("new-{i}"), format!("第{i}篇关于脱贫的新文章"))).expect("upsert");
            w.commit().expect("commit");
        }
    });
    let readers: Vec<_> = (0..3)
        .map(|_| {
            let index = Arc::clone(&index);
            std::thread::spawn(move || {
                let mut last = 0;
                for _ in 0..30 {
                    let r = index.search(&SearchRequest::new("脱贫").matching(Matching::All)).expect("search");
                    assert!(r.total >= last, "a reader never sees fewer committed matches");
                    last = r.total;
                }
            })
        })
        .collect();
    writer.join().expect("writer thread");
    for r in readers {
        r.join().expect("reader thread");
    }
    assert_eq!(search(&index, "脱贫").total, 3 + 20);
}

#[test]
fn query_limits_are_errors() {
    let index = index_of(&corpus());
    let long = "脱".repeat(zhsearch::query::MAX_QUERY_CHARS + 1);
    let err = index.search(&SearchRequest::new(long)).expect_err("too long");
    assert!(matches!(err, Error::Query(QueryError::TooLong { len: 1001, max: 1000 })), "{err}");
    assert_eq!(err.to_string(), "query: the query is 1001 characters long; the limit is 1000");
    let many = vec!["词"; zhsearch::query::MAX_QUERY_TERMS + 1].join(" ");
    let err = index.search(&SearchRequest::new(many)).expect_err("too many terms");
    assert_eq!(err.to_string(), "query: the query has 65 terms; the limit is 64");
}

#[test]
fn bodies_that_cannot_be_indexed_are_rejected() {
    let index = SearchIndex::in_memory(&AnalyzerSettings::default()).expect("index");
    let mut w = index.writer().expect("writer");
    let err = w.upsert(&Article::new("blank", " \n ")).expect_err("empty body");
    assert_eq!(err.to_string(), "field `body`: article `blank` has an empty body");
    let err = w.upsert(&Article::new("", "正文")).expect_err("empty id");
    assert_eq!(err.to_string(), "field `id`: article id is empty");
}

#[test]
fn each_sample_title_as_the_query_ranks_its_article_first() {
    let batch = zhsearch::ingest::read_path(concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample")).expect("sample");
    assert_eq!(batch.articles.len(), 5);
    let index = index_of(&batch.articles);
    for article in &batch.articles {
        let title = article.title.as_deref().expect("every sample page has a headline");
        let results = search(&index, title);
        assert_eq!(ids(&results).first().copied(), Some(article.id.as_str()), "query {title:?}");
        // And in the other script: the Traditional title finds the article too.
        let results = search(&index, &title.replace('县', "縣").replace('贫', "貧"));
        assert_eq!(ids(&results).first().copied(), Some(article.id.as_str()), "query {title:?} (縣/貧)");
    }
}

/// Queries leave out fields that no document fills yet (see
/// `SearchIndex::present_fields`); the first titled article must make the
/// title count again, in the same `SearchIndex`.
#[test]
fn a_field_first_filled_by_a_later_commit_is_searched() {
    let index = SearchIndex::in_memory(&AnalyzerSettings::default()).expect("index");
    let mut w = index.writer().expect("writer");
    w.upsert(&Article::new("untitled", "乡村振兴的消息传来")).expect("upsert");
    w.commit().expect("commit");
    assert_eq!(search(&index, "title:振兴").total, 0);
    assert_eq!(ids(&search(&index, "振兴")), ["untitled"]);

    let mut titled = Article::new("titled", "正文没有那个词");
    titled.title = Some("乡村振兴".into());
    w.upsert(&titled).expect("upsert");
    w.commit().expect("commit");
    assert_eq!(ids(&search(&index, "title:振兴")), ["titled"]);
    let both = search(&index, "振兴");
    assert_eq!(ids(&both)[0], "titled", "the title outweighs the body");
    assert_eq!(both.total, 2);
    let exact = search(&index, "乡村振兴");
    assert_eq!(ids(&exact)[0], "titled", "a title that is exactly the query gets its bonus");
}

/// The stored article comes back field for field, from `get` and in hits,
/// whatever its time zone and whichever optional fields it has.
#[test]
fn every_field_round_trips_through_the_store() {
    let mut full = article("full", "标题：\"引号\"", "正文\n第二行\t制表", "新华社", "2021-03-04T05:06:07-05:00");
    full.author = Some("记者 张三".into());
    full.url = Some("https://example.com/a?b=1&c=\"2\"".into());
    let bare = Article::new("bare", "只有正文");
    let index = index_of(&[full.clone(), bare.clone()]);
    for expected in [&full, &bare] {
        assert_eq!(index.get(&expected.id).expect("get").as_ref(), Some(expected));
    }
    let hits = search(&index, "正文").hits;
    assert_eq!(hits.len(), 2);
    for hit in hits {
        assert_eq!(&hit.article, if hit.id == "full" { &full } else { &bare });
    }
}

/// What each kind of clause marks, in the text as written: a two-character
/// word (matched and marked as its bigram), a longer word (its segmented
/// words wherever they stand), a quoted text across punctuation, and a
/// single character inside longer words.
#[test]
fn marks_by_clause_kind() {
    let body = "經濟發展很快，发展中国家。经济体制改革，共产党员和党支部。";
    let index = index_of(&[Article::new("m", body)]);
    let cases: [(&str, &str); 5] = [
        ("发展", "經濟[發展]很快，[发展]中国家。经济体制改革，共产党员和党支部。"),
        ("经济改革", "[經濟]發展很快，发展中国家。[经济]体制[改革]，共产党员和党支部。"),
        ("\"很快 发展\"", "經濟發展[很快，发展]中国家。经济体制改革，共产党员和党支部。"),
        ("党", "經濟發展很快，发展中国家。经济体制改革，共产[党]员和[党]支部。"),
        ("\"體制改革\" 發展", "經濟[發展]很快，[发展]中国家。经济[体制改革]，共产党员和党支部。"),
    ];
    for (query, want) in cases {
        let results = index.search(&SearchRequest::new(query).snippets(1, 200)).expect("search");
        assert_eq!(results.total, 1, "{query}");
        let snippet = &results.hits[0].snippets[0];
        assert_eq!(snippet.marked("[", "]"), want, "{query}");
    }
}

/// Merging a bulk load into one segment keeps every live article, purges
/// replaced ones, keeps the commit count, and leaves the writer usable.
#[test]
fn merge_segments_keeps_everything_in_one_segment() {
    let index = SearchIndex::in_memory(&AnalyzerSettings::default()).expect("index");
    let mut w = index.writer().expect("writer");
    for round in 0..3 {
        for i in 0..20 {
            w.upsert(&Article::new(format!("a{round}-{i}"), format!("第{round}轮第{i}篇，脱贫攻坚"))).expect("upsert");
        }
        w.commit().expect("commit");
    }
    w.upsert(&Article::new("a0-0", "替换后的正文")).expect("upsert");
    w.delete("a1-1");
    w.commit().expect("commit");
    assert!(index.segment_count() >= 2, "several commits, several segments");
    let commits = index.commit_count();

    w.merge_segments().expect("merge");
    assert_eq!(index.segment_count(), 1);
    assert_eq!(index.num_docs(), 59);
    assert_eq!(index.commit_count(), commits);
    assert_eq!(search(&index, "脱贫攻坚").total, 58);
    assert_eq!(index.get("a0-0").expect("get").map(|a| a.body), Some("替换后的正文".to_string()));
    assert!(index.get("a1-1").expect("get").is_none());

    w.upsert(&Article::new("after", "合并之后再写")).expect("upsert");
    w.commit().expect("commit");
    assert_eq!(ids(&search(&index, "合并")), ["after"]);
}

/// Month facets are China-time months, right at their edges and whatever
/// order the dates come in (the collector remembers the last month seen).
#[test]
fn month_facets_split_at_china_midnight_in_any_order() {
    let dates = [
        "2020-01-31T15:59:59Z", // 2020-01-31 23:59:59 in China
        "2020-01-31T16:00:00Z", // 2020-02-01 00:00:00
        "2020-03-15T12:00:00+08:00",
        "2020-01-01T00:00:00+08:00",
        "2019-12-31T23:59:59+08:00",
        "2020-02-29T23:59:59+08:00",
        "2020-02-10T00:00:00+08:00",
        "2020-12-31T16:00:00Z", // 2021-01-01 in China
    ];
    let articles: Vec<Article> = dates
        .iter()
        .enumerate()
        .map(|(i, d)| article(&format!("d{i}"), "标题", "月份统计", ["甲", "乙"][i % 2], d))
        .collect();
    let index = index_of(&articles);
    let r = index.search(&SearchRequest::new("月份").facets(true)).expect("search");
    let months: Vec<(&str, u64)> = r.facets.month.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(months, [("2019-12", 1), ("2020-01", 2), ("2020-02", 3), ("2020-03", 1), ("2021-01", 1)]);
    let sources: Vec<(&str, u64)> = r.facets.source.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(sources, [("乙", 4), ("甲", 4)]);
}

/// A single character finds every document that contains it, however many
/// different tokens start with it (tantivy expands only 50 by default), on
/// its own and at the end of a quoted text.
#[test]
fn a_single_character_matches_through_every_expansion() {
    // 80 characters that make a dictionary bigram after 大, so that 80
    // different character tokens start with 大.
    let analyzer = zhsearch::analysis::Analyzer::new().expect("analyzer");
    let followers: Vec<char> = (0x4E00u32..0xA000)
        .filter_map(char::from_u32)
        .filter(|c| analyzer.is_char_bigram(&format!("大{c}")))
        .take(80)
        .collect();
    assert_eq!(followers.len(), 80);
    let mut articles: Vec<Article> = followers
        .iter()
        .enumerate()
        .map(|(i, c)| Article::new(format!("f{i}"), format!("青年，大{c}的要求")))
        .collect();
    articles.push(Article::new("end", "青年，大"));
    articles.push(Article::new("none", "青年，团员"));
    articles.push(Article::new("apart", format!("青年们，大{}", followers[0])));
    let index = index_of(&articles);
    for (query, want) in [("大", 82), ("\"青年 大\"", 81), ("\"年 大\"", 81), ("\"青年们 大\"", 1)] {
        let r = index.search(&SearchRequest::new(query).limit(0)).expect("search");
        assert_eq!(r.total, want, "{query}");
    }
}

/// A character that makes no dictionary bigram with the next one is a token
/// of its own, just as a character before a separator is: a quoted
/// separator must still be found in the text, and a quoted pair that is no
/// word must still be found inside words.
#[test]
fn quoted_texts_around_single_character_tokens_are_exact() {
    let articles = [
        Article::new("han", "1青2"),
        Article::new("comma", "1，2"),
        Article::new("dun", "1、 2"),
        Article::new("joined", "12"),
        Article::new("county", "贫困县"),
        Article::new("county-tw", "貧困縣"),
    ];
    let index = index_of(&articles);
    assert_eq!(sorted_ids(&search(&index, "\"1，2\"")), ["comma", "dun"]);
    assert_eq!(sorted_ids(&search(&index, "\"1 2\"")), ["comma", "dun"]);
    assert_eq!(sorted_ids(&search(&index, "\"12\"")), ["joined"]);
    assert_eq!(sorted_ids(&search(&index, "\"1青2\"")), ["han"]);
    assert_eq!(sorted_ids(&search(&index, "\"1青\"")), ["han"]);
    // 困县 is no word: 困 and 县 are tokens of their own in both scripts.
    assert_eq!(sorted_ids(&search(&index, "\"困县\"")), ["county", "county-tw"]);
    assert_eq!(sorted_ids(&search(&index, "\"困縣\"")), ["county", "county-tw"]);
    assert_eq!(sorted_ids(&search(&index, "\"贫困县\"")), ["county", "county-tw"]);
    assert!(search(&index, "\"困 县\"").hits.is_empty());
}

/// Words a title writes apart but together (`脱贫 攻坚在路上`) rank above the
/// same words scattered through a title: the ranking scores the pair the
/// two clauses make, side by side or with one separator between.
#[test]
fn words_together_across_a_separator_in_the_title_rank_first() {
    let body = "各地干部进村入户。";
    let mut together = Article::new("together", body);
    together.title = Some("脱贫 攻坚在路上".into());
    let mut scattered = Article::new("scattered", body);
    scattered.title = Some("攻坚在路上 脱贫".into());
    let index = index_of(&[scattered, together]);
    assert_eq!(ids(&search(&index, "脱贫 攻坚")), ["together", "scattered"]);
}

/// Among the documents that match every word, relaxed matching orders as
/// strict matching does, down to a resolution that tells apart articles a
/// few words different in length: the score is BM25, not a code packed
/// into one f32 (where scores 0.05 apart once tied).
#[test]
fn relaxed_matching_orders_full_matches_by_bm25_as_strict_matching_does() {
    // Rare words (a thousand articles without them) for BM25 scores of a
    // unit or two, as in real searches, and lengths growing by three words.
    let mut articles: Vec<Article> = (0..60)
        .map(|i| Article::new(format!("a{i:02}"), format!("{}经济，第{i}次改革。", "农业".repeat(60 + 3 * i))))
        .collect();
    articles.extend((0..1000).map(|i| Article::new(format!("other{i}"), format!("农业发展，第{i}次。"))));
    let index = index_of(&articles);
    let run = |matching| {
        let r = index.search(&SearchRequest::new("经济 改革").matching(matching).limit(60).snippets(0, 0));
        r.expect("search").hits.into_iter().map(|h| (h.id, h.score)).collect::<Vec<_>>()
    };
    let strict: std::collections::HashMap<String, f32> = run(Matching::All).into_iter().collect();
    let relaxed = run(Matching::Relaxed);
    assert_eq!((strict.len(), relaxed.len()), (60, 60));
    const RESOLUTION: f32 = 0.001;
    for (i, (earlier, _)) in relaxed.iter().enumerate() {
        for (later, _) in &relaxed[i + 1..] {
            assert!(
                strict[earlier] >= strict[later] - RESOLUTION,
                "{earlier} ({}) ranks above {later} ({})",
                strict[earlier],
                strict[later]
            );
        }
    }
}

/// `n` characters of CJK Extension A from `from`: no dictionary bigrams,
/// so each character is a token of a phrase of its own.
fn rare_chars(from: u32, n: u32) -> String {
    (from..from + n).filter_map(char::from_u32).collect()
}

/// Sixty articles of 900 rare characters each, none of them among the
/// first 900 (`rare_chars(0x3400, 900)`): titled `{title}` and the
/// characters, with the characters and then `{body}` as body.
fn rare_fillers(title: &str, body: &str) -> Vec<Article> {
    (0..60)
        .map(|i| {
            let other = rare_chars(0x3400 + 900 + 40 * i, 900);
            Article {
                title: Some(format!("{title}{other}")),
                ..Article::new(format!("f{i}"), format!("{other}{body}"))
            }
        })
        .collect()
}

/// A quoted text is required under relaxed matching too: the articles
/// with the passage match, the one that also has the other word is the
/// one full match, and a passage that scores thousands changes neither.
#[test]
fn a_quoted_text_is_required_under_relaxed_matching() {
    // Each character of the passage is in two articles of sixty-two.
    let passage = rare_chars(0x3400, 900);
    let mut articles = vec![
        article("passage", &passage, &passage, "甲", "2020-01-01T00:00:00+08:00"),
        article("both", &passage, &format!("经济{passage}"), "甲", "2020-01-01T00:00:00+08:00"),
    ];
    articles.extend(rare_fillers("", "经济"));
    let index = index_of(&articles);
    let query = format!("经济 \"{passage}\"");
    let r = index.search(&SearchRequest::new(&query).limit(100).snippets(0, 0)).expect("search");
    assert_eq!(r.total, 2, "only the articles with the passage");
    assert_eq!(r.full_matches, 1, "only `both` has both");
    let full: Vec<&str> = r.hits.iter().filter(|h| h.full_match).map(|h| h.id.as_str()).collect();
    assert_eq!(full, ["both"]);
    assert_eq!(ids(&r), ["both", "passage"]);
}

/// A scoped clause counts toward the full match in its field only: an
/// article with the words but not the scoped one in its title is no full
/// match, however well the rest scores.
#[test]
fn a_scoped_word_counts_in_its_field_only() {
    let passage = rare_chars(0x3400, 900);
    let joined = format!("改革{passage}");
    let mut articles = vec![
        article("together", &joined, &format!("经济{joined}"), "甲", "2020-01-01T00:00:00+08:00"),
        article("all", &format!("经济{joined}"), &joined, "甲", "2020-01-01T00:00:00+08:00"),
    ];
    articles.extend(rare_fillers("经济", "改革"));
    let index = index_of(&articles);
    let query = format!("title:经济 改革 \"{passage}\"");
    let r = index.search(&SearchRequest::new(&query).limit(100).snippets(0, 0)).expect("search");
    assert_eq!(r.total, 2);
    assert_eq!(r.full_matches, 1, "only `all` has 经济 in its title");
    let full: Vec<&str> = r.hits.iter().filter(|h| h.full_match).map(|h| h.id.as_str()).collect();
    assert_eq!(full, ["all"]);
    assert_eq!(ids(&r), ["all", "together"]);
}

/// The pairs side by side are scored for the best hits after the search
/// (`RESCORE_WINDOW`); pages must still walk one order, within the window
/// and beyond it, and the window's best hit is the one with the words
/// together (its pair 济改). The article with the words together comes
/// last, so its postings are read after most hits'.
#[test]
fn pages_agree_with_one_long_page_around_the_rescore_window() {
    let n = zhsearch::query::RESCORE_WINDOW + 40;
    let mut articles: Vec<Article> = (0..n)
        .map(|i| {
            Article::new(
                format!("a{i:03}"),
                format!("{}经济，第{i}次{}改革。", "农业".repeat(i % 7), "大".repeat(i % 5)),
            )
        })
        .collect();
    articles.push(Article::new("together", "经济改革。"));
    let index = index_of(&articles);
    let request = |offset: usize, limit: usize| {
        SearchRequest::new("经济 改革").matching(Matching::All).offset(offset).limit(limit).snippets(0, 0)
    };
    let all = index.search(&request(0, n + 1)).expect("search");
    let all_ids: Vec<&str> = all.hits.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(all_ids.len(), n + 1);
    assert_eq!(all_ids[0], "together");
    let mut paged = Vec::new();
    for page in 0..(n + 1).div_ceil(15) {
        let r = index.search(&request(page * 15, 15)).expect("search");
        paged.extend(r.hits.into_iter().map(|h| h.id));
    }
    assert_eq!(paged, all_ids);
}

/// An explanation is the score taken apart: its parts add up to the hit's
/// score, name the units the hit has and where, and say whether it is a
/// full match; without `explain`, hits carry none.
#[test]
fn explanations_add_up_to_the_score_and_name_the_units() {
    let index = index_of(&corpus());
    let plain = index.search(&SearchRequest::new("脱贫攻坚 干部")).expect("search");
    assert!(plain.hits.iter().all(|h| h.explanation.is_none()));
    let r = index.search(&SearchRequest::new("脱贫攻坚 干部").explain(true)).expect("search");
    assert_eq!(ids(&r), ids(&plain), "explaining changes no order");
    for hit in &r.hits {
        let e = hit.explanation.as_ref().expect("explained");
        let sum: f32 = e.details.iter().map(|d| d.value).sum();
        assert!((e.value - hit.score).abs() < 1e-4, "{} vs {}", e.value, hit.score);
        assert!((sum - hit.score).abs() < 1e-3 * hit.score.max(1.0), "parts {sum} vs score {}\n{e}", hit.score);
        let text = e.to_string();
        let has = |w: &str| hit.article.body.contains(w) || hit.article.title.as_deref().is_some_and(|t| t.contains(w));
        assert_eq!(text.contains("干部 in "), has("干部"), "{text}");
        let verdict = if hit.full_match { ": a full match" } else { ": not a full match" };
        assert!(text.contains(verdict), "{text}");
        // The JSON form is the same tree.
        let json = serde_json::to_value(hit).expect("json");
        assert_eq!(json["explanation"]["value"].as_f64().map(|v| v as f32), Some(e.value));
    }
    // 脱贫攻坚 has the pair 贫攻 side by side, which the best hit has.
    let best = r.hits[0].explanation.as_ref().expect("explained").to_string();
    assert!(best.contains("贫攻 in body"), "{best}");
}

/// A Latin word or number is one token whole up to 64 characters, and
/// beyond that only its characters are: the query must look up the same
/// units as the index at both sides of the limit, or the word is lost.
#[test]
fn latin_words_at_the_whole_token_limit_are_found() -> Result<(), Error> {
    let word = |n: usize| -> String { "abcdefghij".chars().cycle().take(n).collect() };
    let analyzer = Analyzer::new()?;
    for (n, whole) in [(2, true), (64, true), (65, false)] {
        let text = format!("词{}语", word(n));
        let has_whole = analyzer.char_tokens(&text).iter().any(|t| t.text == word(n));
        assert_eq!(has_whole, whole, "{n} characters");
    }
    let articles: Vec<Article> = [63, 64, 65, 66]
        .into_iter()
        .map(|n| Article::new(format!("w{n}"), format!("型号为{}的设备。", word(n))))
        .collect();
    let index = index_of(&articles);
    for n in [63, 64, 65, 66] {
        for q in [word(n), format!("\"{}\"", word(n)), format!("型号为{}", word(n))] {
            let results = index.search(&SearchRequest::new(q.clone()).matching(Matching::All))?;
            let found = ids(&results);
            let expected: Vec<String> =
                [63, 64, 65, 66].into_iter().filter(|&m| m >= n).map(|m| format!("w{m}")).collect();
            assert!(found.contains(&format!("w{n}").as_str()), "{q}: {found:?}");
            assert!(found.iter().all(|id| expected.iter().any(|e| e == id)), "{q}: {found:?}");
        }
    }
    Ok(())
}

/// A hit's explanation as text (empty when it has none).
fn explained(hit: &zhsearch::query::Hit) -> String {
    hit.explanation.as_ref().map(|e| e.to_string()).unwrap_or_default()
}

/// A sentence whose characters a page has in one passage ranks above a
/// page that has the same characters spread out, though that page is half
/// as long (so ahead on BM25) and first in the index (so ahead on a tie);
/// a query of a few words has no passage to score.
#[test]
fn a_sentence_found_in_one_passage_ranks_above_the_same_characters_spread_out() -> Result<(), Error> {
    // Ten distinct characters, none a stop word; the pages have them in
    // reverse, so that neither has any of the query's pairs side by side.
    let query = "森林湖泊雪山草原沙漠";
    let reversed: Vec<char> = query.chars().rev().collect();
    let filler = |n: usize| "丨".repeat(n);
    let spread: String = reversed.iter().map(|c| format!("{c}{}", filler(20))).collect();
    let together = format!("{}{}{}", filler(200), reversed.iter().collect::<String>(), filler(220));
    let index = index_of(&[Article::new("spread", spread), Article::new("together", together)]);

    let r = index.search(&SearchRequest::new(query).explain(true))?;
    assert_eq!(ids(&r), ["together", "spread"]);
    let bm25 = |i: usize| r.hits[i].explanation.as_ref().map_or(0.0, |e| e.details[0].value);
    assert!(bm25(1) > bm25(0), "the spread page is ahead before the passage: {} vs {}", bm25(1), bm25(0));
    let explained = |i: usize| explained(&r.hits[i]);
    assert!(explained(0).contains("the best passage, in the body: 10 of the query's 10 units"), "{}", explained(0));
    assert!(explained(1).contains("the best passage, in the body: 1 of the query's 10 units"), "{}", explained(1));

    // Four characters: the pairs say whether they are together; no passage.
    let r = index.search(&SearchRequest::new("森林湖泊").explain(true))?;
    assert!(r.hits.iter().all(|h| h.explanation.as_ref().is_some_and(|e| !e.to_string().contains("passage"))));
    Ok(())
}

/// A query written with spaces finds its text whole in a passage with
/// the same spaces, or none: the window spans the whole query, the gaps
/// between its clauses too.
/// And with a passage, quoted and scoped clauses, under either order, an
/// explanation's parts still add up to the score.
#[test]
fn a_passage_spans_the_whole_query_and_its_parts_add_up() -> Result<(), Error> {
    let index = index_of(&[
        Article::new("spaced", "序言。森林湖泊 雪山草原 沙漠，完。"),
        Article::new("together", "序言。森林湖泊雪山草原沙漠，完。"),
        Article::new("apart", "森林在北方，湖泊在南方。雪山很高，草原很广。沙漠很远。"),
    ]);
    for (q, found_in) in
        [("森林湖泊 雪山草原 沙漠", &["spaced", "together"][..]), ("森林湖泊雪山草原沙漠", &["together"])]
    {
        let r = index.search(&SearchRequest::new(q).explain(true))?;
        for &id in found_in {
            let hit = r.hits.iter().find(|h| h.id == id).expect("found");
            let text = explained(hit);
            assert!(text.contains("in the body: 10 of the query's 10 units"), "{q} in {id}: {text}");
        }
    }
    // The last: an `OR` with a branch of exclusions only, which lets
    // every document without 火山 through and scores nothing (the fuzz
    // target found it adding 1 that no explanation showed); the other
    // branch is ranked as a query of its own, passage and all.
    for (q, passage) in [
        ("森林湖泊 雪山草原 沙漠 \"草原\"", true),
        ("森林湖泊 雪山草原 沙漠 body:湖泊", true),
        ("森林湖泊雪山草原沙漠 -火山", true),
        ("-火山 OR 森林湖泊雪山草原沙漠", true),
        // A hit that matches one branch whole and has some of the other's
        // words: that branch adds nothing (found by the fuzz target too).
        // Two branches to rank: no passage.
        ("沙漠 OR 森林湖泊雪山草原火山", false),
        // A hit that one branch's exclusion shuts out, found through the
        // other (the fuzz target again): the first branch adds nothing.
        ("沙漠 -序言 OR 湖泊", false),
        // The same with the other branch of exclusions only: one branch
        // to rank (with its passage), which the hit is shut out of.
        ("-火山 OR 森林湖泊雪山草原沙漠 -序言", true),
    ] {
        for sort in [Sort::Relevance, Sort::Newest] {
            let r = index.search(&SearchRequest::new(q).sort(sort).explain(true))?;
            assert!(!r.hits.is_empty(), "{q}");
            for hit in &r.hits {
                let e = hit.explanation.as_ref().expect("explained");
                let sum: f32 = e.details.iter().map(|d| d.value).sum();
                assert!(
                    (sum - hit.score).abs() < 1e-3 * hit.score.max(1.0),
                    "{q} ({sort:?}): {sum} vs {}\n{e}",
                    hit.score
                );
                let text = e.to_string();
                assert_eq!(text.contains("passage"), passage && sort == Sort::Relevance, "{q} ({sort:?}): {text}");
            }
        }
    }
    Ok(())
}

/// A word written with the other side's vocabulary is in the passage too:
/// 内存 as 記憶體 counts as the query's 内 and 存, as it does in the rest
/// of the ranking.
#[test]
fn a_variant_spelling_is_in_the_passage_as_the_word_it_stands_for() -> Result<(), Error> {
    let index = index_of(&[
        Article::new("tw", "說明：記憶體使用情況的檢查工具。"),
        Article::new("other", "今天天气很好，我们去公园散步。"),
    ]);
    let r = index.search(&SearchRequest::new("内存使用情况的检查工具").explain(true))?;
    assert_eq!(ids(&r)[0], "tw");
    let text = explained(&r.hits[0]);
    assert!(text.contains("in the body: 11 of the query's 11 units"), "{text}");
    // Without the variants, 内存 is not in the page: 9 of the 11 units.
    let r = index.search(&SearchRequest::new("内存使用情况的检查工具").variants(false).explain(true))?;
    let text = explained(&r.hits[0]);
    assert!(text.contains("in the body: 9 of the query's 11 units"), "{text}");
    Ok(())
}

/// A book-length body is highlighted in its first `HIGHLIGHT_DEPTH`
/// characters only: a word found further on still finds the article, and
/// its snippet is the body's opening, unmarked.
#[test]
fn a_long_body_is_highlighted_in_its_opening_only() {
    use zhsearch::query::HIGHLIGHT_DEPTH;
    let filler = "今天天气很好。".repeat(HIGHLIGHT_DEPTH / 7 + 10);
    let deep = format!("{filler}脱贫攻坚");
    let shallow = format!("脱贫攻坚{filler}");
    let index = crate::common::index_of_bodies(&[("deep", deep.as_str()), ("shallow", shallow.as_str())]);
    let results = index.search(&SearchRequest::new("\"脱贫攻坚\"")).expect("search");
    let mut found = ids(&results);
    found.sort_unstable();
    assert_eq!(found, ["deep", "shallow"]);
    for hit in &results.hits {
        let marked = hit.snippets.iter().any(|s| !s.highlights.is_empty());
        assert_eq!(marked, hit.id == "shallow", "{}", hit.id);
    }
}

/// Pasted text quotes what it names, and the other side's text names it in
/// its own words: a quoted text that no article has, among other words, is
/// read as its words, so the article is found. A quoted text alone stays
/// exact, and one that some article has stays required.
#[test]
fn a_quoted_text_no_article_has_is_read_as_words_among_others() {
    let index = crate::common::index_of_bodies(&[
        ("reply", "張貼到新聞群組時顯示「回覆」欄位。"),
        ("sender", "張貼到新聞群組時顯示「寄件者」欄位，由檢視選單控制。"),
        ("other", "今天天气很好。"),
    ]);
    let pasted = index.search(&SearchRequest::new("在发送内容到新闻组时显示“Reply To”域")).expect("search");
    assert!(ids(&pasted).contains(&"reply"), "{:?}", ids(&pasted));
    // Alone, the quoted text is exact: nothing has it.
    assert_eq!(index.search(&SearchRequest::new("\"Reply To\"")).expect("search").total, 0);
    // A quoted text that an article has is still required.
    let required = index.search(&SearchRequest::new("新闻组 \"寄件者\"")).expect("search");
    assert_eq!(ids(&required), ["sender"]);
}
