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
        unknown.starts_with("The vault does not know patNobodyKnows123.\nNow:\n  1. "),
        "{unknown}"
    );
}
