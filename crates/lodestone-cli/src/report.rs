//! Human-readable terminal output: aligned tables of shares, output, shortfall and prices.

use lodestone_engine::Summary;
use lodestone_report::format::independence_years;
use std::fmt::Write;
use std::sync::OnceLock;

/// The width tables must fit, set once by `main` from `--wide`, `COLUMNS` or the terminal
/// (None: every column at its natural width).
static WIDTH: OnceLock<Option<usize>> = OnceLock::new();

/// Sets the width every [`Table`] is fitted to (None keeps every column whole); first call wins.
pub fn set_width(width: Option<usize>) {
    let _ = WIDTH.set(width);
}

/// A text cell never narrows below its longest word, and never below this (or its own width).
const MIN_TEXT: usize = 12;
/// A word longer than this may be broken to fit (URLs, long ids).
const MAX_WORD: usize = 24;

/// A plain aligned text table, fitted to the terminal: text columns wrap at word boundaries,
/// then columns are dropped from the right with a note naming them.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    /// Leading columns aligned left (text); the rest align right (numbers).
    left: usize,
    /// Further text columns (aligned left, may wrap) after the leading ones.
    text: Vec<usize>,
}

impl Table {
    pub fn new(header: &[&str]) -> Table {
        Table {
            header: header.iter().map(|s| s.to_string()).collect(),
            rows: Vec::new(),
            left: 1,
            text: Vec::new(),
        }
    }

    /// The first `n` columns hold text: align them left.
    pub fn text_columns(mut self, n: usize) -> Table {
        self.left = n.max(1);
        self
    }

    /// Column `i` holds text (aligned left, wrapped at words when the table is too wide).
    pub fn text_column(mut self, i: usize) -> Table {
        self.text.push(i);
        self
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    fn is_text(&self, i: usize) -> bool {
        i < self.left || self.text.contains(&i)
    }

    /// The table at the width set by [`set_width`].
    pub fn render(&self) -> String {
        self.render_within(WIDTH.get().copied().flatten())
    }

    /// The table within `max` columns (None: no limit).
    pub fn render_within(&self, max: Option<usize>) -> String {
        let n = self.header.len();
        let natural = self.natural_widths();
        let (keep, widths) = match max {
            Some(max) => self.fit(&natural, max),
            None => ((0..n).collect(), natural),
        };
        let mut s = String::new();
        self.lines(&mut s, &self.header, &keep, &widths);
        let total: usize =
            keep.iter().map(|&i| widths[i]).sum::<usize>() + 2 * keep.len().saturating_sub(1);
        s.push_str(&"─".repeat(total));
        s.push('\n');
        for r in &self.rows {
            self.lines(&mut s, r, &keep, &widths);
        }
        let dropped: Vec<&str> = (0..n)
            .filter(|i| !keep.contains(i))
            .map(|i| self.header[i].as_str())
            .collect();
        if let (false, Some(max)) = (dropped.is_empty(), max) {
            let note = format!(
                "({} not shown to fit {max} columns: {}; --wide shows every column)",
                if dropped.len() == 1 {
                    "1 column"
                } else {
                    "columns"
                },
                dropped.join(", ")
            );
            for l in wrap(&note, max) {
                let _ = writeln!(s, "{l}");
            }
        }
        s
    }

    fn natural_widths(&self) -> Vec<usize> {
        let mut w = vec![0; self.header.len()];
        for r in std::iter::once(&self.header).chain(&self.rows) {
            for (i, c) in r.iter().enumerate().take(w.len()) {
                w[i] = w[i].max(c.chars().count());
            }
        }
        w
    }

    /// The narrowest a column may be: numbers and the first column whole, other text down to
    /// its longest word.
    fn min_width(&self, i: usize, natural: usize) -> usize {
        // numbers, and the first column (the row's id), are never broken
        if i == 0 || !self.is_text(i) {
            return natural;
        }
        let longest = std::iter::once(&self.header)
            .chain(&self.rows)
            .filter_map(|r| r.get(i))
            .flat_map(|c| c.split_whitespace())
            .map(|w| w.chars().count().min(MAX_WORD))
            .max()
            .unwrap_or(0);
        longest.max(MIN_TEXT.min(natural))
    }

    /// Which columns to show and at what widths: drop columns from the right (never the
    /// first) until the rest fit at their narrowest, then narrow the widest text columns.
    fn fit(&self, natural: &[usize], max: usize) -> (Vec<usize>, Vec<usize>) {
        let min: Vec<usize> = (0..natural.len())
            .map(|i| self.min_width(i, natural[i]))
            .collect();
        let span = |keep: &[usize], w: &[usize]| {
            keep.iter().map(|&i| w[i]).sum::<usize>() + 2 * keep.len().saturating_sub(1)
        };
        let mut keep: Vec<usize> = (0..natural.len()).collect();
        while keep.len() > 1 && span(&keep, &min) > max {
            keep.pop();
        }
        let mut widths = natural.to_vec();
        while span(&keep, &widths) > max {
            let Some(&i) = keep
                .iter()
                .filter(|&&i| widths[i] > min[i])
                .max_by_key(|&&i| (widths[i] - min[i], i))
            else {
                break;
            };
            widths[i] -= 1;
        }
        (keep, widths)
    }

    /// One row, over as many lines as its wrapped cells need.
    fn lines(&self, s: &mut String, r: &[String], keep: &[usize], widths: &[usize]) {
        let cells: Vec<Vec<String>> = keep
            .iter()
            .map(|&i| wrap(r.get(i).map_or("", String::as_str), widths[i]))
            .collect();
        let height = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
        for l in 0..height {
            let mut line = String::new();
            for (k, &i) in keep.iter().enumerate() {
                let c = cells[k].get(l).map_or("", String::as_str);
                let pad = " ".repeat(widths[i].saturating_sub(c.chars().count()));
                let sep = if k == 0 { "" } else { "  " };
                if self.is_text(i) {
                    let _ = write!(line, "{sep}{c}{pad}");
                } else {
                    let _ = write!(line, "{sep}{pad}{c}");
                }
            }
            s.push_str(line.trim_end());
            s.push('\n');
        }
    }
}

/// A cell in lines of at most `width` characters, broken between words (a word longer than
/// the width, such as a URL, is broken where it must be).
fn wrap(cell: &str, width: usize) -> Vec<String> {
    if cell.chars().count() <= width || width == 0 {
        return vec![cell.to_string()];
    }
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in cell.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        while word.len() > width {
            if !cur.is_empty() {
                lines.push(std::mem::take(&mut cur));
            }
            lines.push(word.drain(..width).collect());
        }
        let word: String = word.into_iter().collect();
        let need = cur.chars().count() + usize::from(!cur.is_empty()) + word.chars().count();
        if need > width && !cur.is_empty() {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(&word);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

fn top_shares(m: Option<&std::collections::BTreeMap<String, f64>>, k: usize) -> String {
    let Some(m) = m else { return "–".into() };
    let mut v: Vec<(&String, &f64)> = m.iter().filter(|(_, v)| **v > 0.0005).collect();
    v.sort_by(|a, b| b.1.total_cmp(a.1).then(a.0.cmp(b.0)));
    let mut s: Vec<String> = v
        .iter()
        .take(k)
        .map(|(c, x)| format!("{c} {:.1}", *x * 100.0))
        .collect();
    let rest: f64 = v.iter().skip(k).map(|(_, x)| **x).sum();
    if rest > 0.0005 {
        s.push(format!("other {:.1}", rest * 100.0));
    }
    s.join("  ")
}

/// Capacity committed in response to prices (`expansion` events), by stage: how much, how
/// much of it in China, and when the first and last decisions fell.
fn expansions(out: &mut String, s: &Summary) {
    if s.expansions.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\nCapacity committed in response to prices (capacity per year at full ramp; {} decisions)",
        s.expansions.len()
    );
    let mut t = Table::new(&["stage", "committed", "in CN", "decided", "online"]);
    for st in ["mining", "separation", "metal", "magnet"] {
        let ds: Vec<_> = s.expansions.iter().filter(|d| d.stage == st).collect();
        let all: f64 = ds.iter().map(|d| d.capacity_per_year).sum();
        if ds.is_empty() || all <= 0.0 {
            continue;
        }
        let cn: f64 = ds
            .iter()
            .filter(|d| d.country == "CN")
            .map(|d| d.capacity_per_year)
            .sum();
        // the years of the earliest and the latest of some YYYY-MM months
        let span = |months: Vec<&str>| {
            let years: Vec<&str> = months.iter().map(|m| m.get(..4).unwrap_or(m)).collect();
            match (years.iter().min(), years.iter().max()) {
                (Some(a), Some(b)) if a != b => format!("{a}–{b}"),
                (Some(a), _) => a.to_string(),
                _ => "–".into(),
            }
        };
        t.row(vec![
            st.to_string(),
            fmt_t(all),
            format!("{:.0}%", 100.0 * cn / all),
            span(ds.iter().map(|d| d.decided.as_str()).collect()),
            span(ds.iter().map(|d| d.online.as_str()).collect()),
        ]);
    }
    out.push_str(&t.render());
}

fn fmt_t(x: f64) -> String {
    if x.abs() >= 100_000.0 {
        format!("{:.0}k", x / 1000.0)
    } else if x.abs() >= 10_000.0 {
        format!("{:.1}k", x / 1000.0)
    } else if x.abs() >= 1.0 {
        format!("{x:.0}")
    } else if x.abs() >= 0.05 {
        format!("{x:.1}")
    } else {
        "0".into()
    }
}

/// The chain stages with output in some year, in chain order.
fn chain_stages(s: &Summary) -> Vec<&'static str> {
    ["mining", "separation", "metal", "magnet"]
        .into_iter()
        .filter(|st| {
            s.annual.values().any(|a| {
                a.production
                    .get(*st)
                    .is_some_and(|m| m.values().any(|v| *v > 0.0))
            })
        })
        .collect()
}

/// The terminal summary of a run: the chain stages that produce, output outside them
/// (`other`: farming, …), trade, shortfall and prices; a table with nothing to show is left out.
pub fn summary(s: &Summary, other: &crate::trade::Output, horizon: &str) -> String {
    let mut out = String::new();
    let years: Vec<&String> = s.annual.keys().collect();
    let (Some(first), Some(last)) = (years.first(), years.last()) else {
        return "no periods\n".into();
    };
    let mid: Vec<&String> = {
        let mut v = vec![*first];
        for y in ["2027", "2030"] {
            if let Some(k) = years.iter().find(|k| k.as_str() == y)
                && !v.contains(k)
            {
                v.push(k);
            }
        }
        if !v.contains(last) {
            v.push(last);
        }
        v
    };
    let _ = writeln!(
        out,
        "Lodestone · scenario `{}` · dataset `{}` · {horizon}",
        s.scenario, s.dataset
    );

    let stages = chain_stages(s);
    if !stages.is_empty() {
        chain_tables(&mut out, s, &stages, (first, last), &mid);
    }
    expansions(&mut out, s);
    if stages.is_empty() {
        // outside the rare earth chain (soybeans…): what was produced where, else intermediates
        crate::trade::output_tables(&mut out, other, &mid);
    }
    crate::trade::trade_tables(&mut out, s, &mid);

    let _ = writeln!(
        out,
        "\nShortfall (t of product unmet; share of demand{})",
        if stages.is_empty() {
            ""
        } else {
            " in rare earth content"
        }
    );
    let mut hdr = vec!["sector"];
    hdr.extend(mid.iter().map(|s| s.as_str()));
    let mut t = Table::new(&hdr);
    let mut sectors: Vec<String> = s.annual[*first]
        .demand
        .values()
        .flat_map(|m| m.keys().cloned())
        .collect();
    sectors.sort();
    sectors.dedup();
    let mut any = false;
    for sec in &sectors {
        let mut r = vec![sec.clone()];
        let mut nonzero = false;
        for y in &mid {
            let a = &s.annual[*y];
            let short: f64 = a.shortfall.values().filter_map(|m| m.get(sec)).sum();
            // the share in rare earth content: one unit across magnets, metals and oxides
            let short_c: f64 = a
                .shortfall_content
                .values()
                .filter_map(|m| m.get(sec))
                .sum();
            let dem_c: f64 = a.demand_content.values().filter_map(|m| m.get(sec)).sum();
            nonzero |= short >= 0.5;
            r.push(if dem_c > 0.0 {
                format!("{} ({:.1}%)", fmt_t(short), 100.0 * short_c / dem_c)
            } else {
                "–".into()
            });
        }
        if nonzero {
            any = true;
            t.row(r);
        }
    }
    if any {
        out.push_str(&t.render());
    } else {
        out.push_str("none: every sector's demand is met in every year shown\n");
    }

    let _ = writeln!(
        out,
        "\nPrices (USD/kg, annual average; CN vs mean of markets outside China; the 8 dearest materials)"
    );
    let mut top: Vec<(String, f64)> = Vec::new();
    for by in s.annual[*first].prices.values() {
        for (m, p) in by {
            match top.iter_mut().find(|(x, _)| x == m) {
                Some(e) => e.1 = e.1.max(*p),
                None => top.push((m.clone(), *p)),
            }
        }
    }
    top.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut materials: Vec<String> = top.into_iter().take(8).map(|(m, _)| m).collect();
    materials.sort();
    let mut ph = vec!["material".to_string()];
    for y in &mid {
        ph.push(format!("{y} CN"));
        ph.push(format!("{y} ex-CN"));
    }
    let mut t = Table::new(&ph.iter().map(String::as_str).collect::<Vec<_>>());
    let mut glut = false;
    let mut price = |p: f64| {
        glut |= p < 0.05;
        // no "-0.0": a price that rounds to zero is shown as 0.0
        if p.abs() < 0.05 {
            "0.0".to_string()
        } else {
            format!("{p:.1}")
        }
    };
    for m in &materials {
        let mut r = vec![m.clone()];
        for y in &mid {
            let a = &s.annual[*y];
            let cn = a.prices.get("CN").and_then(|x| x.get(m));
            let ex: Vec<f64> = a
                .prices
                .iter()
                .filter(|(k, _)| k.as_str() != "CN")
                .filter_map(|(_, x)| x.get(m).copied())
                .collect();
            r.push(cn.map_or("–".into(), |p| price(*p)));
            r.push(if ex.is_empty() {
                "–".into()
            } else {
                price(ex.iter().sum::<f64>() / ex.len() as f64)
            });
        }
        t.row(r);
    }
    out.push_str(&t.render());
    if glut {
        let _ = writeln!(
            out,
            "A price at or below zero: a joint product in surplus, stockpiled or discarded at a cost \
             (the price is minus that cost; the clearing does not value stock at a future price). \
             See scenarios/README.md, S1."
        );
    }

    policy_metrics(&mut out, s, &mid);

    let b = &s.balance;
    let _ = writeln!(
        out,
        "\nMass balance: max error {:.2e} t (relative {:.1e}) {}",
        b.max_abs_error_t,
        b.max_rel_error,
        if b.ok {
            "✓ every node, every period"
        } else {
            "✗ ABOVE TOLERANCE"
        }
    );
    let st = &s.stats;
    let _ = writeln!(
        out,
        "Clearing: {} periods × QP of {} variables, {} rows; {} IPM iterations; solver {:.2} s{}",
        st.periods,
        st.variables,
        st.rows,
        st.iterations,
        st.solver_seconds,
        if st.failed_periods + st.approximate_periods > 0 {
            format!(
                "; {} approximate, {} failed periods",
                st.approximate_periods, st.failed_periods
            )
        } else {
            String::new()
        }
    );
    out
}

/// Shares of output by country and world output, for the chain stages that produce.
fn chain_tables(
    out: &mut String,
    s: &Summary,
    stages: &[&str],
    (first, last): (&String, &String),
    mid: &[&String],
) {
    let _ = writeln!(out, "\nShares of output by country (%), {first} and {last}");
    let mut t = Table::new(&["stage", first, last]).text_columns(3);
    for &st in stages {
        t.row(vec![
            st.into(),
            top_shares(s.annual[first].shares.get(st), 4),
            top_shares(s.annual[last].shares.get(st), 4),
        ]);
    }
    out.push_str(&t.render());

    let _ = writeln!(
        out,
        "\nWorld output by stage (t; mining/separation t REO, metal t, magnet t)"
    );
    let mut hdr = vec!["stage"];
    hdr.extend(mid.iter().map(|s| s.as_str()));
    let mut t = Table::new(&hdr);
    for &st in stages {
        let mut r = vec![st.to_string()];
        for y in mid {
            r.push(fmt_t(
                s.annual[*y]
                    .production
                    .get(st)
                    .map_or(0.0, |m| m.values().sum()),
            ));
        }
        t.row(r);
    }
    out.push_str(&t.render());
}

/// Dependency on the supplier and bloc independence, for the years shown.
fn policy_metrics(out: &mut String, s: &Summary, years: &[&String]) {
    let sup = &s.supplier;
    let first = &s.annual[years[0]];
    // entities: those with magnet-stage dependency, at most six, largest inflow first
    let mut entities: Vec<&String> = first.dependency.keys().collect();
    entities.truncate(8);
    if !entities.is_empty() {
        let _ = writeln!(
            out,
            "\nDependency on {sup} (share of supply at the stage: direct = imported from {sup}; indirect = separated in {sup})"
        );
        let mut hdr = vec!["country/bloc".to_string(), "stage".to_string()];
        for y in years {
            hdr.push(format!("{y} direct"));
            hdr.push(format!("{y} indirect"));
        }
        let mut t = Table::new(&hdr.iter().map(String::as_str).collect::<Vec<_>>()).text_columns(2);
        for e in entities {
            for stage in ["separation", "metal", "magnet"] {
                let mut r = vec![e.clone(), stage.to_string()];
                let mut any = false;
                for y in years {
                    let d = s.annual[*y].dependency.get(e).and_then(|x| x.get(stage));
                    let get = |k: &str| d.and_then(|m| m.get(k)).and_then(|m| m.get(sup)).copied();
                    any |= d.is_some();
                    r.push(get("direct").map_or("–".into(), |v| format!("{:.0}%", 100.0 * v)));
                    r.push(get("indirect").map_or("–".into(), |v| format!("{:.0}%", 100.0 * v)));
                }
                if any {
                    t.row(r);
                }
            }
        }
        out.push_str(&t.render());
    }
    if !s.time_to_independence.is_empty() {
        let _ = writeln!(
            out,
            "\nIndependence from {sup}: first year a bloc's own plants meet 50 / 80 / 100% of its demand at each stage without {sup}-origin material"
        );
        let mut t = Table::new(&["bloc", "mining", "separation", "metal", "magnet"]);
        for (bloc, stages) in &s.time_to_independence {
            let mut r = vec![bloc.clone()];
            for st in ["mining", "separation", "metal", "magnet"] {
                let cell = stages.get(st).map_or("–".to_string(), independence_years);
                r.push(cell);
            }
            t.row(r);
        }
        out.push_str(&t.render());
    }
}
