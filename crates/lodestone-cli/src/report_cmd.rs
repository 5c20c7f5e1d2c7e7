//! `lodestone report [SCENARIO...] [--out DIR]`: run one scenario (or two, for a
//! comparison), write a self-contained HTML report, print the headline tables and, as
//! the last line of stdout, the report's absolute path.

use crate::load::{self, bad_input, invalid};
use anyhow::{Context, Result};
use lodestone_report::{Ensemble, Run, ScenarioInfo};
use std::path::{Path, PathBuf};

/// Arguments of `lodestone report`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  lodestone report china-2025-10-rules            # one scenario's HTML report; prints its path
  lodestone report baseline my-what-if.toml       # the comparison report (B vs A)
  lodestone report --png                          # and every chart as PNG (build with --features png)")]
pub struct ReportArgs {
    /// Scenario names or .toml paths: one for a report, two (A B) for a comparison of B
    /// against A.
    #[arg(default_values_t = vec!["baseline".to_string()], num_args = 0..=2)]
    pub scenarios: Vec<String>,
    /// Folder to write the report into (created if missing).
    #[arg(long, default_value = "lodestone-report")]
    pub out: PathBuf,
    /// Dataset folder to use instead of the scenarios' embedded dataset.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Ensemble results (JSON written by `lodestone ensemble`) to draw as fan charts.
    #[arg(long)]
    pub ensemble: Option<PathBuf>,
    /// Also write every chart as a standalone .svg file (for slides).
    #[arg(long)]
    pub svg: bool,
    /// Also write every chart as a .png file at its own size, with the font embedded in
    /// lodestone so Chinese labels render (needs a build with `--features png`). The font
    /// is a subset (Latin, Greek, symbols, the Chinese of the shipped data and news):
    /// other characters show as empty boxes.
    #[arg(long)]
    pub png: bool,
}

/// The error for `--png` in a build without the feature (exit 2).
fn no_png() -> anyhow::Error {
    bad_input(
        "this build of lodestone has no PNG support\n  hint: build it with \
         `cargo build --release --features png`, or use --svg",
    )
}

/// Write the charts of `report` as `DIR/<stem>-charts/NN-<id>.svg` and/or `.png`.
fn write_charts(args: &ReportArgs, report: &lodestone_report::Report) -> Result<()> {
    let dir = args.out.join(format!("{}-charts", report.file_stem));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    #[cfg(feature = "png")]
    let renderer = args.png.then(crate::png::Renderer::new);
    for (i, c) in report.charts.iter().enumerate() {
        let stem = format!("{:02}-{}", i + 1, c.id);
        let svg = c.standalone();
        if args.svg {
            let p = dir.join(format!("{stem}.svg"));
            std::fs::write(&p, &svg).with_context(|| format!("writing {}", p.display()))?;
        }
        #[cfg(feature = "png")]
        if let Some(r) = &renderer {
            let p = dir.join(format!("{stem}.png"));
            let png = r.png(&svg).with_context(|| format!("chart {stem}"))?;
            std::fs::write(&p, png).with_context(|| format!("writing {}", p.display()))?;
        }
    }
    let kinds = match (args.svg, args.png) {
        (true, true) => "SVG and PNG",
        (true, false) => "SVG",
        _ => "PNG",
    };
    eprintln!(
        "wrote {} charts ({kinds}) to {}",
        report.charts.len(),
        dir.canonicalize().unwrap_or(dir.clone()).display()
    );
    Ok(())
}

/// A scenario run, with what the report says about it.
struct Side {
    info: ScenarioInfo,
    result: lodestone_engine::RunResult,
    summary: lodestone_engine::Summary,
}

/// The text of a scenario's own file: a path, or the embedded copy.
fn scenario_text(arg: &str) -> Option<String> {
    let p = Path::new(arg);
    if arg.ends_with(".toml") || p.is_file() {
        std::fs::read_to_string(p).ok()
    } else {
        lodestone_data::scenario(arg).map(|(_, t)| t)
    }
}

fn run_side(arg: &str, data: Option<&Path>) -> Result<Side> {
    let sc = load::scenario(arg)?;
    let ds = load::scenario_dataset(data, &sc)?;
    eprintln!(
        "running `{}` ({} → {})…",
        sc.name, sc.horizon.start, sc.horizon.end
    );
    let result = lodestone_engine::run(&ds, &sc).map_err(|e| match e {
        lodestone_engine::EngineError::Invalid(d) => invalid(d),
        other => bad_input(format!("{arg}: {other}")),
    })?;
    let summary = lodestone_engine::summarize(&result);
    let info = ScenarioInfo::from_scenario(&sc, scenario_text(arg).as_deref());
    Ok(Side {
        info,
        result,
        summary,
    })
}

/// The step an ensemble's JSON records (`ensemble.json` of this version on), if any.
fn ensemble_step(text: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    v.get("step")?.as_str().map(String::from)
}

/// Say so when the ensemble ran at another step than a run it is drawn beside: its years
/// compare, its months do not.
fn warn_mixed_steps(step: &str, path: &Path, sides: &[Side]) {
    for s in sides {
        let run_step = match s.result.periods.first().map(|p| p.period.months) {
            Some(3) => "quarter",
            Some(12) => "year",
            _ => "month",
        };
        if run_step != step {
            eprintln!(
                "warning: {} ran at step `{step}`, the run of `{}` at `{run_step}`; the fan charts compare years, not months\n  hint: lodestone ensemble {} --step {run_step}",
                path.display(),
                s.summary.scenario,
                s.summary.scenario
            );
        }
    }
}

/// Run the scenarios, write `DIR/<scenario>.html` (or `DIR/<a>-vs-<b>.html`) and, with
/// `--svg` / `--png`, `DIR/<stem>-charts/*.svg` / `*.png`; print the report's absolute path on stdout.
/// Exit code 0, or 1 if a run breaks mass balance.
pub fn run(args: ReportArgs) -> Result<i32> {
    if args.scenarios.len() > 2 {
        return Err(bad_input(format!(
            "report takes one scenario, or two to compare; got {}\n  hint: lodestone report baseline china-2025-04-licensing",
            args.scenarios.len()
        )));
    }
    if args.png && !cfg!(feature = "png") {
        return Err(no_png());
    }
    let scenarios = if args.scenarios.is_empty() {
        vec!["baseline".to_string()]
    } else {
        args.scenarios.clone()
    };
    let ensemble = match &args.ensemble {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| bad_input(format!("{}: cannot read ensemble: {e}", p.display())))?;
            let e =
                Ensemble::parse(&text).map_err(|e| bad_input(format!("{}: {e}", p.display())))?;
            Some((e, ensemble_step(&text)))
        }
        None => None,
    };
    let sides: Vec<Side> = scenarios
        .iter()
        .map(|s| run_side(s, args.data.as_deref()))
        .collect::<Result<_>>()?;
    if let (Some((_, Some(step))), Some(p)) = (&ensemble, &args.ensemble) {
        warn_mixed_steps(step, p, &sides);
    }
    let ensemble = ensemble.map(|(e, _)| e);
    let runs: Vec<Run<'_>> = sides
        .iter()
        .map(|s| Run {
            info: &s.info,
            result: &s.result,
            summary: &s.summary,
        })
        .collect();
    let report = match runs.as_slice() {
        [one] => lodestone_report::single(one, ensemble.as_ref()),
        [a, b] => lodestone_report::comparison(a, b, ensemble.as_ref()),
        _ => unreachable!("one or two scenarios"),
    }
    .map_err(|e| bad_input(e.to_string()))?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let file = args.out.join(format!("{}.html", report.file_stem));
    std::fs::write(&file, &report.html).with_context(|| format!("writing {}", file.display()))?;
    if args.svg || args.png {
        write_charts(&args, &report)?;
    }
    // the answer in the terminal first, then where to look at it; the path is the last
    // line of stdout so scripts can take it with `tail -n 1`
    for s in &sides {
        let horizon = format!(
            "{} → {}, {} periods",
            s.result
                .periods
                .first()
                .map_or(String::new(), |p| p.period.label()),
            s.result
                .periods
                .last()
                .map_or(String::new(), |p| p.period.label()),
            s.result.periods.len()
        );
        let other = crate::trade::other_output(&s.result);
        out!("{}", crate::report::summary(&s.summary, &other, &horizon))?;
        outln!()?;
    }
    let abs = file.canonicalize().unwrap_or(file);
    outln!("Report written; open it in a browser (works offline):")?;
    outln!("{}", abs.display())?;
    Ok(if sides.iter().all(|s| s.summary.balance.ok) {
        0
    } else {
        1
    })
}
