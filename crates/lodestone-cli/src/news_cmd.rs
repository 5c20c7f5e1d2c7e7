//! `lodestone news …`: ingest reports into the news store, list and search them, extract and check their claims, and propose scenario events.

use crate::load::bad_input;
use anyhow::{Context as _, Result};
use clap::{Args, Subcommand, ValueEnum};
use lodestone_news::check::CheckSettings;
use lodestone_news::{Context, DocFormat, Document, NewsDate, SearchQuery, Store};
use std::path::{Path, PathBuf};

/// Arguments of `lodestone news`.
#[derive(Debug, Args)]
pub struct NewsArgs {
    /// Store directory [default: $LODESTONE_STORE, else <user data dir>/lodestone/news]
    #[arg(long, global = true, value_name = "DIR")]
    pub store: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: NewsCommand,
}

/// Input format override for `news ingest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Search page: query line, then title / "Source · date" / summary per document.
    Seed,
    /// Plain text: title line, optional Source:/Date: lines, body.
    Text,
    /// Markdown with optional front matter.
    Markdown,
    /// HTML.
    Html,
    /// JSON Lines: one {"title", "source", "date", "text"} object per line.
    Jsonl,
}

impl FormatArg {
    fn format(self) -> DocFormat {
        match self {
            FormatArg::Seed => DocFormat::SeedPage,
            FormatArg::Text => DocFormat::PlainText,
            FormatArg::Markdown => DocFormat::Markdown,
            FormatArg::Html => DocFormat::Html,
            FormatArg::Jsonl => DocFormat::JsonLines,
        }
    }
}

/// `lodestone news` subcommands.
#[derive(Debug, Subcommand)]
pub enum NewsCommand {
    /// Read documents into the store (seed search pages, .txt, .md, .html, .jsonl; folders are read file by file).
    /// All or nothing: a malformed file stops the ingest with FILE:LINE and stores nothing.
    Ingest {
        /// Files or folders.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Force the input format instead of detecting it.
        #[arg(long, value_enum)]
        format: Option<FormatArg>,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List stored documents, newest first.
    List {
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Full-text search (Chinese and English), ranked, with highlighted snippets.
    Search {
        /// Query words ("稀土产业", rare earth refining, "\"rare earth\"" for a phrase).
        #[arg(required = true, value_name = "QUERY")]
        query: Vec<String>,
        /// Only documents dated on or after DATE (YYYY-MM-DD or YYYY-MM).
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        /// Only documents whose source contains these words.
        #[arg(long, value_name = "S")]
        source: Option<String>,
        /// Maximum number of results.
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// The quantitative claims of every stored document, with provenance.
    Claims {
        /// Only this document (id or id prefix).
        #[arg(long, value_name = "ID")]
        doc: Option<String>,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Claims side by side: conflicts between documents, verdicts against the dataset.
    Check {
        /// Show every group, also those with only unverifiable claims.
        #[arg(long)]
        all: bool,
        /// Exit with code 1 if any claim is contradicted or documents conflict.
        #[arg(long)]
        strict: bool,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Scenario event proposals (TOML with provenance comments) from announced projects and policies. Nothing is applied.
    Propose {
        /// Write the TOML to FILE (must not exist) instead of stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Print the proposals as JSON (with the TOML text in "toml").
        #[arg(long)]
        json: bool,
    },
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

/// Where the store directory came from, as the CLI names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreFrom {
    /// `--store DIR`.
    Flag,
    /// The `LODESTONE_STORE` environment variable.
    Env,
    /// The user data directory.
    Default,
}

impl StoreFrom {
    fn describe(self) -> &'static str {
        match self {
            StoreFrom::Flag => "from --store",
            StoreFrom::Env => "from LODESTONE_STORE",
            StoreFrom::Default => "the default; --store or LODESTONE_STORE choose another",
        }
    }
}

/// Resolves the store directory: `--store`, then `LODESTONE_STORE`, then the user data directory.
pub fn store_dir(flag: Option<PathBuf>) -> Result<PathBuf> {
    store_dir_from(flag).map(|(d, _)| d)
}

/// The store directory and where it came from.
fn store_dir_from(flag: Option<PathBuf>) -> Result<(PathBuf, StoreFrom)> {
    if let Some(p) = flag {
        return Ok((p, StoreFrom::Flag));
    }
    if let Some(v) = std::env::var_os("LODESTONE_STORE").filter(|v| !v.is_empty()) {
        return Ok((PathBuf::from(v), StoreFrom::Env));
    }
    user_data_dir()
        .map(|d| (d.join("lodestone").join("news"), StoreFrom::Default))
        .context(
            "no --store given, LODESTONE_STORE is not set and no user data directory was found",
        )
}

/// What to print when a command finds nothing: the store searched, its size and how to choose
/// another one.
fn nothing_found(what: &str, dir: &Path, from: StoreFrom, store: &Store) -> String {
    let n = store.count().unwrap_or(0);
    format!(
        "{what} in the news store at {} ({}; {n} document{} stored)\n\
         hint: `lodestone news ingest FILE` adds documents; --store DIR or LODESTONE_STORE=DIR uses another store\n",
        dir.display(),
        from.describe(),
        if n == 1 { "" } else { "s" }
    )
}

/// Every document of the inputs. A file that cannot be read, is not UTF-8 or does not parse
/// is bad input (exit 2), located at FILE:LINE[:COLUMN].
fn read_documents(paths: &[PathBuf], format: Option<FormatArg>) -> Result<Vec<Document>> {
    lodestone_news::files::read_documents(paths, format.map(FormatArg::format))
        .map_err(|e| bad_input(e.to_string()))
}

/// A news-layer error as the CLI reports it: a malformed document, query or argument (an
/// ambiguous id prefix) is bad input (exit 2); the rest are failures (exit 1).
fn news_error(e: lodestone_news::NewsError) -> anyhow::Error {
    use lodestone_news::NewsError;
    match e {
        NewsError::Parse(p) => bad_input(p.to_string()),
        NewsError::Query(m) => bad_input(format!("search query: {m}")),
        NewsError::Invalid(m) => bad_input(m),
        other => other.into(),
    }
}

fn print_json<T: serde::Serialize>(v: &T) -> Result<()> {
    outln!("{}", serde_json::to_string_pretty(v)?)?;
    Ok(())
}

fn open_store(dir: &Path) -> Result<Store> {
    Store::open(dir).with_context(|| format!("cannot open the news store in {}", dir.display()))
}

fn all_claims(
    store: &Store,
    ctx: &Context,
    doc: Option<&str>,
) -> Result<Vec<lodestone_news::Claim>> {
    let docs = match doc {
        Some(id) => vec![
            store
                .get(id)
                .map_err(news_error)?
                .ok_or_else(|| bad_input(format!("no stored document with id {id:?}")))?,
        ],
        None => store.documents()?,
    };
    Ok(docs
        .iter()
        .flat_map(|d| lodestone_news::extract_claims(d, &ctx.gazetteer))
        .collect())
}

/// Runs `lodestone news …`; returns the process exit code: 0 ok, 1 a failure (the store
/// cannot be opened or written, `check --strict` finds contradictions), 2 bad input (a
/// malformed document, a bad argument), as every other subcommand.
pub fn run(args: NewsArgs, ctx: &Context) -> Result<i32> {
    let (dir, from) = store_dir_from(args.store)?;
    // The store in use is always named (on stderr, so stdout stays the command's output).
    eprintln!("news store: {} ({})", dir.display(), from.describe());
    match args.command {
        NewsCommand::Ingest {
            paths,
            format,
            json,
        } => {
            // Parse everything first: a malformed file must leave the store untouched.
            let docs = read_documents(&paths, format)?;
            let mut store = open_store(&dir)?;
            let report = store.ingest(docs)?;
            if json {
                print_json(&report)?;
            } else {
                out!("{}", lodestone_news::render::ingest(&report))?;
            }
        }
        NewsCommand::List { json } => {
            let store = open_store(&dir)?;
            let docs = store.documents()?;
            if json {
                print_json(&docs)?;
            } else if docs.is_empty() {
                out!("{}", nothing_found("no documents", &dir, from, &store))?;
            } else {
                out!("{}", lodestone_news::render::documents(&docs))?;
            }
        }
        NewsCommand::Search {
            query,
            since,
            source,
            limit,
            json,
        } => {
            let since = match since {
                None => None,
                Some(s) => Some(NewsDate::parse(&s).ok_or_else(|| {
                    bad_input(format!("--since {s:?}: expected YYYY-MM-DD or YYYY-MM"))
                })?),
            };
            if limit == 0 {
                return Err(bad_input("--limit must be at least 1"));
            }
            let store = open_store(&dir)?;
            let q = SearchQuery {
                text: query.join(" "),
                since,
                source,
                limit,
            };
            let hits = store.search(&q).map_err(news_error)?;
            if json {
                print_json(&hits)?;
            } else if hits.is_empty() {
                out!(
                    "{}",
                    nothing_found("no matching documents", &dir, from, &store)
                )?;
            } else {
                out!("{}", lodestone_news::render::search_hits(&hits))?;
            }
        }
        NewsCommand::Claims { doc, json } => {
            let store = open_store(&dir)?;
            let claims = all_claims(&store, ctx, doc.as_deref())?;
            if json {
                print_json(&claims)?;
            } else {
                out!("{}", lodestone_news::render::claims(&claims))?;
            }
        }
        NewsCommand::Check { all, strict, json } => {
            let store = open_store(&dir)?;
            let claims = all_claims(&store, ctx, None)?;
            let report = lodestone_news::check_claims(&claims, ctx, &CheckSettings::default());
            if json {
                print_json(&report)?;
            } else {
                out!("{}", lodestone_news::render::check(&report, all))?;
            }
            if strict && (report.summary.contradicted > 0 || report.summary.conflicts > 0) {
                return Ok(1);
            }
        }
        NewsCommand::Propose { out, json } => {
            let store = open_store(&dir)?;
            let claims = all_claims(&store, ctx, None)?;
            let set = lodestone_news::propose(&claims, ctx);
            let toml = set.to_toml();
            if let Some(path) = out {
                let mut f = std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&path)
                    .with_context(|| {
                        format!("{}: cannot create (it must not exist yet)", path.display())
                    })?;
                std::io::Write::write_all(&mut f, toml.as_bytes())?;
                eprintln!(
                    "wrote {} proposals to {} (review them before use; nothing was applied)",
                    set.proposals.len(),
                    path.display()
                );
            } else if json {
                let mut v = serde_json::to_value(&set)?;
                v["toml"] = serde_json::Value::String(toml);
                print_json(&v)?;
            } else {
                out!("{toml}")?;
            }
        }
    }
    Ok(0)
}
