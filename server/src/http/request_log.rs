//! What the request log may say about a request. Every request gets a span with its method
//! and path, and the path is always redacted first: the keys of the Event API path
//! (`/v1/{authKey}/{apiKey}`), the `api_key` query parameter and anything shaped like a
//! Steward key (`app::public_api::redact`), and the one-time tokens of setup and password
//! reset links. Headers are never logged, so neither are Basic credentials or cookies.
use axum::http::Request;
use tracing::Span;

/// Paths whose last segment is a one-time token.
const TOKEN_PREFIXES: &[&str] = &["/setup/", "/reset-password/", "/api/inbound-mail/"];

/// The path and query of a request as it may appear in a log.
pub fn loggable_path(path_and_query: &str) -> String {
    // OAuth callbacks carry a one-time code and the state: keep only the path.
    if let Some((path, _)) = path_and_query
        .split_once('?')
        .filter(|(path, _)| path.starts_with("/oauth/"))
    {
        return format!("{path}?[redacted]");
    }
    let redacted = app::public_api::redact::redact_path(path_and_query);
    for prefix in TOKEN_PREFIXES {
        if let Some(rest) = redacted.strip_prefix(prefix) {
            let query = rest.split_once('?').map(|(_, q)| q);
            return match query {
                Some(query) => format!("{prefix}[token]?{query}"),
                None => format!("{prefix}[token]"),
            };
        }
    }
    redacted
}

/// The span `TraceLayer` opens for each request (at INFO, so errors logged while handling
/// a request name it).
pub fn make_span<B>(request: &Request<B>) -> Span {
    let path = request
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str())
        .unwrap_or("/");
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %loggable_path(path),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_keys_and_tokens_never_reach_the_log() {
        assert_eq!(
            loggable_path("/v1/stw_evauth_a/stw_evapi_b"),
            "/v1/{authKey}/{apiKey}"
        );
        assert_eq!(
            loggable_path("/api/v2/accounts?api_key=stw_acct_x&page=1"),
            "/api/v2/accounts?api_key=[redacted]&page=1"
        );
        assert_eq!(loggable_path("/setup/abcdef"), "/setup/[token]");
        assert_eq!(
            loggable_path("/reset-password/abcdef?x=1"),
            "/reset-password/[token]?x=1"
        );
        assert_eq!(
            loggable_path("/settings/users?q=ada"),
            "/settings/users?q=ada"
        );
    }
}
