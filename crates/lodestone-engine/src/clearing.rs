//! One period's market clearing as a convex QP (spatial price equilibrium), solved with Clarabel.
//!
//! Variables: facility activities, trade flows, consumption, end stocks, stock gaps below
//! target, and surplus of joint products. Every node (market × material) balances exactly:
//!
//! ```text
//! Σ outputs − Σ inputs + imports − exports + stock_begin = consumption + stock_end + surplus
//! ```
//!
//! The objective is total cost (production with a rising supply curve, transport,
//! holding) plus the cost of going short (willingness to pay, rising with the shortfall).
//! It is strictly convex in every variable, so quantities and prices are unique; the
//! regional price of a material is the dual of its node balance (USD/kg).

use crate::network::Network;
use crate::settings::Settings;
use clarabel::algebra::CscMatrix;
use clarabel::solver::{
    DefaultSettingsBuilder, DefaultSolver, IPSolver, SolverStatus, SupportedConeT,
};
use serde::Serialize;

/// Inputs that change from period to period.
#[derive(Debug, Clone, Default)]
pub struct PeriodInputs {
    /// Available capacity per dataset facility, t of activity in the period.
    pub capacity: Vec<f64>,
    /// Unit cost per dataset facility, USD/t activity.
    pub unit_cost: Vec<f64>,
    /// Demand per demand variable, t in the period.
    pub demand: Vec<f64>,
    /// Stock at the start of the period, per stock variable.
    pub stock_begin: Vec<f64>,
    /// Target stock per stock variable.
    pub stock_target: Vec<f64>,
    /// Reference price per material, USD/kg.
    pub ref_price: Vec<f64>,
    /// Months in the period.
    pub months: f64,
    /// Extra cost on each arc, USD/t (tariffs and the like; zero in the core).
    pub arc_extra_cost: Vec<f64>,
    /// Capacity of each arc in the period (None = unlimited).
    pub arc_capacity: Vec<Option<f64>>,
    /// Joint caps on groups of arcs (export quotas): (arcs, tonnes in the period).
    pub arc_groups: Vec<(Vec<usize>, f64)>,
    /// Caps on weighted sums of activities (production quotas): ((activity, t output per
    /// unit), tonnes in the period).
    pub activity_groups: Vec<(Vec<(usize, f64)>, f64)>,
    /// Subsidy per unit of each activity, USD/t (price floors), subtracted from its cost.
    pub activity_subsidy: Vec<f64>,
    /// Price above which each stock is drawn below its target, USD/kg.
    pub stock_release_price: Vec<f64>,
    /// What a tonne carried out of the period is worth to each commercial holder
    /// (`storage`); the default (no value) for strategic stocks and idle holders, which pay
    /// `holding_cost_share` instead.
    pub stock_value: Vec<crate::storage::Value>,
}

/// Outcome class of a period's clearing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClearingStatus {
    /// Solved to full accuracy.
    Optimal,
    /// Solved to reduced accuracy.
    Approximate,
    /// The solver failed; the period's results are not reliable.
    Failed,
}

/// The solution of one period.
#[derive(Debug, Clone)]
pub struct Clearing {
    /// Status.
    pub status: ClearingStatus,
    /// Solver status text.
    pub solver_status: String,
    /// Activity per activity.
    pub activity: Vec<f64>,
    /// Flow per arc.
    pub flow: Vec<f64>,
    /// Consumption per demand variable.
    pub consumption: Vec<f64>,
    /// End stock per stock variable.
    pub stock_end: Vec<f64>,
    /// Surplus per surplus node.
    pub surplus: Vec<f64>,
    /// Clean → tainted conversions (origin colours only).
    pub conversion: Vec<f64>,
    /// Price per node, USD/kg: the balance dual where material changed hands; at an idle
    /// node (`traded` false) the dual is not unique, so the price is import parity — the
    /// cheapest delivered price from a node that traded — or NaN if there is none.
    pub price: Vec<f64>,
    /// Whether material changed hands at the node (produced, used, shipped, consumed or
    /// stocked beyond the solver's round-off).
    pub traded: Vec<bool>,
    /// Shadow price of each dataset facility's capacity, USD/kg of activity (what one more
    /// unit of capacity would have earned in the period): 0 where the facility had spare
    /// capacity or no activity.
    pub capacity_rent: Vec<f64>,
    /// Interior-point iterations.
    pub iterations: u32,
    /// Solver time, seconds (measured by the solver).
    pub solve_time: f64,
    /// Quantities at or below this are solver round-off, not activity: 1e-6 of the period's
    /// largest quantity (an interior-point answer leaves ~1e-8 of it on idle variables).
    /// Trade tables list only flows above it.
    pub noise: f64,
    /// Solver calls it took (more than one when a working set of arcs had to grow, or when
    /// a solve without iterative refinement missed the balance margin; see `solve`).
    pub solves: u32,
}

/// Offsets of each variable block.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    /// Activities start.
    pub act: usize,
    /// Arcs start.
    pub arc: usize,
    /// Demand start.
    pub dem: usize,
    /// Stock end start.
    pub stk: usize,
    /// Stock gap start.
    pub gap: usize,
    /// Surplus start.
    pub sur: usize,
    /// Conversions start.
    pub cnv: usize,
    /// Facility totals start (one per facility with activities).
    pub fac: usize,
    /// Consumption on the flat part of each demand curve (at the sector's cap) start; the
    /// `dem` block is consumption on its sloped part (see `Curve`).
    pub flat: usize,
    /// Total variables.
    pub n: usize,
}

impl Layout {
    /// Layout of a network with a variable for every arc.
    pub fn of(net: &Network) -> Layout {
        Layout::with_arcs(net, net.arcs.len())
    }

    /// Layout of a network where only `n_arcs` arcs have a variable (a working set).
    pub fn with_arcs(net: &Network, n_arcs: usize) -> Layout {
        let act = 0;
        let arc = act + net.activities.len();
        let dem = arc + n_arcs;
        let stk = dem + net.demands.len();
        let gap = stk + net.stocks.len();
        let sur = gap + net.stocks.len();
        let cnv = sur + net.surplus.len();
        let fac = cnv + net.conversions.len();
        let flat = fac
            + net
                .facility_activities
                .iter()
                .filter(|a| !a.is_empty())
                .count();
        let n = flat + net.demands.len();
        Layout {
            act,
            arc,
            dem,
            stk,
            gap,
            sur,
            cnv,
            fac,
            flat,
            n,
        }
    }
}

/// A clearing problem in Clarabel's form: min ½xᵀPx + qᵀx s.t. Ax + s = b, s ∈ K.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// Diagonal of P.
    pub p_diag: Vec<f64>,
    /// Linear cost.
    pub q: Vec<f64>,
    /// A as triplets (row, col, value).
    pub a: Vec<(usize, usize, f64)>,
    /// Right-hand side.
    pub b: Vec<f64>,
    /// Number of equality rows (first rows).
    pub n_eq: usize,
    /// Number of variables.
    pub n: usize,
    /// Lower/upper bound rows are included in A.
    pub m: usize,
    /// The arcs that have a variable, in variable order (every arc unless the problem was
    /// built for a working set).
    pub arcs: Vec<usize>,
}

/// Build the problem for one period, with a variable for every arc.
pub fn build(net: &Network, inp: &PeriodInputs, s: &Settings) -> Problem {
    build_for(net, inp, s, &(0..net.arcs.len()).collect::<Vec<_>>())
}

/// Build the problem for one period with variables for the given arcs only (the others
/// are held at zero flow).
pub fn build_for(net: &Network, inp: &PeriodInputs, s: &Settings, arcs: &[usize]) -> Problem {
    let l = Layout::with_arcs(net, arcs.len());
    let n = l.n;
    // arc → its variable offset within the arc block
    let mut var_of = vec![usize::MAX; net.arcs.len()];
    for (v, &r) in arcs.iter().enumerate() {
        var_of[r] = v;
    }
    // quantity scale of the period: regularisation terms are relative to it
    let qscale = inp
        .capacity
        .iter()
        .chain(&inp.demand)
        .chain(&inp.stock_begin)
        .fold(1.0f64, |m, v| m.max(v.abs()));
    let tiny = 1e-6 / qscale;
    let mut p_diag = vec![tiny; n];
    let mut q = vec![0.0; n];
    let mut a: Vec<(usize, usize, f64)> = Vec::new();
    let mut b: Vec<f64> = Vec::new();
    let n_nodes = net.nodes.len();
    // equality rows: node balances
    b.resize(n_nodes, 0.0);
    for (k, act) in net.activities.iter().enumerate() {
        for &(node, qty) in &act.outputs {
            a.push((node, l.act + k, qty));
        }
        for &(node, qty) in &act.inputs {
            a.push((node, l.act + k, -qty));
        }
        // cost and the rising supply curve sit on the facility total (below), so a plant
        // that runs several processes or colour variants has one supply curve
        q[l.act + k] = -inp.activity_subsidy.get(k).copied().unwrap_or(0.0) / 1000.0;
    }
    for (v, &r) in arcs.iter().enumerate() {
        let arc = &net.arcs[r];
        a.push((arc.from, l.arc + v, -1.0));
        a.push((arc.to, l.arc + v, 1.0));
        q[l.arc + v] = arc_unit_cost(net, inp, r);
        p_diag[l.arc + v] = s.flow_regularization * q[l.arc + v].max(1e-3) / qscale;
    }
    let curves: Vec<Curve> = net
        .demands
        .iter()
        .enumerate()
        .map(|(d, dv)| Curve::of(dv, inp.demand[d]))
        .collect();
    for (d, (dv, cv)) in net.demands.iter().zip(&curves).enumerate() {
        a.push((dv.node, l.dem + d, -1.0));
        a.push((dv.node, l.flat + d, -1.0));
        p_diag[l.dem + d] = cv.beta;
        q[l.dem + d] = -cv.slope_start;
        q[l.flat + d] = -cv.cap;
    }
    for (k, sv) in net.stocks.iter().enumerate() {
        a.push((sv.node, l.stk + k, -1.0));
        b[sv.node] -= inp.stock_begin[k];
        let price = inp.ref_price[net.nodes[sv.node].material];
        match inp.stock_value.get(k) {
            Some(v) if v.slope > 0.0 => {
                // concave value of the carry-out: −∫MV = −(at_zero·S − slope·S²/2), plus
                // the convenience of working stock below normal (`stock_target` = normal):
                // a gap g below it costs below·g²/2
                q[l.stk + k] = -v.at_zero;
                p_diag[l.stk + k] = v.slope;
                p_diag[l.gap + k] = v.below.max(tiny);
            }
            _ => {
                q[l.stk + k] = s.holding_cost_share * price * inp.months;
                let release = inp.stock_release_price[k];
                q[l.gap + k] = release;
                p_diag[l.gap + k] = release / inp.stock_target[k].max(1.0);
            }
        }
    }
    for (k, &(node, free)) in net.surplus.iter().enumerate() {
        a.push((node, l.sur + k, -1.0));
        if !free {
            q[l.sur + k] = s.surplus_cost_share * inp.ref_price[net.nodes[node].material];
        }
    }
    for (k, &(clean, tainted)) in net.conversions.iter().enumerate() {
        a.push((clean, l.cnv + k, -1.0));
        a.push((tainted, l.cnv + k, 1.0));
        q[l.cnv + k] = 1e-6;
    }
    // facility totals: Σ activities − total = 0, with cost and supply curve on the total
    let mut row = n_nodes;
    let mut fac_var = Vec::new();
    for (fi, acts) in net.facility_activities.iter().enumerate() {
        if acts.is_empty() {
            continue;
        }
        let v = l.fac + fac_var.len();
        for &k in acts {
            a.push((row, l.act + k, 1.0));
        }
        a.push((row, v, -1.0));
        b.push(0.0);
        row += 1;
        let cost = inp.unit_cost[fi] / 1000.0;
        q[v] = cost;
        p_diag[v] = (cost * s.supply_slope / inp.capacity[fi].max(1e-3)).max(tiny);
        fac_var.push((fi, v));
    }
    let n_eq = row;
    // capacity rows
    for &(fi, v) in &fac_var {
        a.push((row, v, 1.0));
        b.push(inp.capacity[fi].max(0.0));
        row += 1;
    }
    for (group, cap) in &inp.arc_groups {
        for &r in group {
            if var_of[r] != usize::MAX {
                a.push((row, l.arc + var_of[r], 1.0));
            }
        }
        b.push(cap.max(0.0));
        row += 1;
    }
    for (acts, cap) in &inp.activity_groups {
        for &(k, w) in acts {
            a.push((row, l.act + k, w));
        }
        b.push(cap.max(0.0));
        row += 1;
    }
    for (v, &r) in arcs.iter().enumerate() {
        if let Some(c) = inp.arc_capacity.get(r).copied().flatten() {
            a.push((row, l.arc + v, 1.0));
            b.push(c.max(0.0));
            row += 1;
        }
    }
    for (d, cv) in curves.iter().enumerate() {
        a.push((row, l.dem + d, 1.0));
        b.push(cv.max - cv.kink);
        row += 1;
        a.push((row, l.flat + d, 1.0));
        b.push(cv.kink);
        row += 1;
    }
    for k in 0..net.stocks.len() {
        a.push((row, l.stk + k, -1.0));
        a.push((row, l.gap + k, -1.0));
        b.push(-inp.stock_target[k]);
        row += 1;
    }
    for j in 0..n {
        a.push((row, j, -1.0));
        b.push(0.0);
        row += 1;
    }
    Problem {
        p_diag,
        q,
        a,
        b,
        n_eq,
        n,
        m: row,
        arcs: arcs.to_vec(),
    }
}

/// A sector's demand curve in a period: linear through the anchor (demand `D` at the
/// reference price `P0`) with elasticity `ε` there, `P(c) = P0 + β (D − c)`, `β = P0 / (ε D)`,
/// down to zero at `D (1 + ε)`, and flat at the sector's cap (`wtp_multiplier × P0`) where
/// the line would rise above it. Consumption `c = flat + sloped`: the flat part (up to the
/// kink, worth `cap` a tonne) fills first, then the sloped part (worth `slope_start − β x`).
#[derive(Debug, Clone, Copy)]
pub struct Curve {
    /// Slope of the inverse demand, kUSD/t per t.
    pub beta: f64,
    /// Consumption where the line meets the cap (0 when the cap is above the line), t.
    pub kink: f64,
    /// Consumption at a zero price, t.
    pub max: f64,
    /// The cap, USD/kg.
    pub cap: f64,
    /// Price at the kink, USD/kg.
    pub slope_start: f64,
}

impl Curve {
    /// The curve of demand variable `dv` with base demand `dem` t in the period.
    pub fn of(dv: &crate::network::DemandVar, dem: f64) -> Curve {
        let dem = dem.max(0.0);
        let eps = dv.elasticity.max(1e-3);
        let beta = dv.price.max(1e-9) / (eps * dem.max(1.0));
        let max = dem * (1.0 + eps);
        let kink = (dem - (dv.cap - dv.price) / beta).clamp(0.0, max);
        Curve {
            beta,
            kink,
            max,
            cap: dv.cap,
            slope_start: dv.price + beta * (dem - kink),
        }
    }
}

/// Cost of moving a tonne along an arc in the period, kUSD/t (= USD/kg): transport plus
/// tariffs and the like.
fn arc_unit_cost(net: &Network, inp: &PeriodInputs, r: usize) -> f64 {
    (net.arcs[r].cost + inp.arc_extra_cost.get(r).copied().unwrap_or(0.0)) / 1000.0
}

fn csc(m: usize, n: usize, trip: &[(usize, usize, f64)]) -> CscMatrix<f64> {
    let mut t: Vec<(usize, usize, f64)> = trip.to_vec();
    t.sort_by_key(|&(r, c, _)| (c, r));
    let mut colptr = vec![0usize; n + 1];
    let mut rowval = Vec::with_capacity(t.len());
    let mut nzval = Vec::with_capacity(t.len());
    let mut last: Option<(usize, usize)> = None;
    for (r, c, v) in t {
        if last == Some((r, c)) {
            *nzval.last_mut().expect("has last") += v;
            continue;
        }
        colptr[c + 1] += 1;
        rowval.push(r);
        nzval.push(v);
        last = Some((r, c));
    }
    for c in 0..n {
        colptr[c + 1] += colptr[c];
    }
    CscMatrix::new(m, n, colptr, rowval, nzval)
}

/// Solve a problem. Never panics; a solver failure is a `Failed` status.
///
/// Clarabel runs first without iterative refinement of its KKT solves (a fifth of the
/// solve time; the interior-point iterations absorb the inexact steps). If that answer's
/// node balances are not within half of `balance_tolerance` (same measure as the run's
/// mass-balance check), the problem is solved again with refinement, and that answer is
/// kept: speed never costs the balance guarantee. `solves` counts both calls.
pub fn solve(net: &Network, prob: &Problem, s: &Settings) -> Clearing {
    let (x, first) = solve_once(net, prob, s, false);
    let Some(x) = x else {
        return first; // the solver could not be set up: no retry would help
    };
    let (_, rel) = balance_errors(&row_residuals(prob, &x));
    if first.status != ClearingStatus::Failed && rel <= 0.5 * s.balance_tolerance {
        return first;
    }
    let (_, mut c) = solve_once(net, prob, s, true);
    c.iterations += first.iterations;
    c.solve_time += first.solve_time;
    c.solves += first.solves;
    c
}

/// The duals of the capacity rows (`build_for` puts one per facility with activities, in
/// facility order, right after the equality rows), per dataset facility. Prices and these
/// rents are in the objective's units, USD/kg; scaling tonnes leaves them unchanged.
fn capacity_rents(net: &Network, prob: &Problem, z: &[f64]) -> Vec<f64> {
    let mut rent = vec![0.0; net.facility_activities.len()];
    let mut row = prob.n_eq;
    for (fi, acts) in net.facility_activities.iter().enumerate() {
        if acts.is_empty() {
            continue;
        }
        rent[fi] = z.get(row).copied().unwrap_or(0.0).max(0.0);
        row += 1;
    }
    rent
}

/// Node-balance residuals of a solution vector, from the problem's node rows (the first
/// rows): (Σⱼ aᵢⱼxⱼ − bᵢ, largest term), in the form `balance_errors` takes.
fn row_residuals(prob: &Problem, x: &[f64]) -> Vec<(f64, f64)> {
    let rows = prob.n_eq.min(prob.b.len());
    let mut res: Vec<(f64, f64)> = prob.b[..rows].iter().map(|b| (-b, b.abs())).collect();
    for &(r, j, a) in &prob.a {
        if r < rows {
            let v = a * x[j];
            res[r].0 += v;
            res[r].1 = res[r].1.max(v.abs());
        }
    }
    res
}

/// One Clarabel call: the solution vector (unscaled; `None` if the solver could not be
/// set up) and the clearing (`Failed` in that case).
fn solve_once(
    net: &Network,
    prob: &Problem,
    s: &Settings,
    refine: bool,
) -> (Option<Vec<f64>>, Clearing) {
    let l = Layout::with_arcs(net, prob.arcs.len());
    let n = prob.n;
    // Scale tonnes so the largest right-hand side is about 1e3: x = S·x', b' = b/S, and the
    // objective divided by S keeps q and makes P' = S·P; prices (duals) are unchanged.
    let scale = (prob.b.iter().fold(0.0f64, |m, v| m.max(v.abs())) / 1e3).max(1.0);
    let pm = CscMatrix::new(
        n,
        n,
        (0..=n).collect(),
        (0..n).collect(),
        prob.p_diag.iter().map(|p| p * scale).collect(),
    );
    let b_scaled: Vec<f64> = prob.b.iter().map(|b| b / scale).collect();
    let am = csc(prob.m, n, &prob.a);
    let cones = [
        SupportedConeT::ZeroConeT(prob.n_eq),
        SupportedConeT::NonnegativeConeT(prob.m - prob.n_eq),
    ];
    let settings = DefaultSettingsBuilder::default()
        .verbose(false)
        .tol_feas(s.solver_tolerance)
        .tol_gap_abs(s.solver_tolerance)
        .tol_gap_rel(s.solver_tolerance)
        .max_iter(200)
        .iterative_refinement_enable(refine)
        .iterative_refinement_reltol(1e-10)
        .iterative_refinement_abstol(1e-10)
        .iterative_refinement_max_iter(3)
        .build();
    let failed = |msg: String| Clearing {
        status: ClearingStatus::Failed,
        solver_status: msg,
        activity: vec![0.0; net.activities.len()],
        flow: vec![0.0; net.arcs.len()],
        consumption: vec![0.0; net.demands.len()],
        stock_end: vec![0.0; net.stocks.len()],
        surplus: vec![0.0; net.surplus.len()],
        conversion: vec![0.0; net.conversions.len()],
        price: vec![f64::NAN; net.nodes.len()],
        traded: vec![false; net.nodes.len()],
        capacity_rent: vec![0.0; net.facility_activities.len()],
        noise: 0.0,
        iterations: 0,
        solve_time: 0.0,
        solves: 1,
    };
    let Ok(settings) = settings else {
        return (None, failed("invalid solver settings".into()));
    };
    let mut solver = match DefaultSolver::new(&pm, &prob.q, &am, &b_scaled, &cones, settings) {
        Ok(x) => x,
        Err(e) => return (None, failed(format!("solver setup: {e}"))),
    };
    solver.solve();
    let sol = &solver.solution;
    let status = match sol.status {
        SolverStatus::Solved => ClearingStatus::Optimal,
        SolverStatus::AlmostSolved => ClearingStatus::Approximate,
        _ => ClearingStatus::Failed,
    };
    let x: Vec<f64> = sol.x.iter().map(|v| v * scale).collect();
    let mut flow = vec![0.0; net.arcs.len()];
    for (v, &r) in prob.arcs.iter().enumerate() {
        flow[r] = x[l.arc + v];
    }
    let mut c = Clearing {
        status,
        solver_status: format!("{:?}", sol.status),
        activity: x[l.act..l.arc].to_vec(),
        flow,
        consumption: (0..net.demands.len())
            .map(|d| x[l.dem + d] + x[l.flat + d])
            .collect(),
        stock_end: x[l.stk..l.gap].to_vec(),
        surplus: x[l.sur..l.cnv].to_vec(),
        conversion: x[l.cnv..l.fac].to_vec(),
        // d(objective)/d(stock_begin) = z; a unit of supply is worth −z.
        price: sol.z[..net.nodes.len()].iter().map(|z| -z).collect(),
        traded: Vec::new(),
        capacity_rent: capacity_rents(net, prob, &sol.z),
        noise: 0.0,
        iterations: sol.iterations,
        solve_time: sol.solve_time,
        solves: 1,
    };
    c.noise = noise_floor(&c);
    c.traded = traded_nodes(net, &c);
    (Some(x), c)
}

/// 1e-6 of the largest quantity in the period (at least 1e-6 t): see `Clearing::noise`.
fn noise_floor(c: &Clearing) -> f64 {
    1e-6 * c
        .activity
        .iter()
        .chain(&c.flow)
        .chain(&c.consumption)
        .chain(&c.stock_end)
        .fold(1.0f64, |m, v| m.max(v.abs()))
}

/// The nodes where material changed hands: some quantity there above `Clearing::noise`.
fn traded_nodes(net: &Network, c: &Clearing) -> Vec<bool> {
    let eps = c.noise;
    let mut traded = vec![false; net.nodes.len()];
    for (k, act) in net.activities.iter().enumerate() {
        if c.activity[k] > eps {
            for (n, _) in act.outputs.iter().chain(&act.inputs) {
                traded[*n] = true;
            }
        }
    }
    for (r, arc) in net.arcs.iter().enumerate() {
        if c.flow[r] > eps {
            traded[arc.to] = true;
            traded[arc.from] = true;
        }
    }
    for (d, dv) in net.demands.iter().enumerate() {
        if c.consumption[d] > eps {
            traded[dv.node] = true;
        }
    }
    for (k, sv) in net.stocks.iter().enumerate() {
        if c.stock_end[k] > eps {
            traded[sv.node] = true;
        }
    }
    traded
}

/// Give every idle node (see `Clearing::traded`) its import parity price. The dual of an
/// idle node is any value in an interval (often unbounded), and the solver's pick depends
/// on the path it took; reporting it or feeding it back into the next period would make
/// results depend on round-off. Call after the period is final: the raw duals are what
/// certify optimality.
pub fn pin_idle_prices(net: &Network, inp: &PeriodInputs, c: &mut Clearing) {
    let traded = &c.traded;
    let mut parity = vec![f64::INFINITY; net.nodes.len()];
    for (r, arc) in net.arcs.iter().enumerate() {
        let closed = matches!(inp.arc_capacity.get(r), Some(Some(cap)) if *cap <= 0.0);
        if !closed && traded[arc.from] && c.price[arc.from].is_finite() {
            let delivered = c.price[arc.from] + arc_unit_cost(net, inp, r);
            parity[arc.to] = parity[arc.to].min(delivered);
        }
    }
    for (n, p) in c.price.iter_mut().enumerate() {
        if !traded[n] {
            *p = if parity[n].is_finite() {
                parity[n]
            } else {
                f64::NAN
            };
        }
    }
}

/// The trade arcs a period's problem is built with, carried from period to period.
///
/// Only a small share of the arcs of a market network carries flow in any period (about
/// one in ten in the rare earth baseline), and the ones that do change slowly. Solving over
/// a working set and pricing the rest keeps the interior-point system small.
#[derive(Debug, Clone, Default)]
pub struct WorkingSet {
    /// Arcs in the set, in index order; empty before the first period (= every arc).
    arcs: Vec<usize>,
    /// Arcs that once had to join by pricing: they stay for the rest of the run (they are
    /// few, and often sit at nodes whose price is not pinned down, which would make them
    /// rejoin every period).
    sticky: Vec<bool>,
    /// Periods still to be solved over every arc before a carried set is tried again.
    /// A set that had to grow cost two or more solves where one over every arc would have
    /// done, so each such miss doubles the wait (`backoff`, at most `MAX_BACKOFF` periods)
    /// and a set that certifies at once resets it. Periods longer than a month never
    /// carry a set (`clear`).
    skip: u32,
    /// The wait after the next miss.
    backoff: u32,
}

/// Longest wait, in periods, before a carried working set is tried again.
const MAX_BACKOFF: u32 = 16;

impl WorkingSet {
    /// Number of arcs in the set (0 before the first period).
    pub fn len(&self) -> usize {
        self.arcs.len()
    }

    /// Whether the set is still unset (the next clearing uses every arc).
    pub fn is_empty(&self) -> bool {
        self.arcs.is_empty()
    }
}

/// Reduced cost of moving a tonne along an arc at the clearing's prices (USD/kg): delivered
/// cost minus the price difference it spans. Negative means the arc would carry flow.
fn reduced_cost(net: &Network, inp: &PeriodInputs, c: &Clearing, r: usize) -> f64 {
    let arc = &net.arcs[r];
    arc_unit_cost(net, inp, r) - (c.price[arc.to] - c.price[arc.from])
}

/// Clear one period exactly, giving the solver only a working set of arcs.
///
/// The arcs left out are held at zero flow. After each solve every left-out arc that could
/// carry flow is priced: if its delivered cost is below the price difference it spans
/// (beyond the solver's tolerance), it joins the set and the period is solved again. When
/// none is left the KKT conditions of the full problem hold (a left-out arc at zero flow
/// with non-negative reduced cost is optimal), so the answer is the full problem's. Arcs
/// closed for the period (capacity 0) never join. Falls back to every arc if a solve
/// fails. Afterwards the set keeps, for the next period, the arcs that carry flow or are
/// within a few percent of doing so. Returns the clearing (iterations and solve time
/// summed over its solves) and the last problem solved.
pub fn clear(
    net: &Network,
    inp: &PeriodInputs,
    s: &Settings,
    ws: &mut WorkingSet,
) -> (Clearing, Problem) {
    const MAX_ROUNDS: u32 = 8;
    let closed = |r: usize| matches!(inp.arc_capacity.get(r), Some(Some(c)) if *c <= 0.0);
    let all: Vec<usize> = (0..net.arcs.len()).filter(|&r| !closed(r)).collect();
    // periods longer than a month move the flows too far for a carried set (measured: a
    // yearly baseline's carried sets needed 2–4 solves every time; quarters break even)
    let carried = !ws.arcs.is_empty() && ws.skip == 0 && inp.months <= 1.0;
    ws.skip = ws.skip.saturating_sub(1);
    let mut set: Vec<usize> = if !carried {
        all.clone()
    } else {
        ws.arcs.iter().copied().filter(|&r| !closed(r)).collect()
    };
    let (mut iterations, mut time, mut solves, mut rounds) = (0u32, 0.0f64, 0u32, 0u32);
    let (mut c, prob) = loop {
        let prob = build_for(net, inp, s, &set);
        let c = solve(net, &prob, s);
        iterations += c.iterations;
        time += c.solve_time;
        solves += c.solves;
        rounds += 1;
        let full = set.len() == all.len();
        if c.status == ClearingStatus::Failed {
            if full {
                break (c, prob);
            }
            set = all.clone();
            continue;
        }
        if full {
            break (c, prob);
        }
        let mut in_set = vec![false; net.arcs.len()];
        for &r in &set {
            in_set[r] = true;
        }
        let joining: Vec<usize> = all
            .iter()
            .copied()
            .filter(|&r| !in_set[r])
            .filter(|&r| {
                let arc = &net.arcs[r];
                let tol = s.pricing_tolerance
                    * (1.0 + c.price[arc.to].abs().max(c.price[arc.from].abs()));
                reduced_cost(net, inp, &c, r) < -tol
            })
            .collect();
        if joining.is_empty() {
            break (c, prob);
        }
        if rounds >= MAX_ROUNDS {
            set = all.clone();
        } else {
            if ws.sticky.len() != net.arcs.len() {
                ws.sticky = vec![false; net.arcs.len()];
            }
            for &r in &joining {
                ws.sticky[r] = true;
            }
            set.extend(joining);
            set.sort_unstable();
        }
    };
    c.iterations = iterations;
    c.solve_time = time;
    c.solves = solves;
    if carried && rounds > 1 {
        ws.skip = ws.backoff.max(1);
        ws.backoff = (ws.skip * 2).min(MAX_BACKOFF);
    } else if carried {
        ws.backoff = 0;
    }
    // the next period's set is chosen with the raw duals, like the pricing above
    if c.status != ClearingStatus::Failed {
        // interior-point solutions leave ~1e-8 of the largest flow on idle arcs
        let flow_eps = 1e-6 * c.flow.iter().fold(1.0f64, |m, f| m.max(f.abs()));
        ws.arcs = all
            .into_iter()
            .filter(|&r| {
                ws.sticky.get(r).copied().unwrap_or(false)
                    || c.flow[r] > flow_eps
                    || reduced_cost(net, inp, &c, r)
                        < s.working_set_margin * arc_unit_cost(net, inp, r)
            })
            .collect();
    } else {
        ws.arcs.clear();
    }
    pin_idle_prices(net, inp, &mut c);
    (c, prob)
}

/// Node balance residuals of a solution: (node, inflow − outflow, largest term).
pub fn residuals(net: &Network, inp: &PeriodInputs, c: &Clearing) -> Vec<(f64, f64)> {
    let mut res = vec![(0.0f64, 0.0f64); net.nodes.len()];
    let mut add = |node: usize, v: f64| {
        res[node].0 += v;
        res[node].1 = res[node].1.max(v.abs());
    };
    for (k, act) in net.activities.iter().enumerate() {
        for &(node, q) in &act.outputs {
            add(node, q * c.activity[k]);
        }
        for &(node, q) in &act.inputs {
            add(node, -q * c.activity[k]);
        }
    }
    for (r, arc) in net.arcs.iter().enumerate() {
        add(arc.from, -c.flow[r]);
        add(arc.to, c.flow[r]);
    }
    for (d, dv) in net.demands.iter().enumerate() {
        add(dv.node, -c.consumption[d]);
    }
    for (k, sv) in net.stocks.iter().enumerate() {
        add(sv.node, inp.stock_begin[k]);
        add(sv.node, -c.stock_end[k]);
    }
    for (k, &(node, _)) in net.surplus.iter().enumerate() {
        add(node, -c.surplus[k]);
    }
    for (k, &(clean, tainted)) in net.conversions.iter().enumerate() {
        add(clean, -c.conversion[k]);
        add(tainted, c.conversion[k]);
    }
    res
}

/// The largest absolute and relative mass-balance errors of a period, from each node's
/// (inflow − outflow, largest term). An error is relative to the largest term at its
/// node, but never to less than 1 t or 1e-4 of the period's largest term: the solver's
/// round-off is relative to the whole problem (a few grams in a year of ~10⁶ t), so a
/// node that moves a few kilograms would otherwise fail on round-off alone.
pub fn balance_errors(residuals: &[(f64, f64)]) -> (f64, f64) {
    let largest = residuals.iter().fold(0.0f64, |m, r| m.max(r.1));
    let floor = (1e-4 * largest).max(1.0);
    residuals
        .iter()
        .fold((0.0f64, 0.0f64), |(abs, rel), (err, scale)| {
            (abs.max(err.abs()), rel.max(err.abs() / scale.max(floor)))
        })
}

/// Objective value ½xᵀPx + qᵀx of a solution (kUSD), for comparing with other solvers.
pub fn objective(prob: &Problem, x: &[f64]) -> f64 {
    x.iter()
        .enumerate()
        .map(|(j, v)| 0.5 * prob.p_diag[j] * v * v + prob.q[j] * v)
        .sum()
}

/// The solution vector of a clearing in the variable order of the full problem
/// (`build`), with the implied variables (stock gaps below target, facility totals)
/// filled in, so `objective(&build(net, inp, s), &x)` is the clearing's objective.
pub fn solution_vector(net: &Network, inp: &PeriodInputs, c: &Clearing) -> Vec<f64> {
    let l = Layout::of(net);
    let mut x = vec![0.0; l.n];
    x[l.act..l.arc].copy_from_slice(&c.activity);
    x[l.arc..l.dem].copy_from_slice(&c.flow);
    for (d, dv) in net.demands.iter().enumerate() {
        let flat = c.consumption[d].min(Curve::of(dv, inp.demand[d]).kink);
        x[l.flat + d] = flat;
        x[l.dem + d] = c.consumption[d] - flat;
    }
    x[l.stk..l.gap].copy_from_slice(&c.stock_end);
    x[l.sur..l.cnv].copy_from_slice(&c.surplus);
    x[l.cnv..l.fac].copy_from_slice(&c.conversion);
    for k in 0..net.stocks.len() {
        x[l.gap + k] = (inp.stock_target[k] - c.stock_end[k]).max(0.0);
    }
    let totals = net
        .facility_activities
        .iter()
        .filter(|a| !a.is_empty())
        .map(|acts| acts.iter().map(|&k| c.activity[k]).sum::<f64>());
    for (slot, total) in x[l.fac..].iter_mut().zip(totals) {
        *slot = total;
    }
    x
}

/// Write a problem as free-format MPS with a diagonal QUADOBJ section (readable by HiGHS,
/// Gurobi, CPLEX). Variables are non-negative (the MPS default); rows `r{i}` are node
/// balances (E) then capacity and cap rows (L). Units: tonnes and kUSD (= USD/kg × t).
pub fn to_mps(prob: &Problem, name: &str) -> String {
    use std::fmt::Write;
    // drop the pure non-negativity rows (−x_j ≤ 0): MPS bounds say the same
    let mut row_terms: Vec<Vec<(usize, f64)>> = vec![Vec::new(); prob.m];
    for &(r, c, v) in &prob.a {
        row_terms[r].push((c, v));
    }
    let keep: Vec<bool> = (0..prob.m)
        .map(|r| {
            r < prob.n_eq
                || !(row_terms[r].len() == 1 && row_terms[r][0].1 == -1.0 && prob.b[r] == 0.0)
        })
        .collect();
    let mut cols: Vec<Vec<(usize, f64)>> = vec![Vec::new(); prob.n];
    for (r, terms) in row_terms.iter().enumerate() {
        if keep[r] {
            for &(c, v) in terms {
                cols[c].push((r, v));
            }
        }
    }
    let mut s = String::new();
    let _ = writeln!(
        s,
        "* Lodestone clearing problem {name}: min 1/2 x'Px + q'x, x >= 0"
    );
    let _ = writeln!(s, "NAME {name}\nROWS\n N obj");
    for (r, k) in keep.iter().enumerate() {
        if *k {
            let _ = writeln!(s, " {} r{r}", if r < prob.n_eq { "E" } else { "L" });
        }
    }
    let _ = writeln!(s, "COLUMNS");
    for (j, col) in cols.iter().enumerate() {
        if prob.q[j] != 0.0 {
            let _ = writeln!(s, " x{j} obj {:e}", prob.q[j]);
        }
        for &(r, v) in col {
            let _ = writeln!(s, " x{j} r{r} {v:e}");
        }
        if prob.q[j] == 0.0 && col.is_empty() {
            let _ = writeln!(s, " x{j} obj 0");
        }
    }
    let _ = writeln!(s, "RHS");
    for (r, k) in keep.iter().enumerate() {
        if *k && prob.b[r] != 0.0 {
            let _ = writeln!(s, " rhs r{r} {:e}", prob.b[r]);
        }
    }
    let _ = writeln!(s, "QUADOBJ");
    for (j, p) in prob.p_diag.iter().enumerate() {
        if *p != 0.0 {
            let _ = writeln!(s, " x{j} x{j} {p:e}");
        }
    }
    let _ = writeln!(s, "ENDATA");
    s
}

#[cfg(test)]
mod tests {
    use super::balance_errors;

    #[test]
    fn balance_errors_are_relative_to_the_node_with_a_floor_from_the_period() {
        // a year's market of 10⁶ t; a node moving 0.5 t is off by 5 g of round-off
        let (abs, rel) = balance_errors(&[(1e-7, 1e6), (5e-6, 0.5)]);
        assert_eq!(abs, 5e-6);
        assert!((rel - 5e-8).abs() < 1e-18, "{rel}"); // 5e-6 / (1e-4 × 10⁶)
        // a real loss of 1 t at a node moving 100 t is caught
        let (_, rel) = balance_errors(&[(1e-7, 1e6), (1.0, 100.0)]);
        assert!((rel - 0.01).abs() < 1e-12, "{rel}");
        // a small problem keeps the 1 t floor
        let (_, rel) = balance_errors(&[(2e-7, 50.0), (3e-7, 0.1)]);
        assert!((rel - 3e-7).abs() < 1e-18, "{rel}");
    }
}
