//! The whole way a user takes with copies of tokens, on a home folder built as users
//! build theirs: scan and import the plaintext tokens, migrate the configs to the vault,
//! rotate one token, scan again. Every copy is matched and said stale or current, every
//! migrated server still starts through the vault, and no secret is printed.

use std::path::Path;

use crate::support::*;
use fake_airtable::FakeAirtable;
use fake_airtable::world::pat;
use serde_json::Value;

pub fn id_of(secret: &str) -> String {
    secret.split_once('.').unwrap().0.to_owned()
}

/// A server that says which token it was started with: it prints its variable's
/// token ID, never the secret.
pub const SERVER: [&str; 3] = ["sh", "-c", "printf '%s' \"${AIRTABLE_API_KEY%%.*}\""];

/// The server entry `keys` of the JSON config at `path`: its command, arguments and
/// `env`, as a client reads them.
pub fn entry_of(path: &Path, keys: &[&str]) -> (String, Vec<String>, Value) {
    let tree: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let entry = keys.iter().fold(&tree, |t, k| &t[*k]);
    let args = entry["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_owned())
        .collect();
    let command = entry["command"].as_str().unwrap().to_owned();
    (
        command,
        args,
        entry.get("env").cloned().unwrap_or(Value::Null),
    )
}

/// Starts the server entry `keys` of the JSON config at `path` as a client would.
pub fn start_server(v: &TestVault, path: &Path, keys: &[&str]) -> std::process::Output {
    let (command, args, env) = entry_of(path, keys);
    let mut cmd = std::process::Command::new(command);
    cmd.args(&args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap())
        .envs(v.vault_env());
    if let Some(env) = env.as_object() {
        for (k, val) in env {
            cmd.env(k, val.as_str().unwrap());
        }
    }
    cmd.output().unwrap()
}

pub fn scan(v: &TestVault, fake: &FakeAirtable, args: &[&str]) -> (i32, Value, String) {
    let mut all = vec!["scan", "--json"];
    all.extend_from_slice(args);
    let mut cmd = v.command(&all);
    // A default scan looks in this home, not the real one.
    cmd.env("PATVAULT_AIRTABLE_URL", fake.url())
        .env("HOME", v.data.path())
        .env("XDG_CONFIG_HOME", v.data.path().join(".config"));
    let out = cmd.output().unwrap();
    let text = stdout(&out);
    for n in [1, 2, 6] {
        let secret_part = pat(n).split_once('.').unwrap().1.to_owned();
        assert!(
            !text.contains(&secret_part) && !stderr(&out).contains(&secret_part),
            "no secret is printed: {text}"
        );
    }
    let tree = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{text}{}", stderr(&out)));
    (out.status.code().unwrap(), tree, stderr(&out))
}

fn copies<'a>(found: &'a Value, id: &str) -> Vec<&'a Value> {
    found["found"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["token_id"] == id)
        .collect()
}

#[test]
fn scan_import_migrate_rotate_and_scan_again() {
    let fake = office_with_a_new_token();
    let v = TestVault::new();
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let claude = h.join(".config/Claude/claude_desktop_config.json");
    write(
        &claude,
        &format!(
            "{{\n  \"mcpServers\": {{\n    \"airtable\": {{\n      \"command\": \"{}\",\n      \"args\": [\"{}\", \"{}\"],\n      \"env\": {{\n        \"AIRTABLE_API_KEY\": \"{}\"\n      }}\n    }}\n  }},\n  \"globalShortcut\": \"\"\n}}\n",
            SERVER[0],
            SERVER[1],
            SERVER[2].replace('"', "\\\""),
            pat(1)
        ),
    );
    let cursor = h.join(".cursor/mcp.json");
    let cursor_text = format!(
        r#"{{"mcpServers": {{"bases": {{"command": "npx", "env": {{"AIRTABLE_API_KEY": "{}"}}}}}}}}"#,
        pat(1)
    );
    write(&cursor, &cursor_text);
    let env_file = h.join("work/blog/.env");
    write(
        &env_file,
        &format!("PORT=3000\nAIRTABLE_API_KEY=\"{}\"\nDEBUG=1\n", pat(2)),
    );
    let root = h.to_str().unwrap();

    // Scan and import: both tokens join the vault with what they reach; no file changes.
    let (code, found, err) = scan(&v, &fake, &["--import", root]);
    assert_eq!(code, 0, "{found}{err}");
    let imported = found["imported"].as_array().unwrap();
    assert_eq!(imported.len(), 2, "{found}");
    assert!(imported.iter().all(|i| i["added"] == true), "{found}");
    let list = v.json(&["list", "--json"]);
    let names: Vec<&str> = list["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["airtable", "AIRTABLE_API_KEY in blog-.env"]);
    let airtable = v.json(&["show", "airtable", "--json"]);
    assert_eq!(airtable["bases"].as_array().unwrap().len(), 3, "{airtable}");
    assert_eq!(airtable["bases"][0]["label"], "CRM");
    assert!(airtable["scopes"].as_array().unwrap().len() > 3);
    let places: Vec<&str> = airtable["found_in"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    assert_eq!(places.len(), 2, "both copies are its places: {airtable}");
    assert!(
        copies(&found, &id_of(&pat(1)))
            .iter()
            .all(|c| c["token"] == "airtable")
    );
    assert_eq!(std::fs::read_to_string(&cursor).unwrap(), cursor_text);

    // Migrate Claude Desktop's config and the .env; leave Cursor's for later.
    let out = v.run(&["migrate", claude.to_str().unwrap(), "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = v.run(&["migrate", env_file.to_str().unwrap(), "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let env_now = std::fs::read_to_string(&env_file).unwrap();
    assert!(
        env_now.starts_with("PORT=3000\n# AIRTABLE_API_KEY is kept in PAT Vault"),
        "{env_now}"
    );
    assert!(env_now.ends_with("\nDEBUG=1\n"), "{env_now}");
    let started = start_server(&v, &claude, &["mcpServers", "airtable"]);
    assert_eq!(stdout(&started), id_of(&pat(1)), "{}", stderr(&started));
    let migrated = std::fs::read_to_string(&claude).unwrap();
    assert!(
        migrated.ends_with("  \"globalShortcut\": \"\"\n}\n"),
        "{migrated}"
    );

    let (code, found, _) = scan(&v, &fake, &[root]);
    assert_eq!(code, 0, "{found}");
    let wired = found["wired"].as_array().unwrap();
    assert_eq!(wired.len(), 1, "{found}");
    assert_eq!(
        (wired[0]["server"].as_str(), wired[0]["token"].as_str()),
        (Some("airtable"), Some("airtable"))
    );
    let left: Vec<&Value> = found["found"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["plaintext"] == true)
        .collect();
    assert_eq!(
        left.len(),
        1,
        "only Cursor's copy is left in plaintext: {found}"
    );
    assert!(
        left[0]["path"]
            .as_str()
            .unwrap()
            .ends_with(".cursor/mcp.json")
    );

    // Rotate: the migrated server needs nothing; Cursor's copy is now stale, everywhere.
    rotate_to(&v, &fake, "airtable", &pat(6));
    let started = start_server(&v, &claude, &["mcpServers", "airtable"]);
    assert_eq!(stdout(&started), id_of(&pat(6)), "{}", stderr(&started));

    let (code, found, _) = scan(&v, &fake, &[root]);
    assert_eq!(code, 1, "a stale copy: {found}");
    let old = copies(&found, &id_of(&pat(1)));
    let stale: Vec<&&Value> = old.iter().collect();
    assert_eq!(stale.len(), 1, "{found}");
    assert_eq!(
        (stale[0]["token"].as_str(), stale[0]["stale"].as_bool()),
        (Some("airtable"), Some(true))
    );
    assert!(
        found["found"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["backup"] == false),
        "migrate left no backup beside a file: {found}"
    );
    let shown = v.json(&["show", "airtable", "--json"]);
    let stale_places: Vec<&Value> = shown["found_in"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["stale"] == true)
        .collect();
    assert_eq!(stale_places.len(), 1, "{shown}");
    assert!(
        stale_places[0]["path"]
            .as_str()
            .unwrap()
            .ends_with(".cursor/mcp.json")
    );
    let through: Vec<&Value> = shown["found_in"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["through_vault"] == true)
        .collect();
    assert_eq!(through.len(), 1, "{shown}");
    let out = v.run(&["due", "--json"]);
    assert_eq!(out.status.code(), Some(1), "a stale copy makes due say so");
    assert!(
        stdout(&out).contains("the old secret is still in"),
        "{}",
        stdout(&out)
    );

    // The user pastes the new secret into Cursor's config: nothing is stale any more.
    write(&cursor, &cursor_text.replace(&pat(1), &pat(6)));
    let (code, found, _) = scan(&v, &fake, &[root]);
    assert_eq!(code, 0, "{found}");
    let out = v.run(&["due", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn a_scan_ticks_off_a_used_by_path_once_it_holds_the_new_token() {
    let fake = office_with_a_new_token();
    let v = TestVault::new();
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("sync/.env");
    write(&script, &format!("AIRTABLE_API_KEY={}\n", pat(1)));
    let place = script.to_str().unwrap();
    v.add(
        "CRM sync",
        &pat(1),
        &["--used-by", place, "--used-by", "Zapier: CRM"],
    );
    rotate_to(&v, &fake, "CRM sync", &pat(6));
    let pending =
        |v: &TestVault| v.json(&["show", "CRM sync", "--json"])["updates_pending"].clone();
    assert_eq!(pending(&v), serde_json::json!([place, "Zapier: CRM"]));

    let (code, found, _) = scan(&v, &fake, &[]);
    assert_eq!(code, 1, "the old ID is still there: {found}");
    assert_eq!(pending(&v), serde_json::json!([place, "Zapier: CRM"]));

    write(&script, &format!("AIRTABLE_API_KEY={}\n", pat(6)));
    let (code, found, _) = scan(&v, &fake, &[]);
    assert_eq!(code, 0, "{found}");
    assert_eq!(found["ticked"][0]["place"], place, "{found}");
    assert_eq!(pending(&v), serde_json::json!(["Zapier: CRM"]));
}
