//! Intent from reach: `add --from-reach` takes a new token's scopes and bases from a
//! full check of its secret, `edit --adopt-reach` makes the last check's reach the
//! intent. Against the fake Airtable's office: token 2 is Alice's, granted
//! `data.records:read` and `schema.bases:read` on CRM and Ops.

use crate::support::*;
use fake_airtable::FakeAirtable;
use fake_airtable::world::{id, office, pat};

fn fake() -> FakeAirtable {
    let mut scenario = office();
    scenario.settings.base_rate = 1000;
    scenario.settings.user_rate = 1000;
    FakeAirtable::start(scenario).unwrap()
}

fn scopes_and_bases(shown: &serde_json::Value) -> (Vec<String>, Vec<(String, String)>) {
    let mut scopes: Vec<String> = shown["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect();
    scopes.sort();
    let mut bases: Vec<(String, String)> = shown["bases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["id"].as_str().unwrap().to_owned(),
                b["label"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    bases.sort();
    (scopes, bases)
}

/// What token 2 reaches: its two scopes on CRM and Ops, named as Airtable names them.
fn token_2_reach() -> (Vec<String>, Vec<(String, String)>) {
    (
        vec!["data.records:read".into(), "schema.bases:read".into()],
        vec![
            (id("app", "CRM"), "CRM".into()),
            (id("app", "Ops"), "Ops".into()),
        ],
    )
}

#[test]
fn add_from_reach_takes_the_scopes_and_bases_that_work() {
    let fake = fake();
    let v = TestVault::new();
    let mut cmd = v.command(&["add", "Reader", "--from-reach"]);
    cmd.env("PATVAULT_AIRTABLE_URL", fake.url());
    let out = output_with_stdin(cmd, &format!("{}\n", pat(2)));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("as it reaches: 2 scopes, 2 bases"),
        "{}",
        stderr(&out)
    );
    let shown = v.json(&["show", "Reader", "--json"]);
    assert_eq!(scopes_and_bases(&shown), token_2_reach());
    assert_eq!(
        shown["last_report"]["status"], "ok",
        "the check that made it is kept"
    );
}

#[test]
fn edit_adopt_reach_agrees_with_the_last_check_and_needs_one() {
    let fake = fake();
    let v = TestVault::new();
    v.add(
        "Reader",
        &pat(2),
        &["--scope", "data.records:write", "--base", &id("app", "HR")],
    );
    let out = v.run(&["edit", "Reader", "--adopt-reach"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("check it first"), "{}", stderr(&out));
    let mut check = v.command(&["check", "Reader"]);
    check.env("PATVAULT_AIRTABLE_URL", fake.url());
    assert_eq!(check.output().unwrap().status.code(), Some(1), "it drifts");
    let out = v.run(&["edit", "Reader", "--adopt-reach"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let shown = v.json(&["show", "Reader", "--json"]);
    assert_eq!(
        scopes_and_bases(&shown),
        token_2_reach(),
        "write (refused) and HR (not granted) are dropped"
    );
}

#[test]
fn a_refused_secret_sends_nothing() {
    let fake = fake();
    let v = TestVault::new();
    let mut cmd = v.command(&["add", "Old key", "--from-reach"]);
    cmd.env("PATVAULT_AIRTABLE_URL", fake.url());
    let out = output_with_stdin(cmd, "keyAbCdEfGh123456\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("legacy"), "{}", stderr(&out));
    assert_eq!(fake.stats().requests, 0, "no request for a refused secret");
}
