//! A token pasted into a public chat, pushed to a repository, shown on a screen: what it
//! is, what it exposes, where it is used, and the steps that end the exposure. Answered
//! from the vault alone (the last check and the places), so it costs no API call and
//! needs no secret from the keychain.

use chrono::{DateTime, Utc};
use serde::Serialize;

use std::path::Path;

use super::scan::{Owner, ambiguity, owner};
use crate::check::catalog::base_scope;
use crate::check::consumers::judge;
use crate::model::CheckStatus;
use crate::model::consumer::Consumer;
use crate::model::place::FoundPlace;
use crate::model::record::TokenRecord;
use crate::model::report::{BaseReach, CheckUser, KnownReach};
use crate::model::verdict::{PermissionLevel, Verdict};
use crate::scan::places::used_by_path;
use crate::scopes::TOKENS_PAGE;

/// What a leak exposes and how to end it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Leak {
    /// None for a token whose secret has no token ID (an unusual shape).
    pub token_id: Option<String>,
    /// The vault's token it is; None when the vault does not know it.
    pub token: Option<String>,
    /// It is an ID the token was rotated away from: the leaked secret is an old one.
    pub rotated_away: bool,
    /// The Airtable user it acts as, from its last check.
    pub user: Option<CheckUser>,
    /// When what follows was shown; None when the token was never checked, or its last
    /// check failed (`failed` says why).
    pub checked_at: Option<DateTime<Utc>>,
    /// Why its last check could not tell what it reaches.
    pub failed: Option<String>,
    /// Whether the token may list every base it reaches (and read their schema).
    pub can_list_bases: Option<bool>,
    /// Each base it reached at its last check, with what it can do there.
    pub bases: Vec<Exposure>,
    /// What it can do beyond any one base, as its checks showed it holds: its scopes that
    /// act on the account or the user (`user.email:read`, enterprise scopes).
    pub beyond_bases: Vec<String>,
    /// Every place it is used: written by hand, and found by scans.
    pub places: Vec<LeakPlace>,
    /// What to do, in order.
    pub steps: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Exposure {
    pub id: String,
    pub name: Option<String>,
    pub role: Option<PermissionLevel>,
    /// What a holder of the secret can do there, in words.
    pub can: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct LeakPlace {
    /// The place in the user's words, or where a scan found it.
    pub place: String,
    /// True for a copy a scan found; false for a "used by" place (written by hand, or
    /// inferred from a scan and kept).
    pub found_by_scan: bool,
    /// The secret sits there in plaintext: `patvault migrate` can move it into the vault.
    pub plaintext: bool,
    /// It reads the token from the vault (`patvault exec`): a rotation reaches it.
    pub through_vault: bool,
    /// The file a scan found the copy in: where `migrate` can replace a plaintext one,
    /// unless it is a backup an earlier version left (to delete, not migrate).
    pub path: Option<String>,
    pub backup: bool,
}

/// What each scope lets a holder of the secret do, worst first.
const POWERS: &[(&str, &str)] = &[
    ("schema.bases:write", "change the schema (tables, fields)"),
    ("data.records:write", "create, change and delete records"),
    (
        "webhook:manage",
        "read every change to records through webhooks",
    ),
    ("data.records:read", "read every record"),
    ("data.recordComments:write", "write comments"),
    ("data.recordComments:read", "read comments"),
    ("schema.bases:read", "read the schema"),
];

/// The leak of the token whose ID is `token_id`, as the vault knows it; `home` reads the
/// `~/` of a place's path.
pub fn leak(token_id: &str, records: &[TokenRecord], home: Option<&Path>) -> Leak {
    let unknown = |step: String| Leak {
        token_id: Some(token_id.to_owned()),
        token: None,
        rotated_away: false,
        user: None,
        checked_at: None,
        failed: None,
        can_list_bases: None,
        bases: Vec::new(),
        beyond_bases: Vec::new(),
        places: Vec::new(),
        steps: vec![step],
    };
    match owner(token_id, records) {
        Owner::Current(r) => known(r, Some(token_id), false, home),
        Owner::RotatedFrom(r) => known(r, Some(token_id), true, home),
        Owner::Unknown => unknown(format!(
            "The vault does not know {token_id}. Whoever owns it finds it by that ID at {TOKENS_PAGE}: delete it there (or regenerate it) at once, then give the new one to what used it."
        )),
        Owner::Many(many) => unknown(format!(
            "{}. Delete the leaked token at {TOKENS_PAGE} at once.",
            ambiguity(token_id, &many)
        )),
    }
}

/// The leak of a token of the vault, as its page asks for it.
pub fn of_token(record: &TokenRecord, home: Option<&Path>) -> Leak {
    known(record, record.token_id.as_deref(), false, home)
}

fn known(
    record: &TokenRecord,
    token_id: Option<&str>,
    rotated_away: bool,
    home: Option<&Path>,
) -> Leak {
    // A check that failed shows no base: what it reaches is not known, never none.
    let failed = record
        .last_report
        .as_ref()
        .filter(|r| r.status == CheckStatus::Error)
        .map(|r| r.error.clone().unwrap_or_else(|| "no answer".into()));
    let report = record.last_report.as_ref().filter(|_| failed.is_none());
    let known = record.known_reach().unwrap_or_default();
    let bases: Vec<Exposure> = report
        .into_iter()
        .flat_map(|r| &r.bases)
        .filter(|b| b.reachable)
        .map(|b| exposure(b, &known))
        .collect();
    let beyond_bases: Vec<String> = known
        .scopes
        .iter()
        .filter(|(scope, k)| k.value && base_scope(scope).is_none())
        .map(|(scope, _)| scope.clone())
        .collect();
    // A "used by" place a scan found the copy of is the copy: said once, as found.
    let mut places: Vec<LeakPlace> = record
        .intent
        .used_by
        .iter()
        .filter(|c| !found_at(c, &record.found_in, home))
        .map(|c| LeakPlace {
            place: c.label.clone(),
            found_by_scan: false,
            plaintext: false,
            through_vault: false,
            path: None,
            backup: false,
        })
        .collect();
    places.extend(record.found_in.iter().map(|f| LeakPlace {
        place: f.describe(),
        found_by_scan: true,
        plaintext: f.plaintext,
        through_vault: f.through_vault,
        path: Some(f.path.clone()),
        backup: f.is_backup(),
    }));
    let user = record.user();
    Leak {
        token_id: token_id.map(str::to_owned),
        token: Some(record.intent.name.clone()),
        rotated_away,
        user,
        checked_at: report.map(|r| r.checked_at),
        failed,
        beyond_bases,
        can_list_bases: report.and_then(|r| r.can_list_bases),
        bases,
        steps: steps(record, rotated_away, &record.found_in, home),
        places,
    }
}

/// What a holder of the secret can do on a base, worst first: what the last check showed
/// there (probed, implied, or refused by one table's permissions, which leave the others);
/// where it did not look (a light check), what earlier checks showed the token holds and
/// the role allows.
fn exposure(base: &BaseReach, known: &KnownReach) -> Exposure {
    let can = POWERS
        .iter()
        .filter(|(scope, _)| match base.scopes.get(*scope) {
            Some(Verdict::Granted | Verdict::Implied | Verdict::Restricted) => true,
            Some(Verdict::NotChecked) | None => {
                let held = known.scopes.get(*scope).is_some_and(|k| k.value);
                let allowed = base_scope(scope).is_none_or(|s| {
                    !base
                        .permission_level
                        .is_some_and(|l| l.rules_out(s.least_role))
                });
                held && allowed
            }
            _ => false,
        })
        .map(|(_, words)| (*words).to_owned())
        .collect();
    Exposure {
        id: base.id.clone(),
        name: base.name.clone(),
        role: base.permission_level,
        can,
    }
}

/// The checklist that ends the exposure: a new token, each place given it, the old one
/// deleted.
/// Whether a scan found the copy a "used by" place reads: its file, `~/` read as home.
fn found_at(place: &Consumer, found: &[FoundPlace], home: Option<&Path>) -> bool {
    let Some(path) = place.path.as_deref().and_then(|p| used_by_path(p, home)) else {
        return false;
    };
    found.iter().any(|f| Path::new(&f.path) == path)
}

fn steps(
    record: &TokenRecord,
    rotated_away: bool,
    found: &[FoundPlace],
    home: Option<&Path>,
) -> Vec<String> {
    let name = &record.intent.name;
    if rotated_away {
        return vec![format!(
            "This is a secret “{name}” was rotated away from. Make sure it is deleted at {TOKENS_PAGE}: until it is, it still works. Then look for the places that still hold it (patvault scan)."
        )];
    }
    let narrower = judge(record)
        .suggestion
        .map_or_else(String::new, |s| format!(" {s}"));
    let mut steps = vec![
        format!(
            "Create a new token at {TOKENS_PAGE} for the same work, or less: the leaked one's scopes and bases are on its page.{narrower}"
        ),
        format!(
            "Give it to PAT Vault: patvault rotate “{name}” < new-token.txt (or Rotate… on its page); it is checked live before it replaces the leaked one."
        ),
    ];
    for place in &record.intent.used_by {
        if !found_at(place, found, home) {
            steps.push(format!("Give the new token to “{}”.", place.label));
        }
    }
    for place in found {
        let where_ = place.describe();
        steps.push(if place.is_backup() {
            format!(
                "{where_} is a backup an earlier PAT Vault left, with the secret in it: delete it (patvault scan --delete-backups)."
            )
        } else if place.through_vault {
            format!("{where_} reads the vault: nothing to do there.")
        } else if place.plaintext {
            format!(
                "{where_} holds the secret in plaintext: patvault migrate {} moves it into the vault.",
                place.path
            )
        } else {
            format!("Update {where_}.")
        });
    }
    steps.push(format!(
        "Delete the leaked token at {TOKENS_PAGE}; PAT Vault checks the old secret is refused once you have."
    ));
    steps
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::record::{RotationEntry, TokenIntent};
    use crate::model::report::CheckReport;

    fn record() -> TokenRecord {
        let mut intent = TokenIntent::named("CRM sync", chrono::NaiveDate::MIN);
        intent.used_by = vec![Consumer::custom("Zapier: deals")];
        let mut record = TokenRecord::new(intent, Some("patNewNewNew12345".into()), Utc::now());
        record.rotations.push(RotationEntry {
            at: Utc::now(),
            from: Some("patOldOldOld12345".into()),
            to: Some("patNewNewNew12345".into()),
        });
        let mut crm = BaseReach::new(
            "appAAAAAAAAAAAAAA",
            Some("CRM".into()),
            Some(PermissionLevel::Edit),
            false,
        );
        crm.reachable = true;
        crm.scopes = [
            ("data.records:read".to_owned(), Verdict::Granted),
            ("data.records:write".to_owned(), Verdict::Implied),
            ("schema.bases:write".to_owned(), Verdict::BlockedByRole),
            ("webhook:manage".to_owned(), Verdict::Denied),
        ]
        .into();
        let mut gone = BaseReach::new("appBBBBBBBBBBBBBB", None, None, true);
        gone.reachable = false;
        record.add_check(&CheckReport {
            user: Some(CheckUser {
                id: "usrAlice".into(),
                email: None,
            }),
            can_list_bases: Some(true),
            bases: vec![crm, gone],
            ..CheckReport::started(false)
        });
        record.found_in.push(FoundPlace {
            path: "/home/u/.cursor/mcp.json".into(),
            line: 3,
            server: Some("airtable".into()),
            variable: Some("AIRTABLE_API_KEY".into()),
            token_id: Some("patNewNewNew12345".into()),
            plaintext: true,
            through_vault: false,
            first_seen: Utc::now(),
            last_seen: Utc::now(),
            unread: None,
        });
        record
    }

    #[test]
    fn a_leaked_token_shows_what_it_can_do_where_it_is_used_and_the_steps() {
        let leak = leak("patNewNewNew12345", &[record()], None);
        assert_eq!(leak.token.as_deref(), Some("CRM sync"));
        assert!(!leak.rotated_away);
        assert_eq!(leak.bases.len(), 1, "only what it reaches");
        assert_eq!(
            leak.bases[0].can,
            ["create, change and delete records", "read every record"]
        );
        let places: Vec<(&str, bool)> = leak
            .places
            .iter()
            .map(|p| (p.place.as_str(), p.plaintext))
            .collect();
        assert_eq!(
            places,
            [
                ("Zapier: deals", false),
                (
                    "/home/u/.cursor/mcp.json:3 (airtable, AIRTABLE_API_KEY)",
                    true
                )
            ]
        );
        assert!(leak.steps[0].starts_with("Create a new token"));
        assert!(leak.steps[1].contains("patvault rotate “CRM sync”"));
        assert_eq!(leak.steps[2], "Give the new token to “Zapier: deals”.");
        assert!(leak.steps[3].contains("patvault migrate /home/u/.cursor/mcp.json"));
        assert!(
            leak.steps
                .last()
                .unwrap()
                .starts_with("Delete the leaked token")
        );
    }

    #[test]
    fn after_a_light_check_what_earlier_checks_showed_held_is_exposed_where_the_role_allows() {
        let mut r = record();
        let mut light = r.last_report.clone().unwrap();
        light.light = true;
        for base in &mut light.bases {
            for v in base.scopes.values_mut() {
                *v = Verdict::NotChecked;
            }
        }
        let mut scopes = light.scopes.clone();
        scopes.insert("data.records:write".into(), Verdict::Granted);
        scopes.insert("schema.bases:write".into(), Verdict::Granted);
        r.add_check(&CheckReport {
            scopes,
            ..r.last_report.clone().unwrap()
        });
        r.add_check(&light);
        let leak = leak("patNewNewNew12345", &[r], None);
        // An editor cannot change the schema, whatever the token holds.
        assert_eq!(leak.bases[0].can, ["create, change and delete records"]);
    }

    #[test]
    fn a_failed_check_a_backup_and_a_place_found_twice_are_said_for_what_they_are() {
        let mut r = record();
        // The inferred place of the copy the scan found: one place, said once.
        r.intent.used_by.push(Consumer {
            kind: "airtable-mcp-server".into(),
            path: Some("~/.cursor/mcp.json".into()),
            inferred: true,
            ..Consumer::custom("airtable in /home/u/.cursor/mcp.json")
        });
        let mut backup = r.found_in[0].clone();
        backup.path = "/home/u/.cursor/mcp.json.before-patvault-20261101-120000".into();
        r.found_in.push(backup);
        let mut failed = r.last_report.clone().unwrap();
        failed.status = CheckStatus::Error;
        failed.error = Some("Airtable did not answer".into());
        failed.bases.clear();
        r.add_check(&failed);
        let leak = of_token(&r, Some(Path::new("/home/u")));
        assert_eq!(leak.failed.as_deref(), Some("Airtable did not answer"));
        assert!(leak.bases.is_empty() && leak.checked_at.is_none());
        assert_eq!(
            leak.user.map(|u| u.id),
            Some("usrAlice".into()),
            "from the checks before"
        );
        assert_eq!(leak.places.len(), 3, "{:?}", leak.places);
        assert!(!leak.steps.iter().any(|s| s.contains("“airtable in")));
        assert!(
            leak.steps
                .iter()
                .any(|s| s.contains("is a backup") && s.contains("delete it"))
        );
    }

    #[test]
    fn an_old_id_and_an_unknown_one_say_what_they_are() {
        let old = leak("patOldOldOld12345", &[record()], None);
        assert!(old.rotated_away);
        assert_eq!(old.steps.len(), 1);
        assert!(old.steps[0].contains("rotated away from"));
        let unknown = leak("patNobodyKnows123", &[record()], None);
        assert_eq!(unknown.token, None);
        assert!(unknown.steps[0].starts_with("The vault does not know patNobodyKnows123"));
        let twice = leak("patNewNewNew12345", &[record(), record()], None);
        assert_eq!(twice.token, None);
        assert!(
            twice.steps[0].contains("more than one vault token"),
            "{:?}",
            twice.steps
        );
    }
}
