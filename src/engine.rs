//! One simulated path, uninsured and insured on the same draws (MODEL.md sections 4-8).
//!
//! A path is built as two daily flow ledgers of length H: `common` holds every flow
//! both variants share (sales, supplier costs, fixed and scheduled items, buyer
//! payments and recoveries), `insured` holds what only the insured variant adds
//! (deposits, cash premiums, payouts, minus the insurer's share of later payments).
//! The balance scan then walks the days once per variant. Nothing here allocates once
//! the [`Scratch`] buffers have grown to the scenario's size.

use crate::dist::{self, portable};
use crate::model::{BuyerModel, DelayModel, LgdModel, Model, YEAR_DAYS};
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

/// The default day of buyer `b`, or `None` when it does not default before H; `u` is
/// the uniform of its own factor (stream 1 + b, index 0).
#[inline]
fn default_day(model: &Model, b: usize, u: f64, z: f64) -> Option<u32> {
    let buyer = &model.buyers[b];
    if let Some(day) = buyer.forced_default {
        return (day < model.horizon).then_some(day);
    }
    if buyer.lambda == 0.0 {
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
/// buyer order; for inspection and tests (the path loop computes the same inline).
pub fn default_days(model: &Model, path: u64) -> Vec<Option<u32>> {
    let rng = PathRng::new(model.seed, path);
    let z = dist::inv_norm_cdf(rng.uniform(0, 0));
    (0..model.buyers.len())
        .map(|b| default_day(model, b, rng.uniform(1 + b as u32, 0), z))
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
        let default = if buyer.forced_default.is_none() && buyer.lambda > 0.0 {
            let u = crate::rng::open01(scratch.words[0][buyer.factor_draw]);
            // Most buyers are above the bound: no default, without an inverse normal.
            if u >= scratch.uniform_bound[buyer.copula] {
                None
            } else {
                default_day(model, b, u, z)
            }
        } else {
            default_day(model, b, f64::NAN, z)
        };
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
            let claims = invoices_of_a_solvent_late_payer(
                model,
                buyer,
                delay,
                Ledgers {
                    common: &mut scratch.common[..=h as usize],
                    turnover: &mut scratch.turnover,
                    revenue: &scratch.revenue,
                    words: [&scratch.words[0], &scratch.words[1]],
                },
            );
            if claims {
                protracted_claims(model, b, delay, scratch);
            }
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
                    let (w0, w1) = (scratch.words[0][draw], scratch.words[1][draw]);
                    // Both outcomes are computed and one is selected, so the random
                    // on-time test does not become a mispredicted branch.
                    let late = if d.sigma == 0.0 {
                        d.fixed_days
                    } else {
                        model.delay_tables[d.table].sample_word(w1)
                    };
                    // open01(w0) < on_time, in integers.
                    let on_time = (w0 >> 12) < d.on_time_threshold;
                    late * (!on_time) as u32
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

/// What the invoice loop of a buyer writes to.
struct Ledgers<'a> {
    /// The common ledger with its trash cell: H + 1 long.
    common: &'a mut [f64],
    /// Insured turnover per month.
    turnover: &'a mut [f64],
    /// Revenue per month.
    revenue: &'a [f64],
    /// First and second words of the path's draws.
    words: [&'a [u64]; 2],
}

/// The delay of an invoice of a buyer with a lognormal delay, from its two words:
/// 0 when paid on time, else the table draw. Both are computed and one is selected,
/// so the random on-time test does not become a mispredicted branch.
#[inline(always)]
fn lognormal_delay(model: &Model, delay: &DelayModel, w0: u64, w1: u64) -> u32 {
    let late = model.delay_tables[delay.table].sample_word(w1);
    // open01(w0) < on_time, in integers.
    let on_time = (w0 >> 12) < delay.on_time_threshold;
    late * (!on_time) as u32
}

/// The invoices of a buyer that does not default within the horizon and pays late
/// with a lognormal delay: the common case, and the hot loop of a path. Every
/// invoice is paid, so its flows are its supplier cost and its payment; flows dated
/// on or after H go to the trash cell H. Returns true when an invoice of a covered
/// buyer is paid more than the waiting period late (a protracted-default claim),
/// which the caller then collects.
///
/// The additions into each ledger cell happen in the same order as in the general
/// loop, so every sum is the same to the last bit.
#[inline(always)]
fn invoices_of_a_solvent_late_payer(
    model: &Model,
    buyer: &BuyerModel,
    delay: &DelayModel,
    ledgers: Ledgers,
) -> bool {
    let invoices = &model.calendars[buyer.calendar].invoices;
    let first = buyer.first_invoice_draw;
    let payer = SolventPayer {
        invoices,
        words: [
            &ledgers.words[0][first..first + invoices.len()],
            &ledgers.words[1][first..first + invoices.len()],
        ],
        table: &model.delay_tables[delay.table],
        on_time_threshold: delay.on_time_threshold,
        share: buyer.share_per_invoice,
        terms: buyer.terms_days,
        supplier_terms: model.supplier_terms_days,
        variable_ratio: model.variable_ratio,
    };
    let (common, revenue) = (ledgers.common, ledgers.revenue);
    if buyer.covered {
        let longest = payer.run::<true>(common, ledgers.turnover, revenue);
        let waiting = model
            .policy
            .as_ref()
            .map_or(u32::MAX, |p| p.waiting_period_days);
        longest > waiting
    } else {
        payer.run::<false>(common, ledgers.turnover, revenue);
        false
    }
}

/// The loop invariants of [`invoices_of_a_solvent_late_payer`], so that its loop is
/// a function of its own with them in registers.
struct SolventPayer<'a> {
    invoices: &'a [(u32, u32)],
    words: [&'a [u64]; 2],
    table: &'a crate::model::DelayTable,
    on_time_threshold: u64,
    share: f64,
    terms: u32,
    supplier_terms: u32,
    variable_ratio: f64,
}

impl SolventPayer<'_> {
    /// Adds the flows; with `COVERED` also the insured turnover. Returns the longest
    /// delay.
    #[inline(never)]
    fn run<const COVERED: bool>(
        &self,
        common: &mut [f64],
        turnover: &mut [f64],
        revenue: &[f64],
    ) -> u32 {
        // The lengths the indexing below relies on, stated once so that the compiler
        // drops the per-invoice bounds checks: days are clamped to the trash cell
        // h = len - 1, and turnover is indexed like revenue.
        assert!(!common.is_empty());
        let h = common.len() - 1;
        let turnover = &mut turnover[..revenue.len()];
        // min(day, h) without a branch: whether a flow falls after the horizon is
        // random, and a branch on it would be mispredicted.
        let clamp = |day: usize| select_unpredictable(day < h, day, h);
        let cells = self.table.cells();
        let (terms, sup) = (self.terms as usize, self.supplier_terms as usize);
        let mut longest = 0;
        let words = self.words[0].iter().zip(self.words[1]);
        for (&(m, t), (&w0, &w1)) in self.invoices.iter().zip(words) {
            let (m, t) = (m as usize, t as usize);
            let amount = revenue[m] * self.share;
            common[clamp(t + sup)] -= self.variable_ratio * amount;
            let late = match cells[(w1 >> 52) as usize] {
                crate::model::SEARCH => self.table.sample_slowly(w1),
                cell => crate::model::DelayTable::decide(cell, w1),
            };
            // Both outcomes are computed and one is selected, so the random on-time
            // test does not become a mispredicted branch. open01(w0) < on_time, in
            // integers.
            let on_time = (w0 >> 12) < self.on_time_threshold;
            let d = select_unpredictable(on_time, 0, late);
            common[clamp(t + terms + d as usize)] += amount;
            longest = longest.max(d);
            if COVERED {
                turnover[m] += amount;
            }
        }
        longest
    }
}

/// The protracted-default claims of a buyer that does not default within the
/// horizon (rare: only invoices paid more than the waiting period late), as the
/// general loop would record them.
#[cold]
fn protracted_claims(model: &Model, b: usize, delay: &DelayModel, scratch: &mut Scratch) {
    let buyer = &model.buyers[b];
    let waiting = model
        .policy
        .as_ref()
        .map_or(u32::MAX, |p| p.waiting_period_days);
    let invoices = &model.calendars[buyer.calendar].invoices;
    for (i, &(m, t)) in invoices.iter().enumerate() {
        let draw = buyer.first_invoice_draw + i;
        let d = lognormal_delay(model, delay, scratch.words[0][draw], scratch.words[1][draw]);
        let due = t + buyer.terms_days;
        if d > waiting && due + waiting < model.horizon {
            let amount = scratch.revenue[m as usize] * buyer.share_per_invoice;
            scratch.claims.push(Claim {
                day: due + waiting,
                buyer: b as u32,
                invoice: i as u32,
                amount,
                later_day: due + d,
                later_amount: amount,
                defaulted_lgd: 0.0,
            });
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
