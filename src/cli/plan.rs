//! The plan stage: every flag, what-if and cost checked before any work starts, so
//! that a bad flag fails in the first millisecond and no output is half written.

use super::args::{RunArgs, SimArgs};
use super::common::{default_out_dir, prepare, stage, threads};
use crate::cost::*;
use crate::error::Error;
use crate::model::Model;
use crate::output::{OutputDir, RunFolder};
use crate::run::BLOCK;
use crate::scenario::{Scenario, ScenarioFile, WhatIf};

/// The most paths one run accepts (2 GB of per-path results).
pub const MAX_PATHS: u64 = 50_000_000;

/// The most paths `--precision` adds unless `--max-paths` says otherwise.
pub const DEFAULT_MAX_PATHS: u64 = 10_000_000;

/// Paths added per round with `--precision`.
pub const PRECISION_ROUND: u64 = 16 * BLOCK;

pub(crate) fn check_paths(paths: u64) -> Result<(), Error> {
    if paths > MAX_PATHS {
        let gib = paths as f64 * BYTES_PER_PATH as f64 / (1u64 << 30) as f64;
        return Err(Error::Usage {
            flag: "--paths",
            message: format!(
                "{paths} paths would need about {gib:.0} GiB for the per-path results; \
                 use at most {MAX_PATHS} paths per run, or split the run into shards"
            ),
        });
    }
    Ok(())
}

/// The what-if a run uses: the base case or a stress case of the file, with the
/// `--paths` and `--seed` flags.
pub fn run_what_if(
    file: &ScenarioFile,
    stress: Option<&str>,
    paths: Option<u64>,
    seed: Option<u64>,
) -> Result<WhatIf, Error> {
    if paths == Some(0) {
        return Err(Error::Usage {
            flag: "--paths",
            message: "must be at least 1, for example --paths 10000".to_string(),
        });
    }
    let what_if = match stress {
        Some(name) => file.stress_case(name)?,
        None => WhatIf::base(),
    };
    Ok(what_if.with_run(paths, seed))
}

/// The scenario of a what-if, its path count checked against what one run can hold.
pub fn scenario_of(file: &ScenarioFile, what_if: &WhatIf) -> Result<Scenario, Error> {
    let scenario = file.what_if(what_if)?;
    check_paths(scenario.paths)?;
    Ok(scenario)
}

/// The scenario a run uses (see [`run_what_if`]), and its what-if.
pub fn scenario_for_run(
    file: &ScenarioFile,
    stress: Option<&str>,
    paths: Option<u64>,
    seed: Option<u64>,
) -> Result<(WhatIf, Scenario), Error> {
    let what_if = run_what_if(file, stress, paths, seed)?;
    let scenario = scenario_of(file, &what_if)?;
    Ok((what_if, scenario))
}

/// The scenarios of a study's cases, all validated before any is simulated, each with
/// the `--paths` and `--seed` flags.
pub(crate) fn plan_cases(
    file: &ScenarioFile,
    cases: Vec<(String, WhatIf)>,
    sim: &SimArgs,
) -> Result<Vec<(String, Scenario)>, Error> {
    if sim.paths == Some(0) {
        return Err(Error::Usage {
            flag: "--paths",
            message: "must be at least 1, for example --paths 10000".to_string(),
        });
    }
    cases
        .into_iter()
        .map(|(name, what_if)| {
            let scenario = scenario_of(file, &what_if.with_run(sim.paths, sim.seed))?;
            Ok((name, scenario))
        })
        .collect()
}

/// Parses `K/N` of `--shard`.
pub fn parse_shard(text: &str) -> Result<(u64, u64), Error> {
    let bad = || Error::Usage {
        flag: "--shard",
        message: format!("`{text}` is not K/N with 1 <= K <= N, for example --shard 3/8"),
    };
    let (k, n) = text.split_once('/').ok_or_else(bad)?;
    let (k, n): (u64, u64) = (
        k.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if k == 0 || n == 0 || k > n || n > 100_000 {
        return Err(bad());
    }
    Ok((k, n))
}

/// Refuses a run that would take more than a week or more memory than it may use.
pub(crate) fn check_cost(model: &Model, paths: u64, threads: usize) -> Result<(), Error> {
    let secs = estimate_seconds(model, paths, threads);
    if secs > 7.0 * 86_400.0 {
        return Err(Error::Usage {
            flag: "--paths",
            message: format!(
                "this run would take about {:.0} days on {threads} threads ({} paths of {} \
                 invoices each); use fewer paths, or split it into shards on several machines",
                secs / 86_400.0,
                paths,
                model.invoices_per_path()
            ),
        });
    }
    let bytes = estimate_bytes(model, paths, threads);
    let limit = memory_limit();
    if bytes > limit {
        let gib = |b: f64| b / (1u64 << 30) as f64;
        let claims = (threads as f64 + 1.0) * claim_bytes_per_worker(model);
        return Err(Error::Usage {
            flag: "--threads",
            message: format!(
                "this run could need about {:.1} GiB of memory, more than the {:.1} GiB it \
                 may use here ({:.1} GiB of it for claim lists: {} invoices a path of covered \
                 buyers, each of which may be claimed, kept for {} paths at a time on each of \
                 {threads} threads); use fewer --threads or --paths, or split it into shards",
                gib(bytes),
                gib(limit),
                gib(claims),
                model.claimable_invoices_per_path(),
                crate::rng::PATHS,
            ),
        });
    }
    Ok(())
}

/// Where a run's results go: a folder staged and swapped in at the end, or (for a
/// shard) a folder that shards of one run share, each writing its own partial file.
pub(crate) enum RunOutput {
    /// The run folder, staged.
    Folder(RunFolder),
    /// The folder of partial files, and the shard k of n.
    Shard(OutputDir, (u64, u64)),
}

/// `run`, planned: every flag checked, the scenario validated, the output folder
/// opened, before any path is simulated (ripgrep's "high" arguments).
pub(crate) struct RunPlan {
    /// The scenario file.
    pub file: ScenarioFile,
    /// The stress case, paths and seed of the run.
    pub what_if: WhatIf,
    /// The scenario to simulate.
    pub scenario: Scenario,
    /// Worker threads.
    pub threads: usize,
    /// With `--precision`: the target half-width and the most paths.
    pub precision: Option<(f64, u64)>,
    /// Where the results go.
    pub output: RunOutput,
    /// The scenario file as the user named it.
    pub label: String,
}

/// `--break-even` solves for the policy's premium rate: refused without a policy.
pub(crate) fn check_break_even(scenario: &Scenario) -> Result<(), Error> {
    if scenario.policies.is_empty() {
        return Err(Error::Usage {
            flag: "--break-even",
            message: "needs a policy: the scenario has no [insurance] table, so there is no \
                      premium rate to solve for; add an [insurance] table (or [[policies]]) or leave out \
                      --break-even"
                .to_string(),
        });
    }
    Ok(())
}

/// Checks the flags of `run` and prepares everything it needs.
pub(crate) fn run_plan(args: &RunArgs) -> Result<RunPlan, Error> {
    let file = super::common::load_scenario(&args.file, args.sim.deny_warnings)?;
    let (what_if, scenario) =
        scenario_for_run(&file, args.stress.as_deref(), args.sim.paths, args.sim.seed)?;
    if args.break_even {
        check_break_even(&scenario)?;
    }
    let threads = threads(args.sim.threads)?;
    let shard = args.shard.as_deref().map(parse_shard).transpose()?;
    let max_paths = args.max_paths.unwrap_or(DEFAULT_MAX_PATHS);
    let precision = match args.precision {
        Some(h) => {
            if !(h > 0.0 && h < 0.5) {
                return Err(Error::Usage {
                    flag: "--precision",
                    message: "is a half-width of a probability, between 0 and 0.5, e.g. 0.002"
                        .to_string(),
                });
            }
            if shard.is_some() {
                return Err(Error::Usage {
                    flag: "--precision",
                    message: "cannot be combined with --shard: shards need a fixed path count"
                        .to_string(),
                });
            }
            if max_paths == 0 {
                return Err(Error::Usage {
                    flag: "--max-paths",
                    message: "must be at least 1; leave it out for the default of 10,000,000"
                        .to_string(),
                });
            }
            check_paths(max_paths)?;
            Some((h, max_paths))
        }
        None if args.max_paths.is_some() => {
            return Err(Error::Usage {
                flag: "--max-paths",
                message: "limits the paths of --precision and does nothing without it; add \
                          --precision 0.002, or use --paths for a fixed number of paths"
                    .to_string(),
            });
        }
        None => None,
    };
    let out_path = args
        .out
        .clone()
        .unwrap_or_else(|| default_out_dir(&args.file, args.stress.as_deref()));
    let output = match shard {
        Some(k_of_n) => RunOutput::Shard(prepare(&out_path)?, k_of_n),
        None => RunOutput::Folder(stage(&out_path)?),
    };
    Ok(RunPlan {
        file,
        what_if,
        scenario,
        threads,
        precision,
        output,
        label: args.file.display().to_string(),
    })
}
