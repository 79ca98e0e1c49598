//! The vault's consistency rules, with an in-memory keychain that fails on demand.
//! The real Secret Service is exercised by the integration tests in `tests/`.

use parking_lot::{Condvar, Mutex};
use std::collections::BTreeMap;
use std::time::Duration;

use super::*;
use crate::model::consumer::Consumer;
use crate::model::record::BaseIntent;

const PAT: &str =
    "patAbCdEfGh123456.0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

#[derive(Default)]
struct MemoryKeychain {
    entries: Mutex<BTreeMap<String, String>>,
    fail_deletes: Mutex<bool>,
    /// How many more stores succeed before every store fails; None: all succeed.
    stores_left: Mutex<Option<usize>>,
    /// Writes to this account (`*`: any) wait until the gate opens, as a keychain does
    /// behind an unlock prompt.
    gate: Mutex<Option<String>>,
    opened: Condvar,
}

impl MemoryKeychain {
    fn close_gate(&self, account: &str) {
        *self.gate.lock() = Some(account.to_owned());
    }

    fn open_gate(&self) {
        *self.gate.lock() = None;
        self.opened.notify_all();
    }

    fn wait_at_gate(&self, account: &str) {
        let mut gate = self.gate.lock();
        self.opened.wait_while(&mut gate, |g| {
            g.as_deref().is_some_and(|b| b == "*" || b == account)
        });
    }
}

impl Keychain for MemoryKeychain {
    fn service(&self) -> &str {
        "memory"
    }
    fn kind(&self) -> crate::vault::store::StoreKind {
        crate::vault::store::StoreKind::Os
    }
    fn store(&self, account: &str, secret: &Secret) -> Result<(), KeychainError> {
        self.wait_at_gate(account);
        if let Some(left) = self.stores_left.lock().as_mut() {
            if *left == 0 {
                return Err(KeychainError::Locked);
            }
            *left -= 1;
        }
        self.entries
            .lock()
            .insert(account.into(), secret.expose().into());
        Ok(())
    }
    fn read(&self, account: &str) -> Result<Secret, KeychainError> {
        self.entries
            .lock()
            .get(account)
            .map(Secret::new)
            .ok_or(KeychainError::NotFound)
    }
    fn delete(&self, account: &str) -> Result<(), KeychainError> {
        self.wait_at_gate(account);
        if *self.fail_deletes.lock() {
            return Err(KeychainError::Locked);
        }
        self.entries.lock().remove(account);
        Ok(())
    }
    fn accounts(&self) -> Result<Vec<String>, KeychainError> {
        Ok(self.entries.lock().keys().cloned().collect())
    }
}

fn vault() -> (tempfile::TempDir, Arc<MemoryKeychain>, Vault) {
    let dir = tempfile::tempdir().unwrap();
    let keychain = Arc::new(MemoryKeychain::default());
    let vault = Vault::new(Inventory::new(dir.path()), keychain.clone());
    (dir, keychain, vault)
}

fn add(vault: &Vault, name: &str) -> Saved {
    vault
        .add(intent(name), &Secret::new(PAT), UnusualShape::Refuse)
        .unwrap()
}

fn stored(keychain: &MemoryKeychain, saved: &Saved) -> String {
    keychain
        .read(&saved.record.id.to_string())
        .unwrap()
        .expose()
        .to_owned()
}

fn intent(name: &str) -> TokenIntent {
    TokenIntent {
        name: name.into(),
        scopes: vec!["data.records:read".into()],
        bases: vec![BaseIntent::id("appAAAAAAAAAAAAAA")],
        rotate_every_days: 90,
        lead_days: None,
        last_rotated: today(),
        used_by: vec![],
        notes: String::new(),
    }
}

#[test]
fn add_stores_the_secret_in_the_keychain_and_only_metadata_on_disk() {
    let (dir, keychain, vault) = vault();
    let saved = add(&vault, "CRM");
    assert_eq!(saved.record.token_id.as_deref(), Some("patAbCdEfGh123456"));
    assert_eq!(stored(&keychain, &saved), PAT);
    let on_disk = std::fs::read_to_string(dir.path().join("inventory.json")).unwrap();
    assert!(on_disk.contains("patAbCdEfGh123456"));
    assert!(!on_disk.contains("0123456789abcdef"));
}

#[test]
fn names_are_unique_whatever_their_case() {
    let (_dir, _k, vault) = vault();
    add(&vault, "CRM");
    let err = vault
        .add(intent(" crm "), &Secret::new(PAT), UnusualShape::Refuse)
        .unwrap_err();
    assert!(matches!(err, VaultError::NameTaken(_)));
    let other = add(&vault, "Ops");
    let err = vault.edit(other.record.id, intent("cRm")).unwrap_err();
    assert!(matches!(err, VaultError::NameTaken(_)));
    vault.edit(other.record.id, intent("OPS")).unwrap();
}

#[test]
fn an_unusual_shape_needs_consent_and_a_legacy_key_is_refused() {
    let (_dir, keychain, vault) = vault();
    let odd = Secret::new("not-a-pat");
    let err = vault
        .add(intent("A"), &odd, UnusualShape::Refuse)
        .unwrap_err();
    assert_eq!(err.kind(), crate::error::ErrorKind::UnusualShape);
    let saved = vault.add(intent("A"), &odd, UnusualShape::Accept).unwrap();
    assert!(saved.warning.is_some());
    assert_eq!(saved.record.token_id, None);
    let err = vault.add(
        intent("B"),
        &Secret::new("keyAbCdEfGh123456"),
        UnusualShape::Accept,
    );
    assert!(err.unwrap_err().to_string().contains("2024-02-01"));
    assert_eq!(keychain.accounts().unwrap().len(), 1);
}

#[test]
fn a_record_that_cannot_be_written_takes_its_secret_back() {
    let (dir, keychain, vault) = vault();
    std::fs::write(dir.path().join("inventory.json"), b"not json").unwrap();
    let err = vault
        .add(intent("CRM"), &Secret::new(PAT), UnusualShape::Refuse)
        .unwrap_err();
    assert!(matches!(err, VaultError::InventoryCorrupt { .. }));
    assert!(keychain.accounts().unwrap().is_empty());
}

#[test]
fn a_secret_that_cannot_be_removed_keeps_its_record() {
    let (_dir, keychain, vault) = vault();
    let saved = add(&vault, "CRM");
    *keychain.fail_deletes.lock() = true;
    assert!(matches!(
        vault.remove(saved.record.id),
        Err(VaultError::Keychain(_))
    ));
    assert_eq!(vault.list().unwrap().len(), 1);
    *keychain.fail_deletes.lock() = false;
    vault.remove(saved.record.id).unwrap();
    assert!(vault.list().unwrap().is_empty());
    assert!(keychain.accounts().unwrap().is_empty());
}

#[test]
fn replacing_a_secret_restores_the_old_one_when_the_record_cannot_be_written() {
    let (dir, keychain, vault) = vault();
    let saved = add(&vault, "CRM");
    std::fs::write(dir.path().join("inventory.json"), b"not json").unwrap();
    let new = PAT.replace("patAbCdEfGh123456", "patZZZZZZZZZZZZZZ");
    assert!(
        vault
            .set_secret(saved.record.id, &Secret::new(new), UnusualShape::Refuse)
            .is_err()
    );
    assert_eq!(stored(&keychain, &saved), PAT);
}

#[test]
fn replacing_a_secret_updates_the_token_id() {
    let (_dir, keychain, vault) = vault();
    let saved = add(&vault, "CRM");
    let new = PAT.replace("patAbCdEfGh123456", "patZZZZZZZZZZZZZZ");
    let replaced = vault
        .set_secret(saved.record.id, &Secret::new(&new), UnusualShape::Refuse)
        .unwrap();
    assert_eq!(
        replaced.record.token_id.as_deref(),
        Some("patZZZZZZZZZZZZZZ")
    );
    assert_eq!(stored(&keychain, &saved), new);
}

#[test]
fn health_reports_orphans_on_both_sides_and_deletes_nothing() {
    let (_dir, keychain, vault) = vault();
    let kept = add(&vault, "CRM");
    let lost = add(&vault, "Ops");
    keychain.entries.lock().remove(&lost.record.id.to_string());
    keychain.store("stray-entry", &Secret::new(PAT)).unwrap();
    let health = vault.health();
    assert_eq!(health.orphan_secrets, vec!["stray-entry"]);
    assert_eq!(health.tokens_without_secret, vec!["Ops"]);
    assert!(!health.is_healthy());
    assert!(keychain.read("stray-entry").is_ok());
    assert!(keychain.read(&kept.record.id.to_string()).is_ok());
}

const NEW: &str =
    "patNeWtOkEn654321.00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

#[test]
fn a_rotation_swaps_the_secret_keeps_the_old_one_apart_and_records_it() {
    let (_dir, keychain, vault) = vault();
    let saved = add(&vault, "CRM");
    let id = saved.record.id;
    let rotated = vault
        .rotate(id, &Secret::new(NEW), UnusualShape::Refuse, today())
        .unwrap()
        .record;
    assert_eq!(stored(&keychain, &saved), NEW);
    assert_eq!(vault.previous_secret(id).unwrap().expose(), PAT);
    assert_eq!(rotated.token_id.as_deref(), Some("patNeWtOkEn654321"));
    assert_eq!(rotated.intent.last_rotated, today());
    assert_eq!(rotated.rotations.len(), 1);
    assert_eq!(
        rotated.rotations[0].from.as_deref(),
        Some("patAbCdEfGh123456")
    );
    let health = vault.health();
    assert_eq!(health.unfinished_rotations, vec!["CRM".to_owned()]);
    assert!(health.orphan_secrets.is_empty());
    assert!(rotated.old_secret_kept);
    let labels: Vec<&str> = rotated
        .intent
        .used_by
        .iter()
        .map(|c| c.label.as_str())
        .collect();
    assert_eq!(rotated.updates_pending, labels);
    vault.forget_previous(id).unwrap();
    assert!(vault.previous_secret(id).is_err());
    assert!(!vault.get(id).unwrap().old_secret_kept);
    assert!(vault.health().is_healthy());
}

#[test]
fn a_kept_old_secret_is_never_overwritten_and_leaves_with_its_token() {
    let (_dir, keychain, vault) = vault();
    let saved = add(&vault, "CRM");
    let id = saved.record.id;
    vault
        .rotate(id, &Secret::new(NEW), UnusualShape::Refuse, today())
        .unwrap();
    let third =
        "patThIrDtOkEn0001.00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    let refused = vault
        .rotate(id, &Secret::new(third), UnusualShape::Refuse, today())
        .unwrap_err();
    assert!(
        matches!(refused, VaultError::RotationUnfinished(_)),
        "{refused}"
    );
    assert_eq!(vault.previous_secret(id).unwrap().expose(), PAT);
    assert_eq!(stored(&keychain, &saved), NEW);
    // An `ID.previous` left by an interrupted rotation counts too, flag or not.
    vault
        .inventory()
        .update(|t| {
            t[0].old_secret_kept = false;
            Ok(())
        })
        .unwrap();
    assert!(matches!(
        vault.rotate(id, &Secret::new(third), UnusualShape::Refuse, today()),
        Err(VaultError::RotationUnfinished(_))
    ));
    vault.remove(id).unwrap();
    assert!(
        keychain.accounts().unwrap().is_empty(),
        "no secret outlives its token"
    );
}

#[test]
fn the_places_to_update_after_a_rotation_are_ticked_off_one_by_one() {
    let (_dir, _keychain, vault) = vault();
    let id = add(&vault, "CRM").record.id;
    let mut edited = intent("CRM");
    edited.used_by = vec![Consumer::custom("Zapier"), Consumer::custom("cron on nas")];
    vault.edit(id, edited).unwrap();
    vault
        .rotate(id, &Secret::new(NEW), UnusualShape::Refuse, today())
        .unwrap();
    let left = vault.tick_update(id, "Zapier").unwrap().updates_pending;
    assert_eq!(left, vec!["cron on nas".to_owned()]);
    let left = vault
        .tick_update(id, "unknown place")
        .unwrap()
        .updates_pending;
    assert_eq!(
        left,
        vec!["cron on nas".to_owned()],
        "an unknown place changes nothing"
    );
    assert!(
        vault
            .tick_update(id, "cron on nas")
            .unwrap()
            .updates_pending
            .is_empty()
    );
}

#[test]
fn a_rotation_that_fails_at_any_step_leaves_the_vault_as_it_was() {
    for fail_at in 0..2 {
        let (_dir, keychain, vault) = vault();
        let saved = add(&vault, "CRM");
        *keychain.stores_left.lock() = Some(fail_at);
        let failed = vault.rotate(
            saved.record.id,
            &Secret::new(NEW),
            UnusualShape::Refuse,
            today(),
        );
        assert!(
            matches!(failed, Err(VaultError::Keychain(_))),
            "store {fail_at}"
        );
        *keychain.stores_left.lock() = None;
        assert_eq!(stored(&keychain, &saved), PAT, "store {fail_at}");
        assert_eq!(
            vault.get(saved.record.id).unwrap(),
            saved.record,
            "store {fail_at}"
        );
        assert_eq!(keychain.accounts().unwrap().len(), 1, "store {fail_at}");
    }
    // The record cannot be written: the old secret goes back.
    let (dir, keychain, vault) = vault();
    let saved = add(&vault, "CRM");
    let inventory = dir.path().join("inventory.json");
    let before = std::fs::read(&inventory).unwrap();
    std::fs::write(&inventory, b"not json").unwrap();
    assert!(
        vault
            .rotate(
                saved.record.id,
                &Secret::new(NEW),
                UnusualShape::Refuse,
                today()
            )
            .is_err()
    );
    std::fs::write(&inventory, before).unwrap();
    assert_eq!(stored(&keychain, &saved), PAT);
    assert_eq!(keychain.accounts().unwrap().len(), 1);
    assert_eq!(vault.get(saved.record.id).unwrap(), saved.record);
}

/// Once every keychain call has ended: every record has its entry, holding the token the
/// record names; no entry is left without a record; an old secret is kept only while its
/// record says so.
fn whole(vault: &Vault, keychain: &MemoryKeychain) {
    vault.settle_keychain();
    let records = vault.list().unwrap();
    let entries = keychain.entries.lock().clone();
    for r in &records {
        let secret = entries
            .get(&r.id.to_string())
            .unwrap_or_else(|| panic!("{} has no entry: {entries:?}", r.intent.name));
        assert_eq!(
            Some(&secret[..17]),
            r.token_id.as_deref(),
            "{}",
            r.intent.name
        );
    }
    for account in entries.keys() {
        let owned = records.iter().any(|r| {
            *account == r.id.to_string()
                || (*account == format!("{}.previous", r.id) && r.old_secret_kept)
        });
        assert!(owned, "{account} belongs to no record: {records:#?}");
    }
}

#[test]
fn a_keychain_write_that_outlives_its_wait_is_settled_never_left_half_done() {
    let dir = tempfile::tempdir().unwrap();
    let keychain = Arc::new(MemoryKeychain::default());
    let vault = Vault::with_keychain_timeout(
        Inventory::new(dir.path()),
        keychain.clone(),
        Duration::from_millis(100),
    );
    let unknown = |e: VaultError| {
        assert!(
            matches!(e, VaultError::Keychain(KeychainError::OutcomeUnknown(_))),
            "{e}"
        );
        assert!(e.to_string().contains("patvault doctor"), "{e}");
    };
    // Add: the secret lands after the add gave up, and is taken back.
    keychain.close_gate("*");
    unknown(
        vault
            .add(intent("Late"), &Secret::new(PAT), UnusualShape::Refuse)
            .unwrap_err(),
    );
    keychain.open_gate();
    whole(&vault, &keychain);
    assert!(vault.list().unwrap().is_empty());

    let id = add(&vault, "CRM").record.id;
    // Replace: the record still names the old secret, so the old one is put back.
    keychain.close_gate("*");
    unknown(
        vault
            .set_secret(id, &Secret::new(NEW), UnusualShape::Refuse)
            .unwrap_err(),
    );
    keychain.open_gate();
    whole(&vault, &keychain);
    assert_eq!(keychain.read(&id.to_string()).unwrap().expose(), PAT);

    // Rotate, stuck at keeping the old secret, then at swapping in the new one.
    for stuck in [format!("{id}.previous"), id.to_string()] {
        keychain.close_gate(&stuck);
        unknown(
            vault
                .rotate(id, &Secret::new(NEW), UnusualShape::Refuse, today())
                .unwrap_err(),
        );
        keychain.open_gate();
        whole(&vault, &keychain);
        assert_eq!(keychain.read(&id.to_string()).unwrap().expose(), PAT);
        assert!(!vault.get(id).unwrap().old_secret_kept);
    }
    // A later call never overtakes a stuck one: it waits behind it.
    keychain.close_gate("*");
    unknown(
        vault
            .set_secret(id, &Secret::new(NEW), UnusualShape::Refuse)
            .unwrap_err(),
    );
    assert!(matches!(
        vault.secret(id),
        Err(VaultError::Keychain(KeychainError::TimedOut(_)))
    ));
    keychain.open_gate();
    whole(&vault, &keychain);

    // Remove, with deletes that then fail: the record comes back with its entry.
    keychain.close_gate("*");
    *keychain.fail_deletes.lock() = true;
    unknown(vault.remove(id).unwrap_err());
    keychain.open_gate();
    whole(&vault, &keychain);
    assert_eq!(vault.list().unwrap().len(), 1);
    // Remove, with deletes that then succeed: nothing is left.
    *keychain.fail_deletes.lock() = false;
    keychain.close_gate("*");
    unknown(vault.remove(id).unwrap_err());
    keychain.open_gate();
    whole(&vault, &keychain);
    assert!(vault.list().unwrap().is_empty());
    assert!(keychain.entries.lock().is_empty());
}
