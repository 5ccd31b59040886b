//! API documentation: the OpenAPI document parses, describes every endpoint, every route
//! the Account API router declares, and its auth schemes; every documented endpoint is
//! routed; the curl examples of the API page work against a running Steward; the page.
use std::collections::BTreeSet;

use app::api_docs::endpoints::{path_parameters, ENDPOINTS};
use app::api_docs::examples::{curl_examples, ACCOUNT_KEY_VAR, EVENT_API_VAR, EVENT_AUTH_VAR};
use app::api_keys::api::CreateApiKey;
use axum::body::Body;
use axum::http::{header, Request};

use crate::common::{spawn, spawn_with, Browser, TestApp};

async fn openapi(app: &TestApp) -> serde_json::Value {
    let reply = app
        .send(
            Request::get("/api/openapi.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(reply.status, 200);
    assert!(reply.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    // It is a valid OpenAPI document by utoipa's own model.
    let _: utoipa::openapi::OpenApi =
        serde_json::from_str(&reply.body).expect("the document parses as OpenAPI");
    serde_json::from_str(&reply.body).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_openapi_document_describes_every_endpoint_auth_and_limits() {
    let app = spawn_with(&[("STEWARD_PUBLIC_URL", "https://steward.example.com/")]).await;
    let doc = openapi(&app).await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert_eq!(doc["servers"][0]["url"], "https://steward.example.com");
    for endpoint in ENDPOINTS {
        let operation = &doc["paths"][endpoint.path][endpoint.method.to_ascii_lowercase()];
        assert!(
            operation.is_object(),
            "{} {} is documented",
            endpoint.method,
            endpoint.path
        );
        assert!(operation["responses"]["200"].is_object());
        for name in path_parameters(endpoint.path) {
            let parameters = operation["parameters"].as_array().unwrap();
            assert!(
                parameters
                    .iter()
                    .any(|p| p["name"] == name && p["in"] == "path"),
                "{} {} documents its {name}",
                endpoint.method,
                endpoint.path
            );
        }
    }
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["api_key"]["type"], "apiKey");
    assert_eq!(schemes["api_key"]["in"], "query");
    assert_eq!(schemes["api_key"]["name"], "api_key");
    assert_eq!(schemes["basic"]["type"], "http");
    assert_eq!(schemes["basic"]["scheme"], "basic");
    let schemas = &doc["components"]["schemas"];
    for name in [
        "Account",
        "AccountUser",
        "AccountContact",
        "CustomMetric",
        "Interaction",
        "Event",
        "Error",
        "BulkResult",
        "EventResult",
    ] {
        assert!(schemas[name].is_object(), "schema {name}");
    }
    assert_eq!(
        schemas["Account"]["required"],
        serde_json::json!(["account_id"])
    );
    let description = doc["info"]["description"].as_str().unwrap();
    assert!(description.contains("10 MB") && description.contains("10000 records"));
    // The Event API carries its keys in the path, not in the Account API's schemes.
    assert_eq!(
        doc["paths"]["/v1/{authKey}/{apiKey}"]["post"]["security"],
        serde_json::json!([])
    );
}

/// The (method, path) pairs the Account API's router declares, read from its source: each
/// path literal of the route table, with the methods chained after it (`get(…)`,
/// `.post(…)`, `routing::delete(…)`), and any `.route("…", …)` literal. None before the
/// Account API exists on this branch.
fn account_api_routes() -> Option<BTreeSet<(String, String)>> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../app/src");
    if !root.join("account_api").is_dir() {
        return None;
    }
    let text = std::fs::read_to_string(root.join("account_api.rs")).ok()?;
    let body = &text[text.find("pub fn router()")?..];
    let mut routes = BTreeSet::new();
    // The table ends where the router is assembled.
    let body = body.split("Router::new()").next().unwrap_or(body);
    for piece in body.split("\"/").skip(1) {
        let Some((literal, rest)) = piece.split_once('"') else {
            continue;
        };
        let path = format!("/{literal}");
        if path.starts_with("/api/v2") || path.contains('*') {
            continue; // the catch-alls answering "Unknown endpoint"
        }
        let path = format!("/api/v2{}", path.trim_end_matches('/'));
        for (call, method) in [
            ("get(", "GET"),
            ("post(", "POST"),
            ("put(", "PUT"),
            ("delete(", "DELETE"),
        ] {
            let chained = rest
                .match_indices(call)
                .any(|(at, _)| at == 0 || !rest.as_bytes()[at - 1].is_ascii_alphanumeric());
            if chained {
                routes.insert((method.to_owned(), path.clone()));
            }
        }
    }
    Some(routes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_every_account_api_route_is_documented() {
    let Some(routes) = account_api_routes() else {
        eprintln!("skipped: the Account API is not on this branch yet");
        return;
    };
    assert!(routes.len() > 20, "the route table was read: {routes:?}");
    let documented: BTreeSet<(String, String)> = ENDPOINTS
        .iter()
        .map(|e| (e.method.to_owned(), e.path.to_owned()))
        .collect();
    let missing: Vec<&(String, String)> = routes.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "routes of the Account API missing from the OpenAPI document: {missing:?}"
    );
}

async fn keys(app: &TestApp, admin: &mut Browser) -> (String, String, String) {
    let account = app
        .call::<CreateApiKey>(admin, &[("kind", "account"), ("name", "Docs")])
        .await
        .unwrap();
    let event = app
        .call::<CreateApiKey>(admin, &[("kind", "event"), ("name", "Docs")])
        .await
        .unwrap();
    (
        account["api_key"].as_str().unwrap().to_owned(),
        event["auth_key"].as_str().unwrap().to_owned(),
        event["api_key"].as_str().unwrap().to_owned(),
    )
}

async fn apis_present(app: &TestApp) -> bool {
    let reply = app
        .send(
            Request::get("/api/v2/accounts")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    reply
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_every_documented_endpoint_is_routed() {
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    if !apis_present(&app).await {
        eprintln!("skipped: the Account and Event APIs are not wired in on this branch yet");
        return;
    }
    let (account, auth, api) = keys(&app, &mut admin).await;
    for endpoint in ENDPOINTS {
        let mut path = endpoint.path.to_owned();
        for name in path_parameters(endpoint.path) {
            let value = match name {
                "authKey" => auth.clone(),
                "apiKey" => api.clone(),
                "timestamp" => "1735689600000".to_owned(),
                "email" => "nobody%40example.com".to_owned(),
                _ => "doc-probe".to_owned(),
            };
            path = path.replace(&format!("{{{name}}}"), &value);
        }
        let separator = if path.contains('?') { '&' } else { '?' };
        let uri = if endpoint.path.starts_with("/v1/") {
            path
        } else {
            format!("{path}{separator}api_key={account}")
        };
        let body = match endpoint.method {
            "POST" if endpoint.path.starts_with("/v1/") => "\n".to_owned(),
            "POST" => r#"{"records":[]}"#.to_owned(),
            "PUT" => r#"{"data":{}}"#.to_owned(),
            _ => String::new(),
        };
        let reply = app
            .send(
                Request::builder()
                    .method(endpoint.method)
                    .uri(&uri)
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await;
        let json: serde_json::Value = serde_json::from_str(&reply.body).unwrap_or_else(|_| {
            panic!(
                "{} {} is not routed (HTTP {}): {}",
                endpoint.method, endpoint.path, reply.status, reply.body
            )
        });
        assert!(
            json.get("status_is_ok").is_some(),
            "{} {} answers the envelope: {json}",
            endpoint.method,
            endpoint.path
        );
        assert_ne!(reply.status, 405, "{} {}", endpoint.method, endpoint.path);
        assert_ne!(reply.status, 401, "{} {}", endpoint.method, endpoint.path);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_curl_examples_work_against_a_running_steward() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = spawn_with(&[("STEWARD_PUBLIC_URL", &base)]).await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    if !apis_present(&app).await {
        eprintln!("skipped: the Account and Event APIs are not wired in on this branch yet");
        return;
    }
    let (account, auth, api) = keys(&app, &mut admin).await;
    let router = app.router.clone();
    tokio::spawn(async move { axum::serve(listener, router).await });

    // The page shows exactly these examples, written for this server's public URL.
    let info = app
        .call::<app::api_docs::api::DescribeApi>(&mut admin, &[])
        .await
        .unwrap();
    let shown: Vec<String> = info["examples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["command"].as_str().unwrap().to_owned())
        .collect();
    let examples = curl_examples(&base);
    assert_eq!(
        shown,
        examples
            .iter()
            .map(|e| e.command.clone())
            .collect::<Vec<_>>()
    );
    for example in examples {
        assert!(example.command.contains(&base));
        let output = tokio::process::Command::new("bash")
            .arg("-c")
            .arg(&example.command)
            .env(ACCOUNT_KEY_VAR, &account)
            .env(EVENT_AUTH_VAR, &auth)
            .env(EVENT_API_VAR, &api)
            .output()
            .await
            .expect("run bash");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "example {} failed ({}): {stdout} {}",
            example.id,
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        let json: serde_json::Value = serde_json::from_str(&stdout)
            .unwrap_or_else(|_| panic!("example {} answered {stdout}", example.id));
        assert_eq!(json["status_is_ok"], true, "example {}: {json}", example.id);
        if let Some(failed) = json["failed_results"].as_array() {
            assert!(failed.is_empty(), "example {}: {json}", example.id);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_api_page_shows_this_servers_addresses_and_needs_configure_data_connectors() {
    let app = spawn_with(&[("STEWARD_PUBLIC_URL", "https://steward.example.com")]).await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let page = app.get(&mut admin, "/settings/it/api").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("https://steward.example.com/api/v2"));
    assert!(page
        .body
        .contains("https://steward.example.com/api/openapi.json"));
    assert!(page.body.contains("curl --fail-with-body"));
    assert!(page.body.contains("Content-Encoding: gzip"));

    let org_id = app.org_id_of("ada@acme.test").await;
    app.add_user(org_id, "CSM", "carl@acme.test").await;
    let mut csm = app.signed_in("carl@acme.test").await;
    assert_eq!(
        app.call::<app::api_docs::api::DescribeApi>(&mut csm, &[])
            .await,
        Err(app::error::AppError::Forbidden)
    );
}

/// The `type` of a schema as a list (`"string"` or `["string", "null"]`).
fn types_of(schema: &serde_json::Value) -> Vec<String> {
    match &schema["type"] {
        serde_json::Value::String(one) => vec![one.clone()],
        serde_json::Value::Array(many) => many
            .iter()
            .map(|t| t.as_str().unwrap().to_owned())
            .collect(),
        _ => vec![],
    }
}

/// Each untruth the conformance probe found, fixed: the document describes what the API
/// answers (Natero's refusal envelope included), and the answers bear it out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_openapi_document_describes_what_the_api_answers() {
    let app = spawn().await;
    let mut admin = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let (account, auth, api) = keys(&app, &mut admin).await;
    let doc = openapi(&app).await;
    let schemas = &doc["components"]["schemas"];
    let call = |method: &str, uri: String, body: &str| {
        Request::builder()
            .method(method)
            .uri(uri)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_owned()))
            .unwrap()
    };

    // Account.id is Steward's integer id, and the API answers an integer.
    assert_eq!(
        types_of(&schemas["Account"]["properties"]["id"]),
        ["integer", "null"]
    );
    let stored = app
        .send(call(
            "POST",
            format!("/api/v2/accounts?api_key={account}"),
            r#"{"records":[{"account_id":"a1","name":"A","join_date":1700000000000},{"name":"no id"}]}"#,
        ))
        .await;
    let stored: serde_json::Value = serde_json::from_str(&stored.body).unwrap();
    // FailedResult.account_id is null for a record without one, as documented.
    assert_eq!(
        stored["failed_results"][0]["account_id"],
        serde_json::Value::Null
    );
    assert!(
        types_of(&schemas["FailedResult"]["properties"]["account_id"]).contains(&"null".to_owned())
    );
    let one = app
        .send(call(
            "GET",
            format!("/api/v2/accounts/a1?api_key={account}"),
            "",
        ))
        .await;
    let one: serde_json::Value = serde_json::from_str(&one.body).unwrap();
    assert!(one["results"][0]["id"].is_i64(), "{one}");

    // ApiCall.message is null for a call that did not fail, as documented.
    assert!(types_of(&schemas["ApiCall"]["properties"]["message"]).contains(&"null".to_owned()));
    let calls = app
        .send(call(
            "GET",
            format!("/api/v2/api_status?api_key={account}"),
            "",
        ))
        .await;
    let calls: serde_json::Value = serde_json::from_str(&calls.body).unwrap();
    assert!(calls["results"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["message"].is_null()));

    // The 200 answers describe Natero's refusal envelope beside the result.
    let list = &doc["paths"]["/api/v2/accounts"]["get"]["responses"]["200"]["content"]
        ["application/json"]["schema"];
    let choices: Vec<&serde_json::Value> = list["oneOf"].as_array().unwrap().iter().collect();
    assert!(choices
        .iter()
        .any(|c| c["$ref"] == "#/components/schemas/Error"));
    assert_eq!(
        schemas["Error"]["properties"]["status_is_ok"]["enum"],
        serde_json::json!([false])
    );
    let refused = app
        .send(call(
            "GET",
            format!("/api/v2/accounts?order_by=nope&api_key={account}"),
            "",
        ))
        .await;
    assert_eq!(refused.status, 200);
    let refused: serde_json::Value = serde_json::from_str(&refused.body).unwrap();
    assert_eq!(refused["status_is_ok"], false);
    assert!(refused["message"].is_string());

    // The Event schema marks what a line needs; the 400 is described as it is answered.
    let event = "/v1/{authKey}/{apiKey}";
    let mut required: Vec<&str> = schemas["Event"]["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    required.sort();
    assert_eq!(required, ["account_id", "action", "created_at", "user_id"]);
    let bad_request = &doc["paths"][event]["post"]["responses"]["400"]["content"]
        ["application/json"]["schema"]["$ref"];
    assert_eq!(bad_request, "#/components/schemas/EventRefusal");
    let refusal = &schemas["EventRefusal"];
    let array = app
        .send(call("POST", format!("/v1/{auth}/{api}"), "[]"))
        .await;
    assert_eq!(array.status, 400);
    let array: serde_json::Value = serde_json::from_str(&array.body).unwrap();
    for field in refusal["required"].as_array().unwrap() {
        assert!(
            array.get(field.as_str().unwrap()).is_some(),
            "{field} in {array}"
        );
    }

    // A large body beyond the budget: 503 with Retry-After, documented where bodies go.
    for (path, method) in [("/api/v2/accounts", "post"), (event, "post")] {
        let busy = &doc["paths"][path][method]["responses"]["503"];
        assert!(busy["headers"]["Retry-After"].is_object(), "{path}: {busy}");
    }

    // A method the path does not take: 405 with Allow, not 404.
    let trace = app
        .send(call(
            "TRACE",
            format!("/api/v2/accounts?api_key={account}"),
            "",
        ))
        .await;
    assert_eq!(trace.status, 405);
    let allow = trace.headers[header::ALLOW].to_str().unwrap();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
}
