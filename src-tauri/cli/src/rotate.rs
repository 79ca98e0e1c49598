//! `patvault rotate NAME [--force]`: the new secret comes on standard input. It is checked
//! live first and refused when it is another user's or loses intended reach, unless
//! `--force`; then swapped in (see `vault::rotate`); then the old secret is checked
//! (see `rotation::renewal`) and kept until it is found revoked, or `--forget-old` lets it
//! go. `--finish` checks the old secret of an earlier rotation again.
//! `patvault updated NAME [PLACE...]` ticks off the places given the new secret.

use super::check::runtime;
use super::error::CliError;
use super::out::print_line;
use super::out::warn;
use super::output::terminal_safe;
use patvault_core::config::Config;
use patvault_core::model::record::TokenRecord;
use patvault_core::ops::client::open_client;
use patvault_core::ops::renewal::{
    NewSecretCheck, OldSecret, RenewalError, check_new_secret, check_old_secret, swap,
};
use patvault_core::secret::Secret;
use patvault_core::vault::Vault;

pub fn rotate(
    vault: Vault,
    config: &Config,
    record: TokenRecord,
    new: Option<Secret>,
    force: bool,
    forget_old: bool,
) -> Result<i32, CliError> {
    runtime()?.block_on(async {
        let client = open_client(config)?;
        if let Some(new) = new {
            let checked = check_new_secret(&vault, &client, &record, &new).await?;
            print_check(&checked);
            let swapped = match swap(&vault, record.id, &new, &checked, force) {
                Err(RenewalError::Refused(why)) => {
                    eprintln!(
                        "patvault: {}. Nothing was changed; --force swaps anyway.",
                        why.join("; ")
                    );
                    return Ok(1);
                }
                swapped => swapped?,
            };
            warn(swapped.saved.warning);
            if let Some(e) = swapped.check_not_kept {
                eprintln!("patvault: the new secret's check was not kept: {e}");
            }
            print_line(format!(
                "Rotated “{}”: the new secret is in {}, last rotated today.",
                record.intent.name,
                vault.store_name()
            ));
        }
        let old = check_old_secret(&vault, &client, record.id).await?;
        let warning = if old == OldSecret::Revoked {
            ""
        } else {
            "WARNING: "
        };
        print_line(format!("{warning}{}", old.describe()));
        // A revoked old secret is gone already; one that may still work stays, so that
        // nothing the user may still need is lost, until they say otherwise.
        match (&old, forget_old) {
            (OldSecret::Revoked, _) => {}
            (_, true) => {
                vault.forget_previous(record.id)?;
                print_line("The old secret is forgotten, as you asked.".into());
            }
            (_, false) => print_line(format!(
                "The old secret stays in {1} until the old token is revoked: \
                 `patvault rotate “{0}” --finish` checks again, `--finish --forget-old` lets it go.",
                record.intent.name,
                vault.store_name()
            )),
        }
        let waiting = vault.get(record.id)?.updates_pending;
        if !waiting.is_empty() {
            print_line(
                "Now update it where it is used (then `patvault updated NAME PLACE`):".into(),
            );
            for place in &waiting {
                print_line(format!("  [ ] {place}"));
            }
        }
        Ok(0)
    })
}

fn print_check(checked: &NewSecretCheck) {
    if checked.old_user.is_none() {
        print_line(
            "The old secret's user is unknown (never checked, and it no longer answers): \
             whether the new one is the same user's was not tested."
                .into(),
        );
    }
    let report = &checked.report;
    let user = report.user.as_ref().map_or("unknown".into(), |u| {
        u.email.clone().unwrap_or_else(|| u.id.clone())
    });
    print_line(format!(
        "New secret: user {user}, status {}.",
        report.status.name()
    ));
    for gone in &checked.lost_bases {
        print_line(format!("  - no longer reaches {gone}"));
    }
    for added in &checked.gained_bases {
        print_line(format!("  + now reaches {added}"));
    }
    for f in &report.drift.findings {
        print_line(format!("  {}", f.explanation));
    }
}

/// Ticks off `places` (all of them when none is named) and says which are still waiting.
pub fn updated(vault: &Vault, record: TokenRecord, places: Vec<String>) -> Result<(), CliError> {
    let places = if places.is_empty() {
        record.updates_pending.clone()
    } else {
        places
    };
    let mut left = record.updates_pending;
    for place in &places {
        if !left.contains(place) {
            return Err(CliError::Input(format!(
                "“{place}” is not waiting for the new secret of “{}”",
                record.intent.name
            )));
        }
        left = vault.tick_update(record.id, place)?.updates_pending;
    }
    match left.as_slice() {
        [] => eprintln!("Every place has the new secret."),
        left => eprintln!("Still to update: {}.", terminal_safe(&left.join(", "))),
    }
    Ok(())
}
