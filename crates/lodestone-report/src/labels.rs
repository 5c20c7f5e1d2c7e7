//! What a dashboard needs to show a dataset's ids as the report does: display names,
//! units and the fixed colour of every country, material, sector and stage, and the
//! fan charts of an ensemble with their titles and units (the same words as the report's
//! uncertainty section).

use crate::colour;
use crate::ensemble::{Ensemble, describe};
use crate::format::short_name;
use lodestone_model::dataset::{Basis, Dataset, Stage};
use serde::Serialize;
use std::collections::BTreeMap;

/// A country (or market, or bloc) as shown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CountryLabel {
    /// Display name (`China`, `United States`).
    pub name: String,
    /// Its colour in every chart ([`colour::country`]).
    pub colour: String,
}

/// A material as shown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MaterialLabel {
    /// Display name (`NdPr oxide`).
    pub name: String,
    /// Unit of its quantities (`t REO` on an oxide basis, else `t`).
    pub unit: String,
}

/// A stage as shown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageLabel {
    /// Unit of its output (`t REO` when its materials are on an oxide basis, else `t`).
    pub unit: String,
    /// Its colour.
    pub colour: String,
}

/// Names, units and colours of a dataset's ids.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Labels {
    /// Country, market and bloc id → name and colour.
    pub countries: BTreeMap<String, CountryLabel>,
    /// Material id → name and unit.
    pub materials: BTreeMap<String, MaterialLabel>,
    /// Sector id → name.
    pub sectors: BTreeMap<String, String>,
    /// Stage id → unit and colour.
    pub stages: BTreeMap<String, StageLabel>,
    /// The colour of aggregated remainders ("Other").
    pub other_colour: String,
    /// The categorical palette of everything without a fixed colour (sectors, materials),
    /// in order ([`colour::palette`]).
    pub palette: Vec<String>,
}

/// Display name of a country, market or bloc id (the report's names).
pub fn name(ds: &Dataset, id: &str) -> String {
    match ds.country(id) {
        Some(c) => short_name(&c.name),
        None => match id {
            "us_allies" => "US and allies".into(),
            "eu" => "EU".into(),
            "quad" => "Quad".into(),
            "brics" => "BRICS".into(),
            "china" => "China bloc".into(),
            "other" | "Other" => "Other".into(),
            _ => id.to_string(),
        },
    }
}

/// Display name of a sector.
pub fn sector(ds: &Dataset, id: &str) -> String {
    ds.sectors
        .iter()
        .find(|s| s.id == id)
        .map_or(id.to_string(), |s| short_name(&s.name))
}

/// Display name of a material (short form).
pub fn material(ds: &Dataset, id: &str) -> String {
    ds.material(id)
        .map_or(id.to_string(), |m| short_name(&m.name))
}

/// Unit of a stage's output: `t REO` when its materials are on an oxide basis.
pub fn stage_unit(ds: &Dataset, stage: &str) -> &'static str {
    let st = Stage::parse(stage);
    let reo = ds
        .materials
        .iter()
        .filter(|m| m.stage.is_some() && m.stage == st)
        .all(|m| m.basis == Basis::Reo);
    let any = ds.materials.iter().any(|m| m.stage == st);
    if any && reo { "t REO" } else { "t" }
}

/// The labels of every id of a dataset (and of the blocs the metrics use).
pub fn labels(ds: &Dataset) -> Labels {
    let mut countries: BTreeMap<String, CountryLabel> = ds
        .countries
        .iter()
        .flat_map(|c| [c.id.clone(), c.market.clone()])
        .chain(["us_allies", "eu", "quad", "brics", "china"].map(String::from))
        .map(|id| {
            let l = CountryLabel {
                name: name(ds, &id),
                colour: colour::country(&id),
            };
            (id, l)
        })
        .collect();
    countries.retain(|id, _| !id.is_empty());
    let materials = ds
        .materials
        .iter()
        .map(|m| {
            let unit = if m.basis == Basis::Reo { "t REO" } else { "t" };
            (
                m.id.clone(),
                MaterialLabel {
                    name: short_name(&m.name),
                    unit: unit.into(),
                },
            )
        })
        .collect();
    let sectors = ds
        .sectors
        .iter()
        .map(|s| (s.id.clone(), short_name(&s.name)))
        .collect();
    let stages = ["mining", "separation", "metal", "magnet"]
        .into_iter()
        .filter(|st| ds.materials.iter().any(|m| m.stage == Stage::parse(st)))
        .map(|st| {
            (
                st.to_string(),
                StageLabel {
                    unit: stage_unit(ds, st).into(),
                    colour: colour::stage(st),
                },
            )
        })
        .collect();
    Labels {
        countries,
        materials,
        sectors,
        stages,
        other_colour: colour::OTHER.into(),
        palette: (0..colour::PALETTE_LEN).map(colour::palette).collect(),
    }
}

/// One fan chart of an ensemble: a metric's 10th, 50th and 90th percentiles by year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fan {
    /// Metric path (`shares.magnet.CN`).
    pub path: String,
    /// Title in words (`China's share of magnet output`).
    pub title: String,
    /// Axis label with the unit (`% of world output`, `t unmet`, `USD/kg`).
    pub axis: String,
    /// How values read: `percent` (fractions), `usd` or `number`.
    pub format: &'static str,
    /// Years, in order.
    pub years: Vec<String>,
    /// 10th percentile per year.
    pub p10: Vec<f64>,
    /// Median per year.
    pub p50: Vec<f64>,
    /// 90th percentile per year.
    pub p90: Vec<f64>,
}

/// The fan charts the report draws for an ensemble (at most `max`, [`Ensemble::key_paths`]),
/// named from the dataset. Years where a path has no value are left out of its fan.
pub fn fans(ens: &Ensemble, ds: &Dataset, supplier: &str, max: usize) -> Vec<Fan> {
    use crate::chart::Fmt;
    ens.key_paths(supplier, max)
        .into_iter()
        .map(|path| {
            let (title, axis, fmt) =
                describe(&path, &|id| name(ds, id), &|id| material(ds, id), &|id| {
                    sector(ds, id)
                });
            let mut f = Fan {
                title,
                axis,
                format: match fmt {
                    Fmt::Percent => "percent",
                    Fmt::Usd => "usd",
                    Fmt::Number => "number",
                },
                years: Vec::new(),
                p10: Vec::new(),
                p50: Vec::new(),
                p90: Vec::new(),
                path,
            };
            for y in ens.annual.keys() {
                if let Some(q) = ens.get(y, &f.path) {
                    f.years.push(y.clone());
                    f.p10.push(q.p10);
                    f.p50.push(q.p50);
                    f.p90.push(q.p90);
                }
            }
            f
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rare_earths() -> Dataset {
        Dataset::load(&lodestone_data::dataset_files("rare-earths").unwrap()).unwrap()
    }

    #[test]
    fn labels_name_countries_materials_and_sectors_with_the_report_colours() {
        let ds = rare_earths();
        let l = labels(&ds);
        let cn = &l.countries["CN"];
        assert_eq!(cn.name, "China");
        assert_eq!(cn.colour, colour::country("CN"));
        assert_eq!(l.countries["us_allies"].name, "US and allies");
        let ndpr = &l.materials["ndpr_oxide"];
        assert!(
            !ndpr.name.contains('_') && ndpr.name.contains("NdPr"),
            "{ndpr:?}"
        );
        assert_eq!(ndpr.unit, "t REO");
        assert!(
            l.sectors.values().all(|n| !n.contains('_')),
            "{:?}",
            l.sectors
        );
        assert_eq!(l.stages["mining"].unit, "t REO");
        assert_eq!(l.palette.len(), colour::PALETTE_LEN);
    }

    #[test]
    fn fans_are_titled_with_names_and_units() {
        let ds = rare_earths();
        let e = Ensemble::parse(
            r#"{"scenario":"b","runs":3,"seed":1,"annual":{
              "2024":{"shares.magnet.CN":{"p10":0.9,"p50":0.92,"p90":0.94},
                      "prices.US.ndpr_oxide":{"p10":60,"p50":80,"p90":120}},
              "2025":{"shares.magnet.CN":{"p10":0.88,"p50":0.9,"p90":0.93}}}}"#,
        )
        .unwrap();
        let f = fans(&e, &ds, "CN", 8);
        let share = f.iter().find(|f| f.path == "shares.magnet.CN").unwrap();
        assert_eq!(share.title, "China's share of magnet output");
        assert_eq!(share.format, "percent");
        assert_eq!(share.years, ["2024", "2025"]);
        assert_eq!(share.p50, [0.92, 0.9]);
        let price = f.iter().find(|f| f.path == "prices.US.ndpr_oxide").unwrap();
        assert_eq!(price.axis, "USD/kg");
        assert!(
            price.title.contains("United States") && !price.title.contains("ndpr_oxide"),
            "{}",
            price.title
        );
        assert_eq!(price.years, ["2024"]);
    }
}
