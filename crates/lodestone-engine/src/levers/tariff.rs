//! `tariff`: while in force, every arc into the importer's market (from the exporter's,
//! or from any) of a covered material costs `rate` × the material's reference price more
//! (its share of the period when in force for part of it). Importer `*`: every arc out of
//! the exporter's market (an export tax).

use super::{Effect, PeriodCx};
use crate::clearing::PeriodInputs;
use lodestone_model::scenario::Tariff;

impl Effect for Tariff {
    fn period_terms(&self, cx: &PeriodCx<'_>, inp: &mut PeriodInputs) {
        // a tariff in force for part of a quarter or year costs its share of it
        let share = cx.share_in_force(self);
        if share == 0.0 {
            return;
        }
        let im = if self.importer == "*" {
            None
        } else {
            let Some(im) = cx.market_of(&self.importer) else {
                return;
            };
            Some(im)
        };
        let xm = if self.exporter == "*" {
            None
        } else {
            cx.market_of(&self.exporter)
        };
        let net = cx.net;
        for (a, arc) in net.arcs.iter().enumerate() {
            let (f, t) = (&net.nodes[arc.from], &net.nodes[arc.to]);
            let mat = &net.materials[f.material];
            if im.is_none_or(|m| m == t.market)
                && t.market != f.market
                && xm.is_none_or(|x| x == f.market)
                && (self.materials.iter().any(|x| x == "*" || x == mat))
            {
                inp.arc_extra_cost[a] += share * self.rate * inp.ref_price[f.material] * 1000.0;
            }
        }
    }
}
