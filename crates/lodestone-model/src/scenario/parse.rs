//! Reading scenario files: one file's TOML into raw values and located events
//! (`parse_one`), the `extends` chain from the child to its root, and the merge from the
//! root down to the child (`Scenario::parse`).

use super::spans::Spans;
use super::{
    DEFAULT_HORIZON, EVENT_KINDS, Event, EventSpec, MetricsSpec, Scenario, Uncertain, line_col,
};
use crate::diag::{Diagnostics, Location, codes, did_you_mean};
use crate::time::{Month, Step};
use serde::Deserialize;
use std::collections::BTreeMap;

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
    events: Vec<toml::Table>,
    #[serde(default)]
    uncertainty: Vec<Uncertain>,
    #[serde(default)]
    settings: toml::Table,
    metrics: Option<MetricsSpec>,
}

/// One file of an `extends` chain, parsed.
struct Parsed {
    file: String,
    raw: RawScenario,
    events: Vec<EventSpec>,
    spans: Spans,
}

/// Parse one scenario file (no `extends` resolution).
fn parse_one(file: &str, text: &str, d: &mut Diagnostics) -> Option<Parsed> {
    let mut raw: RawScenario = match toml::from_str(text) {
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
    let spans = Spans::parse(file, text);
    spans.check_finite(d);
    let events = std::mem::take(&mut raw.events)
        .into_iter()
        .enumerate()
        .filter_map(|(i, table)| event(&spans, i, table, d))
        .collect();
    for (k, u) in raw.uncertainty.iter_mut().enumerate() {
        let at = format!("uncertainty[{k}]");
        u.location = spans.loc(&at);
        u.keys = (spans.below(&at).into_iter())
            .map(|(key, (l, c))| (key, Location::new(file, l, c)))
            .collect();
    }
    Some(Parsed {
        file: file.to_string(),
        raw,
        events,
        spans,
    })
}

/// The `i`-th `[[events]]` table as a located event (`None`, with an error, if it does
/// not read as one).
fn event(
    spans: &Spans,
    i: usize,
    mut table: toml::Table,
    d: &mut Diagnostics,
) -> Option<EventSpec> {
    let at = format!("events[{i}]");
    let location = spans.loc(&at);
    let keys = spans.below(&at);
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
            let spec = EventSpec {
                event,
                source,
                note,
                location,
                keys,
            };
            if let Some(serde_json::Value::Object(map)) = known {
                for k in table
                    .keys()
                    .filter(|k| *k != "type" && !map.contains_key(*k))
                {
                    d.push(
                        codes::SCENARIO,
                        spec.loc(k),
                        format!("unknown field `{k}` in `{kind}` event"),
                        Some("check the event fields in scenarios/README.md".into()),
                    );
                }
            }
            Some(spec)
        }
        Err(e) => {
            let msg = format!("invalid `{kind}` event: {}", e.to_string().trim());
            let (key, hint) = if kind.is_empty() {
                (None, Some("every event needs `type = \"…\"`".into()))
            } else if !EVENT_KINDS.contains(&kind.as_str()) {
                let hint = did_you_mean(&kind, EVENT_KINDS.iter().copied())
                    .or_else(|| Some(format!("event types: {}", EVENT_KINDS.join(", "))));
                (Some("type".to_string()), hint)
            } else if e.to_string().contains("missing field") {
                (None, None)
            } else {
                (offending_key(&table), None)
            };
            let at = match key.and_then(|k| keys.get(&k)) {
                Some(&(l, c)) => Location::new(&location.file, l, c),
                None => location,
            };
            d.push(codes::SCENARIO, at, msg, hint);
            None
        }
    }
}

/// The field that makes an event fail to read (a wrong type, an unknown variant, a bad
/// month): serde's error for an internally tagged enum names no field, so each field is
/// tried without its value. The culprit is the field whose removal lets the event read
/// (an optional field), else the one whose removal only leaves it missing (a required
/// field; tried second because a flattened field's error comes after the missing-field
/// check). `None` when no single field is (two bad values). Not for a missing field,
/// which belongs at the event's header.
fn offending_key(table: &toml::Table) -> Option<String> {
    let without = |k: &str| {
        let mut t = table.clone();
        t.remove(k);
        Event::deserialize(toml::Value::Table(t)).map_err(|e| e.to_string())
    };
    let fields = || table.keys().filter(|k| *k != "type");
    fields().find(|k| without(k).is_ok()).cloned().or_else(|| {
        fields()
            .find(|k| without(k).is_err_and(|e| e.contains(&format!("missing field `{k}`"))))
            .cloned()
    })
}

/// A file's scenario name: its `name`, else its file stem.
fn name_of(file: &str, raw: &RawScenario) -> String {
    raw.name.clone().unwrap_or_else(|| stem(file))
}

fn stem(file: &str) -> String {
    file.rsplit('/')
        .next()
        .unwrap_or(file)
        .trim_end_matches(".toml")
        .to_string()
}

/// The files of an `extends` chain, child first. A parent already in the chain (by name
/// or by file) is a cycle; an unknown parent is an error at its `extends`.
fn chain(
    file: &str,
    text: &str,
    lookup: &dyn Fn(&str) -> Option<(String, String)>,
    d: &mut Diagnostics,
) -> Vec<Parsed> {
    let mut chain: Vec<Parsed> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let mut cur = Some((file.to_string(), text.to_string()));
    while let Some((f, t)) = cur.take() {
        let Some(p) = parse_one(&f, &t, d) else {
            break;
        };
        names.push(name_of(&f, &p.raw));
        if let Some(parent) = p.raw.extends.clone() {
            let at = p.spans.loc("extends");
            let next = lookup(&parent);
            let seen = |n: &(String, String)| chain.iter().any(|c| c.file == n.0) || n.0 == f;
            if names.contains(&parent) || next.as_ref().is_some_and(seen) {
                let msg = format!("`extends = \"{parent}\"` forms a cycle");
                d.push(codes::CYCLE, at, msg, None);
            } else if next.is_none() {
                let msg = format!("unknown scenario `{parent}` in `extends`");
                let hint = Some("run `lodestone scenarios` to list them".into());
                d.push(codes::UNKNOWN_ID, at, msg, hint);
            } else {
                cur = next;
            }
        }
        chain.push(p);
    }
    chain
}

impl Scenario {
    /// Parse a scenario, resolving `extends` through `lookup(name) -> (file, text)`.
    pub fn parse(
        file: &str,
        text: &str,
        lookup: &dyn Fn(&str) -> Option<(String, String)>,
    ) -> Result<Scenario, Diagnostics> {
        let mut d = Diagnostics::default();
        let chain = chain(file, text, lookup, &mut d);
        if !d.is_empty() {
            return Err(d);
        }
        let mut s = Scenario {
            name: String::new(),
            description: String::new(),
            dataset: "rare-earths".into(),
            horizon: DEFAULT_HORIZON,
            files: chain.iter().map(|c| c.file.clone()).collect(),
            overrides: BTreeMap::new(),
            events: Vec::new(),
            uncertainty: Vec::new(),
            settings: toml::Table::new(),
            metrics: MetricsSpec::default(),
            spans: BTreeMap::new(),
        };
        for p in chain.into_iter().rev() {
            s.merge(p);
        }
        if s.name.is_empty() {
            s.name = stem(file);
        }
        if s.horizon.end < s.horizon.start {
            d.push(
                codes::DATE_ORDER,
                s.loc("horizon.end"),
                format!(
                    "horizon ends ({}) before it starts ({})",
                    s.horizon.end, s.horizon.start
                ),
                None,
            );
        }
        if d.is_empty() { Ok(s) } else { Err(d) }
    }

    /// Merge one file over its ancestors: values it sets replace theirs, its overrides,
    /// settings, events and uncertainty add to theirs, its `[metrics]` replaces theirs.
    fn merge(&mut self, p: Parsed) {
        let (raw, spans) = (p.raw, p.spans);
        if let Some(n) = raw.name {
            self.name = n;
        }
        if let Some(x) = raw.description {
            self.description = x;
        }
        if let Some(x) = raw.dataset {
            self.dataset = x;
        }
        if let Some(h) = raw.horizon {
            self.horizon.start = h.start.unwrap_or(self.horizon.start);
            self.horizon.end = h.end.unwrap_or(self.horizon.end);
            self.horizon.step = h.step.unwrap_or(self.horizon.step);
        }
        for (table, ids) in raw.overrides {
            let t = self.overrides.entry(table).or_default();
            for (id, attrs) in ids {
                t.entry(id).or_default().extend(attrs);
            }
        }
        self.uncertainty.extend(raw.uncertainty);
        self.settings.extend(raw.settings);
        if let Some(m) = raw.metrics {
            self.metrics = m;
            self.spans.retain(|k, _| !k.starts_with("metrics"));
        }
        self.events.extend(p.events);
        for prefix in [
            "horizon",
            "overrides",
            "settings",
            "metrics",
            "extends",
            "dataset",
        ] {
            self.spans.extend(spans.locations_below(prefix));
        }
    }

    /// Where the value at a dotted path (`horizon.end`, `overrides.facilities.x.capacity`,
    /// `metrics.blocs[1]`) was written, in the file of the chain that set it last; the
    /// scenario's own file when no file writes it.
    pub fn loc(&self, path: &str) -> Location {
        self.spans
            .get(path)
            .cloned()
            .unwrap_or_else(|| Location::file(self.files.first().cloned().unwrap_or_default()))
    }
}
