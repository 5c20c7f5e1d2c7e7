//! Parsers for the input formats (seed search pages, plain text, Markdown, HTML, JSON Lines); pure: text in, documents or a located error out.

mod html;
mod jsonl;
mod plain;
mod seed;

use crate::document::{DocFormat, Document};
use crate::error::ParseError;

pub use seed::looks_like_seed_page;

/// Guesses the format from the file name and the text.
///
/// Extensions win (`.jsonl`/`.ndjson`/`.json`, `.html`/`.htm`, `.md`/`.markdown`);
/// otherwise HTML is recognised by a leading tag, a seed page by its
/// `Source · YYYY-MM-DD` lines, JSON Lines by a leading `{`, and the rest is plain text.
pub fn detect_format(file: &str, text: &str) -> DocFormat {
    let lower = file.to_ascii_lowercase();
    let ext = lower.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    match ext {
        "jsonl" | "ndjson" | "json" => return DocFormat::JsonLines,
        "html" | "htm" | "xhtml" => return DocFormat::Html,
        "md" | "markdown" => return DocFormat::Markdown,
        _ => {}
    }
    let head = text.trim_start_matches('\u{feff}').trim_start();
    let head_lower = head
        .get(..head.len().min(200))
        .unwrap_or(head)
        .to_ascii_lowercase();
    if head_lower.starts_with("<!doctype html") || head_lower.starts_with("<html") {
        return DocFormat::Html;
    }
    if looks_like_seed_page(text) {
        return DocFormat::SeedPage;
    }
    if head.starts_with('{') {
        return DocFormat::JsonLines;
    }
    DocFormat::PlainText
}

/// Parses one input file into documents.
///
/// `file` is the label used in provenance and errors (normally the path);
/// `format` overrides detection. Every document gets a provenance of
/// (`file`, line, position). A malformed input gives a [`ParseError`]
/// located at `file:line[:column]`.
pub fn parse_documents(
    file: &str,
    text: &str,
    format: Option<DocFormat>,
) -> Result<Vec<Document>, ParseError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(ParseError::new(file, 1, "empty input: no document found"));
    }
    let format = format.unwrap_or_else(|| detect_format(file, text));
    match format {
        DocFormat::SeedPage => seed::parse(file, text),
        DocFormat::PlainText => plain::parse_plain(file, text),
        DocFormat::Markdown => plain::parse_markdown(file, text),
        DocFormat::Html => html::parse(file, text),
        DocFormat::JsonLines => jsonl::parse(file, text),
    }
}

/// Shared helper: split into lines without terminators (handles `\r\n`).
pub(crate) fn lines(text: &str) -> Vec<&str> {
    text.split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect()
}
