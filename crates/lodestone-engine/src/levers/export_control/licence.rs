//! A licence regime as a process: each month the would-be exports (pre-control flow) on a
//! controlled arc are filed; a review-time distribution spreads each month's cohort over
//! the following months' decisions; the approval share in force in the decision month
//! (by destination and end use) ships, the rest is lost to the route. Exempt grades and
//! general licences ship without review. Everything is a function of the month, so a
//! quarter or a year is the sum of its months (step invariance).

use lodestone_model::dataset::Dataset;
use lodestone_model::scenario::ExportControl;
use lodestone_model::time::Month;
use std::collections::BTreeSet;

/// Days per month in the review clock (365.25 / 12).
const DAYS: f64 = 30.4375;

/// Integral of the review time's CDF up to `x` (months): ∫_{-∞}^x F(t) dt, for a
/// triangular distribution (min `a`, mode `c`, max `b`) or a fixed time when `a == b`.
fn cdf_integral(x: f64, a: f64, c: f64, b: f64) -> f64 {
    if b - a <= 1e-12 {
        return (x - a).max(0.0);
    }
    let w = b - a;
    let left = |x: f64| {
        if c - a <= 1e-12 {
            0.0
        } else {
            (x - a).powi(3) / (3.0 * w * (c - a))
        }
    };
    let right = |x: f64| {
        if b - c <= 1e-12 {
            0.0
        } else {
            (x - c) - ((b - c).powi(3) - (b - x).powi(3)) / (3.0 * w * (b - c))
        }
    };
    if x <= a {
        0.0
    } else if x <= c {
        left(x)
    } else if x < b {
        left(c) + right(x)
    } else {
        left(c) + right(b) + (x - b)
    }
}

/// The review clock of one licence: the share of a month's filings decided in each later
/// month, for a full month and for the first month (filed from `first_day` on).
#[derive(Debug, Clone)]
pub struct Review {
    /// Filed share of the first month (the days before `first_day` ship freely).
    pub first_filed: f64,
    /// Share of a full month's filings decided `j` months later.
    lag: Vec<f64>,
    /// The same for the first month's filings.
    lag_first: Vec<f64>,
}

impl Review {
    /// The review clock of a licence event.
    pub fn new(x: &ExportControl) -> Review {
        let mode = x.delay_days.unwrap_or(0.0).max(0.0) / DAYS;
        let lo = x
            .review_min_days
            .map_or(mode, |d| d.max(0.0) / DAYS)
            .min(mode);
        let hi = x
            .review_max_days
            .map_or(mode, |d| d.max(0.0) / DAYS)
            .max(mode);
        let first_free = (f64::from(x.first_day.unwrap_or(1).clamp(1, 31)) - 1.0) / DAYS;
        let first_filed = (1.0 - first_free).clamp(0.0, 1.0);
        let n = hi.ceil() as usize + 2;
        // share decided by time t (months from the filing month's start), filed
        // uniformly over [start, start + len)
        let lags = |start: f64, len: f64| -> Vec<f64> {
            let decided = |t: f64| {
                if len <= 1e-12 {
                    return 0.0;
                }
                (cdf_integral(t - start, lo, mode, hi)
                    - cdf_integral(t - start - len, lo, mode, hi))
                    / len
            };
            (0..n)
                .map(|j| (decided(j as f64 + 1.0) - decided(j as f64)).max(0.0))
                .collect()
        };
        Review {
            first_filed,
            lag: lags(0.0, 1.0),
            lag_first: lags(1.0 - first_filed, first_filed),
        }
    }

    /// Share of month `k`'s filings decided `j` months later (`first`: `k` is the first month).
    fn decided(&self, j: usize, first: bool) -> f64 {
        let v = if first { &self.lag_first } else { &self.lag };
        v.get(j).copied().unwrap_or(0.0)
    }

    /// How many months back a filing can still be decided.
    fn reach(&self) -> usize {
        self.lag.len().max(self.lag_first.len())
    }
}

/// The approval and general-licence steps resolved to markets and sectors.
#[derive(Debug, Clone)]
pub struct Terms {
    /// Per approval step, its destination markets (empty: all).
    step_markets: Vec<BTreeSet<usize>>,
    /// Per approval step, its sector indices (empty: all).
    step_sectors: Vec<BTreeSet<usize>>,
    /// Per general licence, its destination markets (empty: all).
    gl_markets: Vec<BTreeSet<usize>>,
    /// Exempt share per material index.
    exempt: Vec<f64>,
    /// Whether any approval step names end uses.
    pub by_end_use: bool,
}

impl Terms {
    /// Resolve the licence's steps against the dataset (`market_of` maps a country id to
    /// its market).
    pub fn new(
        ds: &Dataset,
        x: &ExportControl,
        market_of: &dyn Fn(&str) -> Option<usize>,
    ) -> Terms {
        let markets =
            |v: &[String]| -> BTreeSet<usize> { v.iter().filter_map(|c| market_of(c)).collect() };
        let sector = |s: &String| ds.sectors.iter().position(|x| x.id == *s);
        Terms {
            step_markets: x
                .approval
                .iter()
                .map(|a| markets(&a.destinations))
                .collect(),
            step_sectors: (x.approval.iter())
                .map(|a| a.end_uses.iter().filter_map(sector).collect())
                .collect(),
            gl_markets: (x.general_licences.iter())
                .map(|g| markets(&g.destinations))
                .collect(),
            exempt: (ds.materials.iter())
                .map(|m| x.exempt_shares.get(&m.id).copied().unwrap_or(0.0))
                .collect(),
            by_end_use: x.approval.iter().any(|a| !a.end_uses.is_empty()),
        }
    }

    /// Approval share of decisions in month `m` for destination market `market` and end use
    /// `sector` (`None`: steps naming end uses do not apply): the most specific step in
    /// force, the latest among equals; before any, `approval_share` (else 0).
    pub fn approval(
        &self,
        x: &ExportControl,
        m: Month,
        market: usize,
        sector: Option<usize>,
    ) -> f64 {
        let fits = |i: usize| {
            let (dm, ds) = (&self.step_markets[i], &self.step_sectors[i]);
            let dest_ok = x.approval[i].destinations.is_empty() || dm.contains(&market);
            let use_ok =
                x.approval[i].end_uses.is_empty() || sector.is_some_and(|s| ds.contains(&s));
            x.approval[i].from <= m && dest_ok && use_ok
        };
        (0..x.approval.len())
            .filter(|&i| fits(i))
            .max_by_key(|&i| (x.approval[i].specificity(), x.approval[i].from, i))
            .map_or(x.approval_share.unwrap_or(0.0), |i| x.approval[i].share)
    }

    /// Share of month `m`'s would-be exports to `market` covered by general licences.
    fn general(&self, x: &ExportControl, m: Month, market: usize) -> f64 {
        (x.general_licences.iter().zip(&self.gl_markets))
            .filter(|(g, dm)| g.covers(m) && (g.destinations.is_empty() || dm.contains(&market)))
            .map(|(g, _)| g.share)
            .fold(0.0, f64::max)
    }

    /// Exempt share of material `mat`.
    fn exempt(&self, mat: usize) -> f64 {
        self.exempt.get(mat).copied().unwrap_or(0.0)
    }
}

/// One controlled route, as the licence sees it.
pub struct Route<'a> {
    /// Destination market.
    pub market: usize,
    /// Material index.
    pub material: usize,
    /// Approval share of a decision month (weighted over end uses by the caller).
    pub approval: &'a dyn Fn(Month) -> f64,
}

/// Months of pre-control flow a licence lets through in month `m` on one route: the free
/// days of the first month, exempt grades and general licences, and the approved part of
/// the applications decided in `m` (filed in the months since the start that the control
/// was in force: `in_force`).
pub fn through(
    x: &ExportControl,
    review: &Review,
    terms: &Terms,
    route: &Route<'_>,
    m: Month,
    in_force: &dyn Fn(Month) -> bool,
) -> f64 {
    let first = m == x.start;
    let filed = if first { review.first_filed } else { 1.0 };
    let e = terms.exempt(route.material);
    let g = terms.general(x, m, route.market);
    let mut decided = 0.0;
    for j in 0..review.reach() {
        let k = m.plus(-(j as i32));
        if k < x.start {
            break;
        }
        if !in_force(k) {
            continue;
        }
        let is_first = k == x.start;
        let share = if is_first { review.first_filed } else { 1.0 };
        decided += share * (1.0 - terms.general(x, k, route.market)) * review.decided(j, is_first);
    }
    (1.0 - filed) + filed * (e + (1.0 - e) * g) + (1.0 - e) * decided * (route.approval)(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_review_decides_each_cohort_once_after_the_delay() {
        // 63 days: a full month's filings are decided 2.07..3.07 months later
        let (a, b) = (63.0 / DAYS, 63.0 / DAYS);
        let g = |t: f64| cdf_integral(t, a, a, b) - cdf_integral(t - 1.0, a, a, b);
        assert!(g(2.0).abs() < 1e-12);
        assert!((g(3.0) - (3.0 - a)).abs() < 1e-12);
        assert!((g(4.0) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn a_triangular_review_decides_everything_once() {
        let (a, c, b) = (0.5, 1.5, 4.0);
        let total = cdf_integral(10.0, a, c, b) - cdf_integral(9.0, a, c, b);
        assert!((total - 1.0).abs() < 1e-12);
        // the mean is (a + c + b) / 3: ∫(1 − F) from 0 to 10
        let mean = 10.0 - cdf_integral(10.0, a, c, b);
        assert!((mean - 2.0).abs() < 1e-12, "{mean}");
    }
}
