//! Writes configs so a token comes from the vault instead of sitting in them: an MCP
//! server entry is made to run `patvault exec NAME --env VAR -- <its command>`, a
//! `.env` line gives way to a comment naming that command, and `mcp add` writes such an
//! entry afresh. The rest of each file is kept as it was (JSON through a concrete syntax
//! tree, comments included; TOML through `toml_edit`), and a change is written only
//! whole, and only if the result parses (`safe_write`); the old text is kept in the
//! vault to undo it (`ops::undo`).

pub mod env_file;
pub mod json;
pub mod safe_write;
pub mod toml;
pub mod variable;

use std::path::PathBuf;

use crate::error::{ErrorKind, UserError};
use crate::files::FileError;
use crate::vault::VaultError;

/// What a server entry runs once it takes its token from the vault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Launch {
    /// PAT Vault's own program, by its full path (as `program::program` chooses it), so
    /// a client with a short `PATH` still finds it.
    pub program: String,
    pub token: String,
    pub variable: String,
}

impl Launch {
    /// `exec NAME --env VAR -- COMMAND ARGS…`
    pub fn args(&self, command: &str, args: &[String]) -> Vec<String> {
        let mut out = vec![
            "exec".to_owned(),
            self.token.clone(),
            "--env".into(),
            self.variable.clone(),
            "--".into(),
            command.to_owned(),
        ];
        out.extend(args.iter().cloned());
        out
    }

    /// The same as a shell command line, for a comment or a message.
    pub fn shell_line(&self, rest: &str) -> String {
        format!(
            "patvault exec {} --env {} -- {rest}",
            shell_word(&self.token),
            shell_word(&self.variable)
        )
    }
}

/// `word` quoted for a POSIX shell when it needs it.
pub fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-/+:@%".contains(c));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// How a server entry is to run once it takes its token from the vault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewire {
    /// The keys from the top of the file to the server entry, its name last.
    pub keys: Vec<String>,
    pub launch: Launch,
    /// The command and arguments `patvault exec` is to run.
    pub command: String,
    pub args: Vec<String>,
    /// Variables that leave the entry's `env`.
    pub drop_env: Vec<String>,
    /// The entry was a remote server (`url` and `headers`): those leave it, and it
    /// becomes a local one (`type` stdio, where it says a type) that runs a bridge.
    pub to_stdio: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum WireError {
    #[error("{} does not exist", path.display())]
    Missing { path: PathBuf },
    #[error("{} was left as it was: {why}", path.display())]
    DoesNotParse { path: PathBuf, why: String },
    #[error("{} is read-only: nothing was changed (make it writable, then run this again)", path.display())]
    ReadOnly { path: PathBuf },
    #[error(
        "{} changed since PAT Vault read it: nothing was changed (run this again to see the change anew)",
        path.display()
    )]
    Changed { path: PathBuf },
    #[error("{}: {why}; nothing was changed", path.display())]
    Refused { path: PathBuf, why: String },
    #[error("{} already has a server named “{server}”: choose another with --server", path.display())]
    ServerExists { path: PathBuf, server: String },
    #[error("PAT Vault has no change of {} to undo", path.display())]
    NoUndo { path: PathBuf },
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    Vault(#[from] VaultError),
}

impl UserError for WireError {
    fn kind(&self) -> ErrorKind {
        match self {
            WireError::Missing { .. } => ErrorKind::NotFound,
            WireError::DoesNotParse { .. } => ErrorKind::ConfigUnparsable,
            WireError::ReadOnly { .. } => ErrorKind::FileReadOnly,
            WireError::Changed { .. } => ErrorKind::FileChanged,
            WireError::Refused { .. } => ErrorKind::InvalidInput,
            WireError::ServerExists { .. } => ErrorKind::NameTaken,
            WireError::NoUndo { .. } => ErrorKind::NotFound,
            WireError::File(e) => e.kind(),
            WireError::Vault(e) => e.kind(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words_are_quoted_only_when_needed() {
        assert_eq!(shell_word("AIRTABLE_API_KEY"), "AIRTABLE_API_KEY");
        assert_eq!(shell_word("CRM sync"), "'CRM sync'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
    }
}
