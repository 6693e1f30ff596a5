//! Planning: from the analyzed clauses of each branch of a query to the
//! groups that score and decide matching, the pairs and the passage the
//! rescore will score, and the exclusions; then to the query to run.

use tantivy::query::{AllQuery, BooleanQuery, BoostQuery, Occur, Query};
use tantivy::schema::Field;
use tantivy::Score;

use super::super::parse::Scope;
use super::super::terms::{Cell, Clause, Pair, Pattern, Signal, SoundsLike};
use super::blocks::Driver;
use super::matching::{Role, Rule};
use super::pairs::PairSpec;
use super::parts::{has_parts, strict_driver, strict_query, to_group, TextFields};
use super::passage::PassageSpec;
use super::settings::RankingSettings;
use super::stats::Stats;
use super::union::RankedQuery;

/// What a group looks up.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Lookup {
    /// One index token.
    Token(String),
    /// An exact pattern of tokens.
    Pattern(Pattern),
    /// Any of these patterns: a word and its variants, scored by the best
    /// of them (see [`GroupSpec::scales`]).
    Any(Vec<Pattern>),
    /// The folded title without separators.
    TitleKey(String),
}

/// A group of the ranked query, as the ranking describes it.
#[derive(Debug, Clone)]
pub(crate) struct GroupSpec {
    /// What it is, for explanations (`贫困`, `word 贫困县`).
    pub label: String,
    pub lookup: Lookup,
    pub scope: Scope,
    pub weight: f32,
    pub role: Role,
    /// For [`Lookup::Any`], each pattern's factor: a word and its variants
    /// score as one word, with one idf (the lowest of theirs, as Lucene's
    /// `SynonymQuery` takes the largest document frequency), so that a word
    /// with variants neither gains nor loses weight against one without.
    pub scales: Vec<f32>,
    /// For [`Lookup::Any`] of a word, how many of its patterns after the
    /// word's own are its variants and synonyms (the pinyin readings
    /// follow): those count only where a document has them as words (see
    /// `words.rs`).
    pub variants: usize,
    /// For [`Lookup::Any`] of a word of a clause of several words, each
    /// pattern's units of matching covered and their weight (see
    /// [`Role::covers`]; none for the word's own); empty otherwise.
    pub covers: Vec<(u32, f32)>,
}

impl GroupSpec {
    /// The role of the group's pattern (part) `k`.
    pub(crate) fn role_of(&self, k: usize) -> Role {
        self.role.of_part(&self.covers, k)
    }
}

/// One branch of the query, planned.
#[derive(Debug, Default)]
pub(crate) struct Branch {
    pub groups: Vec<GroupSpec>,
    pub pairs: Vec<PairSpec>,
    pub exclusions: Vec<Box<dyn Query>>,
    /// `None` for a query shorter than the passage's minimum of units.
    pub passage: Option<PassageSpec>,
}

impl Branch {
    /// The group looking up `lookup` in `scope`, added if new.
    fn group(&mut self, label: impl Into<String>, lookup: Lookup, scope: Scope, weight: f32) -> &mut GroupSpec {
        // A unit that two clauses share is one group, weighed as the
        // heavier of the two asks.
        let i = match self.groups.iter().position(|g| g.lookup == lookup && g.scope == scope) {
            Some(i) => {
                self.groups[i].weight = self.groups[i].weight.max(weight);
                i
            }
            None => {
                let label = label.into();
                let role = Role::default();
                let (scales, covers) = (Vec::new(), Vec::new());
                self.groups.push(GroupSpec { label, lookup, scope, weight, role, scales, variants: 0, covers });
                self.groups.len() - 1
            }
        };
        &mut self.groups[i]
    }

    /// The rule of the branch: which documents match, which fully.
    pub(crate) fn rule(&self, settings: &RankingSettings) -> Rule {
        Rule::of(self.groups.iter().map(|g| g.role), settings)
    }

    /// Whether every match must have every word and quoted text: strict
    /// matching, or a rule under which only full matches match.
    fn is_strict(&self, all_words: bool, settings: &RankingSettings) -> bool {
        all_words || self.rule(settings).only_full_matches(self.groups.iter().map(|g| g.role))
    }
}

/// What planning needs: the fields, the request's matching, filters and
/// settings, and the search's statistics.
pub(crate) struct Context<'a> {
    pub text: TextFields,
    pub all_words: bool,
    pub filters: Vec<Box<dyn Query>>,
    pub title_key: &'a dyn Fn(&str) -> String,
    pub stats: &'a Stats<'a>,
    pub settings: &'a RankingSettings,
}

/// A query planned: its branches (less those of exclusions only), the
/// query to run, and how it is read.
pub(crate) struct Planned {
    pub branches: Vec<Branch>,
    pub query: Box<dyn Query>,
    /// Whether `query` is the ranked query (else every match is a full match).
    pub ranked: bool,
    /// Whether the query is a union of branches (`OR`), a branch of
    /// exclusions only counted.
    pub union: bool,
    /// Whether every match must have every word: strict matching, or `OR`.
    pub all_words: bool,
    /// For a strict branch's query, the word whose blocks bound the
    /// scores (see `blocks.rs`).
    pub driver: Option<Driver>,
}

/// Plans the query of `branches` (each a list of analyzed clauses), or
/// `None` when it can match nothing.
pub(crate) fn plan(branches: &[Vec<Clause>], ctx: &Context<'_>) -> tantivy::Result<Option<Planned>> {
    let all_words = ctx.all_words || branches.len() > 1;
    let mut planned: Vec<Branch> = Vec::new();
    let mut only_exclusions: Vec<Vec<Box<dyn Query>>> = Vec::new();
    for clauses in branches {
        let mut branch = plan_branch(clauses, ctx)?;
        // What each unit of matching weighs toward the share by rarity.
        for g in branch.groups.iter_mut().filter(|g| g.role.unit || g.role.required) {
            g.role.weight = lookup_idf(&g.lookup, ctx.stats)?;
        }
        cover_units(&mut branch);
        // A unit that only scores and that no field holds (a title bonus
        // where no article has a title) is left out. (One that decides
        // matching stays: it can match nothing.)
        branch.groups.retain(|g| g.role != Role::default() || has_parts(g, &ctx.text));
        if !branch.groups.is_empty() {
            planned.push(branch);
        } else if !branch.exclusions.is_empty() {
            only_exclusions.push(branch.exclusions);
        }
    }
    if planned.is_empty() && only_exclusions.is_empty() {
        return Ok(None);
    }
    let union = planned.len() + only_exclusions.len() > 1;
    let filtered = |query: Box<dyn Query>| -> Box<dyn Query> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, query)];
        clauses.extend(
            ctx.filters.iter().map(|f| (Occur::Must, Box::new(BoostQuery::new(f.box_clone(), 0.0)) as Box<dyn Query>)),
        );
        Box::new(BooleanQuery::new(clauses))
    };
    let mut driver = None;
    let (query, ranked): (Box<dyn Query>, bool) = match (planned.as_slice(), union) {
        // Every match is a full match: tantivy's own boolean query is the
        // same query, and faster.
        ([branch], false) if branch.is_strict(all_words, ctx.settings) => {
            driver = strict_driver(branch, &ctx.text, ctx.stats, !ctx.filters.is_empty())?;
            (filtered(strict_query(branch, &ctx.text)), false)
        }
        ([branch], false) => (Box::new(ranked_query(branch, ctx)?), true),
        _ => {
            let mut union: Vec<(Occur, Box<dyn Query>)> =
                planned.iter().map(|b| (Occur::Should, strict_query(b, &ctx.text))).collect();
            // A branch of exclusions only says which documents match, not
            // how well: it scores nothing (tantivy's `AllQuery` would add 1
            // to every document it lets through, a part no explanation has).
            union.extend(
                only_exclusions
                    .iter()
                    .map(|e| (Occur::Should, Box::new(BoostQuery::new(everything_but(e), 0.0)) as Box<dyn Query>)),
            );
            (filtered(Box::new(BooleanQuery::new(union))), false)
        }
    };
    Ok(Some(Planned { branches: planned, query, ranked, union, all_words, driver }))
}

/// A lookup's idf: a token's, a pattern's (0 when it matches nothing), or
/// the most common spelling's of a word with variants.
fn lookup_idf(lookup: &Lookup, stats: &Stats<'_>) -> tantivy::Result<Score> {
    Ok(match lookup {
        Lookup::Token(token) => stats.idf(token)?,
        Lookup::Pattern(pattern) => stats.pattern_idf(pattern)?.unwrap_or(0.0),
        Lookup::Any(patterns) => {
            let mut least: Option<Score> = None;
            for p in patterns {
                if let Some(idf) = stats.pattern_idf(p)? {
                    least = Some(least.map_or(idf, |l| l.min(idf)));
                }
            }
            least.unwrap_or(0.0)
        }
        Lookup::TitleKey(_) => 0.0,
    })
}

/// The ranked query of a branch, the filters inside it.
pub(crate) fn ranked_query(branch: &Branch, ctx: &Context<'_>) -> tantivy::Result<RankedQuery> {
    Ok(RankedQuery {
        groups: branch.groups.iter().map(|g| to_group(g, &ctx.text, ctx.stats)).collect::<tantivy::Result<_>>()?,
        rule: branch.rule(ctx.settings),
        exclusions: branch.exclusions.iter().map(|q| q.box_clone()).collect(),
        filters: ctx.filters.iter().map(|f| f.box_clone()).collect(),
    })
}

/// The documents none of `exclusions` matches: what a branch of
/// exclusions only matches.
fn everything_but(exclusions: &[Box<dyn Query>]) -> Box<dyn Query> {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, Box::new(AllQuery))];
    clauses.extend(exclusions.iter().map(|q| (Occur::MustNot, q.box_clone())));
    Box::new(BooleanQuery::new(clauses))
}

/// Plans one branch: its groups, its pairs, its passage, its exclusions.
fn plan_branch(clauses: &[Clause], ctx: &Context<'_>) -> tantivy::Result<Branch> {
    let settings = ctx.settings;
    let weight_of = |len: usize| if len > 1 { settings.pair_weight } else { settings.char_weight };
    let mut branch = Branch::default();
    let mut together: Vec<&Clause> = Vec::new();
    let mut passage = PassageSpec::default();
    for clause in clauses {
        if clause.negated {
            if let Some(q) = exclusion(clause, &ctx.text) {
                branch.exclusions.push(q);
            }
            continue;
        }
        passage.widen(clause);
        let scope = clause.scope;
        if !clause.quoted && scope == Scope::All {
            together.push(clause);
            passage.add_units(clause, settings);
        }
        for signal in clause.signals() {
            match signal {
                Signal::Quoted(pattern) => {
                    let label = format!("\"{}\"", pattern.text);
                    let g = branch.group(label, Lookup::Pattern(pattern.clone()), scope, settings.phrase_weight);
                    g.role.required = true;
                }
                // A clause of one word asks for that word: it is the unit
                // of matching and what scores.
                Signal::OnlyWord { word, variants, sounds_like } => {
                    let weight = weight_of(word.cells.len());
                    let g = word_group(&mut branch, Spellings { word, variants, sounds_like }, scope, weight, ctx)?;
                    g.role.word = true;
                    g.role.unit = true;
                }
                Signal::Unit(unit) => {
                    let lookup = Lookup::Token(unit.text.clone());
                    branch.group(unit.text.clone(), lookup, scope, weight_of(unit.len)).role.unit = true;
                }
                Signal::Bigram(bigram) => {
                    let lookup = Lookup::Token(bigram.to_owned());
                    branch.group(bigram, lookup, scope, settings.pair_weight);
                }
                // A word with variants scores as one word in any spelling,
                // in place of the pairs inside it (which `terms` left out);
                // the others only say whether a document has every word.
                Signal::Word { word, variants } => {
                    let weight = if variants.is_empty() { 0.0 } else { settings.pair_weight };
                    let spellings = Spellings { word, variants, sounds_like: &[] };
                    word_group(&mut branch, spellings, scope, weight, ctx)?.role.word = true;
                }
                Signal::Pair(pair) => branch.pairs.push(PairSpec { pair: pair.clone(), scope, junction: false }),
            }
        }
    }
    // Clauses written apart that a document has together: the pair across
    // each gap, side by side or with separators between (`脱贫 攻坚` in
    // `脱贫攻坚` and in `脱贫，攻坚`); and a title that is the whole query.
    for w in together.windows(2) {
        let (before, after) = (&w[0].pattern, &w[1].pattern);
        // The tokens at the seam: a bigram where there is one, so that its
        // posting list, not a common character's, is read.
        if let (Some((at, last)), Some((_, first))) = (before.tokens.last(), after.tokens.first()) {
            let end = before.cells.last().map_or(0, |c| c.0 + 1);
            for (gap, separated) in [(end - at, false), (end - at + 1, true)] {
                let pair = Pair { first: last.clone(), second: first.clone(), gap, separated };
                branch.pairs.push(PairSpec { pair, scope: Scope::All, junction: true });
            }
        }
    }
    if !together.is_empty() && ctx.text.present.contains(ctx.text.fields.title_key) {
        let text: String = together.iter().map(|c| c.pattern.text.as_str()).collect();
        let key = (ctx.title_key)(&text);
        if !key.is_empty() {
            let boost = settings.title_exact_boost;
            branch.group("the title is the query", Lookup::TitleKey(key.clone()), Scope::Title, boost);
        }
        // A query typed in pinyin: a title that is what it reads as (`zixun`
        // is the page 资讯, before 资讯函式), below a title as typed.
        let read_keys: Vec<String> = title_readings(&together).iter().map(|read| (ctx.title_key)(read)).collect();
        ctx.stats.prefetch_title_keys(&read_keys.iter().map(String::as_str).collect::<Vec<_>>());
        for read_key in read_keys {
            if !read_key.is_empty() && read_key != key {
                let boost = settings.title_exact_boost * PINYIN_FACTOR;
                branch.group("the title reads as the query", Lookup::TitleKey(read_key), Scope::Title, boost);
            }
        }
    }
    branch.pairs.dedup_by(|a, b| a.pair == b.pair && a.scope == b.scope);
    if passage.units.len() >= settings.passage_min_units {
        branch.passage = Some(passage);
    }
    Ok(branch)
}

/// How many whole readings of a pinyin query are looked up as titles.
const TITLE_READINGS: usize = 16;

/// The texts a query with clauses typed in pinyin reads as, whole: each
/// such clause in turn as each of the words it may stand for (the most
/// likely first), the others as typed, at most [`TITLE_READINGS`]; none
/// when no clause was typed in pinyin.
fn title_readings(clauses: &[&Clause]) -> Vec<String> {
    if clauses.iter().all(|c| c.sounds_like.is_empty()) {
        return Vec::new();
    }
    let mut texts = vec![String::new()];
    for clause in clauses {
        let options: Vec<&str> = match clause.sounds_like.is_empty() {
            true => vec![clause.pattern.text.as_str()],
            false => clause.sounds_like.iter().map(|s| s.pattern.text.as_str()).collect(),
        };
        texts =
            texts.iter().flat_map(|t| options.iter().map(move |o| format!("{t}{o}"))).take(TITLE_READINGS).collect();
    }
    texts
}

/// A word and what else it may be written as.
struct Spellings<'c> {
    word: &'c Pattern,
    /// Its regional variants and synonyms.
    variants: &'c [Pattern],
    /// What it sounds like, when it was typed in pinyin.
    sounds_like: &'c [SoundsLike],
}

/// Gives each variant of a word of a clause of several words the units of
/// matching of the word that it lacks (see [`Role::covers`]): a document
/// that has `本機檔案` matches `只支持本地文件` as one with `本地文件` does,
/// and one with 工具列 counts 栏 for 工具栏, not 工 and 具 a second time.
/// (A document that has one of those characters elsewhere still counts it
/// twice.)
fn cover_units(branch: &mut Branch) {
    // The units of matching that are tokens of one clause: characters, or
    // Latin words.
    let units: Vec<(String, Scope, f32)> = branch
        .groups
        .iter()
        .filter(|u| u.role.unit && !u.role.word)
        .filter_map(|u| match &u.lookup {
            Lookup::Token(t) => Some((t.clone(), u.scope, u.role.weight)),
            _ => None,
        })
        .collect();
    let text = |p: &Pattern| -> String {
        p.cells.iter().filter_map(|(_, c)| if let Cell::Char(c) = c { Some(*c) } else { None }).collect()
    };
    for g in &mut branch.groups {
        let Lookup::Any(patterns) = &g.lookup else { continue };
        if g.variants == 0 || !g.role.word || g.role.unit {
            continue;
        }
        let word = text(&patterns[0]);
        let mut covers = vec![(0, 0.0); patterns.len()];
        for (k, pattern) in patterns.iter().enumerate().take(g.variants + 1).skip(1) {
            let spelling = text(pattern);
            for (_, _, weight) in units.iter().filter(|(u, scope, _)| {
                *scope == g.scope && word.contains(u.as_str()) && !spelling.contains(u.as_str())
            }) {
                covers[k].0 += 1;
                covers[k].1 += weight;
            }
        }
        g.covers = covers;
    }
}

/// How much a reading of pinyin counts against the text as typed: a Latin
/// word that a document has as written (`hang` in `hang glider`) ranks
/// above the Han characters it could be read as (行).
const PINYIN_FACTOR: Score = 0.5;

/// The group of a word: its one token, or its pattern, or (with variants
/// or readings) any of its spellings, scored as one word (see
/// [`GroupSpec::scales`]).
fn word_group<'b>(
    branch: &'b mut Branch,
    spellings: Spellings<'_>,
    scope: Scope,
    weight: f32,
    ctx: &Context<'_>,
) -> tantivy::Result<&'b mut GroupSpec> {
    let Spellings { word, variants, sounds_like } = spellings;
    if variants.is_empty() && sounds_like.is_empty() {
        let lookup = match word.single_token() {
            Some(token) => Lookup::Token(token.to_owned()),
            None => Lookup::Pattern(word.clone()),
        };
        return Ok(branch.group(format!("word {}", word.text), lookup, scope, weight));
    }
    let patterns: Vec<Pattern> =
        std::iter::once(word).chain(variants).chain(sounds_like.iter().map(|s| &s.pattern)).cloned().collect();
    // A spelling no document has matches nothing: it has no say in the
    // word's idf.
    let idfs: Vec<Option<Score>> = patterns.iter().map(|p| ctx.stats.pattern_idf(p)).collect::<tantivy::Result<_>>()?;
    let least = idfs.iter().flatten().copied().fold(f32::INFINITY, f32::min);
    let mut others: Vec<String> = variants.iter().map(|v| v.text.clone()).collect();
    others.extend(sounds_like.iter().map(|s| format!("{} read {}", s.pattern.text, s.reading)));
    let label = format!("word {} (or {})", word.text, others.join(", "));
    let pinyin_from = 1 + variants.len();
    let g = branch.group(label, Lookup::Any(patterns), scope, weight);
    g.variants = variants.len();
    g.scales = idfs
        .iter()
        .enumerate()
        .map(|(k, i)| {
            let scale = i.filter(|&i| i > 0.0).map_or(1.0, |i| least / i);
            if k >= pinyin_from {
                scale * PINYIN_FACTOR
            } else {
                scale
            }
        })
        .collect();
    Ok(g)
}

/// The documents a negated clause excludes: those with its quoted text, or
/// with every one of its words.
fn exclusion(clause: &Clause, text: &TextFields) -> Option<Box<dyn Query>> {
    let fields: Vec<Field> = text.of(clause.scope).into_iter().map(|(f, _)| f).collect();
    if fields.is_empty() {
        return None;
    }
    let anywhere = |p: &Pattern| -> Box<dyn Query> {
        Box::new(BooleanQuery::new(fields.iter().map(|f| (Occur::Should, p.query(*f))).collect()))
    };
    if clause.quoted || clause.words.is_empty() {
        return Some(anywhere(&clause.pattern));
    }
    Some(Box::new(BooleanQuery::new(clause.words.iter().map(|w| (Occur::Must, anywhere(w))).collect())))
}
