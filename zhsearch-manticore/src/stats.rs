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

use crate::node::{meta, number, on_each, text, Node, Sets};
use crate::schema::SHARD_TABLE;
use crate::sql::quote;
use crate::units::keyword;

/// Collection-wide counts for one search.
#[derive(Debug)]
pub(crate) struct Statistics<'c> {
    /// The analyzer the articles were written with (which pairs are
    /// dictionary bigrams).
    pub analyzer: &'c zhsearch::analysis::Analyzer,
    /// Whether every article has its pairs as keywords
    /// ([`crate::units::PAIRS_MARK`]).
    pub pairs_are_keywords: bool,
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
    /// Phrases the engine searched to count them.
    pub phrase_searches: AtomicUsize,
}

/// Keywords in one search of [`Statistics::keywords_through_master`].
const KEYWORDS_PER_SEARCH: usize = 64;

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

/// How many documents have each phrase of `texts` (`MATCH()` texts, at
/// most [`crate::BATCH`]), in one round trip to `node`: the counts of the
/// result sets that came back, in order.
pub(crate) fn count_round(node: &Node, table: &str, texts: &[impl AsRef<str>]) -> crate::Result<Vec<u64>> {
    let batch: Vec<String> = texts.iter().map(|t| count_statement(table, t.as_ref())).collect();
    let sets = node.run(&batch.join("; "))?;
    Ok(sets.iter().map(|rows| rows.first().and_then(|row| number(row, 0)).unwrap_or(0)).collect())
}

/// How many documents have each of `keywords`, summed over the shards'
/// dictionaries (`CALL KEYWORDS`, one statement a shard however many
/// keywords, the shards all at once); `None` when a shard does not answer.
pub(crate) fn dictionary_counts(shards: &[Node], keywords: &[&str]) -> Option<HashMap<String, u64>> {
    let call = keywords_call(keywords);
    let mut counts = HashMap::new();
    for sets in on_each(shards, |_, shard| shard.run(&call)) {
        add_keyword_counts(&sets.ok()?, &mut counts)?;
    }
    Some(counts)
}

/// The statement that asks a shard's dictionary for the counts of
/// `keywords`.
pub(crate) fn keywords_call(keywords: &[&str]) -> String {
    // The engine answers a keyword asked twice twice: each is asked once.
    let mut keywords = keywords.to_vec();
    keywords.sort_unstable();
    keywords.dedup();
    format!("CALL KEYWORDS({}, {}, 1)", quote(&keywords.join(" ")), quote(SHARD_TABLE))
}

/// Adds a shard's reply to [`keywords_call`] to `into`; `None` when the
/// reply has no result set.
pub(crate) fn add_keyword_counts(sets: &Sets, into: &mut HashMap<String, u64>) -> Option<()> {
    for row in sets.first()? {
        *into.entry(text(row, 2)).or_insert(0) += number(row, 3).unwrap_or(0);
    }
    Some(())
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
        // The ranking asks for a token's count in the title and then in
        // the body: both are read in the one round trip.
        let sibling = match keyword.split_at(1) {
            ("t", rest) => Some(format!("b{rest}")),
            ("b", rest) => Some(format!("t{rest}")),
            _ => None,
        };
        let mut asked = vec![keyword.as_str()];
        asked.extend(sibling.as_deref());
        self.keywords_through_master(&asked)?;
        Ok(self.keywords.lock().unwrap_or_else(|e| e.into_inner()).get(&keyword).copied().unwrap_or(0))
    }

    /// Reads the counts of `keywords` through the master: a search for any
    /// of them, `LIMIT 0`, whose `SHOW META` gives each keyword's documents
    /// over the shards that answer (the engine folds keywords to lower
    /// case, as ours already are; one no document has may be missing from
    /// the reply, and counts 0). [`KEYWORDS_PER_SEARCH`] to a search, [`crate::BATCH`] / 2
    /// searches to a round trip: a pinyin reading prefetches hundreds of
    /// words, which one at a time would be as many round trips.
    fn keywords_through_master(&self, keywords: &[&str]) -> zhsearch::Result<()> {
        let searches: Vec<&[&str]> = keywords.chunks(KEYWORDS_PER_SEARCH).collect();
        for round in searches.chunks(crate::BATCH / 2) {
            self.lookups.fetch_add(1, Ordering::Relaxed);
            let sql: Vec<String> = round
                .iter()
                .map(|chunk| {
                    let text = quote(&chunk.join(" | "));
                    format!("SELECT id FROM {} WHERE MATCH({text}) LIMIT 0; SHOW META", self.table)
                })
                .collect();
            let sets = self.master.run(&sql.join("; ")).map_err(|e| self.error(e))?;
            let mut known = self.keywords.lock().unwrap_or_else(|e| e.into_inner());
            for rows in sets.iter().skip(1).step_by(2) {
                read_keywords(rows, &mut known);
            }
            for k in round.iter().flat_map(|chunk| chunk.iter()) {
                known.entry((*k).to_owned()).or_insert(0);
            }
        }
        Ok(())
    }

    /// The keyword that counts the phrase `units` in `field`, when the
    /// articles have their pairs as keywords and the phrase is a pair.
    fn pair_keyword(&self, field: TextField, units: &[&str]) -> Option<String> {
        self.pairs_are_keywords.then(|| crate::units::pair_keyword(self.analyzer, field, units)).flatten()
    }

    /// Counts the pairs of `pairs` (`MATCH()` text, keyword) not known yet
    /// from the shards' dictionaries, in one round trip a shard, and
    /// remembers them as phrases; through the master as phrases when a
    /// shard does not answer.
    fn count_pairs(&self, pairs: &[(String, String)]) -> zhsearch::Result<()> {
        let missing: Vec<&(String, String)> = {
            let known = self.phrases.lock().unwrap_or_else(|e| e.into_inner());
            pairs.iter().filter(|(text, _)| !known.contains_key(text)).collect()
        };
        if missing.is_empty() {
            return Ok(());
        }
        let keywords: Vec<&str> = missing.iter().map(|(_, k)| k.as_str()).collect();
        self.lookups.fetch_add(1, Ordering::Relaxed);
        match dictionary_counts(self.shards, &keywords) {
            Some(counts) => {
                let mut known = self.phrases.lock().unwrap_or_else(|e| e.into_inner());
                for (text, k) in missing {
                    known.insert(text.clone(), counts.get(k).copied().unwrap_or(0));
                }
                Ok(())
            }
            None => self.count_phrases(&missing.iter().map(|(text, _)| text.clone()).collect::<Vec<_>>()),
        }
    }

    /// Counts the phrases of `texts` (`MATCH()` texts) not known yet,
    /// [`crate::BATCH`] to a round trip through the master, and remembers
    /// them.
    fn count_phrases(&self, texts: &[String]) -> zhsearch::Result<()> {
        let mut missing: Vec<&String> = {
            let known = self.phrases.lock().unwrap_or_else(|e| e.into_inner());
            texts.iter().filter(|t| !known.contains_key(*t)).collect()
        };
        missing.sort_unstable();
        missing.dedup();
        for chunk in missing.chunks(crate::BATCH) {
            self.lookups.fetch_add(1, Ordering::Relaxed);
            self.phrase_searches.fetch_add(chunk.len(), Ordering::Relaxed);
            let counts = count_round(self.master, self.table, chunk).map_err(|e| self.error(e))?;
            if counts.len() != chunk.len() {
                let reason = format!("{} result sets for {} phrase counts", counts.len(), chunk.len());
                return Err(self.error(crate::Error::Reply { node: self.master.name.clone(), reason }));
            }
            let mut known = self.phrases.lock().unwrap_or_else(|e| e.into_inner());
            for (text, n) in chunk.iter().zip(counts) {
                known.insert((*text).clone(), n);
            }
        }
        Ok(())
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
    /// once (the ranking asks for both); if a shard does not answer,
    /// through the master, many to a statement (see
    /// [`Statistics::keywords_through_master`]).
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
            match dictionary_counts(self.shards, &missing) {
                Some(counts) => {
                    self.lookups.fetch_add(1, Ordering::Relaxed);
                    let mut known = self.keywords.lock().unwrap_or_else(|e| e.into_inner());
                    for k in missing {
                        known.insert(k.to_owned(), counts.get(k).copied().unwrap_or(0));
                    }
                }
                None => self.keywords_through_master(&missing)?,
            }
        }
        keywords.into_iter().map(|k| self.keyword_docs(k)).collect()
    }

    fn phrase_documents(&self, field: TextField, units: &[&str]) -> zhsearch::Result<u64> {
        Ok(self.phrases_documents(&[(field, units.to_vec())])?.first().copied().unwrap_or(0))
    }

    /// The phrases not known yet are counted together, in as few round
    /// trips as the engine allows; with each phrase of the title or the
    /// body, the same phrase in the other (the ranking asks for both, one
    /// after the other). A single unit is a keyword's count.
    ///
    /// A longer phrase is in no document where a pair inside it is in
    /// none, which the shards' dictionaries say with the pairs' own
    /// counts: only the others are searched. Most of the longer phrases
    /// asked for are a typo's candidates with their neighbours, mostly in
    /// no document (1,716 of the 2,038 the typo check asked about over
    /// 300 headlines at 200 MB had such a pair), and each was a phrase
    /// search on every shard.
    fn phrases_documents(&self, phrases: &[(TextField, Vec<&str>)]) -> zhsearch::Result<Vec<u64>> {
        let mut pairs = Vec::new();
        // Each longer phrase not known yet, with the pairs inside it.
        let mut longer: Vec<(String, Vec<String>)> = Vec::new();
        for (field, units) in phrases.iter().filter(|(_, units)| units.len() > 1) {
            let other = match field {
                TextField::Title => Some(TextField::Body),
                TextField::Body => Some(TextField::Title),
                TextField::TitleKey => None,
            };
            for f in std::iter::once(*field).chain(other) {
                let text = phrase_text(f, units);
                if let Some(k) = self.pair_keyword(f, units) {
                    pairs.push((text, k));
                    continue;
                }
                if self.phrases.lock().unwrap_or_else(|e| e.into_inner()).contains_key(&text) {
                    continue;
                }
                let mut inside = Vec::new();
                for window in units.windows(2).chain(units.windows(3)) {
                    if let Some(k) = self.pair_keyword(f, window) {
                        inside.push(phrase_text(f, window));
                        pairs.push((phrase_text(f, window), k));
                    }
                }
                longer.push((text, inside));
            }
        }
        self.count_pairs(&pairs)?;
        let texts: Vec<String> = {
            let mut known = self.phrases.lock().unwrap_or_else(|e| e.into_inner());
            let mut texts = Vec::new();
            for (text, inside) in longer {
                match inside.iter().any(|pair| known.get(pair) == Some(&0)) {
                    true => {
                        known.insert(text, 0);
                    }
                    false => texts.push(text),
                }
            }
            texts
        };
        self.count_phrases(&texts)?;
        let mut out = Vec::with_capacity(phrases.len());
        for (field, units) in phrases {
            out.push(match units.as_slice() {
                [] => 0,
                [one] => self.token_documents(*field, one)?,
                units => {
                    let text = phrase_text(*field, units);
                    self.phrases.lock().unwrap_or_else(|e| e.into_inner()).get(&text).copied().unwrap_or(0)
                }
            });
        }
        Ok(out)
    }
}
