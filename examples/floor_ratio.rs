//! The engine against its random-number floor, timed in alternation so that the
//! machine's drift (±20 % from minute to minute on a shared virtual machine) falls
//! on both alike:
//!
//! `cargo run --release --example floor_ratio -- [FILE] [ROUNDS]`
//!
//! Each round times 64 groups of 8 paths simulated as a run simulates them (both
//! variants, with the fan-chart recorder) and 64 other groups whose random numbers
//! only are drawn (`cashrisk::engine::draw_only`, the `floor/random_numbers`
//! benchmark), the two in turn, first one then the other. It prints the medians per
//! path and the median of the rounds' ratios.
use cashrisk::engine::{Scratch, draw_only, simulate_paths, word_window};
use cashrisk::fan::FanRecorder;
use cashrisk::model::Model;
use cashrisk::rng::PATHS;
use cashrisk::scenario::ScenarioFile;
use std::hint::black_box;
use std::time::Instant;

const GROUPS: usize = 64;

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let file = args
        .next()
        .unwrap_or_else(|| "scenarios/textile_exporter.toml".into());
    let rounds: usize = args.next().map_or(200, |r| r.parse().expect("ROUNDS"));
    let file = ScenarioFile::load(file.as_ref()).expect("scenario loads");
    let model = Model::new(&file.base);
    let mut scratch = Scratch::new(&model);
    let mut fan = FanRecorder::new(model.horizon as usize, model.variants());
    let mut window = word_window(&model);
    let mut next = 0u64;
    let mut groups = || {
        let first = next;
        next += (GROUPS * PATHS) as u64;
        (0..GROUPS)
            .map(move |g| std::array::from_fn::<u64, PATHS, _>(|p| first + (g * PATHS + p) as u64))
    };
    let per_path = |t: Instant| t.elapsed().as_secs_f64() * 1e6 / (GROUPS * PATHS) as f64;
    let (mut engine, mut floor, mut ratio) = (vec![], vec![], vec![]);
    for round in 0..rounds {
        let (mut e, mut f) = (0.0, 0.0);
        for turn in [round % 2, 1 - round % 2] {
            let t = Instant::now();
            if turn == 0 {
                for paths in groups() {
                    black_box(simulate_paths(&model, &paths, &mut scratch, &mut fan));
                }
                e = per_path(t);
            } else {
                for paths in groups() {
                    black_box(draw_only(&model, &paths, &mut window));
                }
                f = per_path(t);
            }
        }
        engine.push(e);
        floor.push(f);
        ratio.push(e / f);
    }
    println!(
        "{rounds} rounds of {n} paths each: engine {:.2} µs a path, floor {:.2} µs a path \
         (medians); engine / floor: {:.2} (median of the rounds' ratios)",
        median(engine),
        median(floor),
        median(ratio),
        n = GROUPS * PATHS,
    );
}
