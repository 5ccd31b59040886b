//! Reading an Event API body: newline-delimited JSON, one event per line (`\n` or `\r\n`;
//! blank lines are skipped but still counted, so line numbers match the client's file).
//!
//! Pure and total: any bytes give an answer. Either the body is refused as a whole
//! (`Refusal`: a JSON array, no events, too many events) or every non-blank line is either
//! an accepted `Event` or a `LineFailure` naming its 1-based line number and every problem
//! found on it. An event is accepted only when the whole line is valid, so nothing of an
//! invalid line is ever stored.
use serde_json::{Map, Value};

use crate::public_api::limits::MAX_RECORDS;

/// The actions the Event API accepts (Natero's, plus the two its JS library emits).
pub const ACTIONS: [&str; 7] = [
    "identifyUser",
    "identifyAccount",
    "sessionSync",
    "moduleEnd",
    "feature",
    "sessionIdle",
    "pageViewEnd",
];

/// Longest id or name (account_id, user_id, session_id, product, module, feature), in bytes.
pub const MAX_TEXT_BYTES: usize = crate::limits::MAX_API_TEXT_BYTES;
/// Earliest `created_at` accepted: 2000-01-01T00:00:00Z. Anything earlier is most likely
/// seconds instead of milliseconds.
pub const MIN_CREATED_AT: i64 = 946_684_800_000;
/// How far in the future `created_at` may be (clock skew): one day.
pub const MAX_FUTURE_MS: i64 = 86_400_000;

/// One valid event, ready to store.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// The line it came from (1-based).
    pub line: u32,
    pub action: &'static str,
    pub account_id: String,
    pub user_id: String,
    pub session_id: Option<String>,
    pub created_at: i64,
    pub product: Option<String>,
    pub module: Option<String>,
    pub feature: Option<String>,
    pub total: Option<f64>,
    pub time_spent: Option<f64>,
    pub active_duration: Option<f64>,
    /// The `details` object as JSON text.
    pub details: Option<String>,
}

/// A line that was not stored, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineFailure {
    pub line: u32,
    pub message: String,
}

/// The whole body is refused; nothing is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The body is a JSON array (HTTP 400).
    Array,
    /// No non-blank line (HTTP 400).
    Empty,
    /// More than `MAX_RECORDS` events (HTTP 413).
    TooMany(usize),
}

impl Refusal {
    pub fn http_status(&self) -> u16 {
        match self {
            Refusal::TooMany(_) => 413,
            Refusal::Array | Refusal::Empty => 400,
        }
    }

    pub fn message(&self) -> String {
        match self {
            Refusal::Array => "Events must be sent one JSON object per line (newline-delimited JSON), not as a JSON array.".to_owned(),
            Refusal::Empty => "The body has no events: send one JSON object per line (newline-delimited JSON).".to_owned(),
            Refusal::TooMany(count) => format!(
                "At most {MAX_RECORDS} events per request; this one has {count}. Nothing was stored: split the events into several requests."
            ),
        }
    }
}

/// A body split into accepted events and failed lines.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Parsed {
    /// Non-blank lines.
    pub received: usize,
    pub events: Vec<Event>,
    pub failures: Vec<LineFailure>,
}

/// The non-blank lines of `body` with their 1-based numbers; `\r\n` and `\n` both end a line.
fn lines(body: &[u8]) -> impl Iterator<Item = (u32, &[u8])> {
    body.split(|b| *b == b'\n')
        .enumerate()
        .map(|(i, line)| {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            (u32::try_from(i + 1).unwrap_or(u32::MAX), line)
        })
        .filter(|(_, line)| !line.iter().all(u8::is_ascii_whitespace))
}

/// Reads a body. `now` (epoch ms) bounds `created_at`.
pub fn parse_body(body: &[u8], now: i64) -> Result<Parsed, Refusal> {
    // One event form-encoded, as the published Ruby clients send it (`form_body`).
    if let Some(object) = super::form_body::one_event(body) {
        let line = 1;
        let mut parsed = Parsed {
            received: 1,
            events: Vec::with_capacity(1),
            failures: Vec::new(),
        };
        match read_event(line, object, now) {
            Ok(event) => parsed.events.push(event),
            Err(message) => parsed.failures.push(LineFailure { line, message }),
        }
        return Ok(parsed);
    }
    if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return Err(Refusal::Array);
    }
    // Count first: a request over the limit is refused before any line is parsed.
    let received = lines(body).count();
    if received == 0 {
        return Err(Refusal::Empty);
    }
    if received > MAX_RECORDS {
        return Err(Refusal::TooMany(received));
    }
    let mut parsed = Parsed {
        received,
        events: Vec::with_capacity(received),
        failures: Vec::new(),
    };
    for (line, text) in lines(body) {
        match parse_line(line, text, now) {
            Ok(event) => parsed.events.push(event),
            Err(message) => parsed.failures.push(LineFailure { line, message }),
        }
    }
    Ok(parsed)
}

/// One line: a valid event or every problem found on it, joined with "; ".
pub fn parse_line(line: u32, text: &[u8], now: i64) -> Result<Event, String> {
    let value: Value = serde_json::from_slice(text).map_err(|e| json_error(&e))?;
    let Value::Object(object) = value else {
        return Err(format!(
            "Expected a JSON object (one event per line), got {}.",
            kind_of(&value)
        ));
    };
    read_event(line, object, now)
}

/// One event object (from a JSON line or a form body): the event, or every problem found.
fn read_event(line: u32, object: Map<String, Value>, now: i64) -> Result<Event, String> {
    let mut problems = Vec::new();
    let action = match object.get("action") {
        None | Some(Value::Null) => {
            problems.push("Missing required field: 'action'".to_owned());
            None
        }
        Some(Value::String(name)) => match ACTIONS.iter().find(|a| **a == name.as_str()) {
            Some(action) => Some(*action),
            None => {
                problems.push(format!(
                    "Unknown action '{}'; use one of {}",
                    shorten(name),
                    ACTIONS.join(", ")
                ));
                None
            }
        },
        Some(other) => {
            problems.push(format!(
                "Invalid type for property: action (expecting string, got {})",
                kind_of(other)
            ));
            None
        }
    };
    let account_id = text_field(&object, "account_id", true, &mut problems);
    let user_id = text_field(&object, "user_id", true, &mut problems);
    let created_at = created_at(&object, now, &mut problems);
    let session_id = text_field(&object, "session_id", false, &mut problems);
    let product = text_field(&object, "product", false, &mut problems);
    let module = text_field(&object, "module", false, &mut problems);
    let feature = text_field(&object, "feature", false, &mut problems);
    let total = optional_number(&object, "total", &mut problems);
    let time_spent = optional_number(&object, "time_spent", &mut problems);
    let active_duration = optional_number(&object, "active_duration", &mut problems);
    let details = match object.get("details") {
        None | Some(Value::Null) => None,
        Some(details @ Value::Object(_)) => match crate::limits::check_event_details(details) {
            Ok(text) => Some(text),
            Err(problem) => {
                problems.push(problem);
                None
            }
        },
        Some(other) => {
            problems.push(format!(
                "Invalid type for property: details (expecting object, got {})",
                kind_of(other)
            ));
            None
        }
    };
    let blank = |field: &str| match object.get(field) {
        None | Some(Value::Null) => true,
        Some(Value::String(text)) => text.is_empty(),
        Some(_) => false,
    };
    match action {
        Some("feature") if blank("feature") => {
            problems.push("Missing required field for a feature event: 'feature'".to_owned())
        }
        Some("moduleEnd") if blank("module") => {
            problems.push("Missing required field for a moduleEnd event: 'module'".to_owned())
        }
        _ => {}
    }
    if !problems.is_empty() {
        return Err(problems.join("; "));
    }
    match (action, account_id, user_id, created_at) {
        (Some(action), Some(account_id), Some(user_id), Some(created_at)) => Ok(Event {
            line,
            action,
            account_id,
            user_id,
            session_id,
            created_at,
            product,
            module,
            feature,
            total,
            time_spent,
            active_duration,
            details,
        }),
        // Every None above pushed a problem.
        _ => Err("Invalid event".to_owned()),
    }
}

/// serde_json's message without its "at line 1 column N" (the line is ours), plus the column.
fn json_error(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let reason = text
        .rsplit_once(" at line ")
        .map(|(reason, _)| reason)
        .unwrap_or(&text);
    format!("Not valid JSON: {reason} (column {})", error.column())
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

use crate::limits::quoted as shorten;

/// A string field: `required` ones must be present and not blank; optional ones treat
/// null and "" as absent.
fn text_field(
    object: &Map<String, Value>,
    field: &str,
    required: bool,
    problems: &mut Vec<String>,
) -> Option<String> {
    let problem = match object.get(field) {
        None | Some(Value::Null) if required => format!("Missing required field: '{field}'"),
        None | Some(Value::Null) => return None,
        Some(Value::String(text)) if required && text.trim().is_empty() => {
            format!("Missing required field: '{field}' (empty)")
        }
        Some(Value::String(text)) if text.len() > MAX_TEXT_BYTES => {
            crate::limits::too_long_message(&format!("Property {field}"), MAX_TEXT_BYTES, "bytes")
        }
        Some(Value::String(text)) if text.contains('\0') => {
            crate::limits::nul_message(&format!("Property {field}"))
        }
        Some(Value::String(text)) if text.is_empty() => return None,
        Some(Value::String(text)) => return Some(text.clone()),
        Some(other) => format!(
            "Invalid type for property: {field} (expecting string, got {})",
            kind_of(other)
        ),
    };
    problems.push(problem);
    None
}

fn optional_number(
    object: &Map<String, Value>,
    field: &str,
    problems: &mut Vec<String>,
) -> Option<f64> {
    match object.get(field) {
        None | Some(Value::Null) => None,
        Some(Value::Number(number)) => match number.as_f64() {
            Some(n) if n.is_finite() && n >= 0.0 => Some(n),
            _ => {
                problems.push(format!("Property {field} must be a number of zero or more"));
                None
            }
        },
        Some(other) => {
            problems.push(format!(
                "Invalid type for property: {field} (expecting number, got {})",
                kind_of(other)
            ));
            None
        }
    }
}

fn created_at(object: &Map<String, Value>, now: i64, problems: &mut Vec<String>) -> Option<i64> {
    let expecting = "Invalid type for property: created_at (expecting timestamp: integer milliseconds since 1970-01-01 UTC";
    let ms = match object.get("created_at") {
        None | Some(Value::Null) => {
            problems.push("Missing required field: 'created_at'".to_owned());
            return None;
        }
        Some(Value::Number(number)) => match number.as_i64() {
            Some(ms) => Some(ms),
            // 1.4e12 is an integer written as a float: accepted; 1.5 is not.
            None => number
                .as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| f as i64),
        },
        Some(other) => {
            problems.push(format!("{expecting}, got {})", kind_of(other)));
            return None;
        }
    };
    let Some(ms) = ms else {
        problems.push(format!("{expecting}, got a fraction)"));
        return None;
    };
    if ms < MIN_CREATED_AT {
        let hint = if (MIN_CREATED_AT / 1000..now / 1000 + MAX_FUTURE_MS).contains(&ms) {
            " (it looks like seconds: send milliseconds)"
        } else {
            ""
        };
        problems.push(format!(
            "Property created_at is before 2000-01-01{hint}: {ms}"
        ));
        return None;
    }
    if ms > now + MAX_FUTURE_MS {
        problems.push(format!(
            "Property created_at is more than a day in the future: {ms}"
        ));
        return None;
    }
    Some(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000_000;

    fn line(json: &str) -> Result<Event, String> {
        parse_line(1, json.as_bytes(), NOW)
    }

    #[test]
    fn test_a_feature_event_is_read() {
        let event = line(r#"{"action":"feature","account_id":"a1","user_id":"u1","session_id":"s1","created_at":1465400000000,"module":"Reports","feature":"Create report","total":2,"extra":"ignored"}"#).unwrap();
        assert_eq!(event.action, "feature");
        assert_eq!(event.account_id, "a1");
        assert_eq!(event.session_id.as_deref(), Some("s1"));
        assert_eq!(event.created_at, 1_465_400_000_000);
        assert_eq!(event.feature.as_deref(), Some("Create report"));
        assert_eq!(event.total, Some(2.0));
    }

    #[test]
    fn test_lines_split_on_crlf_and_lf_and_blank_lines_keep_numbering() {
        let body = b"\r\n{\"action\":\"sessionSync\",\"account_id\":\"a\",\"user_id\":\"u\",\"created_at\":1465400000000}\r\n\n   \n{\"bad\":1}\n";
        let parsed = parse_body(body, NOW).unwrap();
        assert_eq!(parsed.received, 2);
        assert_eq!(parsed.events.len(), 1);
        assert_eq!(parsed.events[0].line, 2);
        assert_eq!(parsed.failures.len(), 1);
        assert_eq!(parsed.failures[0].line, 5);
        assert!(parsed.failures[0].message.contains("'action'"));
        assert!(parsed.failures[0].message.contains("'account_id'"));
    }

    #[test]
    fn test_whole_body_refusals() {
        assert_eq!(parse_body(b"  \n [{}]", NOW), Err(Refusal::Array));
        assert_eq!(parse_body(b"\n \r\n", NOW), Err(Refusal::Empty));
        let many = "{}\n".repeat(MAX_RECORDS + 1);
        assert_eq!(
            parse_body(many.as_bytes(), NOW),
            Err(Refusal::TooMany(MAX_RECORDS + 1))
        );
        assert!(Refusal::Array.message().contains("not as a JSON array"));
    }

    #[test]
    fn test_messages_name_the_problem() {
        let err =
            line(r#"{"action":"click","account_id":"a","user_id":"u","created_at":1465400000000}"#)
                .unwrap_err();
        assert!(
            err.contains("Unknown action 'click'") && err.contains("identifyUser"),
            "{err}"
        );
        let err = line(r#"{"action":"feature","account_id":1,"user_id":"","created_at":"2016"}"#)
            .unwrap_err();
        assert!(
            err.contains("account_id (expecting string, got a number)"),
            "{err}"
        );
        assert!(err.contains("'user_id' (empty)"), "{err}");
        assert!(err.contains("created_at (expecting timestamp"), "{err}");
        assert!(err.contains("'feature'"), "{err}");
        let err = line(
            r#"{"action":"sessionSync","account_id":"a","user_id":"u","created_at":1465400000}"#,
        )
        .unwrap_err();
        assert!(err.contains("looks like seconds"), "{err}");
        let err = line(r#"{"action":"sessionSync","account_id":"a","user_id":"u","created_at":1465400000000.5}"#).unwrap_err();
        assert!(err.contains("fraction"), "{err}");
        assert!(line(
            r#"{"action":"sessionSync","account_id":"a","user_id":"u","created_at":1.4654e12}"#
        )
        .is_ok());
        let err = line(r#"{"action":"moduleEnd","account_id":"a","user_id":"u","created_at":1465400000000,"module":"M","time_spent":"60"}"#).unwrap_err();
        assert!(
            err.contains("time_spent (expecting number, got a string)"),
            "{err}"
        );
        let err = line(r#"{"action":"identifyUser","account_id":"a","user_id":"u","created_at":1465400000000,"details":[1]}"#).unwrap_err();
        assert!(err.contains("details (expecting object"), "{err}");
        let err = line("{\"action\":").unwrap_err();
        assert!(
            err.starts_with("Not valid JSON") && err.contains("column"),
            "{err}"
        );
        assert!(line("42").unwrap_err().contains("got a number"));
        let future = format!(
            r#"{{"action":"sessionSync","account_id":"a","user_id":"u","created_at":{}}}"#,
            NOW + 2 * MAX_FUTURE_MS
        );
        assert!(line(&future).unwrap_err().contains("future"));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn valid_line(account: &str, user: &str, at: i64) -> String {
            serde_json::json!({"action":"sessionSync","account_id":account,"user_id":user,"created_at":at}).to_string()
        }

        fn json_value() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::Bool),
                any::<i64>().prop_map(Value::from),
                any::<f64>().prop_map(Value::from),
                ".{0,12}".prop_map(Value::String),
                Just(Value::from("feature")),
                Just(Value::from(1_465_400_000_000i64)),
            ];
            leaf.prop_recursive(3, 24, 6, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                    prop::collection::btree_map(
                        prop_oneof![
                            Just("action".to_owned()),
                            Just("account_id".to_owned()),
                            Just("user_id".to_owned()),
                            Just("created_at".to_owned()),
                            Just("session_id".to_owned()),
                            Just("feature".to_owned()),
                            Just("module".to_owned()),
                            Just("total".to_owned()),
                            Just("details".to_owned()),
                            "[a-z_]{1,8}",
                        ],
                        inner,
                        0..8
                    )
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
                ]
            })
        }

        /// Every non-blank line is accounted for exactly once, by its number.
        fn check_accounting(body: &[u8], parsed: &Parsed) {
            let expected: Vec<u32> = lines(body).map(|(n, _)| n).collect();
            let mut seen: Vec<u32> = parsed
                .events
                .iter()
                .map(|e| e.line)
                .chain(parsed.failures.iter().map(|f| f.line))
                .collect();
            seen.sort_unstable();
            assert_eq!(seen, expected);
            assert_eq!(parsed.received, expected.len());
            for failure in &parsed.failures {
                assert!(!failure.message.is_empty());
            }
        }

        proptest! {
            #[test]
            fn random_bytes_never_panic_and_every_line_is_answered(body in prop::collection::vec(any::<u8>(), 0..2000)) {
                match parse_body(&body, NOW) {
                    Ok(parsed) => check_accounting(&body, &parsed),
                    Err(refusal) => prop_assert!(!refusal.message().is_empty()),
                }
            }

            #[test]
            fn random_json_lines_are_accepted_only_when_whole(values in prop::collection::vec(json_value(), 1..20)) {
                let body = values.iter().map(Value::to_string).collect::<Vec<_>>().join("\n");
                match parse_body(body.as_bytes(), NOW) {
                    Ok(parsed) => {
                        check_accounting(body.as_bytes(), &parsed);
                        for event in &parsed.events {
                            // An accepted event is exactly its line's content.
                            let original = &values[event.line as usize - 1];
                            prop_assert_eq!(original["account_id"].as_str(), Some(event.account_id.as_str()));
                            prop_assert_eq!(original["user_id"].as_str(), Some(event.user_id.as_str()));
                            prop_assert_eq!(original["action"].as_str(), Some(event.action));
                        }
                    }
                    Err(refusal) => prop_assert_eq!(refusal, Refusal::Array),
                }
            }

            #[test]
            fn valid_lines_mixed_with_garbage_keep_their_numbers(
                garbage in prop::collection::vec(prop_oneof![
                    "[^\n]{0,40}",
                    Just("{\"action\":\"feature\"".to_owned()),
                    Just("\u{0}\u{1}".to_owned()),
                ], 1..10),
                valid_at in prop::collection::vec(any::<bool>(), 1..10),
            ) {
                let mut body = String::new();
                let mut valid_lines = Vec::new();
                let mut number = 0u32;
                for (i, g) in garbage.iter().enumerate() {
                    if valid_at.get(i).copied().unwrap_or(false) {
                        number += 1;
                        body.push_str(&valid_line("acct", &format!("u{i}"), 1_465_400_000_000));
                        body.push('\n');
                        valid_lines.push(number);
                    }
                    number += 1;
                    body.push_str(&g.replace('\n', " "));
                    body.push_str("\r\n");
                }
                match parse_body(body.as_bytes(), NOW) {
                    Ok(parsed) => {
                        check_accounting(body.as_bytes(), &parsed);
                        for line in valid_lines {
                            prop_assert!(parsed.events.iter().any(|e| e.line == line));
                        }
                    }
                    Err(refusal) => prop_assert!(matches!(refusal, Refusal::Array | Refusal::Empty)),
                }
            }
        }
    }
}
