//! Scenario files (TOML): parsing with `extends`, the horizon, `[metrics]`, and the dispatch
//! of validation and dataset changes to the levers (`levers`), overrides (`overrides`) and
//! `[[uncertainty]]` (`uncertainty`).

pub mod levers;
mod numbers;
mod overrides;
mod uncertainty;

pub use levers::{
    Capacity, ControlMode, DemandShock, Destinations, Disruption, EVENT_KINDS, Event, Expansion,
    ExportControl, Extraterritorial, Investment, NewFacility, Offtake, PriceFloor, ProductionQuota,
    ReleaseRule, Stockpile, Substitution, Suspend, Target, Tariff, TechnologyBan,
};

use crate::dataset::Dataset;
use crate::diag::{Diagnostics, Location, codes, did_you_mean};
use crate::time::{Month, Step};
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
/// base year), `events.<id or index>.<field>` (value of a numeric event field;
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
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHorizon {
    start: Option<Month>,
    end: Option<Month>,
    step: Option<Step>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    name: Option<String>,
    description: Option<String>,
    dataset: Option<String>,
    extends: Option<String>,
    horizon: Option<RawHorizon>,
    #[serde(default)]
    overrides: BTreeMap<String, BTreeMap<String, BTreeMap<String, toml::Value>>>,
    #[serde(default)]
    events: Vec<toml::Spanned<toml::Table>>,
    #[serde(default)]
    uncertainty: Vec<Uncertain>,
    #[serde(default)]
    settings: toml::Table,
    metrics: Option<MetricsSpec>,
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

fn find_keys(text: &str, span: std::ops::Range<usize>) -> BTreeMap<String, (usize, usize)> {
    let mut keys = BTreeMap::new();
    let body = &text[span.start.min(text.len())..span.end.min(text.len())];
    let mut offset = span.start;
    for line in body.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if let Some(eq) = trimmed.find('=') {
            let key = trimmed[..eq].trim();
            if !key.is_empty() && !key.starts_with('#') && !key.starts_with('[') {
                let indent = line.len() - trimmed.len();
                let val_off = trimmed[eq + 1..].len() - trimmed[eq + 1..].trim_start().len();
                keys.entry(key.to_string())
                    .or_insert_with(|| line_col(text, offset + indent + eq + 1 + val_off));
            }
        }
        offset += line.len();
    }
    keys
}

/// Byte ranges of each `[[events]]` table: from its header to the next table header.
fn event_spans(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut spans: Vec<std::ops::Range<usize>> = Vec::new();
    let mut open: Option<usize> = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if t.starts_with('[') {
            if let Some(s) = open.take() {
                spans.push(s..offset);
            }
            if t.starts_with("[[events]]") {
                open = Some(offset);
            }
        }
        offset += line.len();
    }
    if let Some(s) = open {
        spans.push(s..text.len());
    }
    spans
}

/// Parse one scenario file (no `extends` resolution).
fn parse_one(file: &str, text: &str, d: &mut Diagnostics) -> Option<(RawScenario, Vec<EventSpec>)> {
    let raw: RawScenario = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            let (line, col) = e.span().map_or((0, 0), |s| line_col(text, s.start));
            d.push(
                codes::SYNTAX,
                Location::new(file, line, col),
                e.message().trim().to_string(),
                Some("see scenarios/README.md for the scenario format".into()),
            );
            return None;
        }
    };
    numbers::check_finite(file, text, d);
    let mut events = Vec::new();
    let spans = event_spans(text);
    for (i, sp) in raw.events.iter().enumerate() {
        let span = spans.get(i).cloned().unwrap_or_else(|| sp.span());
        let (line, col) = line_col(text, span.start);
        let location = Location::new(file, line, col);
        let keys = find_keys(text, span.clone());
        let mut table = sp.get_ref().clone();
        let take =
            |t: &mut toml::Table, k: &str| t.remove(k).and_then(|v| v.as_str().map(str::to_string));
        let source = take(&mut table, "source");
        let note = take(&mut table, "note");
        let kind = table
            .get("type")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string();
        match Event::deserialize(toml::Value::Table(table.clone())) {
            Ok(event) => {
                // serde's internally tagged enums ignore unknown fields: check them here
                let known = serde_json::to_value(&event).ok();
                let mut unknown = Vec::new();
                if let Some(serde_json::Value::Object(map)) = known {
                    for k in table.keys() {
                        if k != "type" && !map.contains_key(k) {
                            unknown.push(k.clone());
                        }
                    }
                }
                let spec = EventSpec {
                    event,
                    source,
                    note,
                    location: location.clone(),
                    keys,
                };
                for k in unknown {
                    d.push(
                        codes::SCENARIO,
                        spec.loc(&k),
                        format!("unknown field `{k}` in `{kind}` event"),
                        Some("check the event fields in scenarios/README.md".into()),
                    );
                }
                events.push(spec);
            }
            Err(e) => {
                let msg = e.to_string();
                let hint = if kind.is_empty() {
                    Some("every event needs `type = \"…\"`".into())
                } else if msg.contains("unknown variant") {
                    did_you_mean(&kind, EVENT_KINDS.iter().copied())
                        .or_else(|| Some(format!("event types: {}", EVENT_KINDS.join(", "))))
                } else {
                    None
                };
                d.push(
                    codes::SCENARIO,
                    location,
                    format!("invalid `{kind}` event: {}", msg.trim()),
                    hint,
                );
            }
        }
    }
    Some((raw, events))
}

impl Scenario {
    /// Parse a scenario, resolving `extends` through `lookup(name) -> (file, text)`.
    pub fn parse(
        file: &str,
        text: &str,
        lookup: &dyn Fn(&str) -> Option<(String, String)>,
    ) -> Result<Scenario, Diagnostics> {
        let mut d = Diagnostics::default();
        let mut chain: Vec<(String, RawScenario, Vec<EventSpec>)> = Vec::new();
        let mut cur = Some((file.to_string(), text.to_string()));
        let mut names = Vec::new();
        while let Some((f, t)) = cur.take() {
            let Some((raw, events)) = parse_one(&f, &t, &mut d) else {
                break;
            };
            names.push(raw.name.clone().unwrap_or_else(|| {
                f.rsplit('/')
                    .next()
                    .unwrap_or(&f)
                    .trim_end_matches(".toml")
                    .to_string()
            }));
            if let Some(parent) = raw.extends.clone() {
                if names.contains(&parent) {
                    let (l, c) = t.find("extends").map_or((0, 0), |o| line_col(&t, o));
                    d.push(
                        codes::CYCLE,
                        Location::new(&f, l, c),
                        format!("`extends = \"{parent}\"` forms a cycle"),
                        None,
                    );
                } else {
                    match lookup(&parent) {
                        Some(next) => cur = Some(next),
                        None => {
                            let (l, c) = t.find("extends").map_or((0, 0), |o| line_col(&t, o));
                            d.push(
                                codes::UNKNOWN_ID,
                                Location::new(&f, l, c),
                                format!("unknown scenario `{parent}` in `extends`"),
                                Some("run `lodestone scenarios` to list them".into()),
                            );
                        }
                    }
                }
            }
            chain.push((f, raw, events));
        }
        if !d.is_empty() {
            return Err(d);
        }
        // merge from the root ancestor down to the child
        let mut s = Scenario {
            name: String::new(),
            description: String::new(),
            dataset: "rare-earths".into(),
            horizon: DEFAULT_HORIZON,
            files: chain.iter().map(|c| c.0.clone()).collect(),
            overrides: BTreeMap::new(),
            events: Vec::new(),
            uncertainty: Vec::new(),
            settings: toml::Table::new(),
            metrics: MetricsSpec::default(),
        };
        for (_, raw, events) in chain.into_iter().rev() {
            if let Some(n) = raw.name {
                s.name = n;
            }
            if let Some(x) = raw.description {
                s.description = x;
            }
            if let Some(x) = raw.dataset {
                s.dataset = x;
            }
            if let Some(h) = raw.horizon {
                s.horizon.start = h.start.unwrap_or(s.horizon.start);
                s.horizon.end = h.end.unwrap_or(s.horizon.end);
                s.horizon.step = h.step.unwrap_or(s.horizon.step);
            }
            for (table, ids) in raw.overrides {
                let t = s.overrides.entry(table).or_default();
                for (id, attrs) in ids {
                    t.entry(id).or_default().extend(attrs);
                }
            }
            {
                s.uncertainty.extend(raw.uncertainty);
            }
            s.settings.extend(raw.settings);
            if let Some(m) = raw.metrics {
                s.metrics = m;
            }
            s.events.extend(events);
        }
        if s.name.is_empty() {
            s.name = file
                .rsplit('/')
                .next()
                .unwrap_or(file)
                .trim_end_matches(".toml")
                .to_string();
        }
        if s.horizon.end < s.horizon.start {
            let (l, c) = text.find("end").map_or((0, 0), |o| line_col(text, o));
            d.push(
                codes::DATE_ORDER,
                Location::new(file, l, c),
                format!(
                    "horizon ends ({}) before it starts ({})",
                    s.horizon.end, s.horizon.start
                ),
                None,
            );
        }
        if d.is_empty() { Ok(s) } else { Err(d) }
    }

    /// Check the scenario against a dataset: ids exist, values in range, dates in order.
    /// Each lever checks itself (`levers`); event ids must be unique.
    pub fn validate(&self, ds: &Dataset) -> Diagnostics {
        let mut d = Diagnostics::default();
        let ids = levers::Ids::new(ds, self);
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
        d
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
    /// (new facilities, enabled facilities, capacity steps). Call after `validate` is
    /// clean.
    pub fn apply(&self, ds: &Dataset) -> Dataset {
        let mut ds = ds.clone();
        self.apply_overrides(&mut ds);
        for e in &self.events {
            e.event.lever().apply(&mut ds, e);
        }
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
                .contains("x.toml:1:1: error[E008]: unknown scenario `basline`"),
            "{e}"
        );
    }

    #[test]
    fn syntax_errors_are_located() {
        let e = Scenario::parse("bad.toml", "name = \"x\"\n[horizon\n", &none).unwrap_err();
        assert!(e.to_string().starts_with("bad.toml:2:"), "{e}");
        let e = Scenario::parse("bad.toml", "[horizon]\nstart = \"2024-13\"\n", &none).unwrap_err();
        assert!(e.to_string().contains("bad.toml:2:9"), "{e}");
    }
}
