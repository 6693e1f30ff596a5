//! zhsearch from Rust: open an index, ingest a folder, search with a
//! filter, print the hits with their snippets.
//!
//! ```text
//! cargo run --release --example library -- /tmp/zhsearch-index data/sample
//! ```

use zhsearch::analysis::AnalyzerSettings;
use zhsearch::index::SearchIndex;
use zhsearch::ingest;
use zhsearch::query::{SearchRequest, Sort};

fn main() -> Result<(), zhsearch::Error> {
    let mut args = std::env::args().skip(1);
    let dir =
        args.next().unwrap_or_else(|| std::env::temp_dir().join("zhsearch-library-example").display().to_string());
    let folder = args.next().unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample").to_string());

    // Open the index, or create it with the default analyzer settings.
    let index = SearchIndex::open_or_create(&dir, &AnalyzerSettings::default())?;

    // Ingest a folder: good articles go in; bad ones are reported with their location.
    let batch = ingest::read_path(&folder)?;
    for rejection in &batch.rejected {
        eprintln!("skipped {rejection}");
    }
    let mut writer = index.writer()?;
    for article in &batch.articles {
        writer.upsert(article)?;
    }
    writer.commit()?;

    // Search in either script, newest first, from 2019 on.
    let since = chrono::DateTime::parse_from_rfc3339("2019-01-01T00:00:00+08:00").ok();
    let request = SearchRequest::new("貧困縣 干部").published_between(since, None).sort(Sort::Newest).limit(3);
    let results = index.search(&request)?;
    println!("{} articles match", results.total);
    for hit in &results.hits {
        println!("{}  {}", hit.id, hit.article.title.as_deref().unwrap_or(""));
        for snippet in &hit.snippets {
            println!("    {}", snippet.marked("[", "]").replace('\n', " "));
        }
    }
    Ok(())
}
