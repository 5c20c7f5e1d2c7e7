//! The comparison section of a two-scenario report: key numbers A vs B and their
//! charts.

use super::common::{line_figure, opt};
use crate::chart::{self, Fmt, Frame, Series};
use crate::colour;
use crate::ctx::Ctx;
use crate::format::{esc, pct, pp, tonnes_exact, usd};
use crate::html::{Charts, section, table};
use lodestone_engine::compare::{PRICE_FLOOR, relative_change};
use std::fmt::Write;

/// A metric's value in a run and year.
type Getter<'g> = Box<dyn Fn(&Ctx, &str) -> Option<f64> + 'g>;

/// Runs A and B over their common years, as the comparison's charts draw them.
struct Pair<'p, 'a> {
    a: &'p Ctx<'a>,
    b: &'p Ctx<'a>,
    years: &'p [String],
    xs: Vec<i32>,
    span: String,
    sup: String,
    sname: String,
    sposs: String,
}

impl<'p, 'a> Pair<'p, 'a> {
    fn new(a: &'p Ctx<'a>, b: &'p Ctx<'a>, years: &'p [String]) -> Self {
        let xs: Vec<i32> = years.iter().map(|y| y.parse().unwrap_or(0)).collect();
        let span = format!("{}–{}", years[0], years[years.len() - 1]);
        let sup = b.s.supplier.clone();
        let sname = b.name(&sup);
        let sposs = crate::format::possessive(&sname);
        Pair {
            a,
            b,
            years,
            xs,
            span,
            sup,
            sname,
            sposs,
        }
    }

    /// One run's values of `f` over the common years.
    fn val(&self, c: &Ctx, f: &dyn Fn(&Ctx, &str) -> Option<f64>) -> Vec<Option<f64>> {
        self.years.iter().map(|y| f(c, y)).collect()
    }

    /// `label · A` dashed and `label · B` solid, in one colour.
    fn push_ab(
        &self,
        s: &mut Vec<Series>,
        label: &str,
        colour: String,
        g: &dyn Fn(&Ctx, &str) -> Option<f64>,
    ) {
        s.push(Series::new(format!("{label} · A"), colour.clone(), self.val(self.a, g)).dashed());
        s.push(Series::new(
            format!("{label} · B"),
            colour,
            self.val(self.b, g),
        ));
    }

    /// A line chart over the common years, as a figure.
    fn figure(&self, charts: &mut Charts, id: &str, frame: Frame, s: &[Series]) -> String {
        line_figure(charts, id, frame, &self.xs, s)
    }
}

/// The comparison of B with A over their common `years`: key numbers and charts.
pub(super) fn compare_section(a: &Ctx, b: &Ctx, years: &[String], charts: &mut Charts) -> String {
    let ab = Pair::new(a, b, years);
    let pick = table_years(a, b, years);
    let mut inner = format!(
        "<p>A = <b>{}</b>, B = <b>{}</b>. Differences are B − A (percentage points for shares, tonnes for quantities, per cent for prices, or USD/kg where A's price is near zero: below 1 USD/kg or below a tenth of B's). In the charts A is dashed and B solid.</p>",
        esc(&a.s.scenario),
        esc(&b.s.scenario)
    );
    let _ = write!(
        inner,
        "<div class=\"cmp\">{}</div>",
        key_table(a, b, &pick, &key_metrics(&ab))
    );
    inner.push_str("<div class=\"grid2\">");
    inner.push_str(&shares_chart(&ab, charts));
    inner.push_str(&shortfall_chart(&ab, charts));
    inner.push_str(&price_charts(&ab, charts));
    inner.push_str(&dependency_chart(&ab, charts));
    inner.push_str("</div>");
    section(
        "compare",
        &format!("Comparison: {} (B) vs {} (A)", b.s.scenario, a.s.scenario),
        &inner,
    )
}

/// The years of the table: where unmet demand differs most, 2030, and the last year.
fn table_years(a: &Ctx, b: &Ctx, years: &[String]) -> Vec<String> {
    let peak = years
        .iter()
        .max_by(|x, y| {
            let d = |yy: &str| (b.demand_short(yy).1 - a.demand_short(yy).1).abs();
            d(x).total_cmp(&d(y)).then(y.cmp(x))
        })
        .cloned()
        .unwrap_or_else(|| years[0].clone());
    let mut pick: Vec<String> = vec![peak];
    for y in ["2030", years[years.len() - 1].as_str()] {
        if years.iter().any(|x| x == y) && !pick.iter().any(|x| x == y) {
            pick.push(y.into());
        }
    }
    if pick.len() < 2 && !pick.contains(&years[0]) {
        pick.push(years[0].clone());
    }
    pick.sort();
    pick
}

/// The key numbers of the table: label, format and value.
fn key_metrics<'g>(ab: &Pair<'g, '_>) -> Vec<(String, Fmt, Getter<'g>)> {
    let (b, sup, sname, sposs) = (ab.b, &ab.sup, &ab.sname, &ab.sposs);
    let mut metrics: Vec<(String, Fmt, Getter)> = Vec::new();
    for st in b.stages() {
        let s2 = sup.clone();
        metrics.push((
            format!("{sposs} share of {st} output"),
            Fmt::Percent,
            Box::new(move |c: &Ctx, y: &str| c.share(y, st, &s2)),
        ));
    }
    for st in b.stages() {
        metrics.push((
            format!("World {st} output ({})", b.stage_unit(st)),
            Fmt::Number,
            Box::new(move |c: &Ctx, y: &str| Some(c.stage_total(y, st))),
        ));
    }
    metrics.push((
        "Unmet demand (t of product)".into(),
        Fmt::Number,
        Box::new(|c: &Ctx, y: &str| Some(c.demand_short(y).1)),
    ));
    metrics.push((
        "Unmet share of demand".into(),
        Fmt::Percent,
        Box::new(|c: &Ctx, y: &str| {
            let (d, s) = c.demand_short(y);
            (d > 0.0).then_some(s / d)
        }),
    ));
    let mats = b.key_materials(3);
    for m in &mats {
        for k in b.price_markets(m, 2) {
            let (m2, k2) = (m.clone(), k.clone());
            metrics.push((
                format!("Price of {} in {} (USD/kg)", b.material(m), b.name(&k)),
                Fmt::Usd,
                Box::new(move |c: &Ctx, y: &str| c.price(y, &k2, &m2)),
            ));
        }
    }
    if let Some(e) = b.focus_entity() {
        for st in ["magnet", "separation"] {
            let e2 = e.clone();
            metrics.push((
                format!("{}: {st} content separated in {sname}", b.name(&e)),
                Fmt::Percent,
                Box::new(move |c: &Ctx, y: &str| c.dependency(y, &e2, st, "indirect")),
            ));
        }
    }
    metrics
}

/// A value of the table in its format.
fn show(f: Fmt, v: Option<f64>) -> String {
    match (f, v) {
        (_, None) => "–".to_string(),
        (Fmt::Percent, Some(x)) => pct(x),
        (Fmt::Number, Some(x)) => tonnes_exact(x),
        (Fmt::Usd, Some(x)) => usd(x),
    }
}

/// B − A in the format's terms: percentage points, tonnes, per cent or USD/kg.
fn diff(f: Fmt, a: Option<f64>, b: Option<f64>) -> String {
    match (f, a, b) {
        (Fmt::Percent, Some(x), Some(z)) => pp(z - x),
        (Fmt::Number, Some(x), Some(z)) => crate::format::signed_amount(z - x),
        // a percentage only from a base that is not near zero (never "+349386 %")
        (Fmt::Usd, Some(x), Some(z)) => match relative_change(x, z, PRICE_FLOOR) {
            Some(r) => format!("{:+.0}%", r * 100.0),
            None => format!("{}{}", if z >= x { "+" } else { "" }, usd(z - x)),
        },
        _ => "–".into(),
    }
}

/// The table of key numbers: A, B and B − A in each picked year.
fn key_table(a: &Ctx, b: &Ctx, pick: &[String], metrics: &[(String, Fmt, Getter)]) -> String {
    let mut head: Vec<String> = vec!["Metric".into()];
    for y in pick {
        head.extend([format!("{y} A"), format!("{y} B"), format!("{y} B−A")]);
    }
    let rows: Vec<Vec<String>> = metrics
        .iter()
        .map(|(label, f, g)| {
            let mut r = vec![esc(label)];
            for y in pick {
                let (x, z) = (g(a, y), g(b, y));
                r.push(show(*f, x));
                r.push(show(*f, z));
                r.push(format!("<b>{}</b>", diff(*f, x, z)));
            }
            r
        })
        .collect();
    let head_ref: Vec<&str> = head.iter().map(String::as_str).collect();
    let numeric: Vec<usize> = (1..head.len()).collect();
    table(&head_ref, &rows, &numeric)
}

/// The supplier's share of output by stage.
fn shares_chart(ab: &Pair, charts: &mut Charts) -> String {
    let mut s = Vec::new();
    for st in ab.b.stages() {
        let g = |c: &Ctx, y: &str| c.share(y, st, &ab.sup);
        ab.push_ab(&mut s, st, colour::stage(st), &g);
    }
    let t = format!("{} share of output by stage", ab.sposs);
    let f = Frame::new(&t, "% of world output", Fmt::Percent)
        .subtitle(format!("A dashed, B solid, {}", ab.span));
    ab.figure(charts, "compare-shares", f, &s)
}

/// Unmet demand, world and the three sectors that change most.
fn shortfall_chart(ab: &Pair, charts: &mut Charts) -> String {
    let (a, b, years) = (ab.a, ab.b, ab.years);
    let g = |c: &Ctx, y: &str| Some(c.demand_short(y).1);
    let mut s = Vec::new();
    ab.push_ab(&mut s, "all sectors", "#444".into(), &g);
    let mut secs: Vec<(String, f64)> = b
        .sectors()
        .into_iter()
        .map(|sec| {
            let d: f64 = years
                .iter()
                .map(|y| {
                    let x = a.by_sector(y).get(&sec).map_or(0.0, |v| v.0);
                    let z = b.by_sector(y).get(&sec).map_or(0.0, |v| v.0);
                    (z - x).abs()
                })
                .sum();
            (sec, d)
        })
        .filter(|(_, d)| *d >= 1.0)
        .collect();
    secs.sort_by(|x, y| y.1.total_cmp(&x.1));
    for (i, (sec, _)) in secs.iter().take(3).enumerate() {
        let g = |c: &Ctx, y: &str| c.by_sector(y).get(sec).map(|v| v.0);
        ab.push_ab(&mut s, &b.sector(sec), colour::palette(i), &g);
    }
    let t = "Unmet demand";
    let f = Frame::new(t, "unmet demand, t/yr", Fmt::Number).subtitle(format!(
        "World and the sectors that change most, {}",
        ab.span
    ));
    ab.figure(charts, "compare-shortfall", f, &s)
}

/// Prices of the four key materials in their three main markets.
fn price_charts(ab: &Pair, charts: &mut Charts) -> String {
    let b = ab.b;
    let mut out = String::new();
    for m in b.key_materials(4) {
        let mut s = Vec::new();
        for k in b.price_markets(&m, 3) {
            let g = |c: &Ctx, y: &str| opt(c.price(y, &k, &m));
            ab.push_ab(&mut s, &b.name(&k), colour::country(&k), &g);
        }
        let s = chart::merge_identical(s, 0.005);
        let t = format!("Price of {}", b.material(&m));
        let f =
            Frame::new(&t, "USD/kg", Fmt::Usd).subtitle(format!("A dashed, B solid, {}", ab.span));
        out.push_str(&ab.figure(charts, &format!("compare-price-{m}"), f, &s));
    }
    out
}

/// The focus entity's indirect dependency on the supplier by stage; nothing without one.
fn dependency_chart(ab: &Pair, charts: &mut Charts) -> String {
    let b = ab.b;
    let Some(e) = b.focus_entity() else {
        return String::new();
    };
    let mut s = Vec::new();
    for st in ["separation", "metal", "magnet"] {
        let g = |c: &Ctx, y: &str| c.dependency(y, &e, st, "indirect");
        if ab.years.iter().all(|y| g(b, y).is_none()) {
            continue;
        }
        ab.push_ab(&mut s, st, colour::stage(st), &g);
    }
    let t = format!("{}: content separated in {}", b.name(&e), ab.sname);
    let f = Frame::new(&t, "% of supply at the stage", Fmt::Percent).subtitle(format!(
        "Indirect dependency by stage, A dashed, B solid, {}",
        ab.span
    ));
    ab.figure(charts, "compare-dependency", f, &s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn price_differences_from_a_near_zero_base_are_absolute() {
        assert_eq!(diff(Fmt::Usd, Some(10.0), Some(13.6)), "+36%");
        let from_small = diff(Fmt::Usd, Some(2.0), Some(6990.0));
        assert!(!from_small.contains('%'), "{from_small}");
        assert!(from_small.starts_with('+'), "{from_small}");
        assert!(!diff(Fmt::Usd, Some(0.4), Some(3.0)).contains('%'));
    }
}
