//! The HTTP handlers and the router: JSON in, JSON (or CSV, or the dashboard page) out.
//!
//! Every failure is an [`ApiError`] with a JSON body; extractor rejections (bad JSON, a
//! body over the limit, a bad query) are mapped to it too, so a client always gets a clear
//! 4xx. The guard middleware checks the token of requests that write or start work and
//! bounds the time of every request.

use crate::error::ApiError;
use crate::jobs::{Output, Progress, Work};
use crate::resolve::{self, Catalog, Loaded};
use crate::store::{Db, JobRow, JobState, NewJob, rfc3339};
use crate::tables;
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use lodestone_engine::compare::{self, Comparison};
use lodestone_model::Scenario;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// Everything the handlers share.
pub struct AppState {
    /// Token required for requests that write or start work (`None`: no token needed).
    pub token: Option<String>,
    /// Largest accepted request body, bytes.
    pub max_body: usize,
    /// Time limit of a request.
    pub timeout: Duration,
    /// Worker threads of the job runner.
    pub workers: usize,
    /// Datasets.
    pub catalog: Catalog,
    /// The run store.
    pub db: Arc<Db>,
    /// The job runner.
    pub jobs: crate::jobs::Runner,
    /// Store directory (run store and news store).
    pub store_dir: PathBuf,
    /// The news store, opened on first use.
    pub news: Mutex<Option<lodestone_news::Store>>,
    /// What the news layer knows: the configured context, else the built-in gazetteer
    /// (built on first use).
    pub news_context: OnceLock<lodestone_news::Context>,
    /// The shipped scenarios, described once at start.
    pub scenarios: Vec<Value>,
}

type St = State<Arc<AppState>>;
type ApiResult<T = Response> = Result<T, ApiError>;

// ---------------------------------------------------------------- extractors

/// `Json<T>` whose rejections are [`ApiError`]s: 400 malformed or ill-shaped JSON,
/// 413 too large, 415 not JSON.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<Arc<AppState>> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &Arc<AppState>) -> Result<Self, ApiError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(rej) => Err(match &rej {
                JsonRejection::MissingJsonContentType(_) => {
                    ApiError::UnsupportedMediaType("the body must be JSON".into())
                }
                JsonRejection::JsonSyntaxError(_) => ApiError::bad_request(
                    format!("malformed JSON: {}", rej.body_text()),
                    Some("send one JSON object, e.g. {\"scenario\": \"baseline\"}"),
                ),
                JsonRejection::JsonDataError(_) => ApiError::bad_request(
                    format!("unexpected JSON: {}", rej.body_text()),
                    Some("see the request schemas in /api/openapi.json"),
                ),
                _ if rej.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    ApiError::TooLarge(state.max_body)
                }
                _ => ApiError::bad_request(
                    format!("cannot read the body: {}", rej.body_text()),
                    None,
                ),
            }),
        }
    }
}

/// `Query<T>` whose rejections are 400 [`ApiError`]s.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|e| {
                ApiError::bad_request(
                    format!("bad query: {}", e.body_text()),
                    Some("see the parameters in /api/openapi.json"),
                )
            })
    }
}

/// `Path<T>` whose rejections are 400 [`ApiError`]s.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| ApiPath(p.0))
            .map_err(|e| ApiError::bad_request(format!("bad path: {}", e.body_text()), None))
    }
}

fn parse_id(s: &str, what: &str) -> ApiResult<i64> {
    s.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| {
        ApiError::bad_request(
            format!("`{s}` is not a {what} id"),
            Some("ids are positive integers, as returned by POST /api/runs"),
        )
    })
}

/// Runs blocking work (SQLite, datasets, JSON of a stored run) off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> ApiResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::Internal(format!("a blocking task failed: {e}")))?
}

// ---------------------------------------------------------------- router

/// The router with every route, the body limit and the guard.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", get(dashboard))
        .route("/api/health", get(health))
        .route("/api/openapi.json", get(openapi))
        .route("/api/datasets", get(datasets))
        .route("/api/datasets/{name}/sources", get(sources))
        .route("/api/scenarios", get(scenarios))
        .route("/api/scenarios/{name}", get(scenario))
        .route("/api/validate", post(validate))
        .route("/api/runs", post(submit_run).get(list_runs))
        .route("/api/runs/{id}", get(get_run))
        .route("/api/runs/{id}/summary", get(run_summary))
        .route("/api/runs/{id}/csv/{table}", get(run_csv))
        .route("/api/runs/{id}/answer", get(run_answer))
        .route("/api/runs/{id}/report", get(run_report))
        .route("/api/runs/{id}/xlsx", get(run_xlsx))
        .route("/api/ensembles", post(submit_ensemble).get(list_ensembles))
        .route("/api/ensembles/{id}", get(get_ensemble))
        .route("/api/ensembles/{id}/summary", get(ensemble_summary))
        .route("/api/ensembles/{id}/fans", get(ensemble_fans))
        .route("/api/jobs", get(list_jobs))
        .route("/api/jobs/{id}", get(get_job))
        .route("/api/compare", get(compare_runs))
        .route("/api/news", get(crate::news::status))
        .route("/api/news/documents", get(crate::news::documents))
        .route("/api/news/search", get(crate::news::search))
        .route("/api/news/claims", get(crate::news::claims))
        .fallback(no_route)
        .method_not_allowed_fallback(wrong_method)
        .layer(DefaultBodyLimit::max(state.max_body))
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state)
}

/// Constant-time comparison of a presented token with the expected one.
fn token_matches(presented: &str, expected: &str) -> bool {
    let (a, b) = (presented.as_bytes(), expected.as_bytes());
    let mut diff = a.len() ^ b.len();
    for (i, x) in b.iter().enumerate() {
        diff |= usize::from(a.get(i).copied().unwrap_or(0) ^ x);
    }
    diff == 0
}

/// The token of an `Authorization: Bearer <token>` header (the scheme in any case); `None`
/// without one, or when it is blank.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The body length a request announces (`Content-Length`), if it announces one. (A
/// malformed or conflicting length never gets here: the HTTP layer refuses it with 400.)
fn announced_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Token check for requests that write or start work, the body limit of requests that
/// announce their length (413 before reading), the time limit, common headers.
async fn guard(State(st): St, req: Request, next: Next) -> Response {
    let reads = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !reads
        && let Some(expected) = &st.token
        && !bearer(req.headers()).is_some_and(|t| token_matches(t, expected))
    {
        return ApiError::Unauthorized.into_response();
    }
    if announced_length(req.headers()).is_some_and(|n| n > st.max_body as u64) {
        // Refused at the header: the body is never read, and the connection is closed so
        // the client cannot go on sending it.
        let mut resp = ApiError::TooLarge(st.max_body).into_response();
        resp.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        return resp;
    }
    let mut resp = match tokio::time::timeout(st.timeout, next.run(req)).await {
        Ok(r) => r,
        Err(_) => ApiError::Timeout(st.timeout.as_secs()).into_response(),
    };
    let h = resp.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    resp
}

async fn no_route() -> ApiError {
    ApiError::not_found(
        "no such endpoint",
        Some("the endpoints are listed in /api/openapi.json; the dashboard is at /".into()),
    )
}

async fn wrong_method() -> Response {
    let body = json!({
        "error": "method not allowed on this endpoint",
        "code": "method_not_allowed",
        "hint": "see /api/openapi.json",
    });
    (StatusCode::METHOD_NOT_ALLOWED, Json(body)).into_response()
}

// ---------------------------------------------------------------- pages

async fn dashboard() -> Response {
    let mut resp = Html(crate::dashboard::PAGE).into_response();
    resp.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
        ),
    );
    resp
}

async fn openapi(State(st): St) -> Json<&'static Value> {
    Json(crate::openapi::document(st.token.is_some()))
}

async fn health(State(st): St) -> Json<Value> {
    Json(json!({
        "ok": true,
        "name": "lodestone",
        "version": env!("CARGO_PKG_VERSION"),
        "token_required": st.token.is_some(),
        "datasets": st.catalog.names(),
        "data_dir": st.catalog.has_data_dir(),
        "store": st.store_dir.display().to_string(),
        "workers": st.workers,
        "ensembles": true,
        "limits": {
            "max_body_bytes": st.max_body,
            "request_timeout_s": st.timeout.as_secs_f64(),
        },
    }))
}

// ---------------------------------------------------------------- datasets, scenarios

async fn datasets(State(st): St) -> ApiResult<Json<Value>> {
    blocking(move || {
        let mut out = Vec::new();
        for name in st.catalog.names() {
            let l = st.catalog.dataset(&name)?;
            let d = &l.dataset;
            out.push(json!({
                "name": d.name,
                "description": d.description,
                "base_year": d.base_year,
                "facilities": d.facilities.len(),
                "materials": d.materials.len(),
                "countries": d.countries.len(),
                "demand_rows": d.demand.len(),
                "sources": d.sources.len(),
                "links": {"sources": format!("/api/datasets/{}/sources", d.name)},
            }));
        }
        Ok(Json(Value::Array(out)))
    })
    .await
}

async fn sources(State(st): St, ApiPath(name): ApiPath<String>) -> ApiResult<Json<Value>> {
    blocking(move || {
        let l = st.catalog.dataset(&name)?;
        let used = l.dataset.used_sources();
        let rows: Vec<Value> = l
            .dataset
            .sources
            .iter()
            .map(|s| {
                json!({"id": s.id, "kind": s.kind, "citation": s.citation, "url": s.url,
                       "date": s.date, "vintage": s.vintage, "note": s.note,
                       "rows": used.get(&s.id).copied().unwrap_or(0)})
            })
            .collect();
        Ok(Json(json!({"dataset": l.dataset.name, "sources": rows})))
    })
    .await
}

/// What the scenario list says about one scenario.
pub fn describe(name: &str) -> Value {
    match resolve::named_scenario(name) {
        Ok((file, _, sc)) => json!({
            "name": name,
            "title": sc.name,
            "file": file,
            "dataset": sc.dataset,
            "description": sc.description,
            "horizon": sc.horizon,
            "events": sc.events.len(),
            "valid": true,
        }),
        Err(e) => json!({"name": name, "valid": false, "error": e.to_string()}),
    }
}

async fn scenarios(State(st): St) -> Json<Value> {
    Json(Value::Array(st.scenarios.clone()))
}

async fn scenario(ApiPath(name): ApiPath<String>) -> ApiResult<Json<Value>> {
    let (file, text, sc) = resolve::named_scenario(&name)?;
    let extends = text.lines().find_map(|l| {
        let (k, v) = l.split_once('=')?;
        (k.trim() == "extends").then(|| v.trim().trim_matches('"').to_string())
    });
    Ok(Json(json!({
        "name": name,
        "title": sc.name,
        "file": file,
        "dataset": sc.dataset,
        "description": sc.description,
        "horizon": sc.horizon,
        "events": sc.events.len(),
        "extends": extends,
        "text": text,
    })))
}

/// A field that may be left out but, when present, must have its type: `null` is refused
/// (400), as the OpenAPI document declares every field of a request non-nullable.
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// A scenario in a request: a shipped name or TOML text.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioRequest {
    /// Shipped scenario name.
    #[serde(default, deserialize_with = "present")]
    scenario: Option<String>,
    /// Scenario TOML text.
    #[serde(default, deserialize_with = "present")]
    toml: Option<String>,
    /// Label of the text in diagnostics.
    #[serde(default, deserialize_with = "present")]
    file: Option<String>,
    /// Reuse a stored result of the same question (default true).
    #[serde(default, deserialize_with = "present")]
    cache: Option<bool>,
    /// Ensembles: replicates.
    #[serde(default, deserialize_with = "present")]
    runs: Option<usize>,
    /// Ensembles: master seed.
    #[serde(default, deserialize_with = "present")]
    seed: Option<u64>,
    /// Ensembles: threads.
    #[serde(default, deserialize_with = "present")]
    threads: Option<usize>,
    /// Time step instead of the scenario's: `month`, `quarter` or `year` (as `--step`).
    #[serde(default, deserialize_with = "present")]
    step: Option<String>,
}

impl ScenarioRequest {
    fn echo(&self) -> Value {
        let mut v = json!({});
        if let Some(s) = &self.scenario {
            v["scenario"] = json!(s);
        }
        if let Some(t) = &self.toml {
            v["toml"] = json!(t);
        }
        if let Some(f) = &self.file {
            v["file"] = json!(f);
        }
        if let Some(step) = &self.step {
            v["step"] = json!(step);
        }
        v
    }
}

/// Sets a scenario's time step from a request's `step` (`None` keeps the scenario's).
fn apply_step(sc: &mut Scenario, step: Option<&str>) -> ApiResult<()> {
    use lodestone_model::time::{Step, UnknownStep};
    if let Some(step) = step {
        sc.horizon.step = (step.parse::<Step>())
            .map_err(|e| ApiError::bad_request(e.to_string(), Some(UnknownStep::HINT)))?;
    }
    Ok(())
}

/// Parses and validates the scenario of a request against its dataset.
fn resolve_request(st: &AppState, req: &ScenarioRequest) -> ApiResult<(Scenario, Loaded)> {
    let mut sc = match (&req.scenario, &req.toml) {
        (Some(name), None) => resolve::named_scenario(name)?.2,
        (None, Some(text)) => resolve::posted_scenario(req.file.as_deref(), text)?,
        _ => {
            return Err(ApiError::bad_request(
                "give exactly one of `scenario` (a shipped name) and `toml` (scenario text)",
                Some("e.g. {\"scenario\": \"baseline\"}"),
            ));
        }
    };
    apply_step(&mut sc, req.step.as_deref())?;
    let loaded = st.catalog.for_scenario(&sc)?;
    resolve::check(&sc, &loaded.dataset)?;
    Ok((sc, loaded))
}

/// The warnings of a valid scenario (events that start after the horizon: they do nothing
/// in the run), located like diagnostics; `[]` when there are none.
fn warnings(sc: &Scenario) -> Value {
    serde_json::to_value(sc.horizon_warnings()).unwrap_or_else(|_| json!([]))
}

/// The warnings of a stored job's scenario, read again from its request (the store keeps
/// the request, not the warnings); `[]` when it no longer parses.
fn request_warnings(request: &Value) -> Value {
    request_scenario(request).map_or_else(|| json!([]), |sc| warnings(&sc))
}

/// The scenario of a stored job, read again from its request; `None` when it no longer
/// parses.
fn request_scenario(request: &Value) -> Option<Scenario> {
    let text = |k: &str| request.get(k).and_then(Value::as_str);
    let mut sc = match (text("scenario"), text("toml")) {
        (Some(name), None) => resolve::named_scenario(name).ok().map(|x| x.2),
        (None, Some(toml)) => resolve::posted_scenario(text("file"), toml).ok(),
        _ => None,
    }?;
    apply_step(&mut sc, text("step")).ok()?;
    Some(sc)
}

async fn validate(State(st): St, ApiJson(req): ApiJson<ScenarioRequest>) -> ApiResult<Json<Value>> {
    blocking(move || {
        let (sc, l) = resolve_request(&st, &req)?;
        Ok(Json(json!({
            "valid": true,
            "scenario": sc.name,
            "dataset": l.dataset.name,
            "events": sc.events.len(),
            "horizon": sc.horizon,
            "files": sc.files,
            "warnings": warnings(&sc),
        })))
    })
    .await
}

// ---------------------------------------------------------------- jobs and runs

fn result_link(row: &JobRow) -> String {
    match row.kind.as_str() {
        "ensemble" => format!("/api/ensembles/{}/summary", row.id),
        _ => format!("/api/runs/{}/summary", row.id),
    }
}

/// A job as the API shows it: stored state with live progress overlaid.
fn job_json(st: &AppState, row: &JobRow) -> Value {
    let live = (row.state == JobState::Running)
        .then(|| st.jobs.progress(row.id))
        .flatten();
    let (done, total, phase) = match live {
        Some(p) => (p.done, p.total, p.phase),
        None => (
            row.progress_done,
            row.progress_total,
            row.state.as_str().to_string(),
        ),
    };
    let fraction = match row.state {
        JobState::Done => 1.0,
        _ if total > 0 => done as f64 / total as f64,
        _ => 0.0,
    };
    json!({
        "id": row.id,
        "kind": row.kind,
        "state": row.state,
        "scenario": row.scenario,
        "dataset": row.dataset,
        "progress": {"done": done, "total": total, "fraction": fraction, "phase": phase},
        "queue_position": (row.state == JobState::Queued).then(|| st.jobs.position(row.id)).flatten(),
        "error": row.error,
        "balance_ok": row.balance_ok,
        "elapsed_s": row.elapsed_s,
        "created": rfc3339(row.created_ms),
        "started": row.started_ms.map(rfc3339),
        "finished": row.finished_ms.map(rfc3339),
        "request": row.request,
        "links": {
            "self": format!("/api/jobs/{}", row.id),
            "result": (row.state == JobState::Done).then(|| result_link(row)),
        },
    })
}

fn get_row(st: &AppState, id: i64, kind: Option<&str>) -> ApiResult<JobRow> {
    match st.db.get(id)? {
        Some(r) if kind.is_none_or(|k| k == r.kind) => Ok(r),
        _ => Err(ApiError::not_found(
            format!("no {} with id {id}", kind.unwrap_or("job")),
            None,
        )),
    }
}

/// Submits a job unless the same question has a result (or is being answered); the
/// answer carries the scenario's `warnings`.
fn submit(
    st: &AppState,
    job: NewJob,
    use_cache: bool,
    (work, warnings): (Work, Value),
) -> ApiResult<(StatusCode, HeaderMap, Json<Value>)> {
    if use_cache && let Some(row) = st.db.reusable(&job.cache_key)? {
        let mut v = job_json(st, &row);
        v["cached"] = json!(true);
        v["warnings"] = warnings;
        return Ok((StatusCode::OK, HeaderMap::new(), Json(v)));
    }
    let id = st.jobs.submit(&job, work)?;
    let row = get_row(st, id, None)?;
    let mut v = job_json(st, &row);
    v["cached"] = json!(false);
    v["warnings"] = warnings;
    let mut h = HeaderMap::new();
    if let Ok(loc) = HeaderValue::from_str(&format!("/api/jobs/{id}")) {
        h.insert(header::LOCATION, loc);
    }
    Ok((StatusCode::ACCEPTED, h, Json(v)))
}

/// Names of the files a run stores beside its summary: the report page and its answer.
const REPORT_HTML: &str = "report.html";
const ANSWER_JSON: &str = "answer.json";
/// Why a run has no report (stored instead of the two above).
const REPORT_ERROR: &str = "report-error.txt";

/// Simulates, summarizes, then writes the report of the run and its question-and-answer
/// block (kept beside the summary: they need the whole run, which is not stored).
/// `text` is the scenario file's own text, for the question it states.
fn run_work(loaded: Loaded, sc: Scenario, text: Option<String>) -> Work {
    Box::new(move |p: &Progress| {
        p.set_total(4);
        p.set_phase("simulating");
        let r = lodestone_engine::run(&loaded.dataset, &sc).map_err(|e| e.to_string())?;
        p.set_done(1);
        p.set_phase("summarizing");
        let s = lodestone_engine::summarize(&r);
        let tables = tables::all_csv(&r, &s)?;
        p.set_done(2);
        p.set_phase("writing the report");
        // A report that cannot be made does not fail the run: its summary is stored, and
        // the answer and report endpoints say why they have nothing.
        let made = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            report_artifacts(&loaded, &sc, text.as_deref(), &r, &s)
        }));
        let artifacts = match made {
            Ok(Ok(a)) => a,
            Ok(Err(why)) => vec![(REPORT_ERROR.into(), why.into_bytes())],
            Err(_) => vec![(
                REPORT_ERROR.into(),
                b"internal error: the report panicked".to_vec(),
            )],
        };
        drop(r);
        p.set_done(3);
        p.set_phase("saving");
        let result = serde_json::to_string(&s)
            .map_err(|e| format!("cannot write the summary as JSON: {e}"))?;
        p.set_done(4);
        Ok(Output {
            result,
            balance_ok: Some(s.balance.ok),
            artifacts: artifacts
                .into_iter()
                .chain(
                    tables
                        .into_iter()
                        .map(|(name, csv)| (tables::artifact_name(&name), csv.into_bytes())),
                )
                .collect(),
        })
    })
}

/// The report page and the question-and-answer block of a run (with the dataset's labels).
fn report_artifacts(
    loaded: &Loaded,
    sc: &Scenario,
    text: Option<&str>,
    r: &lodestone_engine::RunResult,
    s: &lodestone_engine::Summary,
) -> Result<Vec<(String, Vec<u8>)>, String> {
    let info = lodestone_report::ScenarioInfo::from_scenario(sc, text);
    let run = lodestone_report::Run {
        info: &info,
        result: r,
        summary: s,
    };
    let report = lodestone_report::single(&run, None).map_err(|e| e.to_string())?;
    let answer = lodestone_report::answer(&run, None).map_err(|e| e.to_string())?;
    let answer = json!({
        "answer": answer,
        "supplier": s.supplier,
        "labels": lodestone_report::labels::labels(&loaded.dataset),
        "report": {"title": report.title, "file": format!("{}.html", report.file_stem)},
    });
    Ok(vec![
        (REPORT_HTML.into(), report.html.into_bytes()),
        (ANSWER_JSON.into(), answer.to_string().into_bytes()),
    ])
}

/// The text of a request's scenario file (for the question it states).
fn request_text(req: &ScenarioRequest) -> Option<String> {
    match (&req.scenario, &req.toml) {
        (Some(name), None) => resolve::named_scenario(name).ok().map(|x| x.1),
        (None, Some(t)) => Some(t.clone()),
        _ => None,
    }
}

async fn submit_run(
    State(st): St,
    ApiJson(req): ApiJson<ScenarioRequest>,
) -> ApiResult<(StatusCode, HeaderMap, Json<Value>)> {
    blocking(move || {
        if req.runs.is_some() || req.seed.is_some() || req.threads.is_some() {
            return Err(ApiError::bad_request(
                "`runs`, `seed` and `threads` belong to ensembles",
                Some("POST them to /api/ensembles"),
            ));
        }
        let (sc, loaded) = resolve_request(&st, &req)?;
        let job = NewJob {
            kind: "run".into(),
            scenario: sc.name.clone(),
            dataset: loaded.dataset.name.clone(),
            // runs stored before they kept a report (`artifacts`) are not reused
            cache_key: resolve::cache_key("run", &sc, &loaded, &json!({"artifacts": 1})),
            request: req.echo(),
        };
        let warnings = warnings(&sc);
        let text = request_text(&req);
        submit(
            &st,
            job,
            req.cache.unwrap_or(true),
            (run_work(loaded, sc, text), warnings),
        )
    })
    .await
}

/// `?limit=` of listings.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    limit: Option<usize>,
}

fn list(st: &AppState, kind: Option<&str>, q: &ListQuery) -> ApiResult<Json<Value>> {
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    let rows = st.db.list(kind, limit)?;
    Ok(Json(Value::Array(
        rows.iter().map(|r| job_json(st, r)).collect(),
    )))
}

async fn list_runs(State(st): St, ApiQuery(q): ApiQuery<ListQuery>) -> ApiResult<Json<Value>> {
    blocking(move || list(&st, Some("run"), &q)).await
}

async fn list_jobs(State(st): St, ApiQuery(q): ApiQuery<ListQuery>) -> ApiResult<Json<Value>> {
    blocking(move || list(&st, None, &q)).await
}

async fn list_ensembles(State(st): St, ApiQuery(q): ApiQuery<ListQuery>) -> ApiResult<Json<Value>> {
    blocking(move || list(&st, Some("ensemble"), &q)).await
}

async fn get_job(State(st): St, ApiPath(id): ApiPath<String>) -> ApiResult<Json<Value>> {
    blocking(move || {
        let row = get_row(&st, parse_id(&id, "job")?, None)?;
        let mut v = job_json(&st, &row);
        v["warnings"] = request_warnings(&row.request);
        Ok(Json(v))
    })
    .await
}

fn get_kind(st: &AppState, id: &str, kind: &str) -> ApiResult<Json<Value>> {
    let row = get_row(st, parse_id(id, kind)?, Some(kind))?;
    let mut v = job_json(st, &row);
    v["warnings"] = request_warnings(&row.request);
    if kind == "run" && row.state == JobState::Done {
        v["links"]["csv"] = Value::Object(
            tables::names()
                .into_iter()
                .map(|t| {
                    (
                        t.to_string(),
                        json!(format!("/api/runs/{}/csv/{t}", row.id)),
                    )
                })
                .collect(),
        );
        v["links"]["answer"] = json!(format!("/api/runs/{}/answer", row.id));
        v["links"]["report"] = json!(format!("/api/runs/{}/report", row.id));
        v["links"]["xlsx"] = json!(format!("/api/runs/{}/xlsx", row.id));
    }
    if kind == "ensemble" && row.state == JobState::Done {
        v["links"]["fans"] = json!(format!("/api/ensembles/{}/fans", row.id));
    }
    Ok(Json(v))
}

async fn get_run(State(st): St, ApiPath(id): ApiPath<String>) -> ApiResult<Json<Value>> {
    blocking(move || get_kind(&st, &id, "run")).await
}

async fn get_ensemble(State(st): St, ApiPath(id): ApiPath<String>) -> ApiResult<Json<Value>> {
    blocking(move || get_kind(&st, &id, "ensemble")).await
}

/// The stored result text of a finished job of `kind`; 409 while it is not done.
fn finished_result(st: &AppState, id: i64, kind: &str) -> ApiResult<(JobRow, String)> {
    let row = get_row(st, id, Some(kind))?;
    match row.state {
        JobState::Done => {}
        JobState::Failed => {
            return Err(ApiError::Conflict(format!(
                "{kind} {id} failed: {}",
                row.error.as_deref().unwrap_or("no message")
            )));
        }
        s => {
            return Err(ApiError::Conflict(format!(
                "{kind} {id} is {}; poll /api/jobs/{id} until it is done",
                s.as_str()
            )));
        }
    }
    let text = st
        .db
        .result(id)?
        .ok_or_else(|| ApiError::Internal(format!("{kind} {id} is done but has no result")))?;
    Ok((row, text))
}

fn json_text(text: String) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        text,
    )
        .into_response()
}

async fn run_summary(State(st): St, ApiPath(id): ApiPath<String>) -> ApiResult {
    blocking(move || {
        let (_, text) = finished_result(&st, parse_id(&id, "run")?, "run")?;
        Ok(json_text(text))
    })
    .await
}

async fn ensemble_summary(State(st): St, ApiPath(id): ApiPath<String>) -> ApiResult {
    blocking(move || {
        let (_, text) = finished_result(&st, parse_id(&id, "ensemble")?, "ensemble")?;
        Ok(json_text(text))
    })
    .await
}

/// `?layout=` of a run's table: `tidy` (the default) or `wide`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TableQuery {
    layout: Option<tables::Layout>,
}

async fn run_csv(
    State(st): St,
    ApiPath((id, table)): ApiPath<(String, String)>,
    ApiQuery(q): ApiQuery<TableQuery>,
) -> ApiResult {
    blocking(move || {
        let id = parse_id(&id, "run")?;
        let table = table.trim_end_matches(".csv").to_string();
        let Some(def) = lodestone_engine::tables::find(&table) else {
            return Err(ApiError::not_found(
                format!("no table `{table}`"),
                Some(format!("tables: {}", tables::names().join(", "))),
            ));
        };
        finished_result(&st, id, "run")?;
        let stored = st.db.table(id, &table)?.ok_or_else(|| {
            ApiError::not_found(
                format!("run {id} was stored without its tables (by an older server)"),
                Some("submit the run again with \"cache\": false".into()),
            )
        })?;
        let csv = match q.layout.unwrap_or_default() {
            tables::Layout::Tidy => stored,
            tables::Layout::Wide => tables::parse(def, &stored)
                .and_then(|t| tables::wide_csv(&t))
                .map_err(ApiError::Internal)?,
        };
        let disposition = format!("attachment; filename=\"run-{id}-{table}.csv\"");
        Ok((
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/csv; charset=utf-8"),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    HeaderValue::from_str(&disposition)
                        .unwrap_or(HeaderValue::from_static("attachment")),
                ),
            ],
            csv,
        )
            .into_response())
    })
    .await
}

/// A file a finished run stored beside its summary; 404 for runs stored before runs kept
/// one (run the scenario again with `cache: false`).
fn run_artifact(st: &AppState, id: &str, name: &str) -> ApiResult<(i64, Vec<u8>)> {
    let id = parse_id(id, "run")?;
    finished_result(st, id, "run")?;
    let Some(content) = st.db.artifact(id, name)? else {
        return Err(match st.db.artifact(id, REPORT_ERROR)? {
            Some(why) => ApiError::not_found(
                format!("run {id} has no report: {}", String::from_utf8_lossy(&why)),
                None,
            ),
            None => ApiError::not_found(
                format!("run {id} has no stored {name}: it was run by an older server"),
                Some("submit the scenario again with \"cache\": false".into()),
            ),
        });
    };
    Ok((id, content))
}

fn attachment(content_type: &'static str, file: &str, body: Vec<u8>) -> Response {
    let safe: String = file
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&format!("attachment; filename=\"{safe}\""))
                    .unwrap_or(HeaderValue::from_static("attachment")),
            ),
        ],
        body,
    )
        .into_response()
}

/// `/api/runs/{id}/answer`: the report's question and answer of the run (question,
/// sentences, key-number cards), with the names, units and colours of the dataset's ids.
async fn run_answer(State(st): St, ApiPath(id): ApiPath<String>) -> ApiResult {
    blocking(move || {
        let (id, content) = run_artifact(&st, &id, ANSWER_JSON)?;
        let mut v: Value = serde_json::from_slice(&content)
            .map_err(|e| ApiError::Internal(format!("stored answer of run {id}: {e}")))?;
        v["run"] = json!(id);
        v["links"] = json!({
            "report": format!("/api/runs/{id}/report"),
            "xlsx": format!("/api/runs/{id}/xlsx"),
            "summary": format!("/api/runs/{id}/summary"),
        });
        Ok(Json(v).into_response())
    })
    .await
}

/// `/api/runs/{id}/report`: the run's HTML report (as `lodestone report` writes it), as a
/// download.
async fn run_report(State(st): St, ApiPath(id): ApiPath<String>) -> ApiResult {
    blocking(move || {
        let (id, html) = run_artifact(&st, &id, REPORT_HTML)?;
        let row = get_row(&st, id, Some("run"))?;
        let file = format!("{}-run-{id}.html", row.scenario);
        let mut resp = attachment("text/html; charset=utf-8", &file, html);
        // a download, not a page of this origin: its inline script never runs here
        resp.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("sandbox"),
        );
        Ok(resp)
    })
    .await
}

/// `/api/runs/{id}/xlsx`: the run's tables as an Excel workbook (a README sheet, then one
/// sheet per table of `/api/runs/{id}/csv/{table}`).
async fn run_xlsx(State(st): St, ApiPath(id): ApiPath<String>) -> ApiResult {
    blocking(move || {
        let id = parse_id(&id, "run")?;
        let (row, _) = finished_result(&st, id, "run")?;
        let mut tables = Vec::new();
        for def in lodestone_engine::tables::TABLES {
            if let Some(csv) = st.db.table(id, def.name)? {
                tables.push((def.name.to_string(), csv));
            }
        }
        if tables.is_empty() {
            return Err(ApiError::not_found(
                format!("run {id} was stored without its tables (by an older server)"),
                Some("submit the run again with \"cache\": false".into()),
            ));
        }
        let sources = st
            .catalog
            .dataset(&row.dataset)
            .map(|l| {
                l.dataset
                    .sources
                    .iter()
                    .map(|s| {
                        [
                            s.id.clone(),
                            s.kind.clone(),
                            s.citation.clone(),
                            s.url.clone(),
                        ]
                    })
                    .collect()
            })
            .unwrap_or_default();
        let about = crate::xlsx::About {
            title: format!("Lodestone run {id} of `{}`", row.scenario),
            facts: vec![
                ("scenario".into(), row.scenario.clone()),
                ("dataset".into(), row.dataset.clone()),
                ("run".into(), id.to_string()),
                ("lodestone".into(), env!("CARGO_PKG_VERSION").into()),
                (
                    "finished".into(),
                    row.finished_ms.map(rfc3339).unwrap_or_default(),
                ),
            ],
            sources,
        };
        let book = crate::xlsx::workbook(&tables, &about)
            .map_err(|e| ApiError::Internal(format!("cannot write the workbook: {e}")))?;
        Ok(attachment(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            &format!("{}-run-{id}.xlsx", row.scenario),
            book,
        ))
    })
    .await
}

/// `?a=&b=` of the comparison: two run ids.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CompareQuery {
    a: String,
    b: String,
}

/// One side of a comparison of stored runs (fields in the JSON's key order).
#[derive(Debug, Serialize)]
struct ComparedRun {
    balance_ok: Option<bool>,
    id: i64,
    scenario: String,
}

impl ComparedRun {
    fn of(r: JobRow) -> ComparedRun {
        ComparedRun {
            balance_ok: r.balance_ok,
            id: r.id,
            scenario: r.scenario,
        }
    }
}

/// `/api/compare`: the two runs, then the differences (`supplier`, `years`) of
/// [`lodestone_engine::compare`], every common year.
#[derive(Debug, Serialize)]
struct RunComparison {
    a: ComparedRun,
    b: ComparedRun,
    #[serde(flatten)]
    differences: Comparison,
}

async fn compare_runs(
    State(st): St,
    ApiQuery(q): ApiQuery<CompareQuery>,
) -> ApiResult<Json<RunComparison>> {
    blocking(move || {
        let (ia, ib) = (parse_id(&q.a, "run")?, parse_id(&q.b, "run")?);
        let (ra, ta) = finished_result(&st, ia, "run")?;
        let (rb, tb) = finished_result(&st, ib, "run")?;
        let parse = |id: i64, t: &str| {
            serde_json::from_str::<Value>(t)
                .map_err(|e| ApiError::Internal(format!("stored summary of run {id}: {e}")))
        };
        let (sa, sb) = (parse(ia, &ta)?, parse(ib, &tb)?);
        let years = compare::common_years(&sa, &sb);
        if years.is_empty() {
            return Err(ApiError::bad_request(
                format!("runs {ia} and {ib} have no year in common"),
                Some("compare scenarios whose horizons overlap"),
            ));
        }
        Ok(Json(RunComparison {
            a: ComparedRun::of(ra),
            b: ComparedRun::of(rb),
            differences: compare::compare(&sa, &sb, &years),
        }))
    })
    .await
}

// ---------------------------------------------------------------- ensembles

/// Largest accepted number of ensemble replicates.
pub const MAX_ENSEMBLE_RUNS: usize = 1000;

fn ensemble_work(
    loaded: Loaded,
    sc: Scenario,
    opts: lodestone_engine::ensemble::EnsembleOptions,
) -> Work {
    Box::new(move |p: &Progress| {
        p.set_total(opts.runs as u64);
        p.set_phase("replicates");
        let report = |done: usize| p.set_done(done as u64);
        let summary = lodestone_engine::ensemble::run_ensemble(
            &loaded.dataset,
            &sc,
            &opts,
            &report,
            &mut |_, _, _| {},
        )
        .map_err(|e| e.to_string())?;
        let result = serde_json::to_string(&summary)
            .map_err(|e| format!("cannot write the ensemble summary as JSON: {e}"))?;
        Ok(Output {
            result,
            balance_ok: Some(summary.unbalanced_runs == 0),
            ..Output::default()
        })
    })
}

async fn submit_ensemble(
    State(st): St,
    ApiJson(req): ApiJson<ScenarioRequest>,
) -> ApiResult<(StatusCode, HeaderMap, Json<Value>)> {
    blocking(move || {
        let runs = req.runs.unwrap_or(lodestone_engine::ensemble::DEFAULT_RUNS);
        if runs == 0 || runs > MAX_ENSEMBLE_RUNS {
            return Err(ApiError::bad_request(
                format!("`runs` must be between 1 and {MAX_ENSEMBLE_RUNS}"),
                None,
            ));
        }
        if req.threads == Some(0) {
            return Err(ApiError::bad_request(
                "`threads` must be at least 1",
                Some("leave it out to use the server's workers"),
            ));
        }
        let seed = req.seed.unwrap_or(lodestone_engine::ensemble::DEFAULT_SEED);
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let threads = req.threads.unwrap_or(st.workers).clamp(1, cores.max(1));
        let (sc, loaded) = resolve_request(&st, &req)?;
        // threads do not change the result, so they are not part of the key
        let options = json!({"runs": runs, "seed": seed});
        let mut request = req.echo();
        request["runs"] = json!(runs);
        request["seed"] = json!(seed);
        request["threads"] = json!(threads);
        let job = NewJob {
            kind: "ensemble".into(),
            scenario: sc.name.clone(),
            dataset: loaded.dataset.name.clone(),
            cache_key: resolve::cache_key("ensemble", &sc, &loaded, &options),
            request,
        };
        let opts = lodestone_engine::ensemble::EnsembleOptions {
            runs,
            seed,
            threads,
        };
        let warnings = warnings(&sc);
        let work = ensemble_work(loaded, sc, opts);
        submit(&st, job, req.cache.unwrap_or(true), (work, warnings))
    })
    .await
}

/// `/api/ensembles/{id}/fans`: the fan charts the report draws for the ensemble (10th,
/// 50th and 90th percentiles by year of its key metrics), titled and with units, and its
/// probability statements.
async fn ensemble_fans(State(st): St, ApiPath(id): ApiPath<String>) -> ApiResult<Json<Value>> {
    blocking(move || {
        let id = parse_id(&id, "ensemble")?;
        let (row, text) = finished_result(&st, id, "ensemble")?;
        let ens = lodestone_report::Ensemble::parse(&text)
            .map_err(|e| ApiError::Internal(format!("stored ensemble {id}: {e}")))?;
        let loaded = st.catalog.dataset(&row.dataset)?;
        let supplier = request_scenario(&row.request)
            .and_then(|sc| sc.metrics.supplier)
            .unwrap_or_else(|| "CN".into());
        let fans = lodestone_report::labels::fans(&ens, &loaded.dataset, &supplier, 8);
        Ok(Json(json!({
            "ensemble": id,
            "scenario": ens.scenario,
            "runs": ens.runs,
            "seed": ens.seed,
            "supplier": supplier,
            "fans": fans,
            "probabilities": ens.probabilities.iter()
                .map(|p| json!({"statement": p.statement, "probability": p.probability}))
                .collect::<Vec<_>>(),
        })))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_whole() {
        assert!(token_matches("s3cret", "s3cret"));
        assert!(!token_matches("s3cre", "s3cret"));
        assert!(!token_matches("s3cretX", "s3cret"));
        assert!(!token_matches("", "s3cret"));
    }

    #[test]
    fn blank_or_foreign_authorization_has_no_token() {
        let with = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::AUTHORIZATION, HeaderValue::from_str(v).unwrap());
            bearer(&h).map(str::to_string)
        };
        assert_eq!(with("Bearer s3cret").as_deref(), Some("s3cret"));
        assert_eq!(with("bearer  s3cret ").as_deref(), Some("s3cret"));
        for blank in [
            "Bearer",
            "Bearer ",
            "Bearer    ",
            "Bearer \t",
            "Basic czNjcmV0",
            "",
        ] {
            assert_eq!(with(blank), None, "{blank:?}");
        }
        assert_eq!(bearer(&HeaderMap::new()), None);
    }

    #[test]
    fn announced_lengths_are_read_from_the_header() {
        let mut h = HeaderMap::new();
        assert_eq!(announced_length(&h), None);
        h.insert(
            header::CONTENT_LENGTH,
            HeaderValue::from_static("1000000000000"),
        );
        assert_eq!(announced_length(&h), Some(1_000_000_000_000));
    }

    #[test]
    fn ids_are_positive_integers() {
        assert_eq!(parse_id("12", "run").unwrap(), 12);
        for bad in ["0", "-1", "x", "1.5", ""] {
            assert_eq!(parse_id(bad, "run").unwrap_err().status(), 400);
        }
    }
}
