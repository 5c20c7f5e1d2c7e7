//! The Sankey diagram: columns mine → separation → metal → magnet → end use, one node per
//! country (coloured by country), links as filled bands whose width is the tonnage.

use crate::chart::FONT;
use crate::colour;
use crate::derive::{FlowNode, Flows};
use crate::format::{compact, esc};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Column titles.
const COLUMNS: [&str; 5] = ["Mining", "Separation", "Metal", "Magnets", "End use"];
/// Nodes below this share of their column's throughput are merged into "Other".
const MIN_SHARE: f64 = 0.015;
/// At most this many named nodes per column.
const MAX_NODES: usize = 9;
/// Canvas size, px.
const W: f64 = 1100.0;
const H: f64 = 600.0;
/// Top of the node columns (below title and column titles), bottom margin, gap between
/// nodes and node width, px.
const TOP: f64 = 78.0;
const BOTTOM: f64 = 16.0;
const PAD: f64 = 12.0;
const NODE_W: f64 = 16.0;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Named(usize, String),
    Surplus,
    Other(usize),
}

impl Key {
    fn col(&self) -> usize {
        match self {
            Key::Named(c, _) | Key::Other(c) => *c,
            Key::Surplus => 4,
        }
    }

    /// Display name.
    fn label(&self, name: &dyn Fn(&str) -> String) -> String {
        match self {
            Key::Named(_, c) => name(c),
            Key::Surplus => "Surplus (unsold)".to_string(),
            Key::Other(_) => "Other".to_string(),
        }
    }

    /// Fill colour.
    fn colour(&self) -> String {
        match self {
            Key::Named(_, c) => colour::country(c),
            Key::Surplus => "#8d8d8d".to_string(),
            Key::Other(_) => colour::OTHER.to_string(),
        }
    }
}

/// The node key of a flow node.
fn key_of(n: &FlowNode) -> Key {
    match n {
        FlowNode::Stage(s, c) => Key::Named(*s, c.clone()),
        FlowNode::Use(c) => Key::Named(4, c.clone()),
        FlowNode::Surplus => Key::Surplus,
    }
}

/// A node of the diagram: its throughput, and once placed its position and the offsets
/// of the links drawn so far.
struct Node {
    key: Key,
    value: f64,
    y: f64,
    h: f64,
    in_off: f64,
    out_off: f64,
}

/// The placed diagram: the columns present, their nodes, pixels per tonne.
struct Layout {
    cols: Vec<usize>,
    nodes: Vec<Node>,
    scale: f64,
}

/// Draw one year's flows. `name` turns a country id into a display name; `unit` labels
/// the widths (`t RE content`).
pub fn sankey(
    title: &str,
    subtitle: &str,
    flows: &Flows,
    name: &dyn Fn(&str) -> String,
    unit: &str,
) -> String {
    let (w, h) = (W, H);
    let mut out = String::new();
    let _ = write!(
        out,
        r##"<svg class="chart sankey" viewBox="0 0 {w} {h}" width="{w}" height="{h}" font-family="{FONT}" font-size="12" role="img" aria-label="{t}"><title>{t}</title><style>.lk{{fill-opacity:.36}}.lk:hover{{fill-opacity:.72}}</style><rect width="{w}" height="{h}" fill="#fff"/><text x="12" y="22" font-size="15" font-weight="600" fill="#222">{t}</text><text x="12" y="40" font-size="12" fill="#666">{s}</text>"##,
        t = esc(title),
        s = esc(subtitle)
    );
    let links = merged_links(flows);
    if links.is_empty() {
        let _ = write!(
            out,
            r##"<text x="{}" y="{}" text-anchor="middle" fill="#666">no flows between chain stages in this run</text></svg>"##,
            w / 2.0,
            h / 2.0
        );
        return out;
    }
    let mut nodes = nodes_of(&links);
    let cols: Vec<usize> = (0..5)
        .filter(|c| nodes.iter().any(|n| n.key.col() == *c))
        .collect();
    let scale = scale_of(&nodes, &cols);
    place(&mut nodes, &cols, scale);
    for c in &cols {
        let _ = write!(
            out,
            r##"<text x="{}" y="{}" text-anchor="middle" font-size="12.5" font-weight="600" fill="#444">{}</text>"##,
            x_of(&cols, *c) + NODE_W / 2.0,
            TOP - 12.0,
            COLUMNS[*c]
        );
    }
    let order = link_order(&links, &nodes);
    let (out_pos, in_pos) = link_ends(&order, &mut nodes, scale);
    let layout = Layout { cols, nodes, scale };
    draw_links(&mut out, &layout, &order, (&out_pos, &in_pos), name, unit);
    draw_nodes(&mut out, &layout, name, unit);
    out.push_str("</svg>");
    out
}

/// The links between nodes after merging, per column, the nodes below `MIN_SHARE` of the
/// column's throughput or beyond `MAX_NODES` into "Other"; links below 1e-4 of the largest
/// column left out.
fn merged_links(flows: &Flows) -> BTreeMap<(Key, Key), f64> {
    // throughput per raw node
    let mut inflow: BTreeMap<Key, f64> = BTreeMap::new();
    let mut outflow: BTreeMap<Key, f64> = BTreeMap::new();
    for ((a, b), v) in &flows.links {
        *outflow.entry(key_of(a)).or_default() += v;
        *inflow.entry(key_of(b)).or_default() += v;
    }
    let mut through: BTreeMap<Key, f64> = BTreeMap::new();
    for k in inflow.keys().chain(outflow.keys()) {
        let v = inflow
            .get(k)
            .copied()
            .unwrap_or(0.0)
            .max(outflow.get(k).copied().unwrap_or(0.0));
        through.insert(k.clone(), v);
    }
    let mut col_total = [0.0; 5];
    for (k, v) in &through {
        col_total[k.col()] += v;
    }
    // merge small nodes into "Other" per column
    let mut keep: BTreeMap<Key, Key> = BTreeMap::new();
    for (col, total) in col_total.iter().enumerate() {
        let mut ks: Vec<(&Key, f64)> = through
            .iter()
            .filter(|(k, _)| k.col() == col)
            .map(|(k, v)| (k, *v))
            .collect();
        ks.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
        for (i, (k, v)) in ks.iter().enumerate() {
            let named = *k == &Key::Surplus || (i < MAX_NODES && *v >= MIN_SHARE * total);
            keep.insert(
                (*k).clone(),
                if named { (*k).clone() } else { Key::Other(col) },
            );
        }
    }
    let mut links: BTreeMap<(Key, Key), f64> = BTreeMap::new();
    for ((a, b), v) in &flows.links {
        let (a, b) = (&keep[&key_of(a)], &keep[&key_of(b)]);
        *links.entry((a.clone(), b.clone())).or_default() += v;
    }
    let max_total = col_total.iter().copied().fold(0.0, f64::max);
    links.retain(|_, v| *v > max_total * 1e-4);
    links
}

/// The nodes of the merged links, each with its throughput (the larger of in- and outflow).
fn nodes_of(links: &BTreeMap<(Key, Key), f64>) -> Vec<Node> {
    let mut nin: BTreeMap<Key, f64> = BTreeMap::new();
    let mut nout: BTreeMap<Key, f64> = BTreeMap::new();
    for ((a, b), v) in links {
        *nout.entry(a.clone()).or_default() += v;
        *nin.entry(b.clone()).or_default() += v;
    }
    let mut nodes: Vec<Node> = Vec::new();
    for k in nin.keys().chain(nout.keys()) {
        if nodes.iter().any(|n| &n.key == k) {
            continue;
        }
        let v = nin
            .get(k)
            .copied()
            .unwrap_or(0.0)
            .max(nout.get(k).copied().unwrap_or(0.0));
        nodes.push(Node {
            key: k.clone(),
            value: v,
            y: 0.0,
            h: 0.0,
            in_off: 0.0,
            out_off: 0.0,
        });
    }
    nodes
}

/// Pixels per tonne: the largest scale at which every column fits the canvas.
fn scale_of(nodes: &[Node], cols: &[usize]) -> f64 {
    let avail = H - TOP - BOTTOM;
    let mut scale = f64::INFINITY;
    for c in cols {
        let n = nodes.iter().filter(|x| x.key.col() == *c).count() as f64;
        let tot: f64 = nodes
            .iter()
            .filter(|x| x.key.col() == *c)
            .map(|x| x.value)
            .sum();
        if tot > 0.0 {
            scale = scale.min((avail - PAD * (n - 1.0)) / tot);
        }
    }
    scale
}

/// Order the nodes within each column (largest first, Other and Surplus last) and stack
/// them from the top.
fn place(nodes: &mut [Node], cols: &[usize], scale: f64) {
    nodes.sort_by(|a, b| {
        let rank = |k: &Key| match k {
            Key::Named(..) => 0,
            Key::Surplus => 1,
            Key::Other(_) => 2,
        };
        a.key
            .col()
            .cmp(&b.key.col())
            .then(rank(&a.key).cmp(&rank(&b.key)))
            .then(b.value.total_cmp(&a.value))
    });
    for c in cols {
        let mut y = TOP;
        for n in nodes.iter_mut().filter(|x| x.key.col() == *c) {
            n.h = (n.value * scale).max(1.0);
            n.y = y;
            y += n.h + PAD;
        }
    }
}

/// x of a column's nodes.
fn x_of(cols: &[usize], col: usize) -> f64 {
    let i = cols.iter().position(|c| *c == col).unwrap_or(0) as f64;
    let n = (cols.len().max(2) - 1) as f64;
    150.0 + i * (W - 150.0 - 175.0 - NODE_W) / n
}

/// The links as (source node, target node, t), outgoing by target position, incoming by
/// source position.
fn link_order(links: &BTreeMap<(Key, Key), f64>, nodes: &[Node]) -> Vec<(usize, usize, f64)> {
    let idx = |k: &Key, nodes: &[Node]| nodes.iter().position(|n| &n.key == k).unwrap_or(0);
    let mut order: Vec<(usize, usize, f64)> = links
        .iter()
        .map(|((a, b), v)| (idx(a, nodes), idx(b, nodes), *v))
        .collect();
    order.sort_by(|x, y| {
        (
            nodes[x.0].key.col(),
            nodes[x.0].y,
            nodes[x.1].key.col(),
            nodes[x.1].y,
        )
            .partial_cmp(&(
                nodes[y.0].key.col(),
                nodes[y.0].y,
                nodes[y.1].key.col(),
                nodes[y.1].y,
            ))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    order
}

/// Where each link leaves its source and enters its target (y, px), stacked in order.
fn link_ends(
    order: &[(usize, usize, f64)],
    nodes: &mut [Node],
    scale: f64,
) -> (Vec<f64>, Vec<f64>) {
    let mut out_pos = vec![0.0; order.len()];
    for (i, (a, _, v)) in order.iter().enumerate() {
        out_pos[i] = nodes[*a].y + nodes[*a].out_off;
        nodes[*a].out_off += v * scale;
    }
    let mut by_target: Vec<usize> = (0..order.len()).collect();
    by_target.sort_by(|&x, &y| {
        let (a, b) = (&order[x], &order[y]);
        (
            nodes[a.1].key.col(),
            nodes[a.1].y,
            nodes[a.0].key.col(),
            nodes[a.0].y,
        )
            .partial_cmp(&(
                nodes[b.1].key.col(),
                nodes[b.1].y,
                nodes[b.0].key.col(),
                nodes[b.0].y,
            ))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let mut in_pos = vec![0.0; order.len()];
    for &i in &by_target {
        let (_, b, v) = order[i];
        in_pos[i] = nodes[b].y + nodes[b].in_off;
        nodes[b].in_off += v * scale;
    }
    (out_pos, in_pos)
}

/// The links as bands, largest first so small ones stay visible on top.
fn draw_links(
    out: &mut String,
    layout: &Layout,
    order: &[(usize, usize, f64)],
    (out_pos, in_pos): (&[f64], &[f64]),
    name: &dyn Fn(&str) -> String,
    unit: &str,
) {
    let (cols, nodes, scale) = (&layout.cols[..], &layout.nodes[..], layout.scale);
    let mut draw: Vec<usize> = (0..order.len()).collect();
    draw.sort_by(|&x, &y| order[y].2.total_cmp(&order[x].2));
    for i in draw {
        let (a, b, v) = order[i];
        let th = (v * scale).max(0.6);
        let x0 = x_of(cols, nodes[a].key.col()) + NODE_W;
        let x1 = x_of(cols, nodes[b].key.col());
        let (y0, y1) = (out_pos[i], in_pos[i]);
        let xm = (x0 + x1) / 2.0;
        let _ = write!(
            out,
            r#"<path class="lk" d="M{x0:.1},{y0:.1} C{xm:.1},{y0:.1} {xm:.1},{y1:.1} {x1:.1},{y1:.1} L{x1:.1},{:.1} C{xm:.1},{:.1} {xm:.1},{:.1} {x0:.1},{:.1} Z" fill="{}"><title>{} {} → {} {}: {} {}</title></path>"#,
            y1 + th,
            y1 + th,
            y0 + th,
            y0 + th,
            nodes[a].key.colour(),
            esc(&nodes[a].key.label(name)),
            COLUMNS[nodes[a].key.col()].to_lowercase(),
            esc(&nodes[b].key.label(name)),
            COLUMNS[nodes[b].key.col()].to_lowercase(),
            crate::format::amount(v),
            esc(unit)
        );
    }
}

/// The nodes as bars, labelled where tall enough.
fn draw_nodes(out: &mut String, layout: &Layout, name: &dyn Fn(&str) -> String, unit: &str) {
    let (cols, nodes) = (&layout.cols[..], &layout.nodes[..]);
    let last = *cols.last().unwrap_or(&4);
    for n in nodes {
        let x = x_of(cols, n.key.col());
        let text = format!("{} {} t", n.key.label(name), compact_t(n.value));
        let _ = write!(
            out,
            r##"<rect x="{x:.1}" y="{:.1}" width="{NODE_W}" height="{:.1}" fill="{}" stroke="#fff" stroke-width="0.5"><title>{}: {} {}</title></rect>"##,
            n.y,
            n.h,
            n.key.colour(),
            esc(&n.key.label(name)),
            crate::format::amount(n.value),
            esc(unit)
        );
        if n.h >= 7.0 {
            let (tx, anchor) = if n.key.col() == last {
                (x + NODE_W + 6.0, "start")
            } else if n.key.col() == cols[0] {
                (x - 6.0, "end")
            } else {
                (x + NODE_W + 5.0, "start")
            };
            let _ = write!(
                out,
                r##"<text x="{tx:.1}" y="{:.1}" text-anchor="{anchor}" font-size="{}" fill="#222" stroke="#fff" stroke-width="3" stroke-linejoin="round" paint-order="stroke">{}</text>"##,
                n.y + n.h / 2.0 + 4.0,
                if n.h >= 14.0 { 12 } else { 10 },
                esc(&text)
            );
        }
    }
}

/// Tonnes for a label: to the nearest 100 t from 1000 t, compact.
fn compact_t(x: f64) -> String {
    compact(if x >= 1000.0 {
        (x / 100.0).round() * 100.0
    } else {
        x.round()
    })
}
