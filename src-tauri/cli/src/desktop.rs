//! `patvault` with no command: the app, where one is installed and a display is there to
//! show it (so login entries and habits from when both were one program keep working);
//! the help otherwise, on a server, over SSH or in cron.

use std::process::Command;

use clap::CommandFactory;
use patvault_core::config::Config;
use patvault_core::program::{APP, MINIMIZED, installed, start_instead};

use crate::args::Cli;

/// Becomes the app (passing `--minimized` on), or prints the help; the exit status.
pub fn start(config: &Config, minimized: bool) -> i32 {
    let app = config
        .display
        .then(|| installed(&config.program, APP))
        .flatten();
    let Some(app) = app else {
        // Printed as `--help` prints it: a usage, not an error.
        return match Cli::command().print_help() {
            Ok(()) => 0,
            Err(_) => 2,
        };
    };
    let mut command = Command::new(&app);
    if minimized {
        command.arg(MINIMIZED);
    }
    // On Unix the login entry's process becomes the app itself.
    let failed = start_instead(command);
    eprintln!(
        "patvault: the app at {} did not start: {failed}",
        app.display()
    );
    2
}
