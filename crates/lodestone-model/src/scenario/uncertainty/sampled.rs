//! The limits of sampled values: every value an `[[uncertainty]]` distribution can draw
//! (its support, or mean ± 6 sd for the unbounded ones) must be one the model accepts
//! when written by hand — the lever limits (`levers::limits`), the table units' limits, a
//! lever's own checks for `events.<id>.<field>` — so that a uniform up to 1e308 is refused
//! at validation, not run.

use super::super::levers::{Check, Ids, limits};
use super::super::{Dist, Scenario, Uncertain};
use crate::dataset::Dataset;
use crate::diag::{Diagnostics, codes};

/// How far from the centre an unbounded draw is checked: beyond 6 sd a normal draw has a
/// probability of about 1e-9 per draw.
const SDS: f64 = 6.0;

impl Uncertain {
    /// The values a draw can take, `(lowest, highest)`: the support of a bounded
    /// distribution, mean ± 6 sd of a normal, median × e^(± 6 sigma) of a lognormal;
    /// `None` when a parameter is missing (reported with the distribution's checks).
    pub fn range(&self) -> Option<(f64, f64)> {
        match self.dist {
            Dist::Uniform | Dist::Triangular => self.min.zip(self.max),
            Dist::Discrete => self.values.iter().copied().fold(None, |acc, v| {
                Some(acc.map_or((v, v), |(a, b): (f64, f64)| (a.min(v), b.max(v))))
            }),
            Dist::Bernoulli => Some((0.0, 1.0)),
            Dist::Normal => self
                .mean
                .zip(self.sd)
                .map(|(m, s)| (m - SDS * s, m + SDS * s)),
            Dist::Lognormal => {
                let spread = |s: f64| (SDS * s).exp();
                self.median
                    .zip(self.sigma)
                    .map(|(m, s)| (m / spread(s), m * spread(s)))
            }
        }
    }

    /// The key that sets the end of [`Uncertain::range`] a check refused (`high`: its top):
    /// `max`/`min`, `values`, `p`; for a normal or lognormal its centre (`mean`, `median`)
    /// when `ok(centre)` fails too, else its spread (`sd`, `sigma`).
    pub fn range_key(&self, high: bool, ok: impl Fn(f64) -> bool) -> &'static str {
        match self.dist {
            Dist::Uniform | Dist::Triangular => {
                if high {
                    "max"
                } else {
                    "min"
                }
            }
            Dist::Discrete => "values",
            Dist::Bernoulli => "p",
            Dist::Normal => match self.mean.is_some_and(|m| !ok(m)) {
                true => "mean",
                false => "sd",
            },
            Dist::Lognormal => match self.median.is_some_and(|m| !ok(m)) {
                true => "median",
                false => "sigma",
            },
        }
    }
}

impl Scenario {
    /// Check the values `u` can draw for `path` (its `param` or an entry of `also`)
    /// against the limits of what the path sets, at the parameter that sets the refused
    /// end of its range (`max`, `sd`, …).
    pub(super) fn check_sampled(
        &self,
        ds: &Dataset,
        u: &Uncertain,
        path: &str,
        d: &mut Diagnostics,
    ) {
        let Some((lo, hi)) = u.range() else { return };
        let parts: Vec<&str> = path.split('.').collect();
        let limit = match parts.as_slice() {
            ["facilities", id, "capacity"] => {
                let cap = ds.facility(id).map_or(0.0, |f| {
                    f.steps
                        .iter()
                        .map(|s| s.capacity)
                        .fold(f.capacity, f64::max)
                });
                match cap > 0.0 {
                    true => Some((
                        limits::TONNES_PER_YEAR / cap,
                        "(a multiplier of its largest capacity, which it may raise to 1e9 t/yr at most)",
                    )),
                    false => Some((limits::MULTIPLE, "(a multiplier of its capacity)")),
                }
            }
            [_, _, "start"] | ["events", _, "end"] => {
                shift(u, (lo, hi), path, d);
                return;
            }
            ["facilities", _, "ramp_months"] => Some((limits::MONTHS, "months")),
            ["facilities", _, "unit_cost"] | ["routes", .., "cost"] => {
                Some((limits::USD_PER_T, "USD/t"))
            }
            ["sectors", _, "wtp_multiplier"] | ["demand", _] => {
                Some((limits::MULTIPLE, "× the written value"))
            }
            ["events", key, field] => {
                self.check_sampled_event(ds, u, (key, field), (lo, hi), d);
                return;
            }
            _ => None,
        };
        if let Some((max, unit)) = limit
            && hi > max
        {
            d.push(
                codes::OUT_OF_RANGE,
                u.loc(u.range_key(true, |x| x <= max)),
                format!("`{path}` can draw {hi:e}, out of range: at most {max:e} {unit}"),
                Some(
                    "check the distribution's parameters (the unit and the number of zeros)".into(),
                ),
            );
        }
    }

    /// An event field takes each end of the draws' range in turn; a problem the lever's
    /// own checks find then (and not with the written value) is the distribution's.
    fn check_sampled_event(
        &self,
        ds: &Dataset,
        u: &Uncertain,
        (key, field): (&str, &str),
        (lo, hi): (f64, f64),
        d: &mut Diagnostics,
    ) {
        let Some(i) = self.event_index(key) else {
            return;
        };
        let ids = Ids::new(ds, self);
        let check = |spec: &super::super::EventSpec| {
            let mut found = Diagnostics::default();
            let mut cx = Check {
                ds,
                sc: self,
                ids: &ids,
                spec,
                d: &mut found,
            };
            spec.event.lever().check(&mut cx);
            found.0.into_iter().map(|x| x.message).collect::<Vec<_>>()
        };
        let written = check(&self.events[i]);
        for (x, high) in [(lo.max(0.0), false), (hi.max(0.0), true)] {
            let mut v = serde_json::to_value(&self.events[i].event).unwrap_or_default();
            let Some(obj) = v.as_object_mut() else { return };
            obj.insert(field.into(), serde_json::json!(x));
            let Ok(event) = serde_json::from_value(v) else {
                continue;
            };
            let mut spec = self.events[i].clone();
            spec.event = event;
            if let Some(msg) = check(&spec).into_iter().find(|m| !written.contains(m)) {
                // the centre of a normal is blamed when the written value is refused too
                d.push(
                    codes::OUT_OF_RANGE,
                    u.loc(u.range_key(high, |_| written.is_empty())),
                    format!(
                        "`events.{key}.{field}` can draw {x:e}, which the event refuses: {msg}"
                    ),
                    Some("check the distribution's parameters".into()),
                );
                return;
            }
        }
    }
}

/// A shift of a date by a draw of whole months stays within [`limits::MONTHS`] either way.
fn shift(u: &Uncertain, (lo, hi): (f64, f64), path: &str, d: &mut Diagnostics) {
    let m = limits::MONTHS;
    if lo < -m || hi > m {
        let high = hi > m;
        let x = if high { hi } else { lo };
        d.push(
            codes::OUT_OF_RANGE,
            u.loc(u.range_key(high, |x| x.abs() <= m)),
            format!(
                "`{path}` can shift by {x:e} months, out of range: at most {m} months either way"
            ),
            Some("a shift is in months: check the distribution's parameters".into()),
        );
    }
}
