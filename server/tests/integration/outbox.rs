//! The Outbox page: the organisation's outgoing mail through its server functions.
use app::db::entities::{one_time_tokens, outbound_mail};
use app::error::AppError;
use app::mail::api::{ListOutbox, OpenOutboxMessage};
use app::mail::ssr::compose;
use app::mail::ssr::queue::enqueue;
use app::orgs::api::CompleteSetup;
use app::users::api::InviteUsers;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::common::{spawn, token_of, Browser, TestApp, PASSWORD};

/// Calls `list_outbox(query)`: serde_qs nests the fields as `query[field]`.
async fn list(
    app: &TestApp,
    browser: &mut Browser,
    status: Option<&str>,
    page: u64,
) -> Result<serde_json::Value, AppError> {
    let page = page.to_string();
    let mut fields = vec![("query[page]", page.as_str())];
    if let Some(status) = status {
        fields.push(("query[status]", status));
    }
    app.call::<ListOutbox>(browser, &fields).await
}

async fn open(
    app: &TestApp,
    browser: &mut Browser,
    id: i64,
) -> Result<serde_json::Value, AppError> {
    app.call::<OpenOutboxMessage>(browser, &[("id", &id.to_string())])
        .await
}

fn subjects(page: &serde_json::Value) -> Vec<String> {
    page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["subject"].as_str().unwrap().to_owned())
        .collect()
}

async fn notice(app: &TestApp, org: i32, to: &str, subject: &str) -> i32 {
    enqueue(
        &app.state,
        org,
        compose::notice(to, "Acme", subject, &["Hello".into()]),
    )
    .await
    .unwrap()
}

async fn set_row(app: &TestApp, id: i32, status: &str, attempts: i32, error: Option<&str>) {
    outbound_mail::Entity::update_many()
        .col_expr(outbound_mail::Column::Status, Expr::value(status))
        .col_expr(outbound_mail::Column::Attempts, Expr::value(attempts))
        .col_expr(
            outbound_mail::Column::LastError,
            Expr::value(error.map(str::to_owned)),
        )
        .col_expr(
            outbound_mail::Column::NextAttemptAt,
            Expr::value(app::time::now_ms() + 5 * app::time::MINUTE_MS),
        )
        .filter(outbound_mail::Column::Id.eq(id))
        .exec(&app.state.db)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_outbox_lists_mail_newest_first_with_status_and_pages() {
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org = app.org_id_of("ada@acme.test").await;
    let queued = notice(&app, org, "q@acme.test", "Queued one").await;
    let failed = notice(&app, org, "f@acme.test", "Failed one").await;
    let sent = notice(&app, org, "s@acme.test", "Sent one").await;
    let kept = notice(&app, org, "o@acme.test", "Outbox one").await;
    set_row(&app, queued, "queued", 2, Some("connection refused")).await;
    set_row(&app, failed, "failed", 6, Some("550 mailbox unavailable")).await;
    set_row(&app, sent, "sent", 1, None).await;

    let page = list(&app, &mut admin, None, 1).await.unwrap();
    assert_eq!(page["total"], 4);
    assert_eq!(
        subjects(&page),
        ["Outbox one", "Sent one", "Failed one", "Queued one"],
        "newest first"
    );
    let rows = page["rows"].as_array().unwrap();
    let row = |id: i32| rows.iter().find(|r| r["id"] == id).unwrap();
    assert_eq!(row(kept)["status"], "Outbox");
    assert_eq!(row(kept)["kind"], "Notice");
    assert_eq!(row(kept)["to"], "o@acme.test");
    assert_eq!(row(kept)["created"]["relative"], "just now");
    assert!(row(kept)["created"]["exact"]
        .as_str()
        .unwrap()
        .ends_with("UTC"));
    assert_eq!(row(queued)["attempts"], 2);
    assert_eq!(row(queued)["last_error"], "connection refused");
    assert_eq!(row(queued)["next_attempt"]["relative"], "in 5 minutes");
    assert_eq!(row(failed)["status"], "Failed");
    assert_eq!(
        row(failed)["next_attempt"],
        serde_json::Value::Null,
        "only queued mail has a next attempt"
    );

    for (status, subject) in [
        ("Queued", "Queued one"),
        ("Sent", "Sent one"),
        ("Failed", "Failed one"),
        ("Outbox", "Outbox one"),
    ] {
        let filtered = list(&app, &mut admin, Some(status), 1).await.unwrap();
        assert_eq!(subjects(&filtered), [subject], "{status}");
    }

    for i in 0..52 {
        notice(&app, org, "many@acme.test", &format!("Bulk {i:02}")).await;
    }
    let first = list(&app, &mut admin, None, 1).await.unwrap();
    assert_eq!(
        (first["total"].as_u64(), first["page_count"].as_u64()),
        (Some(56), Some(2))
    );
    assert_eq!(first["rows"].as_array().unwrap().len(), 50);
    assert_eq!(first["rows"][0]["subject"], "Bulk 51");
    let second = list(&app, &mut admin, None, 2).await.unwrap();
    assert_eq!(
        subjects(&second),
        [
            "Bulk 01",
            "Bulk 00",
            "Outbox one",
            "Sent one",
            "Failed one",
            "Queued one"
        ]
    );
    let beyond = list(&app, &mut admin, None, 9).await.unwrap();
    assert_eq!(beyond["page"], 2, "a page past the end shows the last one");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_an_administrator_reads_an_invitation_link_from_the_outbox() {
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org = app.org_id_of("ada@acme.test").await;
    let guest = app.role(org, "Guest").await.id.to_string();
    app.call::<InviteUsers>(
        &mut admin,
        &[("role_id", &guest), ("emails", "gail@acme.test")],
    )
    .await
    .unwrap();

    let page = list(&app, &mut admin, Some("Outbox"), 1).await.unwrap();
    let row = &page["rows"][0];
    assert_eq!(row["kind"], "Invitation");
    assert_eq!(row["to"], "gail@acme.test");
    let message = open(&app, &mut admin, row["id"].as_i64().unwrap())
        .await
        .unwrap();
    assert_eq!(message["mail"]["to"], "gail@acme.test");
    assert_eq!(message["mail"]["status"], "Outbox");
    let text = message["text"].as_str().unwrap();
    let link = text
        .split_whitespace()
        .find(|w| w.contains("/setup/"))
        .unwrap_or_else(|| panic!("a setup link in {text}"));
    // The link works: Gail finishes setting up with it.
    let mut gail = Browser::default();
    app.call::<CompleteSetup>(
        &mut gail,
        &[
            ("token", &token_of(link)),
            ("name", "Gail Guest"),
            ("password", PASSWORD),
        ],
    )
    .await
    .unwrap();
    assert_eq!(app.user("gail@acme.test").await.status, "active");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_the_outbox_needs_configure_users() {
    let app = spawn().await;
    app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org = app.org_id_of("ada@acme.test").await;
    let id = notice(&app, org, "bob@acme.test", "Hello").await as i64;
    app.add_user(org, "CSM", "csm@acme.test").await;

    assert_eq!(
        list(&app, &mut Browser::default(), None, 1)
            .await
            .unwrap_err(),
        AppError::Unauthenticated
    );
    assert_eq!(
        open(&app, &mut Browser::default(), id).await.unwrap_err(),
        AppError::Unauthenticated
    );
    let mut csm = app.signed_in("csm@acme.test").await;
    assert_eq!(
        list(&app, &mut csm, None, 1).await.unwrap_err(),
        AppError::Forbidden
    );
    assert_eq!(
        open(&app, &mut csm, id).await.unwrap_err(),
        AppError::Forbidden
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_one_organisation_never_sees_anothers_mail() {
    let app = spawn().await;
    let mut a = app.organisation_with_admin("Alpha", "ada@alpha.test").await;
    let mut b = app.organisation_with_admin("Beta", "bob@beta.test").await;
    let (org_a, org_b) = (
        app.org_id_of("ada@alpha.test").await,
        app.org_id_of("bob@beta.test").await,
    );
    let mine = notice(&app, org_a, "x@alpha.test", "For Alpha").await as i64;
    let theirs = notice(&app, org_b, "y@beta.test", "For Beta").await as i64;

    assert_eq!(
        subjects(&list(&app, &mut a, None, 1).await.unwrap()),
        ["For Alpha"]
    );
    assert_eq!(
        subjects(&list(&app, &mut b, None, 1).await.unwrap()),
        ["For Beta"]
    );
    assert_eq!(
        open(&app, &mut a, theirs).await.unwrap_err(),
        AppError::NotFound
    );
    assert_eq!(
        open(&app, &mut b, mine).await.unwrap_err(),
        AppError::NotFound
    );
    assert_eq!(
        open(&app, &mut a, 999_999).await.unwrap_err(),
        AppError::NotFound
    );
    assert_eq!(
        open(&app, &mut a, mine).await.unwrap()["mail"]["subject"],
        "For Alpha"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_the_outbox_page_renders_on_the_server() {
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org = app.org_id_of("ada@acme.test").await;
    notice(&app, org, "bob@acme.test", "Quarterly review").await;
    let page = app.get(&mut admin, "/settings/outbox?status=outbox").await;
    assert_eq!(page.status, axum::http::StatusCode::OK);
    for text in [
        "Outgoing mail",
        "Quarterly review",
        "bob@acme.test",
        "Unsent",
        "no relay configured",
    ] {
        assert!(page.body.contains(text), "{text}");
    }
    let sent_only = app.get(&mut admin, "/settings/outbox?status=sent").await;
    assert!(
        !sent_only.body.contains("Quarterly review")
            && sent_only.body.contains("No messages with this status")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_the_outbox_marks_links_that_no_longer_work() {
    use app::users::api::{ResendInvitation, RevokeInvitation, SendPasswordReset};
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org = app.org_id_of("ada@acme.test").await;
    let guest = app.role(org, "Guest").await.id.to_string();
    app.call::<InviteUsers>(
        &mut admin,
        &[
            ("role_id", &guest),
            (
                "emails",
                "ann@acme.test bea@acme.test cy@acme.test dot@acme.test",
            ),
        ],
    )
    .await
    .unwrap();
    let id = |email: &'static str| {
        let app = &app;
        async move { app.user(email).await.id.to_string() }
    };
    // Ann's first link is replaced by a resend; Bea's is revoked; Cy uses his; Dot's expires.
    app.call::<ResendInvitation>(&mut admin, &[("user_id", &id("ann@acme.test").await)])
        .await
        .unwrap();
    app.call::<RevokeInvitation>(&mut admin, &[("user_id", &id("bea@acme.test").await)])
        .await
        .unwrap();
    let cys_link = crate::manage::mailed_links(&app, "cy@acme.test").await[0].clone();
    app.call::<CompleteSetup>(
        &mut Browser::default(),
        &[
            ("token", &token_of(&cys_link)),
            ("name", "Cy Used"),
            ("password", PASSWORD),
        ],
    )
    .await
    .unwrap();
    let dot = app.user("dot@acme.test").await.id;
    one_time_tokens::Entity::update_many()
        .col_expr(
            one_time_tokens::Column::ExpiresAt,
            Expr::value(app::time::now_ms() - 1),
        )
        .filter(one_time_tokens::Column::UserId.eq(dot))
        .exec(&app.state.db)
        .await
        .unwrap();
    // Two password resets for the administrator: the first link is replaced.
    let me = id("ada@acme.test").await;
    for _ in 0..2 {
        app.call::<SendPasswordReset>(&mut admin, &[("user_id", &me)])
            .await
            .unwrap();
    }

    let page = list(&app, &mut admin, None, 1).await.unwrap();
    let links = |to: &str| -> Vec<serde_json::Value> {
        page["rows"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["to"] == to)
            .map(|r| r["link"].clone())
            .collect()
    };
    // Newest first.
    assert_eq!(links("ann@acme.test"), ["Works", "Replaced"]);
    assert_eq!(links("bea@acme.test"), ["Revoked"]);
    assert_eq!(links("cy@acme.test"), ["Used"]);
    assert_eq!(links("dot@acme.test"), ["Expired"]);
    assert_eq!(links("ada@acme.test"), ["Works", "Replaced"]);

    let replaced = page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["to"] == "ann@acme.test" && r["link"] == "Replaced")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let message = open(&app, &mut admin, replaced).await.unwrap();
    assert_eq!(message["mail"]["link"], "Replaced");

    let html = app.get(&mut admin, "/settings/outbox").await.body;
    for mark in ["link replaced", "link revoked", "link used", "link expired"] {
        assert!(html.contains(mark), "{mark}");
    }
    // The page is the Outbox; its status for mail kept without a relay is another word.
    assert!(html.contains("Unsent"));
    assert_ne!(app::mail::dto::MailStatus::Outbox.label(), "Outbox");
}
