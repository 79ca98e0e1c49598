//! The account shapes the check benchmark measures, and the core's tests hold the
//! estimate to: users and their roles over many bases, and tokens with what each is
//! granted and what it is meant for. Built once here so the figures the benchmark prints
//! and the equalities the tests assert are about the same accounts.

use std::collections::BTreeMap;

use crate::Scenario;
use crate::scenario::{Base, Field, Level, Record, Table, Token, User};
use serde_json::json;

/// The scopes every benchmarked token holds, unless its account says otherwise.
pub const SCOPES: &[&str] = &[
    "data.records:read",
    "data.records:write",
    "data.recordComments:read",
    "schema.bases:read",
    "schema.bases:write",
    "webhook:manage",
    "user.email:read",
    "workspacesAndBases:read",
];

/// What most benchmarked tokens are meant for: reading and writing records. The rest of
/// what they hold is excess.
const MEANT: &[&str] = &[
    "data.records:read",
    "data.records:write",
    "schema.bases:read",
];

const COMMENTER_SCOPES: &[&str] = &[
    "data.records:read",
    "data.recordComments:read",
    "schema.bases:read",
];

/// An account to check: the fake's scenario and, for each of its tokens, what the vault
/// knows of it.
pub struct Account {
    pub name: &'static str,
    pub scenario: Scenario,
    pub tokens: Vec<VaultToken>,
}

/// A token as the vault holds it: its secret, its user (for a check that knows it from
/// the last one), and the bases and scopes it is meant for.
pub struct VaultToken {
    pub secret: String,
    pub user: String,
    pub intended: Vec<String>,
    pub meant: Vec<String>,
}

fn padded(prefix: &str, n: usize) -> String {
    format!("{prefix}{n:014}")
}

pub fn base_id(n: usize) -> String {
    padded("app", n)
}

pub fn user_id(n: usize) -> String {
    padded("usr", n)
}

fn secret(n: usize) -> String {
    format!("{}.{:064x}", padded("pat", n), n * 7919 + 1)
}

/// One table with one record that has one comment, and each user's role.
fn base(n: usize, roles: BTreeMap<String, Level>) -> Base {
    Base {
        id: base_id(n),
        name: format!("Base {n}"),
        tables: vec![Table {
            id: padded("tbl", n),
            name: "Items".into(),
            fields: vec![Field {
                id: padded("fld", n),
                name: "Name".into(),
                kind: "singleLineText".into(),
            }],
            records: vec![Record {
                id: padded("rec", n),
                fields: json!({"Name": "first"}),
                comments: vec![json!({"id": padded("com", n), "text": "ok"})],
            }],
            create_records: None,
        }],
        roles,
        ..Base::default()
    }
}

/// A token of `user` granted `bases` (every base when empty), meant for `intended`.
struct Grant {
    user: usize,
    bases: Vec<usize>,
    intended: Vec<usize>,
    scopes: &'static [&'static str],
    meant: &'static [&'static str],
    revoked: bool,
}

impl Grant {
    fn on(user: usize, bases: Vec<usize>, intended: Vec<usize>) -> Self {
        Grant {
            user,
            bases,
            intended,
            scopes: SCOPES,
            meant: MEANT,
            revoked: false,
        }
    }
}

/// Builds the account: `users` users, `bases` bases with each user's role from `role`
/// (none: not a collaborator), and the tokens.
fn account(
    name: &'static str,
    users: usize,
    bases: usize,
    role: impl Fn(usize, usize) -> Option<Level>,
    grants: Vec<Grant>,
) -> Account {
    let bases = (0..bases)
        .map(|b| {
            let roles = (0..users)
                .filter_map(|u| role(b, u).map(|level| (user_id(u), level)))
                .collect();
            base(b, roles)
        })
        .collect();
    let tokens = grants
        .iter()
        .enumerate()
        .map(|(t, g)| Token {
            token: secret(t),
            owner: user_id(g.user),
            scopes: g.scopes.iter().map(|s| (*s).to_owned()).collect(),
            bases: g.bases.iter().map(|b| base_id(*b)).collect(),
            all_bases: g.bases.is_empty(),
            revoked: g.revoked,
        })
        .collect();
    let vault = grants
        .iter()
        .enumerate()
        .map(|(t, g)| VaultToken {
            secret: secret(t),
            user: user_id(g.user),
            intended: g.intended.iter().map(|b| base_id(*b)).collect(),
            meant: g.meant.iter().map(|s| (*s).to_owned()).collect(),
        })
        .collect();
    let scenario = Scenario {
        users: (0..users)
            .map(|u| User {
                id: user_id(u),
                email: format!("{}@example.com", user_id(u)),
            })
            .collect(),
        bases,
        tokens,
        ..Scenario::default()
    };
    Account {
        name,
        scenario,
        tokens: vault,
    }
}

/// Every user on every base: creators mostly, an editor or a reader here and there.
fn mixed(b: usize, u: usize) -> Option<Level> {
    Some(match (b + u) % 6 {
        0 => Level::Edit,
        3 => Level::Read,
        _ => Level::Create,
    })
}

/// Five tokens, each granted 8 of 20 bases and meant for half of them.
pub fn one_user_twenty_bases() -> Account {
    let grants = (0..5)
        .map(|t| {
            let bases: Vec<usize> = (0..8).map(|i| (t * 4 + i) % 20).collect();
            Grant::on(0, bases.clone(), bases[..4].to_vec())
        })
        .collect();
    account(
        "one user, 20 bases, 5 tokens on 8 each",
        1,
        20,
        mixed,
        grants,
    )
}

/// Each token on 10 of the 20 bases both users work on, every base on 5 tokens: the
/// busiest user and the busiest base bind at once.
pub fn two_users_sharing_twenty_bases() -> Account {
    let grants = (0..10)
        .map(|t| {
            let bases: Vec<usize> = (0..10).map(|i| (t * 2 + i) % 20).collect();
            Grant::on(t % 2, bases.clone(), bases[..5].to_vec())
        })
        .collect();
    account(
        "two users share 20 bases, 5 tokens each on 10",
        2,
        20,
        mixed,
        grants,
    )
}

/// Each user on 15 of the 20 bases, their tokens on 8 each.
pub fn two_users_on_fifteen_bases_each() -> Account {
    let grants = (0..10)
        .map(|t| {
            let first = if t % 2 == 0 { 0 } else { 5 };
            let bases: Vec<usize> = (0..8).map(|i| first + (t / 2 * 2 + i) % 15).collect();
            Grant::on(t % 2, bases.clone(), bases[..4].to_vec())
        })
        .collect();
    account(
        "two users, 15 of 20 bases each, 8 per token",
        2,
        20,
        mixed,
        grants,
    )
}

/// Ten tokens of two users on the one base, all meant for it.
pub fn one_base_ten_tokens() -> Account {
    let grants = (0..10)
        .map(|t| Grant::on(t % 2, vec![0], vec![0]))
        .collect();
    account(
        "one base shared by ten tokens of two users",
        2,
        1,
        mixed,
        grants,
    )
}

/// Five tokens of one user, each granted all of 120 bases (two pages of the base list at
/// 100 a page), a third of them read-only for the user; each meant for 10.
pub fn one_user_five_tokens_on_every_base() -> Account {
    let grants = (0..5)
        .map(|t| Grant::on(0, Vec::new(), (t * 10..t * 10 + 10).collect()))
        .collect();
    let role = |b: usize, _| {
        Some(if b.is_multiple_of(3) {
            Level::Read
        } else {
            Level::Create
        })
    };
    let mut account = account(
        "one user, 5 tokens on all 120 bases, 2 list pages",
        1,
        120,
        role,
        grants,
    );
    account.scenario.settings.page_size = 100;
    account
}

/// Five tokens of one user on all of 120 bases, all meant for the same 10 and each with
/// other scopes, meant for all it holds: the intended bases and the user bind at once.
pub fn one_user_five_tokens_on_the_same_ten() -> Account {
    let scopes: [&'static [&'static str]; 5] = [
        SCOPES,
        COMMENTER_SCOPES,
        &[
            "data.records:read",
            "data.records:write",
            "schema.bases:read",
        ],
        &["schema.bases:read", "schema.bases:write", "webhook:manage"],
        &["data.records:read", "workspacesAndBases:read"],
    ];
    let grants = scopes
        .into_iter()
        .map(|scopes| Grant {
            scopes,
            meant: scopes,
            ..Grant::on(0, Vec::new(), (0..10).map(|b| b * 7).collect())
        })
        .collect();
    let role = |b: usize, _| {
        Some(match b % 4 {
            0 => Level::Read,
            1 => Level::Comment,
            2 => Level::Edit,
            _ => Level::Create,
        })
    };
    let mut account = account(
        "one user, 5 unlike tokens on 120 bases, all meant for 10",
        1,
        120,
        role,
        grants,
    );
    account.scenario.settings.page_size = 100;
    account
}

/// One user creates 100 bases (editing every fifth) and holds four all-bases tokens; a
/// second edits 12 of them with four tokens; a third comments on 6 with two read-only
/// tokens; and one of the first user's tokens is revoked.
pub fn three_unequal_users() -> Account {
    let role = |b: usize, u: usize| match u {
        0 if b.is_multiple_of(5) => Some(Level::Edit),
        0 => Some(Level::Create),
        1 if b < 12 => Some(Level::Edit),
        2 if (40..46).contains(&b) => Some(Level::Comment),
        _ => None,
    };
    let mut grants: Vec<Grant> = (0..4)
        .map(|t| Grant::on(0, Vec::new(), (t * 10..t * 10 + 10).collect()))
        .collect();
    grants.extend((0..4).map(|t| Grant::on(1, Vec::new(), vec![t * 3, t * 3 + 1, t * 3 + 2])));
    grants.extend((0..2).map(|t| Grant {
        scopes: COMMENTER_SCOPES,
        meant: COMMENTER_SCOPES,
        ..Grant::on(2, Vec::new(), vec![40 + t * 3, 41 + t * 3])
    }));
    grants.push(Grant {
        revoked: true,
        ..Grant::on(0, Vec::new(), vec![90])
    });
    account("three unequal users, a revoked token", 3, 100, role, grants)
}

/// One all-bases token on 500 bases, meant for 10 of them.
pub fn five_hundred_bases() -> Account {
    let grants = vec![Grant::on(0, Vec::new(), (0..10).map(|i| i * 50).collect())];
    account("500 bases, one token", 1, 500, mixed, grants)
}

/// Every account the benchmark measures.
pub fn every() -> Vec<Account> {
    vec![
        one_user_twenty_bases(),
        two_users_sharing_twenty_bases(),
        two_users_on_fifteen_bases_each(),
        one_base_ten_tokens(),
        one_user_five_tokens_on_every_base(),
        one_user_five_tokens_on_the_same_ten(),
        three_unequal_users(),
        five_hundred_bases(),
    ]
}
