//! Bad and awkward input, case by case, through ingestion, indexing and
//! querying. Each case states its outcome (accepted, with what result, or
//! rejected, with which error) and the test asserts exactly that.
//!
//! | ingestion case | outcome |
//! |---|---|
//! | invalid UTF-8 in a page | rejected: `path:line: invalid UTF-8 at byte N of the line` |
//! | invalid UTF-8 on one JSONL line | that line rejected, the others accepted |
//! | empty `.txt` / whitespace-only `.txt` | rejected: field `body`, no body text |
//! | empty `.jsonl` | accepted: no articles, no rejections |
//! | empty `.json` | rejected: malformed JSON at line 1 |
//! | UTF-8 BOM | accepted; the BOM is not part of the text |
//! | CRLF line ends | accepted; no `\r` is left in any field |
//! | NUL bytes | rejected: `NUL byte at byte N of the line` |
//! | one 10 MB article | accepted, indexed and found by a phrase from its middle |
//! | a 1 MB line of Han characters without punctuation or spaces | accepted and found |
//! | a 1 MB Latin "word" | accepted; the word is longer than an index term may be, so it is indexed by its characters only |
//! | emoji, CJK Extension B (𠀀) | accepted; 𠀀 is a word character and is found |
//! | combining marks | accepted; a letter and its marks are one word |
//! | mixed Traditional, Simplified, Latin and kana | accepted; found from either script |
//! | JSON fields of the wrong type | rejected, naming the field |
//! | one bad line among good JSONL | the bad line rejected at its line, the rest accepted |
//! | duplicate ids in one batch | both read; on upsert the last one wins |
//! | a body over the size limit | rejected by `upsert`, naming the article and the limit |

use crate::common::{self, index_of};

use std::path::Path;

use zhsearch::analysis::AnalyzerSettings;
use zhsearch::article::Article;
use zhsearch::index::{SearchIndex, MAX_ARTICLE_BYTES};
use zhsearch::ingest::{self, Ingested};
use zhsearch::query::{Matching, SearchRequest, Sort, MAX_QUERY_CHARS, MAX_QUERY_TERMS};
use zhsearch::{Error, QueryError};

/// Writes `bytes` to a file named `name` in a fresh directory and ingests it.
fn ingest_bytes(name: &str, bytes: &[u8]) -> (Ingested, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join(name), bytes).expect("write");
    let batch = ingest::read_path(dir.path().join(name)).expect("the file exists");
    (batch, dir)
}

fn messages(batch: &Ingested, dir: &Path) -> Vec<String> {
    // Paths are shown relative to the temporary directory.
    let prefix = format!("{}/", dir.display());
    batch.rejected.iter().map(|e| e.to_string().replace(&prefix, "")).collect()
}

fn total(index: &SearchIndex, q: &str) -> u64 {
    index.search(&SearchRequest::new(q).matching(Matching::All)).expect("search").total
}

#[test]
fn invalid_utf8_is_rejected_with_its_line() {
    let (batch, dir) = ingest_bytes("bad.txt", b"\xe6\xa0\x87\xe9\xa2\x98\n\n\xe6\xad\xa3\xff\xe6\x96\x87\n");
    assert!(batch.articles.is_empty());
    assert_eq!(messages(&batch, dir.path()), ["bad.txt:3: invalid UTF-8 at byte 3 of the line"]);

    let (batch, dir) =
        ingest_bytes("bad.jsonl", b"{\"id\":\"a\",\"body\":\"\xe5\xa5\xbd\"}\n{\"id\":\"b\",\"body\":\"\xc3\x28\"}\n");
    assert_eq!(batch.articles.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(), ["a"]);
    assert_eq!(messages(&batch, dir.path()), ["bad.jsonl:2: invalid UTF-8 at byte 18 of the line"]);
}

#[test]
fn empty_and_blank_files() {
    let no_body = "field `body`: no body text left after removing the headline, byline and site furniture";
    for (name, bytes) in [("empty.txt", &b""[..]), ("blank.txt", &b" \n\t\r\n\xe3\x80\x80\n"[..])] {
        let (batch, dir) = ingest_bytes(name, bytes);
        assert!(batch.articles.is_empty(), "{name}");
        assert_eq!(messages(&batch, dir.path()), [format!("{name}: {no_body}")], "{name}");
    }
    let (batch, _dir) = ingest_bytes("empty.jsonl", b"\n\n");
    assert!(batch.articles.is_empty() && batch.rejected.is_empty(), "an empty JSONL file is an empty batch");
    let (batch, dir) = ingest_bytes("empty.json", b"");
    assert!(messages(&batch, dir.path())[0].starts_with("empty.json:1: malformed JSON: EOF"));
}

#[test]
fn bom_and_crlf_are_read_as_plain_text() {
    let (batch, _dir) =
        ingest_bytes("bom.txt", "\u{feff}標題\r\n2020-01-02 來源:某報\r\n\r\n第一段。\r\n第二段。\r\n".as_bytes());
    assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
    let a = &batch.articles[0];
    assert_eq!(a.title.as_deref(), Some("標題"));
    assert_eq!(a.source.as_deref(), Some("某報"));
    assert_eq!(a.body, "第一段。\n第二段。");
    let (batch, _dir) = ingest_bytes("bom.jsonl", "\u{feff}{\"id\": \"x\", \"body\": \"正文\"}\r\n".as_bytes());
    assert_eq!((batch.articles.len(), batch.rejected.len()), (1, 0));
    assert_eq!(batch.articles[0].body, "正文");
    assert_eq!(total(&index_of(&batch.articles), "标题 OR 正文"), 1);
}

#[test]
fn nul_bytes_are_rejected() {
    // UTF-16 text read as UTF-8 is the usual source of NULs.
    let (batch, dir) = ingest_bytes("utf16.txt", b"a\0b\0\n");
    assert_eq!(
        messages(&batch, dir.path()),
        ["utf16.txt:1: NUL byte at byte 1 of the line (a UTF-16 or binary file?)"]
    );
    let (batch, dir) = ingest_bytes("nul.json", br#"{"body": "a\u0000b"}"#);
    assert_eq!(messages(&batch, dir.path()), ["nul.json:1: field `body`: contains a NUL character"]);
}

#[test]
fn a_ten_megabyte_article_is_indexed_whole() {
    let body = common::prose(10 * 1024 * 1024, 7);
    // Six characters from the middle with no punctuation among them.
    let chars: Vec<char> = body.chars().collect();
    let needle: String = (chars.len() / 2..chars.len() - 6)
        .map(|i| &chars[i..i + 6])
        .find(|w| !w.iter().any(|c| matches!(c, '，' | '。')))
        .map(|w| w.iter().collect())
        .expect("prose has punctuation only every 23 characters");
    let record = serde_json::json!({"id": "big", "body": body}).to_string();
    let (batch, _dir) = ingest_bytes("big.jsonl", record.as_bytes());
    assert_eq!((batch.articles.len(), batch.rejected.len()), (1, 0));
    let index = index_of(&batch.articles);
    assert_eq!(total(&index, &format!("\"{needle}\"")), 1, "{needle}");
}

#[test]
fn a_megabyte_line_without_punctuation_or_spaces() {
    let han: String = common::prose(1024 * 1024, 11).chars().filter(|c| !matches!(c, '，' | '。')).collect();
    let latin = "abcdefghij".repeat(100 * 1024);
    let pages = [("han.txt", han.clone()), ("latin.txt", latin.clone())];
    let mut articles = Vec::new();
    for (name, text) in &pages {
        let (batch, dir) = ingest_bytes(name, text.as_bytes());
        assert!(batch.rejected.is_empty(), "{:?}", messages(&batch, dir.path()));
        assert_eq!(batch.articles[0].body.len(), text.len(), "{name}");
        articles.extend(batch.articles);
    }
    let index = index_of(&articles);
    let needle: String = han.chars().skip(200_000).take(5).collect();
    assert_eq!(total(&index, &format!("\"{needle}\"")), 1);
    // The Latin run is one word, far longer than an index term may be
    // (65,530 bytes); its characters are still indexed, so substrings of it
    // are found.
    assert_eq!(total(&index, "\"ghijabcd\""), 1);
}

#[test]
fn emoji_extension_b_and_combining_marks() {
    let articles = [
        Article::new("emoji", "今天天气很好😀🎉，𠀀字在扩展B区。"),
        Article::new("marks", "巴黎的cafe\u{301}很有名，Ame\u{301}lie也去过。"),
    ];
    let index = index_of(&articles);
    assert_eq!(total(&index, "𠀀"), 1);
    assert_eq!(total(&index, "\"𠀀字\""), 1);
    assert_eq!(total(&index, "😀"), 0, "emoji are separators, never tokens");
    assert_eq!(total(&index, "天气很好"), 1);
    assert_eq!(total(&index, "cafe\u{301}"), 1);
    assert_eq!(total(&index, "ame\u{301}lie"), 1);
    // A mark belongs to its letter: the word is `cafe\u{301}`, whole.
    let analyzer = zhsearch::analysis::Analyzer::builder().build().expect("analyzer");
    let words: Vec<String> = analyzer.analyze("cafe\u{301}很有名").into_iter().map(|t| t.text).collect();
    assert_eq!(words, ["cafe\u{301}", "很", "有名"]);
    // Like any word, `cafe` also matches as a substring, so it still finds
    // the page; a precomposed `é` (U+00E9) is a different character and
    // does not (no Unicode normalization form is applied).
    assert_eq!(total(&index, "cafe"), 1);
    assert_eq!(total(&index, "caf\u{e9}"), 0);
}

#[test]
fn mixed_scripts_and_kana() {
    let (batch, _dir) = ingest_bytes(
        "mixed.jsonl",
        "{\"id\": \"m\", \"body\": \"東京の新幹線と北京的高铁，Shinkansen和ＣＲＨ。\"}\n".as_bytes(),
    );
    let index = index_of(&batch.articles);
    for q in ["新干线", "新幹線", "东京", "高鐵", "shinkansen", "crh", "\"の新干线と\""] {
        assert_eq!(total(&index, q), 1, "{q}");
    }
}

#[test]
fn json_with_wrong_field_types() {
    let text = r#"[{"id": "ok", "body": "正文"}, {"id": [1], "body": "正文"}, {"body": 12}, {"body": "正文", "title": 5},
        {"body": "正文", "published_at": 20200101}, "just a string"]"#;
    let (batch, dir) = ingest_bytes("types.json", text.as_bytes());
    assert_eq!(batch.articles.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(), ["ok"]);
    assert_eq!(
        messages(&batch, dir.path()),
        [
            "types.json:1: field `[1].id`: expected a string or an integer, found an array",
            "types.json:1: field `[2].body`: expected a string, found a number",
            "types.json:1: field `[3].title`: expected a string or null, found a number",
            "types.json:2: field `[4].published_at`: expected a string or null, found a number",
            "types.json:2: field `[5]`: expected a JSON object, found a string",
        ]
    );
}

#[test]
fn one_bad_jsonl_line_among_good_ones() {
    let text =
        "{\"id\": \"1\", \"body\": \"一\"}\n{\"id\": \"2\", \"body\": \"二\"\n{\"id\": \"3\", \"body\": \"三\"}\n";
    let (batch, dir) = ingest_bytes("some.jsonl", text.as_bytes());
    assert_eq!(batch.articles.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(), ["1", "3"]);
    let shown = messages(&batch, dir.path());
    assert_eq!(shown.len(), 1);
    assert!(shown[0].starts_with("some.jsonl:2: malformed JSON: EOF while parsing an object"), "{}", shown[0]);
    // The good records of the batch are committed.
    let index = index_of(&batch.articles);
    assert_eq!(index.num_docs(), 2);
}

#[test]
fn duplicate_ids_in_a_batch_last_one_wins() {
    let text = "{\"id\": \"d\", \"body\": \"旧的正文\"}\n{\"id\": \"d\", \"body\": \"新的正文\"}\n";
    let (batch, _dir) = ingest_bytes("dup.jsonl", text.as_bytes());
    assert_eq!(batch.articles.len(), 2, "ingestion keeps both, in order");
    let index = index_of(&batch.articles);
    assert_eq!(index.num_docs(), 1);
    assert_eq!(index.get("d").expect("get").map(|a| a.body), Some("新的正文".to_string()));
    assert_eq!(total(&index, "旧的"), 0);
}

#[test]
fn bodies_over_the_limit_are_rejected_by_upsert() {
    let index = SearchIndex::in_memory(&AnalyzerSettings::default()).expect("index");
    let mut w = index.writer().expect("writer");
    let big = Article::new("huge", "字".repeat(MAX_ARTICLE_BYTES / 3 + 1));
    match w.upsert(&big) {
        Err(Error::InvalidInput { location, reason }) => {
            assert_eq!(location.field.as_deref(), Some("body"));
            assert_eq!(
                reason,
                format!("article `huge` has a body of {} bytes; the limit is {MAX_ARTICLE_BYTES}", big.body.len())
            );
        }
        other => panic!("expected the size limit, got {other:?}"),
    }
    // The writer is still usable, and what it commits is intact.
    w.upsert(&Article::new("small", "小文章")).expect("upsert");
    w.commit().expect("commit");
    assert_eq!(index.num_docs(), 1);
}

/// Query cases: (query, expected outcome).
#[test]
fn query_cases() {
    let index = index_of(&[
        Article::new("a", "脱贫攻坚取得胜利。"),
        Article::new("b", "乡村振兴，产业兴旺。"),
        Article::new("c", "title和body之外的foo:bar写法。"),
    ]);
    enum Want {
        Ids(&'static [&'static str]),
        TooLong(usize),
        TooManyTerms(usize),
    }
    let long = "贫".repeat(100_000);
    // 1,000 terms cannot fit in the length limit, so the length is what
    // rejects them; the term limit shows on a query short enough to pass it.
    let thousand = vec!["脱贫"; 1000].join(" ");
    let over_terms = vec!["脱贫"; MAX_QUERY_TERMS + 1].join(" ");
    let at_terms = vec!["脱贫"; MAX_QUERY_TERMS].join(" ");
    let cases: Vec<(&str, &str, Want)> = vec![
        ("100,000 characters", &long, Want::TooLong(100_000)),
        ("1,000 terms", &thousand, Want::TooLong(2999)),
        ("one term over the limit", &over_terms, Want::TooManyTerms(MAX_QUERY_TERMS + 1)),
        ("as many terms as allowed", &at_terms, Want::Ids(&["a"])),
        ("only punctuation", "，。！？……", Want::Ids(&[])),
        ("unbalanced quote reads to the end", "\"脱贫攻坚", Want::Ids(&["a"])),
        ("unbalanced quote, exact to the end", "乡村 \"产业兴旺 脱贫", Want::Ids(&[])),
        ("OR at the start is ignored", "OR 乡村", Want::Ids(&["b"])),
        ("OR at the end is ignored", "脱贫 OR", Want::Ids(&["a"])),
        ("OR alone", "OR", Want::Ids(&[])),
        ("-- alone", "--", Want::Ids(&[])),
        ("- alone", "-", Want::Ids(&[])),
        ("- with a word excludes", "-乡村", Want::Ids(&["a", "c"])),
        ("title: with nothing after it", "title:", Want::Ids(&[])),
        ("title: then a word", "title: 乡村", Want::Ids(&["b"])),
        ("an unknown prefix is part of the word", "foo:bar", Want::Ids(&["c"])),
        ("without a stop list, stop words are words", "之外的", Want::Ids(&["c"])),
    ];
    for (name, q, want) in cases {
        let got = index.search(&SearchRequest::new(q).matching(Matching::All));
        match (want, got) {
            (Want::Ids(ids), Ok(r)) => {
                let mut found: Vec<&str> = r.hits.iter().map(|h| h.id.as_str()).collect();
                found.sort();
                assert_eq!(found, ids, "{name}");
                assert_eq!(r.total as usize, ids.len(), "{name}");
            }
            (Want::TooLong(len), Err(Error::Query(e))) => {
                assert_eq!(e, QueryError::TooLong { len, max: MAX_QUERY_CHARS }, "{name}");
                assert_eq!(e.to_string(), format!("the query is {len} characters long; the limit is 1000"));
            }
            (Want::TooManyTerms(count), Err(Error::Query(e))) => {
                assert_eq!(e, QueryError::TooManyTerms { count, max: MAX_QUERY_TERMS }, "{name}");
            }
            (_, got) => panic!("{name}: unexpected {got:?}"),
        }
    }
}

/// Reading a query for another engine (`read_query`) refuses what a
/// search refuses, with the same errors.
#[test]
fn read_query_refuses_what_search_refuses() {
    let index = index_of(&[Article::new("a", "脱贫攻坚取得胜利。")]);
    let scratch = SearchIndex::in_memory_with(index.analyzer()).expect("scratch");
    let long = "贫".repeat(MAX_QUERY_CHARS + 1);
    match scratch.read_query(&SearchRequest::new(long.as_str()), &index.statistics()) {
        Err(Error::Query(e)) => {
            assert_eq!(e, QueryError::TooLong { len: MAX_QUERY_CHARS + 1, max: MAX_QUERY_CHARS });
        }
        got => panic!("unexpected {got:?}"),
    }
    let over_terms = vec!["脱贫"; MAX_QUERY_TERMS + 1].join(" ");
    match scratch.read_query(&SearchRequest::new(over_terms.as_str()), &index.statistics()) {
        Err(Error::Query(e)) => {
            assert_eq!(e, QueryError::TooManyTerms { count: MAX_QUERY_TERMS + 1, max: MAX_QUERY_TERMS });
        }
        got => panic!("unexpected {got:?}"),
    }
    let read = scratch.read_query(&SearchRequest::new("，。！？"), &index.statistics()).expect("read");
    assert_eq!(read, zhsearch::query::QueryReading::default(), "only punctuation means nothing");
}

#[test]
fn stop_word_only_queries_have_no_hits_with_a_stop_list() {
    let settings = zhsearch::analysis::Analyzer::builder().bundled_stop_words().build().expect("analyzer");
    let index = SearchIndex::in_memory(settings.settings()).expect("index");
    let mut w = index.writer().expect("writer");
    w.upsert(&Article::new("a", "我们的目标是脱贫了。")).expect("upsert");
    w.commit().expect("commit");
    for q in ["的", "的 了", "我们 的"] {
        let r = index.search(&SearchRequest::new(q)).expect("search");
        assert_eq!(r.total, 0, "{q}");
    }
    assert_eq!(index.search(&SearchRequest::new("的 脱贫")).expect("search").total, 1);
}

/// Page and snippet sizes come from the caller (a request can be read from
/// JSON): the largest values mean "everything", never an allocation of that
/// size or an overflow.
#[test]
fn the_largest_page_and_snippet_sizes() {
    let index = index_of(&[
        Article::new("a", "脱贫攻坚的干部在一线。"),
        Article::new("b", "干部下乡。"),
        Article::new("c", "没有关系的文章。"),
    ]);
    for sort in [Sort::Relevance, Sort::Newest] {
        let mut request = SearchRequest::new("干部").sort(sort).limit(usize::MAX);
        request.snippet_length = usize::MAX;
        request.snippet_count = usize::MAX;
        let r = index.search(&request).expect("search");
        assert_eq!((r.total, r.hits.len()), (2, 2), "{sort:?}");
        assert_eq!(
            r.hits[0].snippets[0].text,
            if r.hits[0].id == "a" { "脱贫攻坚的干部在一线。" } else { "干部下乡。" }
        );
        let r =
            index.search(&SearchRequest::new("干部").sort(sort).limit(usize::MAX).offset(usize::MAX)).expect("search");
        assert_eq!((r.total, r.hits.len()), (2, 0), "{sort:?}");
        let r = index.search(&SearchRequest::new("干部").sort(sort).limit(1).offset(usize::MAX - 1)).expect("search");
        assert_eq!((r.total, r.hits.len()), (2, 0), "{sort:?}");
    }
}
