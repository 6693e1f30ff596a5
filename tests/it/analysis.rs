//! The analysis pipeline, input by input: token text, original byte range, position.

use std::sync::OnceLock;

use tantivy::tokenizer::{TextAnalyzer, TokenStream};
use zhsearch::analysis::convert::Converter;
use zhsearch::analysis::{Analyzer, Token, UserWord};

type Expected<'a> = &'a [(&'a str, usize, usize, usize)];

fn analyzer() -> &'static Analyzer {
    static A: OnceLock<Analyzer> = OnceLock::new();
    A.get_or_init(|| Analyzer::new().expect("analyzer builds"))
}

/// One line per token: (text, offset_from, offset_to, position), and the
/// original text under the offsets must be what the token was made from.
fn assert_tokens(input: &str, actual: &[Token], expected: Expected) {
    let got: Vec<(&str, usize, usize, usize)> =
        actual.iter().map(|t| (t.text.as_str(), t.offset_from, t.offset_to, t.position)).collect();
    assert_eq!(got, expected, "tokens of {input:?}");
    for t in actual {
        assert!(input.get(t.offset_from..t.offset_to).is_some(), "{t:?} is not a char range of {input:?}");
    }
}

fn seed(name: &str) -> String {
    let path = format!("{}/data/sample/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

const SEEDS: [&str; 5] = [
    "000_86cdd5f9022c1b0d.txt",
    "001_a49f7d84708cdff5.txt",
    "002_fca2d5a61c11e164.txt",
    "003_0db2dff2ff72df16.txt",
    "004_b2ed68b430d736ac.txt",
];

#[test]
fn word_tokens() {
    let cases: &[(&str, Expected)] = &[
        // Seed 000's title, Traditional: Simplified text, Traditional offsets.
        ("貧困縣逐一清零", &[("贫困", 0, 6, 0), ("贫困县", 0, 9, 0), ("逐一", 9, 15, 3), ("清零", 15, 21, 5)]),
        ("贫困县逐一清零", &[("贫困", 0, 6, 0), ("贫困县", 0, 9, 0), ("逐一", 9, 15, 3), ("清零", 15, 21, 5)]),
        // Search mode: the words inside 攻坚战 share its position.
        ("打贏脫貧攻堅戰", &[("打赢", 0, 6, 0), ("脱贫", 6, 12, 2), ("攻坚", 12, 18, 4), ("攻坚战", 12, 21, 4)]),
        // Seed 001's title; the comma is a separator and takes position 2.
        (
            "东西部协作,干部交流激活了什么",
            &[
                ("东西", 0, 6, 0),
                ("东西部", 0, 9, 0),
                ("西部", 3, 9, 1),
                ("协作", 9, 15, 3),
                ("干部", 16, 22, 6),
                ("交流", 22, 28, 8),
                ("激活", 28, 34, 10),
                ("了", 34, 37, 12),
                ("什么", 37, 43, 13),
            ],
        ),
        // Latin lowercased and whole, decimals whole, % dropped.
        (
            "A股对H股折价1.95%",
            &[
                ("a", 0, 1, 0),
                ("股对", 1, 7, 1),
                ("h", 7, 8, 3),
                ("股", 8, 11, 4),
                ("折价", 11, 17, 5),
                ("1.95", 17, 21, 7),
            ],
        ),
        // Full-width digits and letters fold; offsets stay on the full-width text.
        ("１９９８年，ＡＢＣ公司", &[("1998", 0, 12, 0), ("年", 12, 15, 4), ("abc", 18, 27, 6), ("公司", 27, 33, 9)]),
        // OpenCC in context: 乾隆 stays, 乾燥 becomes 干燥.
        (
            "乾隆年間氣候乾燥",
            &[("乾隆", 0, 6, 0), ("乾隆年间", 0, 12, 0), ("年间", 6, 12, 2), ("气候", 12, 18, 4), ("干燥", 18, 24, 6)],
        ),
        ("脱贫，攻坚", &[("脱贫", 0, 6, 0), ("攻坚", 9, 15, 3)]),
        // A combining accent stays with its letter, inside a Han run too.
        ("的Ame\u{301}lie很", &[("的", 0, 3, 0), ("ame\u{301}lie", 3, 11, 1), ("很", 11, 14, 8)]),
        ("Ame\u{301}lie", &[("ame\u{301}lie", 0, 8, 0)]),
        // Traditional 乾縣 and Simplified 乾县 meet at 干县 (OpenCC t2s is
        // not idempotent; conversion runs until it settles).
        ("乾縣", &[("干县", 0, 6, 0)]),
        ("乾县", &[("干县", 0, 6, 0)]),
        ("covid-19", &[("covid", 0, 5, 0), ("19", 6, 8, 6)]),
        ("", &[]),
        ("，。！？…… \n\t", &[]),
        ("😀😀", &[]),
    ];
    for (input, expected) in cases {
        assert_tokens(input, &analyzer().analyze(input), expected);
    }
}

#[test]
fn char_tokens() {
    let cases: &[(&str, Expected)] = &[
        // Every character, and at its position the bigram where it and the
        // next form a dictionary word (贫困, 逐一, 清零; not 困县, 县逐, 一清).
        (
            "貧困縣逐一清零",
            &[
                ("贫", 0, 3, 0),
                ("贫困", 0, 6, 0),
                ("困", 3, 6, 1),
                ("县", 6, 9, 2),
                ("逐", 9, 12, 3),
                ("逐一", 9, 15, 3),
                ("一", 12, 15, 4),
                ("清", 15, 18, 5),
                ("清零", 15, 21, 5),
                ("零", 18, 21, 6),
            ],
        ),
        // A separator ends a run, and the run of separators is one token of
        // its own: no bigram crosses it.
        (
            "脱贫，攻坚",
            &[
                ("脱", 0, 3, 0),
                ("脱贫", 0, 6, 0),
                ("贫", 3, 6, 1),
                (" ", 6, 9, 2),
                ("攻", 9, 12, 3),
                ("攻坚", 9, 15, 3),
                ("坚", 12, 15, 4),
            ],
        ),
        ("1, 2", &[("1", 0, 1, 0), (" ", 1, 3, 1), ("2", 3, 4, 2)]),
        // Separators at either end are no token.
        ("（县）", &[("县", 3, 6, 0)]),
        ("县", &[("县", 0, 3, 0)]),
        // A Latin word or number of two or more characters is also whole,
        // at its first position; the table is folded too (jieba's `H股`
        // is the bigram `h股`).
        (
            "H股1.9%",
            &[
                ("h", 0, 1, 0),
                ("h股", 0, 4, 0),
                ("股", 1, 4, 1),
                ("1", 4, 5, 2),
                ("1.9", 4, 7, 2),
                (".", 5, 6, 3),
                ("9", 6, 7, 4),
            ],
        ),
        ("ＡＢ", &[("a", 0, 3, 0), ("ab", 0, 6, 0), ("b", 3, 6, 1)]),
        (
            "v2.0版本",
            &[
                ("v", 0, 1, 0),
                ("v2.0", 0, 4, 0),
                ("2", 1, 2, 1),
                (".", 2, 3, 2),
                ("0", 3, 4, 3),
                ("版", 4, 7, 4),
                ("版本", 4, 10, 4),
                ("本", 7, 10, 5),
            ],
        ),
        ("", &[]),
        ("。 ，", &[]),
    ];
    for (input, expected) in cases {
        assert_tokens(input, &analyzer().char_tokens(input), expected);
    }
}

#[test]
fn query_mode_does_not_overlap() {
    let got = analyzer().analyze_query("打贏脫貧攻堅戰");
    assert_tokens("打贏脫貧攻堅戰", &got, &[("打赢", 0, 6, 0), ("脱贫", 6, 12, 2), ("攻坚战", 12, 21, 4)]);
}

#[test]
fn user_words_join_the_dictionary() {
    // jieba's own dictionary lacks 脱贫攻坚战; as a user word, search mode
    // gives it and the words inside it, all at their own positions.
    let analyzer = Analyzer::builder().user_words(["脱贫攻坚战"]).build().expect("builds");
    let input = "打赢脱贫攻坚战";
    assert_tokens(
        input,
        &analyzer.analyze(input),
        &[("打赢", 0, 6, 0), ("脱贫", 6, 12, 2), ("脱贫攻坚战", 6, 21, 2), ("攻坚", 12, 18, 4), ("攻坚战", 12, 21, 4)],
    );
    // A Traditional user word is stored folded and matches both scripts.
    let analyzer = Analyzer::builder().user_words(["驻村鐵軍"]).build().expect("builds");
    assert_eq!(analyzer.settings().user_words(), [UserWord { word: "驻村铁军".into(), freq: None, tag: None }]);
    let texts: Vec<String> = analyzer.analyze("駐村鐵軍").into_iter().map(|t| t.text).collect();
    assert!(texts.contains(&"驻村铁军".to_string()), "{texts:?}");
}

#[test]
fn user_dict_file_and_its_errors() {
    let dir = std::env::temp_dir().join(format!("zhsearch-userdict-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let good = dir.join("good.txt");
    std::fs::write(&good, "已阅君 10 nr\n\n驻村铁军\n").expect("write");
    let analyzer = Analyzer::builder().user_dict_file(&good).expect("parses").build().expect("builds");
    let texts: Vec<String> = analyzer.analyze("已阅君说驻村铁军").into_iter().map(|t| t.text).collect();
    assert!(texts.contains(&"已阅君".to_string()) && texts.contains(&"驻村铁军".to_string()), "{texts:?}");

    let bad = dir.join("bad.txt");
    std::fs::write(&bad, "好词\n坏词 often\n").expect("write");
    let err = Analyzer::builder().user_dict_file(&bad).expect_err("bad frequency");
    assert_eq!(err.to_string(), format!("{}:2: frequency `often` of `坏词` is not a whole number", bad.display()));

    let not_utf8 = dir.join("latin1.txt");
    std::fs::write(&not_utf8, b"ok\nbad \xff\n").expect("write");
    let err = Analyzer::builder().user_dict_file(&not_utf8).expect_err("invalid UTF-8");
    assert_eq!(err.to_string(), format!("{}:2: invalid UTF-8", not_utf8.display()));

    let missing = dir.join("missing.txt");
    let err = Analyzer::builder().user_dict_file(&missing).expect_err("missing file");
    assert!(err.to_string().starts_with(&format!("{}: ", missing.display())), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn stop_words_drop_tokens_and_keep_positions() {
    let input = "已阅君的文章和他们的看法";
    let plain = analyzer().analyze(input);
    let analyzer = Analyzer::builder().bundled_stop_words().build().expect("builds");
    let filtered = analyzer.analyze(input);
    let kept: Vec<&Token> = plain.iter().filter(|t| !["的", "和", "他们"].contains(&t.text.as_str())).collect();
    assert_eq!(filtered.iter().collect::<Vec<_>>(), kept, "stop words removed, everything else as it was");
    assert!(filtered.len() < plain.len());
    // Stop words stay in the character field, so quoted queries find them.
    assert_eq!(analyzer.char_tokens(input), Analyzer::new().expect("builds").char_tokens(input));
    // Off by default.
    assert!(!self::analyzer().is_stop_word("的"));
    assert!(analyzer.is_stop_word("的"));
}

#[test]
fn conversion_can_be_turned_off() {
    let analyzer = Analyzer::builder().convert(false).build().expect("builds");
    let texts: Vec<String> = analyzer.analyze("貧困縣").into_iter().map(|t| t.text).collect();
    assert!(texts.iter().all(|t| !t.contains('贫')), "{texts:?}");
    assert!(!analyzer.settings().converts());
    assert_ne!(analyzer.fingerprint(), self::analyzer().fingerprint());
}

#[test]
fn settings_rebuild_the_same_analyzer() {
    let built = Analyzer::builder().user_words(["已阅君"]).stop_words(["的", "的", "了"]).build().expect("builds");
    let json = serde_json::to_string(built.settings()).expect("serializes");
    let settings = serde_json::from_str(&json).expect("deserializes");
    let rebuilt = Analyzer::from_settings(&settings).expect("rebuilds");
    assert_eq!(rebuilt.fingerprint(), built.fingerprint());
    assert_eq!(rebuilt.settings().stop_words(), ["了", "的"]);
    let input = seed(SEEDS[0]);
    assert_eq!(rebuilt.analyze(&input), built.analyze(&input));

    let mut future: serde_json::Value = serde_json::from_str(&json).expect("json");
    future["scheme"] = 99.into();
    let settings = serde_json::from_value(future).expect("deserializes");
    let err = Analyzer::from_settings(&settings).expect_err("unknown scheme");
    assert_eq!(
        err.to_string(),
        "field `scheme`: tokenization scheme 99 is not supported by this version of zhsearch (it uses 3)"
    );
}

#[test]
fn tantivy_tokenizers_give_the_analyzer_tokens() {
    let a = analyzer();
    for name in SEEDS {
        let text = seed(name);
        for (mut tok, expected) in [
            (TextAnalyzer::from(a.word_tokenizer()), a.analyze(&text)),
            (TextAnalyzer::from(a.query_tokenizer()), a.analyze_query(&text)),
            (TextAnalyzer::from(a.char_tokenizer()), a.char_tokens(&text)),
        ] {
            let mut stream = tok.token_stream(&text);
            let mut got = Vec::new();
            while let Some(t) = stream.next() {
                got.push(Token {
                    text: t.text.clone(),
                    offset_from: t.offset_from,
                    offset_to: t.offset_to,
                    position: t.position,
                });
            }
            assert_eq!(got, expected, "{name}");
        }
    }
}

#[test]
fn traditional_seed_tokenizes_like_its_simplified_form() {
    let conv = Converter::shared().expect("OpenCC");
    let traditional = seed(SEEDS[0]);
    let simplified = conv.convert_full(&traditional);
    assert_ne!(traditional, simplified);
    let key = |ts: Vec<Token>| ts.into_iter().map(|t| (t.text, t.position)).collect::<Vec<_>>();
    assert_eq!(key(analyzer().analyze(&traditional)), key(analyzer().analyze(&simplified)));
    assert_eq!(key(analyzer().char_tokens(&traditional)), key(analyzer().char_tokens(&simplified)));
    // And highlighting the Traditional offsets shows the Traditional text.
    let hit = analyzer().analyze(&traditional).into_iter().find(|t| t.text == "贫困县").expect("贫困县 is a token");
    assert_eq!(&traditional[hit.offset_from..hit.offset_to], "貧困縣");
}

#[test]
fn fast_path_equals_opencc_on_the_seeds() {
    let conv = Converter::shared().expect("OpenCC");
    let mut skipped = 0;
    for name in SEEDS {
        let text = seed(name);
        if conv.is_unchanged(&text) {
            skipped += 1;
        }
        assert_eq!(conv.convert(&text).text, conv.convert_full(&text), "{name}");
    }
    // The four Simplified seeds never reach OpenCC; the Traditional one does.
    assert_eq!(skipped, 4);
}

/// A tokenizer is reused across field values: a shorter text after a longer
/// one yields only its own tokens, and a stream without tokens answers
/// `token()` (tantivy may ask) with an empty token instead of panicking.
#[test]
fn tokenizers_reuse_their_buffer_and_tolerate_empty_text() {
    use tantivy::tokenizer::Tokenizer;
    let analyzer = Analyzer::new().expect("analyzer");
    let texts = |stream: &mut dyn TokenStream| {
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out
    };
    let mut chars = analyzer.char_tokenizer();
    assert_eq!(texts(&mut chars.token_stream("脱贫攻坚")).len(), 6, "4 characters, 脱贫 and 攻坚");
    assert_eq!(texts(&mut chars.token_stream("县")), ["县"]);
    let mut words = analyzer.word_tokenizer();
    assert!(texts(&mut words.token_stream("打赢脱贫攻坚战")).len() > 1);
    assert_eq!(texts(&mut words.token_stream("县")), ["县"]);
    for text in ["", "，。"] {
        let mut stream = chars.token_stream(text);
        assert_eq!(stream.token().text, "");
        assert!(!stream.advance());
        stream.token_mut().text.push('x');
        let mut stream = words.token_stream(text);
        assert!(!stream.advance());
        assert_eq!(stream.token().text, "", "what a filter wrote into the last empty token is gone");
        stream.token_mut().text.push('x');
    }
}
