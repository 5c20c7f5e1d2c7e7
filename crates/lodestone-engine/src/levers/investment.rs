//! `investment`: capacity bought with the money — an existing facility expanded by a
//! capacity step, or a new facility (processes and cost copied from a plant of the same
//! stage) — online after the lead time, as the expected value over the delay risk: the
//! undelayed share first, the rest when the slip would end.

use super::{Effect, Prepare, PrepareCx};
use lodestone_model::dataset::{CapacityStep, Dataset, Facility, Status};
use lodestone_model::scenario::Investment;
use lodestone_model::time::Month;

/// Slip of a delayed project when the event gives none, months.
const DEFAULT_DELAY_MONTHS: f64 = 24.0;
/// Ramp to full rate when the event gives none, months.
const DEFAULT_RAMP_MONTHS: f64 = 24.0;

impl Effect for Investment {
    fn prepare_step(&self) -> Option<Prepare> {
        Some(Prepare::Build)
    }

    fn prepare(&self, cx: &mut PrepareCx<'_>) {
        let first = self.start.plus(self.lead_time_months.round() as i32);
        if let Some(fid) = &self.facility
            && let Some(f) = cx.ds.facilities.iter_mut().find(|f| &f.id == fid)
        {
            expand(self, f, first, &cx.source);
            return;
        }
        let f = new_facility(self, cx.ds, cx.index, first, &cx.source);
        cx.ds.facilities.push(f);
    }
}

/// Slip of a delayed project, whole months.
fn slip(x: &Investment) -> i32 {
    x.delay_months.unwrap_or(DEFAULT_DELAY_MONTHS).round() as i32
}

/// Funded capacity, the probability of delay and the ramp months.
fn terms(x: &Investment) -> (f64, f64, f64) {
    (
        x.funded_capacity(),
        x.delay_probability.clamp(0.0, 1.0),
        x.ramp_months.unwrap_or(DEFAULT_RAMP_MONTHS),
    )
}

/// An existing facility gets the funded capacity on top of its nameplate (a facility
/// that was not going to run is built from zero).
fn expand(x: &Investment, f: &mut Facility, first: Month, src: &[String]) {
    let (cap, p, ramp) = terms(x);
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
        source: src.to_vec(),
    });
    if p > 0.0 {
        f.steps.push(CapacityStep {
            date: first.plus(slip(x)),
            capacity: base + cap,
            ramp_months: ramp,
            source: src.to_vec(),
        });
    }
    f.steps.sort_by_key(|s| s.date);
}

/// A new facility in the country, with the processes of a plant of the same stage
/// (the country's own first) and the median unit cost of the stage outside China.
fn new_facility(
    x: &Investment,
    ds: &Dataset,
    index: usize,
    first: Month,
    src: &[String],
) -> Facility {
    let (cap, p, ramp) = terms(x);
    let stage = x.stage;
    let same_stage: Vec<&Facility> = ds.facilities.iter().filter(|f| f.stage == stage).collect();
    let template = same_stage
        .iter()
        .find(|f| f.country == x.country)
        .or(same_stage.first())
        .copied();
    let processes = x
        .processes
        .clone()
        .or_else(|| template.map(|t| t.processes.clone()))
        .unwrap_or_default();
    let ex_china = same_stage.iter().filter(|f| f.country != "CN");
    let cost = x
        .unit_cost
        .or_else(|| median(ex_china.map(|f| f.unit_cost).collect()))
        .unwrap_or(0.0);
    let mut f = Facility {
        id: format!("inv{index}_{}", stage.as_str()),
        name: format!("{} ({})", x.programme, stage.as_str()),
        company: x.company.clone().unwrap_or_else(|| x.programme.clone()),
        country: x.country.clone(),
        stage,
        processes,
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
        season: None,
        yield_factor: 1.0,
        note: format!("investment {}: {} {}", x.programme, x.amount, x.currency),
        source: src.to_vec(),
        development: None,
        project: String::new(),
        outcome: None,
    };
    if p > 0.0 {
        f.steps.push(CapacityStep {
            date: first.plus(slip(x)),
            capacity: cap,
            ramp_months: ramp,
            source: src.to_vec(),
        });
    }
    f
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(v[v.len() / 2])
}
