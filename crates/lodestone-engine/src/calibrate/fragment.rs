//! `calibrate --write`: a fit as a scenario fragment — `[settings]` keys and
//! `[overrides.<table>.<id>]` attributes in the scenario's own form, under a comment block
//! that is the fit's source row (targets, dataset and scenario, seed, runs, objective,
//! residuals).

use super::Calibration;
use lodestone_model::dataset::Dataset;
use lodestone_model::scenario::Scenario;
use lodestone_model::time::Month;
use std::collections::BTreeMap;
use std::fmt::Write;

/// A number with six significant digits, always with a decimal point or exponent (so TOML
/// reads a float).
fn num(x: f64) -> String {
    if x != 0.0 && !(1e-3..1e9).contains(&x.abs()) {
        return format!("{x:.5e}");
    }
    let s = format!("{x:.5e}").parse::<f64>().unwrap_or(x).to_string();
    if s.contains(['.', 'e', 'E']) || s.contains("inf") || s.contains("NaN") {
        s
    } else {
        format!("{s}.0")
    }
}

/// Where a fitted value goes in a scenario: (table header, key, value), or a comment for
/// what a scenario cannot set (a routes.csv row, an event's field).
enum Place {
    Key(String, String, String),
    Comment(String),
}

fn place(ds: &Dataset, sc: &Scenario, path: &str, v: f64) -> Place {
    let parts: Vec<&str> = path.split('.').collect();
    let key = |t: &str, k: &str, val: String| Place::Key(t.into(), k.into(), val);
    let over = |id: &str, attr: &str| {
        sc.overrides
            .get("facilities")
            .and_then(|t| t.get(id))
            .and_then(|kv| kv.get(attr))
            .cloned()
    };
    match parts.as_slice() {
        ["settings", name] => key("settings", name, num(v)),
        ["demand", "growth"] => key("settings", "demand_growth_scale", num(v)),
        ["facilities", id, "capacity"] => {
            let base = over(id, "capacity")
                .and_then(|x| x.as_float().or_else(|| x.as_integer().map(|i| i as f64)))
                .or_else(|| ds.facility(id).map(|f| f.capacity))
                .unwrap_or(0.0);
            let t = format!("overrides.facilities.{id}");
            key(
                &t,
                "capacity",
                format!(
                    "{}  # {} × nameplate; capacity steps are not scaled by an override",
                    num(base * v),
                    num(v)
                ),
            )
        }
        ["facilities", id, "start"] => {
            let base = over(id, "start")
                .and_then(|x| x.as_str().and_then(Month::parse))
                .or_else(|| ds.facility(id).map(|f| f.start));
            match base {
                Some(m) => {
                    let t = format!("overrides.facilities.{id}");
                    let shifted = m.plus(v.round() as i32);
                    key(
                        &t,
                        "start",
                        format!(
                            "\"{shifted}\"  # {} months; capacity steps are not shifted by an override",
                            v.round()
                        ),
                    )
                }
                None => Place::Comment(format!("{path}: shift the start by {} months", v.round())),
            }
        }
        [table @ ("facilities" | "sectors"), id, attr] => {
            key(&format!("overrides.{table}.{id}"), attr, num(v))
        }
        ["routes", from, to, material, _] => Place::Comment(format!(
            "routes.csv row ({from}, {to}, {material}): cost = {} (a scenario cannot override a route; edit the row)",
            num(v)
        )),
        _ => Place::Comment(format!(
            "{path} = {} (set it on the event in the scenario file)",
            num(v)
        )),
    }
}

/// The fragment of a fit.
pub fn fragment(c: &Calibration, ds: &Dataset, sc: &Scenario) -> String {
    let mut out = String::new();
    let targets: Vec<&str> = c.residuals.iter().map(|r| r.target.as_str()).collect();
    let residuals: Vec<String> = (c.residuals.iter())
        .map(|r| format!("{} {} → {}", r.target, num(r.before), num(r.after)))
        .collect();
    let ranges: Vec<String> = (c.parameters.iter())
        .map(|p| {
            format!(
                "{} in {}..{} (start {})",
                p.path,
                p.low,
                p.high,
                num(p.start)
            )
        })
        .collect();
    let source = format!(
        "calibration: fitted to {} on {}/{}, seed {}, {} runs{}, objective {} → {}, residuals: {}",
        targets.join(", "),
        c.dataset,
        c.scenario,
        c.seed,
        c.runs,
        if c.converged {
            " (converged)"
        } else {
            " (budget spent before convergence)"
        },
        num(c.objective_before),
        num(c.objective_after),
        residuals.join("; ")
    );
    let _ = writeln!(out, "# {source}");
    let _ = writeln!(out, "# searched: {}", ranges.join("; "));
    let _ = writeln!(
        out,
        "# as a sources.csv row: a_calibration_{},assumption,\"{}\",,,,\"range: {}\"",
        c.scenario.replace(['-', ' '], "_"),
        source.replace('"', "'"),
        ranges.join("; ")
    );
    let mut tables: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    let mut comments = Vec::new();
    for p in &c.parameters {
        match place(ds, sc, &p.path, p.fitted) {
            Place::Key(t, k, v) => tables.entry(t).or_default().push((k, v)),
            Place::Comment(s) => comments.push(s),
        }
    }
    // [settings] first, then the overrides in path order
    let settings = tables.remove("settings");
    for (t, kv) in settings
        .map(|s| ("settings".to_string(), s))
        .into_iter()
        .chain(tables)
    {
        let _ = writeln!(out, "\n[{t}]");
        for (k, v) in kv {
            let _ = writeln!(out, "{k} = {v}");
        }
    }
    for s in comments {
        let _ = writeln!(out, "\n# {s}");
    }
    out
}
