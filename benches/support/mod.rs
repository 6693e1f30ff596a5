//! What the benches and `examples/perf.rs` share: the corpora, and the
//! peer baseline (tantivy with tantivy-jieba's defaults) built over the same
//! articles.
//!
//! Corpora: with `ZHSEARCH_CORPORA` set, People's Daily 1998 paragraphs
//! (Simplified) and the Tang poems (Traditional) from that directory;
//! without it, the public-domain excerpts bundled in `data/bench/` (三国演义
//! and the first 8,000 Tang poems, zstd-compressed). No document is ever
//! repeated to make volume: repeated text flatters jieba's figures.
#![allow(dead_code)] // each bench target uses its own subset

use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::Value;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::QueryParser;
use tantivy::schema::{IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value as _, STORED, STRING};
use tantivy::{Index, IndexWriter, TantivyDocument};
use zhsearch::article::Article;

/// The writer memory budget both engines get (zhsearch's default).
pub const WRITER_MEMORY: usize = 256 * 1024 * 1024;

/// A named corpus of articles.
pub struct Corpus {
    pub name: &'static str,
    pub articles: Vec<Article>,
}

impl Corpus {
    /// Bytes of title and body text: what throughput is measured in.
    pub fn bytes(&self) -> u64 {
        self.articles.iter().map(|a| (a.body.len() + a.title.as_ref().map_or(0, String::len)) as u64).sum()
    }

    /// Every title and body, in order: the analyzer benches' input.
    pub fn texts(&self) -> Vec<&str> {
        self.articles
            .iter()
            .flat_map(|a| a.title.as_deref().into_iter().chain(std::iter::once(a.body.as_str())))
            .collect()
    }
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shared corpora directory, when `ZHSEARCH_CORPORA` names one.
pub fn corpora_dir() -> Option<PathBuf> {
    std::env::var_os("ZHSEARCH_CORPORA").map(PathBuf::from).filter(|p| p.is_dir())
}

fn read_jsonl(path: &Path) -> String {
    let mut bytes = Vec::new();
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if path.extension().is_some_and(|e| e == "zst") {
        zstd::Decoder::new(file).and_then(|mut d| d.read_to_end(&mut bytes))
    } else {
        std::io::BufReader::new(file).read_to_end(&mut bytes)
    }
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    String::from_utf8(bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn articles(path: &Path) -> Vec<Article> {
    read_jsonl(path)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
            let mut a = Article::new(s("id").unwrap_or_default(), s("text").unwrap_or_default());
            a.title = s("title");
            a.author = s("author");
            a
        })
        .filter(|a| !a.body.trim().is_empty())
        .collect()
}

/// The Simplified corpus: People's Daily 1998 paragraphs, or 三国演义.
pub fn simplified() -> Corpus {
    match corpora_dir() {
        Some(dir) => Corpus { name: "news-pd1998", articles: articles(&dir.join("news-pd1998-paragraphs.jsonl")) },
        None => Corpus { name: "sanguo", articles: articles(&repo().join("data/bench/sanguo-chapters.jsonl.zst")) },
    }
}

/// The Traditional corpus: all Tang poems, or the first 8,000.
pub fn traditional() -> Corpus {
    match corpora_dir() {
        Some(dir) => Corpus { name: "tang-poems", articles: articles(&dir.join("tang-poems-traditional.jsonl")) },
        None => Corpus {
            name: "tang-poems-8000",
            articles: articles(&repo().join("data/bench/tang-poems-traditional-8000.jsonl.zst")),
        },
    }
}

/// Natural queries: the THUCNews headlines (with `ZHSEARCH_CORPORA`), or
/// the chapter titles of 三国演义 without it. Searched over the Simplified
/// corpus, they are descriptions in a reader's own words, most of which
/// the articles share only in part.
pub fn headlines() -> Vec<String> {
    let (path, field) = match corpora_dir() {
        Some(dir) => (dir.join("thucnews-titles.jsonl"), "text"),
        None => (repo().join("data/bench/sanguo-chapters.jsonl.zst"), "title"),
    };
    read_jsonl(&path)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(|line| {
            let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            v.get(field).and_then(Value::as_str).map(str::to_owned)
        })
        .collect()
}

/// The peer: tantivy with tantivy-jieba as its documentation sets it up
/// (search mode, HMM on), title and body indexed with positions and
/// stored, the id stored as a raw string.
pub struct Baseline {
    pub index: Index,
    pub id: tantivy::schema::Field,
    pub title: tantivy::schema::Field,
    pub body: tantivy::schema::Field,
}

impl Baseline {
    /// An empty baseline index in `dir` (in memory without one).
    pub fn create(dir: Option<&Path>) -> Baseline {
        let mut schema = Schema::builder();
        let text = TextOptions::default()
            .set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer("jieba")
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions),
            )
            .set_stored();
        let id = schema.add_text_field("id", STRING | STORED);
        let title = schema.add_text_field("title", text.clone());
        let body = schema.add_text_field("body", text);
        let schema = schema.build();
        let index = match dir {
            Some(dir) => Index::create_in_dir(dir, schema).expect("baseline index"),
            None => Index::create_in_ram(schema),
        };
        index.tokenizers().register("jieba", tantivy_jieba::JiebaTokenizer::new());
        Baseline { index, id, title, body }
    }

    /// Indexes `articles` and commits, with tantivy's default writer
    /// (one thread per core, up to 8).
    pub fn index_all(&self, articles: &[Article]) {
        let mut writer: IndexWriter = self.index.writer(WRITER_MEMORY).expect("baseline writer");
        for a in articles {
            let mut doc = TantivyDocument::default();
            doc.add_text(self.id, &a.id);
            if let Some(t) = &a.title {
                doc.add_text(self.title, t);
            }
            doc.add_text(self.body, &a.body);
            writer.add_document(doc).expect("baseline add");
        }
        writer.commit().expect("baseline commit");
    }

    /// The ids of the top `limit` documents for a query in tantivy's query
    /// language, and the total count: the like-for-like work of a search.
    pub fn search(&self, searcher: &tantivy::Searcher, query: &str, limit: usize) -> (Vec<String>, usize) {
        let mut parser = QueryParser::for_index(&self.index, vec![self.title, self.body]);
        parser.set_conjunction_by_default();
        let q = parser.parse_query(query).expect("baseline query");
        let (top, total) = searcher.search(&q, &(TopDocs::with_limit(limit).order_by_score(), Count)).expect("search");
        let ids = top
            .into_iter()
            .map(|(_, addr)| {
                let doc: TantivyDocument = searcher.doc(addr).expect("doc");
                doc.get_first(self.id).and_then(|v| v.as_str()).unwrap_or_default().to_owned()
            })
            .collect();
        (ids, total)
    }
}

impl Baseline {
    /// The peer's query as its documentation sets it up: the query's words
    /// (jieba's cut) OR-ed, the best `limit` by BM25, no count, so that
    /// tantivy prunes with block-max WAND. Query syntax in the text is
    /// read leniently, as a search box would.
    pub fn search_or(&self, searcher: &tantivy::Searcher, query: &str, limit: usize) -> Vec<tantivy::DocAddress> {
        let parser = QueryParser::for_index(&self.index, vec![self.title, self.body]);
        let (q, _) = parser.parse_query_lenient(query);
        let top = searcher.search(&q, &TopDocs::with_limit(limit).order_by_score()).expect("search");
        top.into_iter().map(|(_, addr)| addr).collect()
    }
}

/// Total size of the files under `dir`.
pub fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| {
                    let p = e.path();
                    if p.is_dir() {
                        dir_size(&p)
                    } else {
                        e.metadata().map_or(0, |m| m.len())
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}
