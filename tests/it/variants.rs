//! Regional vocabulary and synonyms: a word finds the articles that write
//! it the other side's way, marked as they write it; quoted text stays
//! exact; the feature turns off; the user's synonyms survive reopening.

use crate::common::{ids, index_of};

use zhsearch::analysis::{AnalyzerSettings, Synonyms};
use zhsearch::article::Article;
use zhsearch::index::SearchIndex;
use zhsearch::query::{Matching, SearchRequest, SearchResults, Snippet};

/// Pairs of the same thing in two wordings: (mainland, Simplified;
/// Taiwan or Hong Kong, as written there, in Traditional script). Several
/// differ in length.
const PAIRS: [(&str, &str); 24] = [
    ("服务器", "伺服器"),
    ("内存", "記憶體"),
    ("软件", "軟體"),
    ("程序", "程式"),
    ("默认", "預設"),
    ("用户", "使用者"),
    ("数据库", "資料庫"),
    ("网络", "網路"),
    ("视频", "影片"),
    ("出租车", "計程車"),
    ("互联网", "網際網路"),
    ("鼠标", "滑鼠"),
    ("打印机", "印表機"),
    ("光盘", "光碟"),
    ("硬盘", "硬碟"),
    ("信息", "資訊"),
    ("菜单", "選單"),
    ("屏幕", "螢幕"),
    ("字节", "位元組"),
    ("博客", "部落格"),
    ("短信", "簡訊"),
    ("笔记本电脑", "筆記型電腦"),
    ("芯片", "晶片"),
    ("对话框", "對話方塊"),
];

/// One article per wording, its word among words that no query asks for.
fn articles() -> Vec<Article> {
    let mut out = Vec::new();
    for (i, (cn, tw)) in PAIRS.iter().enumerate() {
        out.push(Article::new(format!("cn{i}"), format!("第{i}篇：今天谈谈{cn}的问题。")));
        out.push(Article::new(format!("tw{i}"), format!("第{i}篇：今天談談{tw}的問題。")));
    }
    out
}

/// The marked texts of a hit's snippets.
fn marks(snippets: &[Snippet]) -> Vec<String> {
    snippets.iter().flat_map(|s| s.highlights.iter().map(|r| s.text[r.clone()].to_owned())).collect()
}

/// 48 cases: each wording, as a query, finds the article that writes the
/// other wording, and marks the word there as that article writes it (in
/// its own script and length).
#[test]
fn each_wording_finds_the_other_and_marks_it_as_written() {
    let index = index_of(&articles());
    let mut cases = 0;
    for (i, (cn, tw)) in PAIRS.iter().enumerate() {
        for (query, other_id, written) in [(*cn, format!("tw{i}"), *tw), (*tw, format!("cn{i}"), *cn)] {
            let r = index.search(&SearchRequest::new(query).limit(10)).expect("search");
            let hit = r.hits.iter().find(|h| h.id == other_id);
            let hit = hit.unwrap_or_else(|| panic!("{query} does not find {other_id} ({written}): {:?}", ids(&r)));
            assert!(hit.full_match, "{query}: {written} is the word, in another wording");
            assert_eq!(marks(&hit.snippets), [written], "{query} in {other_id}");
            cases += 1;
        }
    }
    assert_eq!(cases, 48);
}

/// A variant inside a longer word counts too (连接 in 连接时间), and a
/// mainland word typed in Traditional script is the mainland word.
#[test]
fn variants_inside_words_and_in_either_script() {
    let index =
        index_of(&[Article::new("tw", "這台伺服器的連線時間很長。"), Article::new("cn", "这台服务器的连接时间很长。")]);
    for q in ["连接时间", "連線時間", "服務器"] {
        let r = index.search(&SearchRequest::new(q)).expect("search");
        let mut found = ids(&r);
        found.sort_unstable();
        assert_eq!(found, ["cn", "tw"], "{q}");
    }
}

/// Quoted text is exact: `"服务器"` finds 服务器 only. A word's variants
/// also leave the rest of a query's results as they were.
#[test]
fn quoted_text_is_exact_and_other_words_are_untouched() {
    let index = index_of(&articles());
    let r = index.search(&SearchRequest::new("\"服务器\"")).expect("search");
    assert_eq!(ids(&r), ["cn0"]);
    let r = index.search(&SearchRequest::new("\"伺服器\"")).expect("search");
    assert_eq!(ids(&r), ["tw0"]);
    // A word without variants scores and matches the same either way.
    let on = index.search(&SearchRequest::new("问题")).expect("search");
    let off = index.search(&SearchRequest::new("问题").variants(false)).expect("search");
    let key = |r: &SearchResults| r.hits.iter().map(|h| (h.id.clone(), h.score)).collect::<Vec<_>>();
    assert_eq!(key(&on), key(&off));
}

/// Turning variants off matches the word as written only, as before they
/// existed, under both matching strategies.
#[test]
fn variants_turn_off() {
    let index = index_of(&articles());
    for matching in [Matching::Relaxed, Matching::All] {
        let r = index.search(&SearchRequest::new("服务器").matching(matching).variants(false)).expect("search");
        assert_eq!(ids(&r), ["cn0"], "{matching:?}");
        let r = index.search(&SearchRequest::new("服务器").matching(matching)).expect("search");
        let mut found = ids(&r);
        found.sort_unstable();
        assert_eq!(found, ["cn0", "tw0"], "{matching:?}");
    }
}

/// A word with variants scores as one word whichever spelling an article
/// uses, so neither wording wins by being the query's: the two articles,
/// alike but for the word, score within a small margin of each other.
#[test]
fn a_word_and_its_variant_score_alike() {
    let index = index_of(&[
        Article::new("cn", "今天谈谈服务器的问题，服务器很重要。"),
        Article::new("tw", "今天谈谈伺服器的问题，伺服器很重要。"),
        Article::new("other", "今天谈谈别的问题。"),
    ]);
    let r = index.search(&SearchRequest::new("服务器").limit(3)).expect("search");
    let score = |id: &str| r.hits.iter().find(|h| h.id == id).map(|h| h.score).expect(id);
    let (cn, tw) = (score("cn"), score("tw"));
    assert!((cn - tw).abs() <= 0.25 * cn.max(tw), "服务器 {cn} vs 伺服器 {tw}");
    // The explanation names the expansion.
    let r = index.search(&SearchRequest::new("服务器").explain(true)).expect("search");
    let text = r.hits[0].explanation.as_ref().expect("explained").to_string();
    assert!(text.contains("word 服务器 (or 伺服器)"), "{text}");
}

/// The user's synonyms work like variants and stay with the index.
#[test]
fn synonyms_work_and_survive_reopening() {
    let dir = tempfile::tempdir().expect("tempdir");
    let articles = [Article::new("potato", "马铃薯炖牛肉。"), Article::new("tomato", "西红柿炒鸡蛋。")];
    {
        let index = SearchIndex::create(dir.path(), &AnalyzerSettings::default()).expect("create");
        let mut writer = index.writer().expect("writer");
        for a in &articles {
            writer.upsert(a).expect("upsert");
        }
        writer.commit().expect("commit");
        assert!(index.search(&SearchRequest::new("土豆")).expect("search").hits.is_empty());
        let synonyms = Synonyms::parse("土豆,马铃薯，洋芋\n番茄、西红柿\n", None).expect("parse");
        index.set_synonyms(synonyms).expect("set");
        assert_eq!(ids(&index.search(&SearchRequest::new("土豆")).expect("search")), ["potato"]);
        // Variants off still leaves the user's synonyms on.
        let r = index.search(&SearchRequest::new("番茄").variants(false)).expect("search");
        assert_eq!(ids(&r), ["tomato"]);
    }
    let index = SearchIndex::open(dir.path()).expect("open");
    assert_eq!(index.synonyms().groups().len(), 2);
    assert_eq!(ids(&index.search(&SearchRequest::new("洋芋")).expect("search")), ["potato"]);
    // They are not analyzer settings: opening with the defaults is fine.
    assert!(SearchIndex::open_with(dir.path(), &AnalyzerSettings::default()).is_ok());
    index.set_synonyms(Synonyms::default()).expect("clear");
    drop(index);
    let index = SearchIndex::open(dir.path()).expect("open");
    assert!(index.search(&SearchRequest::new("土豆")).expect("search").hits.is_empty());
}

/// Pairs left out of the table on purpose stay apart: 支持 (to support)
/// does not find 支援 (aid).
#[test]
fn pairs_left_out_stay_apart() {
    let index = index_of(&[Article::new("support", "我们支持这个计划。"), Article::new("aid", "各地支援灾区。")]);
    assert_eq!(ids(&index.search(&SearchRequest::new("支持")).expect("search")), ["support"]);
    assert_eq!(ids(&index.search(&SearchRequest::new("支援")).expect("search")), ["aid"]);
}

/// A variant counts only where the document has it as a word: 的士, the
/// Hong Kong word for 出租车, is read across 的 and 士兵 in 勇敢的士兵, and
/// that article is no match for 计程车 (it was a full match). Where the
/// query has other words the article may still match by them; the variant
/// then adds nothing, says so in the explanation, and the parts still add
/// up to the score.
#[test]
fn a_variant_counts_only_where_it_is_a_word() {
    let index = crate::common::index_of_bodies(&[
        ("soldier", "一名勇敢的士兵守护着边疆的哨所"),
        ("taxi", "乘坐出租车去机场"),
        ("tw", "搭計程車去機場"),
        ("hk", "坐的士去機場"),
        ("other", "今天天气很好"),
    ]);
    let r = index.search(&SearchRequest::new("计程车")).expect("search");
    let mut found = ids(&r);
    found.sort_unstable();
    assert_eq!(found, ["hk", "taxi", "tw"]);
    assert_eq!((r.total, r.full_matches), (3, 3));
    // Under date orders too.
    let r = index.search(&SearchRequest::new("计程车").sort(zhsearch::query::Sort::Newest)).expect("search");
    assert_eq!(r.total, 3, "{:?}", ids(&r));
    assert!(!ids(&r).contains(&"soldier"));

    let r = index.search(&SearchRequest::new("勇敢的计程车").explain(true)).expect("search");
    let soldier = r.hits.iter().find(|h| h.id == "soldier").expect("勇敢 still matches");
    assert!(!soldier.full_match);
    let explanation = soldier.explanation.as_ref().expect("explained");
    let text = format!("{explanation:?}");
    assert!(text.contains("found only across word boundaries, not counted"), "{text}");
    assert!((explanation.value - soldier.score).abs() < 1e-3, "{} vs {}", explanation.value, soldier.score);
    let parts: f32 = explanation.details.iter().map(|d| d.value).sum();
    assert!((parts - explanation.value).abs() < 1e-3, "{parts} vs {}", explanation.value);
    // Its snippet marks 勇敢, and not the 士 of 士兵.
    let marked: Vec<String> = marks(&soldier.snippets);
    assert!(marked.iter().any(|m| m.contains("勇敢")), "{marked:?}");
    assert!(!marked.iter().any(|m| m.contains('士')), "{marked:?}");
    // Where the variant is a word, it is marked.
    let r = index.search(&SearchRequest::new("计程车")).expect("search");
    let hk = r.hits.iter().find(|h| h.id == "hk").expect("的士 is a word there");
    assert!(marks(&hk.snippets).iter().any(|m| m.contains("的士")), "{:?}", marks(&hk.snippets));
}

/// The words that the two sides write differently and OpenCC's tables
/// lack (zhsearch's own lists, software and news): each finds the other.
#[test]
fn software_words_find_the_other_sides_wording() {
    let pairs = [
        ("替换", "取代"),
        ("本地", "本機"),
        ("现有", "既有"),
        ("工具栏", "工具列"),
        ("模板", "範本"),
        ("悉尼", "雪梨"),
    ];
    let analyzer = zhsearch::analysis::Analyzer::new().expect("analyzer");
    let variants = analyzer.variants();
    for (mainland, taiwan) in pairs {
        let folded = analyzer.fold(taiwan);
        assert!(variants.of(mainland).contains(&folded), "{mainland} → {:?}", variants.of(mainland));
        assert!(variants.of(&folded).iter().any(|v| v == mainland), "{taiwan} → {:?}", variants.of(&folded));
    }
}

/// A word found only in another spelling stands for the characters that
/// spelling lacks in the matching share: `是否要替换现有文件夹` has 3 of its
/// 10 characters in `您想要取代既有的資料夾` (4 needed), and 替换, 现有 and
/// 文件夹 in the other side's words: 取代 stands for 替 and 换, 既有 for
/// 现 (it has 有), 資料夾 for 文 and 件 (it has 夾), 8 in all. Without
/// that, the message that says the same thing was no match at all.
#[test]
fn a_word_in_another_spelling_counts_for_its_characters() {
    let index = crate::common::index_of_bodies(&[
        ("replace", "您想要取代既有的資料夾"),
        ("save", "要儲存這個檔案嗎"),
        ("exists", "資料已經存在"),
        ("quit", "您要結束嗎"),
        ("mail", "有新的郵件"),
        ("error", "有錯誤發生了"),
        ("clip", "用夾子夾住"),
        ("go-on", "是否繼續"),
        ("all", "全部替換"),
        ("now", "現在開始"),
        ("doc", "文件已修改"),
    ]);
    let r = index.search(&SearchRequest::new("是否要替换现有文件夹").explain(true)).expect("search");
    assert_eq!(ids(&r).first(), Some(&"replace"), "{:?}", ids(&r));
    let explained = format!("{:?}", r.hits[0].explanation);
    assert!(explained.contains("value: 8.0, description: \"units of matching present, of 10"), "{explained}");
    // Not without the variants: then only the characters count.
    let r = index.search(&SearchRequest::new("是否要替换现有文件夹").variants(false)).expect("search");
    assert!(!ids(&r).contains(&"replace"), "{:?}", ids(&r));
    // A variant found across word boundaries stands for nothing: 的士 in
    // 的士兵 does not make the soldier a match for 计程车's characters.
    let index = crate::common::index_of_bodies(&[
        ("soldier", "一名勇敢的士兵守护着边疆的哨所"),
        ("taxi", "乘坐出租车去机场"),
        ("other", "今天天气很好"),
    ]);
    let r = index.search(&SearchRequest::new("我想坐计程车")).expect("search");
    assert_eq!(ids(&r), ["taxi"], "{:?}", ids(&r));
}

/// A news archive across the strait: names written the other side's way
/// are found, and marked as the article writes them.
#[test]
fn names_are_found_in_the_other_sides_transliteration() {
    let index = crate::common::index_of_bodies(&[
        ("tw", "歐巴馬抵達雪梨，與澳洲總理會談。"),
        ("cn", "特朗普在白宫会见记者。"),
        ("other", "今天天气很好"),
    ]);
    let r = index.search(&SearchRequest::new("奥巴马访问悉尼")).expect("search");
    assert_eq!(ids(&r).first(), Some(&"tw"), "{:?}", ids(&r));
    let marked = marks(&r.hits[0].snippets);
    assert!(marked.iter().any(|m| m.contains("歐巴馬")), "{marked:?}");
    let r = index.search(&SearchRequest::new("川普")).expect("search");
    assert_eq!(ids(&r), ["cn"]);
}
