//! Shared fixtures for the integration tests: the seed page and a hand-built dataset context.
#![allow(dead_code)]

use lodestone_news::claim::{Claim, Metric};
use lodestone_news::context::ProposalDefaults;
use lodestone_news::{Context, Document, Entity, EntityKind, ReferenceFact, YearMonth};

/// The seed page (a copy of shared/seeds/000_27e8afc672047725.txt).
pub const SEED: &str = include_str!("../fixtures/seed_page.txt");
/// Label used as the file name of the seed page.
pub const SEED_FILE: &str = "seeds/000_27e8afc672047725.txt";

/// The ten seed documents.
pub fn seed_docs() -> Vec<Document> {
    lodestone_news::parse_documents(SEED_FILE, SEED, None).expect("seed page parses")
}

fn facility(id: &str, name: &str, company: &str, country: &str, stage: &str) -> Entity {
    let mut e = Entity::new(id, EntityKind::Facility, name);
    e.company = Some(company.into());
    e.country = Some(country.into());
    e.stage = Some(stage.into());
    e
}

/// A small dataset context with the facts the tests need.
pub fn context() -> Context {
    let mut soy = Entity::new("soybeans", EntityKind::Material, "soybeans");
    soy.names_en.push("soybean".into());
    let mut alcoa = Entity::new("alcoa", EntityKind::Company, "Alcoa");
    alcoa.country = Some("US".into());
    // As in data/rare-earths/facilities.csv: names the articles do not use verbatim.
    let entities = vec![
        facility(
            "lynas_seadrift",
            "Lynas Texas (Seadrift) heavy + light RE separation",
            "lynas",
            "US",
            "separation",
        ),
        facility(
            "lynas_kalgoorlie",
            "Lynas Kalgoorlie cracking & leaching plant (WA)",
            "lynas",
            "AU",
            "other",
        ),
        facility(
            "lynas_malaysia",
            "Lynas Malaysia (Gebeng, Kuantan) separation",
            "lynas",
            "MY",
            "separation",
        ),
        facility(
            "iluka_eneabba_stockpile",
            "Eneabba monazite stockpile reclaim",
            "iluka",
            "AU",
            "mining",
        ),
        facility(
            "iluka_eneabba",
            "Iluka Eneabba rare earth refinery (WA)",
            "iluka",
            "AU",
            "separation",
        ),
        facility(
            "ru_angara_yenisei_cluster",
            "Angara-Yenisei rare earth cluster (Krasnoyarsk, Irkutsk, Khakassia, Tuva; programme)",
            "ru_rosatom_programme",
            "RU",
            "separation",
        ),
        soy,
        alcoa,
    ];
    let facts = vec![
        ReferenceFact::number(
            "CN",
            Metric::Imports,
            2024,
            22.13,
            "Mt",
            "gacc_2025",
            "GACC via Reuters: China soybean imports from the US, 2024",
        )
        .with_partner("US")
        .with_material("soybeans"),
        ReferenceFact::number(
            "CN",
            Metric::Imports,
            2017,
            32.9,
            "Mt",
            "gacc_2018",
            "GACC via Reuters: China soybean imports from the US, 2017",
        )
        .with_partner("US")
        .with_material("soybeans"),
        ReferenceFact::range(
            "CN",
            Metric::ShareSeparation,
            2024,
            0.91,
            0.92,
            "share",
            "iea_2025",
            "IEA: China share of rare earth separation / refined output",
        ),
        ReferenceFact::number(
            "CN",
            Metric::ShareMining,
            2024,
            0.69,
            "share",
            "usgs_mcs2025",
            "USGS MCS 2025: 270,000 of 390,000 t REO",
        ),
        ReferenceFact::status(
            "lynas_seadrift",
            "unlikely",
            "theozpost_2025",
            "Lynas AGM Nov 2025: Seadrift unlikely to proceed",
        ),
        ReferenceFact::start(
            "iluka_eneabba",
            YearMonth {
                year: 2027,
                month: 6,
            },
            "metalnomist_2024",
            "Iluka Eneabba commissioning 2027",
        ),
    ];
    let mut defaults = ProposalDefaults::default();
    defaults
        .process_by_stage
        .insert("separation".into(), "sx_separation".into());
    defaults
        .unit_cost_by_stage
        .insert("separation".into(), 9000.0);
    Context::new(entities, facts).with_defaults(defaults)
}

/// All claims of the seed page under `ctx`.
pub fn seed_claims(ctx: &Context) -> Vec<Claim> {
    seed_docs()
        .iter()
        .flat_map(|d| lodestone_news::extract_claims(d, &ctx.gazetteer))
        .collect()
}

/// Claims whose sentence contains `needle` and whose metric is `metric`.
pub fn find<'a>(claims: &'a [Claim], metric: Metric, needle: &str) -> Vec<&'a Claim> {
    claims
        .iter()
        .filter(|c| c.metric == metric && c.origin.sentence.contains(needle))
        .collect()
}
