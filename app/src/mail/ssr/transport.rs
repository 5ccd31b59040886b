//! The SMTP connection described by `[mail]` in the configuration, or by an organisation's
//! own relay in Manage Credentials.
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use secrecy::ExposeSecret;

use crate::config::{MailSecurity, MailSettings};

/// Sends one built message; implemented by SMTP here and by fakes in tests.
#[derive(Clone)]
pub struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl SmtpSender {
    /// None when no relay is configured (messages then stay in the outbox).
    pub fn from_settings(settings: &MailSettings) -> Result<Option<Self>, String> {
        let Some(host) = settings.relay.as_deref() else {
            return Ok(None);
        };
        let login = match (&settings.username, &settings.password) {
            (Some(user), Some(password)) => {
                Some((user.clone(), password.expose_secret().to_owned()))
            }
            _ => None,
        };
        Self::connect(host, settings.port, settings.security, login).map(Some)
    }

    /// An organisation's own relay, from its Manage Credentials values (`host`, `port`,
    /// `security`, `username`, `password`; checked when they were saved). Port 587 and
    /// STARTTLS when left empty, as for the instance relay.
    pub fn from_credentials(
        values: &std::collections::BTreeMap<String, String>,
    ) -> Result<Self, String> {
        let get = |name: &str| {
            values
                .get(name)
                .map(String::as_str)
                .filter(|v| !v.is_empty())
        };
        let host = get("host").ok_or("the SMTP relay credentials have no host")?;
        let port = match get("port") {
            Some(port) => port
                .parse()
                .map_err(|_| format!("the SMTP relay port '{port}' is not a number"))?,
            None => 587,
        };
        let security = match get("security") {
            None | Some("starttls") => MailSecurity::StartTls,
            Some("tls") => MailSecurity::Tls,
            Some("none") => MailSecurity::None,
            Some(other) => return Err(format!("unknown SMTP relay security '{other}'")),
        };
        let login = match (get("username"), get("password")) {
            (Some(user), Some(password)) => Some((user.to_owned(), password.to_owned())),
            _ => None,
        };
        Self::connect(host, port, security, login)
    }

    fn connect(
        host: &str,
        port: u16,
        security: MailSecurity,
        login: Option<(String, String)>,
    ) -> Result<Self, String> {
        let tls = || {
            TlsParameters::new(host.to_owned()).map_err(|e| format!("mail TLS set-up failed: {e}"))
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host).port(port);
        builder = match security {
            MailSecurity::None => builder.tls(Tls::None),
            MailSecurity::StartTls => builder.tls(Tls::Required(tls()?)),
            MailSecurity::Tls => builder.tls(Tls::Wrapper(tls()?)),
        };
        if let Some((user, password)) = login {
            builder = builder.credentials(Credentials::new(user, password));
        }
        Ok(Self {
            transport: builder
                .timeout(Some(std::time::Duration::from_secs(20)))
                .build(),
        })
    }

    /// Sends bytes that are already a complete message (a DKIM-signed one) to the envelope's
    /// recipients, with the envelope's sender as MAIL FROM.
    pub async fn send_raw(
        &self,
        envelope: &lettre::address::Envelope,
        message: &[u8],
    ) -> Result<(), String> {
        self.transport
            .send_raw(envelope, message)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    pub async fn send(&self, message: lettre::Message) -> Result<(), String> {
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}
