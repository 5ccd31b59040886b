//! "New users": invitations through the server function, the mail they send, and the
//! setup link inside it.
use app::auth::api::GetCurrentUser;
use app::db::entities::{one_time_tokens, outbound_mail, users};
use app::error::AppError;
use app::orgs::api::CompleteSetup;
use app::users::api::InviteUsers;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::common::{
    decode_quoted_printable, spawn, spawn_with, Browser, SmtpSink, TestApp, PASSWORD,
};

async fn role_id(app: &TestApp, org_id: i32, name: &str) -> String {
    app.role(org_id, name).await.id.to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_each_address_gets_its_own_answer() {
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org = app.org_id_of("ada@acme.test").await;
    let csm = role_id(&app, org, "CSM").await;
    let results = app
        .call::<InviteUsers>(
            &mut admin,
            &[
                ("role_id", &csm),
                (
                    "emails",
                    "new@acme.test; Ada@Acme.test\nnot-an-email,new@acme.test  other@acme.test",
                ),
            ],
        )
        .await
        .unwrap();
    let results = results.as_array().unwrap();
    assert_eq!(
        results.len(),
        4,
        "duplicates in the input are kept once: {results:?}"
    );
    assert_eq!(results[0]["outcome"], "Invited");
    assert_eq!(results[1]["outcome"]["AlreadyUser"]["status"], "Active");
    assert!(results[2]["outcome"]["Invalid"]
        .as_str()
        .unwrap()
        .contains("@"));
    assert_eq!(results[3]["outcome"], "Invited");

    let invited = app.user("new@acme.test").await;
    assert_eq!(invited.status, "pending");
    assert_eq!(invited.invited_by, Some(app.user("ada@acme.test").await.id));
    let link = one_time_tokens::Entity::find()
        .filter(one_time_tokens::Column::UserId.eq(invited.id))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let days = (link.expires_at - link.created_at) / app::time::DAY_MS;
    assert_eq!(days, 7);
    // No relay: the invitations wait in the outbox.
    let mails = outbound_mail::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(mails.len(), 2);
    assert!(mails
        .iter()
        .all(|m| m.status == "outbox" && m.kind == "invitation"));

    // Inviting the pending user again says so.
    let again = app
        .call::<InviteUsers>(
            &mut admin,
            &[("role_id", &csm), ("emails", "new@acme.test")],
        )
        .await
        .unwrap();
    assert_eq!(again[0]["outcome"]["AlreadyUser"]["status"], "Pending");
    let empty = app
        .call::<InviteUsers>(&mut admin, &[("role_id", &csm), ("emails", " ,; ")])
        .await
        .unwrap_err();
    assert!(empty.field_message("emails").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_invited_user_finishes_setup_from_the_emailed_link() {
    let sink = SmtpSink::start().await;
    let port = sink.port.to_string();
    let app = spawn_with(&[
        ("STEWARD_MAIL_RELAY", "127.0.0.1"),
        ("STEWARD_MAIL_PORT", &port),
        ("STEWARD_MAIL_SECURITY", "none"),
    ])
    .await;
    let mut admin = app
        .organisation_with_admin("Acme Analytics", "ada@acme.test")
        .await;
    let org = app.org_id_of("ada@acme.test").await;
    let guest = role_id(&app, org, "Guest").await;
    app.call::<InviteUsers>(
        &mut admin,
        &[("role_id", &guest), ("emails", "gail@acme.test")],
    )
    .await
    .unwrap();
    app::mail::ssr::queue::deliver_due(&app.state)
        .await
        .unwrap();
    let messages = sink.messages();
    assert_eq!(messages.len(), 1);
    let body = decode_quoted_printable(&messages[0]);
    assert!(
        body.contains("Ada Admin invited you to join Acme Analytics"),
        "{body}"
    );
    let link = body
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:3000/setup/"))
        .expect("link in the text part");
    let token = link.rsplit('/').next().unwrap().trim_end_matches('"');

    let mut browser = Browser::default();
    app.call::<CompleteSetup>(
        &mut browser,
        &[
            ("token", token),
            ("name", "Gail Guest"),
            ("password", PASSWORD),
        ],
    )
    .await
    .unwrap();
    let me = app.call::<GetCurrentUser>(&mut browser, &[]).await.unwrap();
    assert_eq!(me["email"], "gail@acme.test");
    assert_eq!(me["role_name"], "Guest");
    assert_eq!(app.user("gail@acme.test").await.status, "active");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_invitations_need_configure_users_and_a_grantable_role_of_the_same_organisation() {
    let app = spawn().await;
    app.organisation_with_admin("Acme", "ada@acme.test").await;
    app.organisation_with_admin("Beta", "bob@beta.test").await;
    let org = app.org_id_of("ada@acme.test").await;
    let org_b = app.org_id_of("bob@beta.test").await;
    app.add_user(org, "Guest", "guest@acme.test").await;
    app.add_user(org, "Analyst", "analyst@acme.test").await;
    let csm = role_id(&app, org, "CSM").await;
    let manager = role_id(&app, org, "CSM Manager").await;
    let guest_role = role_id(&app, org, "Guest").await;

    let mut guest = app.signed_in("guest@acme.test").await;
    let refused = app
        .call::<InviteUsers>(&mut guest, &[("role_id", &csm), ("emails", "x@acme.test")])
        .await;
    assert_eq!(refused.unwrap_err(), AppError::Forbidden);

    // An Analyst configures users but holds no CSM seat: they cannot hand one out.
    let mut analyst = app.signed_in("analyst@acme.test").await;
    let err = app
        .call::<InviteUsers>(
            &mut analyst,
            &[("role_id", &manager), ("emails", "x@acme.test")],
        )
        .await
        .unwrap_err();
    assert_eq!(
        err.field_message("role_id").as_deref(),
        Some("You cannot give the CSM Manager role: it grants Customer Success Manager Seat, which you do not have.")
    );
    app.call::<InviteUsers>(
        &mut analyst,
        &[("role_id", &guest_role), ("emails", "x@acme.test")],
    )
    .await
    .unwrap();

    // Another organisation's role is not one of yours.
    let b_role = role_id(&app, org_b, "Guest").await;
    let mut admin = app.signed_in("ada@acme.test").await;
    let err = app
        .call::<InviteUsers>(
            &mut admin,
            &[("role_id", &b_role), ("emails", "y@acme.test")],
        )
        .await
        .unwrap_err();
    assert!(err.field_message("role_id").is_some());
    assert!(users::Entity::find()
        .filter(users::Column::Email.eq("y@acme.test"))
        .one(&app.state.db)
        .await
        .unwrap()
        .is_none());
    assert!(users::Entity::find()
        .filter(users::Column::OrgId.eq(org_b))
        .filter(users::Column::Email.eq("x@acme.test"))
        .one(&app.state.db)
        .await
        .unwrap()
        .is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_no_role_is_given_by_default_and_each_answer_names_the_role() {
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org = app.org_id_of("ada@acme.test").await;
    let refused = app
        .call::<InviteUsers>(&mut admin, &[("emails", "new@acme.test")])
        .await
        .unwrap_err();
    assert!(
        refused
            .field_message("role_id")
            .is_some_and(|m| m.contains("Choose the role")),
        "{refused:?}"
    );
    assert!(
        users::Entity::find()
            .filter(users::Column::Email.eq("new@acme.test"))
            .one(&app.state.db)
            .await
            .unwrap()
            .is_none(),
        "nobody was invited"
    );

    let guest = role_id(&app, org, "Guest").await;
    let results = app
        .call::<InviteUsers>(
            &mut admin,
            &[
                ("role_id", &guest),
                ("emails", "new@acme.test, bad-address"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(results[0]["outcome"], "Invited");
    assert_eq!(results[0]["role"], "Guest");
    assert_eq!(results[1]["role"], "Guest");
    let invited = app.user("new@acme.test").await;
    assert_eq!(invited.role_id, app.role(org, "Guest").await.id);
}
