//! One simulated path, uninsured and insured on the same draws (MODEL.md sections 4-8).
//!
//! A path is built as two daily flow ledgers of length H: `common` holds every flow
//! both variants share (sales, supplier costs, fixed and scheduled items, buyer
//! payments and recoveries), `insured` holds what only the insured variant adds
//! (deposits, cash premiums, payouts, minus the insurer's share of later payments).
//! The balance scan then walks the days once per variant. Nothing here allocates once
//! the [`Scratch`] buffers have grown to the scenario's size.

// Lane-wise code indexes several arrays by the same lane number; iterators would hide
// that the lanes are independent.
#![allow(clippy::needless_range_loop)]

use crate::dist::{self, portable};
use crate::model::{DelayModel, LgdModel, Model, YEAR_DAYS};
use crate::model::{SEARCH, THRESHOLD_MASK};
use crate::rng::{LGD_STREAM_BASE, PATHS, PathRng, PathsRng, WordWindow};
use std::hint::select_unpredictable;

pub use crate::variant::{INSURED, UNINSURED};

/// The lane mask with every lane set.
const ALL_LANES: u8 = u8::MAX;

/// What one path produced: the per-path figures of MODEL.md section 8.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PathOutcome {
    /// Minimum headroom over the horizon, per variant.
    pub min_headroom: [f64; 2],
    /// Balance B(H-1), per variant.
    pub end_balance: [f64; 2],
    /// First day with headroom below `min_headroom`, per variant.
    pub shortfall_day: [Option<u32>; 2],
    /// Sum of LGD * A over defaulted invoices (economic, both variants).
    pub credit_loss: f64,
    /// Credit loss net of insurance: sum of LGD * (A - payout) over defaulted invoices.
    pub net_credit_loss: f64,
    /// Deposits and cash premiums dated before H.
    pub premium_paid: f64,
    /// Payouts dated before H.
    pub payouts_received: f64,
    /// Claims dated before H.
    pub claims: u32,
}

/// What one variant's policy did on a path (all zero uninsured, where the net credit
/// loss is the credit loss).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PolicyOutcome {
    /// Deposits and cash premiums dated before H.
    pub premium_paid: f64,
    /// Payouts dated before H.
    pub payouts_received: f64,
    /// Claims dated before H.
    pub claims: u32,
    /// Credit loss net of payouts.
    pub net_credit_loss: f64,
}

impl PathOutcome {
    /// What the policy of variant `v` did on this path.
    pub fn policy(&self, v: usize) -> PolicyOutcome {
        if v == UNINSURED {
            PolicyOutcome {
                net_credit_loss: self.credit_loss,
                ..PolicyOutcome::default()
            }
        } else {
            PolicyOutcome {
                premium_paid: self.premium_paid,
                payouts_received: self.payouts_received,
                claims: self.claims,
                net_credit_loss: self.net_credit_loss,
            }
        }
    }
}

/// Receives every day's headroom of both variants (for fan charts and tests).
pub trait DayObserver {
    /// The headroom of day `day` of one variant in every lane, called day by day for
    /// each variant; lanes `0..active` hold the paths, in the order they were given.
    fn headrooms(&mut self, variant: usize, day: usize, headroom: &[f64; PATHS], active: usize);

    /// Called after the last day of `active` paths.
    fn end_paths(&mut self, _active: usize) {}
}

/// An observer that ignores everything.
pub struct NoObserver;

impl DayObserver for NoObserver {
    #[inline]
    fn headrooms(&mut self, _: usize, _: usize, _: &[f64; PATHS], _: usize) {}
}

/// Bytes of one claim waiting to be settled; a worker keeps up to one per claimable
/// invoice for each of its [`PATHS`] lanes (the cost model counts them).
pub const CLAIM_BYTES: u64 = std::mem::size_of::<Claim>() as u64;

/// A claim waiting to be settled in claim order.
#[derive(Debug, Clone, Copy)]
struct Claim {
    day: u32,
    buyer: u32,
    invoice: u32,
    amount: f64,
    /// The payment still to come on the invoice (late payment or recovery), if any
    /// within the horizon: day and amount.
    later_day: u32,
    later_amount: f64,
    /// LGD of a defaulted invoice, 0 when the invoice is eventually paid.
    defaulted_lgd: f64,
}

/// Reusable buffers of one worker thread, for [`PATHS`] paths at once.
///
/// The per-day and per-month arrays are interleaved, day-major: the value of day d
/// (or month m) of lane p is at `d * PATHS + p` (`at`). A lane's flows are added in
/// exactly the order of a path simulated alone; the layout only lets one vector
/// instruction serve the same invoice of all lanes.
#[derive(Debug, Default)]
pub struct Scratch {
    common: Vec<f64>,
    insured: Vec<f64>,
    revenue: Vec<f64>,
    turnover: Vec<f64>,
    claims: [Vec<Claim>; PATHS],
    limit_left: Vec<f64>,
    year_left: Vec<[f64; 3]>,
    /// First and second words of the current buyer's draws, for every lane.
    words: WordWindow,
    /// Per copula class and lane, the bound of [`crate::model::Copula::uniform_bound`].
    uniform_bound: Vec<f64>,
}

/// The position of day (or month) `d` of lane `p` in an interleaved array.
#[inline(always)]
fn at(d: usize, p: usize) -> usize {
    d * PATHS + p
}

impl Scratch {
    /// Buffers sized for `model`.
    pub fn new(model: &Model) -> Scratch {
        let h = model.horizon as usize;
        Scratch {
            // One day more than the horizon: flows dated on or after H are added to
            // day H, which no scan reads, so the hot loop needs no branch on the date.
            common: vec![0.0; (h + 1) * PATHS],
            insured: vec![0.0; h * PATHS],
            revenue: vec![0.0; model.months() * PATHS],
            turnover: vec![0.0; model.months() * PATHS],
            claims: std::array::from_fn(|_| Vec::with_capacity(64)),
            limit_left: vec![0.0; model.buyers.len()],
            year_left: vec![[0.0; 3]; model.policy_years],
            words: word_window(model),
            uniform_bound: vec![0.0; model.copulas.len() * PATHS],
        }
    }

    /// The common and insured-only flow ledgers of the first path of the last call
    /// (for tests).
    pub fn ledgers(&self) -> (Vec<f64>, Vec<f64>) {
        let lane0 = |cells: &[f64], days: usize| (0..days).map(|d| cells[at(d, 0)]).collect();
        let h = self.insured.len() / PATHS;
        (lane0(&self.common, h), lane0(&self.insured, h))
    }
}

/// The default day of buyer `b`, or `None` when it does not default before H.
///
/// `u` gives the uniform of the buyer's own factor (stream 1 + b, index 0), asked for
/// only when the buyer can default at random. `bound` is the buyer's
/// [`crate::model::Copula::uniform_bound`] for this path: a buyer with u >= bound
/// cannot default in the horizon, so most buyers skip the inverse normal; below it the
/// exact formula decides.
#[inline]
fn default_day(
    model: &Model,
    b: usize,
    z: f64,
    u: impl FnOnce() -> f64,
    bound: f64,
) -> Option<u32> {
    let buyer = &model.buyers[b];
    if let Some(day) = buyer.forced_default {
        return (day < model.horizon).then_some(day);
    }
    if buyer.lambda == 0.0 {
        return None;
    }
    let u = u();
    if u >= bound {
        return None;
    }
    let e = dist::inv_norm_cdf(u);
    let x = buyer.sqrt_rho * z + buyer.sqrt_one_minus_rho * e;
    if x >= buyer.default_threshold {
        return None;
    }
    // tau = 365 * (-ln(1 - Phi(X))) / lambda days.
    let tau = 365.0 * -portable::ln_1p(-dist::norm_cdf(x)) / buyer.lambda;
    let day = tau.floor();
    (day < model.horizon as f64).then_some(day as u32)
}

/// The default day of every buyer in path `path` (`None`: no default before H), in
/// buyer order, by the exact formula for every buyer (no pre-test); for inspection
/// and tests.
pub fn default_days(model: &Model, path: u64) -> Vec<Option<u32>> {
    let rng = PathRng::new(model.seed, path);
    let z = dist::inv_norm_cdf(rng.uniform(0, 0));
    (0..model.buyers.len())
        .map(|b| default_day(model, b, z, || rng.uniform(1 + b as u32, 0), f64::INFINITY))
        .collect()
}

/// The random-number floor of [`simulate_paths`]: every random number the paths
/// `paths` (8 of them) need, drawn as the engine draws them, and nothing else. The
/// uniforms of the economy (the common factor and each month's shock, as normals),
/// and every buyer's draws (its factor and each invoice's two words, for the 8 paths
/// at once, a buyer at a time), each word turned into a uniform. Returns their sum, so
/// that no work can be left out. For benchmarks: the engine's speed is measured
/// against this.
pub fn draw_only(model: &Model, paths: &[u64; PATHS], window: &mut WordWindow) -> f64 {
    let mut sum = 0.0;
    // The month shocks only where the engine draws them: with revenue volatility.
    let months = if model.volatility > 0.0 {
        model.months()
    } else {
        0
    };
    for &path in paths {
        let rng = PathRng::new(model.seed, path);
        for index in 0..=months as u32 {
            sum += dist::inv_norm_cdf(rng.uniform(0, index));
        }
    }
    let rng = PathsRng::new(model.seed, paths);
    window.restart();
    let mut start = 0;
    for end in model.buyers.iter().map(|b| b.draws_end) {
        rng.fill_window(&model.draws, end, window);
        let [first, second] = window.words(start..end);
        for (&a, &b) in first.iter().zip(second) {
            sum += crate::rng::open01(a) + crate::rng::open01(b);
        }
        start = end;
    }
    sum
}

/// A word window sized for the draws of `model`, for [`draw_only`].
pub fn word_window(model: &Model) -> WordWindow {
    WordWindow::new(&model.draws, model.buyers.iter().map(|b| b.draws_end))
}

/// Simulates path `path` of `model`, both variants, reporting each day to `observer`.
pub fn simulate_path<O: DayObserver>(
    model: &Model,
    path: u64,
    scratch: &mut Scratch,
    observer: &mut O,
) -> PathOutcome {
    simulate_paths(model, &[path], scratch, observer)[0]
}

/// Simulates the paths `paths` (1 to [`PATHS`] of them) of `model`, both variants, one
/// per lane, reporting each path's days to `observer` in the order of `paths`. Each
/// path's figures are those of [`simulate_path`] alone, to the last bit: every lane
/// receives its flows in the same order, and only the solvent payers' invoices are
/// processed for all lanes at once.
pub fn simulate_paths<O: DayObserver>(
    model: &Model,
    paths: &[u64],
    scratch: &mut Scratch,
    observer: &mut O,
) -> [PathOutcome; PATHS] {
    simulate_lanes(model, paths, scratch, observer, SolventLoop::Fastest)
}

/// How [`simulate_lanes`] runs the invoices of solvent late payers. All three give the
/// same bits; the tests hold them to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SolventLoop {
    /// All lanes at once with AVX-512 where the processor has it, else in portable code.
    Fastest,
    /// All lanes at once in portable code ([`SolventPayer::invoices`]), as without
    /// AVX-512.
    #[cfg_attr(not(test), allow(dead_code, reason = "chosen by the tests"))]
    Portable,
    /// The general loop of every buyer ([`buyer_invoices`]): the reference.
    General,
}

/// [`simulate_paths`] with a choice of loop for the solvent payers.
fn simulate_lanes<O: DayObserver>(
    model: &Model,
    paths: &[u64],
    scratch: &mut Scratch,
    observer: &mut O,
    solvent_loop: SolventLoop,
) -> [PathOutcome; PATHS] {
    let active = paths.len();
    assert!((1..=PATHS).contains(&active), "1 to {PATHS} paths at once");
    // Idle lanes repeat the first path; nothing of theirs is reported.
    let lanes: [u64; PATHS] = std::array::from_fn(|p| paths[if p < active { p } else { 0 }]);
    let rngs = lanes.map(|k| PathRng::new(model.seed, k));
    let h = model.horizon as usize;
    let mut out = [PathOutcome::default(); PATHS];

    for (day, cells) in scratch.common.chunks_exact_mut(PATHS).enumerate() {
        cells.fill(model.fixed_flows.get(day).copied().unwrap_or(0.0));
    }
    for (cells, &flow) in scratch
        .insured
        .chunks_exact_mut(PATHS)
        .zip(&model.deposit_flows)
    {
        cells.fill(flow);
    }
    for claims in &mut scratch.claims {
        claims.clear();
    }
    scratch.turnover.fill(0.0);

    // Economy: the common factor and each month's revenue.
    let mut z = [0.0; PATHS];
    for p in 0..active {
        z[p] = dist::inv_norm_cdf(rngs[p].uniform(0, 0));
    }
    let vol = model.volatility;
    for m in 0..model.months() {
        for (p, rng) in rngs.iter().enumerate().take(active) {
            let shock = if vol > 0.0 {
                let e = dist::inv_norm_cdf(rng.uniform(0, 1 + m as u32));
                portable::exp(vol * e - vol * vol / 2.0)
            } else {
                1.0
            };
            scratch.revenue[at(m, p)] = model.base_revenue[m] * shock;
        }
    }

    let sup = model.supplier_terms_days as usize;
    let vr = model.variable_ratio;
    if model.cash_share > 0.0 {
        for p in 0..active {
            for m in 0..model.months() {
                let day = model.month_starts[m] as usize;
                let sale = scratch.revenue[at(m, p)] * model.cash_share;
                scratch.common[at(day, p)] += sale;
                if day + sup < h {
                    scratch.common[at(day + sup, p)] -= vr * sale;
                }
            }
        }
    }

    let words_rng = PathsRng::new(model.seed, &lanes);
    scratch.words.restart();
    for (c, copula) in model.copulas.iter().enumerate() {
        for p in 0..active {
            scratch.uniform_bound[at(c, p)] = copula.uniform_bound(z[p]);
        }
    }
    for (b, buyer) in model.buyers.iter().enumerate() {
        words_rng.fill_window(&model.draws, buyer.draws_end, &mut scratch.words);
        // Lanes in which the buyer pays every invoice, late at times: the hot loop.
        let mut solvent = 0u8;
        for p in 0..active {
            let words = &scratch.words;
            let u = || crate::rng::open01(words.first[words.at(buyer.factor_draw, p)]);
            let bound = scratch.uniform_bound[at(buyer.copula, p)];
            let default = default_day(model, b, z[p], u, bound);
            if let (None, Some(delay)) = (default, &buyer.delay)
                && delay.sigma > 0.0
                && solvent_loop != SolventLoop::General
            {
                solvent |= 1 << p;
                continue;
            }
            let lgd = match (default, buyer.lgd) {
                (None, _) => 0.0,
                (Some(_), LgdModel::Fixed(v)) => v,
                (Some(_), LgdModel::Beta { alpha, beta }) => {
                    let mut stream = rngs[p].stream(LGD_STREAM_BASE + b as u32);
                    dist::beta(alpha, beta, &mut stream)
                }
            };
            let stop = default.unwrap_or(u32::MAX);
            buyer_invoices(model, b, p, stop, lgd, scratch, &mut out[p]);
        }
        if solvent != 0
            && let Some(delay) = &buyer.delay
        {
            let vector = solvent_loop == SolventLoop::Fastest;
            SolventPayer::new(model, b, delay).run(scratch, solvent, vector);
        }
    }

    for p in 0..active {
        out[p].net_credit_loss = out[p].credit_loss;
        if let Some(policy) = &model.policy {
            settle_policy(model, policy, scratch, p, &mut out[p]);
        }
    }
    scan(model, scratch, active, observer, &mut out);
    observer.end_paths(active);
    out
}

/// The invoices of buyer `b` in lane `p`, in general: the buyer may default on day
/// `stop` (`u32::MAX`: never), with loss given default `lgd`.
fn buyer_invoices(
    model: &Model,
    b: usize,
    p: usize,
    stop: u32,
    lgd: f64,
    scratch: &mut Scratch,
    out: &mut PathOutcome,
) {
    let buyer = &model.buyers[b];
    let h = model.horizon;
    let sup = model.supplier_terms_days;
    let vr = model.variable_ratio;
    let waiting = model.policy.as_ref().map_or(0, |p| p.waiting_period_days);
    let lag = model.recovery_lag_days;
    let calendar = &model.calendars[buyer.calendar];
    for (i, &(m, t)) in calendar.invoices.iter().enumerate() {
        if t >= stop {
            break;
        }
        let amount = scratch.revenue[at(m as usize, p)] * buyer.share_per_invoice;
        if t + sup < h {
            scratch.common[at((t + sup) as usize, p)] -= vr * amount;
        }
        let due = t + buyer.terms_days;
        let delay = match &buyer.delay {
            None => 0,
            Some(d) => {
                let draw = scratch.words.at(buyer.first_invoice_draw + i, p);
                d.delay(
                    &model.delay_tables,
                    scratch.words.first[draw],
                    scratch.words.second[draw],
                )
            }
        };
        let paid = due + delay;
        let defaulted = paid >= stop;
        let (later_day, later_amount) = if defaulted {
            out.credit_loss += lgd * amount;
            (stop + lag, (1.0 - lgd) * amount)
        } else {
            (paid, amount)
        };
        if later_day < h {
            scratch.common[at(later_day as usize, p)] += later_amount;
        }
        if buyer.covered {
            scratch.turnover[at(m as usize, p)] += amount;
            let claim_day = if delay > waiting && stop > due + waiting {
                Some(due + waiting)
            } else if defaulted {
                Some(stop)
            } else {
                None
            };
            if let Some(day) = claim_day.filter(|&d| d < h) {
                scratch.claims[p].push(Claim {
                    day,
                    buyer: b as u32,
                    invoice: i as u32,
                    amount,
                    later_day,
                    later_amount,
                    defaulted_lgd: if defaulted { lgd } else { 0.0 },
                });
            }
        }
    }
}

/// The invoices of a buyer that pays late at times (a `delay` table with a lognormal
/// delay) and does not default within the horizon: the common case, and the hot loop
/// of a path. Every invoice is paid, so its flows are its supplier cost and its
/// payment, and its only possible claim is a protracted default. Flows dated on or
/// after H go to the trash day H of the common ledger, so the loop has no branch on
/// dates.
///
/// This is [`buyer_invoices`] with what cannot happen removed: the additions into each
/// ledger cell come in the same order, so every sum is the same to the last bit. The
/// fields are the loop invariants, kept in registers. With AVX-512 the loop serves
/// all its lanes at once, one invoice of 8 paths per step.
struct SolventPayer<'a> {
    buyer: u32,
    invoices: &'a [(u32, u32)],
    first_draw: usize,
    delay: &'a DelayModel,
    table: &'a crate::model::DelayTable,
    share: f64,
    terms: u32,
    supplier_terms: u32,
    variable_ratio: f64,
    waiting: u32,
    horizon: u32,
    covered: bool,
}

/// The arrays the invoice loop reads and writes, all interleaved ([`at`]).
struct Lanes<'s> {
    common: &'s mut [f64],
    turnover: &'s mut [f64],
    revenue: &'s [f64],
    words: [&'s [u64]; 2],
    claims: &'s mut [Vec<Claim>; PATHS],
}

impl<'a> SolventPayer<'a> {
    fn new(model: &'a Model, b: usize, delay: &'a DelayModel) -> SolventPayer<'a> {
        let buyer = &model.buyers[b];
        SolventPayer {
            buyer: b as u32,
            invoices: &model.calendars[buyer.calendar].invoices,
            first_draw: buyer.first_invoice_draw,
            delay,
            table: &model.delay_tables[delay.table],
            share: buyer.share_per_invoice,
            terms: buyer.terms_days,
            supplier_terms: model.supplier_terms_days,
            variable_ratio: model.variable_ratio,
            waiting: model
                .policy
                .as_ref()
                .map_or(u32::MAX, |p| p.waiting_period_days),
            horizon: model.horizon,
            covered: buyer.covered,
        }
    }

    /// Adds the buyer's flows in the lanes of `mask`, and when it is covered its
    /// insured turnover and claims; all lanes at once when `vector` and the processor
    /// has AVX-512.
    fn run(&self, scratch: &mut Scratch, mask: u8, vector: bool) {
        let n = self.invoices.len();
        let mut lanes = Lanes {
            common: &mut scratch.common,
            turnover: &mut scratch.turnover,
            revenue: &scratch.revenue,
            words: scratch.words.words(self.first_draw..self.first_draw + n),
            claims: &mut scratch.claims,
        };
        #[cfg(target_arch = "x86_64")]
        if vector && crate::rng::has_avx512() {
            // SAFETY: `has_avx512` checked that this processor supports AVX-512F, the
            // only requirement of `invoices_avx512`.
            unsafe {
                // All lanes (the usual case) without a test per lane.
                match (self.covered, mask == ALL_LANES) {
                    (true, true) => self.invoices_avx512::<true, true>(&mut lanes, mask),
                    (true, false) => self.invoices_avx512::<true, false>(&mut lanes, mask),
                    (false, true) => self.invoices_avx512::<false, true>(&mut lanes, mask),
                    (false, false) => self.invoices_avx512::<false, false>(&mut lanes, mask),
                }
            }
            return;
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = vector;
        if self.covered {
            self.invoices::<true>(&mut lanes, mask);
        } else {
            self.invoices::<false>(&mut lanes, mask);
        }
    }

    /// The protracted-default claim of invoice `i` (day `t`), paid `delay` days late,
    /// if it has one.
    #[inline(always)]
    fn protracted(&self, i: usize, due: u32, delay: u32, amount: f64) -> Option<Claim> {
        (delay > self.waiting && due + self.waiting < self.horizon).then_some(Claim {
            day: due + self.waiting,
            buyer: self.buyer,
            invoice: i as u32,
            amount,
            later_day: due + delay,
            later_amount: amount,
            defaulted_lgd: 0.0,
        })
    }

    /// The loop for the lanes of `mask`, one invoice of every lane per step, in
    /// portable code (processors without AVX-512): the invoice's month, days and
    /// amounts are worked out once for all lanes, and each lane's supplier cost is
    /// added before its payment. A function of its own so that its invariants stay in
    /// registers; `COVERED` drops the insurance work for uncovered buyers.
    #[inline(never)]
    fn invoices<const COVERED: bool>(&self, lanes: &mut Lanes, mask: u8) {
        let on: [bool; PATHS] = std::array::from_fn(|p| mask & (1 << p) != 0);
        // The shapes the indexing below relies on, stated once so that the compiler
        // drops the per-invoice bounds checks: days (rows of PATHS lanes) are clamped
        // to the trash day h = rows - 1, and the words come in rows of PATHS, one row
        // per invoice.
        let (days, _) = lanes.common.as_chunks_mut::<PATHS>();
        assert!(!days.is_empty());
        let h = days.len() - 1;
        let (revenue, _) = lanes.revenue.as_chunks::<PATHS>();
        let (turnover, _) = lanes.turnover.as_chunks_mut::<PATHS>();
        let turnover = &mut turnover[..revenue.len()];
        let (first, _) = lanes.words[0].as_chunks::<PATHS>();
        let (second, _) = lanes.words[1].as_chunks::<PATHS>();
        // min(day, h) without a branch: whether a flow falls after the horizon is
        // random, and a branch on it would be mispredicted.
        let clamp = |day: u32| select_unpredictable((day as usize) < h, day as usize, h);
        let words = first.iter().zip(second);
        for (i, (&(m, t), (w0, w1))) in self.invoices.iter().zip(words).enumerate() {
            let month = &revenue[m as usize];
            let amount: [f64; PATHS] = std::array::from_fn(|p| month[p] * self.share);
            let cost_day = &mut days[clamp(t + self.supplier_terms)];
            for p in 0..PATHS {
                if on[p] {
                    cost_day[p] -= self.variable_ratio * amount[p];
                }
            }
            let due = t + self.terms;
            for p in 0..PATHS {
                if on[p] {
                    let delay = self.delay.on_time_or(self.table.sample_word(w1[p]), w0[p]);
                    days[clamp(due + delay)][p] += amount[p];
                    // A protracted default: paid more than the waiting period late (rare).
                    if COVERED && let Some(claim) = self.protracted(i, due, delay, amount[p]) {
                        lanes.claims[p].push(claim);
                    }
                }
            }
            if COVERED {
                let month = &mut turnover[m as usize];
                for p in 0..PATHS {
                    if on[p] {
                        month[p] += amount[p];
                    }
                }
            }
        }
    }

    /// The loop for the lanes of `mask` at once, each step one invoice of every lane:
    /// the same operations as [`SolventPayer::invoices`], in vector registers. Per
    /// lane, the supplier cost is added before the payment, as there. The delay cells
    /// are looked up lane by lane (eight loads beat a gather instruction on AMD Zen 4),
    /// and the payment, whose day differs from lane to lane, is added lane by lane too,
    /// in the order of one path alone. `ALL` (every lane in `mask`) drops the test per
    /// lane.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    fn invoices_avx512<const COVERED: bool, const ALL: bool>(&self, lanes: &mut Lanes, mask: u8) {
        use std::arch::x86_64::*;
        // The same row views as the portable loop: a month's revenue and turnover, and
        // an invoice's words, are rows of PATHS lanes, indexed with bounds checks.
        let (revenue, _) = lanes.revenue.as_chunks::<PATHS>();
        let (turnover, _) = lanes.turnover.as_chunks_mut::<PATHS>();
        let (first, _) = lanes.words[0].as_chunks::<PATHS>();
        let (second, _) = lanes.words[1].as_chunks::<PATHS>();
        // Days are clamped to the trash day h; what the pointer arithmetic on the
        // ledger relies on.
        let h = lanes.common.len() / PATHS - 1;
        assert_eq!(lanes.common.len(), (h + 1) * PATHS);
        let k: __mmask8 = mask;
        let lane = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
        let share = _mm512_set1_pd(self.share);
        let variable_ratio = _mm512_set1_pd(self.variable_ratio);
        let horizon = _mm512_set1_epi64(h as i64);
        let on_time = _mm512_set1_epi64(self.delay.on_time_threshold as i64);
        let waiting = _mm512_set1_epi64(self.waiting as i64);
        let cells = self.table.cells();
        let common = lanes.common.as_mut_ptr();
        let words = first.iter().zip(second);
        for (i, (&(m, t), (w0, w1))) in self.invoices.iter().zip(words).enumerate() {
            let (month, sales) = (&revenue[m as usize], &mut turnover[m as usize]);
            // SAFETY: loads and stores of rows read and write their 8 lanes; ledger
            // days are clamped to h (asserted above).
            unsafe {
                let amount = _mm512_mul_pd(_mm512_loadu_pd(month.as_ptr()), share);
                let cost_day = common.add(at((t + self.supplier_terms).min(h as u32) as usize, 0));
                let cost = _mm512_mul_pd(variable_ratio, amount);
                _mm512_mask_storeu_pd(cost_day, k, _mm512_sub_pd(_mm512_loadu_pd(cost_day), cost));

                // Eight loads, not a gather instruction: on the AMD Zen 4 this was
                // measured on, the gather made the whole run about 9 % slower.
                let c = |p: usize| cells[(w1[p] >> 52) as usize] as i64;
                let cell = _mm512_set_epi64(c(7), c(6), c(5), c(4), c(3), c(2), c(1), c(0));
                let (second_words, w1) = (w1, _mm512_loadu_epi64(w1.as_ptr() as *const i64));
                let w0 = _mm512_loadu_epi64(w0.as_ptr() as *const i64);
                let base = _mm512_srli_epi64::<52>(cell);
                let threshold = _mm512_and_si512(cell, _mm512_set1_epi64(THRESHOLD_MASK as i64));
                let above = _mm512_cmpge_epu64_mask(_mm512_srli_epi64::<12>(w1), threshold);
                let mut late = _mm512_mask_add_epi64(base, above, base, _mm512_set1_epi64(1));
                let search =
                    _mm512_mask_cmpge_epu64_mask(k, cell, _mm512_set1_epi64(SEARCH as i64));
                // The far tail (rare): each such lane's delay from its fine cell or the
                // search, put into its lane (not stored and reloaded, which stalls).
                let mut lanes_left = search;
                while lanes_left != 0 {
                    let p = lanes_left.trailing_zeros() as usize;
                    let delay = self.table.sample_word(second_words[p]);
                    late = _mm512_mask_set1_epi64(late, 1 << p, delay as i64);
                    lanes_left &= lanes_left - 1;
                }
                let paid_late = _mm512_cmpge_epu64_mask(_mm512_srli_epi64::<12>(w0), on_time);
                let delay = _mm512_maskz_mov_epi64(paid_late, late);
                let due = t + self.terms;
                let day = _mm512_min_epu64(
                    _mm512_add_epi64(_mm512_set1_epi64(due as i64), delay),
                    horizon,
                );
                let slot = _mm512_add_epi64(_mm512_slli_epi64::<3>(day), lane);
                let (mut slots, mut amounts) = ([0u64; PATHS], [0.0; PATHS]);
                _mm512_storeu_epi64(slots.as_mut_ptr() as *mut i64, slot);
                _mm512_storeu_pd(amounts.as_mut_ptr(), amount);
                for p in 0..PATHS {
                    if ALL || mask & (1 << p) != 0 {
                        *common.add(slots[p] as usize) += amounts[p];
                    }
                }

                if COVERED {
                    let sold = _mm512_add_pd(_mm512_loadu_pd(sales.as_ptr()), amount);
                    _mm512_mask_storeu_pd(sales.as_mut_ptr(), k, sold);
                    let claimed = _mm512_mask_cmpgt_epu64_mask(k, delay, waiting);
                    if claimed != 0 {
                        let mut d = [0u64; PATHS];
                        _mm512_storeu_epi64(d.as_mut_ptr() as *mut i64, delay);
                        for p in 0..PATHS {
                            if claimed & (1 << p) != 0
                                && let Some(claim) =
                                    self.protracted(i, due, d[p] as u32, amounts[p])
                            {
                                lanes.claims[p].push(claim);
                            }
                        }
                    }
                }
            }
        }
    }
}
/// Premiums, deposits and claims of the insured variant (MODEL.md section 7).
fn settle_policy(
    model: &Model,
    policy: &crate::model::PolicyModel,
    scratch: &mut Scratch,
    p: usize,
    out: &mut PathOutcome,
) {
    let h = model.horizon;
    // Deposits are already in the ledger; count them as paid.
    for y in 0..model.policy_years {
        out.premium_paid += policy.minimum_premium;
        // [deposit left, first loss left, liability left]
        scratch.year_left[y] = [
            policy.minimum_premium,
            policy.aggregate_first_loss,
            policy.max_liability,
        ];
    }
    for m in 0..model.months() {
        let premium = policy.premium_rate * scratch.turnover[at(m, p)];
        let left = &mut scratch.year_left[model.month_policy_year[m]][0];
        let from_deposit = premium.min(*left);
        *left -= from_deposit;
        let cash = premium - from_deposit;
        let due = model.month_starts[m + 1];
        if due < h && cash > 0.0 {
            scratch.insured[at(due as usize, p)] -= cash;
            out.premium_paid += cash;
        }
    }

    let claims = &mut scratch.claims[p];
    if claims.is_empty() {
        return;
    }
    claims.sort_unstable_by_key(|c| (c.day, c.buyer, c.invoice));
    for c in claims.iter() {
        scratch.limit_left[c.buyer as usize] = model.buyers[c.buyer as usize].limit;
    }
    for c in claims.iter() {
        let limit_left = &mut scratch.limit_left[c.buyer as usize];
        let claimable = c.amount.min(*limit_left);
        *limit_left -= claimable;
        let year = &mut scratch.year_left[(c.day / YEAR_DAYS) as usize];
        let retained = claimable.min(year[1]);
        year[1] -= retained;
        let payout = (policy.indemnity * (claimable - retained)).min(year[2]);
        year[2] -= payout;
        out.claims += 1;
        let payout_day = c.day + policy.settlement_days;
        if payout_day < h {
            scratch.insured[at(payout_day as usize, p)] += payout;
            out.payouts_received += payout;
        }
        if payout > 0.0 {
            let insurer_share = payout / c.amount;
            if c.later_day < h {
                scratch.insured[at(c.later_day as usize, p)] -= insurer_share * c.later_amount;
            }
            out.net_credit_loss -= c.defaulted_lgd * payout;
        }
    }
}

/// The daily balance of both variants in every lane: flows, then interest, then
/// headroom. The lanes are independent: each step is the same arithmetic on 8
/// numbers, in AVX-512 registers ([`scan_avx512`]) where the processor has them.
fn scan<O: DayObserver>(
    model: &Model,
    scratch: &Scratch,
    active: usize,
    observer: &mut O,
    out: &mut [PathOutcome; PATHS],
) {
    #[cfg(target_arch = "x86_64")]
    if crate::rng::has_avx512() {
        // SAFETY: `has_avx512` checked that this processor supports AVX-512F.
        unsafe { scan_avx512(model, scratch, active, observer, out) };
        return;
    }
    scan_lanes(model, scratch, active, observer, out);
}

/// [`scan_lanes`] in AVX-512 registers, one instruction per step for all lanes: the
/// same operations in the same order (a separate multiply and add, no fused
/// multiply-add; ordered comparisons, false for NaN like `<`).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn scan_avx512<O: DayObserver>(
    model: &Model,
    scratch: &Scratch,
    active: usize,
    observer: &mut O,
    out: &mut [PathOutcome; PATHS],
) {
    use std::arch::x86_64::*;
    let (debit, credit) = (
        _mm512_set1_pd(model.daily_debit_rate),
        _mm512_set1_pd(model.daily_credit_rate),
    );
    let (line, floor) = (
        _mm512_set1_pd(model.credit_line),
        _mm512_set1_pd(model.min_headroom),
    );
    let zero = _mm512_setzero_pd();
    let never = _mm512_set1_epi64(-1);
    let days = model.horizon as usize;
    assert!(scratch.common.len() >= days * PATHS && scratch.insured.len() == days * PATHS);
    for variant in [UNINSURED, INSURED] {
        let mut balance = _mm512_set1_pd(model.opening_cash);
        let mut min_headroom = _mm512_set1_pd(f64::INFINITY);
        let mut shortfall = never;
        let mut headroom = [0.0; PATHS];
        for day in 0..days {
            // SAFETY: day * PATHS + 8 <= days * PATHS, within both ledgers (asserted).
            let flow = unsafe {
                let common = _mm512_loadu_pd(scratch.common.as_ptr().add(at(day, 0)));
                if variant == UNINSURED {
                    common
                } else {
                    _mm512_add_pd(
                        common,
                        _mm512_loadu_pd(scratch.insured.as_ptr().add(at(day, 0))),
                    )
                }
            };
            balance = _mm512_add_pd(balance, flow);
            let negative = _mm512_cmp_pd_mask::<_CMP_LT_OQ>(balance, zero);
            let rate = _mm512_mask_blend_pd(negative, credit, debit);
            balance = _mm512_add_pd(balance, _mm512_mul_pd(balance, rate));
            let h = _mm512_add_pd(balance, line);
            let lower = _mm512_cmp_pd_mask::<_CMP_LT_OQ>(h, min_headroom);
            min_headroom = _mm512_mask_mov_pd(min_headroom, lower, h);
            let first = _mm512_cmpeq_epi64_mask(shortfall, never)
                & _mm512_cmp_pd_mask::<_CMP_LT_OQ>(h, floor);
            shortfall = _mm512_mask_mov_epi64(shortfall, first, _mm512_set1_epi64(day as i64));
            // SAFETY: an array of PATHS = 8 doubles.
            unsafe { _mm512_storeu_pd(headroom.as_mut_ptr(), h) };
            observer.headrooms(variant, day, &headroom, active);
        }
        let (mut low, mut end, mut first) = ([0.0; PATHS], [0.0; PATHS], [0i64; PATHS]);
        // SAFETY: arrays of 8 numbers of 8 bytes.
        unsafe {
            _mm512_storeu_pd(low.as_mut_ptr(), min_headroom);
            _mm512_storeu_pd(end.as_mut_ptr(), balance);
            _mm512_storeu_epi64(first.as_mut_ptr(), shortfall);
        }
        for p in 0..active {
            out[p].min_headroom[variant] = low[p];
            out[p].end_balance[variant] = end[p];
            out[p].shortfall_day[variant] = (first[p] >= 0).then_some(first[p] as u32);
        }
    }
}

/// The scan without vector intrinsics (processors without AVX-512), written without
/// branches so that the compiler can vectorize it.
#[inline(always)]
fn scan_lanes<O: DayObserver>(
    model: &Model,
    scratch: &Scratch,
    active: usize,
    observer: &mut O,
    out: &mut [PathOutcome; PATHS],
) {
    let (debit, credit) = (model.daily_debit_rate, model.daily_credit_rate);
    let (line, floor) = (model.credit_line, model.min_headroom);
    let days = model.horizon as usize;
    let common = scratch.common[..days * PATHS].chunks_exact(PATHS);
    for variant in [UNINSURED, INSURED] {
        let mut balance = [model.opening_cash; PATHS];
        let mut min_headroom = [f64::INFINITY; PATHS];
        let mut shortfall = [u32::MAX; PATHS];
        let mut headroom = [0.0; PATHS];
        let insured = scratch.insured.chunks_exact(PATHS);
        for (day, (common, insured)) in common.clone().zip(insured).enumerate() {
            for p in 0..PATHS {
                let flow = if variant == UNINSURED {
                    common[p]
                } else {
                    common[p] + insured[p]
                };
                balance[p] += flow;
                // Interest on the balance after the day's flows (the same product as
                // a branch on the sign would add).
                let rate = if balance[p] < 0.0 { debit } else { credit };
                balance[p] += balance[p] * rate;
                headroom[p] = balance[p] + line;
                if headroom[p] < min_headroom[p] {
                    min_headroom[p] = headroom[p];
                }
                if shortfall[p] == u32::MAX && headroom[p] < floor {
                    shortfall[p] = day as u32;
                }
            }
            observer.headrooms(variant, day, &headroom, active);
        }
        for p in 0..active {
            out[p].min_headroom[variant] = min_headroom[p];
            out[p].end_balance[variant] = balance[p];
            out[p].shortfall_day[variant] = (shortfall[p] != u32::MAX).then_some(shortfall[p]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::ScenarioFile;

    /// Everything a path reports to its observer, bit for bit.
    #[derive(Default)]
    struct Record(Vec<(usize, usize, u64)>);

    impl DayObserver for Record {
        fn headrooms(&mut self, variant: usize, day: usize, x: &[f64; PATHS], active: usize) {
            for x in &x[..active] {
                self.0.push((variant, day, x.to_bits()));
            }
        }
        fn end_paths(&mut self, active: usize) {
            self.0.push((usize::MAX, active, 0));
        }
    }

    /// Outcomes, observations and both ledgers of every lane (days 0..H), exactly (Debug shows
    /// -0.0 apart from 0.0).
    fn simulate(model: &Model, paths: &[u64], how: SolventLoop) -> (String, Vec<u64>) {
        let mut scratch = Scratch::new(model);
        let mut record = Record::default();
        let out = simulate_lanes(model, paths, &mut scratch, &mut record, how);
        let bits = |cells: &[f64]| cells.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        // Day H of the common ledger is the solvent loop's trash: not compared.
        let mut all = bits(&scratch.common[..scratch.insured.len()]);
        all.extend(bits(&scratch.insured));
        all.extend(
            record
                .0
                .iter()
                .flat_map(|&(v, d, x)| [v as u64, d as u64, x]),
        );
        (format!("{:?}", &out[..paths.len()]), all)
    }

    /// The shipped scenarios and their stress cases, and the claim-heavy benchmark.
    fn models() -> Vec<(String, Model)> {
        let mut files: Vec<std::path::PathBuf> = std::fs::read_dir("scenarios")
            .expect("scenarios/")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        files.sort();
        files.push("benches/scenarios/claims.toml".into());
        let mut models = Vec::new();
        for path in files {
            let file = ScenarioFile::load(&path).expect("scenario loads");
            models.push((path.display().to_string(), Model::new(&file.base)));
            for case in file.builtin_stress() {
                let label = format!("{} / {}", path.display(), case.name);
                let stressed = file.with_case(&case, &case.name).expect("stress case");
                models.push((label, Model::new(&stressed)));
            }
        }
        models
    }

    #[test]
    fn every_loop_gives_the_same_bits() {
        for (name, model) in models() {
            for paths in [
                &[0, 1, 2, 3, 4, 5, 6, 7][..],
                &[40, 41, 42, 43, 44, 45, 46, 47],
                &[9, 3, 100, 5, 77],
            ] {
                let reference = simulate(&model, paths, SolventLoop::General);
                for how in [SolventLoop::Portable, SolventLoop::Fastest] {
                    assert!(
                        simulate(&model, paths, how) == reference,
                        "{name}, paths {paths:?}, {how:?}"
                    );
                }
            }
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_vector_scan_equals_the_lanewise_scan() {
        if !crate::rng::has_avx512() {
            println!("SKIPPED: this processor has no AVX-512 (or CASHRISK_SIMD lowers it)");
            return;
        }
        for (name, model) in models() {
            let mut scratch = Scratch::new(&model);
            for paths in [&[0, 1, 2, 3, 4, 5, 6, 7][..], &[9, 3, 100]] {
                simulate_paths(&model, paths, &mut scratch, &mut NoObserver);
                let (mut a, mut b) = (Record::default(), Record::default());
                let (mut x, mut y) = (
                    [PathOutcome::default(); PATHS],
                    [PathOutcome::default(); PATHS],
                );
                // SAFETY: the processor has AVX-512 (checked above).
                unsafe { scan_avx512(&model, &scratch, paths.len(), &mut a, &mut x) };
                scan_lanes(&model, &scratch, paths.len(), &mut b, &mut y);
                assert_eq!(format!("{x:?}"), format!("{y:?}"), "{name}");
                assert!(a.0 == b.0, "{name}: days");
            }
        }
    }

    #[test]
    fn a_lane_does_not_depend_on_the_others() {
        for (name, model) in models().into_iter().take(4) {
            let paths = [12, 7, 1_000_000, 3, 3, 8, 0, 99];
            let mut scratch = Scratch::new(&model);
            let together = simulate_paths(&model, &paths, &mut scratch, &mut NoObserver);
            for (p, &path) in paths.iter().enumerate() {
                let alone = simulate_path(&model, path, &mut scratch, &mut NoObserver);
                assert_eq!(
                    format!("{alone:?}"),
                    format!("{:?}", together[p]),
                    "{name}, lane {p}"
                );
            }
        }
    }

    #[test]
    fn the_floor_draws_every_number_of_the_paths() {
        // The same sum from every draw of the list filled at once (itself tested
        // against single Philox blocks), in the same order.
        let (_, model) = &models()[0];
        assert!(model.volatility > 0.0, "a model that draws month shocks");
        let paths = [5, 6, 7, 8, 100, 101, 102, 4_000_000_000];
        let mut expected = 0.0;
        for &path in &paths {
            let rng = PathRng::new(model.seed, path);
            for index in 0..=model.months() as u32 {
                expected += dist::inv_norm_cdf(rng.uniform(0, index));
            }
        }
        let (mut first, mut second) = (
            vec![0; model.draws.wide_len()],
            vec![0; model.draws.wide_len()],
        );
        PathsRng::new(model.seed, &paths).fill(&model.draws, &mut first, &mut second);
        let words = model.draws.len() * PATHS;
        for (&a, &b) in first[..words].iter().zip(&second[..words]) {
            expected += crate::rng::open01(a) + crate::rng::open01(b);
        }
        let mut window = word_window(model);
        for _ in 0..2 {
            let sum = draw_only(model, &paths, &mut window);
            assert_eq!(sum.to_bits(), expected.to_bits());
        }
    }
}
