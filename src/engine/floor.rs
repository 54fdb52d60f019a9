//! The random-number floor: every number a group of paths draws, drawn as the
//! engine draws them and nothing else, to measure the engine against (benchmarks).

use super::*;

/// The random-number floor of [`simulate_paths`]: every random number the paths
/// `paths` (8 of them) need, drawn as the engine draws them, and nothing else. The
/// uniforms of the economy (the common factor and each month's shock, as normals),
/// and every buyer's draws (its factor and each invoice's two words, for the 8 paths
/// at once, a buyer at a time), each word turned into a uniform. Returns their sum, so
/// that no work can be left out. For benchmarks: the engine's speed is measured
/// against this.
pub fn draw_only(model: &Model, paths: &[u64; PATHS], window: &mut WordWindow) -> f64 {
    let mut sum = 0.0;
    // The month shocks only where the engine draws them: with revenue volatility.
    let months = if model.volatility > 0.0 {
        model.months()
    } else {
        0
    };
    for &path in paths {
        let rng = PathRng::new(model.seed, path);
        for index in 0..=months as u32 {
            sum += dist::inv_norm_cdf(rng.uniform(0, index));
        }
    }
    let rng = PathsRng::new(model.seed, paths);
    window.restart();
    let mut start = 0;
    for end in model.buyers.iter().map(|b| b.draws_end) {
        rng.fill_window(&model.draws, end, window);
        let [first, second] = window.words(start..end);
        for (&a, &b) in first.iter().zip(second) {
            sum += crate::rng::open01(a) + crate::rng::open01(b);
        }
        start = end;
    }
    sum
}

/// A word window sized for the draws of `model`, for [`draw_only`].
pub fn word_window(model: &Model) -> WordWindow {
    WordWindow::new(&model.draws, model.buyers.iter().map(|b| b.draws_end))
}
