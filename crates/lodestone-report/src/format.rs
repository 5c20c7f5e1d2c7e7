//! Number and text formatting for reports: HTML escaping, percentages, tonnes, prices.

/// Escape text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Digits of `n` grouped by thousands with commas (`1234567` → `1,234,567`).
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// Round to three significant figures above 1,000 (`393476` → `393,000`), to whole units
/// above 10, and to one decimal below.
pub fn amount(x: f64) -> String {
    let a = x.abs();
    if !x.is_finite() {
        return "–".into();
    }
    if a >= 1000.0 {
        let mag = 10f64.powi(a.log10().floor() as i32 - 2);
        thousands(((x / mag).round() * mag) as i64)
    } else if a >= 10.0 {
        format!("{x:.0}")
    } else if a >= 0.05 {
        format!("{x:.1}")
    } else {
        "0".into()
    }
}

/// A whole number of tonnes with thousands separators, for tables.
pub fn tonnes_exact(x: f64) -> String {
    if !x.is_finite() {
        return "–".into();
    }
    if x.abs() < 10.0 && x.abs() >= 0.05 {
        return format!("{x:.1}");
    }
    thousands(x.round() as i64)
}

/// A model error `simulated / observed − 1`: a signed percentage, or a multiple once the
/// model is more than twice the observation (`+1698%` reads as `×18.0`).
pub fn model_error(e: f64) -> String {
    if !e.is_finite() {
        "–".into()
    } else if e > 1.0 {
        format!("×{:.1}", 1.0 + e)
    } else {
        format!("{:+.1}%", 100.0 * e)
    }
}

/// A fraction as a percentage: `0.6862` → `69%`, `0.042` → `4.2%`, `0.0004` → `<0.1%`.
pub fn pct(x: f64) -> String {
    if !x.is_finite() {
        return "–".into();
    }
    let p = x * 100.0;
    if p.abs() >= 9.95 {
        format!("{p:.0}%")
    } else if p.abs() >= 0.05 {
        format!("{p:.1}%")
    } else if p > 0.0 {
        "<0.1%".into()
    } else {
        "0%".into()
    }
}

/// A difference of two fractions in percentage points, signed: `+3.2 pp`.
pub fn pp(x: f64) -> String {
    let p = x * 100.0;
    if p.abs() < 0.05 {
        "±0 pp".into()
    } else if p.abs() >= 9.95 {
        format!("{p:+.0} pp")
    } else {
        format!("{p:+.1} pp")
    }
}

/// A price in USD/kg: two significant decimals below 10, one below 100, none above.
pub fn usd(x: f64) -> String {
    if !x.is_finite() {
        return "–".into();
    }
    let a = x.abs();
    if a >= 1000.0 {
        thousands(x.round() as i64)
    } else if a >= 100.0 {
        format!("{x:.0}")
    } else if a >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

/// A signed amount: `+1,230` / `-45`.
pub fn signed_amount(x: f64) -> String {
    let s = amount(x);
    if x > 0.0 && s != "0" {
        format!("+{s}")
    } else {
        s
    }
}

/// A compact axis tick label: `0`, `250`, `1.5k`, `20k`, `1.2M`.
pub fn compact(x: f64) -> String {
    let a = x.abs();
    let trim = |s: String| {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    };
    if a >= 1e6 {
        format!("{}M", trim(format!("{:.2}", x / 1e6)))
    } else if a >= 1e3 {
        format!("{}k", trim(format!("{:.2}", x / 1e3)))
    } else if a >= 1.0 || a == 0.0 {
        trim(format!("{x:.2}"))
    } else {
        trim(format!("{x:.3}"))
    }
}

/// The short form of a country or region name: the part before a parenthesis
/// (`Rest of world (aggregate region)` → `Rest of world`).
pub fn short_name(name: &str) -> String {
    name.split(" (").next().unwrap_or(name).trim().to_string()
}

/// A country name as used inside a sentence: `the United States`, `China`.
pub fn the(name: &str) -> String {
    const WITH_THE: &[&str] = &[
        "United ",
        "European ",
        "Rest of ",
        "Netherlands",
        "Philippines",
        "Czech ",
        "Democratic ",
    ];
    if WITH_THE.iter().any(|p| name.starts_with(p)) {
        format!("the {name}")
    } else {
        name.to_string()
    }
}

/// The possessive of a name: `China's`, `United States'`.
pub fn possessive(name: &str) -> String {
    if name.ends_with('s') {
        format!("{name}'")
    } else {
        format!("{name}'s")
    }
}

/// Join words as prose: `a`, `a and b`, `a, b and c`.
pub fn join_and(items: &[String]) -> String {
    match items.len() {
        0 => String::new(),
        1 => items[0].clone(),
        n => format!("{} and {}", items[..n - 1].join(", "), items[n - 1]),
    }
}

/// Capitalise the first letter.
pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// A cell of the time-to-independence table: the first year of each threshold,
/// `50 / 80 / 100` (% of demand met without the supplier), `never` where not reached.
pub fn independence_years(thresholds: &std::collections::BTreeMap<String, Option<i32>>) -> String {
    ["50", "80", "100"]
        .iter()
        .map(|k| {
            thresholds
                .get(*k)
                .copied()
                .flatten()
                .map_or("never".to_string(), |y| y.to_string())
        })
        .collect::<Vec<_>>()
        .join(" / ")
}

/// A file-name-safe slug (`us/dep 2030` → `us-dep-2030`).
pub fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let t = out.trim_matches('-').to_string();
    if t.is_empty() { "report".into() } else { t }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_error_beyond_double_is_a_multiple() {
        assert_eq!(model_error(16.98), "×18.0");
        assert_eq!(model_error(1.0), "+100.0%");
        assert_eq!(model_error(-0.42), "-42.0%");
        assert_eq!(model_error(f64::NAN), "–");
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(-999), "-999");
        assert_eq!(amount(393_475.9), "393,000");
        assert_eq!(amount(13_449.0), "13,400");
        assert_eq!(amount(456.4), "456");
        assert_eq!(amount(0.01), "0");
        assert_eq!(pct(0.6862), "69%");
        assert_eq!(pct(0.042), "4.2%");
        assert_eq!(pct(0.0004), "<0.1%");
        assert_eq!(pp(-0.031), "-3.1 pp");
        assert_eq!(usd(80.12), "80.1");
        assert_eq!(compact(150_000.0), "150k");
        assert_eq!(compact(1_500.0), "1.5k");
        assert_eq!(compact(0.25), "0.25");
        assert_eq!(
            short_name("Rest of world (aggregate region)"),
            "Rest of world"
        );
        assert_eq!(
            join_and(&["a".into(), "b".into(), "c".into()]),
            "a, b and c"
        );
        assert_eq!(esc("<a href=\"x\">&"), "&lt;a href=&quot;x&quot;&gt;&amp;");
        assert_eq!(slug("a vs/b c"), "a-vs-b-c");
        assert_eq!(possessive("United States"), "United States'");
        assert_eq!(possessive("China"), "China's");
        assert_eq!(the("United States"), "the United States");
        assert_eq!(the("Japan"), "Japan");
    }

    #[test]
    fn independence_years_by_threshold() {
        let th = [("50", Some(2027)), ("80", None), ("100", None)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        assert_eq!(independence_years(&th), "2027 / never / never");
    }
}
