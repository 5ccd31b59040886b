//! The curl examples of the API page, written for one Steward's public URL. They read the
//! keys from shell variables (`keys_snippet`), so a reader pastes their keys once. A test
//! runs every one against a real server (server/tests/integration/api_docs.rs).
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurlExample {
    /// Stable id (for tests and anchors).
    pub id: String,
    pub title: String,
    pub description: String,
    /// A shell command (bash).
    pub command: String,
}

/// The shell variables the examples use.
pub const ACCOUNT_KEY_VAR: &str = "STEWARD_ACCOUNT_KEY";
pub const EVENT_AUTH_VAR: &str = "STEWARD_EVENT_AUTH_KEY";
pub const EVENT_API_VAR: &str = "STEWARD_EVENT_API_KEY";

/// Sets the variables; the reader replaces the placeholders with their keys.
pub fn keys_snippet() -> String {
    format!(
        "export {ACCOUNT_KEY_VAR}='stw_acct_…'       # Account API key\n\
         export {EVENT_AUTH_VAR}='stw_evauth_…'  # Usage Event API: auth key\n\
         export {EVENT_API_VAR}='stw_evapi_…'    # Usage Event API: api key"
    )
}

fn example(id: &str, title: &str, description: &str, command: String) -> CurlExample {
    CurlExample {
        id: id.to_owned(),
        title: title.to_owned(),
        description: description.to_owned(),
        command,
    }
}

/// The examples, in the order an integrator meets them.
pub fn curl_examples(base_url: &str) -> Vec<CurlExample> {
    let base = base_url.trim_end_matches('/');
    vec![
        example(
            "create-accounts",
            "Create accounts in bulk",
            "POST upserts: new accounts are created, existing ones updated. The answer lists the records that failed, by index; the others are saved.",
            format!(
                "curl --fail-with-body -sS -X POST \"{base}/api/v2/accounts?api_key=${ACCOUNT_KEY_VAR}\" \\\n  \
                 -H 'Content-Type: application/json' \\\n  \
                 -d '{{\"records\":[\n    \
                 {{\"account_id\":\"acme\",\"name\":\"Acme Ltd\",\"join_date\":1735689600000,\"tier\":\"Gold\",\n     \
                 \"custom_label_dimensions\":[{{\"key\":\"plan\",\"value\":\"Enterprise\"}}]}},\n    \
                 {{\"account_id\":\"globex\",\"name\":\"Globex\",\"join_date\":1738368000000}}\n  ]}}'"
            ),
        ),
        example(
            "list-accounts",
            "List accounts, page by page",
            "Pages hold up to 1000 results and start at 0; a page with fewer than max_page_size results is the last. This one authenticates with HTTP Basic (user api).",
            format!(
                "curl --fail-with-body -sS -u \"api:${ACCOUNT_KEY_VAR}\" \\\n  \
                 \"{base}/api/v2/accounts?page=0&order_by=account_id&direction=asc&include=custom_label_dimensions\""
            ),
        ),
        example(
            "update-account",
            "Update one account",
            "PUT changes only the fields given; {\"data\":{…}} or the bare object.",
            format!(
                "curl --fail-with-body -sS -X PUT -u \"api:${ACCOUNT_KEY_VAR}\" \"{base}/api/v2/accounts/acme\" \\\n  \
                 -H 'Content-Type: application/json' \\\n  \
                 -d '{{\"data\":{{\"tier\":\"Platinum\",\"csm_score\":80}}}}'"
            ),
        ),
        example(
            "deactivate-account",
            "Deactivate an account",
            "DELETE sets is_active to false and keeps the data; list with include_inactive=true to see it.",
            format!(
                "curl --fail-with-body -sS -X DELETE -u \"api:${ACCOUNT_KEY_VAR}\" \"{base}/api/v2/accounts/globex\""
            ),
        ),
        example(
            "upload-csv",
            "Upload a CSV file",
            "The same write as the JSON API, one row per record; the answer lists failed rows by line and column. Add dry_run=true to only check; GET /api/v2/upload/accounts/template gives the header row; POST /api/v2/upload/{upload_id}/undo undoes an upload for 7 days.",
            format!(
                "curl --fail-with-body -sS -X POST -u \"api:${ACCOUNT_KEY_VAR}\" \\\n  \
                 \"{base}/api/v2/upload/accounts?file_name=accounts.csv\" \\\n  \
                 -H 'Content-Type: text/csv' --data-binary @- <<'EOF'\n\
                 account_id,name,join_date,tier\n\
                 acme,Acme Ltd,2025-01-01,Gold\n\
                 initech,Initech,2025-02-01,Silver\n\
                 EOF"
            ),
        ),
        example(
            "send-events",
            "Send usage events, gzipped",
            "One JSON event per line (not an array), compressed with gzip. created_at is epoch milliseconds; here, now.",
            format!(
                "NOW=$(date +%s000)\n\
                 gzip -c <<EOF | curl --fail-with-body -sS -X POST \"{base}/v1/${EVENT_AUTH_VAR}/${EVENT_API_VAR}\" \\\n  \
                 -H 'Content-Type: application/json' -H 'Content-Encoding: gzip' --data-binary @-\n\
                 {{\"action\":\"identifyUser\",\"account_id\":\"acme\",\"user_id\":\"ada\",\"created_at\":$NOW,\"details\":{{\"email\":\"ada@acme.example\"}}}}\n\
                 {{\"action\":\"feature\",\"account_id\":\"acme\",\"user_id\":\"ada\",\"created_at\":$NOW,\"module\":\"Reports\",\"feature\":\"Export\",\"total\":1}}\n\
                 {{\"action\":\"moduleEnd\",\"account_id\":\"acme\",\"user_id\":\"ada\",\"created_at\":$NOW,\"module\":\"Reports\",\"time_spent\":60000}}\n\
                 EOF"
            ),
        ),
    ]
}
