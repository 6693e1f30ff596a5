//! Variants only where they are words: a word's regional variant or
//! synonym is looked up as an exact text, and
//! a text of two characters can be found across a word boundary (的士,
//! the variant of 出租车, in 勇敢的士兵). For the best hits, a word found
//! only through such spellings is checked against the document's text,
//! cut by jieba around each occurrence; where none is a word, the word is
//! not counted: the hit loses its score and its part in the verdict, and
//! leaves the results if it no longer matches.
//!
//! The index holds characters and bigrams, not words (jieba over every
//! indexed text cost a third of a build), so the check reads the stored
//! text, for the hits that need it only.
//!
//! Pinyin readings are not checked: they are what the user meant, and
//! jieba's cut of a title is not always the one the reader sees (checking
//! them cost 0.008 MRR@10 on LibreOffice titles typed in pinyin).

use std::collections::{HashMap, HashSet};

use tantivy::query::EnableScoring;
use tantivy::{DocAddress, DocSet, Score, Searcher};

use super::collect::RankedHit;
use super::matching::{Present, Role};
use super::parts::{parts_of, Part};
use super::plan::Lookup;
use super::stats::Stats;
use super::Ranking;

/// Whether the document at an address has any of the texts as a word.
pub(crate) type IsWord<'a> = &'a dyn Fn(DocAddress, &[&str]) -> tantivy::Result<bool>;

/// What the check took away.
#[derive(Debug, Default)]
pub(crate) struct WordCheck {
    /// Per hit, the groups (indices in the branch) it has only across word
    /// boundaries, not counted.
    pub lost: HashMap<DocAddress, Vec<usize>>,
    /// How many hits no longer match.
    pub dropped: u64,
    /// How many hits that were full matches no longer are (dropped or not).
    pub unfull: u64,
}

/// Checks the first `n` hits not `done` yet (see the module docs),
/// adjusting their scores and verdicts and removing those that no longer
/// match. With `by_score` the hits are sorted again, best first.
pub(crate) fn check(
    ranking: &Ranking,
    stats: &Stats<'_>,
    hits: &mut Vec<RankedHit>,
    n: usize,
    by_score: bool,
    is_word: IsWord<'_>,
    done: &mut HashSet<DocAddress>,
) -> tantivy::Result<WordCheck> {
    let mut checked = WordCheck::default();
    // An `OR` is a union of branches, each with its own verdict: not
    // checked (see the README's limits).
    let [branch] = ranking.branches.as_slice() else {
        return Ok(checked);
    };
    let n = n.min(hits.len());
    if n == 0 {
        return Ok(checked);
    }
    // The groups with a variant or synonym of two characters or more (one
    // character cannot straddle a boundary).
    let checked_groups: Vec<usize> = (0..branch.groups.len())
        .filter(|&g| match &branch.groups[g].lookup {
            Lookup::Any(patterns) => patterns.iter().skip(1).take(branch.groups[g].variants).any(|p| p.cells.len() > 1),
            _ => false,
        })
        .collect();
    if checked_groups.is_empty() {
        return Ok(checked);
    }
    let searcher = stats.searcher();
    let enabled = EnableScoring::enabled_from_statistics_provider(stats, searcher);
    let mut order: Vec<(DocAddress, usize)> =
        hits[..n].iter().enumerate().filter(|(_, h)| done.insert(h.address)).map(|(i, h)| (h.address, i)).collect();
    order.sort_unstable();
    // Per hit, each group it loses and that group's value.
    // Each hit's groups found only across word boundaries: the group, its
    // value, and the role it was counted with.
    let mut lost: Vec<Vec<(usize, Score, Role)>> = vec![Vec::new(); n];
    for &g in &checked_groups {
        let spec = &branch.groups[g];
        let Lookup::Any(patterns) = &spec.lookup else { continue };
        let parts = parts_of(spec, &ranking.text);
        // One part per spelling, the word's own first (see `parts_of`).
        if parts.len() != patterns.len() {
            continue;
        }
        let values = values_of(&parts, &order, n, enabled, searcher)?;
        for (i, v) in values.iter().enumerate() {
            // The word as typed, or a pinyin reading (what the user
            // meant, jieba's cut of the text notwithstanding), counts.
            let variants = 1..=spec.variants.min(patterns.len() - 1);
            if v.iter().enumerate().any(|(k, found)| found.is_some() && !variants.contains(&k)) {
                continue;
            }
            let found: Vec<usize> = variants.filter(|&k| v[k].is_some()).collect();
            if found.is_empty() || found.iter().any(|&k| patterns[k].cells.len() < 2) {
                continue;
            }
            let texts: Vec<&str> = found.iter().map(|&k| patterns[k].text.as_str()).collect();
            if is_word(hits[i].address, &texts)? {
                continue;
            }
            let value = found.iter().filter_map(|&k| v[k]).fold(0.0, Score::max);
            lost[i].push((g, value, spec.role_of(found[0])));
        }
    }
    let affected: Vec<(DocAddress, usize)> = order.iter().copied().filter(|&(_, i)| !lost[i].is_empty()).collect();
    if affected.is_empty() {
        return Ok(checked);
    }
    // What the affected hits have of every group, and the units' value:
    // their score is that value times the coverage factor (and the
    // pairs' and passage's, which the rescore added and the check leaves).
    let mut present = vec![Present::default(); n];
    let mut units: Vec<Score> = vec![0.0; n];
    for spec in &branch.groups {
        let values = values_of(&parts_of(spec, &ranking.text), &affected, n, enabled, searcher)?;
        let best_only = matches!(spec.lookup, Lookup::Any(_));
        for &(_, i) in &affected {
            let found = values[i].iter().flatten();
            // As the scorer counts it: by the first part the hit has (a
            // variant's covers the units it lacks, see `Role::covers`).
            if let Some(k) = values[i].iter().position(Option::is_some) {
                present[i].add(spec.role_of(k));
            }
            units[i] += if best_only { found.copied().fold(0.0, Score::max) } else { found.sum() };
        }
    }
    let rule = branch.rule(&ranking.settings);
    let mut keep = vec![true; n];
    for &(address, i) in &affected {
        let mut now = present[i];
        let mut value = units[i];
        for &(_, v, role) in &lost[i] {
            now.remove(role);
            value -= v;
        }
        let before = units[i] * rule.coverage(present[i].words);
        let after = value.max(0.0) * rule.coverage(now.words);
        let hit = &mut hits[i];
        hit.score += after - before;
        let was_full = hit.full;
        hit.full = rule.is_full(&now);
        let matches = if ranking.all_words { hit.full } else { rule.matches(&now) };
        checked.unfull += u64::from(was_full && !hit.full);
        if !matches {
            keep[i] = false;
            checked.dropped += 1;
        }
        checked.lost.insert(address, lost[i].iter().map(|&(g, ..)| g).collect());
    }
    let mut i = 0;
    hits.retain(|_| {
        i += 1;
        i > n || keep[i - 1]
    });
    if by_score {
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.address.cmp(&b.address)));
    }
    Ok(checked)
}

/// Each hit's value of each part (`None` where it does not have it), for
/// the hits of `order` (address, index below `n`), sorted by address.
fn values_of(
    parts: &[Part],
    order: &[(DocAddress, usize)],
    n: usize,
    enabled: EnableScoring<'_>,
    searcher: &Searcher,
) -> tantivy::Result<Vec<Vec<Option<Score>>>> {
    let mut values = vec![vec![None; parts.len()]; n];
    for (k, part) in parts.iter().enumerate() {
        let weight = part.query.weight(enabled)?;
        for group in order.chunk_by(|a, b| a.0.segment_ord == b.0.segment_ord) {
            let mut scorer = weight.scorer(searcher.segment_reader(group[0].0.segment_ord), 1.0)?;
            for &(address, i) in group {
                let doc = address.doc_id;
                // `seek` never goes back: a scorer past the document has
                // it not.
                if scorer.doc() <= doc && scorer.seek(doc) == doc {
                    values[i][k] = Some(scorer.score() * part.boost);
                }
            }
        }
    }
    Ok(values)
}
