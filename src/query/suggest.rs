//! Suggestions while typing: completions of a prefix, drawn from the
//! index. tantivy has no suggester (tantivy#1174); this one completes a
//! prefix with the index's titles and with the words of jieba's
//! dictionary that the index has, ranked by how many documents have them.
//!
//! A prefix may be Han characters in either script (`貧困` → 贫困县), full
//! pinyin with an unfinished last syllable (`tuopin`), initials (`tpgj`),
//! or a mix (`脱pin`): it is read as [`crate::analysis::pinyin::read`]
//! reads a query, its last syllable perhaps partial.

use serde::{Deserialize, Serialize};
use tantivy::Term;

use super::rank::Stats;
use super::terms::Pattern;
use crate::analysis::pinyin::{self, Slot};
use crate::error::Result;
use crate::index::SearchIndex;

/// A completion of a prefix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggestion {
    /// The completed text (folded: Simplified, lowercase).
    pub text: String,
    /// How many documents have it, in the title or the body.
    pub docs: u64,
}

/// How many words of the lexicon each reading of a prefix offers, the
/// most common first. The index's own words are a small part of jieba's
/// dictionary: a short prefix needs a deep pool to find them.
const POOL: usize = 300;
/// How many candidates, in the lexicon's order, have their documents
/// estimated.
const ESTIMATED: usize = 600;
/// How many more than asked for have their documents counted exactly.
const COUNTED_MORE: usize = 5;
/// The most rounds of counts (each of as many candidates as asked for
/// and [`COUNTED_MORE`]) a prefix gets (see `best_counted`).
const COUNT_ROUNDS: usize = 3;
/// How many words a title may start with, per reading, when a pinyin
/// prefix is completed with titles or a query with initials is read as a
/// whole title (fewer found a third fewer LibreOffice titles typed in
/// initials; more cost more than they found).
const TITLE_WORDS: usize = 50;
/// How many titles found through the tables of titles by initials are
/// added (see [`SearchIndex::titles_fitting`]).
const TABLE_TITLES: usize = 50;
/// How many fitting titles of those tables are weighed at most: a short
/// reading of a large index fits many, and each is estimated.
const TABLE_SCAN: usize = 2_000;
/// How many readings of a pinyin prefix are tried.
const READINGS: usize = 16;
/// The longest prefix completed, in characters.
const MAX_PREFIX: usize = 32;

impl SearchIndex {
    /// Completions of `prefix`, the most documents first (ties in the
    /// order of the text), at most `limit`. A completion is a title of the
    /// index that starts with the prefix (Han prefixes) or a word of
    /// jieba's dictionary that starts with it and that documents have; a
    /// completion is never the prefix itself. Empty for an empty prefix.
    ///
    /// ```
    /// use zhsearch::analysis::AnalyzerSettings;
    /// use zhsearch::article::Article;
    /// use zhsearch::index::SearchIndex;
    ///
    /// let index = SearchIndex::in_memory(&AnalyzerSettings::default())?;
    /// let mut writer = index.writer()?;
    /// let mut article = Article::new("a", "脱贫攻坚取得决定性胜利。");
    /// article.title = Some("脱贫攻坚".into());
    /// writer.upsert(&article)?;
    /// writer.commit()?;
    /// let texts = |p: &str| -> Vec<String> {
    ///     index.suggest(p, 5).unwrap_or_default().into_iter().map(|s| s.text).collect()
    /// };
    /// assert!(texts("脱贫").contains(&"脱贫攻坚".to_string()));
    /// assert!(texts("tpgj").contains(&"脱贫攻坚".to_string()));
    /// # Ok::<(), zhsearch::Error>(())
    /// ```
    pub fn suggest(&self, prefix: &str, limit: usize) -> Result<Vec<Suggestion>> {
        let folded: String = self.analyzer.fold(prefix).chars().filter(|c| !c.is_whitespace()).collect();
        if folded.is_empty() || limit == 0 || folded.chars().count() > MAX_PREFIX {
            return Ok(Vec::new());
        }
        let searcher = self.reader.searcher();
        let stats = Stats::new(&searcher, self.fields);
        let lexicon = self.analyzer.lexicons();
        let mut candidates: Vec<String> = Vec::new();
        if folded.chars().any(|c| c.is_ascii_alphabetic()) {
            for slots in pinyin::read(&folded, true).into_iter().take(READINGS) {
                candidates.extend(lexicon.starting_with(&slots, POOL).into_iter().map(str::to_owned));
                candidates.extend(self.titles_fitting(&stats, &slots)?);
            }
        } else {
            let slots: Vec<Slot> = folded.chars().map(Slot::Han).collect();
            candidates.extend(lexicon.starting_with(&slots, POOL).into_iter().map(str::to_owned));
            candidates.extend(self.titles_starting_with(&folded, POOL)?);
        }
        candidates.retain(|c| *c != folded);
        let mut seen = std::collections::HashSet::new();
        candidates.retain(|c| seen.insert(c.clone()));
        // The documents of every candidate estimated from the statistics
        // alone (the rarest token's document frequency, 0 when a token is
        // in no document), then counted exactly a round of the best few at
        // a time (see `best_counted`): counting reads postings, a phrase
        // search each.
        let mut estimated: Vec<(u64, String, Pattern)> = Vec::new();
        for text in candidates.into_iter().take(ESTIMATED) {
            let Some(pattern) = Pattern::of_text(&self.analyzer, &text) else { continue };
            let docs = stats.docs_estimate(&pattern);
            if docs > 0 {
                estimated.push((docs, text, pattern));
            }
        }
        estimated.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        let mut out = best_counted(&estimated, limit, |round| self.count_each(&stats, round));
        out.sort_by(|a, b| b.docs.cmp(&a.docs).then_with(|| a.text.cmp(&b.text)));
        out.truncate(limit);
        Ok(out)
    }

    /// The documents of each candidate (see `docs_with`), in order. The
    /// counts are phrase searches over the whole index, most of a pinyin
    /// prefix's time: when their estimates add up to more documents than
    /// a search is given threads for (see [`SearchIndex::search_threads`]
    /// and `MIN_THREADED_POSTINGS`), the search's threads share them.
    fn count_each(&self, stats: &Stats<'_>, candidates: &[(u64, String, Pattern)]) -> Vec<u64> {
        let threads = self.search_threads().min(candidates.len());
        let work: u64 = candidates.iter().map(|(estimate, ..)| *estimate).sum();
        if threads < 2 || work < super::rank::MIN_THREADED_POSTINGS {
            return candidates.iter().map(|(_, _, pattern)| self.docs_with(stats, pattern)).collect();
        }
        // A candidate whose count panicked on another thread is counted
        // again here.
        super::rank::share(threads, candidates.len(), |i| self.docs_with(stats, &candidates[i].2))
            .into_iter()
            .zip(candidates)
            .map(|(counted, (_, _, pattern))| counted.unwrap_or_else(|| self.docs_with(stats, pattern)))
            .collect()
    }

    /// The index's titles whose first characters fit `slots`. First those
    /// that start with a word of the lexicon that fits the first slots (a
    /// title is looked up by its first word, `脱贫` for `tpgj`), the
    /// common words first; then the others that the segments' tables of
    /// titles by initials have (`titles.rs`), the most documents first
    /// (estimated from the statistics), at most [`TABLE_TITLES`] of them.
    pub(crate) fn titles_fitting(&self, stats: &Stats<'_>, slots: &[Slot]) -> Result<Vec<String>> {
        let mut out: Vec<String> = Vec::new();
        // An index without titles (the news corpus has none) has nothing
        // to look up, and tantivy would build an empty dictionary per
        // segment for every first word tried.
        let searcher = self.reader.searcher();
        if slots.is_empty() || !self.present_fields(&searcher)?.contains(self.fields.title_key) {
            return Ok(out);
        }
        // Among initials, a lone vowel is the initial of a syllable without
        // one (安 an in `aqx`), as the query side reads it (see
        // `query::pinyin::is_mixed`).
        let initials = slots.iter().any(|s| matches!(s, Slot::Initial(_)));
        let slots: Vec<Slot> = slots
            .iter()
            .map(|s| match s {
                Slot::Syllable(t) if initials && t.len() == 1 => Slot::Initial(t.clone()),
                _ => s.clone(),
            })
            .collect();
        let slots = slots.as_slice();
        // Only the characters with a reading are typed (陈冠希…(组图) is
        // `cgx…`): the others are skipped.
        let fits = |title: &str| {
            let mut chars = pinyin::typed_chars(title);
            slots.iter().all(|s| chars.next().is_some_and(|c| pinyin::fits(c, s)))
        };
        for k in (1..=slots.len().min(2)).rev() {
            // The first words the index has (every token in some
            // document: a cheap check, remembered for the call).
            let pool = self.analyzer.lexicons().fitting(&slots[..k], POOL);
            // Where each count is a round trip (a cluster), all of them
            // together first; an index's own are cheap, read as needed.
            if stats.is_external() {
                let patterns: Vec<Pattern> = pool.iter().filter_map(|w| Pattern::of_text(&self.analyzer, w)).collect();
                stats.prefetch(
                    &patterns.iter().flat_map(|p| p.tokens.iter().map(|(_, t)| t.as_str())).collect::<Vec<_>>(),
                );
            }
            let words = pool.into_iter().filter(|w| {
                Pattern::of_text(&self.analyzer, w)
                    .is_some_and(|p| p.tokens.iter().all(|(_, t)| stats.token_doc_freq(t).is_ok_and(|n| n > 0)))
            });
            for word in words.take(TITLE_WORDS) {
                for title in self.titles_starting_with(word, TITLE_WORDS * 5)? {
                    if fits(&title) && !out.contains(&title) {
                        out.push(title);
                    }
                }
            }
        }
        let letters: Vec<char> = match &slots[0] {
            Slot::Han(c) => {
                let mut letters: Vec<char> = pinyin::readings(*c).iter().filter_map(|r| r.chars().next()).collect();
                letters.sort_unstable();
                letters.dedup();
                letters
            }
            Slot::Syllable(s) | Slot::Initial(s) | Slot::Partial(s) => s.chars().next().into_iter().collect(),
        };
        let tables = self.titles.of(&searcher, self.fields.title_key).map_err(|e| self.error(e))?;
        let mut more: Vec<(u64, &str)> = Vec::new();
        for table in &tables {
            for &letter in &letters {
                for title in table.starting_with(letter) {
                    if more.len() < TABLE_SCAN && fits(title) && !out.iter().any(|t| **t == **title) {
                        let docs = Pattern::of_text(&self.analyzer, title).map_or(0, |p| stats.docs_estimate(&p));
                        more.push((docs, title));
                    }
                }
            }
        }
        more.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
        more.dedup_by(|a, b| a.1 == b.1);
        out.extend(more.into_iter().take(TABLE_TITLES).map(|(_, t)| t.to_owned()));
        Ok(out)
    }

    /// The index's titles (folded, as `title_key` holds them) that start
    /// with `prefix`, at most `limit`, in the order of the term dictionary.
    fn titles_starting_with(&self, prefix: &str, limit: usize) -> Result<Vec<String>> {
        let key = crate::index::schema::title_key(&self.analyzer, prefix);
        let searcher = self.reader.searcher();
        if key.is_empty() || !self.present_fields(&searcher)?.contains(self.fields.title_key) {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        let start = Term::from_field_text(self.fields.title_key, &key);
        for segment in searcher.segment_readers() {
            let index = segment.inverted_index(self.fields.title_key).map_err(|e| self.error(e))?;
            let mut stream = index
                .terms()
                .range()
                .ge(start.serialized_value_bytes())
                .into_stream()
                .map_err(|e| self.error(e.into()))?;
            while stream.advance() && out.len() < limit {
                let Ok(text) = std::str::from_utf8(stream.key()) else { continue };
                if !text.starts_with(key.as_str()) {
                    break;
                }
                if !out.iter().any(|t| t == text) {
                    out.push(text.to_owned());
                }
            }
        }
        Ok(out)
    }
}

/// The completions among `estimated` (sorted by estimate, the most first)
/// with the most documents, at most `limit`, each with its documents as
/// `count` counts a round of them: rounds of `limit` and [`COUNTED_MORE`]
/// candidates, at most [`COUNT_ROUNDS`].
///
/// The estimates put candidates of common characters that no document
/// has side by side first, often a whole round of them (`huoji`: 祸结兵连
/// alone, while 获奖, 和解 and 火箭 have hundreds of documents each): a
/// prefix gets another round while fewer completions than asked for have
/// documents, or while one not yet counted could still have more documents
/// than the `limit`-th best so far. A completion has at most twice its
/// estimate (its rarest token's documents in the title, plus those in the
/// body): a round whose first estimate, doubled, is below that bar, and
/// every round after it, cannot enter.
fn best_counted<T>(
    estimated: &[(u64, String, T)],
    limit: usize,
    mut count: impl FnMut(&[(u64, String, T)]) -> Vec<u64>,
) -> Vec<Suggestion> {
    let batch = limit.saturating_add(COUNTED_MORE).max(1);
    let mut out: Vec<Suggestion> = Vec::new();
    for round in estimated.chunks(batch).take(COUNT_ROUNDS) {
        let mut best: Vec<u64> = out.iter().map(|s| s.docs).collect();
        best.sort_unstable_by(|a, b| b.cmp(a));
        if let Some(&bar) = best.get(limit.saturating_sub(1)).filter(|_| limit > 0) {
            if round[0].0.saturating_mul(2) < bar {
                break;
            }
        }
        for ((_, text, _), docs) in round.iter().zip(count(round)) {
            if docs > 0 {
                out.push(Suggestion { text: text.clone(), docs });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::article::Article;

    /// Counts shared by the search's threads are each candidate's own, in
    /// the candidates' order, as one thread counts them.
    #[test]
    fn counts_shared_by_threads_are_those_of_one_thread() {
        let index = SearchIndex::in_memory(&Default::default()).expect("index");
        let mut writer = index.writer_with_threads(1).expect("writer");
        let bodies = ["中国人民大学", "中国人", "人民日报", "大学生", "中国大学生", "日报社"];
        for (i, body) in bodies.iter().cycle().take(60).enumerate() {
            writer.upsert(&Article::new(format!("d{i}"), body.repeat(1 + i % 3))).expect("upsert");
        }
        writer.commit().expect("commit");
        let searcher = index.reader.searcher();
        let stats = Stats::new(&searcher, index.fields);
        // Estimates high enough for the threads, whatever the texts.
        let texts = ["中国人民", "人民", "大学生", "日报社", "中国大学", "学生", "民大", "报社", "社", "无此词"];
        let candidates: Vec<(u64, String, Pattern)> = texts
            .iter()
            .map(|t| (MIN_THREADED, t.to_string(), Pattern::of_text(&index.analyzer, t).expect("pattern")))
            .collect();
        index.set_search_threads(1);
        let one = index.count_each(&stats, &candidates);
        index.set_search_threads(4);
        let shared = index.count_each(&stats, &candidates);
        assert_eq!(one, shared);
        let each: Vec<u64> = candidates.iter().map(|(_, _, p)| index.docs_with(&stats, p)).collect();
        assert_eq!(shared, each);
        assert_eq!(shared[0], 10, "中国人民 is in each 中国人民大学, every sixth document");
        assert_eq!(shared[9], 0);
    }

    const MIN_THREADED: u64 = crate::query::rank::MIN_THREADED_POSTINGS;

    /// Candidates `c0`, `c1`, … with these estimates (most first).
    fn estimated(estimates: &[u64]) -> Vec<(u64, String, ())> {
        estimates.iter().enumerate().map(|(i, &e)| (e, format!("c{i}"), ())).collect()
    }

    /// A first round of candidates that no document has does not end the
    /// counting: the next rounds find the completions that documents have.
    #[test]
    fn a_round_of_empty_completions_is_followed_by_another() {
        // The third round's estimates, doubled, stay below the tenth best
        // count of the second.
        let mut estimates = vec![900; 30];
        estimates.extend([30; 10]);
        let candidates = estimated(&estimates);
        let docs = |i: usize| if i < 15 { 0 } else { 100 - i as u64 };
        let mut rounds = 0;
        let found = best_counted(&candidates, 10, |round| {
            rounds += 1;
            round.iter().map(|(_, t, _)| docs(t[1..].parse().unwrap_or(0))).collect()
        });
        assert_eq!(rounds, 2, "the second round has ten completions with more than the third could");
        let texts: Vec<&str> = found.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(texts[..3], ["c15", "c16", "c17"]);
        assert_eq!(found.len(), 15);
        // At most COUNT_ROUNDS rounds when none has documents.
        let mut rounds = 0;
        assert!(best_counted(&candidates, 10, |round| {
            rounds += 1;
            vec![0; round.len()]
        })
        .is_empty());
        assert_eq!(rounds, COUNT_ROUNDS);
    }

    /// Past a full list, another round is counted only while one of its
    /// candidates could have more documents than the last of the list.
    #[test]
    fn a_round_that_cannot_enter_the_list_is_not_counted() {
        // Ten of the first fifteen have 500 documents or more; the next
        // round's estimates, doubled, reach 500 or not.
        for (next, counted) in [(240, 1), (250, 2)] {
            let mut estimates = vec![1_000; 15];
            estimates.extend(std::iter::repeat_n(next, 15));
            let candidates = estimated(&estimates);
            let mut rounds = 0;
            best_counted(&candidates, 10, |round| {
                rounds += 1;
                round.iter().enumerate().map(|(i, _)| if i < 10 { 500 + i as u64 } else { 0 }).collect()
            });
            assert_eq!(rounds, counted, "next estimates {next}");
        }
    }
}
