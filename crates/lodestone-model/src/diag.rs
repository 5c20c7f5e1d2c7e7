//! Located, coded diagnostics: every validation problem at once, never a panic.

use serde::Serialize;
use std::fmt;

/// Where a problem is: a file and, when known, a 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Location {
    /// File name as the user knows it (e.g. `facilities.csv`, `scenarios/x.toml`).
    pub file: String,
    /// 1-based line, 0 when unknown.
    pub line: usize,
    /// 1-based column, 0 when unknown. For CSV files this is the column number.
    pub column: usize,
}

impl Location {
    /// A location in `file` at `line`:`column`.
    pub fn new(file: impl Into<String>, line: usize, column: usize) -> Location {
        Location {
            file: file.into(),
            line,
            column,
        }
    }

    /// A whole-file location.
    pub fn file(file: impl Into<String>) -> Location {
        Location::new(file, 0, 0)
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (0, _) => write!(f, "{}", self.file),
            (l, 0) => write!(f, "{}:{l}", self.file),
            (l, c) => write!(f, "{}:{l}:{c}", self.file),
        }
    }
}

/// One problem found in a dataset or scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostic {
    /// Stable code, e.g. `E012`; listed in `codes::ALL`.
    pub code: &'static str,
    /// Where.
    pub location: Location,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when we can tell.
    pub hint: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: error[{}]: {}",
            self.location, self.code, self.message
        )?;
        if let Some(h) = &self.hint {
            write!(f, "\n  hint: {h}")?;
        }
        Ok(())
    }
}

impl Diagnostic {
    /// The diagnostic as a warning (`file:line:col: warning[CODE]: …`): something that
    /// does not stop a run but that the user should know (an event outside the horizon).
    pub fn warning(&self) -> String {
        let text = self.to_string();
        text.replacen(": error[", ": warning[", 1)
    }
}

/// Stable diagnostic codes. Tests and users may rely on them.
pub mod codes {
    /// File cannot be read or parsed (CSV/TOML syntax).
    pub const SYNTAX: &str = "E001";
    /// A required file of the dataset is missing.
    pub const MISSING_FILE: &str = "E002";
    /// A column that the schema does not declare.
    pub const UNKNOWN_COLUMN: &str = "E003";
    /// A required column is missing.
    pub const MISSING_COLUMN: &str = "E004";
    /// A required cell is empty.
    pub const EMPTY_VALUE: &str = "E005";
    /// A value of the wrong type (number, month, bool, enum, id form).
    pub const BAD_VALUE: &str = "E006";
    /// A value out of its allowed range (negative, share above 1).
    pub const OUT_OF_RANGE: &str = "E007";
    /// A reference to an id that does not exist.
    pub const UNKNOWN_ID: &str = "E008";
    /// The same id defined twice.
    pub const DUPLICATE_ID: &str = "E009";
    /// A row without a resolvable source, or an assumption without a range.
    pub const SOURCE: &str = "E010";
    /// Dates out of order.
    pub const DATE_ORDER: &str = "E011";
    /// A process creates rare earth element mass (yield above 1).
    pub const YIELD: &str = "E012";
    /// A cycle where none is allowed (feed links, scenario `extends`).
    pub const CYCLE: &str = "E013";
    /// A unit that does not fit the attribute.
    pub const UNIT: &str = "E014";
    /// An inconsistent definition (e.g. composition not summing to 1, stage mismatch).
    pub const INCONSISTENT: &str = "E015";
    /// A scenario field or event that is not allowed.
    pub const SCENARIO: &str = "E016";
    /// Every code, for documentation.
    pub const ALL: &[(&str, &str)] = &[
        (SYNTAX, "file cannot be parsed"),
        (MISSING_FILE, "required file missing"),
        (UNKNOWN_COLUMN, "column not in the schema"),
        (MISSING_COLUMN, "required column missing"),
        (EMPTY_VALUE, "required value empty"),
        (BAD_VALUE, "value of the wrong type"),
        (OUT_OF_RANGE, "value out of range"),
        (UNKNOWN_ID, "reference to an unknown id"),
        (DUPLICATE_ID, "duplicate id"),
        (SOURCE, "missing or unresolvable source"),
        (DATE_ORDER, "dates out of order"),
        (YIELD, "process creates element mass"),
        (CYCLE, "cycle where none is allowed"),
        (UNIT, "wrong unit"),
        (INCONSISTENT, "inconsistent definition"),
        (SCENARIO, "invalid scenario field or event"),
    ];
}

/// A collection of diagnostics, in the order found.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// Record a problem.
    pub fn push(
        &mut self,
        code: &'static str,
        location: Location,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        self.0.push(Diagnostic {
            code,
            location,
            message: message.into(),
            hint,
        });
    }

    /// No problems recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Number of problems.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Append another collection.
    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    /// Iterate.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            writeln!(f, "{d}")?;
        }
        write!(
            f,
            "{} problem{} found",
            self.0.len(),
            if self.0.len() == 1 { "" } else { "s" }
        )
    }
}

impl std::error::Error for Diagnostics {}

/// Decode a file's bytes as UTF-8, or say where it stops being UTF-8: the line and column
/// of the first invalid byte (a UTF-16 file, recognised by its byte-order mark, gets its
/// own hint).
pub fn decode_utf8(file: &str, bytes: Vec<u8>) -> Result<String, Diagnostic> {
    let utf16 = bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]);
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(e) => {
            let bytes = e.as_bytes();
            let at = e.utf8_error().valid_up_to();
            let valid = std::str::from_utf8(&bytes[..at]).unwrap_or_default();
            let line = valid.matches('\n').count() + 1;
            let column = valid.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            let hint = if utf16 {
                "the file is UTF-16: save it as UTF-8"
            } else {
                "save the file as UTF-8"
            };
            Err(Diagnostic {
                code: codes::BAD_VALUE,
                location: Location::new(file, line, column),
                message: format!("not UTF-8 text (byte {} is 0x{:02X})", at, bytes[at]),
                hint: Some(hint.into()),
            })
        }
    }
}

/// The closest candidate to `wanted` by edit distance, for "did you mean" hints.
pub fn did_you_mean<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = levenshtein(&wanted.to_lowercase(), &c.to_lowercase());
        // ties go to the smallest candidate, so the hint does not depend on the order
        // candidates come in (some callers iterate hash sets)
        if best.is_none_or(|(bd, bc)| d < bd || (d == bd && c < bc)) {
            best = Some((d, c));
        }
    }
    let limit = (wanted.chars().count() / 3).max(2);
    best.filter(|(d, _)| *d <= limit)
        .map(|(_, c)| format!("did you mean `{c}`?"))
}

#[cfg(test)]
mod hint_tests {
    use super::did_you_mean;

    #[test]
    fn equally_close_candidates_give_the_same_hint_in_any_order() {
        let a = did_you_mean("cn", ["cb", "ca", "cz"]);
        let b = did_you_mean("cn", ["cz", "cb", "ca"]);
        assert_eq!(a.as_deref(), Some("did you mean `ca`?"));
        assert_eq!(a, b);
    }
}

#[cfg(test)]
mod utf8_tests {
    use super::*;

    #[test]
    fn the_first_bad_byte_is_located() {
        let e = decode_utf8("t.csv", b"id,name\nx,caf\xE9\n".to_vec()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.csv:2:6: error[E006]: not UTF-8 text (byte 13 is 0xE9)\n  hint: save the file as UTF-8"
        );
        let e = decode_utf8("u.toml", vec![0xFF, 0xFE, b'n', 0]).unwrap_err();
        assert!(e.to_string().starts_with("u.toml:1:1:"), "{e}");
        assert!(e.to_string().contains("UTF-16"), "{e}");
        assert_eq!(decode_utf8("ok", b"a\nb".to_vec()).unwrap(), "a\nb");
    }
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_ids_only() {
        let ids = ["lynas_texas", "lynas_malaysia", "mt_weld"];
        assert_eq!(
            did_you_mean("lynas_texs", ids).as_deref(),
            Some("did you mean `lynas_texas`?")
        );
        assert_eq!(did_you_mean("bayan_obo", ids), None);
    }

    #[test]
    fn display_has_location_code_and_hint() {
        let mut d = Diagnostics::default();
        d.push(
            codes::UNKNOWN_ID,
            Location::new("facilities.csv", 4, 6),
            "unknown country `XQ`",
            Some("did you mean `XW`?".into()),
        );
        let s = d.to_string();
        assert!(s.contains("facilities.csv:4:6: error[E008]: unknown country `XQ`"));
        assert!(s.contains("hint: did you mean `XW`?"));
        assert!(s.ends_with("1 problem found"));
    }
}
