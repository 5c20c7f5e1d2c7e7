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
