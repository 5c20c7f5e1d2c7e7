//! `--param PATH=LOW..HIGH`: parsing, the checks of a path and its range (every
//! `[settings]` constant and every path `[[uncertainty]]` accepts), and a parameter's value
//! as the scenario stands (the start of a fit).

use crate::settings::{self, Settings};
use lodestone_model::dataset::Dataset;
use lodestone_model::diag::{Diagnostic, Diagnostics, Location, codes, did_you_mean};
use lodestone_model::scenario::Scenario;
use serde::Serialize;

/// A parameter to fit: a path and the box it is searched in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Param {
    /// `settings.<name>` or a path `[[uncertainty]]` accepts.
    pub path: String,
    /// Lowest value searched.
    pub low: f64,
    /// Highest value searched.
    pub high: f64,
    /// The argument as written (`PATH=LOW..HIGH`), for messages.
    #[serde(skip)]
    pub arg: String,
}

/// The first segments of a parameter path.
const ROOTS: [&str; 6] = [
    "settings",
    "facilities",
    "sectors",
    "routes",
    "demand",
    "events",
];

/// Where a `--param` argument is: the argument itself, column `col` (1-based).
pub fn arg_location(arg: &str, col: usize) -> Location {
    Location::new(format!("--param {arg}"), 1, col)
}

fn diag(
    arg: &str,
    col: usize,
    code: &'static str,
    msg: String,
    hint: Option<String>,
) -> Diagnostic {
    Diagnostic {
        code,
        location: arg_location(arg, col),
        message: msg,
        hint,
    }
}

impl Param {
    /// Parse `PATH=LOW..HIGH` (finite numbers, LOW < HIGH).
    pub fn parse(arg: &str) -> Result<Param, Diagnostic> {
        let bad = |col: usize, code, msg: String, hint: &str| {
            Err(diag(arg, col, code, msg, Some(hint.to_string())))
        };
        let Some((path, range)) = arg.split_once('=') else {
            return bad(
                1,
                codes::BAD_VALUE,
                format!("`{arg}`: expected PATH=LOW..HIGH"),
                "e.g. --param settings.supply_slope=0.05..0.5",
            );
        };
        let at = path.len() + 2;
        let Some((lo, hi)) = range.split_once("..") else {
            return bad(
                at,
                codes::BAD_VALUE,
                format!("`{range}`: expected a range LOW..HIGH"),
                "e.g. 0.05..0.5",
            );
        };
        let num = |s: &str| s.trim().parse::<f64>().ok().filter(|x| x.is_finite());
        let (Some(low), Some(high)) = (num(lo), num(hi)) else {
            return bad(
                at,
                codes::BAD_VALUE,
                format!("`{range}`: LOW and HIGH must be finite numbers"),
                "e.g. 0.05..0.5",
            );
        };
        if low == high {
            return bad(
                at,
                codes::OUT_OF_RANGE,
                format!("`{range}` is an empty range: nothing to fit"),
                "give a range LOW..HIGH with LOW < HIGH, or set the value in the scenario",
            );
        }
        if low > high {
            return bad(
                at,
                codes::OUT_OF_RANGE,
                format!("`{range}` is inverted: LOW is above HIGH"),
                &format!("write {hi}..{lo}"),
            );
        }
        let path = path.trim().to_string();
        let arg = arg.to_string();
        Ok(Param {
            path,
            low,
            high,
            arg,
        })
    }

    /// Column of the range in the argument (for range diagnostics).
    fn range_col(&self) -> usize {
        self.arg.find('=').map_or(1, |i| i + 2)
    }
}

/// Every problem of the parameters against the dataset and scenario: unknown paths (with a
/// did-you-mean), duplicates, and ranges outside a setting's or attribute's domain.
pub fn check(ds: &Dataset, sc: &Scenario, params: &[Param]) -> Diagnostics {
    let mut d = Diagnostics::default();
    for (i, p) in params.iter().enumerate() {
        if params[..i].iter().any(|q| q.path == p.path) {
            let msg = format!("`{}` is given twice", p.path);
            d.0.push(diag(&p.arg, 1, codes::DUPLICATE_ID, msg, None));
            continue;
        }
        let root = p.path.split('.').next().unwrap_or("");
        if !ROOTS.contains(&root) {
            let hint = did_you_mean(root, ROOTS).or_else(|| {
                Some(format!(
                    "paths start with {} (see `[[uncertainty]]` in scenarios/README.md)",
                    ROOTS.join(", ")
                ))
            });
            let msg = format!("unknown parameter path `{}`", p.path);
            d.0.push(diag(&p.arg, 1, codes::UNKNOWN_ID, msg, hint));
        } else if let Some(name) = p.path.strip_prefix("settings.") {
            check_setting(p, name, &mut d);
        } else {
            let mut found = sc.check_parameter(ds, &p.path, &arg_location(&p.arg, 1));
            let last = p.path.rsplit('.').next().unwrap_or("");
            for f in found.0.iter_mut().filter(|f| f.hint.is_none()) {
                f.hint = did_you_mean(last, ATTRIBUTES);
            }
            if found.is_empty() {
                check_domain(p, path_domain(&p.path), &mut d);
            }
            if found.is_empty() && d.is_empty() {
                found = limit_problems(ds, sc, p);
            }
            d.extend(found);
        }
    }
    d
}

/// A `settings.<name>` parameter: a numeric setting, its range inside its domain.
fn check_setting(p: &Param, name: &str, d: &mut Diagnostics) {
    match settings::domain(name) {
        Some((lo, hi, what)) => check_domain(p, Some((lo, hi, what)), d),
        None if Settings::is_flag(name) => {
            let msg = format!("setting `{name}` is true or false: it cannot be fitted");
            d.0.push(diag(&p.arg, 10, codes::BAD_VALUE, msg, None));
        }
        None => {
            let hint = did_you_mean(name, settings::numeric_names()).or_else(|| {
                let names: Vec<&str> = settings::numeric_names().collect();
                Some(format!("numeric settings: {}", names.join(", ")))
            });
            let msg = format!("unknown numeric setting `{name}`");
            d.0.push(diag(&p.arg, 10, codes::UNKNOWN_ID, msg, hint));
        }
    }
}

fn check_domain(p: &Param, domain: Option<(f64, f64, &str)>, d: &mut Diagnostics) {
    if let Some((lo, hi, what)) = domain
        && (p.low < lo || p.high > hi)
    {
        let (bounds, within) = if hi == f64::MAX {
            (format!("at least {lo}"), format!("{lo} or above"))
        } else {
            (
                format!("at least {lo}, at most {hi}"),
                format!("within {lo}..{hi}"),
            )
        };
        let msg = format!(
            "`{}` = {}..{} is outside its domain: {bounds}",
            p.path, p.low, p.high
        );
        let hint = Some(format!("{what}; search {within}"));
        d.0.push(diag(&p.arg, p.range_col(), codes::OUT_OF_RANGE, msg, hint));
    }
}

/// A range inside its domain must still hold only values `[[uncertainty]]` may draw for
/// the path (capacities up to 1e9 t/yr, shifts and ramps up to 1200 months, costs up to
/// 1e9 USD/t, an event field its lever accepts): located at the range, with its bound.
fn limit_problems(ds: &Dataset, sc: &Scenario, p: &Param) -> Diagnostics {
    let loc = arg_location(&p.arg, p.range_col());
    let mut found = sc.check_parameter_range(ds, &p.path, (p.low, p.high), &loc);
    for f in &mut found.0 {
        f.code = codes::OUT_OF_RANGE;
        let written = p.arg.split_once('=').map_or("", |(_, r)| r.trim());
        let range = format!("= {written}");
        f.message = (f.message.replace("can draw", &format!("{range} reaches")))
            .replace("can shift by", &format!("{range} shifts by"));
        f.hint = Some("narrow the range to values the model accepts (see the limit above)".into());
    }
    found
}

/// The domain of a dataset or scenario path's value, where it has one (what `apply` would
/// otherwise clamp silently).
fn path_domain(path: &str) -> Option<(f64, f64, &'static str)> {
    let parts: Vec<&str> = path.split('.').collect();
    match parts.as_slice() {
        [.., "start"] | [.., "end"] => None,
        ["facilities", _, "utilization"] => Some((0.0, 1.0, "a share of capacity")),
        ["facilities", _, "capacity"] => Some((0.0, 1e3, "a multiplier on the nameplate")),
        ["events", _, f] if SHARES.contains(f) => Some((0.0, 1.0, "a share")),
        _ => Some((0.0, f64::MAX, "a value that cannot be negative")),
    }
}

/// The attributes of dataset rows that parameter paths end in (for did-you-mean hints).
const ATTRIBUTES: [&str; 8] = [
    "start",
    "capacity",
    "ramp_months",
    "utilization",
    "unit_cost",
    "elasticity",
    "wtp_multiplier",
    "cost",
];

/// Event fields that are shares (`ensemble::apply` keeps them in 0..1).
const SHARES: [&str; 6] = [
    "approval_share",
    "loss",
    "max_share",
    "delay_probability",
    "utilization_factor",
    "yield_factor",
];

/// The value of a parameter as the scenario stands, in the units `ensemble::apply` takes:
/// the setting, the attribute (after the scenario's overrides), the event's field; 1 for a
/// capacity multiplier; 0 for a shift of months.
pub fn start_value(ds: &Dataset, sc: &Scenario, path: &str) -> f64 {
    let parts: Vec<&str> = path.split('.').collect();
    let num = |v: &toml::Value| v.as_float().or_else(|| v.as_integer().map(|i| i as f64));
    let over = |table: &str, id: &str, attr: &str| {
        sc.overrides
            .get(table)
            .and_then(|t| t.get(id))
            .and_then(|kv| kv.get(attr))
            .and_then(num)
    };
    match parts.as_slice() {
        ["settings", name] => setting(sc, name),
        ["demand", "growth"] => setting(sc, "demand_growth_scale"),
        [_, _, "start" | "end"] => 0.0,
        ["facilities", _, "capacity"] => 1.0,
        ["facilities", id, attr] => over("facilities", id, attr).unwrap_or_else(|| {
            ds.facility(id).map_or(0.0, |f| match *attr {
                "ramp_months" => f.ramp_months,
                "utilization" => f.utilization,
                _ => f.unit_cost,
            })
        }),
        ["sectors", id, attr] => over("sectors", id, attr).unwrap_or_else(|| {
            let s = ds.sectors.iter().find(|s| s.id == *id);
            s.map_or(0.0, |s| match *attr {
                "elasticity" => s.elasticity,
                _ => s.wtp_multiplier,
            })
        }),
        ["routes", from, to, material, _] => ds
            .routes
            .iter()
            .find(|r| r.from == *from && r.to == *to && r.material == *material)
            .map_or(0.0, |r| r.cost),
        ["events", key, field] => sc
            .event_index(key)
            .and_then(|i| serde_json::to_value(&sc.events[i].event).ok())
            .and_then(|v| v.get(*field).and_then(serde_json::Value::as_f64))
            .unwrap_or(0.0),
        _ => 0.0,
    }
}

/// A numeric setting as the scenario sets it, else its default.
fn setting(sc: &Scenario, name: &str) -> f64 {
    let num = |v: &toml::Value| v.as_float().or_else(|| v.as_integer().map(|i| i as f64));
    sc.settings.get(name).and_then(num).unwrap_or_else(|| {
        let defaults = toml::Table::try_from(Settings::default()).unwrap_or_default();
        defaults.get(name).and_then(num).unwrap_or(0.0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_parsed_and_bad_ones_refused_at_the_range() {
        let p = Param::parse("settings.supply_slope=0.05..0.5").unwrap();
        assert_eq!(
            (p.path.as_str(), p.low, p.high),
            ("settings.supply_slope", 0.05, 0.5)
        );
        let p = Param::parse("events.x.start=-3..6").unwrap();
        assert_eq!((p.low, p.high), (-3.0, 6.0));
        let e = Param::parse("settings.supply_slope=0.5..0.5").unwrap_err();
        assert_eq!((e.code, e.location.column), (codes::OUT_OF_RANGE, 23));
        assert!(e.message.contains("empty range"), "{e}");
        let e = Param::parse("settings.supply_slope=0.5..0.1").unwrap_err();
        assert!(e.message.contains("inverted") && e.to_string().contains("write 0.1..0.5"));
        let e = Param::parse("settings.supply_slope").unwrap_err();
        assert!(e.to_string().contains("expected PATH=LOW..HIGH"), "{e}");
        let e = Param::parse("x=a..1").unwrap_err();
        assert!(e.to_string().contains("finite numbers"), "{e}");
        let e = Param::parse("x=1..inf").unwrap_err();
        assert!(e.to_string().contains("finite numbers"), "{e}");
    }
}
