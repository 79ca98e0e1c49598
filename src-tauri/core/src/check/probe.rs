//! Checking one token: who it is, which bases it lists, then on each base at most one
//! read-only or body-less request per scope (see `base` and `scope`), never one whose
//! answer is already known. Nothing here can change data, and no more than a record or
//! two is ever read.

use futures_util::future::join_all;

use serde::{Deserialize, Serialize};

use super::base::probe_base;
use super::catalog::{BASE_SCOPES, BaseScope};
use super::drift::conclude;
use super::site::Denials;
use super::targets::{Target, targets};
use super::witness;
use crate::airtable::ApiError;
use crate::airtable::client::Caller;
use crate::model::record::TokenIntent;
use crate::model::report::{BaseReach, CheckReport, CheckStatus, CheckUser};
use crate::model::verdict::Verdict;

/// How far a check goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Depth {
    /// Who the token is and which bases it lists.
    Light,
    /// The intended scopes on the intended bases, every scope on one of them, and each
    /// scope still open proved or refuted once for the token (see `witness`); every
    /// other verdict comes from what was proven and the user's role on that base
    /// (`implied`, `blocked_by_role`).
    Full,
    /// Every base it reaches or is meant to, asked about each scope.
    Deep,
    /// Every scope on each intended base and nothing elsewhere: the add form's check of
    /// the bases the user chose, which spends nothing on the others.
    Intended,
}

/// Checks one token as deep as `depth` says; unless light, it also probes the bases named
/// in `also` in full.
pub async fn check_token(
    caller: &Caller<'_>,
    intent: &TokenIntent,
    depth: Depth,
    also: &[String],
) -> CheckReport {
    let light = depth == Depth::Light;
    let mut report = CheckReport::started(light);
    // A token whose user its last check named worked then: its bases are asked beside
    // whoami, one round trip sooner, on that user's budget. Any other waits for whoami:
    // a revoked or mistyped token then costs one request, and an unknown token's second
    // request does not hold every user to one shared budget (see the pacer).
    let (who, listed) = if caller.knows_user() {
        let (who, listed) = tokio::join!(caller.whoami(), caller.list_bases());
        (who, Some(listed))
    } else {
        (caller.whoami().await, None)
    };
    let who = match who {
        Ok(who) => who,
        Err(e) => {
            report.status = match e {
                ApiError::Unauthorized => CheckStatus::Invalid,
                _ => CheckStatus::Error,
            };
            report.error = Some(e.to_string());
            report.requests = caller.sent();
            return report;
        }
    };
    let verdict = |yes: bool| {
        if yes {
            Verdict::Granted
        } else {
            Verdict::Denied
        }
    };
    report
        .scopes
        .insert("user.email:read".into(), verdict(who.email.is_some()));
    report.user = Some(CheckUser {
        id: who.id,
        email: who.email,
    });
    let listed = match listed {
        Some(listed) => listed,
        None => caller.list_bases().await,
    };
    let listed = match listed {
        Ok(listed) => Some(listed),
        Err(ApiError::NoPermission | ApiError::NotAuthorized) => None,
        Err(e) => {
            report.status = CheckStatus::Error;
            report.error = Some(format!("listing its bases failed: {e}"));
            report.requests = caller.sent();
            return report;
        }
    };
    report.can_list_bases = Some(listed.is_some());
    report
        .scopes
        .insert("schema.bases:read".into(), verdict(listed.is_some()));
    let targets = targets(listed, &intent.bases, if light { &[] } else { also });
    let order: Vec<String> = targets.iter().map(|t| t.reach.id.clone()).collect();
    report.bases = if light {
        targets.into_iter().map(Target::unprobed).collect()
    } else {
        let denials = Denials::default();
        let (probed, left): (Vec<Target>, Vec<Target>) = targets
            .into_iter()
            .partition(|t| depth == Depth::Deep || t.named);
        let every: Vec<&'static BaseScope> = BASE_SCOPES.iter().collect();
        let meant: Vec<&'static BaseScope> = BASE_SCOPES
            .iter()
            .filter(|s| intent.scopes.iter().any(|i| i == s.scope))
            .collect();
        // A full check asks each intended base the intended scopes; the one where the
        // most can be proven is asked every scope, beside them, which proves most of the
        // others at once, on a base the token is meant for. A base the user named is
        // asked everything: that is why it was named. A token that cannot list bases
        // shows its reach and roles only to probes: each base is asked everything.
        let listing = report.can_list_bases == Some(true);
        let lead = (depth == Depth::Full)
            .then(|| witness::lead(probed.iter().filter(|t| t.reach.intended)))
            .flatten();
        let mut bases = join_all(probed.into_iter().map(|t| {
            let in_full = depth != Depth::Full
                || !listing
                || also.contains(&t.reach.id)
                || lead.as_deref() == Some(t.reach.id.as_str());
            let wanted = if in_full { &every } else { &meant };
            probe_base(caller, t, &denials, wanted)
        }))
        .await;
        if depth == Depth::Full {
            bases = witness::prove_the_rest(caller, bases, left, &denials, listing).await;
        } else {
            bases.extend(left.into_iter().map(Target::unprobed));
        }
        settle_doubts(&mut bases, &denials);
        // In Airtable's order again: the estimate breaks ties between witnesses by it.
        let position: std::collections::HashMap<&str, usize> = order
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), i))
            .collect();
        bases.sort_by_key(|b| position.get(b.id.as_str()).copied());
        bases
    };
    for base in &mut report.bases {
        base.requests = caller.sent_to(&base.id);
    }
    report.requests = caller.sent();
    conclude(&mut report, intent);
    report
}

/// A 403 on a table whose existence was in doubt, for a scope another base later showed
/// missing: the scope is the explanation that is known, so the verdict is a denial.
fn settle_doubts(bases: &mut [BaseReach], denials: &Denials) {
    for base in bases.iter_mut().filter(|b| b.table_in_doubt) {
        for (scope, verdict) in base.scopes.iter_mut() {
            let Some(shown_by) = denials.shown_by(scope) else {
                continue;
            };
            if *verdict == Verdict::Unverifiable {
                *verdict = Verdict::Denied;
                base.reasons.insert(
                    scope.clone(),
                    format!("the token lacks the scope: {shown_by}, where the user is a creator, refused it"),
                );
            }
        }
    }
}
