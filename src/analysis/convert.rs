//! Stage 2: Traditional → Simplified conversion with OpenCC (`t2s`), behind a fast path.
//!
//! Most text is Simplified already, and OpenCC costs far more than the rest
//! of the pipeline, so a line is handed to OpenCC only when it contains a
//! character OpenCC could change. That set of characters is not written by
//! hand: it is read off the very dictionaries OpenCC converts with
//! (`TSCharacters` and `TSPhrases`), through OpenCC's own C++ API, when the
//! first analyzer of the process is built:
//!
//! - every character whose `TSCharacters` entry differs from it, and
//! - every phrase whose conversion changes a character that does not change
//!   on its own: `藉` stays `藉`, but `藉以` becomes `借以`. Converting every
//!   character alone would never show that. Such phrases are looked for as
//!   substrings, keyed by their first character, rather than putting their
//!   characters in the set: `么麽` → `幺麽` must not send every `什么` to
//!   OpenCC.
//!
//! That makes the fast path exact: OpenCC only ever replaces a dictionary
//! key by its value, and a line with none of those characters and none of
//! those phrases contains no key whose value differs from it.
//!
//! OpenCC's `t2s` is not idempotent: `乾縣` becomes `乾县` (the county keeps
//! its 乾 inside the phrase), but `乾县` becomes `干县`, because the phrase
//! is keyed on the Traditional 縣. Indexing one pass would make the
//! Traditional page and a Simplified query disagree, so conversion repeats
//! until the text stops changing (at most [`MAX_PASSES`] passes; OpenCC's
//! dictionaries settle after two). Every text then converts to the same
//! thing as its own OpenCC conversion does.
//!
//! Text the fast path does not let through is converted the way OpenCC's
//! `t2s` converts it, with OpenCC's own dictionaries, but in Rust: OpenCC
//! segments text by the longest `TSPhrases` key at each position and
//! converts each matched phrase to its value and every other character by
//! `TSCharacters`; [`Converter`] does exactly that. Calling OpenCC itself
//! costs a C string per call and converts at about 7 MB/s, which made
//! Traditional text five times slower to index than Simplified. OpenCC
//! stays the reference: [`Converter::convert_full`] runs the real library,
//! and the tests compare the two on every corpus (the seeds, the Tang
//! poems, both sides of the LibreOffice help, the People's Daily).
//!
//! The rest of the pipeline needs to know, for each converted character,
//! which original character it came from. Nearly every entry maps one
//! character to one character; where a phrase's value has a different
//! length, each output character points at the key character in the same
//! place (the last one, past the key's end), see [`Converted`].

use rustc_hash::FxHashMap;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use opencc_rust::{DefaultConfig, OpenCC};

use crate::error::{Error, Result};

/// The most OpenCC passes one text gets while converging (module docs).
pub const MAX_PASSES: usize = 4;

/// One bit per Unicode scalar value.
const BITSET_WORDS: usize = 0x110000 / 64;

/// Text after conversion, with the way back to the input's characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Converted {
    /// The converted text.
    pub text: String,
    /// For each character of `text`, the index of the input character it
    /// came from; `None` when that is the identity (the common case).
    pub source: Option<Vec<u32>>,
}

/// A dictionary entry: key, and the value OpenCC converts it to.
type Entry = (Box<str>, Box<str>);

/// The OpenCC `t2s` converter and its fast-path set. One per process.
pub struct Converter {
    opencc: OpenCC,
    /// Bit `c` is set when OpenCC changes character `c` on its own.
    changes: Vec<u64>,
    /// Bit `c` is set when a context-only phrase starts with `c`.
    phrase_starts: Vec<u64>,
    /// Context-only phrases (see the module docs), by first character.
    phrases: FxHashMap<char, Vec<Box<str>>>,
    /// `TSCharacters`: every character that changes, and its value.
    char_values: FxHashMap<char, Box<str>>,
    /// Bit `c` is set when some `TSPhrases` key starts with `c`.
    any_phrase_starts: Vec<u64>,
    /// `TSPhrases`: (key, value) by first character, longest key first.
    phrase_values: FxHashMap<char, Vec<Entry>>,
}

impl std::fmt::Debug for Converter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Converter")
            .field("changing_chars", &self.changing_char_count())
            .field("context_phrases", &self.context_phrase_count())
            .finish()
    }
}

static SHARED: OnceLock<std::result::Result<Arc<Converter>, String>> = OnceLock::new();

impl Converter {
    /// The process-wide converter, built on first use.
    ///
    /// Building it (OpenCC's dictionaries plus the fast-path probe) is done
    /// once; every analyzer shares it.
    pub fn shared() -> Result<Arc<Converter>> {
        SHARED.get_or_init(|| Converter::build().map(Arc::new)).clone().map_err(Error::OpenCc)
    }

    fn build() -> std::result::Result<Converter, String> {
        open_t2s()
    }

    /// How many characters OpenCC changes on their own.
    pub fn changing_char_count(&self) -> usize {
        self.changes.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// How many phrases change a character only in context.
    pub fn context_phrase_count(&self) -> usize {
        self.phrases.values().map(Vec::len).sum()
    }

    /// Whether OpenCC changes `c` on its own.
    #[inline]
    pub fn changes(&self, c: char) -> bool {
        bit(&self.changes, c)
    }

    /// Whether the fast path lets `text` through unconverted.
    pub fn is_unchanged(&self, text: &str) -> bool {
        for (i, c) in text.char_indices() {
            // Nothing in OpenCC's t2s dictionaries starts with ASCII.
            if c.is_ascii() {
                continue;
            }
            if self.changes(c) {
                return false;
            }
            if bit(&self.phrase_starts, c) {
                let rest = &text[i..];
                if self.phrases.get(&c).is_some_and(|ps| ps.iter().any(|p| rest.starts_with(&**p))) {
                    return false;
                }
            }
        }
        true
    }

    /// One plain pass of OpenCC `t2s` over `text`, as any other OpenCC
    /// user would convert it.
    pub fn opencc_t2s(&self, text: &str) -> String {
        if text.contains('\0') {
            // OpenCC takes C strings; convert around the NULs.
            return text.split('\0').map(|part| self.opencc.convert(part)).collect::<Vec<_>>().join("\0");
        }
        self.opencc.convert(text)
    }

    /// OpenCC's conversion of `text` repeated until it settles (module
    /// docs), without the fast path. This is the reference the fast path is
    /// tested against.
    pub fn convert_full(&self, text: &str) -> String {
        let mut current = self.opencc_t2s(text);
        for _ in 1..MAX_PASSES {
            let next = self.opencc_t2s(&current);
            if next == current {
                break;
            }
            current = next;
        }
        current
    }

    /// Converts `text` (which must not contain NUL; normalization removes
    /// it) until it settles, skipping OpenCC for every line the fast path
    /// allows.
    pub fn convert(&self, text: &str) -> Converted {
        let mut current = self.convert_pass(text);
        for _ in 1..MAX_PASSES {
            if self.is_unchanged(&current.text) {
                break;
            }
            let next = self.convert_pass(&current.text);
            if next.text == current.text {
                break;
            }
            current = Converted { source: compose(current.source.as_deref(), next.source), text: next.text };
        }
        current
    }

    /// One pass of [`Converter::convert`]: OpenCC's `t2s` algorithm over
    /// OpenCC's dictionaries (module docs).
    fn convert_pass(&self, text: &str) -> Converted {
        if self.is_unchanged(text) {
            return Converted { text: text.to_owned(), source: None };
        }
        let mut out = String::with_capacity(text.len() + 8);
        let mut source: Vec<u32> = Vec::with_capacity(text.len() / 2);
        let mut aligned = true;
        let mut index = 0u32;
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            let phrase = if bit(&self.any_phrase_starts, c) {
                self.phrase_values.get(&c).and_then(|ps| ps.iter().find(|(key, _)| rest.starts_with(&**key)))
            } else {
                None
            };
            let (key_len, key_chars, value) = match phrase {
                Some((key, value)) => (key.len(), key.chars().count() as u32, &**value),
                None => {
                    let mut buf = [0u8; 4];
                    let value = match self.char_values.get(&c) {
                        Some(v) => &**v,
                        None => &*c.encode_utf8(&mut buf),
                    };
                    out.push_str(value);
                    let n = value.chars().count() as u32;
                    source.extend(std::iter::repeat_n(index, n as usize));
                    aligned &= n == 1;
                    index += 1;
                    rest = &rest[c.len_utf8()..];
                    continue;
                }
            };
            out.push_str(value);
            let value_chars = value.chars().count() as u32;
            aligned &= value_chars == key_chars;
            source.extend((0..value_chars).map(|k| index + k.min(key_chars - 1)));
            index += key_chars;
            rest = &rest[key_len..];
        }
        Converted { text: out, source: if aligned { None } else { Some(source) } }
    }
}

/// The source map of two passes in a row: `second` maps the second
/// output's characters to the first output's, `first` maps those to the
/// input's.
fn compose(first: Option<&[u32]>, second: Option<Vec<u32>>) -> Option<Vec<u32>> {
    match (first, second) {
        (None, second) => second,
        (Some(first), None) => Some(first.to_vec()),
        (Some(first), Some(second)) => {
            // Every index in `second` is a character of the first output, so
            // it is in range of `first`; the fallback only guards the type.
            Some(second.into_iter().map(|i| first.get(i as usize).copied().unwrap_or(i)).collect())
        }
    }
}

/// Opens OpenCC's `t2s` configuration from the dictionaries compiled into
/// opencc-rust, so nothing has to be installed at run time, and reads the
/// fast-path set off the same dictionaries.
fn open_t2s() -> std::result::Result<Converter, String> {
    // opencc-rust's static dictionaries are written to a directory and
    // opened from there; OpenCC reads them into memory when it opens, so
    // the directory is removed right after. A private directory per
    // process keeps concurrent processes from racing on the files.
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let dir = std::env::temp_dir().join(format!("zhsearch-opencc-{}-{nanos}", std::process::id()));
    let result = open_t2s_in(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn open_t2s_in(dir: &Path) -> std::result::Result<Converter, String> {
    opencc_rust::generate_static_dictionary(dir, DefaultConfig::T2S)
        .map_err(|e| format!("cannot write dictionaries to {}: {e}", dir.display()))?;
    let config = dir.join(DefaultConfig::T2S.get_file_name());
    // opencc-rust panics on a path that is not UTF-8; refuse it first.
    if config.to_str().is_none() {
        return Err(format!("temporary directory is not UTF-8: {}", dir.display()));
    }
    let opencc = OpenCC::new(&config).map_err(|e| format!("cannot open {}: {e}", config.display()))?;
    let mut changes = vec![0u64; BITSET_WORDS];
    let mut char_values: FxHashMap<char, Box<str>> = FxHashMap::default();
    for (key, value) in lexicon::read(&dir.join("TSCharacters.ocd2"))? {
        let mut chars = key.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            if key != value && !value.is_empty() {
                set_bit(&mut changes, c);
                char_values.insert(c, value.into_boxed_str());
            }
        }
    }
    let mut phrase_starts = vec![0u64; BITSET_WORDS];
    let mut phrases: FxHashMap<char, Vec<Box<str>>> = FxHashMap::default();
    let mut any_phrase_starts = vec![0u64; BITSET_WORDS];
    let mut phrase_values: FxHashMap<char, Vec<Entry>> = FxHashMap::default();
    for (key, value) in lexicon::read(&dir.join("TSPhrases.ocd2"))? {
        let Some(first) = key.chars().next() else { continue };
        if changes_only_in_context(&key, &value, &changes) {
            set_bit(&mut phrase_starts, first);
            phrases.entry(first).or_default().push(key.clone().into_boxed_str());
        }
        if value.is_empty() {
            continue;
        }
        // OpenCC segments by every key, changing or not: a phrase that
        // keeps its characters still shields them from TSCharacters.
        set_bit(&mut any_phrase_starts, first);
        phrase_values.entry(first).or_default().push((key.into_boxed_str(), value.into_boxed_str()));
    }
    for candidates in phrase_values.values_mut() {
        // Longest match first, as OpenCC's MatchPrefix.
        candidates.sort_by_key(|(key, _)| std::cmp::Reverse(key.len()));
    }
    Ok(Converter { opencc, changes, phrase_starts, phrases, char_values, any_phrase_starts, phrase_values })
}

/// Whether converting phrase `key` to `value` changes something that the
/// character set `changes` does not already announce.
fn changes_only_in_context(key: &str, value: &str, changes: &[u64]) -> bool {
    if key == value {
        return false;
    }
    if key.chars().count() != value.chars().count() {
        return !key.chars().any(|c| bit(changes, c));
    }
    key.chars().zip(value.chars()).any(|(k, v)| k != v && !bit(changes, k))
}

#[inline]
fn bit(bits: &[u64], c: char) -> bool {
    bits[(c as u32 / 64) as usize] & (1 << (c as u32 % 64)) != 0
}

fn set_bit(bits: &mut [u64], c: char) {
    bits[(c as u32 / 64) as usize] |= 1 << (c as u32 % 64);
}

/// The entries of an OpenCC `.ocd2` dictionary, read by the C++ shim in
/// `opencc_lexicon.cpp`.
pub(crate) mod lexicon {
    use std::ffi::{c_char, c_int, c_void, CString};
    use std::path::Path;

    type Emit = extern "C" fn(*mut c_void, *const c_char, usize, *const c_char, usize);

    extern "C" {
        fn zhsearch_opencc_lexicon(path: *const c_char, all_values: c_int, ctx: *mut c_void, emit: Emit) -> c_int;
    }

    extern "C" fn collect(
        ctx: *mut c_void,
        key: *const c_char,
        key_len: usize,
        value: *const c_char,
        value_len: usize,
    ) {
        // SAFETY: `ctx` is the `Vec` passed to `read` below, alive for the
        // whole call; the shim passes pointers to `len` valid bytes.
        let (entries, key, value) = unsafe {
            (
                &mut *(ctx as *mut Vec<(String, String)>),
                std::slice::from_raw_parts(key as *const u8, key_len),
                std::slice::from_raw_parts(value as *const u8, value_len),
            )
        };
        entries.push((String::from_utf8_lossy(key).into_owned(), String::from_utf8_lossy(value).into_owned()));
    }

    /// Every (key, default value) pair of the dictionary at `path`.
    pub(super) fn read(path: &Path) -> Result<Vec<(String, String)>, String> {
        read_values(path, false)
    }

    /// Every (key, value) pair of the dictionary at `path`: one per value
    /// with `all_values`, else one per key, with its default value.
    pub(crate) fn read_values(path: &Path, all_values: bool) -> Result<Vec<(String, String)>, String> {
        let c_path = path
            .to_str()
            .and_then(|p| CString::new(p).ok())
            .ok_or_else(|| format!("unusable dictionary path {}", path.display()))?;
        let mut entries: Vec<(String, String)> = Vec::new();
        // SAFETY: the path is a valid C string; `collect` matches `Emit` and
        // only touches `entries` through `ctx`.
        let status = unsafe {
            zhsearch_opencc_lexicon(
                c_path.as_ptr(),
                c_int::from(all_values),
                &mut entries as *mut _ as *mut c_void,
                collect,
            )
        };
        match status {
            0 => Ok(entries),
            -1 => Err(format!("cannot open {}", path.display())),
            _ => Err(format!("OpenCC cannot read the dictionary {}", path.display())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conv() -> Arc<Converter> {
        Converter::shared().expect("OpenCC available")
    }

    #[test]
    fn converts_traditional_and_leaves_simplified() {
        let c = conv();
        let cases = [
            ("貧困縣", "贫困县"),
            ("浙江新聞客戶端", "浙江新闻客户端"),
            ("乾燥", "干燥"),
            ("乾隆", "乾隆"),
            ("贫困县", "贫困县"),
            ("abc 123", "abc 123"),
            ("", ""),
        ];
        for (input, want) in cases {
            assert_eq!(c.convert(input).text, want, "convert({input:?})");
            assert_eq!(c.convert_full(input), want, "convert_full({input:?})");
        }
    }

    #[test]
    fn fast_path_set_holds_traditional_chars_only() {
        let c = conv();
        for ch in ['貧', '縣', '聞', '乾', '戶'] {
            assert!(c.changes(ch), "{ch} should be in the fast-path set");
        }
        for ch in ['贫', '县', '闻', 'a', '，', '的', '借', '藉', '么'] {
            assert!(!c.changes(ch), "{ch} should not be in the fast-path set");
        }
        // 藉 changes only inside phrases (藉以 → 借以): the phrase, not the
        // character, sends text to OpenCC.
        assert_eq!(c.convert_full("藉以"), "借以");
        assert!(!c.is_unchanged("他藉以窥知"));
        assert!(c.is_unchanged("凭藉"), "{:?}", c.convert_full("凭藉"));
        assert!(c.is_unchanged("什么"));
        assert!(c.context_phrase_count() > 0);
        let n = c.changing_char_count();
        assert!((2_000..10_000).contains(&n), "{n} changing characters");
    }

    #[test]
    fn every_char_opencc_changes_alone_is_in_the_set() {
        // The set comes from the dictionaries; cross-check it against
        // OpenCC's behaviour by converting every BMP and supplementary
        // ideograph once (a line break between them, which no phrase spans).
        let c = conv();
        let candidates: Vec<char> = (0x80..0x32400).filter_map(char::from_u32).filter(|ch| !ch.is_control()).collect();
        let probe: String = candidates.iter().flat_map(|&ch| [ch, '\n']).collect();
        let converted = c.convert_full(&probe);
        let lines: Vec<&str> = converted.split('\n').collect();
        assert_eq!(lines.len(), candidates.len() + 1);
        let mut missing = Vec::new();
        for (ch, line) in candidates.iter().zip(&lines) {
            if *line != ch.to_string() && !c.changes(*ch) {
                missing.push(*ch);
            }
        }
        assert!(missing.is_empty(), "changed by OpenCC but not in the set: {missing:?}");
    }

    #[test]
    fn simplified_text_takes_the_fast_path() {
        let c = conv();
        assert!(c.is_unchanged("东西部协作,干部交流激活了什么"));
        assert!(!c.is_unchanged("貧困縣逐一清零"));
        let out = c.convert("贫困县\n貧困縣\n");
        assert_eq!(out.text, "贫困县\n贫困县\n");
        assert_eq!(out.source, None);
    }

    #[test]
    fn conversion_settles_where_one_opencc_pass_does_not() {
        let c = conv();
        // One pass keeps 乾 inside the Traditional place name; a second
        // pass over that output changes it. Both scripts must meet.
        assert_eq!(c.opencc_t2s("乾縣"), "乾县");
        assert_eq!(c.opencc_t2s("乾县"), "干县");
        assert_eq!(c.convert("乾縣").text, "干县");
        assert_eq!(c.convert_full("乾縣"), "干县");
        assert_eq!(c.convert("乾县").text, c.convert("乾縣").text);
        // Phrases that keep 乾 are already settled.
        assert_eq!(c.convert("乾隆").text, "乾隆");
    }

    #[test]
    fn composed_maps_point_at_the_input() {
        assert_eq!(compose(None, None), None);
        assert_eq!(compose(Some(&[0, 0, 1]), None), Some(vec![0, 0, 1]));
        assert_eq!(compose(None, Some(vec![0, 1, 1])), Some(vec![0, 1, 1]));
        assert_eq!(compose(Some(&[0, 2, 3]), Some(vec![0, 1, 1, 2])), Some(vec![0, 2, 2, 3]));
    }

    #[test]
    fn nul_does_not_reach_opencc() {
        let c = conv();
        assert_eq!(c.convert_full("貧\0困"), "贫\0困");
    }
}
