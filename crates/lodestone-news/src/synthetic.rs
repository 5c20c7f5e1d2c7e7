//! Deterministic synthetic documents in the seed-page format, for benchmarks and tests.

use crate::date::NewsDate;
use crate::document::{DocFormat, Document, Provenance};

/// A small deterministic generator (SplitMix64): no ambient randomness.
#[derive(Debug, Clone)]
pub struct SplitMix(u64);

impl SplitMix {
    /// A generator from a seed.
    pub fn new(seed: u64) -> SplitMix {
        SplitMix(seed)
    }

    /// Next 64-bit value.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

const COUNTRIES: &[(&str, &str)] = &[
    ("China", "中国"),
    ("the US", "美国"),
    ("Australia", "澳大利亚"),
    ("Russia", "俄罗斯"),
    ("India", "印度"),
    ("Brazil", "巴西"),
    ("Myanmar", "缅甸"),
    ("Japan", "日本"),
    ("Vietnam", "越南"),
    ("Canada", "加拿大"),
];
const TOPICS: &[(&str, &str)] = &[
    ("rare earth refining", "稀土冶炼"),
    ("rare earth mining", "稀土开采"),
    ("magnet production", "永磁体生产"),
    ("soybean imports", "大豆进口"),
    ("export controls", "出口管制"),
    ("dysprosium supply", "镝供应"),
    ("gallium refining", "镓精炼"),
    ("steel tariffs", "钢铁关税"),
    ("heavy rare earths", "重稀土"),
    ("terbium prices", "铽价格"),
];
const SOURCES: &[&str] = &[
    "Sou Hu Cai Jing",
    "雪球",
    "Reuters",
    "Caixin",
    "Mining Weekly",
    "Xinhua",
    "Nikkei Asia",
    "Argus",
];
const VERBS: &[&str] = &[
    "plans to invest",
    "holds",
    "imported",
    "announced",
    "expects",
    "controls",
    "produced",
    "exported",
];
const FILLER: &[&str] = &[
    "analysts say the supply chain remains fragile",
    "the policy is expected to reshape global trade flows",
    "industry groups warned of shortages in the coming months",
    "prices rose sharply after the announcement",
    "the government promised further support for domestic producers",
    "technology for separation and purification remains the main barrier",
    "new projects face permitting delays and financing gaps",
    "defence and electric vehicle makers are most exposed",
];

/// `n` synthetic documents (seed-page entries), deterministic in `seed`.
pub fn documents(n: usize, seed: u64) -> Vec<Document> {
    let mut r = SplitMix::new(seed);
    (0..n)
        .map(|i| {
            let (c_en, c_zh) = COUNTRIES[r.below(COUNTRIES.len())];
            let (t_en, t_zh) = TOPICS[r.below(TOPICS.len())];
            let (c2_en, _) = COUNTRIES[r.below(COUNTRIES.len())];
            let title = format!("{c_zh}{t_zh}新动向：第{}号报告", i + 1);
            let source = r.pick(SOURCES);
            let date = NewsDate::new(
                2020 + r.below(6) as i32,
                1 + r.below(12) as u8,
                1 + r.below(28) as u8,
            )
            .unwrap();
            let mut body = format!(
                "Core Viewpoint - {c_en} {} {} in {t_en}, while {c2_en} responds [1]. ",
                r.pick(VERBS),
                match r.below(3) {
                    0 => format!("{}% of the market", 5 + r.below(90)),
                    1 => format!("{} billion yuan", 1 + r.below(900)),
                    _ => format!("{} million tons", 1 + r.below(40)),
                }
            );
            for g in 1..=3 {
                body.push_str(&format!(
                    "Group {g}: {} - ",
                    TOPICS[r.below(TOPICS.len())].0
                ));
                for _ in 0..2 {
                    body.push_str(&format!(
                        "{} {} in {} [{}]. - ",
                        r.pick(FILLER),
                        COUNTRIES[r.below(COUNTRIES.len())].0,
                        2020 + r.below(10),
                        1 + r.below(12)
                    ));
                }
            }
            Document::new(
                &title,
                source,
                Some(date),
                body.trim_end_matches(" - "),
                DocFormat::SeedPage,
                Provenance {
                    file: format!("synthetic-{seed}"),
                    line: 3 + 3 * i,
                    position: i + 1,
                },
            )
        })
        .collect()
}

/// The same documents written as one seed page (query line, "Search documents", then title / source · date / summary).
pub fn seed_page(n: usize, seed: u64) -> String {
    let mut out = String::from("稀土产业\nSearch documents\n");
    for d in documents(n, seed) {
        out.push_str(&format!(
            "{}\n{}· {}\n{}\n",
            d.title,
            d.source,
            d.date.map(|x| x.to_string()).unwrap_or_default(),
            d.body
        ));
    }
    out
}
