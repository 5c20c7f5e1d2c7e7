//! `production_quota`: while in force, the country's activities that make output of the
//! stage share one cap on that output (t of stage output per year, pro rata per period).

use super::{Effect, PeriodCx};
use crate::clearing::PeriodInputs;
use crate::network::Network;
use lodestone_model::dataset::{Dataset, Stage};
use lodestone_model::scenario::ProductionQuota;

impl Effect for ProductionQuota {
    fn period_terms(&self, cx: &PeriodCx<'_>, inp: &mut PeriodInputs) {
        if !cx.sc.in_force(self, cx.p.start) {
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
            inp.activity_groups
                .push((acts, self.tonnes_per_year * cx.p.year_share()));
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
