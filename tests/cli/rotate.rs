//! `patvault rotate` against the fake Airtable and a real Secret Service: the new secret
//! is checked before anything changes, refused when it is another user's or reaches
//! less, swapped in otherwise, and the old secret is checked (alive or revoked) and then
//! forgotten.

use crate::support::*;
use fake_airtable::FakeAirtable;
use fake_airtable::world::{EVERY_BASIC_SCOPE, id, office, pat, token};
use std::process::Output;

const NAME: &str = "CRM sync";

fn rotate(v: &TestVault, fake: &FakeAirtable, new: &str, extra: &[&str]) -> Output {
    let mut args = vec!["rotate", NAME];
    args.extend_from_slice(extra);
    let mut cmd = v.command(&args);
    cmd.env("PATVAULT_AIRTABLE_URL", fake.url());
    output_with_stdin(cmd, &format!("{new}\n"))
}

/// Alice's token 1, meant to read and write records in CRM.
fn vault() -> TestVault {
    let v = TestVault::new();
    let crm = id("app", "CRM");
    v.add(
        NAME,
        &pat(1),
        &[
            "--scope",
            "data.records:read",
            "--scope",
            "data.records:write",
            "--base",
            &crm,
            "--rotated-on",
            "2026-01-01",
            "--used-by",
            "Zapier: CRM sync",
            "--used-by",
            "Make scenario",
        ],
    );
    v
}

/// Each `patvault` run paces itself, but this test starts several within a second on
/// the same base: the fake's limits are lifted so they do not add up to a 429.
fn fake() -> FakeAirtable {
    let mut scenario = office();
    scenario.settings.base_rate = 1000;
    scenario.settings.user_rate = 1000;
    FakeAirtable::start(scenario).unwrap()
}

fn unchanged(v: &TestVault, out: &Output) {
    let id = v.token_uuid(NAME);
    assert_eq!(
        v.stored_secret(&id).as_deref(),
        Some(pat(1).as_str()),
        "{}",
        stderr(out)
    );
    assert_eq!(v.stored_secret(&format!("{id}.previous")), None);
    let shown = v.json(&["show", NAME, "--json"]);
    assert_eq!(shown["last_rotated"], "2026-01-01");
    assert_eq!(shown["rotations"], serde_json::json!([]));
}

#[test]
fn a_good_new_secret_is_swapped_in_and_the_old_one_kept_until_it_is_dead() {
    let fake = fake();
    fake.update(|s| {
        s.tokens
            .push(token(6, "Alice", EVERY_BASIC_SCOPE, &["CRM"]));
        s.tokens
            .push(token(7, "Alice", EVERY_BASIC_SCOPE, &["CRM"]));
    });
    let v = vault();
    let id = v.token_uuid(NAME);

    // A new token beside the old one: the old one still works.
    let out = rotate(&v, &fake, &pat(6), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("New secret: user alice@example.com, status drift."),
        "{text}"
    );
    assert!(
        text.contains("WARNING: The old token still works"),
        "{text}"
    );
    assert!(text.contains("[ ] Zapier: CRM sync"), "{text}");
    assert!(
        text.contains(&format!("The old secret stays in {}", v.store_name())),
        "{text}"
    );
    assert_eq!(v.stored_secret(&id).as_deref(), Some(pat(6).as_str()));
    assert_eq!(
        v.stored_secret(&format!("{id}.previous")).as_deref(),
        Some(pat(1).as_str()),
        "an old secret that still works is kept"
    );
    let shown = v.json(&["show", NAME, "--json"]);
    assert_eq!(shown["old_secret_kept"], true);
    // `doctor` names it, and says so in its exit status.
    let out = v.run(&["doctor", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let doctor: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doctor["unfinished_rotations"], serde_json::json!([NAME]));

    // No second rotation while the first one's old secret is kept: it is never overwritten.
    let out = rotate(&v, &fake, &pat(7), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("still keeps its old secret: finish it first"),
        "{}",
        stderr(&out)
    );
    assert_eq!(v.stored_secret(&id).as_deref(), Some(pat(6).as_str()));
    assert_eq!(
        v.stored_secret(&format!("{id}.previous")).as_deref(),
        Some(pat(1).as_str())
    );
    // Checking again while it still works keeps it; once it is deleted in Airtable,
    // checking again forgets it.
    let finish = |extra: &[&str]| {
        let mut args = vec!["rotate", NAME, "--finish"];
        args.extend_from_slice(extra);
        let mut cmd = v.command(&args);
        cmd.env("PATVAULT_AIRTABLE_URL", fake.url());
        cmd.output().unwrap()
    };
    let out = finish(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("WARNING: The old token still works"));
    assert!(v.stored_secret(&format!("{id}.previous")).is_some());
    fake.update(|s| s.tokens[0].revoked = true);
    let out = finish(&[]);
    assert!(
        stdout(&out).contains("The old secret is revoked"),
        "{}",
        stdout(&out)
    );
    assert_eq!(v.stored_secret(&format!("{id}.previous")), None);
    let shown = v.json(&["show", NAME, "--json"]);
    let today = chrono::Local::now().date_naive().to_string();
    assert_eq!(shown["last_rotated"], today.as_str());
    assert_eq!(shown["token_id"], &pat(6)[..17]);
    assert_eq!(shown["rotations"][0]["from"], &pat(1)[..17]);
    assert_eq!(shown["rotations"][0]["to"], &pat(6)[..17]);
    assert_eq!(
        shown["updates_pending"], shown["used_by"],
        "every place to update"
    );
    assert_eq!(shown["old_secret_kept"], false);
    let out = v.run(&["updated", NAME, "nowhere"]);
    assert_eq!(out.status.code(), Some(2), "an unknown place is refused");
    let out = v.run(&["updated", NAME, "Zapier: CRM sync"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Still to update: Make scenario."),
        "{}",
        stderr(&out)
    );
    let out = v.run(&["updated", NAME]);
    assert!(
        stderr(&out).contains("Every place has the new secret."),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        v.json(&["show", NAME, "--json"])["updates_pending"],
        serde_json::json!([])
    );
    assert_eq!(
        shown["checks"].as_array().unwrap().len(),
        1,
        "the new secret's check is kept"
    );

    // Regenerated in Airtable: the old secret is dead by the time the new one is pasted.
    fake.update(|s| {
        s.tokens
            .iter_mut()
            .find(|t| t.token == pat(6))
            .unwrap()
            .revoked = true
    });
    let out = rotate(&v, &fake, &pat(7), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("The old secret is revoked"),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        v.json(&["show", NAME, "--json"])["rotations"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert!(files_containing(v.data.path(), &pat(7)[18..]).is_empty());
    assert!(!stdout(&out).contains(&pat(7)[18..]) && !stderr(&out).contains(&pat(7)[18..]));
}

#[test]
fn an_invalid_secret_another_user_or_lost_reach_changes_nothing() {
    let fake = fake();
    fake.update(|s| {
        s.tokens.push(token(
            8,
            "Alice",
            &["data.records:read", "schema.bases:read"],
            &["CRM"],
        ))
    });
    let v = vault();

    let out = rotate(&v, &fake, &pat(99), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("Airtable does not accept the new secret"),
        "{}",
        stderr(&out)
    );
    unchanged(&v, &out);

    // Token 5 is Bob's.
    let out = rotate(&v, &fake, &pat(5), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("belongs to another user"),
        "{}",
        stderr(&out)
    );
    unchanged(&v, &out);

    // Token 8 lacks data.records:write.
    let out = rotate(&v, &fake, &pat(8), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("does not reach all that “CRM sync” is meant to: data.records:write"),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    unchanged(&v, &out);

    // Forced, it goes through.
    let out = rotate(&v, &fake, &pat(8), &["--force"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        v.stored_secret(&v.token_uuid(NAME)).as_deref(),
        Some(pat(8).as_str())
    );
}

#[test]
fn an_interrupted_rotation_is_reported_and_finished() {
    let fake = fake();
    let v = vault();
    let id = v.token_uuid(NAME);
    // As if the process died after the swap: the old secret is still kept apart.
    v.put_stored_secret(&format!("{id}.previous"), &pat(3));
    let doctor = v.run(&["doctor"]);
    assert_eq!(doctor.status.code(), Some(2));
    assert!(
        stdout(&doctor).contains("the old secret of CRM sync is still kept"),
        "{}",
        stdout(&doctor)
    );

    let mut cmd = v.command(&["rotate", NAME, "--finish"]);
    cmd.env("PATVAULT_AIRTABLE_URL", fake.url());
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Token 3 is revoked in the office scenario.
    assert!(
        stdout(&out).contains("The old secret is revoked"),
        "{}",
        stdout(&out)
    );
    assert_eq!(v.stored_secret(&format!("{id}.previous")), None);
    assert_eq!(v.run(&["doctor"]).status.code(), Some(0));
}
