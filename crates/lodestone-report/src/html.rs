//! HTML building blocks: the page (inline CSS, a few lines of inline script for tabs),
//! tabs, figures, tables and key-number cards.

use crate::Chart;
use crate::chart::FONT;
use crate::format::esc;
use std::fmt::Write;

const CSS: &str = r#"
*{box-sizing:border-box}
body{margin:0;font-family:FONTSTACK;font-size:15px;line-height:1.5;color:#1d1d1f;background:#f4f5f7}
main{max-width:1180px;margin:0 auto;padding:0 20px 48px}
header.top{background:#14213d;color:#fff;padding:22px 0 18px;margin-bottom:18px}
header.top .in{max-width:1180px;margin:0 auto;padding:0 20px}
header.top h1{margin:0 0 4px;font-size:26px;font-weight:650;letter-spacing:-.01em}
header.top .meta{color:#c9d2e3;font-size:13.5px}
nav.toc{margin-top:10px;font-size:13.5px}
nav.toc a{color:#fff;opacity:.85;text-decoration:none;margin-right:14px;white-space:nowrap}
nav.toc a:hover{opacity:1;text-decoration:underline}
section{background:#fff;border-radius:10px;box-shadow:0 1px 3px rgba(0,0,0,.08);padding:18px 22px 20px;margin:0 0 18px}
h2{font-size:20px;margin:0 0 10px;font-weight:650}
h3{font-size:16px;margin:16px 0 6px}
p.lead{font-size:17px;margin:4px 0 10px}
blockquote{margin:8px 0 12px;padding:8px 14px;border-left:4px solid #fca311;background:#fff8ec;color:#333}
ul.answer{margin:8px 0 6px;padding-left:22px}
ul.answer li{margin:5px 0;font-size:15.5px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:10px;margin:14px 0 4px}
.card{border:1px solid #e3e5ea;border-radius:8px;padding:10px 12px;background:#fbfbfc}
.card .k{font-size:12.5px;color:#555}
.card .v{font-size:22px;font-weight:650;margin-top:2px}
.card .d{font-size:12.5px;color:#666}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(500px,1fr));gap:14px}
.panel section{box-shadow:none;border:1px solid #e6e8ec;padding:14px 16px}
figure{margin:8px 0 12px}
figure svg{max-width:100%;height:auto;display:block;border:1px solid #eceef1;border-radius:6px}
figcaption{font-size:13px;color:#555;margin-top:5px}
.note{font-size:13px;color:#555}
.warn{background:#fff1f0;border:1px solid #f5c2c0;border-radius:8px;padding:8px 12px;margin:8px 0}
table{border-collapse:collapse;width:100%;font-size:13.5px;margin:6px 0 10px}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #eceef1;vertical-align:top}
th{background:#f6f7f9;font-weight:600;white-space:nowrap}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.id{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px;white-space:nowrap}
tr.pos td.d{color:#b42318}tr.neg td.d{color:#067647}
.kind{display:inline-block;font-size:11.5px;padding:0 6px;border-radius:9px;background:#eef1f6;color:#333}
.kind.assumption{background:#fff4d6}.kind.primary{background:#e5f4ea}.kind.derived{background:#e9eefc}
.tabs .bar{display:flex;flex-wrap:wrap;gap:6px;margin:4px 0 8px}
.tabs .bar button{font:inherit;font-size:13.5px;border:1px solid #cfd4dc;background:#fff;border-radius:16px;padding:3px 12px;cursor:pointer}
.tabs .bar button.on{background:#14213d;color:#fff;border-color:#14213d}
.tabs>.panel{display:none}.tabs>.panel.on{display:block}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:13px;margin:4px 0}
.legend span i{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:5px;vertical-align:-1px}
.cmp td:first-child{min-width:230px}
.src table{font-size:12.5px}.src td:nth-child(3){width:15%}.src td:nth-child(4){width:40%}.src td:nth-child(5){width:27%}
details summary{cursor:pointer;color:#14213d;font-weight:600}
a{color:#1f5fb4}
footer{color:#666;font-size:12.5px;text-align:center;margin:20px 0}
@media print{body{background:#fff}section{box-shadow:none;break-inside:avoid-page}.tabs>.panel{display:block}.tabs .bar{display:none}header.top{background:#fff;color:#000}header.top .meta,nav.toc a{color:#000}}
"#;

const JS: &str = r#"document.querySelectorAll('.tabs').forEach(function(t){var b=t.querySelectorAll(':scope>.bar>button'),p=t.querySelectorAll(':scope>.panel');b.forEach(function(x,i){x.addEventListener('click',function(){b.forEach(function(y){y.classList.remove('on')});p.forEach(function(y){y.classList.remove('on')});x.classList.add('on');p[i].classList.add('on')})})});"#;

/// The complete page.
pub fn page(title: &str, meta: &str, toc: &[(&str, &str)], body: &str) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"generator\" content=\"lodestone {}\">\n<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n<header class=\"top\"><div class=\"in\"><h1>{}</h1><div class=\"meta\">{}</div><nav class=\"toc\">",
        env!("CARGO_PKG_VERSION"),
        esc(title),
        CSS.replace("FONTSTACK", FONT),
        esc(title),
        meta
    );
    for (id, label) in toc {
        let _ = write!(out, "<a href=\"#{id}\">{}</a>", esc(label));
    }
    let _ = write!(
        out,
        "</nav></div></header>\n<main>\n{body}\n<footer>Made by Lodestone {} — open simulator of the rare earth supply chain. Self-contained: no network access needed to view this file.</footer>\n</main>\n<script>{JS}</script>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    );
    out
}

/// A section with an id and a heading.
pub fn section(id: &str, title: &str, inner: &str) -> String {
    format!(
        "<section id=\"{id}\">\n<h2>{}</h2>\n{inner}\n</section>\n",
        esc(title)
    )
}

/// Tabs: the first is shown; the others on click (all of them when printed).
pub fn tabs(items: &[(String, String)]) -> String {
    if items.len() == 1 {
        return items[0].1.clone();
    }
    let mut out = String::from("<div class=\"tabs\"><div class=\"bar\">");
    for (i, (label, _)) in items.iter().enumerate() {
        let _ = write!(
            out,
            "<button type=\"button\"{}>{}</button>",
            if i == 0 { " class=\"on\"" } else { "" },
            esc(label)
        );
    }
    out.push_str("</div>");
    for (i, (_, html)) in items.iter().enumerate() {
        let _ = write!(
            out,
            "<div class=\"panel{}\">{html}</div>",
            if i == 0 { " on" } else { "" }
        );
    }
    out.push_str("</div>");
    out
}

/// The charts of a report, collected in order for export.
#[derive(Default)]
pub struct Charts {
    /// Charts so far.
    pub list: Vec<Chart>,
}

impl Charts {
    /// Register a chart and return it as a figure with a caption (HTML, already escaped).
    pub fn figure(&mut self, id: &str, title: &str, svg: String, caption: &str) -> String {
        let mut uid = crate::format::slug(id);
        let mut n = 2;
        while self.list.iter().any(|c| c.id == uid) {
            uid = format!("{}-{n}", crate::format::slug(id));
            n += 1;
        }
        let html = if caption.is_empty() {
            format!("<figure id=\"fig-{uid}\">{svg}</figure>")
        } else {
            format!("<figure id=\"fig-{uid}\">{svg}<figcaption>{caption}</figcaption></figure>")
        };
        self.list.push(Chart {
            id: uid,
            title: title.to_string(),
            svg,
        });
        html
    }
}

/// A table; cells are HTML (escape text before). Columns listed in `numeric` align right.
pub fn table(head: &[&str], rows: &[Vec<String>], numeric: &[usize]) -> String {
    let mut out = String::from("<table><thead><tr>");
    for (i, h) in head.iter().enumerate() {
        let cls = if numeric.contains(&i) {
            " class=\"n\""
        } else {
            ""
        };
        let _ = write!(out, "<th{cls}>{}</th>", esc(h));
    }
    out.push_str("</tr></thead><tbody>");
    for r in rows {
        out.push_str("<tr>");
        for (i, c) in r.iter().enumerate() {
            let cls = if numeric.contains(&i) {
                " class=\"n\""
            } else {
                ""
            };
            let _ = write!(out, "<td{cls}>{c}</td>");
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
    out
}

/// A key-number card.
pub fn card(label: &str, value: &str, detail: &str) -> String {
    format!(
        "<div class=\"card\"><div class=\"k\">{}</div><div class=\"v\">{}</div><div class=\"d\">{}</div></div>",
        esc(label),
        esc(value),
        esc(detail)
    )
}
