//! Hand-written SVG charts: line charts, stacked areas, fan charts (P10–P90 bands) and
//! horizontal 100% bars, each with a title, axis labels with units, a legend and native
//! tooltips (`<title>`). No scripts, no external resources; every chart is a string.

use crate::format::{compact, esc, pct, usd};
use std::fmt::Write;

/// The system font stack used by charts and pages.
pub const FONT: &str = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, 'Noto Sans', 'Liberation Sans', 'DejaVu Sans', sans-serif";

const INK: &str = "#222";
const MUTED: &str = "#666";
const GRID: &str = "#e6e6e6";
const AXIS: &str = "#999";

/// How a chart's values are shown on its axis and in tooltips.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fmt {
    /// Fractions shown as percentages (0.5 → 50%).
    Percent,
    /// Quantities (tonnes, counts), compact (150k).
    Number,
    /// Prices in USD/kg.
    Usd,
}

impl Fmt {
    fn tick(self, v: f64) -> String {
        match self {
            Fmt::Percent => format!("{}%", compact(v * 100.0)),
            Fmt::Number | Fmt::Usd => compact(v),
        }
    }

    fn value(self, v: f64) -> String {
        match self {
            Fmt::Percent => pct(v),
            Fmt::Number => crate::format::amount(v),
            Fmt::Usd => usd(v),
        }
    }
}

/// One line (or one layer of a stacked area).
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend name.
    pub name: String,
    /// CSS colour.
    pub colour: String,
    /// One value per x; `None` leaves a gap.
    pub values: Vec<Option<f64>>,
    /// Dashed line (used for "A" in comparisons and for direct measures).
    pub dashed: bool,
    /// Observations: hollow markers, dashed line.
    pub observed: bool,
}

impl Series {
    /// A solid series.
    pub fn new(
        name: impl Into<String>,
        colour: impl Into<String>,
        values: Vec<Option<f64>>,
    ) -> Self {
        Series {
            name: name.into(),
            colour: colour.into(),
            values,
            dashed: false,
            observed: false,
        }
    }

    /// The same series, dashed.
    pub fn dashed(mut self) -> Self {
        self.dashed = true;
        self
    }

    /// The same series as observations (hollow markers, dashed).
    pub fn observed(mut self) -> Self {
        self.dashed = true;
        self.observed = true;
        self
    }
}

/// Title, axis and size of a chart.
#[derive(Debug, Clone)]
pub struct Frame {
    /// Title (bold, top left).
    pub title: String,
    /// One line under the title (scope, year, unit).
    pub subtitle: String,
    /// Y axis label, with its unit.
    pub y_label: String,
    /// Value format.
    pub fmt: Fmt,
    /// Width, px.
    pub width: f64,
    /// Height, px.
    pub height: f64,
}

impl Frame {
    /// A frame of the default small-multiple size (560 × 300).
    pub fn new(title: impl Into<String>, y_label: impl Into<String>, fmt: Fmt) -> Self {
        Frame {
            title: title.into(),
            subtitle: String::new(),
            y_label: y_label.into(),
            fmt,
            width: 560.0,
            height: 300.0,
        }
    }

    /// With a subtitle.
    pub fn subtitle(mut self, s: impl Into<String>) -> Self {
        self.subtitle = s.into();
        self
    }

    /// With a size.
    pub fn size(mut self, w: f64, h: f64) -> Self {
        self.width = w;
        self.height = h;
        self
    }
}

/// A legend entry.
struct Key {
    name: String,
    colour: String,
    mark: Mark,
}

#[derive(Clone, Copy, PartialEq)]
enum Mark {
    Line,
    Dashed,
    Swatch,
    Band,
}

/// Plot area and data ranges.
struct Plot {
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
    xmin: f64,
    xmax: f64,
    ymin: f64,
    ymax: f64,
}

impl Plot {
    fn px(&self, x: f64) -> f64 {
        if self.xmax > self.xmin {
            self.x0 + (x - self.xmin) / (self.xmax - self.xmin) * (self.x1 - self.x0)
        } else {
            (self.x0 + self.x1) / 2.0
        }
    }

    fn py(&self, y: f64) -> f64 {
        let t = if self.ymax > self.ymin {
            (y - self.ymin) / (self.ymax - self.ymin)
        } else {
            0.0
        };
        self.y1 - t * (self.y1 - self.y0)
    }
}

/// Ticks at 1-2-2.5-5 × 10^k covering `[lo, hi]`: (new lo, new hi, ticks).
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> (f64, f64, Vec<f64>) {
    let (lo, hi) = if hi - lo <= f64::EPSILON * hi.abs().max(1.0) {
        if hi == 0.0 {
            (0.0, 1.0)
        } else {
            (lo.min(0.0), hi.abs() * 1.2)
        }
    } else {
        (lo, hi)
    };
    let raw = (hi - lo) / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let a = (lo / step).floor() * step;
    let b = (hi / step).ceil() * step;
    let mut ticks = Vec::new();
    let mut v = a;
    while v <= b + step * 1e-9 {
        ticks.push(if v.abs() < step * 1e-9 { 0.0 } else { v });
        v += step;
    }
    (a, b, ticks)
}

fn open(out: &mut String, w: f64, h: f64, title: &str) {
    let _ = write!(
        out,
        r##"<svg class="chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" font-family="{FONT}" font-size="12" role="img" aria-label="{t}"><title>{t}</title><rect width="{w}" height="{h}" fill="#fff"/>"##,
        t = esc(title)
    );
}

fn header(out: &mut String, f: &Frame) {
    // average glyph widths of the system sans fonts, bold 15 px and regular 12 px
    let room = f.width - 24.0;
    let n = f.title.chars().count() as f64;
    let (size, title) = if n * 8.6 <= room {
        (15.0, f.title.clone())
    } else if n * 7.4 <= room {
        (13.0, f.title.clone())
    } else {
        (13.0, clip(&f.title, (room / 7.4) as usize))
    };
    let _ = write!(
        out,
        r#"<text x="12" y="22" font-size="{size}" font-weight="600" fill="{INK}">{}</text>"#,
        esc(&title)
    );
    if !f.subtitle.is_empty() {
        let _ = write!(
            out,
            r#"<text x="12" y="40" font-size="12" fill="{MUTED}">{}</text>"#,
            esc(&clip(&f.subtitle, (room / 6.3) as usize))
        );
    }
}

/// At most `max` characters, with an ellipsis when cut.
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let t: String = s.chars().take(max.saturating_sub(1)).collect();
        format!("{}…", t.trim_end())
    }
}

fn top(f: &Frame) -> f64 {
    if f.subtitle.is_empty() { 42.0 } else { 58.0 }
}

fn legend_width(keys: &[Key]) -> f64 {
    if keys.is_empty() {
        return 0.0;
    }
    let longest = keys
        .iter()
        .map(|k| k.name.chars().count().min(28))
        .max()
        .unwrap_or(0) as f64;
    (longest * 6.4 + 34.0).clamp(70.0, 210.0)
}

fn legend(out: &mut String, keys: &[Key], x: f64, y: f64, max_h: f64) {
    let row = 17.0;
    let rows = ((max_h / row).floor() as usize).max(1);
    for (i, k) in keys.iter().enumerate().take(rows) {
        let yy = y + i as f64 * row;
        match k.mark {
            Mark::Line | Mark::Dashed => {
                let dash = if k.mark == Mark::Dashed {
                    r#" stroke-dasharray="5 3""#
                } else {
                    ""
                };
                let _ = write!(
                    out,
                    r#"<line x1="{x}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2.5"{dash}/>"#,
                    yy - 4.0,
                    x + 18.0,
                    yy - 4.0,
                    k.colour
                );
            }
            Mark::Swatch | Mark::Band => {
                let op = if k.mark == Mark::Band { "0.3" } else { "0.9" };
                let _ = write!(
                    out,
                    r#"<rect x="{x}" y="{}" width="18" height="10" rx="2" fill="{}" fill-opacity="{op}"/>"#,
                    yy - 9.0,
                    k.colour
                );
            }
        }
        let name = fit(&k.name, 28);
        let _ = write!(
            out,
            r#"<text x="{}" y="{yy}" fill="{INK}"><title>{}</title>{}</text>"#,
            x + 24.0,
            esc(&k.name),
            esc(&name)
        );
    }
    if keys.len() > rows {
        let _ = write!(
            out,
            r#"<text x="{x}" y="{}" fill="{MUTED}">+{} more</text>"#,
            y + rows as f64 * row,
            keys.len() - rows
        );
    }
}

/// Shorten a legend label to `max` characters, keeping a ` · A`-style suffix.
fn fit(name: &str, max: usize) -> String {
    let n = name.chars().count();
    if n <= max {
        return name.to_string();
    }
    let (head, tail) = match name.rfind(" · ") {
        Some(i) if name[i..].chars().count() <= 8 => (&name[..i], &name[i..]),
        _ => (name, ""),
    };
    let keep = max.saturating_sub(tail.chars().count() + 1);
    format!(
        "{}…{tail}",
        head.chars().take(keep).collect::<String>().trim_end()
    )
}

/// X tick labels: every year where they fit (about 34 px each), else every 2nd, 5th …
fn x_axis(out: &mut String, p: &Plot, xs: &[i32]) {
    let gap = (p.x1 - p.x0) / (xs.len().max(2) - 1) as f64;
    let every = [1usize, 2, 5, 10, 20, 50]
        .into_iter()
        .find(|k| gap * *k as f64 >= 34.0)
        .unwrap_or(100);
    let _ = write!(
        out,
        r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{AXIS}"/>"#,
        p.x0, p.y1, p.x1, p.y1
    );
    for x in xs {
        let px = p.px(*x as f64);
        let _ = write!(
            out,
            r#"<line x1="{px}" y1="{}" x2="{px}" y2="{}" stroke="{AXIS}"/>"#,
            p.y1,
            p.y1 + 4.0
        );
        if ((x - xs[0]).unsigned_abs() as usize).is_multiple_of(every) {
            let _ = write!(
                out,
                r#"<text x="{px}" y="{}" text-anchor="middle" font-size="11" fill="{MUTED}">{x}</text>"#,
                p.y1 + 17.0
            );
        }
    }
}

/// Category labels under points 0, 1, 2, … (every other one when they would overlap).
fn x_labels(out: &mut String, p: &Plot, labels: &[String]) {
    let gap = (p.x1 - p.x0) / (labels.len().max(2) - 1) as f64;
    let widest = labels.iter().map(|l| l.len()).max().unwrap_or(4) as f64 * 6.5;
    let every = (1..).find(|k| gap * *k as f64 >= widest + 6.0).unwrap_or(1);
    let _ = write!(
        out,
        r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{AXIS}"/>"#,
        p.x0, p.y1, p.x1, p.y1
    );
    for (i, l) in labels.iter().enumerate() {
        let px = p.px(i as f64);
        let _ = write!(
            out,
            r#"<line x1="{px}" y1="{}" x2="{px}" y2="{}" stroke="{AXIS}"/>"#,
            p.y1,
            p.y1 + 4.0
        );
        if i % every == 0 {
            let _ = write!(
                out,
                r#"<text x="{px}" y="{}" text-anchor="middle" font-size="11" fill="{MUTED}">{}</text>"#,
                p.y1 + 17.0,
                esc(l)
            );
        }
    }
}

fn y_axis(out: &mut String, p: &Plot, ticks: &[f64], fmt: Fmt, label: &str) {
    for t in ticks {
        let py = p.py(*t);
        let _ = write!(
            out,
            r#"<line x1="{}" y1="{py}" x2="{}" y2="{py}" stroke="{GRID}"/><text x="{}" y="{}" text-anchor="end" font-size="11" fill="{MUTED}">{}</text>"#,
            p.x0,
            p.x1,
            p.x0 - 6.0,
            py + 4.0,
            fmt.tick(*t)
        );
    }
    let cy = (p.y0 + p.y1) / 2.0;
    let _ = write!(
        out,
        r#"<text transform="translate(14 {cy}) rotate(-90)" text-anchor="middle" font-size="12" fill="{INK}">{}</text>"#,
        esc(label)
    );
}

fn layout(f: &Frame, keys: &[Key], xs: &[i32], lo: f64, hi: f64) -> (Plot, Vec<f64>) {
    let (a, b, ticks) = nice_ticks(lo, hi, 5);
    let lw = legend_width(keys);
    let widest = ticks
        .iter()
        .map(|t| f.fmt.tick(*t).chars().count())
        .max()
        .unwrap_or(3) as f64;
    let p = Plot {
        x0: 30.0 + widest * 6.5 + 6.0,
        x1: f.width - 16.0 - if lw > 0.0 { lw + 12.0 } else { 0.0 },
        y0: top(f) + 6.0,
        y1: f.height - 30.0,
        xmin: xs.first().copied().unwrap_or(0) as f64,
        xmax: xs.last().copied().unwrap_or(1) as f64,
        ymin: a,
        ymax: b,
    };
    (p, ticks)
}

fn empty(out: &mut String, f: &Frame, why: &str) {
    let _ = write!(
        out,
        r#"<text x="{}" y="{}" text-anchor="middle" fill="{MUTED}">{}</text></svg>"#,
        f.width / 2.0,
        f.height / 2.0,
        esc(why)
    );
}

fn range(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    let mut r: Option<(f64, f64)> = None;
    for v in values.filter(|v| v.is_finite()) {
        r = Some(match r {
            None => (v, v),
            Some((a, b)) => (a.min(v), b.max(v)),
        });
    }
    r
}

fn polyline(p: &Plot, xs: &[i32], values: &[Option<f64>]) -> Vec<String> {
    // one path per run of consecutive values
    let mut paths = Vec::new();
    let mut cur = String::new();
    for (x, v) in xs.iter().zip(values) {
        match v.filter(|v| v.is_finite()) {
            Some(v) => {
                let cmd = if cur.is_empty() { 'M' } else { 'L' };
                let _ = write!(cur, "{cmd}{:.1},{:.1} ", p.px(*x as f64), p.py(v));
            }
            None => {
                if !cur.is_empty() {
                    paths.push(std::mem::take(&mut cur));
                }
            }
        }
    }
    if !cur.is_empty() {
        paths.push(cur);
    }
    paths
}

/// Merge series whose values agree within `rel` (relative) in every year into one line
/// named after all of them (`China, Japan and 3 more`), so that overlapping lines stay
/// readable. The first series of each group gives the colour.
pub fn merge_identical(series: Vec<Series>, rel: f64) -> Vec<Series> {
    let same = |a: &Series, b: &Series| {
        a.dashed == b.dashed
            && a.values.len() == b.values.len()
            && a.values.iter().zip(&b.values).all(|(x, y)| match (x, y) {
                (None, None) => true,
                (Some(x), Some(y)) => (x - y).abs() <= rel * x.abs().max(y.abs()).max(1e-9),
                _ => false,
            })
    };
    let mut groups: Vec<(Series, Vec<String>)> = Vec::new();
    for s in series {
        match groups.iter_mut().find(|(g, _)| same(g, &s)) {
            Some((_, names)) => names.push(s.name),
            None => {
                let n = s.name.clone();
                groups.push((s, vec![n]));
            }
        }
    }
    groups
        .into_iter()
        .map(|(mut s, names)| {
            // a common suffix (` · A`) is written once
            let suffix = names[0]
                .rfind(" · ")
                .map(|i| names[0][i..].to_string())
                .filter(|x| names.iter().all(|n| n.ends_with(x.as_str())))
                .unwrap_or_default();
            let bare: Vec<&str> = names.iter().map(|n| &n[..n.len() - suffix.len()]).collect();
            s.name = match bare.len() {
                1 => names[0].clone(),
                2 => format!("{}, {}{suffix}", bare[0], bare[1]),
                n => format!("{} +{} more (same){suffix}", bare[0], n - 1),
            };
            s
        })
        .collect()
}

/// A line chart over years. The y axis starts at zero unless values are negative.
pub fn line_chart(f: &Frame, xs: &[i32], series: &[Series]) -> String {
    lines(f, xs, None, series)
}

/// A line chart over named categories in order (periods of mixed length: `2024`,
/// `2024-07`, `2025-Q1`), one value per label and series, each label under its point.
pub fn category_chart(f: &Frame, labels: &[String], series: &[Series]) -> String {
    let xs: Vec<i32> = (0..labels.len() as i32).collect();
    lines(f, &xs, Some(labels), series)
}

fn lines(f: &Frame, xs: &[i32], labels: Option<&[String]>, series: &[Series]) -> String {
    let mut out = String::new();
    open(&mut out, f.width, f.height, &f.title);
    header(&mut out, f);
    let Some((lo, hi)) = range(
        series
            .iter()
            .flat_map(|s| s.values.iter().flatten().copied()),
    ) else {
        empty(&mut out, f, "no data in this run");
        return out;
    };
    let keys: Vec<Key> = series
        .iter()
        .map(|s| Key {
            name: s.name.clone(),
            colour: s.colour.clone(),
            mark: if s.dashed { Mark::Dashed } else { Mark::Line },
        })
        .collect();
    let hi = if f.fmt == Fmt::Percent && hi > 0.9 && hi <= 1.0 + 1e-9 {
        1.0
    } else {
        hi
    };
    let (p, ticks) = layout(f, &keys, xs, lo.min(0.0), hi);
    y_axis(&mut out, &p, &ticks, f.fmt, &f.y_label);
    match labels {
        Some(l) => x_labels(&mut out, &p, l),
        None => x_axis(&mut out, &p, xs),
    }
    for s in series {
        let dash = if s.dashed {
            r#" stroke-dasharray="6 4""#
        } else {
            ""
        };
        for d in polyline(&p, xs, &s.values) {
            let _ = write!(
                out,
                r#"<path d="{d}" fill="none" stroke="{}" stroke-width="2.2" stroke-linejoin="round"{dash}/>"#,
                s.colour
            );
        }
        if xs.len() <= 40 {
            for (x, v) in xs.iter().zip(&s.values) {
                if let Some(v) = v.filter(|v| v.is_finite()) {
                    let mark = if s.observed {
                        format!(
                            r##"r="3.4" fill="#fff" stroke="{}" stroke-width="1.8""##,
                            s.colour
                        )
                    } else {
                        format!(r#"r="2.6" fill="{}""#, s.colour)
                    };
                    let _ = write!(
                        out,
                        r#"<circle cx="{:.1}" cy="{:.1}" {mark}><title>{} · {x}: {}</title></circle>"#,
                        p.px(*x as f64),
                        p.py(v),
                        esc(&s.name),
                        esc(&f.fmt.value(v))
                    );
                }
            }
        }
    }
    legend(&mut out, &keys, p.x1 + 14.0, p.y0 + 8.0, p.y1 - p.y0);
    out.push_str("</svg>");
    out
}

/// A stacked area chart over years; `normalize` stacks shares of the yearly total (0–100%).
pub fn stacked_area(f: &Frame, xs: &[i32], series: &[Series], normalize: bool) -> String {
    let mut out = String::new();
    open(&mut out, f.width, f.height, &f.title);
    header(&mut out, f);
    let n = xs.len();
    let totals: Vec<f64> = (0..n)
        .map(|i| {
            series
                .iter()
                .map(|s| s.values.get(i).copied().flatten().unwrap_or(0.0).max(0.0))
                .sum()
        })
        .collect();
    let max = totals.iter().copied().fold(0.0, f64::max);
    if series.is_empty() || max <= 0.0 {
        empty(&mut out, f, "no output at this stage in this run");
        return out;
    }
    let keys: Vec<Key> = series
        .iter()
        .rev()
        .map(|s| Key {
            name: s.name.clone(),
            colour: s.colour.clone(),
            mark: Mark::Swatch,
        })
        .collect();
    let (p, ticks) = layout(f, &keys, xs, 0.0, if normalize { 1.0 } else { max });
    y_axis(&mut out, &p, &ticks, f.fmt, &f.y_label);
    let mut base = vec![0.0; n];
    for s in series {
        let vals: Vec<f64> = (0..n)
            .map(|i| {
                let v = s.values.get(i).copied().flatten().unwrap_or(0.0).max(0.0);
                if normalize && totals[i] > 0.0 {
                    v / totals[i]
                } else {
                    v
                }
            })
            .collect();
        let mut d = String::new();
        for i in 0..n {
            let _ = write!(
                d,
                "{}{:.1},{:.1} ",
                if i == 0 { 'M' } else { 'L' },
                p.px(xs[i] as f64),
                p.py(base[i] + vals[i])
            );
        }
        for i in (0..n).rev() {
            let _ = write!(d, "L{:.1},{:.1} ", p.px(xs[i] as f64), p.py(base[i]));
        }
        let tip: Vec<String> = xs
            .iter()
            .zip(&vals)
            .map(|(x, v)| format!("{x}: {}", f.fmt.value(*v)))
            .collect();
        let _ = write!(
            out,
            r##"<path class="area" d="{d}Z" fill="{}" fill-opacity="0.88" stroke="#fff" stroke-width="0.6"><title>{}&#10;{}</title></path>"##,
            s.colour,
            esc(&s.name),
            esc(&tip.join("\n"))
        );
        for i in 0..n {
            base[i] += vals[i];
        }
    }
    x_axis(&mut out, &p, xs);
    legend(&mut out, &keys, p.x1 + 14.0, p.y0 + 8.0, p.y1 - p.y0);
    out.push_str("</svg>");
    out
}

/// A band of quantiles over years.
#[derive(Debug, Clone)]
pub struct Band {
    /// P10 per x.
    pub p10: Vec<Option<f64>>,
    /// P50 per x.
    pub p50: Vec<Option<f64>>,
    /// P90 per x.
    pub p90: Vec<Option<f64>>,
    /// Colour.
    pub colour: String,
}

/// A fan chart: the P10–P90 band, the median, and optionally the single run's line.
pub fn fan_chart(f: &Frame, xs: &[i32], band: &Band, single: Option<&Series>) -> String {
    let mut out = String::new();
    open(&mut out, f.width, f.height, &f.title);
    header(&mut out, f);
    let all = band
        .p10
        .iter()
        .chain(&band.p50)
        .chain(&band.p90)
        .flatten()
        .copied()
        .chain(
            single
                .into_iter()
                .flat_map(|s| s.values.iter().flatten().copied()),
        );
    let Some((lo, hi)) = range(all) else {
        empty(&mut out, f, "no values for this metric");
        return out;
    };
    let mut keys = vec![
        Key {
            name: "P10–P90".into(),
            colour: band.colour.clone(),
            mark: Mark::Band,
        },
        Key {
            name: "median (P50)".into(),
            colour: band.colour.clone(),
            mark: Mark::Line,
        },
    ];
    if let Some(s) = single {
        keys.push(Key {
            name: s.name.clone(),
            colour: s.colour.clone(),
            mark: Mark::Dashed,
        });
    }
    let hi = if f.fmt == Fmt::Percent && hi > 0.9 && hi <= 1.0 + 1e-9 {
        1.0
    } else {
        hi
    };
    let (p, ticks) = layout(f, &keys, xs, lo.min(0.0), hi);
    y_axis(&mut out, &p, &ticks, f.fmt, &f.y_label);
    band_area(&mut out, &p, xs, band);
    median_line(&mut out, &p, xs, band, f.fmt);
    if let Some(s) = single {
        for d in polyline(&p, xs, &s.values) {
            let _ = write!(
                out,
                r#"<path d="{d}" fill="none" stroke="{}" stroke-width="1.8" stroke-dasharray="6 4"/>"#,
                s.colour
            );
        }
    }
    x_axis(&mut out, &p, xs);
    legend(&mut out, &keys, p.x1 + 14.0, p.y0 + 8.0, p.y1 - p.y0);
    out.push_str("</svg>");
    out
}

/// The P10–P90 band of a fan chart: one area per run of years where both bounds exist.
fn band_area(out: &mut String, p: &Plot, xs: &[i32], band: &Band) {
    let mut i = 0;
    while i < xs.len() {
        if band.p10[i].is_none() || band.p90[i].is_none() {
            i += 1;
            continue;
        }
        let start = i;
        while i < xs.len() && band.p10[i].is_some() && band.p90[i].is_some() {
            i += 1;
        }
        let mut d = String::new();
        for (j, (x, hi)) in xs.iter().zip(&band.p90).enumerate().take(i).skip(start) {
            let _ = write!(
                d,
                "{}{:.1},{:.1} ",
                if j == start { 'M' } else { 'L' },
                p.px(*x as f64),
                p.py(hi.unwrap_or(0.0))
            );
        }
        for (x, lo) in xs.iter().zip(&band.p10).take(i).skip(start).rev() {
            let _ = write!(d, "L{:.1},{:.1} ", p.px(*x as f64), p.py(lo.unwrap_or(0.0)));
        }
        let _ = write!(
            out,
            r#"<path d="{d}Z" fill="{}" fill-opacity="0.25" stroke="none"/>"#,
            band.colour
        );
    }
}

/// The median of a fan chart: its line, and a point per year with the band in its tooltip.
fn median_line(out: &mut String, p: &Plot, xs: &[i32], band: &Band, fmt: Fmt) {
    for d in polyline(p, xs, &band.p50) {
        let _ = write!(
            out,
            r#"<path d="{d}" fill="none" stroke="{}" stroke-width="2.4"/>"#,
            band.colour
        );
    }
    for (j, x) in xs.iter().enumerate() {
        if let Some(m) = band.p50[j] {
            let _ = write!(
                out,
                r#"<circle cx="{:.1}" cy="{:.1}" r="2.6" fill="{}"><title>{x}: P10 {} · P50 {} · P90 {}</title></circle>"#,
                p.px(*x as f64),
                p.py(m),
                band.colour,
                esc(&band.p10[j].map_or("–".into(), |v| fmt.value(v))),
                esc(&fmt.value(m)),
                esc(&band.p90[j].map_or("–".into(), |v| fmt.value(v))),
            );
        }
    }
}

/// One horizontal 100% bar: a label, segments (name, colour, value) and a total label.
#[derive(Debug, Clone)]
pub struct BarRow {
    /// Label at the left (an element symbol); empty with `group` set for a group header.
    pub label: String,
    /// Tooltip name of the row.
    pub long_label: String,
    /// Segments: (name, colour, value); drawn as shares of their sum.
    pub segments: Vec<(String, String, f64)>,
    /// Text at the right of the bar (the total with its unit).
    pub total: String,
    /// A group header row (bold text, no bar).
    pub group: bool,
}

/// Horizontal 100% bars, with group headers and a legend of (name, colour).
pub fn hbars(f: &Frame, rows: &[BarRow], keys: &[(String, String)]) -> String {
    let keys: Vec<Key> = keys
        .iter()
        .map(|(n, c)| Key {
            name: n.clone(),
            colour: c.clone(),
            mark: Mark::Swatch,
        })
        .collect();
    let row_h = 19.0;
    let t = top(f) + 4.0;
    let height = (t + rows.len() as f64 * row_h + 36.0).max(f.height.min(200.0));
    let mut out = String::new();
    open(&mut out, f.width, height, &f.title);
    header(&mut out, f);
    let lw = legend_width(&keys);
    let x0 = 64.0;
    let x1 = f.width - 16.0 - lw - 12.0 - 96.0;
    let mut y = t;
    for r in rows {
        if r.group {
            let _ = write!(
                out,
                r#"<text x="12" y="{}" font-weight="600" fill="{INK}">{}</text>"#,
                y + 14.0,
                esc(&r.label)
            );
            y += row_h;
            continue;
        }
        let sum: f64 = r.segments.iter().map(|s| s.2.max(0.0)).sum();
        let _ = write!(
            out,
            r#"<text x="{}" y="{}" text-anchor="end" fill="{INK}"><title>{}</title>{}</text>"#,
            x0 - 8.0,
            y + 13.0,
            esc(&r.long_label),
            esc(&r.label)
        );
        let mut x = x0;
        if sum > 0.0 {
            for (name, colour, v) in &r.segments {
                let w = v.max(0.0) / sum * (x1 - x0);
                if w <= 0.0 {
                    continue;
                }
                let _ = write!(
                    out,
                    r#"<rect x="{x:.1}" y="{}" width="{w:.1}" height="{}" fill="{colour}"><title>{} · {}: {}</title></rect>"#,
                    y + 2.0,
                    row_h - 5.0,
                    esc(&r.long_label),
                    esc(name),
                    esc(&pct(v / sum))
                );
                if w > 34.0 {
                    let _ = write!(
                        out,
                        r##"<text x="{:.1}" y="{}" text-anchor="middle" font-size="10.5" fill="#fff" pointer-events="none">{}</text>"##,
                        x + w / 2.0,
                        y + 13.0,
                        esc(&pct(v / sum))
                    );
                }
                x += w;
            }
        }
        let _ = write!(
            out,
            r#"<text x="{}" y="{}" font-size="11" fill="{MUTED}">{}</text>"#,
            x1 + 8.0,
            y + 13.0,
            esc(&r.total)
        );
        y += row_h;
    }
    legend(
        &mut out,
        &keys,
        f.width - lw - 12.0,
        t + 12.0,
        height - t - 20.0,
    );
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_legend_labels_keep_their_suffix() {
        assert_eq!(fit("short · A", 28), "short · A");
        let f = fit("Industrial motors, robots, pumps, HVAC · B", 28);
        assert!(f.ends_with("… · B") && f.chars().count() <= 28, "{f}");
    }

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        let (a, b, t) = nice_ticks(0.0, 393_476.0, 5);
        assert_eq!(a, 0.0);
        assert!(b >= 393_476.0);
        assert_eq!(t[1], 100_000.0);
        let (_, b, _) = nice_ticks(0.0, 0.93, 5);
        assert!((b - 1.0).abs() < 1e-12);
        let (_, _, t) = nice_ticks(0.0, 0.0, 5);
        assert!(t.len() >= 2);
    }

    #[test]
    fn charts_are_closed_svg_with_titles_and_legends() {
        let xs = [2024, 2025, 2026];
        let f = Frame::new("Price", "USD/kg", Fmt::Usd);
        let s = vec![
            Series::new("CN", "#d62728", vec![Some(50.0), None, Some(60.0)]),
            Series::new("US", "#1f5fb4", vec![Some(70.0), Some(75.0), Some(80.0)]).dashed(),
        ];
        for svg in [
            line_chart(&f, &xs, &s),
            stacked_area(&f, &xs, &s, true),
            fan_chart(
                &f,
                &xs,
                &Band {
                    p10: vec![Some(1.0); 3],
                    p50: vec![Some(2.0); 3],
                    p90: vec![Some(3.0); 3],
                    colour: "#000".into(),
                },
                Some(&s[0]),
            ),
            line_chart(&f, &xs, &[]),
        ] {
            assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"), "{svg}");
            assert_eq!(svg.matches("<svg").count(), svg.matches("</svg>").count());
            assert!(svg.contains("Price"));
        }
        assert!(line_chart(&f, &xs, &s).contains("stroke-dasharray"));
        assert!(line_chart(&f, &xs, &s).contains("USD/kg"));
    }
}
