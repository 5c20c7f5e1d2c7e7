//! `lodestone serve`: the HTTP API and the web dashboard (see the `lodestone-server` crate).
//!
//! This is the only place that reads the environment for the server: `LODESTONE_TOKEN`
//! (when `--token` is not given) and `LODESTONE_STORE` (when `--store` is not given).

use anyhow::{Context, Result};
use clap::Args;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Arguments of `lodestone serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on. Loopback by default; any other address requires a token.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "IP:PORT")]
    pub addr: SocketAddr,
    /// Dataset folder to use instead of the scenarios' embedded datasets.
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Store directory for runs, jobs and results, shared with `lodestone news`
    /// [default: $LODESTONE_STORE, else <user data dir>/lodestone/news].
    #[arg(long, value_name = "DIR")]
    pub store: Option<PathBuf>,
    /// Token that requests which write or start work must send as `Authorization: Bearer T`
    /// [default: $LODESTONE_TOKEN]. Required when listening off loopback.
    #[arg(long, value_name = "T")]
    pub token: Option<String>,
    /// Job worker threads (runs and ensembles in parallel).
    #[arg(long, default_value_t = 2, value_name = "N")]
    pub workers: usize,
    /// Largest request body, bytes.
    #[arg(long, default_value_t = 1 << 20, value_name = "BYTES")]
    pub max_body: usize,
    /// Time limit of one request, seconds (jobs run in the background, outside it).
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    pub timeout: u64,
}

/// The user's data directory (XDG on Linux, Application Support on macOS, %APPDATA% on Windows).
fn user_data_dir() -> Option<PathBuf> {
    if cfg!(windows) {
        return std::env::var_os("APPDATA").map(PathBuf::from);
    }
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from);
    if cfg!(target_os = "macos") {
        return home.map(|h| h.join("Library").join("Application Support"));
    }
    if let Some(x) = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
    {
        return Some(x);
    }
    home.map(|h| h.join(".local").join("share"))
}

/// `--store`, then `LODESTONE_STORE`, then the user data directory (as `lodestone news`).
fn store_dir(flag: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(p) = flag {
        return Ok(p);
    }
    if let Some(v) = std::env::var_os("LODESTONE_STORE").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(v));
    }
    user_data_dir()
        .map(|d| d.join("lodestone").join("news"))
        .context(
            "no --store given, LODESTONE_STORE is not set and no user data directory was found",
        )
}

/// Runs `lodestone serve` until Ctrl-C; returns the exit code (2 when the configuration
/// is refused: no token off loopback, an invalid `--data` folder).
pub fn run(args: ServeArgs) -> Result<i32> {
    let store = store_dir(args.store)?;
    let token = args
        .token
        .or_else(|| std::env::var("LODESTONE_TOKEN").ok())
        .filter(|t| !t.is_empty());
    let mut config = lodestone_server::Config::new(store.clone());
    config.data_dir = args.data;
    config.token = token;
    config.workers = args.workers.max(1);
    config.max_body_bytes = args.max_body.max(1024);
    config.request_timeout = std::time::Duration::from_secs(args.timeout.max(1));
    config.news_context = Some(crate::news_ctx::context());
    let outcome = lodestone_server::serve(args.addr, &config, |addr| {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "Lodestone dashboard: http://{addr}/\n  API: http://{addr}/api/openapi.json\n  store: {}\n  token: {}\n  Ctrl-C stops the server",
            store.display(),
            if config.token.is_some() {
                "required for requests that write or start work"
            } else {
                "none"
            }
        );
        let _ = out.flush();
    });
    match outcome {
        Ok(()) => Ok(0),
        Err(
            e @ (lodestone_server::ServerError::TokenRequired(_)
            | lodestone_server::ServerError::Dataset(_)),
        ) => {
            eprintln!("{e}");
            Ok(2)
        }
        Err(e) => Err(e.into()),
    }
}
