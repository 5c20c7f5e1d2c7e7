//! One run, two ways: the API's table endpoints (`/api/runs/{id}/csv/{table}`, tidy and
//! `?layout=wide`) serve byte for byte the files `lodestone run --out` writes (tidy and
//! `--layout wide`), for every table of the one table model (`lodestone_engine::tables`).

mod common;

use common::{run, text, tiny, two_scenarios};
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::Duration;

/// One HTTP/1.1 request with `Connection: close`: status and body (never chunked here:
/// the API answers with a length).
fn http(addr: SocketAddr, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).unwrap();
    let mut bytes = Vec::new();
    s.read_to_end(&mut bytes).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    assert!(
        !head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked"),
        "{head}"
    );
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, body.to_string())
}

/// Submit `toml` as a run and wait until it is done; its id.
fn api_run(addr: SocketAddr, toml: &str) -> i64 {
    let (status, body) = http(
        addr,
        "POST",
        "/api/runs",
        &json!({"toml": toml}).to_string(),
    );
    assert_eq!(status, 202, "{body}");
    let id = serde_json::from_str::<Value>(&body).unwrap()["id"]
        .as_i64()
        .unwrap();
    for _ in 0..600 {
        let (_, job) = http(addr, "GET", &format!("/api/jobs/{id}"), "");
        let job: Value = serde_json::from_str(&job).unwrap();
        match job["state"].as_str() {
            Some("done") => return id,
            Some("failed") => panic!("{job}"),
            _ => std::thread::sleep(Duration::from_millis(100)),
        }
    }
    panic!("run {id} did not finish");
}

/// `lodestone run FILE --data tiny --out DIR [--layout wide]`.
fn cli_out(file: &str, out: &Path, wide: bool) {
    let mut args = vec!["run", file, "--data"];
    let (tiny, out) = (tiny(), out.to_str().unwrap().to_string());
    args.extend([tiny.to_str().unwrap(), "--out", &out]);
    if wide {
        args.extend(["--layout", "wide"]);
    }
    let o = run(&args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn api_tables_equal_the_cli_out_files_for_one_run() {
    let (dir, _a, b) = two_scenarios();
    let mut config = lodestone_server::Config::new(dir.path().join("store"));
    config.data_dir = Some(tiny());
    let server = lodestone_server::spawn("127.0.0.1:0".parse().unwrap(), &config).unwrap();
    let addr = server.addr();
    let id = api_run(addr, &std::fs::read_to_string(&b).unwrap());
    let (tidy, wide) = (dir.path().join("tidy"), dir.path().join("wide"));
    cli_out(&b, &tidy, false);
    cli_out(&b, &wide, true);
    let mut files: Vec<String> = std::fs::read_dir(&tidy)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|f| f.ends_with(".csv"))
        .collect();
    files.sort();
    let mut names = lodestone_engine::tables::names();
    names.sort();
    let names: Vec<String> = names.iter().map(|n| format!("{n}.csv")).collect();
    assert_eq!(
        files, names,
        "--out writes every table of the model, no other"
    );
    for name in lodestone_engine::tables::names() {
        for (layout, folder) in [("", &tidy), ("?layout=wide", &wide)] {
            let path = format!("/api/runs/{id}/csv/{name}{layout}");
            let (status, served) = http(addr, "GET", &path, "");
            assert_eq!(status, 200, "{path}: {served}");
            let file = std::fs::read_to_string(folder.join(format!("{name}.csv"))).unwrap();
            assert_eq!(served, file, "{path} differs from {name}.csv");
        }
    }
    // a period table of a quarterly run has rows, keyed by quarter
    let flows = std::fs::read_to_string(tidy.join("flows.csv")).unwrap();
    assert!(flows.starts_with("period,exporter,importer,material,value,unit\n2024-Q1,"));
    let (status, body) = http(
        addr,
        "GET",
        &format!("/api/runs/{id}/csv/flows?layout=long"),
        "",
    );
    assert_eq!(status, 400, "{body}");
    server.stop().unwrap();
}
