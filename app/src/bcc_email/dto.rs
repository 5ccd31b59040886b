//! Wire types of BCC email.
use serde::{Deserialize, Serialize};

/// The organisation's BCC address as Source Overview shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BccAddress {
    pub address: String,
    /// When this address was made (exact UTC).
    pub created: String,
    /// Whether the SMTP listener runs on this instance (else only the HTTP door).
    pub smtp_listening: bool,
    /// The HTTP door's URL for this address (forwarders, mail services).
    pub http_url: String,
}

/// An attachment of a received message: listed, never stored on its own.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttachmentInfo {
    pub name: String,
    pub bytes: u64,
}

/// A message from a user that matched no account, waiting in the queue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UnmatchedEmail {
    pub id: i32,
    pub received: String,
    pub from: String,
    pub subject: String,
    /// To and Cc addresses not excluded as internal.
    pub recipients: Vec<String>,
    pub attachments: Vec<AttachmentInfo>,
}

/// A refused message, listed with its reason.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RefusedEmail {
    pub id: i32,
    pub received: String,
    pub from: String,
    pub subject: String,
    pub reason: String,
}

/// IT Administration → Unmatched email.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UnmatchedQueue {
    pub unmatched: Vec<UnmatchedEmail>,
    pub refused: Vec<RefusedEmail>,
}
