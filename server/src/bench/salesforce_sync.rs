//! Salesforce connector (issue 14): a first sync of 100,000 Accounts and 200,000 Contacts
//! (two per Account) from the Salesforce stand-in (`salesforce-standin`, a separate
//! process on loopback), beside the same records as JSON through the Account API's bulk
//! endpoints (`/api/v2/accounts`, then `/api/v2/account_contacts`, requests of 5,000) in
//! the same run, each into its own fresh Steward, on SQLite and PostgreSQL (target: the
//! sync at least 0.7 of the JSON path's records/s). Also Steward's resident memory idle
//! and at its peak during the sync (the stand-in's own memory is not counted). Prints
//! figures; asserts nothing.
//!
//! The organisation is connected as an administrator would: the Connected App saved through
//! Manage Credentials' service, the authorization started by Steward, Allow on the
//! stand-in's authorize form, and Steward's callback. The sync is the connector's run
//! (`Trigger::Cli`) with the default mapping (Name, Website, Industry, BillingCountry,
//! AnnualRevenue; Contacts' FirstName, LastName, Email). Its time includes the stand-in
//! answering the queries; seeding the stand-in is not timed.
//! `STEWARD_BENCH_SF_ACCOUNTS` sets the number of Accounts (Contacts: twice as many).
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use app::salesforce_sync::ssr::reader::Retry;
use app::salesforce_sync::ssr::run::Trigger;
use app::state::AppState;
use serde_json::{json, Value};

use crate::body_memory::resident_bytes;
use crate::support::{self, Postgres};
use crate::upload::post_json_records;

const DEFAULT_ACCOUNTS: usize = 100_000;
const CONTACTS_PER_ACCOUNT: usize = 2;
const JSON_REQUEST_ROWS: usize = 5_000;
/// Records per `POST /__standin/records` (its JSON body limit is 2 MB).
const SEED_BATCH: usize = 2_000;
const PASSWORD: &str = "salesforce bench orbit meadow";
const INDUSTRIES: [&str; 4] = ["Technology", "Manufacturing", "Retail", "Healthcare"];
const COUNTRIES: [&str; 5] = ["Germany", "France", "United States", "Japan", "Brazil"];

fn accounts_wanted() -> usize {
    std::env::var("STEWARD_BENCH_SF_ACCOUNTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(DEFAULT_ACCOUNTS)
}

/// Account `i` as the stand-in takes it.
fn salesforce_account(i: usize) -> Value {
    json!({
        "Name": format!("Account {i} of the Salesforce bench"),
        "Website": format!("https://customer{i}.example"),
        "Industry": INDUSTRIES[i % INDUSTRIES.len()],
        "BillingCountry": COUNTRIES[i % COUNTRIES.len()],
        "AnnualRevenue": 1_000_000.0 * (i % 50 + 1) as f64,
        "NumberOfEmployees": 10 * (i % 30 + 1),
    })
}

/// Contact `j` of Account `i`.
fn salesforce_contact(i: usize, j: usize, account: &str) -> Value {
    json!({
        "AccountId": account,
        "FirstName": "Person",
        "LastName": format!("{i}-{j}"),
        "Name": format!("Person {i}-{j}"),
        "Email": format!("person{j}@customer{i}.example"),
        "Title": "Buyer",
    })
}

/// The same Account as the Account API's JSON, under the default mapping (the sync takes
/// `join_date` from CreatedDate, which the stand-in set when it was seeded).
fn api_account(i: usize, id: &str, join_date: i64) -> Value {
    json!({
        "account_id": id,
        "crm_account_id": id,
        "join_date": join_date,
        "name": format!("Account {i} of the Salesforce bench"),
        "website": format!("https://customer{i}.example"),
        "industry": INDUSTRIES[i % INDUSTRIES.len()],
        "billing_country": COUNTRIES[i % COUNTRIES.len()],
        "custom_value_dimensions": {"annual_revenue": 1_000_000.0 * (i % 50 + 1) as f64},
    })
}

fn api_contact(i: usize, j: usize, id: &str, account: &str) -> Value {
    json!({
        "user_id": id,
        "account_id": account,
        "first_name": "Person",
        "last_name": format!("{i}-{j}"),
        "email": format!("person{j}@customer{i}.example"),
    })
}

/// The stand-in's binary: beside this one (`make bench` builds both); else built the way
/// the integration tests build it, in this build's profile.
fn standin_binary() -> Option<PathBuf> {
    let beside = std::env::current_exe()
        .ok()?
        .with_file_name("salesforce-standin");
    if beside.exists() {
        return Some(beside);
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut args = vec!["build", "-p", "salesforce-standin"];
    if !cfg!(debug_assertions) {
        args.push("--release");
    }
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(args)
        .current_dir(root)
        .status()
        .ok()?;
    (status.success() && beside.exists()).then_some(beside)
}

/// The stand-in on a free loopback port with no demo Accounts; stopped when dropped.
struct Standin {
    url: String,
    child: Child,
}

impl Standin {
    fn start(binary: &Path) -> Self {
        let mut child = Command::new(binary)
            .args(["--port", "0", "--accounts", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the Salesforce stand-in");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the stand-in prints its URL");
        let url = line
            .trim()
            .rsplit(' ')
            .next()
            .unwrap_or_default()
            .to_owned();
        assert!(
            url.starts_with("http://127.0.0.1:"),
            "stand-in said: {line}"
        );
        Self { url, child }
    }

    /// Creates records of `object`; answers their ids in order.
    async fn create(
        &self,
        client: &reqwest::Client,
        object: &str,
        records: Vec<Value>,
    ) -> Vec<String> {
        let answer: Value = client
            .post(format!("{}/__standin/records/{object}", self.url))
            .json(&records)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .unwrap_or_else(|e| panic!("seeding {object}: {e}"))
            .json()
            .await
            .expect("the stand-in answers ids");
        answer["ids"]
            .as_array()
            .expect("ids")
            .iter()
            .map(|id| id.as_str().unwrap_or_default().to_owned())
            .collect()
    }
}

impl Drop for Standin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn client() -> reqwest::Client {
    // Installs the process's TLS provider, as Steward does before its first call.
    let _ = app::connections::ssr::salesforce::http();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The stand-in's ids: Accounts, and per Account its Contacts.
struct Seeded {
    /// When the stand-in was seeded (about the records' CreatedDate).
    at: i64,
    accounts: Vec<String>,
    contacts: Vec<String>,
}

async fn seed(standin: &Standin, accounts: usize) -> Seeded {
    let client = client();
    let at = app::time::now_ms();
    let mut account_ids = Vec::with_capacity(accounts);
    for start in (0..accounts).step_by(SEED_BATCH) {
        let end = (start + SEED_BATCH).min(accounts);
        let records = (start..end).map(salesforce_account).collect();
        account_ids.extend(standin.create(&client, "Account", records).await);
    }
    let mut contact_ids = Vec::with_capacity(accounts * CONTACTS_PER_ACCOUNT);
    let per_batch = SEED_BATCH / CONTACTS_PER_ACCOUNT;
    for start in (0..accounts).step_by(per_batch) {
        let end = (start + per_batch).min(accounts);
        let records = (start..end)
            .flat_map(|i| {
                let account = &account_ids[i];
                (0..CONTACTS_PER_ACCOUNT).map(move |j| salesforce_contact(i, j, account))
            })
            .collect();
        contact_ids.extend(standin.create(&client, "Contact", records).await);
    }
    Seeded {
        at,
        accounts: account_ids,
        contacts: contact_ids,
    }
}

/// An organisation whose administrator connected it to the stand-in through Steward's own
/// services (Manage Credentials, the OAuth start and callback) and the stand-in's Allow.
async fn connect(state: &AppState, standin: &Standin) -> i32 {
    use app::connections::ssr::{credentials, salesforce};
    let (org_id, setup_link) = support::organisation(state, "Salesforce").await;
    let setup_token = setup_link.rsplit('/').next().unwrap_or_default().to_owned();
    let form = app::orgs::ssr::service::SetupForm {
        organisation: None,
        name: "Bench Admin".into(),
        email: None,
        password: PASSWORD.into(),
        title: None,
    };
    app::orgs::ssr::service::complete_setup(state, &setup_token, form, &Default::default())
        .await
        .expect("setup");
    let token = match app::auth::ssr::service::sign_in(
        state,
        "bench@example.com",
        PASSWORD.into(),
        &Default::default(),
    )
    .await
    .expect("sign in")
    {
        app::auth::ssr::service::SignInOutcome::SignedIn { token, .. } => token,
        _ => unreachable!("no second factor in the benchmark"),
    };
    let admin = app::auth::ssr::context::user_for_token(state, &token)
        .await
        .expect("session")
        .expect("signed in");
    credentials::save(
        state,
        &admin,
        app::connections::dto::CredentialSystem::SalesforceConnectedApp,
        BTreeMap::from([
            ("consumer_key".to_owned(), "standin-consumer-key".to_owned()),
            (
                "consumer_secret".to_owned(),
                "standin-consumer-secret".to_owned(),
            ),
        ]),
    )
    .await
    .expect("the Connected App is saved");
    let authorize = salesforce::start(state, &admin, &token, "my_domain", &standin.url)
        .await
        .expect("start")
        .unwrap_or_else(|code| panic!("the authorization does not start: {code}"));
    // The administrator on the stand-in's authorize page: signs in and allows.
    let client = client();
    let url = url::Url::parse(&authorize).expect("authorize URL");
    let page = client
        .get(url.clone())
        .send()
        .await
        .expect("authorize page");
    assert!(page.status().is_success(), "the authorize page opens");
    let mut form: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    form.push(("username".into(), "admin@standin.example".into()));
    form.push(("password".into(), "standin-password".into()));
    form.push(("decision".into(), "allow".into()));
    let allowed = client
        .post(format!("{}/services/oauth2/authorize", standin.url))
        .form(&form)
        .send()
        .await
        .expect("allow");
    let location = allowed
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .expect("the stand-in redirects to the callback");
    let back: BTreeMap<String, String> = url::Url::parse(location)
        .expect("callback URL")
        .query_pairs()
        .into_owned()
        .collect();
    let query = salesforce::CallbackQuery {
        code: back.get("code").cloned(),
        state: back.get("state").cloned(),
        ..Default::default()
    };
    salesforce::callback(state, Some(&token), query)
        .await
        .expect("callback")
        .unwrap_or_else(|code| panic!("the callback does not connect: {code}"));
    org_id
}

pub async fn run() {
    let accounts = accounts_wanted();
    let contacts = accounts * CONTACTS_PER_ACCOUNT;
    println!();
    println!(
        "Salesforce connector: first sync of {accounts} Accounts and {contacts} Contacts from the stand-in beside the Account API's JSON bulk path on the same records"
    );
    let Some(binary) = standin_binary() else {
        println!("  skipped: the stand-in (salesforce-standin) is not built and did not build");
        return;
    };
    let root = std::env::temp_dir().join(format!("steward-bench-sf-{}", std::process::id()));
    std::fs::create_dir_all(&root).expect("temp dir");
    let standin = Standin::start(&binary);
    let seeded = seed(&standin, accounts).await;
    compare("SQLite", &root.join("sqlite"), None, &standin, &seeded).await;
    if let Some(postgres) = Postgres::start(&root) {
        let sync_url = postgres.database("bench_sf_sync").await;
        let json_url = postgres.database("bench_sf_json").await;
        compare(
            "PostgreSQL",
            &root.join("postgres"),
            Some((&sync_url, &json_url)),
            &standin,
            &seeded,
        )
        .await;
        postgres.stop();
    }
    drop(standin);
    std::fs::remove_dir_all(&root).ok();
}

/// The sync into one fresh Steward, the JSON bulk path into another, on the same database.
async fn compare(
    label: &str,
    dir: &Path,
    urls: Option<(&str, &str)>,
    standin: &Standin,
    seeded: &Seeded,
) {
    let state = support::steward(&dir.join("sync"), urls.map(|u| u.0), &[]).await;
    let org_id = connect(&state, standin).await;

    tokio::time::sleep(Duration::from_millis(300)).await;
    let idle = resident_bytes();
    let peak = Arc::new(AtomicU64::new(idle));
    let running = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (peak, running) = (peak.clone(), running.clone());
        tokio::spawn(async move {
            while running.load(Ordering::Relaxed) {
                peak.fetch_max(resident_bytes(), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };
    let started = Instant::now();
    let summary = app::salesforce_sync::ssr::run::run(
        &state,
        org_id,
        "salesforce",
        Trigger::Cli,
        Retry::default(),
    )
    .await;
    let took = started.elapsed();
    running.store(false, Ordering::Relaxed);
    sampler.await.ok();
    let peak = peak.load(Ordering::Relaxed).max(resident_bytes());
    let summary = summary.expect("the run starts");
    let written = |object: &str| {
        summary
            .per_object
            .iter()
            .find(|o| o.0 == object)
            .map_or(0, |o| o.2)
    };
    let (synced_accounts, synced_contacts) = (written("Account"), written("Contact"));
    if summary.error.is_some()
        || synced_accounts as usize != seeded.accounts.len()
        || synced_contacts as usize != seeded.contacts.len()
    {
        eprintln!(
            "  unexpected sync: status {}, {synced_accounts} accounts and {synced_contacts} contacts written, error {:?}",
            summary.status, summary.error
        );
    }
    let sync_rate = (synced_accounts + synced_contacts) as f64 / took.as_secs_f64();

    let json_rate = json_path(&dir.join("json"), urls.map(|u| u.1), seeded).await;
    let mb = |b: u64| b as f64 / 1_000_000.0;
    println!(
        "  {label:<10} sync {sync_rate:>7.0} records/s ({:.1} s, {} API calls)   JSON bulk API {json_rate:>7.0} records/s   ratio {:.2} (target >= 0.70)   RSS idle {:.0} MB, peak {:.0} MB during the sync",
        took.as_secs_f64(),
        summary.api_calls,
        sync_rate / json_rate,
        mb(idle),
        mb(peak)
    );
}

/// The same records as JSON through the Account API's bulk endpoints of a fresh Steward;
/// answers records/s.
async fn json_path(dir: &Path, url: Option<&str>, seeded: &Seeded) -> f64 {
    let state = support::steward(dir, url, &[]).await;
    let (org_id, _) = support::organisation(&state, "Bulk").await;
    let key = support::key(&state, org_id, "account", "bulk")
        .await
        .api_key;
    let address = support::serve(&state).await;
    let accounts: Vec<String> = seeded
        .accounts
        .chunks(JSON_REQUEST_ROWS)
        .enumerate()
        .map(|(chunk, ids)| {
            let records: Vec<Value> = ids
                .iter()
                .enumerate()
                .map(|(k, id)| api_account(chunk * JSON_REQUEST_ROWS + k, id, seeded.at))
                .collect();
            json!({ "records": records }).to_string()
        })
        .collect();
    let contacts: Vec<String> = seeded
        .contacts
        .chunks(JSON_REQUEST_ROWS)
        .enumerate()
        .map(|(chunk, ids)| {
            let records: Vec<Value> = ids
                .iter()
                .enumerate()
                .map(|(k, id)| {
                    let n = chunk * JSON_REQUEST_ROWS + k;
                    let i = n / CONTACTS_PER_ACCOUNT;
                    api_contact(i, n % CONTACTS_PER_ACCOUNT, id, &seeded.accounts[i])
                })
                .collect();
            json!({ "records": records }).to_string()
        })
        .collect();
    let started = Instant::now();
    let requests = accounts
        .into_iter()
        .map(|body| ("accounts", body))
        .chain(contacts.into_iter().map(|body| ("account_contacts", body)));
    for (path, body) in requests {
        post_json_records(address, path, &key, body).await;
    }
    (seeded.accounts.len() + seeded.contacts.len()) as f64 / started.elapsed().as_secs_f64()
}
