//! The public API surface in one table: every endpoint of the Account API v2 and the Event
//! API with what it takes and answers. The OpenAPI document (`ssr::openapi`) and the API
//! page are both written from it, so they cannot disagree.

/// What a request carries in its body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Body {
    None,
    /// `{"records":[…]}` of the named schema (bulk upsert).
    Records(&'static str),
    /// One record, `{"data":{…}}` or the bare object.
    One(&'static str),
    /// Newline-delimited JSON events.
    Events,
}

/// What a successful answer carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// `results` (a page of the named schema), `current_page`, `max_page_size`.
    List(&'static str),
    /// `results` with the one record.
    One(&'static str),
    /// `status_is_ok` and `failed_results`.
    Bulk,
    /// `status_is_ok` only.
    Done,
    /// `received`, `accepted`, `failed_results` with line numbers.
    Events,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Endpoint {
    pub method: &'static str,
    /// The path with `{param}` placeholders, as the router declares it.
    pub path: &'static str,
    /// The group it belongs to (an OpenAPI tag).
    pub tag: &'static str,
    pub summary: &'static str,
    pub description: &'static str,
    /// Names of the query parameters it takes (see `query_parameter`).
    pub query: &'static [&'static str],
    pub body: Body,
    pub answer: Answer,
}

pub const TAG_ACCOUNTS: &str = "Accounts";
pub const TAG_USERS: &str = "Product users";
pub const TAG_CONTACTS: &str = "Contacts";
pub const TAG_METRICS: &str = "Custom metrics";
pub const TAG_INTERACTIONS: &str = "Interactions";
pub const TAG_EVENTS: &str = "Event API";

const LIST: &[&str] = &["page", "order_by", "direction", "include_inactive"];
const ACCOUNT_LIST: &[&str] = &[
    "page",
    "order_by",
    "direction",
    "include_inactive",
    "include",
];
const CONTACT_LIST: &[&str] = &[
    "page",
    "order_by",
    "direction",
    "include_inactive",
    "include_dimensions",
];
const PAGE: &[&str] = &["page"];

#[allow(clippy::too_many_arguments)] // one row of the table, positionally
const fn ep(
    method: &'static str,
    path: &'static str,
    tag: &'static str,
    summary: &'static str,
    description: &'static str,
    query: &'static [&'static str],
    body: Body,
    answer: Answer,
) -> Endpoint {
    Endpoint {
        method,
        path,
        tag,
        summary,
        description,
        query,
        body,
        answer,
    }
}

/// Every endpoint, in the order the documentation lists them.
pub const ENDPOINTS: &[Endpoint] = &[
    // Accounts
    ep("GET", "/api/v2/accounts", TAG_ACCOUNTS, "List accounts",
        "A page of up to 1000 accounts (active ones unless `include_inactive`). Stop paging when a page has fewer than `max_page_size` results.",
        ACCOUNT_LIST, Body::None, Answer::List("Account")),
    ep("POST", "/api/v2/accounts", TAG_ACCOUNTS, "Create or update accounts in bulk",
        "Upserts by `account_id`: new accounts are inserted, existing ones modified (absent fields unchanged, explicit null clears an optional field). Each record is atomic; failed records are listed in `failed_results` with their 0-based index. `name` and `join_date` are required for a new account. Upserting a deactivated account reactivates it. `assigned_csms` replaces the API-made assignments; assignments made by hand in Steward are kept.",
        &[], Body::Records("Account"), Answer::Bulk),
    ep("GET", "/api/v2/accounts/{account_id}", TAG_ACCOUNTS, "Get an account",
        "One account with all its properties, dimensions, assigned CSMs, stage and NPS history. 404 when there is none.",
        &[], Body::None, Answer::One("Account")),
    ep("PUT", "/api/v2/accounts/{account_id}", TAG_ACCOUNTS, "Modify an account",
        "Changes the given fields of an existing account. Body `{\"data\":{…}}` or the bare object. 404 when the account does not exist.",
        &[], Body::One("Account"), Answer::One("Account")),
    ep("DELETE", "/api/v2/accounts/{account_id}", TAG_ACCOUNTS, "Deactivate an account",
        "Sets `is_active` to false; the data is kept and a later upsert reactivates it.",
        &[], Body::None, Answer::Done),
    ep("GET", "/api/v2/accounts/{account_id}/users", TAG_ACCOUNTS, "List an account's product users",
        "", LIST, Body::None, Answer::List("AccountUser")),
    ep("GET", "/api/v2/accounts/{account_id}/contacts", TAG_ACCOUNTS, "List an account's contacts",
        "", CONTACT_LIST, Body::None, Answer::List("AccountContact")),
    ep("GET", "/api/v2/accounts/{account_id}/metrics", TAG_ACCOUNTS, "List an account's custom metrics",
        "Every metric of the account with its daily values.", PAGE, Body::None, Answer::List("CustomMetric")),
    ep("GET", "/api/v2/accounts/{account_id}/interactions", TAG_ACCOUNTS, "List an account's interactions",
        "Newest first.", PAGE, Body::None, Answer::List("Interaction")),
    ep("GET", "/api/v2/accounts/{account_id}/statements", TAG_ACCOUNTS, "List invoice statements",
        "Kept for compatibility: Steward holds no billing data, so `results` is always empty.", PAGE, Body::None, Answer::List("Empty")),
    ep("GET", "/api/v2/accounts/{account_id}/subscriptions", TAG_ACCOUNTS, "List subscription history",
        "Kept for compatibility: Steward holds no billing data, so `results` is always empty.", PAGE, Body::None, Answer::List("Empty")),
    ep("GET", "/api/v2/accounts/{account_id}/support_tickets", TAG_ACCOUNTS, "List support tickets",
        "Kept for compatibility: Steward holds no support data, so `results` is always empty.", PAGE, Body::None, Answer::List("Empty")),
    ep("DELETE", "/api/v2/accounts/{account_id}/stage_history/{stage_name}/{timestamp}", TAG_ACCOUNTS, "Delete a stage history entry",
        "Removes the entry of that stage starting at `timestamp` (epoch ms).", &[], Body::None, Answer::Done),
    ep("DELETE", "/api/v2/accounts/{account_id}/nps_history/{timestamp}", TAG_ACCOUNTS, "Delete an NPS history entry",
        "Removes the NPS entry dated `timestamp` (epoch ms).", &[], Body::None, Answer::Done),
    ep("DELETE", "/api/v2/accounts/{account_id}/dimension_values/{key}", TAG_ACCOUNTS, "Delete a numeric (value) dimension",
        "", &[], Body::None, Answer::Done),
    ep("DELETE", "/api/v2/accounts/{account_id}/dimension_labels/{key}", TAG_ACCOUNTS, "Delete a textual (label) dimension",
        "", &[], Body::None, Answer::Done),
    ep("DELETE", "/api/v2/accounts/{account_id}/dimension_events/{key}", TAG_ACCOUNTS, "Delete a date (event) dimension",
        "Steward's addition, for symmetry with the label and value dimensions.", &[], Body::None, Answer::Done),
    ep("DELETE", "/api/v2/accounts/{account_id}/assigned_csms/{email}", TAG_ACCOUNTS, "Remove an assigned CSM",
        "Removes an assignment made through the API. An assignment made by hand in Steward is not touched: the answer is `status_is_ok: false` saying so.",
        &[], Body::None, Answer::Done),
    // Product users
    ep("GET", "/api/v2/account_users", TAG_USERS, "List product users", "", LIST, Body::None, Answer::List("AccountUser")),
    ep("POST", "/api/v2/account_users", TAG_USERS, "Create or update product users in bulk",
        "Upserts by `user_id` and `account_id` (a user belongs to one account; multi-account users are one record per account). The account must exist: otherwise the record fails with `Account not found`.",
        &[], Body::Records("AccountUser"), Answer::Bulk),
    ep("GET", "/api/v2/account_users/{user_id}", TAG_USERS, "Get a product user",
        "Every record with this `user_id` (one per account).", &[], Body::None, Answer::One("AccountUser")),
    ep("GET", "/api/v2/account_users/{user_id}/{account_id}", TAG_USERS, "Get a product user of one account",
        "", &[], Body::None, Answer::One("AccountUser")),
    ep("PUT", "/api/v2/account_users/{user_id}", TAG_USERS, "Modify a product user",
        "Body `{\"data\":{…}}` or the bare object; give `account_id` when the user id exists in several accounts.",
        &[], Body::One("AccountUser"), Answer::One("AccountUser")),
    ep("PUT", "/api/v2/account_users/{user_id}/{account_id}", TAG_USERS, "Modify a product user of one account",
        "Body `{\"data\":{…}}` or the bare object.", &[], Body::One("AccountUser"), Answer::One("AccountUser")),
    ep("DELETE", "/api/v2/account_users/{user_id}", TAG_USERS, "Deactivate a product user", "", &[], Body::None, Answer::Done),
    ep("DELETE", "/api/v2/account_users/{user_id}/{account_id}", TAG_USERS, "Deactivate a product user of one account", "", &[], Body::None, Answer::Done),
    // Contacts
    ep("GET", "/api/v2/account_contacts", TAG_CONTACTS, "List contacts",
        "CRM contacts; `include_dimensions=true` adds their dimensions.", CONTACT_LIST, Body::None, Answer::List("AccountContact")),
    ep("POST", "/api/v2/account_contacts", TAG_CONTACTS, "Create or update contacts in bulk",
        "Upserts by `user_id` and `account_id`. An unknown account fails the record with `Account not found`.",
        &[], Body::Records("AccountContact"), Answer::Bulk),
    ep("GET", "/api/v2/account_contacts/{user_id}", TAG_CONTACTS, "Get a contact",
        "Every record with this `user_id` (one per account).", &[], Body::None, Answer::One("AccountContact")),
    ep("GET", "/api/v2/account_contacts/{user_id}/{account_id}", TAG_CONTACTS, "Get a contact of one account",
        "", &[], Body::None, Answer::One("AccountContact")),
    ep("PUT", "/api/v2/account_contacts/{user_id}", TAG_CONTACTS, "Modify a contact",
        "Body `{\"data\":{…}}` or the bare object; give `account_id` when the user id exists in several accounts.",
        &[], Body::One("AccountContact"), Answer::One("AccountContact")),
    ep("PUT", "/api/v2/account_contacts/{user_id}/{account_id}", TAG_CONTACTS, "Modify a contact of one account",
        "", &[], Body::One("AccountContact"), Answer::One("AccountContact")),
    ep("DELETE", "/api/v2/account_contacts/{user_id}", TAG_CONTACTS, "Deactivate a contact", "", &[], Body::None, Answer::Done),
    ep("DELETE", "/api/v2/account_contacts/{user_id}/{account_id}", TAG_CONTACTS, "Deactivate a contact of one account", "", &[], Body::None, Answer::Done),
    // API Status
    ep("GET", "/api/v2/api_status", TAG_ACCOUNTS, "Read API Status",
        "Steward's addition: the organisation's last 1000 calls to the Account, Event and Upload APIs, newest first, as IT Administration → API Status shows them (paths with keys redacted). Filters `status` (success, partial, failure), `api` (account, event, upload), `endpoint` (a route pattern). Each result: `id`, `time` (ms), `api`, `method`, `path`, `endpoint`, `status` (Success, Partial, Failure), `http_status`, `records_received`, `records_failed`, `duration_ms`, `key_name`, `message`, `failed_results`.",
        &[], Body::None, Answer::List("ApiCall")),
    // Custom metrics
    ep("POST", "/api/v2/metrics", TAG_METRICS, "Create or update metric values in bulk",
        "Each record is `{account_id, name, metrics:[{timestamp, value}]}` or the flat `{account_id, name, timestamp, value}`. One value per account, metric and UTC day: the last one sent for a day wins.",
        &[], Body::Records("CustomMetric"), Answer::Bulk),
    ep("GET", "/api/v2/metrics/{name}", TAG_METRICS, "Get a metric",
        "The metric's values for every account, or for one with `account_id`.", &["account_id", "page"], Body::None, Answer::List("CustomMetric")),
    ep("PUT", "/api/v2/metrics/{name}", TAG_METRICS, "Modify a metric",
        "Body `{\"data\":{\"account_id\":…, \"metrics\":[…]}}` or the bare object.", &[], Body::One("CustomMetric"), Answer::Done),
    ep("DELETE", "/api/v2/metrics/{name}", TAG_METRICS, "Delete a metric",
        "Deletes the metric's values for one account (`account_id`) or, without it, for every account.", &["account_id"], Body::None, Answer::Done),
    // Interactions (Steward's addition)
    ep("POST", "/api/v2/interactions", TAG_INTERACTIONS, "Create or update interactions in bulk",
        "Steward's addition (Natero documents no write endpoint for interactions). Upserts by `interaction_id` when given; without it every record is a new interaction. `account_id`, `date`, `type` and `description` are required.",
        &[], Body::Records("Interaction"), Answer::Bulk),
    ep("GET", "/api/v2/interactions/{interaction_id}", TAG_INTERACTIONS, "Get an interaction",
        "One interaction written through the API.", &[], Body::None, Answer::One("Interaction")),
    ep("PUT", "/api/v2/interactions/{interaction_id}", TAG_INTERACTIONS, "Modify an interaction",
        "Body `{\"data\":{…}}` or the bare object.", &[], Body::One("Interaction"), Answer::One("Interaction")),
    ep("DELETE", "/api/v2/interactions/{interaction_id}", TAG_INTERACTIONS, "Delete an interaction", "", &[], Body::None, Answer::Done),
    // Event API
    ep("POST", "/v1/{authKey}/{apiKey}", TAG_EVENTS, "Send usage events",
        "Newline-delimited JSON, one event per line (`\\n` or `\\r\\n`; blank lines ignored); a JSON array is refused. Valid lines are stored (committed before the answer) and invalid ones reported by 1-based line number. When no line is valid the answer is 400. At most 10,000 events per request.",
        &[], Body::Events, Answer::Events),
];

/// Type and meaning of a query parameter named in `Endpoint::query`.
pub fn query_parameter(name: &str) -> (&'static str, &'static str) {
    match name {
        "page" => ("integer", "0-based page number (1000 results a page)."),
        "order_by" => ("string", "Column to sort by, e.g. `account_id`, `name`, `join_date`, `user_id`, `id`; an unknown column is an error naming the allowed ones. The order is always complete (ties broken by Steward's id)."),
        "direction" => ("string", "`asc` (default) or `desc`."),
        "include_inactive" => ("boolean", "Also list deactivated records. `true`/`false`; an integer is false when 0 and true otherwise; anything else is false."),
        "include" => ("string", "Comma-separated extras: `assigned_csms`, `custom_label_dimensions`, `custom_value_dimensions`, `custom_event_dimensions`, `stage_history`, `nps_history`."),
        "include_dimensions" => ("boolean", "Add each contact's dimensions."),
        "account_id" => ("string", "Only this account."),
        _ => ("string", ""),
    }
}

/// The `{param}` names of a path, in order.
pub fn path_parameters(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_endpoints_are_unique_and_well_formed() {
        let mut seen = std::collections::BTreeSet::new();
        for e in ENDPOINTS {
            assert!(
                seen.insert((e.method, e.path)),
                "{} {} twice",
                e.method,
                e.path
            );
            assert!(matches!(e.method, "GET" | "POST" | "PUT" | "DELETE"));
            assert!(e.path.starts_with("/api/v2/") || e.path.starts_with("/v1/"));
            assert!(!e.path.ends_with('/'));
        }
        assert_eq!(
            path_parameters("/api/v2/accounts/{account_id}/nps_history/{timestamp}"),
            ["account_id", "timestamp"]
        );
    }
}
