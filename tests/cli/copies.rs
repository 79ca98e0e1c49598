//! No copy left behind: what migrate keeps to undo a change holds no secret, and nothing
//! it writes escapes an ignore rule; the backups earlier versions left are found and
//! deleted; the scan reads what it says it read and names what it did not; and nothing
//! read from a file reaches a shell or a terminal as anything but text.

use std::path::Path;
use std::process::Command;

use crate::journey::{id_of, scan};
use crate::support::*;
use fake_airtable::world::pat;

fn secret_part(n: u32) -> String {
    pat(n).split_once('.').unwrap().1.to_owned()
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
    stdout(&out)
}

#[test]
fn migrate_in_a_git_project_leaves_nothing_to_stage_and_undo_puts_the_file_back() {
    let v = TestVault::new();
    v.add("Blog", &pat(2), &[]);
    let project = tempfile::tempdir().unwrap();
    let p = project.path();
    git(p, &["init", "-q"]);
    write(&p.join(".gitignore"), ".env\n.mcp.json\n");
    git(p, &["add", ".gitignore"]);
    git(p, &["commit", "-qm", "ignore"]);
    let env = p.join(".env");
    let env_text = format!("PORT=3000\nAIRTABLE_API_KEY={}\nDEBUG=1\n", pat(2));
    write(&env, &env_text);
    let mcp = p.join(".mcp.json");
    let mcp_text = format!(
        "{{\n  \"mcpServers\": {{\n    \"blog\": {{\"command\": \"npx\", \"args\": [\"-y\", \"airtable-mcp-server\"], \"env\": {{\"AIRTABLE_API_KEY\": \"{}\"}}}}\n  }}\n}}\n",
        pat(2)
    );
    write(&mcp, &mcp_text);

    for file in [&env, &mcp] {
        let out = v.run(&["migrate", file.to_str().unwrap(), "--yes"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(stderr(&out).contains("migrate --undo"), "{}", stderr(&out));
    }
    assert_eq!(
        git(p, &["status", "--porcelain", "--untracked-files=all"]),
        "",
        "nothing new for `git add -A` to stage"
    );
    assert_eq!(
        files_containing(p, &secret_part(2)),
        Vec::<std::path::PathBuf>::new()
    );
    assert_eq!(
        files_containing(v.data.path(), &secret_part(2)),
        Vec::<std::path::PathBuf>::new(),
        "the undo records hold no secret"
    );
    let doctor = v.run(&["doctor", "--json"]);
    let health: serde_json::Value = serde_json::from_slice(&doctor.stdout).unwrap();
    let records = health["undo_records"].as_array().unwrap();
    assert_eq!(records.len(), 2, "{health}");
    assert_eq!(records[0]["tokens"], serde_json::json!(["Blog"]));

    let out = v.run(&["migrate", "--undo", env.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(&env).unwrap(),
        env_text,
        "byte for byte, the secret from the keychain"
    );
    assert!(!stderr(&out).contains(&secret_part(2)));

    let changed = std::fs::read_to_string(&mcp).unwrap() + " ";
    write(&mcp, &changed);
    let out = v.run(&["migrate", "--undo", mcp.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("changed since"), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&mcp).unwrap(), changed);
    let out = v.run(&["migrate", "--forget", mcp.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = v.run(&["migrate", "--undo", env.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "each change is undone once");
    assert!(stderr(&out).contains("no change"), "{}", stderr(&out));
    assert_eq!(
        v.json(&["doctor", "--json"])["undo_records"],
        serde_json::json!([])
    );
}

#[test]
fn a_migrate_undone_after_a_rotation_puts_the_current_secret_back() {
    let fake = office_with_a_new_token();
    let v = TestVault::new();
    v.add("CRM sync", &pat(1), &[]);
    let dir = tempfile::tempdir().unwrap();
    let env = dir.path().join(".env");
    write(&env, &format!("AIRTABLE_API_KEY={}\n", pat(1)));
    let path = env.to_str().unwrap();
    let out = v.run(&["migrate", path, "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    rotate_to(&v, &fake, "CRM sync", &pat(6));
    let out = v.run(&["migrate", "--undo", path]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("CRM sync rotated since"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(&env).unwrap(),
        format!("AIRTABLE_API_KEY={}\n", pat(6))
    );
}

#[test]
fn backups_an_earlier_version_left_are_found_reported_and_deleted() {
    let fake = office_with_a_new_token();
    let v = TestVault::new();
    let project = tempfile::tempdir().unwrap();
    let env = project.path().join(".env");
    write(&env, "# AIRTABLE_API_KEY is kept in PAT Vault\n");
    v.add("Blog", &pat(2), &["--used-by", env.to_str().unwrap()]);
    let backup = project.path().join(".env.before-patvault-20261101-120000");
    write(&backup, &format!("AIRTABLE_API_KEY={}\n", pat(2)));

    let (code, found, said) = scan(&v, &fake, &[]);
    assert_eq!(code, 1, "a plaintext backup makes the scan say so: {found}");
    let copies: Vec<&serde_json::Value> = found["found"].as_array().unwrap().iter().collect();
    assert_eq!(copies.len(), 1, "{found}");
    assert_eq!(copies[0]["backup"], true);
    assert_eq!(copies[0]["token"], "Blog");
    assert_eq!(copies[0]["token_id"], id_of(&pat(2)));
    assert!(!said.contains(&secret_part(2)));

    let out = v.run(&["due", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("plaintext_backups"),
        "{}",
        stdout(&out)
    );
    let out = v.run(&["doctor"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stdout(&out).contains("PROBLEM  no plaintext backup left by an earlier migrate"),
        "{}",
        stdout(&out)
    );

    let mut delete = v.command(&["scan", "--delete-backups"]);
    delete
        .env("PATVAULT_AIRTABLE_URL", fake.url())
        .env("HOME", v.data.path())
        .env("XDG_CONFIG_HOME", v.data.path().join(".config"));
    let out = delete.output().unwrap();
    assert_eq!(out.status.code(), Some(2), "no terminal, no --yes");
    assert!(backup.exists());
    let out = delete.arg("--yes").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("(Blog)"),
        "which token it held: {}",
        stderr(&out)
    );
    assert!(!backup.exists());
    let out = v.run(&["due", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(v.run(&["doctor"]).status.code(), Some(0));
}

#[test]
fn a_scan_reads_large_files_and_names_what_it_does_not_read() {
    let v = TestVault::new();
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    // Claude Code's config grows with its history: well past a megabyte.
    let history = format!("\"{}\"", "x".repeat(2 << 20));
    write(
        &h.join(".claude.json"),
        &format!(
            "{{\"projects\": {{\"/w\": {{\"history\": [{history}]}}}}, \"mcpServers\": {{\"airtable\": {{\"command\": \"npx\", \"env\": {{\"AIRTABLE_API_KEY\": \"{}\"}}}}}}}}",
            pat(1)
        ),
    );
    // A log larger than is read whole, its token near the end.
    let tree = h.join("work");
    let log = tree.join("big.log");
    let mut text = "line\n".repeat(14 << 20);
    text.push_str(&format!("export AIRTABLE_API_KEY={}\n", pat(2)));
    write(&log, &text);
    write(&tree.join("blob.bin"), "\0binary\0");
    assert!(
        Command::new("mkfifo")
            .arg(tree.join("pipe"))
            .status()
            .unwrap()
            .success()
    );
    std::os::unix::fs::symlink("/proc/self/pagemap", tree.join("pagemap")).unwrap();

    let mut cmd = v.command(&["scan", "--json"]);
    cmd.env("HOME", h).env("XDG_CONFIG_HOME", h.join(".config"));
    let out = cmd.output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let found = report["found"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{report}");
    assert_eq!(found[0]["server"], "airtable");
    assert_eq!(found[0]["token_id"], id_of(&pat(1)));

    let mut cmd = v.command(&["scan", "--json", tree.to_str().unwrap()]);
    cmd.env("HOME", h);
    let started = std::time::Instant::now();
    let out = cmd.output().unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let found = report["found"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{report}");
    assert_eq!(found[0]["line"], (14 << 20) + 1);
    assert_eq!(found[0]["variable"], "AIRTABLE_API_KEY");
    assert_eq!(report["files_read"], 1, "only the log was read: {report}");
    let skipped: Vec<(String, String)> = report["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let path = s["path"].as_str().unwrap();
            let name = Path::new(path).file_name().unwrap().to_string_lossy();
            (name.into_owned(), s["error"].as_str().unwrap().to_owned())
        })
        .collect();
    let why = |name: &str| {
        skipped
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, why)| why.clone())
            .unwrap_or_else(|| panic!("{name} is not listed: {skipped:?}"))
    };
    assert!(why("blob.bin").contains("binary"));
    assert!(why("pipe").contains("named pipe"));
    assert!(why("pagemap").contains("symbolic link"));

    // Named, a file the kernel makes is opened, found to say less than it gives, and left.
    let out = v.run(&["scan", "--json", "/proc/self/status", "/proc/self/pagemap"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["files_read"], 0, "{report}");
    let skipped = report["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 2, "{report}");
    assert!(
        skipped
            .iter()
            .all(|s| s["error"].as_str().unwrap().contains("/proc or /sys"))
    );
}

#[test]
fn a_place_found_before_in_a_file_that_cannot_be_read_now_is_kept() {
    let v = TestVault::new();
    v.add("Blog", &pat(2), &[]);
    let dir = tempfile::tempdir().unwrap();
    let env = dir.path().join(".env");
    write(&env, &format!("AIRTABLE_API_KEY={}\n", pat(2)));
    let out = v.run(&["scan", "--json", env.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    std::fs::write(&env, b"\0now binary\0").unwrap();
    let out = v.run(&["scan", "--json", env.to_str().unwrap()]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["skipped"][0]["path"],
        env.to_str().unwrap(),
        "{report}"
    );
    let shown = v.json(&["show", "Blog", "--json"]);
    let places = shown["found_in"].as_array().unwrap();
    assert_eq!(places.len(), 1, "{shown}");
    assert!(
        places[0]["unread"].as_str().unwrap().contains("binary"),
        "{shown}"
    );
}

#[test]
fn exec_and_mcp_add_take_only_a_plain_variable_that_cannot_leak_the_secret() {
    let v = TestVault::new();
    v.add("CRM sync", &pat(1), &[]);
    for var in ["LD_PRELOAD", "HOME", "NODE_OPTIONS", "A B", "1X"] {
        let out = v.run(&["exec", "CRM sync", "--env", var, "--", "true"]);
        assert_eq!(out.status.code(), Some(2), "{var}");
        assert!(
            !stderr(&out).contains(&secret_part(1)),
            "{var}: {}",
            stderr(&out)
        );
    }
    let out = v.run(&["exec", "CRM sync", "--env", "LD_PRELOAD", "--", "true"]);
    assert!(
        stderr(&out).contains("changes how a program is loaded or run"),
        "{}",
        stderr(&out)
    );
    let home = tempfile::tempdir().unwrap();
    let cursor = home.path().join(".cursor/mcp.json");
    write(&cursor, "{\"mcpServers\": {}}\n");
    let mut cmd = v.command(&[
        "mcp", "add", "CRM sync", "--client", "cursor", "--env", "A B", "--", "npx", "x",
    ]);
    cmd.env("HOME", home.path());
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(&cursor).unwrap(),
        "{\"mcpServers\": {}}\n"
    );
}

#[test]
fn text_from_a_hostile_file_reaches_the_terminal_escaped_and_names_stay_safe() {
    let fake = office_with_a_new_token();
    let v = TestVault::new();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join(".mcp.json");
    write(
        &config,
        &format!(
            "{{\"mcpServers\": {{\"\\u001b]0;x\\u0007crm$(touch {})\": {{\"command\": \"npx\", \"env\": {{\"AIRTABLE_API_KEY\": \"{}\"}}}}, \"-h\": {{\"command\": \"npx\", \"env\": {{\"AIRTABLE_API_KEY\": \"{}\"}}}}}}}}",
            dir.path().join("PWNED").display(),
            pat(1),
            pat(2)
        ),
    );
    let mut cmd = v.command(&["scan", "--import", config.to_str().unwrap()]);
    cmd.env("PATVAULT_AIRTABLE_URL", fake.url());
    let out = cmd.output().unwrap();
    assert!(
        !out.stdout.contains(&0x1b) && !out.stderr.contains(&0x1b),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let names: Vec<String> = v.json(&["list", "--json"])["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?} {}", stderr(&out));
    for name in &names {
        assert!(
            name.chars().next().unwrap().is_ascii_alphanumeric()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || " ._-".contains(c)),
            "{name:?}"
        );
    }
    let refused = v.run_with_stdin(&["add", "--", "-x"], &format!("{}\n", pat(6)));
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("cannot start with “-”"),
        "{}",
        stderr(&refused)
    );
}

#[test]
fn a_copy_in_a_shared_folder_is_not_written_into_a_config_unless_named() {
    use std::os::unix::fs::PermissionsExt;
    let v = TestVault::new();
    v.add("Blog", &pat(2), &[]);
    let dir = tempfile::tempdir().unwrap();
    let shared = dir.path().join("ww");
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777)).unwrap();
    let copy = shared.join("patvault");
    if std::fs::hard_link(env!("CARGO_BIN_EXE_patvault"), &copy).is_err() {
        std::fs::copy(env!("CARGO_BIN_EXE_patvault"), &copy).unwrap();
    }
    let config = dir.path().join("mcp.json");
    let text = format!(
        "{{\"mcpServers\": {{\"blog\": {{\"command\": \"npx\", \"env\": {{\"AIRTABLE_API_KEY\": \"{}\"}}}}}}}}",
        pat(2)
    );
    write(&config, &text);
    let vault = v.command(&[]);
    let run = |extra: &[&str]| {
        Command::new(&copy)
            .args(["migrate", config.to_str().unwrap(), "--yes"])
            .args(extra)
            .envs(vault.get_envs().filter_map(|(k, v)| Some((k, v?))))
            .env_remove("PATVAULT_PROGRAM")
            .output()
            .unwrap()
    };
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--program PATH"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("can be changed by other users")
            || stderr(&out).contains("temporary folder"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read_to_string(&config).unwrap(), text);
    assert_eq!(
        v.json(&["doctor", "--json"])["undo_records"],
        serde_json::json!([])
    );

    let out = run(&["--program", "/usr/local/bin/patvault"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let tree: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    assert_eq!(
        tree["mcpServers"]["blog"]["command"],
        "/usr/local/bin/patvault"
    );
}

#[test]
fn a_crontab_that_never_answers_does_not_hold_the_scan() {
    use std::os::unix::fs::PermissionsExt;
    let v = TestVault::new();
    let bin = tempfile::tempdir().unwrap();
    let crontab = bin.path().join("crontab");
    write(&crontab, "#!/bin/sh\nexec sleep 120\n");
    std::fs::set_permissions(&crontab, std::fs::Permissions::from_mode(0o755)).unwrap();
    let home = tempfile::tempdir().unwrap();
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap()
    );
    let started = std::time::Instant::now();
    let out = v
        .command(&["scan", "--json"])
        .env("PATH", path)
        .env("HOME", home.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(60),
        "the scan went on without the crontab"
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["files_read"], 0, "{report}");
}

#[test]
fn a_walk_never_reads_the_vaults_own_folder() {
    let fake = office_with_a_new_token();
    let v = TestVault::new();
    let tree = tempfile::tempdir().unwrap();
    // A vault kept inside the folder walked, as a "used by" `~` walks a home.
    let inside = tree.path().join(".local/share/dev.patvault");
    let vault = |args: &[&str], input: &str| {
        let mut cmd = v.command(args);
        cmd.env("PATVAULT_DATA_DIR", &inside)
            .env("PATVAULT_AIRTABLE_URL", fake.url());
        output_with_stdin(cmd, input)
    };
    assert!(
        vault(&["add", "CRM"], &format!("{}\n", pat(1)))
            .status
            .success()
    );
    let mut rotate = v.command(&["rotate", "CRM", "--force", "--forget-old"]);
    rotate
        .env("PATVAULT_DATA_DIR", &inside)
        .env("PATVAULT_AIRTABLE_URL", fake.url());
    assert!(
        output_with_stdin(rotate, &format!("{}\n", pat(6)))
            .status
            .success()
    );
    let inventory = std::fs::read_to_string(inside.join("inventory.json")).unwrap();
    assert!(
        inventory.contains(&id_of(&pat(1))),
        "the inventory names the old token ID"
    );

    let out = vault(&["scan", "--json", tree.path().to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["found"], serde_json::json!([]), "{report}");
}
