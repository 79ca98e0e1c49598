//! A remote MCP server that takes its PAT as a bearer header (Airtable's hosted server,
//! `https://mcp.airtable.com/mcp`): in a client's config either a `url` with `headers`,
//! or the bridge `mcp-remote` with a `--header` argument, the PAT in it or in a variable
//! of the entry's `env` it names (`Authorization:${AUTH_HEADER}`). Migrated, the entry
//! runs `mcp-remote` under `patvault exec`, its header built from the variable exec sets:
//! mcp-remote replaces each `${VAR}` in a header with that variable (see
//! `airtable-api.md`, "MCP servers that use PATs").

use serde_json::Value;

use super::found::whole_secret;
use crate::scan::wired::DEFAULT_VARIABLE;

/// How a remote server is reached from a client that only starts local ones: a version
/// pinned, so what runs with the token in its environment is the bridge that was read
/// (`airtable-api.md`), not whatever the registry serves that day.
pub const BRIDGE: [&str; 3] = ["npx", "-y", "mcp-remote@0.15.1"];

/// Where an entry sends a PAT as a bearer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bearer {
    pub token_id: String,
    /// The header's name, as the entry spells it.
    pub header: String,
    pub how: How,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum How {
    /// `url` and `headers`: a remote entry. Other headers, if any, are named.
    Headers { url: String, others: Vec<String> },
    /// The bridge's argument at `index` (of `args`); `env` names the variable that held
    /// the bearer, when the argument named one.
    Argument { index: usize, env: Option<String> },
}

/// The token ID of `value` when it is `Bearer ` and one whole secret.
fn bearer_secret(value: &str) -> Option<String> {
    let value = value.trim();
    let (scheme, rest) = value.split_at_checked(7)?;
    scheme
        .eq_ignore_ascii_case("bearer ")
        .then(|| whole_secret(rest))
        .flatten()
}

/// The PAT an entry sends as a bearer header, if it sends one.
pub fn bearer_of(entry: &Value) -> Option<Bearer> {
    // Windsurf names the address `serverUrl`.
    let url = ["url", "serverUrl"]
        .iter()
        .find_map(|k| entry.get(*k).and_then(Value::as_str));
    if let (Some(url), Some(headers)) = (url, entry.get("headers").and_then(Value::as_object)) {
        for (header, value) in headers {
            if let Some(token_id) = value.as_str().and_then(bearer_secret) {
                let others = headers.keys().filter(|k| *k != header).cloned().collect();
                return Some(Bearer {
                    token_id,
                    header: header.clone(),
                    how: How::Headers {
                        url: url.to_owned(),
                        others,
                    },
                });
            }
        }
    }
    let args = entry.get("args").and_then(Value::as_array)?;
    // Only the bridge reads `${VAR}` in a header; another program would be sent the
    // words themselves.
    let command = entry.get("command").and_then(Value::as_str);
    let is_bridge = |word: &str| {
        word.rsplit(['/', '\\'])
            .next()
            .is_some_and(|name| name == "mcp-remote" || name.starts_with("mcp-remote@"))
    };
    if !command
        .into_iter()
        .chain(args.iter().filter_map(Value::as_str))
        .any(is_bridge)
    {
        return None;
    }
    let env = entry.get("env").and_then(Value::as_object);
    for (i, pair) in args.windows(2).enumerate() {
        if pair[0].as_str() != Some("--header") {
            continue;
        }
        let Some((header, value)) = pair[1].as_str().and_then(|a| a.split_once(':')) else {
            continue;
        };
        let value = value.trim();
        if let Some(token_id) = bearer_secret(value) {
            return Some(Bearer {
                token_id,
                header: header.trim().to_owned(),
                how: How::Argument {
                    index: i + 1,
                    env: None,
                },
            });
        }
        let named = value
            .strip_prefix("${")
            .and_then(|v| v.strip_suffix('}'))
            .filter(|name| !name.is_empty());
        if let Some(name) = named
            && let Some(token_id) = env
                .and_then(|env| env.get(name))
                .and_then(Value::as_str)
                .and_then(bearer_secret)
        {
            return Some(Bearer {
                token_id,
                header: header.trim().to_owned(),
                how: How::Argument {
                    index: i + 1,
                    env: Some(name.to_owned()),
                },
            });
        }
    }
    None
}

/// The variable `patvault exec` sets for a bridged entry: the usual one, unless the
/// entry's `env` already uses it for something else than the bearer leaving it.
pub fn variable_for(entry: &Value, leaving: Option<&str>) -> Option<&'static str> {
    let taken = entry
        .get("env")
        .and_then(Value::as_object)
        .is_some_and(|env| env.contains_key(DEFAULT_VARIABLE))
        && leaving != Some(DEFAULT_VARIABLE);
    (!taken).then_some(DEFAULT_VARIABLE)
}

/// The header argument that takes the bearer from `variable`: no space after the `:`,
/// as mcp-remote's own README asks (the one in `Bearer ${…}` is inside the argument).
pub fn header_argument(header: &str, variable: &str) -> String {
    format!("{header}:Bearer ${{{variable}}}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_tokens::SECRET;
    use serde_json::json;

    #[test]
    fn a_bearer_in_headers_in_an_argument_or_behind_a_variable_is_found() {
        let remote = json!({"url": "https://mcp.airtable.com/mcp", "headers": {"Authorization": format!("Bearer {SECRET}")}});
        assert_eq!(
            bearer_of(&remote),
            Some(Bearer {
                token_id: "patAbCdEfGh123456".into(),
                header: "Authorization".into(),
                how: How::Headers {
                    url: "https://mcp.airtable.com/mcp".into(),
                    others: vec![]
                },
            })
        );
        let inline = json!({"command": "npx", "args": ["-y", "mcp-remote", "https://mcp.airtable.com/mcp", "--header", format!("Authorization: bearer {SECRET}")]});
        assert_eq!(
            bearer_of(&inline).map(|b| b.how),
            Some(How::Argument {
                index: 4,
                env: None
            })
        );
        let named = json!({"command": "npx", "args": ["mcp-remote", "https://mcp.airtable.com/mcp", "--header", "Authorization:${AUTH_HEADER}"], "env": {"AUTH_HEADER": format!("Bearer {SECRET}")}});
        assert_eq!(
            bearer_of(&named).map(|b| b.how),
            Some(How::Argument {
                index: 3,
                env: Some("AUTH_HEADER".into())
            })
        );
        for none in [
            json!({"url": "https://x", "headers": {"Authorization": SECRET}}),
            json!({"command": "curl", "args": ["--header", format!("Authorization: Bearer {SECRET}")]}),
            json!({"command": "npx", "args": ["--header", "Authorization: Bearer patAbCdEfGh123456"]}),
            json!({"command": "npx", "args": ["--header", "Authorization:${NOPE}"]}),
        ] {
            assert_eq!(bearer_of(&none), None, "{none}");
        }
        assert_eq!(
            header_argument("Authorization", "AIRTABLE_API_KEY"),
            "Authorization:Bearer ${AIRTABLE_API_KEY}"
        );
    }
}
