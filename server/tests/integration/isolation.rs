//! Permissions and organisation boundaries, through every server function that reads or
//! changes organisation data.
use app::auth::api::GetCurrentUser;
use app::db::entities::{recovery_codes, roles, users};
use app::error::AppError;
use app::roles::api::ListRoles;
use app::two_factor::api::{BeginTwoFactorSetup, DisableTwoFactor, GetTwoFactorStatus};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::common::{spawn, Browser, PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_list_roles_needs_configure_users() {
    let app = spawn().await;
    app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org = app.org_id_of("ada@acme.test").await;
    app.add_user(org, "Guest", "guest@acme.test").await;
    app.add_user(org, "CSM", "csm@acme.test").await;
    app.add_user(org, "Analyst", "analyst@acme.test").await;

    assert_eq!(
        app.call::<ListRoles>(&mut Browser::default(), &[])
            .await
            .unwrap_err(),
        AppError::Unauthenticated
    );
    for refused in ["guest@acme.test", "csm@acme.test"] {
        let mut browser = app.signed_in(refused).await;
        assert_eq!(
            app.call::<ListRoles>(&mut browser, &[]).await.unwrap_err(),
            AppError::Forbidden,
            "{refused}"
        );
    }
    let mut analyst = app.signed_in("analyst@acme.test").await;
    let roles = app.call::<ListRoles>(&mut analyst, &[]).await.unwrap();
    let roles = roles.as_array().unwrap();
    assert_eq!(roles.len(), 5);
    let guest = roles.iter().find(|r| r["name"] == "Guest").unwrap();
    assert_eq!(guest["user_count"], 1);
    assert_eq!(guest["permissions"], serde_json::json!(["ViewAllAccounts"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_organisation_a_cannot_read_or_change_organisation_b() {
    let app = spawn().await;
    let mut a = app.organisation_with_admin("Alpha", "ada@alpha.test").await;
    let mut b = app.organisation_with_admin("Beta", "bob@beta.test").await;
    let org_a = app.org_id_of("ada@alpha.test").await;
    let org_b = app.org_id_of("bob@beta.test").await;
    assert_ne!(org_a, org_b);
    app.add_user(org_b, "Guest", "guest@beta.test").await;

    // Reads: A sees only A.
    let me = app.call::<GetCurrentUser>(&mut a, &[]).await.unwrap();
    assert_eq!(me["org_name"], "Alpha");
    let a_role_ids: Vec<i64> = app
        .call::<ListRoles>(&mut a, &[])
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    let b_role_ids: Vec<i64> = roles::Entity::find()
        .filter(roles::Column::OrgId.eq(org_b))
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id as i64)
        .collect();
    assert!(a_role_ids.iter().all(|id| !b_role_ids.contains(id)));
    let a_counts: u64 = app
        .call::<ListRoles>(&mut a, &[])
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["user_count"].as_u64().unwrap())
        .sum();
    assert_eq!(a_counts, 1, "B's users are not counted in A");

    // Changes: A's two-factor actions touch only A's own user.
    crate::two_factor::enable(&app, &mut b).await;
    app.call::<BeginTwoFactorSetup>(&mut a, &[("current_password", PASSWORD)])
        .await
        .unwrap();
    let err = app.call::<DisableTwoFactor>(&mut a, &[("current_password", PASSWORD)]);
    err.await.unwrap();
    let bob = app.user("bob@beta.test").await;
    assert!(
        bob.totp_secret.is_some(),
        "B's two-factor sign-in is untouched"
    );
    let b_codes = recovery_codes::Entity::find()
        .filter(recovery_codes::Column::OrgId.eq(org_b))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(b_codes, 10);
    assert_eq!(
        app.call::<GetTwoFactorStatus>(&mut b, &[]).await.unwrap()["enabled"],
        true
    );
    let guest = users::Entity::find()
        .filter(users::Column::Email.eq("guest@beta.test"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(guest.org_id, org_b);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_hidden_ui_is_also_refused_by_the_server_for_every_default_role() {
    let app = spawn().await;
    app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org = app.org_id_of("ada@acme.test").await;
    for (role, allowed) in [
        ("CSM Manager", true),
        ("CSM", false),
        ("Executive", false),
        ("Analyst", true),
        ("Guest", false),
    ] {
        let email = format!("{}@acme.test", role.to_lowercase().replace(' ', "-"));
        app.add_user(org, role, &email).await;
        let mut browser = app.signed_in(&email).await;
        let me = app.call::<GetCurrentUser>(&mut browser, &[]).await.unwrap();
        let can_configure = me["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p == "ConfigureUsers");
        assert_eq!(can_configure, allowed, "{role}");
        assert_eq!(
            app.call::<ListRoles>(&mut browser, &[]).await.is_ok(),
            allowed,
            "{role}"
        );
    }
}
