//! The distributions the model draws from, built on uniforms from [`crate::rng`].
//!
//! Normals come from the inverse of the normal distribution function (Wichura's
//! AS 241, accurate to about 1e-16), so one uniform gives one normal and a larger
//! uniform always gives a larger normal: the draws of a path move monotonically when
//! a stress case moves a parameter. The Beta LGD uses Marsaglia and Tsang's gamma
//! method, written here so that the numbers do not depend on another crate's version;
//! the gamma delay family (MODEL.md section 19) uses [`gamma_cdf`].

use crate::rng::StreamRng;

mod gamma_cdf;
pub use gamma_cdf::gamma_cdf;

/// Elementary functions from the `libm` crate (a port of musl's), not the platform's C
/// library: so the same draws give the same digits on every operating system.
pub mod portable {
    /// Natural logarithm.
    #[inline]
    pub fn ln(x: f64) -> f64 {
        libm::log(x)
    }
    /// ln(1 + x), accurate for small x.
    #[inline]
    pub fn ln_1p(x: f64) -> f64 {
        libm::log1p(x)
    }
    /// e^x.
    #[inline]
    pub fn exp(x: f64) -> f64 {
        libm::exp(x)
    }
    /// e^x - 1, accurate for small x.
    #[inline]
    pub fn exp_m1(x: f64) -> f64 {
        libm::expm1(x)
    }
    /// x^y.
    #[inline]
    pub fn pow(x: f64, y: f64) -> f64 {
        libm::pow(x, y)
    }
    /// The complementary error function.
    #[inline]
    pub fn erfc(x: f64) -> f64 {
        libm::erfc(x)
    }
}

// Coefficients of AS 241 as published (Wichura 1988), highest power last.
#[allow(clippy::excessive_precision)]
const AS241_A: [f64; 8] = [
    3.3871328727963666080e0,
    1.3314166789178437745e+2,
    1.9715909503065514427e+3,
    1.3731693765509461125e+4,
    4.5921953931549871457e+4,
    6.7265770927008700853e+4,
    3.3430575583588128105e+4,
    2.5090809287301226727e+3,
];
#[allow(clippy::excessive_precision)]
const AS241_B: [f64; 8] = [
    1.0,
    4.2313330701600911252e+1,
    6.8718700749205790830e+2,
    5.3941960214247511077e+3,
    2.1213794301586595867e+4,
    3.9307895800092710610e+4,
    2.8729085735721942674e+4,
    5.2264952788528545610e+3,
];
#[allow(clippy::excessive_precision)]
const AS241_C: [f64; 8] = [
    1.42343711074968357734e0,
    4.63033784615654529590e0,
    5.76949722146069140550e0,
    3.64784832476320460504e0,
    1.27045825245236838258e0,
    2.41780725177450611770e-1,
    2.27238449892691845833e-2,
    7.74545014278341407640e-4,
];
#[allow(clippy::excessive_precision)]
const AS241_D: [f64; 8] = [
    1.0,
    2.05319162663775882187e0,
    1.67638483018380384940e0,
    6.89767334985100004550e-1,
    1.48103976427480074590e-1,
    1.51986665636164571966e-2,
    5.47593808499534494600e-4,
    1.05075007164441684324e-9,
];
#[allow(clippy::excessive_precision)]
const AS241_E: [f64; 8] = [
    6.65790464350110377720e0,
    5.46378491116411436990e0,
    1.78482653991729133580e0,
    2.96560571828504891230e-1,
    2.65321895265761230930e-2,
    1.24266094738807843860e-3,
    2.71155556874348757815e-5,
    2.01033439929228813265e-7,
];
#[allow(clippy::excessive_precision)]
const AS241_F: [f64; 8] = [
    1.0,
    5.99832206555887937690e-1,
    1.36929880922735805310e-1,
    1.48753612908506148525e-2,
    7.86869131145613259100e-4,
    1.84631831751005468180e-5,
    1.42151175831644588870e-7,
    2.04426310338993978564e-15,
];

#[inline]
fn horner(c: &[f64; 8], x: f64) -> f64 {
    let mut v = c[7];
    for k in (0..7).rev() {
        v = v * x + c[k];
    }
    v
}

/// The standard normal quantile function, Wichura's algorithm AS 241 (PPND16).
#[inline]
pub fn inv_norm_cdf(p: f64) -> f64 {
    debug_assert!(p > 0.0 && p < 1.0);
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180625 - q * q;
        return q * horner(&AS241_A, r) / horner(&AS241_B, r);
    }
    let r = if q < 0.0 { p } else { 1.0 - p };
    let r = (-portable::ln(r)).sqrt();
    let value = if r <= 5.0 {
        let r = r - 1.6;
        horner(&AS241_C, r) / horner(&AS241_D, r)
    } else {
        let r = r - 5.0;
        horner(&AS241_E, r) / horner(&AS241_F, r)
    };
    if q < 0.0 { -value } else { value }
}

/// The standard normal distribution function Phi(x), accurate in both tails.
pub fn norm_cdf(x: f64) -> f64 {
    0.5 * portable::erfc(-x / std::f64::consts::SQRT_2)
}

/// A standard normal from a stream.
fn normal(rng: &mut StreamRng) -> f64 {
    inv_norm_cdf(rng.next_open01())
}

/// A Gamma(shape, 1) variate (Marsaglia and Tsang 2000; shape < 1 by the boost
/// Gamma(shape + 1) * U^(1 / shape)).
pub fn gamma(shape: f64, rng: &mut StreamRng) -> f64 {
    gamma_parts(shape, rng).value()
}

/// A gamma variate as `g * u^(1 / shape)` kept in its parts, so that its logarithm can
/// be had where the value itself underflows (shapes far below 1).
#[derive(Debug, Clone, Copy)]
struct GammaParts {
    g: f64,
    u: f64,
    inv_shape: f64,
}

impl GammaParts {
    fn value(self) -> f64 {
        if self.u == 1.0 {
            self.g
        } else {
            self.g * portable::pow(self.u, self.inv_shape)
        }
    }

    fn ln(self) -> f64 {
        portable::ln(self.g) + portable::ln(self.u) * self.inv_shape
    }
}

fn gamma_parts(shape: f64, rng: &mut StreamRng) -> GammaParts {
    if shape < 1.0 {
        let g = gamma(shape + 1.0, rng);
        let u = rng.next_open01();
        return GammaParts {
            g,
            u,
            inv_shape: 1.0 / shape,
        };
    }
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let x = normal(rng);
        let v = 1.0 + c * x;
        if v <= 0.0 {
            continue;
        }
        let v = v * v * v;
        let u = rng.next_open01();
        if u < 1.0 - 0.0331 * x * x * x * x
            || portable::ln(u) < 0.5 * x * x + d * (1.0 - v + portable::ln(v))
        {
            return GammaParts {
                g: d * v,
                u: 1.0,
                inv_shape: 1.0,
            };
        }
    }
}

/// Shape parameters (alpha, beta) of the Beta distribution with this mean and sd.
pub fn beta_shapes(mean: f64, sd: f64) -> (f64, f64) {
    let k = mean * (1.0 - mean) / (sd * sd) - 1.0;
    (mean * k, (1.0 - mean) * k)
}

/// A Beta(alpha, beta) variate as X / (X + Y) of two gammas.
///
/// Exact for every shape validation accepts. With shapes far below 1 (an sd close to
/// its bound sqrt(mean (1 - mean)), e.g. mean 0.5 and sd 0.499 give 0.002 and 0.002)
/// `u^(1 / shape)` underflows, X and Y both become 0 and X / (X + Y) would be 0/0. The
/// same draws then give the result from logarithms, 1 / (1 + exp(ln Y - ln X)). The
/// usual case keeps its bits: only a draw where a gamma underflowed takes the other way.
pub fn beta(alpha: f64, beta: f64, rng: &mut StreamRng) -> f64 {
    let x = gamma_parts(alpha, rng);
    let y = gamma_parts(beta, rng);
    let (xv, yv) = (x.value(), y.value());
    let sum = xv + yv;
    if xv > 0.0 && yv > 0.0 && sum.is_finite() {
        return xv / sum;
    }
    let d = y.ln() - x.ln();
    if d > 0.0 {
        let e = portable::exp(-d);
        e / (1.0 + e)
    } else {
        1.0 / (1.0 + portable::exp(d))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::PathRng;
    use statrs::distribution::{Beta, ContinuousCDF, Normal};

    #[test]
    fn inverse_normal_matches_statrs_everywhere() {
        let n = Normal::standard();
        for &p in &[
            1e-300,
            1e-20,
            1e-10,
            1e-5,
            0.001,
            0.02425,
            0.075,
            0.3,
            0.5,
            0.7,
            0.925,
            0.99,
            1.0 - 1e-12,
        ] {
            let ours = inv_norm_cdf(p);
            let theirs = n.inverse_cdf(p);
            assert!(
                (ours - theirs).abs() <= 1e-9 * theirs.abs().max(1.0),
                "p={p}: {ours} vs {theirs}"
            );
            // Round trip through the distribution function.
            let back = norm_cdf(ours);
            assert!(
                (back - p).abs() <= 1e-12 * p.max(1e-300) + 1e-300,
                "p={p} back={back}"
            );
        }
    }

    #[test]
    fn normal_cdf_known_values() {
        assert!((norm_cdf(0.0) - 0.5).abs() < 1e-16);
        assert!((norm_cdf(1.959964) - 0.975).abs() < 1e-7);
        // Phi(-10) = 7.619853024160526066e-24 (mpmath, 40 digits).
        assert!((norm_cdf(-10.0) / 7.619_853_024_160_526e-24 - 1.0).abs() < 1e-14);
        // Phi^-1(1e-20) = -9.262340089798407574 (mpmath).
        assert!((inv_norm_cdf(1e-20) / -9.262_340_089_798_408 - 1.0).abs() < 1e-15);
    }

    #[test]
    fn beta_near_its_bound_draws_numbers_with_the_right_mean() {
        // Shapes of 0.002 (mean 0.5, sd 0.499) and of 3e-5 (mean 0.02, sd 0.1399):
        // almost every draw underflows to X = Y = 0, which once gave NaN. The sample
        // mean of n draws has standard error sd / sqrt(n) (0.0035 and 0.00099 for
        // n = 20,000); allow 4 of them. Every draw must be a number in [0, 1].
        for &(mean, sd) in &[(0.5, 0.499), (0.02, 0.1399), (0.98, 0.1399)] {
            let (a, b) = beta_shapes(mean, sd);
            let mut rng = PathRng::new(3, 9).stream(crate::rng::LGD_STREAM_BASE);
            let n = 20_000;
            let xs: Vec<f64> = (0..n).map(|_| beta(a, b, &mut rng)).collect();
            assert!(
                xs.iter().all(|x| (0.0..=1.0).contains(x)),
                "mean {mean} sd {sd}"
            );
            let m = xs.iter().sum::<f64>() / n as f64;
            let se = sd / (n as f64).sqrt();
            assert!(
                (m - mean).abs() < 4.0 * se,
                "mean {mean} sd {sd}: sample mean {m}"
            );
            let var = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1) as f64;
            // Near the bound the Beta is nearly Bernoulli(mean): the variance of x^2
            // terms is at most 1/4, so its standard error is below 0.5 / sqrt(n).
            assert!(
                (var - sd * sd).abs() < 4.0 * 0.5 / (n as f64).sqrt(),
                "mean {mean} sd {sd}: sample variance {var}"
            );
        }
    }

    #[test]
    fn beta_sampler_matches_the_beta_distribution() {
        // Kolmogorov-Smirnov distance of 20,000 draws against the exact Beta CDF: the
        // 0.1 % critical value is 1.95 / sqrt(n) = 0.0138.
        for &(mean, sd) in &[(0.7, 0.2), (0.8, 0.15), (0.1, 0.25), (0.5, 0.01)] {
            let (a, b) = beta_shapes(mean, sd);
            let exact = Beta::new(a, b).unwrap();
            let mut rng = PathRng::new(11, 5).stream(crate::rng::LGD_STREAM_BASE);
            let n = 20_000;
            let mut xs: Vec<f64> = (0..n).map(|_| beta(a, b, &mut rng)).collect();
            xs.sort_by(f64::total_cmp);
            let mut d: f64 = 0.0;
            for (i, x) in xs.iter().enumerate() {
                let f = exact.cdf(*x);
                d = d
                    .max((f - i as f64 / n as f64).abs())
                    .max(((i + 1) as f64 / n as f64 - f).abs());
            }
            assert!(
                d < 1.95 / (n as f64).sqrt(),
                "mean {mean} sd {sd}: KS distance {d}"
            );
        }
    }

    /// Two-sample Kolmogorov-Smirnov distance.
    fn ks_distance(mut xs: Vec<f64>, mut ys: Vec<f64>) -> f64 {
        xs.sort_by(f64::total_cmp);
        ys.sort_by(f64::total_cmp);
        let (mut i, mut j, mut d) = (0, 0, 0.0f64);
        while i < xs.len() && j < ys.len() {
            if xs[i] <= ys[j] {
                i += 1;
            } else {
                j += 1;
            }
            d = d.max((i as f64 / xs.len() as f64 - j as f64 / ys.len() as f64).abs());
        }
        d
    }

    #[test]
    fn samplers_agree_with_rand_distr() {
        // Our Beta and gamma against rand_distr's, both drawn from a path stream through
        // its rand_core::Rng implementation (so the trait is checked too), 20,000 draws
        // each from different streams: the two-sample KS critical value at 0.1 % is
        // 1.95 * sqrt(2 / 20,000) = 0.0195.
        use rand_distr::Distribution;
        let n = 20_000;
        let critical = 1.95 * (2.0 / n as f64).sqrt();
        let path = PathRng::new(2026, 3);
        for &(mean, sd) in &[(0.7, 0.2), (0.1, 0.25), (0.5, 0.01)] {
            let (a, b) = beta_shapes(mean, sd);
            let mut ours = path.user_stream(0);
            let mut theirs = path.user_stream(1);
            let exact = rand_distr::Beta::new(a, b).unwrap();
            let xs = (0..n).map(|_| beta(a, b, &mut ours)).collect();
            let ys = (0..n).map(|_| exact.sample(&mut theirs)).collect();
            let d = ks_distance(xs, ys);
            assert!(d < critical, "Beta({a}, {b}): KS distance {d}");
        }
        for &shape in &[0.3, 1.0, 2.5, 40.0] {
            let mut ours = path.user_stream(2);
            let mut theirs = path.user_stream(3);
            let exact = rand_distr::Gamma::new(shape, 1.0).unwrap();
            let xs = (0..n).map(|_| gamma(shape, &mut ours)).collect();
            let ys = (0..n).map(|_| exact.sample(&mut theirs)).collect();
            let d = ks_distance(xs, ys);
            assert!(d < critical, "Gamma({shape}): KS distance {d}");
        }
    }

    #[test]
    fn a_path_stream_is_a_rand_core_rng() {
        // next_u64 gives the stream's words in order, next_u32 their high halves, and
        // fill_bytes the words little-endian.
        use rand_core::Rng;
        let path = PathRng::new(9, 4);
        let (w0, w1) = path.words(USER, 0);
        let (w2, _) = path.words(USER, 1);
        let mut s = path.stream(USER);
        assert_eq!([s.next_u64(), s.next_u64(), s.next_u64()], [w0, w1, w2]);
        let mut s = path.stream(USER);
        assert_eq!(s.next_u32(), (w0 >> 32) as u32);
        let mut bytes = [0u8; 12];
        path.stream(USER).fill_bytes(&mut bytes);
        assert_eq!(bytes[..8], w0.to_le_bytes());
        assert_eq!(bytes[8..], w1.to_le_bytes()[..4]);
    }

    const USER: u32 = crate::rng::USER_STREAM_BASE;
}
