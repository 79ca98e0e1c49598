//! The commands that keep tokens: `add`, `list`, `show`, `edit`, `set-secret` and
//! `remove`. Secrets come on standard input or from a prompt that does not echo, never
//! from the command line.

use std::io::{BufRead, IsTerminal, Write};

use super::args::IntentArgs;
use super::check::runtime;
use super::error::CliError;
use super::out::print_out;
use super::out::warn;
use super::output;
use patvault_core::check::adopt::AdoptError;
use patvault_core::config::Config;
use patvault_core::model::consumer::Consumer;
use patvault_core::model::record::{BaseIntent, TokenIntent};
use patvault_core::ops::adopt::{Adopt, adopt_in_vault, intent_from_reach};
use patvault_core::ops::client::open_client;
use patvault_core::ops::summary::{summaries, summary};
use patvault_core::secret::{Secret, Shape};
use patvault_core::vault::{UnusualShape, Vault, today};

pub fn add(vault: &Vault, name: String, intent: IntentArgs) -> Result<(), CliError> {
    let intent = intent.apply(TokenIntent::named(name, today()))?;
    let secret = read_secret()?;
    let saved = vault.add(intent, &secret, UnusualShape::Accept)?;
    warn(saved.warning);
    eprintln!(
        "Added “{}”; its secret is in {}.",
        saved.record.intent.name,
        vault.store_name()
    );
    Ok(())
}

/// `add --from-reach`: the intent comes from a full check of the secret.
pub fn add_from_reach(
    vault: &Vault,
    config: &Config,
    name: String,
    intent: IntentArgs,
) -> Result<(), CliError> {
    let intent = intent.apply(TokenIntent::named(name, today()))?;
    let secret = read_secret()?;
    // Nothing is sent for a secret the vault would refuse anyway.
    if let Shape::Refused(why) = secret.shape() {
        return Err(CliError::Input(why));
    }
    let (intent, report) = runtime()?.block_on(async {
        let client = open_client(config)?;
        Ok::<_, CliError>(intent_from_reach(&client, intent, &secret).await?)
    })?;
    let saved = vault.add(intent, &secret, UnusualShape::Accept)?;
    warn(saved.warning);
    if let Err(e) = vault.record_check(saved.record.id, &report) {
        eprintln!("patvault: the check was not kept: {e}");
    }
    let i = &saved.record.intent;
    eprintln!(
        "Added “{}” as it reaches: {} {}, {} {}; its secret is in {}.",
        i.name,
        i.scopes.len(),
        if i.scopes.len() == 1 {
            "scope"
        } else {
            "scopes"
        },
        i.bases.len(),
        if i.bases.len() == 1 { "base" } else { "bases" },
        vault.store_name(),
    );
    Ok(())
}

pub fn list(vault: &Vault, json: bool) -> Result<(), CliError> {
    let tokens = summaries(vault)?;
    print_out(if json {
        output::json(&output::TokenList { tokens: &tokens }) + "\n"
    } else {
        output::table(&tokens)
    });
    Ok(())
}

pub fn show(vault: &Vault, name: &str, json: bool) -> Result<(), CliError> {
    let token = summary(vault, vault.find(name)?);
    print_out(if json {
        output::json(&token) + "\n"
    } else {
        output::details(&token)
    });
    Ok(())
}

pub fn edit(
    vault: &Vault,
    name: &str,
    new_name: Option<String>,
    intent: IntentArgs,
    adopt: bool,
) -> Result<(), CliError> {
    let record = vault.find(name)?;
    let mut edited = intent.apply(record.intent)?;
    if let Some(new_name) = new_name {
        edited.name = new_name;
    }
    if adopt && record.last_report.is_none() {
        return Err(AdoptError::NeverChecked.into());
    }
    let mut record = vault.edit(record.id, edited)?;
    if adopt {
        record = adopt_in_vault(vault, record.id, Adopt::All)?;
    }
    eprintln!("Saved “{}”.", record.intent.name);
    Ok(())
}

pub fn set_secret(vault: &Vault, name: &str) -> Result<(), CliError> {
    let record = vault.find(name)?;
    let secret = read_secret()?;
    let saved = vault.set_secret(record.id, &secret, UnusualShape::Accept)?;
    warn(saved.warning);
    eprintln!("Replaced the secret of “{}”.", saved.record.intent.name);
    Ok(())
}

pub fn remove(vault: &Vault, name: &str, yes: bool) -> Result<(), CliError> {
    let record = vault.find(name)?;
    let name = &record.intent.name;
    let asked = || {
        confirm(
            &format!(
                "Remove “{name}” and delete its secret from {}?",
                vault.store_name()
            ),
            format!("removing “{name}” needs confirmation: run it at a terminal or pass --yes"),
        )
    };
    if !yes && !asked()? {
        eprintln!("Nothing removed.");
        return Ok(());
    }
    vault.remove(record.id)?;
    eprintln!(
        "Removed “{}” and its secret from {}.",
        record.intent.name,
        vault.store_name()
    );
    Ok(())
}

impl IntentArgs {
    /// Replaces the fields these flags name and keeps the others.
    fn apply(self, mut intent: TokenIntent) -> Result<TokenIntent, CliError> {
        if !self.scopes.is_empty() {
            intent.scopes = self.scopes;
        }
        if !self.bases.is_empty() {
            intent.bases = self
                .bases
                .iter()
                .map(|b| BaseIntent::parse(b).map_err(|e| CliError::Input(e.0)))
                .collect::<Result<_, _>>()?;
        }
        if let Some(days) = self.rotate_every {
            intent.rotate_every_days = days;
        }
        if let Some(date) = self.rotated_on {
            intent.last_rotated = date;
        }
        if let Some(days) = self.lead_days {
            intent.lead_days = Some(days);
        }
        if !self.used_by.is_empty() {
            intent.used_by = self
                .used_by
                .into_iter()
                .map(|label| {
                    // A label the token already has keeps what is known of that place.
                    let same = |c: &&Consumer| c.label == label.trim();
                    let known = intent.used_by.iter().find(same).cloned();
                    known.unwrap_or_else(|| Consumer::custom(label))
                })
                .collect();
        }
        // Each place given replaces the one of its label, or joins the others.
        for spec in &self.consumers {
            let place = Consumer::parse(spec).map_err(|e| CliError::Input(e.0))?;
            match intent.used_by.iter_mut().find(|c| c.label == place.label) {
                // What it does not say of the place (its file, its bases) stays.
                Some(same) => {
                    let before = std::mem::replace(same, place);
                    if same.path.is_none() {
                        same.path = before.path;
                    }
                    if same.bases.is_empty() {
                        same.bases = before.bases;
                    }
                    if same.kind == before.kind && same.uses.is_empty() && same.needs.is_empty() {
                        same.uses = before.uses;
                        same.needs = before.needs;
                    }
                }
                None => intent.used_by.push(place),
            }
        }
        if let Some(note) = self.note {
            intent.notes = note;
        }
        Ok(intent)
    }
}

/// One line from standard input; at a terminal, a prompt that does not echo.
pub fn read_secret() -> Result<Secret, CliError> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        let typed = rpassword::prompt_password("Paste the token (it will not show): ")
            .map_err(|e| CliError::Input(format!("could not read the secret: {e}")))?;
        return Ok(Secret::new(zeroize::Zeroizing::new(typed).as_str()));
    }
    let mut line = zeroize::Zeroizing::new(String::new());
    stdin.lock().read_line(&mut line).map_err(|e| {
        CliError::Input(format!(
            "could not read the secret from standard input: {e}"
        ))
    })?;
    Ok(Secret::new(line.as_str()))
}

/// Asks `question` at a terminal; elsewhere `unasked` says how to go without asking.
pub fn confirm(question: &str, unasked: String) -> Result<bool, CliError> {
    if !std::io::stdin().is_terminal() {
        return Err(CliError::Input(unasked));
    }
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| CliError::Input(e.to_string()))?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}
