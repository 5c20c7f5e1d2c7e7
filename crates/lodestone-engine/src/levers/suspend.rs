//! `suspend`: no effect of its own; `Scenario::in_force` reads it when another lever asks
//! whether it is in force.

use super::Effect;
use lodestone_model::scenario::Suspend;

impl Effect for Suspend {}
