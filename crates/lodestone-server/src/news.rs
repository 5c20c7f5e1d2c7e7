//! News endpoints over the `lodestone_news` store in the store directory (the folder that
//! `lodestone news ingest --store DIR` writes): status, documents, search and claims (each
//! with its verdict against the dataset, as `lodestone news check` gives it).
//!
//! The store is opened on first use and kept; its search index follows ingests made by
//! the command line while the server runs. Claims use the context the server was given
//! ([`crate::Config::news_context`]), else the news layer's built-in gazetteer.

use crate::api::{ApiQuery, AppState};
use crate::error::ApiError;
use axum::Json;
use axum::extract::State;
use lodestone_news::{NewsDate, NewsError, SearchQuery, Store};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

type St = State<Arc<AppState>>;

/// Largest `limit` of a news request.
const MAX_LIMIT: usize = 500;

fn news_error(e: NewsError) -> ApiError {
    match e {
        NewsError::Query(m) | NewsError::Invalid(m) => ApiError::bad_request(m, None),
        other => ApiError::Internal(format!("news store: {other}")),
    }
}

/// Runs `f` on the (lazily opened) news store, off the async threads.
async fn with_store<T: Send + 'static>(
    st: Arc<AppState>,
    f: impl FnOnce(&Store, &AppState) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(move || {
        let mut guard = st.news.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            *guard = Some(Store::open(&st.store_dir).map_err(news_error)?);
        }
        let store = guard.as_ref().expect("opened above");
        f(store, &st)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("a blocking task failed: {e}")))?
}

fn empty_hint(st: &AppState) -> String {
    format!(
        "the news store in {} is empty; add reports with `lodestone news ingest --store {} FILES`",
        st.store_dir.display(),
        st.store_dir.display()
    )
}

/// `GET /api/news`: where the store is and how many documents it holds.
pub async fn status(State(st): St) -> Result<Json<Value>, ApiError> {
    with_store(st, |store, st| {
        let n = store.count().map_err(news_error)?;
        Ok(Json(json!({
            "store": st.store_dir.display().to_string(),
            "documents": n,
            "empty": n == 0,
            "hint": (n == 0).then(|| empty_hint(st)),
        })))
    })
    .await
}

/// `?limit=` of the document list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentsQuery {
    limit: Option<usize>,
}

/// `GET /api/news/documents`: stored documents, newest first (without bodies).
pub async fn documents(
    State(st): St,
    ApiQuery(q): ApiQuery<DocumentsQuery>,
) -> Result<Json<Value>, ApiError> {
    let limit = q.limit.unwrap_or(100).clamp(1, MAX_LIMIT);
    with_store(st, move |store, _| {
        let docs = store.documents().map_err(news_error)?;
        let total = docs.len();
        let rows: Vec<Value> = docs
            .iter()
            .take(limit)
            .map(|d| {
                json!({"id": d.id, "title": d.title, "source": d.source,
                       "date": d.date.map(|x| x.to_string()), "url": d.url,
                       "format": d.format, "provenance": d.provenance})
            })
            .collect();
        Ok(Json(json!({"total": total, "documents": rows})))
    })
    .await
}

/// Parameters of a search.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    q: Option<String>,
    since: Option<String>,
    source: Option<String>,
    limit: Option<usize>,
}

/// `GET /api/news/search?q=…`: ranked hits with highlighted snippets.
pub async fn search(
    State(st): St,
    ApiQuery(p): ApiQuery<SearchParams>,
) -> Result<Json<Value>, ApiError> {
    let text = p.q.unwrap_or_default();
    if text.trim().is_empty() {
        return Err(ApiError::bad_request(
            "`q` (the search words) is required",
            Some("e.g. /api/news/search?q=rare+earth+magnets"),
        ));
    }
    if text.len() > 1000 {
        return Err(ApiError::bad_request("`q` is longer than 1000 bytes", None));
    }
    let since = match p.since.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(NewsDate::parse(s).ok_or_else(|| {
            ApiError::bad_request(
                format!("`since` = {s:?} is not a date"),
                Some("use YYYY-MM-DD or YYYY-MM"),
            )
        })?),
    };
    let query = SearchQuery {
        text: text.clone(),
        since,
        source: p.source.filter(|s| !s.is_empty()),
        limit: p.limit.unwrap_or(20).clamp(1, MAX_LIMIT),
    };
    with_store(st, move |store, _| {
        let hits = store.search(&query).map_err(news_error)?;
        Ok(Json(json!({"query": text, "hits": hits})))
    })
    .await
}

/// Parameters of the claims list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimsParams {
    doc: Option<String>,
    limit: Option<usize>,
}

/// `GET /api/news/claims`: the quantitative claims of the stored documents (or of one).
pub async fn claims(
    State(st): St,
    ApiQuery(p): ApiQuery<ClaimsParams>,
) -> Result<Json<Value>, ApiError> {
    let limit = p.limit.unwrap_or(200).clamp(1, MAX_LIMIT * 4);
    with_store(st, move |store, st| {
        let docs = match p.doc.as_deref().filter(|d| !d.is_empty()) {
            Some(id) => vec![store.get(id).map_err(news_error)?.ok_or_else(|| {
                ApiError::not_found(format!("no stored document with id {id:?}"), None)
            })?],
            None => store.documents().map_err(news_error)?,
        };
        let ctx = st
            .news_context
            .get_or_init(lodestone_news::Context::builtin);
        let mut out = Vec::new();
        let mut truncated = false;
        for d in &docs {
            for c in lodestone_news::extract_claims(d, &ctx.gazetteer) {
                if out.len() == limit {
                    truncated = true;
                    break;
                }
                out.push(c);
            }
            if truncated {
                break;
            }
        }
        // each claim's verdict against the dataset (`lodestone news check`)
        let settings = lodestone_news::CheckSettings::default();
        let checked = lodestone_news::check_claims(&out, ctx, &settings);
        let verdicts: std::collections::HashMap<&str, &lodestone_news::check::ClaimCheck> = checked
            .groups
            .iter()
            .flat_map(|g| &g.claims)
            .map(|c| (c.claim.id.as_str(), c))
            .collect();
        let claims: Vec<Value> = out
            .iter()
            .map(|c| {
                let mut v = serde_json::to_value(c).unwrap_or_default();
                if let Some(k) = verdicts.get(c.id.as_str()) {
                    v["verdict"] = json!(k.verdict.as_str());
                    v["reason"] = json!(k.reason);
                    v["evidence"] =
                        json!(k.evidence.iter().map(|e| &e.comparison).collect::<Vec<_>>());
                }
                v
            })
            .collect();
        Ok(Json(json!({
            "documents": docs.len(),
            "claims": claims,
            "verdicts": {
                "supported": checked.summary.supported,
                "contradicted": checked.summary.contradicted,
                "unverifiable": checked.summary.unverifiable,
            },
            "tolerances": settings.describe(),
            "truncated": truncated,
            "hint": docs.is_empty().then(|| empty_hint(st)),
        })))
    })
    .await
}
