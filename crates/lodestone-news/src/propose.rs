//! Turning announced projects and policies into scenario event proposals: a TOML snippet of `[[events]]` with provenance comments, for a person to review. Nothing is applied.

use crate::claim::{Claim, EntityRef, Metric};
use crate::context::{Context, FactValue};
use crate::date::YearMonth;
use crate::extract::subject_country;
use crate::gazetteer::{Entity, EntityKind, Origin};
use crate::quantity::{Dimension, fx_rate};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use toml::Value;

/// Assumed months from an investment decision to output when the article gives no date.
pub const DEFAULT_LEAD_TIME_MONTHS: i64 = 48;
/// Assumed probability that an announced project is delayed.
pub const DEFAULT_DELAY_PROBABILITY: f64 = 0.3;
/// Assumed share of pre-control exports approved under a licensing regime (no aggregate rate is published).
pub const DEFAULT_APPROVAL_SHARE: f64 = 0.5;
/// Assumed licence delay: 45 working days (facts.md §5, mining.com/Adamas) ≈ 63 calendar days.
pub const DEFAULT_DELAY_DAYS: f64 = 63.0;
/// Fallback capital cost per stage, USD per t/yr of capacity, with where it comes from.
pub const DEFAULT_CAPEX: &[(&str, f64, &str)] = &[
    (
        "mining",
        30_000.0,
        "assumption: no citable mine capex per t REO in the fact sheets",
    ),
    (
        "separation",
        65_000.0,
        "derived: Iluka Eneabba A$1.7-1.8 bn for ~17,500 t REO/yr, facts.md §4",
    ),
    (
        "metal",
        60_000.0,
        "assumption: between separation and magnet plants",
    ),
    (
        "magnet",
        122_000.0,
        "derived: Vulcan Elements 1,220 MUSD for 10,000 t/yr, facts.md §4",
    ),
];

/// One proposed scenario event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    /// Event type: `capacity`, `new_facility`, `investment`, `tariff`, `export_control`.
    pub kind: String,
    /// Fields in output order (including `type`, `source`, `note`).
    pub fields: Vec<(String, Value)>,
    /// False if the event is written commented out (it names ids the dataset lacks).
    pub active: bool,
    /// Why it is commented out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inactive_reason: Option<String>,
    /// What a reviewer must look at (assumed values, inferred fields).
    pub review: Vec<String>,
    /// Claims the event is built from.
    pub claim_ids: Vec<String>,
    /// Provenance lines: document, source, date, location.
    pub provenance: Vec<String>,
    /// The sentence.
    pub sentence: String,
}

impl Proposal {
    /// A field's value.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// Document and source lines of the provenance, on one line ("also in: …" of a duplicate).
    fn first_provenance(&self) -> String {
        self.provenance
            .iter()
            .take(2)
            .cloned()
            .collect::<Vec<_>>()
            .join(" / ")
    }

    fn dedupe_key(&self) -> String {
        self.fields
            .iter()
            .filter(|(k, _)| {
                !matches!(
                    k.as_str(),
                    "source"
                        | "note"
                        | "programme"
                        | "facility"
                        | "company"
                        | "capacity"
                        | "capex_usd_per_tpa"
                        | "lead_time_months"
                )
            })
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("|")
    }
}

/// A proposal-worthy claim that did not become an event, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Skipped {
    /// Claim id.
    pub claim_id: String,
    /// The claim in words.
    pub what: String,
    /// Why no event was proposed.
    pub reason: String,
}

/// The result of [`propose`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProposalSet {
    /// Proposed events, in document order.
    pub proposals: Vec<Proposal>,
    /// Claims not turned into events.
    pub skipped: Vec<Skipped>,
}

fn s(v: &str) -> Value {
    Value::String(v.to_string())
}

fn slug(parts: &[&str]) -> String {
    let joined = parts
        .iter()
        .filter(|p| !p.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join("_")
        .to_lowercase();
    let mut out = String::new();
    for c in joined.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_string()
}

/// The stages an event may name.
const STAGES: &[&str] = &["mining", "separation", "metal", "magnet"];

fn stage_of(sentence: &str) -> Option<&'static str> {
    crate::extract::stage_in(&sentence.to_ascii_lowercase())
}

fn doc_month(c: &Claim) -> Option<YearMonth> {
    c.origin.date.map(|d| d.year_month())
}

fn claim_month(c: &Claim, review: &mut Vec<String>, what: &str) -> Option<YearMonth> {
    let p = c.quantity.date.as_ref().or(c.period.as_ref())?;
    Some(match p.month {
        Some(m) => YearMonth {
            year: p.year,
            month: m,
        },
        None => {
            review.push(format!(
                "{what}: the article gives the year {} only; January assumed",
                p.year
            ));
            YearMonth {
                year: p.year,
                month: 1,
            }
        }
    })
}

fn country_id(ctx: &Context, e: &EntityRef) -> Option<String> {
    subject_country(&ctx.gazetteer, e)
}

/// The country of a location named with "in …" in the sentence (a region or a country).
fn location_country(ctx: &Context, sentence: &str) -> Option<String> {
    let g = &ctx.gazetteer;
    for m in g.find(sentence) {
        let e = g.entity(m.entity);
        let before = sentence[..m.start].trim_end().to_ascii_lowercase();
        let is_in = before.ends_with(" in") || before.ends_with("在");
        match e.kind {
            EntityKind::Region => return e.country.clone(),
            EntityKind::Country if is_in => return Some(e.id.clone()),
            _ => {}
        }
    }
    None
}

fn provenance(c: &Claim) -> Vec<String> {
    let o = &c.origin;
    let mut lines = vec![format!("document: {}", o.title)];
    let date = o
        .date
        .map(|d| d.to_string())
        .unwrap_or_else(|| "undated".into());
    let src = if o.source.is_empty() {
        "unknown source".to_string()
    } else {
        o.source.clone()
    };
    let refs = if o.refs.is_empty() {
        String::new()
    } else {
        format!(
            " {}",
            o.refs.iter().map(|r| format!("[{r}]")).collect::<String>()
        )
    };
    lines.push(format!("source:   {src}, {date}"));
    lines.push(format!(
        "where:    {}:{} (document {}), {}{refs}",
        o.file, o.line, o.doc_id, o.passage
    ));
    lines
}

/// The `source` field: the document id and where it was published.
fn source_of(c: &Claim) -> String {
    let o = &c.origin;
    let src = if o.source.is_empty() {
        "unknown source"
    } else {
        &o.source
    };
    match o.date {
        Some(d) => format!(
            "news:{} ({src}, {:04}-{:02}-{:02})",
            o.doc_id, d.year, d.month, d.day
        ),
        None => format!("news:{} ({src})", o.doc_id),
    }
}

fn note_of(claims: &[&Claim]) -> String {
    claims
        .iter()
        .map(|c| format!("{} {}", c.metric.label(), c.quantity.display()))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Builds event proposals from claims.
pub fn propose(claims: &[Claim], ctx: &Context) -> ProposalSet {
    let mut set = ProposalSet::default();
    let mut used_programmes: BTreeSet<String> = BTreeSet::new();
    for group in claims_by_sentence(claims) {
        let mut run = SentenceRun {
            ctx,
            group: &group,
            sentence: &group[0].origin.sentence,
            consumed: BTreeSet::new(),
            set: &mut set,
            used_programmes: &mut used_programmes,
        };
        run.facility_starts();
        run.projects();
        run.tariffs();
        run.export_controls();
        run.money_without_event();
    }
    set.proposals = dedupe(set.proposals);
    set
}

/// Claims per sentence, in order.
fn claims_by_sentence(claims: &[Claim]) -> Vec<Vec<&Claim>> {
    let mut sentences: Vec<(String, Vec<&Claim>)> = Vec::new();
    for c in claims {
        let key = format!(
            "{}\u{1f}{}\u{1f}{}",
            c.origin.doc_id, c.origin.passage, c.origin.sentence
        );
        match sentences.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(c),
            None => sentences.push((key, vec![c])),
        }
    }
    sentences.into_iter().map(|(_, group)| group).collect()
}

/// Same event reported by several documents: keep the first (or the more specific), list the others.
fn dedupe(proposals: Vec<Proposal>) -> Vec<Proposal> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut kept: Vec<Proposal> = Vec::new();
    for p in proposals {
        let key = p.dedupe_key();
        match seen.get(&key) {
            Some(&i) => {
                let also = p.first_provenance();
                // Keep the more specific of the two (e.g. the one that names the dataset facility).
                if p.fields.len() > kept[i].fields.len() {
                    let old = std::mem::replace(&mut kept[i], p);
                    let also_old = old.first_provenance();
                    kept[i].provenance.push(format!("also in: {also_old}"));
                    kept[i].claim_ids.extend(old.claim_ids);
                } else {
                    kept[i].provenance.push(format!("also in: {also}"));
                    kept[i].claim_ids.extend(p.claim_ids);
                }
            }
            None => {
                seen.insert(key, kept.len());
                kept.push(p);
            }
        }
    }
    kept
}

/// One sentence's claims on their way to events: the claims already used by an event are
/// `consumed`; programme ids are unique across sentences.
struct SentenceRun<'a> {
    ctx: &'a Context,
    group: &'a [&'a Claim],
    sentence: &'a str,
    consumed: BTreeSet<String>,
    set: &'a mut ProposalSet,
    used_programmes: &'a mut BTreeSet<String>,
}

impl<'a> SentenceRun<'a> {
    fn skip(&mut self, c: &Claim, reason: String) {
        self.set.skipped.push(Skipped {
            claim_id: c.id.clone(),
            what: describe(c),
            reason,
        });
    }

    /// A proposal of this sentence built from `claims`, provenance from `first`.
    fn proposal(
        &self,
        kind: &str,
        fields: Vec<(String, Value)>,
        review: Vec<String>,
        claims: &[&Claim],
        first: &Claim,
    ) -> Proposal {
        Proposal {
            kind: kind.into(),
            fields,
            active: true,
            inactive_reason: None,
            review,
            claim_ids: claims.iter().map(|c| c.id.clone()).collect(),
            provenance: provenance(first),
            sentence: self.sentence.to_string(),
        }
    }

    /// Step 1: start dates of dataset facilities → capacity events.
    fn facility_starts(&mut self) {
        let group = self.group;
        let mut by_facility: BTreeMap<String, Vec<&Claim>> = BTreeMap::new();
        for c in group.iter().filter(|c| c.metric.is_start()) {
            if let Some(sub) = &c.subject
                && sub.kind == EntityKind::Facility
                && self
                    .ctx
                    .gazetteer
                    .get(EntityKind::Facility, &sub.id)
                    .is_some_and(|e| e.origin == Origin::Dataset)
            {
                by_facility.entry(sub.id.clone()).or_default().push(c);
            }
        }
        for (fac, starts) in &by_facility {
            if let Some(p) = self.capacity_event(fac, starts) {
                self.set.proposals.push(p);
            }
        }
    }

    /// A capacity event for a dataset facility: start (trial, else start, else commercial),
    /// capacity and ramp when stated; the facility's investments ride along.
    fn capacity_event(&mut self, fac: &str, starts: &[&'a Claim]) -> Option<Proposal> {
        let group = self.group;
        let mut review = Vec::new();
        let trial = starts.iter().find(|c| c.metric == Metric::TrialStart);
        let commercial = starts.iter().find(|c| c.metric == Metric::CommercialStart);
        let first = trial
            .or(starts.iter().find(|c| c.metric == Metric::StartDate))
            .or(commercial)
            .copied()
            .unwrap();
        let start = claim_month(first, &mut review, "start")?;
        let mut fields = vec![
            ("type".to_string(), s("capacity")),
            ("facility".into(), s(fac)),
            ("start".into(), s(&start.to_string())),
        ];
        let mut related: Vec<&Claim> = starts.to_vec();
        if let Some(cap) = group.iter().find(|c| {
            c.metric == Metric::Capacity && c.subject.as_ref().is_some_and(|x| x.id == fac)
        }) && let Some(n) = &cap.quantity.normalized
        {
            fields.push(("capacity".into(), Value::Float(n.value)));
            related.push(cap);
        }
        if let (Some(t), Some(cm)) = (trial, commercial) {
            let mut tmp = Vec::new();
            if let (Some(a), Some(b)) =
                (claim_month(t, &mut tmp, ""), claim_month(cm, &mut tmp, ""))
            {
                let months = a.months_until(b).max(0);
                fields.push(("ramp_months".into(), Value::Integer(months as i64)));
                review.push(format!("ramp_months = {months}: from trial production ({a}) to commercial operation ({b})"));
            }
        }
        fields.push(("enable".into(), Value::Boolean(true)));
        for inv in group.iter().filter(|c| {
            c.metric == Metric::Investment && c.subject.as_ref().is_some_and(|x| x.id == fac)
        }) {
            related.push(inv);
            self.consumed.insert(inv.id.clone());
        }
        if let Some(f) = self
            .ctx
            .facts
            .iter()
            .find(|f| f.subject == fac && f.metric == Metric::Status)
            && let FactValue::Text(st) = &f.value
        {
            review.push(format!(
                "the dataset lists this facility as '{st}' ({}: {}); enabling it overrides that",
                f.source_id, f.citation
            ));
        }
        fields.push(("source".into(), s(&source_of(first))));
        fields.push(("note".into(), s(&note_of(&related))));
        for c in &related {
            self.consumed.insert(c.id.clone());
        }
        Some(self.proposal("capacity", fields, review, &related, first))
    }

    /// Step 2: money for projects and programmes → investment events; a new plant with a capacity
    /// but no money → a new_facility event; a start date left over is reported.
    fn projects(&mut self) {
        let group = self.group;
        let start_claim = group
            .iter()
            .find(|c| c.metric.is_start() && !self.consumed.contains(&c.id))
            .copied();
        let capacity_claim = group
            .iter()
            .find(|c| c.metric == Metric::Capacity && !self.consumed.contains(&c.id))
            .copied();
        let investments: Vec<&Claim> = group
            .iter()
            .filter(|c| {
                c.metric == Metric::Investment
                    && c.quantity.dimension == Dimension::Money
                    && !self.consumed.contains(&c.id)
            })
            .copied()
            .collect();
        for inv in &investments {
            let subjects: Vec<&EntityRef> =
                inv.subject.iter().chain(inv.also_subjects.iter()).collect();
            if subjects.is_empty() {
                self.skip(inv, "no country or company found for the investment".into());
                continue;
            }
            for sub in subjects {
                if let Some(p) = self.investment_event(inv, sub, start_claim, capacity_claim) {
                    self.set.proposals.push(p);
                }
            }
        }
        if let Some(cap) = capacity_claim.filter(|c| !self.consumed.contains(&c.id))
            && let Some(sub) = &cap.subject
            && sub.kind != EntityKind::Facility
        {
            self.new_facility(cap, sub, start_claim);
        }
        if let Some(sc) = start_claim.filter(|c| !self.consumed.contains(&c.id)) {
            self.skip(
                sc,
                format!(
                    "{} has no facility id in the dataset, and the sentence gives no amount or capacity",
                    sc.subject.as_ref().map(|x| x.name.as_str()).unwrap_or("the project")
                ),
            );
        }
    }

    /// An investment event for one subject of an investment claim (None, with the reason
    /// reported, if it has no country, no date or no reference rate).
    fn investment_event(
        &mut self,
        inv: &'a Claim,
        sub: &EntityRef,
        start_claim: Option<&'a Claim>,
        capacity_claim: Option<&'a Claim>,
    ) -> Option<Proposal> {
        let ctx = self.ctx;
        let mut review = Vec::new();
        let company_like = matches!(sub.kind, EntityKind::Company | EntityKind::Facility);
        let country = if company_like {
            location_country(ctx, self.sentence).or_else(|| country_id(ctx, sub))
        } else {
            country_id(ctx, sub)
        };
        let Some(country) = country else {
            self.skip(inv, format!("no country known for {}", sub.name));
            return None;
        };
        let dataset_facility = (sub.kind == EntityKind::Facility)
            .then(|| ctx.gazetteer.get(EntityKind::Facility, &sub.id))
            .flatten()
            .filter(|f| f.origin == Origin::Dataset);
        let stage = self.investment_stage(dataset_facility, sub, &mut review);
        let Some(start) = investment_start(inv, &mut review) else {
            self.skip(inv, "undated document and no date in the sentence".into());
            return None;
        };
        let lead = lead_time(start, start_claim, &mut review);
        review.push(format!(
            "delay_probability = {DEFAULT_DELAY_PROBABILITY} is an assumption (not in the article)"
        ));
        amount_reviews(inv, &mut review);
        let programme = self.programme_id(&country, sub, inv, start);
        let mut fields = vec![
            ("type".to_string(), s("investment")),
            ("programme".into(), s(&programme)),
            ("amount".into(), Value::Float(inv.quantity.value)),
            ("currency".into(), s(&inv.quantity.unit)),
        ];
        let mut rate_note = String::new();
        if inv.quantity.unit != "USD" {
            let Some(note) = usd_rate_field(&inv.quantity.unit, &mut fields, &mut review) else {
                self.skip(inv, format!("no reference rate for {}", inv.quantity.unit));
                return None;
            };
            rate_note = note;
        }
        fields.push(("country".into(), s(&country)));
        fields.push(("stage".into(), s(stage)));
        if let Some(f) = dataset_facility {
            fields.push(("facility".into(), s(&f.id)));
            review.push(format!(
                "expands the dataset facility {} ({})",
                f.id,
                f.status.as_deref().unwrap_or("status unknown")
            ));
        }
        if sub.kind == EntityKind::Company
            && ctx
                .gazetteer
                .get(EntityKind::Company, &sub.id)
                .is_some_and(|e| e.origin == Origin::Dataset)
        {
            fields.push(("company".into(), s(&sub.id)));
        }
        let mut related = vec![inv];
        self.size_fields(
            stage,
            capacity_claim,
            &mut fields,
            &mut review,
            &mut related,
        );
        if let Some(sc) = start_claim {
            related.push(sc);
        }
        fields.push(("start".into(), s(&start.to_string())));
        fields.push(("lead_time_months".into(), Value::Integer(lead)));
        fields.push((
            "delay_probability".into(),
            Value::Float(DEFAULT_DELAY_PROBABILITY),
        ));
        fields.push(("source".into(), s(&source_of(inv))));
        let note = investment_note(inv, sub, &related, &rate_note, &mut review);
        fields.push(("note".into(), s(&note)));
        for c in &related {
            self.consumed.insert(c.id.clone());
        }
        Some(self.proposal("investment", fields, review, &related, inv))
    }

    /// The stage of an investment: the dataset facility's, else the one the sentence names,
    /// else separation.
    fn investment_stage(
        &self,
        dataset_facility: Option<&'a Entity>,
        sub: &EntityRef,
        review: &mut Vec<String>,
    ) -> &'a str {
        let facility_stage = dataset_facility
            .and_then(|f| f.stage.as_deref())
            .filter(|st| STAGES.contains(st));
        match (facility_stage, stage_of(self.sentence)) {
            (Some(st), _) => {
                review.push(format!(
                    "stage '{st}' is the dataset's stage of {}",
                    sub.name
                ));
                st
            }
            (None, Some(st)) => {
                review.push(format!("stage '{st}' inferred from the sentence"));
                st
            }
            (None, None) => {
                review.push("stage not stated; 'separation' assumed (the chokepoint the seed reports discuss)".into());
                "separation"
            }
        }
    }

    /// A programme id from country, company, material and start month, unique across the run.
    fn programme_id(
        &mut self,
        country: &str,
        sub: &EntityRef,
        inv: &Claim,
        start: YearMonth,
    ) -> String {
        let material = inv.material.as_ref().map(|m| m.id.as_str()).unwrap_or("");
        let who = if matches!(sub.kind, EntityKind::Company | EntityKind::Facility) {
            sub.id.as_str()
        } else {
            ""
        };
        let who = who
            .strip_prefix(&format!("{}_", country.to_lowercase()))
            .unwrap_or(who);
        let mut programme = slug(&[
            country,
            who,
            material,
            &format!("{}_{:02}", start.year, start.month),
        ]);
        let base = programme.clone();
        let mut n = 2;
        while self.used_programmes.contains(&programme) {
            programme = format!("{base}_{n}");
            n += 1;
        }
        self.used_programmes.insert(programme.clone());
        programme
    }

    /// The size of an investment: the stated capacity (in t), else a capex per t/yr for its stage.
    fn size_fields(
        &self,
        stage: &str,
        capacity_claim: Option<&'a Claim>,
        fields: &mut Vec<(String, Value)>,
        review: &mut Vec<String>,
        related: &mut Vec<&'a Claim>,
    ) {
        if let Some(cap) = capacity_claim
            && let Some(n) = &cap.quantity.normalized
            && n.unit == "t"
        {
            fields.push(("capacity".into(), Value::Float(n.value)));
            related.push(cap);
        } else {
            let (capex, why) = match self.ctx.defaults.capex_usd_per_tpa_by_stage.get(stage) {
                Some(c) => (*c, "the dataset's default for this stage".to_string()),
                None => DEFAULT_CAPEX
                    .iter()
                    .find(|(st, _, _)| *st == stage)
                    .map(|(_, c, why)| (*c, why.to_string()))
                    .unwrap_or((65_000.0, "assumption".into())),
            };
            fields.push(("capex_usd_per_tpa".into(), Value::Float(capex)));
            review.push(format!(
                "no capacity stated: capex_usd_per_tpa = {capex} sizes it ({why})"
            ));
        }
    }

    /// A new plant with a capacity but no money: new_facility if the dataset tells us the process.
    fn new_facility(&mut self, cap: &'a Claim, sub: &EntityRef, start_claim: Option<&'a Claim>) {
        let ctx = self.ctx;
        let sentence = self.sentence;
        let stage = stage_of(sentence);
        let process = stage.and_then(|st| ctx.defaults.process_by_stage.get(st));
        let company = if sub.kind == EntityKind::Company {
            Some(sub)
        } else {
            None
        };
        let country = location_country(ctx, sentence).or_else(|| country_id(ctx, sub));
        match (stage, process, company, country, cap.quantity.normalized.as_ref()) {
            (Some(stage), Some(process), Some(company), Some(country), Some(n)) if n.unit == "t" => {
                let mut review = vec!["a new facility: check its process, unit cost and start before use".to_string()];
                let start = match start_claim.and_then(|sc| claim_month(sc, &mut review, "start")) {
                    Some(m) => m,
                    None => {
                        review.push(format!("start = the document's month plus {DEFAULT_LEAD_TIME_MONTHS} months (assumption)"));
                        doc_month(cap).map(|m| m.plus_months(DEFAULT_LEAD_TIME_MONTHS as i32)).unwrap_or(YearMonth { year: 2030, month: 1 })
                    }
                };
                let unit_cost = ctx.defaults.unit_cost_by_stage.get(stage).copied().unwrap_or(0.0);
                review.push(format!("unit_cost = {unit_cost} from the dataset's default for stage '{stage}'"));
                let id = slug(&[&company.id, &country, stage, &start.year.to_string()]);
                let fields = vec![
                    ("type".to_string(), s("new_facility")),
                    ("id".into(), s(&id)),
                    ("name".into(), s(&format!("{} {} plant ({})", company.name, stage, country))),
                    ("company".into(), s(&company.id)),
                    ("country".into(), s(&country)),
                    ("stage".into(), s(stage)),
                    ("processes".into(), Value::Array(vec![s(process)])),
                    ("capacity".into(), Value::Float(n.value)),
                    ("start".into(), s(&start.to_string())),
                    ("ramp_months".into(), Value::Integer(12)),
                    ("unit_cost".into(), Value::Float(unit_cost)),
                    ("source".into(), s(&source_of(cap))),
                    ("note".into(), s(&note_of(&[cap]))),
                ];
                review.push("ramp_months = 12 is an assumption".into());
                self.consumed.insert(cap.id.clone());
                let in_dataset = ctx.gazetteer.get(EntityKind::Company, &company.id).is_some_and(|e| e.origin == Origin::Dataset);
                let mut p = self.proposal("new_facility", fields, review, &[cap], cap);
                p.active = in_dataset;
                p.inactive_reason = (!in_dataset).then(|| format!("company '{}' is not in the dataset", company.id));
                self.set.proposals.push(p);
            }
            _ => self.skip(
                cap,
                "a capacity without an amount, a known facility, or a dataset process for its stage: no valid event can be written".into(),
            ),
        }
    }

    /// Step 3: tariffs.
    fn tariffs(&mut self) {
        let group = self.group;
        for t in group
            .iter()
            .filter(|c| c.metric == Metric::TariffRate && c.quantity.dimension == Dimension::Share)
        {
            if let Some(p) = self.tariff_event(t) {
                self.set.proposals.push(p);
            }
        }
    }

    /// A tariff event: importer (the subject), exporter (the partner, else all), materials, rate, start.
    fn tariff_event(&mut self, t: &Claim) -> Option<Proposal> {
        let ctx = self.ctx;
        let mut review = Vec::new();
        let Some(importer) = t.subject.as_ref().and_then(|x| country_id(ctx, x)) else {
            self.skip(t, "no importing country found".into());
            return None;
        };
        let exporter = match t.partner.as_ref().and_then(|p| country_id(ctx, p)) {
            Some(e) => e,
            None => {
                review.push("exporter not named: \"*\" (all exporters)".into());
                "*".into()
            }
        };
        let (materials, inactive) = tariff_materials(ctx, t.material.as_ref(), &mut review);
        let start = match claim_month(t, &mut review, "start") {
            Some(m) => m,
            None => {
                review.push("start = the document's month (the article gives no date)".into());
                doc_month(t)?
            }
        };
        match t.quantity.qualifier {
            crate::quantity::Qualifier::AtMost => review.push(
                "the rate is an upper bound in the article (\"up to\", \"as high as\")".into(),
            ),
            crate::quantity::Qualifier::AtLeast => {
                review.push("the rate is a lower bound in the article".into())
            }
            _ => {}
        }
        let fields = vec![
            ("type".to_string(), s("tariff")),
            ("importer".into(), s(&importer)),
            ("exporter".into(), s(&exporter)),
            (
                "materials".into(),
                Value::Array(materials.iter().map(|m| s(m)).collect()),
            ),
            ("rate".into(), Value::Float(t.quantity.value / 100.0)),
            ("start".into(), s(&start.to_string())),
            ("source".into(), s(&source_of(t))),
            ("note".into(), s(&note_of(&[t]))),
        ];
        let mut p = self.proposal("tariff", fields, review, &[t], t);
        p.active = inactive.is_none();
        p.inactive_reason = inactive;
        Some(p)
    }

    /// Step 4: export controls, policy dates in a sentence about export controls.
    fn export_controls(&mut self) {
        let lower = self.sentence.to_ascii_lowercase();
        let is_control = [
            "export control",
            "export management",
            "export ban",
            "export licen",
            "出口管制",
            "出口管理",
        ]
        .iter()
        .any(|k| lower.contains(k));
        if !is_control {
            return;
        }
        let group = self.group;
        for p in group.iter().filter(|c| c.metric == Metric::PolicyDate) {
            if let Some(proposal) = self.export_control_event(p, &lower) {
                self.set.proposals.push(proposal);
            }
        }
    }

    /// An export control event: exporter, elements (named, else every rare earth), destinations,
    /// mode (ban or licence, with assumed approval share and delay), start.
    fn export_control_event(&self, p: &Claim, lower: &str) -> Option<Proposal> {
        let ctx = self.ctx;
        let mut review = Vec::new();
        let exporter = p.subject.as_ref().and_then(|x| country_id(ctx, x))?;
        let start = claim_month(p, &mut review, "start")?;
        let elements: Vec<String> = ctx
            .gazetteer
            .find(self.sentence)
            .into_iter()
            .map(|m| ctx.gazetteer.entity(m.entity))
            .filter(|e| e.kind == EntityKind::Element)
            .map(|e| e.id.clone())
            .collect();
        let destinations = match p.partner.as_ref().and_then(|x| country_id(ctx, x)) {
            Some(d) => Value::Array(vec![s(&d)]),
            None => {
                review.push("destinations not named: \"all\"".into());
                s("all")
            }
        };
        let mode = if ["ban", "prohibit", "禁止"]
            .iter()
            .any(|k| lower.contains(k))
        {
            "ban"
        } else {
            "licence"
        };
        review.push(format!("mode '{mode}' inferred from the wording"));
        let mut fields = vec![
            ("type".to_string(), s("export_control")),
            ("exporter".into(), s(&exporter)),
        ];
        let elements = if elements.is_empty() {
            review.push(
                "no elements named: every rare earth element (so every material containing one)"
                    .into(),
            );
            rare_earth_elements(ctx)
        } else {
            elements
        };
        fields.push((
            "elements".into(),
            Value::Array(elements.iter().map(|e| s(e)).collect()),
        ));
        fields.push(("destinations".into(), destinations));
        fields.push(("mode".into(), s(mode)));
        if mode == "licence" {
            fields.push((
                "approval_share".into(),
                Value::Float(DEFAULT_APPROVAL_SHARE),
            ));
            fields.push(("delay_days".into(), Value::Float(DEFAULT_DELAY_DAYS)));
            review.push(format!(
                "approval_share = {DEFAULT_APPROVAL_SHARE} is an assumption (no aggregate approval rate is published; plausible range 0.1-0.8)"
            ));
            review.push(format!(
                "delay_days = {DEFAULT_DELAY_DAYS}: ~45 working days reported for China's 2025 licences (facts.md §5); an assumption here"
            ));
        }
        fields.push(("start".into(), s(&start.to_string())));
        fields.push(("source".into(), s(&source_of(p))));
        fields.push(("note".into(), s(&note_of(&[p]))));
        Some(self.proposal("export_control", fields, review, &[p], p))
    }

    /// Step 5: money that has no event type.
    fn money_without_event(&mut self) {
        let group = self.group;
        for c in group.iter().filter(|c| {
            matches!(
                c.metric,
                Metric::Stockpile | Metric::PrivateInvestment | Metric::DealValue
            )
        }) {
            let reason = match c.metric {
                Metric::Stockpile => {
                    "a stockpile or reserve fund: the scenario format has no event for it (model it as stocks)"
                }
                Metric::PrivateInvestment => {
                    "private capital to be leveraged: not a programme with a country and stage"
                }
                _ => {
                    "the headline value of an agreement: its parts are proposed where the text states them"
                }
            };
            self.skip(c, reason.into());
        }
    }
}

/// The `usd_per_unit` field of an amount in another currency (the reference rate, rounded to
/// 6 decimals), and the note about it; None if there is no reference rate.
fn usd_rate_field(
    unit: &str,
    fields: &mut Vec<(String, Value)>,
    review: &mut Vec<String>,
) -> Option<String> {
    let r = fx_rate(unit)?;
    let rate = (r.usd_per_unit * 1e6).round() / 1e6;
    fields.push(("usd_per_unit".into(), Value::Float(rate)));
    review.push(format!(
        "usd_per_unit = {:.6}: reference rate as of {} ({})",
        r.usd_per_unit, r.as_of, r.source
    ));
    Some(format!(
        "; usd_per_unit {:.6} as of {} ({})",
        r.usd_per_unit, r.as_of, r.source
    ))
}

/// The note of an investment event: its claims, the article's equivalent, the rate, the company.
fn investment_note(
    inv: &Claim,
    sub: &EntityRef,
    related: &[&Claim],
    rate_note: &str,
    review: &mut Vec<String>,
) -> String {
    let mut note = note_of(related);
    if let Some(eq) = inv.quantity.equivalents.first() {
        note.push_str(&format!(" (article: {})", eq.display()));
    }
    note.push_str(rate_note);
    if matches!(sub.kind, EntityKind::Company | EntityKind::Facility) {
        note.push_str(&format!("; {} {}", sub.kind.as_str(), sub.name));
        if sub.kind == EntityKind::Company {
            review.push(format!("{} has no facility id in the dataset for this project: proposed as an investment programme", sub.name));
        }
    }
    note
}

/// The start of an investment: its own date, else the document's month.
fn investment_start(inv: &Claim, review: &mut Vec<String>) -> Option<YearMonth> {
    match &inv.period {
        Some(_) => claim_month(inv, review, "start"),
        None => {
            review.push(
                "start = the document's month (the article gives no date for the money)".into(),
            );
            doc_month(inv)
        }
    }
}

/// Months from the investment to the announced start of output, else the default lead time.
fn lead_time(start: YearMonth, start_claim: Option<&Claim>, review: &mut Vec<String>) -> i64 {
    match start_claim.and_then(|sc| claim_month(sc, &mut Vec::new(), "")) {
        Some(first_output) if start.months_until(first_output) > 0 => {
            review.push(format!(
                "lead_time_months from {start} to the announced start {first_output}"
            ));
            start.months_until(first_output) as i64
        }
        _ => {
            review.push(format!("lead_time_months = {DEFAULT_LEAD_TIME_MONTHS} is an assumption (not in the article)"));
            DEFAULT_LEAD_TIME_MONTHS
        }
    }
}

/// What a reviewer must know about an amount: a bound rather than a value, or "each".
fn amount_reviews(inv: &Claim, review: &mut Vec<String>) {
    match inv.quantity.qualifier {
        crate::quantity::Qualifier::AtLeast => review
            .push("the amount is a lower bound in the article (\"over\", \"at least\")".into()),
        crate::quantity::Qualifier::AtMost => {
            review.push("the amount is an upper bound in the article (\"up to\")".into())
        }
        _ => {}
    }
    if inv.quantity.each {
        review.push(format!(
            "\"each\": one event per party ({})",
            std::iter::once(inv.subject.as_ref())
                .flatten()
                .chain(inv.also_subjects.iter())
                .map(|e| e.name.clone())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
}

/// The rare earth elements of the dataset (all built-in ones but Pm when there is no dataset).
fn rare_earth_elements(ctx: &Context) -> Vec<String> {
    let ree = |e: &&crate::gazetteer::Entity| {
        e.kind == EntityKind::Element && e.parent.as_deref() == Some("rare_earths")
    };
    let all = ctx.gazetteer.entities();
    let from_dataset: Vec<String> = all
        .iter()
        .filter(ree)
        .filter(|e| e.origin == Origin::Dataset)
        .map(|e| e.id.clone())
        .collect();
    if !from_dataset.is_empty() {
        return from_dataset;
    }
    all.iter()
        .filter(ree)
        .filter(|e| e.id != "Pm")
        .map(|e| e.id.clone())
        .collect()
}

fn tariff_materials(
    ctx: &Context,
    material: Option<&EntityRef>,
    review: &mut Vec<String>,
) -> (Vec<String>, Option<String>) {
    let Some(m) = material else {
        review.push("no material named: [\"*\"] (all goods)".into());
        return (vec!["*".into()], None);
    };
    if m.id == "all_goods" {
        return (vec!["*".into()], None);
    }
    let entity = ctx.gazetteer.get(m.kind, &m.id);
    if entity.is_some_and(|e| e.origin == Origin::Dataset) {
        return (vec![m.id.clone()], None);
    }
    if m.id == "rare_earths" {
        review.push("\"rare earths\": all materials of the dataset (\"*\")".into());
        return (vec!["*".into()], None);
    }
    (
        vec![m.id.clone()],
        Some(format!("material '{}' is not in the dataset", m.id)),
    )
}

fn describe(c: &Claim) -> String {
    format!(
        "{} {} {}",
        c.subject.as_ref().map(|x| x.name.as_str()).unwrap_or("?"),
        c.metric.label(),
        c.quantity.display()
    )
}

fn comment_escape(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

impl ProposalSet {
    /// The proposals as a TOML snippet: `[[events]]` tables with provenance comments; inactive events commented out.
    pub fn to_toml(&self) -> String {
        let mut out = String::new();
        out.push_str("# Scenario event proposals from news reports (lodestone news propose).\n");
        out.push_str(
            "# Nothing here is applied. Review each event, then copy it into a scenario file.\n",
        );
        out.push_str(
            "# Events that name ids the dataset lacks are commented out, with the reason.\n",
        );
        out.push_str("# Amounts are in the currency the article states (ISO 4217).\n");
        let active = self.proposals.iter().filter(|p| p.active).count();
        out.push_str(&format!("# {} proposals ({} active, {} commented out); {} claims not proposed (listed at the end).\n", self.proposals.len(), active, self.proposals.len() - active, self.skipped.len()));
        for (i, p) in self.proposals.iter().enumerate() {
            out.push('\n');
            out.push_str(&format!(
                "# --- {}. {}{}\n",
                i + 1,
                p.kind,
                if p.active { "" } else { " (inactive)" }
            ));
            for l in &p.provenance {
                out.push_str(&format!("# {}\n", comment_escape(l)));
            }
            out.push_str(&format!(
                "# sentence: \"{}\"\n",
                comment_escape(&p.sentence)
            ));
            for r in &p.review {
                out.push_str(&format!("# review:   {}\n", comment_escape(r)));
            }
            let prefix = if p.active {
                ""
            } else {
                out.push_str(&format!(
                    "# inactive: {}\n",
                    comment_escape(p.inactive_reason.as_deref().unwrap_or(""))
                ));
                "# "
            };
            out.push_str(&format!("{prefix}[[events]]\n"));
            for (k, v) in &p.fields {
                out.push_str(&format!("{prefix}{k} = {v}\n"));
            }
        }
        if !self.skipped.is_empty() {
            out.push_str("\n# --- not proposed\n");
            for sk in &self.skipped {
                out.push_str(&format!(
                    "# {} ({}): {}\n",
                    comment_escape(&sk.what),
                    sk.claim_id,
                    comment_escape(&sk.reason)
                ));
            }
        }
        out
    }
}
