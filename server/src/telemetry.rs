//! Structured logs with `tracing`: human-readable text by default, JSON for log shippers.
//! Requests are logged by their redacted path only (`http::request_log`).
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

pub fn init(format: &str) {
    let filter = EnvFilter::try_from_env("STEWARD_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    // Colours only on a terminal: log files and collectors get plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    init_with(format, filter, std::io::stderr, ansi);
}

/// Installs the global subscriber writing to `writer` (tests capture the log this way).
/// Does nothing when one is already installed.
pub fn init_with<W>(format: &str, filter: EnvFilter, writer: W, ansi: bool)
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(writer)
        .with_ansi(ansi);
    let _ = if format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
