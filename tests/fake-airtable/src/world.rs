//! Scenarios built in code, so each test says what it needs: the accounts the core's
//! check tests, the CLI's tests and the benchmark run against.

use std::collections::BTreeMap;

use crate::Scenario;
use crate::scenario::{Base, Field, Level, Record, Table, Token, User};
use serde_json::json;

/// A well-formed PAT, different for each `n`.
pub fn pat(n: u32) -> String {
    format!("pat{n:014}.{:064x}", u128::from(n) * 0x9e37_79b9_7f4a_7c15)
}

pub fn id(prefix: &str, name: &str) -> String {
    let mut s: String = format!("{prefix}{name}")
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    while s.len() < 17 {
        s.push('0');
    }
    s.truncate(17);
    s
}

pub fn table(name: &str, records: usize, comments_on_first: usize) -> Table {
    Table {
        id: id("tbl", name),
        name: name.into(),
        fields: vec![Field {
            id: id("fld", name),
            name: "Name".into(),
            kind: "singleLineText".into(),
        }],
        records: (0..records)
            .map(|i| Record {
                id: id("rec", &format!("{name}{i}")),
                fields: json!({"Name": format!("{name} {i}")}),
                comments: if i == 0 {
                    (0..comments_on_first)
                        .map(|c| json!({"id": format!("com{c:014}"), "text": "looks right"}))
                        .collect()
                } else {
                    Vec::new()
                },
            })
            .collect(),
        create_records: None,
    }
}

pub fn base(name: &str, tables: Vec<Table>, roles: &[(&str, Level)]) -> Base {
    Base {
        id: id("app", name),
        name: name.into(),
        tables,
        webhooks: Vec::new(),
        block_installations: Vec::new(),
        roles: roles
            .iter()
            .map(|(u, l)| ((*u).to_owned(), *l))
            .collect::<BTreeMap<_, _>>(),
        admins: BTreeMap::new(),
        enterprise: false,
        role_names: BTreeMap::new(),
        quota_exhausted: false,
    }
}

pub fn user(name: &str) -> User {
    User {
        id: id("usr", name),
        email: format!("{}@example.com", name.to_lowercase()),
    }
}

pub fn token(n: u32, owner: &str, scopes: &[&str], bases: &[&str]) -> Token {
    Token {
        token: pat(n),
        owner: id("usr", owner),
        scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        bases: bases.iter().map(|b| id("app", b)).collect(),
        all_bases: false,
        revoked: false,
    }
}

pub const EVERY_BASIC_SCOPE: &[&str] = &[
    "data.records:read",
    "data.records:write",
    "data.recordComments:read",
    "data.recordComments:write",
    "schema.bases:read",
    "schema.bases:write",
    "webhook:manage",
    "block:manage",
    "user.email:read",
    "workspacesAndBases:read",
];

/// Alice creates CRM and Empty, edits HR, reads Ops; Bob only reads CRM.
pub fn office() -> Scenario {
    let alice = id("usr", "Alice");
    let bob = id("usr", "Bob");
    Scenario {
        users: vec![user("Alice"), user("Bob")],
        bases: vec![
            base(
                "CRM",
                vec![table("Contacts", 2, 1)],
                &[(&alice, Level::Create), (&bob, Level::Read)],
            ),
            base("Ops", vec![table("Tasks", 1, 0)], &[(&alice, Level::Read)]),
            base("Empty", vec![], &[(&alice, Level::Create)]),
            base("HR", vec![table("People", 1, 0)], &[(&alice, Level::Edit)]),
        ],
        tokens: vec![
            token(1, "Alice", EVERY_BASIC_SCOPE, &["CRM", "Ops", "Empty"]),
            token(
                2,
                "Alice",
                &["data.records:read", "schema.bases:read"],
                &["CRM", "Ops"],
            ),
            Token {
                revoked: true,
                ..token(3, "Alice", EVERY_BASIC_SCOPE, &["CRM"])
            },
            token(
                4,
                "Alice",
                &["data.records:read", "webhook:manage"],
                &["CRM"],
            ),
            token(5, "Bob", EVERY_BASIC_SCOPE, &["CRM"]),
        ],
        ..Scenario::default()
    }
}

/// An account shaped after `airtable-api.md`'s real answers. In Sales, Alice creates,
/// Rita reads, Cora comments and Eddie edits; only creators may create Deals (a table
/// restriction). Spent's workspace has used its monthly quota. Alice's role in Odd is
/// one PAT Vault does not know. Tokens: 10 Rita's, with webhooks; 11 Eddie's, writing;
/// 12 Alice's reader; 13 Alice's without the base list; 14 Alice's on Spent and Sales;
/// 15 Alice's granted no base; 16 Alice's on Odd.
pub fn real_world() -> Scenario {
    let [alice, rita, cora, eddie] = ["Alice", "Rita", "Cora", "Eddie"].map(|n| id("usr", n));
    let mut deals = table("Deals", 2, 1);
    deals.create_records = Some(Level::Create);
    let sales = base(
        "Sales",
        vec![deals, table("Contacts", 1, 0)],
        &[
            (&alice, Level::Create),
            (&rita, Level::Read),
            (&cora, Level::Comment),
            (&eddie, Level::Edit),
        ],
    );
    let spent = Base {
        quota_exhausted: true,
        ..base(
            "Spent",
            vec![table("Orders", 1, 1)],
            &[(&alice, Level::Create)],
        )
    };
    let mut odd = base(
        "Odd",
        vec![table("Notes", 1, 0)],
        &[(&alice, Level::Create)],
    );
    odd.role_names.insert(alice.clone(), "owner".into());
    let reading = &["data.records:read", "schema.bases:read"];
    Scenario {
        users: ["Alice", "Rita", "Cora", "Eddie"].map(user).to_vec(),
        bases: vec![sales, spent, odd],
        tokens: vec![
            token(
                10,
                "Rita",
                &["data.records:read", "schema.bases:read", "webhook:manage"],
                &["Sales"],
            ),
            token(
                11,
                "Eddie",
                &[
                    "data.records:read",
                    "data.records:write",
                    "schema.bases:read",
                ],
                &["Sales"],
            ),
            token(12, "Alice", reading, &["Sales"]),
            token(13, "Alice", &["data.records:read"], &["Sales"]),
            token(14, "Alice", EVERY_BASIC_SCOPE, &["Spent", "Sales"]),
            token(15, "Alice", reading, &[]),
            token(16, "Alice", reading, &["Odd"]),
        ],
        ..Scenario::default()
    }
}
