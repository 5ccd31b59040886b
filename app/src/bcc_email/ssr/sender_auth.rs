//! Is a message really from its From domain? With `inbound_require_authenticated_sender`
//! on, a BCC message must pass DKIM or SPF, aligned with the From domain (the same domain,
//! or one a subdomain of the other), since knowing the BCC address must not be enough to
//! write interactions as a user.
//!
//! - SMTP door: DKIM (a passing signature whose `d=` aligns), or SPF of the `MAIL FROM`
//!   domain for the connecting IP (aligned likewise). mail-auth 0.13.3 answers `Neutral`
//!   for a valid signature whose body ends in whitespace-only lines (its relaxed body
//!   canonicalisation bug), which is why SPF counts too.
//! - HTTP door: DKIM only. The peer is the forwarder, not the sender's mail server, so SPF
//!   says nothing, and an `Authentication-Results` header is text anyone can write.
//!   Forwarders that re-sign or rewrite messages therefore need the setting off.
use std::net::IpAddr;

use mail_auth::spf::verify::SpfParameters;
use mail_auth::{AuthenticatedMessage, DkimResult, SpfResult};

use crate::config::Settings;

/// What the SMTP session knew about the sending server.
#[derive(Clone, Debug)]
pub struct SmtpPeer {
    pub ip: IpAddr,
    pub helo: String,
    pub mail_from: String,
}

fn aligned(a: &str, b: &str) -> bool {
    let (a, b) = (
        a.trim_end_matches('.').to_ascii_lowercase(),
        b.trim_end_matches('.').to_ascii_lowercase(),
    );
    a == b || a.ends_with(&format!(".{b}")) || b.ends_with(&format!(".{a}"))
}

fn domain_of(address: &str) -> &str {
    address.rsplit_once('@').map_or("", |(_, d)| d)
}

/// Ok(()) when the message passes; Err(reason) naming what failed.
pub async fn check(
    settings: &Settings,
    raw: &[u8],
    from: &str,
    peer: Option<&SmtpPeer>,
) -> Result<(), String> {
    let from_domain = domain_of(from);
    let auth = crate::email_config::ssr::verify::resolver(settings.dns_resolver)
        .map_err(|e| format!("the sender could not be checked ({e})"))?;
    let mut dkim_note = "no DKIM signature".to_owned();
    if let Some(message) = AuthenticatedMessage::parse(raw) {
        let results = auth.verify_dkim(&message).await;
        for result in &results {
            let domain = result.signature().map(|s| s.d.clone()).unwrap_or_default();
            if *result.result() == DkimResult::Pass {
                if aligned(&domain, from_domain) {
                    return Ok(());
                }
                dkim_note = format!("DKIM passed for {domain}, not the From domain {from_domain}");
            } else {
                dkim_note = format!("DKIM {:?}", result.result());
            }
        }
    }
    let Some(peer) = peer else {
        return Err(format!(
            "not authenticated: {dkim_note} (the HTTP door accepts DKIM only)"
        ));
    };
    let mail_from_domain = domain_of(&peer.mail_from);
    if mail_from_domain.is_empty() || !aligned(mail_from_domain, from_domain) {
        return Err(format!(
            "not authenticated: {dkim_note}, and the envelope sender's domain does not match the From domain"
        ));
    }
    let helo = if peer.helo.is_empty() {
        "unknown"
    } else {
        peer.helo.as_str()
    };
    let spf = auth
        .verify_spf(SpfParameters::verify_mail_from(
            peer.ip,
            helo,
            &settings.inbound.domain,
            &peer.mail_from,
        ))
        .await;
    if spf.result() == SpfResult::Pass {
        Ok(())
    } else {
        Err(format!(
            "not authenticated: {dkim_note}, SPF {:?} for {mail_from_domain} from {}",
            spf.result(),
            peer.ip
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_alignment_allows_subdomains_only() {
        assert!(aligned("acme.test", "ACME.test"));
        assert!(aligned("mail.acme.test", "acme.test"));
        assert!(aligned("acme.test", "bounces.acme.test"));
        assert!(!aligned("evilacme.test", "acme.test"));
        assert!(!aligned("other.test", "acme.test"));
    }
}
