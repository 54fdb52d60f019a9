//! `run` and `merge`: one scenario simulated (whole, to a precision, or one shard), and
//! shards merged into the run they are parts of.

use super::args::{MergeArgs, RunArgs};
use super::common::*;
use super::plan::*;
use crate::error::Error;
use crate::model::Model;
use crate::output::{self, OutputDir, RunFolder};
use crate::run::{BLOCK, Run, RunResult};
use crate::scenario::{Scenario, ScenarioFile, WhatIf};
use crate::summary::{Precision, Summary};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Simulates shard `k` of `n` of a run and writes its partial result; returns the
/// file name.
#[allow(clippy::too_many_arguments)]
pub(crate) fn write_shard(
    out: &OutputDir,
    file: &ScenarioFile,
    label: &str,
    stress: Option<String>,
    scenario: &Scenario,
    (k, n): (u64, u64),
    threads: usize,
    quiet: bool,
) -> Result<String, Error> {
    let model = Model::new(scenario);
    let (first, count) = crate::partial::shard_range(scenario.paths, k, n);
    let result = simulate(&model, first, count, threads, quiet)?;
    let meta = crate::partial::PartialMeta {
        cashrisk_version: env!("CARGO_PKG_VERSION").to_string(),
        file: label.to_string(),
        text: file.text.clone(),
        stress,
        paths: scenario.paths,
        seed: scenario.seed,
        shard: (k, n),
        first_path: first,
        count,
        horizon: scenario.horizon_days,
    };
    let name = format!("partial-{k}-of-{n}.cashrisk");
    write(out, &name, &crate::partial::encode(&meta, &result))?;
    Ok(name)
}

/// Writes the files of a run ([`output::run_files`]) into a staged run folder;
/// returns the number of files.
pub fn write_run_outputs(
    out: &mut RunFolder,
    run: &Run,
    summary: &Summary,
    no_charts: bool,
) -> Result<usize, Error> {
    if crate::run::interrupted() {
        return Err(Error::Interrupted);
    }
    let files = output::run_files(run, summary, no_charts).map_err(Error::Bug)?;
    for (name, bytes) in &files {
        stage_write(out, name, bytes)?;
    }
    Ok(files.len())
}

pub(crate) fn run_command(args: &RunArgs) -> Result<(), Error> {
    let RunPlan {
        file,
        what_if,
        scenario,
        threads,
        precision,
        output,
        label,
    } = run_plan(args)?;
    let mut out = match output {
        RunOutput::Folder(folder) => folder,
        RunOutput::Shard(out, (k, n)) => {
            let name = write_shard(
                &out,
                &file,
                &label,
                args.stress.clone(),
                &scenario,
                (k, n),
                threads,
                args.sim.quiet,
            )?;
            let (first, count) = crate::partial::shard_range(scenario.paths, k, n);
            outln!(
                "shard {k}/{n}: paths {first}..{} of {}; wrote {}",
                first + count,
                scenario.paths,
                crate::text::path(&out.path().join(name))
            )?;
            return Ok(());
        }
    };

    let model = Model::new(&scenario);
    let started = Instant::now();
    let (run, precision) = match precision {
        None => {
            let result = simulate(&model, 0, scenario.paths, threads, args.sim.quiet)?;
            (Run::new(scenario, &label, result), None)
        }
        Some((target, max_paths)) => {
            let empty = simulate(&model, 0, 0, threads, true)?;
            let mut run = Run::new(scenario, &label, empty);
            loop {
                let count = PRECISION_ROUND.min(max_paths - run.paths());
                let more = simulate(&model, run.paths(), count, threads, args.sim.quiet)?;
                run.result.append(more).map_err(Error::Bug)?;
                let widths = Summary::new(&run).half_widths();
                let met = widths.iter().all(|w| *w <= target);
                if met || run.paths() >= max_paths {
                    break (
                        run,
                        Some(Precision {
                            target,
                            half_widths: widths,
                            met,
                        }),
                    );
                }
            }
        }
    };
    let result = &run.result;
    let elapsed = started.elapsed().as_secs_f64();
    let mut summary = Summary::new(&run);
    summary.simulation.precision = precision;
    if args.break_even {
        // With --precision, the trials use the paths the run ended with.
        let what_if = what_if.with_run(Some(result.paths()), None);
        summary.decision.break_even_premium_rate = Some(crate::decision::break_even_premium_rate(
            &file,
            &what_if,
            summary.difference().end_balance_mean.estimate,
            threads,
        )?);
    }
    write_run_outputs(&mut out, &run, &summary, args.no_charts)?;
    let (out, count) = commit(out)?;
    if args.json {
        out!("{}", output::render_json(&summary))?;
        // stdout is the JSON; say on stderr where the files went.
        eprintln!("wrote {count} files to {}", crate::text::path(&out));
        return Ok(());
    }
    out!("{}", crate::text::terminal(&crate::table::render(&summary)))?;
    if let Some(p) = precision {
        outln!(
            "\nprecision: 95 % half-widths {:.4} (uninsured), {:.4} (insured), {:.4} (change) \
             after {} paths; target {} {}",
            p.half_widths[0],
            p.half_widths[1],
            p.half_widths[2],
            result.paths(),
            p.target,
            if p.met {
                "met"
            } else {
                "NOT met: --max-paths reached"
            }
        )?;
    }
    if args.timing {
        let paths = result.paths() as f64;
        outln!(
            "\ntiming: {} paths in {elapsed:.2} s on {threads} threads: {:.0} paths/s, \
             {:.3e} invoices/s ({} potential invoices a path); peak memory {}; vector \
             level {}",
            result.paths(),
            paths / elapsed,
            paths * model.invoices_per_path() as f64 / elapsed,
            model.invoices_per_path(),
            peak_memory().map_or("n/a".to_string(), |kib| format!(
                "{:.1} MiB",
                kib as f64 / 1024.0
            )),
            crate::rng::SimdLevel::in_use().name()
        )?;
    }
    outln!()?;
    finish_message(count, &out, !args.no_charts)?;
    Ok(())
}

/// The partial files `merge` was given: files as they are, and for a folder (as
/// `run --shard --out DIR` writes) the `partial-*.cashrisk` files in it, sorted.
pub(crate) fn partial_files(args: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    let mut files = Vec::new();
    for path in args {
        if !path.is_dir() {
            files.push(path.clone());
            continue;
        }
        let entries = std::fs::read_dir(path).map_err(|source| Error::Input {
            path: path.clone(),
            message: format!("cannot read the folder: {source}"),
            io: true,
        })?;
        let mut found: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name().is_some_and(|n| {
                    let n = n.to_string_lossy();
                    n.starts_with("partial-") && n.ends_with(".cashrisk")
                })
            })
            .collect();
        if found.is_empty() {
            return Err(Error::Input {
                path: path.clone(),
                message: "this folder holds no partial-*.cashrisk files; name the files or \
                          the folders that `cashrisk run --shard` wrote"
                    .to_string(),
                io: false,
            });
        }
        found.sort();
        files.extend(found);
    }
    Ok(files)
}

pub(crate) fn merge_command(args: &MergeArgs) -> Result<(), Error> {
    let files = partial_files(&args.parts)?;
    let mut parts = Vec::new();
    for path in &files {
        let bytes = crate::partial::read(path).map_err(|e| Error::Input {
            path: path.clone(),
            message: match e {
                crate::input::ReadError::TooLarge { .. } => {
                    "the file is longer than its header says: it was altered; copy it again \
                     or re-run the shard"
                        .to_string()
                }
                ref e => format!("cannot read it: {e}"),
            },
            io: matches!(e, crate::input::ReadError::Io(_)),
        })?;
        let part = crate::partial::decode(&bytes).map_err(|message| Error::Input {
            path: path.clone(),
            message,
            io: false,
        })?;
        parts.push(part);
    }
    let (meta, result) = crate::partial::merge(parts).map_err(|message| Error::Input {
        path: files[0].clone(),
        message,
        io: false,
    })?;
    let Merged { file, what_if, run } = merged_run(&meta, result, &files[0])?;
    if args.break_even {
        crate::cli::plan::check_break_even(&run.scenario)?;
    }
    let mut out = stage(&args.out)?;
    let mut summary = Summary::new(&run);
    if args.break_even {
        summary.decision.break_even_premium_rate = Some(crate::decision::break_even_premium_rate(
            &file,
            &what_if,
            summary.difference().end_balance_mean.estimate,
            threads(args.threads)?,
        )?);
    }
    write_run_outputs(&mut out, &run, &summary, args.no_charts)?;
    let (out, count) = commit(out)?;
    out!("{}", crate::text::terminal(&crate::table::render(&summary)))?;
    outln!()?;
    finish_message(count, &out, !args.no_charts)?;
    Ok(())
}

/// The scenario of merged partial results (from the text they carry), checked against
/// the numbers: a checksum finds damage, not a file made up to look valid, so nothing
/// in it is trusted to fit. `part` names the partial files in a message.
pub fn merged_run(
    meta: &crate::partial::PartialMeta,
    result: RunResult,
    part: &Path,
) -> Result<Merged, Error> {
    let file = ScenarioFile::parse(Path::new(&meta.file), meta.text.clone())?;
    let (what_if, scenario) = scenario_for_run(
        &file,
        meta.stress.as_deref(),
        Some(meta.paths),
        Some(meta.seed),
    )?;
    let h = scenario.horizon_days as usize;
    let fits = meta.horizon as usize == h
        && result.fan.horizon == h
        && result.variants.len() == scenario.variants()
        && result.variants.iter().all(|v| v.shortfall_days.len() == h)
        && result.paths() == scenario.paths
        && result.blocks() as u64 == scenario.paths.div_ceil(BLOCK);
    if !fits {
        return Err(Error::Input {
            path: part.to_path_buf(),
            message: "its numbers do not fit the scenario it carries (horizon, paths or \
                      blocks differ): it was not written by `cashrisk run --shard`; re-run \
                      the shard"
                .to_string(),
            io: false,
        });
    }
    let run = Run::new(scenario, &meta.file, result);
    Ok(Merged { file, what_if, run })
}

/// A merged run: the scenario file its partial results carry, the what-if they ran
/// (stress case, paths, seed), and the run.
#[derive(Debug)]
pub struct Merged {
    /// The scenario file, as the partial results carry it.
    pub file: ScenarioFile,
    /// The stress case, paths and seed of the run.
    pub what_if: WhatIf,
    /// The merged run.
    pub run: Run,
}
