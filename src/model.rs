//! A validated scenario compiled into the numbers the path loop needs.
//!
//! Everything that does not depend on the random draws is worked out once here: the
//! month grid, the deterministic part of revenue, the fixed and scheduled flows, each
//! buyer's invoice calendar, default threshold, delay parameters and credit limit.
//! The path loop in [`crate::engine`] then only adds the random part.

use crate::dist::{inv_norm_cdf, portable};
use crate::rng::DrawList;
use crate::scenario::{BuyerTerms, Lgd, Policy, Scenario};

/// Days in a year and in a policy year.
pub const YEAR_DAYS: u32 = 365;

/// First day of month m: s(m) = floor(m * 365 / 12) (MODEL.md section 2).
pub fn month_start(m: u32) -> u32 {
    (m as u64 * 365 / 12) as u32
}

/// How an LGD is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LgdModel {
    /// The same in every path.
    Fixed(f64),
    /// Beta with these shape parameters.
    Beta { alpha: f64, beta: f64 },
}

/// Delay parameters of a buyer that pays late sometimes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DelayModel {
    /// Probability of paying on the due day.
    pub on_time: f64,
    /// Log-space mean of the lognormal delay.
    pub mu: f64,
    /// Log-space sd of the lognormal delay (0: the delay is always `mean_days`).
    pub sigma: f64,
    /// round(mean_days), the delay when sigma = 0.
    pub fixed_days: u32,
    /// Index into [`Model::delay_tables`] (unused when sigma = 0).
    pub table: usize,
    /// [`uniform_threshold`] of `on_time` (2^52 when on_time = 1: always on time).
    pub on_time_threshold: u64,
}

/// The distribution of a late invoice's delay d = round(X), X lognormal, as a table for
/// inversion: d is the smallest k with u < `cdf[k]`, where
/// `cdf[k]` = P(round(X) <= k) = Phi((ln(k + 1/2) - mu) / sigma).
///
/// This is the same draw as round(exp(mu + sigma * Phi^-1(u))), without an exp and an
/// inverse normal per invoice. The table stops where cdf reaches 1 - 1e-7; beyond it
/// (one invoice in ten million) the formula itself is used. A guide table of
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
    mu: f64,
    sigma: f64,
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
        let late = if self.sigma == 0.0 {
            self.fixed_days
        } else {
            tables[self.table].sample_word(w1)
        };
        self.on_time_or(late, w0)
    }

    /// The delay of an invoice overdue by `o` >= 1 days on day 0, from its second word
    /// w1: drawn given that it is at least o (MODEL.md section 20), capped at 10^9.
    pub fn overdue_delay(&self, tables: &[DelayTable], o: u64, w1: u64) -> u32 {
        let d = if self.sigma == 0.0 {
            // X = mean_days: F jumps from 0 to 1 at round(mean_days).
            (self.fixed_days as u64).max(o)
        } else {
            tables[self.table].overdue(o, crate::rng::open01(w1))
        };
        d.min(1_000_000_000) as u32
    }

    /// 0 when the invoice with first word w0 is paid on time, else `late`.
    #[inline(always)]
    pub fn on_time_or(&self, late: u32, w0: u64) -> u32 {
        let on_time = (w0 >> 12) < self.on_time_threshold;
        std::hint::select_unpredictable(on_time, 0, late)
    }
}

impl DelayTable {
    /// The table of round(X), X lognormal with log-space mean mu and sd sigma > 0.
    pub fn new(mu: f64, sigma: f64) -> DelayTable {
        let mut cdf = Vec::new();
        let mut k = 0u32;
        loop {
            let p = crate::dist::norm_cdf((portable::ln(k as f64 + 0.5) - mu) / sigma);
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
            mu,
            sigma,
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
            None => crate::dist::norm_cdf((portable::ln(k as f64 + 0.5) - self.mu) / self.sigma),
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
        // Beyond it: double the step until F passes v, then halve the bracket.
        const NEVER: u64 = 1_000_000_000;
        let (mut k, mut step) = (o, 1);
        while k < NEVER && v >= self.cdf_at(k) {
            k = (k + step).min(NEVER);
            step *= 2;
        }
        let (mut low, mut high) = ((k - step / 2).max(o), k);
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
        // The far tail: the formula, never below the table's end. Delays beyond 10^9
        // days are "never" for every comparison the model makes (days <= 36,500).
        let x = portable::exp(self.mu + self.sigma * inv_norm_cdf(u));
        (x.round().min(1e9) as u32).max(self.cdf.len() as u32)
    }
}

/// One buyer (a named buyer or one member of a group) as the path loop sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct BuyerModel {
    /// Display name (`GROUP#k` for a group member).
    pub name: String,
    /// Share of monthly revenue per invoice: share / invoices_per_month.
    pub share_per_invoice: f64,
    /// Payment terms in days.
    pub terms_days: u32,
    /// Default intensity lambda = -ln(1 - pd) per year (0: never defaults).
    pub lambda: f64,
    /// A stress case's fixed default day (>= horizon: never).
    pub forced_default: Option<u32>,
    /// Loss given default.
    pub lgd: LgdModel,
    /// Late payment; `None` always pays on time.
    pub delay: Option<DelayModel>,
    /// Index into [`Model::calendars`] of this buyer's invoice calendar.
    pub calendar: usize,
    /// Index into [`Model::copulas`] of this buyer's copula parameters.
    pub copula: usize,
    /// Position in [`Model::draws`] of the draw of its own factor E(b) (unused when
    /// the buyer cannot default at random).
    pub factor_draw: usize,
    /// Position in [`Model::draws`] of its first invoice's draw; the others follow
    /// (unused without a `delay` table: such a buyer needs no draws per invoice).
    pub first_invoice_draw: usize,
    /// Draws of [`Model::draws`] up to this position (exclusive) are those of this
    /// buyer and the buyers before it.
    pub draws_end: usize,
    /// True when some policy covers this buyer (its limit there is > 0).
    pub covered: bool,
    /// The policies that cover it: bit k for policy k ([`Model::policies`]).
    pub coverage: u8,
    /// The shortest waiting period of the policies that cover it (`u32::MAX` when
    /// none does): an invoice paid later than this may be claimed by one of them.
    pub waiting: u32,
    /// Index into [`Model::coverage_classes`] of its coverage (unused when not
    /// covered): buyers covered by the same policies add to one insured turnover.
    pub turnover_class: usize,
    /// Its opening receivables: a range of [`Model::opening`].
    pub opening: std::ops::Range<usize>,
}

/// An invoice open on day 0 as the path loop sees it (MODEL.md section 20).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OpeningModel {
    /// The open amount.
    pub amount: f64,
    /// Due day u(i), negative when overdue on day 0.
    pub due: i64,
    /// Its index j in the buyer's stream 2^30 + b (the buyer's j-th in file order).
    pub draw: u32,
    /// Its place in the buyer's issue order (by issue day, then file order), before
    /// every invoice issued on day 0 or later: the claim order's tie-break.
    pub rank: u32,
}

/// The borrowing base as the path loop sees it (MODEL.md section 15).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FinancingModel {
    /// advance_rate: lent on every eligible amount.
    pub advance_rate: f64,
    /// insured_advance_rate - advance_rate: lent in addition on the insured part.
    pub insured_extra: f64,
    /// An invoice is eligible up to and including due + this day.
    pub max_days_past_due: u32,
    /// Cap on the borrowing base.
    pub facility_limit: f64,
    /// The daily rate on a negative balance in a policy's variant:
    /// max(0, credit_line_rate - insured_rate_reduction) / 365.
    pub policy_daily_debit_rate: f64,
}

/// One policy as the path loop sees it (MODEL.md sections 7 and 14).
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyModel {
    /// Its terms.
    pub terms: Policy,
    /// The limit of each buyer under it, in buyer order (0: not covered).
    pub limits: Vec<f64>,
    /// Its deposits per day, length H.
    pub deposit_flows: Vec<f64>,
}

/// The copula parameters of a buyer, shared by all buyers with the same values (all
/// members of a group, say), so that the default pre-test costs one normal
/// distribution function per class and path, not one inverse normal per buyer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Copula {
    /// sqrt(rho).
    pub sqrt_rho: f64,
    /// sqrt(1 - rho).
    pub sqrt_one_minus_rho: f64,
    /// Latent values X >= this cannot default within the horizon (a fast pre-test;
    /// the default day itself is always computed from the exact formula).
    pub default_threshold: f64,
}

impl Copula {
    /// A bound on the uniform u of E(b) = Phi^-1(u), given the common factor z: when
    /// u >= this bound, X = sqrt(rho) z + sqrt(1 - rho) E(b) is above the default
    /// threshold, so the buyer does not default within the horizon.
    ///
    /// X < threshold  <=>  E(b) < e* = (threshold - sqrt(rho) z) / sqrt(1 - rho)
    /// <=>  u < Phi(e*). The bound is Phi(e* + 1e-6) + 1e-12: the margins (10^-6 in E
    /// against relative errors of about 10^-15 in Phi and its inverse; 10^-12 in u
    /// against the rounding of Phi near 1, where one step of 2^-53 in u is a step of
    /// 10^-5 in E at E = 7) make the pre-test generous, and every buyer below the bound
    /// goes through the exact formula, so the bound never changes a default day. It
    /// sends one buyer in about 10^12 through the formula needlessly.
    #[inline]
    pub fn uniform_bound(&self, z: f64) -> f64 {
        if self.default_threshold == f64::NEG_INFINITY {
            return 0.0;
        }
        let e = (self.default_threshold - self.sqrt_rho * z) / self.sqrt_one_minus_rho;
        crate::dist::norm_cdf(e + 1e-6) + 1e-12
    }
}

/// The invoices a buyer with n invoices per month issues: (month, day) in issue order.
#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    /// Invoices per month.
    pub per_month: u32,
    /// Month and issue day of every potential invoice, in issue order.
    pub invoices: Vec<(u32, u32)>,
}

/// A compiled scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// Horizon H.
    pub horizon: u32,
    /// Seed.
    pub seed: u64,
    /// s(m) for m = 0..=months (one more than the months simulated).
    pub month_starts: Vec<u32>,
    /// Deterministic revenue factor of month m: monthly * season(m) * (1+g)^(m/12).
    pub base_revenue: Vec<f64>,
    /// Sd of the monthly demand shock.
    pub volatility: f64,
    /// Share of revenue sold for cash.
    pub cash_share: f64,
    /// Supplier cost share.
    pub variable_ratio: f64,
    /// Supplier terms.
    pub supplier_terms_days: u32,
    /// Fixed and scheduled flows per day (every variant), length H.
    pub fixed_flows: Vec<f64>,
    /// Number of policy years that start before H.
    pub policy_years: usize,
    /// Policy year of each month's premium: floor(s(m) / 365).
    pub month_policy_year: Vec<usize>,
    /// Opening cash.
    pub opening_cash: f64,
    /// Credit line L.
    pub credit_line: f64,
    /// Daily factors credit_line_rate / 365 and deposit_rate / 365.
    pub daily_debit_rate: f64,
    /// See `daily_debit_rate`.
    pub daily_credit_rate: f64,
    /// Shortfall threshold.
    pub min_headroom: f64,
    /// Recovery lag.
    pub recovery_lag_days: u32,
    /// All buyers, named first, then group members.
    pub buyers: Vec<BuyerModel>,
    /// Invoice calendars, one per distinct invoices_per_month.
    pub calendars: Vec<Calendar>,
    /// Delay tables, one per distinct (mu, sigma).
    pub delay_tables: Vec<DelayTable>,
    /// Copula parameters, one per distinct (rho, default threshold).
    pub copulas: Vec<Copula>,
    /// The draws of streams 1 + b a path needs (section "Random numbers" of
    /// [`crate::rng`]): each randomly defaulting buyer's factor, then each late-paying
    /// buyer's invoices, in buyer order.
    pub draws: DrawList,
    /// The borrowing base, if the file has `[financing]`.
    pub financing: Option<FinancingModel>,
    /// Every opening receivable, buyer by buyer ([`BuyerModel::opening`]).
    pub opening: Vec<OpeningModel>,
    /// The policies, in file order: variant 1 + k is policy k's.
    pub policies: Vec<PolicyModel>,
    /// The distinct coverages of covered buyers (bit k: policy k), in order of first
    /// appearance: one insured turnover is kept per class, and policy k's turnover
    /// is the sum of the classes with bit k. With one policy there is one class.
    pub coverage_classes: Vec<u8>,
    /// Number of variants: uninsured, then one per policy (two without a policy).
    pub variants: usize,
}

impl Model {
    /// Number of variants simulated ([`crate::variant`]).
    pub fn variants(&self) -> usize {
        self.variants
    }

    /// The daily rate on a negative balance in variant `v`: credit_line_rate / 365,
    /// less the financing's reduction in a policy's variant (MODEL.md section 15).
    pub fn daily_debit_rate(&self, v: usize) -> f64 {
        match &self.financing {
            Some(f) if v != crate::variant::UNINSURED && !self.policies.is_empty() => {
                f.policy_daily_debit_rate
            }
            _ => self.daily_debit_rate,
        }
    }

    /// Number of policy ledgers: one per variant after the uninsured one (all zeros
    /// without a policy).
    pub fn ledgers(&self) -> usize {
        self.variants - 1
    }

    /// Number of policy years reported one by one (`by_year`, MODEL.md section 18):
    /// every policy year that starts before H when H > 365, else none.
    pub fn reported_years(&self) -> usize {
        if self.horizon > YEAR_DAYS {
            self.policy_years
        } else {
            0
        }
    }

    /// Number of months simulated.
    pub fn months(&self) -> usize {
        self.base_revenue.len()
    }

    /// Number of potential invoices per path (before defaults stop sales).
    pub fn invoices_per_path(&self) -> u64 {
        self.buyers
            .iter()
            .map(|b| self.calendars[b.calendar].invoices.len() as u64)
            .sum()
    }

    /// Number of potential invoices per path of the buyers the policy covers: the most
    /// claims a path can have (each invoice is claimed at most once).
    pub fn claimable_invoices_per_path(&self) -> u64 {
        self.buyers
            .iter()
            .filter(|b| b.covered)
            .map(|b| self.calendars[b.calendar].invoices.len() as u64)
            .sum()
    }

    /// Compiles a validated scenario.
    pub fn new(s: &Scenario) -> Model {
        let horizon = s.horizon_days;
        let mut month_starts = Vec::new();
        let mut m = 0;
        while month_start(m) < horizon {
            month_starts.push(month_start(m));
            m += 1;
        }
        let months = month_starts.len();
        month_starts.push(month_start(months as u32));

        let base_revenue: Vec<f64> = (0..months)
            .map(|m| {
                let season = match &s.seasonality {
                    Some(f) => f[(s.start_month as usize - 1 + m) % 12],
                    None => 1.0,
                };
                s.revenue_monthly * season * portable::pow(1.0 + s.revenue_growth, m as f64 / 12.0)
            })
            .collect();

        let mut fixed_flows = vec![0.0; horizon as usize];
        for &day in &month_starts[..months] {
            fixed_flows[day as usize] -= s.fixed_monthly;
        }
        for flow in &s.scheduled {
            for day in flow.days(horizon) {
                fixed_flows[day as usize] += flow.amount;
            }
        }

        let policy_years = horizon.div_ceil(YEAR_DAYS) as usize;
        let month_policy_year = month_starts[..months]
            .iter()
            .map(|&d| (d / YEAR_DAYS) as usize)
            .collect();

        let mut calendars: Vec<Calendar> = Vec::new();
        let mut calendar_of = |n: u32| -> usize {
            if let Some(i) = calendars.iter().position(|c| c.per_month == n) {
                return i;
            }
            let mut invoices = Vec::new();
            for m in 0..months {
                let (start, next) = (month_starts[m], month_starts[m + 1]);
                for k in 0..n {
                    let day = start + (k as u64 * (next - start) as u64 / n as u64) as u32;
                    invoices.push((m as u32, day));
                }
            }
            calendars.push(Calendar {
                per_month: n,
                invoices,
            });
            calendars.len() - 1
        };

        let mut delay_tables: Vec<DelayTable> = Vec::new();
        let mut table_of = |mu: f64, sigma: f64| -> usize {
            if sigma == 0.0 {
                return usize::MAX;
            }
            if let Some(i) = delay_tables
                .iter()
                .position(|t| t.mu == mu && t.sigma == sigma)
            {
                return i;
            }
            delay_tables.push(DelayTable::new(mu, sigma));
            delay_tables.len() - 1
        };
        let mut buyers = Vec::with_capacity(s.buyer_count());
        // A stress case's forced default days by buyer number (the first for a buyer
        // named twice).
        let mut forced = std::collections::HashMap::new();
        for f in &s.forced_defaults {
            if let Some(b) = crate::scenario::buyers::index_of(&s.buyers, &s.groups, &f.buyer) {
                forced.entry(b).or_insert(f.day);
            }
        }
        // Each buyer's copula numbers, interned into classes below.
        let mut buyer_copulas: Vec<Copula> = Vec::with_capacity(s.buyer_count());
        // Each buyer's limit under each policy, policy by policy.
        let mut limits: Vec<Vec<f64>> = vec![Vec::with_capacity(s.buyer_count()); s.policies.len()];
        let mut add = |terms: &BuyerTerms, name: String, group: Option<&str>, calendar: usize| {
            let rho = terms.correlation.unwrap_or(s.correlation);
            let lambda = -portable::ln_1p(-terms.pd);
            let mut coverage = 0u8;
            let mut waiting = u32::MAX;
            for (k, policy) in s.policies.iter().enumerate() {
                let limit = policy.limit_of(&name, group, terms.limit);
                limits[k].push(limit);
                if limit > 0.0 {
                    coverage |= 1 << k;
                    waiting = waiting.min(policy.waiting_period_days);
                }
            }
            let forced_default = forced.get(&buyers.len()).copied();
            buyer_copulas.push(Copula {
                sqrt_rho: rho.sqrt(),
                sqrt_one_minus_rho: (1.0 - rho).sqrt(),
                default_threshold: default_threshold(lambda, horizon),
            });
            buyers.push(BuyerModel {
                share_per_invoice: terms.share / terms.invoices_per_month as f64,
                terms_days: terms.terms_days,
                lambda,
                copula: 0,
                factor_draw: usize::MAX,
                first_invoice_draw: usize::MAX,
                draws_end: 0,
                forced_default,
                lgd: match terms.lgd {
                    Lgd::Fixed(v) => LgdModel::Fixed(v),
                    Lgd::Beta { mean, sd: 0.0 } => LgdModel::Fixed(mean),
                    Lgd::Beta { mean, sd } => {
                        let (alpha, beta) = crate::dist::beta_shapes(mean, sd);
                        if alpha.is_finite() && beta.is_finite() {
                            LgdModel::Beta { alpha, beta }
                        } else {
                            // An sd so small (below about 1e-154) that the shapes
                            // overflow: the whole mass lies closer to the mean than a
                            // double can tell apart, so an exact sampler gives the mean.
                            LgdModel::Fixed(mean)
                        }
                    }
                },
                delay: terms.delay.map(|d| {
                    let sigma2 =
                        portable::ln(1.0 + d.sd_days * d.sd_days / (d.mean_days * d.mean_days));
                    let (mu, sigma) = (portable::ln(d.mean_days) - sigma2 / 2.0, sigma2.sqrt());
                    DelayModel {
                        on_time_threshold: if d.on_time >= 1.0 {
                            1 << 52
                        } else {
                            uniform_threshold(d.on_time)
                        },
                        on_time: d.on_time,
                        mu,
                        sigma,
                        fixed_days: d.mean_days.round() as u32,
                        table: table_of(mu, sigma),
                    }
                }),
                calendar,
                covered: coverage != 0,
                coverage,
                waiting,
                turnover_class: usize::MAX,
                opening: 0..0,
                name,
            });
        };
        for b in &s.buyers {
            let cal = calendar_of(b.invoices_per_month);
            add(b, b.name.clone(), None, cal);
        }
        for g in &s.groups {
            let cal = calendar_of(g.terms.invoices_per_month);
            for k in 1..=g.count {
                let name = crate::scenario::buyers::member_name(&g.terms.name, k);
                add(g.terms_of(k), name, Some(&g.terms.name), cal);
            }
        }
        let mut coverage_classes: Vec<u8> = Vec::new();
        for buyer in buyers.iter_mut().filter(|b| b.covered) {
            buyer.turnover_class = match coverage_classes.iter().position(|&c| c == buyer.coverage)
            {
                Some(i) => i,
                None => {
                    coverage_classes.push(buyer.coverage);
                    coverage_classes.len() - 1
                }
            };
        }
        // Opening receivables grouped by buyer, each buyer's in file order.
        let mut by_buyer: Vec<(usize, usize)> = s
            .receivables
            .iter()
            .enumerate()
            .map(|(i, r)| (r.buyer_index, i))
            .collect();
        by_buyer.sort();
        let mut opening = Vec::with_capacity(by_buyer.len());
        for group in by_buyer.chunk_by(|a, b| a.0 == b.0) {
            let b = group[0].0;
            let start = opening.len();
            let mut order: Vec<(i64, usize)> = group
                .iter()
                .map(|&(_, i)| (s.receivables[i].issue_day, i))
                .collect();
            order.sort();
            for (j, &(_, i)) in group.iter().enumerate() {
                let r = &s.receivables[i];
                opening.push(OpeningModel {
                    amount: r.amount,
                    due: r.due_day,
                    draw: j as u32,
                    rank: order.iter().position(|&(_, k)| k == i).unwrap_or(0) as u32,
                });
            }
            buyers[b].opening = start..opening.len();
        }
        let policies = s
            .policies
            .iter()
            .zip(limits)
            .map(|(terms, limits)| {
                let mut deposit_flows = vec![0.0; horizon as usize];
                for y in 0..policy_years {
                    deposit_flows[y * YEAR_DAYS as usize] -= terms.minimum_premium;
                }
                PolicyModel {
                    terms: terms.clone(),
                    limits,
                    deposit_flows,
                }
            })
            .collect();

        let mut copulas: Vec<Copula> = Vec::new();
        let mut draws = DrawList::default();
        for (b, buyer) in buyers.iter_mut().enumerate() {
            let copula = buyer_copulas[b];
            buyer.copula = match copulas.iter().position(|c| *c == copula) {
                Some(i) => i,
                None => {
                    copulas.push(copula);
                    copulas.len() - 1
                }
            };
            let stream = 1 + b as u32;
            if buyer.forced_default.is_none() && buyer.lambda > 0.0 {
                buyer.factor_draw = draws.push(stream, 0);
            }
            if buyer.delay.is_some() {
                buyer.first_invoice_draw = draws.len();
                for i in 0..calendars[buyer.calendar].invoices.len() {
                    draws.push(stream, 1 + i as u32);
                }
            }
            buyer.draws_end = draws.len();
        }

        Model {
            horizon,
            seed: s.seed,
            base_revenue,
            month_starts,
            volatility: s.revenue_volatility,
            cash_share: s.cash_share(),
            variable_ratio: s.variable_ratio,
            supplier_terms_days: s.supplier_terms_days,
            fixed_flows,
            policy_years,
            month_policy_year,
            opening_cash: s.opening_cash,
            credit_line: s.credit_line,
            daily_debit_rate: s.credit_line_rate / 365.0,
            daily_credit_rate: s.deposit_rate / 365.0,
            min_headroom: s.min_headroom,
            recovery_lag_days: s.recovery_lag_days,
            buyers,
            calendars,
            delay_tables,
            copulas,
            draws,
            financing: s.financing.map(|f| FinancingModel {
                advance_rate: f.advance_rate,
                insured_extra: f.insured_advance_rate - f.advance_rate,
                max_days_past_due: f.max_days_past_due,
                facility_limit: f.facility_limit,
                policy_daily_debit_rate: (s.credit_line_rate - f.insured_rate_reduction).max(0.0)
                    / 365.0,
            }),
            opening,
            policies,
            coverage_classes,
            variants: s.variants(),
        }
    }
}

/// The latent value below which a default can happen before the horizon, with a margin.
///
/// tau < H  <=>  Phi(X) < 1 - exp(-lambda H / 365)  <=>  X < Phi^-1(that). The margin
/// (1e-6 in X) only makes the pre-test generous; the exact formula decides.
fn default_threshold(lambda: f64, horizon: u32) -> f64 {
    if lambda == 0.0 {
        return f64::NEG_INFINITY;
    }
    let p = -portable::exp_m1(-lambda * horizon as f64 / 365.0);
    if p >= 1.0 {
        return f64::INFINITY;
    }
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    inv_norm_cdf(p) + 1e-6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_table_inverts_the_rounded_lognormal() {
        // Against the formula round(exp(mu + sigma * Phi^-1(u))) on a grid of u, away
        // from the (measure-zero) boundaries where the two roundings could differ.
        let (mu, sigma) = (2.77, 0.94);
        let table = DelayTable::new(mu, sigma);
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
            let table = DelayTable::new(mu, sigma);
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
    fn the_uniform_bound_never_skips_a_default() {
        // The engine skips a buyer when u >= bound; the exact test it replaces is
        // X = sqrt(rho) z + sqrt(1 - rho) Phi^-1(u) >= threshold. Check the implication
        // just above each bound, where a wrong bound would show first.
        for rho in [0.0, 0.12, 0.5, 0.95] {
            for pd in [1e-6, 0.015, 0.3, 0.999] {
                let lambda = -portable::ln_1p(-pd);
                let copula = Copula {
                    sqrt_rho: f64::sqrt(rho),
                    sqrt_one_minus_rho: f64::sqrt(1.0 - rho),
                    default_threshold: default_threshold(lambda, 365),
                };
                for i in -80..=80 {
                    let z = i as f64 / 10.0;
                    let bound = copula.uniform_bound(z);
                    let above = [1e-16, 1e-15, 1e-13, 1e-12, 1e-9, 1e-6, 1e-3];
                    for u in std::iter::once(bound).chain(above.iter().map(|d| bound + d)) {
                        if u <= 0.0 || u >= 1.0 {
                            continue;
                        }
                        let x = copula.sqrt_rho * z + copula.sqrt_one_minus_rho * inv_norm_cdf(u);
                        assert!(
                            x >= copula.default_threshold,
                            "rho {rho} pd {pd} z {z} u {u}"
                        );
                    }
                }
            }
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

    #[test]
    fn month_grid_matches_model_md() {
        let starts: Vec<u32> = (0..14).map(month_start).collect();
        assert_eq!(
            starts,
            vec![
                0, 30, 60, 91, 121, 152, 182, 212, 243, 273, 304, 334, 365, 395
            ]
        );
    }
}
