//! The run store: one SQLite file (`lodestone-server.sqlite3`) in the store directory with
//! every job (a run or an ensemble), its state, progress at the end and its result JSON,
//! and what a finished job made beside its result (`artifacts`: a run's report page, its
//! answer and its tables as the CSV text `run --out` writes).
//!
//! A job is written when it is queued, when it starts and when it ends, each in its own
//! statement, so a restart loses nothing finished. Jobs found `queued` or `running` when
//! the store is opened were cut off by a stop; they are marked `failed` with a message
//! saying so (their request is kept, so they can be submitted again).

use lodestone_news::sqlite::{self, Schema, SqliteError};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// File name of the database inside the store directory (beside the news store's files).
pub const DB_FILE: &str = "lodestone-server.sqlite3";
/// Version of the schema this build writes.
pub const SCHEMA_VERSION: i64 = 1;

/// Message of jobs cut off by a stop.
pub const INTERRUPTED: &str =
    "interrupted: the server stopped before this job finished; submit it again";

const TABLES: &str = "
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    scenario TEXT NOT NULL,
    dataset TEXT NOT NULL,
    cache_key TEXT NOT NULL,
    request TEXT NOT NULL,
    progress_done INTEGER NOT NULL DEFAULT 0,
    progress_total INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    result TEXT,
    balance_ok INTEGER,
    elapsed_s REAL,
    created_ms INTEGER NOT NULL,
    started_ms INTEGER,
    finished_ms INTEGER
);
CREATE INDEX IF NOT EXISTS jobs_key ON jobs(cache_key, state);
CREATE INDEX IF NOT EXISTS jobs_kind ON jobs(kind, id);
CREATE TABLE IF NOT EXISTS artifacts (
    job_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    content BLOB NOT NULL,
    PRIMARY KEY (job_id, name)
);
";

/// State of a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    /// Waiting for a worker.
    Queued,
    /// A worker is on it.
    Running,
    /// Finished; its result is stored.
    Done,
    /// Finished with an error (or cut off by a stop).
    Failed,
}

impl JobState {
    /// Name as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
        }
    }

    fn parse(s: &str) -> JobState {
        match s {
            "queued" => JobState::Queued,
            "running" => JobState::Running,
            "done" => JobState::Done,
            _ => JobState::Failed,
        }
    }

    /// Whether the job has ended (done or failed).
    pub fn is_final(self) -> bool {
        matches!(self, JobState::Done | JobState::Failed)
    }
}

/// What is recorded about a job when it is submitted.
#[derive(Debug, Clone)]
pub struct NewJob {
    /// `run` or `ensemble`.
    pub kind: String,
    /// Scenario name.
    pub scenario: String,
    /// Dataset name.
    pub dataset: String,
    /// Hash of everything the result depends on (dataset files, resolved scenario, options).
    pub cache_key: String,
    /// The request as received (JSON), so the job can be understood and submitted again.
    pub request: serde_json::Value,
}

/// A stored job, without its result.
#[derive(Debug, Clone, Serialize)]
pub struct JobRow {
    /// Id.
    pub id: i64,
    /// `run` or `ensemble`.
    pub kind: String,
    /// State.
    pub state: JobState,
    /// Scenario name.
    pub scenario: String,
    /// Dataset name.
    pub dataset: String,
    /// Progress units done (as last stored; live progress is overlaid by the runner).
    pub progress_done: u64,
    /// Progress units in all.
    pub progress_total: u64,
    /// Why it failed.
    pub error: Option<String>,
    /// Whether mass balance held (runs).
    pub balance_ok: Option<bool>,
    /// Wall time of the job, seconds.
    pub elapsed_s: Option<f64>,
    /// Submitted, Unix milliseconds.
    pub created_ms: i64,
    /// Started, Unix milliseconds.
    pub started_ms: Option<i64>,
    /// Ended, Unix milliseconds.
    pub finished_ms: Option<i64>,
    /// Whether a result is stored.
    pub has_result: bool,
    /// The request as received.
    pub request: serde_json::Value,
}

/// The SQLite store (one connection behind a mutex: every statement is short).
pub struct Db {
    conn: Mutex<Connection>,
    path: PathBuf,
}

/// Current time, Unix milliseconds.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

const COLUMNS: &str = "id, kind, state, scenario, dataset, progress_done, progress_total, error, \
     balance_ok, elapsed_s, created_ms, started_ms, finished_ms, result IS NOT NULL, request";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<JobRow> {
    let state: String = r.get(2)?;
    let request: String = r.get(14)?;
    Ok(JobRow {
        id: r.get(0)?,
        kind: r.get(1)?,
        state: JobState::parse(&state),
        scenario: r.get(3)?,
        dataset: r.get(4)?,
        progress_done: r.get::<_, i64>(5)?.max(0) as u64,
        progress_total: r.get::<_, i64>(6)?.max(0) as u64,
        error: r.get(7)?,
        balance_ok: r.get::<_, Option<i64>>(8)?.map(|b| b != 0),
        elapsed_s: r.get(9)?,
        created_ms: r.get(10)?,
        started_ms: r.get(11)?,
        finished_ms: r.get(12)?,
        has_result: r.get(13)?,
        request: serde_json::from_str(&request).unwrap_or(serde_json::Value::Null),
    })
}

impl Db {
    /// Opens (or creates) the store in `dir` and marks jobs cut off by a stop as failed.
    pub fn open(dir: &Path) -> Result<Db, SqliteError> {
        let conn = sqlite::open(
            dir,
            DB_FILE,
            &Schema {
                // wait up to 5 s for a lock (as `Connection::busy_timeout`), before WAL
                pragmas: "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;",
                tables: TABLES,
                version: SCHEMA_VERSION,
            },
        )?;
        let path = dir.join(DB_FILE);
        conn.execute(
            "UPDATE jobs SET state = 'failed', error = ?1, finished_ms = ?2
             WHERE state IN ('queued', 'running')",
            params![INTERRUPTED, now_ms()],
        )?;
        Ok(Db {
            conn: Mutex::new(conn),
            path,
        })
    }

    /// Path of the database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent: keep going.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records a new queued job; returns its id.
    pub fn insert(&self, job: &NewJob) -> rusqlite::Result<i64> {
        let c = self.conn();
        c.execute(
            "INSERT INTO jobs (kind, state, scenario, dataset, cache_key, request, created_ms)
             VALUES (?1, 'queued', ?2, ?3, ?4, ?5, ?6)",
            params![
                job.kind,
                job.scenario,
                job.dataset,
                job.cache_key,
                job.request.to_string(),
                now_ms()
            ],
        )?;
        Ok(c.last_insert_rowid())
    }

    /// Marks a job running.
    pub fn start(&self, id: i64) -> rusqlite::Result<()> {
        self.conn().execute(
            "UPDATE jobs SET state = 'running', started_ms = ?2 WHERE id = ?1",
            params![id, now_ms()],
        )?;
        Ok(())
    }

    /// Stores a job's result and marks it done.
    pub fn finish_ok(
        &self,
        id: i64,
        out: &crate::jobs::Output,
        progress: (u64, u64),
        elapsed_s: f64,
    ) -> rusqlite::Result<()> {
        let (result, balance_ok) = (&out.result, out.balance_ok);
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for (name, content) in &out.artifacts {
            tx.execute(
                "INSERT OR REPLACE INTO artifacts (job_id, name, content) VALUES (?1, ?2, ?3)",
                params![id, name, content],
            )?;
        }
        tx.execute(
            "UPDATE jobs SET state = 'done', result = ?2, balance_ok = ?3, progress_done = ?4,
             progress_total = ?5, elapsed_s = ?6, finished_ms = ?7, error = NULL WHERE id = ?1",
            params![
                id,
                result,
                balance_ok.map(i64::from),
                progress.0 as i64,
                progress.1 as i64,
                elapsed_s,
                now_ms()
            ],
        )?;
        tx.commit()
    }

    /// The stored CSV text of table `name` of job `id` (the artifact
    /// `crate::tables::artifact_name(name)`), if stored.
    pub fn table(&self, id: i64, name: &str) -> rusqlite::Result<Option<String>> {
        Ok(self
            .artifact(id, &crate::tables::artifact_name(name))?
            .map(|b| String::from_utf8_lossy(&b).into_owned()))
    }

    /// A stored file of a job, if it has one of that name.
    pub fn artifact(&self, id: i64, name: &str) -> rusqlite::Result<Option<Vec<u8>>> {
        self.conn()
            .query_row(
                "SELECT content FROM artifacts WHERE job_id = ?1 AND name = ?2",
                params![id, name],
                |r| r.get::<_, Vec<u8>>(0),
            )
            .optional()
    }

    /// Marks a job failed.
    pub fn finish_err(
        &self,
        id: i64,
        error: &str,
        progress: (u64, u64),
        elapsed_s: f64,
    ) -> rusqlite::Result<()> {
        self.conn().execute(
            "UPDATE jobs SET state = 'failed', error = ?2, progress_done = ?3, progress_total = ?4,
             elapsed_s = ?5, finished_ms = ?6 WHERE id = ?1",
            params![
                id,
                error,
                progress.0 as i64,
                progress.1 as i64,
                elapsed_s,
                now_ms()
            ],
        )?;
        Ok(())
    }

    /// A job by id.
    pub fn get(&self, id: i64) -> rusqlite::Result<Option<JobRow>> {
        self.conn()
            .query_row(
                &format!("SELECT {COLUMNS} FROM jobs WHERE id = ?1"),
                [id],
                row,
            )
            .optional()
    }

    /// A job's stored result (JSON text), if any.
    pub fn result(&self, id: i64) -> rusqlite::Result<Option<String>> {
        Ok(self
            .conn()
            .query_row("SELECT result FROM jobs WHERE id = ?1", [id], |r| {
                r.get::<_, Option<String>>(0)
            })
            .optional()?
            .flatten())
    }

    /// The newest jobs first, optionally of one kind.
    pub fn list(&self, kind: Option<&str>, limit: usize) -> rusqlite::Result<Vec<JobRow>> {
        let c = self.conn();
        let mut stmt = c.prepare(&format!(
            "SELECT {COLUMNS} FROM jobs WHERE (?1 IS NULL OR kind = ?1) ORDER BY id DESC LIMIT ?2"
        ))?;
        let rows = stmt.query_map(params![kind, limit as i64], row)?;
        rows.collect()
    }

    /// The newest job with this cache key that is done, or still queued or running.
    pub fn reusable(&self, cache_key: &str) -> rusqlite::Result<Option<JobRow>> {
        self.conn()
            .query_row(
                &format!(
                    "SELECT {COLUMNS} FROM jobs WHERE cache_key = ?1
                     AND state IN ('done', 'queued', 'running') ORDER BY id DESC LIMIT 1"
                ),
                [cache_key],
                row,
            )
            .optional()
    }
}

/// Unix milliseconds as an RFC 3339 UTC timestamp (`2026-04-01T12:00:00Z`).
pub fn rfc3339(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // civil-from-days (Howard Hinnant's algorithm)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_775_044_800_500), "2026-04-01T12:00:00Z");
    }

    #[test]
    fn unfinished_jobs_are_marked_interrupted_on_open() {
        let dir = tempfile::tempdir().unwrap();
        let job = NewJob {
            kind: "run".into(),
            scenario: "s".into(),
            dataset: "d".into(),
            cache_key: "k".into(),
            request: serde_json::json!({"scenario": "s"}),
        };
        let (a, b) = {
            let db = Db::open(dir.path()).unwrap();
            let a = db.insert(&job).unwrap();
            let b = db.insert(&job).unwrap();
            db.start(b).unwrap();
            let c = db.insert(&job).unwrap();
            let out = crate::jobs::Output {
                result: "{}".into(),
                balance_ok: Some(true),
                artifacts: vec![(
                    crate::tables::artifact_name("flows"),
                    b"period,value\n2024,1\n".to_vec(),
                )],
            };
            db.finish_ok(c, &out, (3, 3), 0.1).unwrap();
            assert_eq!(db.reusable("k").unwrap().unwrap().id, c);
            (a, b)
        };
        let db = Db::open(dir.path()).unwrap();
        for id in [a, b] {
            let j = db.get(id).unwrap().unwrap();
            assert_eq!(j.state, JobState::Failed);
            assert_eq!(j.error.as_deref(), Some(INTERRUPTED));
        }
        assert_eq!(db.list(Some("run"), 10).unwrap().len(), 3);
        assert_eq!(db.result(3).unwrap().as_deref(), Some("{}"));
        // a finished run's tables are kept beside its result, after a restart too
        let flows = db.table(3, "flows").unwrap();
        assert_eq!(flows.as_deref(), Some("period,value\n2024,1\n"));
        assert_eq!(db.table(3, "prices").unwrap(), None);
    }
}
