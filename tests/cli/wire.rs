//! `patvault migrate` and `patvault mcp add` on the files themselves: what they refuse
//! leaves the file as it was, and what they write starts its server through the vault.

use crate::journey::{SERVER, start_server};
use crate::support::*;
use fake_airtable::world::pat;

#[test]
fn mcp_add_writes_an_entry_that_starts_through_the_vault() {
    let v = TestVault::new();
    v.add("CRM sync", &pat(1), &[]);
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let add = |args: &[&str]| {
        let mut all = vec!["mcp", "add", "CRM sync"];
        all.extend_from_slice(args);
        all.push("--");
        all.extend_from_slice(&SERVER);
        let mut cmd = v.command(&all);
        cmd.env("HOME", h).env("XDG_CONFIG_HOME", h.join(".config"));
        cmd.output().unwrap()
    };
    let out = add(&["--client", "cursor"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let cursor = h.join(".cursor/mcp.json");
    let started = start_server(&v, &cursor, &["mcpServers", "crm-sync"]);
    assert_eq!(
        stdout(&started),
        pat(1).split_once('.').unwrap().0,
        "{}",
        stderr(&started)
    );

    let out = add(&["--client", "cursor"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("already has a server named “crm-sync”"),
        "{}",
        stderr(&out)
    );

    let vscode_project = h.join("work");
    let out = add(&[
        "--client",
        "vscode",
        "--server",
        "at",
        "--project",
        vscode_project.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let tree: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(vscode_project.join(".vscode/mcp.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(tree["servers"]["at"]["type"], "stdio");

    write(&h.join(".codex/config.toml"), "# mine\nmodel = \"o3\"\n");
    let out = add(&["--client", "codex", "--env", "AIRTABLE_TOKEN"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let codex = std::fs::read_to_string(h.join(".codex/config.toml")).unwrap();
    assert!(
        codex.starts_with("# mine\nmodel = \"o3\"\n\n[mcp_servers.crm-sync]\n"),
        "{codex}"
    );
    assert!(codex.contains("\"--env\", \"AIRTABLE_TOKEN\""), "{codex}");

    let out = add(&["--client", "notepad"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("choose one of claude-desktop, claude-code, cursor"),
        "{}",
        stderr(&out)
    );
    for config in [&cursor, &h.join(".codex/config.toml")] {
        let text = std::fs::read_to_string(config).unwrap();
        assert!(!text.contains(pat(1).split_once('.').unwrap().1), "{text}");
    }
}

#[test]
fn migrate_refuses_what_it_cannot_do_safely_and_changes_nothing() {
    let v = TestVault::new();
    v.add("Blog", &pat(2), &[]);
    let dir = tempfile::tempdir().unwrap();
    let env = dir.path().join(".env");
    let text = format!("AIRTABLE_API_KEY={}\n", pat(2));
    write(&env, &text);
    let path = env.to_str().unwrap();

    let out = v.run(&["migrate", path]);
    assert_eq!(out.status.code(), Some(2), "no terminal, no --yes");
    assert!(stderr(&out).contains("pass --yes"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("line 1: AIRTABLE_API_KEY=… becomes"),
        "the change is shown first: {}",
        stderr(&out)
    );

    let mut perms = std::fs::metadata(&env).unwrap().permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&env, perms).unwrap();
    let out = v.run(&["migrate", path, "--yes"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("is read-only: nothing was changed"),
        "{}",
        stderr(&out)
    );

    let broken = dir.path().join("mcp.json");
    write(
        &broken,
        &format!(
            "{{\"mcpServers\": {{\"a\": {{\"env\": {{\"K\": \"{}\"",
            pat(2)
        ),
    );
    let out = v.run(&["migrate", broken.to_str().unwrap(), "--yes"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("was left as it was: it is not valid JSON"),
        "{}",
        stderr(&out)
    );

    let out = v.run(&[
        "migrate",
        dir.path().join("nope.json").to_str().unwrap(),
        "--yes",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("does not exist"), "{}", stderr(&out));

    assert_eq!(std::fs::read_to_string(&env).unwrap(), text);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        2,
        "no backup was made"
    );
    assert!(!stderr(&out).contains(pat(2).split_once('.').unwrap().1));
}

#[test]
fn exec_leaves_stdin_and_stdout_to_the_server_as_an_mcp_client_needs() {
    let v = TestVault::new();
    v.add("CRM sync", &pat(1), &[]);
    let request = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\"}\n{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n";
    let out = v.run_with_stdin(&["exec", "CRM sync", "--", "cat"], request);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        request,
        "every byte in reaches the server, every byte out is its own"
    );
    assert_eq!(stderr(&out), "");
}
