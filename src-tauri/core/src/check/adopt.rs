//! Reach made intent: the intent a token would have if it were meant to do exactly what
//! its check found it can. Scopes that work are added; scopes refused are dropped; a
//! scope no request could prove either way is kept as the user wrote it. Bases follow
//! the bases the token reaches, named as Airtable names them, unless the token may not
//! list bases (then its bases stay as they were).

use crate::error::{ErrorKind, UserError};
use crate::model::CheckStatus;
use crate::model::record::{BaseIntent, TokenIntent};
use crate::model::report::{CheckReport, Finding, FindingKind, NotFound};
use crate::model::verdict::Verdict;

/// The check says too little to make an intent of.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdoptError {
    #[error("the check did not reach Airtable ({0}): check the token again first")]
    Unchecked(String),
    #[error("the check was light, so it proved no base's scopes: run a full check first")]
    Light,
    #[error("the token has not been checked yet: check it first (`patvault check NAME`)")]
    NeverChecked,
}

impl UserError for AdoptError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::NeedsCheck
    }
}

pub fn adopt_reach(intent: &TokenIntent, report: &CheckReport) -> Result<TokenIntent, AdoptError> {
    if matches!(report.status, CheckStatus::Invalid) || report.user.is_none() {
        return Err(AdoptError::Unchecked(
            report.error.clone().unwrap_or_else(|| "no answer".into()),
        ));
    }
    if report.light {
        return Err(AdoptError::Light);
    }
    let verdict = |scope: &str| report.scopes.get(scope).copied();
    let mut scopes: Vec<String> = intent
        .scopes
        .iter()
        .filter(|s| !matches!(verdict(s), Some(Verdict::Denied | Verdict::BlockedByRole)))
        .cloned()
        .collect();
    for (scope, v) in &report.scopes {
        if *v == Verdict::Granted && !scopes.contains(scope) {
            scopes.push(scope.clone());
        }
    }
    let bases = if report.can_list_bases == Some(true) {
        report
            .bases
            .iter()
            .filter(|b| b.reachable)
            .map(|b| {
                let before = intent.bases.iter().find(|i| i.id == b.id);
                BaseIntent {
                    id: b.id.clone(),
                    label: before
                        .and_then(|i| i.label.clone())
                        .or_else(|| b.name.clone()),
                    table: before.and_then(|i| i.table.clone()),
                }
            })
            .collect()
    } else {
        intent.bases.clone()
    };
    Ok(TokenIntent {
        scopes,
        bases,
        ..intent.clone()
    })
}

/// `intent` changed so that `finding` (one of `report`'s) is no longer drift: an excess
/// scope or base joins the intent, a missing one leaves it, a base or table Airtable no
/// longer has is forgotten.
pub fn adopt_finding(intent: &TokenIntent, report: &CheckReport, finding: &Finding) -> TokenIntent {
    let mut intent = intent.clone();
    let scope = finding.scope.as_deref();
    let base = finding.base.as_deref();
    match (finding.kind, scope, base) {
        (FindingKind::ExcessScope, Some(scope), _) if !intent.scopes.iter().any(|s| s == scope) => {
            intent.scopes.push(scope.to_owned());
        }
        (FindingKind::MissingScope, Some(scope), _) => intent.scopes.retain(|s| s != scope),
        (FindingKind::ExcessBase, _, Some(base)) if !intent.bases.iter().any(|b| b.id == base) => {
            intent.bases.push(BaseIntent {
                id: base.to_owned(),
                label: report
                    .bases
                    .iter()
                    .find(|b| b.id == base)
                    .and_then(|b| b.name.clone()),
                table: None,
            });
        }
        (FindingKind::NotFound, _, Some(base))
            if report
                .bases
                .iter()
                .any(|b| b.id == base && b.not_found == Some(NotFound::Table)) =>
        {
            for b in intent.bases.iter_mut().filter(|b| b.id == base) {
                b.table = None;
            }
        }
        (FindingKind::MissingBase | FindingKind::NotFound, _, Some(base)) => {
            intent.bases.retain(|b| b.id != base);
        }
        _ => {}
    }
    intent
}

/// `report` judged against `intent` instead of the intent it was made for: which bases
/// are intended, the drift and the status. What Airtable answered is unchanged.
pub fn judged_against(report: &CheckReport, intent: &TokenIntent) -> CheckReport {
    let mut report = report.clone();
    for base in &mut report.bases {
        base.intended = intent.bases.iter().any(|b| b.id == base.id);
    }
    super::drift::conclude(&mut report, intent);
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::report::{BaseReach, CheckUser};

    fn report(scopes: &[(&str, Verdict)], bases: &[(&str, &str, bool)]) -> CheckReport {
        CheckReport {
            status: CheckStatus::Drift,
            user: Some(CheckUser {
                id: "usrAlice".into(),
                email: None,
            }),
            can_list_bases: Some(true),
            scopes: scopes.iter().map(|(s, v)| ((*s).to_owned(), *v)).collect(),
            bases: bases
                .iter()
                .map(|(id, name, reachable)| BaseReach {
                    reachable: *reachable,
                    ..BaseReach::new(id, Some((*name).into()), None, false)
                })
                .collect(),
            requests: 9,
            ..CheckReport::started(false)
        }
    }

    fn intent(scopes: &[&str], bases: &[(&str, Option<&str>)]) -> TokenIntent {
        TokenIntent {
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            bases: bases
                .iter()
                .map(|(id, label)| BaseIntent {
                    id: (*id).into(),
                    label: label.map(str::to_owned),
                    table: None,
                })
                .collect(),
            ..TokenIntent::named("t", chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap())
        }
    }

    #[test]
    fn what_works_is_added_what_is_refused_dropped_and_the_unknown_kept() {
        let before = intent(
            &[
                "data.records:read",
                "data.records:write",
                "data.recordComments:write",
            ],
            &[("appCRM", Some("my CRM")), ("appGone", None)],
        );
        let checked = report(
            &[
                ("data.records:read", Verdict::Granted),
                ("data.records:write", Verdict::Denied),
                ("data.recordComments:write", Verdict::Unverifiable),
                ("schema.bases:read", Verdict::Granted),
                ("webhook:manage", Verdict::Denied),
            ],
            &[
                ("appCRM", "CRM", true),
                ("appOps", "Ops", true),
                ("appNo", "No", false),
            ],
        );
        let after = adopt_reach(&before, &checked).unwrap();
        assert_eq!(
            after.scopes,
            [
                "data.records:read",
                "data.recordComments:write",
                "schema.bases:read"
            ]
        );
        let bases: Vec<(&str, Option<&str>)> = after
            .bases
            .iter()
            .map(|b| (b.id.as_str(), b.label.as_deref()))
            .collect();
        assert_eq!(bases, [("appCRM", Some("my CRM")), ("appOps", Some("Ops"))]);
        assert_eq!(after.name, before.name);
    }

    #[test]
    fn one_finding_at_a_time() {
        let before = intent(
            &["data.records:write"],
            &[("appGone", None), ("appT", None)],
        );
        let mut checked = report(&[], &[("appOps", "Ops", true)]);
        checked.bases.push(BaseReach {
            not_found: Some(NotFound::Table),
            ..checked.bases[0].clone()
        });
        checked.bases[1].id = "appT".into();
        let finding = |kind, scope: Option<&str>, base: Option<&str>| Finding {
            kind,
            scope: scope.map(str::to_owned),
            base: base.map(str::to_owned),
            cause: crate::model::report::Cause::Scope,
            explanation: String::new(),
            fix: String::new(),
        };
        let added = adopt_finding(
            &before,
            &checked,
            &finding(FindingKind::ExcessScope, Some("schema.bases:read"), None),
        );
        assert_eq!(added.scopes, ["data.records:write", "schema.bases:read"]);
        let dropped = adopt_finding(
            &before,
            &checked,
            &finding(FindingKind::MissingScope, Some("data.records:write"), None),
        );
        assert!(dropped.scopes.is_empty());
        let base = adopt_finding(
            &before,
            &checked,
            &finding(FindingKind::ExcessBase, None, Some("appOps")),
        );
        assert_eq!(
            (base.bases[2].id.as_str(), base.bases[2].label.as_deref()),
            ("appOps", Some("Ops"))
        );
        let gone = adopt_finding(
            &before,
            &checked,
            &finding(FindingKind::NotFound, None, Some("appGone")),
        );
        assert_eq!(gone.bases.len(), 1);
        let mut with_table = before.clone();
        with_table.bases[1].table = Some("Old".into());
        let table = adopt_finding(
            &with_table,
            &checked,
            &finding(FindingKind::NotFound, None, Some("appT")),
        );
        assert_eq!((table.bases.len(), table.bases[1].table.clone()), (2, None));
    }

    #[test]
    fn a_token_that_may_not_list_bases_keeps_its_bases_and_a_failed_check_changes_nothing() {
        let before = intent(&[], &[("appCRM", None)]);
        let mut checked = report(&[("data.records:read", Verdict::Granted)], &[]);
        checked.can_list_bases = Some(false);
        assert_eq!(adopt_reach(&before, &checked).unwrap().bases, before.bases);
        checked.user = None;
        checked.error = Some("network down".into());
        assert!(matches!(
            adopt_reach(&before, &checked),
            Err(AdoptError::Unchecked(_))
        ));
        let mut light = report(&[], &[]);
        light.light = true;
        assert_eq!(adopt_reach(&before, &light), Err(AdoptError::Light));
    }
}
