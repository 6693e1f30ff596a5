//! Ranking settings: a non-default value changes the ranking, per index
//! (kept across reopening) and per request; a bad value is refused naming
//! its field; the explanation shows the values used.

use crate::common;
use zhsearch::analysis::AnalyzerSettings;
use zhsearch::article::Article;
use zhsearch::index::SearchIndex;
use zhsearch::query::{RankingSettings, SearchRequest};

/// `title`: the query is its title and nowhere else; `body`: its body says
/// it three times, under another title.
fn articles() -> Vec<Article> {
    let mut title = Article::new("title", "今天天气很好，我们去公园散步。");
    title.title = Some("扶贫".into());
    let mut body = Article::new("body", "扶贫工作，扶贫干部，扶贫资金。");
    body.title = Some("新闻".into());
    vec![title, body]
}

/// Settings under which a title counts for nothing.
fn titles_count_for_nothing() -> RankingSettings {
    let mut settings = RankingSettings::default();
    settings.title_boost = 0.0;
    settings.title_exact_boost = 0.0;
    settings
}

fn first(index: &SearchIndex, request: &SearchRequest) -> String {
    let results = index.search(request).expect("search");
    assert_eq!(results.total, 2, "both match");
    results.hits[0].id.clone()
}

#[test]
fn index_settings_change_the_ranking_and_survive_reopening() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = SearchIndex::create(dir.path(), &AnalyzerSettings::default()).expect("create");
    let mut writer = index.writer().expect("writer");
    for a in articles() {
        writer.upsert(&a).expect("upsert");
    }
    writer.commit().expect("commit");
    drop(writer);
    let request = SearchRequest::new("扶贫");
    assert_eq!(first(&index, &request), "title", "by default the title weighs most");
    assert_eq!(index.ranking(), RankingSettings::default());

    index.set_ranking(titles_count_for_nothing()).expect("set");
    assert_eq!(first(&index, &request), "body");
    drop(index);

    let index = SearchIndex::open(dir.path()).expect("reopen");
    assert_eq!(index.ranking(), titles_count_for_nothing(), "kept in zhsearch.json");
    assert_eq!(first(&index, &request), "body");
    // Back to the defaults: nothing of them is kept.
    index.set_ranking(RankingSettings::default()).expect("set");
    assert_eq!(first(&index, &request), "title");
    let stored = std::fs::read_to_string(dir.path().join("zhsearch.json")).expect("settings file");
    assert!(!stored.contains("title_boost"), "{stored}");
}

#[test]
fn a_request_brings_its_own_settings() {
    let index = common::index_of(&articles());
    let request = SearchRequest::new("扶贫");
    assert_eq!(first(&index, &request.clone().ranking(titles_count_for_nothing())), "body");
    // The index's own are untouched.
    assert_eq!(first(&index, &request), "title");
}

#[test]
fn a_bad_value_is_refused_naming_its_field() {
    let index = common::index_of(&articles());
    let mut bad = RankingSettings::default();
    bad.coverage_weight = 2.0;
    let err = index.set_ranking(bad.clone()).expect_err("refused").to_string();
    assert!(err.contains("`coverage_weight`"), "{err}");
    assert_eq!(index.ranking(), RankingSettings::default(), "nothing changed");
    let err = index.search(&SearchRequest::new("扶贫").ranking(bad)).expect_err("refused").to_string();
    assert!(err.contains("`coverage_weight`"), "{err}");
    let mut bad = RankingSettings::default();
    bad.char_weight = f32::INFINITY;
    let err = index.set_ranking(bad).expect_err("refused").to_string();
    assert!(err.contains("`char_weight`"), "{err}");
}

#[test]
fn the_explanation_shows_the_values_used() {
    let index = common::index_of(&articles());
    let request = SearchRequest::new("扶贫").explain(true).ranking(titles_count_for_nothing());
    let results = index.search(&request).expect("search");
    let text = results.hits[0].explanation.as_ref().expect("explained").to_string();
    assert!(text.contains("not the defaults (add nothing): title_boost 0.0, title_exact_boost 0.0"), "{text}");
    // With the defaults, nothing is said of them.
    let results = index.search(&SearchRequest::new("扶贫").explain(true)).expect("search");
    let text = results.hits[0].explanation.as_ref().expect("explained").to_string();
    assert!(!text.contains("ranking settings"), "{text}");
}

/// A share of 1 needs every unit of matching: a document with one of two
/// words no longer matches, and `total` says so.
#[test]
fn the_matching_share_decides_the_total() {
    let index = common::index_of(&articles());
    let request = SearchRequest::new("扶贫 公园");
    assert_eq!(index.search(&request).expect("search").total, 2);
    let mut all = RankingSettings::default();
    all.matching_share = 1.0;
    let results = index.search(&request.ranking(all)).expect("search");
    assert_eq!((results.total, results.hits[0].id.as_str()), (1, "title"));
}

/// An index whose settings file has a field this version does not know (a
/// newer zhsearch wrote it) still opens.
#[test]
fn a_settings_file_from_a_newer_version_still_opens() {
    let dir = tempfile::tempdir().expect("tempdir");
    drop(SearchIndex::create(dir.path(), &AnalyzerSettings::default()).expect("create"));
    let path = dir.path().join("zhsearch.json");
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
    json["a_setting_of_the_future"] = serde_json::json!({"on": true});
    std::fs::write(&path, json.to_string()).expect("write");
    SearchIndex::open(dir.path()).expect("opens");
}

/// The share a match needs is also counted by rarity: a query's one rare
/// word decides where its filler characters cannot (`告诉我如何写周报`
/// has two of the eight units of 工作周报, and the rule needs three; the
/// two are what the query is about).
#[test]
fn a_rare_word_is_enough_where_filler_characters_are_not() {
    let mut articles = vec![{
        let mut a = Article::new("weekly", "一键生成周报，清晰展现工作进展。");
        a.title = Some("工作周报".into());
        a
    }];
    // Pages that have the filler: 告诉, 如何, 写, 我.
    for (i, body) in ["告诉我如何写信", "如何写作文", "请告诉我如何做", "我写了一封信", "告诉大家如何", "如何告诉他"]
        .iter()
        .enumerate()
    {
        articles.push(Article::new(format!("filler{i}"), *body));
    }
    let index = common::index_of(&articles);
    for q in ["如何写周报", "告诉我如何写周报"] {
        let results = index.search(&SearchRequest::new(q)).expect("search");
        assert!(common::ids(&results).contains(&"weekly"), "{q}: {:?}", common::ids(&results));
    }
    // The count alone still decides too: a page with three of the filler
    // characters matches.
    let results = index.search(&SearchRequest::new("告诉我如何写周报")).expect("search");
    assert!(common::ids(&results).contains(&"filler0"));
}

/// An index of `messages` among other short messages (six, and `more`),
/// so that the characters have an idf.
fn messages_among_others(mut messages: Vec<Article>, more: &[&str]) -> SearchIndex {
    let others = ["開啟檔案失敗", "儲存設定", "郵件已傳送", "伺服器無回應", "請稍後再試", "標示全部"];
    for (i, body) in others.iter().chain(more).enumerate() {
        messages.push(Article::new(format!("other{i}"), *body));
    }
    common::index_of(&messages)
}

/// Between two short documents with much the same passage, the one that
/// is little more than it ranks first; without the focus (`passage_focus`
/// 0) the longer one, which has two more of the query's characters (請,
/// 您) in a sentence the query does not have, wins.
#[test]
fn between_two_short_documents_with_the_same_passage_the_shorter_ranks_first() {
    let short = Article::new("short", "檢查所輸入的位置是否正確後再試一次。");
    let long = Article::new("long", "主機名稱無效。請檢查您所輸入的位置是否正確後再試一次。");
    let index = messages_among_others(vec![short, long], &["主機名稱", "您好"]);
    let q = "请检查您输入的位置是否正确并重试。";
    let results = index.search(&SearchRequest::new(q)).expect("search");
    assert_eq!(common::ids(&results)[..2], ["short", "long"], "{:?}", common::ids(&results));
    let mut unfocused = RankingSettings::default();
    unfocused.passage_focus = 0.0;
    let results = index.search(&SearchRequest::new(q).ranking(unfocused)).expect("search");
    assert_eq!(common::ids(&results)[..2], ["long", "short"], "{:?}", common::ids(&results));
}

/// A short document is one passage: the message that translates the
/// query, and spreads its words over more positions than the query has
/// (為「真」，則表示「command」欄的指令應處理), ranks above a shorter
/// sibling that has fewer of them close together. A window of the query's
/// width cut the first message's part short, and the sibling won.
#[test]
fn a_short_document_is_one_passage() {
    let whole = Article::new("whole", "如數值為「真」，則表示「command」欄的指令應處理「icq」網址。");
    let tight = Article::new("tight", "處理「icq」網址的指令（如有啟用）");
    let index = messages_among_others(vec![whole, tight], &["數值", "指令"]);
    let results = index.search(&SearchRequest::new("若变量为真，则指令应处理「icq」链接。")).expect("search");
    assert_eq!(common::ids(&results)[..2], ["whole", "tight"], "{:?}", common::ids(&results));
}

/// The pairs and the passage look only `rescore_depth` positions into a
/// field: a sentence after that depth still scores its units, but gives no
/// passage and no pairs.
#[test]
fn the_passage_and_the_pairs_look_only_as_deep_as_asked() {
    let body = format!("{}安全开机可防止恶意软件在装置启动阶段时载入。", "今天天气很好。".repeat(20));
    let index = common::index_of_bodies(&[("deep", body.as_str()), ("other", "天气预报")]);
    let q = "安全开机可防止恶意软件载入";
    let explained = |depth: u32| {
        let mut settings = RankingSettings::default();
        settings.rescore_depth = depth;
        let results = index.search(&SearchRequest::new(q).ranking(settings).explain(true)).expect("search");
        assert_eq!(common::ids(&results), ["deep"], "{depth}: the units still match");
        let hit = &results.hits[0];
        (hit.score, format!("{:?}", hit.explanation))
    };
    let (deep_score, deep) = explained(RankingSettings::default().rescore_depth);
    let (shallow_score, shallow) = explained(100);
    assert!(deep.contains("the best passage, in the body"), "{deep}");
    assert!(deep.contains("pairs side by side"), "{deep}");
    assert!(shallow.contains("the best passage: none"), "{shallow}");
    assert!(shallow_score < deep_score, "{shallow_score} vs {deep_score}");
}
