//! `patvault exec`: runs a command with the secret in one environment variable and
//! nowhere else (not in argv, not in a file), and passes its exit status through.

use std::ffi::OsString;
use std::process::Command;

use crate::error::VaultError;
use crate::secret::Secret;

pub fn exec(secret: Secret, var: &str, command: &[OsString]) -> Result<i32, VaultError> {
    if var.is_empty() || var.contains(['=', '\0']) {
        return Err(VaultError::Invalid(format!(
            "“{var}” cannot be an environment variable name"
        )));
    }
    let (program, args) = command
        .split_first()
        .ok_or_else(|| VaultError::Invalid("name a command to run after --".into()))?;
    let status = Command::new(program)
        .args(args)
        .env(var, secret.expose())
        .status()
        .map_err(|e| {
            VaultError::Invalid(format!("could not run {}: {e}", program.to_string_lossy()))
        })?;
    drop(secret);
    Ok(exit_code(status))
}

#[cfg(unix)]
fn exit_code(status: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status
        .code()
        .or_else(|| status.signal().map(|s| 128 + s))
        .unwrap_or(1)
}

#[cfg(not(unix))]
fn exit_code(status: std::process::ExitStatus) -> i32 {
    status.code().unwrap_or(1)
}
