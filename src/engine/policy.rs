//! The policy's settlement on one path: deposits, premiums, then the claims in claim
//! order against limits, first loss and maximum liability (MODEL.md section 7).

use super::*;

/// Premiums, deposits and claims of the insured variant (MODEL.md section 7).
pub(super) fn settle_policy(
    model: &Model,
    policy: &crate::scenario::Policy,
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
                let share = insurer_share * c.later_amount;
                scratch.insured[at(c.later_day as usize, p)] -= share;
                out.paid_to_insurer += share;
            }
            out.net_credit_loss -= c.defaulted_lgd * payout;
        }
    }
}
