//! Shell completions and the man pages, both from the clap definitions the parser uses.
//! Completion is dynamic: on each Tab the shell asks this binary (`COMPLETE=bash
//! patvault -- WORDS…`), so the token names offered are the inventory's as it is then.
//! Completing reads only the inventory: never the keychain, never the network.

use clap::{CommandFactory, ValueEnum};
use clap_complete::engine::CompletionCandidate;
use clap_complete::env::{CompleteEnv, Shells};
use std::path::Path;
use std::sync::OnceLock;

use super::args::Cli;
use super::error::CliError;
use super::out::print_out;
use patvault_core::vault::inventory::Inventory;

/// The name the registration scripts call back: the installed command on the PATH.
const BIN: &str = "patvault";

/// The shells `patvault completions` writes a script for.
#[derive(Clone, Copy, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Powershell,
}

/// Whether bash is the shell asking: clap takes `COMPLETE` out of the environment
/// before the candidates are asked for, so it is read first.
static BASH_ASKS: OnceLock<bool> = OnceLock::new();

/// Answers the shell and exits when it is asking for completions; otherwise returns.
pub fn complete_if_asked() {
    BASH_ASKS.get_or_init(|| std::env::var_os("COMPLETE").is_some_and(|shell| shell == "bash"));
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

/// The vault's token names, for an argument that names a token. A vault that cannot be
/// read completes nothing: a Tab must never print an error into the command line.
pub fn token_names() -> Vec<CompletionCandidate> {
    let Some(dir) = patvault_core::environment::config().data_dir else {
        return Vec::new();
    };
    // Bash inserts a candidate as it is given (clap registers it without `-o filenames`),
    // so a name with a space or `$(…)` must come escaped: it is then one word, and runs
    // nothing. zsh and fish quote what they insert themselves.
    let bash = BASH_ASKS.get().copied().unwrap_or(false);
    Inventory::new(dir)
        .load()
        .map(|records| {
            records
                .into_iter()
                .map(|r| {
                    let name = if bash {
                        bash_word(&r.intent.name)
                    } else {
                        r.intent.name
                    };
                    CompletionCandidate::new(name)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `name` with a backslash before each character bash would read specially; unlike
/// quotes, it keeps the name's first letters, so what the user typed still matches.
fn bash_word(name: &str) -> String {
    let mut word = String::with_capacity(name.len());
    for c in name.chars() {
        if !(c.is_alphanumeric() || "._-+,:@%/".contains(c)) {
            word.push('\\');
        }
        word.push(c);
    }
    word
}

/// Writes `patvault.1` and a page per command (`patvault-add.1`, …) into `dir`.
pub fn man_pages(dir: &Path) -> Result<(), CliError> {
    std::fs::create_dir_all(dir).map_err(CliError::Output)?;
    clap_mangen::generate_to(Cli::command(), dir).map_err(CliError::Output)
}

#[cfg(test)]
mod tests {
    use super::bash_word;

    #[test]
    fn a_bash_word_escapes_what_bash_reads_specially() {
        assert_eq!(bash_word("Backups"), "Backups");
        assert_eq!(bash_word("CRM sync"), r"CRM\ sync");
        assert_eq!(bash_word("crm$(touch x)"), r"crm\$\(touch\ x\)");
        assert_eq!(bash_word("it's `a`;b"), r"it\'s\ \`a\`\;b");
    }
}
