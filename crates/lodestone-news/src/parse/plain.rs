//! Plain-text and Markdown documents: a title, optional `Source:` / `Date:` / `URL:` header lines or front matter, then the body.

use super::lines;
use crate::date::NewsDate;
use crate::document::{DocFormat, Document, Provenance};
use crate::error::ParseError;
use regex::Regex;
use std::sync::LazyLock;

static HEADER_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(source|publisher|来源|date|published|日期|发布时间|url|link|链接|title|标题)\s*[:：]\s*(.*)$").unwrap()
});

#[derive(Default)]
struct Meta {
    title: Option<(String, usize)>,
    source: Option<String>,
    date: Option<NewsDate>,
    url: Option<String>,
}

/// Applies a `key: value` header; returns false if the key is not a header key.
fn apply_header(
    file: &str,
    line_no: usize,
    key: &str,
    value: &str,
    meta: &mut Meta,
) -> Result<bool, ParseError> {
    let v = value.trim().trim_matches('"').trim_matches('\'').trim();
    match key.to_lowercase().as_str() {
        "source" | "publisher" | "来源" => meta.source = Some(v.to_string()),
        "date" | "published" | "日期" | "发布时间" => {
            let d = NewsDate::parse(v).ok_or_else(|| {
                ParseError::new(file, line_no, format!("invalid date {v:?}"))
                    .with_hint("use YYYY-MM-DD, optionally followed by HH:MM")
            })?;
            meta.date = Some(d);
        }
        "url" | "link" | "链接" => meta.url = Some(v.to_string()),
        "title" | "标题" => meta.title = Some((v.to_string(), line_no)),
        _ => return Ok(false),
    }
    Ok(true)
}

fn finish(
    file: &str,
    meta: Meta,
    body: String,
    format: DocFormat,
    first_line: usize,
) -> Result<Vec<Document>, ParseError> {
    let Some((title, title_line)) = meta.title.filter(|(t, _)| !t.trim().is_empty()) else {
        return Err(ParseError::new(file, first_line, "document has no title"));
    };
    if body.trim().is_empty() {
        return Err(ParseError::new(
            file,
            title_line,
            format!("document {title:?} has no text"),
        ));
    }
    let mut doc = Document::new(
        &title,
        meta.source.as_deref().unwrap_or(""),
        meta.date,
        &body,
        format,
        Provenance {
            file: file.to_string(),
            line: title_line,
            position: 1,
        },
    );
    doc.url = meta.url;
    Ok(vec![doc])
}

/// Plain text: the first non-blank line is the title (unless a `Title:` header gives it);
/// `Source:`/`Date:`/`URL:` lines directly after it are metadata; the rest is the body.
pub(super) fn parse_plain(file: &str, text: &str) -> Result<Vec<Document>, ParseError> {
    let ls = lines(text);
    let mut meta = Meta::default();
    let mut i = 0;
    let mut first_line = 1;
    while i < ls.len() && ls[i].trim().is_empty() {
        i += 1;
    }
    if i < ls.len() && ls[i].trim() == "---" {
        // Front matter, as in Markdown (a broken one must not become the title and body).
        i = front_matter(file, &ls, i, &mut meta)?;
        first_line = i + 1;
    }
    // Leading header block and title.
    while i < ls.len() {
        let l = ls[i];
        if l.trim().is_empty() {
            i += 1;
            continue;
        }
        if let Some(c) = HEADER_RE.captures(l)
            && apply_header(file, i + 1, &c[1], &c[2], &mut meta)?
        {
            i += 1;
            continue;
        }
        if meta.title.is_none() {
            first_line = i + 1;
            meta.title = Some((l.trim().trim_start_matches('#').trim().to_string(), i + 1));
            i += 1;
            continue;
        }
        break;
    }
    let body = ls[i.min(ls.len())..].join("\n");
    finish(file, meta, body, DocFormat::PlainText, first_line)
}

static LINK_RE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"!?\[([^\]]*)\]\([^)]*\)").unwrap());
static EMPH_RE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(\*\*|__|\*|`)").unwrap());

fn strip_markdown(line: &str) -> String {
    let l = line.trim_start();
    let l = l.trim_start_matches('#').trim_start();
    let l = l.strip_prefix("> ").unwrap_or(l);
    let l = LINK_RE.replace_all(l, "$1");
    EMPH_RE.replace_all(&l, "").to_string()
}

/// Reads the `---` front matter opening at line index `open` into `meta`; returns the index
/// of the line after its closing `---`. Broken front matter (never closed, a line that is not
/// `key: value`, a bad date) is an error at its line, never body text.
fn front_matter(
    file: &str,
    ls: &[&str],
    open: usize,
    meta: &mut Meta,
) -> Result<usize, ParseError> {
    let never_closed = || {
        ParseError::new(
            file,
            open + 1,
            "front matter opened here is never closed with '---'",
        )
        .with_hint("close it with a line holding only '---', or remove the opening '---'")
    };
    if !ls[open + 1..].iter().any(|l| l.trim() == "---") {
        return Err(never_closed());
    }
    let mut i = open + 1;
    while i < ls.len() {
        let l = ls[i];
        if l.trim() == "---" {
            return Ok(i + 1);
        }
        if !l.trim().is_empty() && !l.trim_start().starts_with('#') {
            let Some((k, v)) = l.split_once(':') else {
                return Err(ParseError::new(
                    file,
                    i + 1,
                    format!("front matter line {:?} is not 'key: value'", l.trim()),
                )
                .with_hint("front matter holds `title:`, `source:`, `date:` and `url:` lines"));
            };
            apply_header(file, i + 1, k.trim(), v, meta)?;
        }
        i += 1;
    }
    Err(never_closed())
}

/// Markdown: optional `---` front matter (`title`, `source`, `date`, `url`), the first `#` heading
/// as title (or the front matter's), and the rest as body with inline markup removed.
pub(super) fn parse_markdown(file: &str, text: &str) -> Result<Vec<Document>, ParseError> {
    let ls = lines(text);
    let mut meta = Meta::default();
    let mut i = 0;
    while i < ls.len() && ls[i].trim().is_empty() {
        i += 1;
    }
    if i < ls.len() && ls[i].trim() == "---" {
        i = front_matter(file, &ls, i, &mut meta)?;
    }
    let mut body = Vec::new();
    let mut first_line = i + 1;
    let mut in_fence = false;
    while i < ls.len() {
        let l = ls[i];
        let t = l.trim_start();
        if t.starts_with("```") {
            in_fence = !in_fence;
            i += 1;
            continue;
        }
        if !in_fence && meta.title.is_none() && t.starts_with('#') {
            first_line = i + 1;
            meta.title = Some((strip_markdown(t), i + 1));
        } else if !in_fence && meta.title.is_none() && !t.is_empty() {
            // No heading before the first text: the first line is the title.
            first_line = i + 1;
            meta.title = Some((strip_markdown(t), i + 1));
        } else if !in_fence
            && meta.source.is_none()
            && meta.date.is_none()
            && body.iter().all(|b: &String| b.is_empty())
            && let Some(c) = HEADER_RE.captures(t)
            && apply_header(file, i + 1, &c[1], &c[2], &mut meta)?
        {
        } else if in_fence {
            body.push(l.to_string());
        } else {
            body.push(strip_markdown(l));
        }
        i += 1;
    }
    if in_fence {
        return Err(ParseError::new(
            file,
            ls.len(),
            "code fence is never closed",
        ));
    }
    finish(file, meta, body.join("\n"), DocFormat::Markdown, first_line)
}
