//! `lodestone news …` end to end: the real binary on the seed page, in a temporary store.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn seed_page() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../lodestone-news/tests/fixtures/seed_page.txt")
}

fn lodestone(store: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lodestone"))
        .arg("news")
        .arg("--store")
        .arg(store)
        .args(args)
        .env_remove("LODESTONE_STORE")
        .output()
        .expect("run lodestone")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_str(&ok(out)).expect("valid JSON")
}

fn ingested() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let seed = seed_page();
    let out = ok(&lodestone(&store, &["ingest", seed.to_str().unwrap()]));
    assert!(
        out.contains("10 added, 0 already stored; 10 documents in the store"),
        "{out}"
    );
    (dir, store)
}

#[test]
fn news_ingest_is_idempotent_and_lists_the_seed_documents() {
    let (_dir, store) = ingested();
    let seed = seed_page();
    let again = ok(&lodestone(&store, &["ingest", seed.to_str().unwrap()]));
    assert!(again.contains("0 added, 10 already stored"), "{again}");
    let docs = json(&lodestone(&store, &["list", "--json"]));
    let docs = docs.as_array().unwrap();
    assert_eq!(docs.len(), 10);
    assert_eq!(
        docs[0]["title"],
        "中美“斗法”把俄罗斯打醒,绍伊古:稀土产业必须独立自主"
    );
    assert_eq!(docs[0]["date"], "2025-10-26 03:24");
    assert_eq!(docs[0]["source"], "Sou Hu Cai Jing");
    assert!(docs.iter().any(|d| d["source"] == "雪球"));
    assert!(docs.iter().all(|d| {
        d["provenance"]["file"]
            .as_str()
            .unwrap()
            .ends_with("seed_page.txt")
    }));
    let table = ok(&lodestone(&store, &["list"]));
    assert!(table.contains("10 documents"), "{table}");
}

#[test]
fn news_search_in_chinese_and_english_with_filters() {
    let (_dir, store) = ingested();
    let hits = json(&lodestone(&store, &["search", "稀土产业", "--json"]));
    let top: Vec<&str> = hits
        .as_array()
        .unwrap()
        .iter()
        .take(2)
        .map(|h| h["title"].as_str().unwrap())
        .collect();
    assert!(
        top.contains(&"俄联邦安全会议秘书:俄罗斯需尽快建立自主稀土产业"),
        "{top:?}"
    );
    assert!(
        top.contains(&"中美“斗法”把俄罗斯打醒,绍伊古:稀土产业必须独立自主"),
        "{top:?}"
    );
    let text = ok(&lodestone(
        &store,
        &["search", "rare", "earth", "refining", "--limit", "3"],
    ));
    assert!(text.starts_with(" 1. 西方硬碰中国稀土"), "{text}");
    assert!(text.contains("[refining]"), "highlighted snippet: {text}");
    let since = json(&lodestone(
        &store,
        &["search", "soybeans", "--since", "2025-10-22", "--json"],
    ));
    assert!(
        since
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["date"].as_str().unwrap() >= "2025-10-22")
    );
    let src = json(&lodestone(
        &store,
        &["search", "rare earth", "--source", "雪球", "--json"],
    ));
    assert_eq!(src.as_array().unwrap().len(), 1);
    let bad = lodestone(&store, &["search", "x", "--since", "26/10/2025"]);
    assert!(!bad.status.success());
}

#[test]
fn news_malformed_input_is_located_and_stores_nothing() {
    let (dir, store) = ingested();
    let bad = dir.path().join("bad.txt");
    std::fs::write(&bad, "稀土产业\nSearch documents\n标题\nSou Hu Cai Jing· 2025-10-26 03:24\nCore Viewpoint - fine [1].\n第二篇\nSou Hu Cai Jing· 2025-02-31 03:24\nCore Viewpoint - bad date [1].\n").unwrap();
    let good = dir.path().join("good.jsonl");
    std::fs::write(&good, "{\"title\": \"New\", \"source\": \"S\", \"date\": \"2025-11-01\", \"text\": \"China holds 93% of refining.\"}\n").unwrap();
    // A good file and a bad one in the same command: nothing is stored.
    let out = lodestone(
        &store,
        &["ingest", good.to_str().unwrap(), bad.to_str().unwrap()],
    );
    // bad input: exit 2, as everywhere else, at FILE:LINE
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("{}:7", bad.display())), "{err}");
    assert!(err.contains("2025-02-31"), "{err}");
    assert_eq!(
        json(&lodestone(&store, &["list", "--json"]))
            .as_array()
            .unwrap()
            .len(),
        10
    );
    let missing = lodestone(
        &store,
        &["ingest", dir.path().join("nope.txt").to_str().unwrap()],
    );
    assert_eq!(missing.status.code(), Some(2));
    // Broken front matter is refused at its line, not stored as body text.
    let broken = dir.path().join("broken.md");
    std::fs::write(
        &broken,
        "---\ntitle Rare earths\n---\nChina holds 90% of refining.\n",
    )
    .unwrap();
    let out = lodestone(&store, &["ingest", broken.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("{}:2", broken.display())), "{err}");
    // Bad arguments are bad input too.
    let since = lodestone(&store, &["search", "rare", "--since", "yesterday"]);
    assert_eq!(since.status.code(), Some(2));
    let doc = lodestone(&store, &["claims", "--doc", "no-such-doc"]);
    assert_eq!(doc.status.code(), Some(2));
    // The good file alone goes in.
    let r = json(&lodestone(
        &store,
        &["ingest", good.to_str().unwrap(), "--json"],
    ));
    assert_eq!(r["total"], 11);
}

#[test]
fn news_store_comes_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let seed = seed_page();
    let out = Command::new(env!("CARGO_BIN_EXE_lodestone"))
        .args(["news", "ingest", seed.to_str().unwrap()])
        .env("LODESTONE_STORE", dir.path())
        .output()
        .unwrap();
    ok(&out);
    assert!(dir.path().join("news.sqlite3").exists());
    assert!(dir.path().join("index").is_dir());
}

#[test]
fn news_claims_check_and_propose() {
    let (dir, store) = ingested();
    let claims = json(&lodestone(&store, &["claims", "--json"]));
    let claims = claims.as_array().unwrap();
    let soy = claims
        .iter()
        .find(|c| c["metric"] == "imports" && c["quantity"]["value"] == 8e6)
        .expect("the 8 Mt soybean claim");
    assert_eq!(soy["subject"]["id"], "CN");
    assert_eq!(soy["partner"]["id"], "US");
    assert_eq!(soy["period"]["year"], 2024);
    assert!(
        soy["origin"]["sentence"]
            .as_str()
            .unwrap()
            .contains("8 million tons in 2024")
    );
    assert!(claims.iter().any(
        |c| c["quantity"]["unit"] == "RUB" && c["quantity"]["equivalents"][0]["unit"] == "CNY"
    ));
    let text = ok(&lodestone(&store, &["claims"]));
    assert!(text.contains("share of refining/separation"), "{text}");

    let report = json(&lodestone(&store, &["check", "--json"]));
    assert_eq!(
        report["summary"]["claims"].as_u64().unwrap() as usize,
        claims.len()
    );
    assert!(
        report["summary"]["conflicts"].as_u64().unwrap() >= 1,
        "90% vs 92% of refining"
    );
    let text = ok(&lodestone(&store, &["check"]));
    assert!(text.contains("documents disagree"), "{text}");
    // Dates agree within a stated tolerance: "by the end of 2026" vs the dataset's first output
    // in January 2027 is one month apart, not a contradiction (#19).
    assert!(text.contains("dates ±3 months"), "{text}");
    assert_eq!(report["tolerances"]["date_tolerance_months"], 3);
    let iluka = report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["claims"].as_array().unwrap())
        .find(|c| {
            c["claim"]["metric"] == "start_date"
                && c["claim"]["origin"]["sentence"]
                    .as_str()
                    .unwrap()
                    .contains("Iluka")
        })
        .expect("Iluka's start-date claim");
    assert_eq!(iluka["verdict"], "supported", "{iluka}");
    let reason = iluka["reason"].as_str().unwrap();
    assert!(
        reason.contains("2027-01") && reason.contains("1 month") && reason.contains("±3 months"),
        "{reason}"
    );
    let strict = lodestone(&store, &["check", "--strict"]);
    assert_eq!(strict.status.code(), Some(1));

    let toml_text = ok(&lodestone(&store, &["propose"]));
    assert!(toml_text.contains("[[events]]"), "{toml_text}");
    assert!(
        toml_text.contains("# sentence: \"") && toml_text.contains("700 billion rubles"),
        "{toml_text}"
    );
    assert!(toml_text.contains("currency = \"RUB\""), "{toml_text}");
    let set = json(&lodestone(&store, &["propose", "--json"]));
    assert!(!set["proposals"].as_array().unwrap().is_empty());
    assert_eq!(set["toml"].as_str().unwrap(), toml_text);
    let out_file = dir.path().join("proposals.toml");
    ok(&lodestone(
        &store,
        &["propose", "--out", out_file.to_str().unwrap()],
    ));
    assert_eq!(std::fs::read_to_string(&out_file).unwrap(), toml_text);
    let again = lodestone(&store, &["propose", "--out", out_file.to_str().unwrap()]);
    assert!(!again.status.success(), "never overwrites a file");
}

#[test]
fn news_names_the_store_it_used_and_how_to_choose_another() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("empty");
    let out = Command::new(env!("CARGO_BIN_EXE_lodestone"))
        .args(["news", "search", "稀土"])
        .env("LODESTONE_STORE", &store)
        .output()
        .unwrap();
    let text = ok(&out);
    let err = String::from_utf8_lossy(&out.stderr);
    let shown = store.display().to_string();
    assert!(
        text.contains(&format!(
            "no matching documents in the news store at {shown}"
        )),
        "{text}"
    );
    assert!(text.contains("0 documents stored"), "{text}");
    assert!(text.contains("LODESTONE_STORE"), "{text}");
    assert!(
        err.contains(&format!("news store: {shown} (from LODESTONE_STORE)")),
        "{err}"
    );
    // With --store, the flag is named, also when documents are found.
    let (_d, seeded) = ingested();
    let out = lodestone(&seeded, &["list"]);
    ok(&out);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("news store: {} (from --store)", seeded.display())),
        "{err}"
    );
    let none = ok(&lodestone(&seeded, &["search", "zzzyxq"]));
    assert!(none.contains("10 documents stored"), "{none}");
}
