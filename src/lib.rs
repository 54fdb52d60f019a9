//! # cashrisk
//!
//! How likely is a company to run out of cash, and what does a trade credit insurance
//! policy change about that? cashrisk reads a scenario file (TOML) describing the
//! company, its buyers and optionally a policy, simulates daily cash-flow paths, every
//! path twice on the same random draws (uninsured and insured), and reports
//! liquidity-shortfall probabilities with intervals, timing, depth, cash-flow-at-risk,
//! credit-loss distributions, what the policy costs and pays, and the paired difference.
//! The model is the contract in `docs/MODEL.md` (version 2, all of it); `docs/`
//! explains every figure.
//!
//! ## Guarantees
//!
//! - **Reproducible**: the same scenario, seed and number of paths give the same
//!   figures to the last digit on any number of threads ([`run`]).
//! - **Portable streams**: every random number is Philox4x32-10 of (seed, path,
//!   stream, index) ([`rng`]); path k never depends on another path, and a stress case
//!   never shifts which number an invoice gets.
//! - **Small memory**: a run keeps five numbers (40 bytes) per path plus fixed-size
//!   histograms; shards keep each process small.
//! - **Honest input handling**: a bad scenario is an error that names the file, the
//!   key and the fix ([`scenario`]); nothing is silently repaired.
//! - **Safe output**: a run's files appear all at once or not at all, temporary files
//!   are created exclusively under unpredictable names, and no write follows a symlink
//!   ([`output`]).
//! - **Untrusted files are safe**: a scenario or partial file from a stranger cannot
//!   run code in the report ([`html`]), print escape sequences or start a CSV formula
//!   ([`text`]), write outside the output folder, hang on a FIFO or exhaust memory
//!   ([`input`]); a damaged partial file is refused by its checksum ([`partial`]).
//!   `docs/security.md` lists each guarantee.
//!
//! ## Use as a library
//!
//! The command line ([`cli`]: clap, the progress bar, signal handling) is the default
//! feature `cli`; a library user who does not want it depends on cashrisk with
//! `default-features = false`. A change to a scenario is a [`scenario::WhatIf`].
//!
//! ```
//! use cashrisk::{model::Model, run::{Run, run}, scenario::ScenarioFile, summary::Summary};
//! let text = r#"
//!     [scenario]
//!     name = "Doc example"
//!     [simulation]
//!     paths = 200
//!     [company]
//!     opening_cash = 10000.0
//!     [revenue]
//!     monthly = 50000.0
//!     [[buyers]]
//!     name = "Big buyer"
//!     share = 0.6
//!     terms_days = 60
//!     pd = 0.05
//!     lgd = 0.9
//! "#;
//! let file = ScenarioFile::parse("doc.toml".as_ref(), text.to_string()).unwrap();
//! let model = Model::new(&file.base);
//! let result = run(&model, 0, file.base.paths, 1, &|_| {});
//! let summary = Summary::new(&Run::new(file.base, "doc.toml", result));
//! assert_eq!(summary.simulation.paths, 200);
//! ```

pub mod charts;
#[cfg(feature = "cli")]
pub mod cli;
pub mod cost;
pub mod csv_files;
pub mod decision;
pub mod delay;
pub mod dist;
pub mod engine;
pub mod error;
pub mod fan;
pub mod figures;
pub mod html;
pub mod input;
pub mod insurer;
pub mod model;
pub mod output;
pub mod partial;
pub mod quotes;
pub mod report;
pub mod rng;
pub mod run;
pub mod scenario;
pub mod stats;
pub mod study;
pub mod suggest;
pub mod summary;
pub mod table;
pub mod text;
pub mod variant;
