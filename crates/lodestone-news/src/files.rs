//! Documents read from files and folders for ingest: a folder's files with a known
//! extension (sorted), UTF-8 checked with the first bad byte located, then parsed. The CLI
//! and the Python package both ingest through [`read_documents`].

use crate::document::{DocFormat, Document};
use crate::error::ParseError;
use crate::parse::parse_documents;
use std::path::PathBuf;

/// File extensions a folder is read for.
pub const EXTENSIONS: &[&str] = &[
    "txt", "md", "markdown", "html", "htm", "jsonl", "ndjson", "json",
];

/// Why a set of input files could not be read as documents (nothing is stored).
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// A folder or file cannot be read.
    #[error("{path}: cannot read {what}: {source}")]
    Io {
        /// The path as given.
        path: String,
        /// `folder` or `file`.
        what: &'static str,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A file is not UTF-8 text, located at its first invalid byte.
    #[error("{path}:{line}:{column}: not valid UTF-8 text (byte {byte})")]
    Utf8 {
        /// The path as given.
        path: String,
        /// 1-based line of the first invalid byte.
        line: usize,
        /// 1-based column (in bytes) of the first invalid byte.
        column: usize,
        /// Offset of the first invalid byte.
        byte: usize,
    },
    /// A document does not parse.
    #[error(transparent)]
    Parse(#[from] ParseError),
}

/// The files to read: a folder's files with a known extension, sorted; a file as given.
pub fn files_in(paths: &[PathBuf]) -> Result<Vec<PathBuf>, ReadError> {
    let known = |f: &PathBuf| {
        (f.extension().and_then(|e| e.to_str()))
            .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
    };
    let mut out = Vec::new();
    for p in paths {
        if !p.is_dir() {
            out.push(p.clone());
            continue;
        }
        let io = |source| ReadError::Io {
            path: p.display().to_string(),
            what: "folder",
            source,
        };
        let mut files: Vec<PathBuf> = (std::fs::read_dir(p).map_err(io)?)
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|f| f.is_file() && known(f))
            .collect();
        files.sort();
        out.extend(files);
    }
    Ok(out)
}

/// Every document in `paths` (files or folders), in `format` or each file's detected one.
pub fn read_documents(
    paths: &[PathBuf],
    format: Option<DocFormat>,
) -> Result<Vec<Document>, ReadError> {
    let mut docs = Vec::new();
    for f in files_in(paths)? {
        let path = f.display().to_string();
        let bytes = std::fs::read(&f).map_err(|source| ReadError::Io {
            path: path.clone(),
            what: "file",
            source,
        })?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
            ReadError::Utf8 {
                path: path.clone(),
                line: valid.iter().filter(|&&b| b == b'\n').count() + 1,
                column: valid.len() - line_start + 1,
                byte: valid.len(),
            }
        })?;
        docs.extend(parse_documents(&path, &text, format)?);
    }
    Ok(docs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_gives_its_known_files_sorted_and_bad_bytes_are_located() {
        let dir = std::env::temp_dir().join(format!("lodestone-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("b.txt"), "Second\n\nMore text.\n").unwrap();
        std::fs::write(dir.join("a.md"), "# First\n\nText.\n").unwrap();
        std::fs::write(dir.join("skip.bin"), [0u8, 1, 2]).unwrap();
        let files = files_in(std::slice::from_ref(&dir)).unwrap();
        let names: Vec<_> = files.iter().map(|f| f.file_name().unwrap()).collect();
        assert_eq!(names, ["a.md", "b.txt"]);
        assert_eq!(
            read_documents(std::slice::from_ref(&dir), None)
                .unwrap()
                .len(),
            2
        );
        std::fs::write(dir.join("c.txt"), b"ok\nab\xffcd").unwrap();
        let e = read_documents(std::slice::from_ref(&dir), None)
            .unwrap_err()
            .to_string();
        assert!(
            e.ends_with("c.txt:2:3: not valid UTF-8 text (byte 5)"),
            "{e}"
        );
        let missing = dir.join("none.txt");
        let e = read_documents(&[missing], None).unwrap_err().to_string();
        assert!(e.contains("none.txt: cannot read file:"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
