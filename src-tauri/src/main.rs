// Hides the console window a release build would open on Windows.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

//! One binary, two shells: with no command it opens the app, with one it is the CLI.

use patvault::cli::{self, Asked};

fn main() {
    patvault::hardening::harden();
    cli::complete_if_asked();
    let config = patvault::environment::config();
    let code = match cli::parse() {
        Asked::App { minimized } => {
            patvault::app::run(config, minimized);
            0
        }
        Asked::Command(command) => cli::run(command, &config),
        Asked::Exit(code) => code,
    };
    std::process::exit(code);
}
