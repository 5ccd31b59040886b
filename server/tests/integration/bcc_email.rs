//! BCC email (issue 15, items 4-7): the organisation's address and Regenerate, the HTTP
//! door's answers, the matching rules one by one, tenant isolation, the unmatched queue,
//! the SMTP listener driven by a real client (Python's smtplib and raw sockets, in
//! server/tests/tools/smtp_client.py), sender authentication against a real DNS server on
//! loopback (dnsmasq), and malformed or random messages never panicking nor losing the raw
//! message.
use std::path::PathBuf;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{json, Value};

use app::account_api::upsert::{upsert, Resource};
use app::bcc_email::api::{
    AssignUnmatchedEmail, DiscardUnmatchedEmail, GetBccAddress, ListUnmatchedEmail,
    RegenerateBccAddress,
};
use app::bcc_email::ssr::address::active_token;
use app::bcc_email::ssr::pipeline::{self, Door};

use crate::common::{spawn_with, Browser, Reply, TestApp};
use crate::email_config::{free_port, txt, TestDns};

const DOMAIN: &str = "in.steward.test";
const NO_AUTH: (&str, &str) = ("STEWARD_INBOUND_REQUIRE_AUTHENTICATED_SENDER", "false");

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

struct Org {
    id: i32,
    token: String,
    admin: Browser,
}

/// An organisation with admin ada@acme.test, user ben@acme.test, accounts a1..a3 and
/// contacts bob@customer.test (a1), carol@client.test (a2), pat@acme.test (a3: internal).
async fn org(app: &TestApp, name: &str, admin: &str) -> Org {
    let browser = app.organisation_with_admin(name, admin).await;
    let id = app.org_id_of(admin).await;
    let db = &app.state.db;
    let accounts = ["a1", "a2", "a3"]
        .iter()
        .map(|a| json!({"account_id": a, "name": format!("Account {a}"), "join_date": 1_400_000_000_000i64}))
        .collect();
    assert!(upsert(db, id, Resource::Accounts, accounts)
        .await
        .unwrap()
        .is_empty());
    let contacts = [
        ("bob@customer.test", "a1"),
        ("Carol@Client.test", "a2"),
        ("pat@acme.test", "a3"),
    ]
    .iter()
    .map(|(email, account)| json!({"user_id": email, "account_id": account, "email": email}))
    .collect();
    assert!(upsert(db, id, Resource::Contacts, contacts)
        .await
        .unwrap()
        .is_empty());
    let (token, _) = active_token(&app.state, id).await.unwrap();
    Org {
        id,
        token,
        admin: browser,
    }
}

async fn app_with(extra: &[(&str, &str)]) -> TestApp {
    let mut env = vec![
        ("STEWARD_INBOUND_DOMAIN", DOMAIN),
        ("STEWARD_INBOUND_SMTP_ADDRESS", ""),
    ];
    env.extend_from_slice(extra);
    spawn_with(&env).await
}

fn message(from: &str, to: &str, cc: &str, subject: &str, message_id: Option<&str>) -> Vec<u8> {
    let mut m = format!("From: Ada <{from}>\r\nTo: {to}\r\n");
    if !cc.is_empty() {
        m.push_str(&format!("Cc: {cc}\r\n"));
    }
    if let Some(id) = message_id {
        m.push_str(&format!("Message-ID: <{id}>\r\n"));
    }
    m.push_str(&format!(
        "Subject: {subject}\r\nDate: {}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHi, about the renewal.\r\n--b1\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"quote.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b1--\r\n",
        chrono_like_now()
    ));
    m.into_bytes()
}

/// An RFC 5322 date for now (the interaction takes `Date:` when within a week).
fn chrono_like_now() -> String {
    let output = std::process::Command::new("date")
        .args(["-u", "+%a, %d %b %Y %H:%M:%S +0000"])
        .output()
        .unwrap();
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

async fn post_mail(app: &TestApp, token: &str, raw: &[u8]) -> Reply {
    app.send(
        Request::post(format!("/api/inbound-mail/{token}"))
            .header(header::CONTENT_TYPE, "message/rfc822")
            .header(header::CONTENT_LENGTH, raw.len())
            .body(Body::from(raw.to_vec()))
            .unwrap(),
    )
    .await
}

#[derive(Debug)]
struct Row {
    id: i32,
    org_id: i32,
    state: String,
    reason: Option<String>,
    raw: Vec<u8>,
}

async fn messages(app: &TestApp) -> Vec<Row> {
    let db = &app.state.db;
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT id, org_id, state, reason, raw FROM inbound_messages ORDER BY id",
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|r| Row {
            id: r.try_get_by_index(0).unwrap(),
            org_id: r.try_get_by_index(1).unwrap(),
            state: r.try_get_by_index(2).unwrap(),
            reason: r.try_get_by_index(3).unwrap(),
            raw: r.try_get_by_index(4).unwrap(),
        })
        .collect()
}

/// (org_id, account_id, kind, source, subject, description, contact_email) of every interaction.
async fn interactions(app: &TestApp) -> Vec<(i32, String, String, String, String, String, String)> {
    let db = &app.state.db;
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT i.org_id, a.account_id, i.kind, i.source, i.subject, i.description, i.contact_email FROM interactions i JOIN accounts a ON a.id = i.account_pk ORDER BY i.id",
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|r| {
            (
                r.try_get_by_index(0).unwrap(),
                r.try_get_by_index(1).unwrap(),
                r.try_get_by_index(2).unwrap(),
                r.try_get_by_index(3).unwrap(),
                r.try_get_by_index::<Option<String>>(4)
                    .unwrap()
                    .unwrap_or_default(),
                r.try_get_by_index(5).unwrap(),
                r.try_get_by_index::<Option<String>>(6)
                    .unwrap()
                    .unwrap_or_default(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_address_is_stable_and_regenerate_retires_the_old_one() {
    let app = app_with(&[NO_AUTH]).await;
    let mut acme = org(&app, "Acme", "ada@acme.test").await;
    let shown = app
        .call::<GetBccAddress>(&mut acme.admin, &[])
        .await
        .unwrap();
    let address = shown["address"].as_str().unwrap().to_owned();
    assert_eq!(address, format!("{}@{DOMAIN}", acme.token));
    assert_eq!(acme.token.len(), 32);
    let again = app
        .call::<GetBccAddress>(&mut acme.admin, &[])
        .await
        .unwrap();
    assert_eq!(again["address"], shown["address"]);

    // The token is stored hashed and sealed, never in clear.
    let db = &app.state.db;
    let stored = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT token_hash, sealed_token FROM inbound_addresses",
        ))
        .await
        .unwrap();
    for row in &stored {
        let hash: String = row.try_get_by_index(0).unwrap();
        let sealed: String = row.try_get_by_index(1).unwrap();
        assert!(!hash.contains(&acme.token) && !sealed.contains(&acme.token));
    }

    // A user without Configure Data Connectors sees the address but cannot regenerate.
    app.add_user(acme.id, "CSM", "ben@acme.test").await;
    let mut ben = app.signed_in("ben@acme.test").await;
    let seen = app.call::<GetBccAddress>(&mut ben, &[]).await.unwrap();
    assert_eq!(seen["address"], shown["address"]);
    assert!(app
        .call::<RegenerateBccAddress>(&mut ben, &[])
        .await
        .is_err());

    let raw = message(
        "ada@acme.test",
        "bob@customer.test",
        "",
        "Before",
        Some("m1@acme.test"),
    );
    assert_eq!(
        post_mail(&app, &acme.token, &raw).await.status,
        StatusCode::ACCEPTED
    );
    // Twice in a row, as the dialog may be used.
    let first = app
        .call::<RegenerateBccAddress>(&mut acme.admin, &[])
        .await
        .unwrap();
    let second = app
        .call::<RegenerateBccAddress>(&mut acme.admin, &[])
        .await
        .unwrap();
    assert_ne!(first["address"], shown["address"]);
    assert_ne!(second["address"], first["address"]);
    let newest = second["address"]
        .as_str()
        .unwrap()
        .split('@')
        .next()
        .unwrap()
        .to_owned();
    let retired = first["address"]
        .as_str()
        .unwrap()
        .split('@')
        .next()
        .unwrap()
        .to_owned();
    for old in [&acme.token, &retired] {
        let reply = post_mail(&app, old, &raw).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);
    }
    let raw2 = message(
        "ada@acme.test",
        "bob@customer.test",
        "",
        "After",
        Some("m2@acme.test"),
    );
    assert_eq!(
        post_mail(&app, &newest, &raw2).await.status,
        StatusCode::ACCEPTED
    );
    let shown = app
        .call::<GetBccAddress>(&mut acme.admin, &[])
        .await
        .unwrap();
    assert_eq!(shown["address"], second["address"]);

    // Audited, with the address shortened.
    let audit = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT action, after_json FROM audit_events WHERE action = 'bcc_address_regenerated'",
        ))
        .await
        .unwrap();
    assert_eq!(audit.len(), 2);
    let after: String = audit[0].try_get_by_index(1).unwrap();
    assert!(
        !after.contains(&retired) && after.contains(&retired[28..]),
        "{after}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_http_door_answers() {
    let app = app_with(&[NO_AUTH, ("STEWARD_INBOUND_MAX_MESSAGE_BYTES", "4096")]).await;
    let acme = org(&app, "Acme", "ada@acme.test").await;
    let raw = message(
        "ada@acme.test",
        "bob@customer.test",
        "",
        "Hello",
        Some("h1@acme.test"),
    );

    let unknown = post_mail(&app, &"0".repeat(32), &raw).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(
        post_mail(&app, "short", &raw).await.status,
        StatusCode::NOT_FOUND
    );

    let wrong_type = app
        .send(
            Request::post(format!("/api/inbound-mail/{}", acme.token))
                .header(header::CONTENT_TYPE, "text/plain")
                .body(Body::from(raw.clone()))
                .unwrap(),
        )
        .await;
    assert_eq!(wrong_type.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    // Declared too large: refused before the body is read (the body here never ends).
    let endless = futures_stream_never_ending();
    let declared = app
        .send(
            Request::post(format!("/api/inbound-mail/{}", acme.token))
                .header(header::CONTENT_TYPE, "message/rfc822")
                .header(header::CONTENT_LENGTH, "5000")
                .body(endless)
                .unwrap(),
        )
        .await;
    assert_eq!(declared.status, StatusCode::PAYLOAD_TOO_LARGE);
    // Not declared, but growing past the limit.
    let big = [raw.clone(), vec![b'x'; 5000]].concat();
    let chunked = app
        .send(
            Request::post(format!("/api/inbound-mail/{}", acme.token))
                .header(header::CONTENT_TYPE, "message/rfc822")
                .body(Body::from_stream(futures_chunks(big)))
                .unwrap(),
        )
        .await;
    assert_eq!(chunked.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        messages(&app).await.is_empty(),
        "nothing stored for refused bodies"
    );

    let ok = post_mail(&app, &acme.token.to_uppercase(), &raw).await;
    assert_eq!(ok.status, StatusCode::ACCEPTED, "{}", ok.body);
    let stored = messages(&app).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].raw, raw);
    assert_eq!(stored[0].state, "matched");
}

/// A body that yields one chunk and then never ends.
fn futures_stream_never_ending() -> Body {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(1);
    tokio::spawn(async move {
        let _ = tx.send(Ok(vec![b'x'; 100])).await;
        tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
        drop(tx);
    });
    Body::from_stream(tokio_stream_of(rx))
}

fn tokio_stream_of(
    mut rx: tokio::sync::mpsc::Receiver<Result<Vec<u8>, std::io::Error>>,
) -> impl futures::Stream<Item = Result<Vec<u8>, std::io::Error>> {
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

fn futures_chunks(bytes: Vec<u8>) -> impl futures::Stream<Item = Result<Vec<u8>, std::io::Error>> {
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        bytes.chunks(1000).map(|c| Ok(c.to_vec())).collect();
    futures::stream::iter(chunks)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_matching_rules_one_by_one() {
    let app = app_with(&[NO_AUTH]).await;
    let acme = org(&app, "Acme", "ada@acme.test").await;
    app.add_user(acme.id, "CSM", "ben@acme.test").await;

    // Several accounts in one message; internal addresses (pat@acme.test is a contact of
    // a3, but acme.test is the users' domain) and the BCC address never match.
    let bcc = format!("{}@{DOMAIN}", acme.token);
    let raw = message(
        "ben@acme.test",
        "Bob <bob@customer.test>, pat@acme.test",
        &format!("carol@client.test, {bcc}"),
        "Renewal plan",
        Some("multi@acme.test"),
    );
    assert_eq!(
        post_mail(&app, &acme.token, &raw).await.status,
        StatusCode::ACCEPTED
    );
    let found = interactions(&app).await;
    assert_eq!(found.len(), 2, "{found:?}");
    let accounts: Vec<&str> = found.iter().map(|i| i.1.as_str()).collect();
    assert_eq!(accounts, ["a1", "a2"]);
    for (org_id, _, kind, source, subject, description, _) in &found {
        assert_eq!(*org_id, acme.id);
        assert_eq!(kind, "email");
        assert_eq!(source, "bcc");
        assert_eq!(subject, "Renewal plan");
        assert!(
            description.starts_with("Hi, about the renewal."),
            "{description}"
        );
        assert!(description.contains("From: ben@acme.test"), "{description}");
        assert!(
            description.contains("Attachments (not stored): quote.pdf (9 bytes)"),
            "{description}"
        );
    }
    assert_eq!(found[0].6, "bob@customer.test");
    assert_eq!(found[1].6, "carol@client.test");

    // Duplicate Message-ID (even with other bytes): stored, marked duplicate, no new rows.
    let mut copy = raw.clone();
    copy.extend_from_slice(b"trailing difference\r\n");
    assert_eq!(
        post_mail(&app, &acme.token, &copy).await.status,
        StatusCode::ACCEPTED
    );
    assert_eq!(interactions(&app).await.len(), 2);

    // No Message-ID: the same bytes twice are one message, other bytes another.
    let plain = message("ada@acme.test", "bob@customer.test", "", "No id", None);
    for _ in 0..2 {
        assert_eq!(
            post_mail(&app, &acme.token, &plain).await.status,
            StatusCode::ACCEPTED
        );
    }
    assert_eq!(interactions(&app).await.len(), 3);
    let other = message(
        "ada@acme.test",
        "bob@customer.test",
        "",
        "No id, other",
        None,
    );
    post_mail(&app, &acme.token, &other).await;
    assert_eq!(interactions(&app).await.len(), 4);

    // The sender must be a user of the organisation.
    let stranger = message(
        "mallory@customer.test",
        "bob@customer.test",
        "",
        "Hi",
        Some("s@x"),
    );
    post_mail(&app, &acme.token, &stranger).await;
    // Only internal recipients: nothing to match, so it waits as unmatched.
    let internal_only = message(
        "ada@acme.test",
        "pat@acme.test",
        "",
        "Internal",
        Some("i@acme.test"),
    );
    post_mail(&app, &acme.token, &internal_only).await;
    assert_eq!(interactions(&app).await.len(), 4);

    let states: Vec<(String, Option<String>)> = messages(&app)
        .await
        .into_iter()
        .map(|m| (m.state, m.reason))
        .collect();
    assert_eq!(
        states.iter().map(|s| s.0.as_str()).collect::<Vec<_>>(),
        [
            "matched",
            "duplicate",
            "matched",
            "duplicate",
            "matched",
            "refused",
            "unmatched"
        ]
    );
    assert!(states[5]
        .1
        .as_deref()
        .unwrap()
        .contains("mallory@customer.test is not an active Steward user"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_unauthenticated_sender_is_refused_and_dkim_or_spf_pass() {
    let port = free_port();
    // acme.test publishes a DKIM key and an SPF record allowing 127.0.0.1; other.test
    // allows nobody.
    let key = app::email_config::ssr::dkim::generate().await.unwrap();
    let dns = TestDns::start(
        port,
        &[
            txt(
                "sel1._domainkey.acme.test",
                &format!("v=DKIM1; k=rsa; p={}", key.public_spki_b64),
            ),
            txt("acme.test", "v=spf1 ip4:127.0.0.1 -all"),
            txt("bounces.acme.test", "v=spf1 -all"),
        ],
    )
    .await;
    let resolver = format!("127.0.0.1:{port}");
    let app = app_with(&[("STEWARD_DNS_RESOLVER", resolver.as_str())]).await;
    let acme = org(&app, "Acme", "ada@acme.test").await;

    // HTTP door, no signature: refused (the HTTP door accepts DKIM only).
    let plain = message(
        "ada@acme.test",
        "bob@customer.test",
        "",
        "Unsigned",
        Some("u1@acme.test"),
    );
    assert_eq!(
        post_mail(&app, &acme.token, &plain).await.status,
        StatusCode::ACCEPTED
    );
    // Signed by acme.test: accepted.
    let signed_body = message(
        "ada@acme.test",
        "bob@customer.test",
        "",
        "Signed",
        Some("s1@acme.test"),
    );
    let signed =
        app::email_config::ssr::dkim::sign(&signed_body, "acme.test", "sel1", &key.private_pkcs8)
            .unwrap();
    post_mail(&app, &acme.token, &signed).await;
    // Signed, then changed in transit: refused.
    let mut tampered = signed.clone();
    let at = tampered.windows(6).position(|w| w == b"about ").unwrap();
    tampered[at] = b'A';
    let tampered = [tampered, b"".to_vec()].concat();
    post_mail(&app, &acme.token, &tampered).await;

    // SMTP door: SPF of MAIL FROM for 127.0.0.1 passes for acme.test, fails for bounces.
    let smtp = start_smtp(&app).await;
    let via_spf = message(
        "ada@acme.test",
        "carol@client.test",
        "",
        "Over SPF",
        Some("spf1@acme.test"),
    );
    let out = smtp_client(
        "send",
        smtp,
        "ada@acme.test",
        &[&format!("{}@{DOMAIN}", acme.token)],
        &via_spf,
    )
    .await;
    assert_eq!(out["ok"], true, "{out}");
    let failing = message(
        "ada@acme.test",
        "carol@client.test",
        "",
        "SPF fails",
        Some("spf2@acme.test"),
    );
    smtp_client(
        "send",
        smtp,
        "x@bounces.acme.test",
        &[&format!("{}@{DOMAIN}", acme.token)],
        &failing,
    )
    .await;

    let rows = messages(&app).await;
    let summary: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r.state.as_str(), r.reason.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(summary.len(), 5, "{summary:?}");
    assert_eq!(summary[0].0, "refused");
    assert!(
        summary[0].1.contains("HTTP door accepts DKIM only"),
        "{summary:?}"
    );
    assert_eq!(summary[1].0, "matched", "{summary:?}");
    assert_eq!(summary[2].0, "refused", "{summary:?}");
    assert_eq!(summary[3].0, "matched", "{summary:?}");
    assert_eq!(summary[4].0, "refused", "{summary:?}");
    assert!(summary[4].1.contains("SPF"), "{summary:?}");
    drop(dns);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_tenant_comes_only_from_the_envelope_and_queues_are_isolated() {
    let app = app_with(&[NO_AUTH]).await;
    let mut acme = org(&app, "Acme", "ada@acme.test").await;
    let mut globex = org(&app, "Globex", "gil@globex.test").await;
    // Ada is also a Globex user by address, so only the envelope can decide.
    app.add_user(globex.id, "CSM", "ada@acme.test").await;

    // Headers name Globex's address; the envelope (URL token) names Acme's.
    let raw = message(
        "ada@acme.test",
        &format!("bob@customer.test, {}@{DOMAIN}", globex.token),
        "",
        "Which tenant?",
        Some("t1@acme.test"),
    );
    post_mail(&app, &acme.token, &raw).await;
    let found = interactions(&app).await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, acme.id);
    // The same Message-ID in the other organisation is not a duplicate there.
    post_mail(&app, &globex.token, &raw).await;
    let found = interactions(&app).await;
    assert_eq!(found.len(), 2);
    assert_eq!(found[1].0, globex.id);

    // An unmatched Acme message: Globex's admin can neither see nor change it.
    let unmatched = message(
        "ada@acme.test",
        "new@prospect.test",
        "",
        "Intro",
        Some("t2@acme.test"),
    );
    post_mail(&app, &acme.token, &unmatched).await;
    let id = messages(&app).await.last().unwrap().id.to_string();
    let theirs = app
        .call::<ListUnmatchedEmail>(&mut globex.admin, &[])
        .await
        .unwrap();
    assert_eq!(theirs["unmatched"].as_array().unwrap().len(), 0);
    let ours = app
        .call::<ListUnmatchedEmail>(&mut acme.admin, &[])
        .await
        .unwrap();
    assert_eq!(ours["unmatched"].as_array().unwrap().len(), 1);
    let err = app
        .call::<AssignUnmatchedEmail>(&mut globex.admin, &[("id", &id), ("account_id", "a1")])
        .await
        .unwrap_err();
    assert_eq!(err, app::error::AppError::NotFound);
    let err = app
        .call::<DiscardUnmatchedEmail>(&mut globex.admin, &[("id", &id)])
        .await
        .unwrap_err();
    assert_eq!(err, app::error::AppError::NotFound);
    assert_eq!(messages(&app).await.last().unwrap().state, "unmatched");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_unmatched_queue_assign_with_contact_and_discard() {
    let app = app_with(&[NO_AUTH]).await;
    let mut acme = org(&app, "Acme", "ada@acme.test").await;
    let first = message(
        "ada@acme.test",
        "new@prospect.test",
        "",
        "Intro",
        Some("q1@acme.test"),
    );
    let second = message(
        "ada@acme.test",
        "spam@nowhere.test",
        "",
        "Other",
        Some("q2@acme.test"),
    );
    post_mail(&app, &acme.token, &first).await;
    post_mail(&app, &acme.token, &second).await;
    let queue = app
        .call::<ListUnmatchedEmail>(&mut acme.admin, &[])
        .await
        .unwrap();
    let listed = queue["unmatched"].as_array().unwrap();
    assert_eq!(listed.len(), 2);
    let intro = listed.iter().find(|m| m["subject"] == "Intro").unwrap();
    assert_eq!(intro["recipients"], json!(["new@prospect.test"]));
    assert_eq!(intro["attachments"][0]["name"], "quote.pdf");
    let intro_id = intro["id"].as_i64().unwrap().to_string();
    let other_id = listed.iter().find(|m| m["subject"] == "Other").unwrap()["id"]
        .as_i64()
        .unwrap()
        .to_string();

    let err = app
        .call::<AssignUnmatchedEmail>(
            &mut acme.admin,
            &[("id", &intro_id), ("account_id", "nope")],
        )
        .await
        .unwrap_err();
    assert_eq!(
        err.field_message("account_id").as_deref(),
        Some("No account has the id \"nope\".")
    );
    let err = app
        .call::<AssignUnmatchedEmail>(
            &mut acme.admin,
            &[
                ("id", &intro_id),
                ("account_id", "a2"),
                ("add_contact", "someone@else.test"),
            ],
        )
        .await
        .unwrap_err();
    assert!(err.field_message("add_contact").is_some());
    app.call::<AssignUnmatchedEmail>(
        &mut acme.admin,
        &[
            ("id", &intro_id),
            ("account_id", "a2"),
            ("add_contact", "new@prospect.test"),
        ],
    )
    .await
    .unwrap();
    let found = interactions(&app).await;
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].1.as_str(), found[0].4.as_str()), ("a2", "Intro"));
    // Assigned once: a second assignment finds nothing waiting.
    assert_eq!(
        app.call::<AssignUnmatchedEmail>(
            &mut acme.admin,
            &[("id", &intro_id), ("account_id", "a2")]
        )
        .await
        .unwrap_err(),
        app::error::AppError::NotFound
    );

    // The recipient is now a contact of a2: the next message matches by itself.
    let next = message(
        "ada@acme.test",
        "new@prospect.test",
        "",
        "Follow-up",
        Some("q3@acme.test"),
    );
    post_mail(&app, &acme.token, &next).await;
    let found = interactions(&app).await;
    assert_eq!(found.len(), 2);
    assert_eq!(
        (found[1].1.as_str(), found[1].4.as_str()),
        ("a2", "Follow-up")
    );

    app.call::<DiscardUnmatchedEmail>(&mut acme.admin, &[("id", &other_id)])
        .await
        .unwrap();
    let queue = app
        .call::<ListUnmatchedEmail>(&mut acme.admin, &[])
        .await
        .unwrap();
    assert!(queue["unmatched"].as_array().unwrap().is_empty());

    // Source Overview's row counts the last day.
    let rows = app
        .call::<app::connections::api::ListSources>(&mut acme.admin, &[])
        .await
        .unwrap();
    let bcc = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "BCC email")
        .unwrap();
    assert_eq!(
        bcc["status"],
        "Last day: 3 received, 1 matched, 2 unmatched, 0 refused"
    );
    assert_eq!(bcc["records_last_run"], 1);
}

/// Starts the SMTP listener on a free loopback port.
async fn start_smtp(app: &TestApp) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut limits = server::smtp::SmtpLimits::from_state(&app.state);
    limits.max_recipients = 20;
    tokio::spawn(server::smtp::serve(listener, app.state.clone(), limits));
    port
}

async fn smtp_client(mode: &str, port: u16, from: &str, to: &[&str], message: &[u8]) -> Value {
    let file = std::env::temp_dir().join(format!(
        "steward-smtp-{}.eml",
        app::crypto::short_reference()
    ));
    std::fs::write(&file, message).unwrap();
    let output = tokio::process::Command::new("python3")
        .arg(root().join("server/tests/tools/smtp_client.py"))
        .args([
            mode,
            "127.0.0.1",
            &port.to_string(),
            from,
            &to.join(","),
            &file.display().to_string(),
        ])
        .output()
        .await
        .unwrap();
    let _ = std::fs::remove_file(&file);
    serde_json::from_slice(&output.stdout).unwrap_or_else(|_| {
        panic!(
            "smtp_client.py {mode}: {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_smtp_listener_with_a_real_client() {
    let app = app_with(&[NO_AUTH, ("STEWARD_INBOUND_MAX_MESSAGE_BYTES", "20000")]).await;
    let acme = org(&app, "Acme", "ada@acme.test").await;
    let globex = org(&app, "Globex", "gil@globex.test").await;
    app.add_user(globex.id, "CSM", "ada@acme.test").await;
    let port = start_smtp(&app).await;
    let ours = format!("{}@{DOMAIN}", acme.token);
    let theirs = format!("{}@{DOMAIN}", globex.token);

    // A good message (with a line starting with a dot, which smtplib stuffs).
    let mut good = message(
        "ada@acme.test",
        "bob@customer.test",
        "",
        "Over SMTP",
        Some("g1@acme.test"),
    );
    good.extend_from_slice(b".leading dot line\r\n");
    let out = smtp_client("send", port, "ada@acme.test", &[&ours], &good).await;
    assert_eq!(out["ok"], true, "{out}");
    let ehlo = out["ehlo"].as_str().unwrap();
    assert!(
        ehlo.contains("PIPELINING") && ehlo.contains("SIZE 20000"),
        "{ehlo}"
    );
    let rows = messages(&app).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].raw, good, "dot-unstuffed, byte for byte");
    assert_eq!(rows[0].state, "matched");

    // Unknown and retired recipients: 550 at RCPT; the message still goes to the good one.
    let unknown = format!("{}@{DOMAIN}", "f".repeat(32));
    let elsewhere = format!("{}@other.test", acme.token);
    let out = smtp_client(
        "send",
        port,
        "ada@acme.test",
        &[&unknown, &ours, &elsewhere],
        &message(
            "ada@acme.test",
            "bob@customer.test",
            "",
            "Partly",
            Some("g2@acme.test"),
        ),
    )
    .await;
    assert_eq!(out["ok"], true, "{out}");
    assert_eq!(out["refused"][&unknown][0], 550, "{out}");
    assert_eq!(out["refused"][&elsewhere][0], 550, "{out}");
    let out = smtp_client(
        "send",
        port,
        "ada@acme.test",
        &[&unknown],
        &message(
            "ada@acme.test",
            "bob@customer.test",
            "",
            "Nobody",
            Some("g3@acme.test"),
        ),
    )
    .await;
    assert_eq!(out["ok"], false);
    assert_eq!(out["refused"][&unknown][0], 550, "{out}");
    assert_eq!(messages(&app).await.len(), 2);

    // Over the size: 552 at MAIL (smtplib sends SIZE=), and 552 at the end of DATA without it.
    let mut big = message(
        "ada@acme.test",
        "bob@customer.test",
        "",
        "Big",
        Some("g4@acme.test"),
    );
    big.extend(
        std::iter::repeat_n(
            b"0123456789012345678901234567890123456789\r\n".to_vec(),
            600,
        )
        .flatten(),
    );
    let out = smtp_client("send", port, "ada@acme.test", &[&ours], &big).await;
    assert_eq!(out["sender_refused"][0], 552, "{out}");
    let out = smtp_client("nosize", port, "ada@acme.test", &[&ours], &big).await;
    assert!(
        out["end_of_data"][0].as_str().unwrap().starts_with("552 "),
        "{out}"
    );
    assert!(
        out["after"][0][0].as_str().unwrap().starts_with("221"),
        "{out}"
    );
    assert_eq!(
        messages(&app).await.len(),
        2,
        "nothing stored over the limit"
    );

    // Pipelining: every command in one write, answers in order.
    let out = smtp_client(
        "pipeline",
        port,
        "ada@acme.test",
        &[&ours, &unknown, &theirs],
        &message(
            "ada@acme.test",
            "bob@customer.test",
            "",
            "Pipelined",
            Some("g5@acme.test"),
        ),
    )
    .await;
    let codes: Vec<&str> = out["replies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r[0].as_str().unwrap()[..3])
        .collect();
    assert_eq!(codes, ["250", "250", "550", "250", "354"], "{out}");
    assert!(
        out["end_of_data"][0].as_str().unwrap().starts_with("250 "),
        "{out}"
    );
    // One copy per organisation named by the envelope.
    let rows = messages(&app).await;
    assert_eq!(rows.len(), 4);
    assert_eq!((rows[2].org_id, rows[3].org_id), (acme.id, globex.id));

    // A bare-LF "." line does not end the message (SMTP smuggling).
    let smuggle = format!(
        "From: ada@acme.test\r\nTo: bob@customer.test\r\nSubject: Smuggle\r\nMessage-ID: <g6@acme.test>\r\n\r\nfirst\n.\r\nMAIL FROM:<evil@x.test>\r\nRCPT TO:<{ours}>\r\nDATA\r\n\r\nsmuggled\r\nend"
    );
    let out = smtp_client(
        "smuggle",
        port,
        "ada@acme.test",
        &[&ours],
        smuggle.as_bytes(),
    )
    .await;
    assert!(
        out["end_of_data"][0].as_str().unwrap().starts_with("250 "),
        "{out}"
    );
    assert!(
        out["after"][0][0].as_str().unwrap().starts_with("221"),
        "{out}"
    );
    let rows = messages(&app).await;
    assert_eq!(
        rows.len(),
        5,
        "exactly one message from the smuggling attempt"
    );
    let last = String::from_utf8_lossy(&rows[4].raw).into_owned();
    assert!(
        last.contains("first\n.\r\nMAIL FROM:<evil@x.test>") && last.ends_with("end\r\n"),
        "{last}"
    );

    // Many recipients: accepted up to the limit (20 here), then 452.
    let many: Vec<String> = (0..25).map(|_| ours.clone()).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    let out = smtp_client(
        "pipeline",
        port,
        "ada@acme.test",
        &many,
        &message(
            "ada@acme.test",
            "bob@customer.test",
            "",
            "Many",
            Some("g7@acme.test"),
        ),
    )
    .await;
    let codes: Vec<&str> = out["replies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r[0].as_str().unwrap()[..3])
        .collect();
    assert_eq!(
        codes.iter().filter(|c| **c == "250").count(),
        21,
        "{codes:?}"
    );
    assert_eq!(
        codes.iter().filter(|c| **c == "452").count(),
        5,
        "{codes:?}"
    );
    assert!(
        out["end_of_data"][0].as_str().unwrap().starts_with("250 "),
        "{out}"
    );
    assert_eq!(
        messages(&app).await.len(),
        6,
        "stored once for its one organisation"
    );
}

/// Broken messages (written for this test): each is stored byte for byte, answered 202,
/// and refused or queued without a panic.
fn malformed_corpus() -> Vec<Vec<u8>> {
    let mut corpus: Vec<Vec<u8>> = vec![
        b"From: ada@acme.test\r\nTo: bob@customer.test\r\nContent-Type: multipart/mixed; boundary=\"never\"\r\n\r\nno boundary ever comes\r\n".to_vec(),
        b"From: ada@acme.test\r\nContent-Type: multipart/mixed\r\n\r\n--\r\n--\r\n".to_vec(),
        b"From: ada@acme.test\r\nTo: bob@customer.test\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: message/rfc822\r\n\r\n--b\r\n".to_vec(),
        b"From: ada@acme.test\r\nTo: bob@customer.test\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64===\r\n".to_vec(),
        b"From: ada@acme.test\r\nTo: bob@customer.test\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=ZZ=\r\n=\r\n".to_vec(),
        b"From: =?utf-8?B?broken?= <ada@acme.test>\r\nSubject: =?x-unknown?Q?a=FF?=\r\nTo: \"unterminated <bob@customer.test\r\n\r\nbody".to_vec(),
        b"From: ada@acme.test\nTo: bob@customer.test\nSubject: bare LF only\n\nbody\n".to_vec(),
        b"From ada@acme.test Mon Jan 1 00:00:00 2026\r\nFrom: ada@acme.test\r\n\r\nmbox line first".to_vec(),
        b"From: ada@acme.test\r\nContent-Type: text/plain; charset=\"no-such-charset\"\r\n\r\n\xff\xfe\xfd".to_vec(),
        b"From: ada@acme.test\r\nTo: bob@customer.test\r\n No header name, continuation first\r\n:\r\n\r\n".to_vec(),
        b"\r\n\r\nbody without headers".to_vec(),
        b"From: ada@acme.test\r\nTo: bob@customer.test\r\n".to_vec(),
        b"\0\0\0\0".to_vec(),
        b"From: ada@acme.test\r\nTo: bob@customer.test\r\nSubject: nul \0 inside\r\nMessage-ID: <a\0b@acme.test>\r\n\r\nbody \0 with nul\r\n".to_vec(),
    ];
    // Deep nesting.
    let mut nested = b"From: ada@acme.test\r\nTo: bob@customer.test\r\n".to_vec();
    for i in 0..200 {
        nested.extend_from_slice(
            format!("Content-Type: multipart/mixed; boundary=b{i}\r\n\r\n--b{i}\r\n").as_bytes(),
        );
    }
    corpus.push(nested);
    // A very long header line.
    let mut long = b"From: ada@acme.test\r\nSubject: ".to_vec();
    long.extend(std::iter::repeat_n(b'a', 100_000));
    long.extend_from_slice(b"\r\n\r\nx");
    corpus.push(long);
    // Python's email test corpus, read in place when installed (libpython3.11-testsuite).
    for dir in [
        "/usr/lib/python3.11/test/test_email/data",
        "/usr/lib/python3/test/test_email/data",
    ] {
        if let Ok(entries) = std::fs::read_dir(dir) {
            for entry in entries.flatten() {
                if entry.file_name().to_string_lossy().starts_with("msg_") {
                    corpus.push(std::fs::read(entry.path()).unwrap());
                }
            }
        }
    }
    corpus
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_malformed_messages_are_stored_and_never_panic() {
    let app = app_with(&[NO_AUTH]).await;
    let acme = org(&app, "Acme", "ada@acme.test").await;
    let corpus = malformed_corpus();
    for raw in &corpus {
        let reply = post_mail(&app, &acme.token, raw).await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.body);
    }
    let rows = messages(&app).await;
    assert_eq!(rows.len(), corpus.len());
    for (row, raw) in rows.iter().zip(&corpus) {
        assert_eq!(&row.raw, raw);
        assert_ne!(row.state, "received", "every message was processed");
    }
}

#[test]
fn prop_random_bytes_never_panic_nor_lose_the_raw_message() {
    use proptest::prelude::*;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (app, acme) = runtime.block_on(async {
        let app = app_with(&[NO_AUTH]).await;
        let acme = org(&app, "Acme", "ada@acme.test").await;
        (app, acme)
    });
    let good = message(
        "ada@acme.test",
        "bob@customer.test",
        "",
        "Seed",
        Some("p@acme.test"),
    );
    let strategy = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..3000),
        // Mutations of a real message: cut anywhere, then random bytes spliced in.
        (
            0..good.len(),
            proptest::collection::vec(any::<u8>(), 0..200)
        )
            .prop_map({
                let good = good.clone();
                move |(at, noise)| [good[..at].to_vec(), noise, good[at..].to_vec()].concat()
            }),
    ];
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 48,
        ..ProptestConfig::default()
    });
    runner
        .run(&strategy, |raw| {
            runtime.block_on(async {
                let id = pipeline::receive(&app.state, acme.id, Door::Http, None, &raw)
                    .await
                    .expect("stored");
                let db = &app.state.db;
                let row = db
                    .query_one_raw(Statement::from_sql_and_values(
                        db.get_database_backend(),
                        match db.get_database_backend() {
                            sea_orm::DatabaseBackend::Postgres => {
                                "SELECT raw, state FROM inbound_messages WHERE id = $1"
                            }
                            _ => "SELECT raw, state FROM inbound_messages WHERE id = ?",
                        },
                        [id.into()],
                    ))
                    .await
                    .unwrap()
                    .unwrap();
                let stored: Vec<u8> = row.try_get_by_index(0).unwrap();
                let state: String = row.try_get_by_index(1).unwrap();
                assert_eq!(stored, raw);
                assert_ne!(state, "received");
            });
            Ok(())
        })
        .unwrap();
    runtime.block_on(async move { drop(app) });
}

#[test]
fn test_cli_prints_the_address_last() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (env, _) = runtime.block_on(crate::common::test_env(&[(
        "STEWARD_INBOUND_DOMAIN",
        DOMAIN,
    )]));
    let (ok, out, err) = crate::cli::steward(
        &env,
        &[
            "org",
            "create",
            "--name",
            "Initech",
            "--admin-email",
            "peter@initech.test",
        ],
    );
    assert!(ok, "{out}{err}");
    let (ok, out, err) = crate::cli::steward(&env, &["bcc-address", "--org", "Initech"]);
    assert!(ok, "{out}{err}");
    let first = out.trim_end().lines().last().unwrap().to_owned();
    assert_eq!(first.len(), 32 + 1 + DOMAIN.len(), "{first}");
    assert!(first.ends_with(&format!("@{DOMAIN}")));
    let (_, again, _) = crate::cli::steward(&env, &["bcc-address", "--org", "Initech"]);
    assert_eq!(again.trim_end().lines().last().unwrap(), first);
    let (ok, _, err) = crate::cli::steward(&env, &["bcc-address", "--org", "Nobody"]);
    assert!(!ok && !err.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_smtp_session_limit_and_no_relay() {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let app = app_with(&[NO_AUTH]).await;
    let acme = org(&app, "Acme", "ada@acme.test").await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut limits = server::smtp::SmtpLimits::from_state(&app.state);
    limits.max_sessions = 1;
    tokio::spawn(server::smtp::serve(listener, app.state.clone(), limits));

    let first = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let mut first = BufReader::new(first);
    let mut line = String::new();
    first.read_line(&mut line).await.unwrap();
    assert!(line.starts_with("220 "), "{line}");
    // While the first session is open, a second one is turned away.
    let second = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let mut second = BufReader::new(second);
    let mut refused = String::new();
    second.read_line(&mut refused).await.unwrap();
    assert!(refused.starts_with("421 "), "{refused}");

    // Commands out of order, and relaying anywhere else, are refused.
    let mut ask = async |command: &str| {
        first.get_mut().write_all(command.as_bytes()).await.unwrap();
        let mut answer = String::new();
        loop {
            let mut l = String::new();
            first.read_line(&mut l).await.unwrap();
            answer.push_str(&l);
            if l.len() < 4 || l.as_bytes()[3] != b'-' {
                return answer;
            }
        }
    };
    assert!(ask("MAIL FROM:<ada@acme.test>\r\n")
        .await
        .starts_with("503 "));
    assert!(ask("EHLO client.test\r\n")
        .await
        .contains("250 ENHANCEDSTATUSCODES"));
    assert!(ask("RCPT TO:<bob@customer.test>\r\n")
        .await
        .starts_with("503 "));
    assert!(ask("DATA\r\n").await.starts_with("503 "));
    assert!(ask("MAIL FROM:<ada@acme.test>\r\n")
        .await
        .starts_with("250 "));
    for relay in [
        "bob@customer.test".to_owned(),
        format!("{}@customer.test", acme.token),
        format!("postmaster@{DOMAIN}"),
    ] {
        let answer = ask(&format!("RCPT TO:<{relay}>\r\n")).await;
        assert!(answer.starts_with("550 5.1.1"), "{relay}: {answer}");
    }
    assert!(
        ask("DATA\r\n").await.starts_with("503 "),
        "no accepted recipient"
    );
    assert!(ask("QUIT\r\n").await.starts_with("221 "));
    assert!(messages(&app).await.is_empty());
}
