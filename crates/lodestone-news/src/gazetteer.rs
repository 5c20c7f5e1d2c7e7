//! The gazetteer: countries, regions, companies, facilities, elements and materials with English and Chinese names, and a matcher that finds them in text.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

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
    /// Index into [`Gazetteer::entities`].
    pub entity: usize,
    /// Byte offset of the start.
    pub start: usize,
    /// Byte offset of the end.
    pub end: usize,
}

/// A set of entities with a compiled name matcher.
#[derive(Debug, Clone)]
pub struct Gazetteer {
    entities: Vec<Entity>,
    by_id: HashMap<(EntityKind, String), usize>,
    insensitive: Option<AhoCorasick>,
    insensitive_targets: Vec<usize>,
    sensitive: Option<AhoCorasick>,
    sensitive_targets: Vec<usize>,
}

fn is_case_sensitive(alias: &str) -> bool {
    alias.chars().count() <= 4 && alias.chars().any(|c| c.is_ascii_uppercase())
}

impl Gazetteer {
    /// Builds a gazetteer from entities (ids must be unique per kind; later duplicates are merged into earlier ones).
    pub fn new(entities: Vec<Entity>) -> Gazetteer {
        let mut merged: Vec<Entity> = Vec::new();
        let mut by_id = HashMap::new();
        for e in entities {
            let key = (e.kind, e.id.clone());
            if let Some(&i) = by_id.get(&key) {
                let existing: &mut Entity = &mut merged[i];
                for n in e.names_en {
                    if !existing.names_en.contains(&n) {
                        existing.names_en.push(n);
                    }
                }
                for n in e.names_zh {
                    if !existing.names_zh.contains(&n) {
                        existing.names_zh.push(n);
                    }
                }
                continue;
            }
            by_id.insert(key, merged.len());
            merged.push(e);
        }
        let mut ins_pats: Vec<String> = Vec::new();
        let mut ins_t = Vec::new();
        let mut sen_pats: Vec<String> = Vec::new();
        let mut sen_t = Vec::new();
        for (i, e) in merged.iter().enumerate() {
            for n in e.all_names() {
                let n = n.trim();
                if n.is_empty() {
                    continue;
                }
                if is_case_sensitive(n) {
                    sen_pats.push(n.to_string());
                    sen_t.push(i);
                } else {
                    ins_pats.push(n.to_string());
                    ins_t.push(i);
                }
            }
        }
        let build = |pats: &[String], ci: bool| -> Option<AhoCorasick> {
            if pats.is_empty() {
                return None;
            }
            AhoCorasickBuilder::new()
                .ascii_case_insensitive(ci)
                .match_kind(MatchKind::LeftmostLongest)
                .build(pats)
                .ok()
        };
        Gazetteer {
            insensitive: build(&ins_pats, true),
            insensitive_targets: ins_t,
            sensitive: build(&sen_pats, false),
            sensitive_targets: sen_t,
            entities: merged,
            by_id,
        }
    }

    /// The built-in alias list (countries, regions, main companies, elements, materials), in English and Chinese.
    pub fn builtin() -> Gazetteer {
        Gazetteer::new(builtin_entities())
    }

    /// Dataset entities merged with the built-in aliases.
    ///
    /// A built-in entity of the same kind that shares the id or any name (case-insensitively)
    /// with a dataset entity is folded into it: the dataset id, attributes and origin win and the
    /// built-in names are added as aliases. Built-in entities with no dataset counterpart are kept.
    pub fn merged(dataset: Vec<Entity>) -> Gazetteer {
        let mut out: Vec<Entity> = dataset
            .into_iter()
            .map(|mut e| {
                e.origin = Origin::Dataset;
                e
            })
            .collect();
        let lower_names: Vec<(EntityKind, String, Vec<String>)> = out
            .iter()
            .map(|e| {
                (
                    e.kind,
                    e.id.to_lowercase(),
                    e.all_names().map(|n| n.to_lowercase()).collect(),
                )
            })
            .collect();
        for b in builtin_entities() {
            let b_names: Vec<String> = b.all_names().map(|n| n.to_lowercase()).collect();
            let target = lower_names.iter().position(|(k, id, names)| {
                *k == b.kind
                    && (*id == b.id.to_lowercase() || names.iter().any(|n| b_names.contains(n)))
            });
            match target {
                Some(t) => {
                    let e = &mut out[t];
                    for n in b.names_en.iter().chain(std::iter::once(&b.name)) {
                        if !e.all_names().any(|x| x.eq_ignore_ascii_case(n)) {
                            e.names_en.push(n.clone());
                        }
                    }
                    for n in &b.names_zh {
                        if !e.names_zh.contains(n) {
                            e.names_zh.push(n.clone());
                        }
                    }
                    if e.parent.is_none() {
                        e.parent = b.parent.clone();
                    }
                    if e.country.is_none() {
                        e.country = b.country.clone();
                    }
                }
                None => out.push(b),
            }
        }
        Gazetteer::new(out)
    }

    /// All entities.
    pub fn entities(&self) -> &[Entity] {
        &self.entities
    }

    /// Entity by index.
    pub fn entity(&self, i: usize) -> &Entity {
        &self.entities[i]
    }

    /// Entity by kind and id.
    pub fn get(&self, kind: EntityKind, id: &str) -> Option<&Entity> {
        self.by_id
            .get(&(kind, id.to_string()))
            .map(|&i| &self.entities[i])
    }

    /// Entity by id of any kind (first match in kind order).
    pub fn get_any(&self, id: &str) -> Option<&Entity> {
        [
            EntityKind::Facility,
            EntityKind::Company,
            EntityKind::Country,
            EntityKind::Region,
            EntityKind::Material,
            EntityKind::Element,
        ]
        .iter()
        .find_map(|k| self.get(*k, id))
    }

    /// Facilities owned by `company`, optionally restricted to `country`.
    pub fn facilities_of(&self, company: &str, country: Option<&str>) -> Vec<&Entity> {
        self.entities
            .iter()
            .filter(|e| e.kind == EntityKind::Facility && e.company.as_deref() == Some(company))
            .filter(|e| country.is_none() || e.country.as_deref() == country)
            .collect()
    }

    /// True if the dataset contributed any entity of `kind`.
    pub fn has_dataset(&self, kind: EntityKind) -> bool {
        self.entities
            .iter()
            .any(|e| e.kind == kind && e.origin == Origin::Dataset)
    }

    /// Finds entity mentions: longest names first, no overlaps, whole words for Latin-script names.
    pub fn find(&self, text: &str) -> Vec<Mention> {
        let mut cands: Vec<Mention> = Vec::new();
        let bytes = text.as_bytes();
        let boundary_ok = |s: usize, e: usize| {
            let first = bytes[s];
            let last = bytes[e - 1];
            let before_ok =
                !first.is_ascii_alphanumeric() || s == 0 || !bytes[s - 1].is_ascii_alphanumeric();
            let after_ok = !last.is_ascii_alphanumeric()
                || e == bytes.len()
                || !bytes[e].is_ascii_alphanumeric();
            before_ok && after_ok
        };
        for (ac, targets) in [
            (&self.insensitive, &self.insensitive_targets),
            (&self.sensitive, &self.sensitive_targets),
        ] {
            let Some(ac) = ac else { continue };
            for m in ac.find_iter(text) {
                if boundary_ok(m.start(), m.end()) {
                    cands.push(Mention {
                        entity: targets[m.pattern().as_usize()],
                        start: m.start(),
                        end: m.end(),
                    });
                }
            }
        }
        // Longest first, then leftmost; drop overlaps.
        cands.sort_by(|a, b| {
            (b.end - b.start)
                .cmp(&(a.end - a.start))
                .then(a.start.cmp(&b.start))
        });
        let mut taken: Vec<Mention> = Vec::new();
        for c in cands {
            if taken.iter().all(|t| c.end <= t.start || c.start >= t.end) {
                taken.push(c);
            }
        }
        taken.sort_by_key(|m| m.start);
        taken
    }

    /// Counts of mentions per entity in a text (used to find a document's main country and material).
    pub fn counts(&self, text: &str) -> BTreeMap<usize, usize> {
        let mut m = BTreeMap::new();
        for x in self.find(text) {
            *m.entry(x.entity).or_insert(0) += 1;
        }
        m
    }
}

/// (kind, id, display name, English aliases, Chinese aliases, country, parent)
type Row = (
    EntityKind,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const BUILTIN: &[Row] = {
    use EntityKind::*;
    &[
        // Countries and blocs.
        (
            Country,
            "CN",
            "China",
            "Chinese;PRC;People's Republic of China;Beijing;mainland China",
            "中国;中方;中华人民共和国;我国;华;北京",
            "",
            "",
        ),
        (
            Country,
            "US",
            "United States",
            "U.S.;US;USA;U.S.A.;United States of America;America;American;Americans;Washington",
            "美国;美方;美",
            "",
            "",
        ),
        (
            Country,
            "AU",
            "Australia",
            "Australian;Australians;Canberra",
            "澳大利亚;澳洲;澳方;澳",
            "",
            "",
        ),
        (
            Country,
            "RU",
            "Russia",
            "Russian;Russian Federation;Moscow;Kremlin",
            "俄罗斯;俄联邦;俄方;俄",
            "",
            "",
        ),
        (
            Country,
            "IN",
            "India",
            "Indian;New Delhi",
            "印度;印方",
            "",
            "",
        ),
        (Country, "BR", "Brazil", "Brazilian", "巴西", "", ""),
        (Country, "MM", "Myanmar", "Burma;Burmese", "缅甸", "", ""),
        (
            Country,
            "AR",
            "Argentina",
            "Argentine;Argentinian",
            "阿根廷",
            "",
            "",
        ),
        (Country, "MX", "Mexico", "Mexican", "墨西哥", "", ""),
        (
            Country,
            "JP",
            "Japan",
            "Japanese;Tokyo",
            "日本;日方",
            "",
            "",
        ),
        (
            Country,
            "KR",
            "South Korea",
            "Korea;Korean;Republic of Korea;Seoul",
            "韩国",
            "",
            "",
        ),
        (
            Country,
            "VN",
            "Vietnam",
            "Viet Nam;Vietnamese",
            "越南",
            "",
            "",
        ),
        (Country, "MY", "Malaysia", "Malaysian", "马来西亚", "", ""),
        (Country, "TH", "Thailand", "Thai", "泰国", "", ""),
        (Country, "NG", "Nigeria", "Nigerian", "尼日利亚", "", ""),
        (
            Country,
            "MG",
            "Madagascar",
            "Malagasy",
            "马达加斯加",
            "",
            "",
        ),
        (Country, "CA", "Canada", "Canadian", "加拿大", "", ""),
        (Country, "GL", "Greenland", "", "格陵兰", "", ""),
        (Country, "EE", "Estonia", "Estonian", "爱沙尼亚", "", ""),
        (Country, "FR", "France", "French", "法国", "", ""),
        (Country, "DE", "Germany", "German", "德国", "", ""),
        (
            Country,
            "GB",
            "United Kingdom",
            "UK;U.K.;Britain;British",
            "英国",
            "",
            "",
        ),
        (
            Country,
            "EU",
            "European Union",
            "EU;E.U.;Europe;European;Brussels",
            "欧盟;欧洲",
            "",
            "",
        ),
        (Country, "TZ", "Tanzania", "Tanzanian", "坦桑尼亚", "", ""),
        (
            Country,
            "ZA",
            "South Africa",
            "South African",
            "南非",
            "",
            "",
        ),
        (Country, "NO", "Norway", "Norwegian", "挪威", "", ""),
        (Country, "KZ", "Kazakhstan", "Kazakh", "哈萨克斯坦", "", ""),
        (Country, "UA", "Ukraine", "Ukrainian", "乌克兰", "", ""),
        (Country, "CL", "Chile", "Chilean", "智利", "", ""),
        (
            Country,
            "ID",
            "Indonesia",
            "Indonesian",
            "印度尼西亚;印尼",
            "",
            "",
        ),
        (Country, "SA", "Saudi Arabia", "Saudi", "沙特", "", ""),
        // Regions.
        (
            Region,
            "texas",
            "Texas",
            "",
            "得克萨斯;德克萨斯;得州",
            "US",
            "",
        ),
        (
            Region,
            "california",
            "California",
            "",
            "加利福尼亚;加州",
            "US",
            "",
        ),
        (Region, "oklahoma", "Oklahoma", "", "俄克拉何马", "US", ""),
        (Region, "utah", "Utah", "", "犹他", "US", ""),
        (
            Region,
            "south_carolina",
            "South Carolina",
            "",
            "南卡罗来纳",
            "US",
            "",
        ),
        (
            Region,
            "western_australia",
            "Western Australia",
            "",
            "西澳大利亚;西澳",
            "AU",
            "",
        ),
        (
            Region,
            "northern_territory",
            "Northern Territory",
            "",
            "北领地",
            "AU",
            "",
        ),
        (
            Region,
            "new_south_wales",
            "New South Wales",
            "",
            "新南威尔士",
            "AU",
            "",
        ),
        (
            Region,
            "siberia",
            "Siberia",
            "Siberian",
            "西伯利亚",
            "RU",
            "",
        ),
        (
            Region,
            "angara_yenisei",
            "Angara-Yenisei region",
            "Angara-Yenisei;Angara Yenisei",
            "安加拉-叶尼塞;安加拉—叶尼塞",
            "RU",
            "",
        ),
        (
            Region,
            "krasnoyarsk",
            "Krasnoyarsk",
            "",
            "克拉斯诺亚尔斯克",
            "RU",
            "",
        ),
        (Region, "irkutsk", "Irkutsk", "", "伊尔库茨克", "RU", ""),
        (
            Region,
            "inner_mongolia",
            "Inner Mongolia",
            "Baotou;Bayan Obo",
            "内蒙古;包头;白云鄂博",
            "CN",
            "",
        ),
        (
            Region,
            "jiangxi",
            "Jiangxi",
            "Ganzhou",
            "江西;赣州",
            "CN",
            "",
        ),
        (Region, "sichuan", "Sichuan", "", "四川", "CN", ""),
        (Region, "kachin", "Kachin", "Kachin State", "克钦", "MM", ""),
        (Region, "odisha", "Odisha", "", "奥里萨", "IN", ""),
        (Region, "kerala", "Kerala", "", "喀拉拉", "IN", ""),
        // Companies.
        (
            Company,
            "lynas",
            "Lynas",
            "Lynas Rare Earths;Lynas Corporation",
            "莱纳斯",
            "AU",
            "",
        ),
        (
            Company,
            "mp_materials",
            "MP Materials",
            "MP Materials Corp",
            "MP材料",
            "US",
            "",
        ),
        (
            Company,
            "iluka",
            "Iluka Resources",
            "Iluka",
            "伊鲁卡",
            "AU",
            "",
        ),
        (
            Company,
            "arafura",
            "Arafura Rare Earths",
            "Arafura",
            "阿拉弗拉",
            "AU",
            "",
        ),
        (Company, "alcoa", "Alcoa", "", "美铝", "US", ""),
        (
            Company,
            "noveon",
            "Noveon Magnetics",
            "Noveon",
            "",
            "US",
            "",
        ),
        (
            Company,
            "neo_performance",
            "Neo Performance Materials",
            "Neo Performance",
            "",
            "CA",
            "",
        ),
        (
            Company,
            "usa_rare_earth",
            "USA Rare Earth",
            "",
            "",
            "US",
            "",
        ),
        (Company, "energy_fuels", "Energy Fuels", "", "", "US", ""),
        (
            Company,
            "vulcan_elements",
            "Vulcan Elements",
            "",
            "",
            "US",
            "",
        ),
        (Company, "solvay", "Solvay", "", "索尔维", "FR", ""),
        (Company, "vac", "Vacuumschmelze", "VAC;e-VAC", "", "DE", ""),
        (
            Company,
            "shin_etsu",
            "Shin-Etsu",
            "Shin-Etsu Chemical",
            "信越",
            "JP",
            "",
        ),
        (Company, "tdk", "TDK", "", "", "JP", ""),
        (
            Company,
            "proterial",
            "Proterial",
            "Hitachi Metals",
            "日立金属",
            "JP",
            "",
        ),
        (Company, "sojitz", "Sojitz", "", "双日", "JP", ""),
        (Company, "jogmec", "JOGMEC", "", "", "JP", ""),
        (
            Company,
            "asm",
            "Australian Strategic Materials",
            "ASM",
            "",
            "AU",
            "",
        ),
        (
            Company,
            "china_northern_rare_earth",
            "China Northern Rare Earth",
            "Northern Rare Earth",
            "北方稀土;中国北方稀土",
            "CN",
            "",
        ),
        (
            Company,
            "china_rare_earth_group",
            "China Rare Earth Group",
            "",
            "中国稀土集团",
            "CN",
            "",
        ),
        (
            Company,
            "shenghe",
            "Shenghe Resources",
            "Shenghe",
            "盛和资源",
            "CN",
            "",
        ),
        (
            Company,
            "jl_mag",
            "JL Mag Rare-Earth",
            "JL Mag",
            "金力永磁",
            "CN",
            "",
        ),
        (
            Company,
            "rosatom",
            "Rosatom",
            "",
            "俄罗斯国家原子能公司",
            "RU",
            "",
        ),
        (
            Company,
            "irel",
            "IREL (India)",
            "IREL;Indian Rare Earths",
            "印度稀土公司",
            "IN",
            "",
        ),
        (Company, "reetec", "REEtec", "", "", "NO", ""),
        (Company, "cofco", "COFCO", "", "中粮", "CN", ""),
        (Company, "sinograin", "Sinograin", "", "中储粮", "CN", ""),
        // Elements.
        (
            Element,
            "La",
            "lanthanum",
            "lanthanum",
            "镧",
            "",
            "rare_earths",
        ),
        (Element, "Ce", "cerium", "cerium", "铈", "", "rare_earths"),
        (
            Element,
            "Pr",
            "praseodymium",
            "praseodymium;Pr",
            "镨",
            "",
            "rare_earths",
        ),
        (
            Element,
            "Nd",
            "neodymium",
            "neodymium;Nd",
            "钕",
            "",
            "rare_earths",
        ),
        (
            Element,
            "Pm",
            "promethium",
            "promethium",
            "钷",
            "",
            "rare_earths",
        ),
        (
            Element,
            "Sm",
            "samarium",
            "samarium;Sm",
            "钐",
            "",
            "rare_earths",
        ),
        (
            Element,
            "Eu",
            "europium",
            "europium",
            "铕",
            "",
            "rare_earths",
        ),
        (
            Element,
            "Gd",
            "gadolinium",
            "gadolinium;Gd",
            "钆",
            "",
            "rare_earths",
        ),
        (
            Element,
            "Tb",
            "terbium",
            "terbium;Tb",
            "铽",
            "",
            "rare_earths",
        ),
        (
            Element,
            "Dy",
            "dysprosium",
            "dysprosium;Dy",
            "镝",
            "",
            "rare_earths",
        ),
        (Element, "Ho", "holmium", "holmium", "钬", "", "rare_earths"),
        (Element, "Er", "erbium", "erbium", "铒", "", "rare_earths"),
        (Element, "Tm", "thulium", "thulium", "铥", "", "rare_earths"),
        (
            Element,
            "Yb",
            "ytterbium",
            "ytterbium",
            "镱",
            "",
            "rare_earths",
        ),
        (
            Element,
            "Lu",
            "lutetium",
            "lutetium;Lu",
            "镥",
            "",
            "rare_earths",
        ),
        (Element, "Y", "yttrium", "yttrium", "钇", "", "rare_earths"),
        (
            Element,
            "Sc",
            "scandium",
            "scandium",
            "钪",
            "",
            "rare_earths",
        ),
        (Element, "Ga", "gallium", "gallium", "镓", "", ""),
        (Element, "Ge", "germanium", "germanium", "锗", "", ""),
        (Element, "Sb", "antimony", "antimony", "锑", "", ""),
        // Materials.
        (
            Material,
            "rare_earths",
            "rare earths",
            "rare earth;rare earths;rare-earth;rare-earths;rare earth elements;rare earth metals;rare earth metal;REE;REEs;rare earth oxides;REO",
            "稀土;稀土元素;稀土金属",
            "",
            "",
        ),
        (
            Material,
            "heavy_rare_earths",
            "heavy rare earths",
            "heavy rare earth;heavy rare earths;heavy rare-earth;heavy rare earth elements;HREE;HREEs",
            "重稀土;中重稀土",
            "",
            "rare_earths",
        ),
        (
            Material,
            "light_rare_earths",
            "light rare earths",
            "light rare earth;light rare earths;light rare-earth;LREE;LREEs",
            "轻稀土",
            "",
            "rare_earths",
        ),
        (
            Material,
            "ndpr_oxide",
            "NdPr oxide",
            "NdPr;NdPr oxide;neodymium-praseodymium",
            "镨钕;氧化镨钕",
            "",
            "rare_earths",
        ),
        (
            Material,
            "ndfeb_magnets",
            "NdFeB magnets",
            "NdFeB;rare earth magnets;rare-earth magnets;permanent magnets;permanent magnet;neodymium magnets;magnets",
            "钕铁硼;永磁体;永磁;稀土永磁;磁体",
            "",
            "rare_earths",
        ),
        (
            Material,
            "soybeans",
            "soybeans",
            "soybean;soybeans;soy;soya",
            "大豆;美豆",
            "",
            "",
        ),
        (Material, "corn", "corn", "corn;maize", "玉米", "", ""),
        (Material, "steel", "steel", "steel", "钢铁;钢材;钢", "", ""),
        (
            Material,
            "semiconductors",
            "semiconductors",
            "semiconductors;semiconductor;chips;chip",
            "芯片;半导体",
            "",
            "",
        ),
        (
            Material,
            "all_goods",
            "all goods",
            "all goods;all products;all imports;all Chinese goods;all US goods",
            "所有商品;全部商品",
            "",
            "",
        ),
        (Material, "graphite", "graphite", "graphite", "石墨", "", ""),
    ]
};

fn split_list(s: &str) -> Vec<String> {
    s.split(';')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(String::from)
        .collect()
}

/// The built-in entities (see [`Gazetteer::builtin`]).
pub fn builtin_entities() -> Vec<Entity> {
    BUILTIN
        .iter()
        .map(|(kind, id, name, en, zh, country, parent)| {
            let mut e = Entity::new(id, *kind, name);
            e.names_en = split_list(en);
            e.names_zh = split_list(zh);
            e.country = (!country.is_empty()).then(|| country.to_string());
            e.parent = (!parent.is_empty()).then(|| parent.to_string());
            e
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(g: &Gazetteer, text: &str) -> Vec<String> {
        g.find(text)
            .iter()
            .map(|m| g.entity(m.entity).id.clone())
            .collect()
    }

    #[test]
    fn finds_english_and_chinese_names() {
        let g = Gazetteer::builtin();
        assert_eq!(
            ids(&g, "China's dominance in rare earth refining"),
            vec!["CN", "rare_earths"]
        );
        assert_eq!(
            ids(&g, "俄罗斯需尽快建立自主稀土产业"),
            vec!["RU", "rare_earths"]
        );
        assert_eq!(ids(&g, "the US and Australia"), vec!["US", "AU"]);
        assert_eq!(
            ids(&g, "heavy rare earth reserves"),
            vec!["heavy_rare_earths"]
        );
        assert_eq!(ids(&g, "镝和铽"), vec!["Dy", "Tb"]);
        assert_eq!(ids(&g, "莱纳斯在得州"), vec!["lynas", "texas"]);
    }

    #[test]
    fn respects_word_boundaries_and_case() {
        let g = Gazetteer::builtin();
        assert!(ids(&g, "let us focus on USD and Indiana").is_empty());
        assert_eq!(ids(&g, "US-China trade"), vec!["US", "CN"]);
        assert!(ids(&g, "La Rochelle").is_empty());
    }

    #[test]
    fn merge_prefers_dataset_ids() {
        let mut soy = Entity::new("soybean", EntityKind::Material, "Soybean");
        soy.names_en.push("soybeans".into());
        let mut fac = Entity::new("lynas_seadrift", EntityKind::Facility, "Lynas Seadrift");
        fac.company = Some("lynas".into());
        fac.country = Some("US".into());
        let g = Gazetteer::merged(vec![soy, fac]);
        assert_eq!(ids(&g, "Chinese imports of 大豆"), vec!["CN", "soybean"]);
        assert_eq!(
            g.get(EntityKind::Material, "soybean").unwrap().origin,
            Origin::Dataset
        );
        assert!(g.get(EntityKind::Material, "soybeans").is_none());
        assert_eq!(g.facilities_of("lynas", Some("US")).len(), 1);
    }
}
