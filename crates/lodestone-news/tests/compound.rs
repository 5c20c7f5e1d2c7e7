//! Compound sentences: each value takes its subject (and partner) from its own clause, not from a later clause with a subject of its own (#19).

use lodestone_news::claim::{Claim, Metric};
use lodestone_news::{Context, extract_claims, parse_documents};

/// The claims of one sentence, read as a plain-text document.
fn claims_of(sentence: &str) -> Vec<Claim> {
    let text = format!("Compound\nSource: Test\nDate: 2025-03-01\n\n{sentence}\n");
    let doc = &parse_documents("c.txt", &text, None).unwrap()[0];
    let ctx = Context::new(vec![], vec![]);
    extract_claims(doc, &ctx.gazetteer)
}

/// (metric, subject id, partner id, value) of each claim.
fn summary(claims: &[Claim]) -> Vec<(Metric, String, String, f64)> {
    claims
        .iter()
        .map(|c| {
            let id = |e: &Option<lodestone_news::claim::EntityRef>| {
                e.as_ref().map(|e| e.id.clone()).unwrap_or_default()
            };
            (c.metric, id(&c.subject), id(&c.partner), c.quantity.value)
        })
        .collect()
}

fn expect(sentence: &str, want: &[(Metric, &str, &str, f64)]) {
    let got = summary(&claims_of(sentence));
    let want: Vec<(Metric, String, String, f64)> = want
        .iter()
        .map(|(m, s, p, v)| (*m, s.to_string(), p.to_string(), *v))
        .collect();
    assert_eq!(got, want, "{sentence}");
}

#[test]
fn the_issues_sentence_files_chinas_output_under_china() {
    expect(
        "China produced 270,000 t of rare earth oxide in 2024 and MP Materials plans to produce 10,000 t of NdPr oxide by 2028.",
        &[
            (Metric::Production, "CN", "", 270_000.0),
            (Metric::Production, "mp_materials", "", 10_000.0),
        ],
    );
}

#[test]
fn while_separates_two_producers() {
    expect(
        "MP Materials produced 1,300 t of NdPr oxide in 2024, while Lynas produced 10,900 t.",
        &[
            (Metric::Production, "mp_materials", "", 1_300.0),
            (Metric::Production, "lynas", "", 10_900.0),
        ],
    );
}

#[test]
fn an_importer_after_a_list_of_destinations_starts_its_own_clause() {
    expect(
        "China exported 5,000 t of magnets to the United States and Japan imported 3,000 t from Vietnam.",
        &[
            (Metric::Exports, "CN", "US", 5_000.0),
            (Metric::Imports, "JP", "VN", 3_000.0),
        ],
    );
}

#[test]
fn but_separates_two_miners() {
    expect(
        "Myanmar mined 31,000 t of rare earths in 2024 but Australia mined 13,000 t.",
        &[
            (Metric::Production, "MM", "", 31_000.0),
            (Metric::Production, "AU", "", 13_000.0),
        ],
    );
}

#[test]
fn chinese_er_separates_two_producers() {
    expect(
        "美国2024年生产稀土4.5万吨，而中国生产27万吨。",
        &[
            (Metric::Production, "US", "", 45_000.0),
            (Metric::Production, "CN", "", 270_000.0),
        ],
    );
}

#[test]
fn semicolon_separates_two_exporters() {
    expect(
        "Brazil exported 100 Mt of soybeans to China; the United States exported 25 Mt to China.",
        &[
            (Metric::Exports, "BR", "CN", 100e6),
            (Metric::Exports, "US", "CN", 25e6),
        ],
    );
}

#[test]
fn coordinated_subjects_stay_one_clause() {
    // "The US and Australia plan to invest $1 billion each": no value before "and", one clause.
    let claims =
        claims_of("The US and Australia plan to invest $1 billion each in new refineries.");
    assert_eq!(claims.len(), 1);
    let c = &claims[0];
    assert_eq!(c.subject.as_ref().unwrap().id, "US");
    assert_eq!(c.also_subjects[0].id, "AU");
    // A list of destinations after a value is not a new clause either.
    expect(
        "China exported 5,000 t of magnets to the United States and Japan.",
        &[(Metric::Exports, "CN", "US", 5_000.0)],
    );
}
