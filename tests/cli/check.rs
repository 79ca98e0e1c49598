//! `patvault check` end to end: secrets from a real Secret Service, checks against the
//! fake Airtable, the documented JSON, exit statuses, history kept in the inventory, and
//! the loopback-only rule for plain http.

use crate::support::*;
use fake_airtable::FakeAirtable;
use fake_airtable::world::{id, office, pat};

fn checked(
    v: &TestVault,
    fake: &FakeAirtable,
    args: &[&str],
) -> (Option<i32>, serde_json::Value, String) {
    let mut cmd = v.command(args);
    cmd.env("PATVAULT_AIRTABLE_URL", fake.url());
    let out = cmd.output().unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out.status.code(), json, stderr(&out))
}

/// `patvault check` as text. Each run is a process with a pacer of its own, so the fake's
/// rate windows start afresh for it.
fn check_text(v: &TestVault, fake: &FakeAirtable) -> String {
    fake.reset_traffic();
    let mut cmd = v.command(&["check"]);
    cmd.env("PATVAULT_AIRTABLE_URL", fake.url());
    stdout(&cmd.output().unwrap())
}

#[test]
fn check_json_reports_each_token_and_exit_status_follows_the_worst() {
    let fake = FakeAirtable::start(office()).unwrap();
    let v = TestVault::new();
    let crm = id("app", "CRM");
    let ops = id("app", "Ops");
    let empty = id("app", "Empty");
    v.add(
        "full",
        &pat(1),
        &[
            "--scope",
            "data.records:read",
            "--scope",
            "data.recordComments:read",
            "--scope",
            "schema.bases:read",
            "--scope",
            "user.email:read",
            "--scope",
            "workspacesAndBases:read",
            "--scope",
            "data.records:write",
            "--scope",
            "schema.bases:write",
            "--scope",
            "webhook:manage",
            "--base",
            &crm,
            "--base",
            &empty,
        ],
    );
    v.add(
        "reader",
        &pat(2),
        &["--scope", "data.records:read", "--base", &crm],
    );
    v.add("revoked", &pat(3), &["--base", &crm]);

    let (code, json, err) = checked(&v, &fake, &["check", "full", "--json"]);
    assert_eq!(code, Some(1), "{err}");
    let t = &json["tokens"][0];
    assert_eq!(t["name"], "full");
    assert_eq!(t["status"], "drift");
    assert_eq!(t["user"]["email"], "alice@example.com");
    assert_eq!(t["scopes"]["data.records:write"], "granted");
    assert_eq!(t["scopes"]["data.recordComments:write"], "unverifiable");
    let ops_reach = t["bases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == ops.as_str())
        .unwrap();
    assert_eq!(ops_reach["permission_level"], "read");
    assert_eq!(ops_reach["scopes"]["data.records:write"], "blocked_by_role");
    // Every scope that works is intended; the extra reach is the base Ops.
    assert_eq!(t["drift"]["excess_bases"], serde_json::json!([ops]));
    assert_eq!(t["drift"]["excess_scopes"], serde_json::json!([]));
    assert_eq!(t["drift"]["missing_scopes"], serde_json::json!([]));
    assert!(t["checked_at"].is_string() && json["checked_at"].is_string());
    assert_eq!(t["error"], serde_json::Value::Null);

    let (code, json, _) = checked(&v, &fake, &["check", "--json"]);
    assert_eq!(code, Some(1));
    let names: Vec<&str> = json["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["full", "reader", "revoked"]);
    assert_eq!(json["tokens"][1]["status"], "drift");
    assert_eq!(json["tokens"][2]["status"], "invalid");
    assert_eq!(json["tokens"][2]["user"], serde_json::Value::Null);

    // Reader, once its intent matches its reach, is ok and the exit status is 0.
    let out = v.run(&[
        "edit",
        "reader",
        "--scope",
        "data.records:read",
        "--scope",
        "schema.bases:read",
        "--base",
        &ops,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = v.run(&["edit", "reader", "--base", &crm, "--base", &ops]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (code, json, err) = checked(&v, &fake, &["check", "reader", "--json"]);
    assert_eq!(code, Some(0), "{err}\n{json:#}");
    assert_eq!(json["tokens"][0]["status"], "ok");

    // Each check is kept: reader has been checked twice, newest last.
    let inventory: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(v.inventory()).unwrap()).unwrap();
    let reader = inventory["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["intent"]["name"] == "reader")
        .unwrap();
    let statuses: Vec<&str> = reader["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["drift", "ok"]);
    assert_eq!(reader["last_report"]["status"], "ok");
    // The secrets went to the fake and nowhere near the disk.
    assert!(files_containing(v.data.path(), &pat(1)).is_empty());
}

#[test]
fn the_readable_table_explains_drift_and_the_history_is_capped_at_twenty() {
    let fake = FakeAirtable::start(office()).unwrap();
    let v = TestVault::new();
    v.add(
        "reader",
        &pat(2),
        &["--scope", "data.records:write", "--base", &id("app", "CRM")],
    );
    for _ in 0..21 {
        let (code, _, _) = checked(&v, &fake, &["check", "reader", "--light"]);
        assert_eq!(code, Some(1));
    }
    let mut cmd = v.command(&["check"]);
    cmd.env("PATVAULT_AIRTABLE_URL", fake.url());
    let out = cmd.output().unwrap();
    let text = stdout(&out);
    assert!(text.contains("reader") && text.contains("drift"), "{text}");
    assert!(
        text.contains("missing (will break): The token lacks data.records:write"),
        "{text}"
    );
    assert!(text.contains("excess (over-privileged)"), "{text}");
    assert!(text.contains("fix: In Airtable"), "{text}");
    let inventory: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(v.inventory()).unwrap()).unwrap();
    let checks = inventory["tokens"][0]["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 20);
    assert_eq!(checks[19]["light"], false);
    assert_eq!(checks[0]["light"], true);
}

#[test]
fn plain_http_is_refused_unless_it_stays_on_this_machine() {
    let v = TestVault::new();
    v.add("reader", &pat(2), &[]);
    let mut cmd = v.command(&["check"]);
    cmd.env("PATVAULT_AIRTABLE_URL", "http://api.example.com");
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unencrypted"), "{}", stderr(&out));
    let mut cmd = v.command(&["check", "nobody"]);
    cmd.env("PATVAULT_AIRTABLE_URL", "http://127.0.0.1:9");
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no token is named “nobody”"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn airtable_down_is_an_error_per_token_not_a_crash() {
    let v = TestVault::new();
    v.add("reader", &pat(2), &[]);
    // Nothing listens on the discard port.
    let mut cmd = v.command(&["check", "--json"]);
    cmd.env("PATVAULT_AIRTABLE_URL", "http://127.0.0.1:9");
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["tokens"][0]["status"], "error");
    let error = json["tokens"][0]["error"].as_str().unwrap();
    assert!(error.contains("could not be reached"), "{error}");
    assert!(!error.contains(&pat(2)));
}

/// The checks of `airtable-api.md`'s real answers, each through `check --json` as a
/// user runs it, against `world::real_world()`.
mod true_to_airtable {
    use std::time::{Duration, Instant};

    use fake_airtable::{FakeAirtable, Fault, FaultKind, Route};
    use serde_json::{Value, json};

    use crate::support::*;
    use fake_airtable::world::{id, pat, real_world};

    fn sales() -> String {
        id("app", "Sales")
    }

    /// Checks one token; its exit status, its part of the JSON, and stderr.
    fn check(v: &TestVault, fake: &FakeAirtable, name: &str) -> (Option<i32>, Value, String) {
        fake.reset_traffic();
        let mut cmd = v.command(&["check", name, "--json"]);
        cmd.env("PATVAULT_AIRTABLE_URL", fake.url());
        let out = cmd.output().unwrap();
        let json: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(&out), stderr(&out)));
        (out.status.code(), json["tokens"][0].clone(), stderr(&out))
    }

    fn on<'a>(token: &'a Value, base: &str) -> &'a Value {
        token["bases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["id"] == base)
            .unwrap_or_else(|| panic!("{base} not in {token:#}"))
    }

    fn added(v: &TestVault, name: &str, n: u32, flags: &[&str]) {
        let out = v.add(name, &pat(n), flags);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }

    fn findings(token: &Value) -> Vec<&Value> {
        token["drift"]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .collect()
    }

    #[test]
    fn a_reader_can_list_webhooks_and_the_excess_says_it_reads_every_change() {
        let fake = FakeAirtable::start(real_world()).unwrap();
        let v = TestVault::new();
        let base = format!("{}/Deals", sales());
        added(
            &v,
            "rita",
            10,
            &[
                "--scope",
                "data.records:read",
                "--scope",
                "schema.bases:read",
                "--base",
                &base,
            ],
        );
        let (code, t, err) = check(&v, &fake, "rita");
        assert_eq!(code, Some(1), "{err}");
        assert_eq!(t["status"], "drift");
        let reach = on(&t, &sales());
        assert_eq!(reach["permission_level"], "read");
        assert_eq!(
            reach["scopes"],
            json!({
                "schema.bases:read": "granted",
                "data.records:read": "granted",
                "data.recordComments:read": "denied",
                "data.records:write": "blocked_by_role",
                "data.recordComments:write": "unverifiable",
                "schema.bases:write": "blocked_by_role",
                "webhook:manage": "granted",
                "block:manage": "unverifiable",
                "workspacesAndBases:read": "denied",
                "workspacesAndBases.shares:manage": "blocked_by_role",
            })
        );
        assert_eq!(t["drift"]["excess_scopes"], json!(["webhook:manage"]));
        let excess = findings(&t)
            .into_iter()
            .find(|f| f["scope"] == "webhook:manage")
            .unwrap();
        let said = excess["explanation"].as_str().unwrap();
        assert!(
            said.contains("fetch their payloads") && said.contains("every change"),
            "{said}"
        );
        // Schema, webhooks, views, the first record and its comments; no write.
        assert_eq!(reach["requests"], 5);
        assert_eq!(t["requests"], 7);
        assert_eq!(fake.stats().per_base[&sales()].requests, 5);
    }

    #[test]
    fn a_table_restriction_is_its_own_verdict_and_points_at_the_table() {
        let fake = FakeAirtable::start(real_world()).unwrap();
        let v = TestVault::new();
        let deals = format!("{}/Deals", sales());
        let scopes = [
            "--scope",
            "data.records:read",
            "--scope",
            "data.records:write",
            "--scope",
            "schema.bases:read",
        ];
        added(
            &v,
            "eddie",
            11,
            &[&scopes[..], &["--base", &deals]].concat(),
        );
        let (code, t, err) = check(&v, &fake, "eddie");
        assert_eq!(code, Some(1), "{err}");
        let reach = on(&t, &sales());
        assert_eq!(reach["scopes"]["data.records:write"], "restricted");
        assert_eq!(
            reach["reasons"]["data.records:write"],
            format!(
                "You are not permitted to create records in table Deals ({})",
                id("tbl", "Deals")
            )
        );
        assert_eq!(t["scopes"]["data.records:write"], "restricted");
        assert_eq!(t["status"], "drift");
        let found = findings(&t);
        assert_eq!(found.len(), 1, "{found:#?}");
        // Not shown to lack the scope: blocked on the base by the table, never missing.
        assert_eq!(found[0]["kind"], "blocked_on_base");
        assert_eq!(t["drift"]["missing_scopes"], json!([]));
        assert_eq!(
            t["drift"]["blocked_on_bases"],
            json!({"data.records:write": [sales()]})
        );
        assert_eq!(found[0]["cause"], "table_permissions");
        assert_eq!(found[0]["base"], sales());
        assert!(
            found[0]["fix"]
                .as_str()
                .unwrap()
                .contains("table's or field's permissions"),
            "{}",
            found[0]["fix"]
        );
        // The same token on an unrestricted table may write.
        let contacts = format!("{}/Contacts", sales());
        let out = v.run(&["edit", "eddie", "--base", &contacts]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let (code, t, err) = check(&v, &fake, "eddie");
        assert_eq!(code, Some(0), "{err}\n{t:#}");
        assert_eq!(on(&t, &sales())["scopes"]["data.records:write"], "granted");
    }

    #[test]
    fn a_table_or_base_gone_from_the_intent_is_an_error_that_says_so() {
        // Answered as in the API-key era (404 `TABLE_NOT_FOUND`); a 403 is
        // `answers::a_missing_table_answered_403_is_never_a_missing_scope` in the core.
        let mut world = real_world();
        world.settings.missing_table = fake_airtable::scenario::MissingTable::NotFound;
        let fake = FakeAirtable::start(world).unwrap();
        let v = TestVault::new();
        let gone = format!("{}/Forecasts", sales());
        let read = ["--scope", "data.records:read"];
        // Token 12 lists bases: the schema already shows the table is not there.
        added(
            &v,
            "lister",
            12,
            &[
                &read[..],
                &["--scope", "schema.bases:read", "--base", &gone],
            ]
            .concat(),
        );
        // Token 13 cannot list bases: the request itself answers 404 TABLE_NOT_FOUND.
        added(&v, "blind", 13, &[&read[..], &["--base", &gone]].concat());
        // Lister: schema, webhooks, views, shares. Blind: webhooks, views, shares, then
        // the records whose 404 spares the writes.
        for (name, requests) in [("lister", 4), ("blind", 4)] {
            let (code, t, err) = check(&v, &fake, name);
            assert_eq!(code, Some(1), "{name}: {err}");
            assert_eq!(t["status"], "error", "{name}: {t:#}");
            let reach = on(&t, &sales());
            assert_eq!(reach["scopes"]["data.records:read"], "error", "{name}");
            assert_eq!(reach["not_found"], "table", "{name}");
            assert_eq!(reach["reachable"], true, "{name}");
            let why = reach["reasons"]["data.records:read"].as_str().unwrap();
            assert!(
                why.contains("Forecasts") && why.contains("renamed or deleted"),
                "{name}: {why}"
            );
            assert_eq!(t["drift"]["missing_scopes"], json!([]), "{name}");
            assert_eq!(t["drift"]["missing_bases"], json!([]), "{name}");
            let found = findings(&t);
            assert_eq!(found.len(), 1, "{name}: {found:#?}");
            assert_eq!(found[0]["kind"], "not_found");
            assert_eq!(found[0]["cause"], "intent");
            assert!(
                found[0]["fix"]
                    .as_str()
                    .unwrap()
                    .starts_with("Update the token's intent"),
                "{name}: {}",
                found[0]["fix"]
            );
            assert_eq!(reach["requests"], requests, "{name}: {reach:#}");
        }
        // The 404 came from the fake for the blind token only.
        let (_, blind, _) = check(&v, &fake, "blind");
        assert_eq!(
            on(&blind, &sales())["scopes"]["data.records:write"],
            "error"
        );
        assert_eq!(fake.stats().per_route["list_records"], 1);

        // A base that is gone, as an older capture answered it: 404 `NOT_FOUND`.
        let deleted = id("app", "Deleted");
        let out = v.run(&["edit", "blind", "--base", &format!("{deleted}/Deals")]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let routes = [
            Route::ListWebhooks,
            Route::ListViews,
            Route::ListShares,
            Route::ListRecords,
            Route::CreateRecords,
            Route::UpdateTable,
        ];
        fake.set_faults(
            routes
                .into_iter()
                .map(|route| Fault {
                    route,
                    base: Some(deleted.clone()),
                    times: None,
                    kind: FaultKind::Answer {
                        status: 404,
                        body: Some(json!({"error": "NOT_FOUND"})),
                        raw: None,
                    },
                })
                .collect(),
        );
        let (_, t, err) = check(&v, &fake, "blind");
        assert_eq!(t["status"], "error", "{err}\n{t:#}");
        let reach = on(&t, &deleted);
        assert_eq!(reach["not_found"], "base");
        let why = reach["reasons"]["webhook:manage"].as_str().unwrap();
        assert!(
            why.contains("base named in the intent was not found"),
            "{why}"
        );
        for scope in [
            "data.records:read",
            "data.records:write",
            "schema.bases:write",
            "webhook:manage",
            "data.recordComments:read",
        ] {
            assert_eq!(reach["scopes"][scope], "error", "{scope}: {reach:#}");
        }
        // Once the base answered 404 (to the first stage's three requests, sent at
        // once), nothing more was asked of it.
        assert_eq!(reach["requests"], 3, "{reach:#}");
        assert_eq!(t["drift"]["missing_bases"], json!([]));
        let found = findings(&t);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0]["kind"], "not_found");
        assert!(
            found[0]["fix"].as_str().unwrap().contains("remove"),
            "{}",
            found[0]["fix"]
        );
    }

    #[test]
    fn a_spent_monthly_quota_stops_that_bases_data_probes_at_once() {
        let mut world = real_world();
        world.settings.page_size = 1;
        let fake = FakeAirtable::start(world).unwrap();
        let v = TestVault::new();
        let spent = id("app", "Spent");
        let mut flags: Vec<&str> = Vec::new();
        for s in fake_airtable::world::EVERY_BASIC_SCOPE {
            flags.extend(["--scope", s]);
        }
        let sales = sales();
        flags.extend(["--base", &spent, "--base", &sales]);
        added(&v, "both", 14, &flags);
        let started = Instant::now();
        let (code, t, err) = check(&v, &fake, "both");
        assert!(started.elapsed() < Duration::from_secs(10), "it waited");
        assert_eq!(code, Some(1), "{err}");
        assert_eq!(t["status"], "error");
        let reach = on(&t, &spent);
        assert_eq!(reach["quota_exhausted"], true);
        for scope in [
            "data.records:read",
            "data.recordComments:read",
            "data.records:write",
            "webhook:manage",
        ] {
            assert_eq!(reach["scopes"][scope], "error", "{scope}");
            let why = reach["reasons"][scope].as_str().unwrap();
            assert!(why.contains("monthly Airtable API quota"), "{scope}: {why}");
        }
        // The metadata routes stay open, and the other base carries on.
        for scope in [
            "schema.bases:read",
            "schema.bases:write",
            "workspacesAndBases:read",
        ] {
            assert_eq!(reach["scopes"][scope], "granted", "{scope}");
        }
        assert_eq!(on(&t, &sales)["scopes"]["data.records:read"], "granted");
        let error = t["error"].as_str().unwrap();
        assert!(
            error.starts_with(
                "the monthly Airtable API quota is used up for the workspace of “Spent”"
            ) && error.contains("Wait for the next month"),
            "{error}"
        );
        let stats = fake.stats();
        // One data request met the quota; none was retried, none paced into a 429.
        assert_eq!(stats.billing_limited, 1, "{stats:#?}");
        assert_eq!(stats.rate_limited, 0);
        assert_eq!(stats.per_route["list_bases"], 2, "every page, real offsets");
        // The readable output says it in one line.
        let mut cmd = v.command(&["check", "both"]);
        cmd.env("PATVAULT_AIRTABLE_URL", fake.url());
        let text = stdout(&cmd.output().unwrap());
        let line = text
            .lines()
            .find(|l| l.contains("quota"))
            .unwrap_or_else(|| panic!("{text}"));
        assert!(line.contains("Wait for the next month"), "{line}");
    }

    #[test]
    fn permanent_deletion_is_a_scope_that_cannot_be_verified() {
        let fake = FakeAirtable::start(real_world()).unwrap();
        let v = TestVault::new();
        added(
            &v,
            "cleaner",
            12,
            &["--scope", "data.records:manage", "--base", &sales()],
        );
        let (_, t, err) = check(&v, &fake, "cleaner");
        assert_eq!(t["scopes"]["data.records:manage"], "unverifiable", "{err}");
        let unknown = t["drift"]["unknown"].to_string();
        assert!(unknown.contains("data.records:manage"), "{unknown}");
    }

    #[test]
    fn a_token_that_lists_no_base_names_both_causes() {
        let fake = FakeAirtable::start(real_world()).unwrap();
        let v = TestVault::new();
        added(
            &v,
            "empty",
            15,
            &[
                "--scope",
                "data.records:read",
                "--scope",
                "schema.bases:read",
                "--base",
                &sales(),
            ],
        );
        let (code, t, err) = check(&v, &fake, "empty");
        assert_eq!(code, Some(1), "{err}");
        assert_eq!(t["can_list_bases"], true);
        assert_eq!(t["drift"]["missing_bases"], json!([sales()]));
        let found = findings(&t);
        assert_eq!(found.len(), 1, "{found:#?}");
        let said = found[0]["explanation"].as_str().unwrap();
        assert!(
            said.contains("no base is granted")
                && said.contains("Block API access to organization-owned apps & workspaces"),
            "{said}"
        );
    }

    #[test]
    fn an_unknown_role_keeps_the_base_reachable_and_probed() {
        let fake = FakeAirtable::start(real_world()).unwrap();
        let v = TestVault::new();
        let odd = id("app", "Odd");
        added(
            &v,
            "odd",
            16,
            &[
                "--scope",
                "data.records:read",
                "--scope",
                "schema.bases:read",
                "--base",
                &odd,
            ],
        );
        let (code, t, err) = check(&v, &fake, "odd");
        assert_eq!(code, Some(0), "{err}\n{t:#}");
        let reach = on(&t, &odd);
        assert_eq!(reach["reachable"], true);
        assert_eq!(reach["permission_level"], Value::Null);
        let why = reach["reasons"]["role"].as_str().unwrap();
        assert!(
            why.contains("“owner”") && why.contains("not recognise"),
            "{why}"
        );
        assert_eq!(reach["scopes"]["data.records:read"], "granted");
        // A refusal where the role is not known may be the role's: not a denial.
        assert_eq!(reach["scopes"]["data.records:write"], "unverifiable");
        // Nothing is ruled out by a role it does not know: every probe is sent.
        assert_eq!(reach["requests"], 8);
    }

    /// Each answer quoted in `airtable-api.md`, replayed on one route, and what the
    /// check must make of it.
    #[test]
    fn real_answers_replayed_get_their_documented_verdict() {
        let fake = FakeAirtable::start(real_world()).unwrap();
        let v = TestVault::new();
        let deals = format!("{}/Deals", sales());
        let mut flags: Vec<&str> = Vec::new();
        for s in fake_airtable::world::EVERY_BASIC_SCOPE {
            flags.extend(["--scope", s]);
        }
        flags.extend(["--base", &deals]);
        added(&v, "all", 14, &flags);
        let body = |text: &str| Some(serde_json::from_str::<Value>(text).unwrap());
        // The route, the answer's status and body, the scope, its verdict, its reason.
        type Case = (
            Route,
            u16,
            Option<Value>,
            &'static str,
            &'static str,
            &'static str,
        );
        let cases: Vec<Case> = vec![
            (
                Route::ListRecords,
                403,
                body(r#"{"error":{"type":"INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND"}}"#),
                "data.records:read",
                "denied",
                "",
            ),
            (
                Route::ListRecords,
                404,
                body(r#"{"error":"NOT_FOUND"}"#),
                "data.records:read",
                "error",
                "renamed or deleted",
            ),
            (
                Route::ListRecords,
                404,
                body(r#"{"error":{"type":"NOT_FOUND"}}"#),
                "data.records:read",
                "error",
                "renamed or deleted",
            ),
            (
                Route::CreateRecords,
                422,
                body(
                    r#"{"error":{"type":"INVALID_REQUEST_MISSING_FIELDS","message":"Could not find field \"fields\" in the request body"}}"#,
                ),
                "data.records:write",
                "granted",
                "",
            ),
            (
                Route::CreateRecords,
                422,
                body(
                    r#"{"error":{"type":"INVALID_REQUEST_BODY","message":"Could not parse request body"}}"#,
                ),
                "data.records:write",
                "granted",
                "",
            ),
            (
                Route::CreateRecords,
                422,
                None,
                "data.records:write",
                "granted",
                "",
            ),
            (
                Route::UpdateTable,
                200,
                body(r#"{"id":"tblDeals000000000"}"#),
                "schema.bases:write",
                "unverifiable",
                "",
            ),
            (
                Route::UpdateTable,
                400,
                None,
                "schema.bases:write",
                "unverifiable",
                "",
            ),
            // Outside the docs: an error with the status and the type, never a verdict.
            (
                Route::ListRecords,
                403,
                None,
                "data.records:read",
                "error",
                "403",
            ),
            (
                Route::ListWebhooks,
                403,
                body(r#"{"error":{"type":"SOMETHING_NEW"}}"#),
                "webhook:manage",
                "error",
                "403 SOMETHING_NEW",
            ),
            (
                Route::ListViews,
                429,
                body(r#"{"error":"TOO_BUSY"}"#),
                "workspacesAndBases:read",
                "error",
                "429 TOO_BUSY",
            ),
            (
                Route::ListRecords,
                422,
                body(r#"{"error":{"type":"INVALID_REQUEST_UNKNOWN"}}"#),
                "data.records:read",
                "error",
                "422",
            ),
        ];
        for (route, status, body, scope, verdict, reason) in cases {
            fake.set_faults(vec![Fault {
                route,
                base: Some(sales()),
                times: None,
                kind: FaultKind::Answer {
                    status,
                    body: body.clone(),
                    raw: None,
                },
            }]);
            let started = Instant::now();
            let (_, t, err) = check(&v, &fake, "all");
            let case = format!("{route:?} {status} {body:?}");
            assert!(started.elapsed() < Duration::from_secs(10), "{case} waited");
            let reach = on(&t, &sales());
            assert_eq!(reach["scopes"][scope], verdict, "{case}: {err}\n{reach:#}");
            if !reason.is_empty() {
                let why = reach["reasons"][scope].as_str().unwrap_or_default();
                assert!(why.contains(reason), "{case}: {why}");
            }
            let stats = fake.stats();
            assert_eq!(stats.rate_limited, 0, "{case}");
            assert_eq!(stats.bodies, 0, "{case}");
            // Nothing is retried: eight probes; seven when no record was read for
            // comments; five when the records' 404 shows the table gone (no comments, no
            // writes to it).
            let probes = match (route, status) {
                (Route::ListRecords, 404) => 5,
                (Route::ListRecords, _) => 7,
                _ => 8,
            };
            assert_eq!(
                stats.per_base[&sales()].requests,
                probes,
                "{case}: {stats:#?}"
            );
        }
    }
}

#[test]
fn the_estimate_counts_requests_and_sends_none() {
    let fake = FakeAirtable::start(office()).unwrap();
    let v = TestVault::new();
    let (crm, ops) = (id("app", "CRM"), id("app", "Ops"));
    v.add("two", &pat(2), &["--base", &crm, "--base", &ops]);
    let (code, json, err) = checked(&v, &fake, &["check", "--estimate", "--json"]);
    assert_eq!(code, Some(0), "{err}");
    // Never checked: whoami, one page of bases, and every scope (8 probes) on the
    // intended base first by id; the intent names no scope, so Ops is asked nothing.
    assert_eq!(json["requests"], 2 + 8);
    assert_eq!(json["unknown_tokens"], 0);
    let (_, light, _) = checked(&v, &fake, &["check", "--estimate", "--light", "--json"]);
    assert_eq!(light["requests"], 2);
    assert_eq!(fake.stats().requests, 0, "an estimate sent a request");
    // Once checked, the estimate follows what the check found: the token lacks comments,
    // and CRM, Alice's as creator, reads its record again before that refusal counts.
    checked(&v, &fake, &["check", "--json"]);
    let mut cmd = v.command(&["check", "--estimate"]);
    cmd.env("PATVAULT_AIRTABLE_URL", fake.url());
    let text = stdout(&cmd.output().unwrap());
    assert!(
        text.starts_with("A full check of 1 token sends about 11 requests"),
        "{text}"
    );
    // What the next check sends, exactly.
    fake.reset_traffic();
    let (_, report, _) = checked(&v, &fake, &["check", "--json"]);
    assert_eq!(report["tokens"][0]["requests"], 11);
    assert_eq!(fake.stats().requests, 11);
}

#[test]
fn no_proxy_from_the_environment_sees_a_loopback_check() {
    use std::io::Read;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let fake = FakeAirtable::start(office()).unwrap();
    let v = TestVault::new();
    v.add("reader", &pat(2), &["--scope", "data.records:read"]);
    // A proxy that records every byte it is sent and answers nothing.
    let proxy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy_url = format!("http://{}", proxy.local_addr().unwrap());
    let received = Arc::new(AtomicUsize::new(0));
    let counted = received.clone();
    std::thread::spawn(move || {
        for mut conn in proxy.incoming().flatten() {
            let counted = counted.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = conn.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    counted.fetch_add(n, Ordering::SeqCst);
                }
            });
        }
    });
    let mut cmd = v.command(&["check", "--json"]);
    cmd.env("PATVAULT_AIRTABLE_URL", fake.url())
        .env("PATVAULT_AIRTABLE_TIMEOUT_SECS", "3");
    for var in [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "all_proxy",
    ] {
        cmd.env(var, &proxy_url);
    }
    cmd.env_remove("NO_PROXY").env_remove("no_proxy");
    let out = cmd.output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json["tokens"][0]["error"],
        serde_json::Value::Null,
        "{json:#}"
    );
    assert!(fake.stats().requests > 0);
    assert_eq!(
        received.load(Ordering::SeqCst),
        0,
        "the proxy saw the token"
    );
}

#[test]
fn server_text_that_echoes_the_token_or_escapes_the_terminal_is_made_safe() {
    use fake_airtable::{Fault, FaultKind, Route};
    let fake = FakeAirtable::start(office()).unwrap();
    let v = TestVault::new();
    let crm = id("app", "CRM");
    v.add(
        "all",
        &pat(1),
        &[
            "--scope",
            "data.records:read",
            "--base",
            &format!("{crm}/Contacts"),
        ],
    );
    let echo = |route, status, body: &str| Fault {
        route,
        base: None,
        times: None,
        kind: FaultKind::Answer {
            status,
            body: None,
            raw: Some(body.to_owned()),
        },
    };
    let answers = [
        echo(
            Route::Whoami,
            200,
            r#"{"id": "usr{{authorization}}", "email": "a\u001b[2J@example.com"}"#,
        ),
        echo(
            Route::ListBases,
            200,
            &format!(
                r#"{{"bases": [{{"id": "{crm}", "name": "CRM \u001b]0;owned\u0007{{{{authorization}}}}", "permissionLevel": "create"}}]}}"#
            ),
        ),
        echo(
            Route::ListRecords,
            403,
            r#"{"error": {"type": "{{authorization}}", "message": "m"}}"#,
        ),
        echo(
            Route::CreateRecords,
            403,
            r#"{"error": {"type": "INVALID_PERMISSIONS", "message": "no: {{authorization}}"}}"#,
        ),
        echo(Route::BaseSchema, 200, r#"{"tables": "{{authorization}}"}"#),
        echo(
            Route::ListWebhooks,
            404,
            r#"{"error": {"type": "NOT_FOUND", "message": "{{authorization}}"}}"#,
        ),
    ];
    fake.set_faults(answers.to_vec());
    let tail = &pat(1)[18..];
    for args in [&["check", "--json"][..], &["check"][..]] {
        let mut cmd = v.command(args);
        cmd.env("PATVAULT_AIRTABLE_URL", fake.url());
        // Each run paces itself alone: the one before must not count against it.
        fake.reset_traffic();
        let out = cmd.output().unwrap();
        let (text, err) = (stdout(&out), stderr(&out));
        assert!(text.contains("redacted"), "{text}");
        for said in [&text, &err] {
            assert!(!said.contains(tail), "{said}");
            assert!(
                !said.contains('\u{1b}') && !said.contains('\u{7}'),
                "{said}"
            );
        }
    }
    let inventory = v.inventory();
    for file in [inventory.clone(), inventory.with_extension("json.bak")] {
        let kept = std::fs::read_to_string(&file).unwrap();
        assert!(!kept.contains(tail), "{}", file.display());
        assert!(!kept.contains("\\u001b"), "{}", file.display());
    }
}

#[test]
fn another_api_root_is_named_wherever_checks_are_shown() {
    let fake = FakeAirtable::start(office()).unwrap();
    let v = TestVault::new();
    v.add("reader", &pat(2), &[]);
    let (_, json, err) = checked(&v, &fake, &["check", "--json"]);
    assert_eq!(json["api_root"], format!("{}/", fake.url()), "{err}");
    let text = check_text(&v, &fake);
    assert!(
        text.starts_with(&format!(
            "Checked against {}/ (PATVAULT_AIRTABLE_URL), not Airtable's own API.",
            fake.url()
        )),
        "{text}"
    );
    let mut cmd = v.command(&["doctor", "--json"]);
    cmd.env("PATVAULT_AIRTABLE_URL", fake.url());
    let doctor: serde_json::Value = serde_json::from_slice(&cmd.output().unwrap().stdout).unwrap();
    assert_eq!(doctor["custom_api_root"], true);
    assert_eq!(doctor["api_root"], format!("{}/", fake.url()));
    let mut cmd = v.command(&["doctor", "--json"]);
    cmd.env_remove("PATVAULT_AIRTABLE_URL");
    let doctor: serde_json::Value = serde_json::from_slice(&cmd.output().unwrap().stdout).unwrap();
    assert_eq!(doctor["custom_api_root"], false);
    assert_eq!(doctor["api_root"], "https://api.airtable.com/");
}

#[test]
fn a_token_edited_in_place_shows_what_changed_since_its_last_check_once() {
    let fake = FakeAirtable::start(office()).unwrap();
    let v = TestVault::new();
    let (crm, ops) = (id("app", "CRM"), id("app", "Ops"));
    // Token 2 reads CRM and Ops; it is meant to write both, and Alice only reads Ops.
    v.add(
        "reader",
        &pat(2),
        &[
            "--scope",
            "data.records:read",
            "--scope",
            "data.records:write",
            "--scope",
            "schema.bases:read",
            "--base",
            &crm,
            "--base",
            &ops,
        ],
    );
    let (_, first, _) = checked(&v, &fake, &["check", "--json"]);
    assert_eq!(
        first["tokens"][0]["changed_since_last"],
        serde_json::Value::Null
    );
    assert_eq!(
        first["tokens"][0]["drift"]["missing_scopes"],
        serde_json::json!(["data.records:write"])
    );
    // In Airtable, the token is edited: write added, Ops removed, the same secret.
    fake.update(|s| {
        let token = s.tokens.iter_mut().find(|t| t.token == pat(2)).unwrap();
        token.scopes.push("data.records:write".into());
        token.bases.retain(|b| *b != ops);
    });
    // Each run is a process with a pacer of its own: start the fake's windows afresh.
    fake.reset_traffic();
    let (code, second, _) = checked(&v, &fake, &["check", "--json"]);
    assert_eq!(code, Some(1));
    let report = &second["tokens"][0];
    let change = &report["changed_since_last"];
    assert_eq!(
        change["scopes_gained"],
        serde_json::json!(["data.records:write"]),
        "{change}"
    );
    assert_eq!(change["bases_lost"], serde_json::json!([ops]), "{change}");
    assert_eq!(change["since"], first["tokens"][0]["checked_at"]);
    // Held now, so no longer missing; Ops is out of reach.
    assert_eq!(report["scopes"]["data.records:write"], "granted");
    assert_eq!(report["drift"]["missing_scopes"], serde_json::json!([]));
    assert_eq!(report["drift"]["missing_bases"], serde_json::json!([ops]));
    // Told once: the next check compares with this one.
    let text = check_text(&v, &fake);
    assert!(!text.contains("since the check of"), "{text}");
    fake.update(|s| {
        let token = s.tokens.iter_mut().find(|t| t.token == pat(2)).unwrap();
        token.scopes.retain(|s| s != "data.records:read");
    });
    let text = check_text(&v, &fake);
    assert!(
        text.contains("reach shrank (something may break) since the check of")
            && text.contains("scopes lost: data.records:read"),
        "{text}"
    );
}

#[test]
fn a_scope_the_role_blocks_on_some_bases_is_blocked_there_not_missing() {
    let fake = FakeAirtable::start(office()).unwrap();
    let v = TestVault::new();
    let (crm, ops) = (id("app", "CRM"), id("app", "Ops"));
    // Token 1 holds every scope; Alice creates CRM and only reads Ops.
    v.add(
        "writer",
        &pat(1),
        &[
            "--scope",
            "data.records:write",
            "--base",
            &crm,
            "--base",
            &ops,
        ],
    );
    let (code, json, _) = checked(&v, &fake, &["check", "--json"]);
    assert_eq!(code, Some(1));
    let report = &json["tokens"][0];
    assert_eq!(report["scopes"]["data.records:write"], "granted");
    assert_eq!(report["drift"]["missing_scopes"], serde_json::json!([]));
    assert_eq!(
        report["drift"]["blocked_on_bases"],
        serde_json::json!({"data.records:write": [ops]})
    );
    let blocked = report["drift"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "blocked_on_base")
        .unwrap();
    assert_eq!(blocked["cause"], "role");
    assert!(
        blocked["explanation"]
            .as_str()
            .unwrap()
            .contains("role there is read, it needs edit")
    );
    let text = check_text(&v, &fake);
    assert!(text.contains("0 missing, 1 blocked"), "{text}");
    assert!(
        text.contains("blocked on a base (will break there)"),
        "{text}"
    );
}

#[test]
fn a_full_check_implies_what_it_does_not_probe_and_a_deep_one_probes_everything() {
    let fake = FakeAirtable::start(office()).unwrap();
    let v = TestVault::new();
    let (crm, ops) = (id("app", "CRM"), id("app", "Ops"));
    // Token 1 holds every scope on CRM, Ops and Empty; it is meant for CRM only.
    v.add(
        "every",
        &pat(1),
        &["--scope", "data.records:read", "--base", &crm],
    );
    let base = |json: &serde_json::Value, id: &str| {
        json["tokens"][0]["bases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["id"] == id)
            .unwrap()
            .clone()
    };
    let (_, full, _) = checked(&v, &fake, &["check", "--json"]);
    let on_ops = base(&full, &ops);
    assert_eq!(on_ops["scopes"]["data.records:read"], "implied");
    assert_eq!(on_ops["scopes"]["data.records:write"], "blocked_by_role");
    assert_eq!(on_ops["requests"], 0);
    assert!(
        on_ops["reasons"]["data.records:read"]
            .as_str()
            .unwrap()
            .contains("not probed here")
    );
    assert_eq!(base(&full, &crm)["scopes"]["data.records:read"], "granted");
    fake.reset_traffic();
    let (_, deep, _) = checked(&v, &fake, &["check", "--deep", "--json"]);
    let on_ops = base(&deep, &ops);
    assert_eq!(on_ops["scopes"]["data.records:read"], "granted");
    assert_eq!(on_ops["requests"], 5);
    // Drift is the same whether the cells were implied or probed: a base reached only by
    // implication is still reached, an excess scope still excess.
    let drift = |json: &serde_json::Value, field: &str| json["tokens"][0]["drift"][field].clone();
    for field in [
        "excess_bases",
        "excess_scopes",
        "missing_scopes",
        "missing_bases",
    ] {
        assert_eq!(drift(&full, field), drift(&deep, field), "{field}");
    }
    assert!(
        drift(&full, "excess_bases")
            .as_array()
            .unwrap()
            .contains(&serde_json::Value::from(ops.as_str())),
        "{}",
        drift(&full, "excess_bases")
    );
    let out = v.run(&["check", "--light", "--deep"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn a_base_named_with_base_is_probed_in_full_costs_what_the_estimate_said_and_stays_unintended() {
    let fake = FakeAirtable::start(office()).unwrap();
    let v = TestVault::new();
    let (crm, ops) = (id("app", "CRM"), id("app", "Ops"));
    v.add(
        "every",
        &pat(1),
        &["--scope", "data.records:read", "--base", &crm],
    );
    // Named but not among the bases the token lists: shown unreached, asked nothing.
    let elsewhere = id("app", "Elsewhere");
    let named = ["--base", ops.as_str(), "--base", elsewhere.as_str()];
    // The estimate knows which bases the token lists once it has been checked.
    checked(&v, &fake, &["check", "--json"]);
    let (_, estimate, _) = checked(
        &v,
        &fake,
        &[&["check", "--estimate", "--json"], &named[..]].concat(),
    );
    // A process of its own, whose pacer knows nothing of the check a moment ago: the
    // fake's rate windows start afresh too, so no 429 adds a retry to the count.
    fake.reset_traffic();
    let (_, json, err) = checked(&v, &fake, &[&["check", "--json"], &named[..]].concat());
    assert_eq!(json["tokens"][0]["requests"], estimate["requests"], "{err}");
    let on_elsewhere = json["tokens"][0]["bases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == elsewhere)
        .unwrap_or_else(|| panic!("{err}"));
    assert_eq!(on_elsewhere["reachable"], false);
    assert_eq!(on_elsewhere["requests"], 0);
    let on_ops = json["tokens"][0]["bases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == ops)
        .unwrap_or_else(|| panic!("{err}"))
        .clone();
    assert_eq!(on_ops["scopes"]["data.records:read"], "granted");
    assert_eq!(on_ops["intended"], false);
    assert_eq!(on_ops["requests"], 5);
    // As text, each named base says what it showed, the reason it was named.
    fake.reset_traffic();
    let mut cmd = v.command(&[&["check"], &named[..]].concat());
    cmd.env("PATVAULT_AIRTABLE_URL", fake.url());
    let text = stdout(&cmd.output().unwrap());
    assert!(
        text.contains(&format!("({ops}) as read, probed in full:\n"))
            && text.contains("    granted: ")
            && text.contains(&format!(
                "  {elsewhere}: not reached (not among the bases the token lists)"
            )),
        "{text}"
    );
    let out = v.run(&["check", "--base", &ops, "--light"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    // A base id goes into request paths: nothing else passes.
    let out = v.run(&["check", "--base", "app../../x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("is not a base id"),
        "{}",
        stderr(&out)
    );
}
