//! The Excel download of a stored run (`/api/runs/{id}/xlsx`): a README sheet (what was
//! run, the grain, keys and unit of every table, the dataset's sources), then one sheet per
//! table of `lodestone_engine::tables`, numbers as numbers and headers bold.
//!
//! Built in memory from the run's stored CSV tables (the files `run --out` writes), so every
//! stored run has one, after a restart too. (The command line's workbooks, `lodestone run
//! --format xlsx`, stream the same tables of a run being made to a file.)

use lodestone_engine::tables::TABLES;
use rust_xlsxwriter::{Format, Workbook, XlsxError};

/// Data rows per sheet: Excel's limit less the header. A longer table continues on
/// `name (2)`, as in the command line's workbooks.
const ROWS_PER_SHEET: usize = 1_048_575;

/// What the README sheet says besides the tables.
#[derive(Debug, Default)]
pub struct About {
    /// First line, in bold.
    pub title: String,
    /// (what, value): scenario, dataset, run, version …
    pub facts: Vec<(String, String)>,
    /// The dataset's sources: id, kind, citation, url.
    pub sources: Vec<[String; 4]>,
}

/// The workbook of a run's tables, `(name, CSV text)` in `TABLES` order, as the bytes of an
/// `.xlsx` file.
pub fn workbook(tables: &[(String, String)], about: &About) -> Result<Vec<u8>, XlsxError> {
    let bold = Format::new().set_bold();
    let mut wb = Workbook::new();
    readme_sheet(&mut wb, about, &bold)?;
    for (name, text) in tables {
        table_sheets(&mut wb, name, text, &bold)?;
    }
    wb.save_to_buffer()
}

/// The README sheet: the title, the run's facts, every table's columns, unit and meaning,
/// and the dataset's sources.
fn readme_sheet(wb: &mut Workbook, about: &About, bold: &Format) -> Result<(), XlsxError> {
    let readme = wb.add_worksheet();
    readme.set_name("README")?;
    for (c, w) in [22.0, 60.0, 80.0].into_iter().enumerate() {
        readme.set_column_width(c as u16, w)?;
    }
    readme.write_string_with_format(0, 0, &about.title, bold)?;
    let mut row = 2;
    for (k, v) in &about.facts {
        readme.write_string_with_format(row, 0, k, bold)?;
        readme.write_string(row, 1, v)?;
        row += 1;
    }
    let mut lines: Vec<[String; 4]> = Vec::new();
    for def in TABLES {
        let mut columns = vec!["period"];
        columns.extend(def.keys);
        columns.extend(["value", "unit"]);
        let cells = [def.name, &columns.join(", "), def.unit, def.description];
        lines.push(cells.map(String::from));
    }
    let mut blocks = vec![(["sheet", "columns", "unit", "what a row holds"], lines)];
    if !about.sources.is_empty() {
        blocks.push((["source", "kind", "citation", "url"], about.sources.clone()));
    }
    for (header, lines) in blocks {
        row += 1;
        for (c, h) in header.iter().enumerate() {
            readme.write_string_with_format(row, c as u16, *h, bold)?;
        }
        for cells in lines {
            row += 1;
            for (c, v) in cells.iter().enumerate() {
                readme.write_string(row, c as u16, v)?;
            }
        }
        row += 1;
    }
    Ok(())
}

/// One table's sheets: `name`, then `name (2)` … past Excel's row limit; the `value`
/// column and year periods as numbers, headers bold. A table that is not valid CSV is an
/// error, never rows dropped.
fn table_sheets(wb: &mut Workbook, name: &str, text: &str, bold: &Format) -> Result<(), XlsxError> {
    let bad = |e: csv::Error| XlsxError::ParameterError(format!("table {name}: {e}"));
    let mut rd = (csv::ReaderBuilder::new().has_headers(false)).from_reader(text.as_bytes());
    let mut records = rd.records();
    let Some(header) = records.next().transpose().map_err(bad)? else {
        return Ok(());
    };
    let value = header.iter().position(|h| h == "value");
    let mut rows = records.peekable();
    let mut part = 0;
    while part == 0 || rows.peek().is_some() {
        part += 1;
        let sheet = wb.add_worksheet();
        sheet.set_name(match part {
            1 => name.to_string(),
            _ => format!("{name} ({part})"),
        })?;
        for (c, h) in header.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, h, bold)?;
        }
        for r in 1..=ROWS_PER_SHEET as u32 {
            let Some(rec) = rows.next() else { break };
            for (c, field) in rec.map_err(bad)?.iter().enumerate() {
                match field.parse::<f64>() {
                    Ok(x) if Some(c) == value || (c == 0 && !field.contains('-')) => {
                        sheet.write_number(r, c as u16, x)?
                    }
                    _ => sheet.write_string(r, c as u16, field)?,
                };
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_workbook_is_a_zip_with_a_readme_and_a_sheet_per_table() {
        let tables = vec![
            (
                "shares".to_string(),
                "period,stage,country,value,unit\n2024,magnet,CN,0.9,share\n".to_string(),
            ),
            (
                "prices".to_string(),
                "period,market,material,value,unit\n2024-01,CN,ndpr_oxide,50.1,usd_per_kg\n"
                    .to_string(),
            ),
        ];
        let about = About {
            title: "t".into(),
            facts: vec![("scenario".into(), "baseline".into())],
            sources: vec![["s1".into(), "report".into(), "A citation".into(), "".into()]],
        };
        let bytes = workbook(&tables, &about).unwrap();
        assert_eq!(&bytes[..2], b"PK");
        let text = String::from_utf8_lossy(&bytes);
        // sheet names are stored uncompressed in the zip's directory as file names
        assert!(
            text.contains("xl/worksheets/sheet3.xml"),
            "README + two tables"
        );
        assert!(!text.contains("xl/worksheets/sheet4.xml"));
    }
}
