//! Will each place that uses a token keep working? A place's needs come from the
//! consumer catalog (or, for a custom place, from what its user says); what the token
//! can do comes from its checks. Each place is told: works, will fail (which feature,
//! which scope, base or role is missing, and the fix), or unknown (and why). The token as
//! a whole is told what it holds that no place needs: the first candidates for a
//! narrower token.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::catalog::base_scope;
use crate::consumers::{self, Feature};
use crate::model::consumer::Consumer;
use crate::model::record::TokenRecord;
use crate::model::report::{CheckReport, CheckStatus, KnownReach};
use crate::model::verdict::{PermissionLevel, Verdict};
use crate::scopes::TOKENS_PAGE;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ConsumerState {
    Works,
    /// A feature it needs will fail: `failures` says which, why and the fix.
    WillFail,
    /// Not known: `unknown` says why (no stated needs, not checked, a scope no check
    /// has shown).
    Unknown,
}

/// One place, and whether it will keep working.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct ConsumerVerdict {
    #[serde(flatten)]
    pub place: Consumer,
    /// The kind in words, as the catalog names it.
    pub kind_name: String,
    pub state: ConsumerState,
    /// What fails, a feature it needs first; with `works`, what of its optional
    /// features would.
    pub failures: Vec<Failure>,
    /// Why the verdict is not known, when it is not.
    pub unknown: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum FailureCause {
    /// Airtable refuses the token itself (revoked, regenerated, mistyped).
    Token,
    Scope,
    /// The token cannot list bases, which the feature does.
    Listing,
    Base,
    Role,
    /// A table's or field's permissions refuse it.
    Restriction,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Failure {
    pub feature: String,
    /// The place cannot work without the feature; otherwise only that feature fails.
    pub required: bool,
    pub cause: FailureCause,
    pub scope: Option<String>,
    pub base: Option<String>,
    pub why: String,
    pub fix: String,
}

/// Every place of a token, and what the token holds that none of them needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct ConsumersReport {
    pub consumers: Vec<ConsumerVerdict>,
    /// Scopes the token holds that no place needs; None when some place's needs are
    /// not known (then nothing can be called excess).
    pub excess_scopes: Option<Vec<String>>,
    /// Bases the token reaches that no place works on; None when not every place names
    /// its bases (and the token names none for them).
    pub excess_bases: Option<Vec<String>>,
    /// A narrower token, or one per place, in words; None when nothing is excess.
    pub suggestion: Option<String>,
}

impl ConsumersReport {
    /// The labels of the places that will fail.
    pub fn failing(&self) -> Vec<String> {
        self.consumers
            .iter()
            .filter(|c| c.state == ConsumerState::WillFail)
            .map(|c| c.place.label.clone())
            .collect()
    }
}

/// A notification when `report`, the newest check of `record`, turns places that use it
/// to "will fail": a title, and a body that says why and the fix of the first. Compared
/// with what the checks before showed, so each place is told once.
pub fn notice_after(record: &TokenRecord, report: &CheckReport) -> Option<(&'static str, String)> {
    // A failed check shows nothing new; after one, the next check that works tells its
    // failing places again, since the failed one knew none.
    if report.status == CheckStatus::Error {
        return None;
    }
    let was = judge(record).failing();
    let after = judge_after(record, report);
    let turned: Vec<String> = after
        .failing()
        .into_iter()
        .filter(|label| !was.contains(label))
        .collect();
    let name = &record.intent.name;
    let first = after
        .consumers
        .iter()
        .find(|c| turned.first() == Some(&c.place.label))?;
    let failure = first.failures.first()?;
    let places = match turned.as_slice() {
        [one] => format!("“{one}”"),
        many => format!(
            "{} places ({})",
            many.len(),
            many.iter()
                .map(|p| format!("“{p}”"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    Some((
        "A place that uses an Airtable token will fail",
        format!(
            "{places} will fail with “{name}”: {}. {}.",
            failure.why, failure.fix
        ),
    ))
}

/// What the places of `record` can expect once `report` is its latest check.
pub fn judge_after(record: &TokenRecord, report: &CheckReport) -> ConsumersReport {
    let mut checked = record.clone();
    checked.add_check(report);
    judge(&checked)
}

/// What the places of `record` can expect from the token, as its checks showed it.
pub fn judge(record: &TokenRecord) -> ConsumersReport {
    let known = record.known_reach().unwrap_or_default();
    let report = record.last_report.as_ref();
    let intended: Vec<String> = record.intent.bases.iter().map(|b| b.id.clone()).collect();
    let consumers: Vec<ConsumerVerdict> = record
        .intent
        .used_by
        .iter()
        .map(|place| verdict(place, &intended, report, &known))
        .collect();
    let needs: Vec<Option<Vec<Feature>>> = record.intent.used_by.iter().map(features).collect();
    // Excess only where every place's needs and the token's scopes are known.
    let judged = !record.intent.used_by.is_empty()
        && !known.scopes.is_empty()
        && needs.iter().all(Option::is_some);
    let excess_scopes = judged.then(|| {
        let needed: BTreeSet<&str> = needs
            .iter()
            .flatten()
            .flatten()
            .flat_map(|f| f.scopes.iter().map(String::as_str))
            .collect();
        held(&known)
            .into_iter()
            .filter(|s| !needed.contains(s.as_str()))
            .collect::<Vec<_>>()
    });
    let bases_of = |place: &Consumer| {
        if place.bases.is_empty() {
            intended.clone()
        } else {
            place.bases.clone()
        }
    };
    let excess_bases = record
        .intent
        .used_by
        .iter()
        .all(|p| !bases_of(p).is_empty())
        .then(|| {
            let needed: BTreeSet<String> =
                record.intent.used_by.iter().flat_map(bases_of).collect();
            reached(&known)
                .into_iter()
                .filter(|b| !needed.contains(b))
                .collect::<Vec<_>>()
        })
        .filter(|_| !record.intent.used_by.is_empty() && known.bases.is_some());
    let suggestion = suggest(
        record,
        &needs,
        excess_scopes.as_deref(),
        excess_bases.as_deref(),
    );
    ConsumersReport {
        consumers,
        excess_scopes,
        excess_bases,
        suggestion,
    }
}

/// What a place needs: its kind's features (those it uses, when it names them), or for a
/// kind whose sources state none, what its user said. None when nothing is known of it.
fn features(place: &Consumer) -> Option<Vec<Feature>> {
    let kind = consumers::kind(&place.kind).unwrap_or_else(consumers::custom);
    if kind.needs_known {
        // The features it uses are needed, whatever the sources call optional; uses
        // the catalog no longer has leave nothing known.
        if place.uses.is_empty() {
            return Some(kind.features.clone());
        }
        let used: Vec<Feature> = kind
            .features
            .iter()
            .filter(|f| place.uses.contains(&f.id))
            .map(|f| Feature {
                required: true,
                ..f.clone()
            })
            .collect();
        return (!used.is_empty()).then_some(used);
    }
    (!place.needs.is_empty()).then(|| {
        vec![Feature {
            id: "stated".into(),
            name: "what it needs".into(),
            required: true,
            scopes: place.needs.clone(),
            lists_bases: false,
            source: "its place's needs, as given".into(),
        }]
    })
}

fn verdict(
    place: &Consumer,
    intended: &[String],
    report: Option<&CheckReport>,
    known: &KnownReach,
) -> ConsumerVerdict {
    let kind = consumers::kind(&place.kind).unwrap_or_else(consumers::custom);
    let mut v = ConsumerVerdict {
        place: place.clone(),
        kind_name: kind.name.clone(),
        state: ConsumerState::Unknown,
        failures: Vec::new(),
        unknown: Vec::new(),
    };
    let Some(report) = report else {
        v.unknown.push("the token has not been checked yet".into());
        return v;
    };
    // A check that could not finish (Airtable down, slow, answering garbage) shows
    // nothing of the places: they are not known, never called working.
    if report.status == CheckStatus::Error {
        v.unknown.push(format!(
            "the last check failed ({}): check again",
            report.error.as_deref().unwrap_or("no answer")
        ));
        return v;
    }
    // Whatever a place needs, nothing works with a token Airtable refuses.
    if report.status == CheckStatus::Invalid {
        v.failures.push(Failure {
            feature: "every request".into(),
            required: true,
            cause: FailureCause::Token,
            scope: None,
            base: None,
            why: "Airtable refuses the token itself (401): it was revoked, regenerated or mistyped"
                .into(),
            fix: format!("Create a new token at {TOKENS_PAGE} and rotate this one to it"),
        });
        v.state = ConsumerState::WillFail;
        return v;
    }
    let Some(features) = features(place) else {
        v.unknown.push(if kind.id == consumers::CUSTOM {
            "no needs are given for it: name the scopes it uses to have it judged".into()
        } else {
            format!(
                "no source states what the {} needs: name the scopes it uses to have it judged",
                kind.name
            )
        });
        return v;
    };
    let bases = if place.bases.is_empty() {
        intended
    } else {
        &place.bases
    };
    let mut required_unknown = false;
    let mut fail = |f: Failure| {
        // The same cause on the same scope and base is one failure, of every feature it
        // stops.
        match v
            .failures
            .iter_mut()
            .find(|g| (g.cause, &g.scope, &g.base) == (f.cause, &f.scope, &f.base))
        {
            Some(g) => {
                g.feature = format!("{}, {}", g.feature, f.feature);
                g.required |= f.required;
            }
            None => v.failures.push(f),
        }
    };
    let names = |of: &[&Feature]| {
        of.iter()
            .map(|f| f.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let listing: Vec<&Feature> = features.iter().filter(|f| f.lists_bases).collect();
    let cannot_list = report.can_list_bases == Some(false);
    if cannot_list && !listing.is_empty() {
        fail(Failure {
            feature: names(&listing),
            required: listing.iter().any(|f| f.required),
            cause: FailureCause::Listing,
            scope: Some("schema.bases:read".into()),
            base: None,
            why:
                "it lists the bases it may use, which the token cannot: it lacks schema.bases:read"
                    .into(),
            fix: format!("Add schema.bases:read to the token at {TOKENS_PAGE}"),
        });
    }
    let every: Vec<&Feature> = features.iter().collect();
    let required = features.iter().any(|f| f.required);
    let listed = known.bases.as_ref().map(|b| &b.value);
    for base in bases {
        let reach = report.bases.iter().find(|b| &b.id == base);
        let name = reach
            .and_then(|b| b.name.clone())
            .map_or_else(|| base.clone(), |n| format!("“{n}” ({base})"));
        let out_of_reach = match (listed, reach) {
            (Some(listed), _) => !listed.contains_key(base),
            // Without the base list, only a probe shows the base reached.
            (None, Some(reach)) => !reach.reachable,
            (None, None) => {
                v.unknown.push(format!(
                    "whether the token reaches {name}: it cannot list bases, and no check probed it"
                ));
                required_unknown |= required;
                false
            }
        };
        if out_of_reach {
            fail(Failure {
                feature: names(&every),
                required,
                cause: FailureCause::Base,
                scope: None,
                base: Some(base.clone()),
                why: format!("the token does not reach {name}"),
                fix: format!("Add {name} to the token's access at {TOKENS_PAGE}"),
            });
        }
    }
    let mut scopes: Vec<&str> = features
        .iter()
        .flat_map(|f| f.scopes.iter().map(String::as_str))
        .collect();
    scopes.sort_unstable();
    scopes.dedup();
    for scope in scopes {
        let needing: Vec<&Feature> = features
            .iter()
            .filter(|f| f.scopes.iter().any(|s| s == scope))
            .collect();
        let required = needing.iter().any(|f| f.required);
        let feature = names(&needing);
        match known.scopes.get(scope).map(|k| k.value) {
            // Not being able to list bases already says it.
            Some(false) if cannot_list && scope == "schema.bases:read" && !listing.is_empty() => {}
            Some(false) => fail(Failure {
                feature,
                required,
                cause: FailureCause::Scope,
                scope: Some(scope.into()),
                base: None,
                why: format!("the token lacks {scope}"),
                fix: format!("Add {scope} to the token at {TOKENS_PAGE}"),
            }),
            // Held or not shown, a role too low or a table's permissions still stop it.
            held => {
                if held.is_none() && required {
                    v.unknown.push(format!(
                        "whether the token holds {scope}: a full check shows it"
                    ));
                    required_unknown = true;
                }
                for failure in on_bases(scope, &feature, required, bases, report, listed) {
                    fail(failure);
                }
            }
        }
    }
    v.failures.sort_by_key(|f| !f.required);
    v.state = if v.failures.iter().any(|f| f.required) {
        ConsumerState::WillFail
    } else if required_unknown {
        ConsumerState::Unknown
    } else {
        ConsumerState::Works
    };
    v
}

/// Where a scope the token holds still fails: a base where the user's role is too low,
/// or where a table's or field's permissions refused it.
fn on_bases(
    scope: &str,
    feature: &str,
    required: bool,
    bases: &[String],
    report: &CheckReport,
    listed: Option<&BTreeMap<String, Option<PermissionLevel>>>,
) -> Vec<Failure> {
    let least = base_scope(scope).map(|s| s.least_role);
    let mut out = Vec::new();
    for base in bases {
        let Some(reach) = report.bases.iter().find(|b| &b.id == base && b.reachable) else {
            continue;
        };
        let name = reach.name.as_deref().unwrap_or(base);
        let role = listed
            .and_then(|l| l.get(base).copied().flatten())
            .or(reach.permission_level);
        let failure = |cause, why: String, fix: String| Failure {
            feature: feature.to_owned(),
            required,
            cause,
            scope: Some(scope.to_owned()),
            base: Some(base.clone()),
            why,
            fix,
        };
        if let (Some(role), Some(least)) = (role, least)
            && role.rules_out(least)
        {
            out.push(failure(
                FailureCause::Role,
                format!(
                    "on “{name}” the token's user is {}, and {scope} needs {} or more",
                    role_words(role),
                    role_words(least)
                ),
                format!(
                    "Have a base owner make the token's user {} or more on “{name}”",
                    role_words(least)
                ),
            ));
        } else if reach.scopes.get(scope) == Some(&Verdict::Restricted) {
            out.push(failure(
                FailureCause::Restriction,
                reach.reasons.get(scope).cloned().unwrap_or_else(|| {
                    format!("a table's or field's permissions on “{name}” refuse {scope}")
                }),
                format!(
                    "Loosen the table's or field's editing permissions on “{name}”, or use another user's token"
                ),
            ));
        }
    }
    out
}

fn role_words(level: PermissionLevel) -> &'static str {
    match level {
        PermissionLevel::None => "an admin without a role",
        PermissionLevel::Read => "read-only",
        PermissionLevel::Comment => "a commenter",
        PermissionLevel::Edit => "an editor",
        PermissionLevel::Create => "a creator",
    }
}

/// The scopes the token's checks showed it holds.
fn held(known: &KnownReach) -> Vec<String> {
    known
        .scopes
        .iter()
        .filter(|(_, k)| k.value)
        .map(|(s, _)| s.clone())
        .collect()
}

/// The bases the token's checks showed it lists.
fn reached(known: &KnownReach) -> Vec<String> {
    known
        .bases
        .iter()
        .flat_map(|b| b.value.keys().cloned())
        .collect()
}

/// One suggestion for a token that holds more than its places need: the narrower set,
/// or, when its places need disjoint bases, a token per place.
fn suggest(
    record: &TokenRecord,
    needs: &[Option<Vec<Feature>>],
    excess_scopes: Option<&[String]>,
    excess_bases: Option<&[String]>,
) -> Option<String> {
    let scopes = excess_scopes.unwrap_or_default();
    let bases = excess_bases.unwrap_or_default();
    if scopes.is_empty() && bases.is_empty() {
        return None;
    }
    let places = &record.intent.used_by;
    let mut by_place: BTreeMap<&str, (BTreeSet<&str>, BTreeSet<&str>)> = BTreeMap::new();
    for (place, features) in places.iter().zip(needs) {
        let scopes = features
            .iter()
            .flatten()
            .flat_map(|f| f.scopes.iter().map(String::as_str))
            .collect();
        let bases = if place.bases.is_empty() {
            record.intent.bases.iter().map(|b| b.id.as_str()).collect()
        } else {
            place.bases.iter().map(String::as_str).collect()
        };
        by_place.insert(&place.label, (scopes, bases));
    }
    // Places that share no base, or no scope, each lose nothing with a token of their own.
    let apart = |a: &(BTreeSet<&str>, BTreeSet<&str>), b: &(BTreeSet<&str>, BTreeSet<&str>)| {
        a.1.is_disjoint(&b.1) || a.0.is_disjoint(&b.0)
    };
    let disjoint = by_place.len() > 1
        && needs.iter().all(Option::is_some)
        && by_place
            .values()
            .all(|(s, b)| !b.is_empty() && !s.is_empty())
        && by_place
            .values()
            .enumerate()
            .all(|(i, a)| by_place.values().skip(i + 1).all(|b| apart(a, b)));
    let named = |id: &String| {
        let name = record
            .last_report
            .iter()
            .flat_map(|r| &r.bases)
            .find(|b| &b.id == id)
            .and_then(|b| b.name.as_deref());
        name.map_or_else(|| id.clone(), |n| format!("“{n}” ({id})"))
    };
    let bases: Vec<String> = bases.iter().map(named).collect();
    let drop = [
        (!scopes.is_empty()).then(|| format!("the scopes {}", scopes.join(", "))),
        (!bases.is_empty()).then(|| format!("the bases {}", bases.join(", "))),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" and ");
    let mut text =
        format!("No place that uses it needs {drop}: a narrower token without them would do.");
    if disjoint {
        let each: Vec<String> = by_place
            .iter()
            .map(|(label, (s, b))| {
                let s: Vec<&str> = s.iter().copied().collect();
                let b: Vec<&str> = b.iter().copied().collect();
                format!("“{label}”: {} on {}", s.join(", "), b.join(", "))
            })
            .collect();
        text.push_str(&format!(
            " Its places need different bases or scopes, so one token each would expose less if one leaked: {}.",
            each.join("; ")
        ));
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::record::{BaseIntent, TokenIntent};
    use crate::model::report::{BaseReach, CheckUser};
    use PermissionLevel::{Create, Read};
    use Verdict::{Denied, Granted, Implied, Restricted};

    const A: &str = "appAAAAAAAAAAAAAA";
    const B: &str = "appBBBBBBBBBBBBBB";
    const C: &str = "appCCCCCCCCCCCCCC";

    fn place(kind: &str, label: &str, bases: &[&str], needs: &[&str]) -> Consumer {
        Consumer {
            kind: kind.into(),
            bases: bases.iter().map(|b| (*b).to_owned()).collect(),
            needs: needs.iter().map(|n| (*n).to_owned()).collect(),
            ..Consumer::custom(label)
        }
    }

    /// A base a check listed: its id, the user's role, and verdicts there.
    type Listed<'a> = (&'a str, PermissionLevel, &'a [(&'a str, Verdict)]);

    /// A token meant for `intended`, used by `places`, whose full check showed it holding
    /// `held` (every other scope lacking) on `bases` (id, role, verdicts there).
    fn checked(
        intended: &[&str],
        places: Vec<Consumer>,
        held: &[&str],
        bases: &[Listed],
    ) -> TokenRecord {
        let mut intent = TokenIntent::named("t", chrono::NaiveDate::MIN);
        intent.bases = intended.iter().map(|id| BaseIntent::id(*id)).collect();
        intent.used_by = places;
        let mut record = TokenRecord::new(intent, None, chrono::Utc::now());
        let listing = held.contains(&"schema.bases:read");
        let report = CheckReport {
            user: Some(CheckUser {
                id: "usrAlice".into(),
                email: None,
            }),
            can_list_bases: Some(listing),
            scopes: crate::scopes::CATALOG
                .iter()
                .map(|s| {
                    let v = if held.contains(&s.name) {
                        Granted
                    } else {
                        Denied
                    };
                    (s.name.to_owned(), v)
                })
                .collect(),
            bases: bases
                .iter()
                .map(|(id, level, verdicts)| {
                    let mut reach = BaseReach::new(id, Some((*id).into()), Some(*level), false);
                    reach.reachable = true;
                    reach.scopes = verdicts.iter().map(|(s, v)| ((*s).into(), *v)).collect();
                    reach
                })
                .collect(),
            ..CheckReport::started(false)
        };
        record.add_check(&report);
        record
    }

    fn states(r: &ConsumersReport) -> Vec<(&str, ConsumerState)> {
        r.consumers
            .iter()
            .map(|c| (c.place.label.as_str(), c.state))
            .collect()
    }

    #[test]
    fn an_mcp_server_with_read_scopes_works_and_says_which_optional_tools_would_fail() {
        let record = checked(
            &[A],
            vec![place("airtable-mcp-server", "Claude", &[], &[])],
            &["schema.bases:read", "data.records:read", "webhook:manage"],
            &[(A, Create, &[("data.records:read", Granted)])],
        );
        let r = judge(&record);
        assert_eq!(states(&r), [("Claude", ConsumerState::Works)]);
        let optional: Vec<(&str, FailureCause)> = r.consumers[0]
            .failures
            .iter()
            .map(|f| (f.scope.as_deref().unwrap_or("-"), f.cause))
            .collect();
        assert!(
            optional.contains(&("data.records:write", FailureCause::Scope)),
            "{optional:?}"
        );
        assert!(r.consumers[0].failures.iter().all(|f| !f.required));
        assert_eq!(r.excess_scopes, Some(vec!["webhook:manage".to_owned()]));
        assert!(r.suggestion.unwrap().contains("webhook:manage"));
    }

    #[test]
    fn every_kind_is_judged_by_what_its_sources_state_and_no_more() {
        let every: Vec<&str> = crate::scopes::CATALOG.iter().map(|s| s.name).collect();
        let read = "data.records:read";
        for kind in consumers::kinds() {
            let bare = place(&kind.id, "bare", &[], &[]);
            let told = place(&kind.id, "told", &[], &[read]);
            let places = if kind.needs_known {
                vec![bare]
            } else {
                vec![bare, told]
            };
            let record = checked(&[A], places, &every, &[(A, Create, &[(read, Granted)])]);
            let r = judge(&record);
            let want = if kind.needs_known {
                vec![("bare", ConsumerState::Works)]
            } else {
                vec![
                    ("bare", ConsumerState::Unknown),
                    ("told", ConsumerState::Works),
                ]
            };
            assert_eq!(states(&r), want, "{}", kind.id);
            if !kind.needs_known {
                assert!(
                    r.consumers[0].unknown[0].contains("name the scopes"),
                    "{}",
                    kind.id
                );
            }
        }
    }

    #[test]
    fn a_place_that_names_the_features_it_uses_needs_only_theirs() {
        let held = ["schema.bases:read", "data.records:read"];
        let reader = Consumer {
            uses: vec!["read_records".into(), "pick_bases".into()],
            ..place("n8n", "read-only workflow", &[], &[])
        };
        let mut mcp = place("airtable-mcp-server", "Claude", &[], &[]);
        mcp.uses = vec!["write_records".into()];
        let record = checked(
            &[A],
            vec![place("n8n", "every node", &[], &[]), reader, mcp],
            &held,
            &[(A, Create, &[("data.records:read", Granted)])],
        );
        assert_eq!(
            states(&judge(&record)),
            [
                ("every node", ConsumerState::WillFail),
                ("read-only workflow", ConsumerState::Works),
                ("Claude", ConsumerState::WillFail),
            ]
        );
    }

    #[test]
    fn without_schema_read_an_mcp_server_cannot_list_bases_and_will_fail() {
        let record = checked(
            &[A],
            vec![place("airtable-mcp-server", "Cursor", &[], &[])],
            &["data.records:read"],
            &[],
        );
        let c = &judge(&record).consumers[0];
        assert_eq!(c.state, ConsumerState::WillFail);
        // One failure, not one per tool that needs the scope.
        let required: Vec<&Failure> = c.failures.iter().filter(|f| f.required).collect();
        assert_eq!(required.len(), 1, "{:?}", c.failures);
        assert_eq!(required[0].cause, FailureCause::Listing);
        assert!(required[0].fix.contains("schema.bases:read"));
        assert!(
            required[0].feature.starts_with("list_bases"),
            "{}",
            required[0].feature
        );
    }

    #[test]
    fn a_lowered_role_a_restriction_and_a_base_out_of_reach_each_say_what_fails_where() {
        let write = "data.records:write";
        let record = checked(
            &[A],
            vec![
                place("custom", "nightly import", &[B], &[write]),
                place("custom", "deals sync", &[A], &[write]),
                place("custom", "archive job", &[C], &["data.records:read"]),
            ],
            &["schema.bases:read", "data.records:read", write],
            &[
                (A, Create, &[(write, Restricted)]),
                (B, Read, &[(write, Implied)]),
            ],
        );
        let r = judge(&record);
        assert_eq!(
            states(&r),
            [
                ("nightly import", ConsumerState::WillFail),
                ("deals sync", ConsumerState::WillFail),
                ("archive job", ConsumerState::WillFail),
            ]
        );
        let cause = |i: usize| {
            (
                r.consumers[i].failures[0].cause,
                r.consumers[i].failures[0].base.clone(),
            )
        };
        assert_eq!(cause(0), (FailureCause::Role, Some(B.into())));
        assert!(r.consumers[0].failures[0].why.contains("read-only"));
        assert_eq!(cause(1), (FailureCause::Restriction, Some(A.into())));
        assert_eq!(cause(2), (FailureCause::Base, Some(C.into())));
    }

    #[test]
    fn unknown_needs_are_said_and_leave_nothing_called_excess() {
        let record = checked(
            &[A],
            vec![
                place("zapier", "CRM zap", &[], &[]),
                place("custom", "script", &[], &[]),
            ],
            &["schema.bases:read", "data.records:read"],
            &[(A, Create, &[])],
        );
        let r = judge(&record);
        assert_eq!(
            states(&r),
            [
                ("CRM zap", ConsumerState::Unknown),
                ("script", ConsumerState::Unknown)
            ]
        );
        assert!(r.consumers[0].unknown[0].contains("Zapier"));
        assert_eq!((r.excess_scopes, r.suggestion), (None, None));
    }

    #[test]
    fn a_revoked_token_fails_every_place_and_an_unchecked_one_is_unknown() {
        // Whatever a place needs, and even when no source says.
        let mut record = checked(&[A], vec![place("zapier", "leads", &[], &[])], &[], &[]);
        let mut revoked = record.last_report.clone().unwrap();
        revoked.status = CheckStatus::Invalid;
        record.last_report = Some(revoked);
        let c = &judge(&record).consumers[0];
        assert_eq!(
            (c.state, c.failures[0].cause),
            (ConsumerState::WillFail, FailureCause::Token)
        );
        // Airtable down: the place is not known, and nothing is notified.
        let mut failed = record.last_report.clone().unwrap();
        failed.status = CheckStatus::Error;
        failed.error = Some("Airtable did not answer".into());
        assert_eq!(notice_after(&record, &failed), None);
        record.last_report = Some(failed);
        let c = &judge(&record).consumers[0];
        assert_eq!(c.state, ConsumerState::Unknown);
        assert!(
            c.unknown[0].contains("Airtable did not answer"),
            "{:?}",
            c.unknown
        );
        record.last_report = None;
        record.known_reach = None;
        assert_eq!(judge(&record).consumers[0].state, ConsumerState::Unknown);
    }

    #[test]
    fn a_place_that_turns_to_will_fail_is_told_once() {
        let write = "data.records:write";
        let places = vec![place("custom", "importer", &[A], &[write])];
        let held = ["schema.bases:read", write];
        let mut record = checked(&[A], places.clone(), &held, &[(A, Create, &[])]);
        let lowered = checked(&[A], places, &held, &[(A, Read, &[])]);
        let report = lowered.last_report.unwrap();
        let (title, body) = notice_after(&record, &report).unwrap();
        assert!(title.contains("will fail"));
        assert!(
            body.starts_with("“importer” will fail with “t”: on “appAAAAAAAAAAAAAA” the token's user is read-only"),
            "{body}"
        );
        record.add_check(&report);
        assert_eq!(notice_after(&record, &report), None, "told once");
    }

    #[test]
    fn without_the_base_list_only_a_probe_shows_a_base_reached() {
        let read = "data.records:read";
        let mut record = checked(
            &[A, B],
            vec![
                place("custom", "probed", &[A], &[read]),
                place("custom", "refused", &[B], &[read]),
                place("custom", "never asked", &[C], &[read]),
            ],
            &[read],
            &[(A, Create, &[(read, Granted)])],
        );
        let mut report = record.last_report.clone().unwrap();
        // Probed directly, as a token that cannot list bases is: no role, B unreached.
        for b in &mut report.bases {
            b.permission_level = None;
        }
        report.bases.push(BaseReach::new(B, None, None, true));
        record.last_report = Some(report);
        let r = judge(&record);
        assert_eq!(
            states(&r),
            [
                ("probed", ConsumerState::Works),
                ("refused", ConsumerState::WillFail),
                ("never asked", ConsumerState::Unknown),
            ]
        );
        assert_eq!(r.consumers[1].failures[0].cause, FailureCause::Base);
        assert!(r.consumers[2].unknown[0].contains("cannot list bases"));
    }

    #[test]
    fn places_that_need_different_scopes_on_one_base_are_offered_a_token_each() {
        let (read, comments) = ("data.records:read", "data.recordComments:read");
        let record = checked(
            &[A],
            vec![
                place("custom", "reader", &[A], &[read]),
                place("custom", "commenter", &[A], &[comments]),
            ],
            &["schema.bases:read", read, comments],
            &[(A, Create, &[])],
        );
        let text = judge(&record).suggestion.unwrap();
        assert!(text.contains("one token each"), "{text}");
        assert!(
            text.contains(&format!("“commenter”: {comments} on {A}")),
            "{text}"
        );
    }

    #[test]
    fn places_on_different_bases_are_offered_a_token_each() {
        let read = "data.records:read";
        let record = checked(
            &[A, B],
            vec![
                place("custom", "report", &[A], &[read]),
                place("custom", "backup", &[B], &[read]),
            ],
            &["schema.bases:read", read, "data.records:write"],
            &[(A, Create, &[]), (B, Create, &[]), (C, Create, &[])],
        );
        let r = judge(&record);
        assert_eq!(
            r.excess_scopes,
            Some(vec![
                "data.records:write".to_owned(),
                "schema.bases:read".to_owned()
            ])
        );
        assert_eq!(r.excess_bases, Some(vec![C.to_owned()]));
        let text = r.suggestion.unwrap();
        assert!(
            text.contains("one token each") && text.contains(&format!("“backup”: {read} on {B}")),
            "{text}"
        );
    }
}
