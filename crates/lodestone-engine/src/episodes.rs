//! Price episodes: for each material's price in each market, its level over the run's
//! first twelve months (the base), the period of its peak, the peak's multiple of the base,
//! and where it ends — the numbers a replay is judged on ("peak month and multiple").

use crate::sim::RunResult;
use serde::Serialize;
use std::collections::BTreeMap;

/// Months at the start of a run that set the base level.
pub const BASE_MONTHS: i32 = 12;

/// One market's price path for one material, in brief.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Episode {
    /// Month-weighted mean price over the run's first [`BASE_MONTHS`] months, USD/kg.
    pub base: f64,
    /// Highest period price, USD/kg.
    pub peak: f64,
    /// Label of the peak period (`2011-07`).
    pub peak_period: String,
    /// Index of the peak period in the run.
    pub peak_index: usize,
    /// Peak ÷ base.
    pub multiple: f64,
    /// Price in the run's last period in which the material changed hands, USD/kg.
    pub end: f64,
}

/// Material → market → episode, for every market where the material changed hands in the
/// base months and later (a price only where it changed hands: elsewhere the dual is a
/// shadow value).
pub fn episodes(r: &RunResult) -> BTreeMap<String, BTreeMap<String, Episode>> {
    let net = &r.network;
    let first = r.periods.first().map(|p| p.period.start);
    let mut out: BTreeMap<String, BTreeMap<String, Episode>> = BTreeMap::new();
    let Some(first) = first else {
        return out;
    };
    let colours = net.taint_market.is_some();
    for (ni, node) in net.nodes.iter().enumerate() {
        if colours && !node.tainted {
            continue;
        }
        let (mut sum, mut months) = (0.0, 0.0);
        let mut peak: Option<(f64, usize)> = None;
        let mut end = None;
        for (pi, p) in r.periods.iter().enumerate() {
            let c = &p.clearing;
            let price = c.price[ni];
            if !c.traded[ni] || !price.is_finite() {
                continue;
            }
            // months of the period inside the base window
            let off = p.period.start.months_since(first);
            let m = f64::from((off + p.period.months).min(BASE_MONTHS) - off).max(0.0);
            sum += price * m;
            months += m;
            if peak.is_none_or(|(v, _)| price > v) {
                peak = Some((price, pi));
            }
            end = Some(price);
        }
        let (Some((peak, pi)), Some(end)) = (peak, end) else {
            continue;
        };
        if months <= 0.0 || sum <= 0.0 {
            continue;
        }
        let base = sum / months;
        out.entry(net.materials[node.material].clone())
            .or_default()
            .insert(
                net.markets[node.market].clone(),
                Episode {
                    base,
                    peak,
                    peak_period: r.periods[pi].period.label(),
                    peak_index: pi,
                    multiple: peak / base,
                    end,
                },
            );
    }
    out
}
