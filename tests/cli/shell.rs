//! What a shell and a packager get from the binary: `--version`, completion scripts that
//! call the binary back, completions that name the vault's tokens (without touching the
//! keychain), and man pages from the same definitions as the parser.

use crate::support::{PAT, PAT2, TestVault, output_with_stdin, stderr, stdout};

#[test]
fn version_names_the_program_and_its_version() {
    let v = TestVault::new();
    let out = v.run(&["--version"]);
    assert!(out.status.success());
    assert_eq!(
        stdout(&out).trim(),
        format!("patvault {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn a_tab_after_a_command_that_takes_a_token_offers_the_vaults_names() {
    let v = TestVault::new();
    v.add("CRM sync", PAT, &[]);
    v.add("Backups", PAT2, &[]);
    let complete = |words: &[&str]| {
        let mut cmd = v.command(&["--"]);
        cmd.args(words)
            .env("COMPLETE", "bash")
            .env("_CLAP_COMPLETE_INDEX", (words.len() - 1).to_string())
            .env("_CLAP_IFS", "\n")
            // A Tab must never reach the keychain: there is no bus to reach it by.
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus");
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{out:?}");
        stdout(&out).lines().map(str::to_owned).collect::<Vec<_>>()
    };
    assert_eq!(
        complete(&["patvault", "show", "CR"]),
        [r"CRM\ sync"],
        "bash gets one word"
    );
    assert_eq!(complete(&[r"patvault", "show", r"CRM\ s"]), [r"CRM\ sync"]);
    assert_eq!(complete(&["patvault", "rotate", "B"]), ["Backups"]);
    assert!(complete(&["patvault", "ro"]).contains(&"rotate".to_owned()));
    assert!(
        complete(&["patvault", "add", "CR"]).is_empty(),
        "a new token's name is not completed from the old ones"
    );
}

#[test]
fn each_shells_script_calls_the_binary_back() {
    let v = TestVault::new();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = v.run(&["completions", shell]);
        assert!(out.status.success(), "{shell}: {out:?}");
        let script = stdout(&out);
        assert!(
            script.contains("COMPLETE") && script.contains("patvault"),
            "{shell}: {script}"
        );
    }
    assert_eq!(v.run(&["completions", "tcsh"]).status.code(), Some(2));
}

#[test]
fn man_pages_cover_every_command() {
    let v = TestVault::new();
    let dir = tempfile::tempdir().unwrap();
    let out = v.run(&["man", dir.path().to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    let page = std::fs::read_to_string(dir.path().join("patvault.1")).unwrap();
    assert!(page.contains(".TH patvault 1"), "{page}");
    for command in ["add", "rotate", "scan", "completions", "mcp-add"] {
        let file = dir.path().join(format!("patvault-{command}.1"));
        assert!(file.exists(), "no page for {command}");
    }
    assert!(
        !dir.path().join("patvault-man.1").exists(),
        "the hidden command has no page"
    );
}

/// The name a cloned project could give a token: completing it must not run it.
#[test]
fn a_tab_and_enter_in_a_real_bash_on_a_hostile_name_runs_nothing() {
    let v = TestVault::new();
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("PWNED");
    let name = format!("crm$(touch {})", marker.display());
    v.add(&name, PAT, &[]);
    let script = stdout(&v.run(&["completions", "bash"]));
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_patvault"))
        .parent()
        .unwrap()
        .display()
        .to_string();
    let rc = dir.path().join("rc");
    std::fs::write(
        &rc,
        format!("PS1='$ '\nPATH=\"{bin}:$PATH\"\n{script}\nbind 'set bell-style none'\n"),
    )
    .unwrap();
    // `script` gives bash a terminal, so readline completes the Tab as it would for a user.
    // It runs with the test vault's environment.
    let vault = v.command(&[]);
    let mut bash = std::process::Command::new("script");
    bash.arg("-qefc")
        .arg(format!("bash --noprofile --rcfile {} -i", rc.display()))
        .arg("/dev/null")
        .envs(vault.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .env("TERM", "dumb")
        .current_dir(dir.path());
    let out = output_with_stdin(bash, "patvault show crm\t\nexit\n");
    let shown = stdout(&out);
    assert!(
        !marker.exists(),
        "the completed name ran a command: {shown}"
    );
    assert!(
        shown.contains("patAbCdEfGh123456"),
        "show did not run on the completed name: {shown} {}",
        stderr(&out)
    );
}
