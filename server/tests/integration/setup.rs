use app::auth::api::GetCurrentUser;
use app::db::entities::{organisations, roles, users};
use app::error::AppError;
use app::orgs::api::{CompleteSetup, SetupLinkInfo};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use crate::common::{spawn, token_of, Browser, PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_first_run_link_creates_the_organisation_and_signs_the_admin_in() {
    let app = spawn().await;
    let link = app::orgs::ssr::service::issue_bootstrap_link(&app.state.db, &app.state.settings)
        .await
        .unwrap()
        .unwrap();
    assert!(link.starts_with("http://127.0.0.1:3000/setup/"));
    let token = token_of(&link);
    let mut browser = Browser::default();
    let info = app
        .call::<SetupLinkInfo>(&mut browser, &[("token", &token)])
        .await
        .unwrap();
    assert_eq!(info, serde_json::json!("NewOrganisation"));

    app.call::<CompleteSetup>(
        &mut browser,
        &[
            ("token", &token),
            ("organisation", "Acme Analytics"),
            ("name", "Ada Lovelace"),
            ("email", "Ada@Acme.test"),
            ("password", PASSWORD),
            ("title", "Head of CS"),
        ],
    )
    .await
    .unwrap();
    let me = app.call::<GetCurrentUser>(&mut browser, &[]).await.unwrap();
    assert_eq!(me["org_name"], "Acme Analytics");
    assert_eq!(me["email"], "ada@acme.test");
    assert_eq!(me["role_name"], "CSM Manager");
    assert_eq!(me["permissions"].as_array().unwrap().len(), 6);

    let org_id = app.org_id_of("ada@acme.test").await;
    let role_names: Vec<String> = roles::Entity::find()
        .filter(roles::Column::OrgId.eq(org_id))
        .order_by_asc(roles::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(
        role_names,
        ["CSM Manager", "CSM", "Executive", "Analyst", "Guest"]
    );

    // Single use, and no second first-run link once an organisation exists.
    let err = app
        .call::<SetupLinkInfo>(&mut Browser::default(), &[("token", &token)])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("expired or has already been used"));
    assert!(
        app::orgs::ssr::service::issue_bootstrap_link(&app.state.db, &app.state.settings)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_bad_setup_input_is_explained_per_field_and_nothing_is_stored() {
    let app = spawn().await;
    let link = app::orgs::ssr::service::issue_bootstrap_link(&app.state.db, &app.state.settings)
        .await
        .unwrap()
        .unwrap();
    let token = token_of(&link);
    let err = app
        .call::<CompleteSetup>(
            &mut Browser::default(),
            &[
                ("token", &token),
                ("organisation", " "),
                ("name", "Ada"),
                ("email", "not-an-email"),
                ("password", "password1"),
            ],
        )
        .await
        .unwrap_err();
    assert!(err.field_message("organisation").is_some());
    assert!(err.field_message("email").unwrap().contains("@"));
    assert!(err
        .field_message("password")
        .unwrap()
        .contains("too easy to guess"));
    assert_eq!(
        organisations::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        0
    );
    // The link still works after a failed attempt.
    app.call::<SetupLinkInfo>(&mut Browser::default(), &[("token", &token)])
        .await
        .unwrap();
    let short = app
        .call::<CompleteSetup>(
            &mut Browser::default(),
            &[
                ("token", &token),
                ("organisation", "Acme"),
                ("name", "Ada"),
                ("email", "ada@acme.test"),
                ("password", "short"),
            ],
        )
        .await
        .unwrap_err();
    assert_eq!(
        short.field_message("password").as_deref(),
        Some("Use at least 8 characters.")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_invitation_link_activates_the_pending_administrator() {
    let app = spawn().await;
    let created = app::orgs::ssr::service::create_organisation(
        &app.state.db,
        &app.state.settings,
        "Globex",
        "hank@globex.test",
    )
    .await
    .unwrap();
    let pending = app.user("hank@globex.test").await;
    assert_eq!(pending.status, "pending");
    assert!(pending.password_hash.is_none());
    let token = token_of(&created.setup_link);
    let info = app
        .call::<SetupLinkInfo>(&mut Browser::default(), &[("token", &token)])
        .await
        .unwrap();
    assert_eq!(info["JoinOrganisation"]["org_name"], "Globex");
    assert_eq!(info["JoinOrganisation"]["email"], "hank@globex.test");

    let mut browser = Browser::default();
    app.call::<CompleteSetup>(
        &mut browser,
        &[
            ("token", &token),
            ("name", "Hank Scorpio"),
            ("password", PASSWORD),
        ],
    )
    .await
    .unwrap();
    let user = app.user("hank@globex.test").await;
    assert_eq!(user.status, "active");
    assert_eq!(user.name, "Hank Scorpio");
    assert_eq!(
        app.call::<GetCurrentUser>(&mut browser, &[]).await.unwrap()["org_name"],
        "Globex"
    );
    let again = app
        .call::<CompleteSetup>(
            &mut Browser::default(),
            &[("token", &token), ("name", "X"), ("password", PASSWORD)],
        )
        .await;
    assert!(matches!(again, Err(AppError::Invalid(_))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_expired_and_unknown_links_are_refused() {
    let app = spawn().await;
    let created = app::orgs::ssr::service::create_organisation(
        &app.state.db,
        &app.state.settings,
        "Initech",
        "bill@initech.test",
    )
    .await
    .unwrap();
    use app::db::entities::one_time_tokens;
    use sea_orm::sea_query::Expr;
    one_time_tokens::Entity::update_many()
        .col_expr(
            one_time_tokens::Column::ExpiresAt,
            Expr::value(app::time::now_ms() - 1),
        )
        .exec(&app.state.db)
        .await
        .unwrap();
    let err = app
        .call::<SetupLinkInfo>(
            &mut Browser::default(),
            &[("token", &token_of(&created.setup_link))],
        )
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Invalid(_)));
    let err = app
        .call::<SetupLinkInfo>(&mut Browser::default(), &[("token", "made-up")])
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Invalid(_)));
    assert_eq!(
        users::Entity::find()
            .filter(users::Column::Status.eq("active"))
            .count(&app.state.db)
            .await
            .unwrap(),
        0
    );
}
