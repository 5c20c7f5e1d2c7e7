//! `--target metric[:country[:material]][=weight]`: what a calibration fits — the
//! back-test's target filter (`backtest::Target`), parsed at its argument and checked
//! against the observations the dataset holds.

pub use crate::backtest::Target;
use crate::backtest::{SeriesKey, TargetError};
use lodestone_model::dataset::{Dataset, ObsMetric, Observation};
use lodestone_model::diag::{Diagnostic, Diagnostics, Location, codes, did_you_mean};

fn at(arg: &str) -> Location {
    Location::new(format!("--target {arg}"), 1, 1)
}

/// Parse a `--target` argument, refused at the argument with a hint.
pub fn parse(arg: &str) -> Result<Target, Diagnostic> {
    const METRICS: [&str; 8] = [
        "production",
        "exports",
        "imports",
        "consumption",
        "price",
        "unit_value",
        "stocks",
        "share",
    ];
    Target::parse(arg).map_err(|e| match e {
        TargetError::Metric(m) => Diagnostic {
            code: codes::UNKNOWN_ID,
            location: at(arg),
            message: format!("`{m}` is not a simulated metric of observations.csv"),
            hint: did_you_mean(&m, METRICS.iter().copied())
                .or_else(|| Some(format!("metrics: {}", METRICS.join(", ")))),
        },
        other => Diagnostic {
            code: codes::BAD_VALUE,
            location: at(arg),
            message: format!("`{arg}`: {other}"),
            hint: Some(
                "e.g. --target price:CN:ndpr_oxide=2 or --target production:*:stage:mining".into(),
            ),
        },
    })
}

/// The target as written (weight shown when not 1).
pub fn label(t: &Target) -> String {
    let mut s = t.metric.as_str().to_string();
    for p in [&t.country, &t.material] {
        s.push(':');
        s.push_str(p.as_deref().unwrap_or("*"));
    }
    while s.ends_with(":*") {
        s.truncate(s.len() - 2);
    }
    if t.weight != 1.0 {
        s.push_str(&format!("={}", t.weight));
    }
    s
}

/// One target per metric the dataset observes (reserves are not simulated), weight 1:
/// what `calibrate` fits when no `--target` is given.
pub fn every_metric(ds: &Dataset) -> Vec<Target> {
    let mut metrics: Vec<ObsMetric> = (ds.observations.iter())
        .map(|o| o.metric)
        .filter(|m| *m != ObsMetric::Reserves)
        .collect();
    metrics.sort_by_key(|m| m.as_str());
    metrics.dedup();
    metrics
        .into_iter()
        .map(|metric| Target {
            metric,
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
        let rows: Vec<&Observation> = (ds.observations.iter())
            .filter(|o| o.metric == t.metric)
            .collect();
        let whats: Vec<String> = rows
            .iter()
            .filter(|o| t.country.as_ref().is_none_or(|c| *c == o.country))
            .map(|o| SeriesKey::of(o).what())
            .collect();
        let (kind, wanted, among): (&str, &str, Vec<&str>) = if rows.is_empty() {
            let all = ds.observations.iter().map(|o| o.metric.as_str());
            ("metric", t.metric.as_str(), all.collect())
        } else if let Some(c) = t
            .country
            .as_deref()
            .filter(|c| !rows.iter().any(|o| o.country == *c))
        {
            (
                "country",
                c,
                rows.iter().map(|o| o.country.as_str()).collect(),
            )
        } else if let Some(m) = t
            .material
            .as_deref()
            .filter(|m| !whats.iter().any(|w| w == m))
        {
            ("material", m, whats.iter().map(String::as_str).collect())
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
            message: format!("no observation in the dataset has {kind} `{wanted}`"),
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
        let t = parse("price:CN:ndpr_oxide=2").unwrap();
        assert_eq!(t.metric, ObsMetric::Price);
        assert_eq!(t.country.as_deref(), Some("CN"));
        assert_eq!(t.material.as_deref(), Some("ndpr_oxide"));
        assert_eq!(
            (t.weight, label(&t).as_str()),
            (2.0, "price:CN:ndpr_oxide=2")
        );
        let t = parse("production:*:stage:mining").unwrap();
        assert_eq!(label(&t), "production:*:stage:mining");
        assert_eq!((t.country, t.weight), (None, 1.0));
        assert!(parse("price::x").is_err());
        assert!(parse("price=0").is_err());
        assert!(parse("price=-1").is_err());
        assert!(parse("mine_production").is_err());
    }
}
