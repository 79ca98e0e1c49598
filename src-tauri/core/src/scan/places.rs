//! The usual places a token is pasted into, for a user whose folders are these: MCP
//! clients' configs, the Airtable CLI's, shell profiles, systemd user units and
//! `environment.d`. Places that
//! do not exist are skipped by the scan.

use std::path::{Path, PathBuf};

use super::Source;

/// The user's folders the places are under.
pub struct Folders<'a> {
    pub home: &'a Path,
    /// `~/.config` on Linux, `~/Library/Application Support` on macOS, `%APPDATA%` on
    /// Windows.
    pub config: &'a Path,
    /// The project the command runs in: its `.cursor/`, `.vscode/` and `.mcp.json`.
    pub project: Option<&'a Path>,
}

/// The folder a client's config is under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Under {
    Home,
    Config,
}

/// An MCP client: where it keeps its user-wide servers (and a project's), and under
/// which key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct McpClient {
    /// As `patvault mcp add --client` takes it.
    pub id: &'static str,
    pub name: &'static str,
    pub under: Under,
    pub file: &'static str,
    /// A project's own config, relative to the project.
    pub project_file: Option<&'static str>,
    /// The key its server entries are listed under.
    pub list: &'static str,
}

pub const MCP_CLIENTS: &[McpClient] = &[
    McpClient {
        id: "claude-desktop",
        name: "Claude Desktop",
        under: Under::Config,
        file: "Claude/claude_desktop_config.json",
        project_file: None,
        list: "mcpServers",
    },
    McpClient {
        id: "claude-code",
        name: "Claude Code",
        under: Under::Home,
        file: ".claude.json",
        project_file: Some(".mcp.json"),
        list: "mcpServers",
    },
    McpClient {
        id: "cursor",
        name: "Cursor",
        under: Under::Home,
        file: ".cursor/mcp.json",
        project_file: Some(".cursor/mcp.json"),
        list: "mcpServers",
    },
    McpClient {
        id: "vscode",
        name: "VS Code",
        under: Under::Config,
        file: "Code/User/mcp.json",
        project_file: Some(".vscode/mcp.json"),
        list: "servers",
    },
    McpClient {
        id: "codex",
        name: "Codex",
        under: Under::Home,
        file: ".codex/config.toml",
        project_file: None,
        list: "mcp_servers",
    },
    McpClient {
        id: "windsurf",
        name: "Windsurf",
        under: Under::Home,
        file: ".codeium/windsurf/mcp_config.json",
        project_file: None,
        list: "mcpServers",
    },
    McpClient {
        id: "cline",
        name: "Cline",
        under: Under::Config,
        file: "Code/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json",
        project_file: None,
        list: "mcpServers",
    },
];

impl McpClient {
    pub fn by_id(id: &str) -> Option<&'static McpClient> {
        MCP_CLIENTS.iter().find(|c| c.id == id)
    }

    /// Its user-wide config for this user.
    pub fn user_config(&self, folders: &Folders) -> PathBuf {
        match self.under {
            Under::Home => folders.home.join(self.file),
            Under::Config => folders.config.join(self.file),
        }
    }
}

/// Airtable's own CLI keeps its profiles' tokens here, under the home folder.
pub const AIRTABLE_CLI: &str = ".airtable/cli.json";

/// Whether `path` is the Airtable CLI's config: `.airtable/cli.json`.
pub fn is_airtable_cli(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == "cli.json")
        && path
            .parent()
            .and_then(Path::file_name)
            .is_some_and(|d| d == ".airtable")
}

pub fn usual(folders: &Folders) -> Vec<Source> {
    let mut files: Vec<PathBuf> = MCP_CLIENTS.iter().map(|c| c.user_config(folders)).collect();
    // VS Code's older place for servers: its settings' `mcp` section.
    files.push(folders.config.join("Code/User/settings.json"));
    files.push(folders.home.join(AIRTABLE_CLI));
    let (home, config) = (folders.home, folders.config);
    for profile in [
        ".profile",
        ".bashrc",
        ".bash_profile",
        ".bash_login",
        ".zshrc",
        ".zprofile",
        ".zshenv",
        ".config/fish/config.fish",
    ] {
        files.push(home.join(profile));
    }
    if let Some(project) = folders.project {
        files.extend(
            MCP_CLIENTS
                .iter()
                .filter_map(|c| c.project_file)
                .map(|f| project.join(f)),
        );
    }
    let mut sources: Vec<Source> = files.into_iter().map(Source::File).collect();
    sources.push(Source::Tree(config.join("systemd/user")));
    sources.push(Source::Tree(config.join("environment.d")));
    sources
}

/// A "used by" entry that names a file or a folder (`/…`, or `~/…` under `home`).
pub fn used_by_path(entry: &str, home: Option<&Path>) -> Option<PathBuf> {
    match (entry.strip_prefix("~/"), home) {
        (Some(rest), Some(home)) => Some(home.join(rest)),
        _ if entry.starts_with('/') => Some(PathBuf::from(entry)),
        _ => None,
    }
}

/// The "used by" entries of the tokens that are paths, to be scanned too.
pub fn used_by<'a>(entries: impl IntoIterator<Item = &'a str>, home: Option<&Path>) -> Vec<Source> {
    entries
        .into_iter()
        .filter_map(|entry| used_by_path(entry, home))
        .map(|path| {
            if path.is_dir() {
                Source::Tree(path)
            } else {
                Source::File(path)
            }
        })
        .collect()
}
