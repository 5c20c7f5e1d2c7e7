//! The static structure of a run: market nodes, activities, trade arcs, demand and stock
//! variables, built once from a dataset and a scenario.

use lodestone_model::dataset::{Dataset, Process, Route};
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
    /// Anchor price, USD/kg: the base demand is bought at the material's reference price.
    pub price: f64,
    /// The highest price the sector pays, USD/kg (`wtp_multiplier` × reference price):
    /// above it the sector gives up what it is still short of.
    pub cap: f64,
    /// Price elasticity of demand at the anchor (linear demand curve through it).
    pub elasticity: f64,
}

/// A stock variable: one per stock row, and a commercial holder at every other node of a
/// storable material that is produced or used (`storage`).
#[derive(Debug, Clone)]
pub struct StockVar {
    /// Node holding it.
    pub node: usize,
    /// Stock row index in the dataset (None for a holder the engine adds).
    pub row: Option<usize>,
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
        let mut b = Builder::new(ds, taint_country);
        let facility_market: Vec<usize> =
            ds.facilities.iter().map(|f| b.market(&f.country)).collect();
        let (activities, facility_activities, joint) = b.activities(&facility_market);
        let demands = b.demands();
        let stocks = b.stocks();
        let arcs = b.arcs();
        let conversions = b.conversions();
        let colours = b.taint_market.is_some();
        let node_index: HashMap<(usize, usize), usize> = b
            .all_index
            .iter()
            .filter(|((_, _, t), _)| *t == colours)
            .map(|((m, mat, _), &i)| ((*m, *mat), i))
            .collect();
        // a commercial holder's marginal value of stock falls below zero a full
        // `storage_span_months` of use above normal: there the excess is written off at
        // the discarding cost instead, so no price goes below minus that cost (`storage`)
        let mut held = vec![false; b.nodes.len()];
        for sv in stocks.iter().filter(|sv| !sv.strategic) {
            held[sv.node] = true;
        }
        let surplus = b
            .nodes
            .iter()
            .enumerate()
            .filter_map(|(ni, n)| {
                let disposable = ds.materials[n.material].disposable;
                (disposable || joint.contains(&ni) || held[ni]).then_some((ni, disposable))
            })
            .collect();
        Network {
            markets: b.markets,
            materials: ds.materials.iter().map(|m| m.id.clone()).collect(),
            nodes: b.nodes,
            node_index,
            activities,
            facility_activities,
            facility_market,
            arcs,
            demands,
            stocks,
            surplus,
            country_market: b.country_market,
            conversions,
            taint_market: b.taint_market,
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

/// A network under construction: the lookups from ids to indices, the nodes made so far,
/// and which (market, material) pairs some market supplies or uses (for the trade arcs).
struct Builder<'a> {
    ds: &'a Dataset,
    /// Market ids (country ids that are their own market).
    markets: Vec<String>,
    /// Market index of each dataset country.
    country_market: Vec<usize>,
    country_idx: HashMap<&'a str, usize>,
    mat_idx: HashMap<&'a str, usize>,
    proc_idx: HashMap<&'a str, usize>,
    sector_idx: HashMap<&'a str, usize>,
    taint_market: Option<usize>,
    nodes: Vec<Node>,
    /// (market, material, tainted) → node.
    all_index: HashMap<(usize, usize, bool), usize>,
    supply: BTreeSet<(usize, usize)>,
    uses: BTreeSet<(usize, usize)>,
}

/// Position of each id in a list of items, by id.
fn index_by_id<'a, T>(items: &'a [T], id: impl Fn(&'a T) -> &'a str) -> HashMap<&'a str, usize> {
    items.iter().enumerate().map(|(i, x)| (id(x), i)).collect()
}

impl<'a> Builder<'a> {
    /// Markets (countries that are their own market), the lookups, no nodes yet.
    fn new(ds: &'a Dataset, taint_country: Option<&str>) -> Builder<'a> {
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
        let mut b = Builder {
            ds,
            markets,
            country_market,
            country_idx: index_by_id(&ds.countries, |c| c.id.as_str()),
            mat_idx: index_by_id(&ds.materials, |m| m.id.as_str()),
            proc_idx: index_by_id(&ds.processes, |p| p.id.as_str()),
            sector_idx: index_by_id(&ds.sectors, |s| s.id.as_str()),
            taint_market: None,
            nodes: Vec::new(),
            all_index: HashMap::new(),
            supply: BTreeSet::new(),
            uses: BTreeSet::new(),
        };
        b.taint_market = taint_country.map(|c| b.market(c));
        b
    }

    /// Market index of a country id (0 when unknown).
    fn market(&self, country: &str) -> usize {
        self.country_idx
            .get(country)
            .map(|&i| self.country_market[i])
            .unwrap_or(0)
    }

    /// Whether origin colours are on.
    fn colours(&self) -> bool {
        self.taint_market.is_some()
    }

    /// The node of (market, material, colour), made on first use.
    fn node(&mut self, market: usize, material: usize, tainted: bool) -> usize {
        let nodes = &mut self.nodes;
        *self
            .all_index
            .entry((market, material, tainted))
            .or_insert_with(|| {
                nodes.push(Node {
                    market,
                    material,
                    tainted,
                });
                nodes.len() - 1
            })
    }

    /// One activity per enabled facility, process and colour variant; also the activity
    /// indices of each facility and the output nodes of joint-product processes.
    fn activities(
        &mut self,
        facility_market: &[usize],
    ) -> (Vec<Activity>, Vec<Vec<usize>>, BTreeSet<usize>) {
        let ds = self.ds;
        let mut activities = Vec::new();
        let mut facility_activities = vec![Vec::new(); ds.facilities.len()];
        let mut joint: BTreeSet<usize> = BTreeSet::new();
        for (fi, f) in ds.facilities.iter().enumerate() {
            if !f.enabled {
                continue;
            }
            let m = facility_market[fi];
            for pid in &f.processes {
                let Some(&pi) = self.proc_idx.get(pid.as_str()) else {
                    continue;
                };
                for (cin, cout) in self.colour_variants(m, &ds.processes[pi]) {
                    let a = self.activity(fi, pi, m, cin, cout);
                    if a.outputs.len() > 1 {
                        joint.extend(a.outputs.iter().map(|o| o.0));
                    }
                    facility_activities[fi].push(activities.len());
                    activities.push(a);
                }
            }
        }
        (activities, facility_activities, joint)
    }

    /// Colour variants (input colour, output colour) of a process run in market `m`.
    fn colour_variants(&self, m: usize, p: &Process) -> Vec<(bool, bool)> {
        match self.taint_market {
            None => vec![(false, false)],
            Some(tm) if tm == m => vec![(true, true)],
            Some(_) if p.inputs.is_empty() => vec![(false, false)],
            Some(_) => vec![(false, false), (true, true)],
        }
    }

    /// Process `pi` run by facility `fi` in market `m`, taking inputs of colour `cin` and
    /// making outputs of colour `cout` (scaled by the facility's yield factor).
    fn activity(&mut self, fi: usize, pi: usize, m: usize, cin: bool, cout: bool) -> Activity {
        let ds = self.ds;
        let f = &ds.facilities[fi];
        let p = &ds.processes[pi];
        let inputs = p
            .inputs
            .iter()
            .filter_map(|fl| {
                self.mat_idx.get(fl.material.as_str()).copied().map(|mi| {
                    self.uses.insert((m, mi));
                    (self.node(m, mi, cin), fl.quantity)
                })
            })
            .collect();
        let outputs: Vec<(usize, f64)> = p
            .outputs
            .iter()
            .filter_map(|fl| {
                self.mat_idx.get(fl.material.as_str()).copied().map(|mi| {
                    self.supply.insert((m, mi));
                    (self.node(m, mi, cout), fl.quantity * f.yield_factor)
                })
            })
            .collect();
        Activity {
            facility: fi,
            process: pi,
            inputs,
            outputs,
        }
    }

    /// One demand variable per demand row whose material and sector exist, at the
    /// consumer node (tainted when colours are on).
    fn demands(&mut self) -> Vec<DemandVar> {
        let ds = self.ds;
        let colours = self.colours();
        let mut demands = Vec::new();
        for (ri, dm) in ds.demand.iter().enumerate() {
            let (Some(&mi), Some(&si)) = (
                self.mat_idx.get(dm.material.as_str()),
                self.sector_idx.get(dm.sector.as_str()),
            ) else {
                continue;
            };
            let m = self.market(&dm.country);
            self.uses.insert((m, mi));
            let sector = &ds.sectors[si];
            let price = ds.materials[mi].ref_price.unwrap_or(1.0);
            demands.push(DemandVar {
                node: self.node(m, mi, colours),
                row: ri,
                sector: si,
                price,
                cap: sector.wtp_multiplier * price,
                elasticity: sector.elasticity.max(0.01),
            });
        }
        demands
    }

    /// One stock variable per stock row whose material exists, at the consumer node (a
    /// stock row both supplies and uses its material), then a commercial holder at every
    /// other node of a storable material (`storage::STORABLE`) that is produced or used.
    /// Call before `arcs`, which consumes the supply and use sets.
    fn stocks(&mut self) -> Vec<StockVar> {
        let ds = self.ds;
        let colours = self.colours();
        let mut stocks = Vec::new();
        for (ri, s) in ds.stocks.iter().enumerate() {
            let Some(&mi) = self.mat_idx.get(s.material.as_str()) else {
                continue;
            };
            let m = self.market(&s.country);
            self.supply.insert((m, mi));
            self.uses.insert((m, mi));
            stocks.push(StockVar {
                node: self.node(m, mi, colours),
                row: Some(ri),
                strategic: s.kind == "strategic",
            });
        }
        let held: BTreeSet<usize> = (stocks.iter())
            .filter(|s| !s.strategic)
            .map(|s| s.node)
            .collect();
        let storable =
            |mi: usize| crate::storage::STORABLE.contains(&ds.materials[mi].kind.as_str());
        let places: BTreeSet<(usize, usize)> = (self.supply.iter())
            .chain(&self.uses)
            .filter(|&&(_, mi)| storable(mi))
            .copied()
            .collect();
        for (m, mi) in places {
            let node = self.node(m, mi, colours);
            if !held.contains(&node) {
                stocks.push(StockVar {
                    node,
                    row: None,
                    strategic: false,
                });
            }
        }
        stocks
    }

    /// Arcs from every supplying market to every using market of the same material where
    /// a route applies (one per colour when colours are on). Consumes the supply and use
    /// sets: call after every activity, demand and stock is in.
    fn arcs(&mut self) -> Vec<Arc> {
        let ds = self.ds;
        let colours = self.colours();
        let supply = std::mem::take(&mut self.supply);
        let uses = std::mem::take(&mut self.uses);
        let mut arcs = Vec::new();
        for &(sm, mi) in &supply {
            for &(um, mj) in &uses {
                if mi != mj || sm == um {
                    continue;
                }
                let mat = &ds.materials[mi];
                let (from, to) = (&self.markets[sm], &self.markets[um]);
                if let Some((cost, capacity)) = route_cost(&ds.routes, from, to, &mat.id, &mat.kind)
                {
                    let colours_here: &[bool] = if colours { &[false, true] } else { &[false] };
                    for &c in colours_here {
                        arcs.push(Arc {
                            from: self.node(sm, mi, c),
                            to: self.node(um, mi, c),
                            cost,
                            capacity,
                        });
                    }
                }
            }
        }
        arcs
    }

    /// With colours on, a free conversion from every clean node to its tainted twin.
    fn conversions(&mut self) -> Vec<(usize, usize)> {
        let mut conversions = Vec::new();
        if self.colours() {
            let clean: Vec<(usize, usize, usize)> = self
                .nodes
                .iter()
                .enumerate()
                .filter(|(_, n)| !n.tainted)
                .map(|(i, n)| (i, n.market, n.material))
                .collect();
            for (i, market, material) in clean {
                let t = self.node(market, material, true);
                conversions.push((i, t));
            }
        }
        conversions
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
