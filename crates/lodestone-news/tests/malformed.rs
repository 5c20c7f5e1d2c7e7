//! Malformed inputs: every error is located (file:line[:column]) and names the problem.

use lodestone_news::{DocFormat, ParseError, parse_documents};

fn err(file: &str, text: &str) -> ParseError {
    parse_documents(file, text, None).expect_err("should be rejected")
}

const GOOD_ENTRY: &str = "标题一\nSou Hu Cai Jing· 2025-10-26 03:24\nCore Viewpoint - Russia plans to invest 700 billion rubles [5].\n";

#[test]
fn seed_page_title_without_source_line() {
    let text = format!(
        "稀土产业\nSearch documents\n{GOOD_ENTRY}孤立的标题\nCore Viewpoint - text without a source line [1].\n标题三\n雪球· 2025-10-25 04:07\nCore Viewpoint - fine [2].\n"
    );
    let e = err("page.txt", &text);
    assert_eq!((e.file.as_str(), e.line), ("page.txt", 6), "{e}");
    assert!(e.to_string().starts_with("page.txt:6: "), "{e}");
    assert!(e.message.contains("Source · date"), "{e}");
}

#[test]
fn seed_page_impossible_date() {
    let text = format!(
        "稀土产业\nSearch documents\n{GOOD_ENTRY}标题二\nSou Hu Cai Jing· 2025-13-40 03:24\nCore Viewpoint - bad date [1].\n"
    );
    let e = err("page.txt", &text);
    assert_eq!(e.line, 7, "{e}");
    assert_eq!(e.column, Some(18), "{e}");
    assert!(e.message.contains("2025-13-40"), "{e}");
}

#[test]
fn seed_page_garbled_source_line() {
    let text = format!(
        "稀土产业\nSearch documents\n{GOOD_ENTRY}标题二\nSou Hu Cai Jing· 10/26/2025\nCore Viewpoint - bad date [1].\n"
    );
    let e = err("page.txt", &text);
    assert_eq!(e.line, 7, "{e}");
    assert!(
        e.hint.as_deref().unwrap_or("").contains("YYYY-MM-DD"),
        "{e}"
    );
}

#[test]
fn seed_page_missing_summary() {
    let text =
        format!("稀土产业\nSearch documents\n{GOOD_ENTRY}最后一篇\n雪球· 2025-10-25 04:07\n");
    let e = err("page.txt", &text);
    assert_eq!(e.line, 7, "{e}");
    assert!(e.message.contains("no summary"), "{e}");
    // A summary that is another document's title.
    let text = "稀土产业\n标题甲\n雪球· 2025-10-25 04:07\n标题乙\n雪球· 2025-10-26 04:07\nCore Viewpoint - ok [1].\n".to_string();
    let e = err("page2.txt", &text);
    assert_eq!(e.line, 4, "{e}");
}

#[test]
fn seed_page_without_documents_or_empty() {
    assert_eq!(err("empty.txt", "").line, 1);
    assert_eq!(err("blank.txt", "\n\n  \n").line, 1);
    let e = parse_documents(
        "query.txt",
        "稀土产业\nSearch documents\n",
        Some(DocFormat::SeedPage),
    )
    .unwrap_err();
    assert!(e.message.contains("no documents"), "{e}");
}

#[test]
fn seed_page_source_line_first() {
    let e = parse_documents(
        "page.txt",
        "雪球· 2025-10-25 04:07\nCore Viewpoint - text [1].\n",
        Some(DocFormat::SeedPage),
    )
    .unwrap_err();
    assert_eq!(e.line, 1, "{e}");
}

#[test]
fn seed_page_crlf_and_bom_are_fine() {
    let text = format!(
        "\u{feff}稀土产业\r\nSearch documents\r\n{}",
        GOOD_ENTRY.replace('\n', "\r\n")
    );
    let docs = parse_documents("crlf.txt", &text, None).unwrap();
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].date.unwrap().to_string(), "2025-10-26 03:24");
    assert!(!docs[0].body.contains('\r'));
}

#[test]
fn json_lines_errors() {
    let ok = r#"{"title": "A", "source": "S", "date": "2025-10-01", "text": "China holds 92% of refining."}"#;
    let e = err(
        "news.jsonl",
        &format!("{ok}\n{ok}\n{{\"title\": \"B\", \"text\": \"x\"\n"),
    );
    assert_eq!(e.line, 3, "{e}");
    assert!(e.column.is_some());
    assert!(e.message.contains("invalid JSON"));
    let e = err(
        "news.jsonl",
        &format!("{ok}\n{{\"source\": \"S\", \"text\": \"no title\"}}\n"),
    );
    assert_eq!(e.line, 2);
    assert!(e.message.contains("title"));
    let e = err(
        "news.jsonl",
        r#"{"title": "A", "date": "2025-02-30", "text": "x"}"#,
    );
    assert!(e.message.contains("2025-02-30"));
    let e = err("news.jsonl", r#"["not", "an", "object"]"#);
    assert!(e.message.contains("object"));
    let e = err("news.jsonl", r#"{"title": "A", "text": ""}"#);
    assert!(e.message.contains("no \"text\""));
}

#[test]
fn html_and_markdown_errors() {
    let e = err(
        "a.html",
        "<html><head><title>T</title></head>\n<body><p>text</p>\n<!-- never closed\n</body></html>",
    );
    assert_eq!(e.line, 3, "{e}");
    let e = err(
        "a.html",
        "<html><body>\n<p>no title anywhere</p></body></html>",
    );
    assert!(e.message.contains("no <title>"), "{e}");
    let e = err(
        "a.html",
        "<html><head><title>T</title><meta name=\"date\" content=\"yesterday\"></head><body><p>x</p></body></html>",
    );
    assert!(e.message.contains("yesterday"), "{e}");
    let e = err("a.md", "---\ntitle: T\nsource: S\n\n# Heading\nbody\n");
    assert_eq!(e.line, 1, "{e}");
    assert!(e.message.contains("never closed"));
    let e = err("a.md", "---\ntitle: T\ndate: 2025-99-01\n---\nbody\n");
    assert_eq!(e.line, 3, "{e}");
    let e = err("a.txt", "Title\nDate: someday\nbody");
    assert_eq!(e.line, 2, "{e}");
}

#[test]
fn broken_front_matter_of_plain_text_is_refused_not_read_as_body() {
    // A line that is not `key: value`: refused at its line (it was the title "---" and the
    // front matter became body text).
    let e = err(
        "note.txt",
        "---\ntitle Rare earths\n---\nChina holds 90% of refining.\n",
    );
    assert_eq!((e.file.as_str(), e.line), ("note.txt", 2), "{e}");
    assert!(e.message.contains("not 'key: value'"), "{e}");
    // Never closed: refused at the opening line.
    let e = err("note.txt", "\n---\ntitle: Rare earths\nChina holds 90%.\n");
    assert_eq!(e.line, 2, "{e}");
    assert!(e.message.contains("never closed"), "{e}");
    // A bad date inside it.
    let e = err(
        "note.txt",
        "---\ntitle: T\ndate: 2025-02-30\n---\nChina holds 90%.\n",
    );
    assert_eq!(e.line, 3, "{e}");
}

#[test]
fn well_formed_front_matter_of_plain_text_is_metadata() {
    let docs = parse_documents(
        "note.txt",
        "---\ntitle: Rare earths\nsource: Reuters\ndate: 2025-10-01\n---\nChina holds 90% of refining.\n",
        None,
    )
    .unwrap();
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].title, "Rare earths");
    assert_eq!(docs[0].source, "Reuters");
    assert!(!docs[0].body.contains("---"), "{}", docs[0].body);
    assert!(!docs[0].body.contains("title"), "{}", docs[0].body);
}
