//! Opening a versioned SQLite database in a directory: create the directory, apply the
//! caller's pragmas and schema, and check (or record) the schema version in a `meta` table.
//!
//! Shared by the news store ([`crate::store`]) and the server's run store, so both keep
//! their version the same way and refuse a database written by an incompatible build.

use rusqlite::{Connection, OptionalExtension};
use std::path::Path;

/// Table of `key → value` settings, holding `schema_version`; created by [`open`].
const META: &str = "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);";

/// What a database needs set up each time it is opened.
#[derive(Debug, Clone, Copy)]
pub struct Schema<'a> {
    /// Pragmas (and other per-connection settings), run first.
    pub pragmas: &'a str,
    /// Idempotent DDL (`CREATE TABLE IF NOT EXISTS …`), run after the `meta` table exists.
    pub tables: &'a str,
    /// Version of the schema this build writes.
    pub version: i64,
}

/// Why a database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum SqliteError {
    /// The directory could not be created.
    #[error("cannot create {path}: {source}")]
    Io {
        /// The directory.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// SQLite failed.
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The database was written by a build with another schema version.
    #[error("store schema version {found} is not supported (this build writes {expected})")]
    SchemaVersion {
        /// Version found in the database, as stored.
        found: String,
        /// Version this build writes.
        expected: i64,
    },
}

/// Opens (or creates) `dir/file`, creating `dir` if needed, and sets it up with `schema`:
/// pragmas, the `meta` table, the tables; then records the schema version in a new
/// database, or checks it in an existing one.
pub fn open(dir: &Path, file: &str, schema: &Schema<'_>) -> Result<Connection, SqliteError> {
    std::fs::create_dir_all(dir).map_err(|e| SqliteError::Io {
        path: dir.display().to_string(),
        source: e,
    })?;
    let conn = Connection::open(dir.join(file))?;
    conn.execute_batch(schema.pragmas)?;
    conn.execute_batch(META)?;
    conn.execute_batch(schema.tables)?;
    let version: Option<String> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    match version {
        None => {
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('schema_version', ?1)",
                [schema.version.to_string()],
            )?;
        }
        Some(v) if v.parse::<i64>().ok() == Some(schema.version) => {}
        Some(found) => {
            return Err(SqliteError::SchemaVersion {
                found,
                expected: schema.version,
            });
        }
    }
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: Schema<'static> = Schema {
        pragmas: "PRAGMA synchronous = NORMAL;",
        tables: "CREATE TABLE IF NOT EXISTS t (x INTEGER);",
        version: 3,
    };

    #[test]
    fn creates_the_directory_records_and_checks_the_version() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("a/b");
        {
            let c = open(&sub, "x.sqlite3", &SCHEMA).unwrap();
            c.execute("INSERT INTO t (x) VALUES (1)", []).unwrap();
        }
        // reopening keeps the data
        let c = open(&sub, "x.sqlite3", &SCHEMA).unwrap();
        let n: i64 = c
            .query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1);
        drop(c);
        // another build's version is refused, with both versions in the message
        let newer = Schema {
            version: 4,
            ..SCHEMA
        };
        let e = open(&sub, "x.sqlite3", &newer).unwrap_err();
        assert!(
            matches!(&e, SqliteError::SchemaVersion { found, expected: 4 } if found == "3"),
            "{e}"
        );
        assert_eq!(
            e.to_string(),
            "store schema version 3 is not supported (this build writes 4)"
        );
    }

    #[test]
    fn a_file_in_the_way_of_the_directory_is_an_io_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, "").unwrap();
        let e = open(&file, "x.sqlite3", &SCHEMA).unwrap_err();
        assert!(matches!(e, SqliteError::Io { .. }), "{e}");
    }
}
