//! Airtable's own CLI (`airtable-mcp`) keeps each profile's PAT in `~/.airtable/cli.json`
//! and, when no `--profile` is given, takes `AIRTABLE_TOKEN` from the environment in
//! place of its default profile's (see `airtable-api.md`, "MCP servers that use PATs").
//! So the default profile's token can leave the file, the CLI then run as `patvault exec
//! NAME --env AIRTABLE_TOKEN -- airtable-mcp …`; another profile's cannot.

use std::path::Path;

use serde_json::Value;

use super::found::{Planned, token_of, whole_secret};
use crate::model::record::TokenRecord;
use crate::scan::config::{Format, parse};
#[cfg(test)]
use crate::scan::places::is_airtable_cli;
use crate::wire::{Launch, WireError, json};

/// The variable the Airtable CLI reads its token from.
pub const VARIABLE: &str = "AIRTABLE_TOKEN";

pub fn plan(
    path: &Path,
    text: &str,
    records: &[TokenRecord],
    program: &str,
) -> Result<Planned, WireError> {
    let unparsable = |why: String| WireError::DoesNotParse {
        path: path.to_path_buf(),
        why,
    };
    let tree = parse(Format::Json, text).map_err(unparsable)?;
    let default = tree.get("defaultProfile").and_then(Value::as_str);
    let mut after = text.to_owned();
    let mut changes = Vec::new();
    let mut left = Vec::new();
    let profiles = tree.get("profiles").and_then(Value::as_object);
    for (profile, fields) in profiles.into_iter().flatten() {
        let Some(token_id) = fields
            .get("token")
            .and_then(Value::as_str)
            .and_then(whole_secret)
        else {
            continue;
        };
        let Some(record) = token_of(path, &token_id, records)? else {
            left.push(format!(
                "profile “{profile}”: {token_id} is not in the vault: import it first (patvault scan --import {})",
                path.display()
            ));
            continue;
        };
        if default != Some(profile.as_str()) {
            left.push(format!(
                "profile “{profile}”: the Airtable CLI takes {VARIABLE} only in place of its default profile, so this token stays: move it by hand"
            ));
            continue;
        }
        let keys = ["profiles".to_owned(), profile.clone(), "token".to_owned()];
        after = json::remove(&after, &keys).map_err(unparsable)?;
        let launch = Launch {
            program: program.to_owned(),
            token: record.intent.name.clone(),
            variable: VARIABLE.to_owned(),
        };
        changes.push(format!(
            "profile “{profile}”: its token leaves the file; run the Airtable CLI as {}",
            launch.shell_line("airtable-mcp …")
        ));
    }
    let reread = parse(Format::Json, &after).map_err(|why| WireError::Refused {
        path: path.to_path_buf(),
        why: format!("the changed file would not parse ({why})"),
    })?;
    let kept = reread
        .get("profiles")
        .and_then(|p| p.get(default.unwrap_or_default()))
        .and_then(|p| p.get("token"));
    if !changes.is_empty() && kept.is_some() {
        return Err(WireError::Refused {
            path: path.to_path_buf(),
            why: "the changed file would not read back as intended".into(),
        });
    }
    Ok((after, changes, left))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_tokens::{OTHER, SECRET, record};

    #[test]
    fn the_default_profiles_token_leaves_and_another_profiles_stays() {
        let records = [
            record("CRM", "patAbCdEfGh123456"),
            record("Ops", "patZyXwVuTs987654"),
        ];
        let text = format!(
            "{{\n  \"profiles\": {{\n    \"default\": {{\n      \"endpoint\": \"https://mcp.airtable.com/mcp\",\n      \"token\": \"{SECRET}\"\n    }},\n    \"work\": {{\n      \"endpoint\": \"https://mcp.airtable.com/mcp\",\n      \"token\": \"{OTHER}\"\n    }}\n  }},\n  \"defaultProfile\": \"default\"\n}}"
        );
        let path = Path::new("/h/.airtable/cli.json");
        assert!(is_airtable_cli(path));
        assert!(!is_airtable_cli(Path::new("/h/cli.json")));
        let (after, changes, left) = plan(path, &text, &records, "/usr/bin/patvault").unwrap();
        assert!(!after.contains(SECRET), "{after}");
        assert!(after.contains(OTHER), "{after}");
        assert!(
            after.contains("\"endpoint\": \"https://mcp.airtable.com/mcp\"\n    },"),
            "{after}"
        );
        assert_eq!(
            changes,
            [
                "profile “default”: its token leaves the file; run the Airtable CLI as patvault exec CRM --env AIRTABLE_TOKEN -- airtable-mcp …"
            ]
        );
        assert!(
            left[0].starts_with("profile “work”: the Airtable CLI takes"),
            "{left:?}"
        );
    }
}
