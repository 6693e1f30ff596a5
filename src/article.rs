//! Articles: what zhsearch indexes and returns.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

/// A news article. Everything but `id` and `body` is optional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Article {
    /// Unique id; upserting an article with the same id replaces it.
    pub id: String,
    /// The headline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The text.
    #[serde(alias = "text")]
    pub body: String,
    /// The publisher, e.g. 浙江新闻客户端.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The author or reporter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// When it was published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_at: Option<DateTime<FixedOffset>>,
    /// Where it was published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
}
