//! leakgate: a CI secret-and-config scanner.
//!
//! Data flows one way: `cli` (raw arguments) -> `settings` (validated once) -> `scan`
//! (orchestration: enumerate with `source`, match with `engine`, run the `checks`, merge) ->
//! `report` (formats only) -> `cmd` (the gate's exit code). `ARCHITECTURE.md` describes the
//! layers and what each may import; `tests/layering.rs` enforces it.
//!
//! The library's public API is what an embedder needs to match bytes against rules: [`engine`],
//! [`rules`] and [`finding`]. Everything else is the binary's and stays crate-private.

pub mod engine;
pub mod finding;
pub mod rules;

/// Public only so `benches/bundle.rs` can measure the bundle check in isolation; not a stable
/// API.
#[doc(hidden)]
pub mod checks;

mod cli;
mod cmd;
mod config;
mod delta;
mod inventory;
mod report;
mod scan;
mod settings;
mod source;
mod stats;
mod suppress;
mod text;
mod yaml;

/// The `leakgate` binary's whole life: parse arguments, run the command, map the result to an
/// exit code (0 clean, 1 findings, 2 error). Errors are one line on stderr, never a panic trace.
#[doc(hidden)]
pub fn run_from_args() -> std::process::ExitCode {
    use clap::Parser;
    use cli::{Cli, Command, ScanArgs};
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return cmd::usage_error(err),
    };
    let result = match &cli.command {
        Command::Scan(args) => cmd::scan::run(args),
        Command::Protect(args) => cmd::scan::run(&ScanArgs {
            staged: true,
            ..args.clone()
        }),
        Command::Merge(args) => cmd::merge::run(args),
        Command::Bundle(args) => cmd::bundle::run(args),
        Command::Env(args) => cmd::env::run(args),
        Command::Audit(args) => cmd::audit::run(args),
        Command::Checklist(args) => cmd::checklist::run(args),
        Command::Rules(command) => cmd::rules::run(command),
        Command::Baseline(command) => cmd::baseline::run(command),
        Command::Redact(args) => cmd::redact::run(args),
        Command::InstallHook {
            force,
            pre_push,
            path,
        } => cmd::hook::install(path, cmd::hook::Hook::chosen(*pre_push), *force),
        Command::UninstallHook { pre_push, path } => {
            cmd::hook::uninstall(path, cmd::hook::Hook::chosen(*pre_push))
        }
        Command::Init(args) => cmd::init::run(args),
        Command::Schema => cmd::docs::schema(),
        Command::Completions { shell } => cmd::docs::completions(*shell),
        Command::Man { out_dir } => cmd::docs::man(out_dir.as_deref()),
    };
    match result {
        Ok(code) => std::process::ExitCode::from(code),
        Err(err) if cmd::is_broken_pipe(&err) => {
            std::process::ExitCode::from(cmd::EXIT_BROKEN_PIPE)
        }
        Err(err) => {
            // Every cause once, on one line (an error that already quotes its cause does not
            // repeat it).
            // A last net under the error paths that describe values rather than echo them:
            // any secret the built-in rules recognise in the line is redacted.
            report::error(&cmd::redact_with_builtin_rules(&text::error_chain(
                err.as_ref(),
            )));
            std::process::ExitCode::from(cmd::EXIT_ERROR)
        }
    }
}
