//! `demand_shock`: the demand rows it hits change by its fraction in each month of its
//! window (overlapping shocks multiply).

use super::Effect;
use lodestone_model::dataset::Demand;
use lodestone_model::scenario::{DemandShock, covers};
use lodestone_model::time::Month;

impl Effect for DemandShock {
    fn demand_factor(&self, row: &Demand, m: Month) -> f64 {
        if self.hits(row) && covers(self.start, self.end, m) {
            1.0 + self.change
        } else {
            1.0
        }
    }
}
