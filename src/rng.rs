//! Random numbers: Philox4x32-10, a counter-based generator, keyed by the seed.
//!
//! Every random number of the model is a pure function of (seed, path, stream, index):
//! the seed is the Philox key and the other three form the 128-bit counter. So path k
//! never depends on any other path (MODEL.md section 10), the thread count cannot
//! change a digit, and a draw exists whether or not the model asks for it: a stress
//! case that changes a pd, an on-time probability or an LGD changes which numbers are
//! *used*, never which number an invoice *gets*. The layout is:
//!
//! | stream            | index   | use                                                   |
//! |-------------------|---------|-------------------------------------------------------|
//! | 0                 | 0       | common factor Z                                       |
//! | 0                 | 1 + m   | demand shock e(m) of month m                          |
//! | 1 + b             | 0       | own factor E(b) of buyer b                             |
//! | 1 + b             | 1 + i   | invoice i of buyer b: first word on time?, second delay |
//! | 2^31 + b          | 0, 1, … | successive words for the Beta LGD of buyer b            |
//!
//! Buyers are numbered from 0: named buyers in file order, then group members.
//! Philox4x32-10 is the generator of Salmon et al. (SC 2011), as in Random123; the
//! known-answer tests below are Random123's.

// Lane-wise code indexes several arrays by the same lane number; iterators would hide
// that the lanes are independent.
#![allow(clippy::needless_range_loop)]

/// One Philox4x32-10 block: 128 random bits from a 128-bit counter and a 64-bit key.
#[inline]
pub fn philox4x32_10(ctr: [u32; 4], key: [u32; 2]) -> [u32; 4] {
    const M0: u64 = 0xD251_1F53;
    const M1: u64 = 0xCD9E_8D57;
    const W0: u32 = 0x9E37_79B9;
    const W1: u32 = 0xBB67_AE85;
    let [mut c0, mut c1, mut c2, mut c3] = ctr;
    let [mut k0, mut k1] = key;
    for round in 0..10 {
        if round > 0 {
            k0 = k0.wrapping_add(W0);
            k1 = k1.wrapping_add(W1);
        }
        let p0 = M0 * c0 as u64;
        let p1 = M1 * c2 as u64;
        let (hi0, lo0) = ((p0 >> 32) as u32, p0 as u32);
        let (hi1, lo1) = ((p1 >> 32) as u32, p1 as u32);
        c0 = hi1 ^ c1 ^ k0;
        c1 = lo1;
        c2 = hi0 ^ c3 ^ k1;
        c3 = lo0;
    }
    [c0, c1, c2, c3]
}

/// Counters per batch of [`PathRng::words_batch`].
pub const LANES: usize = 8;

/// Philox4x32-10 of `LANES` counters at once, written lane-wise so that the compiler
/// turns each round into vector multiplies. Bit-for-bit the same as
/// [`philox4x32_10`] on each lane (integer arithmetic only).
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
#[inline(always)]
fn philox_lanes(
    c: &mut [[u32; LANES]; 4],
    key: [u32; 2],
    out0: &mut [u64; LANES],
    out1: &mut [u64; LANES],
) {
    const M0: u64 = 0xD251_1F53;
    const M1: u64 = 0xCD9E_8D57;
    const W0: u64 = 0x9E37_79B9;
    const W1: u64 = 0xBB67_AE85;
    // Each 32-bit word lives in the low half of a 64-bit lane, so a round is a 32 x 32
    // -> 64 multiply, a shift and xors per lane, with no shuffling. The high halves of
    // the "lo" words are never cleared: the multiply reads only the low 32 bits, and
    // the output is masked at the end.
    let mut x0 = [0u64; LANES];
    let mut x1 = [0u64; LANES];
    let mut x2 = [0u64; LANES];
    let mut x3 = [0u64; LANES];
    for j in 0..LANES {
        x0[j] = c[0][j] as u64;
        x1[j] = c[1][j] as u64;
        x2[j] = c[2][j] as u64;
        x3[j] = c[3][j] as u64;
    }
    let (mut k0, mut k1) = (key[0] as u64, key[1] as u64);
    for round in 0..10 {
        if round > 0 {
            k0 = (k0 + W0) & 0xFFFF_FFFF;
            k1 = (k1 + W1) & 0xFFFF_FFFF;
        }
        for j in 0..LANES {
            let p0 = M0 * (x0[j] & 0xFFFF_FFFF);
            let p1 = M1 * (x2[j] & 0xFFFF_FFFF);
            x0[j] = (p1 >> 32) ^ x1[j] ^ k0;
            x1[j] = p1;
            x2[j] = (p0 >> 32) ^ x3[j] ^ k1;
            x3[j] = p0;
        }
    }
    for j in 0..LANES {
        out0[j] = (x0[j] & 0xFFFF_FFFF) | (x1[j] << 32);
        out1[j] = (x2[j] & 0xFFFF_FFFF) | (x3[j] << 32);
    }
}

/// Philox of a batch: lane-wise on AVX2 where the processor has it (checked once at
/// run time), one block at a time otherwise. Both are the same integer arithmetic, so
/// the numbers do not depend on which version runs (tested against single blocks).
#[inline]
fn philox_batch(
    c: &mut [[u32; LANES]; 4],
    key: [u32; 2],
    out0: &mut [u64; LANES],
    out1: &mut [u64; LANES],
) {
    #[cfg(target_arch = "x86_64")]
    {
        if avx2::available() {
            // SAFETY: `available()` checked that this processor supports AVX2, the
            // only requirement of `philox_lanes_avx2`.
            unsafe { avx2::philox_lanes_avx2(c, key, out0, out1) };
            return;
        }
    }
    // Without AVX2 the lane-wise code is slower than one block at a time.
    for j in 0..LANES {
        let out = philox4x32_10([c[0][j], c[1][j], c[2][j], c[3][j]], key);
        out0[j] = out[0] as u64 | ((out[1] as u64) << 32);
        out1[j] = out[2] as u64 | ((out[3] as u64) << 32);
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{LANES, philox_lanes};
    use std::sync::atomic::{AtomicU8, Ordering};

    static STATE: AtomicU8 = AtomicU8::new(0);

    /// True when the processor has AVX2 (detected once, then cached).
    #[inline]
    pub fn available() -> bool {
        match STATE.load(Ordering::Relaxed) {
            1 => true,
            2 => false,
            _ => {
                let yes = std::is_x86_feature_detected!("avx2");
                STATE.store(if yes { 1 } else { 2 }, Ordering::Relaxed);
                yes
            }
        }
    }

    /// [`philox_lanes`] compiled for AVX2.
    #[target_feature(enable = "avx2")]
    pub fn philox_lanes_avx2(
        c: &mut [[u32; LANES]; 4],
        key: [u32; 2],
        out0: &mut [u64; LANES],
        out1: &mut [u64; LANES],
    ) {
        philox_lanes(c, key, out0, out1)
    }
}

/// A uniform number in the open interval (0, 1) from the top 52 bits of a word:
/// (k + 1/2) / 2^52, so the smallest is 2^-53 and the largest 1 - 2^-53 (both exact).
#[inline]
pub fn open01(word: u64) -> f64 {
    ((word >> 12) as f64 + 0.5) * (1.0 / 4_503_599_627_370_496.0)
}

/// First stream of the Beta LGD words of a buyer.
pub const LGD_STREAM_BASE: u32 = 1 << 31;

/// The random numbers of one path.
#[derive(Debug, Clone, Copy)]
pub struct PathRng {
    key: [u32; 2],
    path_lo: u32,
    path_hi: u32,
}

impl PathRng {
    /// The numbers of path `path` under `seed`.
    #[inline]
    pub fn new(seed: u64, path: u64) -> PathRng {
        PathRng {
            key: [seed as u32, (seed >> 32) as u32],
            path_lo: path as u32,
            path_hi: (path >> 32) as u32,
        }
    }

    /// The two 64-bit words at (stream, index).
    #[inline]
    pub fn words(&self, stream: u32, index: u32) -> (u64, u64) {
        let out = philox4x32_10([index, stream, self.path_lo, self.path_hi], self.key);
        (
            (out[0] as u64) | ((out[1] as u64) << 32),
            (out[2] as u64) | ((out[3] as u64) << 32),
        )
    }

    /// The words at (stream, first + j) for j = 0..LANES: first words in `out0`, second
    /// words in `out1`. Identical to calling [`PathRng::words`] per index.
    #[inline]
    pub fn words_batch(
        &self,
        stream: u32,
        first: u32,
        out0: &mut [u64; LANES],
        out1: &mut [u64; LANES],
    ) {
        let mut c = [[0u32; LANES]; 4];
        for j in 0..LANES {
            c[0][j] = first.wrapping_add(j as u32);
            c[1][j] = stream;
            c[2][j] = self.path_lo;
            c[3][j] = self.path_hi;
        }
        philox_batch(&mut c, self.key, out0, out1);
    }

    /// A uniform in (0, 1) from the first word at (stream, index).
    #[inline]
    pub fn uniform(&self, stream: u32, index: u32) -> f64 {
        open01(self.words(stream, index).0)
    }

    /// A sequential source of uniforms on one stream, for rejection samplers.
    pub fn stream(&self, stream: u32) -> StreamRng {
        StreamRng {
            rng: *self,
            stream,
            index: 0,
            spare: None,
        }
    }
}

/// Successive uniforms from one stream of a path: words (index 0, first), (0, second),
/// (1, first), ...
#[derive(Debug, Clone)]
pub struct StreamRng {
    rng: PathRng,
    stream: u32,
    index: u32,
    spare: Option<u64>,
}

impl StreamRng {
    /// The next uniform in (0, 1).
    pub fn next_open01(&mut self) -> f64 {
        if let Some(w) = self.spare.take() {
            return open01(w);
        }
        let (a, b) = self.rng.words(self.stream, self.index);
        self.index = self.index.wrapping_add(1);
        self.spare = Some(b);
        open01(a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random123_known_answers() {
        assert_eq!(
            philox4x32_10([0, 0, 0, 0], [0, 0]),
            [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]
        );
        assert_eq!(
            philox4x32_10([u32::MAX; 4], [u32::MAX; 2]),
            [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]
        );
        assert_eq!(
            philox4x32_10(
                [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
                [0xa4093822, 0x299f31d0]
            ),
            [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]
        );
    }

    #[test]
    fn lane_wise_code_equals_single_blocks() {
        let mut c = [[0u32; LANES]; 4];
        for j in 0..LANES {
            c[0][j] = u32::MAX - j as u32;
            c[1][j] = 5;
            c[2][j] = 0xFFFF_0000 + j as u32;
            c[3][j] = 9;
        }
        let key = [0xA409_3822, 0x299F_31D0];
        let (mut a, mut b) = ([0; LANES], [0; LANES]);
        philox_lanes(&mut c.clone(), key, &mut a, &mut b);
        for j in 0..LANES {
            let out = philox4x32_10([c[0][j], c[1][j], c[2][j], c[3][j]], key);
            assert_eq!(a[j], out[0] as u64 | ((out[1] as u64) << 32));
            assert_eq!(b[j], out[2] as u64 | ((out[3] as u64) << 32));
        }
    }

    #[test]
    fn batches_equal_single_blocks() {
        let rng = PathRng::new(0xDEAD_BEEF_0123, 77);
        let (mut a, mut b) = ([0; LANES], [0; LANES]);
        rng.words_batch(9, u32::MAX - 3, &mut a, &mut b);
        for j in 0..LANES {
            let (x, y) = rng.words(9, (u32::MAX - 3).wrapping_add(j as u32));
            assert_eq!((a[j], b[j]), (x, y), "lane {j}");
        }
    }

    #[test]
    fn open01_never_reaches_the_ends() {
        assert!(open01(0) > 0.0);
        assert!(open01(u64::MAX) < 1.0);
        assert_eq!(open01(0), 0.5 / 4_503_599_627_370_496.0);
        assert_eq!(open01(u64::MAX), 1.0 - 0.5 / 4_503_599_627_370_496.0);
    }

    #[test]
    fn uniforms_have_the_right_mean_and_variance() {
        // 200,000 uniforms: the mean has sd sqrt(1/12/n) = 0.000645; allow 4 sd.
        let rng = PathRng::new(7, 3);
        let n = 200_000u32;
        let (mut s, mut s2) = (0.0, 0.0);
        for i in 0..n {
            let u = rng.uniform(5, i);
            s += u;
            s2 += u * u;
        }
        let mean = s / n as f64;
        let var = s2 / n as f64 - mean * mean;
        assert!(
            (mean - 0.5).abs() < 4.0 * (1.0 / 12.0 / n as f64).sqrt(),
            "mean {mean}"
        );
        // var of U^2 part: Var(U^2) = 4/45; sd of the variance estimate about sqrt(4/45/n).
        assert!(
            (var - 1.0 / 12.0).abs() < 4.0 * (4.0 / 45.0 / n as f64).sqrt(),
            "var {var}"
        );
    }

    #[test]
    fn paths_and_streams_are_distinct() {
        let a = PathRng::new(1, 0).words(1, 1);
        let b = PathRng::new(1, 1).words(1, 1);
        let c = PathRng::new(2, 0).words(1, 1);
        let d = PathRng::new(1, 0).words(2, 1);
        assert!(a != b && a != c && a != d && b != c);
    }
}
