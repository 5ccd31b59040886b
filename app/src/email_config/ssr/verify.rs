//! Verify: each record looked up through the configured resolver (`dns_resolver`, else the
//! system's), what was found set beside what is expected, and the usual mistakes named:
//! the domain appended twice, two SPF records, a key split wrongly, a record missing, a
//! lookup that failed for now. No cache: every Verify asks again.
use std::net::SocketAddr;
use std::time::Duration;

use mail_auth::hickory_resolver::config::{NameServerConfig, ResolverConfig, ResolverOpts};
use mail_auth::hickory_resolver::net::{DnsError, NetError};
use mail_auth::hickory_resolver::proto::op::ResponseCode;
use mail_auth::hickory_resolver::proto::rr::{Name, RData, RecordType};
use mail_auth::hickory_resolver::system_conf::read_system_conf;
use mail_auth::{AuthenticatedMessage, DkimResult, MessageAuthenticator};
use secrecy::SecretSlice;

use super::records::{bounce_domain, dkim_name, dkim_value, spf_value, zone_of};
use crate::config::MailSettings;
use crate::email_config::dto::{CheckOutcome, RecordCheck, RecordKind};

/// How long one lookup may take before it counts as a temporary failure.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(3);

/// A resolver asking `server` (ip:port), or the system's resolvers when None.
pub fn resolver(server: Option<SocketAddr>) -> Result<MessageAuthenticator, String> {
    let (config, mut options) = match server {
        Some(addr) => {
            let mut ns = NameServerConfig::udp_and_tcp(addr.ip());
            for connection in &mut ns.connections {
                connection.port = addr.port();
            }
            (
                ResolverConfig::from_parts(None, vec![], vec![ns]),
                ResolverOpts::default(),
            )
        }
        None => read_system_conf().map_err(|e| format!("the system's DNS configuration: {e}"))?,
    };
    options.cache_size = 0;
    options.timeout = LOOKUP_TIMEOUT;
    options.attempts = 1;
    MessageAuthenticator::new(config, options).map_err(|e| format!("DNS resolver: {e}"))
}

/// NXDOMAIN, or the name without records of the type: the record is not there. Any other
/// failure (a SERVFAIL, which hickory also reports as "no records", a time-out) says nothing.
fn is_missing(error: &NetError) -> bool {
    matches!(
        error,
        NetError::Dns(DnsError::NoRecordsFound(no)) if matches!(no.response_code, ResponseCode::NXDomain | ResponseCode::NoError)
    )
}

/// What a lookup answered.
enum Answer<T> {
    Found(Vec<T>),
    Missing,
    Temporary,
}

fn name(fqdn: &str) -> Option<Name> {
    let fqdn = if fqdn.ends_with('.') {
        fqdn.to_owned()
    } else {
        format!("{fqdn}.")
    };
    Name::from_str_relaxed(fqdn.as_str()).ok()
}

/// The records of one type at `fqdn`, each turned into a `T` by `extract`.
async fn lookup<T>(
    auth: &MessageAuthenticator,
    fqdn: &str,
    record_type: RecordType,
    extract: impl Fn(&RData) -> Option<T>,
) -> Answer<T> {
    let Some(name) = name(fqdn) else {
        return Answer::Missing;
    };
    match auth.resolver().lookup(name, record_type).await {
        Ok(lookup) => {
            let found: Vec<T> = lookup
                .answers()
                .iter()
                .filter_map(|r| extract(&r.data))
                .collect();
            if found.is_empty() {
                Answer::Missing
            } else {
                Answer::Found(found)
            }
        }
        Err(e) if is_missing(&e) => Answer::Missing,
        Err(e) => {
            tracing::info!(name = fqdn, error = %e, "DNS lookup failed (temporary)");
            Answer::Temporary
        }
    }
}

/// Each TXT record at `fqdn` as its character-strings.
async fn txt(auth: &MessageAuthenticator, fqdn: &str) -> Answer<Vec<String>> {
    lookup(auth, fqdn, RecordType::TXT, |data| match data {
        RData::TXT(txt) => Some(
            txt.txt_data
                .iter()
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .collect(),
        ),
        _ => None,
    })
    .await
}

/// The MX hosts at `fqdn` as `(preference, host without the final dot)`.
async fn mx(auth: &MessageAuthenticator, fqdn: &str) -> Answer<(u16, String)> {
    lookup(auth, fqdn, RecordType::MX, |data| match data {
        RData::MX(mx) => Some((
            mx.preference,
            mx.exchange
                .to_ascii()
                .trim_end_matches('.')
                .to_ascii_lowercase(),
        )),
        _ => None,
    })
    .await
}

/// A TXT record as shown: one string as it is, several quoted and spaced.
fn shown(strings: &[String]) -> String {
    match strings {
        [one] => one.clone(),
        many => many
            .iter()
            .map(|s| format!("\"{s}\""))
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// The names a DNS host produces when it appends the zone to a name that already has it.
fn doubled_names(fqdn: &str, domain: &str) -> Vec<String> {
    let mut names = vec![format!("{fqdn}.{}", zone_of(domain))];
    let by_domain = format!("{fqdn}.{domain}");
    if !names.contains(&by_domain) {
        names.push(by_domain);
    }
    names
}

fn check(
    kind: RecordKind,
    outcome: CheckOutcome,
    found: Vec<String>,
    expected: &str,
    explanation: String,
) -> RecordCheck {
    RecordCheck {
        kind,
        outcome,
        found,
        expected: expected.to_owned(),
        explanation,
    }
}

fn temporary(kind: RecordKind, fqdn: &str, expected: &str) -> RecordCheck {
    check(
        kind,
        CheckOutcome::TemporaryFailure,
        vec![],
        expected,
        format!("The DNS server did not answer for {fqdn} (it timed out or reported a failure). This says nothing about the record: try Verify again in a few minutes."),
    )
}

fn missing(kind: RecordKind, fqdn: &str, expected: &str) -> RecordCheck {
    check(
        kind,
        CheckOutcome::Missing,
        vec![],
        expected,
        format!("Nothing found at {fqdn}. Add the record as shown; a new record can take from minutes to a few hours to be seen."),
    )
}

/// When nothing is at the name: is it at the doubled name?
async fn doubled_txt(
    auth: &MessageAuthenticator,
    kind: RecordKind,
    fqdn: &str,
    domain: &str,
    expected: &str,
    looks_right: impl Fn(&str) -> bool,
) -> Option<RecordCheck> {
    for doubled in doubled_names(fqdn, domain) {
        if let Answer::Found(records) = txt(auth, &doubled).await {
            let joined: Vec<String> = records.iter().map(|r| r.concat()).collect();
            if joined.iter().any(|r| looks_right(r)) {
                return Some(appended_twice(
                    kind,
                    fqdn,
                    &doubled,
                    domain,
                    expected,
                    records.iter().map(|r| shown(r)).collect(),
                ));
            }
        }
    }
    None
}

fn appended_twice(
    kind: RecordKind,
    fqdn: &str,
    doubled: &str,
    domain: &str,
    expected: &str,
    found: Vec<String>,
) -> RecordCheck {
    let zone = zone_of(domain);
    let host = fqdn.strip_suffix(&format!(".{zone}")).unwrap_or(fqdn);
    check(
        kind,
        CheckOutcome::DomainAppendedTwice,
        found,
        expected,
        format!("Found at {doubled}. instead of {fqdn}.: your DNS host appended the domain to a name that already ended with it. Edit the record's host to {host} only (or end the full name with a dot)."),
    )
}

/// The `p=` tag of a DKIM record, if any.
fn p_tag(record: &str) -> Option<&str> {
    record.split(';').find_map(|tag| {
        let (name, value) = tag.split_once('=')?;
        (name.trim() == "p").then_some(value)
    })
}

fn without(text: &str, drop: impl Fn(char) -> bool) -> String {
    text.chars().filter(|c| !drop(*c)).collect()
}

/// One DKIM TXT record (its strings joined) against the key.
fn classify_dkim(joined: &str, key: &str) -> CheckOutcome {
    let Some(p) = p_tag(joined) else {
        return if joined.contains(key.get(..40).unwrap_or(key)) {
            CheckOutcome::KeySplitWrongly
        } else {
            CheckOutcome::WrongValue
        };
    };
    // Whitespace inside p= is allowed (RFC 6376 §3.6.1); quotes and backslashes are not.
    if without(p, char::is_whitespace) == key && !joined.contains('"') {
        return CheckOutcome::Ok;
    }
    let bare = without(p, |c| c.is_whitespace() || c == '"' || c == '\\');
    if bare == key || (bare.len() >= 40 && bare.len() < key.len() && key.starts_with(&bare)) {
        CheckOutcome::KeySplitWrongly
    } else {
        CheckOutcome::WrongValue
    }
}

/// The record carries Steward's key: does a signature made with the private key verify
/// against it, as a receiver would check (mail-auth's verifier, through the same resolver)?
/// This catches a record whose other tags (`k=`, `h=`, `t=s`) make receivers refuse it.
async fn self_test(
    auth: &MessageAuthenticator,
    domain: &str,
    selector: &str,
    private_key: &SecretSlice<u8>,
    fqdn: &str,
) -> (CheckOutcome, String) {
    let matches = || {
        (
            CheckOutcome::Ok,
            format!("The key at {fqdn} matches Steward's."),
        )
    };
    let probe = format!(
        "From: steward-check@{domain}\r\nTo: steward-check@{domain}\r\nSubject: DKIM check\r\n\r\nThis message checks the published DKIM key.\r\n"
    );
    let signed = match super::dkim::sign(probe.as_bytes(), domain, selector, private_key) {
        Ok(signed) => signed,
        Err(error) => {
            tracing::warn!(%error, "DKIM self-test could not sign");
            return matches();
        }
    };
    let Some(message) = AuthenticatedMessage::parse(&signed) else {
        return matches();
    };
    let results = auth.verify_dkim(&message).await;
    match results.first().map(|r| r.result()) {
        Some(DkimResult::Pass) => (
            CheckOutcome::Ok,
            format!("The key at {fqdn} matches Steward's, and a test signature verifies against it."),
        ),
        Some(DkimResult::TempError(_)) => (
            CheckOutcome::TemporaryFailure,
            format!("The key at {fqdn} matches, but the DNS server did not answer while a test signature was checked: try Verify again in a few minutes."),
        ),
        other => (
            CheckOutcome::WrongValue,
            format!(
                "The key at {fqdn} matches Steward's, but a test signature does not verify against the record ({}). Check its other tags: publish exactly the expected value (k=rsa, no h= or t= tags).",
                other.map_or_else(|| "no result".to_owned(), |r| format!("{r:?}"))
            ),
        ),
    }
}

async fn check_dkim(
    auth: &MessageAuthenticator,
    domain: &str,
    selector: &str,
    key: &str,
    private_key: Option<&SecretSlice<u8>>,
) -> RecordCheck {
    let kind = RecordKind::Dkim;
    let fqdn = dkim_name(selector, domain);
    let expected = dkim_value(key);
    let records = match txt(auth, &fqdn).await {
        Answer::Temporary => return temporary(kind, &fqdn, &expected),
        Answer::Missing => {
            let looks_right = |r: &str| r.contains("DKIM1") || r.contains("p=");
            return match doubled_txt(auth, kind, &fqdn, domain, &expected, looks_right).await {
                Some(found) => found,
                None => missing(kind, &fqdn, &expected),
            };
        }
        Answer::Found(records) => records,
    };
    let found: Vec<String> = records.iter().map(|r| shown(r)).collect();
    let outcomes: Vec<CheckOutcome> = records
        .iter()
        .map(|r| classify_dkim(&r.concat(), key))
        .collect();
    let count = records.len();
    let (outcome, explanation) = if outcomes.contains(&CheckOutcome::Ok) {
        if count == 1 {
            match private_key {
                Some(key) => self_test(auth, domain, selector, key, &fqdn).await,
                None => (
                    CheckOutcome::Ok,
                    format!("The key at {fqdn} matches Steward's."),
                ),
            }
        } else {
            (
                CheckOutcome::WrongValue,
                format!("Steward's key is at {fqdn}, but so are {} other TXT records; receivers may pick the wrong one. Keep only Steward's record at this name.", count - 1),
            )
        }
    } else if outcomes.contains(&CheckOutcome::KeySplitWrongly) {
        let how = if count > 1 {
            format!("The key arrived as {count} separate TXT records: it must be one record (whose strings are joined)")
        } else if found[0].contains('"') {
            "The record contains quote marks: the quoted strings were pasted into a form that takes one string. Paste the single-string value instead".to_owned()
        } else {
            "Only part of the key arrived (it is cut short, or broken by spaces): the DNS host split the long value wrongly. Paste the whole single-string value, or the quoted strings where the form asks for them".to_owned()
        };
        (CheckOutcome::KeySplitWrongly, format!("{how}."))
    } else {
        (
            CheckOutcome::WrongValue,
            format!("{fqdn} holds a different value (another key?). Replace it with the expected value."),
        )
    };
    check(kind, outcome, found, &expected, explanation)
}

async fn check_mx(auth: &MessageAuthenticator, mail: &MailSettings, domain: &str) -> RecordCheck {
    let kind = RecordKind::BounceMx;
    let fqdn = bounce_domain(domain);
    let inbound = mail.inbound_host.as_str();
    let expected = format!("10 {inbound}.");
    let hosts = match mx(auth, &fqdn).await {
        Answer::Temporary => return temporary(kind, &fqdn, &expected),
        Answer::Missing => {
            for doubled in doubled_names(&fqdn, domain) {
                if let Answer::Found(hosts) = mx(auth, &doubled).await {
                    let found = hosts.iter().map(|(p, h)| format!("{p} {h}.")).collect();
                    return appended_twice(kind, &fqdn, &doubled, domain, &expected, found);
                }
            }
            return missing(kind, &fqdn, &expected);
        }
        Answer::Found(hosts) => hosts,
    };
    let found: Vec<String> = hosts.iter().map(|(p, h)| format!("{p} {h}.")).collect();
    let ours = hosts.iter().any(|(_, h)| h == inbound);
    let (outcome, explanation) = match (ours, hosts.len()) {
        (true, 1) => (
            CheckOutcome::Ok,
            format!("Bounces for {fqdn} come back to {inbound}."),
        ),
        (true, _) => (
            CheckOutcome::WrongValue,
            format!("{fqdn} has other mail hosts besides {inbound}: remove them, so every bounce reaches Steward."),
        ),
        (false, _) => (
            CheckOutcome::WrongValue,
            format!("The MX of {fqdn} points elsewhere. Point it to {inbound}."),
        ),
    };
    check(kind, outcome, found, &expected, explanation)
}

fn is_spf(record: &str) -> bool {
    let lower = record.trim_start().to_ascii_lowercase();
    lower == "v=spf1" || lower.starts_with("v=spf1 ")
}

async fn check_spf(auth: &MessageAuthenticator, mail: &MailSettings, domain: &str) -> RecordCheck {
    let kind = RecordKind::BounceSpf;
    let fqdn = bounce_domain(domain);
    let expected = spf_value(mail);
    let records = match txt(auth, &fqdn).await {
        Answer::Temporary => return temporary(kind, &fqdn, &expected),
        Answer::Missing => {
            return match doubled_txt(auth, kind, &fqdn, domain, &expected, is_spf).await {
                Some(found) => found,
                None => missing(kind, &fqdn, &expected),
            }
        }
        Answer::Found(records) => records,
    };
    let spf: Vec<String> = records
        .iter()
        .map(|r| r.concat())
        .filter(|r| is_spf(r))
        .collect();
    let found: Vec<String> = records.iter().map(|r| shown(r)).collect();
    let (outcome, explanation) = match spf.as_slice() {
        [] => {
            let mut check = missing(kind, &fqdn, &expected);
            check.found = found;
            check.explanation = format!("There is no SPF record at {fqdn} (only other TXT records). Add the SPF record as shown.");
            return check;
        }
        [one] => {
            let terms: Vec<String> = one
                .split_whitespace()
                .map(str::to_ascii_lowercase)
                .collect();
            let needed = mail.relay_spf.split_whitespace().map(str::to_ascii_lowercase);
            if needed.into_iter().all(|t| terms.contains(&t)) {
                (
                    CheckOutcome::Ok,
                    format!("The SPF record at {fqdn} authorises Steward's relay."),
                )
            } else {
                (
                    CheckOutcome::WrongValue,
                    format!("The SPF record at {fqdn} does not authorise Steward's relay ({}). Replace it with the expected value.", mail.relay_spf),
                )
            }
        }
        many => (
            CheckOutcome::TwoSpfRecords,
            format!("There are {} SPF records at {fqdn}; with more than one, receivers treat SPF as broken (permerror). Keep one record: the expected value.", many.len()),
        ),
    };
    check(kind, outcome, found, &expected, explanation)
}

/// DMARC is advice: any DMARC record at the domain or a parent up to the zone covers it.
async fn check_dmarc(auth: &MessageAuthenticator, domain: &str, suggested: &str) -> RecordCheck {
    let kind = RecordKind::Dmarc;
    let zone = zone_of(domain);
    let mut name = domain.to_owned();
    let mut temporary_failure = false;
    loop {
        let fqdn = format!("_dmarc.{name}");
        match txt(auth, &fqdn).await {
            Answer::Found(records) => {
                let dmarc: Vec<String> = records
                    .iter()
                    .map(|r| r.concat())
                    .filter(|r| r.trim_start().to_ascii_uppercase().starts_with("V=DMARC1"))
                    .collect();
                if let Some(first) = dmarc.first() {
                    return check(
                        kind,
                        CheckOutcome::Present,
                        dmarc.clone(),
                        suggested,
                        format!("{fqdn} already has a DMARC record ({first}); it covers {domain}. Nothing to add."),
                    );
                }
            }
            Answer::Temporary => temporary_failure = true,
            Answer::Missing => {}
        }
        if name == zone {
            break;
        }
        match name.split_once('.') {
            Some((_, parent)) if parent.contains('.') => name = parent.to_owned(),
            _ => break,
        }
    }
    if temporary_failure {
        return temporary(kind, &format!("_dmarc.{domain}"), suggested);
    }
    check(
        kind,
        CheckOutcome::Missing,
        vec![],
        suggested,
        format!("No DMARC record covers {domain}. Adding the suggested one is optional and does not change delivery (p=none); it lets receivers report on mail sent as your domain."),
    )
}

/// Looks up every record; with the private key, DKIM also gets a test signature checked.
pub async fn check_all(
    auth: &MessageAuthenticator,
    mail: &MailSettings,
    domain: &str,
    selector: &str,
    public_key: &str,
    private_key: Option<&SecretSlice<u8>>,
    dmarc_suggestion: &str,
) -> Vec<RecordCheck> {
    let (dkim, mx, spf, dmarc) = tokio::join!(
        check_dkim(auth, domain, selector, public_key, private_key),
        check_mx(auth, mail, domain),
        check_spf(auth, mail, domain),
        check_dmarc(auth, domain, dmarc_suggestion),
    );
    vec![dkim, mx, spf, dmarc]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_dkim_values_are_classified() {
        let key = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAx".repeat(8);
        let ok = format!("v=DKIM1; k=rsa; p={key}");
        assert_eq!(classify_dkim(&ok, &key), CheckOutcome::Ok);
        let spaced = format!("v=DKIM1; k=rsa; p={} {}", &key[..200], &key[200..]);
        assert_eq!(classify_dkim(&spaced, &key), CheckOutcome::Ok);
        let quoted = format!("v=DKIM1; k=rsa; p={}\" \"{}", &key[..200], &key[200..]);
        assert_eq!(classify_dkim(&quoted, &key), CheckOutcome::KeySplitWrongly);
        let cut = format!("v=DKIM1; k=rsa; p={}", &key[..237]);
        assert_eq!(classify_dkim(&cut, &key), CheckOutcome::KeySplitWrongly);
        let other = format!("v=DKIM1; k=rsa; p={}", "Q".repeat(392));
        assert_eq!(classify_dkim(&other, &key), CheckOutcome::WrongValue);
    }

    #[test]
    fn test_doubled_names_use_the_zone_and_the_domain() {
        assert_eq!(
            doubled_names("s._domainkey.mail.acme.com", "mail.acme.com"),
            [
                "s._domainkey.mail.acme.com.acme.com",
                "s._domainkey.mail.acme.com.mail.acme.com"
            ]
        );
        assert_eq!(
            doubled_names("bounces.acme.com", "acme.com"),
            ["bounces.acme.com.acme.com"]
        );
    }
}
