//! The errors a user can cause or meet, and the exit code of each kind.

use crate::scenario::ScenarioError;
use std::path::PathBuf;

/// Exit code of a run that finished.
pub const EXIT_OK: i32 = 0;
/// Exit code for bad input: a scenario file or a command-line flag that needs fixing.
pub const EXIT_BAD_INPUT: i32 = 2;
/// Exit code for an input/output failure: a file that cannot be read or written.
pub const EXIT_IO: i32 = 3;
/// Exit code after Ctrl-C: the run stopped and wrote nothing.
pub const EXIT_INTERRUPTED: i32 = 130;
/// Exit code for a bug in cashrisk (a panic): please report it.
pub const EXIT_BUG: i32 = 70;

/// Everything that can stop a command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A scenario file is invalid or unreadable.
    #[error("{0}")]
    Scenario(#[from] ScenarioError),
    /// Several files failed (validate, batch); each is already reported.
    #[error("{failed} of {total} file(s) could not be used (problems listed above)")]
    Several {
        /// Files with problems.
        failed: usize,
        /// Files checked.
        total: usize,
        /// True when every failure was an I/O failure.
        io_only: bool,
    },
    /// A command-line value that cannot be used.
    #[error("{flag}: {message}")]
    Usage {
        /// The flag at fault, e.g. `--paths`.
        flag: &'static str,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// An input file other than a scenario (a partial result) is unusable.
    #[error("{}: {message}", path.display())]
    Input {
        /// The file.
        path: PathBuf,
        /// What is wrong and how to fix it.
        message: String,
        /// True when the file could not be read at all.
        io: bool,
    },
    /// Stopped by Ctrl-C (or SIGTERM, SIGHUP) before the results were complete.
    #[error("interrupted: the run stopped and wrote no results")]
    Interrupted,
    /// A batch stopped by Ctrl-C (or SIGTERM, SIGHUP): the scenario files finished
    /// before it keep their results.
    #[error("{}", batch_interrupted(kept))]
    BatchInterrupted {
        /// The scenario files whose results are complete and kept.
        kept: Vec<String>,
    },
    /// Something that cannot happen did (a chart that cannot be drawn, runs that do
    /// not join up): a bug in cashrisk, reported with exit code 70.
    #[error("bug in cashrisk: {0}; please report it with the command line and scenario")]
    Bug(String),
    /// Whoever read stdout stopped reading (`cashrisk schema | head -1`): not a
    /// failure, the command stops quietly with exit code 0.
    #[error("standard output was closed")]
    StdoutClosed,
    /// Standard output could not be written (a full disk behind a redirect).
    #[error("cannot write to standard output: {0}; check the file or pipe it is redirected to")]
    Stdout(std::io::Error),
    /// A file named on the command line (by `init`) that cannot be written.
    #[error("cannot write {}: {source}; free some space, or choose another folder", path.display())]
    WriteFile {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// An output file or folder that cannot be written.
    #[error("cannot write {}: {source}; choose a writable folder with --out", path.display())]
    Output {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
}

impl Error {
    /// The documented exit code of this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Scenario(e) if e.io => EXIT_IO,
            Error::Scenario(_) | Error::Usage { .. } => EXIT_BAD_INPUT,
            Error::Several { io_only: true, .. } => EXIT_IO,
            Error::Several { .. } => EXIT_BAD_INPUT,
            Error::Output { .. } | Error::WriteFile { .. } | Error::Stdout(_) => EXIT_IO,
            Error::Bug(_) => EXIT_BUG,
            Error::StdoutClosed => EXIT_OK,
            Error::Interrupted | Error::BatchInterrupted { .. } => EXIT_INTERRUPTED,
            Error::Input { io: true, .. } => EXIT_IO,
            Error::Input { .. } => EXIT_BAD_INPUT,
        }
    }
}

fn batch_interrupted(kept: &[String]) -> String {
    if kept.is_empty() {
        return "interrupted: no scenario file was finished, so none has results; run the \
                same command again (with --resume it skips files finished from now on)"
            .to_string();
    }
    format!(
        "interrupted: the results of {} finished scenario file(s) are kept ({}); the file \
         in progress has none, and summary.csv was not written. Run the same command with \
         --resume to continue: it skips the finished files.",
        kept.len(),
        kept.join(", ")
    )
}
