//! A value's subject and partner, by claim kind: who exports and to whom, who imports and from whom, who levies a tariff, who builds, invests or produces.

use super::Sentence;
use super::doc_context::DocContext;
use super::entities::eref;
use super::roles::{ACTORS, COUNTRYISH, Role, RoledMention};
use super::window::Window;
use crate::claim::{EntityRef, Metric};
use crate::gazetteer::{EntityKind, Gazetteer};
use crate::quantity::Quantity;

/// A value's subject, partner and further subjects ("$1 billion each").
pub(super) type Subjects = (Option<EntityRef>, Option<EntityRef>, Vec<EntityRef>);

/// Subject and partner as gazetteer indices.
type Pair = (Option<usize>, Option<usize>);

const AGENT: &[Role] = &[Role::Agent];
const ACTORISH: &[EntityKind] = &[EntityKind::Country, EntityKind::Region, EntityKind::Company];

/// The subject and partner of a value, by its metric; "each" spreads the value over every
/// country acting before it.
#[allow(clippy::too_many_arguments)]
pub(super) fn associate_subject(
    s: &Sentence,
    gaz: &Gazetteer,
    ctx: &DocContext,
    metric: Metric,
    q: &Quantity,
    w: &Window,
    notes: &mut Vec<String>,
) -> Subjects {
    let a = Actors {
        gaz,
        text: s.text,
        all: clause_actors(s, gaz, w.start),
        w,
    };
    let (subject, partner) = match metric {
        Metric::ShareImports | Metric::ShareExports if a.owner_after().is_some() => {
            owned_trade_share(&a)
        }
        Metric::Exports | Metric::ShareExports => exports(&a, ctx, notes),
        Metric::Imports | Metric::ShareImports => imports(&a, ctx, notes),
        Metric::TariffRate => tariff(&a, ctx, notes),
        Metric::ShareDemand => demand_share(&a, ctx, notes),
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
            project(&a, s.facility.as_ref(), ctx, notes)
        }
        _ => other(&a, ctx, notes),
    };
    let partner = partner.filter(|p| Some(*p) != subject);
    if q.each
        && let Some(each) = a.each_subjects(partner)
    {
        return each;
    }
    (
        subject.map(|x| eref(gaz, x)),
        partner.map(|p| eref(gaz, p)),
        vec![],
    )
}

/// The actors a value may take as subject or partner: those of its own clause when one of them
/// acts there (agent or adjective), else every actor before the clause's end (a later clause
/// with its own subject is never read).
fn clause_actors<'a>(s: &'a Sentence, gaz: &Gazetteer, pos: usize) -> Vec<&'a RoledMention> {
    let (lo, hi) = s.clause(pos);
    let all: Vec<&RoledMention> = s
        .entity_mentions(gaz, ACTORS)
        .filter(|m| m.mention.start < hi)
        .collect();
    let own: Vec<&RoledMention> = all
        .iter()
        .copied()
        .filter(|m| m.mention.start >= lo)
        .collect();
    if own
        .iter()
        .any(|m| matches!(m.role, Role::Agent | Role::Adjective))
    {
        own
    } else {
        all
    }
}

/// "Brazil supplied 73% of China's soybean imports": China owns the imports, Brazil supplies them.
fn owned_trade_share(a: &Actors) -> Pair {
    let subj = a.owner_after();
    let partner = a
        .nearest_before(&[Role::Agent, Role::From, Role::Adjective], COUNTRYISH)
        .filter(|p| Some(*p) != subj);
    (subj, partner)
}

/// The exporter ("Chinese exports", "China exported") and where to.
fn exports(a: &Actors, ctx: &DocContext, notes: &mut Vec<String>) -> Pair {
    let subj = a
        .nearest_before(&[Role::Adjective], COUNTRYISH)
        .or_else(|| a.nearest_before(AGENT, ACTORISH))
        .or_else(|| fallback(ctx, notes));
    (subj, a.partner_of(&[Role::To], subj))
}

/// The importer (acting, or the destination "imports to/in X") and where from.
fn imports(a: &Actors, ctx: &DocContext, notes: &mut Vec<String>) -> Pair {
    let subj = a
        .nearest_before(AGENT, ACTORISH)
        .or_else(|| a.nearest_any(&[Role::To, Role::In], COUNTRYISH))
        .or_else(|| fallback(ctx, notes));
    (subj, a.partner_of(&[Role::From, Role::Adjective], subj))
}

/// Who levies the tariff, and on whom (preferably named right after the rate).
fn tariff(a: &Actors, ctx: &DocContext, notes: &mut Vec<String>) -> Pair {
    let subj = a
        .nearest_before(AGENT, ACTORISH)
        .or_else(|| a.nearest_any(AGENT, COUNTRYISH))
        .or_else(|| fallback(ctx, notes));
    let partner = a
        .first_after_in_window(&[Role::Adjective, Role::From, Role::To, Role::Agent], subj)
        .or_else(|| a.partner_of(&[Role::Adjective, Role::From, Role::To], subj));
    (subj, partner)
}

/// Whose demand ("China accounts for 60%", "60% of Chinese demand"), and the supplier.
fn demand_share(a: &Actors, ctx: &DocContext, notes: &mut Vec<String>) -> Pair {
    let subj = a
        .nearest_before(AGENT, ACTORISH)
        .or_else(|| a.first_after_in_window(&[Role::Adjective, Role::Agent], None))
        .or_else(|| fallback(ctx, notes));
    (subj, a.partner_of(&[Role::From], subj))
}

/// Projects and producers (start dates, capacity, investment, jobs, production, counts): the
/// facility, else the nearest company, else a country or location, else the document's company.
fn project(
    a: &Actors,
    facility: Option<&(usize, String)>,
    ctx: &DocContext,
    notes: &mut Vec<String>,
) -> Pair {
    let subj = facility
        .map(|(f, how)| {
            if how != "named in the sentence" {
                notes.push(format!("facility resolved from {how}"));
            }
            *f
        })
        .or_else(|| a.nearest_company())
        .or_else(|| a.nearest_before(AGENT, COUNTRYISH))
        .or_else(|| a.nearest_before(&[Role::Adjective], COUNTRYISH))
        .or_else(|| a.nearest_any(AGENT, COUNTRYISH))
        .or_else(|| {
            a.in_location()
                .inspect(|_| notes.push("subject is the location named in the sentence".into()))
        })
        .or_else(|| {
            ctx.main_company
                .inspect(|_| notes.push("subject is the company the document is about".into()))
        })
        .or_else(|| fallback(ctx, notes));
    (subj, a.partner_of(&[Role::From], subj))
}

/// Every other metric: the acting country, region or company, a partner only in the value's window.
fn other(a: &Actors, ctx: &DocContext, notes: &mut Vec<String>) -> Pair {
    let subj = a
        .nearest_before(AGENT, ACTORISH)
        .or_else(|| a.nearest_before(&[Role::Adjective], COUNTRYISH))
        .or_else(|| a.in_location())
        .or_else(|| a.nearest_any(AGENT, ACTORISH))
        .or_else(|| fallback(ctx, notes));
    (subj, a.partner_in_window(&[Role::From, Role::To], subj))
}

/// The country the document is about, when the sentence names none.
fn fallback(ctx: &DocContext, notes: &mut Vec<String>) -> Option<usize> {
    ctx.main_country
        .inspect(|_| notes.push("subject taken from the document (the sentence names none)".into()))
}

/// The actors (countries, regions, companies, facilities) of a sentence, seen from one value.
struct Actors<'a> {
    gaz: &'a Gazetteer,
    text: &'a str,
    all: Vec<&'a RoledMention>,
    w: &'a Window,
}

impl Actors<'_> {
    fn kind(&self, m: &RoledMention) -> EntityKind {
        self.gaz.entity(m.mention.entity).kind
    }

    /// Distance of a mention from the value.
    fn distance(&self, m: &RoledMention) -> i64 {
        (m.mention.start as i64 - self.w.start as i64).abs()
    }

    /// The last actor before the value with one of `roles` and `kinds`.
    fn nearest_before(&self, roles: &[Role], kinds: &[EntityKind]) -> Option<usize> {
        self.all
            .iter()
            .filter(|m| {
                m.mention.start < self.w.start
                    && roles.contains(&m.role)
                    && kinds.contains(&self.kind(m))
            })
            .map(|m| m.mention.entity)
            .next_back()
    }

    /// The actor nearest the value, on either side, with one of `roles` and `kinds`.
    fn nearest_any(&self, roles: &[Role], kinds: &[EntityKind]) -> Option<usize> {
        self.all
            .iter()
            .filter(|m| roles.contains(&m.role) && kinds.contains(&self.kind(m)))
            .min_by_key(|m| self.distance(m))
            .map(|m| m.mention.entity)
    }

    /// The company nearest the value that is not an origin ("from Lynas").
    fn nearest_company(&self) -> Option<usize> {
        self.all
            .iter()
            .filter(|m| self.kind(m) == EntityKind::Company && m.role != Role::From)
            .min_by_key(|m| self.distance(m))
            .map(|m| m.mention.entity)
    }

    /// A country or region with one of `roles`, other than `exclude`: a possible partner.
    fn is_partner(&self, m: &RoledMention, roles: &[Role], exclude: Option<usize>) -> bool {
        roles.contains(&m.role)
            && COUNTRYISH.contains(&self.kind(m))
            && Some(m.mention.entity) != exclude
    }

    /// In the value's window, before or after it.
    fn in_window(&self, m: &RoledMention) -> bool {
        let w = self.w;
        (m.mention.start >= w.bwd_start && m.mention.end <= w.start)
            || (m.mention.start >= w.after && m.mention.start < w.fwd_end)
    }

    /// The partner nearest the value in its window.
    fn partner_in_window(&self, roles: &[Role], exclude: Option<usize>) -> Option<usize> {
        self.all
            .iter()
            .filter(|m| self.is_partner(m, roles, exclude))
            .filter(|m| self.in_window(m))
            .min_by_key(|m| self.distance(m))
            .map(|m| m.mention.entity)
    }

    /// Partner: in the value's own window first, then before it, then after it.
    fn partner_of(&self, roles: &[Role], exclude: Option<usize>) -> Option<usize> {
        let q0 = self.w.start;
        let partners = || {
            self.all
                .iter()
                .filter(move |m| self.is_partner(m, roles, exclude))
        };
        self.partner_in_window(roles, exclude)
            .or_else(|| {
                partners()
                    .rfind(|m| m.mention.start < q0)
                    .map(|m| m.mention.entity)
            })
            .or_else(|| {
                partners()
                    .find(|m| m.mention.start > q0)
                    .map(|m| m.mention.entity)
            })
    }

    /// The first partner after the value, in its window.
    fn first_after_in_window(&self, roles: &[Role], exclude: Option<usize>) -> Option<usize> {
        let w = self.w;
        self.all
            .iter()
            .filter(|m| m.mention.start >= w.after && m.mention.start < w.fwd_end)
            .filter(|m| self.is_partner(m, roles, exclude))
            .map(|m| m.mention.entity)
            .next()
    }

    /// A possessive or adjectival country right after the value: "of China's imports", "of Chinese demand".
    fn owner_after(&self) -> Option<usize> {
        let w = self.w;
        self.all
            .iter()
            .filter(|m| {
                m.mention.start >= w.after
                    && m.mention.start < w.fwd_end
                    && COUNTRYISH.contains(&self.kind(m))
            })
            .find(|m| {
                let rest = &self.text[m.mention.end..];
                m.role == Role::Adjective || rest.starts_with("'s") || rest.starts_with("’s")
            })
            .map(|m| m.mention.entity)
    }

    /// The first country or region named as a location ("in Texas").
    fn in_location(&self) -> Option<usize> {
        self.all
            .iter()
            .find(|m| m.role == Role::In && COUNTRYISH.contains(&self.kind(m)))
            .map(|m| m.mention.entity)
    }

    /// "The US and Australia plan to invest $1 billion each": every country acting before the
    /// value is a subject, when there are at least two.
    fn each_subjects(&self, partner: Option<usize>) -> Option<Subjects> {
        let mut agents: Vec<usize> = Vec::new();
        for m in self.all.iter().filter(|m| {
            m.mention.start < self.w.start
                && m.role == Role::Agent
                && self.kind(m) == EntityKind::Country
        }) {
            if !agents.contains(&m.mention.entity) {
                agents.push(m.mention.entity);
            }
        }
        if agents.len() < 2 {
            return None;
        }
        let also = agents[1..].iter().map(|a| eref(self.gaz, *a)).collect();
        Some((
            Some(eref(self.gaz, agents[0])),
            partner.map(|p| eref(self.gaz, p)),
            also,
        ))
    }
}
