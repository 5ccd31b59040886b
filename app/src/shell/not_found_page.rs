use leptos::prelude::*;
use leptos_meta::Title;

/// Shown for any unknown address, with a real 404 status.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found" />
        <main class="auth-page">
            <div class="auth-card">
                <p class="brand brand-large">"Steward"</p>
                <h1>"Page not found"</h1>
                <p class="muted">"The address may be mistyped, or the page has moved."</p>
                <a class="btn btn-primary" href="/">
                    "Go to Steward"
                </a>
            </div>
        </main>
    }
}
