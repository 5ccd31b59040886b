//! Building the application state from configuration, and serving.
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use leptos::config::{get_configuration, LeptosOptions};

use app::auth::ssr::password::PasswordHasher;
use app::config::Settings;
use app::state::AppState;

/// Start-up failures, each with a message telling the operator what to do.
#[derive(Debug)]
pub struct StartError(pub String);

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StartError {}

/// Reads configuration from `Leptos.toml` and the process environment, and starts logging.
pub fn load_settings() -> Result<Settings, StartError> {
    let env: BTreeMap<String, String> = std::env::vars().collect();
    let (settings, report) =
        Settings::load(&env).map_err(|e| StartError(format!("Configuration: {e}")))?;
    crate::telemetry::init(&settings.log_format);
    for name in &report.unknown_env {
        tracing::warn!(variable = %name, "unknown STEWARD_* environment variable ignored; see the README for the list of keys");
    }
    if let Some(file) = &report.file_used {
        tracing::info!(file = %file.display(), "configuration loaded");
    }
    Ok(settings)
}

fn leptos_options(settings: &Settings) -> LeptosOptions {
    // Under `cargo leptos` the build tells the server where its output is.
    if std::env::var_os("LEPTOS_OUTPUT_NAME").is_some() {
        if let Ok(conf) = get_configuration(None) {
            let mut options = conf.leptos_options;
            options.site_addr = settings.listen_address;
            return options;
        }
    }
    let mut options = LeptosOptions::builder()
        .output_name("steward")
        .site_root(settings.site_root.as_str())
        .site_pkg_dir("pkg")
        .site_addr(settings.listen_address)
        .build();
    // Leptos reads the file at every page render (HydrationScripts, HashedStylesheet), so the
    // HTML always names the files of the build on disk. An absolute path replaces Leptos' own
    // "beside the binary" base.
    if let Some(path) = asset_hash_file(settings) {
        options.hash_files = true;
        options.hash_file = path.to_string_lossy().into();
    }
    options
}

/// The hash file cargo-leptos writes with `hash-files = true` (`hash.txt` beside the binary,
/// or `hash_file` from the settings), when it exists.
fn asset_hash_file(settings: &Settings) -> Option<std::path::PathBuf> {
    let path = match &settings.hash_file {
        Some(path) => path.clone(),
        None => std::env::current_exe().ok()?.parent()?.join("hash.txt"),
    };
    let path = std::path::absolute(&path).unwrap_or(path);
    if path.is_file() {
        Some(path)
    } else {
        if settings.hash_file.is_some() {
            tracing::warn!(file = %path.display(), "hash_file not found: pages name the unhashed asset files");
        }
        None
    }
}

/// Opens the database (creating the SQLite data directory), applies migrations, resolves
/// the encryption key and starts the password hashing pool.
pub async fn build_state(settings: Settings) -> Result<AppState, StartError> {
    if settings.is_sqlite() {
        std::fs::create_dir_all(&settings.data_dir).map_err(|e| {
            StartError(format!(
                "cannot create the data directory {}: {e}",
                settings.data_dir.display()
            ))
        })?;
    }
    let (secrets, generated) = settings.secret_box().map_err(|e| StartError(e.0))?;
    if generated {
        tracing::warn!(
            path = %settings.data_dir.join("secret.key").display(),
            key_id = secrets.current_key_id(),
            "generated a new secret key for encrypting secrets at rest; back it up together with the database"
        );
    }
    let db = app::db::connect::connect_and_migrate(
        &settings.database_url,
        std::time::Duration::from_secs(settings.storage_wait_seconds),
    )
    .await
    .map_err(|e| StartError(format!("cannot open the database: {e}")))?;
    let mailer =
        app::mail::ssr::transport::SmtpSender::from_settings(&settings.mail).map_err(StartError)?;
    match &settings.mail.relay {
        Some(relay) => tracing::info!(%relay, "mail goes out through the configured SMTP relay"),
        None => tracing::info!(
            "no mail relay configured: messages go to the outbox and their links to this log"
        ),
    }
    let api_status = if settings.api_status_log {
        app::api_status::ssr::recorder::ApiStatusLog::start(db.clone())
    } else {
        app::api_status::ssr::recorder::ApiStatusLog::disabled()
    };
    Ok(AppState {
        leptos_options: leptos_options(&settings),
        api_status,
        events: app::event_api::writer::EventWriter::start(db.clone()),
        body_budget: app::public_api::body::BodyBudget::new(
            settings.large_body_budget_mb * 1024 * 1024,
            std::time::Duration::from_secs(settings.large_body_wait_seconds),
        ),
        db,
        settings: Arc::new(settings),
        secrets: Arc::new(secrets),
        hasher: PasswordHasher::for_this_machine(),
        mailer,
    })
}

/// Serves until Ctrl-C or SIGTERM.
pub async fn serve(state: AppState) -> Result<(), StartError> {
    if let Some(link) = app::orgs::ssr::service::issue_bootstrap_link(&state.db, &state.settings)
        .await
        .map_err(|e| StartError(format!("cannot check for a first organisation: {e}")))?
    {
        tracing::info!("no organisation yet: printed a one-time setup link");
        println!("\nSteward has no organisation yet. Open this one-time link (valid 24 hours) to create it and its administrator:\n\n    {link}\n");
    }
    let jobs = app::jobs::housekeeping::jobs(&state);
    // Check as often as the most frequent job needs (mail), at most every 30 seconds.
    let tick = jobs
        .iter()
        .map(|j| j.interval)
        .min()
        .unwrap_or(Duration::from_secs(30))
        .clamp(Duration::from_secs(1), Duration::from_secs(30));
    app::jobs::spawn_scheduler(
        state.db.clone(),
        app::jobs::instance_name().to_owned(),
        jobs,
        tick,
    );

    // The BCC address's SMTP listener runs on every instance (raw mail goes to the shared
    // database), unless `inbound_smtp_address` is empty.
    match crate::smtp::start(&state).await.map_err(StartError)? {
        Some(smtp) => tracing::info!(%smtp, domain = %state.settings.inbound.domain, "SMTP listener for BCC email is up"),
        None => tracing::info!("inbound_smtp_address is empty: no SMTP listener (the HTTP door /api/inbound-mail/{{token}} stays)"),
    }
    let address = state.settings.listen_address;
    let listener = tokio::net::TcpListener::bind(address).await.map_err(|e| {
        StartError(format!(
            "cannot listen on {address}: {e}. Set STEWARD_LISTEN_ADDRESS to another address."
        ))
    })?;
    tracing::info!(%address, public_url = %state.settings.public_url, "Steward is serving");
    println!("Steward is running at {}", state.settings.base_url());
    serve_on(listener, state, shutdown_signal()).await;
    Ok(())
}

/// Serves the application on `listener` with the configured connection limits until
/// `shutdown` completes (tests pass their own listener and signal).
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let limits = crate::http::connections::ConnectionLimits {
        header_timeout: Duration::from_secs(state.settings.header_timeout_seconds),
        max_connections: state.settings.max_connections,
    };
    let api_status = state.api_status.clone();
    crate::http::connections::serve(listener, crate::http::router(state), limits, shutdown).await;
    // Calls answered just before shutdown are still in the API Status queue.
    api_status.flush().await;
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
