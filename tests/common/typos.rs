//! Homophone typos as a pinyin input method makes them, for measuring
//! corrections: shared by `examples/eval.rs --typos` and `tests/corpus.rs`.

use zhsearch::analysis::pinyin::{readings, Lexicon, Slot};
use zhsearch::analysis::Analyzer;

/// In `text` (folded), the first word of jieba's dictionary of 2 to 4 Han
/// characters with one character replaced by the commonest other
/// character whose first reading is the same, so that the result is no
/// word of the dictionary: a wrong pick of the input method (制裁 →
/// 制才). The last character is tried first (a wrong pick is as likely
/// anywhere; a fixed choice keeps runs comparable). `(word, typo)`, or
/// `None` when no word of `text` gives one.
pub fn wrong_pick(analyzer: &Analyzer, text: &str) -> Option<(String, String)> {
    let lexicon = Lexicon::get();
    analyzer.analyze_query(text).into_iter().find_map(|token| {
        let chars: Vec<char> = token.text.chars().collect();
        let han = chars.iter().all(|&c| !readings(c).is_empty());
        if !(2..=4).contains(&chars.len()) || !han || lexicon.frequency(&token.text).is_none() {
            return None;
        }
        (0..chars.len()).rev().find_map(|i| {
            let sound = readings(chars[i]).first()?.to_string();
            let typo = lexicon.fitting(&[Slot::Syllable(sound.clone())], 8).into_iter().find_map(|c| {
                let c = c.chars().next()?;
                // The replacement's own first reading is the sound: an
                // input method offers it for that syllable.
                if c == chars[i] || readings(c).first() != Some(&sound.as_str()) {
                    return None;
                }
                let mut typo = chars.clone();
                typo[i] = c;
                let typo: String = typo.into_iter().collect();
                lexicon.frequency(&typo).is_none().then_some(typo)
            })?;
            Some((token.text.clone(), typo))
        })
    })
}
