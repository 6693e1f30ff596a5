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
use crate::units::{is_unit, keyword, pair_keyword};

/// N of the quorum is the query's own tokens divided by this. Measured on
/// the development sets with 300 candidates: a third kept the target among
/// the candidates for 96.3% of the messages queries, a quarter 97.7%, a
/// fifth 98.0% (and 97.3–97.7% on the LibreOffice sets), for 10–25% more
/// time in the engine.
pub(crate) const QUORUM_SHARE: usize = 5;

/// A branch with at least this many pairs of its own is a quorum of
/// pairs when [`crate::ClusterConfig::pair_quorum`] asks for one. A
/// shorter query's characters are cheap to merge, and its few pairs would
/// lose targets: LibreOffice titles of a few characters kept 97.0% of
/// their targets among 300 candidates with any number of pairs, 99.0%
/// with at least six (as with characters).
const MIN_PAIRS: usize = 6;

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
    /// The quorum of pairs: the keywords of the query's pairs (see
    /// [`crate::units::pair_keyword`]) and its other tokens that are no
    /// units (Latin words, numbers), variants' included.
    pair_quorum: BTreeSet<String>,
    /// The query's own pairs and other tokens, each as its keywords (one
    /// per field).
    own_pairs: BTreeSet<Vec<String>>,
}

impl FirstStage {
    /// Every keyword of the quorums, common ones included, sorted.
    pub(crate) fn keywords(&self) -> Vec<String> {
        let all: BTreeSet<&String> = self.branches.iter().flat_map(|b| b.quorum.iter().chain(&b.pair_quorum)).collect();
        all.into_iter().cloned().collect()
    }

    /// The `MATCH()` text; empty when the query has nothing to look for.
    ///
    /// A keyword for which `common` is true stays out of the quorum (it
    /// still counts in the ranking): merging the postings of the commonest
    /// characters was most of the engine's time, for keywords that decide
    /// little. A branch whose own tokens are all common keeps them.
    ///
    /// With `by_pairs`, a branch that has [`MIN_PAIRS`] pairs or more is
    /// a quorum of its pairs (and of its tokens that are no units, such as
    /// Latin words), whose postings are far shorter than its characters',
    /// and one of them is enough: the engine's order by idf picks the
    /// candidates. A quorum of a fifth of the pairs found nothing for
    /// headlines that share only characters with the collection.
    pub(crate) fn text(&self, common: &dyn Fn(&str) -> bool, by_pairs: bool) -> String {
        let mut branches = Vec::new();
        for branch in &self.branches {
            let mut parts = branch.required.clone();
            if branch.wants_quorum {
                let pairs = by_pairs && branch.own_pairs.len() >= MIN_PAIRS;
                let (quorum, own, share): (&BTreeSet<String>, Vec<&Vec<String>>, usize) = match pairs {
                    true => (&branch.pair_quorum, branch.own_pairs.iter().collect(), usize::MAX),
                    false => (&branch.quorum, branch.own.iter().collect(), QUORUM_SHARE),
                };
                let uncommon = own.iter().filter(|forms| forms.iter().any(|k| !common(k))).count();
                let (words, n): (Vec<&String>, usize) = match uncommon {
                    0 => (quorum.iter().collect(), own.len().div_ceil(share).max(1)),
                    u => (quorum.iter().filter(|k| !common(k)).collect(), u.div_ceil(share).max(1)),
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

/// The keywords, one per field of `fields`, of each pair of `units` and
/// of each of `extras` (tokens that are no units: a dictionary bigram is
/// one of the pairs already).
fn pair_tokens(analyzer: &Analyzer, fields: &[TextField], units: &[String], extras: &[String]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for w in pairs_of(units).filter(|w| w.iter().all(|u| u.chars().all(|c| c.is_alphanumeric() || c == ' '))) {
        let w: Vec<&str> = w.iter().map(String::as_str).collect();
        let forms: Option<Vec<String>> = fields.iter().map(|&f| pair_keyword(analyzer, f, &w)).collect();
        out.extend(forms);
    }
    for x in extras {
        out.push(fields.iter().map(|&f| keyword(f, x)).collect());
    }
    out.sort();
    out.dedup();
    out
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
            for own in pair_tokens(analyzer, fields, &units, &extras) {
                branch.pair_quorum.extend(own.iter().cloned());
                branch.own_pairs.insert(own);
            }
            if matches!(clause.term, Term::Word(_)) && request.variants {
                for word in analyzer.analyze_query(clause.term.text()) {
                    for table in variants {
                        for variant in table.of(&word.text) {
                            let (vu, vx) = tokens(analyzer, variant);
                            for &field in fields {
                                branch.quorum.extend(vu.iter().chain(&vx).map(|t| keyword(field, t)));
                            }
                            branch.pair_quorum.extend(pair_tokens(analyzer, fields, &vu, &vx).into_iter().flatten());
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
            let all = fields_of(Scope::All);
            branch.pair_quorum.extend(pair_tokens(analyzer, all, &units, &extras).into_iter().flatten());
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
        let text = stage.text(&|_| false, false);
        // 北 京 北京 in both fields; a fifth of three tokens is one.
        assert!(text.contains("\"bu4eac bu5317 bu5317_4eac tu4eac tu5317 tu5317_4eac\"/1"), "{text}");
        assert!(text.ends_with(" -(\"tu4e0a tu6d77\" | \"bu4e0a bu6d77\"))"), "{text}");
        let quoted = first_stage(&analyzer, &SearchRequest::new("\"北京，上海\""), &[], &[]).text(&|_| false, false);
        assert!(
            quoted.starts_with("((\"tu5317 tu4eac ts tu4e0a tu6d77\" | \"bu5317 bu4eac bs bu4e0a bu6d77\")"),
            "{}",
            quoted
        );
        let scoped = first_stage(&analyzer, &SearchRequest::new("title:北京"), &[], &[]).text(&|_| false, false);
        assert!(!scoped.contains("bu5317"), "{}", scoped);
        assert_eq!(stage.also.len(), 1, "the title key");
        // Common keywords leave the quorum, and its N counts the rest.
        let cut = first_stage(&analyzer, &SearchRequest::new("北京 的 天气"), &[], &[]);
        let (keywords, cut) = (cut.keywords(), cut.text(&|k| k.ends_with("7684"), false));
        assert!(!cut.contains("u7684") && keywords.iter().any(|k| k == "bu7684"), "{cut}");
        let all_common = first_stage(&analyzer, &SearchRequest::new("的"), &[], &[]).text(&|_| true, false);
        assert!(all_common.contains("bu7684"), "{}", all_common);
        assert!(first_stage(&analyzer, &SearchRequest::new("，。"), &[], &[]).text(&|_| false, false).is_empty());
    }

    /// A query with six pairs or more is a quorum of its pairs (one is
    /// enough), its Latin words among them; a shorter one keeps its
    /// characters' quorum.
    #[test]
    fn a_long_query_is_a_quorum_of_its_pairs() {
        let analyzer = Analyzer::new().expect("analyzer");
        let long = first_stage(&analyzer, &SearchRequest::new("法院判决书出现错误 NBA"), &[], &[]);
        let text = long.text(&|_| false, true);
        // 法院 is a dictionary bigram (its own keyword), 院判 a pair.
        for k in ["tu6cd5_9662", "bu6cd5_9662", "tp9662_5224", "bp9662_5224", "twnba", "bwnba"] {
            assert!(text.contains(k), "{k} in {text}");
        }
        assert!(!text.contains("bu6cd5 "), "no character: {text}");
        assert!(text.ends_with("\"/1)"), "{text}");
        // Every keyword of the pairs is counted (and cut when common).
        assert!(long.keywords().iter().any(|k| k == "bp9662_5224"));
        assert!(long.text(&|_| false, false).contains("bu6cd5 "), "characters unless asked");
        let short = first_stage(&analyzer, &SearchRequest::new("编辑图表轴"), &[], &[]).text(&|_| false, true);
        assert!(short.contains("bu8f74 ") && !short.contains("bp"), "{short}");
    }

    /// The Han words a query's pinyin reads as join its quorum, in both
    /// fields, without raising N.
    #[test]
    fn pinyin_readings_join_the_quorum() {
        let analyzer = Analyzer::new().expect("analyzer");
        let request = SearchRequest::new("beijing");
        let alone = first_stage(&analyzer, &request, &[], &[]).text(&|_| false, false);
        assert!(!alone.contains("u5317"), "{alone}");
        let stage = first_stage(&analyzer, &request, &[], &["北京".to_owned()]);
        let text = stage.text(&|_| false, false);
        for k in ["tu5317", "bu5317", "bu4eac", "bu5317_4eac"] {
            assert!(text.contains(k), "{k} in {text}");
        }
        let n = |t: &str| t.rsplit('/').next().map(str::to_owned);
        assert_eq!(n(&text), n(&alone), "{text}");
    }
}
