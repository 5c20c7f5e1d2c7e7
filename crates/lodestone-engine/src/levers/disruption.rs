//! `disruption`: the facilities it hits lose its share of capacity in each month of its
//! window (losses of overlapping disruptions add up, to at most all of it).

use super::Effect;
use lodestone_model::dataset::Facility;
use lodestone_model::scenario::{Disruption, covers};
use lodestone_model::time::Month;

impl Effect for Disruption {
    fn capacity_loss(&self, f: &Facility, m: Month) -> f64 {
        if self.hits(f) && covers(self.start, self.end, m) {
            self.loss
        } else {
            0.0
        }
    }
}
