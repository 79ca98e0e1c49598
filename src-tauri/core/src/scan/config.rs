//! Reads an MCP client's config as one tree: JSON, with the comments and trailing commas
//! VS Code's files allow, or TOML (Codex). The scan reads it for context, the migrate to
//! check what it is about to write.

use serde_json::{Map, Value};

use super::find::redact;
use crate::consumers::{ConsumerKind, recognise};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Toml,
}

impl Format {
    /// By the file's name; None for a file that is not a config (`.env`, a profile).
    pub fn of(name: &str) -> Option<Format> {
        if name.ends_with(".json") {
            Some(Format::Json)
        } else if name.ends_with(".toml") {
            Some(Format::Toml)
        } else {
            None
        }
    }
}

/// Comments and trailing commas, as VS Code writes them; nothing looser, so a file that
/// a client would refuse is refused here too.
pub fn json_options() -> jsonc_parser::ParseOptions {
    jsonc_parser::ParseOptions {
        allow_comments: true,
        allow_trailing_commas: true,
        allow_loose_object_property_names: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    }
}

/// The file's tree, or why it does not parse (one line, with where).
pub fn parse(format: Format, text: &str) -> Result<Value, String> {
    match format {
        Format::Json => {
            let tree: Option<Value> = jsonc_parser::parse_to_serde_value(text, &json_options())
                .map_err(|e| json_error(&e))?;
            Ok(tree.unwrap_or(Value::Null))
        }
        Format::Toml => {
            let doc: toml_edit::DocumentMut = text
                .parse()
                .map_err(|e: toml_edit::TomlError| toml_error(&e, text))?;
            Ok(table(doc.as_table()))
        }
    }
}

/// Keys under which MCP clients list their servers: Claude Desktop, Cursor, Claude Code,
/// Windsurf and Cline (`mcpServers`), VS Code (`servers`, or `mcp.servers` in its
/// settings), Codex (`mcp_servers`) and Zed (`context_servers`).
pub const SERVER_LISTS: &[&str] = &["mcpServers", "servers", "mcp_servers", "context_servers"];

/// Every server entry in the tree (Claude Code keeps a list per project), with the keys
/// that lead to it from the top, its name last.
pub fn server_entries(tree: &Value) -> Vec<(Vec<String>, &Value)> {
    fn walk<'a>(value: &'a Value, path: &mut Vec<String>, out: &mut Vec<(Vec<String>, &'a Value)>) {
        let Value::Object(map) = value else { return };
        for (key, v) in map {
            path.push(key.clone());
            if let (true, Value::Object(list)) = (SERVER_LISTS.contains(&key.as_str()), v) {
                for (server, entry) in list {
                    path.push(server.clone());
                    out.push((path.clone(), entry));
                    path.pop();
                }
            } else {
                walk(v, path, out);
            }
            path.pop();
        }
    }
    let mut out = Vec::new();
    walk(tree, &mut Vec::new(), &mut out);
    out
}

/// The program a server entry runs, when the consumer catalog knows it: by any word of
/// its command line (so through `patvault exec … -- PROGRAM` too), or by the URL of a
/// remote server.
pub fn runs(entry: &Value) -> Option<&'static ConsumerKind> {
    let text = |v: &Value| v.as_str().map(str::to_owned);
    let words: Vec<String> = entry
        .get("command")
        .and_then(text)
        .into_iter()
        .chain(
            entry
                .get("args")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(text),
        )
        .collect();
    let url = ["url", "serverUrl", "httpUrl"]
        .iter()
        .find_map(|k| entry.get(*k).and_then(Value::as_str));
    recognise(&words, url)
}

/// Why a JSON config does not parse, in one line. A parser's message may quote the
/// file, which may hold a secret: it is redacted.
pub(crate) fn json_error(e: &jsonc_parser::errors::ParseError) -> String {
    redact(&format!("it is not valid JSON: {e}").replace('\n', " "))
}

/// Why a TOML config does not parse, in one line, redacted as `json_error`.
pub(crate) fn toml_error(e: &toml_edit::TomlError, text: &str) -> String {
    let line = e
        .span()
        .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
    let what = e.message().replace('\n', " ");
    redact(&match line {
        Some(line) => format!("it is not valid TOML (line {line}): {what}"),
        None => format!("it is not valid TOML: {what}"),
    })
}

fn table(t: &toml_edit::Table) -> Value {
    Value::Object(
        t.iter()
            .map(|(k, item)| (k.to_owned(), item_value(item)))
            .collect::<Map<_, _>>(),
    )
}

fn item_value(item: &toml_edit::Item) -> Value {
    match item {
        toml_edit::Item::None => Value::Null,
        toml_edit::Item::Value(v) => value(v),
        toml_edit::Item::Table(t) => table(t),
        toml_edit::Item::ArrayOfTables(a) => Value::Array(a.iter().map(table).collect()),
    }
}

fn value(v: &toml_edit::Value) -> Value {
    use toml_edit::Value as T;
    match v {
        T::String(s) => Value::String(s.value().clone()),
        T::Integer(i) => Value::from(*i.value()),
        T::Float(f) => Value::from(*f.value()),
        T::Boolean(b) => Value::Bool(*b.value()),
        T::Datetime(d) => Value::String(d.value().to_string()),
        T::Array(a) => Value::Array(a.iter().map(value).collect()),
        T::InlineTable(t) => Value::Object(
            t.iter()
                .map(|(k, v)| (k.to_owned(), value(v)))
                .collect::<Map<_, _>>(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vs_code_comments_and_trailing_commas_are_read() {
        let text = "{\n  // my servers\n  \"servers\": {\"a\": {\"command\": \"x\",},},\n}\n";
        assert_eq!(
            parse(Format::Json, text).unwrap()["servers"]["a"]["command"],
            "x"
        );
    }

    #[test]
    fn broken_files_say_where() {
        let e = parse(Format::Json, "{\"a\": 1 \"b\": 2}").unwrap_err();
        assert!(e.starts_with("it is not valid JSON"), "{e}");
        let e = parse(Format::Toml, "[mcp_servers.a]\ncommand = \n").unwrap_err();
        assert!(e.starts_with("it is not valid TOML (line 2)"), "{e}");
    }

    #[test]
    fn why_a_file_does_not_parse_never_holds_its_secret() {
        let secret =
            "patAbCdEfGh123456.0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        for (format, text) in [
            (Format::Toml, format!("[a]\nkey = {secret}\n")),
            (Format::Json, format!("{{\"a\": {secret}}}")),
        ] {
            let e = parse(format, &text).unwrap_err();
            assert!(!e.contains(&secret[18..]), "{e}");
        }
    }

    #[test]
    fn server_entries_are_found_with_their_keys() {
        let text = r#"{"mcpServers": {"a": {}}, "projects": {"/p": {"mcpServers": {"b": {}}}}}"#;
        let tree = parse(Format::Json, text).unwrap();
        let keys: Vec<Vec<String>> = server_entries(&tree).into_iter().map(|(k, _)| k).collect();
        assert_eq!(
            keys,
            [
                vec!["mcpServers".to_owned(), "a".into()],
                vec![
                    "projects".into(),
                    "/p".into(),
                    "mcpServers".into(),
                    "b".into()
                ]
            ]
        );
    }

    #[test]
    fn toml_tables_become_objects() {
        let text = "[mcp_servers.at]\ncommand = \"npx\"\nargs = [\"-y\"]\nenv = { T = \"v\" }\n";
        let tree = parse(Format::Toml, text).unwrap();
        assert_eq!(tree["mcp_servers"]["at"]["env"]["T"], "v");
        assert_eq!(tree["mcp_servers"]["at"]["args"][0], "-y");
    }
}
