//! CLI tests on the real binary: exit codes, located errors, outputs.

mod common;

use common::{run, tiny};
use std::process::Output;

/// Stdout and stderr, apart.
fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into(),
        String::from_utf8_lossy(&o.stderr).into(),
    )
}

/// A copy of the tiny fixture in a temp dir, with `edit(file, contents) -> contents` applied.
fn tiny_copy(edit: impl Fn(&str, String) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(tiny()).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        let t = std::fs::read_to_string(&p).unwrap();
        std::fs::write(dir.path().join(&name), edit(&name, t)).unwrap();
    }
    dir
}

/// A scenario file `name` with `text` in a temp dir: (the dir, to keep it alive; the path).
fn scenario_file(name: &str, text: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    (dir, p.display().to_string())
}

#[test]
fn validate_accepts_the_fixture() {
    let o = run(&["validate", tiny().to_str().unwrap()]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    assert!(out.contains("dataset `tiny` is valid"), "{out}");
}

#[test]
fn malformed_dataset_reports_every_problem_located_and_exits_2() {
    let dir = tiny_copy(|name, t| {
        match name {
        // negative capacity; wrong unit; closure before start; unknown company with a near miss
        "facilities.csv" => t
            .replace("mine_au,AU mine,auco,AU,mining,mine_a,operating,1200,", "mine_au,AU mine,auco,AU,mining,mine_a,operating,-1200,")
            .replace("sep_jp,JP separator,jpco,JP,separation,sep_a,operating,1000,t REO/yr", "sep_jp,JP separator,jpco,JP,separation,sep_a,operating,1000,t magnet/yr")
            .replace("mag_us,US magnets,jpco,US,magnet,make_magnet,planned,1000,t magnet/yr,2025-01,12,0.9,,", "mag_us,US magnets,jpcoo,US,magnet,make_magnet,planned,1000,t magnet/yr,2025-01,12,0.9,2024-06,"),
        // unknown facility with a near miss
        "capacity.csv" => t.replace("mag_jp,2025-01", "mag_jpp,2025-01"),
        // yield above 1: more Nd out than in
        "process_flows.csv" => t.replace("sep_a,out,nd_oxide,0.19", "sep_a,out,nd_oxide,0.40"),
        // duplicate id and a missing source
        "sectors.csv" => format!("{t}ev,EV again,3,1,0.2,t_fixture\n").replace("other,Other,5,1.2,0.5,t_fixture", "other,Other,5,1.2,0.5,nowhere"),
        _ => t,
    }
    });
    let o = run(&["validate", dir.path().to_str().unwrap()]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}{err}");
    let root = dir.path().display().to_string();
    for needle in [
        format!("{root}/facilities.csv:2:8: error[E007]"),
        format!("{root}/facilities.csv:5:9: error[E014]"),
        format!("{root}/facilities.csv:8:13: error[E011]"),
        format!("{root}/facilities.csv:8:3: error[E008]: unknown company `jpcoo`"),
        format!("{root}/capacity.csv:2:1: error[E008]: unknown facility `mag_jpp`"),
        format!("{root}/processes.csv:4:1: error[E012]"),
        format!("{root}/sectors.csv:5:1: error[E009]"),
        format!("{root}/sectors.csv:4:6: error[E010]: unknown source `nowhere`"),
    ] {
        assert!(err.contains(&needle), "missing `{needle}` in:\n{err}");
    }
    assert!(err.contains("did you mean `jpco`?"), "{err}");
    assert!(err.contains("did you mean `mag_jp`?"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn missing_files_and_garbage_are_errors_not_panics() {
    let dir = tiny_copy(|name, t| match name {
        "routes.csv" => "from,to\n\"oops".into(),
        "demand.csv" => "\u{feff}garbage;;;\n1,2\n".into(),
        _ => t,
    });
    std::fs::remove_file(dir.path().join("sectors.csv")).unwrap();
    let o = run(&["validate", dir.path().to_str().unwrap()]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("missing required table `sectors.csv`"),
        "{err}"
    );
    assert!(err.contains("routes.csv"), "{err}");
    assert!(!err.contains("panicked"), "{err}");

    let o = run(&["validate", "/nonexistent/folder"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn malformed_scenarios_give_located_errors() {
    let (_dir, f) = scenario_file(
        "bad.toml",
        "name = \"bad\"\ndataset = \"tiny\"\n[horizon]\nstart = \"2024-01\"\nend = \"2025-12\"\n\n[[events]]\ntype = \"disruption\"\nfacility = \"mag_jpp\"\nstart = \"2025-06\"\nend = \"2025-01\"\nloss = 1.5\n",
    );
    let o = run(&["validate", &f, "--data", tiny().to_str().unwrap()]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!(
            "{f}:9:12: error[E008]: unknown facility `mag_jpp`"
        )),
        "{err}"
    );
    assert!(err.contains("did you mean `mag_jp`?"), "{err}");
    assert!(err.contains(&format!("{f}:11:7: error[E011]")), "{err}");
    assert!(err.contains(&format!("{f}:12:8: error[E007]")), "{err}");

    std::fs::write(&f, "name = \"bad\"\n[horizon\nstart = 1\n").unwrap();
    let o = run(&["run", &f]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains(&format!("{f}:2:")), "{err}");

    let o = run(&["run", "baselin"]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("did you mean `baseline`?"), "{err}");
}

#[test]
fn run_writes_tidy_tables_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let sc = dir.path().join("s.toml");
    std::fs::write(&sc, "name = \"s\"\ndataset = \"tiny\"\n[horizon]\nstart = \"2024-01\"\nend = \"2024-12\"\nstep = \"quarter\"\n").unwrap();
    let out = dir.path().join("out");
    let o = run(&[
        "run",
        sc.to_str().unwrap(),
        "--data",
        tiny().to_str().unwrap(),
        "--json",
        "--out",
        out.to_str().unwrap(),
    ]);
    let (stdout, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON document");
    assert_eq!(v["scenario"], "s");
    assert_eq!(v["dataset"], "tiny");
    assert_eq!(v["periods"].as_array().unwrap().len(), 4);
    assert_eq!(v["periods"][0], "2024-Q1");
    let y = &v["annual"]["2024"];
    assert!(y["production"]["mining"]["AU"].as_f64().unwrap() > 1000.0);
    assert!(y["shares"]["magnet"]["CN"].as_f64().unwrap() > 0.5);
    assert!(y["prices"]["JP"]["magnet"].as_f64().unwrap() > 0.0);
    assert!(y["shortfall"].is_object());
    assert!(v["balance"]["max_abs_error_t"].as_f64().unwrap() < 1e-3);
    assert!(v["balance"]["max_rel_error"].as_f64().unwrap() < 1e-6);
    for t in [
        "production",
        "flows",
        "consumption",
        "shortfall",
        "prices",
        "stocks",
    ] {
        let csv = std::fs::read_to_string(out.join(format!("{t}.csv"))).unwrap();
        let def = lodestone_engine::tables::find(t).unwrap();
        let header = format!("{}\n", def.columns().join(","));
        assert!(
            csv.starts_with(&header),
            "{t}: {}",
            csv.lines().next().unwrap_or("")
        );
        assert!(csv.lines().count() > 1, "{t} is empty");
    }
    let flows = std::fs::read_to_string(out.join("flows.csv")).unwrap();
    assert!(flows.starts_with("period,exporter,importer,material,value,unit\n"));
    assert!(flows.contains(",AU,CN,conc_a,"), "{flows}");
    let stocks = std::fs::read_to_string(out.join("stocks.csv")).unwrap();
    assert!(stocks.starts_with("period,market,holder,material,value,unit\n"));
}

#[test]
fn schema_and_scenarios_listings() {
    let o = run(&["data", "schema"]);
    let (out, _) = text(&o);
    assert!(out.contains("## `facilities.csv`") && out.contains("| `capacity` |"));
    let o = run(&["scenarios"]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(out.contains("baseline"), "{out}");
    assert!(!out.contains("INVALID"), "{out}");
}

/// `lodestone validate` on a scenario file holding `toml` exits 2 without a panic and
/// reports every needle (`{f}` in a needle stands for the file's path).
fn assert_validate_reports(toml: &str, needles: &[String]) {
    let (_dir, f) = scenario_file("bad.toml", toml);
    let o = run(&["validate", &f]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    for needle in needles {
        let needle = needle.replace("{f}", &f);
        assert!(err.contains(&needle), "missing `{needle}` in:\n{err}");
    }
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn invalid_policy_events_give_located_errors() {
    assert_validate_reports(
        r#"name = "bad-policy"
extends = "baseline"

[[events]]
type = "export_control"
exporter = "XQ"
elements = ["Dy"]
mode = "licence"
approval_share = 1.5
start = "2025-04"

[[events]]
type = "export_control"
exporter = "NG"
materials = ["ndfeb_std"]
mode = "ban"
start = "2026-01"
end = "2025-01"

[[events]]
type = "tariff"
importer = "CN"
exporter = "US"
rate = 25
start = "2025-01"

[[events]]
type = "export_control"
exporter = "CN"
elements = ["Dy"]
mode = "licence"
approval_share = 0.5
filing_lead_days = -5
filing_lead_from = "2025-01"
foreseen_months = -2
start = "2025-04"
"#,
        &[
            String::from("{f}:6:12: error[E008]: unknown country `XQ`"),
            String::from("{f}:9:18: error[E007]: `approval_share` = 1.5 is outside 0..1"),
            String::from(
                "{f}:15:13: error[E016]: `NG` produces none of the controlled materials (ndfeb_std)",
            ),
            String::from("{f}:18:7: error[E011]"),
            String::from("{f}:24:8: error[E007]: rate = 25 is outside 0..10"),
            String::from("{f}:33:20: error[E007]: `filing_lead_days` = -5"),
            String::from("{f}:34:20: error[E011]: filing_lead_from = 2025-01 is outside"),
            String::from("{f}:35:19: error[E007]: `foreseen_months` = -2"),
        ],
    );
}

#[test]
fn ensemble_step_override_coarsens_the_run_and_rejects_unknown_steps() {
    let (_dir, _a, b) = common::two_scenarios();
    let data = tiny();
    let ens = |extra: &[&str]| {
        let mut args = vec![
            "ensemble",
            b.as_str(),
            "--data",
            data.to_str().unwrap(),
            "--runs",
            "2",
            "--json",
        ];
        args.extend_from_slice(extra);
        run(&args)
    };
    let quarterly = ens(&[]);
    let yearly = ens(&["--step", "year"]);
    assert_eq!(quarterly.status.code(), Some(0), "{:?}", text(&quarterly));
    assert_eq!(yearly.status.code(), Some(0), "{:?}", text(&yearly));
    let q: serde_json::Value = serde_json::from_slice(&quarterly.stdout).unwrap();
    let y: serde_json::Value = serde_json::from_slice(&yearly.stdout).unwrap();
    // same years reported, different numbers: the disruption inside 2025 hits a whole
    // year-long period differently from its quarters
    assert_eq!(
        q["annual"].as_object().unwrap().keys().collect::<Vec<_>>(),
        y["annual"].as_object().unwrap().keys().collect::<Vec<_>>()
    );
    assert_ne!(q["annual"], y["annual"]);
    let bad = ens(&["--step", "week"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad).1.contains("possible values"), "{:?}", text(&bad));
}

#[test]
fn invalid_expansion_events_give_located_errors() {
    assert_validate_reports(
        r#"name = "bad-expansion"
extends = "baseline"

[[events]]
type = "expansion"
facility = "mt_wield"
rent_threshold = -1
rate = 0
lead_months = 24
max_multiple = 0.5
start = "2026-01"
end = "2025-01"
"#,
        &[
            String::from("{f}:6:12: error[E008]: unknown facility `mt_wield`"),
            "did you mean `mt_weld`".to_string(),
            String::from("{f}:7:18: error[E007]: `rent_threshold` = -1 is out of range"),
            String::from("{f}:8:8: error[E007]: `rate` = 0 is out of range"),
            String::from("{f}:10:16: error[E007]: `max_multiple` = 0.5 is out of range"),
            String::from("{f}:12:7: error[E011]"),
        ],
    );
}

#[test]
fn terminal_prices_show_surplus_prices_below_zero_with_a_footnote() {
    let (dir, a, _) = common::two_scenarios();
    // without storage and with a cost of discarding (as before #15), the fixture's Dy —
    // a by-product nobody buys — is priced at minus that cost
    let text_a = std::fs::read_to_string(&a).unwrap().replace(
        "[horizon]",
        "[settings]\nstorage_span_months = 0\nsurplus_cost_share = 0.05\n[horizon]",
    );
    let a = dir.path().join("dumped.toml");
    std::fs::write(&a, text_a).unwrap();
    let a = a.display().to_string();
    let data = tiny();
    let o = run(&["run", &a, "--data", data.to_str().unwrap()]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    // priced at minus what keeping it costs — the holder, valueless with storage off, pays
    // `holding_cost_share` × 300 USD/kg × 3 months = 1.8 < the 15 of discarding it — as in
    // the JSON (the table used to clamp it to 0.0)
    let dy = out
        .lines()
        .find(|l| l.starts_with("dy_oxide"))
        .unwrap_or_else(|| panic!("no dy_oxide row:\n{out}"));
    assert!(dy.contains("-1.8"), "{dy}");
    assert!(out.contains("A price at or below zero"), "{out}");
    assert!(!out.contains("-0.0"), "{out}");
}

#[test]
fn a_closed_stdout_ends_quietly_with_status_141_and_a_full_one_is_a_one_line_error() {
    use std::process::{Command, Stdio};
    // `lodestone run … --json | head -0`: the reader is gone before the JSON is written
    let mut child = Command::new(env!("CARGO_BIN_EXE_lodestone"))
        .args(["run", "baseline", "--step", "year", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(141), "{err}");
    assert!(err.is_empty(), "no panic, no message: {err}");
    // a full device (Linux's /dev/full)
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return;
    };
    let o = Command::new(env!("CARGO_BIN_EXE_lodestone"))
        .arg("scenarios")
        .stdout(full)
        .output()
        .unwrap();
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert_eq!(
        err.trim(),
        "cannot write to standard output: No space left on device (os error 28)"
    );
}

#[test]
fn a_nan_quota_is_refused_at_its_line_instead_of_acting_as_zero() {
    let (_dir, p) = scenario_file(
        "nan.toml",
        "name = \"x\"\nextends = \"baseline\"\n[[events]]\ntype = \"production_quota\"\ncountry = \"CN\"\nstage = \"mining\"\ntonnes_per_year = nan\nstart = \"2025-01\"\n",
    );
    let o = run(&["run", &p]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains(
            "nan.toml:7:19: error[E007]: `events[0].tonnes_per_year` = nan is not a finite number"
        ),
        "{err}"
    );
}

#[test]
fn duplicate_columns_nul_bytes_and_non_utf8_files_are_located() {
    // a duplicated header column (it silently took the last one)
    let dir = tiny_copy(|name, t| match name {
        "facilities.csv" => t
            .replacen("unit_cost,", "unit_cost,capacity,", 1)
            .replace(",3000,", ",3000,99,"),
        _ => t,
    });
    let o = run(&["data", "check", "--data", dir.path().to_str().unwrap()]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains(
            "facilities.csv:1:15: error[E009]: column `capacity` appears twice (columns 8 and 15)"
        ),
        "{err}"
    );
    // a NUL byte in a table
    let dir = tiny_copy(|name, t| match name {
        "demand.csv" => t.replacen("200", "2\u{0}00", 1),
        _ => t,
    });
    let o = run(&["validate", dir.path().to_str().unwrap()]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("demand.csv:3:25: error[E001]: NUL byte in a text file"),
        "{err}"
    );
    // a table and a scenario that are not UTF-8, and a UTF-16 scenario
    let dir = tiny_copy(|_, t| t);
    let sectors = dir.path().join("sectors.csv");
    let mut bytes = std::fs::read(&sectors).unwrap();
    bytes.extend_from_slice(b"x,caf\xE9\n");
    std::fs::write(&sectors, bytes).unwrap();
    let o = run(&["validate", dir.path().to_str().unwrap()]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("sectors.csv:") && err.contains("not UTF-8 text (byte"),
        "{err}"
    );
    let sc = dir.path().join("latin1.toml");
    std::fs::write(&sc, b"name = \"x\"\ndescription = \"Lyon caf\xE9\"\n").unwrap();
    let o = run(&["validate", sc.to_str().unwrap()]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("latin1.toml:2:24: error[E006]: not UTF-8 text (byte 34 is 0xE9)"),
        "{err}"
    );
    let sc = dir.path().join("utf16.toml");
    std::fs::write(&sc, [0xFF, 0xFE, b'n', 0, b'a', 0]).unwrap();
    let o = run(&["validate", sc.to_str().unwrap()]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("utf16.toml:1:1:") && err.contains("UTF-16"),
        "{err}"
    );
}

#[test]
fn a_run_that_fails_its_balance_says_so_on_stderr_and_exits_1() {
    let (_dir, p) = scenario_file(
        "strict.toml",
        // the baseline's solver round-off (~3e-11 relative) is above the strictest tolerance
        "name = \"strict\"\nextends = \"baseline\"\n[horizon]\nstart = \"2024-01\"\nend = \"2024-03\"\nstep = \"month\"\n[settings]\nbalance_tolerance = 1e-12\n",
    );
    let o = run(&["run", &p, "--json"]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("error: mass balance failed (largest relative error"),
        "{err}"
    );
    assert!(out.contains("\"ok\": false"), "the JSON says it too");
}

#[test]
fn values_beyond_their_domain_impossible_dates_and_conflicting_targets_are_refused() {
    assert_validate_reports(
        r#"name = "bad-domains"
extends = "baseline"

[[events]]
type = "expansion"
facility = "mt_weld"
country = "AU"
rent_threshold = 1
rate = 0.1
lead_months = 1e308
start = "2025-01"

[[events]]
type = "disruption"
facility = "mt_weld"
country = "AU"
start = "2025-01"
loss = 0.5

[[events]]
type = "substitution"
sector = "wind"
material = "ndfeb_std"
substitute = "ndfeb_std"
trigger_multiple = 2
max_share = 0.3
lag_months = 6
start = "2025-01"
"#,
        &[
            String::from(
                "{f}:10:15: error[E007]: `lead_months` = 1e308 is out of range: at most 1.2e3 months",
            ),
            String::from(
                "{f}:7:11: error[E015]: `facility` (at {f}:6:12) and `country` exclude each other",
            ),
            String::from(
                "{f}:16:11: error[E015]: `facility` (at {f}:15:12) and `country` exclude each other",
            ),
            String::from("{f}:24:14: error[E015]: `ndfeb_std` cannot substitute for itself"),
        ],
    );
    // 2025-02-30 is no date (it was read as February), reported at the value
    assert_validate_reports(
        "name = \"day\"\nextends = \"baseline\"\n[[events]]\ntype = \"capacity\"\nfacility = \"mt_weld\"\nstart = \"2025-02-30\"\n",
        &[String::from(
            "{f}:6:9: error[E016]: invalid `capacity` event: `2025-02-30` is not a month",
        )],
    );
    assert_validate_reports(
        "name = \"big\"\nextends = \"baseline\"\n[[events]]\ntype = \"capacity\"\nfacility = \"mt_weld\"\nstart = \"2025-02\"\ncapacity = 1e308\n",
        &[String::from(
            "{f}:7:12: error[E007]: `capacity` = 1e308 is out of range: at most 1e9 t/yr",
        )],
    );
    assert_validate_reports(
        "name = \"long\"\n[horizon]\nstart = \"0001-01\"\nend = \"9999-12\"\n",
        &[String::from(
            "{f}:3:9: error[E007]: horizon 0001-01 → 9999-12 is out of range",
        )],
    );
    assert_validate_reports(
        "name = \"short\"\n[horizon]\nstart = \"2025-01\"\nend = \"2025-03\"\nstep = \"year\"\n",
        &[String::from(
            "{f}:5:8: error[E015]: a horizon of 3 months is not a whole number of 12-month steps",
        )],
    );
}

#[test]
fn a_dataset_without_demand_and_values_beyond_their_unit_limit_are_refused() {
    let dir = tiny_copy(|name, t| match name {
        "demand.csv" => t.lines().next().unwrap().to_string() + "\n",
        "facilities.csv" => t.replacen(",1200,t REO/yr,", ",1e308,t REO/yr,", 1),
        _ => t,
    });
    let o = run(&["data", "check", "--data", dir.path().to_str().unwrap()]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains(
            "facilities.csv:2:8: error[E007]: `capacity` = 1e308 is out of range: at most 1e9 t/yr"
        ),
        "{err}"
    );
    let dir = tiny_copy(|name, t| match name {
        "demand.csv" => t.lines().next().unwrap().to_string() + "\n",
        _ => t,
    });
    let o = run(&["validate", dir.path().to_str().unwrap()]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("demand.csv:1:1: error[E005]: the dataset has no demand rows"),
        "{err}"
    );
}

#[test]
fn version_names_the_package_version_and_the_git_commit() {
    let o = run(&["--version"]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let line = out.trim();
    let expected = format!("lodestone {} (", env!("CARGO_PKG_VERSION"));
    assert!(line.starts_with(&expected) && line.ends_with(')'), "{line}");
    let commit = &line[expected.len()..line.len() - 1];
    let hex = commit.len() >= 7 && commit.chars().all(|c| c.is_ascii_hexdigit());
    assert!(hex || commit == "unknown", "{line}");
}

#[test]
fn completions_for_each_shell_mention_lodestone_and_its_commands() {
    for shell in ["bash", "zsh", "fish"] {
        let o = run(&["completions", shell]);
        let (out, err) = text(&o);
        assert_eq!(o.status.code(), Some(0), "{shell}: {err}");
        assert!(out.contains("lodestone"), "{shell}:\n{out}");
        assert!(
            out.contains("compare") && out.contains("changed-only"),
            "{shell}"
        );
    }
    let o = run(&["completions", "tcsh"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
}

#[test]
fn data_ids_lists_ids_with_names_and_units() {
    let o = run(&["data", "ids", "facilities"]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let mt_weld = out.lines().find(|l| l.starts_with("mt_weld ")).expect(&out);
    assert!(
        mt_weld.contains("Mount Weld") || mt_weld.contains("Mt Weld"),
        "{mt_weld}"
    );
    assert!(mt_weld.contains("AU"), "{mt_weld}");
    let o = run(&["data", "ids", "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for t in [
        "facilities",
        "materials",
        "countries",
        "blocs",
        "sectors",
        "companies",
        "agencies",
        "processes",
        "elements",
    ] {
        assert!(
            doc[t].as_array().is_some_and(|v| !v.is_empty()),
            "{t}: {}",
            doc[t]
        );
    }
    let ndpr = (doc["materials"].as_array().unwrap().iter())
        .find(|m| m["id"] == "ndpr_oxide")
        .expect("ndpr_oxide");
    assert!(ndpr["unit"].as_str().unwrap().starts_with("t"), "{ndpr}");
    assert!(!ndpr["name"].as_str().unwrap().is_empty());
    // another dataset: embedded by name, or a folder
    let o = run(&["data", "ids", "countries", "--dataset", "soybeans"]);
    let (out, _) = text(&o);
    assert!(out.lines().any(|l| l.starts_with("BR ")), "{out}");
    let o = run(&[
        "data",
        "ids",
        "materials",
        "--data",
        tiny().to_str().unwrap(),
    ]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(out.contains("dataset `tiny`"), "{out}");
    let o = run(&["data", "ids", "nonsense"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn help_pages_carry_examples() {
    for cmd in ["run", "compare", "ensemble", "report", "backtest"] {
        let o = run(&[cmd, "--help"]);
        let (out, _) = text(&o);
        assert!(
            out.contains("Examples:") && out.contains(&format!("lodestone {cmd}")),
            "{cmd}:\n{out}"
        );
    }
}

/// Runs `lodestone` with `COLUMNS` set.
fn run_cols(cols: &str, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_lodestone"))
        .args(args)
        .env("COLUMNS", cols)
        .output()
        .expect("binary runs")
}

/// The longest line of `s`, in characters.
fn widest(s: &str) -> usize {
    s.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

#[test]
fn tables_fit_the_terminal_width_and_wide_keeps_every_column() {
    let data = tiny();
    let data = data.to_str().unwrap();
    for cols in ["60", "80", "100"] {
        let o = run_cols(cols, &["scenarios"]);
        let (out, err) = text(&o);
        assert_eq!(o.status.code(), Some(0), "{err}");
        let max: usize = cols.parse().unwrap();
        assert!(
            widest(&out) <= max,
            "COLUMNS={cols}: {}\n{out}",
            widest(&out)
        );
    }
    // Descriptions wrap between words: every word of the baseline's description is whole.
    let o = run_cols("100", &["scenarios"]);
    let (out, _) = text(&o);
    let words: Vec<&str> = out.split_whitespace().collect();
    for w in [
        "Central",
        "case",
        "2024-2035:",
        "today's",
        "chain,",
        "quotas",
    ] {
        assert!(words.contains(&w), "{w} cut:\n{out}");
    }
    // Headers align with their columns: each header starts where its column's cells start
    // (text columns left-aligned).
    let header = out.lines().next().unwrap();
    let row = out.lines().find(|l| l.starts_with("baseline")).unwrap();
    for (h, cell) in [
        ("dataset", "rare-earths"),
        ("horizon", "2024-01"),
        ("description", "Central"),
    ] {
        assert_eq!(
            header.find(h).map(|p| header[..p].chars().count()),
            row.find(cell).map(|p| row[..p].chars().count()),
            "{h} over {cell}:\n{out}"
        );
    }
    // Sources: citations wrap, not cut, and the header lines up.
    let o = run_cols("80", &["data", "sources"]);
    let (out, _) = text(&o);
    assert!(widest(&out) <= 80, "{out}");
    let header = out.lines().next().unwrap();
    let first = out.lines().nth(2).unwrap();
    assert!(first.starts_with("usgs_mcs2025"), "{out}");
    assert_eq!(header.find("citation"), first.find("USGS Mineral"), "{out}");
    // A run's tables at 60 columns drop the rightmost year columns and say which.
    let (_dir, a, _) = common::two_scenarios();
    let o = run_cols("60", &["run", &a, "--data", data]);
    let (narrow, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(narrow.contains("not shown to fit 60 columns"), "{narrow}");
    assert!(narrow.contains("--wide shows every column"), "{narrow}");
    // --wide keeps every column, whatever COLUMNS says.
    let o = run_cols("60", &["run", &a, "--data", data, "--wide"]);
    let (wide, _) = text(&o);
    assert!(!wide.contains("not shown to fit"), "{wide}");
    assert!(widest(&wide) > 60, "{wide}");
}

#[test]
fn the_soybean_run_reads_like_a_trade_report() {
    let o = run_cols("100", &["run", "soybean-trade-war"]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    // no empty rare earth stage tables
    for gone in [
        "Shares of output by country",
        "World output by stage",
        "mining",
        "magnet",
    ] {
        assert!(!out.contains(gone), "{gone}:\n{out}");
    }
    assert!(!out.contains("rare earth content"), "{out}");
    // production by country, trade by route and China's imports by origin
    let section = |title: &str| -> String {
        let at = out
            .find(title)
            .unwrap_or_else(|| panic!("no {title}:\n{out}"));
        out[at..].split("\n\n").next().unwrap().to_string()
    };
    let prod = section("Production of soybeans by country");
    let rank: Vec<&str> = prod
        .lines()
        .skip(3)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(&rank[..3], ["BR", "US", "AR"], "{prod}");
    let trade = section("Trade by route");
    assert!(trade.lines().nth(3).unwrap().contains("BR → CN"), "{trade}");
    assert!(trade.contains("US → CN"), "{trade}");
    let cn = section("Imports of CN by origin");
    let origins: Vec<&str> = cn
        .lines()
        .skip(3)
        .filter_map(|l| l.split_whitespace().nth(1))
        .collect();
    assert_eq!(origins, ["BR", "US", "AR"], "{cn}");
}
