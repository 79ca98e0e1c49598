//! The two places where Airtable itself keeps a PAT outside the vault: the Airtable CLI's
//! `~/.airtable/cli.json`, and a client's config for Airtable's hosted MCP server, the PAT
//! in a bearer header. Both are found, imported and migrated; a migrated hosted entry is
//! started as a client starts it, through the real `mcp-remote` bridge (pinned in
//! `ui/package.json`), against a local stand-in for the hosted server that keeps every
//! bearer it is sent: the vault's current secret, before and after a rotation.

use parking_lot::Mutex;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, mpsc};
use std::time::Duration;

use crate::journey::{entry_of, id_of, scan};
use crate::support::*;
use fake_airtable::world::pat;
use serde_json::Value;

/// A stand-in for `https://mcp.airtable.com/mcp`: MCP's handshake over Streamable HTTP,
/// answered in JSON; every bearer it is sent is kept.
struct HostedStandIn {
    url: String,
    bearers: Arc<Mutex<Vec<String>>>,
}

impl HostedStandIn {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/mcp", listener.local_addr().unwrap());
        let bearers = Arc::new(Mutex::new(Vec::new()));
        let kept = bearers.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                answer(stream, &kept);
            }
        });
        HostedStandIn { url, bearers }
    }

    fn bearers(&self) -> Vec<String> {
        self.bearers.lock().clone()
    }
}

/// One request, one answer, then the connection closes.
fn answer(stream: TcpStream, bearers: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut head = String::new();
    let mut length = 0;
    let mut bearer = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        if line == "\r\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(n) = lower.strip_prefix("content-length:") {
            length = n.trim().parse().unwrap_or(0);
        }
        if lower.starts_with("authorization:") {
            bearer = Some(line["authorization:".len()..].trim().to_owned());
        }
        if head.is_empty() {
            head = line;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    if let Some(bearer) = bearer {
        bearers.lock().push(bearer);
    }
    let (status, reply) = if !head.starts_with("POST /mcp ") {
        ("405 Method Not Allowed", String::new())
    } else {
        let message: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        match message.get("id") {
            Some(id) => (
                "200 OK",
                serde_json::json!({"jsonrpc": "2.0", "id": id, "result": {
                    "protocolVersion": "2025-03-26", "capabilities": {},
                    "serverInfo": {"name": "hosted stand-in", "version": "1"}}})
                .to_string(),
            ),
            None => ("202 Accepted", String::new()),
        }
    };
    let mut out = stream;
    let _ = write!(
        out,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
        reply.len()
    );
}

/// Starts the server entry `keys` of the JSON config at `path` as an MCP client does,
/// sends MCP's `initialize` and gives the first answer.
fn initialize_through(v: &TestVault, path: &Path, keys: &[&str]) -> Value {
    let (command, args, _) = entry_of(path, keys);
    let home = tempfile::tempdir().unwrap();
    // The bridge comes from the project's own npm packages, never from the network.
    let ui = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui");
    let mut child = Command::new(command)
        .args(&args)
        .current_dir(&ui)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap())
        .env("HOME", home.path())
        .env("npm_config_offline", "true")
        .env("npm_config_update_notifier", "false")
        .envs(v.vault_env())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(
        stdin,
        r#"{{"jsonrpc":"2.0","id":1,"method":"initialize","params":{{"protocolVersion":"2025-03-26","capabilities":{{}},"clientInfo":{{"name":"test","version":"1"}}}}}}"#
    )
    .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (sender, answer) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = sender.send(line);
    });
    let line = answer.recv_timeout(Duration::from_secs(60));
    drop(stdin);
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    let line = line.unwrap_or_else(|_| panic!("no answer: {}", stderr(&out)));
    for n in [1, 6] {
        let secret_part = pat(n).split_once('.').unwrap().1.to_owned();
        assert!(!stderr(&out).contains(&secret_part), "{}", stderr(&out));
    }
    serde_json::from_str(&line).unwrap_or_else(|_| panic!("{line}{}", stderr(&out)))
}

#[test]
fn a_hosted_mcp_entry_with_its_pat_in_a_header_runs_through_the_vault_and_the_bridge() {
    let fake = office_with_a_new_token();
    let hosted = HostedStandIn::start();
    let v = TestVault::new();
    v.add("Hosted", &pat(1), &[]);
    let project = tempfile::tempdir().unwrap();
    let config = project.path().join(".mcp.json");
    write(
        &config,
        &format!(
            "{{\n  \"mcpServers\": {{\n    \"airtable\": {{\n      \"type\": \"http\",\n      \"url\": \"{}\",\n      \"headers\": {{\"Authorization\": \"Bearer {}\"}}\n    }}\n  }}\n}}\n",
            hosted.url,
            pat(1)
        ),
    );
    let (code, found, _) = scan(&v, &fake, &[config.to_str().unwrap()]);
    assert_eq!(code, 0, "{found}");
    assert_eq!(found["found"][0]["server"], "airtable", "{found}");
    assert_eq!(found["found"][0]["variable"], "Authorization", "{found}");

    let out = v.run(&["migrate", config.to_str().unwrap(), "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the token leaves its headers"),
        "{}",
        stderr(&out)
    );
    let tree: Value = serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    let entry = &tree["mcpServers"]["airtable"];
    assert_eq!(entry.get("url"), None, "{entry}");
    assert_eq!(entry.get("headers"), None, "{entry}");
    assert_eq!(entry["type"], "stdio");
    assert_eq!(
        entry["args"],
        serde_json::json!([
            "exec",
            "Hosted",
            "--env",
            "AIRTABLE_API_KEY",
            "--",
            "npx",
            "-y",
            "mcp-remote@0.15.1",
            hosted.url,
            "--header",
            "Authorization:Bearer ${AIRTABLE_API_KEY}"
        ])
    );

    let answer = initialize_through(&v, &config, &["mcpServers", "airtable"]);
    assert_eq!(
        answer["result"]["serverInfo"]["name"], "hosted stand-in",
        "{answer}"
    );
    let bearer = |n: u32| format!("Bearer {}", pat(n));
    let sent = hosted.bearers();
    assert!(
        !sent.is_empty() && sent.iter().all(|b| *b == bearer(1)),
        "{sent:?}"
    );

    rotate_to(&v, &fake, "Hosted", &pat(6));
    hosted.bearers.lock().clear();
    let answer = initialize_through(&v, &config, &["mcpServers", "airtable"]);
    assert_eq!(
        answer["result"]["serverInfo"]["name"], "hosted stand-in",
        "{answer}"
    );
    let sent = hosted.bearers();
    assert!(
        !sent.is_empty() && sent.iter().all(|b| *b == bearer(6)),
        "after the rotation, the new secret and only it: {sent:?}"
    );
}

#[test]
fn a_bridge_whose_header_names_a_variable_or_holds_the_pat_is_migrated_in_place() {
    let v = TestVault::new();
    v.add("Hosted", &pat(1), &[]);
    v.add("Other", &pat(2), &[]);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("claude_desktop_config.json");
    write(
        &config,
        &format!(
            r#"{{"mcpServers": {{
  "named": {{"command": "npx", "args": ["-y", "mcp-remote", "https://mcp.airtable.com/mcp", "--header", "Authorization:${{AUTH_HEADER}}"], "env": {{"AUTH_HEADER": "Bearer {}", "DEBUG": "1"}}}},
  "inline": {{"command": "npx", "args": ["mcp-remote", "https://mcp.airtable.com/mcp", "--header", "Authorization: Bearer {}"]}}
}}}}"#,
            pat(1),
            pat(2)
        ),
    );
    let out = v.run(&["migrate", config.to_str().unwrap(), "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(&config).unwrap();
    for n in [1, 2] {
        assert!(!text.contains(pat(n).split_once('.').unwrap().1), "{text}");
    }
    let tree: Value = serde_json::from_str(&text).unwrap();
    let named = &tree["mcpServers"]["named"];
    assert_eq!(named["env"], serde_json::json!({"DEBUG": "1"}));
    assert_eq!(
        named["args"],
        serde_json::json!([
            "exec",
            "Hosted",
            "--env",
            "AIRTABLE_API_KEY",
            "--",
            "npx",
            "-y",
            "mcp-remote",
            "https://mcp.airtable.com/mcp",
            "--header",
            "Authorization:Bearer ${AIRTABLE_API_KEY}"
        ])
    );
    assert_eq!(
        tree["mcpServers"]["inline"]["args"][9],
        "Authorization:Bearer ${AIRTABLE_API_KEY}"
    );
    assert_eq!(tree["mcpServers"]["inline"]["args"][1], "Other");
}

#[test]
fn the_airtable_clis_token_is_found_imported_and_migrated_to_the_vault() {
    let fake = office_with_a_new_token();
    let v = TestVault::new();
    // The default scan's home is the vault's folder (`journey::scan`).
    let cli = v.data.path().join(".airtable/cli.json");
    write(
        &cli,
        &format!(
            "{{\n  \"profiles\": {{\n    \"default\": {{\n      \"endpoint\": \"https://mcp.airtable.com/mcp\",\n      \"token\": \"{}\"\n    }}\n  }},\n  \"defaultProfile\": \"default\"\n}}",
            pat(1)
        ),
    );
    let (_, found, _) = scan(&v, &fake, &["--import"]);
    assert_eq!(found["found"][0]["path"], cli.to_str().unwrap(), "{found}");
    assert_eq!(found["imported"][0]["name"], "Airtable CLI", "{found}");
    assert_eq!(found["imported"][0]["added"], true, "{found}");

    let out = v.run(&["migrate", cli.to_str().unwrap(), "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("patvault exec 'Airtable CLI' --env AIRTABLE_TOKEN -- airtable-mcp"),
        "{}",
        stderr(&out)
    );
    let tree: Value = serde_json::from_str(&std::fs::read_to_string(&cli).unwrap()).unwrap();
    assert_eq!(tree["profiles"]["default"].get("token"), None, "{tree}");
    assert_eq!(
        tree["profiles"]["default"]["endpoint"],
        "https://mcp.airtable.com/mcp"
    );
    let ran = v.run(&[
        "exec",
        "Airtable CLI",
        "--env",
        "AIRTABLE_TOKEN",
        "--",
        "sh",
        "-c",
        "printf '%s' \"${AIRTABLE_TOKEN%%.*}\"",
    ]);
    assert_eq!(stdout(&ran), id_of(&pat(1)));
    let out = v.run(&["migrate", "--undo", cli.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(std::fs::read_to_string(&cli).unwrap().contains(&pat(1)));
}
