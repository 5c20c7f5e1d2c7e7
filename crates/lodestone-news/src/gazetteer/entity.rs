//! Gazetteer entries: what an entity is (kind, origin), its names in English and Chinese, and a mention of it in a text.

use serde::{Deserialize, Serialize};

/// What an entity is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    /// A country or bloc (ISO 3166-1 alpha-2 id, or `EU`).
    Country,
    /// A sub-national region (Texas, Siberia…); `country` says where.
    Region,
    /// A company.
    Company,
    /// A facility (mine, refinery, magnet plant).
    Facility,
    /// A chemical element (chemical symbol id).
    Element,
    /// A material or commodity (rare earths, soybeans, steel…).
    Material,
}

impl EntityKind {
    /// Lowercase name.
    pub fn as_str(&self) -> &'static str {
        match self {
            EntityKind::Country => "country",
            EntityKind::Region => "region",
            EntityKind::Company => "company",
            EntityKind::Facility => "facility",
            EntityKind::Element => "element",
            EntityKind::Material => "material",
        }
    }
}

/// Where an entity comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// The alias list shipped with this crate.
    #[default]
    Builtin,
    /// The loaded dataset (its ids are valid in scenario files).
    Dataset,
}

/// One gazetteer entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    /// Id: ISO2 for countries, chemical symbol for elements, snake_case otherwise (as in the dataset).
    pub id: String,
    /// Kind.
    pub kind: EntityKind,
    /// Display name (English).
    pub name: String,
    /// English names and aliases (matched case-insensitively unless short and capitalised, e.g. `US`, `Nd`).
    #[serde(default)]
    pub names_en: Vec<String>,
    /// Chinese names and aliases.
    #[serde(default)]
    pub names_zh: Vec<String>,
    /// Country id (regions, companies, facilities).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Owner company id (facilities).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    /// Broader entity (heavy rare earths → rare earths; Nd → rare earths).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Chain stage (facilities): mining, separation, metal, magnet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    /// Status as the dataset reports it (facilities).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Built-in or dataset.
    #[serde(default)]
    pub origin: Origin,
}

impl Entity {
    /// A minimal entity; add names with the public fields.
    pub fn new(id: &str, kind: EntityKind, name: &str) -> Entity {
        Entity {
            id: id.to_string(),
            kind,
            name: name.to_string(),
            names_en: vec![],
            names_zh: vec![],
            country: None,
            company: None,
            parent: None,
            stage: None,
            status: None,
            origin: Origin::Builtin,
        }
    }

    /// Every name, display name first.
    pub fn all_names(&self) -> impl Iterator<Item = &String> {
        std::iter::once(&self.name)
            .chain(self.names_en.iter())
            .chain(self.names_zh.iter())
    }
}

/// A place in a text where an entity is named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    /// Index into [`Gazetteer::entities`](super::Gazetteer::entities).
    pub entity: usize,
    /// Byte offset of the start.
    pub start: usize,
    /// Byte offset of the end.
    pub end: usize,
}
