//! `technology_ban`: plants outside the withholding country (and its exceptions) at the
//! ban's stages whose start falls while the ban is in force ramp `ramp_factor` times
//! slower, reach `utilization_factor` of their utilization and `yield_factor` of their
//! yields.

use super::{Effect, Prepare, PrepareCx};
use lodestone_model::scenario::TechnologyBan;

impl Effect for TechnologyBan {
    fn prepare_step(&self) -> Option<Prepare> {
        Some(Prepare::Modify)
    }

    fn prepare(&self, cx: &mut PrepareCx<'_>) {
        for f in cx.ds.facilities.iter_mut() {
            if f.country == self.from
                || self.except.contains(&f.country)
                || !self.stages.contains(&f.stage)
            {
                continue;
            }
            if cx.sc.in_force(self, f.start) {
                f.ramp_months = (f.ramp_months.max(1.0)) * self.ramp_factor;
                f.utilization *= self.utilization_factor;
                f.yield_factor *= self.yield_factor.unwrap_or(1.0);
                for s in &mut f.steps {
                    s.ramp_months = s.ramp_months.max(1.0) * self.ramp_factor;
                }
            }
        }
    }
}
