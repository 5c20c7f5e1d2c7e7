//! What a report derives from a run beyond its `Summary`: output by material and country,
//! shares by element (the dataset's compositions × output), and the flows of rare earth
//! content between stages and countries that the Sankey diagram draws.
//!
//! Flows are traced like `lodestone_engine::origin`, by proportional mixing at every
//! (market, material) node, but keyed by the last chain stage that processed the content:
//! a separation plant's input carries the country of the mine (through intermediate
//! products such as mixed carbonate), a magnet plant's input the country of the metal
//! maker, and each demand its supplier's stage and country.

use lodestone_engine::clearing::Clearing;
use lodestone_engine::{Network, RunResult};
use lodestone_model::dataset::{Basis, Dataset, Stage};
use std::collections::BTreeMap;

/// The four chain stages in order, as ids.
pub const CHAIN: [&str; 4] = ["mining", "separation", "metal", "magnet"];

/// Index of a chain stage (None for `other`).
pub fn chain_index(s: Stage) -> Option<usize> {
    match s {
        Stage::Mining => Some(0),
        Stage::Separation => Some(1),
        Stage::Metal => Some(2),
        Stage::Magnet => Some(3),
        Stage::Other => None,
    }
}

/// A node of the flow diagram.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FlowNode {
    /// Output of a chain stage (index into [`CHAIN`]) in a country.
    Stage(usize, String),
    /// Final use in a country (demand met).
    Use(String),
    /// Surplus stockpiled or discarded by producers.
    Surplus,
}

/// Flows of one year, t of rare earth content (element mass; t where a dataset has no
/// compositions).
#[derive(Debug, Clone, Default)]
pub struct Flows {
    /// (from, to) → t.
    pub links: BTreeMap<(FlowNode, FlowNode), f64>,
    /// Content recycled to an earlier stage (scrap), t: not drawn.
    pub recycled: f64,
}

/// Everything derived from a run that the summary does not hold.
#[derive(Debug, Clone, Default)]
pub struct Derived {
    /// year → material → country → t of output (chain-stage materials only).
    pub output: BTreeMap<String, BTreeMap<String, BTreeMap<String, f64>>>,
    /// year → months of the year the run covers.
    pub months: BTreeMap<String, f64>,
    /// year → flows between stages.
    pub flows: BTreeMap<String, Flows>,
    /// Whether any material has a composition (flows are then in t of content).
    pub has_content: bool,
}

/// Rare earth content per tonne of each material: element mass; 1.0 without composition.
fn content(ds: &Dataset) -> Vec<f64> {
    ds.materials
        .iter()
        .map(|m| {
            if m.composition.is_empty() {
                1.0
            } else {
                ds.element_content(&m.id).values().sum()
            }
        })
        .collect()
}

/// A run's network indexed for tracing. An origin is a (chain stage, country) pair, at
/// index `stage × nc + country` of a vector of `nk` shares.
struct Index<'r> {
    ds: &'r Dataset,
    net: &'r Network,
    /// Number of countries.
    nc: usize,
    /// Number of origins (4 stages × `nc`).
    nk: usize,
    /// Rare earth content per tonne of each material.
    re: Vec<f64>,
    /// Country index of each facility.
    fac_country: Vec<usize>,
    /// Chain stage of each material, if any.
    mat_stage: Vec<Option<usize>>,
    /// The stage an activity attributes its output to: its process's chain stage, if any.
    act_stage: Vec<Option<usize>>,
}

/// Index of a country id.
fn country_index(ds: &Dataset, id: &str) -> Option<usize> {
    ds.countries.iter().position(|c| c.id == id)
}

impl<'r> Index<'r> {
    fn new(r: &'r RunResult) -> Self {
        let ds = &r.data;
        let net = &r.network;
        let nc = ds.countries.len();
        let nk = 4 * nc;
        let cidx = |id: &str| country_index(ds, id);
        let re = content(ds);
        let fac_country: Vec<usize> = ds
            .facilities
            .iter()
            .map(|f| cidx(&f.country).unwrap_or(0))
            .collect();
        let mat_stage: Vec<Option<usize>> = ds
            .materials
            .iter()
            .map(|m| m.stage.and_then(chain_index))
            .collect();
        let act_stage: Vec<Option<usize>> = net
            .activities
            .iter()
            .map(|a| {
                ds.processes
                    .get(a.process)
                    .and_then(|p| chain_index(p.stage))
            })
            .collect();
        Index {
            ds,
            net,
            nc,
            nk,
            re,
            fac_country,
            mat_stage,
            act_stage,
        }
    }
}

/// Derive output by material and the stage-to-stage flows from a run.
pub fn derive(r: &RunResult) -> Derived {
    let ix = Index::new(r);
    let ds = ix.ds;
    let mut stock_origin = initial_stock_origin(&ix);
    let mut out = Derived {
        has_content: ds.materials.iter().any(|m| !m.composition.is_empty()),
        ..Derived::default()
    };
    for p in &r.periods {
        let year = p.period.start.year().to_string();
        *out.months.entry(year.clone()).or_default() += p.period.months as f64;
        let c = &p.clearing;
        add_output(&ix, c, out.output.entry(year.clone()).or_default());
        let origin = mix_origins(&ix, c, &p.inputs.stock_begin, &stock_origin);
        add_links(&ix, c, &origin, out.flows.entry(year).or_default());
        for (k, sv) in ix.net.stocks.iter().enumerate() {
            if origin[sv.node].iter().sum::<f64>() > 0.0 {
                stock_origin[k] = origin[sv.node].clone();
            }
        }
    }
    out
}

/// Origins of the initial stocks: held (and, for lack of better knowledge, made) where
/// they sit.
fn initial_stock_origin(ix: &Index) -> Vec<Vec<f64>> {
    let (ds, net, nc, nk, mat_stage) = (ix.ds, ix.net, ix.nc, ix.nk, &ix.mat_stage);
    let cidx = |id: &str| country_index(ds, id);
    net.stocks
        .iter()
        .map(|sv| {
            let mut v = vec![0.0; nk];
            let mat = net.nodes[sv.node].material;
            if let (Some(s), Some(c)) = (
                mat_stage.get(mat).copied().flatten(),
                match sv.row {
                    Some(r) => ds.stocks.get(r).and_then(|row| cidx(&row.country)),
                    None => cidx(&net.markets[net.nodes[sv.node].market]),
                },
            ) {
                v[s * nc + c] = 1.0;
            }
            v
        })
        .collect()
}

/// Add a period's output of chain-stage materials, material → country → t.
fn add_output(ix: &Index, c: &Clearing, output: &mut BTreeMap<String, BTreeMap<String, f64>>) {
    let (ds, net, mat_stage, fac_country) = (ix.ds, ix.net, &ix.mat_stage, &ix.fac_country);
    for (k, act) in net.activities.iter().enumerate() {
        let a = c.activity[k].max(0.0);
        if a <= 0.0 {
            continue;
        }
        for &(n, q) in &act.outputs {
            let m = net.nodes[n].material;
            if mat_stage[m].is_some() {
                *output
                    .entry(ds.materials[m].id.clone())
                    .or_default()
                    .entry(ds.countries[fac_country[act.facility]].id.clone())
                    .or_default() += q * a;
            }
        }
    }
}

/// Proportional mixing of origins at every node: each node's content by origin (shares),
/// iterated until it settles (at most 16 passes).
fn mix_origins(
    ix: &Index,
    c: &Clearing,
    stock_begin: &[f64],
    stock_origin: &[Vec<f64>],
) -> Vec<Vec<f64>> {
    let (net, nk) = (ix.net, ix.nk);
    let nn = net.nodes.len();
    let mut origin = vec![vec![0.0; nk]; nn];
    for _pass in 0..16 {
        let acc = mix_pass(ix, c, stock_begin, stock_origin, &origin);
        let done = acc
            .iter()
            .zip(&origin)
            .all(|(a, b)| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-12));
        origin = acc;
        if done {
            break;
        }
    }
    origin
}

/// One pass of the mixing: the origin shares of every node's inflows, given the shares
/// `origin` of the previous pass.
fn mix_pass(
    ix: &Index,
    c: &Clearing,
    stock_begin: &[f64],
    stock_origin: &[Vec<f64>],
    origin: &[Vec<f64>],
) -> Vec<Vec<f64>> {
    let (net, nc, nk, re) = (ix.net, ix.nc, ix.nk, &ix.re);
    let (fac_country, act_stage) = (&ix.fac_country, &ix.act_stage);
    let nn = net.nodes.len();
    let mut acc = vec![vec![0.0; nk]; nn];
    let mut tot = vec![0.0; nn];
    for (k, act) in net.activities.iter().enumerate() {
        let a = c.activity[k].max(0.0);
        if a <= 0.0 {
            continue;
        }
        let mut o = vec![0.0; nk];
        if let Some(s) = act_stage[k] {
            o[s * nc + fac_country[act.facility]] = 1.0;
        } else {
            let w: f64 = act
                .inputs
                .iter()
                .map(|(n, q)| q * re[net.nodes[*n].material])
                .sum();
            if w > 0.0 {
                for (n, q) in &act.inputs {
                    let x = q * re[net.nodes[*n].material] / w;
                    for (oi, v) in o.iter_mut().zip(&origin[*n]) {
                        *oi += x * v;
                    }
                }
            }
        }
        for &(n, q) in &act.outputs {
            let amt = q * a * re[net.nodes[n].material];
            tot[n] += amt;
            add_scaled(&mut acc[n], &o, amt);
        }
    }
    for (i, arc) in net.arcs.iter().enumerate() {
        let amt = c.flow[i].max(0.0) * re[net.nodes[arc.from].material];
        if amt > 1e-12 {
            tot[arc.to] += amt;
            add_scaled(&mut acc[arc.to], &origin[arc.from], amt);
        }
    }
    for (i, &(from, to)) in net.conversions.iter().enumerate() {
        let amt =
            c.conversion.get(i).copied().unwrap_or(0.0).max(0.0) * re[net.nodes[from].material];
        if amt > 1e-12 {
            tot[to] += amt;
            add_scaled(&mut acc[to], &origin[from], amt);
        }
    }
    for (k, sv) in net.stocks.iter().enumerate() {
        let amt =
            stock_begin.get(k).copied().unwrap_or(0.0).max(0.0) * re[net.nodes[sv.node].material];
        if amt <= 0.0 || stock_origin[k].iter().sum::<f64>() <= 0.0 {
            continue; // unknown origin: takes the mix of the node's other inflows
        }
        tot[sv.node] += amt;
        add_scaled(&mut acc[sv.node], &stock_origin[k], amt);
    }
    for n in 0..nn {
        if tot[n] > 0.0 {
            for v in acc[n].iter_mut() {
                *v /= tot[n];
            }
        }
    }
    acc
}

/// Add a period's links: the content each chain plant takes in, each demand consumes and
/// each producer leaves in surplus, by origin. Content going back to an earlier stage
/// (scrap) counts as recycled.
fn add_links(ix: &Index, c: &Clearing, origin: &[Vec<f64>], flows: &mut Flows) {
    let (ds, net, nc, re) = (ix.ds, ix.net, ix.nc, &ix.re);
    let (fac_country, act_stage) = (&ix.fac_country, &ix.act_stage);
    let link = |key: usize, to: FlowNode, amt: f64, flows: &mut Flows| {
        if amt <= 0.0 {
            return;
        }
        let from = FlowNode::Stage(key / nc, ds.countries[key % nc].id.clone());
        *flows.links.entry((from, to)).or_default() += amt;
    };
    for (k, act) in net.activities.iter().enumerate() {
        let a = c.activity[k].max(0.0);
        let Some(s) = act_stage[k] else { continue };
        if a <= 0.0 {
            continue;
        }
        let to_country = ds.countries[fac_country[act.facility]].id.clone();
        for &(n, q) in &act.inputs {
            let amt = q * a * re[net.nodes[n].material];
            for (key, share) in origin[n].iter().enumerate() {
                if *share <= 0.0 {
                    continue;
                }
                if key / nc < s {
                    link(
                        key,
                        FlowNode::Stage(s, to_country.clone()),
                        amt * share,
                        flows,
                    );
                } else {
                    flows.recycled += amt * share;
                }
            }
        }
    }
    for (d, dv) in net.demands.iter().enumerate() {
        let amt = c.consumption[d].max(0.0) * re[net.nodes[dv.node].material];
        let country = ds.demand[dv.row].country.clone();
        for (key, share) in origin[dv.node].iter().enumerate() {
            if *share > 0.0 {
                link(key, FlowNode::Use(country.clone()), amt * share, flows);
            }
        }
    }
    for (k, &(n, _)) in net.surplus.iter().enumerate() {
        let amt = c.surplus.get(k).copied().unwrap_or(0.0).max(0.0) * re[net.nodes[n].material];
        for (key, share) in origin[n].iter().enumerate() {
            if *share > 0.0 {
                link(key, FlowNode::Surplus, amt * share, flows);
            }
        }
    }
}

/// `acc += amt × src`.
fn add_scaled(acc: &mut [f64], src: &[f64], amt: f64) {
    for (a, s) in acc.iter_mut().zip(src) {
        *a += amt * s;
    }
}

/// Output of one stage by element and country in one year: element → country → t (of
/// oxide for REO-basis materials, of element otherwise), with the unit.
pub fn element_output(
    ds: &Dataset,
    output: &BTreeMap<String, BTreeMap<String, f64>>,
    stage: Stage,
) -> (BTreeMap<String, BTreeMap<String, f64>>, String) {
    let mut by: BTreeMap<String, BTreeMap<String, f64>> = BTreeMap::new();
    let mut reo = 0usize;
    let mut other = 0usize;
    for m in &ds.materials {
        if m.stage != Some(stage) || m.composition.is_empty() {
            continue;
        }
        let Some(countries) = output.get(&m.id) else {
            continue;
        };
        if m.basis == Basis::Reo {
            reo += 1;
        } else {
            other += 1;
        }
        for (e, f) in &m.composition {
            for (c, t) in countries {
                *by.entry(e.clone())
                    .or_default()
                    .entry(c.clone())
                    .or_default() += f * t;
            }
        }
    }
    let unit = if reo > 0 && other == 0 {
        "t REO"
    } else if reo == 0 {
        "t element"
    } else {
        "t (oxide or element)"
    };
    (by, unit.to_string())
}
