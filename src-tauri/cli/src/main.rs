//! `patvault`: the command line over the same core as the app, a binary of its own that
//! links nothing of the desktop. Parse, call the core, print through the one writer
//! (`out`). Exit status 0 on success, 2 on a usage or vault error (one line on stderr);
//! `exec` passes its command's status through. With no command it starts the app where
//! one is installed and a display is present (`desktop`). A file per command, or per
//! small group of them.

mod args;
mod check;
mod completions;
mod consumers;
mod desktop;
mod doctor;
mod due;
mod error;
mod exec;
mod leak;
mod mcp;
mod migrate;
mod names;
mod out;
mod output;
mod owners;
mod rotate;
mod scan;
mod store;
mod tokens;

use clap::Parser;

use args::{Cli, Command, McpCommand, StoreCommand};
use error::CliError;
use patvault_core::check::Depth;
use patvault_core::config::Config;
use patvault_core::secret::{holds_a_secret, is_a_secret_half};
use patvault_core::vault::VaultError;
use patvault_core::vault::open::open_vault_asking;

fn main() {
    patvault_core::hardening::harden();
    completions::complete_if_asked();
    let config = patvault_core::environment::config();
    let code = match parse() {
        Asked::App { minimized } => desktop::start(&config, minimized),
        Asked::Command(command) => run(command, &config),
        Asked::Exit(code) => code,
    };
    std::process::exit(code);
}

/// What the arguments ask for.
enum Asked {
    /// No command: the app's window, perhaps in the tray only.
    App {
        minimized: bool,
    },
    Command(Command),
    /// Help, a version or a usage error was printed; exit with this status.
    Exit(i32),
}

fn parse() -> Asked {
    if std::env::args_os().len() <= 1 {
        return Asked::App { minimized: false };
    }
    if secret_in_arguments() {
        eprintln!(
            "patvault: an argument is a token's secret, and a secret never goes on the command \
             line (your shell history has it now too): name the token instead, and give a \
             secret on standard input, as in patvault add NAME < secret.txt"
        );
        return Asked::Exit(2);
    }
    match Cli::try_parse() {
        Ok(Cli {
            command: Some(command),
            ..
        }) => Asked::Command(command),
        Ok(cli) => Asked::App {
            minimized: cli.minimized,
        },
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            Asked::Exit(0)
        }
        Err(e) => {
            eprintln!("patvault: {} (see patvault --help)", usage_error(&e));
            Asked::Exit(2)
        }
    }
}

/// Whether one of our arguments holds a secret: refused before anything reads it, as an
/// error repeating it would carry it into logs and cron's mail, and a config written
/// from it (`mcp add … -- cmd`) would keep it in the clear. Only what follows `exec`'s
/// `--` is not ours: the command it runs.
fn secret_in_arguments() -> bool {
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect();
    let command = args.iter().position(|arg| !arg.starts_with('-'));
    let ours = match args.iter().position(|arg| arg == "--") {
        Some(end) if command.is_some_and(|at| at < end && args[at] == "exec") => &args[..end],
        _ => &args[..],
    };
    // The half alone, as a value (`--note=…`) or a word of one; split at no `/`, so a
    // folder named by a hash is a path, not a secret.
    let half = |arg: &str| {
        arg.split(|c: char| c.is_whitespace() || c == '=')
            .any(is_a_secret_half)
    };
    ours.iter().any(|arg| holds_a_secret(arg) || half(arg))
}

/// Clap's error on one line: what is wrong, what it lacks or takes, and a near match,
/// without the usage block.
fn usage_error(e: &clap::Error) -> String {
    let text = e.to_string();
    let mut lines = text.lines().map(str::trim);
    let first = lines.next().unwrap_or("invalid arguments");
    let first = first.trim_start_matches("error: ");
    let mut details = Vec::new();
    let mut hints = Vec::new();
    for line in
        lines.take_while(|line| !line.starts_with("Usage:") && !line.starts_with("For more"))
    {
        if let Some(values) = line.strip_prefix("[possible values: ") {
            hints.push(format!("it takes {}", values.trim_end_matches(']')));
        } else if let Some(tip) = line.strip_prefix("tip: ") {
            hints.push(tip.to_owned());
        } else if !line.is_empty() {
            details.push(line);
        }
    }
    let said = match first.strip_suffix(':') {
        Some(head) if !details.is_empty() => format!("{head}: {}", details.join(", ")),
        _ => first.to_owned(),
    };
    std::iter::once(said)
        .chain(hints)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Runs `command` and gives the process's exit status.
fn run(command: Command, config: &Config) -> i32 {
    match execute(command, config) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("patvault: {e}");
            2
        }
    }
}

fn execute(command: Command, config: &Config) -> Result<i32, CliError> {
    // These need no vault: they work before the first token is added.
    let vault = match command {
        Command::Completions { shell } => return completions::registration(shell).map(|()| 0),
        Command::Man { dir } => return completions::man_pages(&dir).map(|()| 0),
        Command::Consumers { json } => return consumers::consumers(json),
        Command::Store(StoreCommand::Show { json }) => return store::show(config, json),
        Command::Store(StoreCommand::Move {
            to,
            passphrase,
            unprotected_identity,
        }) => return store::move_to(config, to, passphrase, unprotected_identity).map(|()| 0),
        // A move between stores cut short is finished before the vault is opened in either.
        Command::Doctor { .. } => {
            store::finish_move(config)?;
            open_vault_asking(config, store::ask_passphrase())?
        }
        _ => open_vault_asking(config, store::ask_passphrase())?,
    };
    match command {
        Command::Completions { .. }
        | Command::Man { .. }
        | Command::Consumers { .. }
        | Command::Store(StoreCommand::Show { .. } | StoreCommand::Move { .. }) => {}
        Command::Store(StoreCommand::Use {
            store,
            passphrase,
            unprotected_identity,
        }) => store::choose(&vault, config, store, passphrase, unprotected_identity)?,
        Command::Add {
            name,
            intent,
            from_reach: false,
        } => tokens::add(&vault, name, intent)?,
        Command::Add { name, intent, .. } => tokens::add_from_reach(&vault, config, name, intent)?,
        Command::List { json } => tokens::list(&vault, json)?,
        Command::Show { name, json } => tokens::show(&vault, &name, json)?,
        Command::Edit {
            name,
            new_name,
            intent,
            adopt_reach,
        } => tokens::edit(&vault, &name, new_name, intent, adopt_reach)?,
        Command::SetSecret { name } => tokens::set_secret(&vault, &name)?,
        Command::Remove { name, yes } => tokens::remove(&vault, &name, yes)?,
        Command::Exec { name, var, command } => {
            let record = vault.find(&name)?;
            let secret = vault.secret(record.id)?;
            return exec::exec(secret, &var, &command);
        }
        Command::Check {
            names,
            json,
            light,
            deep,
            bases,
            estimate,
        } => {
            let depth = match (light, deep) {
                (true, _) => Depth::Light,
                (_, true) => Depth::Deep,
                _ => Depth::Full,
            };
            return if estimate {
                check::estimate(vault, names, json, depth, &bases)
            } else {
                check::check(vault, config, names, json, depth, &bases)
            };
        }
        Command::Rotate {
            name,
            force,
            finish,
            forget_old,
        } => {
            let record = vault.find(&name)?;
            if !finish && record.old_secret_kept {
                return Err(VaultError::RotationUnfinished(record.intent.name).into());
            }
            let new = if finish {
                None
            } else {
                Some(tokens::read_secret()?)
            };
            return rotate::rotate(vault, config, record, new, force, forget_old);
        }
        Command::Updated { name, places } => rotate::updated(&vault, vault.find(&name)?, places)?,
        Command::Due { within, json } => return due::due(vault, within, json),
        Command::Leak { token, json } => return leak::leak(&vault, config, token, json),
        Command::Owners { json } => return owners::owners(&vault, json),
        Command::Calendar { out } => return due::calendar(vault, out),
        Command::Doctor {
            json,
            restore_orphans,
            delete_orphans,
            yes,
        } => {
            let orphans = match (restore_orphans, delete_orphans) {
                (true, _) => doctor::Orphans::Restore,
                (_, true) => doctor::Orphans::Delete { yes },
                _ => doctor::Orphans::Report,
            };
            return doctor::doctor(&vault, config, json, orphans);
        }
        Command::Scan {
            paths,
            json,
            import,
            delete_backups,
            yes,
        } => {
            let asked = scan::Asked {
                as_json: json,
                import,
                delete_backups,
                yes,
            };
            return scan::scan(&vault, config, paths, asked);
        }
        Command::Migrate {
            path, undo: true, ..
        } => migrate::undo_change(&vault, &path)?,
        Command::Migrate {
            path, forget: true, ..
        } => migrate::forget_undo(&vault, &path)?,
        Command::Migrate {
            path, yes, program, ..
        } => migrate::migrate(&vault, config, &path, yes, program)?,
        Command::Mcp(McpCommand::Add {
            name,
            client,
            server,
            var,
            project,
            command,
            program,
        }) => mcp::add(
            &vault,
            config,
            mcp::Asked {
                token: &name,
                client: &client,
                server,
                variable: var,
                project,
                command,
                program,
            },
        )?,
    }
    Ok(0)
}
