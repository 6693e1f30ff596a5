//! Did you mean: the typos of pinyin input methods.
//!
//! A user who types pinyin and picks the wrong candidate writes a word
//! that sounds right and is not one: `制才` for 制裁, `经点` for 景点.
//! Character edit distance, which is how other engines tolerate typos,
//! fits Latin words and not two-character Chinese ones (every
//! two-character word is one edit from thousands). So a correction here
//! is a word of jieba's dictionary that sounds the same, toneless, with
//! one or two characters different, and that documents have; the best is
//! the one the most documents have, as Baidu checks same-sound candidates
//! against a vocabulary.
//!
//! Only a word that jieba's dictionary lacks (jieba guessed it) and that
//! no document has is corrected: `张芸` stays 张芸 where
//! a document has it, however common 张云 is. A single character is never
//! corrected (懂 is not a typo for 东; it is a query for 懂).
//!
//! A wrong pick often leaves no guessed word behind: jieba cuts 词汇标
//! into the words 词汇 and 标, 具又 into 具 and 又. So a run of two or
//! three words, at least one of them a single character, that is no word
//! of the dictionary, is corrected too, to a word of the dictionary one
//! character away that more documents have (词汇表, 具有): typed alone,
//! always; inside a short clause, only where the index has the correction
//! beside the run's neighbours (常用的词汇标 → 的词汇表).
//!
//! And a wrong pick inside a word the dictionary lacks (an archive's own
//! words: 工作表, 储存格, 连字符) has no candidate as a whole: the pair of
//! characters with the wrong pick is corrected instead, to a word of the
//! dictionary one character away, where the index has the correction with
//! the pair's neighbours and none has the pair with them (工做表 → 工作表,
//! 连字副 → 连字符). In a short clause a pair beside a character jieba cut
//! alone is looked at too; in a longer one only a pair inside a word jieba
//! guessed. Unless the pair is inside a guessed word, has a neighbour and
//! is in a short clause, no document may have the pair at all (的一 in
//! 中的一个 is fine as typed; so are 世姐, and 弃用 in a message where 启用
//! is common).

use std::ops::Range;

use crate::analysis::Analyzer;

use super::terms::{Clause, Pattern};

/// How many candidates of a word are weighed.
const CANDIDATES: usize = 20;
/// How many candidates of a run of words inside a longer clause are
/// weighed.
const CANDIDATES_IN_SENTENCES: usize = 6;
/// The longest clause, in characters, whose runs of words are looked at
/// (and, past it, only the pairs inside guessed words, see `pair_fix`):
/// a query of a few words, where a typo leaves no other clue, not a
/// pasted sentence or headline, where every run would cost a lookup (4%
/// of a headline's search, measured) and most are fine.
const LONGEST_CLAUSE_WITH_RUNS: usize = 12;
/// How many corrected queries are offered.
const OFFERED: usize = 3;
/// The most runs of words looked up per query: each may cost a phrase
/// search, and a typo is rarely more than one of them.
const MAX_RUNS: usize = 8;
/// The longest run of words, in characters, corrected as one word.
const LONGEST_RUN: usize = 4;

/// What [`corrections`] asks of the index, cheapest first.
pub(crate) struct Lookups<'a> {
    /// About how many documents have a text, from the dictionaries alone:
    /// never fewer than do.
    pub estimate: &'a dyn Fn(&Pattern) -> u64,
    /// How many documents have a text (as a word or across words),
    /// counted up to the cap given (a count at the cap means "at least").
    pub count_up_to: &'a dyn Fn(&Pattern, u64) -> u64,
    /// How many documents have a text, exactly.
    pub docs: &'a dyn Fn(&Pattern) -> u64,
    /// Whether some document has a text as a word (reads their texts).
    pub as_word: &'a dyn Fn(&Pattern) -> bool,
    /// Asks at once for the counts the questions above will need of these
    /// texts; nothing where each question is cheap (an index of its own),
    /// one round trip instead of a dozen where each is one (a cluster).
    pub prefetch: &'a dyn Fn(&[&Pattern]),
    /// Whether to ask ahead, at once, what every suspect word and pair of
    /// the query will be asked first (see [`ask_ahead`]): where each
    /// prefetch is a round trip. An index of its own answers as cheaply
    /// one at a time, and would only weigh candidates it never needs.
    pub ahead: bool,
}

/// The query with each word no document has replaced by the words that
/// sound the same and that documents have, best first; empty when every
/// word is in the index.
pub(crate) fn corrections(
    analyzer: &Analyzer,
    query: &str,
    branches: &[Vec<Clause>],
    index: &Lookups<'_>,
) -> Vec<String> {
    let words = suspect_words(analyzer, branches);
    let spots = suspect_pairs(analyzer, branches);
    if index.ahead {
        ask_ahead(analyzer, branches, &words, &spots, index);
    }
    // Each word to correct, with its candidates, best first.
    let mut fixes: Vec<(String, Vec<String>)> = Vec::new();
    for &(clause, word) in &words {
        if fixes.iter().any(|(w, _)| *w == word.text) {
            continue;
        }
        // Inside a longer clause, a guessed word is as often a name the
        // index lacks (朱莉 in 朱莉复古发型, not 助理): corrected only where
        // the index has the correction beside its neighbours.
        let whole = clause.pattern.text.as_str();
        let place = place_in(whole, &word.text);
        let beside = place.as_ref().map(|range| Beside { text: whole, range: range.clone() });
        let candidates = sound_alikes(analyzer, word, 2, true, CANDIDATES, beside.as_ref(), index);
        let in_place = |best: &String| match &place {
            Some(range) => in_context(analyzer, whole, range.clone(), best, index),
            None => true,
        };
        if candidates.first().is_some_and(in_place) {
            fixes.push((word.text.clone(), candidates));
        }
    }
    let mut runs_looked_up = 0;
    for clause in branches.iter().flatten().filter(|c| looked_at(c)) {
        // A clause that is one such run is a word typed alone (具又,
        // 词汇标). Inside a longer clause, runs of known words that no
        // document has are mostly names and new words: a run there is
        // corrected only where the index has the correction in the run's
        // context (see `in_context`). Without that check, runs inside
        // sentences took the LibreOffice titles with a typo from 0.78 to
        // 0.87 first corrections right, but offered wrong ones for 8 more
        // of 300 news headlines over another year's news (已造 → 仪造 in
        // 地震已造成, 捡到 → 见到, 也不 → 业不) and for 2 of 300 help
        // sentences.
        let whole = clause.pattern.text.as_str();
        // A longer clause has no run worth a look (and is not one): no
        // second cut of it into words.
        if whole.chars().count() > LONGEST_CLAUSE_WITH_RUNS {
            continue;
        }
        for range in runs_of_short_words(analyzer, whole) {
            if runs_looked_up == MAX_RUNS {
                break;
            }
            let run = &whole[range.clone()];
            if fixes.iter().any(|(w, _)| run.contains(w.as_str()) || w.contains(run)) {
                continue;
            }
            let Some(pattern) = Pattern::of_simplified(analyzer, run) else { continue };
            runs_looked_up += 1;
            // A run of words is no word: the index cannot have it as one.
            // Inside a sentence only the lexicon's commonest candidates are
            // weighed (each costs a fold and a count, on every query).
            let alone = run == whole;
            let limit = if alone { CANDIDATES } else { CANDIDATES_IN_SENTENCES };
            let beside = (!alone).then(|| Beside { text: whole, range: range.clone() });
            let candidates = sound_alikes(analyzer, &pattern, 1, false, limit, beside.as_ref(), index);
            if let Some(best) = candidates.first() {
                if alone || in_context(analyzer, whole, range, best, index) {
                    fixes.push((run.to_owned(), candidates));
                }
            }
        }
    }
    // A wrong pick inside a word the dictionary lacks (工做表, 储村格, 财无函式:
    // the help's own words) leaves no candidate for the whole: the pair of
    // characters with the wrong pick is corrected instead (see the module
    // docs and `pair_fix`). Unlike the runs above, in a clause of any
    // length: a pair is looked up only where jieba's cut is unsure of it
    // and the dictionary has a word one character away, and at most
    // MAX_RUNS of them a query.
    let mut pairs_looked_up = 0;
    for (i, clause) in branches.iter().flatten().enumerate() {
        if pairs_looked_up == MAX_RUNS {
            break;
        }
        let whole = clause.pattern.text.as_str();
        if !pairs_looked_at(clause) || fixes.iter().any(|(w, _)| whole.contains(w.as_str())) {
            continue;
        }
        for spot in spots.iter().filter(|spot| spot.clause == i) {
            if pairs_looked_up == MAX_RUNS {
                break;
            }
            pairs_looked_up += 1;
            if let Some(fix) = pair_fix(analyzer, whole, spot.range.clone(), &spot.candidates, spot.trusted, index) {
                fixes.push(fix);
                break;
            }
        }
    }
    if fixes.is_empty() {
        return Vec::new();
    }
    // The words are folded (Simplified, lowercase): so is the query they
    // are replaced in.
    let folded = analyzer.fold(query);
    let mut out: Vec<String> = Vec::new();
    for k in 0..OFFERED {
        let mut corrected = folded.clone();
        for (word, candidates) in &fixes {
            let candidate = candidates.get(k).or(candidates.last());
            if let Some(candidate) = candidate {
                corrected = corrected.replacen(word.as_str(), candidate, 1);
            }
        }
        if corrected != folded && !out.contains(&corrected) {
            out.push(corrected);
        }
    }
    out
}

/// The words of jieba's dictionary that sound like `text`, with at most
/// `most_changed` characters changed, that more than twice as many
/// documents have as have `text` itself: fewest changes first (a typo is
/// one wrong pick more often than two), then the most documents, then the
/// lexicon's order (the most common word first). Empty when `a_word`
/// (jieba cut `text` as one word of the query) and a document has
/// `text` as a word (`张芸` stays 张芸 where a document has it, however
/// common 张云 is). A text the index has only across words (此的 in
/// 因此的, 数之 in 函数之一) is corrected only toward a spelling at least
/// twice as common: never 此的 to 此地.
///
/// The index is asked the cheap questions first: the lexicon's
/// candidates, their estimates, whether any candidate fits `beside` (the
/// text's neighbours, where the caller will want the first one there; see
/// [`Beside`]), a count of `text` capped where no candidate could beat it,
/// exact counts, and last (only when a correction would be offered)
/// whether a document has `text` as a word.
fn sound_alikes(
    analyzer: &Analyzer,
    text: &Pattern,
    most_changed: usize,
    a_word: bool,
    limit: usize,
    beside: Option<&Beside<'_>>,
    index: &Lookups<'_>,
) -> Vec<String> {
    let patterns = alike_patterns(analyzer, &text.text, most_changed, limit);
    (index.prefetch)(&patterns.iter().map(|(_, p)| p).collect::<Vec<_>>());
    let alikes: Vec<(usize, Pattern, u64)> = patterns
        .into_iter()
        .filter_map(|(changed, pattern)| {
            let estimate = (index.estimate)(&pattern);
            (estimate > 0).then_some((changed, pattern, estimate))
        })
        .collect();
    let Some(best) = alikes.iter().map(|a| a.2).max() else { return Vec::new() };
    // Where the caller takes the first candidate only if the index has it
    // beside the text's neighbours, and none is there, nothing would be
    // offered: the count of the text below is skipped. It is the dear
    // question (不生 in 梁静茹婚后两年不生孩子: two common characters side
    // by side, whose positions are read in every document with both).
    if let Some(beside) = beside {
        beside.prefetch(analyzer, alikes.iter().map(|a| a.1.text.as_str()), index);
        if !alikes.iter().any(|a| beside.has(analyzer, &a.1.text, index)) {
            return Vec::new();
        }
    }
    // A candidate beats the text when more than twice its documents have
    // it: counting the text's past half the best estimate is no use.
    let floor = (index.count_up_to)(text, best / 2 + 1);
    let mut candidates: Vec<(usize, u64, String)> = alikes
        .into_iter()
        .filter(|a| a.2 > floor.saturating_mul(2))
        .filter_map(|(changed, pattern, _)| {
            let n = (index.docs)(&pattern);
            (n > floor.saturating_mul(2)).then_some((changed, n, pattern.text))
        })
        .collect();
    if candidates.is_empty() || (a_word && floor > 0 && (index.as_word)(text)) {
        return Vec::new();
    }
    // Stable: the lexicon's order breaks ties.
    candidates.sort_by_key(|c| (c.0, std::cmp::Reverse(c.1)));
    candidates.into_iter().map(|(_, _, c)| c).collect()
}

/// The words of jieba's dictionary that sound like `text` with at most
/// `most_changed` characters changed (at most `limit` of the lexicon's),
/// each with how many characters it changes, as patterns.
fn alike_patterns(analyzer: &Analyzer, text: &str, most_changed: usize, limit: usize) -> Vec<(usize, Pattern)> {
    let changed = |c: &str| c.chars().zip(text.chars()).filter(|(a, b)| a != b).count();
    let lexicons = analyzer.lexicons();
    let words = match most_changed {
        1 => lexicons.one_apart(text, limit),
        _ => lexicons.homophones(text, limit),
    };
    words
        .into_iter()
        .filter(|c| changed(c) <= most_changed)
        .filter_map(|c| Some((changed(c), Pattern::of_simplified(analyzer, c)?)))
        .collect()
}

/// Whether a clause's words and pairs are looked at for typos: not one
/// negated, quoted, or typed as pinyin.
fn looked_at(clause: &Clause) -> bool {
    !clause.negated && !clause.quoted && clause.sounds_like.is_empty()
}

/// The words of the query that may be a wrong pick of the input method,
/// with their clauses: each word jieba guessed (a word of its dictionary is
/// a word, not a slip: the wrong picks 制才, 经点 are not words), all Han,
/// of two characters or more.
fn suspect_words<'b>(analyzer: &Analyzer, branches: &'b [Vec<Clause>]) -> Vec<(&'b Clause, &'b Pattern)> {
    let mut out = Vec::new();
    for clause in branches.iter().flatten().filter(|c| looked_at(c)) {
        for word in &clause.words {
            let han = word.text.chars().all(crate::analysis::normalize::is_han);
            if han && word.text.chars().count() >= 2 && !analyzer.knows_word(&word.text) {
                out.push((clause, word));
            }
        }
    }
    out
}

/// Where `word` stands in the clause `whole`, unless it is the whole.
fn place_in(whole: &str, word: &str) -> Option<Range<usize>> {
    whole.find(word).filter(|_| whole != word).map(|at| at..at + word.len())
}

/// Whether a clause's pairs are looked at (see [`suspect_pairs`]).
fn pairs_looked_at(clause: &Clause) -> bool {
    let han = clause.pattern.text.chars().filter(|&c| crate::analysis::normalize::is_han(c)).count();
    looked_at(clause) && han >= 2
}

/// A pair of characters that may hold a wrong pick (see [`pair_fix`]).
struct SuspectPair<'a> {
    /// Its clause, by its place among the query's clauses.
    clause: usize,
    /// Its bytes in the clause's text.
    range: Range<usize>,
    /// The dictionary's words one character away from it.
    candidates: Vec<&'a str>,
    /// Whether [`pair_fix`] trusts it more (inside a guessed word, with a
    /// neighbour, in a short clause).
    trusted: bool,
}

/// The pairs of the query's clauses that [`pair_fix`] looks at, clause by
/// clause, left to right: those [`pairs_in_guesses`] finds (in a sentence,
/// only those inside a guessed word) that have a word one character away.
fn suspect_pairs<'a>(analyzer: &'a Analyzer, branches: &[Vec<Clause>]) -> Vec<SuspectPair<'a>> {
    let mut out = Vec::new();
    for (i, clause) in branches.iter().flatten().enumerate().filter(|(_, c)| pairs_looked_at(c)) {
        let whole = clause.pattern.text.as_str();
        let long = whole.chars().count() > LONGEST_CLAUSE_WITH_RUNS;
        for (range, in_guess) in pairs_in_guesses(analyzer, whole) {
            // In a sentence, only a pair inside a guessed word.
            if long && !in_guess {
                continue;
            }
            let candidates = analyzer.lexicons().one_apart(&whole[range.clone()], CANDIDATES_IN_SENTENCES);
            if !candidates.is_empty() {
                out.push(SuspectPair { clause: i, range, candidates, trusted: in_guess && !long });
            }
        }
    }
    out
}

/// Asks at once, for every suspect word and pair of the query, the
/// questions [`sound_alikes`] and [`pair_fix`] ask of each first, in two
/// rounds (the second needs the first's answers), so that a provider
/// whose every prefetch is a round trip (a cluster) makes two or three for
/// the query rather than two or three for each of its suspects: a
/// headline has up to [`MAX_RUNS`] suspect pairs. The questions of a
/// suspect the corrections never reach (past a clause's first fix) are
/// asked for nothing; the answers are the same either way.
fn ask_ahead(
    analyzer: &Analyzer,
    branches: &[Vec<Clause>],
    words: &[(&Clause, &Pattern)],
    spots: &[SuspectPair<'_>],
    index: &Lookups<'_>,
) {
    let pairs = &spots[..spots.len().min(MAX_RUNS)];
    let clauses: Vec<&Clause> = branches.iter().flatten().collect();
    let alikes: Vec<Vec<(usize, Pattern)>> =
        words.iter().map(|(_, word)| alike_patterns(analyzer, &word.text, 2, CANDIDATES)).collect();
    // First: each word and its candidates, each pair with its neighbours
    // as typed, and alone.
    let mut first: Vec<Pattern> = Vec::new();
    for ((_, word), alikes) in words.iter().zip(&alikes) {
        first.push((*word).clone());
        first.extend(alikes.iter().map(|(_, p)| p.clone()));
    }
    let typed: Vec<Option<Pattern>> =
        pairs.iter().map(|spot| typed_in_place(analyzer, &clauses[spot.clause].pattern.text, &spot.range)).collect();
    for (spot, typed) in pairs.iter().zip(&typed) {
        let whole = clauses[spot.clause].pattern.text.as_str();
        first.extend(typed.clone());
        first.extend(Pattern::of_simplified(analyzer, &whole[spot.range.clone()]));
    }
    (index.prefetch)(&first.iter().collect::<Vec<_>>());
    // Then: the candidates in place, with the neighbours, of each word in
    // a longer clause (those some document has) and of each pair that no
    // document has as typed.
    let mut then: Vec<Pattern> = Vec::new();
    for ((clause, word), alikes) in words.iter().zip(&alikes) {
        let whole = clause.pattern.text.as_str();
        let Some(range) = place_in(whole, &word.text) else { continue };
        then.extend(typed_in_place(analyzer, whole, &range));
        for (_, alike) in alikes.iter().filter(|(_, p)| (index.estimate)(p) > 0) {
            then.extend(Pattern::of_simplified(analyzer, &in_place(whole, &range, &alike.text)));
        }
    }
    for (spot, typed) in pairs.iter().zip(&typed) {
        if typed.as_ref().is_some_and(|p| (index.count_up_to)(p, 1) > 0) {
            continue;
        }
        let whole = clauses[spot.clause].pattern.text.as_str();
        for candidate in &spot.candidates {
            then.extend(Pattern::of_simplified(analyzer, &in_place(whole, &spot.range, candidate)));
        }
    }
    (index.prefetch)(&then.iter().collect::<Vec<_>>());
}

/// A text's place in its clause, where a correction must fit its
/// neighbours (see [`in_context`]).
struct Beside<'t> {
    text: &'t str,
    range: Range<usize>,
}

impl Beside<'_> {
    /// Whether some document has `candidate` in place of the text, with
    /// its neighbours: what [`in_context`] needs first.
    fn has(&self, analyzer: &Analyzer, candidate: &str, index: &Lookups<'_>) -> bool {
        let (_, corrected) = with_neighbours(analyzer, self.text, self.range.clone(), candidate);
        corrected.is_some_and(|c| (index.count_up_to)(&c, 1) > 0)
    }

    /// Asks at once for what [`Beside::has`] will ask of each of
    /// `candidates`.
    fn prefetch<'c>(&self, analyzer: &Analyzer, candidates: impl Iterator<Item = &'c str>, index: &Lookups<'_>) {
        let corrected: Vec<Pattern> =
            candidates.filter_map(|c| with_neighbours(analyzer, self.text, self.range.clone(), c).1).collect();
        (index.prefetch)(&corrected.iter().collect::<Vec<_>>());
    }
}

/// The Han character before and after `range` of `text` (each empty
/// where there is none).
fn neighbours(text: &str, range: &Range<usize>) -> (String, String) {
    let han = |c: &char| crate::analysis::normalize::is_han(*c);
    let before = text.get(..range.start).and_then(|t| t.chars().next_back()).filter(han);
    let after = text.get(range.end..).and_then(|t| t.chars().next()).filter(han);
    (before.into_iter().collect(), after.into_iter().collect())
}

/// `run` in place of the text at `range` of `text`, with the Han
/// character either side of it (where there is one).
fn in_place(text: &str, range: &Range<usize>, run: &str) -> String {
    let (before, after) = neighbours(text, range);
    format!("{before}{run}{after}")
}

/// The run at `range` of `text` with its neighbours as typed (see
/// [`in_place`]), as a pattern.
fn typed_in_place(analyzer: &Analyzer, text: &str, range: &Range<usize>) -> Option<Pattern> {
    Pattern::of_simplified(analyzer, &in_place(text, range, text.get(range.clone())?))
}

/// The run at `range` of `text` with the Han character either side of it
/// (where there is one), as typed and with `candidate` in its place.
fn with_neighbours(
    analyzer: &Analyzer,
    text: &str,
    range: Range<usize>,
    candidate: &str,
) -> (Option<Pattern>, Option<Pattern>) {
    (typed_in_place(analyzer, text, &range), Pattern::of_simplified(analyzer, &in_place(text, &range, candidate)))
}

/// The pair at `range` of `text` corrected to the first of `candidates`
/// that some document has with the pair's neighbours, where no document
/// has the pair with them (弃用 in 已弃用 is a word the index knows,
/// however common 启用 is); unless `trusted` (a pair inside a guessed
/// word, with a neighbour, in a short clause), where no document has the
/// pair at all either. Elsewhere a pair is as often right as written: 的一
/// in 中的一个, where 第一 fits too, in a message the index has in other
/// words; 世姐, a word of its own; 弃用 in a long message. As (the pair
/// with its neighbours as typed, as corrected): the text the query's
/// correction replaces, which the bare pair may not be (字副 is also in
/// 文字副本).
fn pair_fix(
    analyzer: &Analyzer,
    text: &str,
    range: Range<usize>,
    candidates: &[&str],
    trusted: bool,
    index: &Lookups<'_>,
) -> Option<(String, Vec<String>)> {
    let pair = text.get(range.clone())?;
    let found = |t: &str| Pattern::of_simplified(analyzer, t).is_none_or(|p| (index.count_up_to)(&p, 1) > 0);
    let typed = in_place(text, &range, pair);
    // The cheaper questions first: each candidate in its place (each
    // asked for at once), then, only where one fits, the pair as typed
    // with its neighbours, and last the bare pair. Most pairs looked at
    // are fine as typed and no candidate fits them: the pair as typed is
    // then not asked. It is the dearer question, four characters of the
    // query in every document that has them all, read to the end when no
    // document has them side by side (年不生孩 in 两年不生孩子); a
    // candidate in place has a character the query lacks, often in no
    // document at all (asked first, the phrase checks of 300 headlines
    // over 200 MB went from 1,080 to 806, and their mean search took 0.96
    // to 0.99 of the time before). Two common characters that no
    // document has side by side are the dearest: 路龙 in 白浮泉路龙山 took
    // 1.4 ms over 200 MB of news, the rest of the pair's questions 0.1 ms.
    //
    // Asked ahead (a cluster, see `ask_ahead`), the pair as typed is known
    // before the candidates are asked for: it comes first, and spares them
    // when a document has it.
    if index.ahead {
        let typed_pattern = Pattern::of_simplified(analyzer, &typed);
        (index.prefetch)(&typed_pattern.iter().collect::<Vec<_>>());
        if found(&typed) {
            return None;
        }
    }
    let beside = Beside { text, range };
    beside.prefetch(analyzer, candidates.iter().copied(), index);
    let best = candidates.iter().find(|c| beside.has(analyzer, c, index))?;
    if !index.ahead && found(&typed) {
        return None;
    }
    if !trusted && typed != pair && found(pair) {
        return None;
    }
    Some((typed, vec![in_place(text, &beside.range, best)]))
}

/// Whether the index has `candidate` in place of the run at `range` of
/// `text` with the run's neighbours: the run with the Han character either
/// side of it (where there is one), as corrected, in some document and in
/// more than twice as many as have it as typed. 栏标提和 → 栏标题和 is in
/// the help; 地震已造 → 地震仪造 is in no news.
fn in_context(analyzer: &Analyzer, text: &str, range: Range<usize>, candidate: &str, index: &Lookups<'_>) -> bool {
    let (Some(typed), Some(corrected)) = with_neighbours(analyzer, text, range, candidate) else {
        return false;
    };
    let n = (index.docs)(&corrected);
    n > 0 && n > (index.count_up_to)(&typed, n / 2 + 1).saturating_mul(2)
}

/// The runs of two or three words side by side in `text` (folded), all
/// Han, at least one a single character, 2 to [`LONGEST_RUN`] characters
/// long, that are no word of jieba's dictionary, as byte ranges of `text`:
/// where a wrong pick hides when jieba cuts it into known words (词汇标 →
/// 词汇 + 标). Stop words count as words here (they are cut like any
/// other). Left to right, each text once.
fn runs_of_short_words(analyzer: &Analyzer, text: &str) -> Vec<Range<usize>> {
    // Stop words are left out of the analyzer's tokens; the text between
    // two tokens is a stop word (or punctuation, which breaks a run).
    let mut pieces: Vec<Range<usize>> = Vec::new();
    let mut at = 0;
    for token in analyzer.analyze_query(text) {
        if token.offset_from < at || token.offset_to > text.len() || token.offset_from > token.offset_to {
            continue;
        }
        if token.offset_from > at {
            pieces.push(at..token.offset_from);
        }
        pieces.push(token.offset_from..token.offset_to);
        at = token.offset_to;
    }
    if at < text.len() {
        pieces.push(at..text.len());
    }
    let han = |p: &str| p.chars().all(crate::analysis::normalize::is_han);
    let mut runs: Vec<Range<usize>> = Vec::new();
    for from in 0..pieces.len() {
        for len in 2..=3 {
            let Some(run) = pieces.get(from..from + len) else { break };
            let (Some(first), Some(last)) = (run.first(), run.last()) else { break };
            let texts: Vec<&str> = run.iter().filter_map(|r| text.get(r.clone())).collect();
            let chars: usize = texts.iter().map(|p| p.chars().count()).sum();
            if texts.len() != run.len() || !texts.iter().all(|p| han(p)) || chars > LONGEST_RUN {
                break;
            }
            let range = first.start..last.end;
            let joined = &text[range.clone()];
            let single = texts.iter().any(|p| p.chars().count() == 1);
            if single && !analyzer.knows_word(joined) && !runs.iter().any(|r| &text[r.clone()] == joined) {
                runs.push(range);
            }
        }
    }
    runs
}

/// The pairs of Han characters side by side in `text` (folded) that are
/// no word of jieba's dictionary and that overlap a word jieba guessed or
/// a character it cut alone, as byte ranges of `text`, left to right:
/// where a wrong pick hides inside a word the dictionary lacks (工做 in
/// 工做表, 字副 in 连字 + 副, 取小 in 取 + 小群 + 组). A pair of known
/// words' edges is not one (国制 in 美国 + 制裁). The flag: whether the
/// pair is in a guessed word and has a Han character beside it, which
/// [`pair_fix`] trusts more (in a short clause).
fn pairs_in_guesses(analyzer: &Analyzer, text: &str) -> Vec<(Range<usize>, bool)> {
    let tokens: Vec<(Range<usize>, bool)> = analyzer
        .analyze_query(text)
        .into_iter()
        .filter(|t| t.offset_from < t.offset_to && t.offset_to <= text.len())
        .map(|t| (t.offset_from..t.offset_to, analyzer.is_guess(&t.text)))
        .collect();
    let overlaps = |r: &Range<usize>, t: &Range<usize>| t.start < r.end && r.start < t.end;
    let han = |c: Option<char>| c.is_some_and(crate::analysis::normalize::is_han);
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    chars
        .windows(2)
        .filter(|w| w.iter().all(|&(_, c)| crate::analysis::normalize::is_han(c)))
        .map(|w| w[0].0..w[1].0 + w[1].1.len_utf8())
        .filter(|r| !analyzer.knows_word(&text[r.clone()]))
        .filter_map(|r| {
            let guessed = tokens.iter().any(|(t, g)| *g && overlaps(&r, t));
            let single = tokens
                .iter()
                .any(|(t, _)| overlaps(&r, t) && text.get(t.clone()).is_some_and(|w| w.chars().count() == 1));
            let beside = han(text[..r.start].chars().next_back()) || han(text[r.end..].chars().next());
            (guessed || single).then_some((r, guessed && beside))
        })
        .collect()
}

/// Whether jieba cuts `text` (folded) with `word` as one word at one of
/// its first occurrences: the text around each (a few characters either
/// side, as the word's context decides its cut) is segmented on its own.
pub(crate) fn cut_as_word(analyzer: &Analyzer, text: &str, word: &str) -> bool {
    /// Characters of context either side of an occurrence.
    const CONTEXT: usize = 6;
    /// Occurrences looked at per text.
    const OCCURRENCES: usize = 4;
    if word.is_empty() {
        return false;
    }
    text.match_indices(word).take(OCCURRENCES).any(|(at, _)| {
        let from = text[..at].char_indices().rev().nth(CONTEXT - 1).map_or(0, |(i, _)| i);
        let end = at + word.len();
        let to = text[end..].char_indices().nth(CONTEXT).map_or(text.len(), |(i, _)| end + i);
        let Some(window) = text.get(from..to) else { return true };
        // Stop words are left out of the tokens; a stop word that is the
        // word itself (其) is a word.
        let tokens = analyzer.analyze_query(window);
        analyzer.is_stop_word(word)
            || tokens.iter().any(|t| t.offset_from == at - from && t.offset_to == end - from && t.text == word)
    })
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;

    /// Lookups of an index whose every question is cheap (nothing to
    /// prefetch).
    fn fake<'a>(
        estimate: &'a dyn Fn(&Pattern) -> u64,
        count_up_to: &'a dyn Fn(&Pattern, u64) -> u64,
        docs: &'a dyn Fn(&Pattern) -> u64,
        as_word: &'a dyn Fn(&Pattern) -> bool,
    ) -> Lookups<'a> {
        fn nothing(_: &[&Pattern]) {}
        Lookups { estimate, count_up_to, docs, as_word, prefetch: &nothing, ahead: false }
    }

    /// The candidates for `word` where it stands in `clause`, from an index
    /// whose only texts are `has` (ten documents each), and the texts the
    /// index was asked to count.
    fn weigh(analyzer: &Analyzer, word: &str, clause: &str, has: &[&str]) -> (Vec<String>, Vec<String>) {
        let counted = RefCell::new(Vec::new());
        let docs_of = |p: &Pattern| if has.contains(&p.text.as_str()) { 10 } else { 0 };
        let estimate = |_: &Pattern| 10;
        let count_up_to = |p: &Pattern, cap: u64| {
            counted.borrow_mut().push(p.text.clone());
            docs_of(p).min(cap)
        };
        let as_word = |_: &Pattern| false;
        let index = fake(&estimate, &count_up_to, &docs_of, &as_word);
        let pattern = Pattern::of_simplified(analyzer, word).expect("a pattern");
        let at = clause.find(word).expect("the word is in the clause");
        let beside = Beside { text: clause, range: at..at + word.len() };
        let candidates = sound_alikes(analyzer, &pattern, 2, true, CANDIDATES, Some(&beside), &index);
        (candidates, counted.into_inner())
    }

    /// Where a wrong pick may hide: pairs inside guessed words and beside
    /// characters cut alone, never between two known words.
    #[test]
    fn pairs_are_looked_for_where_the_cut_guessed() {
        let analyzer = Analyzer::new().expect("analyzer");
        let pairs = |text: &str| -> Vec<(String, bool)> {
            pairs_in_guesses(&analyzer, text).into_iter().map(|(r, flag)| (text[r].to_owned(), flag)).collect()
        };
        let owned = |v: &[(&str, bool)]| v.iter().map(|&(p, f)| (p.to_owned(), f)).collect::<Vec<_>>();
        // Text → (pair, whether it is in a guessed word with a neighbour).
        let table: [(&str, &[(&str, bool)]); 6] = [
            // jieba guesses 工做表 and 连字 (+ 副).
            ("工做表", &[("工做", true), ("做表", true)]),
            ("连字副", &[("连字", true), ("字副", true)]),
            // Known words only.
            ("美国制裁伊朗", &[]),
            // Beside characters cut alone, or alone: only where no
            // document has them.
            ("中的一个约会", &[("中的", false), ("的一", false)]),
            ("世姐", &[("世姐", false)]),
            ("取小群组", &[("取小", false)]),
        ];
        for (text, want) in table {
            assert_eq!(pairs(text), owned(want), "{text}");
        }
    }

    /// A pair is corrected where the index has the correction with its
    /// neighbours and not the pair with them; untrusted, only where it
    /// has the pair nowhere.
    #[test]
    fn a_pair_is_corrected_only_where_the_index_lacks_it() {
        let analyzer = Analyzer::new().expect("analyzer");
        let fix = |text: &str, pair: &str, has: &[&str], trusted: bool| {
            let docs_of = |p: &Pattern| u64::from(has.contains(&p.text.as_str()));
            let (estimate, as_word) = (|_: &Pattern| 1, |_: &Pattern| false);
            let count_up_to = |p: &Pattern, cap: u64| docs_of(p).min(cap);
            let index = fake(&estimate, &count_up_to, &docs_of, &as_word);
            let at = text.find(pair).expect("the pair is in the text");
            let candidates = analyzer.lexicons().one_apart(pair, CANDIDATES_IN_SENTENCES);
            pair_fix(&analyzer, text, at..at + pair.len(), &candidates, trusted, &index)
        };
        let fixed = |typed: &str, corrected: &str| Some((typed.to_owned(), vec![corrected.to_owned()]));
        // 工做 in 工做表: the fix is the pair with its neighbour.
        assert_eq!(fix("工做表", "工做", &["工作表"], true), fixed("工做表", "工作表"));
        // Not where no document has the correction with the neighbour,
        // nor where one has the pair with it.
        assert_eq!(fix("工做表", "工做", &["工作"], true), None);
        assert_eq!(fix("工做表", "工做", &["工作表", "工做表"], true), None);
        // Untrusted (beside a character cut alone): not where a document
        // has the pair, even away from these neighbours.
        assert_eq!(fix("中的一个", "的一", &["中第一个", "的一"], false), None);
        assert_eq!(fix("中的一个", "的一", &["中第一个", "的一"], true), fixed("中的一个", "中第一个"));
    }

    /// The pair as typed with its neighbours is the dearer question (a
    /// phrase of the query's own characters, read to the end when no
    /// document has it): asked only where a candidate fits, unless it was
    /// asked ahead (a cluster), where it comes first.
    #[test]
    fn the_pair_as_typed_is_asked_only_where_a_candidate_fits() {
        let analyzer = Analyzer::new().expect("analyzer");
        let ask = |has: &[&str], ahead: bool| {
            let counted = RefCell::new(Vec::new());
            let docs_of = |p: &Pattern| u64::from(has.contains(&p.text.as_str()));
            let (estimate, as_word) = (|_: &Pattern| 1, |_: &Pattern| false);
            let count_up_to = |p: &Pattern, cap: u64| {
                counted.borrow_mut().push(p.text.clone());
                docs_of(p).min(cap)
            };
            let mut index = fake(&estimate, &count_up_to, &docs_of, &as_word);
            index.ahead = ahead;
            let candidates = analyzer.lexicons().one_apart("工做", CANDIDATES_IN_SENTENCES);
            let fix = pair_fix(&analyzer, "工做表", 0.."工做".len(), &candidates, true, &index);
            (fix, counted.into_inner())
        };
        let typed = "工做表".to_owned();
        // No candidate fits: the pair as typed is not asked.
        let (fix, counted) = ask(&[], false);
        assert_eq!(fix, None);
        assert!(counted.contains(&"工作表".to_owned()) && !counted.contains(&typed), "{counted:?}");
        // One fits: then it is, and decides.
        let (fix, counted) = ask(&["工作表"], false);
        assert_eq!(fix, Some((typed.clone(), vec!["工作表".to_owned()])));
        assert!(counted.contains(&typed), "{counted:?}");
        assert_eq!(ask(&["工作表", "工做表"], false).0, None);
        // Asked ahead, where a document has it: nothing else is asked.
        let (fix, counted) = ask(&["工作表", "工做表"], true);
        assert_eq!(fix, None);
        assert_eq!(counted, vec![typed]);
    }

    /// The text is counted only when a candidate could be offered: when
    /// the index has one beside the text's neighbours.
    #[test]
    fn a_word_is_counted_only_where_a_correction_fits_its_neighbours() {
        let analyzer = Analyzer::new().expect("analyzer");
        let (candidates, counted) = weigh(&analyzer, "制才", "美国制才伊朗", &["制裁"]);
        assert!(candidates.is_empty(), "{candidates:?}");
        assert!(!counted.contains(&"制才".to_owned()), "{counted:?}");

        let (candidates, counted) = weigh(&analyzer, "制才", "美国制才伊朗", &["制裁", "国制裁伊"]);
        assert_eq!(candidates.first().map(String::as_str), Some("制裁"), "{candidates:?}");
        assert!(counted.contains(&"制才".to_owned()), "{counted:?}");
    }
}
