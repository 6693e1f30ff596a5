//! The example search binary: its JSON output, exit statuses, and a
//! persistent index that is added to, deleted from and searched again.
//!
//! `cargo test` builds the examples before it runs the tests, so the binary
//! sits next to this test's executable, in `target/<profile>/examples/`.

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn example(name: &str) -> PathBuf {
    // target/<profile>/deps/processes-<hash> → target/<profile>/examples/<name>
    let exe = std::env::current_exe().expect("test executable path");
    let profile = exe.parent().and_then(|deps| deps.parent()).expect("target/<profile>");
    let bin = profile.join("examples").join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(bin.exists(), "{} is missing: run the tests with `cargo test`, which builds the examples", bin.display());
    bin
}

fn search(args: &[&str]) -> Output {
    Command::new(example("search")).args(args).env("NO_COLOR", "1").output().expect("run the search example")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json(out: &Output) -> Value {
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(out));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(out)))
}

fn ids(doc: &Value) -> Vec<String> {
    doc["hits"]
        .as_array()
        .map_or(vec![], |hits| hits.iter().map(|h| h["id"].as_str().unwrap_or("").to_string()).collect())
}

#[test]
fn sample_search_finds_both_scripts_and_marks_the_text_as_written() {
    let doc = json(&search(&["--json", "--facets", "贫困县"]));
    assert_eq!(doc["total"], 3);
    let found = ids(&doc);
    assert!(found.contains(&"000_86cdd5f9022c1b0d".to_string()), "the Traditional seed: {found:?}");
    assert!(found.contains(&"004_b2ed68b430d736ac".to_string()), "a Simplified seed: {found:?}");
    // Highlights are char ranges of the snippet text, in the article's script.
    let mut marked = Vec::new();
    for hit in doc["hits"].as_array().into_iter().flatten() {
        for s in hit["snippets"].as_array().into_iter().flatten() {
            let text: Vec<char> = s["text"].as_str().unwrap_or("").chars().collect();
            for r in s["highlights"].as_array().into_iter().flatten() {
                let (a, b) = (r[0].as_u64().unwrap_or(0) as usize, r[1].as_u64().unwrap_or(0) as usize);
                marked.push(text[a..b].iter().collect::<String>());
            }
        }
    }
    assert!(marked.contains(&"貧困縣".to_string()), "{marked:?}");
    assert!(marked.contains(&"贫困县".to_string()), "{marked:?}");
    assert!(marked.iter().all(|m| m == "貧困縣" || m == "贫困县"), "{marked:?}");
    assert_eq!(doc["facets"]["month"]["2020-11"], 1);
    // Facets only when asked.
    let doc = json(&search(&["--json", "贫困县"]));
    assert!(doc.get("facets").is_none(), "{doc}");
    let readable = search(&["--facets", "贫困县"]);
    assert!(
        stdout(&readable).contains("By month:") && stdout(&readable).contains("2020-11 1"),
        "{}",
        stdout(&readable)
    );
}

/// `--explain` puts the explanation of each hit's score in the JSON (and
/// under each hit of the readable list); its value is the hit's score.
#[test]
fn explain_shows_the_parts_of_each_score() {
    let doc = json(&search(&["--json", "--explain", "--limit", "2", "脱贫攻坚 干部"]));
    let hits = doc["hits"].as_array().expect("hits");
    assert_eq!(hits.len(), 2);
    for hit in hits {
        let e = &hit["explanation"];
        assert_eq!(e["value"].as_f64(), hit["score"].as_f64(), "{e}");
        assert_eq!(e["description"], "relevance: the sum of the parts below");
        assert!(e["details"].as_array().is_some_and(|d| !d.is_empty()), "{e}");
        assert!(hit["full_match"].is_boolean());
    }
    assert!(json(&search(&["--json", "脱贫攻坚"]))["hits"][0].get("explanation").is_none());
    let text = stdout(&search(&["--explain", "--limit", "1", "脱贫攻坚 干部"]));
    assert!(text.contains("relevance: the sum of the parts below") && text.contains("干部 in body"), "{text}");
}

/// `--synonyms FILE` expands queries with the file's groups and keeps them
/// with a persistent index; `--no-variants` turns the regional variants
/// off; a bad synonym file names its line.
#[test]
fn synonyms_and_variants_flags() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = dir.path().join("idx");
    let data = dir.path().join("a.jsonl");
    fs::write(
        &data,
        "{\"id\": \"potato\", \"body\": \"马铃薯炖牛肉\"}\n{\"id\": \"server\", \"body\": \"這台伺服器很快\"}\n",
    )
    .expect("write");
    let syn = dir.path().join("syn.txt");
    fs::write(&syn, "土豆,马铃薯\n").expect("write");
    let idx = index.to_str().expect("utf-8");
    let add = search(&["--index", idx, "--add", data.to_str().expect("utf-8")]);
    assert_eq!(add.status.code(), Some(0), "{}", stderr(&add));
    assert!(ids(&json(&search(&["--index", idx, "--json", "土豆"]))).is_empty());
    let found = json(&search(&["--index", idx, "--json", "--synonyms", syn.to_str().expect("utf-8"), "土豆"]));
    assert_eq!(ids(&found), ["potato"]);
    // Kept with the index.
    assert_eq!(ids(&json(&search(&["--index", idx, "--json", "土豆"]))), ["potato"]);
    assert_eq!(ids(&json(&search(&["--index", idx, "--json", "服务器"]))), ["server"]);
    assert!(ids(&json(&search(&["--index", idx, "--json", "--no-variants", "服务器"]))).is_empty());
    fs::write(&syn, "土豆\n").expect("write");
    let bad = search(&["--index", idx, "--synonyms", syn.to_str().expect("utf-8"), "土豆"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr(&bad).contains("syn.txt:1: a synonym group needs at least two words"), "{}", stderr(&bad));
}

/// Only --add creates an index: searching a directory without one is a
/// usage error that says how to make one, and creates nothing. --verify
/// checks an index and names a damaged file (exit status 1).
#[test]
fn no_accidental_indexes_and_verify() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let typo = tmp.path().join("indx");
    let out = search(&["--index", typo.to_str().expect("utf-8"), "贫困县"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("there is no index here; create one with --index"), "{}", stderr(&out));
    assert!(stderr(&out).contains("--add PATH"), "{}", stderr(&out));
    assert!(!typo.exists(), "a mistyped directory must not become an index");

    let index = tmp.path().join("idx");
    let idx = index.to_str().expect("utf-8");
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample");
    assert_eq!(search(&["--index", idx, "--add", sample, "--merge"]).status.code(), Some(0));
    let ok = search(&["--index", idx, "--verify"]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    assert!(stdout(&ok).starts_with("ok: 6 files"), "{}", stdout(&ok));
    let victim = fs::read_dir(&index)
        .expect("read dir")
        .map(|e| e.expect("entry").path())
        .find(|p| p.extension().is_some_and(|e| e == "idx"))
        .expect("a postings file");
    let mut bytes = fs::read(&victim).expect("read");
    let middle = bytes.len() / 3;
    bytes[middle] ^= 0xff;
    fs::write(&victim, &bytes).expect("damage");
    let bad = search(&["--index", idx, "--verify"]);
    assert_eq!(bad.status.code(), Some(1), "{}", stderr(&bad));
    let name = victim.file_name().and_then(|n| n.to_str()).expect("name");
    assert!(stdout(&bad).contains(&format!("{name}: its checksum does not match")), "{}", stdout(&bad));
}

#[test]
fn readable_output_brackets_marks_without_colour() {
    let out = search(&["貧困縣"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("3 results (3 full matches)"), "{text}");
    assert!(text.contains("【貧困縣】"), "{text}");
    assert!(!text.contains('\x1b'), "no escape codes when NO_COLOR is set or stdout is a pipe");
}

#[test]
fn filters_sort_and_matching_flags_reach_the_request() {
    let doc = json(&search(&["--json", "--sort", "oldest", "--since", "2019-12-01", "--until", "2020-09-07", "干部"]));
    assert_eq!(ids(&doc), ["004_b2ed68b430d736ac", "002_fca2d5a61c11e164"]);
    let doc = json(&search(&["--json", "--source", "南方日报", "干部"]));
    assert_eq!(ids(&doc), ["003_0db2dff2ff72df16"]);
    // 张家界 is only in 004; relaxed matching still returns the other 贫困县 articles.
    let all = json(&search(&["--json", "--matching", "all", "贫困县 张家界"]));
    let relaxed = json(&search(&["--json", "贫困县 张家界"]));
    assert_eq!(ids(&all), ["004_b2ed68b430d736ac"]);
    assert_eq!(relaxed["total"], 3);
    assert_eq!(ids(&relaxed)[0], "004_b2ed68b430d736ac");
    let paged = json(&search(&["--json", "--limit", "1", "--offset", "1", "贫困县 张家界"]));
    assert_eq!(ids(&paged), ids(&relaxed)[1..2]);
}

#[test]
fn usage_and_query_errors_exit_2() {
    let out = search(&["--sort", "sideways", "干部"]);
    assert_eq!(out.status.code(), Some(2));
    let long = "字".repeat(2000);
    let out = search(&[long.as_str()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("the query is 2000 characters long"), "{}", stderr(&out));
    let out = search(&["--since", "昨天", "干部"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_persistent_index_is_added_to_deleted_from_and_reports_rejections() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = tmp.path().join("in");
    fs::create_dir(&input).expect("mkdir");
    fs::write(
        input.join("a.jsonl"),
        "{\"id\": \"a1\", \"title\": \"茶农\", \"body\": \"春茶上市，茶农忙着采摘。\"}\n\
         {\"id\": \"a2\", \"body\": \"山区通了高铁。\", \"published_at\": \"某天\"}\n\
         {\"id\": \"a3\", \"body\": \"高鐵開進了山城。\"}\n",
    )
    .expect("write");
    let index = tmp.path().join("idx");
    let index = index.to_str().expect("utf-8 path");

    let out = search(&["--index", index, "--add", input.to_str().expect("utf-8"), "--commit-every", "1", "高铁"]);
    assert_eq!(out.status.code(), Some(1), "a rejected record makes the run exit 1");
    let err = stderr(&out);
    assert!(err.contains("a.jsonl:2: field `published_at`: cannot read `某天`"), "{err}");
    assert!(stdout(&out).starts_with("1 results"), "the good records were still committed: {}", stdout(&out));

    // Reopened by a new process: the articles are there; delete one.
    assert_eq!(ids(&json(&search(&["--index", index, "--json", "茶农 OR 高铁"]))).len(), 2);
    let doc = json(&search(&["--index", index, "--delete", "a3", "--json", "高铁"]));
    assert_eq!(doc["total"], 0);
    assert_eq!(ids(&json(&search(&["--index", index, "--json", "茶农"]))), ["a1"]);

    // Commits make segments; --merge leaves one, with the same answers.
    fs::write(input.join("b.jsonl"), "{\"id\": \"b1\", \"body\": \"茶园\"}\n{\"id\": \"b2\", \"body\": \"茶山\"}\n")
        .expect("write");
    let b = input.join("b.jsonl");
    let out = search(&["--index", index, "--add", b.to_str().expect("utf-8"), "--commit-every", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let segments = || {
        let entries = fs::read_dir(index).expect("ls").filter_map(|e| e.ok());
        entries.filter(|e| e.path().extension().is_some_and(|x| x == "idx")).count()
    };
    assert!(segments() >= 2, "{} segments", segments());
    let doc = json(&search(&["--index", index, "--merge", "--json", "茶"]));
    assert_eq!(doc["total"], 3);
    assert_eq!(segments(), 1);
}

/// Past 10,000 matches the counts are lower bounds ("at least", JSON
/// `"total_relation": "gte"`); `--exact-total` counts every match. The
/// hits are the same either way.
#[test]
fn counts_past_ten_thousand_are_lower_bounds_unless_asked() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = tmp.path().join("many.jsonl");
    let lines: Vec<String> = (0..10_050)
        .map(|i| format!("{{\"id\": \"m{i}\", \"body\": \"第{i}次测试，报告{}。\"}}", "好".repeat(i % 7)))
        .collect();
    fs::write(&input, lines.join("\n")).expect("write");
    let index = tmp.path().join("idx");
    let index = index.to_str().expect("utf-8 path");
    let out = search(&["--index", index, "--add", input.to_str().expect("utf-8"), "测试 报告"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("at least "), "{}", stdout(&out));
    let bounded = json(&search(&["--index", index, "--json", "测试 报告"]));
    assert_eq!(bounded["total_relation"], "gte");
    let exact = json(&search(&["--index", index, "--json", "--exact-total", "测试 报告"]));
    assert_eq!((exact["total"].as_u64(), exact["total_relation"].as_str()), (Some(10_050), Some("eq")));
    assert!(bounded["total"].as_u64().is_some_and(|n| (10_000..=10_050).contains(&n)), "{}", bounded["total"]);
    assert_eq!(ids(&bounded), ids(&exact));
}

#[test]
fn no_arguments_prints_a_short_help() {
    let out = search(&[]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("--example search"), "{}", stdout(&out));
}

/// The evaluation example measures MRR@10 in process and through the
/// search binary alike, and a glossary given with `--synonyms` counts: a
/// query in the other side's word finds its article only with it.
#[test]
fn eval_measures_known_items_with_and_without_a_glossary() {
    let dir = tempfile::tempdir().expect("tempdir");
    let articles = dir.path().join("articles.jsonl");
    let lines = [
        r#"{"id": "potato", "title": "馬鈴薯燉肉", "body": "將馬鈴薯切塊後與牛肉一起燉煮。"}"#,
        r#"{"id": "cells", "title": "儲存格格式", "body": "變更選取儲存格的字型。"}"#,
        r#"{"id": "other", "title": "列印文件", "body": "將目前的文件送到印表機。"}"#,
    ];
    fs::write(&articles, lines.join("\n")).expect("write articles");
    let queries = dir.path().join("queries.jsonl");
    fs::write(&queries, r#"{"q": "土豆", "target": "potato"}"#).expect("write queries");
    let glossary = dir.path().join("glossary.txt");
    fs::write(&glossary, "土豆,马铃薯\n").expect("write glossary");
    let search_bin = example("search");
    let eval = |extra: &[&std::ffi::OsStr]| {
        let out = Command::new(example("eval")).args(extra).arg(&articles).arg(&queries).output().expect("run eval");
        assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
        let text = stdout(&out);
        let line = text.lines().find(|l| l.contains("MRR@10")).unwrap_or_else(|| panic!("no MRR line: {text}"));
        line.split("MRR@10 ").nth(1).and_then(|r| r.split_whitespace().next()).unwrap_or("").to_owned()
    };
    let synonyms = [std::ffi::OsStr::new("--synonyms"), glossary.as_os_str()];
    let through = [std::ffi::OsStr::new("--through"), search_bin.as_os_str()];
    assert_eq!(eval(&[]), "0.000");
    assert_eq!(eval(&synonyms), "1.000");
    assert_eq!(eval(&through), "0.000");
    assert_eq!(eval(&[synonyms[0], synonyms[1], through[0], through[1]]), "1.000");
}
