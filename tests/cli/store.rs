//! The encrypted-file store, as a machine without a desktop uses it: no Secret Service on
//! the bus, the store chosen by name, secrets in age files that Debian's own `age` reads,
//! the key from each of its places, and never a fall-through to plain text.

use std::path::Path;
use std::process::{Command, Output};

use crate::support::*;
use fake_airtable::world::pat;

/// The test vault's command with no session bus and a configuration folder of its own.
fn headless(v: &TestVault, config: &Path, args: &[&str]) -> Command {
    let mut cmd = v.command(args);
    cmd.env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env("XDG_CONFIG_HOME", config)
        .env("HOME", config);
    cmd
}

fn run(v: &TestVault, config: &Path, args: &[&str]) -> Output {
    headless(v, config, args).output().unwrap()
}

fn run_with_stdin(v: &TestVault, config: &Path, args: &[&str], stdin: &str) -> Output {
    output_with_stdin(headless(v, config, args), stdin)
}

/// Fails unless `text` says `needle`, showing all of it.
fn says(text: &str, needle: &str) {
    assert!(text.contains(needle), "{needle:?} not in: {text}");
}

#[test]
fn without_a_keychain_nothing_is_kept_until_a_store_is_chosen() {
    let v = TestVault::on_keychain();
    let config = tempfile::tempdir().unwrap();
    let secret = pat(41);
    let out = run_with_stdin(&v, config.path(), &["add", "CRM"], &format!("{secret}\n"));
    assert_eq!(out.status.code(), Some(2));
    says(&stderr(&out), "patvault store use file");
    says(&stderr(&out), "never keeps tokens in plain text");
    assert_eq!(
        files_containing(v.data.path(), &secret),
        Vec::<std::path::PathBuf>::new()
    );
    assert_eq!(
        files_containing(config.path(), &secret),
        Vec::<std::path::PathBuf>::new()
    );

    // The file store wants a key, and names every place one may come from.
    let out = run(&v, config.path(), &["store", "use", "file"]);
    assert_eq!(out.status.code(), Some(2));
    for place in [
        "CREDENTIALS_DIRECTORY",
        "PATVAULT_IDENTITY_FILE",
        "identity.age",
        "identity.txt",
    ] {
        let named = stderr(&out).contains(place)
            || (place == "CREDENTIALS_DIRECTORY" && stderr(&out).contains("systemd credential"));
        assert!(named, "{place}: {}", stderr(&out));
    }
    let shown = run(&v, config.path(), &["store", "show"]);
    assert!(
        stdout(&shown).starts_with("store: os (the default"),
        "{}",
        stdout(&shown)
    );
}

#[test]
fn secrets_in_age_files_that_debians_age_decrypts_with_the_key_from_each_place() {
    let v = TestVault::on_keychain();
    let config = tempfile::tempdir().unwrap();
    let out = run(
        &v,
        config.path(),
        &["store", "use", "file", "--unprotected-identity"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let key = config.path().join("dev.patvault.debug/identity.txt");
    says(
        &stdout(&out),
        &format!("key: an unprotected identity file, {}", key.display()),
    );
    let shown = run(&v, config.path(), &["store", "show"]);
    says(&stdout(&shown), "warning: the key is kept unprotected");
    let doctor = run(&v, config.path(), &["doctor"]);
    assert_eq!(doctor.status.code(), Some(0), "{}", stdout(&doctor));
    says(&stdout(&doctor), "store:            file, ");
    says(&stdout(&doctor), "WARNING  the key is kept unprotected");
    let again = ["store", "use", "file", "--unprotected-identity"];
    let out = run(&v, config.path(), &again);
    assert_eq!(out.status.code(), Some(2));
    says(&stderr(&out), "a key is already there");

    let secret = pat(42);
    let out = run_with_stdin(&v, config.path(), &["add", "CRM"], &format!("{secret}\n"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let id = stdout(&run(&v, config.path(), &["show", "CRM", "--json"]));
    let id: serde_json::Value = serde_json::from_str(&id).unwrap();
    let file = v
        .data
        .path()
        .join(format!("secrets/{}.age", id["id"].as_str().unwrap()));
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&file), 0o600);
    assert_eq!(mode(file.parent().unwrap()), 0o700);
    assert_eq!(mode(&key), 0o600);
    assert_eq!(
        files_containing(v.data.path(), &secret),
        Vec::<std::path::PathBuf>::new(),
        "no plain copy"
    );

    // Debian's own age, given the key, reads what the vault wrote.
    assert_eq!(age_decrypt(&key, &file), secret);

    let printed = [
        "exec",
        "CRM",
        "--env",
        "TOKEN",
        "--",
        "sh",
        "-c",
        "printf %s \"$TOKEN\"",
    ];
    let out = run(&v, config.path(), &printed);
    assert_eq!(stdout(&out), secret, "{}", stderr(&out));

    // A secret mount named by PATVAULT_IDENTITY_FILE, with no key in the user's folder.
    let mount = tempfile::tempdir().unwrap();
    let mounted = mount.path().join("patvault.key");
    std::fs::rename(&key, &mounted).unwrap();
    let out = run(&v, config.path(), &printed);
    assert_eq!(out.status.code(), Some(2), "no key: {}", stdout(&out));
    says(&stderr(&out), "no key for the encrypted-file store");
    let doctor = run(&v, config.path(), &["doctor"]);
    assert_eq!(doctor.status.code(), Some(2), "{}", stdout(&doctor));
    says(
        &stdout(&doctor),
        "PROBLEM  the encrypted-file store's key found: no key",
    );
    let out = headless(&v, config.path(), &printed)
        .env("PATVAULT_IDENTITY_FILE", &mounted)
        .output()
        .unwrap();
    assert_eq!(stdout(&out), secret, "{}", stderr(&out));

    // A named file that is not there is said, never passed over for another key.
    let out = headless(&v, config.path(), &printed)
        .env("PATVAULT_IDENTITY_FILE", mount.path().join("not-mounted"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    says(&stderr(&out), "not-mounted, which is not a file");

    // A key open to other users is warned about.
    std::fs::set_permissions(&mounted, std::fs::Permissions::from_mode(0o644)).unwrap();
    let shown = headless(&v, config.path(), &["store", "show"])
        .env("PATVAULT_IDENTITY_FILE", &mounted)
        .output()
        .unwrap();
    says(&stdout(&shown), "can be read by other users (mode 644)");
    std::fs::set_permissions(&mounted, std::fs::Permissions::from_mode(0o600)).unwrap();

    // Another key over a vault whose secrets were made for this one is refused.
    let other = mount.path().join("other.key");
    new_age_key(&other);
    let out = headless(&v, config.path(), &["store", "use", "file"])
        .env("PATVAULT_IDENTITY_FILE", &other)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    says(&stderr(&out), "encrypted to another key");

    // A systemd credential comes first.
    let credentials = tempfile::tempdir().unwrap();
    std::fs::copy(&mounted, credentials.path().join("patvault.identity")).unwrap();
    let shown = headless(&v, config.path(), &["store", "show", "--json"])
        .env("PATVAULT_IDENTITY_FILE", &mounted)
        .env("CREDENTIALS_DIRECTORY", credentials.path())
        .output()
        .unwrap();
    let shown: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(shown["store"], "file");
    assert_eq!(shown["described"], "the encrypted-file store");
    assert_eq!(shown["chosen_by"], "vault");
    assert_eq!(shown["key"]["kind"], "credential");
    assert_eq!(shown["warning"], serde_json::Value::Null);

    // The choice is the vault's; PATVAULT_STORE overrides it for one process.
    let shown = headless(&v, config.path(), &["store", "show", "--json"])
        .env("PATVAULT_STORE", "os")
        .output()
        .unwrap();
    let shown: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(
        (
            shown["store"].as_str(),
            shown["described"].as_str(),
            shown["chosen_by"].as_str()
        ),
        (Some("os"), Some("the keychain"), Some("environment"))
    );

    // With tokens in it, the store is not switched under them.
    let out = run(&v, config.path(), &["store", "use", "os"]);
    assert_eq!(out.status.code(), Some(2));
    says(&stderr(&out), "would leave them behind");
}

/// A pipe that holds one page: a writer to it stops once a page is unread.
fn one_page_pipe() -> (std::fs::File, std::fs::File) {
    use std::os::fd::FromRawFd;
    let mut fds = [0; 2];
    // SAFETY: pipe2 fills `fds` with two new descriptors, owned by the files made next.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    // SAFETY: both descriptors were just made and are owned here alone.
    let (reader, writer) = unsafe {
        (
            std::fs::File::from_raw_fd(fds[0]),
            std::fs::File::from_raw_fd(fds[1]),
        )
    };
    // SAFETY: F_SETPIPE_SZ takes an integer and changes only the pipe's capacity.
    assert!(unsafe { libc::fcntl(fds[1], libc::F_SETPIPE_SZ, 4096) } >= 4096);
    (reader, writer)
}

#[test]
fn a_move_killed_half_way_loses_nothing_and_doctor_finishes_it() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let v = TestVault::on_keychain();
    let config = tempfile::tempdir().unwrap();
    // The keyring's bus stays: the move goes from the files to the OS keychain.
    let with_bus = |args: &[&str]| {
        let mut cmd = v.command(args);
        cmd.env("XDG_CONFIG_HOME", config.path())
            .env("HOME", config.path());
        cmd
    };
    let out = with_bus(&["store", "use", "file", "--unprotected-identity"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let tokens: Vec<(String, String)> = (0..150).map(|n| (format!("T{n}"), pat(100 + n))).collect();
    for (name, secret) in &tokens {
        let out = output_with_stdin(with_bus(&["add", name]), &format!("{secret}\n"));
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    let secret_of = |name: &str| {
        let out = with_bus(&[
            "exec",
            name,
            "--env",
            "T",
            "--",
            "sh",
            "-c",
            "printf %s \"$T\"",
        ])
        .output()
        .unwrap();
        stdout(&out)
    };

    // Its progress goes to a pipe of one page that is read no further than the first
    // line: the move stops at about the hundredth of 150 entries until it is killed.
    let (reader, writer) = one_page_pipe();
    let mut moving = with_bus(&["store", "move", "--to", "os"])
        .stderr(Stdio::from(writer))
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(reader).read_line(&mut first).unwrap();
    assert!(
        first.starts_with("in the new store and read back: 1 of 150"),
        "{first}"
    );
    moving.kill().unwrap();
    moving.wait().unwrap();
    let note = v.data.path().join("store-move.json");
    assert!(note.exists(), "the move was cut short");

    // Tokens give their secrets, from whichever store the vault uses now.
    for (name, secret) in tokens.iter().step_by(10) {
        assert_eq!(&secret_of(name), secret, "{name} after the kill");
    }
    let doctor = with_bus(&["doctor"]).output().unwrap();
    says(&stderr(&doctor), "A move cut short is finished.");
    // Healthy: every token has its secret in the store the vault uses.
    assert_eq!(doctor.status.code(), Some(0), "{}", stdout(&doctor));
    assert!(!note.exists());
    let shown = stdout(&with_bus(&["store", "show"]).output().unwrap());
    assert!(
        shown.starts_with("store: os (chosen for this vault"),
        "{shown}"
    );
    for (name, secret) in tokens.iter().step_by(10) {
        assert_eq!(&secret_of(name), secret, "{name} after doctor");
    }
    let left: Vec<_> = std::fs::read_dir(v.data.path().join("secrets"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .filter(|name| name != ".lock")
        .collect();
    assert_eq!(
        left,
        Vec::<std::ffi::OsString>::new(),
        "no encrypted file is left, beside the folder's (empty) lock"
    );

    // And back: a move that is not cut short says what it did.
    let out = with_bus(&["store", "move", "--to", "file"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    says(
        &stdout(&out),
        "in the file store now: 150 entries copied, 150 deleted from the os store",
    );
    assert_eq!(&secret_of("T7"), &tokens[7].1);
}

/// `command` run by `script`, which gives it a terminal whose keyboard is `typed`.
fn at_a_terminal(command: &Command, typed: &str) -> Output {
    let line = std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|a| format!("'{}'", a.to_str().unwrap()))
        .collect::<Vec<_>>()
        .join(" ");
    let mut script = Command::new("script");
    script
        .args(["-qec", &line, "/dev/null"])
        .envs(command.get_envs().filter_map(|(k, v)| Some((k, v?))));
    for (k, v) in command.get_envs() {
        if v.is_none() {
            script.env_remove(k);
        }
    }
    output_with_stdin(script, typed)
}

#[test]
fn a_key_behind_a_passphrase_is_asked_at_a_terminal_and_nowhere_else() {
    let v = TestVault::on_keychain();
    let config = tempfile::tempdir().unwrap();
    let chosen = headless(&v, config.path(), &["store", "use", "file", "--passphrase"]);
    let out = at_a_terminal(&chosen, "correct horse\ndifferent\n");
    says(&stdout(&out), "the two passphrases differ");
    let out = at_a_terminal(&chosen, "correct horse\ncorrect horse\n");
    says(&stdout(&out), "key: an identity protected by a passphrase");
    // Adding needs only the public key: no passphrase is asked.
    let secret = pat(43);
    let out = run_with_stdin(&v, config.path(), &["add", "CRM"], &format!("{secret}\n"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let printed = [
        "exec",
        "CRM",
        "--env",
        "TOKEN",
        "--",
        "sh",
        "-c",
        "printf '[%s]' \"$TOKEN\"",
    ];
    let out = at_a_terminal(&headless(&v, config.path(), &printed), "correct horse\n");
    says(&stdout(&out), &format!("[{secret}]"));
    let out = at_a_terminal(&headless(&v, config.path(), &printed), "wrong\n");
    says(&stdout(&out), "the passphrase is not this identity's");
    assert!(!stdout(&out).contains(&secret));

    // Without a terminal (cron, an MCP client) it is refused, and the other ways named.
    let out = run(&v, config.path(), &printed);
    assert_eq!(out.status.code(), Some(2));
    says(&stderr(&out), "only be asked at a terminal");
    says(&stderr(&out), "PATVAULT_IDENTITY_FILE");
}
