//! Migrate: a file's plaintext copies of vault tokens give way to the vault. In an MCP
//! client's config each server entry that passes one in `env` is made to run
//! `patvault exec NAME --env VAR -- <its command>`, so it needs no edit after a
//! rotation; in a `.env` file the line becomes a comment naming that command. The plan
//! is made first and shown; `apply` writes it only if the file is still as it was read,
//! and keeps the old text in the vault, without its secrets, to undo it (`ops::undo`).

use std::path::Path;

use chrono::{DateTime, Utc};
use serde_json::Value;

mod airtable_cli;
mod bridge;
mod found;

use crate::model::place::is_backup;
use crate::model::record::TokenRecord;
use crate::ops::undo::write_keeping_undo;
use crate::scan::config::{Format, parse, server_entries};
use crate::scan::find::{find, redact};
use crate::scan::places::is_airtable_cli;
use crate::scan::wired::{DEFAULT_VARIABLE, exec_of};
use crate::vault::Vault;
use crate::wire::safe_write::Read;
use crate::wire::{Launch, Rewire, WireError, env_file, json, shell_word, toml, variable};
use found::{Planned, token_of, whole_secret};

/// The change to be made to one file, in words, before it is made.
pub struct Plan {
    read: Read,
    after: String,
    /// What will change, one line each; no secret in them.
    pub changes: Vec<String>,
    /// Plaintext tokens that stay, and why.
    pub left: Vec<String>,
}

/// What migrating `path` would change; `program` is PAT Vault's own path.
pub fn plan(path: &Path, records: &[TokenRecord], program: &str) -> Result<Plan, WireError> {
    let (read, text) = Read::existing(path)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let refused = |why: String| WireError::Refused {
        path: path.to_path_buf(),
        why,
    };
    if is_backup(&name) {
        return Err(refused(
            "it is a backup an earlier version of PAT Vault left, holding the old text: delete it (patvault scan --delete-backups)".into(),
        ));
    }
    let (after, changes, mut left) = match Format::of(&name) {
        Some(_) if is_airtable_cli(path) => airtable_cli::plan(path, &text, records, program)?,
        Some(format) => config_plan(path, format, &text, records, program)?,
        None if name.starts_with(".env") => env_plan(path, &text, records, program)?,
        None => {
            return Err(refused(
                "PAT Vault migrates MCP client configs (JSON or TOML), the Airtable CLI's config and .env files; take the token out of this file by hand".into(),
            ));
        }
    };
    for found in find(after.as_bytes()).iter().filter(|f| f.plaintext) {
        let why = format!(
            "line {}: the secret of {} stays, as it is not passed in a server's env or as a .env line: move it by hand",
            found.line, found.token_id
        );
        if !left.iter().any(|l: &String| l.contains(&found.token_id)) {
            left.push(why);
        }
    }
    if changes.is_empty() {
        return Err(refused(if left.is_empty() {
            "it holds no token in plaintext".into()
        } else {
            left.join("; ")
        }));
    }
    // An entry's arguments may hold a secret too: what is shown never does.
    Ok(Plan {
        read,
        after,
        changes: changes.iter().map(|c| redact(c)).collect(),
        left: left.iter().map(|l| redact(l)).collect(),
    })
}

fn config_plan(
    path: &Path,
    format: Format,
    text: &str,
    records: &[TokenRecord],
    program: &str,
) -> Result<Planned, WireError> {
    let unparsable = |why: String| WireError::DoesNotParse {
        path: path.to_path_buf(),
        why,
    };
    let tree = parse(format, text).map_err(unparsable)?;
    let mut rewires = Vec::new();
    let mut left = Vec::new();
    for (keys, entry) in server_entries(&tree) {
        let server = keys.last().cloned().unwrap_or_default();
        let env = entry.get("env").and_then(Value::as_object);
        for (var, value) in env.into_iter().flatten() {
            let Some(token_id) = value.as_str().and_then(whole_secret) else {
                continue;
            };
            let Some(record) = token_of(path, &token_id, records)? else {
                left.push(format!(
                    "server “{server}”: {token_id} in {var} is not in the vault: import it first (patvault scan --import {})",
                    path.display()
                ));
                continue;
            };
            if let Err(why) = variable::check(var) {
                left.push(format!("server “{server}”: {why}; move its token by hand"));
                continue;
            }
            let Some(command) = entry.get("command").and_then(Value::as_str) else {
                left.push(format!(
                    "server “{server}” has no command to run through the vault: move its token by hand"
                ));
                continue;
            };
            if rewires.iter().any(|r: &Rewire| r.keys == keys) {
                left.push(format!(
                    "server “{server}”: only one token per server can come from the vault; {var} stays"
                ));
                continue;
            }
            rewires.push(Rewire {
                keys: keys.clone(),
                launch: Launch {
                    program: program.to_owned(),
                    token: record.intent.name.clone(),
                    variable: var.clone(),
                },
                command: command.to_owned(),
                args: string_args(entry),
                drop_env: vec![var.clone()],
                to_stdio: false,
            });
        }
        if rewires.iter().any(|r| r.keys == keys) {
            continue;
        }
        if let Some(bearer) = bridge::bearer_of(entry) {
            match bridged(path, format, &keys, entry, bearer, records, program)? {
                Ok(rewire) => rewires.push(rewire),
                Err(why) => left.push(format!("server “{server}”: {why}")),
            }
        }
    }
    if rewires.is_empty() {
        return Ok((text.to_owned(), Vec::new(), left));
    }
    let after = match format {
        Format::Json => json::rewire(text, &rewires),
        Format::Toml => toml::rewire(text, &rewires),
    }
    .map_err(unparsable)?;
    let reread = parse(format, &after).map_err(|why| WireError::Refused {
        path: path.to_path_buf(),
        why: format!("the changed file would not parse ({why})"),
    })?;
    let changes = rewires
        .iter()
        .map(|r| {
            let wired = server_entries(&reread)
                .into_iter()
                .find(|(k, _)| *k == r.keys)
                .and_then(|(_, e)| exec_of(e));
            let ok = wired == Some((r.launch.token.clone(), r.launch.variable.clone()));
            ok.then(|| {
                // Quoted as a shell would need it: a reader may paste it.
                let command: Vec<String> = std::iter::once(&r.command)
                    .chain(&r.args)
                    .map(|word| shell_word(word))
                    .collect();
                let variable = &r.launch.variable;
                let how = match r.drop_env.first() {
                    _ if r.to_stdio => "the token leaves its headers".to_owned(),
                    Some(dropped) if dropped == variable => format!("{variable} leaves its env"),
                    Some(dropped) => {
                        format!("its header takes the token from {variable}, and {dropped} leaves its env")
                    }
                    None => format!("its header takes the token from {variable}"),
                };
                format!(
                    "server “{}”: runs {} and {how}",
                    r.keys.last().map_or("", String::as_str),
                    r.launch.shell_line(&command.join(" ")),
                )
            })
            .ok_or_else(|| WireError::Refused {
                path: path.to_path_buf(),
                why: format!(
                    "the changed entry {} would not read back as intended",
                    r.keys.join(".")
                ),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((after, changes, left))
}

/// An entry's arguments as text.
fn string_args(entry: &Value) -> Vec<String> {
    entry
        .get("args")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The rewire of an entry that sends a vault token as a bearer header, or why it stays.
fn bridged(
    path: &Path,
    format: Format,
    keys: &[String],
    entry: &Value,
    bearer: bridge::Bearer,
    records: &[TokenRecord],
    program: &str,
) -> Result<Result<Rewire, String>, WireError> {
    let Some(record) = token_of(path, &bearer.token_id, records)? else {
        return Ok(Err(format!(
            "{} in its {} header is not in the vault: import it first (patvault scan --import {})",
            bearer.token_id,
            bearer.header,
            path.display()
        )));
    };
    let leaving = match &bearer.how {
        bridge::How::Argument { env, .. } => env.as_deref(),
        bridge::How::Headers { .. } => None,
    };
    let Some(variable) = bridge::variable_for(entry, leaving) else {
        return Ok(Err(format!(
            "its env already sets {DEFAULT_VARIABLE}: move its token by hand"
        )));
    };
    let header = bridge::header_argument(&bearer.header, variable);
    let (command, args, drop_env, to_stdio) = match bearer.how {
        bridge::How::Headers { .. } if format == Format::Toml => {
            return Ok(Err(
                "a remote server in a TOML config is left as it is: move its token by hand".into(),
            ));
        }
        bridge::How::Headers { others, .. } if !others.is_empty() => {
            return Ok(Err(format!(
                "it sends other headers too ({}), which would have to go on a command line: move its token by hand",
                others.join(", ")
            )));
        }
        bridge::How::Headers { url, .. } => {
            let [command, bridge_args @ ..] = bridge::BRIDGE;
            let mut args: Vec<String> = bridge_args.iter().map(|a| (*a).to_owned()).collect();
            args.extend([url, "--header".into(), header]);
            (command.to_owned(), args, Vec::new(), true)
        }
        bridge::How::Argument { index, env } => {
            let Some(command) = entry.get("command").and_then(Value::as_str) else {
                return Ok(Err("it has no command to run through the vault".into()));
            };
            let mut args = string_args(entry);
            args[index] = header;
            (command.to_owned(), args, env.into_iter().collect(), false)
        }
    };
    Ok(Ok(Rewire {
        keys: keys.to_vec(),
        launch: Launch {
            program: program.to_owned(),
            token: record.intent.name.clone(),
            variable: variable.to_owned(),
        },
        command,
        args,
        drop_env,
        to_stdio,
    }))
}

fn env_plan(
    path: &Path,
    text: &str,
    records: &[TokenRecord],
    program: &str,
) -> Result<Planned, WireError> {
    let mut after = text.to_owned();
    let mut changes = Vec::new();
    let mut left = Vec::new();
    for found in find(text.as_bytes()).into_iter().filter(|f| f.plaintext) {
        let line = text.lines().nth(found.line - 1).unwrap_or_default();
        let assigned = env_file::assignment(line)
            .filter(|(_, value)| whole_secret(value).as_deref() == Some(found.token_id.as_str()));
        let Some((var, _)) = assigned else {
            continue;
        };
        if let Err(why) = variable::check(var) {
            left.push(format!(
                "line {}: {why}; move its token by hand",
                found.line
            ));
            continue;
        }
        let Some(record) = token_of(path, &found.token_id, records)? else {
            left.push(format!(
                "line {}: {} in {var} is not in the vault: import it first (patvault scan --import {})",
                found.line,
                found.token_id,
                path.display()
            ));
            continue;
        };
        let launch = Launch {
            program: program.to_owned(),
            token: record.intent.name.clone(),
            variable: var.to_owned(),
        };
        let comment = env_file::comment(&launch);
        if let Some(changed) = env_file::replace_line(&after, found.line, &comment) {
            after = changed;
            changes.push(format!("line {}: {var}=… becomes “{comment}”", found.line));
        }
    }
    Ok((after, changes, left))
}

impl Plan {
    pub fn path(&self) -> &Path {
        &self.read.path
    }

    /// Writes the change, unless the file changed since the plan was made, keeping the
    /// old text in the vault (its secrets by reference) to undo it.
    pub fn apply(&self, vault: &Vault, now: DateTime<Utc>) -> Result<(), WireError> {
        write_keeping_undo(vault, &self.read, &self.after, now).map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_tokens::{OTHER, SECRET, record};

    fn records(names: &[&str]) -> Vec<TokenRecord> {
        names
            .iter()
            .map(|n| record(n, "patAbCdEfGh123456"))
            .collect()
    }

    fn file(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn a_cursor_config_with_comments_and_tabs_is_rewired_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let text = format!(
            "{{\n\t// Cursor\n\t\"mcpServers\": {{\n\t\t\"airtable\": {{\n\t\t\t\"command\": \"npx\",\n\t\t\t\"args\": [\"-y\", \"airtable-mcp-server\"],\n\t\t\t\"env\": {{\"AIRTABLE_API_KEY\": \"{SECRET}\"}}\n\t\t}},\n\t\t\"other\": {{\"command\": \"x\", \"args\": [\"--token\", \"{OTHER}\"]}},\n\t}},\n}}\n"
        );
        let path = file(dir.path(), "mcp.json", &text);
        let plan = plan(&path, &records(&["CRM"]), "/usr/bin/patvault").unwrap();
        assert_eq!(
            plan.changes,
            [
                "server “airtable”: runs patvault exec CRM --env AIRTABLE_API_KEY -- npx -y airtable-mcp-server and AIRTABLE_API_KEY leaves its env"
            ]
        );
        assert_eq!(plan.left.len(), 1, "{:?}", plan.left);
        assert!(
            plan.left[0].contains("patZyXwVuTs987654"),
            "{:?}",
            plan.left
        );
        assert!(plan.after.starts_with("{\n\t// Cursor\n\t\"mcpServers\": {\n\t\t\"airtable\": {\n\t\t\t\"command\": \"/usr/bin/patvault\",\n"), "{}", plan.after);
        assert!(!plan.after.contains(SECRET));
    }

    #[test]
    fn a_codex_env_table_loses_the_token_and_keeps_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let text = format!(
            "[mcp_servers.at]\ncommand = \"npx\"\nargs = [\"-y\", \"x\"]\n\n[mcp_servers.at.env]\nAIRTABLE_API_KEY = \"{SECRET}\"\nOTHER = \"1\"\n"
        );
        let path = file(dir.path(), "config.toml", &text);
        let plan = plan(&path, &records(&["CRM"]), "patvault").unwrap();
        assert!(
            plan.after
                .ends_with("[mcp_servers.at.env]\nOTHER = \"1\"\n"),
            "{}",
            plan.after
        );
        assert!(plan.after.contains("args = [\"exec\", \"CRM\", \"--env\", \"AIRTABLE_API_KEY\", \"--\", \"npx\", \"-y\", \"x\"]"), "{}", plan.after);
    }

    #[test]
    fn what_is_shown_never_holds_a_secret() {
        let dir = tempfile::tempdir().unwrap();
        let text = format!(
            "{{\"servers\": {{\"a\": {{\"command\": \"x\", \"args\": [\"--key\", \"{SECRET}\"], \"env\": {{\"K\": \"{SECRET}\"}}}}}}}}"
        );
        let path = file(dir.path(), "mcp.json", &text);
        let plan = plan(&path, &records(&["CRM"]), "/usr/bin/patvault").unwrap();
        let secret_part = SECRET.split_once('.').unwrap().1;
        for line in plan.changes.iter().chain(&plan.left) {
            assert!(!line.contains(secret_part), "{line}");
        }
        assert!(
            plan.changes[0].contains("--key patAbCdEfGh123456.…"),
            "{:?}",
            plan.changes
        );
    }

    #[test]
    fn bad_input_changes_nothing_and_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let broken = file(
            dir.path(),
            "claude_desktop_config.json",
            &format!("{{\"mcpServers\": {{\"a\": {{\"env\": {{\"K\": \"{SECRET}\"}}}}}}"),
        );
        let e = plan(&broken, &records(&["CRM"]), "p").err().unwrap();
        assert!(matches!(e, WireError::DoesNotParse { .. }), "{e}");
        assert!(
            e.to_string()
                .contains("was left as it was: it is not valid JSON"),
            "{e}"
        );

        let env = file(dir.path(), ".env", &format!("AIRTABLE_API_KEY={SECRET}\n"));
        let e = plan(&env, &records(&["CRM", "CRM copy"]), "p")
            .err()
            .unwrap();
        assert!(
            e.to_string()
                .contains("matches more than one vault token (CRM, CRM copy)"),
            "{e}"
        );
        let e = plan(&env, &records(&[]), "p").err().unwrap();
        assert!(
            e.to_string()
                .contains("is not in the vault: import it first"),
            "{e}"
        );

        let profile = file(dir.path(), ".bashrc", &format!("export K={SECRET}\n"));
        let e = plan(&profile, &records(&["CRM"]), "p").err().unwrap();
        assert!(e.to_string().contains("migrates MCP client configs"), "{e}");

        let e = plan(&dir.path().join("gone.json"), &records(&["CRM"]), "p")
            .err()
            .unwrap();
        assert!(e.to_string().ends_with("gone.json does not exist"), "{e}");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            3,
            "no backup was made"
        );
    }
}
