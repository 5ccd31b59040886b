//! What crosses the wire for Email Configuration. Never the private key: only the public
//! key's DNS record, the status and the results of the last check.
use serde::{Deserialize, Serialize};

/// A sending domain's verification state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DomainStatus {
    /// Set, not (yet) found in DNS: Steward sends as the instance From.
    Pending,
    /// Every required record found as expected: Steward signs and sends as the domain.
    Verified,
    /// A required record is wrong (or missing after a verification): instance From again.
    Failed,
}

impl DomainStatus {
    pub fn key(self) -> &'static str {
        match self {
            DomainStatus::Pending => "pending",
            DomainStatus::Verified => "verified",
            DomainStatus::Failed => "failed",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        [
            DomainStatus::Pending,
            DomainStatus::Verified,
            DomainStatus::Failed,
        ]
        .into_iter()
        .find(|s| s.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            DomainStatus::Pending => "Pending",
            DomainStatus::Verified => "Verified",
            DomainStatus::Failed => "Failed",
        }
    }
}

/// Which of the generated records a row is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RecordKind {
    /// TXT `<selector>._domainkey.<domain>`: the DKIM public key.
    Dkim,
    /// MX `bounces.<domain>`: bounces come back to Steward's inbound host.
    BounceMx,
    /// TXT `bounces.<domain>`: SPF for the relay, on the bounce subdomain only.
    BounceSpf,
    /// TXT `_dmarc.<domain>`: a suggestion, only when no DMARC record exists.
    Dmarc,
}

impl RecordKind {
    pub const ALL: [RecordKind; 4] = [
        RecordKind::Dkim,
        RecordKind::BounceMx,
        RecordKind::BounceSpf,
        RecordKind::Dmarc,
    ];

    pub fn label(self) -> &'static str {
        match self {
            RecordKind::Dkim => "DKIM key",
            RecordKind::BounceMx => "Bounce MX",
            RecordKind::BounceSpf => "Bounce SPF",
            RecordKind::Dmarc => "DMARC (suggested)",
        }
    }

    /// Whether the domain can be verified without this record.
    pub fn required(self) -> bool {
        !matches!(self, RecordKind::Dmarc)
    }
}

/// One record to publish, written the ways registrars ask for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnsRecord {
    pub kind: RecordKind,
    /// `TXT` or `MX`.
    pub record_type: String,
    /// Fully qualified, with the trailing dot (`stw202611._domainkey.mail.acme.com.`).
    pub fqdn: String,
    /// The host relative to the zone most registrars show (`stw202611._domainkey.mail` in
    /// `acme.com`); `@` for the zone itself.
    pub host: String,
    /// The zone `host` is relative to (a guess: the last two labels of the domain).
    pub zone: String,
    /// The value as one string (Cloudflare and most web forms).
    pub value: String,
    /// The value as character-strings of at most 255 characters, each quoted (Route 53, BIND).
    pub quoted: String,
    /// A zone-file line.
    pub zone_line: String,
    /// Advice for this record.
    pub hint: String,
}

/// What a check found for one record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CheckOutcome {
    /// Found as expected.
    Ok,
    /// Nothing at the name.
    Missing,
    /// Found at `<name>.<zone>`: the DNS host appended the domain to a fully qualified name.
    DomainAppendedTwice,
    /// Two or more SPF records at the name (a permanent error for every receiver).
    TwoSpfRecords,
    /// The key is there but broken up: quotes or spaces inside it, or cut short.
    KeySplitWrongly,
    /// Something else is there (another key, another mail host, another SPF policy).
    WrongValue,
    /// The DNS server did not answer (time-out, SERVFAIL): try again later.
    TemporaryFailure,
    /// DMARC only: an existing DMARC record covers the domain (nothing to add).
    Present,
}

impl CheckOutcome {
    pub fn label(self) -> &'static str {
        match self {
            CheckOutcome::Ok => "Found",
            CheckOutcome::Missing => "Record missing",
            CheckOutcome::DomainAppendedTwice => "Domain appended twice",
            CheckOutcome::TwoSpfRecords => "Two SPF records",
            CheckOutcome::KeySplitWrongly => "Key split wrongly",
            CheckOutcome::WrongValue => "Different value",
            CheckOutcome::TemporaryFailure => "Lookup failed temporarily",
            CheckOutcome::Present => "Already published",
        }
    }

    pub fn is_good(self) -> bool {
        matches!(self, CheckOutcome::Ok | CheckOutcome::Present)
    }
}

/// The result of looking one record up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordCheck {
    pub kind: RecordKind,
    pub outcome: CheckOutcome,
    /// What the DNS answered (each TXT record's strings joined; MX as `10 host.`).
    pub found: Vec<String>,
    /// What Steward expects there.
    pub expected: String,
    /// A sentence naming the problem and what to do.
    pub explanation: String,
}

/// The Email Configuration page's data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailConfig {
    /// None until a domain is set.
    pub domain: Option<EmailDomain>,
    /// The From Steward uses while the domain is not verified.
    pub instance_from: String,
    /// Whether mail leaves Steward at all (a relay is configured).
    pub relay_configured: bool,
    /// Whether it leaves through the organisation's own SMTP relay (Manage Credentials).
    pub own_relay: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailDomain {
    pub domain: String,
    pub from_address: String,
    pub selector: String,
    pub status: DomainStatus,
    pub records: Vec<DnsRecord>,
    /// The last check, record by record (empty before the first Verify).
    pub checks: Vec<RecordCheck>,
    /// "2026-11-30 10:15 UTC" of the last check.
    pub last_checked: Option<String>,
    pub set_by: String,
}
