//! Keys never reach a log: paths and query strings are redacted before they are written to
//! API Status or to server logs.

/// The path (and query) of an API request with every key replaced by a placeholder: the
/// two keys of `/v1/{authKey}/{apiKey}`, the `api_key` query parameter, and anything that
/// looks like a Steward key (`stw_…`).
pub fn redact_path(path_and_query: &str) -> String {
    let (path, query) = match path_and_query.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path_and_query, None),
    };
    let mut out = if let Some(rest) = path.strip_prefix("/v1/") {
        let tail_slash = if rest.ends_with('/') { "/" } else { "" };
        let segments = rest.trim_end_matches('/').split('/').count();
        let mut redacted = String::from("/v1/{authKey}/{apiKey}");
        if segments > 2 {
            redacted.push_str("/…");
        }
        redacted.push_str(tail_slash);
        redacted
    } else {
        path.split('/')
            .map(redact_segment)
            .collect::<Vec<_>>()
            .join("/")
    };
    if let Some(query) = query {
        let parts: Vec<String> = query
            .split('&')
            .map(|pair| {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                if name.eq_ignore_ascii_case("api_key")
                    || name.eq_ignore_ascii_case("apikey")
                    || looks_like_key(value)
                {
                    format!("{name}=[redacted]")
                } else {
                    pair.to_owned()
                }
            })
            .collect();
        out.push('?');
        out.push_str(&parts.join("&"));
    }
    out
}

fn redact_segment(segment: &str) -> String {
    if looks_like_key(segment) {
        "[redacted]".to_owned()
    } else {
        segment.to_owned()
    }
}

fn looks_like_key(text: &str) -> bool {
    text.contains("stw_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_event_keys_are_replaced() {
        assert_eq!(
            redact_path("/v1/stw_evauth_abc/stw_evapi_def"),
            "/v1/{authKey}/{apiKey}"
        );
        assert_eq!(redact_path("/v1/anything/else/"), "/v1/{authKey}/{apiKey}/");
    }

    #[test]
    fn test_api_key_query_parameter_is_replaced() {
        assert_eq!(
            redact_path("/api/v2/accounts/?api_key=stw_acct_x&page=2"),
            "/api/v2/accounts/?api_key=[redacted]&page=2"
        );
        assert_eq!(
            redact_path("/api/v2/accounts?API_KEY=plain"),
            "/api/v2/accounts?API_KEY=[redacted]"
        );
    }

    #[test]
    fn test_key_shaped_segments_are_replaced() {
        assert_eq!(
            redact_path("/api/v2/accounts/stw_acct_leak"),
            "/api/v2/accounts/[redacted]"
        );
        assert_eq!(
            redact_path("/api/v2/accounts/a1/users"),
            "/api/v2/accounts/a1/users"
        );
    }
}
