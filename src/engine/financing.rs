//! The borrowing base (MODEL.md section 15): the bank lends advance_rate of every
//! eligible receivable and insured_advance_rate of its insured part, up to each
//! buyer's limit under the variant's policy, capped at the facility limit.
//!
//! BB(t) = min(facility, a * sum_b E_b(t) + (ia - a) * sum_b min(E_b(t), Lim_b)), with
//! E_b(t) the buyer's eligible amount on day t. Both sums are kept as day-to-day
//! changes, from each invoice's eligibility window (at most two changes an invoice),
//! never per buyer per day: the first in a ledger all variants share, the second per
//! policy from the buyer's windows sorted by day once its invoices are done. The scan
//! adds the changes up day by day.

// Lane-wise code indexes several arrays by the same lane number.
#![allow(clippy::needless_range_loop)]

use super::*;
use crate::model::FinancingModel;

/// The last day (exclusive) on which an invoice due on `due`, paid on `paid` (or, when
/// it defaults, `stop`), is eligible: open and at most max_days_past_due past due.
#[inline(always)]
pub(super) fn eligible_until(f: &FinancingModel, due: i64, paid: i64, stop: u32) -> i64 {
    paid.min(stop as i64)
        .min(due + f.max_days_past_due as i64 + 1)
}

/// Records that an invoice of `amount` of buyer `b` is eligible on days [from, to) in
/// lane `p` (days past H go to the trash day H).
#[inline(always)]
pub(super) fn eligible(
    model: &Model,
    b: usize,
    p: usize,
    from: i64,
    to: i64,
    amount: f64,
    scratch: &mut Scratch,
) {
    let Some(f) = &model.financing else { return };
    let h = model.horizon as i64;
    let (from, to) = (from.clamp(0, h), to.clamp(0, h));
    if from >= to {
        return;
    }
    scratch.base_common[at(from as usize, p)] += f.advance_rate * amount;
    scratch.base_common[at(to as usize, p)] -= f.advance_rate * amount;
    if model.buyers[b].covered && f.insured_extra != 0.0 {
        scratch.windows[p].push((from as u32, to as u32, amount));
    }
}

/// Turns buyer `b`'s eligibility windows in lane `p` into each covering policy's
/// changes of (ia - a) * min(E_b(t), Lim_b), then forgets them.
pub(super) fn insured_base(model: &Model, b: usize, p: usize, scratch: &mut Scratch) {
    let Some(f) = &model.financing else { return };
    if scratch.windows[p].is_empty() {
        return;
    }
    let rows = model.horizon as usize + 1;
    let steps = &mut scratch.steps;
    steps.clear();
    for &(from, to, amount) in &scratch.windows[p] {
        steps.push((from, amount));
        steps.push((to, -amount));
    }
    steps.sort_unstable_by_key(|s| s.0);
    let coverage = model.buyers[b].coverage;
    for (k, policy) in model.policies.iter().enumerate() {
        if coverage & (1 << k) == 0 {
            continue;
        }
        let limit = policy.limits[b];
        let ledger = &mut scratch.base_policy[k * rows * PATHS..(k + 1) * rows * PATHS];
        let (mut e, mut insured) = (0.0, 0.0);
        for day in steps.chunk_by(|x, y| x.0 == y.0) {
            for &(_, change) in day {
                e += change;
            }
            let now = f64::min(e, limit);
            if now != insured {
                ledger[at(day[0].0 as usize, p)] += f.insured_extra * (now - insured);
                insured = now;
            }
        }
    }
    scratch.windows[p].clear();
}

/// The balance scan with a borrowing base: the scan of [`super::scan`] with
/// h(t) = B + L + min(facility, BB(t)) and each variant's own rate on a negative
/// balance; in portable code (financed files are not the speed target of version 1).
pub(super) fn scan_financed<O: DayObserver>(
    model: &Model,
    scratch: &Scratch,
    active: usize,
    observer: &mut O,
    out: &mut [PathOutcome; PATHS],
) {
    let Some(f) = &model.financing else { return };
    let credit = model.daily_credit_rate;
    let (line, floor) = (model.credit_line, model.min_headroom);
    let days = model.horizon as usize;
    let rows = days + 1;
    for variant in 0..model.variants() {
        let debit = model.daily_debit_rate(variant);
        let ledger = scratch.ledger(variant.saturating_sub(1), days);
        // The uninsured variant has no insured part (its limits are 0).
        let insured = (variant != UNINSURED && !model.policies.is_empty()).then(|| {
            let k = variant - 1;
            &scratch.base_policy[k * rows * PATHS..(k + 1) * rows * PATHS]
        });
        let mut balance = [model.opening_cash; PATHS];
        let mut min_headroom = [f64::INFINITY; PATHS];
        let mut lowest = [f64::INFINITY; PATHS];
        let mut base_sum = [0.0; PATHS];
        let mut shortfall = [u32::MAX; PATHS];
        let (mut paid, mut earned) = ([0.0; PATHS], [0.0; PATHS]);
        let (mut common_base, mut insured_base) = ([0.0; PATHS], [0.0; PATHS]);
        let mut headroom = [0.0; PATHS];
        for day in 0..days {
            for p in 0..PATHS {
                let flow = if variant == UNINSURED {
                    scratch.common[at(day, p)]
                } else {
                    scratch.common[at(day, p)] + ledger[at(day, p)]
                };
                balance[p] += flow;
                let negative = balance[p] < 0.0;
                let rate = if negative { debit } else { credit };
                let interest = balance[p] * rate;
                balance[p] += interest;
                if balance[p] < lowest[p] {
                    lowest[p] = balance[p];
                }
                paid[p] -= if negative { interest } else { 0.0 };
                earned[p] += if negative { 0.0 } else { interest };
                common_base[p] += scratch.base_common[at(day, p)];
                if let Some(insured) = insured {
                    insured_base[p] += insured[at(day, p)];
                }
                let base = f64::min(f.facility_limit, common_base[p] + insured_base[p]);
                base_sum[p] += base;
                headroom[p] = balance[p] + line + base;
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
            out[p].interest_paid[variant] = paid[p];
            out[p].interest_earned[variant] = earned[p];
            out[p].lowest_balance[variant] = lowest[p];
            out[p].borrowing_base[variant] = base_sum[p];
            out[p].shortfall_day[variant] = (shortfall[p] != u32::MAX).then_some(shortfall[p]);
        }
    }
}
