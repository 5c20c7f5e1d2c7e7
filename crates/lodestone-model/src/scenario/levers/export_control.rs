//! `export_control`: a country bans, licenses or caps exports of materials (or of every
//! material containing given elements) to all or some destinations, optionally reaching
//! goods made abroad from its material (extraterritorial).

use super::{Check, Id, Lever, limits};
use crate::dataset::Dataset;
use crate::diag::codes;
use crate::time::Month;
use serde::{Deserialize, Serialize};

/// Export control by a country: ban, licensing or quota on materials (or on materials
/// containing given elements), to all or some destinations, optionally extraterritorial.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ExportControl {
    /// Id, so that `suspend` events can refer to it.
    #[serde(default)]
    pub id: Option<String>,
    /// Controlling (exporting) country.
    pub exporter: String,
    /// Controlled materials.
    #[serde(default)]
    pub materials: Vec<String>,
    /// Controlled elements: every material containing any of them is controlled.
    #[serde(default)]
    pub elements: Vec<String>,
    /// Destinations: `"all"` or a list of countries.
    #[serde(default)]
    pub destinations: Destinations,
    /// Countries exempted when destinations is "all".
    #[serde(default)]
    pub except: Vec<String>,
    /// `ban`, `licence` or `quota`.
    pub mode: ControlMode,
    /// Licence: share of pre-control exports that is approved (0..1).
    #[serde(default)]
    pub approval_share: Option<f64>,
    /// Licence: days before the first approvals arrive.
    #[serde(default)]
    pub delay_days: Option<f64>,
    /// Quota: tonnes per year of controlled exports.
    #[serde(default)]
    pub tonnes_per_year: Option<f64>,
    /// Extraterritorial reach: goods made abroad containing more than this share (by
    /// value) of controlled-origin material are controlled too.
    #[serde(default)]
    pub extraterritorial: Option<Extraterritorial>,
    /// First month.
    pub start: Month,
    /// Last month (inclusive); open-ended if absent.
    #[serde(default)]
    pub end: Option<Month>,
}

/// Export-control destinations.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(untagged)]
pub enum Destinations {
    /// `"all"`.
    #[default]
    #[serde(skip)]
    All,
    /// The literal string (must be "all").
    Word(String),
    /// A list of countries.
    List(Vec<String>),
}

impl Destinations {
    /// Whether `country` is a destination (with `except` applied by the caller).
    pub fn includes(&self, country: &str) -> bool {
        match self {
            Destinations::All | Destinations::Word(_) => true,
            Destinations::List(v) => v.iter().any(|c| c == country),
        }
    }
}

/// Export-control mode.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ControlMode {
    /// No exports.
    Ban,
    /// Exports need a licence: a share is approved, after a delay.
    #[serde(alias = "license")]
    Licence,
    /// Exports capped at a tonnage.
    Quota,
}

/// Extraterritorial reach of an export control.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Extraterritorial {
    /// Share of controlled-origin content, by value, above which a foreign good is controlled.
    pub threshold_value_share: f64,
}

impl ExportControl {
    /// Whether the exporter makes (or holds stocks of) material `mid`.
    fn makes(&self, ds: &Dataset, mid: &str) -> bool {
        let exporter = &self.exporter;
        ds.facilities.iter().any(|f| {
            ds.country(&f.country)
                .is_some_and(|c| c.market == *exporter || f.country == *exporter)
                && f.processes.iter().any(|p| {
                    ds.processes
                        .iter()
                        .any(|pp| &pp.id == p && pp.outputs.iter().any(|o| o.material == mid))
                })
        }) || ds
            .stocks
            .iter()
            .any(|s| s.country == *exporter && s.material == mid)
    }

    /// Ids, destinations and the exporter's own products.
    fn check_targets(&self, cx: &mut Check<'_>) {
        cx.known("exporter", Id::Country, &self.exporter);
        for m in &self.materials {
            cx.known("materials", Id::Material, m);
        }
        for el in &self.elements {
            cx.known("elements", Id::Element, el);
        }
        if self.materials.is_empty() && self.elements.is_empty() {
            cx.push(
                codes::SCENARIO,
                None,
                "export_control needs `materials` or `elements`",
                None,
            );
        }
        // a control on something the exporter never makes is almost certainly a mistake
        let covered: Vec<&str> = cx
            .ds
            .covered_materials(&self.materials, &self.elements)
            .into_iter()
            .map(|i| cx.ds.materials[i].id.as_str())
            .collect();
        if cx.ids.of(Id::Country).contains(&self.exporter)
            && !covered.is_empty()
            && !covered.iter().any(|m| self.makes(cx.ds, m))
        {
            let key = if self.materials.is_empty() {
                "elements"
            } else {
                "materials"
            };
            let msg = format!(
                "`{}` produces none of the controlled materials ({})",
                self.exporter,
                covered.join(", ")
            );
            let hint = "a control on a material nobody in that country makes has no effect";
            cx.push(codes::SCENARIO, Some(key), msg, Some(hint.into()));
        }
        match &self.destinations {
            Destinations::Word(w) if w != "all" => cx.push(
                codes::BAD_VALUE,
                Some("destinations"),
                format!("destinations = \"{w}\""),
                Some("write \"all\" or a list of countries".into()),
            ),
            Destinations::List(v) => v
                .iter()
                .for_each(|c| cx.known("destinations", Id::Country, c)),
            _ => {}
        }
        for c in &self.except {
            cx.known("except", Id::Country, c);
        }
    }

    /// The fields each mode needs, and their ranges.
    fn check_mode(&self, cx: &mut Check<'_>) {
        match self.mode {
            ControlMode::Licence => match self.approval_share {
                Some(a) => cx.share("approval_share", a),
                None => cx.push(
                    codes::SCENARIO,
                    Some("mode"),
                    "licence mode needs `approval_share`",
                    Some("e.g. approval_share = 0.5, delay_days = 45".into()),
                ),
            },
            ControlMode::Quota => {
                if self.tonnes_per_year.is_none_or(|t| t < 0.0) {
                    cx.push(
                        codes::SCENARIO,
                        Some("mode"),
                        "quota mode needs `tonnes_per_year` ≥ 0",
                        None,
                    );
                }
            }
            ControlMode::Ban => {}
        }
        if self.delay_days.is_some_and(|x| x < 0.0) {
            cx.out_of_range("delay_days", "delay_days is negative");
        }
        if let Some(x) = self.extraterritorial
            && !(0.0..1.0).contains(&x.threshold_value_share)
        {
            cx.push(
                codes::OUT_OF_RANGE,
                Some("extraterritorial"),
                format!(
                    "threshold_value_share = {} is outside 0..1",
                    x.threshold_value_share
                ),
                Some("the October 2025 rule is 0.001 (0.1%)".into()),
            );
        }
    }
}

impl Lever for ExportControl {
    fn check(&self, cx: &mut Check<'_>) {
        if let Some(x) = self.delay_days {
            cx.at_most("delay_days", x, limits::DAYS, "days");
        }
        if let Some(t) = self.tonnes_per_year {
            cx.at_most("tonnes_per_year", t, limits::TONNES_PER_YEAR, "t/yr");
        }
        self.check_targets(cx);
        self.check_mode(cx);
        cx.dates(self.start, self.end);
    }

    fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    fn window(&self) -> Option<(Month, Option<Month>)> {
        Some((self.start, self.end))
    }
}
