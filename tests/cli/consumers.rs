//! The places that use a token, judged by its checks: each kind's needs from the
//! catalog, a custom place's from its user, and a lowered role turning one place to
//! "will fail" between two checks.

use crate::support::*;
use fake_airtable::FakeAirtable;
use fake_airtable::scenario::Level;
use fake_airtable::world::{id, office, pat};
use serde_json::Value;

fn check_json(v: &TestVault, fake: &FakeAirtable) -> Value {
    // Each run is a process with a pacer of its own: the fake's windows start afresh.
    fake.reset_traffic();
    let mut cmd = v.command(&["check", "--json"]);
    cmd.env("PATVAULT_AIRTABLE_URL", fake.url());
    let out = cmd.output().unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", stderr(&out)))
}

/// Each place's label and state, in order.
fn states(token: &Value) -> Vec<(String, String)> {
    token["consumers"]["consumers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["label"].as_str().unwrap().into(),
                c["state"].as_str().unwrap().into(),
            )
        })
        .collect()
}

#[test]
fn every_check_judges_each_place_and_a_lowered_role_turns_one_to_will_fail() {
    let fake = FakeAirtable::start(office()).unwrap();
    let v = TestVault::new();
    let crm = id("app", "CRM");
    let hr = id("app", "HR");
    // Token 1 is Alice's, with every basic scope on CRM, Ops and Empty; she creates CRM.
    v.add(
        "every",
        &pat(1),
        &[
            "--scope",
            "data.records:read",
            "--base",
            &crm,
            "--consumer",
            "airtable-mcp-server=Claude",
            "--consumer",
            &format!("custom=importer;base={crm};needs=data.records:write"),
            "--consumer",
            &format!("n8n=HR sync;base={hr}"),
            "--consumer",
            "zapier=CRM zap",
        ],
    );
    // Token 4 is Alice's too (records read and webhooks on CRM; it cannot list bases, so
    // its intent names the table to probe): the kinds no source states the needs of, as
    // scripts and hosted services use it.
    let contacts = format!("{crm}/Contacts");
    v.add(
        "scripts",
        &pat(4),
        &[
            "--base",
            &contacts,
            "--consumer",
            "airtable-hosted-mcp=Claude web",
            "--consumer",
            "make=Make scenario",
            "--consumer",
            "pyairtable=report.py;needs=data.records:read",
            "--consumer",
            "airtable-js=site build;needs=data.records:write",
        ],
    );
    let first = check_json(&v, &fake);
    let scripts = first["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "scripts")
        .unwrap();
    assert_eq!(
        states(scripts),
        [
            ("Claude web".into(), "unknown".into()),
            ("Make scenario".into(), "unknown".into()),
            ("report.py".into(), "works".into()),
            // Without the schema, a refused write cannot tell a missing scope from a
            // missing table (airtable-api.md): not known, never called failing.
            ("site build".into(), "unknown".into()),
        ]
    );
    let token = first["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "every")
        .unwrap();
    assert_eq!(
        states(token),
        [
            ("Claude".into(), "works".into()),
            ("importer".into(), "works".into()),
            ("HR sync".into(), "will_fail".into()),
            ("CRM zap".into(), "unknown".into()),
        ]
    );
    let hr_sync = &token["consumers"]["consumers"][2];
    assert_eq!(hr_sync["failures"][0]["cause"], "base");
    assert!(
        hr_sync["failures"][0]["fix"]
            .as_str()
            .unwrap()
            .contains("airtable.com/create/tokens")
    );
    assert!(
        token["consumers"]["consumers"][3]["unknown"][0]
            .as_str()
            .unwrap()
            .contains("Zapier")
    );
    // A Zapier zap's needs are unknown: nothing is called excess.
    assert_eq!(token["consumers"]["excess_scopes"], Value::Null);

    // Alice is made read-only on CRM: the importer writes there, Claude only reads.
    fake.update(|s| {
        let base = s.bases.iter_mut().find(|b| b.id == crm).unwrap();
        base.roles.insert(id("usr", "Alice"), Level::Read);
    });
    let second = check_json(&v, &fake);
    let token = second["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "every")
        .unwrap();
    assert_eq!(states(token)[0], ("Claude".into(), "works".into()));
    assert_eq!(states(token)[1], ("importer".into(), "will_fail".into()));
    let failure = &token["consumers"]["consumers"][1]["failures"][0];
    assert_eq!(
        (failure["cause"].as_str(), failure["base"].as_str()),
        (Some("role"), Some(crm.as_str()))
    );
    assert!(
        failure["why"].as_str().unwrap().contains("read-only"),
        "{failure}"
    );

    // A place that will fail is something to do now, for cron too.
    let due = v.run(&["due"]);
    assert_eq!(due.status.code(), Some(1), "{}", stderr(&due));
    assert!(
        stdout(&due).contains("2 places will fail: “importer”, “HR sync”"),
        "{}",
        stdout(&due)
    );

    // The list and the text say the same.
    let listed = v.json(&["list", "--json"]);
    assert_eq!(states(&listed["tokens"][0]), states(token));
    let mut cmd = v.command(&["check"]);
    cmd.env("PATVAULT_AIRTABLE_URL", fake.url());
    fake.reset_traffic();
    let text = stdout(&cmd.output().unwrap());
    assert!(
        text.contains("  will fail: importer (Custom (the scopes and bases you give))")
            && text.contains("  works: Claude (airtable-mcp-server (local MCP server))"),
        "{text}"
    );
}

#[test]
fn a_place_keeps_its_kind_through_an_edit_and_a_wrong_one_is_named() {
    let v = TestVault::new();
    v.add(
        "t",
        PAT,
        &["--consumer", "n8n=Leads", "--used-by", "cron on the NAS"],
    );
    // Naming a place by its label again keeps what is known of it.
    let out = v.run(&["edit", "t", "--used-by", "Leads"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let token = v.json(&["show", "t", "--json"]);
    assert_eq!(token["used_by"], serde_json::json!(["Leads"]));
    assert_eq!(token["consumers"]["consumers"][0]["kind"], "n8n");
    // A place given by kind joins the others, or replaces the one of its label.
    let out = v.run(&[
        "edit",
        "t",
        "--consumer",
        "custom=backup;needs=data.records:read",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = v.run(&["edit", "t", "--consumer", "airtable-mcp-server=Leads"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let token = v.json(&["show", "t", "--json"]);
    assert_eq!(token["used_by"], serde_json::json!(["Leads", "backup"]));
    assert_eq!(
        token["consumers"]["consumers"][0]["kind"],
        "airtable-mcp-server"
    );
    let out = v.run(&["edit", "t", "--consumer", "zapierr=CRM zap"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("not a kind of consumer PAT Vault knows"),
        "{}",
        stderr(&out)
    );
    let out = v.run(&[
        "edit",
        "t",
        "--consumer",
        "n8n=Leads;needs=data.records:read",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("comes from its sources"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_catalog_is_printed_with_its_sources() {
    let v = TestVault::new();
    let text = stdout(&v.run(&["consumers"]));
    assert!(
        text.contains("airtable-mcp-server: airtable-mcp-server (local MCP server)")
            && text.contains("needs list_bases: schema.bases:read, lists bases")
            && text.contains("source: https://github.com/domdomegg/airtable-mcp-server"),
        "{text}"
    );
    let kinds = v.json(&["consumers", "--json"]);
    let zapier = kinds
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == "zapier")
        .unwrap();
    assert_eq!(zapier["needs_known"], false);
}
