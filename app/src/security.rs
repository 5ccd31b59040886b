//! The per-response Content-Security-Policy nonce (server only). The server's security
//! middleware creates a nonce for each request and sets the CSP header with it; the app
//! hands the same nonce to Leptos so its hydration scripts carry it.
use leptos::prelude::{provide_context, use_context};

/// The nonce of the current request, put into request extensions by the middleware.
#[derive(Clone, Debug)]
pub struct CspNonce(pub String);

impl CspNonce {
    pub fn generate() -> Self {
        Self(crate::crypto::random_token())
    }
}

/// Makes the request's nonce the one Leptos writes into its inline scripts.
pub fn provide_csp_nonce() {
    let nonce = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<CspNonce>().cloned());
    if let Some(nonce) = nonce {
        provide_context(leptos::nonce::Nonce::from_value(nonce.0));
    }
}

/// The policy for an HTML page: only our own scripts (and the nonce'd bootstrap), our WASM,
/// our stylesheet; no framing, no plugins, forms only to ourselves.
pub fn content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}
