//! The name matcher: every English and Chinese name of every entity compiled into two
//! Aho–Corasick automata (short capitalised names such as `US` or `Nd` case-sensitively, the rest
//! ASCII case-insensitively), and the rules that turn raw matches into mentions.

use super::{Entity, Mention};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

/// Compiled names, each pattern pointing back to its entity's index.
#[derive(Debug, Clone)]
pub(super) struct Matcher {
    insensitive: Option<AhoCorasick>,
    insensitive_targets: Vec<usize>,
    sensitive: Option<AhoCorasick>,
    sensitive_targets: Vec<usize>,
}

fn is_case_sensitive(alias: &str) -> bool {
    alias.chars().count() <= 4 && alias.chars().any(|c| c.is_ascii_uppercase())
}

impl Matcher {
    /// Compiles the names of `entities` (indices into that slice are the mentions' targets).
    pub(super) fn new(entities: &[Entity]) -> Matcher {
        let mut ins_pats: Vec<String> = Vec::new();
        let mut ins_t = Vec::new();
        let mut sen_pats: Vec<String> = Vec::new();
        let mut sen_t = Vec::new();
        for (i, e) in entities.iter().enumerate() {
            for n in e.all_names() {
                let n = n.trim();
                if n.is_empty() {
                    continue;
                }
                if is_case_sensitive(n) {
                    sen_pats.push(n.to_string());
                    sen_t.push(i);
                } else {
                    ins_pats.push(n.to_string());
                    ins_t.push(i);
                }
            }
        }
        let build = |pats: &[String], ci: bool| -> Option<AhoCorasick> {
            if pats.is_empty() {
                return None;
            }
            AhoCorasickBuilder::new()
                .ascii_case_insensitive(ci)
                .match_kind(MatchKind::LeftmostLongest)
                .build(pats)
                .ok()
        };
        Matcher {
            insensitive: build(&ins_pats, true),
            insensitive_targets: ins_t,
            sensitive: build(&sen_pats, false),
            sensitive_targets: sen_t,
        }
    }

    /// Finds entity mentions: longest names first, no overlaps, whole words for Latin-script names.
    pub(super) fn find(&self, text: &str) -> Vec<Mention> {
        let mut cands: Vec<Mention> = Vec::new();
        let bytes = text.as_bytes();
        let boundary_ok = |s: usize, e: usize| {
            let first = bytes[s];
            let last = bytes[e - 1];
            let before_ok =
                !first.is_ascii_alphanumeric() || s == 0 || !bytes[s - 1].is_ascii_alphanumeric();
            let after_ok = !last.is_ascii_alphanumeric()
                || e == bytes.len()
                || !bytes[e].is_ascii_alphanumeric();
            before_ok && after_ok
        };
        for (ac, targets) in [
            (&self.insensitive, &self.insensitive_targets),
            (&self.sensitive, &self.sensitive_targets),
        ] {
            let Some(ac) = ac else { continue };
            for m in ac.find_iter(text) {
                if boundary_ok(m.start(), m.end()) {
                    cands.push(Mention {
                        entity: targets[m.pattern().as_usize()],
                        start: m.start(),
                        end: m.end(),
                    });
                }
            }
        }
        // Longest first, then leftmost; drop overlaps.
        cands.sort_by(|a, b| {
            (b.end - b.start)
                .cmp(&(a.end - a.start))
                .then(a.start.cmp(&b.start))
        });
        let mut taken: Vec<Mention> = Vec::new();
        for c in cands {
            if taken.iter().all(|t| c.end <= t.start || c.start >= t.end) {
                taken.push(c);
            }
        }
        taken.sort_by_key(|m| m.start);
        taken
    }
}

#[cfg(test)]
pub(super) mod tests {
    use crate::gazetteer::Gazetteer;

    pub(in crate::gazetteer) fn ids(g: &Gazetteer, text: &str) -> Vec<String> {
        g.find(text)
            .iter()
            .map(|m| g.entity(m.entity).id.clone())
            .collect()
    }

    #[test]
    fn finds_english_and_chinese_names() {
        let g = Gazetteer::builtin();
        assert_eq!(
            ids(&g, "China's dominance in rare earth refining"),
            vec!["CN", "rare_earths"]
        );
        assert_eq!(
            ids(&g, "俄罗斯需尽快建立自主稀土产业"),
            vec!["RU", "rare_earths"]
        );
        assert_eq!(ids(&g, "the US and Australia"), vec!["US", "AU"]);
        assert_eq!(
            ids(&g, "heavy rare earth reserves"),
            vec!["heavy_rare_earths"]
        );
        assert_eq!(ids(&g, "镝和铽"), vec!["Dy", "Tb"]);
        assert_eq!(ids(&g, "莱纳斯在得州"), vec!["lynas", "texas"]);
    }

    #[test]
    fn respects_word_boundaries_and_case() {
        let g = Gazetteer::builtin();
        assert!(ids(&g, "let us focus on USD and Indiana").is_empty());
        assert_eq!(ids(&g, "US-China trade"), vec!["US", "CN"]);
        assert!(ids(&g, "La Rochelle").is_empty());
    }
}
