//! `patvault due [--within DAYS] [--json]`: what needs attention, for people and for
//! cron (exit status 1 when a rotation is due or overdue, a scan found a place still
//! holding a rotated-away token or a backup holding a secret in plaintext, or a place
//! that uses a token will fail). `patvault calendar [--out FILE]`: the rotation schedule
//! as an iCalendar file.

use std::path::PathBuf;

use chrono::NaiveDate;
use serde::Serialize;

use super::error::CliError;
use super::out::print_out;
use super::output::{columns, json, terminal_safe};
use patvault_core::files::io_error;
use patvault_core::ops::summary::{attention_of, schedule};
use patvault_core::rotation::attention::{Attention, rotation_of};
use patvault_core::rotation::calendar::calendar as ics;
use patvault_core::rotation::{Rotation, RotationState, rotation};
use patvault_core::vault::Vault;

#[derive(Serialize)]
struct Due {
    name: String,
    next_due: NaiveDate,
    state: RotationState,
    days_left: i32,
    attention: Vec<Attention>,
    /// Each item of `attention` in words.
    why: Vec<String>,
}

pub fn due(vault: Vault, within: Option<u32>, as_json: bool) -> Result<i32, CliError> {
    let schedule = schedule(&vault);
    let mut listed = Vec::new();
    for token in vault.list()? {
        let i = &token.intent;
        let due: Rotation = match within {
            Some(days) => rotation(i.last_rotated, i.rotate_every_days, days, schedule.today),
            None => rotation_of(&token, &schedule),
        };
        let mut needs: Vec<Attention> = attention_of(&token, &schedule)
            .into_iter()
            .filter(|a| !matches!(a, Attention::Rotation { .. }))
            .collect();
        if due.state != RotationState::Ok {
            needs.insert(
                0,
                Attention::Rotation {
                    state: due.state,
                    days_left: due.days_left,
                },
            );
        }
        if needs.is_empty() {
            continue;
        }
        listed.push(Due {
            name: i.name.clone(),
            next_due: due.next_due,
            state: due.state,
            days_left: due.days_left,
            why: needs.iter().map(Attention::describe).collect(),
            attention: needs,
        });
    }
    let late = listed.iter().any(|d| {
        matches!(d.state, RotationState::Due | RotationState::Overdue)
            || d.attention.iter().any(|a| {
                matches!(
                    a,
                    Attention::StaleCopies { .. }
                        | Attention::PlaintextBackups { .. }
                        | Attention::ConsumersFailing { .. }
                )
            })
    });
    if as_json {
        #[derive(Serialize)]
        struct Output {
            tokens: Vec<Due>,
        }
        print_out(json(&Output { tokens: listed }) + "\n");
    } else if listed.is_empty() {
        print_out("Nothing needs attention.\n".into());
    } else {
        let rows: Vec<[String; 3]> = listed
            .iter()
            .map(|d| {
                [
                    terminal_safe(&d.name),
                    d.next_due.to_string(),
                    terminal_safe(&d.why.join("; ")),
                ]
            })
            .collect();
        print_out(columns(["NAME", "NEXT ROTATION", "NEEDS"], &rows));
    }
    Ok(if late { 1 } else { 0 })
}

pub fn calendar(vault: Vault, out: Option<PathBuf>) -> Result<i32, CliError> {
    let tokens = vault.list()?;
    let text = ics(&tokens, &schedule(&vault));
    match out {
        Some(path) => {
            std::fs::write(&path, text).map_err(io_error("write", &path))?;
            eprintln!(
                "Wrote {} rotation dates to {}.",
                tokens.len(),
                path.display()
            );
        }
        None => print_out(text),
    }
    Ok(0)
}
