//! Pages in the seed format written by the tests themselves: the parser and the extractor must
//! work on content they have never seen (different countries, companies, amounts, currencies, units).

mod common;

use lodestone_news::check::{CheckSettings, Verdict, check_claims};
use lodestone_news::claim::{Claim, Metric};
use lodestone_news::quantity::Qualifier;
use lodestone_news::{Context, Document, ReferenceFact};

struct Entry<'a> {
    title: &'a str,
    source: &'a str,
    date: &'a str,
    summary: String,
}

fn page(query: &str, entries: &[Entry]) -> String {
    let mut s = format!("{query}\nSearch documents\n");
    for e in entries {
        s.push_str(&format!(
            "{}\n{}· {}\n{}\n",
            e.title, e.source, e.date, e.summary
        ));
    }
    s
}

fn claims_of(docs: &[Document], ctx: &Context) -> Vec<Claim> {
    docs.iter()
        .flat_map(|d| lodestone_news::extract_claims(d, &ctx.gazetteer))
        .collect()
}

fn one<'a>(claims: &'a [Claim], metric: Metric, needle: &str) -> &'a Claim {
    let found: Vec<&Claim> = claims
        .iter()
        .filter(|c| c.metric == metric && c.origin.sentence.contains(needle))
        .collect();
    assert!(
        !found.is_empty(),
        "no {metric:?} claim in a sentence containing {needle:?}; claims: {:#?}",
        claims
            .iter()
            .map(|c| (c.metric, c.quantity.text.clone(), c.origin.sentence.clone()))
            .collect::<Vec<_>>()
    );
    found[0]
}

fn ids(c: &Claim) -> (String, String) {
    (
        c.subject.as_ref().map(|s| s.id.clone()).unwrap_or_default(),
        c.partner.as_ref().map(|s| s.id.clone()).unwrap_or_default(),
    )
}

#[test]
fn investments_in_any_country_and_currency() {
    // (country as written, ISO code, amount, multiplier word, currency as written, ISO currency)
    let cases = [
        ("Vietnam", "VN", 2.5, "billion", "euros", "EUR"),
        ("Canada", "CA", 640.0, "million", "Canadian dollars", "CAD"),
        ("India", "IN", 18.0, "billion", "rupees", "INR"),
        ("Brazil", "BR", 3.2, "billion", "reais", "BRL"),
        ("Japan", "JP", 120.0, "billion", "yen", "JPY"),
        ("Kazakhstan", "KZ", 900.0, "million", "US dollars", "USD"),
    ];
    let entries: Vec<Entry> = cases
        .iter()
        .enumerate()
        .map(|(i, (c, _, n, mult, cur, _))| Entry {
            title: "稀土加工投资计划",
            source: "Test Wire",
            date: ["2024-03-05 10:00", "2024-04-01 08:30", "2024-05-17 23:59", "2024-06-30 00:00", "2024-07-02 12:00", "2024-08-09 09:09"][i],
            summary: format!(
                "Core Viewpoint - {c} plans to invest {n} {mult} {cur} in rare earth refining capacity [1]. Group 1: Jobs - The programme will create at least {} jobs [2].",
                1000 + 250 * i
            ),
        })
        .collect();
    let docs = lodestone_news::parse_documents("gen.txt", &page("稀土", &entries), None).unwrap();
    assert_eq!(docs.len(), cases.len());
    let ctx = Context::builtin();
    for (doc, (_, iso, n, mult, _, cur)) in docs.iter().zip(cases.iter()) {
        let claims = claims_of(std::slice::from_ref(doc), &ctx);
        let inv = one(&claims, Metric::Investment, "plans to invest");
        assert_eq!(ids(inv).0, *iso);
        let factor = if *mult == "billion" { 1e9 } else { 1e6 };
        assert_eq!(
            (inv.quantity.value, inv.quantity.unit.as_str()),
            (n * factor, *cur)
        );
        assert!(inv.quantity.normalized.as_ref().unwrap().value > 0.0);
        assert_eq!(inv.material.as_ref().unwrap().id, "rare_earths");
        let jobs = one(&claims, Metric::Jobs, "jobs");
        assert_eq!(jobs.quantity.qualifier, Qualifier::AtLeast);
        assert_eq!(ids(jobs).0, *iso, "jobs subject comes from the document");
        assert!(jobs.notes.iter().any(|n| n.contains("document")));
    }
}

#[test]
fn trade_shares_tariffs_and_dates_in_new_wording() {
    let entries = vec![
        Entry {
            title: "巴西大豆对华出口创新高",
            source: "Agro News",
            date: "2024-02-01 07:00",
            summary: "Core Viewpoint - Brazil exported 4.2 million tonnes of soybeans to China in 2023, while Argentina shipped 900,000 tonnes [1][2]. Group 1: Shares - Brazil supplied 73% of China's soybean imports in 2023 [3]. - Analysts expect prices to rise 8% year-on-year [4].".into(),
        },
        Entry {
            title: "印度对华磁体征收15%关税",
            source: "Delhi Daily",
            date: "2025-01-15 09:00",
            summary: "Core Viewpoint - India imposed a 15% tariff on Chinese magnets from March 2025 [1]. Group 1: Context - Japan holds 19% of global magnet production [2]. - Vietnam controls 4% of the world's rare earth reserves [3].".into(),
        },
        Entry {
            title: "MP材料公司磁体工厂进展",
            source: "Tech Times",
            date: "2025-06-01 12:00",
            summary: "Core Viewpoint - MP Materials expects trial production in 2026 and commercial operations in 2027 at its magnet plant in Texas [1]. Group 1: Money - The company received a $400 million loan from the Department of Defense [2].".into(),
        },
        Entry {
            title: "澳大利亚稀土产量",
            source: "Mining Post",
            date: "2024-12-12 16:45",
            summary: "Core Viewpoint - Australia produced 13,000 tons of rare earths in 2024, up from 16,000 tons in 2023 [1].".into(),
        },
    ];
    let text = page("稀土 大豆", &entries);
    let docs = lodestone_news::parse_documents("gen2.txt", &text, None).unwrap();
    assert_eq!(docs.len(), 4);
    assert_eq!(docs[2].date.unwrap().to_string(), "2025-06-01 12:00");
    assert_eq!(docs[1].provenance.line, 6);
    let ctx = Context::builtin();
    let claims = claims_of(&docs, &ctx);

    let br = one(&claims, Metric::Exports, "4.2 million tonnes");
    assert_eq!(ids(br), ("BR".into(), "CN".into()));
    assert_eq!(
        (br.quantity.value, br.period.as_ref().unwrap().year),
        (4.2e6, 2023)
    );
    assert_eq!(br.material.as_ref().unwrap().id, "soybeans");
    let ar = claims
        .iter()
        .find(|c| c.quantity.value == 900_000.0)
        .unwrap();
    assert_eq!(ar.metric, Metric::Exports);
    assert_eq!(ids(ar).0, "AR");
    let share = one(&claims, Metric::ShareImports, "73%");
    assert_eq!(ids(share), ("CN".into(), "BR".into()));
    assert_eq!(
        one(&claims, Metric::Change, "8% year-on-year")
            .quantity
            .value,
        8.0
    );

    let tariffs: Vec<&Claim> = claims
        .iter()
        .filter(|c| c.metric == Metric::TariffRate)
        .collect();
    assert_eq!(tariffs.len(), 2, "title and summary");
    for t in &tariffs {
        assert_eq!(ids(t), ("IN".into(), "CN".into()));
        assert_eq!(t.quantity.value, 15.0);
        assert_eq!(t.material.as_ref().unwrap().id, "ndfeb_magnets");
    }
    assert_eq!(
        tariffs[1].period.as_ref().unwrap().to_string(),
        "from 2025-03"
    );
    assert_eq!(ids(one(&claims, Metric::ShareMagnet, "19%")).0, "JP");
    assert_eq!(ids(one(&claims, Metric::ShareReserves, "4%")).0, "VN");

    let trial = one(&claims, Metric::TrialStart, "MP Materials");
    assert_eq!(ids(trial).0, "mp_materials");
    assert_eq!(trial.quantity.date.as_ref().unwrap().year, 2026);
    assert_eq!(
        one(&claims, Metric::CommercialStart, "MP Materials")
            .quantity
            .date
            .as_ref()
            .unwrap()
            .year,
        2027
    );
    let loan = one(&claims, Metric::Investment, "$400 million loan");
    assert_eq!(loan.quantity.value, 4e8);
    assert_eq!(
        ids(loan).0,
        "mp_materials",
        "'the company': the company the document is about"
    );
    assert!(
        loan.notes
            .iter()
            .any(|n| n.contains("company the document is about"))
    );

    let p24 = claims
        .iter()
        .find(|c| c.metric == Metric::Production && c.quantity.value == 13_000.0)
        .unwrap();
    let p23 = claims
        .iter()
        .find(|c| c.metric == Metric::Production && c.quantity.value == 16_000.0)
        .unwrap();
    assert_eq!(
        (ids(p24).0.as_str(), p24.period.as_ref().unwrap().year),
        ("AU", 2024)
    );
    assert_eq!(p23.period.as_ref().unwrap().year, 2023);
}

#[test]
fn contradictions_are_found_for_generated_documents_too() {
    let entries = vec![
        Entry {
            title: "A",
            source: "One",
            date: "2025-01-01 00:00",
            summary: "Core Viewpoint - Australia produced 13,000 tons of rare earths in 2024 [1]."
                .into(),
        },
        Entry {
            title: "B",
            source: "Two",
            date: "2025-02-01 00:00",
            summary: "Core Viewpoint - Australia produced 20,000 tons of rare earths in 2024 [1]."
                .into(),
        },
        Entry {
            title: "C",
            source: "Three",
            date: "2025-03-01 00:00",
            summary:
                "Core Viewpoint - Australia produced about 13,200 tons of rare earths in 2024 [2]."
                    .into(),
        },
    ];
    let docs = lodestone_news::parse_documents("gen3.txt", &page("q", &entries), None).unwrap();
    let ctx = Context::new(
        vec![],
        vec![ReferenceFact::number(
            "AU",
            Metric::Production,
            2024,
            13_000.0,
            "t REO",
            "usgs_mcs2025",
            "USGS MCS 2025",
        )],
    );
    let claims = claims_of(&docs, &ctx);
    let report = check_claims(&claims, &ctx, &CheckSettings::default());
    let g = report
        .groups
        .iter()
        .find(|g| g.key.metric == Metric::Production)
        .unwrap();
    assert_eq!(g.claims.len(), 3);
    let by_value = |v: f64| {
        g.claims
            .iter()
            .find(|c| c.claim.quantity.value == v)
            .unwrap()
    };
    assert_eq!(by_value(13_000.0).verdict, Verdict::Supported);
    assert_eq!(by_value(13_200.0).verdict, Verdict::Supported);
    assert_eq!(by_value(20_000.0).verdict, Verdict::Contradicted);
    // 20,000 disagrees with both others; 13,000 and "about 13,200" are within 2% of each other.
    assert_eq!(g.conflicts.len(), 2, "{:?}", g.conflicts);
}

#[test]
fn the_synthetic_generator_writes_parseable_pages() {
    let text = lodestone_news::synthetic::seed_page(200, 7);
    let docs = lodestone_news::parse_documents("synthetic.txt", &text, None).unwrap();
    assert_eq!(docs.len(), 200);
    let again = lodestone_news::synthetic::documents(200, 7);
    assert_eq!(
        docs.iter().map(|d| &d.hash).collect::<Vec<_>>(),
        again.iter().map(|d| &d.hash).collect::<Vec<_>>()
    );
    let claims = claims_of(&docs, &Context::builtin());
    assert!(claims.len() >= 200, "{}", claims.len());
}
