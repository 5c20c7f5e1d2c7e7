//! Where each value of a scenario file stands, from the TOML parser's spans (never from
//! searching the text): a dotted path (`events[2].loss`, `overrides.facilities.x.capacity`,
//! `uncertainty[0].values[1]`) → line and column. Also refuses every non-finite number
//! (`nan`, `inf`, literals beyond f64's range such as `1e400`) at its place, before any of
//! them can reach the engine.

use super::line_col;
use crate::diag::{Diagnostics, Location, codes};
use std::collections::BTreeMap;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// Positions of the values (and table headers) of one scenario file.
#[derive(Debug, Clone, Default)]
pub struct Spans {
    file: String,
    at: BTreeMap<String, (usize, usize)>,
    /// (path, literal, line, column) of each number that is not finite.
    non_finite: Vec<(String, String, usize, usize)>,
}

impl Spans {
    /// Index `text` (empty when it is not valid TOML: the parse proper reports that).
    pub fn parse(file: &str, text: &str) -> Spans {
        let mut s = Spans {
            file: file.to_string(),
            ..Spans::default()
        };
        if let Ok(doc) = DeTable::parse(text) {
            let mut raw = Vec::new();
            for (k, v) in doc.get_ref().iter() {
                walk(v, k.get_ref().to_string(), &mut raw);
            }
            raw.sort_by_key(|r| r.2);
            for (path, bad, offset) in raw {
                let (l, c) = line_col(text, offset);
                if let Some(literal) = bad {
                    s.non_finite.push((path.clone(), literal, l, c));
                }
                s.at.insert(path, (l, c));
            }
        }
        s
    }

    /// Where the value at `path` stands, or the whole file when it is not written there.
    pub fn loc(&self, path: &str) -> Location {
        match self.at.get(path) {
            Some(&(l, c)) => Location::new(&self.file, l, c),
            None => Location::file(&self.file),
        }
    }

    /// The positions below `prefix` (e.g. `events[3]`), keyed by the rest of their path.
    pub fn below(&self, prefix: &str) -> BTreeMap<String, (usize, usize)> {
        let head = format!("{prefix}.");
        self.at
            .iter()
            .filter_map(|(p, &lc)| p.strip_prefix(&head).map(|k| (k.to_string(), lc)))
            .collect()
    }

    /// The locations below `prefix`, keyed by the full path.
    pub fn locations_below(&self, prefix: &str) -> Vec<(String, Location)> {
        self.at
            .keys()
            .filter(|p| p.starts_with(prefix))
            .map(|p| (p.clone(), self.loc(p)))
            .collect()
    }

    /// An error for every number that is not finite.
    pub fn check_finite(&self, d: &mut Diagnostics) {
        for (path, literal, l, c) in &self.non_finite {
            d.push(
                codes::OUT_OF_RANGE,
                Location::new(&self.file, *l, *c),
                format!("`{path}` = {literal} is not a finite number"),
                Some("write a finite number (f64: at most about 1.8e308 in magnitude)".into()),
            );
        }
    }
}

/// Collect (path, the literal if it is a non-finite number, byte offset) below `v`.
fn walk(v: &Spanned<DeValue<'_>>, path: String, out: &mut Vec<(String, Option<String>, usize)>) {
    let mut bad = None;
    match v.get_ref() {
        DeValue::Float(f) => {
            let literal = f.as_str();
            if !literal.parse::<f64>().is_ok_and(f64::is_finite) {
                bad = Some(literal.to_string());
            }
        }
        DeValue::Table(t) => {
            for (k, x) in t.iter() {
                walk(x, format!("{path}.{}", k.get_ref()), out);
            }
        }
        DeValue::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                walk(x, format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
    out.push((path, bad, v.span().start));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> String {
        let mut d = Diagnostics::default();
        Spans::parse("s.toml", text).check_finite(&mut d);
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

    #[test]
    fn paths_point_at_values_and_headers_not_at_text_that_looks_alike() {
        let text = "name = \"extends-test\"\n# the end is near\n[horizon]\nend = \"2030-12\"\n\n[[events]]\ntype = \"tariff\"\nrate = 0.1\n[overrides.facilities.mt_weld]\ncapacity = 3\n";
        let s = Spans::parse("s.toml", text);
        assert_eq!(s.loc("horizon.end").to_string(), "s.toml:4:7");
        assert_eq!(s.loc("events[0]").to_string(), "s.toml:6:1");
        assert_eq!(s.below("events[0]")["rate"], (8, 8));
        assert_eq!(
            s.loc("overrides.facilities.mt_weld.capacity").to_string(),
            "s.toml:10:12"
        );
        assert_eq!(
            s.loc("extends").to_string(),
            "s.toml",
            "the name's text is no key"
        );
    }
}
