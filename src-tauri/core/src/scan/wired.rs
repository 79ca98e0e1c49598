//! MCP server entries that already take their token from the vault: their command is
//! `patvault` and their arguments `exec NAME [--env VAR] -- …`. They hold no copy, so a
//! rotation needs nothing done there; the scan reports them so the token's page can
//! list them among its places.

use serde_json::Value;

use super::config::server_entries;

/// The default of `patvault exec --env`.
pub const DEFAULT_VARIABLE: &str = "AIRTABLE_API_KEY";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wired {
    pub place: String,
    pub line: usize,
    pub server: String,
    /// The vault token's name, as the entry gives it.
    pub token: String,
    pub variable: String,
}

/// Entries in the config whose `tree` and `text` these are that run `patvault exec`.
pub fn wired(place: &str, tree: &Value, text: &str) -> Vec<Wired> {
    server_entries(tree)
        .into_iter()
        .filter_map(|(keys, entry)| {
            let server = keys.last()?;
            let (token, variable) = exec_of(entry)?;
            Some(Wired {
                place: place.to_owned(),
                line: line_of(text, server),
                server: server.clone(),
                token,
                variable,
            })
        })
        .collect()
}

/// The token and variable of an entry whose command is `patvault exec`.
pub fn exec_of(entry: &Value) -> Option<(String, String)> {
    let command = entry.get("command")?.as_str()?;
    let program = command.rsplit(['/', '\\']).next()?;
    if program != "patvault" && program != "patvault.exe" {
        return None;
    }
    let args: Vec<&str> = entry
        .get("args")?
        .as_array()?
        .iter()
        .map(|a| a.as_str())
        .collect::<Option<_>>()?;
    let (first, rest) = args.split_first()?;
    if *first != "exec" {
        return None;
    }
    let mut token = None;
    let mut variable = DEFAULT_VARIABLE.to_owned();
    let mut rest = rest.iter();
    while let Some(arg) = rest.next() {
        match *arg {
            "--" => break,
            "--env" => variable = (*rest.next()?).to_owned(),
            a if a.starts_with("--env=") => variable = a["--env=".len()..].to_owned(),
            a if token.is_none() && !a.starts_with('-') => token = Some(a.to_owned()),
            _ => {}
        }
    }
    Some((token?, variable))
}

/// The line that names the server: `"name":` in JSON, `[….name]` or `name =` in TOML.
fn line_of(text: &str, server: &str) -> usize {
    let quoted = format!("\"{server}\"");
    let dotted = format!(".{server}]");
    text.lines()
        .position(|l| l.contains(&quoted) || l.trim_end().ends_with(&dotted))
        .map_or(1, |i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::super::config::{Format, parse};
    use super::*;

    fn wired_in(name: &str, text: &str) -> Vec<Wired> {
        wired(name, &parse(Format::of(name).unwrap(), text).unwrap(), text)
    }

    #[test]
    fn entries_running_patvault_exec_are_found_with_their_token() {
        let text = r#"{
  "mcpServers": {
    "airtable": {
      "command": "/usr/bin/patvault",
      "args": ["exec", "CRM sync", "--env", "AIRTABLE_TOKEN", "--", "npx", "-y", "airtable-mcp-server"]
    },
    "other": {"command": "npx", "args": ["exec", "x"]}
  }
}"#;
        assert_eq!(
            wired_in("/h/.cursor/mcp.json", text),
            [Wired {
                place: "/h/.cursor/mcp.json".into(),
                line: 3,
                server: "airtable".into(),
                token: "CRM sync".into(),
                variable: "AIRTABLE_TOKEN".into(),
            }]
        );
        let codex = "[mcp_servers.at]\ncommand = \"patvault\"\nargs = [\"exec\", \"Ops\", \"--\", \"node\"]\n";
        let found = wired_in("config.toml", codex);
        assert_eq!(
            (
                found[0].line,
                found[0].token.as_str(),
                found[0].variable.as_str()
            ),
            (1, "Ops", DEFAULT_VARIABLE)
        );
    }
}
