//! Reports of the tiny fixture chain (and one embedded rare-earths year): the page is
//! well-formed, self-contained, has its sections and cites every source it uses.

use crate::{Ensemble, Run, ScenarioInfo, comparison, question_from_toml, single};
use lodestone_engine::{RunResult, Summary};
use lodestone_model::{Dataset, DatasetFiles, Scenario};
use std::path::Path;

fn tiny() -> Dataset {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../lodestone-engine/tests/fixtures/tiny");
    let mut files = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if name.ends_with(".csv") || name.ends_with(".toml") {
            files.push((name, std::fs::read_to_string(&p).unwrap()));
        }
    }
    files.sort();
    Dataset::load(&DatasetFiles {
        root: dir.display().to_string(),
        files,
    })
    .unwrap()
}

const A: &str = "# Question: does the tiny chain meet demand?\n# (a test)\n\nname = \"tiny-a\"\ndescription = \"Tiny chain, no events\"\ndataset = \"tiny\"\n[horizon]\nstart = \"2024-01\"\nend = \"2026-12\"\nstep = \"quarter\"\n";

fn b_text() -> String {
    format!(
        "{}\n[[events]]\ntype = \"disruption\"\nfacility = \"mine_cn\"\nstart = \"2025-01\"\nend = \"2025-12\"\nloss = 0.5\nsource = \"t_fixture\"\n",
        A.replace("tiny-a", "tiny-b")
            .replace("Tiny chain, no events", "Half of China's mine lost in 2025")
    )
}

fn run(ds: &Dataset, text: &str) -> (ScenarioInfo, RunResult, Summary) {
    let sc = Scenario::parse("t.toml", text, &|_| None).unwrap();
    let r = lodestone_engine::run(ds, &sc).unwrap();
    let s = lodestone_engine::summarize(&r);
    (ScenarioInfo::from_scenario(&sc, Some(text)), r, s)
}

/// Structural checks every report must pass.
fn check_page(html: &str, ds: &Dataset) {
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
    assert_eq!(
        html.matches("<svg").count(),
        html.matches("</svg>").count(),
        "unbalanced <svg>"
    );
    assert!(html.matches("<svg").count() >= 5);
    for tag in ["section", "table", "figure", "ul", "div"] {
        assert_eq!(
            html.matches(&format!("<{tag}")).count(),
            html.matches(&format!("</{tag}>")).count(),
            "unbalanced <{tag}>"
        );
    }
    // self-contained: no external resources of any kind
    for bad in [
        "src=\"http",
        "src='http",
        "url(http",
        "@import",
        "<link",
        "<script src",
        "<iframe",
        "<img",
    ] {
        assert!(!html.contains(bad), "external resource: {bad}");
    }
    // the only URLs are citation links
    for (i, _) in html.match_indices("http") {
        let before = &html[i.saturating_sub(9)..i];
        assert!(
            before.ends_with("href=\"") || before.ends_with("\">"),
            "unexpected URL near {}",
            &html[i.saturating_sub(40)..(i + 40).min(html.len())]
        );
    }
    for id in ds.used_sources().keys() {
        assert!(
            html.contains(&format!("id=\"src-{id}\"")),
            "source {id} missing"
        );
    }
}

#[test]
fn single_report_has_answer_charts_and_sources() {
    let ds = tiny();
    let (info, r, s) = run(&ds, A);
    assert_eq!(
        info.question.as_deref(),
        Some("does the tiny chain meet demand? (a test)")
    );
    let rep = single(
        &Run {
            info: &info,
            result: &r,
            summary: &s,
        },
        None,
    )
    .unwrap();
    check_page(&rep.html, &ds);
    for id in [
        "answer",
        "shares",
        "elements",
        "flows",
        "shortfall",
        "prices",
        "dependency",
        "scenario",
        "checks",
        "sources",
    ] {
        assert!(
            rep.html.contains(&format!("<section id=\"{id}\"")),
            "section {id}"
        );
    }
    assert!(rep.html.contains("does the tiny chain meet demand?"));
    assert!(rep.html.contains("Tiny chain, no events"));
    assert!(
        !rep.html.contains("id=\"expansion\""),
        "no expansion events, no section"
    );
    // the first answer sentence states the supplier's mining share in the first year
    let cn = s.annual["2024"].shares["mining"]["CN"];
    assert!(
        rep.html
            .contains(&format!("In 2024 China mines {}", crate::format::pct(cn)))
    );
    assert!(rep.html.contains("t REO"));
    assert!(rep.html.contains("USD/kg"));
    assert_eq!(rep.file_stem, "tiny-a");
    assert!(rep.charts.iter().any(|c| c.id.starts_with("flows-")));
    assert!(rep.charts.iter().any(|c| c.id.starts_with("elements-")));
    for c in &rep.charts {
        assert!(
            c.svg.starts_with("<svg") && c.svg.ends_with("</svg>"),
            "{}",
            c.id
        );
        let sa = c.standalone();
        assert!(sa.starts_with("<?xml") && sa.contains("xmlns=\"http://www.w3.org/2000/svg\""));
    }
    let mut ids: Vec<&str> = rep.charts.iter().map(|c| c.id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), rep.charts.len(), "chart ids are unique");
    // deterministic
    let again = single(
        &Run {
            info: &info,
            result: &r,
            summary: &s,
        },
        None,
    )
    .unwrap();
    assert_eq!(rep.html, again.html);
}

#[test]
fn sankey_flows_conserve_what_plants_use() {
    let ds = tiny();
    let (_, r, _) = run(&ds, A);
    let d = crate::derive::derive(&r);
    let fl = &d.flows["2024"];
    // every mining node sends content to separation in CN or JP, never backwards
    use crate::derive::FlowNode;
    let mine_out: f64 = fl
        .links
        .iter()
        .filter(|((a, _), _)| matches!(a, FlowNode::Stage(0, _)))
        .map(|(_, v)| v)
        .sum();
    assert!(mine_out > 0.0);
    for (a, b) in fl.links.keys() {
        if let (FlowNode::Stage(x, _), FlowNode::Stage(y, _)) = (a, b) {
            assert!(x < y, "{a:?} → {b:?}");
        }
    }
    // content into magnets ≈ magnet output × Nd+Dy fraction (0.32), within stock effects
    let magnet_out: f64 = d.output["2024"]
        .get("magnet")
        .map_or(0.0, |m| m.values().sum());
    let into_magnets: f64 = fl
        .links
        .iter()
        .filter(|((_, b), _)| matches!(b, FlowNode::Stage(3, _)))
        .map(|(_, v)| v)
        .sum();
    assert!(magnet_out > 0.0);
    let ratio = into_magnets / (magnet_out * 0.32);
    assert!((0.9..1.1).contains(&ratio), "ratio {ratio}");
}

#[test]
fn comparison_report_and_ensemble_fans() {
    let ds = tiny();
    let (ia, ra, sa) = run(&ds, A);
    let bt = b_text();
    let (ib, rb, sb) = run(&ds, &bt);
    let ens = Ensemble::parse(
        r#"{"scenario":"tiny-b","runs":50,"seed":1,
        "annual":{"2024":{"shares.mining.CN":{"p10":0.85,"p50":0.9,"p90":0.92,"mean":0.9}},
                  "2025":{"shares.mining.CN":{"p10":0.7,"p50":0.8,"p90":0.88,"mean":0.8}},
                  "2026":{"shares.mining.CN":{"p10":0.8,"p50":0.9,"p90":0.91,"mean":0.88}}},
        "probabilities":[{"statement":"CN mining share below 85% in 2025","probability":0.62}]}"#,
    )
    .unwrap();
    let rep = comparison(
        &Run {
            info: &ia,
            result: &ra,
            summary: &sa,
        },
        &Run {
            info: &ib,
            result: &rb,
            summary: &sb,
        },
        Some(&ens),
    )
    .unwrap();
    check_page(&rep.html, &ds);
    assert_eq!(rep.file_stem, "tiny-a-vs-tiny-b");
    for id in ["compare", "details", "uncertainty", "a-shares", "b-flows"] {
        assert!(rep.html.contains(&format!("id=\"{id}\"")), "{id}");
    }
    assert!(rep.html.contains("What changes from A to B"));
    assert!(rep.html.contains("CN mining share below 85% in 2025"));
    assert!(rep.html.contains("62%"));
    assert!(rep.charts.iter().any(|c| c.id.starts_with("fan-")));
    assert!(rep.charts.iter().any(|c| c.id == "compare-shares"));
    // the disruption lowers China's 2025 mining share: the comparison says so with numbers
    let x = sa.annual["2025"].shares["mining"]["CN"];
    let z = sb.annual["2025"].shares["mining"]["CN"];
    assert!(z < x);
    assert!(rep.html.contains(&crate::format::pct(z)));
}

#[test]
fn question_comment_is_read_until_a_blank_comment_line() {
    let t = "# S1 — title\n#\n# Question: does it work\n# across lines?\n#\n# Sources: x\nname = \"a\"\n";
    assert_eq!(
        question_from_toml(t).as_deref(),
        Some("does it work across lines?")
    );
    assert_eq!(question_from_toml("name = \"a\"\n"), None);
}

#[test]
fn embedded_baseline_question_is_found() {
    let (_, text) = lodestone_data::scenario("baseline").unwrap();
    let q = question_from_toml(&text).unwrap();
    assert!(q.contains("shares by stage"), "{q}");
}

#[test]
fn expansion_decisions_get_their_section() {
    let ds = tiny();
    let text = format!(
        "{A}\n[[events]]\ntype = \"expansion\"\nfacility = \"mine_au\"\nrent_threshold = 0.05\nrate = 0.5\nlead_months = 6\nstart = \"2024-01\"\n"
    );
    let (info, r, s) = run(&ds, &text);
    assert!(!s.expansions.is_empty());
    let rep = single(
        &Run {
            info: &info,
            result: &r,
            summary: &s,
        },
        None,
    )
    .unwrap();
    check_page(&rep.html, &ds);
    assert!(rep.html.contains("<section id=\"expansion\""));
    assert!(
        rep.html.contains("href=\"#expansion\""),
        "in the table of contents"
    );
    // the AU mine's first decision: 2025-01 on 2024's rents, online six months later
    assert!(rep.html.contains("2025-01") && rep.html.contains("2025-07"));
}

#[test]
fn answer_values_are_what_the_report_shows() {
    let ds = tiny();
    let (info, r, s) = run(&ds, A);
    let run = Run {
        info: &info,
        result: &r,
        summary: &s,
    };
    let a = crate::answer(&run, None).unwrap();
    assert_eq!(a.scenario, "tiny-a");
    assert_eq!(
        a.question.as_deref(),
        Some("does the tiny chain meet demand? (a test)")
    );
    assert!(!a.sentences.is_empty());
    assert!(!a.cards.is_empty());
    let html = single(&run, None).unwrap().html;
    for c in &a.cards {
        let shown = format!(
            "<div class=\"k\">{}</div><div class=\"v\">{}</div>",
            crate::format::esc(&c.label),
            crate::format::esc(&c.value)
        );
        assert!(html.contains(&shown), "card not in the report: {shown}");
    }
    for sentence in &a.sentences {
        assert!(html.contains(&crate::format::esc(sentence)), "{sentence}");
    }
}
