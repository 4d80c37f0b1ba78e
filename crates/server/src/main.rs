//! `clinic-vault-server`: parses the command line, loads the settings (defaults, the
//! TOML file, `CLINIC_VAULT_SERVER_…` variables) and runs the command.

use std::process::ExitCode;

use clap::Parser;
use clinic_vault_server::cli::{run, Cli};
use clinic_vault_server::{logging, tls, Settings};

#[tokio::main]
async fn main() -> ExitCode {
    logging::init();
    // Before any TLS client is built (the S3 blob store): ring, never aws-lc-rs.
    let _provider = tls::install_crypto();
    let cli = Cli::parse();
    let config = cli
        .config
        .clone()
        .or_else(|| std::env::var_os("CLINIC_VAULT_SERVER_CONFIG").map(Into::into));
    let result = match Settings::load(config.as_deref(), std::env::vars()) {
        Ok(settings) => run(cli.command, &settings, &mut std::io::stdout().lock()).await,
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let mut stderr = std::io::stderr().lock();
            let _ignored =
                std::io::Write::write_fmt(&mut stderr, format_args!("clinic-vault-server: {e}\n"));
            ExitCode::FAILURE
        }
    }
}
