//! Reading a dataset folder from disk (`--data DIR`): every `.csv` and `.toml` file as
//! UTF-8 text, sorted by name — the same shape as the embedded datasets.
//!
//! Shared by the command line and the server, so a folder reads the same in both.

use lodestone_model::DatasetFiles;
use std::path::Path;

/// Why a dataset folder could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FolderError {
    /// The path is not a directory.
    #[error(
        "{path}: not a dataset folder\n  hint: a dataset is a folder of CSV files with a dataset.toml"
    )]
    NotAFolder {
        /// The path given.
        path: String,
    },
    /// A file or the directory listing could not be read.
    #[error("reading {path}: {error}")]
    Io {
        /// The file or directory.
        path: String,
        /// The underlying error.
        error: std::io::Error,
    },
    /// A file is not UTF-8 (located at its first invalid byte).
    #[error("{0}")]
    NotUtf8(lodestone_model::Diagnostic),
}

impl FolderError {
    /// Whether the fault is in what the user gave (not a folder, not UTF-8), rather than
    /// in reading it.
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, FolderError::Io { .. })
    }
}

/// Reads every `.csv` and `.toml` file of the dataset folder `dir`.
pub fn read_dataset_dir(dir: &Path) -> Result<DatasetFiles, FolderError> {
    if !dir.is_dir() {
        return Err(FolderError::NotAFolder {
            path: dir.display().to_string(),
        });
    }
    let io = |p: &Path| {
        let path = p.display().to_string();
        move |error| FolderError::Io { path, error }
    };
    let mut files = Vec::new();
    for e in std::fs::read_dir(dir).map_err(io(dir))? {
        let p = e.map_err(io(dir))?.path();
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        if p.is_file() && (name.ends_with(".csv") || name.ends_with(".toml")) {
            let bytes = std::fs::read(&p).map_err(io(&p))?;
            let text = lodestone_model::diag::decode_utf8(&p.display().to_string(), bytes)
                .map_err(FolderError::NotUtf8)?;
            files.push((name, text));
        }
    }
    files.sort();
    Ok(DatasetFiles {
        root: dir.display().to_string(),
        files,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_reads_as_its_embedded_copy() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/rare-earths");
        let read = read_dataset_dir(&dir).unwrap();
        let embedded = crate::dataset_files("rare-earths").unwrap();
        assert_eq!(read.files, embedded.files);
        assert_eq!(read.root, dir.display().to_string());
    }

    #[test]
    fn a_missing_folder_is_bad_input_with_a_hint() {
        let e = read_dataset_dir(Path::new("/nonexistent/folder")).unwrap_err();
        assert!(e.is_bad_input());
        assert!(
            e.to_string().contains("not a dataset folder\n  hint:"),
            "{e}"
        );
    }
}
