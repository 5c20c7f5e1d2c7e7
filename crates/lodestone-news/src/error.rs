//! Typed errors of the news layer: located parse errors and store/index failures.

use std::fmt;

/// A malformed input document, located by file, line and (when known) column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// File label as given by the caller (usually the path).
    pub file: String,
    /// 1-based line number.
    pub line: usize,
    /// 1-based column, when the parser knows it.
    pub column: Option<usize>,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when there is an obvious fix.
    pub hint: Option<String>,
}

impl ParseError {
    /// A new error at `file:line`.
    pub fn new(file: &str, line: usize, message: impl Into<String>) -> Self {
        ParseError {
            file: file.to_string(),
            line,
            column: None,
            message: message.into(),
            hint: None,
        }
    }

    /// Adds a column.
    pub fn at_column(mut self, column: usize) -> Self {
        self.column = Some(column);
        self
    }

    /// Adds a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)?;
        if let Some(c) = self.column {
            write!(f, ":{c}")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(h) = &self.hint {
            write!(f, " (hint: {h})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ParseError {}

/// Errors of the news layer.
#[derive(Debug, thiserror::Error)]
pub enum NewsError {
    /// An input document is malformed; nothing was stored.
    #[error("{0}")]
    Parse(#[from] ParseError),
    /// The SQLite store failed.
    #[error("document store: {0}")]
    Store(#[from] rusqlite::Error),
    /// The search index failed.
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    /// A search query could not be parsed.
    #[error("search query: {0}")]
    Query(String),
    /// A file-system operation on the store directory failed.
    #[error("{path}: {source}")]
    Io {
        /// The path involved.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The store was written by an incompatible version.
    #[error("store schema version {found} is not supported (expected {expected})")]
    SchemaVersion {
        /// Version found in the store.
        found: i64,
        /// Version this build writes.
        expected: i64,
    },
    /// A stored row could not be decoded.
    #[error("corrupt stored document {id}: {message}")]
    Corrupt {
        /// Document id.
        id: String,
        /// What is wrong.
        message: String,
    },
    /// An invalid argument (bad date filter, empty query, ...).
    #[error("{0}")]
    Invalid(String),
}

impl From<crate::sqlite::SqliteError> for NewsError {
    fn from(e: crate::sqlite::SqliteError) -> Self {
        use crate::sqlite::SqliteError;
        match e {
            SqliteError::Io { path, source } => NewsError::Io { path, source },
            SqliteError::Sqlite(e) => NewsError::Store(e),
            SqliteError::SchemaVersion { found, expected } => NewsError::SchemaVersion {
                found: found.parse().unwrap_or(-1),
                expected,
            },
        }
    }
}
