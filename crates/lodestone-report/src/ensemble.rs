//! Ensemble results written by `lodestone ensemble` (quantiles per year and metric path,
//! probabilities of statements), and the choice and labelling of the paths to fan.

use crate::ReportError;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

/// Quantiles of one metric in one year.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
pub struct Quantiles {
    /// 10th percentile.
    pub p10: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// Mean.
    #[serde(default)]
    pub mean: Option<f64>,
}

/// The probability of a statement over the ensemble's runs.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Probability {
    /// The statement, in words.
    pub statement: String,
    /// Share of runs in which it holds (0–1).
    pub probability: f64,
}

/// An ensemble: `{scenario, runs, seed, annual: {year: {path: quantiles}}, probabilities}`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Ensemble {
    /// Scenario name.
    pub scenario: String,
    /// Number of runs.
    pub runs: u64,
    /// Master seed.
    pub seed: u64,
    /// year → metric path (`shares.magnet.CN`, `prices.US.ndpr_oxide` …) → quantiles.
    pub annual: BTreeMap<String, BTreeMap<String, Quantiles>>,
    /// Probabilities of statements.
    #[serde(default)]
    pub probabilities: Vec<Probability>,
    /// Price episodes: `<material>.<market>.<multiple|peak_index|end>` → quantiles.
    #[serde(default)]
    pub episodes: BTreeMap<String, Quantiles>,
}

impl Ensemble {
    /// Parse the JSON document written by `lodestone ensemble`.
    pub fn parse(text: &str) -> Result<Ensemble, ReportError> {
        let e: Ensemble = serde_json::from_str(text)?;
        Ok(e)
    }

    /// Every metric path present in any year.
    pub fn paths(&self) -> BTreeSet<String> {
        self.annual
            .values()
            .flat_map(|m| m.keys().cloned())
            .collect()
    }

    /// The quantiles of `path` in `year`.
    pub fn get(&self, year: &str, path: &str) -> Option<Quantiles> {
        self.annual.get(year).and_then(|m| m.get(path)).copied()
    }

    /// The paths worth a fan chart, at most `max`: the supplier's share of magnet,
    /// separation and mining output; one bloc's independence and one country's indirect
    /// dependency at the magnet stage (`us_allies` and `US` preferred); the two largest
    /// shortfalls; the two prices with the widest relative band.
    pub fn key_paths(&self, supplier: &str, max: usize) -> Vec<String> {
        let all = self.paths();
        let mut out: Vec<String> = Vec::new();
        for st in ["magnet", "separation", "mining"] {
            let p = format!("shares.{st}.{supplier}");
            if all.contains(&p) {
                out.push(p);
            }
        }
        let pick = |prefix: &str, suffix: &str, preferred: &str| -> Option<String> {
            let mut c: Vec<&String> = all
                .iter()
                .filter(|p| p.starts_with(prefix) && p.ends_with(suffix))
                .collect();
            c.sort_by_key(|p| (!p.contains(preferred), p.len(), (*p).clone()));
            c.first().map(|p| (*p).clone())
        };
        if let Some(p) = pick("independence.", ".magnet", ".us_allies.") {
            out.push(p);
        }
        if let Some(p) = pick(
            "dependency.",
            &format!(".magnet.indirect.{supplier}"),
            "dependency.US.",
        ) {
            out.push(p);
        }
        let by = |prefix: &str, score: &dyn Fn(&Quantiles) -> f64| -> Vec<String> {
            let mut v: Vec<(String, f64)> = all
                .iter()
                .filter(|p| p.starts_with(prefix))
                .map(|p| {
                    let s = self
                        .annual
                        .values()
                        .filter_map(|m| m.get(p))
                        .map(score)
                        .fold(0.0, f64::max);
                    (p.clone(), s)
                })
                .filter(|(_, s)| *s > 0.0)
                .collect();
            v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            v.into_iter().take(2).map(|(p, _)| p).collect()
        };
        out.extend(by("shortfall.", &|q| q.p50.max(q.p90)));
        out.extend(by("prices.", &|q| {
            if q.p50.abs() > 1e-9 {
                (q.p90 - q.p10) / q.p50.abs()
            } else {
                0.0
            }
        }));
        out.truncate(max);
        out
    }
}

/// How a metric path is shown: (title, y-axis label with unit, format).
pub fn describe(
    path: &str,
    name: &dyn Fn(&str) -> String,
    material: &dyn Fn(&str) -> String,
    sector: &dyn Fn(&str) -> String,
) -> (String, String, crate::chart::Fmt) {
    use crate::chart::Fmt;
    let p: Vec<&str> = path.split('.').collect();
    match p.as_slice() {
        ["shares", stage, c] => (
            format!("{}'s share of {stage} output", name(c)),
            "% of world output".into(),
            Fmt::Percent,
        ),
        ["shortfall", "total"] => (
            "Unmet demand, all countries and sectors".into(),
            "t unmet".into(),
            Fmt::Number,
        ),
        ["production", stage, "total"] => {
            (format!("World {stage} output"), "t".into(), Fmt::Number)
        }
        ["production", stage, c] => (
            format!("{}: {stage} output", name(c)),
            "t".into(),
            Fmt::Number,
        ),
        ["shortfall", c, s] => (
            format!("Unmet demand: {} · {}", name(c), sector(s)),
            "t unmet".into(),
            Fmt::Number,
        ),
        ["prices", m, mat] => (
            format!("Price of {} in {}", material(mat), name(m)),
            "USD/kg".into(),
            Fmt::Usd,
        ),
        ["independence", b, stage] => (
            format!("{}: {stage} demand met without the supplier", name(b)),
            "% of demand".into(),
            Fmt::Percent,
        ),
        ["dependency", e, stage, measure, sup] => (
            format!(
                "{}: {measure} dependency on {} ({stage})",
                name(e),
                name(sup)
            ),
            "% of supply".into(),
            Fmt::Percent,
        ),
        _ => (path.to_string(), "value".into(), Fmt::Number),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"{"scenario":"baseline","runs":100,"seed":7,
      "annual":{"2024":{"shares.magnet.CN":{"p10":0.9,"p50":0.92,"p90":0.94,"mean":0.92},
                        "prices.US.ndpr_oxide":{"p10":60,"p50":80,"p90":120,"mean":85},
                        "shortfall.US.ev_traction":{"p10":0,"p50":10,"p90":50,"mean":20},
                        "dependency.US.magnet.indirect.CN":{"p10":0.8,"p50":0.9,"p90":0.95,"mean":0.9}},
                "2025":{"shares.magnet.CN":{"p10":0.88,"p50":0.9,"p90":0.93}}},
      "probabilities":[{"statement":"US magnet dependency on CN > 60% in 2030","probability":0.83}]}"#;

    #[test]
    fn parses_and_picks_key_paths() {
        let e = Ensemble::parse(DOC).unwrap();
        assert_eq!(e.runs, 100);
        assert_eq!(e.probabilities.len(), 1);
        assert_eq!(e.get("2025", "shares.magnet.CN").unwrap().p50, 0.9);
        let k = e.key_paths("CN", 8);
        assert_eq!(k[0], "shares.magnet.CN");
        assert!(k.contains(&"dependency.US.magnet.indirect.CN".to_string()));
        assert!(k.contains(&"prices.US.ndpr_oxide".to_string()));
        assert!(k.contains(&"shortfall.US.ev_traction".to_string()));
    }

    #[test]
    fn totals_are_described_in_words_not_by_path() {
        let id = |s: &str| s.to_string();
        let (title, axis, _) = describe("shortfall.total", &id, &id, &id);
        assert_eq!(title, "Unmet demand, all countries and sectors");
        assert_eq!(axis, "t unmet");
        let (title, _, _) = describe("production.magnet.total", &id, &id, &id);
        assert_eq!(title, "World magnet output");
    }

    #[test]
    fn bad_json_is_an_error_not_a_panic() {
        assert!(Ensemble::parse("{\"runs\": 3}").is_err());
        assert!(Ensemble::parse("not json").is_err());
    }
}
