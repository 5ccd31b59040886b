//! API Upload as the page uses it: the preview through the server's reader and remembered
//! mapping, the file streamed to the cookie-signed route and applied in the background, the
//! call in API Status, the error CSV and template downloads, who may use the routes and
//! from where, organisation isolation; and an apply stopped midway (the server stopped)
//! that the sweep resumes to a consistent end.
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::Value;

use app::upload::dto::{UploadApi, UploadStatus};
use app::upload::ssr::repo::{self, Who, LEASE_MS};
use app::upload::ssr::{background, service};

use crate::account_api::{calls, Api};
use crate::common::{Browser, Reply};

const PAGE: &str = "/settings/it/api-upload";

async fn post(api: &Api, browser: &Browser, path: &str, body: Vec<u8>, site: &str) -> Reply {
    let mut request = Request::post(path)
        .header(header::CONTENT_TYPE, "text/csv")
        .header("sec-fetch-site", site);
    if let Some(cookie) = &browser.cookie {
        request = request.header(header::COOKIE, format!("steward_session={cookie}"));
    }
    api.app.send(request.body(Body::from(body)).unwrap()).await
}

async fn get(api: &Api, browser: &Browser, path: &str) -> Reply {
    let mut request = Request::get(path);
    if let Some(cookie) = &browser.cookie {
        request = request.header(header::COOKIE, format!("steward_session={cookie}"));
    }
    api.app.send(request.body(Body::empty()).unwrap()).await
}

fn json(reply: &Reply) -> Value {
    serde_json::from_str(&reply.body).unwrap_or_else(|_| panic!("not JSON: {}", reply.body))
}

async fn accounts_of(api: &Api) -> i64 {
    use sea_orm::sea_query::{Expr, ExprTrait, Query};
    use sea_orm::ConnectionTrait;
    let select = Query::select()
        .expr(Expr::col("id").count())
        .from("accounts")
        .and_where(Expr::col("org_id").eq(api.org_id))
        .to_owned();
    let row = api.app.state.db.query_one(&select).await.unwrap().unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

/// Polls the upload until it is no longer running (the background apply is quick here).
async fn finished(api: &Api, browser: &mut Browser, id: i64) -> Value {
    use app::upload::api::UploadResults;
    for _ in 0..300 {
        let results = api
            .app
            .call::<UploadResults>(browser, &[("upload_id", &id.to_string())])
            .await
            .unwrap();
        if results[0]["status"] != "Running" {
            return results;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("upload {id} still running after 30 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_the_page_previews_maps_and_applies_a_spreadsheet_export_in_the_background() {
    use app::upload::api::SaveUploadMapping;
    let api = Api::new().await;
    let mut admin = api.app.signed_in("ada@acme.test").await;
    // A spreadsheet export: semicolons, CRLF, Windows-1252 "é", a column the API does not
    // know by that name, a row without its name.
    let file = b"Client;Name;Join date;Tier\r\nc1;Caf\xe9 Ltd;2024-01-31;Gold\r\nc2;;2024-02-01;Silver\r\n".to_vec();
    let preview = post(
        &api,
        &admin,
        &format!("{PAGE}/preview?api=accounts"),
        file.clone(),
        "same-origin",
    )
    .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    let read = json(&preview)["Read"].clone();
    assert_eq!(read["delimiter"], "semicolon");
    assert_eq!(read["encoding"], "windows-1252");
    assert_eq!(read["columns"][0]["header"], "Client");
    assert_eq!(read["columns"][0]["matched_by"], "Unmatched");
    assert_eq!(read["columns"][1]["field"], "name");
    assert_eq!(read["columns"][2]["field"], "join_date");
    assert!(
        read["missing"].as_str().unwrap().contains("'account_id'"),
        "{read}"
    );
    assert_eq!(read["rows"][0]["cells"][1], "Café Ltd");
    assert_eq!(read["rows"][0]["line"], 2);
    // The administrator maps Client to account_id; the next preview uses it.
    api.app
        .call::<SaveUploadMapping>(
            &mut admin,
            &[
                ("api", "accounts"),
                ("columns[0]", "Client"),
                ("fields[0]", "account_id"),
            ],
        )
        .await
        .unwrap();
    let read = json(
        &post(
            &api,
            &admin,
            &format!("{PAGE}/preview?api=accounts"),
            file.clone(),
            "same-origin",
        )
        .await,
    )["Read"]
        .clone();
    assert_eq!(read["columns"][0]["matched_by"], "Remembered");
    assert_eq!(read["columns"][0]["field"], "account_id");
    assert!(read["missing"].is_null(), "{read}");
    // Each row as the API will take it: the second lacks the name a new account needs.
    assert!(read["rows"][0]["error"].is_null(), "{read}");
    assert!(
        read["rows"][1]["error"]
            .as_str()
            .unwrap_or_default()
            .contains("'name'"),
        "{read}"
    );
    // A column with a near-miss name gets suggestions.
    let typo = b"acount id,name,join_date\na,b,2024-01-01\n".to_vec();
    let read = json(
        &post(
            &api,
            &admin,
            &format!("{PAGE}/preview?api=accounts"),
            typo,
            "same-origin",
        )
        .await,
    )["Read"]
        .clone();
    assert_eq!(read["columns"][0]["suggestions"][0], "account_id", "{read}");
    // A file refused as a whole says why, in a 200 answer (a refusal, not a fault).
    let mut xlsx = b"PK\x03\x04\x14\x00\x06\x00".to_vec();
    xlsx.extend_from_slice(&[0u8; 64]);
    let refused = post(
        &api,
        &admin,
        &format!("{PAGE}/preview?api=accounts"),
        xlsx,
        "same-origin",
    )
    .await;
    assert_eq!(refused.status, StatusCode::OK);
    let refused = json(&refused)["Refused"].clone();
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("not a CSV file"),
        "{refused}"
    );

    // The file itself: staged as it streams, applied in the background.
    let started = post(
        &api,
        &admin,
        &format!("{PAGE}/file?api=accounts&file_name=Export%20Nov.csv"),
        file,
        "same-origin",
    )
    .await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.body);
    let id = json(&started)["upload_id"].as_i64().unwrap();
    let results = finished(&api, &mut admin, id).await;
    assert_eq!(results[0]["status"], "Applied", "{results}");
    assert_eq!(results[0]["file_name"], "Export Nov.csv");
    assert_eq!(results[0]["by"], "ada@acme.test");
    assert_eq!(results[0]["applied"], 1);
    assert_eq!(results[0]["failed"], 1);
    assert_eq!(results[1][0]["line"], 3);
    assert!(results[0]["undo_until"].as_i64().is_some());
    assert_eq!(accounts_of(&api).await, 1);
    // One call of API "Upload" in API Status, with its failed row.
    let calls = calls(&api).await;
    let call = calls
        .iter()
        .find(|c| c.api == "upload")
        .expect("the upload in API Status");
    assert_eq!(call.endpoint, "/api/v2/upload/accounts");
    assert_eq!((call.records_received, call.records_failed), (2, 1));
    assert!(call
        .message
        .as_deref()
        .unwrap_or_default()
        .contains("by ada@acme.test"));
    // The downloads, with the session.
    let errors = get(&api, &admin, &format!("{PAGE}/errors/{id}")).await;
    assert_eq!(errors.status, StatusCode::OK);
    let mut lines = errors.body.lines();
    assert_eq!(lines.next(), Some("Client,Name,Join date,Tier,line,error"));
    assert!(lines
        .next()
        .unwrap()
        .starts_with("c2,,2024-02-01,Silver,3,"));
    // The page itself, rendered on the server for this upload (as on a reload).
    for _ in 0..5 {
        let page = api
            .app
            .get(&mut admin, &format!("{PAGE}?api=accounts&upload={id}"))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Export Nov.csv"), "{}", page.body);
    }
    let template = get(&api, &admin, &format!("{PAGE}/template/account_contacts")).await;
    assert_eq!(template.status, StatusCode::OK);
    assert_eq!(
        template.body,
        app::upload::ssr::columns::template_csv(UploadApi::AccountContacts)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_the_page_routes_need_the_permission_a_session_and_the_same_site() {
    let api = Api::new().await;
    let mut admin = api.app.signed_in("ada@acme.test").await;
    let file = b"account_id,name,join_date\na1,A,2024-01-31\n".to_vec();
    let started = post(
        &api,
        &admin,
        &format!("{PAGE}/file?api=accounts"),
        file.clone(),
        "same-origin",
    )
    .await;
    let id = json(&started)["upload_id"].as_i64().unwrap();
    finished(&api, &mut admin, id).await;
    // Another site's page cannot post a file with the administrator's cookie.
    let forged = post(
        &api,
        &admin,
        &format!("{PAGE}/file?api=accounts"),
        file.clone(),
        "cross-site",
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    // No session: 401; a user without Configure Data Connectors: 403.
    let anonymous = Browser::default();
    for path in [
        format!("{PAGE}/preview?api=accounts"),
        format!("{PAGE}/file?api=accounts"),
    ] {
        let reply = post(&api, &anonymous, &path, file.clone(), "same-origin").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{path}");
    }
    assert_eq!(
        get(&api, &anonymous, &format!("{PAGE}/errors/{id}"))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    api.app.add_user(api.org_id, "CSM", "csm@acme.test").await;
    let csm = api.app.signed_in("csm@acme.test").await;
    let reply = post(
        &api,
        &csm,
        &format!("{PAGE}/file?api=accounts"),
        file.clone(),
        "same-origin",
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(
        get(&api, &csm, &format!("{PAGE}/template/accounts"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // Another organisation's administrator: the upload does not exist for them.
    let other = api
        .app
        .organisation_with_admin("Globex", "gil@globex.test")
        .await;
    assert_eq!(
        get(&api, &other, &format!("{PAGE}/errors/{id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // An unknown API and a file over the limit are refused with a sentence.
    let reply = post(
        &api,
        &admin,
        &format!("{PAGE}/file?api=orders"),
        file.clone(),
        "same-origin",
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(json(&reply)["message"]
        .as_str()
        .unwrap()
        .contains("Choose an API"));
    let big = Request::post(format!("{PAGE}/file?api=accounts"))
        .header(
            header::COOKIE,
            format!("steward_session={}", admin.cookie.clone().unwrap()),
        )
        .header("sec-fetch-site", "same-origin")
        .header(header::CONTENT_LENGTH, (100 * 1024 * 1024 + 1).to_string())
        .body(Body::empty())
        .unwrap();
    let reply = api.app.send(big).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        json(&reply)["message"].as_str().unwrap().contains("100 MB"),
        "{}",
        reply.body
    );
    assert_eq!(accounts_of(&api).await, 1);
}

/// Runs `f` again while storage answers "busy". A task dropped mid-transaction gives its
/// PostgreSQL connection back with the rollback still queued (sqlx runs it on the
/// connection's next use), so its locks can outlive it for a moment, and the next writer
/// is told to retry, as a client would be.
async fn retry_busy<T, E, F, Fut>(mut f: F) -> T
where
    E: std::fmt::Debug + Into<app::error::AppError>,
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
{
    for _ in 0..40 {
        match f().await {
            Ok(value) => return value,
            Err(e) => match e.into() {
                app::error::AppError::Unavailable(_) => {
                    tokio::time::sleep(Duration::from_millis(250)).await
                }
                other => panic!("{other:?}"),
            },
        }
    }
    panic!("storage stayed busy for 10 s");
}

fn accounts_csv(rows: usize) -> Vec<u8> {
    let mut csv = String::from("account_id,name,join_date\n");
    for i in 0..rows {
        csv.push_str(&format!("acc-{i},Account {i},2024-01-31\n"));
    }
    csv.into_bytes()
}

/// The server stops while an apply runs (the task is dropped at whatever await it was in,
/// its lease left to run out). The history shows it running part-way; the sweep of a
/// later instance resumes it from its next batch, and the end is consistent: every row
/// applied once, no row lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_an_apply_stopped_midway_is_resumed_by_the_sweep_and_ends_consistent() {
    let api = Api::new().await;
    let state = &api.app.state;
    let rows = 6000u64;
    let who = Who {
        user_id: None,
        key_id: None,
        label: "test".into(),
    };
    // Stop it sooner and sooner until one stop lands between two batches' worth of rows.
    let file = accounts_csv(rows as usize);
    // Every stopped upload (some stop before their first batch lands) and the one caught
    // between batches.
    let mut stopped = Vec::new();
    let mut caught = None;
    for attempt in 0..10u32 {
        let staged = retry_busy(|| {
            service::stage(
                &state.db,
                api.org_id,
                UploadApi::Accounts,
                &who,
                "big.csv",
                false,
                &file[..],
            )
        })
        .await;
        let service::Staged::Ready { upload_id } = staged else {
            panic!("refused: {staged:?}")
        };
        let stop_after = Duration::from_millis(10 << attempt);
        let _ = tokio::time::timeout(
            stop_after,
            service::run_held(&state.db, &state.events, api.org_id, upload_id),
        )
        .await;
        let upload = retry_busy(|| repo::find(&state.db, api.org_id, upload_id))
            .await
            .unwrap();
        let summary = &upload.summary;
        if summary.status != UploadStatus::Running {
            // Too late: it ran to the end (the same rows again, unchanged).
            continue;
        }
        stopped.push(upload_id);
        if summary.applied > 0 && summary.applied < rows {
            caught = Some((upload_id, summary.applied));
            break;
        }
    }
    let (upload_id, applied_before) = caught.expect("no stop landed mid-apply");
    // The history shows it running, part-way.
    let shown = retry_busy(|| repo::list(&state.db, api.org_id, 50)).await;
    let row = shown.iter().find(|u| u.id == upload_id).unwrap();
    assert_eq!(row.status, UploadStatus::Running);
    assert_eq!(row.applied, applied_before);
    // Before their leases run out nobody takes them; after, the sweep resumes them all.
    let now = app::time::now_ms();
    let said = retry_busy(|| background::sweep(state, now)).await;
    assert!(said.starts_with("0 upload(s) resumed"), "{said}");
    let later = now + LEASE_MS + 1000;
    let said = retry_busy(|| background::sweep(state, later)).await;
    assert!(
        said.starts_with(&format!("{} upload(s) resumed", stopped.len())),
        "{said}"
    );
    for id in stopped {
        let mut done = None;
        for round in 1..=600i64 {
            let upload = retry_busy(|| repo::find(&state.db, api.org_id, id))
                .await
                .unwrap();
            if upload.summary.status != UploadStatus::Running {
                done = Some(upload);
                break;
            }
            // A resumed run that met a lock left behind stops and keeps its lease; the
            // sweep takes it up again once that lease runs out, as every 10 s in service.
            if round % 20 == 0 {
                let _ = background::sweep(state, later + round * 2 * LEASE_MS).await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let done = done.expect("the resumed upload ended");
        assert_eq!(done.summary.status, UploadStatus::Applied);
        assert_eq!(done.summary.applied + done.summary.failed, rows);
        assert_eq!(done.summary.failed, 0);
    }
    assert_eq!(accounts_of(&api).await, rows as i64);
    // A file whose reading was cut off is closed as failed, nothing applied.
    let cut = repo::create(
        &state.db,
        api.org_id,
        UploadApi::Accounts,
        &who,
        "cut.csv",
        false,
    )
    .await
    .unwrap();
    let said = background::sweep(state, app::time::now_ms() + LEASE_MS + 1000)
        .await
        .unwrap();
    assert!(said.contains("1 unfinished reading(s) closed"), "{said}");
    let cut = repo::find(&state.db, api.org_id, cut)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cut.summary.status, UploadStatus::Failed);
    assert!(cut
        .summary
        .message
        .unwrap()
        .contains("nothing of it was applied"));
}
