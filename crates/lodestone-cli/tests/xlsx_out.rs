//! `--format xlsx` of `run`, `ensemble` and `compare` on the real binary: every sheet of
//! the workbook equals the CSV table of the same command, numbers are numbers, a README
//! sheet comes first, and a bad `--out` is an error with a hint, not a panic.
//!
//! The workbook is read back with the `zip` crate (already in the tree through
//! rust_xlsxwriter) and a small reader of the sheets' XML below, not a reader crate.

mod common;

use common::{run, text, tiny, two_scenarios};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

/// One cell as the workbook stores it.
#[derive(Debug, Clone, PartialEq)]
enum X {
    Num(f64),
    Text(String),
    Bool(bool),
    Empty,
}

/// The sheets of a workbook in tab order: name, rows of cells.
fn read_xlsx(path: &Path) -> Vec<(String, Vec<Vec<X>>)> {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut zip = zip::ZipArchive::new(file).expect("an xlsx is a zip archive");
    let mut part = |name: &str| -> Option<String> {
        let mut s = String::new();
        zip.by_name(name).ok()?.read_to_string(&mut s).ok()?;
        Some(s)
    };
    let shared: Vec<String> = part("xl/sharedStrings.xml").map_or(Vec::new(), |x| {
        x.split("<si>").skip(1).map(inner_text).collect()
    });
    let book = part("xl/workbook.xml").expect("xl/workbook.xml");
    let rels = part("xl/_rels/workbook.xml.rels").expect("workbook relationships");
    let mut sheets = Vec::new();
    for s in book.split("<sheet ").skip(1) {
        let name = unescape(&attr(s, "name").expect("sheet name"));
        let rid = attr(s, "r:id").expect("sheet r:id");
        let target = (rels.split("<Relationship ").skip(1))
            .find(|r| attr(r, "Id").as_deref() == Some(&rid))
            .and_then(|r| attr(r, "Target"))
            .expect("sheet target");
        let xml = part(&format!("xl/{}", target.trim_start_matches("/xl/"))).expect("sheet");
        sheets.push((name, rows(&xml, &shared)));
    }
    sheets
}

/// The value of attribute `name` in the start of a tag.
fn attr(tag: &str, name: &str) -> Option<String> {
    let head = &tag[..tag.find('>').unwrap_or(tag.len())];
    let at = head.find(&format!(" {name}=\"")).or_else(|| {
        head.starts_with(&format!("{name}=\""))
            .then_some(0)
            .map(|_| usize::MAX)
    })?;
    let start = if at == usize::MAX { 0 } else { at + 1 } + name.len() + 2;
    let len = head[start..].find('"')?;
    Some(head[start..start + len].to_string())
}

/// The text of every `<t>` element in `xml`, joined, unescaped.
fn inner_text(xml: &str) -> String {
    let mut out = String::new();
    for t in xml.split("<t").skip(1) {
        if !(t.starts_with('>') || t.starts_with(' ')) {
            continue;
        }
        let body = &t[t.find('>').unwrap() + 1..];
        out.push_str(&unescape(&body[..body.find("</t>").unwrap_or(0)]));
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Zero-based column of a cell reference (`C12` → 2).
fn column(r: &str) -> usize {
    let letters = r.chars().take_while(|c| c.is_ascii_alphabetic());
    letters.fold(0, |n, c| n * 26 + (c as usize - 'A' as usize + 1)) - 1
}

/// The rows of a sheet's XML, cells placed by their references (gaps are `Empty`).
fn rows(xml: &str, shared: &[String]) -> Vec<Vec<X>> {
    let mut out: Vec<Vec<X>> = Vec::new();
    for row in xml.split("<row ").skip(1) {
        let n: usize = attr(row, "r").unwrap().parse().unwrap();
        let row = &row[..row.find("</row>").unwrap_or(row.len())];
        let mut cells = Vec::new();
        for c in row.split("<c ").skip(1) {
            let head = &c[..c.find('>').unwrap()];
            let col = column(&attr(c, "r").unwrap());
            let body = if head.ends_with('/') { "" } else { c };
            let v = body
                .find("<v>")
                .map(|i| &body[i + 3..i + 3 + body[i + 3..].find("</v>").unwrap()]);
            let cell = match (attr(c, "t").as_deref(), v) {
                (Some("inlineStr"), _) | (Some("str"), None) => X::Text(inner_text(body)),
                (Some("s"), Some(i)) => X::Text(shared[i.parse::<usize>().unwrap()].clone()),
                (Some("str"), Some(v)) => X::Text(unescape(v)),
                (Some("b"), Some(v)) => X::Bool(v == "1"),
                (None | Some("n"), Some(v)) => X::Num(v.parse().unwrap()),
                (_, None) => X::Empty,
                (t, v) => panic!("unexpected cell type {t:?} {v:?}"),
            };
            cells.resize(col, X::Empty);
            cells.push(cell);
        }
        out.resize(n - 1, Vec::new());
        out.push(cells);
    }
    out
}

/// A CSV table's rows (header first).
fn read_csv(path: &Path) -> Vec<Vec<String>> {
    read_csv_text(&std::fs::read_to_string(path).unwrap())
}

fn read_csv_text(text: &str) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    r.records()
        .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// A sheet equals a CSV table: same rows; a number equals its CSV text read as f64, text
/// and booleans (`true`/`false`) their CSV text, an empty cell an empty field.
fn assert_sheet_is_csv(name: &str, sheet: &[Vec<X>], csv: &[Vec<String>]) {
    assert_eq!(sheet.len(), csv.len(), "{name}: rows");
    for (i, (s, c)) in sheet.iter().zip(csv).enumerate() {
        let mut s = s.clone();
        s.resize(c.len(), X::Empty);
        assert_eq!(s.len(), c.len(), "{name} row {i}: cells");
        for (x, f) in s.iter().zip(c) {
            let same = match x {
                X::Num(v) => f.parse::<f64>().is_ok_and(|g| g == *v),
                X::Text(t) => t == f,
                X::Bool(b) => b.to_string() == *f,
                X::Empty => f.is_empty(),
            };
            assert!(same, "{name} row {i}: {x:?} in the sheet, {f:?} in the CSV");
        }
    }
}

/// Every cell of column `col` below the header is a number.
fn assert_numbers(name: &str, sheet: &[Vec<X>], col: usize) {
    for (i, row) in sheet.iter().enumerate().skip(1) {
        assert!(
            matches!(row.get(col), Some(X::Num(_))),
            "{name} row {i}: not a number: {:?}",
            row.get(col)
        );
    }
}

/// The README sheet's cells as `key → value` (its two first columns).
fn readme(sheets: &[(String, Vec<Vec<X>>)]) -> BTreeMap<String, String> {
    assert_eq!(sheets[0].0, "README", "the README sheet comes first");
    let text = |x: &X| match x {
        X::Text(t) => t.clone(),
        other => format!("{other:?}"),
    };
    (sheets[0].1.iter())
        .filter(|r| !r.is_empty())
        .map(|r| (text(&r[0]), r.get(1).map_or(String::new(), text)))
        .collect()
}

fn ok(args: &[&str]) {
    let o = run(args);
    assert_eq!(o.status.code(), Some(0), "{args:?}\n{}", text(&o));
}

#[test]
fn run_workbook_sheets_equal_the_csv_tables() {
    let (dir, _a, b) = two_scenarios();
    let tiny = tiny();
    let csv_dir = dir.path().join("csv");
    let book = dir.path().join("out/run.xlsx");
    let base = ["run", &b, "--data", tiny.to_str().unwrap(), "--out"];
    ok(&[&base[..], &[csv_dir.to_str().unwrap()]].concat());
    ok(&[&base[..], &[book.to_str().unwrap(), "--format", "xlsx"]].concat());
    assert!(
        !dir.path().join("out/summary.json").exists(),
        "--out FILE.xlsx writes the workbook only"
    );
    let sheets = read_xlsx(&book);
    let names: Vec<&str> = sheets.iter().map(|s| s.0.as_str()).collect();
    let tables = lodestone_engine::tables::names();
    assert_eq!(names, [&["README"][..], &tables[..]].concat());
    for (name, sheet) in &sheets[1..] {
        assert_sheet_is_csv(name, sheet, &read_csv(&csv_dir.join(format!("{name}.csv"))));
        // the value column, before the unit
        assert_numbers(name, sheet, sheet[0].len() - 2);
        let def = lodestone_engine::tables::find(name).unwrap();
        if def.grain == lodestone_engine::tables::Grain::Period {
            assert!(sheet.len() > 1, "{name}: no rows");
        }
    }
    let r = readme(&sheets);
    assert_eq!(r["scenario"], "tiny-b");
    assert_eq!(r["dataset"], "tiny");
    assert!(r["step"].starts_with('3'), "{r:?}");
    assert!(
        r["lodestone"].starts_with(env!("CARGO_PKG_VERSION")),
        "{r:?}"
    );
    assert!(r["prices"].contains("USD/kg"), "{r:?}");
    assert!(r.keys().any(|k| k.starts_with("Sources")), "{r:?}");
}

#[test]
fn run_out_folder_writes_the_scenario_workbook_and_summary() {
    let (dir, a, _b) = two_scenarios();
    let tiny = tiny();
    let out = dir.path().join("res");
    let args = ["run", &a, "--data", tiny.to_str().unwrap()];
    ok(&[
        &args[..],
        &["--out", out.to_str().unwrap(), "--format", "xlsx"],
    ]
    .concat());
    assert!(out.join("tiny-a.xlsx").is_file());
    assert!(out.join("summary.json").is_file());
}

#[test]
fn ensemble_workbook_sheets_equal_the_csv_tables() {
    let dir = tempfile::tempdir().unwrap();
    let sc = dir.path().join("u.toml");
    std::fs::write(
        &sc,
        "name = \"tiny-u\"\ndataset = \"tiny\"\n[horizon]\nstart = \"2024-01\"\nend = \"2025-12\"\nstep = \"year\"\n[[uncertainty]]\nparam = \"demand.growth\"\ndist = \"uniform\"\nmin = 0.9\nmax = 1.1\nnote = \"test range\"\n",
    )
    .unwrap();
    let tiny = tiny();
    let (csv_dir, book) = (dir.path().join("csv"), dir.path().join("xl"));
    let base = [
        "ensemble",
        sc.to_str().unwrap(),
        "--data",
        tiny.to_str().unwrap(),
    ];
    let base = [&base[..], &["--runs", "3", "--seed", "5", "--out"]].concat();
    ok(&[&base[..], &[csv_dir.to_str().unwrap()]].concat());
    ok(&[&base[..], &[book.to_str().unwrap(), "--format", "xlsx"]].concat());
    assert!(book.join("ensemble.json").is_file());
    let sheets = read_xlsx(&book.join("tiny-u-ensemble.xlsx"));
    let names: Vec<&str> = sheets.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(names, ["README", "quantiles", "replicates", "parameters"]);
    for (name, sheet) in &sheets[1..] {
        assert!(sheet.len() > 1, "{name}: no rows");
        assert_sheet_is_csv(name, sheet, &read_csv(&csv_dir.join(format!("{name}.csv"))));
        // numbers: the replicate and the value (last in parameters, before the unit in
        // replicates); P10, P50, P90 and the mean in quantiles
        let numbers: &[usize] = match name.as_str() {
            "replicates" => &[0, 3],
            "parameters" => &[0, 2],
            _ => &[2, 3, 4, 5],
        };
        for &c in numbers {
            assert_numbers(name, sheet, c);
        }
    }
    let r = readme(&sheets);
    assert_eq!((r["runs"].as_str(), r["seed"].as_str()), ("3", "5"));
}

#[test]
fn compare_workbook_changes_equal_the_csv() {
    let (dir, a, b) = two_scenarios();
    let tiny = tiny();
    let book = dir.path().join("diff.xlsx");
    let base = ["compare", &a, &b, "--data", tiny.to_str().unwrap(), "--all"];
    let o = run(&[&base[..], &["--format", "csv"]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let csv = read_csv_text(&String::from_utf8(o.stdout).unwrap());
    ok(&[
        &base[..],
        &["--format", "xlsx", "--out", book.to_str().unwrap()],
    ]
    .concat());
    let sheets = read_xlsx(&book);
    let names: Vec<&str> = sheets.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(names, ["README", "changes", "years"]);
    assert!(csv.len() > 10, "{csv:?}");
    assert_sheet_is_csv("changes", &sheets[1].1, &csv);
    let r = readme(&sheets);
    assert_eq!((r["A"].as_str(), r["B"].as_str()), ("tiny-a", "tiny-b"));
    // the ranked changes' years: the disruption's year
    let years = &sheets[2].1;
    assert_eq!(years[1][0], X::Text("2025".into()), "{years:?}");
}

#[test]
fn a_bad_out_path_is_an_error_with_a_hint_not_a_panic() {
    let (dir, a, b) = two_scenarios();
    let tiny = tiny();
    let plain = dir.path().join("plain-file");
    std::fs::write(&plain, "x").unwrap();
    let under_file = plain.join("run.xlsx");
    let d = tiny.to_str().unwrap();
    for args in [
        vec![
            "run",
            &a,
            "--data",
            d,
            "--format",
            "xlsx",
            "--out",
            under_file.to_str().unwrap(),
        ],
        vec![
            "compare",
            &a,
            &b,
            "--data",
            d,
            "--format",
            "xlsx",
            "--out",
            plain.to_str().unwrap(),
        ],
    ] {
        let o = run(&args);
        let t = text(&o);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {t}");
        assert!(t.contains("hint:") && !t.contains("panicked"), "{t}");
    }
    // xlsx needs a file to go to; --out with a text format is refused
    let o = run(&["compare", &a, &b, "--data", d, "--format", "xlsx"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let o = run(&[
        "compare",
        &a,
        &b,
        "--data",
        d,
        "--out",
        plain.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}
