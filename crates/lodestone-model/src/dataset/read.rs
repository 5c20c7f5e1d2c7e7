//! Reading a dataset's files into checked tables: the manifest, the CSV tables against
//! the schema, the id sets and every cross-table reference. Lowering comes after
//! (`lower.rs`).

use super::{DatasetFiles, Manifest, OPTIONAL_TABLES, singular};
use crate::diag::{Diagnostics, Location, codes, did_you_mean};
use crate::schema::{AttrType, Attribute, Schema};
use crate::table::{Row, Table, split_list};
use std::collections::{HashMap, HashSet};

/// Parse `dataset.toml`; `None` (with a diagnostic) when missing or invalid.
pub(super) fn read_manifest(files: &DatasetFiles, d: &mut Diagnostics) -> Option<Manifest> {
    match files.get("dataset.toml") {
        None => {
            d.push(
                codes::MISSING_FILE,
                Location::file(files.path("dataset.toml")),
                "missing dataset.toml",
                Some("add name = \"…\" and base_year = 2024".into()),
            );
            None
        }
        Some(text) => match toml::from_str::<Manifest>(text) {
            Ok(m) => Some(m),
            Err(e) => {
                let (line, col) = e
                    .span()
                    .map_or((0, 0), |s| crate::scenario::line_col(text, s.start));
                d.push(
                    codes::SYNTAX,
                    Location::new(files.path("dataset.toml"), line, col),
                    e.message().to_string(),
                    None,
                );
                None
            }
        },
    }
}

/// Every `.csv` file must be a table of the schema.
pub(super) fn check_file_names(files: &DatasetFiles, schema: &Schema, d: &mut Diagnostics) {
    for (name, _) in &files.files {
        if let Some(stem) = name.strip_suffix(".csv")
            && schema.table(stem).is_none()
        {
            d.push(
                codes::MISSING_FILE,
                Location::file(files.path(name)),
                format!("unexpected file `{name}`"),
                did_you_mean(name, schema.tables.iter().map(|t| t.name.as_str()))
                    .or(Some("not a table of the schema".into())),
            );
        }
    }
}

/// Parse and check every table of the schema (an absent optional table is empty; an
/// absent required one is reported).
pub(super) fn read_tables(
    files: &DatasetFiles,
    schema: &Schema,
    d: &mut Diagnostics,
) -> HashMap<String, Table> {
    let mut tables: HashMap<String, Table> = HashMap::new();
    for ts in &schema.tables {
        let file = format!("{}.csv", ts.name);
        let table = match files.get(&file) {
            Some(text) => {
                let t = Table::parse(&ts.name, &files.path(&file), text, d);
                t.check(ts, d);
                t
            }
            None => {
                if !OPTIONAL_TABLES.contains(&ts.name.as_str()) {
                    d.push(
                        codes::MISSING_FILE,
                        Location::file(files.path(&file)),
                        format!("missing required table `{file}`"),
                        Some("see `lodestone data schema`".into()),
                    );
                }
                Table::empty(&ts.name)
            }
        };
        tables.insert(ts.name.clone(), table);
    }
    tables
}

/// The ids of every table with an `id` column (duplicates reported), and the growth path
/// ids (growth paths are referenced by `path`).
pub(super) fn table_ids(
    schema: &Schema,
    tables: &HashMap<String, Table>,
    d: &mut Diagnostics,
) -> HashMap<String, HashSet<String>> {
    let mut ids: HashMap<String, HashSet<String>> = HashMap::new();
    for ts in &schema.tables {
        if ts.has_id() {
            ids.insert(ts.name.clone(), tables[&ts.name].ids(d));
        }
    }
    ids.insert(
        "growth".into(),
        tables["growth"]
            .rows
            .iter()
            .map(|r| tables["growth"].get(r, "path").to_string())
            .collect(),
    );
    ids
}

/// Schema-driven reference checks: every reference cell names an existing row.
pub(super) fn check_references(
    schema: &Schema,
    tables: &HashMap<String, Table>,
    ids: &HashMap<String, HashSet<String>>,
    d: &mut Diagnostics,
) {
    let kinds: HashSet<String> = match schema
        .table("materials")
        .and_then(|t| t.attribute("kind"))
        .map(|a| &a.ty)
    {
        Some(AttrType::Enum(v)) => v.iter().cloned().collect(),
        _ => HashSet::new(),
    };
    for ts in &schema.tables {
        let t = &tables[&ts.name];
        for row in &t.rows {
            for a in &ts.attributes {
                check_reference(t, row, a, ids, &kinds, d);
            }
        }
    }
}

/// Check one cell of attribute `a`: the ids it references (a material kind for
/// `kind:<k>`) must exist; `*` and `WORLD` stand for any where the type allows them.
fn check_reference(
    t: &Table,
    row: &Row,
    a: &Attribute,
    ids: &HashMap<String, HashSet<String>>,
    kinds: &HashSet<String>,
    d: &mut Diagnostics,
) {
    let v = t.get(row, &a.name);
    if v.is_empty() {
        return;
    }
    let (target, vals): (&str, Vec<String>) = match &a.ty {
        AttrType::Ref(tt) => (tt, vec![v.to_string()]),
        AttrType::Refs(tt) => (tt, split_list(v)),
        AttrType::CountryOrAny if v != "*" => ("countries", vec![v.to_string()]),
        AttrType::CountryOrWorld if v != "WORLD" => ("countries", vec![v.to_string()]),
        AttrType::MaterialOrKind if v != "*" => {
            if let Some(k) = v.strip_prefix("kind:") {
                check_kind(t, row, a, k, kinds, d);
                return;
            }
            ("materials", vec![v.to_string()])
        }
        AttrType::MaterialSelector | AttrType::MaterialSelectors => {
            check_selectors(t, row, a, ids, kinds, d);
            return;
        }
        _ => return,
    };
    let Some(set) = ids.get(target) else { return };
    for val in vals {
        if !set.contains(&val) {
            let what = singular(target);
            d.push(
                if target == "sources" {
                    codes::SOURCE
                } else {
                    codes::UNKNOWN_ID
                },
                t.loc(row, &a.name),
                format!("unknown {what} `{val}`"),
                did_you_mean(&val, set.iter().map(String::as_str))
                    .or_else(|| Some(format!("add it to {target}.csv first"))),
            );
        }
    }
}

/// A `kind:<k>` reference names a material kind of the schema.
fn check_kind(
    t: &Table,
    row: &Row,
    a: &Attribute,
    k: &str,
    kinds: &HashSet<String>,
    d: &mut Diagnostics,
) {
    if !kinds.contains(k) {
        d.push(
            codes::UNKNOWN_ID,
            t.loc(row, &a.name),
            format!("unknown material kind `{k}`"),
            did_you_mean(k, kinds.iter().map(String::as_str)),
        );
    }
}

/// Material selectors (an observation's material, a group's members): a material id (or,
/// for an observation, a group id), `kind:<kind>` or `stage:<stage>` of the chain.
fn check_selectors(
    t: &Table,
    row: &Row,
    a: &Attribute,
    ids: &HashMap<String, HashSet<String>>,
    kinds: &HashSet<String>,
    d: &mut Diagnostics,
) {
    let groups_too = a.ty == AttrType::MaterialSelector;
    let empty = HashSet::new();
    let materials = ids.get("materials").unwrap_or(&empty);
    let groups = ids.get("groups").filter(|_| groups_too).unwrap_or(&empty);
    for v in split_list(t.get(row, &a.name)) {
        if let Some(k) = v.strip_prefix("kind:") {
            check_kind(t, row, a, k, kinds, d);
        } else if let Some(st) = v.strip_prefix("stage:") {
            let stages = crate::dataset::Stage::CHAIN.map(|s| s.as_str());
            if !stages.contains(&st) {
                d.push(
                    codes::UNKNOWN_ID,
                    t.loc(row, &a.name),
                    format!("unknown stage `{st}`"),
                    Some(format!("stages: {}", stages.join(", "))),
                );
            }
        } else if !materials.contains(&v) && !groups.contains(&v) {
            let what = if groups_too {
                "material or group"
            } else {
                "material"
            };
            let known = materials.iter().chain(groups).map(String::as_str);
            d.push(
                codes::UNKNOWN_ID,
                t.loc(row, &a.name),
                format!("unknown {what} `{v}`"),
                did_you_mean(&v, known).or_else(|| {
                    Some(format!(
                        "add it to materials.csv{} first",
                        if groups_too { " or groups.csv" } else { "" }
                    ))
                }),
            );
        }
    }
}
