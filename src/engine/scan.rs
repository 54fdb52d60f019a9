//! The balance scan: each variant's daily flows, interest, headroom, minimum and
//! shortfall day (MODEL.md section 8), in AVX-512 registers where available.

// Lane-wise code indexes several arrays by the same lane number; iterators would hide
// that the lanes are independent.
#![allow(clippy::needless_range_loop)]

use super::*;

/// The daily balance of both variants in every lane: flows, then interest, then
/// headroom. The lanes are independent: each step is the same arithmetic on 8
/// numbers, in AVX-512 registers ([`scan_avx512`]) where the processor has them.
pub(super) fn scan<O: DayObserver>(
    model: &Model,
    scratch: &Scratch,
    active: usize,
    observer: &mut O,
    out: &mut [PathOutcome; PATHS],
) {
    if model.financing.is_some() {
        scan_lanes::<O, true>(model, scratch, active, observer, out);
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if crate::rng::has_avx512() {
        // SAFETY: `has_avx512` checked that this processor supports AVX-512F.
        unsafe { scan_avx512(model, scratch, active, observer, out) };
        return;
    }
    scan_lanes::<O, false>(model, scratch, active, observer, out);
}

/// [`scan_lanes`] in AVX-512 registers, one instruction per step for all lanes: the
/// same operations in the same order (a separate multiply and add, no fused
/// multiply-add; ordered comparisons, false for NaN like `<`).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
pub(super) fn scan_avx512<O: DayObserver>(
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
    assert!(scratch.common.len() >= days * PATHS);
    for variant in 0..model.variants() {
        // Variant 1 + k adds policy k's ledger to the common one.
        let ledger = scratch.ledger(variant.saturating_sub(1), days);
        assert_eq!(ledger.len(), days * PATHS);
        let mut balance = _mm512_set1_pd(model.opening_cash);
        let mut min_headroom = _mm512_set1_pd(f64::INFINITY);
        let mut shortfall = never;
        let (mut paid, mut earned) = (zero, zero);
        let mut headroom = [0.0; PATHS];
        for day in 0..days {
            // SAFETY: day * PATHS + 8 <= days * PATHS, within both ledgers (asserted).
            let flow = unsafe {
                let common = _mm512_loadu_pd(scratch.common.as_ptr().add(at(day, 0)));
                if variant == UNINSURED {
                    common
                } else {
                    _mm512_add_pd(common, _mm512_loadu_pd(ledger.as_ptr().add(at(day, 0))))
                }
            };
            balance = _mm512_add_pd(balance, flow);
            let negative = _mm512_cmp_pd_mask::<_CMP_LT_OQ>(balance, zero);
            let rate = _mm512_mask_blend_pd(negative, credit, debit);
            let interest = _mm512_mul_pd(balance, rate);
            balance = _mm512_add_pd(balance, interest);
            paid = _mm512_mask_sub_pd(paid, negative, paid, interest);
            earned = _mm512_mask_add_pd(earned, !negative, earned, interest);
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
        let (mut charged, mut got) = ([0.0; PATHS], [0.0; PATHS]);
        // SAFETY: arrays of 8 numbers of 8 bytes.
        unsafe {
            _mm512_storeu_pd(low.as_mut_ptr(), min_headroom);
            _mm512_storeu_pd(end.as_mut_ptr(), balance);
            _mm512_storeu_epi64(first.as_mut_ptr(), shortfall);
            _mm512_storeu_pd(charged.as_mut_ptr(), paid);
            _mm512_storeu_pd(got.as_mut_ptr(), earned);
        }
        for p in 0..active {
            out[p].min_headroom[variant] = low[p];
            out[p].end_balance[variant] = end[p];
            out[p].interest_paid[variant] = charged[p];
            out[p].interest_earned[variant] = got[p];
            // Without a borrowing base h = B + L: the lowest balance is the lowest
            // headroom less the line (the same day; within one unit in the last
            // place of L of tracking B itself, and one operation fewer a day).
            out[p].lowest_balance[variant] = low[p] - model.credit_line;
            out[p].shortfall_day[variant] = (first[p] >= 0).then_some(first[p] as u32);
        }
    }
}

/// The scan without vector intrinsics (processors without AVX-512), written without
/// branches so that the compiler can vectorize it. `FINANCED` adds the borrowing base
/// to headroom (MODEL.md section 15: h = B + L + min(facility, BB), the base being
/// the day-to-day changes of [`super::financing`] added up) and tracks the lowest
/// balance and the base's sum; without it the lowest balance is the lowest headroom
/// less the line.
#[inline(always)]
pub(super) fn scan_lanes<O: DayObserver, const FINANCED: bool>(
    model: &Model,
    scratch: &Scratch,
    active: usize,
    observer: &mut O,
    out: &mut [PathOutcome; PATHS],
) {
    let credit = model.daily_credit_rate;
    let (line, floor) = (model.credit_line, model.min_headroom);
    let facility = model.financing.map_or(f64::INFINITY, |f| f.facility_limit);
    let days = model.horizon as usize;
    let rows = (days + 1) * PATHS;
    for variant in 0..model.variants() {
        let debit = model.daily_debit_rate(variant);
        let mut balance = [model.opening_cash; PATHS];
        let mut min_headroom = [f64::INFINITY; PATHS];
        let mut lowest = [f64::INFINITY; PATHS];
        let mut base_sum = [0.0; PATHS];
        let mut shortfall = [u32::MAX; PATHS];
        let (mut paid, mut earned) = ([0.0; PATHS], [0.0; PATHS]);
        let (mut common_base, mut insured_base) = ([0.0; PATHS], [0.0; PATHS]);
        let mut headroom = [0.0; PATHS];
        // Variant 1 + k adds policy k's ledger to the common one, and with financing
        // policy k's insured part of the base (the uninsured variant has none).
        let ledger = scratch.ledger(variant.saturating_sub(1), days);
        let insured = match variant {
            _ if !FINANCED || model.policies.is_empty() => None,
            UNINSURED => None,
            v => Some(&scratch.base_policy[(v - 1) * rows..v * rows]),
        };
        for day in 0..days {
            for p in 0..PATHS {
                let cell = at(day, p);
                let flow = if variant == UNINSURED {
                    scratch.common[cell]
                } else {
                    scratch.common[cell] + ledger[cell]
                };
                balance[p] += flow;
                // Interest on the balance after the day's flows (the same product as
                // a branch on the sign would add), tallied by its sign.
                let negative = balance[p] < 0.0;
                let rate = if negative { debit } else { credit };
                let interest = balance[p] * rate;
                balance[p] += interest;
                paid[p] -= if negative { interest } else { 0.0 };
                earned[p] += if negative { 0.0 } else { interest };
                headroom[p] = balance[p] + line;
                if FINANCED {
                    if balance[p] < lowest[p] {
                        lowest[p] = balance[p];
                    }
                    common_base[p] += scratch.base_common[cell];
                    if let Some(insured) = insured {
                        insured_base[p] += insured[cell];
                    }
                    let base = f64::min(facility, common_base[p] + insured_base[p]);
                    base_sum[p] += base;
                    headroom[p] = balance[p] + line + base;
                }
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
            // As in the vector scan: without a base, the lowest headroom less the line.
            out[p].lowest_balance[variant] = if FINANCED {
                lowest[p]
            } else {
                min_headroom[p] - line
            };
            out[p].borrowing_base[variant] = base_sum[p];
            out[p].shortfall_day[variant] = (shortfall[p] != u32::MAX).then_some(shortfall[p]);
        }
    }
}
