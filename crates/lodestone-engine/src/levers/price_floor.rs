//! `price_floor`: while in force, the beneficiary's activities earn a subsidy per unit of
//! the floored material equal to the floor minus last period's market price (reference
//! price in the first period), when positive; the run adds up what the payer pays.

use super::{Effect, PeriodCx};
use crate::clearing::PeriodInputs;
use lodestone_model::scenario::{PriceFloor, covers};

impl Effect for PriceFloor {
    fn period_terms(&self, cx: &PeriodCx<'_>, inp: &mut PeriodInputs) {
        let months = (0..cx.p.months)
            .filter(|&i| covers(self.start, self.end, cx.p.start.plus(i)))
            .count();
        if months == 0 {
            return;
        }
        let share = months as f64 / cx.p.months as f64;
        let net = cx.net;
        let Some(mi) = net.materials.iter().position(|x| *x == self.material) else {
            return;
        };
        for (k, act) in net.activities.iter().enumerate() {
            let f = &cx.ds.facilities[act.facility];
            if self.facility.as_ref().is_some_and(|x| *x != f.id)
                || (self.facility.is_none()
                    && self.company.as_ref().is_some_and(|c| *c != f.company))
            {
                continue;
            }
            for &(node, q) in &act.outputs {
                if net.nodes[node].material != mi {
                    continue;
                }
                let market_price = cx.prev_price(node).unwrap_or(inp.ref_price[mi]);
                inp.activity_subsidy[k] +=
                    share * (self.price - market_price).max(0.0) * 1000.0 * q;
            }
        }
    }
}
