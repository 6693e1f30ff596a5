//! Tests over the large shared corpora. They read `$ZHSEARCH_CORPORA`
//! (CI sets it to `../shared/corpora`); without it every test here is
//! reported as ignored, never as passed.

use std::path::{Path, PathBuf};

use libtest_mimic::{Arguments, Failed};
use zhsearch::analysis::convert::Converter;
use zhsearch::analysis::AnalyzerSettings;
use zhsearch::article::Article;
use zhsearch::index::SearchIndex;
use zhsearch::query::SearchRequest;

#[path = "common/gated.rs"]
mod gated;
#[path = "common/typos.rs"]
mod typos;

const VAR: &str = "ZHSEARCH_CORPORA";

/// A corpus test: given the corpora directory, pass or fail.
type CorpusTest = gated::Gated;

fn main() {
    let args = Arguments::from_args();
    let tests: Vec<(&str, CorpusTest)> = vec![
        ("fast_path_equals_opencc_on_tang_poems", fast_path_tang),
        ("fast_path_equals_opencc_on_libreoffice_both_scripts", fast_path_libreoffice),
        ("fast_path_equals_opencc_on_people_daily", fast_path_news),
        ("tang_poems_are_found_by_title_and_by_a_misremembered_line", tang_title_mrr),
        ("libreoffice_pages_are_found_from_the_other_sides_words", libreoffice_known_items),
        ("short_messages_are_found_from_a_pasted_message", messages_known_items),
        ("libreoffice_titles_are_found_from_their_pinyin", libreoffice_pinyin_titles),
        ("libreoffice_title_words_with_a_homophone_typo_are_corrected", libreoffice_typos),
    ];
    gated::run(&args, VAR, "corpus tests skipped: ZHSEARCH_CORPORA is not set (CI sets it to ../shared/corpora)", tests)
}

/// The string fields `fields` of every record of a JSONL corpus file.
fn read_fields(dir: &Path, file: &str, fields: &[&str]) -> Result<Vec<String>, Failed> {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let record: serde_json::Value =
            serde_json::from_str(line).map_err(|e| format!("{}:{}: {e}", path.display(), n + 1))?;
        for f in fields {
            if let Some(s) = record.get(*f).and_then(|v| v.as_str()) {
                out.push(s.to_owned());
            }
        }
    }
    Ok(out)
}

/// Checks the fast path (line-wise, skipping unchanged lines) against one
/// OpenCC call over the whole text, for every text, and prints the counts.
fn check_fast_path(name: &str, texts: &[String]) -> Result<(), Failed> {
    let conv = Converter::shared().map_err(|e| e.to_string())?;
    let mut skipped = 0usize;
    let mut realigned = 0usize;
    let mut bytes = 0usize;
    for (i, text) in texts.iter().enumerate() {
        bytes += text.len();
        if conv.is_unchanged(text) {
            skipped += 1;
        }
        let fast = conv.convert(text);
        if fast.source.is_some() {
            realigned += 1;
        }
        let full = conv.convert_full(text);
        if fast.text != full {
            return Err(format!("{name}: text #{i} differs\n fast: {}\n full: {full}", fast.text).into());
        }
    }
    eprintln!(
        "{name}: {} texts ({:.1} MB) compared, fast path equal to OpenCC on all; {skipped} took the fast path, {realigned} needed a character map",
        texts.len(),
        bytes as f64 / 1e6
    );
    Ok(())
}

fn fast_path_tang(dir: &Path) -> Result<(), Failed> {
    let texts = read_fields(dir, "tang-poems-traditional.jsonl", &["title", "author", "text"])?;
    check_fast_path("tang poems", &texts)
}

fn fast_path_libreoffice(dir: &Path) -> Result<(), Failed> {
    let cn = read_fields(dir, "libreoffice-help-cn-tw.jsonl", &["title_cn", "zh_cn"])?;
    check_fast_path("libreoffice zh_cn", &cn)?;
    let tw = read_fields(dir, "libreoffice-help-cn-tw.jsonl", &["title_tw", "zh_tw"])?;
    check_fast_path("libreoffice zh_tw", &tw)
}

fn fast_path_news(dir: &Path) -> Result<(), Failed> {
    let texts = read_fields(dir, "news-pd1998-paragraphs.jsonl", &["text"])?;
    check_fast_path("people's daily 1998", &texts)
}

/// A small deterministic generator (xorshift), so the sample is the same on every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// Each of 200 random poem titles, as a query, should find a poem of that
/// title near the top. A hit counts when its title is the query (many poems
/// share a title, and any of them answers it).
fn tang_title_mrr(dir: &Path) -> Result<(), Failed> {
    let path = dir.join("tang-poems-traditional.jsonl");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut poems: Vec<Article> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let a: Article = serde_json::from_str(line).map_err(|e| format!("{}:{}: {e}", path.display(), n + 1))?;
        if a.title.as_deref().is_some_and(|t| !t.trim().is_empty()) && !a.body.trim().is_empty() {
            poems.push(a);
        }
    }
    let index = SearchIndex::in_memory(&AnalyzerSettings::default()).map_err(|e| e.to_string())?;
    let mut writer = index.writer().map_err(|e| e.to_string())?;
    for p in &poems {
        writer.upsert(p).map_err(|e| e.to_string())?;
    }
    writer.commit().map_err(|e| e.to_string())?;

    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let (queries, mut sum, mut first) = (200, 0.0f64, 0);
    for _ in 0..queries {
        let title = poems[rng.below(poems.len())].title.clone().unwrap_or_default();
        let results = index.search(&SearchRequest::new(title.clone()).limit(10)).map_err(|e| e.to_string())?;
        // 望嶽 answers 望岳: titles compare folded.
        let key = index.analyzer().fold(&title);
        let found = results
            .hits
            .iter()
            .position(|h| h.article.title.as_deref().map(|t| index.analyzer().fold(t)) == Some(key.clone()));
        if found.is_none_or(|r| r > 0) && std::env::var_os("ZHSEARCH_SHOW_MISSES").is_some() {
            let top: Vec<_> =
                results.hits.iter().take(3).map(|h| h.article.title.clone().unwrap_or_default()).collect();
            eprintln!("miss {title:?} at {found:?}; top {top:?}");
        }
        if let Some(rank) = found {
            sum += 1.0 / (rank + 1) as f64;
            first += usize::from(rank == 0);
        }
    }
    let mrr = sum / queries as f64;
    eprintln!(
        "tang titles: {} poems indexed, {queries} title queries, MRR@10 = {mrr:.3}, first = {first}",
        poems.len()
    );
    if mrr < MRR_FLOOR {
        return Err(format!("MRR {mrr:.3} is below the floor {MRR_FLOOR}").into());
    }
    misremembered_lines(&index, &poems, &mut rng)
}

/// The floor the title MRR must reach (BENCHMARKS.md has the figures).
/// `ZHSEARCH_SHOW_MISSES=1` lists the queries that miss rank 1.
const MRR_FLOOR: f64 = 0.99;

/// A line of a poem as a reader half remembers it, typed in Simplified
/// without punctuation: each character left out with probability 3/10,
/// replaced by a character of another poem with 3/20, and followed by one
/// with 1/10. Its poem should still rank near the top: the characters that
/// survive are together in one line of it. (Only lines found in one poem
/// are asked, so the target is the only right answer.)
fn misremembered_lines(index: &SearchIndex, poems: &[Article], rng: &mut Rng) -> Result<(), Failed> {
    let mut seen: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
    for p in poems {
        for line in p.body.lines() {
            *seen.entry(line.trim()).or_default() += 1;
        }
    }
    let is_han = |c: &char| ('\u{4e00}'..='\u{9fff}').contains(c);
    let (queries, mut asked, mut sum, mut first) = (200, 0, 0.0f64, 0);
    while asked < queries {
        let poem = &poems[rng.below(poems.len())];
        let lines: Vec<&str> = poem.body.lines().map(str::trim).collect();
        let Some(line) = lines.get(2).filter(|l| lines.len() >= 4 && seen.get(*l) == Some(&1)) else { continue };
        let chars: Vec<char> = index.analyzer().fold(line).chars().filter(is_han).collect();
        if chars.len() < 10 {
            continue;
        }
        let other = |rng: &mut Rng| -> char {
            let from: Vec<char> = poems[rng.below(poems.len())].body.chars().filter(is_han).collect();
            from.get(rng.below(from.len().max(1))).copied().unwrap_or('之')
        };
        let mut query = String::new();
        for &c in &chars {
            match rng.below(20) {
                0..=5 => {}
                6..=8 => query.push(other(rng)),
                _ => query.push(c),
            }
            if rng.below(10) == 0 {
                query.push(other(rng));
            }
        }
        asked += 1;
        let results = index.search(&SearchRequest::new(query.clone()).limit(10)).map_err(|e| e.to_string())?;
        let found = results.hits.iter().position(|h| h.article.id == poem.id);
        if found.is_none_or(|r| r > 0) && std::env::var_os("ZHSEARCH_SHOW_MISSES").is_some() {
            eprintln!("miss {query:?} (line {line:?}) at {found:?}");
        }
        if let Some(rank) = found {
            sum += 1.0 / (rank + 1) as f64;
            first += usize::from(rank == 0);
        }
    }
    let mrr = sum / queries as f64;
    eprintln!("tang lines, misremembered: {queries} queries, MRR@10 = {mrr:.3}, first = {first}");
    if mrr < LINE_MRR_FLOOR {
        return Err(format!("misremembered lines: MRR {mrr:.3} is below the floor {LINE_MRR_FLOOR}").into());
    }
    Ok(())
}

/// The floor of `misremembered_lines`, a few points under what the ranking
/// reached when it was set (0.820; 0.784 without the passage score, which
/// this floor would catch; BENCHMARKS.md has the figures).
const LINE_MRR_FLOOR: f64 = 0.80;

/// The LibreOffice help pages, each in two independent human translations
/// (zh_CN and zh_TW): (title, body) per side.
fn libreoffice_pairs(dir: &Path) -> Result<Vec<[(String, String); 2]>, Failed> {
    let path = dir.join("libreoffice-help-cn-tw.jsonl");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let v: serde_json::Value =
            serde_json::from_str(line).map_err(|e| format!("{}:{}: {e}", path.display(), n + 1))?;
        let s = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or_default().to_owned();
        out.push([(s("title_cn"), s("zh_cn")), (s("title_tw"), s("zh_tw"))]);
    }
    Ok(out)
}

/// The first sentence of a page's body with at least ten Han characters,
/// after its first line (which repeats the title).
fn first_sentence(body: &str) -> Option<String> {
    body.lines()
        .skip(1)
        .flat_map(|l| l.split(['。', '！', '？', '!', '?']))
        .map(str::trim)
        .find(|s| s.chars().filter(|&c| zhsearch::analysis::normalize::is_han(c)).count() >= 10)
        .map(str::to_owned)
}

/// Known-item search across the strait: a page's title, or its first
/// sentence, as one translation team wrote it, must find the page as the
/// other team wrote it, in the other script and often other words. MRR@10
/// over every page, both ways; each must stay above its floor.
fn libreoffice_known_items(dir: &Path) -> Result<(), Failed> {
    let pairs = libreoffice_pairs(dir)?;
    let mut failures = Vec::new();
    for (side, other) in [(1usize, 0usize), (0, 1)] {
        let index = SearchIndex::in_memory(&AnalyzerSettings::default()).map_err(|e| e.to_string())?;
        let mut writer = index.writer().map_err(|e| e.to_string())?;
        for (i, pair) in pairs.iter().enumerate() {
            let (title, body) = &pair[side];
            let mut article = Article::new(format!("p{i}"), body.clone());
            article.title = Some(title.clone());
            if !body.trim().is_empty() {
                writer.upsert(&article).map_err(|e| e.to_string())?;
            }
        }
        writer.commit().map_err(|e| e.to_string())?;
        let direction = if side == 1 { "zh_CN -> zh_TW" } else { "zh_TW -> zh_CN" };
        for kind in ["titles", "sentences"] {
            let queries: Vec<(String, String)> = pairs
                .iter()
                .enumerate()
                .filter_map(|(i, pair)| {
                    let (title, body) = &pair[other];
                    let q = if kind == "titles" { Some(title.clone()) } else { first_sentence(body) };
                    q.filter(|q| !q.trim().is_empty()).map(|q| (q, format!("p{i}")))
                })
                .collect();
            let mrr = mrr(&index, &queries, |q| SearchRequest::new(q))?;
            let floor =
                KNOWN_ITEM_FLOORS.iter().find(|(d, k, _)| *d == direction && *k == kind).map_or(1.0, |(_, _, f)| *f);
            eprintln!("libreoffice {direction} {kind}: {} queries, MRR@10 = {mrr:.3} (floor {floor})", queries.len());
            if mrr < floor {
                failures.push(format!("{direction} {kind}: MRR@10 {mrr:.3} is below the floor {floor}"));
            }
        }
    }
    all_passed(failures)
}

/// The MRR@10 floors of `libreoffice_known_items`, a few points under what
/// the ranking reached when they were set (BENCHMARKS.md has the figures).
const KNOWN_ITEM_FLOORS: [(&str, &str, f64); 4] = [
    ("zh_CN -> zh_TW", "titles", 0.62),
    ("zh_CN -> zh_TW", "sentences", 0.71),
    ("zh_TW -> zh_CN", "titles", 0.67),
    ("zh_TW -> zh_CN", "sentences", 0.75),
];

/// The development sets beside the corpora (`../shared/eval`): the
/// directory next to `$ZHSEARCH_CORPORA`.
fn eval_dir(corpora: &Path) -> PathBuf {
    corpora.parent().map_or_else(|| PathBuf::from("eval"), |p| p.join("eval"))
}

/// An in-memory index of a JSONL of articles.
fn index_of_jsonl(path: &Path) -> Result<SearchIndex, Failed> {
    let batch = zhsearch::ingest::read_path(path).map_err(|e| e.to_string())?;
    if let Some(first) = batch.rejected.first() {
        return Err(format!("{}: {} rejected, the first: {first}", path.display(), batch.rejected.len()).into());
    }
    let index = SearchIndex::in_memory(&AnalyzerSettings::default()).map_err(|e| e.to_string())?;
    let mut writer = index.writer().map_err(|e| e.to_string())?;
    for article in &batch.articles {
        writer.upsert(article).map_err(|e| e.to_string())?;
    }
    writer.commit().map_err(|e| e.to_string())?;
    Ok(index)
}

/// MRR@10 of `queries` ((query, target id)) with requests made by `request`.
fn mrr(
    index: &SearchIndex,
    queries: &[(String, String)],
    request: impl Fn(&str) -> SearchRequest,
) -> Result<f64, Failed> {
    let mut sum = 0.0;
    for (q, target) in queries {
        let results = index.search(&request(q).snippets(0, 0).facets(false)).map_err(|e| e.to_string())?;
        if let Some(rank) = results.hits.iter().position(|h| &h.id == target) {
            sum += 1.0 / (rank + 1) as f64;
        }
    }
    Ok(sum / queries.len().max(1) as f64)
}

/// Short software messages, each found from its translation by the other
/// side (`messages-known-item.jsonl`), in the query language and as plain
/// text; each above its floor, a few points under what the ranking
/// reached when they were set (0.940 and 0.944 with zhsearch's own lists
/// of words across the strait and spellings that count for characters;
/// BENCHMARKS.md).
fn messages_known_items(dir: &Path) -> Result<(), Failed> {
    let eval = eval_dir(dir);
    let index = index_of_jsonl(&eval.join("messages-tw-articles.jsonl"))?;
    let text = std::fs::read_to_string(eval.join("messages-known-item.jsonl")).map_err(|e| e.to_string())?;
    let mut queries = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let record: serde_json::Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
        if let (Some(q), Some(t)) = (record["q"].as_str(), record["target"].as_str()) {
            queries.push((q.to_owned(), t.to_owned()));
        }
    }
    let mut failures = Vec::new();
    for (name, plain, floor) in [("query language", false, 0.93), ("plain text", true, 0.93)] {
        let mrr = mrr(&index, &queries, |q| SearchRequest::new(q).plain(plain))?;
        eprintln!("messages, {name}: {} queries, MRR@10 = {mrr:.3} (floor {floor})", queries.len());
        if mrr < floor {
            failures.push(format!("{name}: MRR@10 {mrr:.3} is below the floor {floor}"));
        }
    }
    all_passed(failures)
}

/// Each LibreOffice help title of 2 to 8 characters, typed as full pinyin,
/// mixed (its first character as itself) and as initials (each syllable's
/// first letter), finds its page; above floors a few points under what the
/// reading reached when they were set (0.886, 0.892 and 0.885, with a title
/// that the reading spells whole first; BENCHMARKS.md).
fn libreoffice_pinyin_titles(dir: &Path) -> Result<(), Failed> {
    use zhsearch::analysis::pinyin::readings;
    let path = eval_dir(dir).join("libreoffice-tw-articles.jsonl");
    let index = index_of_jsonl(&path)?;
    let (mut full, mut mixed, mut initials) = (Vec::new(), Vec::new(), Vec::new());
    let batch = zhsearch::ingest::read_path(&path).map_err(|e| e.to_string())?;
    for article in &batch.articles {
        let Some(title) = article.title.as_deref() else { continue };
        let chars: Vec<char> = index.analyzer().fold(title).chars().collect();
        let syllables: Vec<&str> = chars.iter().filter_map(|c| readings(*c).first().copied()).collect();
        if !(2..=8).contains(&chars.len()) || syllables.len() != chars.len() {
            continue;
        }
        full.push((syllables.concat(), article.id.clone()));
        mixed.push((format!("{}{}", chars[0], syllables[1..].concat()), article.id.clone()));
        initials.push((syllables.iter().filter_map(|s| s.chars().next()).collect::<String>(), article.id.clone()));
    }
    let mut failures = Vec::new();
    for (name, queries, floor) in [("full", &full, 0.85), ("mixed", &mixed, 0.86), ("initials", &initials, 0.85)] {
        let mrr = mrr(&index, queries, |q| SearchRequest::new(q))?;
        eprintln!("libreoffice titles in pinyin, {name}: {} queries, MRR@10 = {mrr:.3} (floor {floor})", queries.len());
        if mrr < floor {
            failures.push(format!("{name}: MRR@10 {mrr:.3} is below the floor {floor}"));
        }
    }
    all_passed(failures)
}

/// In each LibreOffice help title (zh_TW pages, folded), a word the index
/// has typed with a wrong pick of the input method
/// ([`typos::wrong_pick`]): asked alone, and as the whole title, the
/// first correction offered must be the word, and the title. Shares of
/// first corrections above floors a few points under what the
/// corrections reached when they were set (0.976 and 0.866, with runs of
/// words corrected inside short clauses; BENCHMARKS.md).
fn libreoffice_typos(dir: &Path) -> Result<(), Failed> {
    let path = eval_dir(dir).join("libreoffice-tw-articles.jsonl");
    let index = index_of_jsonl(&path)?;
    let batch = zhsearch::ingest::read_path(&path).map_err(|e| e.to_string())?;
    let first_correction = |q: &str| -> Result<Option<String>, Failed> {
        let results = index.search(&SearchRequest::new(q).limit(0).facets(false)).map_err(|e| e.to_string())?;
        Ok(results.did_you_mean.into_iter().next())
    };
    let (mut asked, mut words, mut titles) = (0, 0, 0);
    for article in &batch.articles {
        let Some(title) = article.title.as_deref() else { continue };
        let title = index.analyzer().fold(title.trim());
        let Some((word, typo)) = typos::wrong_pick(index.analyzer(), &title) else { continue };
        let quoted = SearchRequest::new(format!("\"{word}\"")).limit(0).facets(false);
        if index.search(&quoted).map_err(|e| e.to_string())?.total == 0 {
            continue;
        }
        asked += 1;
        words += usize::from(first_correction(&typo)?.as_deref() == Some(word.as_str()));
        titles += usize::from(first_correction(&title.replacen(&word, &typo, 1))?.as_deref() == Some(title.as_str()));
    }
    let mut failures = Vec::new();
    for (name, right, floor) in [("the word alone", words, 0.93), ("the whole title", titles, 0.82)] {
        let share = right as f64 / asked.max(1) as f64;
        eprintln!("libreoffice typos, {name}: {asked} queries, first correction right {share:.3} (floor {floor})");
        if asked < 500 || share < floor {
            failures.push(format!("{name}: {right} of {asked} first corrections right, below the floor {floor}"));
        }
    }
    all_passed(failures)
}

/// Passes when nothing failed, else fails with every failure.
fn all_passed(failures: Vec<String>) -> Result<(), Failed> {
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("; ").into())
    }
}
