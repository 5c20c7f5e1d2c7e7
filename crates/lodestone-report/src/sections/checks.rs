//! The checks section: mass balance, solver status and observed vs simulated statistics.

use super::common::source_ref;
use crate::ctx::Ctx;
use crate::format::{esc, model_error, tonnes_exact};
use crate::html::{section, table};
use std::fmt::Write;

/// The checks of each run: mass balance, clearing statistics, period status, observed
/// vs simulated.
pub(super) fn checks_section(ctxs: &[&Ctx]) -> String {
    let mut inner = String::new();
    for c in ctxs {
        if ctxs.len() > 1 {
            let _ = write!(inner, "<h3>{}</h3>", esc(&c.s.scenario));
        }
        let b = &c.s.balance;
        let st = &c.s.stats;
        let _ = write!(
            inner,
            "<p>Mass balance: largest error {:.2e} t (relative {:.1e}) — {}. Clearing: {} periods × a QP of {} variables and {} rows; {} interior-point iterations; {} approximate and {} failed periods.</p>",
            b.max_abs_error_t,
            b.max_rel_error,
            if b.ok {
                "every node balances in every period"
            } else {
                "ABOVE TOLERANCE"
            },
            st.periods,
            st.variables,
            st.rows,
            st.iterations,
            st.approximate_periods,
            st.failed_periods
        );
        if !c.s.status.is_empty() {
            let rows: Vec<Vec<String>> =
                c.s.status
                    .iter()
                    .map(|(p, s)| vec![esc(p), esc(s)])
                    .collect();
            inner.push_str(&table(&["Period", "Status"], &rows, &[]));
        }
        if !c.s.observed_vs_simulated.is_empty() {
            let rows: Vec<Vec<String>> =
                c.s.observed_vs_simulated
                    .iter()
                    .map(|o| {
                        vec![
                            esc(o.key.metric.as_str()),
                            esc(&o.series),
                            esc(&o.period.label()),
                            format!("{} {}", tonnes_exact(o.observed), esc(&o.unit)),
                            tonnes_exact(o.simulated),
                            o.error.map_or_else(|| "–".into(), model_error),
                            o.source
                                .iter()
                                .map(|s| source_ref(s))
                                .collect::<Vec<_>>()
                                .join(", "),
                        ]
                    })
                    .collect();
            inner.push_str("<h3>Observed vs simulated</h3><p class=\"note\">Dataset observations (observations.csv) in the horizon next to the run's value over the same months; error = simulated / observed − 1. Units are those of each observation (t REO or t for quantities, USD/kg for prices, share). The back-test section scores them by series.</p>");
            inner.push_str(&table(
                &[
                    "Metric",
                    "Series",
                    "Period",
                    "Observed",
                    "Simulated",
                    "Error",
                    "Source",
                ],
                &rows,
                &[3, 4, 5],
            ));
        }
    }
    section("checks", "Checks", &inner)
}
