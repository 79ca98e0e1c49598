//! `patvault` with no command: the app when one is installed beside it and a display is
//! there, as login entries from when both were one program expect; the help otherwise.

use std::path::Path;
use std::process::{Command, Output};

use crate::support::*;

/// A folder holding a copy of the command line and, when `with_app`, a stand-in app that
/// writes the arguments it was started with to `started`.
fn installed(with_app: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("patvault");
    if std::fs::hard_link(env!("CARGO_BIN_EXE_patvault"), &copy).is_err() {
        std::fs::copy(env!("CARGO_BIN_EXE_patvault"), &copy).unwrap();
    }
    if with_app {
        let app = dir.path().join("patvault-app");
        let started = dir.path().join("started");
        write(
            &app,
            &format!("#!/bin/sh\necho \"app $*\" > '{}'\n", started.display()),
        );
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&app, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    dir
}

fn run(dir: &Path, args: &[&str], display: Option<&str>) -> Output {
    let mut command = Command::new(dir.join("patvault"));
    command
        .args(args)
        .env_clear()
        .env("PATH", dir.join("nothing-here"))
        .env("HOME", dir);
    if let Some(display) = display {
        command.env("DISPLAY", display);
    }
    command.output().unwrap()
}

fn started(dir: &Path) -> Option<String> {
    std::fs::read_to_string(dir.join("started")).ok()
}

#[test]
fn with_a_display_it_becomes_the_app_installed_beside_it() {
    let dir = installed(true);
    let out = run(dir.path(), &[], Some(":0"));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(started(dir.path()).as_deref(), Some("app \n"));

    let out = run(dir.path(), &["--minimized"], Some(":0"));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(started(dir.path()).as_deref(), Some("app --minimized\n"));
    assert_eq!(stdout(&out), "", "the app, not the help");
}

#[test]
fn without_a_display_or_an_app_it_prints_the_help() {
    let no_display = installed(true);
    let no_app = installed(false);
    for (dir, display) in [(&no_display, None), (&no_app, Some(":0"))] {
        let out = run(dir.path(), &[], display);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stdout(&out).contains("Usage: patvault"), "{}", stdout(&out));
        assert!(stdout(&out).contains("exec"), "the commands are listed");
        assert_eq!(started(dir.path()), None, "the app was not started");
    }
}
