//! The command line's shape. Secrets are never arguments: they come on standard input.

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};
use clap_complete::engine::ArgValueCandidates;
use std::ffi::OsString;

use super::names::token_names;
use patvault_core::vault::store::StoreKind;

#[derive(Parser)]
#[command(
    name = "patvault",
    version,
    about = "Keep Airtable personal access tokens in the OS keychain. \
             Without a command, opens the app."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Without a command: start the app in the tray only, as at login.
    #[arg(long)]
    pub minimized: bool,
}

#[derive(Subcommand)]
pub enum Command {
    /// Add a token; its secret is read from standard input (one line).
    Add {
        name: String,
        #[command(flatten)]
        intent: IntentArgs,
        /// Check the secret live first (a full check) and take its scopes and bases
        /// from what it reaches; flags given as well are the starting point.
        #[arg(long)]
        from_reach: bool,
    },
    /// List every token (reads only the inventory, never the keychain).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show one token.
    Show {
        #[arg(add = ArgValueCandidates::new(token_names))]
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Change what a token is meant to do; flags given replace those fields.
    Edit {
        #[arg(add = ArgValueCandidates::new(token_names))]
        name: String,
        /// A new name.
        #[arg(long = "name", value_name = "NEW_NAME")]
        new_name: Option<String>,
        #[command(flatten)]
        intent: IntentArgs,
        /// Make the last full check's reach the intent: add the scopes and bases that
        /// work, drop those refused.
        #[arg(long)]
        adopt_reach: bool,
    },
    /// Replace a token's secret with one read from standard input.
    SetSecret {
        #[arg(add = ArgValueCandidates::new(token_names))]
        name: String,
    },
    /// Remove a token: its record and its keychain entry.
    Remove {
        #[arg(add = ArgValueCandidates::new(token_names))]
        name: String,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
    /// Run a command with the token's secret in one environment variable.
    Exec {
        #[arg(add = ArgValueCandidates::new(token_names))]
        name: String,
        /// The variable that carries the secret.
        #[arg(long = "env", value_name = "VAR", default_value = "AIRTABLE_API_KEY")]
        var: String,
        #[arg(last = true, required = true, value_name = "CMD")]
        command: Vec<OsString>,
    },
    /// Check tokens live against Airtable: what each reaches beside what it is meant to.
    /// Exit status 0 when all are ok, 1 when any drifts, is invalid or cannot be checked.
    Check {
        /// Tokens to check (all when none is named).
        #[arg(add = ArgValueCandidates::new(token_names))]
        names: Vec<String>,
        #[arg(long)]
        json: bool,
        /// Ask only who each token is and which bases it lists (fast on big accounts).
        #[arg(long, conflicts_with = "deep")]
        light: bool,
        /// Ask every scope on every base the token reaches, not only the intended ones
        /// (a request per scope per base: on a big account, thousands).
        #[arg(long)]
        deep: bool,
        /// Also ask every scope on this base (its id, app…), intended or not; naming it
        /// does not make it intended.
        #[arg(
            long = "base",
            value_name = "BASE",
            value_parser = base_id,
            conflicts_with_all = ["light", "deep"]
        )]
        bases: Vec<String>,
        /// Send nothing: say how many requests the check would send and how long it
        /// would take under the rate limits.
        #[arg(long)]
        estimate: bool,
    },
    /// Rotate a token: the new secret is read from standard input, checked live, and
    /// swapped in only when it is the same user's and reaches what is intended (or with
    /// --force); then the old secret is checked and forgotten.
    Rotate {
        #[arg(add = ArgValueCandidates::new(token_names))]
        name: String,
        /// Swap even when the new secret is another user's or reaches less.
        #[arg(long)]
        force: bool,
        /// Only finish an earlier rotation: check the old secret again, and forget it
        /// if the old token is revoked.
        #[arg(long, conflicts_with = "force")]
        finish: bool,
        /// Forget the old secret even when the old token still answers (you deleted it
        /// in Airtable, or keep it elsewhere).
        #[arg(long)]
        forget_old: bool,
    },
    /// Tick off places that have the secret of the last rotation (all of them when none
    /// is named); prints those still waiting.
    Updated {
        #[arg(add = ArgValueCandidates::new(token_names))]
        name: String,
        /// A place from the token's "used by", as `show` lists it.
        places: Vec<String>,
    },
    /// What needs attention: rotations due soon, due or overdue, failing or missing
    /// checks, places a scan found still holding a rotated-away token, places that use
    /// a token and will fail. Exit status 1 when a rotation is due or overdue, such a
    /// stale copy exists, or a place will fail.
    Due {
        /// Count as due soon what is due within DAYS (instead of each lead time).
        #[arg(long, value_name = "DAYS")]
        within: Option<u32>,
        #[arg(long)]
        json: bool,
    },
    /// A token was exposed: which it is, what it reaches, where it is used, and the
    /// steps that end the exposure. Give its token ID or name, or pipe the whole secret
    /// on standard input (never as an argument).
    Leak {
        #[arg(value_name = "ID|NAME", add = ArgValueCandidates::new(token_names))]
        token: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The Airtable users the tokens act as: each one's tokens, the places and bases
    /// that depend on them, warnings, and what breaks if they leave.
    Owners {
        #[arg(long)]
        json: bool,
    },
    /// The programs known to use tokens (for `--consumer KIND=…`): what each needs,
    /// how it is recognised, and the sources.
    Consumers {
        #[arg(long)]
        json: bool,
    },
    /// Write the rotation schedule as an iCalendar (.ics) file, or print it.
    Calendar {
        #[arg(long, value_name = "FILE")]
        out: Option<std::path::PathBuf>,
    },
    /// Check that the keychain and the inventory are usable and agree.
    Doctor {
        #[arg(long)]
        json: bool,
        /// Make each keychain entry no token points to a token again (its token ID read
        /// from its secret, named `Recovered <token ID>`).
        #[arg(long, conflicts_with = "delete_orphans")]
        restore_orphans: bool,
        /// Delete each keychain entry no token points to (asks first).
        #[arg(long)]
        delete_orphans: bool,
        /// Do not ask before --delete-orphans.
        #[arg(long, requires = "delete_orphans")]
        yes: bool,
    },
    /// Look for copies of tokens in files: MCP client configs, shell profiles, the
    /// crontab, systemd user units, "used by" paths and backups an earlier migrate left
    /// beside them, or the PATHs named. Exit status 1 when a copy is stale (a token ID
    /// the vault rotated away from) or a backup holds a secret. Never prints a secret.
    Scan {
        paths: Vec<std::path::PathBuf>,
        #[arg(long)]
        json: bool,
        /// Import each plaintext token found that the vault does not have: its secret
        /// goes to the keychain, its name comes from where it was found, its scopes and
        /// bases from a full check. The files are not changed. At a terminal it lists
        /// them and asks first.
        #[arg(long)]
        import: bool,
        /// Delete the backups an earlier `migrate` left beside files (each holds a
        /// secret in plaintext): overwritten, then removed. Lists them and asks first.
        #[arg(long)]
        delete_backups: bool,
        /// Do not ask before --import or --delete-backups.
        #[arg(long)]
        yes: bool,
    },
    /// Replace plaintext tokens in an MCP client's config or a .env file with the vault:
    /// each server entry runs `patvault exec NAME --env VAR -- <its command>`, each .env
    /// line becomes a comment naming that command. Shows the change and asks first; the
    /// old text is kept in the vault, without its secrets, so it can be undone.
    Migrate {
        path: std::path::PathBuf,
        /// Write the change without asking.
        #[arg(long)]
        yes: bool,
        /// Put the file back as it was before PAT Vault last changed it (its secrets
        /// from the keychain); refused when the file changed since.
        #[arg(long, conflicts_with_all = ["yes", "forget"])]
        undo: bool,
        /// Forget the file's undo records (the change can no longer be undone).
        #[arg(long, conflicts_with = "yes")]
        forget: bool,
        /// The patvault the entries are to run, when this copy is not one to write into
        /// a config (one in a temporary or shared folder).
        #[arg(long, value_name = "PATH", conflicts_with_all = ["undo", "forget"])]
        program: Option<std::path::PathBuf>,
    },
    /// Print a shell's completion script (it completes token names too), e.g.
    /// `patvault completions bash > ~/.local/share/bash-completion/completions/patvault`.
    Completions { shell: Shell },
    /// Write the man pages (patvault.1, patvault-add.1, …) into DIR.
    #[command(hide = true)]
    Man { dir: std::path::PathBuf },
    /// MCP servers that take their token from the vault.
    #[command(subcommand)]
    Mcp(McpCommand),
    /// Where secrets are kept: the OS keychain, or age-encrypted files for machines
    /// without one.
    #[command(subcommand)]
    Store(StoreCommand),
}

#[derive(Subcommand)]
pub enum StoreCommand {
    /// Move every secret to the other store, then use it: each is copied and read back
    /// before the vault switches and the old entries are deleted. A move cut short loses
    /// nothing; `doctor` finishes it.
    Move {
        #[arg(long, value_parser = store_kind())]
        to: StoreKind,
        /// For `--to file` with no key yet: make one protected by a passphrase.
        #[arg(long, conflicts_with = "unprotected_identity")]
        passphrase: bool,
        /// For `--to file` with no key yet: make one kept unprotected (see `store use`).
        #[arg(long)]
        unprotected_identity: bool,
    },
    /// Which store this vault uses, who chose it, where it is and where its key comes from.
    Show {
        #[arg(long)]
        json: bool,
    },
    /// Choose the store for this vault (the app, cron and MCP servers all use it).
    /// PATVAULT_STORE overrides it for one process.
    Use {
        #[arg(value_parser = store_kind())]
        store: StoreKind,
        /// For `file` with no key yet: make one protected by a passphrase, asked at
        /// the terminal whenever a secret is read.
        #[arg(long, conflicts_with = "unprotected_identity")]
        passphrase: bool,
        /// For `file` with no key yet: make one kept unprotected in your configuration
        /// folder, so cron can read secrets unattended. It protects copies of the vault's
        /// folder only; `doctor` warns about it every time.
        #[arg(long)]
        unprotected_identity: bool,
    },
}

#[derive(Subcommand)]
pub enum McpCommand {
    /// Add a server to an MCP client's config that runs CMD through
    /// `patvault exec NAME`, so the token is never written there.
    Add {
        /// The vault token the server uses.
        #[arg(add = ArgValueCandidates::new(token_names))]
        name: String,
        /// claude-desktop, claude-code, cursor, vscode, codex, windsurf or cline.
        #[arg(long, value_name = "CLIENT")]
        client: String,
        /// The server's name in the client (default: from the token's name).
        #[arg(long, value_name = "SERVER_NAME")]
        server: Option<String>,
        /// The variable the server reads its token from.
        #[arg(long = "env", value_name = "VAR", default_value = "AIRTABLE_API_KEY")]
        var: String,
        /// Write the project's config in this folder (Claude Code's .mcp.json, Cursor's
        /// .cursor/mcp.json, VS Code's .vscode/mcp.json) instead of the user's.
        #[arg(long, value_name = "DIR")]
        project: Option<std::path::PathBuf>,
        /// The patvault the entry is to run, when this copy is not one to write into a
        /// config (one in a temporary or shared folder).
        #[arg(long, value_name = "PATH")]
        program: Option<std::path::PathBuf>,
        #[arg(last = true, required = true, value_name = "CMD")]
        command: Vec<String>,
    },
}

#[derive(Args, Default)]
pub struct IntentArgs {
    /// An intended scope, e.g. data.records:read (repeat for more).
    #[arg(long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,
    /// An intended base: appXXXXXXXXXXXXXX[/TABLE][=LABEL] (repeat for more).
    #[arg(long = "base", value_name = "APP[/TABLE][=LABEL]")]
    pub bases: Vec<String>,
    /// Rotation interval in days (default 90).
    #[arg(long, value_name = "DAYS")]
    pub rotate_every: Option<u32>,
    /// Days before the due date it counts as due soon (default: the setting, 14).
    #[arg(long, value_name = "DAYS")]
    pub lead_days: Option<u32>,
    /// The date the token was last rotated (default today).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub rotated_on: Option<NaiveDate>,
    /// Where the token is used, e.g. "Zapier: CRM sync" (repeat for more).
    #[arg(long = "used-by", value_name = "TEXT")]
    pub used_by: Vec<String>,
    /// A place of a known kind (see `patvault consumers`) that uses the token:
    /// KIND=LABEL[;base=APP,…][;path=PATH][;needs=SCOPE,…][;uses=FEATURE,…] (repeat
    /// for more; uses= names the kind's features it uses, needs= the scopes of a kind
    /// whose sources state none). It replaces the place of the same label (keeping what
    /// it does not say: file, bases, and uses or needs of the same kind), or joins the
    /// others; it confirms a kind a scan inferred.
    #[arg(long = "consumer", value_name = "KIND=LABEL[;…]")]
    pub consumers: Vec<String>,
    /// A free-text note.
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
}

fn base_id(typed: &str) -> Result<String, String> {
    patvault_core::model::record::base_id(typed).map_err(|e| e.to_string())
}

/// The shells `patvault completions` writes a script for.
#[derive(Clone, Copy, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Powershell,
}

/// A store by the core's name for it, which the help and the completions list.
fn store_kind() -> impl clap::builder::TypedValueParser<Value = StoreKind> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(StoreKind::ALL.map(StoreKind::name))
        .try_map(|name| StoreKind::parse(&name).ok_or("no store has this name"))
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;
    use patvault_core::program::MINIMIZED;

    /// The login entry and the app's own restart pass the core's flag to this program.
    #[test]
    fn the_tray_only_flag_is_the_one_the_app_takes() {
        let cli = super::Cli::command();
        let longs: Vec<String> = cli
            .get_arguments()
            .filter_map(|a| a.get_long())
            .map(|long| format!("--{long}"))
            .collect();
        assert!(longs.iter().any(|l| l == MINIMIZED), "{longs:?}");
    }
}
