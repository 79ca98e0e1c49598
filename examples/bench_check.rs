//! The check benchmark: each account shape of `fake_airtable::accounts`, checked
//! (default, deep or light) against the fake Airtable with 50 ms of latency and
//! Airtable's real rate limits (5/s per base, 50/s per user, 30 s penalty). Each check
//! runs in a process of its own, so its peak memory is its own; the fake stays in this
//! one and counts what arrived. Each row prints the requests, the wall time, the lower
//! bound the limits set (the busiest base's requests over 5 a second or the busiest
//! user's over 50, whichever is longer, plus one latency), their ratio, the 429s, the
//! check's peak resident memory, and the share of a Free workspace's 1,000 monthly calls
//! the check spent. Run it with `scripts/bench.sh`; `--quick` leaves out the deep checks
//! of the largest accounts, `--trace` prints each row's accepted requests per second per
//! user and for its busiest base.

// A benchmark is a program that prints its numbers.
#![allow(clippy::print_stdout)]

use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};

use fake_airtable::FakeAirtable;
use fake_airtable::accounts::{self, Account};
use patvault_core::airtable::{ApiRoot, Client, ClientOptions};
use patvault_core::check::{CheckJob, Depth, check_many};
use patvault_core::model::record::{BaseIntent, TokenIntent};
use patvault_core::secret::Secret;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

const LATENCY_MS: u64 = 50;
/// What a Free workspace may spend in a month, shared by all its integrations.
const FREE_MONTH: f64 = 1000.0;

/// One row: an account, how deep, whether the users are known from a last check (else
/// whoami tells them), and whether `--quick` leaves it out.
struct Row {
    account: fn() -> Account,
    depth: Depth,
    known_users: bool,
    long: bool,
}

fn rows() -> Vec<Row> {
    let row = |account, depth| Row {
        account,
        depth,
        known_users: false,
        long: false,
    };
    let mut rows = Vec::new();
    let small: [fn() -> Account; 4] = [
        accounts::one_user_twenty_bases,
        accounts::two_users_sharing_twenty_bases,
        accounts::two_users_on_fifteen_bases_each,
        accounts::one_base_ten_tokens,
    ];
    for account in small {
        rows.push(row(account, Depth::Full));
        rows.push(row(account, Depth::Deep));
    }
    rows.push(Row {
        known_users: true,
        ..row(accounts::two_users_sharing_twenty_bases, Depth::Deep)
    });
    let large: [fn() -> Account; 4] = [
        accounts::one_user_five_tokens_on_every_base,
        accounts::one_user_five_tokens_on_the_same_ten,
        accounts::three_unequal_users,
        accounts::five_hundred_bases,
    ];
    for account in large {
        rows.push(row(account, Depth::Full));
        rows.push(Row {
            long: true,
            ..row(account, Depth::Deep)
        });
    }
    rows.push(row(accounts::five_hundred_bases, Depth::Light));
    rows.push(Row {
        known_users: true,
        ..row(accounts::five_hundred_bases, Depth::Light)
    });
    rows
}

fn label(row: &Row) -> String {
    let depth = match row.depth {
        Depth::Light => "light",
        Depth::Full => "default",
        Depth::Deep => "deep",
        Depth::Intended => "intended",
    };
    let known = if row.known_users { ", users known" } else { "" };
    format!("{} ({depth}{known})", (row.account)().name)
}

/// What the check process reports: its wall time and peak resident memory.
struct Checked {
    wall: Duration,
    peak_kib: u64,
}

/// Runs in the child: checks every token of the row's account against `url`.
async fn check_row(row: &Row, url: &str) -> Checked {
    let account = (row.account)();
    let client = Client::new(ApiRoot::parse(url).unwrap(), ClientOptions::default()).unwrap();
    let jobs = account
        .tokens
        .iter()
        .enumerate()
        .map(|(t, token)| {
            let mut intent = TokenIntent::named(
                format!("token {t}"),
                chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            );
            intent.scopes = token.meant.clone();
            intent.bases = token
                .intended
                .iter()
                .map(|id| BaseIntent::id(id.clone()))
                .collect();
            CheckJob {
                id: Uuid::from_u128(t as u128),
                intent,
                secret: Ok(Secret::new(token.secret.clone())),
                user_hint: row.known_users.then(|| token.user.clone()),
                also: Vec::new(),
            }
        })
        .collect();
    let started = Instant::now();
    check_many(
        &client,
        jobs,
        row.depth,
        &CancellationToken::new(),
        |_, _| {},
    )
    .await;
    Checked {
        wall: started.elapsed(),
        peak_kib: peak_resident_kib(),
    }
}

/// This process's peak resident set (`VmHWM`), in KiB.
fn peak_resident_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

struct Measured {
    checked: Checked,
    requests: u64,
    rate_limited: u64,
    floor: Duration,
    trace: Vec<String>,
}

/// Serves the row's account and checks it in a child process.
fn measure(index: usize, row: &Row) -> Measured {
    let mut scenario = (row.account)().scenario;
    scenario.settings.latency_ms = LATENCY_MS;
    let fake = FakeAirtable::start(scenario).expect("the fake starts");
    let out = Command::new(std::env::current_exe().expect("this program's path"))
        .args(["--row", &index.to_string(), "--url", &fake.url()])
        .output()
        .expect("the check process runs");
    assert!(
        out.status.success(),
        "the check failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    let mut numbers = said.split_whitespace().map(|n| n.parse::<f64>().unwrap());
    let checked = Checked {
        wall: Duration::from_secs_f64(numbers.next().unwrap()),
        peak_kib: numbers.next().unwrap() as u64,
    };
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
    Measured {
        checked,
        requests: stats.requests,
        rate_limited: stats.rate_limited,
        floor: Duration::from_secs_f64(slowest) + Duration::from_millis(LATENCY_MS),
        trace,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
    };
    let rows = rows();
    if let (Some(index), Some(url)) = (value("--row"), value("--url")) {
        let row = &rows[index.parse::<usize>().expect("a row number")];
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime");
        let checked = runtime.block_on(check_row(row, url));
        println!("{} {}", checked.wall.as_secs_f64(), checked.peak_kib);
        return;
    }
    let quick = args.iter().any(|a| a == "--quick");
    let traced = args.iter().any(|a| a == "--trace");
    let only = value("--only");
    println!(
        "check benchmark: {LATENCY_MS} ms latency, real rate limits (5/s a base, 50/s a user); target: ratio at most 1.15, no 429"
    );
    println!(
        "{:<66} {:>8} {:>7} {:>7} {:>6} {:>5} {:>8} {:>10}",
        "account (check)",
        "requests",
        "wall s",
        "bound s",
        "ratio",
        "429s",
        "peak MB",
        "Free month"
    );
    for (index, row) in rows.iter().enumerate() {
        if quick && row.long || only.is_some_and(|o| !label(row).contains(o.as_str())) {
            continue;
        }
        let m = measure(index, row);
        let wall = m.checked.wall.as_secs_f64();
        println!(
            "{:<66} {:>8} {:>7.2} {:>7.2} {:>6.3} {:>5} {:>8.1} {:>9.1}%",
            label(row),
            m.requests,
            wall,
            m.floor.as_secs_f64(),
            wall / m.floor.as_secs_f64(),
            m.rate_limited,
            m.checked.peak_kib as f64 / 1024.0,
            m.requests as f64 / FREE_MONTH * 100.0,
        );
        if traced {
            for line in &m.trace {
                println!("    {line}");
            }
        }
    }
}
