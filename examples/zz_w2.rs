use std::time::Instant;
use zhsearch::index::SearchIndex;
use zhsearch::query::SearchRequest;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let index = SearchIndex::open(&args[1]).unwrap();
    index.analyzer().load_segmenter();
    index.analyzer().lexicons();
    index.analyzer().variants();
    let n: usize = args[3].parse().unwrap();
    let r = SearchRequest::new(args[2].as_str()).snippets(0, 0);
    let mut t = vec![];
    for _ in 0..n {
        let s = Instant::now();
        std::hint::black_box(index.search(&r).unwrap());
        t.push(s.elapsed().as_secs_f64() * 1e6);
    }
    t.sort_by(f64::total_cmp);
    println!("p50 {:.0} µs", t[n / 2]);
}
