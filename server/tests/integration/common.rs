//! The test harness: a fresh Steward per test and a tiny cookie-keeping client.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{header, HeaderMap, Request, StatusCode};
use leptos::server_fn::ServerFn;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use secrecy::SecretString;
use tower::ServiceExt;

use app::config::Settings;
use app::db::entities::{roles, users};
use app::error::AppError;
use app::state::AppState;

pub const PASSWORD: &str = "quiet lantern orbit meadow";

pub struct TestApp {
    pub state: AppState,
    pub router: axum::Router,
    pub dir: PathBuf,
    pub database_url: String,
}

/// The environment a test instance runs with: its own data directory and database.
pub async fn test_env(extra: &[(&str, &str)]) -> (BTreeMap<String, String>, PathBuf) {
    let dir = std::env::temp_dir().join(format!(
        "steward-test-{}",
        app::crypto::random_token()[..12].to_lowercase()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("Leptos.toml"), "").unwrap();
    let database_url = match std::env::var("STEWARD_TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => fresh_postgres_database(&url).await,
        _ => format!("sqlite://{}?mode=rwc", dir.join("steward.db").display()),
    };
    let mut env: BTreeMap<String, String> = [
        (
            "STEWARD_CONFIG",
            dir.join("Leptos.toml").display().to_string(),
        ),
        ("STEWARD_DATA_DIR", dir.display().to_string()),
        ("STEWARD_DATABASE_URL", database_url),
        (
            "STEWARD_SECRET_KEY",
            app::crypto::SecretKey::generate_base64(),
        ),
        ("STEWARD_TRUST_FORWARDED_FOR", "true".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    for (k, v) in extra {
        env.insert((*k).to_owned(), (*v).to_owned());
    }
    (env, dir)
}

async fn fresh_postgres_database(admin_url: &str) -> String {
    let name = format!("steward_test_{}", app::crypto::short_reference());
    let admin = sea_orm::Database::connect(admin_url)
        .await
        .expect("connect to the test PostgreSQL");
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    admin.close().await.ok();
    let (base, _) = admin_url.rsplit_once('/').unwrap();
    format!("{base}/{name}")
}

pub async fn spawn() -> TestApp {
    spawn_with(&[]).await
}

pub async fn spawn_with(extra: &[(&str, &str)]) -> TestApp {
    let (env, dir) = test_env(extra).await;
    let (settings, _) = Settings::load(&env).expect("test settings");
    let database_url = settings.database_url.clone();
    let state = server::startup::build_state(settings).await.expect("state");
    let router = server::http::router(state.clone())
        .layer(MockConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
    TestApp {
        state,
        router,
        dir,
        database_url,
    }
}

/// A test's data directory goes with it (an open SQLite file is only unlinked, so the
/// state's background tasks finishing late do not fail). `test_env` callers that keep no
/// `TestApp` leave theirs to `scripts/test.sh`, which runs the suite in its own TMPDIR.
impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A browser: its session cookie and the client address it appears to come from.
#[derive(Clone, Debug)]
pub struct Browser {
    pub cookie: Option<String>,
    pub address: String,
}

impl Default for Browser {
    fn default() -> Self {
        Self {
            cookie: None,
            address: "203.0.113.10".into(),
        }
    }
}

impl Browser {
    pub fn from_address(address: &str) -> Self {
        Self {
            cookie: None,
            address: address.into(),
        }
    }
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_owned)
            .collect()
    }
}

impl TestApp {
    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), 10 << 20)
            .await
            .unwrap();
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    fn remember_cookie(browser: &mut Browser, reply: &Reply) {
        for set in reply.set_cookies() {
            if let Some(value) = set.strip_prefix("steward_session=") {
                let value = value.split(';').next().unwrap_or_default();
                browser.cookie = (!value.is_empty()).then(|| value.to_owned());
            }
        }
    }

    pub async fn get(&self, browser: &mut Browser, path: &str) -> Reply {
        let mut request = Request::get(path)
            .header("x-forwarded-for", &browser.address)
            .header(header::ACCEPT, "text/html");
        if let Some(cookie) = &browser.cookie {
            request = request.header(header::COOKIE, format!("steward_session={cookie}"));
        }
        let reply = self.send(request.body(Body::empty()).unwrap()).await;
        Self::remember_cookie(browser, &reply);
        reply
    }

    /// Posts a server function the way the hydrated app does.
    pub async fn post_raw(
        &self,
        browser: &mut Browser,
        path: &str,
        form: &[(&str, &str)],
        extra: &[(&str, &str)],
    ) -> Reply {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let mut request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .header("x-forwarded-for", &browser.address);
        if let Some(cookie) = &browser.cookie {
            request = request.header(header::COOKIE, format!("steward_session={cookie}"));
        }
        for (k, v) in extra {
            request = request.header(*k, *v);
        }
        let reply = self.send(request.body(Body::from(body)).unwrap()).await;
        Self::remember_cookie(browser, &reply);
        reply
    }

    /// Calls server function `F` with form fields; decodes its result or its `AppError`.
    pub async fn call<F: ServerFn>(
        &self,
        browser: &mut Browser,
        form: &[(&str, &str)],
    ) -> Result<serde_json::Value, AppError> {
        let reply = self
            .post_raw(browser, F::PATH, form, &[("sec-fetch-site", "same-origin")])
            .await;
        if reply.status.is_success() {
            Ok(serde_json::from_str(&reply.body).unwrap_or(serde_json::Value::Null))
        } else {
            let error: AppError = serde_json::from_str(&reply.body).unwrap_or_else(|_| {
                panic!(
                    "{} answered {} with a body that is not an AppError: {}",
                    F::PATH,
                    reply.status,
                    reply.body
                )
            });
            assert_eq!(
                reply.status,
                error.status_code(),
                "status matches the error for {}",
                F::PATH
            );
            Err(error)
        }
    }

    pub async fn org_id_of(&self, email: &str) -> i32 {
        users::Entity::find()
            .filter(users::Column::Email.eq(email))
            .one(&self.state.db)
            .await
            .unwrap()
            .unwrap()
            .org_id
    }

    pub async fn user(&self, email: &str) -> users::Model {
        users::Entity::find()
            .filter(users::Column::Email.eq(email))
            .one(&self.state.db)
            .await
            .unwrap()
            .unwrap()
    }

    /// A new organisation whose administrator (CSM Manager) finished set-up and is signed in.
    pub async fn organisation_with_admin(&self, org_name: &str, email: &str) -> Browser {
        let created = app::orgs::ssr::service::create_organisation(
            &self.state.db,
            &self.state.settings,
            org_name,
            email,
        )
        .await
        .unwrap();
        let token = token_of(&created.setup_link);
        let mut browser = Browser::default();
        self.call::<app::orgs::api::CompleteSetup>(
            &mut browser,
            &[
                ("token", &token),
                ("name", "Ada Admin"),
                ("password", PASSWORD),
            ],
        )
        .await
        .expect("complete setup");
        assert!(
            browser.cookie.is_some(),
            "set-up signs the administrator in"
        );
        browser
    }

    /// The organisation's role called `name`.
    pub async fn role(&self, org_id: i32, name: &str) -> roles::Model {
        roles::Entity::find()
            .filter(roles::Column::OrgId.eq(org_id))
            .filter(roles::Column::Name.eq(name))
            .one(&self.state.db)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no role {name} in organisation {org_id}"))
    }

    /// Adds an active user with `role_name` directly (the Users page arrives in a later issue).
    pub async fn add_user(&self, org_id: i32, role_name: &str, email: &str) -> users::Model {
        let role = self.role(org_id, role_name).await;
        let hash = self
            .state
            .hasher
            .hash(SecretString::from(PASSWORD))
            .await
            .unwrap();
        users::ActiveModel {
            org_id: Set(org_id),
            email: Set(email.to_owned()),
            name: Set("Test User".into()),
            role_id: Set(role.id),
            status: Set("active".into()),
            password_hash: Set(Some(hash)),
            created_at: Set(0),
            updated_at: Set(0),
            ..Default::default()
        }
        .insert(&self.state.db)
        .await
        .unwrap()
    }

    pub async fn signed_in(&self, email: &str) -> Browser {
        let mut browser = Browser::default();
        self.call::<app::auth::api::SignIn>(
            &mut browser,
            &[("email", email), ("password", PASSWORD)],
        )
        .await
        .unwrap();
        browser
    }
}

pub fn token_of(link: &str) -> String {
    link.rsplit('/').next().unwrap().to_owned()
}

/// The current code for a secret shown as grouped base32, `offset` steps from now.
pub fn totp_code(secret_shown: &str, offset: i64) -> String {
    let bytes = base32_decode(&secret_shown.replace(' ', ""));
    let step = (app::time::now_ms() / 1000 / 30 + offset) as u64;
    app::two_factor::ssr::totp::code_at_step(&bytes, step)
}

pub fn base32_decode(text: &str) -> Vec<u8> {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut bits = 0u64;
    let mut count = 0;
    let mut out = Vec::new();
    for c in text.bytes().filter(|c| *c != b'=') {
        let value = alphabet.iter().position(|a| *a == c).expect("base32") as u64;
        bits = (bits << 5) | value;
        count += 5;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    out
}

/// A loopback TCP port nobody listens on (for a server a test starts).
pub fn free_tcp_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// Waits until something accepts connections on the loopback port: `tries` times 50 ms.
pub async fn listening(port: u16, tries: u32) -> bool {
    for _ in 0..tries {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    false
}

/// A real SMTP server (aiosmtpd) on a free loopback port, writing what it receives into a
/// Maildir. Stopped when dropped. `make test-tools` installs it into `.tools/venv`.
pub struct SmtpSink {
    pub port: u16,
    pub maildir: PathBuf,
    child: std::process::Child,
}

impl SmtpSink {
    pub async fn start() -> Self {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let python = root.join(".tools/venv/bin/python");
        assert!(
            python.exists(),
            "aiosmtpd is missing: run `make test-tools` (it installs into .tools/venv)"
        );
        let port = free_tcp_port();
        let maildir =
            std::env::temp_dir().join(format!("steward-mail-{}", app::crypto::short_reference()));
        let mut child = std::process::Command::new(python)
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(&maildir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start aiosmtpd");
        if listening(port, 100).await {
            return Self {
                port,
                maildir,
                child,
            };
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("aiosmtpd did not start on port {port}");
    }

    /// Raw messages received so far.
    pub fn messages(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.maildir.join("new")) else {
            return vec![];
        };
        entries
            .filter_map(Result::ok)
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.maildir);
    }
}

/// Undoes quoted-printable soft line breaks and `=XX` escapes, enough to find links.
pub fn decode_quoted_printable(text: &str) -> String {
    let joined = text.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(value) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                out.push(value);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
