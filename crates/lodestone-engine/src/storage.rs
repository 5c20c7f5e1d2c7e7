//! Competitive storage: commercial holders keep stock while its expected value next period,
//! net of carrying cost, is above today's price, and draw it when it is not (Williams &
//! Wright 1991; Deaton & Laroque 1992), with expectations that one QP per period can use.
//!
//! Every node of a storable material (oxides, metals, magnets) that is produced or used has
//! a commercial holder (a stock variable; the dataset's commercial stock rows are the
//! holders at their nodes). A tonne carried out of a period is worth
//!
//! ```text
//! MV(S) = δ·Pe − w·(S − N),   δ = 1 − carry_cost_rate·months/12,   w = δ·Pe / (span·U)
//! ```
//!
//! above the normal stock `N`, and below it `MV(S) + c·δ·Pe·(N − S)/N` — the convenience
//! of working stock (Kaldor 1939; Working 1949) at end users' nodes (where a sector buys;
//! 0 by default, see `Settings::storage_convenience`): a user running its stock down pays up to
//! `(1 + c)` times the expected price for the last tonne rather than stop its line
//! (`c = storage_convenience`). Here `S` is the end stock, `U` the node's use in t/month (what left it other than into
//! stock: consumption, plant inputs, exports; smoothed over a year, first measured by a
//! clearing of the first period without holders), `N = storage_cover_months·U` the normal working
//! stock, and `span = storage_span_months`: the stock above normal at which a further tonne
//! is worth nothing (the holder expects to sell the excess only at ever lower prices). The
//! value enters the clearing as a concave term, so the QP stays strictly convex: holders buy
//! while the price is below `MV(S)` and sell while it is above, and since `MV(0) > 0` a
//! storable good in surplus is stocked at a positive price rather than dumped. Beyond
//! `span` of use above normal `MV` would turn negative; every node with a holder also has a
//! write-off outlet at the discarding cost (`network::Network::surplus`), so the node's price
//! stops at minus that cost (0 by default) instead.
//!
//! Expectations are regressive-adaptive (Nerlove 1958): `Pe = a·P_0 + (1 − a)·E`, where
//! `P_0` is the node's normal price: its material's reference (the 2024 observed price)
//! plus the node's premium over the material's busiest node in a first clearing of the
//! run's first period without holders (the route to it), `E` follows the node's
//! past prices with weight `expectation_weight` a month, and `a` is `expectation_anchor`. We chose them over a rolling horizon solved jointly because they
//! keep one QP per period of unchanged shape (see ARCHITECTURE.md, "Storage"); the cost is
//! that holders do not foresee dated policy (no front-loading before a control). Within
//! a control's `foreseen_months` they do ([`Foresight`]).

use crate::clearing::{Clearing, PeriodInputs};
use crate::network::Network;
use crate::settings::Settings;
use lodestone_model::scenario::Scenario;
use lodestone_model::scenario::levers::Event;
use lodestone_model::time::Period;

/// Material kinds held by commercial stockists.
pub const STORABLE: [&str; 3] = ["oxide", "metal", "magnet"];

/// What holders know between periods: expected prices and each node's use.
#[derive(Debug, Clone)]
pub struct Expectations {
    /// Exponentially weighted past price per node, USD/kg.
    past: Vec<f64>,
    /// The price expectations regress to per node, USD/kg: its material's reference price
    /// plus the node's premium in the first clearing (`learn_premiums`).
    anchor: Vec<f64>,
    /// Exponentially weighted use per node, t/month (None before the first period).
    uses: Option<Vec<f64>>,
    /// Foresight: in a window after a control starts, holders expect the price path the
    /// control implies instead of the adaptive rule (`Foresight`).
    pub foresight: Option<Foresight>,
    /// Index of the period being cleared.
    pub now: usize,
}

/// Weight a month of the latest use in a node's use: a year's memory.
const USE_WEIGHT: f64 = 1.0 / 12.0;

impl Expectations {
    /// Before the first period every node expects its material's reference price.
    pub fn new(net: &Network, ref_price: &[f64]) -> Expectations {
        let past: Vec<f64> = net.nodes.iter().map(|n| ref_price[n.material]).collect();
        Expectations {
            anchor: past.clone(),
            past,
            uses: None,
            foresight: None,
            now: 0,
        }
    }

    /// Expected price at a node, USD/kg.
    pub fn expected(&self, node: usize, s: &Settings) -> f64 {
        if let Some(p) = self
            .foresight
            .as_ref()
            .and_then(|f| f.price(self.now, node))
        {
            return p;
        }
        let a = s.expectation_anchor;
        a * self.anchor[node] + (1.0 - a) * self.past[node]
    }

    /// Whether the nodes' use is known (after a first clearing).
    pub fn knows_use(&self) -> bool {
        self.uses.is_some()
    }

    /// Learn from a period's clearing: prices (nodes without a price keep their
    /// expectation) and use (the first clearing sets it).
    pub fn update(&mut self, net: &Network, c: &Clearing, months: f64, s: &Settings) {
        let months = months.max(1e-9);
        let now: Vec<f64> = outflow(net, c).iter().map(|x| x / months).collect();
        if self.uses.is_none() {
            self.learn_premiums(net, &c.price, &now);
        }
        self.learn_prices(&c.price, months, s);
        match &mut self.uses {
            None => self.uses = Some(now),
            Some(u) => {
                let w = 1.0 - (1.0 - USE_WEIGHT).powf(months);
                for (u, x) in u.iter_mut().zip(now) {
                    *u += w * (x - *u);
                }
            }
        }
    }

    /// From the first clearing: a node's normal price is the reference price (the 2024
    /// observed price, quoted where most of the material changes hands) plus the node's
    /// premium over the material's busiest node (largest outflow) in that clearing — a
    /// market outside China pays the Chinese price plus the route. At least a fifth of the
    /// reference.
    fn learn_premiums(&mut self, net: &Network, price: &[f64], outflow: &[f64]) {
        let mut busiest: std::collections::BTreeMap<usize, (f64, usize)> = Default::default();
        for (n, x) in outflow.iter().enumerate() {
            let b = busiest.entry(net.nodes[n].material).or_insert((-1.0, n));
            if *x > b.0 && price[n].is_finite() {
                *b = (*x, n);
            }
        }
        for (n, p) in price.iter().enumerate() {
            let Some(&(_, r)) = busiest.get(&net.nodes[n].material) else {
                continue;
            };
            if p.is_finite() && price[r].is_finite() {
                let reference = self.anchor[n];
                self.anchor[n] = (reference + p - price[r]).max(0.2 * reference);
                self.past[n] = self.anchor[n];
            }
        }
    }

    fn learn_prices(&mut self, price: &[f64], months: f64, s: &Settings) {
        let w = 1.0 - (1.0 - s.expectation_weight).powf(months);
        for (e, p) in self.past.iter_mut().zip(price) {
            if p.is_finite() {
                *e += w * (p - *e);
            }
        }
    }
}

/// Trial clearings of a foresight window at most (S2's path settles in ~20; prices at
/// nodes that barely trade, whose duals are not unique, can keep moving by a few percent).
pub const FORESIGHT_PASSES: usize = 30;

/// Share of the gap between a trial's prices and the expected path closed per pass.
const FORESIGHT_STEP: f64 = 0.5;

/// The path has settled when no price at a node with a commercial holder moves by more
/// than this share (of the price, or of 1 USD/kg below it) between passes.
const FORESIGHT_TOLERANCE: f64 = 1e-2;

/// Perfect foresight within a window after a dated control starts (its `foreseen_months`):
/// holders know what the control's terms imply and expect next period's price on the
/// path the run will follow, as in the rational-expectations storage model (Williams &
/// Wright 1991), found by iterating on the path (Fair & Taylor 1983): clear the window with
/// the expected path, move the path halfway to the prices that came out, repeat. Before
/// the window the control is a surprise (no front-loading); after it, expectations are
/// adaptive again, starting from the prices the window produced.
#[derive(Debug, Clone)]
pub struct Foresight {
    window: std::ops::Range<usize>,
    /// Expected prices per period index and node (empty outside the window and the
    /// period after it).
    path: Vec<Vec<f64>>,
    /// Nodes with a commercial holder: the only ones whose expectation is used, so the
    /// only ones whose path must settle (an idle node's price is any value in an
    /// interval and can wander between passes).
    held: Vec<bool>,
}

impl Foresight {
    /// No path yet, over `window` of a run of `periods` periods.
    pub fn new(window: std::ops::Range<usize>, periods: usize, net: &Network) -> Foresight {
        let mut held = vec![false; net.nodes.len()];
        for sv in net.stocks.iter().filter(|sv| !sv.strategic) {
            held[sv.node] = true;
        }
        Foresight::with_held(window, periods, held)
    }

    fn with_held(window: std::ops::Range<usize>, periods: usize, held: Vec<bool>) -> Foresight {
        Foresight {
            window,
            path: vec![Vec::new(); periods],
            held,
        }
    }

    /// What a holder in period `now` expects at `node`: next period's price on the path
    /// (None outside the window or where the path has no price).
    fn price(&self, now: usize, node: usize) -> Option<f64> {
        if !self.window.contains(&now) {
            return None;
        }
        let p = *self.path.get(now + 1)?.get(node)?;
        p.is_finite().then_some(p)
    }

    /// Move the path toward a trial's prices, period `from` on; whether it had settled
    /// (no held node's price moved by more than `FORESIGHT_TOLERANCE`).
    pub fn learn<'a>(&mut self, from: usize, prices: impl Iterator<Item = &'a Vec<f64>>) -> bool {
        let mut settled = true;
        for (old, new) in self.path[from..].iter_mut().zip(prices) {
            if old.len() != new.len() {
                *old = new.clone();
                settled = false;
                continue;
            }
            for ((o, n), held) in old.iter_mut().zip(new).zip(&self.held) {
                if !(o.is_finite() && n.is_finite()) {
                    *o = *n;
                    continue;
                }
                let gap = n - *o;
                if *held && gap.abs() > FORESIGHT_TOLERANCE * o.abs().max(1.0) {
                    settled = false;
                }
                *o += FORESIGHT_STEP * gap;
            }
        }
        settled
    }
}

/// The windows of period indices in which holders foresee prices: for each export
/// control with `foreseen_months`, the periods that start within that many months of its
/// start, overlapping windows merged, in order.
pub fn foresight_windows(sc: &Scenario, grid: &[Period]) -> Vec<std::ops::Range<usize>> {
    let mut windows: Vec<std::ops::Range<usize>> = (sc.events.iter())
        .filter_map(|e| match &e.event {
            Event::ExportControl(x) => Some((x.start, x.foreseen_months?)),
            _ => None,
        })
        .filter(|&(_, months)| months > 0.0)
        .filter_map(|(start, months)| {
            let end = start.plus(months.round() as i32);
            let first = grid.iter().position(|p| p.start >= start)?;
            let past = grid
                .iter()
                .position(|p| p.start >= end)
                .unwrap_or(grid.len());
            (past > first).then_some(first..past)
        })
        .collect();
    windows.sort_by_key(|w| w.start);
    let mut merged: Vec<std::ops::Range<usize>> = Vec::new();
    for w in windows {
        match merged.last_mut() {
            Some(last) if w.start <= last.end => last.end = last.end.max(w.end),
            _ => merged.push(w),
        }
    }
    merged
}

/// What left each (market, material) in a clearing other than into stock, t: consumption,
/// plant inputs and exports, counted at the node that stands for the pair (`node_index`:
/// with origin colours both twins' flows count at the tainted twin, where holders sit).
pub fn outflow(net: &Network, c: &Clearing) -> Vec<f64> {
    let mut out = vec![0.0; net.nodes.len()];
    let mut add = |node: usize, x: f64| {
        let n = &net.nodes[node];
        let at = net.node_index.get(&(n.market, n.material)).copied();
        out[at.unwrap_or(node)] += x.max(0.0);
    };
    for (d, dv) in net.demands.iter().enumerate() {
        add(dv.node, c.consumption[d]);
    }
    for (k, act) in net.activities.iter().enumerate() {
        for &(node, q) in &act.inputs {
            add(node, q * c.activity[k]);
        }
    }
    for (r, arc) in net.arcs.iter().enumerate() {
        add(arc.from, c.flow[r]);
    }
    out
}

/// A holder's terms in one period: marginal value of the first tonne carried out, USD/kg,
/// and how fast it falls per tonne, and the normal working stock, t.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Value {
    /// `MV(0)`, USD/kg.
    pub at_zero: f64,
    /// `w`, USD/kg per t.
    pub slope: f64,
    /// Normal working stock `N`, t.
    pub normal: f64,
    /// Convenience of working stock below normal: MV rises by this much per tonne short
    /// of `N`, USD/kg per t (`storage_convenience × δ·Pe / N`).
    pub below: f64,
}

impl Value {
    /// The terms of a holder at a node with use `u` t/month expecting `pe` USD/kg.
    pub fn of(pe: f64, u: f64, months: f64, s: &Settings) -> Value {
        let span = s.storage_span_months * u;
        if span <= 1e-9 || pe <= 0.0 {
            return Value::default();
        }
        let delta = (1.0 - s.carry_cost_rate * months / 12.0).max(0.0);
        let slope = delta * pe / span;
        let normal = s.storage_cover_months * u;
        let below = if normal > 1e-9 {
            s.storage_convenience * delta * pe / normal
        } else {
            0.0
        };
        Value {
            at_zero: delta * pe + slope * normal,
            slope,
            normal,
            below,
        }
    }

    /// Marginal value of the tonne that brings the stock to `s`, USD/kg.
    pub fn marginal(&self, s: f64) -> f64 {
        self.at_zero - self.slope * s + self.below * (self.normal - s).max(0.0)
    }
}

/// The holders' terms for a period, per stock variable (default for strategic stocks).
pub fn values(net: &Network, inp: &PeriodInputs, ex: &Expectations, s: &Settings) -> Vec<Value> {
    let Some(uses) = &ex.uses else {
        return vec![Value::default(); net.stocks.len()];
    };
    let bought = end_use_nodes(net);
    net.stocks
        .iter()
        .map(|sv| {
            if sv.strategic {
                return Value::default();
            }
            let pe = ex.expected(sv.node, s);
            let mut v = Value::of(pe, uses[sv.node], inp.months, s);
            if !bought[sv.node] {
                v.below = 0.0; // traders and plants upstream: no line stops without it
            }
            v
        })
        .collect()
}

/// Nodes (both origin twins) where an end-use sector buys: the holders there are users,
/// whose working stock carries a convenience yield.
fn end_use_nodes(net: &Network) -> Vec<bool> {
    let mut at = vec![false; net.nodes.len()];
    for dv in &net.demands {
        let n = &net.nodes[dv.node];
        at[dv.node] = true;
        if let Some(&i) = net.node_index.get(&(n.market, n.material)) {
            at[i] = true;
        }
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_holder_values_its_normal_stock_at_the_discounted_expected_price() {
        let s = Settings {
            storage_convenience: 2.0,
            ..Settings::default()
        };
        let v = Value::of(100.0, 10.0, 1.0, &s);
        let delta = 1.0 - s.carry_cost_rate / 12.0;
        assert!((v.marginal(v.normal) - delta * 100.0).abs() < 1e-9);
        // the last tonne of working stock is worth (1 + convenience) times as much, plus
        // the speculative slope over the normal stock
        let last = delta * 100.0 * (1.0 + s.storage_convenience) + v.slope * v.normal;
        assert!((v.marginal(0.0) - last).abs() < 1e-9);
        // a span of months above normal is worth nothing more
        let full = v.normal + s.storage_span_months * 10.0;
        assert!(v.marginal(full).abs() < 1e-9);
        // without use there is nothing to value
        assert_eq!(Value::of(100.0, 0.0, 1.0, &s), Value::default());
    }

    #[test]
    fn foresight_expects_the_next_price_on_the_path_inside_its_window_only() {
        let mut f = Foresight::with_held(2..4, 6, vec![true]);
        assert_eq!(f.price(2, 0), None, "no path yet");
        let trial = [vec![10.0], vec![20.0], vec![30.0]];
        assert!(!f.learn(2, trial.iter()), "a first path has not settled");
        assert_eq!(f.price(1, 0), None, "before the window: adaptive");
        assert_eq!(f.price(2, 0), Some(20.0), "next period's price");
        assert_eq!(f.price(3, 0), Some(30.0));
        assert_eq!(f.price(4, 0), None, "after the window: adaptive");
        // a trial that disagrees moves the path halfway and has not settled
        let moved = [vec![10.0], vec![40.0], vec![30.0]];
        assert!(!f.learn(2, moved.iter()));
        assert_eq!(f.price(2, 0), Some(30.0));
        // one that agrees within the tolerance has
        let same = [vec![10.0], vec![30.05], vec![30.0]];
        assert!(f.learn(2, same.iter()));
        // a node without a holder need not settle
        let mut h = Foresight::with_held(0..1, 2, vec![false, true]);
        h.learn(0, [vec![1.0, 1.0], vec![1.0, 1.0]].iter());
        assert!(h.learn(0, [vec![9.0, 1.0], vec![9.0, 1.0]].iter()));
        assert!(!h.learn(0, [vec![1.0, 9.0], vec![1.0, 9.0]].iter()));
        // a node without a price keeps the adaptive rule
        let mut g = Foresight::with_held(0..1, 2, vec![true]);
        g.learn(0, [vec![1.0], vec![f64::NAN]].iter());
        assert_eq!(g.price(0, 0), None);
    }

    #[test]
    fn expectations_move_toward_prices_by_the_monthly_weight() {
        let s = Settings {
            expectation_anchor: 0.0,
            expectation_weight: 0.5,
            ..Settings::default()
        };
        let mut ex = Expectations {
            past: vec![10.0],
            anchor: vec![10.0],
            uses: None,
            foresight: None,
            now: 0,
        };
        ex.learn_prices(&[20.0], 1.0, &s);
        assert!((ex.past[0] - 15.0).abs() < 1e-12);
        // two months at once equal two one-month steps at a constant price
        let mut two = Expectations {
            past: vec![10.0],
            anchor: vec![10.0],
            uses: None,
            foresight: None,
            now: 0,
        };
        two.learn_prices(&[20.0], 2.0, &s);
        ex.learn_prices(&[20.0], 1.0, &s);
        assert!((two.past[0] - ex.past[0]).abs() < 1e-12);
        ex.learn_prices(&[f64::NAN], 1.0, &s);
        assert!((two.past[0] - ex.past[0]).abs() < 1e-12);
    }
}
