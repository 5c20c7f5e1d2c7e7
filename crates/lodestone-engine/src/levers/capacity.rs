//! `capacity`: acts on the dataset before the run (the model's `Capacity::apply`: a
//! capacity step or an enabled facility); nothing more in the engine.

use super::Effect;
use lodestone_model::scenario::Capacity;

impl Effect for Capacity {}
