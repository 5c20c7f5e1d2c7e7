//! `lodestone`: the command line — run scenarios, validate data, list sources.
//!
//! Exit codes: 0 success, 1 a run that failed (I/O, solver), 2 bad input (located errors),
//! 141 (128 + SIGPIPE, as a program killed by it) when standard output was closed early
//! (`lodestone run | head -1`).

/// Write to standard output like `print!`, but return a [`StdoutError`] instead of
/// panicking when it cannot be written (a closed pipe, a full disk).
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        write!(std::io::stdout().lock(), $($t)*).map_err($crate::StdoutError)
    }};
}

/// [`out!`] with a newline, like `println!`.
macro_rules! outln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($t)*).map_err($crate::StdoutError)
    }};
}

mod backtest_cmd;
mod calibrate_cmd;
mod compare;
mod ensemble_cmd;
mod export_cmd;
mod ids_cmd;
mod load;
mod news_cmd;
mod news_ctx;
#[cfg(feature = "png")]
mod png;
mod report;
mod report_cmd;
mod serve_cmd;
mod sink;
mod tables;
mod trade;
mod xlsx;

use anyhow::Result;
use clap::{Parser, Subcommand};
use load::{Failure, bad_input, invalid};
use std::path::PathBuf;

/// `lodestone --version`: the package version and the git commit it was built from
/// (`unknown` when built without git, see build.rs).
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("LODESTONE_GIT_COMMIT"),
    ")"
);

#[derive(Parser)]
#[command(name = "lodestone", version = VERSION, about = "Open simulator of the rare earth supply chain", long_about = None)]
struct Cli {
    /// Print tables with every column whole instead of fitting them to the terminal (its
    /// width, else COLUMNS, else 100 columns when output is not a terminal).
    #[arg(long, global = true)]
    wide: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario (default: baseline) and print its summary.
    #[command(after_help = "Examples:
  lodestone run                                   # the baseline's headline tables
  lodestone run my-what-if.toml --out results/    # tidy CSV tables and summary.json
  lodestone run baseline --out baseline.xlsx --format xlsx   # the same tables as an Excel workbook
  lodestone run baseline --out wide/ --layout wide   # years as columns (flows summed, prices averaged)")]
    Run {
        /// Scenario name (see `lodestone scenarios`) or path to a .toml file.
        #[arg(default_value = "baseline")]
        scenario: String,
        /// Dataset folder to use instead of the scenario's embedded dataset.
        #[arg(long)]
        data: Option<PathBuf>,
        /// Print one JSON document on stdout instead of tables.
        #[arg(long)]
        json: bool,
        /// Write the run's tables (`period`, key columns, `value`, `unit`; the same tables
        /// as the API's /api/runs/{id}/csv/{table}) and summary.json into this folder.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Shape of the tables written with --out: `tidy` (one row per period, key and
        /// value) or `wide` (one row per key, one column per year: a year's periods summed,
        /// averaged for prices, the last for stocks; CSV only). Not the global `--wide`,
        /// which keeps terminal tables whole.
        #[arg(long, value_enum, default_value = "tidy", requires = "out")]
        layout: tables::Layout,
        /// Format of the tables written with --out: `csv`, `xlsx` (one workbook:
        /// `DIR/<scenario>.xlsx`, or `--out FILE.xlsx`; a README sheet, then a sheet per
        /// table), or `parquet` (needs a build with `--features parquet`).
        #[arg(long, value_enum, default_value = "csv", requires = "out")]
        format: sink::Format,
        /// Override the scenario's time step: `month`, `quarter` or `year` (see `ensemble
        /// --step`).
        #[arg(long, value_parser = load::STEPS)]
        step: Option<String>,
    },
    /// Back-test a scenario (default: baseline) against its dataset's observations.
    Backtest(backtest_cmd::BacktestArgs),
    /// Validate a dataset folder or a scenario file; every problem is reported.
    Validate {
        /// Dataset folder, scenario .toml file, or embedded scenario name.
        path: String,
        /// Dataset folder to check a scenario against.
        #[arg(long)]
        data: Option<PathBuf>,
    },
    /// List the shipped scenarios.
    Scenarios,
    /// Write a self-contained HTML report of a scenario (two: a comparison) and print its path.
    Report(report_cmd::ReportArgs),
    /// Serve the HTTP API and the web dashboard.
    Serve(serve_cmd::ServeArgs),
    /// Monte Carlo ensemble of a scenario: P10/P50/P90 per year and probabilities.
    Ensemble(ensemble_cmd::EnsembleArgs),
    /// Fit parameters (settings, dataset attributes) to the dataset's observations.
    Calibrate(calibrate_cmd::CalibrateArgs),
    /// Write one period's clearing problem as MPS (solve it with HiGHS to compare).
    #[command(name = "export-lp")]
    ExportLp(export_cmd::ExportArgs),
    /// News reports: ingest, search, claims, check, propose.
    News(news_cmd::NewsArgs),
    /// Run two scenarios and show what changed (B − A), largest first.
    Compare(compare::CompareArgs),
    /// Inspect datasets.
    Data {
        #[command(subcommand)]
        command: DataCommand,
    },
    /// Print a shell completion script (bash, zsh or fish) on stdout.
    #[command(after_help = "Examples:
  lodestone completions bash > ~/.local/share/bash-completion/completions/lodestone
  lodestone completions zsh > ~/.zfunc/_lodestone
  lodestone completions fish > ~/.config/fish/completions/lodestone.fish")]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Subcommand)]
enum DataCommand {
    /// List the sources of a dataset and how many rows cite each.
    Sources {
        /// Dataset folder (default: the embedded rare-earths dataset).
        #[arg(long)]
        data: Option<PathBuf>,
        /// Embedded dataset name.
        #[arg(long, default_value = lodestone_data::DEFAULT_DATASET)]
        dataset: String,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Check that every figure is sourced and every reference resolves.
    Check {
        /// Dataset folder (default: every embedded dataset).
        #[arg(long)]
        data: Option<PathBuf>,
    },
    /// Print the dataset schema (Markdown).
    Schema,
    /// List the ids a scenario may use (facilities, materials, countries, ...), with names.
    Ids(ids_cmd::IdsArgs),
}

/// Standard output could not be written.
#[derive(Debug)]
struct StdoutError(std::io::Error);

impl std::fmt::Display for StdoutError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot write to standard output: {}", self.0)
    }
}

impl std::error::Error for StdoutError {}

/// Exit status of a program whose standard output was closed (128 + SIGPIPE).
const CLOSED_STDOUT: i32 = 141;

fn main() {
    let cli = Cli::parse();
    report::set_width(table_width(cli.wide));
    let code = match dispatch(cli).and_then(|code| {
        use std::io::Write as _;
        std::io::stdout().flush().map_err(StdoutError)?;
        Ok(code)
    }) {
        Ok(code) => code,
        Err(e) => exit_code(&e),
    };
    std::process::exit(code);
}

/// The width terminal tables fit: none with `--wide`; else `COLUMNS` when set, the terminal's
/// width when stdout is one, and 100 columns otherwise (a pipe or a file).
fn table_width(wide: bool) -> Option<usize> {
    use std::io::IsTerminal as _;
    if wide {
        return None;
    }
    let columns = std::env::var("COLUMNS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&c| c >= 20);
    if columns.is_some() {
        return columns;
    }
    let term = std::io::stdout()
        .is_terminal()
        .then(|| console::Term::stdout().size_checked())
        .flatten()
        .map(|(_, cols)| usize::from(cols));
    Some(term.unwrap_or(100))
}

/// Report an error on stderr (nothing for a closed stdout) and choose the exit status.
fn exit_code(e: &anyhow::Error) -> i32 {
    if let Some(StdoutError(io)) = e.downcast_ref::<StdoutError>()
        && io.kind() == std::io::ErrorKind::BrokenPipe
    {
        return CLOSED_STDOUT;
    }
    eprintln!("{e:#}");
    e.downcast_ref::<Failure>().map_or(1, |f| f.code)
}

fn dispatch(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Run {
            scenario,
            data,
            json,
            out,
            format,
            layout,
            step,
        } => cmd_run(
            &scenario,
            data,
            json,
            (out, format, layout),
            step.as_deref(),
        ),
        Command::Backtest(args) => backtest_cmd::run(args),
        Command::Validate { path, data } => cmd_validate(&path, data),
        Command::Scenarios => cmd_scenarios(),
        Command::Compare(args) => compare::run(args),
        Command::Completions { shell } => {
            use clap::CommandFactory as _;
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "lodestone", &mut script);
            out!("{}", String::from_utf8_lossy(&script))?;
            Ok(0)
        }
        Command::Ensemble(args) => ensemble_cmd::run(args),
        Command::Calibrate(args) => calibrate_cmd::run(args),
        Command::Report(args) => report_cmd::run(args),
        Command::Serve(args) => serve_cmd::run(args),
        Command::ExportLp(args) => export_cmd::run(args),
        Command::News(args) => news_cmd::run(args, &news_ctx::context()),
        Command::Data { command } => match command {
            DataCommand::Sources {
                data,
                dataset,
                json,
            } => cmd_sources(data, &dataset, json),
            DataCommand::Check { data } => cmd_check(data),
            DataCommand::Ids(args) => ids_cmd::run(args),
            DataCommand::Schema => {
                out!("{}", lodestone_model::schema::Schema::get().to_markdown())?;
                Ok(0)
            }
        },
    }
}

fn cmd_run(
    scenario: &str,
    data: Option<PathBuf>,
    json: bool,
    (out, format, layout): (Option<PathBuf>, sink::Format, tables::Layout),
    step: Option<&str>,
) -> Result<i32> {
    tables::check_layout(layout, format)?;
    let mut sc = load::scenario(scenario)?;
    load::override_step(&mut sc, step)?;
    warn_step(&sc);
    let ds = load::scenario_dataset(data.as_deref(), &sc)?;
    // opened before the run, so a bad --out fails at once
    let sink = match &out {
        Some(dir) => Some(sink::Tables::create(dir, &sc.name, format, || {
            let mut readme = xlsx::Readme::new(format!("Lodestone run of `{}`", sc.name), &sc, &ds);
            readme.units = tables::readme_units();
            readme
        })?),
        None => None,
    };
    let started = std::time::Instant::now();
    let r = lodestone_engine::run(&ds, &sc).map_err(|e| match e {
        lodestone_engine::EngineError::Invalid(d) => invalid(d),
        other => bad_input(other.to_string()),
    })?;
    let elapsed = started.elapsed().as_secs_f64();
    let summary = lodestone_engine::summarize(&r);
    let doc = serde_json::to_string_pretty(&summary)?;
    if let (Some(dir), Some(mut sink)) = (&out, sink) {
        let mut files = tables::write(&r, &summary, layout, &mut sink)?;
        files.extend(sink.close()?.map(|p| p.display().to_string()));
        if !(format == sink::Format::Xlsx && xlsx::names_file(dir)) {
            files.push(tables::write_summary(&doc, dir)?);
        }
        match files.as_slice() {
            _ if json => {}
            [one] => eprintln!("wrote {one}"),
            _ => eprintln!("wrote {} files to {}", files.len(), dir.display()),
        }
    }
    if json {
        outln!("{doc}")?;
    } else {
        let horizon = format!(
            "{} → {}, {} periods of {} month(s)",
            sc.horizon.start,
            sc.horizon.end,
            r.periods.len(),
            sc.horizon.step.months()
        );
        out!(
            "{}",
            report::summary(&summary, &trade::other_output(&r), &horizon)
        )?;
        outln!("Run time: {elapsed:.2} s")?;
    }
    report_failures(&summary);
    Ok(if summary.balance.ok { 0 } else { 1 })
}

/// Say on stderr what the scenario's time step approximates (events starting or ending
/// inside a quarter or a year act pro rata there), and which events start after the
/// horizon (located: they do nothing in this run).
pub fn warn_step(sc: &lodestone_model::scenario::Scenario) {
    for w in sc.horizon_warnings().iter() {
        eprintln!("{}", w.warning());
    }
    for w in sc.step_warnings() {
        eprintln!("warning: {w}");
    }
}

/// Say on stderr which periods failed to clear and why, and whether mass balance failed:
/// the run's figures for those periods are not answers.
fn report_failures(summary: &lodestone_engine::Summary) {
    let failed: Vec<String> = (summary.status.iter())
        .filter(|(_, s)| s.starts_with("failed"))
        .map(|(p, s)| format!("{p} ({s})"))
        .collect();
    if !failed.is_empty() {
        eprintln!(
            "error: the market did not clear in {} period(s): {}; their results are not answers",
            failed.len(),
            failed.join(", ")
        );
    } else if !summary.balance.ok {
        eprintln!(
            "error: mass balance failed (largest relative error {:e}); the results are not reliable",
            summary.balance.max_rel_error
        );
    }
}

fn cmd_validate(path: &str, data: Option<PathBuf>) -> Result<i32> {
    let p = std::path::Path::new(path);
    if p.is_dir() {
        let ds = load::dataset(Some(p), "")?;
        outln!(
            "{path}: dataset `{}` is valid: {} facilities, {} materials, {} demand rows, {} sources",
            ds.name,
            ds.facilities.len(),
            ds.materials.len(),
            ds.demand.len(),
            ds.sources.len()
        )?;
        return Ok(0);
    }
    let sc = load::scenario(path)?;
    let ds = load::scenario_dataset(data.as_deref(), &sc)?;
    let d = sc.validate(&ds);
    if !d.is_empty() {
        return Err(invalid(d));
    }
    lodestone_engine::Settings::check(&sc).map_err(invalid)?;
    for w in sc.horizon_warnings().iter() {
        eprintln!("{}", w.warning());
    }
    outln!(
        "{}: scenario `{}` is valid against dataset `{}`: {} events, {} → {}",
        sc.files[0],
        sc.name,
        ds.name,
        sc.events.len(),
        sc.horizon.start,
        sc.horizon.end
    )?;
    Ok(0)
}

fn cmd_scenarios() -> Result<i32> {
    let mut t = report::Table::new(&["scenario", "dataset", "horizon", "events", "description"])
        .text_columns(3)
        .text_column(4);
    for name in lodestone_data::scenario_names() {
        match load::scenario(&name) {
            Ok(sc) => t.row(vec![
                name,
                sc.dataset.clone(),
                format!("{} → {}", sc.horizon.start, sc.horizon.end),
                sc.events.len().to_string(),
                sc.description.lines().next().unwrap_or("").to_string(),
            ]),
            Err(e) => t.row(vec![
                name,
                "–".into(),
                "–".into(),
                "–".into(),
                format!("INVALID: {e}"),
            ]),
        }
    }
    out!("{}", t.render())?;
    Ok(0)
}

fn cmd_sources(data: Option<PathBuf>, dataset: &str, json: bool) -> Result<i32> {
    let ds = load::dataset(data.as_deref(), dataset)?;
    let used = ds.used_sources();
    if json {
        let rows: Vec<_> = ds
            .sources
            .iter()
            .map(|s| serde_json::json!({"id": s.id, "kind": s.kind, "citation": s.citation, "url": s.url, "date": s.date, "vintage": s.vintage, "note": s.note, "rows": used.get(&s.id).copied().unwrap_or(0)}))
            .collect();
        outln!("{}", serde_json::to_string_pretty(&rows)?)?;
        return Ok(0);
    }
    let mut t = report::Table::new(&["id", "kind", "rows", "citation"])
        .text_columns(2)
        .text_column(3);
    for s in &ds.sources {
        t.row(vec![
            s.id.clone(),
            s.kind.clone(),
            used.get(&s.id).copied().unwrap_or(0).to_string(),
            s.citation.clone(),
        ]);
    }
    out!("{}", t.render())?;
    Ok(0)
}

fn cmd_check(data: Option<PathBuf>) -> Result<i32> {
    let targets: Vec<(String, lodestone_model::DatasetFiles)> = match &data {
        Some(d) => vec![(d.display().to_string(), load::read_dataset_dir(d)?)],
        None => lodestone_data::dataset_names()
            .into_iter()
            .filter_map(|n| lodestone_data::dataset_files(n).map(|f| (n.to_string(), f)))
            .collect(),
    };
    let mut failed = false;
    for (name, files) in targets {
        match lodestone_model::Dataset::load(&files) {
            Ok(ds) => {
                let used = ds.used_sources();
                let unused: Vec<&str> = ds
                    .sources
                    .iter()
                    .filter(|s| !used.contains_key(&s.id))
                    .map(|s| s.id.as_str())
                    .collect();
                let rows: usize = used.values().sum();
                let assumptions = ds.sources.iter().filter(|s| s.kind == "assumption").count();
                outln!(
                    "{name}: ok — {rows} source citations over {} sources ({} assumptions, each with a range); every reference resolves",
                    ds.sources.len(),
                    assumptions
                )?;
                if !unused.is_empty() {
                    outln!(
                        "  note: {} sources are not cited by any row: {}",
                        unused.len(),
                        unused.join(", ")
                    )?;
                }
            }
            Err(d) => {
                failed = true;
                eprintln!("{name}:\n{d}");
            }
        }
    }
    if failed {
        return Err(bad_input("data check failed"));
    }
    Ok(0)
}
