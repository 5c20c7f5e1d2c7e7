//! Trade inertia: importers switch suppliers gradually (qualifying a new supplier takes
//! 4–7 months, dynamics.md T09). Each month a route may carry at most its peak monthly
//! flow of the past 12 months (a qualified supplier can come back at once) plus
//! `1 / trade_inertia_months` of its destination's usual monthly supply, so a period of
//! `n` months may add `n (n + 1) / 2` such steps: the same most a monthly run could ramp,
//! whatever the step. The caps are per-period arc capacities, so the clearing is
//! unchanged; what they hold back shows up as shortfall (always available), never as an
//! infeasible period.

use super::PeriodCx;
use crate::clearing::{ClearingStatus, PeriodInputs};
use crate::settings::Settings;

/// The least share of a material's world supply that makes a market's trade established.
const THIN: f64 = 0.01;

/// The least share of the largest market's supply that makes a market's trade established.
const SMALL: f64 = 1e-4;

/// The share of a market's usual supply above which a route is its sole supplier.
const SOLE: f64 = 0.9;

/// Recent peak monthly flow per arc and usual monthly supply per node, from the periods
/// that started in the 12 months before this one (`None`: no history yet).
fn recent(cx: &PeriodCx<'_>) -> Option<(Vec<f64>, Vec<f64>)> {
    let since = cx.p.start.plus(-12);
    let past: Vec<_> = (cx.done.iter().rev())
        .take_while(|r| r.period.start >= since)
        .filter(|r| r.clearing.status != ClearingStatus::Failed)
        .collect();
    if past.is_empty() {
        return None;
    }
    let net = cx.net;
    let mut peak = vec![0.0f64; net.arcs.len()];
    let mut used = vec![0.0f64; net.nodes.len()];
    for r in &past {
        let months = f64::from(r.period.months.max(1));
        for (p, f) in peak.iter_mut().zip(&r.clearing.flow) {
            *p = p.max(f.max(0.0) / months);
        }
        let mut here = vec![0.0f64; net.nodes.len()];
        for (dv, c) in net.demands.iter().zip(&r.clearing.consumption) {
            here[dv.node] += c.max(0.0) / months;
        }
        for (u, h) in used.iter_mut().zip(here) {
            *u = u.max(h);
        }
    }
    let mut supply = vec![0.0f64; net.nodes.len()];
    for (arc, p) in net.arcs.iter().zip(&peak) {
        supply[arc.to] += p;
    }
    for (s, u) in supply.iter_mut().zip(&used) {
        *s = s.max(*u);
    }
    Some((peak, supply))
}

/// What inertia lets each trade arc carry in the period (`None`: no cap — inertia off,
/// no history yet, or a destination with no usual supply, where no trade is established
/// to be sticky about).
pub fn caps(cx: &PeriodCx<'_>, s: &Settings) -> Vec<Option<f64>> {
    let t = s.trade_inertia_months;
    let none = vec![None; cx.net.arcs.len()];
    if t <= 0.0 {
        return none;
    }
    let Some((peak, supply)) = recent(cx) else {
        return none;
    };
    // only established markets are sticky: one whose usual supply is under 1% of the
    // material's world supply, or under 1e-4 of the largest market's, is a new or thin
    // market (a plant starting up, a trickle), not an importer switching suppliers
    let largest = supply.iter().copied().fold(0.0, f64::max);
    let mut world = vec![0.0f64; cx.ds.materials.len()];
    for (node, s) in cx.net.nodes.iter().zip(&supply) {
        world[node.material] += s;
    }
    let n = f64::from(cx.p.months.max(1));
    let steps = n * (n + 1.0) / 2.0;
    (cx.net.arcs.iter().enumerate())
        .map(|(a, arc)| {
            let w = world[cx.net.nodes[arc.to].material];
            let usual = supply[arc.to];
            let established = usual > (THIN * w).max(SMALL * largest);
            // a route that is already (nearly) the market's whole supply grows with the
            // market: that is growth, not switching
            let sole = peak[a] >= SOLE * usual;
            (established && !sole).then(|| n * peak[a] + steps * usual / t)
        })
        .collect()
}

/// Impose every arc's inertia cap on the period's inputs. A cap that does not bind is one
/// slack bound; imposing only the caps a first solve broke, and solving again, took a
/// second (and third) solve in most periods of a monthly run — 254 solves for the
/// baseline's 144 periods against 163 now — for the same quantities (prices differ only
/// where duals are not unique, at nodes that barely trade: #17).
pub fn impose(caps: &[Option<f64>], inputs: &mut PeriodInputs) {
    for (cap, x) in caps.iter().zip(inputs.arc_capacity.iter_mut()) {
        if let Some(cap) = *cap {
            *x = Some(x.map_or(cap, |x| x.min(cap)));
        }
    }
}
