//! `export_control`: controls resolved to the trade arcs they govern; a ban closes them, a
//! licence lets through what its process approves (`licence`: filings, review times,
//! approval path, general licences), a quota caps their sum. Pre-control flows are the
//! last period's before the control, or a solve of the first period without it.

mod licence;

use super::{Effect, PeriodCx, market_of};
use crate::clearing::{self, PeriodInputs};
use crate::network::Network;
use crate::settings::Settings;
use lodestone_model::dataset::Dataset;
use lodestone_model::scenario::{ControlMode, Event, ExportControl, Scenario};
use lodestone_model::time::Month;
use std::collections::{BTreeMap, BTreeSet};

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
    /// A licence's review clock.
    review: licence::Review,
    /// A licence's approval steps, general licences and exempt shares, resolved.
    terms: licence::Terms,
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
            let terms = licence::Terms::new(ds, x, &|c| market_of(ds, net, c));
            Some(ControlArcs {
                review: licence::Review::new(x),
                terms,
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

    /// Record pre-control flows for controls in force in this period: last period's, or
    /// (in a run's first period) a solve of this period without controls.
    fn learn_reference(&mut self, cx: &PeriodCx<'_>, inputs: &PeriodInputs, s: &Settings) {
        let mut needs_ref = false;
        for ctl in self.0.iter_mut() {
            if cx.sc.months_in_force(&ctl.control, cx.p) > 0 && ctl.ref_flow.is_none() {
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
                if ctl.ref_flow.is_none() && cx.sc.months_in_force(&ctl.control, cx.p) > 0 {
                    ctl.ref_flow = Some(c.flow.iter().map(|f| f / months).collect());
                }
            }
        }
    }

    /// Close, license or cap the controlled arcs of the controls in force this period. In
    /// a quarter or year that the control covers only in part, the months outside it carry
    /// the pre-control flow (step invariance: a ban from April closes 9/12 of a year).
    pub fn apply(&mut self, cx: &PeriodCx<'_>, inputs: &mut PeriodInputs, s: &Settings) {
        self.learn_reference(cx, inputs, s);
        let p = cx.p;
        for ctl in &self.0 {
            let x = &ctl.control;
            let months: Vec<Month> = (0..p.months)
                .map(|i| p.start.plus(i))
                .filter(|&m| cx.sc.in_force(x, m))
                .collect();
            if months.is_empty() {
                continue;
            }
            let free = f64::from(p.months) - months.len() as f64;
            let refs = ctl.ref_flow.as_deref().unwrap_or(&[]);
            let pre = |a: usize| refs.get(a).copied().unwrap_or(0.0);
            // months of pre-control flow the control lets through in the period
            let through = match x.mode {
                ControlMode::Ban => 0.0,
                ControlMode::Licence => {
                    ctl.licence_caps(cx, inputs, &months, free, refs);
                    continue;
                }
                ControlMode::Quota => {
                    let free_flow: f64 = ctl.arcs.iter().map(|&a| pre(a)).sum::<f64>() * free;
                    let quota = x.tonnes_per_year.unwrap_or(0.0) * months.len() as f64 / 12.0;
                    inputs
                        .arc_groups
                        .push((ctl.arcs.clone(), quota + free_flow));
                    continue;
                }
            };
            for &a in &ctl.arcs {
                let allowed = pre(a) * (free + through);
                inputs.arc_capacity[a] =
                    Some(inputs.arc_capacity[a].map_or(allowed, |c| c.min(allowed)));
            }
        }
    }
}

impl ControlArcs {
    /// Cap each licensed arc at the months of pre-control flow its licence process lets
    /// through in the period's months in force, plus the free months.
    fn licence_caps(
        &self,
        cx: &PeriodCx<'_>,
        inputs: &mut PeriodInputs,
        months: &[Month],
        free: f64,
        refs: &[f64],
    ) {
        let x = &self.control;
        let weights = self.end_use_weights(cx, inputs);
        let in_force = |k: Month| cx.sc.in_force(x, k);
        for &a in &self.arcs {
            let arc = &cx.net.arcs[a];
            let (market, material) = (cx.net.nodes[arc.to].market, cx.net.nodes[arc.from].material);
            let w = weights.get(&(market, material));
            let approval = |m: Month| match w {
                Some(w) if !w.is_empty() => {
                    let total: f64 = w.iter().map(|(_, q)| q).sum();
                    (w.iter())
                        .map(|&(s, q)| q * self.terms.approval(x, m, market, Some(s)))
                        .sum::<f64>()
                        / total
                }
                _ => self.terms.approval(x, m, market, None),
            };
            let route = licence::Route {
                market,
                material,
                approval: &approval,
            };
            let through: f64 = (months.iter())
                .map(|&m| licence::through(x, &self.review, &self.terms, &route, m, &in_force))
                .sum();
            let allowed = refs.get(a).copied().unwrap_or(0.0) * (free + through);
            inputs.arc_capacity[a] =
                Some(inputs.arc_capacity[a].map_or(allowed, |c| c.min(allowed)));
        }
    }

    /// Per (destination market, material), the period's demand by sector there: the weights
    /// of end-use approval steps (empty when no step names an end use).
    fn end_use_weights(
        &self,
        cx: &PeriodCx<'_>,
        inputs: &PeriodInputs,
    ) -> BTreeMap<(usize, usize), Vec<(usize, f64)>> {
        let mut out: BTreeMap<(usize, usize), Vec<(usize, f64)>> = BTreeMap::new();
        if !self.terms.by_end_use {
            return out;
        }
        for (dv, &q) in cx.net.demands.iter().zip(&inputs.demand) {
            let node = &cx.net.nodes[dv.node];
            if q > 0.0 && self.destinations.contains(&node.market) {
                let v = out.entry((node.market, node.material)).or_default();
                match v.iter_mut().find(|(s, _)| *s == dv.sector) {
                    Some((_, total)) => *total += q,
                    None => v.push((dv.sector, q)),
                }
            }
        }
        out
    }
}
