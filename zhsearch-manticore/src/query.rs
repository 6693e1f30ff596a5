//! The first stage: a SphinxQL full-text query that finds the candidates
//! zhsearch will rank.
//!
//! It is wider than zhsearch's own rule, never narrower where it can help:
//! the query's tokens (and their regional variants' and synonyms') form
//! one quorum, `"k1 k2 …"/N`, which a document meets with N of them, in
//! the title or the body; N is a fifth of the query's own tokens (see
//! [`QUORUM_SHARE`]). A quoted
//! text is a required phrase of units when it is the branch's only
//! positive clause (exact, as embedded); beside other clauses it joins the
//! quorum, because zhsearch reads a quoted text that no article has as its
//! words. A negated clause excludes its phrase. The engine orders the
//! candidates by the sum of their keywords' idf (weighted by field), which
//! kept more targets among the first few hundred than its proximity
//! rankers did.

use std::collections::BTreeSet;

use zhsearch::analysis::{Analyzer, Variants};
use zhsearch::query::parse::{self, Scope, Term};
use zhsearch::query::{SearchRequest, TextField};

use crate::stats::phrase_text;
use crate::units::{is_unit, keyword};

/// N of the quorum is the query's own tokens divided by this. Measured on
/// the development sets with 300 candidates: a third kept the target among
/// the candidates for 96.3% of the messages queries, a quarter 97.7%, a
/// fifth 98.0% (and 97.3–97.7% on the LibreOffice sets), for 10–25% more
/// time in the engine.
pub(crate) const QUORUM_SHARE: usize = 5;

/// The engine's side of a request.
#[derive(Debug, Default)]
pub(crate) struct FirstStage {
    /// The `MATCH()` text; empty when the query has nothing to look for.
    pub text: String,
    /// Every keyword the ranking will ask the document count of, that the
    /// query does not hold already (its title key).
    pub also: Vec<String>,
    /// Every keyword of the quorums, common ones included.
    pub keywords: Vec<String>,
    /// Pairs of units side by side (with the separator between when there
    /// is one), per field: the ranking counts their documents.
    pub pairs: Vec<(TextField, Vec<String>)>,
}

fn fields_of(scope: Scope) -> &'static [TextField] {
    match scope {
        Scope::All => &[TextField::Title, TextField::Body],
        Scope::Title => &[TextField::Title],
        Scope::Body => &[TextField::Body],
    }
}

/// The units of `text` (folded characters and separators, one per
/// position), and its other tokens.
fn tokens(analyzer: &Analyzer, text: &str) -> (Vec<String>, Vec<String>) {
    let (mut units, mut extras) = (Vec::new(), Vec::new());
    for token in analyzer.char_tokens(text) {
        match is_unit(&token.text) {
            true => units.push(token.text),
            false => extras.push(token.text),
        }
    }
    // Separators at either end match nothing in particular.
    while units.last().is_some_and(|u| u == zhsearch::analysis::SEPARATOR_TOKEN) {
        units.pop();
    }
    while units.first().is_some_and(|u| u == zhsearch::analysis::SEPARATOR_TOKEN) {
        units.remove(0);
    }
    (units, extras)
}

fn phrase_anywhere(fields: &[TextField], units: &[String]) -> String {
    let alternatives: Vec<String> = fields.iter().map(|&f| phrase_text(f, units)).collect();
    format!("({})", alternatives.join(" | "))
}

/// Builds the first stage of `request`. `variants` are the regional
/// variants and the synonyms to widen the quorum with.
///
/// A keyword for which `common` is true stays out of the quorum (it still
/// counts in the ranking): merging the postings of the commonest
/// characters was most of the engine's time, for keywords that decide
/// little. A branch whose own tokens are all common keeps them.
pub(crate) fn first_stage(
    analyzer: &Analyzer,
    request: &SearchRequest,
    variants: &[&Variants],
    common: &dyn Fn(&str) -> bool,
) -> FirstStage {
    let parsed = match request.plain {
        true => parse::parse_plain(&request.query),
        false => parse::parse(&request.query),
    };
    let mut stage = FirstStage::default();
    let mut branches = Vec::new();
    let mut pairs = BTreeSet::new();
    for branch in &parsed.branches {
        let positive = branch.iter().filter(|c| !c.negated).count();
        let mut quorum: BTreeSet<String> = BTreeSet::new();
        let (mut own, mut own_rare) = (0usize, 0usize);
        let mut required = Vec::new();
        let mut excluded = Vec::new();
        for clause in branch {
            let fields = fields_of(clause.scope);
            let (units, extras) = tokens(analyzer, clause.term.text());
            if units.is_empty() {
                continue;
            }
            if clause.negated {
                excluded.push(format!("-{}", phrase_anywhere(fields, &units)));
                continue;
            }
            if matches!(clause.term, Term::Phrase(_)) && positive == 1 {
                required.push(phrase_anywhere(fields, &units));
            }
            let mut distinct: BTreeSet<&String> =
                units.iter().filter(|u| *u != zhsearch::analysis::SEPARATOR_TOKEN).collect();
            distinct.extend(extras.iter());
            own += distinct.len();
            own_rare += distinct.iter().filter(|t| fields.iter().any(|&f| !common(&keyword(f, t)))).count();
            for &field in fields {
                quorum.extend(distinct.iter().map(|t| keyword(field, t)));
                for w in units.windows(2) {
                    pairs.insert((field, w.to_vec()));
                }
                for w in units.windows(3).filter(|w| w[1] == zhsearch::analysis::SEPARATOR_TOKEN) {
                    pairs.insert((field, w.to_vec()));
                }
            }
            if matches!(clause.term, Term::Word(_)) && request.variants {
                for word in analyzer.analyze_query(clause.term.text()) {
                    for table in variants {
                        for variant in table.of(&word.text) {
                            let (vu, vx) = tokens(analyzer, variant);
                            for &field in fields {
                                quorum.extend(vu.iter().chain(&vx).map(|t| keyword(field, t)));
                            }
                        }
                    }
                }
            }
        }
        stage.keywords.extend(quorum.iter().cloned());
        let mut parts = required;
        if !quorum.is_empty() && (parts.is_empty() || positive > 1) {
            let (words, n): (Vec<String>, usize) = match own_rare {
                0 => (quorum.into_iter().collect(), own.div_ceil(QUORUM_SHARE).max(1)),
                rare => (quorum.into_iter().filter(|k| !common(k)).collect(), rare.div_ceil(QUORUM_SHARE).max(1)),
            };
            parts.push(format!("\"{}\"/{n}", words.join(" ")));
        }
        if parts.is_empty() {
            continue;
        }
        parts.extend(excluded);
        branches.push(format!("({})", parts.join(" ")));
    }
    stage.text = branches.join(" | ");
    stage.keywords.sort();
    stage.keywords.dedup();
    let key = zhsearch::index::schema::title_key(analyzer, &request.query);
    if !key.is_empty() {
        stage.also.push(keyword(TextField::TitleKey, &key));
    }
    stage.pairs = pairs
        .into_iter()
        .filter(|(_, units)| units.iter().all(|u| u.chars().all(|c| c.is_alphanumeric() || c == ' ')))
        .filter(|(_, units)| units.len() == 3 || !analyzer.is_char_bigram(&units.concat()))
        .collect();
    stage
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_make_a_quorum_quotes_a_phrase_and_negations_an_exclusion() {
        let analyzer = Analyzer::new().expect("analyzer");
        let stage = first_stage(&analyzer, &SearchRequest::new("北京 -上海"), &[], &|_| false);
        // 北 京 北京 in both fields; a fifth of three tokens is one.
        assert!(stage.text.contains("\"bu4eac bu5317 bu5317_4eac tu4eac tu5317 tu5317_4eac\"/1"), "{}", stage.text);
        assert!(stage.text.ends_with(" -(\"tu4e0a tu6d77\" | \"bu4e0a bu6d77\"))"), "{}", stage.text);
        let quoted = first_stage(&analyzer, &SearchRequest::new("\"北京，上海\""), &[], &|_| false);
        assert!(
            quoted.text.starts_with("((\"tu5317 tu4eac ts tu4e0a tu6d77\" | \"bu5317 bu4eac bs bu4e0a bu6d77\")"),
            "{}",
            quoted.text
        );
        let scoped = first_stage(&analyzer, &SearchRequest::new("title:北京"), &[], &|_| false);
        assert!(!scoped.text.contains("bu5317"), "{}", scoped.text);
        assert_eq!(stage.also.len(), 1, "the title key");
        // Common keywords leave the quorum, and its N counts the rest.
        let cut = first_stage(&analyzer, &SearchRequest::new("北京 的 天气"), &[], &|k| k.ends_with("7684"));
        assert!(!cut.text.contains("u7684") && cut.keywords.iter().any(|k| k == "bu7684"), "{}", cut.text);
        let all_common = first_stage(&analyzer, &SearchRequest::new("的"), &[], &|_| true);
        assert!(all_common.text.contains("bu7684"), "{}", all_common.text);
        assert!(first_stage(&analyzer, &SearchRequest::new("，。"), &[], &|_| false).text.is_empty());
    }
}
