//! Scenario event proposals: valid TOML, the right fields, provenance comments, and inactive events for ids the dataset lacks.

mod common;

use common::*;
use lodestone_news::{
    Context, DocFormat, Document, Entity, EntityKind, NewsDate, Provenance, propose,
};
use toml::Value;

fn events(toml_text: &str) -> Vec<toml::Table> {
    let parsed: toml::Table = toml::from_str(toml_text)
        .unwrap_or_else(|e| panic!("proposals are not valid TOML: {e}\n{toml_text}"));
    parsed["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_table().unwrap().clone())
        .collect()
}

fn find<'a>(evs: &'a [toml::Table], ty: &str, key: &str, value: &str) -> &'a toml::Table {
    evs.iter()
        .find(|e| {
            e["type"].as_str() == Some(ty) && e.get(key).and_then(Value::as_str) == Some(value)
        })
        .unwrap_or_else(|| panic!("no {ty} event with {key} = {value}: {evs:#?}"))
}

const TYPES: &[&str] = &[
    "capacity",
    "new_facility",
    "investment",
    "tariff",
    "export_control",
];

/// Every event has the fields its type requires, with valid values.
fn assert_schema(e: &toml::Table) {
    let ty = e["type"].as_str().unwrap();
    assert!(TYPES.contains(&ty), "{ty}");
    let month = |k: &str| {
        let s = e[k]
            .as_str()
            .unwrap_or_else(|| panic!("{k} missing in {e:?}"));
        assert!(s.len() == 7 && s.as_bytes()[4] == b'-', "{k} = {s}");
        let m: u32 = s[5..].parse().unwrap();
        assert!((1..=12).contains(&m));
    };
    month("start");
    assert!(e["source"].as_str().unwrap().starts_with("news:"));
    assert!(
        e["source"].as_str().unwrap().contains(", 20"),
        "source names publisher and date"
    );
    assert!(!e["note"].as_str().unwrap().is_empty());
    let required: &[&str] = match ty {
        "capacity" => &["facility", "enable"],
        "new_facility" => &[
            "id",
            "name",
            "company",
            "country",
            "stage",
            "processes",
            "capacity",
            "ramp_months",
            "unit_cost",
        ],
        "investment" => &[
            "programme",
            "amount",
            "currency",
            "country",
            "stage",
            "lead_time_months",
            "delay_probability",
        ],
        "tariff" => &["importer", "exporter", "materials", "rate"],
        _ => &["exporter", "destinations", "mode"],
    };
    for k in required {
        assert!(e.contains_key(*k), "{ty} event lacks {k}: {e:?}");
    }
    if let Some(s) = e.get("stage") {
        assert!(["mining", "separation", "metal", "magnet"].contains(&s.as_str().unwrap()));
    }
    if let Some(r) = e.get("rate") {
        let r = r.as_float().unwrap();
        assert!((0.0..=1.0).contains(&r));
    }
    if let Some(c) = e.get("currency") {
        let c = c.as_str().unwrap();
        assert!(
            c.len() == 3 && c.chars().all(|x| x.is_ascii_uppercase()),
            "{c}"
        );
    }
    if let Some(p) = e.get("delay_probability") {
        assert!((0.0..=1.0).contains(&p.as_float().unwrap()));
    }
    if ty == "investment" {
        assert!(
            e.contains_key("capacity") || e.contains_key("capex_usd_per_tpa"),
            "investment needs capacity or capex: {e:?}"
        );
        if e["currency"].as_str() != Some("USD") {
            assert!(
                e["usd_per_unit"].as_float().unwrap() > 0.0,
                "non-USD amounts carry their rate: {e:?}"
            );
        }
    }
    if ty == "export_control" {
        assert!(e.contains_key("materials") || e.contains_key("elements"));
        for k in ["materials", "elements"] {
            if let Some(a) = e.get(k) {
                assert!(
                    a.as_array()
                        .unwrap()
                        .iter()
                        .all(|v| v.as_str() != Some("*")),
                    "{k} must list ids"
                );
            }
        }
        match &e["destinations"] {
            Value::String(w) => assert_eq!(w, "all"),
            Value::Array(a) => assert!(!a.is_empty()),
            other => panic!("destinations = {other:?}"),
        }
        if e["mode"].as_str() == Some("licence") {
            assert!((0.0..=1.0).contains(&e["approval_share"].as_float().unwrap()));
        }
    }
}

#[test]
fn seed_page_proposals() {
    let ctx = context();
    let claims = seed_claims(&ctx);
    let set = propose(&claims, &ctx);
    let text = set.to_toml();
    let evs = events(&text);
    for e in &evs {
        assert_schema(e);
    }
    // Lynas Texas: trial production 2027, commercial operations 2028 → the dataset facility, enabled, 12-month ramp.
    let lynas = find(&evs, "capacity", "facility", "lynas_seadrift");
    assert_eq!(lynas["start"].as_str(), Some("2027-01"));
    assert_eq!(lynas["ramp_months"].as_integer(), Some(12));
    assert_eq!(lynas["enable"].as_bool(), Some(true));
    assert!(lynas["note"].as_str().unwrap().contains("258 million USD"));
    // Russia: 700 billion rubles.
    // Russia's 700 billion rubles, reported by two documents: one event, on the dataset's cluster.
    let ru_events: Vec<_> = evs
        .iter()
        .filter(|e| e.get("country").and_then(Value::as_str) == Some("RU"))
        .collect();
    assert_eq!(ru_events.len(), 1, "{ru_events:#?}");
    let ru = find(&evs, "investment", "country", "RU");
    assert_eq!(ru["facility"].as_str(), Some("ru_angara_yenisei_cluster"));
    assert_eq!(
        (ru["amount"].as_float(), ru["currency"].as_str()),
        (Some(7e11), Some("RUB"))
    );
    assert_eq!(ru["stage"].as_str(), Some("separation"));
    let rate = ru["usd_per_unit"].as_float().unwrap();
    assert!((rate - 0.0124).abs() < 0.0002, "{rate}");
    assert!(
        ru["note"].as_str().unwrap().contains("2025-10"),
        "the rate's date is in the note"
    );
    assert_eq!(ru["capex_usd_per_tpa"].as_float(), Some(65_000.0));
    assert!(
        text.contains("also in: document: 中美“斗法”把俄罗斯打醒"),
        "the other report is cited"
    );
    assert_eq!(ru["start"].as_str(), Some("2025-10"));
    // The US and Australia: $1 billion each.
    for c in ["US", "AU"] {
        let e = evs
            .iter()
            .find(|e| {
                e["type"].as_str() == Some("investment")
                    && e["country"].as_str() == Some(c)
                    && e["amount"].as_float() == Some(1e9)
            })
            .unwrap_or_else(|| panic!("no $1 billion event for {c}"));
        assert_eq!(e["currency"].as_str(), Some("USD"));
    }
    // Iluka: the dataset has the Eneabba refinery; "start operations by the end of 2026".
    let iluka = find(&evs, "capacity", "facility", "iluka_eneabba");
    assert_eq!(iluka["start"].as_str(), Some("2026-12"));
    // The US 20% tariff on all goods from China (reported twice, proposed once).
    let t: Vec<_> = evs
        .iter()
        .filter(|e| e["type"].as_str() == Some("tariff") && e["rate"].as_float() == Some(0.2))
        .collect();
    assert_eq!(t.len(), 1);
    assert_eq!(
        (t[0]["importer"].as_str(), t[0]["exporter"].as_str()),
        (Some("US"), Some("CN"))
    );
    assert_eq!(t[0]["materials"].as_array().unwrap()[0].as_str(), Some("*"));
    // China's export management from October 2023.
    let ec = find(&evs, "export_control", "exporter", "CN");
    assert_eq!(ec["start"].as_str(), Some("2023-10"));
    assert_eq!(ec["destinations"].as_str(), Some("all"));
    let els = ec["elements"].as_array().unwrap();
    assert_eq!(
        els.len(),
        16,
        "every rare earth element but promethium: {els:?}"
    );
    assert_eq!(ec["mode"].as_str(), Some("licence"));
    // India's steel tariff names a material the dataset lacks: written, but commented out.
    assert!(
        !evs.iter()
            .any(|e| e.get("importer").and_then(Value::as_str) == Some("IN"))
    );
    assert!(text.contains("# inactive: material 'steel' is not in the dataset"));
    assert!(text.contains("# importer = \"IN\""));
    // Provenance comments above each event.
    let lynas_block = &text[..text.find("facility = \"lynas_seadrift\"").unwrap()];
    let block = &lynas_block[lynas_block.rfind("# ---").unwrap()..];
    assert!(block.contains("# document: 西方硬碰中国稀土"), "{block}");
    assert!(
        block.contains("# source:   Sou Hu Cai Jing, 2025-10-24 06:47"),
        "{block}"
    );
    assert!(
        block.contains("# sentence: \"Lynas has secured a $258 million contract"),
        "{block}"
    );
    assert!(
        block.contains("'unlikely'"),
        "the reviewer is told the dataset status: {block}"
    );
    assert!(block.contains(SEED_FILE));
    // Claims with no event type are listed, not dropped silently.
    assert!(set.skipped.iter().any(|s| s.what.contains("stockpile")));
    assert!(text.contains("# --- not proposed"));
}

#[test]
fn proposals_with_an_empty_dataset_are_still_valid_toml() {
    let ctx = Context::builtin();
    let set = propose(&seed_claims(&ctx), &ctx);
    let evs = events(&set.to_toml());
    assert!(evs.len() >= 5);
    for e in &evs {
        assert_schema(e);
    }
    // Without a facility id, Lynas' plant becomes an investment programme for the country where it is built.
    let lynas = evs
        .iter()
        .find(|e| {
            e.get("programme")
                .and_then(Value::as_str)
                .is_some_and(|p| p.contains("lynas"))
        })
        .unwrap();
    assert_eq!(lynas["country"].as_str(), Some("US"));
    assert_eq!(lynas["amount"].as_float(), Some(2.58e8));
    assert_eq!(
        lynas["lead_time_months"].as_integer(),
        Some(15),
        "from the document (2025-10) to trial production (2027-01)"
    );
}

fn doc(text: &str) -> Document {
    Document::new(
        "T",
        "S",
        NewsDate::parse("2025-06-15"),
        text,
        DocFormat::PlainText,
        Provenance {
            file: "t.txt".into(),
            line: 1,
            position: 1,
        },
    )
}

#[test]
fn new_facility_when_the_dataset_knows_the_company_and_process() {
    let ctx = context();
    let d = doc(
        "Alcoa will build a gallium refining plant in Western Australia with an annual output of 100 tons.",
    );
    let claims = lodestone_news::extract_claims(&d, &ctx.gazetteer);
    let set = propose(&claims, &ctx);
    let evs = events(&set.to_toml());
    assert_eq!(evs.len(), 1, "{}", set.to_toml());
    let e = &evs[0];
    assert_schema(e);
    assert_eq!(e["type"].as_str(), Some("new_facility"));
    assert_eq!(
        (
            e["company"].as_str(),
            e["country"].as_str(),
            e["stage"].as_str()
        ),
        (Some("alcoa"), Some("AU"), Some("separation"))
    );
    assert_eq!(
        e["processes"].as_array().unwrap()[0].as_str(),
        Some("sx_separation")
    );
    assert_eq!(e["capacity"].as_float(), Some(100.0));
    assert_eq!(
        e["start"].as_str(),
        Some("2029-06"),
        "document month plus the assumed lead time"
    );
    // A company the dataset lacks: the event is written commented out.
    let mut ctx2 = context();
    ctx2.gazetteer = lodestone_news::Gazetteer::merged(vec![{
        let mut x = Entity::new("other", EntityKind::Company, "Other Co");
        x.country = Some("US".into());
        x
    }]);
    ctx2.defaults = ctx.defaults.clone();
    let set = propose(&lodestone_news::extract_claims(&d, &ctx2.gazetteer), &ctx2);
    assert_eq!(set.proposals.len(), 1);
    assert!(!set.proposals[0].active);
    assert!(events_or_empty(&set.to_toml()).is_empty());
}

fn events_or_empty(t: &str) -> Vec<toml::Table> {
    let parsed: toml::Table = toml::from_str(t).unwrap();
    parsed
        .get("events")
        .and_then(Value::as_array)
        .map(|a| a.iter().map(|v| v.as_table().unwrap().clone()).collect())
        .unwrap_or_default()
}

#[test]
fn tariffs_and_controls_in_chinese_and_english() {
    let mut soy = Entity::new("soybeans", EntityKind::Material, "soybeans");
    soy.names_en.push("soybean".into());
    let ctx = Context::new(vec![soy], vec![]);
    let d = doc(
        "China raised the tariff on US soybeans to 34% in April 2025. 中国自2025年12月1日起对镝和铽实施出口管制。",
    );
    let claims = lodestone_news::extract_claims(&d, &ctx.gazetteer);
    let evs = events(&propose(&claims, &ctx).to_toml());
    let t = evs
        .iter()
        .find(|e| e["type"].as_str() == Some("tariff"))
        .unwrap();
    assert_schema(t);
    assert_eq!(
        (t["importer"].as_str(), t["exporter"].as_str()),
        (Some("CN"), Some("US"))
    );
    assert_eq!(
        t["materials"].as_array().unwrap()[0].as_str(),
        Some("soybeans")
    );
    assert_eq!(t["rate"].as_float(), Some(0.34));
    assert_eq!(t["start"].as_str(), Some("2025-04"));
    let ec = evs
        .iter()
        .find(|e| e["type"].as_str() == Some("export_control"))
        .unwrap();
    assert_schema(ec);
    assert_eq!(ec["exporter"].as_str(), Some("CN"));
    let els: Vec<&str> = ec["elements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(els, vec!["Dy", "Tb"]);
    assert_eq!(ec["start"].as_str(), Some("2025-12"));
}
