//! Running many paths in parallel, with results that do not depend on the thread count.
//!
//! Paths are grouped in blocks of [`BLOCK`] consecutive path indices. Worker threads take
//! blocks in any order; every per-path number is stored at its path's position, every
//! floating-point sum is kept per block and added up in block order, and everything
//! else is an integer count. So 1 thread and 16 threads give the same digits, and a run
//! split into shards of whole blocks merges into exactly the unsplit run.

use crate::engine::{INSURED, PathOutcome, Scratch, UNINSURED, simulate_paths};
use crate::fan::{Fan, FanRecorder, Histogram};
use crate::model::Model;
use crate::rng::PATHS;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A finished run with what made it: the validated scenario (its identity, seed,
/// horizon, currency, threshold and policy), the file it came from as the user named
/// it, and the result. Summary, charts, report, merge and every exporter take this.
#[derive(Debug, Clone)]
pub struct Run {
    /// The scenario simulated (stress case and flags applied).
    pub scenario: crate::scenario::Scenario,
    /// The scenario file as the user named it.
    pub file: String,
    /// What the paths produced.
    pub result: RunResult,
}

impl Run {
    /// The run of `scenario` (read from `file`) that produced `result`.
    pub fn new(scenario: crate::scenario::Scenario, file: &str, result: RunResult) -> Run {
        Run {
            scenario,
            file: file.to_string(),
            result,
        }
    }

    /// Number of paths simulated (with `--precision`, more than the scenario asked).
    pub fn paths(&self) -> u64 {
        self.result.paths()
    }

    /// The variants, in the order of every per-variant array: uninsured, then insured.
    pub fn variants(&self) -> [&'static str; 2] {
        ["uninsured", "insured"]
    }
}

/// Paths per block: the unit of work and of deterministic summation.
pub const BLOCK: u64 = 1024;

static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Asks running simulations to stop after their current block (Ctrl-C).
pub fn interrupt() {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// True once [`interrupt`] was called: a run that returns then is incomplete.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Floating-point sums of one block, added up in block order.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct BlockSums {
    /// Sum of premium paid.
    pub premium_paid: f64,
    /// Sum of payouts received.
    pub payouts_received: f64,
    /// Sum of net credit loss.
    pub net_credit_loss: f64,
}

/// Everything a run keeps: a few numbers per path, per-block sums, and counts.
#[derive(Debug, Clone, PartialEq)]
pub struct RunResult {
    /// Index of the first path.
    pub first_path: u64,
    /// Minimum headroom per path and variant.
    pub min_headroom: [Vec<f64>; 2],
    /// End balance per path and variant.
    pub end_balance: [Vec<f64>; 2],
    /// Credit loss per path.
    pub credit_loss: Vec<f64>,
    /// Sums per block, in block order.
    pub blocks: Vec<BlockSums>,
    /// Number of claims over all paths.
    pub claims: u64,
    /// Paths whose first shortfall falls on each day, per variant.
    pub shortfall_days: [Vec<u64>; 2],
    /// Paths with a shortfall uninsured only, and insured only.
    pub rescued: u64,
    /// See `rescued`.
    pub harmed: u64,
    /// Per-day headroom histograms.
    pub fan: Fan,
    /// Distribution of the credit loss net of insurance payouts.
    pub net_loss: Histogram,
}

impl RunResult {
    /// Number of paths.
    pub fn paths(&self) -> u64 {
        self.credit_loss.len() as u64
    }

    /// Appends the run of the paths that follow this one (a later shard, or more
    /// blocks of a precision-controlled run). The result is exactly the run of both
    /// ranges at once: columns and block sums are concatenated in path order, counts
    /// added. Fails when `next` does not start where this run ends on a block boundary.
    pub fn append(&mut self, next: RunResult) -> Result<(), String> {
        let end = self.first_path + self.paths();
        if next.first_path != end {
            return Err(format!(
                "paths {}..{} do not follow paths {}..{}",
                next.first_path,
                next.first_path + next.paths(),
                self.first_path,
                end
            ));
        }
        if !self.paths().is_multiple_of(BLOCK) && next.paths() > 0 {
            return Err(format!(
                "the run of paths {}..{} does not end on a block of {BLOCK} paths",
                self.first_path, end
            ));
        }
        if self.fan.horizon != next.fan.horizon {
            return Err("the runs have different horizons".to_string());
        }
        for v in [UNINSURED, INSURED] {
            self.min_headroom[v].extend_from_slice(&next.min_headroom[v]);
            self.end_balance[v].extend_from_slice(&next.end_balance[v]);
            for (a, b) in self.shortfall_days[v]
                .iter_mut()
                .zip(&next.shortfall_days[v])
            {
                *a += b;
            }
        }
        self.credit_loss.extend_from_slice(&next.credit_loss);
        self.blocks.extend_from_slice(&next.blocks);
        self.claims += next.claims;
        self.rescued += next.rescued;
        self.harmed += next.harmed;
        self.fan.merge(&next.fan);
        self.net_loss.merge(&next.net_loss);
        Ok(())
    }
}

/// Per-worker integer tallies.
struct Tally {
    fan: FanRecorder,
    net_loss: Histogram,
    claims: u64,
    shortfall_days: [Vec<u64>; 2],
    rescued: u64,
    harmed: u64,
}

/// Simulates paths `first..first + count` of `model` on `threads` threads.
/// `progress` is called with the number of paths of each finished block.
pub fn run(
    model: &Model,
    first: u64,
    count: u64,
    threads: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> RunResult {
    let h = model.horizon as usize;
    let n = count as usize;
    let blocks = count.div_ceil(BLOCK) as usize;
    let columns = Mutex::new(Columns {
        min_headroom: [vec![0.0; n], vec![0.0; n]],
        end_balance: [vec![0.0; n], vec![0.0; n]],
        credit_loss: vec![0.0; n],
        blocks: vec![BlockSums::default(); blocks],
    });
    let next = AtomicUsize::new(0);
    let worker = || {
        let mut scratch = Scratch::new(model);
        let mut tally = Tally {
            fan: FanRecorder::new(h),
            net_loss: Histogram::default(),
            claims: 0,
            shortfall_days: [vec![0; h], vec![0; h]],
            rescued: 0,
            harmed: 0,
        };
        let mut outcomes: Vec<PathOutcome> = Vec::with_capacity(BLOCK as usize);
        loop {
            let j = next.fetch_add(1, Ordering::Relaxed);
            if j >= blocks || interrupted() {
                break;
            }
            let start = j as u64 * BLOCK;
            let end = (start + BLOCK).min(count);
            outcomes.clear();
            let mut sums = BlockSums::default();
            // PATHS paths at a time, one per lane.
            for k in (start..end).step_by(PATHS) {
                let n = (end - k).min(PATHS as u64) as usize;
                let paths: [u64; PATHS] = std::array::from_fn(|p| first.wrapping_add(k + p as u64));
                let simulated = simulate_paths(model, &paths[..n], &mut scratch, &mut tally.fan);
                for o in simulated.into_iter().take(n) {
                    sums.premium_paid += o.premium_paid;
                    sums.payouts_received += o.payouts_received;
                    sums.net_credit_loss += o.net_credit_loss;
                    tally.claims += o.claims as u64;
                    tally.net_loss.add(o.net_credit_loss);
                    for v in [UNINSURED, INSURED] {
                        if let Some(d) = o.shortfall_day[v] {
                            tally.shortfall_days[v][d as usize] += 1;
                        }
                    }
                    match (o.shortfall_day[UNINSURED], o.shortfall_day[INSURED]) {
                        (Some(_), None) => tally.rescued += 1,
                        (None, Some(_)) => tally.harmed += 1,
                        _ => {}
                    }
                    outcomes.push(o);
                }
            }
            {
                let mut c = columns.lock().unwrap_or_else(|e| e.into_inner());
                let (s, e) = (start as usize, end as usize);
                for (i, o) in outcomes.iter().enumerate() {
                    for v in [UNINSURED, INSURED] {
                        c.min_headroom[v][s + i] = o.min_headroom[v];
                        c.end_balance[v][s + i] = o.end_balance[v];
                    }
                    c.credit_loss[s + i] = o.credit_loss;
                }
                debug_assert_eq!(s + outcomes.len(), e);
                c.blocks[j] = sums;
            }
            progress(end - start);
        }
        tally
    };

    let tallies: Vec<Tally> = if threads <= 1 {
        vec![worker()]
    } else {
        match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
            Ok(pool) => pool.broadcast(|_| worker()),
            // Without a pool (the OS refused threads) run on this thread: same numbers.
            Err(_) => vec![worker()],
        }
    };

    let columns = columns.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut tallies = tallies.into_iter();
    let mut total = tallies.next().expect("at least one worker ran");
    let mut fan = total.fan.finish();
    for t in tallies {
        fan.merge(&t.fan.finish());
        total.net_loss.merge(&t.net_loss);
        total.claims += t.claims;
        total.rescued += t.rescued;
        total.harmed += t.harmed;
        for v in [UNINSURED, INSURED] {
            for (a, b) in total.shortfall_days[v].iter_mut().zip(&t.shortfall_days[v]) {
                *a += b;
            }
        }
    }
    RunResult {
        first_path: first,
        min_headroom: columns.min_headroom,
        end_balance: columns.end_balance,
        credit_loss: columns.credit_loss,
        blocks: columns.blocks,
        claims: total.claims,
        shortfall_days: total.shortfall_days,
        rescued: total.rescued,
        harmed: total.harmed,
        fan,
        net_loss: total.net_loss,
    }
}

struct Columns {
    min_headroom: [Vec<f64>; 2],
    end_balance: [Vec<f64>; 2],
    credit_loss: Vec<f64>,
    blocks: Vec<BlockSums>,
}
