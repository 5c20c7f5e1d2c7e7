//! Rows of the tables with one row per period, from a run's clearings.

use super::Row;
use crate::RunResult;

/// Rows of period table `name`; `None` for another name.
pub(super) fn rows(r: &RunResult, name: &str) -> Option<Vec<Row>> {
    let mut out = Vec::new();
    for (i, p) in r.periods.iter().enumerate() {
        let label = p.period.label();
        let mut put = |keys: &[&str], value: f64| {
            out.push(Row {
                period: label.clone(),
                keys: keys.iter().map(|k| k.to_string()).collect(),
                value,
            })
        };
        match name {
            "production" => production(r, i, &mut put),
            "flows" => flows(r, i, &mut put),
            "consumption" => demand(r, i, false, &mut put),
            "shortfall" => demand(r, i, true, &mut put),
            "prices" => prices(r, i, &mut put),
            "stocks" => stocks(r, i, &mut put),
            _ => return None,
        }
    }
    Some(out)
}

type Put<'a> = dyn FnMut(&[&str], f64) + 'a;

/// Each facility's output by material (facility, country, material); zeros left out.
fn production(r: &RunResult, i: usize, put: &mut Put<'_>) {
    let (ds, net, c) = (&r.data, &r.network, &r.periods[i].clearing);
    for (k, act) in net.activities.iter().enumerate() {
        let f = &ds.facilities[act.facility];
        for &(node, q) in &act.outputs {
            let v = q * c.activity[k];
            if v.abs() > 1e-9 {
                let m = &net.materials[net.nodes[node].material];
                put(&[f.id.as_str(), f.country.as_str(), m.as_str()], v);
            }
        }
    }
}

/// Trade above the period's noise floor (exporter, importer, material).
fn flows(r: &RunResult, i: usize, put: &mut Put<'_>) {
    let (net, c) = (&r.network, &r.periods[i].clearing);
    for (a, arc) in net.arcs.iter().enumerate() {
        if c.flow[a] > c.noise {
            let (from, to) = (&net.nodes[arc.from], &net.nodes[arc.to]);
            let (e, m) = (&net.markets[from.market], &net.materials[from.material]);
            let i = net.markets[to.market].as_str();
            put(&[e.as_str(), i, m.as_str()], c.flow[a]);
        }
    }
}

/// Consumption, or with `short` demand not met (country, sector, material).
fn demand(r: &RunResult, i: usize, short: bool, put: &mut Put<'_>) {
    let (ds, net, p) = (&r.data, &r.network, &r.periods[i]);
    let c = &p.clearing;
    for (d, dv) in net.demands.iter().enumerate() {
        let row = &ds.demand[dv.row];
        let v = if short {
            (p.inputs.demand[d] - c.consumption[d]).max(0.0)
        } else {
            c.consumption[d]
        };
        put(
            &[
                row.country.as_str(),
                row.sector.as_str(),
                row.material.as_str(),
            ],
            v,
        );
    }
}

/// Prices where buyers are, and wherever the material changed hands (Dy oxide has a price
/// in China even where no sector buys the oxide itself): market, material.
fn prices(r: &RunResult, i: usize, put: &mut Put<'_>) {
    let (net, c) = (&r.network, &r.periods[i].clearing);
    let colours = net.taint_market.is_some();
    let traded = (0..net.nodes.len())
        .filter(|&n| c.traded.get(n).copied().unwrap_or(false))
        .filter(|&n| !colours || net.nodes[n].tainted);
    let mut seen = std::collections::BTreeSet::new();
    for node in net.demands.iter().map(|d| d.node).chain(traded) {
        if seen.insert(node) {
            let n = &net.nodes[node];
            let (mk, m) = (&net.markets[n.market], &net.materials[n.material]);
            put(&[mk.as_str(), m.as_str()], c.price[node]);
        }
    }
}

/// Stocks at the period's end (market, holder, material).
fn stocks(r: &RunResult, i: usize, put: &mut Put<'_>) {
    let (net, c) = (&r.network, &r.periods[i].clearing);
    for (k, sv) in net.stocks.iter().enumerate() {
        let n = &net.nodes[sv.node];
        let holder = if sv.strategic {
            "strategic"
        } else {
            "commercial"
        };
        let (mk, m) = (&net.markets[n.market], &net.materials[n.material]);
        put(&[mk.as_str(), holder, m.as_str()], c.stock_end[k]);
    }
}
