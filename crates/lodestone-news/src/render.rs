//! Plain-text rendering of documents, search hits, claims and check reports for the terminal (CJK-aware column widths).

use crate::check::{CheckReport, Verdict};
use crate::claim::Claim;
use crate::document::Document;
use crate::index::SearchHit;
use crate::store::IngestReport;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Cuts `s` to at most `width` terminal columns, adding `…` when cut.
pub fn fit(s: &str, width: usize) -> String {
    if s.width() <= width {
        return s.to_string();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if w + cw + 1 > width {
            break;
        }
        out.push(c);
        w += cw;
    }
    out.push('…');
    out
}

/// Pads `s` with spaces to `width` terminal columns (cutting it first if longer).
pub fn pad(s: &str, width: usize) -> String {
    let f = fit(s, width);
    let w = f.width();
    format!("{f}{}", " ".repeat(width.saturating_sub(w)))
}

fn mark(text: &str, ranges: &[(usize, usize)]) -> String {
    let mut out = String::new();
    let mut last = 0;
    for &(a, b) in ranges {
        if a < last || b > text.len() || !text.is_char_boundary(a) || !text.is_char_boundary(b) {
            continue;
        }
        out.push_str(&text[last..a]);
        out.push('[');
        out.push_str(&text[a..b]);
        out.push(']');
        last = b;
    }
    out.push_str(&text[last..]);
    out
}

fn date_str(d: &Option<crate::date::NewsDate>) -> String {
    d.map(|d| format!("{:04}-{:02}-{:02}", d.year, d.month, d.day))
        .unwrap_or_else(|| "—".into())
}

/// A table of documents.
pub fn documents(docs: &[Document]) -> String {
    let mut out = format!(
        "{}  {}  {}  {}\n",
        pad("id", 16),
        pad("date", 10),
        pad("source", 18),
        "title"
    );
    for d in docs {
        out.push_str(&format!(
            "{}  {}  {}  {}\n",
            d.id,
            pad(&date_str(&d.date), 10),
            pad(&d.source, 18),
            fit(&d.title, 70)
        ));
    }
    out.push_str(&format!("{} documents\n", docs.len()));
    out
}

/// What an ingest did.
pub fn ingest(r: &IngestReport) -> String {
    let mut out = String::new();
    for d in &r.added {
        out.push_str(&format!(
            "added      {}  {}  {}  {}\n",
            d.id,
            pad(&date_str(&d.date), 10),
            pad(&d.source, 16),
            fit(&d.title, 60)
        ));
    }
    for d in &r.duplicates {
        out.push_str(&format!(
            "duplicate  {}  {}  {}  {}\n",
            d.id,
            pad(&date_str(&d.date), 10),
            pad(&d.source, 16),
            fit(&d.title, 60)
        ));
    }
    out.push_str(&format!(
        "{} added, {} already stored; {} documents in the store\n",
        r.added.len(),
        r.duplicates.len(),
        r.total
    ));
    out
}

/// Search hits with highlighted snippets (`[word]` marks a match).
pub fn search_hits(hits: &[SearchHit]) -> String {
    if hits.is_empty() {
        return "no matching documents\n".into();
    }
    let mut out = String::new();
    for (i, h) in hits.iter().enumerate() {
        let date = h
            .date
            .as_deref()
            .map(|d| d.get(..10).unwrap_or(d))
            .unwrap_or("—");
        out.push_str(&format!(
            "{:>2}. {}  ({}, {}, score {:.2}, id {})\n",
            i + 1,
            mark(&h.title, &h.title_highlights),
            h.source,
            date,
            h.score,
            h.id
        ));
        out.push_str(&format!(
            "    {}\n",
            mark(&h.snippet, &h.highlights).replace('\n', " ")
        ));
    }
    out
}

fn subject_str(c: &Claim) -> String {
    let mut s = c
        .subject
        .as_ref()
        .map(|x| x.name.clone())
        .unwrap_or_else(|| "?".into());
    for a in &c.also_subjects {
        s.push_str(&format!(" + {}", a.name));
    }
    if let Some(p) = &c.partner {
        s.push_str(&format!(" ↔ {}", p.name));
    }
    s
}

/// Claims grouped by document.
pub fn claims(claims: &[Claim]) -> String {
    let mut out = String::new();
    let mut last_doc = String::new();
    for c in claims {
        if c.origin.doc_id != last_doc {
            last_doc = c.origin.doc_id.clone();
            out.push_str(&format!(
                "\n{}  ({}, {}; {})\n",
                c.origin.title,
                if c.origin.source.is_empty() {
                    "unknown source"
                } else {
                    &c.origin.source
                },
                date_str(&c.origin.date),
                c.origin.doc_id
            ));
        }
        let mut value = c.quantity.display();
        let norm = c.quantity.display_normalized();
        if !norm.is_empty() && c.quantity.dimension != crate::quantity::Dimension::Share {
            value.push_str(&format!(" ({norm})"));
        }
        for e in &c.quantity.equivalents {
            value.push_str(&format!(" [stated: {}]", e.display()));
        }
        let time = c.period.as_ref().map(|p| p.to_string()).unwrap_or_default();
        out.push_str(&format!(
            "  {}  {}  {}  {}  {}\n",
            pad(c.metric.label(), 28),
            pad(&subject_str(c), 24),
            pad(
                c.material.as_ref().map(|m| m.name.as_str()).unwrap_or(""),
                16
            ),
            pad(&time, 12),
            value
        ));
        out.push_str(&format!(
            "      \"{}\" — {}{}\n",
            fit(&c.origin.sentence, 150),
            c.origin.passage,
            c.origin
                .refs
                .iter()
                .map(|r| format!("[{r}]"))
                .collect::<String>()
        ));
    }
    out.push_str(&format!("\n{} claims\n", claims.len()));
    out
}

/// A check report: groups of claims side by side, with conflicts and verdicts.
pub fn check(report: &CheckReport, all: bool) -> String {
    let mut out = String::new();
    let s = &report.summary;
    out.push_str(&format!(
        "{} claims in {} groups: {} supported, {} contradicted, {} unverifiable; {} conflicts between documents\n",
        s.claims, s.groups, s.supported, s.contradicted, s.unverifiable, s.conflicts
    ));
    out.push_str(&format!("{}\n", report.tolerances.describe()));
    let mut hidden = 0;
    for g in &report.groups {
        let interesting =
            !g.conflicts.is_empty() || g.claims.iter().any(|c| c.verdict != Verdict::Unverifiable);
        if !all && !interesting {
            hidden += 1;
            continue;
        }
        out.push_str(&format!("\n{}\n", g.key.describe()));
        for c in &g.claims {
            let cl = &c.claim;
            out.push_str(&format!(
                "  {}  {}  {}  {}\n",
                pad(&c.claim.quantity.display(), 20),
                pad(c.verdict.as_str(), 12),
                pad(
                    &format!(
                        "{} {}",
                        if cl.origin.source.is_empty() {
                            "?"
                        } else {
                            &cl.origin.source
                        },
                        date_str(&cl.origin.date)
                    ),
                    28
                ),
                fit(&cl.origin.title, 40)
            ));
            out.push_str(&format!("      {}\n", c.reason));
            for e in &c.evidence {
                out.push_str(&format!(
                    "      evidence: {} — {}\n",
                    e.comparison,
                    fit(&e.fact.citation, 100)
                ));
            }
        }
        for k in &g.conflicts {
            out.push_str(&format!("  ! documents disagree: {}\n", k.message));
        }
    }
    if hidden > 0 {
        out.push_str(&format!("\n({hidden} groups with only unverifiable claims and no conflict not shown; use --all)\n"));
    }
    out
}
