//! The malformed-input corpus (`tests/malformed/`) run through the real binary: every case
//! breaks one thing in a scenario or a copy of the tiny fixture dataset and must be refused
//! with exit status 2, its error code and the location of the offending value (or, for a
//! case marked `warning`, accepted with exit 0 and a located warning); cases marked
//! `known_gap` are reported, not failed (they must still not panic).

mod common;

use common::{root, run, tiny};
use serde::Deserialize;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Marks the offending value in a case's text: the expected location is where it stands
/// (line and character column in a scenario, line and field number in a CSV table).
const MARK: char = '«';

/// One manifest: a base text (scenarios) and its cases.
#[derive(Deserialize)]
struct Manifest {
    #[serde(default)]
    base: String,
    case: Vec<Case>,
}

/// One malformed input and what Lodestone must answer.
#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct Case {
    id: String,
    /// Scenarios: text appended to the base; datasets: text appended to `file`.
    #[serde(default)]
    append: Option<String>,
    /// The whole text (a scenario instead of base + append; a table's whole content).
    #[serde(default)]
    text: Option<String>,
    /// Datasets: the table edited.
    #[serde(default)]
    file: Option<String>,
    /// Datasets: `[old, new]`, `old` must occur in the table.
    #[serde(default)]
    replace: Option<[String; 2]>,
    /// Datasets: the table is deleted.
    #[serde(default)]
    remove: bool,
    /// `latin1` or `utf16le`: how the edited text is written (else UTF-8).
    #[serde(default)]
    encoding: Option<String>,
    /// Further files beside the scenario (parents for `extends`).
    #[serde(default)]
    files: std::collections::BTreeMap<String, String>,
    /// Scenarios: run without `--data` (the scenario's own `dataset`).
    #[serde(default)]
    no_data: bool,
    /// Expected error code, e.g. `E007`.
    code: String,
    /// Expected location `[file:]line:col` when there is no marker.
    #[serde(default)]
    at: Option<String>,
    /// Not refused but warned about: exit status 0 and `FILE:LINE:COL: warning[CODE]` on
    /// stderr (an input that is legitimate in some files, e.g. an event after a horizon
    /// that a child scenario shortened).
    #[serde(default)]
    warning: bool,
    /// What Lodestone does today instead of refusing the case as expected.
    #[serde(default)]
    known_gap: Option<String>,
    /// The known gap is a panic (exit 101) of one of the commands: reported, not failed,
    /// until the check that refuses the input lands.
    #[serde(default)]
    known_panic: bool,
}

/// What one command answered for one case.
struct Outcome {
    command: String,
    status: Option<i32>,
    stderr: String,
    expected: String,
    /// 2 (refused), or 0 for a warning case.
    want_status: i32,
}

impl Outcome {
    /// Answered as the case expects: refused (or warned about) with its code and location.
    fn refused(&self) -> bool {
        self.status == Some(self.want_status) && self.stderr.contains(&self.expected)
    }
    fn panicked(&self) -> bool {
        self.status == Some(101) || self.stderr.contains("panicked")
    }
}

fn load(name: &str) -> Manifest {
    let path = root().join("tests/malformed").join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `text` without the marker, and the marker's (line, character column, field number).
fn unmark(text: &str) -> (String, Option<(usize, usize, usize)>) {
    let Some(at) = text.find(MARK) else {
        return (text.to_string(), None);
    };
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let in_line = &before[line_start..];
    let col = in_line.chars().count() + 1;
    let field = in_line.matches(',').count() + 1;
    (text.replacen(MARK, "", 1), Some((line, col, field)))
}

fn encode(text: &str, encoding: Option<&str>) -> Vec<u8> {
    match encoding {
        None => text.as_bytes().to_vec(),
        Some("latin1") => text.chars().map(|c| c as u32 as u8).collect(),
        Some("utf16le") => {
            let mut b = vec![0xFF, 0xFE];
            text.encode_utf16().for_each(|u| b.extend(u.to_le_bytes()));
            b
        }
        Some(e) => panic!("unknown encoding `{e}`"),
    }
}

/// The expected `file[:line[:col]]: error[CODE]` prefix: `at` is `[file:]line[:col]`, a
/// bare line for whole-row problems, or `-` for the file alone (a missing file); without
/// `at`, the marker's place.
fn expected(
    case: &Case,
    dir: &Path,
    file: &str,
    mark: Option<(usize, usize, usize)>,
    csv: bool,
) -> String {
    let loc = match (case.at.as_deref(), mark) {
        (Some("-"), _) => file.to_string(),
        (Some(at), _) if at.starts_with(|c: char| c.is_ascii_digit()) => format!("{file}:{at}"),
        (Some(at), _) => at.to_string(),
        (None, Some((line, col, field))) => {
            format!("{file}:{line}:{}", if csv { field } else { col })
        }
        (None, None) => panic!("case `{}` has neither a marker nor `at`", case.id),
    };
    let level = if case.warning { "warning" } else { "error" };
    format!("{}/{loc}: {level}[{}]", dir.display(), case.code)
}

fn run_scenario(base: &str, case: &Case) -> Vec<Outcome> {
    let dir = tempfile::tempdir().unwrap();
    let text = match (&case.text, &case.append) {
        (Some(t), _) => t.clone(),
        (None, Some(a)) => format!("{base}{a}"),
        (None, None) => panic!("case `{}` has no text", case.id),
    };
    let (text, mark) = unmark(&text);
    let path = dir.path().join("case.toml");
    std::fs::write(&path, encode(&text, case.encoding.as_deref())).unwrap();
    for (name, t) in &case.files {
        std::fs::write(dir.path().join(name), t).unwrap();
    }
    let want = expected(case, dir.path(), "case.toml", mark, false);
    let (p, data) = (path.to_str().unwrap(), tiny().display().to_string());
    let mut cmds = vec![vec!["validate", p], vec!["run", p, "--step", "year"]];
    if !case.no_data {
        cmds.iter_mut()
            .for_each(|c| c.extend(["--data", data.as_str()]));
    }
    outcomes(&cmds, &want, case)
}

fn run_dataset(case: &Case) -> Vec<Outcome> {
    let dir = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(tiny()).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
    }
    let file = case.file.as_deref().expect("dataset case names its `file`");
    let path = dir.path().join(file);
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    let new = if let Some(t) = &case.text {
        t.clone()
    } else if let Some([from, to]) = &case.replace {
        assert!(
            old.contains(from.as_str()),
            "case `{}`: `{from}` not in {file}",
            case.id
        );
        old.replacen(from.as_str(), to, 1)
    } else if let Some(a) = &case.append {
        format!("{old}{a}")
    } else {
        assert!(case.remove, "case `{}` has no edit", case.id);
        String::new()
    };
    let (new, mark) = unmark(&new);
    if case.remove {
        std::fs::remove_file(&path).unwrap();
    } else {
        std::fs::write(&path, encode(&new, case.encoding.as_deref())).unwrap();
    }
    let want = expected(case, dir.path(), file, mark, true);
    let d = dir.path().to_str().unwrap();
    outcomes(
        &[vec!["data", "check", "--data", d], vec!["validate", d]],
        &want,
        case,
    )
}

fn outcomes(cmds: &[Vec<&str>], want: &str, case: &Case) -> Vec<Outcome> {
    cmds.iter()
        .map(|args| {
            let o = run(args);
            Outcome {
                command: args[..args.len().min(2)].join(" "),
                status: o.status.code(),
                stderr: String::from_utf8_lossy(&o.stderr).into(),
                expected: want.to_string(),
                want_status: if case.warning { 0 } else { 2 },
            }
        })
        .collect()
}

/// Runs `cases` on a few threads; returns (case, outcomes) in corpus order.
fn run_all(cases: &[Case], f: impl Fn(&Case) -> Vec<Outcome> + Sync) -> Vec<(Case, Vec<Outcome>)> {
    let next = AtomicUsize::new(0);
    let done = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                while let Some(c) = cases.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let o = f(c);
                    done.lock().unwrap().push((c.clone(), o));
                }
            });
        }
    });
    let mut done = done.into_inner().unwrap();
    done.sort_by_key(|(c, _)| cases.iter().position(|x| x.id == c.id));
    done
}

/// Checks every outcome; returns the failures, and prints the known gaps.
fn judge(results: &[(Case, Vec<Outcome>)]) -> Vec<String> {
    let (mut failures, mut gaps, mut fixed) = (Vec::new(), 0, 0);
    for (case, outs) in results {
        for o in outs.iter().filter(|o| o.panicked()) {
            if case.known_panic {
                eprintln!("known panic {}: `{}`", case.id, o.command);
                continue;
            }
            failures.push(format!(
                "{}: `{}` panicked:\n{}",
                case.id, o.command, o.stderr
            ));
        }
        let all = outs.iter().all(Outcome::refused);
        match (&case.known_gap, all) {
            (None, false) => {
                for o in outs.iter().filter(|o| !o.refused()) {
                    failures.push(format!(
                        "{}: `{}` exited {:?} without `{}`:\n{}",
                        case.id, o.command, o.status, o.expected, o.stderr
                    ));
                }
            }
            (Some(g), false) => {
                gaps += 1;
                let got: Vec<String> = outs
                    .iter()
                    .map(|o| format!("{} exit {:?}", o.command, o.status))
                    .collect();
                eprintln!("known gap {}: {g} [{}]", case.id, got.join(", "));
            }
            (Some(_), true) => {
                fixed += 1;
                eprintln!("now refused as expected, drop its known_gap: {}", case.id);
            }
            (None, true) => {}
        }
    }
    let refused = results
        .iter()
        .filter(|(_, o)| o.iter().all(Outcome::refused))
        .count();
    eprintln!(
        "{} cases: {refused} refused as expected, {gaps} known gaps ({fixed} of the marked gaps now refused)",
        results.len()
    );
    failures
}

fn check_ids_unique(cases: &[Case]) {
    let mut ids: Vec<&str> = cases.iter().map(|c| c.id.as_str()).collect();
    ids.sort();
    let n = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), n, "duplicate case ids");
}

#[test]
fn malformed_scenarios_are_refused_at_the_offending_value() {
    let m = load("scenarios.toml");
    check_ids_unique(&m.case);
    let results = run_all(&m.case, |c| run_scenario(&m.base, c));
    let failures = judge(&results);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn malformed_datasets_are_refused_at_the_offending_value() {
    let m = load("datasets.toml");
    check_ids_unique(&m.case);
    let results = run_all(&m.case, run_dataset);
    let failures = judge(&results);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
