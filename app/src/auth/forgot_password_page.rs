use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::auth::api::RequestPasswordReset;
use crate::ui::{field_error, FormAlert, FormField};

/// "Forgot password": the same answer whoever asks, so it tells nobody whether an email
/// has an account. Works without JavaScript (the answer comes back as `?sent=1`).
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let action = ServerAction::<RequestPasswordReset>::new();
    let params = use_query_map();
    let sent =
        move || params.read().get("sent").is_some() || matches!(action.value().get(), Some(Ok(())));
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let pending = action.pending();
    view! {
        <Title text="Forgot password" />
        <main class="auth-page">
            <div class="auth-card">
                <p class="brand brand-large">"Steward"</p>
                <h1>"Forgot your password?"</h1>
                {move || if sent() {
                    view! {
                        <div class="alert alert-success" role="status" data-testid="forgot-sent">
                            "If that email belongs to an active account, a link to choose a new password is on its way. It is valid for 24 hours."
                        </div>
                        <p><a href="/sign-in">"Back to sign-in"</a></p>
                    }
                        .into_any()
                } else {
                    view! {
                        <p class="muted">"Enter the email you sign in with and we will send you a link to choose a new password."</p>
                        <FormAlert error />
                        <ActionForm action>
                            <FormField label="Email" name="email" kind="email" autocomplete="username" required=true error=field_error(error, "email") />
                            <button type="submit" class="btn btn-primary btn-block" disabled=move || pending.get()>
                                {move || if pending.get() { "Sending…" } else { "Send reset link" }}
                            </button>
                        </ActionForm>
                        <p class="auth-footer"><a href="/sign-in">"Back to sign-in"</a></p>
                    }
                        .into_any()
                }}
            </div>
        </main>
    }
}
