//! Typed errors: [`ApiError`] is what a request gets back (a status and a JSON body),
//! [`ServerError`] is why the server could not start.
//!
//! Every error body has the same shape:
//! `{"error": "...", "code": "bad_request", "hint": "..." | null, "diagnostics": [...]}`;
//! `diagnostics` (located, coded problems of a scenario or dataset) is present only on 422.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use lodestone_model::Diagnostics;
use serde_json::json;
use std::net::SocketAddr;

/// An error returned to an HTTP client.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is malformed (bad JSON, bad parameter): 400.
    #[error("{message}")]
    BadRequest {
        /// What is wrong.
        message: String,
        /// How to fix it.
        hint: Option<String>,
    },
    /// A write or a job was requested without the right token: 401.
    #[error("this server requires a token for requests that write or start work")]
    Unauthorized,
    /// No such scenario, dataset, run, job or route: 404.
    #[error("{message}")]
    NotFound {
        /// What was not found.
        message: String,
        /// Close names, or where to look.
        hint: Option<String>,
    },
    /// The resource exists but is not in a state that allows the request (a run not
    /// finished yet): 409.
    #[error("{0}")]
    Conflict(String),
    /// The request took longer than the server's time limit: 408.
    #[error("the request took longer than {0} s")]
    Timeout(u64),
    /// The body is larger than the server's limit: 413.
    #[error("the request body is larger than the limit of {0} bytes")]
    TooLarge(usize),
    /// The body is not JSON (`Content-Type: application/json` missing): 415.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// A scenario or dataset does not validate: 422, with every located problem.
    #[error("{message}")]
    Invalid {
        /// Summary.
        message: String,
        /// Every problem, located (file, line, column), with a code and a hint.
        diagnostics: Diagnostics,
    },
    /// Too many jobs waiting: 429.
    #[error("{0} jobs are already waiting; try again when some have finished")]
    Busy(usize),
    /// A failure of the server itself (store, I/O): 500.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// A 400 with a hint.
    pub fn bad_request(message: impl Into<String>, hint: Option<&str>) -> ApiError {
        ApiError::BadRequest {
            message: message.into(),
            hint: hint.map(str::to_string),
        }
    }

    /// A 404 with an optional hint.
    pub fn not_found(message: impl Into<String>, hint: Option<String>) -> ApiError {
        ApiError::NotFound {
            message: message.into(),
            hint,
        }
    }

    /// A 422 from diagnostics.
    pub fn invalid(diagnostics: Diagnostics) -> ApiError {
        let n = diagnostics.len();
        ApiError::Invalid {
            message: format!(
                "{n} problem{} found{}",
                if n == 1 { "" } else { "s" },
                diagnostics
                    .iter()
                    .next()
                    .map(|d| format!("; first: {d}"))
                    .unwrap_or_default()
            ),
            diagnostics,
        }
    }

    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::NotFound { .. } => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Timeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Busy(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A stable, machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest { .. } => "bad_request",
            ApiError::Unauthorized => "unauthorized",
            ApiError::NotFound { .. } => "not_found",
            ApiError::Conflict(_) => "conflict",
            ApiError::Timeout(_) => "timeout",
            ApiError::TooLarge(_) => "too_large",
            ApiError::UnsupportedMediaType(_) => "unsupported_media_type",
            ApiError::Invalid { .. } => "invalid",
            ApiError::Busy(_) => "busy",
            ApiError::Internal(_) => "internal",
        }
    }

    fn hint(&self) -> Option<String> {
        match self {
            ApiError::BadRequest { hint, .. } | ApiError::NotFound { hint, .. } => hint.clone(),
            ApiError::Unauthorized => Some(
                "send the header `Authorization: Bearer <token>` with the token the server was started with (--token or LODESTONE_TOKEN)".into(),
            ),
            ApiError::TooLarge(_) => Some("send a smaller scenario".into()),
            ApiError::UnsupportedMediaType(_) => {
                Some("send the header `Content-Type: application/json`".into())
            }
            _ => None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut body = json!({
            "error": self.to_string(),
            "code": self.code(),
            "hint": self.hint(),
        });
        if let ApiError::Invalid { diagnostics, .. } = &self {
            body["diagnostics"] = serde_json::to_value(diagnostics).unwrap_or_default();
        }
        let mut resp = (status, axum::Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        resp
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        ApiError::Internal(format!("run store: {e}"))
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// A non-loopback address without a token.
    #[error(
        "refusing to listen on {0} without a token: requests that write or start work would be open to the network\n  hint: pass --token T (or set LODESTONE_TOKEN), or listen on 127.0.0.1"
    )]
    TokenRequired(SocketAddr),
    /// The token cannot be used (blank, spaces, control characters): see
    /// [`crate::check_token`].
    #[error(
        "refusing the token: {0}\n  hint: a token is 1 to 1024 visible ASCII characters without spaces, e.g. the output of `openssl rand -hex 32`"
    )]
    BadToken(String),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// Address.
        addr: SocketAddr,
        /// Cause.
        source: std::io::Error,
    },
    /// The `--data` folder is not a valid dataset.
    #[error("{0}")]
    Dataset(String),
    /// The store directory or database could not be opened.
    #[error("run store in {dir}: {message}")]
    Store {
        /// Store directory.
        dir: String,
        /// Cause.
        message: String,
    },
    /// The async runtime could not be started.
    #[error("cannot start the runtime: {0}")]
    Runtime(std::io::Error),
    /// The server stopped with an I/O error.
    #[error("server: {0}")]
    Io(std::io::Error),
}
