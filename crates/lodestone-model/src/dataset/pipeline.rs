//! The project pipeline: facilities that are not operating yet carry a stage of
//! development (`facilities.csv` `development`), and `pipeline.csv` gives each stage the
//! probability of reaching first output and the months that output slips beyond the
//! reported `start`.
//!
//! How a probability enters a run ([`realise`], the last step of `Scenario::apply`):
//! - a single (central) run builds every pipeline facility at `capacity × probability`
//!   (capacity steps too) from `start` + the stage's central slip (the middle of
//!   `delay_min..delay_max`), so the central run carries the expected capacity;
//! - an ensemble replicate has drawn an outcome per project (`Facility::outcome`: completes
//!   with the stage's probability, slips uniformly in the range): a project that completes
//!   runs at full capacity from its slipped start, one that does not never runs.
//!
//! A scenario that decides a pipeline facility (overrides its `status` or `start`, or
//! enables it with a `capacity` event) makes it firm: it runs as stated, in full.

use super::{Dataset, Development, Facility, PipelineStage};
use crate::diag::{Diagnostics, codes};
use crate::table::{Row, Table, split_list};
use std::collections::HashMap;

/// The `pipeline` rows: one per stage of development, `delay_min` ≤ `delay_max`.
pub(super) fn lower_pipeline(tb: &Table, d: &mut Diagnostics) -> Vec<PipelineStage> {
    let num = |r: &Row, a: &str| tb.get(r, a).parse::<f64>().unwrap_or(0.0);
    let mut out = Vec::new();
    for r in &tb.rows {
        let Some(stage) = Development::parse(tb.get(r, "id")) else {
            continue; // the schema's enum check reported it
        };
        let (lo, hi) = (num(r, "delay_min"), num(r, "delay_max"));
        if lo > hi {
            d.push(
                codes::INCONSISTENT,
                tb.loc(r, "delay_max"),
                format!(
                    "stage `{}`: delay_max {hi} is below delay_min {lo}",
                    stage.as_str()
                ),
                Some("the slip range is delay_min..delay_max months".into()),
            );
        }
        out.push(PipelineStage {
            stage,
            probability: num(r, "probability"),
            delay_min: lo,
            delay_max: hi,
            source: split_list(tb.get(r, "source")),
        });
    }
    out
}

/// A facility's stage of development must have a `pipeline` row, must not be given to an
/// operating, suspended or closed facility, and is the same for every facility of a project.
pub(super) fn check_development(
    facilities: &[Facility],
    tb: &Table,
    pipeline: &[PipelineStage],
    d: &mut Diagnostics,
) {
    use super::Status;
    let mut first: HashMap<&str, (Option<Development>, &str)> = HashMap::new();
    for (f, r) in facilities.iter().zip(&tb.rows) {
        let loc = tb.loc(r, "development");
        if let Some(dev) = f.development {
            if !pipeline.iter().any(|p| p.stage == dev) {
                d.push(
                    codes::UNKNOWN_ID,
                    loc.clone(),
                    format!(
                        "stage of development `{}` has no row in pipeline.csv",
                        dev.as_str()
                    ),
                    Some("add the stage to pipeline.csv (probability and slip)".into()),
                );
            }
            if matches!(
                f.status,
                Status::Operating | Status::Suspended | Status::Closed
            ) {
                d.push(
                    codes::INCONSISTENT,
                    loc.clone(),
                    format!(
                        "facility `{}` is {:?} but has a stage of development",
                        f.id, f.status
                    )
                    .to_lowercase(),
                    Some(
                        "a stage of development is for projects not built yet; leave it empty"
                            .into(),
                    ),
                );
            }
        }
        match first.get(f.project_id()) {
            Some((dev, other)) if *dev != f.development => d.push(
                codes::INCONSISTENT,
                loc,
                format!(
                    "project `{}`: `{}` and `{other}` are at different stages of development",
                    f.project_id(),
                    f.id
                ),
                Some(
                    "a project's facilities complete or fail together: give them one stage".into(),
                ),
            ),
            Some(_) => {}
            None => {
                first.insert(f.project_id(), (f.development, &f.id));
            }
        }
    }
}

/// Apply the pipeline to a dataset about to run: each pipeline facility at its expected
/// capacity and central slip, or at its replicate's drawn outcome (module docs).
pub fn realise(ds: &mut Dataset) {
    let stages = ds.pipeline.clone();
    for f in &mut ds.facilities {
        let Some(stage) = f
            .development
            .and_then(|dev| stages.iter().find(|p| p.stage == dev))
        else {
            continue;
        };
        let (share, delay) = match f.outcome {
            Some((true, delay)) => (1.0, delay),
            Some((false, _)) => (0.0, 0),
            None => (stage.probability, stage.central_delay()),
        };
        if share <= 0.0 {
            f.enabled = false;
            continue;
        }
        f.capacity *= share;
        f.start = f.start.plus(delay);
        for s in &mut f.steps {
            s.capacity *= share;
            s.date = s.date.plus(delay);
        }
    }
}

/// Take a facility out of the pipeline: a scenario decided it (it runs as stated).
pub fn make_firm(f: &mut Facility) {
    f.development = None;
    f.outcome = None;
}

/// The stage of development's row for a facility, if it is a pipeline project.
pub fn stage_of<'a>(ds: &'a Dataset, f: &Facility) -> Option<&'a PipelineStage> {
    let dev = f.development?;
    ds.pipeline.iter().find(|p| p.stage == dev)
}
