//! The same file, seed and path count give the same digits on any number of threads,
//! and a run split into whole blocks is the concatenation of its parts.

use crate::util::*;
use cashrisk::model::Model;
use cashrisk::output::{render_json, render_timeseries};
use cashrisk::run::{BLOCK, run};
use cashrisk::scenario::WhatIf;

fn example() -> cashrisk::scenario::Scenario {
    let text = std::fs::read_to_string("scenarios/textile_exporter.toml").unwrap();
    scenario(&text)
}

#[test]
fn thread_count_does_not_change_a_digit() {
    let s = example();
    let model = Model::new(&s);
    let paths = 3 * BLOCK + 77;
    let one = run(&model, 0, paths, 1, &|_| {});
    let two = run(&model, 0, paths, 2, &|_| {});
    let five = run(&model, 0, paths, 5, &|_| {});
    assert_eq!(one, two);
    assert_eq!(one, five);
    let a = render_json(&summarize(&s, "x", &one));
    let b = render_json(&summarize(&s, "x", &five));
    assert_eq!(a, b);
    assert_eq!(render_timeseries(&one), render_timeseries(&five));
}

#[test]
fn a_path_depends_only_on_seed_and_index() {
    let s = example();
    let model = Model::new(&s);
    let whole = run(&model, 0, 2 * BLOCK, 2, &|_| {});
    let tail = run(&model, BLOCK, BLOCK, 2, &|_| {});
    assert_eq!(&whole.credit_loss[BLOCK as usize..], &tail.credit_loss[..]);
    assert_eq!(
        &whole.variants[1].end_balance[BLOCK as usize..],
        &tail.variants[1].end_balance[..]
    );
    assert_eq!(whole.variants[1].blocks[1], tail.variants[1].blocks[0]);
}

#[test]
fn another_seed_gives_other_numbers() {
    let text = std::fs::read_to_string("scenarios/textile_exporter.toml").unwrap();
    let f = file(&text);
    let s = &f.base;
    let model = Model::new(s);
    let a = run(&model, 0, 500, 2, &|_| {});
    let next = WhatIf::base().with_run(None, Some(s.seed + 1));
    let b = run(&Model::new(&f.what_if(&next).unwrap()), 0, 500, 2, &|_| {});
    assert_ne!(a.credit_loss, b.credit_loss);
}

#[test]
fn a_stress_case_keeps_the_draws_of_every_path() {
    // With only the revenue scaled, every path of the stress case is the base path with
    // every sale scaled: credit losses scale exactly (up to rounding) path by path.
    let text = std::fs::read_to_string("scenarios/textile_exporter.toml").unwrap()
        + "\n[[stress]]\nname = \"Half\"\nrevenue_multiplier = 0.5\n";
    let base = scenario(&text);
    let half = stressed(&text, "Half");
    let a = run(&Model::new(&base), 0, 300, 2, &|_| {});
    let b = run(&Model::new(&half), 0, 300, 2, &|_| {});
    for (x, y) in a.credit_loss.iter().zip(&b.credit_loss) {
        assert!((x * 0.5 - y).abs() <= 1e-9 * x.abs().max(1.0), "{x} vs {y}");
    }
}

#[test]
fn appended_runs_equal_one_run() {
    let s = example();
    let model = Model::new(&s);
    let whole = run(&model, 0, 3 * BLOCK + 10, 2, &|_| {});
    let mut parts = run(&model, 0, BLOCK, 1, &|_| {});
    parts
        .append(run(&model, BLOCK, 2 * BLOCK, 2, &|_| {}))
        .unwrap();
    parts
        .append(run(&model, 3 * BLOCK, 10, 1, &|_| {}))
        .unwrap();
    assert_eq!(whole, parts);
    // A gap or a run that ends inside a block is refused.
    let mut a = run(&model, 0, 10, 1, &|_| {});
    assert!(a.append(run(&model, 10, 10, 1, &|_| {})).is_err());
    let mut b = run(&model, 0, BLOCK, 1, &|_| {});
    assert!(b.append(run(&model, BLOCK + 1, 10, 1, &|_| {})).is_err());
}

#[test]
fn figures_are_unchanged_to_the_last_digit() {
    // The golden files were written by this project's binary; an optimisation must not
    // change one digit of them. A deliberate change of the model or of the random
    // layout regenerates them (and says so in its commit):
    //   cashrisk run scenarios/textile_exporter.toml --paths 3000 --no-charts --json \
    //     --out /tmp/g > tests/golden/textile_exporter_3000.json
    //   cp /tmp/g/timeseries.csv tests/golden/textile_exporter_3000_timeseries.csv
    let dir = tempfile::tempdir().unwrap();
    let out = cashrisk()
        .args([
            "run",
            "scenarios/textile_exporter.toml",
            "--paths",
            "3000",
            "--quiet",
        ])
        .args(["--no-charts", "--json", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_success(&out);
    let golden = std::fs::read("tests/golden/textile_exporter_3000.json").unwrap();
    assert!(out.stdout == golden, "summary.json changed");
    let ts = std::fs::read(dir.path().join("timeseries.csv")).unwrap();
    let golden_ts = std::fs::read("tests/golden/textile_exporter_3000_timeseries.csv").unwrap();
    assert!(ts == golden_ts, "timeseries.csv changed");
}

#[test]
fn every_vector_level_gives_the_same_files() {
    // CASHRISK_SIMD lowers the vector level of the generator and the engine; every
    // level the processor has must write the same files, byte for byte.
    use cashrisk::rng::SimdLevel;
    let detected = SimdLevel::detected();
    let levels: Vec<SimdLevel> = [SimdLevel::Portable, SimdLevel::Avx2, SimdLevel::Avx512]
        .into_iter()
        .filter(|&level| {
            let available = level <= detected;
            if !available {
                println!(
                    "SKIPPED: this processor has no {}; that level is not tested here",
                    level.name()
                );
            }
            available
        })
        .collect();
    let mut files: Vec<String> = std::fs::read_dir("scenarios")
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .filter(|p| p.ends_with(".toml"))
        .collect();
    files.sort();
    files.push("scenarios/templates/minimal.toml".into());
    files.push("tests/fixtures/small.toml".into());
    let dir = tempfile::tempdir().unwrap();
    for file in &files {
        let mut reference: Option<(Vec<u8>, Vec<u8>)> = None;
        for level in &levels {
            let out = dir.path().join(level.name());
            let run = cashrisk()
                .env("CASHRISK_SIMD", level.name())
                .args(["run", file, "--paths", "1003", "--quiet", "--no-charts"])
                .args(["--threads", "2", "--timing", "--out"])
                .arg(&out)
                .output()
                .unwrap();
            assert_success(&run);
            let stdout = String::from_utf8_lossy(&run.stdout);
            assert!(
                stdout.contains(&format!("vector level {}", level.name())),
                "{file}: the run did not use {}: {stdout}",
                level.name()
            );
            let files = (
                std::fs::read(out.join("summary.json")).unwrap(),
                std::fs::read(out.join("timeseries.csv")).unwrap(),
            );
            match &reference {
                None => reference = Some(files),
                Some(first) => assert!(
                    *first == files,
                    "{file}: level {} gives other figures than {}",
                    level.name(),
                    levels[0].name()
                ),
            }
        }
    }
}

#[test]
fn the_version_2_example_is_the_same_on_any_threads_and_in_parts() {
    // Countries, gamma delays, monitoring with stop_sales, a downturn and a borrowing
    // base: the run on 1 and 3 threads, the run in three parts, and each part through
    // the partial file format, all give the same result, field for field.
    let text = std::fs::read_to_string("scenarios/china_exporter.toml").unwrap();
    let s = scenario(&text);
    let model = Model::new(&s);
    let paths = 2 * BLOCK + 300;
    let one = run(&model, 0, paths, 1, &|_| {});
    assert_eq!(one, run(&model, 0, paths, 3, &|_| {}));
    assert!(
        !one.variants[1].credit_loss.is_empty(),
        "stop_sales keeps its own loss"
    );
    assert!(!one.variants[1].shortfall_without_cuts.is_empty());
    assert_eq!(one.political_events.len(), 2);
    let meta = |first: u64, count: u64| cashrisk::partial::PartialMeta {
        cashrisk_version: env!("CARGO_PKG_VERSION").to_string(),
        file: "china_exporter.toml".to_string(),
        text: text.clone(),
        stress: None,
        paths,
        seed: s.seed,
        shard: (1, 1),
        first_path: first,
        count,
        horizon: s.horizon_days,
    };
    let mut parts: Option<cashrisk::run::RunResult> = None;
    for (first, count) in [(0, BLOCK), (BLOCK, BLOCK), (2 * BLOCK, 300)] {
        let part = run(&model, first, count, 2, &|_| {});
        let bytes = cashrisk::partial::encode(&meta(first, count), &part);
        let (_, decoded) = cashrisk::partial::decode(&bytes).unwrap();
        assert_eq!(decoded, part);
        match &mut parts {
            None => parts = Some(decoded),
            Some(all) => all.append(decoded).unwrap(),
        }
    }
    assert_eq!(parts.unwrap(), one);
}
