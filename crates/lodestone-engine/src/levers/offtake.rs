//! `offtake`: a firm demand at the payer's market (a sector of its own, priority 0, valued
//! at the offtake price), present only in the offtake's window; a `reallocate` offtake
//! takes its tonnes out of the payer's other demand for the material (`reallocate`).

use super::{Effect, Prepare, PrepareCx, RowKind};
use crate::network::Network;
use lodestone_model::dataset::{Demand, Sector};
use lodestone_model::scenario::{Offtake, OfftakeDemand, covers};
use lodestone_model::time::Month;

impl Effect for Offtake {
    fn prepare_step(&self) -> Option<Prepare> {
        Some(Prepare::Demand)
    }

    fn prepare(&self, cx: &mut PrepareCx<'_>) {
        let refp = cx
            .ds
            .material(&self.material)
            .and_then(|m| m.ref_price)
            .unwrap_or(1.0)
            .max(1e-9);
        let sid = format!("offtake_{}", cx.index);
        cx.ds.sectors.push(Sector {
            id: sid.clone(),
            name: format!("Offtake at {} USD/kg", self.price),
            priority: 0,
            wtp_multiplier: self.price / refp,
            elasticity: 0.01,
            source: cx.source.clone(),
        });
        cx.ds.demand.push(Demand {
            country: self.payer.clone(),
            sector: sid,
            material: self.material.clone(),
            base_year: self.start.year(),
            quantity: self.tonnes_per_year,
            growth: String::new(),
            source: cx.source.clone(),
        });
        cx.plan.row_kind.push(RowKind::Offtake(
            self.start,
            self.end,
            self.demand == OfftakeDemand::Reallocate,
        ));
    }
}

/// Take each reallocating offtake's demand of the period out of the other demand at its
/// node (the payer's market and material: its other buyers now buy through the offtake),
/// pro rata, up to all of it. `demand` is per demand variable, t in the period.
pub fn reallocate(net: &Network, kinds: &[RowKind], demand: &mut [f64]) {
    for (o, ov) in net.demands.iter().enumerate() {
        if !matches!(kinds.get(ov.row), Some(RowKind::Offtake(_, _, true))) || demand[o] <= 0.0 {
            continue;
        }
        let others: Vec<usize> = (net.demands.iter().enumerate())
            .filter(|(d, dv)| {
                *d != o
                    && dv.node == ov.node
                    && !matches!(kinds.get(dv.row), Some(RowKind::Offtake(..)))
            })
            .map(|(d, _)| d)
            .collect();
        let total: f64 = others.iter().map(|&d| demand[d]).sum();
        if total <= 0.0 {
            continue;
        }
        let keep = 1.0 - (demand[o] / total).min(1.0);
        for d in others {
            demand[d] *= keep;
        }
    }
}

/// Demand factor of an offtake row in month `m`: 1 inside its window, else 0.
pub fn factor(start: Month, end: Option<Month>, m: Month) -> f64 {
    f64::from(u8::from(covers(start, end, m)))
}
