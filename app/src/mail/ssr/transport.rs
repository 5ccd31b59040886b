//! The SMTP connection described by `[mail]` in the configuration.
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
        let tls = || {
            TlsParameters::new(host.to_owned()).map_err(|e| format!("mail TLS set-up failed: {e}"))
        };
        let mut builder =
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host).port(settings.port);
        builder = match settings.security {
            MailSecurity::None => builder.tls(Tls::None),
            MailSecurity::StartTls => builder.tls(Tls::Required(tls()?)),
            MailSecurity::Tls => builder.tls(Tls::Wrapper(tls()?)),
        };
        if let (Some(user), Some(password)) = (&settings.username, &settings.password) {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                password.expose_secret().to_owned(),
            ));
        }
        Ok(Some(Self {
            transport: builder
                .timeout(Some(std::time::Duration::from_secs(20)))
                .build(),
        }))
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
