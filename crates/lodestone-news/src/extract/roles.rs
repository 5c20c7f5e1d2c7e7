//! Entity mentions with their grammatical role in the sentence (agent, adjective, from, to, in), and the groups of entity kinds the rules use.

use crate::gazetteer::{EntityKind, Gazetteer, Mention};
use regex::Regex;
use std::sync::LazyLock;

static LIST_INTRO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\b(?:countries|nations|suppliers|partners|markets|economies|producers|places)\s+)?\b(?:like|such as|including|notably|especially)$").unwrap()
});

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

/// The role of each mention; a mention that starts a clause (`clause_starts`) is not read as
/// coordinated with the one before it ("… to the United States and Japan imported …").
pub(super) fn assign_roles(
    text: &str,
    gaz: &Gazetteer,
    mentions: &[Mention],
    clause_starts: &[usize],
) -> Vec<RoledMention> {
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
        let coordinated = i > 0 && !clause_starts.contains(&m.start) && {
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

pub(super) const ACTORS: &[EntityKind] = &[
    EntityKind::Country,
    EntityKind::Region,
    EntityKind::Company,
    EntityKind::Facility,
];
pub(super) const COUNTRYISH: &[EntityKind] = &[EntityKind::Country, EntityKind::Region];
pub(super) const MATERIALS: &[EntityKind] = &[EntityKind::Material, EntityKind::Element];
