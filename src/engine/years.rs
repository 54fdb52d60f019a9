//! A path's figures policy year by policy year, for horizons longer than a year
//! (MODEL.md section 18, `by_year`): whether each variant has a shortfall on some day
//! of the year, the premiums and payouts each variant's policy pays and receives on
//! days of the year, and the credit loss of the defaults in the year.
//!
//! They are kept apart from [`PathOutcome`] (which the run copies for every path) in
//! [`Scratch`], one [`YearOutcome`] per year and lane, and are empty when H <= 365:
//! a one-year run does none of this work. Every amount is dated by the day its cash
//! moves (a deposit on its year's first day, a cash premium on its due day, a payout
//! on its payout day), so the years add up to the horizon's figure.

use super::*;

/// What one path did in one policy year.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct YearOutcome {
    /// Per variant: headroom below `min_headroom` on some day of the year.
    pub shortfall: [bool; MAX_VARIANTS],
    /// Per variant: deposits and cash premiums dated in the year (0 uninsured).
    pub premium_paid: [f64; MAX_VARIANTS],
    /// Per variant: payouts dated in the year (0 uninsured).
    pub payouts_received: [f64; MAX_VARIANTS],
    /// Sum of LGD * A over the invoices of buyers that default in the year.
    pub credit_loss: f64,
    /// Per variant, the part of `credit_loss` on invoices it did not sell (stop_sales,
    /// MODEL.md section 16).
    pub unsold_loss: [f64; MAX_VARIANTS],
}

/// Adds `amount` to the figure `field` picks of day `day`'s year in lane `p`, when
/// years are reported (`years` is empty otherwise).
#[inline]
pub(super) fn add(
    years: &mut [YearOutcome],
    day: u32,
    p: usize,
    amount: f64,
    field: impl FnOnce(&mut YearOutcome) -> &mut f64,
) {
    if let Some(year) = years.get_mut(at((day / YEAR_DAYS) as usize, p)) {
        *field(year) += amount;
    }
}

/// A [`DayObserver`] that notes in which years each variant of each lane falls below
/// the headroom floor, and passes every day on to `inner`.
pub(super) struct YearWatch<'a, O> {
    inner: &'a mut O,
    floor: f64,
    /// Per lane and variant, bit y set for a shortfall in year y.
    years: [[u32; MAX_VARIANTS]; PATHS],
}

impl<'a, O: DayObserver> YearWatch<'a, O> {
    pub(super) fn new(model: &Model, inner: &'a mut O) -> Self {
        // H <= 3650 days (the key's range): at most 10 years, one bit each.
        assert!(model.reported_years() <= 32, "at most 32 policy years");
        YearWatch {
            inner,
            floor: model.min_headroom,
            years: [[0; MAX_VARIANTS]; PATHS],
        }
    }

    /// Writes the shortfall years into the lanes' year figures.
    pub(super) fn store(&self, years: &mut [YearOutcome]) {
        for (i, year) in years.iter_mut().enumerate() {
            let (y, p) = (i / PATHS, i % PATHS);
            for v in 0..MAX_VARIANTS {
                year.shortfall[v] = self.years[p][v] & (1 << y) != 0;
            }
        }
    }
}

impl<O: DayObserver> DayObserver for YearWatch<'_, O> {
    #[inline]
    fn headrooms(&mut self, variant: usize, day: usize, headroom: &[f64; PATHS], active: usize) {
        let bit = 1 << (day / YEAR_DAYS as usize);
        for p in 0..PATHS {
            if headroom[p] < self.floor {
                self.years[p][variant] |= bit;
            }
        }
        self.inner.headrooms(variant, day, headroom, active);
    }
}
