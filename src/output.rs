//! Turning results into bytes (pure functions) and writing them safely (one place).
//!
//! Renderers take results and return text; they never touch the file system. Two
//! kinds of folder take their bytes, both checked before a simulation starts:
//!
//! - a [`RunFolder`] holds the outputs of one run or study: they are written into a
//!   hidden sibling folder and swapped in together at the end, so the folder shows all
//!   of one run or none of it, never a mix of two (after a full disk, Ctrl-C or
//!   SIGKILL); leftovers of a killed run are removed by the next run beside them;
//! - an [`OutputDir`] gathers files that come one at a time (a shard's partial result,
//!   a batch's `summary.csv`): each is written to a temporary file and renamed.
//!
//! Temporary files and folders are created exclusively (`O_EXCL`) under unpredictable
//! names by the `tempfile` crate, so a symlink planted in an output folder cannot
//! redirect a write; a rename replaces a symlink, it never writes through one.

use crate::charts::Chart;
use crate::run::{Run, RunResult};
use crate::stats::{P5, P25, P50, P75, P95};
use crate::summary::Summary;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// `summary.json`: pretty-printed, keys in a fixed order, no wall-clock field.
pub fn render_json(summary: &Summary) -> String {
    let mut s = serde_json::to_string_pretty(summary).unwrap_or_else(|e| {
        // Serialising plain numbers and strings cannot fail; say so loudly if it does.
        panic!("bug: summary could not be serialised: {e}")
    });
    s.push('\n');
    s
}

/// `timeseries.csv`: per day, headroom percentiles and the cumulative shortfall
/// probability of each variant (MODEL.md section 11).
pub fn render_timeseries(result: &RunResult) -> String {
    use crate::csv_files::{TimeseriesRow, render};
    let n = result.paths();
    let variants = result.variants.len();
    let mut cumulative = vec![0u64; variants];
    let rows: Vec<TimeseriesRow> = (0..result.fan.horizon)
        .map(|day| TimeseriesRow {
            day,
            variants: (0..variants)
                .map(|v| {
                    cumulative[v] += result.variants[v].shortfall_days[day];
                    let [p5, p25, p50, p75, p95] =
                        [P5, P25, P50, P75, P95].map(|l| result.fan.percentile(v, day, n, l));
                    [p5, p25, p50, p75, p95, cumulative[v] as f64 / n as f64]
                })
                .collect(),
        })
        .collect();
    let names: Vec<_> = (0..variants).map(crate::variant::name).collect();
    render(&TimeseriesRow::header(&names), &rows)
}

/// One file of a run's folder, made from the run, its summary and its charts.
#[derive(Debug, Clone, Copy)]
pub struct RunFile {
    /// The file's name.
    pub name: &'static str,
    /// True for the files that need the charts (left out with `--no-charts`).
    pub needs_charts: bool,
    /// The file's bytes.
    pub render: fn(&Run, &Summary, &[Chart]) -> Vec<u8>,
}

/// The files of a run's folder besides the charts themselves (which
/// [`crate::charts::render_all`] draws): the one registry of a run's outputs.
pub const RUN_FILES: &[RunFile] = &[
    RunFile {
        name: "summary.json",
        needs_charts: false,
        render: |_, summary, _| render_json(summary).into_bytes(),
    },
    RunFile {
        name: "timeseries.csv",
        needs_charts: false,
        render: |run, _, _| render_timeseries(&run.result).into_bytes(),
    },
    RunFile {
        name: "report.html",
        needs_charts: true,
        render: |run, summary, charts| crate::report::render(run, summary, charts).into_bytes(),
    },
];

/// Every file of a run's folder as (name, bytes), in the order they are written: the
/// files of [`RUN_FILES`] that need no chart, then (unless `no_charts`) each chart as
/// SVG and PNG, then the files that show them. Pure: nothing is written here.
pub fn run_files(
    run: &Run,
    summary: &Summary,
    no_charts: bool,
) -> Result<Vec<(String, Vec<u8>)>, String> {
    let charts = if no_charts {
        Vec::new()
    } else {
        crate::charts::render_all(&crate::charts::ChartData::new(run, summary))?
    };
    let mut files: Vec<(String, Vec<u8>)> = RUN_FILES
        .iter()
        .filter(|f| !f.needs_charts)
        .map(|f| (f.name.to_string(), (f.render)(run, summary, &charts)))
        .collect();
    if !no_charts {
        for chart in &charts {
            files.push((
                format!("{}.svg", chart.name),
                chart.svg.clone().into_bytes(),
            ));
            files.push((format!("{}.png", chart.name), chart.png.clone()));
        }
        for f in RUN_FILES.iter().filter(|f| f.needs_charts) {
            files.push((f.name.to_string(), (f.render)(run, summary, &charts)));
        }
    }
    Ok(files)
}

/// Prefix of every temporary file and folder cashrisk makes.
const TEMP_PREFIX: &str = ".cashrisk-";

/// The operating system's error without the temporary file's random name that
/// `tempfile` adds ("... at path /out/.cashrisk-tmp-x8Yq"): messages name the file the
/// user asked for.
fn plain(e: std::io::Error) -> std::io::Error {
    // tempfile's wrapper hides the inner error (its `source` is the inner one's source),
    // so the kind is kept and the text cut before the path it appends.
    let text = e.to_string();
    match text.split_once(" at path \"") {
        Some((reason, _)) => std::io::Error::new(e.kind(), reason.to_string()),
        None => e,
    }
}

/// A builder of exclusive temporary files (or folders, `dir`) named `prefix` plus
/// random letters, with the modes that ordinary files and folders get (0666 and 0777
/// less the umask), not tempfile's private 0600 and 0700: the results are the user's
/// files, to be read by the group on a shared machine as any other.
fn temp_builder(prefix: &str, dir: bool) -> tempfile::Builder<'_, 'static> {
    let mut b = tempfile::Builder::new();
    b.prefix(prefix);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        b.permissions(std::fs::Permissions::from_mode(if dir {
            0o777
        } else {
            0o666
        }));
    }
    #[cfg(not(unix))]
    let _ = dir;
    b
}

/// A folder that files are written into one at a time, each atomically.
#[derive(Debug, Clone)]
pub struct OutputDir {
    path: PathBuf,
}

impl OutputDir {
    /// Creates the folder if needed and proves it writable with an exclusive probe file.
    pub fn prepare(path: &Path) -> std::io::Result<OutputDir> {
        std::fs::create_dir_all(path)?;
        let mut probe = tempfile::Builder::new()
            .prefix(&format!("{TEMP_PREFIX}probe-"))
            .tempfile_in(path)
            .map_err(plain)?;
        probe.write_all(b"probe")?;
        Ok(OutputDir {
            path: path.to_path_buf(),
        })
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `name` atomically: an exclusive temporary file in the same folder, then a
    /// rename over `name`.
    pub fn write(&self, name: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
        write_atomic(&self.path, name, bytes)
    }
}

/// Writes `dir/name` through an exclusive temporary file in `dir` and a rename.
pub fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
    let target = dir.join(name);
    let mut tmp = temp_builder(&format!("{TEMP_PREFIX}tmp-"), false)
        .tempfile_in(dir)
        .map_err(plain)?;
    tmp.write_all(bytes).map_err(plain)?;
    tmp.as_file().sync_all().map_err(plain)?;
    tmp.persist(&target).map_err(|e| plain(e.error))?;
    Ok(target)
}

/// Writes `path` only if it does not exist yet, atomically (for `init`): the file
/// appears whole or not at all, also on a full disk.
pub fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = temp_builder(&format!("{TEMP_PREFIX}tmp-"), false)
        .tempfile_in(dir)
        .map_err(plain)?;
    tmp.write_all(bytes).map_err(plain)?;
    tmp.as_file().sync_all().map_err(plain)?;
    tmp.persist_noclobber(path).map_err(|e| plain(e.error))?;
    Ok(())
}

/// The outputs of one run or study, staged beside their folder and swapped in at once.
///
/// [`RunFolder::new`] refuses a target that holds anything but the outputs of a run (a
/// run replaces its folder whole, so it must never be pointed at a folder of other
/// documents, nor at partial results of shards); [`RunFolder::write`] writes into the stage; [`RunFolder::commit`] moves
/// the old folder aside, renames the stage into place and removes the old one. Dropping
/// a `RunFolder` without committing removes the stage and leaves the target as it was.
#[derive(Debug)]
pub struct RunFolder {
    target: PathBuf,
    stage: tempfile::TempDir,
    files: usize,
}

impl RunFolder {
    /// Checks `target` and makes the stage beside it (which also proves the parent
    /// writable).
    pub fn new(target: &Path) -> std::io::Result<RunFolder> {
        let name = target.file_name().ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "not a folder name (it ends in `..` or is a root); name a folder to create",
            )
        })?;
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if std::fs::symlink_metadata(target).is_ok() {
            check_replaceable(target)?;
        }
        std::fs::create_dir_all(&parent)?;
        let _ = name;
        remove_leftovers(&parent);
        let stage = temp_builder(&format!("{STAGE_PREFIX}{}-", std::process::id()), true)
            .tempdir_in(&parent)
            .map_err(plain)?;
        Ok(RunFolder {
            target: target.to_path_buf(),
            stage,
            files: 0,
        })
    }

    /// The folder the outputs will be in.
    pub fn path(&self) -> &Path {
        &self.target
    }

    /// Writes one output into the stage (a new file in a private folder).
    pub fn write(&mut self, name: &str, bytes: &[u8]) -> std::io::Result<()> {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(self.stage.path().join(name))?;
        f.write_all(bytes)?;
        f.sync_all()?;
        self.files += 1;
        Ok(())
    }

    /// The number of outputs written.
    pub fn files(&self) -> usize {
        self.files
    }

    /// Puts the outputs in place of the target folder, all at once.
    pub fn commit(self) -> std::io::Result<PathBuf> {
        let stage = self.stage.keep();
        let result = (|| {
            let old = if std::fs::symlink_metadata(&self.target).is_ok() {
                // Checked again: the folder may have changed during the run.
                check_replaceable(&self.target)?;
                let aside = stage.with_file_name(format!(
                    "{}old",
                    stage
                        .file_name()
                        .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
                ));
                std::fs::rename(&self.target, &aside)?;
                Some(aside)
            } else {
                None
            };
            std::fs::rename(&stage, &self.target)?;
            if let Some(old) = old {
                // The new outputs are in place; an old folder that cannot be removed
                // now is a leftover that the next run beside it removes.
                let _ = remove_run_folder(&old);
            }
            Ok(())
        })();
        if result.is_err() {
            let _ = remove_run_folder(&stage);
        }
        result.map(|()| self.target)
    }
}

/// The prefix of stage folders: `.cashrisk-stage-<process id>-<random>`.
const STAGE_PREFIX: &str = ".cashrisk-stage-";

/// The files of a study's folder besides its charts.
pub const STUDY_FILES: &[&str] = &["stress.csv", "sweep.csv", "sensitivity.csv"];

/// Names of the files a run or study folder holds (the registries above; charts by
/// their extension).
fn is_output_name(name: &str) -> bool {
    RUN_FILES.iter().any(|f| f.name == name)
        || STUDY_FILES.contains(&name)
        || name.ends_with(".svg")
        || name.ends_with(".png")
}

/// A target may be replaced when it is a real folder (not a symlink) that holds only
/// files named like run outputs (or nothing).
fn check_replaceable(target: &Path) -> std::io::Result<()> {
    let meta = std::fs::symlink_metadata(target)?;
    if !meta.is_dir() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            "it exists and is not a folder (a file or a symlink); choose a new folder",
        ));
    }
    for entry in std::fs::read_dir(target)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !entry.file_type()?.is_file() || !is_output_name(&name) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                format!(
                    "it holds `{}`, which cashrisk did not write; a run replaces its folder \
                     whole, so choose a new or empty folder",
                    crate::text::terminal(&name)
                ),
            ));
        }
    }
    Ok(())
}

/// Removes a replaced run folder: only its files, then the folder (never recursing
/// into anything else).
fn remove_run_folder(dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_file() || entry.file_type()?.is_symlink() {
            std::fs::remove_file(entry.path())?;
        }
    }
    std::fs::remove_dir(dir)
}

/// Removes the stage folders in `parent` whose process is gone (a killed run). The
/// owner's process id is in the name; on systems without `/proc` nothing is removed,
/// and leftovers are only hidden folders that no run reads.
fn remove_leftovers(parent: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    if !Path::new("/proc/self").exists() {
        return;
    }
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(STAGE_PREFIX) else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if is_dir && pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = remove_run_folder(&entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_folder_appears_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("run");
        let mut first = RunFolder::new(&target).unwrap();
        first.write("summary.json", b"seed 1").unwrap();
        first.write("report.html", b"seed 1").unwrap();
        first.commit().unwrap();

        // A second run that fails half-way leaves the first run's files as they were.
        let mut second = RunFolder::new(&target).unwrap();
        second.write("summary.json", b"seed 2").unwrap();
        assert!(second.write("no/such/dir", b"x").is_err());
        drop(second);
        assert_eq!(
            std::fs::read(target.join("summary.json")).unwrap(),
            b"seed 1"
        );
        assert_eq!(
            std::fs::read(target.join("report.html")).unwrap(),
            b"seed 1"
        );

        // A run that finishes replaces the whole set: no report.html of seed 1 stays.
        let mut third = RunFolder::new(&target).unwrap();
        third.write("summary.json", b"seed 3").unwrap();
        third.commit().unwrap();
        assert_eq!(
            std::fs::read(target.join("summary.json")).unwrap(),
            b"seed 3"
        );
        assert!(!target.join("report.html").exists());
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["run"], "no stage folder is left behind");
    }

    #[test]
    fn a_folder_of_other_files_is_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("thesis.docx"), b"years of work").unwrap();
        let err = RunFolder::new(dir.path()).unwrap_err();
        assert!(err.to_string().contains("thesis.docx"), "{err}");
        assert!(dir.path().join("thesis.docx").exists());
    }

    #[test]
    fn leftovers_of_a_dead_process_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        // No process has id 4,000,000,000 (Linux allows at most 2^22).
        let stale = dir.path().join(".cashrisk-stage-4000000000-abc");
        std::fs::create_dir(&stale).unwrap();
        std::fs::write(stale.join("summary.json"), b"old").unwrap();
        let folder = RunFolder::new(&dir.path().join("run")).unwrap();
        if Path::new("/proc/self").exists() {
            assert!(!stale.exists());
        } else {
            eprintln!("SKIPPED: no /proc on this system, leftovers are only ignored");
        }
        // A live stage (this process's own) is kept.
        assert!(folder.stage.path().exists());
    }

    #[cfg(unix)]
    #[test]
    fn outputs_get_the_modes_of_ordinary_files() {
        use std::os::unix::fs::PermissionsExt as _;
        // The umask of this process decides; compare with a file made the plain way.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("plain"), b"x").unwrap();
        std::fs::create_dir(dir.path().join("plain-dir")).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let out = OutputDir::prepare(dir.path()).unwrap();
        out.write("atomic", b"x").unwrap();
        write_new(&dir.path().join("new"), b"x").unwrap();
        let mut run = RunFolder::new(&dir.path().join("run")).unwrap();
        run.write("summary.json", b"x").unwrap();
        run.commit().unwrap();
        let file_mode = mode(&dir.path().join("plain"));
        for f in ["atomic", "new", "run/summary.json"] {
            assert_eq!(mode(&dir.path().join(f)), file_mode, "{f}");
        }
        assert_eq!(
            mode(&dir.path().join("run")),
            mode(&dir.path().join("plain-dir"))
        );
    }

    #[test]
    fn a_planted_symlink_is_replaced_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, b"precious").unwrap();
        let out = OutputDir::prepare(&dir.path().join("out")).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(&victim, out.path().join("summary.csv")).unwrap();
        out.write("summary.csv", b"results").unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
        assert_eq!(
            std::fs::read(out.path().join("summary.csv")).unwrap(),
            b"results"
        );
    }
}
