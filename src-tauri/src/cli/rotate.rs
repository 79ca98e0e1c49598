//! `patvault rotate NAME [--force]`: the new secret comes on standard input. It is checked
//! live first and refused when it is another user's or loses intended reach, unless
//! `--force`; then swapped in (see `vault::rotate`); then the old secret is checked
//! (see `rotation::renewal`) and kept until it is found revoked, or `--forget-old` lets it
//! go. `--finish` checks the old secret of an earlier rotation again.
//! `patvault updated NAME [PLACE...]` ticks off the places given the new secret.

use super::check::runtime;
use crate::airtable::{ApiRoot, Client, ClientOptions};
use crate::error::VaultError;
use crate::rotation::renewal::{NewSecretCheck, OldSecret, check_new_secret, check_old_secret};
use crate::secret::Secret;
use crate::vault::record::TokenRecord;
use crate::vault::{UnusualShape, Vault, today};

pub fn rotate(
    vault: Vault,
    record: TokenRecord,
    new: Option<Secret>,
    force: bool,
    forget_old: bool,
) -> Result<i32, VaultError> {
    let root = ApiRoot::from_env().map_err(VaultError::Invalid)?;
    runtime()?.block_on(async {
        let client = Client::new(root, ClientOptions::from_env())
            .map_err(|e| VaultError::Invalid(e.to_string()))?;
        if let Some(new) = new {
            let checked = check_new_secret(&vault, &client, &record, &new).await?;
            print_check(&checked);
            if !checked.refusals.is_empty() && !force {
                eprintln!(
                    "patvault: {}. Nothing was changed; --force swaps anyway.",
                    checked.refusals.join("; ")
                );
                return Ok(1);
            }
            let saved = vault.rotate(record.id, &new, UnusualShape::Accept, today())?;
            super::warn(saved.warning);
            if let Err(e) = vault.record_check(record.id, &checked.report) {
                eprintln!("patvault: the new secret's check was not kept: {e}");
            }
            super::print_line(format!(
                "Rotated “{}”: the new secret is in the keychain, last rotated today.",
                record.intent.name
            ));
        }
        let old = check_old_secret(&vault, &client, record.id).await?;
        let warning = if old == OldSecret::Revoked {
            ""
        } else {
            "WARNING: "
        };
        super::print_line(format!("{warning}{}", old.describe()));
        // A revoked old secret is gone already; one that may still work stays, so that
        // nothing the user may still need is lost, until they say otherwise.
        match (&old, forget_old) {
            (OldSecret::Revoked, _) => {}
            (_, true) => {
                vault.forget_previous(record.id)?;
                super::print_line("The old secret is forgotten, as you asked.".into());
            }
            (_, false) => super::print_line(format!(
                "The old secret stays in the keychain until the old token is revoked: \
                 `patvault rotate “{0}” --finish` checks again, `--finish --forget-old` lets it go.",
                record.intent.name
            )),
        }
        let waiting = vault.get(record.id)?.updates_pending;
        if !waiting.is_empty() {
            super::print_line(
                "Now update it where it is used (then `patvault updated NAME PLACE`):".into(),
            );
            for place in &waiting {
                super::print_line(format!("  [ ] {place}"));
            }
        }
        Ok(0)
    })
}

fn print_check(checked: &NewSecretCheck) {
    if checked.old_user.is_none() {
        super::print_line(
            "The old secret's user is unknown (never checked, and it no longer answers): \
             whether the new one is the same user's was not tested."
                .into(),
        );
    }
    let report = &checked.report;
    let user = report.user.as_ref().map_or("unknown".into(), |u| {
        u.email.clone().unwrap_or_else(|| u.id.clone())
    });
    super::print_line(format!(
        "New secret: user {user}, status {}.",
        report.status.name()
    ));
    for gone in &checked.lost_bases {
        super::print_line(format!("  - no longer reaches {gone}"));
    }
    for added in &checked.gained_bases {
        super::print_line(format!("  + now reaches {added}"));
    }
    for f in &report.drift.findings {
        super::print_line(format!("  {}", f.explanation));
    }
}

/// Ticks off `places` (all of them when none is named) and says which are still waiting.
pub fn updated(vault: &Vault, record: TokenRecord, places: Vec<String>) -> Result<(), VaultError> {
    let places = if places.is_empty() {
        record.updates_pending.clone()
    } else {
        places
    };
    let mut left = record.updates_pending;
    for place in &places {
        if !left.contains(place) {
            return Err(VaultError::Invalid(format!(
                "“{place}” is not waiting for the new secret of “{}”",
                record.intent.name
            )));
        }
        left = vault.tick_update(record.id, place)?.updates_pending;
    }
    match left.as_slice() {
        [] => eprintln!("Every place has the new secret."),
        left => eprintln!("Still to update: {}.", left.join(", ")),
    }
    Ok(())
}
