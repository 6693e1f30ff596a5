//! Query-side pinyin on any input: `read` never panics, returns at most
//! `MAX_READINGS` readings, fewest slots first, with a partial syllable
//! only as the last slot and only when asked for; and the words the lexicon
//! finds for the first reading have its length and fit it slot by slot;
//! and a cut of a long run into syllables spells the run.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zhsearch::analysis::pinyin::{fits, read, split_syllables, Lexicon, Slot, MAX_READINGS};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // A long run cut into syllables spells it, whatever it is.
    if let Some(pieces) = split_syllables(text) {
        assert_eq!(pieces.concat(), text.to_ascii_lowercase(), "cut of {text:?}");
    }
    for partial_last in [false, true] {
        let readings = read(text, partial_last);
        assert!(readings.len() <= MAX_READINGS, "{} readings of {text:?}", readings.len());
        for pair in readings.windows(2) {
            assert!(pair[0].len() <= pair[1].len(), "not fewest slots first for {text:?}");
        }
        for reading in &readings {
            assert!(!reading.is_empty());
            for (i, slot) in reading.iter().enumerate() {
                if let Slot::Partial(_) = slot {
                    assert!(partial_last && i + 1 == reading.len(), "partial syllable at {i} of {reading:?}");
                }
            }
        }
        if let Some(first) = readings.first() {
            for word in Lexicon::get().fitting(first, 20) {
                assert_eq!(word.chars().count(), first.len(), "{word} for {first:?}");
                assert!(word.chars().zip(first).all(|(c, s)| fits(c, s)), "{word} does not fit {first:?}");
            }
        }
    }
});
