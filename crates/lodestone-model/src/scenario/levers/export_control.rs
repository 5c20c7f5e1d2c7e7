//! `export_control`: a country bans, licenses or caps exports of materials (or of every
//! material containing given elements) to all or some destinations, optionally reaching
//! goods made abroad from its material (extraterritorial). A licence regime is a process:
//! applications filed each month, a review-time distribution, an approval path by decision
//! month (with destination and end-use overrides), general licences and exempt grades.

use super::{Check, Id, Lever, limits};
use crate::dataset::Dataset;
use crate::diag::codes;
use crate::time::Month;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
    /// Licence: days from filing to decision. Alone, a fixed review time (the first
    /// approvals arrive after it); with `review_min_days`/`review_max_days`, the most
    /// likely review time of a triangular distribution.
    #[serde(default)]
    pub delay_days: Option<f64>,
    /// Licence: shortest review time, days (triangular distribution with `delay_days` as
    /// its mode; default `delay_days`).
    #[serde(default)]
    pub review_min_days: Option<f64>,
    /// Licence: longest review time, days (default `delay_days`).
    #[serde(default)]
    pub review_max_days: Option<f64>,
    /// Licence: days before an export is due that its application is filed (default 0:
    /// filed when due). Exporters file ahead so the review runs before the goods must
    /// ship; when the regime starts, every export due within the lead is filed at once.
    #[serde(default)]
    pub filing_lead_days: Option<f64>,
    /// Licence: month from which exporters file ahead (default the control's start); the
    /// exports due before it are filed when due.
    #[serde(default)]
    pub filing_lead_from: Option<Month>,
    /// Licence: day of the first month (1..=31) from which shipments need a licence; the
    /// days before it ship freely (default 1).
    #[serde(default)]
    pub first_day: Option<u32>,
    /// Licence: approval share by decision month, a dated path that replaces
    /// `approval_share` from each step's `from`; steps naming destinations or end uses
    /// override the general path for them.
    #[serde(default)]
    pub approval: Vec<ApprovalStep>,
    /// Licence: destinations whose exports need no review from a date (general licences).
    #[serde(default)]
    pub general_licences: Vec<GeneralLicence>,
    /// Licence: per controlled material, the share of its exports outside the control's
    /// scope (grades without the controlled elements), which ship without a licence.
    #[serde(default)]
    pub exempt_shares: BTreeMap<String, f64>,
    /// Quota: tonnes per year of controlled exports.
    #[serde(default)]
    pub tonnes_per_year: Option<f64>,
    /// Extraterritorial reach: goods made abroad containing more than this share (by
    /// value) of controlled-origin material are controlled too.
    #[serde(default)]
    pub extraterritorial: Option<Extraterritorial>,
    /// Months from `start` for which commercial holders foresee what the control implies
    /// (default 0: it is a surprise and expectations stay adaptive). Within them holders
    /// expect next month's price on the path the run follows (the engine's
    /// `storage::Foresight`); before `start` nothing is foreseen, so nobody front-loads.
    #[serde(default)]
    pub foreseen_months: Option<f64>,
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

/// One step of a licence's approval path: from month `from`, this share of the
/// applications decided is approved (for the destinations and end uses named, or all).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ApprovalStep {
    /// First decision month at this share.
    pub from: Month,
    /// Share of decided applications approved (0..1).
    pub share: f64,
    /// Destination countries the step applies to (empty: every destination).
    #[serde(default)]
    pub destinations: Vec<String>,
    /// End uses (sector ids) the step applies to (empty: every end use).
    #[serde(default)]
    pub end_uses: Vec<String>,
}

impl ApprovalStep {
    /// How specific the step is: an end use beats a destination beats neither.
    pub fn specificity(&self) -> u8 {
        2 * u8::from(!self.end_uses.is_empty()) + u8::from(!self.destinations.is_empty())
    }
}

/// General licences: from `from` (to `until`), `share` of the exports to `destinations`
/// (all when empty) ship without review — the share of the trade the licensed exporters
/// carry.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GeneralLicence {
    /// First month.
    pub from: Month,
    /// Last month (inclusive); open-ended if absent.
    #[serde(default)]
    pub until: Option<Month>,
    /// Destination countries (empty: every destination).
    #[serde(default)]
    pub destinations: Vec<String>,
    /// Share of the would-be exports covered (0..1, default 1).
    #[serde(default = "one")]
    pub share: f64,
}

fn one() -> f64 {
    1.0
}

impl GeneralLicence {
    /// Whether the general licence is in force in month `m`.
    pub fn covers(&self, m: Month) -> bool {
        self.from <= m && self.until.is_none_or(|u| m <= u)
    }
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
                None if !self.approval.is_empty() => {}
                None => cx.push(
                    codes::SCENARIO,
                    Some("mode"),
                    "licence mode needs `approval_share` or an `approval` path",
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

impl ExportControl {
    /// The licence process's fields make sense only in licence mode.
    fn check_licence_only(&self, cx: &mut Check<'_>) {
        if self.mode == ControlMode::Licence {
            return;
        }
        let set = [
            ("review_min_days", self.review_min_days.is_some()),
            ("review_max_days", self.review_max_days.is_some()),
            ("filing_lead_days", self.filing_lead_days.is_some()),
            ("filing_lead_from", self.filing_lead_from.is_some()),
            ("first_day", self.first_day.is_some()),
            ("approval", !self.approval.is_empty()),
            ("general_licences", !self.general_licences.is_empty()),
            ("exempt_shares", !self.exempt_shares.is_empty()),
        ];
        for (key, _) in set.iter().filter(|(_, on)| *on) {
            cx.push(
                codes::INCONSISTENT,
                Some(key),
                format!("`{key}` applies only to mode = \"licence\""),
                Some("remove it, or set mode = \"licence\"".into()),
            );
        }
    }

    /// Review times: non-negative days, min ≤ mode (`delay_days`) ≤ max, and a first day
    /// inside a month.
    fn check_review(&self, cx: &mut Check<'_>) {
        for (key, v) in [
            ("review_min_days", self.review_min_days),
            ("review_max_days", self.review_max_days),
        ] {
            let Some(v) = v else { continue };
            cx.range(key, v, v >= 0.0, "review times are days from filing, ≥ 0");
            cx.at_most(key, v, limits::DAYS, "days");
            if self.delay_days.is_none() {
                let msg = format!("`{key}` needs `delay_days`, the most likely review time");
                let hint = "e.g. review_min_days = 30, delay_days = 63, review_max_days = 120";
                cx.push(codes::SCENARIO, Some(key), msg, Some(hint.into()));
            }
        }
        let mode = self.delay_days.unwrap_or(0.0);
        let lo = self.review_min_days.unwrap_or(mode);
        let hi = self.review_max_days.unwrap_or(mode);
        if self.delay_days.is_some() && !(lo <= mode && mode <= hi) {
            let key = if lo > mode {
                "review_min_days"
            } else {
                "review_max_days"
            };
            cx.push(
                codes::INCONSISTENT,
                Some(key),
                format!("review times out of order: min {lo} ≤ delay_days {mode} ≤ max {hi} fails"),
                Some("review_min_days ≤ delay_days ≤ review_max_days".into()),
            );
        }
        if let Some(v) = self.filing_lead_days {
            let why = "days before the export is due, ≥ 0";
            cx.range("filing_lead_days", v, v >= 0.0, why);
            cx.at_most("filing_lead_days", v, limits::DAYS, "days");
        }
        if let Some(m) = self.filing_lead_from
            && (m < self.start || self.end.is_some_and(|e| m > e))
        {
            cx.push(
                codes::DATE_ORDER,
                Some("filing_lead_from"),
                format!("filing_lead_from = {m} is outside the control's months"),
                Some("a month from `start` to `end`".into()),
            );
        }
        if let Some(d) = self.first_day {
            let ok = (1..=31).contains(&d);
            cx.range("first_day", f64::from(d), ok, "a day of the month, 1..=31");
        }
    }

    /// Approval steps: shares, known destinations and sectors, no two steps for the same
    /// destinations and end uses from the same month.
    fn check_approval(&self, cx: &mut Check<'_>) {
        for (i, a) in self.approval.iter().enumerate() {
            cx.share(&format!("approval[{i}].share"), a.share);
            for c in &a.destinations {
                cx.known(&format!("approval[{i}].destinations"), Id::Country, c);
            }
            for s in &a.end_uses {
                cx.known(&format!("approval[{i}].end_uses"), Id::Sector, s);
            }
            let twin = self.approval[..i].iter().position(|b| {
                b.from == a.from && b.destinations == a.destinations && b.end_uses == a.end_uses
            });
            if let Some(j) = twin {
                cx.push(
                    codes::INCONSISTENT,
                    Some(&format!("approval[{i}].from")),
                    format!(
                        "approval step {i} repeats step {j}: same `from`, destinations and end uses"
                    ),
                    Some("keep one share per month for the same destinations and end uses".into()),
                );
            }
        }
    }

    /// General licences: shares, known destinations, dates in order.
    fn check_general_licences(&self, cx: &mut Check<'_>) {
        for (i, g) in self.general_licences.iter().enumerate() {
            cx.share(&format!("general_licences[{i}].share"), g.share);
            for c in &g.destinations {
                cx.known(
                    &format!("general_licences[{i}].destinations"),
                    Id::Country,
                    c,
                );
            }
            if let Some(u) = g.until
                && u < g.from
            {
                cx.push(
                    codes::DATE_ORDER,
                    Some(&format!("general_licences[{i}].until")),
                    format!("general licence ends ({u}) before it starts ({})", g.from),
                    None,
                );
            }
        }
    }

    /// Exempt shares: controlled materials, shares in 0..1.
    fn check_exempt(&self, cx: &mut Check<'_>) {
        let covered = cx.ds.covered_materials(&self.materials, &self.elements);
        for (m, &v) in &self.exempt_shares {
            let key = format!("exempt_shares.{m}");
            cx.known(&key, Id::Material, m);
            cx.share(&key, v);
            let controlled = covered.iter().any(|&i| cx.ds.materials[i].id == *m);
            if cx.ids.of(Id::Material).contains(m) && !controlled {
                cx.push(
                    codes::INCONSISTENT,
                    Some(&key),
                    format!("`{m}` is not controlled by this event"),
                    Some("exempt shares are for controlled materials".into()),
                );
            }
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
        if let Some(m) = self.foreseen_months {
            cx.range("foreseen_months", m, m >= 0.0, "months from `start`, ≥ 0");
            cx.at_most("foreseen_months", m, limits::MONTHS, "months");
        }
        self.check_targets(cx);
        self.check_mode(cx);
        self.check_licence_only(cx);
        self.check_review(cx);
        self.check_approval(cx);
        self.check_general_licences(cx);
        self.check_exempt(cx);
        cx.dates(self.start, self.end);
    }

    fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    fn window(&self) -> Option<(Month, Option<Month>)> {
        Some((self.start, self.end))
    }
}
