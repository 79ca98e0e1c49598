//! `patvault`: the command line over the same core as the app. Parse, call the vault,
//! print. Exit status 0 on success, 2 on a usage or vault error (one line on stderr);
//! `exec` passes its command's status through.

mod args;
mod check;
mod due;
mod exec;
mod output;
mod rotate;

use clap::Parser;
use std::io::{BufRead, IsTerminal, Write};

use crate::error::VaultError;
use crate::secret::Secret;
use crate::vault::open::open_vault;
use crate::vault::record::{BaseIntent, TokenIntent};
use crate::vault::{UnusualShape, today};
use args::{Cli, Command, IntentArgs};

pub fn run() -> i32 {
    if std::env::args_os().len() <= 1 {
        crate::app::run(false);
        return 0;
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return 0;
        }
        Err(e) => {
            let text = e.to_string();
            let first = text.lines().next().unwrap_or("invalid arguments");
            eprintln!(
                "patvault: {} (see patvault --help)",
                first.trim_start_matches("error: ")
            );
            return 2;
        }
    };
    let Some(command) = cli.command else {
        crate::app::run(cli.minimized);
        return 0;
    };
    match execute(command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("patvault: {e}");
            2
        }
    }
}

fn execute(command: Command) -> Result<i32, VaultError> {
    let vault = open_vault()?;
    match command {
        Command::Add { name, intent } => {
            let intent = intent.apply(TokenIntent::named(name, today()))?;
            let secret = read_secret()?;
            let saved = vault.add(intent, &secret, UnusualShape::Accept)?;
            warn(saved.warning);
            eprintln!(
                "Added “{}”; its secret is in the keychain.",
                saved.record.intent.name
            );
        }
        Command::List { json } => {
            let tokens = vault.summaries()?;
            print_out(if json {
                output::json(&output::TokenList { tokens: &tokens }) + "\n"
            } else {
                output::table(&tokens)
            });
        }
        Command::Show { name, json } => {
            let token = vault.summary(vault.find(&name)?);
            print_out(if json {
                output::json(&token) + "\n"
            } else {
                output::details(&token)
            });
        }
        Command::Edit {
            name,
            new_name,
            intent,
        } => {
            let record = vault.find(&name)?;
            let mut edited = intent.apply(record.intent)?;
            if let Some(new_name) = new_name {
                edited.name = new_name;
            }
            let record = vault.edit(record.id, edited)?;
            eprintln!("Saved “{}”.", record.intent.name);
        }
        Command::SetSecret { name } => {
            let record = vault.find(&name)?;
            let secret = read_secret()?;
            let saved = vault.set_secret(record.id, &secret, UnusualShape::Accept)?;
            warn(saved.warning);
            eprintln!("Replaced the secret of “{}”.", saved.record.intent.name);
        }
        Command::Remove { name, yes } => {
            let record = vault.find(&name)?;
            if !yes && !confirm(&record.intent.name)? {
                eprintln!("Nothing removed.");
                return Ok(0);
            }
            vault.remove(record.id)?;
            eprintln!("Removed “{}” and its keychain entry.", record.intent.name);
        }
        Command::Exec { name, var, command } => {
            let record = vault.find(&name)?;
            let secret = vault.secret(record.id)?;
            return exec::exec(secret, &var, &command);
        }
        Command::Check {
            names,
            json,
            light,
            estimate: true,
        } => return check::estimate(vault, names, json, light),
        Command::Check {
            names, json, light, ..
        } => return check::check(vault, names, json, light),
        Command::Rotate {
            name,
            force,
            finish,
            forget_old,
        } => {
            let record = vault.find(&name)?;
            if !finish && record.old_secret_kept {
                return Err(VaultError::RotationUnfinished(record.intent.name));
            }
            let new = if finish { None } else { Some(read_secret()?) };
            return rotate::rotate(vault, record, new, force, forget_old);
        }
        Command::Updated { name, places } => rotate::updated(&vault, vault.find(&name)?, places)?,
        Command::Due { within, json } => return due::due(vault, within, json),
        Command::Calendar { out } => return due::calendar(vault, out),
        Command::Doctor { json } => {
            let health = vault.health();
            print_out(if json {
                output::json(&health) + "\n"
            } else {
                output::health(&health)
            });
            return Ok(if health.is_healthy() { 0 } else { 2 });
        }
    }
    Ok(0)
}

impl IntentArgs {
    /// Replaces the fields these flags name and keeps the others.
    fn apply(self, mut intent: TokenIntent) -> Result<TokenIntent, VaultError> {
        if !self.scopes.is_empty() {
            intent.scopes = self.scopes;
        }
        if !self.bases.is_empty() {
            intent.bases = self
                .bases
                .iter()
                .map(|b| BaseIntent::parse(b))
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
            intent.used_by = self.used_by;
        }
        if let Some(note) = self.note {
            intent.notes = note;
        }
        Ok(intent)
    }
}

/// One line from standard input; at a terminal, a prompt that does not echo.
fn read_secret() -> Result<Secret, VaultError> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        let typed = rpassword::prompt_password("Paste the token (it will not show): ")
            .map_err(|e| VaultError::Invalid(format!("could not read the secret: {e}")))?;
        return Ok(Secret::new(zeroize::Zeroizing::new(typed).as_str()));
    }
    let mut line = zeroize::Zeroizing::new(String::new());
    stdin.lock().read_line(&mut line).map_err(|e| {
        VaultError::Invalid(format!(
            "could not read the secret from standard input: {e}"
        ))
    })?;
    Ok(Secret::new(line.as_str()))
}

fn confirm(name: &str) -> Result<bool, VaultError> {
    if !std::io::stdin().is_terminal() {
        return Err(VaultError::Invalid(format!(
            "removing “{name}” needs confirmation: run it at a terminal or pass --yes"
        )));
    }
    eprint!("Remove “{name}” and delete its secret from the keychain? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| VaultError::Invalid(e.to_string()))?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}

pub(super) fn warn(warning: Option<String>) {
    if let Some(w) = warning {
        eprintln!("patvault: warning: {w}. Saved anyway.");
    }
}

/// One line of standard output; see `print_out`.
pub(crate) fn print_line(text: String) {
    print_out(text + "\n");
}

pub(crate) fn print_out(text: String) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
}
