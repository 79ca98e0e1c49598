//! The bases a check looks at, and what is known of each before any request: every base
//! the token lists (with the user's role), then each intended base it does not list, and
//! each base the user asked to probe (`check --base`, or picked in the app) it does not.

use crate::airtable::models::ListedBase;
use crate::model::record::BaseIntent;
use crate::model::report::BaseReach;
use crate::model::verdict::{PermissionLevel, Verdict};

use super::catalog::BASE_SCOPES;

/// A base to look at, and what is known of it before any request.
pub(super) struct Target {
    pub reach: BaseReach,
    /// A table to try, named in the intent.
    pub table: Option<String>,
    /// Whether the token lists bases (and so may read their schema).
    pub listing: bool,
    /// Intended, or named by the user to probe: asked in its own right, so what other
    /// bases show never stands in for its answers.
    pub named: bool,
}

impl Target {
    /// The base as a light check (or a check that skips it) leaves it.
    pub fn unprobed(mut self) -> BaseReach {
        for s in BASE_SCOPES {
            self.reach
                .scopes
                .insert(s.scope.into(), Verdict::NotChecked);
        }
        self.reach
    }
}

/// The bases to look at: without the base list, the intended ones and those `also`
/// names are all there is.
pub(super) fn targets(
    listed: Option<Vec<ListedBase>>,
    intended: &[BaseIntent],
    also: &[String],
) -> Vec<Target> {
    let is_intended = |id: &str| intended.iter().any(|b| b.id == id);
    let also = also.iter().filter(|id| !is_intended(id));
    let Some(listed) = listed else {
        let mut targets: Vec<Target> = intended
            .iter()
            .map(|b| Target {
                reach: BaseReach::new(&b.id, None, None, true),
                table: b.table.clone(),
                listing: false,
                named: true,
            })
            .collect();
        for id in also {
            if !targets.iter().any(|t| &t.reach.id == id) {
                targets.push(Target {
                    reach: BaseReach::new(id, None, None, false),
                    table: None,
                    listing: false,
                    named: true,
                });
            }
        }
        return targets;
    };
    let mut targets: Vec<Target> = listed
        .into_iter()
        .map(|b| {
            let level = PermissionLevel::parse(&b.permission_level);
            let mut reach = BaseReach::new(&b.id, Some(b.name), level, is_intended(&b.id));
            // Every listed base is reached: `none` is an enterprise admin's access, and a
            // role PAT Vault does not know is still a role.
            reach.reachable = true;
            match level {
                None => {
                    reach.reasons.insert(
                        "role".into(),
                        format!(
                            "Airtable gave the role “{}”, which PAT Vault does not recognise: every probe was sent",
                            b.permission_level
                        ),
                    );
                }
                Some(PermissionLevel::None) => {
                    reach.reasons.insert(
                        "role".into(),
                        "listed with the role “none”: an enterprise admin's access without being a collaborator, so every probe was sent".into(),
                    );
                }
                Some(_) => {}
            }
            let table = intended
                .iter()
                .find(|i| i.id == b.id)
                .and_then(|i| i.table.clone());
            let named = reach.intended || also.clone().any(|id| *id == b.id);
            Target {
                reach,
                table,
                listing: true,
                named,
            }
        })
        .collect();
    // Named but not listed: the token cannot reach it, so nothing to try; the report
    // still says so, where the user looks for it.
    let named = intended
        .iter()
        .map(|b| (b.id.as_str(), true))
        .chain(also.map(|id| (id.as_str(), false)));
    for (id, is_intended) in named {
        if !targets.iter().any(|t| t.reach.id == id) {
            let mut unreached = BaseReach::new(id, None, None, is_intended);
            unreached
                .reasons
                .insert("base".into(), "not among the bases the token lists".into());
            targets.push(Target {
                reach: unreached,
                table: None,
                listing: true,
                named: true,
            });
        }
    }
    targets
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(id: &str, level: &str) -> ListedBase {
        ListedBase {
            id: id.into(),
            name: id.into(),
            permission_level: level.into(),
        }
    }

    fn intent(id: &str) -> BaseIntent {
        BaseIntent {
            id: id.into(),
            label: None,
            table: Some("Deals".into()),
        }
    }

    #[test]
    fn every_listed_base_is_reached_whatever_its_role_and_an_unlisted_named_one_is_not() {
        let found = targets(
            Some(vec![
                listed("appAdmin", "none"),
                listed("appOwner", "owner"),
                listed("appRead", "read"),
            ]),
            &[intent("appRead"), intent("appGone")],
            &["appOwner".into(), "appElsewhere".into(), "appRead".into()],
        );
        let seen: Vec<(&str, bool, bool, bool, Option<&str>)> = found
            .iter()
            .map(|t| {
                (
                    t.reach.id.as_str(),
                    t.reach.reachable,
                    t.reach.intended,
                    t.named,
                    t.table.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("appAdmin", true, false, false, None),
                ("appOwner", true, false, true, None),
                ("appRead", true, true, true, Some("Deals")),
                ("appGone", false, true, true, None),
                ("appElsewhere", false, false, true, None),
            ]
        );
        assert!(found[0].reach.reasons["role"].contains("admin"));
        assert!(found[1].reach.reasons["role"].contains("owner"));
        assert!(found[3].reach.reasons["base"].contains("not among"));
        assert!(found[4].reach.reasons["base"].contains("not among"));
    }

    #[test]
    fn without_the_base_list_the_intended_bases_and_the_named_ones_are_tried() {
        let found = targets(
            None,
            &[intent("appA")],
            &["appB".into(), "appA".into(), "appB".into()],
        );
        assert_eq!(found.len(), 2);
        assert!(
            found
                .iter()
                .all(|t| !t.listing && !t.reach.reachable && t.named)
        );
        assert_eq!(found[0].table.as_deref(), Some("Deals"));
        assert!(found[0].reach.intended);
        assert_eq!(
            (found[1].reach.id.as_str(), found[1].reach.intended),
            ("appB", false)
        );
    }
}
