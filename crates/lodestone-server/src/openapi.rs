//! The OpenAPI 3.1 document of the API, written by hand (no code generation) and served at
//! `/api/openapi.json`. A test checks that it lists exactly the routes the router serves.

use serde_json::{Value, json};
use std::sync::OnceLock;

/// Every (method, path) the API serves, in the document's order.
pub const ROUTES: &[(&str, &str)] = &[
    ("get", "/api/health"),
    ("get", "/api/openapi.json"),
    ("get", "/api/datasets"),
    ("get", "/api/datasets/{name}/sources"),
    ("get", "/api/scenarios"),
    ("get", "/api/scenarios/{name}"),
    ("post", "/api/validate"),
    ("post", "/api/runs"),
    ("get", "/api/runs"),
    ("get", "/api/runs/{id}"),
    ("get", "/api/runs/{id}/summary"),
    ("get", "/api/runs/{id}/csv/{table}"),
    ("get", "/api/runs/{id}/answer"),
    ("get", "/api/runs/{id}/report"),
    ("get", "/api/runs/{id}/xlsx"),
    ("post", "/api/ensembles"),
    ("get", "/api/ensembles"),
    ("get", "/api/ensembles/{id}"),
    ("get", "/api/ensembles/{id}/summary"),
    ("get", "/api/ensembles/{id}/fans"),
    ("get", "/api/jobs"),
    ("get", "/api/jobs/{id}"),
    ("get", "/api/compare"),
    ("get", "/api/news"),
    ("get", "/api/news/documents"),
    ("get", "/api/news/search"),
    ("get", "/api/news/claims"),
];

fn err(description: &str) -> Value {
    json!({"description": description,
           "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

fn ok(description: &str, schema: Value) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": schema}}})
}

fn any_object() -> Value {
    json!({"type": "object"})
}

fn array_of(items: Value) -> Value {
    json!({"type": "array", "items": items})
}

fn reference(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn path_param(name: &str, description: &str, integer: bool) -> Value {
    json!({"name": name, "in": "path", "required": true, "description": description,
           "schema": {"type": if integer { "integer" } else { "string" }}})
}

fn query_param(name: &str, description: &str, kind: &str, required: bool) -> Value {
    json!({"name": name, "in": "query", "required": required, "description": description,
           "schema": {"type": kind}})
}

fn limit() -> Value {
    json!({"name": "limit", "in": "query", "required": false,
           "description": "Most items to return (0 is taken as 1; there is a cap per endpoint).",
           "schema": {"type": "integer", "minimum": 0}})
}

/// The 400 of list endpoints: their query is checked (type of `limit`, unknown parameters).
fn bad_list_query() -> Value {
    err("A malformed `limit` (not a non-negative integer) or an unknown query parameter.")
}

fn get_op(summary: &str, params: Vec<Value>, responses: Value) -> Value {
    json!({"get": {"summary": summary, "parameters": params, "responses": responses}})
}

fn post_op(summary: &str, body: &str, responses: Value, token: bool) -> Value {
    // Without a token the server lets every request through: declaring a security
    // requirement it does not enforce would make the document lie.
    let security = if token {
        json!([{"bearer": []}])
    } else {
        json!([])
    };
    json!({"post": {
        "summary": summary,
        "security": security,
        "requestBody": {"required": true,
            "content": {"application/json": {"schema": reference(body)}}},
        "responses": responses,
    }})
}

fn merge(a: Value, b: Value) -> Value {
    let mut a = a;
    if let (Some(m), Value::Object(n)) = (a.as_object_mut(), b) {
        m.extend(n);
    }
    a
}

fn build(token: bool) -> Value {
    let job = || ok("The job.", reference("Job"));
    let id = |what: &str| path_param("id", &format!("{what} id"), true);
    let submit_responses = json!({
        "200": ok("An existing job answers the same question (done, or still queued or running): `cached: true`. Send `cache: false` to run again.", reference("Job")),
        "202": ok("Queued; poll the job.", reference("Job")),
        "400": err("Malformed JSON, a `null` or ill-typed field, an unknown field, or not exactly one of `scenario` and `toml`."),
        "401": err("A token is required."),
        "404": err("Unknown scenario name."),
        "413": err("Body over the limit."),
        "415": err("Body is not JSON."),
        "422": ok("The scenario does not parse or validate: every located problem.", reference("Error")),
        "429": err("Too many jobs waiting."),
    });
    let result_responses = |what: &str| {
        json!({
            "200": ok(&format!("The {what}'s summary."), any_object()),
            "400": err("Bad id."),
            "404": err("No such id."),
            "409": err("Not finished (or failed)."),
        })
    };
    let paths = json!({
        "/api/health": get_op("Server status, limits and whether a token is required.", vec![],
            json!({"200": ok("Status.", any_object())})),
        "/api/openapi.json": get_op("This document.", vec![],
            json!({"200": ok("OpenAPI 3.1.", any_object())})),
        "/api/datasets": get_op("Datasets on offer (the --data folder, else the embedded ones).", vec![],
            json!({"200": ok("Datasets.", array_of(any_object()))})),
        "/api/datasets/{name}/sources": get_op("A dataset's sources and how many rows cite each.",
            vec![path_param("name", "Dataset name.", false)],
            json!({"200": ok("Sources.", any_object()), "404": err("Unknown dataset.")})),
        "/api/scenarios": get_op("The shipped scenarios.", vec![],
            json!({"200": ok("Scenarios.", array_of(any_object()))})),
        "/api/scenarios/{name}": get_op("A shipped scenario with its TOML text.",
            vec![path_param("name", "Scenario name.", false)],
            json!({"200": ok("The scenario.", any_object()), "404": err("Unknown scenario (with a hint).")})),
        "/api/validate": post_op("Parse and validate a scenario against its dataset.", "ScenarioRequest",
            json!({
                "200": ok("Valid: the scenario's name, dataset, events, horizon, files and `warnings` (Diagnostic, located: an event that starts after the horizon does nothing in the run).", reference("Validation")),
                "400": err("Malformed JSON, a `null` or ill-typed field, an unknown field, or not exactly one of `scenario` and `toml`."),
                "401": err("A token is required."),
                "404": err("Unknown scenario name."),
                "413": err("Body over the limit."),
                "415": err("Body is not JSON."),
                "422": ok("Every located problem.", reference("Error")),
            }), token),
        "/api/runs": merge(
            post_op("Run a scenario as a background job.", "ScenarioRequest", submit_responses.clone(), token),
            get_op("Runs, newest first (at most 500).", vec![limit()],
                json!({"200": ok("Runs.", array_of(reference("Job"))), "400": bad_list_query()}))),
        "/api/runs/{id}": get_op("A run's job, with links to its summary and CSV tables.", vec![id("Run")],
            json!({"200": job(), "400": err("Bad id."), "404": err("No such run.")})),
        "/api/runs/{id}/summary": get_op("A finished run's summary (the shape of `lodestone run --json`).",
            vec![id("Run")], result_responses("run")),
        "/api/runs/{id}/csv/{table}": get_op("A table of a finished run as CSV: byte for byte the file `lodestone run --out` writes (tidy: `period`, key columns, `value`, `unit`), or with `layout=wide` the file of `--layout wide` (key columns, `unit`, one column per year).",
            vec![id("Run"), json!({"name": "table", "in": "path", "required": true,
                "schema": {"type": "string", "enum": crate::tables::names()}}),
                json!({"name": "layout", "in": "query", "required": false,
                "description": "`tidy` (default): one row per period, key and value; `wide`: one row per key, one column per year (a year's periods summed, averaged for prices, the last for stocks).",
                "schema": {"type": "string", "enum": ["tidy", "wide"]}})],
            json!({
                "200": {"description": "CSV.", "content": {"text/csv": {"schema": {"type": "string"}}}},
                "400": err("Bad id, a `layout` other than `tidy` or `wide`, or an unknown query parameter."),
                "404": err("No such run or table (or a run stored without its tables by an older server)."),
                "409": err("Not finished."),
            })),
        "/api/runs/{id}/answer": get_op("The report's question and answer of a finished run: the scenario's question, the answer in sentences and the key-number cards (`answer`), the names, units and colours of the dataset's ids (`labels`), the report's title and file name.",
            vec![id("Run")],
            json!({
                "200": ok("The answer.", reference("Answer")),
                "400": err("Bad id."), "404": err("No such run, or one stored by an older server (no answer kept)."), "409": err("Not finished (or failed)."),
            })),
        "/api/runs/{id}/report": get_op("The HTML report of a finished run (as `lodestone report` writes it), as a download.",
            vec![id("Run")],
            json!({
                "200": {"description": "A self-contained HTML page.", "content": {"text/html": {"schema": {"type": "string"}}}},
                "400": err("Bad id."), "404": err("No such run, or one stored by an older server (no report kept)."), "409": err("Not finished (or failed)."),
            })),
        "/api/runs/{id}/xlsx": get_op("A finished run's tables as an Excel workbook: a README sheet (scenario, dataset, the columns and unit of every table, sources), then one sheet per table of /api/runs/{id}/csv/{table}.",
            vec![id("Run")],
            json!({
                "200": {"description": "An .xlsx workbook.", "content": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string", "contentEncoding": "binary"}}}},
                "400": err("Bad id."), "404": err("No such run."), "409": err("Not finished (or failed)."),
            })),
        "/api/ensembles": merge(
            post_op("Run a Monte Carlo ensemble of a scenario as a background job (progress = replicates done).",
                "EnsembleRequest", submit_responses, token),
            get_op("Ensembles, newest first (at most 500).", vec![limit()],
                json!({"200": ok("Ensembles.", array_of(reference("Job"))), "400": bad_list_query()}))),
        "/api/ensembles/{id}": get_op("An ensemble's job.", vec![id("Ensemble")],
            json!({"200": job(), "400": err("Bad id."), "404": err("No such ensemble.")})),
        "/api/ensembles/{id}/summary": get_op("A finished ensemble's P10/P50/P90 summary.",
            vec![id("Ensemble")], result_responses("ensemble")),
        "/api/ensembles/{id}/fans": get_op("The fan charts of a finished ensemble, as the report draws them: for its key metrics, a title and axis label with the unit and the P10/P50/P90 by year; and its probability statements.",
            vec![id("Ensemble")],
            json!({
                "200": ok("The fans.", reference("Fans")),
                "400": err("Bad id."), "404": err("No such ensemble."), "409": err("Not finished (or failed)."),
            })),
        "/api/jobs": get_op("Jobs of every kind, newest first (at most 500).", vec![limit()],
            json!({"200": ok("Jobs.", array_of(reference("Job"))), "400": bad_list_query()})),
        "/api/jobs/{id}": get_op("A job: state (queued, running, done, failed) and progress.", vec![id("Job")],
            json!({"200": job(), "400": err("Bad id."), "404": err("No such job.")})),
        "/api/compare": get_op("Differences (b − a) between two finished runs, year by year.",
            vec![query_param("a", "Run id A.", "integer", true), query_param("b", "Run id B.", "integer", true)],
            json!({
                "200": ok("Comparison: years → shares, shortfall, prices, dependency, independence, each {a, b, diff}.", any_object()),
                "400": err("Missing or bad ids, an unknown query parameter, or no common year."),
                "404": err("No such run."),
                "409": err("A run is not finished."),
            })),
        "/api/news": get_op("The news store: where it is and how many documents it holds.", vec![],
            json!({"200": ok("Status.", any_object())})),
        "/api/news/documents": get_op("Stored documents, newest first (at most 500).", vec![limit()],
            json!({"200": ok("Documents.", any_object()), "400": bad_list_query()})),
        "/api/news/search": get_op("Full-text search (Chinese and English).",
            vec![query_param("q", "Search words; \"…\" for a phrase.", "string", true),
                 query_param("since", "Only documents dated on or after (YYYY-MM-DD or YYYY-MM).", "string", false),
                 query_param("source", "Only documents whose source contains these words.", "string", false),
                 limit()],
            json!({"200": ok("Hits with snippets and highlight ranges.", any_object()),
                   "400": err("Missing `q`, bad date, bad query, a malformed `limit` or an unknown query parameter.")})),
        "/api/news/claims": get_op("Quantitative claims extracted from the stored documents, with provenance and each claim's `verdict` against the dataset (`supported`, `contradicted`, `unverifiable`; `reason`, `evidence`), the totals (`verdicts`) and the `tolerances` used (at most 2000).",
            vec![query_param("doc", "Only this document (id or id prefix).", "string", false), limit()],
            json!({"200": ok("Claims.", any_object()),
                   "400": err("A malformed `limit`, an unknown query parameter or an ambiguous `doc` prefix."),
                   "404": err("No such document.")})),
    });
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Lodestone API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Run and compare rare earth supply chain scenarios. Requests that write or start work need `Authorization: Bearer <token>` when the server was started with a token (always, off loopback); this document declares that requirement only on a server that has a token. Bodies are limited in size (413, from the announced `Content-Length` before any byte is read) and requests in time (408). Request fields may be left out but are never `null`. Errors share one JSON shape (Error).",
            "license": {"name": "Apache-2.0"},
        },
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {"type": "object", "required": ["error", "code"], "properties": {
                    "error": {"type": "string"},
                    "code": {"type": "string", "enum": ["bad_request", "unauthorized", "not_found", "conflict", "timeout", "too_large", "unsupported_media_type", "invalid", "busy", "internal", "method_not_allowed"]},
                    "hint": {"type": ["string", "null"]},
                    "diagnostics": {"type": "array", "items": reference("Diagnostic")},
                }},
                "Diagnostic": {"type": "object", "properties": {
                    "code": {"type": "string", "description": "Stable code, e.g. E008."},
                    "location": {"type": "object", "properties": {
                        "file": {"type": "string"}, "line": {"type": "integer"}, "column": {"type": "integer"}}},
                    "message": {"type": "string"},
                    "hint": {"type": ["string", "null"]},
                }},
                "Answer": {"type": "object", "required": ["answer", "labels", "report", "run"], "properties": {
                    "run": {"type": "integer"},
                    "answer": {"type": "object", "required": ["scenario", "sentences", "cards"], "properties": {
                        "scenario": {"type": "string"},
                        "description": {"type": "string"},
                        "question": {"type": ["string", "null"], "description": "The `# Question:` comment of the scenario file."},
                        "horizon": {"type": "string"},
                        "sentences": {"type": "array", "items": {"type": "string"}},
                        "cards": {"type": "array", "items": {"type": "object", "required": ["label", "value", "detail"], "properties": {
                            "label": {"type": "string"}, "value": {"type": "string", "description": "With its unit."}, "detail": {"type": "string"}}}},
                    }},
                    "supplier": {"type": "string"},
                    "labels": {"type": "object", "description": "countries: id → {name, colour}; materials: id → {name, unit}; sectors: id → name; stages: id → {unit, colour}; other_colour.", "properties": {
                        "countries": {"type": "object", "additionalProperties": {"type": "object", "properties": {"name": {"type": "string"}, "colour": {"type": "string"}}}},
                        "materials": {"type": "object", "additionalProperties": {"type": "object", "properties": {"name": {"type": "string"}, "unit": {"type": "string"}}}},
                        "sectors": {"type": "object", "additionalProperties": {"type": "string"}},
                        "stages": {"type": "object"},
                        "other_colour": {"type": "string"},
                    }},
                    "report": {"type": "object", "properties": {"title": {"type": "string"}, "file": {"type": "string"}}},
                    "links": {"type": "object"},
                }},
                "Fans": {"type": "object", "required": ["ensemble", "fans", "probabilities"], "properties": {
                    "ensemble": {"type": "integer"},
                    "scenario": {"type": "string"},
                    "runs": {"type": "integer"},
                    "seed": {"type": "integer"},
                    "supplier": {"type": "string"},
                    "fans": {"type": "array", "items": {"type": "object", "required": ["path", "title", "axis", "format", "years", "p10", "p50", "p90"], "properties": {
                        "path": {"type": "string"}, "title": {"type": "string"}, "axis": {"type": "string"},
                        "format": {"type": "string", "enum": ["percent", "usd", "number"]},
                        "years": {"type": "array", "items": {"type": "string"}},
                        "p10": {"type": "array", "items": {"type": "number"}},
                        "p50": {"type": "array", "items": {"type": "number"}},
                        "p90": {"type": "array", "items": {"type": "number"}}}}},
                    "probabilities": {"type": "array", "items": {"type": "object", "properties": {"statement": {"type": "string"}, "probability": {"type": "number"}}}},
                }},
                "Validation": {"type": "object", "required": ["valid", "warnings"], "properties": {
                    "valid": {"type": "boolean"},
                    "scenario": {"type": "string"},
                    "dataset": {"type": "string"},
                    "events": {"type": "integer"},
                    "horizon": {"type": "object"},
                    "files": {"type": "array", "items": {"type": "string"}},
                    "warnings": {"type": "array", "items": reference("Diagnostic")},
                }},
                "ScenarioRequest": {"type": "object", "additionalProperties": false,
                    "description": "Exactly one of `scenario` and `toml`.",
                    "properties": {
                        "scenario": {"type": "string", "description": "A shipped scenario name."},
                        "toml": {"type": "string", "description": "Scenario TOML; `extends` may name shipped scenarios."},
                        "file": {"type": "string", "minLength": 1, "maxLength": 100, "description": "Label of the text in diagnostics (default scenario.toml): no control characters."},
                        "cache": {"type": "boolean", "description": "Reuse a stored result of the same question (default true)."},
                        "step": {"type": "string", "enum": ["month", "quarter", "year"], "description": "Time step instead of the scenario's (as `lodestone run --step`)."},
                    }},
                "EnsembleRequest": {"type": "object", "additionalProperties": false,
                    "description": "Exactly one of `scenario` and `toml`, and the ensemble options.",
                    "properties": {
                        "scenario": {"type": "string"},
                        "toml": {"type": "string"},
                        "file": {"type": "string", "minLength": 1, "maxLength": 100},
                        "cache": {"type": "boolean"},
                        "runs": {"type": "integer", "minimum": 1, "maximum": crate::api::MAX_ENSEMBLE_RUNS, "description": format!("Replicates (default {}, as `lodestone ensemble`).", lodestone_engine::ensemble::DEFAULT_RUNS)},
                        "seed": {"type": "integer", "minimum": 0, "description": format!("Master seed (default {}, as `lodestone ensemble`).", lodestone_engine::ensemble::DEFAULT_SEED)},
                        "threads": {"type": "integer", "minimum": 1, "description": "Threads (default: the server's workers; at most the machine's cores); the result does not depend on it."},
                        "step": {"type": "string", "enum": ["month", "quarter", "year"], "description": "Time step instead of the scenario's (as `lodestone ensemble --step`); recorded in the ensemble's summary."},
                    }},
                "Job": {"type": "object", "properties": {
                    "id": {"type": "integer"},
                    "kind": {"type": "string", "enum": ["run", "ensemble"]},
                    "state": {"type": "string", "enum": ["queued", "running", "done", "failed"]},
                    "scenario": {"type": "string"},
                    "dataset": {"type": "string"},
                    "progress": {"type": "object", "properties": {
                        "done": {"type": "integer"}, "total": {"type": "integer"},
                        "fraction": {"type": "number"}, "phase": {"type": "string"}}},
                    "queue_position": {"type": ["integer", "null"]},
                    "error": {"type": ["string", "null"]},
                    "balance_ok": {"type": ["boolean", "null"]},
                    "elapsed_s": {"type": ["number", "null"]},
                    "created": {"type": "string", "format": "date-time"},
                    "started": {"type": ["string", "null"], "format": "date-time"},
                    "finished": {"type": ["string", "null"], "format": "date-time"},
                    "cached": {"type": "boolean"},
                    "warnings": {"type": "array", "items": reference("Diagnostic"),
                        "description": "Warnings of the job's scenario (an event that starts after the horizon does nothing in the run): in the answer to a submission and to a single job, not in listings."},
                    "links": {"type": "object"},
                }},
            },
        },
    })
}

/// The document of a server with a token (`token`: writes declare the bearer requirement)
/// or without one (built once each).
pub fn document(token: bool) -> &'static Value {
    static WITH: OnceLock<Value> = OnceLock::new();
    static WITHOUT: OnceLock<Value> = OnceLock::new();
    if token {
        WITH.get_or_init(|| build(true))
    } else {
        WITHOUT.get_or_init(|| build(false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_documented_and_nothing_else() {
        let doc = document(true);
        let mut documented = Vec::new();
        for (path, ops) in doc["paths"].as_object().unwrap() {
            for method in ops.as_object().unwrap().keys() {
                documented.push((method.clone(), path.clone()));
            }
        }
        let mut listed: Vec<(String, String)> = ROUTES
            .iter()
            .map(|(m, p)| (m.to_string(), p.to_string()))
            .collect();
        documented.sort();
        listed.sort();
        assert_eq!(documented, listed);
    }

    #[test]
    fn references_resolve() {
        let text = document(true).to_string();
        let schemas = document(true)["components"]["schemas"].as_object().unwrap();
        for part in text.split("#/components/schemas/").skip(1) {
            let name: String = part.chars().take_while(|c| c.is_alphanumeric()).collect();
            assert!(schemas.contains_key(&name), "{name}");
        }
    }
}
