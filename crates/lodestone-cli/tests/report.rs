//! `lodestone report` on the real binary: the baseline chain over a short horizon, a
//! two-scenario comparison on the tiny fixture with charts as SVG and an ensemble, and
//! bad input.

mod common;

use common::{run, text, tiny, two_scenarios};
use std::path::PathBuf;
use std::process::Output;

/// The path printed as the last line of stdout, which must be absolute and exist.
fn printed_path(o: &Output) -> PathBuf {
    assert_eq!(o.status.code(), Some(0), "{}", text(o));
    let out = String::from_utf8_lossy(&o.stdout);
    let p = PathBuf::from(out.trim_end().lines().last().unwrap_or_default());
    assert!(p.is_absolute(), "not absolute: {}", p.display());
    assert!(p.is_file(), "missing: {}", p.display());
    p
}

/// Checks every report must pass: one document, balanced SVG, no external resources.
fn check_html(html: &str) {
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
    assert_eq!(html.matches("<svg").count(), html.matches("</svg>").count());
    for bad in ["src=\"http", "url(http", "<link", "<script src", "@import"] {
        assert!(!html.contains(bad), "external resource `{bad}`");
    }
}

#[test]
fn report_of_the_baseline_chain_opens_offline_and_cites_its_sources() {
    let dir = tempfile::tempdir().unwrap();
    let sc = dir.path().join("baseline-short.toml");
    std::fs::write(
        &sc,
        "# Question: what does the baseline chain look like in 2024-2025?\n\nname = \"baseline-short\"\nextends = \"baseline\"\n[horizon]\nstart = \"2024-01\"\nend = \"2025-12\"\nstep = \"quarter\"\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = run(&[
        "report",
        sc.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let p = printed_path(&o);
    assert_eq!(p.file_name().unwrap(), "baseline-short.html");
    // the terminal shows the headline tables before the path
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.starts_with("Lodestone · scenario `baseline-short`"),
        "{stdout}"
    );
    assert!(stdout.contains("Shares of output by country"), "{stdout}");
    let html = std::fs::read_to_string(&p).unwrap();
    check_html(&html);
    assert!(html.contains("what does the baseline chain look like in 2024-2025?"));
    // the answer first, with the year and unit of its numbers
    let answer = html.find("id=\"answer\"").unwrap();
    assert!(answer < html.find("id=\"shares\"").unwrap());
    assert!(html.contains("In 2024 China mines "));
    for section in [
        "shares",
        "elements",
        "flows",
        "shortfall",
        "prices",
        "dependency",
        "sources",
    ] {
        assert!(
            html.contains(&format!("<section id=\"{section}\"")),
            "{section}"
        );
    }
    for unit in ["t REO", "USD/kg", "% of world output"] {
        assert!(html.contains(unit), "{unit}");
    }
    // every source cited by the dataset's rows is in the table
    let o = run(&["data", "sources", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let sources: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut cited = 0;
    for s in sources.as_array().unwrap() {
        if s["rows"].as_u64().unwrap_or(0) > 0 {
            let id = s["id"].as_str().unwrap();
            assert!(html.contains(&format!("id=\"src-{id}\"")), "source {id}");
            cited += 1;
        }
    }
    assert!(cited > 50);
}

#[test]
fn comparison_of_two_scenarios_with_svg_charts_and_an_ensemble() {
    let (dir, a, b) = two_scenarios();
    let ens = dir.path().join("ens.json");
    std::fs::write(
        &ens,
        r#"{"scenario":"tiny-b","runs":20,"seed":42,"annual":{
            "2024":{"shares.mining.CN":{"p10":0.88,"p50":0.9,"p90":0.92,"mean":0.9}},
            "2025":{"shares.mining.CN":{"p10":0.75,"p50":0.8,"p90":0.85,"mean":0.8}}},
            "probabilities":[{"statement":"CN mining share below 85% in 2025","probability":0.55}]}"#,
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = run(&[
        "report",
        &a,
        &b,
        "--data",
        tiny().to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--ensemble",
        ens.to_str().unwrap(),
        "--svg",
    ]);
    let p = printed_path(&o);
    assert_eq!(p.file_name().unwrap(), "tiny-a-vs-tiny-b.html");
    let html = std::fs::read_to_string(&p).unwrap();
    check_html(&html);
    for id in ["compare", "details", "uncertainty", "sources"] {
        assert!(html.contains(&format!("id=\"{id}\"")), "{id}");
    }
    assert!(html.contains("What changes from A to B"));
    assert!(html.contains("CN mining share below 85% in 2025"));
    assert!(html.contains("id=\"src-t_fixture\""));
    // charts for slides: standalone SVG documents
    let charts: Vec<PathBuf> = std::fs::read_dir(out.join("tiny-a-vs-tiny-b-charts"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(charts.len() >= 10, "{} charts", charts.len());
    assert!(charts.iter().any(|c| c.to_string_lossy().contains("fan-")));
    for c in &charts {
        let svg = std::fs::read_to_string(c).unwrap();
        assert!(svg.starts_with("<?xml"), "{}", c.display());
        assert!(svg.contains("xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.trim_end().ends_with("</svg>"));
    }
}

#[test]
fn bad_input_exits_2_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = run(&["report", "a", "b", "c", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let o = run(&["report", "no-such-scenario", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("unknown scenario"));
    let ens = dir.path().join("bad.json");
    std::fs::write(&ens, "{\"runs\": 3}").unwrap();
    let o = run(&[
        "report",
        "--ensemble",
        ens.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("ensemble"), "{}", text(&o));
    assert!(!out.exists(), "nothing written on bad input");
}

#[test]
fn the_soybean_report_hides_sections_without_data() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(&[
        "report",
        "soybean-trade-war",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    let html = std::fs::read_to_string(printed_path(&o)).unwrap();
    check_html(&html);
    // no chain stages, no compositions, no dependency metrics: those sections are not drawn
    // and the contents do not link to them (#19: the report opened with three empty sections)
    for id in ["shares", "elements", "flows", "dependency"] {
        assert!(!html.contains(&format!("<section id=\"{id}\"")), "{id}");
        assert!(
            !html.contains(&format!("href=\"#{id}\"")),
            "{id} in the contents"
        );
    }
    // what the dataset has stays, in the contents too
    for id in [
        "answer",
        "trade",
        "shortfall",
        "prices",
        "backtest",
        "sources",
    ] {
        assert!(html.contains(&format!("<section id=\"{id}\"")), "{id}");
    }
    for id in ["trade", "shortfall", "prices"] {
        assert!(
            html.contains(&format!("href=\"#{id}\"")),
            "{id} in the contents"
        );
    }
    // soybeans have no rare earth content: the shortfall table's shares are of demand
    assert!(html.contains("unmet t (share of demand)"));
    for rare in ["RE content", "rare earth content"] {
        assert!(!html.contains(rare), "{rare}");
    }
}
