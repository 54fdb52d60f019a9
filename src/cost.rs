//! The cost model: how long a run will take and how much memory it needs, from the
//! compiled scenario, so that a run that cannot finish is refused before it starts
//! (docs/performance.md).

use crate::model::Model;
use std::path::Path;

/// Bytes kept per path with two variants (the fewest a run has): the credit loss and
/// each variant's columns ([`crate::run::VariantResult::columns`]).
pub const BYTES_PER_PATH: u64 = (1 + 2 * crate::run::VariantResult::COLUMNS as u64) * 8;

/// Bytes kept per path of `model`: the credit loss and each variant's columns; with
/// limit cuts (MODEL.md section 16) a byte per policy variant for its shortfall
/// without them, and a credit-loss column of its own for a variant with stop_sales.
pub fn bytes_per_path(model: &Model) -> u64 {
    let policies = model.variants() as u64 - 1;
    let cuts = match model.has_cuts() {
        true => policies,
        false => 0,
    };
    let own_losses = (1..model.variants())
        .filter(|&v| model.sells_less(v))
        .count() as u64;
    (1 + model.variants() as u64 * crate::run::VariantResult::COLUMNS as u64 + own_losses) * 8
        + cuts
}

/// Rough cost of a run on this kind of machine: about 50 ns per invoice, 5 ns per
/// buyer and 10 ns per day and variant per path (docs/performance.md has measurements);
/// with limit cuts, twice that and more (every path is simulated again without them).
pub fn estimate_seconds(model: &Model, paths: u64, threads: usize) -> f64 {
    let per_path = 50e-9 * model.invoices_per_path() as f64
        + 5e-9 * model.buyers.len() as f64
        + 20e-9 * model.horizon as f64;
    let passes = match model.has_cuts() {
        true => 2.6,
        false => 1.0,
    };
    passes * per_path * paths as f64 / threads.max(1) as f64
}

/// Memory of a run: the per-path numbers, each worker's histograms, and each worker's
/// claim lists (of both passes, with limit cuts) at their largest (every invoice of a covered buyer claimed, in every
/// lane): the bound that keeps a claims-heavy scenario from exhausting memory.
pub fn estimate_bytes(model: &Model, paths: u64, threads: usize) -> f64 {
    // With limit cuts each worker also simulates the model without them (MODEL.md
    // section 16), with claim lists of its own and no histograms.
    let without = model
        .without_cuts
        .as_deref()
        .map_or(0.0, claim_bytes_per_worker);
    let per_worker =
        model.variants() as f64 * model.horizon as f64 * crate::fan::BUCKETS as f64 * 4.0
            + claim_bytes_per_worker(model)
            + without;
    paths as f64 * bytes_per_path(model) as f64 + (threads as f64 + 1.0) * per_worker
}

/// The largest claim lists of one worker.
pub(crate) fn claim_bytes_per_worker(model: &Model) -> f64 {
    (model.claimable_invoices_per_path() * crate::engine::CLAIM_BYTES * crate::rng::PATHS as u64)
        as f64
}

/// The memory a run may plan for: 16 GiB, or less where this machine (or the control
/// group the process runs in) has less available.
pub fn memory_limit() -> f64 {
    let mut limit = 16.0 * (1u64 << 30) as f64;
    let read = |path: &str| crate::input::read_limited(Path::new(path), 1 << 20).ok();
    if let Some(info) = read("/proc/meminfo").and_then(|b| String::from_utf8(b).ok()) {
        let kib = info
            .lines()
            .find(|l| l.starts_with("MemAvailable:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|n| n.parse::<f64>().ok());
        if let Some(kib) = kib {
            limit = limit.min(kib * 1024.0);
        }
    }
    if let Some(max) = read("/sys/fs/cgroup/memory.max").and_then(|b| String::from_utf8(b).ok())
        && let Ok(bytes) = max.trim().parse::<f64>()
    {
        limit = limit.min(bytes);
    }
    limit
}
