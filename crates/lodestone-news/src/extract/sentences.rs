//! Sentence splitting: byte ranges of sentences, aware of abbreviations, decimals and Chinese punctuation.

const ABBREVIATIONS: &[&str] = &[
    "u.s", "u.k", "e.u", "mr", "ms", "mrs", "dr", "st", "no", "co", "inc", "ltd", "corp", "approx",
    "e.g", "i.e", "vs", "etc", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
    "oct", "nov", "dec", "u.s.a", "gov", "dept",
];

/// Splits text into sentences (byte ranges), aware of abbreviations, decimals and Chinese punctuation.
pub fn split_sentences(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (k, &(i, c)) in chars.iter().enumerate() {
        let end = i + c.len_utf8();
        let split = match c {
            '。' | '！' | '？' | '；' => true,
            '.' | '!' | '?' => {
                let next = chars.get(k + 1).map(|x| x.1);
                let next2 = chars.get(k + 2).map(|x| x.1);
                let at_end = next.is_none();
                let followed = next.is_some_and(char::is_whitespace)
                    && next2.is_some_and(|n| {
                        n.is_uppercase()
                            || n.is_ascii_digit()
                            || n == '"'
                            || n == '“'
                            || !n.is_ascii()
                    });
                if c == '.' && (at_end || followed) {
                    // Abbreviation check: the word before the dot.
                    let word_start = text[..i]
                        .rfind(|ch: char| ch.is_whitespace() || ch == '(')
                        .map(|p| p + 1)
                        .unwrap_or(0);
                    let word = text[word_start..i].to_ascii_lowercase();
                    let single_cap = word.len() == 1
                        && text[word_start..i].chars().all(|x| x.is_ascii_uppercase());
                    !(ABBREVIATIONS.contains(&word.as_str()) || single_cap) || at_end
                } else {
                    at_end || followed
                }
            }
            _ => false,
        };
        if split {
            if text[start..end].trim().len() > 1 {
                out.push((start, end));
            }
            start = end;
        }
    }
    if text[start..].trim().len() > 1 {
        out.push((start, text.len()));
    }
    out.into_iter()
        .map(|(s, e)| {
            let t = &text[s..e];
            let lead = t.len() - t.trim_start().len();
            let trail = t.len() - t.trim_end().len();
            (s + lead, e - trail)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_respect_abbreviations_and_decimals() {
        let t = "The U.S. imported 1.87 billion bushels. China held 92%. 中国很强。俄罗斯也是。";
        let s: Vec<&str> = split_sentences(t).iter().map(|(a, b)| &t[*a..*b]).collect();
        assert_eq!(
            s,
            vec![
                "The U.S. imported 1.87 billion bushels.",
                "China held 92%.",
                "中国很强。",
                "俄罗斯也是。"
            ]
        );
    }
}
