//! The API itself: which route a request is, who sends it, whether the token, its
//! grants and its user's role allow it, and what Airtable would answer.

use std::collections::HashMap;

use axum::response::Response;
use serde_json::{Value, json};

use crate::answers;
use crate::scenario::{Base, Level, MissingTable, Route, Scenario, Token};

/// A request reduced to what the API looks at.
pub struct Call {
    pub method: String,
    pub segments: Vec<String>,
    pub query: HashMap<String, String>,
    pub bearer: Option<String>,
    pub has_body: bool,
}

/// A route with the base (and table, record) it names.
pub struct Target {
    pub route: Route,
    pub base: Option<String>,
    table: Option<String>,
    record: Option<String>,
}

impl Call {
    pub fn target(&self) -> Option<Target> {
        let s: Vec<&str> = self.segments.iter().map(String::as_str).collect();
        let target = |route, base: Option<&str>, table: Option<&str>, record: Option<&str>| {
            Some(Target {
                route,
                base: base.map(str::to_owned),
                table: table.map(str::to_owned),
                record: record.map(str::to_owned),
            })
        };
        match (self.method.as_str(), s.as_slice()) {
            ("GET", ["v0", "meta", "whoami"]) => target(Route::Whoami, None, None, None),
            ("GET", ["v0", "meta", "bases"]) => target(Route::ListBases, None, None, None),
            ("GET", ["v0", "meta", "bases", b, "tables"]) => {
                target(Route::BaseSchema, Some(b), None, None)
            }
            ("PATCH", ["v0", "meta", "bases", b, "tables", t]) => {
                target(Route::UpdateTable, Some(b), Some(t), None)
            }
            ("GET", ["v0", "meta", "bases", b, "blockInstallations"]) => {
                target(Route::BlockInstallations, Some(b), None, None)
            }
            ("GET", ["v0", "meta", "bases", b, "views"]) => {
                target(Route::ListViews, Some(b), None, None)
            }
            ("GET", ["v0", "meta", "bases", b, "shares"]) => {
                target(Route::ListShares, Some(b), None, None)
            }
            ("GET", ["v0", "bases", b, "webhooks"]) => {
                target(Route::ListWebhooks, Some(b), None, None)
            }
            ("GET", ["v0", "bases", b, "webhooks", _, "payloads"]) => {
                target(Route::ListWebhookPayloads, Some(b), None, None)
            }
            ("GET", ["v0", b, t]) if is_base_id(b) => {
                target(Route::ListRecords, Some(b), Some(t), None)
            }
            ("POST", ["v0", b, t]) if is_base_id(b) => {
                target(Route::CreateRecords, Some(b), Some(t), None)
            }
            ("GET", ["v0", b, t, r, "comments"]) if is_base_id(b) => {
                target(Route::ListComments, Some(b), Some(t), Some(r))
            }
            _ => None,
        }
    }
}

fn is_base_id(segment: &str) -> bool {
    segment.starts_with("app")
}

/// What each base route needs: a scope and the least role that may use it.
fn requirement(route: Route) -> Option<(&'static str, Level)> {
    Some(match route {
        Route::BaseSchema => ("schema.bases:read", Level::Read),
        Route::ListRecords => ("data.records:read", Level::Read),
        Route::ListComments => ("data.recordComments:read", Level::Read),
        // Listing needs only read (Airtable's list-webhooks page).
        Route::ListWebhooks => ("webhook:manage", Level::Read),
        Route::BlockInstallations | Route::ListViews => ("workspacesAndBases:read", Level::Read),
        Route::ListShares => ("workspacesAndBases.shares:manage", Level::Edit),
        Route::ListWebhookPayloads => ("webhook:manage", Level::Read),
        Route::CreateRecords => ("data.records:write", Level::Edit),
        Route::UpdateTable => ("schema.bases:write", Level::Create),
        Route::Whoami | Route::ListBases => return None,
    })
}

/// Whether a route reads or writes a base's data (not under `/v0/meta`): the routes a
/// spent monthly quota closes.
pub fn is_data(route: Route) -> bool {
    matches!(
        route,
        Route::ListRecords
            | Route::ListComments
            | Route::ListWebhooks
            | Route::ListWebhookPayloads
            | Route::CreateRecords
    )
}

pub fn answer(scenario: &Scenario, token: &Token, call: &Call, target: &Target) -> Response {
    let base = match (&target.base, requirement(target.route)) {
        (Some(id), Some((scope, least))) => {
            let Some(base) = scenario.base(id) else {
                return answers::forbidden();
            };
            if base.quota_exhausted && is_data(target.route) {
                return answers::billing_limit();
            }
            let level = base.level_of(&token.owner);
            if !token.granted(id)
                || level == Level::None
                || !token.has_scope(scope)
                || level < least
                || (target.route == Route::ListShares && !base.enterprise)
            {
                return answers::forbidden();
            }
            Some(base)
        }
        _ => None,
    };
    match (target.route, base) {
        (Route::Whoami, _) => whoami(scenario, token),
        (Route::ListBases, _) => list_bases(scenario, token, call),
        (Route::BaseSchema, Some(base)) => schema(base),
        (Route::BlockInstallations, Some(base)) => answers::ok(json!(base.block_installations)),
        (Route::ListViews, Some(base)) => views(base),
        (Route::ListShares, Some(_)) => answers::ok(json!({"shares": []})),
        (Route::ListWebhooks, Some(base)) => answers::ok(json!({"webhooks": base.webhooks})),
        (Route::ListWebhookPayloads, Some(base)) => answers::ok(
            json!({"payloads": [], "cursor": 1, "mightHaveMore": false, "payloadFormat": "v0", "base": base.id}),
        ),
        (Route::ListRecords, Some(base)) => list_records(scenario, base, call, target),
        (Route::ListComments, Some(base)) => list_comments(scenario, base, call, target),
        (Route::CreateRecords | Route::UpdateTable, Some(base)) => {
            // Permission comes before validation: a request without a body is refused
            // as invalid, and nothing is ever written.
            let named = target.table.as_deref().unwrap_or_default();
            match base.table(named) {
                Some(table)
                    if target.route == Route::CreateRecords
                        && table
                            .create_records
                            .is_some_and(|least| base.level_of(&token.owner) < least) =>
                {
                    answers::restricted(&table.name, &table.id)
                }
                Some(_) => answers::invalid_request(),
                None => missing_table(scenario, named, &base.id),
            }
        }
        _ => answers::not_found(),
    }
}

fn whoami(scenario: &Scenario, token: &Token) -> Response {
    let mut body = json!({"id": token.owner});
    if token.has_scope("user.email:read")
        && let Some(user) = scenario.user(&token.owner)
    {
        body["email"] = json!(user.email);
    }
    answers::ok(body)
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::None => "none",
        Level::Read => "read",
        Level::Comment => "comment",
        Level::Edit => "edit",
        Level::Create => "create",
    }
}

/// A table the request names that the base does not have, answered as the scenario says.
fn missing_table(scenario: &Scenario, table: &str, base: &str) -> Response {
    match scenario.settings.missing_table {
        MissingTable::Forbidden => answers::forbidden(),
        MissingTable::NotAuthorized => answers::not_authorized(),
        MissingTable::NotFound => answers::table_not_found(table, base),
    }
}

fn list_bases(scenario: &Scenario, token: &Token, call: &Call) -> Response {
    if !token.has_scope("schema.bases:read") {
        return answers::forbidden();
    }
    let visible: Vec<&Base> = scenario
        .bases
        .iter()
        .filter(|b| token.granted(&b.id) && b.listed_for(&token.owner))
        .collect();
    let ids: Vec<&str> = visible.iter().map(|b| b.id.as_str()).collect();
    let Some(start) = start_of(call, &ids) else {
        return answers::invalid_request();
    };
    let page_size = scenario.settings.page_size.max(1);
    let end = (start + page_size).min(visible.len());
    let bases: Vec<Value> = visible[start..end]
        .iter()
        .map(|b| {
            let role = match b.role_names.get(&token.owner) {
                Some(named) => named.clone(),
                // An admin who is not a collaborator is listed as `none`.
                None if !b.roles.contains_key(&token.owner) => "none".to_owned(),
                None => level_name(b.level_of(&token.owner)).to_owned(),
            };
            json!({"id": b.id, "name": b.name, "permissionLevel": role})
        })
        .collect();
    let mut body = json!({ "bases": bases });
    if end < visible.len() {
        body["offset"] = json!(offset_at(end, ids[end]));
    }
    answers::ok(body)
}

/// An offset in Airtable's form, `itr…/app…` (the docs' example is
/// `itr23sEjsdfEr3282/appSW9R5uCNmRmfl6`): it holds a `/`, so a client must encode it.
fn offset_at(index: usize, item: &str) -> String {
    format!("itr{index:014}/{item}")
}

/// Where the page asked for starts; `None` for an offset this list never gave.
fn start_of(call: &Call, items: &[&str]) -> Option<usize> {
    let Some(offset) = call.query.get("offset") else {
        return Some(0);
    };
    let (index, item) = offset.strip_prefix("itr")?.split_once('/')?;
    let index: usize = index.parse().ok()?;
    (items.get(index) == Some(&item)).then_some(index)
}

fn schema(base: &Base) -> Response {
    let tables: Vec<Value> = base
        .tables
        .iter()
        .map(|t| {
            json!({
                "id": t.id,
                "name": t.name,
                "primaryFieldId": t.fields.first().map(|f| f.id.clone()),
                "fields": t.fields,
                "views": [{"id": format!("viw{}", &t.id[3..]), "name": "Grid view", "type": "grid"}],
            })
        })
        .collect();
    answers::ok(json!({ "tables": tables }))
}

/// A positive count from the query, at most `max`; `None` when it is not a number.
fn count(call: &Call, name: &str, default: usize, max: usize) -> Option<usize> {
    match call.query.get(name) {
        None => Some(default),
        Some(v) => v.parse::<usize>().ok().filter(|n| (1..=max).contains(n)),
    }
}

/// The views of every table, as the list-views route gives them.
fn views(base: &Base) -> Response {
    let views: Vec<Value> = base
        .tables
        .iter()
        .map(|t| json!({"id": format!("viw{}", &t.id[3..]), "name": "Grid view", "type": "grid"}))
        .collect();
    answers::ok(json!({ "views": views }))
}

fn list_records(scenario: &Scenario, base: &Base, call: &Call, target: &Target) -> Response {
    let named = target.table.as_deref().unwrap_or_default();
    let Some(table) = base.table(named) else {
        return missing_table(scenario, named, &base.id);
    };
    let (Some(max_records), Some(page_size)) = (
        count(call, "maxRecords", usize::MAX, usize::MAX),
        count(call, "pageSize", 100, 100),
    ) else {
        return answers::invalid_request();
    };
    let n = max_records.min(page_size).min(table.records.len());
    let records: Vec<Value> = table.records[..n]
        .iter()
        .map(|r| json!({"id": r.id, "createdTime": "2026-01-05T09:30:00.000Z", "fields": r.fields}))
        .collect();
    let mut body = json!({ "records": records });
    if n < table.records.len() && n < max_records {
        body["offset"] = json!(offset_at(n, &table.records[n].id));
    }
    answers::ok(body)
}

fn list_comments(scenario: &Scenario, base: &Base, call: &Call, target: &Target) -> Response {
    let named = target.table.as_deref().unwrap_or_default();
    let Some(table) = base.table(named) else {
        return missing_table(scenario, named, &base.id);
    };
    let named_record = target.record.as_deref().unwrap_or_default();
    let Some(record) = table.records.iter().find(|r| r.id == named_record) else {
        return answers::record_not_found(named_record);
    };
    let Some(page_size) = count(call, "pageSize", 100, 100) else {
        return answers::invalid_request();
    };
    let n = page_size.min(record.comments.len());
    let offset = (n < record.comments.len()).then(|| offset_at(n, &record.id));
    answers::ok(json!({"comments": record.comments[..n], "offset": offset}))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::{self, id, pat, real_world};

    fn call(method: &str, path: &str, token: &str) -> Call {
        Call {
            method: method.into(),
            segments: path
                .split('/')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            query: HashMap::new(),
            bearer: Some(token.into()),
            has_body: false,
        }
    }

    fn status(scenario: &Scenario, token: u32, method: &str, path: &str) -> u16 {
        let token = scenario.token(&pat(token)).unwrap().clone();
        let call = call(method, path, &token.token);
        let target = call.target().unwrap();
        answer(scenario, &token, &call, &target).status().as_u16()
    }

    #[test]
    fn the_newer_routes_are_known_and_a_payload_call_is_its_own_route() {
        let sales = id("app", "Sales");
        for (path, route) in [
            (format!("v0/meta/bases/{sales}/views"), Route::ListViews),
            (format!("v0/meta/bases/{sales}/shares"), Route::ListShares),
            (
                format!("v0/bases/{sales}/webhooks/achXYZ/payloads"),
                Route::ListWebhookPayloads,
            ),
        ] {
            assert_eq!(call("GET", &path, "x").target().unwrap().route, route);
        }
    }

    #[test]
    fn shares_answer_on_enterprise_bases_for_editors_only() {
        let mut scenario = real_world();
        let alice_all = world::token(
            30,
            "Alice",
            &["workspacesAndBases.shares:manage"],
            &["Sales"],
        );
        let rita = world::token(
            31,
            "Rita",
            &["workspacesAndBases.shares:manage"],
            &["Sales"],
        );
        scenario.tokens.extend([alice_all, rita]);
        let path = format!("v0/meta/bases/{}/shares", id("app", "Sales"));
        assert_eq!(status(&scenario, 30, "GET", &path), 403, "not Enterprise");
        scenario.bases[0].enterprise = true;
        assert_eq!(status(&scenario, 30, "GET", &path), 200);
        assert_eq!(status(&scenario, 31, "GET", &path), 403, "Rita only reads");
    }

    #[test]
    fn a_missing_table_is_answered_as_the_scenario_says() {
        let mut scenario = real_world();
        let path = format!("v0/{}/Invoices", id("app", "Sales"));
        for (answer, expected) in [
            (MissingTable::Forbidden, 403),
            (MissingTable::NotAuthorized, 403),
            (MissingTable::NotFound, 404),
        ] {
            scenario.settings.missing_table = answer;
            assert_eq!(status(&scenario, 12, "GET", &path), expected, "{answer:?}");
        }
    }

    #[tokio::test]
    async fn an_admin_is_listed_none_and_may_do_what_their_access_allows() {
        let mut scenario = real_world();
        let dana = id("usr", "Dana");
        scenario.users.push(world::user("Dana"));
        scenario.bases[0].admins.insert(dana, Level::Read);
        scenario.tokens.push(world::token(
            30,
            "Dana",
            world::EVERY_BASIC_SCOPE,
            &["Sales"],
        ));
        let token = scenario.token(&pat(30)).unwrap().clone();
        let listing = call("GET", "v0/meta/bases", &token.token);
        let response = answer(&scenario, &token, &listing, &listing.target().unwrap());
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["bases"][0]["permissionLevel"], "none", "{body}");
        let sales = id("app", "Sales");
        assert_eq!(
            status(&scenario, 30, "GET", &format!("v0/{sales}/Deals")),
            200
        );
        assert_eq!(
            status(&scenario, 30, "POST", &format!("v0/{sales}/Deals")),
            403
        );
    }
}
