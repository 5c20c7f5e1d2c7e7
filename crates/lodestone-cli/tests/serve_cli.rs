//! `lodestone serve` refusals at start-up: the real binary, which must exit 2 with a clear
//! message before it binds any address (so these tests open no socket when they pass).

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn serve(store: &Path, args: &[&str], token_env: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_lodestone"));
    c.arg("serve")
        .arg("--store")
        .arg(store)
        // port 0: were the token accepted, the server would take a free loopback port
        .args(["--addr", "127.0.0.1:0"])
        .args(args)
        .env_remove("LODESTONE_TOKEN")
        .env_remove("LODESTONE_STORE")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(t) = token_env {
        c.env("LODESTONE_TOKEN", t);
    }
    let mut child = c.spawn().expect("run lodestone");
    // A refused start ends at once; a server that started runs until stopped, so it is
    // stopped here after a generous wait and the test fails (rather than hangs).
    for _ in 0..600 {
        if child.try_wait().expect("wait for lodestone").is_some() {
            return child.wait_with_output().expect("read its output");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    child.kill().expect("stop the server");
    let out = child.wait_with_output().expect("read its output");
    panic!(
        "the server started: {}",
        String::from_utf8_lossy(&out.stdout)
    );
}

fn refused(out: &Output, source: &str) {
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with(&format!("{source}: refusing the token")),
        "{err}"
    );
    assert!(err.contains("hint:"), "{err}");
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn blank_tokens_are_refused_at_start_up() {
    let dir = tempfile::tempdir().unwrap();
    for blank in ["", " ", "  \t "] {
        refused(&serve(dir.path(), &["--token", blank], None), "--token");
        refused(&serve(dir.path(), &[], Some(blank)), "LODESTONE_TOKEN");
    }
    // a token with a space inside could never be sent whole in a header
    let out = serve(dir.path(), &["--token", "two words"], None);
    refused(&out, "--token");
    assert!(String::from_utf8_lossy(&out.stderr).contains("spaces"));
}
