//! The fast path: a late-paying buyer that does not default within the horizon, for
//! all lanes at once (AVX-512 where the processor has it). The same additions as
//! [`super::invoices`], in the same order.

// Lane-wise code indexes several arrays by the same lane number; iterators would hide
// that the lanes are independent.
#![allow(clippy::needless_range_loop)]

use super::*;

/// The invoices of a buyer that pays late at times (a `delay` table with a lognormal
/// delay) and does not default within the horizon: the common case, and the hot loop
/// of a path. Every invoice is paid, so its flows are its supplier cost and its
/// payment, and its only possible claim is a protracted default. Flows dated on or
/// after H go to the trash day H of the common ledger, so the loop has no branch on
/// dates.
///
/// This is [`buyer_invoices`] with what cannot happen removed: the additions into each
/// ledger cell come in the same order, so every sum is the same to the last bit. The
/// fields are the loop invariants, kept in registers. With AVX-512 the loop serves
/// all its lanes at once, one invoice of 8 paths per step.
pub(super) struct SolventPayer<'a> {
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
    /// Start of the insured turnover of the buyer's coverage class in
    /// [`Scratch::turnover`].
    turnover: usize,
    months: usize,
    /// The claim-order number of its first invoice: after its opening receivables.
    first_invoice: u32,
    /// The borrowing base, with `[financing]`.
    financing: Option<crate::model::FinancingModel>,
}

/// The arrays the invoice loop reads and writes, all interleaved ([`at`]).
pub(super) struct Lanes<'s> {
    common: &'s mut [f64],
    turnover: &'s mut [f64],
    revenue: &'s [f64],
    words: [&'s [u64]; 2],
    claims: &'s mut [Vec<Claim>; PATHS],
    /// With `[financing]`: the changes of a * sum E_b(t), and the buyer's windows.
    base: &'s mut [f64],
    windows: &'s mut [Vec<(u32, u32, f64)>; PATHS],
    /// Each lane's open receivables (MODEL.md section 18).
    open: &'s mut super::Open,
}

impl<'a> SolventPayer<'a> {
    pub(super) fn new(model: &'a Model, b: usize, delay: &'a DelayModel) -> SolventPayer<'a> {
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
            waiting: buyer.waiting,
            horizon: model.horizon,
            covered: buyer.covered,
            turnover: buyer.turnover_class.saturating_mul(model.months() * PATHS),
            months: model.months() * PATHS,
            first_invoice: buyer.opening.len() as u32,
            financing: model.financing,
        }
    }

    /// Adds the buyer's flows in the lanes of `mask`, and when it is covered its
    /// insured turnover and claims; all lanes at once when `vector` and the processor
    /// has AVX-512.
    pub(super) fn run(&self, scratch: &mut Scratch, mask: u8, vector: bool) {
        let n = self.invoices.len();
        let mut lanes = Lanes {
            common: &mut scratch.common,
            // An uncovered buyer adds no turnover: any class serves.
            turnover: if self.covered {
                &mut scratch.turnover[self.turnover..self.turnover + self.months]
            } else {
                &mut scratch.turnover[..self.months]
            },
            revenue: &scratch.revenue,
            words: scratch.words.words(self.first_draw..self.first_draw + n),
            claims: &mut scratch.claims,
            base: &mut scratch.base_common,
            windows: &mut scratch.windows,
            open: &mut scratch.open,
        };
        // With a borrowing base, the portable loop records each invoice's window.
        if self.financing.is_some() {
            if self.covered {
                self.invoices::<true, true>(&mut lanes, mask);
            } else {
                self.invoices::<false, true>(&mut lanes, mask);
            }
            return;
        }
        #[cfg(target_arch = "x86_64")]
        if vector && crate::rng::has_avx512() {
            // SAFETY: `has_avx512` checked that this processor supports AVX-512F, the
            // only requirement of `invoices_avx512`.
            unsafe {
                // All lanes (the usual case) without a test per lane.
                match (self.covered, mask == ALL_LANES) {
                    (true, true) => self.invoices_avx512::<true, true>(&mut lanes, mask),
                    (true, false) => self.invoices_avx512::<true, false>(&mut lanes, mask),
                    (false, true) => self.invoices_avx512::<false, true>(&mut lanes, mask),
                    (false, false) => self.invoices_avx512::<false, false>(&mut lanes, mask),
                }
            }
            return;
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = vector;
        if self.covered {
            self.invoices::<true, false>(&mut lanes, mask);
        } else {
            self.invoices::<false, false>(&mut lanes, mask);
        }
    }

    /// The protracted-default claim of invoice `i` (day `t`), paid `delay` days late,
    /// if it has one.
    #[inline(always)]
    fn protracted(&self, i: usize, due: u32, delay: u32, amount: f64) -> Option<Claim> {
        (delay > self.waiting && due + self.waiting < self.horizon).then_some(Claim {
            buyer: self.buyer,
            invoice: self.first_invoice + i as u32,
            due: due as i32,
            delay,
            moved: 0,
            issued: (due - self.terms) as i32,
            stop: u32::MAX,
            amount,
            later_day: due + delay,
            later_amount: amount,
            defaulted_lgd: 0.0,
        })
    }

    /// The loop for the lanes of `mask`, one invoice of every lane per step, in
    /// portable code (processors without AVX-512): the invoice's month, days and
    /// amounts are worked out once for all lanes, and each lane's supplier cost is
    /// added before its payment. A function of its own so that its invariants stay in
    /// registers; `COVERED` drops the insurance work for uncovered buyers, `FINANCED`
    /// adds each invoice's eligibility window (MODEL.md section 15).
    #[inline(never)]
    fn invoices<const COVERED: bool, const FINANCED: bool>(&self, lanes: &mut Lanes, mask: u8) {
        let on: [bool; PATHS] = std::array::from_fn(|p| mask & (1 << p) != 0);
        // The shapes the indexing below relies on, stated once so that the compiler
        // drops the per-invoice bounds checks: days (rows of PATHS lanes) are clamped
        // to the trash day h = rows - 1, and the words come in rows of PATHS, one row
        // per invoice.
        let (days, _) = lanes.common.as_chunks_mut::<PATHS>();
        assert!(!days.is_empty());
        let h = days.len() - 1;
        let (revenue, _) = lanes.revenue.as_chunks::<PATHS>();
        let (turnover, _) = lanes.turnover.as_chunks_mut::<PATHS>();
        let turnover = &mut turnover[..revenue.len()];
        let (first, _) = lanes.words[0].as_chunks::<PATHS>();
        let (second, _) = lanes.words[1].as_chunks::<PATHS>();
        // min(day, h) without a branch: whether a flow falls after the horizon is
        // random, and a branch on it would be mispredicted.
        let clamp = |day: u32| select_unpredictable((day as usize) < h, day as usize, h);
        let words = first.iter().zip(second);
        for (i, (&(m, t), (w0, w1))) in self.invoices.iter().zip(words).enumerate() {
            let month = &revenue[m as usize];
            let amount: [f64; PATHS] = std::array::from_fn(|p| month[p] * self.share);
            let cost_day = &mut days[clamp(t + self.supplier_terms)];
            for p in 0..PATHS {
                if on[p] {
                    cost_day[p] -= self.variable_ratio * amount[p];
                }
            }
            let due = t + self.terms;
            for p in 0..PATHS {
                if on[p] {
                    let delay = self.delay.on_time_or(self.table.sample_word(w1[p]), w0[p]);
                    days[clamp(due + delay)][p] += amount[p];
                    // As `open_part`, without a branch: until = min(paid, H) >= t, and an
                    // invoice open for 0 days or not at the end adds +0.0 (the same bits).
                    if t < self.horizon {
                        let until = (due + delay).min(self.horizon);
                        lanes.open.days[p] += amount[p] * (until - t) as f64;
                        lanes.open.at_end[p] += if until >= self.horizon {
                            amount[p]
                        } else {
                            0.0
                        };
                    }
                    // A protracted default: paid more than the waiting period late (rare).
                    if COVERED && let Some(claim) = self.protracted(i, due, delay, amount[p]) {
                        lanes.claims[p].push(claim);
                    }
                    if FINANCED && let Some(f) = &self.financing {
                        // Eligible from issue until paid or past max_days_past_due,
                        // as in [`super::financing::eligible`].
                        let to = super::financing::eligible_until(
                            f,
                            due as i64,
                            (due + delay) as i64,
                            u32::MAX,
                        );
                        let (from, to) = ((t as usize).min(h), (to.max(0) as usize).min(h));
                        if from < to {
                            lanes.base[at(from, p)] += f.advance_rate * amount[p];
                            lanes.base[at(to, p)] -= f.advance_rate * amount[p];
                            if COVERED && f.insured_extra != 0.0 {
                                lanes.windows[p].push((from as u32, to as u32, amount[p]));
                            }
                        }
                    }
                }
            }
            if COVERED {
                let month = &mut turnover[m as usize];
                for p in 0..PATHS {
                    if on[p] {
                        month[p] += amount[p];
                    }
                }
            }
        }
    }

    /// The loop for the lanes of `mask` at once, each step one invoice of every lane:
    /// the same operations as [`SolventPayer::invoices`], in vector registers. Per
    /// lane, the supplier cost is added before the payment, as there. The delay cells
    /// are looked up lane by lane (eight loads beat a gather instruction on AMD Zen 4),
    /// and the payment, whose day differs from lane to lane, is added lane by lane too,
    /// in the order of one path alone. `ALL` (every lane in `mask`) drops the test per
    /// lane.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    fn invoices_avx512<const COVERED: bool, const ALL: bool>(&self, lanes: &mut Lanes, mask: u8) {
        use std::arch::x86_64::*;
        // The same row views as the portable loop: a month's revenue and turnover, and
        // an invoice's words, are rows of PATHS lanes, indexed with bounds checks.
        let (revenue, _) = lanes.revenue.as_chunks::<PATHS>();
        let (turnover, _) = lanes.turnover.as_chunks_mut::<PATHS>();
        let (first, _) = lanes.words[0].as_chunks::<PATHS>();
        let (second, _) = lanes.words[1].as_chunks::<PATHS>();
        // Days are clamped to the trash day h; what the pointer arithmetic on the
        // ledger relies on.
        let h = lanes.common.len() / PATHS - 1;
        assert_eq!(lanes.common.len(), (h + 1) * PATHS);
        let k: __mmask8 = mask;
        let lane = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
        let share = _mm512_set1_pd(self.share);
        let variable_ratio = _mm512_set1_pd(self.variable_ratio);
        let horizon = _mm512_set1_epi64(h as i64);
        let on_time = _mm512_set1_epi64(self.delay.on_time_threshold as i64);
        let waiting = _mm512_set1_epi64(self.waiting as i64);
        let cells = self.table.cells();
        let common = lanes.common.as_mut_ptr();
        // The open-receivables sums of every lane (MODEL.md section 18), kept in
        // registers: open amount x days, and open on day H - 1.
        // SAFETY: arrays of 8 doubles.
        let (mut open_days, mut open_at_end) = unsafe {
            (
                _mm512_loadu_pd(lanes.open.days.as_ptr()),
                _mm512_loadu_pd(lanes.open.at_end.as_ptr()),
            )
        };
        // 2^52 as a double and its bits: (2^52 | n) read as a double, minus 2^52, is n
        // exactly for 0 <= n < 2^52 (days are far smaller).
        let magic = _mm512_set1_pd(4_503_599_627_370_496.0);
        let words = first.iter().zip(second);
        for (i, (&(m, t), (w0, w1))) in self.invoices.iter().zip(words).enumerate() {
            let (month, sales) = (&revenue[m as usize], &mut turnover[m as usize]);
            // SAFETY: loads and stores of rows read and write their 8 lanes; ledger
            // days are clamped to h (asserted above).
            unsafe {
                let amount = _mm512_mul_pd(_mm512_loadu_pd(month.as_ptr()), share);
                let cost_day = common.add(at((t + self.supplier_terms).min(h as u32) as usize, 0));
                let cost = _mm512_mul_pd(variable_ratio, amount);
                _mm512_mask_storeu_pd(cost_day, k, _mm512_sub_pd(_mm512_loadu_pd(cost_day), cost));

                // Eight loads, not a gather instruction: on the AMD Zen 4 this was
                // measured on, the gather made the whole run about 9 % slower.
                let c = |p: usize| cells[(w1[p] >> 52) as usize] as i64;
                let cell = _mm512_set_epi64(c(7), c(6), c(5), c(4), c(3), c(2), c(1), c(0));
                let (second_words, w1) = (w1, _mm512_loadu_epi64(w1.as_ptr() as *const i64));
                let w0 = _mm512_loadu_epi64(w0.as_ptr() as *const i64);
                let base = _mm512_srli_epi64::<52>(cell);
                let threshold = _mm512_and_si512(cell, _mm512_set1_epi64(THRESHOLD_MASK as i64));
                let above = _mm512_cmpge_epu64_mask(_mm512_srli_epi64::<12>(w1), threshold);
                let mut late = _mm512_mask_add_epi64(base, above, base, _mm512_set1_epi64(1));
                let search =
                    _mm512_mask_cmpge_epu64_mask(k, cell, _mm512_set1_epi64(SEARCH as i64));
                // The far tail (rare): each such lane's delay from its fine cell or the
                // search, put into its lane (not stored and reloaded, which stalls).
                let mut lanes_left = search;
                while lanes_left != 0 {
                    let p = lanes_left.trailing_zeros() as usize;
                    let delay = self.table.sample_word(second_words[p]);
                    late = _mm512_mask_set1_epi64(late, 1 << p, delay as i64);
                    lanes_left &= lanes_left - 1;
                }
                let paid_late = _mm512_cmpge_epu64_mask(_mm512_srli_epi64::<12>(w0), on_time);
                let delay = _mm512_maskz_mov_epi64(paid_late, late);
                let due = t + self.terms;
                let day = _mm512_min_epu64(
                    _mm512_add_epi64(_mm512_set1_epi64(due as i64), delay),
                    horizon,
                );
                let slot = _mm512_add_epi64(_mm512_slli_epi64::<3>(day), lane);
                let (mut slots, mut amounts) = ([0u64; PATHS], [0.0; PATHS]);
                _mm512_storeu_epi64(slots.as_mut_ptr() as *mut i64, slot);
                _mm512_storeu_pd(amounts.as_mut_ptr(), amount);
                for p in 0..PATHS {
                    if ALL || mask & (1 << p) != 0 {
                        *common.add(slots[p] as usize) += amounts[p];
                    }
                }
                // As `working_capital` lane by lane: until = min(paid, H) >= t.
                if t < self.horizon {
                    let open = _mm512_sub_pd(
                        _mm512_castsi512_pd(_mm512_or_si512(
                            _mm512_sub_epi64(day, _mm512_set1_epi64(t as i64)),
                            _mm512_castpd_si512(magic),
                        )),
                        magic,
                    );
                    open_days =
                        _mm512_mask_add_pd(open_days, k, open_days, _mm512_mul_pd(amount, open));
                    let at_end = _mm512_mask_cmpge_epu64_mask(k, day, horizon);
                    open_at_end = _mm512_mask_add_pd(open_at_end, at_end, open_at_end, amount);
                }

                if COVERED {
                    let sold = _mm512_add_pd(_mm512_loadu_pd(sales.as_ptr()), amount);
                    _mm512_mask_storeu_pd(sales.as_mut_ptr(), k, sold);
                    let claimed = _mm512_mask_cmpgt_epu64_mask(k, delay, waiting);
                    if claimed != 0 {
                        let mut d = [0u64; PATHS];
                        _mm512_storeu_epi64(d.as_mut_ptr() as *mut i64, delay);
                        for p in 0..PATHS {
                            if claimed & (1 << p) != 0
                                && let Some(claim) =
                                    self.protracted(i, due, d[p] as u32, amounts[p])
                            {
                                lanes.claims[p].push(claim);
                            }
                        }
                    }
                }
            }
        }
        // SAFETY: arrays of 8 doubles.
        unsafe {
            _mm512_storeu_pd(lanes.open.days.as_mut_ptr(), open_days);
            _mm512_storeu_pd(lanes.open.at_end.as_mut_ptr(), open_at_end);
        }
    }
}
