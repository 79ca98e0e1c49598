//! Test harness: a private D-Bus session with a freshly unlocked gnome-keyring (the real
//! Secret Service), and the `patvault` binary run against it in a throwaway data folder.

#![allow(dead_code)] // each test file uses its own part of the harness

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;

pub const PAT: &str =
    "patAbCdEfGh123456.0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
pub const PAT2: &str =
    "patZyXwVuTs987654.fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

pub struct PrivateKeyring {
    pub bus: String,
    // Statics are never dropped, so the bus cannot be stopped from Drop: its watchdog
    // shell stops it when its stdin pipe closes, which happens when the test process exits.
    _watchdog: Child,
    _home: tempfile::TempDir,
}

/// One private session per test binary, shared by its tests; each test uses its own
/// keychain service name, so they never see each other's entries.
pub fn keyring() -> &'static PrivateKeyring {
    static KEYRING: OnceLock<PrivateKeyring> = OnceLock::new();
    KEYRING.get_or_init(start_keyring)
}

/// The private bus's configuration: it starts no service by itself, so no second,
/// locked keyring can take the Secret Service's name (see the file).
const BUS_CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/dbus/session.conf");

/// A new session bus and keyring, unlocked.
fn start_keyring() -> PrivateKeyring {
    let home = tempfile::tempdir().unwrap();
    let runtime = home.path().join("run");
    std::fs::create_dir_all(&runtime).unwrap();
    let mut dbus = Command::new("sh")
        .args([
            "-c",
            "dbus-daemon --config-file=\"$1\" --nofork --print-address=1 & trap 'kill $!' EXIT; read _",
            "sh",
        ])
        .arg(BUS_CONFIG)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut bus = String::new();
    BufReader::new(dbus.stdout.take().unwrap())
        .read_line(&mut bus)
        .unwrap();
    let bus = bus.trim().to_owned();
    assert!(
        bus.starts_with("unix:"),
        "dbus-daemon is needed for the keychain tests (scripts/setup.sh --test installs it)"
    );
    let mut daemon = Command::new("gnome-keyring-daemon")
        .args(["--unlock", "--components=secrets"])
        .env("DBUS_SESSION_BUS_ADDRESS", &bus)
        .env("XDG_DATA_HOME", home.path())
        .env("XDG_RUNTIME_DIR", &runtime)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("gnome-keyring-daemon is needed (scripts/setup.sh --test installs it)");
    daemon
        .stdin
        .take()
        .unwrap()
        .write_all(b"test-password")
        .unwrap();
    assert!(
        daemon.wait().unwrap().success(),
        "gnome-keyring-daemon did not start"
    );
    // `--unlock` returns once its daemon is forked, maybe before it owns its name.
    wait_for_owner(&bus, "org.freedesktop.secrets");
    let locked = dbus_call(
        &bus,
        &[
            "--dest=org.freedesktop.secrets",
            "/org/freedesktop/secrets/aliases/default",
            "org.freedesktop.DBus.Properties.Get",
            "string:org.freedesktop.Secret.Collection",
            "string:Locked",
        ],
    );
    assert!(
        locked.contains("boolean false"),
        "the private keyring is locked after --unlock: {locked}"
    );
    // Dropping the watchdog's stdin stops that bus, and its keyring with it.
    PrivateKeyring {
        bus,
        _watchdog: dbus,
        _home: home,
    }
}

/// Waits (at most 10 s) until `name` has an owner on `bus`. Asking the bus itself starts
/// nothing.
fn wait_for_owner(bus: &str, name: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let ask = format!("string:{name}");
    while !dbus_call(
        bus,
        &[
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.NameHasOwner",
            &ask,
        ],
    )
    .contains("boolean true")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "{name} never appeared on the private bus"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

fn dbus_call(bus: &str, args: &[&str]) -> String {
    let answer = Command::new("dbus-send")
        .args(["--session", "--print-reply"])
        .args(args)
        .env("DBUS_SESSION_BUS_ADDRESS", bus)
        .output()
        .expect("dbus-send is needed (scripts/setup.sh --test installs it)");
    String::from_utf8_lossy(&answer.stdout).into_owned() + &String::from_utf8_lossy(&answer.stderr)
}

/// Where a test vault keeps its secrets. The tests of every command run on both stores:
/// `scripts/test.sh` runs this binary once as it is (the keychain) and once with
/// `PATVAULT_TEST_STORE=file` (the encrypted-file store, chosen as a user chooses it).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Store {
    Keychain,
    File,
}

pub fn store_under_test() -> Store {
    match std::env::var("PATVAULT_TEST_STORE").as_deref() {
        Err(_) | Ok("os") => Store::Keychain,
        Ok("file") => Store::File,
        Ok(other) => panic!("PATVAULT_TEST_STORE is os or file, not {other}"),
    }
}

/// A vault of its own: a data folder and a keychain service name nobody else uses, and
/// on the file store an age identity of its own, given as `PATVAULT_IDENTITY_FILE`.
pub struct TestVault {
    pub data: tempfile::TempDir,
    pub service: String,
    pub store: Store,
    key: Option<tempfile::TempDir>,
}

impl TestVault {
    /// On the store under test.
    pub fn new() -> Self {
        Self::on(store_under_test())
    }

    /// On the keychain whatever the store under test: for what only a keychain does
    /// (no Secret Service, a locked or silent one) and for choosing a store.
    pub fn on_keychain() -> Self {
        Self::on(Store::Keychain)
    }

    fn on(store: Store) -> Self {
        keyring();
        let key = (store == Store::File).then(|| {
            let dir = tempfile::tempdir().unwrap();
            new_age_key(&dir.path().join("identity"));
            dir
        });
        let v = TestVault {
            data: tempfile::tempdir().unwrap(),
            service: format!("dev.patvault.test.{}", uuid::Uuid::new_v4()),
            store,
            key,
        };
        if store == Store::File {
            let out = v.run(&["store", "use", "file"]);
            assert!(out.status.success(), "store use file: {}", stderr(&out));
        }
        v
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_patvault"));
        cmd.args(args)
            .envs(self.vault_env())
            // The build folder may be a temporary one (a clean clone in /tmp): the tests
            // name the program configs run, as a user of such a copy would.
            .env("PATVAULT_PROGRAM", env!("CARGO_BIN_EXE_patvault"))
            // Nothing of the machine's own choice of store or key reaches a test.
            .env_remove("PATVAULT_STORE")
            .env_remove("CREDENTIALS_DIRECTORY")
            .stdin(Stdio::null());
        if self.identity().is_none() {
            cmd.env_remove("PATVAULT_IDENTITY_FILE");
        }
        cmd
    }

    /// What a process needs in its environment to open this vault: for a command started
    /// from a cleared environment, as an MCP client starts its servers.
    pub fn vault_env(&self) -> Vec<(&'static str, std::ffi::OsString)> {
        let mut env = vec![
            ("PATVAULT_DATA_DIR", self.data.path().into()),
            ("PATVAULT_KEYCHAIN_SERVICE", self.service.clone().into()),
            ("DBUS_SESSION_BUS_ADDRESS", keyring().bus.clone().into()),
        ];
        if let Some(key) = self.identity() {
            env.push(("PATVAULT_IDENTITY_FILE", key.into()));
        }
        env
    }

    /// Where the secrets are, as the command line names it to its user.
    pub fn store_name(&self) -> &'static str {
        match self.store {
            Store::Keychain => "the keychain",
            Store::File => "the encrypted-file store",
        }
    }

    /// The file store's key, on the file store.
    pub fn identity(&self) -> Option<PathBuf> {
        self.key.as_ref().map(|dir| dir.path().join("identity"))
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    pub fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Output {
        output_with_stdin(self.command(args), stdin)
    }

    pub fn add(&self, name: &str, secret: &str, flags: &[&str]) -> Output {
        let mut args = vec!["add", name];
        args.extend_from_slice(flags);
        let out = self.run_with_stdin(&args, &format!("{secret}\n"));
        assert_eq!(out.status.code(), Some(0), "add failed: {}", stderr(&out));
        out
    }

    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?} failed: {}",
            stderr(&out)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    pub fn token_uuid(&self, name: &str) -> String {
        self.json(&["show", name, "--json"])["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// The secret as the store itself holds it, read past PAT Vault: with libsecret's
    /// tool from the Secret Service, with Debian's `age` from the file store.
    pub fn stored_secret(&self, account: &str) -> Option<String> {
        match self.identity() {
            None => secret_tool(&["lookup", "service", &self.service, "username", account]),
            Some(key) => {
                let file = self.secret_file(account);
                file.exists().then(|| age_decrypt(&key, &file))
            }
        }
    }

    /// Puts an entry in the store past PAT Vault, as another program could.
    pub fn put_stored_secret(&self, account: &str, secret: &str) {
        let out = match self.identity() {
            None => {
                let mut cmd = Command::new("secret-tool");
                cmd.args([
                    "store",
                    "--label=stray",
                    "service",
                    &self.service,
                    "username",
                    account,
                ])
                .env("DBUS_SESSION_BUS_ADDRESS", &keyring().bus);
                output_with_stdin(cmd, secret)
            }
            Some(key) => {
                let folder = self.data.path().join("secrets");
                std::os::unix::fs::DirBuilderExt::mode(
                    std::fs::DirBuilder::new().recursive(true),
                    0o700,
                )
                .create(&folder)
                .unwrap();
                let recipient = Command::new("age-keygen")
                    .arg("-y")
                    .arg(&key)
                    .output()
                    .unwrap();
                assert!(recipient.status.success(), "{}", stderr(&recipient));
                let mut cmd = Command::new("age");
                cmd.arg("--encrypt")
                    .arg("--recipient")
                    .arg(String::from_utf8(recipient.stdout).unwrap().trim())
                    .arg("--output")
                    .arg(self.secret_file(account));
                output_with_stdin(cmd, secret)
            }
        };
        assert!(out.status.success(), "{}", stderr(&out));
    }

    /// Deletes an entry from the store past PAT Vault.
    pub fn remove_stored_secret(&self, account: &str) {
        match self.store {
            Store::Keychain => {
                secret_tool(&["clear", "service", &self.service, "username", account]);
            }
            Store::File => std::fs::remove_file(self.secret_file(account)).unwrap(),
        }
    }

    fn secret_file(&self, account: &str) -> PathBuf {
        self.data
            .path()
            .join("secrets")
            .join(format!("{account}.age"))
    }

    pub fn inventory(&self) -> PathBuf {
        self.data.path().join("inventory.json")
    }
}

fn secret_tool(args: &[&str]) -> Option<String> {
    let out = Command::new("secret-tool")
        .args(args)
        .env("DBUS_SESSION_BUS_ADDRESS", &keyring().bus)
        .output()
        .expect("secret-tool (libsecret-tools) is needed");
    (out.status.success() && !out.stdout.is_empty()).then(|| String::from_utf8(out.stdout).unwrap())
}

/// Runs `cmd` with `stdin` as its standard input and collects its output.
pub fn output_with_stdin(mut cmd: Command, stdin: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// What Debian's own `age` reads from `file` with the key in `key`.
pub fn age_decrypt(key: &Path, file: &Path) -> String {
    let out = Command::new("age")
        .arg("--decrypt")
        .arg("--identity")
        .arg(key)
        .arg(file)
        .output()
        .expect("age (Debian's) is needed: scripts/setup.sh --test installs it");
    assert!(out.status.success(), "age: {}", stderr(&out));
    String::from_utf8(out.stdout).unwrap()
}

/// A new age key for the file store, written to `path` as `age-keygen` writes one.
pub fn new_age_key(path: &Path) {
    let out = Command::new("age-keygen")
        .arg("-o")
        .arg(path)
        .output()
        .expect("age-keygen (Debian's age) is needed: scripts/setup.sh --test installs it");
    assert!(out.status.success(), "{}", stderr(&out));
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every file below `dir` whose bytes contain `needle`.
pub fn files_containing(dir: &Path, needle: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path)
                && bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
            {
                found.push(path);
            }
        }
    }
    found
}

/// The office, fast enough for any test, with token 6: Alice's, on CRM, to rotate to.
pub fn office_with_a_new_token() -> fake_airtable::FakeAirtable {
    use fake_airtable::world::{EVERY_BASIC_SCOPE, office, token};
    let mut scenario = office();
    scenario.settings.base_rate = 1000;
    scenario.settings.user_rate = 1000;
    scenario.tokens.push(token(
        6,
        "Alice",
        EVERY_BASIC_SCOPE,
        &["CRM", "Ops", "Empty"],
    ));
    fake_airtable::FakeAirtable::start(scenario).unwrap()
}

/// Rotates `name` to `new` against `fake`, forcing the swap and forgetting the old secret.
pub fn rotate_to(v: &TestVault, fake: &fake_airtable::FakeAirtable, name: &str, new: &str) {
    let mut cmd = v.command(&["rotate", name, "--force", "--forget-old"]);
    cmd.env("PATVAULT_AIRTABLE_URL", fake.url());
    let out = output_with_stdin(cmd, &format!("{new}\n"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// Writes `text` at `path`, making its folders.
pub fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}
