//! Account API v2 through HTTP as a client sees it: authentication, the envelope, bulk
//! upserts with per-record failures, PUT/GET/DELETE, paging, includes, CSM rules, the
//! sub-resource deletes, limits, organisation isolation and API Status.
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use base64::Engine;
use serde_json::{json, Value};

use app::db::entities::api_calls;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::common::{spawn, TestApp};

pub struct Api {
    pub app: TestApp,
    pub key: String,
    pub org_id: i32,
}

pub struct Answer {
    pub status: StatusCode,
    pub json: Value,
}

impl Answer {
    pub fn ok(&self) -> bool {
        self.json["status_is_ok"].as_bool().unwrap_or(false)
    }

    pub fn message(&self) -> &str {
        self.json["message"].as_str().unwrap_or_default()
    }

    pub fn results(&self) -> &Vec<Value> {
        self.json["results"]
            .as_array()
            .unwrap_or_else(|| panic!("no results in {}", self.json))
    }

    pub fn failed(&self) -> &Vec<Value> {
        self.json["failed_results"]
            .as_array()
            .unwrap_or_else(|| panic!("no failed_results in {}", self.json))
    }
}

/// A key for a new organisation called `org` (created with its administrator).
pub async fn key_for(app: &TestApp, org: &str, admin: &str) -> (String, i32) {
    app.organisation_with_admin(org, admin).await;
    let created = app::api_keys::ssr::service::create_from_command_line(
        &app.state.db,
        org,
        "account",
        "Sync",
    )
    .await
    .unwrap();
    (created.api_key, app.org_id_of(admin).await)
}

impl Api {
    pub async fn new() -> Self {
        let app = spawn().await;
        let (key, org_id) = key_for(&app, "Acme", "ada@acme.test").await;
        Self { app, key, org_id }
    }

    pub async fn send(&self, request: Request<Body>) -> Answer {
        let reply = self.app.send(request).await;
        let json = serde_json::from_str(&reply.body)
            .unwrap_or_else(|_| panic!("not JSON ({}): {}", reply.status, reply.body));
        Answer {
            status: reply.status,
            json,
        }
    }

    /// A request authenticated with `?api_key=`.
    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Answer {
        self.call_with_key(&self.key, method, path, body).await
    }

    pub async fn call_with_key(
        &self,
        key: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Answer {
        let sep = if path.contains('?') { '&' } else { '?' };
        let uri = format!("{path}{sep}api_key={key}");
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::CONTENT_TYPE, "application/json")
            .body(body.map(|b| Body::from(b.to_string())).unwrap_or_default())
            .unwrap();
        self.send(request).await
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.call("GET", path, None).await
    }

    pub async fn post(&self, path: &str, records: Value) -> Answer {
        self.call("POST", path, Some(json!({ "records": records })))
            .await
    }
}

pub fn account(id: &str) -> Value {
    json!({"account_id": id, "name": format!("Account {id}"), "join_date": 1_400_000_000_000i64})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_authentication_by_query_or_basic_and_every_refusal() {
    let api = Api::new().await;
    let list = |auth: Option<String>, query: &str| {
        let mut request = Request::get(format!("/api/v2/accounts{query}"));
        if let Some(auth) = auth {
            request = request.header(header::AUTHORIZATION, auth);
        }
        request.body(Body::empty()).unwrap()
    };
    let basic = |user: &str, key: &str| {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{key}"))
        )
    };
    // Missing.
    let answer = api.send(list(None, "")).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert!(
        !answer.ok() && answer.message().contains("Missing API key"),
        "{}",
        answer.json
    );
    // Basic with user api works, trailing slash too (the Ruby gem's `/accounts/?`).
    let answer = api.send(list(Some(basic("api", &api.key)), "/")).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.json);
    assert!(answer.ok());
    // Basic with another user.
    let answer = api.send(list(Some(basic("admin", &api.key)), "")).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert!(
        answer.message().contains("user name 'api'"),
        "{}",
        answer.json
    );
    // Unknown key.
    let answer = api
        .call_with_key("stw_acct_nope", "GET", "/api/v2/accounts", None)
        .await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert!(
        answer.message().contains("not recognised"),
        "{}",
        answer.json
    );
    // An Event API key.
    let event = app::api_keys::ssr::service::create_from_command_line(
        &api.app.state.db,
        "Acme",
        "event",
        "Web",
    )
    .await
    .unwrap();
    let answer = api
        .call_with_key(&event.api_key, "GET", "/api/v2/accounts", None)
        .await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert!(
        answer.message().contains("Event API key"),
        "{}",
        answer.json
    );
    // A revoked key: refused, and the refusal shows in the organisation's API Status.
    let key_row = app::db::entities::api_keys::Entity::find()
        .filter(app::db::entities::api_keys::Column::Kind.eq("account"))
        .one(&api.app.state.db)
        .await
        .unwrap()
        .unwrap();
    let mut active: app::db::entities::api_keys::ActiveModel = key_row.into();
    active.revoked_at = sea_orm::Set(Some(1));
    sea_orm::ActiveModelTrait::update(active, &api.app.state.db)
        .await
        .unwrap();
    let answer = api.get("/api/v2/accounts").await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert!(answer.message().contains("revoked"), "{}", answer.json);
    let calls = calls(&api).await;
    let last = calls.last().unwrap();
    assert_eq!(last.http_status, 401);
    assert_eq!(last.status, "failure");
    assert_eq!(last.key_name.as_deref(), Some("Sync"));
    for call in &calls {
        assert!(
            !call.path.contains(&api.key),
            "key in API Status: {}",
            call.path
        );
        assert!(
            !call.path.contains("stw_"),
            "key in API Status: {}",
            call.path
        );
    }
}

pub async fn calls(api: &Api) -> Vec<api_calls::Model> {
    // API Status is written by a background writer: wait for what is queued.
    api.app.state.api_status.flush().await;
    api_calls::Entity::find()
        .filter(api_calls::Column::OrgId.eq(api.org_id))
        .order_by_asc(api_calls::Column::Id)
        .all(&api.app.state.db)
        .await
        .unwrap()
}

/// Records of one request send different sets of properties (each set is written on its
/// own); a record sent twice is applied in order; a record without the required fields
/// updates a stored account and keeps what it leaves out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_records_of_different_shapes_in_one_request_change_only_what_they_send() {
    let api = Api::new().await;
    let seeded = api
        .post(
            "/api/v2/accounts",
            json!([
                {"account_id": "s1", "name": "One", "join_date": 1, "tier": "Gold", "industry": "Retail",
                 "custom_label_dimensions": [{"key": "plan", "value": "Pro"}]},
                {"account_id": "s2", "name": "Two", "join_date": 2, "current_mrr": 10.5},
            ]),
        )
        .await;
    assert!(seeded.failed().is_empty(), "{}", seeded.json);
    let answer = api
        .post(
            "/api/v2/accounts",
            json!([
                {"account_id": "s1", "tier": "Silver"},
                {"account_id": "s2"},
                {"account_id": "s3", "name": "Three", "join_date": 3, "employees": 7},
                {"account_id": "s4", "tier": "Bronze"},
                {"account_id": "s3", "employees": 8, "region": "EMEA"},
                {"account_id": "s1", "industry": null, "name": "One renamed"},
            ]),
        )
        .await;
    assert_eq!(
        answer
            .failed()
            .iter()
            .map(|f| (
                f["record"].as_u64().unwrap(),
                f["message"].as_str().unwrap().to_owned()
            ))
            .collect::<Vec<_>>(),
        vec![(
            3,
            "Missing/invalid required field(s) for Accounts insert: 'name', 'join_date'".to_owned()
        )]
    );
    let one = api.get("/api/v2/accounts/s1").await.results()[0].clone();
    assert_eq!(one["name"], "One renamed");
    assert_eq!(one["join_date"], 1);
    assert_eq!(one["tier"], "Silver");
    assert!(one["industry"].is_null());
    assert_eq!(
        one["custom_label_dimensions"],
        json!([{"key": "plan", "value": "Pro"}])
    );
    let two = api.get("/api/v2/accounts/s2").await.results()[0].clone();
    assert_eq!(
        (two["name"].as_str(), two["join_date"].as_i64()),
        (Some("Two"), Some(2))
    );
    assert_eq!(two["current_mrr"], 10.5);
    let three = api.get("/api/v2/accounts/s3").await.results()[0].clone();
    assert_eq!(three["employees"], 8);
    assert_eq!(three["region"], "EMEA");
    assert_eq!(three["name"], "Three");
    assert_eq!(
        api.get("/api/v2/accounts/s4").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_bulk_upsert_reports_failed_records_with_natero_messages_and_stores_the_rest() {
    let api = Api::new().await;
    let answer = api
        .post(
            "/api/v2/accounts",
            json!([
                account("a1"),
                {"account_id": "a2", "name": "No date"},
                {"account_id": "a3", "name": "Bad date", "join_date": "2020-01-01"},
                {"account_id": "a4", "name": "Typo", "join_date": 1, "nmae": "x"},
                {"name": "No id", "join_date": 1},
                {"account_id": "a6", "name": "Six", "join_date": 1.4e12, "tier": "Gold",
                 "custom_label_dimensions": [{"key": "plan", "value": "Pro"}],
                 "custom_value_dimensions": [{"key": "seats", "value": 12}],
                 "custom_event_dimensions": [{"key": "trial_end", "value": 1_500_000_000_000i64}],
                 "stage_history": [{"name": "Onboarding", "start_date": 1, "end_date": 2}],
                 "nps_history": [{"nps_score": 9, "date": 5, "username": "u", "survey_name": "Q1", "comments": "ok"}],
                 "documents": [{"name": "Contract", "url": "https://x.test/c.pdf", "description": "signed"}],
                 "id": 999, "is_active": false, "current_health_score": 3},
                {"account_id": "a7", "name": "Bad dim", "join_date": 1,
                 "custom_value_dimensions": [{"key": "seats", "value": "many"}]},
            ]),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer.ok(), "{}", answer.json);
    let failed = answer.failed();
    let by_record: Vec<(u64, &str)> = failed
        .iter()
        .map(|f| {
            (
                f["record"].as_u64().unwrap(),
                f["message"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        by_record,
        vec![
            (
                1,
                "Missing/invalid required field(s) for Accounts insert: 'join_date'"
            ),
            (
                2,
                "Invalid type for property: join_date (expecting timestamp)"
            ),
            (3, "Unknown property: 'nmae'"),
            (
                4,
                "Missing/invalid required field(s) for Accounts insert: 'account_id'"
            ),
            (
                6,
                "Invalid type for property: custom_value_dimensions['seats'] (expecting number)"
            ),
        ]
    );
    assert_eq!(failed[0]["account_id"], "a2");
    assert!(failed[3]["account_id"].is_null());
    // Nothing of a failed record was stored.
    for id in ["a2", "a3", "a4", "a7"] {
        let answer = api.get(&format!("/api/v2/accounts/{id}")).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{id}");
        assert_eq!(answer.message(), "Account not found");
    }
    let six = api.get("/api/v2/accounts/a6").await;
    assert_eq!(six.status, StatusCode::OK);
    let six = &six.results()[0];
    assert_eq!(six["join_date"], 1_400_000_000_000i64);
    assert_eq!(six["tier"], "Gold");
    assert_eq!(six["is_active"], true);
    assert_ne!(six["id"], 999);
    assert_eq!(
        six["custom_label_dimensions"],
        json!([{"key": "plan", "value": "Pro"}])
    );
    assert_eq!(
        six["custom_value_dimensions"],
        json!([{"key": "seats", "value": 12.0}])
    );
    assert_eq!(
        six["custom_event_dimensions"],
        json!([{"key": "trial_end", "value": 1_500_000_000_000i64}])
    );
    assert_eq!(
        six["stage_history"],
        json!([{"name": "Onboarding", "start_date": 1, "end_date": 2}])
    );
    assert_eq!(six["nps_history"][0]["survey_name"], "Q1");
    assert_eq!(six["documents"][0]["name"], "Contract");
    assert_eq!(six["is_leaf"], true);

    // Absent = unchanged, null = cleared; upsert reactivates.
    api.call("DELETE", "/api/v2/accounts/a6", None).await;
    let answer = api
        .post(
            "/api/v2/accounts",
            json!([{"account_id": "a6", "tier": null, "industry": "Retail"}]),
        )
        .await;
    assert!(answer.failed().is_empty(), "{}", answer.json);
    let six = api.get("/api/v2/accounts/a6").await.results()[0].clone();
    assert!(six["tier"].is_null());
    assert_eq!(six["industry"], "Retail");
    assert_eq!(six["name"], "Account a6".replace("Account a6", "Six"));
    assert_eq!(six["is_active"], true);
    // A required field cleared on update fails.
    let answer = api
        .post(
            "/api/v2/accounts",
            json!([{"account_id": "a6", "name": null}]),
        )
        .await;
    assert_eq!(
        answer.failed()[0]["message"],
        "Missing/invalid required field(s) for Accounts update: 'name'"
    );

    // The API Status row: Partial, 7 received, 5 failed, failures kept.
    let calls = calls(&api).await;
    let first = calls
        .iter()
        .find(|c| c.method == "POST")
        .expect("the bulk call");
    assert_eq!(first.status, "partial");
    assert_eq!((first.records_received, first.records_failed), (7, 5));
    assert_eq!(first.endpoint, "/api/v2/accounts");
    assert!(first
        .failures
        .as_deref()
        .unwrap()
        .contains("Unknown property"));
    assert_eq!(first.path, "/api/v2/accounts?api_key=[redacted]");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_first_level_validation_answers_200_with_status_false() {
    let api = Api::new().await;
    let raw = |body: &str| {
        Request::post(format!("/api/v2/accounts?api_key={}", api.key))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_owned()))
            .unwrap()
    };
    for (body, expected) in [
        ("{not json", "not valid JSON"),
        ("", "empty"),
        ("[1,2]", "\"records\" array"),
        ("{\"data\": []}", "no \"records\" array"),
        ("{\"records\": 5}", "must be an array of objects"),
        ("{\"records\": [{}, 3]}", "records[1] is a number"),
    ] {
        let answer = api.send(raw(body)).await;
        assert_eq!(answer.status, StatusCode::OK, "{body}");
        assert!(!answer.ok(), "{body}");
        assert!(
            answer.message().contains(expected),
            "{body}: {}",
            answer.json
        );
    }
    let many: Vec<Value> = (0..10_001)
        .map(|i| json!({"account_id": i.to_string()}))
        .collect();
    let answer = api.post("/api/v2/accounts", Value::Array(many)).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(!answer.ok());
    assert!(
        answer.message().contains("at most 10000"),
        "{}",
        answer.json
    );
    // Over 10 MB: 413 in the envelope; unknown encoding 415.
    let big = format!(
        "{{\"records\":[{{\"account_id\":\"{}\"}}]}}",
        "x".repeat(10 * 1024 * 1024)
    );
    let answer = api.send(raw(&big)).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(!answer.ok() && answer.message().contains("10 MB"));
    let answer = api
        .send(
            Request::post(format!("/api/v2/accounts?api_key={}", api.key))
                .header(header::CONTENT_ENCODING, "br")
                .body(Body::from("{}"))
                .unwrap(),
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // Nothing was stored by any of these.
    let list = api.get("/api/v2/accounts").await;
    assert!(list.results().is_empty());
    // The refusals are Failures in API Status.
    let calls = calls(&api).await;
    let posts: Vec<_> = calls.iter().filter(|c| c.method == "POST").collect();
    assert_eq!(posts.len(), 9);
    assert!(posts.iter().all(|c| c.status == "failure"), "{posts:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_put_get_delete_one_account_and_case_sensitive_encoded_ids() {
    let api = Api::new().await;
    api.post(
        "/api/v2/accounts",
        json!([account("Acme/EU 1"), account("acme/eu 1"), account("12345")]),
    )
    .await;
    // Percent-encoded ids are decoded; ids are case-sensitive.
    let upper = api.get("/api/v2/accounts/Acme%2FEU%201").await;
    assert_eq!(upper.status, StatusCode::OK, "{}", upper.json);
    assert_eq!(upper.results()[0]["account_id"], "Acme/EU 1");
    let lower = api.get("/api/v2/accounts/acme%2Feu%201/").await;
    assert_eq!(lower.results()[0]["account_id"], "acme/eu 1");
    assert_ne!(upper.results()[0]["id"], lower.results()[0]["id"]);
    assert_eq!(
        api.get("/api/v2/accounts/12345.0").await.status,
        StatusCode::NOT_FOUND
    );
    // PUT with the data wrapper and bare.
    let answer = api
        .call(
            "PUT",
            "/api/v2/accounts/12345",
            Some(json!({"data": {"tier": "Gold", "current_mrr": 99.5}})),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.json);
    assert_eq!(answer.results()[0]["tier"], "Gold");
    let answer = api
        .call(
            "PUT",
            "/api/v2/accounts/12345/",
            Some(json!({"industry": "Retail"})),
        )
        .await;
    assert_eq!(answer.results()[0]["industry"], "Retail");
    assert_eq!(answer.results()[0]["tier"], "Gold");
    // PUT errors.
    let answer = api
        .call(
            "PUT",
            "/api/v2/accounts/nope",
            Some(json!({"data": {"tier": "x"}})),
        )
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(answer.message(), "Account not found");
    let answer = api
        .call(
            "PUT",
            "/api/v2/accounts/12345",
            Some(json!({"data": {"join_date": "soon"}})),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(!answer.ok());
    assert_eq!(
        answer.message(),
        "Invalid type for property: join_date (expecting timestamp)"
    );
    let answer = api
        .call(
            "PUT",
            "/api/v2/accounts/12345",
            Some(json!({"account_id": "other"})),
        )
        .await;
    assert!(!answer.ok() && answer.message().contains("differs"));
    // DELETE deactivates: hidden from the list unless include_inactive.
    let answer = api.call("DELETE", "/api/v2/accounts/12345", None).await;
    assert!(answer.ok(), "{}", answer.json);
    assert_eq!(api.get("/api/v2/accounts").await.results().len(), 2);
    for yes in ["true", "1", "7", "TRUE"] {
        let all = api
            .get(&format!("/api/v2/accounts?include_inactive={yes}"))
            .await;
        assert_eq!(all.results().len(), 3, "{yes}");
    }
    for no in ["false", "0", "maybe"] {
        let all = api
            .get(&format!("/api/v2/accounts?include_inactive={no}"))
            .await;
        assert_eq!(all.results().len(), 2, "{no}");
    }
    let one = api.get("/api/v2/accounts/12345").await;
    assert_eq!(one.results()[0]["is_active"], false);
    assert_eq!(
        api.call("DELETE", "/api/v2/accounts/nope", None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Unknown endpoints answer a JSON 404.
    let answer = api.get("/api/v2/nothing").await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert!(!answer.ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_lists_page_by_1000_in_a_stable_order_and_echo_sort_parameters() {
    let api = Api::new().await;
    let records: Vec<Value> = (0..2500)
        .map(|i| {
            json!({"account_id": format!("acc-{i:05}"), "name": format!("N{}", i % 7),
                   "join_date": 1_000 + i})
        })
        .collect();
    let answer = api.post("/api/v2/accounts", Value::Array(records)).await;
    assert!(answer.failed().is_empty(), "{}", answer.json);
    let mut seen = Vec::new();
    for page in 0.. {
        let answer = api
            .get(&format!(
                "/api/v2/accounts?page={page}&order_by=name&direction=desc"
            ))
            .await;
        assert_eq!(answer.json["current_page"], page);
        assert_eq!(answer.json["max_page_size"], 1000);
        assert_eq!(answer.json["order_by"], "name");
        assert_eq!(answer.json["direction"], "desc");
        let results = answer.results().clone();
        seen.extend(results.iter().map(|r| {
            (
                r["name"].as_str().unwrap().to_owned(),
                r["id"].as_i64().unwrap(),
            )
        }));
        if results.len() < 1000 {
            break;
        }
    }
    assert_eq!(seen.len(), 2500);
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, sorted, "name desc, then id desc");
    let answer = api.get("/api/v2/accounts?order_by=secret").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(!answer.ok());
    assert!(answer
        .message()
        .starts_with("Unknown order_by 'secret'; use one of"));
    assert!(!api.get("/api/v2/accounts?direction=up").await.ok());
    assert!(!api.get("/api/v2/accounts?page=-1").await.ok());
    assert!(!api.get("/api/v2/accounts?include=everything").await.ok());
    // Without include, no extras; with include, just those asked.
    let plain = api.get("/api/v2/accounts?order_by=account_id").await;
    assert!(plain.results()[0].get("assigned_csms").is_none());
    let with = api
        .get("/api/v2/accounts?include=assigned_csms,custom_label_dimensions")
        .await;
    assert_eq!(with.results()[0]["assigned_csms"], json!([]));
    assert_eq!(with.results()[0]["custom_label_dimensions"], json!([]));
    assert!(with.results()[0].get("custom_value_dimensions").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_assigned_csms_need_an_active_csm_seat_and_manual_assignments_win() {
    let api = Api::new().await;
    let app = &api.app;
    let csm = app.add_user(api.org_id, "CSM", "carla@acme.test").await;
    app.add_user(api.org_id, "Analyst", "anna@acme.test").await;
    let other = app.add_user(api.org_id, "CSM", "colin@acme.test").await;
    let mut record = account("a1");
    record["assigned_csms"] = json!([{"email": "Carla@acme.test"}]);
    let mut bad = account("a2");
    bad["assigned_csms"] = json!([{"email": "anna@acme.test"}]);
    let mut unknown = account("a3");
    unknown["assigned_csms"] = json!([{"email": "nobody@acme.test"}]);
    let answer = api
        .post("/api/v2/accounts", json!([record, bad, unknown]))
        .await;
    let failed = answer.failed();
    assert_eq!(failed.len(), 2, "{}", answer.json);
    assert_eq!(
        failed[0]["message"],
        "Unknown CSM: 'anna@acme.test' is not an active Steward user with a CSM seat"
    );
    let one = api.get("/api/v2/accounts/a1").await;
    assert_eq!(
        one.results()[0]["assigned_csms"],
        json!([{"email": "carla@acme.test", "source": "api"}])
    );
    // A manual assignment of Colin and the API sending only Carla: Colin stays (manual wins).
    let pk = one.results()[0]["id"].as_i64().unwrap() as i32;
    use sea_orm::{ActiveModelTrait, Set};
    app::db::entities::csm_assignments::ActiveModel {
        org_id: Set(api.org_id),
        account_pk: Set(pk),
        user_id: Set(other.id),
        source: Set("manual".into()),
        is_assigned: Set(true),
        changed_by: Set(None),
        changed_at: Set(1),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .unwrap();
    let mut again = json!({"account_id": "a1", "assigned_csms": [{"email": "colin@acme.test"}]});
    let answer = api.post("/api/v2/accounts", json!([again.clone()])).await;
    assert!(answer.failed().is_empty(), "{}", answer.json);
    let csms = &api.get("/api/v2/accounts/a1").await.results()[0]["assigned_csms"].clone();
    assert_eq!(
        csms,
        &json!([{"email": "colin@acme.test", "source": "manual"}])
    );
    // Deleting: a manual one is refused, an API one removed, a missing one 404.
    let answer = api
        .call(
            "DELETE",
            "/api/v2/accounts/a1/assigned_csms/colin%40acme.test",
            None,
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(!answer.ok());
    assert!(answer
        .message()
        .contains("assigned by hand in Steward; unassign it there"));
    again["assigned_csms"] = json!([{"email": "carla@acme.test"}, {"email": "colin@acme.test"}]);
    api.post("/api/v2/accounts", json!([again])).await;
    let answer = api
        .call(
            "DELETE",
            "/api/v2/accounts/a1/assigned_csms/carla@acme.test",
            None,
        )
        .await;
    assert!(answer.ok(), "{}", answer.json);
    let answer = api
        .call(
            "DELETE",
            "/api/v2/accounts/a1/assigned_csms/carla@acme.test",
            None,
        )
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    let _ = csm;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_sub_resource_deletes() {
    let api = Api::new().await;
    let mut record = account("a1");
    record["stage_history"] =
        json!([{"name": "Trial", "start_date": 10}, {"name": "Paid", "start_date": 20}]);
    record["nps_history"] = json!([{"nps_score": 7, "date": 30}]);
    record["custom_label_dimensions"] = json!([{"key": "plan", "value": "Pro"}]);
    record["custom_value_dimensions"] = json!([{"key": "seats", "value": 3}]);
    record["custom_event_dimensions"] = json!([{"key": "renewal", "value": 40}]);
    assert!(api
        .post("/api/v2/accounts", json!([record]))
        .await
        .failed()
        .is_empty());
    for path in [
        "/api/v2/accounts/a1/stage_history/Trial/10",
        "/api/v2/accounts/a1/nps_history/30/",
        "/api/v2/accounts/a1/dimension_labels/plan",
        "/api/v2/accounts/a1/dimension_values/seats",
        "/api/v2/accounts/a1/dimension_events/renewal",
    ] {
        let answer = api.call("DELETE", path, None).await;
        assert!(answer.ok(), "{path}: {}", answer.json);
        let again = api.call("DELETE", path, None).await;
        assert_eq!(again.status, StatusCode::NOT_FOUND, "{path}");
    }
    let one = api.get("/api/v2/accounts/a1").await.results()[0].clone();
    assert_eq!(
        one["stage_history"],
        json!([{"name": "Paid", "start_date": 20, "end_date": null}])
    );
    assert_eq!(one["nps_history"], json!([]));
    assert_eq!(one["custom_label_dimensions"], json!([]));
    let answer = api
        .call("DELETE", "/api/v2/accounts/zz/stage_history/Trial/10", None)
        .await;
    assert_eq!(
        (answer.status, answer.message()),
        (StatusCode::NOT_FOUND, "Account not found")
    );
    let answer = api
        .call("DELETE", "/api/v2/accounts/a1/nps_history/soon", None)
        .await;
    assert!(!answer.ok() && answer.message().contains("epoch milliseconds"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_one_organisations_key_never_reads_or_writes_another_organisations_data() {
    let api = Api::new().await;
    let (other_key, _) = key_for(&api.app, "Globex", "gil@globex.test").await;
    api.post(
        "/api/v2/accounts",
        json!([account("shared"), account("acme-only")]),
    )
    .await;
    api.post(
        "/api/v2/account_users",
        json!([{"user_id": "u1", "account_id": "shared"}]),
    )
    .await;
    // Globex sees none of it.
    let theirs = api
        .call_with_key(&other_key, "GET", "/api/v2/accounts", None)
        .await;
    assert!(theirs.results().is_empty());
    for path in [
        "/api/v2/accounts/shared",
        "/api/v2/account_users/u1",
        "/api/v2/accounts/shared/users",
    ] {
        let answer = api.call_with_key(&other_key, "GET", path, None).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}");
    }
    // Globex's users cannot attach to Acme's account, nor change or deactivate it.
    let answer = api
        .call_with_key(
            &other_key,
            "POST",
            "/api/v2/account_users",
            Some(json!({"records": [{"user_id": "u2", "account_id": "shared"}]})),
        )
        .await;
    assert_eq!(answer.failed()[0]["message"], "Account not found");
    let answer = api
        .call_with_key(
            &other_key,
            "PUT",
            "/api/v2/accounts/shared",
            Some(json!({"tier": "X"})),
        )
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    let answer = api
        .call_with_key(&other_key, "DELETE", "/api/v2/accounts/shared", None)
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    // The same account_id in Globex is a separate account.
    let answer = api
        .call_with_key(
            &other_key,
            "POST",
            "/api/v2/accounts",
            Some(
                json!({"records": [{"account_id": "shared", "name": "Globex's", "join_date": 1}]}),
            ),
        )
        .await;
    assert!(answer.failed().is_empty());
    let ours = api.get("/api/v2/accounts/shared").await;
    assert_eq!(ours.results()[0]["name"], "Account shared");
    assert!(ours.results()[0]["tier"].is_null());
    assert_eq!(ours.results()[0]["is_active"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_api_status_is_readable_with_the_account_key_and_only_for_its_organisation() {
    let api = Api::new().await;
    let mut bad = account("b1");
    bad.as_object_mut().unwrap().remove("join_date");
    let answer = api
        .post("/api/v2/accounts", json!([account("a1"), bad]))
        .await;
    assert_eq!(answer.failed().len(), 1);

    let answer = api.get("/api/v2/api_status").await;
    assert!(answer.ok(), "{}", answer.json);
    let newest = &answer.results()[0];
    assert_eq!(newest["method"], "POST");
    assert_eq!(newest["status"], "Partial");
    assert_eq!(newest["records_received"], 2);
    assert_eq!(newest["failed_results"][0]["record"], 1);
    assert!(newest["failed_results"][0]["message"]
        .as_str()
        .unwrap()
        .contains("join_date"));
    assert!(
        !answer.json.to_string().contains(&api.key),
        "a key in API Status"
    );

    let partial = api
        .get("/api/v2/api_status?status=partial&api=account")
        .await;
    assert_eq!(partial.results().len(), 1);
    let refused = api.get("/api/v2/api_status?status=sideways").await;
    assert!(!refused.ok() && refused.message().contains("success, partial or failure"));

    // Another organisation's key sees none of these calls.
    let (other_key, _) = key_for(&api.app, "Globex", "gil@globex.test").await;
    let theirs = api
        .call_with_key(&other_key, "GET", "/api/v2/api_status", None)
        .await;
    assert!(theirs.ok());
    assert!(theirs.results().is_empty(), "{}", theirs.json);
}
