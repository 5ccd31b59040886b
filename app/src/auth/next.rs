//! The page a signed-out visitor asked for, carried through sign-in as `?next=`. Only a path
//! on this site is ever followed: anything that a browser could read as another host
//! (`//evil`, `https://evil`, `/\evil`, the same percent-encoded) is dropped.
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Everything but the unreserved characters of RFC 3986, so the target survives as one
/// query value.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// How many layers of percent-encoding are looked through before giving up.
const DECODE_LAYERS: usize = 3;

/// `raw` when it is a path on this site worth returning to, else None.
pub fn safe_next(raw: &str) -> Option<String> {
    if raw.is_empty() || !raw.is_ascii() || !is_local_path(raw) {
        return None;
    }
    let mut layer = raw.to_owned();
    for _ in 0..DECODE_LAYERS {
        let decoded = percent_decode_str(&layer).decode_utf8().ok()?.into_owned();
        if decoded == layer {
            break;
        }
        if !is_local_path(&decoded) {
            return None;
        }
        layer = decoded;
    }
    // Signing in again would only lead back here.
    let path = raw.split(['?', '#']).next().unwrap_or_default();
    if path == "/sign-in" || path.starts_with("/sign-in/") {
        return None;
    }
    Some(raw.to_owned())
}

/// A single leading `/`, not followed by another `/` or `\` (which browsers read as the
/// start of a host name), and no control characters (browsers drop tabs and newlines, so
/// `/<tab>/evil` would become `//evil`).
fn is_local_path(candidate: &str) -> bool {
    let mut chars = candidate.chars();
    chars.next() == Some('/')
        && !matches!(chars.next(), Some('/' | '\\'))
        && !candidate.chars().any(char::is_control)
}

/// The sign-in page that returns to `path_and_query` afterwards (plain `/sign-in` for home).
pub fn sign_in_path(path_and_query: &str) -> String {
    match safe_next(path_and_query).filter(|next| next != "/") {
        Some(next) => format!("/sign-in?next={}", encode(&next)),
        None => "/sign-in".to_owned(),
    }
}

/// `base` with `?next=` added when `next` is a safe target.
pub fn with_next(base: &str, next: Option<&str>) -> String {
    match next.and_then(safe_next) {
        Some(next) => format!("{base}?next={}", encode(&next)),
        None => base.to_owned(),
    }
}

fn encode(value: &str) -> String {
    utf8_percent_encode(value, QUERY_VALUE).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_paths_on_this_site_are_kept() {
        for good in [
            "/accounts/12?tab=people",
            "/",
            "/settings/profile?tab=sessions",
            "/accounts?q=a%2Fb",
        ] {
            assert_eq!(safe_next(good).as_deref(), Some(good), "{good}");
        }
    }

    #[test]
    fn test_off_site_and_odd_targets_are_dropped() {
        for bad in [
            "",
            "//evil.test",
            "///evil.test",
            "https://evil.test",
            "http:/evil.test",
            "javascript:alert(1)",
            "/\\evil.test",
            "\\\\evil.test",
            "/%2Fevil.test",
            "/%5Cevil.test",
            "%2F%2Fevil.test",
            "/%252F%252Fevil.test",
            "/\t/evil.test",
            "/%09/evil.test",
            "/\n/evil.test",
            "evil.test",
            "/accounts/é",
            "/sign-in?next=/x",
            "/sign-in/verify",
        ] {
            assert_eq!(safe_next(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn test_sign_in_path_encodes_the_target_as_one_value() {
        assert_eq!(
            sign_in_path("/accounts/12?tab=people&x=1"),
            "/sign-in?next=%2Faccounts%2F12%3Ftab%3Dpeople%26x%3D1"
        );
        assert_eq!(sign_in_path("/"), "/sign-in");
        assert_eq!(sign_in_path("//evil.test"), "/sign-in");
        assert_eq!(
            with_next("/sign-in/verify", Some("/accounts")),
            "/sign-in/verify?next=%2Faccounts"
        );
        assert_eq!(
            with_next("/sign-in/verify", Some("//evil")),
            "/sign-in/verify"
        );
        assert_eq!(with_next("/sign-in/verify", None), "/sign-in/verify");
    }
}
