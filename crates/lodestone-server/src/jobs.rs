//! The job runner: a fixed pool of worker threads that take queued jobs in order.
//!
//! A job is a closure that reports progress (`done` of `total` units, and a phase name)
//! through [`Progress`] and returns its result as JSON text. The runner writes each state
//! change to the [`Db`] (queued → running → done | failed); progress lives in memory while
//! the job runs and is stored when it ends. A panicking job fails; the worker survives.

use crate::error::ApiError;
use crate::store::{Db, NewJob};
use std::collections::{HashMap, VecDeque};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Instant;

/// Progress of a running job, shared between the job and the HTTP handlers.
#[derive(Debug, Default)]
pub struct Progress {
    done: AtomicU64,
    total: AtomicU64,
    phase: Mutex<String>,
}

/// A snapshot of [`Progress`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ProgressSnapshot {
    /// Units done.
    pub done: u64,
    /// Units in all (0 while unknown).
    pub total: u64,
    /// What the job is doing.
    pub phase: String,
}

impl Progress {
    /// Sets the number of units in all.
    pub fn set_total(&self, total: u64) {
        self.total.store(total, Ordering::Relaxed);
    }

    /// Sets the number of units done.
    pub fn set_done(&self, done: u64) {
        self.done.store(done, Ordering::Relaxed);
    }

    /// Adds one unit done.
    pub fn inc(&self) {
        self.done.fetch_add(1, Ordering::Relaxed);
    }

    /// Names what the job is doing now.
    pub fn set_phase(&self, phase: &str) {
        *lock(&self.phase) = phase.to_string();
    }

    /// The current values.
    pub fn snapshot(&self) -> ProgressSnapshot {
        ProgressSnapshot {
            done: self.done.load(Ordering::Relaxed),
            total: self.total.load(Ordering::Relaxed),
            phase: lock(&self.phase).clone(),
        }
    }
}

/// What a finished job hands back.
#[derive(Debug, Clone, Default)]
pub struct Output {
    /// The result, JSON text.
    pub result: String,
    /// Whether mass balance held (runs), stored beside the result for listings.
    pub balance_ok: Option<bool>,
    /// Files stored with the result, in the same transaction that marks the job done (a
    /// run's report page, its answer and its tables as CSV): name, content.
    pub artifacts: Vec<(String, Vec<u8>)>,
}

/// The work of a job. `Err` is a message for the user; the job is marked failed.
pub type Work = Box<dyn FnOnce(&Progress) -> Result<Output, String> + Send + 'static>;

struct Inner {
    db: Arc<Db>,
    queue: Mutex<VecDeque<(i64, Work)>>,
    wake: Condvar,
    live: Mutex<HashMap<i64, Arc<Progress>>>,
    stop: AtomicBool,
    max_queued: usize,
}

/// The pool of workers and its queue.
pub struct Runner {
    inner: Arc<Inner>,
    workers: Mutex<Vec<JoinHandle<()>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Runner {
    /// Starts `workers` threads (at least one); at most `max_queued` jobs may wait.
    pub fn start(db: Arc<Db>, workers: usize, max_queued: usize) -> Runner {
        let inner = Arc::new(Inner {
            db,
            queue: Mutex::new(VecDeque::new()),
            wake: Condvar::new(),
            live: Mutex::new(HashMap::new()),
            stop: AtomicBool::new(false),
            max_queued: max_queued.max(1),
        });
        let handles = (0..workers.max(1))
            .map(|i| {
                let inner = inner.clone();
                std::thread::Builder::new()
                    .name(format!("lodestone-job-{i}"))
                    .spawn(move || worker(&inner))
                    .expect("spawn a job worker thread")
            })
            .collect();
        Runner {
            inner,
            workers: Mutex::new(handles),
        }
    }

    /// Records the job as queued and hands it to the workers; returns its id.
    /// [`ApiError::Busy`] when `max_queued` jobs are already waiting.
    pub fn submit(&self, job: &NewJob, work: Work) -> Result<i64, ApiError> {
        let mut q = lock(&self.inner.queue);
        if q.len() >= self.inner.max_queued {
            return Err(ApiError::Busy(q.len()));
        }
        let id = self.inner.db.insert(job)?;
        q.push_back((id, work));
        drop(q);
        self.inner.wake.notify_one();
        Ok(id)
    }

    /// Live progress of a running job.
    pub fn progress(&self, id: i64) -> Option<ProgressSnapshot> {
        lock(&self.inner.live).get(&id).map(|p| p.snapshot())
    }

    /// Position in the queue (0 = next), for queued jobs.
    pub fn position(&self, id: i64) -> Option<usize> {
        lock(&self.inner.queue).iter().position(|(j, _)| *j == id)
    }

    /// Stops taking jobs. With `wait`, blocks until the running jobs have ended; queued
    /// jobs stay queued in the store and are marked interrupted at the next start.
    pub fn shutdown(&self, wait: bool) {
        self.inner.stop.store(true, Ordering::SeqCst);
        {
            // Take the lock so no worker misses the wake-up between its check and its wait.
            let _q = lock(&self.inner.queue);
            self.inner.wake.notify_all();
        }
        if wait {
            for h in lock(&self.workers).drain(..) {
                let _ = h.join();
            }
        }
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        self.inner.stop.store(true, Ordering::SeqCst);
        self.inner.wake.notify_all();
    }
}

fn worker(inner: &Inner) {
    loop {
        let (id, work) = {
            let mut q = lock(&inner.queue);
            loop {
                if inner.stop.load(Ordering::SeqCst) {
                    return;
                }
                if let Some(job) = q.pop_front() {
                    break job;
                }
                q = inner.wake.wait(q).unwrap_or_else(|p| p.into_inner());
            }
        };
        let progress = Arc::new(Progress::default());
        lock(&inner.live).insert(id, progress.clone());
        if let Err(e) = inner.db.start(id) {
            eprintln!("lodestone serve: job {id}: cannot record its start: {e}");
        }
        let started = Instant::now();
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| work(&progress)));
        let elapsed = started.elapsed().as_secs_f64();
        let snap = progress.snapshot();
        let counts = (snap.done, snap.total);
        let stored = match outcome {
            Ok(Ok(out)) => inner.db.finish_ok(id, &out, counts, elapsed),
            Ok(Err(message)) => inner.db.finish_err(id, &message, counts, elapsed),
            Err(panic) => {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".into());
                inner.db.finish_err(
                    id,
                    &format!("internal error: the job panicked: {what}"),
                    counts,
                    elapsed,
                )
            }
        };
        if let Err(e) = stored {
            eprintln!("lodestone serve: job {id}: cannot store its outcome: {e}");
        }
        lock(&inner.live).remove(&id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::JobState;

    fn job() -> NewJob {
        NewJob {
            kind: "test".into(),
            scenario: "s".into(),
            dataset: "d".into(),
            cache_key: "k".into(),
            request: serde_json::json!({}),
        }
    }

    fn wait_final(db: &Db, id: i64) -> crate::store::JobRow {
        for _ in 0..500 {
            let j = db.get(id).unwrap().unwrap();
            if j.state.is_final() {
                return j;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        panic!("job {id} did not finish");
    }

    #[test]
    fn jobs_report_progress_and_store_results_or_errors() {
        let dir = tempfile::tempdir().unwrap();
        let db = Arc::new(Db::open(dir.path()).unwrap());
        let runner = Runner::start(db.clone(), 2, 8);
        let ok = runner
            .submit(
                &job(),
                Box::new(|p| {
                    p.set_total(4);
                    for _ in 0..4 {
                        p.inc();
                    }
                    Ok(Output {
                        result: "{\"x\":1}".into(),
                        balance_ok: Some(true),
                        artifacts: vec![("a.txt".into(), b"hello".to_vec())],
                    })
                }),
            )
            .unwrap();
        let bad = runner
            .submit(&job(), Box::new(|_| Err("no good".into())))
            .unwrap();
        let boom = runner
            .submit(&job(), Box::new(|_| panic!("kaboom")))
            .unwrap();
        let j = wait_final(&db, ok);
        assert_eq!(j.state, JobState::Done);
        assert_eq!((j.progress_done, j.progress_total), (4, 4));
        assert_eq!(db.result(ok).unwrap().as_deref(), Some("{\"x\":1}"));
        assert_eq!(
            db.artifact(ok, "a.txt").unwrap().as_deref(),
            Some(&b"hello"[..])
        );
        assert_eq!(db.artifact(ok, "b.txt").unwrap(), None);
        let j = wait_final(&db, bad);
        assert_eq!(j.state, JobState::Failed);
        assert_eq!(j.error.as_deref(), Some("no good"));
        let j = wait_final(&db, boom);
        assert!(j.error.unwrap().contains("kaboom"));
        // the workers survived the panic
        let again = runner
            .submit(
                &job(),
                Box::new(|_| {
                    Ok(Output {
                        result: "1".into(),
                        balance_ok: None,
                        ..Output::default()
                    })
                }),
            )
            .unwrap();
        assert_eq!(wait_final(&db, again).state, JobState::Done);
        runner.shutdown(true);
    }

    #[test]
    fn a_full_queue_is_busy_not_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let db = Arc::new(Db::open(dir.path()).unwrap());
        let runner = Runner::start(db, 1, 1);
        let gate = Arc::new((Mutex::new(false), Condvar::new()));
        let g = gate.clone();
        let blocker: Work = Box::new(move |_| {
            let (m, c) = &*g;
            let mut open = lock(m);
            while !*open {
                open = c.wait(open).unwrap();
            }
            Ok(Output {
                result: "null".into(),
                balance_ok: None,
                ..Output::default()
            })
        });
        runner.submit(&job(), blocker).unwrap();
        // wait until the worker took the blocker, so the queue is empty again
        for _ in 0..500 {
            if lock(&runner.inner.queue).is_empty() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let quick = || -> Work {
            Box::new(|_| {
                Ok(Output {
                    result: "null".into(),
                    balance_ok: None,
                    ..Output::default()
                })
            })
        };
        runner.submit(&job(), quick()).unwrap();
        assert!(matches!(
            runner.submit(&job(), quick()),
            Err(ApiError::Busy(1))
        ));
        *lock(&gate.0) = true;
        gate.1.notify_all();
        runner.shutdown(true);
    }
}
