//! The `steward` command line, for operators and scripts.
use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "steward",
    version,
    about = "Steward: a self-hosted customer-success platform"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the web server (the default when no command is given).
    Serve,
    /// Apply database migrations, then exit.
    Migrate,
    /// Manage organisations.
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
    /// Manage API keys for the Account and Event APIs.
    #[command(name = "api-key")]
    ApiKey {
        #[command(subcommand)]
        command: ApiKeyCommand,
    },
    /// Run data connectors.
    Connector {
        #[command(subcommand)]
        command: ConnectorCommand,
    },
    /// Print an organisation's BCC address (made on first use) as the last line.
    #[command(name = "bcc-address")]
    BccAddress {
        /// The organisation's name or numeric id.
        #[arg(long)]
        org: String,
    },
    /// Manage the encryption key.
    Secret {
        #[command(subcommand)]
        command: SecretCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum OrgCommand {
    /// Create an organisation with the default roles and a pending administrator; prints
    /// the administrator's one-time setup link as the last line.
    Create {
        /// The organisation's name.
        #[arg(long)]
        name: String,
        /// Email of the first administrator (CSM Manager).
        #[arg(long)]
        admin_email: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum SecretCommand {
    /// Print a new random key for STEWARD_SECRET_KEY.
    Generate,
    /// Re-encrypt every sealed value (TOTP seeds, mail bodies, credentials, OAuth tokens)
    /// under the current `secret_key`, in batches; resumable (run it again). Refuses to
    /// start if a stored value names a key that is neither `secret_key` nor in
    /// `previous_secret_keys`.
    Rotate,
}

#[derive(Subcommand, Debug)]
pub enum ApiKeyCommand {
    /// Create an API key; prints the key as the last line (account), or `AUTH_KEY API_KEY`
    /// (event). The key is stored only as a hash and never shown again.
    Create {
        /// The organisation's name or numeric id.
        #[arg(long)]
        org: String,
        /// `account` (Account API) or `event` (Usage Event API).
        #[arg(long)]
        kind: String,
        /// A name to tell the key apart (1–80 characters).
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum ConnectorCommand {
    /// Run a connector for an organisation now; prints the run's summary as the last line
    /// and exits non-zero if the run failed (or could not start).
    Run {
        /// The organisation's name or numeric id.
        #[arg(long)]
        org: String,
        /// The source to run: `salesforce`.
        #[arg(long)]
        source: String,
    },
}
