//! The query language, read leniently: every string is a valid query.
//!
//! ```text
//! query   = branch ("OR" branch)*          AND binds tighter than OR
//! branch  = clause+                        clauses separated by spaces (how many must match: `super::rank`)
//! clause  = ["-"] [field ":"] (word | "\"" text "\"")
//! field   = "title" | "body"
//! ```
//!
//! Leniency, case by case:
//! - an unbalanced `"` quotes to the end of the query;
//! - `OR` at either end of the query, or twice in a row, is ignored;
//! - a `-` or `field:` with nothing after it is ignored;
//! - a `-` excludes only a Han word, a quoted text, a field or a Latin word
//!   of two or more characters: `-o`, `-S,`, `--status` (pasted command
//!   lines) and `-5°C` (a minus sign) are text;
//! - an unknown prefix (`foo:bar`) is not a field: the whole `foo:bar` is a word;
//! - only `OR` in capitals is the operator; `or` is a word.
//!
//! Full-width forms are read like their ASCII ones (`＂`, `－`, `：`, the
//! ideographic space), since they are typed by the same keys on a Chinese
//! input method. The curly quotes `“` `”` are quotes too.

use serde::{Deserialize, Serialize};

/// Which text field a clause is restricted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Title or body.
    All,
    /// Only the title.
    Title,
    /// Only the body.
    Body,
}

/// What a clause looks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Term {
    /// An unquoted word: its segmented words must all occur (or it occurs
    /// as a substring).
    Word(String),
    /// A quoted text: it must occur exactly, as a substring.
    Phrase(String),
}

impl Term {
    /// The text of the word or phrase.
    pub fn text(&self) -> &str {
        match self {
            Term::Word(t) | Term::Phrase(t) => t,
        }
    }
}

/// One clause: a term, perhaps negated, perhaps restricted to a field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clause {
    /// `-term`: documents matching it are excluded.
    pub negated: bool,
    /// The field the term must occur in.
    pub scope: Scope,
    /// The word or phrase.
    pub term: Term,
}

/// A parsed query: branches joined by OR, each a list of clauses joined by AND.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParsedQuery {
    /// The OR-ed branches. Empty for an empty query.
    pub branches: Vec<Vec<Clause>>,
}

impl ParsedQuery {
    /// Number of terms over all branches.
    pub fn term_count(&self) -> usize {
        self.branches.iter().map(Vec::len).sum()
    }
}

/// Folds the full-width and curly forms the grammar cares about.
fn fold_syntax(c: char) -> char {
    match c {
        '＂' | '“' | '”' => '"',
        '－' => '-',
        '：' => ':',
        '\u{3000}' => ' ',
        c => c,
    }
}

/// Whether a `-` followed by `rest` excludes what follows: when it is a
/// Han character, a quote, a field, or a Latin word of two or more
/// letters or digits (`-贵州`, `-"脱贫"`, `-title:浙江`, `-python`). Not when
/// it is a pasted command-line option (`-o`, `-S,`, `--status`) or a minus
/// sign (`-5°C`, `-3.5`): those are text, and a document that has them
/// should match, not be shut out.
fn is_exclusion(rest: &[char]) -> bool {
    match rest.first() {
        Some(&c) if c == '"' || crate::analysis::normalize::is_han(c) => true,
        Some(c) if c.is_alphabetic() => {
            // A letter: a word of two or more, up to the next space.
            let word: Vec<char> = rest.iter().take_while(|c| !c.is_whitespace() && **c != '"').copied().collect();
            let is_field = ["title:", "body:"].iter().any(|f| word.iter().copied().take(f.len()).eq(f.chars()));
            is_field || (word.len() >= 2 && word[1].is_alphanumeric())
        }
        _ => false,
    }
}

/// Parses `input`. Never fails; see the module docs for how odd input is read.
pub fn parse(input: &str) -> ParsedQuery {
    let chars: Vec<char> = input.chars().map(fold_syntax).collect();
    let mut branches: Vec<Vec<Clause>> = vec![Vec::new()];
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() {
            i += 1;
            continue;
        }
        // A bare OR between clauses starts a new branch.
        if chars[i] == 'O' && chars.get(i + 1) == Some(&'R') && chars.get(i + 2).is_none_or(|c| c.is_whitespace()) {
            if branches.last().is_some_and(|b| !b.is_empty()) {
                branches.push(Vec::new());
            }
            i += 2;
            continue;
        }
        // A `-` with nothing after it is nothing.
        if chars[i] == '-' && chars.get(i + 1).is_none_or(|c| c.is_whitespace()) {
            i += 1;
            continue;
        }
        let mut negated = false;
        if chars[i] == '-' && is_exclusion(&chars[i + 1..]) {
            negated = true;
            i += 1;
        }
        let mut scope = Scope::All;
        if chars.get(i) != Some(&'"') {
            for (name, s) in [("title:", Scope::Title), ("body:", Scope::Body)] {
                let n = name.chars().count();
                if i + n <= chars.len() && chars[i..i + n].iter().copied().eq(name.chars()) {
                    scope = s;
                    i += n;
                    break;
                }
            }
        }
        let term = if chars.get(i) == Some(&'"') {
            let start = i + 1;
            let end = chars[start..].iter().position(|&c| c == '"').map_or(chars.len(), |p| start + p);
            i = (end + 1).min(chars.len());
            Term::Phrase(chars[start..end].iter().collect())
        } else {
            let start = i;
            while i < chars.len() && !chars[i].is_whitespace() && chars[i] != '"' {
                i += 1;
            }
            Term::Word(chars[start..i].iter().collect())
        };
        if term.text().trim().is_empty() {
            continue;
        }
        if let Some(branch) = branches.last_mut() {
            branch.push(Clause { negated, scope, term });
        }
    }
    branches.retain(|b| !b.is_empty());
    ParsedQuery { branches }
}

/// Reads `input` as plain text, with no operators: every run of
/// non-whitespace is a word, quotes, `-`, `OR` and `field:` included, as
/// Elasticsearch's `match` query stands beside `query_string`. For "find
/// the document this paragraph came from": a pasted message with
/// `-S, --status` or quotes in it is text to match, not syntax.
pub fn parse_plain(input: &str) -> ParsedQuery {
    let clauses: Vec<Clause> = input
        .split_whitespace()
        .map(|w| Clause { negated: false, scope: Scope::All, term: Term::Word(w.to_owned()) })
        .collect();
    ParsedQuery { branches: if clauses.is_empty() { Vec::new() } else { vec![clauses] } }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(t: &str) -> Clause {
        Clause { negated: false, scope: Scope::All, term: Term::Word(t.into()) }
    }
    fn phrase(t: &str) -> Clause {
        Clause { negated: false, scope: Scope::All, term: Term::Phrase(t.into()) }
    }
    fn not(mut c: Clause) -> Clause {
        c.negated = true;
        c
    }
    fn scoped(scope: Scope, mut c: Clause) -> Clause {
        c.scope = scope;
        c
    }

    #[test]
    fn grammar_table() {
        let cases: Vec<(&str, Vec<Vec<Clause>>)> = vec![
            ("", vec![]),
            ("   ", vec![]),
            ("贫困县", vec![vec![word("贫困县")]]),
            ("贫困县 干部", vec![vec![word("贫困县"), word("干部")]]),
            ("\"脱贫 攻坚\"", vec![vec![phrase("脱贫 攻坚")]]),
            ("“脱贫攻坚”", vec![vec![phrase("脱贫攻坚")]]),
            ("扶贫 -贵州", vec![vec![word("扶贫"), not(word("贵州"))]]),
            ("a b OR c", vec![vec![word("a"), word("b")], vec![word("c")]]),
            ("title:小康 干部", vec![vec![scoped(Scope::Title, word("小康")), word("干部")]]),
            ("body:\"贫困县\"", vec![vec![scoped(Scope::Body, phrase("贫困县"))]]),
            ("-title:浙江", vec![vec![not(scoped(Scope::Title, word("浙江")))]]),
            ("ｆｏｏ：bar", vec![vec![word("ｆｏｏ:bar")]]),
            ("foo:bar", vec![vec![word("foo:bar")]]),
            ("color or colour", vec![vec![word("color"), word("or"), word("colour")]]),
            ("ORACLE", vec![vec![word("ORACLE")]]),
            // Lenient cases.
            ("\"未闭合 的引号", vec![vec![phrase("未闭合 的引号")]]),
            ("OR 扶贫 OR", vec![vec![word("扶贫")]]),
            ("扶贫 OR OR 脱贫", vec![vec![word("扶贫")], vec![word("脱贫")]]),
            ("-", vec![]),
            ("--", vec![vec![word("--")]]),
            // Pasted command lines and minus signs are text.
            ("-S, --status", vec![vec![word("-S,"), word("--status")]]),
            ("ls -o 文件", vec![vec![word("ls"), word("-o"), word("文件")]]),
            ("气温 -5°C", vec![vec![word("气温"), word("-5°C")]]),
            ("-python 教程", vec![vec![not(word("python")), word("教程")]]),
            ("-\"脱贫\"", vec![vec![not(phrase("脱贫"))]]),
            ("title:", vec![]),
            ("\"\"", vec![]),
            ("扶贫－贵州", vec![vec![word("扶贫-贵州")]]),
        ];
        for (input, want) in cases {
            assert_eq!(parse(input).branches, want, "parse({input:?})");
        }
    }

    #[test]
    fn plain_text_has_no_operators() {
        let cases: Vec<(&str, Vec<Vec<Clause>>)> = vec![
            ("", vec![]),
            (
                "扶贫 -贵州 OR \"脱贫\" title:小康",
                vec![vec![word("扶贫"), word("-贵州"), word("OR"), word("\"脱贫\""), word("title:小康")]],
            ),
        ];
        for (input, want) in cases {
            assert_eq!(parse_plain(input).branches, want, "parse_plain({input:?})");
        }
    }
}
