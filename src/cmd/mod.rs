//! One file per subcommand. Each returns the process exit code; errors bubble up as `anyhow`
//! and become one line on stderr with exit code 2 in `main`.

pub mod baseline;
pub mod env;
pub mod hook;
pub mod redact;
pub mod rules;
pub mod scan;

/// Exit codes, documented in the README and `--help`.
pub const EXIT_CLEAN: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_ERROR: u8 = 2;
