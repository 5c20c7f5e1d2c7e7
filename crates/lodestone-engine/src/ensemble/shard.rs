//! Shards of a distributed ensemble: replicates `start..start + n` of an ensemble, as a
//! compact binary blob that crosses process and machine boundaries, and the exact merge of
//! shards into the summary the local ensemble computes.
//!
//! A shard keeps every replicate's aggregated values ([`Replicate`]), not a sketch: the
//! merge feeds them to the same [`Accumulator`] in index order, so the merged summary is
//! the local one byte for byte whatever the number of shards or workers. The price is
//! memory: per replicate 16 bytes per annual metric and year (two string ids and an
//! `f64`), 12 per sampled parameter and price-episode value, 17 per time-to-independence
//! entry, plus each shard's table of distinct strings.
//!
//! Layout (little-endian): `LSHD`, format version (u32), scenario, dataset, step
//! (strings), master seed (u64), start, count (u64), checkpoint years (u32 n, i32 each), the string
//! table (u32 n, strings), then each replicate: balanced (u8), values (u32 n, (id, f64)),
//! rows (u32 n, (id, id, f64)), episodes (u32 n, (id, f64)), independence (u32 n, (id,
//! id, id, u8 reached, i32 year)). A string is a u32 length and UTF-8 bytes.

use super::{Accumulator, EnsembleSummary, Replicate};
use std::collections::HashMap;

const MAGIC: &[u8; 4] = b"LSHD";
const VERSION: u32 = 2;

/// Why shards could not be read or merged.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ShardError {
    /// Not a shard, or cut short.
    #[error("not a Lodestone ensemble shard ({0})")]
    Malformed(&'static str),
    /// Written by another format version.
    #[error("ensemble shard of format version {0}; this Lodestone reads version {VERSION}")]
    Version(u32),
    /// Shards of different ensembles.
    #[error("shard {index} is of another ensemble: {what}")]
    Mismatch {
        /// Position of the shard in the list.
        index: usize,
        /// What differs.
        what: String,
    },
    /// Shards that do not cover `0..runs` in order.
    #[error(
        "shard {index} starts at replicate {start}, expected {expected}: shards must cover replicates 0..runs in order"
    )]
    Gap {
        /// Position of the shard in the list.
        index: usize,
        /// Its first replicate.
        start: usize,
        /// The replicate after the previous shard's last.
        expected: usize,
    },
    /// No shard, or no replicate.
    #[error("no replicates to merge")]
    Empty,
}

/// Replicates `start..start + replicates.len()` of the ensemble of `seed` over a scenario
/// and dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct Shard {
    /// Scenario name.
    pub scenario: String,
    /// Dataset name.
    pub dataset: String,
    /// The time step the replicates ran at ([`super::step_name`]).
    pub step: String,
    /// Master seed.
    pub seed: u64,
    /// Index of the first replicate.
    pub start: usize,
    /// Years of the probability statements ([`super::checkpoints`]).
    pub checkpoints: Vec<i32>,
    /// The replicates, in index order.
    pub replicates: Vec<Replicate>,
}

struct Writer {
    out: Vec<u8>,
}

impl Writer {
    fn u32(&mut self, x: u32) {
        self.out.extend_from_slice(&x.to_le_bytes());
    }
    fn u64(&mut self, x: u64) {
        self.out.extend_from_slice(&x.to_le_bytes());
    }
    fn f64(&mut self, x: f64) {
        self.out.extend_from_slice(&x.to_le_bytes());
    }
    fn len(&mut self, n: usize) {
        self.u32(u32::try_from(n).unwrap_or(u32::MAX));
    }
    fn str(&mut self, s: &str) {
        self.len(s.len());
        self.out.extend_from_slice(s.as_bytes());
    }
}

struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ShardError> {
        if self.buf.len() < n {
            return Err(ShardError::Malformed("cut short"));
        }
        let (head, rest) = self.buf.split_at(n);
        self.buf = rest;
        Ok(head)
    }
    fn arr<const N: usize>(&mut self) -> Result<[u8; N], ShardError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }
    fn u8(&mut self) -> Result<u8, ShardError> {
        Ok(self.arr::<1>()?[0])
    }
    fn u32(&mut self) -> Result<u32, ShardError> {
        Ok(u32::from_le_bytes(self.arr()?))
    }
    fn i32(&mut self) -> Result<i32, ShardError> {
        Ok(i32::from_le_bytes(self.arr()?))
    }
    fn u64(&mut self) -> Result<u64, ShardError> {
        Ok(u64::from_le_bytes(self.arr()?))
    }
    fn f64(&mut self) -> Result<f64, ShardError> {
        Ok(f64::from_le_bytes(self.arr()?))
    }
    /// A count of items of at least `min` bytes each (bounded by what is left).
    fn len(&mut self, min: usize) -> Result<usize, ShardError> {
        let n = self.u32()? as usize;
        if n.saturating_mul(min) > self.buf.len() {
            return Err(ShardError::Malformed("cut short"));
        }
        Ok(n)
    }
    fn str(&mut self) -> Result<String, ShardError> {
        let n = self.len(1)?;
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| ShardError::Malformed("bad text"))
    }
}

impl Shard {
    /// The shard as bytes (see the module's layout).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut ids: HashMap<&str, u32> = HashMap::new();
        let mut table: Vec<&str> = Vec::new();
        // the table first (owned by the replicates, so borrowed for the whole call)
        let strs = self.replicates.iter().flat_map(|r| {
            let v = r.values.iter().map(|(p, _)| p.as_str());
            let rows = r.rows.iter().flat_map(|(y, m, _)| [y.as_str(), m.as_str()]);
            let e = r.episodes.iter().map(|(k, _)| k.as_str());
            let t = r
                .independence
                .iter()
                .flat_map(|(b, s, t, _)| [b.as_str(), s.as_str(), t.as_str()]);
            v.chain(rows).chain(e).chain(t)
        });
        for s in strs {
            if !ids.contains_key(s) {
                ids.insert(s, table.len() as u32);
                table.push(s);
            }
        }
        let mut w = Writer { out: Vec::new() };
        w.out.extend_from_slice(MAGIC);
        w.u32(VERSION);
        w.str(&self.scenario);
        w.str(&self.dataset);
        w.str(&self.step);
        w.u64(self.seed);
        w.u64(self.start as u64);
        w.u64(self.replicates.len() as u64);
        w.len(self.checkpoints.len());
        for c in &self.checkpoints {
            w.out.extend_from_slice(&c.to_le_bytes());
        }
        w.len(table.len());
        for s in &table {
            w.str(s);
        }
        let id = |s: &str| ids[s];
        for r in &self.replicates {
            w.out.push(u8::from(r.balanced));
            w.len(r.values.len());
            for (p, v) in &r.values {
                w.u32(id(p));
                w.f64(*v);
            }
            w.len(r.rows.len());
            for (y, m, v) in &r.rows {
                w.u32(id(y));
                w.u32(id(m));
                w.f64(*v);
            }
            w.len(r.episodes.len());
            for (k, v) in &r.episodes {
                w.u32(id(k));
                w.f64(*v);
            }
            w.len(r.independence.len());
            for (b, s, t, y) in &r.independence {
                w.u32(id(b));
                w.u32(id(s));
                w.u32(id(t));
                w.out.push(u8::from(y.is_some()));
                w.out.extend_from_slice(&y.unwrap_or(0).to_le_bytes());
            }
        }
        w.out
    }

    /// Read a shard written by [`Shard::to_bytes`].
    pub fn from_bytes(buf: &[u8]) -> Result<Shard, ShardError> {
        let mut r = Reader { buf };
        if r.take(4).map_err(|_| ShardError::Malformed("no header"))? != MAGIC {
            return Err(ShardError::Malformed("no header"));
        }
        let version = r.u32()?;
        if version != VERSION {
            return Err(ShardError::Version(version));
        }
        let scenario = r.str()?;
        let dataset = r.str()?;
        let step = r.str()?;
        let seed = r.u64()?;
        let start = usize::try_from(r.u64()?).map_err(|_| ShardError::Malformed("start"))?;
        let count = usize::try_from(r.u64()?).map_err(|_| ShardError::Malformed("count"))?;
        let n = r.len(4)?;
        let checkpoints = (0..n).map(|_| r.i32()).collect::<Result<Vec<_>, _>>()?;
        let n = r.len(4)?;
        let table = (0..n).map(|_| r.str()).collect::<Result<Vec<_>, _>>()?;
        let s = |r: &mut Reader| -> Result<String, ShardError> {
            let i = r.u32()? as usize;
            table
                .get(i)
                .cloned()
                .ok_or(ShardError::Malformed("bad string id"))
        };
        if count > r.buf.len() {
            return Err(ShardError::Malformed("cut short"));
        }
        let mut replicates = Vec::with_capacity(count);
        for k in 0..count {
            let balanced = r.u8()? != 0;
            let n = r.len(12)?;
            let mut values = Vec::with_capacity(n);
            for _ in 0..n {
                values.push((s(&mut r)?, r.f64()?));
            }
            let n = r.len(16)?;
            let mut rows = Vec::with_capacity(n);
            for _ in 0..n {
                rows.push((s(&mut r)?, s(&mut r)?, r.f64()?));
            }
            let n = r.len(12)?;
            let mut episodes = Vec::with_capacity(n);
            for _ in 0..n {
                episodes.push((s(&mut r)?, r.f64()?));
            }
            let n = r.len(17)?;
            let mut independence = Vec::with_capacity(n);
            for _ in 0..n {
                let (b, st, t) = (s(&mut r)?, s(&mut r)?, s(&mut r)?);
                let reached = r.u8()? != 0;
                let y = r.i32()?;
                independence.push((b, st, t, reached.then_some(y)));
            }
            replicates.push(Replicate {
                index: start + k,
                values,
                rows,
                episodes,
                independence,
                balanced,
            });
        }
        if !r.buf.is_empty() {
            return Err(ShardError::Malformed("trailing bytes"));
        }
        Ok(Shard {
            scenario,
            dataset,
            step,
            seed,
            start,
            checkpoints,
            replicates,
        })
    }
}

/// Merges shards one at a time, in replicate order, into the ensemble summary: what a
/// driver uses to merge shards as they arrive (holding only those that arrive ahead of the
/// next one needed), with the same result as [`merge`] of the whole list.
#[derive(Debug, Default)]
pub struct Merger {
    head: Option<(String, String, u64, Vec<i32>, String)>,
    acc: Option<Accumulator>,
    shards: usize,
}

impl Merger {
    /// A merger with no shard yet.
    pub fn new() -> Merger {
        Merger::default()
    }

    /// Replicates merged so far: the first replicate of the next shard.
    pub fn count(&self) -> usize {
        self.acc.as_ref().map_or(0, Accumulator::count)
    }

    /// Shards merged so far.
    pub fn shards(&self) -> usize {
        self.shards
    }

    /// Merge the next shard (it must start at [`Merger::count`] and be of the same
    /// ensemble as the first), calling `each` on its replicates in index order. The shard
    /// is read and dropped: only the aggregate is kept.
    pub fn push(
        &mut self,
        bytes: &[u8],
        each: &mut dyn FnMut(&Replicate),
    ) -> Result<(), ShardError> {
        let index = self.shards;
        let sh = Shard::from_bytes(bytes)?;
        match &self.head {
            None => {
                self.head = Some((
                    sh.scenario.clone(),
                    sh.dataset.clone(),
                    sh.seed,
                    sh.checkpoints.clone(),
                    sh.step.clone(),
                ));
            }
            Some((sc, ds, seed, cps, step)) => {
                let what = if *sc != sh.scenario {
                    Some(format!("scenario `{}`, not `{sc}`", sh.scenario))
                } else if *ds != sh.dataset {
                    Some(format!("dataset `{}`, not `{ds}`", sh.dataset))
                } else if *seed != sh.seed {
                    Some(format!("seed {}, not {seed}", sh.seed))
                } else if *step != sh.step {
                    Some(format!("step `{}`, not `{step}`", sh.step))
                } else if *cps != sh.checkpoints {
                    Some("another horizon".to_string())
                } else {
                    None
                };
                if let Some(what) = what {
                    return Err(ShardError::Mismatch { index, what });
                }
            }
        }
        let acc = self
            .acc
            .get_or_insert_with(|| Accumulator::new(sh.checkpoints.clone()));
        let expected = acc.count();
        if sh.start != expected {
            return Err(ShardError::Gap {
                index,
                start: sh.start,
                expected,
            });
        }
        for r in &sh.replicates {
            each(r);
            acc.add(r);
        }
        self.shards += 1;
        Ok(())
    }

    /// The ensemble summary of the shards merged.
    pub fn finish(self) -> Result<EnsembleSummary, ShardError> {
        match (self.head, self.acc) {
            (Some((sc, ds, seed, _, step)), Some(acc)) if acc.count() > 0 => {
                Ok(acc.finish(&sc, &ds, seed, &step))
            }
            _ => Err(ShardError::Empty),
        }
    }
}

/// Merge shards (in order; they must cover replicates `0..runs` of one ensemble) into the
/// ensemble summary, calling `each` on every replicate in index order. Each shard is read
/// and dropped in turn, so only one shard's replicates are held at a time ([`Merger`]).
pub fn merge<'a>(
    shards: impl IntoIterator<Item = &'a [u8]>,
    each: &mut dyn FnMut(&Replicate),
) -> Result<EnsembleSummary, ShardError> {
    let mut m = Merger::new();
    for bytes in shards {
        m.push(bytes, each)?;
    }
    m.finish()
}
