//! One scope on one base: the verdict known without asking, or the one request that
//! proves it, read as `airtable-api.md` says. Nothing here can change data: reads, and
//! writes without a body.

use reqwest::Method;

use super::catalog::{BaseScope, Probe};
use super::site::{Found, Site};
use crate::airtable::ApiError;
use crate::airtable::client::Request;
use crate::airtable::models::{CommentPage, RecordPage, Schema, ShareList, ViewList, WebhookList};
use crate::model::report::NotFound;
use crate::model::verdict::{PermissionLevel, Verdict};
use crate::scopes::TOKENS_PAGE;

/// One scope's verdict on one base, with the reason when there is one.
pub(super) struct Outcome {
    pub verdict: Verdict,
    pub why: Option<String>,
    /// The body of a successful read, for the requests that depend on it.
    pub body: Option<Vec<u8>>,
    pub not_found: Option<NotFound>,
    /// The monthly quota refused it, now or earlier in this check.
    pub quota: bool,
    /// A 403 on the intent's table, whose existence nothing confirmed.
    pub table_in_doubt: bool,
    /// A 403 where the user's role is not known (the token cannot list bases, or the
    /// role is `none` or new): the role may be the cause.
    pub role_in_doubt: bool,
}

impl Outcome {
    fn new(verdict: Verdict, why: impl Into<Option<String>>) -> Self {
        Outcome {
            verdict,
            why: why.into(),
            body: None,
            not_found: None,
            quota: false,
            table_in_doubt: false,
            role_in_doubt: false,
        }
    }

    fn quota() -> Self {
        Outcome {
            quota: true,
            ..Outcome::new(Verdict::Error, ApiError::QuotaExhausted.to_string())
        }
    }
}

const BASE_GONE: &str = "the base named in the intent was not found: it was renamed or deleted";

fn gone_why(table: &str) -> String {
    format!(
        "the table “{table}” named in the intent was not found in the base: it was renamed or deleted"
    )
}

/// Whether a probe goes to a data route, which a spent monthly quota closes (the
/// metadata routes under `/v0/meta` stay open).
fn is_data(probe: Probe) -> bool {
    matches!(
        probe,
        Probe::FirstRecord
            | Probe::FirstComment
            | Probe::CreateRecordsWithoutBody
            | Probe::Webhooks
    )
}

/// The scope's verdict on the site's base.
pub(super) async fn probe_scope(site: &Site<'_>, s: &BaseScope, found: &Found) -> Outcome {
    if let Some(known) = known_without_asking(site, s, found) {
        return known;
    }
    let Some(ask) = ask(site.base, s.probe, found, found.record.as_deref()) else {
        return nothing_to_try(site, s, found);
    };
    let Some(answer) = send(site, s, &ask).await else {
        return denied_elsewhere(site, s);
    };
    // A record deleted since it was read answers 404, or (a newer capture) 403: before a
    // 403 teaches that the token lacks the scope, the record is looked for again.
    let record_gone = match &answer {
        Err(ApiError::NotFound(_)) => true,
        Err(ApiError::NoPermission) => would_learn(site),
        _ => false,
    };
    if s.probe == Probe::FirstComment && record_gone {
        return comments_of_another_record(site, s, found, answer).await;
    }
    judge(site, s, found, answer)
}

/// Whether a refusal here proves the scope missing for the whole token: the base is
/// listed (so granted) and the user creates there, so only the scope can refuse.
fn would_learn(site: &Site<'_>) -> bool {
    site.listing && site.level == Some(PermissionLevel::Create)
}

/// A verdict that needs no request: the role, an earlier answer or the catalog gives it.
fn known_without_asking(site: &Site<'_>, s: &BaseScope, found: &Found) -> Option<Outcome> {
    if s.probe == Probe::Schema && !site.listing {
        return Some(Outcome::new(
            Verdict::Denied,
            "the token cannot list bases, which needs the same scope".to_owned(),
        ));
    }
    if s.probe == Probe::None {
        return Some(Outcome::new(
            Verdict::Unverifiable,
            "no request can prove it without changing data".to_owned(),
        ));
    }
    if let Some(level) = site.level.filter(|l| l.rules_out(s.least_role)) {
        return Some(Outcome::new(
            Verdict::BlockedByRole,
            format!(
                "the user's role is {}; this needs {} or more",
                level.name(),
                s.least_role.name()
            ),
        ));
    }
    if found.base_gone {
        return Some(Outcome::new(Verdict::Error, BASE_GONE.to_owned()));
    }
    match &found.table_gone {
        Some(gone) if s.probe.needs_table() => Some(Outcome::new(Verdict::Error, gone_why(gone))),
        _ => None,
    }
}

/// The request that proves a probe.
struct Ask<'a> {
    method: Method,
    path: Vec<&'a str>,
    query: &'static [(&'static str, &'static str)],
}

/// The request for `probe`, or None when it needs a table or a record none is known of.
fn ask<'a>(
    base: &'a str,
    probe: Probe,
    found: &'a Found,
    record: Option<&'a str>,
) -> Option<Ask<'a>> {
    let get = |path: Vec<&'a str>| Ask {
        method: Method::GET,
        path,
        query: &[],
    };
    let table = found.table.as_deref();
    Some(match probe {
        Probe::Schema => get(vec!["v0", "meta", "bases", base, "tables"]),
        Probe::Webhooks => get(vec!["v0", "bases", base, "webhooks"]),
        Probe::Views => get(vec!["v0", "meta", "bases", base, "views"]),
        Probe::Shares => get(vec!["v0", "meta", "bases", base, "shares"]),
        Probe::FirstRecord => Ask {
            query: &[("maxRecords", "1")],
            ..get(vec!["v0", base, table?])
        },
        Probe::FirstComment => Ask {
            query: &[("pageSize", "1")],
            ..get(vec!["v0", base, table?, record?, "comments"])
        },
        Probe::CreateRecordsWithoutBody => Ask {
            method: Method::POST,
            ..get(vec!["v0", base, table?])
        },
        Probe::UpdateTableWithoutBody => Ask {
            method: Method::PATCH,
            ..get(vec!["v0", "meta", "bases", base, "tables", table?])
        },
        Probe::None => return None,
    })
}

/// Sends unless the scope was shown missing elsewhere before the request leaves. An
/// intended base (or one the user named) is asked anyway: its own answer is what the
/// check is for there, and it keeps the count of requests what the estimate says,
/// whatever answers first.
async fn send(site: &Site<'_>, s: &BaseScope, ask: &Ask<'_>) -> Option<Result<Vec<u8>, ApiError>> {
    let request = Request {
        method: ask.method.clone(),
        path: &ask.path,
        query: ask.query,
        base: Some(site.base),
    };
    let known = || !site.named && site.denials.shown_by(s.scope).is_some();
    site.caller.send_unless(request, &known).await
}

fn denied_elsewhere(site: &Site<'_>, s: &BaseScope) -> Outcome {
    let shown_by = site.denials.shown_by(s.scope).unwrap_or_default();
    Outcome::new(
        Verdict::Denied,
        format!(
            "the token lacks the scope: {shown_by}, where the user is a creator, refused it, so no request was sent here"
        ),
    )
}

/// Why a probe that needs a table or a record had none to try.
fn nothing_to_try(site: &Site<'_>, s: &BaseScope, found: &Found) -> Outcome {
    if is_data(s.probe) && site.caller.quota_spent(site.base) {
        return Outcome::quota();
    }
    let why = match (s.probe, &found.table) {
        (Probe::FirstComment, Some(_)) if found.records_readable => {
            "the table has no record to read comments from"
        }
        (Probe::FirstComment, Some(_)) => "no record could be read to look for comments",
        _ => found.no_table_why,
    };
    Outcome::new(Verdict::Unverifiable, why.to_owned())
}

/// The record comments were tried on may have been deleted meanwhile: the first record is
/// read again. The same one still there means `answer` stands; another one gets its
/// comments asked once.
async fn comments_of_another_record(
    site: &Site<'_>,
    s: &BaseScope,
    found: &Found,
    answer: Result<Vec<u8>, ApiError>,
) -> Outcome {
    let deleted = "the record it was tried on was deleted while the check ran";
    let Some(first) = ask(site.base, Probe::FirstRecord, found, None) else {
        return Outcome::new(Verdict::Unverifiable, deleted.to_owned());
    };
    let first = match send(site, s, &first).await {
        Some(Ok(body)) => serde_json::from_slice::<RecordPage>(&body)
            .ok()
            .and_then(|page| page.records.into_iter().next())
            .map(|r| r.id),
        Some(Err(ApiError::QuotaExhausted)) => return Outcome::quota(),
        Some(Err(_)) => None,
        None => return denied_elsewhere(site, s),
    };
    let record = match first {
        Some(id) if Some(id.as_str()) == found.record.as_deref() => {
            // The record is still there: Airtable's answer was about it, not its absence.
            return match answer {
                Err(ApiError::NotFound(_)) => Outcome::new(
                    Verdict::Unverifiable,
                    "Airtable said the record it was tried on does not exist, yet lists it first: could not verify".to_owned(),
                ),
                answer => judge(site, s, found, answer),
            };
        }
        Some(id) => id,
        None => {
            return Outcome::new(
                Verdict::Unverifiable,
                format!("{deleted}, and no other record could be read"),
            );
        }
    };
    let Some(comments) = ask(site.base, Probe::FirstComment, found, Some(&record)) else {
        return Outcome::new(Verdict::Unverifiable, deleted.to_owned());
    };
    match send(site, s, &comments).await {
        Some(Err(ApiError::NotFound(_))) => Outcome::new(
            Verdict::Unverifiable,
            "records were deleted while the check ran, twice: could not verify".to_owned(),
        ),
        Some(answer) => judge(site, s, found, answer),
        None => denied_elsewhere(site, s),
    }
}

/// A probe's verdict from Airtable's answer.
fn judge(
    site: &Site<'_>,
    s: &BaseScope,
    found: &Found,
    answer: Result<Vec<u8>, ApiError>,
) -> Outcome {
    let writes = matches!(
        s.probe,
        Probe::CreateRecordsWithoutBody | Probe::UpdateTableWithoutBody
    );
    match (answer, writes) {
        (Ok(body), false) => match well_formed(s.probe, &body) {
            Ok(()) => Outcome {
                body: Some(body),
                ..Outcome::new(Verdict::Granted, None)
            },
            Err(e) => Outcome::new(Verdict::Error, ApiError::garbage(&body, &e).to_string()),
        },
        (Err(ApiError::Invalid(_)), true) => Outcome::new(Verdict::Granted, None),
        (Ok(_), true) | (Err(ApiError::Unexpected { status: 400, .. }), true) => Outcome::new(
            Verdict::Unverifiable,
            "Airtable did not refuse a request without a body as it should, so nothing can be concluded".to_owned(),
        ),
        (Err(ApiError::NoPermission), _) => refused(site, s, found, true),
        (Err(ApiError::NotAuthorized), _) => refused(site, s, found, false),
        (Err(ApiError::Restricted(message)), _) => Outcome::new(Verdict::Restricted, message),
        (Err(ApiError::NotFound(message)), _) => not_found(site, s, message),
        (Err(ApiError::QuotaExhausted), _) => Outcome::quota(),
        (Err(e), _) => Outcome::new(Verdict::Error, e.to_string()),
    }
}

/// A 403: a denial only where nothing else can explain it. `conclusive` is false for
/// `NOT_AUTHORIZED`, which Airtable also gives for a wrong table name.
fn refused(site: &Site<'_>, s: &BaseScope, found: &Found, conclusive: bool) -> Outcome {
    if site.denials.shown_by(s.scope).is_some() {
        return denied_elsewhere(site, s);
    }
    let scope = s.scope;
    if s.probe.needs_table()
        && !found.table_confirmed
        && let Some(table) = site.intended_table
    {
        // Airtable answers a missing table as it answers a missing scope.
        let grant = if site.listing {
            ""
        } else {
            ", or the base is not granted to it"
        };
        return Outcome {
            table_in_doubt: true,
            ..Outcome::new(
                Verdict::Unverifiable,
                format!(
                    "the table “{table}” may not exist, or the token lacks {scope}{grant}: Airtable answers each with the same 403. \
                     Check the table's name in the intent (its id, tbl…, survives renames); if it is right, add {scope} to the token at {TOKENS_PAGE}"
                ),
            )
        };
    }
    if s.probe == Probe::Shares {
        return Outcome::new(
            Verdict::Unverifiable,
            "refused: Airtable serves a base's shares on Enterprise plans only, which this base's workspace may not have; or the token lacks the scope".to_owned(),
        );
    }
    let least = s.least_role.name();
    let other_cause = match site.level {
        None if !site.listing => Some(format!(
            "the base is not granted to it, or the user's role here is below {least} (the token cannot list bases, so the role is not known)"
        )),
        None => Some(format!(
            "the user's role here, which PAT Vault does not recognise, is below {least}"
        )),
        Some(PermissionLevel::None) => Some("the admin's access here does not allow it".to_owned()),
        Some(_) => None,
    };
    if let Some(other) = other_cause {
        return Outcome {
            role_in_doubt: true,
            ..Outcome::new(
                Verdict::Unverifiable,
                format!(
                    "Airtable refused: the token lacks {scope}, or {other}; it does not say which"
                ),
            )
        };
    }
    if !conclusive {
        return Outcome::new(
            Verdict::Unverifiable,
            "Airtable answered 403 NOT_AUTHORIZED, which it also gives for a wrong table name: could not verify".to_owned(),
        );
    }
    if would_learn(site) {
        site.denials.learn(s.scope, site.base);
        site.caller.news();
    }
    Outcome::new(Verdict::Denied, None)
}

/// A 404: the intent's table or base is gone, as far as the probe can tell.
fn not_found(site: &Site<'_>, s: &BaseScope, message: Option<String>) -> Outcome {
    let said = message.map_or(String::new(), |m| format!(": {m}"));
    let (gone, what) = match site.intended_table {
        Some(t) if s.probe.needs_table() => (Some(NotFound::Table), gone_why(t)),
        _ if !s.probe.needs_table() && !site.listing => {
            (Some(NotFound::Base), BASE_GONE.to_owned())
        }
        _ => (None, "Airtable found no such table or base".to_owned()),
    };
    Outcome {
        not_found: gone,
        ..Outcome::new(Verdict::Error, format!("{what} (404{said})"))
    }
}

/// Whether a read's answer has the documented shape.
fn well_formed(probe: Probe, body: &[u8]) -> Result<(), serde_json::Error> {
    match probe {
        Probe::Schema => serde_json::from_slice::<Schema>(body).map(drop),
        Probe::FirstRecord => serde_json::from_slice::<RecordPage>(body).map(drop),
        Probe::FirstComment => serde_json::from_slice::<CommentPage>(body).map(drop),
        Probe::Webhooks => serde_json::from_slice::<WebhookList>(body).map(drop),
        Probe::Views => serde_json::from_slice::<ViewList>(body).map(drop),
        Probe::Shares => serde_json::from_slice::<ShareList>(body).map(drop),
        // Writes are judged by their status alone; `None` sends nothing.
        Probe::CreateRecordsWithoutBody | Probe::UpdateTableWithoutBody | Probe::None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::airtable::{ApiRoot, Client, ClientOptions};
    use crate::check::catalog::base_scope;
    use crate::check::site::Denials;
    use crate::secret::Secret;

    fn found(table_confirmed: bool) -> Found {
        Found {
            table: Some("tblDeals".into()),
            table_confirmed,
            no_table_why: "",
            table_gone: None,
            base_gone: false,
            record: Some("recA".into()),
            records_readable: true,
            role_doubts: Vec::new(),
        }
    }

    #[tokio::test]
    async fn a_403_is_a_denial_only_where_nothing_else_explains_it() {
        let root = ApiRoot::parse("http://127.0.0.1:9").unwrap();
        let client = Client::new(root, ClientOptions::default()).unwrap();
        let secret = Secret::new(crate::test_tokens::SECRET);
        let caller = client.caller(&secret, None);
        let denials = Denials::default();
        let site = |level, listing, intended_table| Site {
            caller: &caller,
            base: "appA",
            level,
            listing,
            intended_table,
            named: false,
            denials: &denials,
        };
        let write = base_scope("data.records:write").unwrap();
        let verdict = |o: Outcome| (o.verdict, o.table_in_doubt, o.role_in_doubt);
        let creator = Some(PermissionLevel::Create);
        // The intent's table, not confirmed: it may be gone.
        let o = refused(
            &site(creator, true, Some("Deals")),
            write,
            &found(false),
            true,
        );
        assert_eq!(verdict(o), (Verdict::Unverifiable, true, false));
        // Without the base list, or with an admin's or an unknown role: the role may refuse.
        for (level, listing) in [
            (None, false),
            (None, true),
            (Some(PermissionLevel::None), true),
        ] {
            let o = refused(&site(level, listing, None), write, &found(true), true);
            assert_eq!(
                verdict(o),
                (Verdict::Unverifiable, false, true),
                "{level:?} {listing}"
            );
        }
        // NOT_AUTHORIZED is also a wrong table name.
        let o = refused(&site(creator, true, None), write, &found(true), false);
        assert_eq!(o.verdict, Verdict::Unverifiable);
        assert!(denials.shown_by(write.scope).is_none());
        // Shares answer on Enterprise plans only.
        let shares = base_scope("workspacesAndBases.shares:manage").unwrap();
        let o = refused(&site(creator, true, None), shares, &found(true), true);
        assert!(o.why.unwrap().contains("Enterprise"));
        // An editor's refusal is the scope's, but proves nothing for other bases.
        let editor = Some(PermissionLevel::Edit);
        let o = refused(&site(editor, true, None), write, &found(true), true);
        assert_eq!(o.verdict, Verdict::Denied);
        assert!(denials.shown_by(write.scope).is_none());
        // A creator's refusal is learned for the token; then every base is told so.
        let o = refused(&site(creator, true, None), write, &found(true), true);
        assert_eq!(o.verdict, Verdict::Denied);
        assert_eq!(denials.shown_by(write.scope).as_deref(), Some("appA"));
        let o = refused(
            &site(None, false, Some("Deals")),
            write,
            &found(false),
            true,
        );
        assert_eq!(o.verdict, Verdict::Denied);
        assert!(o.why.unwrap().contains("appA, where the user is a creator"));
    }

    #[test]
    fn each_probe_asks_its_documented_route_and_needs_what_it_names() {
        let f = found(true);
        let path = |probe, record| {
            ask("appA", probe, &f, record).map(|a| (a.method, a.path.join("/"), a.query))
        };
        assert_eq!(
            path(Probe::Views, None),
            Some((Method::GET, "v0/meta/bases/appA/views".into(), &[][..]))
        );
        assert_eq!(
            path(Probe::Shares, None),
            Some((Method::GET, "v0/meta/bases/appA/shares".into(), &[][..]))
        );
        assert_eq!(
            path(Probe::CreateRecordsWithoutBody, None),
            Some((Method::POST, "v0/appA/tblDeals".into(), &[][..]))
        );
        assert_eq!(
            path(Probe::FirstComment, Some("recA")),
            Some((
                Method::GET,
                "v0/appA/tblDeals/recA/comments".into(),
                &[("pageSize", "1")][..]
            ))
        );
        assert!(path(Probe::FirstComment, None).is_none());
        assert!(path(Probe::None, None).is_none());
        let no_table = Found {
            table: None,
            ..found(false)
        };
        assert!(ask("appA", Probe::FirstRecord, &no_table, None).is_none());
    }
}
