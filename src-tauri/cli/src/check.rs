//! `patvault check [NAME...] [--json] [--light|--deep|--base BASE…] [--estimate]`:
//! checks tokens live and prints what each reaches beside what it is meant to. Exit status 0 when every token is ok, 1
//! when any drifts, is invalid or could not be checked.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::error::CliError;
use super::out::print_out;
use super::output::{columns, json, terminal_safe};
use patvault_core::check::consumers::{ConsumerState, ConsumersReport, judge_after};
use patvault_core::check::{Depth, estimate};
use patvault_core::config::Config;
use patvault_core::model::CheckStatus;
use patvault_core::model::record::TokenRecord;
use patvault_core::model::report::{CheckReport, FindingKind};
use patvault_core::ops::check_vault::check_in_vault;
use patvault_core::ops::client::{SetupError, api_root, open_client};
use patvault_core::vault::Vault;

#[derive(Serialize)]
struct Output<'a> {
    checked_at: DateTime<Utc>,
    /// Where the tokens were sent.
    api_root: &'a str,
    tokens: Vec<TokenCheck<'a>>,
}

#[derive(Serialize)]
struct TokenCheck<'a> {
    name: &'a str,
    #[serde(flatten)]
    report: &'a CheckReport,
    /// Whether each place that uses the token will keep working.
    consumers: ConsumersReport,
}

/// The runtime a check runs on: multi-threaded, as `check_in_vault` needs.
pub fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(CliError::Runtime)
}

fn chosen(vault: &Vault, names: &[String]) -> Result<Vec<TokenRecord>, CliError> {
    Ok(if names.is_empty() {
        vault.list()?
    } else {
        names
            .iter()
            .map(|n| vault.find(n))
            .collect::<Result<_, _>>()?
    })
}

/// `check --estimate`: what a check would cost, without a request.
pub fn estimate(
    vault: Vault,
    names: Vec<String>,
    as_json: bool,
    depth: Depth,
    also: &[String],
) -> Result<i32, CliError> {
    let tokens = chosen(&vault, &names)?;
    let e = estimate::estimate(&tokens, depth, also);
    let text = if as_json {
        json(&e) + "\n"
    } else {
        let kind = match depth {
            Depth::Light => "light",
            Depth::Deep => "deep",
            Depth::Full | Depth::Intended => "full",
        };
        let mut text = format!(
            "A {kind} check of {} {} sends about {} requests and takes about {} s under Airtable's rate limits.\n",
            tokens.len(),
            if tokens.len() == 1 { "token" } else { "tokens" },
            e.requests,
            e.seconds
        );
        if e.unknown_tokens > 0 {
            text.push_str(&format!(
                "{} never-checked tokens name no base: their bases are not counted.\n",
                e.unknown_tokens
            ));
        }
        text
    };
    print_out(text);
    Ok(0)
}

pub fn check(
    vault: Vault,
    config: &Config,
    names: Vec<String>,
    as_json: bool,
    depth: Depth,
    also: &[String],
) -> Result<i32, CliError> {
    // Named before anything else: a check against an unusable root cannot start.
    let root = api_root(config).map_err(SetupError)?;
    let tokens = chosen(&vault, &names)?;
    let checked_at = Utc::now();
    let api_root = root.as_str().to_owned();
    let custom_root = !root.is_airtable();
    let runtime = runtime()?;
    let total = tokens.len();
    let reports = runtime.block_on(async {
        let client = open_client(config)?;
        let mut reports: Vec<(uuid::Uuid, CheckReport)> = Vec::new();
        let vault = Arc::new(vault);
        check_in_vault(
            vault,
            &client,
            tokens.clone(),
            depth,
            also,
            &CancellationToken::new(),
            |token, report, saved| {
                if !as_json {
                    eprintln!(
                        "checked {} of {total}: {}",
                        reports.len() + 1,
                        token.intent.name
                    );
                }
                if let Err(e) = saved {
                    eprintln!(
                        "patvault: the result for “{}” was not kept: {e}",
                        token.intent.name
                    );
                }
                reports.push((token.id, report.clone()));
            },
        )
        .await;
        Ok::<_, CliError>(reports)
    })?;
    let ordered: Vec<(&TokenRecord, &CheckReport)> = tokens
        .iter()
        .filter_map(|t| {
            reports
                .iter()
                .find(|(id, _)| *id == t.id)
                .map(|(_, r)| (t, r))
        })
        .collect();
    let text = if as_json {
        let output = Output {
            checked_at,
            api_root: &api_root,
            tokens: ordered
                .iter()
                .map(|(t, r)| TokenCheck {
                    name: &t.intent.name,
                    report: r,
                    consumers: judge_after(t, r),
                })
                .collect(),
        };
        json(&output) + "\n"
    } else if custom_root {
        format!(
            "Checked against {api_root} (PATVAULT_AIRTABLE_URL), not Airtable's own API.\n{}",
            readable(&ordered, also)
        )
    } else {
        readable(&ordered, also)
    };
    print_out(text);
    let all_ok = ordered.iter().all(|(_, r)| r.status == CheckStatus::Ok);
    Ok(if all_ok { 0 } else { 1 })
}

fn readable(checked: &[(&TokenRecord, &CheckReport)], also: &[String]) -> String {
    if checked.is_empty() {
        return "No tokens to check.\n".into();
    }
    let rows: Vec<[String; 5]> = checked
        .iter()
        .map(|(t, r)| {
            let d = &r.drift;
            let excess_bases = match &d.excess_bases {
                Some(b) => b.len().to_string(),
                None => "?".into(),
            };
            [
                t.intent.name.clone(),
                r.status.name().into(),
                r.user
                    .as_ref()
                    .map(|u| u.email.clone().unwrap_or_else(|| u.id.clone()))
                    .unwrap_or_else(|| "—".into()),
                r.bases.iter().filter(|b| b.reachable).count().to_string(),
                match d.blocked_on_bases.len() {
                    0 => format!(
                        "{} missing, {}+{excess_bases} excess",
                        d.missing_scopes.len() + d.missing_bases.len(),
                        d.excess_scopes.len()
                    ),
                    blocked => format!(
                        "{} missing, {blocked} blocked, {}+{excess_bases} excess",
                        d.missing_scopes.len() + d.missing_bases.len(),
                        d.excess_scopes.len()
                    ),
                },
            ]
        })
        .collect();
    let mut out = columns(["NAME", "STATUS", "USER", "BASES", "DRIFT"], &rows);
    for (t, r) in checked {
        let named = named_lines(r, also);
        let consumers = consumer_lines(&judge_after(t, r));
        if r.drift.findings.is_empty()
            && r.error.is_none()
            && r.changed_since_last.is_none()
            && named.is_empty()
            && consumers.is_empty()
        {
            continue;
        }
        out.push_str(&format!("\n{}:\n", t.intent.name));
        out.push_str(&consumers);
        out.push_str(&named);
        if let Some(c) = &r.changed_since_last {
            let which = match (c.shrank, c.grew) {
                (true, true) => "changed",
                (true, false) => "shrank (something may break)",
                _ => "grew (more exposed if it leaks)",
            };
            out.push_str(&format!(
                "  reach {which} since the check of {}: {}\n",
                c.since.format("%Y-%m-%d %H:%M UTC"),
                c.summary.join("; ")
            ));
        }
        for f in &r.drift.findings {
            let mark = match f.kind {
                FindingKind::MissingScope | FindingKind::MissingBase => "missing (will break)",
                FindingKind::BlockedOnBase => "blocked on a base (will break there)",
                FindingKind::ExcessScope | FindingKind::ExcessBase => "excess (over-privileged)",
                FindingKind::NotFound => "not found (the intent is out of date)",
            };
            out.push_str(&format!(
                "  {mark}: {}\n    fix: {}\n",
                f.explanation, f.fix
            ));
        }
        for u in &r.drift.unknown {
            out.push_str(&format!("  unknown: {u}\n"));
        }
        if let Some(e) = &r.error {
            out.push_str(&format!("  error: {e}\n"));
        }
    }
    out
}

/// Each place that uses the token, will it keep working, and what no place needs.
fn consumer_lines(c: &ConsumersReport) -> String {
    let mut out = String::new();
    for v in &c.consumers {
        let state = match v.state {
            ConsumerState::Works => "works",
            ConsumerState::WillFail => "will fail",
            ConsumerState::Unknown => "unknown",
        };
        let inferred = if v.place.inferred { ", inferred" } else { "" };
        out.push_str(&format!(
            "  {state}: {} ({}{inferred})\n",
            terminal_safe(&v.place.label),
            v.kind_name
        ));
        for f in &v.failures {
            let what = if f.required { "fails" } else { "would fail" };
            out.push_str(&format!(
                "    {} {what}: {}\n      fix: {}\n",
                f.feature, f.why, f.fix
            ));
        }
        if v.state == ConsumerState::Unknown {
            for why in &v.unknown {
                out.push_str(&format!("    not known: {why}\n"));
            }
        }
    }
    if let Some(s) = &c.suggestion {
        out.push_str(&format!("  narrower: {s}\n"));
    }
    out
}

/// What the check found on each base named with `--base`: the reason it was named.
fn named_lines(report: &CheckReport, also: &[String]) -> String {
    let mut out = String::new();
    for base in report.bases.iter().filter(|b| also.contains(&b.id)) {
        let name = base.name.as_deref().unwrap_or(&base.id);
        if !base.reachable {
            out.push_str(&format!(
                "  {name}: not reached ({})\n",
                base.reasons
                    .get("base")
                    .map_or("no request there worked", String::as_str)
            ));
            continue;
        }
        let mut by_verdict: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (scope, verdict) in &base.scopes {
            by_verdict.entry(verdict.name()).or_default().push(scope);
        }
        let role = base
            .permission_level
            .map_or(String::new(), |l| format!(" as {}", l.describe()));
        out.push_str(&format!("  {name} ({}){role}, probed in full:\n", base.id));
        for (verdict, scopes) in by_verdict {
            out.push_str(&format!("    {verdict}: {}\n", scopes.join(", ")));
        }
    }
    out
}
