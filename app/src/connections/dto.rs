//! Wire types of Manage Credentials, Manage OAuth and the Source Overview's sources.
use serde::{Deserialize, Serialize};

/// A system whose credentials Manage Credentials keeps (one system per save).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CredentialSystem {
    SalesforceConnectedApp,
    SmtpRelay,
    Zendesk,
    Stripe,
}

/// One field of a system's form.
pub struct CredentialField {
    pub name: &'static str,
    pub label: &'static str,
    /// A password-type input (never echoed back into the form).
    pub secret: bool,
    /// Show the last four characters once saved.
    pub fingerprint: bool,
    pub required: bool,
    pub hint: &'static str,
}

const fn field(
    name: &'static str,
    label: &'static str,
    secret: bool,
    fingerprint: bool,
    required: bool,
    hint: &'static str,
) -> CredentialField {
    CredentialField {
        name,
        label,
        secret,
        fingerprint,
        required,
        hint,
    }
}

impl CredentialSystem {
    pub const ALL: [CredentialSystem; 4] = [
        CredentialSystem::SalesforceConnectedApp,
        CredentialSystem::SmtpRelay,
        CredentialSystem::Zendesk,
        CredentialSystem::Stripe,
    ];

    pub fn key(self) -> &'static str {
        match self {
            CredentialSystem::SalesforceConnectedApp => "salesforce_connected_app",
            CredentialSystem::SmtpRelay => "smtp_relay",
            CredentialSystem::Zendesk => "zendesk",
            CredentialSystem::Stripe => "stripe",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            CredentialSystem::SalesforceConnectedApp => "Salesforce Connected App",
            CredentialSystem::SmtpRelay => "SMTP relay",
            CredentialSystem::Zendesk => "Zendesk",
            CredentialSystem::Stripe => "Stripe",
        }
    }

    pub fn purpose(self) -> &'static str {
        match self {
            CredentialSystem::SalesforceConnectedApp => {
                "Used by Manage OAuth to connect Salesforce."
            }
            CredentialSystem::SmtpRelay => {
                "Used by Email Configuration to send mail through your relay."
            }
            CredentialSystem::Zendesk => "Lets Steward read tickets from your Zendesk.",
            CredentialSystem::Stripe => {
                "Lets Steward read billing data from Stripe (a restricted key)."
            }
        }
    }

    /// The form's fields, in order.
    pub fn fields(self) -> &'static [CredentialField] {
        const SALESFORCE: &[CredentialField] = &[
            field(
                "consumer_key",
                "Consumer key",
                false,
                true,
                true,
                "From the Connected App's API (Enable OAuth Settings) section.",
            ),
            field("consumer_secret", "Consumer secret", true, true, true, ""),
        ];
        const SMTP: &[CredentialField] = &[
            field(
                "host",
                "Host",
                false,
                false,
                true,
                "For example smtp.example.com.",
            ),
            field(
                "port",
                "Port",
                false,
                false,
                true,
                "587 for STARTTLS, 465 for TLS.",
            ),
            field(
                "security",
                "Security",
                false,
                false,
                true,
                "none, starttls or tls.",
            ),
            field(
                "username",
                "Username",
                false,
                false,
                false,
                "Empty for no authentication.",
            ),
            field(
                "password",
                "Password",
                true,
                false,
                false,
                "Required when a username is given.",
            ),
        ];
        const ZENDESK: &[CredentialField] = &[
            field(
                "subdomain",
                "Subdomain",
                false,
                false,
                true,
                "The part before .zendesk.com.",
            ),
            field("agent_email", "Agent email", false, false, true, ""),
            field("api_token", "API token", true, true, true, ""),
        ];
        const STRIPE: &[CredentialField] = &[field(
            "restricted_key",
            "Restricted key",
            true,
            true,
            true,
            "Starts with rk_live_ or rk_test_.",
        )];
        match self {
            CredentialSystem::SalesforceConnectedApp => SALESFORCE,
            CredentialSystem::SmtpRelay => SMTP,
            CredentialSystem::Zendesk => ZENDESK,
            CredentialSystem::Stripe => STRIPE,
        }
    }
}

/// What the page may know about one system's stored credentials: never a value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CredentialStatus {
    pub system: CredentialSystem,
    /// None: nothing stored.
    pub set: Option<CredentialSet>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CredentialSet {
    pub set_by: String,
    /// "2026-11-30 10:15 UTC".
    pub set_at: String,
    /// (field label, "…abcd") for fields that show a fingerprint.
    pub fingerprints: Vec<(String, String)>,
}

/// A Manage OAuth provider choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SalesforceEnvironment {
    Production,
    Sandbox,
    MyDomain,
}

impl SalesforceEnvironment {
    pub const ALL: [SalesforceEnvironment; 3] = [
        SalesforceEnvironment::Production,
        SalesforceEnvironment::Sandbox,
        SalesforceEnvironment::MyDomain,
    ];

    pub fn key(self) -> &'static str {
        match self {
            SalesforceEnvironment::Production => "production",
            SalesforceEnvironment::Sandbox => "sandbox",
            SalesforceEnvironment::MyDomain => "my_domain",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.key() == key)
    }

    /// The provider drop-down's label.
    pub fn label(self) -> &'static str {
        match self {
            SalesforceEnvironment::Production => "Salesforce",
            SalesforceEnvironment::Sandbox => "Salesforce sandbox",
            SalesforceEnvironment::MyDomain => "Salesforce with a My Domain URL",
        }
    }
}

/// Everything Manage OAuth shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OAuthOverview {
    /// `{public_url}/oauth/salesforce/callback`, to register in the Connected App.
    pub callback_url: String,
    /// Which Connected App is in use, as a sentence; None when none is available.
    pub app_in_use: Option<String>,
    /// What is missing, as a sentence, when no Connected App is available.
    pub app_missing: Option<String>,
    pub connection: Option<ConnectionView>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConnectionView {
    pub provider: String,
    pub environment: String,
    pub instance_url: String,
    pub username: String,
    pub remote_org_id: String,
    pub scopes: String,
    pub connected_by: String,
    pub connected_at: String,
    pub last_success_at: Option<String>,
    /// `connected`, `needs_reauthorization` or `revoked`.
    pub status: String,
    pub status_label: String,
}

/// The sentence Manage OAuth shows for a `?error=` code the callback sent it back with.
/// Only these fixed sentences are ever shown: nothing from the URL is echoed.
pub fn oauth_error_sentence(code: &str) -> Option<&'static str> {
    Some(match code {
        "denied" => "Salesforce says access was denied, so nothing was connected. Choose Authorize provider again and select Allow to connect.",
        "state" => "This authorization could not be matched to your session (it was already used, expired, or started elsewhere). Nothing was connected; start again with Authorize provider.",
        "expired_code" => "Salesforce's authorization code had expired or was already used. Nothing was connected; start again with Authorize provider.",
        "pkce" => "Salesforce refused the proof that this authorization started here (code verifier). Nothing was connected; start again.",
        "client" => "Salesforce did not accept the Connected App's consumer key or secret. Check them under Manage Credentials (or the [salesforce] configuration), then start again.",
        "redirect" => "Salesforce says the callback URL does not match the Connected App. Register the callback URL shown on this page in the Connected App, then start again.",
        "identity" => "Salesforce gave a token but would not say which user it belongs to, so nothing was connected. Try again; if it keeps happening, check the Connected App's scopes.",
        "unreachable" => "Salesforce could not be reached. Nothing was connected; check the URL and the network, then try again.",
        "provider" => "Salesforce answered with an error, so nothing was connected. Try again; if it keeps happening, check the Connected App's settings.",
        "no_app" => "No Connected App is set up: add the Salesforce Connected App under Manage Credentials (or ask the operator to configure one), then try again.",
        "my_domain" => "The My Domain URL must be an https address such as https://example.my.salesforce.com (http only for a loopback address such as http://127.0.0.1:8080).",
        "provider_choice" => "Choose a provider from the list.",
        "signed_out" => "Your session ended during the authorization. Sign in and start again.",
        "forbidden" => "You need the Configure Data Connectors permission to connect a provider.",
        _ => return None,
    })
}

/// One row of the Source Overview's table of sources.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SourceRow {
    pub name: String,
    pub status: String,
    pub last_run: Option<String>,
    pub records_last_run: Option<i64>,
    pub errors_last_run: Option<i64>,
    pub next_run: Option<String>,
    /// Where to manage it.
    pub href: Option<String>,
}
