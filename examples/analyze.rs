//! Shows what the analyzer makes of text: word tokens and character tokens,
//! each with its position and the original text it covers.
//!
//! ```text
//! cargo run --release --example analyze -- 貧困縣逐一清零
//! cargo run --release --example analyze            # the bundled sample articles' titles
//! ```

use std::process::ExitCode;

use zhsearch::analysis::Analyzer;

fn main() -> ExitCode {
    let analyzer = match Analyzer::new() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut inputs: Vec<String> = std::env::args().skip(1).collect();
    if inputs.is_empty() {
        // The first non-empty line of each sample article is its title (or close to it).
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample");
        let mut paths: Vec<_> = match std::fs::read_dir(dir) {
            Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).collect(),
            Err(e) => {
                eprintln!("error: {dir}: {e}");
                return ExitCode::FAILURE;
            }
        };
        paths.sort();
        for path in paths {
            if let Ok(text) = std::fs::read_to_string(&path) {
                let line = text.lines().map(str::trim).find(|l| l.chars().count() > 12).unwrap_or("");
                inputs.push(line.to_owned());
            }
        }
    }
    for input in inputs {
        println!("{input}");
        let words: Vec<String> = analyzer
            .analyze(&input)
            .iter()
            .map(|t| {
                let original = &input[t.offset_from..t.offset_to];
                if original == t.text {
                    format!("{}@{}", t.text, t.position)
                } else {
                    format!("{}({original})@{}", t.text, t.position)
                }
            })
            .collect();
        println!("  words: {}", words.join(" "));
        let grams: Vec<String> =
            analyzer.char_tokens(&input).iter().map(|t| format!("{}@{}", t.text, t.position)).collect();
        println!("  chars: {}", grams.join(" "));
    }
    ExitCode::SUCCESS
}
