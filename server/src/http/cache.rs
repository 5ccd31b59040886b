//! Cache headers for the built assets and the pages.
//!
//! cargo-leptos (`hash-files = true`) names the WASM, JS and CSS after an MD5 of their content
//! (`/pkg/steward.<hash>.wasm`), and each page names the files of the build on disk. Such a
//! file never changes under its name, so browsers may keep it a year without asking again;
//! a deploy gives new names, which only new HTML knows. HTML itself is always revalidated,
//! so a browser never combines an old page with a new bundle (or the other way round).
use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Pages: revalidated on every use (no-cache) and never written to a cache, since they hold
/// personal data (no-store, as before this layer).
pub const PAGE: &str = "no-cache, no-store";
/// Static files without a content hash (the favicon, unhashed builds): revalidated.
pub const REVALIDATE: &str = "no-cache";

pub async fn cache_layer(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    let status = response.status();
    let headers = response.headers_mut();
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(PAGE));
    } else if is_static_file(&path) && (status.is_success() || status.as_u16() == 304) {
        let value = if is_hashed_asset(&path) {
            IMMUTABLE
        } else {
            REVALIDATE
        };
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
        // The same URL is answered as brotli, gzip or plain (precompressed files).
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

/// Files of the site root: the built `pkg/` and the assets copied from `public/`.
pub fn is_static_file(path: &str) -> bool {
    path.starts_with("/pkg/") || path == "/favicon.svg" || path == "/favicon.ico"
}

/// `/pkg/<name>.<hash>.<ext>` with cargo-leptos' hash: 22 characters of unpadded URL-safe
/// base64 (an MD5).
pub fn is_hashed_asset(path: &str) -> bool {
    let Some(file) = path.strip_prefix("/pkg/") else {
        return false;
    };
    let parts: Vec<&str> = file.split('.').collect();
    matches!(parts.as_slice(), [name, hash, ext]
        if !name.is_empty()
            && !ext.is_empty()
            && hash.len() == 22
            && hash.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_hashed_asset_names() {
        assert!(is_hashed_asset("/pkg/steward.ZmVkY2JhOTg3NjU0MzIxMA.wasm"));
        assert!(is_hashed_asset("/pkg/steward.a-b_c0123456789abcdefg.js"));
        assert!(!is_hashed_asset("/pkg/steward.wasm"));
        assert!(!is_hashed_asset("/pkg/steward.short.wasm"));
        assert!(!is_hashed_asset(
            "/pkg/steward.ZmVkY2JhOTg3NjU0MzIxMA.wasm.br"
        ));
        assert!(!is_hashed_asset("/favicon.ZmVkY2JhOTg3NjU0MzIxMA.svg"));
        assert!(!is_hashed_asset("/pkg/steward.ZmVkY2JhOTg3NjU0MzIx/A.wasm"));
    }
}
