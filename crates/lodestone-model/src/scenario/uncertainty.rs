//! `[[uncertainty]]`: checks of the distributions and parameter paths that ensembles sample.

use super::{Dist, Event, Scenario};
use crate::dataset::Dataset;
use crate::diag::{Diagnostics, Location, codes, did_you_mean};
use crate::time::Month;

mod sampled;

impl Scenario {
    /// Resolve `events.<id or index>` to an event index.
    pub fn event_index(&self, key: &str) -> Option<usize> {
        if let Ok(i) = key.parse::<usize>() {
            return (i < self.events.len()).then_some(i);
        }
        self.events
            .iter()
            .position(|e| e.event.label() == Some(key))
    }

    pub(super) fn validate_uncertainty(&self, ds: &Dataset, d: &mut Diagnostics) {
        for (k, u) in self.uncertainty.iter().enumerate() {
            let what = format!("[[uncertainty]] #{} (`{}`)", k + 1, u.param);
            let said = |x: &Option<String>| x.as_deref().is_some_and(|t| !t.trim().is_empty());
            if !said(&u.source) && !said(&u.note) {
                d.push(
                    codes::SOURCE,
                    u.location.clone(),
                    format!("{what} has neither `source` nor `note`"),
                    Some("say where the range comes from: `source = \"<id of sources.csv>\"`, or `note = \"assumption: …\"` with the reasoning".into()),
                );
            }
            if let Some((key, msg)) = dist_problem(u) {
                d.push(codes::SCENARIO, u.loc(key), format!("{what}: {msg}"), None);
            }
            if u.param == "disruption" {
                check_random_outage(ds, u, &what, d);
                continue;
            }
            let support = support(u);
            let param = std::iter::once((&u.param, u.loc("param")));
            for (path, at) in param.chain(
                u.also
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (p, u.loc(&format!("also[{i}]")))),
            ) {
                self.check_param_path(ds, d, &at, &what, path, support);
                self.check_sampled(ds, u, path, d);
            }
        }
    }

    /// The problems of one parameter path as `[[uncertainty]]` addresses it
    /// (`facilities.<id>.capacity`, `events.<id>.<field>`, …), located at `loc`: the check
    /// `calibrate` runs on each `--param`, so both accept the same paths.
    pub fn check_parameter(&self, ds: &Dataset, path: &str, loc: &Location) -> Diagnostics {
        let mut d = Diagnostics::default();
        self.check_param_path(ds, &mut d, loc, "parameter", path, None);
        d
    }

    /// The problems of a range of values searched for `path` (`calibrate --param
    /// PATH=LOW..HIGH`), located at `loc`: every value in it must be one a
    /// `[[uncertainty]]` draw may take (the same limits, as for a uniform on the range),
    /// and a shifted `start` or `end` must not cross the event's other end. Call after
    /// [`Scenario::check_parameter`] found nothing.
    pub fn check_parameter_range(
        &self,
        ds: &Dataset,
        path: &str,
        (low, high): (f64, f64),
        loc: &Location,
    ) -> Diagnostics {
        let mut d = Diagnostics::default();
        self.check_param_path(ds, &mut d, loc, "parameter", path, Some((low, high)));
        let uniform = super::Uncertain {
            param: path.to_string(),
            dist: Dist::Uniform,
            min: Some(low),
            max: Some(high),
            mode: None,
            mean: None,
            sd: None,
            median: None,
            sigma: None,
            values: Vec::new(),
            weights: Vec::new(),
            p: None,
            facility: None,
            country: None,
            probability: None,
            loss: None,
            also: Vec::new(),
            source: None,
            note: None,
            location: loc.clone(),
            keys: Default::default(),
        };
        self.check_sampled(ds, &uniform, path, &mut d);
        d
    }

    /// Check one `[[uncertainty]]` parameter path (`param` or an entry of `also`).
    fn check_param_path(
        &self,
        ds: &Dataset,
        d: &mut Diagnostics,
        loc: &Location,
        what: &str,
        path: &str,
        support: Option<(f64, f64)>,
    ) {
        let need = |d: &mut Diagnostics, ok: bool, msg: &str| {
            if !ok {
                d.push(
                    codes::SCENARIO,
                    loc.clone(),
                    format!("{what}: `{path}`: {msg}"),
                    None,
                );
            }
        };
        let parts: Vec<&str> = path.split('.').collect();
        match parts.as_slice() {
            ["facilities", id, attr] => {
                if ds.facility(id).is_none()
                    && !self
                        .events
                        .iter()
                        .any(|e| matches!(&e.event, Event::NewFacility(x) if x.id == *id))
                {
                    d.push(
                        codes::UNKNOWN_ID,
                        loc.clone(),
                        format!("{what}: unknown facility `{id}`"),
                        did_you_mean(id, ds.facilities.iter().map(|f| f.id.as_str())),
                    );
                }
                need(
                    d,
                    [
                        "start",
                        "capacity",
                        "ramp_months",
                        "utilization",
                        "unit_cost",
                    ]
                    .contains(attr),
                    "facility attributes: start, capacity, ramp_months, utilization, unit_cost",
                );
            }
            ["routes", from, to, material, attr] => {
                need(
                    d,
                    ds.routes
                        .iter()
                        .any(|r| r.from == *from && r.to == *to && r.material == *material),
                    "no such row in routes.csv (from, to and material as written there)",
                );
                need(d, *attr == "cost", "route attributes: cost");
            }
            ["sectors", id, attr] => {
                if !ds.sectors.iter().any(|s| s.id == *id) {
                    d.push(
                        codes::UNKNOWN_ID,
                        loc.clone(),
                        format!("{what}: unknown sector `{id}`"),
                        did_you_mean(id, ds.sectors.iter().map(|s| s.id.as_str())),
                    );
                }
                need(
                    d,
                    ["elasticity", "wtp_multiplier"].contains(attr),
                    "sector attributes: elasticity, wtp_multiplier",
                );
            }
            ["demand", "growth" | "level"] => {}
            // a `[settings]` constant: its name and range are checked with the run's settings
            ["settings", _] => {}
            ["events", key, field] => match self.event_index(key) {
                None => d.push(
                    codes::UNKNOWN_ID,
                    loc.clone(),
                    format!("{what}: no event `{key}`"),
                    Some("use an event's `id` or its 0-based position".into()),
                ),
                Some(i) => {
                    let v = serde_json::to_value(&self.events[i].event).unwrap_or_default();
                    let month = |k: &str| v.get(k).and_then(|x| x.as_str()).and_then(Month::parse);
                    let (start, end) = (month("start"), month("end"));
                    match *field {
                        "start" => {
                            if let (Some(s), Some(e), Some((_, hi))) = (start, end, support) {
                                need(
                                    d,
                                    s.plus(hi.round() as i32) <= e,
                                    &format!(
                                        "a shift of up to {hi} months moves `start` past the event's end ({e})"
                                    ),
                                );
                            }
                        }
                        "end" => {
                            need(
                                d,
                                end.is_some(),
                                &format!("event `{key}` has no `end` to shift"),
                            );
                            if let (Some(s), Some(e), Some((lo, _))) = (start, end, support) {
                                need(
                                    d,
                                    e.plus(lo.round() as i32) >= s,
                                    &format!(
                                        "a shift of {lo} months moves `end` before the event's start ({s})"
                                    ),
                                );
                            }
                        }
                        f => need(
                            d,
                            v.get(f).is_some_and(|x| x.is_number()),
                            &format!("event `{key}` has no numeric field `{f}`"),
                        ),
                    }
                }
            },
            _ => need(
                d,
                false,
                "unknown parameter path (see `[[uncertainty]]` in scenarios/README.md)",
            ),
        }
    }
}

/// The first problem of a distribution's parameters, with the key it is located at: the
/// offending parameter (`max` of a uniform below its `min`, a negative `sd`, `p` above 1,
/// `weights` of the wrong length), or `dist` when a parameter is missing.
fn dist_problem(u: &super::Uncertain) -> Option<(&'static str, &'static str)> {
    let missing = |keys: &[Option<f64>]| keys.iter().any(Option::is_none);
    match u.dist {
        Dist::Uniform => match (u.min, u.max) {
            (Some(a), Some(b)) if a > b => Some(("max", "uniform needs min ≤ max")),
            (Some(_), Some(_)) => None,
            _ => Some(("dist", "uniform needs min and max (min ≤ max)")),
        },
        Dist::Triangular => match (u.min, u.mode, u.max) {
            _ if missing(&[u.min, u.mode, u.max]) => Some((
                "dist",
                "triangular needs min, mode and max (min ≤ mode ≤ max, min < max)",
            )),
            (Some(a), Some(m), _) if m < a => Some(("mode", "triangular needs min ≤ mode")),
            (Some(a), Some(m), Some(b)) if b < m || a >= b => {
                Some(("max", "triangular needs mode ≤ max with min < max"))
            }
            _ => None,
        },
        Dist::Normal => match (u.mean, u.sd) {
            (Some(_), Some(s)) if s < 0.0 => Some(("sd", "normal needs sd ≥ 0")),
            (Some(_), Some(_)) => None,
            _ => Some(("dist", "normal needs mean and sd (sd ≥ 0)")),
        },
        Dist::Lognormal => match (u.median, u.sigma) {
            (Some(m), Some(_)) if m <= 0.0 => Some(("median", "lognormal needs median > 0")),
            (Some(_), Some(s)) if s < 0.0 => Some(("sigma", "lognormal needs sigma ≥ 0")),
            (Some(_), Some(_)) => None,
            _ => Some(("dist", "lognormal needs median > 0 and sigma ≥ 0")),
        },
        Dist::Discrete => {
            let w = &u.weights;
            if u.values.is_empty() {
                Some(("dist", "discrete needs values"))
            } else if !w.is_empty() && w.len() != u.values.len() {
                Some(("weights", "discrete needs as many weights as values"))
            } else if !w.is_empty() && (w.iter().any(|x| *x < 0.0) || w.iter().sum::<f64>() <= 0.0)
            {
                Some((
                    "weights",
                    "discrete weights must be ≥ 0 with a positive sum",
                ))
            } else {
                None
            }
        }
        Dist::Bernoulli => match u.p {
            Some(p) if (0.0..=1.0).contains(&p) => None,
            Some(_) => Some(("p", "bernoulli needs p in 0..1")),
            None => Some(("dist", "bernoulli needs p in 0..1")),
        },
    }
}

/// The bounds of a draw where it has them (to check shifted dates).
fn support(u: &super::Uncertain) -> Option<(f64, f64)> {
    match u.dist {
        Dist::Uniform | Dist::Triangular => u.min.zip(u.max),
        Dist::Discrete => u.values.iter().copied().fold(None, |acc, v| {
            Some(acc.map_or((v, v), |(a, b): (f64, f64)| (a.min(v), b.max(v))))
        }),
        Dist::Bernoulli => Some((0.0, 1.0)),
        Dist::Normal | Dist::Lognormal => None,
    }
}

/// A random outage (`param = "disruption"`): a known facility or country, a yearly
/// `probability` and a `loss` in 0..1 (each located at its key), no `also`.
fn check_random_outage(ds: &Dataset, u: &super::Uncertain, what: &str, d: &mut Diagnostics) {
    let need = |d: &mut Diagnostics, ok: bool, key: &str, msg: &str| {
        if !ok {
            d.push(codes::SCENARIO, u.loc(key), format!("{what}: {msg}"), None);
        }
    };
    match (&u.facility, &u.country) {
        (Some(f), _) if ds.facility(f).is_none() => d.push(
            codes::UNKNOWN_ID,
            u.loc("facility"),
            format!("{what}: unknown facility `{f}`"),
            did_you_mean(f, ds.facilities.iter().map(|x| x.id.as_str())),
        ),
        (None, Some(c)) if ds.country(c).is_none() => d.push(
            codes::UNKNOWN_ID,
            u.loc("country"),
            format!("{what}: unknown country `{c}`"),
            did_you_mean(c, ds.countries.iter().map(|x| x.id.as_str())),
        ),
        (None, None) => need(
            d,
            false,
            "param",
            "a disruption needs `facility` or `country`",
        ),
        _ => {}
    }
    need(
        d,
        u.probability.is_some_and(|p| (0.0..=1.0).contains(&p)),
        "probability",
        "a disruption needs `probability` (per year) in 0..1",
    );
    need(
        d,
        u.loss.is_none_or(|l| (0.0..=1.0).contains(&l)),
        "loss",
        "`loss` must be in 0..1",
    );
    need(
        d,
        u.also.is_empty(),
        "also",
        "a disruption cannot share its draw (`also`)",
    );
}
