//! Lodestone's simulation engine: builds the chain network, clears the market each period
//! as a convex QP, carries stocks forward and checks mass balance.
//!
//! Pure: takes a validated `Dataset` and `Scenario`, returns results. No I/O.

pub mod backtest;
pub mod calibrate;
pub mod clearing;
pub mod compare;
pub mod ensemble;
pub mod episodes;
pub mod indices;
pub mod levers;
pub mod metrics;
pub mod network;
pub mod origin;
pub mod settings;
pub mod sim;
pub mod storage;
pub mod summary;
pub mod tables;

pub use backtest::{Backtest, Target, backtest, loss};
pub use clearing::ClearingStatus;
pub use compare::{Comparison, Diff, DiffTree, YearComparison};
pub use network::Network;
pub use settings::Settings;
pub use sim::{EngineError, RunResult, run};
pub use summary::{Summary, summarize};
