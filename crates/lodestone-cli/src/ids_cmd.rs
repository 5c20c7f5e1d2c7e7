//! `lodestone data ids [TABLE]`: the ids a scenario may use (facilities, materials,
//! countries, sectors, ...) with their names and, where the table has them, units.

use crate::load;
use crate::report::Table;
use anyhow::Result;
use lodestone_model::Dataset;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Tables `data ids` can list, in the order printed.
pub const TABLES: [&str; 10] = [
    "facilities",
    "materials",
    "countries",
    "blocs",
    "sectors",
    "companies",
    "agencies",
    "processes",
    "elements",
    "groups",
];

/// Arguments of `lodestone data ids`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  lodestone data ids facilities          # the facilities a `disruption` may name
  lodestone data ids --dataset soybeans  # every id of another embedded dataset")]
pub struct IdsArgs {
    /// One table (default: every table).
    #[arg(value_parser = TABLES)]
    pub table: Option<String>,
    /// Dataset folder (default: the embedded dataset named by --dataset).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Embedded dataset name.
    #[arg(long, default_value = lodestone_data::DEFAULT_DATASET)]
    pub dataset: String,
    /// JSON output: table → list of {id, name, unit?, detail}.
    #[arg(long)]
    pub json: bool,
}

/// One id of a table.
#[derive(serde::Serialize)]
struct Id {
    id: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    unit: Option<String>,
    detail: String,
}

fn id(id: &str, name: &str, unit: Option<String>, detail: String) -> Id {
    Id {
        id: id.to_string(),
        name: name.to_string(),
        unit,
        detail,
    }
}

/// Blocs are named in `countries.csv` (`blocs`): each with its members.
fn blocs(ds: &Dataset) -> Vec<Id> {
    let mut m: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for c in &ds.countries {
        for b in &c.blocs {
            m.entry(b).or_default().push(&c.id);
        }
    }
    (m.into_iter())
        .map(|(b, members)| id(b, b, None, format!("members: {}", members.join(", "))))
        .collect()
}

/// The ids of one table.
fn ids(ds: &Dataset, table: &str) -> Vec<Id> {
    match table {
        "facilities" => (ds.facilities.iter())
            .map(|f| {
                let d = format!("{} · {} · {}", f.country, f.stage.as_str(), f.company);
                id(&f.id, &f.name, Some(f.capacity_unit.clone()), d)
            })
            .collect(),
        "materials" => (ds.materials.iter())
            .map(|m| {
                let basis = serde_json::to_value(m.basis).ok();
                let basis = basis.as_ref().and_then(|v| v.as_str()).unwrap_or("");
                let price = m
                    .ref_price
                    .map_or(String::new(), |p| format!(" · ref. {p} USD/kg"));
                id(
                    &m.id,
                    &m.name,
                    Some(format!("t ({basis})")),
                    format!("{}{price}", m.kind),
                )
            })
            .collect(),
        "countries" => (ds.countries.iter())
            .map(|c| id(&c.id, &c.name, None, c.blocs.join(", ")))
            .collect(),
        "blocs" => blocs(ds),
        "sectors" => (ds.sectors.iter())
            .map(|s| id(&s.id, &s.name, None, format!("priority {}", s.priority)))
            .collect(),
        "companies" => (ds.companies.iter())
            .map(|c| id(&c.id, &c.name, None, c.country.clone()))
            .collect(),
        "agencies" => (ds.agencies.iter())
            .map(|a| id(&a.id, &a.name, None, a.country.clone()))
            .collect(),
        "processes" => (ds.processes.iter())
            .map(|p| id(&p.id, &p.name, None, p.stage.as_str().to_string()))
            .collect(),
        "elements" => (ds.elements.iter())
            .map(|e| {
                id(
                    &e.id,
                    &e.name,
                    None,
                    format!("{} · oxide {}", e.group, e.oxide),
                )
            })
            .collect(),
        "groups" => (ds.groups.iter())
            .map(|g| id(&g.id, &g.name, None, g.members.join(", ")))
            .collect(),
        _ => Vec::new(),
    }
}

/// Run the command: one table per listed table, or one JSON document.
pub fn run(args: IdsArgs) -> Result<i32> {
    let ds = load::dataset(args.data.as_deref(), &args.dataset)?;
    let tables: Vec<&str> = match &args.table {
        Some(t) => vec![t.as_str()],
        None => TABLES.to_vec(),
    };
    let all: Vec<(&str, Vec<Id>)> = tables.iter().map(|t| (*t, ids(&ds, t))).collect();
    if args.json {
        let doc: BTreeMap<&str, &Vec<Id>> = all.iter().map(|(t, v)| (*t, v)).collect();
        outln!("{}", serde_json::to_string_pretty(&doc)?)?;
        return Ok(0);
    }
    for (t, _) in all.iter().filter(|(_, v)| v.is_empty()) {
        outln!("{t}: none in dataset `{}`\n", ds.name)?;
    }
    for (t, v) in all.iter().filter(|(_, v)| !v.is_empty()) {
        outln!("{t} ({}) · dataset `{}`", v.len(), ds.name)?;
        let mut table = Table::new(&["id", "name", "unit", "detail"]).text_columns(4);
        for i in v {
            table.row(vec![
                i.id.clone(),
                i.name.clone(),
                i.unit.clone().unwrap_or_default(),
                i.detail.clone(),
            ]);
        }
        outln!("{}", table.render())?;
    }
    Ok(0)
}
