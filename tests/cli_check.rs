//! `patvault check` end to end: secrets from a real Secret Service, checks against the
//! fake Airtable, the documented JSON, exit statuses, history kept in the inventory, and
//! the loopback-only rule for plain http.

mod support;
mod world;

use fake_airtable::FakeAirtable;
use support::*;
use world::{id, office, pat};

fn checked(
    v: &TestVault,
    fake: &FakeAirtable,
    args: &[&str],
) -> (Option<i32>, serde_json::Value, String) {
    let mut cmd = v.command(args);
    cmd.env("PATVAULT_AIRTABLE_URL", fake.url());
    let out = cmd.output().unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out.status.code(), json, stderr(&out))
}

#[test]
fn check_json_reports_each_token_and_exit_status_follows_the_worst() {
    let fake = FakeAirtable::start(office()).unwrap();
    let v = TestVault::new();
    let crm = id("app", "CRM");
    let ops = id("app", "Ops");
    let empty = id("app", "Empty");
    v.add(
        "full",
        &pat(1),
        &[
            "--scope",
            "data.records:read",
            "--scope",
            "data.recordComments:read",
            "--scope",
            "schema.bases:read",
            "--scope",
            "user.email:read",
            "--scope",
            "workspacesAndBases:read",
            "--scope",
            "data.records:write",
            "--scope",
            "schema.bases:write",
            "--scope",
            "webhook:manage",
            "--base",
            &crm,
            "--base",
            &empty,
        ],
    );
    v.add(
        "reader",
        &pat(2),
        &["--scope", "data.records:read", "--base", &crm],
    );
    v.add("revoked", &pat(3), &["--base", &crm]);

    let (code, json, err) = checked(&v, &fake, &["check", "full", "--json"]);
    assert_eq!(code, Some(1), "{err}");
    let t = &json["tokens"][0];
    assert_eq!(t["name"], "full");
    assert_eq!(t["status"], "drift");
    assert_eq!(t["user"]["email"], "alice@example.com");
    assert_eq!(t["scopes"]["data.records:write"], "granted");
    assert_eq!(t["scopes"]["data.recordComments:write"], "unverifiable");
    let ops_reach = t["bases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == ops.as_str())
        .unwrap();
    assert_eq!(ops_reach["permission_level"], "read");
    assert_eq!(ops_reach["scopes"]["data.records:write"], "blocked_by_role");
    // Every scope that works is intended; the extra reach is the base Ops.
    assert_eq!(t["drift"]["excess_bases"], serde_json::json!([ops]));
    assert_eq!(t["drift"]["excess_scopes"], serde_json::json!([]));
    assert_eq!(t["drift"]["missing_scopes"], serde_json::json!([]));
    assert!(t["checked_at"].is_string() && json["checked_at"].is_string());
    assert_eq!(t["error"], serde_json::Value::Null);

    let (code, json, _) = checked(&v, &fake, &["check", "--json"]);
    assert_eq!(code, Some(1));
    let names: Vec<&str> = json["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["full", "reader", "revoked"]);
    assert_eq!(json["tokens"][1]["status"], "drift");
    assert_eq!(json["tokens"][2]["status"], "invalid");
    assert_eq!(json["tokens"][2]["user"], serde_json::Value::Null);

    // Reader, once its intent matches its reach, is ok and the exit status is 0.
    let out = v.run(&[
        "edit",
        "reader",
        "--scope",
        "data.records:read",
        "--scope",
        "schema.bases:read",
        "--base",
        &ops,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = v.run(&["edit", "reader", "--base", &crm, "--base", &ops]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (code, json, err) = checked(&v, &fake, &["check", "reader", "--json"]);
    assert_eq!(code, Some(0), "{err}\n{json:#}");
    assert_eq!(json["tokens"][0]["status"], "ok");

    // Each check is kept: reader has been checked twice, newest last.
    let inventory: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(v.inventory()).unwrap()).unwrap();
    let reader = inventory["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["intent"]["name"] == "reader")
        .unwrap();
    let statuses: Vec<&str> = reader["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["drift", "ok"]);
    assert_eq!(reader["last_report"]["status"], "ok");
    // The secrets went to the fake and nowhere near the disk.
    assert!(files_containing(v.data.path(), &pat(1)).is_empty());
}

#[test]
fn the_readable_table_explains_drift_and_the_history_is_capped_at_twenty() {
    let fake = FakeAirtable::start(office()).unwrap();
    let v = TestVault::new();
    v.add(
        "reader",
        &pat(2),
        &["--scope", "data.records:write", "--base", &id("app", "CRM")],
    );
    for _ in 0..21 {
        let (code, _, _) = checked(&v, &fake, &["check", "reader", "--light"]);
        assert_eq!(code, Some(1));
    }
    let mut cmd = v.command(&["check"]);
    cmd.env("PATVAULT_AIRTABLE_URL", fake.url());
    let out = cmd.output().unwrap();
    let text = stdout(&out);
    assert!(text.contains("reader") && text.contains("drift"), "{text}");
    assert!(
        text.contains("missing (will break): The token lacks data.records:write"),
        "{text}"
    );
    assert!(text.contains("excess (over-privileged)"), "{text}");
    assert!(text.contains("fix: In Airtable"), "{text}");
    let inventory: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(v.inventory()).unwrap()).unwrap();
    let checks = inventory["tokens"][0]["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 20);
    assert_eq!(checks[19]["light"], false);
    assert_eq!(checks[0]["light"], true);
}

#[test]
fn plain_http_is_refused_unless_it_stays_on_this_machine() {
    let v = TestVault::new();
    v.add("reader", &pat(2), &[]);
    let mut cmd = v.command(&["check"]);
    cmd.env("PATVAULT_AIRTABLE_URL", "http://api.example.com");
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unencrypted"), "{}", stderr(&out));
    let mut cmd = v.command(&["check", "nobody"]);
    cmd.env("PATVAULT_AIRTABLE_URL", "http://127.0.0.1:9");
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no token is named “nobody”"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn airtable_down_is_an_error_per_token_not_a_crash() {
    let v = TestVault::new();
    v.add("reader", &pat(2), &[]);
    // Nothing listens on the discard port.
    let mut cmd = v.command(&["check", "--json"]);
    cmd.env("PATVAULT_AIRTABLE_URL", "http://127.0.0.1:9");
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["tokens"][0]["status"], "error");
    let error = json["tokens"][0]["error"].as_str().unwrap();
    assert!(error.contains("could not be reached"), "{error}");
    assert!(!error.contains(&pat(2)));
}
