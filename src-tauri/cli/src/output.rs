//! What the CLI prints: readable text, or the stable JSON docs/cli.md documents.

use serde::Serialize;

use patvault_core::ops::health::Health;
use patvault_core::ops::summary::TokenSummary;
use patvault_core::rotation::RotationState;
use patvault_core::vault::store::StoreKind;
use patvault_core::wire::shell_word;

#[derive(Serialize)]
pub struct TokenList<'a> {
    pub tokens: &'a [TokenSummary],
}

pub fn json(value: &impl Serialize) -> String {
    serde_json::to_string_pretty(value).expect("output always serializes")
}

fn due_mark(t: &TokenSummary) -> String {
    match t.rotation_state {
        RotationState::Ok => String::new(),
        RotationState::DueSoon => format!(" (due in {} days)", t.days_left),
        RotationState::Due => " (due today)".into(),
        RotationState::Overdue => format!(" (OVERDUE by {} days)", -t.days_left),
    }
}

pub fn table(tokens: &[TokenSummary]) -> String {
    if tokens.is_empty() {
        return "No tokens yet. Add one: patvault add NAME --scope data.records:read \
                --base appXXXXXXXXXXXXXX < secret-file\n"
            .into();
    }
    let rows: Vec<[String; 5]> = tokens
        .iter()
        .map(|t| {
            [
                t.name.clone(),
                t.token_id.clone().unwrap_or_else(|| "—".into()),
                t.scopes.len().to_string(),
                t.bases.len().to_string(),
                format!("{}{}", t.next_due, due_mark(t)),
            ]
        })
        .collect();
    columns(
        ["NAME", "TOKEN ID", "SCOPES", "BASES", "NEXT ROTATION"],
        &rows,
    )
}

/// `text` from a file (a path, a server's name) made safe to print on a terminal: each
/// control character is shown escaped (`\u{1b}`), never sent, so a name cannot move the
/// cursor, retitle the window or hide what follows.
pub fn terminal_safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// Rows under a header, each column as wide as its widest cell.
pub fn columns<const N: usize>(header: [&str; N], rows: &[[String; N]]) -> String {
    let header = header.map(String::from);
    let widths: Vec<usize> = (0..N)
        .map(|i| {
            std::iter::once(&header)
                .chain(rows)
                .map(|r| r[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in std::iter::once(&header).chain(rows) {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

pub fn details(t: &TokenSummary) -> String {
    let list = |items: &[String]| {
        if items.is_empty() {
            "—".to_owned()
        } else {
            items.join(", ")
        }
    };
    let bases: Vec<String> = t
        .bases
        .iter()
        .map(|b| {
            let mut s = b.id.clone();
            if let Some(table) = &b.table {
                s += &format!("/{table}");
            }
            if let Some(label) = &b.label {
                s += &format!(" ({label})");
            }
            s
        })
        .collect();
    let waiting = if t.updates_pending.is_empty() {
        String::new()
    } else {
        format!(
            "to update:     {} (tick off with `patvault updated`)\n",
            t.updates_pending.join(", ")
        )
    };
    let found: String = t
        .found_in
        .iter()
        .map(|p| {
            let state = if p.place.through_vault {
                "through the vault"
            } else if p.backup {
                "PLAINTEXT BACKUP an earlier migrate left: delete it"
            } else if p.stale {
                "STALE: holds the old token"
            } else if p.place.plaintext {
                "current, plaintext"
            } else {
                "current, ID only"
            };
            let unread = p
                .place
                .unread
                .as_ref()
                .map(|why| format!("; could not read it last time: {why}"))
                .unwrap_or_default();
            format!(
                "found in:      {} ({state}; last seen {}{unread})\n",
                terminal_safe(&p.place.describe()),
                p.place.last_seen.format("%Y-%m-%d")
            )
        })
        .collect();
    format!(
        "name:          {}\ntoken id:      {}\nscopes:        {}\nbases:         {}\n\
         rotate every:  {} days\nlast rotated:  {}\nnext due:      {}{}\nused by:       {}\n\
         {found}{waiting}notes:         {}\n",
        t.name,
        t.token_id.as_deref().unwrap_or("—"),
        list(&t.scopes),
        list(&bases),
        t.rotate_every_days,
        t.last_rotated,
        t.next_due,
        due_mark(t),
        list(&t.used_by),
        if t.notes.is_empty() { "—" } else { &t.notes },
    )
}

pub fn health(h: &Health) -> String {
    let on_keychain = h.store.as_ref().is_none_or(|s| s.store == StoreKind::Os);
    let mut out = format!(
        "data folder:      {}\n{}API root:         {}{}\n",
        h.vault.data_dir,
        if on_keychain {
            format!("keychain service: {}\n", h.vault.keychain_service)
        } else {
            String::new()
        },
        h.api_root,
        if h.custom_api_root {
            " (from PATVAULT_AIRTABLE_URL, not Airtable's own)"
        } else {
            ""
        }
    );
    if let Some(store) = &h.store {
        out += &format!(
            "store:            {}, {}\n",
            store.store.name(),
            store.location
        );
        if let Some(key) = &store.key_described {
            out += &format!("store's key:      {key}\n");
        }
        if let Some(warning) = store.warning.as_ref().filter(|_| store.has_key()) {
            out += &format!("WARNING  {}\n", terminal_safe(warning));
        }
    }
    for look in h.looks() {
        out += &match look.problem {
            None => format!("ok       {}\n", look.what),
            Some(problem) => format!("PROBLEM  {}: {}\n", look.what, terminal_safe(&problem)),
        };
    }
    for u in &h.undo_records {
        let holds = if u.tokens.is_empty() {
            String::new()
        } else {
            format!(", with the secrets of {}", u.tokens.join(", "))
        };
        out += &format!(
            "undo     {} as it was on {}{holds}: `patvault migrate --undo {}` (or --forget)\n",
            terminal_safe(&u.path),
            u.made.format("%Y-%m-%d %H:%M UTC"),
            shell_word(&u.path)
        );
    }
    out
}
