//! Lodestone's HTTP API and web dashboard (`lodestone serve`).
//!
//! - [`api`]: the router and handlers — datasets, scenarios, validation, runs and ensembles
//!   as background jobs, results as JSON and CSV, comparison, news search and claims.
//! - [`jobs`]: the job runner (worker threads, a bounded queue, live progress).
//! - [`store`]: the SQLite store of jobs and their results (a restart loses nothing finished).
//! - [`resolve`]: datasets and scenarios, resolved as the command line does; cache keys.
//! - [`tables`]: tidy CSV tables of a summary (the comparison of two runs is
//!   [`lodestone_engine::compare`], shared with `lodestone compare`).
//! - [`xlsx`]: the Excel workbook of a stored run's tables.
//! - [`news`]: news endpoints over `lodestone_news`.
//! - [`openapi`]: the OpenAPI 3.1 document served at `/api/openapi.json`.
//! - [`dashboard`]: the single-page dashboard served at `/`: the run's question and answer
//!   first (from [`lodestone_report`]), charts, ensembles as fan charts, claim verdicts.
//!
//! Security model: the server listens on loopback by default. When a token is configured,
//! every request that writes or starts work (any method but GET/HEAD/OPTIONS) must carry
//! `Authorization: Bearer <token>`; [`spawn`] refuses a non-loopback address without one.
//! Bodies are limited in size ([`Config::max_body_bytes`], refused from the announced length
//! before reading) and requests in time ([`Config::request_timeout`]); jobs run on their own
//! threads, outside that limit.
//!
//! Memory is bounded: nothing is kept per request. What the server keeps is the embedded
//! datasets it has loaded (at most one per embedded dataset, [`resolve::Catalog`]), one news
//! store (its search index and word-segmentation dictionary, ~35 MB, opened on first use),
//! the live progress of running jobs (at most [`Config::workers`]), at most
//! [`Config::max_queued_jobs`] queued jobs, and SQLite's page cache (2 MiB per connection).
//! Results live in the store on disk. Request threads are capped at [`MAX_BLOCKING_THREADS`].

pub mod api;
pub mod dashboard;
pub mod error;
pub mod jobs;
pub mod news;
pub mod openapi;
pub mod resolve;
pub mod store;
pub mod tables;
pub mod xlsx;

pub use error::{ApiError, ServerError};

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::Duration;
use tokio::sync::Notify;

/// How the server runs. Build with [`Config::new`] and adjust the fields.
#[derive(Debug, Clone)]
pub struct Config {
    /// Dataset folder used instead of the scenarios' embedded datasets (`--data`).
    pub data_dir: Option<PathBuf>,
    /// Store directory: the run store (`lodestone-server.sqlite3`) and the news store.
    pub store_dir: PathBuf,
    /// Token required for requests that write or start work. Required on non-loopback
    /// addresses; a blank one (or one with spaces) stops the start ([`check_token`]).
    /// Default: none.
    pub token: Option<String>,
    /// Job worker threads. Default: 2.
    pub workers: usize,
    /// Jobs that may wait in the queue before submissions get 429. Default: 32.
    pub max_queued_jobs: usize,
    /// Largest request body, bytes. Default: 1 MiB.
    pub max_body_bytes: usize,
    /// Time limit of one request (not of the jobs it starts). Default: 30 s.
    pub request_timeout: Duration,
    /// What the news layer knows about the datasets (gazetteer and reference facts) for
    /// claims. Default: `None`, the news layer's built-in gazetteer.
    pub news_context: Option<lodestone_news::Context>,
}

impl Config {
    /// Defaults, with the given store directory.
    pub fn new(store_dir: impl Into<PathBuf>) -> Config {
        Config {
            data_dir: None,
            store_dir: store_dir.into(),
            token: None,
            workers: 2,
            max_queued_jobs: 32,
            max_body_bytes: 1 << 20,
            request_timeout: Duration::from_secs(30),
            news_context: None,
        }
    }
}

/// A server running on its own threads; [`Running::stop`] ends it.
pub struct Running {
    addr: SocketAddr,
    shutdown: Arc<Notify>,
    thread: Option<JoinHandle<Result<(), ServerError>>>,
    state: Arc<api::AppState>,
}

impl Running {
    /// The address it listens on (with the real port when asked for port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The dashboard's URL.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Stops accepting requests, lets the open ones finish, then waits for the running
    /// jobs to end (queued jobs stay queued and are marked interrupted at the next start).
    pub fn stop(mut self) -> Result<(), ServerError> {
        self.shutdown.notify_one();
        let r = self.join();
        self.state.jobs.shutdown(true);
        r
    }

    /// Blocks until the server ends (after Ctrl-C when started by [`serve`]). Running jobs
    /// are not waited for.
    pub fn wait(mut self) -> Result<(), ServerError> {
        let r = self.join();
        self.state.jobs.shutdown(false);
        r
    }

    fn join(&mut self) -> Result<(), ServerError> {
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(r)) => r,
            Some(Err(_)) => Err(ServerError::Io(std::io::Error::other(
                "the server thread panicked",
            ))),
            None => Ok(()),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if self.thread.is_some() {
            self.shutdown.notify_one();
            let _ = self.join();
        }
    }
}

fn state(config: &Config) -> Result<Arc<api::AppState>, ServerError> {
    let catalog = resolve::Catalog::new(config.data_dir.as_deref())?;
    let db = Arc::new(
        store::Db::open(&config.store_dir).map_err(|e| ServerError::Store {
            dir: config.store_dir.display().to_string(),
            message: e.to_string(),
        })?,
    );
    let jobs = jobs::Runner::start(db.clone(), config.workers, config.max_queued_jobs);
    let scenarios = lodestone_data::scenario_names()
        .iter()
        .map(|n| api::describe(n))
        .collect();
    Ok(Arc::new(api::AppState {
        token: config.token.clone(),
        max_body: config.max_body_bytes,
        timeout: config.request_timeout,
        workers: config.workers.max(1),
        catalog,
        db,
        jobs,
        store_dir: config.store_dir.clone(),
        news: Mutex::new(None),
        news_context: match &config.news_context {
            Some(c) => OnceLock::from(c.clone()),
            None => OnceLock::new(),
        },
        scenarios,
    }))
}

/// Why a token cannot be used: it must be 1 to [`MAX_TOKEN_LEN`] visible ASCII characters
/// (no spaces), or clients could not send it in an `Authorization` header (a blank token
/// would be matched by a blank header, and HTTP trims the spaces around a header value).
pub fn check_token(token: &str) -> Result<(), ServerError> {
    let why = if token.trim().is_empty() {
        "it is blank".to_string()
    } else if token.len() > MAX_TOKEN_LEN {
        format!("it is longer than {MAX_TOKEN_LEN} bytes")
    } else if token.chars().any(|c| !c.is_ascii_graphic()) {
        "it contains spaces, control or non-ASCII characters".to_string()
    } else {
        return Ok(());
    };
    Err(ServerError::BadToken(why))
}

/// Threads that run the blocking part of requests (SQLite, datasets, the news store) at
/// once; more requests wait their turn (within the time limit). Tokio's default is 512: under
/// many concurrent connections each request held a thread with its own stack and allocator
/// arena. The run store is one connection behind a mutex, so more threads add no throughput.
/// Job worker threads ([`Config::workers`]) are apart from these.
pub const MAX_BLOCKING_THREADS: usize = 16;

/// Longest accepted token, bytes.
pub const MAX_TOKEN_LEN: usize = 1024;

fn start(addr: SocketAddr, config: &Config, ctrl_c: bool) -> Result<Running, ServerError> {
    if let Some(t) = &config.token {
        check_token(t)?;
    }
    if !addr.ip().is_loopback() && config.token.is_none() {
        return Err(ServerError::TokenRequired(addr));
    }
    let state = state(config)?;
    let listener =
        std::net::TcpListener::bind(addr).map_err(|source| ServerError::Bind { addr, source })?;
    listener
        .set_nonblocking(true)
        .map_err(|source| ServerError::Bind { addr, source })?;
    let local = listener
        .local_addr()
        .map_err(|source| ServerError::Bind { addr, source })?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(MAX_BLOCKING_THREADS)
        .thread_name("lodestone-http")
        .enable_all()
        .build()
        .map_err(ServerError::Runtime)?;
    let shutdown = Arc::new(Notify::new());
    let app = api::router(state.clone());
    let signal = shutdown.clone();
    let thread = std::thread::Builder::new()
        .name("lodestone-serve".into())
        .spawn(move || {
            runtime.block_on(async move {
                if ctrl_c {
                    let s = signal.clone();
                    tokio::spawn(async move {
                        if tokio::signal::ctrl_c().await.is_ok() {
                            s.notify_one();
                        }
                    });
                }
                let listener =
                    tokio::net::TcpListener::from_std(listener).map_err(ServerError::Io)?;
                axum::serve(listener, app)
                    .with_graceful_shutdown(async move { signal.notified().await })
                    .await
                    .map_err(ServerError::Io)
            })
        })
        .map_err(ServerError::Runtime)?;
    Ok(Running {
        addr: local,
        shutdown,
        thread: Some(thread),
        state,
    })
}

/// Starts the server on its own threads and returns at once (tests, embedding).
pub fn spawn(addr: SocketAddr, config: &Config) -> Result<Running, ServerError> {
    start(addr, config, false)
}

/// Starts the server and serves until Ctrl-C. `ready` is called with the bound address
/// once the server accepts connections.
pub fn serve(
    addr: SocketAddr,
    config: &Config,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), ServerError> {
    let running = start(addr, config, true)?;
    ready(running.addr());
    running.wait()
}
