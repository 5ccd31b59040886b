//! Steward's runtime configuration (server only).
//!
//! Layers, lowest first: built-in defaults, then `Leptos.toml` (or the file named by
//! `STEWARD_CONFIG`), then `STEWARD_<KEY>` environment variables. A key inside the
//! `[mail]` table is `mail_<key>` in the environment: `[mail] relay` is `STEWARD_MAIL_RELAY`.
//! Secrets may also come from a file: `STEWARD_<KEY>_FILE=/run/secrets/x`.
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use secrecy::SecretString;
use url::Url;

use crate::crypto::{SecretBox, SecretKey};

/// Every key Steward understands: (flat key, default, is secret, what it does).
/// The README's configuration table is written from this list.
pub const KEYS: &[(&str, &str, bool, &str)] = &[
    ("listen_address", "127.0.0.1:3000", false, "Address and port the HTTP server binds."),
    ("public_url", "http://127.0.0.1:3000", false, "URL people use to reach Steward; used in links and to decide Secure cookies and HSTS."),
    ("data_dir", "data", false, "Directory for the SQLite file and the generated secret key."),
    ("database_url", "", false, "Empty: SQLite file `<data_dir>/steward.db`. Or `postgres://user:pass@host/db`."),
    ("secret_key", "", true, "Base64 of 32 random bytes; encrypts TOTP seeds and other secrets. Generated into `<data_dir>/secret.key` on SQLite when unset; required with PostgreSQL."),
    ("previous_secret_keys", "", true, "Comma-separated older keys still accepted for decryption while rotating."),
    ("site_root", "target/site", false, "Directory holding the built WASM, JS and CSS (`pkg/`)."),
    ("hash_file", "", false, "The build's list of asset hashes (cargo-leptos `hash.txt`). Empty: `hash.txt` beside the `steward` binary. Without the file, pages name the unhashed `pkg/steward.*` files."),
    ("session_idle_minutes", "60", false, "A session ends after this many minutes without a request."),
    ("session_absolute_hours", "12", false, "A session ends this many hours after sign-in, whatever the activity."),
    ("invitation_days", "7", false, "How long setup links for new users stay valid."),
    ("password_reset_hours", "24", false, "How long a password reset link stays valid."),
    ("seat_limit", "", false, "Most users who may hold a CSM seat (active and pending). Empty: no limit."),
    ("audit_retention_days", "400", false, "Audit log entries are kept this many days (at least 365)."),
    ("trust_forwarded_for", "false", false, "Take the client address from X-Forwarded-For (only behind a proxy you run)."),
    ("log_format", "text", false, "`text` or `json`."),
    ("api_status_log", "true", false, "Record every Account/Event API call in API Status (IT Administration). `false` turns the log off."),
    ("header_timeout_seconds", "10", false, "A connection must deliver a complete request head this many seconds after it opens or after its previous answer, else it is closed (so this is also how long an idle kept-alive connection stays open)."),
    ("body_timeout_seconds", "30", false, "Longest pause, in seconds, while a request body is being received; a slower body ends the request and its connection."),
    ("max_connections", "512", false, "Most client connections served at once; further ones wait (the log says so) until one closes."),
    ("large_body_budget_mb", "10", false, "Megabytes of large Account/Event API request bodies (64 KB or more, counted after decompression) handled at once; parsing costs memory in proportion. Raised to at least one largest body (10 MB)."),
    ("large_body_wait_seconds", "5", false, "How long a large request waits for room in that budget before it is answered 503 with Retry-After."),
    ("storage_wait_seconds", "5", false, "How long a request waits for the database (SQLite's write lock, a free pooled connection) before it is answered 503 with Retry-After."),
    ("mail_relay", "", false, "SMTP host. Empty: mail goes to the outbox in the database and links are logged."),
    ("mail_port", "587", false, "SMTP port."),
    ("mail_security", "starttls", false, "`none`, `starttls` or `tls`."),
    ("mail_username", "", false, "SMTP user name; empty for no authentication."),
    ("mail_password", "", true, "SMTP password; required when `mail_username` is set."),
    ("mail_delivery_seconds", "5", false, "How often queued mail is sent (and failed mail retried when due)."),
    ("mail_from", "Steward <steward@localhost>", false, "From address of Steward's mail."),
    ("mail_inbound_host", "", false, "Host the MX of an organisation's bounce subdomain points to (Email Configuration). Empty: the host of `public_url`."),
    ("mail_relay_spf", "", false, "SPF mechanisms that authorise the relay Steward sends through, for the bounce subdomain's SPF record (e.g. `include:_spf.relay.example` or `ip4:203.0.113.7`). Empty: `a:<mail_relay>`, or `a:<inbound host>` without a relay."),
    ("inbound_smtp_address", "127.0.0.1:2525", false, "Address the BCC email SMTP listener binds (`[inbound] smtp_address`). Empty turns the listener off (the HTTP door stays). Publish an MX for `inbound_domain` pointing to `mail_inbound_host`, which must reach this port (usually 25, forwarded)."),
    ("inbound_domain", "", false, "Domain of the organisations' BCC addresses, `<token>@<inbound_domain>` (`[inbound] domain`). Empty: the host of `public_url`."),
    ("inbound_max_message_bytes", "26214400", false, "Largest inbound message accepted, in bytes (25 MB): SMTP answers 552 beyond it, the HTTP door 413."),
    ("inbound_require_authenticated_sender", "true", false, "BCC email is accepted only when it passes DKIM or SPF aligned with its From domain (HTTP door: DKIM only). `false` drops that check (the sender must still be a user)."),
    ("dns_resolver", "", false, "DNS server Email Configuration's Verify asks, as `ip` or `ip:port`. Empty: the system's resolvers (/etc/resolv.conf)."),
    ("salesforce_client_id", "", false, "Consumer key of a Connected App shared by every organisation (an organisation's own, under Manage Credentials, wins)."),
    ("salesforce_client_secret", "", true, "Consumer secret of that Connected App."),
    ("salesforce_login_url", "https://login.salesforce.com", false, "Login host for the provider choice \"Salesforce\" (production)."),
    ("salesforce_sandbox_login_url", "https://test.salesforce.com", false, "Login host for the provider choice \"Salesforce sandbox\"."),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MailSecurity {
    None,
    StartTls,
    Tls,
}

#[derive(Debug)]
pub struct MailSettings {
    pub relay: Option<String>,
    pub port: u16,
    pub security: MailSecurity,
    pub username: Option<String>,
    pub password: Option<SecretString>,
    pub from: String,
    /// Where the bounce subdomain's MX points (`mail_inbound_host`; default: public_url's host).
    pub inbound_host: String,
    /// SPF mechanisms for the bounce subdomain (`mail_relay_spf`, with its default applied).
    pub relay_spf: String,
}

/// `[inbound]`: BCC email (issue 15).
#[derive(Debug, Clone)]
pub struct InboundSettings {
    /// Where the SMTP listener binds; None: no listener.
    pub smtp_address: Option<SocketAddr>,
    /// The domain of BCC addresses (lower case).
    pub domain: String,
    pub max_message_bytes: usize,
    pub require_authenticated_sender: bool,
}

pub struct SalesforceSettings {
    pub client_id: Option<String>,
    pub client_secret: Option<SecretString>,
    pub login_url: Url,
    pub sandbox_login_url: Url,
}

impl std::fmt::Debug for SalesforceSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SalesforceSettings")
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "redacted"),
            )
            .field("login_url", &self.login_url.as_str())
            .field("sandbox_login_url", &self.sandbox_login_url.as_str())
            .finish()
    }
}

#[derive(Debug)]
pub struct Settings {
    pub listen_address: SocketAddr,
    pub public_url: Url,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub site_root: String,
    /// Explicit path of the asset hash file; `None`: `hash.txt` beside the binary.
    pub hash_file: Option<PathBuf>,
    pub session_idle_minutes: i64,
    pub session_absolute_hours: i64,
    pub invitation_days: i64,
    pub password_reset_hours: i64,
    pub seat_limit: Option<u64>,
    pub audit_retention_days: i64,
    pub trust_forwarded_for: bool,
    pub log_format: String,
    /// Record API calls in API Status (`api_status_log`).
    pub api_status_log: bool,
    /// Connection limits (`header_timeout_seconds`, `body_timeout_seconds`,
    /// `max_connections`), applied by the server's accept loop.
    pub header_timeout_seconds: u64,
    pub body_timeout_seconds: u64,
    pub max_connections: usize,
    /// Budget of large API bodies in flight, in MB (`large_body_budget_mb`).
    pub large_body_budget_mb: usize,
    /// Longest wait for room in that budget (`large_body_wait_seconds`).
    pub large_body_wait_seconds: u64,
    /// Longest wait for the database before a request is answered 503 (`storage_wait_seconds`).
    pub storage_wait_seconds: u64,
    pub mail: MailSettings,
    pub mail_delivery_seconds: u64,
    /// `[inbound]`: the BCC address's doors and limits.
    pub inbound: InboundSettings,
    /// The DNS server Verify asks (`dns_resolver`); None: the system's.
    pub dns_resolver: Option<SocketAddr>,
    /// `[salesforce]`: a Connected App shared by every organisation, and the login hosts.
    pub salesforce: SalesforceSettings,
    /// Raw secret-key material, resolved into a `SecretBox` by `secret_box()`.
    secret_key: Option<SecretString>,
    previous_secret_keys: Option<SecretString>,
}

/// Why configuration could not be loaded; the message tells the operator what to do.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// What loading found besides the settings: things to warn about once logging is up.
#[derive(Debug, Default)]
pub struct LoadReport {
    pub unknown_env: Vec<String>,
    pub file_used: Option<PathBuf>,
}

impl Settings {
    /// Loads from the file (if it exists) and the given environment.
    pub fn load(env: &BTreeMap<String, String>) -> Result<(Self, LoadReport), ConfigError> {
        let mut report = LoadReport::default();
        let mut values: BTreeMap<String, String> = KEYS
            .iter()
            .map(|(k, default, _, _)| (k.to_string(), default.to_string()))
            .collect();

        let path = env
            .get("STEWARD_CONFIG")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("Leptos.toml"));
        if path.exists() {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| ConfigError(format!("cannot read {}: {e}", path.display())))?;
            for (key, value) in
                flatten_toml(&text).map_err(|e| ConfigError(format!("{}: {e}", path.display())))?
            {
                if !values.contains_key(&key) {
                    return Err(ConfigError(format!(
                        "{}: unknown key `{key}`. Known keys are listed in the README under Configuration.",
                        path.display()
                    )));
                }
                values.insert(key, value);
            }
            report.file_used = Some(path);
        } else if env.contains_key("STEWARD_CONFIG") {
            return Err(ConfigError(format!(
                "STEWARD_CONFIG names {}, which does not exist",
                path.display()
            )));
        }

        for (name, value) in env.iter().filter(|(n, _)| n.starts_with("STEWARD_")) {
            let rest = name["STEWARD_".len()..].to_ascii_lowercase();
            if rest == "config" {
                continue;
            }
            if let Some(key) = rest.strip_suffix("_file").filter(|k| is_secret(k)) {
                let secret = std::fs::read_to_string(value)
                    .map_err(|e| ConfigError(format!("{name}: cannot read {value}: {e}")))?;
                values.insert(key.to_owned(), secret.trim().to_owned());
            } else if let Some(slot) = values.get_mut(&rest) {
                *slot = value.clone();
            } else {
                report.unknown_env.push(name.clone());
            }
        }
        Ok((Self::from_values(&values)?, report))
    }

    fn from_values(v: &BTreeMap<String, String>) -> Result<Self, ConfigError> {
        let get = |k: &str| {
            v.get(k)
                .map(String::as_str)
                .unwrap_or_default()
                .trim()
                .to_owned()
        };
        let non_empty = |k: &str| Some(get(k)).filter(|s| !s.is_empty());
        let number = |k: &str| -> Result<i64, ConfigError> {
            get(k)
                .parse::<i64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| {
                    ConfigError(format!(
                        "`{k}` must be a positive whole number, not `{}`",
                        get(k)
                    ))
                })
        };
        let boolean = |k: &str| -> Result<bool, ConfigError> {
            match get(k).as_str() {
                "true" | "1" | "yes" => Ok(true),
                "false" | "0" | "no" => Ok(false),
                other => Err(ConfigError(format!(
                    "`{k}` must be true or false, not `{other}`"
                ))),
            }
        };
        let login_url = |k: &str| -> Result<Url, ConfigError> {
            Url::parse(&get(k))
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
                .ok_or_else(|| {
                    ConfigError(format!("`{k}` must be an http(s) URL, not `{}`", get(k)))
                })
        };
        let listen_address = get("listen_address").parse().map_err(|_| {
            ConfigError(format!(
                "`listen_address` must look like 127.0.0.1:3000, not `{}`",
                get("listen_address")
            ))
        })?;
        let public_url = Url::parse(&get("public_url"))
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| {
                ConfigError(format!(
                    "`public_url` must be an http(s) URL, not `{}`",
                    get("public_url")
                ))
            })?;
        let data_dir = PathBuf::from(get("data_dir"));
        let database_url = non_empty("database_url").unwrap_or_else(|| {
            format!(
                "sqlite://{}?mode=rwc",
                data_dir.join("steward.db").display()
            )
        });
        let inbound_host = non_empty("mail_inbound_host")
            .or_else(|| public_url.host_str().map(str::to_owned))
            .unwrap_or_else(|| "localhost".to_owned())
            .trim_end_matches('.')
            .to_ascii_lowercase();
        let security = match get("mail_security").as_str() {
            "none" => MailSecurity::None,
            "starttls" => MailSecurity::StartTls,
            "tls" => MailSecurity::Tls,
            other => {
                return Err(ConfigError(format!(
                    "`mail_security` must be none, starttls or tls, not `{other}`"
                )))
            }
        };
        let mail = MailSettings {
            relay: non_empty("mail_relay"),
            port: get("mail_port").parse().map_err(|_| {
                ConfigError(format!(
                    "`mail_port` must be a port number, not `{}`",
                    get("mail_port")
                ))
            })?,
            security,
            username: non_empty("mail_username"),
            password: non_empty("mail_password").map(SecretString::from),
            from: get("mail_from"),
            inbound_host: inbound_host.clone(),
            relay_spf: non_empty("mail_relay_spf").unwrap_or_else(|| {
                format!(
                    "a:{}",
                    non_empty("mail_relay").unwrap_or_else(|| inbound_host.clone())
                )
            }),
        };
        let dns_resolver = match non_empty("dns_resolver") {
            None => None,
            Some(text) => Some(
                text.parse::<SocketAddr>()
                    .or_else(|_| text.parse::<std::net::IpAddr>().map(|ip| SocketAddr::new(ip, 53)))
                    .map_err(|_| {
                        ConfigError(format!(
                            "`dns_resolver` must be an IP address, optionally with a port (127.0.0.1:5353), not `{text}`"
                        ))
                    })?,
            ),
        };
        let inbound = InboundSettings {
            smtp_address: match non_empty("inbound_smtp_address") {
                None => None,
                Some(text) => Some(text.parse::<SocketAddr>().map_err(|_| {
                    ConfigError(format!(
                        "`inbound_smtp_address` must look like 127.0.0.1:2525 (empty: no SMTP listener), not `{text}`"
                    ))
                })?),
            },
            domain: non_empty("inbound_domain")
                .or_else(|| public_url.host_str().map(str::to_owned))
                .unwrap_or_else(|| "localhost".to_owned())
                .trim_end_matches('.')
                .to_ascii_lowercase(),
            max_message_bytes: number("inbound_max_message_bytes")? as usize,
            require_authenticated_sender: boolean("inbound_require_authenticated_sender")?,
        };
        if mail.username.is_some() && mail.password.is_none() {
            return Err(ConfigError(
                "`mail_username` is set but the SMTP password is missing. Set STEWARD_MAIL_PASSWORD, \
                 or STEWARD_MAIL_PASSWORD_FILE=/path/to/file holding it."
                    .into(),
            ));
        }
        Ok(Self {
            listen_address,
            public_url,
            data_dir,
            database_url,
            site_root: get("site_root"),
            hash_file: non_empty("hash_file").map(PathBuf::from),
            session_idle_minutes: number("session_idle_minutes")?,
            session_absolute_hours: number("session_absolute_hours")?,
            invitation_days: number("invitation_days")?,
            password_reset_hours: number("password_reset_hours")?,
            seat_limit: match non_empty("seat_limit") {
                None => None,
                Some(text) => Some(text.parse::<u64>().map_err(|_| {
                    ConfigError(format!("`seat_limit` must be a whole number of seats or empty for no limit, not `{text}`"))
                })?),
            },
            audit_retention_days: {
                let days = number("audit_retention_days")?;
                if days < 365 {
                    return Err(ConfigError(format!("`audit_retention_days` must be at least 365, not `{days}`")));
                }
                days
            },
            trust_forwarded_for: matches!(get("trust_forwarded_for").as_str(), "true" | "1" | "yes"),
            log_format: get("log_format"),
            api_status_log: boolean("api_status_log")?,
            header_timeout_seconds: number("header_timeout_seconds")? as u64,
            body_timeout_seconds: number("body_timeout_seconds")? as u64,
            max_connections: number("max_connections")? as usize,
            large_body_budget_mb: number("large_body_budget_mb")? as usize,
            large_body_wait_seconds: get("large_body_wait_seconds").parse::<u64>().map_err(|_| {
                ConfigError(format!(
                    "`large_body_wait_seconds` must be a whole number of seconds (0: no wait), not `{}`",
                    get("large_body_wait_seconds")
                ))
            })?,
            storage_wait_seconds: number("storage_wait_seconds")? as u64,
            mail,
            mail_delivery_seconds: number("mail_delivery_seconds")? as u64,
            dns_resolver,
            inbound,
            salesforce: SalesforceSettings {
                client_id: non_empty("salesforce_client_id"),
                client_secret: non_empty("salesforce_client_secret").map(SecretString::from),
                login_url: login_url("salesforce_login_url")?,
                sandbox_login_url: login_url("salesforce_sandbox_login_url")?,
            },
            secret_key: non_empty("secret_key").map(SecretString::from),
            previous_secret_keys: non_empty("previous_secret_keys").map(SecretString::from),
        })
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }

    pub fn uses_https(&self) -> bool {
        self.public_url.scheme() == "https"
    }

    /// The public URL without a trailing slash, for building links.
    pub fn base_url(&self) -> String {
        self.public_url.as_str().trim_end_matches('/').to_owned()
    }

    /// Resolves the encryption key. With SQLite and no key configured, the first start
    /// writes a new key into the data directory (returned flag is true). With PostgreSQL a
    /// key must be configured, because every instance has to share it.
    pub fn secret_box(&self) -> Result<(SecretBox, bool), ConfigError> {
        use secrecy::ExposeSecret;
        let parse = |text: &str, what: &str| {
            SecretKey::from_base64(text).map_err(|e| ConfigError(format!("{what}: {e}")))
        };
        let previous = match &self.previous_secret_keys {
            Some(list) => list
                .expose_secret()
                .split(',')
                .filter(|s| !s.trim().is_empty())
                .map(|k| parse(k, "previous_secret_keys"))
                .collect::<Result<Vec<_>, _>>()?,
            None => vec![],
        };
        if let Some(key) = &self.secret_key {
            return Ok((
                SecretBox::new(parse(key.expose_secret(), "secret_key")?, previous),
                false,
            ));
        }
        if !self.is_sqlite() {
            return Err(ConfigError(
                "No secret key is configured. With PostgreSQL every Steward instance must share one key. \
                 Generate one with `steward secret generate` (or `openssl rand -base64 32`) and set it as \
                 STEWARD_SECRET_KEY, or put it in a file and set STEWARD_SECRET_KEY_FILE=/path/to/file."
                    .into(),
            ));
        }
        let path = self.data_dir.join("secret.key");
        if path.exists() {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| ConfigError(format!("cannot read {}: {e}", path.display())))?;
            return Ok((
                SecretBox::new(parse(&text, &path.display().to_string())?, previous),
                false,
            ));
        }
        let text = SecretKey::generate_base64();
        write_private_file(&path, &text).map_err(|e| {
            ConfigError(format!(
                "cannot write a new secret key to {}: {e}",
                path.display()
            ))
        })?;
        Ok((
            SecretBox::new(parse(&text, "generated key")?, previous),
            true,
        ))
    }
}

fn is_secret(key: &str) -> bool {
    KEYS.iter().any(|(k, _, secret, _)| *k == key && *secret)
}

fn write_private_file(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents.as_bytes())?;
    file.write_all(b"\n")
}

/// Reads the small TOML subset Steward's file uses: top-level `key = value` lines and
/// `[section]` tables whose keys become `section_key`. Values are strings, numbers or booleans.
fn flatten_toml(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut section = String::new();
    let mut out = Vec::new();
    for (number, raw) in text.lines().enumerate() {
        let line = strip_comment(raw).trim();
        if line.is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = format!("{}_", name.trim());
            continue;
        }
        let (key, value) = line
            .split_once('=')
            .ok_or_else(|| format!("line {}: expected `key = value`", number + 1))?;
        let value = value.trim();
        let value = if let Some(inner) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
            inner.replace("\\\"", "\"").replace("\\\\", "\\")
        } else if value.parse::<f64>().is_ok() || value == "true" || value == "false" {
            value.to_owned()
        } else {
            return Err(format!(
                "line {}: put text values in double quotes",
                number + 1
            ));
        };
        out.push((format!("{section}{}", key.trim()), value));
    }
    Ok(out)
}

fn strip_comment(line: &str) -> &str {
    let mut in_string = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => in_string = !in_string,
            '#' if !in_string => return &line[..i],
            _ => {}
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        let mut map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        map.entry("STEWARD_CONFIG".into())
            .or_insert_with(|| "/nonexistent-for-tests".into());
        map
    }

    #[test]
    fn test_missing_named_config_file_is_an_error() {
        let err = Settings::load(&env(&[])).unwrap_err();
        assert!(err.0.contains("does not exist"));
    }

    #[test]
    fn test_file_then_environment_layering_and_unknown_keys() {
        let dir =
            std::env::temp_dir().join(format!("steward-cfg-{}", crate::crypto::short_reference()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("Leptos.toml");
        std::fs::write(
            &file,
            "listen_address = \"0.0.0.0:8080\" # comment\nsession_idle_minutes = 15\n[mail]\nrelay = \"smtp.example.com\"\n",
        )
        .unwrap();
        let (settings, report) = Settings::load(&env(&[
            ("STEWARD_CONFIG", file.to_str().unwrap()),
            ("STEWARD_SESSION_IDLE_MINUTES", "5"),
            ("STEWARD_NOT_A_KEY", "x"),
        ]))
        .unwrap();
        assert_eq!(settings.listen_address.to_string(), "0.0.0.0:8080");
        assert_eq!(
            settings.session_idle_minutes, 5,
            "environment wins over the file"
        );
        assert_eq!(settings.mail.relay.as_deref(), Some("smtp.example.com"));
        assert_eq!(report.unknown_env, vec!["STEWARD_NOT_A_KEY".to_owned()]);
    }

    #[test]
    fn test_unknown_file_key_is_refused_with_its_name() {
        let dir =
            std::env::temp_dir().join(format!("steward-cfg-{}", crate::crypto::short_reference()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("Leptos.toml");
        std::fs::write(&file, "listen_adress = \"0.0.0.0:8080\"\n").unwrap();
        let err = Settings::load(&env(&[("STEWARD_CONFIG", file.to_str().unwrap())])).unwrap_err();
        assert!(err.0.contains("listen_adress"));
    }

    #[test]
    fn test_bad_values_say_what_was_wrong() {
        let dir =
            std::env::temp_dir().join(format!("steward-cfg-{}", crate::crypto::short_reference()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("Leptos.toml");
        std::fs::write(&file, "").unwrap();
        let path = file.to_str().unwrap();
        let err = Settings::load(&env(&[
            ("STEWARD_CONFIG", path),
            ("STEWARD_SESSION_IDLE_MINUTES", "soon"),
        ]))
        .unwrap_err();
        assert!(err.0.contains("session_idle_minutes"));
        let err = Settings::load(&env(&[
            ("STEWARD_CONFIG", path),
            ("STEWARD_MAIL_USERNAME", "bob"),
        ]))
        .unwrap_err();
        assert!(err.0.contains("STEWARD_MAIL_PASSWORD"));
    }

    #[test]
    fn test_postgres_without_secret_key_stops_with_instructions() {
        let dir =
            std::env::temp_dir().join(format!("steward-cfg-{}", crate::crypto::short_reference()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("Leptos.toml");
        std::fs::write(&file, "").unwrap();
        let (settings, _) = Settings::load(&env(&[
            ("STEWARD_CONFIG", file.to_str().unwrap()),
            ("STEWARD_DATABASE_URL", "postgres://localhost/steward"),
        ]))
        .unwrap();
        let err = settings.secret_box().unwrap_err();
        assert!(err.0.contains("STEWARD_SECRET_KEY"));
    }

    #[test]
    fn test_sqlite_generates_a_key_once_into_the_data_dir() {
        let dir =
            std::env::temp_dir().join(format!("steward-cfg-{}", crate::crypto::short_reference()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("Leptos.toml");
        std::fs::write(&file, "").unwrap();
        let data = dir.join("data");
        let (settings, _) = Settings::load(&env(&[
            ("STEWARD_CONFIG", file.to_str().unwrap()),
            ("STEWARD_DATA_DIR", data.to_str().unwrap()),
        ]))
        .unwrap();
        let (first, generated) = settings.secret_box().unwrap();
        assert!(generated);
        let (second, generated_again) = settings.secret_box().unwrap();
        assert!(!generated_again);
        assert_eq!(first.current_key_id(), second.current_key_id());
    }
}
