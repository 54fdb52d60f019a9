//! The integration tests: one binary, a module per area (as ripgrep does).

mod agreement;
mod browser;
mod cli;
mod conveniences;
mod countries;
mod determinism;
mod errors;
mod financing;
mod mechanics;
mod monitoring;
mod opening;
mod policies;
mod properties;
mod reference;
mod security;
mod statistics;
mod studies;
mod targeted;
mod util;
mod years;
