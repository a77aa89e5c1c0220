//! leakgate: a CI secret-and-config scanner.
//!
//! Data flows one way: enumerate inputs (`source`) -> read -> match (`engine`, driven by
//! `rules`) -> findings (`finding`, `detect`) -> report (`report`). The binary in `main.rs` is a
//! thin shell over `cmd`.

pub mod checks;
pub mod ci;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod detect;
pub mod engine;
pub mod finding;
pub mod report;
pub mod rules;
pub mod settings;
pub mod source;
pub mod stats;
pub mod suppress;
mod yaml;
