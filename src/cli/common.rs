//! What every command shares: stdout that a closed pipe cannot turn into a panic,
//! output folders staged and committed, the progress bar, thread counts.

use super::plan::*;
use crate::error::Error;
use crate::model::Model;
use crate::output::{OutputDir, RunFolder};
use crate::run::{RunResult, run};
use crate::scenario::ScenarioFile;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Writes to stdout. A closed pipe (`cashrisk schema | head -1`) is
/// [`Error::StdoutClosed`], a clean stop as in ripgrep; any other failure (a full
/// disk behind a redirect) is an output error.
pub fn write_stdout(args: std::fmt::Arguments<'_>, newline: bool) -> Result<(), Error> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let written = stdout.write_fmt(args).and_then(|()| {
        if newline {
            stdout.write_all(b"\n")?;
        }
        stdout.flush()
    });
    written.map_err(|source| {
        if source.kind() == std::io::ErrorKind::BrokenPipe {
            Error::StdoutClosed
        } else {
            Error::Stdout(source)
        }
    })
}

/// A line of a job whose exit code says more than its output (batch, validate): when
/// stdout is closed the job still finishes, so that its files are whole and its exit
/// code tells whether every scenario was good.
/// Loads a scenario file and reports its plausibility warnings on stderr; with
/// `--deny-warnings` they make the file an error.
pub(crate) fn load_scenario(path: &Path, deny_warnings: bool) -> Result<ScenarioFile, Error> {
    let file = load_denying(path, deny_warnings)?;
    check_warnings(&file, false)?;
    Ok(file)
}

/// Loads a scenario file; with `deny_warnings`, a file with plausibility warnings is
/// an error (for commands that go on with the next file).
pub(crate) fn load_denying(
    path: &Path,
    deny_warnings: bool,
) -> Result<ScenarioFile, crate::scenario::ScenarioError> {
    let file = ScenarioFile::load(path)?;
    if deny_warnings && !file.warnings().is_empty() {
        return Err(file.warnings_as_error());
    }
    Ok(file)
}

/// Prints the plausibility warnings of a loaded file (stderr), or with
/// `deny_warnings` returns them as the file's error.
pub(crate) fn check_warnings(file: &ScenarioFile, deny_warnings: bool) -> Result<(), Error> {
    let warnings = file.warnings();
    if deny_warnings && !warnings.is_empty() {
        return Err(Error::Scenario(file.warnings_as_error()));
    }
    for w in warnings {
        eprintln!(
            "warning: {}: {}",
            crate::text::path(&file.path),
            crate::text::terminal_line(&w.to_string())
        );
    }
    Ok(())
}

pub(crate) fn progress(printed: Result<(), Error>) -> Result<(), Error> {
    match printed {
        Err(Error::StdoutClosed) => Ok(()),
        other => other,
    }
}

/// The default output folder of a scenario file: `output/<file stem>[-<case>]`, each
/// part a single safe path component ([`crate::text::path_component`]; a stem of dots
/// only, as of `...toml`, becomes `scenario`).
pub fn default_out_dir(file: &Path, suffix: Option<&str>) -> PathBuf {
    let stem = file
        .file_stem()
        .and_then(|s| crate::text::path_component(&s.to_string_lossy()))
        .unwrap_or_else(|| "scenario".to_string());
    let name = match suffix {
        Some(s) => format!("{stem}-{}", case_folder(s)),
        None => stem,
    };
    PathBuf::from("output").join(name)
}

/// The folder of a case of a batch (`base` for the base case). Validation keeps the
/// folders of a file's cases distinct and non-empty; `case` is only a last resort for
/// names made outside a file.
pub fn case_folder(name: &str) -> String {
    crate::text::path_component(name).unwrap_or_else(|| "case".to_string())
}

pub(crate) fn threads(sim_threads: Option<usize>) -> Result<usize, Error> {
    match sim_threads {
        Some(0) => Err(Error::Usage {
            flag: "--threads",
            message: "must be at least 1; leave it out to use every core".to_string(),
        }),
        Some(t) => Ok(t),
        None => Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
    }
}

pub(crate) fn prepare(path: &Path) -> Result<OutputDir, Error> {
    OutputDir::prepare(path).map_err(|source| Error::Output {
        path: path.to_path_buf(),
        source,
    })
}

pub(crate) fn stage(path: &Path) -> Result<RunFolder, Error> {
    RunFolder::new(path).map_err(|source| Error::Output {
        path: path.to_path_buf(),
        source,
    })
}

pub(crate) fn stage_write(out: &mut RunFolder, name: &str, bytes: &[u8]) -> Result<(), Error> {
    out.write(name, bytes).map_err(|source| Error::Output {
        path: out.path().join(name),
        source,
    })
}

/// Swaps a run's outputs into place (after a last check for Ctrl-C); returns the
/// folder and the number of files.
pub(crate) fn commit(out: RunFolder) -> Result<(PathBuf, usize), Error> {
    if crate::run::interrupted() {
        return Err(Error::Interrupted);
    }
    let files = out.files();
    let path = out.path().to_path_buf();
    out.commit()
        .map(|p| (p, files))
        .map_err(|source| Error::Output { path, source })
}

pub(crate) fn write(out: &OutputDir, name: &str, bytes: &[u8]) -> Result<(), Error> {
    out.write(name, bytes)
        .map(|_| ())
        .map_err(|source| Error::Output {
            path: out.path().join(name),
            source,
        })
}

/// Simulates with a progress bar (when wanted); an error after Ctrl-C.
pub(crate) fn simulate(
    model: &Model,
    first: u64,
    count: u64,
    threads: usize,
    quiet: bool,
) -> Result<RunResult, Error> {
    check_cost(model, count, threads)?;
    let progress = Progress::new(count, quiet);
    let result = run(model, first, count, threads, &|n| progress.advance(n));
    progress.finish();
    if crate::run::interrupted() {
        return Err(Error::Interrupted);
    }
    Ok(result)
}

pub(crate) fn finish_message(count: usize, out: &Path, charts: bool) -> Result<(), Error> {
    outln!(
        "wrote {count} files to {}{}",
        crate::text::path(out),
        if charts {
            " (open report.html in a browser)"
        } else {
            ""
        }
    )
}

/// Peak resident memory of this process in KiB (Linux: VmHWM of /proc/self/status).
pub fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A progress bar on stderr that appears only for runs longer than a second, only on a
/// terminal, and never with --quiet.
pub(crate) struct Progress {
    bar: Option<indicatif::ProgressBar>,
    start: Instant,
    shown: std::sync::atomic::AtomicBool,
}

impl Progress {
    fn new(total: u64, quiet: bool) -> Progress {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::with_draw_target(
                Some(total),
                indicatif::ProgressDrawTarget::hidden(),
            );
            // indicatif's {per_sec} prints "41688.2507/s": a whole number reads better.
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{bar:40} {human_pos}/{human_len} paths, {paths_per_second} paths/s, about {eta} left",
            ) {
                bar.set_style(style.with_key(
                    "paths_per_second",
                    |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = write!(w, "{}", crate::table::thousands(state.per_sec()));
                    },
                ));
            }
            bar
        });
        Progress {
            bar,
            start: Instant::now(),
            shown: std::sync::atomic::AtomicBool::new(false),
        }
    }

    fn advance(&self, n: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(n);
            if self.start.elapsed() > Duration::from_secs(1)
                && !self.shown.swap(true, std::sync::atomic::Ordering::Relaxed)
            {
                bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            }
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
