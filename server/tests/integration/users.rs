//! The Users page query through its server function.
use app::db::entities::{one_time_tokens, users};
use app::error::AppError;
use app::users::api::ListUsers;
use app::users::dto::{UserSort, UserTab};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::common::{spawn, Browser, TestApp};

/// Form fields for `list_users(query)`: serde_qs nests them as `query[field]`.
fn query(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = vec![
        ("query[tab]".into(), "Active".into()),
        ("query[search]".into(), String::new()),
        ("query[sort]".into(), "Name".into()),
        ("query[descending]".into(), "false".into()),
        ("query[page]".into(), "1".into()),
    ];
    for (k, v) in pairs {
        let key = format!("query[{k}]");
        fields.retain(|(existing, _)| *existing != key);
        fields.push((key, (*v).to_owned()));
    }
    fields
}

async fn list(
    app: &TestApp,
    browser: &mut Browser,
    pairs: &[(&str, &str)],
) -> Result<serde_json::Value, AppError> {
    let fields = query(pairs);
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    app.call::<ListUsers>(browser, &borrowed).await
}

fn names(page: &serde_json::Value) -> Vec<String> {
    page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn set_status(app: &TestApp, email: &str, status: &str) {
    let user = app.user(email).await;
    let mut active: users::ActiveModel = user.into();
    active.status = Set(status.into());
    active.update(&app.state.db).await.unwrap();
}

async fn rename(app: &TestApp, email: &str, name: &str) {
    let user = app.user(email).await;
    let mut active: users::ActiveModel = user.into();
    active.name = Set(name.into());
    active.update(&app.state.db).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_users_page_needs_configure_users() {
    let app = spawn().await;
    app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org = app.org_id_of("ada@acme.test").await;
    app.add_user(org, "Guest", "guest@acme.test").await;
    assert_eq!(
        list(&app, &mut Browser::default(), &[]).await.unwrap_err(),
        AppError::Unauthenticated
    );
    let mut guest = app.signed_in("guest@acme.test").await;
    assert_eq!(
        list(&app, &mut guest, &[]).await.unwrap_err(),
        AppError::Forbidden
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_tabs_counts_search_filters_and_seats() {
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org = app.org_id_of("ada@acme.test").await;
    for (role, email, name) in [
        ("CSM", "carol@acme.test", "Carol Csm"),
        ("CSM", "dan@acme.test", "Dan 100% Csm"),
        ("Guest", "gail@acme.test", "Gail Guest"),
        ("Executive", "eve@acme.test", "Eve Exec"),
    ] {
        app.add_user(org, role, email).await;
        rename(&app, email, name).await;
    }
    set_status(&app, "eve@acme.test", "inactive").await;
    // Dan signed in today; Carol 40 days ago; Gail never.
    let now = app::time::now_ms();
    users::Entity::update_many()
        .col_expr(users::Column::LastSignInAt, Expr::value(now))
        .filter(users::Column::Email.eq("dan@acme.test"))
        .exec(&app.state.db)
        .await
        .unwrap();
    users::Entity::update_many()
        .col_expr(
            users::Column::LastSignInAt,
            Expr::value(now - 40 * app::time::DAY_MS),
        )
        .filter(users::Column::Email.eq("carol@acme.test"))
        .exec(&app.state.db)
        .await
        .unwrap();

    let page = list(&app, &mut admin, &[]).await.unwrap();
    assert_eq!(page["counts"], serde_json::json!([4, 1, 0]));
    assert_eq!(
        names(&page),
        ["Ada Admin", "Carol Csm", "Dan 100% Csm", "Gail Guest"]
    );
    // Admin (CSM Manager) + two CSMs hold seats; the inactive executive has none anyway.
    assert_eq!(page["seats_in_use"], 3);
    let carol = page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["email"] == "carol@acme.test")
        .unwrap();
    assert_eq!(carol["csm_seat"], true);
    assert_eq!(carol["last_sign_in"]["relative"], "1 month ago");
    assert!(carol["last_sign_in"]["exact"]
        .as_str()
        .unwrap()
        .ends_with("UTC"));

    assert_eq!(
        names(
            &list(&app, &mut admin, &[("search", "GUEST")])
                .await
                .unwrap()
        ),
        ["Gail Guest"]
    );
    assert_eq!(
        names(
            &list(&app, &mut admin, &[("search", "carol@")])
                .await
                .unwrap()
        ),
        ["Carol Csm"]
    );
    assert_eq!(
        names(&list(&app, &mut admin, &[("search", "100%")]).await.unwrap()),
        ["Dan 100% Csm"],
        "% is literal"
    );
    assert_eq!(
        names(&list(&app, &mut admin, &[("search", "%")]).await.unwrap()),
        ["Dan 100% Csm"]
    );
    assert_eq!(
        names(&list(&app, &mut admin, &[("seat", "false")]).await.unwrap()),
        ["Gail Guest"]
    );
    assert_eq!(
        names(
            &list(&app, &mut admin, &[("idle_days", "30")])
                .await
                .unwrap()
        ),
        ["Carol Csm", "Gail Guest"]
    );
    assert_eq!(
        names(
            &list(&app, &mut admin, &[("tab", "Inactive")])
                .await
                .unwrap()
        ),
        ["Eve Exec"]
    );
    let csm_role = app.user("carol@acme.test").await.role_id.to_string();
    assert_eq!(
        names(
            &list(&app, &mut admin, &[("role_id", &csm_role)])
                .await
                .unwrap()
        ),
        ["Carol Csm", "Dan 100% Csm"]
    );
    let sorted = list(
        &app,
        &mut admin,
        &[("sort", "LastSignIn"), ("descending", "true")],
    )
    .await
    .unwrap();
    assert_eq!(names(&sorted)[0], "Dan 100% Csm");
    let by_role = list(&app, &mut admin, &[("sort", "Role")]).await.unwrap();
    assert_eq!(
        names(&by_role),
        ["Carol Csm", "Dan 100% Csm", "Ada Admin", "Gail Guest"],
        "CSM < CSM Manager < Guest"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_pages_and_every_sort_on_the_pending_tab() {
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org = app.org_id_of("ada@acme.test").await;
    let admin_id = app.user("ada@acme.test").await.id;
    let now = app::time::now_ms();
    for i in 0..120 {
        let email = format!("p{i:03}@acme.test");
        let user = app.add_user(org, "Analyst", &email).await;
        let mut active: users::ActiveModel = user.clone().into();
        active.status = Set("pending".into());
        active.name = Set(format!("Pending {i:03}"));
        active.invited_by = Set(Some(admin_id));
        active.update(&app.state.db).await.unwrap();
        one_time_tokens::ActiveModel {
            org_id: Set(Some(org)),
            user_id: Set(Some(user.id)),
            purpose: Set("invitation".into()),
            token_hash: Set(format!("hash-{i}")),
            created_by: Set(Some(admin_id)),
            created_at: Set(now - i as i64 * 1000),
            expires_at: Set(if i == 0 {
                now - 1
            } else {
                now + 7 * app::time::DAY_MS
            }),
            used_at: Set(None),
            ..Default::default()
        }
        .insert(&app.state.db)
        .await
        .unwrap();
    }
    let first = list(&app, &mut admin, &[("tab", "Pending")]).await.unwrap();
    assert_eq!(first["total"], 120);
    assert_eq!(first["page_count"], 3);
    assert_eq!(first["rows"].as_array().unwrap().len(), 50);
    let row = &first["rows"][0];
    assert_eq!(row["name"], "Pending 000");
    assert_eq!(row["invited_by"], "Ada Admin");
    assert_eq!(row["invite_expired"], true);
    assert_eq!(first["rows"][1]["invite_expired"], false);
    assert!(first["rows"][1]["invite_expires"]["relative"]
        .as_str()
        .unwrap()
        .starts_with("in "));
    let third = list(&app, &mut admin, &[("tab", "Pending"), ("page", "3")])
        .await
        .unwrap();
    assert_eq!(third["rows"].as_array().unwrap().len(), 20);
    let beyond = list(&app, &mut admin, &[("tab", "Pending"), ("page", "99")])
        .await
        .unwrap();
    assert_eq!(beyond["page"], 3, "a page past the end shows the last one");

    for sort in UserSort::ALL {
        for descending in ["false", "true"] {
            let key = format!("{sort:?}");
            let page = list(
                &app,
                &mut admin,
                &[
                    ("tab", "Pending"),
                    ("sort", &key),
                    ("descending", descending),
                ],
            )
            .await;
            assert!(page.is_ok(), "sort {key} {descending}: {page:?}");
        }
    }
    let newest_first = list(
        &app,
        &mut admin,
        &[
            ("tab", "Pending"),
            ("sort", "InvitedAt"),
            ("descending", "true"),
        ],
    )
    .await
    .unwrap();
    assert_eq!(newest_first["rows"][0]["name"], "Pending 000");
    let _ = UserTab::Pending;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_one_organisation_never_sees_anothers_users() {
    let app = spawn().await;
    let mut a = app.organisation_with_admin("Alpha", "ada@alpha.test").await;
    app.organisation_with_admin("Beta", "bob@beta.test").await;
    let org_b = app.org_id_of("bob@beta.test").await;
    app.add_user(org_b, "CSM", "carol@beta.test").await;
    let page = list(&app, &mut a, &[("search", "beta")]).await.unwrap();
    assert_eq!(page["total"], 0);
    let page = list(&app, &mut a, &[]).await.unwrap();
    assert_eq!(page["counts"], serde_json::json!([1, 0, 0]));
    // A role id of the other organisation filters to nothing rather than leaking.
    let b_role = app.user("carol@beta.test").await.role_id.to_string();
    let page = list(&app, &mut a, &[("role_id", &b_role)]).await.unwrap();
    assert_eq!(page["total"], 0);
    assert!(page["roles"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["id"].as_i64().unwrap() != b_role.parse::<i64>().unwrap()));
}

/// Without a relay, nothing is emailed: the answers say so and both pages show one banner
/// pointing at the Outbox. With a relay, neither does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_users_and_outbox_say_when_no_relay_is_configured() {
    const BANNER: &str = "No mail relay is configured, so Steward sends no email.";
    for relay in [false, true] {
        let app = if relay {
            crate::common::spawn_with(&[
                ("STEWARD_MAIL_RELAY", "127.0.0.1"),
                ("STEWARD_MAIL_PORT", "9"),
                ("STEWARD_MAIL_SECURITY", "none"),
            ])
            .await
        } else {
            spawn().await
        };
        let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
        let page = list(&app, &mut admin, &[]).await.unwrap();
        assert_eq!(page["relay_configured"], relay);
        let outbox = app
            .call::<app::mail::api::ListOutbox>(&mut admin, &[("query[page]", "1")])
            .await
            .unwrap();
        assert_eq!(outbox["relay_configured"], relay);

        let users_html = app.get(&mut admin, "/settings/users").await.body;
        let outbox_html = app.get(&mut admin, "/settings/outbox").await.body;
        assert!(users_html.contains("Active"), "the page rendered");
        assert_eq!(users_html.contains(BANNER), !relay, "Users, relay {relay}");
        assert_eq!(
            outbox_html.contains(BANNER),
            !relay,
            "Outbox, relay {relay}"
        );
        if !relay {
            assert!(users_html.contains("href=\"/settings/outbox?status=outbox\""));
        }
    }
}
