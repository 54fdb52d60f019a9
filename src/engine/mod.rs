//! One simulated path, uninsured and insured on the same draws (MODEL.md sections 4-8).
//!
//! A path is built as two daily flow ledgers of length H: `common` holds every flow
//! both variants share (sales, supplier costs, fixed and scheduled items, buyer
//! payments and recoveries), `insured` holds what only the insured variant adds
//! (deposits, cash premiums, payouts, minus the insurer's share of later payments).
//! The balance scan then walks the days once per variant. Nothing here allocates once
//! the [`Scratch`] buffers have grown to the scenario's size.
//!
//! This file orchestrates a group of paths (one per lane); the general invoice path
//! is in `invoices`, the solvent fast path in `solvent`, the policy's settlement in
//! `policy`, the balance scan in `scan`, and the random-number floor in `floor`.

// Lane-wise code indexes several arrays by the same lane number; iterators would hide
// that the lanes are independent.
#![allow(clippy::needless_range_loop)]

use crate::dist::{self, portable};
use crate::model::{DelayModel, LgdModel, Model, YEAR_DAYS};
use crate::model::{SEARCH, THRESHOLD_MASK};
use crate::rng::{LGD_STREAM_BASE, PATHS, PathRng, PathsRng, WordWindow};
use std::hint::select_unpredictable;

use crate::variant::MAX_VARIANTS;
pub use crate::variant::{INSURED, UNINSURED};

mod countries;
mod financing;
mod floor;
mod invoices;
mod limits;
mod opening;
mod policy;
mod scan;
mod solvent;
mod years;

use countries::Window;
pub use floor::{draw_only, word_window};
use invoices::buyer_invoices;
pub use limits::MONITOR_INDEX;
use opening::opening_receivables;
use policy::settle_policy;
use scan::scan;
#[cfg(all(test, target_arch = "x86_64"))]
use scan::scan_avx512;
#[cfg(test)]
use scan::scan_lanes;
use solvent::SolventPayer;
pub use years::YearOutcome;
use years::YearWatch;

/// The lane mask with every lane set.
const ALL_LANES: u8 = u8::MAX;

/// What one path produced: the per-path figures of MODEL.md section 8.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PathOutcome {
    /// Minimum headroom over the horizon, per variant ([`crate::variant`]; entries
    /// past the model's variants are 0).
    pub min_headroom: [f64; MAX_VARIANTS],
    /// Balance B(H-1), per variant.
    pub end_balance: [f64; MAX_VARIANTS],
    /// First day with headroom below `min_headroom`, per variant.
    pub shortfall_day: [Option<u32>; MAX_VARIANTS],
    /// Interest charged on negative balances over the horizon (a positive amount),
    /// per variant.
    pub interest_paid: [f64; MAX_VARIANTS],
    /// Interest earned on positive balances over the horizon, per variant.
    pub interest_earned: [f64; MAX_VARIANTS],
    /// Sum of LGD * A over defaulted invoices (economic, every variant).
    pub credit_loss: f64,
    /// What each variant's policy did ([`PathOutcome::policy`]).
    pub policies: [PolicyOutcome; MAX_VARIANTS],
    /// The lowest balance B(t) over the horizon, per variant (MODEL.md section 18:
    /// peak drawn is max(0, -this)).
    pub lowest_balance: [f64; MAX_VARIANTS],
    /// Sum over days t < H of the borrowing base BB(t), per variant (0 without
    /// `[financing]`).
    pub borrowing_base: [f64; MAX_VARIANTS],
    /// Sum over days t < H of the open invoices' amounts (opening receivables
    /// included): the numerator of DSO (MODEL.md section 18).
    pub open_days: f64,
    /// The amounts of the invoices open on day H - 1.
    pub open_at_end: f64,
    /// The amount invoiced on days 0..H-1 (credit sales; not the cash sales).
    pub invoiced: f64,
    /// The number of those invoices (DSO is defined when there is one).
    pub invoices: u32,
    /// The supplier costs dated on or after H of sales made before H.
    pub costs_after: f64,
    /// Bit c set when country c has a political event before H (MODEL.md section 17).
    pub political_events: u64,
}

/// What one variant's policy did on a path (all zero uninsured and without a policy,
/// where the net credit loss is the credit loss).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PolicyOutcome {
    /// Deposits and cash premiums dated before H.
    pub premium_paid: f64,
    /// Payouts dated before H.
    pub payouts_received: f64,
    /// Claims dated before H.
    pub claims: u32,
    /// Credit loss net of payouts: sum of LGD * (A - payout) over defaulted invoices.
    pub net_credit_loss: f64,
    /// The insurer's share of later payments and recoveries dated before H.
    pub paid_to_insurer: f64,
}

/// What a policy's limit cuts did on one path (MODEL.md section 16), kept in the
/// worker's [`Scratch`] ([`Scratch::cuts`]) rather than in every [`PathOutcome`]: a
/// file without cuts neither fills nor copies them. All zero without cuts.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct CutOutcome {
    /// What the variant did not sell (stop_sales): its figures are the path's less
    /// these.
    pub unsold: Unsold,
    /// Buyers whose limit the policy's monitoring cut before H, and of them those cut
    /// by a false alarm (not a detected default).
    pub decisions: u32,
    pub false_alarms: u32,
    /// The path is a downturn for the policy (Z < z_below).
    pub downturn: bool,
}

/// The invoices a policy's variant did not issue because the company stopped selling
/// to a buyer the insurer cut (MODEL.md section 16, stop_sales): their part of the
/// path's credit loss and working-capital sums. All zero without stop_sales.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Unsold {
    /// LGD * A of those that defaulted.
    pub credit_loss: f64,
    /// Their open amounts summed over the days t < H.
    pub open_days: f64,
    /// Their amounts open on day H - 1.
    pub open_at_end: f64,
    /// Their amounts issued on days 0..H-1, and how many.
    pub invoiced: f64,
    pub invoices: u32,
    /// Their supplier costs dated on or after H.
    pub costs_after: f64,
    /// What they would have done to the balance within the horizon: their payments
    /// and recoveries dated before H less their supplier costs dated before H (so the
    /// variant's end balance is lower by this, before interest).
    pub cash: f64,
}

impl PathOutcome {
    /// What the policy of variant `v` did on this path.
    pub fn policy(&self, v: usize) -> PolicyOutcome {
        self.policies[v]
    }

    /// The peak drawn of variant `v`: max over days of max(0, -B(t)).
    pub fn peak_drawn(&self, v: usize) -> f64 {
        if self.lowest_balance[v] < 0.0 {
            -self.lowest_balance[v]
        } else {
            0.0
        }
    }

    /// The end position of variant `v`, which did not sell `u` ([`CutOutcome`]):
    /// B(H-1) + the invoices open on day H - 1 - the supplier costs dated on or after H
    /// of sales made before H (of what `v` sold).
    pub fn end_position(&self, v: usize, u: &Unsold) -> f64 {
        self.end_balance[v] + (self.open_at_end - u.open_at_end)
            - (self.costs_after - u.costs_after)
    }

    /// Days sales outstanding of a variant that did not sell `u`: open_days / invoiced
    /// of what it sold; `None` without an invoice on days 0..H-1.
    pub fn dso(&self, u: &Unsold) -> Option<f64> {
        // Counted, not read off the amount: the amounts of a variant that sold
        // nothing may leave a rounding residue.
        let invoiced = self.invoiced - u.invoiced;
        (self.invoices > u.invoices && invoiced > 0.0)
            .then(|| (self.open_days - u.open_days) / invoiced)
    }

    /// Sum over days t < H of the open amounts of the invoices sold by a variant that
    /// did not sell `u`.
    pub fn open_days(&self, u: &Unsold) -> f64 {
        self.open_days - u.open_days
    }

    /// The credit loss of a variant that did not sell `u`: LGD * A over the defaulted
    /// invoices it sold (the path's, but with stop_sales).
    pub fn credit_loss(&self, u: &Unsold) -> f64 {
        self.credit_loss - u.credit_loss
    }
}

/// Adds an invoice's part of the open receivables (MODEL.md section 18) to `out`: an
/// invoice of `amount` issued on day `t` (< 0 for an opening receivable) and open
/// until day `until` (exclusive: its payment day, or its buyer's default day). Days at
/// or past H are H. The invoiced amount and the supplier costs after H are added per
/// buyer ([`issued`]), or per invoice for a buyer that defaults ([`issued_one`]).
///
/// The sums are kept per lane in [`Scratch::open`] (open amount x days, and open on
/// day H - 1), next to each other so that the vector loop loads and stores them whole.
#[inline(always)]
fn open_part(open: &mut Open, p: usize, horizon: u32, t: i64, until: i64, amount: f64) {
    let (days, at_end) = open_amounts(horizon, t, until, amount);
    if let Some(days) = days {
        open.days[p] += days;
    }
    if let Some(at_end) = at_end {
        open.at_end[p] += at_end;
    }
}

/// An invoice's part of the open receivables (see [`open_part`]): its amount times its
/// open days before H, and its amount when it is still open on day H - 1; `None`
/// where it adds nothing.
#[inline(always)]
fn open_amounts(horizon: u32, t: i64, until: i64, amount: f64) -> (Option<f64>, Option<f64>) {
    let h = horizon as i64;
    if t >= h {
        return (None, None);
    }
    let until = until.min(h);
    let days = (until > t.max(0)).then(|| amount * (until - t.max(0)) as f64);
    (days, (until >= h).then_some(amount))
}

/// Per lane, the open receivables of a path so far (MODEL.md section 18).
#[derive(Debug, Default, Clone, Copy)]
struct Open {
    /// Sum over days t < H of the open invoices' amounts.
    days: [f64; PATHS],
    /// The amounts of the invoices open on day H - 1.
    at_end: [f64; PATHS],
}

/// The invoiced amount and the supplier costs after H of one invoice of `amount`
/// issued on day `t` >= 0 (a buyer that defaults: its sales stop at the default).
#[inline(always)]
fn issued_one(model: &Model, out: &mut PathOutcome, t: u32, amount: f64) {
    if t < model.horizon {
        out.invoiced += amount;
        out.invoices += 1;
        if t + model.supplier_terms_days >= model.horizon {
            out.costs_after += model.variable_ratio * amount;
        }
    }
}

/// The invoiced amount and the supplier costs after H of every invoice of buyer `b`
/// in lane `p`, for a buyer that does not default: its calendar's revenue sums
/// ([`Scratch::issued`]) times its share of an invoice.
#[inline(always)]
fn issued(model: &Model, b: usize, p: usize, scratch: &Scratch, out: &mut PathOutcome) {
    let buyer = &model.buyers[b];
    let [within, late] = scratch.issued[at(buyer.calendar, p)];
    out.invoiced += buyer.share_per_invoice * within;
    out.invoices += model.calendars[buyer.calendar].within_horizon;
    out.costs_after += model.variable_ratio * (buyer.share_per_invoice * late);
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

/// An invoice that some policy covering its buyer may claim: it was paid later than
/// the buyer's shortest waiting period, or it defaulted. Each policy works out its own
/// claim day ([`Claim::day`]) and settles its claims in claim order.
#[derive(Debug, Clone, Copy)]
struct Claim {
    buyer: u32,
    invoice: u32,
    /// Due day u(i) (negative for an opening receivable overdue on day 0) and delay
    /// d(i) (capped at 10^9 days).
    due: i32,
    delay: u32,
    /// Days a political event moved the payment: p'(i) - p(i) (MODEL.md section 17).
    moved: u32,
    /// Issue day t(i) (negative for an opening receivable): a policy whose limits vary
    /// covers the invoice when the limit in force on max(0, t(i)) is > 0 (section 16).
    issued: i32,
    /// The buyer's default day D(b), `u32::MAX` when it does not default before H.
    stop: u32,
    amount: f64,
    /// The payment still to come on the invoice (late payment or recovery), if any
    /// within the horizon: day and amount.
    later_day: u32,
    later_amount: f64,
    /// LGD of a defaulted invoice, 0 when the invoice is eventually paid.
    defaulted_lgd: f64,
}

impl Claim {
    /// The claim day under a policy with waiting period `waiting` (MODEL.md section
    /// 7), if it claims the invoice at all: the protracted default on u + W (day 0 if
    /// that is before day 0) when the invoice is paid more than W late and the buyer
    /// has not defaulted by u + W, else the insolvency on D(b) when the invoice
    /// defaulted. With `political_cover` the days a political event added to the
    /// payment count towards the waiting period (section 17).
    #[inline]
    fn day(&self, waiting: u32, political_cover: bool) -> Option<u32> {
        let protracted = self.due as i64 + waiting as i64;
        let late = match political_cover {
            true => self.delay + self.moved,
            false => self.delay,
        };
        if late > waiting && self.stop as i64 > protracted {
            Some(protracted.max(0) as u32)
        } else if self.defaulted() {
            Some(self.stop)
        } else {
            None
        }
    }

    /// True when the invoice defaulted: its payment p'(i) would come on or after D(b).
    #[inline]
    fn defaulted(&self) -> bool {
        self.stop != u32::MAX
            && self.due as i64 + self.delay as i64 + self.moved as i64 >= self.stop as i64
    }
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
    /// One ledger per policy variant ([`Model::ledgers`]), each H days of
    /// interleaved lanes, one after the other.
    policy_flows: Vec<f64>,
    revenue: Vec<f64>,
    /// Insured turnover per coverage class ([`Model::coverage_classes`]), each a
    /// month-major array of lanes, one after the other.
    turnover: Vec<f64>,
    claims: [Vec<Claim>; PATHS],
    /// One policy's claims of one lane in claim order: (day, buyer, invoice, index
    /// into the lane's claims).
    order: Vec<(u32, u32, u32, u32)>,
    /// With `[financing]`: the day-to-day changes of a * sum_b E_b(t) (H + 1 days,
    /// interleaved; day H is the trash day), and of (ia - a) * sum_b min(E_b, Lim_b)
    /// per policy (H + 1 days each); empty without.
    base_common: Vec<f64>,
    base_policy: Vec<f64>,
    /// Per lane, the open receivables so far.
    open: Open,
    /// Per calendar and lane, the sums of the revenue of its invoices' months over
    /// the invoices issued before H, and over those whose supplier cost falls on or
    /// after H: [`issued`] turns them into a buyer's invoiced amount and late costs.
    issued: Vec<[f64; 2]>,
    /// The current covered buyer's eligibility windows per lane: (from, to, amount).
    windows: [Vec<(u32, u32, f64)>; PATHS],
    /// A buyer's window edges sorted by day: (day, change of E_b).
    steps: Vec<(u32, f64)>,
    limit_left: Vec<f64>,
    year_left: Vec<[f64; 3]>,
    /// With H > 365, per policy year and lane (interleaved), the path's figures of
    /// that year ([`years`]); empty otherwise.
    years: Vec<YearOutcome>,
    /// First and second words of the current buyer's draws, for every lane.
    words: WordWindow,
    /// Per copula class and lane, the bound of [`crate::model::Copula::uniform_bound`].
    uniform_bound: Vec<f64>,
    /// Per copula class and lane, the systematic part S of the latent value.
    systematic: Vec<f64>,
    /// Per country and lane, its factor C(c) and its political event's window
    /// (MODEL.md section 17).
    country_factor: Vec<f64>,
    country_window: Vec<Window>,
    /// Per lane, the monitoring decisions before H (MODEL.md section 16).
    cuts: [Vec<limits::Cut>; PATHS],
    /// Per policy and lane, the first day of its downturn cut (`u32::MAX`: none).
    down_from: Vec<u32>,
    /// Per policy (whose limits vary), the insured turnover a cut took away: month-major
    /// arrays of lanes, one after the other; empty when no policy's limits vary.
    turnover_cut: Vec<f64>,
    /// Per lane, the eligibility windows (policy, from, to, amount) of the invoices a
    /// policy's variant did not sell (stop_sales), for its insured borrowing base.
    unsold_windows: [Vec<(u8, u32, u32, f64)>; PATHS],
    /// A buyer's window edges for one policy that did not sell all its invoices.
    steps_k: Vec<(u32, f64)>,
    /// Per lane and variant (lane-major), what the limit cuts did; empty when no
    /// policy's limits vary.
    cut_outcomes: Vec<CutOutcome>,
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
            policy_flows: vec![0.0; model.ledgers() * h * PATHS],
            revenue: vec![0.0; model.months() * PATHS],
            turnover: vec![0.0; model.coverage_classes.len().max(1) * model.months() * PATHS],
            claims: std::array::from_fn(|_| Vec::with_capacity(64)),
            order: Vec::with_capacity(64),
            base_common: match model.financing {
                Some(_) => vec![0.0; (h + 1) * PATHS],
                None => Vec::new(),
            },
            base_policy: match model.financing {
                Some(_) => vec![0.0; model.policies.len() * (h + 1) * PATHS],
                None => Vec::new(),
            },
            open: Open::default(),
            issued: vec![[0.0; 2]; model.calendars.len() * PATHS],
            windows: std::array::from_fn(|_| Vec::new()),
            steps: Vec::new(),
            limit_left: vec![0.0; model.buyers.len()],
            year_left: vec![[0.0; 3]; model.policy_years],
            years: vec![YearOutcome::default(); model.reported_years() * PATHS],
            words: word_window(model),
            uniform_bound: vec![0.0; model.copulas.len() * PATHS],
            systematic: vec![0.0; model.copulas.len() * PATHS],
            country_factor: vec![0.0; model.countries.len() * PATHS],
            country_window: vec![Window::NONE; model.countries.len() * PATHS],
            cuts: std::array::from_fn(|_| Vec::new()),
            unsold_windows: std::array::from_fn(|_| Vec::new()),
            cut_outcomes: match model.has_cuts() {
                true => vec![CutOutcome::default(); PATHS * MAX_VARIANTS],
                false => Vec::new(),
            },
            steps_k: Vec::new(),
            down_from: vec![u32::MAX; model.policies.len() * PATHS],
            turnover_cut: match model.policies.iter().any(|p| p.varying) {
                true => vec![0.0; model.policies.len() * model.months() * PATHS],
                false => Vec::new(),
            },
        }
    }

    /// The common flow ledger and the first policy's ledger of the first path of the
    /// last call (for tests).
    pub fn ledgers(&self) -> (Vec<f64>, Vec<f64>) {
        (self.lane0(&self.common), self.policy_ledger(0))
    }

    /// What policy `k` adds to the common ledger, day by day, in the first path of the
    /// last call (for tests).
    pub fn policy_ledger(&self, k: usize) -> Vec<f64> {
        let h = self.common.len() / PATHS - 1;
        self.lane0(self.ledger(k, h))
    }

    /// The figures of lane `p` of the last call, policy year by policy year (empty
    /// when H <= 365: MODEL.md section 18 reports years only beyond one).
    pub fn years(&self, p: usize) -> impl Iterator<Item = &YearOutcome> {
        self.years.iter().skip(p).step_by(PATHS)
    }

    /// What the limit cuts did in lane `p` of the last call to variant `v` (all zero
    /// without cuts, MODEL.md section 16).
    pub fn cuts(&self, p: usize, v: usize) -> CutOutcome {
        self.cut_outcomes
            .get(p * MAX_VARIANTS + v)
            .copied()
            .unwrap_or_default()
    }

    /// [`Scratch::cuts`], to fill (only when the model has cuts).
    fn cuts_mut(&mut self, p: usize, v: usize) -> &mut CutOutcome {
        &mut self.cut_outcomes[p * MAX_VARIANTS + v]
    }

    /// Days 0..H of lane 0 of an interleaved array.
    fn lane0(&self, cells: &[f64]) -> Vec<f64> {
        let h = self.common.len() / PATHS - 1;
        (0..h).map(|d| cells[at(d, 0)]).collect()
    }

    /// The ledger of policy variant `1 + k`: H days of interleaved lanes.
    fn ledger(&self, k: usize, horizon: usize) -> &[f64] {
        &self.policy_flows[k * horizon * PATHS..(k + 1) * horizon * PATHS]
    }
}

/// The default day of buyer `b`, or `None` when it does not default before H.
///
/// `systematic` gives the systematic part S of the buyer's latent value in this path
/// ([`crate::model::Copula::systematic`]), asked for only past the pre-test. `u` gives the uniform of the buyer's own
/// factor (stream 1 + b, index 0), asked for only when the buyer can default at
/// random. `bound` is the buyer's [`crate::model::Copula::uniform_bound`] for this
/// path: a buyer with u >= bound cannot default in the horizon, so most buyers skip
/// the inverse normal; below it the exact formula decides.
#[inline(always)]
fn default_day(
    model: &Model,
    b: usize,
    systematic: impl FnOnce() -> f64,
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
    let copula = &model.copulas[buyer.copula];
    let x = systematic() + copula.sqrt_own * e;
    if x >= copula.default_threshold {
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
    let country = |c: usize| {
        let index = crate::rng::COUNTRY_INDEX_BASE + c as u32;
        dist::inv_norm_cdf(crate::rng::open01(rng.words(0, index).0))
    };
    (0..model.buyers.len())
        .map(|b| {
            let systematic = model.copulas[model.buyers[b].copula].systematic(z, country);
            let u = || rng.uniform(1 + b as u32, 0);
            default_day(model, b, || systematic, u, f64::INFINITY)
        })
        .collect()
}

/// One buyer in one lane, up to its invoices: its default day, what version 2 sets
/// for it (with `V2`: its country's political window, the insurers' monitoring and
/// limit cuts, the variants that stop selling to it), its invoiced amount, and its
/// invoices unless they go to the solvent loop; true when they do (the buyer pays
/// every invoice, late at times, and nothing of version 2 touches this lane).
#[inline(always)]
fn buyer_lane<const V2: bool>(
    model: &Model,
    b: usize,
    (p, rng): (usize, &PathRng),
    solvent_loop: SolventLoop,
    scratch: &mut Scratch,
    out: &mut PathOutcome,
) -> bool {
    let buyer = &model.buyers[b];
    let words = &scratch.words;
    let u = || crate::rng::open01(words.first[words.at(buyer.factor_draw, p)]);
    let bound = scratch.uniform_bound[at(buyer.copula, p)];
    let systematic = || scratch.systematic[at(buyer.copula, p)];
    let default = default_day(model, b, systematic, u, bound);
    let (window, stops) = match V2 {
        true => limits::lane_state(model, b, (p, rng), default, systematic(), scratch),
        false => (Window::NONE, None),
    };
    if default.is_none() && window.is_empty() {
        issued(model, b, p, scratch, out);
    }
    if let (None, Some(delay)) = (default, &buyer.delay)
        && delay.is_random()
        && window.is_empty()
        && stops.is_none()
        && solvent_loop != SolventLoop::General
    {
        if !buyer.opening.is_empty() {
            opening_receivables(model, b, (p, rng), u32::MAX, 0.0, window, scratch, out);
        }
        return true;
    }
    let lgd = match (default, buyer.lgd) {
        (None, _) => 0.0,
        (Some(_), LgdModel::Fixed(v)) => v,
        (Some(_), LgdModel::Beta { alpha, beta }) => {
            let mut stream = rng.stream(LGD_STREAM_BASE + b as u32);
            dist::beta(alpha, beta, &mut stream)
        }
    };
    let stop = default.unwrap_or(u32::MAX);
    let loss_before = out.credit_loss;
    if !buyer.opening.is_empty() {
        opening_receivables(model, b, (p, rng), stop, lgd, window, scratch, out);
    }
    let lane = invoices::Lane {
        p,
        stop,
        lgd,
        window,
        stops,
    };
    buyer_invoices(model, b, &lane, scratch, out);
    if let Some(day) = default {
        // The buyer's invoices default on its default day, in its year.
        let loss = out.credit_loss - loss_before;
        years::add(&mut scratch.years, day, p, loss, |y| &mut y.credit_loss);
    }
    false
}

/// The political event day T(c) of every country in path `path` (`None`: no event
/// before H), in file order, as the path loop draws it (`engine::countries`); for
/// inspection and tests.
pub fn political_event_days(model: &Model, path: u64) -> Vec<Option<u32>> {
    let rng = PathRng::new(model.seed, path);
    model
        .countries
        .iter()
        .enumerate()
        .map(|(c, country)| {
            let w1 = rng.words(0, crate::rng::COUNTRY_INDEX_BASE + c as u32).1;
            country.event.day(crate::rng::open01(w1), model.horizon)
        })
        .collect()
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
    let deposits = model.policies.iter().flat_map(|p| &p.deposit_flows);
    for (cells, &flow) in scratch.policy_flows.chunks_exact_mut(PATHS).zip(deposits) {
        cells.fill(flow);
    }
    if model.policies.is_empty() {
        scratch.policy_flows.fill(0.0);
    }
    for claims in &mut scratch.claims {
        claims.clear();
    }
    for cuts in &mut scratch.cuts {
        cuts.clear();
    }
    scratch.cut_outcomes.fill(CutOutcome::default());
    scratch.turnover_cut.fill(0.0);
    scratch.base_common.fill(0.0);
    scratch.base_policy.fill(0.0);
    scratch.open = Open::default();
    scratch.turnover.fill(0.0);
    scratch.years.fill(YearOutcome::default());

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
                } else {
                    out[p].costs_after += vr * sale;
                }
            }
        }
    }

    // Each calendar's revenue sums for the working-capital figures, invoice by invoice.
    for (c, calendar) in model.calendars.iter().enumerate() {
        for p in 0..active {
            let mut sums = [0.0; 2];
            for &(m, t) in &calendar.invoices {
                if t < model.horizon {
                    let r = scratch.revenue[at(m as usize, p)];
                    sums[0] += r;
                    if t + model.supplier_terms_days >= model.horizon {
                        sums[1] += r;
                    }
                }
            }
            scratch.issued[at(c, p)] = sums;
        }
    }

    let words_rng = PathsRng::new(model.seed, &lanes);
    scratch.words.restart();
    countries::draw(model, &rngs, active, scratch, &mut out);
    limits::downturns(model, &z, active, scratch);
    for (c, copula) in model.copulas.iter().enumerate() {
        for p in 0..active {
            let factor = |country: usize| scratch.country_factor[at(country, p)];
            let systematic = copula.systematic(z[p], factor);
            scratch.systematic[at(c, p)] = systematic;
            scratch.uniform_bound[at(c, p)] = copula.uniform_bound(systematic);
        }
    }
    for (b, buyer) in model.buyers.iter().enumerate() {
        words_rng.fill_window(&model.draws, buyer.draws_end, &mut scratch.words);
        // Lanes in which the buyer pays every invoice, late at times: the hot loop.
        let mut solvent = 0u8;
        for p in 0..active {
            // Version 2 (MODEL.md sections 16 and 17) only for a buyer with a country
            // or a policy whose limits on it vary: the other lanes compile without it.
            let lane = (p, &rngs[p]);
            let is_solvent = match buyer.v2 {
                false => buyer_lane::<false>(model, b, lane, solvent_loop, scratch, &mut out[p]),
                true => buyer_lane::<true>(model, b, lane, solvent_loop, scratch, &mut out[p]),
            };
            solvent |= (is_solvent as u8) << p;
        }
        if solvent != 0
            && let Some(delay) = &buyer.delay
        {
            let vector = solvent_loop == SolventLoop::Fastest;
            SolventPayer::new(model, b, delay).run(scratch, solvent, vector);
        }
        if model.financing.is_some() && buyer.covered {
            for p in 0..active {
                financing::insured_base(model, b, p, scratch);
            }
        }
    }

    for p in 0..active {
        out[p].open_days = scratch.open.days[p];
        out[p].open_at_end = scratch.open.at_end[p];
        for v in 0..model.variants() {
            out[p].policies[v].net_credit_loss = out[p].credit_loss(&scratch.cuts(p, v).unsold);
        }
        for k in 0..model.policies.len() {
            settle_policy(model, k, scratch, p, &mut out[p].policies[1 + k]);
        }
    }
    if scratch.years.is_empty() {
        scan(model, scratch, active, observer, &mut out);
    } else {
        let mut watch = YearWatch::new(model, observer);
        scan(model, scratch, active, &mut watch, &mut out);
        watch.store(&mut scratch.years);
    }
    observer.end_paths(active);
    out
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
        let mut all = bits(&scratch.common[..model.horizon as usize * PATHS]);
        all.extend(bits(&scratch.policy_flows));
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
        // A file with a borrowing base never takes the vector scan.
        for (name, model) in models().into_iter().filter(|(_, m)| m.financing.is_none()) {
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
                scan_lanes::<_, false>(&model, &scratch, paths.len(), &mut b, &mut y);
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
