//! The check benchmark: 10 tokens of 2 users across 20 bases, 50 ms of latency on the
//! fake Airtable, Airtable's real rate limits (5/s per base, 50/s per user, 30 s penalty).
//! Prints the wall time of a full check of all tokens, its requests and 429s, its ratio
//! to the floor the rate limits set, and its ratio to a check that sends one request at
//! a time. Run it with `scripts/bench.sh`; `--quick` skips the (slow) sequential run.

// A benchmark is a program that prints its numbers.
#![allow(clippy::print_stdout)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use fake_airtable::scenario::{Base, Field, Level, Record, Table, Token, User};
use fake_airtable::{FakeAirtable, Scenario};
use patvault_core::airtable::{ApiRoot, Client, ClientOptions};
use patvault_core::check::{CheckJob, check_many};
use patvault_core::model::record::TokenIntent;
use patvault_core::secret::Secret;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

const LATENCY_MS: u64 = 50;
const SCOPES: &[&str] = &[
    "data.records:read",
    "data.records:write",
    "data.recordComments:read",
    "schema.bases:read",
    "schema.bases:write",
    "webhook:manage",
    "user.email:read",
    "workspacesAndBases:read",
];

fn padded(prefix: &str, n: usize) -> String {
    format!("{prefix}{n:014}")
}

fn pat(n: usize) -> String {
    format!("{}.{:064x}", padded("pat", n), n * 7919 + 1)
}

/// User 0 works on bases 0–14, user 1 on 5–19; each token is granted 8 of its user's.
fn scenario() -> Scenario {
    let users: Vec<String> = (0..2).map(|u| padded("usr", u)).collect();
    let bases = (0..20)
        .map(|b| {
            let mut roles = BTreeMap::new();
            if b < 15 {
                roles.insert(
                    users[0].clone(),
                    if b % 3 == 0 {
                        Level::Edit
                    } else {
                        Level::Create
                    },
                );
            }
            if b >= 5 {
                roles.insert(
                    users[1].clone(),
                    if b % 4 == 0 {
                        Level::Read
                    } else {
                        Level::Create
                    },
                );
            }
            Base {
                id: padded("app", b),
                name: format!("Base {b}"),
                tables: vec![Table {
                    id: padded("tbl", b),
                    name: "Items".into(),
                    fields: vec![Field {
                        id: padded("fld", b),
                        name: "Name".into(),
                        kind: "singleLineText".into(),
                    }],
                    records: vec![Record {
                        id: padded("rec", b),
                        fields: serde_json::json!({"Name": "first"}),
                        comments: vec![serde_json::json!({"id": padded("com", b), "text": "ok"})],
                    }],
                    create_records: None,
                }],
                roles,
                ..Base::default()
            }
        })
        .collect();
    let tokens = (0..10)
        .map(|t| {
            let user = t % 2;
            let first = if user == 0 { 0 } else { 5 };
            Token {
                token: pat(t),
                owner: users[user].clone(),
                scopes: SCOPES.iter().map(|s| s.to_string()).collect(),
                bases: (0..8)
                    .map(|i| padded("app", first + (t / 2 * 2 + i) % 15))
                    .collect(),
                ..Token::default()
            }
        })
        .collect();
    let mut scenario = Scenario {
        users: users
            .iter()
            .map(|id| User {
                id: id.clone(),
                email: format!("{id}@example.com"),
            })
            .collect(),
        bases,
        tokens,
        ..Scenario::default()
    };
    scenario.settings.latency_ms = LATENCY_MS;
    scenario
}

struct Run {
    wall: Duration,
    requests: u64,
    rate_limited: u64,
    floor: Duration,
}

async fn run(options: ClientOptions) -> Run {
    let fake = FakeAirtable::start(scenario()).expect("the fake starts");
    let client = Client::new(ApiRoot::parse(&fake.url()).unwrap(), options).unwrap();
    let jobs = (0..10)
        .map(|t| CheckJob {
            id: Uuid::from_u128(t as u128),
            intent: TokenIntent::named(
                format!("token {t}"),
                chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            ),
            secret: Ok(Secret::new(pat(t))),
            user_hint: None,
        })
        .collect();
    let started = Instant::now();
    let mut failed = 0;
    check_many(
        &client,
        jobs,
        false,
        &CancellationToken::new(),
        |_, report| {
            if report.error.is_some() {
                failed += 1;
                eprintln!("a token failed: {:?}", report.error);
            }
        },
    )
    .await;
    let wall = started.elapsed();
    assert_eq!(failed, 0, "every token should be checked");
    let stats = fake.stats();
    let busiest = |keys: &BTreeMap<String, fake_airtable::KeyStats>, rate: f64| {
        keys.values()
            .map(|k| k.requests as f64 / rate)
            .fold(0.0, f64::max)
    };
    let slowest = busiest(&stats.per_base, 5.0).max(busiest(&stats.per_user, 50.0));
    let round_trip = Duration::from_millis(LATENCY_MS);
    Run {
        wall,
        requests: stats.requests,
        rate_limited: stats.rate_limited,
        floor: Duration::from_secs_f64(slowest) + round_trip,
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    println!(
        "check benchmark: 10 tokens, 2 users, 20 bases, {LATENCY_MS} ms latency, real rate limits"
    );
    let full = run(ClientOptions::default()).await;
    println!(
        "full check, concurrent:   {:>8.2} s",
        full.wall.as_secs_f64()
    );
    println!("requests:                 {:>8}", full.requests);
    println!("429 answers:              {:>8}", full.rate_limited);
    println!(
        "floor set by the limits:  {:>8.2} s",
        full.floor.as_secs_f64()
    );
    println!(
        "ratio to the floor:       {:>8.3}   (target: under 1.2)",
        full.wall.as_secs_f64() / full.floor.as_secs_f64()
    );
    if quick {
        return;
    }
    let sequential = run(ClientOptions {
        max_in_flight: Some(1),
        ..ClientOptions::default()
    })
    .await;
    println!(
        "one request at a time:    {:>8.2} s",
        sequential.wall.as_secs_f64()
    );
    println!(
        "ratio to sequential:      {:>8.3}",
        full.wall.as_secs_f64() / sequential.wall.as_secs_f64()
    );
}
