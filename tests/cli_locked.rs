//! A locked keychain: reported as locked, never as a missing token, and listing still
//! works. In a file of its own
//! because locking affects the whole private keyring this test binary shares.

mod support;

use std::process::Command;
use support::*;

#[test]
fn a_locked_keychain_is_named_as_such_and_listing_still_works() {
    let v = TestVault::new();
    v.add("CRM", PAT, &[]);
    // The Secret Service's own Lock call (secret-tool's `lock` crashes in libsecret 0.20).
    let locked = Command::new("dbus-send")
        .args([
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.secrets",
            "/org/freedesktop/secrets",
            "org.freedesktop.Secret.Service.Lock",
            "array:objpath:/org/freedesktop/secrets/collection/login",
        ])
        .env("DBUS_SESSION_BUS_ADDRESS", &keyring().bus)
        .output()
        .unwrap();
    assert!(
        locked.status.success(),
        "the test keyring could not be locked: {}",
        stderr(&locked)
    );

    let started = std::time::Instant::now();
    let out = v
        .command(&["exec", "CRM", "--", "true"])
        .env("PATVAULT_KEYCHAIN_TIMEOUT_SECS", "5")
        .env_remove("DISPLAY")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let message = stderr(&out);
    assert!(
        message.contains("keychain is locked")
            || message.contains("did not answer within 5 seconds"),
        "{message}"
    );
    assert!(started.elapsed().as_secs() < 30);

    let out = v.run(&["list", "--json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "listing never touches the keychain"
    );
}
