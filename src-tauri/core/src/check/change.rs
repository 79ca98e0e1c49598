//! How a token's reach changed since its previous check. A token's scopes and bases can
//! be edited in place at airtable.com/create/tokens with the same secret
//! (`airtable-api.md`, "Token lifecycle"), so each check is compared with the last one,
//! not only with the intent. Only what both checks knew is compared: a light check knows
//! the user, the bases and two scopes; a verdict that is neither granted nor denied
//! proves nothing either way.

use std::collections::BTreeSet;

use crate::model::report::{CheckReport, ReachChange, RoleChange, UserChange};
use crate::model::verdict::{PermissionLevel, Verdict};

/// The change from `previous` to `current`, when there is one both could tell.
pub fn reach_change(previous: &CheckReport, current: &CheckReport) -> Option<ReachChange> {
    let (Some(was), Some(now)) = (&previous.user, &current.user) else {
        return None;
    };
    let mut change = ReachChange {
        since: previous.checked_at,
        ..ReachChange::default()
    };
    if was.id != now.id {
        change.user_changed = Some(UserChange {
            from: was.id.clone(),
            to: now.id.clone(),
        });
    }
    for (scope, verdict) in &current.scopes {
        match (previous.scopes.get(scope), verdict) {
            (Some(Verdict::Granted), Verdict::Denied) => change.scopes_lost.push(scope.clone()),
            (Some(Verdict::Denied), Verdict::Granted) => change.scopes_gained.push(scope.clone()),
            _ => {}
        }
    }
    // Without the base list a check knows only the bases it was meant for.
    if previous.can_list_bases == Some(true) && current.can_list_bases == Some(true) {
        let reached = |r: &CheckReport| -> BTreeSet<String> {
            r.bases
                .iter()
                .filter(|b| b.reachable)
                .map(|b| b.id.clone())
                .collect()
        };
        let (before, after) = (reached(previous), reached(current));
        change.bases_gained = after.difference(&before).cloned().collect();
        change.bases_lost = before.difference(&after).cloned().collect();
        for base in &current.bases {
            let Some(old) = previous.bases.iter().find(|b| b.id == base.id) else {
                continue;
            };
            if before.contains(&base.id)
                && after.contains(&base.id)
                && old.permission_level != base.permission_level
            {
                change.roles_changed.push(RoleChange {
                    base: base.id.clone(),
                    from: old.permission_level,
                    to: base.permission_level,
                });
            }
        }
    }
    if is_empty(&change) {
        return None;
    }
    change.shrank = shrank(&change);
    change.grew = grew(&change);
    change.summary = describe(&change);
    Some(change)
}

fn is_empty(c: &ReachChange) -> bool {
    c.scopes_gained.is_empty()
        && c.scopes_lost.is_empty()
        && c.bases_gained.is_empty()
        && c.bases_lost.is_empty()
        && c.roles_changed.is_empty()
        && c.user_changed.is_none()
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
            "“{name}” changed since its last check (a token can be edited in place at airtable.com/create/tokens): {}. Check its intent in PAT Vault.",
            c.summary.join("; ")
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::report::{BaseReach, CheckStatus, CheckUser};
    use chrono::{TimeZone, Utc};
    use std::collections::BTreeMap;

    fn report(
        day: u32,
        light: bool,
        user: &str,
        scopes: &[(&str, Verdict)],
        bases: &[(&str, PermissionLevel)],
    ) -> CheckReport {
        CheckReport {
            checked_at: Utc.with_ymd_and_hms(2026, 12, day, 9, 0, 0).unwrap(),
            light,
            status: CheckStatus::Ok,
            user: Some(CheckUser {
                id: user.into(),
                email: None,
            }),
            can_list_bases: Some(true),
            scopes: scopes.iter().map(|(s, v)| ((*s).to_owned(), *v)).collect(),
            bases: bases
                .iter()
                .map(|(id, level)| BaseReach {
                    id: (*id).into(),
                    name: Some((*id).into()),
                    permission_level: Some(*level),
                    reachable: true,
                    intended: true,
                    scopes: BTreeMap::new(),
                    reasons: BTreeMap::new(),
                    requests: 0,
                    not_found: None,
                    quota_exhausted: false,
                    table_in_doubt: false,
                })
                .collect(),
            drift: Default::default(),
            error: None,
            requests: 0,
            changed_since_last: None,
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
        let c = reach_change(&before, &after).unwrap();
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
        assert_eq!(reach_change(&full, &light), None);
        let doubtful = report(
            3,
            false,
            "usrA",
            &[("data.records:read", Unverifiable)],
            &[("appA", Create)],
        );
        assert_eq!(reach_change(&full, &doubtful), None);
        // Without the base list on either side, bases are not compared.
        let mut unlisted = report(4, false, "usrA", &[], &[]);
        unlisted.can_list_bases = Some(false);
        assert_eq!(reach_change(&full, &unlisted), None);
        // A failed whoami (a revoked token) is told otherwise, not as a change.
        let mut revoked = report(5, false, "usrA", &[], &[]);
        revoked.user = None;
        assert_eq!(reach_change(&full, &revoked), None);
    }

    #[test]
    fn a_raised_role_only_grows_and_another_user_shrinks() {
        let before = report(1, true, "usrA", &[], &[("appA", Read)]);
        let raised = report(2, true, "usrA", &[], &[("appA", Edit)]);
        let c = reach_change(&before, &raised).unwrap();
        assert!(c.grew && !c.shrank);
        assert!(notice("t", &c).unwrap().0.contains("more"));
        let other = report(2, true, "usrB", &[], &[("appA", Read)]);
        let c = reach_change(&before, &other).unwrap();
        assert!(c.shrank && !c.grew);
        assert_eq!(c.summary, ["it now acts as user usrB (was usrA)"]);
    }
}
