//! Invariants of the analysis pipeline, over arbitrary strings and over
//! sentences of the sample articles.

use std::sync::{Arc, OnceLock};

use proptest::prelude::*;
use zhsearch::analysis::convert::Converter;
use zhsearch::analysis::normalize::{class_of, is_han, CharClass};
use zhsearch::analysis::{Analyzer, Token};

fn analyzer() -> &'static Analyzer {
    static A: OnceLock<Analyzer> = OnceLock::new();
    A.get_or_init(|| Analyzer::new().expect("analyzer builds"))
}

fn converter() -> Arc<Converter> {
    Converter::shared().expect("OpenCC")
}

fn sentences() -> &'static [String] {
    static S: OnceLock<Vec<String>> = OnceLock::new();
    S.get_or_init(|| {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample");
        let mut out = Vec::new();
        let mut paths: Vec<_> = std::fs::read_dir(dir).expect("sample dir").map(|e| e.expect("entry").path()).collect();
        paths.sort();
        for path in paths {
            let text = std::fs::read_to_string(&path).expect("sample text");
            out.extend(
                text.split(['。', '\n', '!', '?']).map(str::trim).filter(|s| s.chars().count() > 3).map(String::from),
            );
        }
        out
    })
}

/// Text made of the characters that make trouble: Traditional and
/// Simplified pairs, OpenCC's context-dependent ones, full-width forms,
/// Latin, digits and decimal points, punctuation, spaces, emoji, marks,
/// kana, characters outside the BMP and NUL.
fn tricky_text() -> impl Strategy<Value = String> {
    let alphabet: Vec<char> = "貧困縣贫困县乾隆燥干幹著着髮发後后臺台里裡麵面戰战攻堅坚脫脱的了是在和\
        １９ＡＢａｂ　AaZz0159.,.。，、！？「」《》 \t\n%-😀\u{301}かなカ𠀀𠀁\0"
        .chars()
        .collect();
    prop::collection::vec(prop::sample::select(alphabet), 0..40).prop_map(|cs| cs.into_iter().collect())
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![tricky_text(), any::<String>(), prop::sample::select(sentences().to_vec())]
}

fn check_offsets(input: &str, tokens: &[Token]) -> Result<(), TestCaseError> {
    let mut last_position = 0;
    for t in tokens {
        prop_assert!(t.offset_from < t.offset_to, "empty range {t:?}");
        prop_assert!(input.get(t.offset_from..t.offset_to).is_some(), "{t:?} not on char boundaries of {input:?}");
        prop_assert!(!t.text.is_empty());
        if t.text == " " {
            // The character field's token for a run of separators: it
            // covers separators only.
            let covered = &input[t.offset_from..t.offset_to];
            prop_assert!(
                covered.chars().all(|c| class_of(c) == CharClass::Separator || c == '.'),
                "{t:?} covers {covered:?}"
            );
        } else {
            prop_assert!(t.text.chars().all(|c| class_of(c) != CharClass::Separator || c == '.'), "separator in {t:?}");
        }
        prop_assert!(t.position >= last_position, "positions must not decrease: {t:?}");
        last_position = t.position;
    }
    Ok(())
}

fn texts_and_positions(tokens: Vec<Token>) -> Vec<(String, usize)> {
    tokens.into_iter().map(|t| (t.text, t.position)).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn offsets_are_char_ranges_of_the_original(input in any_text()) {
        check_offsets(&input, &analyzer().analyze(&input))?;
        check_offsets(&input, &analyzer().analyze_query(&input))?;
        check_offsets(&input, &analyzer().char_tokens(&input))?;
    }

    #[test]
    fn script_blind(input in prop_oneof![tricky_text(), prop::sample::select(sentences().to_vec())]) {
        // What any OpenCC user would feed in: one plain t2s pass.
        let simplified = converter().opencc_t2s(&input);
        prop_assert_eq!(texts_and_positions(analyzer().analyze(&input)), texts_and_positions(analyzer().analyze(&simplified)));
        prop_assert_eq!(texts_and_positions(analyzer().char_tokens(&input)), texts_and_positions(analyzer().char_tokens(&simplified)));
    }

    #[test]
    fn conversion_equals_opencc(input in prop_oneof![tricky_text(), any_text()]) {
        // The Rust conversion over OpenCC's dictionaries against the real
        // library (both repeated until the text settles).
        let conv = converter();
        let normalized = zhsearch::analysis::normalize::normalize(&input);
        let fast = conv.convert(&normalized);
        prop_assert_eq!(&fast.text, &conv.convert_full(&normalized));
        if let Some(map) = &fast.source {
            prop_assert_eq!(map.len(), fast.text.chars().count());
            prop_assert!(map.windows(2).all(|w| w[0] <= w[1]), "the map must not go back: {:?}", map);
        }
    }

    /// A word that `is_char_bigram` accepts is, wherever jieba cuts it,
    /// a character token at the same place and position: so a
    /// two-character word is one term of the index, whatever the context.
    #[test]
    fn bigram_words_are_char_tokens(input in any_text()) {
        let chars = analyzer().char_tokens(&input);
        for word in analyzer().analyze(&input).into_iter().filter(|w| analyzer().is_char_bigram(&w.text)) {
            let same = |c: &&Token| c.text == word.text && c.position == word.position && c.offset_from == word.offset_from;
            prop_assert!(chars.iter().any(|c| same(&c)), "{:?} has no char token twin in {:?}", word, input);
        }
    }

    #[test]
    fn char_tokens_cover_every_han_character(input in any_text()) {
        let tokens = analyzer().char_tokens(&input);
        for (i, c) in input.char_indices() {
            if is_han(c) {
                // Exactly one single-character token starts at each Han
                // character, and any longer one is a dictionary bigram.
                let starting: Vec<&Token> = tokens.iter().filter(|t| t.offset_from == i).collect();
                prop_assert_eq!(starting.iter().filter(|t| t.text.chars().count() == 1).count(), 1, "{:?} at byte {} of {:?}", c, i, input);
                for t in starting.iter().filter(|t| t.text.chars().count() > 1) {
                    prop_assert!(analyzer().is_char_bigram(&t.text), "{:?} in {:?}", t, input);
                }
            }
        }
    }

    #[test]
    fn a_substring_is_a_phrase_of_char_tokens(
        sentence in prop::sample::select(sentences().to_vec()),
        start in 0usize..200,
        len in 1usize..8,
    ) {
        // Any run of word characters cut from a sentence has, at the same
        // relative positions in the sentence, every one of its characters
        // and dictionary bigrams: what quoted queries rely on. (A Latin
        // word cut short is the one token that depends on its context.)
        let chars: Vec<char> = sentence.chars().collect();
        let start = start % chars.len();
        let piece: String = chars[start..(start + len).min(chars.len())]
            .iter()
            .take_while(|c| class_of(**c) != CharClass::Separator)
            .collect();
        prop_assume!(!piece.is_empty());
        let exact = |t: &Token| t.text.chars().count() == 1 || analyzer().is_char_bigram(&t.text);
        let query: Vec<Token> = analyzer().char_tokens(&piece).into_iter().filter(|t| exact(t)).collect();
        let doc = analyzer().char_tokens(&sentence);
        let q0 = &query[0];
        let found = doc.iter().filter(|d| d.text == q0.text).any(|d| {
            query.iter().all(|q| doc.iter().any(|e| e.position == d.position + q.position - q0.position && e.text == q.text))
        });
        prop_assert!(found, "{:?} not found in {:?}", piece, sentence);
    }
}

/// The exact-match rule of quoted queries, written independently of the
/// index: fold the text, make each run of separators one mark, trim marks
/// at the ends.
fn canonical(text: &str) -> String {
    let folded = analyzer().fold(text);
    let mut out = String::new();
    let mut pending_separator = false;
    for c in folded.chars() {
        if class_of(c) == CharClass::Separator {
            pending_separator = !out.is_empty();
        } else {
            if pending_separator {
                out.push('|');
                pending_separator = false;
            }
            out.push(c);
        }
    }
    out
}

/// Short documents over a small alphabet, so that quoted texts often occur
/// in several of them, next to near misses.
fn small_doc() -> impl Strategy<Value = String> {
    let alphabet: Vec<char> = "青年党員员团乾干幹发髮ab12，。 、".chars().collect();
    // A body of only whitespace is rejected at ingestion: give it a word.
    prop::collection::vec(prop::sample::select(alphabet), 1..16).prop_map(|cs| {
        let text: String = cs.into_iter().collect();
        if text.trim().is_empty() {
            text + "青"
        } else {
            text
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// A quoted text finds exactly the documents that contain it (recall
    /// and precision 100%), whatever separators, scripts and single
    /// characters it starts or ends with.
    #[test]
    fn quoted_search_is_exact(
        docs in prop::collection::vec(small_doc(), 1..10),
        pick in any::<prop::sample::Index>(),
        from in any::<prop::sample::Index>(),
        len in 1usize..8,
    ) {
        let doc = &docs[pick.index(docs.len())];
        let chars: Vec<char> = doc.chars().collect();
        let start = from.index(chars.len());
        let quoted: String = chars[start..(start + len).min(chars.len())].iter().collect();
        let want_text = canonical(&quoted);
        prop_assume!(!want_text.is_empty());

        let index = zhsearch::index::SearchIndex::in_memory(&zhsearch::analysis::AnalyzerSettings::default())
            .expect("index");
        let mut writer = index.writer().expect("writer");
        for (i, d) in docs.iter().enumerate() {
            writer.upsert(&zhsearch::article::Article::new(format!("d{i}"), d.clone())).expect("upsert");
        }
        writer.commit().expect("commit");
        let request = zhsearch::query::SearchRequest::new(format!("\"{quoted}\"")).limit(docs.len()).snippets(0, 0);
        let mut got: Vec<String> = index.search(&request).expect("search").hits.into_iter().map(|h| h.id).collect();
        got.sort();
        let mut want: Vec<String> = docs
            .iter()
            .enumerate()
            .filter(|(_, d)| canonical(d).contains(&want_text))
            .map(|(i, _)| format!("d{i}"))
            .collect();
        want.sort();
        prop_assert_eq!(got, want, "quoted {:?} over {:?}", quoted, docs);
    }
}

/// An index whose words the query side's readings and corrections find:
/// acronyms, pinyin targets, words the dictionary lacks.
fn reading_index() -> &'static zhsearch::index::SearchIndex {
    static I: OnceLock<zhsearch::index::SearchIndex> = OnceLock::new();
    I.get_or_init(|| {
        let index =
            zhsearch::index::SearchIndex::in_memory(&zhsearch::analysis::AnalyzerSettings::default()).expect("index");
        let mut writer = index.writer().expect("writer");
        let bodies = [
            "NBA总决赛今天开打。GDP增长百分之七。",
            "插入新的工作表，合并储存格，在行尾插入连字符。",
            "北京今天天气晴朗。脱贫攻坚取得胜利。",
            "貧困縣全部摘帽。終年半是吟。",
        ];
        for (i, body) in bodies.iter().enumerate() {
            writer.upsert(&zhsearch::article::Article::new(format!("r{i}"), *body)).expect("upsert");
        }
        writer.commit().expect("commit");
        index
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Whatever is typed, the query side (pinyin readings, acronyms,
    /// corrections of pairs inside guessed words, which slice the text by
    /// its characters and its tokens) answers or refuses it as a value,
    /// in the query language and as plain text.
    #[test]
    fn any_text_typed_is_read_without_a_panic(
        q in prop_oneof![any_text(), "[a-zA-Z工做表连字副储村格北jing NBA gdp增长的一 ]{0,24}"],
        plain in any::<bool>(),
    ) {
        let request = zhsearch::query::SearchRequest::new(q.clone()).plain(plain);
        match reading_index().search(&request) {
            Ok(_) | Err(zhsearch::Error::Query(_)) => {}
            Err(e) => prop_assert!(false, "{q:?}: {e}"),
        }
    }
}
