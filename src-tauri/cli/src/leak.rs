//! `patvault leak [ID|NAME] [--json]`: a token was exposed; which one it is, what it
//! reaches, where it is used and what to do now. Without an argument the whole secret
//! comes on standard input, as every secret does: never on the command line.

use super::error::CliError;
use super::out::print_out;
use super::output::{json, terminal_safe};
use super::tokens::read_secret;
use patvault_core::config::Config;
use patvault_core::model::record::same_name;
use patvault_core::ops::leak::{Leak, leak as leak_of, of_token};
use patvault_core::secret::Secret;
use patvault_core::vault::Vault;

pub fn leak(
    vault: &Vault,
    config: &Config,
    named: Option<String>,
    as_json: bool,
) -> Result<i32, CliError> {
    let records = vault.list()?;
    let home = config.home_dir.as_deref();
    let found = match named {
        Some(text) => match records.iter().find(|r| same_name(&r.intent.name, &text)) {
            Some(record) => of_token(record, home),
            None if looks_secret(&text) => {
                return Err(CliError::Input(
                    "that looks like a secret, and a secret never goes on the command line (your shell history has it now too): pipe it on standard input, as in patvault leak < secret.txt, or give its token ID (the part before the dot)".into(),
                ));
            }
            None if is_token_id(&text) => leak_of(&text, &records, home),
            // Not quoted: whatever was typed may be part of a secret.
            None => {
                return Err(CliError::Input(
                    "no token has that name, and it is not a token ID (pat + 14 letters or digits)"
                        .into(),
                ));
            }
        },
        None => {
            let token_id = read_secret()?.token_id().ok_or_else(|| {
                CliError::Input(
                    "that is not an Airtable token: a personal access token is pat + 14 letters or digits, a dot, and 64 hex digits".into(),
                )
            })?;
            leak_of(&token_id, &records, home)
        }
    };
    print_out(if as_json {
        json(&found) + "\n"
    } else {
        readable(&found)
    });
    Ok(0)
}

fn is_token_id(text: &str) -> bool {
    text.len() == 17
        && text.starts_with("pat")
        && text[3..].chars().all(|c| c.is_ascii_alphanumeric())
}

/// A whole token, or its secret half: 32 hex digits or more, cautious as a leak asks.
fn looks_secret(text: &str) -> bool {
    let hex = |s: &str| s.len() >= 32 && s.chars().all(|c| c.is_ascii_hexdigit());
    Secret::new(text).token_id().is_some() || text.split('.').any(hex)
}

fn readable(l: &Leak) -> String {
    let mut out = String::new();
    let id = l.token_id.as_deref().unwrap_or("no token ID");
    // A token the vault does not know (or knows twice): its one step says so.
    let Some(name) = &l.token else {
        push_steps(&mut out, &l.steps);
        return out;
    };
    let who = l.user.as_ref().map_or_else(
        || "an unknown user".to_owned(),
        |u| u.email.clone().unwrap_or_else(|| u.id.clone()),
    );
    out.push_str(&format!(
        "Leaked: “{name}” ({id}){}, acting as {who}.\n",
        if l.rotated_away {
            ", an old secret of it"
        } else {
            ""
        }
    ));
    match (l.checked_at, &l.failed) {
        (_, Some(why)) => out.push_str(&format!(
            "Its last check failed ({why}): what it reaches is not known (patvault check shows it).\n"
        )),
        (None, None) => out.push_str(
            "It was never checked: what it reaches is not known (patvault check shows it).\n",
        ),
        (Some(at), None) => {
            out.push_str(&format!(
                "As of its check of {}, it reaches {} {}{}:\n",
                at.format("%Y-%m-%d %H:%M UTC"),
                l.bases.len(),
                if l.bases.len() == 1 { "base" } else { "bases" },
                if l.can_list_bases == Some(true) {
                    ", and can list them"
                } else {
                    ""
                }
            ));
            for b in &l.bases {
                let role = b
                    .role
                    .map_or(String::new(), |r| format!(", {}", r.describe()));
                let can = if b.can.is_empty() {
                    "nothing shown".to_owned()
                } else {
                    b.can.join("; ")
                };
                out.push_str(&format!(
                    "  {} ({}){role}: {can}\n",
                    b.name.as_deref().unwrap_or(&b.id),
                    b.id
                ));
            }
        }
    }
    if !l.beyond_bases.is_empty() {
        out.push_str(&format!(
            "Beyond bases, it holds: {}\n",
            l.beyond_bases.join(", ")
        ));
    }
    if l.places.is_empty() {
        out.push_str("No place is known to use it (patvault scan looks for copies).\n");
    } else {
        out.push_str(&format!(
            "Used in {} {}:\n",
            l.places.len(),
            if l.places.len() == 1 {
                "place"
            } else {
                "places"
            }
        ));
        for p in &l.places {
            let how = match (p.found_by_scan, p.plaintext, p.through_vault) {
                (_, true, _) => ", the secret in plaintext",
                (_, _, true) => ", through the vault",
                (true, ..) => ", found by a scan",
                _ => "",
            };
            out.push_str(&format!("  {}{how}\n", terminal_safe(&p.place)));
        }
    }
    push_steps(&mut out, &l.steps);
    out
}

fn push_steps(out: &mut String, steps: &[String]) {
    out.push_str("Now:\n");
    for (i, step) in steps.iter().enumerate() {
        out.push_str(&format!("  {}. {}\n", i + 1, terminal_safe(step)));
    }
}
