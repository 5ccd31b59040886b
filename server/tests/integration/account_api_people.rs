//! Account API v2: product users and contacts, each account's lists, custom metrics,
//! interactions, and the empty statement/subscription/ticket lists.
use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::account_api::{account, Api};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_account_users_and_contacts_upsert_read_modify_deactivate() {
    let api = Api::new().await;
    api.post("/api/v2/accounts", json!([account("a1"), account("a2")]))
        .await;
    for (base, extra) in [
        (
            "/api/v2/account_users",
            json!({"product_join_date": 5, "mobile_phone": "1"}),
        ),
        (
            "/api/v2/account_contacts",
            json!({"is_primary": true, "email_opt_out": false}),
        ),
    ] {
        let mut u1 = json!({"user_id": "u1", "account_id": "a1", "email": "u1@c.test",
                            "custom_label_dimensions": [{"key": "team", "value": "Ops"}]});
        for (k, v) in extra.as_object().unwrap() {
            u1[k] = v.clone();
        }
        let answer = api
            .post(
                base,
                json!([
                    u1,
                    {"user_id": "u1", "account_id": "a2", "first_name": "Same user, other account"},
                    {"user_id": "u2", "account_id": "missing"},
                    {"account_id": "a1"},
                    {"user_id": "u3", "account_id": "a1", "first_name": 5},
                ]),
            )
            .await;
        assert!(answer.ok(), "{}", answer.json);
        let failed: Vec<(u64, String, Value)> = answer
            .failed()
            .iter()
            .map(|f| {
                (
                    f["record"].as_u64().unwrap(),
                    f["message"].as_str().unwrap().to_owned(),
                    f["user_id"].clone(),
                )
            })
            .collect();
        assert_eq!(failed.len(), 3, "{base}: {failed:?}");
        assert_eq!(failed[0].0, 2);
        assert_eq!(failed[0].1, "Account not found");
        assert_eq!(failed[0].2, "u2");
        assert!(failed[1]
            .1
            .starts_with("Missing/invalid required field(s) for Account"));
        assert!(
            failed[1].1.ends_with("insert: 'user_id'"),
            "{}",
            failed[1].1
        );
        assert_eq!(
            failed[2].1,
            "Invalid type for property: first_name (expecting string)"
        );

        // GET by user id answers every account of the user; with the account, one.
        let both = api.get(&format!("{base}/u1")).await;
        assert_eq!(both.results().len(), 2, "{}", both.json);
        let one = api.get(&format!("{base}/u1/a1")).await;
        assert_eq!(one.results().len(), 1);
        assert_eq!(one.results()[0]["email"], "u1@c.test");
        assert_eq!(
            one.results()[0]["custom_label_dimensions"],
            json!([{"key": "team", "value": "Ops"}])
        );
        assert_eq!(
            api.get(&format!("{base}/nobody")).await.status,
            StatusCode::NOT_FOUND
        );

        // PUT needs the account when the user has several.
        let answer = api
            .call(
                "PUT",
                &format!("{base}/u1"),
                Some(json!({"data": {"title": "CTO"}})),
            )
            .await;
        assert!(
            !answer.ok() && answer.message().contains("several accounts"),
            "{}",
            answer.json
        );
        let answer = api
            .call(
                "PUT",
                &format!("{base}/u1/a1"),
                Some(json!({"data": {"title": "CTO"}})),
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.json);
        assert_eq!(answer.results()[0]["title"], "CTO");
        assert_eq!(answer.results()[0]["email"], "u1@c.test");
        let answer = api
            .call(
                "PUT",
                &format!("{base}/u1"),
                Some(json!({"account_id": "a2", "title": "VP"})),
            )
            .await;
        assert_eq!(answer.results()[0]["title"], "VP");
        assert_eq!(
            api.call("PUT", &format!("{base}/zz/a1"), Some(json!({"title": "x"})))
                .await
                .status,
            StatusCode::NOT_FOUND
        );

        // Lists, with dimensions on request; deactivation.
        let list = api
            .get(&format!(
                "{base}?include_dimensions=true&order_by=account_id"
            ))
            .await;
        assert_eq!(list.results().len(), 2);
        assert!(list.results()[0].get("custom_label_dimensions").is_some());
        let answer = api.call("DELETE", &format!("{base}/u1/a2"), None).await;
        assert!(answer.ok());
        assert_eq!(api.get(base).await.results().len(), 1);
        assert_eq!(
            api.get(&format!("{base}?include_inactive=1"))
                .await
                .results()
                .len(),
            2
        );
        assert_eq!(
            api.call("DELETE", &format!("{base}/nobody"), None)
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    }
    // Each account's users and contacts.
    let users = api.get("/api/v2/accounts/a1/users").await;
    assert_eq!(users.results().len(), 1);
    assert_eq!(users.results()[0]["product_join_date"], 5);
    let contacts = api.get("/api/v2/accounts/a1/contacts/").await;
    assert_eq!(contacts.results()[0]["is_primary"], true);
    assert_eq!(
        api.get("/api/v2/accounts/zz/users").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_custom_metrics_daily_values_read_modify_delete() {
    let api = Api::new().await;
    api.post("/api/v2/accounts", json!([account("a1"), account("a2")]))
        .await;
    let day = 86_400_000i64;
    let answer = api
        .post(
            "/api/v2/metrics",
            json!([
                {"account_id": "a1", "name": "db.seats", "metrics": [
                    {"timestamp": 10 * day + 5, "value": 1},
                    {"timestamp": 10 * day + 99, "value": 2},
                    {"timestamp": 11 * day, "value": 3.5}]},
                {"account_id": "a2", "name": "db.seats", "timestamp": 10 * day, "value": 7},
                {"account_id": "zz", "name": "db.seats", "timestamp": 1, "value": 1},
                {"account_id": "a1", "name": "db.seats", "timestamp": 1, "value": "x"},
                {"account_id": "a1", "timestamp": 1, "value": 1},
            ]),
        )
        .await;
    let failed: Vec<&str> = answer
        .failed()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        failed,
        vec![
            "Account not found",
            "Invalid type for property: value (expecting number)",
            "Missing/invalid required field(s) for Metrics insert: 'name'",
        ]
    );
    let metric = api.get("/api/v2/metrics/db.seats").await;
    assert_eq!(metric.results().len(), 2);
    assert_eq!(
        metric.results()[0],
        json!({"account_id": "a1", "name": "db.seats", "metrics": [
            {"timestamp": 10 * day, "value": 2.0}, {"timestamp": 11 * day, "value": 3.5}]})
    );
    let only = api.get("/api/v2/metrics/db.seats?account_id=a2").await;
    assert_eq!(only.results()[0]["metrics"][0]["value"], 7.0);
    let of_account = api.get("/api/v2/accounts/a1/metrics").await;
    assert_eq!(of_account.results().len(), 1);
    let answer = api
        .call(
            "PUT",
            "/api/v2/metrics/db.seats",
            Some(json!({"data": {"account_id": "a1", "metrics": [{"timestamp": 12 * day, "value": 4}]}})),
        )
        .await;
    assert_eq!(
        answer.results()[0]["metrics"].as_array().unwrap().len(),
        3,
        "{}",
        answer.json
    );
    let answer = api
        .call(
            "PUT",
            "/api/v2/metrics/db.seats",
            Some(json!({"data": {"account_id": "zz", "metrics": []}})),
        )
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    let answer = api
        .call("DELETE", "/api/v2/metrics/db.seats?account_id=a2", None)
        .await;
    assert_eq!(answer.json["deleted"], 1);
    let answer = api.call("DELETE", "/api/v2/metrics/db.seats", None).await;
    assert_eq!(answer.json["deleted"], 3);
    assert_eq!(
        api.call("DELETE", "/api/v2/metrics/db.seats", None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_interactions_upsert_by_client_id_read_modify_delete() {
    let api = Api::new().await;
    api.post("/api/v2/accounts", json!([account("a1")])).await;
    let answer = api
        .post(
            "/api/v2/interactions",
            json!([
                {"interaction_id": "m-1", "account_id": "a1", "date": 2000, "type": "meeting",
                 "description": "Kick-off", "subject": "Hello", "contact_email": "c@x.test", "added_by": "crm"},
                {"account_id": "a1", "date": 1000, "type": "email", "description": "No id"},
                {"account_id": "a1", "date": 1000, "type": "email"},
                {"account_id": "zz", "date": 1, "type": "call", "description": "x"},
                {"account_id": "a1", "date": "today", "type": "call", "description": "x"},
                {"account_id": "a1", "date": 1, "type": "call", "description": "x", "mood": "good"},
            ]),
        )
        .await;
    let failed: Vec<&str> = answer
        .failed()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        failed,
        vec![
            "Missing/invalid required field(s) for Interactions insert: 'description'",
            "Account not found",
            "Invalid type for property: date (expecting timestamp)",
            "Unknown property: 'mood'",
        ]
    );
    let list = api.get("/api/v2/accounts/a1/interactions").await;
    let results = list.results();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["description"], "No id");
    assert_eq!(results[1]["type"], "meeting");
    assert_eq!(results[1]["source"], "api");
    // Upsert by interaction_id: absent unchanged.
    api.post(
        "/api/v2/interactions",
        json!([{"interaction_id": "m-1", "description": "Kick-off (moved)"}]),
    )
    .await;
    let one = api.get("/api/v2/interactions/m-1").await;
    assert_eq!(one.results()[0]["description"], "Kick-off (moved)");
    assert_eq!(one.results()[0]["subject"], "Hello");
    let answer = api
        .call(
            "PUT",
            "/api/v2/interactions/m-1",
            Some(json!({"data": {"subject": null}})),
        )
        .await;
    assert!(answer.results()[0]["subject"].is_null(), "{}", answer.json);
    assert_eq!(
        api.call(
            "PUT",
            "/api/v2/interactions/nope",
            Some(json!({"data": {}}))
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert!(api
        .call("DELETE", "/api/v2/interactions/m-1", None)
        .await
        .ok());
    assert_eq!(
        api.get("/api/v2/interactions/m-1").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_statements_subscriptions_and_tickets_are_empty_lists() {
    let api = Api::new().await;
    api.post("/api/v2/accounts", json!([account("a1")])).await;
    for what in ["statements", "subscriptions", "support_tickets"] {
        let answer = api.get(&format!("/api/v2/accounts/a1/{what}")).await;
        assert!(answer.ok(), "{what}");
        assert_eq!(answer.results(), &Vec::<Value>::new());
        assert_eq!(answer.json["max_page_size"], 1000);
        assert_eq!(
            api.get(&format!("/api/v2/accounts/zz/{what}")).await.status,
            StatusCode::NOT_FOUND
        );
    }
}
