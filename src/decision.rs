//! Decision figures: how much extra liquidity each variant needs for a target shortfall
//! probability, and the premium rate at which the policy pays for itself.
//!
//! **Extra liquidity.** Raising the committed credit line by X raises every day's
//! headroom by exactly X and changes nothing else (interest depends on the balance, not
//! on the line). So a path has a shortfall with the extra line iff its lowest headroom
//! is below `min_headroom - X`, and the least X with P(shortfall) <= a is read off the
//! simulated lowest headrooms directly: with d = min_headroom - lowest headroom per
//! path, X = the smallest value such that at most floor(a * N) paths have d > X, i.e.
//! the value at rank N - floor(a * N) of d in ascending order (0 if that is negative).
//! Extra opening cash works the same way when the balance earns and pays no interest;
//! with interest it is an approximation, so the figure is reported as credit line.
//!
//! **Break-even premium rate.** The paired mean change in end balance, insured minus
//! uninsured, falls as the premium rate rises. The break-even rate is where it is zero,
//! found by the Illinois variant of regula falsi on full simulations with the same seed
//! and paths (common random numbers make the function smooth), to a rate within 1e-7.
//! When the change is already negative at a rate of 0 (the minimum premium alone costs
//! more than the policy returns), there is no break-even rate.

use crate::engine::{INSURED, UNINSURED};
use crate::model::Model;
use crate::run::run;
use crate::scenario::{Scenario, ScenarioError, ScenarioFile, WhatIf};
use crate::stats::{self, Level};
use serde::Serialize;

/// Extra credit line needed per variant for a target probability.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtraLiquidity {
    /// The target probability of a shortfall.
    pub target: f64,
    /// Extra committed credit line of each variant, uninsured first.
    pub by_variant: Vec<f64>,
}

/// In summary.json: `{ "target", "uninsured", "insured" }` (the first policy's).
impl Serialize for ExtraLiquidity {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Json {
            target: f64,
            uninsured: f64,
            insured: f64,
        }
        Json {
            target: self.target,
            uninsured: self.by_variant[UNINSURED],
            insured: self.by_variant[INSURED],
        }
        .serialize(serializer)
    }
}

/// The least extra headroom X with P(lowest headroom + X < floor) <= target.
pub fn extra_liquidity(min_headroom: &[f64], floor: f64, target: Level) -> f64 {
    let n = min_headroom.len() as u64;
    if n == 0 {
        return 0.0;
    }
    let mut depth: Vec<f64> = min_headroom.iter().map(|h| floor - h).collect();
    let allowed = (target.num as u128 * n as u128 / target.den as u128) as u64;
    if allowed >= n {
        return 0.0;
    }
    let rank = n - allowed;
    let k = (rank - 1) as usize;
    let (_, x, _) = depth.select_nth_unstable_by(k, f64::total_cmp);
    x.max(0.0)
}

/// Mean paired change in end balance (insured - uninsured) of a scenario.
fn end_balance_change(s: &Scenario, threads: usize) -> f64 {
    let model = Model::new(s);
    let r = run(&model, 0, s.paths, threads, &|_| {});
    stats::mean_interval(
        r.variants[INSURED]
            .end_balance
            .iter()
            .zip(&r.variants[UNINSURED].end_balance)
            .map(|(i, u)| i - u),
    )
    .estimate
}

/// The break-even premium rate of the scenario `what_if` makes of `file`, or `None`
/// (no policy, or no rate in [0, 1] works). Each trial is the what-if with
/// the first policy's `premium_rate` set, validated like any other. `at_scenario_rate` is the
/// change already known from the main run.
pub fn break_even_premium_rate(
    file: &ScenarioFile,
    what_if: &WhatIf,
    at_scenario_rate: f64,
    threads: usize,
) -> Result<Option<f64>, ScenarioError> {
    let scenario = file.what_if(what_if)?;
    let Some(policy) = scenario.first_policy() else {
        return Ok(None);
    };
    let key = format!("{}.premium_rate", policy.key);
    let trial = |r: f64| -> Result<f64, ScenarioError> {
        let at_rate = what_if.clone().and_set(&key, r);
        Ok(end_balance_change(&file.what_if(&at_rate)?, threads))
    };
    solve(trial, policy.premium_rate, at_scenario_rate)
}

/// The root in [0, 1] of the falling function `f`, bracketed from the scenario's own
/// rate `b0` (where f is `fb0`), by the Illinois method.
fn solve(
    f: impl Fn(f64) -> Result<f64, ScenarioError>,
    b0: f64,
    fb0: f64,
) -> Result<Option<f64>, ScenarioError> {
    let (mut a, mut fa) = (0.0, f(0.0)?);
    if fa < 0.0 {
        return Ok(None);
    }
    if fa == 0.0 {
        return Ok(Some(0.0));
    }
    // Bracket: the scenario's rate if the change there is negative, else widen to 1.
    let (mut b, mut fb) = (b0, fb0);
    if b <= 0.0 || fb >= 0.0 {
        b = 1.0;
        fb = f(1.0)?;
        if fb > 0.0 {
            return Ok(None);
        }
    }
    let mut side = 0;
    for _ in 0..60 {
        let c = (a * fb - b * fa) / (fb - fa);
        let fc = f(c)?;
        if fc == 0.0 || (b - a).abs() < 1e-7 {
            return Ok(Some(c));
        }
        if fc > 0.0 {
            a = c;
            fa = fc;
            if side == 1 {
                fb /= 2.0;
            }
            side = 1;
        } else {
            b = c;
            fb = fc;
            if side == -1 {
                fa /= 2.0;
            }
            side = -1;
        }
        if (b - a).abs() < 1e-7 {
            return Ok(Some((a + b) / 2.0));
        }
    }
    Ok(Some((a + b) / 2.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::{P1, P5};

    #[test]
    fn extra_liquidity_is_the_depth_at_the_allowed_rank() {
        // 100 paths with lowest headroom -99, -98, ..., 0: depths 0..99 below a floor
        // of 0. For 5 %, at most 5 paths may stay short: X must reach depth 94
        // (depths 95..99 remain above X: 5 paths).
        let mins: Vec<f64> = (0..100).map(|i| -(i as f64)).collect();
        assert_eq!(extra_liquidity(&mins, 0.0, P5), 94.0);
        assert_eq!(extra_liquidity(&mins, 0.0, P1), 98.0);
        // Already safe: nothing needed.
        assert_eq!(extra_liquidity(&[10.0, 20.0], 0.0, P5), 0.0);
    }
}
