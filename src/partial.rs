//! Partial results of a sharded run, and merging them into the unsharded result.
//!
//! `cashrisk run --shard K/N` simulates the K-th of N contiguous ranges of whole blocks
//! and writes `partial-K-of-N.cashrisk`: a header line, the length of the whole file
//! and the SHA-256 of everything after the hash (so that a truncated, bit-flipped or
//! tampered file is refused before any of it is parsed), a JSON description (the
//! scenario text, the cashrisk version and how it was run, so `merge` needs nothing
//! else), then the run's numbers in binary (little-endian, exact), variant by variant
//! (format 6; a file of another format is refused). `cashrisk merge` checks that the parts
//! belong to one run and cover it without gaps, appends them in path order
//! ([`RunResult::append`]) and so reproduces the unsharded run bit for bit.

use crate::fan::{BUCKETS, Fan, Histogram};
use crate::run::{BLOCK, BlockSums, RunResult, VariantResult, YearSums};
use crate::variant::MAX_VARIANTS;
use serde::{Deserialize, Serialize};

const MAGIC: &[u8] = b"cashrisk-partial 7\n";
/// Magic line, then the file's length (8 bytes), then SHA-256 (32 bytes) of the rest.
const HEADER: usize = MAGIC.len() + 8 + 32;
/// The largest partial file read: 50 million paths at 40 bytes, with room to spare.
pub const MAX_PARTIAL_BYTES: u64 = 4 << 30;

/// Which part of which run a partial result is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartialMeta {
    /// Version of cashrisk that wrote it (merging across versions is refused).
    pub cashrisk_version: String,
    /// The scenario file as named on the command line.
    pub file: String,
    /// The scenario file's text.
    pub text: String,
    /// The stress case, if any.
    pub stress: Option<String>,
    /// Paths of the whole run.
    pub paths: u64,
    /// Seed of the whole run.
    pub seed: u64,
    /// Shard number K (1-based) and count N.
    pub shard: (u64, u64),
    /// First path and number of paths of this part.
    pub first_path: u64,
    /// Paths in this part.
    pub count: u64,
    /// Days.
    pub horizon: u32,
}

/// The paths of shard `k` (1-based) of `n` for a run of `paths` paths: whole blocks,
/// shard k gets blocks [floor((k-1) B / n), floor(k B / n)) of B blocks.
pub fn shard_range(paths: u64, k: u64, n: u64) -> (u64, u64) {
    let blocks = paths.div_ceil(BLOCK);
    let b0 = (k - 1) * blocks / n;
    let b1 = k * blocks / n;
    let first = (b0 * BLOCK).min(paths);
    let end = (b1 * BLOCK).min(paths);
    (first, end - first)
}

struct Writer(Vec<u8>);

impl Writer {
    fn u64(&mut self, x: u64) {
        self.0.extend_from_slice(&x.to_le_bytes());
    }
    fn f64s(&mut self, xs: &[f64]) {
        self.u64(xs.len() as u64);
        for x in xs {
            self.0.extend_from_slice(&x.to_bits().to_le_bytes());
        }
    }
    fn u64s(&mut self, xs: impl ExactSizeIterator<Item = u64>) {
        self.u64(xs.len() as u64);
        for x in xs {
            self.u64(x);
        }
    }
    /// Sparse counts: (index, count) of the non-zero entries.
    fn sparse(&mut self, xs: &[u32]) {
        let nz: Vec<(usize, u32)> = xs
            .iter()
            .enumerate()
            .filter(|(_, c)| **c != 0)
            .map(|(i, c)| (i, *c))
            .collect();
        self.u64(nz.len() as u64);
        for (i, c) in nz {
            self.u64(i as u64);
            self.u64(c as u64);
        }
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn u64(&mut self) -> Result<u64, String> {
        let end = self.at + 8;
        let b = self
            .bytes
            .get(self.at..end)
            .ok_or("the file ends too early (truncated?)")?;
        self.at = end;
        Ok(u64::from_le_bytes(b.try_into().map_err(|_| "bad length")?))
    }
    fn len(&mut self, limit: u64) -> Result<usize, String> {
        let n = self.u64()?;
        if n > limit {
            return Err(format!(
                "a length of {n} is impossible here (corrupt file?)"
            ));
        }
        Ok(n as usize)
    }
    fn f64s(&mut self, limit: u64) -> Result<Vec<f64>, String> {
        let n = self.len(limit)?;
        (0..n).map(|_| self.u64().map(f64::from_bits)).collect()
    }
    fn u64s(&mut self, limit: u64) -> Result<Vec<u64>, String> {
        let n = self.len(limit)?;
        (0..n).map(|_| self.u64()).collect()
    }
    fn sparse(&mut self, into: &mut [u32]) -> Result<(), String> {
        let n = self.len(into.len() as u64)?;
        for _ in 0..n {
            let i = self.u64()? as usize;
            let c = self.u64()?;
            let slot = into.get_mut(i).ok_or("a histogram index is out of range")?;
            *slot = u32::try_from(c).map_err(|_| "a histogram count is too large")?;
        }
        Ok(())
    }
}

/// A partial file around `body`: the magic line, the total length and the SHA-256 of
/// the body. (Public for the fuzz target, which seals what it makes up so that the
/// decoder behind the check is explored.)
pub fn seal(body: &[u8]) -> Vec<u8> {
    use sha2::Digest as _;
    let mut out = Vec::with_capacity(HEADER + body.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&((HEADER + body.len()) as u64).to_le_bytes());
    out.extend_from_slice(&sha2::Sha256::digest(body));
    out.extend_from_slice(body);
    out
}

/// The body of a sealed file, after checking its magic line, length and checksum.
fn unseal(bytes: &[u8]) -> Result<&[u8], String> {
    use sha2::Digest as _;
    let rest = bytes.strip_prefix(MAGIC).ok_or_else(|| {
        if bytes.starts_with(b"cashrisk-partial ") {
            "a partial result in another format (written by another version of cashrisk); \
             re-run the shard with this version"
                .to_string()
        } else {
            "not a cashrisk partial result (written by `cashrisk run --shard`)".to_string()
        }
    })?;
    let (len, rest) = rest
        .split_first_chunk::<8>()
        .ok_or("the file ends inside its header (truncated)")?;
    let (hash, body) = rest
        .split_first_chunk::<32>()
        .ok_or("the file ends inside its header (truncated)")?;
    let len = u64::from_le_bytes(*len);
    if len != bytes.len() as u64 {
        return Err(format!(
            "the file has {} bytes but its header says {len}: it was truncated or altered; \
             copy it again or re-run the shard",
            bytes.len()
        ));
    }
    if sha2::Sha256::digest(body).as_slice() != hash {
        return Err(
            "its checksum does not match its content: the file was altered or damaged; \
             copy it again or re-run the shard"
                .to_string(),
        );
    }
    Ok(body)
}

/// Reads a partial result file: a regular file, read no further than the length its
/// header states (at most [`MAX_PARTIAL_BYTES`]); a longer file is refused before the
/// rest is read. A file without the header is read only as far as the header would go,
/// so that [`decode`] can say what it is not.
pub fn read(path: &std::path::Path) -> Result<Vec<u8>, crate::input::ReadError> {
    let head = crate::input::read_head(path, HEADER)?;
    let declared = head
        .strip_prefix(MAGIC)
        .and_then(|rest| rest.first_chunk::<8>())
        .map(|n| u64::from_le_bytes(*n));
    match declared {
        Some(n) => crate::input::read_limited(path, n.min(MAX_PARTIAL_BYTES)),
        None => Ok(head),
    }
}

/// The bytes of a partial result file: the description (JSON), the credit loss
/// column, the number of variants, then per variant its columns, block sums, counts,
/// net-loss histogram, year sums and own credit-loss column (empty unless it sells
/// less), then the fan's rows, then the paths with a political
/// event per country.
pub fn encode(meta: &PartialMeta, r: &RunResult) -> Vec<u8> {
    let mut w = Writer(Vec::new());
    let json = serde_json::to_vec(meta).unwrap_or_default();
    w.u64(json.len() as u64);
    w.0.extend_from_slice(&json);
    w.f64s(&r.credit_loss);
    w.u64(r.variants.len() as u64);
    for v in &r.variants {
        for column in v.columns() {
            w.f64s(column);
        }
        w.u64(v.blocks.len() as u64);
        for b in &v.blocks {
            for x in b.to_array() {
                w.u64(x.to_bits());
            }
        }
        w.u64(v.claims);
        w.u64(v.rescued);
        w.u64(v.harmed);
        w.u64(v.decisions);
        w.u64(v.false_alarms);
        w.u64(v.downturns);
        w.u64s(v.shortfall_days.iter().copied());
        w.sparse(&v.net_loss.counts);
        w.u64(v.net_loss.min.to_bits());
        w.u64(v.net_loss.max.to_bits());
        w.u64s(v.year_shortfalls.iter().copied());
        w.u64(v.year_blocks.len() as u64);
        for y in &v.year_blocks {
            for x in y.to_array() {
                w.u64(x.to_bits());
            }
        }
        w.f64s(&v.credit_loss);
        w.u64s(v.shortfall_without_cuts.iter().map(|&x| x as u64));
    }
    let rows = r.fan.counts.nrows();
    w.u64(rows as u64);
    for row in 0..rows {
        let counts: Vec<u32> = r.fan.counts.row(row).to_vec();
        w.sparse(&counts);
        w.u64(r.fan.min[row].to_bits());
        w.u64(r.fan.max[row].to_bits());
    }
    w.u64s(r.political_events.iter().copied());
    seal(&w.0)
}

/// Reads a partial result file's bytes.
pub fn decode(bytes: &[u8]) -> Result<(PartialMeta, RunResult), String> {
    let body = unseal(bytes)?;
    let mut r = Reader { bytes: body, at: 0 };
    let json_len = r.len(body.len() as u64)?;
    let json = body
        .get(8..8 + json_len)
        .ok_or("the file ends too early (truncated?)")?;
    let meta: PartialMeta =
        serde_json::from_slice(json).map_err(|e| format!("bad description: {e}"))?;
    r.at = 8 + json_len;
    let n = meta.count;
    let h = meta.horizon as usize;
    let credit_loss = r.f64s(n)?;
    let count = r.len(MAX_VARIANTS as u64)?;
    if count == 0 {
        return Err("the file holds no variant".to_string());
    }
    let mut variants = Vec::with_capacity(count);
    for _ in 0..count {
        let mut columns = Vec::with_capacity(VariantResult::COLUMNS);
        for _ in 0..VariantResult::COLUMNS {
            let column = r.f64s(n)?;
            if column.len() as u64 != n {
                return Err("a column has the wrong number of paths".to_string());
            }
            columns.push(column);
        }
        let nblocks = r.len(n.div_ceil(BLOCK))?;
        let mut blocks = Vec::with_capacity(nblocks);
        for _ in 0..nblocks {
            let mut sums = [0.0; BlockSums::LEN];
            for x in &mut sums {
                *x = f64::from_bits(r.u64()?);
            }
            blocks.push(BlockSums::from_array(sums));
        }
        let claims = r.u64()?;
        let rescued = r.u64()?;
        let harmed = r.u64()?;
        let decisions = r.u64()?;
        let false_alarms = r.u64()?;
        let downturns = r.u64()?;
        let shortfall_days = r.u64s(h as u64)?;
        let mut net_loss = Histogram::default();
        r.sparse(&mut net_loss.counts)?;
        net_loss.min = f64::from_bits(r.u64()?);
        net_loss.max = f64::from_bits(r.u64()?);
        // MODEL.md section 18: every policy year starting before H, when H > 365.
        let year = crate::model::YEAR_DAYS as usize;
        let years = match h > year {
            true => h.div_ceil(year),
            false => 0,
        };
        let year_shortfalls = r.u64s(years as u64)?;
        let year_count = r.len((nblocks * years) as u64)?;
        if year_shortfalls.len() != years || year_count != nblocks * years {
            return Err("the per-year figures do not match the horizon".to_string());
        }
        let mut year_blocks = Vec::with_capacity(year_count);
        for _ in 0..year_count {
            let mut sums = [0.0; YearSums::LEN];
            for x in &mut sums {
                *x = f64::from_bits(r.u64()?);
            }
            year_blocks.push(YearSums::from_array(sums));
        }
        // The variant's own credit loss per path (stop_sales), or none.
        let credit_loss = r.f64s(n)?;
        if !credit_loss.is_empty() && credit_loss.len() as u64 != n {
            return Err("a column has the wrong number of paths".to_string());
        }
        // Shortfalls without the insurer's limit cuts, or none.
        let without = r.u64s(n)?;
        if (!without.is_empty() && without.len() as u64 != n) || without.iter().any(|&x| x > 1) {
            return Err("a column has the wrong number of paths".to_string());
        }
        let shortfall_without_cuts = without.into_iter().map(|x| x as u8).collect();
        let [min_headroom, end_balance, peak_drawn, end_position, dso]: [Vec<f64>;
            VariantResult::COLUMNS] = columns
            .try_into()
            .map_err(|_| "a variant has the wrong number of columns".to_string())?;
        variants.push(VariantResult {
            min_headroom,
            end_balance,
            peak_drawn,
            end_position,
            dso,
            blocks,
            shortfall_days,
            claims,
            rescued,
            harmed,
            decisions,
            false_alarms,
            downturns,
            net_loss,
            year_shortfalls,
            year_blocks,
            credit_loss,
            shortfall_without_cuts,
        });
    }
    if variants
        .iter()
        .any(|v| v.blocks.len() != variants[0].blocks.len())
    {
        return Err("the variants have different numbers of blocks".to_string());
    }
    let mut fan = Fan::new(h, count);
    let rows = r.len((count * h) as u64)?;
    if rows != count * h {
        return Err("the headroom histograms do not match the horizon".to_string());
    }
    for row in 0..rows {
        let mut counts = vec![0u32; BUCKETS];
        r.sparse(&mut counts)?;
        for (i, c) in counts.into_iter().enumerate() {
            fan.counts[[row, i]] = c;
        }
        fan.min[row] = f64::from_bits(r.u64()?);
        fan.max[row] = f64::from_bits(r.u64()?);
    }
    let political_events = r.u64s(crate::scenario::MAX_COUNTRIES as u64)?;
    if political_events.iter().any(|&e| e > n) {
        return Err("more political events than paths (corrupt file?)".to_string());
    }
    if r.at != body.len() {
        return Err("unexpected bytes at the end (corrupt file?)".to_string());
    }
    if credit_loss.len() as u64 != n {
        return Err("a column has the wrong number of paths".to_string());
    }
    let result = RunResult {
        first_path: meta.first_path,
        credit_loss,
        variants,
        fan,
        political_events,
    };
    Ok((meta, result))
}

/// Merges partial results (in any order) into the run they split.
pub fn merge(mut parts: Vec<(PartialMeta, RunResult)>) -> Result<(PartialMeta, RunResult), String> {
    if parts.is_empty() {
        return Err("no partial results given".to_string());
    }
    parts.sort_by_key(|(m, _)| m.shard.0);
    let first = parts[0].0.clone();
    for (m, _) in &parts {
        let same = m.cashrisk_version == first.cashrisk_version
            && m.text == first.text
            && m.stress == first.stress
            && m.paths == first.paths
            && m.seed == first.seed
            && m.shard.1 == first.shard.1;
        if !same {
            return Err(format!(
                "shard {}/{} does not belong to the same run as shard {}/{} \
                 (scenario text, stress case, paths, seed, shard count and version must match)",
                m.shard.0, m.shard.1, first.shard.0, first.shard.1
            ));
        }
    }
    let n = first.shard.1;
    let given: Vec<u64> = parts.iter().map(|(m, _)| m.shard.0).collect();
    let missing: Vec<String> = (1..=n)
        .filter(|k| !given.contains(k))
        .map(|k| format!("{k}/{n}"))
        .collect();
    if !missing.is_empty() {
        return Err(format!("shard(s) {} missing", missing.join(", ")));
    }
    if given.windows(2).any(|w| w[0] == w[1]) {
        return Err("a shard is given twice".to_string());
    }
    let mut iter = parts.into_iter();
    let (mut meta, mut result) = iter.next().ok_or("no partial results given")?;
    for (m, r) in iter {
        if r.paths() == 0 {
            continue;
        }
        if result.paths() == 0 {
            result = r;
            continue;
        }
        result.append(r).map_err(|e| {
            format!(
                "shard {}/{}: {e} (a shard is missing or given twice)",
                m.shard.0, m.shard.1
            )
        })?;
    }
    if result.paths() != meta.paths {
        return Err(format!(
            "the parts hold {} of {} paths: a shard is missing",
            result.paths(),
            meta.paths
        ));
    }
    meta.shard = (1, 1);
    meta.first_path = 0;
    meta.count = meta.paths;
    Ok((meta, result))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_the_run_in_whole_blocks() {
        for (paths, n) in [(10_000u64, 3u64), (1024, 4), (5, 2), (100_000, 7)] {
            let mut next = 0;
            for k in 1..=n {
                let (first, count) = shard_range(paths, k, n);
                assert_eq!(first, next);
                assert!(first % BLOCK == 0 || count == 0);
                next = first + count;
            }
            assert_eq!(next, paths);
        }
    }
}
