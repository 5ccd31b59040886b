//! Message templates. Every value that comes from people (names, titles, organisation
//! names) is escaped for HTML, and header values go through lettre's builder, which
//! encodes them, so nothing typed into a form can add a header.
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MailKind {
    Invitation,
    PasswordReset,
    Notice,
}

impl MailKind {
    pub fn key(self) -> &'static str {
        match self {
            MailKind::Invitation => "invitation",
            MailKind::PasswordReset => "password_reset",
            MailKind::Notice => "notice",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MailKind::Invitation => "Invitation",
            MailKind::PasswordReset => "Password reset",
            MailKind::Notice => "Notice",
        }
    }

    /// The label of a stored key; an unknown key (from a later version) is shown as it is.
    pub fn label_of(key: &str) -> String {
        [
            MailKind::Invitation,
            MailKind::PasswordReset,
            MailKind::Notice,
        ]
        .into_iter()
        .find(|k| k.key() == key)
        .map_or_else(|| key.to_owned(), |k| k.label().to_owned())
    }
}

/// The two bodies of a message, as sealed in the queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bodies {
    pub text: String,
    pub html: String,
}

/// A message ready to queue.
#[derive(Clone, Debug)]
pub struct Mail {
    pub kind: MailKind,
    pub to: String,
    pub subject: String,
    pub bodies: Bodies,
    /// The one-time link inside, logged when no relay is configured so a first run works.
    pub link: Option<String>,
}

pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Header values must be one line: control characters become spaces.
pub fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn html_page(org_name: &str, paragraphs: &[String], link: Option<(&str, &str)>) -> String {
    let mut body = String::new();
    for p in paragraphs {
        body.push_str(&format!(
            "<p style=\"margin:0 0 14px\">{}</p>",
            escape_html(p)
        ));
    }
    if let Some((label, url)) = link {
        body.push_str(&format!(
            "<p style=\"margin:20px 0\"><a href=\"{url}\" style=\"background:#2457c5;color:#fff;padding:10px 18px;\
             border-radius:6px;text-decoration:none;font-weight:600\">{label}</a></p>\
             <p style=\"margin:0 0 14px;color:#5f6b7a;font-size:13px\">Or copy this address into your browser: {url}</p>",
            url = escape_html(url),
            label = escape_html(label)
        ));
    }
    format!(
        "<!DOCTYPE html><html><body style=\"font-family:system-ui,sans-serif;color:#1f2933;background:#f6f7f9;padding:24px\">\
         <div style=\"max-width:520px;margin:0 auto;background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:24px\">\
         <p style=\"font-weight:700;color:#2457c5;margin:0 0 18px\">Steward · {org}</p>{body}</div></body></html>",
        org = escape_html(org_name)
    )
}

/// The invitation a new user receives.
pub fn invitation(to: &str, org_name: &str, inviter: &str, link: &str, valid_days: i64) -> Mail {
    let intro = format!("{inviter} invited you to join {org_name} on Steward, where the team keeps every customer account in one place.");
    let validity = format!("The link works once and expires in {valid_days} days. If you did not expect this email, you can ignore it.");
    let text = format!("Hello,\n\n{intro}\n\nFinish setting up your account here:\n{link}\n\n{validity}\n\n-- Steward for {org_name}\n");
    Mail {
        kind: MailKind::Invitation,
        to: to.to_owned(),
        subject: one_line(&format!("You are invited to {org_name} on Steward")),
        bodies: Bodies {
            text,
            html: html_page(
                org_name,
                &[intro, validity],
                Some(("Set up your account", link)),
            ),
        },
        link: Some(link.to_owned()),
    }
}

/// A password reset link, asked for by the user ("Forgot password") or sent by an administrator.
pub fn password_reset(
    to: &str,
    org_name: &str,
    link: &str,
    valid_hours: i64,
    sent_by: Option<&str>,
) -> Mail {
    let intro = match sent_by {
        Some(admin) => format!(
            "{admin} asked Steward to send you a link to choose a new password for {org_name}."
        ),
        None => format!(
            "Someone (hopefully you) asked to reset your password for {org_name} on Steward."
        ),
    };
    let validity = format!(
        "The link works once and expires in {valid_hours} hours. Until you use it, your current password keeps working; if you did not ask for this, ignore this email."
    );
    let text = format!("Hello,\n\n{intro}\n\nChoose a new password here:\n{link}\n\n{validity}\n\n-- Steward for {org_name}\n");
    Mail {
        kind: MailKind::PasswordReset,
        to: to.to_owned(),
        subject: one_line(&format!("Reset your password for {org_name} on Steward")),
        bodies: Bodies {
            text,
            html: html_page(
                org_name,
                &[intro, validity],
                Some(("Choose a new password", link)),
            ),
        },
        link: Some(link.to_owned()),
    }
}

/// A plain notice without a link (password changed, two-factor turned off…).
pub fn notice(to: &str, org_name: &str, subject: &str, lines: &[String]) -> Mail {
    let text = format!(
        "Hello,\n\n{}\n\n-- Steward for {org_name}\n",
        lines.join("\n\n")
    );
    Mail {
        kind: MailKind::Notice,
        to: to.to_owned(),
        subject: one_line(subject),
        bodies: Bodies {
            text,
            html: html_page(org_name, lines, None),
        },
        link: None,
    }
}

/// Builds the MIME message (multipart/alternative: text, then HTML).
pub fn to_message(
    from: &str,
    to: &str,
    subject: &str,
    bodies: &Bodies,
) -> Result<lettre::Message, String> {
    use lettre::message::{header::ContentType, MultiPart, SinglePart};
    let from: lettre::message::Mailbox = from
        .parse()
        .map_err(|e| format!("the From address is not valid: {e}"))?;
    let to: lettre::message::Mailbox = to
        .parse()
        .map_err(|e| format!("the recipient address is not valid: {e}"))?;
    lettre::Message::builder()
        .from(from)
        .to(to)
        .subject(one_line(subject))
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(bodies.text.clone()),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(bodies.html.clone()),
                ),
        )
        .map_err(|e| format!("the message could not be built: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_names_cannot_add_headers() {
        let mail = invitation(
            "new@example.com",
            "Acme\r\nBcc: victim@evil.test",
            "Eve\nX-Evil: 1",
            "https://s.example/setup/t",
            7,
        );
        assert!(!mail.subject.contains('\n') && !mail.subject.contains('\r'));
        let message = to_message(
            "Steward <steward@example.com>",
            &mail.to,
            &mail.subject,
            &mail.bodies,
        )
        .unwrap();
        let raw = String::from_utf8(message.formatted()).unwrap();
        let headers = raw.split("\r\n\r\n").next().unwrap();
        assert!(
            !headers
                .lines()
                .any(|l| l.to_ascii_lowercase().starts_with("bcc:")),
            "{headers}"
        );
        assert!(
            !headers
                .lines()
                .any(|l| l.to_ascii_lowercase().starts_with("x-evil:")),
            "{headers}"
        );
        assert_eq!(message.envelope().to().len(), 1);
    }

    #[test]
    fn test_addresses_with_line_breaks_are_refused() {
        let bodies = Bodies {
            text: "t".into(),
            html: "h".into(),
        };
        assert!(to_message(
            "steward@example.com",
            "a@example.com\r\nBcc: b@evil.test",
            "s",
            &bodies
        )
        .is_err());
    }

    #[test]
    fn test_html_is_escaped_and_text_carries_the_link() {
        let mail = invitation(
            "new@example.com",
            "<script>Acme</script>",
            "Ada",
            "https://s.example/setup/t",
            7,
        );
        assert!(!mail.bodies.html.contains("<script>"));
        assert!(mail.bodies.html.contains("&lt;script&gt;Acme"));
        assert!(mail.bodies.text.contains("https://s.example/setup/t"));
        assert!(mail.bodies.text.contains("expires in 7 days"));
    }
}
