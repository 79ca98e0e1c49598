//! The usual places a token is pasted into, for a user whose folders are these: MCP
//! clients' configs, shell profiles, systemd user units and `environment.d`. Places that
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

pub fn usual(folders: &Folders) -> Vec<Source> {
    let (home, config) = (folders.home, folders.config);
    let mut files: Vec<PathBuf> = vec![
        config.join("Claude/claude_desktop_config.json"),
        home.join(".cursor/mcp.json"),
        config.join("Code/User/settings.json"),
        config.join("Code/User/mcp.json"),
        home.join(".claude.json"),
        home.join(".codex/config.toml"),
        home.join(".codeium/windsurf/mcp_config.json"),
        config.join(
            "Code/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json",
        ),
    ];
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
        for name in [".cursor/mcp.json", ".vscode/mcp.json", ".mcp.json"] {
            files.push(project.join(name));
        }
    }
    let mut sources: Vec<Source> = files.into_iter().map(Source::File).collect();
    sources.push(Source::Tree(config.join("systemd/user")));
    sources.push(Source::Tree(config.join("environment.d")));
    sources
}
