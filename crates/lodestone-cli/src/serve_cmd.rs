//! `lodestone serve`: the HTTP API and the web dashboard (see the `lodestone-server` crate).
//!
//! This is the only place that reads the environment for the server: `LODESTONE_TOKEN`
//! (when `--token` is not given) and `LODESTONE_STORE` (when `--store` is not given).

use anyhow::Result;
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

/// The token: `--token`, else `LODESTONE_TOKEN` when it is set (even to an empty value: an
/// empty variable would otherwise silently turn the token off). A token the server refuses
/// ([`lodestone_server::check_token`]) is an error naming where it came from.
fn resolve_token(flag: Option<String>) -> Result<Option<String>, String> {
    let (token, from) = match flag {
        Some(t) => (t, "--token"),
        None => match std::env::var("LODESTONE_TOKEN") {
            Ok(t) => (t, "LODESTONE_TOKEN"),
            Err(std::env::VarError::NotPresent) => return Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(
                    "LODESTONE_TOKEN: refusing the token: it is not valid Unicode".to_string(),
                );
            }
        },
    };
    lodestone_server::check_token(&token).map_err(|e| format!("{from}: {e}"))?;
    Ok(Some(token))
}

/// Runs `lodestone serve` until Ctrl-C; returns the exit code (2 when the configuration
/// is refused: no token off loopback, a blank token, an invalid `--data` folder).
pub fn run(args: ServeArgs) -> Result<i32> {
    // the same store resolution as `lodestone news`
    let store = crate::news_cmd::store_dir(args.store)?;
    let token = match resolve_token(args.token) {
        Ok(t) => t,
        Err(message) => {
            eprintln!("{message}");
            return Ok(2);
        }
    };
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
            | lodestone_server::ServerError::BadToken(_)
            | lodestone_server::ServerError::Dataset(_)),
        ) => {
            eprintln!("{e}");
            Ok(2)
        }
        Err(e) => Err(e.into()),
    }
}
