//! The `leakgate` binary: parse arguments, run the command, map the result to an exit code
//! (0 clean, 1 findings, 2 error). Errors are one line on stderr, never a panic trace.

use clap::Parser;
use leakgate::cli::{Cli, Command, ScanArgs};
use leakgate::cmd;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Scan(args) => cmd::scan::run(args),
        Command::Protect(args) => cmd::scan::run(&ScanArgs {
            staged: true,
            ..args.clone()
        }),
        Command::Bundle(args) => cmd::bundle::run(args),
        Command::Env(args) => cmd::env::run(args),
        Command::Rules(command) => cmd::rules::run(command),
        Command::Baseline(command) => cmd::baseline::run(command),
        Command::Redact(args) => cmd::redact::run(args),
        Command::InstallHook { force, path } => cmd::hook::install(path, *force),
        Command::UninstallHook { path } => cmd::hook::uninstall(path),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            let message = format!("{err:#}");
            eprintln!("leakgate: error: {}", message.replace('\n', " "));
            ExitCode::from(cmd::EXIT_ERROR)
        }
    }
}
