//! Stage 2: Traditional → Simplified conversion with OpenCC (`t2s`), behind a fast path.
//!
//! Most text is Simplified already, and OpenCC costs far more than the rest
//! of the pipeline, so a line is handed to OpenCC only when it contains a
//! character OpenCC would change. That set of characters is not written by
//! hand: it is read off OpenCC itself, by converting every Han ideograph
//! (and the rest of the Basic Multilingual Plane) once, when the first
//! analyzer of the process is built.
//!
//! Conversion works line by line because OpenCC's phrase dictionary never
//! spans a line break, so converting lines one at a time gives exactly what
//! converting the whole text gives.
//!
//! The rest of the pipeline needs to know, for each converted character,
//! which original character it came from. OpenCC nearly always maps one
//! character to one character; when a line comes back with a different
//! character count, that line is converted again piece by piece (see
//! [`Converted`]) so that the alignment is still exact.

use std::sync::{Arc, OnceLock};

use opencc_rust::{DefaultConfig, OpenCC};

use crate::error::{Error, Result};

/// Code points checked when the fast-path set is built: the whole BMP and
/// the supplementary ideographic planes (extensions B to H).
const PROBE_LIMIT: u32 = 0x32400;

/// Text after conversion, with the way back to the input's characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Converted {
    /// The converted text.
    pub text: String,
    /// For each character of `text`, the index of the input character it
    /// came from; `None` when that is the identity (the common case).
    pub source: Option<Vec<u32>>,
}

/// The OpenCC `t2s` converter and its fast-path set. One per process.
pub struct Converter {
    opencc: OpenCC,
    /// Bit `c` is set when OpenCC changes character `c` on its own.
    changes: Vec<u64>,
}

impl std::fmt::Debug for Converter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Converter").field("changing_chars", &self.changing_char_count()).finish()
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
        let opencc = open_t2s()?;
        let changes = probe_changing_chars(&opencc);
        Ok(Converter { opencc, changes })
    }

    /// How many characters OpenCC changes on their own.
    pub fn changing_char_count(&self) -> usize {
        self.changes.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Whether OpenCC would change `c` (on its own).
    #[inline]
    pub fn changes(&self, c: char) -> bool {
        let i = c as u32;
        i < PROBE_LIMIT && self.changes[(i / 64) as usize] & (1 << (i % 64)) != 0
    }

    /// Whether the fast path lets `text` through unconverted.
    pub fn is_unchanged(&self, text: &str) -> bool {
        // Every character OpenCC changes is outside ASCII.
        !text.chars().any(|c| !c.is_ascii() && self.changes(c))
    }

    /// OpenCC's own conversion of `text`, without the fast path. This is
    /// the reference the fast path is tested against.
    pub fn convert_full(&self, text: &str) -> String {
        if text.contains('\0') {
            // OpenCC takes C strings; convert around the NULs.
            return text.split('\0').map(|part| self.opencc.convert(part)).collect::<Vec<_>>().join("\0");
        }
        self.opencc.convert(text)
    }

    /// Converts `text` (which must not contain NUL; normalization removes
    /// it), skipping OpenCC for every line the fast path allows.
    pub fn convert(&self, text: &str) -> Converted {
        if self.is_unchanged(text) {
            return Converted { text: text.to_owned(), source: None };
        }
        let mut out = String::with_capacity(text.len() + 8);
        let mut source: Option<Vec<u32>> = None;
        let mut char_base = 0u32;
        for line in text.split_inclusive('\n') {
            let line_chars = line.chars().count() as u32;
            let before = out.len();
            if self.is_unchanged(line) {
                out.push_str(line);
            } else {
                out.push_str(&self.opencc.convert(line));
            }
            let out_line = &out[before..];
            let out_chars = out_line.chars().count() as u32;
            if out_chars == line_chars && source.is_none() {
                char_base += line_chars;
                continue;
            }
            // From here on an explicit map is needed: start it with the
            // identity for everything converted so far.
            let map = source.get_or_insert_with(|| (0..char_base).collect());
            if out_chars == line_chars {
                map.extend(char_base..char_base + line_chars);
            } else {
                out.truncate(before);
                self.convert_piecewise(line, char_base, &mut out, map);
            }
            char_base += line_chars;
        }
        Converted { text: out, source }
    }

    /// Converts a line whose character count OpenCC changes: word by word
    /// (runs between spaces and punctuation), and character by character
    /// for a word that still changes length, so each output character has
    /// exactly one source character.
    fn convert_piecewise(&self, line: &str, char_base: u32, out: &mut String, map: &mut Vec<u32>) {
        let mut index = char_base;
        let chars: Vec<char> = line.chars().collect();
        let mut start = 0;
        while start < chars.len() {
            let is_sep = !chars[start].is_alphanumeric();
            let mut end = start + 1;
            while end < chars.len() && chars[end].is_alphanumeric() != is_sep {
                end += 1;
            }
            let piece: String = chars[start..end].iter().collect();
            let converted = if self.is_unchanged(&piece) { piece.clone() } else { self.opencc.convert(&piece) };
            if converted.chars().count() == end - start {
                out.push_str(&converted);
                map.extend(index..index + (end - start) as u32);
            } else {
                for (k, c) in chars[start..end].iter().enumerate() {
                    let mut buf = [0u8; 4];
                    let one = c.encode_utf8(&mut buf);
                    let conv = if self.changes(*c) { self.opencc.convert(&*one) } else { one.to_owned() };
                    for _ in conv.chars() {
                        map.push(index + k as u32);
                    }
                    out.push_str(&conv);
                }
            }
            index += (end - start) as u32;
            start = end;
        }
    }
}

/// Opens OpenCC's `t2s` configuration from the dictionaries compiled into
/// opencc-rust, so nothing has to be installed at run time.
fn open_t2s() -> std::result::Result<OpenCC, String> {
    // opencc-rust's static dictionaries are written to a directory and
    // opened from there; OpenCC reads them into memory when it opens, so
    // the directory is removed right after. A private directory per
    // process keeps concurrent processes from racing on the files.
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let dir = std::env::temp_dir().join(format!("zhsearch-opencc-{}-{nanos}", std::process::id()));
    opencc_rust::generate_static_dictionary(&dir, DefaultConfig::T2S)
        .map_err(|e| format!("cannot write dictionaries to {}: {e}", dir.display()))?;
    let config = dir.join(DefaultConfig::T2S.get_file_name());
    let opened = match config.to_str() {
        // opencc-rust panics on a path that is not UTF-8; refuse it first.
        Some(_) => OpenCC::new(&config).map_err(|e| format!("cannot open {}: {e}", config.display())),
        None => Err(format!("temporary directory is not UTF-8: {}", dir.display())),
    };
    let _ = std::fs::remove_dir_all(&dir);
    opened
}

/// Converts every probed character once, in one OpenCC call with a line
/// break between characters (no phrase spans a line), and records which
/// ones change.
fn probe_changing_chars(opencc: &OpenCC) -> Vec<u64> {
    let candidates: Vec<char> =
        (0x80..PROBE_LIMIT).filter_map(char::from_u32).filter(|c| !c.is_control() && *c != '\n').collect();
    let mut probe = String::with_capacity(candidates.len() * 5);
    for c in &candidates {
        probe.push(*c);
        probe.push('\n');
    }
    let converted = opencc.convert(&probe);
    let mut bits = vec![0u64; (PROBE_LIMIT as usize).div_ceil(64)];
    let mut lines = converted.split('\n');
    for c in &candidates {
        let mut buf = [0u8; 4];
        let changed = match lines.next() {
            Some(line) => line != c.encode_utf8(&mut buf),
            // Should OpenCC ever drop lines, treating the rest as changing
            // only costs speed, never correctness.
            None => true,
        };
        if changed {
            let i = *c as u32;
            bits[(i / 64) as usize] |= 1 << (i % 64);
        }
    }
    bits
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
    fn probe_finds_traditional_chars_only() {
        let c = conv();
        for ch in ['貧', '縣', '聞', '乾', '戶'] {
            assert!(c.changes(ch), "{ch} should be in the fast-path set");
        }
        for ch in ['贫', '县', '闻', 'a', '，', '的'] {
            assert!(!c.changes(ch), "{ch} should not be in the fast-path set");
        }
        // OpenCC's t2s character table has a few thousand entries.
        let n = c.changing_char_count();
        assert!((2_000..10_000).contains(&n), "{n} changing characters");
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
    fn nul_does_not_reach_opencc() {
        let c = conv();
        assert_eq!(c.convert_full("貧\0困"), "贫\0困");
    }
}
