//! Per-day headroom percentiles in memory that does not grow with the number of paths.
//!
//! Each day keeps a histogram of headroom over log-spaced buckets: 128 buckets per
//! power of two between 1 and 2^40 on each side of zero (relative width 1/128, so a
//! bucket's midpoint is within 0.4 % of any value in it), one bucket for |x| < 1, and
//! the exact minimum and maximum of the day. A percentile is the midpoint of the bucket
//! holding rank ceil(q * N), clamped to the day's exact range, so a day on which every
//! path has the same headroom reports that value exactly. Counts are integers, so
//! histograms of threads and shards add up to the same result in any order.

use crate::rng::PATHS;
use crate::stats::Level;
use ndarray::Array2;

const SUB_BITS: u32 = 7;
const OCTAVES: usize = 40;
const HALF: usize = OCTAVES << SUB_BITS;
/// Buckets per day.
pub const BUCKETS: usize = 2 * HALF + 1;
const _: () = assert!(BUCKETS < 1 << 16, "a bucket index must fit in a u16");

/// The bucket of a headroom value.
///
/// Written without branches (the sign and size of a day's headroom vary from path to
/// path): j = 0 for |x| < 1 (and NaN), else 1 + the log-bucket of |x| capped at the
/// last one; then HALF + j above zero and HALF - j below.
#[inline]
pub fn bucket(x: f64) -> usize {
    let bits = x.abs().to_bits();
    let exp = (bits >> 52) as i64 - 1023;
    let k = (exp << SUB_BITS) | ((bits >> (52 - SUB_BITS)) & ((1 << SUB_BITS) - 1)) as i64;
    let j = k.clamp(-1, HALF as i64 - 1) + 1;
    // |x| < 1 has exp < 0, so k < 0 and j = 0; NaN is sent there too.
    let j = if x.is_nan() { 0 } else { j as usize };
    if x > 0.0 { HALF + j } else { HALF - j }
}

/// The lower and upper edge of a bucket, in value order (None for the |x| < 1 bucket).
fn bucket_bounds(index: usize) -> Option<(f64, f64)> {
    if index == HALF {
        return None;
    }
    let (sign, k) = if index > HALF {
        (1.0, index - HALF - 1)
    } else {
        (-1.0, HALF - 1 - index)
    };
    let exp = (k >> SUB_BITS) as i32;
    let sub = (k & ((1 << SUB_BITS) - 1)) as f64;
    let width = (1u32 << SUB_BITS) as f64;
    let scale = 2f64.powi(exp);
    let (inner, outer) = (
        scale * (1.0 + sub / width),
        scale * (1.0 + (sub + 1.0) / width),
    );
    Some(if sign > 0.0 {
        (inner, outer)
    } else {
        (-outer, -inner)
    })
}

/// The midpoint of a bucket.
pub fn bucket_mid(index: usize) -> f64 {
    bucket_bounds(index).map_or(0.0, |(lo, hi)| (lo + hi) / 2.0)
}

/// Headroom histograms of every variant for every day.
#[derive(Debug, Clone, PartialEq)]
pub struct Fan {
    /// Counts, row = variant * H + day.
    pub counts: Array2<u32>,
    /// Exact minimum per row.
    pub min: Vec<f64>,
    /// Exact maximum per row.
    pub max: Vec<f64>,
    /// Days.
    pub horizon: usize,
}

impl Fan {
    /// Empty histograms for `horizon` days of `variants` variants.
    pub fn new(horizon: usize, variants: usize) -> Fan {
        Fan {
            counts: Array2::zeros((variants * horizon, BUCKETS)),
            min: vec![f64::INFINITY; variants * horizon],
            max: vec![f64::NEG_INFINITY; variants * horizon],
            horizon,
        }
    }

    /// Number of variants.
    pub fn variants(&self) -> usize {
        self.min.len().checked_div(self.horizon).unwrap_or(0)
    }

    /// Records one headroom value.
    #[inline]
    pub fn add(&mut self, variant: usize, day: usize, x: f64) {
        let row = variant * self.horizon + day;
        self.counts[[row, bucket(x)]] += 1;
        self.widen(row, x);
    }

    /// Widens a row's exact range to take in x.
    #[inline]
    fn widen(&mut self, row: usize, x: f64) {
        if x < self.min[row] {
            self.min[row] = x;
        }
        if x > self.max[row] {
            self.max[row] = x;
        }
    }

    /// The buckets a row's values can occupy: from the bucket of its exact minimum to
    /// that of its maximum (empty for a row without values). Every count outside is 0.
    fn occupied(&self, row: usize) -> std::ops::Range<usize> {
        if self.min[row] > self.max[row] {
            return 0..0;
        }
        bucket(self.min[row])..bucket(self.max[row]) + 1
    }

    /// The counts of a row (rows of the standard layout are contiguous).
    fn row(&self, row: usize) -> &[u32] {
        let start = row * BUCKETS;
        &self.counts.as_slice().expect("standard layout")[start..start + BUCKETS]
    }

    /// The counts of a row, to change.
    fn row_mut(&mut self, row: usize) -> &mut [u32] {
        let start = row * BUCKETS;
        &mut self.counts.as_slice_mut().expect("standard layout")[start..start + BUCKETS]
    }

    /// Adds another histogram into this one.
    pub fn merge(&mut self, other: &Fan) {
        // Row by row over the occupied buckets only: the same sums as adding the whole
        // arrays, without reading (and faulting in) megabytes of zeros.
        for row in 0..self.min.len() {
            let range = other.occupied(row);
            let theirs = &other.row(row)[range.clone()];
            let mine = &mut self.row_mut(row)[range];
            for (a, b) in mine.iter_mut().zip(theirs) {
                *a += b;
            }
        }
        for i in 0..self.min.len() {
            self.min[i] = self.min[i].min(other.min[i]);
            self.max[i] = self.max[i].max(other.max[i]);
        }
    }

    /// The q-percentile of a variant's headroom on a day, from `n` paths.
    pub fn percentile(&self, variant: usize, day: usize, n: u64, level: Level) -> f64 {
        let row = variant * self.horizon + day;
        let rank = level.rank(n);
        let mut seen = 0u64;
        // Counts before the bucket of the exact minimum are 0: start there.
        let start = self.occupied(row).start;
        for (i, &c) in self.row(row).iter().enumerate().skip(start) {
            seen += c as u64;
            if seen >= rank {
                return bucket_mid(i).clamp(self.min[row], self.max[row]);
            }
        }
        f64::NAN
    }
}

/// One log-bucketed histogram (the buckets of [`Fan`]), for a per-path figure whose
/// whole distribution is drawn but whose exact values are not kept.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    /// Counts per bucket.
    pub counts: Vec<u32>,
    /// Exact minimum.
    pub min: f64,
    /// Exact maximum.
    pub max: f64,
}

impl Default for Histogram {
    fn default() -> Histogram {
        Histogram {
            counts: vec![0; BUCKETS],
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }
}

impl Histogram {
    /// Records a value.
    #[inline]
    pub fn add(&mut self, x: f64) {
        self.counts[bucket(x)] += 1;
        self.min = self.min.min(x);
        self.max = self.max.max(x);
    }

    /// Adds another histogram into this one.
    pub fn merge(&mut self, other: &Histogram) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    /// Number of values recorded.
    pub fn total(&self) -> u64 {
        self.counts.iter().map(|&c| c as u64).sum()
    }

    /// (x, P(value > x)) at each occupied bucket's upper edge, for exceedance curves;
    /// x is clamped to the exact range.
    pub fn exceedance(&self) -> Vec<(f64, f64)> {
        let n = self.total() as f64;
        let mut above = self.total();
        let mut out = Vec::new();
        for (i, &c) in self.counts.iter().enumerate() {
            if c == 0 {
                continue;
            }
            above -= c as u64;
            let edge = bucket_upper(i).clamp(self.min, self.max);
            out.push((edge, above as f64 / n));
        }
        out
    }
}

/// The upper edge of a bucket (for |x| < 1: 1).
pub fn bucket_upper(index: usize) -> f64 {
    bucket_bounds(index).map_or(1.0, |(_, hi)| hi)
}

/// Records paths into a [`Fan`] in batches: each path's buckets are written to a
/// small buffer (two bytes a day and variant), and every [`FanRecorder::BATCH`]
/// paths the buffer is added to the counts day by day. The counts are the same as
/// adding each value at once; the difference is where the memory traffic goes: one
/// day's counters (40 KB) take a burst of increments while they are in cache,
/// instead of one scattered increment per day and path across all 2 x H rows.
#[derive(Debug, Clone)]
pub struct FanRecorder {
    fan: Fan,
    /// Bucket per row and recorded path, row-major: [`FanRecorder::BATCH`] slots a row.
    pending: Vec<u16>,
    /// Paths in `pending`.
    paths: usize,
}

impl FanRecorder {
    /// Paths per batch. A flush touches about a dozen cache lines of counts in every
    /// row (day and variant), and between flushes the path loop pushes them out of
    /// the caches, so the more paths a flush adds, the fewer times they come back:
    /// flushing took 7.7 % of a run of the example with 512 paths, 14 % with 128
    /// (5.8 % with 1,024). The buffer is 2 bytes per path and row: 730 KB a thread for
    /// one year.
    pub const BATCH: usize = 512;

    /// An empty recorder for `horizon` days of `variants` variants.
    pub fn new(horizon: usize, variants: usize) -> FanRecorder {
        FanRecorder {
            fan: Fan::new(horizon, variants),
            pending: vec![0; Self::BATCH * variants * horizon],
            paths: 0,
        }
    }

    /// Adds the buffered paths to the counts.
    fn flush(&mut self) {
        for row in 0..self.fan.min.len() {
            let pending = &self.pending[row * Self::BATCH..][..self.paths];
            let counts = self.fan.row_mut(row);
            for &b in pending {
                counts[b as usize] += 1;
            }
        }
        self.paths = 0;
    }

    /// The histograms of every recorded path.
    pub fn finish(mut self) -> Fan {
        self.flush();
        self.fan
    }
}

impl crate::engine::DayObserver for FanRecorder {
    // Inlined into the balance scan, so that it is compiled for the scan's vector
    // instructions.
    #[inline(always)]
    fn headrooms(&mut self, variant: usize, day: usize, x: &[f64; PATHS], active: usize) {
        let row = variant * self.fan.horizon + day;
        let start = row * Self::BATCH + self.paths;
        let pending = &mut self.pending[start..start + PATHS];
        for p in 0..PATHS {
            // BUCKETS < 2^16: a bucket fits in two bytes.
            pending[p] = bucket(x[p]) as u16;
        }
        for &x in &x[..active] {
            self.fan.widen(row, x);
        }
    }

    /// Marks the end of `active` paths' days.
    #[inline]
    fn end_paths(&mut self, active: usize) {
        self.paths += active;
        if self.paths + PATHS > Self::BATCH {
            self.flush();
        }
    }
}

impl crate::engine::DayObserver for Fan {
    #[inline]
    fn headrooms(&mut self, variant: usize, day: usize, x: &[f64; PATHS], active: usize) {
        for &x in &x[..active] {
            self.add(variant, day, x);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::{self, P5, P50, P95};

    /// The bucket, written the obvious way.
    fn bucket_reference(x: f64) -> usize {
        let a = x.abs();
        if a < 1.0 || a.is_nan() {
            return HALF;
        }
        let bits = a.to_bits();
        let exp = ((bits >> 52) & 0x7ff) as usize - 1023;
        let k = if exp >= OCTAVES {
            HALF - 1
        } else {
            (exp << SUB_BITS) | ((bits >> (52 - SUB_BITS)) & ((1 << SUB_BITS) - 1)) as usize
        };
        if x > 0.0 { HALF + 1 + k } else { HALF - 1 - k }
    }

    #[test]
    fn branch_free_buckets_equal_the_reference() {
        let mut xs = vec![0.0, -0.0, 0.5, -0.999, 1.0, -1.0, f64::NAN, f64::INFINITY];
        xs.extend([
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
            1e-310,
            2f64.powi(40),
            -2f64.powi(40),
        ]);
        xs.extend([2f64.powi(40) * 0.999, 1e300, -1e300]);
        let mut x = 1.234_567;
        while x < 1e15 {
            xs.extend([x, -x, x * 1.000_000_1, -x * 0.999_999_9]);
            x *= 1.013;
        }
        for x in xs {
            assert_eq!(bucket(x), bucket_reference(x), "{x}");
        }
    }

    #[test]
    fn buckets_are_ordered_like_values() {
        let xs = [
            -1e13, -5e6, -1000.5, -1.5, -0.5, 0.0, 0.9, 1.0, 2.0, 1000.0, 1e9, 1e13,
        ];
        for w in xs.windows(2) {
            assert!(bucket(w[0]) <= bucket(w[1]), "{} {}", w[0], w[1]);
        }
        for &x in &[1.5, 1000.0, -123456.7, 3.3e9] {
            let mid = bucket_mid(bucket(x));
            assert!(((mid - x) / x).abs() <= 1.0 / 256.0 + 1e-12, "{x} -> {mid}");
        }
    }

    #[test]
    fn percentiles_are_within_the_bucket_resolution_of_exact_ones() {
        // 1,000 values spread from -50,000 to 250,000: compare with exact percentiles.
        let values: Vec<f64> = (0..1000)
            .map(|i| -50_000.0 + 300.0 * i as f64 + (i % 7) as f64)
            .collect();
        let mut fan = Fan::new(1, 2);
        for &v in &values {
            fan.add(0, 0, v);
        }
        for level in [P5, P50, P95] {
            let mut v = values.clone();
            let exact = stats::quantile(&mut v, level);
            let approx = fan.percentile(0, 0, 1000, level);
            assert!(
                (approx - exact).abs() <= exact.abs() / 256.0 + 1e-9,
                "{exact} vs {approx}"
            );
        }
    }

    #[test]
    fn exceedance_matches_counting() {
        let mut h = Histogram::default();
        let values = [0.0, 0.0, 0.0, 10.0, 10.0, 250.0, 1000.0, 5000.0];
        for v in values {
            h.add(v);
        }
        let curve = h.exceedance();
        // After the zero bucket 5 of 8 values are above; the last point is 0 above.
        assert_eq!(curve[0].1, 5.0 / 8.0);
        assert_eq!(curve.last().unwrap(), &(5000.0, 0.0));
        for &(x, p) in &curve {
            let exact = values.iter().filter(|&&v| v > x).count() as f64 / 8.0;
            assert_eq!(p, exact, "at {x}");
        }
    }

    #[test]
    fn a_recorder_counts_what_direct_adding_counts() {
        use crate::engine::DayObserver;
        let h = 3;
        let (mut direct, mut recorder) = (Fan::new(h, 2), FanRecorder::new(h, 2));
        // More paths than a batch, and not a whole number of batches.
        for p in 0..FanRecorder::BATCH * 2 + 17 {
            for v in 0..2 {
                for d in 0..h {
                    let x = ((p * 7919 + d * 104_729 + v * 31) % 20_011) as f64 * 37.5 - 250_000.0;
                    direct.add(v, d, x);
                    // One path at a time, the other lanes holding values to ignore.
                    recorder.headrooms(v, d, &[x, 1e9, -1e9, 0.0, 5.0, 6.0, 7.0, 8.0], 1);
                }
            }
            recorder.end_paths(1);
        }
        assert_eq!(recorder.finish(), direct);
    }

    #[test]
    fn lanes_record_what_paths_one_at_a_time_record() {
        use crate::engine::DayObserver;
        // Ties of 0.0 and -0.0 (equal, but not the same bits), NaN and repeats: the
        // row's exact minimum and maximum must be the very values sequential adding
        // keeps (the first of equal ones), wherever the tie falls among the lanes.
        let (n, z) = (f64::NAN, -0.0);
        let days: [[f64; PATHS]; 6] = [
            [1.0, 1.0, z, 1.0, 0.0, 1.0, 1.0, 1.0],
            [1.0, 1.0, 0.0, 1.0, z, 1.0, 1.0, 1.0],
            [-1.0, -1.0, 0.0, -1.0, z, -1.0, -1.0, -1.0],
            [-1.0, z, -1.0, -1.0, -1.0, -1.0, 0.0, -1.0],
            [n, 5.0, n, -3.0, z, -3.0, 0.0, 5.0],
            [0.0, z, 0.0, z, 0.0, z, 0.0, z],
        ];
        let h = days.len();
        let (mut direct, mut recorder) = (Fan::new(h, 2), FanRecorder::new(h, 2));
        for active in [8, 8, 3, 8, 1, 8, 5] {
            for v in 0..2 {
                for (d, &day) in days.iter().enumerate() {
                    // The insured variant sees the lanes reversed.
                    let mut x = day;
                    if v == 1 {
                        x.reverse();
                    }
                    for &x in &x[..active] {
                        direct.add(v, d, x);
                    }
                    recorder.headrooms(v, d, &x, active);
                }
            }
            recorder.end_paths(active);
        }
        let recorded = recorder.finish();
        assert_eq!(recorded.counts, direct.counts);
        let bits = |xs: &[f64]| xs.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&recorded.min), bits(&direct.min));
        assert_eq!(bits(&recorded.max), bits(&direct.max));
    }

    #[test]
    fn a_constant_day_reports_its_exact_value() {
        let mut fan = Fan::new(2, 2);
        for _ in 0..10 {
            fan.add(1, 1, 300_000.0);
        }
        assert_eq!(fan.percentile(1, 1, 10, P5), 300_000.0);
        assert_eq!(fan.percentile(1, 1, 10, P95), 300_000.0);
    }
}
