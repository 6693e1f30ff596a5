//! What each clause of a query looks for.
//!
//! A clause's text is folded (normalized, converted) and cut two ways:
//!
//! - into the units the index holds (see [`crate::analysis`]): its
//!   characters, its Latin words and numbers, the dictionary bigrams among
//!   characters side by side, and the other pairs side by side, which the
//!   index has as two neighbouring characters. The ranking scores these.
//! - into jieba's words: a document that has every word of a query (each as
//!   a substring) is a *full match*.
//!
//! Both the whole text and each word become exact [`Pattern`]s: phrases of
//! the index's tokens that find the text wherever it stands, whatever
//! jieba would make of the context.

use tantivy::query::{PhraseQuery, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};

use super::parse::{self, Scope};
use crate::analysis::variants::Expander;
use crate::analysis::{Analyzer, Mode, Prepared};

/// A cell of a folded text, one per position: a word character, or a run
/// of separators between two of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Cell {
    /// A word character (folded).
    Char(char),
    /// A run of whitespace or punctuation.
    Separator,
}

/// A folded text as an exact pattern.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Pattern {
    /// The folded text, a run of separators written as one space: for
    /// explanations.
    pub text: String,
    /// Its cells at their positions relative to the first: what
    /// highlighting looks for.
    pub cells: Vec<(usize, Cell)>,
    /// A phrase of index tokens at relative positions that occurs exactly
    /// where the text does: a bigram token wherever two characters form
    /// one (its posting list is far shorter than either character's), the
    /// character elsewhere, and the separator token for a separator run.
    pub tokens: Vec<(usize, String)>,
    /// The same text as a phrase for matching only (see
    /// [`Pattern::match_query`]): every bigram token it holds, overlapping
    /// ones too, a character only where no bigram covers it.
    matching: Vec<(usize, String)>,
}

impl Pattern {
    /// The pattern of characters `from..to` of `prepared`, separators at
    /// either end left out; `None` if it has no word character.
    pub(crate) fn of(analyzer: &Analyzer, prepared: &Prepared, from: usize, to: usize) -> Option<Pattern> {
        use crate::analysis::normalize::CharClass;
        let is_sep = |k: usize| prepared.class[k] == CharClass::Separator;
        let (mut from, mut to) = (from, to);
        while from < to && is_sep(from) {
            from += 1;
        }
        while to > from && is_sep(to - 1) {
            to -= 1;
        }
        if from >= to {
            return None;
        }
        let base = prepared.position[from] as usize;
        let mut cells = Vec::with_capacity(to - from);
        let mut text = String::with_capacity(prepared.slice(from, to).len());
        for k in from..to {
            let position = prepared.position[k] as usize - base;
            if !is_sep(k) {
                cells.push((position, Cell::Char(prepared.chars[k])));
                text.push(prepared.chars[k]);
            } else if !is_sep(k - 1) {
                cells.push((position, Cell::Separator));
                text.push(' ');
            }
        }
        let mut tokens = Vec::with_capacity(cells.len());
        let mut j = 0;
        while j < cells.len() {
            let (position, cell) = cells[j];
            match (cell, cells.get(j + 1)) {
                (Cell::Char(a), Some(&(next, Cell::Char(b))))
                    if next == position + 1 && analyzer.is_bigram_pair(a, b) =>
                {
                    tokens.push((position, [a, b].iter().collect()));
                    j += 2;
                }
                (Cell::Char(a), _) => {
                    tokens.push((position, a.to_string()));
                    j += 1;
                }
                (Cell::Separator, _) => {
                    tokens.push((position, crate::analysis::SEPARATOR_TOKEN.to_owned()));
                    j += 1;
                }
            }
        }
        let matching = matching_tokens(analyzer, &cells);
        Some(Pattern { text, cells, tokens, matching })
    }

    /// The pattern of a whole text (a word of the lexicon, a title), as
    /// [`Pattern::of`] makes it.
    pub(crate) fn of_text(analyzer: &Analyzer, text: &str) -> Option<Pattern> {
        let prepared = analyzer.prepare(text);
        Pattern::of(analyzer, &prepared, 0, prepared.len())
    }

    /// [`Pattern::of_text`] of a text already in Simplified script (a
    /// word of jieba's dictionary, a piece of a folded query): normalized
    /// but not converted again, which is most of the cost of a short text,
    /// and a correction weighs dozens of them per query.
    pub(crate) fn of_simplified(analyzer: &Analyzer, text: &str) -> Option<Pattern> {
        let prepared = Prepared::new(text, None);
        Pattern::of(analyzer, &prepared, 0, prepared.len())
    }

    /// The query that finds this pattern in `field`.
    pub(crate) fn query(&self, field: Field) -> Box<dyn Query> {
        phrase_of(&self.tokens, field, IndexRecordOption::WithFreqs)
    }

    /// A query that finds exactly the documents [`Pattern::query`] finds,
    /// for counting and matching, not for scores: its phrase holds every
    /// bigram token of the text, the overlapping ones too (`中国人` is
    /// `中国` then `国人`, not `中国` then `人`), and a character only
    /// where no bigram covers it. Each token is a function of the
    /// characters it covers (see `crate::analysis::ngram`), so the phrase
    /// occurs exactly where the text does; but a phrase search checks the
    /// positions of every document that has all its tokens, and a
    /// common character's documents are most of the collection.
    pub(crate) fn match_query(&self, field: Field) -> Box<dyn Query> {
        phrase_of(&self.matching, field, IndexRecordOption::Basic)
    }

    /// The tokens of [`Pattern::match_query`].
    pub(crate) fn matching_tokens(&self) -> impl Iterator<Item = &str> {
        self.matching.iter().map(|(_, t)| t.as_str())
    }

    /// The one index token this pattern is, if it is one.
    pub(crate) fn single_token(&self) -> Option<&str> {
        match self.tokens.as_slice() {
            [(_, only)] => Some(only),
            _ => None,
        }
    }
}

/// A term of `tokens` alone, or their phrase at their positions, in
/// `field`.
fn phrase_of(tokens: &[(usize, String)], field: Field, option: IndexRecordOption) -> Box<dyn Query> {
    let term = |t: &str| tantivy::Term::from_field_text(field, t);
    match tokens {
        [(_, only)] => Box::new(TermQuery::new(term(only), option)),
        tokens => Box::new(PhraseQuery::new_with_offset(tokens.iter().map(|(p, t)| (*p, term(t))).collect())),
    }
}

/// The tokens of [`Pattern::match_query`] for `cells`: a bigram token at
/// each cell that forms one with the next, the separator token at each
/// separator, and a character where neither bigram beside it covers it.
fn matching_tokens(analyzer: &Analyzer, cells: &[(usize, Cell)]) -> Vec<(usize, String)> {
    let pair_at = |j: usize| match (cells.get(j), cells.get(j + 1)) {
        (Some(&(p, Cell::Char(a))), Some(&(q, Cell::Char(b)))) if q == p + 1 && analyzer.is_bigram_pair(a, b) => {
            Some([a, b])
        }
        _ => None,
    };
    let mut out = Vec::with_capacity(cells.len());
    let mut covered = false;
    for (j, &(position, cell)) in cells.iter().enumerate() {
        let pair = pair_at(j);
        match (cell, pair) {
            (Cell::Separator, _) => out.push((position, crate::analysis::SEPARATOR_TOKEN.to_owned())),
            (Cell::Char(_), Some(pair)) => out.push((position, pair.iter().collect())),
            (Cell::Char(a), None) if !covered => out.push((position, a.to_string())),
            (Cell::Char(_), None) => {}
        }
        // The next cell is covered by this one's bigram.
        covered = pair.is_some();
    }
    out
}

/// A unit of a query: a character, or a Latin word or number whole; an
/// index token.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Unit {
    /// The token text (folded).
    pub text: String,
    /// How many positions it covers.
    pub len: usize,
}

/// Two units side by side in the query that are not one index token: a
/// document has them side by side when `second` stands `gap` positions
/// after `first`, with the separator token in between when `separated`
/// (the position before `second`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Pair {
    pub first: String,
    pub second: String,
    pub gap: usize,
    pub separated: bool,
}

impl Pair {
    /// The pair as it reads, for explanations: `困县`, or `贫 攻` with a
    /// separator between.
    pub(crate) fn text(&self) -> String {
        if self.separated {
            format!("{} {}", self.first, self.second)
        } else {
            format!("{}{}", self.first, self.second)
        }
    }
}

/// A clause of the query, analyzed.
#[derive(Debug, Clone)]
pub(crate) struct Clause {
    /// `-term`: documents that match it are excluded.
    pub negated: bool,
    /// The field(s) it looks in.
    pub scope: Scope,
    /// A quoted text: it must occur exactly.
    pub quoted: bool,
    /// The whole text, exactly.
    pub pattern: Pattern,
    /// jieba's words of the text (stop words left out), distinct, in order.
    pub words: Vec<Pattern>,
    /// The variants of each word, as exact patterns (`variants[i]` are
    /// those of `words[i]`; none for a quoted or negated clause).
    pub variants: Vec<Vec<Pattern>>,
    /// Its characters and Latin words (those of stop words left out),
    /// distinct, in order.
    pub units: Vec<Unit>,
    /// The dictionary bigrams among its characters side by side, distinct.
    pub bigrams: Vec<String>,
    /// Its other units side by side, distinct.
    pub pairs: Vec<Pair>,
    /// What a clause typed in pinyin may stand for (see
    /// [`super::pinyin`]): words of Han characters, each with the reading
    /// that found it. Only for a clause of one word (the whole clause).
    pub sounds_like: Vec<SoundsLike>,
}

/// A reading of a pinyin clause in Han characters: `北京` for `beijing`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SoundsLike {
    /// The characters, as an exact pattern.
    pub pattern: Pattern,
    /// The syllables they were read as (`bei jing`, `b j`), for
    /// explanations.
    pub reading: String,
}

impl Clause {
    /// Analyzes one parsed clause; `None` when it has nothing to look for
    /// (only punctuation, or only stop words).
    ///
    /// `expander` gives the variants of a word: each unquoted, positive
    /// word with variants matches any of them, and the pairs inside it are
    /// left to that match (see `super::rank`). Words jieba cut apart that
    /// are one word of a table (位元 组 as 位元组) are taken together.
    pub(crate) fn analyze(
        analyzer: &Analyzer,
        clause: &parse::Clause,
        expander: Option<&Expander<'_>>,
    ) -> Option<Clause> {
        let text = clause.term.text();
        let quoted = matches!(clause.term, parse::Term::Phrase(_));
        let prepared = analyzer.prepare(text);
        let pattern = Pattern::of(analyzer, &prepared, 0, prepared.len())?;
        let expander = expander.filter(|_| !quoted && !clause.negated);
        let (ranges, stop) = word_ranges(analyzer, &prepared, expander);
        let words = Words::of(analyzer, &prepared, ranges, expander);
        if words.words.is_empty() && !quoted {
            // Only stop words: nothing to look for.
            return None;
        }
        let (units, bigrams, pairs) = units_of(analyzer, &prepared, &stop, &words.varied);
        Some(Clause {
            negated: clause.negated,
            scope: clause.scope,
            quoted,
            pattern,
            words: words.words,
            variants: words.alternatives,
            units,
            bigrams,
            pairs,
            sounds_like: Vec::new(),
        })
    }

    /// The clause read as pinyin: one word, the text as typed (a document
    /// may have it literally, `hang glider`), which also matches `readings`.
    pub(crate) fn read_as_pinyin(&mut self, readings: Vec<SoundsLike>) {
        self.words = vec![self.pattern.clone()];
        self.variants = vec![Vec::new()];
        self.sounds_like = readings;
    }

    /// Whether the clause is one word: then that word is what it asks for.
    pub(crate) fn is_one_word(&self) -> bool {
        self.words.len() == 1
    }

    /// What the clause scores, decided here once: the ranking plans a
    /// group or a pair for each signal, and the highlighter marks each
    /// where a hit has it, so the two cannot drift apart. A quoted text is
    /// itself; a clause of one word is that word (its characters and the
    /// pairs inside it say nothing more about a document that has the
    /// word); a clause of several words is its characters and Latin words,
    /// its dictionary bigrams, its words and its other pairs, in that
    /// order.
    pub(crate) fn signals(&self) -> Vec<Signal<'_>> {
        if self.quoted {
            return vec![Signal::Quoted(&self.pattern)];
        }
        if self.is_one_word() {
            let variants = self.variants.first().map_or(&[][..], Vec::as_slice);
            return vec![Signal::OnlyWord { word: &self.words[0], variants, sounds_like: &self.sounds_like }];
        }
        let mut out: Vec<Signal<'_>> = self.units.iter().map(Signal::Unit).collect();
        out.extend(self.bigrams.iter().map(|b| Signal::Bigram(b.as_str())));
        out.extend(self.words.iter().zip(&self.variants).map(|(word, variants)| Signal::Word { word, variants }));
        out.extend(self.pairs.iter().map(Signal::Pair));
        out
    }
}

/// One thing a clause scores (see [`Clause::signals`]).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Signal<'c> {
    /// A quoted text, exactly.
    Quoted(&'c Pattern),
    /// The word of a clause of one word, in any of its spellings, or (a
    /// clause typed in pinyin) the words it sounds like.
    OnlyWord { word: &'c Pattern, variants: &'c [Pattern], sounds_like: &'c [SoundsLike] },
    /// A character or Latin word of a clause of several words.
    Unit(&'c Unit),
    /// A dictionary bigram of a clause of several words.
    Bigram(&'c str),
    /// A word of a clause of several words: it scores in any spelling when
    /// it has variants, and always says whether a document has every word.
    Word { word: &'c Pattern, variants: &'c [Pattern] },
    /// Two units side by side that are not one index token.
    Pair(&'c Pair),
}

/// `ranges` (word ranges in order) with each run of two or three adjacent
/// words that together are a word of a variant table joined into one.
fn join_table_words(prepared: &Prepared, ranges: Vec<(usize, usize)>, expander: &Expander<'_>) -> Vec<(usize, usize)> {
    let mut out = Vec::with_capacity(ranges.len());
    let mut i = 0;
    while i < ranges.len() {
        let mut joined = None;
        for n in [3, 2] {
            let Some(last) = ranges.get(i + n - 1) else { continue };
            let adjacent = ranges[i..i + n].windows(2).all(|w| w[0].1 == w[1].0);
            if adjacent && expander.has(prepared.slice(ranges[i].0, last.1)) {
                joined = Some(n);
                break;
            }
        }
        match joined {
            Some(n) => {
                out.push((ranges[i].0, ranges[i + n - 1].1));
                i += n;
            }
            None => {
                out.push(ranges[i]);
                i += 1;
            }
        }
    }
    out
}

/// jieba's words of a clause (as character ranges, those of a variant
/// table joined where jieba split them), and which characters belong to
/// stop words.
fn word_ranges(
    analyzer: &Analyzer,
    prepared: &Prepared,
    expander: Option<&Expander<'_>>,
) -> (Vec<(usize, usize)>, Vec<bool>) {
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    let mut stop = vec![false; prepared.len()];
    // Every word, however long: a word is looked up as its character
    // tokens, never as one term, so the word tokenizers' length limit
    // does not apply (a Latin word of 65 letters is still a word).
    analyzer.word_ranges(prepared, Mode::Query, usize::MAX, |from, to, is_stop| {
        if is_stop {
            stop[from..to].iter_mut().for_each(|s| *s = true);
        } else {
            ranges.push((from, to));
        }
    });
    if let Some(expander) = expander {
        ranges = join_table_words(prepared, ranges, expander);
    }
    (ranges, stop)
}

/// A clause's words, each once, with their variants, and the word each
/// character of a word with variants belongs to.
struct Words {
    words: Vec<Pattern>,
    alternatives: Vec<Vec<Pattern>>,
    varied: Vec<Option<usize>>,
}

impl Words {
    fn of(
        analyzer: &Analyzer,
        prepared: &Prepared,
        ranges: Vec<(usize, usize)>,
        expander: Option<&Expander<'_>>,
    ) -> Words {
        let mut out = Words { words: Vec::new(), alternatives: Vec::new(), varied: vec![None; prepared.len()] };
        for (from, to) in ranges {
            let Some(word) = Pattern::of(analyzer, prepared, from, to) else { continue };
            let i = match out.words.iter().position(|w| *w == word) {
                Some(i) => i,
                None => {
                    let found: Vec<Pattern> = expander
                        .map(|e| e.spellings(&word.text))
                        .unwrap_or_default()
                        .iter()
                        .filter_map(|v| {
                            let p = analyzer.prepare(v);
                            Pattern::of(analyzer, &p, 0, p.len())
                        })
                        .filter(|p| *p != word)
                        .collect();
                    out.words.push(word);
                    out.alternatives.push(found);
                    out.words.len() - 1
                }
            };
            if !out.alternatives[i].is_empty() {
                out.varied[from..to].iter_mut().for_each(|v| *v = Some(i));
            }
        }
        out
    }
}

/// The units of a run of word characters `start..end`, each with its first
/// character: a character, or a Latin stretch whole when it is long
/// enough to be given one token (see `crate::analysis`).
fn run_units(prepared: &Prepared, start: usize, end: usize) -> Vec<(Unit, usize)> {
    use crate::analysis::normalize::CharClass;
    let mut run: Vec<(Unit, usize)> = Vec::new();
    let mut k = start;
    while k < end {
        let len = if prepared.class[k] == CharClass::Word {
            prepared.class[k..end].iter().take_while(|&&c| c == CharClass::Word).count()
        } else {
            1
        };
        let len = if crate::analysis::is_whole_latin(len) { len } else { 1 };
        run.push((Unit { text: prepared.slice(k, k + len).to_owned(), len }, k));
        k += len;
    }
    run
}

/// A clause's units in order (each once), the bigrams of neighbouring
/// characters that form one, and the other neighbouring pairs; stop words
/// are left out, and inside a word with variants the word stands for its
/// pairs.
fn units_of(
    analyzer: &Analyzer,
    prepared: &Prepared,
    stop: &[bool],
    varied: &[Option<usize>],
) -> (Vec<Unit>, Vec<String>, Vec<Pair>) {
    let mut units: Vec<Unit> = Vec::new();
    let mut bigrams: Vec<String> = Vec::new();
    let mut pairs: Vec<Pair> = Vec::new();
    for (start, end) in prepared.word_runs() {
        let run = run_units(prepared, start, end);
        for (i, (unit, at)) in run.iter().enumerate() {
            if stop[*at] {
                continue;
            }
            if !units.contains(unit) {
                units.push(unit.clone());
            }
            let Some((next, next_at)) = run.get(i + 1) else { continue };
            if stop[*next_at] || (varied[*at].is_some() && varied[*at] == varied[*next_at]) {
                continue;
            }
            let one_char = |u: &Unit| u.text.chars().count() == 1;
            let (a, b) = (unit.text.chars().next(), next.text.chars().next());
            match (a, b) {
                (Some(a), Some(b)) if one_char(unit) && one_char(next) && analyzer.is_bigram_pair(a, b) => {
                    let bigram: String = [a, b].iter().collect();
                    if !bigrams.contains(&bigram) {
                        bigrams.push(bigram);
                    }
                }
                _ => {
                    let pair =
                        Pair { first: unit.text.clone(), second: next.text.clone(), gap: unit.len, separated: false };
                    if !pairs.contains(&pair) {
                        pairs.push(pair);
                    }
                }
            }
        }
    }
    (units, bigrams, pairs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::parse::{Clause as Parsed, Term};

    fn clause(text: &str) -> Clause {
        let analyzer = Analyzer::new().expect("analyzer");
        let parsed = Parsed { negated: false, scope: Scope::All, term: Term::Word(text.into()) };
        Clause::analyze(&analyzer, &parsed, None).expect("something to look for")
    }

    /// Table: a query text, its units, dictionary bigrams, other pairs
    /// (gap in brackets when not 1), words, and the whole text's tokens.
    #[test]
    fn clauses_cut_into_units_bigrams_pairs_and_words() {
        type Case = (&'static str, &'static str, &'static str, &'static str, &'static str, &'static str);
        let cases: [Case; 5] = [
            ("贫困县", "贫 困 县", "贫困", "困县", "贫困县", "贫困@0 县@2"),
            (
                "輸出使用者連線時間",
                "输 出 使 用 者 连 线 时 间",
                "输出 出使 使用 用者 连线 时间",
                "者连 线时",
                "输出 使用者 连线 时间",
                "输出@0 使用@2 者@4 连线@5 时间@7",
            ),
            ("xml筛选器", "xml 筛 选 器", "筛选", "xml筛(3) 选器", "xml 筛选 器", "x@0 m@1 l@2 筛选@3 器@5"),
            ("脱贫，攻坚", "脱 贫 攻 坚", "脱贫 攻坚", "", "脱贫 攻坚", "脱贫@0  @2 攻坚@3"),
            ("a股1.95%", "a 股 1.95", "a股", "股1.95", "a 股 1.95", "a股@0 1@2 .@3 9@4 5@5"),
        ];
        for (text, units, bigrams, pairs, words, tokens) in cases {
            let c = clause(text);
            let join = |v: Vec<String>| v.join(" ");
            assert_eq!(join(c.units.iter().map(|u| u.text.clone()).collect()), units, "units of {text}");
            assert_eq!(join(c.bigrams.clone()), bigrams, "bigrams of {text}");
            let pair_text = |p: &Pair| if p.gap == 1 { p.text() } else { format!("{}({})", p.text(), p.gap) };
            assert_eq!(join(c.pairs.iter().map(pair_text).collect()), pairs, "pairs of {text}");
            assert_eq!(join(c.words.iter().map(|w| w.text.clone()).collect()), words, "words of {text}");
            let toks: Vec<String> = c.pattern.tokens.iter().map(|(p, t)| format!("{t}@{p}")).collect();
            assert_eq!(toks.join(" "), tokens, "tokens of {text}");
        }
    }

    /// Table: a text and the phrase that matches it (`Pattern::match_query`):
    /// every bigram, overlapping ones too, a character where none covers it.
    #[test]
    fn match_phrases_hold_every_bigram_and_only_uncovered_characters() {
        let analyzer = Analyzer::new().expect("analyzer");
        let cases = [
            ("贫困县", "贫困@0 县@2"),
            ("中国人", "中国@0 国人@1"),
            ("輸出使用者連線時間", "输出@0 出使@1 使用@2 用者@3 连线@5 时间@7"),
            ("脱贫，攻坚", "脱贫@0  @2 攻坚@3"),
            ("的中国", "的@0 中国@1"),
            ("a股1.95%", "a股@0 1@2 .@3 9@4 5@5"),
        ];
        for (text, want) in cases {
            let pattern = Pattern::of_text(&analyzer, text).expect("pattern");
            let got: Vec<String> = pattern.matching.iter().map(|(p, t)| format!("{t}@{p}")).collect();
            assert_eq!(got.join(" "), want, "{text}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 48, ..Default::default() })]
        /// The phrase that matches a text finds the documents its scoring
        /// phrase finds, in texts of characters that form overlapping
        /// bigrams (and some that do not).
        #[test]
        fn a_match_phrase_finds_what_the_text_s_phrase_finds(
            bodies in proptest::collection::vec("[中国人民大学家的，]{0,24}", 1..24),
            needle in "[中国人民大学家的]{2,6}",
        ) {
            use crate::index::SearchIndex;
            let index = SearchIndex::in_memory(&Default::default()).expect("index");
            let mut writer = index.writer_with_threads(1).expect("writer");
            for (i, body) in bodies.iter().enumerate() {
                if !body.trim_matches('，').is_empty() {
                    writer.upsert(&crate::article::Article::new(format!("d{i}"), body.as_str())).expect("upsert");
                }
            }
            writer.commit().expect("commit");
            let searcher = index.reader.searcher();
            let stats = crate::query::rank::Stats::new(&searcher, index.fields);
            let pattern = Pattern::of_text(&index.analyzer, &needle).expect("pattern");
            let scoring = tantivy::query::BooleanQuery::new(
                [index.fields.title, index.fields.body]
                    .into_iter()
                    .map(|f| (tantivy::query::Occur::Should, pattern.query(f)))
                    .collect(),
            );
            let want = searcher.search(&scoring, &tantivy::collector::Count).expect("count") as u64;
            proptest::prop_assert_eq!(index.docs_with(&stats, &pattern), want);
            proptest::prop_assert_eq!(index.count_pattern(&stats, &pattern, u64::MAX), want);
        }
    }

    /// A word with variants keeps them as patterns, and the bigrams and
    /// pairs inside it are left out: the word, or a variant, stands for them.
    #[test]
    fn words_with_variants_stand_for_their_inner_pairs() {
        let analyzer = Analyzer::new().expect("analyzer");
        let parsed = Parsed { negated: false, scope: Scope::All, term: Term::Word("服务器性能".into()) };
        let table = crate::analysis::Synonyms::new([["服务器", "伺服器"]]).expect("synonyms");
        let variants = crate::analysis::Variants::default().with_synonyms(&table, |w| analyzer.fold(w));
        let expander = Expander { analyzer: &analyzer, tables: vec![&variants] };
        let c = Clause::analyze(&analyzer, &parsed, Some(&expander)).expect("words");
        let words: Vec<&str> = c.words.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(words, ["服务器", "性能"]);
        let found: Vec<&str> = c.variants[0].iter().map(|v| v.text.as_str()).collect();
        assert_eq!(found, ["伺服器"]);
        assert!(c.variants[1].is_empty());
        assert_eq!(c.bigrams, ["性能"], "服务 is inside the varied word");
        let pairs: Vec<String> = c.pairs.iter().map(Pair::text).collect();
        assert_eq!(pairs, ["器性"], "务器 is inside it; 器性 crosses out of it");
        // Quoted: exact, no variants.
        let quoted = Parsed { negated: false, scope: Scope::All, term: Term::Phrase("服务器".into()) };
        assert!(Clause::analyze(&analyzer, &quoted, Some(&expander)).expect("text").variants.iter().all(Vec::is_empty));
    }

    /// Words jieba cuts apart that a table has as one (位元 组: 位元组, a
    /// byte) are one word, with the table's variants.
    #[test]
    fn table_words_cut_apart_are_joined() {
        let analyzer = Analyzer::new().expect("analyzer");
        let regional = analyzer.variants();
        let expander = Expander { analyzer: &analyzer, tables: vec![&regional] };
        let parsed = Parsed { negated: false, scope: Scope::All, term: Term::Word("位元組大小".into()) };
        let plain = Clause::analyze(&analyzer, &parsed, None).expect("words");
        assert!(plain.words.iter().all(|w| w.text != "位元组"), "jieba alone cuts it apart: {:?}", plain.words);
        let c = Clause::analyze(&analyzer, &parsed, Some(&expander)).expect("words");
        let i = c.words.iter().position(|w| w.text == "位元组").expect("joined");
        assert!(c.variants[i].iter().any(|v| v.text == "字节"), "{:?}", c.variants[i]);
    }

    #[test]
    fn stop_words_are_left_out_of_words_units_and_pairs() {
        let analyzer = Analyzer::builder().stop_words(["的"]).build().expect("analyzer");
        let parsed = Parsed { negated: false, scope: Scope::All, term: Term::Word("我的电脑".into()) };
        let c = Clause::analyze(&analyzer, &parsed, None).expect("words");
        let units: Vec<&str> = c.units.iter().map(|u| u.text.as_str()).collect();
        assert_eq!(units, ["我", "电", "脑"]);
        assert_eq!(c.bigrams, ["电脑"]);
        assert!(c.pairs.is_empty(), "{:?}", c.pairs);
        let only_stop = Parsed { negated: false, scope: Scope::All, term: Term::Word("的".into()) };
        assert!(Clause::analyze(&analyzer, &only_stop, None).is_none());
    }
}
