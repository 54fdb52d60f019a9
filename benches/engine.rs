//! Benchmarks: `cargo bench` (results in paths/s or elements/s).
//!
//! - `example/path`: MODEL.md's example scenario (scenarios/textile_exporter.toml,
//!   158 buyers, 1,896 invoices a path), both variants, with the fan-chart
//!   histograms, as in a run: 8 paths at a time (the engine's lanes), per path.
//! - `floor/random_numbers`: only the random numbers that scenario's paths need
//!   (a Philox block per invoice and per buyer, turned into uniforms, and the normals
//!   of the economy), drawn as the engine draws them, nothing else: the floor the
//!   engine is measured against.
//! - `scan/path`: a scenario without buyers over ten years: the daily balance scan.
//! - `claims/path`: a claim-heavy scenario (200 covered slow payers).
//! - `run/10k_paths`: the parallel runner end to end on all cores.

use cashrisk::engine::{Scratch, simulate_paths};
use cashrisk::fan::FanRecorder;
use cashrisk::model::Model;
use cashrisk::rng::PATHS;
use cashrisk::scenario::ScenarioFile;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

fn model(path: &str) -> Model {
    let file = ScenarioFile::load(path.as_ref()).expect("benchmark scenario loads");
    Model::new(&file.base)
}

fn per_path(c: &mut Criterion, group: &str, path: &str) {
    let m = model(path);
    let mut scratch = Scratch::new(&m);
    let mut fan = FanRecorder::new(m.horizon as usize, m.variants());
    let mut g = c.benchmark_group(group);
    g.throughput(Throughput::Elements(PATHS as u64));
    let mut k = 0u64;
    g.bench_function("path", |b| {
        b.iter(|| {
            let paths: [u64; PATHS] = std::array::from_fn(|p| k + p as u64);
            k += PATHS as u64;
            black_box(simulate_paths(&m, &paths, &mut scratch, &mut fan))
        })
    });
    g.finish();
}

fn example(c: &mut Criterion) {
    per_path(c, "example", "scenarios/textile_exporter.toml");
}

fn scan(c: &mut Criterion) {
    per_path(c, "scan", "benches/scenarios/scan.toml");
}

fn claims(c: &mut Criterion) {
    per_path(c, "claims", "benches/scenarios/claims.toml");
}

fn floor(c: &mut Criterion) {
    let m = model("scenarios/textile_exporter.toml");
    let mut g = c.benchmark_group("floor");
    g.throughput(Throughput::Elements(PATHS as u64));
    let mut k = 0u64;
    let mut window = cashrisk::engine::word_window(&m);
    g.bench_function("random_numbers", |b| {
        b.iter(|| {
            let paths: [u64; PATHS] = std::array::from_fn(|p| k + p as u64);
            k += PATHS as u64;
            black_box(cashrisk::engine::draw_only(&m, &paths, &mut window))
        })
    });
    g.finish();
}

fn runner(c: &mut Criterion) {
    let m = model("scenarios/textile_exporter.toml");
    let mut g = c.benchmark_group("run");
    g.sample_size(10);
    g.throughput(Throughput::Elements(10_000));
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    g.bench_function("10k_paths", |b| {
        b.iter(|| black_box(cashrisk::run::run(&m, 0, 10_000, threads, &|_| {})))
    });
    g.finish();
}

criterion_group!(benches, example, floor, scan, claims, runner);
criterion_main!(benches);
