//! Helpers shared by the integration tests: deterministic text and numbers,
//! and a committed in-memory index.
// Each test crate uses its own subset of these helpers.
#![allow(dead_code)]

/// Common Han characters to draw prose from.
const CHARS: &str = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严";

/// A seeded linear congruential generator: reproducible, and enough for
/// picking test cases.
pub struct Lcg(pub u64);

impl Lcg {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Deterministic distinct text of at least `bytes` bytes: a random walk over
/// common Han characters, with a `，` or `。` every 23 characters so it
/// reads like prose. Different seeds give different text.
pub fn prose(bytes: usize, seed: u64) -> String {
    let chars: Vec<char> = CHARS.chars().collect();
    let mut rng = Lcg(seed);
    let mut out = String::with_capacity(bytes + 8);
    let mut n = 0u64;
    while out.len() < bytes {
        out.push(chars[rng.next() as usize % chars.len()]);
        n += 1;
        if n.is_multiple_of(23) {
            out.push(if n.is_multiple_of(3) { '。' } else { '，' });
        }
    }
    out
}

/// An in-memory index with the default settings holding `articles`, committed.
pub fn index_of(articles: &[zhsearch::article::Article]) -> zhsearch::index::SearchIndex {
    let index =
        zhsearch::index::SearchIndex::in_memory(&zhsearch::analysis::AnalyzerSettings::default()).expect("index");
    let mut writer = index.writer().expect("writer");
    for a in articles {
        writer.upsert(a).expect("upsert");
    }
    writer.commit().expect("commit");
    index
}

/// [`index_of`] articles without titles, given as (id, body).
pub fn index_of_bodies(bodies: &[(&str, &str)]) -> zhsearch::index::SearchIndex {
    let articles: Vec<zhsearch::article::Article> =
        bodies.iter().map(|(id, body)| zhsearch::article::Article::new(*id, *body)).collect();
    index_of(&articles)
}

/// The ids of the hits, in rank order.
pub fn ids(results: &zhsearch::query::SearchResults) -> Vec<&str> {
    results.hits.iter().map(|h| h.id.as_str()).collect()
}
