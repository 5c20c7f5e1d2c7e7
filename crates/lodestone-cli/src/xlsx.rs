//! Excel workbooks (`--format xlsx`): a README sheet first (what was run, units,
//! sources), then one sheet per tidy table, numbers as numbers and headers bold.
//!
//! Sheets are written in rust_xlsxwriter's constant-memory mode (each row goes to a
//! temporary file as soon as the next one starts), so an ensemble's replicates stream as
//! they do to CSV. A table longer than Excel's 1,048,576 rows goes on in `name (2)`, …

use anyhow::{Context, Result};
use rust_xlsxwriter::{Format as XFormat, Workbook, XlsxError};
use std::path::{Path, PathBuf};

/// Data rows per sheet: Excel's limit less the header row.
pub const MAX_ROWS: u32 = 1_048_575;
/// Excel's limit on the length of a sheet name.
const NAME_MAX: usize = 31;

/// What the README sheet of a workbook says.
#[derive(Debug, Default)]
pub struct Readme {
    /// First line, in bold.
    pub title: String,
    /// (what, value): scenario, dataset, horizon, step, version, …
    pub facts: Vec<(String, String)>,
    /// (table, its unit or a note on its columns).
    pub units: Vec<(String, String)>,
    /// The dataset's sources: id, kind, citation, url.
    pub sources: Vec<[String; 4]>,
}

impl Readme {
    /// The README of a run of `sc` on `ds` (the facts every command shares).
    pub fn new(
        title: String,
        sc: &lodestone_model::Scenario,
        ds: &lodestone_model::Dataset,
    ) -> Readme {
        let facts = vec![
            ("scenario".into(), sc.name.clone()),
            ("dataset".into(), ds.name.clone()),
            (
                "horizon".into(),
                format!("{} → {}", sc.horizon.start, sc.horizon.end),
            ),
            (
                "step".into(),
                format!("{} month(s) per period", sc.horizon.step.months()),
            ),
            ("lodestone".into(), crate::VERSION.into()),
            ("command".into(), command_line()),
        ];
        let sources = (ds.sources.iter())
            .map(|s| {
                [
                    s.id.clone(),
                    s.kind.clone(),
                    s.citation.clone(),
                    s.url.clone(),
                ]
            })
            .collect();
        Readme {
            title,
            facts,
            units: Vec::new(),
            sources,
        }
    }
}

/// The command line that wrote the workbook (`lodestone run baseline --format xlsx …`).
fn command_line() -> String {
    let args: Vec<String> = std::env::args().skip(1).collect();
    format!("lodestone {}", args.join(" "))
}

/// One value of a row.
#[derive(Debug, Clone, Copy)]
pub enum XCell<'a> {
    /// Text.
    Text(&'a str),
    /// A number (NaN and infinities are written as the text CSV has: `NaN`, `inf`).
    Num(f64),
    /// An integer.
    Int(i64),
    /// TRUE / FALSE.
    Bool(bool),
    /// Nothing (an empty CSV field).
    Empty,
}

/// A table of a workbook, as handed out by [`Book::sheet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SheetId(usize);

/// One table: its (current) sheet, the next row there, and the part it is on.
struct TableState {
    name: String,
    headers: Vec<String>,
    index: usize,
    next_row: u32,
    part: u32,
}

/// A workbook being written to `path`.
pub struct Book {
    wb: Workbook,
    path: PathBuf,
    bold: XFormat,
    names: Vec<String>,
    tables: Vec<TableState>,
    sheets: usize,
    max_rows: u32,
}

/// Where `--out OUT` puts a workbook: `OUT` itself when it names a `.xlsx` file (and is not
/// a folder), else `OUT/<stem>.xlsx`.
pub fn destination(out: &Path, stem: &str) -> PathBuf {
    if names_file(out) {
        out.to_path_buf()
    } else {
        out.join(format!("{stem}.xlsx"))
    }
}

/// Whether `--out OUT` names the workbook file itself rather than a folder.
pub fn names_file(out: &Path) -> bool {
    let xlsx = (out.extension()).is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    xlsx && !out.is_dir()
}

/// The error for a workbook that cannot be written at `path`, with the hint on `--out`.
fn unwritable(path: &Path, e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!(
        "cannot write {}: {e}\n  hint: --out takes a folder (the workbook is written in it) \
         or a file name ending in .xlsx, in a folder you can write to",
        path.display()
    )
}

impl Book {
    /// Start a workbook at `path` with its README sheet. The folder is created and the file
    /// tried now (and removed again, so a run that fails leaves no empty workbook), so a
    /// bad path fails before any model run.
    pub fn create(path: &Path, readme: &Readme) -> Result<Book> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| unwritable(path, e))?;
        }
        std::fs::File::create(path).map_err(|e| unwritable(path, e))?;
        std::fs::remove_file(path).map_err(|e| unwritable(path, e))?;
        let mut book = Book {
            wb: Workbook::new(),
            path: path.to_path_buf(),
            bold: XFormat::new().set_bold(),
            names: Vec::new(),
            tables: Vec::new(),
            sheets: 0,
            max_rows: MAX_ROWS,
        };
        book.readme(readme)?;
        Ok(book)
    }

    /// A new constant-memory sheet named `name` (made valid and unique); its index.
    fn add_sheet(&mut self, name: &str) -> Result<usize> {
        let name = sheet_name(name, &self.names);
        let ws = self.wb.add_worksheet_with_constant_memory().map_err(xe)?;
        ws.set_name(&name).map_err(xe)?;
        self.names.push(name);
        self.sheets += 1;
        Ok(self.sheets - 1)
    }

    fn readme(&mut self, r: &Readme) -> Result<()> {
        let i = self.add_sheet("README")?;
        let bold = self.bold.clone();
        let ws = self.wb.worksheet_from_index(i).map_err(xe)?;
        ws.set_column_width(0, 22).map_err(xe)?;
        ws.set_column_width(1, 60).map_err(xe)?;
        ws.set_column_width(2, 80).map_err(xe)?;
        ws.write_string_with_format(0, 0, &r.title, &bold)
            .map_err(xe)?;
        let mut row = 2;
        for (k, v) in r.facts.iter().chain(&r.units) {
            ws.write_string_with_format(row, 0, k, &bold).map_err(xe)?;
            ws.write_string(row, 1, v).map_err(xe)?;
            row += 1;
        }
        row += 1;
        let note = "Sources: every figure of the dataset cites one of these source ids \
                    (`lodestone data sources` counts the rows citing each); assumptions are \
                    sources too, each with its plausible range.";
        ws.write_string(row, 0, note).map_err(xe)?;
        row += 1;
        for (c, h) in ["source", "kind", "citation", "url"].iter().enumerate() {
            ws.write_string_with_format(row, c as u16, *h, &bold)
                .map_err(xe)?;
        }
        for s in &r.sources {
            row += 1;
            for (c, v) in s.iter().enumerate() {
                ws.write_string(row, c as u16, v).map_err(xe)?;
            }
        }
        Ok(())
    }

    /// A table's sheet with its bold header row (frozen); rows go in with [`Book::row`].
    pub fn sheet(&mut self, name: &str, headers: &[&str]) -> Result<SheetId> {
        self.tables.push(TableState {
            name: name.to_string(),
            headers: headers.iter().map(|h| h.to_string()).collect(),
            index: 0,
            next_row: 0,
            part: 0,
        });
        let id = SheetId(self.tables.len() - 1);
        self.next_part(id)?;
        Ok(id)
    }

    /// Open the table's next sheet (`name`, then `name (2)`, …) and write its header.
    fn next_part(&mut self, id: SheetId) -> Result<()> {
        let t = &self.tables[id.0];
        let name = match t.part {
            0 => t.name.clone(),
            p => format!("{} ({})", t.name, p + 1),
        };
        let headers = t.headers.clone();
        let index = self.add_sheet(&name)?;
        let bold = self.bold.clone();
        let ws = self.wb.worksheet_from_index(index).map_err(xe)?;
        for (c, h) in headers.iter().enumerate() {
            let c = u16::try_from(c).context("too many columns for a sheet")?;
            ws.write_string_with_format(0, c, h, &bold).map_err(xe)?;
            ws.set_column_width(c, (h.chars().count() + 2).max(12) as f64)
                .map_err(xe)?;
        }
        ws.set_freeze_panes(1, 0).map_err(xe)?;
        let t = &mut self.tables[id.0];
        t.index = index;
        t.next_row = 1;
        t.part += 1;
        Ok(())
    }

    /// Append a row to a table (a full sheet goes on in the table's next sheet).
    pub fn row(&mut self, id: SheetId, cells: &[XCell]) -> Result<()> {
        if self.tables[id.0].next_row > self.max_rows {
            self.next_part(id)?;
        }
        let t = &mut self.tables[id.0];
        let (index, row) = (t.index, t.next_row);
        t.next_row += 1;
        let ws = self.wb.worksheet_from_index(index).map_err(xe)?;
        for (c, cell) in cells.iter().enumerate() {
            let c = u16::try_from(c).context("too many columns for a sheet")?;
            match *cell {
                XCell::Text(s) => ws.write_string(row, c, s),
                XCell::Num(x) if x.is_finite() => ws.write_number(row, c, x),
                // the text CSV writes (`f64::to_string`), not rust_xlsxwriter's `NAN`
                XCell::Num(x) => ws.write_string(row, c, x.to_string()),
                XCell::Int(i) => ws.write_number(row, c, i as f64),
                XCell::Bool(b) => ws.write_boolean(row, c, b),
                XCell::Empty => continue,
            }
            .map_err(xe)?;
        }
        Ok(())
    }

    /// Write the workbook; returns its path.
    pub fn save(mut self) -> Result<PathBuf> {
        let file = std::fs::File::create(&self.path).map_err(|e| unwritable(&self.path, e))?;
        let mut w = std::io::BufWriter::new(file);
        self.wb
            .save_to_writer(&mut w)
            .map_err(|e| unwritable(&self.path, e))?;
        std::io::Write::flush(&mut w).map_err(|e| unwritable(&self.path, e))?;
        Ok(self.path)
    }
}

/// rust_xlsxwriter's error as ours.
fn xe(e: XlsxError) -> anyhow::Error {
    anyhow::anyhow!("writing the workbook: {e}")
}

/// A valid sheet name for `want`, unique (case-insensitively) among `taken`: Excel's
/// forbidden characters `[]:*?/\` become `_`, a leading or trailing `'` is dropped, at most
/// 31 characters, and a clash gets `~2`, `~3`, …
pub fn sheet_name(want: &str, taken: &[String]) -> String {
    let clean: String = (want.chars())
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .collect();
    let clean = clean.trim_matches('\'');
    let clean = if clean.is_empty() { "sheet" } else { clean };
    let cut = |s: &str, n: usize| s.chars().take(n).collect::<String>();
    let clashes = |n: &str| taken.iter().any(|t| t.to_lowercase() == n.to_lowercase());
    let mut name = cut(clean, NAME_MAX);
    let mut k = 2;
    while clashes(&name) || name.eq_ignore_ascii_case("history") {
        let suffix = format!("~{k}");
        name = format!("{}{suffix}", cut(clean, NAME_MAX - suffix.len()));
        k += 1;
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_valid_and_unique() {
        let taken = vec!["README".to_string(), "prices".to_string()];
        assert_eq!(sheet_name("flows", &taken), "flows");
        assert_eq!(sheet_name("Prices", &taken), "Prices~2");
        assert_eq!(sheet_name("a/b:c?", &taken), "a_b_c_");
        assert_eq!(sheet_name("''", &taken), "sheet");
        assert_eq!(sheet_name("History", &taken), "History~2");
        let long = "x".repeat(40);
        let first = sheet_name(&long, &taken);
        assert_eq!(first.chars().count(), 31);
        let second = sheet_name(&long, std::slice::from_ref(&first));
        assert_eq!(second, format!("{}~2", "x".repeat(29)));
        let cjk = "稀土".repeat(20);
        assert_eq!(sheet_name(&cjk, &taken).chars().count(), 31);
    }

    #[test]
    fn a_table_longer_than_a_sheet_goes_on_in_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.xlsx");
        let mut book = Book::create(&path, &Readme::default()).unwrap();
        book.max_rows = 2;
        let t = book.sheet("t", &["i"]).unwrap();
        for i in 0..5 {
            book.row(t, &[XCell::Int(i)]).unwrap();
        }
        assert_eq!(book.names, ["README", "t", "t (2)", "t (3)"]);
        book.save().unwrap();
        assert!(std::fs::metadata(&path).unwrap().len() > 0);
    }

    #[test]
    fn destination_is_the_file_or_a_file_in_the_folder() {
        assert_eq!(
            destination(Path::new("out/run.XLSX"), "b"),
            Path::new("out/run.XLSX")
        );
        assert_eq!(destination(Path::new("out"), "b"), Path::new("out/b.xlsx"));
    }

    #[test]
    fn an_unwritable_path_is_an_error_with_a_hint() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("plain");
        std::fs::write(&file, "x").unwrap();
        let err = Book::create(&file.join("t.xlsx"), &Readme::default())
            .err()
            .unwrap();
        let msg = format!("{err:#}");
        assert!(
            msg.contains("cannot write") && msg.contains("hint:"),
            "{msg}"
        );
    }
}
