//! From the verdicts on each base to the token as a whole, and from there to the drift
//! against intent: what will break (missing) and what is over-privileged (excess), each
//! with its cause and the change to make in Airtable.

use super::catalog::{BASE_SCOPES, base_scope};
use crate::model::record::TokenIntent;
use crate::model::report::{
    BaseReach, Cause, CheckReport, CheckStatus, Drift, Finding, FindingKind, NotFound,
};
use crate::model::verdict::{PermissionLevel, Verdict};

const TOKENS_PAGE: &str = "airtable.com/create/tokens";

/// Fills in the token-wide verdicts, the drift and the status of a report whose bases
/// have been looked at.
pub fn conclude(report: &mut CheckReport, intent: &TokenIntent) {
    for (scope, verdict) in report.scopes.iter_mut() {
        if matches!(scope.as_str(), "user.email:read" | "schema.bases:read") {
            continue;
        }
        *verdict = match base_scope(scope) {
            Some(_) if report.light => Verdict::NotChecked,
            Some(_) => token_verdict(scope, &report.bases),
            None => Verdict::Unverifiable,
        };
    }
    report.drift = drift(report, intent);
    let problems = problems(report);
    let spent: Vec<String> = report
        .bases
        .iter()
        .filter(|b| b.quota_exhausted)
        .map(|b| base_label(report, intent, &b.id))
        .collect();
    // A spent quota outranks drift: until the month ends the base's data cannot be
    // checked, and the user's own integrations fail on it too.
    report.status = if !spent.is_empty() {
        CheckStatus::Error
    } else if !report.drift.is_empty() {
        CheckStatus::Drift
    } else if !problems.is_empty() {
        CheckStatus::Error
    } else {
        CheckStatus::Ok
    };
    let mut error = Vec::new();
    if !spent.is_empty() {
        error.push(format!(
            "the monthly Airtable API quota is used up for the workspace of {}: its data \
             cannot be read, by this check or by any integration, until the month ends. \
             Wait for the next month, or move the base to a plan with more API calls",
            spent.join(", ")
        ));
    }
    let others: Vec<&String> = problems
        .iter()
        .filter(|p| !p.contains(QUOTA_WORDS))
        .collect();
    if !others.is_empty() {
        error.push(format!(
            "some requests failed: {}",
            others
                .iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    if !error.is_empty() {
        report.error = Some(error.join(". "));
    }
}

/// How a quota failure's reason begins, so it is said once for the token, not per scope.
const QUOTA_WORDS: &str = "monthly Airtable API quota";

/// A scope for the whole token: granted somewhere wins; denied needs a denial on every
/// reachable base where the role allowed it; a role that forbids it everywhere is the
/// role's doing.
fn token_verdict(scope: &str, bases: &[BaseReach]) -> Verdict {
    let seen: Vec<Verdict> = bases
        .iter()
        .filter(|b| b.reachable)
        .filter_map(|b| b.scopes.get(scope).copied())
        .collect();
    let any = |v: Verdict| seen.contains(&v);
    if any(Verdict::Granted) {
        Verdict::Granted
    } else if any(Verdict::Error) {
        Verdict::Error
    } else if any(Verdict::Restricted) {
        Verdict::Restricted
    } else if any(Verdict::Denied) {
        Verdict::Denied
    } else if any(Verdict::BlockedByRole) && !any(Verdict::Unverifiable) {
        Verdict::BlockedByRole
    } else {
        Verdict::Unverifiable
    }
}

fn base_label(report: &CheckReport, intent: &TokenIntent, id: &str) -> String {
    let label = intent
        .bases
        .iter()
        .find(|b| b.id == id)
        .and_then(|b| b.label.clone())
        .or_else(|| {
            report
                .bases
                .iter()
                .find(|b| b.id == id)
                .and_then(|b| b.name.clone())
        });
    match label {
        Some(l) => format!("“{l}” ({id})"),
        None => id.to_owned(),
    }
}

fn drift(report: &CheckReport, intent: &TokenIntent) -> Drift {
    let mut d = Drift::default();
    let user = report
        .user
        .as_ref()
        .map(|u| u.email.clone().unwrap_or_else(|| u.id.clone()))
        .unwrap_or_else(|| "the token's user".into());
    let find = |d: &mut Drift,
                kind,
                scope: Option<&str>,
                base: Option<&str>,
                cause,
                explanation: String,
                fix: String| {
        d.findings.push(Finding {
            kind,
            scope: scope.map(str::to_owned),
            base: base.map(str::to_owned),
            cause,
            explanation,
            fix,
        });
    };
    if report.light {
        d.unknown
            .push("scopes on each base: a light check asks only for identity and bases".into());
    }
    for scope in &intent.scopes {
        let verdict = report
            .scopes
            .get(scope)
            .copied()
            .unwrap_or(Verdict::NotChecked);
        let needed_for = base_scope(scope).map_or("", |s| s.needed_for);
        match verdict {
            Verdict::Denied => {
                d.missing_scopes.push(scope.clone());
                find(
                    &mut d,
                    FindingKind::MissingScope,
                    Some(scope),
                    None,
                    Cause::Scope,
                    format!(
                        "The token lacks {scope}{}.",
                        if needed_for.is_empty() {
                            String::new()
                        } else {
                            format!(": {needed_for} will fail")
                        }
                    ),
                    format!(
                        "In Airtable ({TOKENS_PAGE}), edit the token and add the scope {scope}."
                    ),
                );
                continue;
            }
            Verdict::BlockedByRole => {
                d.missing_scopes.push(scope.clone());
                find(
                    &mut d,
                    FindingKind::MissingScope,
                    Some(scope),
                    None,
                    Cause::Role,
                    format!("{user}'s role is too low for {scope} on every base it reaches."),
                    format!(
                        "Ask a base owner to raise {user}'s role, or use a token of a user who has it."
                    ),
                );
                continue;
            }
            Verdict::Granted | Verdict::Restricted => {}
            Verdict::Error => {
                // A failure on one base hides nothing found on the others.
                d.unknown
                    .push(format!("{scope}: {}", unknown_why(Verdict::Error)));
            }
            Verdict::NotChecked if report.light => continue,
            other => {
                d.unknown.push(format!("{scope}: {}", unknown_why(other)));
                continue;
            }
        }
        // Granted, restricted or failed somewhere; an intended base may still refuse it.
        let Some(least) = base_scope(scope).map(|s| s.least_role) else {
            continue;
        };
        let mut restricted_here = false;
        for base in report.bases.iter().filter(|b| b.intended && b.reachable) {
            let label = base_label(report, intent, &base.id);
            match base.scopes.get(scope) {
                Some(Verdict::Restricted) => {
                    restricted_here = true;
                    if !d.missing_scopes.contains(scope) {
                        d.missing_scopes.push(scope.clone());
                    }
                    restricted(&mut d, report, intent, scope, base, &user);
                }
                Some(Verdict::BlockedByRole) | Some(Verdict::Denied)
                    if verdict == Verdict::Granted =>
                {
                    if !d.missing_scopes.contains(scope) {
                        d.missing_scopes.push(scope.clone());
                    }
                    let role = base
                        .permission_level
                        .map_or("unknown", PermissionLevel::name);
                    find(
                        &mut d,
                        FindingKind::MissingScope,
                        Some(scope),
                        Some(&base.id),
                        Cause::Role,
                        format!(
                            "{scope} is refused on {label}: {user}'s role there is {role}, it needs {}.",
                            least.name()
                        ),
                        format!(
                            "In {label}, give {user} the {} role (Share → collaborators), or use another user's token.",
                            least.name()
                        ),
                    );
                }
                _ => {}
            }
        }
        if verdict == Verdict::Restricted && !restricted_here {
            d.unknown.push(format!(
                "{scope}: only a table or field restriction on a base it is not meant for answered, so whether it works where it is meant to is not known"
            ));
        }
    }
    for (scope, verdict) in &report.scopes {
        if *verdict == Verdict::Granted && !intent.scopes.contains(scope) {
            d.excess_scopes.push(scope.clone());
            find(
                &mut d,
                FindingKind::ExcessScope,
                Some(scope),
                None,
                Cause::Scope,
                match base_scope(scope).and_then(|s| s.risk) {
                    Some(risk) => {
                        format!("The token has {scope}, which it is not meant to have: {risk}.")
                    }
                    None => format!("The token has {scope}, which it is not meant to have."),
                },
                format!(
                    "In Airtable ({TOKENS_PAGE}), remove {scope} from the token, or add it to the intent here if it is needed."
                ),
            );
        }
    }
    for (scope, verdict) in &report.scopes {
        if *verdict == Verdict::Restricted && !intent.scopes.contains(scope) {
            d.unknown.push(format!(
                "{scope}: a table or field restriction refused it, so whether the token has the scope is not known"
            ));
        }
    }
    for base in report.bases.iter().filter(|b| b.not_found.is_some()) {
        let label = base_label(report, intent, &base.id);
        let table = intent
            .bases
            .iter()
            .find(|b| b.id == base.id)
            .and_then(|b| b.table.as_deref());
        let (explanation, fix) = match (base.not_found, table) {
            (Some(NotFound::Table), Some(table)) => (
                format!(
                    "The table “{table}” that the intent names in {label} was not found: it was renamed or deleted."
                ),
                format!(
                    "Update the token's intent here: name a table that exists in {label} (its id, tbl…, survives renames), or none."
                ),
            ),
            _ => (
                format!("{label}, named in the intent, was not found: it was renamed or deleted."),
                format!(
                    "Update the token's intent here: remove {label}, or give the base's new id (app…, from its URL)."
                ),
            ),
        };
        find(
            &mut d,
            FindingKind::NotFound,
            None,
            Some(&base.id),
            Cause::Intent,
            explanation,
            fix,
        );
    }
    let lists_none = report.can_list_bases == Some(true)
        && !report
            .bases
            .iter()
            .any(|b| b.permission_level.is_some() || b.reachable);
    if lists_none {
        d.unknown
            .push(format!("why the token lists no base: {NO_BASE_LISTED}"));
    }
    for base in report
        .bases
        .iter()
        .filter(|b| b.intended && !b.reachable && b.not_found != Some(NotFound::Base))
    {
        let label = base_label(report, intent, &base.id);
        d.missing_bases.push(base.id.clone());
        let (cause, explanation, fix) = match base.permission_level {
            Some(PermissionLevel::None) => (
                Cause::Role,
                format!("{user} no longer has access to {label}."),
                format!("Ask a base owner to invite {user} to {label} again."),
            ),
            Some(_) => (
                Cause::BaseGrant,
                format!("{label} is listed but nothing worked on it."),
                format!("Check the token's access to {label} in Airtable."),
            ),
            None if lists_none => (
                Cause::BaseGrant,
                format!("The token reaches no base at all, so not {label}: {NO_BASE_LISTED}."),
                format!(
                    "In Airtable ({TOKENS_PAGE}), add {label} to the token's access; if it is there already, ask your enterprise admin about “Block API access to organization-owned apps & workspaces”."
                ),
            ),
            None if report.can_list_bases == Some(true) => (
                Cause::BaseGrant,
                format!(
                    "The token cannot reach {label}: it is not granted to the token, or it no longer exists."
                ),
                format!("In Airtable ({TOKENS_PAGE}), add {label} to the token's access."),
            ),
            None => (
                Cause::BaseGrant,
                format!(
                    "Nothing worked on {label}: the base is not granted to the token, or no scope it has applies there."
                ),
                format!(
                    "In Airtable ({TOKENS_PAGE}), check that {label} is in the token's access."
                ),
            ),
        };
        find(
            &mut d,
            FindingKind::MissingBase,
            None,
            Some(&base.id),
            cause,
            explanation,
            fix,
        );
    }
    match report.can_list_bases {
        Some(true) => {
            let mut excess = Vec::new();
            for base in report.bases.iter().filter(|b| !b.intended && b.reachable) {
                let label = base_label(report, intent, &base.id);
                let role = base
                    .permission_level
                    .map_or("unknown", PermissionLevel::name);
                excess.push(base.id.clone());
                find(
                    &mut d,
                    FindingKind::ExcessBase,
                    None,
                    Some(&base.id),
                    Cause::BaseGrant,
                    format!("The token reaches {label} ({role}), which it is not meant to."),
                    format!(
                        "In Airtable ({TOKENS_PAGE}), remove {label} from the token's access, or add it to the intent here."
                    ),
                );
            }
            d.excess_bases = Some(excess);
        }
        _ => {
            d.excess_bases = None;
            d.unknown.push(
                "other bases: the token cannot list bases, so bases it reaches beyond its intent cannot be known".into(),
            );
        }
    }
    d
}

/// The two reasons a token that may list bases lists none (`airtable-api.md`, "Other
/// real answers worth knowing").
const NO_BASE_LISTED: &str = "either no base is granted to the token, or an enterprise admin turned on “Block API access to organization-owned apps & workspaces”";

/// A finding for a scope that a table's or field's permissions refused on `base`.
fn restricted(
    d: &mut Drift,
    report: &CheckReport,
    intent: &TokenIntent,
    scope: &str,
    base: &BaseReach,
    user: &str,
) {
    let label = base_label(report, intent, &base.id);
    let said = base
        .reasons
        .get(scope)
        .map_or(String::new(), |m| format!(" (Airtable: “{m}”)"));
    d.findings.push(Finding {
        kind: FindingKind::MissingScope,
        scope: Some(scope.to_owned()),
        base: Some(base.id.clone()),
        cause: Cause::TablePermissions,
        explanation: format!(
            "{scope} is refused on {label} by a table or field restriction, not by the token or the role{said}."
        ),
        fix: format!(
            "In {label}, open the table's or field's permissions (the table's menu → Edit table permissions, or the field's permissions) and allow {user} to edit there; or name another table in the intent."
        ),
    });
}

fn unknown_why(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Unverifiable => {
            "cannot be verified without changing data, or there was nothing to try it on"
        }
        Verdict::Error => "a request failed, see the errors",
        _ => "not checked",
    }
}

/// Every request that failed for a reason other than permission, in words.
fn problems(report: &CheckReport) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for base in &report.bases {
        for s in BASE_SCOPES {
            if base.scopes.get(s.scope) == Some(&Verdict::Error) {
                let why = base.reasons.get(s.scope).cloned().unwrap_or_default();
                let line = format!("{} on {}: {why}", s.scope, base.id);
                if !out.contains(&line) {
                    out.push(line);
                }
            }
        }
    }
    out
}
