//! The bases a check looks at, and what is known of each before any request: every base
//! the token lists (with the user's role), then each intended base it does not list.

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

/// The bases to look at: without the base list, the intended ones are all there is.
pub(super) fn targets(listed: Option<Vec<ListedBase>>, intended: &[BaseIntent]) -> Vec<Target> {
    let is_intended = |id: &str| intended.iter().any(|b| b.id == id);
    let Some(listed) = listed else {
        return intended
            .iter()
            .map(|b| Target {
                reach: BaseReach::new(&b.id, None, None, true),
                table: b.table.clone(),
                listing: false,
            })
            .collect();
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
            Target {
                reach,
                table,
                listing: true,
            }
        })
        .collect();
    for b in intended {
        if !targets.iter().any(|t| t.reach.id == b.id) {
            // Intended but not listed: the token cannot reach it, so nothing to try.
            let mut unreached = BaseReach::new(&b.id, None, None, true);
            unreached
                .reasons
                .insert("base".into(), "not among the bases the token lists".into());
            targets.push(Target {
                reach: unreached,
                table: None,
                listing: true,
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
    fn every_listed_base_is_reached_whatever_its_role_and_an_unlisted_intended_one_is_not() {
        let found = targets(
            Some(vec![
                listed("appAdmin", "none"),
                listed("appOwner", "owner"),
                listed("appRead", "read"),
            ]),
            &[intent("appRead"), intent("appGone")],
        );
        let seen: Vec<(&str, bool, bool, Option<&str>)> = found
            .iter()
            .map(|t| {
                (
                    t.reach.id.as_str(),
                    t.reach.reachable,
                    t.reach.intended,
                    t.table.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("appAdmin", true, false, None),
                ("appOwner", true, false, None),
                ("appRead", true, true, Some("Deals")),
                ("appGone", false, true, None),
            ]
        );
        assert!(found[0].reach.reasons["role"].contains("admin"));
        assert!(found[1].reach.reasons["role"].contains("owner"));
        assert!(found[3].reach.reasons["base"].contains("not among"));
    }

    #[test]
    fn without_the_base_list_the_intended_bases_are_tried_with_their_tables() {
        let found = targets(None, &[intent("appA")]);
        assert_eq!(found.len(), 1);
        assert!(!found[0].listing && !found[0].reach.reachable);
        assert_eq!(found[0].table.as_deref(), Some("Deals"));
    }
}
