//! Risk indices per stage, market and year: concentration (HHI, top-3 share), USGS net
//! import reliance, the GeoPolRisk score and the EU Critical Raw Materials supply risk.
//!
//! Two layers:
//! - pure formula functions over plain numbers ([`hhi`], [`top_n_share`],
//!   [`net_import_reliance`], [`geopolrisk`], [`hhi_wgi`], [`eu_supply_risk`]), each with its
//!   formula and source;
//! - [`compute`], which applies them to one year of a run's annual summary (production by
//!   stage and country, trade by market, stocks), giving the [`IndicesYear`] found at
//!   `annual[year].indices` in `lodestone run --json`.
//!
//! A missing input gives `null` and names what is missing; nothing is guessed silently.
//! Parameters whose official values could not be verified are listed in
//! [`EU_CRM_RARE_EARTHS`] and in each EU result's `unverified` field; the one labelled
//! assumption (SI_SR, with its range) is also in `assumed`, and SR is given at both ends
//! of its range. See `docs/indices.md`.

use crate::sim::RunResult;
use crate::summary::YearSummary;
use lodestone_model::dataset::{Governance, Stage};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

// ---------------------------------------------------------------------------------------
// Pure formulas
// ---------------------------------------------------------------------------------------

/// Shares of non-negative quantities: `x_i / Σ x` (negatives count as 0). Empty when the
/// total is not positive.
pub fn shares(values: &[f64]) -> Vec<f64> {
    let total: f64 = values.iter().map(|v| v.max(0.0)).sum();
    if total > 0.0 {
        values.iter().map(|v| v.max(0.0) / total).collect()
    } else {
        Vec::new()
    }
}

/// Herfindahl–Hirschman index on fractions: `HHI = Σ s_i²`, 0 (atomistic) … 1 (monopoly).
///
/// Herfindahl (1950), Hirschman (1945); the normalised 0–1 form is the one used by the
/// GeoPolRisk method (geopolrisk-py docs, Koyamparambath et al. 2024). `shares` should
/// sum to 1 (see [`shares`]). For the antitrust 0–10,000 convention use [`hhi_points`].
pub fn hhi(shares: &[f64]) -> f64 {
    shares.iter().map(|s| s * s).sum()
}

/// HHI in points: `Σ (100 s_i)² = 10,000 × HHI`, 0 … 10,000 (shares in percent; the
/// convention of the US DOJ/FTC Horizontal Merger Guidelines).
pub fn hhi_points(shares: &[f64]) -> f64 {
    10_000.0 * hhi(shares)
}

/// Sum of the `n` largest shares (concentration ratio CR_n). `n` larger than the number of
/// shares sums them all.
pub fn top_n_share(shares: &[f64], n: usize) -> f64 {
    let mut v: Vec<f64> = shares.to_vec();
    v.sort_by(|a, b| b.total_cmp(a));
    v.iter().take(n).sum()
}

/// Net import reliance, USGS definition (Mineral Commodity Summaries, "Net import reliance
/// as a percentage of apparent consumption"):
///
/// ```text
/// apparent consumption AC = production + imports − exports − stock_change
/// NIR = (imports − exports − stock_change) / AC  =  1 − production / AC
/// ```
///
/// `stock_change` is the increase of stocks over the period (end − begin): a stock build
/// is not consumption, a drawdown (negative) adds to it — the "± stock change" of USGS.
///
/// Returns `None` when apparent consumption is at most [`NIR_MIN_TONNES`] or no more than
/// [`NIR_ROUND_OFF`] of the largest of the four terms (the ratio is undefined: a market that exports all it
/// produces has an apparent consumption of solver round-off, ~1e-13 t, and the ratio
/// would be −10¹⁵). A net exporter (exports + stock build > imports) gets a **negative**
/// value and is reported as such, with `net_exporter = true` in [`NetImportReliance`];
/// USGS prints "E" for these instead of a number. Values are fractions (0.8 = 80 %).
pub fn net_import_reliance(
    production: f64,
    imports: f64,
    exports: f64,
    stock_change: f64,
) -> Option<f64> {
    let ac = production + imports - exports - stock_change;
    let scale = production
        .abs()
        .max(imports.abs())
        .max(exports.abs())
        .max(stock_change.abs());
    (ac > NIR_MIN_TONNES && ac > NIR_ROUND_OFF * scale)
        .then(|| (imports - exports - stock_change) / ac)
}

/// Apparent consumption at or below this many tonnes is round-off too, however small the
/// market: the interior-point answer leaves up to ~1e-6 of the period's largest quantity
/// on idle variables (`clearing::Clearing::noise`), e.g. 4e-6 t written off at a market
/// making 1.2 t of metal a year, which made its ratio −177,102. The trade tables use the
/// same 0.01 t floor.
pub const NIR_MIN_TONNES: f64 = 0.01;

/// Apparent consumption at or below this share of a market's largest flow (production,
/// imports, exports, stock change) is round-off, not consumption. In the shipped scenarios
/// the degenerate cases sit below 1e-7 of their flows and the smallest real apparent
/// consumption above 0.3 of them.
pub const NIR_ROUND_OFF: f64 = 1e-6;

/// Import risk term of GeoPolRisk: `Σ_i g_i f_i / (p + F)`, where `imports` holds
/// `(f_i, g_i)` per supplier `i` (tonnes imported from `i`; its political (in)stability
/// indicator on 0–1, higher = riskier), `F = Σ f_i` and `p` is domestic production.
///
/// `None` when a supplier with positive imports has no indicator (missing, not guessed;
/// geopolrisk-py substitutes 0.5, Lodestone does not) or when `p + F ≤ 0`.
pub fn import_risk(domestic_production: f64, imports: &[(f64, Option<f64>)]) -> Option<f64> {
    let total: f64 = imports.iter().map(|(f, _)| f.max(0.0)).sum();
    let denom = domestic_production.max(0.0) + total;
    if denom <= 0.0 {
        return None;
    }
    let mut num = 0.0;
    for &(f, g) in imports {
        if f > 0.0 {
            num += f * g?;
        }
    }
    Some(num / denom)
}

/// GeoPolRisk score of one raw material for one importing economy `c`:
///
/// ```text
/// GeoPolRisk_Ac = HHI_A × Σ_i ( g_i × f_Aic / (p_Ac + F_Ac) )
///              = HHI_A × [Σ_i (f_Aic / F_Ac) × g_i] × F_Ac / (p_Ac + F_Ac)
/// ```
///
/// `HHI_A` = HHI of global production of A on fractions (0–1, [`hhi`]); `g_i` = political
/// (in)stability of supplier `i`, 0–1 (the method uses the World Bank WGI "Political
/// Stability and Absence of Violence" indicator, normalised); `f_Aic` = imports of A from
/// `i`; `F_Ac` = total imports; `p_Ac` = domestic production. The second line is the same
/// formula read as "import-share-weighted instability × HHI × import share of supply";
/// note that `F/(p+F)` is a gross import share, not the net import reliance.
///
/// Sources: Gemechu, Helbig, Sonnemann, Thorenz, Tuma, "Import-based indicator for the
/// geopolitical supply risk of raw materials in life cycle sustainability assessments",
/// J. Industrial Ecology 20(1):154–165 (2016); domestic production in the denominator from
/// Helbig et al., J. Cleaner Production 137:1170–1178 (2016); used for comparative risk
/// assessment in Koyamparambath, Santillán-Saldivar, McLellan, Sonnemann, Resources Policy
/// 75:102465 (2022). Equation 1 of the geopolrisk-py documentation (`docs/background.rst`,
/// github.com/akoyamp/geopolrisk-py) states it in this form.
///
/// `imports` holds `(f_i, g_i)`; `None` as in [`import_risk`].
pub fn geopolrisk(
    hhi_global: f64,
    domestic_production: f64,
    imports: &[(f64, Option<f64>)],
) -> Option<f64> {
    import_risk(domestic_production, imports).map(|r| hhi_global * r)
}

/// Copper's GeoPolRisk characterisation factor that geopolrisk-py 2.0.1 divides by: the
/// average for OECD countries, 2017–2021 (`assessment/core.py`, `CF_Cu`).
pub const CF_COPPER: f64 = 0.409412948;

/// GeoPolRisk characterisation factor for life cycle assessment, kg Cu-eq per kg:
/// `score × price / CF_Cu`, `price` in USD/kg (the unit value of the imports), as
/// geopolrisk-py 2.0.1 computes it (`core.GeoPolRisk`; Koyamparambath et al. 2024).
pub fn characterisation_factor(score: f64, price_usd_per_kg: f64) -> f64 {
    score * price_usd_per_kg / CF_COPPER
}

/// One supplier in an EU HHI_WGI sum.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WgiShare {
    /// Share of supply, fraction (0–1).
    pub share: f64,
    /// Governance score scaled 0–10, higher = worse (the EU rescales the World Bank WGI to
    /// 0–10). `None` = not available.
    pub wgi: Option<f64>,
    /// Trade-related variable `t` (1 = no export restriction). The official `t` table
    /// could not be verified (facts-trade.md §B), so Lodestone passes 1.
    pub trade_t: f64,
}

/// Governance-weighted HHI of the EU methodology: `HHI_WGI,t = Σ_i s_i² × WGI_i × t_i`,
/// shares as fractions, WGI scaled 0–10, so the result lies in 0–10 (with `t = 1`).
///
/// Source: Blengini et al., "Methodology for establishing the EU list of critical raw
/// materials" / "Assessment of the methodology…", JRC EUR 28654 EN (2017),
/// doi:10.2760/73303, used for the 2017, 2020 (COM(2020) 474) and 2023 lists. The
/// methodology document itself was not read here; the structure follows the project brief
/// and `facts-trade.md` §B. `None` when a supplier with a positive share has no WGI.
pub fn hhi_wgi(suppliers: &[WgiShare]) -> Option<f64> {
    let mut sum = 0.0;
    for s in suppliers {
        if s.share > 0.0 {
            sum += s.share * s.share * s.wgi? * s.trade_t;
        }
    }
    Some(sum)
}

/// EU Critical Raw Materials supply risk (2017 methodology, used for the 2017, 2020 and
/// 2023 lists):
///
/// ```text
/// SR = [ (HHI_WGI,t)_GS × IR/2 + (HHI_WGI,t)_EU × (1 − IR/2) ] × (1 − EoL_RIR) × SI_SR
/// ```
///
/// `hhi_wgi_gs` over global supply, `hhi_wgi_eu` over the EU sourcing mix (EU production +
/// imports by supplier), both from [`hhi_wgi`]; `import_reliance` IR = (imports − exports)
/// / (EU production + imports − exports) as a fraction 0–1; `eol_rir` = end-of-life
/// recycling input rate, fraction; `si_sr` = substitution index for supply risk (≤ 1).
/// Criticality threshold SR ≥ 1 (with EI ≥ 2.8) — see [`EU_CRM_RARE_EARTHS`] for status.
///
/// Source: Blengini et al., JRC EUR 28654 EN (2017), doi:10.2760/73303 (not read here; see
/// [`hhi_wgi`]).
pub fn eu_supply_risk(
    hhi_wgi_gs: f64,
    hhi_wgi_eu: f64,
    import_reliance: f64,
    eol_rir: f64,
    si_sr: f64,
) -> f64 {
    let w = import_reliance / 2.0;
    (hhi_wgi_gs * w + hhi_wgi_eu * (1.0 - w)) * (1.0 - eol_rir) * si_sr
}

// ---------------------------------------------------------------------------------------
// EU published values for rare earths
// ---------------------------------------------------------------------------------------

/// Whether a reference value was checked against its primary document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verification {
    /// Checked against the primary document.
    Verified,
    /// Not checked against the primary document (secondary copy, recollection, or not found).
    Unverified,
}

/// One EU CRM assessment value for a rare earth group.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct EuReference {
    /// Material group: `HREE`, `LREE`, or `all` for method-wide parameters.
    pub material: &'static str,
    /// Parameter: `sr`, `ei`, `eol_rir`, `si_sr`, `ir`, `trade_t`, `threshold_sr`,
    /// `threshold_ei`.
    pub parameter: &'static str,
    /// Value (fractions for rates), `None` where no value was found.
    pub value: Option<f64>,
    /// Assessment (list year).
    pub list: i32,
    /// Where the value comes from.
    pub source: &'static str,
    /// Verification status.
    pub status: Verification,
    /// Low and high end of the range where the value is a labelled assumption, else `None`.
    pub range: Option<[f64; 2]>,
}

const DW: &str = "COM(2020) 474 as tabulated by the DW data team, repo dw-data/crm, \
                  crm_analyse.ods sheet '7) Recycling' [secondary] (facts-trade.md §B)";
const SCRREEN2: &str = "SCRREEN2 rare earth factsheet for the 2023 assessment \
                        (scrreen.eu, SCRREEN2_factsheets_REE-EUROSTAT.pdf), as tabulated in \
                        geopolrisk-py 2.0.1's HS Code Map, column 'EoL-RIR (2023)', one value \
                        for all rare earths [secondary; the factsheet was not read]";
const MEMORY: &str = "recollection recorded in anchors.md §4.4; not found in the public \
                      material searched (facts-trade.md §B)";
const SI_SR_ASSUMPTION: &str = "ASSUMPTION (Lodestone), not a published value: the \
                                 HREE/LREE SI_SR of the 2017, 2020 and 2023 factsheets was \
                                 not found (facts-trade.md §B; searched again for issue #22). \
                                 SI_SR lies in 0–1 by construction and is near 1 where \
                                 substitutes are few or weaker, as for rare earths \
                                 (dynamics.md E07; H13: ferrite magnets ≈ 1/3 the strength), \
                                 so 0.95 with range 0.85–1.00; SR scales linearly with it \
                                 (sr_low, sr_high)";
const NOT_FOUND: &str = "not found: 2020/2023 factsheets and Final Report annex not \
                         retrieved (facts-trade.md §B)";

/// SI_SR used for both groups: a labelled assumption ([`SI_SR_RANGE`]), not a sourced value.
pub const SI_SR_ASSUMED: f64 = 0.95;
/// Range of the SI_SR assumption (low, high); SR is reported at both ends.
pub const SI_SR_RANGE: [f64; 2] = [0.85, 1.0];

/// EU CRM assessment values for rare earths (HREE = Dy, Er, Eu, Gd, Ho, Lu, Tb, Tm, Yb, Y;
/// LREE = Ce, La, Nd, Pr, Sm — 2023 grouping, facts-trade.md §B), from
/// `shared/reference/facts-trade.md` §B and, for the 2023 EoL-RIR, the SCRREEN2 factsheet
/// as tabulated in geopolrisk-py. **Every value is `unverified`**: none could be
/// checked against the EU factsheets or the Final Report. IR and the trade variable `t` were
/// not found at all (`value = None`; Lodestone computes its own IR and uses `t = 1`). SI_SR
/// was not found either: its rows carry a labelled assumption with its `range`.
pub const EU_CRM_RARE_EARTHS: &[EuReference] = &[
    EuReference {
        material: "HREE",
        parameter: "eol_rir",
        value: Some(0.01),
        list: 2023,
        source: SCRREEN2,
        status: Verification::Unverified,
        range: None,
    },
    EuReference {
        material: "LREE",
        parameter: "eol_rir",
        value: Some(0.01),
        list: 2023,
        source: SCRREEN2,
        status: Verification::Unverified,
        range: None,
    },
    EuReference {
        material: "HREE",
        parameter: "eol_rir",
        value: Some(0.08),
        list: 2020,
        source: DW,
        status: Verification::Unverified,
        range: None,
    },
    EuReference {
        material: "LREE",
        parameter: "eol_rir",
        value: Some(0.03),
        list: 2020,
        source: DW,
        status: Verification::Unverified,
        range: None,
    },
    EuReference {
        material: "HREE",
        parameter: "sr",
        value: Some(5.6),
        list: 2020,
        source: MEMORY,
        status: Verification::Unverified,
        range: None,
    },
    EuReference {
        material: "LREE",
        parameter: "sr",
        value: Some(4.3),
        list: 2020,
        source: MEMORY,
        status: Verification::Unverified,
        range: None,
    },
    EuReference {
        material: "HREE",
        parameter: "ei",
        value: Some(3.9),
        list: 2020,
        source: MEMORY,
        status: Verification::Unverified,
        range: None,
    },
    EuReference {
        material: "LREE",
        parameter: "ei",
        value: Some(3.6),
        list: 2020,
        source: MEMORY,
        status: Verification::Unverified,
        range: None,
    },
    EuReference {
        material: "all",
        parameter: "threshold_sr",
        value: Some(1.0),
        list: 2020,
        source: "anchors.md, as quoted in facts-trade.md §B",
        status: Verification::Unverified,
        range: None,
    },
    EuReference {
        material: "all",
        parameter: "threshold_ei",
        value: Some(2.8),
        list: 2020,
        source: "anchors.md, as quoted in facts-trade.md §B",
        status: Verification::Unverified,
        range: None,
    },
    EuReference {
        material: "HREE",
        parameter: "si_sr",
        value: Some(SI_SR_ASSUMED),
        list: 2023,
        source: SI_SR_ASSUMPTION,
        status: Verification::Unverified,
        range: Some(SI_SR_RANGE),
    },
    EuReference {
        material: "LREE",
        parameter: "si_sr",
        value: Some(SI_SR_ASSUMED),
        list: 2023,
        source: SI_SR_ASSUMPTION,
        status: Verification::Unverified,
        range: Some(SI_SR_RANGE),
    },
    EuReference {
        material: "HREE",
        parameter: "ir",
        value: None,
        list: 2020,
        source: NOT_FOUND,
        status: Verification::Unverified,
        range: None,
    },
    EuReference {
        material: "LREE",
        parameter: "ir",
        value: None,
        list: 2020,
        source: NOT_FOUND,
        status: Verification::Unverified,
        range: None,
    },
    EuReference {
        material: "all",
        parameter: "trade_t",
        value: None,
        list: 2017,
        source: "t table of Blengini et al. 2017 not retrieved; remembered values are [U], \
                 'do not implement without the document' (facts-trade.md §B); Lodestone uses t = 1",
        status: Verification::Unverified,
        range: None,
    },
];

/// The reference value of `parameter` for `material` (or `all`), if one is listed: the
/// first row, i.e. the latest list where the table has several.
pub fn eu_reference(material: &str, parameter: &str) -> Option<&'static EuReference> {
    EU_CRM_RARE_EARTHS
        .iter()
        .find(|r| r.parameter == parameter && (r.material == material || r.material == "all"))
}

// ---------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------

/// Concentration of one stage's production by country.
#[derive(Debug, Clone, Serialize, Default, PartialEq)]
pub struct Concentration {
    /// World output of the stage, t (basis as in `production`).
    pub total_t: f64,
    /// HHI on fractions, 0–1.
    pub hhi: f64,
    /// HHI in points, 0–10,000.
    pub hhi_points: f64,
    /// Share of the three largest producing countries.
    pub top3_share: f64,
    /// The three largest producing countries, largest first.
    pub top3: Vec<String>,
}

/// Net import reliance of one market at one stage (USGS definition).
#[derive(Debug, Clone, Serialize, Default, PartialEq)]
pub struct NetImportReliance {
    /// Output of the market's facilities at the stage, t.
    pub production: f64,
    /// Imports of the stage's materials from other markets, t.
    pub imports: f64,
    /// Exports to other markets (their imports from this market), t.
    pub exports: f64,
    /// Stock increase over the year (end − start), t.
    pub stock_change: f64,
    /// Producers' surplus stockpiled or discarded in the year, t: not consumed, so it is
    /// treated like a stock build.
    pub surplus: f64,
    /// Production + imports − exports − stock change − surplus, t.
    pub apparent_consumption: f64,
    /// NIR as a fraction; `null` when apparent consumption ≤ 0; negative for a net
    /// exporter.
    pub nir: Option<f64>,
    /// True when NIR is negative (USGS prints "E").
    pub net_exporter: bool,
}

/// One supplier's part in a GeoPolRisk score: what it sold to the importer and its
/// instability indicator `g`.
#[derive(Debug, Clone, Serialize, Default, PartialEq)]
pub struct Supplier {
    /// Imports from this supplier market, t.
    pub t: f64,
    /// `(2.5 − PV)/5` clipped to 0..1 (`governance.csv` of the year); `null` when missing.
    pub g: Option<f64>,
}

/// GeoPolRisk score of one importing market at one stage (`stage` convention: the HHI,
/// domestic output and imports of the traded stage itself).
#[derive(Debug, Clone, Serialize, Default, PartialEq)]
pub struct GeoPolRisk {
    /// `stage`.
    pub convention: &'static str,
    /// HHI of world production of the stage (0–1).
    pub hhi: f64,
    /// Domestic output of the stage `p`, t.
    pub production: f64,
    /// Imports by supplier market (the inputs `f_i`, `g_i`).
    pub suppliers: BTreeMap<String, Supplier>,
    /// Gross import share `F / (p + F)`.
    pub import_share: f64,
    /// `Σ g_i f_i / (p + F)`; `null` when a supplier's governance is missing.
    pub import_risk: Option<f64>,
    /// `hhi × import_risk`; `null` when a supplier's governance is missing.
    pub score: Option<f64>,
    /// Supplier markets with imports but no governance score.
    pub missing_governance: Vec<String>,
}

/// GeoPolRisk score of one importing market in geopolrisk-py's convention (`reference`):
/// the HHI of world **mine** output, the market's own mine output as `p`, and imports of
/// separated compounds and metals (HS 2846, 2805.30: the separation and metal stages) as
/// `F`, with the characterisation factor. A bloc market (EU) is one node, so its score is
/// the package's extra-EU variant (trade between members is not imports).
#[derive(Debug, Clone, Serialize, Default, PartialEq)]
pub struct GeoPolRiskReference {
    /// `reference`.
    pub convention: &'static str,
    /// HHI of world mine production (0–1).
    pub hhi: f64,
    /// The market's mine output `p`, t REO.
    pub production: f64,
    /// Imports of separated products and metals by supplier market.
    pub suppliers: BTreeMap<String, Supplier>,
    /// Gross import share `F / (p + F)`.
    pub import_share: f64,
    /// `Σ g_i f_i / (p + F)`; `null` when a supplier's governance is missing.
    pub import_risk: Option<f64>,
    /// `hhi × import_risk`; `null` when a supplier's governance is missing.
    pub score: Option<f64>,
    /// Unit value of the imports, USD/kg: tonnage-weighted price of each imported material
    /// at the importing market in the year, else its reference price (`materials.csv`).
    pub price_usd_per_kg: Option<f64>,
    /// Characterisation factor, kg Cu-eq/kg ([`characterisation_factor`]).
    pub cf_kg_cu_eq: Option<f64>,
    /// Supplier markets with imports but no governance score.
    pub missing_governance: Vec<String>,
}

/// EU supply risk of one stage for one rare earth group, with its inputs.
#[derive(Debug, Clone, Serialize, Default, PartialEq)]
pub struct EuSupplyRisk {
    /// SR; `null` unless every input below is present.
    pub sr: Option<f64>,
    /// SR at the low end of the SI_SR assumption's range (`si_sr_range`).
    pub sr_low: Option<f64>,
    /// SR at the high end of the SI_SR assumption's range.
    pub sr_high: Option<f64>,
    /// The years whose flows are averaged (this year and up to 4 earlier years of the run).
    pub years: Vec<i32>,
    /// World output of the group's elements at the stage, t REO per year averaged over
    /// `years` (each material's tonnes × its content of the group's elements).
    pub global_t: f64,
    /// The three largest producing countries of the group's elements and their shares.
    pub global_top3: Vec<(String, f64)>,
    /// Governance-weighted HHI of world production of the group's elements (0–10).
    pub hhi_wgi_gs: Option<f64>,
    /// Governance-weighted HHI of the EU sourcing mix: EU production + imports (0–10).
    pub hhi_wgi_eu: Option<f64>,
    /// (imports − exports) / (production + imports − exports), clamped to 0–1.
    pub import_reliance: Option<f64>,
    /// End-of-life recycling input rate (reference table).
    pub eol_rir: Option<f64>,
    /// Substitution index for supply risk (reference table: a labelled assumption).
    pub si_sr: Option<f64>,
    /// Range of SI_SR where it is an assumption (low, high).
    pub si_sr_range: Option<[f64; 2]>,
    /// Trade-related variable used (1: official table not verified).
    pub trade_t: f64,
    /// Inputs that are missing (`wgi_average:<id>`, `si_sr`, …).
    pub missing: Vec<String>,
    /// Parameters whose official values could not be verified.
    pub unverified: Vec<String>,
    /// Inputs that are labelled assumptions rather than sourced values (`si_sr`).
    pub assumed: Vec<String>,
}

/// EU supply risk of one rare earth group at its bottleneck: the stage (extraction =
/// `mining`, processing = `separation`) with the higher SR, as the method assesses both
/// stages and keeps the maximum.
#[derive(Debug, Clone, Serialize, Default, PartialEq)]
pub struct EuBottleneck {
    /// The stage with the higher SR; `null` unless both stages have an SR.
    pub stage: Option<String>,
    /// SR at that stage.
    pub sr: Option<f64>,
    /// Its SR at the low end of the SI_SR range.
    pub sr_low: Option<f64>,
    /// Its SR at the high end of the SI_SR range.
    pub sr_high: Option<f64>,
}

/// Risk indices of one year (`annual[year].indices`).
#[derive(Debug, Clone, Serialize, Default, PartialEq)]
pub struct IndicesYear {
    /// Stage → concentration of production by country.
    pub concentration: BTreeMap<String, Concentration>,
    /// Market with demand → stage → net import reliance.
    pub net_import_reliance: BTreeMap<String, BTreeMap<String, NetImportReliance>>,
    /// Importing market → stage → GeoPolRisk, `stage` convention.
    pub geopolrisk: BTreeMap<String, BTreeMap<String, GeoPolRisk>>,
    /// Importing market → GeoPolRisk, `reference` convention (geopolrisk-py's).
    pub geopolrisk_reference: BTreeMap<String, GeoPolRiskReference>,
    /// EU market: stage (`mining` = extraction, `separation` = processing) → group
    /// (`HREE`, `LREE`) → supply risk. Empty when the dataset has no `EU` market.
    pub eu_supply_risk: BTreeMap<String, BTreeMap<String, EuSupplyRisk>>,
    /// EU market: group → SR at the bottleneck stage ([`EuBottleneck`]).
    pub eu_supply_risk_bottleneck: BTreeMap<String, EuBottleneck>,
}

// ---------------------------------------------------------------------------------------
// Computation over a run's annual summary
// ---------------------------------------------------------------------------------------

/// Treat solver-noise tonnages as zero.
fn clean(x: f64) -> f64 {
    if x.abs() < 1e-6 { 0.0 } else { x }
}

/// Derive one year's indices from its summary (production, imports, stocks, surplus must
/// be filled, i.e. after `metrics::compute`). Cheap: aggregations over the annual maps and
/// one read of the year's opening stocks.
///
/// Bases: tonnes of the stage's materials as in `production` (t REO for mining and
/// separation, t metal, t magnet); imports and exports are market-to-market trade of
/// materials of that stage. Governance is the year's `governance.csv` row of the country
/// whose id is the supplier's market id (the last year's after the table ends).
///
/// `window` = the years (with their summaries) whose flows the EU supply risk averages:
/// `year` and up to [`EU_AVERAGING_YEARS`] − 1 earlier years of the run.
pub fn compute(
    r: &RunResult,
    year: i32,
    y: &YearSummary,
    window: &[(i32, &YearSummary)],
) -> IndicesYear {
    let lk = Lookups::new(r, year);
    let flows = Flows::gather(r, year, y, &lk);
    let concentration = concentration(y);
    let net_import_reliance = net_import_reliance_rows(r, &flows);
    let geopolrisk = geopolrisk_rows(&flows, &concentration, &lk);
    let geopolrisk_reference = reference_rows(r, y, &flows, &concentration, &lk);
    let eu_supply_risk = if r.network.markets.iter().any(|m| m == "EU") {
        eu_supply_risk_rows(r, window, &lk)
    } else {
        BTreeMap::new()
    };
    let eu_supply_risk_bottleneck = eu_bottleneck(&eu_supply_risk);
    IndicesYear {
        concentration,
        net_import_reliance,
        geopolrisk,
        geopolrisk_reference,
        eu_supply_risk,
        eu_supply_risk_bottleneck,
    }
}

/// Lookups by id for one run.
struct Lookups<'a> {
    /// Chain stage of each material id (materials of `other` stage or none left out).
    stage_of: HashMap<&'a str, Stage>,
    /// Market id of each country id.
    country_market: HashMap<&'a str, &'a str>,
    /// Governance of each country id in the year.
    governance: HashMap<&'a str, &'a Governance>,
    /// The EU method's WGI score (0–10) of each country id: the latest sourced up to the year.
    eu_wgi: HashMap<&'a str, f64>,
}

impl<'a> Lookups<'a> {
    /// The lookups of a run's dataset and network for `year`.
    fn new(r: &'a RunResult, year: i32) -> Lookups<'a> {
        let ds = &r.data;
        let net = &r.network;
        let stage_of: HashMap<&str, Stage> = ds
            .materials
            .iter()
            .filter_map(|m| {
                m.stage
                    .filter(|s| *s != Stage::Other)
                    .map(|s| (m.id.as_str(), s))
            })
            .collect();
        let country_market: HashMap<&str, &str> = ds
            .countries
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.as_str(), net.markets[net.country_market[i]].as_str()))
            .collect();
        let governance: HashMap<&str, &Governance> = ds
            .countries
            .iter()
            .filter_map(|c| Some((c.id.as_str(), ds.governance_of(&c.id, year)?)))
            .collect();
        let mut latest: HashMap<&str, (i32, f64)> = HashMap::new();
        for g in ds.governance.iter().filter(|g| g.year <= year) {
            if let Some(w) = g.eu_wgi() {
                let e = latest.entry(g.country.as_str()).or_insert((g.year, w));
                if g.year >= e.0 {
                    *e = (g.year, w);
                }
            }
        }
        Lookups {
            stage_of,
            country_market,
            governance,
            eu_wgi: latest.into_iter().map(|(c, (_, w))| (c, w)).collect(),
        }
    }

    /// GeoPolRisk instability `g` (0–1) of a country (or market) id, if known.
    fn g(&self, id: &str) -> Option<f64> {
        self.governance.get(id).map(|g| g.geopolrisk_g())
    }

    /// The EU method's governance score (0–10) of a country (or market) id: its latest
    /// six-indicator WGI mean up to the year, if sourced.
    fn eu_wgi(&self, id: &str) -> Option<f64> {
        self.eu_wgi.get(id).copied()
    }
}

/// Concentration of production by country, per stage with positive output.
fn concentration(y: &YearSummary) -> BTreeMap<String, Concentration> {
    let mut out = BTreeMap::new();
    for stage in Stage::CHAIN {
        let Some(by) = y.production.get(stage.as_str()) else {
            continue;
        };
        let names: Vec<&String> = by.keys().collect();
        let vals: Vec<f64> = by.values().copied().collect();
        let s = shares(&vals);
        if s.is_empty() {
            continue;
        }
        let mut order: Vec<usize> = (0..s.len()).collect();
        order.sort_by(|&a, &b| s[b].total_cmp(&s[a]).then(a.cmp(&b)));
        out.insert(
            stage.as_str().to_string(),
            Concentration {
                total_t: vals.iter().map(|v| v.max(0.0)).sum(),
                hhi: hhi(&s),
                hhi_points: hhi_points(&s),
                top3_share: top_n_share(&s, 3),
                top3: order.iter().take(3).map(|&i| names[i].clone()).collect(),
            },
        );
    }
    out
}

/// (market or country id, stage).
type Key<'a> = (&'a str, Stage);

/// One year's tonnages per (market, stage): the inputs of the indices.
struct Flows<'a> {
    /// Production by market.
    prod: BTreeMap<Key<'a>, f64>,
    /// Imports from other markets.
    imp: BTreeMap<Key<'a>, f64>,
    /// Exports to other markets.
    exp: BTreeMap<Key<'a>, f64>,
    /// Imports by supplier market.
    by_supplier: BTreeMap<Key<'a>, BTreeMap<&'a str, f64>>,
    /// Stock change over the year (end − opening).
    dstock: BTreeMap<Key<'a>, f64>,
    /// Producers' surplus stockpiled or discarded.
    surplus: BTreeMap<Key<'a>, f64>,
}

impl<'a> Flows<'a> {
    /// Aggregate one year's summary (and the opening stocks of its first period).
    fn gather(r: &'a RunResult, year: i32, y: &'a YearSummary, lk: &Lookups<'a>) -> Flows<'a> {
        let mut f = Flows {
            prod: BTreeMap::new(),
            imp: BTreeMap::new(),
            exp: BTreeMap::new(),
            by_supplier: BTreeMap::new(),
            dstock: BTreeMap::new(),
            surplus: BTreeMap::new(),
        };
        f.add_production(y, lk);
        f.add_trade(y, lk);
        f.add_stock_changes(r, year, y, lk);
        f
    }

    /// Production by market.
    fn add_production(&mut self, y: &'a YearSummary, lk: &Lookups<'a>) {
        for stage in Stage::CHAIN {
            for (c, t) in y.production.get(stage.as_str()).into_iter().flatten() {
                let m = lk
                    .country_market
                    .get(c.as_str())
                    .copied()
                    .unwrap_or(c.as_str());
                *self.prod.entry((m, stage)).or_default() += t.max(0.0);
            }
        }
    }

    /// Imports, exports and imports by supplier, from trade between distinct markets.
    fn add_trade(&mut self, y: &'a YearSummary, lk: &Lookups<'a>) {
        for (importer, from) in &y.imports_all {
            for (exporter, mats) in from {
                if importer == exporter {
                    continue;
                }
                for (mat, t) in mats {
                    let Some(&stage) = lk.stage_of.get(mat.as_str()) else {
                        continue;
                    };
                    *self.imp.entry((importer.as_str(), stage)).or_default() += t;
                    *self.exp.entry((exporter.as_str(), stage)).or_default() += t;
                    *self
                        .by_supplier
                        .entry((importer.as_str(), stage))
                        .or_default()
                        .entry(exporter.as_str())
                        .or_default() += t;
                }
            }
        }
    }

    /// Stock change over the year: end (y.stocks) − opening stocks of the year's first
    /// period; producers' surplus (stockpiled or discarded, so not consumed) apart.
    fn add_stock_changes(
        &mut self,
        r: &'a RunResult,
        year: i32,
        y: &'a YearSummary,
        lk: &Lookups<'a>,
    ) {
        let net = &r.network;
        for (acc, map) in [
            (&mut self.dstock, &y.stocks),
            (&mut self.surplus, &y.surplus),
        ] {
            for (m, mats) in map {
                for (mat, t) in mats {
                    if let Some(&stage) = lk.stage_of.get(mat.as_str()) {
                        *acc.entry((m.as_str(), stage)).or_default() += t;
                    }
                }
            }
        }
        if let Some(p) = r.periods.iter().find(|p| p.period.start.year() == year) {
            for (k, sv) in net.stocks.iter().enumerate() {
                let node = &net.nodes[sv.node];
                if let Some(&stage) = lk.stage_of.get(net.materials[node.material].as_str()) {
                    *self
                        .dstock
                        .entry((net.markets[node.market].as_str(), stage))
                        .or_default() -= p.inputs.stock_begin.get(k).copied().unwrap_or(0.0);
                }
            }
        }
    }
}

/// A tonnage of a map, solver noise as zero.
fn get(m: &BTreeMap<Key, f64>, k: Key) -> f64 {
    clean(m.get(&k).copied().unwrap_or(0.0))
}

/// Net import reliance for every market with demand, per stage.
fn net_import_reliance_rows(
    r: &RunResult,
    f: &Flows,
) -> BTreeMap<String, BTreeMap<String, NetImportReliance>> {
    let net = &r.network;
    let mut out: BTreeMap<String, BTreeMap<String, NetImportReliance>> = BTreeMap::new();
    let mut demand_markets: Vec<&str> = net
        .demands
        .iter()
        .map(|d| net.markets[net.nodes[d.node].market].as_str())
        .collect();
    demand_markets.sort_unstable();
    demand_markets.dedup();
    for &m in &demand_markets {
        let row = out.entry(m.to_string()).or_default();
        for stage in Stage::CHAIN {
            let (p, i, x, ds_, w) = (
                get(&f.prod, (m, stage)),
                get(&f.imp, (m, stage)),
                get(&f.exp, (m, stage)),
                get(&f.dstock, (m, stage)),
                get(&f.surplus, (m, stage)),
            );
            let nir = net_import_reliance(p, i, x, ds_ + w);
            row.insert(
                stage.as_str().to_string(),
                NetImportReliance {
                    production: p,
                    imports: i,
                    exports: x,
                    stock_change: ds_,
                    surplus: w,
                    apparent_consumption: p + i - x - ds_ - w,
                    nir,
                    // also where apparent consumption is only round-off (everything
                    // produced is exported): USGS's "E"
                    net_exporter: nir.map_or(x + ds_ + w > i && p > 0.0, |v| v < 0.0),
                },
            );
        }
    }
    out
}

/// An import mix read for GeoPolRisk: the suppliers with their `g`, the list for
/// [`import_risk`] and the suppliers with imports but no governance.
struct SupplierInputs {
    rows: BTreeMap<String, Supplier>,
    list: Vec<(f64, Option<f64>)>,
    missing: Vec<String>,
}

/// The [`SupplierInputs`] of an import mix (supplier market → t).
fn supplier_inputs(sup: &BTreeMap<&str, f64>, lk: &Lookups) -> SupplierInputs {
    let rows: BTreeMap<String, Supplier> = sup
        .iter()
        .map(|(s, t)| (s.to_string(), Supplier { t: *t, g: lk.g(s) }))
        .collect();
    let list = rows.values().map(|x| (x.t, x.g)).collect();
    let missing = rows
        .iter()
        .filter(|(_, x)| x.t > 0.0 && x.g.is_none())
        .map(|(s, _)| s.clone())
        .collect();
    SupplierInputs {
        rows,
        list,
        missing,
    }
}

/// GeoPolRisk for every importing market and stage (`stage` convention).
fn geopolrisk_rows(
    f: &Flows,
    concentration: &BTreeMap<String, Concentration>,
    lk: &Lookups,
) -> BTreeMap<String, BTreeMap<String, GeoPolRisk>> {
    let mut out: BTreeMap<String, BTreeMap<String, GeoPolRisk>> = BTreeMap::new();
    for (&(m, stage), sup) in &f.by_supplier {
        let f_total: f64 = sup.values().sum();
        if clean(f_total) <= 0.0 {
            continue;
        }
        let hhi_g = concentration.get(stage.as_str()).map_or(0.0, |c| c.hhi);
        let p = get(&f.prod, (m, stage));
        let SupplierInputs {
            rows: suppliers,
            list,
            missing,
        } = supplier_inputs(sup, lk);
        let risk = import_risk(p, &list);
        out.entry(m.to_string()).or_default().insert(
            stage.as_str().to_string(),
            GeoPolRisk {
                convention: "stage",
                hhi: hhi_g,
                production: p,
                suppliers,
                import_share: f_total / (p + f_total),
                import_risk: risk,
                score: risk.map(|x| hhi_g * x),
                missing_governance: missing,
            },
        );
    }
    out
}

/// GeoPolRisk in geopolrisk-py's convention for every market importing separated
/// products or metals: mine HHI, mine output, imports of the separation and metal stages.
fn reference_rows(
    r: &RunResult,
    y: &YearSummary,
    f: &Flows,
    concentration: &BTreeMap<String, Concentration>,
    lk: &Lookups,
) -> BTreeMap<String, GeoPolRiskReference> {
    let hhi_mine = concentration.get("mining").map_or(0.0, |c| c.hhi);
    let mut out = BTreeMap::new();
    for (importer, from) in &y.imports_all {
        let mut sup: BTreeMap<&str, f64> = BTreeMap::new();
        let (mut value, mut priced) = (0.0, 0.0);
        for (exporter, mats) in from.iter().filter(|(x, _)| *x != importer) {
            for (mat, t) in mats {
                let stage = lk.stage_of.get(mat.as_str());
                if !matches!(stage, Some(Stage::Separation | Stage::Metal)) || *t <= 0.0 {
                    continue;
                }
                *sup.entry(exporter.as_str()).or_default() += t;
                if let Some(p) = import_price(r, y, importer, mat) {
                    value += t * p;
                    priced += t;
                }
            }
        }
        let f_total: f64 = sup.values().sum();
        if clean(f_total) <= 0.0 {
            continue;
        }
        let p = get(&f.prod, (importer.as_str(), Stage::Mining));
        let SupplierInputs {
            rows: suppliers,
            list,
            missing,
        } = supplier_inputs(&sup, lk);
        let risk = import_risk(p, &list);
        let score = risk.map(|x| hhi_mine * x);
        let price = (priced > 0.0).then(|| value / priced);
        out.insert(
            importer.clone(),
            GeoPolRiskReference {
                convention: "reference",
                hhi: hhi_mine,
                production: p,
                suppliers,
                import_share: f_total / (p + f_total),
                import_risk: risk,
                score,
                price_usd_per_kg: price,
                cf_kg_cu_eq: score.zip(price).map(|(s, p)| characterisation_factor(s, p)),
                missing_governance: missing,
            },
        );
    }
    out
}

/// Price of `mat` at the importing market in the year (USD/kg), else its reference price.
fn import_price(r: &RunResult, y: &YearSummary, market: &str, mat: &str) -> Option<f64> {
    y.prices
        .get(market)
        .and_then(|m| m.get(mat))
        .copied()
        .filter(|p| p.is_finite() && *p > 0.0)
        .or_else(|| {
            r.data
                .materials
                .iter()
                .find(|m| m.id == mat)
                .and_then(|m| m.ref_price)
        })
}

/// Years whose flows the EU supply risk averages (the year and earlier years of the run):
/// the method averages several recent years; 5 is the window as the project reads the
/// 2017 methodology, not verified against the document (facts-trade.md §B) — an
/// ASSUMPTION, range 1–5 years.
pub const EU_AVERAGING_YEARS: usize = 5;

/// The years of a run (`years`) whose flows the EU supply risk of `year` averages: `year`
/// and the run's years before it, at most [`EU_AVERAGING_YEARS`] in all, in order.
pub fn eu_window(years: &[i32], year: i32) -> Vec<i32> {
    let span = EU_AVERAGING_YEARS as i32;
    let mut w: Vec<i32> = years
        .iter()
        .copied()
        .filter(|y| *y <= year && *y > year - span)
        .collect();
    w.sort_unstable();
    w.dedup();
    w
}

/// The EU's rare earth groups (2023 grouping, facts-trade.md §B) and their elements; Sc
/// and Pm belong to neither.
pub const EU_RE_GROUPS: [(&str, &[&str]); 2] = [
    (
        "HREE",
        &["Dy", "Er", "Eu", "Gd", "Ho", "Lu", "Tb", "Tm", "Yb", "Y"],
    ),
    ("LREE", &["Ce", "La", "Nd", "Pr", "Sm"]),
];

/// One stage's tonnages for one rare earth group, in t REO of the group's elements (each
/// material's tonnes × its content of those elements, `compositions.csv`).
#[derive(Default)]
struct GroupFlows<'a> {
    /// World output by producing country.
    world: BTreeMap<&'a str, f64>,
    /// EU sourcing: output of EU plants by country, then imports by supplier market.
    eu_src: BTreeMap<&'a str, f64>,
    /// EU output.
    eu_prod: f64,
    /// EU imports from other markets.
    eu_imp: f64,
    /// EU exports to other markets.
    eu_exp: f64,
}

/// The content of a group's elements per tonne of each material id: the sum of its
/// composition fractions over those elements (0 for a material without a composition).
fn group_fraction<'a>(r: &'a RunResult, elements: &[&str]) -> HashMap<&'a str, f64> {
    r.data
        .materials
        .iter()
        .map(|m| {
            let f = elements.iter().filter_map(|e| m.composition.get(*e)).sum();
            (m.id.as_str(), f)
        })
        .collect()
}

impl<'a> GroupFlows<'a> {
    /// The group's flows at `stage` in `year`, weighted by the content `frac`.
    fn gather(
        r: &'a RunResult,
        year: i32,
        y: &'a YearSummary,
        lk: &Lookups<'a>,
        stage: Stage,
        frac: &HashMap<&str, f64>,
    ) -> GroupFlows<'a> {
        let mut g = GroupFlows::default();
        g.add_production(r, year, lk, stage, frac);
        g.add_trade(y, lk, stage, frac);
        g.eu_prod = clean(g.eu_prod);
        g.eu_imp = clean(g.eu_imp);
        g.eu_exp = clean(g.eu_exp);
        g
    }

    /// The group's flows at `stage` summed over the `window` years (so shares and IR are
    /// those of the years' average tonnages).
    fn over(
        r: &'a RunResult,
        window: &[(i32, &'a YearSummary)],
        lk: &Lookups<'a>,
        stage: Stage,
        frac: &HashMap<&str, f64>,
    ) -> GroupFlows<'a> {
        let mut g = GroupFlows::default();
        for &(year, y) in window {
            let one = GroupFlows::gather(r, year, y, lk, stage, frac);
            for (mine, theirs) in [(&mut g.world, one.world), (&mut g.eu_src, one.eu_src)] {
                for (c, t) in theirs {
                    *mine.entry(c).or_default() += t;
                }
            }
            g.eu_prod += one.eu_prod;
            g.eu_imp += one.eu_imp;
            g.eu_exp += one.eu_exp;
        }
        g
    }

    /// Output of the stage's materials in the year's periods, by facility country.
    fn add_production(
        &mut self,
        r: &'a RunResult,
        year: i32,
        lk: &Lookups<'a>,
        stage: Stage,
        frac: &HashMap<&str, f64>,
    ) {
        let ds = &r.data;
        for (pi, _) in (r.periods.iter().enumerate()).filter(|(_, p)| p.period.start.year() == year)
        {
            for (mat, country, t) in crate::summary::material_output(r, pi) {
                let m = &ds.materials[mat];
                if m.stage != Some(stage) {
                    continue;
                }
                let w = t.max(0.0) * frac.get(m.id.as_str()).copied().unwrap_or(0.0);
                let c = ds.countries[country].id.as_str();
                *self.world.entry(c).or_default() += w;
                if lk.country_market.get(c) == Some(&"EU") {
                    *self.eu_src.entry(c).or_default() += w;
                    self.eu_prod += w;
                }
            }
        }
    }

    /// EU imports by supplier market and EU exports of the stage's materials.
    fn add_trade(
        &mut self,
        y: &'a YearSummary,
        lk: &Lookups<'a>,
        stage: Stage,
        frac: &HashMap<&str, f64>,
    ) {
        for (importer, from) in &y.imports_all {
            for (exporter, mats) in from.iter().filter(|(x, _)| *x != importer) {
                for (mat, t) in mats {
                    if lk.stage_of.get(mat.as_str()) != Some(&stage) {
                        continue;
                    }
                    let w = t * frac.get(mat.as_str()).copied().unwrap_or(0.0);
                    if importer == "EU" {
                        *self.eu_src.entry(exporter.as_str()).or_default() += w;
                        self.eu_imp += w;
                    }
                    if exporter == "EU" {
                        self.eu_exp += w;
                    }
                }
            }
        }
    }
}

/// EU supply risk, extraction (mining) and processing (separation), per rare earth group,
/// each group's supplier shares weighted by its element content.
fn eu_supply_risk_rows<'a>(
    r: &'a RunResult,
    window: &[(i32, &'a YearSummary)],
    lk: &Lookups<'a>,
) -> BTreeMap<String, BTreeMap<String, EuSupplyRisk>> {
    let mut out: BTreeMap<String, BTreeMap<String, EuSupplyRisk>> = BTreeMap::new();
    for (group, elements) in EU_RE_GROUPS {
        let frac = group_fraction(r, elements);
        for stage in [Stage::Mining, Stage::Separation] {
            let f = GroupFlows::over(r, window, lk, stage, &frac);
            let world: Vec<(&str, f64)> = f.world.iter().map(|(c, t)| (*c, *t)).collect();
            let eu_src: Vec<(&str, f64)> = f.eu_src.iter().map(|(c, t)| (*c, *t)).collect();
            let mut miss = Vec::new();
            let gs = weighted_hhi(&world, lk, &mut miss);
            let eu = weighted_hhi(&eu_src, lk, &mut miss);
            if gs.is_none() && clean(f.world.values().sum()) <= 0.0 {
                miss.push("global_production".into());
            }
            if eu.is_none() && clean(f.eu_src.values().sum()) <= 0.0 {
                miss.push("eu_sourcing".into());
            }
            let ir =
                net_import_reliance(f.eu_prod, f.eu_imp, f.eu_exp, 0.0).map(|v| v.clamp(0.0, 1.0));
            let row = EuSupplyRisk {
                years: window.iter().map(|w| w.0).collect(),
                global_t: f.world.values().sum::<f64>() / window.len().max(1) as f64,
                global_top3: top3(&world),
                ..eu_group_risk(group, gs, eu, ir, miss)
            };
            out.entry(stage.as_str().to_string())
                .or_default()
                .insert(group.to_string(), row);
        }
    }
    out
}

/// The three largest entries of a supply mix with their shares (largest first).
fn top3(list: &[(&str, f64)]) -> Vec<(String, f64)> {
    let s = shares(&list.iter().map(|x| x.1).collect::<Vec<_>>());
    let mut v: Vec<(String, f64)> = list
        .iter()
        .zip(s)
        .map(|((c, _), sh)| (c.to_string(), sh))
        .collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    v.truncate(3);
    v
}

/// The bottleneck of each rare earth group: of extraction (`mining`) and processing
/// (`separation`), the stage with the higher SR (extraction on a tie); no stage and no SR
/// unless both stages have one.
fn eu_bottleneck(
    rows: &BTreeMap<String, BTreeMap<String, EuSupplyRisk>>,
) -> BTreeMap<String, EuBottleneck> {
    let sr_of = |stage: &str, group: &str| {
        let e = rows.get(stage)?.get(group)?;
        e.sr.map(|v| (v, e))
    };
    let mut out = BTreeMap::new();
    let groups: BTreeSet<&String> = rows.values().flat_map(|m| m.keys()).collect();
    for group in groups {
        let pick = match (sr_of("mining", group), sr_of("separation", group)) {
            (Some(m), Some(p)) if p.0 > m.0 => Some(("separation", p.1)),
            (Some(m), Some(_)) => Some(("mining", m.1)),
            _ => None,
        };
        let b = pick.map_or_else(EuBottleneck::default, |(stage, e)| EuBottleneck {
            stage: Some(stage.to_string()),
            sr: e.sr,
            sr_low: e.sr_low,
            sr_high: e.sr_high,
        });
        out.insert(group.clone(), b);
    }
    out
}

/// Governance-weighted HHI of a supply mix `(id, t)`; a supplier with a positive share
/// and no governance score is added to `missing` (once) and makes the result `None`.
fn weighted_hhi(list: &[(&str, f64)], lk: &Lookups, missing: &mut Vec<String>) -> Option<f64> {
    let mut wgi = |id: &str| {
        let g = lk.eu_wgi(id);
        if g.is_none() {
            let tag = format!("wgi_average:{id}");
            if !missing.contains(&tag) {
                missing.push(tag);
            }
        }
        g
    };
    let s = shares(&list.iter().map(|x| x.1).collect::<Vec<_>>());
    if s.is_empty() {
        return None;
    }
    let rows: Vec<WgiShare> = list
        .iter()
        .zip(&s)
        .map(|((id, _), sh)| WgiShare {
            share: *sh,
            wgi: if *sh > 0.0 { wgi(id) } else { None },
            trade_t: 1.0,
        })
        .collect();
    hhi_wgi(&rows)
}

/// EU supply risk of one rare earth group from the stage's HHI_WGI (global `gs`, EU
/// sourcing `eu`), import reliance `ir` and the group's reference values; `miss` lists
/// what is missing so far and gets the rest. SR is also given at both ends of the SI_SR
/// assumption's range.
fn eu_group_risk(
    group: &str,
    gs: Option<f64>,
    eu: Option<f64>,
    ir: Option<f64>,
    mut miss: Vec<String>,
) -> EuSupplyRisk {
    let eol = eu_reference(group, "eol_rir").and_then(|r| r.value);
    let si_ref = eu_reference(group, "si_sr");
    let si = si_ref.and_then(|r| r.value);
    let si_range = si_ref.and_then(|r| r.range);
    for (name, absent) in [
        ("import_reliance", ir.is_none()),
        ("eol_rir", eol.is_none()),
        ("si_sr", si.is_none()),
    ] {
        if absent {
            miss.push(name.into());
        }
    }
    let at = |s: Option<f64>| match (gs, eu, ir, eol, s) {
        (Some(g), Some(e), Some(i), Some(l), Some(s)) => Some(eu_supply_risk(g, e, i, l, s)),
        _ => None,
    };
    EuSupplyRisk {
        sr: at(si),
        sr_low: at(si_range.map(|r| r[0]).or(si)),
        sr_high: at(si_range.map(|r| r[1]).or(si)),
        hhi_wgi_gs: gs,
        hhi_wgi_eu: eu,
        import_reliance: ir,
        eol_rir: eol,
        si_sr: si,
        si_sr_range: si_range,
        trade_t: 1.0,
        missing: miss,
        unverified: ["eol_rir", "si_sr", "trade_t", "wgi_scaling"]
            .map(String::from)
            .to_vec(),
        assumed: si_range.map_or(Vec::new(), |_| vec!["si_sr".to_string()]),
        ..EuSupplyRisk::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn hhi_of_three_suppliers() {
        // 0.5² + 0.3² + 0.2² = 0.25 + 0.09 + 0.04 = 0.38
        assert!(close(hhi(&[0.5, 0.3, 0.2]), 0.38));
        assert!(close(hhi_points(&[0.5, 0.3, 0.2]), 3800.0));
        assert!(close(hhi(&[1.0]), 1.0));
        // shares of tonnes: 50, 30, 20 t → the same fractions
        assert!(close(hhi(&shares(&[50.0, 30.0, 20.0])), 0.38));
        assert!(shares(&[0.0, 0.0]).is_empty());
    }

    #[test]
    fn top_n_shares() {
        // largest three of {0.1, 0.4, 0.2, 0.3}: 0.4 + 0.3 + 0.2 = 0.9
        let s = [0.1, 0.4, 0.2, 0.3];
        assert!(close(top_n_share(&s, 3), 0.9));
        assert!(close(top_n_share(&s, 1), 0.4));
        assert!(close(top_n_share(&s, 10), 1.0));
        assert!(close(top_n_share(&s, 0), 0.0));
    }

    #[test]
    fn net_import_reliance_importer_exporter_and_stocks() {
        // importer: P 20, M 100, X 10, stock build 10 → AC = 20+100−10−10 = 100,
        // NIR = (100−10−10)/100 = 0.80
        let v = net_import_reliance(20.0, 100.0, 10.0, 10.0).unwrap();
        assert!(close(v, 0.80));
        // the same importer drawing 10 t from stocks: AC = 120, NIR = (100−10+10)/120
        let v = net_import_reliance(20.0, 100.0, 10.0, -10.0).unwrap();
        assert!(close(v, 100.0 / 120.0));
        // net exporter: P 100, M 5, X 65 → AC = 40, NIR = (5−65)/40 = −1.5 = 1 − 100/40
        let v = net_import_reliance(100.0, 5.0, 65.0, 0.0).unwrap();
        assert!(close(v, -1.5));
        // no apparent consumption: undefined
        assert_eq!(net_import_reliance(10.0, 0.0, 10.0, 0.0), None);
        assert_eq!(net_import_reliance(0.0, 0.0, 0.0, 0.0), None);
        assert_eq!(net_import_reliance(10.0, 0.0, 5.0, 6.0), None);
        // a market exporting all it mines, up to round-off: undefined, not −10¹⁵
        assert_eq!(net_import_reliance(3000.0, 0.0, 3000.0 - 2e-10, 0.0), None);
        assert_eq!(net_import_reliance(3000.0, 0.0, 2999.999, 0.0), None);
        // a tiny market's round-off write-off: AC = 7e-6 t of 1.2 t made, undefined
        assert_eq!(net_import_reliance(1.2, 0.0, 1.07, 0.13 - 7e-6), None);
        // a real but small apparent consumption still counts: AC = 10 of 3000
        let v = net_import_reliance(3000.0, 0.0, 2990.0, 0.0).unwrap();
        assert!(close(v, -299.0));
    }

    #[test]
    fn geopolrisk_two_suppliers() {
        // world production shares 0.6 / 0.4 → HHI = 0.36 + 0.16 = 0.52
        let h = hhi(&[0.6, 0.4]);
        assert!(close(h, 0.52));
        // importer: p = 20 t; 60 t from A (g = 0.7), 20 t from B (g = 0.2); F = 80
        // import risk = (0.7·60 + 0.2·20) / (20 + 80) = 46 / 100 = 0.46
        // (= import-share-weighted g 0.75·0.7 + 0.25·0.2 = 0.575, × F/(p+F) = 0.8)
        // score = 0.52 × 0.46 = 0.2392
        let imports = [(60.0, Some(0.7)), (20.0, Some(0.2))];
        assert!(close(import_risk(20.0, &imports).unwrap(), 0.46));
        assert!(close(geopolrisk(h, 20.0, &imports).unwrap(), 0.2392));
        // a supplier without an indicator: not guessed
        assert_eq!(
            geopolrisk(h, 20.0, &[(60.0, Some(0.7)), (20.0, None)]),
            None
        );
        // a zero-tonnage supplier without an indicator does not matter
        assert!(geopolrisk(h, 20.0, &[(80.0, Some(0.5)), (0.0, None)]).is_some());
        // nothing produced or imported: undefined
        assert_eq!(geopolrisk(h, 0.0, &[]), None);
    }

    #[test]
    fn eu_supply_risk_by_hand() {
        let row = |share, wgi| WgiShare {
            share,
            wgi: Some(wgi),
            trade_t: 1.0,
        };
        // global supply: 0.8 at WGI 6, 0.2 at WGI 2 → 0.64·6 + 0.04·2 = 3.84 + 0.08 = 3.92
        let gs = hhi_wgi(&[row(0.8, 6.0), row(0.2, 2.0)]).unwrap();
        assert!(close(gs, 3.92));
        // EU sourcing: 0.5 at WGI 6, 0.5 at WGI 3 → 0.25·6 + 0.25·3 = 1.5 + 0.75 = 2.25
        let eu = hhi_wgi(&[row(0.5, 6.0), row(0.5, 3.0)]).unwrap();
        assert!(close(eu, 2.25));
        // IR = 0.6 → IR/2 = 0.3: 3.92·0.3 + 2.25·0.7 = 1.176 + 1.575 = 2.751
        // × (1 − EoL-RIR 0.1) = 2.4759; × SI_SR 0.9 = 2.22831
        let sr = eu_supply_risk(gs, eu, 0.6, 0.1, 0.9);
        assert!((sr - 2.22831).abs() < 1e-9, "{sr}");
        // a missing WGI gives no HHI_WGI
        let none = hhi_wgi(&[
            row(0.5, 6.0),
            WgiShare {
                share: 0.5,
                wgi: None,
                trade_t: 1.0,
            },
        ]);
        assert_eq!(none, None);
    }

    #[test]
    fn eu_reference_table_is_sourced_and_marked() {
        for r in EU_CRM_RARE_EARTHS {
            assert!(!r.source.is_empty(), "{r:?}");
            // nothing could be checked against the EU documents
            assert_eq!(r.status, Verification::Unverified, "{r:?}");
        }
        // the 2023 assessment's EoL-RIR comes before the 2020 list's
        let eol = eu_reference("HREE", "eol_rir").unwrap();
        assert_eq!((eol.value, eol.list), (Some(0.01), 2023));
        assert_eq!(eu_reference("LREE", "eol_rir").unwrap().value, Some(0.01));
        // SI_SR is a labelled assumption with its range, not a sourced value
        for g in ["HREE", "LREE"] {
            let si = eu_reference(g, "si_sr").unwrap();
            assert_eq!((si.value, si.range), (Some(0.95), Some([0.85, 1.0])));
            assert!(si.source.starts_with("ASSUMPTION"), "{si:?}");
        }
        for r in EU_CRM_RARE_EARTHS.iter().filter(|r| r.range.is_some()) {
            let ([lo, hi], v) = (r.range.unwrap(), r.value.unwrap());
            assert!(lo <= v && v <= hi && (0.0..=1.0).contains(&hi), "{r:?}");
        }
        assert_eq!(eu_reference("HREE", "trade_t").unwrap().material, "all");
    }

    #[test]
    fn eu_group_risk_is_a_number_over_the_si_sr_range() {
        // HHI_WGI GS 3.92, EU 2.25, IR 0.6 → 2.751 before EoL-RIR and SI_SR (see
        // eu_supply_risk_by_hand); EoL-RIR 2023 = 0.01 → 2.72349; × SI_SR
        let e = eu_group_risk("HREE", Some(3.92), Some(2.25), Some(0.6), Vec::new());
        let base = 2.751 * (1.0 - 0.01);
        assert!((e.sr.unwrap() - base * 0.95).abs() < 1e-9, "{e:?}");
        assert!((e.sr_low.unwrap() - base * 0.85).abs() < 1e-9);
        assert!((e.sr_high.unwrap() - base).abs() < 1e-9);
        assert!(e.missing.is_empty());
        assert_eq!(e.assumed, ["si_sr"]);
        assert!(e.unverified.iter().any(|u| u == "si_sr"));
        // a missing input still gives null at every SI_SR, and says what is missing
        let e = eu_group_risk(
            "LREE",
            Some(3.92),
            None,
            Some(0.6),
            vec!["wgi_average:XX".into()],
        );
        assert_eq!((e.sr, e.sr_low, e.sr_high), (None, None, None));
        assert_eq!(e.missing, ["wgi_average:XX"]);
    }

    #[test]
    fn eu_bottleneck_is_the_stage_with_the_higher_sr() {
        let e = |sr: Option<f64>| EuSupplyRisk {
            sr,
            sr_low: sr.map(|v| v * 0.9),
            sr_high: sr.map(|v| v * 1.1),
            ..EuSupplyRisk::default()
        };
        let mut rows: BTreeMap<String, BTreeMap<String, EuSupplyRisk>> = BTreeMap::new();
        let mut put = |stage: &str, group: &str, sr| {
            rows.entry(stage.into())
                .or_default()
                .insert(group.into(), e(sr));
        };
        put("mining", "HREE", Some(2.0));
        put("separation", "HREE", Some(3.0));
        put("mining", "LREE", Some(4.0));
        put("separation", "LREE", Some(3.0));
        put("mining", "XREE", Some(4.0));
        put("separation", "XREE", None);
        let b = eu_bottleneck(&rows);
        assert_eq!(b["HREE"].stage.as_deref(), Some("separation"));
        assert_eq!(
            (b["HREE"].sr, b["HREE"].sr_high),
            (Some(3.0), Some(3.0 * 1.1))
        );
        assert_eq!(b["LREE"].stage.as_deref(), Some("mining"));
        assert_eq!(b["LREE"].sr_low, Some(4.0 * 0.9));
        // a stage without an SR: no bottleneck is claimed
        assert_eq!(b["XREE"], EuBottleneck::default());
    }

    /// The shipped dataset and the baseline run over 2024 by quarters.
    fn baseline_2024() -> (lodestone_model::Dataset, RunResult) {
        use lodestone_model::{Dataset, Scenario};
        let ds = Dataset::load(&lodestone_data::dataset_files("rare-earths").expect("embedded"))
            .unwrap_or_else(|e| panic!("{e}"));
        let text = "name = \"t\"\nextends = \"baseline\"\n[horizon]\nstart = \"2024-01\"\n\
                    end = \"2024-12\"\nstep = \"quarter\"\n";
        let sc = Scenario::parse("t.toml", text, &|n| lodestone_data::scenario(n))
            .unwrap_or_else(|e| panic!("{e}"));
        let r = crate::run(&ds, &sc).unwrap_or_else(|e| panic!("{e}"));
        (ds, r)
    }

    #[test]
    fn hree_and_lree_supplier_shares_follow_element_content() {
        let (_, r) = baseline_2024();
        let s = crate::summarize(&r);
        let y = &s.annual["2024"];
        let lk = Lookups::new(&r, 2024);
        let flows = |group: usize| {
            let frac = group_fraction(&r, EU_RE_GROUPS[group].1);
            GroupFlows::gather(&r, 2024, y, &lk, Stage::Mining, &frac)
        };
        let (h, l) = (flows(0), flows(1));
        let share = |f: &GroupFlows, c: &str| f.world[c] / f.world.values().sum::<f64>();
        // Myanmar mines ionic clays, rich in heavy rare earths: it weighs far more in HREE
        // than in LREE, and Bayan Obo's light ore gives China more of LREE
        assert!(
            share(&h, "MM") > 5.0 * share(&l, "MM"),
            "{:?} {:?}",
            h.world,
            l.world
        );
        assert!(share(&l, "CN") > share(&h, "CN"));
        // the two groups' content is part of the stage's output, never more
        let total = y.indices.concentration["mining"].total_t;
        let sum = h.world.values().sum::<f64>() + l.world.values().sum::<f64>();
        assert!(
            sum > 0.5 * total && sum <= total * (1.0 + 1e-9),
            "{sum} of {total}"
        );
        // so the groups' governance-weighted concentrations differ
        let e = &y.indices.eu_supply_risk["mining"];
        assert!(e["HREE"].hhi_wgi_gs.unwrap() > e["LREE"].hhi_wgi_gs.unwrap() + 0.1);
        assert_eq!(e["HREE"].global_top3[0].0, "MM");
    }

    #[test]
    fn eu_window_takes_up_to_five_years_of_the_run() {
        let years: Vec<i32> = (2024..=2035).collect();
        assert_eq!(eu_window(&years, 2024), [2024]);
        assert_eq!(eu_window(&years, 2026), [2024, 2025, 2026]);
        assert_eq!(eu_window(&years, 2030), [2026, 2027, 2028, 2029, 2030]);
        assert_eq!(eu_window(&[2025, 2024], 2025), [2024, 2025]);
        // a year outside the run: only the run's years count
        assert_eq!(eu_window(&years, 2023), Vec::<i32>::new());
    }

    #[test]
    fn eu_supply_risk_averages_the_years_flows() {
        use lodestone_model::{Dataset, Scenario};
        let ds = Dataset::load(&lodestone_data::dataset_files("rare-earths").expect("embedded"))
            .unwrap_or_else(|e| panic!("{e}"));
        let text = "name = \"t\"\nextends = \"baseline\"\n[horizon]\nstart = \"2024-01\"\n\
                    end = \"2025-12\"\nstep = \"quarter\"\n";
        let sc = Scenario::parse("t.toml", text, &|n| lodestone_data::scenario(n))
            .unwrap_or_else(|e| panic!("{e}"));
        let r = crate::run(&ds, &sc).unwrap_or_else(|e| panic!("{e}"));
        let s = crate::summarize(&r);
        let (y4, y5) = (&s.annual["2024"], &s.annual["2025"]);
        let lk = Lookups::new(&r, 2025);
        let frac = group_fraction(&r, EU_RE_GROUPS[0].1);
        let one = |year, y| -> f64 {
            let f = GroupFlows::gather(&r, year, y, &lk, Stage::Separation, &frac);
            f.world.values().sum()
        };
        let (t4, t5) = (one(2024, y4), one(2025, y5));
        let e4 = &y4.indices.eu_supply_risk["separation"]["HREE"];
        let e5 = &y5.indices.eu_supply_risk["separation"]["HREE"];
        // the first year stands alone; the second averages both years' tonnages
        assert_eq!(
            (e4.years.as_slice(), e5.years.as_slice()),
            (&[2024][..], &[2024, 2025][..])
        );
        assert!(
            (e4.global_t - t4).abs() < 1e-6 * t4,
            "{} vs {t4}",
            e4.global_t
        );
        assert!(
            (e5.global_t - (t4 + t5) / 2.0).abs() < 1e-6 * t5,
            "{}",
            e5.global_t
        );
        assert!(e5.sr.is_some_and(f64::is_finite));
    }

    #[test]
    fn baseline_2024_mining_hhi_matches_usgs() {
        let (ds, r) = baseline_2024();
        let s = crate::summarize(&r);
        let ix = &s.annual["2024"].indices;
        // USGS MCS 2025, 2024 mine production by country (observations.csv, without WORLD)
        let usgs: Vec<f64> = ds
            .observations
            .iter()
            .filter(|x| crate::backtest::is_mine_output(x, 2024) && x.country != "WORLD")
            .map(|x| x.value)
            .collect();
        assert!(usgs.len() >= 10);
        let expected = hhi(&shares(&usgs));
        let mining = &ix.concentration["mining"];
        assert!(
            (mining.hhi - expected).abs() <= 0.01,
            "simulated {:.4} vs USGS {expected:.4}",
            mining.hhi
        );
        assert_eq!(mining.top3[0], "CN");
        assert!(close(mining.hhi_points, 10_000.0 * mining.hhi));
        // every market with demand has an NIR row per stage; governance.csv covers every
        // country, so every GeoPolRisk score of either convention is a number
        assert!(!ix.net_import_reliance.is_empty());
        for stages in ix.net_import_reliance.values() {
            assert_eq!(stages.len(), 4);
        }
        assert!(!ix.geopolrisk.is_empty());
        for g in ix.geopolrisk.values().flat_map(|m| m.values()) {
            assert!(g.score.is_some_and(|s| (0.0..=1.0).contains(&s)), "{g:?}");
            assert!(g.missing_governance.is_empty());
        }
        for key in ["JP", "EU", "KR", "US"] {
            let g = &ix.geopolrisk_reference[key];
            assert!(g.score.is_some() && g.cf_kg_cu_eq.is_some(), "{key}: {g:?}");
        }
        // every EU SR is a number, within its SI_SR range and linear in SI_SR; the
        // governance-weighted HHIs use the six-indicator WGI mean (2023's, latest to 2024)
        for e in ix.eu_supply_risk.values().flat_map(|m| m.values()) {
            assert!(e.missing.is_empty(), "{e:?}");
            let (sr, lo, hi) = (e.sr.unwrap(), e.sr_low.unwrap(), e.sr_high.unwrap());
            assert!(sr.is_finite() && sr > 0.0 && lo < sr && sr < hi, "{e:?}");
            let [si_lo, si_hi] = e.si_sr_range.unwrap();
            let per_si = sr / e.si_sr.unwrap();
            assert!((lo / si_lo - per_si).abs() < 1e-9 && (hi / si_hi - per_si).abs() < 1e-9);
            assert!(e.hhi_wgi_gs.is_some_and(|h| h > 0.0 && h < 10.0), "{e:?}");
        }
        // the bottleneck is the higher of the two stages' SR, for both groups
        for (group, b) in &ix.eu_supply_risk_bottleneck {
            let sr = |stage: &str| ix.eu_supply_risk[stage][group].sr.unwrap();
            let max = sr("mining").max(sr("separation"));
            assert_eq!(b.sr, Some(max), "{group}: {b:?}");
            assert_eq!(sr(b.stage.as_deref().unwrap()), max);
        }
        assert_eq!(ix.eu_supply_risk_bottleneck.len(), 2);
        // deterministic JSON
        let a = serde_json::to_string(ix).unwrap();
        let b = serde_json::to_string(&crate::summarize(&r).annual["2024"].indices).unwrap();
        assert_eq!(a, b);
    }
}
