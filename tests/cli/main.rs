//! Integration tests for the core scan: one binary, a module per area. Each test builds a
//! temporary tree with generated tokens and drives the real `leakgate` executable.

#[path = "../common/mod.rs"]
mod common;

mod ci;
mod config;
mod findings;
mod gate_hook;
mod gate_output;
mod gate_pr;
mod gate_tree;
mod github;
mod hook;
mod init;
mod noise;
mod output;
mod precision;
mod report;
mod rules;
mod suppress;
mod walk;
