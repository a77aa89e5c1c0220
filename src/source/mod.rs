//! What to scan: cheap enumerations of inputs. Each source hands bytes to the engine and never
//! decides what is a secret.

pub mod stream;
pub mod worktree;
