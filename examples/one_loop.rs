//! Runs the path loop only (for instruction counts under callgrind):
//! `cargo run --release --example one_loop -- FILE PATHS`.
use cashrisk::engine::{NoObserver, Scratch, simulate_paths};
use cashrisk::model::Model;
use cashrisk::rng::PATHS;
use cashrisk::scenario::ScenarioFile;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let file = ScenarioFile::load(args[1].as_ref()).unwrap();
    let paths: u64 = args[2].parse().unwrap();
    let model = Model::new(&file.base);
    let mut scratch = Scratch::new(&model);
    let mut total = 0.0;
    for k in (0..paths).step_by(PATHS) {
        let lanes: Vec<u64> = (k..paths.min(k + PATHS as u64)).collect();
        let out = simulate_paths(&model, &lanes, &mut scratch, &mut NoObserver);
        total += out[..lanes.len()]
            .iter()
            .map(|o| o.end_balance[0])
            .sum::<f64>();
    }
    println!("{total}");
}
