// Hides the console window a release build would open on Windows.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

//! `patvault-app`: the window, or with `--minimized` the tray only, as at login. Any other
//! arguments are a command for `patvault`, installed beside it (else on the PATH), which
//! this process then becomes: an AppImage's own path runs the app, and a config may name
//! it.

use std::process::Command;

use patvault_core::program::{COMMAND_LINE, MINIMIZED, installed, run_instead};

fn main() {
    patvault_core::hardening::harden();
    let config = patvault_core::environment::config();
    let args: Vec<_> = std::env::args_os().skip(1).collect();
    match args.as_slice() {
        [] => patvault::app::run(config, false),
        [flag] if flag == MINIMIZED => patvault::app::run(config, true),
        _ => std::process::exit(hand_on(&config, args)),
    }
}

/// Runs the command line beside this program with `args`; the exit status.
fn hand_on(config: &patvault_core::config::Config, args: Vec<std::ffi::OsString>) -> i32 {
    let Some(command_line) = installed(&config.program, COMMAND_LINE) else {
        eprintln!(
            "patvault-app: takes no arguments but {MINIMIZED}, and no patvault command line is installed beside it or on the PATH"
        );
        return 2;
    };
    let mut command = Command::new(&command_line);
    command.args(args);
    let failed = run_instead(command);
    eprintln!(
        "patvault-app: takes no arguments but {MINIMIZED}, and the patvault command line at {} did not start: {failed}",
        command_line.display()
    );
    2
}
