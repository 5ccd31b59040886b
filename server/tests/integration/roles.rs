//! The Roles page: creating, editing and deleting roles through their server functions,
//! with the guard rails, organisation boundaries and audit entries.
use app::db::entities::{audit_events, role_permissions, roles, users};
use app::error::AppError;
use app::roles::api::{DeleteRole, ListRoles, SaveRole};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::common::{spawn, spawn_with, Browser, TestApp};

/// Calls `save_role` the way the hydrated app does (`permissions[0]=…`).
pub async fn save(
    app: &TestApp,
    browser: &mut Browser,
    role_id: Option<i32>,
    name: &str,
    landing: &str,
    permissions: &[&str],
) -> Result<serde_json::Value, AppError> {
    let mut fields: Vec<(String, String)> = vec![
        ("name".into(), name.into()),
        ("landing".into(), landing.into()),
    ];
    if let Some(id) = role_id {
        fields.push(("role_id".into(), id.to_string()));
    }
    for (i, key) in permissions.iter().enumerate() {
        fields.push((format!("permissions[{i}]"), (*key).to_owned()));
    }
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    app.call::<SaveRole>(browser, &borrowed).await
}

async fn delete(
    app: &TestApp,
    browser: &mut Browser,
    role_id: i32,
) -> Result<serde_json::Value, AppError> {
    app.call::<DeleteRole>(browser, &[("role_id", &role_id.to_string())])
        .await
}

async fn role(app: &TestApp, org_id: i32, name: &str) -> roles::Model {
    app.role(org_id, name).await
}

async fn permission_keys(app: &TestApp, role_id: i32) -> Vec<String> {
    let mut keys: Vec<String> = role_permissions::Entity::find()
        .filter(role_permissions::Column::RoleId.eq(role_id))
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.permission_key)
        .collect();
    keys.sort();
    keys
}

async fn role_events(app: &TestApp, org_id: i32) -> Vec<audit_events::Model> {
    audit_events::Entity::find()
        .filter(audit_events::Column::OrgId.eq(org_id))
        .filter(audit_events::Column::TargetType.eq("role"))
        .order_by_asc(audit_events::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap()
}

fn json(text: &Option<String>) -> serde_json::Value {
    serde_json::from_str(text.as_deref().unwrap_or("null")).unwrap()
}

async fn set_status(app: &TestApp, email: &str, status: &str) {
    let mut active: users::ActiveModel = app.user(email).await.into();
    active.status = Set(status.into());
    active.update(&app.state.db).await.unwrap();
}

async fn give_role(app: &TestApp, email: &str, role_id: i32) {
    let mut active: users::ActiveModel = app.user(email).await.into();
    active.role_id = Set(role_id);
    active.update(&app.state.db).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_roles_are_created_edited_and_deleted_with_audit_entries() {
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org = app.org_id_of("ada@acme.test").await;

    // The form posts checkboxes as `permissions[]`, as <ActionForm> does.
    let id = app
        .call::<SaveRole>(
            &mut admin,
            &[
                ("name", "  Team Lead "),
                ("landing", "management_center"),
                ("permissions[]", "view_all_accounts"),
                ("permissions[]", "update_accounts"),
            ],
        )
        .await
        .unwrap()
        .as_i64()
        .unwrap() as i32;
    let created = role(&app, org, "Team Lead").await;
    assert_eq!(created.id, id);
    assert_eq!(created.landing_page, "management_center");
    assert_eq!(
        permission_keys(&app, id).await,
        ["update_accounts", "view_all_accounts"]
    );
    let listed = app.call::<ListRoles>(&mut admin, &[]).await.unwrap();
    let listed = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .cloned()
        .unwrap();
    assert_eq!(listed["name"], "Team Lead");
    assert_eq!(listed["landing"], "ManagementCenter");
    assert_eq!(
        listed["permissions"],
        serde_json::json!(["UpdateAccounts", "ViewAllAccounts"])
    );
    assert_eq!(listed["user_count"], 0);

    // A role with no permission at all (no checkbox sent).
    save(&app, &mut admin, None, "Observer", "my_profile", &[])
        .await
        .unwrap();
    assert!(permission_keys(&app, role(&app, org, "Observer").await.id)
        .await
        .is_empty());

    save(
        &app,
        &mut admin,
        Some(id),
        "Team Leader",
        "management_center",
        &["view_all_accounts", "csm_seat"],
    )
    .await
    .unwrap();
    let edited = role(&app, org, "Team Leader").await;
    assert_eq!(edited.id, id);
    assert_eq!(
        permission_keys(&app, id).await,
        ["csm_seat", "view_all_accounts"]
    );
    // Saving without a change writes nothing.
    save(
        &app,
        &mut admin,
        Some(id),
        "Team Leader",
        "management_center",
        &["csm_seat", "view_all_accounts"],
    )
    .await
    .unwrap();

    delete(&app, &mut admin, id).await.unwrap();
    assert!(roles::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .is_none());
    assert!(
        permission_keys(&app, id).await.is_empty(),
        "its permissions go with it"
    );
    let listed = app.call::<ListRoles>(&mut admin, &[]).await.unwrap();
    assert!(listed.as_array().unwrap().iter().all(|r| r["id"] != id));

    let events = role_events(&app, org).await;
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "role_created",
            "role_created",
            "role_updated",
            "role_deleted"
        ]
    );
    let admin_id = app.user("ada@acme.test").await.id;
    assert!(events.iter().all(|e| e.actor_user_id == Some(admin_id)));
    let (created, updated, deleted) = (&events[0], &events[2], &events[3]);
    assert_eq!(
        (created.target_id, created.target_label.as_str()),
        (Some(id), "Team Lead")
    );
    assert_eq!(
        json(&created.after_json),
        serde_json::json!({"name": "Team Lead", "landing": "Management Center", "permissions": "Update Accounts, View All Accounts"})
    );
    assert_eq!(
        json(&updated.before_json),
        serde_json::json!({"name": "Team Lead", "permissions": "Update Accounts, View All Accounts"})
    );
    assert_eq!(
        json(&updated.after_json),
        serde_json::json!({"name": "Team Leader", "permissions": "Customer Success Manager Seat, View All Accounts"}),
        "only the fields that changed"
    );
    assert_eq!(deleted.target_label, "Team Leader");
    assert_eq!(
        json(&deleted.before_json)["permissions"],
        "Customer Success Manager Seat, View All Accounts"
    );
    assert_eq!(
        json(&deleted.after_json),
        serde_json::json!({"name": null, "landing": null, "permissions": null})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_role_names_are_checked_and_unique_whatever_the_case() {
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org = app.org_id_of("ada@acme.test").await;

    let taken = save(&app, &mut admin, None, "csm MANAGER", "home", &[])
        .await
        .unwrap_err();
    assert!(
        taken.field_message("name").unwrap().contains("CSM Manager"),
        "{taken:?}"
    );
    let csm = role(&app, org, "CSM").await;
    let taken = save(
        &app,
        &mut admin,
        Some(csm.id),
        " guest ",
        "home",
        &["csm_seat"],
    )
    .await
    .unwrap_err();
    assert!(
        taken.field_message("name").is_some(),
        "renaming onto another role: {taken:?}"
    );
    // A role keeps its own name in another case.
    save(
        &app,
        &mut admin,
        Some(csm.id),
        "Csm",
        "home",
        &["csm_seat", "update_accounts"],
    )
    .await
    .unwrap();
    assert_eq!(role(&app, org, "Csm").await.id, csm.id);

    let empty = save(&app, &mut admin, None, "   ", "home", &[])
        .await
        .unwrap_err();
    assert!(empty.field_message("name").unwrap().contains("Enter"));
    let long = save(&app, &mut admin, None, &"x".repeat(81), "home", &[])
        .await
        .unwrap_err();
    assert!(long.field_message("name").unwrap().contains("80"));
    save(&app, &mut admin, None, &"y".repeat(80), "home", &[])
        .await
        .unwrap();
    let odd = save(&app, &mut admin, None, "Odd", "dashboard", &["root"])
        .await
        .unwrap_err();
    assert!(
        odd.field_message("landing").is_some() && odd.field_message("permissions").is_some(),
        "{odd:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_role_changes_need_configure_users() {
    let app = spawn().await;
    app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org = app.org_id_of("ada@acme.test").await;
    app.add_user(org, "CSM", "csm@acme.test").await;
    let guest = role(&app, org, "Guest").await;

    let mut anonymous = Browser::default();
    assert_eq!(
        save(&app, &mut anonymous, None, "Lead", "home", &[])
            .await
            .unwrap_err(),
        AppError::Unauthenticated
    );
    let mut csm = app.signed_in("csm@acme.test").await;
    assert_eq!(
        save(&app, &mut csm, None, "Lead", "home", &[])
            .await
            .unwrap_err(),
        AppError::Forbidden
    );
    assert_eq!(
        save(&app, &mut csm, Some(guest.id), "Guests", "home", &[])
            .await
            .unwrap_err(),
        AppError::Forbidden
    );
    assert_eq!(
        delete(&app, &mut csm, guest.id).await.unwrap_err(),
        AppError::Forbidden
    );
    assert_eq!(
        app.call::<ListRoles>(&mut csm, &[]).await.unwrap_err(),
        AppError::Forbidden
    );
    assert_eq!(role(&app, org, "Guest").await, guest, "nothing changed");
    assert!(role_events(&app, org).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_one_organisation_cannot_touch_anothers_roles() {
    let app = spawn().await;
    let mut a = app.organisation_with_admin("Alpha", "ada@alpha.test").await;
    app.organisation_with_admin("Beta", "bob@beta.test").await;
    let org_b = app.org_id_of("bob@beta.test").await;
    let b_guest = role(&app, org_b, "Guest").await;

    let edit = save(&app, &mut a, Some(b_guest.id), "Taken over", "home", &[])
        .await
        .unwrap_err();
    assert_eq!(edit, AppError::NotFound);
    assert_eq!(
        delete(&app, &mut a, b_guest.id).await.unwrap_err(),
        AppError::NotFound
    );
    assert_eq!(role(&app, org_b, "Guest").await, b_guest);
    assert_eq!(
        permission_keys(&app, b_guest.id).await,
        ["view_all_accounts"]
    );
    // B's role names do not count as taken in A, and A's new role lands in A.
    save(&app, &mut a, None, "Beta only", "home", &[])
        .await
        .unwrap();
    let listed = app.call::<ListRoles>(&mut a, &[]).await.unwrap();
    assert!(listed
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["id"] != b_guest.id));
    assert!(role_events(&app, org_b).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_a_role_someone_holds_cannot_be_deleted_and_the_holders_are_named() {
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org = app.org_id_of("ada@acme.test").await;
    let id = save(
        &app,
        &mut admin,
        None,
        "Support",
        "home",
        &["view_all_accounts"],
    )
    .await
    .unwrap()
    .as_i64()
    .unwrap() as i32;
    for name in ["erin", "bea", "dan", "carl", "abe"] {
        app.add_user(org, "Support", &format!("{name}@acme.test"))
            .await;
    }
    let refused = delete(&app, &mut admin, id).await.unwrap_err();
    let AppError::Conflict(message) = &refused else {
        panic!("{refused:?}")
    };
    assert!(
        message.starts_with(
            "abe@acme.test, bea@acme.test, carl@acme.test and 2 more still hold the Support role"
        ),
        "{message}"
    );

    // Inactive users count: their role must exist if they come back.
    let guest = role(&app, org, "Guest").await.id;
    for name in ["abe", "bea", "carl", "dan"] {
        give_role(&app, &format!("{name}@acme.test"), guest).await;
    }
    set_status(&app, "erin@acme.test", "inactive").await;
    let refused = delete(&app, &mut admin, id).await.unwrap_err();
    assert!(
        matches!(&refused, AppError::Conflict(m) if m.starts_with("erin@acme.test still holds the Support role")),
        "{refused:?}"
    );
    assert!(role_events(&app, org)
        .await
        .iter()
        .all(|e| e.action != "role_deleted"));

    give_role(&app, "erin@acme.test", guest).await;
    delete(&app, &mut admin, id).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_nobody_grants_a_permission_they_do_not_hold() {
    let app = spawn().await;
    app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org = app.org_id_of("ada@acme.test").await;
    // Analysts configure users but have no CSM seat.
    app.add_user(org, "Analyst", "ann@acme.test").await;
    let mut analyst = app.signed_in("ann@acme.test").await;

    let refused = save(
        &app,
        &mut analyst,
        None,
        "Seated",
        "home",
        &["csm_seat", "view_all_accounts"],
    )
    .await
    .unwrap_err();
    assert!(
        refused
            .field_message("permissions")
            .unwrap()
            .contains("Customer Success Manager Seat"),
        "{refused:?}"
    );
    let guest = role(&app, org, "Guest").await;
    let refused = save(
        &app,
        &mut analyst,
        Some(guest.id),
        "Guest",
        "home",
        &["view_all_accounts", "csm_seat"],
    )
    .await
    .unwrap_err();
    assert!(refused.field_message("permissions").is_some());
    assert_eq!(permission_keys(&app, guest.id).await, ["view_all_accounts"]);
    // Editing a role that grants the seat would hand it out again: refused too.
    let csm = role(&app, org, "CSM").await;
    assert!(save(
        &app,
        &mut analyst,
        Some(csm.id),
        "CSMs",
        "home",
        &["csm_seat"]
    )
    .await
    .is_err());

    let id = save(
        &app,
        &mut analyst,
        None,
        "Readers",
        "home",
        &["view_all_accounts", "configure_users"],
    )
    .await
    .unwrap();
    assert!(id.as_i64().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_configure_users_always_stays_with_an_active_user() {
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org = app.org_id_of("ada@acme.test").await;
    let manager = role(&app, org, "CSM Manager").await;
    let all_but_configure = [
        "csm_seat",
        "configure_data_connectors",
        "update_accounts",
        "view_all_accounts",
        "configure_product_settings",
    ];

    // The Analyst role also grants Configure Users, but nobody active holds it.
    app.add_user(org, "Analyst", "ann@acme.test").await;
    set_status(&app, "ann@acme.test", "inactive").await;
    let refused = save(
        &app,
        &mut admin,
        Some(manager.id),
        "CSM Manager",
        "management_center",
        &all_but_configure,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&refused, AppError::Conflict(m) if m.contains("Configure Users")),
        "{refused:?}"
    );
    assert!(permission_keys(&app, manager.id)
        .await
        .contains(&"configure_users".to_owned()));

    set_status(&app, "ann@acme.test", "active").await;
    save(
        &app,
        &mut admin,
        Some(manager.id),
        "CSM Manager",
        "management_center",
        &all_but_configure,
    )
    .await
    .unwrap();
    assert!(!permission_keys(&app, manager.id)
        .await
        .contains(&"configure_users".to_owned()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_adding_the_csm_seat_respects_the_seat_limit() {
    let app = spawn_with(&[("STEWARD_SEAT_LIMIT", "1")]).await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org = app.org_id_of("ada@acme.test").await;
    // The administrator (CSM Manager) takes the one seat.
    app.add_user(org, "Executive", "eve@acme.test").await;
    let executive = role(&app, org, "Executive").await;

    let refused = save(
        &app,
        &mut admin,
        Some(executive.id),
        "Executive",
        "home",
        &["csm_seat", "update_accounts", "view_all_accounts"],
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&refused, AppError::Conflict(m) if m.contains("1 CSM seat")),
        "{refused:?}"
    );
    assert!(!permission_keys(&app, executive.id)
        .await
        .contains(&"csm_seat".to_owned()));

    // Inactive holders take no seat, and a role nobody holds can have it.
    set_status(&app, "eve@acme.test", "inactive").await;
    save(
        &app,
        &mut admin,
        Some(executive.id),
        "Executive",
        "home",
        &["csm_seat", "update_accounts", "view_all_accounts"],
    )
    .await
    .unwrap();
    save(&app, &mut admin, None, "Future CSMs", "home", &["csm_seat"])
        .await
        .unwrap();
    // Roles already holding the seat can be edited at the limit.
    let manager = role(&app, org, "CSM Manager").await;
    save(
        &app,
        &mut admin,
        Some(manager.id),
        "CSM Managers",
        "management_center",
        &[
            "csm_seat",
            "configure_users",
            "configure_data_connectors",
            "update_accounts",
            "view_all_accounts",
            "configure_product_settings",
        ],
    )
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_the_roles_page_renders_on_the_server() {
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let page = app.get(&mut admin, "/settings/roles").await;
    assert_eq!(page.status, axum::http::StatusCode::OK);
    for text in [
        "Roles and permissions",
        "New role",
        "CSM Manager",
        "Analyst",
        "Management Center",
    ] {
        assert!(page.body.contains(text), "{text}");
    }
}
