//! `leakgate schema`, `completions` and `man`: documents generated from the definitions they
//! describe (the config type, the clap command tree), so they cannot drift from the binary.

use super::EXIT_CLEAN;
use crate::cli::Cli;
use crate::report::document::write_stdout;
use anyhow::{Context, Result};
use clap::CommandFactory;
use std::path::Path;

/// The JSON Schema of `.leakgate.yml`, pretty-printed, with a final newline.
pub fn schema_text() -> String {
    let schema = crate::config::json_schema();
    let mut text = serde_json::to_string_pretty(&schema).expect("a JSON Schema serialises");
    text.push('\n');
    text
}

pub fn schema() -> Result<u8> {
    write_stdout(schema_text().as_bytes()).context("cannot write the schema")?;
    Ok(EXIT_CLEAN)
}

pub fn completions(shell: clap_complete::Shell) -> Result<u8> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "leakgate", &mut script);
    write_stdout(&script).context("cannot write the completion script")?;
    Ok(EXIT_CLEAN)
}

/// The man page of `leakgate` on stdout, or with `out_dir` one page per command there
/// (`leakgate.1`, `leakgate-scan.1`, ...), each file named as it is written.
pub fn man(out_dir: Option<&Path>) -> Result<u8> {
    let command = Cli::command();
    match out_dir {
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(command)
                .render(&mut page)
                .context("cannot render the man page")?;
            write_stdout(&page).context("cannot write the man page")?;
        }
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("{}: cannot create", dir.display()))?;
            clap_mangen::generate_to(command, dir)
                .with_context(|| format!("{}: cannot write the man pages", dir.display()))?;
            crate::report::note(&format!("wrote the man pages into {}", dir.display()));
        }
    }
    Ok(EXIT_CLEAN)
}

#[cfg(test)]
mod tests {
    use crate::checks::Switches;
    use crate::checks::env_files::EnvSettings;
    use crate::config::{Config, ENV_NAMES};

    #[test]
    fn every_env_name_the_schema_offers_is_accepted_by_the_env_checks() {
        for name in ENV_NAMES.iter().chain(&["PRODUCTION", " Staging "]) {
            let mut config = Config::default();
            config
                .env_files
                .insert("deploy/*.env".into(), name.to_string());
            assert!(
                EnvSettings::from_config(&config, Switches::default()).is_ok(),
                "{name}"
            );
        }
        let mut config = Config::default();
        config.env_files.insert("x.env".into(), "prodution".into());
        assert!(EnvSettings::from_config(&config, Switches::default()).is_err());
    }
}
