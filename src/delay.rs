//! Late-payment delays (MODEL.md sections 6, 19 and 20): a buyer's delay parameters
//! and the table by which the path loop inverts an invoice's delay uniform.
//!
//! A delay d = round(X) has the distribution function F(k) = P(round(X) <= k) =
//! P(X < k + 1/2), X lognormal (the default) or gamma ([`Family`]); both are drawn by
//! inversion, d the smallest k with u < F(k), from a table of F built once per
//! distinct family and parameters.

use crate::dist::{inv_norm_cdf, portable};

/// The distribution of a late invoice's X, with sd_days > 0 (sd_days = 0 is the fixed
/// delay round(mean_days), which needs no table).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Family {
    /// Lognormal with log-space mean mu and sd sigma (section 6).
    Lognormal {
        /// ln(mean_days) - sigma^2 / 2.
        mu: f64,
        /// sqrt(ln(1 + sd_days^2 / mean_days^2)).
        sigma: f64,
    },
    /// Gamma with shape mean_days^2 / sd_days^2 and scale sd_days^2 / mean_days
    /// (section 19).
    Gamma {
        /// k = mean_days^2 / sd_days^2.
        shape: f64,
        /// theta = sd_days^2 / mean_days.
        scale: f64,
    },
}

impl Family {
    /// The family of a delay with mean `mean` and sd `sd` days; `None` for the fixed
    /// delay round(mean): sd = 0, or a lognormal sd so small against the mean that
    /// sigma rounds to 0 (as in version 1).
    pub fn new(gamma: bool, mean: f64, sd: f64) -> Option<Family> {
        if sd == 0.0 {
            return None;
        }
        if gamma {
            return Some(Family::Gamma {
                shape: (mean * mean) / (sd * sd),
                scale: (sd * sd) / mean,
            });
        }
        let sigma2 = portable::ln(1.0 + sd * sd / (mean * mean));
        (sigma2 > 0.0).then(|| Family::Lognormal {
            mu: portable::ln(mean) - sigma2 / 2.0,
            sigma: sigma2.sqrt(),
        })
    }

    /// F(k) = P(round(X) <= k) = P(X < k + 1/2) (rounding half away from zero).
    pub fn cdf(&self, k: u64) -> f64 {
        match *self {
            Family::Lognormal { mu, sigma } => {
                crate::dist::norm_cdf((portable::ln(k as f64 + 0.5) - mu) / sigma)
            }
            Family::Gamma { shape, scale } => {
                crate::dist::gamma_cdf(shape, (k as f64 + 0.5) / scale)
            }
        }
    }
}

/// Delays beyond this many days are "never" for every comparison the model makes
/// (days are at most 36,500).
pub const NEVER: u64 = 1_000_000_000;

/// Delay parameters of a buyer that pays late sometimes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DelayModel {
    /// Probability of paying on the due day.
    pub on_time: f64,
    /// The distribution of X; `None` when sd_days = 0 (the delay is always
    /// round(mean_days)).
    pub family: Option<Family>,
    /// round(mean_days), the delay when sd_days = 0.
    pub fixed_days: u32,
    /// Index into [`crate::model::Model::delay_tables`] (unused when sd_days = 0).
    pub table: usize,
    /// [`uniform_threshold`] of `on_time` (2^52 when on_time = 1: always on time).
    pub on_time_threshold: u64,
}

/// The distribution of a late invoice's delay d = round(X) as a table for inversion: d
/// is the smallest k with u < `cdf[k]`, where `cdf[k]` = F(k) = P(round(X) <= k)
/// ([`Family::cdf`]).
///
/// For the lognormal this is the same draw as round(exp(mu + sigma * Phi^-1(u))),
/// without an exp and an inverse normal per invoice. The table stops where cdf reaches
/// 1 - 1e-7; beyond it (one invoice in ten million) the lognormal uses the formula
/// itself and the gamma a search on F. A guide table of
/// [`GUIDE`] entries (Chen and Asau 1974) finds the start of the search in one step.
///
/// The path loop reads a faster form of the same inversion, [`DelayTable::sample_word`]:
/// u = open01(w) lies in guide cell j = w >> 52 (the top 12 bits of the word), and
/// where that cell holds at most one boundary `cdf[k]`, the answer is k0 or k0 + 1,
/// decided by one integer comparison of w >> 12 with the boundary's
/// [`uniform_threshold`]. One load, one comparison, no branch; the cells near the far
/// tail, with several boundaries, fall back to the search.
#[derive(Debug, Clone, PartialEq)]
pub struct DelayTable {
    family: Family,
    cdf: Vec<f64>,
    guide: Vec<u32>,
    /// Per guide cell: k0 << 52 | uniform_threshold(cdf[k0]), or, where the cell needs
    /// the search, [`SEARCH`] | the start of its fine cells.
    cells: Box<[u64; GUIDE]>,
    /// The guide cells that need the search, each cut again into [`FINE`] cells of
    /// the same form by the word's next 8 bits: `fine[start + ((w >> 44) & 0xFF)]`.
    /// A fine cell that still needs the search is [`SEARCH`] itself.
    fine: Vec<u64>,
}

/// Cells within each guide cell that needs the search: 2^8, the next 8 bits of the word.
const FINE: usize = 1 << 8;

/// The mark of a cell that needs the search: k0 = 2^12 - 1, a value no other cell has
/// (cells with larger k0 need the search). The threshold bits of a guide cell so
/// marked hold the start of its fine cells, so that one load finds them.
pub(crate) const SEARCH: u64 = 0xFFF << 52;

/// Whether a cell needs the search.
#[inline(always)]
fn needs_search(cell: u64) -> bool {
    cell >= SEARCH
}

/// The threshold bits of a cell of [`DelayTable::cells`] (the other 12 hold k0).
pub(crate) const THRESHOLD_MASK: u64 = (1 << 52) - 1;

/// The integer form of a comparison with a uniform: for u = open01(w) and a number
/// c in [0, 1], u >= c exactly when (w >> 12) >= uniform_threshold(c). For c = 1 it is
/// 2^52, which no w >> 12 reaches.
///
/// u = (k + 1/2) / 2^52 with k = w >> 12, so u >= c <=> k >= c 2^52 - 1/2 <=>
/// k >= ceil(c 2^52 - 1/2). Both steps are exact in floating point: multiplying by 2^52
/// only shifts the exponent, and c 2^52 < 2^52 has a spacing of at most 1/2, so
/// subtracting 1/2 is exact.
pub fn uniform_threshold(c: f64) -> u64 {
    debug_assert!((0.0..=1.0).contains(&c));
    (c * 4_503_599_627_370_496.0 - 0.5).ceil().max(0.0) as u64
}

/// The cell of the uniforms in [floor, end) of a table of `cdf`: k0 << 52 |
/// uniform_threshold(cdf[k0]), where k0 is the first k with cdf[k] > floor, when the
/// cell holds at most one boundary (then the delay of every u in it is k0 + (u >=
/// cdf[k0])); [`SEARCH`] otherwise. `last` says the cell reaches u = 1.
fn cell(cdf: &[f64], k0: usize, floor: f64, end: f64, last: bool) -> u64 {
    debug_assert!(k0 == cdf.len() || cdf[k0] > floor);
    let at_most_one =
        (k0 < cdf.len() && cdf[k0] >= end) || (k0 + 1 < cdf.len() && cdf[k0 + 1] >= end);
    if !at_most_one || k0 >= (SEARCH >> 52) as usize {
        return SEARCH;
    }
    match uniform_threshold(cdf[k0]) {
        t if t <= THRESHOLD_MASK => (k0 as u64) << 52 | t,
        // cdf[k0] = 1 (a narrow delay distribution): no u reaches it. The largest 52-bit
        // threshold says the same for every word below the last cell, whose w >> 12
        // stays below the end of the cell.
        _ if !last => (k0 as u64) << 52 | THRESHOLD_MASK,
        _ => SEARCH,
    }
}

/// The delay of the word w in a cell that is not [`SEARCH`]: k0, or k0 + 1 when
/// w >> 12 reaches the cell's threshold.
#[inline(always)]
fn decide(cell: u64, w: u64) -> u32 {
    (cell >> 52) as u32 + ((w >> 12) >= (cell & THRESHOLD_MASK)) as u32
}

/// Entries of a delay table's guide: 2^12, so that the cell of a word is its top 12 bits.
pub const GUIDE: usize = 1 << 12;

impl DelayModel {
    /// The delay of an invoice from its two words: 0 when it is paid on time
    /// (open01(w0) < on_time, as an integer comparison), else round(X) drawn from w1.
    /// Both outcomes are computed and one is selected, so the random on-time test does
    /// not become a mispredicted branch.
    #[inline(always)]
    pub fn delay(&self, tables: &[DelayTable], w0: u64, w1: u64) -> u32 {
        let late = if self.family.is_none() {
            self.fixed_days
        } else {
            tables[self.table].sample_word(w1)
        };
        self.on_time_or(late, w0)
    }

    /// The delay of an invoice overdue by `o` >= 1 days on day 0, from its second word
    /// w1: drawn given that it is at least o (MODEL.md section 20), capped at 10^9.
    pub fn overdue_delay(&self, tables: &[DelayTable], o: u64, w1: u64) -> u32 {
        let d = if self.family.is_none() {
            // X = mean_days: F jumps from 0 to 1 at round(mean_days).
            (self.fixed_days as u64).max(o)
        } else {
            tables[self.table].overdue(o, crate::rng::open01(w1))
        };
        d.min(NEVER) as u32
    }

    /// True when the delay of a late invoice is random (sd_days > 0).
    #[inline]
    pub fn is_random(&self) -> bool {
        self.family.is_some()
    }

    /// 0 when the invoice with first word w0 is paid on time, else `late`.
    #[inline(always)]
    pub fn on_time_or(&self, late: u32, w0: u64) -> u32 {
        let on_time = (w0 >> 12) < self.on_time_threshold;
        std::hint::select_unpredictable(on_time, 0, late)
    }
}

impl DelayTable {
    /// The table of round(X), X of `family`.
    pub fn new(family: Family) -> DelayTable {
        let mut cdf = Vec::new();
        let mut k = 0u32;
        loop {
            let p = family.cdf(k as u64);
            // Kept non-decreasing (should rounding ever make it dip), so that a binary
            // search finds what a linear one would: the smallest k with u < cdf[k] is
            // the same under the running maximum.
            let p = cdf.last().map_or(p, |&last: &f64| last.max(p));
            cdf.push(p);
            if p >= 1.0 - 1e-7 || k >= 1_000_000 {
                break;
            }
            k += 1;
        }
        let mut guide = Vec::with_capacity(GUIDE);
        let mut k = 0usize;
        for j in 0..GUIDE {
            let floor = j as f64 / GUIDE as f64;
            while k < cdf.len() && cdf[k] <= floor {
                k += 1;
            }
            guide.push(k as u32);
        }
        let mut cells: Box<[u64; GUIDE]> = (0..GUIDE)
            .map(|j| {
                let floor = j as f64 / GUIDE as f64;
                let end = (j + 1) as f64 / GUIDE as f64;
                cell(&cdf, guide[j] as usize, floor, end, j + 1 == GUIDE)
            })
            .collect::<Vec<u64>>()
            .into_boxed_slice()
            .try_into()
            .expect("GUIDE cells");
        // The guide cells that need the search (the far tail), cut into fine cells of
        // width 2^-20; their bounds are exact in floating point.
        let mut fine = Vec::new();
        for j in 0..GUIDE {
            if cells[j] != SEARCH {
                continue;
            }
            cells[j] = SEARCH | fine.len() as u64;
            for f in 0..FINE {
                let index = (j * FINE + f) as f64;
                let (floor, end) = (
                    index / (GUIDE * FINE) as f64,
                    (index + 1.0) / (GUIDE * FINE) as f64,
                );
                let k0 = cdf.partition_point(|&c| c <= floor);
                fine.push(cell(&cdf, k0, floor, end, j + 1 == GUIDE && f + 1 == FINE));
            }
        }
        DelayTable {
            family,
            cdf,
            guide,
            cells,
            fine,
        }
    }

    /// The delay for the word w, that is for u = open01(w): the same as
    /// `sample(open01(w))`, mostly without a search.
    #[inline(always)]
    pub fn sample_word(&self, w: u64) -> u32 {
        // The cell index w >> 52 is below GUIDE = 2^12: no bounds check.
        let cell = self.cells[(w >> 52) as usize];
        if needs_search(cell) {
            self.sample_slowly(cell, w)
        } else {
            decide(cell, w)
        }
    }

    /// The delay for the word w in a guide cell that needs the search: from its fine
    /// cell, or where that too needs it, by the search.
    #[cold]
    #[inline(never)]
    fn sample_slowly(&self, cell: u64, w: u64) -> u32 {
        let start = (cell & THRESHOLD_MASK) as usize;
        let fine = self.fine[start + ((w >> 44) as usize & (FINE - 1))];
        if needs_search(fine) {
            return self.sample(crate::rng::open01(w));
        }
        decide(fine, w)
    }

    /// F(k) = P(round(X) <= k): the table's entry, or beyond the table the formula.
    fn cdf_at(&self, k: u64) -> f64 {
        match self.cdf.get(k as usize) {
            Some(&p) => p,
            None => self.family.cdf(k),
        }
    }

    /// The delay of an invoice overdue by `o` >= 1 days on day 0, from its delay uniform
    /// u (MODEL.md section 20): with v = F(o - 1) + u (1 - F(o - 1)), the smallest
    /// k >= o with v < F(k); o when 1 - F(o - 1) is 0; at most 10^9 days ("never").
    pub fn overdue(&self, o: u64, u: f64) -> u64 {
        let below = self.cdf_at(o - 1);
        if 1.0 - below == 0.0 {
            return o;
        }
        let v = below + u * (1.0 - below);
        // Within the table (non-decreasing): a binary search.
        if (o as usize) < self.cdf.len() && v < self.cdf[self.cdf.len() - 1] {
            return o + self.cdf[o as usize..].partition_point(|&c| v >= c) as u64;
        }
        self.first_above(v, o)
    }

    /// The smallest k >= `from` with v < F(k), at most [`NEVER`]: double the step until
    /// F passes v, then halve the bracket (F rises with k).
    fn first_above(&self, v: f64, from: u64) -> u64 {
        let (mut k, mut step) = (from, 1);
        while k < NEVER && v >= self.cdf_at(k) {
            k = (k + step).min(NEVER);
            step *= 2;
        }
        let (mut low, mut high) = ((k - step / 2).max(from), k);
        while low < high {
            let mid = low + (high - low) / 2;
            if v < self.cdf_at(mid) {
                high = mid;
            } else {
                low = mid + 1;
            }
        }
        high
    }

    /// The distribution the table inverts.
    pub fn family(&self) -> Family {
        self.family
    }

    /// The guide cells, indexed by a word's top 12 bits: k0 << 52 | threshold, or at
    /// least [`SEARCH`] where the cell needs the search.
    pub(crate) fn cells(&self) -> &[u64; GUIDE] {
        &self.cells
    }

    /// The share of guide cells that need the search (for tests and tuning).
    pub fn search_share(&self) -> f64 {
        self.cells.iter().filter(|&&c| needs_search(c)).count() as f64 / GUIDE as f64
    }

    /// The delay for the uniform u in (0, 1).
    #[inline]
    pub fn sample(&self, u: f64) -> u32 {
        let mut k = self.guide[(u * GUIDE as f64) as usize] as usize;
        // A few steps of linear search, then binary: the far-tail cells of a
        // heavy-tailed table hold thousands of entries.
        let near = (k + 4).min(self.cdf.len());
        while k < near && u >= self.cdf[k] {
            k += 1;
        }
        if k == near {
            k += self.cdf[k..].partition_point(|&c| u >= c);
        }
        if k < self.cdf.len() {
            return k as u32;
        }
        // The far tail: for the lognormal the formula, never below the table's end;
        // for the gamma the search. Delays beyond 10^9 days are "never".
        let end = self.cdf.len() as u32;
        match self.family {
            Family::Lognormal { mu, sigma } => {
                let x = portable::exp(mu + sigma * inv_norm_cdf(u));
                (x.round().min(1e9) as u32).max(end)
            }
            Family::Gamma { .. } => self.first_above(u, end as u64) as u32,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_table_inverts_the_rounded_lognormal() {
        // Against the formula round(exp(mu + sigma * Phi^-1(u))) on a grid of u, away
        // from the (measure-zero) boundaries where the two roundings could differ.
        let (mu, sigma) = (2.77, 0.94);
        let table = DelayTable::new(Family::Lognormal { mu, sigma });
        for i in 1..20_000 {
            let u = i as f64 / 20_000.0;
            let x = portable::exp(mu + sigma * inv_norm_cdf(u));
            if (x - x.floor() - 0.5).abs() < 1e-9 {
                continue;
            }
            assert_eq!(table.sample(u), x.round() as u32, "u = {u}");
        }
        // The far tail uses the formula.
        let u = 1.0 - 1e-9;
        let x = portable::exp(mu + sigma * inv_norm_cdf(u)).round() as u32;
        assert_eq!(table.sample(u), x);
    }

    #[test]
    fn word_sampling_equals_the_search() {
        use crate::rng::{PathRng, open01};
        // The last two reach cdf = 1 exactly (found by a property test in debug builds).
        let cases = [
            (2.77, 0.94),
            (0.1, 0.05),
            (3.3, 1.6),
            (5.0, 0.01),
            (2.0, 1e-4),
            (0.0, 1e-9),
            // Delays around 4,095 = the k0 that marks a cell for the search: from
            // there on, cells with a single boundary need the search too.
            (4000f64.ln(), 0.01),
        ];
        for (mu, sigma) in cases {
            let table = DelayTable::new(Family::Lognormal { mu, sigma });
            // Random words, and words on either side of every boundary's threshold.
            let rng = PathRng::new(11, 3);
            let mut words: Vec<u64> = (0..50_000).map(|i| rng.words(1, i).0).collect();
            for &c in &table.cdf {
                let t = uniform_threshold(c);
                for k in [t.saturating_sub(1), t, t + 1] {
                    words.push(k.min((1 << 52) - 1) << 12 | 0xABC);
                }
            }
            // Many words in each guide cell that needs the search, to try its fine cells.
            for j in (0..GUIDE).filter(|&j| needs_search(table.cells[j])) {
                for i in 0..2_000 {
                    let low = rng.words(2, (j * 2_000 + i) as u32).1;
                    words.push((j as u64) << 52 | low >> 12);
                }
            }
            for w in words {
                assert_eq!(table.sample_word(w), table.sample(open01(w)), "w = {w:#x}");
            }
            assert!(
                table.search_share() < 0.1,
                "{mu} {sigma}: {}",
                table.search_share()
            );
        }
    }

    #[test]
    fn uniform_thresholds_are_exact() {
        use crate::rng::open01;
        for c in [
            0.0,
            1e-300,
            1e-17,
            0.3,
            0.5,
            0.55,
            0.999_999_9,
            1.0 - 1e-16,
            1.0,
        ] {
            let t = uniform_threshold(c);
            // t = 2^52 (for c = 1) is past every word: nothing to check above it.
            if t < 1 << 52 {
                assert!(open01(t << 12) >= c, "{c}");
            }
            if t > 0 {
                assert!(open01((t - 1) << 12 | 0xFFF) < c, "{c}");
            }
        }
    }
}
