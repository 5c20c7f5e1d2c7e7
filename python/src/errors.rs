//! Errors crossing into Python: located diagnostics become `lodestone.ValidationError`
//! (file, line, column, code, message, hint), other failures `lodestone.LodestoneError`,
//! and a Rust panic is caught ([`guard`]) and raised as `LodestoneError`, never as a
//! `PanicException`.

use lodestone_model::{Diagnostic, Diagnostics, Location};
use pyo3::prelude::*;
use pyo3::types::PyList;

/// What can go wrong in a binding call.
#[derive(Debug)]
pub enum Error {
    /// Bad input, located (a scenario, a dataset, an argument).
    Invalid(Diagnostics),
    /// A failure that is not the input's (a run that cannot be built, a file that
    /// cannot be written, a bug).
    Failure(String),
    /// Ctrl-C: the Python error raised by the signal handler.
    Python(PyErr),
}

/// Result of a binding call.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// One located diagnostic as bad input.
    pub fn at(
        code: &'static str,
        location: Location,
        message: String,
        hint: Option<String>,
    ) -> Error {
        Error::Invalid(Diagnostics(vec![Diagnostic {
            code,
            location,
            message,
            hint,
        }]))
    }
}

impl From<lodestone_engine::EngineError> for Error {
    fn from(e: lodestone_engine::EngineError) -> Error {
        match e {
            lodestone_engine::EngineError::Invalid(d) => Error::Invalid(d),
            other => Error::Failure(other.to_string()),
        }
    }
}

impl From<PyErr> for Error {
    fn from(e: PyErr) -> Error {
        Error::Python(e)
    }
}

impl From<Error> for PyErr {
    fn from(e: Error) -> PyErr {
        Python::attach(|py| match e {
            Error::Invalid(d) => raise(py, "ValidationError", &d.to_string(), Some(&d)),
            Error::Failure(m) => raise(py, "LodestoneError", &m, None),
            Error::Python(e) => e,
        })
    }
}

/// Build `lodestone.errors.<class>(message[, diagnostics])`.
fn raise(py: Python<'_>, class: &str, message: &str, d: Option<&Diagnostics>) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let module = py.import("lodestone.errors")?;
        let err = match d {
            Some(d) => {
                let diag = module.getattr("Diagnostic")?;
                let list = PyList::empty(py);
                for x in d.iter() {
                    let l = &x.location;
                    let hint = x.hint.as_deref();
                    let args = (
                        l.file.as_str(),
                        l.line,
                        l.column,
                        x.code,
                        x.message.as_str(),
                        hint,
                    );
                    list.append(diag.call1(args)?)?;
                }
                module.getattr(class)?.call1((message, list))?
            }
            None => module.getattr(class)?.call1((message,))?,
        };
        Ok(PyErr::from_value(err))
    };
    build().unwrap_or_else(|e| e)
}

/// Run `f`, turning a panic into [`Error::Failure`] (so no panic unwinds into Python).
pub fn guard<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(p) => Err(Error::Failure(format!(
            "internal error (a bug in Lodestone, please report it): {}",
            panic_text(p.as_ref())
        ))),
    }
}

/// The message of a panic payload.
pub fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic".to_string()
    }
}
