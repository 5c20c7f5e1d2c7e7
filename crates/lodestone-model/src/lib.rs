//! Lodestone's domain model: the dataset schema, typed entities, scenarios and their validation.
//!
//! Everything here is pure: callers hand in file contents (`DatasetFiles`, scenario text)
//! and get validated values or every problem at once (`Diagnostics`).

pub mod dataset;
pub mod diag;
pub mod scenario;
pub mod schema;
pub mod table;
pub mod time;

pub use dataset::{Dataset, DatasetFiles, Stage, Status};
pub use diag::{Diagnostic, Diagnostics, Location};
pub use scenario::Scenario;
pub use time::{Month, MonthSpan, Period, Step};
