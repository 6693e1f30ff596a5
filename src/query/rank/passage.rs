//! The best passage: for a query of a sentence's length, the window of the
//! query's length, in the title or in the body, that holds the most of its
//! units, weighed by their rarity. A description in other words still puts
//! most of its characters in one sentence of the page it describes (or in
//! its title), while a page that merely shares its words has them spread
//! over several paragraphs. Computed from positions for the best hits.

use std::borrow::Cow;

use tantivy::schema::Field;
use tantivy::Score;

use super::super::explain::Explanation;
use super::super::parse::Scope;
use super::super::terms::Clause;
use super::parts::TextFields;
use super::positions::Positions;
use super::settings::RankingSettings;
use super::stats::Stats;

/// A document no longer than this many times the query is short: its
/// passage gains [`RankingSettings::passage_focus`] and is the whole field
/// (see [`PassageSpec::width_in`]).
const SHORT_DOCUMENT: Score = 2.0;

/// The query as one passage: its units and how wide a window of a field
/// they are looked for in (see [`RankingSettings::passage_weight`]).
#[derive(Debug, Default)]
pub(crate) struct PassageSpec {
    /// Each distinct unit.
    pub units: Vec<PassageUnit>,
    /// The query's length in positions.
    pub width: u32,
    /// The query's length in tokens as the index counts a field's length
    /// (its positions and the dictionary bigrams among them), for
    /// [`RankingSettings::passage_focus`].
    pub length: u32,
}

/// A unit of the passage.
#[derive(Debug)]
pub(crate) struct PassageUnit {
    pub token: String,
    pub weight: Score,
    /// The tokens that stand for it in a variant spelling of its word
    /// (`取` for the `中` of 选中, written 選取): a page that writes the
    /// word the other side's way has it in its passage too.
    pub stand_ins: Vec<String>,
}

/// A hit's best passage, scored.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PassageScore {
    /// Where: the title or the body.
    pub field: Field,
    /// How many of the query's units the passage has.
    pub units: usize,
    /// Their weighed idf (`s`), and that of all the query's units (`t`).
    pub found: Score,
    pub total: Score,
    /// The factor for the document's length ([`PassageSpec::focus`]).
    pub focus: Score,
    pub score: Score,
}

impl PassageSpec {
    /// Widens the window by a positive clause: every clause takes its
    /// length in a document that has the query's text, plus a separator
    /// (or nothing) between clauses. The window is as wide as the whole
    /// query, whatever part of it is scored.
    pub(crate) fn widen(&mut self, clause: &Clause) {
        if self.width > 0 {
            self.width = self.width.saturating_add(1);
        }
        let cells = u32::try_from(clause.pattern.cells.len()).unwrap_or(u32::MAX);
        self.width = self.width.saturating_add(cells);
        let bigrams = u32::try_from(clause.bigrams.len()).unwrap_or(u32::MAX);
        self.length = self.length.saturating_add(cells).saturating_add(bigrams);
    }

    /// The factor of [`RankingSettings::passage_focus`] for a document
    /// of `length` tokens: `1 + f` up to the query's length, falling
    /// linearly to 1 at twice it. Pages longer than that are all alike, so
    /// that among them the passage weighs as it did before; only documents
    /// about as short as the query gain, the shorter the more.
    pub(crate) fn focus(&self, length: u32, focus: Score) -> Score {
        let query = self.length.max(1) as Score;
        let share = (SHORT_DOCUMENT - length as Score / query).clamp(0.0, 1.0);
        1.0 + focus * share
    }

    /// Adds the units of an unquoted clause that looks in the title and
    /// the body alike.
    pub(crate) fn add_units(&mut self, clause: &Clause, settings: &RankingSettings) {
        debug_assert!(!clause.quoted && clause.scope == Scope::All);
        for unit in &clause.units {
            if !self.units.iter().any(|u| u.token == unit.text) {
                let weight = if unit.len > 1 { settings.pair_weight } else { settings.char_weight };
                self.units.push(PassageUnit { token: unit.text.clone(), weight, stand_ins: Vec::new() });
            }
        }
        // The characters of a word's variants that the word lacks stand in
        // for each of its characters that a variant lacks (记, 忆 and 体 for
        // the 内 and 存 of 内存, written 記憶體): the word is in a passage
        // in either spelling, as it is in the rest of the ranking. Only Han
        // and other non-ASCII characters: each is an index token of its own.
        for (word, variants) in clause.words.iter().zip(&clause.variants) {
            let own: Vec<String> = word.text.chars().map(String::from).collect();
            let theirs: Vec<String> = variants
                .iter()
                .flat_map(|v| v.text.chars().filter(|c| !c.is_ascii() && !c.is_whitespace()).map(String::from))
                .filter(|c| !own.contains(c))
                .collect();
            for c in own.iter().filter(|c| !variants.iter().all(|v| v.text.contains(c.as_str()))) {
                if let Some(u) = self.units.iter_mut().find(|u| u.token == *c) {
                    for t in &theirs {
                        if !u.stand_ins.contains(t) {
                            u.stand_ins.push(t.clone());
                        }
                    }
                }
            }
        }
    }

    /// Every token whose positions the passage needs.
    pub(crate) fn tokens(&self) -> impl Iterator<Item = &String> {
        self.units.iter().flat_map(|u| std::iter::once(&u.token).chain(&u.stand_ins))
    }

    /// Each unit's weighed idf, the same in either field (the statistics
    /// take the larger document frequency of the two). A unit no document
    /// has (a typing slip) weighs nothing: it would only shrink every
    /// hit's share alike.
    pub(crate) fn unit_idf(&self, stats: &Stats<'_>) -> tantivy::Result<Vec<Score>> {
        self.units.iter().map(|unit| Ok(unit.weight * stats.idf(&unit.token)?)).collect()
    }

    /// How wide a window is looked for in a field of `length` tokens: the
    /// query's width, or the whole field when it is short (no longer than
    /// [`SHORT_DOCUMENT`] times the query, as the focus counts). A message
    /// barely longer than the query spreads the query's words over more
    /// positions than the query has (为真，则指令应处理 in 如數值為「真」，
    /// 則表示「command」欄的指令應處理), and a window of the query's width
    /// would cut off part of what the document shares with it, while a
    /// sibling that shares less but tighter kept all of its part. Such a
    /// document is one passage; on longer pages, proximity still decides.
    pub(crate) fn width_in(&self, length: u32) -> u32 {
        if (length as Score) <= SHORT_DOCUMENT * self.length.max(1) as Score {
            u32::MAX
        } else {
            self.width
        }
    }

    /// Document `k`'s best window, in a field of `field_length` tokens: how
    /// many units it holds and their weighed idf.
    pub(crate) fn best_in(
        &self,
        positions: &Positions,
        k: usize,
        unit_idf: &[Score],
        field_length: u32,
    ) -> (usize, Score) {
        // A unit with stand-ins is wherever any of them is.
        let lists: Vec<Cow<'_, [u32]>> = self
            .units
            .iter()
            .map(|unit| {
                let own = positions.of(&unit.token, k);
                if unit.stand_ins.is_empty() {
                    return Cow::Borrowed(own);
                }
                let mut all = own.to_vec();
                for other in &unit.stand_ins {
                    all.extend_from_slice(positions.of(other, k));
                }
                all.sort_unstable();
                all.dedup();
                Cow::Owned(all)
            })
            .collect();
        let lists: Vec<&[u32]> = lists.iter().map(|l| l.as_ref()).collect();
        best_window(&lists, unit_idf, self.width_in(field_length))
    }

    /// The explanation of a hit's passage part.
    pub(crate) fn explain(&self, found: Option<&PassageScore>, text: &TextFields, weight: Score) -> Explanation {
        match found {
            Some(p) => Explanation::new(
                p.score,
                format!(
                    "the best passage, in the {}: {} of the query's {} units within {} positions, \
                     {weight} × {:.3} × ({:.3} / {:.3}) × {:.3} (weighed idf found × share of all × \
                     the document's length against the query's)",
                    text.name(p.field),
                    p.units,
                    self.units.len(),
                    self.width,
                    p.found,
                    p.found,
                    p.total,
                    p.focus
                ),
            ),
            None => Explanation::new(
                0.0,
                "the best passage: none of the query in the title or the body, or not among the best hits",
            ),
        }
    }
}

impl PassageScore {
    /// The score of a window in `field` that holds `units` units of weighed
    /// idf `found`, of `total` for the whole query: `weight × s × s / t`.
    pub(crate) fn new(field: Field, units: usize, found: Score, total: Score, weight: Score) -> PassageScore {
        PassageScore { field, units, found, total, focus: 1.0, score: weight * found * (found / total) }
    }

    /// Applies the factor of the document's length ([`PassageSpec::focus`]).
    pub(crate) fn focus(&mut self, focus: Score) {
        self.score *= focus / self.focus;
        self.focus = focus;
    }
}

/// The best window of `width` consecutive positions: how many of the
/// lists have a position in it, and the sum of their `weights` (each list
/// counted once, however often it is there), for the window with the
/// largest sum. `lists[u]` are the sorted positions of unit `u`.
fn best_window(lists: &[&[u32]], weights: &[Score], width: u32) -> (usize, Score) {
    // A window is at least one position wide.
    let width = u64::from(width.max(1));
    // Each occurrence as one number, position then unit, so that a plain
    // sort orders them (a long document has many: half the memory and a
    // faster sort than pairs).
    let mut events: Vec<u64> = Vec::with_capacity(lists.iter().map(|l| l.len()).sum());
    for (u, list) in lists.iter().enumerate() {
        events.extend(list.iter().map(|&p| (u64::from(p) << 32) | u as u64));
    }
    events.sort_unstable();
    let at = |e: u64| e >> 32;
    let unit = |e: u64| (e & u64::from(u32::MAX)) as usize;
    // How often each unit is in the window [at(events[lo]), at(events[hi])],
    // which is kept narrower than `width`. The sum is kept in f64: a long
    // document adds and takes away the same weights many times.
    let mut count = vec![0u32; lists.len()];
    // A window with every unit the document has is as good as any: the
    // walk stops there (a document that has the query's text whole stops
    // at its first occurrence).
    let present = lists.iter().filter(|l| !l.is_empty()).count();
    let (mut units, mut sum, mut best, mut lo) = (0usize, 0.0f64, (0usize, 0.0f64), 0);
    for hi in 0..events.len() {
        let u = unit(events[hi]);
        if count[u] == 0 {
            units += 1;
            sum += f64::from(weights[u]);
        }
        count[u] += 1;
        while at(events[lo]) + width <= at(events[hi]) {
            let v = unit(events[lo]);
            count[v] -= 1;
            if count[v] == 0 {
                units -= 1;
                sum -= f64::from(weights[v]);
            }
            lo += 1;
        }
        if sum > best.1 {
            best = (units, sum);
        }
        if units == present {
            break;
        }
    }
    (best.0, best.1 as Score)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The best window: (lists, weights, width) → (units in it, their sum).
    #[test]
    fn the_best_window_counts_each_unit_once_within_its_width() {
        type Case<'a> = (&'a [&'a [u32]], &'a [f32], u32, (usize, f32));
        let cases: [Case<'_>; 7] = [
            // Nothing there.
            (&[&[], &[]], &[1.0, 2.0], 5, (0, 0.0)),
            // One unit, however often.
            (&[&[3, 4, 5], &[]], &[1.0, 2.0], 5, (1, 1.0)),
            // Both within 5 positions (3 and 7), or not (3 and 8).
            (&[&[3], &[7]], &[1.0, 2.0], 5, (2, 3.0)),
            (&[&[3], &[8]], &[1.0, 2.0], 5, (1, 2.0)),
            // The heavier window wins over the one with more units.
            (&[&[0], &[1], &[20]], &[1.0, 1.0, 5.0], 4, (1, 5.0)),
            // The window slides to where all three are.
            (&[&[0, 30], &[10, 31], &[32]], &[1.0, 1.0, 1.0], 3, (3, 3.0)),
            // A width of 0 is one position.
            (&[&[2], &[2]], &[1.0, 1.0], 0, (2, 2.0)),
        ];
        for (lists, weights, width, want) in cases {
            assert_eq!(best_window(lists, weights, width), want, "{lists:?} within {width}");
        }
    }

    proptest::proptest! {
        /// The sliding window finds what trying every window finds.
        #[test]
        fn the_best_window_is_the_best_of_every_window(
            lists in proptest::collection::vec(proptest::collection::btree_set(0u32..60, 0..6), 1..6),
            width in 0u32..20,
        ) {
            let lists: Vec<Vec<u32>> = lists.into_iter().map(|s| s.into_iter().collect()).collect();
            // Weights that are powers of two: sums are exact and tell the
            // units apart.
            let weights: Vec<f32> = (0..lists.len()).map(|u| (1u32 << u) as f32).collect();
            let slices: Vec<&[u32]> = lists.iter().map(Vec::as_slice).collect();
            let mut want = (0usize, 0.0f32);
            for start in 0..60u32 {
                let inside: Vec<usize> = (0..lists.len())
                    .filter(|&u| lists[u].iter().any(|&p| p >= start && p < start + width.max(1)))
                    .collect();
                let sum: f32 = inside.iter().map(|&u| weights[u]).sum();
                if sum > want.1 {
                    want = (inside.len(), sum);
                }
            }
            proptest::prop_assert_eq!(best_window(&slices, &weights, width), want);
        }
    }
}
