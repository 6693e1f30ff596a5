//! Raw news pages: text copied off a web page, site furniture and all.

use super::lines::{self, classify, credit, fold_char, Kind};
use crate::article::{find_date, Article};
use crate::{Error, Location, Result};

/// How many text lines from the top the headline and byline are looked for in.
const HEAD_LINES: usize = 6;

/// A byline is a short line; anything longer is prose that happens to
/// contain a date.
const MAX_BYLINE_CHARS: usize = 80;

/// A headline longer than this, or ending in a full stop, is a paragraph.
const MAX_TITLE_CHARS: usize = 100;

/// Reads a raw news page into an [`Article`] with id `id`.
///
/// The page is read line by line, and the rules are patterns of such pages,
/// not strings of any one site:
///
/// 1. **Furniture** is dropped wherever it stands: blank and
///    punctuation-only lines, app and contribution prompts (`下载APP`,
///    `我要投稿`), weather widgets (a line with a temperature), comment and
///    visitor counters (`暂无内容`, `您是第 位来访者`), pagers (`0/0`) and
///    bare page numbers, breadcrumbs (`当前位置: 首页>…`), image file names
///    (`601.png`). Furniture keywords only count on short lines (≤ 40
///    chars), so a paragraph that mentions 阅读量 stays.
/// 2. **The byline** is the first short line (≤ 80 chars, no sentence
///    punctuation) among the first six text lines that holds a full date
///    (see [`parse_date`](crate::article::parse_date) for the forms), or that
///    opens with a byline label such as `来源:`. Its fields are read by
///    label (`来源`/`文章来源` → source, `作者`/`记者` → author, `时间`
///    ignored) or, unlabeled, by position: `南方日报 2019-07-30 06:33` and
///    `2020-11-19 09:30 |浙江新闻客户端 |记者 黄宏` give a source and a
///    reporter. Consecutive byline lines are all read.
/// 3. **The headline** is the text line just above the byline; lines above
///    it are navigation and are dropped. A page without a byline takes its
///    first text line as the headline, if it is short (≤ 100 chars) and
///    does not end in `。`.
/// 4. **Credit lines** (`◎《南方》记者∕殷立飞 卢益飞 发自广州`,
///    `湖南日报记者田育才`, `通讯员…`, `网编:…`, `策划:…`) are removed from the
///    body; a reporter's or writer's credit gives the author if the byline
///    did not, and the publication before `记者` gives the source. A credit
///    is short and has no sentence punctuation, so `记者从…获悉，…` is prose.
///    A line right after the byline that repeats the author's names is
///    dropped too.
/// 5. **The article ends** at the first comment header, related/hot news
///    list or footer (`最新评论(8)`, `热门新闻`, `相关阅读`, `主办单位:…`, an
///    ICP number, `Copyright`): everything after it, adverts included, is
///    dropped.
///
/// The body is the remaining lines, trimmed, joined by `\n`. Keywords are
/// matched in both scripts and in full-width forms; kept text is never
/// altered, so a Traditional page stays Traditional.
///
/// Fails with [`Error::InvalidInput`] (field `body`) when no body text is
/// left, or when the text holds a NUL character.
///
/// ```
/// use zhsearch::ingest::parse_page;
///
/// let page = "首页 > 新闻\n\n农村电商走出大山\n\n2021-03-05 08:00 来源:山城日报 作者:李明\n\n\
///             今年以来,农村电商快速发展。\n\n001.jpg\n\n相关新闻\n\n另一篇文章的标题\n";
/// let article = parse_page(page, "p1")?;
/// assert_eq!(article.title.as_deref(), Some("农村电商走出大山"));
/// assert_eq!(article.source.as_deref(), Some("山城日报"));
/// assert_eq!(article.author.as_deref(), Some("李明"));
/// assert_eq!(article.body, "今年以来,农村电商快速发展。");
/// # Ok::<(), zhsearch::Error>(())
/// ```
pub fn parse_page(text: &str, id: &str) -> Result<Article> {
    if text.contains('\0') {
        return Err(Error::invalid(Location::default(), "contains a NUL character (a UTF-16 or binary file?)"));
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // `\r\n` and lone `\r` both end a line; the empty pieces between them
    // are furniture like any blank line.
    let lines: Vec<(&str, Kind)> =
        text.split(['\n', '\r']).map(|l| (l, classify(l))).filter(|(_, kind)| *kind != Kind::Furniture).collect();

    let is_byline_at = |i: usize| lines[i].1 == Kind::Text && is_byline(lines[i].0);
    let byline = (0..lines.len().min(HEAD_LINES)).find(|&i| is_byline_at(i));
    // Where the headline is, and the first line after it.
    let (title, start) = match byline {
        Some(k) if k > 0 && lines[k - 1].1 == Kind::Text => (Some(lines[k - 1].0.trim()), k),
        Some(k) => (None, k),
        None => match lines.iter().position(|(_, kind)| *kind == Kind::Text) {
            Some(t) if is_title(lines[t].0) => (Some(lines[t].0.trim()), t + 1),
            Some(t) => (None, t),
            None => (None, lines.len()),
        },
    };

    let mut fields = Fields::default();
    let mut body: Vec<&str> = Vec::new();
    for (i, &(line, kind)) in lines.iter().enumerate().skip(start) {
        // Lines above the headline were skipped, so a list header or footer
        // here follows it: the article ends, even if it had no text.
        if kind == Kind::EndOfArticle {
            break;
        }
        if body.is_empty() && (is_byline_at(i) || is_labelled_byline(line)) {
            fields.read_byline(line);
            continue;
        }
        if let Some(c) = credit(line) {
            fields.read_credit(c);
            continue;
        }
        if body.is_empty() && fields.author.as_deref().is_some_and(|a| lines::names(line) == a) {
            continue;
        }
        body.push(line.trim());
    }
    if body.is_empty() {
        return Err(Error::invalid(
            Location::default().in_field("body"),
            "no body text left after removing the headline, byline and site furniture",
        ));
    }
    let mut article = Article::new(id, body.join("\n"));
    article.title = title.map(str::to_string);
    article.source = fields.source;
    article.author = fields.author;
    article.published_at = fields.published_at;
    Ok(article)
}

/// Byline labels, folded, and what they label.
const BYLINE_LABELS: &[(&str, Field)] = &[
    ("文章来源", Field::Source),
    ("新闻来源", Field::Source),
    ("信息来源", Field::Source),
    ("来源", Field::Source),
    ("稿源", Field::Source),
    ("出处", Field::Source),
    ("本文作者", Field::Author),
    ("作者", Field::Author),
    ("记者", Field::Author),
    ("发布时间", Field::Other),
    ("发布日期", Field::Other),
    ("更新时间", Field::Other),
    ("时间", Field::Other),
    ("日期", Field::Other),
    ("责任编辑", Field::Other),
    ("编辑", Field::Other),
    ("浏览次数", Field::Other),
    ("点击数", Field::Other),
    ("阅读", Field::Other),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Source,
    Author,
    Other,
}

/// The metadata found so far; the first value found for a field wins.
#[derive(Debug, Default)]
struct Fields {
    source: Option<String>,
    author: Option<String>,
    published_at: Option<chrono::DateTime<chrono::FixedOffset>>,
}

impl Fields {
    fn read_byline(&mut self, line: &str) {
        let mut line = line.trim().to_string();
        if let Some(date) = find_date(&line) {
            self.published_at.get_or_insert(date.at);
            // The date separates the fields around it.
            line.replace_range(date.start..date.end, "|");
        }
        for piece in line.split(['|', '｜']).flat_map(split_wide_spaces) {
            for (label, value) in labelled(piece) {
                match label {
                    Some(Field::Source) => set(&mut self.source, lines::publication(value)),
                    Some(Field::Author) => set(&mut self.author, Some(lines::names(value))),
                    Some(Field::Other) => {}
                    None => match credit(value) {
                        Some(c) => self.read_credit(c),
                        None => set(&mut self.source, lines::publication(value)),
                    },
                }
            }
        }
    }

    fn read_credit(&mut self, c: lines::Credit) {
        if c.is_author {
            set(&mut self.author, Some(c.names));
            set(&mut self.source, c.publication);
        }
    }
}

/// Sets a field that is still unset to a non-empty value.
fn set(field: &mut Option<String>, value: Option<String>) {
    if field.is_none() {
        *field = value.filter(|v| !v.is_empty());
    }
}

/// Splits at runs of two or more spaces (or an ideographic space), which
/// pages use to set byline fields apart.
fn split_wide_spaces(piece: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = piece.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let wide = c == '\u{3000}' || (c.is_whitespace() && chars.peek().is_some_and(|&(_, n)| n.is_whitespace()));
        if wide {
            out.push(&piece[start..i]);
            while chars.peek().is_some_and(|&(_, n)| n.is_whitespace()) {
                chars.next();
            }
            start = chars.peek().map_or(piece.len(), |&(j, _)| j);
        }
    }
    out.push(&piece[start..]);
    out
}

/// Splits a byline piece into `(label, value)` pairs: `来源:南方日报 作者:张三`
/// gives `(Source, 南方日报)` and `(Author, 张三)`; text before the first
/// label comes with `None`. Empty values are left out.
fn labelled(piece: &str) -> Vec<(Option<Field>, &str)> {
    let chars: Vec<(usize, char)> = piece.char_indices().collect();
    let folded: Vec<char> = chars.iter().map(|&(_, c)| fold_char(c)).collect();
    // (label start, value start, field), left to right.
    let mut marks = Vec::new();
    let mut i = 0;
    while i < folded.len() {
        let found = BYLINE_LABELS.iter().find_map(|&(label, field)| {
            let label: Vec<char> = label.chars().collect();
            if !folded[i..].starts_with(&label) {
                return None;
            }
            let mut j = i + label.len();
            while folded.get(j).is_some_and(|c| c.is_whitespace()) {
                j += 1;
            }
            (folded.get(j) == Some(&':')).then_some((j + 1, field))
        });
        match found {
            Some((value, field)) => {
                marks.push((i, value, field));
                i = value;
            }
            None => i += 1,
        }
    }
    let byte = |k: usize| chars.get(k).map_or(piece.len(), |&(b, _)| b);
    let mut out = Vec::new();
    let first = marks.first().map_or(chars.len(), |m| m.0);
    out.push((None, piece[..byte(first)].trim()));
    for (n, &(_, value, field)) in marks.iter().enumerate() {
        let end = marks.get(n + 1).map_or(chars.len(), |m| m.0);
        out.push((Some(field), piece[byte(value)..byte(end)].trim()));
    }
    out.retain(|(_, value)| !value.is_empty());
    out
}

fn is_short_unpunctuated(line: &str) -> bool {
    let line = line.trim();
    line.chars().count() <= MAX_BYLINE_CHARS && !line.contains(['，', '。', ',', '！', '？', '；'])
}

/// A byline: a short line with a full date.
fn is_byline(line: &str) -> bool {
    is_short_unpunctuated(line) && find_date(line).is_some()
}

/// A short line that opens with a byline label (`来源:…`, `作者:…`), such
/// as a second byline line without a date.
fn is_labelled_byline(line: &str) -> bool {
    is_short_unpunctuated(line) && labelled(line.trim()).first().is_some_and(|(label, _)| label.is_some())
}

fn is_title(line: &str) -> bool {
    let line = line.trim();
    line.chars().count() <= MAX_TITLE_CHARS && !line.ends_with('。')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byline_table() {
        // line → (source, author, date)
        type Case = (&'static str, Option<&'static str>, Option<&'static str>, Option<&'static str>);
        let cases: &[Case] = &[
            (
                "2020-11-19 09:30 |浙江新聞客戶端 |記者 黃宏",
                Some("浙江新聞客戶端"),
                Some("黃宏"),
                Some("2020-11-19T09:30:00+08:00"),
            ),
            (
                "2020-09-07 09:55 来源:《今日浙江》杂志 作者:孙菊红 李昊翔",
                Some("《今日浙江》杂志"),
                Some("孙菊红 李昊翔"),
                Some("2020-09-07T09:55:00+08:00"),
            ),
            ("南方日报 2019-07-30 06:33", Some("南方日报"), None, Some("2019-07-30T06:33:00+08:00")),
            ("文章来源: 湖南日报  时间: 2019-12-21 10:48", Some("湖南日报"), None, Some("2019-12-21T10:48:00+08:00")),
            (
                "发布时间：2021年3月5日 来源：山城日报 编辑：王五",
                Some("山城日报"),
                None,
                Some("2021-03-05T00:00:00+08:00"),
            ),
            ("来源: 新华社  作者: 张三  浏览次数: 12", Some("新华社"), Some("张三"), None),
        ];
        for &(line, source, author, date) in cases {
            let mut f = Fields::default();
            f.read_byline(line);
            assert_eq!(f.source.as_deref(), source, "{line}");
            assert_eq!(f.author.as_deref(), author, "{line}");
            assert_eq!(f.published_at.map(|t| t.to_rfc3339()).as_deref(), date, "{line}");
        }
    }

    #[test]
    fn wide_spaces_split_fields() {
        assert_eq!(split_wide_spaces("a b  c\u{3000}d"), vec!["a b", "c", "d"]);
        assert_eq!(split_wide_spaces(""), vec![""]);
    }

    #[test]
    fn page_without_body_is_rejected() {
        for page in ["", "\n\n", "标题\n\n2020-01-01 来源:某报\n\n601.png\n\n热门新闻\n\n别的文章"] {
            match parse_page(page, "x") {
                Err(Error::InvalidInput { location, .. }) => assert_eq!(location.field.as_deref(), Some("body")),
                other => panic!("{page:?}: {other:?}"),
            }
        }
    }
}
