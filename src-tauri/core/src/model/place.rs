//! A place a scan found a token in: a file (or the crontab), with the server entry and
//! the variable when the file says them. Kept on the token's record beside the free-text
//! "used by" lines, so the owner sees where a copy lives and whether it is the current
//! one.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct FoundPlace {
    /// The file's path, or `crontab`.
    pub path: String,
    pub line: u32,
    /// The MCP server entry, in a client's config.
    pub server: Option<String>,
    /// The environment variable (or key) that holds the token.
    pub variable: Option<String>,
    /// The token ID the last scan saw here; an older ID than the token's own means the
    /// place still holds a rotated-away secret.
    pub token_id: Option<String>,
    /// The whole secret is in the file, not just its ID.
    pub plaintext: bool,
    /// The place runs `patvault exec` for this token: it holds no copy, and a rotation
    /// needs nothing done there.
    pub through_vault: bool,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// Why the last scan could not read the file: the place is kept as last seen, not
    /// forgotten, until a scan reads it again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unread: Option<String>,
}

impl FoundPlace {
    /// The same place as `other`: same file, server entry and variable.
    pub fn same_place(&self, other: &FoundPlace) -> bool {
        self.path == other.path && self.server == other.server && self.variable == other.variable
    }

    /// Still holds a token ID the token was rotated away from, where something reads it
    /// (a backup is a plaintext copy, told apart: `is_backup`).
    pub fn is_stale(&self, current: Option<&str>) -> bool {
        !self.through_vault && !self.is_backup() && self.token_id.as_deref() != current
    }

    /// A backup an earlier version of `migrate` left beside a file, with the secret in it.
    pub fn is_backup(&self) -> bool {
        self.plaintext && is_backup(&self.path)
    }

    /// Where, in the user's words: `~/.cursor/mcp.json:4 (server airtable, AIRTABLE_API_KEY)`.
    pub fn describe(&self) -> String {
        let how: Vec<&str> = [self.server.as_deref(), self.variable.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        if how.is_empty() {
            format!("{}:{}", self.path, self.line)
        } else {
            format!("{}:{} ({})", self.path, self.line, how.join(", "))
        }
    }
}

/// What named the backups earlier versions left beside a file they changed:
/// `mcp.json.before-patvault-20261202-031500`. They hold the old text, secret included.
pub const BACKUP_MARK: &str = ".before-patvault-";

/// A backup an earlier version left beside a file it changed: `NAME` + the mark + the
/// time it was made, `YYYYmmdd-HHMMSS`, and nothing after.
pub fn is_backup(path: &str) -> bool {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let Some((file, made)) = name.rsplit_once(BACKUP_MARK) else {
        return false;
    };
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    !file.is_empty()
        && made
            .split_once('-')
            .is_some_and(|(day, time)| digits(day, 8) && digits(time, 6))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_earlier_versions_backup_name_is_a_backup() {
        assert!(is_backup("/p/.env.before-patvault-20261202-031500"));
        assert!(is_backup("mcp.json.before-patvault-20261202-031500"));
        for not in [
            "/p/.env",
            "/p/notes.before-patvault-draft",
            "/p/.env.before-patvault-20261202-031500.txt",
            "/p/.before-patvault-20261202-031500",
            "/p/x.before-patvault-2026120-031500",
        ] {
            assert!(!is_backup(not), "{not}");
        }
    }
}
