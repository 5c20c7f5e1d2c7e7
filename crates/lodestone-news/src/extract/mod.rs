//! Claim extraction: sentences → dates, quantities and entity mentions → claims with metric, subject, partner, material and period. Pure and rule-based, with no per-document cases.

mod dates;
mod quantities;
mod sentences;
mod units;

pub use dates::{DateSpan, find_dates};
pub use quantities::{QuantitySpan, find_quantities};
pub use sentences::split_sentences;

use crate::claim::{Claim, ClaimSource, EntityRef, Metric};
use crate::date::Period;
use crate::document::Document;
use crate::gazetteer::{EntityKind, Gazetteer, Mention};
use crate::quantity::{Dimension, Qualifier, Quantity, normalize};
use regex::Regex;
use std::sync::LazyLock;

// ---------------------------------------------------------------------------------------------
// Keywords

type Kw = (&'static str, Metric);

const SHARE_KW: &[Kw] = &[
    ("refin", Metric::ShareSeparation),
    ("processing", Metric::ShareSeparation),
    ("purif", Metric::ShareSeparation),
    ("separation", Metric::ShareSeparation),
    ("separat", Metric::ShareSeparation),
    ("smelt", Metric::ShareSeparation),
    ("冶炼", Metric::ShareSeparation),
    ("分离", Metric::ShareSeparation),
    ("提纯", Metric::ShareSeparation),
    ("加工", Metric::ShareSeparation),
    ("mining", Metric::ShareMining),
    ("mine production", Metric::ShareMining),
    ("mined", Metric::ShareMining),
    ("extraction", Metric::ShareMining),
    ("production", Metric::ShareMining),
    ("produc", Metric::ShareMining),
    ("output", Metric::ShareMining),
    ("开采", Metric::ShareMining),
    ("产量", Metric::ShareMining),
    ("reserves", Metric::ShareReserves),
    ("储量", Metric::ShareReserves),
    ("magnet", Metric::ShareMagnet),
    ("磁", Metric::ShareMagnet),
    ("metal making", Metric::ShareMetal),
    ("metallurg", Metric::ShareMetal),
    ("tariff", Metric::TariffRate),
    ("duty", Metric::TariffRate),
    ("duties", Metric::TariffRate),
    ("levy", Metric::TariffRate),
    ("关税", Metric::TariffRate),
    ("imports", Metric::ShareImports),
    ("import", Metric::ShareImports),
    ("进口", Metric::ShareImports),
    ("exports", Metric::ShareExports),
    ("export", Metric::ShareExports),
    ("出口", Metric::ShareExports),
    ("demand", Metric::ShareDemand),
    ("consumption", Metric::ShareDemand),
    ("needs", Metric::ShareDemand),
    ("需求", Metric::ShareDemand),
    ("exploration", Metric::Share),
    ("market", Metric::Share),
    ("份额", Metric::Share),
];

const MASS_KW: &[Kw] = &[
    ("annual output", Metric::Capacity),
    ("annual production", Metric::Capacity),
    ("capacity", Metric::Capacity),
    ("per year", Metric::Capacity),
    ("a year", Metric::Capacity),
    ("per annum", Metric::Capacity),
    ("annually", Metric::Capacity),
    ("产能", Metric::Capacity),
    ("年产", Metric::Capacity),
    ("inventor", Metric::Stocks),
    ("ending stocks", Metric::Stocks),
    ("stocks", Metric::Stocks),
    ("stockpile", Metric::Stocks),
    ("库存", Metric::Stocks),
    ("reserves", Metric::Reserves),
    ("储量", Metric::Reserves),
    ("import", Metric::Imports),
    ("bought", Metric::Imports),
    ("buy", Metric::Imports),
    ("purchas", Metric::Imports),
    ("进口", Metric::Imports),
    ("采购", Metric::Imports),
    ("购买", Metric::Imports),
    ("export", Metric::Exports),
    ("shipment", Metric::Exports),
    ("shipped", Metric::Exports),
    ("sales", Metric::Exports),
    ("出口", Metric::Exports),
    ("produc", Metric::Production),
    ("output", Metric::Production),
    ("mined", Metric::Production),
    ("harvest", Metric::Production),
    ("crop", Metric::Production),
    ("产量", Metric::Production),
    ("生产", Metric::Production),
    ("开采", Metric::Production),
    ("demand", Metric::Consumption),
    ("consum", Metric::Consumption),
    ("需求", Metric::Consumption),
    ("消费", Metric::Consumption),
];

const MONEY_KW: &[Kw] = &[
    ("private capital", Metric::PrivateInvestment),
    ("private investment", Metric::PrivateInvestment),
    ("private sector", Metric::PrivateInvestment),
    ("leverage", Metric::PrivateInvestment),
    ("社会资本", Metric::PrivateInvestment),
    ("reserve", Metric::Stockpile),
    ("stockpil", Metric::Stockpile),
    ("储备", Metric::Stockpile),
    ("agreement", Metric::DealValue),
    ("deal", Metric::DealValue),
    ("framework", Metric::DealValue),
    ("pact", Metric::DealValue),
    ("pipeline", Metric::DealValue),
    ("协议", Metric::DealValue),
    ("trade", Metric::TradeValue),
    ("贸易", Metric::TradeValue),
    ("revenue", Metric::Revenue),
    ("income", Metric::Revenue),
    ("收入", Metric::Revenue),
    ("price", Metric::Price),
    ("价格", Metric::Price),
    ("cost", Metric::Cost),
    ("成本", Metric::Cost),
    ("invest", Metric::Investment),
    ("funding", Metric::Investment),
    ("fund", Metric::Investment),
    ("financ", Metric::Investment),
    ("contract", Metric::Investment),
    ("loan", Metric::Investment),
    ("grant", Metric::Investment),
    ("subsid", Metric::Investment),
    ("support", Metric::Investment),
    ("capital", Metric::Investment),
    ("capex", Metric::Investment),
    ("spend", Metric::Investment),
    ("allocat", Metric::Investment),
    ("投资", Metric::Investment),
    ("资金", Metric::Investment),
    ("拨款", Metric::Investment),
    ("补贴", Metric::Investment),
    ("export", Metric::Exports),
    ("出口", Metric::Exports),
    ("import", Metric::Imports),
    ("进口", Metric::Imports),
];

const DURATION_KW: &[Kw] = &[
    ("catch up", Metric::LeadTime),
    ("take", Metric::LeadTime),
    ("need", Metric::LeadTime),
    ("require", Metric::LeadTime),
    ("赶上", Metric::LeadTime),
    ("需要", Metric::LeadTime),
    ("要", Metric::LeadTime),
];

const DATE_KW: &[Kw] = &[
    ("trial production", Metric::TrialStart),
    ("trial operation", Metric::TrialStart),
    ("pilot production", Metric::TrialStart),
    ("trial run", Metric::TrialStart),
    ("试生产", Metric::TrialStart),
    ("试产", Metric::TrialStart),
    ("试运行", Metric::TrialStart),
    ("commercial operation", Metric::CommercialStart),
    ("commercial production", Metric::CommercialStart),
    ("commercial scale", Metric::CommercialStart),
    ("full production", Metric::CommercialStart),
    ("商业运营", Metric::CommercialStart),
    ("商业化", Metric::CommercialStart),
    ("start operation", Metric::StartDate),
    ("start production", Metric::StartDate),
    ("begin operation", Metric::StartDate),
    ("begin production", Metric::StartDate),
    ("operational", Metric::StartDate),
    ("commissioning", Metric::StartDate),
    ("come online", Metric::StartDate),
    ("come on stream", Metric::StartDate),
    ("first output", Metric::StartDate),
    ("first production", Metric::StartDate),
    ("start up", Metric::StartDate),
    ("launch", Metric::StartDate),
    ("投产", Metric::StartDate),
    ("启动", Metric::StartDate),
    ("运营", Metric::StartDate),
    ("export control", Metric::PolicyDate),
    ("export management", Metric::PolicyDate),
    ("export ban", Metric::PolicyDate),
    ("controls", Metric::PolicyDate),
    ("regulation", Metric::PolicyDate),
    ("took effect", Metric::PolicyDate),
    ("take effect", Metric::PolicyDate),
    ("came into force", Metric::PolicyDate),
    ("effective", Metric::PolicyDate),
    ("licens", Metric::PolicyDate),
    ("licenc", Metric::PolicyDate),
    ("tightened", Metric::PolicyDate),
    ("restrict", Metric::PolicyDate),
    ("管制", Metric::PolicyDate),
    ("生效", Metric::PolicyDate),
    ("实施", Metric::PolicyDate),
];

/// A keyword occurrence: (metric, start, end).
fn keyword_hits(window: &str, table: &[Kw]) -> Vec<(Metric, usize, usize)> {
    let lower = window.to_ascii_lowercase();
    let mut hits = Vec::new();
    for (kw, metric) in table {
        let mut from = 0;
        while let Some(p) = lower[from..].find(kw) {
            let s = from + p;
            let ascii = kw.is_ascii();
            let boundary = !ascii || s == 0 || !lower.as_bytes()[s - 1].is_ascii_alphanumeric();
            if boundary {
                hits.push((*metric, s, s + kw.len()));
            }
            from = s + kw.len();
        }
    }
    hits
}

fn first_hit(window: &str, table: &[Kw]) -> Option<(Metric, usize)> {
    keyword_hits(window, table)
        .into_iter()
        .min_by(|a, b| a.1.cmp(&b.1).then((b.2 - b.1).cmp(&(a.2 - a.1))))
        .map(|h| (h.0, h.1))
}

/// End offset of the last keyword hit in `window` (for distances).
fn keyword_end(window: &str, table: &[Kw], hit: (Metric, usize)) -> usize {
    keyword_hits(window, table)
        .into_iter()
        .filter(|h| h.0 == hit.0 && h.1 == hit.1)
        .map(|h| h.2)
        .max()
        .unwrap_or(hit.1)
}

fn last_hit(window: &str, table: &[Kw]) -> Option<(Metric, usize)> {
    keyword_hits(window, table)
        .into_iter()
        .max_by(|a, b| a.2.cmp(&b.2).then((a.2 - a.1).cmp(&(b.2 - b.1))))
        .map(|h| (h.0, h.1))
}

static CHANGE_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:\b(?:increased?|decreased?|rose|risen|rises?|fell|fallen|falls?|dropped|drops?|declined?|grew|grown|grows?|jumped|surged|climbed|slumped|plunged|cut|reduced|lowered|raised|up|down)\s+(?:by\s+)?(?:about\s+|some\s+|nearly\s+|over\s+|more than\s+)?|[+−-]|同比增长|同比下降|增长|下降|减少|增加)\s*$").unwrap()
});
static CHANGE_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(?:increase|decrease|rise|drop|decline|fall|jump|growth|gain|loss|cut|reduction|year[- ]on[- ]year|y/y|yoy|higher|lower|more|less|up|down)\b").unwrap()
});
static LIST_INTRO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\b(?:countries|nations|suppliers|partners|markets|economies|producers|places)\s+)?\b(?:like|such as|including|notably|especially)$").unwrap()
});
static OF_ITS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*of\s+(?:its|their|his|her|the company's|this)\b").unwrap()
});

// ---------------------------------------------------------------------------------------------
// Entity roles

/// The grammatical role of an entity mention in its sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Acts (subject position or possessive).
    Agent,
    /// Used as an adjective of a material ("US soybeans", "Chinese steel").
    Adjective,
    /// After "from" / "on" / "从" / "自": origin or dependency.
    From,
    /// After "to" / "into" / "against" / "对": destination or target.
    To,
    /// After "in" / "at" / "在": location.
    In,
}

/// A mention with its role.
#[derive(Debug, Clone)]
pub struct RoledMention {
    /// The mention.
    pub mention: Mention,
    /// Its role.
    pub role: Role,
}

fn assign_roles(text: &str, gaz: &Gazetteer, mentions: &[Mention]) -> Vec<RoledMention> {
    let mut out = Vec::new();
    for (i, m) in mentions.iter().enumerate() {
        let e = gaz.entity(m.entity);
        if matches!(e.kind, EntityKind::Material | EntityKind::Element) {
            out.push(RoledMention {
                mention: m.clone(),
                role: Role::Agent,
            });
            continue;
        }
        // Adjective: directly followed by a material or element ("US soybeans", "Chinese rare earth").
        let next_is_material = mentions.get(i + 1).is_some_and(|n| {
            let k = gaz.entity(n.entity).kind;
            let gap = &text[m.end..n.start];
            matches!(k, EntityKind::Material | EntityKind::Element)
                && gap.len() <= 3
                && gap
                    .chars()
                    .all(|c| c.is_whitespace() || c == '\'' || c == '’' || c == 's' || c == '-')
                && !gap.contains("'s")
                && !gap.contains("’s")
        });
        let before = text[..m.start].trim_end();
        let before_lower = before.to_ascii_lowercase();
        let mut before_word = before_lower
            .trim_end_matches([',', '('])
            .trim_end()
            .to_string();
        // "to countries like X", "from suppliers such as X": look through the list introducer.
        if let Some(c) = LIST_INTRO.find(&before_word) {
            before_word = before_word[..c.start()].trim_end().to_string();
        }
        let before_word = before_word
            .strip_suffix(" the")
            .map(str::trim_end)
            .unwrap_or(&before_word)
            .to_string();
        let last_word: String = before_word
            .rsplit(|c: char| !c.is_ascii_alphabetic())
            .next()
            .unwrap_or("")
            .to_string();
        let zh_prev: Option<char> = before.chars().next_back();
        // Coordination: "Argentina and Brazil", "China, Mexico": the second inherits the first's role.
        let coordinated = i > 0 && {
            let prev = &mentions[i - 1];
            let gap = text[prev.end..m.start].trim().to_ascii_lowercase();
            matches!(gap.as_str(), "and" | "or" | "," | "、" | "和" | "与" | "及")
                && COUNTRYISH.contains(&gaz.entity(prev.entity).kind)
        };
        let role = if next_is_material && e.kind == EntityKind::Country {
            Role::Adjective
        } else if coordinated && let Some(prev_role) = out.last().map(|r: &RoledMention| r.role) {
            prev_role
        } else if matches!(last_word.as_str(), "from" | "on" | "upon")
            || matches!(zh_prev, Some('从') | Some('自'))
        {
            Role::From
        } else if matches!(
            last_word.as_str(),
            "to" | "into" | "toward" | "towards" | "against"
        ) || matches!(zh_prev, Some('对') | Some('向'))
        {
            Role::To
        } else if matches!(
            last_word.as_str(),
            "in" | "at" | "near" | "across" | "within" | "throughout"
        ) || matches!(zh_prev, Some('在') | Some('于'))
        {
            Role::In
        } else {
            Role::Agent
        };
        out.push(RoledMention {
            mention: m.clone(),
            role,
        });
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Extraction

/// Document-level context used when a sentence does not name a subject or material.
#[derive(Debug, Clone, Default)]
pub struct DocContext {
    /// Most-mentioned country (title counted twice).
    pub main_country: Option<usize>,
    /// Most-mentioned material or element, generalised to its broadest parent.
    pub main_material: Option<usize>,
    /// Most-mentioned company.
    pub main_company: Option<usize>,
}

fn root_material(gaz: &Gazetteer, idx: usize) -> usize {
    let mut cur = idx;
    for _ in 0..5 {
        let e = gaz.entity(cur);
        let Some(p) = &e.parent else { break };
        match gaz.entities().iter().position(|x| {
            &x.id == p && matches!(x.kind, EntityKind::Material | EntityKind::Element)
        }) {
            Some(i) => cur = i,
            None => break,
        }
    }
    cur
}

/// Computes the document context (main country and material).
pub fn doc_context(doc: &Document, gaz: &Gazetteer) -> DocContext {
    let mut country: std::collections::BTreeMap<usize, (usize, usize)> = Default::default();
    let mut material: std::collections::BTreeMap<usize, (usize, usize)> = Default::default();
    let mut company: std::collections::BTreeMap<usize, (usize, usize)> = Default::default();
    let mut order = 0;
    for (text, weight) in [(&doc.title, 2), (&doc.body, 1)] {
        for m in gaz.find(text) {
            order += 1;
            let e = gaz.entity(m.entity);
            match e.kind {
                EntityKind::Country => {
                    let c = country.entry(m.entity).or_insert((0, order));
                    c.0 += weight;
                }
                EntityKind::Region | EntityKind::Company | EntityKind::Facility => {
                    if let Some(ci) = country_of(gaz, m.entity) {
                        let c = country.entry(ci).or_insert((0, order));
                        c.0 += weight;
                    }
                    if e.kind == EntityKind::Company {
                        let c = company.entry(m.entity).or_insert((0, order));
                        c.0 += weight;
                    }
                }
                EntityKind::Material | EntityKind::Element if e.id != "all_goods" => {
                    let r = root_material(gaz, m.entity);
                    let c = material.entry(r).or_insert((0, order));
                    c.0 += weight;
                }
                _ => {}
            }
        }
    }
    let best = |m: &std::collections::BTreeMap<usize, (usize, usize)>| {
        m.iter()
            .max_by(|a, b| a.1.0.cmp(&b.1.0).then(b.1.1.cmp(&a.1.1)))
            .map(|(k, _)| *k)
    };
    DocContext {
        main_country: best(&country),
        main_material: best(&material),
        main_company: best(&company),
    }
}

fn eref(gaz: &Gazetteer, idx: usize) -> EntityRef {
    let e = gaz.entity(idx);
    EntityRef {
        id: e.id.clone(),
        kind: e.kind,
        name: e.name.clone(),
    }
}

fn country_of(gaz: &Gazetteer, idx: usize) -> Option<usize> {
    let e = gaz.entity(idx);
    let c = e.country.as_ref()?;
    gaz.entities()
        .iter()
        .position(|x| x.kind == EntityKind::Country && &x.id == c)
}

fn clamp_back(text: &str, from: usize, max: usize) -> usize {
    let mut s = from.saturating_sub(max);
    while !text.is_char_boundary(s) {
        s += 1;
    }
    s
}

fn clamp_fwd(text: &str, from: usize, max: usize) -> usize {
    let mut e = (from + max).min(text.len());
    while !text.is_char_boundary(e) {
        e -= 1;
    }
    e
}

const CLAUSE_BREAKS: &[&str] = &[
    ",",
    ";",
    "，",
    "；",
    "。",
    ":",
    "：",
    " while ",
    " whereas ",
    " but ",
    " although ",
];

fn clause_end(text: &str, from: usize) -> usize {
    let rest = &text[from..];
    CLAUSE_BREAKS
        .iter()
        .filter_map(|b| rest.find(b))
        .min()
        .map(|p| from + p)
        .unwrap_or(text.len())
}

const FACILITY_WORDS: &[&str] = &[
    "plant",
    "refinery",
    "factory",
    "facility",
    "mine",
    "mill",
    "smelter",
    "cluster",
    "campus",
    "complex",
    "工厂",
    "冶炼厂",
    "矿",
];

struct Sentence<'a> {
    text: &'a str,
    dates: Vec<DateSpan>,
    quantities: Vec<QuantitySpan>,
    mentions: Vec<RoledMention>,
    facility: Option<(usize, String)>,
    /// Indices of dates that are claim values (not periods of other values).
    value_dates: Vec<usize>,
}

impl Sentence<'_> {
    fn entity_mentions(
        &self,
        gaz: &Gazetteer,
        kinds: &[EntityKind],
    ) -> impl Iterator<Item = &RoledMention> {
        let kinds = kinds.to_vec();
        self.mentions
            .iter()
            .filter(move |m| kinds.contains(&gaz.entity(m.mention.entity).kind))
    }
}

const ACTORS: &[EntityKind] = &[
    EntityKind::Country,
    EntityKind::Region,
    EntityKind::Company,
    EntityKind::Facility,
];
const COUNTRYISH: &[EntityKind] = &[EntityKind::Country, EntityKind::Region];
const MATERIALS: &[EntityKind] = &[EntityKind::Material, EntityKind::Element];

/// Finds a facility named in the sentence, directly or as company + facility word + location.
fn resolve_facility(
    text: &str,
    gaz: &Gazetteer,
    mentions: &[RoledMention],
) -> Option<(usize, String)> {
    if let Some(m) = mentions
        .iter()
        .find(|m| gaz.entity(m.mention.entity).kind == EntityKind::Facility)
    {
        return Some((m.mention.entity, "named in the sentence".into()));
    }
    let lower = text.to_ascii_lowercase();
    if !FACILITY_WORDS.iter().any(|w| lower.contains(w)) {
        return None;
    }
    let index_of = |id: &str| {
        gaz.entities()
            .iter()
            .position(|e| e.kind == EntityKind::Facility && e.id == id)
    };
    // Several plants of one company in one country: the stage named in the sentence decides.
    let stage = stage_in(&lower);
    let pick = |facs: Vec<&crate::gazetteer::Entity>| -> Option<usize> {
        let facs: Vec<_> = if facs.len() > 1 && stage.is_some() {
            facs.into_iter()
                .filter(|f| f.stage.as_deref() == stage)
                .collect()
        } else {
            facs
        };
        (facs.len() == 1).then(|| index_of(&facs[0].id)).flatten()
    };
    // Places: locations ("in Texas") and any region named in the sentence.
    let places: Vec<&RoledMention> = mentions
        .iter()
        .filter(|m| {
            let k = gaz.entity(m.mention.entity).kind;
            (m.role == Role::In && COUNTRYISH.contains(&k)) || k == EntityKind::Region
        })
        .collect();
    for c in mentions
        .iter()
        .filter(|m| gaz.entity(m.mention.entity).kind == EntityKind::Company)
    {
        let company = gaz.entity(c.mention.entity);
        for l in &places {
            let le = gaz.entity(l.mention.entity);
            let country = if le.kind == EntityKind::Country {
                Some(le.id.clone())
            } else {
                le.country.clone()
            };
            if let Some(idx) = pick(gaz.facilities_of(&company.id, country.as_deref())) {
                return Some((idx, format!("{} plant in {}", company.name, le.name)));
            }
        }
    }
    // A region whose name is part of exactly one facility's name ("… cluster in the Angara-Yenisei region").
    for l in places
        .iter()
        .filter(|m| gaz.entity(m.mention.entity).kind == EntityKind::Region)
    {
        let region = gaz.entity(l.mention.entity);
        let names: Vec<String> = region
            .all_names()
            .map(|n| n.to_lowercase())
            .filter(|n| n.chars().count() >= 5)
            .collect();
        let facs: Vec<&crate::gazetteer::Entity> = gaz
            .entities()
            .iter()
            .filter(|e| e.kind == EntityKind::Facility)
            .filter(|e| {
                e.all_names().any(|fname| {
                    let f = fname.to_lowercase();
                    names
                        .iter()
                        .any(|n| f.contains(n.trim_end_matches(" region")))
                })
            })
            .collect();
        if let Some(idx) = pick(facs) {
            return Some((idx, format!("the facility named after {}", region.name)));
        }
    }
    None
}

/// The chain stage a text talks about (refining → separation, magnets → magnet, …).
pub fn stage_in(lower: &str) -> Option<&'static str> {
    const TABLE: &[(&str, &str)] = &[
        ("magnet", "magnet"),
        ("磁", "magnet"),
        ("alloy", "metal"),
        ("metallurg", "metal"),
        ("metal making", "metal"),
        ("refin", "separation"),
        ("separat", "separation"),
        ("processing", "separation"),
        ("purif", "separation"),
        ("smelt", "separation"),
        ("冶炼", "separation"),
        ("分离", "separation"),
        ("提纯", "separation"),
        ("加工", "separation"),
        ("mining", "mining"),
        ("mine ", "mining"),
        ("extraction", "mining"),
        ("开采", "mining"),
    ];
    TABLE
        .iter()
        .find(|(k, _)| lower.contains(k))
        .map(|(_, st)| *st)
}

/// Extracts every claim of a document.
pub fn extract_claims(doc: &Document, gaz: &Gazetteer) -> Vec<Claim> {
    let ctx = doc_context(doc, gaz);
    let mut claims = Vec::new();
    for passage in doc.passages() {
        for (s, e) in split_sentences(&passage.text) {
            let sentence = &passage.text[s..e];
            let origin = ClaimSource {
                doc_id: doc.id.clone(),
                title: doc.title.clone(),
                source: doc.source.clone(),
                date: doc.date,
                file: doc.provenance.file.clone(),
                line: doc.provenance.line,
                passage: passage.label.clone(),
                refs: passage.refs.clone(),
                sentence: sentence.to_string(),
            };
            for mut c in extract_sentence(sentence, gaz, &ctx) {
                c.id = format!("{}:{}", doc.id, claims.len() + 1);
                c.origin = origin.clone();
                claims.push(c);
            }
        }
    }
    claims
}

/// Extracts the claims of one sentence (ids and provenance are left empty).
pub fn extract_sentence(text: &str, gaz: &Gazetteer, ctx: &DocContext) -> Vec<Claim> {
    let dates = find_dates(text);
    let quantities = find_quantities(text, &dates);
    let raw_mentions: Vec<Mention> = gaz
        .find(text)
        .into_iter()
        .filter(|m| {
            !quantities
                .iter()
                .any(|q| m.start < q.end && m.end > q.start)
        })
        .filter(|m| !dates.iter().any(|d| m.start < d.end && m.end > d.start))
        .collect();
    let mentions = assign_roles(text, gaz, &raw_mentions);
    let facility = resolve_facility(text, gaz, &mentions);
    let mut s = Sentence {
        text,
        dates,
        quantities,
        mentions,
        facility,
        value_dates: vec![],
    };

    // Dates that are values: "trial production in 2027", "start operations by the end of 2026".
    let mut date_values: Vec<(usize, Metric, usize)> = Vec::new(); // (date index, metric, window start)
    let mut last_value_end = 0;
    for (di, d) in s.dates.iter().enumerate() {
        if d.period.modifier.contains("since") {
            continue;
        }
        let prev_q_end = s
            .quantities
            .iter()
            .filter(|q| q.end <= d.start)
            .map(|q| q.end)
            .max()
            .unwrap_or(0);
        let bstart = prev_q_end
            .max(last_value_end)
            .max(clamp_back(text, d.start, 70));
        let bwd = &text[bstart..d.start];
        let mut metric = last_hit(bwd, DATE_KW).map(|h| h.0);
        if metric.is_none() {
            // Chinese "2027年投产", or a sentence that opens with the date ("Following October 9, 2023, China tightened…").
            let lead = text[..d.start].trim();
            let fe = if lead.split_whitespace().count() <= 2 {
                clamp_fwd(text, d.end, 90)
            } else {
                clause_end(text, d.end).min(clamp_fwd(text, d.end, 12))
            };
            let fwd = &text[d.end..fe.max(d.end)];
            metric = first_hit(fwd, DATE_KW).map(|h| h.0);
        }
        let Some(metric) = metric else { continue };
        last_value_end = d.end;
        date_values.push((di, metric, bstart));
    }
    s.value_dates = date_values.iter().map(|x| x.0).collect();

    let mut out = Vec::new();
    let primary: Vec<usize> = (0..s.quantities.len())
        .filter(|&i| s.quantities[i].equivalent_of.is_none())
        .collect();
    for (pi, &qi) in primary.iter().enumerate() {
        let qs = &s.quantities[qi];
        let prev_end = if pi > 0 {
            s.quantities[primary[pi - 1]].end
        } else {
            0
        };
        let next_start = primary
            .get(pi + 1)
            .map(|&n| s.quantities[n].start)
            .unwrap_or(text.len());
        // Skip past the parenthesised equivalents of this quantity.
        let mut after = qs.end;
        for eq in s.quantities.iter().filter(|x| x.equivalent_of == Some(qi)) {
            after = text[eq.end..]
                .find([')', '）'])
                .map(|p| eq.end + p + 1)
                .unwrap_or(eq.end);
        }
        let fwd_end = clause_end(text, after)
            .min(next_start)
            .min(clamp_fwd(text, after, 120))
            .max(after);
        let fwd = &text[after..fwd_end];
        let bwd_start = prev_end.max(clamp_back(text, qs.start, 90));
        let bwd = &text[bwd_start..qs.start];
        let Some(metric) = infer_metric(&qs.quantity, fwd, bwd, text) else {
            continue;
        };
        let win = Window {
            bwd_start,
            start: qs.start,
            after,
            fwd_end,
            has_previous_value: pi > 0,
        };

        let mut quantity = qs.quantity.clone();
        quantity.equivalents = s
            .quantities
            .iter()
            .filter(|x| x.equivalent_of == Some(qi))
            .map(|x| x.quantity.clone())
            .collect();
        let mut notes = Vec::new();
        let period = associate_period(&s, &win);
        let material = associate_material(&s, gaz, ctx, metric, &win, &mut notes);
        let (subject, partner, also) =
            associate_subject(&s, gaz, ctx, metric, &quantity, &win, &mut notes);
        normalize(&mut quantity, material.as_ref().map(|m| m.id.as_str()));
        out.push((
            qs.start,
            Claim {
                id: String::new(),
                quantity,
                metric,
                subject,
                also_subjects: also,
                partner,
                material,
                period,
                notes,
                origin: empty_origin(),
            },
        ));
    }

    for (di, metric, bstart) in date_values {
        let d = &s.dates[di];
        let qualifier =
            if d.period.modifier.starts_with("by") || d.period.modifier.starts_with("before") {
                Qualifier::AtMost
            } else if d.period.modifier.starts_with("after") {
                Qualifier::AtLeast
            } else {
                Qualifier::Exact
            };
        let quantity = Quantity {
            text: text[d.start..d.end].to_string(),
            value: d.period.year as f64,
            unit: "date".into(),
            dimension: Dimension::Date,
            qualifier,
            per: None,
            each: false,
            normalized: None,
            equivalents: vec![],
            date: Some(d.period.clone()),
        };
        let mut notes = Vec::new();
        let win = Window {
            bwd_start: bstart,
            start: d.start,
            after: d.end,
            fwd_end: clause_end(text, d.end).max(d.end),
            has_previous_value: false,
        };
        let material = associate_material(&s, gaz, ctx, metric, &win, &mut notes);
        let (subject, partner, also) =
            associate_subject(&s, gaz, ctx, metric, &quantity, &win, &mut notes);
        out.push((
            d.start,
            Claim {
                id: String::new(),
                quantity,
                metric,
                subject,
                also_subjects: also,
                partner,
                material,
                period: None,
                notes,
                origin: empty_origin(),
            },
        ));
    }
    out.sort_by_key(|(pos, _)| *pos);
    out.into_iter().map(|(_, c)| c).collect()
}

/// The text around a value: `bwd_start..start` before it, `after..fwd_end` after it (to the end of its clause).
struct Window {
    bwd_start: usize,
    start: usize,
    after: usize,
    fwd_end: usize,
    has_previous_value: bool,
}

fn empty_origin() -> ClaimSource {
    ClaimSource {
        doc_id: String::new(),
        title: String::new(),
        source: String::new(),
        date: None,
        file: String::new(),
        line: 0,
        passage: String::new(),
        refs: vec![],
        sentence: String::new(),
    }
}

fn infer_metric(q: &Quantity, fwd: &str, bwd: &str, sentence: &str) -> Option<Metric> {
    let table: &[Kw] = match q.dimension {
        Dimension::Share | Dimension::Points => {
            if CHANGE_BEFORE.is_match(bwd)
                || CHANGE_AFTER.is_match(fwd)
                || q.dimension == Dimension::Points
            {
                return Some(Metric::Change);
            }
            SHARE_KW
        }
        Dimension::Mass | Dimension::Volume => MASS_KW,
        Dimension::Money => {
            if q.per.is_some() {
                let m = last_hit(bwd, &[("cost", Metric::Cost), ("成本", Metric::Cost)])
                    .or(first_hit(fwd, &[("cost", Metric::Cost)]));
                return Some(m.map(|x| x.0).unwrap_or(Metric::Price));
            }
            MONEY_KW
        }
        Dimension::Count => {
            return Some(if q.unit == "jobs" {
                Metric::Jobs
            } else {
                Metric::Count
            });
        }
        Dimension::Duration => {
            return Some(
                last_hit(bwd, DURATION_KW)
                    .or(first_hit(fwd, DURATION_KW))
                    .map(|h| h.0)
                    .unwrap_or(Metric::Duration),
            );
        }
        Dimension::Date => return None,
    };
    let specific = |m: Metric| m != Metric::Share;
    // "X% of <thing>": the thing after "of" says what it is. Otherwise the nearest keyword on either side.
    let f = first_hit(fwd, table).filter(|h| specific(h.0));
    let b = last_hit(bwd, table).filter(|h| specific(h.0));
    let of_next = fwd.trim_start().to_ascii_lowercase().starts_with("of ")
        || fwd.trim_start().starts_with('的');
    let nearest = match (f, b) {
        (Some(f), Some(_)) if of_next => Some(f),
        (Some(f), Some(b)) => {
            let df = f.1;
            let db = bwd.len() - keyword_end(bwd, table, b);
            if df <= db { Some(f) } else { Some(b) }
        }
        (f, b) => f.or(b),
    };
    let hit = nearest
        .or_else(|| first_hit(sentence, table).filter(|h| specific(h.0)))
        .or_else(|| first_hit(fwd, table))
        .or_else(|| last_hit(bwd, table))
        .map(|h| h.0);
    match (q.dimension, hit) {
        (Dimension::Share, Some(m)) => {
            // "95% of its capacity": a share of the subject's own total, not of the world.
            if OF_ITS.is_match(fwd)
                && !matches!(
                    m,
                    Metric::ShareImports
                        | Metric::ShareExports
                        | Metric::ShareDemand
                        | Metric::TariffRate
                )
            {
                Some(Metric::Share)
            } else {
                Some(m)
            }
        }
        (Dimension::Share, None) => Some(Metric::Share),
        (Dimension::Mass | Dimension::Volume, m) => {
            if q.value == 0.0 && !matches!(m, Some(Metric::Exports | Metric::Imports)) {
                None
            } else {
                m.or(Some(Metric::Production))
                    .filter(|_| q.value != 0.0 || m.is_some())
            }
        }
        (Dimension::Money, m) => Some(m.unwrap_or(Metric::Investment)),
        (_, m) => m,
    }
}

fn associate_period(s: &Sentence, w: &Window) -> Option<Period> {
    let usable: Vec<&DateSpan> = s
        .dates
        .iter()
        .enumerate()
        .filter(|(i, d)| !d.period.modifier.contains("since") && !s.value_dates.contains(i))
        .map(|(_, d)| d)
        .collect();
    if let Some(d) = usable
        .iter()
        .find(|d| d.start >= w.after && d.start < w.fwd_end)
    {
        return Some(d.period.clone());
    }
    if let Some(d) = usable
        .iter()
        .rfind(|d| d.end <= w.start && d.start >= w.bwd_start)
    {
        return Some(d.period.clone());
    }
    if !usable.is_empty() && usable.iter().all(|d| d.period == usable[0].period) {
        return Some(usable[0].period.clone());
    }
    None
}

/// Metrics for which a material named elsewhere in the document is a sensible default.
fn material_from_document(metric: Metric) -> bool {
    !matches!(
        metric,
        Metric::TradeValue
            | Metric::Revenue
            | Metric::Jobs
            | Metric::Count
            | Metric::Duration
            | Metric::LeadTime
            | Metric::TariffRate
            | Metric::DealValue
            | Metric::Change
    )
}

fn associate_material(
    s: &Sentence,
    gaz: &Gazetteer,
    ctx: &DocContext,
    metric: Metric,
    w: &Window,
    notes: &mut Vec<String>,
) -> Option<EntityRef> {
    let mats: Vec<&RoledMention> = s.entity_mentions(gaz, MATERIALS).collect();
    if let Some(m) = mats
        .iter()
        .find(|m| m.mention.start >= w.after && m.mention.start < w.fwd_end)
    {
        return Some(eref(gaz, m.mention.entity));
    }
    if let Some(m) = mats
        .iter()
        .rfind(|m| m.mention.end <= w.start && m.mention.start >= w.bwd_start)
    {
        if w.has_previous_value {
            let r = root_material(gaz, m.mention.entity);
            if r != m.mention.entity {
                notes.push(format!(
                    "material generalised from {:?} (it qualifies another value in the sentence)",
                    gaz.entity(m.mention.entity).name
                ));
            }
            return Some(eref(gaz, r));
        }
        return Some(eref(gaz, m.mention.entity));
    }
    if let Some(m) = mats
        .iter()
        .find(|m| gaz.entity(m.mention.entity).id != "all_goods")
        .or(mats.first())
    {
        return Some(eref(gaz, root_material(gaz, m.mention.entity)));
    }
    if !material_from_document(metric) {
        return None;
    }
    ctx.main_material.map(|m| {
        notes.push("material taken from the document".into());
        eref(gaz, m)
    })
}

type Subjects = (Option<EntityRef>, Option<EntityRef>, Vec<EntityRef>);

#[allow(clippy::too_many_arguments)]
fn associate_subject(
    s: &Sentence,
    gaz: &Gazetteer,
    ctx: &DocContext,
    metric: Metric,
    q: &Quantity,
    w: &Window,
    notes: &mut Vec<String>,
) -> Subjects {
    let q0 = w.start;
    let actors: Vec<&RoledMention> = s.entity_mentions(gaz, ACTORS).collect();
    let kind = |m: &RoledMention| gaz.entity(m.mention.entity).kind;
    let nearest_before = |roles: &[Role], kinds: &[EntityKind]| -> Option<usize> {
        actors
            .iter()
            .filter(|m| m.mention.start < q0 && roles.contains(&m.role) && kinds.contains(&kind(m)))
            .map(|m| m.mention.entity)
            .next_back()
    };
    let nearest_any = |roles: &[Role], kinds: &[EntityKind]| -> Option<usize> {
        actors
            .iter()
            .filter(|m| roles.contains(&m.role) && kinds.contains(&kind(m)))
            .min_by_key(|m| (m.mention.start as i64 - q0 as i64).abs())
            .map(|m| m.mention.entity)
    };
    // Partner: in the value's own window first, then before it, then after it.
    let partner_of = |roles: &[Role], exclude: Option<usize>| -> Option<usize> {
        let ok = |m: &&&RoledMention| {
            roles.contains(&m.role)
                && COUNTRYISH.contains(&kind(m))
                && Some(m.mention.entity) != exclude
        };
        let in_window = actors
            .iter()
            .filter(ok)
            .filter(|m| {
                (m.mention.start >= w.bwd_start && m.mention.end <= w.start)
                    || (m.mention.start >= w.after && m.mention.start < w.fwd_end)
            })
            .min_by_key(|m| (m.mention.start as i64 - q0 as i64).abs());
        in_window
            .or_else(|| actors.iter().filter(ok).rfind(|m| m.mention.start < q0))
            .or_else(|| actors.iter().filter(ok).find(|m| m.mention.start > q0))
            .map(|m| m.mention.entity)
    };
    let partner_in_window = |roles: &[Role], exclude: Option<usize>| -> Option<usize> {
        actors
            .iter()
            .filter(|m| {
                roles.contains(&m.role)
                    && COUNTRYISH.contains(&kind(m))
                    && Some(m.mention.entity) != exclude
            })
            .filter(|m| {
                (m.mention.start >= w.bwd_start && m.mention.end <= w.start)
                    || (m.mention.start >= w.after && m.mention.start < w.fwd_end)
            })
            .min_by_key(|m| (m.mention.start as i64 - q0 as i64).abs())
            .map(|m| m.mention.entity)
    };
    let first_after_in_window = |roles: &[Role], exclude: Option<usize>| -> Option<usize> {
        actors
            .iter()
            .filter(|m| m.mention.start >= w.after && m.mention.start < w.fwd_end)
            .filter(|m| {
                roles.contains(&m.role)
                    && COUNTRYISH.contains(&kind(m))
                    && Some(m.mention.entity) != exclude
            })
            .map(|m| m.mention.entity)
            .next()
    };
    // A possessive or adjectival country right after the value: "of China's imports", "of Chinese demand".
    let owner_after = || -> Option<usize> {
        actors
            .iter()
            .filter(|m| {
                m.mention.start >= w.after
                    && m.mention.start < w.fwd_end
                    && COUNTRYISH.contains(&kind(m))
            })
            .find(|m| {
                let rest = &s.text[m.mention.end..];
                m.role == Role::Adjective || rest.starts_with("'s") || rest.starts_with("’s")
            })
            .map(|m| m.mention.entity)
    };
    let in_location = || -> Option<usize> {
        actors
            .iter()
            .find(|m| m.role == Role::In && COUNTRYISH.contains(&kind(m)))
            .map(|m| m.mention.entity)
    };
    let fallback = |notes: &mut Vec<String>| -> Option<usize> {
        ctx.main_country.inspect(|_| {
            notes.push("subject taken from the document (the sentence names none)".into())
        })
    };
    let agent = [Role::Agent];
    let actorish = [EntityKind::Country, EntityKind::Region, EntityKind::Company];

    let (subject, partner): (Option<usize>, Option<usize>) = match metric {
        Metric::ShareImports | Metric::ShareExports if owner_after().is_some() => {
            // "Brazil supplied 73% of China's soybean imports": China owns the imports, Brazil supplies them.
            let subj = owner_after();
            let partner = nearest_before(&[Role::Agent, Role::From, Role::Adjective], COUNTRYISH)
                .filter(|p| Some(*p) != subj);
            (subj, partner)
        }
        Metric::Exports | Metric::ShareExports => {
            let subj = nearest_before(&[Role::Adjective], COUNTRYISH)
                .or_else(|| nearest_before(&agent, &actorish))
                .or_else(|| fallback(notes));
            (subj, partner_of(&[Role::To], subj))
        }
        Metric::Imports | Metric::ShareImports => {
            let subj = nearest_before(&agent, &actorish)
                .or_else(|| nearest_any(&[Role::To, Role::In], COUNTRYISH))
                .or_else(|| fallback(notes));
            (subj, partner_of(&[Role::From, Role::Adjective], subj))
        }
        Metric::TariffRate => {
            let subj = nearest_before(&agent, &actorish)
                .or_else(|| nearest_any(&agent, COUNTRYISH))
                .or_else(|| fallback(notes));
            let partner =
                first_after_in_window(&[Role::Adjective, Role::From, Role::To, Role::Agent], subj)
                    .or_else(|| partner_of(&[Role::Adjective, Role::From, Role::To], subj));
            (subj, partner)
        }
        Metric::ShareDemand => {
            let subj = nearest_before(&agent, &actorish)
                .or_else(|| first_after_in_window(&[Role::Adjective, Role::Agent], None))
                .or_else(|| fallback(notes));
            (subj, partner_of(&[Role::From], subj))
        }
        m if m.is_start()
            || matches!(
                m,
                Metric::Capacity
                    | Metric::Investment
                    | Metric::Jobs
                    | Metric::Production
                    | Metric::Count
            ) =>
        {
            let subj = s
                .facility
                .as_ref()
                .map(|(f, how)| {
                    if how != "named in the sentence" {
                        notes.push(format!("facility resolved from {how}"));
                    }
                    *f
                })
                .or_else(|| {
                    actors
                        .iter()
                        .filter(|m| kind(m) == EntityKind::Company && m.role != Role::From)
                        .min_by_key(|m| (m.mention.start as i64 - q0 as i64).abs())
                        .map(|m| m.mention.entity)
                })
                .or_else(|| nearest_before(&agent, COUNTRYISH))
                .or_else(|| nearest_before(&[Role::Adjective], COUNTRYISH))
                .or_else(|| nearest_any(&agent, COUNTRYISH))
                .or_else(|| {
                    in_location().inspect(|_| {
                        notes.push("subject is the location named in the sentence".into())
                    })
                })
                .or_else(|| {
                    ctx.main_company.inspect(|_| {
                        notes.push("subject is the company the document is about".into())
                    })
                })
                .or_else(|| fallback(notes));
            (subj, partner_of(&[Role::From], subj))
        }
        _ => {
            let subj = nearest_before(&agent, &actorish)
                .or_else(|| nearest_before(&[Role::Adjective], COUNTRYISH))
                .or_else(in_location)
                .or_else(|| nearest_any(&agent, &actorish))
                .or_else(|| fallback(notes));
            (subj, partner_in_window(&[Role::From, Role::To], subj))
        }
    };
    let partner = partner.filter(|p| Some(*p) != subject);
    // "The US and Australia plan to invest $1 billion each".
    if q.each {
        let mut agents: Vec<usize> = Vec::new();
        for m in actors.iter().filter(|m| {
            m.mention.start < q0 && m.role == Role::Agent && kind(m) == EntityKind::Country
        }) {
            if !agents.contains(&m.mention.entity) {
                agents.push(m.mention.entity);
            }
        }
        if agents.len() >= 2 {
            let also = agents[1..].iter().map(|a| eref(gaz, *a)).collect();
            return (
                Some(eref(gaz, agents[0])),
                partner.map(|p| eref(gaz, p)),
                also,
            );
        }
    }
    (
        subject.map(|x| eref(gaz, x)),
        partner.map(|p| eref(gaz, p)),
        vec![],
    )
}

/// Maps a region subject to its country id (identity for countries); used by checks and proposals.
pub fn subject_country(gaz: &Gazetteer, e: &EntityRef) -> Option<String> {
    match e.kind {
        EntityKind::Country => Some(e.id.clone()),
        _ => {
            let idx = gaz
                .entities()
                .iter()
                .position(|x| x.kind == e.kind && x.id == e.id)?;
            country_of(gaz, idx)
                .map(|c| gaz.entity(c).id.clone())
                .or_else(|| gaz.entity(idx).country.clone())
        }
    }
}
