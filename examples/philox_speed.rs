//! Throughput of the Philox batch: `cargo run --release --example philox_speed`.
use cashrisk::rng::{LANES, PathRng};
use std::time::Instant;

fn main() {
    let rng = PathRng::new(1, 2);
    let n = 20_000_000u32;
    let (mut a, mut b) = ([0u64; LANES], [0u64; LANES]);
    let mut acc = 0u64;
    let t = Instant::now();
    let mut i = 0;
    while i < n {
        rng.words_batch(3, i, &mut a, &mut b);
        acc ^= a.iter().fold(0, |x, y| x ^ y) ^ b[3];
        i += LANES as u32;
    }
    let batch = t.elapsed().as_secs_f64() * 1e9 / n as f64;
    let t = Instant::now();
    for i in 0..n {
        acc ^= rng.words(3, i).0;
    }
    let single = t.elapsed().as_secs_f64() * 1e9 / n as f64;
    println!("batch {batch:.2} ns/block, single {single:.2} ns/block ({acc})");
}
