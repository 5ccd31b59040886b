//! One event sent as a form encoding instead of a JSON line.
//!
//! The published Ruby clients for Natero's Event API (the `natero` gem and its successor
//! `freshworks`, github.com/bonusly) hand the event hash to HTTParty as `body:`, which
//! form-encodes it (`account_id=a1&user_id=u1&created_at=1465400000000&action=feature&…`,
//! nested hashes Rails-style as `details[plan]=pro`) while the header still says
//! `Content-Type: application/json`. Such a body is read here into the same JSON object a
//! JSON line would give, and then validated exactly like one (`parse::read_event`).
//!
//! Only a body that is clearly one form-encoded event is taken: one non-blank line, not
//! starting like JSON, every `&`-separated part a `key=value` with a non-empty key, and an
//! `action` among the keys. Anything else keeps today's answer ("Not valid JSON …").
use serde_json::{Map, Number, Value};

/// Fields whose form text is read as a JSON number when it is one (HTTParty sends every
/// value as text); text that is not a number stays text, so validation names the type.
const NUMBER_FIELDS: [&str; 4] = ["created_at", "total", "time_spent", "active_duration"];

/// Deepest `a[b][c]` nesting read from a key (HTTParty nests hashes this way).
const MAX_DEPTH: usize = 8;

/// The event object of a form-encoded body, or `None` when the body is not one.
pub fn one_event(body: &[u8]) -> Option<Map<String, Value>> {
    let text = std::str::from_utf8(body).ok()?.trim();
    if text.is_empty() || text.starts_with(['{', '[', '"']) || text.contains(['\n', '\r']) {
        return None;
    }
    let well_formed = text
        .split('&')
        .all(|part| part.split_once('=').is_some_and(|(key, _)| !key.is_empty()));
    if !well_formed {
        return None;
    }
    let mut object = Map::new();
    for (key, value) in url::form_urlencoded::parse(text.as_bytes()) {
        let path = key_path(&key)?;
        insert(&mut object, &path, value.into_owned())?;
    }
    if !object.contains_key("action") {
        return None;
    }
    for field in NUMBER_FIELDS {
        if let Some(Value::String(text)) = object.get(field) {
            if let Ok(number) = text.trim().parse::<Number>() {
                object.insert(field.to_owned(), Value::Number(number));
            }
        }
    }
    Some(object)
}

/// `details[plan][tier]` → `["details", "plan", "tier"]`; `tags[]` ends in an empty step
/// (an array item). `None` for a malformed key (an unclosed bracket, text after one).
fn key_path(key: &str) -> Option<Vec<&str>> {
    let (head, mut rest) = match key.find('[') {
        Some(at) => (&key[..at], &key[at..]),
        None => (key, ""),
    };
    if head.is_empty() {
        return None;
    }
    let mut path = vec![head];
    while !rest.is_empty() {
        let inner = rest.strip_prefix('[')?;
        let close = inner.find(']')?;
        path.push(&inner[..close]);
        rest = &inner[close + 1..];
        if path.len() > MAX_DEPTH {
            return None;
        }
    }
    Some(path)
}

/// Puts `value` at `path`; `None` when the path contradicts an earlier key (`a=1&a[b]=2`)
/// or repeats a plain key (the event would be ambiguous).
fn insert(object: &mut Map<String, Value>, path: &[&str], value: String) -> Option<()> {
    let (first, rest) = path.split_first()?;
    match rest {
        [] => {
            if object.contains_key(*first) {
                return None;
            }
            object.insert((*first).to_owned(), Value::String(value));
        }
        [""] => {
            let items = object
                .entry(*first)
                .or_insert_with(|| Value::Array(Vec::new()));
            items.as_array_mut()?.push(Value::String(value));
        }
        _ => {
            let inner = object
                .entry(*first)
                .or_insert_with(|| Value::Object(Map::new()));
            insert(inner.as_object_mut()?, rest, value)?;
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn test_the_gems_body_reads_as_the_json_line_it_stands_for() {
        let body = b"account_id=a1&user_id=u1&created_at=1465400000000&session_id=s1\
&action=feature&feature=Create+report&module=Reports&total=2";
        assert_eq!(
            Value::Object(one_event(body).unwrap()),
            json!({"account_id":"a1","user_id":"u1","created_at":1465400000000_i64,
                   "session_id":"s1","action":"feature","feature":"Create report",
                   "module":"Reports","total":2})
        );
    }

    #[test]
    fn test_nested_details_and_lists_follow_rails_brackets() {
        let body = b"action=identifyAccount&account_id=a1&user_id=u1&created_at=1465400000000\
&details%5Bname%5D=Acme&details[plan][tier]=pro&details[tags][]=x&details[tags][]=y";
        let event = one_event(body).unwrap();
        assert_eq!(
            event["details"],
            json!({"name":"Acme","plan":{"tier":"pro"},"tags":["x","y"]})
        );
    }

    #[test]
    fn test_text_that_is_not_a_number_stays_text() {
        let event = one_event(b"action=feature&created_at=yesterday").unwrap();
        assert_eq!(event["created_at"], json!("yesterday"));
    }

    #[test]
    fn test_other_bodies_are_not_taken_for_a_form() {
        for body in [
            &b"{\"action\":\"feature\"}"[..],
            b"[1,2]",
            b"",
            b"hello world",
            b"action=feature\naccount_id=a1",
            b"account_id=a1&user_id=u1",
            b"action=feature&&user_id=u1",
            b"action=feature&=x",
            b"action=feature&action=moduleEnd",
            b"action=feature&details=x&details[a]=y",
            b"action=feature&details[a=y",
        ] {
            assert!(
                one_event(body).is_none(),
                "{:?} was taken for a form",
                String::from_utf8_lossy(body)
            );
        }
    }
}
