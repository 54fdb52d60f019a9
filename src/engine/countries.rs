//! Countries and political risk in the path loop (MODEL.md section 17): each country's
//! factor C(c) and the window of its political event, drawn once per path and lane
//! before the buyers, which read them through [`Scratch`].

use super::*;
use crate::rng::COUNTRY_INDEX_BASE;

/// The days [from, to) in which a political event blocks a country's buyers: no
/// invoice is issued, and a payment or recovery dated in it arrives on `to`. Empty
/// (from = to) when the country has no event in the path.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Window {
    from: u32,
    to: u32,
}

impl Window {
    /// No event.
    pub const NONE: Window = Window { from: 0, to: 0 };

    /// True when there is no event.
    #[inline(always)]
    pub fn is_empty(self) -> bool {
        self.from == self.to
    }

    /// True when `day` lies in the window.
    #[inline(always)]
    pub fn contains(self, day: i64) -> bool {
        self.from as i64 <= day && day < self.to as i64
    }

    /// The day a payment dated `day` arrives: the end of the window when `day` lies in
    /// it (p'(i) of MODEL.md section 17), else `day`.
    #[inline(always)]
    pub fn moved(self, day: i64) -> i64 {
        if self.contains(day) {
            self.to as i64
        } else {
            day
        }
    }
}

/// Draws every country's factor and event for the `active` lanes (stream 0, index
/// 2^31 + c: the first word the factor, the second the event uniform), and marks each
/// country with an event before H in the lane's outcome.
pub(super) fn draw(
    model: &Model,
    rngs: &[PathRng; PATHS],
    active: usize,
    scratch: &mut Scratch,
    out: &mut [PathOutcome; PATHS],
) {
    for (c, country) in model.countries.iter().enumerate() {
        for p in 0..active {
            let (w0, w1) = rngs[p].words(0, COUNTRY_INDEX_BASE + c as u32);
            scratch.country_factor[at(c, p)] = dist::inv_norm_cdf(crate::rng::open01(w0));
            let event = country.event.day(crate::rng::open01(w1), model.horizon);
            scratch.country_window[at(c, p)] = match event {
                Some(t) => {
                    out[p].political_events |= 1 << c;
                    Window {
                        from: t,
                        to: t + country.moratorium_days,
                    }
                }
                None => Window::NONE,
            };
        }
    }
}
