//! `new_facility`: acts on the dataset before the run (the model's `NewFacility::apply`
//! adds the facility); nothing more in the engine.

use super::Effect;
use lodestone_model::scenario::NewFacility;

impl Effect for NewFacility {}
