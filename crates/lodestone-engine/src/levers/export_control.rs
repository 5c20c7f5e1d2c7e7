//! `export_control`: controls resolved to the trade arcs they govern; a ban closes them, a
//! licence opens a share of the pre-control flow after the review delay, a quota caps
//! their sum. Pre-control flows are the last period's before the control, or a solve of
//! the first period without it.

use super::{Effect, PeriodCx, market_of};
use crate::clearing::{self, PeriodInputs};
use crate::network::Network;
use crate::settings::Settings;
use lodestone_model::dataset::Dataset;
use lodestone_model::scenario::{ControlMode, Event, ExportControl, Scenario};
use lodestone_model::time::Month;
use std::collections::BTreeSet;

impl Effect for ExportControl {
    fn traced_exporter(&self) -> Option<&str> {
        self.extraterritorial.map(|_| self.exporter.as_str())
    }
}

/// One export control resolved against the network.
#[derive(Debug, Clone)]
pub struct ControlArcs {
    /// The event.
    pub control: ExportControl,
    /// Controlled arcs.
    pub arcs: Vec<usize>,
    /// Controlled materials.
    pub materials: BTreeSet<usize>,
    /// Destination markets.
    pub destinations: BTreeSet<usize>,
    /// Exporter market.
    pub exporter: usize,
    /// Reference (pre-control) flow per arc, t per month, once known.
    pub ref_flow: Option<Vec<f64>>,
}

/// The scenario's export controls, in file order.
#[derive(Debug, Clone, Default)]
pub struct Controls(pub Vec<ControlArcs>);

impl Controls {
    /// Resolve every export control to the arcs it governs: direct exports, and with an
    /// extraterritorial reach the controlled-origin goods shipped from third countries.
    pub fn new(ds: &Dataset, net: &Network, sc: &Scenario) -> Controls {
        let resolve = |x: &ExportControl| -> Option<ControlArcs> {
            let xm = market_of(ds, net, &x.exporter)?;
            let mats: BTreeSet<usize> = ds
                .covered_materials(&x.materials, &x.elements)
                .into_iter()
                .collect();
            let except_m: BTreeSet<usize> = x
                .except
                .iter()
                .filter_map(|c| market_of(ds, net, c))
                .collect();
            let dests: BTreeSet<usize> = ds
                .countries
                .iter()
                .enumerate()
                .filter(|(_, c)| x.destinations.includes(&c.id))
                .map(|(i, _)| net.country_market[i])
                .filter(|m| *m != xm && !except_m.contains(m))
                .collect();
            let arcs = net
                .arcs
                .iter()
                .enumerate()
                .filter(|(_, a)| {
                    let (f, t) = (&net.nodes[a.from], &net.nodes[a.to]);
                    let direct = f.market == xm;
                    let foreign =
                        x.extraterritorial.is_some() && f.tainted && net.taint_market == Some(xm);
                    (direct || foreign) && mats.contains(&f.material) && dests.contains(&t.market)
                })
                .map(|(k, _)| k)
                .collect();
            Some(ControlArcs {
                control: x.clone(),
                arcs,
                materials: mats,
                destinations: dests,
                exporter: xm,
                ref_flow: None,
            })
        };
        Controls(
            sc.events
                .iter()
                .filter_map(|e| match &e.event {
                    Event::ExportControl(x) => resolve(x),
                    _ => None,
                })
                .collect(),
        )
    }

    /// Record pre-control flows for controls that come into force in month `m`: last
    /// period's, or (in a run's first period) a solve of this period without controls.
    fn learn_reference(&mut self, cx: &PeriodCx<'_>, inputs: &PeriodInputs, s: &Settings) {
        let m = cx.p.start;
        let mut needs_ref = false;
        for ctl in self.0.iter_mut() {
            if cx.sc.in_force(&ctl.control, m) && ctl.ref_flow.is_none() {
                match cx.prev {
                    Some(r) => {
                        let months = r.period.months as f64;
                        ctl.ref_flow = Some(r.clearing.flow.iter().map(|f| f / months).collect())
                    }
                    None => needs_ref = true,
                }
            }
        }
        if needs_ref {
            let prob = clearing::build(cx.net, inputs, s);
            let c = clearing::solve(cx.net, &prob, s);
            let months = cx.p.months as f64;
            for ctl in self.0.iter_mut() {
                if ctl.ref_flow.is_none() && ctl.control.start <= m {
                    ctl.ref_flow = Some(c.flow.iter().map(|f| f / months).collect());
                }
            }
        }
    }

    /// Close, license or cap the controlled arcs of the controls in force this period.
    pub fn apply(&mut self, cx: &PeriodCx<'_>, inputs: &mut PeriodInputs, s: &Settings) {
        self.learn_reference(cx, inputs, s);
        let (m, p) = (cx.p.start, cx.p);
        for ctl in &self.0 {
            let x = &ctl.control;
            if !cx.sc.in_force(x, m) {
                continue;
            }
            match x.mode {
                ControlMode::Ban => {
                    for &a in &ctl.arcs {
                        inputs.arc_capacity[a] = Some(0.0);
                    }
                }
                ControlMode::Licence => {
                    let open = licence_open_share(x, m, p.months);
                    let refs = ctl.ref_flow.as_deref().unwrap_or(&[]);
                    let approval = x.approval_share.unwrap_or(0.0);
                    for &a in &ctl.arcs {
                        let allowed =
                            approval * refs.get(a).copied().unwrap_or(0.0) * p.months as f64 * open;
                        inputs.arc_capacity[a] =
                            Some(inputs.arc_capacity[a].map_or(allowed, |x| x.min(allowed)));
                    }
                }
                ControlMode::Quota => inputs.arc_groups.push((
                    ctl.arcs.clone(),
                    x.tonnes_per_year.unwrap_or(0.0) * p.year_share(),
                )),
            }
        }
    }
}

/// Share of a period starting in `m` (of `months` months) after the licence review delay.
fn licence_open_share(x: &ExportControl, m: Month, months: i32) -> f64 {
    let elapsed_days = m.months_since(x.start) as f64 * 30.44;
    let period_days = months as f64 * 30.44;
    ((elapsed_days + period_days - x.delay_days.unwrap_or(0.0)) / period_days).clamp(0.0, 1.0)
}
