//! The analysis pipeline: Chinese text in, tantivy tokens out.
//!
//! Documents and queries go through the same stages, one module each:
//!
//! 1. [`normalize`]: full-width ASCII to half-width, Latin to lowercase
//!    (`１９９８` → `1998`, `ＡＢＣ` → `abc`), one character for one.
//! 2. [`convert`]: Traditional to Simplified with OpenCC `t2s`, skipped for
//!    every line that contains no character OpenCC would change.
//! 3. `segment`: jieba-rs over runs of Han characters, for queries (and
//!    for anyone who indexes words with [`Analyzer::word_tokenizer`]);
//!    letters and digits form whole words (`1.95` stays whole).
//! 4. emit: [`Token`]s whose offsets are byte ranges of the *original*
//!    text, so highlighting shows `貧困縣` as it was written.
//! 5. `ngram`: the character-level representation the index holds
//!    (characters, dictionary bigrams, Latin words), exact for substrings.
//!
//! ```
//! use zhsearch::analysis::Analyzer;
//!
//! let analyzer = Analyzer::new()?;
//! let tokens = analyzer.analyze("貧困縣逐一清零");
//! let texts: Vec<&str> = tokens.iter().map(|t| t.text.as_str()).collect();
//! assert_eq!(texts, ["贫困", "贫困县", "逐一", "清零"]);
//! // Offsets point into the original, Traditional text.
//! assert_eq!(&"貧困縣逐一清零"[tokens[1].offset_from..tokens[1].offset_to], "貧困縣");
//! # Ok::<(), zhsearch::Error>(())
//! ```
//!
//! # Characters: words and separators
//!
//! After normalization every character is one of three classes: a Han
//! ideograph; another *word character* (a letter or digit of any script,
//! a combining mark, or a `.` between two digits); or a *separator*
//! (whitespace, punctuation, symbols, emoji, control characters).
//! Separators are never word tokens and never part of one: jieba would
//! return them as words, and a `" "` token inside a phrase query makes it
//! match nothing. (The character field marks a run of them with a token of
//! its own; see below.)
//!
//! # Positions
//!
//! A token's position is the position of its first character, and
//! characters are numbered like this: each word character takes the next
//! number, and a run of separators between two word characters takes one
//! number of its own.
//!
//! ```text
//! 脱 贫 ， 攻 坚 战
//! 0  1  2  3  4  5      (the ， run is 2)
//! ```
//!
//! So search-mode tokens that overlap keep their true places: in
//! `打赢脱贫攻坚战`, `脱贫` is at 2 and `攻坚`, `攻坚战` are both at 4.
//! A phrase query asks for each of its words at the offset where that word
//! starts in the query (tantivy's `PhraseQuery::new_with_offset`), and that
//! is exact: `脱贫攻坚` asks for `脱贫`@0 and `攻坚`@2, which matches the
//! document above and nothing in which the two words are apart. Text on the
//! two sides of a separator is never adjacent: `脱贫，攻坚` has `攻坚` at 3.
//! Dropping a stop word leaves the other positions as they were.
//!
//! (Numbering tokens one after another, as most Chinese tokenizers for
//! tantivy do, puts the overlapping search-mode words at positions that
//! depend on how many of them there are, and phrase queries then miss text
//! that is plainly there.)
//!
//! # The character field
//!
//! The [`CharTokenizer`] gives every word character a token of its own at
//! its position (a unigram); where the character and the next one form a
//! two-character dictionary word, that bigram is a token too, at the same
//! position; and a Latin word or number of two or more characters is also
//! one token, whole. Each token depends on the characters it covers only,
//! never on the context, so quoted queries, which match through these
//! tokens, are exact substring matches. A run of separators between two
//! word characters is a token too, `" "`, at the one position the run
//! takes: without it, `"1，2"` would find `1青2`. zhsearch's index holds
//! these tokens and nothing else: jieba segments queries only.
//!
//! ```
//! use zhsearch::analysis::Analyzer;
//!
//! let analyzer = Analyzer::new()?;
//! let tokens: Vec<(String, usize)> =
//!     analyzer.char_tokens("贫困县").into_iter().map(|t| (t.text, t.position)).collect();
//! // 贫困 is a dictionary word, 困县 is not.
//! assert_eq!(tokens, [("贫".into(), 0), ("贫困".into(), 0), ("困".into(), 1), ("县".into(), 2)]);
//! let texts: Vec<String> = analyzer.char_tokens("脱贫，v2.0").into_iter().map(|t| t.text).collect();
//! assert_eq!(texts, ["脱", "脱贫", "贫", " ", "v", "v2.0", "2", ".", "0"]);
//! assert!(analyzer.is_char_bigram("贫困") && !analyzer.is_char_bigram("困县"));
//! # Ok::<(), zhsearch::Error>(())
//! ```
//!
//! The rule for separators inside a quoted query follows from the
//! positions and that token: a run of whitespace or punctuation in the
//! query matches any run of separators in the text (at least one);
//! separators at either end of the query are ignored. `"脱贫攻坚"` finds `脱贫攻坚` but not
//! `脱贫，攻坚`; `"脱贫 攻坚"` finds `脱贫，攻坚` and `脱贫 攻坚`.

pub mod convert;
mod ngram;
pub mod normalize;
/// Query-side pinyin: Latin input read as characters, and the dictionary words they fit.
pub mod pinyin;
mod prepared;
mod segment;
mod settings;
mod tokenizer;
pub mod variants;

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use jieba_rs::Jieba;
use serde::{Deserialize, Serialize};

use crate::error::{Location, Result};
use convert::Converter;
use ngram::BigramTable;
pub use ngram::SEPARATOR_TOKEN;
pub(crate) use ngram::{is_whole_latin, Gram};
pub(crate) use prepared::Prepared;

pub use segment::Mode;

/// How many occurrences of a word [`Analyzer::has_as_word`] cuts at most.
pub(crate) const MAX_WORD_CHECKS: usize = 64;
pub use settings::{AnalyzerSettings, UserWord, SCHEME_VERSION};
pub use tokenizer::{BufferedTokenStream, CharTokenStream, CharTokenizer, WordTokenStream, WordTokenizer};
pub(crate) use tokenizer::{ReplayTokenizer, TokenStreams};
pub use variants::{Synonyms, Variants};

/// One token: its text (normalized, Simplified), where it is in the
/// original text, and its position.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Token {
    /// The token's text after normalization and conversion.
    pub text: String,
    /// Start of the token in the original text (bytes).
    pub offset_from: usize,
    /// End of the token in the original text (bytes, exclusive).
    pub offset_to: usize,
    /// The token's position; see the module docs.
    pub position: usize,
}

/// The Chinese analyzer. Build it once and clone it freely: clones share
/// the segmenter (jieba's dictionary is about 30 MB, loaded by the first
/// text cut into words) and the converter.
#[derive(Clone)]
pub struct Analyzer {
    inner: Arc<Inner>,
}

struct Inner {
    settings: AnalyzerSettings,
    fingerprint: String,
    /// jieba with the user words; built on first use (see [`Analyzer::jieba`]).
    jieba: OnceLock<Arc<Jieba>>,
    converter: Option<Arc<Converter>>,
    stop_words: HashSet<String>,
    bigrams: Arc<BigramTable>,
    /// The regional variants, folded by this analyzer; built on first use.
    variants: OnceLock<Arc<Variants>>,
    /// The user words as a pinyin lexicon; built on first use.
    user_lexicon: OnceLock<Option<pinyin::Lexicon>>,
}

impl std::fmt::Debug for Analyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analyzer").field("settings", &self.inner.settings).finish()
    }
}

/// The frequency a user word without one has in [`Analyzer::lexicons`].
const USER_WORD_FREQ: u64 = 10_000;

/// jieba with its default dictionary, built once per process.
fn base_jieba() -> Arc<Jieba> {
    static BASE: OnceLock<Arc<Jieba>> = OnceLock::new();
    BASE.get_or_init(|| Arc::new(Jieba::new())).clone()
}

impl Analyzer {
    /// An analyzer with the default settings: conversion on, no user words,
    /// no stop words.
    pub fn new() -> Result<Analyzer> {
        Analyzer::builder().build()
    }

    /// A builder for other settings.
    pub fn builder() -> AnalyzerBuilder {
        AnalyzerBuilder::default()
    }

    /// The analyzer that `settings` describe, e.g. as stored by an index.
    pub fn from_settings(settings: &AnalyzerSettings) -> Result<Analyzer> {
        if settings.scheme != SCHEME_VERSION {
            return Err(crate::Error::invalid(
                Location::default().in_field("scheme"),
                format!(
                    "tokenization scheme {} is not supported by this version of zhsearch (it uses {SCHEME_VERSION})",
                    settings.scheme
                ),
            ));
        }
        AnalyzerBuilder { settings: settings.clone() }.build()
    }

    /// The canonical settings of this analyzer.
    pub fn settings(&self) -> &AnalyzerSettings {
        &self.inner.settings
    }

    /// The fingerprint of [`settings`](Analyzer::settings).
    pub fn fingerprint(&self) -> &str {
        &self.inner.fingerprint
    }

    /// Normalizes and converts `text`: the form in which the index
    /// compares text. Exact-substring matching is defined on it.
    pub fn fold(&self, text: &str) -> String {
        self.prepare(text).text
    }

    /// The word tokens of a document (jieba search mode), stop words removed.
    pub fn analyze(&self, text: &str) -> Vec<Token> {
        self.words(text, Mode::Index)
    }

    /// The word tokens of a query (jieba default mode), stop words removed.
    pub fn analyze_query(&self, text: &str) -> Vec<Token> {
        self.words(text, Mode::Query)
    }

    /// The character-level tokens of `text`; see the module docs.
    pub fn char_tokens(&self, text: &str) -> Vec<Token> {
        let mut out = Vec::new();
        self.for_each_char_token(text, |t, from, to, position| {
            out.push(Token { text: t.to_owned(), offset_from: from, offset_to: to, position })
        });
        out
    }

    /// Whether `word` (already folded) is in jieba's dictionary, user words
    /// included. A word that is not was guessed by jieba's HMM.
    pub fn knows_word(&self, word: &str) -> bool {
        self.jieba().has_word(word)
    }

    /// Whether `word` (already folded) is a guess: it has Han characters and
    /// is not in jieba's dictionary, so only jieba's HMM can have made it.
    /// The pieces of a guess are not reliably the pieces the same
    /// characters get in another text, so a word index built with
    /// [`word_tokenizer`](Analyzer::word_tokenizer) should look a guess up
    /// as a substring. (zhsearch's own index holds characters and matches
    /// every query word as a substring.)
    ///
    /// ```
    /// use zhsearch::analysis::Analyzer;
    ///
    /// let analyzer = Analyzer::new()?;
    /// assert!(analyzer.is_guess("杭研"));
    /// assert!(!analyzer.is_guess("大厦") && !analyzer.is_guess("1.95"));
    /// # Ok::<(), zhsearch::Error>(())
    /// ```
    pub fn is_guess(&self, word: &str) -> bool {
        word.chars().any(normalize::is_han) && !self.knows_word(word)
    }

    /// Whether `word` (already folded) is one of this analyzer's stop words.
    pub fn is_stop_word(&self, word: &str) -> bool {
        self.inner.stop_words.contains(word)
    }

    /// Whether `word` (already folded) is one bigram token of the character
    /// field: two word characters that form a dictionary word (jieba's
    /// two-character words as bundled with zhsearch, and this analyzer's
    /// two-character user words). Wherever such a word stands in a text,
    /// [`char_tokens`](Analyzer::char_tokens) has it as one token at its
    /// place, whatever the context.
    ///
    /// ```
    /// use zhsearch::analysis::Analyzer;
    ///
    /// let analyzer = Analyzer::builder().user_words(["困县"]).build()?;
    /// assert!(analyzer.is_char_bigram("经济") && analyzer.is_char_bigram("困县"));
    /// assert!(!analyzer.is_char_bigram("经") && !analyzer.is_char_bigram("经济学"));
    /// assert!(!Analyzer::new()?.is_char_bigram("困县"));
    /// # Ok::<(), zhsearch::Error>(())
    /// ```
    pub fn is_char_bigram(&self, word: &str) -> bool {
        self.inner.bigrams.contains(word)
    }

    /// The regional variants of words (服务器/伺服器, 内存/記憶體), folded as
    /// this analyzer folds text; see [`variants`]. Built from the bundled
    /// copy of OpenCC's regional phrase tables the first time it is asked
    /// for (a few milliseconds), then shared by every clone of the analyzer.
    pub fn variants(&self) -> Arc<Variants> {
        self.inner.variants.get_or_init(|| Arc::new(Variants::bundled(|w| self.fold(w)))).clone()
    }

    /// The lexicons pinyin, corrections and suggestions read with: this
    /// analyzer's user words (built the first time they are asked for),
    /// then jieba's bundled dictionary. A user word without a frequency
    /// ranks as a common word (jieba's 北京 has 34,488).
    pub fn lexicons(&self) -> pinyin::Lexicons<'_> {
        let user = self.inner.user_lexicon.get_or_init(|| {
            let words = &self.inner.settings.user_words;
            (!words.is_empty()).then(|| {
                pinyin::Lexicon::of_words(
                    words.iter().map(|w| (w.word.as_str(), w.freq.map_or(USER_WORD_FREQ, |f| f as u64))),
                )
            })
        });
        pinyin::Lexicons { user: user.as_ref(), base: pinyin::Lexicon::get() }
    }

    /// A tantivy tokenizer producing [`analyze`](Analyzer::analyze)'s tokens.
    pub fn word_tokenizer(&self) -> WordTokenizer {
        WordTokenizer::new(self.clone(), Mode::Index)
    }

    /// A tantivy tokenizer producing [`analyze_query`](Analyzer::analyze_query)'s
    /// tokens, for parsing queries against a field indexed with
    /// [`word_tokenizer`](Analyzer::word_tokenizer).
    pub fn query_tokenizer(&self) -> WordTokenizer {
        WordTokenizer::new(self.clone(), Mode::Query)
    }

    /// A tantivy tokenizer producing [`char_tokens`](Analyzer::char_tokens).
    pub fn char_tokenizer(&self) -> CharTokenizer {
        CharTokenizer::new(self.clone())
    }

    fn words(&self, text: &str, mode: Mode) -> Vec<Token> {
        let mut out = Vec::new();
        self.for_each_word(text, mode, |t, from, to, position| {
            out.push(Token { text: t.to_owned(), offset_from: from, offset_to: to, position })
        });
        out
    }

    /// Normalizes and converts `text`, keeping track of every character.
    pub(crate) fn prepare(&self, text: &str) -> Prepared {
        Prepared::new(text, self.inner.converter.as_deref())
    }

    /// Calls `emit(text, offset_from, offset_to, position)` for each word token.
    pub(crate) fn for_each_word(&self, text: &str, mode: Mode, emit: impl FnMut(&str, usize, usize, usize)) {
        self.words_of(&self.prepare(text), mode, emit);
    }

    /// Calls `emit(text, offset_from, offset_to, position)` for each char-level token.
    pub(crate) fn for_each_char_token(&self, text: &str, mut emit: impl FnMut(&str, usize, usize, usize)) {
        let prepared = self.prepare(text);
        self.grams_of(&prepared, |gram, from, to| {
            let (a, b) = prepared.original_range(from, to);
            let text = if gram == Gram::Separator { ngram::SEPARATOR_TOKEN } else { prepared.slice(from, to) };
            emit(text, a, b, prepared.position[from] as usize);
        });
    }

    fn words_of(&self, prepared: &Prepared, mode: Mode, mut emit: impl FnMut(&str, usize, usize, usize)) {
        self.word_ranges(prepared, mode, segment::MAX_WORD_CHARS, |from, to, stop| {
            if !stop {
                let (a, b) = prepared.original_range(from, to);
                emit(prepared.slice(from, to), a, b, prepared.position[from] as usize);
            }
        });
    }

    /// Calls `emit(from, to, stop)` with the character range (in
    /// `prepared`) of each word of at most `longest` characters, and whether
    /// it is a stop word.
    pub(crate) fn word_ranges(
        &self,
        prepared: &Prepared,
        mode: Mode,
        longest: usize,
        mut emit: impl FnMut(usize, usize, bool),
    ) {
        let stop = &self.inner.stop_words;
        segment::for_each_word(self.jieba(), prepared, mode, longest, |from, to| {
            emit(from, to, !stop.is_empty() && stop.contains(prepared.slice(from, to)));
        });
    }

    /// Whether `text` has any of `words` (folded, as queries' patterns are)
    /// where it is written as words: an occurrence in which each of the
    /// word's own words of two characters or more (as jieba cuts the word
    /// alone) starts and ends where jieba cuts the text around it. 的士 is
    /// a word in 乘坐的士去机场; in 勇敢的士兵 it is read across 的 and 士兵,
    /// and is not. 栏位名 (栏位 and 名) is written as words in 栏位名称:
    /// its one-character part may begin a longer word, as the query's own
    /// cut left it. Only the first [`MAX_WORD_CHECKS`] occurrences of each
    /// word are cut, so that a book-length text costs no more than a page.
    #[cfg(test)]
    pub(crate) fn has_as_word(&self, text: &str, words: &[&str]) -> bool {
        self.has_as_word_in(&self.prepare(text), words)
    }

    /// `has_as_word` in a text already prepared (folding a
    /// page is most of the check's cost: a caller checking one text for
    /// several words prepares it once).
    pub(crate) fn has_as_word_in(&self, prepared: &Prepared, words: &[&str]) -> bool {
        // jieba decides a cut from a few characters either side.
        const CONTEXT: usize = 12;
        let chars = &prepared.chars;
        for word in words {
            let alone = Prepared::new(word, None);
            let word = &alone.chars;
            if word.is_empty() || word.len() > chars.len() {
                continue;
            }
            let mut parts: Vec<(usize, usize)> = Vec::new();
            self.word_ranges(&alone, Mode::Query, segment::MAX_WORD_CHARS, |a, b, _| {
                if b - a > 1 {
                    parts.push((a, b));
                }
            });
            let occurrences = (0..=chars.len() - word.len()).filter(|&at| chars[at..at + word.len()] == word[..]);
            for at in occurrences.take(MAX_WORD_CHECKS) {
                let from = at.saturating_sub(CONTEXT);
                let to = (at + word.len() + CONTEXT).min(chars.len());
                // The window is folded text already; its cut is in its
                // own character indices.
                let window = Prepared::new(&chars[from..to].iter().collect::<String>(), None);
                let mut cuts: Vec<usize> = Vec::new();
                self.word_ranges(&window, Mode::Query, segment::MAX_WORD_CHARS, |a, b, _| {
                    cuts.extend([a, b]);
                });
                let at = at - from;
                if parts.iter().all(|&(a, b)| cuts.contains(&(at + a)) && cuts.contains(&(at + b))) {
                    return true;
                }
            }
        }
        false
    }

    /// Whether the two word characters `a` and `b` (folded), side by side,
    /// are one bigram token (see [`is_char_bigram`](Analyzer::is_char_bigram)).
    pub(crate) fn is_bigram_pair(&self, a: char, b: char) -> bool {
        self.inner.bigrams.contains_pair(a, b)
    }

    /// Loads jieba's dictionary now, if no text has been cut into words yet.
    /// Indexing never needs it, so it is otherwise loaded by the first query
    /// (about a tenth of a second, once per process, plus a copy per
    /// analyzer with user words). A server calls this at startup so that
    /// its first query is as fast as the rest.
    ///
    /// ```
    /// use zhsearch::analysis::Analyzer;
    ///
    /// let analyzer = Analyzer::new()?;
    /// analyzer.load_segmenter();
    /// assert_eq!(analyzer.analyze_query("服务器").len(), 1);
    /// # Ok::<(), zhsearch::Error>(())
    /// ```
    pub fn load_segmenter(&self) {
        self.jieba();
    }

    /// jieba with this analyzer's user words, built the first time a text is
    /// cut into words. An index holds character-level tokens only, so
    /// indexing never needs jieba: a process that only ingests never pays
    /// for loading its dictionary, which is most of a cold analyzer's cost.
    /// The first query (or [`analyze`](Analyzer::analyze)) pays it instead,
    /// once per process for the dictionary, and once per analyzer for the
    /// copy that holds user words.
    fn jieba(&self) -> &Jieba {
        self.inner.jieba.get_or_init(|| {
            let base = base_jieba();
            let words = &self.inner.settings.user_words;
            if words.is_empty() {
                return base;
            }
            let mut jieba = (*base).clone();
            for w in words {
                jieba.add_word(&w.word, w.freq, w.tag.as_deref());
            }
            Arc::new(jieba)
        })
    }

    /// Calls `emit(gram, from, to)` with the kind and the character range
    /// (in `prepared`) of each char-level token.
    pub(crate) fn grams_of(&self, prepared: &Prepared, emit: impl FnMut(Gram, usize, usize)) {
        let mut emit = emit;
        ngram::for_each_gram(prepared, &self.inner.bigrams, |from, to, gram| emit(gram, from, to));
    }
}

/// Configures an [`Analyzer`].
///
/// ```
/// use zhsearch::analysis::Analyzer;
///
/// let analyzer = Analyzer::builder()
///     .user_words(["已阅君"])
///     .bundled_stop_words()
///     .build()?;
/// let texts: Vec<String> = analyzer.analyze("已阅君的文章").into_iter().map(|t| t.text).collect();
/// // Search mode also offers the dictionary word inside it; 的 is a stop word.
/// assert_eq!(texts, ["已阅", "已阅君", "文章"]);
/// # Ok::<(), zhsearch::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct AnalyzerBuilder {
    settings: AnalyzerSettings,
}

impl AnalyzerBuilder {
    /// Turns Traditional → Simplified conversion on (the default) or off.
    pub fn convert(mut self, on: bool) -> Self {
        self.settings.convert = on;
        self
    }

    /// Adds words to jieba's dictionary, so they are kept whole.
    pub fn user_words<I, S>(mut self, words: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let words = words.into_iter().map(|w| UserWord { word: w.into(), freq: None, tag: None });
        self.settings.user_words.extend(words);
        self
    }

    /// Adds a word with its frequency and tag, as in jieba's dictionary format.
    pub fn user_word(mut self, word: UserWord) -> Self {
        self.settings.user_words.push(word);
        self
    }

    /// Adds the words of a dictionary file in jieba's format, one
    /// `word [freq] [tag]` per line. Errors name the file and line.
    pub fn user_dict_file(mut self, path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = settings::read_file(path)?;
        let words = settings::parse_user_dict(&text, &Location::file(path))?;
        self.settings.user_words.extend(words);
        Ok(self)
    }

    /// Adds stop words: dropped from the word tokens (not from the
    /// character field, so quoted queries still find them).
    pub fn stop_words<I, S>(mut self, words: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.settings.stop_words.extend(words.into_iter().map(Into::into));
        self
    }

    /// Adds the stop words of a file, one per line.
    pub fn stop_words_file(mut self, path: impl AsRef<Path>) -> Result<Self> {
        let text = settings::read_file(path.as_ref())?;
        self.settings.stop_words.extend(settings::parse_stop_words(&text).map(str::to_owned));
        Ok(self)
    }

    /// Adds the bundled Chinese stop-word list (stopwords-iso, about 800 words).
    pub fn bundled_stop_words(mut self) -> Self {
        self.settings.stop_words.extend(settings::bundled_stop_words().map(str::to_owned));
        self
    }

    /// Builds the analyzer. The first analyzer of a process pays for
    /// probing OpenCC and reading the bigram table; both are then shared.
    /// jieba's dictionary is loaded later, the first time a text is cut
    /// into words (a query), since indexing does not need it.
    pub fn build(self) -> Result<Analyzer> {
        let mut settings = self.settings;
        // Build the converter and the bigram table side by side: they are
        // the slow parts and independent. (Each is built once per process;
        // later analyzers share them.)
        let (converter, base_bigrams) = std::thread::scope(|s| {
            let conv = settings.convert.then(|| s.spawn(Converter::shared));
            let bigrams = BigramTable::bundled();
            let converter = conv.map(|handle| {
                handle.join().unwrap_or_else(|_| Err(crate::Error::OpenCc("converter thread panicked".into())))
            });
            (converter, bigrams)
        });
        let converter = converter.transpose()?;
        let base_bigrams = base_bigrams?;

        // Words are stored as the pipeline will see them, so that a
        // Traditional user word or stop word matches converted text.
        let fold = |w: &str| Prepared::new(w, converter.as_deref()).text.trim().to_owned();
        settings.stop_words =
            settings::canonical(settings.stop_words.iter().map(|w| fold(w)).filter(|w| !w.is_empty()));
        settings.user_words = settings::canonical(
            settings
                .user_words
                .iter()
                .map(|u| UserWord { word: fold(&u.word), ..u.clone() })
                .filter(|u| !u.word.is_empty()),
        );

        let bigrams = base_bigrams.with_words(settings.user_words.iter().map(|u| u.word.as_str()));
        let stop_words = settings.stop_words.iter().cloned().collect();
        let fingerprint = settings.fingerprint();
        let inner = Inner {
            settings,
            fingerprint,
            jieba: OnceLock::new(),
            converter,
            stop_words,
            bigrams,
            variants: OnceLock::new(),
            user_lexicon: OnceLock::new(),
        };
        Ok(Analyzer { inner: Arc::new(inner) })
    }
}

#[cfg(test)]
impl Analyzer {
    /// Whether this analyzer has built its jieba yet.
    pub(crate) fn has_jieba(&self) -> bool {
        self.inner.jieba.get().is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jieba_is_built_by_the_first_text_cut_into_words() -> Result<()> {
        let analyzer = Analyzer::builder().user_words(["已阅君"]).build()?;
        assert!(!analyzer.char_tokens("已阅君的文章").is_empty());
        assert!(!analyzer.fold("已閱君").is_empty());
        assert!(!analyzer.has_jieba(), "character tokens and folding need no jieba");
        analyzer.clone().load_segmenter();
        assert!(analyzer.has_jieba(), "clones share the segmenter");
        let words: Vec<String> = analyzer.analyze_query("已阅君的文章").into_iter().map(|t| t.text).collect();
        assert!(analyzer.has_jieba());
        // The lazily built jieba still has the user words.
        assert_eq!(words, ["已阅君", "的", "文章"]);
        assert!(analyzer.clone().knows_word("已阅君"));
        Ok(())
    }

    /// (document, words looked for, whether it has one as a word).
    #[test]
    fn a_text_has_a_word_only_where_jieba_cuts_around_it() -> Result<()> {
        let analyzer = Analyzer::new()?;
        let cases: [(&str, &[&str], bool); 9] = [
            ("乘坐的士去机场", &["的士"], true),
            ("一名勇敢的士兵守护着边疆", &["的士"], false),
            // Traditional text is folded first.
            ("坐的士去機場", &["的士"], true),
            // Several words in a row count as a word's spelling (记忆体 is
            // cut 记忆/体 or whole).
            ("這台電腦的記憶體不夠", &["记忆体"], true),
            // Any occurrence will do: the second one is a word.
            ("勇敢的士兵坐的士回家", &["的士"], true),
            // Any of the words will do.
            ("勇敢的士兵", &["的士", "士兵"], true),
            // A part of one character may begin a longer word.
            ("若要將預設欄位顯示變更為欄位名稱", &["栏位名"], true),
            ("", &["的士"], false),
            ("的", &["的士"], false),
        ];
        for (text, words, expected) in cases {
            assert_eq!(analyzer.has_as_word(text, words), expected, "{text} {words:?}");
        }
        Ok(())
    }
}
