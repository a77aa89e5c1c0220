//! Repository-level checks over the set of files, as opposed to the per-blob secret rules:
//! each looks at several files together (env files across environments, build output) and
//! produces ordinary findings under its own rule ids. One module per check, same inner shape.

pub mod bundle;
pub mod env_files;
