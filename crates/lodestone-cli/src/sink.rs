//! Streaming writers for tidy tables: CSV always, Parquet with the `parquet` feature, and
//! Excel workbooks (one sheet per table, [`crate::xlsx`]).
//!
//! Rows arrive one at a time (an ensemble writes each replicate as it finishes); the CSV
//! writer streams them, the Parquet writer buffers at most one row group and the workbook
//! flushes each sheet row by row, so memory stays flat however many replicates run.

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

/// Output format of tidy tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Comma-separated values with a header row.
    Csv,
    /// Apache Parquet, ZSTD-compressed (needs a build with `--features parquet`).
    Parquet,
    /// One Excel workbook: a README sheet, then a sheet per table.
    Xlsx,
}

impl Format {
    /// An error (exit 2, with a hint) if this build cannot write the format.
    pub fn check(self) -> Result<()> {
        if self == Format::Parquet && !cfg!(feature = "parquet") {
            return Err(no_parquet());
        }
        Ok(())
    }

    /// File extension.
    pub fn ext(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Parquet => "parquet",
            Format::Xlsx => "xlsx",
        }
    }
}

/// The error for `--format parquet` in a build without the feature (exit 2).
fn no_parquet() -> anyhow::Error {
    crate::load::bad_input(
        "this build of lodestone has no Parquet support\n  hint: build it with \
         `cargo build --release --features parquet`, or use --format csv",
    )
}

/// Type of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// 64-bit integer.
    Int,
    /// UTF-8 text.
    Text,
    /// 64-bit float.
    Float,
}

/// One value of a row.
#[derive(Debug, Clone, Copy)]
pub enum Cell<'a> {
    /// Integer.
    Int(i64),
    /// Text.
    Text(&'a str),
    /// Float.
    Float(f64),
}

/// A table being written.
pub struct Table {
    path: PathBuf,
    kinds: Vec<Kind>,
    inner: Inner,
}

enum Inner {
    Csv(Box<csv::Writer<std::fs::File>>),
    #[cfg(feature = "parquet")]
    Parquet(Box<parquet_sink::Writer>),
}

impl Table {
    /// Create `dir/name.ext` with the given columns.
    pub fn create(
        dir: &Path,
        name: &str,
        columns: &[(&str, Kind)],
        format: Format,
    ) -> Result<Table> {
        let path = dir.join(format!("{name}.{}", format.ext()));
        let inner = match format {
            Format::Csv => {
                let mut w = csv::Writer::from_path(&path)
                    .with_context(|| format!("creating {}", path.display()))?;
                w.write_record(columns.iter().map(|c| c.0))?;
                Inner::Csv(Box::new(w))
            }
            #[cfg(feature = "parquet")]
            Format::Parquet => Inner::Parquet(Box::new(
                parquet_sink::Writer::create(&path, name, columns)
                    .with_context(|| format!("creating {}", path.display()))?,
            )),
            #[cfg(not(feature = "parquet"))]
            Format::Parquet => return Err(no_parquet()),
            Format::Xlsx => anyhow::bail!("a workbook's tables are written through `Tables`"),
        };
        Ok(Table {
            path,
            kinds: columns.iter().map(|c| c.1).collect(),
            inner,
        })
    }

    /// Append a row (cells in column order, of the declared kinds). A row of the wrong
    /// width or with a cell of the wrong kind is an error and writes nothing.
    pub fn row(&mut self, cells: &[Cell]) -> Result<()> {
        check_row(&self.kinds, cells, &self.path.display().to_string())?;
        match &mut self.inner {
            Inner::Csv(w) => {
                for c in cells {
                    match c {
                        Cell::Int(v) => w.write_field(v.to_string())?,
                        Cell::Text(v) => w.write_field(v)?,
                        Cell::Float(v) => w.write_field(v.to_string())?,
                    }
                }
                w.write_record(None::<&[u8]>)?;
            }
            #[cfg(feature = "parquet")]
            Inner::Parquet(w) => w.row(cells)?,
        }
        Ok(())
    }

    /// Flush and close; returns the file written.
    pub fn finish(self) -> Result<PathBuf> {
        match self.inner {
            Inner::Csv(mut w) => w.flush()?,
            #[cfg(feature = "parquet")]
            Inner::Parquet(w) => w.finish()?,
        }
        Ok(self.path)
    }
}

/// A row's width and cell kinds against the columns of table `what`.
fn check_row(kinds: &[Kind], cells: &[Cell], what: &str) -> Result<()> {
    if cells.len() != kinds.len() {
        anyhow::bail!(
            "row of {} cells for {} columns in {what}",
            cells.len(),
            kinds.len(),
        );
    }
    let fits = |(cell, kind): (&Cell, &Kind)| {
        matches!(
            (cell, kind),
            (Cell::Int(_), Kind::Int) | (Cell::Text(_), Kind::Text) | (Cell::Float(_), Kind::Float)
        )
    };
    if let Some(k) = cells.iter().zip(kinds).position(|c| !fits(c)) {
        anyhow::bail!("cell {k} of a row has the wrong type for its column in {what}");
    }
    Ok(())
}

/// Where a command's tables go: files in a folder (CSV, Parquet), or one workbook.
pub enum Tables {
    /// `dir/<table>.<ext>`.
    Files {
        /// The folder.
        dir: PathBuf,
        /// CSV or Parquet.
        format: Format,
    },
    /// Sheets of one workbook.
    Book(Box<crate::xlsx::Book>),
}

/// One table being written into [`Tables`].
pub enum Handle {
    /// A file of its own.
    File(Table),
    /// A sheet of the workbook, with its column kinds and name.
    Sheet(crate::xlsx::SheetId, Vec<Kind>, String),
}

impl Tables {
    /// Tables into `out` in `format`: the folder for CSV and Parquet (created now); for
    /// xlsx the workbook [`crate::xlsx::destination`] names (`stem.xlsx` in the folder, or
    /// `out` itself when it ends in .xlsx), opened now with its README sheet.
    pub fn create(
        out: &Path,
        stem: &str,
        format: Format,
        readme: impl FnOnce() -> crate::xlsx::Readme,
    ) -> Result<Tables> {
        format.check()?;
        if format == Format::Xlsx {
            let path = crate::xlsx::destination(out, stem);
            let book = crate::xlsx::Book::create(&path, &readme())?;
            return Ok(Tables::Book(Box::new(book)));
        }
        std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
        Ok(Tables::Files {
            dir: out.to_path_buf(),
            format,
        })
    }

    /// Start table `name` with its columns.
    pub fn table(&mut self, name: &str, columns: &[(&str, Kind)]) -> Result<Handle> {
        match self {
            Tables::Files { dir, format } => {
                Ok(Handle::File(Table::create(dir, name, columns, *format)?))
            }
            Tables::Book(book) => {
                let heads: Vec<&str> = columns.iter().map(|c| c.0).collect();
                let id = book.sheet(name, &heads)?;
                let kinds = columns.iter().map(|c| c.1).collect();
                Ok(Handle::Sheet(id, kinds, name.to_string()))
            }
        }
    }

    /// Append a row to a table (see [`Table::row`]).
    pub fn row(&mut self, h: &mut Handle, cells: &[Cell]) -> Result<()> {
        match (self, h) {
            (_, Handle::File(t)) => t.row(cells),
            (Tables::Book(book), Handle::Sheet(id, kinds, name)) => {
                check_row(kinds, cells, &format!("sheet {name}"))?;
                let x: Vec<crate::xlsx::XCell> = cells.iter().map(|c| c.into()).collect();
                book.row(*id, &x)
            }
            (Tables::Files { .. }, Handle::Sheet(..)) => {
                anyhow::bail!("a sheet handle used with tables written as files")
            }
        }
    }

    /// Finish a table; the file written, if it is a file of its own.
    pub fn finish(&mut self, h: Handle) -> Result<Option<PathBuf>> {
        match h {
            Handle::File(t) => t.finish().map(Some),
            Handle::Sheet(..) => Ok(None),
        }
    }

    /// Close the output: writes the workbook (its path), nothing for files.
    pub fn close(self) -> Result<Option<PathBuf>> {
        match self {
            Tables::Files { .. } => Ok(None),
            Tables::Book(book) => book.save().map(Some),
        }
    }
}

impl<'a> From<&Cell<'a>> for crate::xlsx::XCell<'a> {
    fn from(c: &Cell<'a>) -> Self {
        match *c {
            Cell::Int(i) => crate::xlsx::XCell::Int(i),
            Cell::Text(s) => crate::xlsx::XCell::Text(s),
            Cell::Float(x) => crate::xlsx::XCell::Num(x),
        }
    }
}

#[cfg(feature = "parquet")]
mod parquet_sink {
    //! Parquet through the parquet crate's low-level column writers (no arrow).

    use super::{Cell, Kind};
    use anyhow::{Result, bail};
    use parquet::basic::{Compression, ZstdLevel};
    use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int64Type};
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    use parquet::schema::parser::parse_message_type;
    use std::path::Path;
    use std::sync::Arc;

    /// Rows per row group: bounds the buffered memory (~2 MB for four columns).
    const GROUP_ROWS: usize = 65_536;

    enum Column {
        Int(Vec<i64>),
        Text(Vec<ByteArray>),
        Float(Vec<f64>),
    }

    pub struct Writer {
        file: SerializedFileWriter<std::fs::File>,
        columns: Vec<Column>,
        rows: usize,
    }

    impl Writer {
        pub fn create(path: &Path, name: &str, columns: &[(&str, Kind)]) -> Result<Writer> {
            let fields: String = columns
                .iter()
                .map(|(n, k)| match k {
                    Kind::Int => format!("REQUIRED INT64 {n};"),
                    Kind::Text => format!("REQUIRED BYTE_ARRAY {n} (UTF8);"),
                    Kind::Float => format!("REQUIRED DOUBLE {n};"),
                })
                .collect();
            let schema = Arc::new(parse_message_type(&format!(
                "message {name} {{ {fields} }}"
            ))?);
            let props = Arc::new(
                WriterProperties::builder()
                    .set_compression(Compression::ZSTD(ZstdLevel::default()))
                    .set_created_by("lodestone".into())
                    .build(),
            );
            let file = SerializedFileWriter::new(std::fs::File::create(path)?, schema, props)?;
            let columns = columns
                .iter()
                .map(|(_, k)| match k {
                    Kind::Int => Column::Int(Vec::new()),
                    Kind::Text => Column::Text(Vec::new()),
                    Kind::Float => Column::Float(Vec::new()),
                })
                .collect();
            Ok(Writer {
                file,
                columns,
                rows: 0,
            })
        }

        pub fn row(&mut self, cells: &[Cell]) -> Result<()> {
            // `Table::row` checked width and kinds, so every cell lands in its column
            for (col, cell) in self.columns.iter_mut().zip(cells) {
                match (col, cell) {
                    (Column::Int(v), Cell::Int(x)) => v.push(*x),
                    (Column::Text(v), Cell::Text(x)) => v.push(ByteArray::from(*x)),
                    (Column::Float(v), Cell::Float(x)) => v.push(*x),
                    _ => bail!("cell of the wrong type for its column"),
                }
            }
            self.rows += 1;
            if self.rows == GROUP_ROWS {
                self.flush_group()?;
            }
            Ok(())
        }

        fn flush_group(&mut self) -> Result<()> {
            if self.rows == 0 {
                return Ok(());
            }
            let mut group = self.file.next_row_group()?;
            let mut cols = self.columns.iter_mut();
            while let Some(mut w) = group.next_column()? {
                match cols.next() {
                    Some(Column::Int(v)) => {
                        w.typed::<Int64Type>().write_batch(v, None, None)?;
                        v.clear();
                    }
                    Some(Column::Text(v)) => {
                        w.typed::<ByteArrayType>().write_batch(v, None, None)?;
                        v.clear();
                    }
                    Some(Column::Float(v)) => {
                        w.typed::<DoubleType>().write_batch(v, None, None)?;
                        v.clear();
                    }
                    None => bail!("schema has more columns than the table"),
                }
                w.close()?;
            }
            group.close()?;
            self.rows = 0;
            Ok(())
        }

        pub fn finish(mut self) -> Result<()> {
            self.flush_group()?;
            self.file.close()?;
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Cell, Format, Kind, Table};

    const COLUMNS: [(&str, Kind); 3] = [("i", Kind::Int), ("s", Kind::Text), ("x", Kind::Float)];

    #[test]
    fn csv_rows_round_trip_and_a_short_row_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let mut t = Table::create(dir.path(), "t", &COLUMNS, Format::Csv).unwrap();
        t.row(&[Cell::Int(1), Cell::Text("a,b"), Cell::Float(0.5)])
            .unwrap();
        assert!(t.row(&[Cell::Int(2)]).is_err());
        let path = t.finish().unwrap();
        let text = std::fs::read_to_string(path).unwrap();
        assert_eq!(text, "i,s,x\n1,\"a,b\",0.5\n");
    }

    #[cfg(feature = "parquet")]
    #[test]
    fn parquet_rejects_a_mistyped_row_without_misaligning_the_columns() {
        use parquet::file::reader::{FileReader, SerializedFileReader};
        use parquet::record::RowAccessor;
        let dir = tempfile::tempdir().unwrap();
        let mut t = Table::create(dir.path(), "t", &COLUMNS, Format::Parquet).unwrap();
        t.row(&[Cell::Int(1), Cell::Text("a"), Cell::Float(0.5)])
            .unwrap();
        // right first cell, wrong second: nothing of it may be kept
        let err = t
            .row(&[Cell::Int(2), Cell::Float(1.0), Cell::Float(2.0)])
            .unwrap_err();
        assert!(err.to_string().contains("cell 1"), "{err}");
        t.row(&[Cell::Int(3), Cell::Text("c"), Cell::Float(1.5)])
            .unwrap();
        let path = t.finish().unwrap();
        let r = SerializedFileReader::new(std::fs::File::open(path).unwrap()).unwrap();
        let rows: Vec<(i64, String, f64)> = r
            .get_row_iter(None)
            .unwrap()
            .map(|row| {
                let row = row.unwrap();
                (
                    row.get_long(0).unwrap(),
                    row.get_string(1).unwrap().clone(),
                    row.get_double(2).unwrap(),
                )
            })
            .collect();
        assert_eq!(rows, vec![(1, "a".into(), 0.5), (3, "c".into(), 1.5)]);
    }
}
