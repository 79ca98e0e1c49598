//! A `.env` line that assigns a token gives way to a comment that names the variable,
//! the vault token and the `patvault exec` command that now supplies it: the secret
//! leaves the file, and whoever reads it next learns where it went.

use super::Launch;

/// `[export ]VAR=VALUE`, VALUE bare or quoted: the variable and the value.
pub fn assignment(line: &str) -> Option<(&str, &str)> {
    let line = line.trim();
    let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
    let (var, value) = line.split_once('=')?;
    let var = var.trim_end();
    let well_named = !var.is_empty() && var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let value = value.trim();
    let value = ["\"", "'"]
        .iter()
        .find_map(|q| value.strip_prefix(q)?.strip_suffix(q))
        .unwrap_or(value);
    well_named.then_some((var, value))
}

/// The comment that replaces the line.
pub fn comment(launch: &Launch) -> String {
    format!(
        "# {} is kept in PAT Vault as “{}”; run the program that needs it with: {}",
        launch.variable,
        launch.token,
        launch.shell_line("<command>")
    )
}

/// `text` with line `line` (1-based) replaced by `with`, its line ending kept.
pub fn replace_line(text: &str, line: usize, with: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut found = false;
    for (i, piece) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            let ending = &piece[piece.trim_end_matches(['\r', '\n']).len()..];
            out.push_str(with);
            out.push_str(ending);
            found = true;
        } else {
            out.push_str(piece);
        }
    }
    found.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignments_are_read_bare_quoted_or_exported() {
        assert_eq!(assignment("A=b"), Some(("A", "b")));
        assert_eq!(
            assignment("export AIRTABLE_API_KEY=\"pat.x\""),
            Some(("AIRTABLE_API_KEY", "pat.x"))
        );
        assert_eq!(assignment("  KEY = 'v' "), Some(("KEY", "v")));
        assert_eq!(assignment("# A=b"), None);
        assert_eq!(assignment("just text"), None);
    }

    #[test]
    fn one_line_is_replaced_and_its_ending_kept() {
        assert_eq!(
            replace_line("a\r\nb\r\nc", 2, "#"),
            Some("a\r\n#\r\nc".into())
        );
        assert_eq!(replace_line("a\nb", 2, "#"), Some("a\n#".into()));
        assert_eq!(replace_line("a\n", 3, "#"), None);
    }

    #[test]
    fn the_comment_names_the_command() {
        let launch = Launch {
            program: "/usr/bin/patvault".into(),
            token: "Blog".into(),
            variable: "AIRTABLE_API_KEY".into(),
        };
        assert_eq!(
            comment(&launch),
            "# AIRTABLE_API_KEY is kept in PAT Vault as “Blog”; run the program that needs it with: patvault exec Blog --env AIRTABLE_API_KEY -- <command>"
        );
    }
}
