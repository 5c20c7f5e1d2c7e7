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
    // flat node × country buffers, reused across passes (row n is n*nc..(n+1)*nc)
    let mut mined = vec![0.0; nn * nc];
    let mut sep = vec![0.0; nn * nc];
    let mut inflow = vec![0.0; nn];
    let mut nm = vec![0.0; nn * nc];
    let mut ns = vec![0.0; nn * nc];
    let mut tot = vec![0.0; nn];
    let mut om = vec![0.0; nc];
    let mut os = vec![0.0; nc];
    // activities' output origin, recomputed each pass
    for _pass in 0..12 {
        nm.fill(0.0);
        ns.fill(0.0);
        tot.fill(0.0);
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
                        let (m_in, s_in) = (&mined[n * nc..][..nc], &sep[n * nc..][..nc]);
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
                tot[*n] += amt;
                let (m_out, s_out) = (&mut nm[n * nc..][..nc], &mut ns[n * nc..][..nc]);
                for i in 0..nc {
                    m_out[i] += amt * om[i];
                    s_out[i] += amt * os[i];
                }
            }
        }
        for (r, arc) in net.arcs.iter().enumerate() {
            let amt = c.flow[r].max(0.0) * re[net.nodes[arc.from].material];
            if amt <= 0.0 {
                continue;
            }
            tot[arc.to] += amt;
            let (from, to) = (arc.from * nc, arc.to * nc);
            for i in 0..nc {
                nm[to + i] += amt * mined[from + i];
                ns[to + i] += amt * sep[from + i];
            }
        }
        for (k, sv) in net.stocks.iter().enumerate() {
            let amt = inp.stock_begin[k].max(0.0) * re[net.nodes[sv.node].material];
            let known = stock_in
                .get(k)
                .is_some_and(|(sm, _)| sm.iter().sum::<f64>() > 0.0);
            if amt <= 0.0 || !known {
                continue; // a stock of unknown origin takes the mix of the node's other inflows
            }
            tot[sv.node] += amt;
            if let Some((sm, ss)) = stock_in.get(k) {
                let at = sv.node * nc;
                for i in 0..nc {
                    nm[at + i] += amt * sm[i];
                    ns[at + i] += amt * ss[i];
                }
            }
        }
        for n in 0..nn {
            if tot[n] > 0.0 {
                for i in 0..nc {
                    nm[n * nc + i] /= tot[n];
                    ns[n * nc + i] /= tot[n];
                }
            }
        }
        let done = nm == mined && ns == sep;
        std::mem::swap(&mut mined, &mut nm);
        std::mem::swap(&mut sep, &mut ns);
        inflow.copy_from_slice(&tot);
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
    let (mined, sep) = (rows(&mined), rows(&sep));
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

/// Initial stock origins are unknown (all zero): such stocks take the mix of their node's
/// other inflows in the first period.
pub fn initial_stock_origins(ds: &Dataset, net: &Network) -> StockOrigins {
    let nc = ds.countries.len();
    net.stocks
        .iter()
        .map(|_| (vec![0.0; nc], vec![0.0; nc]))
        .collect()
}
