//! `offtake`: a firm demand at the payer's market (a sector of its own, priority 0, valued
//! at the offtake price), present only in the offtake's window.

use super::{Effect, Prepare, PrepareCx, RowKind};
use lodestone_model::dataset::{Demand, Sector};
use lodestone_model::scenario::{Offtake, covers};
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
        cx.plan
            .row_kind
            .push(RowKind::Offtake(self.start, self.end));
    }
}

/// Demand factor of an offtake row in month `m`: 1 inside its window, else 0.
pub fn factor(start: Month, end: Option<Month>, m: Month) -> f64 {
    f64::from(u8::from(covers(start, end, m)))
}
