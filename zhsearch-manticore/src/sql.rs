//! SphinxQL text: string literals and the full-text query.
//!
//! Neither engine has server-side prepared statements in the versions
//! served here, so values are escaped on the client. In a string literal
//! only `\` and `'` need it; a NUL byte is refused by the parser, and
//! zhsearch's articles have none (ingestion rejects them).

/// `text` as a single-quoted SphinxQL string literal.
pub(crate) fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\0' => {}
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_backslashes_are_escaped() {
        assert_eq!(quote(r#"it's a \"test\""#), r#"'it\'s a \\"test\\"'"#);
        assert_eq!(quote("中文\n"), "'中文\n'");
        assert_eq!(quote("a\0b"), "'ab'");
    }
}
