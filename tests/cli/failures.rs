//! Bad conditions get a clear message and lose nothing: no Secret Service, a corrupt
//! inventory, a keychain entry that vanished.

use crate::support::*;

#[test]
fn without_a_secret_service_listing_works_and_secret_calls_say_what_to_install() {
    let v = TestVault::on_keychain();
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
fn without_ca_certificates_a_check_names_the_package_to_install() {
    // A bare server may lack them; the command line's package depends on them.
    let v = TestVault::new();
    v.add("CRM", PAT, &[]);
    let empty = tempfile::tempdir().unwrap();
    let no_certificates = empty.path().join("none.pem");
    std::fs::write(&no_certificates, b"").unwrap();
    let out = v
        .command(&["check", "CRM"])
        .env("PATVAULT_AIRTABLE_URL", "http://127.0.0.1:9")
        .env("SSL_CERT_FILE", &no_certificates)
        .env("SSL_CERT_DIR", empty.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let said = format!("{}{}", stdout(&out), stderr(&out));
    assert!(said.contains("cannot set up HTTPS"), "{said}");
    assert!(said.contains("ca-certificates"), "{said}");
    assert!(!said.contains(PAT), "{said}");
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
    v.remove_stored_secret(&v.token_uuid("CRM"));
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
    let v = TestVault::on_keychain();
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

/// A deterministic sequence of delays, so a failing run can be run again as it was.
struct Delays(u64);

impl Delays {
    fn next_micros(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % below
    }
}

#[test]
fn writers_killed_at_random_leave_no_orphan_no_temporary_file_and_no_lost_token() {
    let v = TestVault::new();
    v.add("Kept", PAT, &[]);
    let secret = |i: usize| format!("patKill{i:010}.{}", "0123456789abcdef".repeat(4));
    let mut delays = Delays(0x5eed);
    let mut added = Vec::new();
    for i in 0..150 {
        let name = format!("T{i}");
        let (args, input): (Vec<String>, String) = match i % 3 {
            0 => (vec!["add".into(), name.clone()], format!("{}\n", secret(i))),
            1 => (
                vec![
                    "edit".into(),
                    "Kept".into(),
                    "--note".into(),
                    format!("run {i}"),
                ],
                String::new(),
            ),
            _ => match added.pop() {
                Some(old) => (vec!["remove".into(), old, "--yes".into()], String::new()),
                None => continue,
            },
        };
        if i % 3 == 0 {
            added.push(name);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut child = v
            .command(&args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        use std::io::Write;
        let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
        // The kill lands inside the write: once its note is there (or the process has
        // ended), after a few milliseconds more or less.
        let journal = v.data.path().join("journal");
        let notes = || std::fs::read_dir(&journal).map_or(0, |d| d.count());
        let before = notes();
        while notes() == before && child.try_wait().unwrap().is_none() {
            std::thread::yield_now();
        }
        std::thread::sleep(std::time::Duration::from_micros(delays.next_micros(30_000)));
        let _ = child.kill();
        child.wait().unwrap();
    }
    // The next writer settles what the killed ones left half-made.
    v.add("Final", PAT2, &[]);
    let health: serde_json::Value =
        serde_json::from_slice(&v.run(&["doctor", "--json"]).stdout).unwrap();
    assert_eq!(health["orphan_secrets"], serde_json::json!([]), "{health}");
    assert_eq!(
        health["tokens_without_secret"],
        serde_json::json!([]),
        "{health}"
    );
    let kept = v.json(&["show", "Kept", "--json"]);
    assert_eq!(
        v.stored_secret(kept["id"].as_str().unwrap()).as_deref(),
        Some(PAT)
    );
    let mut leftovers = Vec::new();
    let mut folders = vec![v.data.path().to_path_buf()];
    while let Some(dir) = folders.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if path.to_string_lossy().ends_with(".tmp")
                || path.starts_with(v.data.path().join("journal"))
            {
                leftovers.push(path);
            }
        }
    }
    assert_eq!(leftovers, Vec::<std::path::PathBuf>::new());
}
