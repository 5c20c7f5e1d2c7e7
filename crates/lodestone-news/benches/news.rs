//! Benchmarks: ingest throughput (parse + store + index) and search latency on 50,000 synthetic documents.
//!
//! Run with `cargo bench -p lodestone-news`. Targets: ingest ≥ 2,000 documents/s; search median ≤ 5 ms.
#![allow(missing_docs)] // criterion_group! generates undocumented items

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use lodestone_news::{SearchQuery, Store, parse_documents, synthetic};
use std::time::Instant;

const BATCH: usize = 2_000;
const CORPUS: usize = 50_000;

fn ingest(c: &mut Criterion) {
    let page = synthetic::seed_page(BATCH, 1);
    let mut g = c.benchmark_group("ingest");
    g.sample_size(10);
    g.throughput(Throughput::Elements(BATCH as u64));
    g.bench_function("parse_store_index_2000_docs", |b| {
        b.iter_batched(
            || tempfile::tempdir().unwrap(),
            |dir| {
                let docs = parse_documents("bench.txt", &page, None).unwrap();
                let mut store = Store::open(dir.path()).unwrap();
                let r = store.ingest(docs).unwrap();
                assert_eq!(r.added.len(), BATCH);
                dir
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

fn search(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let page = synthetic::seed_page(CORPUS, 2);
    let t0 = Instant::now();
    let docs = parse_documents("corpus.txt", &page, None).unwrap();
    store.ingest(docs).unwrap();
    let secs = t0.elapsed().as_secs_f64();
    eprintln!(
        "built the {CORPUS}-document corpus in {secs:.1} s ({:.0} documents/s, parse + store + index)",
        CORPUS as f64 / secs
    );
    let queries = [
        "稀土产业",
        "rare earth refining",
        "稀土冶炼",
        "soybean imports Brazil",
        "export controls",
        "镝供应",
        "magnet production Japan",
        "heavy rare earths",
    ];
    let mut g = c.benchmark_group("search_50k");
    g.sample_size(50);
    for q in queries {
        let sq = SearchQuery::new(q);
        g.bench_function(q, |b| b.iter(|| store.search(&sq).unwrap()));
    }
    let mut filtered = SearchQuery::new("rare earth refining");
    filtered.since = lodestone_news::NewsDate::parse("2024-01-01");
    filtered.source = Some("Reuters".into());
    g.bench_function(
        "rare earth refining --since 2024-01-01 --source Reuters",
        |b| b.iter(|| store.search(&filtered).unwrap()),
    );
    g.finish();
}

criterion_group!(benches, ingest, search);
criterion_main!(benches);
