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

/// CDF of the review time at `x` (months): triangular (min `a`, mode `c`, max `b`), or a
/// fixed time when `a == b`.
fn cdf(x: f64, a: f64, c: f64, b: f64) -> f64 {
    if x <= a {
        0.0
    } else if b - a <= 1e-12 || x >= b {
        1.0
    } else if x <= c {
        (x - a).powi(2) / ((b - a) * (c - a))
    } else {
        1.0 - (b - x).powi(2) / ((b - a) * (b - c))
    }
}

/// The review clock of one licence and when its applications are filed. Times are months
/// from the start of the control's first month; exports fall due evenly through each month.
#[derive(Debug, Clone)]
pub struct Review {
    /// Review time: shortest, most likely and longest (months).
    lo: f64,
    mode: f64,
    hi: f64,
    /// Months of the first month before licences are needed (its free days).
    first_free: f64,
    /// Filing lead (months): an export due at `u ≥ ahead_from` is filed at `u − lead`, but
    /// not before `ahead_from`, which therefore files every export due within the lead.
    lead: f64,
    /// When exporters start filing ahead (months; ≥ `first_free`); before it, exports are
    /// filed when due.
    ahead_from: f64,
}

impl Review {
    /// The review clock of a licence event.
    pub fn new(x: &ExportControl) -> Review {
        let mode = x.delay_days.unwrap_or(0.0).max(0.0) / DAYS;
        let lo = (x.review_min_days)
            .map_or(mode, |d| d.max(0.0) / DAYS)
            .min(mode);
        let hi = (x.review_max_days)
            .map_or(mode, |d| d.max(0.0) / DAYS)
            .max(mode);
        let first_free = (f64::from(x.first_day.unwrap_or(1).clamp(1, 31)) - 1.0) / DAYS;
        let first_free = first_free.clamp(0.0, 1.0);
        let from = x.filing_lead_from.map_or(0, |m| m.months_since(x.start));
        Review {
            lo,
            mode,
            hi,
            first_free,
            lead: x.filing_lead_days.unwrap_or(0.0).max(0.0) / DAYS,
            ahead_from: f64::from(from.max(0)).max(first_free),
        }
    }

    /// Share of the first month that needs a licence (the days before `first_day` ship freely).
    pub fn first_filed(&self) -> f64 {
        1.0 - self.first_free
    }

    /// Licensed exports due in month `s` (months after the first) that have shipped by time
    /// `t`, in months of flow: each is filed (when due before `ahead_from`, else at
    /// max(ahead_from, due − lead)), decided a review time later, and ships at the later of
    /// its due date and its decision.
    fn shipped_by(&self, s: f64, t: f64) -> f64 {
        let (lo, c, hi, lead) = (self.lo, self.mode, self.hi, self.lead);
        let int = |x: f64| cdf_integral(x, lo, c, hi);
        let (a, b) = (s.max(self.first_free), (s + 1.0).min(t));
        if b <= a {
            return 0.0;
        }
        let (ta, knee) = (self.ahead_from, self.ahead_from + lead);
        // due at u < ta, filed at u: ∫ F(t − u) du over [a, min(b, ta)]
        let b0 = b.min(ta);
        let when_due = if b0 > a {
            int(t - a) - int(t - b0)
        } else {
            0.0
        };
        // due in [ta, knee): filed at ta, decided by t with probability F(t − ta)
        let at_once = (b.min(knee) - a.max(ta)).max(0.0) * cdf(t - ta, lo, c, hi);
        // due at u ≥ knee: filed at u − lead; ∫ F(t + lead − u) du over [max(a, knee), b]
        let a2 = a.max(knee);
        let ahead = if b > a2 {
            int(t + lead - a2) - int(t + lead - b)
        } else {
            0.0
        };
        when_due + at_once + ahead
    }

    /// How many months back an export can be due and still ship in a given month.
    fn reach(&self) -> usize {
        self.hi.ceil() as usize + 2
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
/// the licensed exports that ship in `m` (due in the months since the start that the
/// control was in force: `in_force`). The approval share is the one in force in `m`.
pub fn through(
    x: &ExportControl,
    review: &Review,
    terms: &Terms,
    route: &Route<'_>,
    m: Month,
    in_force: &dyn Fn(Month) -> bool,
) -> f64 {
    let filed = if m == x.start {
        review.first_filed()
    } else {
        1.0
    };
    let e = terms.exempt(route.material);
    let g = terms.general(x, m, route.market);
    let t = f64::from(m.months_since(x.start));
    let mut shipped = 0.0;
    for j in 0..review.reach() {
        let k = m.plus(-(j as i32));
        if k < x.start {
            break;
        }
        if !in_force(k) {
            continue;
        }
        let s = f64::from(k.months_since(x.start));
        let q = review.shipped_by(s, t + 1.0) - review.shipped_by(s, t);
        shipped += (1.0 - terms.general(x, k, route.market)) * q;
    }
    (1.0 - filed) + filed * (e + (1.0 - e) * g) + (1.0 - e) * shipped * (route.approval)(m)
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

    fn clock(lead: f64, first_free: f64) -> Review {
        // the S2 review: 30 / 63 / 120 days
        let (lo, mode, hi) = (30.0 / DAYS, 63.0 / DAYS, 120.0 / DAYS);
        Review {
            lo,
            mode,
            hi,
            first_free,
            lead,
            ahead_from: first_free,
        }
    }

    /// Licensed exports of each due month shipped in each month, months 0..n.
    fn shipped(r: &Review, n: usize) -> Vec<Vec<f64>> {
        (0..n)
            .map(|s| {
                (0..n)
                    .map(|m| {
                        r.shipped_by(s as f64, m as f64 + 1.0) - r.shipped_by(s as f64, m as f64)
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn every_export_due_ships_once_and_never_before_it_is_due() {
        for (lead, from) in [(0.0, 0.0), (1.0, 0.0), (2.5, 0.0), (5.0, 0.0), (2.5, 1.5)] {
            let mut r = clock(lead, 10.0 / DAYS);
            r.ahead_from = r.ahead_from.max(from);
            // every review ends within 5 months: months 0..10 have all shipped by month 16
            let q = shipped(&r, 16);
            for (s, row) in q.iter().enumerate().take(10) {
                let due = if s == 0 { r.first_filed() } else { 1.0 };
                let total: f64 = row.iter().sum();
                assert!(
                    (total - due).abs() < 1e-9,
                    "lead {lead}, month {s}: {total}"
                );
                assert!(row[..s].iter().all(|x| x.abs() < 1e-12), "early: {row:?}");
                assert!(row.iter().all(|x| *x >= -1e-12), "{row:?}");
            }
        }
    }

    #[test]
    fn filing_ahead_ships_on_time_once_past_the_start() {
        // without a lead an export waits for its review; with a lead longer than the
        // longest review (120 days) it ships in the month it is due
        let (late, ahead) = (clock(0.0, 0.0), clock(130.0 / DAYS, 0.0));
        let (ql, qa) = (shipped(&late, 12), shipped(&ahead, 12));
        assert!(ql[8][8] < 0.05, "{:?}", ql[8]);
        assert!((qa[8][8] - 1.0).abs() < 1e-9, "{:?}", qa[8]);
        // at the start, everything due within the lead is filed at once: month 2's exports
        // are decided with month 0's filings, so they ship in month 2, not month 4
        assert!(qa[2][2] > 0.4 && ql[2][2] < 0.05, "{:?} {:?}", qa[2], ql[2]);
        // filing ahead from month 2: months 0 and 1 wait for their review as without a
        // lead; month 3's exports are filed in month 2 with month 2's own
        let mut later = clock(130.0 / DAYS, 0.0);
        later.ahead_from = 2.0;
        let q = shipped(&later, 12);
        for s in 0..2 {
            assert!(
                (0..12).all(|m| (q[s][m] - ql[s][m]).abs() < 1e-12),
                "{:?}",
                q[s]
            );
        }
        assert!(q[3][3] > 0.25 && ql[3][3] < 0.05, "{:?}", q[3]);
        assert!((q[8][8] - 1.0).abs() < 1e-9, "{:?}", q[8]);
    }
}
