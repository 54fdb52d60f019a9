//! Turning results into bytes (pure functions) and writing them safely (one place).
//!
//! Renderers take results and return text; they never touch the file system.
//! [`OutputDir`] is checked before a simulation starts, and every file is written to
//! a temporary name in the same folder and then renamed, so a reader never sees a
//! half-written file.

use crate::engine::{INSURED, UNINSURED};
use crate::run::RunResult;
use crate::stats::{P5, P25, P50, P75, P95};
use crate::summary::Summary;
use std::fmt::Write as _;
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
    let n = result.paths();
    let mut out = String::from("day");
    for v in ["uninsured", "insured"] {
        for p in ["p5", "p25", "p50", "p75", "p95", "shortfall_cdf"] {
            let _ = write!(out, ",{v}_{p}");
        }
    }
    out.push('\n');
    let mut cumulative = [0u64; 2];
    for day in 0..result.fan.horizon {
        let _ = write!(out, "{day}");
        for v in [UNINSURED, INSURED] {
            for level in [P5, P25, P50, P75, P95] {
                let _ = write!(out, ",{}", result.fan.percentile(v, day, n, level));
            }
            cumulative[v] += result.shortfall_days[v][day];
            let _ = write!(out, ",{}", cumulative[v] as f64 / n as f64);
        }
        out.push('\n');
    }
    out
}

/// A folder that results go to, checked to be writable before any work starts.
#[derive(Debug, Clone)]
pub struct OutputDir {
    path: PathBuf,
}

impl OutputDir {
    /// Creates the folder if needed and proves it writable with a probe file.
    pub fn prepare(path: &Path) -> std::io::Result<OutputDir> {
        std::fs::create_dir_all(path)?;
        let probe = path.join(format!(".cashrisk-probe-{}", std::process::id()));
        std::fs::File::create(&probe)?.write_all(b"probe")?;
        std::fs::remove_file(&probe)?;
        Ok(OutputDir {
            path: path.to_path_buf(),
        })
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `name` atomically: a temporary file in the same folder, then a rename.
    pub fn write(&self, name: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
        let target = self.path.join(name);
        let tmp = self
            .path
            .join(format!(".{name}.tmp-{}", std::process::id()));
        let result = (|| {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &target)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result.map(|_| target)
    }
}
