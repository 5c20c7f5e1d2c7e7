//! Seasons (`seasons.csv`): a facility with a monthly availability profile gets, in each
//! period, its annual capacity times the shares of the period's months (a month its
//! share, a quarter three, a year the whole); a facility without one gets 1/12 a month.

mod common;

use common::{files, scenario};
use lodestone_engine::levers::{self, expansion::Expansions};
use lodestone_model::time::{Month, Period};
use lodestone_model::{Dataset, DatasetFiles};

/// The mine's profile: nothing in Jan–Mar, a harvest-like peak in Oct–Dec.
const SHARES: [f64; 12] = [
    0.0, 0.0, 0.0, 0.05, 0.05, 0.05, 0.05, 0.05, 0.1, 0.2, 0.25, 0.2,
];

/// The tiny fixture with a season for `mine_cn` (12,000 t/yr).
fn seasonal() -> Dataset {
    let mut text = String::from("facility,month,share,source\n");
    for (i, s) in SHARES.iter().enumerate() {
        text.push_str(&format!("mine_cn,{},{s},t_fixture\n", i + 1));
    }
    let DatasetFiles { root, mut files } = files("tiny");
    files.push(("seasons.csv".into(), text));
    files.sort();
    Dataset::load(&DatasetFiles { root, files }).unwrap_or_else(|e| panic!("{e}"))
}

fn capacity(ds: &Dataset, id: &str, start: &str, months: i32) -> f64 {
    let sc = scenario(
        "name = \"t\"\ndataset = \"tiny\"\n[horizon]\nstart = \"2024-01\"\nend = \"2026-12\"\n",
    );
    let p = Period {
        start: Month::parse(start).unwrap(),
        months,
    };
    let i = ds.facilities.iter().position(|f| f.id == id).unwrap();
    levers::period_capacity(ds, &sc, &p, &Expansions::new(ds, &sc))[i]
}

#[test]
fn a_seasonal_facility_follows_its_profile_month_by_month() {
    let ds = seasonal();
    for (i, s) in SHARES.iter().enumerate() {
        let m = format!("2025-{:02}", i + 1);
        let c = capacity(&ds, "mine_cn", &m, 1);
        assert!(
            (c - 12_000.0 * s).abs() < 1e-9,
            "{m}: {c} vs {}",
            12_000.0 * s
        );
    }
    let q4 = capacity(&ds, "mine_cn", "2025-10", 3);
    assert!((q4 - 12_000.0 * 0.65).abs() < 1e-9, "Q4 {q4}");
}

#[test]
fn a_year_gets_the_whole_annual_capacity_with_or_without_a_season() {
    let ds = seasonal();
    let year = capacity(&ds, "mine_cn", "2025-01", 12);
    assert!((year - 12_000.0).abs() < 1e-9, "seasonal year {year}");
    // a year starting mid-season still covers every calendar month once
    let shifted = capacity(&ds, "mine_cn", "2025-07", 12);
    assert!((shifted - 12_000.0).abs() < 1e-9, "Jul-Jun year {shifted}");
    // no profile: 1/12 a month, exactly as before seasons existed
    let flat = capacity(&ds, "mine_au", "2025-01", 1);
    assert_eq!(flat, 1200.0 / 12.0);
    assert!((capacity(&ds, "mine_au", "2025-01", 12) - 1200.0).abs() < 1e-9);
}

#[test]
fn the_profile_is_lowered_with_its_sources() {
    let ds = seasonal();
    let f = ds.facility("mine_cn").unwrap();
    let s = f.season.as_ref().expect("mine_cn has a season");
    assert_eq!(s.shares, SHARES);
    assert_eq!(s.source, vec!["t_fixture".to_string()]);
    assert!(ds.facility("mine_au").unwrap().season.is_none());
}
