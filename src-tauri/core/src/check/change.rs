//! How a token's reach changed since its checks last showed it. A token's scopes and
//! bases can be edited in place at airtable.com/create/tokens with the same secret
//! (`airtable-api.md`, "Token lifecycle"), so each check is compared with what earlier
//! checks showed, not only with the intent: each fact with the latest check that knew it
//! (`KnownReach`), so a full check after light ones still sees a scope edited meanwhile.
//! A verdict that is neither granted nor denied proves nothing either way, and a role
//! PAT Vault does not recognise is compared with nothing.

use chrono::{DateTime, Utc};

use crate::model::report::{CheckReport, KnownReach, ReachChange, RoleChange, UserChange};
use crate::model::verdict::{PermissionLevel, Verdict};
use crate::scopes::TOKENS_PAGE;

/// The change from what was `known` to `current`, when there is one both could tell.
pub fn reach_change(known: &KnownReach, current: &CheckReport) -> Option<ReachChange> {
    let now = current.user.as_ref()?;
    let mut change = ReachChange::default();
    let mut since: Option<DateTime<Utc>> = None;
    let mut compared = |at: DateTime<Utc>| since = Some(since.map_or(at, |s| s.min(at)));
    if let Some(was) = known.user.as_ref().filter(|was| was.value != now.id) {
        compared(was.at);
        change.user_changed = Some(UserChange {
            from: was.value.clone(),
            to: now.id.clone(),
        });
    }
    for (scope, verdict) in &current.scopes {
        let Some(was) = known.scopes.get(scope) else {
            continue;
        };
        match (was.value, verdict) {
            (true, Verdict::Denied) => change.scopes_lost.push(scope.clone()),
            (false, Verdict::Granted) => change.scopes_gained.push(scope.clone()),
            _ => continue,
        }
        compared(was.at);
    }
    // Without the base list a check knows only the bases it was meant for.
    if let (Some(was), Some(true)) = (&known.bases, current.can_list_bases) {
        let mut changed = false;
        let reached: Vec<_> = current.bases.iter().filter(|b| b.reachable).collect();
        for base in &reached {
            match was.value.get(&base.id) {
                None => change.bases_gained.push(base.id.clone()),
                Some(&from) => {
                    let to = base.permission_level;
                    if let (Some(f), Some(t)) = (from, to)
                        && f != t
                    {
                        change.roles_changed.push(RoleChange {
                            base: base.id.clone(),
                            from,
                            to,
                        });
                    } else {
                        continue;
                    }
                }
            }
            changed = true;
        }
        for id in was.value.keys() {
            if !reached.iter().any(|b| &b.id == id) {
                change.bases_lost.push(id.clone());
                changed = true;
            }
        }
        if changed {
            compared(was.at);
        }
    }
    change.since = since?;
    change.shrank = shrank(&change);
    change.grew = grew(&change);
    change.summary = describe(&change);
    Some(change)
}

fn shrank(c: &ReachChange) -> bool {
    !c.scopes_lost.is_empty()
        || !c.bases_lost.is_empty()
        || c.user_changed.is_some()
        || c.roles_changed.iter().any(|r| r.to < r.from)
}

fn grew(c: &ReachChange) -> bool {
    !c.scopes_gained.is_empty()
        || !c.bases_gained.is_empty()
        || c.roles_changed.iter().any(|r| r.to > r.from)
}

fn describe(c: &ReachChange) -> Vec<String> {
    let list = |v: &[String]| v.join(", ");
    let mut out = Vec::new();
    if let Some(u) = &c.user_changed {
        out.push(format!("it now acts as user {} (was {})", u.to, u.from));
    }
    if !c.scopes_lost.is_empty() {
        out.push(format!("scopes lost: {}", list(&c.scopes_lost)));
    }
    if !c.scopes_gained.is_empty() {
        out.push(format!("scopes gained: {}", list(&c.scopes_gained)));
    }
    if !c.bases_lost.is_empty() {
        out.push(format!("bases lost: {}", list(&c.bases_lost)));
    }
    if !c.bases_gained.is_empty() {
        out.push(format!("bases gained: {}", list(&c.bases_gained)));
    }
    for r in &c.roles_changed {
        let name = |l: Option<PermissionLevel>| l.map_or("unknown", PermissionLevel::describe);
        out.push(format!(
            "role on {} changed from {} to {}",
            r.base,
            name(r.from),
            name(r.to)
        ));
    }
    out
}

/// A notification's title and text for a change worth one: reach that shrank (something
/// will break) or grew (over-privilege).
pub fn notice(name: &str, c: &ReachChange) -> Option<(&'static str, String)> {
    let title = match (c.shrank, c.grew) {
        (false, false) => return None,
        (true, _) => "Airtable token reaches less than before",
        (false, true) => "Airtable token reaches more than before",
    };
    Some((
        title,
        format!(
            "“{name}” changed since its last check (a token can be edited in place at {TOKENS_PAGE}): {}. Check its intent in PAT Vault.",
            c.summary.join("; ")
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::report::{BaseReach, CheckUser};
    use chrono::{TimeZone, Utc};

    fn report(
        day: u32,
        light: bool,
        user: &str,
        scopes: &[(&str, Verdict)],
        bases: &[(&str, PermissionLevel)],
    ) -> CheckReport {
        CheckReport {
            checked_at: Utc.with_ymd_and_hms(2026, 12, day, 9, 0, 0).unwrap(),
            user: Some(CheckUser {
                id: user.into(),
                email: None,
            }),
            can_list_bases: Some(true),
            scopes: scopes.iter().map(|(s, v)| ((*s).to_owned(), *v)).collect(),
            bases: bases
                .iter()
                .map(|(id, level)| BaseReach {
                    reachable: true,
                    ..BaseReach::new(id, Some((*id).into()), Some(*level), true)
                })
                .collect(),
            ..CheckReport::started(light)
        }
    }

    use PermissionLevel::{Create, Edit, Read};
    use Verdict::{Denied, Granted, NotChecked, Unverifiable};

    #[test]
    fn an_edited_token_shows_what_it_lost_and_gained_and_which_way_it_went() {
        let before = report(
            1,
            false,
            "usrA",
            &[("data.records:write", Granted), ("webhook:manage", Denied)],
            &[("appA", Create), ("appB", Edit)],
        );
        let after = report(
            2,
            false,
            "usrA",
            &[("data.records:write", Denied), ("webhook:manage", Granted)],
            &[("appB", Read), ("appC", Create)],
        );
        let c = reach_change(&KnownReach::of(&before), &after).unwrap();
        assert_eq!(c.since, before.checked_at);
        assert_eq!(c.scopes_lost, ["data.records:write"]);
        assert_eq!(c.scopes_gained, ["webhook:manage"]);
        assert_eq!(c.bases_lost, ["appA"]);
        assert_eq!(c.bases_gained, ["appC"]);
        assert_eq!(
            c.roles_changed,
            [RoleChange {
                base: "appB".into(),
                from: Some(Edit),
                to: Some(Read)
            }]
        );
        assert!(c.shrank && c.grew);
        let said = c.summary.join("; ");
        assert!(said.contains("scopes lost: data.records:write"), "{said}");
        let (title, body) = notice("CRM sync", &c).unwrap();
        assert!(title.contains("less"), "{title}");
        assert!(body.starts_with("“CRM sync” changed since"), "{body}");
        assert!(
            said.contains("role on appB changed from edit to read"),
            "{said}"
        );
    }

    #[test]
    fn only_what_both_checks_knew_is_compared() {
        let full = report(
            1,
            false,
            "usrA",
            &[("data.records:read", Granted)],
            &[("appA", Create)],
        );
        // A light check knows no base scope; an unverifiable one proves nothing.
        let light = report(
            2,
            true,
            "usrA",
            &[("data.records:read", NotChecked)],
            &[("appA", Create)],
        );
        assert_eq!(reach_change(&KnownReach::of(&full), &light), None);
        let doubtful = report(
            3,
            false,
            "usrA",
            &[("data.records:read", Unverifiable)],
            &[("appA", Create)],
        );
        assert_eq!(reach_change(&KnownReach::of(&full), &doubtful), None);
        // Without the base list on either side, bases are not compared.
        let mut unlisted = report(4, false, "usrA", &[], &[]);
        unlisted.can_list_bases = Some(false);
        assert_eq!(reach_change(&KnownReach::of(&full), &unlisted), None);
        // A failed whoami (a revoked token) is told otherwise, not as a change.
        let mut revoked = report(5, false, "usrA", &[], &[]);
        revoked.user = None;
        assert_eq!(reach_change(&KnownReach::of(&full), &revoked), None);
    }

    #[test]
    fn a_raised_role_only_grows_and_another_user_shrinks() {
        let before = report(1, true, "usrA", &[], &[("appA", Read)]);
        let raised = report(2, true, "usrA", &[], &[("appA", Edit)]);
        let c = reach_change(&KnownReach::of(&before), &raised).unwrap();
        assert!(c.grew && !c.shrank);
        assert!(notice("t", &c).unwrap().0.contains("more"));
        let other = report(2, true, "usrB", &[], &[("appA", Read)]);
        let c = reach_change(&KnownReach::of(&before), &other).unwrap();
        assert!(c.shrank && !c.grew);
        assert_eq!(c.summary, ["it now acts as user usrB (was usrA)"]);
    }

    #[test]
    fn each_fact_is_compared_with_the_latest_check_that_knew_it() {
        let full = report(
            1,
            false,
            "usrA",
            &[("data.records:write", Granted)],
            &[("appA", Create)],
        );
        let mut known = KnownReach::of(&full);
        // Light checks since know no base scope; a failed one knows nothing.
        known.learn(&report(
            2,
            true,
            "usrA",
            &[("data.records:write", NotChecked)],
            &[("appA", Create)],
        ));
        let mut failed = report(3, false, "usrA", &[], &[]);
        failed.user = None;
        known.learn(&failed);
        let edited = report(
            4,
            false,
            "usrA",
            &[("data.records:write", Denied)],
            &[("appA", Create)],
        );
        let c = reach_change(&known, &edited).unwrap();
        assert_eq!(c.scopes_lost, ["data.records:write"]);
        assert_eq!(
            c.since, full.checked_at,
            "shown held by the full check of the 1st"
        );
        assert!(c.shrank);
    }

    #[test]
    fn a_role_pat_vault_does_not_recognise_is_compared_with_nothing() {
        let mut before = report(1, true, "usrA", &[], &[("appA", Create)]);
        let mut after = report(2, true, "usrA", &[], &[("appA", Create)]);
        after.bases[0].permission_level = None;
        assert_eq!(reach_change(&KnownReach::of(&before), &after), None);
        before.bases[0].permission_level = None;
        after.bases[0].permission_level = Some(Read);
        assert_eq!(reach_change(&KnownReach::of(&before), &after), None);
    }
}
