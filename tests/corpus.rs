//! Tests over the large shared corpora. They read `$ZHSEARCH_CORPORA`
//! (CI sets it to `../shared/corpora`); without it every test here is
//! reported as ignored, never as passed.

use std::path::{Path, PathBuf};

use libtest_mimic::{Arguments, Failed, Trial};
use zhsearch::analysis::convert::Converter;

const VAR: &str = "ZHSEARCH_CORPORA";

/// A corpus test: given the corpora directory, pass or fail.
type CorpusTest = fn(&Path) -> Result<(), Failed>;

fn main() {
    let args = Arguments::from_args();
    let dir = std::env::var_os(VAR).map(PathBuf::from);
    if dir.is_none() {
        eprintln!("corpus tests skipped: {VAR} is not set (CI sets it to ../shared/corpora)");
    }
    let tests: Vec<(&str, CorpusTest)> = vec![
        ("fast_path_equals_opencc_on_tang_poems", fast_path_tang),
        ("fast_path_equals_opencc_on_libreoffice_both_scripts", fast_path_libreoffice),
        ("fast_path_equals_opencc_on_people_daily", fast_path_news),
    ];
    let trials = tests
        .into_iter()
        .map(|(name, f)| {
            let ignored = dir.is_none();
            let dir = dir.clone();
            Trial::test(name, move || match &dir {
                Some(d) => f(d),
                None => Ok(()),
            })
            .with_ignored_flag(ignored)
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
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
        "{name}: {} texts ({:.1} MB) compared, fast path equal to OpenCC on all; {skipped} skipped OpenCC entirely, {realigned} needed re-alignment",
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
