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
    let readme = wb.add_worksheet();
    readme.set_name("README")?;
    readme.set_column_width(0, 22)?;
    readme.set_column_width(1, 60)?;
    readme.set_column_width(2, 80)?;
    readme.write_string_with_format(0, 0, &about.title, &bold)?;
    let mut row = 2;
    for (k, v) in &about.facts {
        readme.write_string_with_format(row, 0, k, &bold)?;
        readme.write_string(row, 1, v)?;
        row += 1;
    }
    row += 1;
    readme.write_string_with_format(row, 0, "sheet", &bold)?;
    for (c, h) in ["sheet", "columns", "unit", "what a row holds"]
        .iter()
        .enumerate()
    {
        readme.write_string_with_format(row, c as u16, *h, &bold)?;
    }
    row += 1;
    for def in TABLES {
        let mut columns = vec!["period"];
        columns.extend(def.keys);
        columns.extend(["value", "unit"]);
        readme.write_string(row, 0, def.name)?;
        readme.write_string(row, 1, columns.join(", "))?;
        readme.write_string(row, 2, def.unit)?;
        readme.write_string(row, 3, def.description)?;
        row += 1;
    }
    if !about.sources.is_empty() {
        row += 1;
        for (c, h) in ["source", "kind", "citation", "url"].iter().enumerate() {
            readme.write_string_with_format(row, c as u16, *h, &bold)?;
        }
        row += 1;
        for s in &about.sources {
            for (c, v) in s.iter().enumerate() {
                readme.write_string(row, c as u16, v)?;
            }
            row += 1;
        }
    }
    for (name, text) in tables {
        let mut rd = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.as_bytes());
        let mut records = rd.records().filter_map(Result::ok);
        let Some(header) = records.next() else {
            continue;
        };
        let mut part = 0;
        let mut r = 0u32;
        let mut ws = None;
        let mut rows = records.peekable();
        while ws.is_none() || rows.peek().is_some() {
            if ws.is_none() || r as usize > ROWS_PER_SHEET {
                part += 1;
                let sheet = wb.add_worksheet();
                sheet.set_name(if part == 1 {
                    name.clone()
                } else {
                    format!("{name} ({part})")
                })?;
                for (c, h) in header.iter().enumerate() {
                    sheet.write_string_with_format(0, c as u16, h, &bold)?;
                }
                ws = Some(sheet);
                r = 1;
            }
            let Some(rec) = rows.next() else { break };
            let Some(sheet) = ws.as_mut() else { continue };
            let value = header.iter().position(|h| h == "value");
            for (c, field) in rec.iter().enumerate() {
                match field.parse::<f64>() {
                    Ok(x) if Some(c) == value || (c == 0 && !field.contains('-')) => {
                        sheet.write_number(r, c as u16, x)?;
                    }
                    _ => {
                        sheet.write_string(r, c as u16, field)?;
                    }
                };
            }
            r += 1;
        }
    }
    wb.save_to_buffer()
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
