//! The back-test on the tiny fixture, whose AU mine runs flat out at 1,200 t REO/yr: its
//! 2024 output is reproduced exactly, the 2025 observation (2,400 t) is missed by a factor
//! of two, a month is one twelfth of the year at a yearly step, and the loss adds the
//! squared log errors of the points its targets select.

mod common;

use common::{scenario, tiny};
use lodestone_engine::backtest::{Backtest, Target, TargetError};
use lodestone_engine::{backtest, loss, run};

/// Storage is off: with holders the mine's 2025 output would move with their stocking, and
/// this file tests the back-test's arithmetic on a known output.
const TWO_YEARS: &str = "name = \"t\"\n[settings]\nstorage_span_months = 0\n[horizon]\nstart = \"2024-01\"\nend = \"2025-12\"\n";

fn backtest_at(step: &str) -> Backtest {
    let text = format!("{TWO_YEARS}step = \"{step}\"\n");
    backtest(&run(&tiny(), &scenario(&text)).unwrap())
}

fn point<'a>(b: &'a Backtest, series: &str, period: &str) -> &'a lodestone_engine::backtest::Point {
    b.points
        .iter()
        .find(|p| p.series == series && p.period.label() == period)
        .unwrap_or_else(|| panic!("no point {series} {period}"))
}

const AU: &str = "production:AU:stage:mining";

#[test]
fn a_reproduced_series_and_a_known_miss() {
    let b = backtest_at("month");
    let exact = point(&b, AU, "2024");
    assert!((exact.simulated - 1200.0).abs() < 0.01, "{exact:?}");
    assert!(exact.log_error.unwrap().abs() < 1e-5);
    assert_eq!(exact.hit(), Some(true));
    let miss = point(&b, AU, "2025");
    assert!((miss.error.unwrap() + 0.5).abs() < 1e-5, "{miss:?}");
    assert!((miss.log_error.unwrap() + 2f64.ln()).abs() < 1e-5);
    assert_eq!(miss.hit(), Some(false));
    let s = b.series.iter().find(|s| s.id == AU).unwrap();
    assert_eq!(s.n, 4);
    assert_eq!(s.latest_period.label(), "2025");
    // bias = mean of (0, −ln 2, 0, 0); RMS = sqrt(ln²2 / 4)
    assert!((s.bias.unwrap() + 2f64.ln() / 4.0).abs() < 1e-5);
    assert!((s.rms_log_error.unwrap() - 2f64.ln() / 2.0).abs() < 1e-5);
    assert!((s.hit_share.unwrap() - 0.75).abs() < 1e-12);
    // the band decides a price's hit; reserves are listed, not dropped
    let price = point(&b, "price:JP:magnet", "2024");
    assert_eq!(
        price.inside_band,
        Some((60.0..=100.0).contains(&price.simulated))
    );
    assert_eq!(b.not_comparable.len(), 1);
    assert_eq!(b.not_comparable[0].reason, "reserves are not simulated");
    assert_eq!(b.overall.n, b.points.len());
    assert_eq!(b.points.len() + b.not_comparable.len(), 7);
}

#[test]
fn a_month_in_a_yearly_run_is_its_pro_rata_share() {
    let b = backtest_at("year");
    assert_eq!(b.step_months, 12);
    for m in ["2024-03", "2024-04"] {
        let p = point(&b, AU, m);
        assert!((p.simulated - 100.0).abs() < 0.01, "{p:?}");
    }
    // a quarter of a year's exports is a quarter of the yearly run's flow, and the
    // monthly run's January–March sum is the same order
    let y = point(&b, "exports:CN:magnets", "2024-Q1").simulated;
    let m = point(&backtest_at("month"), "exports:CN:magnets", "2024-Q1").simulated;
    assert!(y > 0.0 && m > 0.0);
    assert!((y / m - 1.0).abs() < 0.25, "year {y} vs month {m}");
}

#[test]
fn loss_weights_the_squared_log_errors_of_its_targets() {
    let b = backtest_at("month");
    let ln2sq = 2f64.ln().powi(2);
    let t = |s: &str| Target::parse(s).unwrap();
    let production = loss(&b, &[t("production:AU")]);
    assert!((production - ln2sq).abs() < 1e-4, "{production}");
    let weighted = loss(&b, &[t("production:AU:stage:mining=3")]);
    assert!((weighted - 3.0 * ln2sq).abs() < 3e-4);
    assert!(loss(&b, &[t("production:CN")]).abs() < 1e-12, "no CN point");
    let price = point(&b, "price:JP:magnet", "2024").log_error.unwrap();
    let both = loss(&b, &[t("production"), t("price:*:magnet")]);
    assert!((both - ln2sq - price * price).abs() < 1e-4);
    let all: f64 = b.points.iter().map(|p| p.log_error.unwrap().powi(2)).sum();
    assert!((loss(&b, &[]) - all).abs() < 1e-9);
    assert!(matches!(
        Target::parse("output"),
        Err(TargetError::Metric(_))
    ));
    assert!(matches!(
        Target::parse("price=0"),
        Err(TargetError::Weight(_))
    ));
    assert!(matches!(
        Target::parse("price::x"),
        Err(TargetError::Syntax(_))
    ));
    assert!(matches!(
        Target::parse("reserves"),
        Err(TargetError::Metric(_))
    ));
}

#[test]
fn the_backtest_is_deterministic_json() {
    let a = serde_json::to_string(&backtest_at("quarter")).unwrap();
    let b = serde_json::to_string(&backtest_at("quarter")).unwrap();
    assert_eq!(a, b);
}
