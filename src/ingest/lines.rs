//! What one line of a raw news page is: site furniture, the start of the
//! footer, a credit line, or text.
//!
//! Every rule here is a *pattern of such pages* (an app prompt, a weather
//! widget, a comment counter, an ICP number), never a string taken from one
//! particular page. Lines are matched in a folded form (see [`fold`]) so that
//! one rule covers both scripts and full-width forms.

/// A line folded for matching: whitespace removed, full-width ASCII made
/// half-width, Latin lowercased, and the Traditional characters that occur in
/// the keywords below mapped to Simplified.
///
/// Why a small table and not OpenCC: ingestion must work without building an
/// analyzer, and the keywords are a closed set. This fold is only ever used
/// to *recognise* furniture; the text that is kept is never changed by it.
pub(super) fn fold(line: &str) -> String {
    line.chars().filter(|c| !c.is_whitespace()).map(fold_char).collect()
}

/// One char of [`fold`], keeping a one-to-one char mapping so that a prefix
/// matched in the folded form has the same char length in the original.
pub(super) fn fold_char(c: char) -> char {
    let c = match c {
        '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
        '\u{3000}' => ' ',
        '∕' => '/',
        _ => c,
    };
    let c = c.to_ascii_lowercase();
    match c {
        '載' => '载',
        '開' => '开',
        '掃' => '扫',
        '碼' => '码',
        '評' => '评',
        '論' => '论',
        '暫' => '暂',
        '無' => '无',
        '內' => '内',
        '點' => '点',
        '擊' => '击',
        '熱' => '热',
        '門' => '门',
        '聞' => '闻',
        '薦' => '荐',
        '關' => '关',
        '閱' => '阅',
        '讀' => '读',
        '歡' => '欢',
        '訪' => '访',
        '問' => '问',
        '來' => '来',
        '瀏' => '浏',
        '覽' => '览',
        '數' => '数',
        '當' => '当',
        '頁' => '页',
        '閉' => '闭',
        '記' => '记',
        '訊' => '讯',
        '員' => '员',
        '責' => '责',
        '編' => '编',
        '輯' => '辑',
        '網' => '网',
        '劃' => '划',
        '攝' => '摄',
        '對' => '对',
        '審' => '审',
        '時' => '时',
        '間' => '间',
        '發' => '发',
        '佈' => '布',
        '報' => '报',
        '導' => '导',
        '權' => '权',
        '術' => '术',
        '單' => '单',
        '辦' => '办',
        '備' => '备',
        '號' => '号',
        '處' => '处',
        '廣' => '广',
        '雲' => '云',
        '陰' => '阴',
        '稱' => '称',
        '遊' => '游',
        '贊' => '赞',
        '轉' => '转',
        '條' => '条',
        '氣' => '气',
        '溫' => '温',
        '區' => '区',
        '寫' => '写',
        '體' => '体',
        '貼' => '贴',
        '訂' => '订',
        '閲' => '阅',
        other => other,
    }
}

/// Labels that open a credit line (reporter, editor, photographer…), as
/// folded text. Those marked `true` name the article's author.
const CREDIT_LABELS: &[(&str, bool)] = &[
    ("本文作者", true),
    ("作者", true),
    ("记者", true),
    ("文", true),
    ("通讯员", false),
    ("本文责编", false),
    ("责任编辑", false),
    ("责编", false),
    ("网编", false),
    ("编辑", false),
    ("策划", false),
    ("摄影", false),
    ("摄", false),
    ("图", false),
    ("校对", false),
    ("审核", false),
    ("制图", false),
];

/// Markers that begin a credit or byline field. Decorations such as `●` or
/// `◎` in front of them are skipped.
const DECORATIONS: &[char] = &['●', '◎', '■', '▲', '◆', '★', '☆', '○', '□', '△', '▼', '◇', '·', '•'];

/// Sentence punctuation: a line containing it is prose, never a credit.
const SENTENCE_MARKS: &[char] = &['，', '。', '！', '？', ',', '；', ';', '!', '?'];

/// The separators that may follow a label: `记者:`, `文/`, `记者∕`, `记者 `.
const LABEL_SEPARATORS: &[char] = &[':', '/', '|'];

/// A credit line: who wrote, edited or photographed the article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Credit {
    /// The publication named before the label (`南方日报` in `南方日报记者…`).
    pub publication: Option<String>,
    /// The names, as written, whitespace collapsed, datelines removed.
    pub names: String,
    /// Whether the names are the article's author (a reporter or writer).
    pub is_author: bool,
}

/// Reads a credit line such as `◎《南方》记者∕殷立飞 卢益飞 发自广州`,
/// `南方日报记者刘稳顾大炜`, `通讯员黄少娥陈欣周武` or `网编:陈冰青`.
///
/// A credit is short and has no sentence punctuation, so prose that merely
/// starts with 记者 (`记者从…获悉，…`) is never taken for one.
pub(super) fn credit(line: &str) -> Option<Credit> {
    let line = line.trim().trim_start_matches(DECORATIONS).trim_start();
    if line.is_empty() || line.chars().count() > 60 || line.contains(SENTENCE_MARKS) {
        return None;
    }
    let chars: Vec<char> = line.chars().collect();
    let folded: Vec<char> = chars.iter().map(|&c| fold_char(c)).collect();
    // The label may follow a short publication name: 南方日报记者, 《南方》记者.
    for start in 0..folded.len().min(16) {
        for &(label, is_author) in CREDIT_LABELS {
            let label: Vec<char> = label.chars().collect();
            if !folded[start..].starts_with(&label) {
                continue;
            }
            let mut rest = start + label.len();
            let separated = folded.get(rest).is_some_and(|c| LABEL_SEPARATORS.contains(c) || c.is_whitespace());
            // One-char labels (文, 摄, 图) and a label after a publication
            // name need a separator or the 记者 family to be a credit;
            // otherwise 文化… or 图书馆… would read as credits.
            let needs_separator = label.len() == 1 || (start > 0 && label != ['记', '者'] && label != ['作', '者']);
            if needs_separator && !separated {
                continue;
            }
            while folded.get(rest).is_some_and(|c| LABEL_SEPARATORS.contains(c) || c.is_whitespace()) {
                rest += 1;
            }
            let names = names(&chars[rest..].iter().collect::<String>());
            if names.is_empty() {
                return None;
            }
            let publication = publication(&chars[..start].iter().collect::<String>());
            return Some(Credit { publication, names, is_author });
        }
        // A publication name is a few chars of text, not punctuation or digits.
        if !is_name_char(chars[start]) {
            break;
        }
    }
    None
}

fn is_name_char(c: char) -> bool {
    c.is_alphabetic() || matches!(c, '《' | '》' | '“' | '”')
}

/// A publication name as printed before a label: `《南方》` reads as `南方`.
pub(super) fn publication(text: &str) -> Option<String> {
    let text = text.trim();
    let text = match text.strip_prefix('《').and_then(|t| t.strip_suffix('》')) {
        Some(inner) if !inner.contains(['《', '》']) => inner,
        _ => text,
    };
    (!text.is_empty()).then(|| text.to_string())
}

/// Names from a credit: whitespace runs collapsed, and a trailing dateline
/// (`发自广州、贵州等地`, `报道`) removed.
pub(super) fn names(text: &str) -> String {
    let mut text = text.trim();
    let folded: String = text.chars().map(fold_char).collect();
    for marker in ["发自", "报道", "摄影报道"] {
        if let Some(pos) = folded.find(marker) {
            // The fold keeps char counts, so the cut is made by chars.
            let chars = folded[..pos].chars().count();
            let cut = text.char_indices().nth(chars).map_or(text.len(), |(b, _)| b);
            text = text[..cut].trim_end();
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What a line is, for the page parser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// Blank, or site furniture to drop wherever it appears.
    Furniture,
    /// The start of the page footer or of the lists after the article
    /// (comments, related and hot news, copyright): everything from here on
    /// is dropped.
    EndOfArticle,
    /// Anything else: headline, byline, body text.
    Text,
}

/// Furniture keywords: a short line containing one of these is dropped.
const FURNITURE: &[&str] = &[
    // App and contribution prompts.
    "下载app",
    "打开app",
    "客户端下载",
    "扫码下载",
    "扫一扫",
    "我要投稿",
    "我要评论",
    "发表评论",
    "参与评论",
    "写评论",
    // Comment and reading counters.
    "暂无内容",
    "暂无评论",
    "点击加载更多",
    "加载更多",
    "阅读数",
    "阅读量",
    "浏览次数",
    "访问量",
    "来访者",
    "点赞",
    // Navigation and page tools.
    "当前位置",
    "您的位置",
    "你的位置",
    "首页>",
    "首页»",
    "分享到",
    "打印本页",
    "关闭窗口",
    "【大中小】",
    "字号:",
    "上一篇",
    "下一篇",
    "返回顶部",
    // Site greetings and footer lines that may also stand alone.
    "欢迎您访问",
    "欢迎访问",
    "icp备",
    "icp证",
    "公网安备",
    "版权所有",
    "copyright",
    "©",
    "技术支持",
    "主办单位",
    "承办单位",
    "producedby",
    "广告",
];

/// Lines that end the article: what follows is comments, related links,
/// hot lists, adverts or the footer.
const END_MARKERS: &[&str] = &[
    "最新评论",
    "网友评论",
    "热门评论",
    "评论",
    "热门新闻",
    "热点新闻",
    "热门推荐",
    "热门文章",
    "新闻推荐",
    "推荐阅读",
    "相关阅读",
    "相关新闻",
    "相关文章",
    "相关报道",
    "延伸阅读",
    "猜你喜欢",
    "更多新闻",
    "精彩推荐",
    "为你推荐",
    "今日推荐",
];

/// Footer keywords: a line containing one of these ends the article.
const FOOTER: &[&str] =
    &["主办单位", "承办单位", "版权所有", "copyright", "icp备", "icp证", "公网安备", "producedby", "技术支持"];

/// Classifies one line of a page.
pub(super) fn classify(line: &str) -> Kind {
    let folded = fold(line);
    if folded.is_empty() || folded.chars().all(|c| !c.is_alphanumeric()) {
        return Kind::Furniture;
    }
    let bare = strip_count(&folded);
    if END_MARKERS.contains(&bare) || FOOTER.iter().any(|k| folded.contains(k)) {
        return Kind::EndOfArticle;
    }
    // Furniture is short and is not a sentence: prose that mentions 阅读量
    // or 点赞 stays.
    let short = folded.chars().count() <= 40 && !folded.contains(['，', '。', ',', '；']);
    if short && (FURNITURE.iter().any(|k| folded.contains(k)) || is_weather(&folded)) {
        return Kind::Furniture;
    }
    if is_image_name(&folded) || is_counter(&folded) {
        return Kind::Furniture;
    }
    Kind::Text
}

/// `最新评论(8)` → `最新评论`: a marker with its count removed.
fn strip_count(folded: &str) -> &str {
    let Some(body) = folded.strip_suffix(')') else { return folded };
    match body.rfind('(') {
        Some(open) if body[open + 1..].chars().all(|c| c.is_ascii_digit()) => &body[..open],
        _ => folded,
    }
}

/// An image file name left behind by a copied page: `601.png`, `img_01.JPG`.
fn is_image_name(folded: &str) -> bool {
    let Some((stem, ext)) = folded.rsplit_once('.') else { return false };
    matches!(ext, "png" | "jpg" | "jpeg" | "gif" | "webp" | "bmp" | "svg")
        && !stem.is_empty()
        && stem.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// A bare number or pager (`1`, `0/0`, `3/12`): page numbers and counters.
fn is_counter(folded: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.len() <= 4 && s.chars().all(|c| c.is_ascii_digit());
    match folded.split_once('/') {
        Some((a, b)) => digits(a) && digits(b),
        None => digits(folded),
    }
}

/// A weather widget: a temperature, as in `杭州小雨10℃-5℃`.
fn is_weather(folded: &str) -> bool {
    folded.contains('℃') || folded.contains("°c")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classify_table() {
        use Kind::*;
        let cases = [
            ("", Furniture),
            ("   \u{3000} ", Furniture),
            ("杭州小雨10℃-5℃ 下載APP 我要投稿", Furniture),
            ("北京 晴 3°C", Furniture),
            ("601.png", Furniture),
            ("  IMG_2041.JPG ", Furniture),
            ("0/0", Furniture),
            ("1", Furniture),
            ("暫無內容!", Furniture),
            ("點擊加載更多…", Furniture),
            ("当前位置: 首页>清廉浙江", Furniture),
            ("您是第 位来访者", Furniture),
            ("欢迎您访问红星网", Furniture),
            ("……", Furniture),
            ("最新評論(8)", EndOfArticle),
            ("熱門新聞", EndOfArticle),
            ("新闻推荐", EndOfArticle),
            ("相关阅读", EndOfArticle),
            ("主办单位:中共湖南省委组织部", EndOfArticle),
            ("ICP备案号:湘ICP备17016663号-1", EndOfArticle),
            ("Produced By 大汉网络 大汉版通发布系统", EndOfArticle),
            ("Copyright © 2020 某某网 版权所有", EndOfArticle),
            ("他们是些什么人?", Text),
            ("2019年,浙江低收入农户收入增长13%,阅读量和点赞数都创下新高,这是一段足够长的正文段落不会被当成页面装饰。", Text),
            ("评论员文章:脱贫攻坚的浙江经验", Text),
            ("1200多名干部回乡驻村", Text),
        ];
        for (line, want) in cases {
            assert_eq!(classify(line), want, "{line:?}");
        }
    }

    #[test]
    fn credit_table() {
        // line → (publication, names, is_author), or not a credit.
        type Case = (&'static str, Option<(Option<&'static str>, &'static str, bool)>);
        let cases: &[Case] = &[
            ("◎《南方》记者∕殷立飞 卢益飞 发自广州、贵州等地", Some((Some("南方"), "殷立飞 卢益飞", true))),
            ("●南方日报记者刘稳顾大炜", Some((Some("南方日报"), "刘稳顾大炜", true))),
            ("湖南日报记者田育才", Some((Some("湖南日报"), "田育才", true))),
            ("通讯员黄少娥陈欣周武", Some((None, "黄少娥陈欣周武", false))),
            ("◎本文责编∕李焱鑫", Some((None, "李焱鑫", false))),
            ("网编:陈冰青", Some((None, "陈冰青", false))),
            ("策划:严亮赵文君", Some((None, "严亮赵文君", false))),
            ("記者 黃宏", Some((None, "黃宏", true))),
            ("文/王小明", Some((None, "王小明", true))),
            ("记者从中国国家铁路集团有限公司获悉,7月27日起", None),
            ("文化引领乡村振兴", None),
            ("图书馆里的新变化", None),
            ("记者:", None),
            ("摄影报道", None),
        ];
        for &(line, want) in cases {
            let got = credit(line);
            let got = got.as_ref().map(|c| (c.publication.as_deref(), c.names.as_str(), c.is_author));
            assert_eq!(got, want, "{line:?}");
        }
    }

    #[test]
    fn fold_keeps_char_count() {
        for line in ["記者 黃宏", "ＡＢＣ：１２", "最新評論(8)"] {
            let folded: String = line.chars().map(fold_char).collect();
            assert_eq!(folded.chars().count(), line.chars().count());
        }
    }
}
