//! Pinyin input, read on the query side: what a user typed in Latin
//! letters (`beijing`, `bj`, `xi'an`, `北jing`, `刘dh`, `tuopin`), the
//! characters each piece of it may stand for, and the dictionary words
//! those characters can spell.
//!
//! The index never holds pinyin, and a hanzi query never matches by sound:
//! folding documents to pinyin made Meilisearch's 景点 find 经典, and that is
//! the failure to avoid. This module only *proposes* words for a clause; the
//! query side decides what to do with them (an alternative scored below a
//! match as typed, a correction when a word is absent, a completion).
//!
//! - [`read`] cuts a clause into [`Slot`]s every way it can: a character
//!   typed as itself, a full syllable, an initial, and (last only) a syllable
//!   still being typed.
//! - [`fits`] says whether a character can stand in a slot; [`readings`]
//!   gives a character's toneless readings (all of a polyphone's).
//! - [`Lexicon`] holds jieba's dictionary words with their frequencies and
//!   finds the words whose characters fit a row of slots
//!   ([`fitting`][Lexicon::fitting]), start with them
//!   ([`starting_with`][Lexicon::starting_with]), or sound like a given
//!   word ([`homophones`][Lexicon::homophones]).
//!
//! ```
//! use zhsearch::analysis::pinyin::{read, Lexicon, Slot};
//!
//! let readings = read("bj", false);
//! assert_eq!(readings, [vec![Slot::Initial("b".into()), Slot::Initial("j".into())]]);
//! let lexicon = Lexicon::get();
//! assert!(lexicon.fitting(&readings[0], 10).contains(&"北京"));
//! assert!(lexicon.homophones("制才", 10).contains(&"制裁"));
//! # let slots = [Slot::Syllable("tuo".into()), Slot::Partial("pin".into())];
//! # assert!(lexicon.starting_with(&slots, 50).contains(&"脱贫致富"));
//! ```
//!
//! Character readings: for the 8,105 characters of the Table of General
//! Standard Chinese Characters, their modern standard readings (Unihan's
//! `kTGHZ2013`, bundled in `data/pinyin/readings.txt` and parsed on first
//! use); for any other character, every reading the `pinyin` crate knows
//! (pinyin-data, drawn from Unihan). pinyin-data alone lists the archaic
//! readings of the Hanyu Da Zidian beside the living ones (话 `hua` and
//! 找 `hua`, 包 `fu`, 其 `ji`), which made `fuh` suggest 包含 and made 对找
//! sound like 对话. The words are jieba's
//! dictionary, the one queries are segmented with, bundled in
//! `data/pinyin/` and decoded the first time a [`Lexicon`] is asked for, so
//! a process that never sees a Latin query or a typo never pays for it.
//!
//! [`read`]: crate::analysis::pinyin::read
//! [`Slot`]: crate::analysis::pinyin::Slot
//! [`fits`]: crate::analysis::pinyin::fits
//! [`readings`]: crate::analysis::pinyin::readings
//! [`Lexicon`]: crate::analysis::pinyin::Lexicon
//! [Lexicon::fitting]: crate::analysis::pinyin::Lexicon::fitting
//! [Lexicon::starting_with]: crate::analysis::pinyin::Lexicon::starting_with
//! [Lexicon::homophones]: crate::analysis::pinyin::Lexicon::homophones

// The links above are full paths because rustdoc resolves these docs from
// the parent module, where the one-line doc comment on `pub mod pinyin` joins
// them.

use std::collections::BTreeSet;
use std::hash::{Hash, Hasher};
use std::io::Read;
use std::ops::Range;
use std::sync::OnceLock;

use ::pinyin::ToPinyinMulti;
use rustc_hash::{FxHashMap, FxHasher};

use super::normalize::is_han;

/// The most readings [`read`] returns.
pub const MAX_READINGS: usize = 64;

/// The most Latin letters [`read`] reads; a longer text has no reading. The
/// number of ways to cut a run grows exponentially with its length, and no
/// one types forty letters of pinyin into a search box.
pub const MAX_LATIN: usize = 40;

/// The most Han characters [`read`] reads beside the letters; a text with
/// more has no reading. Every reading copies them, so this bounds the
/// memory a long clause can take (the lexicon's words are at most
/// [`MAX_WORD_CHARS`] long anyway).
pub const MAX_HAN: usize = 32;

/// The longest word in the [`Lexicon`], in characters. jieba's longer
/// entries (a few hundred idioms and titles) are dropped.
pub const MAX_WORD_CHARS: usize = 8;

/// How many combinations of its characters' first letters a word is
/// found by at most. Each polyphone multiplies them; 8 of jieba's words
/// (long ones made of polyphones) have more, and are found only by the
/// readings whose first letters are among the first 64 combinations, in
/// which the earlier characters keep their most common readings
/// (pinyin-data lists those first). This bounded the index's keys when
/// they were first letters; the rule stays so that those words are found
/// as before.
const MAX_KEYS: usize = 64;

/// How many keys (combinations of its characters' readings) a word has in
/// the lexicon's index at most. No word of jieba's has more than a few
/// hundred (a test checks it); the cap bounds what a made-up list costs.
const MAX_SOUND_KEYS: usize = 4096;

/// How many combinations of its characters' readings
/// [`Lexicon::homophones`] tries for a word, in the same order: each is a
/// lookup.
const MAX_COMBOS: usize = 16;

/// The longest toneless syllable (`zhuang`, `shuang`, `chuang`).
const LONGEST_SYLLABLE: usize = 6;

/// How many readings of one length [`read`] generates before it orders them
/// and takes the best: enough that the syllable-rich ones, which the search
/// reaches first, are among them.
const READINGS_PER_LENGTH: usize = 4 * MAX_READINGS;

/// The initials a user may type for a syllable. `y` and `w` are not
/// initials to a phonologist, but they are the first letter users type for
/// 银 and 王.
const INITIALS: [&str; 23] = [
    "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x", "zh", "ch", "sh", "r", "z", "c", "s", "y",
    "w",
];

/// One position of a reading: what the character there must be.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Slot {
    /// A character typed as itself (the caller folds it to Simplified
    /// first): that character.
    Han(char),
    /// A full toneless syllable (`jing`): a character with that reading.
    Syllable(String),
    /// An initial (`b`, `zh`, also `y`, `w`): a character whose reading
    /// starts with it. `z`, `c` and `s` also fit `zh`, `ch` and `sh`
    /// readings, as input methods read `zg` as 中国; `zh` fits only `zh`.
    Initial(String),
    /// The unfinished last syllable (`pi` of `tuopi`): a character whose
    /// reading starts with it.
    Partial(String),
}

impl Slot {
    fn is_initial(&self) -> bool {
        matches!(self, Slot::Initial(_))
    }

    fn is_partial(&self) -> bool {
        matches!(self, Slot::Partial(_))
    }
}

/// Every way to read `text` as slots.
///
/// `text` mixes Han characters and Latin letters (any case; `ü` is read as
/// `v`, as input methods type it). An apostrophe (`'`, or the `’` phones
/// put in its place) or whitespace between letters is a syllable boundary
/// (`xi'an` is two syllables); any other character makes the text
/// unreadable. Each Latin run is split every possible way into full
/// syllables and initials. When `partial_last` is true the last slot of the
/// whole text may also be a partial syllable (a proper prefix of some
/// syllable: `pin` as the start of `ping`); a partial syllable anywhere else
/// is not allowed, because it floods `gu` (古) with `guang`, `gun`, `gui`.
/// A last piece that is a whole syllable too is read both ways (`pin` as
/// the syllable, then as a partial one); one that is an initial is read as
/// the initial only, which fits the same characters.
///
/// Readings come fewest slots first; among readings with as many slots,
/// those with fewer initials, then fewer partial syllables, come first (so
/// `xian` gives `[xian]`, then `[xi, an]` before `[xia, n]`). At most
/// [`MAX_READINGS`].
///
/// Empty when the text has no Latin letter, when a Latin run cannot be read
/// (`iphone`: no syllable starts with `i`), when the text has more than
/// [`MAX_LATIN`] letters or more than [`MAX_HAN`] Han characters. Never
/// panics.
pub fn read(text: &str, partial_last: bool) -> Vec<Vec<Slot>> {
    let Some(atoms) = atoms(text) else { return Vec::new() };
    let options = options(&atoms, partial_last);
    let n = options.len();
    // can[p][k]: the text from position p on can be read as exactly k slots.
    // With it the search below never enters a branch that leads nowhere, so
    // its cost is bounded by what it returns, not by the ways that fail.
    let mut can = vec![vec![false; n + 1]; n + 1];
    can[n][0] = true;
    for p in (0..n).rev() {
        for &(next, _) in &options[p] {
            for k in 1..=n {
                if can[next][k - 1] {
                    can[p][k] = true;
                }
            }
        }
    }
    let mut out = Vec::new();
    for k in 1..=n {
        if !can[0][k] {
            continue;
        }
        let mut batch = Vec::new();
        gather(&options, &can, 0, k, &mut Vec::new(), &mut batch);
        batch.sort_by_key(|r| {
            (r.iter().filter(|s| s.is_initial()).count(), r.iter().filter(|s| s.is_partial()).count())
        });
        out.extend(batch.into_iter().take(MAX_READINGS - out.len()));
        if out.len() == MAX_READINGS {
            break;
        }
    }
    out
}

/// A piece of the text: a Han character, or a run of Latin letters
/// (lowercase ASCII) between boundaries.
enum Atom {
    Han(char),
    Run(String),
}

/// The text as atoms; `None` when it is unreadable or too long.
fn atoms(text: &str) -> Option<Vec<Atom>> {
    let mut atoms = Vec::new();
    let mut run = String::new();
    let (mut letters, mut han) = (0, 0);
    let end_run = |run: &mut String, atoms: &mut Vec<Atom>| {
        if !run.is_empty() {
            atoms.push(Atom::Run(std::mem::take(run)));
        }
    };
    for c in text.chars() {
        if c.is_ascii_alphabetic() || c == 'ü' || c == 'Ü' {
            letters += 1;
            if letters > MAX_LATIN {
                return None;
            }
            run.push(if c.is_ascii_alphabetic() { c.to_ascii_lowercase() } else { 'v' });
        } else if c == '\'' || c == '\u{2019}' || c.is_whitespace() {
            end_run(&mut run, &mut atoms);
        } else if is_han(c) {
            han += 1;
            if han > MAX_HAN {
                return None;
            }
            end_run(&mut run, &mut atoms);
            atoms.push(Atom::Han(c));
        } else {
            return None;
        }
    }
    end_run(&mut run, &mut atoms);
    (letters > 0).then_some(atoms)
}

/// For each position of the text (a Han character, or a letter), the slots
/// that can start there and the position after each.
fn options(atoms: &[Atom], partial_last: bool) -> Vec<Vec<(usize, Slot)>> {
    let mut options = Vec::new();
    for (a, atom) in atoms.iter().enumerate() {
        match atom {
            Atom::Han(c) => {
                let next = options.len() + 1;
                options.push(vec![(next, Slot::Han(*c))]);
            }
            Atom::Run(run) => {
                let base = options.len();
                let last_atom = a + 1 == atoms.len();
                for i in 0..run.len() {
                    let mut here = Vec::new();
                    // Longest pieces first: the search meets the readings
                    // made of whole syllables before those of loose letters.
                    for j in (i + 1..=run.len().min(i + LONGEST_SYLLABLE)).rev() {
                        // The run is ASCII, so every index is a char boundary.
                        let piece = &run[i..j];
                        let initial = is_initial(piece);
                        if is_syllable(piece) {
                            here.push((base + j, Slot::Syllable(piece.to_owned())));
                        }
                        if initial {
                            here.push((base + j, Slot::Initial(piece.to_owned())));
                        }
                        // An initial already fits whatever starts with it.
                        if partial_last && last_atom && j == run.len() && !initial && is_proper_prefix(piece) {
                            here.push((base + j, Slot::Partial(piece.to_owned())));
                        }
                    }
                    options.push(here);
                }
            }
        }
    }
    options
}

/// Pushes onto `out` the readings of the text from `at` on in exactly
/// `slots` slots, after `so_far`, until `out` holds [`READINGS_PER_LENGTH`].
fn gather(
    options: &[Vec<(usize, Slot)>],
    can: &[Vec<bool>],
    at: usize,
    slots: usize,
    so_far: &mut Vec<Slot>,
    out: &mut Vec<Vec<Slot>>,
) {
    if at == options.len() {
        out.push(so_far.clone());
        return;
    }
    for (next, slot) in &options[at] {
        if out.len() >= READINGS_PER_LENGTH {
            return;
        }
        if slots > 0 && can[*next][slots - 1] {
            so_far.push(slot.clone());
            gather(options, can, *next, slots - 1, so_far, out);
            so_far.pop();
        }
    }
}

/// The toneless syllables, sorted: every reading of the CJK Unified
/// Ideographs block that has a vowel. The ones without (`m`, `n`, `ng`,
/// `hm`, `hng`: interjections such as 嗯 and 呣) are left out, or `bang`
/// would also read as `ba` + `ng` and `ban` as `ba` + `n` twice over (`n`
/// and `m` are initials already).
fn syllables() -> &'static [&'static str] {
    static SYLLABLES: OnceLock<Vec<&'static str>> = OnceLock::new();
    SYLLABLES.get_or_init(|| {
        let mut all: Vec<&'static str> = ('\u{4E00}'..='\u{9FFF}')
            .flat_map(each_reading)
            .filter(|s| s.bytes().any(|b| b"aeiouv".contains(&b)))
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    })
}

fn is_syllable(piece: &str) -> bool {
    syllables().binary_search(&piece).is_ok()
}

fn is_initial(piece: &str) -> bool {
    INITIALS.contains(&piece)
}

/// Whether some syllable is longer than `piece` and starts with it. The
/// syllables that start with `piece` follow it directly in sorted order.
fn is_proper_prefix(piece: &str) -> bool {
    let all = syllables();
    let after = all.partition_point(|s| *s <= piece);
    all.get(after).is_some_and(|s| s.starts_with(piece))
}

/// `run` (Latin letters only, any case) cut into the fewest full
/// syllables, lowercase; among cuts as short, the one with the longer
/// syllables first, as input methods cut (`fangan` is `fang an`: type
/// `fan'gan` for the other). `None` when it is not all full syllables or
/// has another character. For runs too long for [`read`], whose every cut
/// is not worth listing: a whole headline typed in one go.
pub fn split_syllables(run: &str) -> Option<Vec<String>> {
    if run.is_empty() || !run.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let run = run.to_ascii_lowercase();
    let n = run.len();
    // fewest[p]: the fewest syllables the text from p on is, and the length
    // of the first of them.
    let mut fewest: Vec<Option<(usize, usize)>> = vec![None; n + 1];
    fewest[n] = Some((0, 0));
    for p in (0..n).rev() {
        for len in (1..=LONGEST_SYLLABLE.min(n - p)).rev() {
            let Some((rest, _)) = fewest[p + len] else { continue };
            if is_syllable(&run[p..p + len]) && fewest[p].is_none_or(|(k, _)| rest + 1 < k) {
                fewest[p] = Some((rest + 1, len));
            }
        }
    }
    let mut out = Vec::new();
    let mut p = 0;
    while p < n {
        let (_, len) = fewest[p]?;
        out.push(run[p..p + len].to_owned());
        p += len;
    }
    Some(out)
}

/// Whether character `c` has a reading that fits `slot` (every reading of
/// a polyphone counts: 行 is `xing` and `hang`). A [`Slot::Han`] fits only
/// its own character. The slot's letters are lowercase, as [`read`] makes
/// them.
pub fn fits(c: char, slot: &Slot) -> bool {
    match slot {
        Slot::Han(h) => c == *h,
        Slot::Syllable(s) => each_reading(c).any(|r| r == s),
        Slot::Initial(s) | Slot::Partial(s) => each_reading(c).any(|r| r.starts_with(s.as_str())),
    }
}

/// The toneless readings of `c`, all of a polyphone's, most common first,
/// without duplicates (`ü` written as `v`, as input methods type it:
/// 绿 → `lv`); empty for a character with none. A reading that cannot be
/// typed on a Latin keyboard at all (`ê`, of 欸) is left out.
pub fn readings(c: char) -> Vec<&'static str> {
    let mut out = Vec::new();
    for r in each_reading(c) {
        if !out.contains(&r) {
            out.push(r);
        }
    }
    out
}

/// The characters of `text` that have a reading: what a user types of it
/// in pinyin (陈冠希…(组图) is typed `cgx…zt`, digits, Latin words and
/// punctuation left out).
pub fn typed_chars(text: &str) -> impl Iterator<Item = char> + '_ {
    text.chars().filter(|&c| each_reading(c).next().is_some())
}

/// [`readings`] without the allocation and the deduplication: the
/// lexicon calls this for every candidate character. A character of the
/// standard table has its standard readings only; any other, all of
/// pinyin-data's.
fn each_reading(c: char) -> impl Iterator<Item = &'static str> {
    let standard = standard_readings().get(&c).map_or(&[][..], |r| &r[..]);
    let rest = if standard.is_empty() { c.to_pinyin_multi() } else { None };
    standard.iter().copied().chain(rest.into_iter().flatten().filter_map(|p| typed(p.plain())))
}

/// The bundled standard readings: `字 reading reading…` per line, toneless
/// as typed, the commonest first; `#` starts a comment line.
const STANDARD_READINGS: &str = include_str!("../../data/pinyin/readings.txt");

/// [`STANDARD_READINGS`] by character, parsed the first time a reading is
/// asked for (a process without a Latin query or a typo never is).
fn standard_readings() -> &'static FxHashMap<char, Box<[&'static str]>> {
    static TABLE: OnceLock<FxHashMap<char, Box<[&'static str]>>> = OnceLock::new();
    TABLE.get_or_init(|| parse_standard(STANDARD_READINGS))
}

/// Parses the table's text; a line that is not `one character, then
/// readings of lowercase letters` is skipped (the bundled table has none:
/// a test reads it whole).
fn parse_standard(text: &'static str) -> FxHashMap<char, Box<[&'static str]>> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let mut fields = line.split(' ');
            let mut chars = fields.next()?.chars();
            let c = chars.next().filter(|_| chars.next().is_none())?;
            let readings: Box<[&'static str]> = fields.collect();
            let typed = |r: &&str| !r.is_empty() && r.bytes().all(|b| b.is_ascii_lowercase());
            (!readings.is_empty() && readings.iter().all(typed)).then_some((c, readings))
        })
        .collect()
}

/// A toneless reading as it is typed: `ü` as `v`. pinyin-data writes `ü`
/// only after `l` and `n` (after `j`, `q`, `x` and `y` it is written `u`).
fn typed(plain: &'static str) -> Option<&'static str> {
    match plain {
        "lü" => Some("lv"),
        "lüe" => Some("lve"),
        "nü" => Some("nv"),
        "nüe" => Some("nve"),
        _ => (!plain.is_empty() && plain.bytes().all(|b| b.is_ascii_lowercase())).then_some(plain),
    }
}

/// The bundled word list: jieba's dictionary words made of Han characters
/// only, `word frequency` per line, most frequent first, zstd-compressed;
/// `data/pinyin/README.md` says where it comes from.
const BUNDLED_WORDS: &[u8] = include_bytes!("../../data/pinyin/jieba-words.txt.zst");

/// How many bits a key's letter takes: `a` is 1, `z` 26, [`NO_LETTER`]
/// 27 (a character with no reading), and 0 pads a key after a word's last
/// character.
const LETTER_BITS: u32 = 5;

/// How many bits a key's reading takes: its place among the readings with
/// its first letter, plus one (`z` has the most, 37, `zh` counted in), or
/// 1 for a character with no reading; 0 pads.
const READING_BITS: u32 = 6;

/// The most readings one first letter may have; more are dropped (a test
/// checks that none is).
const READINGS_PER_LETTER: usize = (1 << READING_BITS) - 1;

/// The bits below a packed key that hold its word number.
const ID_BITS: u32 = 32;

/// Where a packed key's letters begin: above its readings.
const LETTERS_SHIFT: u32 = ID_BITS + READING_BITS * MAX_WORD_CHARS as u32;

/// Where a packed key's word length begins: above its letters, so that
/// the keys of each length are one block.
const LENGTH_SHIFT: u32 = LETTERS_SHIFT + LETTER_BITS * MAX_WORD_CHARS as u32;

/// The letter of a character with no reading in a key of first letters;
/// it sorts after `z`.
const NO_LETTER: u8 = b'z' + 1;

/// jieba's dictionary words with their frequencies, decoded on first use
/// (an index that never sees a Latin query or a typo never pays for it).
///
/// Words are numbered most frequent first (ties by the word), so "most
/// frequent first" is "smallest number first". The index is every word's
/// *keys*, sorted: a key is the word's length, its characters' first
/// letters, then its characters' readings, one reading of each character,
/// and a word has one key per combination of them (2.8 on average:
/// polyphones). A slot has one first letter (but for a character typed as
/// itself), so the words of a length whose letters fit a row of slots are
/// one block of keys, found by binary search one slot at a time, as
/// initials (`bj`, `cgdc`) need. Within it the keys are sorted by their
/// readings, and the readings a slot allows (one syllable, or all that
/// start with an unfinished syllable) are one run: the words that fit are
/// a few ranges of the block, every word in them fitting, but for a
/// character typed as itself, which is compared. Keying by whole readings
/// is what makes a lookup cheap: `jing ji` does not scan every `j j` word
/// checking its readings.
pub struct Lexicon {
    /// Every word, one after another.
    text: String,
    /// Where word `i` ends in `text` (it starts where word `i - 1` ends).
    ends: Vec<u32>,
    /// Word `i`'s frequency.
    freqs: Vec<u32>,
    /// `(hash of the word, word number)`, sorted, for [`Lexicon::frequency`]:
    /// sorting hashes is a fraction of sorting the words. Words whose hashes
    /// collide are told apart by comparing them.
    by_hash: Vec<(u32, u32)>,
    /// Every reading of the words' characters, sorted: those with first
    /// letter `l` (1 for `a`) are `sounds[starts[l - 1]..starts[l]]`.
    sounds: Vec<&'static str>,
    starts: [usize; 28],
    /// The keys, sorted, each packed in a `u128` with its word number: the
    /// word's length highest, then each character's letter, then each
    /// character's reading, zeros after the last; the word number in the
    /// low [`ID_BITS`], so the entries of one key are in word order.
    keys: Vec<u128>,
}

/// The lexicons a query is read with: an analyzer's user words (its own
/// vocabulary: product names, people, terms of the trade) before jieba's
/// bundled dictionary. Each lookup asks both and lists the user's words
/// first, without duplicates, at most `limit` in all.
#[derive(Debug, Clone, Copy)]
pub struct Lexicons<'a> {
    /// The user words, if the analyzer has any.
    pub user: Option<&'a Lexicon>,
    /// jieba's dictionary ([`Lexicon::get`]).
    pub base: &'static Lexicon,
}

impl<'a> Lexicons<'a> {
    /// The bundled lexicon alone.
    pub fn bundled() -> Lexicons<'static> {
        Lexicons { user: None, base: Lexicon::get() }
    }

    fn merged(&self, limit: usize, lookup: impl Fn(&'a Lexicon, usize) -> Vec<&'a str>) -> Vec<&'a str> {
        // Most analyzers have no user words: the bundled lookup as it is.
        let Some(user) = self.user else { return lookup(self.base, limit) };
        let mut out = lookup(user, limit);
        let seen: std::collections::HashSet<&str> = out.iter().copied().collect();
        out.extend(lookup(self.base, limit).into_iter().filter(|w| !seen.contains(w)));
        out.truncate(limit);
        out
    }

    /// [`Lexicon::fitting`] of both.
    pub fn fitting(&self, slots: &[Slot], limit: usize) -> Vec<&'a str> {
        self.merged(limit, |l, n| l.fitting(slots, n))
    }

    /// [`Lexicon::starting_with`] of both.
    pub fn starting_with(&self, slots: &[Slot], limit: usize) -> Vec<&'a str> {
        self.merged(limit, |l, n| l.starting_with(slots, n))
    }

    /// [`Lexicon::one_apart`] of both.
    pub fn one_apart(&self, word: &str, limit: usize) -> Vec<&'a str> {
        self.merged(limit, |l, n| l.one_apart(word, n))
    }

    /// [`Lexicon::homophones`] of both.
    pub fn homophones(&self, word: &str, limit: usize) -> Vec<&'a str> {
        self.merged(limit, |l, n| l.homophones(word, n))
    }
}

impl std::fmt::Debug for Lexicon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lexicon").field("words", &self.len()).field("keys", &self.keys.len()).finish()
    }
}

/// A character's readings as a key holds them (letter and reading), and
/// their distinct first letters.
struct Sounds {
    digits: Vec<(u8, u8)>,
    letters: Letters,
}

/// What one position of a key may hold for a slot: a first letter, and the
/// runs of readings with it; `whole` when they are all of that letter's.
struct Allowed {
    letter: u8,
    readings: Vec<Range<u8>>,
    whole: bool,
}

/// A range of the keys that a lookup found: `one_key` when it is the
/// entries of one key (in word order), and, when only some of its keys
/// fit, the readings each position allows, as bit masks.
struct Found {
    range: Range<usize>,
    one_key: bool,
    masks: Option<[u64; MAX_WORD_CHARS]>,
}

impl Lexicon {
    /// The process's lexicon, built on first call. Should the bundled list
    /// fail to decode (it cannot, unless the build is broken; a test checks
    /// it), the lexicon is empty and proposes nothing, which is what a
    /// search without pinyin does.
    pub fn get() -> &'static Lexicon {
        static LEXICON: OnceLock<Lexicon> = OnceLock::new();
        LEXICON.get_or_init(|| {
            let mut list = String::new();
            match zstd::Decoder::new(BUNDLED_WORDS).and_then(|mut d| d.read_to_string(&mut list)) {
                Ok(_) => Lexicon::from_list(&list),
                Err(_) => Lexicon::from_list(""),
            }
        })
    }

    /// A lexicon of an analyzer's user words (`word`, frequency): what
    /// [`Lexicons`] puts before the bundled one. Words that are not 1 to
    /// [`MAX_WORD_CHARS`] Han characters are left out.
    pub fn of_words<'a>(words: impl IntoIterator<Item = (&'a str, u64)>) -> Lexicon {
        let list: String = words.into_iter().map(|(w, f)| format!("{w} {f}\n")).collect();
        Lexicon::from_list(&list)
    }

    /// A lexicon of the `word frequency` lines of `list`. Lines that are
    /// not such a line, or whose word is not 1 to [`MAX_WORD_CHARS`] Han
    /// characters, are skipped; of a word listed twice the more frequent
    /// entry counts. Frequencies past `u32::MAX` are taken as `u32::MAX`.
    fn from_list(list: &str) -> Lexicon {
        let mut entries: Vec<(&str, u32)> = list
            .lines()
            .filter_map(|line| {
                // jieba's own `word freq tag` lines read too.
                let mut fields = line.split_whitespace();
                let (word, freq) = (fields.next()?, fields.next()?.parse::<u64>().ok()?);
                let mut len = 0;
                for c in word.chars() {
                    len += 1;
                    if !is_han(c) || len > MAX_WORD_CHARS {
                        return None;
                    }
                }
                (len > 0).then_some((word, u32::try_from(freq).unwrap_or(u32::MAX)))
            })
            .collect();
        // The bundled list is in this order already, and a stable sort of
        // sorted data is one pass.
        entries.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));

        let hashes = |entries: &[(&str, u32)]| {
            let mut by_hash: Vec<(u32, u32)> =
                entries.iter().enumerate().map(|(id, e)| (hash(e.0), id as u32)).collect();
            by_hash.sort_unstable();
            by_hash
        };
        let mut by_hash = hashes(&entries);
        // A word listed twice keeps its first (most frequent) entry. The
        // bundled list has none (a test checks it), so this costs one pass.
        let mut listed_before = vec![false; entries.len()];
        for run in by_hash.chunk_by(|a, b| a.0 == b.0).filter(|run| run.len() > 1) {
            for (i, &(_, later)) in run.iter().enumerate() {
                let word = entries[later as usize].0;
                listed_before[later as usize] = run[..i].iter().any(|&(_, id)| entries[id as usize].0 == word);
            }
        }
        if listed_before.contains(&true) {
            let mut before = listed_before.iter();
            entries.retain(|_| before.next() == Some(&false));
            by_hash = hashes(&entries);
        }

        // Most words are made of a few thousand characters: look each up
        // once, then number the readings they have.
        let mut readings_of: FxHashMap<char, Vec<&'static str>> = FxHashMap::default();
        for &(word, _) in &entries {
            for c in word.chars() {
                readings_of.entry(c).or_insert_with(|| readings(c));
            }
        }
        let mut sounds: Vec<&'static str> = readings_of.values().flatten().copied().collect();
        sounds.sort_unstable();
        sounds.dedup();
        // No letter has this many readings; past it, the extra ones are
        // dropped rather than let a key's fields run into each other.
        let mut kept = [0; 28];
        sounds.retain(|r| {
            let n = &mut kept[usize::from(letter_code(r)) - 1];
            *n += 1;
            *n <= READINGS_PER_LETTER
        });
        let starts = letter_starts(&sounds);
        let sounds_of: FxHashMap<char, Sounds> = readings_of
            .iter()
            .map(|(&c, rs)| {
                let mut digits: Vec<(u8, u8)> = rs.iter().filter_map(|r| place(&sounds, &starts, r)).collect();
                if digits.is_empty() {
                    digits.push((letter_code_of(NO_LETTER), 1));
                }
                (c, Sounds { digits, letters: first_letters(rs) })
            })
            .collect();

        let mut text = String::with_capacity(entries.iter().map(|e| e.0.len()).sum());
        let mut ends = Vec::with_capacity(entries.len());
        let mut freqs = Vec::with_capacity(entries.len());
        let mut keys: Vec<u128> = Vec::with_capacity(entries.len() * 3);
        let mut chars: Vec<&Sounds> = Vec::with_capacity(MAX_WORD_CHARS);
        for (id, &(word, freq)) in entries.iter().enumerate() {
            text.push_str(word);
            ends.push(text.len() as u32);
            freqs.push(freq);
            chars.clear();
            chars.extend(word.chars().filter_map(|c| sounds_of.get(&c)));
            let mut lens = [0; MAX_WORD_CHARS];
            lens.iter_mut().zip(&chars).for_each(|(n, s)| *n = s.digits.len());
            let first_keys = first_letter_keys(&chars);
            for_each_combination(&lens[..chars.len()], MAX_SOUND_KEYS, |pick| {
                if let Some(allowed) = &first_keys {
                    let mut letters = [0; MAX_WORD_CHARS];
                    for ((l, s), &i) in letters.iter_mut().zip(&chars).zip(pick) {
                        *l = s.digits[i].0 + b'a' - 1;
                    }
                    if !allowed.contains(&letters) {
                        return;
                    }
                }
                let key = chars.iter().zip(pick).enumerate().fold(0u128, |key, (depth, (s, &i))| {
                    let (letter, reading) = s.digits[i];
                    key | u128::from(letter) << letter_shift(depth) | u128::from(reading) << reading_shift(depth)
                });
                keys.push((chars.len() as u128) << LENGTH_SHIFT | key | id as u128);
            });
        }
        keys.sort_unstable();
        Lexicon { text, ends, freqs, by_hash, sounds, starts, keys }
    }

    /// How many words the lexicon holds.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether the lexicon holds no word.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Words of exactly `slots.len()` characters whose characters fit
    /// `slots` one for one, most frequent first (ties by the word), at most
    /// `limit`.
    pub fn fitting(&self, slots: &[Slot], limit: usize) -> Vec<&str> {
        let mut best = BTreeSet::new();
        self.collect(slots, true, limit, |word| han_fits(word, slots), &mut best);
        self.words(best)
    }

    /// Words of at least `slots.len()` characters whose first characters
    /// fit `slots`, most frequent first (ties by the word), at most `limit`.
    /// (Completion.)
    pub fn starting_with(&self, slots: &[Slot], limit: usize) -> Vec<&str> {
        let mut best = BTreeSet::new();
        self.collect(slots, false, limit, |word| han_fits(word, slots), &mut best);
        self.words(best)
    }

    /// Words of the same length as `word` that sound the same (toneless,
    /// any reading of each character) and differ from it in one or two
    /// characters (never `word` itself), most frequent first (ties by the
    /// word), at most `limit`. A character of `word` with no reading must
    /// stay as it is. Of a word whose characters have many readings, only
    /// the first 16 combinations are tried (in them the earlier
    /// characters keep their most common readings).
    pub fn homophones(&self, word: &str, limit: usize) -> Vec<&str> {
        let chars: Vec<char> = word.chars().collect();
        if chars.is_empty() || chars.len() > MAX_WORD_CHARS {
            return Vec::new();
        }
        let choices: Vec<Vec<Slot>> = chars
            .iter()
            .map(|&c| match readings(c) {
                r if r.is_empty() => vec![Slot::Han(c)],
                r => r.into_iter().map(|s| Slot::Syllable(s.to_owned())).collect(),
            })
            .collect();
        let lens: Vec<usize> = choices.iter().map(Vec::len).collect();
        let mut best = BTreeSet::new();
        for_each_combination(&lens, MAX_COMBOS, |pick| {
            let slots: Vec<Slot> = choices.iter().zip(pick).map(|(c, &i)| c[i].clone()).collect();
            let sounds_alike = |w: &str| {
                let differing = w.chars().zip(&chars).filter(|(a, b)| a != *b).count();
                (1..=2).contains(&differing) && han_fits(w, &slots)
            };
            self.collect(&slots, true, limit, sounds_alike, &mut best);
        });
        self.words(best)
    }

    /// Words of the same length as `word` that differ from it in exactly
    /// one character, of the same sound (toneless, any reading), most
    /// frequent first (ties by the word), at most `limit`. [`Lexicon::homophones`] with one change only, and cheaper:
    /// every other slot is a character typed as itself, so each lookup is
    /// a narrow one.
    pub fn one_apart(&self, word: &str, limit: usize) -> Vec<&str> {
        let chars: Vec<char> = word.chars().collect();
        if chars.is_empty() || chars.len() > MAX_WORD_CHARS {
            return Vec::new();
        }
        let mut found: Vec<(std::cmp::Reverse<u64>, &str)> = Vec::new();
        for i in 0..chars.len() {
            for reading in readings(chars[i]) {
                let slots: Vec<Slot> = chars
                    .iter()
                    .enumerate()
                    .map(|(j, &c)| if j == i { Slot::Syllable(reading.to_owned()) } else { Slot::Han(c) })
                    .collect();
                for w in self.fitting(&slots, limit) {
                    if w != word && !found.iter().any(|(_, f)| *f == w) {
                        found.push((std::cmp::Reverse(self.frequency(w).unwrap_or(0)), w));
                    }
                }
            }
        }
        found.sort_unstable();
        found.into_iter().take(limit).map(|(_, w)| w).collect()
    }

    /// A word's frequency in jieba's dictionary, `None` when it is not a
    /// word of it (or not one the lexicon keeps: see `data/pinyin/README.md`).
    pub fn frequency(&self, word: &str) -> Option<u64> {
        let h = hash(word);
        let from = self.by_hash.partition_point(|&(x, _)| x < h);
        let id = self.by_hash[from..]
            .iter()
            .take_while(|&&(x, _)| x == h)
            .map(|&(_, id)| id)
            .find(|&id| self.word(id) == word)?;
        self.freqs.get(id as usize).map(|&f| u64::from(f))
    }

    /// Word number `id`.
    fn word(&self, id: u32) -> &str {
        let id = id as usize;
        let start = if id == 0 { 0 } else { self.ends[id - 1] as usize };
        &self.text[start..self.ends[id] as usize]
    }

    fn words(&self, ids: BTreeSet<u32>) -> Vec<&str> {
        ids.into_iter().map(|id| self.word(id)).collect()
    }

    /// Adds to `best` the most frequent words (the smallest numbers) whose
    /// key begins with readings `slots` allow (is made of them, if `exact`)
    /// and that pass `keep`, keeping at most `limit`.
    fn collect(
        &self,
        slots: &[Slot],
        exact: bool,
        limit: usize,
        mut keep: impl FnMut(&str) -> bool,
        best: &mut BTreeSet<u32>,
    ) {
        if slots.is_empty() || slots.len() > MAX_WORD_CHARS || limit == 0 {
            return;
        }
        let allowed: Vec<Vec<Allowed>> = slots.iter().map(|s| self.allowed(s)).collect();
        if allowed.iter().any(Vec::is_empty) {
            return;
        }
        // The keys of each word length the lookup wants, one block each.
        let mut found = Vec::new();
        let lengths = if exact { slots.len()..=slots.len() } else { slots.len()..=MAX_WORD_CHARS };
        for len in lengths {
            let from = self.keys.partition_point(|&k| length(k) < len);
            let to = from + self.keys[from..].partition_point(|&k| length(k) == len);
            if from < to {
                self.by_letters(from..to, &allowed, &mut Vec::new(), len == slots.len(), &mut found);
            }
        }
        // The least frequent word kept, once `limit` are.
        let mut worst = best.last().copied().filter(|_| best.len() >= limit);
        for Found { range, one_key, masks } in found {
            for &key in &self.keys[range] {
                let id = key as u32;
                // Only a more frequent word can still make the cut. The
                // check comes before `keep`, and is a comparison: it is
                // what keeps a one-letter completion (`t`, thousands of
                // words) cheap.
                if worst.is_some_and(|worst| id > worst) {
                    // The entries of one key are in word order: none after
                    // this one can make the cut either.
                    if one_key {
                        break;
                    }
                    continue;
                }
                if let Some(masks) = &masks {
                    if !masks[..slots.len()].iter().enumerate().all(|(d, m)| m >> reading(key, d) & 1 == 1) {
                        continue;
                    }
                }
                if !best.contains(&id) && keep(self.word(id)) {
                    best.insert(id);
                    if best.len() > limit {
                        best.pop_last();
                    }
                    worst = best.last().copied().filter(|_| best.len() >= limit);
                }
            }
        }
    }

    /// What a key may hold where a character fits `slot`: the slot's
    /// first letter and the run of its readings that are the syllable or
    /// start with the initial or unfinished syllable (neighbours in sorted
    /// order); for a character typed as itself, each of its readings.
    /// Empty when no word has such a character.
    fn allowed(&self, slot: &Slot) -> Vec<Allowed> {
        let prefix = |s: &str, exact: bool| -> Vec<Allowed> {
            let letters = match s.bytes().next() {
                Some(b @ b'a'..=b'z') => letter_code_of(b)..=letter_code_of(b),
                Some(_) => return Vec::new(),
                // No reading is an empty syllable; every one starts with
                // an empty initial.
                None if exact => return Vec::new(),
                None => 1..=26,
            };
            letters
                .filter_map(|l| {
                    let all = &self.sounds[self.starts[usize::from(l) - 1]..self.starts[usize::from(l)]];
                    let from = all.partition_point(|r| *r < s);
                    let to = match exact {
                        true => from + all[from..].partition_point(|r| *r == s),
                        false => from + all[from..].partition_point(|r| r.starts_with(s)),
                    };
                    let whole = from == 0 && to == all.len();
                    let run = from as u8 + 1..to as u8 + 1;
                    (from < to).then(|| Allowed { letter: l, readings: std::iter::once(run).collect(), whole })
                })
                .collect()
        };
        match slot {
            Slot::Syllable(s) => prefix(s, true),
            Slot::Initial(s) | Slot::Partial(s) => prefix(s, false),
            Slot::Han(c) => {
                let mut places: Vec<(u8, u8)> =
                    readings(*c).into_iter().filter_map(|r| place(&self.sounds, &self.starts, r)).collect();
                if each_reading(*c).next().is_none() {
                    places.push((letter_code_of(NO_LETTER), 1));
                }
                places.sort_unstable();
                places
                    .chunk_by(|a, b| a.0 == b.0)
                    .map(|run| Allowed {
                        letter: run[0].0,
                        readings: run.iter().map(|&(_, r)| r..r + 1).collect(),
                        whole: false,
                    })
                    .collect()
            }
        }
    }

    /// Pushes onto `found` the keys within `within` (of one word length)
    /// whose letters fit the slots from `chosen.len()` on, one block for
    /// each combination of letters, narrowed by [`Lexicon::by_readings`].
    /// The keys within agree on the letters before, so they are sorted by
    /// the next.
    fn by_letters<'a>(
        &self,
        within: Range<usize>,
        allowed: &'a [Vec<Allowed>],
        chosen: &mut Vec<&'a Allowed>,
        whole_key: bool,
        found: &mut Vec<Found>,
    ) {
        let depth = chosen.len();
        let Some(options) = allowed.get(depth) else {
            self.by_readings(within, 0, chosen, whole_key, found);
            return;
        };
        let keys = &self.keys[within.clone()];
        for option in options {
            let from = keys.partition_point(|&k| letter(k, depth) < option.letter);
            let to = from + keys[from..].partition_point(|&k| letter(k, depth) == option.letter);
            if from < to {
                chosen.push(option);
                self.by_letters(within.start + from..within.start + to, allowed, chosen, whole_key, found);
                chosen.pop();
            }
        }
    }

    /// Pushes onto `found` the keys within `within`, whose letters fit,
    /// whose readings from `depth` on are among those `chosen` allows.
    /// `whole_key`: the keys have no character past the slots, so within
    /// agreeing letters they are sorted by their readings, and each run of
    /// readings at `depth` is one range of keys that agree on the readings
    /// before it. Longer keys are sorted by their further letters first:
    /// they are handed on whole, with masks to check each key against.
    fn by_readings(
        &self,
        within: Range<usize>,
        depth: usize,
        chosen: &[&Allowed],
        whole_key: bool,
        found: &mut Vec<Found>,
    ) {
        if chosen[depth..].iter().all(|a| a.whole) {
            // Every reading of these letters fits, whatever follows.
            found.push(Found { range: within, one_key: false, masks: None });
            return;
        }
        if !whole_key {
            let mut masks = [0u64; MAX_WORD_CHARS];
            for (m, a) in masks.iter_mut().zip(chosen) {
                *m = a.readings.iter().flat_map(|r| r.clone()).fold(0, |m, r| m | 1 << r);
            }
            found.push(Found { range: within, one_key: false, masks: Some(masks) });
            return;
        }
        let keys = &self.keys[within.clone()];
        let last = depth + 1 == chosen.len();
        for run in &chosen[depth].readings {
            let from = keys.partition_point(|&k| reading(k, depth) < run.start);
            let to = from + keys[from..].partition_point(|&k| reading(k, depth) < run.end);
            if from == to {
                continue;
            }
            if last {
                let one_key = run.len() == 1;
                found.push(Found { range: within.start + from..within.start + to, one_key, masks: None });
                continue;
            }
            // One reading at a time: the keys with the same reading here
            // agree on every position up to `depth`, as the next needs.
            let mut at = from;
            while at < to {
                let here = reading(keys[at], depth);
                let end = at + keys[at..to].partition_point(|&k| reading(k, depth) == here);
                self.by_readings(within.start + at..within.start + end, depth + 1, chosen, whole_key, found);
                at = end;
            }
        }
    }
}

/// The number of characters of the word of a packed key.
fn length(key: u128) -> usize {
    (key >> LENGTH_SHIFT) as usize
}

/// Where the letter at position `depth` of a key begins in its packed form.
fn letter_shift(depth: usize) -> u32 {
    LETTERS_SHIFT + LETTER_BITS * (MAX_WORD_CHARS - 1 - depth) as u32
}

/// Where the reading at position `depth` of a key begins in its packed form.
fn reading_shift(depth: usize) -> u32 {
    ID_BITS + READING_BITS * (MAX_WORD_CHARS - 1 - depth) as u32
}

/// The letter at position `depth` of a packed key.
fn letter(key: u128, depth: usize) -> u8 {
    (key >> letter_shift(depth)) as u8 & ((1 << LETTER_BITS) - 1)
}

/// The reading at position `depth` of a packed key.
fn reading(key: u128, depth: usize) -> u8 {
    (key >> reading_shift(depth)) as u8 & ((1 << READING_BITS) - 1)
}

/// A first letter (`a` to `z`, or [`NO_LETTER`]) as a key holds it.
fn letter_code_of(letter: u8) -> u8 {
    letter - b'a' + 1
}

/// The key letter of a reading (its first byte, `a` to `z`).
fn letter_code(reading: &str) -> u8 {
    reading.bytes().next().map_or(letter_code_of(NO_LETTER), letter_code_of)
}

/// Where the readings of each letter begin in sorted `sounds`: those of
/// letter `l` are `sounds[starts[l - 1]..starts[l]]`.
fn letter_starts(sounds: &[&str]) -> [usize; 28] {
    let mut starts = [0; 28];
    for (l, start) in starts.iter_mut().enumerate() {
        *start = sounds.partition_point(|r| usize::from(letter_code(r)) <= l);
    }
    starts
}

/// A reading as a key holds it: its letter, and its place among the
/// readings with that letter plus one. `None` for one not in `sounds`.
fn place(sounds: &[&str], starts: &[usize; 28], r: &str) -> Option<(u8, u8)> {
    let l = letter_code(r);
    let from = starts[usize::from(l) - 1];
    let at = sounds[from..starts[usize::from(l)]].binary_search(&r).ok()?;
    Some((l, at as u8 + 1))
}

/// The hash [`Lexicon::frequency`] looks words up by: 32 bits are enough
/// for a handful of collisions among 350,000 words, and halve the table.
fn hash(word: &str) -> u32 {
    let mut h = FxHasher::default();
    word.hash(&mut h);
    (h.finish() >> 32) as u32
}

/// Whether each character of `word` at a slot typed as a Han character is
/// that character: the one thing a key that matched the slots' readings
/// leaves open. `word` has at least as many characters as `slots` (its
/// key has a digit for each).
fn han_fits(word: &str, slots: &[Slot]) -> bool {
    word.chars().zip(slots).all(|(c, slot)| !matches!(slot, Slot::Han(h) if *h != c))
}

/// The distinct first letters of a character's readings, the most common
/// reading's first; [`NO_LETTER`] alone for a character with none. (No
/// character has more than seven.)
#[derive(Debug, Clone, Copy, Default)]
struct Letters {
    letters: [u8; MAX_WORD_CHARS],
    len: usize,
}

impl Letters {
    fn iter(&self) -> impl Iterator<Item = &u8> {
        self.letters[..self.len].iter()
    }
}

fn first_letters(readings: &[&str]) -> Letters {
    let mut out = Letters::default();
    for r in readings {
        if let Some(&l) = r.as_bytes().first() {
            if !out.iter().any(|&x| x == l) && out.len < MAX_WORD_CHARS {
                out.letters[out.len] = l;
                out.len += 1;
            }
        }
    }
    if out.len == 0 {
        out.letters[0] = NO_LETTER;
        out.len = 1;
    }
    out
}

/// For a word with more than [`MAX_KEYS`] combinations of its characters'
/// first letters, the first [`MAX_KEYS`] of them: a reading of the word is
/// keyed only when its first letters are among these. `None` for the
/// others (all but 8 of jieba's words), whose every reading is keyed.
fn first_letter_keys(chars: &[&Sounds]) -> Option<Vec<[u8; MAX_WORD_CHARS]>> {
    let combinations = chars.iter().try_fold(1usize, |n, s| n.checked_mul(s.letters.len));
    if combinations.is_some_and(|n| n <= MAX_KEYS) {
        return None;
    }
    let mut lens = [0; MAX_WORD_CHARS];
    lens.iter_mut().zip(chars).for_each(|(n, s)| *n = s.letters.len);
    let mut out = Vec::with_capacity(MAX_KEYS);
    for_each_combination(&lens[..chars.len()], MAX_KEYS, |pick| {
        let mut letters = [0; MAX_WORD_CHARS];
        for ((l, s), &i) in letters.iter_mut().zip(chars).zip(pick) {
            *l = s.letters.letters[i];
        }
        out.push(letters);
    });
    Some(out)
}

/// Calls `f` with each way to pick one of `lens[i]` things for every `i`
/// (the first of each first, the last position changing fastest), at most
/// `cap` times. Nothing when some `lens[i]` is zero. Only the first
/// [`MAX_WORD_CHARS`] lengths count: no word is longer.
fn for_each_combination(lens: &[usize], cap: usize, mut f: impl FnMut(&[usize])) {
    let lens = &lens[..lens.len().min(MAX_WORD_CHARS)];
    if lens.contains(&0) {
        return;
    }
    let mut pick = [0; MAX_WORD_CHARS];
    let pick = &mut pick[..lens.len()];
    for _ in 0..cap {
        f(pick);
        // Odometer: bump the last position that can go up, zero those after.
        let Some(i) = (0..lens.len()).rev().find(|&i| pick[i] + 1 < lens[i]) else { return };
        pick[i] += 1;
        pick[i + 1..].iter_mut().for_each(|p| *p = 0);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use proptest::prelude::*;

    use super::*;

    /// A reading in short: space-separated slots, where a Han character is
    /// itself, `b.` an initial, `pi~` a partial syllable, and `jing` a
    /// syllable.
    fn r(short: &str) -> Vec<Slot> {
        short
            .split_whitespace()
            .map(|t| match t {
                _ if t.chars().all(is_han) => Slot::Han(t.chars().next().unwrap_or('?')),
                _ if t.ends_with('.') => Slot::Initial(t.trim_end_matches('.').into()),
                _ if t.ends_with('~') => Slot::Partial(t.trim_end_matches('~').into()),
                _ => Slot::Syllable(t.into()),
            })
            .collect()
    }

    /// Text, partial_last, its first reading ("" for none at all), readings
    /// it also has, readings it never has.
    type ReadCase = (&'static str, bool, &'static str, &'static [&'static str], &'static [&'static str]);

    #[test]
    fn reads_latin_and_han_as_slots() {
        #[rustfmt::skip]
        let cases: &[ReadCase] = &[
            ("beijing", false, "bei jing", &["bei jin g.", "b. ei jing"], &[]),
            ("BeiJing", false, "bei jing", &[], &[]),
            ("bj", false, "b. j.", &[], &[]),
            ("bj", true, "b. j.", &[], &[]),
            ("xian", false, "xian", &["xi an", "xia n."], &[]),
            ("xi'an", false, "xi an", &["xi a n."], &["xian", "xia n."]),
            ("xi an", false, "xi an", &[], &["xian"]),
            ("xi\u{2019}an", false, "xi an", &[], &["xian"]),
            ("北jing", false, "北 jing", &["北 jin g."], &[]),
            ("北 jing", false, "北 jing", &[], &[]),
            ("bei京", false, "bei 京", &["b. ei 京"], &[]),
            ("刘dh", false, "刘 d. h.", &[], &[]),
            ("刘dh", true, "刘 d. h.", &[], &[]),
            ("tuopin", true, "tuo pin", &["tuo pin~", "tuo pi n.", "tu o pin~"], &["tuo pi~ n."]),
            ("tuopin", false, "tuo pin", &["tuo pi n."], &["tuo pin~"]),
            ("tuopi", true, "tuo pi", &["tuo pi~"], &[]),
            ("脱pin", true, "脱 pin", &["脱 pin~"], &[]),
            ("pin脱", true, "pin 脱", &[], &["pin~ 脱"]),
            // A partial syllable stands last or nowhere: gu is gu here.
            ("gujin", true, "gu jin", &["gu jin~"], &["gu~ jin", "gu~ jin~"]),
            ("zhon", true, "zhon~", &["zh. o n."], &[]),
            ("zhon", false, "zh. o n.", &[], &["zhon~"]),
            ("zg", false, "z. g.", &[], &[]),
            // Non-pinyin that happens to read.
            ("hello", false, "he l. lo", &["he l. l. o"], &[]),
            ("xyzq", false, "x. y. z. q.", &[], &[]),
            ("lv", false, "lv", &[], &[]),
            ("lü", false, "lv", &[], &[]),
            ("nve", false, "nve", &[], &[]),
            ("a'", false, "a", &[], &[]),
            // Unreadable: no syllable starts with i; digits and punctuation;
            // nothing Latin at all.
            ("iphone", true, "", &[], &[]),
            ("xyzq123", false, "", &[], &[]),
            ("bei-jing", false, "", &[], &[]),
            ("北京!", false, "", &[], &[]),
            ("", true, "", &[], &[]),
            (" \t'", true, "", &[], &[]),
            ("北京", true, "", &[], &[]),
        ];
        for &(text, partial, first, also, never) in cases {
            let got = read(text, partial);
            if first.is_empty() {
                assert!(got.is_empty(), "{text:?} should be unreadable, got {got:?}");
                continue;
            }
            assert_eq!(got.first(), Some(&r(first)), "first reading of {text:?} in {got:?}");
            for a in also {
                assert!(got.contains(&r(a)), "{text:?} should also read as {a:?}: {got:?}");
            }
            for n in never {
                assert!(!got.contains(&r(n)), "{text:?} should never read as {n:?}: {got:?}");
            }
        }
    }

    #[test]
    fn readings_are_ordered_and_bounded() {
        assert_eq!(read("bj", true), [r("b. j.")], "an initial is no partial syllable too");
        assert_eq!(read("刘dh", false), [r("刘 d. h.")]);
        let xian = read("xian", false);
        let pos = |short: &str| xian.iter().position(|x| *x == r(short));
        assert!(pos("xi an") < pos("xia n."), "fewer initials first: {xian:?}");
        assert!(read("xi'an", false).iter().all(|x| x.len() >= 2));
        let long = "zhonghuarenmingongheguo";
        let got = read(long, true);
        assert_eq!(got.len(), MAX_READINGS);
        assert_eq!(got[0], r("zhong hua ren min gong he guo"));
        assert!(got.windows(2).all(|w| w[0].len() <= w[1].len()));
        assert!(!read(&"a".repeat(MAX_LATIN), false).is_empty());
        assert!(read(&"a".repeat(MAX_LATIN + 1), false).is_empty());
        assert!(!read(&format!("{}b", "北".repeat(MAX_HAN)), false).is_empty());
        assert!(read(&format!("{}b", "北".repeat(MAX_HAN + 1)), false).is_empty());
    }

    #[test]
    fn one_apart_is_homophones_with_one_change() {
        let lex = lexicon();
        for word in ["制才", "经点", "具又", "词汇标", "数之", "从透", "凌趁"] {
            let one: Vec<&str> = lex.one_apart(word, 1000);
            let mut via_homophones: Vec<&str> = lex
                .homophones(word, 1000)
                .into_iter()
                .filter(|h| h.chars().zip(word.chars()).filter(|(a, b)| a != b).count() == 1)
                .collect();
            let mut sorted = one.clone();
            sorted.sort_unstable();
            via_homophones.sort_unstable();
            assert_eq!(sorted, via_homophones, "{word}");
            assert!(one.windows(2).all(|w| lex.frequency(w[0]) >= lex.frequency(w[1])), "{word}: {one:?}");
        }
        assert_eq!(lex.one_apart("制才", 1), ["制裁"]);
    }

    #[test]
    fn long_runs_split_into_the_fewest_syllables() {
        let split = |run: &str| split_syllables(run).map(|s| s.join(" "));
        #[rustfmt::skip]
        let cases: &[(&str, Option<&str>)] = &[
            ("chenguanxijijianglikaixianggang", Some("chen guan xi ji jiang li kai xiang gang")),
            ("XiAn", Some("xian")), ("fangan", Some("fang an")), ("lvse", Some("lv se")),
            ("bj", None), ("xi'an", None), ("beijing2", None), ("", None), ("北jing", None),
        ];
        for &(run, want) in cases {
            assert_eq!(split(run).as_deref(), want, "{run}");
        }
        let long = "zhonghuarenmingongheguo".repeat(20);
        assert_eq!(split_syllables(&long).map(|s| s.len()), Some(140));
    }

    #[test]
    fn syllables_are_the_typed_ones() {
        let all = syllables();
        for s in ["a", "er", "lv", "nv", "lve", "nve", "zhuang", "jiong", "yo"] {
            assert!(is_syllable(s), "{s}");
        }
        for s in ["lü", "m", "n", "ng", "hm", "hng", "ê", "v", "i", "u", "zh", "jiang'"] {
            assert!(!is_syllable(s), "{s}");
        }
        assert!((400..430).contains(&all.len()), "{} syllables", all.len());
        assert!(is_proper_prefix("zhon") && is_proper_prefix("pin") && is_proper_prefix("a"));
        assert!(!is_proper_prefix("zhuang") && !is_proper_prefix("i") && !is_proper_prefix("zhong"));
    }

    #[test]
    fn characters_fit_slots() {
        #[rustfmt::skip]
        let cases: &[(char, &str, bool)] = &[
            ('行', "hang", true), ('行', "xing", true), ('行', "yin", false), ('行', "x.", true), ('行', "h.", true),
            ('银', "yin", true), ('银', "y.", true), ('银', "yi~", true), ('银', "yin~", true), ('银', "ying", false),
            ('绿', "lv", true), ('绿', "lu", true), ('绿', "l.", true), ('女', "nv", true),
            ('中', "z.", true), ('中', "zh.", true), ('中', "zhong", true), ('中', "zhon~", true), ('中', "c.", false),
            ('字', "z.", true), ('字', "zh.", false), ('吃', "c.", true), ('吃', "ch.", true),
            ('中', "中", true), ('中', "钟", false), ('a', "a", false), ('a', "a~", false),
        ];
        for &(c, slot, want) in cases {
            let slot = r(slot).remove(0);
            assert_eq!(fits(c, &slot), want, "{c} in {slot:?}");
        }
    }

    #[test]
    fn readings_are_toneless_and_distinct() {
        assert!(readings('绿').contains(&"lv"));
        let xing = readings('行');
        assert!(xing.contains(&"xing") && xing.contains(&"hang"));
        assert_eq!(xing.len(), xing.iter().collect::<HashSet<_>>().len(), "{xing:?}");
        assert_eq!(readings('中')[0], "zhong");
        assert!(readings('a').is_empty() && readings('。').is_empty());
        assert!(!readings('欸').is_empty() && readings('欸').iter().all(|r| r.is_ascii()));
    }

    #[test]
    fn standard_characters_have_their_living_readings_only() {
        // Every line of the bundled table parses: 8,105 characters.
        assert_eq!(standard_readings().len(), 8105);
        #[rustfmt::skip]
        let cases: &[(char, &[&str])] = &[
            // The archaic readings pinyin-data also lists are gone.
            ('话', &["hua"]), ('找', &["zhao"]), ('包', &["bao"]), ('其', &["qi"]), ('古', &["gu"]),
            ('接', &["jie"]), ('隔', &["ge"]), ('不', &["bu"]), ('前', &["qian"]),
            // Polyphones keep every living reading, the commonest first.
            ('行', &["xing", "hang", "heng"]), ('长', &["zhang", "chang"]), ('重', &["zhong", "chong"]),
            ('还', &["hai", "huan"]), ('绿', &["lv", "lu"]), ('略', &["lve"]),
        ];
        for &(c, want) in cases {
            assert_eq!(readings(c), want, "{c}");
        }
        // Outside the table, pinyin-data's readings: a rare character and
        // a Traditional one.
        assert!(!standard_readings().contains_key(&'龘') && readings('龘').contains(&"da"));
        assert!(!standard_readings().contains_key(&'話') && readings('話').contains(&"hua"));
        // A malformed line is skipped, not misread.
        let table = parse_standard("# comment\n话 hua\n话话 hua\n找\n找 Zhao\n");
        assert_eq!(table.len(), 1);
        assert_eq!(&table[&'话'][..], ["hua"]);
    }

    fn lexicon() -> &'static Lexicon {
        Lexicon::get()
    }

    #[test]
    fn the_bundled_list_decodes() {
        let lex = lexicon();
        assert!(lex.len() > 340_000, "{lex:?}");
        assert_eq!(lex.frequency("北京"), Some(34488));
        assert_eq!(lex.frequency("北"), Some(17860));
        assert_eq!(lex.frequency("北京的"), None);
        assert_eq!(lex.frequency(""), None);
        assert_eq!(lex.frequency("1号店"), None, "only words of Han characters are kept");
        // Every word is found by its hash (collisions included), as itself:
        // the list has no word twice.
        for id in 0..lex.len() as u32 {
            let word = lex.word(id);
            assert_eq!(lex.frequency(word), Some(u64::from(lex.freqs[id as usize])), "{word}");
        }
        for run in lex.by_hash.chunk_by(|a, b| a.0 == b.0) {
            let words: HashSet<&str> = run.iter().map(|&(_, id)| lex.word(id)).collect();
            assert_eq!(words.len(), run.len(), "a word listed twice: {words:?}");
        }
    }

    #[test]
    fn words_fit_their_slots() {
        // slots, a word among the results, how far down it may be
        #[rustfmt::skip]
        let cases: &[(&str, &str, usize)] = &[
            ("bei jing", "北京", 0),
            ("b. j.", "北京", 0),
            ("yin hang", "银行", 0),
            ("y. h.", "银行", 5),
            ("cheng du", "成都", 1),
            ("xi an", "西安", 0),
            ("刘 德 hua", "刘德华", 0),
            ("刘 d. h.", "刘德华", 5),
            ("北 jing", "北京", 0),
            ("z. g.", "中国", 0),
            ("zhong guo", "中国", 0),
            ("jing", "经", 5),
            ("lv se", "绿色", 0),
        ];
        for &(slots, word, within) in cases {
            let got = lexicon().fitting(&r(slots), 10);
            let at = got.iter().position(|w| *w == word);
            assert!(at.is_some_and(|at| at <= within), "{word} in {got:?} for {slots}");
        }
        // Both are bei jing; 北京 is the more frequent.
        assert_eq!(lexicon().fitting(&r("bei jing"), 2), ["北京", "背景"]);
    }

    #[test]
    #[ignore = "prints samples to look at"]
    fn samples() {
        let lex = lexicon();
        for (text, partial) in [("xian", false), ("tuopin", true), ("bj", false), ("刘dh", false), ("jing", false)] {
            for reading in read(text, partial).into_iter().take(3) {
                println!("{text} {reading:?}: fitting {:?}", lex.fitting(&reading, 8));
                println!("{text} {reading:?}: starting_with {:?}", lex.starting_with(&reading, 8));
            }
        }
        for w in ["制才", "张芸", "银行", "经典", "景点", "刘德话"] {
            println!("homophones {w}: {:?}", lex.homophones(w, 10));
        }
    }

    #[test]
    fn lookups_find_what_a_scan_of_every_word_finds() {
        let lex = lexicon();
        // The 8 words with more first-letter combinations than MAX_KEYS are
        // found by some of their readings only, by design: left out here.
        let capped = |w: &str| {
            let letters = |c: char| readings(c).iter().map(|r| r.as_bytes()[0]).collect::<HashSet<u8>>().len();
            w.chars().map(|c| letters(c).max(1)).product::<usize>() > MAX_KEYS
        };
        let no_reading = (0..lex.len() as u32)
            .flat_map(|id| lex.word(id).chars())
            .find(|&c| readings(c).is_empty())
            .expect("a character without a reading");
        let mut rows: Vec<Vec<Slot>> = [
            "b. j.",
            "jing ji",
            "t.",
            "tuo pin~",
            "xi an",
            "中 g.",
            "z. g.",
            "zh. g.",
            "s. h.",
            "n.",
            "n",
            "ng",
            "lv",
            "lü",
            "h. h. h. h.",
            "y. h.",
            "jin g.",
            "g. ji",
            "shi",
            "a~",
            "zhuang",
        ]
        .iter()
        .map(|s| r(s))
        .collect();
        rows.push(vec![Slot::Initial(String::new()), Slot::Syllable("jing".into())]);
        rows.push(vec![Slot::Partial(String::new())]);
        rows.push(vec![Slot::Han(no_reading)]);
        rows.push(vec![Slot::Han(no_reading), Slot::Initial("d".into())]);
        rows.push(vec![Slot::Initial("d".into()), Slot::Han(no_reading)]);
        for slots in &rows {
            for exact in [true, false] {
                let mut scan = (0..lex.len() as u32).map(|id| lex.word(id)).filter(|w| {
                    let n = w.chars().count();
                    (if exact { n == slots.len() } else { n >= slots.len() })
                        && w.chars().zip(slots).all(|(c, s)| fits(c, s))
                        && !capped(w)
                });
                let want: Vec<&str> = scan.by_ref().take(300).collect();
                let got = if exact { lex.fitting(slots, 300) } else { lex.starting_with(slots, 300) };
                let got: Vec<&str> = got.into_iter().filter(|w| !capped(w)).collect();
                assert_eq!(got, want, "{slots:?}, exact {exact}");
            }
        }
        // A capped word is found by a reading among its first combinations.
        assert!(lex.fitting(&r("ha ha ha ha"), 10).contains(&"哈哈哈哈"));
    }

    #[test]
    fn no_word_has_more_keys_than_the_cap() {
        let lex = lexicon();
        let mut per_word = vec![0usize; lex.len()];
        for &key in &lex.keys {
            per_word[key as u32 as usize] += 1;
        }
        let most = per_word.iter().copied().max().unwrap_or(0);
        assert!(most < MAX_SOUND_KEYS, "a word has {most} keys");
        assert!(per_word.iter().all(|&n| n > 0), "every word has a key");
        let all: HashSet<&str> = ('\u{4E00}'..='\u{9FFF}').flat_map(readings).collect();
        assert!(lex.sounds.len() > 400 && lex.sounds.iter().all(|r| all.contains(r)), "{:?}", lex.sounds);
        let per_letter = lex.starts.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0);
        assert!(per_letter < READINGS_PER_LETTER, "no reading dropped: {per_letter} of one letter");
    }

    #[test]
    fn lookups_are_ordered_and_limited() {
        let lex = lexicon();
        for slots in ["b. j.", "t.", "yin hang", "x."] {
            for got in [lex.fitting(&r(slots), 50), lex.starting_with(&r(slots), 50)] {
                assert!(got.len() <= 50);
                let key = |w: &&str| (std::cmp::Reverse(lex.frequency(w)), w.to_string());
                assert!(got.windows(2).all(|p| key(&p[0]) < key(&p[1])), "{slots}: {got:?}");
            }
        }
        assert_eq!(lex.fitting(&r("b. j."), 3), lex.fitting(&r("b. j."), 50)[..3]);
        assert!(lex.fitting(&[], 10).is_empty() && lex.starting_with(&[], 10).is_empty());
        assert!(lex.fitting(&r("b. j."), 0).is_empty());
        assert!(lex.fitting(&r("a a a a a a a a a"), 10).is_empty(), "longer than any word");
        assert!(lex.fitting(&[Slot::Syllable(String::new())], 10).is_empty());
        assert!(lex.fitting(&[Slot::Syllable("ü".into())], 10).is_empty());
        assert!(lex.fitting(&[Slot::Initial("B".into())], 10).is_empty(), "slots are lowercase");
    }

    #[test]
    fn completions_narrow_as_the_prefix_grows() {
        let lex = lexicon();
        let got = lex.starting_with(&r("tuo pin~"), 50);
        assert!(got.contains(&"脱贫") && got.contains(&"脱贫致富"), "{got:?}");
        assert!(lex.starting_with(&r("脱 pin~"), 10).contains(&"脱贫致富"));
        assert!(lex.starting_with(&r("t. p. z."), 50).contains(&"脱贫致富"));
        let chain = ["t.", "tuo", "tuo p.", "tuo pi~", "tuo pin~", "tuo pin", "tuo pin zhi", "脱 贫 zhi f."];
        let sets: Vec<HashSet<&str>> =
            chain.iter().map(|s| lex.starting_with(&r(s), usize::MAX).into_iter().collect()).collect();
        for (pair, names) in sets.windows(2).zip(chain.windows(2)) {
            assert!(pair[1].is_subset(&pair[0]), "{} is not within {}", names[1], names[0]);
            assert!(!pair[1].is_empty(), "{}", names[1]);
        }
        assert!(lex.starting_with(&r("tuo pin"), 10).iter().all(|w| w.chars().count() >= 2));
    }

    #[test]
    fn homophones_sound_the_same() {
        let lex = lexicon();
        assert!(lex.homophones("制才", 10).contains(&"制裁"));
        assert!(!lex.homophones("张芸", 100).contains(&"张芸"));
        let bank = lex.homophones("银行", 100);
        assert!(!bank.contains(&"银行"));
        for w in &bank {
            assert_eq!(w.chars().count(), 2);
            assert!(w.chars().zip("银行".chars()).all(|(a, b)| readings(a).iter().any(|r| readings(b).contains(r))));
        }
        // Three characters: one or two may differ, never all three.
        let hua = lex.homophones("刘德话", 100);
        assert!(hua.contains(&"刘德华"), "{hua:?}");
        assert!(hua.iter().all(|w| w.chars().zip("刘德话".chars()).filter(|(a, b)| a != b).count() <= 2));
        assert!(lex.homophones("", 10).is_empty() && lex.homophones("abc", 10).is_empty());
        assert!(lex.homophones("制才", 0).is_empty());
    }

    #[test]
    fn a_list_keeps_words_of_han_and_the_higher_of_two_frequencies() {
        let lex = Lexicon::from_list("北京 5\n北京 9 ns\n1号店 3\n北 x\n\n京 7\r\n背景 9\n一二三四五六七八九 1\n");
        assert_eq!(lex.len(), 3);
        assert_eq!(lex.frequency("京"), Some(7));
        assert_eq!(lex.frequency("北京"), Some(9));
        assert_eq!(lex.fitting(&r("b. j."), 10), ["北京", "背景"], "ties go by the word");
        assert_eq!(lex.frequency("北"), None);
        assert!(Lexicon::from_list("").fitting(&r("b. j."), 10).is_empty());
    }

    /// Prints what the lexicon costs; `cargo test --release --lib
    /// pinyin::tests::costs -- --ignored --nocapture`.
    #[test]
    #[ignore = "a measurement, not a test"]
    fn costs() {
        use std::time::Instant;
        let t = Instant::now();
        let syllables = syllables().len();
        println!("syllables: {:?} ({syllables})", t.elapsed());
        let t = Instant::now();
        let lex = lexicon();
        let build = t.elapsed();
        let t = Instant::now();
        let jieba = jieba_rs::Jieba::new();
        let jieba_load = t.elapsed();
        println!("build: {build:?}, {lex:?}; jieba's own load: {jieba_load:?}");
        drop(jieba);
        let time = |name: &str, f: &dyn Fn() -> usize| {
            let runs = 200;
            let t = Instant::now();
            let mut n = 0;
            for _ in 0..runs {
                n = f();
            }
            let each = t.elapsed() / runs;
            println!("{name}: {each:?} ({n} words; build = {:.0} of these)", build.as_secs_f64() / each.as_secs_f64());
        };
        time("read tuopingongjian", &|| read("tuopingongjian", true).len());
        time("fitting bj", &|| lex.fitting(&r("b. j."), 20).len());
        time("fitting xian", &|| lex.fitting(&r("xian"), 20).len());
        time("fitting xi an", &|| lex.fitting(&r("xi an"), 20).len());
        time("fitting yin hang", &|| lex.fitting(&r("yin hang"), 20).len());
        time("starting_with tuo pin~", &|| lex.starting_with(&r("tuo pin~"), 20).len());
        time("starting_with t.", &|| lex.starting_with(&r("t."), 20).len());
        time("starting_with t. (all)", &|| lex.starting_with(&r("t."), usize::MAX).len());
        time("homophones 制才", &|| lex.homophones("制才", 20).len());
        time("homophones 刘德话", &|| lex.homophones("刘德话", 20).len());
        let over = lex.keys.len() as f64 / lex.len() as f64;
        println!("keys per word: {over:.2}");
    }

    fn mixed() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                4 => proptest::char::range('a', 'z'),
                1 => proptest::char::range('A', 'Z'),
                1 => Just('\''),
                1 => Just(' '),
                1 => proptest::sample::select(vec!['北', '京', '脱', '贫', '刘', '行', '中', '𠀀', '〇', 'ü']),
            ],
            0..24,
        )
        .prop_map(|cs| cs.into_iter().collect())
    }

    fn check_readings(text: &str, partial: bool) -> Result<(), TestCaseError> {
        let got = read(text, partial);
        prop_assert!(got.len() <= MAX_READINGS);
        prop_assert_eq!(got.len(), got.iter().collect::<HashSet<_>>().len(), "duplicates");
        for pair in got.windows(2) {
            prop_assert!(pair[0].len() <= pair[1].len(), "fewest slots first");
        }
        for reading in &got {
            prop_assert!(!reading.is_empty());
            let partials: Vec<usize> = (0..reading.len()).filter(|&i| reading[i].is_partial()).collect();
            prop_assert!(partials.len() <= usize::from(partial));
            prop_assert!(partials.iter().all(|&i| i + 1 == reading.len()), "{:?}", reading);
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn read_never_panics(text in any::<String>(), partial in any::<bool>()) {
            check_readings(&text, partial)?;
        }

        #[test]
        fn readings_are_well_formed(text in mixed(), partial in any::<bool>()) {
            check_readings(&text, partial)?;
            let han: Vec<char> = text.chars().filter(|&c| is_han(c)).collect();
            for reading in read(&text, partial) {
                let kept: Vec<char> =
                    reading.iter().filter_map(|s| if let Slot::Han(c) = s { Some(*c) } else { None }).collect();
                prop_assert_eq!(&kept, &han, "the Han characters, in order");
            }
        }

        #[test]
        fn found_words_fit(text in mixed(), partial in any::<bool>()) {
            let lex = lexicon();
            for reading in read(&text, partial).into_iter().take(4) {
                for w in lex.fitting(&reading, 20) {
                    prop_assert_eq!(w.chars().count(), reading.len());
                    prop_assert!(w.chars().zip(&reading).all(|(c, s)| fits(c, s)), "{} for {:?}", w, reading);
                }
                for w in lex.starting_with(&reading, 20) {
                    prop_assert!(w.chars().count() >= reading.len());
                    prop_assert!(w.chars().zip(&reading).all(|(c, s)| fits(c, s)), "{} for {:?}", w, reading);
                }
            }
        }
    }
}
