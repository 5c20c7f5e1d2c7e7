//! Engine settings: every modelling constant that is not data, with its default and meaning.

use serde::{Deserialize, Serialize};

/// Settings of the market clearing. Read from a scenario's `[settings]` table; every
/// field has a documented default. These are modelling assumptions, not data: they shape
/// how scarcity shows up in prices, not how much material exists.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Marginal cost of a facility rises linearly from `unit_cost` at zero output to
    /// `unit_cost × (1 + supply_slope)` at full capacity (a rising supply curve makes
    /// quantities and prices unique). Default 0.1.
    pub supply_slope: f64,
    /// Commercial stock is drawn below its target only when the local price exceeds
    /// `(1 + stock_release_premium) × ref_price`. Default 0.5.
    pub stock_release_premium: f64,
    /// Strategic stock is drawn only above `strategic_release_multiple × ref_price`
    /// (policy events change this). Default 10.
    pub strategic_release_multiple: f64,
    /// Cost of holding a tonne above target, as a share of `ref_price` per month. Default 0.002.
    pub holding_cost_share: f64,
    /// Cost of stockpiling a surplus joint product that is not `disposable`, as a share of
    /// its `ref_price` (so by-products are sold before they are stockpiled). Default 0.05.
    pub surplus_cost_share: f64,
    /// Quadratic regularisation on trade flows, for unique routing: at a flow as large as
    /// the largest quantity in the period, an arc's marginal cost rises by this share of
    /// its unit cost. Default 1e-3.
    pub flow_regularization: f64,
    /// Relative tolerance of the mass-balance check, scaled by the largest flow at a node
    /// (at least 1 t and at least 1e-4 of the period's largest flow, as solver round-off
    /// is relative to the whole problem). Default 1e-6.
    pub balance_tolerance: f64,
    /// Solver feasibility and gap tolerance. Default 1e-8.
    pub solver_tolerance: f64,
    /// Multiplier on demand growth above the base year (1 = as the growth paths say).
    /// Ensembles sample it through `demand.growth`. Default 1.
    pub demand_growth_scale: f64,
    /// Solve each period over a working set of trade arcs and price the others (exact:
    /// see `clearing::clear`); `false` gives the solver every arc every period. Default true.
    pub working_set: bool,
    /// An arc left out of the working set joins it when its reduced cost is below
    /// `−pricing_tolerance × (1 + price)` (USD/kg). Default 1e-6.
    pub pricing_tolerance: f64,
    /// Arcs whose reduced cost is below `working_set_margin ×` their delivered cost stay in
    /// the working set for the next period, so small price moves need no second solve.
    /// Default 0.25.
    pub working_set_margin: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            supply_slope: 0.1,
            stock_release_premium: 0.5,
            strategic_release_multiple: 10.0,
            holding_cost_share: 0.002,
            surplus_cost_share: 0.05,
            flow_regularization: 1e-3,
            balance_tolerance: 1e-6,
            solver_tolerance: 1e-8,
            demand_growth_scale: 1.0,
            working_set: true,
            pricing_tolerance: 1e-6,
            working_set_margin: 0.25,
        }
    }
}

impl Settings {
    /// Parse from a scenario's `[settings]` table.
    pub fn from_table(t: &toml::Table) -> Result<Settings, String> {
        Settings::deserialize(toml::Value::Table(t.clone())).map_err(|e| e.to_string())
    }
}
