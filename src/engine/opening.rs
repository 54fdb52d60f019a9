//! The opening receivables of one buyer in one lane: invoices issued before day 0 and
//! still open on day 0 (MODEL.md section 20). Their sale, supplier cost and premium
//! lie before day 0; here come their payment or recovery, their credit loss and the
//! claims a policy may make on them. Rare next to the invoices of the horizon, so
//! plain code, one lane at a time.

use super::*;
use crate::rng::OPENING_STREAM_BASE;

/// The opening receivables of buyer `b` in lane `(p, rng)`, whose random numbers come
/// from `rng`; the buyer defaults on day `stop` (`u32::MAX`: never) with loss given
/// default `lgd`, and its country's political event may move its payments in `window`.
#[allow(
    clippy::too_many_arguments,
    reason = "the lane's state, as buyer_invoices"
)]
pub(super) fn opening_receivables(
    model: &Model,
    b: usize,
    (p, rng): (usize, &PathRng),
    stop: u32,
    lgd: f64,
    window: Window,
    scratch: &mut Scratch,
    out: &mut PathOutcome,
) {
    let buyer = &model.buyers[b];
    let h = model.horizon as i64;
    for r in &model.opening[buyer.opening.clone()] {
        let (w0, w1) = rng.words(OPENING_STREAM_BASE + b as u32, r.draw);
        let delay = match &buyer.delay {
            None => 0,
            // Overdue by -due days on day 0: late, drawn given that.
            Some(d) if r.due < 0 => d.overdue_delay(&model.delay_tables, r.due.unsigned_abs(), w1),
            Some(d) => d.delay(&model.delay_tables, w0, w1),
        };
        // p'(i): moved by a political event (MODEL.md section 17).
        let paid = window.moved(r.due + delay as i64);
        let defaulted = paid >= stop as i64;
        let (later_day, later_amount) = if defaulted {
            out.credit_loss += lgd * r.amount;
            (
                window.moved(stop as i64 + model.recovery_lag_days as i64),
                (1.0 - lgd) * r.amount,
            )
        } else {
            (paid, r.amount)
        };
        if later_day < h {
            scratch.common[at(later_day as usize, p)] += later_amount;
        }
        // Open from day 0 until paid or its buyer defaults (issued before day 0: not
        // invoiced within the horizon, its supplier cost paid before day 0).
        let until = paid.min(stop as i64);
        super::open_part(&mut scratch.open, p, model.horizon, -1, until, r.amount);
        if let Some(f) = &model.financing {
            let to = super::financing::eligible_until(f, r.due, paid, stop);
            super::financing::eligible(model, b, p, 0, to, r.amount, scratch);
        }
        if !buyer.covered {
            continue;
        }
        // A claim of some covering policy before H (a protracted-default claim day
        // before day 0 is day 0).
        let waiting = buyer.waiting as i64;
        let moved = (paid - (r.due + delay as i64)) as u32;
        if defaulted || ((delay + moved) as i64 > waiting && (r.due + waiting).max(0) < h) {
            scratch.claims[p].push(Claim {
                buyer: b as u32,
                invoice: r.rank,
                due: r.due as i32,
                delay,
                moved,
                // Issued before day 0 (so sold in every variant), covered by the limit
                // in force on day 0 (MODEL.md section 20).
                issued: -1,
                stop,
                amount: r.amount,
                later_day: later_day.min(u32::MAX as i64) as u32,
                later_amount,
                defaulted_lgd: if defaulted { lgd } else { 0.0 },
            });
        }
    }
}
