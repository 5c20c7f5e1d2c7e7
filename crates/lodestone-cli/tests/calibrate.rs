//! `lodestone calibrate` through the real binary: it recovers parameters the observations
//! were generated with, gives the same bytes at any thread count, writes a scenario
//! fragment that reproduces the fit, and refuses bad parameters with located errors.

mod common;

use common::{run, text, tiny};

const HORIZON: &str =
    "dataset = \"tiny\"\n[horizon]\nstart = \"2024-01\"\nend = \"2026-12\"\nstep = \"quarter\"\n";

/// A copy of the tiny dataset whose observations.csv holds what a run with demand growth
/// scaled by 0.5 and the AU mine at 900 t/yr (0.75 × its nameplate) produced in 2025–26;
/// and a scenario on it with neither change (the fit's start). Returns (dir, data, scenario).
fn fixture() -> (tempfile::TempDir, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("tiny");
    std::fs::create_dir(&data).unwrap();
    for e in std::fs::read_dir(tiny()).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, data.join(p.file_name().unwrap())).unwrap();
    }
    let truth = dir.path().join("truth.toml");
    let fit = dir.path().join("fit.toml");
    std::fs::write(
        &truth,
        format!("name = \"truth\"\n{HORIZON}[settings]\ndemand_growth_scale = 0.5\n[overrides.facilities.mine_au]\ncapacity = 900\n"),
    )
    .unwrap();
    std::fs::write(&fit, format!("name = \"fit\"\n{HORIZON}")).unwrap();
    let data_s = data.display().to_string();
    let o = run(&[
        "run",
        &truth.display().to_string(),
        "--data",
        &data_s,
        "--json",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    std::fs::write(data.join("observations.csv"), observations(&o.stdout)).unwrap();
    (dir, data_s, fit.display().to_string())
}

/// Observations of 2025 and 2026 from a run's JSON summary: China's magnet output, and
/// the mine output of China and Australia.
fn observations(json: &[u8]) -> String {
    let v: serde_json::Value = serde_json::from_slice(json).unwrap();
    let mut s = String::from(
        "metric,country,partner,material,stage,sector,period,value,low,high,unit,source,note\n",
    );
    for y in ["2025", "2026"] {
        let p = &v["annual"][y]["production"];
        let cn = p["magnet"]["CN"].as_f64().unwrap();
        s += &format!("production,CN,,,magnet,,{y},{cn},,,t,t_fixture,\n");
        // the Japanese magnet price: mines run flat out on the tiny fixture, so only the
        // price along the demand curves tells the demand growth
        let price = v["annual"][y]["prices"]["JP"]["magnet"].as_f64().unwrap();
        s += &format!("price,JP,,magnet,,,{y},{price},,,USD/kg,t_fixture,\n");
        for c in ["CN", "AU"] {
            let m = p["mining"][c].as_f64().unwrap();
            s += &format!("production,{c},,,mining,,{y},{m},,,t REO,t_fixture,\n");
        }
    }
    s
}

fn calibrate(
    data: &str,
    scenario: &str,
    extra: &[&str],
    env: &[(&str, &str)],
) -> std::process::Output {
    let mut args = vec![
        "calibrate",
        scenario,
        "--data",
        data,
        "--param",
        "settings.demand_growth_scale=0..2",
        "--param",
        "facilities.mine_au.capacity=0.5..1.5",
        "--target",
        "production:*:stage:mining",
        "--target",
        "production:CN:stage:magnet=2",
        "--target",
        "price:JP:magnet",
    ];
    args.extend_from_slice(extra);
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_lodestone"));
    cmd.args(&args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn fitted(doc: &serde_json::Value, path: &str) -> f64 {
    let ps = doc["parameters"].as_array().unwrap();
    let p = ps.iter().find(|p| p["path"] == path).unwrap();
    p["fitted"].as_f64().unwrap()
}

#[test]
fn calibrate_recovers_the_parameters_the_observations_came_from() {
    let (_dir, data, fit) = fixture();
    let o = calibrate(&data, &fit, &["--json", "--seed", "3"], &[]);
    assert!(o.status.success(), "{}", text(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let growth = fitted(&doc, "settings.demand_growth_scale");
    let au = fitted(&doc, "facilities.mine_au.capacity");
    assert!((growth - 0.5).abs() < 0.01, "growth scale {growth}: {doc}");
    assert!(
        (au - 0.75).abs() < 0.01,
        "AU capacity multiplier {au}: {doc}"
    );
    // the search started where the scenario stands (1 and 1), far from the answer
    assert_eq!(doc["parameters"][0]["start"], 1.0);
    assert_eq!(doc["parameters"][1]["start"], 1.0);
    let (before, after) = (
        doc["objective_before"].as_f64().unwrap(),
        doc["objective_after"].as_f64().unwrap(),
    );
    assert!(before > 0.01 && after < 1e-6, "{before} → {after}");
    let runs = doc["runs"].as_u64().unwrap();
    assert!(runs <= 200 && doc["converged"] == true, "{doc}");
    assert_eq!(
        doc["residuals"][1]["target"],
        "production:CN:stage:magnet=2"
    );
}

#[test]
fn calibrate_gives_the_same_bytes_at_one_and_two_threads_and_stops_at_the_budget() {
    let (_dir, data, fit) = fixture();
    let one = calibrate(&data, &fit, &["--json"], &[("RAYON_NUM_THREADS", "1")]);
    let two = calibrate(&data, &fit, &["--json"], &[("RAYON_NUM_THREADS", "2")]);
    assert!(
        one.status.success() && two.status.success(),
        "{}",
        text(&one)
    );
    assert_eq!(one.stdout, two.stdout);
    let other = calibrate(&data, &fit, &["--json", "--seed", "9"], &[]);
    assert_ne!(
        one.stdout, other.stdout,
        "the seed sets the initial simplex"
    );
    let short = calibrate(&data, &fit, &["--json", "--max-runs", "6"], &[]);
    assert!(short.status.success(), "{}", text(&short));
    let doc: serde_json::Value = serde_json::from_slice(&short.stdout).unwrap();
    assert_eq!(
        (doc["runs"].as_u64(), doc["converged"].as_bool()),
        (Some(6), Some(false))
    );
}

#[test]
fn the_written_fragment_reproduces_the_fit() {
    let (dir, data, fit) = fixture();
    let frag = dir.path().join("fitted.toml");
    let o = calibrate(&data, &fit, &["--write", &frag.display().to_string()], &[]);
    assert!(o.status.success(), "{}", text(&o));
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(
        table.contains("settings.demand_growth_scale") && table.contains("converged"),
        "{table}"
    );
    let f = std::fs::read_to_string(&frag).unwrap();
    assert!(
        f.starts_with("# calibration: fitted to production:*:stage:mining, production:CN:stage:magnet=2, price:JP:magnet on tiny/fit, seed 42, "),
        "{f}"
    );
    assert!(
        f.contains("[settings]\ndemand_growth_scale = 0.5")
            && f.contains("[overrides.facilities.mine_au]\ncapacity = "),
        "{f}"
    );
    // the fragment appended to the scenario is a valid scenario whose run matches the data
    let child = dir.path().join("child.toml");
    std::fs::write(&child, format!("name = \"child\"\n{HORIZON}{f}")).unwrap();
    let o = run(&[
        "run",
        &child.display().to_string(),
        "--data",
        &data,
        "--json",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for row in v["observed_vs_simulated"].as_array().unwrap() {
        let e = row["error"].as_f64().unwrap();
        assert!(e.abs() < 1e-3, "{row}");
    }
}

fn refused(data: &str, scenario: &str, param: &str, needles: &[&str]) {
    let o = run(&["calibrate", scenario, "--data", data, "--param", param]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(2), "{param}: {t}");
    for n in needles {
        assert!(t.contains(n), "`{n}` missing for {param}:\n{t}");
    }
}

#[test]
fn calibrate_refuses_bad_paths_and_ranges_with_located_errors() {
    let (_dir, data, fit) = fixture();
    let d = data.as_str();
    refused(
        d,
        &fit,
        "settings.suply_slope=0..1",
        &[
            "--param settings.suply_slope=0..1:1:10: error[E008]: unknown numeric setting `suply_slope`",
            "hint: did you mean `supply_slope`?",
        ],
    );
    refused(
        d,
        &fit,
        "facilities.mine_cm.capacity=0.5..2",
        &[
            "--param facilities.mine_cm.capacity=0.5..2:1:1: error[E008]",
            "unknown facility `mine_cm`",
            "did you mean `mine_cn`?",
        ],
    );
    refused(
        d,
        &fit,
        "facilities.mine_cn.capacty=0.5..2",
        &["error[E016]", "did you mean `capacity`?"],
    );
    refused(
        d,
        &fit,
        "setings.supply_slope=0..1",
        &["unknown parameter path", "did you mean `settings`?"],
    );
    refused(
        d,
        &fit,
        "settings.supply_slope=0.2..0.2",
        &[
            "--param settings.supply_slope=0.2..0.2:1:23: error[E007]: `0.2..0.2` is an empty range",
            "hint: give a range",
        ],
    );
    refused(
        d,
        &fit,
        "settings.supply_slope=0.5..0.1",
        &["error[E007]", "is inverted", "hint: write 0.1..0.5"],
    );
    refused(
        d,
        &fit,
        "settings.supply_slope=0..20",
        &[
            "error[E007]: `settings.supply_slope` = 0..20 is outside its domain: at least 0, at most 10",
            "hint: marginal cost at full capacity",
        ],
    );
    refused(
        d,
        &fit,
        "facilities.mine_cn.utilization=0.5..1.5",
        &["error[E007]", "at most 1"],
    );
    refused(
        d,
        &fit,
        "settings.supply_slope",
        &["error[E006]", "expected PATH=LOW..HIGH"],
    );
    // inside the domain (not negative) but beyond what the model accepts: the limits
    // `[[uncertainty]]` draws are held to, at the range
    refused(
        d,
        &fit,
        "facilities.mine_cn.ramp_months=0..1e308",
        &[
            "--param facilities.mine_cn.ramp_months=0..1e308:1:32: error[E007]: `facilities.mine_cn.ramp_months` = 0..1e308 reaches 1e308, out of range: at most 1.2e3 months",
            "hint: narrow the range",
        ],
    );
    refused(
        d,
        &fit,
        "facilities.mine_cn.unit_cost=100..1e12",
        &["error[E007]", "at most 1e9 USD/t"],
    );
    refused(
        d,
        &fit,
        "facilities.mine_cn.start=-5000..6",
        &[
            "--param facilities.mine_cn.start=-5000..6:1:26: error[E007]",
            "shifts by -5e3 months, out of range: at most 1200 months either way",
        ],
    );
    // a target that selects nothing is refused too
    let o = run(&[
        "calibrate",
        &fit,
        "--data",
        d,
        "--param",
        "settings.supply_slope=0..1",
        "--target",
        "producton",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("--target producton:1:1: error[E008]")
            && text(&o).contains("did you mean `production`?")
            && text(&o).contains("`producton` is not a simulated metric"),
        "{}",
        text(&o)
    );
}
