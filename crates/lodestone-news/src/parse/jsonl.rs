//! JSON Lines: one object per line with `title`, `source`, `date`, `text` (or `body`/`summary`/`content`), optional `url`.

use super::lines;
use crate::date::NewsDate;
use crate::document::{DocFormat, Document, Provenance};
use crate::error::ParseError;
use serde_json::Value;

fn field<'a>(obj: &'a serde_json::Map<String, Value>, keys: &[&str]) -> Option<&'a Value> {
    keys.iter()
        .find_map(|k| obj.get(*k))
        .filter(|v| !v.is_null())
}

pub(super) fn parse(file: &str, text: &str) -> Result<Vec<Document>, ParseError> {
    let mut docs = Vec::new();
    for (i, line) in lines(text).into_iter().enumerate() {
        let n = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let value: Value = serde_json::from_str(line).map_err(|e| {
            ParseError::new(file, n, format!("invalid JSON: {e}")).at_column(e.column().max(1))
        })?;
        let Value::Object(obj) = value else {
            return Err(ParseError::new(
                file,
                n,
                "expected a JSON object on each line",
            ));
        };
        let get_str = |keys: &[&str], what: &str| -> Result<Option<String>, ParseError> {
            match field(&obj, keys) {
                None => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(ParseError::new(
                    file,
                    n,
                    format!("field {what:?} must be a string"),
                )),
            }
        };
        let title = get_str(&["title", "headline"], "title")?.filter(|t| !t.trim().is_empty());
        let Some(title) = title else {
            return Err(ParseError::new(file, n, "missing or empty \"title\"")
                .with_hint("each line needs at least \"title\" and \"text\""));
        };
        let body = get_str(&["text", "body", "summary", "content"], "text")?.unwrap_or_default();
        if body.trim().is_empty() {
            return Err(ParseError::new(
                file,
                n,
                format!("document {title:?} has no \"text\""),
            ));
        }
        let source = get_str(&["source", "publisher", "site"], "source")?.unwrap_or_default();
        let date = match get_str(&["date", "published", "published_at"], "date")? {
            None => None,
            Some(d) => Some(
                NewsDate::parse(&d)
                    .or_else(|| NewsDate::parse(d.get(..10).unwrap_or("")))
                    .ok_or_else(|| {
                        ParseError::new(file, n, format!("invalid date {d:?}"))
                            .with_hint("use YYYY-MM-DD, optionally followed by HH:MM")
                    })?,
            ),
        };
        let mut doc = Document::new(
            &title,
            &source,
            date,
            &body,
            DocFormat::JsonLines,
            Provenance {
                file: file.to_string(),
                line: n,
                position: docs.len() + 1,
            },
        );
        doc.url = get_str(&["url", "link"], "url")?;
        doc.query = get_str(&["query"], "query")?;
        docs.push(doc);
    }
    Ok(docs)
}
