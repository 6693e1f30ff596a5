//! The statistics BM25 is computed from, built once per search: tantivy's,
//! except that a term of the title or the body has the document frequency
//! of the more common of the two (as in BM25F), remembered for the rest of
//! the search; the one idf every part of the ranking uses; and the count
//! of documents that have a pair side by side.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use tantivy::query::{Bm25StatisticsProvider, EnableScoring, PhraseQuery, Query};
use tantivy::schema::Field;
use tantivy::{DocSet, InvertedIndexReader, Score, Searcher, Term};

use super::super::terms::{Cell, Pair, Pattern};
use crate::index::Fields;

/// A field whose counts the ranking reads: the title, the body, and the
/// title key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TextField {
    /// The title.
    Title,
    /// The body.
    Body,
    /// The title folded, without separators, as one token (see
    /// [`crate::index::schema`]): a query equal to a title finds it. Its
    /// length is 1 in every document that has a title.
    TitleKey,
}

/// Collection-wide statistics, for an index that holds only part of the
/// collection.
///
/// A search ranks with BM25, whose weights come from how many documents
/// have each token and how long the fields are on average. When the
/// documents searched are only candidates drawn from a larger collection
/// (the first stage of a search over a cluster), the scores must still be
/// the collection's, so that a document scores the same wherever it is
/// ranked: [`SearchIndex::search_with`](crate::index::SearchIndex::search_with)
/// reads them from here instead of from its own index.
///
/// Tokens are the index's own (see [`crate::analysis`]): characters,
/// dictionary bigrams, Latin words and the separator token `" "`. A
/// *unit* is one position's token: a character or the separator token.
pub trait CollectionStatistics: Send + Sync {
    /// How many documents the collection has.
    fn documents(&self) -> crate::Result<u64>;
    /// How many tokens `field` has over all documents (the sum of its
    /// lengths, as tantivy counts them for BM25's average).
    fn field_tokens(&self, field: TextField) -> crate::Result<u64>;
    /// How many documents have `token` in `field`.
    fn token_documents(&self, field: TextField, token: &str) -> crate::Result<u64>;
    /// How many documents have each of `tokens` in `field`, in order. A
    /// provider whose every lookup is a round trip answers many at once
    /// here: reading pinyin weighs dozens of candidate words together. By
    /// default, one at a time.
    fn tokens_documents(&self, field: TextField, tokens: &[&str]) -> crate::Result<Vec<u64>> {
        tokens.iter().map(|t| self.token_documents(field, t)).collect()
    }
    /// How many documents have `units` side by side, in this order, in
    /// `field`: a phrase of one-position tokens.
    fn phrase_documents(&self, field: TextField, units: &[&str]) -> crate::Result<u64>;
    /// How many documents have each of `phrases` (units in a field, as
    /// [`CollectionStatistics::phrase_documents`] counts them), in order.
    /// A provider whose every lookup is a round trip answers many at once
    /// here: correcting a typo weighs a dozen candidate words, each with
    /// its neighbours, in the title and in the body. By default, one at a
    /// time.
    fn phrases_documents(&self, phrases: &[(TextField, Vec<&str>)]) -> crate::Result<Vec<u64>> {
        phrases.iter().map(|(field, units)| self.phrase_documents(*field, units)).collect()
    }
}

/// The statistics of a whole index (see [`SearchIndex::statistics`]), to
/// rank a part of it as the whole: a snapshot of the index as it was
/// when taken.
///
/// [`SearchIndex::statistics`]: crate::index::SearchIndex::statistics
pub struct IndexStatistics {
    searcher: Searcher,
    fields: Fields,
}

impl IndexStatistics {
    pub(crate) fn new(searcher: Searcher, fields: Fields) -> IndexStatistics {
        IndexStatistics { searcher, fields }
    }

    fn field(&self, field: TextField) -> Field {
        match field {
            TextField::Title => self.fields.title,
            TextField::Body => self.fields.body,
            TextField::TitleKey => self.fields.title_key,
        }
    }
}

impl std::fmt::Debug for IndexStatistics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IndexStatistics").field("docs", &self.searcher.num_docs()).finish()
    }
}

impl CollectionStatistics for IndexStatistics {
    fn documents(&self) -> crate::Result<u64> {
        self.searcher.total_num_docs().map_err(index_error)
    }

    fn field_tokens(&self, field: TextField) -> crate::Result<u64> {
        self.searcher.total_num_tokens(self.field(field)).map_err(index_error)
    }

    fn token_documents(&self, field: TextField, token: &str) -> crate::Result<u64> {
        let term = Term::from_field_text(self.field(field), token);
        self.searcher.doc_freq(&term).map_err(index_error)
    }

    fn phrase_documents(&self, field: TextField, units: &[&str]) -> crate::Result<u64> {
        match units {
            [] => Ok(0),
            [one] => self.token_documents(field, one),
            units => {
                let field = self.field(field);
                let terms = units.iter().map(|u| Term::from_field_text(field, u)).collect();
                let count = self.searcher.search(&PhraseQuery::new(terms), &tantivy::collector::Count);
                Ok(count.map_err(index_error)? as u64)
            }
        }
    }
}

/// A pattern's units, one per position: its characters, and the
/// separator token for a separator.
fn units_of(pattern: &Pattern) -> Vec<String> {
    pattern
        .cells
        .iter()
        .map(|(_, cell)| match cell {
            Cell::Char(c) => c.to_string(),
            Cell::Separator => crate::analysis::SEPARATOR_TOKEN.to_owned(),
        })
        .collect()
}

fn index_error(source: tantivy::TantivyError) -> crate::Error {
    crate::Error::Index { dir: None, source }
}

fn external_error(e: crate::Error) -> tantivy::TantivyError {
    tantivy::TantivyError::InternalError(e.to_string())
}

/// The statistics of one search.
///
/// tantivy computes a term's idf per field. Titles are short, so nearly
/// every character is rare among titles: `属` was in 9 of 1,139 help
/// pages' titles and in 190 bodies, and a query that merely shared two
/// characters with a title outscored the page it described. A unit is as
/// telling in the title as in the body; the title's weight is the title
/// boost and the shortness of titles, not a rarer idf.
///
/// The planner, tantivy's weights, the rescore and the explanation all ask
/// for the same tokens' document frequencies: each is looked up in the
/// term dictionaries once per search.
pub(crate) struct Stats<'a> {
    searcher: &'a Searcher,
    title: Field,
    body: Field,
    title_key: Field,
    /// Document frequencies of title and body tokens, by text.
    memo: Mutex<HashMap<String, u64>>,
    /// The collection's counts of phrases of units, by field and units
    /// (see [`Stats::prefetch_patterns`]).
    phrase_memo: Mutex<HashMap<(TextField, Vec<String>), u64>>,
    /// For each of the title and the body that some segment has, the term
    /// dictionaries of the segments that have it, opened once a search.
    dictionaries: OnceLock<Vec<Vec<Arc<InvertedIndexReader>>>>,
    /// The collection's statistics, when the index is part of it.
    external: Option<&'a dyn CollectionStatistics>,
}

impl<'a> Stats<'a> {
    /// The statistics of `searcher`'s index, whose fields are `fields`.
    pub(crate) fn new(searcher: &'a Searcher, fields: Fields) -> Stats<'a> {
        Stats {
            searcher,
            title: fields.title,
            body: fields.body,
            title_key: fields.title_key,
            memo: Mutex::new(HashMap::new()),
            phrase_memo: Mutex::new(HashMap::new()),
            dictionaries: OnceLock::new(),
            external: None,
        }
    }

    /// The statistics of a collection of which `searcher`'s index holds
    /// a part: every count comes from `external`.
    pub(crate) fn of_collection(
        searcher: &'a Searcher,
        fields: Fields,
        external: &'a dyn CollectionStatistics,
    ) -> Stats<'a> {
        Stats { external: Some(external), ..Stats::new(searcher, fields) }
    }

    /// Whether the counts come from a collection beyond this index.
    pub(crate) fn is_external(&self) -> bool {
        self.external.is_some()
    }

    fn text_field(&self, field: Field) -> Option<TextField> {
        match field {
            f if f == self.title => Some(TextField::Title),
            f if f == self.body => Some(TextField::Body),
            f if f == self.title_key => Some(TextField::TitleKey),
            _ => None,
        }
    }

    /// How many documents have `pattern` in `field`, from the collection's
    /// statistics; `None` without them.
    pub(crate) fn external_pattern_docs(&self, field: TextField, pattern: &Pattern) -> Option<tantivy::Result<u64>> {
        let external = self.external?;
        if let Some(token) = pattern.single_token() {
            return Some(external.token_documents(field, token).map_err(external_error));
        }
        let key = (field, units_of(pattern));
        if let Some(&n) = self.phrase_memo.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return Some(Ok(n));
        }
        let units: Vec<&str> = key.1.iter().map(String::as_str).collect();
        let n = external.phrase_documents(field, &units).map_err(external_error);
        if let Ok(n) = n {
            self.phrase_memo.lock().unwrap_or_else(|e| e.into_inner()).insert(key, n);
        }
        Some(n)
    }

    /// Asks the collection's statistics at once for what
    /// [`Stats::external_pattern_docs`] would ask of each of `patterns`
    /// in turn: their tokens' counts, then, for each pattern of more than
    /// one token that all are in some document, its count as a phrase in
    /// the title and in the body. Nothing for an index's own statistics,
    /// whose lookups are cheap; a failure leaves the lookups to be made
    /// one at a time, which report it.
    pub(crate) fn prefetch_patterns(&self, patterns: &[&Pattern]) {
        let Some(external) = self.external else { return };
        let tokens: Vec<&str> = patterns.iter().flat_map(|p| p.tokens.iter().map(|(_, t)| t.as_str())).collect();
        self.prefetch(&tokens);
        // A pattern with a token no document has is in none: the lookups
        // ask no phrase count for it. (Asked before the memo is locked: a
        // token's count may be a round trip.)
        let phrases: Vec<Vec<String>> = patterns
            .iter()
            .filter(|p| p.single_token().is_none())
            .filter(|p| p.tokens.iter().all(|(_, t)| self.token_doc_freq(t).unwrap_or(0) > 0))
            .map(|p| units_of(p))
            .collect();
        let mut wanted: Vec<(TextField, Vec<String>)> = Vec::new();
        {
            let memo = self.phrase_memo.lock().unwrap_or_else(|e| e.into_inner());
            for units in phrases {
                for field in [TextField::Title, TextField::Body] {
                    let key = (field, units.clone());
                    if !memo.contains_key(&key) && !wanted.contains(&key) {
                        wanted.push(key);
                    }
                }
            }
        }
        if wanted.len() < 2 {
            return;
        }
        let asked: Vec<(TextField, Vec<&str>)> =
            wanted.iter().map(|(f, units)| (*f, units.iter().map(String::as_str).collect())).collect();
        let Ok(counts) = external.phrases_documents(&asked) else { return };
        let mut memo = self.phrase_memo.lock().unwrap_or_else(|e| e.into_inner());
        for (key, n) in wanted.into_iter().zip(counts) {
            memo.insert(key, n);
        }
    }

    pub(crate) fn searcher(&self) -> &'a Searcher {
        self.searcher
    }

    /// Asks the collection's statistics for the counts of `tokens` at
    /// once (see [`CollectionStatistics::tokens_documents`]), so that
    /// [`Stats::token_doc_freq`] finds them known. Nothing for an index's
    /// own statistics, whose lookups are cheap; a failure leaves the
    /// lookups to be made one at a time, which report it.
    pub(crate) fn prefetch(&self, tokens: &[&str]) {
        let Some(external) = self.external else { return };
        let missing: Vec<&str> = {
            let memo = self.memo.lock().unwrap_or_else(|e| e.into_inner());
            let mut missing: Vec<&str> = tokens.iter().copied().filter(|t| !memo.contains_key(*t)).collect();
            missing.sort_unstable();
            missing.dedup();
            missing
        };
        if missing.len() < 2 {
            return;
        }
        let (Ok(titles), Ok(bodies), Ok(documents)) = (
            external.tokens_documents(TextField::Title, &missing),
            external.tokens_documents(TextField::Body, &missing),
            self.total_num_docs(),
        ) else {
            return;
        };
        let mut memo = self.memo.lock().unwrap_or_else(|e| e.into_inner());
        for ((token, title), body) in missing.into_iter().zip(titles).zip(bodies) {
            // As `token_doc_freq` counts: the larger, within the collection.
            memo.insert(token.to_owned(), title.max(body).min(documents));
        }
    }

    /// Asks the collection's statistics for the counts of title `keys` at
    /// once, as [`Stats::prefetch`] does for tokens (the provider keeps
    /// them: a title key's count is asked of it each time).
    pub(crate) fn prefetch_title_keys(&self, keys: &[&str]) {
        if let (Some(external), true) = (self.external, keys.len() > 1) {
            // A failure is reported by the lookups one at a time.
            let _ = external.tokens_documents(TextField::TitleKey, keys);
        }
    }

    /// How many documents have `token` in the title or the body (the larger
    /// count of the two).
    pub(crate) fn token_doc_freq(&self, token: &str) -> tantivy::Result<u64> {
        // A poisoned lock only means a panic elsewhere mid-insert; the map
        // holds whole entries either way.
        if let Some(&n) = self.memo.lock().unwrap_or_else(|e| e.into_inner()).get(token) {
            return Ok(n);
        }
        if let Some(external) = self.external {
            let mut max = 0;
            for field in [TextField::Title, TextField::Body] {
                max = max.max(external.token_documents(field, token).map_err(external_error)?);
            }
            // Counts read at different moments (or counting deleted
            // documents, as engines do until they merge) can pass the
            // collection's size; BM25 needs them within it.
            max = max.min(self.total_num_docs()?);
            self.memo.lock().unwrap_or_else(|e| e.into_inner()).insert(token.to_owned(), max);
            return Ok(max);
        }
        // Each segment's dictionaries are opened once, and a field no
        // segment has (an archive without titles) is not looked at:
        // `Searcher::doc_freq` opens a field's dictionary in every segment
        // for every term, and builds an empty one afresh for a field a
        // segment lacks, which cost pinyin, corrections and suggestions
        // (hundreds of candidate words each) more than the lookups.
        let dictionaries = self.dictionaries.get_or_init(|| {
            [self.title, self.body]
                .iter()
                .map(|&field| {
                    self.searcher
                        .segment_readers()
                        .iter()
                        // A segment whose dictionary cannot be opened
                        // counts as one without the token.
                        .filter_map(|segment| segment.inverted_index(field).ok())
                        .filter(|dictionary| dictionary.terms().num_terms() > 0)
                        .collect::<Vec<_>>()
                })
                .filter(|segments| !segments.is_empty())
                .collect()
        });
        let mut max = 0;
        for segments in dictionaries {
            let mut n = 0;
            for dictionary in segments {
                n += dictionary.terms().get(token.as_bytes())?.map_or(0, |info| u64::from(info.doc_freq));
            }
            max = max.max(n);
        }
        self.memo.lock().unwrap_or_else(|e| e.into_inner()).insert(token.to_owned(), max);
        Ok(max)
    }

    /// About how many documents have `pattern`, from the dictionaries
    /// alone (no postings read): the smallest of its tokens' counts (0 for
    /// a pattern without tokens, or when a dictionary cannot be read).
    pub(crate) fn docs_estimate(&self, pattern: &Pattern) -> u64 {
        pattern.tokens.iter().map(|(_, t)| self.token_doc_freq(t).unwrap_or(0)).min().unwrap_or(0)
    }

    /// A token's idf, the one rule of the ranking: BM25's, from its
    /// document frequency in the title or the body; 0 for a token no
    /// document has (a typing slip), which tells nothing about any
    /// document.
    pub(crate) fn idf(&self, token: &str) -> tantivy::Result<Score> {
        let df = self.token_doc_freq(token)?;
        if df == 0 {
            return Ok(0.0);
        }
        Ok(bm25_idf(df, self.total_num_docs()?))
    }

    /// A pattern's idf as tantivy's phrase query computes it, the sum of
    /// its tokens'; `None` when a token is in no document, so that the
    /// pattern matches nothing.
    pub(crate) fn pattern_idf(&self, pattern: &Pattern) -> tantivy::Result<Option<Score>> {
        let mut sum = 0.0;
        for (_, token) in &pattern.tokens {
            if self.token_doc_freq(token)? == 0 {
                return Ok(None);
            }
            sum += self.idf(token)?;
        }
        Ok(Some(sum))
    }
}

impl Bm25StatisticsProvider for Stats<'_> {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        match (self.external, self.text_field(field)) {
            (Some(external), Some(field)) => external.field_tokens(field).map_err(external_error),
            _ => self.searcher.total_num_tokens(field),
        }
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        match self.external {
            Some(external) => external.documents().map_err(external_error),
            None => self.searcher.total_num_docs(),
        }
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        let field = term.field();
        match (self.external, self.text_field(field)) {
            (_, None) => return self.searcher.doc_freq(term),
            (Some(external), Some(TextField::TitleKey)) => {
                let value = term.value();
                let key = value.as_str().unwrap_or_default();
                let n = external.token_documents(TextField::TitleKey, key).map_err(external_error)?;
                return Ok(n.min(self.total_num_docs()?));
            }
            (None, Some(TextField::TitleKey)) => return self.searcher.doc_freq(term),
            _ => {}
        }
        match term.value().as_str() {
            Some(text) => self.token_doc_freq(text),
            None => self.searcher.doc_freq(term),
        }
    }
}

/// BM25's idf, as tantivy computes it (tantivy keeps its own private).
pub(crate) fn bm25_idf(doc_freq: u64, docs: u64) -> Score {
    let (n, total) = (doc_freq as Score, docs as Score);
    (1.0 + (total - n + 0.5) / (n + 0.5)).ln()
}

/// How many documents a pair's document frequency is counted in, at most.
///
/// A pair is a phrase of two characters, and counting its documents reads
/// the positions of every document that has both; two common characters
/// are in most documents. So over a larger index the count is taken in
/// about `PAIR_SAMPLE_DOCS` documents, the first of each segment in
/// proportion to its size, and scaled up: an estimate whose cost does not
/// grow with the index. (Documents are in the order they were added, so
/// within a segment the sample leans to the oldest.)
pub const PAIR_SAMPLE_DOCS: u32 = 4_096;

impl Stats<'_> {
    /// How many documents have `pair` in `field`, as a phrase: from the
    /// collection's statistics when there are some, else exactly or
    /// estimated from a sample of this index (see [`PAIR_SAMPLE_DOCS`]).
    pub(crate) fn pair_doc_freq(&self, field: Field, pair: &Pair) -> tantivy::Result<u64> {
        if let (Some(external), Some(text)) = (self.external, self.text_field(field)) {
            // A pair's sides are characters or Latin words, each of whose
            // characters is a unit at its own position; one position
            // between them when separated.
            let mut owned: Vec<String> = pair.first.chars().map(String::from).collect();
            if pair.separated {
                owned.push(crate::analysis::SEPARATOR_TOKEN.to_owned());
            }
            if owned.len() == pair.gap {
                owned.extend(pair.second.chars().map(String::from));
                let units: Vec<&str> = owned.iter().map(String::as_str).collect();
                let n = external.phrase_documents(text, &units).map_err(external_error)?;
                return Ok(n.min(self.total_num_docs()?));
            }
            // Sides that are not their characters side by side (never seen):
            // the count among the candidates, the pair's floor anyway.
        }
        sampled_pair_doc_freq(self.searcher, field, pair)
    }
}

/// How many documents have `pair` in `field`, as a phrase: exactly, or
/// estimated from a sample over a large index (see [`PAIR_SAMPLE_DOCS`]).
fn sampled_pair_doc_freq(searcher: &Searcher, field: Field, pair: &Pair) -> tantivy::Result<u64> {
    let mut terms =
        vec![(0, Term::from_field_text(field, &pair.first)), (pair.gap, Term::from_field_text(field, &pair.second))];
    if pair.separated {
        terms.insert(1, (pair.gap - 1, Term::from_field_text(field, crate::analysis::SEPARATOR_TOKEN)));
    }
    let weight = PhraseQuery::new_with_offset(terms).weight(EnableScoring::disabled_from_searcher(searcher))?;
    let total: u64 = searcher.segment_readers().iter().map(|s| u64::from(s.max_doc())).sum();
    let (mut count, mut seen) = (0u64, 0u64);
    for segment in searcher.segment_readers() {
        // Each segment gives its share of the sample, the same fraction of
        // its documents: how the writer's threads and merges happened to
        // cut the collection into segments then moves the estimate little,
        // where a sample of the first segments' documents was a different
        // sample for each layout of the same collection (and its ranking
        // another one).
        let share = (u64::from(segment.max_doc()) * u64::from(PAIR_SAMPLE_DOCS)).div_ceil(total.max(1));
        let limit = segment.max_doc().min(u32::try_from(share).unwrap_or(u32::MAX));
        if limit == 0 {
            continue;
        }
        let mut scorer = weight.scorer(segment, 1.0)?;
        let mut doc = scorer.doc();
        while doc < limit {
            count += u64::from(segment.alive_bitset().is_none_or(|alive| alive.is_alive(doc)));
            doc = scorer.advance();
        }
        seen += u64::from(limit);
    }
    if seen == 0 || seen == total {
        return Ok(count);
    }
    // Scaled to the index, and never 0 when the sample had it.
    Ok((count * total).div_ceil(seen).min(total))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::AnalyzerSettings;
    use crate::article::Article;
    use crate::index::SearchIndex;

    /// The statistics read the segments' dictionaries themselves; they
    /// must count as tantivy's `Searcher::doc_freq` does (the larger of the
    /// title's and the body's), with a field missing from a segment.
    #[test]
    fn token_doc_freqs_count_as_tantivy_does() {
        let index = SearchIndex::in_memory(&AnalyzerSettings::default()).expect("index");
        let mut writer = index.writer().expect("writer");
        // The first segment has no titles: a field missing from a segment.
        for (id, body) in [("a", "北京天气晴朗。"), ("b", "北京的银行利率。")] {
            writer.upsert(&Article::new(id, body)).expect("upsert");
        }
        writer.commit().expect("commit");
        let mut titled = Article::new("c", "上海天气多云。");
        titled.title = Some("北京天气".into());
        writer.upsert(&titled).expect("upsert");
        writer.commit().expect("commit");
        let searcher = index.reader.searcher();
        assert!(searcher.segment_readers().len() >= 2, "two segments");
        let stats = Stats::new(&searcher, index.fields);
        let tantivy = |token: &str| {
            [index.fields.title, index.fields.body]
                .iter()
                .map(|&f| searcher.doc_freq(&Term::from_field_text(f, token)).expect("doc freq"))
                .max()
                .unwrap_or(0)
        };
        let mut seen = 0;
        for text in ["北京", "天气", "上海", "银行利率", "北京天气晴朗", "多云", "广州", "的"] {
            let Some(pattern) = Pattern::of_text(&index.analyzer, text) else { continue };
            for (_, token) in &pattern.tokens {
                let want = tantivy(token);
                assert_eq!(stats.token_doc_freq(token).expect("doc freq"), want, "{token}");
                assert_eq!(stats.token_doc_freq(token).expect("doc freq"), want, "{token}, remembered");
                seen += usize::from(want > 0);
            }
            let min = pattern.tokens.iter().map(|(_, t)| tantivy(t)).min().unwrap_or(0);
            assert_eq!(stats.docs_estimate(&pattern), min, "{text}");
        }
        assert!(seen > 4, "the texts' tokens are in the index");
        assert_eq!(stats.token_doc_freq("").expect("doc freq"), 0);
        assert_eq!(stats.token_doc_freq("nothing").expect("doc freq"), 0);
    }

    /// Over an index larger than the sample, each segment gives its share
    /// of it: a pair that only the newest segment has is estimated near its
    /// real count, not as nowhere (a sample of the first documents read the
    /// old segment alone), and an index the sample covers is counted
    /// exactly, whatever its segments.
    #[test]
    fn a_pairs_sample_takes_every_segment_in_proportion() {
        let index = SearchIndex::in_memory(&AnalyzerSettings::default()).expect("index");
        let mut writer = index.writer().expect("writer");
        let (old, new) = (PAIR_SAMPLE_DOCS + 900, 1_000u32);
        for i in 0..old {
            writer.upsert(&Article::new(format!("old{i}"), "北方下雪。")).expect("upsert");
        }
        writer.commit().expect("commit");
        for i in 0..new {
            writer.upsert(&Article::new(format!("new{i}"), "上海天气多云。")).expect("upsert");
        }
        writer.commit().expect("commit");
        let searcher = index.reader.searcher();
        assert!(searcher.segment_readers().len() >= 2, "two segments");
        let pair =
            |first: &str, second: &str| Pair { first: first.into(), second: second.into(), gap: 1, separated: false };
        let estimate = sampled_pair_doc_freq(&searcher, index.fields.body, &pair("天", "气")).expect("estimate");
        let real = u64::from(new);
        assert!(estimate.abs_diff(real) <= real / 20, "{estimate} for {real}");
        let everywhere = sampled_pair_doc_freq(&searcher, index.fields.body, &pair("下", "雪")).expect("estimate");
        assert!(everywhere.abs_diff(u64::from(old)) <= u64::from(old) / 20, "{everywhere} for {old}");
        // The newest segment alone, under the sample's size: exact.
        let small = SearchIndex::in_memory(&AnalyzerSettings::default()).expect("index");
        let mut writer = small.writer().expect("writer");
        for (i, body) in ["北方下雪。", "上海天气多云。", "天气晴。"].iter().enumerate() {
            writer.upsert(&Article::new(format!("d{i}"), *body)).expect("upsert");
            writer.commit().expect("commit");
        }
        let searcher = small.reader.searcher();
        let exact = sampled_pair_doc_freq(&searcher, small.fields.body, &pair("天", "气")).expect("count");
        assert_eq!(exact, 2);
    }
}
