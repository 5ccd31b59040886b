//! The `steward` command line, for operators and scripts.
use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(name = "steward", version, about = "Steward: a self-hosted customer-success platform")]
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
}
