//! Articles: what zhsearch indexes and returns.
//!
//! An [`Article`] needs only a body; everything else is optional. Reading one
//! from JSON (with serde, or through [`Article::from_json`], which is what the
//! [`ingest`](crate::ingest) module uses) is lenient about *form* and strict
//! about *meaning*:
//!
//! - `body` may also be called `text`; one of them must be there, and it must
//!   hold more than whitespace. Both at once is rejected as ambiguous.
//! - `id` may be missing (or empty): the article then gets a stable id, the
//!   first 16 hex digits of the SHA-256 of its content (see
//!   [`Article::content_id`]), so re-ingesting the same record upserts it
//!   instead of duplicating it. A numeric id is taken as its decimal text.
//! - `title`, `source`, `author`, `url` are strings or `null`; an empty or
//!   whitespace-only string counts as missing.
//! - `published_at` is read by [`parse_date`]: RFC 3339, or
//!   `YYYY-MM-DD[ HH:MM[:SS]]` in China time (UTC+8), because that is what
//!   Chinese sites print and what they mean. It is written back as RFC 3339.
//! - Fields of the wrong type, unparseable dates and NUL characters are
//!   errors that name the field. Unknown fields are ignored, so richer
//!   exports (with tags, ids of other systems…) can be fed in as they are.
//!
//! ```
//! use zhsearch::article::Article;
//!
//! let a: Article = serde_json::from_str(r#"{"text": "正文", "published_at": "2020-11-19 09:30"}"#)?;
//! assert_eq!(a.body, "正文");
//! assert_eq!(a.published_at.map(|t| t.to_rfc3339()).as_deref(), Some("2020-11-19T09:30:00+08:00"));
//! assert_eq!(a.id.len(), 16); // no id given: a content hash
//! # Ok::<(), serde_json::Error>(())
//! ```

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::{Error, Location, Result};

/// A news article. Everything but `id` and `body` is optional.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Article {
    /// Unique id; upserting an article with the same id replaces it.
    pub id: String,
    /// The headline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The text.
    pub body: String,
    /// The publisher, e.g. 浙江新闻客户端.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The author or reporter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// When it was published.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "serialize_rfc3339")]
    pub published_at: Option<DateTime<FixedOffset>>,
    /// Where it was published.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl Article {
    /// An article with just an id and a body.
    pub fn new(id: impl Into<String>, body: impl Into<String>) -> Self {
        Article {
            id: id.into(),
            title: None,
            body: body.into(),
            source: None,
            author: None,
            published_at: None,
            url: None,
        }
    }

    /// Whether an index can hold this article: an id, a body with more
    /// than whitespace, of at most [`MAX_ARTICLE_BYTES`] bytes. Every
    /// upsert checks it (the embedded index's and a cluster's alike).
    ///
    /// [`MAX_ARTICLE_BYTES`]: crate::index::MAX_ARTICLE_BYTES
    pub fn validate(&self) -> Result<()> {
        let max = crate::index::MAX_ARTICLE_BYTES;
        let body = || Location::default().in_field("body");
        if self.body.trim().is_empty() {
            return Err(Error::invalid(body(), format!("article `{}` has an empty body", self.id)));
        }
        if self.body.len() > max {
            let len = self.body.len();
            return Err(Error::invalid(
                body(),
                format!("article `{}` has a body of {len} bytes; the limit is {max}", self.id),
            ));
        }
        if self.id.is_empty() {
            return Err(Error::invalid(Location::default().in_field("id"), "article id is empty"));
        }
        Ok(())
    }

    /// The id given to an article that comes without one: the first 16 hex
    /// digits of the SHA-256 of its content (every field but the id).
    ///
    /// Each field is tagged and length-prefixed before hashing, so moving text
    /// from one field to another changes the id.
    pub fn content_id(&self) -> String {
        let mut hasher = Sha256::new();
        let date = self.published_at.map(|t| t.to_rfc3339());
        let fields = [
            ("title", self.title.as_deref()),
            ("body", Some(self.body.as_str())),
            ("source", self.source.as_deref()),
            ("author", self.author.as_deref()),
            ("published_at", date.as_deref()),
            ("url", self.url.as_deref()),
        ];
        for (name, value) in fields {
            if let Some(value) = value {
                hasher.update(name.as_bytes());
                hasher.update((value.len() as u64).to_le_bytes());
                hasher.update(value.as_bytes());
            }
        }
        hasher.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect()
    }

    /// Reads an article from a parsed JSON value (an object), by the rules in
    /// the [module docs](self).
    ///
    /// Errors are [`Error::InvalidInput`] at `location`, narrowed to the
    /// offending field: `field` is the field name, prefixed by whatever
    /// `location.field` already held (`[3]` becomes `[3].published_at`).
    pub fn from_json(value: Value, location: &Location) -> Result<Article> {
        let at = |field: &str| {
            let field = match &location.field {
                Some(prefix) => format!("{prefix}.{field}"),
                None => field.to_string(),
            };
            location.clone().in_field(field)
        };
        let Value::Object(mut map) = value else {
            return Err(Error::invalid(location.clone(), format!("expected a JSON object, found {}", kind(&value))));
        };
        let body = match (map.remove("body"), map.remove("text")) {
            (Some(_), Some(_)) => {
                return Err(Error::invalid(at("body"), "both `body` and `text` are given; use one"));
            }
            (Some(v), None) => required_text(v, "body", at("body"))?,
            (None, Some(v)) => required_text(v, "text", at("text"))?,
            (None, None) => return Err(Error::invalid(at("body"), "missing body (`body` or `text`)")),
        };
        let published_at = match optional_text(&mut map, "published_at", &at)? {
            Some(text) => Some(parse_date(&text).map_err(|e| Error::invalid(at("published_at"), reason(e)))?),
            None => None,
        };
        let mut article = Article {
            id: String::new(),
            title: optional_text(&mut map, "title", &at)?,
            body,
            source: optional_text(&mut map, "source", &at)?,
            author: optional_text(&mut map, "author", &at)?,
            published_at,
            url: optional_text(&mut map, "url", &at)?,
        };
        article.id = match map.remove("id") {
            None | Some(Value::Null) => String::new(),
            // Numeric ids are common in exports; their decimal text is the id.
            Some(Value::Number(n)) if n.is_u64() || n.is_i64() => n.to_string(),
            Some(Value::String(s)) => {
                check_no_nul(&s, at("id"))?;
                s.trim().to_string()
            }
            Some(other) => {
                return Err(Error::invalid(
                    at("id"),
                    format!("expected a string or an integer, found {}", kind(&other)),
                ));
            }
        };
        if article.id.is_empty() {
            article.id = article.content_id();
        }
        Ok(article)
    }
}

impl<'de> Deserialize<'de> for Article {
    /// Reads an article by the rules in the [module docs](self).
    ///
    /// This goes through [`serde_json::Value`] so that serde and the ingester
    /// share one set of rules; it therefore needs a self-describing format.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Article::from_json(value, &Location::default()).map_err(|e| match e {
            Error::InvalidInput { location: Location { field: Some(field), .. }, reason } => {
                serde::de::Error::custom(format!("field `{field}`: {reason}"))
            }
            other => serde::de::Error::custom(reason(other)),
        })
    }
}

fn serialize_rfc3339<S: Serializer>(t: &Option<DateTime<FixedOffset>>, s: S) -> std::result::Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&t.to_rfc3339()),
        None => s.serialize_none(),
    }
}

/// The reason of an [`Error::InvalidInput`], or the whole message of any other error.
fn reason(e: Error) -> String {
    match e {
        Error::InvalidInput { reason, .. } => reason,
        other => other.to_string(),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// NUL never belongs in article text; it usually means a binary or UTF-16
/// file was read as UTF-8, so it is rejected rather than silently dropped.
fn check_no_nul(s: &str, location: Location) -> Result<()> {
    match s.find('\0') {
        Some(_) => Err(Error::invalid(location, "contains a NUL character")),
        None => Ok(()),
    }
}

fn required_text(v: Value, name: &str, location: Location) -> Result<String> {
    match v {
        Value::String(s) if s.trim().is_empty() => Err(Error::invalid(location, format!("`{name}` is empty"))),
        Value::String(s) => {
            check_no_nul(&s, location)?;
            Ok(s)
        }
        other => Err(Error::invalid(location, format!("expected a string, found {}", kind(&other)))),
    }
}

fn optional_text(map: &mut Map<String, Value>, name: &str, at: &impl Fn(&str) -> Location) -> Result<Option<String>> {
    match map.remove(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => {
            check_no_nul(&s, at(name))?;
            let s = s.trim();
            Ok((!s.is_empty()).then(|| s.to_string()))
        }
        Some(other) => Err(Error::invalid(at(name), format!("expected a string or null, found {}", kind(&other)))),
    }
}

/// China Standard Time, UTC+8: what a date printed without a zone means here.
pub(crate) fn china() -> FixedOffset {
    // A constant well inside FixedOffset's ±24h range: this cannot fail.
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// A date found in text: where it is and what it means.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct FoundDate {
    /// Byte range of the date (and its time, if any) in the text.
    pub start: usize,
    /// End of that range.
    pub end: usize,
    /// The moment, in China time.
    pub at: DateTime<FixedOffset>,
}

/// Reads a publication date.
///
/// Accepted forms:
///
/// - RFC 3339: `2020-11-19T09:30:00+08:00`, `2020-11-19T01:30:00Z`;
/// - `YYYY-MM-DD HH:MM[:SS]` and `YYYY-MM-DD`, in China time (UTC+8), a bare
///   date meaning midnight. `/` and `.` work as well as `-`, and so does
///   `YYYY年MM月DD日[ HH:MM]`, the forms Chinese pages print.
///
/// ```
/// use zhsearch::article::parse_date;
/// assert_eq!(parse_date("2019-12-21 10:48")?.to_rfc3339(), "2019-12-21T10:48:00+08:00");
/// assert_eq!(parse_date("2019-12-21")?.to_rfc3339(), "2019-12-21T00:00:00+08:00");
/// assert!(parse_date("21/12/2019").is_err());
/// # Ok::<(), zhsearch::Error>(())
/// ```
pub fn parse_date(text: &str) -> Result<DateTime<FixedOffset>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t);
    }
    match find_date(text) {
        Some(found) if found.start == 0 && found.end == text.len() => Ok(found.at),
        _ => Err(Error::invalid(
            Location::default(),
            format!("cannot read `{text}` as a date: expected RFC 3339, YYYY-MM-DD HH:MM[:SS] or YYYY-MM-DD"),
        )),
    }
}

/// Finds the first full date (year, month and day, with an optional time) in
/// `text`. A hand-written scanner, because a date has to be found inside a
/// by-line such as `2020-11-19 09:30 |浙江新聞客戶端`, and the crate has no regex.
/// Full-width digits count as digits.
pub(crate) fn find_date(text: &str) -> Option<FoundDate> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    (0..chars.len()).find_map(|i| date_at(text, &chars, i))
}

fn digit(c: char) -> Option<u32> {
    match c {
        '0'..='9' => c.to_digit(10),
        '０'..='９' => Some(c as u32 - '０' as u32),
        _ => None,
    }
}

/// Reads up to `max` digits from `chars[*i..]`, at least `min`.
fn number(chars: &[(usize, char)], i: &mut usize, min: usize, max: usize) -> Option<u32> {
    let mut value = 0;
    let mut n = 0;
    while n < max {
        let Some(d) = chars.get(*i).and_then(|&(_, c)| digit(c)) else { break };
        value = value * 10 + d;
        n += 1;
        *i += 1;
    }
    (n >= min).then_some(value)
}

fn expect(chars: &[(usize, char)], i: &mut usize, accepted: &[char]) -> Option<char> {
    let c = chars.get(*i).map(|&(_, c)| c).filter(|c| accepted.contains(c))?;
    *i += 1;
    Some(c)
}

fn date_at(text: &str, chars: &[(usize, char)], start: usize) -> Option<FoundDate> {
    // A year glued to a preceding digit is the tail of some longer number.
    if start > 0 && digit(chars[start - 1].1).is_some() {
        return None;
    }
    let mut i = start;
    let year = number(chars, &mut i, 4, 4)?;
    let sep = expect(chars, &mut i, &['-', '/', '.', '年'])?;
    let month = number(chars, &mut i, 1, 2)?;
    let sep2 = if sep == '年' { '月' } else { sep };
    expect(chars, &mut i, &[sep2])?;
    let day = number(chars, &mut i, 1, 2)?;
    if sep == '年' {
        expect(chars, &mut i, &['日', '号']);
    }
    if chars.get(i).is_some_and(|&(_, c)| digit(c).is_some()) {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(year as i32, month, day)?;
    let mut end = i;
    let mut time = (0, 0, 0);
    // The time is optional: if what follows does not read as HH:MM, the
    // date alone is the match.
    let mut j = i;
    while chars.get(j).is_some_and(|&(_, c)| c == ' ' || c == 'T' || c == '\u{3000}') {
        j += 1;
    }
    if j > i || chars.get(j).is_some_and(|&(_, c)| digit(c).is_some()) {
        if let Some((t, after)) = time_at(chars, j) {
            time = t;
            end = after;
        }
    }
    let naive = date.and_hms_opt(time.0, time.1, time.2)?;
    let at = china().from_local_datetime(&naive).single()?;
    let byte = |k: usize| chars.get(k).map_or(text.len(), |&(b, _)| b);
    Some(FoundDate { start: byte(start), end: byte(end), at })
}

fn time_at(chars: &[(usize, char)], mut i: usize) -> Option<((u32, u32, u32), usize)> {
    let hour = number(chars, &mut i, 1, 2)?;
    expect(chars, &mut i, &[':', '：'])?;
    let minute = number(chars, &mut i, 2, 2)?;
    let mut second = 0;
    let mut k = i;
    if expect(chars, &mut k, &[':', '：']).is_some() {
        if let Some(s) = number(chars, &mut k, 2, 2) {
            second = s;
            i = k;
        }
    }
    if chars.get(i).is_some_and(|&(_, c)| digit(c).is_some()) || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    Some(((hour, minute, second), i))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(s: &str) -> Result<Article> {
        let value: Value = serde_json::from_str(s).map_err(|e| Error::invalid(Location::default(), e.to_string()))?;
        Article::from_json(value, &Location::file("a.json"))
    }

    #[test]
    fn parse_date_accepts_the_documented_forms() {
        let cases = [
            ("2020-11-19T09:30:00+08:00", "2020-11-19T09:30:00+08:00"),
            ("2020-11-19T01:30:00Z", "2020-11-19T01:30:00+00:00"),
            ("2020-11-19 09:30", "2020-11-19T09:30:00+08:00"),
            ("2020-11-19 09:30:15", "2020-11-19T09:30:15+08:00"),
            ("2020-11-19", "2020-11-19T00:00:00+08:00"),
            (" 2020-11-19 ", "2020-11-19T00:00:00+08:00"),
            ("2020/1/9 9:05", "2020-01-09T09:05:00+08:00"),
            ("2020年11月19日", "2020-11-19T00:00:00+08:00"),
            ("2020年11月19日 09:30", "2020-11-19T09:30:00+08:00"),
            ("２０２０-１１-１９", "2020-11-19T00:00:00+08:00"),
        ];
        for (input, want) in cases {
            let got = parse_date(input).map(|t| t.to_rfc3339());
            assert_eq!(got.ok().as_deref(), Some(want), "{input}");
        }
    }

    #[test]
    fn parse_date_rejects_the_rest() {
        for bad in ["", "2020", "2020-13-01", "2020-02-30", "19/11/2020", "2020-11-19 25:00", "2020-11-19 x", "昨天"]
        {
            assert!(parse_date(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn find_date_locates_a_date_inside_a_line() {
        let line = "南方日报 2019-07-30 06:33 |";
        let found = find_date(line).expect("a date");
        assert_eq!(&line[found.start..found.end], "2019-07-30 06:33");
        // A date followed by something that is not a time is just a date.
        let found = find_date("时间:2019-07-30 来源").expect("a date");
        assert_eq!(found.at.to_rfc3339(), "2019-07-30T00:00:00+08:00");
        assert_eq!(find_date("2018年4月"), None);
        assert_eq!(find_date("编号12019-07-30"), None);
    }

    #[test]
    fn json_fields_are_read_with_their_rules() {
        let a = json(r#"{"id": 7, "text": "正文", "title": "  ", "source": "南方日报", "published_at": null, "x": 1}"#)
            .expect("valid");
        assert_eq!(a.id, "7");
        assert_eq!(a.body, "正文");
        assert_eq!(a.title, None);
        assert_eq!(a.source.as_deref(), Some("南方日报"));
    }

    #[test]
    fn json_errors_name_the_field() {
        let cases = [
            (r#"{"title": "t"}"#, "body", "missing body"),
            (r#"{"body": "  "}"#, "body", "empty"),
            (r#"{"body": 3}"#, "body", "expected a string"),
            (r#"{"body": "b", "text": "t"}"#, "body", "both"),
            (r#"{"body": "b", "title": ["x"]}"#, "title", "found an array"),
            (r#"{"body": "b", "published_at": "昨天"}"#, "published_at", "cannot read"),
            (r#"{"body": "b", "id": true}"#, "id", "found a boolean"),
            (r#"{"body": "a\u0000b"}"#, "body", "NUL"),
        ];
        for (input, field, reason_part) in cases {
            match json(input) {
                Err(Error::InvalidInput { location, reason }) => {
                    assert_eq!(location.field.as_deref(), Some(field), "{input}");
                    assert_eq!(location.path.as_deref(), Some(std::path::Path::new("a.json")));
                    assert!(reason.contains(reason_part), "{input}: {reason}");
                }
                other => panic!("{input}: expected InvalidInput, got {other:?}"),
            }
        }
        assert!(matches!(json("[1]"), Err(Error::InvalidInput { location, .. }) if location.field.is_none()));
    }

    #[test]
    fn missing_id_is_a_stable_content_hash() {
        let a = json(r#"{"body": "正文", "title": "标题"}"#).expect("valid");
        let b = json(r#"{"title": "标题", "text": "正文"}"#).expect("valid");
        let c = json(r#"{"body": "标题", "title": "正文"}"#).expect("valid");
        assert_eq!(a.id, b.id);
        assert_ne!(a.id, c.id);
        assert_eq!(a.id.len(), 16);
        assert!(a.id.chars().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn serde_round_trip_writes_rfc3339() {
        let a = json(r#"{"id": "x", "body": "正文", "published_at": "2019-12-21 10:48"}"#).expect("valid");
        let text = serde_json::to_string(&a).expect("serialize");
        assert!(text.contains(r#""published_at":"2019-12-21T10:48:00+08:00""#), "{text}");
        let back: Article = serde_json::from_str(&text).expect("deserialize");
        assert_eq!(back, a);
        let err = serde_json::from_str::<Article>(r#"{"body": "b", "published_at": "x"}"#).expect_err("bad date");
        assert!(err.to_string().contains("published_at"), "{err}");
    }
}
