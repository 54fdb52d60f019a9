//! Small helpers shared by the test modules.

use cashrisk::engine::{NoObserver, PathOutcome, Scratch, simulate_path};
use cashrisk::model::Model;
use cashrisk::scenario::{Scenario, ScenarioFile};

/// The `cashrisk` binary, run from the repository root.
pub fn cashrisk() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("cashrisk").unwrap();
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

/// Asserts that a run of the binary succeeded, showing its error output if not.
pub fn assert_success(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A validated scenario from TOML text (panics with the messages if invalid).
pub fn scenario(text: &str) -> Scenario {
    file(text).base
}

/// A loaded scenario file from TOML text.
pub fn file(text: &str) -> ScenarioFile {
    match ScenarioFile::parse("test.toml".as_ref(), text.to_string()) {
        Ok(f) => f,
        Err(e) => panic!("test scenario is invalid:\n{e}"),
    }
}

/// The stressed scenario `name` of a file.
pub fn stressed(text: &str, name: &str) -> Scenario {
    match file(text).stressed(name) {
        Ok(s) => s,
        Err(e) => panic!("stress case is invalid:\n{e}"),
    }
}

/// One path: its outcome and the common and insured-only ledgers.
pub fn one_path(s: &Scenario, path: u64) -> (PathOutcome, Vec<f64>, Vec<f64>) {
    let model = Model::new(s);
    let mut scratch = Scratch::new(&model);
    let out = simulate_path(&model, path, &mut scratch, &mut NoObserver);
    let (c, i) = scratch.ledgers();
    (out, c.to_vec(), i.to_vec())
}

/// Asserts two floats agree to 1e-9 relative (1e-9 absolute near zero).
#[track_caller]
pub fn close(actual: f64, expected: f64) {
    let tol = 1e-9 * expected.abs().max(1.0);
    assert!(
        (actual - expected).abs() <= tol,
        "expected {expected}, got {actual}"
    );
}

/// The non-zero entries of a ledger as (day, amount).
pub fn entries(ledger: &[f64]) -> Vec<(usize, f64)> {
    ledger
        .iter()
        .enumerate()
        .filter(|(_, v)| **v != 0.0)
        .map(|(d, v)| (d, *v))
        .collect()
}

/// Asserts a ledger has exactly these non-zero entries (amounts to 1e-9).
#[track_caller]
pub fn ledger_is(ledger: &[f64], expected: &[(usize, f64)]) {
    let got = entries(ledger);
    assert_eq!(
        got.iter().map(|e| e.0).collect::<Vec<_>>(),
        expected.iter().map(|e| e.0).collect::<Vec<_>>(),
        "days of the ledger entries; got {got:?}"
    );
    for ((_, a), (_, b)) in got.iter().zip(expected) {
        close(*a, *b);
    }
}

/// Balance path by the plain rule of MODEL.md section 8, for hand checks.
pub fn balances(opening: f64, flows: &[f64], debit_rate: f64, credit_rate: f64) -> Vec<f64> {
    let mut b = opening;
    let mut out = Vec::new();
    for f in flows {
        b += f;
        if b < 0.0 {
            b -= -b * debit_rate / 365.0;
        } else {
            b += b * credit_rate / 365.0;
        }
        out.push(b);
    }
    out
}

/// The summary of `result`, a run of `s` from the file labelled `file`.
pub fn summarize(
    s: &Scenario,
    file: &str,
    result: &cashrisk::run::RunResult,
) -> cashrisk::summary::Summary {
    let run = cashrisk::run::Run::new(s.clone(), file, result.clone());
    cashrisk::summary::Summary::new(&run)
}

/// Lane 0's headroom on every day, per variant (a [`DayObserver`] for hand checks).
#[derive(Default)]
pub struct Headrooms(pub Vec<Vec<f64>>);

impl cashrisk::engine::DayObserver for Headrooms {
    fn headrooms(&mut self, variant: usize, day: usize, h: &[f64; cashrisk::rng::PATHS], _: usize) {
        if self.0.len() <= variant {
            self.0.resize(variant + 1, Vec::new());
        }
        assert_eq!(self.0[variant].len(), day);
        self.0[variant].push(h[0]);
    }
}
