//! Bad conditions get a clear message and lose nothing: no Secret Service, a corrupt
//! inventory, a keychain entry that vanished.

use crate::support::*;

#[test]
fn without_a_secret_service_listing_works_and_secret_calls_say_what_to_install() {
    let v = TestVault::new();
    v.add("CRM", PAT, &[]);
    let no_bus = |args: &[&str]| {
        v.command(args)
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
            .output()
            .unwrap()
    };
    let out = no_bus(&["list", "--json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "listing never touches the keychain: {}",
        stderr(&out)
    );

    let out = no_bus(&["exec", "CRM", "--", "true"]);
    assert_eq!(out.status.code(), Some(2));
    let message = stderr(&out);
    assert!(
        message.contains("no Secret Service is running"),
        "{message}"
    );
    assert!(message.contains("gnome-keyring"), "{message}");
    assert_eq!(message.lines().count(), 1);

    let out = no_bus(&["doctor"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stdout(&out).contains("PROBLEM  keychain reachable"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_corrupt_inventory_is_named_with_its_backup_and_left_untouched() {
    let v = TestVault::new();
    v.add("CRM", PAT, &[]);
    v.add("Ops", PAT2, &[]);
    std::fs::write(v.inventory(), b"{\"format\": 1, \"tokens\": [").unwrap();

    let out = v.run(&["list"]);
    assert_eq!(out.status.code(), Some(2));
    let message = stderr(&out);
    assert!(
        message.contains("inventory.json") && message.contains("inventory.json.bak"),
        "{message}"
    );

    let out = v.run_with_stdin(&["add", "New"], &format!("{PAT}\n"));
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        std::fs::read(v.inventory()).unwrap(),
        b"{\"format\": 1, \"tokens\": ["
    );

    // The backup is a whole previous version the user can restore.
    let backup: serde_json::Value =
        serde_json::from_slice(&std::fs::read(v.data.path().join("inventory.json.bak")).unwrap())
            .unwrap();
    assert_eq!(backup["tokens"].as_array().unwrap().len(), 1);
}

#[test]
fn a_failed_add_leaves_no_orphan_secret() {
    let v = TestVault::new();
    v.add("CRM", PAT, &[]);
    std::fs::write(v.inventory(), b"garbage").unwrap();
    let out = v.run_with_stdin(&["add", "New"], &format!("{PAT2}\n"));
    assert_eq!(out.status.code(), Some(2));
    std::fs::remove_file(v.inventory()).unwrap();
    let health: serde_json::Value =
        serde_json::from_slice(&v.run(&["doctor", "--json"]).stdout).unwrap();
    // The first token's entry is an orphan now (its record was destroyed above), but
    // the failed add left nothing behind.
    assert_eq!(health["orphan_secrets"].as_array().unwrap().len(), 1);
}

#[test]
fn a_missing_secret_is_reported_as_missing_not_as_an_empty_token() {
    let v = TestVault::new();
    v.add("CRM", PAT, &[]);
    v.keychain_clear(&v.token_uuid("CRM"));
    let out = v.run(&["exec", "CRM", "--", "sh", "-c", "exit 0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no secret for this token"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_keychain_that_never_answers_times_out_with_a_clear_message() {
    let v = TestVault::new();
    v.add("CRM", PAT, &[]);
    // A "session bus" that accepts connections and then says nothing, like a keychain
    // stuck behind a prompt nobody answers.
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("silent-bus");
    let listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    std::thread::spawn(move || {
        let held: Vec<_> = listener.incoming().take(4).collect();
        std::thread::sleep(std::time::Duration::from_secs(60));
        drop(held);
    });

    let started = std::time::Instant::now();
    let out = v
        .command(&["exec", "CRM", "--", "true"])
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            format!("unix:path={}", socket.display()),
        )
        .env("PATVAULT_KEYCHAIN_TIMEOUT_SECS", "2")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("did not answer within 2 seconds"),
        "{}",
        stderr(&out)
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}
