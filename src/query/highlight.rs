//! Snippets: fragments of the original text with the matches marked.
//!
//! The stored text is analyzed again (tantivy keeps no offsets), so every
//! mark is a byte range of the text as written, in its own script: a query
//! for `贫困县` marks `貧困縣` in a Traditional article.

use std::ops::Range;

use serde::{Deserialize, Serialize};

use rustc_hash::FxHashMap;

use super::terms::{Cell, Clause, Pattern, Signal};
use crate::analysis::Analyzer;

/// Which field a snippet comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SnippetField {
    /// The title, whole.
    Title,
    /// A fragment of the body.
    Body,
}

/// A fragment of a field's original text with the matches marked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snippet {
    /// The field it comes from.
    pub field: SnippetField,
    /// The fragment, exactly as in the article.
    pub text: String,
    /// Marked byte ranges of `text`, sorted, not overlapping or touching.
    pub highlights: Vec<Range<usize>>,
}

impl Snippet {
    /// The marks as character ranges of `text`, for consumers that count
    /// characters (JavaScript, the `--json` output of the example).
    pub fn char_highlights(&self) -> Vec<Range<usize>> {
        let char_at = |byte: usize| self.text[..byte].chars().count();
        self.highlights.iter().map(|r| char_at(r.start)..char_at(r.end)).collect()
    }

    /// The text with each mark wrapped in `open` and `close`.
    pub fn marked(&self, open: &str, close: &str) -> String {
        let mut out = String::with_capacity(self.text.len() + self.highlights.len() * (open.len() + close.len()));
        let mut last = 0;
        for r in &self.highlights {
            out.push_str(&self.text[last..r.start]);
            out.push_str(open);
            out.push_str(&self.text[r.clone()]);
            out.push_str(close);
            last = r.end;
        }
        out.push_str(&self.text[last..]);
        out
    }
}

/// What to mark in a hit: the query's quoted texts, words and their
/// variants; and, for a
/// clause of several words, its bigrams, pairs side by side and Latin
/// words too, which is what the ranking scored. A clause of one word marks
/// that word only, and a single character is marked only when a clause is
/// one: marking every character a long query shares with a text would
/// mark most of it.
#[derive(Debug, Default, Clone)]
pub(crate) struct Highlights {
    marks: Vec<Mark>,
    /// Marks by their first cell: looked up at every character of every
    /// hit's text, with rustc-hash's hasher (SipHash was a tenth of a
    /// one-word query with snippets).
    by_first: FxHashMap<Cell, Vec<usize>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Mark {
    cells: Vec<(usize, Cell)>,
    /// Whether a Latin word at either end must be whole (unquoted words:
    /// `xml` is not marked inside `xmlfilter`; a quoted text is a substring).
    whole: bool,
}

impl Highlights {
    /// The marks of the positive clauses.
    pub(crate) fn of(clauses: &[&Clause]) -> Highlights {
        let mut hl = Highlights::default();
        let chars = |text: &str, from: usize| -> Vec<(usize, Cell)> {
            text.chars().enumerate().map(|(i, c)| (from + i, Cell::Char(c))).collect()
        };
        for clause in clauses {
            // What the ranking scores (`Clause::signals`), marked.
            for signal in clause.signals() {
                match signal {
                    Signal::Quoted(pattern) => hl.add(pattern.cells.clone(), false),
                    Signal::OnlyWord { word, variants, sounds_like } => {
                        hl.add_word(clause, word, variants.iter().chain(sounds_like.iter().map(|s| &s.pattern)));
                    }
                    Signal::Word { word, variants } => hl.add_word(clause, word, variants.iter()),
                    Signal::Bigram(bigram) => hl.add(chars(bigram, 0), true),
                    Signal::Pair(pair) => {
                        let mut cells = chars(&pair.first, 0);
                        cells.extend(chars(&pair.second, pair.gap));
                        hl.add(cells, true);
                    }
                    // Characters are not marked one by one (see above);
                    // a Latin word is.
                    Signal::Unit(unit) if unit.len > 1 => hl.add(chars(&unit.text, 0), true),
                    Signal::Unit(_) => {}
                }
            }
        }
        hl
    }

    /// A word of `clause` (a single character only when it is the clause)
    /// and its other spellings: a variant (記憶體 for 内存), or the Han
    /// characters a pinyin clause was read as, marked as the article
    /// writes them, whatever their length.
    fn add_word<'p>(&mut self, clause: &Clause, word: &Pattern, spellings: impl Iterator<Item = &'p Pattern>) {
        if word.cells.len() >= 2 || clause.pattern.cells.len() == 1 {
            self.add(word.cells.clone(), true);
        }
        for pattern in spellings {
            self.add(pattern.cells.clone(), true);
        }
    }

    fn add(&mut self, cells: Vec<(usize, Cell)>, whole: bool) {
        let Some(&(_, first)) = cells.first() else { return };
        let mark = Mark { cells, whole };
        if self.marks.contains(&mark) {
            return;
        }
        self.by_first.entry(first).or_default().push(self.marks.len());
        self.marks.push(mark);
    }

    /// These marks less those of `patterns`: the spellings a hit has only
    /// across word boundaries (的士 in 的士兵), which its score does not
    /// count either.
    pub(crate) fn without(&self, patterns: &[Pattern]) -> Highlights {
        let mut hl = Highlights::default();
        for mark in self.marks.iter().filter(|m| !patterns.iter().any(|p| p.cells == m.cells)) {
            hl.add(mark.cells.clone(), mark.whole);
        }
        hl
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.marks.is_empty()
    }
}

/// A cell of a text as written: where it is, and whether it is a non-Han
/// word character (part of a Latin word).
#[derive(Clone, Copy)]
struct TextCell {
    cell: Cell,
    from: usize,
    to: usize,
    latin: bool,
}

/// The byte ranges of `text` that the query's marks match, sorted and merged.
pub(crate) fn match_ranges(analyzer: &Analyzer, hl: &Highlights, text: &str) -> Vec<Range<usize>> {
    use crate::analysis::normalize::CharClass;
    use crate::analysis::Gram;
    if hl.is_empty() {
        return Vec::new();
    }
    let prepared = analyzer.prepare(text);
    // The text's cells by position: a character, or a run of separators
    // between two of them.
    let mut cells: Vec<Option<TextCell>> = Vec::new();
    analyzer.grams_of(&prepared, |gram, from, to| {
        let cell = match gram {
            Gram::Unigram => Cell::Char(prepared.chars[from]),
            Gram::Separator => Cell::Separator,
            Gram::Bigram | Gram::Latin => return,
        };
        let position = prepared.position[from] as usize;
        if cells.len() <= position {
            cells.resize(position + 1, None);
        }
        let (a, b) = prepared.original_range(from, to);
        cells[position] = Some(TextCell { cell, from: a, to: b, latin: prepared.class[from] == CharClass::Word });
    });
    let latin_at = |p: Option<usize>| p.and_then(|p| cells.get(p).copied().flatten()).is_some_and(|c| c.latin);
    let mut ranges = Vec::new();
    for (p, here) in cells.iter().enumerate() {
        let Some(here) = here else { continue };
        let Some(candidates) = hl.by_first.get(&here.cell) else { continue };
        for &m in candidates {
            let mark = &hl.marks[m];
            let matches = mark
                .cells
                .iter()
                .all(|&(rel, cell)| cells.get(p + rel).copied().flatten().is_some_and(|c| c.cell == cell));
            if !matches {
                continue;
            }
            let last_rel = mark.cells.last().map_or(0, |c| c.0);
            if mark.whole {
                let latin_first = matches!(mark.cells[0].1, Cell::Char(c) if !crate::analysis::normalize::is_han(c));
                let latin_last = matches!(mark.cells[mark.cells.len() - 1].1, Cell::Char(c) if !crate::analysis::normalize::is_han(c));
                if (latin_first && latin_at(p.checked_sub(1))) || (latin_last && latin_at(Some(p + last_rel + 1))) {
                    continue;
                }
            }
            if let Some(Some(end)) = cells.get(p + last_rel) {
                ranges.push(here.from..end.to);
            }
        }
    }
    merge(ranges)
}

/// Sorts ranges and merges those that overlap or touch.
pub(crate) fn merge(mut ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    ranges.sort_by_key(|r| (r.start, r.end));
    let mut out: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

/// Up to `count` fragments of about `length` characters from `text`,
/// chosen to hold the most marks, in text order. Without marks, the
/// opening of the text.
pub(crate) fn fragments(text: &str, ranges: &[Range<usize>], count: usize, length: usize) -> Vec<Snippet> {
    if count == 0 || length == 0 || text.trim().is_empty() {
        return Vec::new();
    }
    // Byte offset of every character, and of the end.
    let bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).chain(std::iter::once(text.len())).collect();
    let n = bounds.len() - 1;
    let char_of = |byte: usize| bounds.partition_point(|&b| b < byte);
    let window = |start: usize| -> (usize, usize) {
        let end = start.saturating_add(length).min(n);
        (end.saturating_sub(length), end)
    };
    // The ranges are sorted and disjoint, so their ends are sorted too and
    // the marks inside a window are a run found by two binary searches.
    // Counting them one by one made a page with 100,000 matches quadratic.
    debug_assert!(ranges.windows(2).all(|w| w[0].end <= w[1].start), "ranges must be merged");
    let starts: Vec<usize> = ranges.iter().map(|r| char_of(r.start)).collect();
    let ends: Vec<usize> = ranges.iter().map(|r| char_of(r.end)).collect();
    let mut candidates: Vec<(usize, usize, usize)> = Vec::with_capacity(ranges.len()); // (marks, start, end) in chars
    for (&start, &end) in starts.iter().zip(&ends) {
        let lead = length / 5;
        let (s, mut e) = window(start.saturating_sub(lead));
        // Never cut a mark in two at the end of a fragment.
        e = e.max(end);
        let first = starts.partition_point(|&c| c < s);
        let past = ends.partition_point(|&c| c <= e);
        candidates.push((past.saturating_sub(first), s, e));
    }
    if candidates.is_empty() {
        let start = text.char_indices().find(|(_, c)| !c.is_whitespace()).map_or(0, |(i, _)| char_of(i));
        let (s, e) = (start, start.saturating_add(length).min(n));
        return vec![snippet(text, &bounds, s, e, ranges)];
    }
    // Most marks first; earlier first among equals.
    candidates.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut chosen: Vec<(usize, usize)> = Vec::new();
    for (_, s, e) in candidates {
        if chosen.len() == count {
            break;
        }
        if chosen.iter().all(|&(cs, ce)| e <= cs || s >= ce) {
            chosen.push((s, e));
        }
    }
    chosen.sort_unstable();
    chosen.into_iter().map(|(s, e)| snippet(text, &bounds, s, e, ranges)).collect()
}

fn snippet(text: &str, bounds: &[usize], s: usize, e: usize, ranges: &[Range<usize>]) -> Snippet {
    let (from, to) = (bounds[s], bounds[e]);
    let highlights = ranges
        .iter()
        .filter(|r| r.end > from && r.start < to)
        .map(|r| r.start.max(from) - from..r.end.min(to) - from)
        .collect();
    Snippet { field: SnippetField::Body, text: text[from..to].to_owned(), highlights }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_joins_overlapping_and_touching_ranges() {
        type Case = (&'static [(usize, usize)], &'static [(usize, usize)]);
        let cases: [Case; 5] = [
            (&[], &[]),
            (&[(3, 6), (0, 3)], &[(0, 6)]),
            (&[(0, 6), (3, 9)], &[(0, 9)]),
            (&[(0, 3), (4, 6)], &[(0, 3), (4, 6)]),
            (&[(0, 9), (3, 6)], &[(0, 9)]),
        ];
        for (input, want) in cases {
            let got: Vec<(usize, usize)> =
                merge(input.iter().map(|&(a, b)| a..b).collect()).into_iter().map(|r| (r.start, r.end)).collect();
            assert_eq!(got, want, "{input:?}");
        }
    }

    #[test]
    fn fragments_hold_the_marks() {
        let text = "甲乙丙丁戊己庚辛壬癸".repeat(10);
        let mark = text.find("庚辛").map(|i| i..i + "庚辛".len()).into_iter().collect::<Vec<_>>();
        let frags = fragments(&text, &mark, 2, 12);
        assert_eq!(frags.len(), 1);
        let f = &frags[0];
        assert_eq!(f.text.chars().count(), 12);
        assert_eq!(&f.text[f.highlights[0].clone()], "庚辛");
        assert_eq!(f.marked("[", "]").matches("[庚辛]").count(), 1);
        assert_eq!(f.char_highlights()[0].len(), 2);
    }

    #[test]
    fn the_fragment_with_most_marks_comes_first() {
        // One lone mark early, then three close together: with one fragment
        // wanted, it is the window around the three.
        let text = format!("{}甲{}乙二乙二乙{}", "一".repeat(5), "二".repeat(40), "三".repeat(40));
        let marks = merge(text.match_indices(['甲', '乙']).map(|(i, m)| i..i + m.len()).collect());
        assert_eq!(marks.len(), 4);
        let frags = fragments(&text, &marks, 1, 10);
        assert_eq!(frags.len(), 1);
        assert_eq!(frags[0].highlights.len(), 3, "{:?}", frags[0]);
        assert!(frags[0].text.contains("乙二乙二乙"), "{:?}", frags[0].text);
        // Two fragments: both, in text order.
        let frags = fragments(&text, &marks, 2, 10);
        assert_eq!(frags.len(), 2);
        assert!(frags[0].text.contains('甲') && frags[1].text.contains("乙二乙二乙"));
    }

    #[test]
    fn fragments_without_marks_open_the_text() {
        let frags = fragments("  \n开头的文字和后面的文字", &[], 3, 4);
        assert_eq!(frags.len(), 1);
        assert_eq!(frags[0].text, "开头的文");
        assert!(frags[0].highlights.is_empty());
    }
}
