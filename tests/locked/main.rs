//! A locked keychain: reported as locked, never as a missing token, and listing still
//! works. A test binary of its own, with its own private keyring: locking affects the
//! whole keyring, which the CLI tests share.

#[path = "../cli/support.rs"]
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

    // Listing what the keychain holds, as opening the window does, says "locked" at
    // once: no Unlock call, no prompt, and the collection stays locked.
    let mut monitor = Command::new("dbus-monitor")
        .args([
            "--address",
            &keyring().bus,
            "type='method_call',interface='org.freedesktop.Secret.Service',member='Unlock'",
            "interface='org.freedesktop.Secret.Prompt'",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let seen = std::sync::Arc::new(parking_lot::Mutex::new(Vec::<String>::new()));
    let lines = seen.clone();
    let output = monitor.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufRead::lines(std::io::BufReader::new(output)).map_while(Result::ok) {
            lines.lock().push(line);
        }
    });
    let matches = || {
        seen.lock()
            .iter()
            .filter(|l| l.contains("member=Unlock") || l.contains("Secret.Prompt"))
            .count()
    };
    // A marker the monitor must see: an Unlock of nothing, which prompts no one. Once it
    // shows, everything the bus routed before it has shown too.
    let marker = |expected: usize| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while matches() < expected {
            assert!(
                std::time::Instant::now() < deadline,
                "the bus monitor saw nothing"
            );
            Command::new("dbus-send")
                .args([
                    "--session",
                    "--print-reply",
                    "--dest=org.freedesktop.secrets",
                    "/org/freedesktop/secrets",
                    "org.freedesktop.Secret.Service.Unlock",
                    "array:objpath:/org/freedesktop/secrets/collection/nothing",
                ])
                .env("DBUS_SESSION_BUS_ADDRESS", &keyring().bus)
                .output()
                .unwrap();
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        matches()
    };
    let before = marker(1);
    let started = std::time::Instant::now();
    let out = v
        .command(&["doctor", "--json"])
        .env("PATVAULT_KEYCHAIN_TIMEOUT_SECS", "5")
        .env_remove("DISPLAY")
        .output()
        .unwrap();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    let health: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(health["keychain"]["kind"], "keychain_locked", "{health:#}");
    let after = marker(before + 1);
    assert_eq!(after, before + 1, "{:#?}", seen.lock());
    let still = Command::new("dbus-send")
        .args([
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.secrets",
            "/org/freedesktop/secrets/collection/login",
            "org.freedesktop.DBus.Properties.Get",
            "string:org.freedesktop.Secret.Collection",
            "string:Locked",
        ])
        .env("DBUS_SESSION_BUS_ADDRESS", &keyring().bus)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&still.stdout).contains("boolean true"));
    monitor.kill().unwrap();
    monitor.wait().unwrap();

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
