//! Documents with provenance, their content hash, and their passages (title, core viewpoint, group bullets, paragraphs).

use crate::date::NewsDate;
use regex::Regex;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

/// Input format a document came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocFormat {
    /// A search-results page: query line, then title / `Source · date` / summary per document.
    SeedPage,
    /// Plain text: title on the first line, optional `Source:`/`Date:` header lines.
    PlainText,
    /// Markdown, with optional front matter.
    Markdown,
    /// HTML.
    Html,
    /// One JSON object per line.
    JsonLines,
}

impl DocFormat {
    /// Stable lowercase name.
    pub fn as_str(&self) -> &'static str {
        match self {
            DocFormat::SeedPage => "seed_page",
            DocFormat::PlainText => "plain_text",
            DocFormat::Markdown => "markdown",
            DocFormat::Html => "html",
            DocFormat::JsonLines => "json_lines",
        }
    }

    /// Inverse of [`DocFormat::as_str`].
    pub fn from_name(s: &str) -> Option<DocFormat> {
        Some(match s {
            "seed_page" => DocFormat::SeedPage,
            "plain_text" => DocFormat::PlainText,
            "markdown" => DocFormat::Markdown,
            "html" => DocFormat::Html,
            "json_lines" => DocFormat::JsonLines,
            _ => return None,
        })
    }
}

/// Where a document was read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// File label as given at ingest (normally the path).
    pub file: String,
    /// 1-based line where the document starts in that file.
    pub line: usize,
    /// 1-based position of the document within the file.
    pub position: usize,
}

/// A news document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    /// Short id: the first 16 hex digits of [`Document::hash`].
    pub id: String,
    /// SHA-256 of the normalised title, source, date and body (the dedupe key).
    pub hash: String,
    /// Title (often Chinese).
    pub title: String,
    /// Publisher as printed ("Sou Hu Cai Jing", "雪球"); empty if unknown.
    pub source: String,
    /// Publication date, if known.
    pub date: Option<NewsDate>,
    /// The text: the summary of a seed-page entry, or the article body.
    pub body: String,
    /// Input format.
    pub format: DocFormat,
    /// Search query of the page the document came from (seed pages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// URL, when the input gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Where it was read from (first sighting).
    pub provenance: Provenance,
}

fn normalise_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The content hash of a document: SHA-256 (hex) over whitespace-normalised
/// title, source, date and body. Independent of file and position.
pub fn content_hash(title: &str, source: &str, date: Option<&NewsDate>, body: &str) -> String {
    let mut h = Sha256::new();
    for part in [
        normalise_ws(title),
        normalise_ws(source),
        date.map(|d| d.to_string()).unwrap_or_default(),
        normalise_ws(body),
    ] {
        h.update(part.as_bytes());
        h.update([0x1f]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

impl Document {
    /// Builds a document and computes its hash and id.
    pub fn new(
        title: &str,
        source: &str,
        date: Option<NewsDate>,
        body: &str,
        format: DocFormat,
        provenance: Provenance,
    ) -> Document {
        let hash = content_hash(title, source, date.as_ref(), body);
        Document {
            id: hash[..16].to_string(),
            hash,
            title: title.trim().to_string(),
            source: source.trim().to_string(),
            date,
            body: body.trim().to_string(),
            format,
            query: None,
            url: None,
            provenance,
        }
    }

    /// The text that is indexed for search: title and body.
    pub fn search_text(&self) -> String {
        format!("{}\n{}", self.title, self.body)
    }

    /// The document split into passages, each a unit of provenance for claims.
    pub fn passages(&self) -> Vec<Passage> {
        let mut out = vec![Passage {
            label: "title".into(),
            text: self.title.clone(),
            refs: vec![],
        }];
        if self.format == DocFormat::SeedPage {
            out.extend(summary_passages(&self.body));
        } else {
            for (i, para) in self
                .body
                .split("\n\n")
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .enumerate()
            {
                let (text, refs) = strip_refs(&normalise_ws(para));
                out.push(Passage {
                    label: format!("paragraph {}", i + 1),
                    text,
                    refs,
                });
            }
        }
        out
    }
}

/// A piece of a document: its title, the core viewpoint, one bullet of a group, or a paragraph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Passage {
    /// Where in the document: `title`, `core viewpoint`, `group 2 (Russia's Strategic Moves), bullet 1`, `paragraph 3`.
    pub label: String,
    /// Text with the `[n]` references removed.
    pub text: String,
    /// Paragraph references `[n]` of the original article.
    pub refs: Vec<u32>,
}

static REF_RE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\s*\[(\d{1,4})\]").unwrap());
static GROUP_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:^|\s)Group\s+(\d+)\s*([:：\-–])\s*").unwrap());
static CORE_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:(?:Core|Key|Main)\s+[A-Za-z]+|Summary|核心观点|要点)\s*[-–—:：]\s*")
        .unwrap()
});
static BULLET_SPLIT_RE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\s+[-–•]\s+").unwrap());

/// Removes `[n]` paragraph references and returns them.
pub fn strip_refs(text: &str) -> (String, Vec<u32>) {
    let mut refs = Vec::new();
    for c in REF_RE.captures_iter(text) {
        if let Ok(n) = c[1].parse::<u32>()
            && !refs.contains(&n)
        {
            refs.push(n);
        }
    }
    let cleaned = REF_RE.replace_all(text, "");
    let cleaned = cleaned.replace(" .", ".").replace(" ,", ",");
    (cleaned.trim().to_string(), refs)
}

/// Splits a seed-page summary (`Core Viewpoint - … Group 1: Heading - bullet - bullet …`) into passages.
pub fn summary_passages(summary: &str) -> Vec<Passage> {
    let text = normalise_ws(summary);
    let mut out = Vec::new();
    let groups: Vec<(usize, usize, String, bool)> = GROUP_RE
        .captures_iter(&text)
        .map(|c| {
            let m = c.get(0).unwrap();
            (
                m.start(),
                m.end(),
                c[1].to_string(),
                matches!(&c[2], ":" | "："),
            )
        })
        .collect();
    let head_end = groups.first().map(|g| g.0).unwrap_or(text.len());
    let head = text[..head_end].trim();
    if !head.is_empty() {
        let (label, body) = match CORE_RE.find(head) {
            Some(m) => ("core viewpoint".to_string(), &head[m.end()..]),
            None => ("summary".to_string(), head),
        };
        push_bullets(&mut out, &label, body);
    }
    for (i, (_, start, num, has_heading)) in groups.iter().enumerate() {
        let end = groups.get(i + 1).map(|g| g.0).unwrap_or(text.len());
        let chunk = text[*start..end].trim();
        if *has_heading {
            let mut pieces = BULLET_SPLIT_RE.splitn(chunk, 2);
            let heading = pieces
                .next()
                .unwrap_or("")
                .trim()
                .trim_end_matches(['-', '–'])
                .trim();
            match pieces.next() {
                Some(rest) => push_bullets(&mut out, &format!("group {num} ({heading})"), rest),
                None => push_bullets(&mut out, &format!("group {num}"), heading),
            }
        } else {
            push_bullets(&mut out, &format!("group {num}"), chunk);
        }
    }
    out
}

/// Splits a chunk at " - " bullet separators into passages labelled `{label}, bullet n`
/// (or just `{label}` when there is a single piece).
fn push_bullets(out: &mut Vec<Passage>, label: &str, chunk: &str) {
    let pieces: Vec<(String, Vec<u32>)> = BULLET_SPLIT_RE
        .split(chunk)
        .map(|p| strip_refs(p.trim().trim_start_matches(['-', '–', '•']).trim()))
        .filter(|(t, _)| !t.is_empty())
        .collect();
    let single = pieces.len() == 1;
    for (n, (text, refs)) in pieces.into_iter().enumerate() {
        out.push(Passage {
            label: if single {
                label.to_string()
            } else {
                format!("{label}, bullet {}", n + 1)
            },
            text,
            refs,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_ignores_whitespace_and_provenance() {
        let a = content_hash("T", "S", None, "a  b\nc");
        let b = content_hash(" T ", "S", None, "a b c");
        assert_eq!(a, b);
        assert_ne!(a, content_hash("T", "S2", None, "a b c"));
    }

    #[test]
    fn summary_parts() {
        let s = "Core Viewpoint - Russia needs X [1][3]. Group 1: Importance - First point [3]. - Second point with U.S.-China [3][5]. Group 2: Moves - Russia plans to invest 700 billion rubles [5].";
        let p = summary_passages(s);
        assert_eq!(p.len(), 4);
        assert_eq!(p[0].label, "core viewpoint");
        let q = summary_passages(
            "Core Points - First [1] - Second [2]. Group 1 - Third [3] - Fourth [4]",
        );
        let labels: Vec<&str> = q.iter().map(|x| x.label.as_str()).collect();
        assert_eq!(
            labels,
            vec![
                "core viewpoint, bullet 1",
                "core viewpoint, bullet 2",
                "group 1, bullet 1",
                "group 1, bullet 2"
            ]
        );
        assert_eq!(q[3].text, "Fourth");
        assert_eq!(p[0].text, "Russia needs X.");
        assert_eq!(p[0].refs, vec![1, 3]);
        assert_eq!(p[2].label, "group 1 (Importance), bullet 2");
        assert_eq!(p[2].refs, vec![3, 5]);
        assert!(p[3].text.contains("700 billion rubles"));
    }
}
