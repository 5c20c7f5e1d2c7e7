//! Prints the documents and claims extracted from a file (development aid): `cargo run -p lodestone-news --example news_dump -- FILE`.

fn main() {
    let path = std::env::args().nth(1).expect("usage: news_dump FILE");
    let text = std::fs::read_to_string(&path).expect("read");
    let docs = match lodestone_news::parse_documents(&path, &text, None) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let ctx = lodestone_news::Context::builtin();
    print!("{}", lodestone_news::render::documents(&docs));
    let claims: Vec<_> = docs
        .iter()
        .flat_map(|d| lodestone_news::extract_claims(d, &ctx.gazetteer))
        .collect();
    print!("{}", lodestone_news::render::claims(&claims));
}
