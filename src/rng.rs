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
//! | 0                 | 2^31 + c | country c (file order): first word its factor C(c), second its event uniform U(c) |
//! | 1 + b             | 0       | own factor E(b) of buyer b                             |
//! | 1 + b             | 1 + i   | invoice i of buyer b: first word on time?, second delay |
//! | 1 + b             | 2^31    | monitoring of buyer b (MODEL.md 16): first word V(b), second V2(b) |
//! | 2^30 + b          | j       | opening receivable j of buyer b (file order): first word on time?, second delay |
//! | 2^31 + b          | 0, 1, … | successive words for the Beta LGD of buyer b            |
//! | 3 * 2^30 + k      | 0, 1, … | never read by the model: a library user's own stream k  |
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

/// Counters per batch of [`PathRng::words_batch`] and [`PathsRng::fill`].
pub const LANES: usize = 32;

/// Paths simulated together, one per lane of a vector (see [`PathsRng`]).
pub const PATHS: usize = 8;

/// The counters of one batch, lane by lane: index, stream and the path's low and high
/// halves.
#[derive(Debug, Clone, Copy)]
struct Batch<'a> {
    index: &'a [u32; LANES],
    stream: &'a [u32; LANES],
    path: [&'a [u32; LANES]; 2],
}

/// Philox of a batch: with AVX-512 or AVX2 where the processor has them (checked once
/// at run time), one block at a time otherwise. All three are the same integer
/// arithmetic, so the numbers do not depend on which version runs (tested against
/// single blocks).
#[inline]
fn philox_batch(c: Batch, key: [u32; 2], out0: &mut [u64; LANES], out1: &mut [u64; LANES]) {
    #[cfg(target_arch = "x86_64")]
    {
        match simd::level() {
            simd::Level::Avx512 => {
                // SAFETY: `level()` checked that this processor supports AVX-512F, the
                // only requirement of `philox_avx512`.
                unsafe { simd::philox_avx512(c, key, out0, out1) };
                return;
            }
            simd::Level::Avx2 => {
                // SAFETY: `level()` checked that this processor supports AVX2, the
                // only requirement of `philox_avx2`.
                unsafe { simd::philox_avx2(c, key, out0, out1) };
                return;
            }
            simd::Level::None => {}
        }
    }
    philox_scalar(c, key, out0, out1);
}

/// The vector instructions the engine and the generator use. Every level gives the
/// same numbers to the last bit (the tests run the examples at each level the
/// processor has and compare); the environment variable `CASHRISK_SIMD` (`portable`,
/// `avx2` or `avx512`) lowers the level, to test or to time one, but never raises it
/// above what the processor has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SimdLevel {
    /// Plain scalar code, on any processor.
    Portable,
    /// AVX2 (x86-64).
    Avx2,
    /// AVX-512F (x86-64).
    Avx512,
}

impl SimdLevel {
    /// The name `CASHRISK_SIMD` uses.
    pub fn name(self) -> &'static str {
        match self {
            SimdLevel::Portable => "portable",
            SimdLevel::Avx2 => "avx2",
            SimdLevel::Avx512 => "avx512",
        }
    }

    /// The level `CASHRISK_SIMD` asks for: `Ok(None)` when it is not set, `Err` with
    /// the value when it is not one of the names.
    pub fn requested() -> Result<Option<SimdLevel>, String> {
        let Some(value) = std::env::var_os("CASHRISK_SIMD") else {
            return Ok(None);
        };
        let value = value.to_string_lossy();
        [SimdLevel::Portable, SimdLevel::Avx2, SimdLevel::Avx512]
            .into_iter()
            .find(|l| l.name() == value.trim().to_ascii_lowercase())
            .map(Some)
            .ok_or_else(|| value.into_owned())
    }

    /// The widest level this processor has.
    pub fn detected() -> SimdLevel {
        #[cfg(target_arch = "x86_64")]
        {
            match simd::detected() {
                simd::Level::Avx512 => SimdLevel::Avx512,
                simd::Level::Avx2 => SimdLevel::Avx2,
                simd::Level::None => SimdLevel::Portable,
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            SimdLevel::Portable
        }
    }

    /// The level in use in this process.
    pub fn in_use() -> SimdLevel {
        #[cfg(target_arch = "x86_64")]
        {
            match simd::level() {
                simd::Level::Avx512 => SimdLevel::Avx512,
                simd::Level::Avx2 => SimdLevel::Avx2,
                simd::Level::None => SimdLevel::Portable,
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            SimdLevel::Portable
        }
    }
}

/// True when the engine's lane loops may use AVX-512F: the processor has it and
/// `CASHRISK_SIMD` does not lower the level (decided once).
#[inline]
pub fn has_avx512() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        simd::level() == simd::Level::Avx512
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// [`philox_batch`] one block at a time: the reference the vector versions are tested
/// against, and the version for processors without AVX2.
fn philox_scalar(c: Batch, key: [u32; 2], out0: &mut [u64; LANES], out1: &mut [u64; LANES]) {
    for j in 0..LANES {
        let out = philox4x32_10([c.index[j], c.stream[j], c.path[0][j], c.path[1][j]], key);
        out0[j] = out[0] as u64 | ((out[1] as u64) << 32);
        out1[j] = out[2] as u64 | ((out[3] as u64) << 32);
    }
}

/// Philox4x32-10 in vector registers. Each 32-bit counter word sits in the low half of
/// a 64-bit lane, so a round is one 32 x 32 -> 64 multiply (`vpmuludq`, which reads only
/// the low halves), one shift and one three-way xor per pair of words, with no
/// shuffling. The high halves collect garbage that no multiply reads; the output is
/// masked at the end. Four groups of lanes are interleaved in every round, so that the
/// multiplies of one group run while the others wait for their results (one group at
/// a time is about 1.7 times slower: the multiply's latency, not its throughput, would
/// set the pace).
#[cfg(target_arch = "x86_64")]
mod simd {
    use super::{Batch, LANES};
    use std::arch::x86_64::*;
    use std::sync::atomic::{AtomicU8, Ordering};

    const M0: i64 = 0xD251_1F53;
    const M1: i64 = 0xCD9E_8D57;
    const W0: u32 = 0x9E37_79B9;
    const W1: u32 = 0xBB67_AE85;

    /// The widest vector instructions this processor has.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Level {
        Avx512,
        Avx2,
        None,
    }

    static LEVEL: AtomicU8 = AtomicU8::new(0);

    /// The widest level this processor has.
    pub fn detected() -> Level {
        if std::is_x86_feature_detected!("avx512f") {
            Level::Avx512
        } else if std::is_x86_feature_detected!("avx2") {
            Level::Avx2
        } else {
            Level::None
        }
    }

    /// The level in use: the detected one, lowered by `CASHRISK_SIMD` (never raised
    /// above what the processor has); decided once, then cached.
    #[inline]
    pub fn level() -> Level {
        match LEVEL.load(Ordering::Relaxed) {
            1 => Level::Avx512,
            2 => Level::Avx2,
            3 => Level::None,
            _ => {
                let detected = detected();
                let level = match super::SimdLevel::requested() {
                    Ok(Some(super::SimdLevel::Portable)) => Level::None,
                    Ok(Some(super::SimdLevel::Avx2)) if detected == Level::Avx512 => Level::Avx2,
                    _ => detected,
                };
                let code = match level {
                    Level::Avx512 => 1,
                    Level::Avx2 => 2,
                    Level::None => 3,
                };
                LEVEL.store(code, Ordering::Relaxed);
                level
            }
        }
    }

    /// The round keys: the key plus k times the Weyl constants, k = 0..10.
    #[inline(always)]
    fn round_keys(key: [u32; 2]) -> [[i64; 2]; 10] {
        let mut keys = [[0i64; 2]; 10];
        for (k, rk) in keys.iter_mut().enumerate() {
            let k = k as u32;
            *rk = [
                key[0].wrapping_add(W0.wrapping_mul(k)) as i64,
                key[1].wrapping_add(W1.wrapping_mul(k)) as i64,
            ];
        }
        keys
    }

    /// 32 blocks with AVX-512F: four groups of 8 lanes.
    #[target_feature(enable = "avx512f")]
    pub fn philox_avx512(
        c: Batch,
        key: [u32; 2],
        out0: &mut [u64; LANES],
        out1: &mut [u64; LANES],
    ) {
        let keys = round_keys(key);
        let (m0, m1) = (_mm512_set1_epi64(M0), _mm512_set1_epi64(M1));
        let low = _mm512_set1_epi64(0xFFFF_FFFF);
        // SAFETY (all loads and stores): each reads or writes 8 elements at offset
        // 8 * g <= 24 of an array of 32, so within bounds; unaligned forms are used.
        let load = |w: &[u32; LANES], g: usize| unsafe {
            _mm512_cvtepu32_epi64(_mm256_loadu_si256(w.as_ptr().add(8 * g) as *const __m256i))
        };
        let mut x = [[_mm512_setzero_si512(); 4]; 4];
        for (g, xg) in x.iter_mut().enumerate() {
            *xg = [
                load(c.index, g),
                load(c.stream, g),
                load(c.path[0], g),
                load(c.path[1], g),
            ];
        }
        for rk in &keys {
            let (k0, k1) = (_mm512_set1_epi64(rk[0]), _mm512_set1_epi64(rk[1]));
            for xg in x.iter_mut() {
                let p0 = _mm512_mul_epu32(xg[0], m0);
                let p1 = _mm512_mul_epu32(xg[2], m1);
                // 0x96: a ^ b ^ c.
                xg[0] = _mm512_ternarylogic_epi64::<0x96>(_mm512_srli_epi64::<32>(p1), xg[1], k0);
                xg[1] = p1;
                xg[2] = _mm512_ternarylogic_epi64::<0x96>(_mm512_srli_epi64::<32>(p0), xg[3], k1);
                xg[3] = p0;
            }
        }
        for (g, xg) in x.iter().enumerate() {
            let w0 = _mm512_or_si512(_mm512_and_si512(xg[0], low), _mm512_slli_epi64::<32>(xg[1]));
            let w1 = _mm512_or_si512(_mm512_and_si512(xg[2], low), _mm512_slli_epi64::<32>(xg[3]));
            unsafe {
                _mm512_storeu_si512(out0.as_mut_ptr().add(8 * g) as *mut __m512i, w0);
                _mm512_storeu_si512(out1.as_mut_ptr().add(8 * g) as *mut __m512i, w1);
            }
        }
    }

    /// 32 blocks with AVX2: two rounds of four groups of 4 lanes.
    #[target_feature(enable = "avx2")]
    pub fn philox_avx2(c: Batch, key: [u32; 2], out0: &mut [u64; LANES], out1: &mut [u64; LANES]) {
        let keys = round_keys(key);
        let (m0, m1) = (_mm256_set1_epi64x(M0), _mm256_set1_epi64x(M1));
        let low = _mm256_set1_epi64x(0xFFFF_FFFF);
        // SAFETY (all loads and stores): each reads or writes 4 elements at offset
        // 4 * g <= 28 of an array of 32, so within bounds; unaligned forms are used.
        let load = |w: &[u32; LANES], g: usize| unsafe {
            _mm256_cvtepu32_epi64(_mm_loadu_si128(w.as_ptr().add(4 * g) as *const __m128i))
        };
        for half in 0..2 {
            let mut x = [[_mm256_setzero_si256(); 4]; 4];
            for (g, xg) in x.iter_mut().enumerate() {
                *xg = [
                    load(c.index, 4 * half + g),
                    load(c.stream, 4 * half + g),
                    load(c.path[0], 4 * half + g),
                    load(c.path[1], 4 * half + g),
                ];
            }
            for rk in &keys {
                let (k0, k1) = (_mm256_set1_epi64x(rk[0]), _mm256_set1_epi64x(rk[1]));
                for xg in x.iter_mut() {
                    let p0 = _mm256_mul_epu32(xg[0], m0);
                    let p1 = _mm256_mul_epu32(xg[2], m1);
                    xg[0] =
                        _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64::<32>(p1), xg[1]), k0);
                    xg[1] = p1;
                    xg[2] =
                        _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64::<32>(p0), xg[3]), k1);
                    xg[3] = p0;
                }
            }
            for (g, xg) in x.iter().enumerate() {
                let at = 4 * (4 * half + g);
                let w0 =
                    _mm256_or_si256(_mm256_and_si256(xg[0], low), _mm256_slli_epi64::<32>(xg[1]));
                let w1 =
                    _mm256_or_si256(_mm256_and_si256(xg[2], low), _mm256_slli_epi64::<32>(xg[3]));
                unsafe {
                    _mm256_storeu_si256(out0.as_mut_ptr().add(at) as *mut __m256i, w0);
                    _mm256_storeu_si256(out1.as_mut_ptr().add(at) as *mut __m256i, w1);
                }
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::super::{Batch, LANES, philox_scalar};
        use super::*;

        fn counters() -> ([u32; LANES], [u32; LANES]) {
            let (mut index, mut stream) = ([0u32; LANES], [0u32; LANES]);
            for j in 0..LANES {
                index[j] = u32::MAX - 7 * j as u32;
                stream[j] = 5 + ((3 * j as u32) << 20);
            }
            (index, stream)
        }

        type Kernel = unsafe fn(Batch, [u32; 2], &mut [u64; LANES], &mut [u64; LANES]);

        fn check(kernel: Kernel) {
            let (index, stream) = counters();
            let lanes = |f: fn(u32) -> u32| std::array::from_fn(|j| f(j as u32));
            for (path, key) in [
                (
                    [[0xFFFF_0000; LANES], [9; LANES]],
                    [0xA409_3822, 0x299F_31D0],
                ),
                ([[3; LANES], [0; LANES]], [u32::MAX, 7]),
                ([lanes(|j| j * 77), lanes(|j| u32::MAX - j)], [1, 2]),
            ] {
                let path = [&path[0], &path[1]];
                let c = Batch {
                    index: &index,
                    stream: &stream,
                    path,
                };
                let (mut a, mut b, mut x, mut y) = ([0; LANES], [0; LANES], [0; LANES], [0; LANES]);
                // SAFETY: the callers checked the kernel's processor feature.
                unsafe { kernel(c, key, &mut a, &mut b) };
                philox_scalar(c, key, &mut x, &mut y);
                assert_eq!((a, b), (x, y));
            }
        }

        #[test]
        fn avx512_equals_single_blocks() {
            if std::is_x86_feature_detected!("avx512f") {
                check(philox_avx512);
            } else {
                println!("SKIPPED: this processor has no avx512f");
            }
        }

        #[test]
        fn avx2_equals_single_blocks() {
            if std::is_x86_feature_detected!("avx2") {
                check(philox_avx2);
            } else {
                println!("SKIPPED: this processor has no avx2");
            }
        }
    }
}

/// The counters of a fixed list of draws of a path, (stream, index) each, in batches
/// of [`LANES`]: built once per model, filled with words once per [`PATHS`] paths by
/// [`PathsRng::fill`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DrawList {
    /// The counters, each draw repeated [`PATHS`] times (once per path of a group).
    wide_index: Vec<[u32; LANES]>,
    wide_stream: Vec<[u32; LANES]>,
    len: usize,
}

impl DrawList {
    /// Adds the draw at (stream, index); returns its position in the list.
    pub fn push(&mut self, stream: u32, index: u32) -> usize {
        let (batch, lane) = (self.len * PATHS / LANES, self.len * PATHS % LANES);
        if lane == 0 {
            self.wide_index.push([0; LANES]);
            self.wide_stream.push([0; LANES]);
        }
        self.wide_index[batch][lane..lane + PATHS].fill(index);
        self.wide_stream[batch][lane..lane + PATHS].fill(stream);
        self.len += 1;
        self.len - 1
    }

    /// Number of draws.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True without draws.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Length of the word buffers [`PathsRng::fill`] needs: whole batches.
    pub fn wide_len(&self) -> usize {
        self.wide_index.len() * LANES
    }

    /// The batches that hold the draws `start..end` (for `start < end`).
    fn batches(&self, start: usize, end: usize) -> std::ops::Range<usize> {
        start * PATHS / LANES..(end * PATHS).div_ceil(LANES)
    }
}

/// Philox of every batch of counters, the path halves given per lane.
fn fill_batches(
    key: [u32; 2],
    (index, stream): (&[[u32; LANES]], &[[u32; LANES]]),
    path: [&[u32; LANES]; 2],
    out0: &mut [u64],
    out1: &mut [u64],
) {
    let batches = index.iter().zip(stream);
    let outs = out0
        .chunks_exact_mut(LANES)
        .zip(out1.chunks_exact_mut(LANES));
    for ((index, stream), (o0, o1)) in batches.zip(outs) {
        let (o0, o1) = (
            o0.try_into().expect("chunks of LANES"),
            o1.try_into().expect("chunks of LANES"),
        );
        philox_batch(
            Batch {
                index,
                stream,
                path,
            },
            key,
            o0,
            o1,
        );
    }
}

/// A uniform number in the open interval (0, 1) from the top 52 bits of a word:
/// (k + 1/2) / 2^52, so the smallest is 2^-53 and the largest 1 - 2^-53 (both exact).
#[inline]
pub fn open01(word: u64) -> f64 {
    ((word >> 12) as f64 + 0.5) * (1.0 / 4_503_599_627_370_496.0)
}

/// Index in stream 0 of country c's two words (MODEL.md section 17): 2^31 + c, the
/// first word its factor C(c) = Phi^-1(u), the second its event uniform U(c). Month
/// shocks use indices 1 + m, far below.
pub const COUNTRY_INDEX_BASE: u32 = 1 << 31;

/// First stream of the opening receivables of a buyer (MODEL.md section 20): stream
/// 2^30 + b, index j for the buyer's j-th opening receivable in file order.
pub const OPENING_STREAM_BASE: u32 = 1 << 30;

/// First stream of the Beta LGD words of a buyer.
pub const LGD_STREAM_BASE: u32 = 1 << 31;

/// First of the streams the model never reads: buyers are far fewer than 2^30, so the
/// LGD streams end below it. [`PathRng::user_stream`] hands them out.
pub const USER_STREAM_BASE: u32 = 3 << 30;

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
        let index = std::array::from_fn(|j| first.wrapping_add(j as u32));
        let c = Batch {
            index: &index,
            stream: &[stream; LANES],
            path: [&[self.path_lo; LANES], &[self.path_hi; LANES]],
        };
        philox_batch(c, self.key, out0, out1);
    }

    /// A uniform in (0, 1) from the first word at (stream, index).
    #[inline]
    pub fn uniform(&self, stream: u32, index: u32) -> f64 {
        open01(self.words(stream, index).0)
    }

    /// Stream `k` of the streams the model never reads (from [`USER_STREAM_BASE`]),
    /// for a library user's own draws on this path.
    pub fn user_stream(&self, k: u32) -> StreamRng {
        self.stream(USER_STREAM_BASE.saturating_add(k))
    }

    /// A sequential source of words on one stream, for rejection samplers.
    pub fn stream(&self, stream: u32) -> StreamRng {
        StreamRng {
            rng: *self,
            stream,
            index: 0,
            spare: None,
        }
    }
}

/// The random numbers of [`PATHS`] paths at once, for the engine's lanes: the words
/// of path `paths[p]` are those of `PathRng::new(seed, paths[p])`.
#[derive(Debug, Clone)]
pub struct PathsRng {
    key: [u32; 2],
    /// Low and high halves of the path of each Philox lane: lane j has path j % PATHS.
    path: [[u32; LANES]; 2],
}

impl PathsRng {
    /// The numbers of the paths `paths` under `seed`.
    pub fn new(seed: u64, paths: &[u64; PATHS]) -> PathsRng {
        PathsRng {
            key: [seed as u32, (seed >> 32) as u32],
            path: [
                std::array::from_fn(|j| paths[j % PATHS] as u32),
                std::array::from_fn(|j| (paths[j % PATHS] >> 32) as u32),
            ],
        }
    }

    /// The words of every draw of `list` for every path, draw-major: draw k of path p
    /// at `k * PATHS + p`, first words in `out0`, second words in `out1` (both
    /// [`DrawList::wide_len`] long).
    #[inline]
    pub fn fill(&self, list: &DrawList, out0: &mut [u64], out1: &mut [u64]) {
        let path = [&self.path[0], &self.path[1]];
        let counters = (&list.wide_index[..], &list.wide_stream[..]);
        fill_batches(self.key, counters, path, out0, out1);
    }

    /// Fills `window` with the words of the next stretch of `list`: the draws from
    /// where the last stretch ended (0 after [`WordWindow::restart`]) to `end`. The
    /// words are those [`PathsRng::fill`] gives, each batch computed once: the batch
    /// the last stretch ended in moves to the front of the window, the rest is filled
    /// just before use.
    #[inline]
    pub fn fill_window(&self, list: &DrawList, end: usize, window: &mut WordWindow) {
        let start = window.end;
        if end <= start {
            return;
        }
        window.end = end;
        let batches = list.batches(start, end);
        let kept = batches.start.max(window.base)..window.filled.max(batches.start);
        let from = (kept.start - window.base) * LANES..(kept.end - window.base) * LANES;
        window.first.copy_within(from.clone(), 0);
        window.second.copy_within(from, 0);
        window.base = batches.start;
        let todo = kept.end..batches.end;
        let path = [&self.path[0], &self.path[1]];
        let counters = (
            &list.wide_index[todo.clone()],
            &list.wide_stream[todo.clone()],
        );
        let at = (todo.start - window.base) * LANES..(todo.end - window.base) * LANES;
        fill_batches(
            self.key,
            counters,
            path,
            &mut window.first[at.clone()],
            &mut window.second[at],
        );
        window.filled = batches.end;
    }
}

/// The words of one stretch of a [`DrawList`] (a buyer's draws) for the [`PATHS`]
/// paths of a group, filled by [`PathsRng::fill_window`]. Only the stretch in use is
/// held, so the buffer is a few kilobytes whatever the number of buyers and stays in
/// the first-level cache.
#[derive(Debug, Clone, Default)]
pub struct WordWindow {
    /// First words, draw-major ([`WordWindow::at`]).
    pub first: Vec<u64>,
    /// Second words, likewise.
    pub second: Vec<u64>,
    /// The batch of the list held at the start of the window.
    base: usize,
    /// Batches of the list filled so far: the window holds those from `base` on.
    filled: usize,
    /// Where the current stretch of draws ends.
    end: usize,
}

impl WordWindow {
    /// A window for the stretches of `list` that end at `ends` (each stretch starts
    /// where the one before ends, the first at 0).
    pub fn new(list: &DrawList, ends: impl IntoIterator<Item = usize>) -> WordWindow {
        let mut start = 0;
        let mut batches = 0;
        for end in ends {
            batches = batches.max(list.batches(start, end.max(start)).len());
            start = end;
        }
        WordWindow {
            first: vec![0; batches * LANES],
            second: vec![0; batches * LANES],
            base: 0,
            filled: 0,
            end: 0,
        }
    }

    /// Empties the window for a new group of paths.
    pub fn restart(&mut self) {
        (self.base, self.filled, self.end) = (0, 0, 0);
    }

    /// The position of the words of draw `draw` of path `p` (of the current stretch).
    #[inline(always)]
    pub fn at(&self, draw: usize, p: usize) -> usize {
        draw * PATHS + p - self.base * LANES
    }

    /// The first and the second words of the draws `draws` (of the current stretch),
    /// every path's, draw-major.
    pub fn words(&self, draws: std::ops::Range<usize>) -> [&[u64]; 2] {
        let at = self.at(draws.start, 0)..self.at(draws.end, 0);
        [&self.first[at.clone()], &self.second[at]]
    }
}

/// Successive words of one stream of a path: (index 0, first), (0, second),
/// (1, first), ...
///
/// It implements [`rand_core::Rng`] (rand's `RngCore` before rand 0.10), so a library
/// user can draw from any `rand_distr` distribution on a path's own stream, reproducibly
/// and independently of the model's numbers when the stream is one of
/// [`PathRng::user_stream`]:
///
/// ```
/// use cashrisk::rng::PathRng;
/// use rand_core::Rng;
/// let mut stream = PathRng::new(20261128, 7).user_stream(0);
/// let first = stream.next_u64();
/// assert_eq!(first, PathRng::new(20261128, 7).user_stream(0).next_u64());
/// ```
#[derive(Debug, Clone)]
pub struct StreamRng {
    rng: PathRng,
    stream: u32,
    index: u32,
    spare: Option<u64>,
}

impl StreamRng {
    /// The next word of the stream.
    #[inline]
    pub fn next_word(&mut self) -> u64 {
        if let Some(w) = self.spare.take() {
            return w;
        }
        let (a, b) = self.rng.words(self.stream, self.index);
        self.index = self.index.wrapping_add(1);
        self.spare = Some(b);
        a
    }

    /// The next uniform in (0, 1) ([`open01`] of the next word).
    pub fn next_open01(&mut self) -> f64 {
        open01(self.next_word())
    }
}

/// Every word is a whole Philox output word: `next_u32` is the high half of the next
/// word (the low half is not kept), `fill_bytes` takes words little-endian.
impl rand_core::TryRng for StreamRng {
    type Error = rand_core::Infallible;

    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok((self.next_word() >> 32) as u32)
    }

    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        Ok(self.next_word())
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        rand_core::utils::fill_bytes_via_next_word(dst, || Ok(self.next_word()))
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
    fn a_draw_list_gives_the_words_of_its_counters() {
        let rng = PathRng::new(0x0123_4567_89AB_CDEF, (7 << 32) + 5);
        let mut list = DrawList::default();
        let counters: Vec<(u32, u32)> = (0..70u32).map(|k| (1 + k % 9, k * k)).collect();
        for &(stream, index) in &counters {
            list.push(stream, index);
        }
        // 70 draws of 8 paths: 560 words, in whole batches of 32.
        assert_eq!((list.len(), list.wide_len()), (70, 18 * LANES));
        let (mut a, mut b) = (vec![0; list.wide_len()], vec![0; list.wide_len()]);
        let path = (7 << 32) + 5;
        PathsRng::new(0x0123_4567_89AB_CDEF, &[path; PATHS]).fill(&list, &mut a, &mut b);
        for (k, &(stream, index)) in counters.iter().enumerate() {
            for p in 0..PATHS {
                let at = k * PATHS + p;
                assert_eq!((a[at], b[at]), rng.words(stream, index), "draw {k}");
            }
        }
    }

    #[test]
    fn a_wide_fill_gives_each_path_its_own_words() {
        let mut list = DrawList::default();
        let counters: Vec<(u32, u32)> = (0..37u32).map(|k| (2 + k % 5, 3 * k)).collect();
        for &(stream, index) in &counters {
            list.push(stream, index);
        }
        assert_eq!(list.wide_len(), 10 * LANES);
        let paths: [u64; PATHS] = std::array::from_fn(|p| ((p as u64) << 31) | (9 * p as u64));
        let rng = PathsRng::new(0xFEED_0000_1234, &paths);
        let (mut a, mut b) = (vec![0; list.wide_len()], vec![0; list.wide_len()]);
        rng.fill(&list, &mut a, &mut b);
        // A stretch at a time in a window, as the engine fills them (stretches that
        // start and end inside a batch, empty ones, one of a single draw, one longer
        // than the others), twice as for two groups of paths: the same words.
        let ends = [0, 1, 5, 5, 6, 20, 37];
        let mut window = WordWindow::new(&list, ends);
        assert_eq!(
            window.first.len(),
            5 * LANES,
            "the longest stretch in batches: 20..37"
        );
        for _ in 0..2 {
            window.restart();
            let mut start = 0;
            for end in ends {
                rng.fill_window(&list, end, &mut window);
                for k in start..end {
                    for p in 0..PATHS {
                        let at = window.at(k, p);
                        assert_eq!(
                            (window.first[at], window.second[at]),
                            (a[k * PATHS + p], b[k * PATHS + p]),
                            "draw {k} path {p}"
                        );
                    }
                }
                start = end;
            }
        }
        for (p, &path) in paths.iter().enumerate() {
            let single = PathRng::new(0xFEED_0000_1234, path);
            for (k, &(stream, index)) in counters.iter().enumerate() {
                let at = k * PATHS + p;
                assert_eq!(
                    (a[at], b[at]),
                    single.words(stream, index),
                    "draw {k} path {p}"
                );
            }
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
