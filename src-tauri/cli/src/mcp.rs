//! `patvault mcp add NAME --client CLIENT [--server S] [--env VAR] [--project DIR] -- CMD…`:
//! writes a server entry that runs CMD through `patvault exec NAME`, so the client's
//! config never holds the token.

use std::path::PathBuf;

use super::error::CliError;
use super::migrate::program;
use patvault_core::config::Config;
use patvault_core::ops::mcp::{prepare, server_name};
use patvault_core::scan::places::{Folders, MCP_CLIENTS, McpClient};
use patvault_core::vault::Vault;
use patvault_core::wire::{Launch, variable};

pub struct Asked<'a> {
    pub token: &'a str,
    pub client: &'a str,
    pub server: Option<String>,
    pub variable: String,
    pub project: Option<PathBuf>,
    pub command: Vec<String>,
    pub program: Option<PathBuf>,
}

pub fn add(vault: &Vault, config: &Config, asked: Asked) -> Result<(), CliError> {
    variable::check(&asked.variable).map_err(CliError::Input)?;
    let record = vault.find(asked.token)?;
    let client = McpClient::by_id(asked.client).ok_or_else(|| {
        let ids: Vec<&str> = MCP_CLIENTS.iter().map(|c| c.id).collect();
        CliError::Input(format!(
            "“{}” is not a client PAT Vault knows: choose one of {}",
            asked.client,
            ids.join(", ")
        ))
    })?;
    let path = match &asked.project {
        Some(dir) => dir.join(client.project_file.ok_or_else(|| {
            CliError::Input(format!(
                "{} has no project config: leave out --project",
                client.name
            ))
        })?),
        None => {
            let home = config
                .home_dir
                .as_deref()
                .ok_or_else(|| CliError::Input("no home folder is known (set HOME)".into()))?;
            let config_home = config
                .config_home
                .clone()
                .unwrap_or_else(|| home.join(".config"));
            client.user_config(&Folders {
                home,
                config: &config_home,
                project: None,
            })
        }
    };
    let server = asked
        .server
        .unwrap_or_else(|| server_name(&record.intent.name));
    let launch = Launch {
        program: program(config, asked.program)?,
        token: record.intent.name.clone(),
        variable: asked.variable,
    };
    let new = prepare(
        &path,
        client.list,
        &server,
        &launch,
        &asked.command,
        client.id == "vscode",
    )?;
    let undo = new.write(vault, chrono::Utc::now())?;
    eprintln!(
        "Added the server “{}” to {} ({}): it runs {}.",
        new.server,
        path.display(),
        client.name,
        launch.shell_line(&asked.command.join(" "))
    );
    if undo.is_some() {
        eprintln!(
            "The vault keeps the old text: `patvault migrate --undo {}` puts it back.",
            patvault_core::wire::shell_word(&path.display().to_string())
        );
    }
    Ok(())
}
