//! The one writer of standard output, and the one of warnings. A reader that went away
//! (`patvault due | head -1`, a cron job's closed pipe) is not an error: what is left
//! unwritten is dropped and the command exits as it would have, never with a panic.

use std::io::Write;

pub fn print_out(text: String) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// One line of standard output; see `print_out`.
pub fn print_line(text: String) {
    print_out(text + "\n");
}

/// A warning about what was saved anyway (a secret of an unusual shape), on stderr.
pub fn warn(warning: Option<String>) {
    if let Some(w) = warning {
        eprintln!("patvault: warning: {w}. Saved anyway.");
    }
}
