//! Source Mapping (issue 14 §4-5) against the Salesforce stand-in: the page lists every
//! source's fields; the Salesforce mapping's defaults, its check against describe (unknown,
//! hidden, wrong type: refused, named, nothing stored), the connector reading only mapped
//! fields, each ownership mode, provenance on the account page, and isolation.
use app::account_api::upsert::{upsert, Resource};
use app::accounts::api::GetAccount;
use app::db::entities::{account_contacts, accounts, dimension_values, sync_field_mappings};
use app::error::AppError;
use app::salesforce_sync::ssr::csm;
use app::salesforce_sync::ssr::reader::Retry;
use app::salesforce_sync::ssr::run::{self, RunSummary, Trigger};
use app::source_mapping::api::{GetSourceMapping, SaveSalesforceMapping};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{json, Value};
use std::time::Duration;

use crate::connections::{connect, connection, setup, Setup};

const QUICK: Retry = Retry {
    attempts: 3,
    first_wait: Duration::from_millis(20),
};

async fn connected(accounts: &str) -> (Setup, i32) {
    let mut s = setup(&["--accounts", accounts]).await;
    connect(&mut s).await;
    let org = connection(&s.app).await.org_id;
    (s, org)
}

async fn run_once(s: &Setup, org: i32) -> RunSummary {
    let summary = run::run(&s.app.state, org, "salesforce", Trigger::Cli, QUICK)
        .await
        .unwrap();
    assert!(summary.succeeded(), "{}", summary.line());
    summary
}

/// The Steward accounts, ordered by Salesforce Id (stand-in order).
async fn accounts_of(s: &Setup, org: i32) -> Vec<accounts::Model> {
    let mut rows = accounts::Entity::find()
        .filter(accounts::Column::OrgId.eq(org))
        .all(&s.app.state.db)
        .await
        .unwrap();
    rows.sort_by(|a, b| a.account_id.cmp(&b.account_id));
    rows
}

async fn reload(s: &Setup, account: &accounts::Model) -> accounts::Model {
    accounts::Entity::find_by_id(account.id)
        .one(&s.app.state.db)
        .await
        .unwrap()
        .unwrap()
}

/// The save form: pairs of (form key without `m[…]`, value).
fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (format!("m[{k}]"), v.to_string()))
        .collect()
}

async fn save(s: &Setup, pairs: &[(&str, &str)]) -> Result<Value, AppError> {
    let owned = form(pairs);
    let borrowed: Vec<(&str, &str)> = owned
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut admin = s.admin.clone();
    s.app
        .call::<SaveSalesforceMapping>(&mut admin, &borrowed)
        .await
}

/// The page's data as the organisation's admin gets it.
async fn mapping_view(s: &Setup) -> Value {
    let mut admin = s.admin.clone();
    s.app
        .call::<GetSourceMapping>(&mut admin, &[])
        .await
        .unwrap()
}

async fn stored_rows(s: &Setup, org: i32) -> u64 {
    sync_field_mappings::Entity::find()
        .filter(sync_field_mappings::Column::OrgId.eq(org))
        .count(&s.app.state.db)
        .await
        .unwrap()
}

fn editor_field<'a>(view: &'a Value, object: &str, field: &str) -> &'a Value {
    view["editor"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["object"] == object && f["steward_field"] == field)
        .unwrap_or_else(|| panic!("{object}.{field} in the editor"))
}

fn choice_values(field: &Value) -> Vec<String> {
    field["choices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["value"].as_str().unwrap().to_owned())
        .collect()
}

async fn annual_revenue(s: &Setup, pk: i32) -> Option<f64> {
    dimension_values::Entity::find()
        .filter(dimension_values::Column::OwnerType.eq("account"))
        .filter(dimension_values::Column::OwnerId.eq(pk))
        .filter(dimension_values::Column::Key.eq("annual_revenue"))
        .one(&s.app.state.db)
        .await
        .unwrap()
        .and_then(|d| d.number_value)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_source_mapping_defaults_for_a_new_connection_and_every_source_on_the_page() {
    let (s, org) = connected("4").await;
    let mut admin = s.admin.clone();
    let view = mapping_view(&s).await;
    assert_eq!(view["editor"]["saved"], false);
    assert_eq!(view["editor"]["describe_error"], Value::Null);
    for (object, field, remote) in [
        ("Account", "name", "Name"),
        ("Account", "website", "Website"),
        ("Account", "industry", "Industry"),
        ("Account", "billing_country", "BillingCountry"),
        (
            "Account",
            "custom_value_dimensions.annual_revenue",
            "AnnualRevenue",
        ),
        ("Contact", "first_name", "FirstName"),
        ("Contact", "last_name", "LastName"),
        ("Contact", "email", "Email"),
        ("Account", "employees", ""),
        ("Contact", "title", ""),
    ] {
        let f = editor_field(&view, object, field);
        assert_eq!(f["remote"], remote, "{object}.{field}");
        assert_eq!(f["ownership"], "salesforce_wins");
    }
    // Pickers offer type-compatible fields only, with User paths through lookups.
    let employees = choice_values(editor_field(&view, "Account", "employees"));
    assert_eq!(employees, vec!["NumberOfEmployees"]);
    let rep_email = choice_values(editor_field(&view, "Account", "sales_rep_email"));
    assert!(
        rep_email.contains(&"Owner.Email".to_owned()),
        "{rep_email:?}"
    );
    assert!(rep_email.contains(&"CSM__c".to_owned()));
    assert!(!rep_email.contains(&"Website".to_owned()));
    let revenue = choice_values(editor_field(
        &view,
        "Account",
        "custom_value_dimensions.annual_revenue",
    ));
    assert!(revenue.contains(&"AnnualRevenue".to_owned()) && !revenue.contains(&"Name".to_owned()));
    let csm_choices: Vec<&str> = view["editor"]["csm_choices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["value"].as_str().unwrap())
        .collect();
    assert_eq!(csm_choices, vec!["OwnerId", "CSM__c", "CSM_User__c"]);
    // The table has every source.
    let rows = view["rows"].as_array().unwrap();
    for source in ["account_api", "csv_upload", "salesforce"] {
        assert!(rows.iter().any(|r| r["source"] == source), "{source}");
    }
    assert!(rows.iter().any(|r| r["remote_source"] == "Salesforce"
        && r["steward_field"] == "custom_value_dimensions.annual_revenue"
        && r["remote_field"] == "AnnualRevenue"
        && r["ownership"] == "Salesforce wins"));
    let page = s
        .app
        .get(&mut admin, "/settings/it/source-mapping?source=salesforce")
        .await;
    assert_eq!(page.status, 200);
    for text in [
        "Steward field",
        "Remote source",
        "Remote object",
        "Remote field",
        "Salesforce should be the source of truth for CSM assignment",
        "name=\"m[rAccount_name]\"",
    ] {
        assert!(page.body.contains(text), "{text} on the page");
    }

    // A run with the defaults writes the default fields and only those.
    run_once(&s, org).await;
    let first = &accounts_of(&s, org).await[0];
    assert_eq!(first.industry.as_deref(), Some("Technology"));
    assert_eq!(first.billing_country.as_deref(), Some("Germany"));
    assert_eq!(first.employees, None, "not mapped by default");
    assert_eq!(annual_revenue(&s, first.id).await, Some(1_000_000.0));
    let contact = account_contacts::Entity::find()
        .filter(account_contacts::Column::AccountPk.eq(first.id))
        .one(&s.app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(contact.first_name.as_deref(), Some("Person"));
    assert!(contact.email.unwrap().ends_with("@customer0.example"));
    assert_eq!(contact.title, None, "Title is not mapped by default");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_source_mapping_save_refuses_unknown_hidden_and_mismatched_fields_and_stores_nothing()
{
    let (s, org) = connected("3").await;
    s.standin
        .control(&[("hide", "Account.AnnualRevenue")])
        .await;
    let error = save(
        &s,
        &[
            ("rAccount_name", "Name"),
            ("rAccount_website", "Webseite"),
            (
                "rAccount_custom_value_dimensions_annual_revenue",
                "AnnualRevenue",
            ),
            ("rAccount_employees", "Name"),
            ("rAccount_sales_rep_email", "Owner.Nope"),
            ("oAccount_industry", "sometimes"),
            ("csm", "Website"),
        ],
    )
    .await
    .unwrap_err();
    let named = |key: &str| error.field_message(key).unwrap_or_default();
    assert!(
        named("rAccount_website").contains("no field 'Webseite'"),
        "{error:?}"
    );
    assert!(
        named("rAccount_custom_value_dimensions_annual_revenue").contains("'AnnualRevenue'")
            && named("rAccount_custom_value_dimensions_annual_revenue")
                .contains("field-level security"),
        "hidden: {error:?}"
    );
    assert!(
        named("rAccount_employees").contains("'Name' is a string field"),
        "{error:?}"
    );
    assert!(
        named("rAccount_sales_rep_email").contains("'Nope'"),
        "{error:?}"
    );
    assert!(
        named("oAccount_industry").contains("'sometimes'"),
        "{error:?}"
    );
    assert!(named("csm").contains("url field"), "{error:?}");
    assert_eq!(stored_rows(&s, org).await, 0, "nothing stored");
    assert_eq!(csm::setting(&s.app.state.db, org).await.unwrap(), None);
    // Name cannot go unmapped.
    let error = save(&s, &[("rAccount_name", "")]).await.unwrap_err();
    assert!(error
        .field_message("rAccount_name")
        .unwrap()
        .contains("needs a name"));
    s.standin
        .control(&[("show", "Account.AnnualRevenue")])
        .await;

    // A first run with the defaults, then a saved mapping: names are made canonical,
    // the changed object is read again in full, and only mapped fields are selected.
    let first = run_once(&s, org).await;
    assert_eq!(first.read, 3 + 6);
    save(
        &s,
        &[
            ("rAccount_name", "name"),
            ("rAccount_employees", "numberofemployees"),
            ("rAccount_sales_rep_email", "owner.email"),
            ("rContact_email", "Email"),
            ("csm", "csm_user__c"),
        ],
    )
    .await
    .unwrap();
    assert_eq!(stored_rows(&s, org).await, 21);
    let view = mapping_view(&s).await;
    assert_eq!(view["editor"]["saved"], true);
    assert_eq!(
        editor_field(&view, "Account", "sales_rep_email")["remote"],
        "Owner.Email"
    );
    assert_eq!(
        editor_field(&view, "Account", "employees")["remote"],
        "NumberOfEmployees"
    );
    assert_eq!(editor_field(&view, "Account", "website")["remote"], "");
    assert_eq!(view["editor"]["csm_field"], "CSM_User__c");
    let field = csm::setting(&s.app.state.db, org).await.unwrap().unwrap();
    assert_eq!(field.kind, csm::CsmFieldKind::UserLookup);
    // Website is no longer selected: hidden from the connected user, the run still works.
    s.standin.control(&[("hide", "Account.Website")]).await;
    let second = run_once(&s, org).await;
    assert_eq!(
        second.read,
        3 + 6,
        "both objects read again in full: {}",
        second.line()
    );
    let account = &accounts_of(&s, org).await[0];
    assert_eq!(account.employees, Some(10));
    assert_eq!(
        account.sales_rep_email.as_deref(),
        Some("admin@standin.example")
    );
    assert_eq!(
        account.website.as_deref(),
        Some("https://customer0.example"),
        "unmapped: left as the first run wrote it"
    );
    // Saving while it is hidden refuses Website and keeps the stored mapping.
    let error = save(
        &s,
        &[("rAccount_name", "Name"), ("rAccount_website", "Website")],
    )
    .await
    .unwrap_err();
    assert!(
        error.field_message("rAccount_website").is_some(),
        "{error:?}"
    );
    let view = mapping_view(&s).await;
    assert_eq!(
        editor_field(&view, "Account", "employees")["remote"],
        "NumberOfEmployees"
    );
}

/// Changes an account the way the Account API does.
async fn api_write(s: &Setup, org: i32, record: Value) {
    let failures = upsert(&s.app.state.db, org, Resource::Accounts, vec![record])
        .await
        .unwrap();
    assert!(failures.is_empty(), "{failures:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_source_mapping_ownership_salesforce_wins_steward_wins_and_dont_sync() {
    let (s, org) = connected("2").await;
    save(
        &s,
        &[
            ("rAccount_name", "Name"),
            ("rAccount_industry", "Industry"),
            ("oAccount_industry", "steward_wins"),
            ("rAccount_website", "Website"),
            ("oAccount_website", "dont_sync"),
            ("rAccount_billing_country", "BillingCountry"),
            ("oAccount_billing_country", "salesforce_wins"),
            ("rContact_first_name", "FirstName"),
            ("rContact_email", "Email"),
            ("oContact_email", "dont_sync"),
            ("rContact_title", "Title"),
            ("oContact_title", "steward_wins"),
        ],
    )
    .await
    .unwrap();
    // Don't sync: a hidden Website does not matter, it is never selected.
    s.standin.control(&[("hide", "Account.Website")]).await;
    run_once(&s, org).await;
    let account = accounts_of(&s, org).await.remove(0);
    assert_eq!(
        account.industry.as_deref(),
        Some("Technology"),
        "filled while empty"
    );
    assert_eq!(account.website, None, "Don't sync");
    let contact = account_contacts::Entity::find()
        .filter(account_contacts::Column::AccountPk.eq(account.id))
        .one(&s.app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(contact.email, None, "Don't sync");
    assert_eq!(contact.title.as_deref(), Some("Buyer"));

    // Steward changes all three; Salesforce changes them too.
    api_write(
        &s,
        org,
        json!({"account_id": account.account_id, "name": "Steward Name",
               "industry": "Steward Industry", "billing_country": "France",
               "website": "https://steward.example"}),
    )
    .await;
    s.standin.control(&[("show", "Account.Website")]).await;
    s.standin
        .change(
            "Account",
            json!([{"Id": account.account_id, "Name": "Salesforce Name", "Industry": "Retail",
                    "BillingCountry": "Spain", "Website": "https://salesforce.example"}]),
        )
        .await;
    run_once(&s, org).await;
    let now = reload(&s, &account).await;
    assert_eq!(now.name, "Salesforce Name", "Salesforce wins");
    assert_eq!(
        now.billing_country.as_deref(),
        Some("Spain"),
        "Salesforce wins"
    );
    assert_eq!(
        now.industry.as_deref(),
        Some("Steward Industry"),
        "Steward wins"
    );
    assert_eq!(
        now.website.as_deref(),
        Some("https://steward.example"),
        "Don't sync"
    );

    // Emptied in Steward: Salesforce fills it again.
    api_write(
        &s,
        org,
        json!({"account_id": account.account_id, "industry": null}),
    )
    .await;
    s.standin
        .change(
            "Account",
            json!([{"Id": account.account_id, "Industry": "Healthcare"}]),
        )
        .await;
    run_once(&s, org).await;
    assert_eq!(
        reload(&s, &account).await.industry.as_deref(),
        Some("Healthcare")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_source_mapping_provenance_on_the_account_page() {
    let (s, org) = connected("2").await;
    run_once(&s, org).await;
    let account = accounts_of(&s, org).await.remove(0);
    let mut admin = s.admin.clone();
    let origin = |detail: &Value, label: &str| -> String {
        detail["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["label"] == label)
            .unwrap_or_else(|| panic!("{label} in {detail}"))["origin"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    let pk = account.id.to_string();
    let detail = s
        .app
        .call::<GetAccount>(&mut admin, &[("account_pk", &pk)])
        .await
        .unwrap();
    for label in [
        "Name",
        "Website",
        "Industry",
        "Billing address",
        "Join date",
    ] {
        let o = origin(&detail, label);
        assert!(
            o.starts_with("Salesforce, 20") && o.ends_with("UTC"),
            "{label}: {o}"
        );
    }
    // Changed through the Account API: that field now says so, the others stay Salesforce's.
    api_write(
        &s,
        org,
        json!({"account_id": account.account_id, "website": "https://api.example"}),
    )
    .await;
    let detail = s
        .app
        .call::<GetAccount>(&mut admin, &[("account_pk", &pk)])
        .await
        .unwrap();
    assert_eq!(origin(&detail, "Website"), "Account API");
    assert!(origin(&detail, "Name").starts_with("Salesforce, "));
    let page = s
        .app
        .get(&mut admin, &format!("/accounts/{pk}?tab=details"))
        .await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("Salesforce, 20"),
        "provenance on the page"
    );
    assert!(page.body.contains("Account API"));
    // A value Salesforce writes again is Salesforce's again.
    s.standin
        .change(
            "Account",
            json!([{"Id": account.account_id, "Website": "https://sf-again.example"}]),
        )
        .await;
    run_once(&s, org).await;
    let detail = s
        .app
        .call::<GetAccount>(&mut admin, &[("account_pk", &pk)])
        .await
        .unwrap();
    assert!(origin(&detail, "Website").starts_with("Salesforce, "));
    // Another organisation's origins are not this account's.
    s.app
        .organisation_with_admin("Beta", "admin@beta.example")
        .await;
    let other_org = s.app.org_id_of("admin@beta.example").await;
    let theirs =
        app::source_mapping::ssr::origins::of_account(&s.app.state.db, other_org, account.id)
            .await
            .unwrap();
    assert!(theirs.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_source_mapping_is_per_organisation_and_needs_configure_data_connectors() {
    let (s, org) = connected("2").await;
    save(
        &s,
        &[
            ("rAccount_name", "Name"),
            ("rAccount_employees", "NumberOfEmployees"),
            ("csm", "CSM__c"),
        ],
    )
    .await
    .unwrap();
    let mut other = s
        .app
        .organisation_with_admin("Beta", "admin@beta.example")
        .await;
    let other_org = s.app.org_id_of("admin@beta.example").await;
    // Beta sees its own (default) mapping, and is told to connect first.
    let theirs = s
        .app
        .call::<GetSourceMapping>(&mut other, &[])
        .await
        .unwrap();
    assert_eq!(theirs["editor"]["saved"], false);
    assert_eq!(editor_field(&theirs, "Account", "employees")["remote"], "");
    assert_eq!(theirs["editor"]["csm_field"], "");
    assert!(theirs["editor"]["describe_error"]
        .as_str()
        .unwrap()
        .contains("Connect Salesforce first"));
    // Beta's save is refused (not connected) and changes nothing of Acme's.
    let refused = s
        .app
        .call::<SaveSalesforceMapping>(&mut other, &[("m[rAccount_name]", "Name")])
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("Connect Salesforce first"),
        "{refused}"
    );
    assert_eq!(stored_rows(&s, other_org).await, 0);
    assert_eq!(stored_rows(&s, org).await, 21);
    assert_eq!(
        csm::setting(&s.app.state.db, org)
            .await
            .unwrap()
            .unwrap()
            .name,
        "CSM__c"
    );

    // Without Configure Data Connectors: refused, and the page answers 403.
    s.app.add_user(org, "CSM", "carol@acme.example").await;
    let mut carol = s.app.signed_in("carol@acme.example").await;
    assert!(matches!(
        s.app.call::<GetSourceMapping>(&mut carol, &[]).await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        s.app
            .call::<SaveSalesforceMapping>(&mut carol, &[("m[rAccount_name]", "Name")])
            .await,
        Err(AppError::Forbidden)
    ));
    let page = s.app.get(&mut carol, "/settings/it/source-mapping").await;
    assert_eq!(page.status, 403);
    assert_eq!(stored_rows(&s, org).await, 21);
}
