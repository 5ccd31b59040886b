use leptos::prelude::*;
use leptos_meta::Title;

use crate::error::AppError;
use crate::ui::set_page_status;

/// Shown for any unknown address, with a real 404 status.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    set_page_status(&AppError::NotFound);
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
