//! The engine's side of the policy levers: what each `[[events]]` type does to a run. One
//! module per lever (named as in `lodestone_model::scenario::levers`), each implementing
//! [`Effect`] with the hooks it needs; the period loop (`sim`) calls the hooks in the steps
//! of MODEL.md and never matches on an event itself.
//!
//! Levers that keep state from period to period (export controls' pre-control flows,
//! substitution triggers, expansion rents) hold it in a type of their own module, owned by
//! [`State`].

mod capacity;
mod demand_shock;
mod disruption;
pub mod expansion;
mod export_control;
pub mod inertia;
mod investment;
mod new_facility;
mod offtake;
pub use offtake::reallocate as reallocate_offtakes;
mod price_floor;
mod production_quota;
mod stockpile;
mod substitution;
mod suspend;
mod tariff;
mod technology_ban;

use crate::clearing::PeriodInputs;
use crate::network::Network;
use crate::sim::PeriodResult;
use lodestone_model::dataset::{Dataset, Demand, Facility};
use lodestone_model::scenario::{Event, Scenario};
use lodestone_model::time::{Month, Period};

pub use export_control::Controls;
pub use stockpile::stock_terms;
pub use substitution::{Course, SubRule, Substitutions};

/// The order of the structural changes made before a run: capacity is built before it is
/// slowed, demand rows exist before they are substituted, stocks come last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Prepare {
    /// New or expanded capacity (`investment`).
    Build,
    /// Changes to plants as built (`technology_ban`).
    Modify,
    /// New demand rows (`offtake`).
    Demand,
    /// Demand rows that shift to substitutes (`substitution`).
    Substitute,
    /// Strategic stock rows (`stockpile`).
    Stocks,
}

impl Prepare {
    const ALL: [Prepare; 5] = [
        Prepare::Build,
        Prepare::Modify,
        Prepare::Demand,
        Prepare::Substitute,
        Prepare::Stocks,
    ];
}

/// What a lever does in a run. Every hook defaults to "nothing"; each lever's module
/// implements the ones it needs.
pub trait Effect {
    /// When the lever changes the dataset and plan before the run (`None`: it does not).
    fn prepare_step(&self) -> Option<Prepare> {
        None
    }

    /// Its structural change before the run, made in [`Prepare`] order, events in file
    /// order within a step.
    fn prepare(&self, _cx: &mut PrepareCx<'_>) {}

    /// A country whose goods made abroad the run must trace (origin colours).
    fn traced_exporter(&self) -> Option<&str> {
        None
    }

    /// Share of facility `f`'s capacity this lever takes away in month `m`.
    fn capacity_loss(&self, _f: &Facility, _m: Month) -> f64 {
        0.0
    }

    /// Factor on demand row `row` in month `m`.
    fn demand_factor(&self, _row: &Demand, _m: Month) -> f64 {
        1.0
    }

    /// Its terms in one period's clearing: arc costs, group caps, subsidies.
    fn period_terms(&self, _cx: &PeriodCx<'_>, _inp: &mut PeriodInputs) {}
}

/// The engine's effect of an event: the one place that maps events to their modules.
pub fn effect(e: &Event) -> &dyn Effect {
    match e {
        Event::Capacity(x) => x,
        Event::NewFacility(x) => x,
        Event::Disruption(x) => x,
        Event::DemandShock(x) => x,
        Event::ExportControl(x) => x,
        Event::Suspend(x) => x,
        Event::Tariff(x) => x,
        Event::ProductionQuota(x) => x,
        Event::PriceFloor(x) => x,
        Event::Offtake(x) => x,
        Event::Stockpile(x) => x,
        Event::Investment(x) => x,
        Event::TechnologyBan(x) => x,
        Event::Substitution(x) => x,
        Event::Expansion(x) => x,
    }
}

/// What a demand row is, beyond the dataset's own rows.
#[derive(Debug, Clone)]
pub enum RowKind {
    /// A dataset row.
    Data,
    /// An offtake commitment active in a window; `true` when it takes the place of the
    /// payer's existing demand (`OfftakeDemand::Reallocate`).
    Offtake(Month, Option<Month>, bool),
    /// The substitute side of a substitution rule: (original row, rule index, ratio).
    Substitute(usize, usize, f64),
}

/// The prepared plan of a scenario's levers: what the structural step added.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Per demand row.
    pub row_kind: Vec<RowKind>,
    /// Per stock row, the rule of a stockpile event.
    pub stock_rule: Vec<Option<stockpile::StockRule>>,
    /// Substitution rules.
    pub substitutions: Vec<SubRule>,
}

/// The context of the structural step: the dataset as it will run, the plan, the
/// scenario and the event's position and provenance.
pub struct PrepareCx<'a> {
    /// The dataset, changed in place.
    pub ds: &'a mut Dataset,
    /// The plan, extended in place.
    pub plan: &'a mut Plan,
    /// The scenario.
    pub sc: &'a Scenario,
    /// Index of the event in the scenario.
    pub index: usize,
    /// Source ids of the event.
    pub source: Vec<String>,
}

/// Apply the structural side of every lever to the (already overridden) dataset.
pub fn prepare(ds: &mut Dataset, sc: &Scenario) -> Plan {
    let mut plan = Plan {
        row_kind: vec![RowKind::Data; ds.demand.len()],
        stock_rule: vec![None; ds.stocks.len()],
        substitutions: Vec::new(),
    };
    for step in Prepare::ALL {
        for (index, e) in sc.events.iter().enumerate() {
            let fx = effect(&e.event);
            if fx.prepare_step() == Some(step) {
                let mut cx = PrepareCx {
                    ds,
                    plan: &mut plan,
                    sc,
                    index,
                    source: e.source.iter().cloned().collect(),
                };
                fx.prepare(&mut cx);
            }
        }
    }
    plan
}

/// The first country whose goods made abroad the scenario traces (an extraterritorial
/// export control), if any.
pub fn traced_exporter(sc: &Scenario) -> Option<&str> {
    sc.events
        .iter()
        .find_map(|e| effect(&e.event).traced_exporter())
}

/// The context of one period's terms.
pub struct PeriodCx<'a> {
    /// The dataset as run.
    pub ds: &'a Dataset,
    /// The scenario.
    pub sc: &'a Scenario,
    /// The network.
    pub net: &'a Network,
    /// The period.
    pub p: &'a Period,
    /// The previous period's result.
    pub prev: Option<&'a PeriodResult>,
    /// Every period before this one.
    pub done: &'a [PeriodResult],
}

impl<'a> PeriodCx<'a> {
    /// The context of period `p` after the periods `done`.
    pub fn new(
        ds: &'a Dataset,
        sc: &'a Scenario,
        net: &'a Network,
        p: &'a Period,
        done: &'a [PeriodResult],
    ) -> PeriodCx<'a> {
        PeriodCx {
            ds,
            sc,
            net,
            p,
            prev: done.last(),
            done,
        }
    }

    /// Market index of a country id.
    pub fn market_of(&self, country: &str) -> Option<usize> {
        market_of(self.ds, self.net, country)
    }

    /// Share of the period's months in which `lever` is in force (1 or 0 for a month).
    pub fn share_in_force(&self, lever: &dyn lodestone_model::scenario::levers::Lever) -> f64 {
        f64::from(self.sc.months_in_force(lever, self.p)) / f64::from(self.p.months.max(1))
    }

    /// Last period's price at `node`, if it had a finite one.
    pub fn prev_price(&self, node: usize) -> Option<f64> {
        self.prev
            .map(|r| r.clearing.price[node])
            .filter(|x| x.is_finite())
    }
}

/// Market index of a country id.
pub fn market_of(ds: &Dataset, net: &Network, country: &str) -> Option<usize> {
    ds.countries
        .iter()
        .position(|c| c.id == country)
        .map(|i| net.country_market[i])
}

/// Capacity per facility for one period (t of activity), after ramps, expansions,
/// utilization and capacity losses (disruptions): each month of the period adds its
/// share of the annual capacity (the facility's season, else 1/12).
pub fn period_capacity(
    ds: &Dataset,
    sc: &Scenario,
    p: &Period,
    exp: &expansion::Expansions,
) -> Vec<f64> {
    let month = |fi: usize, f: &Facility, m: Month| {
        let mut loss: f64 = 0.0;
        for e in &sc.events {
            loss += effect(&e.event).capacity_loss(f, m);
        }
        // an expansion is of the plant: it runs while the plant does
        let own = f.nameplate_at(m);
        let plate = if own > 0.0 {
            own + exp.added_at(fi, m)
        } else {
            0.0
        };
        f.month_part(plate * f.utilization * (1.0 - loss.min(1.0)), m)
    };
    ds.facilities
        .iter()
        .enumerate()
        .map(|(fi, f)| {
            if !f.enabled {
                return 0.0;
            }
            (0..p.months).map(|i| month(fi, f, p.start.plus(i))).sum()
        })
        .collect()
}

/// Demand per demand variable for one period (t), after growth and the levers' demand
/// factors (shocks).
pub fn period_demand(
    ds: &Dataset,
    sc: &Scenario,
    net: &Network,
    p: &Period,
    growth_scale: f64,
) -> Vec<f64> {
    net.demands
        .iter()
        .map(|dv| {
            let row = &ds.demand[dv.row];
            let path = ds.growth.iter().find(|g| g.id == row.growth);
            let base = path.map_or(1.0, |g| g.index_at(row.base_year as f64));
            (0..p.months)
                .map(|i| {
                    let m = p.start.plus(i);
                    let idx = path.map_or(1.0, |g| g.index_at(m.year_fraction() - 0.5));
                    let mut mult = 1.0;
                    for e in &sc.events {
                        mult *= effect(&e.event).demand_factor(row, m);
                    }
                    let growth = 1.0 + growth_scale * (idx / base.max(1e-12) - 1.0);
                    row.quantity * growth.max(0.0) * mult.max(0.0) / 12.0
                })
                .sum()
        })
        .collect()
}

/// Every lever's terms in one period's clearing, events in file order.
pub fn period_terms(cx: &PeriodCx<'_>, inp: &mut PeriodInputs) {
    for e in &cx.sc.events {
        effect(&e.event).period_terms(cx, inp);
    }
}

/// Demand multiplier per demand variable from offtake windows and substitution shares.
pub fn demand_factors(plan: &Plan, subs: &Substitutions, row_of: &[usize], m: Month) -> Vec<f64> {
    row_of
        .iter()
        .map(|&row| match plan.row_kind.get(row) {
            Some(RowKind::Offtake(start, end, _)) => offtake::factor(*start, *end, m),
            Some(RowKind::Substitute(orig, rule, ratio)) => subs.share_of(*rule, *orig) * ratio,
            _ => subs.remaining(row),
        })
        .collect()
}

/// The per-run state of the levers that remember past periods.
#[derive(Clone)]
pub struct State {
    /// Export controls resolved to arcs, with their pre-control flows.
    pub controls: Controls,
    /// Substitution triggers and shares.
    pub substitutions: Substitutions,
    /// Capacity committed in answer to prices.
    pub expansions: expansion::Expansions,
}

impl State {
    /// The state at the start of a run.
    pub fn new(ds: &Dataset, net: &Network, sc: &Scenario, plan: &Plan) -> State {
        State {
            controls: Controls::new(ds, net, sc),
            substitutions: Substitutions::new(plan),
            expansions: expansion::Expansions::new(ds, sc),
        }
    }
}
