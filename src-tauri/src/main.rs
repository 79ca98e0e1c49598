// Hides the console window a release build would open on Windows.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    patvault::hardening::harden();
    std::process::exit(patvault::cli::run());
}
