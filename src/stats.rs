//! The statistics of MODEL.md section 11: percentiles, expected shortfall, intervals.

/// z for 95 % intervals, as MODEL.md section 12 fixes it.
pub const Z95: f64 = 1.959964;

/// A probability level written as an exact fraction, so that the rank ceil(q * N) is
/// computed in integers and never suffers from 0.95 not being representable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Level {
    /// Numerator.
    pub num: u64,
    /// Denominator.
    pub den: u64,
}

impl Level {
    /// num / den.
    pub const fn new(num: u64, den: u64) -> Level {
        Level { num, den }
    }

    /// The 1-based rank ceil(q * n), at least 1.
    pub fn rank(self, n: u64) -> u64 {
        let r = (self.num as u128 * n as u128).div_ceil(self.den as u128) as u64;
        r.max(1)
    }
}

/// 1 %.
pub const P1: Level = Level::new(1, 100);
/// 5 %.
pub const P5: Level = Level::new(5, 100);
/// 25 %.
pub const P25: Level = Level::new(25, 100);
/// 50 %.
pub const P50: Level = Level::new(50, 100);
/// 75 %.
pub const P75: Level = Level::new(75, 100);
/// 95 %.
pub const P95: Level = Level::new(95, 100);
/// 99 %.
pub const P99: Level = Level::new(99, 100);
/// 99.9 %.
pub const P999: Level = Level::new(999, 1000);

/// The q-quantile of `values` (inverse empirical distribution: the value at 1-based
/// rank ceil(q * N) in ascending order). Reorders `values`. NaN for no values.
pub fn quantile(values: &mut [f64], level: Level) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let k = (level.rank(values.len() as u64) - 1) as usize;
    let (_, v, _) = values.select_nth_unstable_by(k, f64::total_cmp);
    *v
}

/// Expected shortfall: the mean of the largest ceil((1 - q) * N) values. Reorders `values`.
pub fn expected_shortfall(values: &mut [f64], tail: Level) -> f64 {
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    let count = tail.rank(n as u64) as usize;
    let start = n - count;
    if start > 0 {
        values.select_nth_unstable_by(start, f64::total_cmp);
    }
    let tail = &mut values[start..];
    tail.sort_by(f64::total_cmp);
    tail.iter().sum::<f64>() / count as f64
}

/// Sum in order (a plain left fold, so every implementation gets the same digits).
pub fn sum(values: &[f64]) -> f64 {
    values.iter().fold(0.0, |a, b| a + b)
}

/// Mean in order.
pub fn mean(values: &[f64]) -> f64 {
    sum(values) / values.len() as f64
}

/// An estimate with a 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// Point estimate.
    pub estimate: f64,
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
}

/// Wilson score interval for k successes in n trials.
pub fn wilson(k: u64, n: u64) -> Interval {
    let nf = n as f64;
    let p = k as f64 / nf;
    let z2 = Z95 * Z95;
    let denom = 1.0 + z2 / nf;
    let center = (p + z2 / (2.0 * nf)) / denom;
    let half = Z95 * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt() / denom;
    // At k = 0 (k = n) the bound is exactly 0 (1): center and half-width are equal
    // in exact arithmetic, and their rounded difference (2.2e-19) is not a bound.
    Interval {
        estimate: p,
        low: if k == 0 { 0.0 } else { center - half },
        high: if k == n { 1.0 } else { center + half },
    }
}

/// Mean with the interval mean +- z * sd / sqrt(N), sd with N - 1 (two-pass).
/// The bounds are NaN for fewer than two values.
pub fn mean_interval(values: impl Iterator<Item = f64> + Clone) -> Interval {
    let (n, total) = values.clone().fold((0u64, 0.0), |(n, s), x| (n + 1, s + x));
    let m = total / n as f64;
    let ss = values.fold(0.0, |s, x| s + (x - m) * (x - m));
    interval_from(m, ss, n)
}

fn interval_from(mean: f64, sum_sq_dev: f64, n: u64) -> Interval {
    if n < 2 {
        return Interval {
            estimate: mean,
            low: f64::NAN,
            high: f64::NAN,
        };
    }
    let sd = (sum_sq_dev / (n - 1) as f64).sqrt();
    let half = Z95 * sd / (n as f64).sqrt();
    Interval {
        estimate: mean,
        low: mean - half,
        high: mean + half,
    }
}

/// The paired change in a probability from per-path differences in {-1, 0, 1}:
/// `harmed` paths have +1, `rescued` paths -1.
pub fn paired_probability_change(rescued: u64, harmed: u64, n: u64) -> Interval {
    let mean = (harmed as f64 - rescued as f64) / n as f64;
    // sum of (d - mean)^2 = sum d^2 - n mean^2, with sum d^2 = rescued + harmed.
    let ss = (rescued + harmed) as f64 - n as f64 * mean * mean;
    interval_from(mean, ss.max(0.0), n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_is_the_value_at_rank_ceil_qn() {
        let mut v: Vec<f64> = (1..=20).rev().map(f64::from).collect();
        // ceil(0.05 * 20) = 1 -> 1; ceil(0.5 * 20) = 10 -> 10; ceil(0.95 * 20) = 19 -> 19.
        assert_eq!(quantile(&mut v, P5), 1.0);
        assert_eq!(quantile(&mut v, P50), 10.0);
        assert_eq!(quantile(&mut v, P95), 19.0);
        // ceil(0.999 * 20) = 20.
        assert_eq!(quantile(&mut v, P999), 20.0);
        let mut w = vec![3.0, 1.0, 2.0];
        // ceil(0.5 * 3) = 2 -> 2.0; ceil(0.01 * 3) = 1 -> 1.0.
        assert_eq!(quantile(&mut w, P50), 2.0);
        assert_eq!(quantile(&mut w, P1), 1.0);
    }

    #[test]
    fn ranks_are_exact_where_floating_point_is_not() {
        // 0.95 * 20000 in f64 is 19000.000000000004 on some paths of evaluation; the
        // exact rank is 19000.
        assert_eq!(P95.rank(20_000), 19_000);
        assert_eq!(P999.rank(1000), 999);
        assert_eq!(P1.rank(1), 1);
        assert_eq!(P99.rank(101), 100);
    }

    #[test]
    fn expected_shortfall_averages_the_largest_ceil_one_percent() {
        let mut v: Vec<f64> = (1..=250).map(f64::from).collect();
        // ceil(0.01 * 250) = 3 largest: 248, 249, 250.
        assert_eq!(expected_shortfall(&mut v, P1), 249.0);
    }

    #[test]
    fn wilson_interval_matches_a_hand_computation() {
        // k = 10, n = 100, z = 1.959964: center = (0.1 + 0.019208/1) / 1.0384146,
        // worked out with a calculator: [0.055229, 0.174366].
        let i = wilson(10, 100);
        assert_eq!(i.estimate, 0.1);
        assert!((i.low - 0.055229).abs() < 2e-6, "{}", i.low);
        assert!((i.high - 0.174366).abs() < 2e-6, "{}", i.high);
        let zero = wilson(0, 50);
        assert_eq!(zero.estimate, 0.0);
        assert_eq!(zero.low, 0.0);
        // Upper bound for k = 0: z^2 / (n + z^2) = 3.841459 / 53.841459 = 0.071347.
        assert!((zero.high - 0.071347).abs() < 2e-6, "{}", zero.high);
        let all = wilson(50, 50);
        assert_eq!(all.high, 1.0);
        assert!((all.low - (1.0 - 0.071347)).abs() < 2e-6, "{}", all.low);
    }

    #[test]
    fn paired_change_matches_the_direct_formula() {
        // 3 rescued, 1 harmed, 10 paths: d = [-1,-1,-1,1,0,...]: mean -0.2,
        // sum of squared deviations = 4 - 10 * 0.04 = 3.6, sd = sqrt(0.4).
        let i = paired_probability_change(3, 1, 10);
        let direct =
            mean_interval([-1.0, -1.0, -1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0].into_iter());
        assert!((i.estimate - direct.estimate).abs() < 1e-15);
        assert!((i.low - direct.low).abs() < 1e-12);
        let half = Z95 * 0.4f64.sqrt() / 10f64.sqrt();
        assert!((i.high - (-0.2 + half)).abs() < 1e-12);
    }
}
