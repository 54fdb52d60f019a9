//! Times the pieces of a run: `cargo run --release --example profile_run -- FILE PATHS`.
use cashrisk::engine::{NoObserver, Scratch, simulate_paths};
use cashrisk::fan::Fan;
use cashrisk::model::Model;
use cashrisk::rng::PATHS;
use cashrisk::scenario::ScenarioFile;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let file = ScenarioFile::load(args[1].as_ref()).unwrap();
    let paths: u64 = args[2].parse().unwrap();
    let model = Model::new(&file.base);
    let mut scratch = Scratch::new(&model);
    let t = Instant::now();
    for k in (0..paths).step_by(PATHS) {
        let lanes: [u64; PATHS] = std::array::from_fn(|p| k + p as u64);
        simulate_paths(&model, &lanes, &mut scratch, &mut NoObserver);
    }
    let a = t.elapsed();
    let mut fan = Fan::new(model.horizon as usize);
    let t = Instant::now();
    for k in (0..paths).step_by(PATHS) {
        let lanes: [u64; PATHS] = std::array::from_fn(|p| k + p as u64);
        simulate_paths(&model, &lanes, &mut scratch, &mut fan);
    }
    let b = t.elapsed();
    let t = Instant::now();
    let rng = cashrisk::rng::PathRng::new(1, 2);
    let mut acc = 0u64;
    let inv = model.invoices_per_path();
    for k in 0..paths * inv {
        acc ^= rng.words(1, k as u32).0;
    }
    let c = t.elapsed();
    println!(
        "{paths} paths, {inv} invoices/path: no fan {:.2} us/path, with fan {:.2} us/path, philox per invoice {:.2} us/path ({acc})",
        a.as_secs_f64() * 1e6 / paths as f64,
        b.as_secs_f64() * 1e6 / paths as f64,
        c.as_secs_f64() * 1e6 / paths as f64
    );
}
