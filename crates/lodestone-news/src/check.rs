//! Checking claims: group them by (subject, partner, material, metric, time), flag disagreements between documents, and compare each with the dataset's reference facts.

use crate::claim::{Claim, EntityRef, Metric};
use crate::context::{Context, FactValue, ReferenceFact};
use crate::date::{Period, YearMonth};
use crate::gazetteer::EntityKind;
use crate::quantity::{Dimension, Normalized, convert, fmt_amount, unit_scale};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Tolerances of the checks. The defaults are documented per field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckSettings {
    /// Relative tolerance when comparing two documents' values (default 0.02: 2%).
    pub conflict_rel: f64,
    /// Absolute tolerance for shares between documents, as a fraction (default 0.005: half a percentage point).
    pub conflict_share_abs: f64,
    /// Relative tolerance when comparing a claim with the dataset (default 0.10: 10%).
    pub dataset_rel: f64,
    /// Absolute tolerance for shares against the dataset, as a fraction (default 0.015: 1.5 percentage points).
    pub dataset_share_abs: f64,
    /// Statuses that contradict an announced start date (default: unlikely, suspended, closed, cancelled).
    pub dead_statuses: Vec<String>,
    /// Months by which two dates may differ and still agree (default 3: "by the end of 2026"
    /// agrees with a first output in January 2027). Stated in every date verdict.
    #[serde(default = "default_date_months")]
    pub date_tolerance_months: u32,
}

fn default_date_months() -> u32 {
    3
}

impl Default for CheckSettings {
    fn default() -> Self {
        CheckSettings {
            conflict_rel: 0.02,
            conflict_share_abs: 0.005,
            dataset_rel: 0.10,
            dataset_share_abs: 0.015,
            dead_statuses: ["unlikely", "suspended", "closed", "cancelled", "abandoned"]
                .map(String::from)
                .to_vec(),
            date_tolerance_months: default_date_months(),
        }
    }
}

/// Outcome of comparing a claim with the dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// A dataset figure agrees within tolerance.
    Supported,
    /// A dataset figure disagrees.
    Contradicted,
    /// No comparable dataset figure.
    Unverifiable,
}

impl Verdict {
    /// Lowercase name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::Supported => "supported",
            Verdict::Contradicted => "contradicted",
            Verdict::Unverifiable => "unverifiable",
        }
    }
}

/// A dataset fact used as evidence, with the comparison made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// The fact.
    pub fact: ReferenceFact,
    /// What was compared ("claim 8 million t vs dataset 22.13 Mt (−64%)").
    pub comparison: String,
}

/// One claim with its verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimCheck {
    /// The claim.
    pub claim: Claim,
    /// Verdict against the dataset.
    pub verdict: Verdict,
    /// Why.
    pub reason: String,
    /// Facts used.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
}

/// Two documents that disagree about the same thing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conflict {
    /// First claim id.
    pub a: String,
    /// Second claim id.
    pub b: String,
    /// Explanation.
    pub message: String,
}

/// What a group of claims is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct GroupKey {
    /// Subject (`None` if not found).
    pub subject: Option<EntityRef>,
    /// Partner.
    pub partner: Option<EntityRef>,
    /// Material.
    pub material: Option<EntityRef>,
    /// Metric.
    pub metric: Metric,
    /// Time: `2024`, `2023-01..2023-08`, `as of 2025` (no year stated), or empty for date-valued metrics.
    pub time: String,
}

impl GroupKey {
    /// One-line description ("China · share of refining/separation · rare earths · as of 2025").
    pub fn describe(&self) -> String {
        let mut parts = vec![
            self.subject
                .as_ref()
                .map(|s| s.name.clone())
                .unwrap_or_else(|| "(no subject)".into()),
        ];
        if let Some(p) = &self.partner {
            parts[0] = format!("{} ← {}", parts[0], p.name);
        }
        parts.push(self.metric.label().to_string());
        if let Some(m) = &self.material {
            parts.push(m.name.clone());
        }
        if !self.time.is_empty() {
            parts.push(self.time.clone());
        }
        parts.join(" · ")
    }
}

/// Claims about the same thing, side by side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimGroup {
    /// What they are about.
    pub key: GroupKey,
    /// The claims and their verdicts.
    pub claims: Vec<ClaimCheck>,
    /// Disagreements between documents.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<Conflict>,
}

/// Totals.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckSummary {
    /// Claims checked.
    pub claims: usize,
    /// Groups.
    pub groups: usize,
    /// Supported claims.
    pub supported: usize,
    /// Contradicted claims.
    pub contradicted: usize,
    /// Unverifiable claims.
    pub unverifiable: usize,
    /// Conflicts between documents.
    pub conflicts: usize,
}

/// The result of [`check_claims`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckReport {
    /// Totals.
    pub summary: CheckSummary,
    /// Groups, those with conflicts or contradictions first.
    pub groups: Vec<ClaimGroup>,
    /// The tolerances the verdicts used.
    pub tolerances: CheckSettings,
}

impl CheckSettings {
    /// The tolerances in words, as the check's output states them.
    pub fn describe(&self) -> String {
        format!(
            "tolerances: between documents ±{}% (shares ±{} pp), against the dataset ±{}% (shares ±{} pp), dates ±{} months",
            trim2(self.conflict_rel * 100.0),
            trim2(self.conflict_share_abs * 100.0),
            trim2(self.dataset_rel * 100.0),
            trim2(self.dataset_share_abs * 100.0),
            self.date_tolerance_months
        )
    }
}

fn time_key(c: &Claim) -> String {
    if c.quantity.dimension == Dimension::Date {
        return String::new();
    }
    match &c.period {
        Some(p) => {
            let mut p = p.clone();
            p.modifier.clear();
            p.to_string()
        }
        None => c
            .origin
            .date
            .map(|d| format!("as of {}", d.year))
            .unwrap_or_else(|| "no date".into()),
    }
}

fn key_of(c: &Claim) -> GroupKey {
    GroupKey {
        subject: c.subject.clone(),
        partner: c.partner.clone(),
        material: c.material.clone(),
        metric: c.metric,
        time: time_key(c),
    }
}

/// Checks claims against each other and against the context's facts.
pub fn check_claims(claims: &[Claim], ctx: &Context, settings: &CheckSettings) -> CheckReport {
    let mut groups: BTreeMap<GroupKey, Vec<&Claim>> = BTreeMap::new();
    for c in claims {
        groups.entry(key_of(c)).or_default().push(c);
    }
    let mut out = Vec::new();
    let mut summary = CheckSummary::default();
    for (key, members) in groups {
        let checks: Vec<ClaimCheck> = members
            .iter()
            .map(|c| check_one(c, ctx, settings))
            .collect();
        let mut conflicts = Vec::new();
        for i in 0..members.len() {
            for j in i + 1..members.len() {
                let (a, b) = (members[i], members[j]);
                if a.origin.doc_id == b.origin.doc_id {
                    continue;
                }
                if let Some(msg) = disagreement(a, b, settings) {
                    conflicts.push(Conflict {
                        a: a.id.clone(),
                        b: b.id.clone(),
                        message: msg,
                    });
                }
            }
        }
        for c in &checks {
            summary.claims += 1;
            match c.verdict {
                Verdict::Supported => summary.supported += 1,
                Verdict::Contradicted => summary.contradicted += 1,
                Verdict::Unverifiable => summary.unverifiable += 1,
            }
        }
        summary.conflicts += conflicts.len();
        out.push(ClaimGroup {
            key,
            claims: checks,
            conflicts,
        });
    }
    summary.groups = out.len();
    out.sort_by_key(|g| {
        let contradicted = g.claims.iter().any(|c| c.verdict == Verdict::Contradicted);
        let supported = g.claims.iter().any(|c| c.verdict == Verdict::Supported);
        (
            g.conflicts.is_empty(),
            !contradicted,
            !supported,
            g.claims.len() == 1,
        )
    });
    CheckReport {
        summary,
        groups: out,
        tolerances: settings.clone(),
    }
}

fn share_like(c: &Claim) -> bool {
    matches!(c.quantity.dimension, Dimension::Share | Dimension::Points)
}

fn disagreement(a: &Claim, b: &Claim, s: &CheckSettings) -> Option<String> {
    if a.quantity.dimension == Dimension::Date && b.quantity.dimension == Dimension::Date {
        let (sa, sb) = (
            month_span(a.quantity.date.as_ref()?),
            month_span(b.quantity.date.as_ref()?),
        );
        let apart = (sb.0 - sa.1).max(sa.0 - sb.1);
        return (apart > s.date_tolerance_months as i32).then(|| {
            format!(
                "{} says {}, {} says {} ({apart} months apart; tolerance ±{} months)",
                who(a),
                a.quantity.display(),
                who(b),
                b.quantity.display(),
                s.date_tolerance_months
            )
        });
    }
    let na = a.quantity.normalized.as_ref()?;
    let nb = b.quantity.normalized.as_ref()?;
    if na.unit != nb.unit {
        return None;
    }
    let abs = if share_like(a) {
        s.conflict_share_abs
    } else {
        0.0
    };
    let ia = a.quantity.interval(s.conflict_rel / 2.0, abs / 2.0)?;
    let ib = b.quantity.interval(s.conflict_rel / 2.0, abs / 2.0)?;
    let overlap = ia.0 <= ib.1 && ib.0 <= ia.1;
    (!overlap).then(|| {
        format!(
            "{} says {}, {} says {}",
            who(a),
            a.quantity.display(),
            who(b),
            b.quantity.display()
        )
    })
}

fn who(c: &Claim) -> String {
    let date = c
        .origin
        .date
        .map(|d| format!(" {:04}-{:02}-{:02}", d.year, d.month, d.day))
        .unwrap_or_default();
    let src = if c.origin.source.is_empty() {
        "a document".to_string()
    } else {
        c.origin.source.clone()
    };
    format!("{src}{date} ({})", short_title(&c.origin.title))
}

fn short_title(t: &str) -> String {
    if t.chars().count() > 18 {
        format!("{}…", t.chars().take(18).collect::<String>())
    } else {
        t.to_string()
    }
}

fn material_matches(c: &Claim, f: &ReferenceFact, ctx: &Context) -> bool {
    match (&f.material, &c.material) {
        (Some(fm), Some(cm)) => fm == &cm.id,
        (Some(_), None) => false,
        (None, None) => true,
        // A fact without material covers the commodity as a whole: only claims about a root material.
        (None, Some(cm)) => ctx
            .gazetteer
            .get(cm.kind, &cm.id)
            .map(|e| e.parent.is_none())
            .unwrap_or(true),
    }
}

fn fact_base_interval(f: &ReferenceFact, claim_unit: &str) -> Option<(f64, f64)> {
    let (base, factor) = unit_scale(&f.unit);
    let (lo, hi) = match &f.value {
        FactValue::Number(v) => (*v, *v),
        FactValue::Range { low, high } => (*low, *high),
        _ => return None,
    };
    let (lo, hi) = (lo * factor, hi * factor);
    if base == claim_unit {
        return Some((lo, hi));
    }
    if claim_unit == "USD" {
        let r = convert(1.0, &base, "USD")?;
        return Some((lo * r, hi * r));
    }
    None
}

fn display_base(v: f64, unit: &str) -> String {
    match unit {
        "share" => format!("{}%", trim2(v * 100.0)),
        "USD" => format!("{} USD", fmt_amount(v)),
        u => format!("{} {u}", fmt_amount(v)),
    }
}

fn trim2(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn unverifiable(c: &Claim, reason: String) -> ClaimCheck {
    ClaimCheck {
        claim: c.clone(),
        verdict: Verdict::Unverifiable,
        reason,
        evidence: vec![],
    }
}

fn check_one(c: &Claim, ctx: &Context, s: &CheckSettings) -> ClaimCheck {
    let Some(subject) = &c.subject else {
        return unverifiable(c, "no subject found for this claim".into());
    };
    let facts: Vec<&ReferenceFact> = ctx
        .facts
        .iter()
        .filter(|f| f.subject == subject.id)
        .collect();
    if c.metric.is_start() {
        return check_start(c, subject, &facts, s);
    }
    let Some(norm) = c.quantity.normalized.as_ref() else {
        return unverifiable(c, "the value has no comparable unit".into());
    };
    let candidates = candidate_facts(c, &facts, &norm.unit, ctx);
    if candidates.is_empty() {
        let mut what = format!("{} · {}", subject.name, c.metric.label());
        if let Some(p) = &c.partner {
            what.push_str(&format!(" · from/to {}", p.name));
        }
        if let Some(m) = &c.material {
            what.push_str(&format!(" · {}", m.name));
        }
        return unverifiable(c, format!("no dataset figure for {what}"));
    }
    let (chosen, note) = same_period(c, &candidates);
    if chosen.is_empty() {
        let years: Vec<String> = candidates
            .iter()
            .filter_map(|f| f.period.as_ref().map(|p| p.to_string()))
            .collect();
        return unverifiable(
            c,
            format!(
                "the dataset has this figure for {} but not for {}",
                years.join(", "),
                c.period.as_ref().map(|p| p.to_string()).unwrap_or_default()
            ),
        );
    }
    let abs = if share_like(c) {
        s.dataset_share_abs
    } else {
        0.0
    };
    let Some((clo, chi)) = c.quantity.interval(s.dataset_rel, abs) else {
        return unverifiable(c, "the value has no comparable unit".into());
    };
    let mut evidence = Vec::new();
    let mut any_ok = false;
    for f in &chosen {
        let (ok, e) = compare_with_fact(f, norm, (clo, chi));
        any_ok |= ok;
        evidence.push(e);
    }
    let mut reason = if any_ok {
        "within tolerance of the dataset".to_string()
    } else {
        "outside the dataset's value and tolerance".to_string()
    };
    if !note.is_empty() {
        reason = format!("{reason}; {note}");
    }
    ClaimCheck {
        claim: c.clone(),
        verdict: if any_ok {
            Verdict::Supported
        } else {
            Verdict::Contradicted
        },
        reason,
        evidence,
    }
}

/// Facility start dates: against the facility's status (a dead one contradicts) and first output.
fn check_start(
    c: &Claim,
    subject: &EntityRef,
    facts: &[&ReferenceFact],
    s: &CheckSettings,
) -> ClaimCheck {
    if let Some(f) = facts.iter().find(|f| f.metric == Metric::Status)
        && let FactValue::Text(status) = &f.value
        && s.dead_statuses
            .iter()
            .any(|d| d.eq_ignore_ascii_case(status))
    {
        return ClaimCheck {
            claim: c.clone(),
            verdict: Verdict::Contradicted,
            reason: format!(
                "the dataset lists {} as '{status}', so an operation start in {} is not expected",
                subject.name,
                c.quantity.display()
            ),
            evidence: vec![Evidence {
                fact: (*f).clone(),
                comparison: format!("status {status}"),
            }],
        };
    }
    if let Some(f) = facts.iter().find(|f| f.metric == Metric::StartDate)
        && let FactValue::Date(ym) = &f.value
    {
        let Some(apart) = c.quantity.date.as_ref().map(|d| months_outside(d, *ym)) else {
            return unverifiable(c, "the claim's date could not be read".into());
        };
        let tol = s.date_tolerance_months;
        let ok = apart <= tol as i32;
        let gap = match apart {
            0 => "within the claim's period".to_string(),
            1 => "1 month from the claim's period".to_string(),
            n => format!("{n} months from the claim's period"),
        };
        return ClaimCheck {
            claim: c.clone(),
            verdict: if ok {
                Verdict::Supported
            } else {
                Verdict::Contradicted
            },
            reason: format!(
                "the dataset's first output for {} is {ym}, {gap} (tolerance ±{tol} months)",
                subject.name
            ),
            evidence: vec![Evidence {
                fact: (*f).clone(),
                comparison: format!("claim {} vs dataset {ym}", c.quantity.display()),
            }],
        };
    }
    if subject.kind != EntityKind::Facility {
        return unverifiable(
            c,
            format!(
                "{} is not a facility in the dataset; start dates are checked per facility",
                subject.name
            ),
        );
    }
    unverifiable(
        c,
        format!(
            "the dataset has no status or start date for {}",
            subject.name
        ),
    )
}

/// The months a period covers, as month indices (year × 12 + month − 1): a stated month (to the
/// end of its span), else the whole year (to the end year of a span).
fn month_span(p: &Period) -> (i32, i32) {
    let idx = |y: i32, m: u8| y * 12 + i32::from(m) - 1;
    let lo = idx(p.year, p.month.unwrap_or(1));
    let hi = match (p.end, p.month) {
        (Some(e), _) => idx(e.year, e.month),
        (None, Some(m)) => idx(p.year, m),
        (None, None) => idx(p.year, 12),
    };
    (lo, hi.max(lo))
}

/// How many months `ym` lies outside the period (0 inside it).
fn months_outside(p: &Period, ym: YearMonth) -> i32 {
    let (lo, hi) = month_span(p);
    let m = ym.year * 12 + i32::from(ym.month) - 1;
    (lo - m).max(m - hi).max(0)
}

/// The subject's facts with the claim's metric, partner and material, in a unit it can be compared in.
fn candidate_facts<'f>(
    c: &Claim,
    facts: &[&'f ReferenceFact],
    unit: &str,
    ctx: &Context,
) -> Vec<&'f ReferenceFact> {
    facts
        .iter()
        .copied()
        .filter(|f| f.metric == c.metric)
        .filter(|f| f.partner.as_deref() == c.partner.as_ref().map(|p| p.id.as_str()))
        .filter(|f| material_matches(c, f, ctx))
        .filter(|f| fact_base_interval(f, unit).is_some())
        .collect()
}

/// Period: the stated one, or the dataset's latest up to the document's year (with a note saying so).
fn same_period<'f>(
    c: &Claim,
    candidates: &[&'f ReferenceFact],
) -> (Vec<&'f ReferenceFact>, String) {
    match &c.period {
        Some(p) => {
            let same: Vec<&ReferenceFact> = candidates
                .iter()
                .copied()
                .filter(|f| {
                    f.period.as_ref().is_some_and(|fp| {
                        fp.year == p.year && fp.month == p.month && fp.end == p.end
                    })
                })
                .collect();
            (same, String::new())
        }
        None => {
            let doc_year = c.origin.date.map(|d| d.year).unwrap_or(i32::MAX);
            let best = candidates
                .iter()
                .filter_map(|f| f.period.as_ref().map(|p| p.year))
                .filter(|y| *y <= doc_year)
                .max()
                .or_else(|| {
                    candidates
                        .iter()
                        .filter_map(|f| f.period.as_ref().map(|p| p.year))
                        .min()
                });
            let chosen: Vec<&ReferenceFact> = candidates
                .iter()
                .copied()
                .filter(|f| {
                    f.period.as_ref().map(|p| p.year) == best
                        || (best.is_none() && f.period.is_none())
                })
                .collect();
            let note = best
                .map(|y| {
                    format!("the claim states no year; compared with the dataset's {y} figure")
                })
                .unwrap_or_default();
            (chosen, note)
        }
    }
}

/// Whether the claim's interval `(clo, chi)` meets the fact's, and the evidence line (with the
/// difference from the fact's midpoint).
fn compare_with_fact(
    f: &ReferenceFact,
    norm: &Normalized,
    (clo, chi): (f64, f64),
) -> (bool, Evidence) {
    let (flo, fhi) = fact_base_interval(f, &norm.unit).unwrap_or((f64::NAN, f64::NAN));
    let ok = clo <= fhi && flo <= chi;
    let mid = (flo + fhi) / 2.0;
    let diff = if mid.abs() > 0.0 {
        if norm.unit == "share" {
            format!("{:+.1} pp", (norm.value - mid) * 100.0)
        } else {
            format!("{:+.0}%", (norm.value / mid - 1.0) * 100.0)
        }
    } else {
        String::new()
    };
    let fact_shown = if flo == fhi {
        display_base(flo, &norm.unit)
    } else {
        format!(
            "{}–{}",
            display_base(flo, &norm.unit),
            display_base(fhi, &norm.unit)
        )
    };
    let evidence = Evidence {
        fact: f.clone(),
        comparison: format!(
            "claim {} vs dataset {} ({}{}){}",
            display_base(norm.value, &norm.unit),
            fact_shown,
            f.period
                .as_ref()
                .map(|p| format!("{p}, "))
                .unwrap_or_default(),
            f.source_id,
            if diff.is_empty() {
                String::new()
            } else {
                format!(": {diff}")
            }
        ),
    };
    (ok, evidence)
}
