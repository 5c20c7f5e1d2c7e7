//! Plain text, Markdown, HTML and JSON Lines documents, and format detection.

use lodestone_news::{Context, DocFormat, detect_format, extract_claims, parse_documents};

#[test]
fn plain_text_with_headers() {
    let text = "China tightens rare earth controls\nSource: Example Wire\nDate: 2025-10-09 14:00\nURL: https://example.invalid/a\n\nChina holds 92% of global rare earth refining capacity.\n\nThe rules take effect on December 1, 2025.\n";
    assert_eq!(detect_format("a.txt", text), DocFormat::PlainText);
    let d = &parse_documents("a.txt", text, None).unwrap()[0];
    assert_eq!(d.title, "China tightens rare earth controls");
    assert_eq!(d.source, "Example Wire");
    assert_eq!(d.date.unwrap().to_string(), "2025-10-09 14:00");
    assert_eq!(d.url.as_deref(), Some("https://example.invalid/a"));
    assert_eq!(d.format, DocFormat::PlainText);
    let p = d.passages();
    assert_eq!(p.len(), 3);
    assert_eq!(p[1].label, "paragraph 1");
    let claims = extract_claims(d, &Context::builtin().gazetteer);
    assert!(
        claims
            .iter()
            .any(|c| c.quantity.value == 92.0 && c.subject.as_ref().unwrap().id == "CN")
    );
}

#[test]
fn markdown_with_front_matter() {
    let text = "---\ntitle: \"俄罗斯稀土计划\"\nsource: Example Daily\ndate: 2025-10-25\n---\n\n# Ignored heading because the front matter has a title\n\nRussia plans to **invest 700 billion rubles** in [Siberia](https://example.invalid).\n";
    assert_eq!(detect_format("b.md", text), DocFormat::Markdown);
    let d = &parse_documents("b.md", text, None).unwrap()[0];
    assert_eq!(d.title, "俄罗斯稀土计划");
    assert_eq!(d.source, "Example Daily");
    assert!(
        d.body
            .contains("Russia plans to invest 700 billion rubles in Siberia."),
        "{}",
        d.body
    );
    let claims = extract_claims(d, &Context::builtin().gazetteer);
    assert_eq!(claims[0].quantity.unit, "RUB");
    // Without front matter: the first heading is the title; "Source:" lines are metadata.
    let d = &parse_documents(
        "c.md",
        "# Lynas Texas plant\nSource: Wire\nDate: 2025-10-24\n\nTrial production in 2027.\n",
        None,
    )
    .unwrap()[0];
    assert_eq!(
        (d.title.as_str(), d.source.as_str()),
        ("Lynas Texas plant", "Wire")
    );
    assert_eq!(d.provenance.line, 1);
}

#[test]
fn html_article() {
    let text = r#"<!DOCTYPE html>
<html><head><title>India &amp; China: steel tariff</title>
<meta property="og:site_name" content="Delhi Daily">
<meta property="article:published_time" content="2025-04-21T09:30:00+05:30">
<style>p { color: red }</style><script>var x = "<p>not text</p>";</script>
</head><body><nav>Home | World</nav>
<article><h1>India &amp; China</h1><p>India imposed a 12% safeguard duty on Chinese steel.</p>
<p>It applies for 200&nbsp;days.</p></article><footer>© 2025</footer></body></html>"#;
    assert_eq!(detect_format("x.html", text), DocFormat::Html);
    assert_eq!(detect_format("x", text), DocFormat::Html);
    let d = &parse_documents("x.html", text, None).unwrap()[0];
    assert_eq!(d.title, "India & China: steel tariff");
    assert_eq!(d.source, "Delhi Daily");
    assert_eq!(d.date.unwrap().to_string(), "2025-04-21 09:30");
    assert!(
        d.body
            .contains("India imposed a 12% safeguard duty on Chinese steel."),
        "{}",
        d.body
    );
    assert!(
        !d.body.contains("not text") && !d.body.contains("Home") && !d.body.contains("color"),
        "{}",
        d.body
    );
    let claims = extract_claims(d, &Context::builtin().gazetteer);
    let t = claims.iter().find(|c| c.quantity.value == 12.0).unwrap();
    assert_eq!(t.metric, lodestone_news::Metric::TariffRate);
    assert_eq!(t.partner.as_ref().unwrap().id, "CN");
}

#[test]
fn json_lines() {
    let text = "{\"title\": \"A\", \"source\": \"S1\", \"date\": \"2025-10-01\", \"text\": \"Brazil supplied 71% of China's soybean imports in 2024.\"}\n\n{\"headline\": \"B\", \"publisher\": \"S2\", \"published\": \"2025-10-02T08:00:00Z\", \"body\": \"x\", \"url\": \"https://example.invalid/b\"}\n";
    assert_eq!(detect_format("n.jsonl", text), DocFormat::JsonLines);
    assert_eq!(detect_format("n.txt", text), DocFormat::JsonLines);
    let docs = parse_documents("n.jsonl", text, None).unwrap();
    assert_eq!(docs.len(), 2);
    assert_eq!(
        (docs[1].provenance.line, docs[1].provenance.position),
        (3, 2)
    );
    assert_eq!(docs[1].source, "S2");
    assert_eq!(docs[1].date.unwrap().to_string(), "2025-10-02 08:00");
    assert_eq!(docs[1].url.as_deref(), Some("https://example.invalid/b"));
}

#[test]
fn same_content_same_hash_whatever_the_file() {
    let a = &parse_documents(
        "a.jsonl",
        r#"{"title": "T", "source": "S", "date": "2025-10-01", "text": "Body  text"}"#,
        None,
    )
    .unwrap()[0];
    let b = &parse_documents(
        "b.txt",
        "T\nSource: S\nDate: 2025-10-01\n\nBody text\n",
        None,
    )
    .unwrap()[0];
    assert_eq!(a.hash, b.hash);
    assert_ne!(a.provenance, b.provenance);
}
