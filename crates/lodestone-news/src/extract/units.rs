//! The words around a number: currency prefixes, multipliers (million, 亿) and units (t, %, yuan, jobs, months), in English and Chinese.

use crate::quantity::Dimension;

/// Currency prefixes (checked against the text just before the number), longest first.
pub(super) const CURRENCY_PREFIX: &[(&str, &str)] = &[
    ("US$", "USD"),
    ("USD", "USD"),
    ("A$", "AUD"),
    ("AU$", "AUD"),
    ("AUD", "AUD"),
    ("C$", "CAD"),
    ("CAD", "CAD"),
    ("R$", "BRL"),
    ("HK$", "HKD"),
    ("RMB", "CNY"),
    ("CNY", "CNY"),
    ("RUB", "RUB"),
    ("EUR", "EUR"),
    ("GBP", "GBP"),
    ("INR", "INR"),
    ("Rs.", "INR"),
    ("Rs", "INR"),
    ("₹", "INR"),
    ("€", "EUR"),
    ("£", "GBP"),
    ("¥", "CNY"),
    ("₽", "RUB"),
    ("$", "USD"),
];

/// Multipliers after a number, longest first: (word, factor, needs word boundary).
pub(super) const MULTIPLIERS: &[(&str, f64, bool)] = &[
    ("trillion", 1e12, true),
    ("billion", 1e9, true),
    ("million", 1e6, true),
    ("thousand", 1e3, true),
    ("crore", 1e7, true),
    ("lakh", 1e5, true),
    ("bn", 1e9, true),
    ("mn", 1e6, true),
    ("tn", 1e12, true),
    ("万亿", 1e12, false),
    ("亿", 1e8, false),
    ("万", 1e4, false),
    ("千", 1e3, false),
    ("百万", 1e6, false),
];

/// Units after a number: (text, dimension, unit, factor, needs word boundary).
pub(super) const UNITS: &[(&str, Dimension, &str, f64, bool)] = &[
    ("percentage points", Dimension::Points, "pp", 1.0, true),
    ("percentage point", Dimension::Points, "pp", 1.0, true),
    ("个百分点", Dimension::Points, "pp", 1.0, false),
    ("%", Dimension::Share, "%", 1.0, false),
    ("％", Dimension::Share, "%", 1.0, false),
    ("percent", Dimension::Share, "%", 1.0, true),
    ("per cent", Dimension::Share, "%", 1.0, true),
    ("million metric tons", Dimension::Mass, "t", 1e6, true),
    ("million tonnes", Dimension::Mass, "t", 1e6, true),
    ("million tons", Dimension::Mass, "t", 1e6, true),
    ("metric tons", Dimension::Mass, "t", 1.0, true),
    ("metric tonnes", Dimension::Mass, "t", 1.0, true),
    ("tonnes", Dimension::Mass, "t", 1.0, true),
    ("tonne", Dimension::Mass, "t", 1.0, true),
    ("tons", Dimension::Mass, "t", 1.0, true),
    ("ton", Dimension::Mass, "t", 1.0, true),
    ("Mt", Dimension::Mass, "t", 1e6, true),
    ("kt", Dimension::Mass, "t", 1e3, true),
    ("t", Dimension::Mass, "t", 1.0, true),
    ("kilograms", Dimension::Mass, "t", 1e-3, true),
    ("kg", Dimension::Mass, "t", 1e-3, true),
    ("吨", Dimension::Mass, "t", 1.0, false),
    ("公斤", Dimension::Mass, "t", 1e-3, false),
    ("bushels", Dimension::Volume, "bu", 1.0, true),
    ("bushel", Dimension::Volume, "bu", 1.0, true),
    ("蒲式耳", Dimension::Volume, "bu", 1.0, false),
    ("US dollars", Dimension::Money, "USD", 1.0, true),
    ("U.S. dollars", Dimension::Money, "USD", 1.0, true),
    ("Australian dollars", Dimension::Money, "AUD", 1.0, true),
    ("Canadian dollars", Dimension::Money, "CAD", 1.0, true),
    ("dollars", Dimension::Money, "USD", 1.0, true),
    ("rubles", Dimension::Money, "RUB", 1.0, true),
    ("roubles", Dimension::Money, "RUB", 1.0, true),
    ("ruble", Dimension::Money, "RUB", 1.0, true),
    ("rouble", Dimension::Money, "RUB", 1.0, true),
    ("yuan", Dimension::Money, "CNY", 1.0, true),
    ("renminbi", Dimension::Money, "CNY", 1.0, true),
    ("RMB", Dimension::Money, "CNY", 1.0, true),
    ("CNY", Dimension::Money, "CNY", 1.0, true),
    ("USD", Dimension::Money, "USD", 1.0, true),
    ("AUD", Dimension::Money, "AUD", 1.0, true),
    ("RUB", Dimension::Money, "RUB", 1.0, true),
    ("EUR", Dimension::Money, "EUR", 1.0, true),
    ("euros", Dimension::Money, "EUR", 1.0, true),
    ("euro", Dimension::Money, "EUR", 1.0, true),
    ("rupees", Dimension::Money, "INR", 1.0, true),
    ("INR", Dimension::Money, "INR", 1.0, true),
    ("reais", Dimension::Money, "BRL", 1.0, true),
    ("yen", Dimension::Money, "JPY", 1.0, true),
    ("美元", Dimension::Money, "USD", 1.0, false),
    ("澳元", Dimension::Money, "AUD", 1.0, false),
    ("卢布", Dimension::Money, "RUB", 1.0, false),
    ("人民币", Dimension::Money, "CNY", 1.0, false),
    ("欧元", Dimension::Money, "EUR", 1.0, false),
    ("日元", Dimension::Money, "JPY", 1.0, false),
    ("卢比", Dimension::Money, "INR", 1.0, false),
    ("元", Dimension::Money, "CNY", 1.0, false),
    ("new jobs", Dimension::Count, "jobs", 1.0, true),
    ("jobs", Dimension::Count, "jobs", 1.0, true),
    ("job", Dimension::Count, "jobs", 1.0, true),
    ("positions", Dimension::Count, "jobs", 1.0, true),
    ("workers", Dimension::Count, "workers", 1.0, true),
    ("employees", Dimension::Count, "workers", 1.0, true),
    ("active projects", Dimension::Count, "projects", 1.0, true),
    ("projects", Dimension::Count, "projects", 1.0, true),
    ("companies", Dimension::Count, "companies", 1.0, true),
    ("enterprises", Dimension::Count, "companies", 1.0, true),
    ("firms", Dimension::Count, "companies", 1.0, true),
    ("deaths", Dimension::Count, "deaths", 1.0, true),
    ("mines", Dimension::Count, "mines", 1.0, true),
    ("plants", Dimension::Count, "plants", 1.0, true),
    ("licences", Dimension::Count, "licences", 1.0, true),
    ("licenses", Dimension::Count, "licences", 1.0, true),
    ("个就业岗位", Dimension::Count, "jobs", 1.0, false),
    ("个工作岗位", Dimension::Count, "jobs", 1.0, false),
    ("个岗位", Dimension::Count, "jobs", 1.0, false),
    ("个项目", Dimension::Count, "projects", 1.0, false),
    ("家企业", Dimension::Count, "companies", 1.0, false),
    ("decades", Dimension::Duration, "decades", 1.0, true),
    ("years", Dimension::Duration, "years", 1.0, true),
    ("year", Dimension::Duration, "years", 1.0, true),
    ("months", Dimension::Duration, "months", 1.0, true),
    ("month", Dimension::Duration, "months", 1.0, true),
    ("weeks", Dimension::Duration, "weeks", 1.0, true),
    ("days", Dimension::Duration, "days", 1.0, true),
    ("个月", Dimension::Duration, "months", 1.0, false),
    ("年", Dimension::Duration, "years", 1.0, false),
    ("周", Dimension::Duration, "weeks", 1.0, false),
    ("天", Dimension::Duration, "days", 1.0, false),
];

/// Matches `word` at the start of `rest` (ASCII case-insensitive), with a word boundary if asked.
pub(super) fn starts_with_word(rest: &str, word: &str, boundary: bool) -> bool {
    if rest.len() < word.len() || !rest.is_char_boundary(word.len()) {
        return false;
    }
    let case_sensitive = word.len() <= 3 && word.chars().any(|c| c.is_ascii_uppercase());
    let head = &rest[..word.len()];
    let same = if case_sensitive {
        head == word
    } else {
        head.eq_ignore_ascii_case(word)
    };
    if !same {
        return false;
    }
    !boundary || !rest[word.len()..].starts_with(|c: char| c.is_ascii_alphanumeric())
}
