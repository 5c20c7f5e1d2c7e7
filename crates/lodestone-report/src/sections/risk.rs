//! The risk section: GeoPolRisk in both conventions and the EU supply risk status, for the
//! run's first and last years (`annual[year].indices`; `docs/indices.md`).

use crate::ctx::Ctx;
use crate::format::esc;
use crate::html::{section, table};
use lodestone_engine::indices::IndicesYear;
use std::collections::BTreeSet;

/// A score with three decimals, or a dash when the method gives none.
fn score(x: Option<f64>) -> String {
    x.map_or_else(|| "–".into(), |v| format!("{v:.3}"))
}

/// GeoPolRisk by importing market: the `reference` convention (score and characterisation
/// factor) in the first and last years, and the `stage` convention at separation and
/// magnet making in the first year. Nothing when the run has no GeoPolRisk rows.
pub(super) fn risk_section(c: &Ctx, p: &str) -> String {
    let (Some(y0), Some(y1)) = (c.years.first(), c.years.last()) else {
        return String::new();
    };
    let (a, b) = (&c.s.annual[y0].indices, &c.s.annual[y1].indices);
    let markets: BTreeSet<&String> = a
        .geopolrisk_reference
        .keys()
        .chain(b.geopolrisk_reference.keys())
        .collect();
    if markets.is_empty() {
        return String::new();
    }
    let stage = |ix: &IndicesYear, m: &str, st: &str| {
        score(
            ix.geopolrisk
                .get(m)
                .and_then(|x| x.get(st))
                .and_then(|g| g.score),
        )
    };
    let rows: Vec<Vec<String>> = markets
        .iter()
        .map(|m| {
            let r0 = a.geopolrisk_reference.get(*m);
            vec![
                esc(&c.name(m)),
                score(r0.and_then(|g| g.score)),
                score(r0.and_then(|g| g.cf_kg_cu_eq)),
                score(b.geopolrisk_reference.get(*m).and_then(|g| g.score)),
                stage(a, m, "separation"),
                stage(a, m, "magnet"),
            ]
        })
        .collect();
    let head = [
        "Importing market".to_string(),
        format!("Reference {y0}"),
        format!("CF {y0} (kg Cu-eq/kg)"),
        format!("Reference {y1}"),
        format!("Stage: separation {y0}"),
        format!("Stage: magnets {y0}"),
    ];
    let head: Vec<&str> = head.iter().map(String::as_str).collect();
    let mut inner = table(&head, &rows, &[1, 2, 3, 4, 5]);
    inner.push_str(&format!(
        "<p class=\"note\">GeoPolRisk = HHI of world output × Σ g<sub>i</sub> f<sub>i</sub> / (p + F), g = (2.5 − WGI Political Stability)/5 of the supplier in the year (World Bank WGI, <code>governance.csv</code>). <b>Reference</b> is geopolrisk-py's convention, comparable with published values: the HHI of mine output, the market's mine output as p, imports of separated compounds and metals as F (a bloc such as the EU is one market: its score is the extra-EU variant); CF = score × unit value / 0.4094 (copper). <b>Stage</b> takes the HHI, output and imports of the traded stage itself. {}</p>",
        eu_status(b)
    ));
    section(&format!("{p}risk"), "Supply risk indices", &inner)
}

/// One sentence on the EU supply risk: its value with its range over the SI_SR
/// assumption and the bottleneck, or what it lacks.
fn eu_status(ix: &IndicesYear) -> String {
    let mut missing: BTreeSet<String> = BTreeSet::new();
    let mut values = Vec::new();
    for (stage, groups) in &ix.eu_supply_risk {
        for (group, e) in groups {
            match (e.sr, e.sr_low, e.sr_high) {
                (Some(v), Some(lo), Some(hi)) => {
                    values.push(format!("{group} {stage} {v:.2} ({lo:.2}–{hi:.2})"))
                }
                (Some(v), ..) => values.push(format!("{group} {stage} {v:.2}")),
                _ => missing.extend(
                    e.missing
                        .iter()
                        .map(|m| m.split(':').next().unwrap_or(m).to_string()),
                ),
            }
        }
    }
    if ix.eu_supply_risk.is_empty() {
        String::new()
    } else if missing.is_empty() {
        format!(
            "EU supply risk (JRC method){}: {}.{}{}",
            eu_years(ix),
            values.join(", "),
            eu_bottleneck(ix),
            eu_assumed(ix)
        )
    } else {
        let list: Vec<String> = missing.into_iter().collect();
        format!(
            "EU supply risk (JRC method) is not computed: no source yet for {}.",
            esc(&list.join(", "))
        )
    }
}

/// The EU rows' year and the years whose flows they average: " in 2026 (flows averaged
/// over 2024–2026)".
fn eu_years(ix: &IndicesYear) -> String {
    let first = ix.eu_supply_risk.values().flat_map(|g| g.values()).next();
    first.map_or(String::new(), |e| match (e.years.first(), e.years.last()) {
        (Some(a), Some(b)) if a < b => format!(" in {b} (flows averaged over {a}–{b})"),
        (Some(b), _) => format!(" in {b}"),
        _ => String::new(),
    })
}

/// " Bottleneck (the higher stage): HREE separation 4.39, …." or nothing.
fn eu_bottleneck(ix: &IndicesYear) -> String {
    let neck: Vec<String> = ix
        .eu_supply_risk_bottleneck
        .iter()
        .filter_map(|(g, b)| Some(format!("{g} {} {:.2}", b.stage.as_deref()?, b.sr?)))
        .collect();
    if neck.is_empty() {
        String::new()
    } else {
        format!(" Bottleneck (the higher stage): {}.", neck.join(", "))
    }
}

/// The SI_SR assumption in words, where SI_SR is one.
fn eu_assumed(ix: &IndicesYear) -> String {
    let rows = ix.eu_supply_risk.values().flat_map(|g| g.values());
    let si = rows.filter_map(|e| e.si_sr.zip(e.si_sr_range)).next();
    si.map_or(String::new(), |(v, [lo, hi])| {
        format!(
            " SI<sub>SR</sub> is an assumption, {v:.2} (range {lo:.2}–{hi:.2}, SR at its ends in brackets), not a published value; t = 1."
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use lodestone_engine::indices::{EuBottleneck, EuSupplyRisk};

    fn year_with(e: EuSupplyRisk) -> IndicesYear {
        let mut ix = IndicesYear::default();
        ix.eu_supply_risk
            .entry("mining".into())
            .or_default()
            .insert("HREE".into(), e);
        ix
    }

    #[test]
    fn eu_status_gives_sr_with_its_si_sr_range_or_what_is_missing() {
        let e = EuSupplyRisk {
            years: vec![2024, 2025, 2026],
            sr: Some(2.5),
            sr_low: Some(2.0),
            sr_high: Some(3.0),
            si_sr: Some(0.95),
            si_sr_range: Some([0.85, 1.0]),
            ..EuSupplyRisk::default()
        };
        let mut ix = year_with(e);
        ix.eu_supply_risk_bottleneck.insert(
            "HREE".into(),
            EuBottleneck {
                stage: Some("mining".into()),
                sr: Some(2.5),
                ..EuBottleneck::default()
            },
        );
        let s = eu_status(&ix);
        assert!(
            s.contains("in 2026 (flows averaged over 2024–2026): HREE mining 2.50 (2.00–3.00)"),
            "{s}"
        );
        assert!(
            s.contains("Bottleneck (the higher stage): HREE mining 2.50."),
            "{s}"
        );
        assert!(s.contains("assumption, 0.95 (range 0.85–1.00"), "{s}");
        let e = EuSupplyRisk {
            missing: vec!["wgi_average:XX".into()],
            ..EuSupplyRisk::default()
        };
        let s = eu_status(&year_with(e));
        assert!(
            s.contains("not computed: no source yet for wgi_average"),
            "{s}"
        );
        assert_eq!(eu_status(&IndicesYear::default()), "");
    }
}
