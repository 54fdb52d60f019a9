//! One simulated path, uninsured and insured on the same draws (MODEL.md sections 4-8).
//!
//! A path is built as two daily flow ledgers of length H: `common` holds every flow
//! both variants share (sales, supplier costs, fixed and scheduled items, buyer
//! payments and recoveries), `insured` holds what only the insured variant adds
//! (deposits, cash premiums, payouts, minus the insurer's share of later payments).
//! The balance scan then walks the days once per variant. Nothing here allocates once
//! the [`Scratch`] buffers have grown to the scenario's size.

use crate::dist::{self, portable};
use crate::model::{DelayModel, LgdModel, Model, YEAR_DAYS};
use crate::rng::{LGD_STREAM_BASE, PathRng};
use std::hint::select_unpredictable;

/// The uninsured variant's index in per-variant arrays.
pub const UNINSURED: usize = 0;
/// The insured variant's index in per-variant arrays.
pub const INSURED: usize = 1;

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

/// Receives every day's headroom of both variants (for fan charts and tests).
pub trait DayObserver {
    /// Called for each day in order, per variant.
    fn headroom(&mut self, variant: usize, day: usize, headroom: f64);
}

/// An observer that ignores everything.
pub struct NoObserver;

impl DayObserver for NoObserver {
    #[inline]
    fn headroom(&mut self, _: usize, _: usize, _: f64) {}
}

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

/// Reusable buffers of one worker thread.
#[derive(Debug, Default)]
pub struct Scratch {
    common: Vec<f64>,
    insured: Vec<f64>,
    revenue: Vec<f64>,
    turnover: Vec<f64>,
    claims: Vec<Claim>,
    limit_left: Vec<f64>,
    year_left: Vec<[f64; 3]>,
    /// First and second words of every draw of [`Model::draws`].
    words: [Vec<u64>; 2],
    /// Per copula class, the bound of [`crate::model::Copula::uniform_bound`].
    uniform_bound: Vec<f64>,
}

impl Scratch {
    /// Buffers sized for `model`.
    pub fn new(model: &Model) -> Scratch {
        Scratch {
            // One cell more than the horizon: flows dated on or after H are added to
            // cell H, which no scan reads, so the hot loop needs no branch on the date.
            common: vec![0.0; model.horizon as usize + 1],
            insured: vec![0.0; model.horizon as usize],
            revenue: vec![0.0; model.months()],
            turnover: vec![0.0; model.months()],
            claims: Vec::with_capacity(64),
            limit_left: vec![0.0; model.buyers.len()],
            year_left: vec![[0.0; 3]; model.policy_years],
            words: [
                vec![0; model.draws.padded_len()],
                vec![0; model.draws.padded_len()],
            ],
            uniform_bound: vec![0.0; model.copulas.len()],
        }
    }

    /// The common and insured-only flow ledgers of the last path (for tests).
    pub fn ledgers(&self) -> (&[f64], &[f64]) {
        (&self.common[..self.insured.len()], &self.insured)
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

/// Simulates path `path` of `model`, both variants, reporting each day to `observer`.
pub fn simulate_path<O: DayObserver>(
    model: &Model,
    path: u64,
    scratch: &mut Scratch,
    observer: &mut O,
) -> PathOutcome {
    let h = model.horizon;
    let rng = PathRng::new(model.seed, path);
    let mut out = PathOutcome::default();

    scratch.common[..h as usize].copy_from_slice(&model.fixed_flows);
    scratch.common[h as usize] = 0.0;
    scratch.insured.copy_from_slice(&model.deposit_flows);
    scratch.claims.clear();
    scratch.turnover.fill(0.0);

    // Economy: the common factor and each month's revenue.
    let z = dist::inv_norm_cdf(rng.uniform(0, 0));
    let vol = model.volatility;
    for (m, r) in scratch.revenue.iter_mut().enumerate() {
        let shock = if vol > 0.0 {
            let e = dist::inv_norm_cdf(rng.uniform(0, 1 + m as u32));
            portable::exp(vol * e - vol * vol / 2.0)
        } else {
            1.0
        };
        *r = model.base_revenue[m] * shock;
    }

    let sup = model.supplier_terms_days;
    let vr = model.variable_ratio;
    if model.cash_share > 0.0 {
        for (m, r) in scratch.revenue.iter().enumerate() {
            let day = model.month_starts[m];
            let sale = r * model.cash_share;
            scratch.common[day as usize] += sale;
            if day + sup < h {
                scratch.common[(day + sup) as usize] -= vr * sale;
            }
        }
    }

    let waiting = model.policy.as_ref().map_or(0, |p| p.waiting_period_days);
    let lag = model.recovery_lag_days;
    let [first_words, second_words] = &mut scratch.words;
    rng.fill(&model.draws, first_words, second_words);
    for (bound, copula) in scratch.uniform_bound.iter_mut().zip(&model.copulas) {
        *bound = copula.uniform_bound(z);
    }
    for (b, buyer) in model.buyers.iter().enumerate() {
        let u = || crate::rng::open01(scratch.words[0][buyer.factor_draw]);
        let default = default_day(model, b, z, u, scratch.uniform_bound[buyer.copula]);
        let stop = default.unwrap_or(u32::MAX);
        let lgd = match (default, buyer.lgd) {
            (None, _) => 0.0,
            (Some(_), LgdModel::Fixed(v)) => v,
            (Some(_), LgdModel::Beta { alpha, beta }) => {
                let mut stream = rng.stream(LGD_STREAM_BASE + b as u32);
                dist::beta(alpha, beta, &mut stream)
            }
        };
        let calendar = &model.calendars[buyer.calendar];
        if let (None, Some(delay)) = (default, &buyer.delay)
            && delay.sigma > 0.0
        {
            SolventPayer::new(model, b, delay).run(scratch);
            continue;
        }
        for (i, &(m, t)) in calendar.invoices.iter().enumerate() {
            if t >= stop {
                break;
            }
            let amount = scratch.revenue[m as usize] * buyer.share_per_invoice;
            if t + sup < h {
                scratch.common[(t + sup) as usize] -= vr * amount;
            }
            let due = t + buyer.terms_days;
            let delay = match &buyer.delay {
                None => 0,
                Some(d) => {
                    let draw = buyer.first_invoice_draw + i;
                    d.delay(
                        &model.delay_tables,
                        scratch.words[0][draw],
                        scratch.words[1][draw],
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
                scratch.common[later_day as usize] += later_amount;
            }
            if buyer.covered {
                scratch.turnover[m as usize] += amount;
                let claim_day = if delay > waiting && stop > due + waiting {
                    Some(due + waiting)
                } else if defaulted {
                    Some(stop)
                } else {
                    None
                };
                if let Some(day) = claim_day.filter(|&d| d < h) {
                    scratch.claims.push(Claim {
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
    out.net_credit_loss = out.credit_loss;

    if let Some(policy) = &model.policy {
        settle_policy(model, policy, scratch, &mut out);
    }

    scan(model, scratch, observer, &mut out);
    out
}

/// The invoices of a buyer that pays late at times (a `delay` table with a lognormal
/// delay) and does not default within the horizon: the common case, and the hot loop of a path. Every
/// invoice is paid, so its flows are its supplier cost and its payment, and its only
/// possible claim is a protracted default. Flows dated on or after H go to the trash
/// cell H of the common ledger, so the loop has no branch on dates.
///
/// This is the general loop of [`simulate_path`] with what cannot happen removed: the
/// additions into each ledger cell come in the same order, so every sum is the same
/// to the last bit. The fields are the loop invariants, kept in registers.
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

    /// Adds the buyer's flows, and when it is covered its insured turnover and claims.
    fn run(&self, scratch: &mut Scratch) {
        let h = self.horizon as usize;
        let common = &mut scratch.common[..=h];
        let n = self.invoices.len();
        let words = [
            &scratch.words[0][self.first_draw..self.first_draw + n],
            &scratch.words[1][self.first_draw..self.first_draw + n],
        ];
        if self.covered {
            self.invoices::<true>(
                common,
                &mut scratch.turnover,
                &scratch.revenue,
                words,
                &mut scratch.claims,
            );
        } else {
            self.invoices::<false>(
                common,
                &mut scratch.turnover,
                &scratch.revenue,
                words,
                &mut scratch.claims,
            );
        }
    }

    /// The loop itself, a function of its own so that its invariants stay in
    /// registers; `COVERED` drops the insurance work for uncovered buyers.
    #[inline(never)]
    fn invoices<const COVERED: bool>(
        &self,
        common: &mut [f64],
        turnover: &mut [f64],
        revenue: &[f64],
        words: [&[u64]; 2],
        claims: &mut Vec<Claim>,
    ) {
        // The lengths the indexing below relies on, stated once so that the compiler
        // drops the per-invoice bounds checks: days are clamped to the trash cell
        // h = len - 1, and turnover is indexed like revenue.
        assert!(!common.is_empty());
        let h = common.len() - 1;
        let turnover = &mut turnover[..revenue.len()];
        // min(day, h) without a branch: whether a flow falls after the horizon is
        // random, and a branch on it would be mispredicted.
        let clamp = |day: u32| select_unpredictable((day as usize) < h, day as usize, h);
        let invoice_words = words[0].iter().zip(words[1]);
        for (i, (&(m, t), (&w0, &w1))) in self.invoices.iter().zip(invoice_words).enumerate() {
            let amount = revenue[m as usize] * self.share;
            common[clamp(t + self.supplier_terms)] -= self.variable_ratio * amount;
            let due = t + self.terms;
            let delay = self.delay.on_time_or(self.table.sample_word(w1), w0);
            common[clamp(due + delay)] += amount;
            if COVERED {
                turnover[m as usize] += amount;
                // A protracted default: paid more than the waiting period late (rare).
                if delay > self.waiting && due + self.waiting < self.horizon {
                    claims.push(Claim {
                        day: due + self.waiting,
                        buyer: self.buyer,
                        invoice: i as u32,
                        amount,
                        later_day: due + delay,
                        later_amount: amount,
                        defaulted_lgd: 0.0,
                    });
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
        let premium = policy.premium_rate * scratch.turnover[m];
        let left = &mut scratch.year_left[model.month_policy_year[m]][0];
        let from_deposit = premium.min(*left);
        *left -= from_deposit;
        let cash = premium - from_deposit;
        let due = model.month_starts[m + 1];
        if due < h && cash > 0.0 {
            scratch.insured[due as usize] -= cash;
            out.premium_paid += cash;
        }
    }

    if scratch.claims.is_empty() {
        return;
    }
    scratch
        .claims
        .sort_unstable_by_key(|c| (c.day, c.buyer, c.invoice));
    for c in &scratch.claims {
        scratch.limit_left[c.buyer as usize] = model.buyers[c.buyer as usize].limit;
    }
    for c in &scratch.claims {
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
            scratch.insured[payout_day as usize] += payout;
            out.payouts_received += payout;
        }
        if payout > 0.0 {
            let insurer_share = payout / c.amount;
            if c.later_day < h {
                scratch.insured[c.later_day as usize] -= insurer_share * c.later_amount;
            }
            out.net_credit_loss -= c.defaulted_lgd * payout;
        }
    }
}

/// The daily balance of both variants: flows, then interest, then headroom.
fn scan<O: DayObserver>(model: &Model, scratch: &Scratch, observer: &mut O, out: &mut PathOutcome) {
    let (debit, credit) = (model.daily_debit_rate, model.daily_credit_rate);
    let (line, floor) = (model.credit_line, model.min_headroom);
    for variant in [UNINSURED, INSURED] {
        let mut balance = model.opening_cash;
        let mut min_headroom = f64::INFINITY;
        let mut shortfall = None;
        for day in 0..scratch.insured.len() {
            let flow = if variant == UNINSURED {
                scratch.common[day]
            } else {
                scratch.common[day] + scratch.insured[day]
            };
            balance += flow;
            if balance < 0.0 {
                balance += balance * debit;
            } else {
                balance += balance * credit;
            }
            let headroom = balance + line;
            observer.headroom(variant, day, headroom);
            if headroom < min_headroom {
                min_headroom = headroom;
            }
            if shortfall.is_none() && headroom < floor {
                shortfall = Some(day as u32);
            }
        }
        out.min_headroom[variant] = min_headroom;
        out.end_balance[variant] = balance;
        out.shortfall_day[variant] = shortfall;
    }
}
