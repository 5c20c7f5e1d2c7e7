//! The Excel download of a stored run (`/api/runs/{id}/xlsx`): a README sheet (what was
//! run, the unit of every table, the dataset's sources), then one sheet per table of
//! [`crate::tables`], numbers as numbers and headers bold.
//!
//! Built in memory from the stored summary, so every stored run has one, after a restart
//! too. (The command line's workbooks, `lodestone run --format xlsx`, stream the monthly
//! tables of a run being made to a file; this one holds the annual tables the API serves.)

use rust_xlsxwriter::{Format, Workbook, XlsxError};
use serde_json::Value;

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

/// The workbook of a summary, as the bytes of an `.xlsx` file.
pub fn workbook(summary: &Value, about: &About) -> Result<Vec<u8>, XlsxError> {
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
    readme.write_string_with_format(
        row,
        1,
        "columns (the last one holds the value, in its unit)",
        &bold,
    )?;
    row += 1;
    for (name, columns) in crate::tables::TABLES {
        readme.write_string(row, 0, *name)?;
        readme.write_string(row, 1, columns.join(", "))?;
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
    for (name, _) in crate::tables::TABLES {
        let Some(text) = crate::tables::csv(summary, name) else {
            continue;
        };
        let ws = wb.add_worksheet();
        ws.set_name(*name)?;
        let mut rd = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.as_bytes());
        for (r, rec) in rd.records().enumerate() {
            let Ok(rec) = rec else { continue };
            let last = rec.len().saturating_sub(1);
            for (c, field) in rec.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                if r == 0 {
                    ws.write_string_with_format(r, c, field, &bold)?;
                } else if (c == 0 || usize::from(c) == last)
                    && let Ok(x) = field.parse::<f64>()
                {
                    ws.write_number(r, c, x)?;
                } else {
                    ws.write_string(r, c, field)?;
                }
            }
        }
    }
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_workbook_is_a_zip_with_a_readme_and_a_sheet_per_table() {
        let s = json!({"annual": {"2024": {"shares": {"magnet": {"CN": 0.9}}}}});
        let about = About {
            title: "t".into(),
            facts: vec![("scenario".into(), "baseline".into())],
            sources: vec![["s1".into(), "report".into(), "A citation".into(), "".into()]],
        };
        let bytes = workbook(&s, &about).unwrap();
        assert_eq!(&bytes[..2], b"PK");
        let text = String::from_utf8_lossy(&bytes);
        // sheet names are stored uncompressed in the zip's directory as file names
        assert!(text.contains("xl/worksheets/sheet1.xml"));
        assert!(text.contains(&format!(
            "xl/worksheets/sheet{}.xml",
            crate::tables::TABLES.len() + 1
        )));
    }
}
