//! What every benchmark section needs: a Steward on a chosen database, served on a
//! loopback port; an organisation and its keys; a throwaway PostgreSQL cluster.
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use app::state::AppState;
use sea_orm::ConnectionTrait;

/// A Steward whose data directory is `dir`, on `database_url` (None: the default SQLite
/// file in `dir`), with `extra` settings (`STEWARD_…` variables).
pub async fn steward(dir: &Path, database_url: Option<&str>, extra: &[(&str, &str)]) -> AppState {
    std::fs::create_dir_all(dir).expect("bench data dir");
    std::fs::write(dir.join("Leptos.toml"), "").expect("config");
    let mut env: BTreeMap<String, String> = [
        (
            "STEWARD_CONFIG",
            dir.join("Leptos.toml").display().to_string(),
        ),
        ("STEWARD_DATA_DIR", dir.display().to_string()),
        ("STEWARD_LOG_FORMAT", "text".into()),
        // PostgreSQL requires a shared secret key; a fresh one per run is fine here.
        (
            "STEWARD_SECRET_KEY",
            app::crypto::SecretKey::generate_base64(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    if let Some(url) = database_url {
        env.insert("STEWARD_DATABASE_URL".into(), url.to_owned());
    }
    for (k, v) in extra {
        env.insert((*k).to_owned(), (*v).to_owned());
    }
    let (settings, _) = app::config::Settings::load(&env).expect("settings");
    server::startup::build_state(settings).await.expect("state")
}

/// Serves `state` on a free loopback port until the process ends.
pub async fn serve(state: &AppState) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let router = server::http::router(state.clone());
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .ok();
    });
    address
}

/// A new organisation named `name` whose administrator (pending) is bench@example.com;
/// answers its id and the administrator's setup link.
pub async fn organisation(state: &AppState, name: &str) -> (i32, String) {
    let created = app::orgs::ssr::service::create_organisation(
        &state.db,
        &state.settings,
        name,
        "bench@example.com",
    )
    .await
    .expect("organisation");
    (created.org_id, created.setup_link)
}

/// A key of `kind` ("account" or "event") for the organisation.
pub async fn key(
    state: &AppState,
    org_id: i32,
    kind: &str,
    name: &str,
) -> app::api_keys::dto::NewApiKey {
    app::api_keys::ssr::service::create_from_command_line(
        &state.db,
        &org_id.to_string(),
        kind,
        name,
    )
    .await
    .expect("key")
}

/// A throwaway cluster (scripts/pg-throwaway.sh) with fsync turned back on, so commits are
/// durable as in production.
pub struct Postgres {
    dir: PathBuf,
    admin_url: String,
}

impl Postgres {
    /// Starts a cluster under `root`; None (with the reason printed) when PostgreSQL is
    /// not installed or does not start.
    pub fn start(root: &Path) -> Option<Self> {
        if !Path::new("/usr/lib/postgresql").exists() {
            println!("  PostgreSQL: skipped (no postgres binaries under /usr/lib/postgresql)");
            return None;
        }
        let dir = root.join("pg");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .ok()?
            .port();
        let output = std::process::Command::new("bash")
            .arg(script())
            .args(["start", &dir.display().to_string(), &port.to_string()])
            .output()
            .ok()?;
        let admin_url = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        if !output.status.success() || !admin_url.starts_with("postgres") {
            println!(
                "  PostgreSQL: skipped (the throwaway cluster did not start: {})",
                String::from_utf8_lossy(&output.stderr).trim()
            );
            return None;
        }
        Some(Self { dir, admin_url })
    }

    /// A new database of the cluster; answers its URL.
    pub async fn database(&self, name: &str) -> String {
        let admin = sea_orm::Database::connect(&self.admin_url)
            .await
            .expect("postgres");
        for statement in [
            "ALTER SYSTEM SET fsync = on".to_owned(),
            "SELECT pg_reload_conf()".to_owned(),
            format!("CREATE DATABASE {name}"),
        ] {
            admin
                .execute_unprepared(&statement)
                .await
                .unwrap_or_else(|e| panic!("{statement}: {e}"));
        }
        admin.close().await.ok();
        tokio::time::sleep(Duration::from_millis(200)).await;
        let (base, _) = self.admin_url.rsplit_once('/').expect("url");
        format!("{base}/{name}")
    }

    pub fn stop(self) {
        std::process::Command::new("bash")
            .arg(script())
            .args(["stop", &self.dir.display().to_string()])
            .output()
            .ok();
    }
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/pg-throwaway.sh")
}
