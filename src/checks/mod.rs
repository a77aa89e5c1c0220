//! Repository-level checks over sets of files, beyond matching secret rules in each blob: each
//! check finds its own inputs, produces [`crate::finding::Finding`]s under its own rule ids
//! (with advice), and plugs into `cmd/scan.rs` as one more step. One module per check, each
//! with the same inner shape: rule infos, options, a `run` that returns findings and stats.

pub mod bundle;
