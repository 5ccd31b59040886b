//! Input rules shared by forms (instant feedback in the browser) and server functions (the
//! authority). Each returns the cleaned value or a sentence saying what is wrong.

pub use crate::limits::{MAX_EMAIL_BYTES, MAX_NAME_CHARS, MAX_ROLE_NAME_CHARS};

/// A person's or organisation's name: trimmed, 1–120 characters, no control characters
/// (which also rules out line breaks that could end up in mail headers).
pub fn parse_name(input: &str, what: &str) -> Result<String, String> {
    parse_line(input, what, MAX_NAME_CHARS)
}

/// A role's name: trimmed, 1–80 characters, no control characters.
pub fn parse_role_name(input: &str) -> Result<String, String> {
    parse_line(input, "a name for the role", MAX_ROLE_NAME_CHARS)
}

/// One line of text: trimmed, 1–`max` characters, no control characters.
fn parse_line(input: &str, what: &str, max: usize) -> Result<String, String> {
    let name = input.trim();
    if name.is_empty() {
        return Err(format!("Enter {what}."));
    }
    if name.chars().count() > max {
        return Err(format!("Keep {what} to {max} characters or fewer."));
    }
    if name.chars().any(char::is_control) {
        return Err(format!(
            "Remove line breaks and other control characters from {what}."
        ));
    }
    Ok(name.to_owned())
}

/// An email address used as a username: trimmed and lower-cased; one `@`, a dotted domain,
/// nothing that could break out of a mail header.
pub fn parse_email(input: &str) -> Result<String, String> {
    let email = input.trim().to_lowercase();
    if email.is_empty() {
        return Err("Enter an email address.".into());
    }
    if email.len() > MAX_EMAIL_BYTES {
        return Err(format!(
            "That email address is too long: at most {MAX_EMAIL_BYTES} characters."
        ));
    }
    if email
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || "<>()[],;:\\\"".contains(c))
    {
        return Err(format!(
            "\"{}\" contains characters an email address cannot have.",
            input.trim()
        ));
    }
    let Some((local, domain)) = email.split_once('@') else {
        return Err(format!("\"{}\" is missing the @ sign.", input.trim()));
    };
    let domain_ok = domain.contains('.')
        && !domain.contains('@')
        && domain
            .split('.')
            .all(|label| !label.is_empty() && !label.starts_with('-') && !label.ends_with('-'));
    if local.is_empty() || local.len() > 64 || !domain_ok {
        return Err(format!(
            "\"{}\" is not a complete email address, like name@example.com.",
            input.trim()
        ));
    }
    Ok(email)
}

/// An optional free-text field (title, phone): None when blank.
pub fn parse_optional(input: Option<String>, what: &str) -> Result<Option<String>, String> {
    match input.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(value) => parse_name(value, what).map(Some),
    }
}

/// An optional phone number: digits with spaces and `+ - ( ) .`, 3–30 characters.
pub fn parse_phone(input: Option<String>) -> Result<Option<String>, String> {
    let Some(phone) = input.as_deref().map(str::trim).filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    let allowed = phone
        .chars()
        .all(|c| c.is_ascii_digit() || " +-().".contains(c));
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    if !allowed || !(3..=30).contains(&phone.len()) || digits < 3 {
        return Err(format!(
            "\"{phone}\" is not a phone number: use digits, spaces and + - ( ) only."
        ));
    }
    Ok(Some(phone.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_emails() {
        assert_eq!(
            parse_email("  Ada@Example.COM ").unwrap(),
            "ada@example.com"
        );
        assert!(parse_email("").unwrap_err().contains("Enter"));
        assert!(parse_email("ada.example.com").unwrap_err().contains("@"));
        assert!(parse_email("ada@localhost").is_err());
        assert!(parse_email("ada@example.com\r\nBcc: x@y.z").is_err());
        assert!(parse_email("\"Ada\" <ada@example.com>").is_err());
        assert!(parse_email("a@b@example.com").is_err());
    }

    #[test]
    fn test_names() {
        assert_eq!(parse_name("  Acme Ltd ", "a name").unwrap(), "Acme Ltd");
        assert!(parse_name(" ", "a name")
            .unwrap_err()
            .contains("Enter a name"));
        assert!(parse_name("Evil\r\nBcc: x", "a name").is_err());
        assert!(parse_name(&"x".repeat(121), "a name").is_err());
        assert_eq!(parse_optional(Some("  ".into()), "a title").unwrap(), None);
        assert_eq!(
            parse_phone(Some(" +44 (20) 7946-0958 ".into()))
                .unwrap()
                .as_deref(),
            Some("+44 (20) 7946-0958")
        );
        assert_eq!(parse_phone(Some("".into())).unwrap(), None);
        assert!(parse_phone(Some("call me".into())).is_err());
        assert!(parse_phone(Some("12\r\n3".into())).is_err());
    }

    #[test]
    fn test_role_names() {
        assert_eq!(parse_role_name("  Team Lead ").unwrap(), "Team Lead");
        assert!(parse_role_name("")
            .unwrap_err()
            .contains("Enter a name for the role"));
        assert!(
            parse_role_name(&"é".repeat(80)).is_ok(),
            "characters, not bytes"
        );
        assert!(parse_role_name(&"x".repeat(81))
            .unwrap_err()
            .contains("80 characters"));
        assert!(parse_role_name("Lead\nX").is_err());
    }
}
