//! The collection's statistics, read from the engine: what makes a
//! document's score the same on one shard or three.
//!
//! Each shard ranks with its own counts, so the engine's own weights differ
//! from shard to shard; but a distributed table sums its agents' keyword
//! counts (`SHOW META`), their `COUNT(*)` and `SUM()`. zhsearch's ranking
//! asks for counts of its tokens in the title or the body, which are the
//! engine's keywords (see [`crate::units`]), and for phrases of units
//! (pairs side by side). Most are known before the ranking asks, from the
//! first stage's own round trip; any other is asked for then, one at a
//! time, and counted in [`Statistics::lookups`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use zhsearch::query::{CollectionStatistics, TextField};

use crate::node::{meta, number, text, Node};
use crate::schema::SHARD_TABLE;
use crate::sql::quote;
use crate::units::keyword;

/// Collection-wide counts for one search.
#[derive(Debug)]
pub(crate) struct Statistics<'c> {
    pub master: &'c Node,
    /// The shards, whose dictionaries answer many keywords at once.
    pub shards: &'c [Node],
    /// The table reads go to.
    pub table: &'c str,
    pub documents: u64,
    pub title_tokens: u64,
    pub body_tokens: u64,
    pub titled: u64,
    /// Documents per keyword.
    pub keywords: Mutex<HashMap<String, u64>>,
    /// Documents per phrase (`MATCH()` text).
    pub phrases: Mutex<HashMap<String, u64>>,
    /// Counts asked for one at a time, after the first stage.
    pub lookups: AtomicUsize,
}

/// `MATCH()` text for a phrase of units in `field`.
pub(crate) fn phrase_text(field: TextField, units: &[impl AsRef<str>]) -> String {
    let words: Vec<String> = units.iter().map(|u| keyword(field, u.as_ref())).collect();
    match words.as_slice() {
        [one] => one.clone(),
        _ => format!("\"{}\"", words.join(" ")),
    }
}

/// The statement that counts a phrase's documents.
pub(crate) fn count_statement(table: &str, text: &str) -> String {
    format!("SELECT COUNT(*) FROM {table} WHERE MATCH({})", quote(text))
}

/// How many documents have each of `keywords`, summed over the shards'
/// dictionaries (`CALL KEYWORDS`, one statement a shard however many
/// keywords); `None` when a shard does not answer.
pub(crate) fn dictionary_counts(shards: &[Node], keywords: &[&str]) -> Option<HashMap<String, u64>> {
    let call = format!("CALL KEYWORDS({}, {}, 1)", quote(&keywords.join(" ")), quote(SHARD_TABLE));
    let mut counts = HashMap::new();
    for shard in shards {
        for row in shard.run(&call).ok()?.first()? {
            *counts.entry(text(row, 2)).or_insert(0) += number(row, 3).unwrap_or(0);
        }
    }
    Some(counts)
}

/// Reads keyword counts from `SHOW META` rows into `into`.
pub(crate) fn read_keywords(rows: &[mysql::Row], into: &mut HashMap<String, u64>) {
    let meta = meta(rows);
    for (name, value) in &meta {
        let Some(i) = name.strip_prefix("keyword[") else { continue };
        let docs = meta.iter().find(|(n, _)| n.strip_prefix("docs[") == Some(i)).and_then(|(_, v)| v.parse().ok());
        into.insert(value.clone(), docs.unwrap_or(0));
    }
}

impl Statistics<'_> {
    fn error(&self, e: crate::Error) -> zhsearch::Error {
        zhsearch::Error::Statistics {
            from: format!("{} ({})", self.master.name, self.master.addr),
            source: Box::new(e),
        }
    }

    fn keyword_docs(&self, keyword: String) -> zhsearch::Result<u64> {
        if let Some(&n) = self.keywords.lock().unwrap_or_else(|e| e.into_inner()).get(&keyword) {
            return Ok(n);
        }
        self.lookups.fetch_add(1, Ordering::Relaxed);
        let sql = format!("SELECT id FROM {} WHERE MATCH({}) LIMIT 0; SHOW META", self.table, quote(&keyword));
        let sets = self.master.run(&sql).map_err(|e| self.error(e))?;
        let mut keywords = self.keywords.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(rows) = sets.last() {
            read_keywords(rows, &mut keywords);
        }
        // The engine folds keywords to lower case, as ours already are.
        Ok(*keywords.entry(keyword).or_insert(0))
    }
}

impl CollectionStatistics for Statistics<'_> {
    fn documents(&self) -> zhsearch::Result<u64> {
        Ok(self.documents)
    }

    fn field_tokens(&self, field: TextField) -> zhsearch::Result<u64> {
        Ok(match field {
            TextField::Title => self.title_tokens,
            TextField::Body => self.body_tokens,
            TextField::TitleKey => self.titled,
        })
    }

    fn token_documents(&self, field: TextField, token: &str) -> zhsearch::Result<u64> {
        self.keyword_docs(keyword(field, token))
    }

    /// The keywords not known yet are read from the shards' dictionaries
    /// together, in one round trip a shard, the title's and the body's at
    /// once (the ranking asks for both); if a shard does not answer, one at
    /// a time through the master, as `token_documents` reads them.
    fn tokens_documents(&self, field: TextField, tokens: &[&str]) -> zhsearch::Result<Vec<u64>> {
        let keywords: Vec<String> = tokens.iter().map(|t| keyword(field, t)).collect();
        let both: Vec<String> = match field {
            TextField::Title | TextField::Body => [TextField::Title, TextField::Body]
                .iter()
                .flat_map(|&f| tokens.iter().map(move |t| keyword(f, t)))
                .collect(),
            TextField::TitleKey => keywords.clone(),
        };
        let mut missing: Vec<&str> = {
            let known = self.keywords.lock().unwrap_or_else(|e| e.into_inner());
            both.iter().map(String::as_str).filter(|k| !known.contains_key(*k)).collect()
        };
        missing.sort_unstable();
        missing.dedup();
        if missing.len() > 1 {
            if let Some(counts) = dictionary_counts(self.shards, &missing) {
                self.lookups.fetch_add(1, Ordering::Relaxed);
                let mut known = self.keywords.lock().unwrap_or_else(|e| e.into_inner());
                for k in missing {
                    known.insert(k.to_owned(), counts.get(k).copied().unwrap_or(0));
                }
            }
        }
        keywords.into_iter().map(|k| self.keyword_docs(k)).collect()
    }

    fn phrase_documents(&self, field: TextField, units: &[&str]) -> zhsearch::Result<u64> {
        if units.len() < 2 {
            return match units.first() {
                Some(one) => self.token_documents(field, one),
                None => Ok(0),
            };
        }
        let text = phrase_text(field, units);
        if let Some(&n) = self.phrases.lock().unwrap_or_else(|e| e.into_inner()).get(&text) {
            return Ok(n);
        }
        self.lookups.fetch_add(1, Ordering::Relaxed);
        let sets = self.master.run(&count_statement(self.table, &text)).map_err(|e| self.error(e))?;
        let n = sets.first().and_then(|rows| rows.first()).and_then(|row| number(row, 0)).unwrap_or(0);
        self.phrases.lock().unwrap_or_else(|e| e.into_inner()).insert(text, n);
        Ok(n)
    }
}
