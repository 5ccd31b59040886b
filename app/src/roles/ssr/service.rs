//! Creating, editing and deleting roles. Each change runs in one transaction with its audit
//! entry, behind the guard rails of `users::ssr::guard`; every refusal says why.

use crate::audit::dto::AuditAction;
use crate::audit::ssr::record::{self as audit, Actor, Changes, Target};
use crate::auth::dto::CurrentUser;
use crate::auth::ssr::context::client;
use crate::error::{AppError, FieldError};
use crate::roles::permission::{permission_list, LandingPage, Permission};
use crate::roles::ssr::repo;
use crate::state::AppState;
use crate::time::now_ms;
use crate::users::ssr::guard;
use crate::validation::parse_role_name;

/// How many holders a refused deletion names before "and N more".
const HOLDERS_SHOWN: u64 = 3;

/// A role as the form describes it, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleInput {
    pub name: String,
    pub landing: LandingPage,
    /// Sorted, without repeats.
    pub permissions: Vec<Permission>,
}

/// Checks the form's fields, answering every field that needs attention at once.
pub fn parse_role_input(
    name: &str,
    landing: &str,
    permissions: &[String],
) -> Result<RoleInput, AppError> {
    let mut errors = Vec::new();
    let mut problem = |field: &str, message: String| {
        errors.push(FieldError {
            field: field.to_owned(),
            message,
        })
    };
    let name = parse_role_name(name)
        .map_err(|message| problem("name", message))
        .ok();
    let landing = LandingPage::ALL
        .into_iter()
        .find(|l| l.key() == landing.trim());
    if landing.is_none() {
        problem(
            "landing",
            "Choose the page the role's users land on.".to_owned(),
        );
    }
    let mut chosen = Vec::new();
    for key in permissions {
        match Permission::from_key(key.trim()) {
            Some(permission) => chosen.push(permission),
            None => problem("permissions", format!("\"{key}\" is not a permission.")),
        }
    }
    chosen.sort();
    chosen.dedup();
    match (name, landing) {
        (Some(name), Some(landing)) if errors.is_empty() => Ok(RoleInput {
            name,
            landing,
            permissions: chosen,
        }),
        _ => Err(AppError::Validation(errors)),
    }
}

/// Nobody hands out a permission they do not hold (the rule of `invite::grantable_role`).
pub fn refuse_ungranted(caller: &CurrentUser, permissions: &[Permission]) -> Result<(), AppError> {
    match permissions.iter().find(|p| !caller.can(**p)) {
        Some(missing) => Err(AppError::field(
            "permissions",
            format!(
                "You cannot give a role {}: you do not hold that permission yourself.",
                missing.label()
            ),
        )),
        None => Ok(()),
    }
}

/// Why a role cannot be deleted yet: who holds it (the first few, then how many more).
pub fn still_held(role_name: &str, emails: &[String], total: u64) -> String {
    let more = total.saturating_sub(emails.len() as u64);
    let who = match (emails, more) {
        ([only], 0) => only.clone(),
        ([rest @ .., last], 0) => format!("{} and {last}", rest.join(", ")),
        (shown, more) => format!("{} and {more} more", shown.join(", ")),
    };
    let verb = if total == 1 { "holds" } else { "hold" };
    format!("{who} still {verb} the {role_name} role. Give them another role first (inactive users count too).")
}

/// Creates a role (`role_id` None) or edits one of the caller's organisation. Returns its id.
pub async fn save_role(
    state: &AppState,
    caller: &CurrentUser,
    role_id: Option<i32>,
    name: &str,
    landing: &str,
    permissions: &[String],
) -> Result<i32, AppError> {
    let input = parse_role_input(name, landing, permissions)?;
    refuse_ungranted(caller, &input.permissions)?;
    let org_id = caller.org_id;
    let txn = crate::db::begin_write(&state.db).await?;
    let existing = match role_id {
        Some(id) => Some(
            repo::find_role(&txn, org_id, id)
                .await?
                .ok_or(AppError::NotFound)?,
        ),
        None => None,
    };
    let lowered = input.name.to_lowercase();
    if let Some((_, taken)) = repo::role_names(&txn, org_id)
        .await?
        .into_iter()
        .find(|(id, name)| Some(*id) != role_id && name.to_lowercase() == lowered)
    {
        return Err(AppError::field(
            "name",
            format!("There is already a role called {taken}. Choose another name."),
        ));
    }
    let actor = Actor::user(caller, client(state).address);
    let after = permission_list(&input.permissions);
    let id = match existing {
        None => {
            let role = repo::insert_role(
                &txn,
                org_id,
                &input.name,
                input.landing,
                &input.permissions,
                now_ms(),
            )
            .await?;
            let changes = Changes::new()
                .set("name", &input.name)
                .set("landing", input.landing.label())
                .set("permissions", &after);
            audit::record(
                &txn,
                org_id,
                &actor,
                AuditAction::RoleCreated,
                &Target::role(&role),
                changes,
            )
            .await?;
            role.id
        }
        Some(role) => {
            let before = repo::permissions_of_role(&txn, org_id, role.id).await?;
            let adds = |p: Permission| !before.contains(&p) && input.permissions.contains(&p);
            let removes = |p: Permission| before.contains(&p) && !input.permissions.contains(&p);
            if removes(Permission::ConfigureUsers) {
                guard::role_keeps_an_administrator(&txn, org_id, role.id).await?;
            }
            if adds(Permission::CsmSeat) {
                let holders = repo::seated_holders(&txn, org_id, role.id).await?;
                guard::seats_available(&txn, &state.settings, org_id, holders).await?;
            }
            let changes = Changes::new()
                .field("name", Some(&role.name), Some(&input.name))
                .field(
                    "landing",
                    Some(LandingPage::from_key(&role.landing_page).label()),
                    Some(input.landing.label()),
                )
                .field("permissions", Some(permission_list(&before)), Some(&after));
            if changes.is_empty() {
                return Ok(role.id);
            }
            let role =
                repo::update_role(&txn, role, &input.name, input.landing, &input.permissions)
                    .await?;
            audit::record(
                &txn,
                org_id,
                &actor,
                AuditAction::RoleUpdated,
                &Target::role(&role),
                changes,
            )
            .await?;
            role.id
        }
    };
    txn.commit().await?;
    Ok(id)
}

/// Deletes a role of the caller's organisation that nobody holds, whatever their status.
pub async fn delete_role(
    state: &AppState,
    caller: &CurrentUser,
    role_id: i32,
) -> Result<(), AppError> {
    let org_id = caller.org_id;
    let txn = crate::db::begin_write(&state.db).await?;
    let role = repo::find_role(&txn, org_id, role_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (emails, total) = repo::holders(&txn, org_id, role.id, HOLDERS_SHOWN).await?;
    if total > 0 {
        return Err(AppError::Conflict(still_held(&role.name, &emails, total)));
    }
    let permissions = repo::permissions_of_role(&txn, org_id, role.id).await?;
    repo::delete_role(&txn, org_id, role.id).await?;
    let changes = Changes::new()
        .field("name", Some(&role.name), None::<String>)
        .field(
            "landing",
            Some(LandingPage::from_key(&role.landing_page).label()),
            None::<String>,
        )
        .field(
            "permissions",
            Some(permission_list(&permissions)),
            None::<String>,
        );
    let actor = Actor::user(caller, client(state).address);
    audit::record(
        &txn,
        org_id,
        &actor,
        AuditAction::RoleDeleted,
        &Target::role(&role),
        changes,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(permissions: Vec<Permission>) -> CurrentUser {
        CurrentUser {
            id: 1,
            org_id: 1,
            org_name: "Acme".into(),
            name: "Ada".into(),
            email: "ada@acme.test".into(),
            title: None,
            role_name: "Analyst".into(),
            landing: LandingPage::Home,
            permissions,
            two_factor_enabled: false,
        }
    }

    #[test]
    fn test_role_input_is_cleaned_and_every_field_checked() {
        let keys = |keys: &[&str]| keys.iter().map(|k| (*k).to_owned()).collect::<Vec<_>>();
        let input = parse_role_input(
            "  Lead ",
            "management_center",
            &keys(&["view_all_accounts", "csm_seat", "csm_seat"]),
        )
        .unwrap();
        assert_eq!(input.name, "Lead");
        assert_eq!(input.landing, LandingPage::ManagementCenter);
        assert_eq!(
            input.permissions,
            vec![Permission::CsmSeat, Permission::ViewAllAccounts]
        );
        let err = parse_role_input(" ", "dashboard", &keys(&["root"])).unwrap_err();
        for field in ["name", "landing", "permissions"] {
            assert!(err.field_message(field).is_some(), "{field}: {err:?}");
        }
        assert!(parse_role_input("Guests", "home", &[])
            .unwrap()
            .permissions
            .is_empty());
    }

    #[test]
    fn test_nobody_grants_what_they_lack() {
        let analyst = caller(vec![
            Permission::ConfigureUsers,
            Permission::ViewAllAccounts,
        ]);
        assert!(refuse_ungranted(&analyst, &[Permission::ViewAllAccounts]).is_ok());
        let err = refuse_ungranted(
            &analyst,
            &[Permission::CsmSeat, Permission::ViewAllAccounts],
        )
        .unwrap_err();
        assert!(err
            .field_message("permissions")
            .unwrap()
            .contains("Customer Success Manager Seat"));
    }

    #[test]
    fn test_holders_are_named_then_counted() {
        let emails = |n: usize| {
            (0..n)
                .map(|i| format!("u{i}@acme.test"))
                .collect::<Vec<_>>()
        };
        assert!(
            still_held("CSM", &emails(1), 1).starts_with("u0@acme.test still holds the CSM role.")
        );
        assert!(still_held("CSM", &emails(3), 3)
            .starts_with("u0@acme.test, u1@acme.test and u2@acme.test still hold"));
        assert!(still_held("CSM", &emails(3), 5)
            .starts_with("u0@acme.test, u1@acme.test, u2@acme.test and 2 more still hold"));
    }
}
