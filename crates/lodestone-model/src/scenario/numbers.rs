//! Every number written in a scenario file is finite: `nan`, `inf` and literals beyond
//! f64's range (`1e400`) are refused at their line and column, wherever they stand
//! (events, `[settings]`, `[overrides]`, `[[uncertainty]]`), before any of them can reach
//! the engine. Locations come from the TOML parser's spans.

use super::line_col;
use crate::diag::{Diagnostics, Location, codes};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// Push an error for every non-finite number of `text` (which already parsed as TOML).
pub(super) fn check_finite(file: &str, text: &str, d: &mut Diagnostics) {
    let Ok(doc) = DeTable::parse(text) else {
        return; // syntax errors are reported by the parse proper
    };
    let mut found = Vec::new();
    for (k, v) in doc.get_ref().iter() {
        walk(v, k.get_ref().to_string(), &mut found);
    }
    found.sort_by_key(|f| f.2);
    for (path, literal, offset) in found {
        let (line, col) = line_col(text, offset);
        d.push(
            codes::OUT_OF_RANGE,
            Location::new(file, line, col),
            format!("`{path}` = {literal} is not a finite number"),
            Some("write a finite number (f64: at most about 1.8e308 in magnitude)".into()),
        );
    }
}

/// Collect (dotted path, literal, byte offset) of each non-finite float below `v`.
fn walk(v: &Spanned<DeValue<'_>>, path: String, found: &mut Vec<(String, String, usize)>) {
    match v.get_ref() {
        DeValue::Float(f) => {
            let literal = f.as_str();
            if !literal.parse::<f64>().is_ok_and(f64::is_finite) {
                found.push((path, literal.to_string(), v.span().start));
            }
        }
        DeValue::Table(t) => {
            for (k, x) in t.iter() {
                walk(x, format!("{path}.{}", k.get_ref()), found);
            }
        }
        DeValue::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                walk(x, format!("{path}[{i}]"), found);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> String {
        let mut d = Diagnostics::default();
        check_finite("s.toml", text, &mut d);
        d.to_string()
    }

    #[test]
    fn nan_inf_and_overflow_are_refused_where_they_stand() {
        let text = "[settings]\nbalance_tolerance = nan\n\n[[events]]\ntype = \"disruption\"\nloss = 1.0\nstart = \"2025-01\"\n\n[[events]]\ntype = \"capacity\"\ncapacity = -inf\n\n[[uncertainty]]\nparam = \"demand.growth\"\nvalues = [1.0, 1e400]\n";
        let e = errors(text);
        assert!(
            e.contains("s.toml:2:21: error[E007]: `settings.balance_tolerance` = nan"),
            "{e}"
        );
        assert!(
            e.contains("s.toml:11:12: error[E007]: `events[1].capacity` = -inf"),
            "{e}"
        );
        assert!(
            e.contains("s.toml:15:16: error[E007]: `uncertainty[0].values[1]` = 1e400"),
            "{e}"
        );
        assert!(e.contains("3 problems"), "{e}");
        assert!(e.find("2:21") < e.find("11:12"), "in file order: {e}");
        assert!(errors("[settings]\nx = 1.7e308\ny = -0.0\n").contains("0 problems"));
    }
}
