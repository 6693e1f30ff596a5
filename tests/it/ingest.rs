//! Ingestion: raw news pages (the bundled seeds and pages written for these
//! tests in the same style), JSON and JSON Lines records, directory walks,
//! and bad input that is rejected with its path and line.

use std::fs;
use std::path::Path;

use zhsearch::article::Article;
use zhsearch::ingest::{self, parse_page, Ingested};
use zhsearch::Error;

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample");

fn seed(stem: &str) -> Article {
    let path = Path::new(SAMPLE).join(format!("{stem}.txt"));
    let batch = ingest::read_file(&path);
    assert!(batch.rejected.is_empty(), "{stem}: {:?}", batch.rejected);
    assert_eq!(batch.articles.len(), 1, "{stem}");
    batch.articles.into_iter().next().unwrap_or_else(|| Article::new("", ""))
}

/// What a page must yield: every field exactly, the body's first and last
/// lines and its line count, and lines of the page that must not survive.
struct Expected {
    stem: &'static str,
    title: Option<&'static str>,
    source: Option<&'static str>,
    author: Option<&'static str>,
    published_at: Option<&'static str>,
    first: &'static str,
    last: &'static str,
    lines: usize,
    dropped: &'static [&'static str],
}

fn check(article: &Article, want: &Expected) {
    let stem = want.stem;
    assert_eq!(article.id, stem);
    assert_eq!(article.title.as_deref(), want.title, "{stem}: title");
    assert_eq!(article.source.as_deref(), want.source, "{stem}: source");
    assert_eq!(article.author.as_deref(), want.author, "{stem}: author");
    assert_eq!(article.published_at.map(|t| t.to_rfc3339()).as_deref(), want.published_at, "{stem}: date");
    assert_eq!(article.url, None, "{stem}: url");
    let body: Vec<&str> = article.body.lines().collect();
    assert_eq!(body.first().copied(), Some(want.first), "{stem}: first body line");
    assert_eq!(body.last().copied(), Some(want.last), "{stem}: last body line");
    assert_eq!(body.len(), want.lines, "{stem}: body lines");
    for line in &body {
        assert_eq!(*line, line.trim(), "{stem}: body lines are trimmed");
        assert!(!line.is_empty(), "{stem}: no blank body lines");
    }
    for gone in want.dropped {
        assert!(!body.iter().any(|l| l.contains(gone)), "{stem}: {gone:?} is boilerplate but stayed in the body");
    }
    if let Some(title) = want.title {
        assert!(!body.contains(&title), "{stem}: the headline is not repeated in the body");
    }
}

#[test]
fn each_seed_yields_its_fields_and_a_clean_body() {
    let seeds = [
        Expected {
            stem: "000_86cdd5f9022c1b0d",
            title: Some("貧困縣逐一清零 這些浙江干部做了什么??"),
            source: Some("浙江新聞客戶端"),
            author: Some("黃宏"),
            published_at: Some("2020-11-19T09:30:00+08:00"),
            first: "近段時間,不斷有某個省已經實現全部脫貧摘帽的消息傳來。",
            last: "從這里不難看出:對當地的人們來說,這些浙江掛職干部的到來,為他們提供了彌足珍貴的幫助,對掛職干部個人來說,是人生中濃墨重彩的一筆,尤其在各省不斷宣布全部脫貧摘帽時,還能堅持在第一線,成為親歷者,更是段難得的人生經歷。",
            lines: 38,
            dropped: &[
                "杭州小雨",
                "下載APP",
                "我要投稿",
                "2020-11-19 09:30",
                "601.png",
                "20.png",
                "59.png",
                "最新評論",
                "暫無內容",
                "點擊加載更多",
                "熱門新聞",
                "0/0",
                "恒大彩票",
            ],
        },
        Expected {
            stem: "001_a49f7d84708cdff5",
            title: Some("东西部协作,干部交流激活了什么"),
            source: Some("南方"),
            author: Some("殷立飞 卢益飞"),
            published_at: None,
            first: "当前是脱贫攻坚、全面建成小康社会的关键时期,选派优秀干部挂职,是推动地区发展、助力脱贫攻坚工作、决胜全面建成小康社会的重要途径",
            last: "当前是脱贫攻坚、全面建成小康社会的关键时期,选派优秀干部挂职,是推动地区发展,助力脱贫攻坚工作,决胜全面建成小康社会的重要途径。东西部协作,干部交流激活了什么?来自广东和贵州的考卷,正给出创新的答案。",
            lines: 26,
            dropped: &["◎《南方》记者", "发自广州", "本文责编", "网编:陈冰青"],
        },
        Expected {
            stem: "002_fca2d5a61c11e164",
            title: Some("高水平全面小康路上党旗红"),
            source: Some("《今日浙江》杂志"),
            author: Some("孙菊红 李昊翔"),
            published_at: Some("2020-09-07T09:55:00+08:00"),
            first: "“小康路上,一个都不能掉队。”全面建成小康社会,是党向全国人民作出的庄严承诺。",
            last: "一组数据,彰显浙江的攻坚“答卷”:2019年,浙江低收入农户收入增长13%,基本消除集体经济薄弱村。同时,浙江共协调引导437家企业在扶贫协作地区投资兴业,到位投资259.95亿元,带动贫困人口95861人脱贫。此外,浙江与扶贫协作地区共建产业园区、“飞地”产业园67个,引导入驻企业263家,援建扶贫车间723个。",
            lines: 23,
            dropped: &["当前位置", "首页>清廉浙江", "来源:《今日浙江》", "孙菊红  李昊翔", "Produced By", "大汉网络"],
        },
        Expected {
            stem: "003_0db2dff2ff72df16",
            title: Some("湛江“十百千”干部回乡:促脱贫攻坚和干部锻造双赢 干部回乡干 农民富起来"),
            source: Some("南方日报"),
            author: Some("刘稳顾大炜"),
            published_at: Some("2019-07-30T06:33:00+08:00"),
            first: "“老乡,今年辣椒种植面积有没有增加?”近日,在辣椒种植大镇遂溪县北坡镇,回乡干部、来自湛江市公安局网警支队的曾海裕顶着烈日走家串户了解种植情况。去年,辣椒价格狂跌,该镇很多辣椒被一车车倒掉。曾海裕奔波牵线,终于联系上乡贤引进辣椒生产加工线。今年初,这里的辣椒被一车车拉进加工厂,滞销问题迎刃而解。",
            last: "“\"十百千\"干部回乡一年多来,我们进一步摸清了脱贫攻坚中存在的问题,进一步筑牢基层战斗堡垒,进一步落地落实扶贫攻坚政策,进一步补齐农村基层治理短板。”湛江市委组织部有关负责人表示。",
            lines: 19,
            dropped: &[
                "南方日报 2019-07-30",
                "●南方日报记者",
                "通讯员黄少娥",
                "策划:严亮赵文君",
                "新闻推荐",
                "中国铁路新增4条线路电子客票应用试点",
                "电子客票应用试点范围",
                "相关阅读",
            ],
        },
        Expected {
            stem: "004_b2ed68b430d736ac",
            title: Some("“驻村铁军”践初心 ——张家界市开展驻村帮扶工作纪实"),
            source: Some("湖南日报"),
            author: Some("田育才"),
            published_at: Some("2019-12-21T10:48:00+08:00"),
            first: "深冬时节,放眼张家界大地,从田间地头、农家小院,到扶贫车间、产业基地,到处活跃着驻村干部的身影,他们奋战在脱贫攻坚一线,让一个个贫困村旧貌换新颜。",
            last: "干群合力,奋力攻坚,交出满意答卷。据初步统计,今年张家界市可减少贫困人口2.44万人,贫困发生率可下降至0.4%以下,未摘帽贫困县有望顺利摘帽,实现全市整体脱贫。",
            lines: 19,
            dropped: &[
                "文章来源",
                "湖南日报记者田育才",
                "通讯员杜龙程",
                "主办单位",
                "技术支持",
                "ICP备案号",
                "欢迎您访问",
                "来访者",
            ],
        },
    ];
    for want in &seeds {
        check(&seed(want.stem), want);
    }
    // The stray page number `1` above 004's footer is gone too.
    assert!(!seed("004_b2ed68b430d736ac").body.lines().any(|l| l == "1"));
}

/// Pages written for this test in the style of the seeds, with other sites'
/// furniture: the rules must be patterns, not the seeds' strings.
#[test]
fn pages_in_the_same_style_are_read_by_the_same_rules() {
    let pages = [
        (
            // Traditional, full-width colons, a labelled byline over two lines.
            "首頁 > 地方新聞 > 台中\n\n臺北 多雲 18℃\n\n山城茶農的新生意\n\n發布時間：2021-04-02 15:20:05\n\
             來源：山城日報　作者：陳美玲\n\n分享到：\n\n春茶上市，茶農們忙著採摘。\n\nIMG_0032.JPG\n\n\
             記者從農會獲悉，今年產量預計增加兩成。\n\n上一篇：老街換新顏\n\n相關新聞\n\n茶葉價格穩中有升\n\n\
             版權所有 © 2021 山城日報社\n",
            Expected {
                stem: "tw-page",
                title: Some("山城茶農的新生意"),
                source: Some("山城日報"),
                author: Some("陳美玲"),
                published_at: Some("2021-04-02T15:20:05+08:00"),
                first: "春茶上市，茶農們忙著採摘。",
                last: "記者從農會獲悉，今年產量預計增加兩成。",
                lines: 2,
                dropped: &["多雲", "分享到", "IMG_0032", "上一篇", "相關新聞", "茶葉價格", "版權所有"],
            },
        ),
        (
            // No date anywhere: the headline is the first line; credits by label.
            "清晨的菜市场\r\n文/本报记者 王小明 摄影报道\r\n\r\n天还没亮，菜市场已经热闹起来。\r\n\
             摊主们把新鲜的蔬菜摆上摊位。\r\n责任编辑：赵六\r\n阅读量：1024\r\n我要评论\r\n",
            Expected {
                stem: "no-date",
                title: Some("清晨的菜市场"),
                source: None,
                author: Some("本报记者 王小明"),
                published_at: None,
                first: "天还没亮，菜市场已经热闹起来。",
                last: "摊主们把新鲜的蔬菜摆上摊位。",
                lines: 2,
                dropped: &["文/", "责任编辑", "阅读量", "我要评论"],
            },
        ),
        (
            // Date in Chinese form, source before it, reporter credit with a
            // publication, comments and a pager at the end.
            "\u{feff}打开APP 阅读更多精彩\n边城新闻网\n铁路通到了家门口\n边城晚报 2022年1月8日 07:45\n\
             ◎边城晚报记者 刘强 通讯员 何平\n1月7日，新线正式开通运营。\n003.png\n沿线居民第一次坐上了动车。\n\
             12\n网友评论(3)\n说得好\n2/5\n",
            Expected {
                stem: "cn-date",
                title: Some("铁路通到了家门口"),
                source: Some("边城晚报"),
                author: Some("刘强 通讯员 何平"),
                published_at: Some("2022-01-08T07:45:00+08:00"),
                first: "1月7日，新线正式开通运营。",
                last: "沿线居民第一次坐上了动车。",
                lines: 2,
                dropped: &["打开APP", "边城新闻网", "003.png", "网友评论", "说得好", "2/5"],
            },
        ),
    ];
    for (page, want) in &pages {
        match parse_page(page, want.stem) {
            Ok(article) => check(&article, want),
            Err(e) => panic!("{}: {e}", want.stem),
        }
    }
}

#[test]
fn prose_that_looks_like_furniture_stays() {
    let page = "标题\n\n2020-01-01 来源:某报\n\n记者从市统计局获悉，全市阅读量排名前十的图书馆均已开放。\n\n\
                评论员文章引发热议，点赞者众。\n\n文化引领乡村振兴\n\n1200多名干部回乡驻村\n";
    let a = parse_page(page, "p").expect("a body");
    assert_eq!(
        a.body.lines().collect::<Vec<_>>(),
        vec![
            "记者从市统计局获悉，全市阅读量排名前十的图书馆均已开放。",
            "评论员文章引发热议，点赞者众。",
            "文化引领乡村振兴",
            "1200多名干部回乡驻村"
        ]
    );
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("mkdir");
    }
    fs::write(path, bytes).expect("write fixture");
}

fn errors(batch: &Ingested) -> Vec<String> {
    batch.rejected.iter().map(|e| e.to_string()).collect()
}

#[test]
fn directories_are_walked_in_order_and_bad_files_only_cost_themselves() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(root, "b/2.jsonl", "{\"id\": \"j1\", \"body\": \"一\"}\n{oops\n\n{\"body\": \"二\"}\n".as_bytes());
    write(root, "a.txt", "标题\n2020-01-01\n正文在这里。\n".as_bytes());
    write(
        root,
        "c.json",
        r#"[{"id": "k1", "text": "三"}, {"id": "k2", "body": "四", "published_at": "去年"}]"#.as_bytes(),
    );
    write(root, "d.txt", b"\xff\xfe\x31\x00");
    write(root, "notes.md", "不是文章".as_bytes());
    write(root, ".hidden/x.json", r#"{"body": "藏起来的"}"#.as_bytes());
    write(root, "e.JSON", r#"{"id": 42, "body": "五", "published_at": "2021-06-01T08:00:00Z"}"#.as_bytes());

    let batch = ingest::read_path(root).expect("the directory is readable");
    let ids: Vec<&str> = batch.articles.iter().map(|a| a.id.as_str()).collect();
    // Byte-wise sorted: a.txt, b/2.jsonl, c.json, d.txt, e.JSON.
    assert_eq!(ids.len(), 5, "{ids:?}");
    assert_eq!(&ids[..2], ["a", "j1"]);
    assert_eq!(ids[2].len(), 16, "a record without id gets a content hash");
    assert_eq!(&ids[3..], ["k1", "42"]);
    let at = |name: &str| root.join(name).display().to_string();
    let shown = errors(&batch);
    assert_eq!(shown.len(), 3, "{shown:?}");
    assert!(shown[0].starts_with(&format!("{}:2: malformed JSON", at("b/2.jsonl"))), "{}", shown[0]);
    assert!(shown[1].starts_with(&format!("{}:1: field `[1].published_at`: cannot read `去年`", at("c.json"))));
    assert_eq!(shown[2], format!("{}:1: invalid UTF-8 at byte 0 of the line", at("d.txt")));

    let files = ingest::files(root).expect("listable");
    let names: Vec<String> = files.iter().map(|p| p.strip_prefix(root).unwrap_or(p).display().to_string()).collect();
    assert_eq!(names, ["a.txt", "b/2.jsonl", "c.json", "d.txt", "e.JSON"]);
}

#[test]
fn content_ids_are_stable_across_reads_and_formats() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "one.json", r#"{"title": "标题", "body": "正文"}"#.as_bytes());
    write(dir.path(), "two.jsonl", "{\"body\": \"正文\", \"title\": \"标题\"}\n".as_bytes());
    let first = ingest::read_path(dir.path()).expect("read");
    let again = ingest::read_path(dir.path()).expect("read");
    assert_eq!(first.articles.len(), 2);
    assert_eq!(first.articles[0].id, first.articles[1].id);
    assert_eq!(first.articles[0].id, again.articles[0].id);
    assert_eq!(first.articles[0].id, first.articles[0].content_id());
}

#[test]
fn a_page_id_is_its_file_stem() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "2021-春茶.txt", "春茶上市了\n\n茶农忙着采摘。\n".as_bytes());
    let batch = ingest::read_path(dir.path().join("2021-春茶.txt")).expect("read");
    assert_eq!(batch.articles[0].id, "2021-春茶");
}

#[test]
fn unreadable_and_unsupported_paths_are_errors() {
    let missing = Path::new(SAMPLE).join("no-such-dir");
    match ingest::read_path(&missing) {
        Err(Error::Io { path, .. }) => assert_eq!(path, missing),
        other => panic!("expected an I/O error, got {other:?}"),
    }
    let batch = ingest::read_file(Path::new(SAMPLE).join("../stopwords/stopwords-iso-zh.txt").with_extension("csv"));
    assert_eq!(batch.articles.len(), 0);
    assert!(errors(&batch)[0].contains("unsupported file type"), "{:?}", errors(&batch));
}

#[test]
fn the_bundled_sample_reads_cleanly() {
    let batch = ingest::read_path(SAMPLE).expect("sample");
    assert!(batch.rejected.is_empty(), "{:?}", errors(&batch));
    assert_eq!(batch.articles.len(), 5);
}

/// A writer's thread count is kept within 1 to 8: 0 indexes on one thread
/// (one segment a commit), a count past 8 on 8.
#[test]
fn a_writer_takes_one_to_eight_threads() {
    for threads in [0, 1, 100] {
        let index = zhsearch::index::SearchIndex::in_memory(&Default::default()).expect("index");
        let mut writer = index.writer_with_threads(threads).expect("writer");
        for i in 0..200 {
            writer.upsert(&Article::new(format!("a{i}"), "北京今天天气晴朗。")).expect("upsert");
        }
        writer.commit().expect("commit");
        assert_eq!(index.num_docs(), 200, "{threads} threads");
        if threads <= 1 {
            assert_eq!(index.segment_count(), 1, "{threads} threads: one segment");
        }
    }
}
