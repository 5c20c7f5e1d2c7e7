//! The answer in words: sentences generated from a run's numbers (never typed in), each
//! number with its year and unit.

use crate::ctx::Ctx;
use crate::ensemble::{Ensemble, describe};
use crate::format::{amount, capitalise, join_and, pct, possessive, pp, the, usd};
use lodestone_engine::compare::PRICE_FLOOR;

/// The supplier's share of a stage as a verb phrase (`mines 69% of the world's output`).
fn verb(stage: &str, share: &str, first: bool) -> String {
    match (stage, first) {
        ("mining", true) => format!("mines {share} of the world's output"),
        ("mining", false) => format!("mines {share}"),
        ("separation", true) => format!("separates {share} of the world's output"),
        ("separation", false) => format!("separates {share}"),
        ("metal", _) => format!("produces {share} of the metal"),
        ("magnet", _) => format!("makes {share} of the magnets"),
        (other, _) => format!("has {share} of {other} output"),
    }
}

/// Units of the stages in words: `t REO for mining and separation, t for metal and magnets`.
fn units_clause(c: &Ctx, stages: &[&str]) -> String {
    let mut by: Vec<(&str, Vec<&str>)> = Vec::new();
    for st in stages {
        let u = c.stage_unit(st);
        match by.iter_mut().find(|(x, _)| *x == u) {
            Some((_, v)) => v.push(st),
            None => by.push((u, vec![st])),
        }
    }
    by.iter()
        .map(|(u, v)| {
            format!(
                "{u} for {}",
                join_and(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// One run as the answer's sentences read it: first and last year, the supplier.
struct Facts<'c, 'a> {
    c: &'c Ctx<'a>,
    y0: String,
    yl: String,
    sup: String,
    /// The supplier's name, with "the" where it takes one.
    sname: String,
    sposs: String,
}

/// 3–6 sentences answering "who makes what, who goes short, at what price, who depends
/// on whom" for one run.
pub fn answer(c: &Ctx) -> Vec<String> {
    let (y0, yl) = (c.first().to_string(), c.last().to_string());
    let sup = c.s.supplier.clone();
    let sname = the(&c.name(&sup));
    let sposs = possessive(&sname);
    let f = Facts {
        c,
        y0,
        yl,
        sup,
        sname,
        sposs,
    };
    let stages = c.stages();
    let shares0: Vec<(&str, f64)> = stages
        .iter()
        .filter_map(|st| c.share(&f.y0, st, &f.sup).map(|v| (*st, v)))
        .collect();
    let sentences = [
        (1, shares_today(&f, &stages, &shares0)),
        (2, other_producers(&f, &stages)),
        (3, shares_at_end(&f, &shares0)),
        (4, shortfall(&f)),
        (5, key_price(&f)),
        (6, dependency(&f)),
        (7, independence(&f)),
        (8, largest_import(&f)),
    ];
    let mut out: Vec<(u8, String)> = sentences
        .into_iter()
        .filter_map(|(k, s)| s.map(|s| (k, s)))
        .collect();
    if out.len() > 6 {
        out.retain(|(k, _)| *k != 8);
    }
    if out.len() > 6 {
        out.retain(|(k, _)| *k != 2);
    }
    out.truncate(6);
    out.into_iter().map(|(_, s)| s).collect()
}

/// Sentence 1: the supplier's shares in the first year (`shares0`).
fn shares_today(f: &Facts, stages: &[&str], shares0: &[(&str, f64)]) -> Option<String> {
    let (c, y0, sname) = (f.c, &f.y0, &f.sname);
    if shares0.is_empty() {
        return None;
    }
    let parts: Vec<String> = shares0
        .iter()
        .enumerate()
        .map(|(i, (st, v))| verb(st, &pct(*v), i == 0))
        .collect();
    Some(format!(
        "In {y0} {sname} {} (shares of {y0} output by tonnage: {}).",
        join_and(&parts),
        units_clause(c, stages)
    ))
}

/// Sentence 2: the largest producer outside the supplier at each stage, in the first year.
fn other_producers(f: &Facts, stages: &[&str]) -> Option<String> {
    let (c, y0, sup, sname) = (f.c, &f.y0, &f.sup, &f.sname);
    let mut others: Vec<String> = Vec::new();
    for st in stages {
        let best =
            c.s.annual
                .get(y0)
                .and_then(|y| y.shares.get(*st))
                .and_then(|m| {
                    m.iter()
                        .filter(|(k, _)| *k != sup)
                        .max_by(|a, b| a.1.total_cmp(b.1))
                });
        if let Some((k, v)) = best
            && *v >= 0.005
        {
            others.push(format!("{} in {st} ({})", the(&c.name(k)), pct(*v)));
        }
    }
    (!others.is_empty()).then(|| {
        format!(
            "Outside {sname} the largest producers in {y0} are {}.",
            join_and(&others)
        )
    })
}

/// Sentence 3: the supplier's shares in the last year, with the change since the first.
fn shares_at_end(f: &Facts, shares0: &[(&str, f64)]) -> Option<String> {
    let (c, y0, yl, sup, sposs) = (f.c, &f.y0, &f.yl, &f.sup, &f.sposs);
    if yl == y0 || shares0.is_empty() {
        return None;
    }
    let parts: Vec<String> = shares0
        .iter()
        .filter_map(|(st, v0)| {
            c.share(yl, st, sup)
                .map(|v| format!("{} of {st} ({})", pct(v), pp(v - v0)))
        })
        .collect();
    Some(format!(
        "By {yl} {sposs} shares are {} (change since {y0} in percentage points).",
        join_and(&parts)
    ))
}

/// Sentence 4: unmet demand: its peak and the sectors that make it, or that demand is met.
fn shortfall(f: &Facts) -> Option<String> {
    let (c, y0, yl) = (f.c, &f.y0, &f.yl);
    let mut peak = (y0.clone(), 0.0, 0.0, 0.0);
    for y in &c.years {
        let (d, s) = c.demand_short(y);
        let share = if d > 0.0 { s / d } else { 0.0 };
        if share > peak.1 + 1e-12 {
            peak = (y.clone(), share, s, d);
        }
    }
    let (d_last, s_last) = c.demand_short(yl);
    if !(d_last > 0.0 || peak.3 > 0.0) {
        return None;
    }
    // tonnes of element content where the dataset has compositions, else of product
    let of = if c.d.has_content {
        " of rare earth content"
    } else {
        ""
    };
    if peak.1 < 0.001 {
        return Some(format!(
            "Demand is met in every year {y0}–{yl}: unmet demand stays below 0.1% (of {} t{of} demanded in {yl}).",
            amount(d_last)
        ));
    }
    let (d0, s0) = c.demand_short(y0);
    let mut secs: Vec<(String, f64)> = c
        .by_sector_content(&peak.0)
        .into_iter()
        .map(|(k, (s, _))| (k, s))
        .filter(|(_, s)| *s > 0.0)
        .collect();
    secs.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let mostly: Vec<String> = secs
        .iter()
        .take(2)
        .map(|(k, s)| format!("{} ({} of the gap)", c.sector_prose(k), pct(s / peak.2)))
        .collect();
    let mut t = format!(
        "Unmet demand is {} of demand in {y0} and peaks at {} in {} ({} t of {} t{of} demanded), mostly in {}.",
        pct(if d0 > 0.0 { s0 / d0 } else { 0.0 }),
        pct(peak.1),
        c.year_label(&peak.0),
        amount(peak.2),
        amount(peak.3),
        join_and(&mostly)
    );
    if peak.0 != *yl && d_last > 0.0 {
        t.push_str(&format!(" In {yl} it is {}.", pct(s_last / d_last)));
    }
    Some(t)
}

/// Sentence 5: the price of the key material in the first and last years, with the dataset's
/// observation for the first.
fn key_price(f: &Facts) -> Option<String> {
    let (c, y0, yl) = (f.c, &f.y0, &f.yl);
    let m = c.key_materials(1).into_iter().next()?;
    let a = prices_in(f, y0, &m)?;
    let mut t = format!(
        "{} costs {a} in {y0} (annual average prices)",
        capitalise(&c.material(&m))
    );
    if yl != y0
        && let Some(b) = prices_in(f, yl, &m)
    {
        t.push_str(&format!("; in {yl}, {b}"));
    }
    // the dataset's own observation for the first year, for scale
    let obs: Vec<String> =
        c.ds.prices
            .iter()
            .filter(|o| o.material == m && o.year.to_string() == *y0)
            .map(|o| {
                format!(
                    "{} USD/kg ({}; {})",
                    usd(o.value),
                    o.region,
                    o.source.join(", ")
                )
            })
            .collect();
    if !obs.is_empty() {
        t.push_str(&format!(
            ". Observed in {y0} (prices.csv): {}",
            join_and(&obs)
        ));
    }
    t.push('.');
    Some(t)
}

/// A material's price in a year: in the supplier's market, and in the others (one, or
/// their range).
fn prices_in(f: &Facts, y: &str, m: &str) -> Option<String> {
    let (c, sup, sname) = (f.c, &f.sup, &f.sname);
    let cn = c.price(y, sup, m);
    let others: Vec<(String, f64)> =
        c.s.annual
            .get(y)?
            .prices
            .iter()
            .filter(|(k, _)| *k != sup)
            .filter_map(|(k, p)| p.get(m).map(|v| (k.clone(), *v)))
            .collect();
    let rest = match others.len() {
        0 => None,
        1 => Some(format!(
            "{} USD/kg in {}",
            usd(others[0].1),
            the(&c.name(&others[0].0))
        )),
        n => {
            let lo = others.iter().map(|x| x.1).fold(f64::INFINITY, f64::min);
            let hi = others.iter().map(|x| x.1).fold(f64::NEG_INFINITY, f64::max);
            if usd(lo) == usd(hi) {
                Some(format!("{} USD/kg in the {n} other markets", usd(lo)))
            } else {
                Some(format!(
                    "{}–{} USD/kg in the {n} other markets",
                    usd(lo),
                    usd(hi)
                ))
            }
        }
    };
    match (cn, rest) {
        (Some(p), Some(r)) => Some(format!("{} USD/kg in {sname} and {r}", usd(p))),
        (Some(p), None) => Some(format!("{} USD/kg in {sname}", usd(p))),
        (None, Some(r)) => Some(r),
        (None, None) => None,
    }
}

/// Sentence 6: the focus entity's direct and indirect dependency on the supplier at its most
/// downstream stage with a value.
fn dependency(f: &Facts) -> Option<String> {
    let (c, y0, yl, sname) = (f.c, &f.y0, &f.yl, &f.sname);
    let e = c.focus_entity()?;
    let st = ["magnet", "metal", "separation"]
        .into_iter()
        .find(|st| c.dependency(y0, &e, st, "indirect").is_some())?;
    let d0 = c.dependency(y0, &e, st, "direct");
    let i0 = c.dependency(y0, &e, st, "indirect");
    let mut t = format!(
        "{} depends on {sname} for {} of its {st} supply directly (imported from {sname}) and {} indirectly (rare earth content separated in {sname}) in {y0}",
        capitalise(&the(&c.name(&e))),
        d0.map_or("–".into(), pct),
        i0.map_or("–".into(), pct)
    );
    if yl != y0 {
        let dl = c.dependency(yl, &e, st, "direct");
        let il = c.dependency(yl, &e, st, "indirect");
        t.push_str(&format!(
            "; in {yl}, {} directly and {} indirectly",
            dl.map_or("–".into(), pct),
            il.map_or("–".into(), pct)
        ));
    }
    t.push('.');
    Some(t)
}

/// Sentence 7: how far the focus bloc is from meeting its demand without supplier-origin
/// material, and when it first reaches 50%.
fn independence(f: &Facts) -> Option<String> {
    let (c, y0, yl, sname) = (f.c, &f.y0, &f.yl, &f.sname);
    let b = c.focus_bloc()?;
    let st = ["magnet", "separation", "metal", "mining"]
        .into_iter()
        .find(|st| {
            c.s.time_to_independence
                .get(&b)
                .is_some_and(|m| m.contains_key(*st))
        })?;
    let ind = |y: &str| {
        c.s.annual
            .get(y)
            .and_then(|a| a.independence.get(&b))
            .and_then(|m| m.get(st))
            .copied()
    };
    let when = c.s.time_to_independence[&b][st]
        .get("50")
        .copied()
        .flatten();
    let reach = match when {
        Some(y) if y.to_string() == *y0 => format!("already at least 50% in {y0}"),
        Some(y) => format!("first reach 50% in {y}"),
        None => format!("do not reach 50% by {yl}"),
    };
    let (Some(a), Some(z)) = (ind(y0), ind(yl)) else {
        return None;
    };
    let (whose, its) = if c.ds.country(&b).is_some() {
        (the(&c.name(&b)), "its")
    } else {
        (format!("the {} bloc", c.name(&b)), "the bloc's")
    };
    Some(format!(
        "Without {sname}-origin material, plants in {whose} meet {} of {its} {st} demand in {y0} and {} in {yl}; they {reach}.",
        pct(a),
        pct(z)
    ))
}

/// Sentence 8: the largest import flow and its main origin, first and last year.
fn largest_import(f: &Facts) -> Option<String> {
    let (c, y0, yl) = (f.c, &f.y0, &f.yl);
    let (imp, m) = c.key_imports(1).into_iter().next()?;
    let (t0, k0, s0) = imports_in(c, y0, &imp, &m)?;
    let mut t = format!(
        "{} imports {} t of {} in {y0}, {} from {}",
        capitalise(&the(&c.name(&imp))),
        amount(t0),
        c.material(&m),
        pct(s0),
        the(&c.name(&k0))
    );
    if yl != y0
        && let Some((tl, kl, _)) = imports_in(c, yl, &imp, &m)
    {
        let share_k0 = c
            .imports_by_origin(yl, &imp, &m)
            .get(&k0)
            .copied()
            .unwrap_or(0.0)
            / tl;
        t.push_str(&format!(
            "; in {yl}, {} t, {} from {}",
            amount(tl),
            pct(share_k0),
            the(&c.name(&k0))
        ));
        if kl != k0 {
            t.push_str(&format!(" (largest supplier: {})", the(&c.name(&kl))));
        }
    }
    t.push('.');
    Some(t)
}

/// An importer's imports of a material in a year: total, largest origin and its share;
/// None without imports.
fn imports_in(c: &Ctx, y: &str, imp: &str, m: &str) -> Option<(f64, String, f64)> {
    let by = c.imports_by_origin(y, imp, m);
    let total: f64 = by.values().sum();
    let (k, v) = by.iter().max_by(|a, b| a.1.total_cmp(b.1))?;
    (total > 0.0).then(|| (total, k.clone(), v / total))
}

/// Sentences comparing run B with run A over their common years.
pub fn compare(a: &Ctx, b: &Ctx, years: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let sup = b.s.supplier.clone();
    let sname = the(&b.name(&sup));
    let sposs = possessive(&sname);
    shares_change(a, b, years, &sup, &sposs, &mut out);
    shortfall_change(a, b, years, &mut out);
    price_change(a, b, years, &mut out);
    dependency_change(a, b, years, &sname, &mut out);
    out
}

/// The largest change in the supplier's share of a stage's output, or that there is none.
fn shares_change(
    a: &Ctx,
    b: &Ctx,
    years: &[String],
    sup: &str,
    sposs: &str,
    out: &mut Vec<String>,
) {
    let (an, bn) = (&a.s.scenario, &b.s.scenario);
    let mut best: Option<(String, &str, f64, f64)> = None;
    for y in years {
        for st in b.stages() {
            if let (Some(x), Some(z)) = (a.share(y, st, sup), b.share(y, st, sup))
                && best
                    .as_ref()
                    .is_none_or(|bb| (z - x).abs() > (bb.3 - bb.2).abs())
            {
                best = Some((y.clone(), st, x, z));
            }
        }
    }
    match best {
        Some((y, st, x, z)) if (z - x).abs() >= 0.005 => out.push(format!(
            "The largest change in {sposs} shares is at the {st} stage in {y}: {} under {an} (A), {} under {bn} (B), {} (shares of {st} tonnage).",
            pct(x),
            pct(z),
            pp(z - x)
        )),
        Some(_) => out.push(format!(
            "{} shares by stage are the same under both scenarios (within 0.5 percentage points every year).",
            capitalise(sposs)
        )),
        None => {}
    }
}

/// The year unmet demand differs most, and the sector that makes the difference.
fn shortfall_change(a: &Ctx, b: &Ctx, years: &[String], out: &mut Vec<String>) {
    let mut best: Option<(String, f64, f64, f64, f64)> = None;
    for y in years {
        let (da, sa) = a.demand_short(y);
        let (db, sb) = b.demand_short(y);
        if best
            .as_ref()
            .is_none_or(|bb| (sb - sa).abs() > (bb.4 - bb.2).abs())
        {
            best = Some((y.clone(), da, sa, db, sb));
        }
    }
    if let Some((y, da, sa, db, sb)) = best {
        if (sb - sa).abs() < 1.0 {
            out.push(
                "Unmet demand is the same under both (within 1 t of product in every year).".into(),
            );
        } else {
            let top = {
                let (sa_by, sb_by) = (a.by_sector(&y), b.by_sector(&y));
                let mut v: Vec<(String, f64)> = sb_by
                    .iter()
                    .map(|(k, (s, _))| (k.clone(), s - sa_by.get(k).map_or(0.0, |x| x.0)))
                    .collect();
                v.sort_by(|p, q| q.1.abs().total_cmp(&p.1.abs()));
                v.first().cloned()
            };
            let mut t = format!(
                "Unmet demand differs most in {y}: {} t ({} of demand) under A, {} t ({}) under B",
                amount(sa),
                pct(if da > 0.0 { sa / da } else { 0.0 }),
                amount(sb),
                pct(if db > 0.0 { sb / db } else { 0.0 })
            );
            if let Some((k, d)) = top {
                t.push_str(&format!(
                    ", the largest difference in {} ({} t)",
                    b.sector_prose(&k),
                    crate::format::signed_amount(d)
                ));
            }
            t.push_str(" (tonnes of product).");
            out.push(t);
        }
    }
}

/// The largest price change among the main materials, relative to the larger of A's
/// price and the material's reference price, in the markets with demand.
fn price_change(a: &Ctx, b: &Ctx, years: &[String], out: &mut Vec<String>) {
    let mut best: Option<(String, String, String, f64, f64, f64)> = None;
    for m in b.key_materials(4) {
        let scale_ref = b.ds.material(&m).and_then(|x| x.ref_price).unwrap_or(0.0);
        for market in b.price_markets(&m, 6) {
            for y in years {
                let (Some(x), Some(z)) = (a.price(y, &market, &m), b.price(y, &market, &m)) else {
                    continue;
                };
                let score = (z - x).abs() / x.abs().max(scale_ref).max(1e-9);
                if best.as_ref().is_none_or(|bb| score > bb.5 + 1e-12) {
                    best = Some((m.clone(), market.clone(), y.clone(), x, z, score));
                }
            }
        }
    }
    if let Some((m, market, y, x, z, score)) = best {
        if score >= 0.005 {
            let rel = lodestone_engine::compare::relative_change(x, z, PRICE_FLOOR)
                .map_or(String::new(), |r| format!(" ({:+.0}%)", r * 100.0));
            out.push(format!(
                "Among the main materials, the largest price change is {} in {} in {y}: {} USD/kg under A, {} USD/kg under B{rel} (annual average prices).",
                b.material(&m),
                the(&b.name(&market)),
                usd(x),
                usd(z),
            ));
        } else {
            out.push("Prices of the main materials are the same under both (within 0.5% of their reference prices).".into());
        }
    }
}

/// The largest change in the focus entity's indirect dependency for magnets.
fn dependency_change(a: &Ctx, b: &Ctx, years: &[String], sname: &str, out: &mut Vec<String>) {
    if let Some(e) = b.focus_entity() {
        let mut best: Option<(String, f64, f64)> = None;
        for y in years {
            if let (Some(x), Some(z)) = (
                a.dependency(y, &e, "magnet", "indirect"),
                b.dependency(y, &e, "magnet", "indirect"),
            ) && best
                .as_ref()
                .is_none_or(|bb| (z - x).abs() > (bb.2 - bb.1).abs())
            {
                best = Some((y.clone(), x, z));
            }
        }
        if let Some((y, x, z)) = best {
            out.push(format!(
                "{} indirect dependency on {sname} for magnets (content separated in {sname}) is {} under A and {} under B in {y} ({}).",
                capitalise(&possessive(&the(&b.name(&e)))),
                pct(x),
                pct(z),
                pp(z - x)
            ));
        }
    }
}

/// One sentence on the spread of the ensemble's first key metric, for the answer.
pub fn ensemble(c: &Ctx, e: &Ensemble) -> Option<String> {
    let path = e.key_paths(&c.s.supplier, 1).into_iter().next()?;
    let year = ["2030", c.last()]
        .into_iter()
        .find(|y| e.get(y, &path).is_some())
        .map(str::to_string)
        .or_else(|| e.annual.keys().last().cloned())?;
    let q = e.get(&year, &path)?;
    let name = |id: &str| c.name(id);
    let mat = |id: &str| c.material(id);
    let sec = |id: &str| c.sector(id);
    let (title, unit, fmt) = describe(&path, &name, &mat, &sec);
    let v = |x: f64| match fmt {
        crate::chart::Fmt::Percent => pct(x),
        crate::chart::Fmt::Usd => format!("{} USD/kg", usd(x)),
        crate::chart::Fmt::Number => format!("{} {unit}", amount(x)),
    };
    Some(format!(
        "Across {} runs of the ensemble of `{}` (seed {}), {} in {year} lies between {} and {} (P10–P90; median {}).",
        e.runs,
        e.scenario,
        e.seed,
        title,
        v(q.p10),
        v(q.p90),
        v(q.p50)
    ))
}
