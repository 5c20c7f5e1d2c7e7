//! Origin tracing: the share of each node's rare earth content by country of mining and
//! by country of separation, propagated through production and trade by proportional
//! mixing (every tonne at a node carries the node's average origin).

use crate::clearing::{Clearing, PeriodInputs};
use crate::network::Network;
use lodestone_model::dataset::{Dataset, Stage};

/// Origin shares per node (dense over the dataset's countries).
#[derive(Debug, Clone)]
pub struct Origins {
    /// Share by mining country, per node.
    pub mined: Vec<Vec<f64>>,
    /// Share by separation country, per node (zero for unseparated material).
    pub separated: Vec<Vec<f64>>,
    /// Content inflow per node (element t, or t for materials without composition).
    pub inflow: Vec<f64>,
}

/// Rare earth content per tonne of each material (element mass; 1.0 where a material has
/// no composition, so origin tracing also works for plain commodities).
pub fn content(ds: &Dataset) -> Vec<f64> {
    ds.materials
        .iter()
        .map(|m| {
            let c: f64 = ds.element_content(&m.id).values().sum();
            if m.composition.is_empty() { 1.0 } else { c }
        })
        .collect()
}

/// Origin of the stocks carried into a period, per stock variable: (mined, separated).
pub type StockOrigins = Vec<(Vec<f64>, Vec<f64>)>;

/// Trace one period. `stock_in` is the origin of each stock at the start of the period.
///
/// Fixed-point iteration (at most 12 passes): each pass recomputes every node's origin
/// mix from the previous pass's mixes at the nodes feeding it (activity inputs, trade
/// arcs) and from the stocks carried in, until the mixes no longer change.
pub fn trace(
    ds: &Dataset,
    net: &Network,
    re: &[f64],
    inp: &PeriodInputs,
    c: &Clearing,
    stock_in: &StockOrigins,
) -> (Origins, StockOrigins) {
    let nc = ds.countries.len();
    let nn = net.nodes.len();
    let country_idx = |id: &str| ds.countries.iter().position(|x| x.id == id).unwrap_or(0);
    let fac_country: Vec<usize> = ds
        .facilities
        .iter()
        .map(|f| country_idx(&f.country))
        .collect();
    let mut cur = Mix::zeros(nn, nc);
    let mut next = Mix::zeros(nn, nc);
    let mut inflow = vec![0.0; nn];
    for _pass in 0..12 {
        next.clear();
        next.add_activity_outputs(ds, net, re, c, &fac_country, &cur);
        next.add_arc_inflows(net, re, c, &cur);
        next.add_stock_inflows(net, re, inp, stock_in);
        next.normalise();
        let done = next.mined == cur.mined && next.sep == cur.sep;
        std::mem::swap(&mut cur, &mut next);
        inflow.copy_from_slice(&cur.tot);
        if done {
            break;
        }
    }
    let rows = |flat: &[f64]| -> Vec<Vec<f64>> {
        if nc == 0 {
            return vec![Vec::new(); nn];
        }
        flat.chunks(nc).map(<[f64]>::to_vec).collect()
    };
    let (mined, sep) = (rows(&cur.mined), rows(&cur.sep));
    let stock_out = net
        .stocks
        .iter()
        .map(|sv| (mined[sv.node].clone(), sep[sv.node].clone()))
        .collect();
    (
        Origins {
            mined,
            separated: sep,
            inflow,
        },
        stock_out,
    )
}

/// Origin mixes of one pass: flat node × country buffers (row n is n*nc..(n+1)*nc) of
/// content by mining and by separation country, and the content inflow per node. While a
/// pass runs they hold amounts; [`Mix::normalise`] turns them into shares.
struct Mix {
    /// Number of countries (row length).
    nc: usize,
    /// By mining country.
    mined: Vec<f64>,
    /// By separation country.
    sep: Vec<f64>,
    /// Content inflow per node.
    tot: Vec<f64>,
}

impl Mix {
    /// All zero, for `nn` nodes and `nc` countries.
    fn zeros(nn: usize, nc: usize) -> Mix {
        Mix {
            nc,
            mined: vec![0.0; nn * nc],
            sep: vec![0.0; nn * nc],
            tot: vec![0.0; nn],
        }
    }

    /// Reset to zero for a new pass.
    fn clear(&mut self) {
        self.mined.fill(0.0);
        self.sep.fill(0.0);
        self.tot.fill(0.0);
    }

    /// Add every running activity's output: its origin is the content-weighted mix of its
    /// inputs' origins in `prev` (the facility's country for mines), and separation plants
    /// become the separation origin of what they make.
    fn add_activity_outputs(
        &mut self,
        ds: &Dataset,
        net: &Network,
        re: &[f64],
        c: &Clearing,
        fac_country: &[usize],
        prev: &Mix,
    ) {
        let nc = self.nc;
        let mut om = vec![0.0; nc];
        let mut os = vec![0.0; nc];
        for (k, act) in net.activities.iter().enumerate() {
            let a = c.activity[k].max(0.0);
            if a <= 0.0 {
                continue;
            }
            let f = &ds.facilities[act.facility];
            let fc = fac_country[act.facility];
            om.fill(0.0);
            os.fill(0.0);
            if act.inputs.is_empty() {
                om[fc] = 1.0;
            } else {
                let w: f64 = act
                    .inputs
                    .iter()
                    .map(|(n, q)| q * re[net.nodes[*n].material])
                    .sum();
                if w > 0.0 {
                    for (n, q) in &act.inputs {
                        let x = q * re[net.nodes[*n].material] / w;
                        let (m_in, s_in) = (&prev.mined[n * nc..][..nc], &prev.sep[n * nc..][..nc]);
                        for i in 0..nc {
                            om[i] += x * m_in[i];
                            os[i] += x * s_in[i];
                        }
                    }
                }
            }
            if f.stage == Stage::Separation {
                os.fill(0.0);
                os[fc] = 1.0;
            }
            for (n, q) in &act.outputs {
                let amt = q * a * re[net.nodes[*n].material];
                self.tot[*n] += amt;
                let (m_out, s_out) = (
                    &mut self.mined[n * nc..][..nc],
                    &mut self.sep[n * nc..][..nc],
                );
                for i in 0..nc {
                    m_out[i] += amt * om[i];
                    s_out[i] += amt * os[i];
                }
            }
        }
    }

    /// Add every trade flow, carrying the origin of its exporting node in `prev`.
    fn add_arc_inflows(&mut self, net: &Network, re: &[f64], c: &Clearing, prev: &Mix) {
        let nc = self.nc;
        for (r, arc) in net.arcs.iter().enumerate() {
            let amt = c.flow[r].max(0.0) * re[net.nodes[arc.from].material];
            if amt <= 0.0 {
                continue;
            }
            self.tot[arc.to] += amt;
            let (from, to) = (arc.from * nc, arc.to * nc);
            for i in 0..nc {
                self.mined[to + i] += amt * prev.mined[from + i];
                self.sep[to + i] += amt * prev.sep[from + i];
            }
        }
    }

    /// Add the stocks carried into the period with their known origin.
    fn add_stock_inflows(
        &mut self,
        net: &Network,
        re: &[f64],
        inp: &PeriodInputs,
        stock_in: &StockOrigins,
    ) {
        let nc = self.nc;
        for (k, sv) in net.stocks.iter().enumerate() {
            let amt = inp.stock_begin[k].max(0.0) * re[net.nodes[sv.node].material];
            let known = stock_in
                .get(k)
                .is_some_and(|(sm, _)| sm.iter().sum::<f64>() > 0.0);
            if amt <= 0.0 || !known {
                continue; // a stock of unknown origin takes the mix of the node's other inflows
            }
            self.tot[sv.node] += amt;
            if let Some((sm, ss)) = stock_in.get(k) {
                let at = sv.node * nc;
                for i in 0..nc {
                    self.mined[at + i] += amt * sm[i];
                    self.sep[at + i] += amt * ss[i];
                }
            }
        }
    }

    /// Divide each node's amounts by its inflow, giving shares.
    fn normalise(&mut self) {
        let nc = self.nc;
        for n in 0..self.tot.len() {
            if self.tot[n] > 0.0 {
                for i in 0..nc {
                    self.mined[n * nc + i] /= self.tot[n];
                    self.sep[n * nc + i] /= self.tot[n];
                }
            }
        }
    }
}

/// Initial stock origins are unknown (all zero): such stocks take the mix of their node's
/// other inflows in the first period.
pub fn initial_stock_origins(ds: &Dataset, net: &Network) -> StockOrigins {
    let nc = ds.countries.len();
    net.stocks
        .iter()
        .map(|_| (vec![0.0; nc], vec![0.0; nc]))
        .collect()
}
