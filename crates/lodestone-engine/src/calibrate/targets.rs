//! `--target metric[:country[:material]][=weight]`: what a calibration fits, parsed and
//! checked against the observations the dataset holds.
//!
//! A minimal stand-in for the back-test's target type (same syntax); see the seam in
//! `calibrate.rs`.

use crate::summary::Observed;
use lodestone_model::dataset::Dataset;
use lodestone_model::diag::{Diagnostic, Diagnostics, Location, codes, did_you_mean};
use serde::Serialize;

/// A filter on the observations with a weight.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Target {
    /// Metric (`production`, `mine_production`, `imports`, …).
    pub metric: String,
    /// Country, if filtered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Material, if filtered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub material: Option<String>,
    /// Weight of its squared log errors (default 1).
    pub weight: f64,
}

fn at(arg: &str) -> Location {
    Location::new(format!("--target {arg}"), 1, 1)
}

impl Target {
    /// Parse `metric[:country[:material]][=weight]`.
    pub fn parse(arg: &str) -> Result<Target, Diagnostic> {
        let bad = |msg: String| Diagnostic {
            code: codes::BAD_VALUE,
            location: at(arg),
            message: msg,
            hint: Some("e.g. --target production:CN:magnet=2".into()),
        };
        let (filter, weight) = match arg.split_once('=') {
            Some((f, w)) => {
                let w = w.trim().parse::<f64>().ok();
                let w = w.filter(|w| w.is_finite() && *w > 0.0);
                (
                    f,
                    w.ok_or_else(|| bad(format!("`{arg}`: weight must be a number above 0")))?,
                )
            }
            None => (arg, 1.0),
        };
        let parts: Vec<&str> = filter.split(':').map(str::trim).collect();
        if parts.len() > 3 || parts.iter().any(|p| p.is_empty()) {
            return Err(bad(format!(
                "`{arg}`: expected metric[:country[:material]][=weight]"
            )));
        }
        let part = |i: usize| parts.get(i).map(|s| s.to_string());
        Ok(Target {
            metric: parts[0].to_string(),
            country: part(1),
            material: part(2),
            weight,
        })
    }

    /// The target as written (weight shown when not 1).
    pub fn label(&self) -> String {
        let mut s = self.metric.clone();
        for p in [&self.country, &self.material].into_iter().flatten() {
            s.push(':');
            s.push_str(p);
        }
        if self.weight != 1.0 {
            s.push_str(&format!("={}", self.weight));
        }
        s
    }

    /// Whether an observed-vs-simulated row is one of this target's.
    pub fn matches(&self, o: &Observed) -> bool {
        o.metric == self.metric
            && self.country.as_ref().is_none_or(|c| *c == o.country)
            && self.material.as_ref().is_none_or(|m| *m == o.material)
    }
}

/// The metrics the run's observed-vs-simulated rows carry (`metrics::simulated`):
/// the others are observed but not simulated, so a target on them would select nothing.
const SIMULATED: [&str; 3] = ["imports", "mine_production", "production"];

/// One target per metric the dataset observes, weight 1 (what `calibrate` fits when no
/// `--target` is given).
pub fn every_metric(ds: &Dataset) -> Vec<Target> {
    let mut metrics: Vec<&str> = (ds.statistics.iter())
        .map(|s| s.metric.as_str())
        .filter(|m| SIMULATED.contains(m))
        .collect();
    metrics.sort_unstable();
    metrics.dedup();
    metrics
        .into_iter()
        .map(|m| Target {
            metric: m.to_string(),
            country: None,
            material: None,
            weight: 1.0,
        })
        .collect()
}

/// Every target that selects no observation of the dataset, with a did-you-mean on the
/// part that matches nothing.
pub fn check(ds: &Dataset, targets: &[(String, Target)]) -> Diagnostics {
    let mut d = Diagnostics::default();
    for (arg, t) in targets {
        let simulated = |m: &str| SIMULATED.contains(&m);
        let rows: Vec<_> = (ds.statistics.iter())
            .filter(|s| s.metric == t.metric && simulated(&s.metric))
            .collect();
        let (what, wanted, among): (&str, &str, Vec<&str>) = if rows.is_empty() {
            let all = ds.statistics.iter().map(|s| s.metric.as_str());
            (
                "simulated metric",
                &t.metric,
                all.filter(|m| simulated(m)).collect(),
            )
        } else if let Some(c) = t
            .country
            .as_deref()
            .filter(|c| !rows.iter().any(|s| s.country == *c))
        {
            (
                "country",
                c,
                rows.iter().map(|s| s.country.as_str()).collect(),
            )
        } else if let Some(m) = t.material.as_deref().filter(|m| {
            !rows
                .iter()
                .any(|s| s.material == *m && t.country.as_ref().is_none_or(|c| *c == s.country))
        }) {
            (
                "material",
                m,
                rows.iter().map(|s| s.material.as_str()).collect(),
            )
        } else {
            continue;
        };
        let mut among = among;
        among.sort_unstable();
        among.dedup();
        let hint = did_you_mean(wanted, among.iter().copied())
            .or_else(|| Some(format!("observed: {}", among.join(", "))));
        d.0.push(Diagnostic {
            code: codes::UNKNOWN_ID,
            location: at(arg),
            message: format!("no observation in the dataset has {what} `{wanted}`"),
            hint,
        });
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_with_filters_and_weights() {
        let t = Target::parse("production:CN:magnet=2").unwrap();
        assert_eq!(t.metric, "production");
        assert_eq!(t.country.as_deref(), Some("CN"));
        assert_eq!(t.material.as_deref(), Some("magnet"));
        assert_eq!(
            (t.weight, t.label().as_str()),
            (2.0, "production:CN:magnet=2")
        );
        let t = Target::parse("mine_production").unwrap();
        assert_eq!((t.country, t.weight), (None, 1.0));
        assert!(Target::parse("price:CN:x:y").is_err());
        assert!(Target::parse("price::x").is_err());
        assert!(Target::parse("price=0").is_err());
        assert!(Target::parse("price=-1").is_err());
    }
}
