//! The Event API through HTTP as a client sees it: keys, NDJSON lines and their errors,
//! limits, gzip, durability, API Status, and organisations kept apart.
use std::io::Write;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{json, Value};

use app::api_keys::api::RevokeApiKey;
use app::db::entities::{api_calls, usage_events, usage_rollup_queue};
use app::public_api::limits::{MAX_BODY_BYTES, MAX_RECORDS};

use crate::common::{spawn, Reply, TestApp};

/// An event key pair of the organisation: (auth key, api key, key id).
pub async fn event_key(app: &TestApp, org_id: i32, name: &str) -> (String, String, i32) {
    let key = app::api_keys::ssr::service::create_from_command_line(
        &app.state.db,
        &org_id.to_string(),
        "event",
        name,
    )
    .await
    .unwrap();
    (key.auth_key.unwrap(), key.api_key, key.id)
}

pub async fn post_events(app: &TestApp, path: &str, body: Vec<u8>, gzip: bool) -> Reply {
    let mut request = Request::post(path).header(header::CONTENT_TYPE, "application/json");
    if gzip {
        request = request.header(header::CONTENT_ENCODING, "gzip");
    }
    app.send(request.body(Body::from(body)).unwrap()).await
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

/// A recent time: an hour ago.
pub fn recent() -> i64 {
    app::time::now_ms() - 3_600_000
}

pub fn event(action: &str, account: &str, user: &str, at: i64, extra: Value) -> String {
    let mut line =
        json!({"action": action, "account_id": account, "user_id": user, "created_at": at});
    if let (Some(line), Some(extra)) = (line.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            line.insert(k.clone(), v.clone());
        }
    }
    line.to_string()
}

fn json_of(reply: &Reply) -> Value {
    serde_json::from_str(&reply.body)
        .unwrap_or_else(|_| panic!("not JSON ({}): {}", reply.status, reply.body))
}

async fn stored(app: &TestApp) -> Vec<usage_events::Model> {
    usage_events::Entity::find()
        .order_by_asc(usage_events::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap()
}

async fn calls(app: &TestApp, org_id: i32) -> Vec<api_calls::Model> {
    // API Status is written by a background writer: wait for what is queued.
    app.state.api_status.flush().await;
    api_calls::Entity::find()
        .filter(api_calls::Column::OrgId.eq(org_id))
        .order_by_asc(api_calls::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap()
}

async fn org(app: &TestApp, name: &str, email: &str) -> i32 {
    let _ = app.organisation_with_admin(name, email).await;
    app.org_id_of(email).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_events_are_stored_before_the_answer_and_logged_without_keys() {
    let app = spawn().await;
    let org_id = org(&app, "Acme", "ada@acme.test").await;
    let (auth, api, key_id) = event_key(&app, org_id, "Web app").await;
    let at = recent();
    let body = [
        event("identifyUser", "a1", "u1", at, json!({"details": {"email": "u1@x.test"}, "product": "web"})),
        event("feature", "a1", "u1", at + 1, json!({"session_id": "s1", "module": "Reports", "feature": "Create report", "total": 3})),
        event("moduleEnd", "a1", "u1", at + 2, json!({"module": "Reports", "time_spent": 60000})),
        event("sessionSync", "a2", "u9", at + 3, json!({"active_duration": 1500})),
    ]
    .join("\n");
    let path = format!("/v1/{auth}/{api}");
    let reply = post_events(&app, &path, body.into_bytes(), false).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        json_of(&reply),
        json!({"status_is_ok": true, "received": 4, "accepted": 4, "failed_results": []})
    );

    // Committed before the answer: visible at once on another connection.
    let rows = stored(&app).await;
    assert_eq!(rows.len(), 4);
    assert!(rows
        .iter()
        .all(|r| r.org_id == org_id && r.key_id == Some(key_id)));
    assert_eq!(rows[0].details.as_deref(), Some(r#"{"email":"u1@x.test"}"#));
    assert_eq!(rows[0].product.as_deref(), Some("web"));
    assert_eq!(rows[0].session_id, None);
    assert_eq!(rows[1].session_id.as_deref(), Some("s1"));
    assert_eq!(rows[1].feature.as_deref(), Some("Create report"));
    assert_eq!(rows[1].total, Some(3.0));
    assert_eq!(rows[2].time_spent, Some(60000.0));
    assert_eq!(rows[3].active_duration, Some(1500.0));
    assert_eq!(rows[3].created_at, at + 3);
    let day = at.div_euclid(86_400_000) * 86_400_000;
    let queued = usage_rollup_queue::Entity::find()
        .order_by_asc(usage_rollup_queue::Column::AccountId)
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(
        queued
            .iter()
            .map(|q| (q.account_id.as_str(), q.day))
            .collect::<Vec<_>>(),
        [("a1", day), ("a2", day)]
    );

    // A trailing slash works too.
    let reply = post_events(
        &app,
        &format!("{path}/"),
        event("sessionIdle", "a1", "u1", at + 4, json!({})).into_bytes(),
        false,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    let log = calls(&app, org_id).await;
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].api, "event");
    assert_eq!(log[0].status, "success");
    assert_eq!(log[0].method, "POST");
    assert_eq!((log[0].records_received, log[0].records_failed), (4, 0));
    assert_eq!(log[0].path, "/v1/{authKey}/{apiKey}");
    assert_eq!(log[0].endpoint, "/v1/{authKey}/{apiKey}");
    assert_eq!(log[0].key_name.as_deref(), Some("Web app"));
    assert_eq!(log[1].path, "/v1/{authKey}/{apiKey}/");
    let everything = format!("{log:?}");
    assert!(!everything.contains(&auth) && !everything.contains(&api));
    assert!(
        !everything.contains("stw_ev"),
        "no key prefix either: {everything}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_bad_lines_are_named_and_the_valid_ones_stored() {
    let app = spawn().await;
    let org_id = org(&app, "Acme", "ada@acme.test").await;
    let (auth, api, _) = event_key(&app, org_id, "Web app").await;
    let at = recent();
    let lines = [
        event("feature", "a1", "u1", at, json!({"feature": "Export"})),
        // 2: no created_at, and a bad action
        r#"{"action":"click","account_id":"a1","user_id":"u1"}"#.to_owned(),
        String::new(),
        // 4: not JSON
        r#"{"action":"feature","#.to_owned(),
        // 5: seconds instead of milliseconds
        event("sessionSync", "a1", "u1", at / 1000, json!({})),
        // 6: a JSON value that is not an object
        "[1,2]".to_owned(),
        event(
            "moduleEnd",
            "a1",
            "u2",
            at,
            json!({"module": "Admin", "time_spent": 5}),
        ),
        // 8: wrong types
        event(
            "feature",
            "a1",
            "u2",
            at,
            json!({"feature": 7, "session_id": 1}),
        ),
    ];
    let body = lines.join("\r\n");
    let reply = post_events(&app, &format!("/v1/{auth}/{api}"), body.into_bytes(), false).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let answer = json_of(&reply);
    assert_eq!(answer["status_is_ok"], true);
    assert_eq!(
        (answer["received"].as_u64(), answer["accepted"].as_u64()),
        (Some(7), Some(2))
    );
    let failed = answer["failed_results"].as_array().unwrap();
    let numbers: Vec<u64> = failed.iter().map(|f| f["line"].as_u64().unwrap()).collect();
    assert_eq!(numbers, [2, 4, 5, 6, 8]);
    let message = |line: u64| {
        failed.iter().find(|f| f["line"] == line).unwrap()["message"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(
        message(2).contains("Unknown action 'click'"),
        "{}",
        message(2)
    );
    assert!(message(2).contains("'created_at'"), "{}", message(2));
    assert!(message(4).starts_with("Not valid JSON"), "{}", message(4));
    assert!(message(5).contains("looks like seconds"), "{}", message(5));
    assert!(
        message(6).contains("Expected a JSON object"),
        "{}",
        message(6)
    );
    assert!(
        message(8).contains("feature (expecting string, got a number)"),
        "{}",
        message(8)
    );
    assert!(
        message(8).contains("session_id (expecting string"),
        "{}",
        message(8)
    );

    let rows = stored(&app).await;
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].feature.as_deref(), Some("Export"));
    assert_eq!(rows[1].module.as_deref(), Some("Admin"));

    let log = calls(&app, org_id).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].status, "partial");
    assert_eq!((log[0].records_received, log[0].records_failed), (7, 5));
    let failures: Value = serde_json::from_str(log[0].failures.as_deref().unwrap()).unwrap();
    let recorded: Vec<u64> = failures
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["record"].as_u64().unwrap())
        .collect();
    assert_eq!(recorded, [2, 4, 5, 6, 8]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_whole_body_errors_store_nothing() {
    let app = spawn().await;
    let org_id = org(&app, "Acme", "ada@acme.test").await;
    let (auth, api, _) = event_key(&app, org_id, "Web app").await;
    let path = format!("/v1/{auth}/{api}");
    let at = recent();
    let valid = event("feature", "a1", "u1", at, json!({"feature": "Export"}));

    // Every line invalid: 400 with the lines named.
    let reply = post_events(&app, &path, b"{}\n{\"action\":1}".to_vec(), false).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let answer = json_of(&reply);
    assert_eq!(answer["status_is_ok"], false);
    assert!(answer["message"]
        .as_str()
        .unwrap()
        .contains("No event was stored"));
    assert_eq!(answer["failed_results"][1]["line"], 2);

    // A JSON array.
    let reply = post_events(&app, &path, format!(" [{valid}]").into_bytes(), false).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        json_of(&reply),
        json!({"status_is_ok": false, "message": "Events must be sent one JSON object per line (newline-delimited JSON), not as a JSON array."})
    );

    // Empty.
    let reply = post_events(&app, &path, b"\n\r\n".to_vec(), false).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);

    // More than 10,000 events: 413 before anything is stored.
    let many = format!("{valid}\n").repeat(MAX_RECORDS + 1);
    let reply = post_events(&app, &path, many.into_bytes(), false).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    let message = json_of(&reply)["message"].as_str().unwrap().to_owned();
    assert!(
        message.contains("At most 10000 events") && message.contains("10001"),
        "{message}"
    );
    // Exactly 10,000 is fine.
    let limit = format!("{valid}\n").repeat(MAX_RECORDS);
    let reply = post_events(&app, &path, limit.into_bytes(), false).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(json_of(&reply)["accepted"], MAX_RECORDS);
    assert_eq!(stored(&app).await.len(), MAX_RECORDS);

    // Over 10 MB, plain and as a small gzip bomb.
    let big = vec![b' '; MAX_BODY_BYTES + 1];
    let reply = post_events(&app, &path, big.clone(), false).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(json_of(&reply)["message"]
        .as_str()
        .unwrap()
        .contains("10 MB"));
    let bomb = gzip(&big);
    assert!(bomb.len() < 100_000);
    let reply = post_events(&app, &path, bomb, true).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);

    // Bad gzip, unknown encoding.
    let reply = post_events(&app, &path, valid.clone().into_bytes(), true).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(json_of(&reply)["message"]
        .as_str()
        .unwrap()
        .contains("not valid gzip"));
    let reply = app
        .send(
            Request::post(&path)
                .header(header::CONTENT_ENCODING, "br")
                .body(Body::from(valid.clone()))
                .unwrap(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    assert_eq!(
        stored(&app).await.len(),
        MAX_RECORDS,
        "no refused request stored anything"
    );
    let log = calls(&app, org_id).await;
    let statuses: Vec<(&str, i32)> = log
        .iter()
        .map(|c| (c.status.as_str(), c.http_status))
        .collect();
    assert_eq!(
        statuses,
        [
            ("failure", 400),
            ("failure", 400),
            ("failure", 400),
            ("failure", 413),
            ("success", 200),
            ("failure", 413),
            ("failure", 413),
            ("failure", 400),
            ("failure", 415),
        ]
    );
    assert_eq!(log[3].records_received, (MAX_RECORDS + 1) as i32);

    // gzip accepted.
    let body = gzip(format!("{valid}\n{valid}").as_bytes());
    let reply = post_events(&app, &path, body, true).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(json_of(&reply)["accepted"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_wrong_revoked_and_account_keys_get_401() {
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org_id = app.org_id_of("ada@acme.test").await;
    let (auth, api, key_id) = event_key(&app, org_id, "Web app").await;
    let (other_auth, _, _) = event_key(&app, org_id, "Other").await;
    let account = app::api_keys::ssr::service::create_from_command_line(
        &app.state.db,
        &org_id.to_string(),
        "account",
        "CRM",
    )
    .await
    .unwrap()
    .api_key;
    let body = || {
        event(
            "feature",
            "a1",
            "u1",
            recent(),
            json!({"feature": "Export"}),
        )
        .into_bytes()
    };

    let refused = |reply: &Reply, needle: &str| {
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.body);
        let answer = json_of(reply);
        assert_eq!(answer["status_is_ok"], false);
        let message = answer["message"].as_str().unwrap();
        assert!(message.contains(needle), "{message}");
        assert!(!reply.body.contains(&auth) && !reply.body.contains(&api));
    };
    // Unknown keys: refused, attributable to no organisation.
    refused(
        &post_events(&app, "/v1/nothing/here", body(), false).await,
        "not recognised",
    );
    refused(
        &post_events(&app, "/v1/stw_evauth_x/stw_evapi_y", body(), false).await,
        "not recognised",
    );
    assert!(calls(&app, org_id).await.is_empty());
    // The right api key with another key's auth key.
    refused(
        &post_events(&app, &format!("/v1/{other_auth}/{api}"), body(), false).await,
        "not recognised",
    );
    // Swapped.
    refused(
        &post_events(&app, &format!("/v1/{api}/{auth}"), body(), false).await,
        "wrong order",
    );
    // An Account API key.
    refused(
        &post_events(&app, &format!("/v1/{account}/{api}"), body(), false).await,
        "Account API key",
    );
    refused(
        &post_events(&app, &format!("/v1/{auth}/{account}"), body(), false).await,
        "Account API key",
    );
    assert_eq!(
        calls(&app, org_id).await.len(),
        4,
        "refusals of this organisation's keys are in its API Status"
    );

    // Works, then revoked: refused from the very next request.
    let path = format!("/v1/{auth}/{api}");
    assert_eq!(
        post_events(&app, &path, body(), false).await.status,
        StatusCode::OK
    );
    app.call::<RevokeApiKey>(&mut admin, &[("key_id", &key_id.to_string())])
        .await
        .unwrap();
    refused(&post_events(&app, &path, body(), false).await, "revoked");
    assert_eq!(stored(&app).await.len(), 1);

    let log = calls(&app, org_id).await;
    assert_eq!(log.len(), 6);
    assert!(log.iter().all(|c| c.api == "event"));
    assert_eq!(
        log.iter().map(|c| c.http_status).collect::<Vec<_>>(),
        [401, 401, 401, 401, 200, 401]
    );
    assert_eq!(
        log[5].key_name.as_deref(),
        Some("Web app"),
        "a revoked key is still named"
    );
    let everything = format!("{log:?}");
    for secret in [&auth, &api, &other_auth, &account] {
        // The random part after the `stw_<kind>_` prefix (it may itself contain '_').
        let random = secret.splitn(3, '_').nth(2).unwrap();
        assert!(
            !everything.contains(random),
            "a key leaked into API Status: {everything}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_organisations_keep_their_events_apart() {
    let app = spawn().await;
    let org_a = org(&app, "Alpha", "ada@alpha.test").await;
    let org_b = org(&app, "Beta", "bob@beta.test").await;
    let (auth_a, api_a, _) = event_key(&app, org_a, "A").await;
    let (auth_b, api_b, _) = event_key(&app, org_b, "B").await;
    let at = recent();
    let same = event(
        "feature",
        "shared-id",
        "u1",
        at,
        json!({"feature": "Export"}),
    );
    for (auth, api, copies) in [(&auth_a, &api_a, 3), (&auth_b, &api_b, 1)] {
        let body = vec![same.clone(); copies].join("\n");
        let reply = post_events(&app, &format!("/v1/{auth}/{api}"), body.into_bytes(), false).await;
        assert_eq!(reply.status, StatusCode::OK);
    }
    // A's auth key with B's api key opens nothing.
    let reply = post_events(
        &app,
        &format!("/v1/{auth_a}/{api_b}"),
        same.clone().into_bytes(),
        false,
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let count = |org: i32| {
        let db = app.state.db.clone();
        async move {
            usage_events::Entity::find()
                .filter(usage_events::Column::OrgId.eq(org))
                .count(&db)
                .await
                .unwrap()
        }
    };
    assert_eq!((count(org_a).await, count(org_b).await), (3, 1));

    app::usage::ssr::rollup::run(&app.state.db).await.unwrap();
    let now = app::time::now_ms();
    let a = app::usage::ssr::summary(&app.state.db, org_a, "shared-id", now)
        .await
        .unwrap();
    let b = app::usage::ssr::summary(&app.state.db, org_b, "shared-id", now)
        .await
        .unwrap();
    assert_eq!((a.events, b.events), (3, 1));
    assert_eq!(a.top_features[0].uses, 3.0);
    assert_eq!(b.top_features[0].uses, 1.0);
    // The refused cross-organisation call shows only in B's log (the api key's owner).
    assert_eq!(calls(&app, org_a).await.len(), 1);
    assert_eq!(calls(&app, org_b).await.len(), 2);
}

/// Random bodies (valid events, broken ones, garbage bytes) through HTTP: every stored row
/// is a whole valid line, every other line is named, and nothing else is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_random_bodies_store_only_whole_valid_events() {
    use rand::{Rng, SeedableRng};
    let app = spawn().await;
    let org_id = org(&app, "Acme", "ada@acme.test").await;
    let (auth, api, _) = event_key(&app, org_id, "Web app").await;
    let path = format!("/v1/{auth}/{api}");
    let mut rng = rand::rngs::StdRng::seed_from_u64(4);
    let at = recent();
    let mut expected_users: Vec<String> = Vec::new();
    for request in 0..40 {
        let mut lines = Vec::new();
        let mut valid_lines = Vec::new();
        for i in 0..rng.gen_range(1..30) {
            let user = format!("r{request}-{i}");
            let line = match rng.gen_range(0..8) {
                0 => event("feature", "acct", &user, at, json!({"feature": "F"})),
                1 => event("sessionSync", "acct", &user, at, json!({"active_duration": rng.gen_range(0..9999)})),
                // a valid event cut short
                2 => {
                    let full = event("feature", "acct", &user, at, json!({"feature": "F"}));
                    let cut = rng.gen_range(0..full.len());
                    full[..cut].to_owned()
                }
                // random bytes (no newline)
                3 => (0..rng.gen_range(1..40))
                    .map(|_| char::from(rng.gen_range(32u8..127)))
                    .collect(),
                // valid JSON, wrong field types
                4 => json!({"action": "feature", "account_id": "acct", "user_id": user, "created_at": at, "total": "x", "feature": "F"}).to_string(),
                5 => json!({"action": "feature", "account_id": ["acct"], "user_id": user, "created_at": at}).to_string(),
                6 => String::new(),
                _ => event("moduleEnd", "acct", &user, at, json!({"module": "M", "time_spent": -1})),
            };
            let valid =
                app::event_api::parse::parse_line(1, line.as_bytes(), app::time::now_ms()).is_ok();
            lines.push(line);
            if valid {
                valid_lines.push(lines.len() as u64);
                expected_users.push(user);
            }
        }
        let body = lines.join(if rng.gen_bool(0.5) { "\n" } else { "\r\n" });
        let gzipped = rng.gen_bool(0.3);
        let bytes = if gzipped {
            gzip(body.as_bytes())
        } else {
            body.clone().into_bytes()
        };
        let reply = post_events(&app, &path, bytes, gzipped).await;
        let answer = json_of(&reply);
        let non_blank: Vec<u64> = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, _)| i as u64 + 1)
            .collect();
        if body.trim_start().starts_with('[') {
            assert_eq!(reply.status, StatusCode::BAD_REQUEST);
            expected_users.retain(|u| !u.starts_with(&format!("r{request}-")));
            continue;
        }
        if non_blank.is_empty() {
            assert_eq!(reply.status, StatusCode::BAD_REQUEST);
            continue;
        }
        let failed: Vec<u64> = answer["failed_results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                assert!(!f["message"].as_str().unwrap().is_empty());
                f["line"].as_u64().unwrap()
            })
            .collect();
        let mut accounted: Vec<u64> = failed
            .iter()
            .copied()
            .chain(valid_lines.iter().copied())
            .collect();
        accounted.sort_unstable();
        assert_eq!(
            accounted, non_blank,
            "every non-blank line is answered once: {}",
            reply.body
        );
        if valid_lines.is_empty() {
            assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        } else {
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
            assert_eq!(answer["accepted"].as_u64(), Some(valid_lines.len() as u64));
        }
    }
    let mut users: Vec<String> = stored(&app).await.into_iter().map(|r| r.user_id).collect();
    users.sort();
    expected_users.sort();
    assert_eq!(users, expected_users);
}

/// Many requests at once (on SQLite they share group commits): each answers only after its
/// own events are stored, every event keeps its request's organisation and key, and every
/// (account, day) is queued for the rollup.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_concurrent_requests_are_each_stored_with_their_own_origin() {
    let app = spawn().await;
    let acme = org(&app, "Acme", "ada@acme.test").await;
    let globex = org(&app, "Globex", "gil@globex.test").await;
    let (acme_auth, acme_api, acme_key) = event_key(&app, acme, "Acme events").await;
    let (globex_auth, globex_api, globex_key) = event_key(&app, globex, "Globex events").await;
    let at = recent();
    let mut requests = tokio::task::JoinSet::new();
    for n in 0..24 {
        let (path, prefix) = if n % 2 == 0 {
            (format!("/v1/{acme_auth}/{acme_api}"), "acme")
        } else {
            (format!("/v1/{globex_auth}/{globex_api}"), "globex")
        };
        let body: Vec<String> = (0..50)
            .map(|i| {
                event(
                    "feature",
                    &format!("{prefix}-{n}"),
                    &format!("u{i}"),
                    at + i,
                    json!({"feature": "Export"}),
                )
            })
            .collect();
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.join("\n")))
            .unwrap();
        let router = app.router.clone();
        requests.spawn(async move {
            let response = tower::ServiceExt::oneshot(router, request).await.unwrap();
            let status = response.status();
            let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
                .await
                .unwrap();
            (status, serde_json::from_slice::<Value>(&bytes).unwrap())
        });
    }
    while let Some(answer) = requests.join_next().await {
        let (status, body) = answer.unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["accepted"], 50);
    }
    let rows = stored(&app).await;
    assert_eq!(rows.len(), 24 * 50);
    for row in &rows {
        let expected = if row.account_id.starts_with("acme-") {
            (acme, Some(acme_key))
        } else {
            (globex, Some(globex_key))
        };
        assert_eq!((row.org_id, row.key_id), expected, "{}", row.account_id);
    }
    let queued = usage_rollup_queue::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(queued, 24);
}

/// The `natero` / `freshworks` Ruby gems (github.com/bonusly) give HTTParty the event hash as
/// `body:`, which form-encodes it (nested hashes Rails-style) under the JSON content type.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_a_form_encoded_event_as_the_ruby_gems_send_it_is_read_like_a_json_line() {
    let app = spawn().await;
    let org_id = org(&app, "Acme", "ada@acme.test").await;
    let (auth, api, key_id) = event_key(&app, org_id, "Ruby gem").await;
    let path = format!("/v1/{auth}/{api}");
    let at = recent();

    // Natero::Event.feature(event, "Create report", "Reports", 2)
    let feature = format!(
        "account_id=a1&user_id=u1&created_at={at}&session_id=s1&action=feature\
         &feature=Create+report&module=Reports&total=2"
    );
    let reply = post_events(&app, &path, feature.into_bytes(), false).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        json_of(&reply),
        json!({"status_is_ok": true, "received": 1, "accepted": 1, "failed_results": []})
    );
    // Natero::Event.identify_account(event, {name: "Acme Corp", plan: "pro"})
    let identify = format!(
        "account_id=a1&user_id=u1&created_at={}&session_id=s1&action=identifyAccount\
         &details%5Bname%5D=Acme+Corp&details%5Bplan%5D=pro",
        at + 1
    );
    let reply = post_events(&app, &path, identify.into_bytes(), false).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    let rows = stored(&app).await;
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.key_id == Some(key_id)));
    assert_eq!(rows[0].action, "feature");
    assert_eq!(rows[0].feature.as_deref(), Some("Create report"));
    assert_eq!(rows[0].total, Some(2.0));
    assert_eq!(rows[0].created_at, at);
    assert_eq!(
        serde_json::from_str::<Value>(rows[1].details.as_deref().unwrap()).unwrap(),
        json!({"name": "Acme Corp", "plan": "pro"})
    );

    // Validated exactly like a JSON line: the problem is named, nothing stored.
    let bad = "account_id=a1&user_id=u1&created_at=yesterday&action=feature&feature=x";
    let reply = post_events(&app, &path, bad.as_bytes().to_vec(), false).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    let answer = json_of(&reply);
    assert_eq!(answer["failed_results"][0]["line"], 1);
    assert!(
        answer["failed_results"][0]["message"]
            .as_str()
            .unwrap()
            .contains("created_at"),
        "{answer}"
    );
    // Anything else that is not JSON keeps its clear refusal.
    let reply = post_events(&app, &path, b"hello world".to_vec(), false).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body.contains("Not valid JSON"), "{}", reply.body);
    assert_eq!(stored(&app).await.len(), 2);

    // Recorded in API Status like any other call.
    let log = calls(&app, org_id).await;
    assert_eq!(log.len(), 4);
    assert_eq!(
        log.iter().map(|c| c.status.as_str()).collect::<Vec<_>>(),
        ["success", "success", "failure", "failure"]
    );
    assert_eq!(log[0].key_name.as_deref(), Some("Ruby gem"));
}
