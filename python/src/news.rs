//! `NewsStore`: the news layer (crate `lodestone-news`) as `lodestone news` drives it —
//! ingest files into a store directory (SQLite + tantivy with the jieba tokenizer), search
//! it, extract claims, check them against the embedded datasets and propose scenario
//! events. Every result crosses as the JSON text `lodestone news … --json` prints, so the
//! Python package's frames are built from the CLI's own documents; the GIL is released
//! while the store works.

use crate::errors::{Error, Result, guard};
use lodestone_model::{Diagnostic, Diagnostics, Location, diag::codes};
use lodestone_news::check::CheckSettings;
use lodestone_news::{Context, DocFormat, Document, NewsDate, NewsError, SearchQuery, Store};
use pyo3::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// The gazetteer and reference facts of every embedded dataset, built once per process
/// (as `lodestone news` and `lodestone serve` build them).
fn context() -> &'static Context {
    static CTX: OnceLock<Context> = OnceLock::new();
    CTX.get_or_init(|| lodestone_news::datasets::context_of(&lodestone_data::datasets()))
}

/// Bad input located in `file` (line, column 0 when unknown).
fn invalid(file: &str, line: usize, column: usize, message: String, hint: Option<String>) -> Error {
    Error::Invalid(Diagnostics(vec![Diagnostic {
        code: codes::BAD_VALUE,
        location: Location::new(file, line, column),
        message,
        hint,
    }]))
}

/// A news-layer error as the CLI classes it: a malformed document (located), query or
/// argument is bad input (`ValidationError`); the rest are failures (`LodestoneError`).
fn news_error(e: NewsError) -> Error {
    match e {
        NewsError::Parse(p) => Error::Invalid(Diagnostics(vec![Diagnostic {
            code: codes::SYNTAX,
            location: Location::new(p.file, p.line, p.column.unwrap_or(0)),
            message: p.message,
            hint: p.hint,
        }])),
        NewsError::Query(m) => invalid("<query>", 0, 0, format!("search query: {m}"), None),
        NewsError::Invalid(m) => invalid("<argument>", 0, 0, m, None),
        other => Error::Failure(other.to_string()),
    }
}

/// The input format names `ingest` takes (the CLI's `--format` values).
fn format_arg(name: &str) -> Result<DocFormat> {
    Ok(match name {
        "seed" => DocFormat::SeedPage,
        "text" => DocFormat::PlainText,
        "markdown" => DocFormat::Markdown,
        "html" => DocFormat::Html,
        "jsonl" => DocFormat::JsonLines,
        other => {
            return Err(invalid(
                "<argument>",
                0,
                0,
                format!("format {other:?} is not one of seed, text, markdown, html, jsonl"),
                None,
            ));
        }
    })
}

/// Every document of the inputs (as `lodestone news ingest` reads them); a file that cannot
/// be read, is not UTF-8 or does not parse is bad input located at FILE:LINE[:COLUMN], and
/// nothing is stored.
fn read_documents(paths: &[PathBuf], format: Option<DocFormat>) -> Result<Vec<Document>> {
    use lodestone_news::files::ReadError;
    lodestone_news::files::read_documents(paths, format).map_err(|e| match e {
        ReadError::Io { path, what, source } => {
            invalid(&path, 0, 0, format!("cannot read {what}: {source}"), None)
        }
        ReadError::Utf8 {
            path,
            line,
            column,
            byte,
        } => invalid(
            &path,
            line,
            column,
            format!("not valid UTF-8 text (byte {byte})"),
            None,
        ),
        ReadError::Parse(p) => news_error(p.into()),
    })
}

/// Pretty JSON, as the CLI's `--json`.
fn json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string_pretty(v).map_err(|e| Error::Failure(e.to_string()))
}

/// A news store directory (`news.sqlite3` and the search index `index/`), created if it
/// does not exist; see `lodestone.news.Store`.
#[pyclass(name = "NewsStore", module = "lodestone._lodestone", frozen)]
pub struct PyNewsStore {
    dir: PathBuf,
    store: Mutex<Store>,
}

impl PyNewsStore {
    /// Run `f` on the store with the GIL released, panics caught.
    fn with<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut Store) -> Result<T> + Send,
    ) -> PyResult<T> {
        Ok(py.detach(|| {
            guard(|| {
                let mut store = self
                    .store
                    .lock()
                    .map_err(|_| Error::Failure("the news store is poisoned".into()))?;
                f(&mut store)
            })
        })?)
    }

    /// The claims of one document (id or id prefix) or of every document.
    fn claims_of(store: &Store, doc: Option<&str>) -> Result<Vec<lodestone_news::Claim>> {
        let docs = match doc {
            Some(id) => vec![store.get(id).map_err(news_error)?.ok_or_else(|| {
                invalid(
                    "<argument>",
                    0,
                    0,
                    format!("no stored document with id {id:?}"),
                    None,
                )
            })?],
            None => store.documents().map_err(news_error)?,
        };
        let gazetteer = &context().gazetteer;
        Ok(docs
            .iter()
            .flat_map(|d| lodestone_news::extract_claims(d, gazetteer))
            .collect())
    }
}

#[pymethods]
impl PyNewsStore {
    /// Open (or create) the store in the folder `path`.
    #[new]
    fn new(py: Python<'_>, path: PathBuf) -> PyResult<PyNewsStore> {
        let dir = path.clone();
        let store = py.detach(|| {
            guard(|| {
                Store::open(&path).map_err(|e| {
                    Error::Failure(format!(
                        "cannot open the news store in {}: {e}",
                        path.display()
                    ))
                })
            })
        })?;
        Ok(PyNewsStore {
            dir,
            store: Mutex::new(store),
        })
    }

    /// The store folder.
    #[getter]
    fn path(&self) -> PathBuf {
        self.dir.clone()
    }

    /// Documents stored.
    fn count(&self, py: Python<'_>) -> PyResult<usize> {
        self.with(py, |s| s.count().map_err(news_error))
    }

    /// Read files and folders into the store (all or nothing); `format`: one of seed,
    /// text, markdown, html, jsonl (default: detected). The report as `news ingest --json`.
    #[pyo3(signature = (paths, format = None))]
    fn ingest(
        &self,
        py: Python<'_>,
        paths: Vec<PathBuf>,
        format: Option<String>,
    ) -> PyResult<String> {
        let format = format.as_deref().map(format_arg).transpose()?;
        self.with(py, |s| {
            // parse everything first: a malformed file leaves the store untouched
            let docs = read_documents(&paths, format)?;
            json(&s.ingest(docs).map_err(news_error)?)
        })
    }

    /// Stored documents, newest first, as `news list --json`.
    fn documents(&self, py: Python<'_>) -> PyResult<String> {
        self.with(py, |s| json(&s.documents().map_err(news_error)?))
    }

    /// Full-text search, as `news search --json`.
    #[pyo3(signature = (query, since = None, source = None, limit = 10))]
    fn search(
        &self,
        py: Python<'_>,
        query: String,
        since: Option<String>,
        source: Option<String>,
        limit: usize,
    ) -> PyResult<String> {
        let since = match since {
            None => None,
            Some(s) => Some(NewsDate::parse(&s).ok_or_else(|| {
                invalid(
                    "<argument>",
                    0,
                    0,
                    format!("since {s:?}: expected YYYY-MM-DD or YYYY-MM"),
                    None,
                )
            })?),
        };
        if limit == 0 {
            return Err(
                invalid("<argument>", 0, 0, "limit must be at least 1".into(), None).into(),
            );
        }
        let q = SearchQuery {
            text: query,
            since,
            source,
            limit,
        };
        self.with(py, |s| json(&s.search(&q).map_err(news_error)?))
    }

    /// The claims of every document (or of `doc`, an id or id prefix), as `news claims --json`.
    #[pyo3(signature = (doc = None))]
    fn claims(&self, py: Python<'_>, doc: Option<String>) -> PyResult<String> {
        self.with(py, |s| json(&Self::claims_of(s, doc.as_deref())?))
    }

    /// Claims side by side and against the datasets, as `news check --json`.
    fn check(&self, py: Python<'_>) -> PyResult<String> {
        self.with(py, |s| {
            let claims = Self::claims_of(s, None)?;
            json(&lodestone_news::check_claims(
                &claims,
                context(),
                &CheckSettings::default(),
            ))
        })
    }

    /// Scenario event proposals, as `news propose --json` (the TOML text in `"toml"`).
    fn propose(&self, py: Python<'_>) -> PyResult<String> {
        self.with(py, |s| {
            let claims = Self::claims_of(s, None)?;
            let set = lodestone_news::propose(&claims, context());
            let mut v = serde_json::to_value(&set).map_err(|e| Error::Failure(e.to_string()))?;
            v["toml"] = serde_json::Value::String(set.to_toml());
            json(&v)
        })
    }

    fn __repr__(&self) -> String {
        format!("NewsStore({:?})", path_text(&self.dir))
    }
}

fn path_text(p: &Path) -> String {
    p.display().to_string()
}
