//! Parsing a stored raw message with mail-parser into the few owned facts matching needs.
//! Runs inside `catch_unwind`: a panic in the parser (older mail-parser versions had some on
//! corrupted attachments) refuses the message as unparseable; the raw bytes stay stored.
use mail_parser::{Address, MessageParser, MimeHeaders};
use sha2::{Digest, Sha256};

use crate::bcc_email::dto::AttachmentInfo;

/// Longest text body kept on an interaction (characters); longer bodies are cut, saying so.
pub const MAX_BODY_CHARS: usize = 60_000;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ParsedMessage {
    /// The first From address, lower case.
    pub from: Option<String>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub subject: Option<String>,
    /// `Date:` as Unix milliseconds.
    pub date_ms: Option<i64>,
    /// Message-ID without angle brackets, lower case.
    pub message_id: Option<String>,
    pub text_body: String,
    pub attachments: Vec<AttachmentInfo>,
    /// `Auto-Submitted` other than `no`, or `Precedence: bulk|list|junk`.
    pub automatic: bool,
}

fn addresses(address: Option<&Address>) -> Vec<String> {
    let mut out: Vec<String> = address
        .map(|a| {
            a.iter()
                .filter_map(|addr| addr.address())
                .map(|s| clean(s.trim()).to_ascii_lowercase())
                .filter(|s| s.contains('@'))
                .collect()
        })
        .unwrap_or_default();
    out.dedup();
    out
}

/// Text without NUL characters (PostgreSQL text columns refuse them; so does the
/// interaction path).
fn clean(text: &str) -> String {
    text.replace('\0', "")
}

fn cut(text: &str) -> String {
    match text.char_indices().nth(MAX_BODY_CHARS) {
        None => text.to_owned(),
        Some((at, _)) => format!("{}\n[… message shortened]", &text[..at]),
    }
}

fn parse_inner(raw: &[u8]) -> Option<ParsedMessage> {
    let message = MessageParser::default().parse(raw)?;
    // A message without a single header (random bytes) is not mail.
    message.headers().first()?;
    let header = |name: &str| {
        message
            .header_raw(name)
            .map(|v| v.trim().to_ascii_lowercase())
    };
    let automatic = header("Auto-Submitted").is_some_and(|v| v != "no")
        || header("Precedence").is_some_and(|v| matches!(v.as_str(), "bulk" | "list" | "junk"));
    let attachments = message
        .attachments()
        .map(|part| AttachmentInfo {
            name: part
                .attachment_name()
                .map(clean)
                .unwrap_or_else(|| "(unnamed attachment)".to_owned()),
            bytes: part.len() as u64,
        })
        .collect();
    Some(ParsedMessage {
        from: addresses(message.from()).into_iter().next(),
        to: addresses(message.to()),
        cc: addresses(message.cc()),
        subject: message.subject().map(|s| clean(s.trim())),
        date_ms: message
            .date()
            .map(|d| d.to_timestamp().saturating_mul(1000)),
        message_id: message
            .message_id()
            .map(|id| clean(id.trim().trim_matches(['<', '>'])).to_ascii_lowercase())
            .filter(|id| !id.is_empty()),
        text_body: message
            .body_text(0)
            .map(|t| cut(&clean(t.trim())))
            .unwrap_or_default(),
        attachments,
        automatic,
    })
}

/// The message's facts, or None when it cannot be read as a message (never panics).
pub fn parse(raw: &[u8]) -> Option<ParsedMessage> {
    std::panic::catch_unwind(|| parse_inner(raw)).unwrap_or_else(|_| {
        tracing::warn!(
            bytes = raw.len(),
            "mail-parser panicked on an inbound message"
        );
        None
    })
}

/// The deduplication key: the Message-ID, or a hash of the whole message when it has none.
pub fn dedupe_key(parsed: &ParsedMessage, raw: &[u8]) -> String {
    let digest = |bytes: &[u8]| -> String {
        Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    match &parsed.message_id {
        // Hashed too, so the key has a bounded length whatever the header holds.
        Some(id) => format!("mid:{}", digest(id.as_bytes())),
        None => format!("raw:{}", digest(raw)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_parse_reads_addresses_subject_and_attachments() {
        let raw = b"From: Ann <ANN@Acme.test>\r\nTo: bob@customer.test, Carol <carol@customer.test>\r\nCc: dan@other.test\r\nSubject: Renewal\r\nMessage-ID: <ABC@acme.test>\r\nDate: Mon, 30 Nov 2026 10:00:00 +0000\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nHello there\r\n--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=q.pdf\r\n\r\n12345\r\n--b--\r\n";
        let p = parse(raw).expect("parsed");
        assert_eq!(p.from.as_deref(), Some("ann@acme.test"));
        assert_eq!(p.to, vec!["bob@customer.test", "carol@customer.test"]);
        assert_eq!(p.cc, vec!["dan@other.test"]);
        assert_eq!(p.subject.as_deref(), Some("Renewal"));
        assert_eq!(p.message_id.as_deref(), Some("abc@acme.test"));
        assert_eq!(p.text_body, "Hello there");
        assert_eq!(p.attachments.len(), 1);
        assert_eq!(p.attachments[0].name, "q.pdf");
        assert_eq!(p.date_ms, Some(1_796_032_800_000));
        assert!(!p.automatic);
    }

    #[test]
    fn test_dedupe_key_uses_message_id_or_the_whole_message() {
        let a = parse(b"From: a@x.test\r\nMessage-ID: <1@x>\r\n\r\nbody one\r\n").unwrap();
        let b = parse(b"From: a@x.test\r\nMessage-ID: <1@X>\r\n\r\nbody two\r\n").unwrap();
        assert_eq!(dedupe_key(&a, b"1"), dedupe_key(&b, b"2"));
        let c = parse(b"From: a@x.test\r\n\r\nbody\r\n").unwrap();
        assert_ne!(dedupe_key(&c, b"one"), dedupe_key(&c, b"two"));
    }

    #[test]
    fn test_random_bytes_have_no_sender() {
        assert_eq!(parse(b""), None);
        assert_eq!(parse(&[0xff, 0x00, 0x13]).and_then(|p| p.from), None);
    }

    proptest::proptest! {
        #[test]
        fn prop_parse_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..2048)) {
            let _ = parse(&bytes);
        }
    }
}
