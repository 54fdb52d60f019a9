//! The invoices of one buyer in one lane, in general: a buyer that may default or
//! whose country has a political event, with the recovery, the credit loss and every
//! kind of claim (MODEL.md sections 5-7 and 17).

use super::*;

/// What a buyer's invoices in one lane depend on besides the draws.
pub(super) struct Lane {
    /// The lane.
    pub p: usize,
    /// The buyer's default day (`u32::MAX`: never) and loss given default.
    pub stop: u32,
    pub lgd: f64,
    /// Its country's political event window (MODEL.md section 17).
    pub window: Window,
    /// The day from which each policy's variant stops selling to it (stop_sales,
    /// section 16), if any does.
    pub stops: Option<super::limits::StopDays>,
}

/// The invoices of buyer `b` in a lane, in general: the buyer may default, its
/// country's political event may block it, and a policy's variant may stop selling
/// to it.
pub(super) fn buyer_invoices(
    model: &Model,
    b: usize,
    lane: &Lane,
    scratch: &mut Scratch,
    out: &mut PathOutcome,
) {
    // A version-1 lane (no window, every variant sells) runs without the tests of
    // version 2 in its loop: compiled apart, it costs what it did.
    if lane.window.is_empty() && lane.stops.is_none() {
        invoices::<false>(model, b, lane, scratch, out);
    } else {
        invoices::<true>(model, b, lane, scratch, out);
    }
}

/// [`buyer_invoices`]; `V2` is false when the lane has no political window and no
/// variant that stops selling.
#[inline(always)]
fn invoices<const V2: bool>(
    model: &Model,
    b: usize,
    lane: &Lane,
    scratch: &mut Scratch,
    out: &mut PathOutcome,
) {
    let Lane {
        p,
        stop,
        lgd,
        window,
        stops,
    } = *lane;
    let buyer = &model.buyers[b];
    let h = model.horizon;
    let sup = model.supplier_terms_days;
    let vr = model.variable_ratio;
    // Insured turnover of the buyer's coverage class.
    let months = model.months() * PATHS;
    let turnover = buyer.turnover_class.saturating_mul(months);
    let lag = model.recovery_lag_days;
    let calendar = &model.calendars[buyer.calendar];
    // A buyer whose sales stop or pause counts its invoices one by one (else from its
    // calendar's sums, `super::issued`).
    let one_by_one = stop != u32::MAX || !window.is_empty();
    for (i, &(m, t)) in calendar.invoices.iter().enumerate() {
        if t >= stop {
            break;
        }
        if V2 && window.contains(t as i64) {
            continue; // no sale in a political event's window
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
        // p'(i): a payment dated in a political event's window arrives at its end.
        let paid = match V2 {
            true => window.moved((due + delay) as i64) as u32,
            false => due + delay,
        };
        let defaulted = paid >= stop;
        let (later_day, later_amount) = if defaulted {
            out.credit_loss += lgd * amount;
            let recovery = match V2 {
                true => window.moved((stop + lag) as i64) as u32,
                false => stop + lag,
            };
            (recovery, (1.0 - lgd) * amount)
        } else {
            (paid, amount)
        };
        if later_day < h {
            scratch.common[at(later_day as usize, p)] += later_amount;
        }
        super::open_part(
            &mut scratch.open,
            p,
            h,
            t as i64,
            paid.min(stop) as i64,
            amount,
        );
        if one_by_one {
            super::issued_one(model, out, t, amount);
        }
        let eligible_to = match &model.financing {
            Some(f) => {
                let to = super::financing::eligible_until(f, due as i64, paid as i64, stop);
                super::financing::eligible(model, b, p, t as i64, to, amount, scratch);
                to
            }
            None => 0,
        };
        if V2 && let Some(stops) = &stops {
            // Section 16: the variants that did not sell it take it back.
            let unsold = super::limits::TakenBack {
                t,
                amount,
                later_day,
                later_amount,
                defaulted: defaulted.then_some(stop),
                loss: if defaulted { lgd * amount } else { 0.0 },
                until: paid.min(stop) as i64,
                eligible_to,
            };
            for (k, &day) in stops.iter().enumerate() {
                if t >= day {
                    super::limits::take_back(model, k, p, &unsold, scratch);
                }
            }
        }
        if buyer.covered {
            scratch.turnover[turnover + at(m as usize, p)] += amount;
            // A claim of some policy that covers the buyer, before H: a protracted
            // default under the shortest waiting period, or a default (D(b) < H).
            let waiting = buyer.waiting;
            let moved = if V2 { paid - (due + delay) } else { 0 };
            if defaulted || (delay + moved > waiting && due + waiting < h) {
                scratch.claims[p].push(Claim {
                    buyer: b as u32,
                    // After the buyer's opening receivables in issue order.
                    invoice: (buyer.opening.len() + i) as u32,
                    due: due as i32,
                    delay,
                    moved,
                    issued: t as i32,
                    stop,
                    amount,
                    later_day,
                    later_amount,
                    defaulted_lgd: if defaulted { lgd } else { 0.0 },
                });
            }
        }
    }
}
