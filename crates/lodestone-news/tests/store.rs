//! The store: deduplication, provenance, transactional ingest, index recovery, and search in Chinese and English.

mod common;

use common::*;
use lodestone_news::{NewsDate, SearchQuery, Store};

fn seeded() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let r = store.ingest(seed_docs()).unwrap();
    assert_eq!((r.added.len(), r.duplicates.len(), r.total), (10, 0, 10));
    (dir, store)
}

fn titles(store: &Store, q: SearchQuery) -> Vec<String> {
    store
        .search(&q)
        .unwrap()
        .into_iter()
        .map(|h| h.title)
        .collect()
}

#[test]
fn ingesting_twice_keeps_one_copy_and_records_sightings() {
    let (dir, mut store) = seeded();
    let again = store.ingest(seed_docs()).unwrap();
    assert_eq!(
        (again.added.len(), again.duplicates.len(), again.total),
        (0, 10, 10)
    );
    // The same content from another file: still one copy, a second sighting.
    let moved = lodestone_news::parse_documents("elsewhere/copy.txt", SEED, None).unwrap();
    let r = store.ingest(moved).unwrap();
    assert_eq!((r.added.len(), r.total), (0, 10));
    let docs = store.documents().unwrap();
    let first = &docs[0];
    assert_eq!(
        first.provenance.file, SEED_FILE,
        "first sighting is kept as provenance"
    );
    let seen = store.sightings(&first.id).unwrap();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[1].file, "elsewhere/copy.txt");
    // Duplicates inside one batch.
    let mut twice = seed_docs();
    twice.extend(seed_docs());
    let dir2 = tempfile::tempdir().unwrap();
    let mut s2 = Store::open(dir2.path()).unwrap();
    let r = s2.ingest(twice).unwrap();
    assert_eq!((r.added.len(), r.duplicates.len()), (10, 10));
    // Reopening sees the same documents, newest first, with everything round-tripped.
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    let back = store.documents().unwrap();
    assert_eq!(back.len(), 10);
    assert_eq!(back[0].date.unwrap().to_string(), "2025-10-26 03:24");
    let original = seed_docs();
    let o = original.iter().find(|d| d.id == back[3].id).unwrap();
    assert_eq!(o, &back[3]);
    assert_eq!(
        store.get(&back[3].id[..6]).unwrap().unwrap().title,
        back[3].title
    );
    assert!(store.get("ffffffffffff").unwrap().is_none());
}

#[test]
fn search_finds_chinese_and_english() {
    let (_dir, store) = seeded();
    let zh = titles(&store, SearchQuery::new("稀土产业"));
    assert!(
        zh[..2].contains(&"俄联邦安全会议秘书:俄罗斯需尽快建立自主稀土产业".to_string()),
        "{zh:?}"
    );
    assert!(
        zh[..2].contains(&"中美“斗法”把俄罗斯打醒,绍伊古:稀土产业必须独立自主".to_string()),
        "{zh:?}"
    );
    let en = titles(&store, SearchQuery::new("rare earth refining"));
    assert_eq!(
        en[0], "西方硬碰中国稀土,疯狂施压引发全球震荡,格局逆转恐难实现",
        "{en:?}"
    );
    assert!(
        en[..3].contains(&"特朗普亮出底牌:美国取消芬太尼税,中国购美豆、取消稀土管制".to_string()),
        "{en:?}"
    );
    // Stemming: "soybean" finds "soybeans"; case does not matter.
    let soy = titles(&store, SearchQuery::new("SOYBEAN tariffs"));
    assert!(soy.iter().any(|t| t.contains("美国大豆被清零")), "{soy:?}");
    // A phrase.
    let phrase = titles(&store, SearchQuery::new("\"price floor\""));
    assert_eq!(
        phrase,
        vec!["西方硬碰中国稀土,疯狂施压引发全球震荡,格局逆转恐难实现".to_string()]
    );
    // Highlights point at the matched words.
    let hits = store.search(&SearchQuery::new("Lynas")).unwrap();
    assert_eq!(hits.len(), 1);
    let h = &hits[0];
    assert!(!h.highlights.is_empty());
    let (a, b) = h.highlights[0];
    assert_eq!(&h.snippet[a..b], "Lynas");
    let zh_hits = store.search(&SearchQuery::new("稀土产业")).unwrap();
    let (a, b) = zh_hits[0].title_highlights[0];
    assert_eq!(&zh_hits[0].title[a..b], "稀土");
}

#[test]
fn search_filters_by_date_and_source() {
    let (_dir, store) = seeded();
    let mut q = SearchQuery::new("稀土 rare");
    q.limit = 50;
    assert_eq!(titles(&store, q.clone()).len(), 10);
    q.since = NewsDate::parse("2025-10-24");
    let recent = store.search(&q).unwrap();
    assert_eq!(recent.len(), 6);
    assert!(
        recent
            .iter()
            .all(|h| h.date.as_deref().unwrap() >= "2025-10-24")
    );
    q.since = None;
    q.source = Some("雪球".into());
    assert_eq!(
        titles(&store, q.clone()),
        vec!["稀土,为什么比黄金还珍贵?".to_string()]
    );
    q.source = Some("sou hu".into());
    assert_eq!(titles(&store, q.clone()).len(), 9);
    assert!(store.search(&SearchQuery::new("   ")).is_err());
    assert!(
        store
            .search(&SearchQuery::new("zzzzqqq"))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_failed_ingest_leaves_the_store_as_it_was() {
    let (dir, mut store) = seeded();
    // Hold the index writer lock, so the index commit of the next ingest fails.
    let index = tantivy::Index::open_in_dir(dir.path().join("index")).unwrap();
    let lock: tantivy::IndexWriter = index.writer(15_000_000).unwrap();
    let extra = lodestone_news::parse_documents("extra.jsonl", r#"{"title": "New", "source": "S", "date": "2025-11-01", "text": "China holds 93% of refining."}"#, None).unwrap();
    assert!(store.ingest(extra.clone()).is_err());
    assert_eq!(store.count().unwrap(), 10);
    assert!(store.sightings(&extra[0].id).unwrap().is_empty());
    drop(lock);
    let r = store.ingest(extra).unwrap();
    assert_eq!((r.added.len(), r.total), (1, 11));
    assert_eq!(store.search(&SearchQuery::new("93%")).unwrap().len(), 1);
}

#[test]
fn a_lost_index_is_rebuilt_from_the_database() {
    let (dir, store) = seeded();
    drop(store);
    std::fs::remove_dir_all(dir.path().join("index")).unwrap();
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(titles(&store, SearchQuery::new("Lynas")).len(), 1);
}

#[test]
fn the_seed_pages_own_query_finds_seven_of_its_ten_documents() {
    // "稀土产业" is segmented into 稀土 + 产业 (jieba): every document whose title holds either
    // word is a hit, the two that hold the whole compound first, and no other document (#19).
    let (_dir, store) = seeded();
    let hits = titles(&store, SearchQuery::new("稀土产业"));
    let mut expected: Vec<String> = seed_docs()
        .into_iter()
        .map(|d| d.title)
        .filter(|t| t.contains("稀土") || t.contains("产业"))
        .collect();
    assert_eq!(expected.len(), 7, "{expected:?}");
    assert!(hits[..2].iter().all(|t| t.contains("稀土产业")), "{hits:?}");
    let mut got = hits.clone();
    got.sort();
    expected.sort();
    assert_eq!(got, expected, "recall 7/10 with no false hit");
    // The compound inside a longer word is found too: 军工产业 matches 产业.
    assert!(hits.iter().any(|t| t.contains("军工产业")), "{hits:?}");
}
