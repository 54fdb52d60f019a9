//! One policy's settlement on one path: deposits, premiums, then its claims in claim
//! order against its limits, first loss and maximum liability (MODEL.md sections 7
//! and 14). Each policy settles on its own from what the invoice loop recorded once
//! for all of them: the insured turnover of each coverage class and the invoices
//! some policy may claim.

use super::*;

/// Premiums, deposits and claims of policy `k` in lane `p`, into the ledger of
/// variant 1 + k.
pub(super) fn settle_policy(
    model: &Model,
    k: usize,
    scratch: &mut Scratch,
    p: usize,
    out: &mut PolicyOutcome,
) {
    let policy = &model.policies[k];
    let terms = &policy.terms;
    let h = model.horizon;
    let hu = h as usize;
    let months = model.months() * PATHS;
    let ledger = &mut scratch.policy_flows[k * hu * PATHS..(k + 1) * hu * PATHS];
    // Deposits are already in the ledger; count them as paid.
    let v = 1 + k;
    for y in 0..model.policy_years {
        out.premium_paid += terms.minimum_premium;
        let first_day = y as u32 * YEAR_DAYS;
        years::add(
            &mut scratch.years,
            first_day,
            p,
            terms.minimum_premium,
            |y| &mut y.premium_paid[v],
        );
        // [deposit left, first loss left, liability left]
        scratch.year_left[y] = [
            terms.minimum_premium,
            terms.aggregate_first_loss,
            terms.max_liability,
        ];
    }
    for m in 0..model.months() {
        // The policy's insured turnover: its coverage classes in class order (one
        // class, and so the very sum of the invoice loop, with one policy).
        let mut turnover = 0.0;
        for (c, &coverage) in model.coverage_classes.iter().enumerate() {
            if coverage & (1 << k) != 0 {
                turnover += scratch.turnover[c * months + at(m, p)];
            }
        }
        // Section 16: less what a cut took away.
        if policy.varying {
            turnover -= scratch.turnover_cut[k * months + at(m, p)];
        }
        let premium = terms.premium_rate * turnover;
        let left = &mut scratch.year_left[model.month_policy_year[m]][0];
        let from_deposit = premium.min(*left);
        *left -= from_deposit;
        let cash = premium - from_deposit;
        let due = model.month_starts[m + 1];
        if due < h && cash > 0.0 {
            ledger[at(due as usize, p)] -= cash;
            out.premium_paid += cash;
            years::add(&mut scratch.years, due, p, cash, |y| &mut y.premium_paid[v]);
        }
    }

    let claims = &scratch.claims[p];
    if claims.is_empty() {
        return;
    }
    // This policy's claims before H, in claim order (claim day, buyer, issue order).
    let order = &mut scratch.order;
    order.clear();
    let (cuts, down_from) = (&scratch.cuts[p], &scratch.down_from);
    // Section 16: the limit in force on the invoice's issue day (day 0 at the earliest).
    let in_force = |c: &Claim| {
        let t = c.issued.max(0) as u32;
        super::limits::in_force(model, k, c.buyer, p, t, cuts, down_from)
    };
    for (index, c) in claims.iter().enumerate() {
        if model.buyers[c.buyer as usize].coverage & (1 << k) == 0 {
            continue;
        }
        // Not covered: issued while the limit in force was 0, or not sold in this
        // variant at all (stop_sales).
        if policy.varying
            && (in_force(c) <= 0.0
                || c.issued >= 0
                    && c.issued as u32 >= super::limits::stop_day(model, k, c.buyer, cuts))
        {
            continue;
        }
        let day = c.day(terms.waiting_period_days, terms.political_cover);
        if let Some(day) = day.filter(|&d| d < h) {
            order.push((day, c.buyer, c.invoice, index as u32));
        }
    }
    order.sort_unstable();
    // What is left of each buyer's limit; with varying limits (section 16), C_b, the
    // claimable amounts of its earlier claims.
    for &(_, buyer, _, _) in order.iter() {
        scratch.limit_left[buyer as usize] = match policy.varying {
            false => policy.limits[buyer as usize],
            true => 0.0,
        };
    }
    for &(day, buyer, _, index) in order.iter() {
        let c = &claims[index as usize];
        let limit_left = &mut scratch.limit_left[buyer as usize];
        let claimable = if policy.varying {
            // min(A, max(0, Lim_b(t(i)) - C_b)).
            let claimable = c.amount.min((in_force(c) - *limit_left).max(0.0));
            *limit_left += claimable;
            claimable
        } else {
            let claimable = c.amount.min(*limit_left);
            *limit_left -= claimable;
            claimable
        };
        let year = &mut scratch.year_left[(day / YEAR_DAYS) as usize];
        let retained = claimable.min(year[1]);
        year[1] -= retained;
        let payout = (terms.indemnity * (claimable - retained)).min(year[2]);
        year[2] -= payout;
        out.claims += 1;
        let payout_day = day + terms.settlement_days;
        if payout_day < h {
            ledger[at(payout_day as usize, p)] += payout;
            out.payouts_received += payout;
            years::add(&mut scratch.years, payout_day, p, payout, |y| {
                &mut y.payouts_received[v]
            });
        }
        if payout > 0.0 {
            let insurer_share = payout / c.amount;
            if c.later_day < h {
                let share = insurer_share * c.later_amount;
                ledger[at(c.later_day as usize, p)] -= share;
                out.paid_to_insurer += share;
            }
            out.net_credit_loss -= c.defaulted_lgd * payout;
        }
    }
}
