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

/// The engine's side of a request: the query analyzed once, its `MATCH()`
/// text written once the common keywords are known.
#[derive(Debug, Default)]
pub(crate) struct FirstStage {
    /// The query's OR branches.
    branches: Vec<Branch>,
    /// Every keyword the ranking will ask the document count of, that the
    /// query does not hold already (its title key).
    pub also: Vec<String>,
    /// Pairs of units side by side (with the separator between when there
    /// is one), per field: the ranking counts their documents.
    pub pairs: Vec<(TextField, Vec<String>)>,
}

/// One OR branch of the first stage.
#[derive(Debug, Default)]
struct Branch {
    /// Phrases it must have.
    required: Vec<String>,
    /// Phrases it must not have, as `-(…)`.
    excluded: Vec<String>,
    /// The quorum's keywords, variants' included.
    quorum: BTreeSet<String>,
    /// The query's own tokens, each as its keywords (one per field).
    own: Vec<Vec<String>>,
    /// Whether the quorum is asked for (not when a lone quoted text is).
    wants_quorum: bool,
}

impl FirstStage {
    /// Every keyword of the quorums, common ones included, sorted.
    pub(crate) fn keywords(&self) -> Vec<String> {
        let all: BTreeSet<&String> = self.branches.iter().flat_map(|b| &b.quorum).collect();
        all.into_iter().cloned().collect()
    }

    /// The `MATCH()` text; empty when the query has nothing to look for.
    ///
    /// A keyword for which `common` is true stays out of the quorum (it
    /// still counts in the ranking): merging the postings of the commonest
    /// characters was most of the engine's time, for keywords that decide
    /// little. A branch whose own tokens are all common keeps them.
    pub(crate) fn text(&self, common: &dyn Fn(&str) -> bool) -> String {
        let mut branches = Vec::new();
        for branch in &self.branches {
            let mut parts = branch.required.clone();
            if branch.wants_quorum {
                let rare = branch.own.iter().filter(|forms| forms.iter().any(|k| !common(k))).count();
                let (words, n): (Vec<&String>, usize) = match rare {
                    0 => (branch.quorum.iter().collect(), branch.own.len().div_ceil(QUORUM_SHARE).max(1)),
                    rare => (branch.quorum.iter().filter(|k| !common(k)).collect(), rare.div_ceil(QUORUM_SHARE).max(1)),
                };
                let words: Vec<&str> = words.into_iter().map(String::as_str).collect();
                parts.push(format!("\"{}\"/{n}", words.join(" ")));
            }
            if parts.is_empty() {
                continue;
            }
            parts.extend(branch.excluded.iter().cloned());
            branches.push(format!("({})", parts.join(" ")));
        }
        branches.join(" | ")
    }
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

/// The pairs the ranking counts among `units`: two units side by side,
/// and two with a separator between them (a separator is no side of a
/// pair).
fn pairs_of(units: &[String]) -> impl Iterator<Item = &[String]> {
    let sep = zhsearch::analysis::SEPARATOR_TOKEN;
    let side_by_side = units.windows(2).filter(move |w| w.iter().all(|u| u != sep));
    let across = units.windows(3).filter(move |w| w[1] == sep && w[0] != sep && w[2] != sep);
    side_by_side.chain(across)
}

fn phrase_anywhere(fields: &[TextField], units: &[String]) -> String {
    let alternatives: Vec<String> = fields.iter().map(|&f| phrase_text(f, units)).collect();
    format!("({})", alternatives.join(" | "))
}

/// Builds the first stage of `request`. `variants` are the regional
/// variants and the synonyms to widen the quorum with.
pub(crate) fn first_stage(
    analyzer: &Analyzer,
    request: &SearchRequest,
    variants: &[&Variants],
    readings: &[String],
) -> FirstStage {
    let parsed = match request.plain {
        true => parse::parse_plain(&request.query),
        false => parse::parse(&request.query),
    };
    let mut stage = FirstStage::default();
    let mut pairs = BTreeSet::new();
    for clauses in &parsed.branches {
        let positive = clauses.iter().filter(|c| !c.negated).count();
        let mut branch = Branch::default();
        for clause in clauses {
            let fields = fields_of(clause.scope);
            let (units, extras) = tokens(analyzer, clause.term.text());
            if units.is_empty() {
                continue;
            }
            if clause.negated {
                branch.excluded.push(format!("-{}", phrase_anywhere(fields, &units)));
                continue;
            }
            if matches!(clause.term, Term::Phrase(_)) && positive == 1 {
                branch.required.push(phrase_anywhere(fields, &units));
            }
            let mut distinct: BTreeSet<&String> =
                units.iter().filter(|u| *u != zhsearch::analysis::SEPARATOR_TOKEN).collect();
            distinct.extend(extras.iter());
            branch.own.extend(distinct.iter().map(|t| fields.iter().map(|&f| keyword(f, t)).collect::<Vec<_>>()));
            for &field in fields {
                branch.quorum.extend(distinct.iter().map(|t| keyword(field, t)));
                pairs.extend(pairs_of(&units).map(|w| (field, w.to_vec())));
            }
            if matches!(clause.term, Term::Word(_)) && request.variants {
                for word in analyzer.analyze_query(clause.term.text()) {
                    for table in variants {
                        for variant in table.of(&word.text) {
                            let (vu, vx) = tokens(analyzer, variant);
                            for &field in fields {
                                branch.quorum.extend(vu.iter().chain(&vx).map(|t| keyword(field, t)));
                            }
                        }
                    }
                }
            }
        }
        // What the query's pinyin reads as joins the quorum as variants do
        // (N still counts the query's own tokens): the articles have the
        // Han words, not the letters.
        for reading in readings {
            let (units, extras) = tokens(analyzer, reading);
            for &field in fields_of(Scope::All) {
                let own = units.iter().filter(|u| *u != zhsearch::analysis::SEPARATOR_TOKEN);
                branch.quorum.extend(own.chain(&extras).map(|t| keyword(field, t)));
                pairs.extend(pairs_of(&units).map(|w| (field, w.to_vec())));
            }
        }
        branch.wants_quorum = !branch.quorum.is_empty() && (branch.required.is_empty() || positive > 1);
        stage.branches.push(branch);
    }
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
        let stage = first_stage(&analyzer, &SearchRequest::new("北京 -上海"), &[], &[]);
        let text = stage.text(&|_| false);
        // 北 京 北京 in both fields; a fifth of three tokens is one.
        assert!(text.contains("\"bu4eac bu5317 bu5317_4eac tu4eac tu5317 tu5317_4eac\"/1"), "{text}");
        assert!(text.ends_with(" -(\"tu4e0a tu6d77\" | \"bu4e0a bu6d77\"))"), "{text}");
        let quoted = first_stage(&analyzer, &SearchRequest::new("\"北京，上海\""), &[], &[]).text(&|_| false);
        assert!(
            quoted.starts_with("((\"tu5317 tu4eac ts tu4e0a tu6d77\" | \"bu5317 bu4eac bs bu4e0a bu6d77\")"),
            "{}",
            quoted
        );
        let scoped = first_stage(&analyzer, &SearchRequest::new("title:北京"), &[], &[]).text(&|_| false);
        assert!(!scoped.contains("bu5317"), "{}", scoped);
        assert_eq!(stage.also.len(), 1, "the title key");
        // Common keywords leave the quorum, and its N counts the rest.
        let cut = first_stage(&analyzer, &SearchRequest::new("北京 的 天气"), &[], &[]);
        let (keywords, cut) = (cut.keywords(), cut.text(&|k| k.ends_with("7684")));
        assert!(!cut.contains("u7684") && keywords.iter().any(|k| k == "bu7684"), "{cut}");
        let all_common = first_stage(&analyzer, &SearchRequest::new("的"), &[], &[]).text(&|_| true);
        assert!(all_common.contains("bu7684"), "{}", all_common);
        assert!(first_stage(&analyzer, &SearchRequest::new("，。"), &[], &[]).text(&|_| false).is_empty());
    }

    /// The Han words a query's pinyin reads as join its quorum, in both
    /// fields, without raising N.
    #[test]
    fn pinyin_readings_join_the_quorum() {
        let analyzer = Analyzer::new().expect("analyzer");
        let request = SearchRequest::new("beijing");
        let alone = first_stage(&analyzer, &request, &[], &[]).text(&|_| false);
        assert!(!alone.contains("u5317"), "{alone}");
        let stage = first_stage(&analyzer, &request, &[], &["北京".to_owned()]);
        let text = stage.text(&|_| false);
        for k in ["tu5317", "bu5317", "bu4eac", "bu5317_4eac"] {
            assert!(text.contains(k), "{k} in {text}");
        }
        let n = |t: &str| t.rsplit('/').next().map(str::to_owned);
        assert_eq!(n(&text), n(&alone), "{text}");
    }
}
