//! Pinyin input, read on the query side only.
//!
//! The index is never folded to pinyin: Meilisearch did that and had to
//! turn it off (景点 found 经典, 部 found 不). Here only a clause the user
//! typed in Latin letters is read as pinyin, and it gains the words of
//! Han characters it may stand for, as a word gains its regional variants:
//! one clause, any spelling, the text as typed ranked first (see
//! `rank/plan.rs`). A query in Han characters never matches by sound.
//!
//! A clause is read every way it can be ([`crate::analysis::pinyin::read`]):
//! full syllables with or without apostrophes (`xi'an`), initials (`bj`),
//! a mix with Han characters (`北jing`, `刘dh`), the last syllable perhaps
//! unfinished. Each reading is cut into words of jieba's dictionary that
//! the index has, the way an input method converts a sentence, weighing
//! each word by how many documents have it: the index's own vocabulary
//! decides between 插入 and 出入 for `cr`.
//!
//! When a reading is one word (`beijing`, `xian`), the clause becomes that
//! word in any of its readings (`xian` is 先, 县… and 西安). When every
//! reading takes several words (`beijingtianqi`), the clause becomes one
//! clause per word of the best cut, each with its alternatives, and the
//! ranking finds the documents with all of them, as it does for a query
//! typed in words.
//!
//! A clause with letters in capitals (`DC`, `A股`, `LibreOffice`, `NBA`)
//! is taken as written beside Han characters, and alone when the index has
//! it as written (see [`cased_as_pinyin`]). Beside Han characters, letters
//! in lower case that read only through initials and that the index has
//! are an acronym too (`gdp增长`), unless the reading makes one word of
//! them and the characters typed with them (`刘dh`; see [`initials_runs`]
//! and `read_pinyin` in `query/mod.rs`).

use std::collections::HashMap;

use crate::analysis::pinyin::{self, Lexicons, Slot};
use crate::analysis::Analyzer;

use super::terms::{Pattern, SoundsLike};

/// How many one-word readings each reading contributes.
const PER_READING: usize = 3;
/// How many of the index's titles a reading with initials may stand for.
pub(crate) const MAX_TITLES: usize = 4;
/// How many alternatives a clause (or a word of a cut) gets at most.
const MAX_ALTERNATIVES: usize = 8;
/// How many words of the lexicon fit a span, at most, before the index
/// weighs them.
const LEXICON_WORDS: usize = 16;
/// How many words of the lexicon fit a span with an initial, at most.
const WIDE_LEXICON_WORDS: usize = 100;
/// The most slots one word of a cut spans.
const MAX_WORD: usize = 4;
/// What each further word of a cut costs beyond the log of the share of
/// the documents that have it (see [`best_cut_of`]).
///
/// A cut is weighed as an input method weighs one: the product of its
/// words' chances, a word's chance the share of the documents that have
/// it, and each word one more chance to be wrong. The cost was first a
/// constant 12 against the log of a word's documents, measured on the
/// development sets' 1,139 articles: that is this, plus the log of their
/// number. Over 453,031 articles it let common characters, each in a
/// third of them, beat the words they make: `yiliaorenyuan` read as
/// yi|liao|ren|yuan, eight single characters each, not 医疗 人员.
const WORD_PENALTY: f64 = 5.0;
/// The most slots a clause is read as: a longer Latin run is not pinyin
/// anyone types in one go.
pub(crate) const MAX_SLOTS: usize = 12;
/// How many readings of a clause are tried (fewest slots first).
const MAX_READINGS: usize = 8;

/// What a clause typed in pinyin stands for.
#[derive(Debug)]
pub(crate) enum Reading {
    /// One word, in any of these spellings.
    Word(Vec<SoundsLike>),
    /// Several words, in order: each its syllables as typed and its
    /// spellings.
    Words(Vec<(String, Vec<SoundsLike>)>),
}

/// A word of a cut: its syllables as typed, and its candidates.
type Labelled = (String, Vec<Candidate>);

/// A word that fits a span of slots, and how many documents have it.
#[derive(Debug, Clone)]
struct Candidate {
    pattern: Pattern,
    docs: u64,
}

/// What `text` (a clause as typed) stands for, in words of Han characters
/// that the index has; `None` when it does not read as pinyin or the index
/// has none of its readings. `docs` estimates how many documents have a
/// word (0: none); `titles` gives the index's titles (folded, as their
/// articles write them) whose characters with a reading the slots spell
/// one for one, at most [`MAX_TITLES`].
pub(crate) fn read(
    analyzer: &Analyzer,
    text: &str,
    docs: &dyn Fn(&Pattern) -> u64,
    token_docs: &dyn Fn(&str) -> u64,
    prefetch: Prefetch<'_>,
    titles: &dyn Fn(&[Slot]) -> Vec<String>,
    documents: u64,
) -> Option<Reading> {
    if !text.chars().any(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    // Han characters typed as such are folded (Traditional to Simplified)
    // as the index folds them; the letters are lowercased by the reader.
    let folded = analyzer.fold(text);
    let word_cost = (documents as f64 + 1.0).ln() + WORD_PENALTY;
    let mut spans = Spans {
        analyzer,
        lexicon: analyzer.lexicons(),
        docs,
        token_docs,
        prefetch,
        word_cost,
        memo: HashMap::new(),
        prepared: HashMap::new(),
    };
    let mut one_word: Vec<(u64, SoundsLike)> = Vec::new();
    let mut whole_titles: Vec<SoundsLike> = Vec::new();
    // The best cut of any reading: its score, and each word's syllables
    // and candidates.
    let mut best_cut: Option<(f64, Vec<Labelled>)> = None;
    let letters = folded.chars().filter(char::is_ascii_alphabetic).count();
    // Initials fit too many word pairs for a cut to find a title's terms
    // (`crys` is 插入页首, and 出入, 传入… are as good a start), but the
    // index's titles that the whole reading fits are few: also for a
    // reading too long to cut into words (a headline's initials), where
    // the titles are all it can stand for.
    let long_initials = |slots: &[Slot]| {
        let initials = slots.iter().filter(|s| matches!(s, Slot::Initial(_))).count();
        slots.len() > MAX_SLOTS && initials * 2 > slots.len()
    };
    let readings: Vec<Vec<Slot>> = pinyin::read(&folded, true)
        .into_iter()
        .take(MAX_READINGS)
        .filter(|slots| {
            let too_long = slots.len() > MAX_SLOTS && !long_initials(slots);
            let mixed = letters >= MIXED_MAX_LETTERS && is_mixed(slots);
            !too_long && !mixed
        })
        .collect();
    // Every reading's whole span looked up at once.
    spans.prefetch_spans(&readings.iter().filter(|r| !long_initials(r)).map(Vec::as_slice).collect::<Vec<_>>());
    for slots in readings {
        let label = |slots: &[Slot]| slots.iter().map(slot_text).collect::<Vec<_>>().join(" ");
        let initials = slots.iter().filter(|s| matches!(s, Slot::Initial(_))).count();
        let long_initials = long_initials(&slots);
        if slots.len() >= 2 && initials > 0 {
            for title in titles(&slots) {
                let Some(pattern) = Pattern::of_text(analyzer, &title) else { continue };
                if whole_titles.len() < MAX_TITLES && !whole_titles.iter().any(|t| t.pattern == pattern) {
                    whole_titles.push(SoundsLike { pattern, reading: label(&slots) });
                }
            }
        }
        if long_initials {
            continue;
        }
        let whole = spans.words(&slots);
        for c in whole.iter().take(PER_READING) {
            if !one_word.iter().any(|(_, s)| s.pattern == c.pattern) {
                one_word.push((c.docs, SoundsLike { pattern: c.pattern.clone(), reading: label(&slots) }));
            }
        }
        if !one_word.is_empty() {
            continue;
        }
        if let Some((score, cut)) = best_cut_of(&mut spans, &slots) {
            if best_cut.as_ref().is_none_or(|(s, _)| score > *s) {
                let words = cut.into_iter().map(|(from, to, words)| (label(&slots[from..to]), words)).collect();
                best_cut = Some((score, words));
            }
        }
    }
    if !one_word.is_empty() || !whole_titles.is_empty() {
        one_word.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.pattern.text.cmp(&b.1.pattern.text)));
        // The whole titles first: they are what initials this long mean
        // in this index.
        let mut words = whole_titles;
        for (_, s) in one_word {
            if !words.iter().any(|t| t.pattern == s.pattern) {
                words.push(s);
            }
        }
        words.truncate(MAX_ALTERNATIVES);
        return Some(Reading::Word(words));
    }
    let (_, cut) = best_cut?;
    let words = cut
        .into_iter()
        .map(|(label, candidates)| {
            let sounds =
                candidates.into_iter().map(|c| SoundsLike { pattern: c.pattern, reading: label.clone() }).collect();
            (label, sounds)
        })
        .collect();
    Some(Reading::Words(words))
}

/// From how many Latin letters a reading that mixes full syllables with
/// initials is not tried: people type a long run either in syllables
/// (`liudehua`) or in initials (`ldh`), and a long word that reads only
/// as a mix is an English word (`Schaefer`, `Galaxy`, `Metals`), whose
/// readings cost a headline with it three times its search. A short mix
/// (`liudh`) is still read.
const MIXED_MAX_LETTERS: usize = 6;

/// Whether a reading mixes full (or unfinished) syllables with initials.
/// One lone vowel among initials is an initial too: a syllable without an
/// initial (案 an, 额 e, 欧 ou) is typed as its first letter, so
/// `kqhgbda` is 开启和关闭档案. Two or more read like an English word's
/// syllables (`galaxy`: g a l a x y).
fn is_mixed(slots: &[Slot]) -> bool {
    let lone_vowel = |s: &Slot| matches!(s, Slot::Syllable(t) | Slot::Partial(t) if t.len() == 1);
    let syllables = slots.iter().filter(|s| matches!(s, Slot::Syllable(_) | Slot::Partial(_)) && !lone_vowel(s));
    slots.iter().any(|s| matches!(s, Slot::Initial(_)))
        && (syllables.count() > 0 || slots.iter().filter(|s| lone_vowel(s)).count() > 1)
}

/// A slot as the user typed it, for explanations.
fn slot_text(slot: &Slot) -> String {
    match slot {
        Slot::Han(c) => c.to_string(),
        Slot::Syllable(s) | Slot::Initial(s) => s.clone(),
        Slot::Partial(s) => format!("{s}…"),
    }
}

/// The words that fit spans of slots, remembered: the readings of a
/// clause share most of their spans.
struct Spans<'a> {
    analyzer: &'a Analyzer,
    lexicon: Lexicons<'a>,
    docs: &'a dyn Fn(&Pattern) -> u64,
    /// How many documents have an index token.
    token_docs: &'a dyn Fn(&str) -> u64,
    /// Makes the counts of many tokens known at once, before they are
    /// asked one by one: given where each is a round trip (a cluster's
    /// statistics), when a cut's spans are all looked up first.
    prefetch: Prefetch<'a>,
    /// What a word of a cut costs: the log of the documents in the index,
    /// and [`WORD_PENALTY`].
    word_cost: f64,
    memo: HashMap<Vec<Slot>, Vec<Candidate>>,
    /// Each span's fitting words and their patterns, once prefetched.
    prepared: HashMap<Vec<Slot>, Fitting<'a>>,
}

/// What makes many tokens' counts known at once (see `Spans::prefetch`).
pub(crate) type Prefetch<'a> = Option<&'a dyn Fn(&[&str])>;

/// The words of the lexicon that fit a span, each with its pattern when
/// longer than one index token.
type Fitting<'a> = (Vec<std::borrow::Cow<'a, str>>, Vec<Option<Pattern>>);

impl<'a> Spans<'a> {
    /// The words of the lexicon that fit `slots`, with their patterns,
    /// and the index tokens whose counts rank them. A lone character typed
    /// as such is itself, word or not.
    fn fitting(&self, slots: &[Slot]) -> (Fitting<'a>, Vec<String>) {
        // Initials fit thousands of words, and the index's own terms are
        // rarely the most common of them: look further down the lexicon.
        let wide = slots.iter().any(|s| matches!(s, Slot::Initial(_)));
        let texts: Vec<std::borrow::Cow<'a, str>> = match slots {
            [Slot::Han(c)] => vec![std::borrow::Cow::Owned(c.to_string())],
            _ => {
                let limit = if wide { WIDE_LEXICON_WORDS } else { LEXICON_WORDS };
                self.lexicon.fitting(slots, limit).into_iter().map(std::borrow::Cow::Borrowed).collect()
            }
        };
        // A word of one or two characters is one index token (the bigram
        // table is jieba's two-character words): its documents are a term
        // lookup. A longer word is analyzed into its pattern first, kept
        // for the candidate it may become.
        let patterns: Vec<Option<Pattern>> = texts
            .iter()
            .map(|t| match t.chars().count() {
                1 | 2 => None,
                _ => Pattern::of_text(self.analyzer, t),
            })
            .collect();
        let tokens: Vec<String> = texts
            .iter()
            .zip(&patterns)
            .flat_map(|(t, p)| match p {
                Some(p) => p.tokens.iter().map(|(_, token)| token.clone()).collect(),
                None => vec![t.to_string()],
            })
            .collect();
        ((texts, patterns), tokens)
    }

    /// Makes the counts of every span's words known at once (a cluster
    /// answers each lookup in a round trip: a cut weighs a dozen spans).
    fn prefetch_spans(&mut self, spans: &[&[Slot]]) {
        let Some(prefetch) = self.prefetch else { return };
        let mut tokens: Vec<String> = Vec::new();
        for &span in spans {
            if self.memo.contains_key(span) || self.prepared.contains_key(span) {
                continue;
            }
            let (fitting, span_tokens) = self.fitting(span);
            tokens.extend(span_tokens);
            self.prepared.insert(span.to_vec(), fitting);
        }
        if !tokens.is_empty() {
            prefetch(&tokens.iter().map(String::as_str).collect::<Vec<_>>());
        }
    }

    /// The words that fit `slots` and that documents have, the most
    /// documents first, at most [`MAX_ALTERNATIVES`].
    fn words(&mut self, slots: &[Slot]) -> Vec<Candidate> {
        if let Some(found) = self.memo.get(slots) {
            return found.clone();
        }
        let (texts, patterns) = match self.prepared.remove(slots) {
            Some(prepared) => prepared,
            None => {
                let (fitting, tokens) = self.fitting(slots);
                if let Some(prefetch) = self.prefetch.filter(|_| !tokens.is_empty()) {
                    prefetch(&tokens.iter().map(String::as_str).collect::<Vec<_>>());
                }
                fitting
            }
        };
        let mut scored: Vec<(u64, std::borrow::Cow<'_, str>, Option<Pattern>)> = texts
            .into_iter()
            .zip(patterns)
            .filter_map(|(t, pattern)| {
                let docs = match (t.chars().count(), &pattern) {
                    (1 | 2, _) => (self.token_docs)(&t),
                    (_, p) => p.as_ref().map_or(0, |p| (self.docs)(p)),
                };
                (docs > 0).then_some((docs, t, pattern))
            })
            .collect();
        // The most documents first; the lexicon's order (the most common
        // word first) breaks ties, as the sort is stable.
        scored.sort_by_key(|(docs, ..)| std::cmp::Reverse(*docs));
        scored.truncate(MAX_ALTERNATIVES);
        let found: Vec<Candidate> = scored
            .into_iter()
            .filter_map(|(docs, t, pattern)| {
                let pattern = match pattern {
                    Some(pattern) => pattern,
                    None => Pattern::of_text(self.analyzer, &t)?,
                };
                Some(Candidate { pattern, docs })
            })
            .collect();
        self.memo.insert(slots.to_vec(), found.clone());
        found
    }
}

/// A cut of slots into words: each word's span and its candidates.
type Cut = Vec<(usize, usize, Vec<Candidate>)>;

/// The best cut of `slots` into words that documents have, by the sum of
/// the logs of each word's best candidate's share of the documents, less
/// [`WORD_PENALTY`] a word; `None` when there is none.
fn best_cut_of(spans: &mut Spans<'_>, slots: &[Slot]) -> Option<(f64, Cut)> {
    let n = slots.len();
    // best[i]: the best cut of slots[..i], and its score.
    let mut best: Vec<Option<(f64, Cut)>> = vec![None; n + 1];
    best[0] = Some((0.0, Vec::new()));
    // Every span a cut may take, looked up at once.
    let all: Vec<&[Slot]> = (0..n).flat_map(|i| (i + 1..=n.min(i + MAX_WORD)).map(move |j| &slots[i..j])).collect();
    spans.prefetch_spans(&all);
    for i in 0..n {
        let Some((score, cut)) = best[i].clone() else { continue };
        for j in i + 1..=n.min(i + MAX_WORD) {
            let words = spans.words(&slots[i..j]);
            let Some(top) = words.first() else { continue };
            let extended = score + (top.docs as f64 + 1.0).ln() - spans.word_cost;
            if best[j].as_ref().is_none_or(|(s, _)| extended > *s) {
                let mut cut = cut.clone();
                cut.push((i, j, words));
                best[j] = Some((extended, cut));
            }
        }
    }
    best.pop().flatten()
}

/// A clause too long to read as one (more than [`MAX_SLOTS`] syllables,
/// or more letters than [`pinyin::MAX_LATIN`]) cut into clauses as if
/// typed apart: each run of Han characters as it is, each Latin run one
/// syllable each (`chenguanxijijiang…` as `chen guan xi ji jiang …`),
/// which are read as a run of clauses typed apart is (a whole headline
/// typed in one go finds it as its spaced form does). `None` for a
/// clause that is not that long, or that has a Latin run that is not all
/// full syllables (or anything but Han characters and letters).
pub(crate) fn cut_long(text: &str) -> Option<Vec<String>> {
    let letters = text.chars().filter(char::is_ascii_alphabetic).count();
    if letters <= MAX_SLOTS {
        return None;
    }
    let mut pieces: Vec<String> = Vec::new();
    let mut syllables = 0;
    let mut rest = text;
    while let Some(first) = rest.chars().next() {
        let latin = first.is_ascii_alphabetic();
        if !latin && !crate::analysis::normalize::is_han(first) {
            return None;
        }
        let end = rest
            .char_indices()
            .find(|(_, c)| c.is_ascii_alphabetic() != latin || (!latin && !crate::analysis::normalize::is_han(*c)))
            .map_or(rest.len(), |(i, _)| i);
        let (run, after) = rest.split_at(end);
        if latin {
            let split = pinyin::split_syllables(run)?;
            syllables += split.len();
            pieces.extend(split);
        } else {
            pieces.push(run.to_owned());
        }
        rest = after;
    }
    (syllables > MAX_SLOTS || letters > pinyin::MAX_LATIN).then_some(pieces)
}

/// Whether a clause may have been typed in pinyin, by how its letters are
/// written (the caller decides what else counts: Han text beside it,
/// whether the index has it as written): each run of letters in
/// lower case (`北jing`), or capitalized (`Beijing`). Letters in capitals
/// beside Han text are names and codes as written (`DC`, `E-P1`, `A股`,
/// `HTML 导出`, `LibreOffice`): an input method types pinyin in lower
/// case. Read as pinyin, a headline's `ASUS` or `CGDC` became initials
/// standing for thousands of articles' words. A query of letters alone is
/// taken as written when the index has it so (`NBA`, not 年半), and read
/// otherwise (`BJ`, caps lock).
pub(crate) fn cased_as_pinyin(text: &str) -> bool {
    let mut rest = text;
    while let Some(start) = rest.find(|c: char| c.is_ascii_alphabetic()) {
        let run = &rest[start..];
        let end = run.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(run.len());
        let mut letters = run[..end].chars();
        let first = letters.next().unwrap_or('a');
        let tail_lower = letters.clone().all(|c| c.is_ascii_lowercase());
        let capitalized = first.is_ascii_uppercase() && end > 1 && tail_lower;
        if !(first.is_ascii_lowercase() && tail_lower || capitalized) {
            return false;
        }
        rest = &run[end..];
    }
    true
}

/// The runs of two letters or more in `text` that do not read as full
/// syllables (`gdp`, `nba`, not `beijing` or `ai`): read as pinyin, they
/// need initials.
pub(crate) fn initials_runs(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_ascii_alphabetic()).filter(|run| run.len() >= 2 && !reads_as_syllables(run))
}

/// Whether a run of clauses typed apart (`bei jing`) should be read as one
/// text: each is only letters and reads as full syllables (so `hang
/// glider`, whose `glider` needs initials, stays two English words).
pub(crate) fn reads_as_syllables(text: &str) -> bool {
    !text.is_empty()
        && text.chars().all(|c| c.is_ascii_alphabetic() || c == '\'')
        && pinyin::read(text, false).iter().any(|r| r.iter().all(|s| matches!(s, Slot::Syllable(_))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_that_need_initials_are_found() {
        for (text, runs) in [
            ("gdp增长", vec!["gdp"]),
            ("nba 总决赛", vec!["nba"]),
            ("刘dh", vec!["dh"]),
            ("北jing", vec![]),
            ("ai", vec![]),
            ("x", vec![]),
            ("beijing tq", vec!["tq"]),
        ] {
            assert_eq!(initials_runs(text).collect::<Vec<_>>(), runs, "{text}");
        }
    }

    #[test]
    fn letters_in_capitals_are_not_pinyin() {
        for (text, pinyin) in [
            ("beijing", true),
            ("Beijing", true),
            ("北jing", true),
            ("刘dh", true),
            ("xi'an", true),
            ("可换镜头便携DC", false),
            ("奥林巴斯E-P1降至6450", false),
            ("A股", false),
            ("HTML", false),
            ("LibreOffice", false),
            ("BeiJing", false),
            ("Max", true),
            ("6450", true),
        ] {
            assert_eq!(cased_as_pinyin(text), pinyin, "{text}");
        }
    }
    use crate::analysis::AnalyzerSettings;
    use crate::article::Article;
    use crate::index::SearchIndex;
    use crate::query::rank::Stats;

    #[test]
    fn phrases_are_counted_with_or_without_titles() {
        let index = SearchIndex::in_memory(&AnalyzerSettings::default()).expect("index");
        let mut writer = index.writer().expect("writer");
        for (id, body) in [("a", "北京天气晴朗。"), ("b", "天气北京。"), ("c", "上海天气。")] {
            writer.upsert(&Article::new(id, body)).expect("upsert");
        }
        writer.commit().expect("commit");
        let count = |text: &str| {
            let searcher = index.reader.searcher();
            let stats = Stats::new(&searcher, index.fields);
            let pattern = Pattern::of_text(&index.analyzer, text).expect("pattern");
            (index.docs_with(&stats, &pattern), index.has_pattern(&stats, &pattern))
        };
        // No document has a title: the body alone is searched.
        assert_eq!(count("北京天气"), (1, true));
        assert_eq!(count("天气"), (3, true));
        assert_eq!(count("广州天气"), (0, false));
        let mut titled = Article::new("d", "晴。");
        titled.title = Some("北京天气".into());
        writer.upsert(&titled).expect("upsert");
        writer.commit().expect("commit");
        assert_eq!(count("北京天气"), (2, true), "the title counts once it is there");
    }

    /// In a large index, where common characters are each in a third of
    /// the documents, a cut still takes the words they make: 考试 for
    /// `kaoshi`, not 考 and 试 (the cost of a word grows with the index).
    #[test]
    fn a_large_index_reads_words_not_their_common_characters() {
        let analyzer = Analyzer::new().expect("analyzer");
        let docs = |_: &Pattern| 0;
        // Each character in a third of the documents, 考试 in a few, any
        // other pair of characters in fewer.
        for (documents, one, word, other) in [(453_031, 150_000, 500, 50), (1_139, 380, 2, 1)] {
            let token_docs = |t: &str| match t.chars().count() {
                1 => one,
                _ if t == "考试" => word,
                _ => other,
            };
            let reading = read(&analyzer, "kaoshijiuneng", &docs, &token_docs, None, &|_| Vec::new(), documents);
            let Some(Reading::Words(words)) = reading else {
                panic!("{documents} documents: {reading:?}");
            };
            let labels: Vec<&str> = words.iter().map(|(label, _)| label.as_str()).collect();
            assert_eq!(labels.first(), Some(&"kao shi"), "{documents} documents: {labels:?}");
            assert!(words[0].1.iter().any(|s| s.pattern.text == "考试"), "{:?}", words[0].1);
        }
    }

    /// With statistics that gain from lookups made together (a cluster's),
    /// a reading asks for its spans' counts in a few batches, not one
    /// span at a time, and reads the same.
    #[test]
    fn a_cuts_spans_are_looked_up_together() {
        let analyzer = Analyzer::new().expect("analyzer");
        let docs = |_: &Pattern| 3;
        // Every token asked for one by one must have been prefetched.
        let prefetched: std::cell::RefCell<std::collections::HashSet<String>> = Default::default();
        let checking = std::cell::Cell::new(false);
        let token_docs = |t: &str| {
            assert!(!checking.get() || prefetched.borrow().contains(t), "{t} was not prefetched");
            if t.chars().count() == 1 {
                900
            } else {
                7
            }
        };
        let calls = std::cell::Cell::new(0);
        let counting = |tokens: &[&str]| {
            assert!(!tokens.is_empty());
            calls.set(calls.get() + 1);
            prefetched.borrow_mut().extend(tokens.iter().map(|t| t.to_string()));
        };
        // Texts that read as cuts of several words (no one word fits them
        // whole), as one word, and as initials.
        for text in ["kaoshijiuneng", "biangengmima", "xinzengchengshiku", "shiyongwujianpianduan", "bgmm"] {
            calls.set(0);
            prefetched.borrow_mut().clear();
            checking.set(false);
            let alone = read(&analyzer, text, &docs, &token_docs, None, &|_| Vec::new(), 5_000);
            checking.set(true);
            let together = read(&analyzer, text, &docs, &token_docs, Some(&counting), &|_| Vec::new(), 5_000);
            assert_eq!(format!("{together:?}"), format!("{alone:?}"), "{text}");
            assert!(alone.is_some(), "{text}");
            // The readings' whole spans, then each reading's cut.
            assert!((1..=1 + MAX_READINGS).contains(&calls.get()), "{text}: {} lookups", calls.get());
        }
    }

    /// A long Latin word that reads only as syllables mixed with initials
    /// is not read as pinyin; a long run of syllables, of initials, and a
    /// short mix still are. Every word counts as in the index here, so
    /// only the reading decides.
    #[test]
    fn a_long_word_that_reads_only_as_a_mix_is_not_pinyin() {
        let analyzer = Analyzer::new().expect("analyzer");
        let docs = |_: &Pattern| 10;
        let token_docs = |_: &str| 10;
        let reads = |text: &str| read(&analyzer, text, &docs, &token_docs, None, &|_| Vec::new(), 1_000).is_some();
        for (text, expected) in [
            ("schaefer", false),
            ("galaxy", false),
            ("metals", false),
            ("liudehua", true),
            ("zhonghuarenmin", true),
            ("zhrmghg", true),
            ("liudh", true),
            ("beijing", true),
        ] {
            assert_eq!(reads(text), expected, "{text}");
        }
    }
}
