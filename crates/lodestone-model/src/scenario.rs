//! Scenario files (TOML): parsing with `extends`, the horizon, `[metrics]`, and the dispatch
//! of validation and dataset changes to the levers (`levers`), overrides (`overrides`) and
//! `[[uncertainty]]` (`uncertainty`).

pub mod levers;
mod metrics;
mod overrides;
mod parse;
mod spans;
mod uncertainty;

pub use levers::{
    Capacity, ControlMode, DemandShock, Destinations, Disruption, EVENT_KINDS, Event, Expansion,
    ExportControl, Extraterritorial, Investment, NewFacility, Offtake, OfftakeDemand, PriceFloor,
    ProductionQuota, ReleaseRule, Stockpile, Substitution, Suspend, Target, Tariff, TechnologyBan,
};

use crate::dataset::Dataset;
use crate::diag::{Diagnostics, Location, codes};
use crate::time::{Month, Period, Step};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// 1-based (line, column) of a byte offset in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Simulation horizon.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct Horizon {
    /// First month.
    pub start: Month,
    /// Last month (inclusive).
    pub end: Month,
    /// Step length.
    #[serde(default)]
    pub step: Step,
}

/// What the policy metrics are computed for (`[metrics]` in a scenario).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct MetricsSpec {
    /// The supplier whose dependency is measured (default `CN`).
    #[serde(default)]
    pub supplier: Option<String>,
    /// Blocs (bloc ids from countries.csv, or country ids) for independence metrics.
    #[serde(default)]
    pub blocs: Vec<String>,
    /// Countries (or blocs) for dependency metrics (default: every market with demand).
    #[serde(default)]
    pub countries: Vec<String>,
    /// Platforms whose buildable count is computed from the defence allocation.
    #[serde(default)]
    pub platforms: Vec<PlatformSpec>,
}

/// A defence platform and its rare earth content.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PlatformSpec {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Rare earth content per platform, kg (element basis unless the note says otherwise).
    pub re_kg: f64,
    /// Country whose defence allocation builds it.
    pub country: String,
    /// Source of the intensity.
    #[serde(default)]
    pub source: Option<String>,
    /// Note (e.g. which definition of content).
    #[serde(default)]
    pub note: Option<String>,
}

/// A probability distribution of an uncertain parameter.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Dist {
    /// `min`, `max`.
    Uniform,
    /// `min`, `mode`, `max`.
    Triangular,
    /// `mean`, `sd`.
    Normal,
    /// `median`, `sigma` (of the log).
    Lognormal,
    /// `values`, optional `weights`.
    Discrete,
    /// `p`: 1 with probability p, else 0.
    Bernoulli,
}

/// One uncertain parameter (`[[uncertainty]]` in a scenario).
///
/// `param` paths: `facilities.<id>.start` (months of delay added), `facilities.<id>.capacity`
/// (multiplier on nameplate and steps), `facilities.<id>.ramp_months`,
/// `facilities.<id>.utilization` and `facilities.<id>.unit_cost` (values),
/// `routes.<from>.<to>.<material>.cost` (value, USD/t, of that row of routes.csv, written
/// as there: `*`, `kind:…`), `sectors.<id>.elasticity` and
/// `sectors.<id>.wtp_multiplier` (values), `demand.growth` (multiplier on growth above the
/// base year), `demand.level` (multiplier on every demand row), `settings.<name>` (value of
/// an engine constant, as in `[settings]`), `events.<id or index>.<field>` (value of a numeric event field;
/// `start` and `end` shift by whole months, and an end never moves before the start),
/// and `disruption` (a random outage: `facility` or `country`, yearly `probability`,
/// duration drawn from `dist`, `loss`). A facility or sector attribute that the scenario
/// overrides takes the sample too. `also` lists further paths that take the same draw.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Uncertain {
    /// What is uncertain.
    pub param: String,
    /// Its distribution (for `disruption`: of the duration in months).
    pub dist: Dist,
    /// Lower bound (uniform, triangular).
    #[serde(default)]
    pub min: Option<f64>,
    /// Upper bound (uniform, triangular).
    #[serde(default)]
    pub max: Option<f64>,
    /// Mode (triangular).
    #[serde(default)]
    pub mode: Option<f64>,
    /// Mean (normal).
    #[serde(default)]
    pub mean: Option<f64>,
    /// Standard deviation (normal).
    #[serde(default)]
    pub sd: Option<f64>,
    /// Median (lognormal).
    #[serde(default)]
    pub median: Option<f64>,
    /// Sigma of the log (lognormal).
    #[serde(default)]
    pub sigma: Option<f64>,
    /// Values (discrete).
    #[serde(default)]
    pub values: Vec<f64>,
    /// Weights (discrete; equal if absent).
    #[serde(default)]
    pub weights: Vec<f64>,
    /// Probability (bernoulli).
    #[serde(default)]
    pub p: Option<f64>,
    /// Disruption: facility hit.
    #[serde(default)]
    pub facility: Option<String>,
    /// Disruption: country hit.
    #[serde(default)]
    pub country: Option<String>,
    /// Disruption: chance per year of an outage starting.
    #[serde(default)]
    pub probability: Option<f64>,
    /// Disruption: share of capacity lost.
    #[serde(default)]
    pub loss: Option<f64>,
    /// Further parameter paths that take the same draw (one cause behind several
    /// parameters, e.g. a project's mine and refinery slipping together).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<String>,
    /// Source or reasoning for the range.
    #[serde(default)]
    pub source: Option<String>,
    /// Note.
    #[serde(default)]
    pub note: Option<String>,
    /// Where the entry was written (its `[[uncertainty]]` header).
    #[serde(skip)]
    pub location: Location,
    /// Where each of its keys' values was written.
    #[serde(skip)]
    pub keys: BTreeMap<String, Location>,
}

impl Uncertain {
    /// Where `key`'s value was written (the entry's header if it was not).
    pub fn loc(&self, key: &str) -> Location {
        self.keys
            .get(key)
            .cloned()
            .unwrap_or_else(|| self.location.clone())
    }
}

/// An event with its provenance.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EventSpec {
    /// The event.
    #[serde(flatten)]
    pub event: Event,
    /// Source id or citation for the event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Free note.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Where it was defined.
    #[serde(skip)]
    pub location: Location,
    /// Key → (line, col) of each field, for located errors.
    #[serde(skip)]
    pub keys: BTreeMap<String, (usize, usize)>,
}

impl EventSpec {
    fn loc(&self, key: &str) -> Location {
        match self.keys.get(key) {
            Some(&(l, c)) => Location::new(&self.location.file, l, c),
            None => self.location.clone(),
        }
    }
}

/// A fully resolved scenario (after `extends`).
#[derive(Debug, Clone, Serialize)]
pub struct Scenario {
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Dataset id.
    pub dataset: String,
    /// Horizon.
    pub horizon: Horizon,
    /// Chain of files, child first.
    pub files: Vec<String>,
    /// Attribute overrides: table → id → attribute → value.
    pub overrides: BTreeMap<String, BTreeMap<String, BTreeMap<String, toml::Value>>>,
    /// Events in order (parents' first).
    pub events: Vec<EventSpec>,
    /// Uncertain parameters (`[[uncertainty]]`), sampled by ensembles.
    pub uncertainty: Vec<Uncertain>,
    /// Raw `[settings]` table (engine settings).
    pub settings: toml::Table,
    /// Metrics to compute.
    pub metrics: MetricsSpec,
    /// Where each top-level value (horizon, overrides, settings, metrics, extends,
    /// dataset) was written, by dotted path (`Scenario::loc`).
    #[serde(skip)]
    pub spans: BTreeMap<String, Location>,
}

/// Default horizon of the baseline.
pub const DEFAULT_HORIZON: Horizon = Horizon {
    start: match Month::new(2024, 1) {
        Some(m) => m,
        None => unreachable!(),
    },
    end: match Month::new(2035, 12) {
        Some(m) => m,
        None => unreachable!(),
    },
    step: Step::Month,
};

impl Scenario {
    /// Check the scenario against a dataset: ids exist, values in range, dates in order.
    /// Each lever checks itself (`levers`); event ids must be unique.
    pub fn validate(&self, ds: &Dataset) -> Diagnostics {
        let mut d = Diagnostics::default();
        let ids = levers::Ids::new(ds, self);
        self.check_horizon(&mut d);
        self.check_event_ids(&mut d);
        for spec in &self.events {
            let mut cx = levers::Check {
                ds,
                sc: self,
                ids: &ids,
                spec,
                d: &mut d,
            };
            spec.event.lever().check(&mut cx);
        }
        self.validate_uncertainty(ds, &mut d);
        self.validate_overrides(&ids, &mut d);
        self.validate_metrics(ds, &mut d);
        d
    }

    /// The horizon lies within [`HORIZON_YEARS`] and is a whole number of steps (a
    /// 3-month horizon at `step = "year"` simulated a whole year; a 0001–9999 horizon ran
    /// for ever).
    fn check_horizon(&self, d: &mut Diagnostics) {
        let h = &self.horizon;
        let (first, last) = HORIZON_YEARS;
        if h.start.year() < first || h.end.year() > last {
            d.push(
                codes::OUT_OF_RANGE,
                self.loc(if h.start.year() < first { "horizon.start" } else { "horizon.end" }),
                format!(
                    "horizon {} → {} is out of range: from {first} at the earliest, to {last} at the latest",
                    h.start, h.end
                ),
                None,
            );
            return;
        }
        let months = h.end.months_since(h.start) + 1;
        let step = h.step.months();
        if months % step != 0 {
            let whole = (months / step).max(1) * step;
            let end = h.start.plus(whole - 1);
            let at = self.loc(if self.spans.contains_key("horizon.step") {
                "horizon.step"
            } else {
                "horizon.end"
            });
            d.push(
                codes::INCONSISTENT,
                at,
                format!(
                    "a horizon of {months} months is not a whole number of {step}-month steps: the last period would run past {}",
                    h.end
                ),
                Some(if months > step {
                    format!("end the horizon at {end} or {}, or use a finer step", end.plus(step))
                } else {
                    format!("end the horizon at {end} or later, or use a finer step")
                }),
            );
        }
    }

    /// Event ids are unique (`suspend` and `[[uncertainty]]` paths resolve them).
    fn check_event_ids(&self, d: &mut Diagnostics) {
        let mut seen_ids: Vec<&str> = Vec::new();
        for e in &self.events {
            if let Some(id) = e.event.label() {
                if seen_ids.contains(&id) {
                    d.push(
                        codes::DUPLICATE_ID,
                        e.loc("id"),
                        format!("event id `{id}` is used twice (in this file or a parent)"),
                        None,
                    );
                }
                seen_ids.push(id);
            }
        }
    }

    /// The dataset with this scenario's overrides and structural events applied
    /// (new facilities, enabled facilities, capacity steps), then the project pipeline
    /// (`dataset::pipeline::realise`: expected capacity and central slip, or a replicate's
    /// drawn outcome). Call after `validate` is clean.
    pub fn apply(&self, ds: &Dataset) -> Dataset {
        let mut ds = ds.clone();
        self.apply_overrides(&mut ds);
        for e in &self.events {
            e.event.lever().apply(&mut ds, e);
        }
        crate::dataset::pipeline::realise(&mut ds);
        ds
    }

    /// Whether a lever is in force in month `m`: inside its window and not suspended by a
    /// `suspend` event naming its id. A lever without a window is never in force.
    pub fn in_force(&self, lever: &dyn levers::Lever, m: Month) -> bool {
        let Some((start, end)) = lever.window() else {
            return false;
        };
        covers(start, end, m) && !self.suspended(lever.id(), m)
    }

    /// How many months of period `p` a lever is in force: a lever that starts or ends inside
    /// a quarter or a year acts for that share of it (step invariance).
    pub fn months_in_force(&self, lever: &dyn levers::Lever, p: &Period) -> i32 {
        (0..p.months)
            .filter(|&i| self.in_force(lever, p.start.plus(i)))
            .count() as i32
    }

    /// What a coarse step approximates in this scenario: every event whose window starts
    /// or ends inside a period of the horizon's step acts pro rata in that period (its share
    /// of months), which is exact for capacities and demand but an average for prices and
    /// trade caps (a tariff's cost, a licence's cap); empty for monthly steps.
    pub fn step_warnings(&self) -> Vec<String> {
        let months = self.horizon.step.months();
        if months <= 1 {
            return Vec::new();
        }
        let inside = |m: Month| m.months_since(self.horizon.start).rem_euclid(months) != 0;
        let mut out = Vec::new();
        for (k, e) in self.events.iter().enumerate() {
            let Some((start, end)) = e.event.lever().window() else {
                continue;
            };
            let name = e
                .event
                .label()
                .map_or(format!("#{}", k + 1), |l| format!("`{l}`"));
            let kind = e.event.kind();
            if inside(start) {
                out.push(format!(
                    "event {name} ({kind}) starts in {start}, inside a {months}-month period: it acts pro rata in that period (an average, not its month-by-month path); run with --step month to see the months"
                ));
            }
            if let Some(end) = end.filter(|e| inside(e.plus(1))) {
                out.push(format!(
                    "event {name} ({kind}) ends in {end}, inside a {months}-month period: it acts pro rata in that period"
                ));
            }
        }
        out
    }

    /// Events that start after the horizon ends, at their `start`: they do nothing in this
    /// run. A warning, not an error, and only for events of the file that sets the
    /// horizon's end or of its children: a child scenario that shortens its parent's
    /// horizon leaves the parent's later events outside it on purpose. Print with
    /// [`crate::diag::Diagnostic::warning`].
    pub fn horizon_warnings(&self) -> Diagnostics {
        let mut d = Diagnostics::default();
        let end = self.horizon.end;
        // `files` is child first; a file that sets no end inherits the root's default
        let depth = |file: &str| self.files.iter().position(|f| f == file);
        let end_depth = depth(&self.loc("horizon.end").file)
            .filter(|_| self.spans.contains_key("horizon.end"))
            .unwrap_or(self.files.len());
        for (k, e) in self.events.iter().enumerate() {
            if depth(&e.location.file).is_some_and(|i| i > end_depth) {
                continue;
            }
            let v = serde_json::to_value(&e.event).unwrap_or_default();
            let Some(start) = v
                .get("start")
                .and_then(|x| x.as_str())
                .and_then(Month::parse)
            else {
                continue;
            };
            if start > end {
                let name = e
                    .event
                    .label()
                    .map_or(format!("#{}", k + 1), |l| format!("`{l}`"));
                d.push(
                    codes::DATE_ORDER,
                    e.loc("start"),
                    format!(
                        "event {name} ({}) starts in {start}, after the horizon ends ({end}): it does nothing in this run",
                        e.event.kind()
                    ),
                    Some("check the year, or extend `[horizon] end`".into()),
                );
            }
        }
        d
    }

    /// Whether the event with id `id` is suspended in month `m` (events without an id
    /// cannot be).
    pub fn suspended(&self, id: Option<&str>, m: Month) -> bool {
        let Some(id) = id else {
            return false;
        };
        self.events.iter().any(
            |s| matches!(&s.event, Event::Suspend(x) if x.event == id && covers(x.start, x.end, m)),
        )
    }
}

/// The first and last calendar years a horizon may cover.
pub const HORIZON_YEARS: (i32, i32) = (1900, 2100);

/// Whether month `m` lies in `start..=end` (an open end when `end` is `None`).
pub fn covers(start: Month, end: Option<Month>, m: Month) -> bool {
    m >= start && end.is_none_or(|e| m <= e)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none(_: &str) -> Option<(String, String)> {
        None
    }

    #[test]
    fn parses_events_and_locates_unknown_fields() {
        let text = r#"
name = "t"
[horizon]
start = "2025-01"
end = "2026-12"

[[events]]
type = "disruption"
facility = "mt_weld"
start = "2025-03"
end = "2025-08"
loss = 1.0
source = "assumption_x"

[[events]]
type = "demand_shock"
sector = "wind"
start = "2025-01"
chnage = 0.1
"#;
        let e = Scenario::parse("s.toml", text, &none).unwrap_err();
        let s = e.to_string();
        assert!(s.contains("s.toml:15:1: error[E016]"), "{s}");

        let ok = text.replace("chnage", "change");
        let sc = Scenario::parse("s.toml", &ok, &none).unwrap();
        assert_eq!(sc.events.len(), 2);
        assert_eq!(sc.events[0].source.as_deref(), Some("assumption_x"));
        assert_eq!(sc.events[1].keys["change"], (19, 10));
        assert_eq!(sc.horizon.step, Step::Month);
    }

    #[test]
    fn unknown_field_in_event_is_located() {
        let text =
            "[[events]]\ntype = \"capacity\"\nfacility = \"x\"\nstart = \"2025-01\"\ncapcity = 3\n";
        let e = Scenario::parse("s.toml", text, &none).unwrap_err();
        assert!(
            e.to_string()
                .contains("s.toml:5:11: error[E016]: unknown field `capcity`"),
            "{e}"
        );
    }

    #[test]
    fn events_after_the_horizon_warn_unless_a_child_shortened_it() {
        let ev = |start: &str| {
            format!(
                "[[events]]\ntype = \"disruption\"\nfacility = \"x\"\nstart = \"{start}\"\nloss = 0.5\n"
            )
        };
        let parent = format!(
            "name = \"p\"\n[horizon]\nstart = \"2025-01\"\nend = \"2030-12\"\n{}",
            ev("2029-01")
        );
        let lookup = |n: &str| (n == "p").then(|| ("p.toml".to_string(), parent.clone()));
        // the child shortens the horizon: the parent's 2029 event is outside on purpose
        let child = "name = \"c\"\nextends = \"p\"\n[horizon]\nend = \"2027-12\"\n";
        let sc = Scenario::parse("c.toml", child, &lookup).unwrap();
        assert!(
            sc.horizon_warnings().is_empty(),
            "{}",
            sc.horizon_warnings()
        );
        // an event of the child after its own end is a mistake worth a warning
        let child = format!("{child}{}", ev("2028-03"));
        let sc = Scenario::parse("c.toml", &child, &lookup).unwrap();
        let w = sc.horizon_warnings();
        assert_eq!(w.len(), 1, "{w}");
        assert!(
            w.0[0]
                .warning()
                .starts_with("c.toml:8:9: warning[E011]: event #2 (disruption) starts in 2028-03"),
            "{}",
            w.0[0].warning()
        );
        // in the parent alone, its event inside its horizon gives none
        let sc = Scenario::parse("p.toml", &parent, &lookup).unwrap();
        assert!(sc.horizon_warnings().is_empty());
    }

    #[test]
    fn extends_merges_and_detects_cycles() {
        let base = "name = \"base\"\n[horizon]\nstart = \"2024-01\"\nend = \"2030-12\"\nstep = \"quarter\"\n";
        let lookup = |n: &str| match n {
            "base" => Some(("base.toml".to_string(), base.to_string())),
            "loop" => Some((
                "loop.toml".to_string(),
                "name = \"loop\"\nextends = \"child\"\n".to_string(),
            )),
            _ => None,
        };
        let child = "name = \"child\"\nextends = \"base\"\n[horizon]\nend = \"2028-12\"\n";
        let s = Scenario::parse("child.toml", child, &lookup).unwrap();
        assert_eq!(s.horizon.step, Step::Quarter);
        assert_eq!(s.horizon.end.to_string(), "2028-12");
        assert_eq!(s.files, ["child.toml", "base.toml"]);

        let cyc = "name = \"child\"\nextends = \"loop\"\n";
        let e = Scenario::parse("child.toml", cyc, &lookup).unwrap_err();
        assert!(e.to_string().contains("E013"), "{e}");
        let unknown = "extends = \"basline\"\n";
        let e = Scenario::parse("x.toml", unknown, &lookup).unwrap_err();
        assert!(
            e.to_string()
                .contains("x.toml:1:11: error[E008]: unknown scenario `basline`"),
            "{e}"
        );
    }

    #[test]
    fn a_file_that_extends_itself_under_another_name_is_a_cycle_not_a_runaway() {
        let me = "name = \"other-name\"\nextends = \"me\"\n";
        let lookup = |n: &str| (n == "me").then(|| ("me.toml".to_string(), me.to_string()));
        let e = Scenario::parse("me.toml", me, &lookup).unwrap_err();
        assert!(
            e.to_string()
                .contains("me.toml:2:11: error[E013]: `extends = \"me\"` forms a cycle"),
            "{e}"
        );
        // a horizon error points at the value, not at "end" inside a comment or a name
        let text =
            "name = \"dependent\"\n# the end\n[horizon]\nstart = \"2030-01\"\nend = \"2025-12\"\n";
        let e = Scenario::parse("h.toml", text, &none).unwrap_err();
        assert!(e.to_string().contains("h.toml:5:7: error[E011]"), "{e}");
    }

    #[test]
    fn syntax_errors_are_located() {
        let e = Scenario::parse("bad.toml", "name = \"x\"\n[horizon\n", &none).unwrap_err();
        assert!(e.to_string().starts_with("bad.toml:2:"), "{e}");
        let e = Scenario::parse("bad.toml", "[horizon]\nstart = \"2024-13\"\n", &none).unwrap_err();
        assert!(e.to_string().contains("bad.toml:2:9"), "{e}");
    }
}
