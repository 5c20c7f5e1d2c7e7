//! What a quantity measures, by its dimension: the keyword tables of the claim kinds (shares, tonnages, money, durations) and the rules that pick a metric.

use super::keywords::{Kw, first_hit, keyword_end, last_hit};
use crate::claim::Metric;
use crate::quantity::{Dimension, Quantity};
use regex::Regex;
use std::sync::LazyLock;

const SHARE_KW: &[Kw] = &[
    ("refin", Metric::ShareSeparation),
    ("processing", Metric::ShareSeparation),
    ("purif", Metric::ShareSeparation),
    ("separation", Metric::ShareSeparation),
    ("separat", Metric::ShareSeparation),
    ("smelt", Metric::ShareSeparation),
    ("冶炼", Metric::ShareSeparation),
    ("分离", Metric::ShareSeparation),
    ("提纯", Metric::ShareSeparation),
    ("加工", Metric::ShareSeparation),
    ("mining", Metric::ShareMining),
    ("mine production", Metric::ShareMining),
    ("mined", Metric::ShareMining),
    ("extraction", Metric::ShareMining),
    ("production", Metric::ShareMining),
    ("produc", Metric::ShareMining),
    ("output", Metric::ShareMining),
    ("开采", Metric::ShareMining),
    ("产量", Metric::ShareMining),
    ("reserves", Metric::ShareReserves),
    ("储量", Metric::ShareReserves),
    ("magnet", Metric::ShareMagnet),
    ("磁", Metric::ShareMagnet),
    ("metal making", Metric::ShareMetal),
    ("metallurg", Metric::ShareMetal),
    ("tariff", Metric::TariffRate),
    ("duty", Metric::TariffRate),
    ("duties", Metric::TariffRate),
    ("levy", Metric::TariffRate),
    ("关税", Metric::TariffRate),
    ("imports", Metric::ShareImports),
    ("import", Metric::ShareImports),
    ("进口", Metric::ShareImports),
    ("exports", Metric::ShareExports),
    ("export", Metric::ShareExports),
    ("出口", Metric::ShareExports),
    ("demand", Metric::ShareDemand),
    ("consumption", Metric::ShareDemand),
    ("needs", Metric::ShareDemand),
    ("需求", Metric::ShareDemand),
    ("exploration", Metric::Share),
    ("market", Metric::Share),
    ("份额", Metric::Share),
];

const MASS_KW: &[Kw] = &[
    ("annual output", Metric::Capacity),
    ("annual production", Metric::Capacity),
    ("capacity", Metric::Capacity),
    ("per year", Metric::Capacity),
    ("a year", Metric::Capacity),
    ("per annum", Metric::Capacity),
    ("annually", Metric::Capacity),
    ("产能", Metric::Capacity),
    ("年产", Metric::Capacity),
    ("inventor", Metric::Stocks),
    ("ending stocks", Metric::Stocks),
    ("stocks", Metric::Stocks),
    ("stockpile", Metric::Stocks),
    ("库存", Metric::Stocks),
    ("reserves", Metric::Reserves),
    ("储量", Metric::Reserves),
    ("import", Metric::Imports),
    ("bought", Metric::Imports),
    ("buy", Metric::Imports),
    ("purchas", Metric::Imports),
    ("进口", Metric::Imports),
    ("采购", Metric::Imports),
    ("购买", Metric::Imports),
    ("export", Metric::Exports),
    ("shipment", Metric::Exports),
    ("shipped", Metric::Exports),
    ("sales", Metric::Exports),
    ("出口", Metric::Exports),
    ("produc", Metric::Production),
    ("output", Metric::Production),
    ("mined", Metric::Production),
    ("harvest", Metric::Production),
    ("crop", Metric::Production),
    ("产量", Metric::Production),
    ("生产", Metric::Production),
    ("开采", Metric::Production),
    ("demand", Metric::Consumption),
    ("consum", Metric::Consumption),
    ("需求", Metric::Consumption),
    ("消费", Metric::Consumption),
];

const MONEY_KW: &[Kw] = &[
    ("private capital", Metric::PrivateInvestment),
    ("private investment", Metric::PrivateInvestment),
    ("private sector", Metric::PrivateInvestment),
    ("leverage", Metric::PrivateInvestment),
    ("社会资本", Metric::PrivateInvestment),
    ("reserve", Metric::Stockpile),
    ("stockpil", Metric::Stockpile),
    ("储备", Metric::Stockpile),
    ("agreement", Metric::DealValue),
    ("deal", Metric::DealValue),
    ("framework", Metric::DealValue),
    ("pact", Metric::DealValue),
    ("pipeline", Metric::DealValue),
    ("协议", Metric::DealValue),
    ("trade", Metric::TradeValue),
    ("贸易", Metric::TradeValue),
    ("revenue", Metric::Revenue),
    ("income", Metric::Revenue),
    ("收入", Metric::Revenue),
    ("price", Metric::Price),
    ("价格", Metric::Price),
    ("cost", Metric::Cost),
    ("成本", Metric::Cost),
    ("invest", Metric::Investment),
    ("funding", Metric::Investment),
    ("fund", Metric::Investment),
    ("financ", Metric::Investment),
    ("contract", Metric::Investment),
    ("loan", Metric::Investment),
    ("grant", Metric::Investment),
    ("subsid", Metric::Investment),
    ("support", Metric::Investment),
    ("capital", Metric::Investment),
    ("capex", Metric::Investment),
    ("spend", Metric::Investment),
    ("allocat", Metric::Investment),
    ("投资", Metric::Investment),
    ("资金", Metric::Investment),
    ("拨款", Metric::Investment),
    ("补贴", Metric::Investment),
    ("export", Metric::Exports),
    ("出口", Metric::Exports),
    ("import", Metric::Imports),
    ("进口", Metric::Imports),
];

const DURATION_KW: &[Kw] = &[
    ("catch up", Metric::LeadTime),
    ("take", Metric::LeadTime),
    ("need", Metric::LeadTime),
    ("require", Metric::LeadTime),
    ("赶上", Metric::LeadTime),
    ("需要", Metric::LeadTime),
    ("要", Metric::LeadTime),
];

static CHANGE_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:\b(?:increased?|decreased?|rose|risen|rises?|fell|fallen|falls?|dropped|drops?|declined?|grew|grown|grows?|jumped|surged|climbed|slumped|plunged|cut|reduced|lowered|raised|up|down)\s+(?:by\s+)?(?:about\s+|some\s+|nearly\s+|over\s+|more than\s+)?|[+−-]|同比增长|同比下降|增长|下降|减少|增加)\s*$").unwrap()
});
static CHANGE_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(?:increase|decrease|rise|drop|decline|fall|jump|growth|gain|loss|cut|reduction|year[- ]on[- ]year|y/y|yoy|higher|lower|more|less|up|down)\b").unwrap()
});

static OF_ITS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*of\s+(?:its|their|his|her|the company's|this)\b").unwrap()
});

pub(super) fn infer_metric(q: &Quantity, fwd: &str, bwd: &str, sentence: &str) -> Option<Metric> {
    let table: &[Kw] = match q.dimension {
        Dimension::Share | Dimension::Points => {
            if CHANGE_BEFORE.is_match(bwd)
                || CHANGE_AFTER.is_match(fwd)
                || q.dimension == Dimension::Points
            {
                return Some(Metric::Change);
            }
            SHARE_KW
        }
        Dimension::Mass | Dimension::Volume => MASS_KW,
        Dimension::Money => {
            if q.per.is_some() {
                let m = last_hit(bwd, &[("cost", Metric::Cost), ("成本", Metric::Cost)])
                    .or(first_hit(fwd, &[("cost", Metric::Cost)]));
                return Some(m.map(|x| x.0).unwrap_or(Metric::Price));
            }
            MONEY_KW
        }
        Dimension::Count => {
            return Some(if q.unit == "jobs" {
                Metric::Jobs
            } else {
                Metric::Count
            });
        }
        Dimension::Duration => {
            return Some(
                last_hit(bwd, DURATION_KW)
                    .or(first_hit(fwd, DURATION_KW))
                    .map(|h| h.0)
                    .unwrap_or(Metric::Duration),
            );
        }
        Dimension::Date => return None,
    };
    let specific = |m: Metric| m != Metric::Share;
    // "X% of <thing>": the thing after "of" says what it is. Otherwise the nearest keyword on either side.
    let f = first_hit(fwd, table).filter(|h| specific(h.0));
    let b = last_hit(bwd, table).filter(|h| specific(h.0));
    let of_next = fwd.trim_start().to_ascii_lowercase().starts_with("of ")
        || fwd.trim_start().starts_with('的');
    let nearest = match (f, b) {
        (Some(f), Some(_)) if of_next => Some(f),
        (Some(f), Some(b)) => {
            let df = f.1;
            let db = bwd.len() - keyword_end(bwd, table, b);
            if df <= db { Some(f) } else { Some(b) }
        }
        (f, b) => f.or(b),
    };
    let hit = nearest
        .or_else(|| first_hit(sentence, table).filter(|h| specific(h.0)))
        .or_else(|| first_hit(fwd, table))
        .or_else(|| last_hit(bwd, table))
        .map(|h| h.0);
    match (q.dimension, hit) {
        (Dimension::Share, Some(m)) => {
            // "95% of its capacity": a share of the subject's own total, not of the world.
            if OF_ITS.is_match(fwd)
                && !matches!(
                    m,
                    Metric::ShareImports
                        | Metric::ShareExports
                        | Metric::ShareDemand
                        | Metric::TariffRate
                )
            {
                Some(Metric::Share)
            } else {
                Some(m)
            }
        }
        (Dimension::Share, None) => Some(Metric::Share),
        (Dimension::Mass | Dimension::Volume, m) => {
            if q.value == 0.0 && !matches!(m, Some(Metric::Exports | Metric::Imports)) {
                None
            } else {
                m.or(Some(Metric::Production))
                    .filter(|_| q.value != 0.0 || m.is_some())
            }
        }
        (Dimension::Money, m) => Some(m.unwrap_or(Metric::Investment)),
        (_, m) => m,
    }
}
