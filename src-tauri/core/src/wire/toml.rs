//! Edits to a TOML config (Codex's `config.toml`) through `toml_edit`, which keeps every
//! comment, blank line and key order it does not touch.

use toml_edit::{Array, DocumentMut, Item, TableLike, value};

use super::Rewire;
use crate::scan::config::toml_error;

fn document(text: &str) -> Result<DocumentMut, String> {
    text.parse::<DocumentMut>()
        .map_err(|e| toml_error(&e, text))
}

fn table_at<'a>(doc: &'a mut DocumentMut, keys: &[String]) -> Option<&'a mut dyn TableLike> {
    let mut table: &mut dyn TableLike = doc.as_table_mut();
    for key in keys {
        table = table.get_mut(key)?.as_table_like_mut()?;
    }
    Some(table)
}

fn strings(items: &[String]) -> Item {
    value(items.iter().map(String::as_str).collect::<Array>())
}

/// Each entry made to run `patvault exec`, the variables it no longer needs taken out
/// of its `env` (and `env` with them, when nothing is left there). Only local (stdio)
/// entries: a remote one is left to the user.
pub fn rewire(text: &str, rewires: &[Rewire]) -> Result<String, String> {
    let mut doc = document(text)?;
    for r in rewires {
        if r.to_stdio {
            return Err("a remote server in a TOML config is not rewired".into());
        }
        let entry = table_at(&mut doc, &r.keys)
            .ok_or_else(|| format!("the server entry {} is not a table", r.keys.join(".")))?;
        entry.insert("command", value(r.launch.program.as_str()));
        entry.insert("args", strings(&r.launch.args(&r.command, &r.args)));
        let emptied = entry
            .get_mut("env")
            .and_then(Item::as_table_like_mut)
            .map(|env| {
                for name in &r.drop_env {
                    env.remove(name);
                }
                env.is_empty()
            });
        if emptied == Some(true) {
            entry.remove("env");
        }
    }
    Ok(doc.to_string())
}

/// A new server table `name` under `list` (made when missing).
pub fn add_server(
    text: &str,
    list: &[String],
    name: &str,
    command: &str,
    args: &[String],
) -> Result<String, String> {
    let mut doc = document(text)?;
    let mut table: &mut dyn TableLike = doc.as_table_mut();
    for key in list {
        let item = table.entry(key).or_insert_with(|| {
            let mut t = toml_edit::Table::new();
            t.set_implicit(true);
            Item::Table(t)
        });
        table = item
            .as_table_like_mut()
            .ok_or_else(|| format!("“{key}” is not a table"))?;
    }
    let mut server = toml_edit::Table::new();
    server.insert("command", value(command));
    server.insert("args", strings(args));
    table.insert(name, Item::Table(server));
    Ok(doc.to_string())
}

#[cfg(test)]
mod tests {
    use super::super::Launch;
    use super::*;

    #[test]
    fn codex_entries_are_rewired_and_the_rest_is_kept() {
        let text = "# my codex\nmodel = \"o3\"\n\n[mcp_servers.airtable]\ncommand = \"npx\" # the runner\nargs = [\"-y\", \"airtable-mcp-server\"]\nenv = { AIRTABLE_API_KEY = \"patAbCdEfGh123456.secret\", DEBUG = \"1\" }\n\n[mcp_servers.other]\ncommand = \"uvx\"\n";
        let r = Rewire {
            keys: vec!["mcp_servers".into(), "airtable".into()],
            launch: Launch {
                program: "/usr/bin/patvault".into(),
                token: "CRM".into(),
                variable: "AIRTABLE_API_KEY".into(),
            },
            command: "npx".into(),
            args: vec!["-y".into(), "airtable-mcp-server".into()],
            drop_env: vec!["AIRTABLE_API_KEY".into()],
            to_stdio: false,
        };
        let out = rewire(text, &[r]).unwrap();
        assert!(
            out.starts_with("# my codex\nmodel = \"o3\"\n\n[mcp_servers.airtable]\n"),
            "{out}"
        );
        assert!(out.contains("env = { DEBUG = \"1\" }"), "{out}");
        assert!(
            out.ends_with("[mcp_servers.other]\ncommand = \"uvx\"\n"),
            "{out}"
        );
        assert!(!out.contains("patAbCdEfGh123456"));
        let doc: DocumentMut = out.parse().unwrap();
        assert_eq!(
            doc["mcp_servers"]["airtable"]["args"]
                .as_array()
                .unwrap()
                .get(5)
                .and_then(|v| v.as_str()),
            Some("npx")
        );
    }

    #[test]
    fn a_new_server_gets_its_own_table() {
        let out = add_server(
            "model = \"o3\"\n",
            &["mcp_servers".into()],
            "at",
            "patvault",
            &["exec".into()],
        )
        .unwrap();
        assert_eq!(
            out,
            "model = \"o3\"\n\n[mcp_servers.at]\ncommand = \"patvault\"\nargs = [\"exec\"]\n"
        );
    }
}
