//! The ranking's tuned values, as settings a user can change: per index
//! ([`crate::index::SearchIndex::set_ranking`], kept in `zhsearch.json`)
//! or per request ([`crate::query::SearchRequest::ranking`]).
//!
//! The defaults are the values the relevance figures in BENCHMARKS.md
//! were measured with. None of them changes what is indexed, so changing
//! one needs no rebuild.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Location, Result};

/// The default of [`RankingSettings::rescore_window`]: how many of the
/// best hits the pairs and the passage are scored for.
pub const RESCORE_WINDOW: usize = 30;

/// The largest [`RankingSettings::rescore_window`] accepted: the rescore
/// reads positions per hit, and a window of the whole index would make
/// every search read every matching document's positions.
pub const MAX_RESCORE_WINDOW: usize = 10_000;

/// The default of [`RankingSettings::rescore_depth`]: how far into a field
/// (in positions, about one a character) the pairs and the passage look.
pub const RESCORE_DEPTH: u32 = 50_000;

/// The ranking's weights and thresholds (see the model in the
/// [`query`](crate::query) module docs).
///
/// ```
/// use zhsearch::query::RankingSettings;
///
/// let mut ranking = RankingSettings::default();
/// ranking.title_boost = 3.0;
/// assert!(ranking.validate().is_ok());
/// // Read from JSON, any field left out keeps its default.
/// let ranking = RankingSettings::from_json(r#"{"passage_weight": 4}"#, None)?;
/// assert_eq!(ranking.passage_weight, 4.0);
/// assert_eq!(ranking.title_boost, RankingSettings::default().title_boost);
/// # Ok::<(), zhsearch::Error>(())
/// ```
///
/// New settings may be added in a minor release (the struct is
/// `#[non_exhaustive]`): start from [`RankingSettings::default`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct RankingSettings {
    /// How much more a match in the title weighs than one in the body.
    pub title_boost: f32,
    /// The weight of a character's score.
    pub char_weight: f32,
    /// The weight of a bigram's, a pair's, a Latin word's, a word's score.
    pub pair_weight: f32,
    /// The weight of a quoted text's score.
    pub phrase_weight: f32,
    /// How much of a document's score depends on how many of the query's
    /// words it has: its units' scores are multiplied by `1 - c + c ×
    /// (words it has / words of the query)`. A document that lacks a word
    /// still ranks by everything else it has, but below one as good that
    /// has every word. Between 0 and 1.
    pub coverage_weight: f32,
    /// The weight of the bonus for a title that is exactly the query.
    pub title_exact_boost: f32,
    /// The weight of the best passage: a window of the query's length, in
    /// the title or the body (the better of the two), adds `passage_weight
    /// × s × s / t`, where `s` sums the weighed idf of the query's units in
    /// the window and `t` that of all of them. The share `s / t` favours a
    /// passage that has nearly all of the query over several that each
    /// have half. A field no longer than twice the query (a message, a
    /// short title) is a passage whole, however far apart its words are.
    pub passage_weight: f32,
    /// How many units (characters and Latin words) a query needs before
    /// its best passage is scored. In a query of a few words the pairs
    /// already say whether a document has them together; a passage is for
    /// a sentence.
    pub passage_min_units: usize,
    /// How much more the passage of a document about as short as the
    /// query weighs: the passage's score is multiplied by `1 + f × a`, where
    /// `a` is 1 for a document (title and body together) no longer than the
    /// query, 0 for one twice as long or longer, and falls linearly in
    /// between (lengths in tokens). Between two documents with the same
    /// passage, the one that is little more than it (a message, a short
    /// note) ranks first, as BM25's length normalisation, drowned by the
    /// passage's weight, would have it. Pages longer than that are all
    /// alike, so among them nothing changes.
    pub passage_focus: f32,
    /// Under relaxed matching, the share of the query's units of matching
    /// a document needs to match (rounded up): what decides `total`,
    /// facets and paging. Between 0 (any one unit) and 1 (all of them).
    pub matching_share: f64,
    /// How many of the best hits the pairs and the passage are scored for.
    ///
    /// A pair is two characters side by side, a phrase of two posting
    /// lists that are long (characters are common), and its positions
    /// would be read in every document that has both characters; for the
    /// best hits it is a seek per hit. A document beyond the window never
    /// gets the pairs' or the passage's score, whatever page is asked for,
    /// so pages walk one order. At most [`MAX_RESCORE_WINDOW`].
    pub rescore_window: usize,
    /// How far into each field, in positions (about one a character), the
    /// pairs and the passage look. Every occurrence of the query's
    /// characters in a hit is sorted and walked: on a book-length body
    /// (millions of characters) that is seconds a query, for a passage
    /// that an article-length prefix would find as well. Beyond it a hit
    /// still scores every unit it has; only pairs and the passage stop.
    /// Raise it for an archive of whole books searched by passages.
    pub rescore_depth: u32,
}

impl Default for RankingSettings {
    fn default() -> Self {
        RankingSettings {
            title_boost: 2.0,
            char_weight: 0.5,
            pair_weight: 1.0,
            phrase_weight: 1.0,
            coverage_weight: 0.4,
            title_exact_boost: 3.0,
            passage_weight: 8.0,
            passage_min_units: 8,
            passage_focus: 1.0,
            matching_share: 1.0 / 3.0,
            rescore_window: RESCORE_WINDOW,
            rescore_depth: RESCORE_DEPTH,
        }
    }
}

impl RankingSettings {
    /// Checks every value: weights finite and not negative, the shares
    /// between 0 and 1, the window at most [`MAX_RESCORE_WINDOW`]. The
    /// error names the field.
    pub fn validate(&self) -> Result<()> {
        self.validate_at(&Location::default())
    }

    /// [`RankingSettings::validate`], the error located in `at` (a file).
    pub(crate) fn validate_at(&self, at: &Location) -> Result<()> {
        let weights = [
            ("title_boost", self.title_boost),
            ("char_weight", self.char_weight),
            ("pair_weight", self.pair_weight),
            ("phrase_weight", self.phrase_weight),
            ("coverage_weight", self.coverage_weight),
            ("title_exact_boost", self.title_exact_boost),
            ("passage_weight", self.passage_weight),
            ("passage_focus", self.passage_focus),
        ];
        let bad = |field: &str, reason: String| Err(Error::invalid(at.clone().in_field(field), reason));
        for (field, value) in weights {
            if !value.is_finite() || value < 0.0 {
                return bad(field, format!("{value} is not a weight: it must be finite and not negative"));
            }
        }
        if self.coverage_weight > 1.0 {
            return bad(
                "coverage_weight",
                format!("{} is over 1: a score cannot lose more than all of it", self.coverage_weight),
            );
        }
        if !(0.0..=1.0).contains(&self.matching_share) {
            return bad(
                "matching_share",
                format!("{} is not a share: it must be between 0 and 1", self.matching_share),
            );
        }
        if self.rescore_window > MAX_RESCORE_WINDOW {
            return bad("rescore_window", format!("{} is over the most, {MAX_RESCORE_WINDOW}", self.rescore_window));
        }
        Ok(())
    }

    /// Reads settings from JSON (a settings file's text; `path` names it
    /// in errors), checked: a field this version does not know is refused
    /// (a misspelt `titel_boost` would otherwise be ignored), and so is a
    /// value [`RankingSettings::validate`] refuses.
    pub fn from_json(text: &str, path: Option<&std::path::Path>) -> Result<RankingSettings> {
        let at = path.map(Location::file).unwrap_or_default();
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| Error::invalid(at.clone().at_line(e.line()), e.to_string()))?;
        let known =
            serde_json::to_value(RankingSettings::default()).map_err(|e| Error::invalid(at.clone(), e.to_string()))?;
        if let (Some(given), Some(known)) = (value.as_object(), known.as_object()) {
            if let Some(field) = given.keys().find(|k| !known.contains_key(*k)) {
                let names: Vec<&str> = known.keys().map(String::as_str).collect();
                return Err(Error::invalid(
                    at.in_field(field.as_str()),
                    format!("not a ranking setting (they are: {})", names.join(", ")),
                ));
            }
        }
        let settings: RankingSettings = serde_json::from_value(value.clone()).map_err(|e| {
            // serde's message names the type, not the field: find the
            // field by reading each one alone.
            let field = value.as_object().and_then(|given| {
                given.iter().find_map(|(k, v)| {
                    let alone = serde_json::Value::Object([(k.clone(), v.clone())].into_iter().collect());
                    serde_json::from_value::<RankingSettings>(alone).is_err().then(|| k.clone())
                })
            });
            match field {
                Some(field) => Error::invalid(at.clone().in_field(field), e.to_string()),
                None => Error::invalid(at.clone(), e.to_string()),
            }
        })?;
        settings.validate_at(&at)?;
        Ok(settings)
    }

    /// How many of `units` units of matching a document needs under
    /// relaxed matching: [`RankingSettings::matching_share`] of them,
    /// rounded up.
    pub(crate) fn min_units(&self, units: u32) -> u32 {
        // A share of 1/3 read from JSON is the nearest double below a
        // third; the slack keeps `units × share` from rounding up past a
        // whole number it is meant to be.
        let wanted = (f64::from(units) * self.matching_share - 1e-9).ceil();
        (wanted.max(0.0) as u32).min(units)
    }

    /// The values that are not the defaults, on one line (`title_boost 0,
    /// rescore_window 50`), for explanations; `None` for the defaults.
    pub(crate) fn changed(&self) -> Option<String> {
        let (now, default) = (serde_json::to_value(self).ok()?, serde_json::to_value(RankingSettings::default()).ok()?);
        let (now, default) = (now.as_object()?, default.as_object()?);
        let changed: Vec<String> =
            now.iter().filter(|(k, v)| default.get(k.as_str()) != Some(v)).map(|(k, v)| format!("{k} {v}")).collect();
        (!changed.is_empty()).then(|| changed.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The default share is the one-third rule the relevance figures were
    /// measured with.
    #[test]
    fn the_default_share_needs_a_third_of_the_units_rounded_up() {
        let settings = RankingSettings::default();
        for units in 0..2_000u32 {
            assert_eq!(settings.min_units(units), units.div_ceil(3), "{units} units");
        }
        // As read back from JSON.
        let json = serde_json::to_string(&settings).expect("json");
        let back = RankingSettings::from_json(&json, None).expect("reads");
        assert_eq!(back, settings);
        for units in 0..2_000u32 {
            assert_eq!(back.min_units(units), units.div_ceil(3), "{units} units");
        }
    }

    #[test]
    fn shares_at_either_end_need_one_unit_or_all() {
        let share = |matching_share| RankingSettings { matching_share, ..RankingSettings::default() };
        assert_eq!((share(0.0).min_units(0), share(0.0).min_units(7)), (0, 0));
        assert_eq!(share(1.0).min_units(7), 7);
        assert_eq!((share(0.5).min_units(7), share(0.5).min_units(8)), (4, 4));
    }

    /// Each bad value is refused, naming its field.
    #[test]
    fn a_bad_value_is_refused_naming_its_field() {
        let cases: [(&str, &str); 9] = [
            (r#"{"title_boost": "high"}"#, "title_boost"),
            (r#"{"title_boost": -1}"#, "title_boost"),
            (r#"{"char_weight": -0.5}"#, "char_weight"),
            (r#"{"coverage_weight": 1.5}"#, "coverage_weight"),
            (r#"{"matching_share": 2}"#, "matching_share"),
            (r#"{"matching_share": -0.1}"#, "matching_share"),
            (r#"{"rescore_window": 1000000}"#, "rescore_window"),
            (r#"{"titel_boost": 3}"#, "titel_boost"),
            (r#"{"passage_weight": 1e39}"#, "passage_weight"),
        ];
        for (json, field) in cases {
            let path = std::path::Path::new("ranking.json");
            let err = RankingSettings::from_json(json, Some(path)).expect_err(json).to_string();
            assert!(err.starts_with("ranking.json: field `") && err.contains(&format!("`{field}`")), "{json}: {err}");
        }
        let settings = RankingSettings { pair_weight: f32::NAN, ..RankingSettings::default() };
        let err = settings.validate().expect_err("NaN").to_string();
        assert!(err.contains("`pair_weight`"), "{err}");
    }

    #[test]
    fn a_settings_file_with_some_fields_keeps_the_defaults_of_the_others() {
        let settings = RankingSettings::from_json(r#"{"title_boost": 5, "rescore_window": 50}"#, None).expect("reads");
        let want = RankingSettings { title_boost: 5.0, rescore_window: 50, ..RankingSettings::default() };
        assert_eq!(settings, want);
        let err = RankingSettings::from_json("{\n\"title_boost\": }", Some(std::path::Path::new("r.json")))
            .expect_err("not JSON")
            .to_string();
        assert!(err.starts_with("r.json:2"), "{err}");
    }
}
