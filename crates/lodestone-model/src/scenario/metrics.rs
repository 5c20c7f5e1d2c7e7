//! `[metrics]` checks: the supplier, blocs, countries and platforms the policy metrics are
//! computed for must exist in the dataset (a misspelt bloc reported 100% independence, a
//! misspelt supplier 0% dependency, a platform in an unknown country built none).

use super::Scenario;
use crate::dataset::Dataset;
use crate::diag::{Diagnostics, codes, did_you_mean};

impl Scenario {
    /// Every id `[metrics]` names exists; platform ids are unique and their content is
    /// positive.
    pub(super) fn validate_metrics(&self, ds: &Dataset, d: &mut Diagnostics) {
        let m = &self.metrics;
        let countries: Vec<&str> = ds.countries.iter().map(|c| c.id.as_str()).collect();
        let mut groups: Vec<&str> = countries.clone();
        groups.extend(
            ds.countries
                .iter()
                .flat_map(|c| c.blocs.iter().map(String::as_str)),
        );
        let mut unknown = |path: String, what: &str, v: &str, set: &[&str]| {
            if !set.contains(&v) {
                let hint = did_you_mean(v, set.iter().copied())
                    .or_else(|| Some(format!("no such {what} in dataset `{}`", ds.name)));
                d.push(
                    codes::UNKNOWN_ID,
                    self.loc(&path),
                    format!("unknown {what} `{v}`"),
                    hint,
                );
            }
        };
        if let Some(s) = &m.supplier {
            unknown("metrics.supplier".into(), "country", s, &countries);
        }
        for (i, b) in m.blocs.iter().enumerate() {
            unknown(format!("metrics.blocs[{i}]"), "bloc or country", b, &groups);
        }
        for (i, c) in m.countries.iter().enumerate() {
            unknown(
                format!("metrics.countries[{i}]"),
                "country or bloc",
                c,
                &groups,
            );
        }
        for (i, p) in m.platforms.iter().enumerate() {
            unknown(
                format!("metrics.platforms[{i}].country"),
                "country",
                &p.country,
                &countries,
            );
        }
        for (i, p) in m.platforms.iter().enumerate() {
            let at = |k: &str| self.loc(&format!("metrics.platforms[{i}].{k}"));
            if m.platforms[..i].iter().any(|q| q.id == p.id) {
                let msg = format!("platform id `{}` is used twice", p.id);
                d.push(codes::DUPLICATE_ID, at("id"), msg, None);
            }
            if !(p.re_kg.is_finite() && p.re_kg > 0.0) {
                let msg = format!("`re_kg` = {} must be a positive number of kg", p.re_kg);
                d.push(codes::OUT_OF_RANGE, at("re_kg"), msg, None);
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use crate::scenario::Scenario;
    use crate::{Dataset, DatasetFiles};

    /// The engine's tiny fixture dataset (CN, AU, JP, US; bloc `us_allies`).
    pub(crate) fn tiny() -> Dataset {
        macro_rules! f {
            ($name:literal) => {
                (
                    $name.to_string(),
                    include_str!(concat!(
                        "../../../lodestone-engine/tests/fixtures/tiny/",
                        $name
                    ))
                    .to_string(),
                )
            };
        }
        let files = DatasetFiles {
            root: "tiny".into(),
            files: vec![
                f!("agencies.csv"),
                f!("capacity.csv"),
                f!("companies.csv"),
                f!("compositions.csv"),
                f!("countries.csv"),
                f!("dataset.toml"),
                f!("demand.csv"),
                f!("elements.csv"),
                f!("facilities.csv"),
                f!("growth.csv"),
                f!("materials.csv"),
                f!("process_flows.csv"),
                f!("processes.csv"),
                f!("routes.csv"),
                f!("sectors.csv"),
                f!("sources.csv"),
                f!("stocks.csv"),
            ],
        };
        Dataset::load(&files).unwrap_or_else(|d| panic!("{d}"))
    }

    #[test]
    fn unknown_metrics_ids_and_duplicate_platforms_are_located() {
        let text = "name = \"m\"\n[metrics]\nsupplier = \"CHN\"\nblocs = [\"us_allies\", \"us_alies\"]\n\n[[metrics.platforms]]\nid = \"f35\"\nname = \"F-35\"\nre_kg = 417\ncountry = \"USA\"\n\n[[metrics.platforms]]\nid = \"f35\"\nname = \"F-35 again\"\nre_kg = 0\ncountry = \"US\"\n";
        let sc = Scenario::parse("m.toml", text, &|_| None).unwrap();
        let ds = tiny();
        let mut d = crate::Diagnostics::default();
        sc.validate_metrics(&ds, &mut d);
        let e = d.to_string();
        for needle in [
            "m.toml:3:12: error[E008]: unknown country `CHN`",
            "m.toml:4:23: error[E008]: unknown bloc or country `us_alies`",
            "m.toml:10:11: error[E008]: unknown country `USA`",
            "m.toml:13:6: error[E009]: platform id `f35` is used twice",
            "m.toml:15:9: error[E007]: `re_kg` = 0 must be a positive number of kg",
        ] {
            assert!(e.contains(needle), "{needle} missing from:\n{e}");
        }
        assert!(e.contains("5 problems"), "{e}");
    }
}
