//! The embedded document store: SQLite (documents, provenance, sightings) plus the tantivy index in `index/`, in a directory the caller gives. Ingest is transactional and deduplicated by content hash.

use crate::date::NewsDate;
use crate::document::{DocFormat, Document, Provenance};
use crate::error::NewsError;
use crate::index::SearchIndex;
pub use crate::index::{SearchHit, SearchQuery};
use crate::sqlite::{self, Schema};
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Version of the SQLite schema this build writes.
pub const SCHEMA_VERSION: i64 = 1;
/// File name of the SQLite database inside the store directory.
pub const DB_FILE: &str = "news.sqlite3";
/// Folder of the tantivy index inside the store directory.
pub const INDEX_DIR: &str = "index";

/// A short reference to a document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocRef {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Source.
    pub source: String,
    /// Date.
    pub date: Option<NewsDate>,
    /// Where it was read this time.
    pub provenance: Provenance,
}

impl DocRef {
    fn of(d: &Document) -> DocRef {
        DocRef {
            id: d.id.clone(),
            title: d.title.clone(),
            source: d.source.clone(),
            date: d.date,
            provenance: d.provenance.clone(),
        }
    }
}

/// What an ingest did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IngestReport {
    /// Documents stored for the first time.
    pub added: Vec<DocRef>,
    /// Documents already in the store (same content hash): not stored again.
    pub duplicates: Vec<DocRef>,
    /// Documents in the store after the ingest.
    pub total: usize,
}

/// The store: a directory with `news.sqlite3` and `index/`.
pub struct Store {
    dir: PathBuf,
    conn: Connection,
    index: SearchIndex,
}

const TABLES: &str = "
CREATE TABLE IF NOT EXISTS documents (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    hash TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    source TEXT NOT NULL,
    date TEXT,
    date_ord INTEGER,
    body TEXT NOT NULL,
    format TEXT NOT NULL,
    query TEXT,
    url TEXT,
    file TEXT NOT NULL,
    line INTEGER NOT NULL,
    position INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sightings (
    doc_id TEXT NOT NULL,
    file TEXT NOT NULL,
    line INTEGER NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (doc_id, file, line)
);
CREATE INDEX IF NOT EXISTS documents_date ON documents(date_ord);
";

fn row_to_doc(r: &rusqlite::Row<'_>) -> rusqlite::Result<(Document, Option<String>, String)> {
    let id: String = r.get(0)?;
    let date: Option<String> = r.get(5)?;
    let format: String = r.get(7)?;
    let doc = Document {
        id,
        hash: r.get(1)?,
        title: r.get(2)?,
        source: r.get(3)?,
        date: None,
        body: r.get(6)?,
        format: DocFormat::PlainText,
        query: r.get(8)?,
        url: r.get(9)?,
        provenance: Provenance {
            file: r.get(10)?,
            line: r.get::<_, i64>(11)? as usize,
            position: r.get::<_, i64>(12)? as usize,
        },
    };
    let _ = r.get::<_, Option<i64>>(4)?;
    Ok((doc, date, format))
}

const SELECT: &str = "SELECT id, hash, title, source, date_ord, date, body, format, query, url, file, line, position FROM documents";

impl Store {
    /// Opens (or creates) the store in `dir`. If the index disagrees with the database
    /// (an interrupted ingest, a deleted index folder), the index is rebuilt from the database.
    pub fn open(dir: &Path) -> Result<Store, NewsError> {
        let conn = sqlite::open(
            dir,
            DB_FILE,
            &Schema {
                pragmas: "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
                tables: TABLES,
                version: SCHEMA_VERSION,
            },
        )?;
        let index = SearchIndex::open(&dir.join(INDEX_DIR))?;
        let store = Store {
            dir: dir.to_path_buf(),
            conn,
            index,
        };
        if store.index.num_docs() != store.count()? as u64 {
            store.rebuild_index()?;
        }
        Ok(store)
    }

    /// The store directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Number of stored documents.
    pub fn count(&self) -> Result<usize, NewsError> {
        Ok(self
            .conn
            .query_row("SELECT COUNT(*) FROM documents", [], |r| r.get::<_, i64>(0))?
            as usize)
    }

    /// Rebuilds the search index from the database.
    pub fn rebuild_index(&self) -> Result<(), NewsError> {
        let docs = self.documents()?;
        self.index.rebuild(docs.iter())
    }

    /// Stores documents. All or nothing: on any error neither the database nor the index change.
    /// Documents whose content hash is already stored (or repeated in `docs`) are reported as duplicates.
    pub fn ingest(&mut self, docs: Vec<Document>) -> Result<IngestReport, NewsError> {
        let mut report = IngestReport::default();
        let tx = self.conn.transaction()?;
        let mut new_docs: Vec<Document> = Vec::new();
        {
            let mut exists = tx.prepare_cached("SELECT 1 FROM documents WHERE hash = ?1")?;
            let mut insert = tx.prepare_cached(
                "INSERT INTO documents (id, hash, title, source, date, date_ord, body, format, query, url, file, line, position)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )?;
            let mut sight = tx.prepare_cached("INSERT OR IGNORE INTO sightings (doc_id, file, line, position) VALUES (?1, ?2, ?3, ?4)")?;
            let mut batch: HashSet<String> = HashSet::new();
            for d in docs {
                sight.execute(params![
                    d.id,
                    d.provenance.file,
                    d.provenance.line as i64,
                    d.provenance.position as i64
                ])?;
                if batch.contains(&d.hash) || exists.exists([&d.hash])? {
                    report.duplicates.push(DocRef::of(&d));
                    continue;
                }
                insert.execute(params![
                    d.id,
                    d.hash,
                    d.title,
                    d.source,
                    d.date.map(|x| x.to_string()),
                    d.date.map(|x| x.ordinal() as i64),
                    d.body,
                    d.format.as_str(),
                    d.query,
                    d.url,
                    d.provenance.file,
                    d.provenance.line as i64,
                    d.provenance.position as i64
                ])?;
                batch.insert(d.hash.clone());
                report.added.push(DocRef::of(&d));
                new_docs.push(d);
            }
        }
        if !new_docs.is_empty() {
            let w = self.index.writer()?;
            for d in &new_docs {
                self.index.add(&w, d)?;
            }
            // If the index commit fails, the transaction is dropped (rolled back) on return.
            self.index.commit(w)?;
        }
        tx.commit()?;
        report.total = self.count()?;
        Ok(report)
    }

    /// All documents, newest first (undated last), then in ingest order.
    pub fn documents(&self) -> Result<Vec<Document>, NewsError> {
        let mut stmt = self.conn.prepare(&format!(
            "{SELECT} ORDER BY date_ord IS NULL, date_ord DESC, date DESC, seq"
        ))?;
        let rows = stmt.query_map([], row_to_doc)?;
        rows.map(|r| finish_row(r?)).collect()
    }

    /// A document by id or unique id prefix.
    pub fn get(&self, id: &str) -> Result<Option<Document>, NewsError> {
        let mut stmt = self.conn.prepare(&format!(
            "{SELECT} WHERE id LIKE ?1 || '%' ORDER BY seq LIMIT 2"
        ))?;
        let rows: Vec<_> = stmt
            .query_map([id], row_to_doc)?
            .collect::<Result<_, _>>()?;
        match rows.len() {
            1 => Ok(Some(finish_row(rows.into_iter().next().unwrap())?)),
            0 => Ok(None),
            _ => Err(NewsError::Invalid(format!(
                "document id prefix {id:?} is ambiguous"
            ))),
        }
    }

    /// Every place a document was seen (first sighting first).
    pub fn sightings(&self, id: &str) -> Result<Vec<Provenance>, NewsError> {
        let mut stmt = self.conn.prepare(
            "SELECT file, line, position FROM sightings WHERE doc_id = ?1 ORDER BY rowid",
        )?;
        let rows = stmt.query_map([id], |r| {
            Ok(Provenance {
                file: r.get(0)?,
                line: r.get::<_, i64>(1)? as usize,
                position: r.get::<_, i64>(2)? as usize,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Full-text search.
    pub fn search(&self, q: &SearchQuery) -> Result<Vec<SearchHit>, NewsError> {
        self.index.search(q)
    }
}

fn finish_row(
    (mut doc, date, format): (Document, Option<String>, String),
) -> Result<Document, NewsError> {
    doc.format = DocFormat::from_name(&format).ok_or_else(|| NewsError::Corrupt {
        id: doc.id.clone(),
        message: format!("unknown format {format:?}"),
    })?;
    doc.date = match date {
        None => None,
        Some(d) => Some(NewsDate::parse(&d).ok_or_else(|| NewsError::Corrupt {
            id: doc.id.clone(),
            message: format!("bad date {d:?}"),
        })?),
    };
    Ok(doc)
}
