//! What the user means: pinyin queries, homophone corrections and
//! suggestions, on small fixtures (the cases of the design).

use proptest::prelude::*;
use zhsearch::analysis::pinyin::{Lexicon, Slot};
use zhsearch::article::Article;
use zhsearch::index::SearchIndex;
use zhsearch::query::{SearchRequest, SearchResults, SnippetField};

use crate::common::{ids, index_of};

fn doc(id: &str, title: &str, body: &str) -> Article {
    let mut a = Article::new(id, body);
    a.title = Some(title.into());
    a
}

fn fixtures() -> SearchIndex {
    index_of(&[
        doc("beijing", "北京天气", "北京今天天气晴朗，适合出行。"),
        doc("bank", "银行利率", "多家银行下调存款利率。"),
        doc("chengdu", "成都美食", "成都的火锅和小吃很有名。"),
        doc("xian", "西安古城", "西安的城墙保存完好，游客很多。"),
        doc("first", "先来后到", "排队要讲先来后到的规矩。"),
        doc("liu", "刘德华演唱会", "刘德华在香港举行演唱会。"),
        doc("shi", "石朝红的新书", "石朝红出版了一本新书。"),
        doc("jingdian", "旅游景点", "这个景点风景优美。"),
        doc("jingdian2", "经典电影", "这部经典电影值得一看。"),
        doc("jd", "京东购物", "在京东买了一台电脑。"),
        doc("glider", "hang glider", "A hang glider flew over the hills."),
        doc("xing", "行走", "他每天步行上班，行走很快。"),
        doc("sanction", "制裁措施", "多国宣布对该公司实施制裁。"),
        doc("zy1", "张芸的日记", "张芸今天写了日记。"),
        doc("zy2", "张云的画", "张云画了一幅画。张云很有名。"),
        doc("zy3", "张云再访", "张云又来了。"),
        doc("tuopin", "脱贫攻坚", "脱贫攻坚取得决定性胜利。"),
        doc("pinkun", "贫困县摘帽", "贫困县全部摘帽。"),
    ])
}

fn search(index: &SearchIndex, q: &str) -> SearchResults {
    index.search(&SearchRequest::new(q)).expect("search")
}

/// The marked title of a hit, `【…】` around each mark.
fn marked_title(results: &SearchResults, id: &str) -> String {
    results
        .hits
        .iter()
        .find(|h| h.id == id)
        .and_then(|h| h.snippets.iter().find(|s| s.field == SnippetField::Title))
        .map(|s| s.marked("【", "】"))
        .unwrap_or_default()
}

#[test]
fn pinyin_in_every_form_finds_the_word_and_marks_it() {
    let index = fixtures();
    for q in ["beijing", "bei jing", "bj", "北jing", "bei京", "BeiJing"] {
        let results = search(&index, q);
        assert_eq!(ids(&results).first(), Some(&"beijing"), "{q}: {:?}", ids(&results));
        assert!(marked_title(&results, "beijing").contains("【北京】"), "{q}: {}", marked_title(&results, "beijing"));
    }
}

#[test]
fn polyphones_count_every_reading() {
    let index = fixtures();
    assert_eq!(ids(&search(&index, "yinhang")).first(), Some(&"bank"));
    assert_eq!(ids(&search(&index, "chengdu")).first(), Some(&"chengdu"));
}

#[test]
fn every_split_is_tried_and_an_apostrophe_splits() {
    let index = fixtures();
    assert!(ids(&search(&index, "xian")).contains(&"xian"), "xian reads as 西安 too");
    let results = search(&index, "xi'an");
    assert!(ids(&results).contains(&"xian"));
    assert!(!ids(&results).contains(&"first"), "xi'an is not 先: {:?}", ids(&results));
}

#[test]
fn a_mix_with_han_characters_keeps_them() {
    let index = fixtures();
    let results = search(&index, "刘德hua");
    assert_eq!(ids(&results).first(), Some(&"liu"));
    assert!(!ids(&results).contains(&"shi"), "石朝红 is not 刘德华: {:?}", ids(&results));
}

#[test]
fn capitals_beside_han_text_are_written_as_meant() {
    let index = fixtures();
    // In lower case, `bj` beside Han text is pinyin for 北京; in capitals
    // it is a name or a code as written (a headline's `DC`, `A股`).
    assert!(ids(&search(&index, "美食 bj")).contains(&"beijing"), "{:?}", ids(&search(&index, "美食 bj")));
    let results = search(&index, "美食 BJ");
    assert!(ids(&results).contains(&"chengdu"));
    assert!(!ids(&results).contains(&"beijing"), "BJ is not read: {:?}", ids(&results));
    // Letters alone that the index does not have as written are still
    // read, in any case.
    assert_eq!(ids(&search(&index, "BJ")).first(), Some(&"beijing"));
}

#[test]
fn an_acronym_in_capitals_that_the_index_has_is_not_read() {
    // The poem is short, so its 年半 (nian ban, `n ba…`) would outscore the
    // longer article's NBA by BM25's length normalization.
    let index = index_of(&[
        doc("poem", "秋夜", "终年半是吟。"),
        doc("nba", "篮球新闻", "NBA总决赛今天开打，两支球队实力接近，球迷期待一场精彩的比赛，门票早已售罄。"),
    ]);
    let results = search(&index, "NBA");
    assert_eq!(ids(&results), ["nba"], "NBA is written as meant");
    // In lower case it is also pinyin, the literal match still counted.
    let results = search(&index, "nba");
    assert!(ids(&results).contains(&"nba") && ids(&results).contains(&"poem"), "{:?}", ids(&results));
    // Capitals the index does not have are read: a caps-lock `XIAN`.
    assert!(ids(&search(&fixtures(), "XIAN")).contains(&"xian"));
}

#[test]
fn an_acronym_in_lower_case_beside_han_text_is_taken_as_written() {
    let index = index_of(&[
        doc("gdp", "经济数据", "今年一季度GDP增长百分之七，高于预期，消费和投资都在回升，出口也好于去年同期。"),
        doc("name", "郭东坡", "郭东坡增长见识。"),
        doc("liu", "刘德华演唱会", "刘德华在香港举行演唱会。"),
        doc("dh", "型号", "这台机器的型号是DH，产自德国。"),
    ]);
    // gdp needs initials to be read (g d p: 郭东坡), and the index has it.
    let results = search(&index, "gdp增长");
    assert_eq!(ids(&results).first(), Some(&"gdp"), "{:?}", ids(&results));
    let results = search(&index, "gdp 增长");
    assert_eq!(ids(&results).first(), Some(&"gdp"), "{:?}", ids(&results));
    // dh is in the index too, but 刘dh reads as one word with the 刘
    // typed with it: pinyin typed into a word, as an input method takes it.
    let results = search(&index, "刘dh");
    assert_eq!(ids(&results).first(), Some(&"liu"), "{:?}", ids(&results));
    // Alone, lower-case letters are still read as well (`bj`, `crys`).
    assert!(ids(&search(&index, "gdp")).contains(&"name"), "{:?}", ids(&search(&index, "gdp")));
}

#[test]
fn han_queries_never_match_by_sound() {
    let index = fixtures();
    assert_eq!(ids(&search(&index, "景点")), ["jingdian"]);
    let results = search(&index, "懂");
    assert_eq!(results.total, 0, "懂 is not 东: {:?}", ids(&results));
    assert!(results.corrected_to.is_none());
}

#[test]
fn a_latin_word_the_index_has_keeps_its_literal_match_first() {
    let index = fixtures();
    let results = search(&index, "hang");
    assert_eq!(ids(&results).first(), Some(&"glider"), "{:?}", ids(&results));
}

#[test]
fn pinyin_can_be_turned_off() {
    let index = fixtures();
    let results = index.search(&SearchRequest::new("beijing").pinyin(false)).expect("search");
    assert_eq!(results.total, 0, "{:?}", ids(&results));
}

#[test]
fn the_explanation_shows_the_reading() {
    let index = fixtures();
    let results = index.search(&SearchRequest::new("yinhang").explain(true)).expect("search");
    let text = results.hits[0].explanation.as_ref().expect("explained").to_string();
    assert!(text.contains("银行 read yin hang"), "{text}");
}

#[test]
fn a_homophone_typo_is_corrected() {
    let index = fixtures();
    let results = search(&index, "制才");
    assert_eq!(results.did_you_mean.first().map(String::as_str), Some("制裁"), "{:?}", results.did_you_mean);
    assert_eq!(results.corrected_to.as_deref(), Some("制裁"));
    assert_eq!(ids(&results).first(), Some(&"sanction"));
    let json = serde_json::to_value(&results).expect("json");
    assert_eq!(json["corrected_to"], "制裁");
    assert_eq!(json["did_you_mean"][0], "制裁");
    // Off: nothing is corrected.
    let results = index.search(&SearchRequest::new("制才").typos(false)).expect("search");
    assert!(results.did_you_mean.is_empty() && results.corrected_to.is_none());
}

#[test]
fn a_word_the_index_has_is_never_corrected() {
    let index = fixtures();
    let results = search(&index, "张芸");
    assert!(results.did_you_mean.is_empty(), "{:?}", results.did_you_mean);
    assert_eq!(ids(&results).first(), Some(&"zy1"));
}

#[test]
fn pinyin_that_spells_a_whole_title_finds_that_page_first() {
    // The longer title has the word in its title and more often in its
    // body; the page meant is the one whose whole title the pinyin spells,
    // as a title typed in Han characters finds its page first.
    let index = index_of(&[
        doc("functions", "资讯函式", "资讯函式传回资讯：资讯类型、资讯内容与资讯格式。"),
        doc("info", "资讯", "本页说明这个对话方块。"),
        doc("sources", "资料来源", "选取一个来源。"),
        doc("pick", "选取资料来源", "选取资料来源：从资料来源清单选取资料来源。"),
    ]);
    for (q, want) in
        [("zixun", "info"), ("zi xun", "info"), ("zx", "info"), ("资xun", "info"), ("ziliaolaiyuan", "sources")]
    {
        let results = search(&index, q);
        assert_eq!(ids(&results).first(), Some(&want), "{q}: {:?}", ids(&results));
    }
    // Typed as written, the same order: the rule is the title's.
    assert_eq!(ids(&search(&index, "资讯")).first(), Some(&"info"));
}

#[test]
fn a_whole_headline_typed_in_pinyin_in_one_go_finds_it() {
    // 17 syllables, 64 letters: more than a clause is read as at once, so
    // it is cut into syllables as if typed apart.
    let index = index_of(&[
        doc("chen", "陈冠希即将离开香港自称尚不计划复出", "陈冠希即将离开香港。"),
        doc("hk", "香港复出计划", "香港的计划。"),
        doc("other", "自称尚不离开", "即将复出。"),
    ]);
    let full = "chenguanxijijianglikaixianggangzichengshangbujihuafuchu";
    for q in [full.to_owned(), format!("陈{}", &full[4..]), full.to_uppercase()] {
        let results = search(&index, &q);
        assert_eq!(ids(&results).first(), Some(&"chen"), "{q}: {:?}", ids(&results));
    }
    // A long run that is not all syllables stays a word as typed.
    assert!(search(&index, "chenguanxijijianglikaixianggangzichengshangbujihuafuchux").hits.is_empty());
}

#[test]
fn a_whole_headline_typed_as_initials_finds_it() {
    // 18 initials: the characters typed, not the digits and brackets.
    let index = index_of(&[
        doc("chen", "陈冠希即将离开香港 自称尚不计划复出(组图)", "陈冠希即将离开香港。"),
        doc("hk", "香港复出计划", "香港的计划。"),
        doc("boy", "12岁少年自家26楼坠亡", "少年坠亡。"),
    ]);
    for (q, want) in [("cgxjjlkxgzcsbjhfczt", "chen"), ("ssnzjlzw", "boy")] {
        let results = search(&index, q);
        assert_eq!(ids(&results).first(), Some(&want), "{q}: {:?}", ids(&results));
    }
}

#[test]
fn user_words_are_read_suggested_and_corrected_like_jieba_words() {
    // 岚图 (a car maker) is no word of jieba's dictionary; as a user word
    // it is a word pinyin, suggestions and corrections can propose.
    let bodies = [("a", "岚图汽车发布新车。"), ("b", "岚图的销量上涨。"), ("c", "岚图门店开业。"), ("d", "天气晴朗。")];
    let build = |words: &[&str]| {
        let analyzer =
            zhsearch::analysis::Analyzer::builder().user_words(words.iter().copied()).build().expect("analyzer");
        let index = SearchIndex::in_memory(analyzer.settings()).expect("index");
        let mut writer = index.writer().expect("writer");
        for (id, body) in bodies {
            writer.upsert(&Article::new(id, body)).expect("upsert");
        }
        writer.commit().expect("commit");
        index
    };
    let texts = |index: &SearchIndex, prefix: &str| -> Vec<String> {
        index.suggest(prefix, 10).expect("suggest").into_iter().map(|s| s.text).collect()
    };
    let with = build(&["岚图"]);
    assert!(texts(&with, "lant").contains(&"岚图".to_string()), "{:?}", texts(&with, "lant"));
    assert!(ids(&search(&with, "lantu")).len() >= 3, "{:?}", ids(&search(&with, "lantu")));
    assert_eq!(search(&with, "岚涂").did_you_mean.first().map(String::as_str), Some("岚图"));
    // Without the user word, jieba's dictionary has no 岚图.
    let without = build(&[]);
    assert!(!texts(&without, "lant").contains(&"岚图".to_string()));
    assert!(!search(&without, "岚涂").did_you_mean.iter().any(|d| d == "岚图"));
}

/// Typos jieba cuts into known words, or that the index has only across
/// words, with the words they stand for in more documents.
fn typo_fixtures() -> SearchIndex {
    index_of(&[
        doc("t1", "词汇表", "本页列出常用的词汇表。"),
        doc("t2", "具有模组化结构", "程式具有模组化结构。"),
        doc("t3", "数值函式", "传回数值。"),
        doc("t4", "数值格式", "设定数值的格式。"),
        doc("t5", "数值色彩", "以色彩标明数值。"),
        doc("t6", "函数之一", "求和是函数之一。"),
        doc("t7", "包含文字", "储存格包含文字。"),
        doc("t8", "符合条件", "找出符合条件的列。"),
    ])
}

#[test]
fn a_typo_cut_into_known_words_is_corrected() {
    let index = typo_fixtures();
    // jieba cuts 词汇标 into 词汇 + 标 and 具又 into 具 + 又: every word is
    // a word of the index, and yet the text is a wrong pick.
    for (typo, meant) in [("词汇标", "词汇表"), ("具又", "具有")] {
        let results = search(&index, typo);
        assert_eq!(results.did_you_mean.first().map(String::as_str), Some(meant), "{typo}: {:?}", results.did_you_mean);
    }
    // Inside a longer clause, only where the index has the correction in
    // the run's context: 的词汇表 is in an article, 词汇表模 in none.
    let results = search(&index, "常用的词汇标");
    assert_eq!(results.did_you_mean.first().map(String::as_str), Some("常用的词汇表"), "{:?}", results.did_you_mean);
    assert!(search(&index, "词汇标模组化结构").did_you_mean.is_empty());
}

#[test]
fn a_typo_the_index_has_only_across_words_is_corrected_toward_the_commoner_word() {
    let index = typo_fixtures();
    // 数之 is in 函数之一 (函数 + 之一), one document; 数值 in three.
    let results = search(&index, "数之");
    assert_eq!(results.did_you_mean.first().map(String::as_str), Some("数值"), "{:?}", results.did_you_mean);
    // Not when the word meant is no commoner than the text as typed.
    let index = index_of(&[doc("a", "函数之一", "求和是函数之一。"), doc("b", "数值", "传回数值。")]);
    assert!(search(&index, "数之").did_you_mean.is_empty());
}

#[test]
fn a_wrong_pick_inside_a_word_the_dictionary_lacks_is_corrected() {
    // 工作表, 连字符 and 储存格 are the help's words, not jieba's: no word of
    // the dictionary sounds like 工做表 whole, but 工做 sounds like 工作,
    // and the index has 工作表.
    let index = index_of(&[
        doc("a", "工作表", "插入新的工作表。"),
        doc("b", "复制工作表", "复制目前的工作表。"),
        doc("c", "连字符", "在行尾插入连字符。"),
        doc("d", "选择连字符", "选择自动连字符。"),
        doc("e", "储存格保护", "保护储存格的内容。"),
        doc("f", "合并储存格", "合并选取的储存格。"),
        doc("g", "世姐", "世姐总决赛在三亚举行。"),
        doc("h", "世界", "世界各地的游客。"),
        doc("i", "世界杯", "世界杯开幕。"),
    ]);
    for (typo, meant) in [("工做表", "工作表"), ("连字副", "连字符"), ("储村格保护", "储存格保护")]
    {
        let results = search(&index, typo);
        assert_eq!(results.did_you_mean.first().map(String::as_str), Some(meant), "{typo}: {:?}", results.did_you_mean);
    }
    // A pair that the index has, alone (世姐, Miss World), is its own word.
    assert!(search(&index, "世姐").did_you_mean.is_empty(), "{:?}", search(&index, "世姐").did_you_mean);
    // The correction replaces the pair where it was found, with its
    // neighbours: 字副 is also in 文字副本, which stays.
    let results = search(&index, "文字副本插入连字副");
    assert_eq!(
        results.did_you_mean.first().map(String::as_str),
        Some("文字副本插入连字符"),
        "{:?}",
        results.did_you_mean
    );
    // In a sentence too.
    let results = search(&index, "请在目前的工做表插入一个新列");
    assert_eq!(
        results.did_you_mean.first().map(String::as_str),
        Some("请在目前的工作表插入一个新列"),
        "{:?}",
        results.did_you_mean
    );
    // But not a word the index has, however common its homophone: 弃用
    // (deprecated) is no slip for 启用 (enabled).
    let index = index_of(&[
        doc("a", "弃用", "此选项已弃用。"),
        doc("b", "启用", "在版本中启用不再提示。"),
        doc("c", "启用", "在设定中启用不同的选项。"),
        doc("d", "启用", "在版本中启用不少功能。"),
    ]);
    let results = search(&index, "该键已在新的版本中弃用不应再使用");
    assert!(results.did_you_mean.is_empty(), "{:?}", results.did_you_mean);
}

#[test]
fn a_guessed_word_in_a_sentence_is_corrected_only_in_context() {
    let index = index_of(&[
        doc("a", "助理出席", "总经理助理出席会议。"),
        doc("b", "助理发言", "助理在会上发言。"),
        doc("c", "制裁措施", "多国宣布对该公司实施经济制裁。"),
    ]);
    // 朱莉 (a name jieba guesses) typed alone sounds like 助理, which
    // articles have; in 朱莉复古发型 it is left alone: no article has
    // 助理 beside 复.
    assert_eq!(search(&index, "朱莉").did_you_mean.first().map(String::as_str), Some("助理"));
    assert!(
        search(&index, "朱莉复古发型").did_you_mean.is_empty(),
        "{:?}",
        search(&index, "朱莉复古发型").did_you_mean
    );
    // A typo whose correction the index has in place is corrected.
    let results = search(&index, "实施经济制才");
    assert_eq!(results.did_you_mean.first().map(String::as_str), Some("实施经济制裁"), "{:?}", results.did_you_mean);
}

#[test]
fn archaic_readings_do_not_suggest() {
    // pinyin-data also reads 包 as `fu` (an archaic reading): `fuh` is
    // 符合, never 包含, though the index has both.
    let index = typo_fixtures();
    let texts: Vec<String> = index.suggest("fuh", 10).expect("suggest").into_iter().map(|s| s.text).collect();
    assert!(texts.iter().any(|t| t == "符合"), "{texts:?}");
    assert!(!texts.iter().any(|t| t.starts_with('包')), "{texts:?}");
}

#[test]
fn suggestions_complete_han_pinyin_initials_and_mixes() {
    let index = fixtures();
    let texts =
        |p: &str| -> Vec<String> { index.suggest(p, 10).expect("suggest").into_iter().map(|s| s.text).collect() };
    for prefix in ["脱贫", "tuopin", "tpgj", "脱pin"] {
        assert!(texts(prefix).contains(&"脱贫攻坚".to_string()), "{prefix}: {:?}", texts(prefix));
    }
    assert!(texts("貧困").contains(&"贫困县".to_string()), "{:?}", texts("貧困"));
    let shorter = texts("tuopi");
    for s in texts("tuopin") {
        assert!(shorter.contains(&s), "{s} is not among {shorter:?}");
    }
    assert!(texts("").is_empty());
    let suggestions = index.suggest("脱贫", 10).expect("suggest");
    assert!(suggestions.iter().all(|s| s.docs > 0));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// A query of Han characters whose words the index has is untouched
    /// by pinyin and typos: the same hits, the same scores.
    #[test]
    fn han_queries_of_indexed_words_are_untouched(pick in proptest::collection::vec(0usize..8, 1..4)) {
        let words = ["北京", "天气", "银行", "利率", "成都", "美食", "脱贫", "攻坚"];
        let index = fixtures();
        let q: Vec<&str> = pick.iter().map(|&i| words[i]).collect();
        let q = q.join(" ");
        let on = index.search(&SearchRequest::new(q.clone())).expect("search");
        let off = index.search(&SearchRequest::new(q.clone()).pinyin(false).typos(false)).expect("search");
        prop_assert_eq!(on, off);
    }

    /// A run of syllables typed in one go is cut into syllables that
    /// spell it, no more of them than were typed, one syllable a piece;
    /// any other text is cut or not, and never panics.
    #[test]
    fn a_cut_into_syllables_spells_the_run(
        typed in proptest::collection::vec(0usize..12, 1..30),
        noise in "[a-zA-Z'北]{0,80}",
    ) {
        let syllables = ["zhong", "guo", "xi", "an", "bei", "jing", "a", "e", "er", "shuang", "lve", "ang"];
        let run: String = typed.iter().map(|&i| syllables[i]).collect();
        let pieces = zhsearch::analysis::pinyin::split_syllables(&run);
        prop_assert!(pieces.as_ref().is_some_and(|p| p.len() <= typed.len()), "{} → {:?}", run, pieces);
        let _ = zhsearch::analysis::pinyin::split_syllables(&noise);
        if let Some(pieces) = pieces {
            prop_assert_eq!(pieces.concat(), run.to_ascii_lowercase());
            for p in &pieces {
                prop_assert_eq!(zhsearch::analysis::pinyin::read(p, false).first().map(Vec::len), Some(1), "{}", p);
            }
        }
    }

    /// A longer prefix never has more suggestions, and each is among the
    /// shorter prefix's.
    #[test]
    fn suggestions_never_grow_as_the_prefix_grows(k in 0usize..8, which in 0usize..4) {
        let prefix = ["tuopingongjian", "beijingtianqi", "脱贫攻坚", "yinhanglilv"][which];
        let cut = |n: usize| -> String { prefix.chars().take(n).collect() };
        let index = fixtures();
        // From three letters (or characters) on: a prefix of one or two
        // letters is completed from the most common words only (see
        // `suggest`), so its suggestions are not all of its completions.
        let n = (k + 3).min(prefix.chars().count() - 1);
        let shorter: Vec<String> = index.suggest(&cut(n), 100).expect("suggest").into_iter().map(|s| s.text).collect();
        let longer: Vec<String> = index.suggest(&cut(n + 1), 100).expect("suggest").into_iter().map(|s| s.text).collect();
        prop_assert!(longer.len() <= shorter.len(), "{:?} → {:?}", shorter, longer);
        for s in &longer {
            prop_assert!(shorter.contains(s), "{} not among {:?}", s, shorter);
        }
    }
}

/// A query in initials may stand for a whole title of the index: `crys`
/// finds the page titled 插入頁首. Initials fit too many pairs of words
/// for a cut to find it: here nine words that fit `cr` and nine that fit
/// `ys` are each in more documents than 插入 and 页首, and fill the cut's
/// alternatives.
/// A title whose first word no dictionary ranks high (巨集, a Taiwan
/// word for macro) is found through the index's own titles by initials;
/// a syllable without an initial is typed as its vowel (安 as `a`, 案 as
/// `a`), once among initials. A title added in a later commit (a new
/// segment) is found too.
#[test]
fn initials_find_titles_whatever_word_they_start_with() {
    let mut articles = vec![
        doc("macro", "巨集安全性", "設定巨集的安全層級。"),
        doc("files", "開啟和關閉檔案", "如何開啟與關閉文件。"),
    ];
    // Documents with the dictionary's commonest words for the first
    // initials: they fill the pool of first words a title is otherwise
    // looked up by.
    let lexicon = Lexicon::get();
    let initial = |s: &str| Slot::Initial(s.to_owned());
    let mut decoys: Vec<&str> = Vec::new();
    for first in
        [vec![initial("j"), initial("j")], vec![initial("j")], vec![initial("s"), initial("n")], vec![initial("s")]]
    {
        decoys.extend(lexicon.fitting(&first, 80).into_iter().filter(|w| !"巨集樞紐".contains(*w)));
    }
    for (i, words) in decoys.chunks(8).enumerate() {
        articles.push(Article::new(format!("decoy{i}"), format!("{}。", words.join("，"))));
    }
    let index = index_of(&articles);
    for (q, id) in [("jjaqx", "macro"), ("kqhgbda", "files")] {
        let results = search(&index, q);
        assert_eq!(ids(&results).first(), Some(&id), "{q}: {:?}", ids(&results));
    }
    let mut writer = index.writer().expect("writer");
    writer.upsert(&doc("later", "樞紐分析表", "以樞紐分析表彙總資料。")).expect("upsert");
    writer.commit().expect("commit");
    let results = search(&index, "snfxb");
    assert_eq!(ids(&results).first(), Some(&"later"), "{:?}", ids(&results));
    assert!(marked_title(&results, "later").contains("【樞紐分析表】"), "{}", marked_title(&results, "later"));
}

#[test]
fn initials_find_a_whole_title() {
    let cr = ["成人", "承认", "出任", "出入", "传入", "从容", "超人", "传染", "出让"];
    let ys = ["意识", "医生", "艺术", "有时", "一声", "已是", "运输", "应收", "原始"];
    let mut articles = vec![doc("header", "插入頁首", "在文件的每一頁頂端加上頁首。")];
    for (i, (a, b)) in cr.iter().zip(&ys).enumerate() {
        for copy in 0..2 {
            articles.push(Article::new(format!("decoy{i}-{copy}"), format!("{a}和{b}。")));
        }
    }
    let index = index_of(&articles);
    let results = search(&index, "crys");
    assert_eq!(ids(&results).first(), Some(&"header"), "{:?}", ids(&results));
    assert!(marked_title(&results, "header").contains("【插入頁首】"), "{}", marked_title(&results, "header"));
}
