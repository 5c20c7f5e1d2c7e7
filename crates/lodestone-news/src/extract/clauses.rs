//! Clauses with a subject of their own: "China produced 270,000 t … and MP Materials plans …" is two clauses, so each value takes its subject, partner and metric words from its own clause.

use super::roles::ACTORS;
use crate::gazetteer::{Gazetteer, Mention};

/// Joins that start a new clause only when the actor after them acts (a verb follows it).
const EN_WEAK: &[&str] = &[", and", " and", ","];
/// Joins that start a new clause whenever an actor follows them.
const EN_STRONG: &[&str] = &[" but", " while", " whilst", " whereas", " although", ";"];
/// Chinese joins (no verb check: the actor after them is the new clause's topic).
const ZH: &[&str] = &["，而", ",而", "而", "，但", "但", "；", "，", "。"];

/// Words that, right after an actor, show it acts ("and MP Materials plans …").
const VERBS: &[&str] = &[
    "plans", "plan", "will", "would", "is", "are", "was", "were", "has", "have", "had", "expects",
    "expect", "aims", "aim", "intends", "intend", "says", "said", "produces", "produce", "exports",
    "export", "imports", "import", "mines", "mine", "accounts", "account", "holds", "hold",
    "controls", "control", "supplies", "supply", "ships", "ship", "buys", "buy", "sells", "sell",
    "also", "could", "can", "may", "might", "should", "remains", "remain", "targets", "target",
    "wants", "seeks", "made", "built", "sold", "bought", "held", "set", "took", "won", "grew",
    "rose", "fell", "saw", "began", "spent", "paid", "makes", "make", "builds", "build", "invests",
    "invest", "raises", "raise", "levies", "imposes", "cut", "cuts",
];

/// Byte offsets where a clause with its own subject starts: an actor (country, region, company,
/// facility) right after a join ("and", ", while", ";", "而"…), once the clause before it holds
/// a value (`values`: the start offsets of the sentence's quantities). After a weak join
/// ("and", ",") the actor must be followed by a verb, so "the US and Australia plan to invest"
/// and "to the United States and Japan" stay one clause.
pub(super) fn clause_starts(
    text: &str,
    gaz: &Gazetteer,
    mentions: &[Mention],
    values: &[usize],
) -> Vec<usize> {
    let mut starts: Vec<usize> = Vec::new();
    for m in mentions
        .iter()
        .filter(|m| ACTORS.contains(&gaz.entity(m.entity).kind))
    {
        let before = strip_article(text[..m.start].trim_end());
        let prev = starts.last().copied().unwrap_or(0);
        let Some(join_at) = join_before(before, &text[m.end..]) else {
            continue;
        };
        if values.iter().any(|&v| v >= prev && v < join_at) {
            starts.push(m.start);
        }
    }
    starts
}

/// Where the join ending `before` starts, if it is one that opens a clause for this actor.
fn join_before(before: &str, after: &str) -> Option<usize> {
    let ends = |j: &str| {
        before
            .to_ascii_lowercase()
            .ends_with(j)
            .then(|| before.len() - j.len())
    };
    if let Some(p) = ZH
        .iter()
        .find_map(|j| before.ends_with(j).then(|| before.len() - j.len()))
    {
        return Some(p);
    }
    if let Some(p) = EN_STRONG.iter().find_map(|j| ends(j)) {
        return Some(p);
    }
    let p = EN_WEAK.iter().find_map(|j| ends(j))?;
    acts(after).then_some(p)
}

/// "the", "its" or "their" before the actor is skipped.
fn strip_article(before: &str) -> &str {
    for a in ["the", "its", "their"] {
        let cut = before.len().saturating_sub(a.len());
        if let (Some(head), Some(tail)) = (before.get(..cut), before.get(cut..))
            && tail.eq_ignore_ascii_case(a)
            && head.ends_with(char::is_whitespace)
        {
            return head.trim_end();
        }
    }
    before
}

/// Whether the text after an actor starts with a verb (or a possessive: "Japan's imports").
fn acts(after: &str) -> bool {
    if after.starts_with("'s") || after.starts_with("’s") {
        return true;
    }
    let word: String = after
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect::<String>()
        .to_ascii_lowercase();
    word.len() > 3 && word.ends_with("ed") || VERBS.contains(&word.as_str())
}

/// The clause around byte `pos`: from the last start at or before it to the next start.
pub(super) fn clause_of(starts: &[usize], len: usize, pos: usize) -> (usize, usize) {
    let lo = starts
        .iter()
        .rev()
        .find(|&&s| s <= pos)
        .copied()
        .unwrap_or(0);
    let hi = starts.iter().find(|&&s| s > pos).copied().unwrap_or(len);
    (lo, hi)
}
