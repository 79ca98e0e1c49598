//! `patvault owners [--json]`: the Airtable users the tokens act as, each with the places
//! that depend on them and what breaks if they leave.

use super::error::CliError;
use super::out::print_out;
use super::output::{json, terminal_safe};
use patvault_core::ops::owners::owners as owners_of;
use patvault_core::vault::Vault;

pub fn owners(vault: &Vault, as_json: bool) -> Result<i32, CliError> {
    let o = owners_of(&vault.list()?);
    if as_json {
        print_out(json(&o) + "\n");
        return Ok(0);
    }
    let mut out = String::new();
    for w in &o.warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    for owner in &o.owners {
        let who = owner.user.email.as_deref().unwrap_or(&owner.user.id);
        out.push_str(&format!("\n{who} ({})\n", owner.user.id));
        out.push_str(&format!("  tokens: {}\n", owner.tokens.join(", ")));
        if !owner.consumers.is_empty() {
            let places = terminal_safe(&owner.consumers.join("; "));
            out.push_str(&format!("  used by: {places}\n"));
        }
        if !owner.bases.is_empty() {
            out.push_str(&format!("  bases: {}\n", owner.bases.join(", ")));
        }
        for w in &owner.warnings {
            out.push_str(&format!("  warning: {}\n", terminal_safe(w)));
        }
        out.push_str(&format!("  {}\n", owner.if_they_leave));
    }
    if !o.unknown.is_empty() {
        out.push_str(&format!(
            "\nOwners not known (never checked, or refused by Airtable): {}.\n",
            o.unknown.join(", ")
        ));
    }
    if out.is_empty() {
        out.push_str("No tokens yet.\n");
    }
    print_out(out.trim_start().to_owned());
    Ok(0)
}
