//! The dashboard: one self-contained HTML page (inline CSS and vanilla JavaScript drawing
//! SVG charts from the API's JSON; no CDN, no build step), compiled into the binary.
//!
//! Stable ids for tests and scripts: `#scenario-select`, `#scenario-text`, `#run-button`,
//! `#job-progress`, `#chart-shares`, `#chart-prices`, `#chart-shortfall`,
//! `#compare-a`, `#compare-b`, `#compare-button`, `#chart-compare`, `#compare-table`,
//! `#sources-table`, `#news-status`; every drawn series has the class `series`.

/// The page served at `/`.
pub const PAGE: &str = include_str!("dashboard.html");
