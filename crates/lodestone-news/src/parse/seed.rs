//! The seed search-page format: a query line, an optional "Search documents" line, then per document a title, a `Source · YYYY-MM-DD HH:MM` line and a summary.

use super::lines;
use crate::date::NewsDate;
use crate::document::{DocFormat, Document, Provenance};
use crate::error::ParseError;
use regex::Regex;
use std::sync::LazyLock;

/// `Source · 2025-10-26 03:24` (the separator may be `·`, `•` or `・`).
static SOURCE_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?P<src>\S.{0,80}?)\s*[·•・]\s*(?P<date>\d{4}-\d{1,2}-\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?)\s*$").unwrap()
});
/// Something that tries to be a source line: a short text, a separator, then something starting with a digit.
static SOURCE_LOOSE_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*\S.{0,80}?\s*[·•・]\s*\d[\d\-/.: T]*\S*\s*$").unwrap());
/// Lines that continue a summary.
static CONTINUATION_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:Group\s+\d+\s*:|[-–•*]\s|Core\s+(?:Viewpoint|Points?)|核心观点|\[\d+\])")
        .unwrap()
});

fn is_source_line(line: &str) -> bool {
    SOURCE_RE.is_match(line)
}

fn is_loose_source_line(line: &str) -> bool {
    SOURCE_LOOSE_RE.is_match(line)
}

/// True if the text has at least one `Source · YYYY-MM-DD` line right after a title line.
pub fn looks_like_seed_page(text: &str) -> bool {
    let ls = lines(text);
    ls.iter().enumerate().skip(1).take(400).any(|(i, l)| {
        (is_source_line(l) || is_loose_source_line(l)) && !ls[i - 1].trim().is_empty()
    })
}

fn next_nonblank(ls: &[&str], from: usize) -> Option<usize> {
    (from..ls.len()).find(|&i| !ls[i].trim().is_empty())
}

fn parse_source_line(
    file: &str,
    line_no: usize,
    line: &str,
) -> Result<(String, NewsDate), ParseError> {
    let Some(c) = SOURCE_RE.captures(line) else {
        return Err(ParseError::new(
            file,
            line_no,
            format!("malformed source line {:?}", line.trim()),
        )
        .with_hint("expected 'Source · YYYY-MM-DD HH:MM'"));
    };
    let src = c["src"].trim().to_string();
    let date_m = c.name("date").unwrap();
    let Some(date) = NewsDate::parse(date_m.as_str()) else {
        let col = line[..date_m.start()].chars().count() + 1;
        return Err(ParseError::new(
            file,
            line_no,
            format!("invalid date {:?} in source line", date_m.as_str()),
        )
        .at_column(col)
        .with_hint("dates are YYYY-MM-DD with a real month and day, optionally HH:MM"));
    };
    Ok((src, date))
}

pub(super) fn parse(file: &str, text: &str) -> Result<Vec<Document>, ParseError> {
    let ls = lines(text);
    let Some(first) = next_nonblank(&ls, 0) else {
        return Err(ParseError::new(file, 1, "empty page"));
    };
    // The query line is the first line unless it is already a document title
    // (i.e. the next non-blank line is a source line).
    let mut i = first;
    let mut query = None;
    let after_first = next_nonblank(&ls, first + 1);
    let first_is_title = after_first.is_some_and(|j| is_loose_source_line(ls[j]));
    if is_loose_source_line(ls[first]) {
        return Err(ParseError::new(
            file,
            first + 1,
            "source line without a title before it",
        ));
    }
    if !first_is_title {
        query = Some(ls[first].trim().to_string());
        i = first + 1;
        if let Some(j) = next_nonblank(&ls, i) {
            let t = ls[j].trim().to_ascii_lowercase();
            if t == "search documents" || t == "search results" || ls[j].trim() == "搜索结果" {
                i = j + 1;
            }
        }
    }
    let mut docs = Vec::new();
    let mut position = 0;
    while let Some(t) = next_nonblank(&ls, i) {
        let title = ls[t].trim();
        let Some(s) = next_nonblank(&ls, t + 1) else {
            return Err(ParseError::new(
                file,
                t + 1,
                format!("document title {title:?} is not followed by a 'Source · date' line"),
            )
            .with_hint("each document needs a title line, a 'Source · YYYY-MM-DD HH:MM' line and a summary"));
        };
        if is_loose_source_line(title) {
            return Err(ParseError::new(
                file,
                t + 1,
                "source line without a title before it",
            ));
        }
        if !is_loose_source_line(ls[s]) {
            return Err(ParseError::new(
                file,
                t + 1,
                format!("document title {title:?} is not followed by a 'Source · date' line (line {} is {:?})", s + 1, shorten(ls[s])),
            )
            .with_hint("each document needs a title line, a 'Source · YYYY-MM-DD HH:MM' line and a summary"));
        }
        let (source, date) = parse_source_line(file, s + 1, ls[s])?;
        // Summary: first non-blank line after the source line, plus continuation lines.
        let Some(first_summary) = next_nonblank(&ls, s + 1) else {
            return Err(ParseError::new(
                file,
                s + 1,
                format!("document {title:?} has no summary"),
            ));
        };
        let is_next_title =
            |k: usize| next_nonblank(&ls, k + 1).is_some_and(|n| is_loose_source_line(ls[n]));
        if is_loose_source_line(ls[first_summary]) || is_next_title(first_summary) {
            return Err(ParseError::new(
                file,
                first_summary + 1,
                format!("document {title:?} (line {}) has no summary", t + 1),
            ));
        }
        let mut summary = vec![ls[first_summary].trim()];
        let mut k = first_summary + 1;
        loop {
            let Some(n) = next_nonblank(&ls, k) else {
                k = ls.len();
                break;
            };
            if is_next_title(n) {
                k = n;
                break;
            }
            if CONTINUATION_RE.is_match(ls[n]) {
                summary.push(ls[n].trim());
                k = n + 1;
                continue;
            }
            return Err(ParseError::new(
                file,
                n + 1,
                format!("unexpected line {:?}: a document title must be followed by a 'Source · date' line", shorten(ls[n])),
            )
            .with_hint("summaries continue only with 'Group N:' or '- ' lines"));
        }
        position += 1;
        let mut doc = Document::new(
            title,
            &source,
            Some(date),
            &summary.join("\n"),
            DocFormat::SeedPage,
            Provenance {
                file: file.to_string(),
                line: t + 1,
                position,
            },
        );
        doc.query = query.clone();
        docs.push(doc);
        i = k;
    }
    if docs.is_empty() {
        return Err(ParseError::new(
            file,
            first + 1,
            "no documents found after the query line",
        ));
    }
    Ok(docs)
}

fn shorten(s: &str) -> String {
    let t = s.trim();
    if t.chars().count() > 60 {
        format!("{}…", t.chars().take(60).collect::<String>())
    } else {
        t.to_string()
    }
}
