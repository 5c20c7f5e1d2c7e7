//! Embeds every dataset folder under `data/` and every scenario under `scenarios/`.

use std::fmt::Write;
use std::path::Path;

fn files(dir: &Path, exts: &[&str]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            if p.is_file() && exts.iter().any(|x| name.ends_with(x)) {
                out.push((name, p.canonicalize().unwrap().display().to_string()));
            }
        }
    }
    out.sort();
    out
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let data = root.join("data");
    let scen = root.join("scenarios");
    println!("cargo:rerun-if-changed={}", data.display());
    println!("cargo:rerun-if-changed={}", scen.display());
    let mut code = String::from(
        "/// Embedded datasets: (name, [(file, text)]).\npub static DATASETS: &[(&str, &[(&str, &str)])] = &[\n",
    );
    let mut dirs: Vec<_> = std::fs::read_dir(&data)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    for d in dirs {
        println!("cargo:rerun-if-changed={}", d.display());
        let fs = files(&d, &[".csv", ".toml"]);
        if fs.is_empty() {
            continue;
        }
        let name = d.file_name().unwrap().to_string_lossy().to_string();
        writeln!(code, "    ({name:?}, &[").unwrap();
        for (n, p) in fs {
            println!("cargo:rerun-if-changed={p}");
            writeln!(code, "        ({n:?}, include_str!({p:?})),").unwrap();
        }
        code.push_str("    ]),\n");
    }
    code.push_str("];\n\n/// Embedded scenarios: (file name, text).\npub static SCENARIOS: &[(&str, &str)] = &[\n");
    for (n, p) in files(&scen, &[".toml"]) {
        println!("cargo:rerun-if-changed={p}");
        writeln!(code, "    ({n:?}, include_str!({p:?})),").unwrap();
    }
    code.push_str("];\n");
    std::fs::write(
        Path::new(&std::env::var("OUT_DIR").unwrap()).join("embedded.rs"),
        code,
    )
    .unwrap();
}
