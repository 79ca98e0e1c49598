//! The backups earlier versions of `migrate` left beside the files they changed
//! (`NAME.before-patvault-DATE`): each holds the file's old text, its secret in
//! plaintext. A scan finds them (`scanning::backups_beside`) and reports them as
//! plaintext copies; this deletes them once their owner has seen which tokens they hold.

use std::collections::BTreeMap;

use serde::Serialize;

use super::scan::Copy;
use super::scanning::ScanReport;
use crate::files::{FileError, shred};

/// One backup and what it holds, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Backup {
    pub path: String,
    /// The vault tokens whose secrets it holds, or the token IDs the vault lacks.
    pub holds: Vec<String>,
}

/// The backups among the copies a scan found, each once.
pub fn backups(found: &[Copy]) -> Vec<Backup> {
    let mut by_path: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for copy in found.iter().filter(|c| c.backup && c.plaintext) {
        let holds = by_path.entry(copy.path.as_str()).or_default();
        let what = copy
            .token
            .clone()
            .unwrap_or_else(|| format!("{} (not in the vault)", copy.token_id));
        if !holds.contains(&what) {
            holds.push(what);
        }
    }
    by_path
        .into_iter()
        .map(|(path, holds)| Backup {
            path: path.to_owned(),
            holds,
        })
        .collect()
}

/// Overwrites and removes each backup the report found; gives what was deleted and what
/// could not be, with why.
pub fn delete_backups(report: &ScanReport) -> (Vec<String>, Vec<(String, FileError)>) {
    let mut deleted = Vec::new();
    let mut failed = Vec::new();
    for backup in backups(&report.found) {
        match shred(std::path::Path::new(&backup.path)) {
            Ok(()) => deleted.push(backup.path),
            Err(e) => failed.push((backup.path, e)),
        }
    }
    (deleted, failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copy(path: &str, token: Option<&str>, backup: bool) -> Copy {
        Copy {
            path: path.into(),
            line: 1,
            token_id: "patAAAAAAAAAAAAA1".into(),
            token: token.map(str::to_owned),
            plaintext: true,
            stale: false,
            server: None,
            variable: None,
            backup,
        }
    }

    #[test]
    fn each_backup_is_listed_once_with_what_it_holds() {
        let found = [
            copy("/p/.env.before-patvault-1", Some("CRM"), true),
            copy("/p/.env.before-patvault-1", Some("CRM"), true),
            copy("/p/.env.before-patvault-1", None, true),
            copy("/p/.env", Some("CRM"), false),
        ];
        assert_eq!(
            backups(&found),
            [Backup {
                path: "/p/.env.before-patvault-1".into(),
                holds: vec!["CRM".into(), "patAAAAAAAAAAAAA1 (not in the vault)".into()]
            }]
        );
    }
}
