//! Tests of the table model: definitions and the wide view.

use super::*;

fn table(name: &str, rows: &[(&str, &[&str], f64)]) -> Table {
    Table {
        def: find(name).unwrap(),
        rows: (rows.iter())
            .map(|(p, k, v)| Row {
                period: p.to_string(),
                keys: k.iter().map(|s| s.to_string()).collect(),
                value: *v,
            })
            .collect(),
    }
}

#[test]
fn every_table_is_declared_once_with_a_unit_and_tidy_columns() {
    let mut names = names();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), TABLES.len());
    for d in TABLES {
        let c = d.columns();
        assert_eq!(c[0], "period");
        assert_eq!(&c[c.len() - 2..], ["value", "unit"]);
        assert!(!d.unit.is_empty() && !d.description.is_empty());
    }
    assert_eq!(
        find("flows").unwrap().columns(),
        [
            "period", "exporter", "importer", "material", "value", "unit"
        ]
    );
}

#[test]
fn wide_rolls_periods_up_by_the_declared_rule() {
    let k: &[&str] = &["CN", "US", "ndpr_oxide"];
    let f = table(
        "flows",
        &[
            ("2024-01", k, 1.0),
            ("2024-02", k, 2.0),
            ("2025-01", k, 4.0),
        ],
    );
    let w = wide(&f);
    assert_eq!(
        w.columns,
        ["exporter", "importer", "material", "unit", "2024", "2025"]
    );
    assert_eq!(
        w.rows,
        vec![(
            vec!["CN".into(), "US".into(), "ndpr_oxide".into()],
            vec![Some(3.0), Some(4.0)]
        )]
    );
    let p: &[&str] = &["US", "ndpr_oxide"];
    let q: &[&str] = &["JP", "ndpr_oxide"];
    let prices = table(
        "prices",
        &[
            ("2024-Q1", p, 60.0),
            ("2024-Q2", p, 80.0),
            ("2025-Q1", q, 5.0),
        ],
    );
    let w = wide(&prices);
    assert_eq!(w.rows[0].1, vec![Some(70.0), None]);
    assert_eq!(w.rows[1].1, vec![None, Some(5.0)]);
    let s: &[&str] = &["US", "strategic", "dy_oxide"];
    let stocks = table("stocks", &[("2024-11", s, 9.0), ("2024-12", s, 7.0)]);
    assert_eq!(wide(&stocks).rows[0].1, vec![Some(7.0)]);
}
