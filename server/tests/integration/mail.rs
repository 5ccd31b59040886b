//! Outgoing mail against a real SMTP server on loopback.
use app::db::entities::outbound_mail;
use app::mail::ssr::compose;
use app::mail::ssr::queue::{deliver_due, enqueue, Delivery};
use sea_orm::sea_query::Expr;
use sea_orm::EntityTrait;

use crate::common::{decode_quoted_printable, spawn, spawn_with, SmtpSink};

async fn app_with_relay(port: u16) -> crate::common::TestApp {
    let port = port.to_string();
    spawn_with(&[
        ("STEWARD_MAIL_RELAY", "127.0.0.1"),
        ("STEWARD_MAIL_PORT", &port),
        ("STEWARD_MAIL_SECURITY", "none"),
        ("STEWARD_MAIL_FROM", "Steward <steward@acme.test>"),
    ])
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_an_invitation_reaches_the_smtp_server_with_text_and_html() {
    let sink = SmtpSink::start().await;
    let app = app_with_relay(sink.port).await;
    app.organisation_with_admin("Acme Analytics", "ada@acme.test")
        .await;
    let org = app.org_id_of("ada@acme.test").await;
    let link = "http://127.0.0.1:3000/setup/abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    let mail = compose::invitation("new@acme.test", "Acme Analytics", "Ada Admin", link, 7);
    enqueue(&app.state, org, mail).await.unwrap();
    assert_eq!(
        deliver_due(&app.state).await.unwrap(),
        Delivery {
            sent: 1,
            retrying: 0,
            failed: 0
        }
    );

    let messages = sink.messages();
    assert_eq!(messages.len(), 1);
    let raw = &messages[0];
    assert!(raw.contains("To: new@acme.test"), "{raw}");
    assert!(
        raw.contains("Subject: You are invited to Acme Analytics on Steward"),
        "{raw}"
    );
    assert!(
        raw.contains("multipart/alternative")
            && raw.contains("text/plain")
            && raw.contains("text/html")
    );
    assert!(
        decode_quoted_printable(raw).contains(link),
        "the link arrives intact"
    );

    let row = outbound_mail::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, "sent");
    assert_eq!(row.attempts, 1);
    assert!(row.sent_at.is_some());
    assert!(
        !row.sealed_body.contains("abcdefghijklmnopqrstuvwxyz"),
        "stored bodies are sealed"
    );
    // Nothing is sent twice.
    assert_eq!(deliver_due(&app.state).await.unwrap(), Delivery::default());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_names_with_line_breaks_cannot_add_recipients_or_headers() {
    let sink = SmtpSink::start().await;
    let app = app_with_relay(sink.port).await;
    app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org = app.org_id_of("ada@acme.test").await;
    let mail = compose::invitation(
        "new@acme.test",
        "Acme\r\nBcc: victim@evil.test",
        "Eve\r\nX-Injected: yes",
        "http://x/setup/t",
        7,
    );
    enqueue(&app.state, org, mail).await.unwrap();
    deliver_due(&app.state).await.unwrap();
    let messages = sink.messages();
    assert_eq!(messages.len(), 1);
    let headers = messages[0]
        .split("\n\n")
        .next()
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        !headers.contains("\nbcc:") && !headers.contains("\nx-injected:"),
        "{headers}"
    );
    assert!(
        !headers.contains("victim@evil.test") || headers.contains("subject:"),
        "only inside the encoded subject"
    );

    let refused = enqueue(
        &app.state,
        org,
        compose::notice("a@acme.test\r\nBcc: b@evil.test", "Acme", "Hi", &[]),
    )
    .await;
    assert!(
        matches!(refused, Err(app::error::AppError::Invalid(_))),
        "a bad address is refused before queueing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_failures_are_retried_with_backoff_then_marked_failed() {
    // A port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = app_with_relay(closed).await;
    app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org = app.org_id_of("ada@acme.test").await;
    enqueue(
        &app.state,
        org,
        compose::notice("bob@acme.test", "Acme", "Hello", &["Line".into()]),
    )
    .await
    .unwrap();
    assert_eq!(
        deliver_due(&app.state).await.unwrap(),
        Delivery {
            sent: 0,
            retrying: 1,
            failed: 0
        }
    );
    let row = outbound_mail::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, "queued");
    assert!(row.last_error.as_deref().is_some_and(|e| !e.is_empty()));
    assert!(
        row.next_attempt_at > app::time::now_ms(),
        "waits before the next attempt"
    );
    assert_eq!(
        deliver_due(&app.state).await.unwrap(),
        Delivery::default(),
        "not due yet"
    );

    outbound_mail::Entity::update_many()
        .col_expr(outbound_mail::Column::NextAttemptAt, Expr::value(0i64))
        .col_expr(outbound_mail::Column::Attempts, Expr::value(5))
        .exec(&app.state.db)
        .await
        .unwrap();
    assert_eq!(
        deliver_due(&app.state).await.unwrap(),
        Delivery {
            sent: 0,
            retrying: 0,
            failed: 1
        }
    );
    let row = outbound_mail::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, "failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_without_a_relay_mail_stays_in_the_outbox() {
    let app = spawn().await;
    app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org = app.org_id_of("ada@acme.test").await;
    enqueue(
        &app.state,
        org,
        compose::notice("bob@acme.test", "Acme", "Hello", &["Line".into()]),
    )
    .await
    .unwrap();
    assert_eq!(deliver_due(&app.state).await.unwrap(), Delivery::default());
    let row = outbound_mail::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, "outbox");
    let bodies = app::mail::ssr::queue::open_bodies(&app.state, &row).unwrap();
    assert!(bodies.text.contains("Line"));
}
