//! `patvault leak`: a token exposed, answered from the vault alone: which token, what it
//! reaches, where it is used, the steps; the secret only on standard input.

use crate::support::*;
use fake_airtable::FakeAirtable;
use fake_airtable::world::{id, office, pat};

#[test]
fn a_leak_names_the_token_its_reach_its_places_and_the_steps_without_a_request() {
    let fake = FakeAirtable::start(office()).unwrap();
    let v = TestVault::new();
    let crm = id("app", "CRM");
    v.add(
        "CRM sync",
        &pat(1),
        &[
            "--base",
            &crm,
            "--used-by",
            "Zapier: deals",
            "--consumer",
            "n8n=Leads",
        ],
    );
    let mut check = v.command(&["check", "--json"]);
    check.env("PATVAULT_AIRTABLE_URL", fake.url());
    assert_eq!(check.output().unwrap().status.code(), Some(1));
    fake.reset_traffic();

    let token_id = pat(1).split_once('.').unwrap().0.to_owned();
    let text = stdout(&v.run(&["leak", &token_id]));
    assert!(
        text.starts_with(&format!(
            "Leaked: “CRM sync” ({token_id}), acting as alice@example.com.\n"
        )),
        "{text}"
    );
    assert!(
        text.contains("it reaches 3 bases, and can list them:"),
        "{text}"
    );
    assert!(text.contains(&format!("  CRM ({crm}), create: change the schema (tables, fields); create, change and delete records")), "{text}");
    assert!(
        text.contains("Used in 2 places:\n  Zapier: deals\n  Leads\n"),
        "{text}"
    );
    assert!(
        text.contains("  2. Give it to PAT Vault: patvault rotate “CRM sync”"),
        "{text}"
    );
    assert!(
        text.contains("  3. Give the new token to “Zapier: deals”."),
        "{text}"
    );

    // By name, or by the whole secret on standard input: the same answer.
    let by_name = v.json(&["leak", "crm sync", "--json"]);
    let piped = v.run_with_stdin(&["leak", "--json"], &format!("{}\n", pat(1)));
    assert_eq!(piped.status.code(), Some(0), "{}", stderr(&piped));
    let piped: serde_json::Value = serde_json::from_slice(&piped.stdout).unwrap();
    assert_eq!(by_name, piped);
    assert_eq!(piped["token"], "CRM sync");
    assert_eq!(piped["places"].as_array().unwrap().len(), 2);
    assert_eq!(
        fake.stats().requests,
        0,
        "a leak is answered without Airtable"
    );

    // A secret in argv is refused, and not echoed.
    let out = v.run(&["leak", &pat(1)]);
    assert_eq!(out.status.code(), Some(2));
    let said = stderr(&out);
    assert!(said.contains("never goes on the command line"), "{said}");
    assert!(!said.contains(pat(1).split_once('.').unwrap().1), "{said}");

    let unknown = stdout(&v.run(&["leak", "patNobodyKnows123"]));
    assert!(
        unknown.starts_with("Now:\n  1. The vault does not know patNobodyKnows123."),
        "{unknown}"
    );
}

#[test]
fn a_leak_of_a_token_used_in_three_places_ends_with_a_finished_checklist() {
    let fake = office_with_a_new_token();
    let v = TestVault::new();
    v.add(
        "sync",
        &pat(1),
        &[
            "--used-by",
            "Zapier: deals",
            "--consumer",
            "n8n=Leads",
            "--consumer",
            "custom=backup script;path=~/jobs/backup.env;needs=data.records:read",
        ],
    );
    let leaked = v.run_with_stdin(&["leak", "--json"], &format!("{}\n", pat(1)));
    let leaked: serde_json::Value = serde_json::from_slice(&leaked.stdout).unwrap();
    let places: Vec<&str> = leaked["places"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["place"].as_str().unwrap())
        .collect();
    assert_eq!(places, ["Zapier: deals", "Leads", "backup script"]);
    let give: Vec<&serde_json::Value> = leaked["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s.as_str().unwrap().starts_with("Give the new token to"))
        .collect();
    assert_eq!(give.len(), 3, "{leaked}");

    // The steps, done: a new token rotated in, each place given it.
    rotate_to(&v, &fake, "sync", &pat(6));
    let pending = v.json(&["show", "sync", "--json"])["updates_pending"].clone();
    assert_eq!(
        pending,
        serde_json::json!(["Zapier: deals", "Leads", "backup script"])
    );
    let out = v.run(&["updated", "sync"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let token = v.json(&["show", "sync", "--json"]);
    assert_eq!(
        token["updates_pending"],
        serde_json::json!([]),
        "the checklist is finished"
    );

    // The leaked ID is now an old secret of the token.
    let old = v.json(&["leak", pat(1).split_once('.').unwrap().0, "--json"]);
    assert_eq!(
        (old["token"].as_str(), old["rotated_away"].as_bool()),
        (Some("sync"), Some(true))
    );
    assert!(
        old["steps"][0]
            .as_str()
            .unwrap()
            .contains("rotated away from")
    );
}
