//! The drift of one checked token against its intent, step by step: each intended scope
//! (missing, blocked on some bases, or unknown), excess scopes, names the intent has
//! wrong, bases missing and bases in excess.

use crate::check::catalog::base_scope;
use crate::model::record::TokenIntent;
use crate::model::report::{BaseReach, Cause, CheckReport, Drift, Finding, FindingKind, NotFound};
use crate::model::verdict::{PermissionLevel, Verdict};
use crate::scopes::TOKENS_PAGE;

/// What the drift is worked out from, and the drift as it grows.
struct Judge<'a> {
    report: &'a CheckReport,
    intent: &'a TokenIntent,
    /// The token's user as findings name it.
    user: String,
    drift: Drift,
}

pub(super) fn drift(report: &CheckReport, intent: &TokenIntent) -> Drift {
    let mut j = Judge {
        report,
        intent,
        user: report
            .user
            .as_ref()
            .map(|u| u.email.clone().unwrap_or_else(|| u.id.clone()))
            .unwrap_or_else(|| "the token's user".into()),
        drift: Drift::default(),
    };
    if report.light {
        j.unknown("scopes on each base: a light check asks only for identity and bases".into());
    }
    for scope in &intent.scopes {
        j.intended_scope(scope);
    }
    j.excess_scopes();
    j.not_found();
    j.missing_bases();
    j.excess_bases();
    j.drift
}

impl Judge<'_> {
    fn label(&self, id: &str) -> String {
        base_label(self.report, self.intent, id)
    }

    fn unknown(&mut self, what: String) {
        self.drift.unknown.push(what);
    }

    fn find(
        &mut self,
        kind: FindingKind,
        scope: Option<&str>,
        base: Option<&str>,
        cause: Cause,
        explanation: String,
        fix: String,
    ) {
        self.drift.findings.push(Finding {
            kind,
            scope: scope.map(str::to_owned),
            base: base.map(str::to_owned),
            cause,
            explanation,
            fix,
        });
    }

    fn missing(&mut self, scope: &str) {
        if !self.drift.missing_scopes.iter().any(|s| s == scope) {
            self.drift.missing_scopes.push(scope.to_owned());
        }
    }

    /// The intended bases the token reaches.
    fn intended_reached(&self) -> impl Iterator<Item = &BaseReach> + use<'_> {
        self.report
            .bases
            .iter()
            .filter(|b| b.intended && b.reachable)
    }

    /// One intended scope against the token's verdict on it: missing only when the token
    /// does not hold it; refused on intended bases by the role, a restriction or (though
    /// held) Airtable, it is blocked there, never missing; otherwise what could not be
    /// known is said.
    fn intended_scope(&mut self, scope: &str) {
        let verdict = self
            .report
            .scopes
            .get(scope)
            .copied()
            .unwrap_or(Verdict::NotChecked);
        match verdict {
            Verdict::Denied => {
                self.missing(scope);
                let needed_for = base_scope(scope).map_or("", |s| s.needed_for);
                self.find(
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
            }
            Verdict::NotChecked if self.report.light => {}
            _ => {
                let blocked = self.blocked_where_intended(scope, verdict);
                if let Some(why) = self.not_known(scope, verdict, blocked) {
                    self.unknown(format!("{scope}: {why}"));
                }
            }
        }
    }

    /// Why an intended scope the token was not shown to lack is not known to work, if
    /// it is not.
    fn not_known(&self, scope: &str, verdict: Verdict, blocked: bool) -> Option<String> {
        match verdict {
            Verdict::Granted => None,
            // A failure on one base hides nothing found on the others.
            Verdict::Error => Some(unknown_why(Verdict::Error).to_owned()),
            _ if blocked => None,
            Verdict::Restricted => Some(
                "only a table or field restriction on a base it is not meant for answered, so whether it works where it is meant to is not known".to_owned(),
            ),
            Verdict::BlockedByRole => Some(
                "the user's role forbids it on every base the token reaches, none of them meant for it, so whether the token holds it is not known".to_owned(),
            ),
            other => Some(
                self.doubt_on_intended(scope)
                    .unwrap_or_else(|| unknown_why(other).to_owned()),
            ),
        }
    }

    /// The reason an intended base gave for a scope it could not verify because the
    /// intent's table may be gone.
    fn doubt_on_intended(&self, scope: &str) -> Option<String> {
        self.report
            .bases
            .iter()
            .filter(|b| b.intended && b.table_in_doubt)
            .find_map(|b| {
                let why = b.reasons.get(scope)?;
                Some(format!("on {}, {why}", self.label(&b.id)))
            })
    }

    /// Intended bases that refuse a scope the token was not shown to lack: by the role,
    /// a restriction, or (the scope held elsewhere) Airtable without saying why. Returns
    /// whether there was one.
    fn blocked_where_intended(&mut self, scope: &str, verdict: Verdict) -> bool {
        let least = base_scope(scope).map_or(PermissionLevel::Read, |s| s.least_role);
        let user = self.user.clone();
        let bases: Vec<BaseReach> = self.intended_reached().cloned().collect();
        let mut blocked = false;
        for base in &bases {
            let label = self.label(&base.id);
            let (cause, explanation, fix) = match base.scopes.get(scope) {
                Some(Verdict::Restricted) => {
                    let (explanation, fix) = restricted_words(scope, base, &label, &user);
                    (Cause::TablePermissions, explanation, fix)
                }
                Some(Verdict::BlockedByRole) => {
                    let role = base
                        .permission_level
                        .map_or("unknown", PermissionLevel::describe);
                    (
                        Cause::Role,
                        format!(
                            "{scope} is refused on {label}: {user}'s role there is {role}, it needs {}.",
                            least.name()
                        ),
                        format!(
                            "In {label}, give {user} the {} role (Share → collaborators), or use another user's token.",
                            least.name()
                        ),
                    )
                }
                Some(Verdict::Denied) if verdict == Verdict::Granted => {
                    let said = base
                        .reasons
                        .get(scope)
                        .map_or(String::new(), |m| format!(" ({m})"));
                    (
                        Cause::BaseGrant,
                        format!(
                            "The token holds {scope} (it worked on another base), yet Airtable refused it on {label}{said}."
                        ),
                        format!(
                            "In Airtable ({TOKENS_PAGE}), check the token's access to {label} and {user}'s role there."
                        ),
                    )
                }
                Some(Verdict::Unverifiable) if base.table_in_doubt => {
                    if let Some(why) = base.reasons.get(scope) {
                        self.unknown(format!("{scope} on {label}: {why}"));
                    }
                    continue;
                }
                _ => continue,
            };
            blocked = true;
            self.drift
                .blocked_on_bases
                .entry(scope.to_owned())
                .or_default()
                .push(base.id.clone());
            self.find(
                FindingKind::BlockedOnBase,
                Some(scope),
                Some(&base.id),
                cause,
                explanation,
                fix,
            );
        }
        blocked
    }

    fn excess_scopes(&mut self) {
        let report = self.report;
        for (scope, verdict) in &report.scopes {
            if self.intent.scopes.contains(scope) {
                continue;
            }
            match verdict {
                Verdict::Granted => {
                    self.drift.excess_scopes.push(scope.clone());
                    self.find(
                        FindingKind::ExcessScope,
                        Some(scope),
                        None,
                        Cause::Scope,
                        match base_scope(scope).and_then(|s| s.risk) {
                            Some(risk) => format!(
                                "The token has {scope}, which it is not meant to have: {risk}."
                            ),
                            None => {
                                format!("The token has {scope}, which it is not meant to have.")
                            }
                        },
                        format!(
                            "In Airtable ({TOKENS_PAGE}), remove {scope} from the token, or add it to the intent here if it is needed."
                        ),
                    );
                }
                Verdict::Restricted => self.unknown(format!(
                    "{scope}: a table or field restriction refused it, so whether the token has the scope is not known"
                )),
                _ => {}
            }
        }
    }

    /// Bases and tables the intent names that Airtable does not have.
    fn not_found(&mut self) {
        let report = self.report;
        for base in report.bases.iter().filter(|b| b.not_found.is_some()) {
            let label = self.label(&base.id);
            let table = self
                .intent
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
                    format!(
                        "{label}, named in the intent, was not found: it was renamed or deleted."
                    ),
                    format!(
                        "Update the token's intent here: remove {label}, or give the base's new id (app…, from its URL)."
                    ),
                ),
            };
            self.find(
                FindingKind::NotFound,
                None,
                Some(&base.id),
                Cause::Intent,
                explanation,
                fix,
            );
        }
    }

    /// Intended bases the token does not reach. Every listed base is reached, so these
    /// are the unlisted ones, or (without the list) those where nothing worked.
    fn missing_bases(&mut self) {
        let report = self.report;
        let lists_none =
            report.can_list_bases == Some(true) && !report.bases.iter().any(|b| b.reachable);
        if lists_none {
            self.unknown(format!("why the token lists no base: {NO_BASE_LISTED}"));
        }
        let user = self.user.clone();
        for base in report
            .bases
            .iter()
            .filter(|b| b.intended && !b.reachable && b.not_found != Some(NotFound::Base))
        {
            let label = self.label(&base.id);
            // A scope the token holds that the read role allows, refused here on a route
            // that names no table: the base itself is out of reach, whatever the table.
            let refuses_held = base.scopes.iter().any(|(scope, v)| {
                matches!(v, Verdict::Denied | Verdict::Unverifiable)
                    && report.scopes.get(scope) == Some(&Verdict::Granted)
                    && base_scope(scope).is_some_and(|s| {
                        s.least_role == PermissionLevel::Read && !s.probe.needs_table()
                    })
            });
            if base.table_in_doubt && !refuses_held {
                // Nothing worked, but a missing table explains that as well as a base the
                // token does not reach.
                self.unknown(format!(
                    "whether the token reaches {label}: the table the intent names there may not exist, and Airtable answers that as it answers a base the token does not reach"
                ));
                continue;
            }
            self.drift.missing_bases.push(base.id.clone());
            let (explanation, fix) = if lists_none {
                (
                    format!("The token reaches no base at all, so not {label}: {NO_BASE_LISTED}."),
                    format!(
                        "In Airtable ({TOKENS_PAGE}), add {label} to the token's access; if it is there already, ask your enterprise admin about “Block API access to organization-owned apps & workspaces”."
                    ),
                )
            } else if report.can_list_bases == Some(true) {
                (
                    format!(
                        "The token cannot reach {label}: it is not granted to the token, {user} is no longer a collaborator there, or it no longer exists."
                    ),
                    format!(
                        "In Airtable ({TOKENS_PAGE}), add {label} to the token's access, or ask a base owner to invite {user} again."
                    ),
                )
            } else {
                (
                    format!(
                        "Nothing worked on {label}: the base is not granted to the token, or no scope it has applies there."
                    ),
                    format!(
                        "In Airtable ({TOKENS_PAGE}), check that {label} is in the token's access."
                    ),
                )
            };
            self.find(
                FindingKind::MissingBase,
                None,
                Some(&base.id),
                Cause::BaseGrant,
                explanation,
                fix,
            );
        }
    }

    fn excess_bases(&mut self) {
        let report = self.report;
        if report.can_list_bases != Some(true) {
            self.drift.excess_bases = None;
            self.unknown(
                "other bases: the token cannot list bases, so bases it reaches beyond its intent cannot be known".into(),
            );
            return;
        }
        let mut excess = Vec::new();
        for base in report.bases.iter().filter(|b| !b.intended && b.reachable) {
            let label = self.label(&base.id);
            let role = base
                .permission_level
                .map_or("unknown", PermissionLevel::describe);
            excess.push(base.id.clone());
            self.find(
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
        self.drift.excess_bases = Some(excess);
    }
}

/// The two reasons a token that may list bases lists none (`airtable-api.md`, "Other
/// real answers worth knowing").
const NO_BASE_LISTED: &str = "either no base is granted to the token, or an enterprise admin turned on “Block API access to organization-owned apps & workspaces”";

/// The explanation and fix for a scope a table's or field's permissions refused on `base`.
fn restricted_words(scope: &str, base: &BaseReach, label: &str, user: &str) -> (String, String) {
    let said = base
        .reasons
        .get(scope)
        .map_or(String::new(), |m| format!(" (Airtable: “{m}”)"));
    (
        format!(
            "{scope} is refused on {label} by a table or field restriction, not by the token or the role{said}."
        ),
        format!(
            "In {label}, open the table's or field's permissions (the table's menu → Edit table permissions, or the field's permissions) and allow {user} to edit there; or name another table in the intent."
        ),
    )
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

/// A base as findings name it: the intent's label, else Airtable's name, with its id.
pub(super) fn base_label(report: &CheckReport, intent: &TokenIntent, id: &str) -> String {
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
