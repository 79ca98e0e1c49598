//! `patvault owners`: who the tokens act as, from their last checks, and what breaks if
//! one of them leaves.

use crate::support::*;
use fake_airtable::FakeAirtable;
use fake_airtable::world::{id, office, pat};

#[test]
fn an_owner_of_most_tokens_is_warned_about_and_their_departure_names_what_stops() {
    let fake = FakeAirtable::start(office()).unwrap();
    let v = TestVault::new();
    let crm = id("app", "CRM");
    // Tokens 1 and 2 are Alice's, 5 is Bob's.
    v.add(
        "sync",
        &pat(1),
        &["--base", &crm, "--used-by", "Zapier: deals"],
    );
    v.add(
        "backup",
        &pat(2),
        &[
            "--base",
            &crm,
            "--consumer",
            "custom=NAS;needs=data.records:read",
        ],
    );
    v.add("bob's", &pat(5), &["--base", &crm]);
    v.add("new", &pat(4), &[]);
    let mut check = v.command(&["check", "sync", "backup", "bob's", "--light"]);
    check.env("PATVAULT_AIRTABLE_URL", fake.url());
    check.output().unwrap();

    let o = v.json(&["owners", "--json"]);
    let alice = &o["owners"][0];
    assert_eq!(alice["user"]["email"], "alice@example.com");
    assert_eq!(alice["tokens"], serde_json::json!(["backup", "sync"]));
    assert_eq!(
        alice["consumers"],
        serde_json::json!(["NAS (“backup”)", "Zapier: deals (“sync”)"])
    );
    assert_eq!(alice["bases"], serde_json::json!([format!("CRM ({crm})")]));
    assert!(
        alice["if_they_leave"]
            .as_str()
            .unwrap()
            .starts_with("If alice@example.com leaves or loses access, 2 tokens and the 2 places that use them stop working."),
        "{alice}"
    );
    assert_eq!(o["owners"][1]["user"]["email"], "bob@example.com");
    assert_eq!(o["unknown"], serde_json::json!(["new"]));
    assert_eq!(
        o["warnings"],
        serde_json::json!([
            "alice@example.com owns 2 of the 3 tokens whose owner is known: if they leave, all of those stop working at once"
        ])
    );
    let text = stdout(&v.run(&["owners"]));
    assert!(
        text.starts_with("warning: alice@example.com owns 2 of the 3 tokens whose owner is known")
            && text.contains("  used by: NAS (“backup”); Zapier: deals (“sync”)\n"),
        "{text}"
    );
}
