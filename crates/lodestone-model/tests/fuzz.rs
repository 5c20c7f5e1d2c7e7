//! Fuzz smoke test of the scenario and table parsers on stable Rust: arbitrary and mutated
//! scenario texts through `Scenario::parse` and `validate` (against the tiny fixture
//! dataset), arbitrary and mutated CSV tables through `Dataset::load`. Nothing may panic,
//! and every refusal must say where. `PROPTEST_CASES=N` sets the cases per property
//! (default 256, a few seconds); docs/reliability.md records the long runs.

use lodestone_model::{Dataset, DatasetFiles, Diagnostics, Scenario};
use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every file of a folder with the given extension, as (name, text), sorted.
fn files(dir: &Path, ext: &str) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == ext) || ext.is_empty())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    v.sort();
    v
}

/// The tiny fixture dataset's files.
static TINY: LazyLock<Vec<(String, String)>> = LazyLock::new(|| {
    files(
        &repo().join("crates/lodestone-engine/tests/fixtures/tiny"),
        "",
    )
});
static TINY_DS: LazyLock<Dataset> = LazyLock::new(|| {
    Dataset::load(&DatasetFiles {
        root: "tiny".into(),
        files: TINY.clone(),
    })
    .unwrap()
});
/// Seeds for mutation: the shipped scenarios and a small scenario on the tiny dataset
/// with one event of each kind the corpus exercises.
static SEEDS: LazyLock<Vec<(String, String)>> = LazyLock::new(|| {
    let mut v = files(&repo().join("scenarios"), "toml");
    v.push(("tiny.toml".into(), TINY_SCENARIO.into()));
    v
});

const TINY_SCENARIO: &str = r#"name = "t"
dataset = "tiny"
[horizon]
start = "2024-01"
end = "2025-12"
step = "quarter"
[overrides.facilities.mag_jp]
capacity = 600
[settings]
supply_slope = 0.1
[metrics]
blocs = ["us_allies"]
[[metrics.platforms]]
id = "f35"
name = "F-35"
re_kg = 417
country = "US"
[[events]]
type = "disruption"
facility = "mine_cn"
start = "2025-01"
end = "2025-06"
loss = 0.5
[[events]]
id = "q"
type = "production_quota"
country = "CN"
stage = "mining"
tonnes_per_year = 5000
start = "2025-01"
[[uncertainty]]
param = "demand.growth"
dist = "normal"
mean = 1
sd = 0.2
note = "x"
"#;

/// Fragments a mutation inserts or substitutes: TOML syntax, bad numbers, dates, ids.
const FRAGMENTS: &[&str] = &[
    "nan",
    "inf",
    "-inf",
    "1e308",
    "-1",
    "0",
    "1.5",
    "\"\"",
    "\"",
    "[",
    "]",
    "{",
    "}",
    "=",
    "\n",
    "\n[[events]]\n",
    "\ntype = \"tariff\"\n",
    "[horizon]",
    "\"2025-02-30\"",
    "\"9999-12\"",
    "\"0001-01\"",
    "extends = \"t\"\n",
    "extends = \"baseline\"\n",
    ",",
    "\u{0}",
    "é",
    "\u{feff}",
    "#",
    "'''",
    "\"\"\"",
    "true",
    "[[uncertainty]]\n",
    "[metrics]\n",
    "[settings]\n",
    "[overrides.facilities.x]\n",
    "mine_cn",
    "XX",
    "kind:magnet",
    "*",
    ";",
    "\r\n",
    "  ",
    "\t",
];

/// One edit of a text: insert a fragment, delete a range, duplicate a line or insert
/// arbitrary characters, at a position given as a fraction of the length.
#[derive(Debug, Clone)]
enum Edit {
    Insert(f64, usize),
    Delete(f64, usize),
    DuplicateLine(f64),
    Chars(f64, String),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (0.0..1.0f64, 0..FRAGMENTS.len()).prop_map(|(p, i)| Edit::Insert(p, i)),
        (0.0..1.0f64, 1..40usize).prop_map(|(p, n)| Edit::Delete(p, n)),
        (0.0..1.0f64).prop_map(Edit::DuplicateLine),
        (0.0..1.0f64, "\\PC{0,8}").prop_map(|(p, s)| Edit::Chars(p, s)),
    ]
}

/// The char boundary nearest below `frac` × the length.
fn at(text: &str, frac: f64) -> usize {
    let mut i = ((text.len() as f64) * frac) as usize;
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn apply(text: &str, e: &Edit) -> String {
    let mut t = text.to_string();
    match e {
        Edit::Insert(p, i) => t.insert_str(at(&t, *p), FRAGMENTS[*i]),
        Edit::Chars(p, s) => t.insert_str(at(&t, *p), s),
        Edit::Delete(p, n) => {
            let a = at(&t, *p);
            let b = at(&t, ((a + n) as f64 / t.len().max(1) as f64).min(1.0));
            t.replace_range(a..b.max(a), "");
        }
        Edit::DuplicateLine(p) => {
            let a = t[..at(&t, *p)].rfind('\n').map_or(0, |i| i + 1);
            let b = t[a..].find('\n').map_or(t.len(), |i| a + i + 1);
            let line = t[a..b].to_string();
            t.insert_str(b, &line);
        }
    }
    t
}

/// Every diagnostic names a file, and at least one names a line: a refusal says where.
fn assert_located(d: &Diagnostics, input: &str) {
    assert!(!d.is_empty(), "an error without a diagnostic for {input:?}");
    assert!(
        d.0.iter().all(|x| !x.location.file.is_empty()),
        "{d:?} for {input:?}"
    );
    assert!(
        d.0.iter().any(|x| x.location.line > 0),
        "no line in {d:?} for {input:?}"
    );
}

/// Parse (resolving `extends` among the seeds) and, if it parses, validate on tiny.
fn check_scenario(text: &str) {
    let lookup = |name: &str| {
        SEEDS
            .iter()
            .find(|(f, _)| f.trim_end_matches(".toml") == name)
            .cloned()
    };
    match Scenario::parse("fuzz.toml", text, &lookup) {
        Ok(s) => {
            let _ = s.validate(&TINY_DS);
        }
        Err(d) => assert_located(&d, text),
    }
}

fn check_dataset(name: &str, text: &str) {
    let mut files = TINY.clone();
    files.iter_mut().find(|(n, _)| n == name).unwrap().1 = text.to_string();
    if let Err(d) = Dataset::load(&DatasetFiles {
        root: "tiny".into(),
        files,
    }) {
        assert!(
            d.0.iter().all(|x| !x.location.file.is_empty()),
            "{d:?} for {name}: {text:?}"
        );
    }
}

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok());
    ProptestConfig::with_cases(cases.unwrap_or(256))
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_scenario_text_never_panics(text in "\\PC{0,200}") {
        check_scenario(&text);
    }

    #[test]
    fn mutated_scenarios_never_panic_and_refusals_are_located(
        seed in 0..16usize,
        edits in proptest::collection::vec(edit(), 1..4),
    ) {
        let (_, base) = &SEEDS[seed % SEEDS.len()];
        let text = edits.iter().fold(base.clone(), |t, e| apply(&t, e));
        check_scenario(&text);
    }

    #[test]
    fn arbitrary_tables_never_panic(file in 0..16usize, text in "[a-z0-9_,.\"\\n -]{0,200}") {
        let name = TINY[file % TINY.len()].0.clone();
        check_dataset(&name, &text);
    }

    #[test]
    fn mutated_tables_never_panic_and_refusals_name_their_file(
        file in 0..16usize,
        edits in proptest::collection::vec(edit(), 1..4),
    ) {
        let (name, base) = TINY[file % TINY.len()].clone();
        let text = edits.iter().fold(base, |t, e| apply(&t, e));
        check_dataset(&name, &text);
    }
}
