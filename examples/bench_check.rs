//! The check benchmark, a matrix of account shapes: for each, a deep (or light) check of
//! all its tokens against the fake Airtable with 50 ms of latency and Airtable's real
//! rate limits (5/s per base, 50/s per user, 30 s penalty). Each row prints the
//! requests, the wall time, the lower bound the limits set (the busiest base's requests
//! over 5 a second or the busiest user's over 50, whichever is longer, plus one
//! latency), the ratio of the two and the 429s, all measured in the same run. Run it
//! with `scripts/bench.sh`; `--quick` leaves out the 500-base deep check (over a
//! minute), `--trace` prints each row's accepted requests per second per user and for
//! its busiest base.

// A benchmark is a program that prints its numbers.
#![allow(clippy::print_stdout)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use fake_airtable::scenario::{Base, Field, Level, Record, Table, Token, User};
use fake_airtable::{FakeAirtable, Scenario};
use patvault_core::airtable::{ApiRoot, Client, ClientOptions};
use patvault_core::check::{CheckJob, Depth, check_many};
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

/// An account: its users, how many bases, and each token's user and bases.
struct Shape {
    name: &'static str,
    users: usize,
    bases: usize,
    /// Each token: its user, and the bases it is granted.
    tokens: Vec<(usize, Vec<usize>)>,
    /// The users are known from an earlier check (else whoami tells them).
    known_users: bool,
    depth: Depth,
}

/// Each token on 10 of the 20 bases both users work on, every base on 5 tokens: the
/// busiest user and the busiest base bind at once.
fn two_users_sharing_twenty_bases(name: &'static str, known_users: bool) -> Shape {
    Shape {
        name,
        users: 2,
        bases: 20,
        tokens: (0..10)
            .map(|t| (t % 2, (0..10).map(|i| (t * 2 + i) % 20).collect()))
            .collect(),
        known_users,
        depth: Depth::Deep,
    }
}

fn shapes(quick: bool) -> Vec<Shape> {
    let mut shapes = vec![
        Shape {
            name: "one user, 20 bases, 5 tokens on 8 each",
            users: 1,
            bases: 20,
            tokens: (0..5)
                .map(|t| (0, (0..8).map(|i| (t * 4 + i) % 20).collect()))
                .collect(),
            known_users: false,
            depth: Depth::Deep,
        },
        two_users_sharing_twenty_bases("two users share 20 bases, 5 tokens each on 10", false),
        two_users_sharing_twenty_bases("the same, users known from a last check", true),
        Shape {
            name: "two users, 15 of 20 bases each, 8 per token",
            users: 2,
            bases: 20,
            tokens: (0..10)
                .map(|t| {
                    let first = if t % 2 == 0 { 0 } else { 5 };
                    (
                        t % 2,
                        (0..8).map(|i| first + (t / 2 * 2 + i) % 15).collect(),
                    )
                })
                .collect(),
            known_users: false,
            depth: Depth::Deep,
        },
        Shape {
            name: "one base shared by ten tokens of two users",
            users: 2,
            bases: 1,
            tokens: (0..10).map(|t| (t % 2, vec![0])).collect(),
            known_users: false,
            depth: Depth::Deep,
        },
        Shape {
            name: "500 bases, one token, light",
            users: 1,
            bases: 500,
            tokens: vec![(0, (0..500).collect())],
            known_users: false,
            depth: Depth::Light,
        },
        Shape {
            name: "the same, its user known from a last check",
            users: 1,
            bases: 500,
            tokens: vec![(0, (0..500).collect())],
            known_users: true,
            depth: Depth::Light,
        },
    ];
    if !quick {
        shapes.push(Shape {
            name: "500 bases, one token, deep",
            users: 1,
            bases: 500,
            tokens: vec![(0, (0..500).collect())],
            known_users: false,
            depth: Depth::Deep,
        });
    }
    shapes
}

fn user_id(u: usize) -> String {
    padded("usr", u)
}

/// Every user works on every base: creators mostly, an editor or a reader here and there.
fn scenario(shape: &Shape) -> Scenario {
    let bases = (0..shape.bases)
        .map(|b| {
            let roles = (0..shape.users)
                .map(|u| {
                    let level = match (b + u) % 6 {
                        0 => Level::Edit,
                        3 => Level::Read,
                        _ => Level::Create,
                    };
                    (user_id(u), level)
                })
                .collect();
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
    let tokens = shape
        .tokens
        .iter()
        .enumerate()
        .map(|(t, (user, bases))| Token {
            token: pat(t),
            owner: user_id(*user),
            scopes: SCOPES.iter().map(|s| s.to_string()).collect(),
            bases: bases.iter().map(|b| padded("app", *b)).collect(),
            ..Token::default()
        })
        .collect();
    let mut scenario = Scenario {
        users: (0..shape.users)
            .map(|u| User {
                id: user_id(u),
                email: format!("{}@example.com", user_id(u)),
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
    trace: Vec<String>,
}

async fn run(shape: &Shape) -> Run {
    let fake = FakeAirtable::start(scenario(shape)).expect("the fake starts");
    let client = Client::new(
        ApiRoot::parse(&fake.url()).unwrap(),
        ClientOptions::default(),
    )
    .unwrap();
    let jobs = shape
        .tokens
        .iter()
        .enumerate()
        .map(|(t, (user, _))| CheckJob {
            id: Uuid::from_u128(t as u128),
            intent: TokenIntent::named(
                format!("token {t}"),
                chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            ),
            secret: Ok(Secret::new(pat(t))),
            user_hint: shape.known_users.then(|| user_id(*user)),
            also: Vec::new(),
        })
        .collect();
    let started = Instant::now();
    let mut failed = 0;
    check_many(
        &client,
        jobs,
        shape.depth,
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
    let mut trace: Vec<String> = stats
        .per_user
        .iter()
        .map(|(user, k)| format!("{user}: {:?}", k.per_second))
        .collect();
    if let Some((base, k)) = stats.per_base.iter().max_by_key(|(_, k)| k.requests) {
        trace.push(format!("{base} (busiest base): {:?}", k.per_second));
    }
    Run {
        wall,
        requests: stats.requests,
        rate_limited: stats.rate_limited,
        floor: Duration::from_secs_f64(slowest) + Duration::from_millis(LATENCY_MS),
        trace,
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let traced = std::env::args().any(|a| a == "--trace");
    println!(
        "check benchmark: {LATENCY_MS} ms latency, real rate limits (5/s a base, 50/s a user); target: ratio at most 1.15, no 429"
    );
    println!(
        "{:<48} {:>8} {:>8} {:>8} {:>7} {:>5}",
        "account", "requests", "wall s", "bound s", "ratio", "429s"
    );
    for shape in shapes(quick) {
        let r = run(&shape).await;
        println!(
            "{:<48} {:>8} {:>8.2} {:>8.2} {:>7.3} {:>5}",
            shape.name,
            r.requests,
            r.wall.as_secs_f64(),
            r.floor.as_secs_f64(),
            r.wall.as_secs_f64() / r.floor.as_secs_f64(),
            r.rate_limited
        );
        if traced {
            for line in &r.trace {
                println!("    {line}");
            }
        }
    }
}
