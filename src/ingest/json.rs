//! JSON and JSON Lines records.

use serde_json::Value;

use super::{decode, strip_bom, Ingested};
use crate::article::Article;
use crate::{Error, Location};

/// Reads a JSON document: one article object, or an array of them.
///
/// A syntax error rejects the whole document (at serde_json's line). In an
/// array each element stands alone: a bad one is rejected at the line where
/// it starts, with `field` set to `[i]` (its 0-based index) or
/// `[i].name` for a bad field, and the other elements are still read.
pub fn parse_json(text: &str, location: &Location) -> Ingested {
    let text = strip_bom(text);
    let mut batch = Ingested::default();
    let value: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(e) => {
            let at = location.clone().at_line(e.line().max(1));
            batch.rejected.push(Error::invalid(at, format!("malformed JSON: {e}")));
            return batch;
        }
    };
    match value {
        Value::Array(items) => {
            let lines = element_lines(text);
            for (i, item) in items.into_iter().enumerate() {
                let mut at = location.clone().in_field(format!("[{i}]"));
                at.line = lines.get(i).copied();
                push(&mut batch, Article::from_json(item, &at));
            }
        }
        single => push(&mut batch, Article::from_json(single, &location.clone().at_line(1))),
    }
    batch
}

/// Reads JSON Lines: one article object per line. Blank lines are skipped;
/// a bad line is rejected at its line number and the others are still read.
///
/// `location.line`, if set, is the line number of the text's first line.
pub fn parse_jsonl(text: &str, location: &Location) -> Ingested {
    let first = location.line.unwrap_or(1);
    let mut batch = Ingested::default();
    for (n, line) in strip_bom(text).lines().enumerate() {
        batch.append(parse_record(line, &location.clone().at_line(first + n)));
    }
    batch
}

/// [`parse_jsonl`] over raw bytes, decoding each line on its own so that one
/// line of bad bytes costs only that record.
pub(super) fn parse_jsonl_bytes(bytes: &[u8], location: &Location) -> Ingested {
    let first = location.line.unwrap_or(1);
    let mut batch = Ingested::default();
    for (n, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let at = location.clone().at_line(first + n);
        match decode(line, &at) {
            Ok(line) => batch.append(parse_record(&line, &at)),
            Err(e) => batch.rejected.push(e),
        }
    }
    batch
}

/// One JSON Lines record (a blank line yields nothing).
fn parse_record(line: &str, at: &Location) -> Ingested {
    let mut batch = Ingested::default();
    let line = strip_bom(line).trim();
    if line.is_empty() {
        return batch;
    }
    match serde_json::from_str::<Value>(line) {
        Ok(value) => push(&mut batch, Article::from_json(value, at)),
        Err(e) => batch.rejected.push(Error::invalid(at.clone(), format!("malformed JSON: {e}"))),
    }
    batch
}

fn push(batch: &mut Ingested, result: crate::Result<Article>) {
    match result {
        Ok(article) => batch.articles.push(article),
        Err(e) => batch.rejected.push(e),
    }
}

/// The 1-based line on which each element of a top-level JSON array starts.
///
/// serde_json's `Value` keeps no positions, so this walks the (already
/// validated) text once, tracking strings and nesting depth.
fn element_lines(text: &str) -> Vec<usize> {
    let mut lines = Vec::new();
    let (mut line, mut depth) = (1, 0usize);
    let (mut in_string, mut escaped, mut expecting) = (false, false, false);
    for c in text.chars() {
        if c == '\n' {
            line += 1;
        }
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        if expecting && !c.is_whitespace() && c != ']' {
            lines.push(line);
            expecting = false;
        }
        match c {
            '"' => in_string = true,
            '[' | '{' => {
                depth += 1;
                expecting = depth == 1 && c == '[';
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            ',' if depth == 1 => expecting = true,
            _ => {}
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn element_lines_follow_the_array() {
        let text = "[\n  {\"body\": \"a [ ] , \\\" {\"},\n  {\"body\": \"b\",\n   \"x\": [1, 2]},\n\n  3\n]";
        assert_eq!(element_lines(text), vec![2, 3, 6]);
        assert_eq!(element_lines("[]"), Vec::<usize>::new());
        assert_eq!(element_lines("[{}, {}]"), vec![1, 1]);
    }

    #[test]
    fn array_elements_are_located_by_line_and_index() {
        let text = "[\n{\"body\": \"好\"},\n{\"body\": \"坏\", \"published_at\": \"x\"},\n7\n]";
        let batch = parse_json(text, &Location::file("a.json"));
        assert_eq!(batch.articles.len(), 1);
        let shown: Vec<String> = batch.rejected.iter().map(|e| e.to_string()).collect();
        assert_eq!(shown.len(), 2);
        assert!(shown[0].starts_with("a.json:3: field `[1].published_at`: cannot read `x`"), "{}", shown[0]);
        assert_eq!(shown[1], "a.json:4: field `[2]`: expected a JSON object, found a number");
    }

    #[test]
    fn jsonl_line_numbers_count_blank_lines() {
        let text = "\u{feff}{\"body\": \"一\"}\r\n\r\n{bad\n   \n{\"text\": \"二\", \"id\": \"b\"}\n";
        let batch = parse_jsonl(text, &Location::file("a.jsonl"));
        let ids: Vec<&str> = batch.articles.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids.len(), 2);
        assert_eq!(ids[1], "b");
        assert_eq!(batch.rejected.len(), 1);
        assert!(batch.rejected[0].to_string().starts_with("a.jsonl:3: malformed JSON"), "{}", batch.rejected[0]);
    }

    #[test]
    fn jsonl_bytes_reject_only_the_bad_line() {
        let mut bytes =
            b"{\"body\": \"\xe4\xb8\x80\"}\n{\"body\": \"\xff\"}\n{\"body\": \"a\0\"}\n{\"body\": \"c\"}".to_vec();
        bytes.extend_from_slice(b"\n");
        let batch = parse_jsonl_bytes(&bytes, &Location::file("x.jsonl"));
        assert_eq!(batch.articles.iter().map(|a| a.body.as_str()).collect::<Vec<_>>(), vec!["一", "c"]);
        let shown: Vec<String> = batch.rejected.iter().map(|e| e.to_string()).collect();
        assert_eq!(
            shown,
            vec![
                "x.jsonl:2: invalid UTF-8 at byte 10 of the line",
                "x.jsonl:3: NUL byte at byte 11 of the line (a UTF-16 or binary file?)"
            ]
        );
    }
}
