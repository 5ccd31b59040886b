//! The sending domain and From address as typed (checked, with sentences that say what to
//! type instead), the dated DKIM selector, and the exact DNS records Steward asks for.
use crate::config::MailSettings;
use crate::email_config::dto::{DnsRecord, RecordKind};
use crate::error::{AppError, FieldError};

/// The bounce subdomain's first label: `bounces.<domain>` carries the MX and the SPF record,
/// so nobody edits the SPF record of their main domain.
pub const BOUNCE_LABEL: &str = "bounces";
/// The envelope sender of signed mail (on the bounce subdomain, so SPF aligns with DMARC).
pub const BOUNCE_LOCAL_PART: &str = "bounce";
/// The longest domain that still leaves room for `<selector>._domainkey.` within 253.
const MAX_DOMAIN_LEN: usize = 253 - "stw202611._domainkey.".len();
/// A DNS character-string holds at most 255 bytes (RFC 1035 §3.3).
pub const TXT_CHUNK: usize = 255;

fn field(field: &str, message: impl Into<String>) -> AppError {
    AppError::Validation(vec![FieldError {
        field: field.to_owned(),
        message: message.into(),
    }])
}

/// A sending domain as typed: trimmed, lower-cased, without a trailing dot, non-ASCII
/// names turned into their ASCII (xn--) form.
pub fn parse_domain(input: &str) -> Result<String, AppError> {
    let text = input.trim().trim_end_matches('.').to_lowercase();
    let problem = |m: String| Err(field("domain", m));
    if text.is_empty() {
        return problem("Enter the domain Steward sends from, such as mail.acme.com.".into());
    }
    if text.contains("://") || text.contains('/') {
        return problem(format!(
            "Enter only the domain, without https:// or a path: such as {}.",
            text.split("://")
                .last()
                .unwrap_or_default()
                .split('/')
                .next()
                .unwrap_or_default()
        ));
    }
    if let Some((_, domain)) = text.rsplit_once('@') {
        return problem(format!(
            "Enter the domain only, not an email address: {domain}."
        ));
    }
    let ascii = if text.is_ascii() {
        text.clone()
    } else {
        match url::Url::parse(&format!("http://{text}/"))
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
        {
            Some(host) => host,
            None => return problem(format!("\"{}\" is not a domain name.", input.trim())),
        }
    };
    let labels: Vec<&str> = ascii.split('.').collect();
    if labels.len() < 2 {
        return problem(format!(
            "\"{ascii}\" is not a complete domain: add its ending, such as {ascii}.com."
        ));
    }
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if !labels.iter().all(label_ok) {
        return problem(format!(
            "\"{}\" is not a domain name: use letters, digits, hyphens and dots, such as mail.acme.com.",
            input.trim()
        ));
    }
    if labels
        .last()
        .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()))
    {
        return problem("Enter a domain name, not an IP address.".into());
    }
    if ascii.len() > MAX_DOMAIN_LEN {
        return problem(format!(
            "That domain is too long for a DKIM record: at most {MAX_DOMAIN_LEN} characters."
        ));
    }
    Ok(ascii)
}

/// The default From (`Name <address>` or `address`), which must be on the domain. Answers the
/// normalised form (`Acme Success <success@mail.acme.com>`).
pub fn parse_from(input: &str, domain: &str) -> Result<String, AppError> {
    let text = input.trim();
    let problem = |m: String| Err(field("from_address", m));
    if text.is_empty() {
        return problem(format!(
            "Enter the From address, such as Acme <success@{domain}>."
        ));
    }
    if text.chars().any(char::is_control) {
        return problem("The From address must be on one line.".into());
    }
    let mailbox: lettre::message::Mailbox = match text.parse() {
        Ok(m) => m,
        Err(_) => {
            return problem(format!(
                "\"{text}\" is not an email address. Write it as success@{domain} or Acme <success@{domain}>."
            ))
        }
    };
    let address = crate::validation::parse_email(mailbox.email.as_ref())
        .map_err(|m| field("from_address", m))?;
    let on = address.rsplit_once('@').map(|(_, d)| d).unwrap_or_default();
    if on != domain {
        return problem(format!(
            "The From address must be on the sending domain {domain} (this one is on {on}): such as {}@{domain}.",
            address.split('@').next().unwrap_or("success")
        ));
    }
    Ok(match mailbox.name.as_deref().map(str::trim) {
        Some(name) if !name.is_empty() => match address.parse::<lettre::Address>() {
            Ok(email) => lettre::message::Mailbox::new(Some(name.to_owned()), email).to_string(),
            Err(_) => address,
        },
        _ => address,
    })
}

/// The dated selector for a key made at `at_ms`: `stw` + year and month (`stw202611`), so a
/// new key can be published beside the old one.
pub fn selector_at(at_ms: i64) -> String {
    let date = crate::time_label::exact_utc(at_ms);
    format!("stw{}{}", &date[0..4], &date[5..7])
}

/// The zone registrars most likely show for the domain: its last two labels.
pub fn zone_of(domain: &str) -> String {
    let labels: Vec<&str> = domain.split('.').collect();
    labels[labels.len().saturating_sub(2)..].join(".")
}

/// `name` relative to `zone` (`@` for the zone itself).
fn relative(name: &str, zone: &str) -> String {
    if name == zone {
        "@".to_owned()
    } else {
        name.strip_suffix(&format!(".{zone}"))
            .unwrap_or(name)
            .to_owned()
    }
}

/// A TXT value cut into character-strings of at most 255 bytes (the values are ASCII).
pub fn txt_chunks(value: &str) -> Vec<String> {
    value
        .as_bytes()
        .chunks(TXT_CHUNK)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect()
}

pub fn dkim_value(public_key: &str) -> String {
    format!("v=DKIM1; k=rsa; p={public_key}")
}

pub fn dkim_name(selector: &str, domain: &str) -> String {
    format!("{selector}._domainkey.{domain}")
}

pub fn bounce_domain(domain: &str) -> String {
    format!("{BOUNCE_LABEL}.{domain}")
}

pub fn spf_value(mail: &MailSettings) -> String {
    format!("v=spf1 {} -all", mail.relay_spf)
}

pub fn dmarc_value(from_address: &str) -> String {
    let address = from_address
        .rsplit_once('<')
        .map(|(_, a)| a.trim_end_matches('>'))
        .unwrap_or(from_address);
    format!("v=DMARC1; p=none; rua=mailto:{address}")
}

fn record(kind: RecordKind, name: &str, domain: &str, value: String, hint: String) -> DnsRecord {
    let zone = zone_of(domain);
    let record_type = if kind == RecordKind::BounceMx {
        "MX"
    } else {
        "TXT"
    };
    let quoted = if record_type == "TXT" {
        txt_chunks(&value)
            .iter()
            .map(|c| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(" ")
    } else {
        value.clone()
    };
    DnsRecord {
        kind,
        record_type: record_type.to_owned(),
        fqdn: format!("{name}."),
        host: relative(name, &zone),
        zone_line: format!("{name}. 3600 IN {record_type} {quoted}"),
        zone,
        value,
        quoted,
        hint,
    }
}

/// The records for a domain, in the order the page shows them.
pub fn records(
    mail: &MailSettings,
    domain: &str,
    from_address: &str,
    selector: &str,
    public_key: &str,
) -> Vec<DnsRecord> {
    let zone = zone_of(domain);
    let host_hint = format!(
        "Enter the host as shown for the zone {zone}; if your DNS host adds the domain itself, do not type {zone} again (the fully qualified name ends with a dot)."
    );
    let bounce = bounce_domain(domain);
    vec![
        record(
            RecordKind::Dkim,
            &dkim_name(selector, domain),
            domain,
            dkim_value(public_key),
            format!(
                "{host_hint} The value is longer than 255 characters: paste it as one string where the form takes one (Cloudflare and most web forms), or as the quoted strings (Route 53, BIND, Windows DNS), never with quotes inside a single string. Proxying off (TXT records are never proxied)."
            ),
        ),
        record(
            RecordKind::BounceMx,
            &bounce,
            domain,
            format!("10 {}.", mail.inbound_host),
            format!(
                "{host_hint} Priority 10. It must be the only MX at {bounce}: bounces come back to Steward there. Proxying off."
            ),
        ),
        record(
            RecordKind::BounceSpf,
            &bounce,
            domain,
            spf_value(mail),
            format!(
                "{host_hint} This SPF record is on the bounce subdomain only: leave the SPF record of {domain} as it is, and keep one SPF record at {bounce}."
            ),
        ),
        record(
            RecordKind::Dmarc,
            &format!("_dmarc.{domain}"),
            domain,
            dmarc_value(from_address),
            "Suggested only when no DMARC record covers the domain yet; never replace an existing one. p=none only reports; tighten it once reports look right.".to_owned(),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(error: AppError) -> Vec<(String, String)> {
        match error {
            AppError::Validation(errors) => {
                errors.into_iter().map(|e| (e.field, e.message)).collect()
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn test_domains_are_normalised_and_mistakes_named() {
        assert_eq!(parse_domain(" Mail.Acme.COM. ").unwrap(), "mail.acme.com");
        assert_eq!(parse_domain("bücher.de").unwrap(), "xn--bcher-kva.de");
        let message = |input: &str| fields(parse_domain(input).unwrap_err())[0].1.clone();
        assert!(message("https://acme.com/x").contains("without https://"));
        assert!(message("ann@acme.com").contains("not an email address"));
        assert!(message("acme").contains("acme.com"));
        assert!(message("acme .com").contains("not a domain name"));
        assert!(message("10.0.0.1").contains("IP address"));
        assert!(message("").contains("Enter the domain"));
    }

    #[test]
    fn test_from_must_be_on_the_domain() {
        assert_eq!(
            parse_from("success@mail.acme.com", "mail.acme.com").unwrap(),
            "success@mail.acme.com"
        );
        assert_eq!(
            parse_from("Acme Success <Success@Mail.Acme.com>", "mail.acme.com").unwrap(),
            "Acme Success <success@mail.acme.com>"
        );
        let error = fields(parse_from("success@acme.com", "mail.acme.com").unwrap_err());
        assert_eq!(error[0].0, "from_address");
        assert!(error[0]
            .1
            .contains("must be on the sending domain mail.acme.com"));
        assert!(error[0].1.contains("success@mail.acme.com"));
        assert!(parse_from("not an address", "acme.com").is_err());
        assert!(parse_from("a@acme.com\r\nBcc: x@evil.test", "acme.com").is_err());
    }

    #[test]
    fn test_selector_is_dated() {
        // 2026-11-30 12:00 UTC
        assert_eq!(selector_at(1_796_040_000_000), "stw202611");
    }

    #[test]
    fn test_long_values_are_split_into_255_character_strings() {
        let key = "A".repeat(392);
        let value = dkim_value(&key);
        let chunks = txt_chunks(&value);
        assert_eq!(chunks.len(), 2);
        assert_eq!(chunks[0].len(), 255);
        assert_eq!(chunks.concat(), value);
    }

    #[test]
    fn test_records_name_hosts_relative_to_the_zone() {
        let (settings, _) = crate::config::Settings::load(&Default::default()).unwrap();
        let records = records(
            &settings.mail,
            "mail.acme.com",
            "Acme <s@mail.acme.com>",
            "stw202611",
            &"B".repeat(392),
        );
        assert_eq!(records[0].host, "stw202611._domainkey.mail");
        assert_eq!(records[0].fqdn, "stw202611._domainkey.mail.acme.com.");
        assert!(records[0].quoted.starts_with("\"v=DKIM1; k=rsa; p=BBB"));
        assert_eq!(records[0].quoted.matches('"').count(), 4);
        assert_eq!(records[1].host, "bounces.mail");
        assert_eq!(records[1].value, "10 127.0.0.1.");
        assert_eq!(records[2].value, "v=spf1 a:127.0.0.1 -all");
        assert_eq!(records[3].host, "_dmarc.mail");
        assert_eq!(
            records[3].value,
            "v=DMARC1; p=none; rua=mailto:s@mail.acme.com"
        );
    }
}
