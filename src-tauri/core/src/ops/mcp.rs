//! `mcp add`: a new MCP server entry, written into a client's config, that takes its
//! token from the vault (`patvault exec NAME --env VAR -- CMD ARGS…`), so the token is
//! never pasted there. The file is made when missing and otherwise changed as a migrate
//! changes it: the rest kept, the old text kept in the vault to undo it, written only
//! if it still parses.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::ops::undo::write_keeping_undo;
use crate::scan::config::{Format, parse, server_entries};
use crate::scan::wired::exec_of;
use crate::vault::Vault;
use crate::wire::safe_write::Read;
use crate::wire::{Launch, WireError, json, toml};

/// The entry about to be written, and the file as it was read.
pub struct NewServer {
    read: Read,
    after: String,
    pub server: String,
}

/// A server name from a token name: `CRM sync` gives `crm-sync`.
pub fn server_name(token: &str) -> String {
    let mut name = String::new();
    for c in token.chars() {
        if c.is_ascii_alphanumeric() {
            name.push(c.to_ascii_lowercase());
        } else if !name.ends_with('-') && !name.is_empty() {
            name.push('-');
        }
    }
    let name = name.trim_end_matches('-').to_owned();
    if name.is_empty() {
        "airtable".into()
    } else {
        name
    }
}

/// Prepares the entry `server` under `list` in the config at `path`.
pub fn prepare(
    path: &Path,
    list: &str,
    server: &str,
    launch: &Launch,
    command: &[String],
    vscode: bool,
) -> Result<NewServer, WireError> {
    let (program, rest) = command.split_first().ok_or_else(|| WireError::Refused {
        path: path.to_path_buf(),
        why: "name the server's command after --".into(),
    })?;
    let (read, text) = Read::or_new(path)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let format = Format::of(&name).unwrap_or(Format::Json);
    let unparsable = |why: String| WireError::DoesNotParse {
        path: path.to_path_buf(),
        why,
    };
    let keys = vec![list.to_owned()];
    if !text.trim().is_empty() {
        let tree = parse(format, &text).map_err(unparsable)?;
        let taken = server_entries(&tree)
            .iter()
            .any(|(k, _)| k.len() == 2 && k[0] == list && k[1] == server);
        if taken {
            return Err(WireError::ServerExists {
                path: path.to_path_buf(),
                server: server.to_owned(),
            });
        }
    }
    let args = launch.args(program, rest);
    let after = match format {
        Format::Json => {
            let extra: &[(&str, &str)] = if vscode { &[("type", "stdio")] } else { &[] };
            json::add_server(
                &text,
                &keys,
                server,
                json::entry(&launch.program, &args, extra),
            )
        }
        Format::Toml => toml::add_server(&text, &keys, server, &launch.program, &args),
    }
    .map_err(unparsable)?;
    let written = parse(format, &after).ok().and_then(|tree| {
        server_entries(&tree)
            .into_iter()
            .find(|(k, _)| k.len() == 2 && k[0] == list && k[1] == server)
            .and_then(|(_, e)| exec_of(e))
    });
    if written != Some((launch.token.clone(), launch.variable.clone())) {
        return Err(WireError::Refused {
            path: path.to_path_buf(),
            why: "the new entry would not read back as intended".into(),
        });
    }
    Ok(NewServer {
        read,
        after,
        server: server.to_owned(),
    })
}

impl NewServer {
    /// Writes it, keeping the old text in the vault to undo it when the file existed;
    /// gives that undo record's path.
    pub fn write(&self, vault: &Vault, now: DateTime<Utc>) -> Result<Option<PathBuf>, WireError> {
        write_keeping_undo(vault, &self.read, &self.after, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_names_come_from_token_names() {
        assert_eq!(server_name("CRM sync"), "crm-sync");
        assert_eq!(server_name("  Ops / Finance!"), "ops-finance");
        assert_eq!(server_name("“”"), "airtable");
    }
}
