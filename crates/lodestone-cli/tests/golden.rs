//! Golden outputs: every shipped scenario, at its own step and with `--step year`, run
//! through the real binary (`run SCENARIO [--step year] --json --out DIR`); the JSON summary
//! and every `--out` table must equal the golden files under `tests/golden/<scenario>/<step>/`
//! byte for byte. This is the safety net of refactors: a change that is not meant to move
//! model output must leave every file as it is.
//!
//! `summary.json` is kept whole, so `git diff` shows what moved. The tables (tens of MB for
//! the monthly runs) are kept as their SHA-256 digests and sizes in `tables.sha256`: a
//! different byte in any table fails the test, and the summary's diff says where to look.
//! The only masked value is `stats.solver_seconds` (wall-clock time inside the solver).
//!
//! A change that is meant to move model output regenerates the files, and its commit
//! message says what moved and why:
//!
//! ```sh
//! LODESTONE_BLESS=1 cargo test -p lodestone-cli --test golden
//! git diff --stat tests/golden
//! ```

mod common;

use common::{root, shipped_scenarios};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The two steps every scenario is run at: its own (`as-shipped`) and `year`.
const STEPS: [(&str, Option<&str>); 2] = [("as-shipped", None), ("year", Some("year"))];

fn golden_dir() -> PathBuf {
    root().join("tests/golden")
}

/// Replace the value of `"solver_seconds": …` (the only wall-clock figure) with 0.
fn mask(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("\"solver_seconds\": ") {
            Some(i) => {
                let comma = if l.trim_end().ends_with(',') { "," } else { "" };
                format!("{}\"solver_seconds\": 0{comma}", &l[..i])
            }
            None => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// Run one scenario at one step; returns (file name, contents) of its outputs, sorted.
fn outputs(scenario: &str, step: Option<&str>) -> Vec<(String, String)> {
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["run", scenario, "--json", "--out"];
    let out = dir.path().to_str().unwrap().to_string();
    args.push(&out);
    if let Some(s) = step {
        args.extend(["--step", s]);
    }
    let o = Command::new(env!("CARGO_BIN_EXE_lodestone"))
        .args(&args)
        .output()
        .expect("binary runs");
    assert_eq!(
        o.status.code(),
        Some(0),
        "`lodestone {}` failed:\n{}",
        args.join(" "),
        String::from_utf8_lossy(&o.stderr)
    );
    let mut files: Vec<(String, String)> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            let text = std::fs::read_to_string(&p).unwrap();
            let text = if name.ends_with(".json") {
                mask(&text)
            } else {
                text
            };
            (name, text)
        })
        .collect();
    files.sort();
    digest_tables(files)
}

/// Keep `.json` files whole; replace the tables by one `tables.sha256` file listing each
/// table's SHA-256, size and name.
fn digest_tables(files: Vec<(String, String)>) -> Vec<(String, String)> {
    let (mut kept, tables): (Vec<_>, Vec<_>) =
        files.into_iter().partition(|(n, _)| n.ends_with(".json"));
    let lines: String = tables
        .iter()
        .map(|(name, text)| {
            let hex: String = Sha256::digest(text.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            format!("{hex}  {name}  {} bytes\n", text.len())
        })
        .collect();
    kept.push(("tables.sha256".into(), lines));
    kept.sort();
    kept
}

/// First differing line of two texts, for the failure message.
fn first_difference(want: &str, got: &str) -> String {
    let (mut w, mut g) = (want.lines(), got.lines());
    for n in 1.. {
        match (w.next(), g.next()) {
            (None, None) => break,
            (a, b) if a == b => continue,
            (a, b) => {
                return format!(
                    "line {n}: golden `{}` vs now `{}`",
                    a.unwrap_or("<end>"),
                    b.unwrap_or("<end>")
                );
            }
        }
    }
    "identical lines, different line endings".into()
}

/// Compare (or, when blessing, write) one run's files against `dir`.
fn check(dir: &Path, files: &[(String, String)], bless: bool) -> Vec<String> {
    let mut problems = Vec::new();
    if bless {
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir).unwrap();
        for (name, text) in files {
            std::fs::write(dir.join(name), text).unwrap();
        }
        return problems;
    }
    let mut expected: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.map(|e| e.unwrap().file_name().to_string_lossy().to_string())
                .collect()
        })
        .unwrap_or_default();
    expected.sort();
    let names: Vec<String> = files.iter().map(|(n, _)| n.clone()).collect();
    if expected != names {
        problems.push(format!(
            "{}: files {expected:?} in the golden folder, the run wrote {names:?}",
            dir.display()
        ));
    }
    for (name, text) in files {
        let Ok(want) = std::fs::read_to_string(dir.join(name)) else {
            continue;
        };
        if &want != text {
            problems.push(format!(
                "{}: {}",
                dir.join(name).display(),
                first_difference(&want, text)
            ));
        }
    }
    problems
}

#[test]
fn every_shipped_scenario_reproduces_its_golden_outputs() {
    let bless = std::env::var_os("LODESTONE_BLESS").is_some();
    let jobs: Vec<(String, &str, Option<&str>)> = shipped_scenarios()
        .into_iter()
        .flat_map(|s| STEPS.map(|(label, step)| (s.clone(), label, step)))
        .collect();
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let problems = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some((scenario, label, step)) = jobs.get(i) else {
                        break;
                    };
                    let files = outputs(scenario, *step);
                    let dir = golden_dir().join(scenario).join(label);
                    let found = check(&dir, &files, bless);
                    problems.lock().unwrap().extend(found);
                }
            });
        }
    });
    let problems = problems.into_inner().unwrap();
    assert!(
        problems.is_empty(),
        "{} golden file(s) differ (if the change is meant to move model output, regenerate \
         with `LODESTONE_BLESS=1 cargo test -p lodestone-cli --test golden` and say what \
         moved and why in the commit message):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn mask_hides_only_the_solver_time() {
    let text = "{\n  \"stats\": {\n    \"solver_seconds\": 0.123,\n    \"periods\": 3\n  }\n}";
    let masked = mask(text);
    assert!(masked.contains("\"solver_seconds\": 0,\n"), "{masked}");
    assert!(masked.contains("\"periods\": 3"), "{masked}");
    assert_eq!(mask(&masked), masked);
}

#[test]
fn the_golden_folder_has_a_run_for_every_shipped_scenario_and_nothing_else() {
    let mut found: Vec<String> = std::fs::read_dir(golden_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    found.sort();
    assert_eq!(
        found,
        shipped_scenarios(),
        "tests/golden/ must hold one folder per scenarios/*.toml (regenerate: see golden.rs)"
    );
}

#[test]
fn a_changed_table_changes_its_digest() {
    let a = digest_tables(vec![("flows.csv".into(), "a,1\n".into())]);
    let b = digest_tables(vec![("flows.csv".into(), "a,2\n".into())]);
    assert_eq!(a[0].0, "tables.sha256");
    assert!(a[0].1.ends_with("  flows.csv  4 bytes\n"), "{}", a[0].1);
    assert_ne!(a, b);
}

/// Every reported price, in every golden run, is at least minus the discarding cost (0 by
/// default; 1e-3 USD/kg of solver round-off allowed): a holder whose stock is a full `storage_span_months` of use above normal
/// writes the excess off rather than paying to keep it (`network::Network::surplus`).
/// Until session 12, Tb metal outside China printed down to −5,878 USD/kg under the
/// licensing scenarios: a holder at a node with almost no use had a huge slope `w`.
#[test]
fn no_golden_run_reports_a_price_below_zero() {
    let mut negative = Vec::new();
    for scenario in shipped_scenarios() {
        for (label, _) in STEPS {
            let path = golden_dir()
                .join(&scenario)
                .join(label)
                .join("summary.json");
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
            let summary: serde_json::Value = serde_json::from_str(&text).unwrap();
            let years = summary["annual"].as_object().expect("annual");
            for (year, y) in years {
                for (market, prices) in y["prices"].as_object().into_iter().flatten() {
                    for (material, p) in prices.as_object().into_iter().flatten() {
                        if p.as_f64().is_some_and(|p| p < -1e-3) {
                            negative.push(format!(
                                "{scenario}/{label} {year} {market} {material}: {p}"
                            ));
                        }
                    }
                }
            }
        }
    }
    assert!(
        negative.is_empty(),
        "negative prices:\n{}",
        negative.join("\n")
    );
}
