//! Headers every response gets, and refusal of cross-site state-changing requests.
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use app::security::{content_security_policy, CspNonce};
use app::state::AppState;

/// Paths called by programs with API keys rather than by browsers with cookies; later
/// issues add the Account API and Event API here.
const KEY_AUTHENTICATED_PREFIXES: &[&str] = &["/api/v2/", "/v1/"];

pub async fn security_layer(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    let safe_method = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if !safe_method
        && !KEY_AUTHENTICATED_PREFIXES
            .iter()
            .any(|p| path.starts_with(p))
        && is_cross_site(request.headers(), &state.settings.public_url)
    {
        let path = super::request_log::loggable_path(&path);
        tracing::warn!(%path, "refused a cross-site request");
        return (
            StatusCode::FORBIDDEN,
            "Cross-site requests are not allowed.\n",
        )
            .into_response();
    }

    let nonce = CspNonce::generate();
    request.extensions_mut().insert(nonce.clone());
    let mut response = next.run(request).await;

    let headers = response.headers_mut();
    let static_asset = super::cache::is_static_file(&path);
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        if let Ok(value) = HeaderValue::from_str(&content_security_policy(&nonce.0)) {
            headers.insert(header::CONTENT_SECURITY_POLICY, value);
        }
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Setup and reset links carry their token in the path: never send it elsewhere.
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    if state.settings.uses_https() {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    if !static_asset && !headers.contains_key(header::CACHE_CONTROL) {
        // Pages and server function answers hold personal data: keep them out of caches.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// A request is cross-site when the browser says so (`Sec-Fetch-Site`) or, for browsers
/// that do not send that, when its `Origin` is not exactly the origin of `public_url`:
/// scheme, host and port (`https://…` is refused by an http deployment, and the other way
/// round). The request's own `Host` header is not trusted for this. Requests with neither
/// header come from programs, which carry no ambient cookies.
pub fn is_cross_site(headers: &HeaderMap, public_url: &url::Url) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return !matches!(site, "same-origin" | "none");
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    // Both sides through the URL parser, so default ports and letter case compare equal.
    let ours = public_url.origin();
    match url::Url::parse(origin) {
        Ok(theirs) => !ours.is_tuple() || theirs.origin() != ours,
        Err(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_static(v));
        }
        map
    }

    fn public(url: &str) -> url::Url {
        url::Url::parse(url).unwrap()
    }

    #[test]
    fn test_fetch_metadata_decides_when_present() {
        let ours = public("http://127.0.0.1:3000");
        assert!(!is_cross_site(
            &headers(&[("sec-fetch-site", "same-origin")]),
            &ours
        ));
        assert!(is_cross_site(
            &headers(&[("sec-fetch-site", "cross-site")]),
            &ours
        ));
        assert!(is_cross_site(
            &headers(&[("sec-fetch-site", "same-site")]),
            &ours
        ));
    }

    #[test]
    fn test_origin_must_be_public_url_by_scheme_host_and_port() {
        let ours = public("http://127.0.0.1:3000/");
        let check = |origin: &'static str| is_cross_site(&headers(&[("origin", origin)]), &ours);
        assert!(!check("http://127.0.0.1:3000"));
        assert!(check("https://127.0.0.1:3000"), "another scheme");
        assert!(check("http://127.0.0.1:3001"), "another port");
        assert!(check("http://evil.example"));
        assert!(check("null"));
        assert!(!is_cross_site(&headers(&[]), &ours));
        let https = public("https://steward.example.com");
        let check = |origin: &'static str| is_cross_site(&headers(&[("origin", origin)]), &https);
        assert!(
            !check("https://Steward.Example.com:443"),
            "default port, any case"
        );
        assert!(check("http://steward.example.com"));
        // The Host header does not make another origin same-site.
        assert!(is_cross_site(
            &headers(&[("origin", "http://evil.example"), ("host", "evil.example")]),
            &https
        ));
    }
}
