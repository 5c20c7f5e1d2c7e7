//! Step invariance: a question's answer must not depend on the time step. The baseline's
//! annual production and main oxide prices agree between monthly, quarterly and yearly
//! runs, and a lever that starts inside a year (the April-2025 licensing) acts for its
//! share of that year in a yearly run.

use lodestone_engine::{run, summarize, summary::Summary};
use lodestone_model::{Dataset, Scenario};

fn dataset() -> Dataset {
    Dataset::load(&lodestone_data::dataset_files("rare-earths").expect("embedded"))
        .unwrap_or_else(|e| panic!("{e}"))
}

fn run_with(ds: &Dataset, parent: &str, end: &str, step: &str) -> Summary {
    let text = format!(
        "name = \"t\"\nextends = \"{parent}\"\n[horizon]\nstart = \"2024-01\"\nend = \"{end}\"\nstep = \"{step}\"\n"
    );
    let sc = Scenario::parse("t.toml", &text, &|n| lodestone_data::scenario(n))
        .unwrap_or_else(|e| panic!("{e}"));
    let r = run(ds, &sc).unwrap_or_else(|e| panic!("{e}"));
    assert!(r.balance.ok, "{:?}", r.balance);
    summarize(&r)
}

fn stage_total(s: &Summary, year: &str, stage: &str) -> f64 {
    s.annual[year].production[stage].values().sum()
}

fn cn_price(s: &Summary, year: &str, material: &str) -> f64 {
    s.annual[year].prices["CN"][material]
}

/// China's exports of magnets in a year (t), from the summary's imports.
fn cn_magnet_exports(s: &Summary, year: &str) -> f64 {
    s.annual[year]
        .imports
        .values()
        .filter_map(|by| by.get("CN"))
        .flat_map(|m| m.iter())
        .filter(|(m, _)| m.starts_with("ndfeb"))
        .map(|(_, v)| v)
        .sum()
}

/// The stated tolerance (ARCHITECTURE.md, "Step invariance"): annual production by stage
/// within 3%, annual average prices of the main oxides within 15%, 2024–2027 (2% before
/// storage: a yearly period's holders stock once where monthly ones restock every month).
#[test]
fn baseline_years_agree_at_every_step() {
    let ds = dataset();
    let monthly = run_with(&ds, "baseline", "2027-12", "month");
    for step in ["quarter", "year"] {
        let coarse = run_with(&ds, "baseline", "2027-12", step);
        for year in ["2024", "2025", "2026", "2027"] {
            for stage in ["mining", "separation", "metal", "magnet"] {
                let (a, b) = (
                    stage_total(&monthly, year, stage),
                    stage_total(&coarse, year, stage),
                );
                assert!(
                    (b / a - 1.0).abs() < 0.03,
                    "{step} {year} {stage}: {a} vs {b}"
                );
            }
            for m in ["ndpr_oxide", "dy_oxide", "tb_oxide"] {
                let (a, b) = (cn_price(&monthly, year, m), cn_price(&coarse, year, m));
                assert!((b / a - 1.0).abs() < 0.15, "{step} {year} {m}: {a} vs {b}");
            }
        }
    }
}

/// The licensing from April 2025 closes 9/12 of 2025 in a yearly run: China's magnet
/// exports that year agree with the monthly run's within 10% (5% before storage: the
/// monthly run's importers draw their working stock in April–May and rebuy it from the
/// licensed flow later in the year, which a yearly period nets out), where acting for
/// the whole year (or not at all) would miss by the three free months (25%).
#[test]
fn a_licence_from_april_acts_for_nine_months_of_a_yearly_period() {
    let ds = dataset();
    let monthly = run_with(&ds, "china-2025-04-licensing", "2026-12", "month");
    let yearly = run_with(&ds, "china-2025-04-licensing", "2026-12", "year");
    let (a, b) = (
        cn_magnet_exports(&monthly, "2025"),
        cn_magnet_exports(&yearly, "2025"),
    );
    assert!(
        (b / a - 1.0).abs() < 0.10,
        "2025 magnet exports: monthly {a}, yearly {b}"
    );
    // and the control bites: 2025 exports are below 2024's in both (monthly 0.85x: the
    // exports lost in April-May are partly shipped in June-August, when the backlog and
    // the exports filed ahead are decided; refusals keep the rest of the year ~22% down)
    for s in [&monthly, &yearly] {
        let (y24, y25) = (cn_magnet_exports(s, "2024"), cn_magnet_exports(s, "2025"));
        assert!(y25 < 0.9 * y24, "2025 {y25} vs 2024 {y24}");
    }
    for year in ["2024", "2025", "2026"] {
        for stage in ["mining", "separation", "metal", "magnet"] {
            let (x, y) = (
                stage_total(&monthly, year, stage),
                stage_total(&yearly, year, stage),
            );
            // 7%: in the shock year the monthly run's importers draw their working stock
            // and restock within the year, which a yearly period nets out; and a yearly
            // holder discounts its carry-out by a year's carry (5.5%) where a monthly one
            // discounts a month's, so where holders set the price (NdPr under the
            // licence) the yearly price is ~5% lower and marginal mines run less
            // (2026 mining 394 vs 421 kt)
            assert!((y / x - 1.0).abs() < 0.07, "{year} {stage}: {x} vs {y}");
        }
    }
}

#[test]
fn a_yearly_run_warns_about_an_event_inside_a_year() {
    let text = "name = \"t\"\nextends = \"china-2025-04-licensing\"\n[horizon]\nstart = \"2024-01\"\nend = \"2026-12\"\nstep = \"year\"\n";
    let sc = Scenario::parse("t.toml", text, &|n| lodestone_data::scenario(n)).unwrap();
    let w = sc.step_warnings();
    assert!(
        w.iter()
            .any(|w| w.contains("2025-04") && w.contains("pro rata")),
        "{w:?}"
    );
    let monthly = text.replace("\"year\"", "\"month\"");
    let sc = Scenario::parse("t.toml", &monthly, &|n| lodestone_data::scenario(n)).unwrap();
    assert!(sc.step_warnings().is_empty());
}
