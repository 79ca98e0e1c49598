//! Shell completions and the man pages, both from the clap definitions the parser uses.
//! Completion is dynamic: on each Tab the shell asks this binary (`COMPLETE=bash
//! patvault -- WORDS…`), so the token names offered are the inventory's as it is then.
//! Completing reads only the inventory: never the keychain, never the network.

use clap::{CommandFactory, ValueEnum};
use clap_complete::env::{CompleteEnv, Shells};
use std::path::Path;

use super::args::{Cli, Shell};
use super::error::CliError;
use super::names;
use super::out::print_out;

/// The name the registration scripts call back: the installed command on the PATH.
const BIN: &str = "patvault";

/// Answers the shell and exits when it is asking for completions; otherwise returns.
pub fn complete_if_asked() {
    names::note_the_asking_shell();
    CompleteEnv::with_factory(Cli::command)
        .bin(BIN)
        .completer(BIN)
        .complete();
}

/// Prints the script that makes `shell` ask this binary for completions.
pub fn registration(shell: Shell) -> Result<(), CliError> {
    let name = shell
        .to_possible_value()
        .map(|v| v.get_name().to_owned())
        .unwrap_or_default();
    let shells = Shells::builtins();
    let completer = shells
        .completer(&name)
        .ok_or_else(|| CliError::Input(format!("no completions for {name}")))?;
    let mut script = Vec::new();
    completer
        .write_registration("COMPLETE", BIN, BIN, BIN, &mut script)
        .map_err(CliError::Output)?;
    print_out(String::from_utf8_lossy(&script).into_owned());
    Ok(())
}

/// Writes `patvault.1` and a page per command (`patvault-add.1`, …) into `dir`.
pub fn man_pages(dir: &Path) -> Result<(), CliError> {
    std::fs::create_dir_all(dir).map_err(CliError::Output)?;
    clap_mangen::generate_to(Cli::command(), dir).map_err(CliError::Output)
}
