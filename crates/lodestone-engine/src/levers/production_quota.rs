//! `production_quota`: while in force, the country's activities that make output of the
//! stage share one cap on that output (t of stage output per year, pro rata per period).

use super::{Effect, PeriodCx};
use crate::clearing::PeriodInputs;
use crate::network::Network;
use lodestone_model::dataset::{Dataset, Stage};
use lodestone_model::scenario::ProductionQuota;

impl Effect for ProductionQuota {
    fn period_terms(&self, cx: &PeriodCx<'_>, inp: &mut PeriodInputs) {
        let share = cx.share_in_force(self);
        if share == 0.0 {
            return;
        }
        let (ds, net) = (cx.ds, cx.net);
        let acts: Vec<(usize, f64)> = net
            .activities
            .iter()
            .enumerate()
            .filter(|(_, a)| ds.facilities[a.facility].country == self.country)
            .map(|(k, _)| (k, stage_weight(ds, net, k, self.stage)))
            .filter(|(_, w)| *w > 0.0)
            .collect();
        if !acts.is_empty() {
            // the months before (or after) the quota in the period run free: their share
            // of the plants' own output capacity joins the cap
            let free: f64 = acts
                .iter()
                .map(|&(k, w)| w * inp.capacity[net.activities[k].facility])
                .sum::<f64>()
                * (1.0 - share);
            let cap = self.tonnes_per_year * cx.p.year_share() * share + free;
            inp.activity_groups.push((acts, cap));
        }
    }
}

/// Stage output weight of each activity (t of stage-`stage` material per unit activity).
pub fn stage_weight(ds: &Dataset, net: &Network, k: usize, stage: Stage) -> f64 {
    net.activities[k]
        .outputs
        .iter()
        .filter(|(n, _)| ds.materials[net.nodes[*n].material].stage == Some(stage))
        .map(|(_, q)| q)
        .sum()
}
