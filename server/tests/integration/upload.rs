//! API Upload through HTTP as a program sees it (`/api/v2/upload/…` with the Account API
//! key): every bad file of issue 12 refused with its line and column and nothing written;
//! spreadsheet exports (BOM, CRLF, semicolons, tabs, Windows-1252) read; a dry run writes
//! nothing; an upload writes exactly what the JSON API writes; undo with and without
//! conflicts; the error CSV; API Status; organisation isolation; wrong keys.
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::ConnectionTrait;
use serde_json::{json, Value};

use app::db::entities::audit_events;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::account_api::{account, calls, key_for, Answer, Api};

async fn upload(api: &Api, key: &str, target: &str, query: &str, body: Vec<u8>) -> Answer {
    let request = Request::post(format!("/api/v2/upload/{target}?api_key={key}{query}"))
        .header(header::CONTENT_TYPE, "text/csv")
        .body(Body::from(body))
        .unwrap();
    api.send(request).await
}

async fn count(api: &Api, table: &'static str) -> i64 {
    let select = Query::select()
        .expr(Expr::col("id").count())
        .from(table)
        .to_owned();
    let row = api.app.state.db.query_one(&select).await.unwrap().unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

async fn accounts_of(api: &Api, org_id: i32) -> i64 {
    let select = Query::select()
        .expr(Expr::col("id").count())
        .from("accounts")
        .and_where(Expr::col("org_id").eq(org_id))
        .to_owned();
    let row = api.app.state.db.query_one(&select).await.unwrap().unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

/// A bad file: its bytes, the line and column named, words of the message.
type BadFile = (Vec<u8>, Option<u64>, Option<&'static str>, &'static str);

/// `GET path?api_key=key` as sent by a program.
async fn get_with_key(api: &Api, path: &str, key: &str) -> crate::common::Reply {
    api.app
        .send(
            Request::get(format!("{path}?api_key={key}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
}

fn first_failure(answer: &Answer) -> &Value {
    answer
        .failed()
        .first()
        .unwrap_or_else(|| panic!("no failure in {}", answer.json))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_every_bad_file_is_refused_with_its_line_and_nothing_is_written() {
    let api = Api::new().await;
    // (file, line, column, words of the message)
    let mut xlsx = b"PK\x03\x04\x14\x00\x06\x00".to_vec();
    xlsx.extend_from_slice(&[0u8; 64]);
    let cases: Vec<BadFile> = vec![
        (b"".to_vec(), None, None, "empty"),
        (
            b"account_id,name,join_date\r\n".to_vec(),
            Some(1),
            None,
            "no data rows",
        ),
        (
            b"account_id,name,join_date\nexample-account-1,Example Corp,2024-01-31\n".to_vec(),
            Some(1),
            None,
            "besides the template's example row",
        ),
        (
            b"account_id,name,Account ID,join_date\na,b,c,1\n".to_vec(),
            Some(1),
            Some("Account ID"),
            "repeats column 1",
        ),
        (
            b"account_id,,join_date,name\na,b,1,n\n".to_vec(),
            Some(1),
            Some("#2"),
            "has no name",
        ),
        (
            b"account_id,tier\na1,Gold\n".to_vec(),
            Some(1),
            None,
            "'name', 'join_date'",
        ),
        (
            b"account_id,name,join_date\na1,\"Acme,1\na2,B,1\n".to_vec(),
            Some(2),
            None,
            "never closed",
        ),
        (xlsx, None, None, "not a CSV file"),
        (
            b"account_id,name,join_date\na1,A\x00,1\n".to_vec(),
            None,
            None,
            "not a CSV file",
        ),
    ];
    for (body, line, column, words) in cases {
        let shown = String::from_utf8_lossy(&body).into_owned();
        let answer = upload(&api, &api.key, "accounts", "", body).await;
        assert_eq!(answer.status, StatusCode::OK, "{shown:?}: {}", answer.json);
        assert!(!answer.ok(), "{shown:?}: {}", answer.json);
        assert!(
            answer.message().contains(words),
            "{shown:?}: {}",
            answer.json
        );
        let failure = first_failure(&answer);
        assert_eq!(failure["line"].as_u64(), line, "{shown:?}: {}", answer.json);
        assert_eq!(
            failure["column"].as_str(),
            column,
            "{shown:?}: {}",
            answer.json
        );
        assert!(answer.json["upload_id"].as_i64().is_some());
    }
    // 100 MB + 1 byte is refused from its Content-Length, before anything is read.
    let request = Request::post(format!("/api/v2/upload/accounts?api_key={}", api.key))
        .header(header::CONTENT_LENGTH, (100 * 1024 * 1024 + 1).to_string())
        .body(Body::from("account_id,name,join_date\na,b,1\n"))
        .unwrap();
    let answer = api.send(request).await;
    assert_eq!(
        answer.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        answer.json
    );
    assert!(answer.message().contains("100 MB"), "{}", answer.json);
    assert_eq!(accounts_of(&api, api.org_id).await, 0);
    assert_eq!(count(&api, "upload_batches").await, 0);
    assert_eq!(count(&api, "upload_failures").await, 0);
    // The history keeps each refused file with its reason.
    let history = app::upload::ssr::repo::list(&api.app.state.db, api.org_id, 100)
        .await
        .unwrap();
    assert_eq!(history.len(), 9);
    assert!(history
        .iter()
        .all(|u| u.status == app::upload::dto::UploadStatus::Failed && u.message.is_some()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_spreadsheet_exports_are_read_and_a_dry_run_writes_nothing() {
    let api = Api::new().await;
    // Excel on Windows, European settings: BOM, semicolons, CRLF, Windows-1252, decimal
    // commas, a ragged row, a bad date, a formula-looking cell.
    let mut file = b"\xEF\xBB\xBFAccount ID;Name;Join Date;Current MRR;is churned\r\n".to_vec();
    file.extend_from_slice(b"a1;M\xfcller GmbH;2024-01-31;1234,5;no\r\n");
    file.extend_from_slice(b"a2;=HYPERLINK(\"x\");1706659200000;10;0\n");
    file.extend_from_slice(b"a3;Three;31/01/2024;1;0\r\n");
    file.extend_from_slice(b"a4;Four\r\n");
    let answer = upload(&api, &api.key, "accounts", "&dry_run=true", file.clone()).await;
    assert!(answer.ok(), "{}", answer.json);
    assert_eq!(answer.json["delimiter"], "semicolon");
    assert_eq!(answer.json["encoding"], "windows-1252");
    assert_eq!(answer.json["received"], 4);
    assert_eq!(answer.json["would_apply"], 2);
    assert_eq!(answer.json["applied"], 0);
    let failed = answer.failed();
    assert_eq!(failed.len(), 2, "{}", answer.json);
    assert_eq!(failed[0]["line"], 4);
    assert_eq!(failed[0]["column"], "Join Date");
    assert!(failed[0]["message"].as_str().unwrap().contains("join_date"));
    assert_eq!(failed[1]["line"], 5);
    assert_eq!(failed[1]["column"], Value::Null);
    assert!(failed[1]["message"]
        .as_str()
        .unwrap()
        .contains("2 cells but the header has 5"));
    assert_eq!(
        accounts_of(&api, api.org_id).await,
        0,
        "a dry run writes nothing"
    );
    // Applied: the same rows are written.
    let answer = upload(&api, &api.key, "accounts", "", file).await;
    assert!(answer.ok(), "{}", answer.json);
    assert_eq!(answer.json["applied"], 2);
    let a1 = api.get("/api/v2/accounts/a1").await;
    assert_eq!(a1.results()[0]["name"], "Müller GmbH");
    assert_eq!(a1.results()[0]["current_mrr"], 1234.5);
    assert_eq!(a1.results()[0]["is_churned"], false);
    let a2 = api.get("/api/v2/accounts/a2").await;
    assert_eq!(a2.results()[0]["name"], "=HYPERLINK(\"x\")");
    // The error CSV: failed rows, `error` column, formula cells neutralised.
    let id = answer.json["upload_id"].as_i64().unwrap();
    let reply = get_with_key(&api, &format!("/api/v2/upload/{id}/errors"), &api.key).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let lines: Vec<&str> = reply.body.lines().collect();
    assert_eq!(
        lines[0],
        "Account ID,Name,Join Date,Current MRR,is churned,line,error"
    );
    assert!(
        lines[1].starts_with("a3,Three,31/01/2024,1,0,4,\"Join Date: Invalid type"),
        "{}",
        reply.body
    );
    assert!(lines[2].starts_with("a4,Four,,,,5,"), "{}", reply.body);
    assert_eq!(lines.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_an_uploaded_record_equals_the_same_record_posted_as_json() {
    let api = Api::new().await;
    let csv = "account_id,name,join_date,tier,employees,is_deleted,custom_label_dimensions.Plan,custom_value_dimensions.seats,stage\n\
               up1,Acme,2024-01-31T00:00:00Z,Gold,12,false,Enterprise,25,Onboarding\n";
    let answer = upload(&api, &api.key, "accounts", "", csv.as_bytes().to_vec()).await;
    assert!(answer.ok() && answer.failed().is_empty(), "{}", answer.json);
    let posted = api
        .post(
            "/api/v2/accounts",
            json!([{"account_id": "js1", "name": "Acme", "join_date": 1_706_659_200_000i64,
                    "tier": "Gold", "employees": 12, "is_deleted": false, "stage": "Onboarding",
                    "custom_label_dimensions": [{"key": "Plan", "value": "Enterprise"}],
                    "custom_value_dimensions": [{"key": "seats", "value": 25}]}]),
        )
        .await;
    assert!(posted.ok() && posted.failed().is_empty(), "{}", posted.json);
    let strip = |mut v: Value| {
        for k in ["id", "account_id"] {
            v.as_object_mut().unwrap().remove(k);
        }
        v
    };
    let uploaded = strip(api.get("/api/v2/accounts/up1").await.results()[0].clone());
    let json = strip(api.get("/api/v2/accounts/js1").await.results()[0].clone());
    assert_eq!(uploaded, json);
    // Product users go through the same code: an unknown account fails the row.
    let csv = "user_id,account_id,email\nu1,up1,ann@acme.test\nu2,nope,bob@acme.test\n";
    let answer = upload(&api, &api.key, "account_users", "", csv.as_bytes().to_vec()).await;
    assert_eq!(answer.json["applied"], 1, "{}", answer.json);
    assert_eq!(answer.failed()[0]["line"], 3);
    assert_eq!(answer.failed()[0]["message"], "Account not found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_undo_removes_created_records_restores_fields_and_leaves_conflicts() {
    let api = Api::new().await;
    let mut a1 = account("a1");
    a1["tier"] = json!("Gold");
    assert!(api.post("/api/v2/accounts", json!([a1])).await.ok());
    let csv = "account_id,name,join_date,tier,industry\na1,Renamed,2014-05-13,Silver,Retail\na3,Three,2024-01-31,,\n";
    let answer = upload(&api, &api.key, "accounts", "", csv.as_bytes().to_vec()).await;
    assert_eq!(answer.json["applied"], 2, "{}", answer.json);
    let id = answer.json["upload_id"].as_i64().unwrap();
    // Changed again since the upload: the industry.
    let put = api
        .call(
            "PUT",
            "/api/v2/accounts/a1",
            Some(json!({"data": {"industry": "Banking"}})),
        )
        .await;
    assert!(put.ok(), "{}", put.json);
    // Another organisation's key cannot undo it.
    let (other_key, _) = key_for(&api.app, "Globex", "gil@globex.test").await;
    let answer = api
        .call_with_key(
            &other_key,
            "POST",
            &format!("/api/v2/upload/{id}/undo"),
            None,
        )
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND, "{}", answer.json);
    let answer = api
        .call("POST", &format!("/api/v2/upload/{id}/undo"), None)
        .await;
    assert!(answer.ok(), "{}", answer.json);
    assert_eq!(answer.json["removed"], 1);
    // name, join_date and tier put back; the industry is a conflict, left alone.
    assert_eq!(answer.json["restored"], 3, "{}", answer.json);
    let conflicts = answer.json["conflicts"].as_array().unwrap();
    assert_eq!(conflicts.len(), 1, "{}", answer.json);
    assert_eq!(conflicts[0]["record"], "a1");
    assert_eq!(conflicts[0]["field"], "industry");
    let now = api.get("/api/v2/accounts/a1").await.results()[0].clone();
    assert_eq!(now["name"], "Account a1");
    assert_eq!(now["tier"], "Gold");
    assert_eq!(now["join_date"], 1_400_000_000_000i64);
    assert_eq!(now["industry"], "Banking");
    assert_eq!(
        api.get("/api/v2/accounts/a3").await.status,
        StatusCode::NOT_FOUND
    );
    // Once only; audited.
    let again = api
        .call("POST", &format!("/api/v2/upload/{id}/undo"), None)
        .await;
    assert!(
        !again.ok() && again.message().contains("undone already"),
        "{}",
        again.json
    );
    let audited = audit_events::Entity::find()
        .filter(audit_events::Column::OrgId.eq(api.org_id))
        .filter(audit_events::Column::Action.eq("upload_undone"))
        .all(&api.app.state.db)
        .await
        .unwrap();
    assert_eq!(audited.len(), 1);
    assert_eq!(audited[0].actor_label, "API key 'Sync'");
    // A dry run has nothing to undo.
    let dry = upload(
        &api,
        &api.key,
        "accounts",
        "&dry_run=1",
        csv.as_bytes().to_vec(),
    )
    .await;
    let id = dry.json["upload_id"].as_i64().unwrap();
    let answer = api
        .call("POST", &format!("/api/v2/upload/{id}/undo"), None)
        .await;
    assert!(
        !answer.ok() && answer.message().contains("dry run"),
        "{}",
        answer.json
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_uploads_are_kept_apart_by_organisation_and_keys_are_checked() {
    let api = Api::new().await;
    let (other_key, other_org) = key_for(&api.app, "Globex", "gil@globex.test").await;
    let csv = "account_id,name,join_date\nshared-id,Ours,2024-01-31\n";
    let ours = upload(&api, &api.key, "accounts", "", csv.as_bytes().to_vec()).await;
    assert!(ours.ok());
    let csv = "account_id,name,join_date\nshared-id,Theirs,2024-01-31\nbad,Bad,never\n";
    let theirs = upload(&api, &other_key, "accounts", "", csv.as_bytes().to_vec()).await;
    assert!(theirs.ok());
    assert_eq!(accounts_of(&api, api.org_id).await, 1);
    assert_eq!(accounts_of(&api, other_org).await, 1);
    assert_eq!(
        api.get("/api/v2/accounts/shared-id").await.results()[0]["name"],
        "Ours"
    );
    // Their error CSV is not ours to read.
    let id = theirs.json["upload_id"].as_i64().unwrap();
    let reply = get_with_key(&api, &format!("/api/v2/upload/{id}/errors"), &api.key).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let ours_list = app::upload::ssr::repo::list(&api.app.state.db, api.org_id, 10)
        .await
        .unwrap();
    assert_eq!(ours_list.len(), 1);
    assert_eq!(ours_list[0].by, "API key 'Sync'");
    // A wrong key: refused, nothing read or written.
    let answer = upload(
        &api,
        "stw_acct_wrong",
        "accounts",
        "",
        b"account_id,name,join_date\nx,X,1\n".to_vec(),
    )
    .await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert!(
        answer.message().contains("not recognised"),
        "{}",
        answer.json
    );
    let request = Request::get("/api/v2/upload/accounts/template")
        .body(Body::empty())
        .unwrap();
    assert_eq!(api.send(request).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(accounts_of(&api, api.org_id).await, 1);
    // Unknown API.
    let answer = upload(&api, &api.key, "invoices", "", b"a\n1\n".to_vec()).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert!(
        answer.message().contains("account_contacts"),
        "{}",
        answer.json
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_templates_read_back_and_uploads_show_in_api_status() {
    let api = Api::new().await;
    for target in [
        "accounts",
        "account_users",
        "account_contacts",
        "metrics",
        "interactions",
        "events",
    ] {
        let reply = api
            .app
            .send(
                Request::get(format!(
                    "/api/v2/upload/{target}/template?api_key={}",
                    api.key
                ))
                .body(Body::empty())
                .unwrap(),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{target}");
        assert!(reply.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains(&format!("{target}-template.csv")));
        // The template as downloaded is a file the upload reads: its example row is
        // skipped, so it has no data rows.
        let answer = upload(
            &api,
            &api.key,
            target,
            "&dry_run=true",
            reply.body.into_bytes(),
        )
        .await;
        assert!(
            answer
                .message()
                .contains("besides the template's example row"),
            "{target}: {}",
            answer.json
        );
    }
    assert!(api
        .post("/api/v2/accounts", json!([account("m1")]))
        .await
        .ok());
    let csv = "account_id,name,timestamp,value\nm1,seats,2024-01-31,4\nm1,seats,2024-02-01,x\nnope,seats,2024-01-31,1\n";
    let answer = upload(
        &api,
        &api.key,
        "metrics",
        "&file_name=metrics.csv",
        csv.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(answer.json["applied"], 1, "{}", answer.json);
    assert_eq!(answer.failed().len(), 2);
    let metric = api.get("/api/v2/metrics/seats").await;
    assert!(metric.ok(), "{}", metric.json);
    let csv = "action,account_id,user_id,created_at,module,feature,total\nfeature,m1,u1,2024-01-31T09:30:00Z,Reports,Create report,2\nfeature,m1,,2024-01-31,Reports,Create report,1\n";
    let answer = upload(&api, &api.key, "events", "", csv.as_bytes().to_vec()).await;
    assert_eq!(answer.json["applied"], 1, "{}", answer.json);
    assert_eq!(answer.failed()[0]["line"], 3);
    let calls = calls(&api).await;
    let uploads: Vec<_> = calls.iter().filter(|c| c.api == "upload").collect();
    let metrics_call = uploads
        .iter()
        .find(|c| c.endpoint == "/api/v2/upload/metrics" && c.records_failed == 2)
        .expect("the metrics upload in API Status");
    assert_eq!(metrics_call.records_received, 3);
    assert_eq!(metrics_call.status, "partial");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_page_functions_need_configure_data_connectors_and_stay_in_the_organisation() {
    use app::error::AppError;
    use app::upload::api::{
        CancelUpload, ListUploads, LoadUploadMapping, SaveUploadMapping, UndoUpload, UploadFields,
        UploadResults,
    };
    let api = Api::new().await;
    let mut admin = api.app.signed_in("ada@acme.test").await;
    // A remembered mapping: the file's "Client" column feeds account_id.
    let saved = api
        .app
        .call::<SaveUploadMapping>(
            &mut admin,
            &[
                ("api", "accounts"),
                ("columns[0]", "Client"),
                ("fields[0]", "account_id"),
                ("columns[1]", "Notes"),
                ("fields[1]", ""),
            ],
        )
        .await;
    assert!(saved.is_ok(), "{saved:?}");
    let refused = api
        .app
        .call::<SaveUploadMapping>(
            &mut admin,
            &[
                ("api", "accounts"),
                ("columns[0]", "X"),
                ("fields[0]", "nmae"),
            ],
        )
        .await;
    assert!(matches!(refused, Err(AppError::Invalid(m)) if m.contains("'nmae'")));
    let mapping = api
        .app
        .call::<LoadUploadMapping>(&mut admin, &[("api", "accounts")])
        .await
        .unwrap();
    assert_eq!(mapping, json!([["client", "account_id"], ["notes", ""]]));
    let csv = "Client,Name,Join date,Notes\nc1,Client One,2024-01-31,whatever\n";
    let answer = upload(&api, &api.key, "accounts", "", csv.as_bytes().to_vec()).await;
    assert_eq!(answer.json["applied"], 1, "{}", answer.json);
    let id = answer.json["upload_id"].as_i64().unwrap().to_string();
    let history = api.app.call::<ListUploads>(&mut admin, &[]).await.unwrap();
    assert_eq!(history.as_array().unwrap().len(), 1);
    assert_eq!(history[0]["status"], "Applied");
    let results = api
        .app
        .call::<UploadResults>(&mut admin, &[("upload_id", &id)])
        .await
        .unwrap();
    assert_eq!(results[0]["applied"], 1);
    let fields = api
        .app
        .call::<UploadFields>(&mut admin, &[("api", "account_contacts")])
        .await
        .unwrap();
    assert!(fields
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["name"] == "custom_label_dimensions.<key>"));
    assert!(matches!(
        api.app
            .call::<CancelUpload>(&mut admin, &[("upload_id", &id)])
            .await,
        Err(AppError::Invalid(_))
    ));
    // Another organisation sees none of it.
    let mut other = api
        .app
        .organisation_with_admin("Globex", "gil@globex.test")
        .await;
    let theirs = api.app.call::<ListUploads>(&mut other, &[]).await.unwrap();
    assert_eq!(theirs, json!([]));
    for outcome in [
        api.app
            .call::<UploadResults>(&mut other, &[("upload_id", &id)])
            .await,
        api.app
            .call::<UndoUpload>(&mut other, &[("upload_id", &id)])
            .await,
    ] {
        assert!(matches!(outcome, Err(AppError::NotFound)), "{outcome:?}");
    }
    // Without Configure Data Connectors: Forbidden.
    api.app.add_user(api.org_id, "CSM", "csm@acme.test").await;
    let mut csm = api.app.signed_in("csm@acme.test").await;
    assert!(matches!(
        api.app.call::<ListUploads>(&mut csm, &[]).await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        api.app
            .call::<UndoUpload>(&mut csm, &[("upload_id", &id)])
            .await,
        Err(AppError::Forbidden)
    ));
    // The administrator undoes it, audited under their name.
    let report = api
        .app
        .call::<UndoUpload>(&mut admin, &[("upload_id", &id)])
        .await
        .unwrap();
    assert_eq!(report["removed"], 1);
    let audited = audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq("upload_undone"))
        .one(&api.app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert!(
        audited.actor_label.contains("ada@acme.test"),
        "{}",
        audited.actor_label
    );
    assert_eq!(accounts_of(&api, api.org_id).await, 0);
}

/// Random CSV-ish bytes never panic staging, and a file refused as a whole leaves nothing
/// staged and writes nothing (only its history row, status failed, with the reason).
#[test]
fn prop_random_files_never_panic_and_a_refused_file_writes_nothing() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let api = runtime.block_on(Api::new());
    let who = app::upload::ssr::repo::Who {
        user_id: None,
        key_id: None,
        label: "proptest".into(),
    };
    let header = prop_oneof![
        Just(b"account_id,name,join_date\n".to_vec()),
        Just(b"account_id;name;join_date\r\n".to_vec()),
        Just(Vec::new()),
    ];
    let body = prop::collection::vec(
        prop_oneof![
            Just(b','),
            Just(b';'),
            Just(b'"'),
            Just(b'\n'),
            Just(b'\r'),
            Just(b'a'),
            Just(b'1'),
            Just(0u8),
            Just(0xFCu8),
            any::<u8>(),
        ],
        0..200,
    );
    let mut runner = TestRunner::new(Config::with_cases(64));
    runner
        .run(&(header, body), |(mut file, tail)| {
            file.extend_from_slice(&tail);
            runtime.block_on(async {
                let staged = app::upload::ssr::service::stage(
                    &api.app.state.db,
                    api.org_id,
                    app::upload::dto::UploadApi::Accounts,
                    &who,
                    "random.csv",
                    false,
                    &file[..],
                )
                .await
                .expect("staging answers");
                if let app::upload::ssr::service::Staged::Refused { upload_id, refusal } = staged {
                    assert!(!refusal.message.is_empty());
                    for table in ["upload_batches", "upload_failures"] {
                        let select = Query::select()
                            .expr(Expr::col("id").count())
                            .from(table)
                            .and_where(Expr::col("upload_id").eq(upload_id))
                            .to_owned();
                        let row = api.app.state.db.query_one(&select).await.unwrap().unwrap();
                        assert_eq!(row.try_get_by_index::<i64>(0).unwrap(), 0, "{table}");
                    }
                }
                // Staging never writes records: only an apply does.
                assert_eq!(accounts_of(&api, api.org_id).await, 0);
            });
            Ok(())
        })
        .unwrap();
}
