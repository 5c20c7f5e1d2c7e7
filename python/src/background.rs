//! Long engine work (an ensemble, a calibration) on a worker thread with the GIL
//! released, while the calling thread feeds a Python progress callback and checks for
//! Ctrl-C. Ctrl-C sets a flag the engine's progress hook reads: the hook unwinds with
//! [`Cancelled`] (through `resume_unwind`, so no panic hook prints), the worker's
//! `catch_unwind` takes it, and the `KeyboardInterrupt` propagates to Python.

use crate::errors::{Error, Result, panic_text};
use pyo3::prelude::*;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

/// Payload of the unwind that stops cancelled work.
struct Cancelled;

/// Progress and cancellation shared by the worker and the calling thread.
#[derive(Default)]
pub struct Control {
    done: AtomicUsize,
    cancel: AtomicBool,
}

impl Control {
    /// Record `n` units done (called by the engine's progress hook, on any thread);
    /// unwinds out of the engine if Ctrl-C was pressed.
    pub fn tick(&self, n: usize) {
        self.done.store(n, Ordering::Relaxed);
        if self.cancel.load(Ordering::Relaxed) {
            std::panic::resume_unwind(Box::new(Cancelled));
        }
    }
}

/// Run `work` on a worker thread; call `progress(done, total)` as `ctl` advances and
/// once at the end; a Python exception from the callback or a signal handler stops it.
pub fn drive<T: Send>(
    py: Python<'_>,
    total: usize,
    progress: Option<&Bound<'_, PyAny>>,
    ctl: &Control,
    work: impl FnOnce() -> T + Send,
) -> Result<T> {
    let joined = std::thread::scope(|s| -> Result<_> {
        let worker = s.spawn(move || std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)));
        let mut shown = 0;
        loop {
            let finished = py.detach(|| {
                for _ in 0..10 {
                    if worker.is_finished() {
                        return true;
                    }
                    std::thread::sleep(Duration::from_millis(10));
                }
                worker.is_finished()
            });
            let n = ctl.done.load(Ordering::Relaxed);
            let mut check = || -> PyResult<()> {
                if let (Some(cb), true) = (progress, n > shown) {
                    cb.call1((n.min(total), total))?;
                    shown = n;
                }
                py.check_signals()
            };
            if let Err(e) = check() {
                ctl.cancel.store(true, Ordering::Relaxed);
                let _ = py.detach(|| worker.join());
                return Err(Error::Python(e));
            }
            if finished {
                return Ok(py.detach(|| worker.join()));
            }
        }
    })?;
    match joined {
        Ok(Ok(out)) => {
            if let Some(cb) = progress {
                cb.call1((total, total))?;
            }
            Ok(out)
        }
        Ok(Err(p)) | Err(p) => Err(Error::Failure(format!(
            "internal error (a bug in Lodestone, please report it): {}",
            panic_text(p.as_ref())
        ))),
    }
}
