//! Why a hit scored what it scored: the tree of [`Explanation`]s. The
//! units' leaves are tantivy's BM25 figures for each part the hit has; the
//! verdicts come from [`super::matching`], the pairs' and the passage's
//! nodes from the files that score them.
//!
//! An explanation is asked for, and costs a lookup per unit of the query
//! per hit; the search itself never needs one.

use std::collections::HashMap;

use tantivy::query::{EnableScoring, Query};
use tantivy::{DocAddress, DocSet, Score};

use super::super::explain::Explanation;
use super::collect::RankedHit;
use super::matching::{Present, Rule, Verdict};
use super::parts::parts_of;
use super::plan::{Branch, Lookup};
use super::rescore::Rescored;
use super::stats::Stats;
use super::{pairs, Ranking};

/// A hit's standing with one branch: what of it the hit has, and the
/// explanation of each unit found.
struct Found {
    present: Present,
    units: Explanation,
}

/// The explanations of `hits`, given what the rescore added.
pub(crate) fn explain(
    ranking: &Ranking,
    stats: &Stats<'_>,
    hits: &[RankedHit],
    rescored: &Rescored,
) -> tantivy::Result<Vec<Explanation>> {
    let mut order: Vec<(DocAddress, usize)> = hits.iter().enumerate().map(|(i, h)| (h.address, i)).collect();
    order.sort_unstable();
    let mut found: Vec<Vec<Found>> = Vec::with_capacity(hits.len());
    for _ in hits {
        found.push(
            ranking
                .branches
                .iter()
                .map(|_| Found {
                    present: Present::default(),
                    units: Explanation::new(0.0, "units of the query in the document (BM25 each)"),
                })
                .collect(),
        );
    }
    for (b, branch) in ranking.branches.iter().enumerate() {
        units_found(ranking, b, branch, stats, &order, &rescored.lost, &mut found)?;
    }
    let excluded = excluded(ranking, stats, &order, hits.len())?;
    let rules: Vec<Rule> = ranking.branches.iter().map(|b| b.rule(&ranking.settings)).collect();
    let mut out = Vec::with_capacity(hits.len());
    for (i, (hit, per_branch)) in hits.iter().zip(found).enumerate() {
        let mut root = Explanation::new(hit.score, "relevance: the sum of the parts below");
        for (b, (rule, branch_found)) in rules.iter().zip(per_branch).enumerate() {
            let verdict = Verdict::of(rule, &branch_found.present, excluded[i][b]);
            root.push(explain_branch(ranking, b, rule, branch_found, verdict));
        }
        // Under the date orders nothing was rescored: no parts to show.
        if rescored.ran {
            let branch = &ranking.branches[0];
            let found = rescored.pairs.get(&hit.address).map(Vec::as_slice);
            if let Some(node) = pairs::explain(found, &branch.pairs, &ranking.text) {
                root.push(node);
            }
            if let Some(spec) = &branch.passage {
                root.push(spec.explain(
                    rescored.passages.get(&hit.address),
                    &ranking.text,
                    ranking.settings.passage_weight,
                ));
            }
        }
        if let Some(changed) = ranking.settings.changed() {
            root.push(Explanation::new(0.0, format!("ranking settings not the defaults (add nothing): {changed}")));
        }
        out.push(root);
    }
    Ok(out)
}

/// Looks up each group of `branch` in the hits (in document order, `order`)
/// and gives each hit's [`Found`] for branch `b` the groups it has and their scores.
///
/// Each part's weight is made once and its scorer once per segment, then
/// sought to the hits in document order: a weight per hit was a
/// term-dictionary lookup each.
fn units_found(
    ranking: &Ranking,
    b: usize,
    branch: &Branch,
    stats: &Stats<'_>,
    order: &[(DocAddress, usize)],
    lost: &HashMap<DocAddress, Vec<usize>>,
    found: &mut [Vec<Found>],
) -> tantivy::Result<()> {
    let searcher = stats.searcher();
    let enabled = EnableScoring::enabled_from_statistics_provider(stats, searcher);
    let n = order.len();
    let mut addresses = vec![DocAddress::new(0, 0); n];
    for &(address, i) in order {
        addresses[i] = address;
    }
    for (g, spec) in branch.groups.iter().enumerate() {
        let mut matched = vec![false; n];
        // The first part each hit has, which decides the role it is
        // counted with, as in the scorer (see `Role::covers`).
        let mut first: Vec<Option<usize>> = vec![None; n];
        // Each hit's explained parts of this group: all of them count, or
        // (a word and its variants) the best one.
        let mut parts_found: Vec<Vec<Explanation>> = vec![Vec::new(); n];
        for (k, part) in parts_of(spec, &ranking.text).into_iter().enumerate() {
            let weight = part.query.weight(enabled)?;
            for group in order.chunk_by(|a, b| a.0.segment_ord == b.0.segment_ord) {
                let segment = searcher.segment_reader(group[0].0.segment_ord);
                let mut scorer = weight.scorer(segment, 1.0)?;
                for &(address, i) in group {
                    let doc = address.doc_id;
                    // `seek` never goes back: a scorer past the document
                    // has it not.
                    if scorer.doc() > doc || scorer.seek(doc) != doc {
                        continue;
                    }
                    matched[i] = true;
                    first[i] = first[i].or(Some(k));
                    if part.boost != 0.0 {
                        let value = scorer.score() * part.boost;
                        let bm25 = Explanation::bm25_summary(&weight.explain(segment, doc)?);
                        let label = format!("{} in {}: {:.3} × {bm25}", spec.label, part.label, part.boost);
                        parts_found[i].push(Explanation::new(value, label));
                    }
                }
            }
        }
        let best_only = matches!(spec.lookup, Lookup::Any(_));
        for (i, mut parts) in parts_found.into_iter().enumerate() {
            if best_only && parts.len() > 1 {
                parts.sort_by(|x, y| y.value.total_cmp(&x.value));
                parts.truncate(1);
            }
            let f = &mut found[i][b];
            // A spelling found only across word boundaries (see
            // `words.rs`) is not counted. Only a query of one branch is
            // checked.
            if b == 0 && lost.get(&addresses[i]).is_some_and(|groups| groups.contains(&g)) {
                let label = format!("{}: found only across word boundaries, not counted", spec.label);
                f.units.push(Explanation::new(0.0, label));
                continue;
            }
            for part in parts {
                f.units.value += part.value;
                f.units.push(part);
            }
            if let Some(k) = first[i] {
                f.present.add(spec.role_of(k));
            }
        }
    }
    Ok(())
}

/// Which hits each branch's exclusions shut out of that branch: a hit of
/// an `OR` may match one branch and be excluded from another. (A query of
/// one branch has no hit its exclusions match.)
fn excluded(
    ranking: &Ranking,
    stats: &Stats<'_>,
    order: &[(DocAddress, usize)],
    hits: usize,
) -> tantivy::Result<Vec<Vec<bool>>> {
    let mut excluded = vec![vec![false; ranking.branches.len()]; hits];
    if !ranking.union {
        return Ok(excluded);
    }
    let searcher = stats.searcher();
    let presence = EnableScoring::disabled_from_searcher(searcher);
    for (b, branch) in ranking.branches.iter().enumerate() {
        for exclusion in &branch.exclusions {
            let weight = exclusion.weight(presence)?;
            for group in order.chunk_by(|a, b| a.0.segment_ord == b.0.segment_ord) {
                let mut scorer = weight.scorer(searcher.segment_reader(group[0].0.segment_ord), 1.0)?;
                for &(address, i) in group {
                    let doc = address.doc_id;
                    if scorer.doc() <= doc && scorer.seek(doc) == doc {
                        excluded[i][b] = true;
                    }
                }
            }
        }
    }
    Ok(excluded)
}

/// A branch's part of an explanation: its units times the coverage
/// factor, and the counts that decide whether the hit matches.
fn explain_branch(ranking: &Ranking, b: usize, rule: &Rule, found: Found, verdict: Verdict) -> Explanation {
    let full = verdict == Verdict::Full;
    let Present { units: n_units, words: n_words, required: n_required, weight } = found.present;
    let coverage = rule.coverage(n_words);
    // Where every match must have every word (strict matching, each branch
    // of an `OR`), a branch the hit does not fully match is not among the
    // clauses it matched, and adds nothing.
    let counts = full || !ranking.all_words;
    let value: Score = if counts { found.units.value * coverage } else { 0.0 };
    let what = match (counts, verdict) {
        (true, _) => "units × coverage",
        (false, Verdict::Excluded) => "excluded by its -terms, so it adds nothing",
        (false, _) => "not every word, so it adds nothing",
    };
    let mut node = if ranking.union {
        Explanation::new(value, format!("branch {} of the OR: {what}", b + 1))
    } else {
        Explanation::new(value, what)
    };
    node.push(found.units);
    if rule.words > 0 {
        let c = rule.coverage_weight;
        node.push(Explanation::new(
            coverage,
            format!("coverage: 1 - {c} + {c} × {n_words} of the {} words", rule.words),
        ));
    }
    let mut matching = Explanation::new(0.0, "matching (adds nothing)");
    if !ranking.all_words {
        matching.push(Explanation::new(
            (n_units + n_required) as f32,
            format!(
                "units of matching present, of {}; at least {} needed, or at least {:.3} of their {:.3} idf (has {weight:.3})",
                rule.units, rule.min_units, rule.min_weight, rule.total_weight
            ),
        ));
    }
    let verdict = if full { "a full match" } else { "not a full match" };
    matching.push(Explanation::new(
        (n_words + n_required) as f32,
        format!("words and quoted texts present, of {}: {verdict}", rule.words + rule.required),
    ));
    node.push(matching);
    node
}
