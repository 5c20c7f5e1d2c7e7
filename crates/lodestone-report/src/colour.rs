//! Colours: one fixed colour per country (the same in every chart, report and the
//! dashboard, which reads them from the API), a palette for sectors, stages and blocs, and
//! grey for "other".
//!
//! The largest producers and users take the Okabe–Ito colours, which stay distinct under
//! the common forms of colour blindness (China vermillion, the United States blue,
//! Australia orange, Japan reddish purple, Malaysia sky blue, the EU bluish green).

/// Colour of aggregated remainders ("Other").
pub const OTHER: &str = "#b9b9b9";

/// Countries with a fixed colour: the large producers and users get distinct
/// (Okabe–Ito) hues, India Paul Tol's indigo (not an orange next to China's vermillion);
/// the EU members share the EU's greens and teals.
const COUNTRIES: &[(&str, &str)] = &[
    ("CN", "#d55e00"),
    ("US", "#0072b2"),
    ("AU", "#e69f00"),
    ("JP", "#cc79a7"),
    ("MM", "#8c564b"),
    ("MY", "#56b4e9"),
    ("EU", "#009e73"),
    ("EE", "#4fb3aa"),
    ("FR", "#2f9c94"),
    ("DE", "#085f5b"),
    ("BE", "#8fd3cc"),
    ("IN", "#332288"),
    ("RU", "#4d5d6e"),
    ("VN", "#2ca02c"),
    ("TH", "#a5a51b"),
    ("NG", "#7fc97f"),
    ("MG", "#b39ddb"),
    ("BR", "#9acd32"),
    ("KR", "#8e44ad"),
    ("CA", "#e15759"),
    ("GB", "#6a8caf"),
    ("NO", "#76b7b2"),
    ("XW", "#9e9e9e"),
    ("GL", "#aec7e8"),
    ("TZ", "#ffbb78"),
    ("ZA", "#dbdb8d"),
    ("AR", "#75aadb"),
];

/// A categorical palette for everything without a fixed colour (colour-blind aware
/// Tableau 10, then its lighter half).
const PALETTE: &[&str] = &[
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac", "#a0cbe8", "#ffbe7d", "#8cd17d", "#b6992d", "#f1ce63", "#86bcb6",
    "#d37295", "#fabfd2", "#79706e", "#d4a6c8",
];

/// Number of colours in the categorical palette ([`palette`] repeats after it).
pub const PALETTE_LEN: usize = PALETTE.len();

fn hash(s: &str) -> usize {
    // FNV-1a: deterministic across runs and platforms
    let mut h: u64 = 0xcbf29ce484222325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h as usize
}

/// The colour of a country (or market) id: fixed for known ids, else derived from the id.
pub fn country(id: &str) -> String {
    if id == "other" || id == "Other" {
        return OTHER.into();
    }
    COUNTRIES
        .iter()
        .find(|(c, _)| *c == id)
        .map(|(_, col)| col.to_string())
        .unwrap_or_else(|| PALETTE[hash(id) % PALETTE.len()].to_string())
}

/// The i-th colour of the categorical palette (sectors, materials, blocs).
pub fn palette(i: usize) -> String {
    PALETTE[i % PALETTE.len()].to_string()
}

/// The colour of a chain stage.
pub fn stage(stage: &str) -> String {
    match stage {
        "mining" => "#8c6d31",
        "separation" => "#2f7ebc",
        "metal" => "#7b4fa0",
        "magnet" => "#d1495b",
        _ => OTHER,
    }
    .into()
}
