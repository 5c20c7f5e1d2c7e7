//! Lowering checked tables into the typed [`Dataset`], one function per table, each with
//! the checks that need the typed values (units, dates, sums, conservation, cycles).
//!
//! The tables are lowered in a fixed order (sources, elements, countries, companies,
//! materials, processes, facilities (with capacity steps and seasons), sectors, growth,
//! demand, routes, stocks, prices, groups, observations, the pipeline's stages and the
//! facilities' stages of development, governance) and diagnostics come out in that order.

use super::{
    Agency, Basis, CapacityStep, Company, Country, Dataset, Demand, Development, Element, Facility,
    Flow, Governance, Group, GrowthPath, Manifest, Material, ObsMetric, Observation, PriceObs,
    Process, Route, Season, Sector, Source, Stage, Status, Stock,
};
use crate::diag::{Diagnostics, Location, codes};
use crate::table::{Row, Table, split_list};
use crate::time::{Month, MonthSpan};
use std::collections::{BTreeMap, HashMap, HashSet};

/// A number cell, or `default` when empty or unparsable.
fn num(t: &Table, r: &Row, a: &str, default: f64) -> f64 {
    t.get(r, a).parse().unwrap_or(default)
}

/// A list cell (`a;b;c`).
fn list(t: &Table, r: &Row, a: &str) -> Vec<String> {
    split_list(t.get(r, a))
}

/// Lower every table into a [`Dataset`], pushing the problems found on the way.
pub(super) fn lower(
    tables: &HashMap<String, Table>,
    manifest: Option<Manifest>,
    d: &mut Diagnostics,
) -> Dataset {
    let t = |n: &str| &tables[n];
    let sources = lower_sources(t("sources"), d);
    let elements = lower_elements(t("elements"));
    let countries = lower_countries(t("countries"), d);
    let companies = lower_companies(t("companies"));
    let materials = lower_materials(t("materials"), t("compositions"), d);
    let processes = lower_processes(t("processes"), t("process_flows"), d);
    let mut ds = Dataset {
        name: manifest
            .as_ref()
            .map_or_else(String::new, |m| m.name.clone()),
        description: manifest
            .as_ref()
            .map_or_else(String::new, |m| m.description.clone()),
        base_year: manifest.as_ref().map_or(2024, |m| m.base_year),
        sources,
        elements,
        countries,
        companies,
        agencies: lower_agencies(t("agencies")),
        materials,
        processes,
        facilities: Vec::new(),
        sectors: Vec::new(),
        growth: Vec::new(),
        demand: Vec::new(),
        routes: Vec::new(),
        stocks: Vec::new(),
        prices: Vec::new(),
        groups: Vec::new(),
        observations: Vec::new(),
        pipeline: Vec::new(),
        governance: Vec::new(),
    };
    check_element_conservation(&ds, t("processes"), d);
    ds.facilities = lower_facilities(t("facilities"), t("capacity"), &ds.processes, d);
    add_seasons(&mut ds.facilities, t("seasons"), d);
    ds.sectors = lower_sectors(t("sectors"));
    ds.growth = lower_growth(t("growth"), d);
    ds.demand = lower_demand(t("demand"), &ds, d);
    ds.routes = lower_routes(t("routes"));
    unique_keys(t("routes"), &["from", "to", "material"], "route", d);
    ds.stocks = lower_stocks(t("stocks"));
    unique_keys(t("stocks"), &["country", "material", "kind"], "stock", d);
    ds.prices = lower_prices(t("prices"));
    ds.groups = lower_groups(t("groups"), &ds.materials, d);
    ds.observations = lower_observations(t("observations"), d);
    ds.pipeline = super::pipeline::lower_pipeline(t("pipeline"), d);
    ds.governance = lower_governance(t("governance"), &ds, d);
    super::pipeline::check_development(&ds.facilities, t("facilities"), &ds.pipeline, d);
    ds
}

/// Sources; an assumption must state its plausible range and a derived source its method.
fn lower_sources(tb: &Table, d: &mut Diagnostics) -> Vec<Source> {
    tb.rows
        .iter()
        .map(|r| {
            let s = Source {
                id: tb.get(r, "id").into(),
                kind: tb.get(r, "kind").into(),
                citation: tb.get(r, "citation").into(),
                url: tb.get(r, "url").into(),
                date: tb.get(r, "date").into(),
                vintage: tb.get(r, "vintage").into(),
                note: tb.get(r, "note").into(),
            };
            if s.kind == "assumption" && !s.note.to_lowercase().contains("range") {
                d.push(
                    codes::SOURCE,
                    tb.loc(r, "note"),
                    format!("assumption `{}` does not state its plausible range", s.id),
                    Some(
                        "write e.g. \"assumption: …; plausible range 0.85–0.98\" in `note`".into(),
                    ),
                );
            }
            if s.kind == "derived" && s.note.is_empty() {
                d.push(
                    codes::SOURCE,
                    tb.loc(r, "note"),
                    format!("derived source `{}` does not say how it was derived", s.id),
                    Some("give the method in `note`".into()),
                );
            }
            s
        })
        .collect()
}

/// Elements.
fn lower_elements(tb: &Table) -> Vec<Element> {
    tb.rows
        .iter()
        .map(|r| Element {
            id: tb.get(r, "id").into(),
            name: tb.get(r, "name").into(),
            group: tb.get(r, "group").into(),
            oxide: tb.get(r, "oxide").into(),
            metal_per_oxide: num(tb, r, "metal_per_oxide", 1.0),
            source: list(tb, r, "source"),
        })
        .collect()
}

/// Countries (an empty `market` means the country is its own market); a market must
/// clear in itself, not point on to a third one.
fn lower_countries(tb: &Table, d: &mut Diagnostics) -> Vec<Country> {
    let countries: Vec<Country> = tb
        .rows
        .iter()
        .map(|r| {
            let id = tb.get(r, "id").to_string();
            let market = tb.get(r, "market");
            Country {
                market: if market.is_empty() {
                    id.clone()
                } else {
                    market.into()
                },
                id,
                name: tb.get(r, "name").into(),
                blocs: list(tb, r, "blocs"),
                source: list(tb, r, "source"),
            }
        })
        .collect();
    for (c, r) in countries.iter().zip(&tb.rows) {
        if let Some(m) = countries.iter().find(|x| x.id == c.market)
            && m.market != m.id
        {
            d.push(
                codes::INCONSISTENT,
                tb.loc(r, "market"),
                format!(
                    "market `{}` of `{}` itself clears in `{}`",
                    m.id, c.id, m.market
                ),
                Some(format!("point `{}` at `{}` directly", c.id, m.market)),
            );
        }
    }
    countries
}

/// Companies.
fn lower_companies(tb: &Table) -> Vec<Company> {
    tb.rows
        .iter()
        .map(|r| Company {
            id: tb.get(r, "id").into(),
            name: tb.get(r, "name").into(),
            country: tb.get(r, "country").into(),
            state_share: num(tb, r, "state_share", 0.0),
            source: list(tb, r, "source"),
        })
        .collect()
}

/// Agencies that may pay for levers.
fn lower_agencies(tb: &Table) -> Vec<Agency> {
    tb.rows
        .iter()
        .map(|r| Agency {
            id: tb.get(r, "id").into(),
            name: tb.get(r, "name").into(),
            country: tb.get(r, "country").into(),
            source: list(tb, r, "source"),
        })
        .collect()
}

/// Materials, with their compositions from `compositions`.
fn lower_materials(tb: &Table, compositions: &Table, d: &mut Diagnostics) -> Vec<Material> {
    let mut materials: Vec<Material> = tb
        .rows
        .iter()
        .map(|r| Material {
            id: tb.get(r, "id").into(),
            name: tb.get(r, "name").into(),
            kind: tb.get(r, "kind").into(),
            basis: match tb.get(r, "basis") {
                "REO" => Basis::Reo,
                "element" => Basis::Element,
                _ => Basis::Gross,
            },
            stage: Stage::parse(tb.get(r, "stage")),
            disposable: tb.get(r, "disposable") == "true",
            ref_price: tb.get(r, "ref_price").parse().ok(),
            composition: BTreeMap::new(),
            composition_source: Vec::new(),
            source: list(tb, r, "source"),
        })
        .collect();
    add_compositions(&mut materials, compositions, d);
    materials
}

/// Fill the materials' compositions; an element may be listed once per material and the
/// fractions may not sum above 1.
fn add_compositions(materials: &mut [Material], tb: &Table, d: &mut Diagnostics) {
    let mut seen = HashSet::new();
    for r in &tb.rows {
        let (m, e) = (tb.get(r, "material"), tb.get(r, "element"));
        if !seen.insert((m.to_string(), e.to_string())) {
            d.push(
                codes::DUPLICATE_ID,
                tb.loc(r, "element"),
                format!("composition of `{m}` lists `{e}` twice"),
                None,
            );
        }
        if let Some(mat) = materials.iter_mut().find(|x| x.id == m) {
            mat.composition
                .insert(e.into(), num(tb, r, "fraction", 0.0));
        }
    }
    for m in materials.iter() {
        let sum: f64 = m.composition.values().sum();
        if sum > 1.0 + 1e-3 {
            let r = tb
                .rows
                .iter()
                .rev()
                .find(|r| tb.get(r, "material") == m.id)
                .expect("has rows");
            d.push(
                codes::INCONSISTENT,
                tb.loc(r, "fraction"),
                format!("composition of `{}` sums to {sum:.4} > 1", m.id),
                Some("fractions are mass shares of the material's basis".into()),
            );
        }
    }
}

/// Processes, with their input and output flows from `process_flows`; every process must
/// have an output.
fn lower_processes(tb: &Table, flows: &Table, d: &mut Diagnostics) -> Vec<Process> {
    let mut processes: Vec<Process> = tb
        .rows
        .iter()
        .map(|r| Process {
            id: tb.get(r, "id").into(),
            name: tb.get(r, "name").into(),
            stage: Stage::parse(tb.get(r, "stage")).unwrap_or(Stage::Other),
            inputs: Vec::new(),
            outputs: Vec::new(),
            source: list(tb, r, "source"),
        })
        .collect();
    for r in &flows.rows {
        let Some(p) = processes
            .iter_mut()
            .find(|p| p.id == flows.get(r, "process"))
        else {
            continue;
        };
        let f = Flow {
            material: flows.get(r, "material").into(),
            quantity: num(flows, r, "quantity", 0.0),
            source: list(flows, r, "source"),
        };
        if flows.get(r, "direction") == "in" {
            p.inputs.push(f);
        } else {
            p.outputs.push(f);
        }
    }
    for (p, r) in processes.iter().zip(&tb.rows) {
        if p.outputs.is_empty() {
            d.push(
                codes::INCONSISTENT,
                tb.loc(r, "id"),
                format!("process `{}` has no outputs", p.id),
                Some("add `out` rows to process_flows.csv".into()),
            );
        }
    }
    processes
}

/// Element conservation per process: no element may leave a process in larger quantity
/// than it entered (yield ≤ 1 on every element; on total mass when no material involved
/// has a composition). Needs the materials and elements of `ds`.
fn check_element_conservation(ds: &Dataset, ptb: &Table, d: &mut Diagnostics) {
    for (p, r) in ds.processes.iter().zip(&ptb.rows) {
        if p.inputs.is_empty() {
            continue; // primary extraction: material enters the chain here
        }
        let mut content: BTreeMap<String, (f64, f64)> = BTreeMap::new();
        let mut any_composition = false;
        for (flows, is_in) in [(&p.inputs, true), (&p.outputs, false)] {
            for f in flows {
                let c = ds.element_content(&f.material);
                any_composition |= !c.is_empty();
                for (e, x) in c {
                    let entry = content.entry(e).or_default();
                    if is_in {
                        entry.0 += x * f.quantity
                    } else {
                        entry.1 += x * f.quantity
                    }
                }
            }
        }
        for (e, (cin, cout)) in &content {
            if *cout > cin * (1.0 + 1e-6) + 1e-9 {
                d.push(codes::YIELD, ptb.loc(r, "id"), format!("process `{}` creates {e}: {cout:.4} t out of {cin:.4} t in per unit activity (yield above 1)", p.id), Some("check process_flows quantities and the materials' compositions".into()));
            }
        }
        if !any_composition && !p.inputs.is_empty() {
            let (i, o): (f64, f64) = (
                p.inputs.iter().map(|f| f.quantity).sum(),
                p.outputs.iter().map(|f| f.quantity).sum(),
            );
            if o > i * (1.0 + 1e-9) {
                d.push(
                    codes::YIELD,
                    ptb.loc(r, "id"),
                    format!("process `{}` yields {o} t from {i} t (above 1)", p.id),
                    Some("outputs cannot exceed inputs".into()),
                );
            }
        }
    }
}

/// Facilities with their checks (dates, process stages, capacity units, feed cycles),
/// then their capacity steps from `capacity`.
fn lower_facilities(
    tb: &Table,
    capacity: &Table,
    processes: &[Process],
    d: &mut Diagnostics,
) -> Vec<Facility> {
    let mut facilities: Vec<Facility> = tb.rows.iter().map(|r| facility(tb, r)).collect();
    for (f, r) in facilities.iter().zip(&tb.rows) {
        check_facility(f, tb, r, processes, d);
    }
    check_feed_cycles(&facilities, tb, d);
    add_capacity_steps(&mut facilities, capacity, d);
    unique_keys(capacity, &["facility", "date"], "capacity step", d);
    facilities
}

/// One facility row (no capacity steps yet).
fn facility(tb: &Table, r: &Row) -> Facility {
    let status = Status::parse(tb.get(r, "status")).unwrap_or(Status::Announced);
    let development = Development::parse(tb.get(r, "development"));
    Facility {
        id: tb.get(r, "id").into(),
        name: tb.get(r, "name").into(),
        company: tb.get(r, "company").into(),
        country: tb.get(r, "country").into(),
        stage: Stage::parse(tb.get(r, "stage")).unwrap_or(Stage::Other),
        processes: list(tb, r, "processes"),
        status,
        // a pipeline project runs (at its expected capacity) whatever its status
        enabled: status.runs_by_default() || development.is_some(),
        capacity: num(tb, r, "capacity", 0.0),
        capacity_unit: tb.get(r, "capacity_unit").into(),
        start: Month::parse(tb.get(r, "start")).unwrap_or(Month::new(2000, 1).expect("valid")),
        ramp_months: num(tb, r, "ramp_months", 0.0),
        utilization: num(tb, r, "utilization", 1.0),
        closure: Month::parse(tb.get(r, "closure")),
        unit_cost: num(tb, r, "unit_cost", 0.0),
        feed_from: list(tb, r, "feed_from"),
        steps: Vec::new(),
        season: None,
        yield_factor: 1.0,
        note: tb.get(r, "note").into(),
        source: list(tb, r, "source"),
        development,
        project: tb.get(r, "project").into(),
        outcome: None,
    }
}

/// Capacity units a facility of a stage may be given in.
fn capacity_units(stage: Stage) -> &'static [&'static str] {
    match stage {
        Stage::Mining | Stage::Separation => &["t REO/yr"],
        Stage::Metal => &["t metal/yr", "t/yr"],
        Stage::Magnet => &["t magnet/yr", "t/yr"],
        Stage::Other => &["t/yr", "t REO/yr"],
    }
}

/// A facility closes after it starts, runs processes of its own stage and states its
/// capacity in a unit of that stage.
fn check_facility(f: &Facility, tb: &Table, r: &Row, processes: &[Process], d: &mut Diagnostics) {
    if let Some(c) = f.closure
        && c < f.start
    {
        d.push(
            codes::DATE_ORDER,
            tb.loc(r, "closure"),
            format!(
                "facility `{}` closes ({c}) before it starts ({})",
                f.id, f.start
            ),
            None,
        );
    }
    for pid in &f.processes {
        if let Some(p) = processes.iter().find(|p| &p.id == pid)
            && p.stage != f.stage
        {
            d.push(
                codes::INCONSISTENT,
                tb.loc(r, "processes"),
                format!(
                    "facility `{}` is a {} plant but process `{pid}` is {}",
                    f.id,
                    f.stage.as_str(),
                    p.stage.as_str()
                ),
                None,
            );
        }
    }
    let ok_units = capacity_units(f.stage);
    if !f.capacity_unit.is_empty() && !ok_units.contains(&f.capacity_unit.as_str()) {
        d.push(
            codes::UNIT,
            tb.loc(r, "capacity_unit"),
            format!(
                "`{}` is not a capacity unit for a {} facility",
                f.capacity_unit,
                f.stage.as_str()
            ),
            Some(format!("use {}", ok_units.join(" or "))),
        );
    }
}

/// Feed links (`feed_from`) may not form a cycle; the first cycle found is reported.
fn check_feed_cycles(facilities: &[Facility], tb: &Table, d: &mut Diagnostics) {
    let idx: HashMap<&str, usize> = facilities
        .iter()
        .enumerate()
        .map(|(i, f)| (f.id.as_str(), i))
        .collect();
    let mut state = vec![0u8; facilities.len()];
    for (i, r) in tb.rows.iter().enumerate().take(facilities.len()) {
        if state[i] == 0 && reaches_cycle(i, facilities, &idx, &mut state) {
            d.push(
                codes::CYCLE,
                tb.loc(r, "feed_from"),
                format!("feed links of `{}` form a cycle", facilities[i].id),
                Some("a facility cannot (indirectly) feed itself".into()),
            );
            break;
        }
    }
}

/// Depth-first search along feed links from facility `i`: true when it meets a facility
/// still on the path (`state` 0 unvisited, 1 on the path, 2 done).
fn reaches_cycle(i: usize, fs: &[Facility], idx: &HashMap<&str, usize>, state: &mut [u8]) -> bool {
    if state[i] == 1 {
        return true;
    }
    if state[i] == 2 {
        return false;
    }
    state[i] = 1;
    for f in &fs[i].feed_from {
        if let Some(&j) = idx.get(f.as_str())
            && reaches_cycle(j, fs, idx, state)
        {
            return true;
        }
    }
    state[i] = 2;
    false
}

/// Attach the `capacity` rows to their facilities, sorted by date; a change may not
/// precede the facility's start.
fn add_capacity_steps(facilities: &mut [Facility], tb: &Table, d: &mut Diagnostics) {
    for r in &tb.rows {
        let fid = tb.get(r, "facility");
        let Some(f) = facilities.iter_mut().find(|f| f.id == fid) else {
            continue;
        };
        let Some(date) = Month::parse(tb.get(r, "date")) else {
            continue;
        };
        if date < f.start {
            d.push(
                codes::DATE_ORDER,
                tb.loc(r, "date"),
                format!(
                    "capacity change of `{fid}` on {date} is before the facility starts ({})",
                    f.start
                ),
                Some("move the start or the change".into()),
            );
        }
        f.steps.push(CapacityStep {
            date,
            capacity: num(tb, r, "capacity", 0.0),
            ramp_months: num(tb, r, "ramp_months", 0.0),
            source: list(tb, r, "source"),
        });
    }
    for f in facilities {
        f.steps.sort_by_key(|s| s.date);
    }
}

/// Each row's key (the values of `cols`) is given once: a second row for the same key is
/// refused at its first key column, naming the first row's line (two capacity steps in
/// the same month, two rows for one route or one stock were read silently, one of them
/// winning).
fn unique_keys(tb: &Table, cols: &[&str], what: &str, d: &mut Diagnostics) {
    let mut seen: HashMap<Vec<&str>, usize> = HashMap::new();
    for r in &tb.rows {
        let key: Vec<&str> = cols.iter().map(|c| tb.get(r, c)).collect();
        if let Some(first) = seen.insert(key.clone(), r.line) {
            d.push(
                codes::DUPLICATE_ID,
                tb.loc(r, cols[0]),
                format!(
                    "{what} ({}) = ({}) is defined twice (first on line {first})",
                    cols.join(", "),
                    key.join(", ")
                ),
                Some("keep one row per key (merge the two rows)".into()),
            );
        }
    }
}

/// Attach the `seasons` rows to their facilities: a month is 1–12 and listed once per
/// facility, and a facility's shares sum to 1 (the error is at its last row; not checked
/// for a facility with a bad month, whose sum would only repeat that error).
fn add_seasons(facilities: &mut [Facility], tb: &Table, d: &mut Diagnostics) {
    let mut seen = HashSet::new();
    let mut bad: HashSet<&str> = HashSet::new();
    let mut last: HashMap<String, &Row> = HashMap::new();
    for r in &tb.rows {
        let fid = tb.get(r, "facility");
        let month: i64 = tb.get(r, "month").parse().unwrap_or(0);
        if !(1..=12).contains(&month) {
            d.push(
                codes::OUT_OF_RANGE,
                tb.loc(r, "month"),
                format!("season month {month} of `{fid}` is not a calendar month"),
                Some("use 1 (January) to 12 (December)".into()),
            );
            bad.insert(fid);
            continue;
        }
        if !seen.insert((fid.to_string(), month)) {
            d.push(
                codes::DUPLICATE_ID,
                tb.loc(r, "month"),
                format!("season of `{fid}` lists month {month} twice"),
                None,
            );
            bad.insert(fid);
            continue;
        }
        let Some(f) = facilities.iter_mut().find(|f| f.id == fid) else {
            continue;
        };
        let s = f.season.get_or_insert_with(|| Season {
            shares: [0.0; 12],
            source: Vec::new(),
        });
        s.shares[(month - 1) as usize] = num(tb, r, "share", 0.0);
        for src in list(tb, r, "source") {
            if !s.source.contains(&src) {
                s.source.push(src);
            }
        }
        last.insert(fid.to_string(), r);
    }
    for f in facilities.iter() {
        let (Some(s), Some(r)) = (&f.season, last.get(&f.id)) else {
            continue;
        };
        if bad.contains(f.id.as_str()) {
            continue;
        }
        let sum: f64 = s.shares.iter().sum();
        if (sum - 1.0).abs() > 1e-3 {
            d.push(
                codes::INCONSISTENT,
                tb.loc(r, "share"),
                format!("season of `{}` sums to {sum:.4}, not 1", f.id),
                Some("shares are of the annual capacity; a month without a row has none".into()),
            );
        }
    }
}

/// Sectors.
fn lower_sectors(tb: &Table) -> Vec<Sector> {
    tb.rows
        .iter()
        .map(|r| Sector {
            id: tb.get(r, "id").into(),
            name: tb.get(r, "name").into(),
            priority: tb.get(r, "priority").parse().unwrap_or(5),
            wtp_multiplier: num(tb, r, "wtp_multiplier", 1.0),
            elasticity: num(tb, r, "elasticity", 0.1),
            source: list(tb, r, "source"),
        })
        .collect()
}

/// Growth paths, one per `path` id with its points sorted by year; a year may appear once
/// per path.
fn lower_growth(tb: &Table, d: &mut Diagnostics) -> Vec<GrowthPath> {
    let mut paths: Vec<GrowthPath> = Vec::new();
    for r in &tb.rows {
        let id = tb.get(r, "path");
        let year: i32 = tb.get(r, "year").parse().unwrap_or(0);
        let idx = num(tb, r, "index", 1.0);
        let p = match paths.iter_mut().find(|p| p.id == id) {
            Some(p) => p,
            None => {
                paths.push(GrowthPath {
                    id: id.into(),
                    points: Vec::new(),
                    source: Vec::new(),
                });
                paths.last_mut().expect("just pushed")
            }
        };
        if p.points.iter().any(|(y, _)| *y == year) {
            d.push(
                codes::DUPLICATE_ID,
                tb.loc(r, "year"),
                format!("growth path `{id}` has year {year} twice"),
                None,
            );
        }
        p.points.push((year, idx));
        p.source.extend(list(tb, r, "source"));
    }
    for p in &mut paths {
        p.points.sort_by_key(|x| x.0);
    }
    paths
}

/// Demand rows; a (country, sector, material) may be given once, and a demanded material
/// needs a reference price (read from `ds.materials`).
fn lower_demand(tb: &Table, ds: &Dataset, d: &mut Diagnostics) -> Vec<Demand> {
    let demand: Vec<Demand> = tb
        .rows
        .iter()
        .map(|r| Demand {
            country: tb.get(r, "country").into(),
            sector: tb.get(r, "sector").into(),
            material: tb.get(r, "material").into(),
            base_year: tb.get(r, "base_year").parse().unwrap_or(2024),
            quantity: num(tb, r, "quantity", 0.0),
            growth: tb.get(r, "growth").into(),
            source: list(tb, r, "source"),
        })
        .collect();
    let mut seen = HashMap::new();
    for r in &tb.rows {
        let key = (
            tb.get(r, "country"),
            tb.get(r, "sector"),
            tb.get(r, "material"),
        );
        if let Some(first) = seen.insert(key, r.line) {
            d.push(
                codes::DUPLICATE_ID,
                tb.loc(r, "material"),
                format!(
                    "demand for {}/{}/{} defined twice (first on line {first})",
                    key.0, key.1, key.2
                ),
                None,
            );
        }
    }
    for (dm, r) in demand.iter().zip(&tb.rows) {
        if ds
            .material(&dm.material)
            .is_some_and(|m| m.ref_price.is_none())
        {
            d.push(
                codes::INCONSISTENT,
                tb.loc(r, "material"),
                format!("demanded material `{}` has no ref_price", dm.material),
                Some("willingness to pay is anchored on materials.ref_price (USD/kg)".into()),
            );
        }
    }
    demand
}

/// Trade routes.
fn lower_routes(tb: &Table) -> Vec<Route> {
    tb.rows
        .iter()
        .map(|r| Route {
            from: tb.get(r, "from").into(),
            to: tb.get(r, "to").into(),
            material: tb.get(r, "material").into(),
            cost: num(tb, r, "cost", 0.0),
            lag_months: num(tb, r, "lag_months", 0.0),
            capacity: tb.get(r, "capacity").parse().ok(),
            source: list(tb, r, "source"),
        })
        .collect()
}

/// Stocks (the target defaults to the quantity held).
fn lower_stocks(tb: &Table) -> Vec<Stock> {
    tb.rows
        .iter()
        .map(|r| {
            let q = num(tb, r, "quantity", 0.0);
            Stock {
                country: tb.get(r, "country").into(),
                material: tb.get(r, "material").into(),
                kind: tb.get(r, "kind").into(),
                quantity: q,
                target: tb.get(r, "target").parse().unwrap_or(q),
                source: list(tb, r, "source"),
            }
        })
        .collect()
}

/// Reference price observations.
fn lower_prices(tb: &Table) -> Vec<PriceObs> {
    tb.rows
        .iter()
        .map(|r| PriceObs {
            material: tb.get(r, "material").into(),
            region: tb.get(r, "region").into(),
            year: tb.get(r, "year").parse().unwrap_or(0),
            value: num(tb, r, "value", 0.0),
            source: list(tb, r, "source"),
        })
        .collect()
}

/// Material groups; a group id may not be a material id (an observation's `material`
/// names either).
fn lower_groups(tb: &Table, materials: &[Material], d: &mut Diagnostics) -> Vec<Group> {
    tb.rows
        .iter()
        .map(|r| {
            let id = tb.get(r, "id").to_string();
            if materials.iter().any(|m| m.id == id) {
                d.push(
                    codes::DUPLICATE_ID,
                    tb.loc(r, "id"),
                    format!("group id `{id}` is also a material id"),
                    Some("an observation's material names either: rename the group".into()),
                );
            }
            Group {
                id,
                name: tb.get(r, "name").into(),
                members: list(tb, r, "members"),
                source: list(tb, r, "source"),
            }
        })
        .collect()
}

/// Observations, with the checks their cells alone cannot make: the unit fits the metric,
/// the band holds the value, a share is at most 1, the keys fit the metric, and a series
/// has each period once. Rows whose cells failed their own checks are left out.
fn lower_observations(tb: &Table, d: &mut Diagnostics) -> Vec<Observation> {
    let mut out = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for r in &tb.rows {
        let (Some(metric), Some(period)) = (
            ObsMetric::parse(tb.get(r, "metric")),
            MonthSpan::parse(tb.get(r, "period")),
        ) else {
            continue;
        };
        let o = Observation {
            metric,
            country: tb.get(r, "country").into(),
            partner: tb.get(r, "partner").into(),
            material: tb.get(r, "material").into(),
            stage: Stage::parse(tb.get(r, "stage")),
            sector: tb.get(r, "sector").into(),
            period,
            value: num(tb, r, "value", 0.0),
            low: tb.get(r, "low").parse().ok(),
            high: tb.get(r, "high").parse().ok(),
            unit: tb.get(r, "unit").into(),
            source: list(tb, r, "source"),
            note: tb.get(r, "note").into(),
        };
        check_observation(&o, tb, r, d);
        let key = format!(
            "{}|{}|{}|{}|{:?}|{}|{}",
            metric.as_str(),
            o.country,
            o.partner,
            o.material,
            o.stage,
            o.sector,
            period
        );
        if let Some(first) = seen.insert(key, r.line) {
            d.push(
                codes::DUPLICATE_ID,
                tb.loc(r, "period"),
                format!("this observation repeats line {first} (same metric, keys and period)"),
                Some("keep one row per series and period; say why in NOTES.md".into()),
            );
        }
        out.push(o);
    }
    out
}

/// One observation's unit, band and keys against its metric.
fn check_observation(o: &Observation, tb: &Table, r: &Row, d: &mut Diagnostics) {
    let m = o.metric.as_str();
    let units = o.metric.units();
    if !units.contains(&o.unit.as_str()) {
        let msg = format!("a {m} observation cannot be in `{}`", o.unit);
        d.push(
            codes::UNIT,
            tb.loc(r, "unit"),
            msg,
            Some(format!("use {}", units.join(" or "))),
        );
    }
    if o.metric == ObsMetric::Share && o.value > 1.0 {
        let msg = format!("share {} is above 1", o.value);
        d.push(
            codes::OUT_OF_RANGE,
            tb.loc(r, "value"),
            msg,
            Some("write 0.92, not 92".into()),
        );
    }
    if let Some(lo) = o.low.filter(|lo| *lo > o.value) {
        let msg = format!("low {lo} is above the value {}", o.value);
        d.push(
            codes::OUT_OF_RANGE,
            tb.loc(r, "low"),
            msg,
            Some("low ≤ value ≤ high".into()),
        );
    }
    if let Some(hi) = o.high.filter(|hi| *hi < o.value) {
        let msg = format!("high {hi} is below the value {}", o.value);
        d.push(
            codes::OUT_OF_RANGE,
            tb.loc(r, "high"),
            msg,
            Some("low ≤ value ≤ high".into()),
        );
    }
    check_observation_keys(o, tb, r, d);
}

/// The keys an observation's metric takes: a stage only for production and share (and
/// required there unless production names a material), a partner only for trade, a
/// sector only for consumption, a material for every other simulated metric.
fn check_observation_keys(o: &Observation, tb: &Table, r: &Row, d: &mut Diagnostics) {
    use ObsMetric::*;
    let m = o.metric.as_str();
    let mut refuse = |col: &str, code, msg: String, hint: &str| {
        d.push(code, tb.loc(r, col), msg, Some(hint.to_string()));
    };
    let staged = matches!(o.metric, Production | Share);
    if o.stage.is_some() && !staged {
        let hint = "a stage keys production and share; name the material (e.g. stage:separation)";
        refuse(
            "stage",
            codes::INCONSISTENT,
            format!("a {m} observation takes no stage"),
            hint,
        );
    }
    if o.stage.is_none() && (o.metric == Share || (o.metric == Production && o.material.is_empty()))
    {
        let hint = "give the stage (mining, separation, metal, magnet) or a material";
        refuse(
            "stage",
            codes::EMPTY_VALUE,
            format!("a {m} observation needs a stage"),
            hint,
        );
    }
    if !o.partner.is_empty() && !matches!(o.metric, Exports | Imports) {
        let hint = "only exports and imports have a partner";
        refuse(
            "partner",
            codes::INCONSISTENT,
            format!("a {m} observation takes no partner"),
            hint,
        );
    }
    if !o.sector.is_empty() && o.metric != Consumption {
        let hint = "only consumption is by sector";
        refuse(
            "sector",
            codes::INCONSISTENT,
            format!("a {m} observation takes no sector"),
            hint,
        );
    }
    if o.material.is_empty() && !matches!(o.metric, Production | Share | Reserves) {
        let hint = "a material id, a group id, kind:<kind> or stage:<stage>";
        refuse(
            "material",
            codes::EMPTY_VALUE,
            format!("a {m} observation needs a material"),
            hint,
        );
    }
}

/// Governance rows, sorted by country and year. When the table has rows, every country
/// needs one row per year from the table's first year to its last, and the last year must
/// reach the base year: a missing score is an error here, not a `null` in the indices.
fn lower_governance(tb: &Table, ds: &Dataset, d: &mut Diagnostics) -> Vec<Governance> {
    unique_keys(tb, &["country", "year"], "governance", d);
    let mut out: Vec<Governance> = tb
        .rows
        .iter()
        .map(|r| Governance {
            country: tb.get(r, "country").into(),
            year: tb.get(r, "year").parse().unwrap_or(0),
            political_stability: num(tb, r, "political_stability", 0.0),
            wgi_average: tb.get(r, "wgi_average").parse().ok(),
            source: list(tb, r, "source"),
        })
        .collect();
    out.sort_by(|a, b| a.country.cmp(&b.country).then(a.year.cmp(&b.year)));
    let (Some(first), Some(last)) = (
        out.iter().map(|g| g.year).min(),
        out.iter().map(|g| g.year).max(),
    ) else {
        return out;
    };
    // a row of the last year (or of the country) locates the problem
    let row_of = |pred: &dyn Fn(&Row) -> bool, attr: &str| {
        tb.rows
            .iter()
            .find(|r| pred(r))
            .map_or_else(|| Location::file(&tb.file), |r| tb.loc(r, attr))
    };
    if last < ds.base_year {
        let y = last.to_string();
        d.push(
            codes::INCONSISTENT,
            row_of(&|r| tb.get(r, "year") == y, "year"),
            format!(
                "governance ends in {last}, before the base year {}",
                ds.base_year
            ),
            Some("add the base year's rows (tools/governance.py writes them)".into()),
        );
    }
    for c in &ds.countries {
        let have: HashSet<i32> = out
            .iter()
            .filter(|g| g.country == c.id)
            .map(|g| g.year)
            .collect();
        let missing: Vec<String> = (first..=last)
            .filter(|y| !have.contains(y))
            .map(|y| y.to_string())
            .collect();
        if !missing.is_empty() {
            d.push(
                codes::EMPTY_VALUE,
                row_of(&|r| tb.get(r, "country") == c.id, "country"),
                format!(
                    "no governance for `{}` ({}) in {}",
                    c.id,
                    c.name,
                    missing.join(", ")
                ),
                Some(format!(
                    "every country needs a row for every year {first}–{last}: the risk \
                     indices weigh each supplier by it"
                )),
            );
        }
    }
    out
}
