//! API tests over a real socket: each test starts a server on 127.0.0.1:0 with its own
//! store directory and talks HTTP/1.1 to it with a small client written here.
//!
//! Scenarios run on the tiny fixture dataset (`--data`), two years, so a run takes
//! milliseconds. Bad requests must get a clear 4xx with a JSON body, never a 5xx.

use lodestone_server::{Config, Running, ServerError};
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

const TWO_YEARS: &str = "name = \"tiny-base\"\n[horizon]\nstart = \"2024-01\"\nend = \"2025-12\"\n";

fn disrupted() -> String {
    "name = \"tiny-disrupted\"\n[horizon]\nstart = \"2024-01\"\nend = \"2025-12\"\n\
     [[events]]\ntype = \"disruption\"\nfacility = \"mine_cn\"\nstart = \"2025-01\"\nend = \"2025-12\"\nloss = 0.8\n"
        .to_string()
}

fn tiny_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../lodestone-engine/tests/fixtures/tiny")
}

fn start(store: &Path, tweak: impl FnOnce(&mut Config)) -> Running {
    let mut c = Config::new(store);
    c.data_dir = Some(tiny_dir());
    c.workers = 2;
    tweak(&mut c);
    lodestone_server::spawn("127.0.0.1:0".parse().unwrap(), &c).expect("server starts")
}

/// A response: status, headers (lower-case names), body.
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}), status {}: {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(nl) = body.windows(2).position(|w| w == b"\r\n") {
        let size_text = String::from_utf8_lossy(&body[..nl]);
        let size =
            usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = nl + 2;
        out.extend_from_slice(&body[start..(start + size).min(body.len())]);
        body = &body[(start + size + 2).min(body.len())..];
    }
    out
}

/// Sends raw bytes and reads the whole response (the request says `Connection: close`).
fn raw(addr: SocketAddr, bytes: &[u8]) -> Resp {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    // A server may answer (401, 413) and close before it has read the whole body; the
    // rest of the write then fails with a broken pipe or reset. The answer is what we test.
    if let Err(e) = s.write_all(bytes) {
        assert!(
            matches!(
                e.kind(),
                std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset
            ),
            "write failed: {e}"
        );
    }
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    parse(&buf)
}

fn parse(buf: &[u8]) -> Resp {
    let end = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no response head in {:?}", String::from_utf8_lossy(buf)));
    let head = String::from_utf8_lossy(&buf[..end]);
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = buf[end + 4..].to_vec();
    if headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"))
    {
        body = dechunk(&body);
    }
    Resp {
        status,
        headers,
        body,
    }
}

fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    extra: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Resp {
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in extra {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(b) = body {
        head.push_str(&format!("Content-Length: {}\r\n", b.len()));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    if let Some(b) = body {
        bytes.extend_from_slice(b);
    }
    let r = raw(addr, &bytes);
    assert!(
        r.status < 500,
        "{method} {path} → {} {}",
        r.status,
        r.text()
    );
    r
}

fn get(addr: SocketAddr, path: &str) -> Resp {
    request(addr, "GET", path, &[], None)
}

fn post(addr: SocketAddr, path: &str, body: &Value) -> Resp {
    post_with(addr, path, body, &[])
}

fn post_with(addr: SocketAddr, path: &str, body: &Value, extra: &[(&str, &str)]) -> Resp {
    let mut h = vec![("Content-Type", "application/json")];
    h.extend_from_slice(extra);
    request(addr, "POST", path, &h, Some(body.to_string().as_bytes()))
}

/// Polls a job until it ends (bounded: 30 s).
fn wait_job(addr: SocketAddr, id: i64) -> Value {
    for _ in 0..600 {
        let j = get(addr, &format!("/api/jobs/{id}")).json();
        if j["state"] == "done" || j["state"] == "failed" {
            return j;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("job {id} did not end within 30 s");
}

/// Submits a run of `toml` and waits for it; returns the finished job.
fn run_done(addr: SocketAddr, toml: &str) -> Value {
    let r = post(addr, "/api/runs", &json!({"toml": toml}));
    assert!(
        r.status == 202 || r.status == 200,
        "{} {}",
        r.status,
        r.text()
    );
    let j = wait_job(addr, r.json()["id"].as_i64().unwrap());
    assert_eq!(j["state"], "done", "{j}");
    j
}

fn assert_error(r: &Resp, status: u16, code: &str) -> Value {
    assert_eq!(r.status, status, "{}", r.text());
    let v = r.json();
    assert_eq!(v["code"], code, "{v}");
    assert!(v["error"].as_str().is_some_and(|e| !e.is_empty()), "{v}");
    v
}

/// Asserts that the OpenAPI document lists `status` among the responses of the operation.
fn documented(doc: &Value, method: &str, path: &str, status: u16) {
    let responses = &doc["paths"][path][method]["responses"];
    assert!(
        responses.get(status.to_string()).is_some(),
        "{method} {path} answered {status}, which its document does not list: {responses}"
    );
}

#[test]
fn queries_and_bodies_are_refused_as_documented() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path(), |_| {});
    let a = s.addr();
    let doc = get(a, "/api/openapi.json").json();
    // every endpoint that takes `limit` checks its query: a malformed limit or an unknown
    // parameter is a documented 400
    let mut with_limit = 0;
    for (path, ops) in doc["paths"].as_object().unwrap() {
        let Some(params) = ops["get"]["parameters"].as_array() else {
            continue;
        };
        if !params.iter().any(|p| p["name"] == "limit") {
            continue;
        }
        with_limit += 1;
        let q = if path == "/api/news/search" {
            "q=rare&"
        } else {
            ""
        };
        for bad in ["limit=many", "limit=-1", "limit=1.5", "bogus=1"] {
            let r = get(a, &format!("{path}?{q}{bad}"));
            assert_error(&r, 400, "bad_request");
            documented(&doc, "get", path, 400);
        }
        let r = get(a, &format!("{path}?{q}limit=0"));
        assert_eq!(r.status, 200, "{path}: {}", r.text());
    }
    assert_eq!(with_limit, 6);
    // `null` is not a string (nor a boolean, nor an integer): refused, not taken as absent
    for body in [
        json!({"toml": TWO_YEARS, "file": null}),
        json!({"scenario": null, "toml": TWO_YEARS}),
        json!({"toml": TWO_YEARS, "cache": null}),
    ] {
        for path in ["/api/validate", "/api/runs", "/api/ensembles"] {
            let v = assert_error(&post(a, path, &body), 400, "bad_request");
            assert!(v["error"].as_str().unwrap().contains("null"), "{v}");
            documented(&doc, "post", path, 400);
        }
    }
    let r = post(
        a,
        "/api/ensembles",
        &json!({"toml": TWO_YEARS, "threads": 0}),
    );
    assert_error(&r, 400, "bad_request");
    assert_eq!(
        doc["components"]["schemas"]["EnsembleRequest"]["properties"]["threads"]["minimum"],
        1
    );
    // the document declares security only where the server enforces it
    assert_eq!(doc["paths"]["/api/runs"]["post"]["security"], json!([]));
    s.stop().unwrap();
    let s = start(dir.path(), |c| c.token = Some("s3cret".into()));
    let doc = get(s.addr(), "/api/openapi.json").json();
    for path in ["/api/validate", "/api/runs", "/api/ensembles"] {
        assert_eq!(
            doc["paths"][path]["post"]["security"],
            json!([{"bearer": []}])
        );
        let r = post(s.addr(), path, &json!({"toml": TWO_YEARS}));
        assert_error(&r, 401, "unauthorized");
        documented(&doc, "post", path, 401);
    }
    s.stop().unwrap();
}

#[test]
fn openapi_lists_every_route_and_each_answers_without_5xx() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path(), |_| {});
    let doc = get(s.addr(), "/api/openapi.json").json();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 20, "{}", paths.len());
    for (path, ops) in paths {
        let concrete = path
            .replace("{id}", "999999")
            .replace("{name}", "tiny")
            .replace("{table}", "shares");
        for method in ops.as_object().unwrap().keys() {
            let r = match method.as_str() {
                "get" => get(s.addr(), &concrete),
                "post" => post(
                    s.addr(),
                    &concrete,
                    &json!({"scenario": "no-such-scenario"}),
                ),
                m => panic!("unexpected method {m}"),
            };
            let v = r.json();
            assert_ne!(
                v["error"], "no such endpoint",
                "{method} {path} is not routed"
            );
            documented(&doc, method, path, r.status);
        }
    }
    let page = get(s.addr(), "/");
    assert_eq!(page.status, 200);
    assert!(
        page.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert!(page.text().contains("id=\"chart-shares\""));
    let health = get(s.addr(), "/api/health").json();
    assert_eq!(health["ok"], true);
    assert_eq!(health["token_required"], false);
    s.stop().unwrap();
}

#[test]
fn datasets_scenarios_and_sources() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path(), |_| {});
    let ds = get(s.addr(), "/api/datasets").json();
    assert_eq!(ds.as_array().unwrap().len(), 1, "{ds}");
    assert_eq!(ds[0]["name"], "tiny");
    let src = get(s.addr(), "/api/datasets/tiny/sources").json();
    assert_eq!(src["sources"][0]["id"], "t_fixture");
    assert!(src["sources"][0]["rows"].as_u64().unwrap() > 10);
    let v = assert_error(
        &get(s.addr(), "/api/datasets/rare-earths/sources"),
        404,
        "not_found",
    );
    assert!(v["hint"].as_str().unwrap().contains("tiny"), "{v}");

    let list = get(s.addr(), "/api/scenarios").json();
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"baseline"), "{names:?}");
    let b = get(s.addr(), "/api/scenarios/baseline").json();
    // the central case extends the downside that holds the horizon
    assert!(
        b["text"]
            .as_str()
            .unwrap()
            .contains("extends = \"frozen-supply\"")
    );
    let v = assert_error(&get(s.addr(), "/api/scenarios/baselin"), 404, "not_found");
    assert!(
        v["hint"]
            .as_str()
            .unwrap()
            .contains("did you mean `baseline`"),
        "{v}"
    );
    s.stop().unwrap();
}

#[test]
fn runs_are_jobs_with_results_as_json_and_csv() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path(), |_| {});
    let a = s.addr();
    let r = post(a, "/api/runs", &json!({"toml": TWO_YEARS}));
    assert_eq!(r.status, 202, "{}", r.text());
    let id = r.json()["id"].as_i64().unwrap();
    assert_eq!(
        r.header("location"),
        Some(format!("/api/jobs/{id}").as_str())
    );
    assert_eq!(r.json()["cached"], false);
    let job = wait_job(a, id);
    assert_eq!(job["state"], "done", "{job}");
    assert_eq!(job["progress"]["fraction"], 1.0);
    assert_eq!(job["balance_ok"], true);
    assert_eq!(job["links"]["result"], format!("/api/runs/{id}/summary"));

    let run = get(a, &format!("/api/runs/{id}")).json();
    assert_eq!(run["scenario"], "tiny-base");
    assert_eq!(
        run["links"]["csv"]["shares"],
        format!("/api/runs/{id}/csv/shares")
    );
    let summary = get(a, &format!("/api/runs/{id}/summary")).json();
    assert_eq!(summary["dataset"], "tiny");
    assert!(
        summary["annual"]["2024"]["shares"]["mining"]["CN"]
            .as_f64()
            .unwrap()
            > 0.5
    );
    assert!(summary["annual"]["2025"].is_object());
    let csv = get(a, &format!("/api/runs/{id}/csv/shares"));
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    let text = csv.text();
    assert!(
        text.starts_with("period,stage,country,value,unit\n2024,"),
        "{text}"
    );
    assert!(text.contains("\n2025,mining,CN,"), "{text}");
    assert!(
        text.lines().skip(1).all(|l| l.ends_with(",share")),
        "{text}"
    );
    // years as columns on request; an unknown layout is a 400
    let wide = get(a, &format!("/api/runs/{id}/csv/flows?layout=wide")).text();
    assert!(
        wide.starts_with("exporter,importer,material,unit,2024,2025\n"),
        "{wide}"
    );
    assert_error(
        &get(a, &format!("/api/runs/{id}/csv/flows?layout=x")),
        400,
        "bad_request",
    );

    // the same question again: the stored result, no new job
    let again = post(a, "/api/runs", &json!({"toml": TWO_YEARS}));
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["id"], id);
    assert_eq!(again.json()["cached"], true);
    // unless asked not to
    let fresh = post(a, "/api/runs", &json!({"toml": TWO_YEARS, "cache": false}));
    assert_eq!(fresh.status, 202);
    assert_ne!(fresh.json()["id"], id);
    wait_job(a, fresh.json()["id"].as_i64().unwrap());

    let runs = get(a, "/api/runs?limit=10").json();
    assert_eq!(runs.as_array().unwrap().len(), 2);
    let jobs = get(a, "/api/jobs").json();
    assert_eq!(jobs.as_array().unwrap().len(), 2);
    s.stop().unwrap();
}

#[test]
fn runs_keep_their_report_answer_and_workbook() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path(), |_| {});
    let a = s.addr();
    let text = format!("# Question: does the tiny chain meet demand?\n\n{TWO_YEARS}");
    let j = run_done(a, &text);
    let id = j["id"].as_i64().unwrap();
    let run = get(a, &format!("/api/runs/{id}")).json();
    assert_eq!(run["links"]["answer"], format!("/api/runs/{id}/answer"));
    assert_eq!(run["links"]["report"], format!("/api/runs/{id}/report"));
    assert_eq!(run["links"]["xlsx"], format!("/api/runs/{id}/xlsx"));

    // the answer: the report's question, sentences and cards, with names and colours
    let ans = get(a, &format!("/api/runs/{id}/answer")).json();
    assert_eq!(ans["run"], id);
    assert_eq!(ans["answer"]["scenario"], "tiny-base");
    assert_eq!(
        ans["answer"]["question"],
        "does the tiny chain meet demand?"
    );
    assert!(
        !ans["answer"]["sentences"].as_array().unwrap().is_empty(),
        "{ans}"
    );
    let cards = ans["answer"]["cards"].as_array().unwrap();
    assert!(!cards.is_empty(), "{ans}");
    assert!(
        cards
            .iter()
            .any(|c| c["label"] == "China's share of mining output"),
        "{ans}"
    );
    assert_eq!(ans["labels"]["countries"]["CN"]["name"], "China");
    assert_eq!(ans["labels"]["countries"]["CN"]["colour"], "#d55e00");
    assert_eq!(ans["report"]["file"], "tiny-base.html");

    // the report page, as a download, says the same
    let rep = get(a, &format!("/api/runs/{id}/report"));
    assert_eq!(rep.status, 200);
    assert!(rep.header("content-type").unwrap().starts_with("text/html"));
    assert_eq!(
        rep.header("content-disposition"),
        Some(format!("attachment; filename=\"tiny-base-run-{id}.html\"").as_str())
    );
    let html = rep.text();
    assert!(
        html.contains("Question and answer") && html.contains("does the tiny chain meet demand?")
    );
    let first_card = cards[0]["label"].as_str().unwrap().replace('\'', "&#39;");
    assert!(html.contains(&first_card), "{first_card}");

    // the workbook: a README sheet, then a sheet per table
    let x = get(a, &format!("/api/runs/{id}/xlsx"));
    assert_eq!(x.status, 200);
    assert_eq!(
        x.header("content-type"),
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    );
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(x.body.clone())).unwrap();
    let mut wb = String::new();
    zip.by_name("xl/workbook.xml")
        .unwrap()
        .read_to_string(&mut wb)
        .unwrap();
    assert!(wb.contains("<sheet name=\"README\""), "{wb}");
    for t in lodestone_server::tables::names() {
        assert!(
            wb.contains(&format!("<sheet name=\"{t}\"")),
            "no sheet {t}: {wb}"
        );
    }
    let mut strings = String::new();
    zip.by_name("xl/sharedStrings.xml")
        .unwrap()
        .read_to_string(&mut strings)
        .unwrap();
    assert!(
        strings.contains("tiny-base") && strings.contains("usd_per_kg"),
        "{strings}"
    );

    // a run not finished or unknown: the documented errors
    assert_error(&get(a, "/api/runs/999/answer"), 404, "not_found");
    assert_error(&get(a, "/api/runs/999/xlsx"), 404, "not_found");
    s.stop().unwrap();
}

#[test]
fn compare_two_runs() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path(), |_| {});
    let a = s.addr();
    let base = run_done(a, TWO_YEARS)["id"].as_i64().unwrap();
    let hit = run_done(a, &disrupted())["id"].as_i64().unwrap();
    let c = get(a, &format!("/api/compare?a={base}&b={hit}")).json();
    assert_eq!(c["a"]["scenario"], "tiny-base");
    assert_eq!(c["b"]["scenario"], "tiny-disrupted");
    let years: Vec<&String> = c["years"].as_object().unwrap().keys().collect();
    assert_eq!(years, ["2024", "2025"]);
    let y = &c["years"]["2025"];
    assert!(
        y["prices"]["magnet"]["ex-CN"]["diff"].as_f64().unwrap() > 0.0,
        "{y}"
    );
    assert!(
        y["shares"]["mining"]["CN"]["diff"].as_f64().unwrap() < 0.0,
        "{y}"
    );
    assert_eq!(
        y["shortfall"]["total"]["a"].as_f64().map(|x| x >= 0.0),
        Some(true)
    );
    // an unfinished or unknown side is a clear 4xx
    assert_error(
        &get(a, &format!("/api/compare?a={base}&b=999")),
        404,
        "not_found",
    );
    assert_error(
        &get(a, &format!("/api/compare?a={base}")),
        400,
        "bad_request",
    );
    s.stop().unwrap();
}

#[test]
fn scenario_problems_are_located_422s() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path(), |_| {});
    let a = s.addr();
    let ok = post(a, "/api/validate", &json!({"toml": TWO_YEARS}));
    assert_eq!(ok.status, 200, "{}", ok.text());
    assert_eq!(ok.json()["valid"], true);
    assert_eq!(ok.json()["dataset"], "tiny");

    let bad_syntax = "name = \"x\"\n[horizon]\nstart = 2024-13\n";
    let v = assert_error(
        &post(
            a,
            "/api/validate",
            &json!({"toml": bad_syntax, "file": "mine.toml"}),
        ),
        422,
        "invalid",
    );
    let d = &v["diagnostics"][0];
    assert_eq!(d["location"]["file"], "mine.toml", "{v}");
    assert!(d["location"]["line"].as_u64().unwrap() >= 3, "{v}");
    assert!(d["code"].as_str().unwrap().starts_with('E'), "{v}");

    let unknown_facility = format!(
        "{TWO_YEARS}[[events]]\ntype = \"disruption\"\nfacility = \"mt_weld\"\nstart = \"2025-01\"\nend = \"2025-03\"\nloss = 1.0\n"
    );
    for endpoint in ["/api/validate", "/api/runs"] {
        let v = assert_error(
            &post(a, endpoint, &json!({"toml": unknown_facility})),
            422,
            "invalid",
        );
        let d = &v["diagnostics"][0];
        assert_eq!(d["code"], "E008", "{v}");
        assert!(d["message"].as_str().unwrap().contains("mt_weld"), "{v}");
        assert!(d["location"]["line"].as_u64().unwrap() > 0, "{v}");
    }
    // no job was created for the invalid run
    assert_eq!(get(a, "/api/jobs").json().as_array().unwrap().len(), 0);
    s.stop().unwrap();
}

#[test]
fn warnings_of_a_valid_scenario_are_in_the_json() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path(), |_| {});
    let a = s.addr();
    // an event that starts after the horizon ends: valid, but it does nothing in the run
    let late = format!(
        "{TWO_YEARS}[[events]]\ntype = \"disruption\"\nfacility = \"mine_cn\"\nstart = \"2027-01\"\nend = \"2027-06\"\nloss = 0.5\n"
    );
    let body = json!({"toml": late, "file": "late.toml"});
    let assert_warned = |v: &Value| {
        let w = &v["warnings"][0];
        assert_eq!(w["code"], "E011", "{v}");
        assert_eq!(w["location"]["file"], "late.toml", "{v}");
        assert_eq!(w["location"]["line"], 8, "{v}");
        assert!(
            w["message"]
                .as_str()
                .unwrap()
                .contains("after the horizon ends"),
            "{v}"
        );
        assert_eq!(v["warnings"].as_array().unwrap().len(), 1, "{v}");
    };
    let v = post(a, "/api/validate", &body);
    assert_eq!(v.status, 200, "{}", v.text());
    assert_warned(&v.json());
    let r = post(a, "/api/runs", &body);
    assert_eq!(r.status, 202, "{}", r.text());
    assert_warned(&r.json());
    let id = r.json()["id"].as_i64().unwrap();
    let done = wait_job(a, id);
    assert_eq!(done["state"], "done", "{done}");
    assert_warned(&done);
    assert_warned(&get(a, &format!("/api/runs/{id}")).json());
    // a cached answer says it too; a scenario without late events has none
    assert_warned(&post(a, "/api/runs", &body).json());
    let ok = post(a, "/api/validate", &json!({"toml": TWO_YEARS})).json();
    assert_eq!(ok["warnings"], json!([]), "{ok}");
    s.stop().unwrap();
}

#[test]
fn a_run_that_fails_its_balance_is_never_balance_ok() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path(), |_| {});
    let a = s.addr();
    // the solver's round-off on the tiny dataset (~2e-9 relative) is above this tolerance
    let strict = format!("{TWO_YEARS}[settings]\nbalance_tolerance = 1e-12\n");
    let r = post(a, "/api/runs", &json!({"toml": strict}));
    assert_eq!(r.status, 202, "{}", r.text());
    let job = wait_job(a, r.json()["id"].as_i64().unwrap());
    assert_eq!(job["balance_ok"], false, "{job}");
    let summary = get(a, &format!("/api/runs/{}/summary", job["id"])).json();
    assert_eq!(summary["balance"]["ok"], false, "{}", summary["balance"]);
    s.stop().unwrap();
}

#[test]
fn bad_requests_get_clear_4xx_never_5xx() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path(), |c| c.max_body_bytes = 4096);
    let a = s.addr();
    // over the 4 KiB limit but inside one 8 KiB socket read, so the server has taken every
    // byte off the socket before it answers and closes (no reset can eat the answer)
    let big = json!({"toml": format!("# {}\n{TWO_YEARS}", "x".repeat(5_000))});
    assert_error(&post(a, "/api/runs", &big), 413, "too_large");
    assert_error(&post(a, "/api/validate", &big), 413, "too_large");
    // the same body without a length (chunked) is stopped too
    let body = big.to_string();
    let chunked = format!(
        "POST /api/runs HTTP/1.1\r\nHost: {a}\r\nConnection: close\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n",
        body.len()
    );
    assert_error(&raw(a, chunked.as_bytes()), 413, "too_large");

    let json_h = [("Content-Type", "application/json")];
    let malformed = request(a, "POST", "/api/runs", &json_h, Some(b"{\"scenario\": "));
    let v = assert_error(&malformed, 400, "bad_request");
    assert!(
        v["error"].as_str().unwrap().contains("malformed JSON"),
        "{v}"
    );
    assert_error(
        &request(a, "POST", "/api/runs", &json_h, Some(b"[1, 2]")),
        400,
        "bad_request",
    );
    assert_error(
        &request(a, "POST", "/api/runs", &json_h, Some(b"")),
        400,
        "bad_request",
    );
    assert_error(
        &request(
            a,
            "POST",
            "/api/runs",
            &[("Content-Type", "text/plain")],
            Some(b"{}"),
        ),
        415,
        "unsupported_media_type",
    );
    assert_error(&post(a, "/api/runs", &json!({})), 400, "bad_request");
    assert_error(
        &post(
            a,
            "/api/runs",
            &json!({"scenario": "baseline", "toml": TWO_YEARS}),
        ),
        400,
        "bad_request",
    );
    assert_error(
        &post(a, "/api/runs", &json!({"scenario": "x", "bogus": 1})),
        400,
        "bad_request",
    );
    assert_error(
        &post(a, "/api/runs", &json!({"scenario": 42})),
        400,
        "bad_request",
    );
    assert_error(
        &post(a, "/api/runs", &json!({"toml": TWO_YEARS, "runs": 3})),
        400,
        "bad_request",
    );
    let v = assert_error(
        &post(a, "/api/runs", &json!({"scenario": "no-such"})),
        404,
        "not_found",
    );
    assert!(v["hint"].as_str().unwrap().contains("baseline"), "{v}");
    assert_error(
        &post(a, "/api/ensembles", &json!({"toml": TWO_YEARS, "runs": 0})),
        400,
        "bad_request",
    );

    assert_error(&get(a, "/api/runs/abc"), 400, "bad_request");
    assert_error(&get(a, "/api/runs/-3/summary"), 400, "bad_request");
    assert_error(&get(a, "/api/runs/999"), 404, "not_found");
    assert_error(&get(a, "/api/runs/999/summary"), 404, "not_found");
    assert_error(&get(a, "/api/runs/1/csv/nope"), 404, "not_found");
    assert_error(&get(a, "/api/jobs/0"), 400, "bad_request");
    assert_error(&get(a, "/api/runs?limit=many"), 400, "bad_request");
    assert_error(&get(a, "/api/compare?a=x&b=1"), 400, "bad_request");
    assert_error(&get(a, "/api/news/search"), 400, "bad_request");
    assert_error(
        &get(a, "/api/news/search?q=rare&since=yesterday"),
        400,
        "bad_request",
    );
    assert_error(&get(a, "/api/nope"), 404, "not_found");
    let wrong = request(a, "DELETE", "/api/runs", &[], None);
    assert_eq!(wrong.status, 405);
    assert_eq!(wrong.json()["code"], "method_not_allowed");

    // a run that is not finished yet is a 409, not an error of the server
    let r = post(a, "/api/runs", &json!({"toml": TWO_YEARS}));
    let id = r.json()["id"].as_i64().unwrap();
    let early = get(a, &format!("/api/runs/{id}/summary"));
    assert!(
        early.status == 409 || early.status == 200,
        "{}",
        early.status
    );
    wait_job(a, id);

    // garbage on the socket does not take the server down
    let mut sock = TcpStream::connect(a).unwrap();
    sock.write_all(b"\x00\x01 NOT HTTP\r\n\r\n").unwrap();
    let mut sink = Vec::new();
    sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let _ = sock.read_to_end(&mut sink);
    assert_eq!(get(a, "/api/health").json()["ok"], true);
    s.stop().unwrap();
}

#[test]
fn writes_need_the_token_when_one_is_set() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path(), |c| c.token = Some("s3cret".into()));
    let a = s.addr();
    let body = json!({"toml": TWO_YEARS});
    let r = post(a, "/api/runs", &body);
    assert_error(&r, 401, "unauthorized");
    assert_eq!(r.header("www-authenticate"), Some("Bearer"));
    assert_error(
        &post_with(a, "/api/runs", &body, &[("Authorization", "Bearer nope")]),
        401,
        "unauthorized",
    );
    assert_error(&post(a, "/api/validate", &body), 401, "unauthorized");
    // an oversized body without the token is refused for the token, before it is read:
    // the client announces it with `Expect: 100-continue` and gets the 401 instead of a
    // go-ahead, so no byte of the body is ever sent
    let head = format!(
        "POST /api/runs HTTP/1.1\r\nHost: {a}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\
         Expect: 100-continue\r\n\r\n",
        2 << 20
    );
    assert_error(&raw(a, head.as_bytes()), 401, "unauthorized");
    // reads need no token
    assert_eq!(get(a, "/api/health").json()["token_required"], true);
    assert_eq!(get(a, "/api/runs").status, 200);
    let ok = post_with(a, "/api/runs", &body, &[("Authorization", "Bearer s3cret")]);
    assert_eq!(ok.status, 202, "{}", ok.text());
    wait_job(a, ok.json()["id"].as_i64().unwrap());
    s.stop().unwrap();

    // off loopback, no token: the server refuses to start (nothing is bound)
    let mut c = Config::new(dir.path());
    c.data_dir = Some(tiny_dir());
    let refused = lodestone_server::spawn("0.0.0.0:0".parse().unwrap(), &c);
    assert!(matches!(refused, Err(ServerError::TokenRequired(_))));
    // a blank token is refused everywhere, loopback included: it is no protection
    for blank in ["", " ", "\t  "] {
        c.token = Some(blank.into());
        for addr in ["0.0.0.0:0", "127.0.0.1:0"] {
            let refused = lodestone_server::spawn(addr.parse().unwrap(), &c);
            assert!(
                matches!(&refused, Err(ServerError::BadToken(why)) if why.contains("blank")),
                "{blank:?} on {addr}"
            );
        }
    }
}

#[test]
fn blank_bearer_tokens_are_401s() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path(), |c| c.token = Some("s3cret".into()));
    let a = s.addr();
    let body = json!({"toml": TWO_YEARS});
    for blank in ["Bearer", "Bearer ", "Bearer     ", "Bearer \t "] {
        let r = post_with(a, "/api/validate", &body, &[("Authorization", blank)]);
        assert_error(&r, 401, "unauthorized");
    }
    // the scheme is case-insensitive (RFC 9110); the token is not
    let ok = post_with(
        a,
        "/api/validate",
        &body,
        &[("Authorization", "bearer s3cret")],
    );
    assert_eq!(ok.status, 200, "{}", ok.text());
    let wrong = post_with(
        a,
        "/api/validate",
        &body,
        &[("Authorization", "Bearer S3CRET")],
    );
    assert_error(&wrong, 401, "unauthorized");
    s.stop().unwrap();
}

#[test]
fn bodies_announced_over_the_limit_are_413_at_the_header() {
    let dir = tempfile::tempdir().unwrap();
    // a long time limit: a server waiting for the body would answer 408 only after it
    let s = start(dir.path(), |c| {
        c.max_body_bytes = 4096;
        c.request_timeout = Duration::from_secs(120);
    });
    let a = s.addr();
    for path in ["/api/runs", "/api/validate", "/api/ensembles"] {
        // 1 TB announced, a few bytes sent, the socket kept open: the answer comes from the
        // header alone, and the server closes the connection
        let mut sock = TcpStream::connect(a).unwrap();
        sock.set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {a}\r\nContent-Type: application/json\r\n\
             Content-Length: 1000000000000\r\n\r\n{{\"toml\": \""
        );
        sock.write_all(head.as_bytes()).unwrap();
        let mut buf = Vec::new();
        let _ = sock.read_to_end(&mut buf);
        let r = parse(&buf);
        let v = assert_error(&r, 413, "too_large");
        assert!(v["error"].as_str().unwrap().contains("4096"), "{v}");
        assert_eq!(r.header("connection"), Some("close"));
    }
    // a length at the limit is read as usual
    let body = json!({"toml": TWO_YEARS}).to_string();
    let padded = format!("{body:<4096}");
    let r = request(
        a,
        "POST",
        "/api/validate",
        &[("Content-Type", "application/json")],
        Some(padded.as_bytes()),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    s.stop().unwrap();
}

#[test]
fn finished_runs_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path(), |_| {});
    let job = run_done(s.addr(), TWO_YEARS);
    let id = job["id"].as_i64().unwrap();
    let before = get(s.addr(), &format!("/api/runs/{id}/summary")).body;
    let report = get(s.addr(), &format!("/api/runs/{id}/report")).body;
    let answer = get(s.addr(), &format!("/api/runs/{id}/answer")).json();
    s.stop().unwrap();

    let s = start(dir.path(), |_| {});
    let a = s.addr();
    assert_ne!(a.port(), 0);
    let j = get(a, &format!("/api/jobs/{id}")).json();
    assert_eq!(j["state"], "done");
    assert_eq!(j["scenario"], "tiny-base");
    assert_eq!(get(a, &format!("/api/runs/{id}/summary")).body, before);
    // the report and the answer were stored with the run
    assert_eq!(get(a, &format!("/api/runs/{id}/report")).body, report);
    assert_eq!(get(a, &format!("/api/runs/{id}/answer")).json(), answer);
    assert_eq!(get(a, "/api/runs").json().as_array().unwrap().len(), 1);
    let again = post(a, "/api/runs", &json!({"toml": TWO_YEARS}));
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["id"], id);
    s.stop().unwrap();
}

#[test]
fn slow_requests_time_out_with_408() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path(), |c| c.request_timeout = Duration::from_secs(1));
    let a = s.addr();
    let mut sock = TcpStream::connect(a).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    // promise 100 bytes, send 10, then wait
    sock.write_all(
        format!(
            "POST /api/runs HTTP/1.1\r\nHost: {a}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"toml\": \""
        )
        .as_bytes(),
    )
    .unwrap();
    let started = std::time::Instant::now();
    let mut buf = Vec::new();
    let _ = sock.read_to_end(&mut buf);
    let r = parse(&buf);
    assert_eq!(r.status, 408, "{}", r.text());
    assert_eq!(r.json()["code"], "timeout");
    assert!(started.elapsed() < Duration::from_secs(8));
    s.stop().unwrap();
}

#[test]
fn news_status_search_and_claims() {
    let dir = tempfile::tempdir().unwrap();
    // an empty store says so
    let s = start(dir.path(), |_| {});
    let st = get(s.addr(), "/api/news").json();
    assert_eq!(st["documents"], 0);
    assert_eq!(st["empty"], true);
    assert!(
        st["hint"]
            .as_str()
            .unwrap()
            .contains("lodestone news ingest")
    );
    let c = get(s.addr(), "/api/news/claims").json();
    assert_eq!(c["claims"].as_array().unwrap().len(), 0);
    let hits = get(s.addr(), "/api/news/search?q=rare+earth").json();
    assert_eq!(hits["hits"].as_array().unwrap().len(), 0);
    s.stop().unwrap();

    let text = "China tightens rare earth exports\nSource: Test Wire\nDate: 2025-04-04\n\n\
                China accounted for 69% of global rare earth mine production in 2024. \
                Lynas plans to produce 12,000 tonnes of NdPr oxide a year by 2026.\n";
    let docs = lodestone_news::parse_documents("wire.txt", text, None).unwrap();
    let mut store = lodestone_news::Store::open(dir.path()).unwrap();
    store.ingest(docs).unwrap();
    drop(store);

    let s = start(dir.path(), |_| {});
    let a = s.addr();
    assert_eq!(get(a, "/api/news").json()["documents"], 1);
    let d = get(a, "/api/news/documents").json();
    assert_eq!(
        d["documents"][0]["title"],
        "China tightens rare earth exports"
    );
    let hits = get(a, "/api/news/search?q=rare%20earth&limit=5").json();
    assert_eq!(hits["hits"].as_array().unwrap().len(), 1, "{hits}");
    assert_eq!(
        get(a, "/api/news/search?q=soybeans").json()["hits"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let claims = get(a, "/api/news/claims").json();
    assert_eq!(claims["documents"], 1);
    assert!(!claims["claims"].as_array().unwrap().is_empty(), "{claims}");
    // every claim has its verdict against the dataset, and the totals add up
    let mut counted = std::collections::BTreeMap::new();
    for c in claims["claims"].as_array().unwrap() {
        let v = c["verdict"]
            .as_str()
            .unwrap_or_else(|| panic!("no verdict: {c}"));
        assert!(
            ["supported", "contradicted", "unverifiable"].contains(&v),
            "{c}"
        );
        assert!(!c["reason"].as_str().unwrap().is_empty(), "{c}");
        *counted.entry(v.to_string()).or_insert(0) += 1;
    }
    for (v, n) in &counted {
        assert_eq!(claims["verdicts"][v], *n, "{claims}");
    }
    assert!(
        claims["tolerances"].as_str().unwrap().contains("dates ±"),
        "{claims}"
    );
    assert_error(&get(a, "/api/news/claims?doc=zzzz"), 404, "not_found");
    s.stop().unwrap();
}

#[test]
fn ensembles_are_jobs_with_replicate_progress() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path(), |_| {});
    let a = s.addr();
    let r = post(
        a,
        "/api/ensembles",
        &json!({"toml": TWO_YEARS, "runs": 4, "seed": 7, "threads": 2}),
    );
    assert_eq!(r.status, 202, "{}", r.text());
    let id = r.json()["id"].as_i64().unwrap();
    let j = wait_job(a, id);
    assert_eq!(j["state"], "done", "{j}");
    assert_eq!(j["kind"], "ensemble");
    assert_eq!(j["progress"]["total"], 4);
    assert_eq!(j["progress"]["done"], 4);
    let summary = get(a, &format!("/api/ensembles/{id}/summary")).json();
    assert_eq!(summary["runs"], 4);
    assert_eq!(summary["seed"], 7);
    // the fan charts the report would draw, titled with names and units
    assert_eq!(j["links"]["fans"], Value::Null, "a job has no fans link");
    let e = get(a, &format!("/api/ensembles/{id}")).json();
    assert_eq!(e["links"]["fans"], format!("/api/ensembles/{id}/fans"));
    let fans = get(a, &format!("/api/ensembles/{id}/fans")).json();
    assert_eq!(fans["runs"], 4);
    assert_eq!(fans["supplier"], "CN");
    let list = fans["fans"].as_array().unwrap();
    assert!(!list.is_empty(), "{fans}");
    let share = list
        .iter()
        .find(|f| f["path"] == "shares.magnet.CN")
        .unwrap_or_else(|| panic!("no fan of China's magnet share: {fans}"));
    assert_eq!(share["title"], "China's share of magnet output");
    assert_eq!(share["format"], "percent");
    assert_eq!(share["years"], json!(["2024", "2025"]));
    for f in list {
        assert_ne!(f["title"], f["path"], "a fan titled with its id: {f}");
        for i in 0..f["years"].as_array().unwrap().len() {
            let q = |k: &str| f[k][i].as_f64().unwrap();
            assert!(q("p10") <= q("p50") && q("p50") <= q("p90"), "{f}");
        }
    }
    assert_error(&get(a, "/api/ensembles/999/fans"), 404, "not_found");
    // an ensemble is not a run
    assert_error(
        &get(a, &format!("/api/runs/{id}/summary")),
        404,
        "not_found",
    );
    // same question, other thread count: the stored result
    let again = post(
        a,
        "/api/ensembles",
        &json!({"toml": TWO_YEARS, "runs": 4, "seed": 7, "threads": 1}),
    );
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["id"], id);
    s.stop().unwrap();
}

#[test]
fn a_request_may_set_the_time_step() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path(), |_| {});
    let a = s.addr();
    let periods = |body: Value| {
        let r = post(a, "/api/runs", &body);
        assert_eq!(r.status, 202, "{}", r.text());
        let id = r.json()["id"].as_i64().unwrap();
        assert_eq!(wait_job(a, id)["state"], "done");
        let csv = get(a, &format!("/api/runs/{id}/csv/prices")).text();
        let mut periods: Vec<String> = csv
            .lines()
            .skip(1)
            .filter_map(|l| l.split(',').next().map(str::to_string))
            .collect();
        periods.dedup();
        periods.len()
    };
    assert_eq!(periods(json!({"toml": TWO_YEARS})), 24, "monthly periods");
    assert_eq!(
        periods(json!({"toml": TWO_YEARS, "step": "year"})),
        2,
        "yearly periods"
    );
    // an ensemble records the step it ran at
    let r = post(
        a,
        "/api/ensembles",
        &json!({"toml": TWO_YEARS, "step": "quarter", "runs": 2}),
    );
    assert_eq!(r.status, 202, "{}", r.text());
    let id = r.json()["id"].as_i64().unwrap();
    assert_eq!(wait_job(a, id)["state"], "done");
    let summary = get(a, &format!("/api/ensembles/{id}/summary")).json();
    assert_eq!(summary["step"], "quarter", "{summary}");
    // an unknown step is a 400 with the choices
    let r = post(a, "/api/runs", &json!({"toml": TWO_YEARS, "step": "week"}));
    let e = assert_error(&r, 400, "bad_request");
    assert!(e.to_string().contains("month"), "{e}");
}
