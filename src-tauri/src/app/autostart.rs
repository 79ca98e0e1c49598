//! The login entry as the desktop reads it. The autostart plugin writes the running app's
//! path into `Exec=` as it is; the entry is to run the command line beside it instead,
//! and a path with a space, a quote or a `$` in it would start something else, or
//! nothing. The Desktop Entry spec's quoting fixes that.

use std::path::{Path, PathBuf};

use patvault_core::program::MINIMIZED;

/// `path` quoted as an `Exec=` argument: in double quotes, with `"`, `` ` ``, `$` and `\`
/// escaped, and `%` doubled (field codes), as the Desktop Entry spec asks.
pub fn quoted(path: &str) -> String {
    let mut out = String::from("\"");
    for c in path.chars() {
        match c {
            '"' | '`' | '$' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '%' => out.push_str("%%"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The entry with its `Exec=` line running `program`, quoted, with `MINIMIZED`.
pub fn with_exec(entry: &str, program: &str) -> String {
    entry
        .lines()
        .map(|line| match line.strip_prefix("Exec=") {
            Some(_) => format!("Exec={} {MINIMIZED}", quoted(program)),
            None => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// Whether the entry's `Exec=` line starts `program`, quoted as `with_quoted_exec` leaves it.
pub fn runs(entry: &str, program: &str) -> bool {
    let quoted = quoted(program);
    entry.lines().any(|line| {
        line.strip_prefix("Exec=")
            .and_then(|rest| rest.strip_prefix(quoted.as_str()))
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
    })
}

/// Where the plugin writes the entry on Linux: `~/.config/autostart/NAME.desktop`.
pub fn entry_path(home: &Path, app_name: &str) -> PathBuf {
    home.join(".config")
        .join("autostart")
        .join(format!("{app_name}.desktop"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_is_quoted_as_the_desktop_entry_spec_asks() {
        let entry = "[Desktop Entry]\nType=Application\nExec=/home/a b/$HOME/patvault-app --minimized\nTerminal=false";
        let quoted = with_exec(entry, "/home/a b/$HOME/pat\"vault");
        assert!(
            quoted.contains("\nExec=\"/home/a b/\\$HOME/pat\\\"vault\" --minimized\n"),
            "{quoted}"
        );
        assert!(quoted.starts_with("[Desktop Entry]\nType=Application\n"));
        assert!(runs(&quoted, "/home/a b/$HOME/pat\"vault"));
        assert!(!runs(&quoted, "/home/a b/$HOME/pat"));
        assert!(
            !runs(entry, "/home/a b/$HOME/patvault-app"),
            "an unquoted path is written again"
        );
        assert_eq!(
            super::quoted("/opt/100%/patvault"),
            "\"/opt/100%%/patvault\""
        );
    }
}
