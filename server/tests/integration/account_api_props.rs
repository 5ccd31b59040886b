//! Property test through HTTP: batches of random records (random properties with random
//! value types) never break a request, every failure names a problem, and a failed record
//! leaves nothing behind while the others are stored.
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::{json, Value};

use crate::account_api::Api;

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-5i64..2_000_000_000_000).prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null)),
        ".{0,8}".prop_map(Value::String),
        Just(json!([{"key": "k", "value": 1}])),
        Just(json!([{"key": "k", "value": "v"}])),
        Just(json!([{"name": "Trial", "start_date": 1}])),
        Just(json!({"a": 1})),
    ]
}

fn record() -> impl Strategy<Value = serde_json::Map<String, Value>> {
    let names = prop::sample::select(vec![
        "name",
        "join_date",
        "renewal_date",
        "tier",
        "employees",
        "csm_score",
        "current_mrr",
        "is_churned",
        "custom_label_dimensions",
        "custom_value_dimensions",
        "custom_event_dimensions",
        "stage_history",
        "nps_history",
        "documents",
        "typo",
    ]);
    prop::collection::btree_map(names, value(), 0..6)
        .prop_map(|m| m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_random_records_fail_alone_and_leave_nothing_behind() {
    let api = Api::new().await;
    let mut runner = TestRunner::deterministic();
    let batch = prop::collection::vec(record(), 40..80);
    for round in 0..6 {
        let records: Vec<Value> = batch
            .new_tree(&mut runner)
            .unwrap()
            .current()
            .into_iter()
            .enumerate()
            .map(|(i, mut r)| {
                r.insert("account_id".into(), json!(format!("r{round}-{i}")));
                Value::Object(r)
            })
            .collect();
        let answer = api
            .post("/api/v2/accounts", Value::Array(records.clone()))
            .await;
        assert!(answer.ok(), "{}", answer.json);
        let failed: std::collections::BTreeMap<u64, String> = answer
            .failed()
            .iter()
            .map(|f| {
                (
                    f["record"].as_u64().unwrap(),
                    f["message"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        for (i, record) in records.iter().enumerate() {
            let id = record["account_id"].as_str().unwrap();
            let stored = api.get(&format!("/api/v2/accounts/{id}")).await;
            match failed.get(&(i as u64)) {
                Some(message) => {
                    assert!(!message.is_empty());
                    assert_eq!(
                        stored.status, 404,
                        "failed record {record} was stored: {message}"
                    );
                    // The message names a property of the record (or a required one).
                    let named = record
                        .as_object()
                        .unwrap()
                        .keys()
                        .any(|k| message.contains(k.as_str()))
                        || message.contains("'name'")
                        || message.contains("'join_date'");
                    assert!(named, "{message} names nothing of {record}");
                }
                None => assert_eq!(stored.status, 200, "record {record} was not stored"),
            }
        }
    }
}
