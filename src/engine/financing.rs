//! The borrowing base (MODEL.md section 15): the bank lends advance_rate of every
//! eligible receivable and insured_advance_rate of its insured part, up to each
//! buyer's limit under the variant's policy, capped at the facility limit.
//!
//! BB(t) = min(facility, a * sum_b E_b(t) + (ia - a) * sum_b min(E_b(t), Lim_b)), with
//! E_b(t) the buyer's eligible amount on day t. Both sums are kept as day-to-day
//! changes, from each invoice's eligibility window (at most two changes an invoice),
//! never per buyer per day: the first in a ledger all variants share, the second per
//! policy from the buyer's windows sorted by day once its invoices are done. The scan
//! (`super::scan::scan_lanes` with `FINANCED`) adds the changes up day by day.

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
        if policy.varying {
            varying_base(model, k, b, p, f, scratch);
            continue;
        }
        let limit = policy.limits[b];
        let ledger = &mut scratch.base_policy[k * rows * PATHS..(k + 1) * rows * PATHS];
        let (mut e, mut insured) = (0.0, 0.0);
        for day in scratch.steps.chunk_by(|x, y| x.0 == y.0) {
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
    scratch.unsold_windows[p].clear();
}

/// The changes of (ia - a) * min(E_b(t), Lim_b(t)) under policy `k`, whose limits vary
/// (MODEL.md section 16): the bank follows the limit in force, so the insured part
/// also changes on the days the limit does (a cut shrinks it for invoices delivered
/// before the cut too).
fn varying_base(
    model: &Model,
    k: usize,
    b: usize,
    p: usize,
    f: &FinancingModel,
    scratch: &mut Scratch,
) {
    let rows = model.horizon as usize + 1;
    // E_b(t) of the variant: without the invoices it did not sell (stop_sales).
    let unsold = scratch.unsold_windows[p]
        .iter()
        .filter(|w| w.0 as usize == k);
    let steps: &[(u32, f64)] = if unsold.clone().next().is_none() {
        &scratch.steps
    } else {
        scratch.steps_k.clear();
        scratch.steps_k.extend_from_slice(&scratch.steps);
        for &(_, from, to, amount) in unsold {
            scratch.steps_k.push((from, -amount));
            scratch.steps_k.push((to, amount));
        }
        scratch.steps_k.sort_by_key(|s| s.0);
        &scratch.steps_k
    };
    let limit_days = super::limits::change_days(scratch, k, b as u32, p);
    let (cuts, down_from) = (&scratch.cuts[p], &scratch.down_from);
    let lim = |t: u32| super::limits::in_force(model, k, b as u32, p, t, cuts, down_from);
    let ledger = &mut scratch.base_policy[k * rows * PATHS..(k + 1) * rows * PATHS];
    let (mut e, mut insured) = (0.0, 0.0);
    let mut update = |day: u32, e: f64| {
        let now = f64::min(e, lim(day));
        if now != insured {
            ledger[at(day as usize, p)] += f.insured_extra * (now - insured);
            insured = now;
        }
    };
    let mut limit_days = limit_days
        .into_iter()
        .filter(|&d| d < model.horizon)
        .peekable();
    for day in steps.chunk_by(|x, y| x.0 == y.0) {
        let d = day[0].0;
        while let Some(change) = limit_days.next_if(|&c| c < d) {
            update(change, e);
        }
        for &(_, change) in day {
            e += change;
        }
        update(d, e);
    }
    for change in limit_days {
        update(change, e);
    }
}
