//! `patvault exec`: runs a command with the secret in one environment variable and
//! nowhere else (not in argv, not in a file). On Unix PAT Vault becomes the command
//! (`exec(2)`): no parent stays behind holding the secret, and signals sent to it (an MCP
//! client stopping its server) reach the command. Elsewhere it runs the command and
//! passes its exit status through.

use std::ffi::OsString;
use std::process::Command;

use super::error::CliError;
use patvault_core::secret::Secret;
use patvault_core::wire::variable;

pub fn exec(secret: Secret, var: &str, command: &[OsString]) -> Result<i32, CliError> {
    variable::check(var).map_err(CliError::Input)?;
    let (program, args) = command
        .split_first()
        .ok_or_else(|| CliError::Input("name a command to run after --".into()))?;
    let mut child = Command::new(program);
    child.args(args).env(var, secret.expose());
    let could_not_run = |e: std::io::Error| {
        CliError::Input(format!("could not run {}: {e}", program.to_string_lossy()))
    };
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // Returns only when the command could not be started.
        let error = child.exec();
        drop(secret);
        Err(could_not_run(error))
    }
    #[cfg(not(unix))]
    {
        let status = child.status().map_err(could_not_run)?;
        drop(secret);
        Ok(status.code().unwrap_or(1))
    }
}
