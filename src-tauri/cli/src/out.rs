//! The one writer of standard output. A reader that went away (`patvault due | head -1`,
//! a cron job's closed pipe) is not an error: what is left unwritten is dropped and the
//! command exits as it would have, never with a panic.

use std::io::Write;

pub fn print_out(text: String) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// One line of standard output; see `print_out`.
pub fn print_line(text: String) {
    print_out(text + "\n");
}
