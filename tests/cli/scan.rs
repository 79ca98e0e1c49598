//! `patvault scan` on a home folder built as users build theirs: MCP clients configured
//! with the token in plaintext, a project's `.env`, a shell profile; one token rotated,
//! so its old ID left in a file is stale. Every copy is found and matched, no secret is
//! printed, and the exit status says whether a stale copy exists.

use crate::support::*;
use fake_airtable::world::pat;

fn id_of(secret: &str) -> &str {
    secret.split_once('.').unwrap().0
}

/// A vault with "CRM sync" (rotated from token 1 to token 6) and "Backup" (token 2).
fn rotated_vault() -> TestVault {
    let fake = office_with_a_new_token();
    let v = TestVault::new();
    v.add("CRM sync", &pat(1), &["--rotated-on", "2026-01-01"]);
    v.add("Backup", &pat(2), &[]);
    rotate_to(&v, &fake, "CRM sync", &pat(6));
    v
}

#[test]
fn finds_every_copy_matches_it_and_names_the_stale_one() {
    let v = rotated_vault();
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    write(
        &h.join(".config/Claude/claude_desktop_config.json"),
        &format!(
            r#"{{"mcpServers": {{"airtable": {{"command": "npx", "args": ["-y", "airtable-mcp-server"], "env": {{"AIRTABLE_API_KEY": "{}"}}}}}}}}"#,
            pat(1)
        ),
    );
    write(
        &h.join(".codex/config.toml"),
        &format!(
            "[mcp_servers.bases]\ncommand = \"npx\"\nenv = {{ AIRTABLE_TOKEN = \"{}\" }}\n",
            pat(6)
        ),
    );
    write(
        &h.join(".bashrc"),
        &format!("export AIRTABLE_BACKUP={}\n", id_of(&pat(2))),
    );
    write(
        &h.join("work/app/.env"),
        &format!("# git-ignored, as usual\nAIRTABLE_TOKEN={}\n", pat(9)),
    );
    write(
        &h.join("work/app/node_modules/x/.env"),
        &format!("T={}\n", pat(1)),
    );
    write(&h.join("work/app/.gitignore"), ".env\n");

    let mut cmd = v.command(&["scan", "--json"]);
    cmd.env("HOME", h).env("XDG_CONFIG_HOME", h.join(".config"));
    cmd.current_dir(h);
    let out = cmd.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "a stale copy: {}{}",
        stdout(&out),
        stderr(&out)
    );
    let text = stdout(&out);
    for n in [1, 2, 6, 9] {
        let secret_part = pat(n).split_once('.').unwrap().1.to_owned();
        assert!(!text.contains(&secret_part), "no secret is printed: {text}");
    }
    let found: serde_json::Value = serde_json::from_str(&text).unwrap();
    let by_id = |id: &str| {
        found["found"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["token_id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("{id} not found in {text}"))
    };
    let old = by_id(id_of(&pat(1)));
    assert_eq!(old["token"], "CRM sync");
    assert_eq!(old["stale"], true);
    assert_eq!(old["plaintext"], true);
    assert_eq!(old["server"], "airtable");
    assert_eq!(old["variable"], "AIRTABLE_API_KEY");
    assert_eq!(old["line"], 1);
    let new = by_id(id_of(&pat(6)));
    assert_eq!(
        (new["token"].as_str(), new["stale"].as_bool()),
        (Some("CRM sync"), Some(false))
    );
    assert_eq!(
        (new["server"].as_str(), new["variable"].as_str()),
        (Some("bases"), Some("AIRTABLE_TOKEN"))
    );
    let backup = by_id(id_of(&pat(2)));
    assert_eq!(backup["token"], "Backup");
    assert_eq!(backup["plaintext"], false, "only the ID is in the profile");
    assert_eq!(backup["variable"], "AIRTABLE_BACKUP");
    // The project is not a usual place: a scan of the home folder finds its `.env`.
    assert!(!text.contains(id_of(&pat(9))), "{text}");

    // Claude Desktop's entry runs airtable-mcp-server: a place of that kind, inferred.
    // Codex's runs a program the catalog does not know: nothing is inferred from it.
    let places =
        |v: &TestVault| v.json(&["show", "CRM sync", "--json"])["consumers"]["consumers"].clone();
    let inferred = places(&v);
    assert_eq!(inferred.as_array().unwrap().len(), 1, "{inferred}");
    assert_eq!(
        (
            inferred[0]["kind"].as_str(),
            inferred[0]["inferred"].as_bool()
        ),
        (Some("airtable-mcp-server"), Some(true))
    );
    assert!(
        inferred[0]["label"]
            .as_str()
            .unwrap()
            .starts_with("airtable in ")
            && inferred[0]["path"]
                .as_str()
                .unwrap()
                .ends_with(".config/Claude/claude_desktop_config.json"),
        "{inferred}"
    );
    let again = cmd.output().unwrap();
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(places(&v), inferred, "a second scan adds nothing");
    // The entry leaves the config: the place, never confirmed, leaves with it.
    let claude = h.join(".config/Claude/claude_desktop_config.json");
    write(&claude, r#"{"mcpServers": {}}"#);
    cmd.output().unwrap();
    assert_eq!(places(&v), serde_json::json!([]), "gone with its entry");
    write(
        &claude,
        &format!(
            r#"{{"mcpServers": {{"airtable": {{"command": "npx", "args": ["-y", "airtable-mcp-server"], "env": {{"AIRTABLE_API_KEY": "{}"}}}}}}}}"#,
            pat(1)
        ),
    );
    // Back: inferred again. Confirmed, then removed by its owner: never inferred again.
    cmd.output().unwrap();
    assert_eq!(places(&v).as_array().unwrap().len(), 1);
    let label = places(&v)[0]["label"].as_str().unwrap().to_owned();
    let out = v.run(&[
        "edit",
        "CRM sync",
        "--consumer",
        &format!("airtable-mcp-server={label}"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let confirmed = places(&v);
    assert_eq!(
        confirmed[0]["inferred"],
        serde_json::Value::Null,
        "{confirmed}"
    );
    assert!(
        confirmed[0]["path"]
            .as_str()
            .unwrap()
            .ends_with("claude_desktop_config.json"),
        "the file is kept"
    );
    let out = v.run(&["edit", "CRM sync", "--used-by", "Zapier: deals"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    cmd.output().unwrap();
    let kept = places(&v);
    assert_eq!(kept.as_array().unwrap().len(), 1, "{kept}");
    assert_eq!(kept[0]["label"], "Zapier: deals");

    let out = v.run(&["scan", "--json", h.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let walked: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let unknown: Vec<&serde_json::Value> = walked["found"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["token_id"] == id_of(&pat(9)))
        .collect();
    assert_eq!(
        unknown.len(),
        1,
        "the git-ignored .env is read, node_modules is not: {walked}"
    );
    assert_eq!(unknown[0]["token"], serde_json::Value::Null);
    assert_eq!(unknown[0]["line"], 2);
    assert!(
        unknown[0]["path"]
            .as_str()
            .unwrap()
            .ends_with("work/app/.env")
    );
    let copies_of_old = walked["found"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["token_id"] == id_of(&pat(1)))
        .count();
    assert_eq!(copies_of_old, 1, "node_modules is skipped: {walked}");
}

#[test]
fn nothing_stale_is_status_zero_and_a_missing_path_is_a_usage_error() {
    let v = TestVault::new();
    v.add("Backup", &pat(2), &[]);
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("cron.env"), &format!("KEY={}\n", pat(2)));
    let out = v.run(&["scan", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("Backup"), "{}", stdout(&out));
    assert!(!stdout(&out).contains(pat(2).split_once('.').unwrap().1));
    let gone = dir.path().join("nowhere");
    let out = v.run(&["scan", gone.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("does not exist"), "{}", stderr(&out));
}

#[test]
fn a_config_that_does_not_parse_is_reported_and_left_untouched() {
    let v = TestVault::new();
    v.add("Backup", &pat(2), &[]);
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("mcp.json");
    let text = format!(
        "{{\"mcpServers\": {{\"at\": {{\"env\": {{\"KEY\": \"{}\"}}}}}}\n",
        pat(2)
    );
    write(&broken, &text);
    let out = v.run(&["scan", "--json", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let found: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        found["found"][0]["token"], "Backup",
        "its copy is still found: {found}"
    );
    assert_eq!(found["found"][0]["server"], serde_json::Value::Null);
    let unparsable = &found["unparsable"][0];
    assert!(
        unparsable["path"].as_str().unwrap().ends_with("mcp.json"),
        "{found}"
    );
    assert!(
        unparsable["error"]
            .as_str()
            .unwrap()
            .starts_with("it is not valid JSON"),
        "{found}"
    );
    let out = v.run(&["scan", dir.path().to_str().unwrap()]);
    assert!(stderr(&out).contains("does not parse"), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&broken).unwrap(), text);
}
