//! The static structure of a run: market nodes, activities, trade arcs, demand and stock
//! variables, built once from a dataset and a scenario.

use lodestone_model::dataset::{Dataset, Route};
use std::collections::{BTreeSet, HashMap};

/// A (market, material) balance node.
#[derive(Debug, Clone)]
pub struct Node {
    /// Market index.
    pub market: usize,
    /// Material index.
    pub material: usize,
    /// Holds controlled-origin material (only when origin colours are on).
    pub tainted: bool,
}

/// One process run by one facility.
#[derive(Debug, Clone)]
pub struct Activity {
    /// Facility index in the dataset.
    pub facility: usize,
    /// Process index in the dataset.
    pub process: usize,
    /// Inputs: (node, tonnes per unit activity).
    pub inputs: Vec<(usize, f64)>,
    /// Outputs: (node, tonnes per unit activity).
    pub outputs: Vec<(usize, f64)>,
}

/// A trade arc between two markets for one material.
#[derive(Debug, Clone)]
pub struct Arc {
    /// Exporting node.
    pub from: usize,
    /// Importing node.
    pub to: usize,
    /// USD/t.
    pub cost: f64,
    /// t/yr, None = unlimited.
    pub capacity: Option<f64>,
}

/// A demand variable.
#[derive(Debug, Clone)]
pub struct DemandVar {
    /// Node served.
    pub node: usize,
    /// Demand row index in the dataset.
    pub row: usize,
    /// Sector index.
    pub sector: usize,
    /// Willingness to pay before going short, USD/kg.
    pub wtp: f64,
    /// Share of demand given up per doubling of price above WTP.
    pub elasticity: f64,
}

/// A stock variable (one per stock row).
#[derive(Debug, Clone)]
pub struct StockVar {
    /// Node holding it.
    pub node: usize,
    /// Stock row index in the dataset.
    pub row: usize,
    /// Strategic (government) or commercial.
    pub strategic: bool,
}

/// The network.
#[derive(Debug, Clone)]
pub struct Network {
    /// Market ids (country ids that are their own market).
    pub markets: Vec<String>,
    /// Material ids (dataset order).
    pub materials: Vec<String>,
    /// Balance nodes.
    pub nodes: Vec<Node>,
    /// (market, material) → node.
    pub node_index: HashMap<(usize, usize), usize>,
    /// Activities.
    pub activities: Vec<Activity>,
    /// For each dataset facility, its activity indices.
    pub facility_activities: Vec<Vec<usize>>,
    /// Market index of each dataset facility.
    pub facility_market: Vec<usize>,
    /// Trade arcs.
    pub arcs: Vec<Arc>,
    /// Demand variables.
    pub demands: Vec<DemandVar>,
    /// Stock variables.
    pub stocks: Vec<StockVar>,
    /// Nodes where surplus may be stockpiled/discarded: (node, free?).
    pub surplus: Vec<(usize, bool)>,
    /// Market of each dataset country.
    pub country_market: Vec<usize>,
    /// Free conversions from a clean node to its tainted twin: (clean, tainted).
    pub conversions: Vec<(usize, usize)>,
    /// Controlling market when origin colours are on.
    pub taint_market: Option<usize>,
}

fn route_cost(
    routes: &[Route],
    from: &str,
    to: &str,
    material: &str,
    kind: &str,
) -> Option<(f64, Option<f64>)> {
    // most specific wins: material > kind > *, then country > *
    let mut best: Option<(u8, &Route)> = None;
    for r in routes {
        let mscore = if r.material == material {
            4
        } else if r.material.strip_prefix("kind:") == Some(kind) {
            2
        } else if r.material == "*" {
            0
        } else {
            continue;
        };
        let fscore = if r.from == from {
            1
        } else if r.from == "*" {
            0
        } else {
            continue;
        };
        let tscore = if r.to == to {
            1
        } else if r.to == "*" {
            0
        } else {
            continue;
        };
        let score = mscore * 4 + fscore * 2 + tscore;
        if best.is_none_or(|(b, _)| score > b) {
            best = Some((score, r));
        }
    }
    best.map(|(_, r)| (r.cost, r.capacity))
}

impl Network {
    /// Build the network. The dataset must be validated (ids resolve).
    pub fn build(ds: &Dataset) -> Network {
        Network::build_with(ds, None)
    }

    /// Build with origin colours: every node gets a clean and a tainted twin; plants in
    /// `taint_country`'s market (and its mines) make tainted material; plants elsewhere run a
    /// clean variant (clean inputs only) and a tainted one; consumers take either.
    pub fn build_with(ds: &Dataset, taint_country: Option<&str>) -> Network {
        let mut markets: Vec<String> = Vec::new();
        let mut market_of: HashMap<&str, usize> = HashMap::new();
        for c in &ds.countries {
            if c.market == c.id {
                market_of.insert(&c.id, markets.len());
                markets.push(c.id.clone());
            }
        }
        let country_market: Vec<usize> = ds
            .countries
            .iter()
            .map(|c| market_of.get(c.market.as_str()).copied().unwrap_or(0))
            .collect();
        let country_idx: HashMap<&str, usize> = ds
            .countries
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.as_str(), i))
            .collect();
        let mkt = |country: &str| {
            country_idx
                .get(country)
                .map(|&i| country_market[i])
                .unwrap_or(0)
        };
        let materials: Vec<String> = ds.materials.iter().map(|m| m.id.clone()).collect();
        let mat_idx: HashMap<&str, usize> = materials
            .iter()
            .enumerate()
            .map(|(i, m)| (m.as_str(), i))
            .collect();
        let proc_idx: HashMap<&str, usize> = ds
            .processes
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id.as_str(), i))
            .collect();
        let sector_idx: HashMap<&str, usize> = ds
            .sectors
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.as_str(), i))
            .collect();

        let taint_market = taint_country.map(&mkt);
        let colours = taint_market.is_some();
        let mut nodes = Vec::new();
        let mut all_index: HashMap<(usize, usize, bool), usize> = HashMap::new();
        let mut node_c =
            |market: usize, material: usize, tainted: bool, nodes: &mut Vec<Node>| -> usize {
                *all_index
                    .entry((market, material, tainted))
                    .or_insert_with(|| {
                        nodes.push(Node {
                            market,
                            material,
                            tainted,
                        });
                        nodes.len() - 1
                    })
            };
        // consumers and stocks use the "consumer" node: tainted when colours are on

        // which materials each market can supply and use
        let mut supply: BTreeSet<(usize, usize)> = BTreeSet::new();
        let mut uses: BTreeSet<(usize, usize)> = BTreeSet::new();

        let mut activities = Vec::new();
        let mut facility_activities = vec![Vec::new(); ds.facilities.len()];
        let facility_market: Vec<usize> = ds.facilities.iter().map(|f| mkt(&f.country)).collect();
        let mut joint: BTreeSet<usize> = BTreeSet::new();
        for (fi, f) in ds.facilities.iter().enumerate() {
            if !f.enabled {
                continue;
            }
            let m = facility_market[fi];
            for pid in &f.processes {
                let Some(&pi) = proc_idx.get(pid.as_str()) else {
                    continue;
                };
                let p = &ds.processes[pi];
                // colour variants: (input colour, output colour)
                let variants: Vec<(bool, bool)> = match taint_market {
                    None => vec![(false, false)],
                    Some(tm) if tm == m => vec![(true, true)],
                    Some(_) if p.inputs.is_empty() => vec![(false, false)],
                    Some(_) => vec![(false, false), (true, true)],
                };
                for (cin, cout) in variants {
                    let inputs = p
                        .inputs
                        .iter()
                        .filter_map(|fl| {
                            mat_idx.get(fl.material.as_str()).map(|&mi| {
                                uses.insert((m, mi));
                                (node_c(m, mi, cin, &mut nodes), fl.quantity)
                            })
                        })
                        .collect();
                    let outputs: Vec<(usize, f64)> = p
                        .outputs
                        .iter()
                        .filter_map(|fl| {
                            mat_idx.get(fl.material.as_str()).map(|&mi| {
                                supply.insert((m, mi));
                                (
                                    node_c(m, mi, cout, &mut nodes),
                                    fl.quantity * f.yield_factor,
                                )
                            })
                        })
                        .collect();
                    if outputs.len() > 1 {
                        joint.extend(outputs.iter().map(|o| o.0));
                    }
                    facility_activities[fi].push(activities.len());
                    activities.push(Activity {
                        facility: fi,
                        process: pi,
                        inputs,
                        outputs,
                    });
                }
            }
        }
        let mut demands = Vec::new();
        for (ri, dm) in ds.demand.iter().enumerate() {
            let (Some(&mi), Some(&si)) = (
                mat_idx.get(dm.material.as_str()),
                sector_idx.get(dm.sector.as_str()),
            ) else {
                continue;
            };
            let m = mkt(&dm.country);
            uses.insert((m, mi));
            let sector = &ds.sectors[si];
            let price = ds.materials[mi].ref_price.unwrap_or(1.0);
            demands.push(DemandVar {
                node: node_c(m, mi, colours, &mut nodes),
                row: ri,
                sector: si,
                wtp: sector.wtp_multiplier * price,
                elasticity: sector.elasticity.max(0.01),
            });
        }
        let mut stocks = Vec::new();
        for (ri, s) in ds.stocks.iter().enumerate() {
            let Some(&mi) = mat_idx.get(s.material.as_str()) else {
                continue;
            };
            let m = mkt(&s.country);
            supply.insert((m, mi));
            uses.insert((m, mi));
            stocks.push(StockVar {
                node: node_c(m, mi, colours, &mut nodes),
                row: ri,
                strategic: s.kind == "strategic",
            });
        }
        // arcs from every supplying market to every using market of the same material
        let mut arcs = Vec::new();
        for &(sm, mi) in &supply {
            for &(um, mj) in &uses {
                if mi != mj || sm == um {
                    continue;
                }
                let mat = &ds.materials[mi];
                if let Some((cost, capacity)) =
                    route_cost(&ds.routes, &markets[sm], &markets[um], &mat.id, &mat.kind)
                {
                    let colours_here: &[bool] = if colours { &[false, true] } else { &[false] };
                    for &c in colours_here {
                        arcs.push(Arc {
                            from: node_c(sm, mi, c, &mut nodes),
                            to: node_c(um, mi, c, &mut nodes),
                            cost,
                            capacity,
                        });
                    }
                }
            }
        }
        let mut conversions = Vec::new();
        if colours {
            let clean: Vec<(usize, usize, usize)> = nodes
                .iter()
                .enumerate()
                .filter(|(_, n)| !n.tainted)
                .map(|(i, n)| (i, n.market, n.material))
                .collect();
            for (i, market, material) in clean {
                let t = node_c(market, material, true, &mut nodes);
                conversions.push((i, t));
            }
        }
        let node_index: HashMap<(usize, usize), usize> = all_index
            .iter()
            .filter(|((_, _, t), _)| *t == colours)
            .map(|((m, mat, _), &i)| ((*m, *mat), i))
            .collect();
        let surplus = nodes
            .iter()
            .enumerate()
            .filter_map(|(ni, n)| {
                let disposable = ds.materials[n.material].disposable;
                (disposable || joint.contains(&ni)).then_some((ni, disposable))
            })
            .collect();
        Network {
            markets,
            materials,
            nodes,
            node_index,
            activities,
            facility_activities,
            facility_market,
            arcs,
            demands,
            stocks,
            surplus,
            country_market,
            conversions,
            taint_market,
        }
    }

    /// Number of variables in the clearing problem.
    pub fn n_vars(&self) -> usize {
        self.activities.len()
            + self.arcs.len()
            + self.demands.len()
            + 2 * self.stocks.len()
            + self.surplus.len()
            + self.conversions.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(from: &str, to: &str, m: &str, cost: f64) -> Route {
        Route {
            from: from.into(),
            to: to.into(),
            material: m.into(),
            cost,
            lag_months: 0.0,
            capacity: None,
            source: vec![],
        }
    }

    #[test]
    fn most_specific_route_wins() {
        let routes = vec![
            r("*", "*", "*", 100.0),
            r("*", "CN", "kind:concentrate", 50.0),
            r("US", "CN", "conc_mp", 30.0),
            r("MM", "*", "*", 80.0),
        ];
        assert_eq!(
            route_cost(&routes, "US", "CN", "conc_mp", "concentrate")
                .unwrap()
                .0,
            30.0
        );
        assert_eq!(
            route_cost(&routes, "AU", "CN", "conc_x", "concentrate")
                .unwrap()
                .0,
            50.0
        );
        assert_eq!(
            route_cost(&routes, "AU", "JP", "conc_x", "concentrate")
                .unwrap()
                .0,
            100.0
        );
        assert_eq!(
            route_cost(&routes, "MM", "JP", "oxide_y", "oxide")
                .unwrap()
                .0,
            80.0
        );
        assert!(route_cost(&routes[1..2], "AU", "JP", "x", "oxide").is_none());
    }
}
