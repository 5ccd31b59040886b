//! Every length limit on the text Steward accepts, in one place (README.md "Input limits"
//! lists them). They are checked before anything is stored, so no field can grow the
//! database, hold a write lock for long or reach an index that cannot hold it (PostgreSQL
//! refuses index rows over about 2.7 KB). The public APIs count UTF-8 bytes, as Natero's
//! clients do; the forms count characters, as people do. NUL (`\0`) is refused in every
//! text: PostgreSQL cannot store it, and no real name or id contains one.

// --- Account API and Event API (UTF-8 bytes) ---

/// Ids and names: `account_id`, `user_id`, `session_id`, `interaction_id`, an account's
/// `name`, an event's `product`/`module`/`feature`, and every other text property not
/// listed below.
pub const MAX_API_TEXT_BYTES: usize = 1024;
/// Free text: `description`, `latest_status_details`, NPS `comments`, document `url`s.
pub const MAX_API_LONG_TEXT_BYTES: usize = 16 * 1024;
/// Keys: dimension keys and the property names inside an event's `details`.
pub const MAX_API_KEY_BYTES: usize = 255;
/// An event's `details` object, as JSON text.
pub const MAX_EVENT_DETAILS_BYTES: usize = 16 * 1024;
/// The properties that get `MAX_API_LONG_TEXT_BYTES` instead of `MAX_API_TEXT_BYTES`.
pub const API_LONG_TEXT_PROPERTIES: &[&str] =
    &["description", "latest_status_details", "comments", "url"];

// --- Sign-in and the forms behind the server functions (characters unless noted) ---

/// A person's, organisation's or account's name, a title.
pub const MAX_NAME_CHARS: usize = 120;
pub const MAX_ROLE_NAME_CHARS: usize = 80;
/// An email address (RFC 5321's limit), in bytes; also caps the sign-in email.
pub const MAX_EMAIL_BYTES: usize = 254;
pub const MAX_PASSWORD_CHARS: usize = 128;
/// A search box (longer input is cut to this).
pub const MAX_SEARCH_CHARS: usize = 100;
/// Any other single form value (reasons, codes, ids in forms), a backstop checked for
/// every server function call before the function runs.
pub const MAX_FORM_VALUE_BYTES: usize = 64 * 1024;

/// The sentence for a NUL byte in `what`.
pub fn nul_message(what: &str) -> String {
    format!("{what} contains a NUL character (\\0), which Steward does not accept; remove it.")
}

/// The sentence for text over its limit.
pub fn too_long_message(what: &str, limit: usize, unit: &str) -> String {
    format!("{what} is longer than {limit} {unit} (the limit); shorten it.")
}

/// A client's value quoted back in a message or stored in API Status: at most 60
/// characters, NUL shown as `\0` (PostgreSQL cannot store it).
pub fn quoted(text: &str) -> String {
    let mut out: String = text.chars().take(60).collect();
    if text.chars().nth(60).is_some() {
        out.push('…');
    }
    out.replace('\0', "\\0")
}

/// The byte limit of an API text property (the last name of its path).
pub fn api_text_limit(property: &str) -> usize {
    if API_LONG_TEXT_PROPERTIES.contains(&property) {
        MAX_API_LONG_TEXT_BYTES
    } else if property == "key" {
        MAX_API_KEY_BYTES
    } else {
        MAX_API_TEXT_BYTES
    }
}

/// Checks every string and property name of an API record (any depth) against its limit
/// and for NUL; the first problem names the property and the limit.
#[cfg(feature = "ssr")]
pub fn check_api_record(record: &serde_json::Value) -> Result<(), String> {
    check_json(record, "", "", &api_text_limit)
}

/// Checks an event's `details` object: no NUL anywhere, property names within
/// `MAX_API_KEY_BYTES`, the whole within `MAX_EVENT_DETAILS_BYTES` as JSON text (returned).
#[cfg(feature = "ssr")]
pub fn check_event_details(details: &serde_json::Value) -> Result<String, String> {
    check_json(details, "details", "details", &|_| MAX_EVENT_DETAILS_BYTES)?;
    let text = details.to_string();
    if text.len() > MAX_EVENT_DETAILS_BYTES {
        return Err(too_long_message(
            "Property details",
            MAX_EVENT_DETAILS_BYTES,
            "bytes of JSON",
        ));
    }
    Ok(text)
}

#[cfg(feature = "ssr")]
fn check_json(
    value: &serde_json::Value,
    path: &str,
    property: &str,
    text_limit: &dyn Fn(&str) -> usize,
) -> Result<(), String> {
    use serde_json::Value;
    let named = |path: &str| {
        if path.is_empty() {
            "The record".to_owned()
        } else {
            format!("Property {path}")
        }
    };
    match value {
        Value::String(text) => {
            if text.contains('\0') {
                return Err(nul_message(&named(path)));
            }
            let limit = text_limit(property);
            if text.len() > limit {
                return Err(too_long_message(&named(path), limit, "bytes"));
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                check_json(item, &format!("{path}[{i}]"), property, text_limit)?;
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                let shown: String = key.chars().take(40).collect();
                let at = if path.is_empty() {
                    shown.clone()
                } else {
                    format!("{path}.{shown}")
                };
                if key.contains('\0') {
                    return Err(nul_message(&format!("A property name in {}", named(path))));
                }
                if key.len() > MAX_API_KEY_BYTES {
                    return Err(too_long_message(
                        &format!("The property name {at}…"),
                        MAX_API_KEY_BYTES,
                        "bytes",
                    ));
                }
                check_json(item, &at, key, text_limit)?;
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
    Ok(())
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn test_api_records_are_checked_at_any_depth() {
        assert!(check_api_record(&json!({"account_id": "a1", "name": "Acme"})).is_ok());
        let err =
            check_api_record(&json!({"name": "x".repeat(MAX_API_TEXT_BYTES + 1)})).unwrap_err();
        assert!(
            err.contains("Property name") && err.contains("1024 bytes"),
            "{err}"
        );
        assert!(check_api_record(&json!({"description": "x".repeat(5000)})).is_ok());
        let err = check_api_record(&json!({"nps_history": [{"comments": "a\u{0}b"}]})).unwrap_err();
        assert!(
            err.contains("nps_history[0].comments") && err.contains("NUL"),
            "{err}"
        );
        let err = check_api_record(
            &json!({"custom_label_dimensions": [{"key": "k".repeat(256), "value": "v"}]}),
        )
        .unwrap_err();
        assert!(err.contains("255 bytes"), "{err}");
        let err =
            check_api_record(&json!({"custom_label_dimensions": {"a\u{0}": "v"}})).unwrap_err();
        assert!(err.contains("NUL"), "{err}");
    }

    #[test]
    fn test_event_details_are_bounded() {
        assert!(check_event_details(&json!({"plan": "gold", "n": 2})).is_ok());
        let err = check_event_details(&json!({"a": {"deep\u{0}key": 1}})).unwrap_err();
        assert!(err.contains("NUL"), "{err}");
        let err =
            check_event_details(&json!({"x": "y".repeat(MAX_EVENT_DETAILS_BYTES)})).unwrap_err();
        assert!(err.contains("16384 bytes"), "{err}");
        let err = check_event_details(&json!({"k".repeat(300): 1})).unwrap_err();
        assert!(err.contains("255 bytes"), "{err}");
    }

    #[test]
    fn test_quoted_shortens_and_shows_nul() {
        assert_eq!(quoted("abc"), "abc");
        assert_eq!(quoted("a\u{0}b"), "a\\0b");
        assert_eq!(quoted(&"x".repeat(100)).chars().count(), 61);
    }
}
