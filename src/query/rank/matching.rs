//! Which documents match, and which are full matches: the one rule, used
//! by the ranked scorer as it reads the postings, by tantivy's boolean
//! query where every match must be a full match, by the counts, and by
//! the explanations.
//!
//! Under relaxed matching the query's *units of matching* are each clause
//! that is one word, as a whole; each character or Latin word of a clause
//! of several words; and each quoted text. A document matches when it has
//! at least [`RankingSettings::matching_share`] of them (a third, rounded
//! up, by default), or units that make up that share of their weight by
//! rarity (idf), and every quoted text. A document with every word and
//! every quoted text is a *full match*; under strict matching, and in each
//! branch of an `OR`, only full matches match.

use tantivy::Score;

use super::settings::RankingSettings;

/// What a group of the ranked query is to the rule (a group may be
/// several of these, or none: a bigram only scores).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Role {
    /// A unit of matching.
    pub unit: bool,
    /// A word of the query: a document with every word is a full match.
    pub word: bool,
    /// Every match must have it (a quoted text).
    pub required: bool,
    /// What it weighs toward the share a match needs by rarity: its idf
    /// (0 for a group that is no unit of matching, and for one that no
    /// document has).
    pub weight: f32,
    /// For one spelling of a word of a clause of several words (a variant
    /// or a synonym): how many of the query's units of matching the word
    /// has and this spelling lacks, and what they weigh (取代 for 替换: 替
    /// and 换; 工具列 for 工具栏: 栏). A document that has the word only in
    /// this spelling has those units in meaning though not in characters.
    /// 0 for the word as the query spells it.
    pub covers: u32,
    pub covers_weight: f32,
}

impl Role {
    /// The role of part `k` of a group whose parts cover `covers` (one
    /// entry a part, see [`Role::covers`]; none past its end).
    pub(crate) fn of_part(self, covers: &[(u32, f32)], k: usize) -> Role {
        let (covers, covers_weight) = covers.get(k).copied().unwrap_or_default();
        Role { covers, covers_weight, ..self }
    }

    /// Whether having it can bring a document to the matching share: a
    /// unit, or a spelling that covers units.
    pub(crate) fn counts_units(&self) -> bool {
        self.unit || self.covers > 0
    }
}

/// How many of a query's units of matching, words and required groups a
/// document has.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Present {
    pub units: u32,
    pub words: u32,
    pub required: u32,
    /// What the units of matching and quoted texts it has weigh.
    pub weight: f32,
}

impl Present {
    /// Counts one more group the document has.
    #[inline]
    pub(crate) fn add(&mut self, role: Role) {
        self.units += u32::from(role.unit) + role.covers;
        self.words += u32::from(role.word);
        self.required += u32::from(role.required);
        self.weight += role.weight + role.covers_weight;
    }

    /// What one group of `role` adds.
    #[inline]
    pub(crate) fn of(role: Role) -> Present {
        let mut present = Present::default();
        present.add(role);
        present
    }

    /// Both counts added.
    #[inline]
    pub(crate) fn plus(&self, other: &Present) -> Present {
        Present {
            units: self.units + other.units,
            words: self.words + other.words,
            required: self.required + other.required,
            weight: self.weight + other.weight,
        }
    }

    /// The larger of each count.
    #[inline]
    pub(crate) fn max(&self, other: Present) -> Present {
        Present {
            units: self.units.max(other.units),
            words: self.words.max(other.words),
            required: self.required.max(other.required),
            weight: self.weight.max(other.weight),
        }
    }

    /// Counts one group fewer: one that was found only where it is not a
    /// word (see `words.rs`).
    #[inline]
    pub(crate) fn remove(&mut self, role: Role) {
        self.units = self.units.saturating_sub(u32::from(role.unit) + role.covers);
        self.words = self.words.saturating_sub(u32::from(role.word));
        self.required = self.required.saturating_sub(u32::from(role.required));
        self.weight -= role.weight + role.covers_weight;
    }
}

/// The rule of one branch of a query: what a match needs, and the factor
/// for how many of the words it has.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Rule {
    /// How many units of matching the branch has (its quoted texts count
    /// as units every match has).
    pub units: u32,
    /// At least this many of them, or
    pub min_units: u32,
    /// at least this much of their weight ([`Rule::total_weight`] times the
    /// share): a rare word decides, filler characters do not.
    pub min_weight: f32,
    /// What the units of matching weigh together.
    pub total_weight: f32,
    /// Whether the weight rule, alone, needs every unit.
    pub weight_needs_all: bool,
    /// How many word groups the branch has.
    pub words: u32,
    /// How many required groups the branch has.
    pub required: u32,
    /// The weight of the coverage factor (see [`Rule::coverage`]).
    pub coverage_weight: Score,
}

impl Rule {
    /// The rule of a branch whose groups have `roles`.
    pub(crate) fn of(roles: impl Iterator<Item = Role> + Clone, settings: &RankingSettings) -> Rule {
        let count = |f: fn(&Role) -> bool| roles.clone().filter(f).count() as u32;
        let units = count(|r| r.unit || r.required);
        let weights: Vec<f32> = roles.clone().filter(|r| r.unit || r.required).map(|r| r.weight).collect();
        let total_weight: f32 = weights.iter().sum();
        // Slack against rounding, as for the count.
        let min_weight =
            ((f64::from(total_weight) * settings.matching_share) as f32 * (1.0 - 1e-5)).max(f32::MIN_POSITIVE);
        Rule {
            units,
            min_units: settings.min_units(units),
            min_weight,
            total_weight,
            weight_needs_all: weights.iter().all(|&w| total_weight - w < min_weight),
            words: count(|r| r.word),
            required: count(|r| r.required),
            coverage_weight: settings.coverage_weight,
        }
    }

    /// Whether a document with `present` has enough of the query's units
    /// of matching: the share of them by number, or the share of their
    /// weight (a document with the query's one rare word and none of its
    /// common characters: `告诉我如何写周报` finds 工作周报).
    #[inline]
    pub(crate) fn enough(&self, present: &Present) -> bool {
        present.units + present.required >= self.min_units || present.weight >= self.min_weight
    }

    /// Whether a document with `present` could still match once it has
    /// at most `more` besides (the lookups it has not been checked for):
    /// a document that cannot is dropped before they are read. The weights
    /// are added in `f64` and the sum made larger by more than any order of
    /// `f32` additions of a few hundred weights can err, relative to the
    /// whole sum: this may keep a document the rule then drops, never the
    /// other way.
    #[inline]
    pub(crate) fn could_match(&self, present: &Present, more: &Present) -> bool {
        let required = present.required + more.required;
        if required < self.required {
            return false;
        }
        if present.units + more.units + required >= self.min_units {
            return true;
        }
        let weight = f64::from(present.weight) + f64::from(more.weight);
        weight * (1.0 + 1e-4) + 1e-3 >= f64::from(self.min_weight)
    }

    /// Whether a document with `present` matches under relaxed matching.
    #[inline]
    pub(crate) fn matches(&self, present: &Present) -> bool {
        present.required == self.required && self.enough(present)
    }

    /// Whether a document with `present` is a full match: every word and
    /// every quoted text.
    #[inline]
    pub(crate) fn is_full(&self, present: &Present) -> bool {
        present.required == self.required && present.words == self.words
    }

    /// Whether every match of the rule is a full match, so that tantivy's
    /// boolean query can run it: when the rule needs every unit of
    /// matching and every unit is a word or a quoted text (a query of one
    /// word, a quoted text).
    pub(crate) fn only_full_matches(&self, roles: impl Iterator<Item = Role>) -> bool {
        self.min_units >= self.units
            && self.weight_needs_all
            && roles.into_iter().all(|r| !r.unit || r.word || r.required)
    }

    /// The factor for how many of the branch's words a document has:
    /// `1 - c + c × words / all words`.
    #[inline]
    pub(crate) fn coverage(&self, words: u32) -> Score {
        if self.words == 0 {
            return 1.0;
        }
        let c = self.coverage_weight;
        1.0 - c + c * words.min(self.words) as f32 / self.words as f32
    }
}

/// How a hit stands with one branch of the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// It has every word and quoted text of the branch.
    Full,
    /// It lacks some.
    Partial,
    /// The branch's exclusions shut it out (it matched another branch).
    Excluded,
}

impl Verdict {
    pub(crate) fn of(rule: &Rule, present: &Present, excluded: bool) -> Verdict {
        if excluded {
            Verdict::Excluded
        } else if rule.is_full(present) {
            Verdict::Full
        } else {
            Verdict::Partial
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A character of a clause of several words.
    const UNIT: Role = Role { unit: true, word: false, required: false, weight: 1.0, covers: 0, covers_weight: 0.0 };
    /// A clause of one word.
    const WORD: Role = Role { unit: true, word: true, required: false, weight: 1.0, covers: 0, covers_weight: 0.0 };
    /// A word of a clause of several words.
    const PART: Role = Role { unit: false, word: true, required: false, weight: 0.0, covers: 0, covers_weight: 0.0 };
    const QUOTED: Role = Role { unit: false, word: false, required: true, weight: 1.0, covers: 0, covers_weight: 0.0 };
    const SCORES: Role = Role { unit: false, word: false, required: false, weight: 0.0, covers: 0, covers_weight: 0.0 };

    /// What a document has, weighing nothing (the count decides).
    fn present(units: u32, words: u32, required: u32) -> Present {
        Present { units, words, required, weight: 0.0 }
    }

    /// (roles of the groups, what a document has) → (matches, full match).
    #[test]
    fn matches_and_full_matches_follow_the_rule() {
        type Case = (&'static [Role], Present, (bool, bool));
        let cases: [Case; 8] = [
            // Six characters of two words: two of the six units match.
            (&[UNIT, UNIT, UNIT, UNIT, UNIT, UNIT, PART, PART], present(2, 0, 0), (true, false)),
            (&[UNIT, UNIT, UNIT, UNIT, UNIT, UNIT, PART, PART], present(1, 0, 0), (false, false)),
            (&[UNIT, UNIT, UNIT, UNIT, UNIT, UNIT, PART, PART], present(6, 2, 0), (true, true)),
            // A quoted text must be there, and counts as a unit.
            (&[UNIT, UNIT, QUOTED], present(0, 0, 1), (true, true)),
            (&[UNIT, UNIT, QUOTED], present(2, 0, 0), (false, false)),
            // One word: the word is the only unit.
            (&[WORD, SCORES], present(1, 1, 0), (true, true)),
            (&[WORD, SCORES], present(0, 0, 0), (false, false)),
            // Nothing to match but what scores: everything matches.
            (&[SCORES], present(0, 0, 0), (true, true)),
        ];
        let settings = RankingSettings::default();
        for (roles, has, want) in cases {
            let rule = Rule::of(roles.iter().copied(), &settings);
            assert_eq!((rule.matches(&has), rule.is_full(&has)), want, "{roles:?} with {has:?}");
        }
    }

    /// A word found in a variant's spelling counts for the units the
    /// variant lacks; found as spelled, the characters count on their own
    /// and the word adds none.
    #[test]
    fn a_word_found_in_a_variant_counts_its_characters() {
        let covering = Role { covers: 2, covers_weight: 2.0, ..PART };
        let roles = [UNIT, UNIT, UNIT, UNIT, UNIT, UNIT, PART];
        let rule = Rule::of(roles.iter().copied(), &RankingSettings::default());
        assert_eq!(rule.units, 6, "covers add no unit to the rule");
        let mut variant_only = Present::default();
        variant_only.add(covering);
        assert!(rule.matches(&variant_only), "{variant_only:?}");
        let mut spelled = Present::default();
        spelled.add(PART);
        assert!(!rule.matches(&spelled), "{spelled:?}");
        variant_only.remove(covering);
        assert_eq!(variant_only, Present::default());
    }

    /// Weights added one by one in `f32` can pass their exact sum: 30 of
    /// 20, then 40 of a little over half an ulp of 600, each of which
    /// rounds 600 up by a whole ulp. A document whose weight so added
    /// reaches the rule's could match, and must not be dropped before its
    /// lookups are read.
    #[test]
    fn a_document_that_could_match_is_never_dropped_by_rounding() {
        let small = 0.51 * (600f32.next_up() - 600.0);
        let mut one_by_one = 0f32;
        for w in std::iter::repeat_n(20.0, 30).chain(std::iter::repeat_n(small, 40)) {
            one_by_one += w;
        }
        let rule = Rule {
            units: 1_000,
            min_units: 1_000,
            min_weight: one_by_one,
            total_weight: one_by_one,
            weight_needs_all: true,
            words: 0,
            required: 0,
            coverage_weight: 0.0,
        };
        let found = Present { weight: 600.0, ..Present::default() };
        let more = Present { weight: std::iter::repeat_n(small, 40).sum(), ..Present::default() };
        assert!(
            f64::from(found.weight) + f64::from(more.weight) < f64::from(one_by_one),
            "the case rounds as described"
        );
        assert!(rule.could_match(&found, &more));
        // What cannot reach the rule is dropped.
        assert!(!rule.could_match(&Present { weight: 500.0, ..Present::default() }, &more));
    }

    #[test]
    fn only_a_rule_of_words_that_needs_them_all_has_only_full_matches() {
        let settings = RankingSettings::default();
        let cases: [(&[Role], bool); 4] =
            [(&[WORD, SCORES], true), (&[QUOTED, SCORES], true), (&[UNIT, UNIT, PART], false), (&[WORD, WORD], false)];
        for (roles, want) in cases {
            let rule = Rule::of(roles.iter().copied(), &settings);
            assert_eq!(rule.only_full_matches(roles.iter().copied()), want, "{roles:?}");
        }
        // With a share of 1, two words are both needed.
        let all = RankingSettings { matching_share: 1.0, ..RankingSettings::default() };
        let roles = [WORD, WORD];
        assert!(Rule::of(roles.iter().copied(), &all).only_full_matches(roles.iter().copied()));
    }

    #[test]
    fn coverage_scales_by_the_share_of_words() {
        let settings = RankingSettings::default();
        let rule = Rule::of([WORD, WORD].into_iter(), &settings);
        assert_eq!(rule.coverage(2), 1.0);
        assert!((rule.coverage(1) - 0.8).abs() < 1e-6);
        assert!((rule.coverage(0) - 0.6).abs() < 1e-6);
        assert_eq!(Rule::of([UNIT].into_iter(), &settings).coverage(0), 1.0, "no words, no factor");
    }
}
