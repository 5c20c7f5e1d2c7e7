//! HTML documents: title from `<title>`/`<h1>`, source and date from `<meta>`/`<time>`, text from `<article>` or `<body>`.

use crate::date::NewsDate;
use crate::document::{DocFormat, Document, Provenance};
use crate::error::ParseError;

/// One lexical item of an HTML page.
enum Item<'a> {
    /// A tag: (lowercase name, is closing, raw attribute text, byte offset).
    Tag(String, bool, &'a str, usize),
    /// Text between tags.
    Text(&'a str, usize),
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].bytes().filter(|&b| b == b'\n').count() + 1
}

fn lex<'a>(file: &str, text: &'a str) -> Result<Vec<Item<'a>>, ParseError> {
    let mut items = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut text_start = 0;
    while i < bytes.len() {
        if bytes[i] != b'<' {
            i += 1;
            continue;
        }
        if text_start < i {
            items.push(Item::Text(&text[text_start..i], text_start));
        }
        let rest = &text[i..];
        if rest.starts_with("<!--") {
            let Some(end) = rest.find("-->") else {
                return Err(ParseError::new(
                    file,
                    line_of(text, i),
                    "HTML comment is never closed",
                ));
            };
            i += end + 3;
            text_start = i;
            continue;
        }
        let Some(end) = rest.find('>') else {
            return Err(ParseError::new(
                file,
                line_of(text, i),
                "HTML tag is never closed ('>' missing)",
            ));
        };
        let inner = &rest[1..end];
        let (closing, inner) = match inner.strip_prefix('/') {
            Some(r) => (true, r),
            None => (false, inner),
        };
        let name_end = inner
            .find(|c: char| c.is_whitespace() || c == '/')
            .unwrap_or(inner.len());
        let name = inner[..name_end].to_ascii_lowercase();
        let attrs = &inner[name_end..];
        let tag_offset = i;
        i += end + 1;
        // Raw-text elements: skip their content entirely.
        if !closing && matches!(name.as_str(), "script" | "style" | "noscript" | "template") {
            let close = format!("</{name}");
            let lower_rest = text[i..].to_ascii_lowercase();
            let Some(e) = lower_rest.find(&close) else {
                return Err(ParseError::new(
                    file,
                    line_of(text, tag_offset),
                    format!("<{name}> element is never closed"),
                ));
            };
            let after = i + e;
            let gt = text[after..]
                .find('>')
                .map(|g| after + g + 1)
                .unwrap_or(text.len());
            i = gt;
            text_start = i;
            continue;
        }
        if !name.is_empty() && !name.starts_with('!') && !name.starts_with('?') {
            items.push(Item::Tag(name, closing, attrs, tag_offset));
        }
        text_start = i;
    }
    if text_start < text.len() {
        items.push(Item::Text(&text[text_start..], text_start));
    }
    Ok(items)
}

fn attr(attrs: &str, key: &str) -> Option<String> {
    let lower = attrs.to_ascii_lowercase();
    let mut from = 0;
    while let Some(p) = lower[from..].find(key) {
        let at = from + p;
        let before_ok = at == 0
            || !lower.as_bytes()[at - 1].is_ascii_alphanumeric()
                && lower.as_bytes()[at - 1] != b'-'
                && lower.as_bytes()[at - 1] != b':';
        let after = &attrs[at + key.len()..];
        let after_trim = after.trim_start();
        if before_ok && let Some(v) = after_trim.strip_prefix('=') {
            let v = v.trim_start();
            let (val, _) = if let Some(r) = v.strip_prefix('"') {
                (r.split('"').next().unwrap_or(""), ())
            } else if let Some(r) = v.strip_prefix('\'') {
                (r.split('\'').next().unwrap_or(""), ())
            } else {
                (
                    v.split(|c: char| c.is_whitespace() || c == '>')
                        .next()
                        .unwrap_or(""),
                    (),
                )
            };
            return Some(decode_entities(val));
        }
        from = at + key.len();
    }
    None
}

/// Decodes the common named entities and numeric character references.
pub(crate) fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(p) = rest.find('&') {
        out.push_str(&rest[..p]);
        rest = &rest[p..];
        let Some(semi) = rest[..rest.len().min(12)].find(';') else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let ent = &rest[1..semi];
        let decoded = match ent {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" | "#39" => Some('\''),
            "nbsp" => Some(' '),
            "middot" => Some('·'),
            "mdash" => Some('—'),
            "ndash" => Some('–'),
            "hellip" => Some('…'),
            "rsquo" | "lsquo" => Some('\''),
            "ldquo" | "rdquo" => Some('"'),
            _ if ent.starts_with("#x") || ent.starts_with("#X") => {
                u32::from_str_radix(&ent[2..], 16)
                    .ok()
                    .and_then(char::from_u32)
            }
            _ if ent.starts_with('#') => ent[1..].parse::<u32>().ok().and_then(char::from_u32),
            _ => None,
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

const BLOCK: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "table",
    "section",
    "article",
    "header",
    "footer",
    "blockquote",
    "pre",
    "hr",
    "main",
    "figure",
    "figcaption",
    "dd",
    "dt",
];

pub(super) fn parse(file: &str, text: &str) -> Result<Vec<Document>, ParseError> {
    let items = lex(file, text)?;
    let mut title: Option<(String, usize)> = None;
    let mut h1: Option<(String, usize)> = None;
    let mut source: Option<String> = None;
    let mut date: Option<NewsDate> = None;
    let mut url: Option<String> = None;
    let has_article = items
        .iter()
        .any(|it| matches!(it, Item::Tag(n, false, _, _) if n == "article"));
    let mut in_title = false;
    let mut in_h1 = false;
    let mut in_head = false;
    let mut in_body_scope = !has_article;
    let mut skip_depth = 0usize; // nav/aside inside the body
    let mut body = String::new();
    for it in &items {
        match it {
            Item::Tag(name, closing, attrs, off) => {
                let n = name.as_str();
                match (n, closing) {
                    ("head", false) => in_head = true,
                    ("head", true) => in_head = false,
                    ("title", false) => in_title = true,
                    ("title", true) => in_title = false,
                    ("h1", false) => {
                        in_h1 = true;
                        if h1.is_none() {
                            h1 = Some((String::new(), line_of(text, *off)));
                        }
                    }
                    ("h1", true) => in_h1 = false,
                    ("article", false) if has_article => in_body_scope = true,
                    ("article", true) if has_article => in_body_scope = false,
                    ("nav" | "aside", false) => skip_depth += 1,
                    ("nav" | "aside", true) => skip_depth = skip_depth.saturating_sub(1),
                    ("meta", false) => {
                        let key = attr(attrs, "name")
                            .or_else(|| attr(attrs, "property"))
                            .unwrap_or_default()
                            .to_ascii_lowercase();
                        let content = attr(attrs, "content").unwrap_or_default();
                        match key.as_str() {
                            "og:site_name" | "author" | "publisher" | "source"
                            | "article:publisher"
                                if (source.is_none()
                                    || key == "og:site_name"
                                    || key == "source") =>
                            {
                                source = Some(content);
                            }
                            "date"
                            | "pubdate"
                            | "article:published_time"
                            | "publishdate"
                            | "dc.date" => {
                                let d = NewsDate::parse(&content)
                                    .or_else(|| NewsDate::parse(content.get(..10).unwrap_or("")));
                                match d {
                                    Some(d) => date = Some(d),
                                    None => {
                                        return Err(ParseError::new(
                                            file,
                                            line_of(text, *off),
                                            format!("invalid date {content:?} in <meta {key}>"),
                                        ));
                                    }
                                }
                            }
                            "og:url" => url = Some(content),
                            _ => {}
                        }
                    }
                    ("time", false) if date.is_none() => {
                        if let Some(dt) = attr(attrs, "datetime") {
                            date = NewsDate::parse(&dt)
                                .or_else(|| NewsDate::parse(dt.get(..10).unwrap_or("")));
                        }
                    }
                    ("link", false)
                        if url.is_none() && attr(attrs, "rel").as_deref() == Some("canonical") =>
                    {
                        url = attr(attrs, "href");
                    }
                    _ => {}
                }
                if BLOCK.contains(&n) && in_body_scope && !body.ends_with("\n\n") {
                    body.push_str(
                        if matches!(
                            n,
                            "p" | "div"
                                | "section"
                                | "article"
                                | "h1"
                                | "h2"
                                | "h3"
                                | "h4"
                                | "blockquote"
                                | "table"
                        ) {
                            "\n\n"
                        } else {
                            "\n"
                        },
                    );
                }
            }
            Item::Text(t, off) => {
                let decoded = decode_entities(t);
                if in_title {
                    title
                        .get_or_insert_with(|| (String::new(), line_of(text, *off)))
                        .0
                        .push_str(&decoded);
                    continue;
                }
                if in_head {
                    continue;
                }
                if in_h1 && let Some((h, _)) = h1.as_mut() {
                    h.push_str(&decoded);
                }
                if in_body_scope && skip_depth == 0 && !(in_h1 && title.is_none()) {
                    let collapsed: Vec<&str> = decoded.split_whitespace().collect();
                    if !collapsed.is_empty() {
                        if decoded.starts_with(char::is_whitespace)
                            && !body.is_empty()
                            && !body.ends_with('\n')
                        {
                            body.push(' ');
                        }
                        body.push_str(&collapsed.join(" "));
                        if decoded.ends_with(char::is_whitespace) {
                            body.push(' ');
                        }
                    }
                }
            }
        }
    }
    let title = title
        .map(|(t, l)| (t.split_whitespace().collect::<Vec<_>>().join(" "), l))
        .filter(|(t, _)| !t.is_empty())
        .or_else(|| {
            h1.map(|(t, l)| (t.split_whitespace().collect::<Vec<_>>().join(" "), l))
                .filter(|(t, _)| !t.is_empty())
        });
    let Some((title, line)) = title else {
        return Err(ParseError::new(
            file,
            1,
            "HTML document has no <title> or <h1>",
        ));
    };
    let body: String = body
        .split("\n\n")
        .map(|p| {
            p.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n");
    if body.trim().is_empty() {
        return Err(ParseError::new(
            file,
            line,
            format!("HTML document {title:?} has no text"),
        ));
    }
    let mut doc = Document::new(
        &title,
        source.as_deref().unwrap_or(""),
        date,
        &body,
        DocFormat::Html,
        Provenance {
            file: file.to_string(),
            line,
            position: 1,
        },
    );
    doc.url = url;
    Ok(vec![doc])
}
