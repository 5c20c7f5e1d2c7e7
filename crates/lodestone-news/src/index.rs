//! Full-text search over titles and bodies with tantivy and a jieba tokenizer (Chinese and English), with a Unicode word filter and English stemming.

use crate::date::NewsDate;
use crate::document::Document;
use crate::error::NewsError;
use serde::{Deserialize, Serialize};
use std::ops::Bound;
use std::path::Path;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, QueryParser, RangeQuery, TermQuery};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, Stemmer, TextAnalyzer, Token, TokenFilter, TokenStream,
    Tokenizer,
};
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

/// Name under which the analyzer is registered.
pub const TOKENIZER: &str = "lodestone_jieba";

/// Keeps tokens that contain at least one Unicode letter or digit (tantivy's
/// `AlphaNumOnlyFilter` is ASCII-only and would drop every Chinese token).
#[derive(Clone, Copy, Debug, Default)]
pub struct WordOnly;

/// Tokenizer wrapper produced by [`WordOnly`].
#[derive(Clone)]
pub struct WordOnlyWrap<T>(T);

/// Token stream produced by [`WordOnlyWrap`].
pub struct WordOnlyStream<T>(T);

impl TokenFilter for WordOnly {
    type Tokenizer<T: Tokenizer> = WordOnlyWrap<T>;
    fn transform<T: Tokenizer>(self, t: T) -> WordOnlyWrap<T> {
        WordOnlyWrap(t)
    }
}

impl<T: Tokenizer> Tokenizer for WordOnlyWrap<T> {
    type TokenStream<'a> = WordOnlyStream<T::TokenStream<'a>>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        WordOnlyStream(self.0.token_stream(text))
    }
}

impl<T: TokenStream> TokenStream for WordOnlyStream<T> {
    fn advance(&mut self) -> bool {
        while self.0.advance() {
            if self.0.token().text.chars().any(char::is_alphanumeric) {
                return true;
            }
        }
        false
    }
    fn token(&self) -> &Token {
        self.0.token()
    }
    fn token_mut(&mut self) -> &mut Token {
        self.0.token_mut()
    }
}

/// The analyzer: jieba (search mode) → drop tokens over 40 bytes → lowercase → keep words → English stemmer.
pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(tantivy_jieba::JiebaTokenizer::new())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(WordOnly)
        .filter(Stemmer::new(Language::English))
        .build()
}

/// Tokens of a text as the index sees them (deduplicated, in order).
pub fn tokens(text: &str) -> Vec<String> {
    let mut a = analyzer();
    let mut ts = a.token_stream(text);
    let mut out: Vec<String> = Vec::new();
    while ts.advance() {
        let t = ts.token().text.clone();
        if !out.contains(&t) {
            out.push(t);
        }
    }
    out
}

/// A search request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchQuery {
    /// Query text (Chinese or English; `"…"` for a phrase).
    pub text: String,
    /// Only documents dated on or after this date.
    pub since: Option<NewsDate>,
    /// Only documents whose source contains these words.
    pub source: Option<String>,
    /// Maximum number of hits.
    pub limit: usize,
}

impl SearchQuery {
    /// A query with the default limit (10) and no filters.
    pub fn new(text: &str) -> SearchQuery {
        SearchQuery {
            text: text.to_string(),
            since: None,
            source: None,
            limit: 10,
        }
    }
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    /// Document id.
    pub id: String,
    /// BM25 score.
    pub score: f32,
    /// Title.
    pub title: String,
    /// Source.
    pub source: String,
    /// Date as stored (`YYYY-MM-DD HH:MM`).
    pub date: Option<String>,
    /// Snippet of the body around the best match.
    pub snippet: String,
    /// Byte ranges of matched terms in `snippet`.
    pub highlights: Vec<(usize, usize)>,
    /// Byte ranges of matched terms in `title`.
    pub title_highlights: Vec<(usize, usize)>,
}

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    title: Field,
    body: Field,
    source: Field,
    date: Field,
    date_text: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored();
    let f = Fields {
        id: b.add_text_field("id", STRING | STORED),
        title: b.add_text_field("title", text.clone()),
        body: b.add_text_field("body", text.clone()),
        source: b.add_text_field("source", text),
        date: b.add_u64_field("date", INDEXED | FAST),
        date_text: b.add_text_field("date_text", STORED),
    };
    (b.build(), f)
}

/// A tantivy index of documents.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    f: Fields,
}

/// Memory budget of the index writer.
const WRITER_HEAP: usize = 120_000_000;

impl SearchIndex {
    /// Opens the index in `dir`, creating it if needed.
    pub fn open(dir: &Path) -> Result<SearchIndex, NewsError> {
        std::fs::create_dir_all(dir).map_err(|e| NewsError::Io {
            path: dir.display().to_string(),
            source: e,
        })?;
        let (schema, f) = schema();
        let mmap = tantivy::directory::MmapDirectory::open(dir).map_err(|e| NewsError::Io {
            path: dir.display().to_string(),
            source: std::io::Error::other(e.to_string()),
        })?;
        let index = Index::open_or_create(mmap, schema)?;
        Self::finish(index, f)
    }

    /// An in-memory index (tests, benchmarks).
    pub fn in_ram() -> Result<SearchIndex, NewsError> {
        let (schema, f) = schema();
        Self::finish(Index::create_in_ram(schema), f)
    }

    fn finish(index: Index, f: Fields) -> Result<SearchIndex, NewsError> {
        index.tokenizers().register(TOKENIZER, analyzer());
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(SearchIndex { index, reader, f })
    }

    /// Number of indexed documents.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// A writer (holds the index lock until dropped).
    pub fn writer(&self) -> Result<IndexWriter, NewsError> {
        Ok(self.index.writer(WRITER_HEAP)?)
    }

    /// Adds a document to a writer (not committed).
    pub fn add(&self, w: &IndexWriter, d: &Document) -> Result<(), NewsError> {
        let mut doc = TantivyDocument::default();
        doc.add_text(self.f.id, &d.id);
        doc.add_text(self.f.title, &d.title);
        doc.add_text(self.f.body, &d.body);
        doc.add_text(self.f.source, &d.source);
        if let Some(date) = d.date {
            doc.add_u64(self.f.date, date.ordinal());
            doc.add_text(self.f.date_text, date.to_string());
        }
        w.add_document(doc)?;
        Ok(())
    }

    /// Commits a writer and makes its documents searchable.
    pub fn commit(&self, mut w: IndexWriter) -> Result<(), NewsError> {
        if let Err(e) = w.commit() {
            let _ = w.rollback();
            return Err(e.into());
        }
        w.wait_merging_threads()?;
        self.reader.reload()?;
        Ok(())
    }

    /// Replaces the whole index with `docs`.
    pub fn rebuild<'a>(
        &self,
        docs: impl IntoIterator<Item = &'a Document>,
    ) -> Result<(), NewsError> {
        let w = self.writer()?;
        w.delete_all_documents()?;
        for d in docs {
            self.add(&w, d)?;
        }
        self.commit(w)
    }

    fn text_query(&self, text: &str) -> Result<Box<dyn Query>, NewsError> {
        let t = text.trim();
        if t.is_empty() {
            return Err(NewsError::Invalid("empty search query".into()));
        }
        if t.contains('"') || t.contains(':') || t.contains(" AND ") || t.contains(" OR ") {
            // Query syntax: phrases, fields, boolean operators.
            let mut parser = QueryParser::for_index(&self.index, vec![self.f.title, self.f.body]);
            parser.set_field_boost(self.f.title, 2.0);
            let (q, _errors) = parser.parse_query_lenient(t);
            return Ok(q);
        }
        let toks = tokens(t);
        if toks.is_empty() {
            return Err(NewsError::Invalid(format!(
                "the query {t:?} has no searchable words"
            )));
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for tok in &toks {
            for (field, boost) in [(self.f.title, 2.0f32), (self.f.body, 1.0)] {
                let tq = TermQuery::new(
                    Term::from_field_text(field, tok),
                    IndexRecordOption::WithFreqs,
                );
                clauses.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(tq), boost)),
                ));
            }
        }
        Ok(Box::new(BooleanQuery::new(clauses)))
    }

    /// Runs a search: BM25 over title (boost 2) and body, with optional date and source filters.
    pub fn search(&self, q: &SearchQuery) -> Result<Vec<SearchHit>, NewsError> {
        let text_q = self.text_query(&q.text)?;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, text_q.box_clone())];
        if let Some(since) = q.since {
            clauses.push((
                Occur::Must,
                Box::new(RangeQuery::new(
                    Bound::Included(Term::from_field_u64(self.f.date, since.ordinal())),
                    Bound::Unbounded,
                )),
            ));
        }
        if let Some(src) = &q.source {
            let toks = tokens(src);
            if toks.is_empty() {
                return Err(NewsError::Invalid(format!(
                    "the source filter {src:?} has no words"
                )));
            }
            for t in toks {
                clauses.push((
                    Occur::Must,
                    Box::new(TermQuery::new(
                        Term::from_field_text(self.f.source, &t),
                        IndexRecordOption::Basic,
                    )),
                ));
            }
        }
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let top: Vec<(f32, DocAddress)> = searcher.search(
            &query,
            &TopDocs::with_limit(q.limit.max(1)).order_by_score(),
        )?;
        let mut body_gen = SnippetGenerator::create(&searcher, &*text_q, self.f.body)?;
        body_gen.set_max_num_chars(220);
        let mut title_gen = SnippetGenerator::create(&searcher, &*text_q, self.f.title)?;
        title_gen.set_max_num_chars(10_000);
        let mut hits = Vec::with_capacity(top.len());
        for (score, addr) in top {
            let doc: TantivyDocument = searcher.doc(addr)?;
            let get = |f: Field| -> String {
                doc.get_first(f)
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default()
            };
            let title = get(self.f.title);
            let body = get(self.f.body);
            let snip = body_gen.snippet(&body);
            let (snippet, highlights) = if snip.fragment().is_empty() {
                let s: String = body.chars().take(200).collect();
                (s, vec![])
            } else {
                (
                    snip.fragment().to_string(),
                    snip.highlighted()
                        .iter()
                        .map(|r| (r.start, r.end))
                        .collect(),
                )
            };
            let tsnip = title_gen.snippet(&title);
            let title_highlights = if tsnip.fragment() == title {
                tsnip
                    .highlighted()
                    .iter()
                    .map(|r| (r.start, r.end))
                    .collect()
            } else {
                vec![]
            };
            let date_text = Some(get(self.f.date_text)).filter(|d| !d.is_empty());
            hits.push(SearchHit {
                id: get(self.f.id),
                score,
                title,
                source: get(self.f.source),
                date: date_text,
                snippet,
                highlights,
                title_highlights,
            });
        }
        // equal scores in document id order: the index's own order of ties varies between
        // runs (segments are merged in the background)
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
        Ok(hits)
    }
}
