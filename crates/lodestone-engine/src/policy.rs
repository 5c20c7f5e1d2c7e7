//! Policy levers: structural preparation (investments, technology bans, offtakes,
//! stockpiles, substitutes) and the per-period effects of export controls, tariffs,
//! quotas, price floors, stockpile rules and substitution.

use crate::network::Network;
use lodestone_model::dataset::{
    CapacityStep, Dataset, Demand, Facility, Sector, Stage, Status, Stock,
};
use lodestone_model::scenario::{ControlMode, Event, ReleaseRule, Scenario};
use lodestone_model::time::{Month, Period};
use std::collections::BTreeSet;

/// Dynamic rule attached to a stock row created by a `stockpile` event.
#[derive(Debug, Clone)]
pub struct StockRule {
    /// First month of buying.
    pub start: Month,
    /// Last month of buying.
    pub end: Option<Month>,
    /// Buying rate, t/yr.
    pub buy_rate: f64,
    /// Final target, t.
    pub target: f64,
    /// Release price, USD/kg.
    pub release_price: f64,
}

/// What a demand row is, beyond the dataset's own rows.
#[derive(Debug, Clone)]
pub enum RowKind {
    /// A dataset row.
    Data,
    /// An offtake commitment active in a window.
    Offtake(Month, Option<Month>),
    /// The substitute side of a substitution rule: (original row, rule index).
    Substitute(usize, usize, f64),
}

/// A substitution rule resolved to demand rows.
#[derive(Debug, Clone)]
pub struct SubRule {
    /// Rows it can shift (original rows).
    pub rows: Vec<usize>,
    /// Trigger price multiple.
    pub trigger_multiple: f64,
    /// Max share.
    pub max_share: f64,
    /// Ramp months.
    pub lag_months: f64,
    /// First month.
    pub start: Month,
    /// Material.
    pub material: String,
}

/// The prepared plan of a scenario's policies.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Per demand row.
    pub row_kind: Vec<RowKind>,
    /// Per stock row.
    pub stock_rule: Vec<Option<StockRule>>,
    /// Substitution rules.
    pub substitutions: Vec<SubRule>,
    /// Payer costs of price floors and offtakes, by payer (filled during the run).
    pub notes: Vec<String>,
}

fn covers(start: Month, end: Option<Month>, m: Month) -> bool {
    m >= start && end.is_none_or(|e| m <= e)
}

/// Whether event `e` is in force in month `m` (its window, minus suspensions).
pub fn active(sc: &Scenario, e: &Event, start: Month, end: Option<Month>, m: Month) -> bool {
    if !covers(start, end, m) {
        return false;
    }
    if let Some(id) = e.id() {
        for s in &sc.events {
            if let Event::Suspend { event, start, end } = &s.event
                && event == id
                && covers(*start, *end, m)
            {
                return false;
            }
        }
    }
    true
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(v[v.len() / 2])
}

/// Apply the structural side of policies to the (already overridden) dataset.
pub fn prepare(ds: &mut Dataset, sc: &Scenario) -> Plan {
    let mut plan = Plan::default();
    // investments → new or expanded capacity (expected value over the delay risk)
    for (i, e) in sc.events.iter().enumerate() {
        if let Event::Investment {
            programme,
            amount,
            currency,
            usd_per_unit,
            country,
            stage,
            facility,
            processes,
            company,
            capacity,
            capex_usd_per_tpa,
            unit_cost,
            start,
            lead_time_months,
            delay_probability,
            delay_months,
            ramp_months,
            ..
        } = &e.event
        {
            let usd = amount
                * if currency == "USD" {
                    1.0
                } else {
                    usd_per_unit.unwrap_or(0.0)
                };
            let cap = capacity.unwrap_or_else(|| {
                capex_usd_per_tpa.map_or(0.0, |c| if c > 0.0 { usd / c } else { 0.0 })
            });
            let first = start.plus(lead_time_months.round() as i32);
            let slip = delay_months.unwrap_or(24.0).round() as i32;
            let p = delay_probability.clamp(0.0, 1.0);
            let ramp = ramp_months.unwrap_or(24.0);
            let src: Vec<String> = e.source.iter().cloned().collect();
            if let Some(fid) = facility
                && let Some(f) = ds.facilities.iter_mut().find(|f| &f.id == fid)
            {
                // a facility that was not going to run is built by this money from zero
                let base = if f.enabled {
                    f.nameplate_at(first.plus(-1))
                } else {
                    0.0
                };
                if !f.enabled {
                    f.enabled = true;
                    f.capacity = 0.0;
                    f.start = first;
                    f.steps.clear();
                } else if f.start > first {
                    f.start = first;
                }
                f.steps.push(CapacityStep {
                    date: first,
                    capacity: base + cap * (1.0 - p),
                    ramp_months: ramp,
                    source: src.clone(),
                });
                if p > 0.0 {
                    f.steps.push(CapacityStep {
                        date: first.plus(slip),
                        capacity: base + cap,
                        ramp_months: ramp,
                        source: src,
                    });
                }
                f.steps.sort_by_key(|s| s.date);
                continue;
            }
            let same_stage: Vec<&Facility> =
                ds.facilities.iter().filter(|f| f.stage == *stage).collect();
            let template = same_stage
                .iter()
                .find(|f| &f.country == country)
                .or(same_stage.first())
                .copied();
            let procs = processes
                .clone()
                .or_else(|| template.map(|t| t.processes.clone()))
                .unwrap_or_default();
            let cost = unit_cost
                .or_else(|| {
                    median(
                        same_stage
                            .iter()
                            .filter(|f| f.country != "CN")
                            .map(|f| f.unit_cost)
                            .collect(),
                    )
                })
                .unwrap_or(0.0);
            let mut f = Facility {
                id: format!("inv{i}_{}", stage.as_str()),
                name: format!("{programme} ({})", stage.as_str()),
                company: company.clone().unwrap_or_else(|| programme.clone()),
                country: country.clone(),
                stage: *stage,
                processes: procs,
                status: Status::Planned,
                enabled: true,
                capacity: cap * (1.0 - p),
                capacity_unit: String::new(),
                start: first,
                ramp_months: ramp,
                utilization: 1.0,
                closure: None,
                unit_cost: cost,
                feed_from: Vec::new(),
                steps: Vec::new(),
                yield_factor: 1.0,
                note: format!("investment {programme}: {amount} {currency}"),
                source: src.clone(),
            };
            if p > 0.0 {
                f.steps.push(CapacityStep {
                    date: first.plus(slip),
                    capacity: cap,
                    ramp_months: ramp,
                    source: src,
                });
            }
            ds.facilities.push(f);
        }
    }
    // technology bans → slower ramps and lower utilization for plants starting under the ban
    for e in &sc.events {
        if let Event::TechnologyBan {
            from,
            stages,
            ramp_factor,
            utilization_factor,
            yield_factor,
            except,
            start,
            end,
            ..
        } = &e.event
        {
            for f in ds.facilities.iter_mut() {
                if &f.country == from || except.contains(&f.country) || !stages.contains(&f.stage) {
                    continue;
                }
                if active(sc, &e.event, *start, *end, f.start) {
                    f.ramp_months = (f.ramp_months.max(1.0)) * ramp_factor;
                    f.utilization *= utilization_factor;
                    f.yield_factor *= yield_factor.unwrap_or(1.0);
                    for s in &mut f.steps {
                        s.ramp_months = s.ramp_months.max(1.0) * ramp_factor;
                    }
                }
            }
        }
    }
    plan.row_kind = vec![RowKind::Data; ds.demand.len()];
    // offtakes → a firm demand at the payer's market
    for (i, e) in sc.events.iter().enumerate() {
        if let Event::Offtake {
            material,
            tonnes_per_year,
            price,
            payer,
            start,
            end,
            ..
        } = &e.event
        {
            let refp = ds
                .material(material)
                .and_then(|m| m.ref_price)
                .unwrap_or(1.0)
                .max(1e-9);
            let sid = format!("offtake_{i}");
            ds.sectors.push(Sector {
                id: sid.clone(),
                name: format!("Offtake at {price} USD/kg"),
                priority: 0,
                wtp_multiplier: price / refp,
                elasticity: 0.01,
                source: e.source.iter().cloned().collect(),
            });
            ds.demand.push(Demand {
                country: payer.clone(),
                sector: sid,
                material: material.clone(),
                base_year: start.year(),
                quantity: *tonnes_per_year,
                growth: String::new(),
                source: e.source.iter().cloned().collect(),
            });
            plan.row_kind.push(RowKind::Offtake(*start, *end));
        }
    }
    // substitution → substitute demand rows
    for e in &sc.events {
        if let Event::Substitution {
            sector,
            material,
            substitute,
            ratio,
            trigger_multiple,
            max_share,
            lag_months,
            country,
            start,
        } = &e.event
        {
            let rule = plan.substitutions.len();
            let rows: Vec<usize> = ds
                .demand
                .iter()
                .enumerate()
                .filter(|(_, d)| {
                    &d.sector == sector
                        && &d.material == material
                        && country.as_ref().is_none_or(|c| c == &d.country)
                })
                .map(|(i, _)| i)
                .collect();
            if let Some(subm) = substitute {
                for &r in &rows {
                    let d = ds.demand[r].clone();
                    ds.demand.push(Demand {
                        material: subm.clone(),
                        ..d
                    });
                    plan.row_kind
                        .push(RowKind::Substitute(r, rule, ratio.unwrap_or(1.0)));
                }
            }
            plan.substitutions.push(SubRule {
                rows,
                trigger_multiple: *trigger_multiple,
                max_share: *max_share,
                lag_months: *lag_months,
                start: *start,
                material: material.clone(),
            });
        }
    }
    // stockpiles → strategic stock rows with a build path and a release rule
    plan.stock_rule = vec![None; ds.stocks.len()];
    for e in &sc.events {
        if let Event::Stockpile {
            country,
            material,
            target,
            buy_rate,
            release,
            release_multiple,
            release_price,
            start,
            end,
        } = &e.event
        {
            let refp = ds
                .material(material)
                .and_then(|m| m.ref_price)
                .unwrap_or(1.0);
            ds.stocks.push(Stock {
                country: country.clone(),
                material: material.clone(),
                kind: "strategic".into(),
                quantity: 0.0,
                target: 0.0,
                source: e.source.iter().cloned().collect(),
            });
            plan.stock_rule.push(Some(StockRule {
                start: *start,
                end: *end,
                buy_rate: *buy_rate,
                target: *target,
                release_price: match release {
                    ReleaseRule::Price => release_price.unwrap_or(refp * 2.0),
                    ReleaseRule::Shortfall => release_multiple.unwrap_or(2.0) * refp,
                },
            }));
        }
    }
    plan
}

/// Stock target and release price for one period.
pub fn stock_terms(
    ds: &Dataset,
    net: &Network,
    plan: &Plan,
    s: &crate::Settings,
    p: &Period,
) -> (Vec<f64>, Vec<f64>) {
    let mut target = Vec::new();
    let mut release = Vec::new();
    for sv in &net.stocks {
        let row = &ds.stocks[sv.row];
        let refp = ds
            .material(&row.material)
            .and_then(|m| m.ref_price)
            .unwrap_or(1.0);
        match plan.stock_rule.get(sv.row).and_then(|r| r.as_ref()) {
            Some(rule) => {
                let until = rule.end.map_or(p.start, |e| e.min(p.start));
                let months = until
                    .months_since(rule.start)
                    .max(if p.start >= rule.start { 1 } else { 0 })
                    as f64;
                let t = if p.start < rule.start {
                    0.0
                } else {
                    (rule.buy_rate * months / 12.0).min(rule.target)
                };
                target.push(t);
                release.push(rule.release_price);
            }
            None => {
                target.push(row.target);
                release.push(
                    if sv.strategic {
                        s.strategic_release_multiple
                    } else {
                        1.0 + s.stock_release_premium
                    } * refp,
                );
            }
        }
    }
    (target, release)
}

/// Demand multiplier per demand row from offtake windows and substitution shares.
pub fn demand_factors(plan: &Plan, sub_share: &[Vec<f64>], row_of: &[usize], m: Month) -> Vec<f64> {
    let share_of = |rule: usize, row: usize| -> f64 {
        plan.substitutions[rule]
            .rows
            .iter()
            .position(|&r| r == row)
            .map_or(0.0, |j| sub_share[rule][j])
    };
    row_of
        .iter()
        .map(|&row| match plan.row_kind.get(row) {
            Some(RowKind::Offtake(start, end)) => f64::from(u8::from(covers(*start, *end, m))),
            Some(RowKind::Substitute(orig, rule, ratio)) => share_of(*rule, *orig) * ratio,
            _ => {
                let mut f = 1.0;
                for (k, r) in plan.substitutions.iter().enumerate() {
                    if r.rows.contains(&row) {
                        f *= 1.0 - share_of(k, row);
                    }
                }
                f
            }
        })
        .collect()
}

/// Materials covered by an export control.
pub fn controlled_materials(
    ds: &Dataset,
    materials: &[String],
    elements: &[String],
) -> BTreeSet<usize> {
    ds.covered_materials(materials, elements)
        .into_iter()
        .collect()
}

/// Market index of a country id.
pub fn market_of(ds: &Dataset, net: &Network, country: &str) -> Option<usize> {
    ds.countries
        .iter()
        .position(|c| c.id == country)
        .map(|i| net.country_market[i])
}

/// One export control resolved against the network.
#[derive(Debug, Clone)]
pub struct ControlArcs {
    /// Event index.
    pub event: usize,
    /// Controlled arcs.
    pub arcs: Vec<usize>,
    /// Mode.
    pub mode: ControlMode,
    /// Licence approval share.
    pub approval: f64,
    /// Licence delay, days.
    pub delay_days: f64,
    /// Quota t/yr.
    pub quota: f64,
    /// Start month.
    pub start: Month,
    /// Extraterritorial threshold, if any.
    pub extraterritorial: Option<f64>,
    /// Controlled materials.
    pub materials: BTreeSet<usize>,
    /// Destination markets.
    pub destinations: BTreeSet<usize>,
    /// Exporter market.
    pub exporter: usize,
}

/// Resolve every export control to the arcs it governs (direct exports only).
pub fn resolve_controls(ds: &Dataset, net: &Network, sc: &Scenario) -> Vec<ControlArcs> {
    let mut out = Vec::new();
    for (i, e) in sc.events.iter().enumerate() {
        let Event::ExportControl {
            exporter,
            materials,
            elements,
            destinations,
            except,
            mode,
            approval_share,
            delay_days,
            tonnes_per_year,
            extraterritorial,
            start,
            ..
        } = &e.event
        else {
            continue;
        };
        let Some(xm) = market_of(ds, net, exporter) else {
            continue;
        };
        let mats = controlled_materials(ds, materials, elements);
        let except_m: BTreeSet<usize> = except
            .iter()
            .filter_map(|c| market_of(ds, net, c))
            .collect();
        let dests: BTreeSet<usize> = ds
            .countries
            .iter()
            .filter(|c| destinations.includes(&c.id))
            .map(|c| {
                net.country_market[ds.countries.iter().position(|x| x.id == c.id).unwrap_or(0)]
            })
            .filter(|m| *m != xm && !except_m.contains(m))
            .collect();
        let arcs = net
            .arcs
            .iter()
            .enumerate()
            .filter(|(_, a)| {
                let (f, t) = (&net.nodes[a.from], &net.nodes[a.to]);
                let direct = f.market == xm;
                // extraterritorial: controlled-origin (tainted) goods shipped from third countries
                let foreign =
                    extraterritorial.is_some() && f.tainted && net.taint_market == Some(xm);
                (direct || foreign) && mats.contains(&f.material) && dests.contains(&t.market)
            })
            .map(|(k, _)| k)
            .collect();
        out.push(ControlArcs {
            event: i,
            arcs,
            mode: *mode,
            approval: approval_share.unwrap_or(0.0),
            delay_days: delay_days.unwrap_or(0.0),
            quota: tonnes_per_year.unwrap_or(0.0),
            start: *start,
            extraterritorial: extraterritorial.map(|x| x.threshold_value_share),
            materials: mats,
            destinations: dests,
            exporter: xm,
        });
    }
    out
}

/// Stage output weight of each activity (t of stage-`stage` material per unit activity).
pub fn stage_weight(ds: &Dataset, net: &Network, k: usize, stage: Stage) -> f64 {
    net.activities[k]
        .outputs
        .iter()
        .filter(|(n, _)| ds.materials[net.nodes[*n].material].stage == Some(stage))
        .map(|(_, q)| q)
        .sum()
}
