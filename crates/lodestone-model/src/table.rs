//! Raw CSV tables: parsing with positions, and the schema-driven checks of every cell.

use crate::diag::{Diagnostics, Location, codes, did_you_mean};
use crate::schema::{AttrType, Attribute, TableSchema};
use crate::time::Month;
use std::collections::{HashMap, HashSet};

/// One parsed CSV table, as in the file.
#[derive(Debug, Clone)]
pub struct Table {
    /// Table name.
    pub name: String,
    /// File name for diagnostics.
    pub file: String,
    /// Header names in file order.
    pub headers: Vec<String>,
    /// Data rows.
    pub rows: Vec<Row>,
    index: HashMap<String, usize>,
}

/// One data row with its 1-based line number.
#[derive(Debug, Clone)]
pub struct Row {
    /// Line in the file.
    pub line: usize,
    /// Cells in header order (trimmed).
    pub cells: Vec<String>,
}

impl Table {
    /// Parse CSV text. Lines starting with `#` are comments. Syntax errors are reported
    /// with their line and the table is returned with the rows read so far.
    pub fn parse(name: &str, file: &str, text: &str, diags: &mut Diagnostics) -> Table {
        if let Some(at) = text.find('\0') {
            let (line, col) = crate::scenario::line_col(text, at);
            diags.push(
                codes::SYNTAX,
                Location::new(file, line, col),
                "NUL byte in a text file",
                Some("the file is binary or corrupted: save it as plain UTF-8 CSV".into()),
            );
            return Table::empty_as(name, file);
        }
        let mut rdr = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .comment(Some(b'#'))
            .flexible(true)
            .from_reader(text.as_bytes());
        let headers: Vec<String> = match rdr.headers() {
            Ok(h) => {
                let line = h.position().map_or(1, |p| p.line() as usize);
                let names: Vec<String> = h.iter().map(str::to_string).collect();
                if names.iter().all(String::is_empty) {
                    diags.push(
                        codes::MISSING_COLUMN,
                        Location::new(file, 1, 1),
                        format!("{name}.csv is empty: no header row"),
                        Some(
                            "write its header line (`lodestone data schema` lists the columns), or delete the file if the table is optional"
                                .into(),
                        ),
                    );
                }
                for (i, n) in names.iter().enumerate() {
                    if let Some(j) = names[..i].iter().position(|m| m == n) {
                        diags.push(
                            codes::DUPLICATE_ID,
                            Location::new(file, line, i + 1),
                            format!(
                                "column `{n}` appears twice (columns {} and {})",
                                j + 1,
                                i + 1
                            ),
                            Some("each attribute has one column".into()),
                        );
                    }
                }
                names
            }
            Err(e) => {
                diags.push(
                    codes::SYNTAX,
                    Location::new(file, 1, 0),
                    format!("cannot read header: {e}"),
                    None,
                );
                Vec::new()
            }
        };
        let mut rows = Vec::new();
        for rec in rdr.records() {
            match rec {
                Ok(r) => {
                    let line = r.position().map_or(0, |p| p.line() as usize);
                    if r.len() != headers.len() {
                        diags.push(
                            codes::SYNTAX,
                            Location::new(file, line, 0),
                            format!("row has {} fields, header has {}", r.len(), headers.len()),
                            Some("quote cells that contain commas".into()),
                        );
                        continue;
                    }
                    rows.push(Row {
                        line,
                        cells: r.iter().map(str::to_string).collect(),
                    });
                }
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line() as usize);
                    diags.push(
                        codes::SYNTAX,
                        Location::new(file, line, 0),
                        format!("CSV syntax: {e}"),
                        None,
                    );
                }
            }
        }
        let index = headers
            .iter()
            .enumerate()
            .map(|(i, h)| (h.clone(), i))
            .collect();
        Table {
            name: name.to_string(),
            file: file.to_string(),
            headers,
            rows,
            index,
        }
    }

    /// An empty table (for optional files that are absent).
    pub fn empty(name: &str) -> Table {
        Table::empty_as(name, &format!("{name}.csv"))
    }

    /// An empty table read from `file` (one that could not be read).
    fn empty_as(name: &str, file: &str) -> Table {
        Table {
            name: name.to_string(),
            file: file.to_string(),
            headers: Vec::new(),
            rows: Vec::new(),
            index: HashMap::new(),
        }
    }

    /// Cell text of `attr` in `row` ("" when the column is absent).
    pub fn get<'a>(&'a self, row: &'a Row, attr: &str) -> &'a str {
        self.index
            .get(attr)
            .and_then(|&i| row.cells.get(i))
            .map_or("", String::as_str)
    }

    /// Location of a cell (1-based column; 0 when the column is absent).
    pub fn loc(&self, row: &Row, attr: &str) -> Location {
        Location::new(
            &self.file,
            row.line,
            self.index.get(attr).map_or(0, |i| i + 1),
        )
    }

    /// Column check and per-cell type/range check against the schema.
    pub fn check(&self, schema: &TableSchema, diags: &mut Diagnostics) {
        for (i, h) in self.headers.iter().enumerate() {
            if schema.attribute(h).is_none() {
                diags.push(
                    codes::UNKNOWN_COLUMN,
                    Location::new(&self.file, 1, i + 1),
                    format!("unknown column `{h}` in {}.csv", self.name),
                    did_you_mean(h, schema.attributes.iter().map(|a| a.name.as_str())).or_else(
                        || Some("see `lodestone data schema` for the columns of each table".into()),
                    ),
                );
            }
        }
        for a in &schema.attributes {
            if a.required && !self.index.contains_key(&a.name) && !self.headers.is_empty() {
                diags.push(
                    codes::MISSING_COLUMN,
                    Location::new(&self.file, 1, 0),
                    format!("missing required column `{}`", a.name),
                    Some(format!("{}: {}", a.name, a.description)),
                );
            }
        }
        for row in &self.rows {
            for a in &schema.attributes {
                let Some(&col) = self.index.get(&a.name) else {
                    continue;
                };
                let v = row.cells[col].as_str();
                let loc = Location::new(&self.file, row.line, col + 1);
                if v.is_empty() {
                    if a.required {
                        diags.push(
                            codes::EMPTY_VALUE,
                            loc,
                            format!("`{}` is required", a.name),
                            Some(a.description.clone()),
                        );
                    }
                    continue;
                }
                check_value(a, v, loc, diags);
            }
        }
    }

    /// Values of the `id` column with their rows, reporting duplicates.
    pub fn ids(&self, diags: &mut Diagnostics) -> HashSet<String> {
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for row in &self.rows {
            let id = self.get(row, "id");
            if id.is_empty() {
                continue;
            }
            if let Some(first) = seen.insert(id, row.line) {
                diags.push(
                    codes::DUPLICATE_ID,
                    self.loc(row, "id"),
                    format!(
                        "duplicate {} id `{id}` (first defined on line {first})",
                        self.name
                    ),
                    Some("ids must be unique within a table".into()),
                );
            }
        }
        seen.keys().map(|s| s.to_string()).collect()
    }
}

fn is_id(v: &str) -> bool {
    !v.is_empty()
        && v.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        && v.as_bytes()[0].is_ascii_lowercase()
}

/// A material or group id, `kind:<id>` or `stage:<id>` (whether the id exists is checked
/// with the references).
fn is_selector(v: &str) -> bool {
    match v.split_once(':') {
        Some(("kind" | "stage", x)) => is_id(x),
        Some(_) => false,
        None => is_id(v),
    }
}

fn is_country(v: &str) -> bool {
    v.len() == 2 && v.bytes().all(|b| b.is_ascii_uppercase())
}

/// The largest value a number of this unit may take (the same kinds as the scenario
/// levers' `limits`): beyond it a value is a typo or a unit error (1e308 capacities and
/// costs passed `data check`).
fn unit_limit(unit: &str) -> Option<f64> {
    use crate::scenario::levers::limits;
    match unit {
        "t/yr" | "t" => Some(limits::TONNES_PER_YEAR),
        "months" => Some(limits::MONTHS),
        "USD/t" | "USD(2024)/t activity" => Some(limits::USD_PER_T),
        "USD/kg" | "USD/kg (2024)" => Some(limits::USD_PER_KG),
        "x ref_price" | "t per unit activity" => Some(limits::MULTIPLE),
        _ => None,
    }
}

/// A non-negative number is at least 0 and at most its unit's limit.
fn check_nonneg(a: &Attribute, v: &str, x: f64, loc: Location, diags: &mut Diagnostics) {
    let (name, unit) = (&a.name, &a.unit);
    if x < 0.0 {
        let msg = format!("`{name}` = {v} is negative");
        diags.push(codes::OUT_OF_RANGE, loc, msg, Some("must be ≥ 0".into()));
    } else if let Some(max) = unit_limit(unit)
        && x > max
    {
        let msg = format!("`{name}` = {v} is out of range: at most {max:e} {unit}");
        let hint = Some("check the unit and the number of zeros".into());
        diags.push(codes::OUT_OF_RANGE, loc, msg, hint);
    }
}

/// Check one cell against its attribute's type and, for non-negative numbers, its unit's
/// limit.
fn check_value(a: &Attribute, v: &str, loc: Location, diags: &mut Diagnostics) {
    let (name, ty) = (a.name.as_str(), &a.ty);
    let bad = |diags: &mut Diagnostics, what: &str, hint: Option<String>| {
        diags.push(
            codes::BAD_VALUE,
            loc.clone(),
            format!("`{name}` = `{v}` is not {what}"),
            hint,
        );
    };
    let number = |diags: &mut Diagnostics| -> Option<f64> {
        match v.parse::<f64>() {
            Ok(x) if x.is_finite() => Some(x),
            _ => {
                diags.push(
                    codes::BAD_VALUE,
                    loc.clone(),
                    format!("`{name}` = `{v}` is not a number"),
                    Some(
                        "write plain numbers without units or thousands separators, e.g. 12500"
                            .into(),
                    ),
                );
                None
            }
        }
    };
    match ty {
        AttrType::Id => {
            if !is_id(v) {
                bad(
                    diags,
                    "an id",
                    Some("ids are lowercase snake_case: letters, digits, `_`".into()),
                );
            }
        }
        AttrType::Symbol => {
            let ok = (1..=3).contains(&v.len())
                && v.as_bytes()[0].is_ascii_uppercase()
                && v.bytes().skip(1).all(|b| b.is_ascii_lowercase());
            if !ok {
                bad(diags, "a chemical symbol", Some("e.g. `Nd`, `Dy`".into()));
            }
        }
        AttrType::Country => {
            if !is_country(v) {
                bad(
                    diags,
                    "an ISO 3166-1 alpha-2 code",
                    Some("two capital letters, e.g. `CN`".into()),
                );
            }
        }
        AttrType::CountryOrAny => {
            if v != "*" && !is_country(v) {
                bad(diags, "a country code or `*`", None);
            }
        }
        AttrType::CountryOrWorld => {
            if v != "WORLD" && !is_country(v) {
                bad(diags, "a country code or `WORLD`", None);
            }
        }
        AttrType::MaterialOrKind => {
            let ok = v == "*" || is_id(v) || v.strip_prefix("kind:").is_some_and(is_id);
            if !ok {
                bad(diags, "a material id, `kind:<kind>` or `*`", None);
            }
        }
        AttrType::MaterialSelector => {
            if !is_selector(v) {
                bad(
                    diags,
                    "a material, a group, `kind:<kind>` or `stage:<stage>`",
                    None,
                );
            }
        }
        AttrType::MaterialSelectors => {
            if v.split(';').any(|p| !is_selector(p.trim())) {
                bad(
                    diags,
                    "a `;`-separated list of materials, `kind:<kind>` or `stage:<stage>`",
                    Some("e.g. `stage:magnet` or `ndfeb_std;ndfeb_high_dy`".into()),
                );
            }
        }
        AttrType::Period => {
            if crate::time::MonthSpan::parse(v).is_none() {
                bad(
                    diags,
                    "a period",
                    Some("write 2024, 2024-Q2, 2024-07 or 2024-01..2024-07 (first ≤ last)".into()),
                );
            }
        }
        AttrType::String | AttrType::List => {}
        AttrType::Float => {
            number(diags);
        }
        AttrType::Int => {
            if v.parse::<i64>().is_err() {
                bad(diags, "a whole number", None);
            }
        }
        AttrType::NonNeg => {
            if let Some(x) = number(diags) {
                check_nonneg(a, v, x, loc, diags);
            }
        }
        AttrType::Fraction => {
            if let Some(x) = number(diags)
                && !(0.0..=1.0).contains(&x)
            {
                diags.push(
                    codes::OUT_OF_RANGE,
                    loc,
                    format!("`{name}` = {v} is outside 0..1"),
                    Some("shares are fractions: write 0.92, not 92".into()),
                );
            }
        }
        AttrType::Bool => {
            if v != "true" && v != "false" {
                bad(diags, "`true` or `false`", None);
            }
        }
        AttrType::Month => {
            if Month::parse(v).is_none() {
                bad(diags, "a month", Some("write YYYY-MM, e.g. 2027-06".into()));
            }
        }
        AttrType::Enum(options) => {
            if !options.iter().any(|o| o == v) {
                bad(
                    diags,
                    "an allowed value",
                    Some(
                        did_you_mean(v, options.iter().map(String::as_str))
                            .map(|d| format!("{d} (allowed: {})", options.join(", ")))
                            .unwrap_or_else(|| format!("allowed: {}", options.join(", "))),
                    ),
                );
            }
        }
        AttrType::Ref(_) => {}
        AttrType::Refs(_) => {
            if v.split(';').any(|p| p.trim().is_empty()) {
                bad(
                    diags,
                    "a `;`-separated list of ids",
                    Some("remove empty list items".into()),
                );
            }
        }
    }
}

/// Split a `;`-list cell.
pub fn split_list(v: &str) -> Vec<String> {
    v.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Schema;

    #[test]
    fn reports_every_cell_problem_with_location() {
        let mut d = Diagnostics::default();
        let t = Table::parse(
            "sectors",
            "sectors.csv",
            "id,name,priority,wtp_multiplier,elasticity,source,colour\nDefence,Defence,one,-2,0.1,s1,red\nwind,Wind,2,1.5,,s1,blue\n",
            &mut d,
        );
        t.check(Schema::get().table("sectors").unwrap(), &mut d);
        let s = d.to_string();
        assert!(
            s.contains("sectors.csv:1:7: error[E003]: unknown column `colour`"),
            "{s}"
        );
        assert!(s.contains("sectors.csv:2:1: error[E006]"), "{s}");
        assert!(s.contains("sectors.csv:2:3: error[E006]"), "{s}");
        assert!(s.contains("sectors.csv:2:4: error[E007]"), "{s}");
        assert!(s.contains("sectors.csv:3:5: error[E005]"), "{s}");
        assert_eq!(d.len(), 5, "{s}");
    }

    #[test]
    fn ragged_rows_are_syntax_errors_not_panics() {
        let mut d = Diagnostics::default();
        let t = Table::parse("x", "x.csv", "a,b\n1,2,3\n\"unterminated\n", &mut d);
        assert!(t.rows.is_empty());
        assert!(d.iter().all(|x| x.code == codes::SYNTAX));
        assert!(!d.is_empty());
    }
}
