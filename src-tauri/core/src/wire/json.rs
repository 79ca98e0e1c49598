//! Edits to a JSON config (comments and trailing commas kept) through its concrete
//! syntax tree: only the values changed are written anew, in the file's own indentation.

use jsonc_parser::cst::{CstInputValue, CstObject, CstRootNode};

use super::Rewire;
use crate::scan::config::{json_error, json_options};

fn root(text: &str) -> Result<CstRootNode, String> {
    CstRootNode::parse(text, &json_options()).map_err(|e| json_error(&e))
}

fn strings(items: &[String]) -> CstInputValue {
    CstInputValue::Array(items.iter().cloned().map(CstInputValue::String).collect())
}

fn object_at(root: &CstRootNode, keys: &[String]) -> Option<CstObject> {
    let mut object = root.object_value()?;
    for key in keys {
        object = object.object_value(key)?;
    }
    Some(object)
}

/// Each entry made to run `patvault exec`, the variables it no longer needs taken out
/// of its `env` (and `env` with them, when nothing is left there); a remote entry loses
/// its `url` and `headers` and becomes a local one.
pub fn rewire(text: &str, rewires: &[Rewire]) -> Result<String, String> {
    let root = root(text)?;
    for r in rewires {
        let entry = object_at(&root, &r.keys)
            .ok_or_else(|| format!("the server entry {} is not an object", r.keys.join(".")))?;
        let args = strings(&r.launch.args(&r.command, &r.args));
        let program = CstInputValue::String(r.launch.program.clone());
        let command = match entry.get("command") {
            Some(command) => {
                command.set_value(program);
                command
            }
            None => entry.append("command", program),
        };
        match entry.get("args") {
            Some(prop) => prop.set_value(args),
            None => {
                entry.insert(command.property_index() + 1, "args", args);
            }
        }
        if r.to_stdio {
            // Windsurf's `serverUrl`, Cline's `transportType`: the same things named anew.
            for field in ["url", "serverUrl", "headers"] {
                if let Some(prop) = entry.get(field) {
                    prop.remove();
                }
            }
            for field in ["type", "transportType"] {
                if let Some(kind) = entry.get(field) {
                    kind.set_value(CstInputValue::String("stdio".into()));
                }
            }
        }
        if let Some(env) = entry.get("env")
            && let Some(vars) = env.object_value()
        {
            for name in &r.drop_env {
                if let Some(var) = vars.get(name) {
                    var.remove();
                }
            }
            if vars.properties().is_empty() {
                env.remove();
            }
        }
    }
    Ok(root.to_string())
}

/// `text` without the property at `keys` (from the top, its name last).
pub fn remove(text: &str, keys: &[String]) -> Result<String, String> {
    let root = root(text)?;
    let (name, parents) = keys
        .split_last()
        .ok_or_else(|| "no property is named".to_owned())?;
    let object = object_at(&root, parents)
        .ok_or_else(|| format!("{} is not an object", parents.join(".")))?;
    let prop = object
        .get(name)
        .ok_or_else(|| format!("{} is not there", keys.join(".")))?;
    prop.remove();
    Ok(root.to_string())
}

/// A new server entry `name` under the list at `list` (made when missing).
pub fn add_server(
    text: &str,
    list: &[String],
    name: &str,
    entry: Vec<(String, CstInputValue)>,
) -> Result<String, String> {
    let text = if text.trim().is_empty() { "{}\n" } else { text };
    let root = root(text)?;
    let mut object = root
        .object_value()
        .ok_or_else(|| "its top is not an object".to_owned())?;
    for key in list {
        object = object
            .object_value_or_create(key)
            .ok_or_else(|| format!("“{key}” is not an object"))?;
    }
    object.append(name, CstInputValue::Object(entry));
    Ok(root.to_string())
}

/// The fields of a stdio server entry that runs `command` with `args`.
pub fn entry(
    command: &str,
    args: &[String],
    extra: &[(&str, &str)],
) -> Vec<(String, CstInputValue)> {
    let mut fields: Vec<(String, CstInputValue)> = extra
        .iter()
        .map(|(k, v)| ((*k).to_owned(), CstInputValue::String((*v).to_owned())))
        .collect();
    fields.push(("command".into(), CstInputValue::String(command.to_owned())));
    fields.push(("args".into(), strings(args)));
    fields
}

#[cfg(test)]
mod tests {
    use super::super::Launch;
    use super::*;

    const SECRET: &str =
        "patAbCdEfGh123456.0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn rewire_of(keys: &[&str]) -> Rewire {
        Rewire {
            keys: keys.iter().map(|k| (*k).to_owned()).collect(),
            launch: Launch {
                program: "/usr/bin/patvault".into(),
                token: "CRM sync".into(),
                variable: "AIRTABLE_API_KEY".into(),
            },
            command: "npx".into(),
            args: vec!["-y".into(), "airtable-mcp-server".into()],
            drop_env: vec!["AIRTABLE_API_KEY".into()],
            to_stdio: false,
        }
    }

    #[test]
    fn only_the_entry_changes_and_the_rest_keeps_its_order_comments_and_indent() {
        let text = format!(
            "{{\n    // mine\n    \"zeta\": 1,\n    \"mcpServers\": {{\n        \"airtable\": {{\n            \"command\": \"npx\",\n            \"args\": [\"-y\", \"airtable-mcp-server\"],\n            \"env\": {{\"AIRTABLE_API_KEY\": \"{SECRET}\", \"DEBUG\": \"1\"}}\n        }},\n        \"other\": {{\"command\": \"uvx\"}}\n    }},\n    \"alpha\": true\n}}\n"
        );
        let out = rewire(&text, &[rewire_of(&["mcpServers", "airtable"])]).unwrap();
        assert!(!out.contains("patAbCdEfGh123456"), "{out}");
        assert!(out.starts_with("{\n    // mine\n    \"zeta\": 1,\n    \"mcpServers\": {\n        \"airtable\": {\n            \"command\": \"/usr/bin/patvault\",\n"), "{out}");
        assert!(out.contains("\"other\": {\"command\": \"uvx\"}"), "{out}");
        assert!(out.ends_with("    \"alpha\": true\n}\n"), "{out}");
        let tree: serde_json::Value =
            jsonc_parser::parse_to_serde_value(&out, &json_options()).unwrap();
        let entry = &tree["mcpServers"]["airtable"];
        assert_eq!(entry["env"], serde_json::json!({"DEBUG": "1"}));
        assert_eq!(
            entry["args"],
            serde_json::json!([
                "exec",
                "CRM sync",
                "--env",
                "AIRTABLE_API_KEY",
                "--",
                "npx",
                "-y",
                "airtable-mcp-server"
            ])
        );
    }

    #[test]
    fn an_emptied_env_goes_and_missing_args_are_added() {
        let text = format!(
            "{{\"mcpServers\": {{\"a\": {{\"command\": \"npx\", \"env\": {{\"AIRTABLE_API_KEY\": \"{SECRET}\"}}}}}}}}"
        );
        let mut r = rewire_of(&["mcpServers", "a"]);
        r.args.clear();
        let out = rewire(&text, &[r]).unwrap();
        let tree: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(tree["mcpServers"]["a"].get("env"), None, "{out}");
        assert_eq!(tree["mcpServers"]["a"]["args"][5], "npx");
    }

    #[test]
    fn a_new_server_joins_the_list_or_makes_it() {
        let out = add_server(
            "",
            &["mcpServers".into()],
            "airtable",
            entry("/usr/bin/patvault", &["exec".into()], &[]),
        )
        .unwrap();
        let tree: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(tree["mcpServers"]["airtable"]["args"][0], "exec");
        let out = add_server(
            "{\n  \"servers\": {\n    \"x\": {}\n  }\n}\n",
            &["servers".into()],
            "y",
            entry("p", &[], &[("type", "stdio")]),
        )
        .unwrap();
        let tree: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(tree["servers"]["y"]["type"], "stdio");
        assert!(
            out.starts_with("{\n  \"servers\": {\n    \"x\": {},\n"),
            "{out}"
        );
    }
}
