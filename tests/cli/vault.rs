//! The `patvault` command line against a real Secret Service: adding, listing, editing,
//! replacing, exec, removing, and where the secret does and does not end up.

use crate::support::*;

#[test]
fn add_keeps_the_secret_in_the_keychain_and_only_metadata_on_disk() {
    let v = TestVault::new();
    let out = v.add(
        "CRM sync",
        PAT,
        &[
            "--scope",
            "data.records:read",
            "--scope",
            "webhook:manage",
            "--base",
            "appAAAAAAAAAAAAAA/tblBBBBBBBBBBBBBB=Sales CRM",
            "--rotate-every",
            "30",
            "--rotated-on",
            "2026-01-10",
            "--used-by",
            "Zapier: CRM sync",
            "--note",
            "owned by ops",
        ],
    );
    assert!(!stdout(&out).contains(PAT) && !stderr(&out).contains(PAT));

    let list = v.json(&["list", "--json"]);
    let token = &list["tokens"][0];
    assert_eq!(token["name"], "CRM sync");
    assert_eq!(token["token_id"], "patAbCdEfGh123456");
    assert_eq!(
        token["scopes"],
        serde_json::json!(["data.records:read", "webhook:manage"])
    );
    assert_eq!(
        token["bases"],
        serde_json::json!([{"id": "appAAAAAAAAAAAAAA", "label": "Sales CRM", "table": "tblBBBBBBBBBBBBBB"}])
    );
    assert_eq!(token["rotate_every_days"], 30);
    assert_eq!(token["last_rotated"], "2026-01-10");
    assert_eq!(token["next_due"], "2026-02-09");
    assert_eq!(token["used_by"], serde_json::json!(["Zapier: CRM sync"]));
    assert_eq!(token["notes"], "owned by ops");

    let id = token["id"].as_str().unwrap();
    assert_eq!(v.stored_secret(id).as_deref(), Some(PAT));
    assert!(files_containing(v.data.path(), PAT).is_empty());
    assert!(files_containing(v.data.path(), &PAT[18..]).is_empty());

    let table = stdout(&v.run(&["list"]));
    assert!(
        table.contains("CRM sync") && table.contains("patAbCdEfGh123456"),
        "{table}"
    );
    assert!(!table.contains(&PAT[18..]));
}

#[test]
fn a_legacy_key_is_refused_and_an_unusual_shape_is_saved_with_a_warning() {
    let v = TestVault::new();
    let out = v.run_with_stdin(&["add", "old"], "keyAbCdEfGh123456\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("2024-02-01"), "{}", stderr(&out));
    assert_eq!(stderr(&out).lines().count(), 1);
    assert!(
        v.json(&["list", "--json"])["tokens"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    let out = v.add("odd", "something-else", &[]);
    assert!(stderr(&out).contains("warning"), "{}", stderr(&out));
    assert_eq!(
        v.json(&["show", "odd", "--json"])["token_id"],
        serde_json::Value::Null
    );
}

#[test]
fn names_are_unique_ignoring_case_and_edits_rename_freely() {
    let v = TestVault::new();
    v.add("CRM", PAT, &["--scope", "data.records:read"]);
    let out = v.run_with_stdin(&["add", "crm"], &format!("{PAT2}\n"));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("already exists"));

    let id = v.token_uuid("CRM");
    let out = v.run(&[
        "edit",
        "crm",
        "--name",
        "Sales CRM",
        "--scope",
        "schema.bases:read",
        "--used-by",
        "n8n",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let token = v.json(&["show", "sales crm", "--json"]);
    assert_eq!(token["id"], id.as_str());
    assert_eq!(token["scopes"], serde_json::json!(["schema.bases:read"]));
    assert_eq!(token["used_by"], serde_json::json!(["n8n"]));
    assert_eq!(
        v.stored_secret(&id).as_deref(),
        Some(PAT),
        "a rename keeps the secret"
    );

    let out = v.run(&["edit", "Sales CRM", "--scope", "data.records:destroy"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not an Airtable scope"));
}

#[test]
fn set_secret_replaces_the_keychain_entry_and_the_token_id() {
    let v = TestVault::new();
    v.add("CRM", PAT, &[]);
    let id = v.token_uuid("CRM");
    let out = v.run_with_stdin(&["set-secret", "CRM"], &format!("{PAT2}\n"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(v.stored_secret(&id).as_deref(), Some(PAT2));
    assert_eq!(
        v.json(&["show", "CRM", "--json"])["token_id"],
        "patZyXwVuTs987654"
    );
}

#[test]
fn exec_passes_the_secret_in_one_variable_and_the_exit_status_back() {
    let v = TestVault::new();
    v.add("CRM", PAT, &[]);
    let check = format!("test \"$AIRTABLE_API_KEY\" = '{PAT}' && exit 7; exit 1");
    let out = v.run(&["exec", "CRM", "--", "sh", "-c", &check]);
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));

    let check = "test -z \"$AIRTABLE_API_KEY\" && test -n \"$MY_TOKEN\" && exit 3; exit 1";
    let out = v.run(&["exec", "CRM", "--env", "MY_TOKEN", "--", "sh", "-c", check]);
    assert_eq!(out.status.code(), Some(3));

    let out = v.run(&["exec", "nope", "--", "true"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no token is named"));
}

#[cfg(unix)]
#[test]
fn exec_becomes_the_command_so_signals_reach_it_and_no_parent_holds_the_secret() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let v = TestVault::new();
    v.add("CRM", PAT, &[]);
    // The command's parent is whoever ran patvault, and it runs in patvault's process.
    let out = v.run(&["exec", "CRM", "--", "sh", "-c", "echo $PPID"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), std::process::id().to_string());
    // SIGTERM to the process the caller started reaches the command's own handler.
    let mut cmd = v.command(&[
        "exec",
        "CRM",
        "--",
        "sh",
        "-c",
        "trap 'exit 42' TERM; echo ready; while :; do sleep 0.1; done",
    ]);
    let mut child = cmd.stdout(Stdio::piped()).spawn().unwrap();
    let mut ready = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut ready)
        .unwrap();
    assert_eq!(ready.trim(), "ready");
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    assert_eq!(child.wait().unwrap().code(), Some(42));
    // Core dumps were off before the command took over, and stay off unless it says so.
    let out = v.run(&["exec", "CRM", "--", "cat", "/proc/self/limits"]);
    let limits = stdout(&out);
    let core = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .unwrap();
    assert_eq!(core.split_whitespace().nth(4), Some("0"), "{core}");
}

#[test]
fn remove_asks_first_then_deletes_both_sides() {
    let v = TestVault::new();
    v.add("CRM", PAT, &[]);
    let id = v.token_uuid("CRM");
    let out = v.run(&["remove", "CRM"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--yes"));
    assert!(v.stored_secret(&id).is_some());

    let out = v.run(&["remove", "crm", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(v.stored_secret(&id).is_none());
    assert!(
        v.json(&["list", "--json"])["tokens"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn doctor_reports_orphans_on_both_sides_and_deletes_nothing() {
    let v = TestVault::new();
    v.add("CRM", PAT, &[]);
    v.add("Ops", PAT2, &[]);
    let out = v.run(&["doctor"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));

    let ops = v.token_uuid("Ops");
    v.remove_stored_secret(&ops);
    v.put_stored_secret("stray-account", "patStray");
    let out = v.run(&["doctor"]);
    assert_eq!(out.status.code(), Some(2));
    let report = stdout(&out);
    // Each store is named in its own words.
    let (missing, stray) = match v.store {
        Store::Keychain => (
            "no secret in the keychain for Ops".to_owned(),
            format!(
                "1 keychain entry of service {} belongs to no token",
                v.service
            ),
        ),
        Store::File => (
            "no secret in the encrypted-file store for Ops".to_owned(),
            format!(
                "1 secret file in {} belongs to no token",
                v.data.path().join("secrets").display()
            ),
        ),
    };
    assert!(report.contains(&missing), "{report}");
    assert!(report.contains("stray-account"), "{report}");
    assert!(report.contains(&stray), "{report}");
    assert_eq!(
        report.contains("keychain"),
        v.store == Store::Keychain,
        "{report}"
    );
    let health =
        serde_json::from_slice::<serde_json::Value>(&v.run(&["doctor", "--json"]).stdout).unwrap();
    assert_eq!(
        health["orphan_secrets"],
        serde_json::json!(["stray-account"])
    );
    assert_eq!(
        v.stored_secret("stray-account").as_deref(),
        Some("patStray")
    );
}

#[test]
fn usage_errors_exit_2_with_one_line() {
    let v = TestVault::new();
    let out = v.run(&["add"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("required arguments were not provided: <NAME>"));
    let out = v.run(&["add", "x", "--rotated-on", "yesterday"]);
    assert_eq!(out.status.code(), Some(2));
    // A value out of a list says the list, and a near miss its match, still on one line.
    let out = v.run(&["store", "use", "fil"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out).trim_end(),
        "patvault: invalid value 'fil' for '<STORE>'; it takes os, file; a similar value \
         exists: 'file' (see patvault --help)"
    );
    let out = v.run(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn a_secret_among_the_arguments_is_refused_and_never_repeated() {
    let v = TestVault::new();
    v.add("CRM", PAT, &[]);
    let (_, second_half) = PAT.split_once('.').unwrap();
    // Where a name goes (as with `exec $AIRTABLE_TOKEN`), in an option, or where clap
    // itself would refuse and repeat it.
    let note_half = format!("--note={second_half}");
    let name_half = format!("CRM {second_half}");
    let project = tempfile::tempdir().unwrap();
    let folder = project.path().to_str().unwrap();
    for args in [
        vec!["exec", PAT, "--", "true"],
        vec!["show", PAT],
        vec!["add", "New", "--note", PAT],
        vec!["list", PAT],
        // After `--` only exec's command is not ours: elsewhere it still goes to a
        // message, or into a config written in the clear.
        vec!["show", "--", PAT],
        vec!["list", "--", PAT],
        vec![
            "mcp",
            "add",
            "CRM",
            "--client",
            "cursor",
            "--project",
            folder,
            "--",
            "npx",
            "x",
            "--key",
            PAT,
        ],
        // `--` before the command leaves all of it ours.
        vec!["--", "exec", PAT],
        // The secret half alone, as an argument, a value or a word of one.
        vec!["show", second_half],
        vec!["add", "New", &note_half],
        vec!["add", &name_half],
    ] {
        let out = v.run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let said = stderr(&out);
        assert!(said.contains("never goes on the command line"), "{said}");
        assert!(!said.contains(second_half), "{args:?}: {said}");
    }
    assert!(
        !project.path().join(".cursor").exists(),
        "no config was written"
    );
    // The child's own arguments are its business.
    let out = v.run(&[
        "exec",
        "CRM",
        "--",
        "sh",
        "-c",
        "test \"$1\" = \"$AIRTABLE_API_KEY\"",
        "sh",
        PAT,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // `add New --note PAT` above added nothing.
    let listed = v.json(&["list", "--json"]);
    assert_eq!(
        listed["tokens"].as_array().unwrap().len(),
        1,
        "nothing was added"
    );
}

#[test]
fn two_writers_at_once_lose_no_token() {
    let v = TestVault::new();
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let names: Vec<String> = (0..6).map(|i| format!("w{w}-t{i}")).collect();
            let cmds: Vec<_> = names.iter().map(|n| v.command(&["add", n])).collect();
            std::thread::spawn(move || {
                for cmd in cmds {
                    let out = output_with_stdin(
                        cmd,
                        &format!(
                            "{PAT}
"
                        ),
                    );
                    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
                }
            })
        })
        .collect();
    writers.into_iter().for_each(|w| w.join().unwrap());
    assert_eq!(
        v.json(&["list", "--json"])["tokens"]
            .as_array()
            .unwrap()
            .len(),
        12
    );
}

#[test]
fn orphan_entries_are_made_tokens_again_or_deleted_on_request() {
    let v = TestVault::new();
    // A secret whose record a write cut short never wrote, and an entry not PAT Vault's.
    let account = uuid::Uuid::new_v4().to_string();
    v.put_stored_secret(&account, PAT);
    v.put_stored_secret("stray-account", "patStray");
    let out = v.run(&["doctor"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stdout(&out).contains("--restore-orphans"),
        "{}",
        stdout(&out)
    );

    let out = v.run(&["doctor", "--restore-orphans"]);
    assert!(
        stderr(&out).contains("Restored") && stderr(&out).contains("“Recovered patAbCdEfGh123456”"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("stray-account: "), "{}", stderr(&out));
    let restored = v.json(&["show", "Recovered patAbCdEfGh123456", "--json"]);
    assert_eq!(restored["id"], account.as_str());
    assert_eq!(restored["token_id"], "patAbCdEfGh123456");
    let ran = v.run(&[
        "exec",
        "Recovered patAbCdEfGh123456",
        "--",
        "sh",
        "-c",
        "printf %s \"${AIRTABLE_API_KEY%%.*}\"",
    ]);
    assert_eq!(
        stdout(&ran),
        "patAbCdEfGh123456",
        "its secret is the entry's"
    );

    let out = v.run(&["doctor", "--delete-orphans"]);
    assert_eq!(out.status.code(), Some(2), "no terminal, no --yes");
    assert_eq!(
        v.stored_secret("stray-account").as_deref(),
        Some("patStray")
    );
    let out = v.run(&["doctor", "--delete-orphans", "--yes"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert_eq!(v.stored_secret("stray-account"), None);
    assert!(
        v.stored_secret(&account).is_some(),
        "the restored token keeps its secret"
    );
}
