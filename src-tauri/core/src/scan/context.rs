//! Where in a file a token sits: for an MCP client's JSON or TOML config, the server
//! entry and the variable; for an `.env` file, a shell profile, a crontab or a systemd
//! unit, the variable assigned on that line.

use serde_json::Value;

use super::config::SERVER_LISTS;
use super::find::Found;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    /// The MCP server entry the token is configured for.
    pub server: Option<String>,
    /// The environment variable (or key) that holds it.
    pub variable: Option<String>,
}

/// The context of each of `found` in `text`.
/// `tree` is the file's, when it is a config that parses; else each line is read alone.
pub fn contexts(tree: Option<&Value>, text: &str, found: &[Found]) -> Vec<Context> {
    match tree {
        Some(tree) => {
            let mut strings = Vec::new();
            walk(tree, &mut Vec::new(), &mut strings);
            let mut used = vec![false; strings.len()];
            found
                .iter()
                .map(|f| {
                    let at = (0..strings.len())
                        .find(|&i| !used[i] && strings[i].0.contains(&f.token_id));
                    at.map(|i| {
                        used[i] = true;
                        strings[i].1.clone()
                    })
                    .unwrap_or_default()
                })
                .collect()
        }
        None => found.iter().map(|f| on_line(text, f.offset)).collect(),
    }
}

/// Every string in the tree, in the file's order, with its context.
fn walk<'a>(value: &'a Value, path: &mut Vec<&'a str>, out: &mut Vec<(&'a str, Context)>) {
    match value {
        Value::String(s) => out.push((s, context_of(path))),
        Value::Array(items) => items.iter().for_each(|v| walk(v, path, out)),
        Value::Object(map) => {
            for (key, v) in map {
                path.push(key);
                walk(v, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

fn context_of(path: &[&str]) -> Context {
    let server_at = path
        .iter()
        .rposition(|k| SERVER_LISTS.contains(k))
        .filter(|&i| i + 1 < path.len());
    let server = server_at.map(|i| path[i + 1].to_owned());
    // The key that holds the string, unless it is the server's own field (`command`,
    // `args`) rather than a variable or header it sets.
    let variable = match (server_at, path.last()) {
        (Some(i), Some(key)) if path.len() >= i + 4 => Some((*key).to_owned()),
        (None, Some(key)) => Some((*key).to_owned()),
        _ => None,
    };
    Context { server, variable }
}

/// The context of a token at `offset` in a piece of a large file, its line read alone.
pub fn on_line_at(bytes: &[u8], offset: usize) -> Context {
    let start = memchr::memrchr(b'\n', &bytes[..offset]).map_or(0, |i| i + 1);
    let line = String::from_utf8_lossy(&bytes[start..offset]);
    on_line(&line, line.len())
}

/// `VAR=…`, `export VAR="…"`, `Environment=VAR=…` or a crontab's `VAR=… command`: the
/// name just before the last `=` ahead of the token on its line.
fn on_line(text: &str, offset: usize) -> Context {
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[start..offset];
    let variable = before.rfind('=').and_then(|eq| {
        let name: String = before[..eq]
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        (!name.is_empty()).then_some(name)
    });
    Context {
        server: None,
        variable,
    }
}

#[cfg(test)]
mod tests {
    use super::super::config::{Format, parse};
    use super::super::find::find;
    use super::*;

    fn of(name: &str, text: &str) -> Vec<Context> {
        let tree = Format::of(name).and_then(|f| parse(f, text).ok());
        contexts(tree.as_ref(), text, &find(text.as_bytes()))
    }

    fn ctx(server: Option<&str>, variable: Option<&str>) -> Context {
        Context {
            server: server.map(str::to_owned),
            variable: variable.map(str::to_owned),
        }
    }

    #[test]
    fn mcp_configs_name_the_server_and_the_variable() {
        let claude = r#"{"mcpServers": {"airtable": {"command": "npx",
            "args": ["-y", "airtable-mcp-server"],
            "env": {"AIRTABLE_API_KEY": "patAbCdEfGh123456.x"}}}}"#;
        assert_eq!(
            of("claude_desktop_config.json", claude),
            [ctx(Some("airtable"), Some("AIRTABLE_API_KEY"))]
        );
        let code = r#"{"projects": {"/home/u/p": {"mcpServers": {"base": {"args": ["--token", "patAbCdEfGh123456"]}}}}}"#;
        assert_eq!(of(".claude.json", code), [ctx(Some("base"), None)]);
        let vscode = r#"{"mcp": {"servers": {"at": {"env": {"TOKEN": "patAbCdEfGh123456"}}}}}"#;
        assert_eq!(
            of("settings.json", vscode),
            [ctx(Some("at"), Some("TOKEN"))]
        );
        let codex = "[mcp_servers.airtable]\ncommand = \"npx\"\nenv = { AIRTABLE_TOKEN = \"patAbCdEfGh123456\" }\n";
        assert_eq!(
            of("config.toml", codex),
            [ctx(Some("airtable"), Some("AIRTABLE_TOKEN"))]
        );
    }

    #[test]
    fn lines_name_the_variable_they_assign() {
        let text = "export AIRTABLE=patAbCdEfGh123456\nEnvironment=\"AT_TOKEN=patZyXwVuTs987654\"\n0 3 * * * KEY=patQqQqQqQq000000 /bin/backup\necho patRrRrRrRr111111\n";
        assert_eq!(
            of(".bashrc", text),
            [
                ctx(None, Some("AIRTABLE")),
                ctx(None, Some("AT_TOKEN")),
                ctx(None, Some("KEY")),
                ctx(None, None)
            ]
        );
    }

    #[test]
    fn a_config_that_does_not_parse_falls_back_to_lines() {
        assert_eq!(
            of("mcp.json", "{\"env\": {\"T\": \"patAbCdEfGh123456\""),
            [ctx(None, None)]
        );
    }
}
