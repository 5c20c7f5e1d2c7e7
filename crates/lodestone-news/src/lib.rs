//! Lodestone's news and claims layer: ingest reports (seed search pages, text, Markdown, HTML,
//! JSON Lines), search them in Chinese and English, extract quantitative claims with provenance,
//! check them against the dataset and against each other, and turn announced projects and
//! policies into scenario event proposals for review.
//!
//! # Code map
//! - [`parse`]: text → [`Document`]s with provenance (file, line, position) or a located [`ParseError`].
//! - [`document`]: documents, content hash (the dedupe key), passages (title, core viewpoint, group bullets).
//! - [`gazetteer`]: entities (country, region, company, facility, element, material) with English and
//!   Chinese names; built-in aliases merged with dataset entries ([`Gazetteer::merged`]).
//! - [`extract`]: sentences → dates, quantities, entity mentions with roles → [`Claim`]s.
//! - [`quantity`]: units, qualifiers, normalisation (fraction, t, USD, months) and the dated FX table.
//! - [`check`]: claims grouped by (subject, partner, material, metric, time); conflicts between
//!   documents; verdicts against [`ReferenceFact`]s.
//! - [`propose`](mod@propose): claims → `[[events]]` TOML with provenance comments; never applied.
//! - [`store`] and [`index`]: SQLite + tantivy (jieba tokenizer) in a directory the caller gives;
//!   [`sqlite`]: opening a versioned SQLite database (shared with the server's run store).
//! - [`datasets`]: a [`Context`] from Lodestone datasets (entities, observations as facts).
//! - [`render`]: terminal tables. [`synthetic`]: deterministic documents for benchmarks.
//!
//! # Invariants
//! - The core is pure: [`parse`], [`extract`], [`check`] and [`propose`](mod@propose) take strings and values;
//!   only [`store::Store`] (through [`sqlite`]) touches the file system, and only inside the
//!   directory it is given.
//! - Ingest is all or nothing, and a document is stored once per content hash.
//! - No per-document rules: extraction is driven by keyword tables, the gazetteer and grammar
//!   cues (prepositions, possessives, coordination), tested on pages the tests write themselves.
//! - No network and no clock: exchange rates are a fixed, dated table with sources.

pub mod check;
pub mod claim;
pub mod context;
pub mod datasets;
pub mod date;
pub mod document;
pub mod error;
pub mod extract;
pub mod files;
pub mod gazetteer;
pub mod index;
pub mod parse;
pub mod propose;
pub mod quantity;
pub mod render;
pub mod sqlite;
pub mod store;
pub mod synthetic;

pub use check::{CheckReport, CheckSettings, Verdict, check_claims};
pub use claim::{Claim, EntityRef, Metric};
pub use context::{Context, FactValue, ReferenceFact};
pub use date::{NewsDate, Period, YearMonth};
pub use document::{DocFormat, Document, Provenance};
pub use error::{NewsError, ParseError};
pub use extract::extract_claims;
pub use gazetteer::{Entity, EntityKind, Gazetteer};
pub use parse::{detect_format, parse_documents};
pub use propose::{ProposalSet, propose};
pub use store::{IngestReport, SearchHit, SearchQuery, Store};
