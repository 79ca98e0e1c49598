//! What `doctor` and the app's banner report: how the vault's keychain and inventory
//! agree, and where checks would send the tokens. The words for each problem are
//! written here once, for both.

use serde::Serialize;

use super::client::api_root;
use super::undo::UndoShown;
use crate::config::Config;
use crate::vault::identity::IdentitySource;
use crate::vault::moving::{self, UnfinishedMove};
use crate::vault::store::{self, StoreReport};
use crate::vault::{Vault, VaultHealth};

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct Health {
    #[serde(flatten)]
    pub vault: VaultHealth,
    /// Where checks send the tokens: Airtable's API, or the root `PATVAULT_AIRTABLE_URL`
    /// names (or why that one is unusable).
    pub api_root: String,
    /// Whether `api_root` is anything but Airtable's own: worth saying every time.
    pub custom_api_root: bool,
    /// Backups an earlier `migrate` left beside files, holding secrets in plaintext, as
    /// the last scan found them.
    pub plaintext_backups: Vec<String>,
    /// Changes PAT Vault made to files that can be undone (`migrate --undo`): filled by
    /// `doctor` only, as reading them costs more than the window's health needs.
    pub undo_records: Vec<UndoShown>,
    /// Where the secrets are kept, and the file store's key; None when the vault's
    /// choice cannot be read (the vault does not open then either).
    pub store: Option<StoreReport>,
    /// A move of the secrets between stores that was cut short (`doctor` finishes it).
    pub unfinished_move: Option<UnfinishedMove>,
}

/// How the health names the store the secrets are in.
struct StoreWords {
    store: &'static str,
    reachable: &'static str,
    entry: &'static str,
    entries: &'static str,
    none_without_token: &'static str,
    place: String,
}

/// One thing the health looks at, and what is wrong with it in words (None: nothing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Look {
    pub what: &'static str,
    pub problem: Option<String>,
}

impl Health {
    pub fn is_healthy(&self) -> bool {
        self.vault.is_healthy()
            && self.plaintext_backups.is_empty()
            && self.store.as_ref().is_none_or(StoreReport::has_key)
            && self.unfinished_move.is_none()
    }

    /// Every look, in order, with its problem if it has one.
    pub fn looks(&self) -> Vec<Look> {
        let v = &self.vault;
        let listed = |names: &[String]| names.join(", ");
        let file_store = self
            .store
            .as_ref()
            .filter(|s| s.store == store::StoreKind::File);
        // The words for where the secrets are: the keychain's, or the file store's.
        let words = if file_store.is_some() {
            StoreWords {
                store: store::StoreKind::File.described(),
                reachable: "encrypted-file store readable",
                entry: "secret file",
                entries: "secret files",
                none_without_token: "no secret file without a token",
                place: format!("in {}", v.keychain_service),
            }
        } else {
            StoreWords {
                store: store::StoreKind::Os.described(),
                reachable: "keychain reachable and unlocked",
                entry: "keychain entry",
                entries: "keychain entries",
                none_without_token: "no keychain entry without a token",
                place: format!("of service {}", v.keychain_service),
            }
        };
        let orphans = match v.orphan_secrets.len() {
            1 => format!("1 {}", words.entry),
            n => format!("{n} {}", words.entries),
        };
        let verb = if v.orphan_secrets.len() == 1 {
            "belongs"
        } else {
            "belong"
        };
        let key = file_store.map(|s| Look {
            what: "the encrypted-file store's key found",
            problem: (!s.has_key()).then(|| s.warning.clone()).flatten(),
        });
        let moving = self.unfinished_move.as_ref().map(|m| Look {
            what: "no move between stores left half-way",
            problem: Some(format!(
                "a move of the secrets from the {} store to the {} store is under way or \
                 was cut short; the store the vault uses holds every secret: finish it with \
                 `patvault doctor`",
                m.from.name(),
                m.to.name()
            )),
        });
        key.into_iter().chain(moving).chain([
            Look {
                what: words.reachable,
                problem: v.keychain.as_ref().map(|e| e.message.clone()),
            },
            Look {
                what: "inventory readable",
                problem: v.inventory.as_ref().map(|e| e.message.clone()),
            },
            Look {
                what: "every token has its secret",
                problem: (!v.tokens_without_secret.is_empty()).then(|| {
                    format!(
                        "no secret in {} for {}: give it one (“Replace secret” on \
                         its page, or `patvault set-secret NAME`) or remove the token",
                        words.store,
                        listed(&v.tokens_without_secret)
                    )
                }),
            },
            Look {
                what: "no rotation left half-way",
                problem: (!v.unfinished_rotations.is_empty()).then(|| {
                    format!(
                        "the old secret of {} is still kept in {}, waiting to be \
                         checked: check it again or let it go on the token's page (or \
                         `patvault rotate NAME --finish`)",
                        listed(&v.unfinished_rotations),
                        words.store
                    )
                }),
            },
            Look {
                what: "no plaintext backup left by an earlier migrate",
                problem: (!self.plaintext_backups.is_empty()).then(|| {
                    format!(
                        "A backup an earlier version of migrate left holds a secret in plaintext: {}. \
                         Delete it once you have seen which token it holds (*Overwrite and delete* \
                         in Where used, or `patvault scan --delete-backups`)",
                        listed(&self.plaintext_backups)
                    )
                }),
            },
            Look {
                what: words.none_without_token,
                problem: (!v.orphan_secrets.is_empty()).then(|| {
                    format!(
                        "{orphans} {} {verb} to no token (accounts {}), perhaps \
                         from a write cut short. Nothing was changed: make them tokens again \
                         (*Restore as tokens* in the app's banner, or `patvault doctor --restore-orphans`) \
                         or delete them (`patvault doctor --delete-orphans`)",
                        words.place,
                        listed(&v.orphan_secrets)
                    )
                }),
            },
        ])
        .collect()
    }

    /// What is wrong, in words: the problems of `looks`, after a word on where checks
    /// go when that is not Airtable's own API.
    pub fn problems(&self) -> Vec<String> {
        let root = self.custom_api_root.then(|| {
            format!(
                "Checks send your tokens to {} (set by PATVAULT_AIRTABLE_URL), not to \
                 Airtable's own API. The daily check waits until you start a check.",
                self.api_root
            )
        });
        // A key the user chose to keep unprotected is said every time, as a problem
        // that does not make the vault unhealthy.
        let key = self
            .store
            .as_ref()
            .filter(|s| s.has_key())
            .and_then(|s| s.warning.clone());
        root.into_iter()
            .chain(key)
            .chain(self.looks().into_iter().filter_map(|l| l.problem))
            .collect()
    }
}

/// The health as the window shows it: the facts, and the problems in words.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct HealthShown {
    pub health: Health,
    pub problems: Vec<String>,
}

impl From<Health> for HealthShown {
    fn from(health: Health) -> Self {
        // The window has no terminal to ask a key's passphrase at.
        let unaskable = health.store.as_ref().and_then(|s| match &s.key {
            Some(IdentitySource::Passphrase(path)) => Some(format!(
                "The app cannot ask for the passphrase of the encrypted-file store's key ({}), \
                 so it reads no secret: copy, check and rotate from the command line \
                 (`patvault`, which asks at a terminal), or give the key to the app as a \
                 systemd credential or through PATVAULT_IDENTITY_FILE.",
                path.display()
            )),
            _ => None,
        });
        HealthShown {
            problems: unaskable.into_iter().chain(health.problems()).collect(),
            health,
        }
    }
}

pub fn health(vault: &Vault, config: &Config) -> Health {
    let (api_root, custom_api_root) = match api_root(config) {
        Ok(root) => (root.as_str().to_owned(), !root.is_airtable()),
        Err(why) => (why, true),
    };
    let mut plaintext_backups: Vec<String> = vault
        .list()
        .unwrap_or_default()
        .iter()
        .flat_map(|r| &r.found_in)
        .filter(|p| p.is_backup())
        .map(|p| p.path.clone())
        .collect();
    plaintext_backups.sort();
    plaintext_backups.dedup();
    Health {
        vault: vault.health(),
        api_root,
        custom_api_root,
        plaintext_backups,
        undo_records: Vec::new(),
        store: store::report(config, vault.inventory().dir()).ok(),
        unfinished_move: moving::unfinished(vault.inventory().dir()).ok().flatten(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ErrorKind, ErrorReport};

    fn healthy() -> Health {
        Health {
            vault: VaultHealth {
                data_dir: "/v".into(),
                keychain_service: "svc".into(),
                keychain: None,
                inventory: None,
                orphan_secrets: Vec::new(),
                tokens_without_secret: Vec::new(),
                unfinished_rotations: Vec::new(),
            },
            api_root: "https://api.airtable.com/".into(),
            custom_api_root: false,
            plaintext_backups: Vec::new(),
            undo_records: Vec::new(),
            store: None,
            unfinished_move: None,
        }
    }

    #[test]
    fn a_healthy_vault_has_no_problem_and_every_look_is_ok() {
        let h = healthy();
        assert!(h.is_healthy());
        assert!(h.problems().is_empty());
        assert_eq!(h.looks().len(), 6);
        assert!(h.looks().iter().all(|l| l.problem.is_none()));
    }

    #[test]
    fn each_problem_is_worded_once_for_the_banner_and_doctor() {
        let mut h = healthy();
        h.custom_api_root = true;
        h.api_root = "http://127.0.0.1:9/".into();
        h.vault.keychain = Some(ErrorReport {
            kind: ErrorKind::KeychainLocked,
            message: "the keychain is locked".into(),
        });
        h.vault.tokens_without_secret = vec!["CRM".into()];
        h.vault.orphan_secrets = vec!["a".into(), "b".into()];
        let problems = h.problems();
        assert_eq!(problems.len(), 4, "{problems:#?}");
        assert!(problems[0].starts_with("Checks send your tokens to http://127.0.0.1:9/"));
        assert_eq!(problems[1], "the keychain is locked");
        assert!(problems[2].starts_with("no secret in the keychain for CRM"));
        assert!(problems[3].starts_with("2 keychain entries of service svc belong to no token"));
        let looked: Vec<_> = h.looks().into_iter().filter_map(|l| l.problem).collect();
        assert_eq!(looked, problems[1..], "doctor's lines carry the same words");
    }

    #[test]
    fn the_file_store_is_named_and_its_key_is_a_problem_only_when_nothing_reads_it() {
        use crate::vault::store::{ChosenBy, StoreKind};
        let file_store = |key: Option<IdentitySource>, warning: Option<&str>| StoreReport {
            store: StoreKind::File,
            described: StoreKind::File.described(),
            chosen_by: ChosenBy::Vault,
            location: "/v/secrets".into(),
            key_described: key.as_ref().map(IdentitySource::describe),
            key,
            warning: warning.map(Into::into),
        };
        let mut h = healthy();
        h.store = Some(file_store(
            None,
            Some("no key for the encrypted-file store"),
        ));
        assert!(!h.is_healthy());
        assert_eq!(h.problems(), ["no key for the encrypted-file store"]);

        h.store = Some(file_store(
            Some(IdentitySource::Unprotected("/c/identity.txt".into())),
            Some("the key is kept unprotected"),
        ));
        assert!(
            h.is_healthy(),
            "a key the user chose to keep so is said, not failed"
        );
        assert_eq!(h.problems(), ["the key is kept unprotected"]);

        h.store = Some(file_store(
            Some(IdentitySource::Passphrase("/c/identity.age".into())),
            None,
        ));
        assert!(h.problems().is_empty(), "doctor can ask at a terminal");
        let shown = HealthShown::from(h.clone());
        assert_eq!(shown.problems.len(), 1);
        assert!(shown.problems[0].starts_with("The app cannot ask for the passphrase"));

        h.unfinished_move = Some(UnfinishedMove {
            from: StoreKind::Os,
            to: StoreKind::File,
            recipients: Vec::new(),
        });
        assert!(!h.is_healthy());
        assert!(h.problems()[0].contains("finish it with `patvault doctor`"));
    }
}
