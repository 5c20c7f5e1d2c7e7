//! The dataset schema, declared once in `schema/attributes.csv`, parsed into typed attributes.
//!
//! The same table drives loading (which columns exist, defaults), validation (types,
//! ranges, references) and the reference documentation (`lodestone data schema`).

use std::sync::OnceLock;

/// The schema file, embedded.
pub const ATTRIBUTES_CSV: &str = include_str!("../schema/attributes.csv");

/// The type of one attribute, as written in the schema's `type` column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttrType {
    /// `snake_case` identifier.
    Id,
    /// Chemical symbol (`Nd`).
    Symbol,
    /// ISO 3166-1 alpha-2 code (or a reserved / user-assigned region code).
    Country,
    /// A country code or `*`.
    CountryOrAny,
    /// A country code or `WORLD`.
    CountryOrWorld,
    /// A material id, `kind:<kind>` or `*`.
    MaterialOrKind,
    /// A material id, a group id (`groups.csv`), `kind:<kind>` or `stage:<stage>`.
    MaterialSelector,
    /// `;`-separated material ids, `kind:<kind>` or `stage:<stage>` (a group's members).
    MaterialSelectors,
    /// An observation period: `2024`, `2024-Q2`, `2024-07` or `2024-01..2024-07`.
    Period,
    /// Free text.
    String,
    /// `;`-separated list of free ids.
    List,
    /// Any finite number.
    Float,
    /// Whole number.
    Int,
    /// Number ≥ 0.
    NonNeg,
    /// Number in [0, 1].
    Fraction,
    /// `true` / `false`.
    Bool,
    /// `YYYY-MM`.
    Month,
    /// One of the listed words.
    Enum(Vec<String>),
    /// Id of a row in the named table.
    Ref(String),
    /// `;`-separated ids of rows in the named table.
    Refs(String),
}

impl AttrType {
    fn parse(s: &str) -> Option<AttrType> {
        Some(match s {
            "id" => AttrType::Id,
            "symbol" => AttrType::Symbol,
            "country" => AttrType::Country,
            "country_or_any" => AttrType::CountryOrAny,
            "country_or_world" => AttrType::CountryOrWorld,
            "material_or_kind" => AttrType::MaterialOrKind,
            "material_selector" => AttrType::MaterialSelector,
            "material_selectors" => AttrType::MaterialSelectors,
            "period" => AttrType::Period,
            "string" => AttrType::String,
            "list" => AttrType::List,
            "float" => AttrType::Float,
            "int" => AttrType::Int,
            "nonneg" => AttrType::NonNeg,
            "fraction" => AttrType::Fraction,
            "bool" => AttrType::Bool,
            "month" => AttrType::Month,
            _ => {
                if let Some(v) = s.strip_prefix("enum:") {
                    AttrType::Enum(v.split('|').map(str::to_string).collect())
                } else if let Some(t) = s.strip_prefix("refs:") {
                    AttrType::Refs(t.to_string())
                } else if let Some(t) = s.strip_prefix("ref:") {
                    AttrType::Ref(t.to_string())
                } else {
                    return None;
                }
            }
        })
    }
}

/// One attribute (column) of a table.
#[derive(Debug, Clone)]
pub struct Attribute {
    /// Table name (= file stem).
    pub table: String,
    /// Column name.
    pub name: String,
    /// Value type.
    pub ty: AttrType,
    /// The type as written in the schema.
    pub ty_text: String,
    /// Unit (free text), empty when none.
    pub unit: String,
    /// Whether the column and a value are required.
    pub required: bool,
    /// Default when optional and empty.
    pub default: String,
    /// Documentation.
    pub description: String,
}

/// All attributes of one table, in declaration order.
#[derive(Debug, Clone)]
pub struct TableSchema {
    /// Table name (= file stem).
    pub name: String,
    /// Its attributes.
    pub attributes: Vec<Attribute>,
}

impl TableSchema {
    /// The attribute named `name`.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// Whether the table has an `id` column (rows are referable).
    pub fn has_id(&self) -> bool {
        self.attributes.first().is_some_and(|a| a.name == "id")
    }
}

/// The whole schema.
#[derive(Debug, Clone)]
pub struct Schema {
    /// Tables in declaration order (excluding the pseudo-table `dataset`).
    pub tables: Vec<TableSchema>,
}

impl Schema {
    /// The embedded schema (parsed once).
    pub fn get() -> &'static Schema {
        static SCHEMA: OnceLock<Schema> = OnceLock::new();
        SCHEMA.get_or_init(|| Schema::parse(ATTRIBUTES_CSV).expect("embedded schema is valid"))
    }

    /// Parse a schema CSV. Errors are for the embedded file only (tested).
    pub fn parse(text: &str) -> Result<Schema, String> {
        let mut rdr = csv::ReaderBuilder::new().from_reader(text.as_bytes());
        let mut tables: Vec<TableSchema> = Vec::new();
        for rec in rdr.records() {
            let rec = rec.map_err(|e| e.to_string())?;
            let get = |i: usize| rec.get(i).unwrap_or("").to_string();
            let table = get(0);
            if table == "dataset" {
                continue;
            }
            let ty_text = get(2);
            let ty = AttrType::parse(&ty_text)
                .ok_or_else(|| format!("bad type `{ty_text}` for {table}.{}", get(1)))?;
            let attr = Attribute {
                table: table.clone(),
                name: get(1),
                ty,
                ty_text,
                unit: get(3),
                required: get(4) == "yes",
                default: get(5),
                description: get(6),
            };
            match tables.iter_mut().find(|t| t.name == table) {
                Some(t) => t.attributes.push(attr),
                None => tables.push(TableSchema {
                    name: table,
                    attributes: vec![attr],
                }),
            }
        }
        Ok(Schema { tables })
    }

    /// The table named `name`.
    pub fn table(&self, name: &str) -> Option<&TableSchema> {
        self.tables.iter().find(|t| t.name == name)
    }

    /// Markdown reference of every table and attribute.
    pub fn to_markdown(&self) -> String {
        let mut s = String::from(
            "# Dataset schema\n\nGenerated from `crates/lodestone-model/schema/attributes.csv`.\n",
        );
        for t in &self.tables {
            s.push_str(&format!(
                "\n## `{}.csv`{}\n\n| attribute | type | unit | required | default | description |\n|---|---|---|---|---|---|\n",
                t.name,
                if crate::dataset::OPTIONAL_TABLES.contains(&t.name.as_str()) { " (optional)" } else { "" }
            ));
            for a in &t.attributes {
                s.push_str(&format!(
                    "| `{}` | {} | {} | {} | {} | {} |\n",
                    a.name,
                    a.ty_text.replace('|', "\\|"),
                    a.unit,
                    if a.required { "yes" } else { "no" },
                    a.default,
                    a.description.replace('|', "\\|")
                ));
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_schema_parses_with_every_table() {
        let s = Schema::get();
        for t in [
            "sources",
            "elements",
            "countries",
            "companies",
            "agencies",
            "materials",
            "compositions",
            "processes",
            "process_flows",
            "facilities",
            "capacity",
            "seasons",
            "sectors",
            "growth",
            "demand",
            "routes",
            "stocks",
            "prices",
            "groups",
            "observations",
            "pipeline",
        ] {
            let table = s.table(t).unwrap_or_else(|| panic!("table {t}"));
            assert!(!table.attributes.is_empty());
        }
        assert!(s.table("facilities").unwrap().has_id());
        assert!(!s.table("demand").unwrap().has_id());
        // every table except sources itself carries a source column
        for t in &s.tables {
            if t.name != "sources" {
                assert!(t.attribute("source").is_some(), "{} lacks source", t.name);
            }
        }
    }

    #[test]
    fn bad_type_is_rejected() {
        let e = Schema::parse(
            "table,attribute,type,unit,required,default,description\nx,y,wat,,yes,,d\n",
        );
        assert!(e.unwrap_err().contains("bad type `wat`"));
    }
}
