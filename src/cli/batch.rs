//! `batch`: every scenario file under a folder, with a lock, resumable, a bad file
//! reported while the others finish.

use super::args::BatchArgs;
use super::common::*;
use super::plan::*;
use super::run::{write_run_outputs, write_shard};
use crate::error::Error;
use crate::model::Model;
use crate::output;
use crate::run::Run;
use crate::scenario::WhatIf;
use crate::summary::Summary;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The scenario files under a folder, sorted. Symlinks to folders are not followed
/// (as `find` and ripgrep do by default), so a link loop or a link to a parent cannot
/// make the walk endless or list a file many times; a symlink to a `.toml` file is
/// listed like the file.
pub(crate) fn find_toml(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            let path = entry.path();
            let toml = path.extension().is_some_and(|e| e == "toml");
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_symlink() {
                if toml && !path.is_dir() {
                    out.push(path);
                }
            } else if toml {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The result folder of a batch's scenario file: its path below the batch folder, each
/// part a safe path component.
pub(crate) fn batch_folder(rel: &Path) -> PathBuf {
    let mut parts: Vec<String> = Vec::new();
    if let Some(parent) = rel.parent() {
        for c in parent.components() {
            if let std::path::Component::Normal(c) = c {
                parts.push(
                    crate::text::path_component(&c.to_string_lossy())
                        .unwrap_or_else(|| "folder".to_string()),
                );
            }
        }
    }
    parts.push(
        rel.file_stem()
            .and_then(|s| crate::text::path_component(&s.to_string_lossy()))
            .unwrap_or_else(|| "scenario".to_string()),
    );
    parts.iter().collect()
}

/// Hex SHA-256 of a file's bytes.
pub fn content_hash(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The rows of one case of a batch (`rows.csv` and `summary.csv`).
pub(crate) fn batch_rows(file: &str, hash: &str, case: &str, s: &Summary) -> String {
    crate::csv_files::render_rows(&crate::csv_files::BatchRow::of_case(file, hash, case, s))
}

/// What `batch-done.json` records of a finished scenario file: `--resume` skips the
/// file only when all of it still holds (same cashrisk, same file content, same run
/// settings, and every case's result file still there with the same content).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BatchDone {
    /// The cashrisk that computed the rows.
    pub cashrisk_version: String,
    /// SHA-256 of the scenario file.
    pub content_hash: String,
    /// Seed and paths of the run (after `--seed` and `--paths`).
    pub seed: u64,
    /// Paths of each case.
    pub paths: u64,
    /// `--shard K/N`, if any.
    pub shard: Option<String>,
    /// Whether charts and reports were drawn.
    pub charts: bool,
    /// Each case's result file, relative to the scenario's folder, and its SHA-256.
    pub results: Vec<(String, String)>,
}

impl BatchDone {
    /// True when every result file is still there with the recorded content.
    fn results_intact(&self, dir: &Path) -> bool {
        self.results.iter().all(|(file, hash)| {
            crate::input::read_limited(&dir.join(file), crate::input::MAX_RESULT_BYTES)
                .is_ok_and(|bytes| content_hash(&bytes) == *hash)
        })
    }
}

/// The lock that keeps two batches out of one `--out` folder at once; released when
/// the process ends, however it ends.
pub(crate) fn lock_batch_folder(root: &Path) -> Result<std::fs::File, Error> {
    let path = root.join(".cashrisk-batch.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| Error::Output {
            path: path.clone(),
            source,
        })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::Usage {
            flag: "--out",
            message: format!(
                "another batch is writing into {} now; wait for it to finish, or give this \
                 one its own --out folder",
                crate::text::path(root)
            ),
        }),
        Err(std::fs::TryLockError::Error(source)) => Err(Error::Output { path, source }),
    }
}

pub(crate) fn batch_command(args: &BatchArgs) -> Result<(), Error> {
    let threads = threads(args.sim.threads)?;
    let shard = args.shard.as_deref().map(parse_shard).transpose()?;
    let files = find_toml(&args.dir).map_err(|source| Error::Output {
        path: args.dir.clone(),
        source,
    })?;
    if files.is_empty() {
        return Err(Error::Usage {
            flag: "DIR",
            message: format!("{} holds no .toml files", crate::text::path(&args.dir)),
        });
    }
    let out_root = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join("batch"));
    let root = prepare(&out_root)?;
    let _lock = lock_batch_folder(root.path())?;
    let mut csv = crate::csv_files::render::<crate::csv_files::BatchRow>(
        &crate::csv_files::header(crate::csv_files::BATCH_COLUMNS),
        &[],
    );
    let (mut failed, mut io_only, mut skipped) = (0, true, 0);
    let mut kept: Vec<String> = Vec::new();
    let mut folders: std::collections::HashMap<PathBuf, PathBuf> = Default::default();
    let started = Instant::now();
    for path in &files {
        let rel = path.strip_prefix(&args.dir).unwrap_or(path);
        let label = path.display().to_string();
        let shown = crate::text::path(path);
        let folder = batch_folder(rel);
        if let Some(other) = folders.get(&folder) {
            failed += 1;
            io_only = false;
            eprintln!(
                "{shown}: its results would go to {}, the folder of {}; rename one of the two \
                 files (folder names ignore case and punctuation)\n(skipped; the other \
                 scenarios go on)",
                crate::text::path(&out_root.join(&folder)),
                crate::text::path(other)
            );
            continue;
        }
        folders.insert(folder.clone(), path.clone());
        let file = match load_denying(path, args.sim.deny_warnings) {
            Ok(f) => {
                check_warnings(&f, false)?;
                f
            }
            Err(err) => {
                failed += 1;
                io_only &= err.io;
                eprintln!(
                    "{}\n(skipped; the other scenarios go on)",
                    crate::text::terminal(&err.to_string())
                );
                continue;
            }
        };
        let hash = content_hash(file.text.as_bytes());
        let dir = out_root.join(&folder);
        let scenario_out = prepare(&dir)?;
        let mut cases = vec![("Base".to_string(), WhatIf::base())];
        for name in file.stress_names() {
            cases.push((name.clone(), file.stress_case(&name)?));
        }
        let cases = plan_cases(&file, cases, &args.sim)?;
        let mut done = BatchDone {
            cashrisk_version: env!("CARGO_PKG_VERSION").to_string(),
            content_hash: hash.clone(),
            seed: cases[0].1.seed,
            paths: cases[0].1.paths,
            shard: args.shard.clone(),
            charts: args.charts,
            results: Vec::new(),
        };
        let done_file = dir.join("batch-done.json");
        let rows_file = dir.join("rows.csv");
        if args.resume {
            let recorded = crate::input::read_limited(&done_file, crate::input::MAX_RESULT_BYTES)
                .ok()
                .and_then(|b| serde_json::from_slice::<BatchDone>(&b).ok());
            if let Some(recorded) = recorded
                && (BatchDone {
                    results: recorded.results.clone(),
                    ..done.clone()
                }) == recorded
                && recorded.results_intact(&dir)
                && let Ok(rows) =
                    crate::input::read_limited(&rows_file, crate::input::MAX_RESULT_BYTES)
                && let Ok(rows) = String::from_utf8(rows)
            {
                csv.push_str(&rows);
                skipped += 1;
                progress(outln!("{shown}: unchanged, skipped (--resume)"))?;
                kept.push(shown);
                continue;
            }
        }
        let mut rows = String::new();
        let finished = (|| -> Result<(), Error> {
            for (case, scenario) in &cases {
                let case_dir = case_folder(if case == "Base" { "base" } else { case });
                let model = Model::new(scenario);
                if let Some((k, n)) = shard {
                    let case_out = prepare(&dir.join(&case_dir))?;
                    let stress = (case != "Base").then(|| case.clone());
                    let name = write_shard(
                        &case_out,
                        &file,
                        &label,
                        stress,
                        scenario,
                        (k, n),
                        threads,
                        args.sim.quiet,
                    )?;
                    let bytes = std::fs::read(case_out.path().join(&name)).map_err(|source| {
                        Error::Output {
                            path: case_out.path().join(&name),
                            source,
                        }
                    })?;
                    done.results
                        .push((format!("{case_dir}/{name}"), content_hash(&bytes)));
                    continue;
                }
                let mut case_out = stage(&dir.join(&case_dir))?;
                let result = simulate(&model, 0, scenario.paths, threads, args.sim.quiet)?;
                let run = Run::new(scenario.clone(), &label, result);
                let summary = Summary::new(&run);
                write_run_outputs(&mut case_out, &run, &summary, !args.charts)?;
                commit(case_out)?;
                let json = output::render_json(&summary);
                done.results.push((
                    format!("{case_dir}/summary.json"),
                    content_hash(json.as_bytes()),
                ));
                rows.push_str(&batch_rows(&label, &hash, case, &summary));
                // Each policy's probability by its name when there are several.
                let policies = match summary.shown_policies() {
                    [] | [_] => format!(
                        "{} insured",
                        crate::table::percent(
                            summary.insured().common.shortfall_probability.estimate
                        )
                    ),
                    many => many
                        .iter()
                        .map(|p| {
                            format!(
                                "{} {}",
                                crate::table::percent(
                                    p.figures.common.shortfall_probability.estimate
                                ),
                                crate::text::terminal(&p.name)
                            )
                        })
                        .collect::<Vec<_>>()
                        .join(", "),
                };
                progress(outln!(
                    "{shown} [{}]: P(shortfall) {} uninsured, {policies}",
                    crate::text::terminal(case),
                    crate::table::percent(summary.uninsured.shortfall_probability.estimate),
                ))?;
            }
            Ok(())
        })();
        match finished {
            Ok(()) => {}
            Err(Error::Interrupted) => return Err(Error::BatchInterrupted { kept }),
            Err(e) => return Err(e),
        }
        write(&scenario_out, "rows.csv", rows.as_bytes())?;
        let stamp = serde_json::to_string_pretty(&done).map_err(|e| Error::Bug(e.to_string()))?;
        write(&scenario_out, "batch-done.json", stamp.as_bytes())?;
        csv.push_str(&rows);
        kept.push(shown);
    }
    if shard.is_none() {
        write(&root, "summary.csv", csv.as_bytes())?;
    }
    progress(outln!(
        "batch: {} scenario files, {} with problems, {} skipped as unchanged, {:.1} s; results in {}",
        files.len(),
        failed,
        skipped,
        started.elapsed().as_secs_f64(),
        crate::text::path(root.path())
    ))?;
    if failed > 0 {
        return Err(Error::Several {
            failed,
            total: files.len(),
            io_only,
        });
    }
    Ok(())
}
