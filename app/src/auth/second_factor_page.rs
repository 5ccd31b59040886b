use leptos::prelude::*;
use leptos_meta::Title;

use crate::auth::use_session;
use crate::ui::{field_error, FormAlert, FormField};

/// The second sign-in step: a code from the authenticator app or a recovery code.
#[component]
pub fn SecondFactorPage() -> impl IntoView {
    let session = use_session();
    let error = Signal::derive(move || session.verify.value().get().and_then(Result::err));
    let pending = session.verify.pending();
    view! {
        <Title text="Two-factor sign-in" />
        <main class="auth-page">
            <div class="auth-card">
                <p class="brand brand-large">"Steward"</p>
                <h1>"Two-factor sign-in"</h1>
                <p class="muted">
                    "Enter the 6-digit code from your authenticator app. Lost your phone? Enter one of your recovery codes instead."
                </p>
                <FormAlert error />
                <ActionForm action=session.verify>
                    <FormField
                        label="Code"
                        name="code"
                        autocomplete="one-time-code"
                        required=true
                        error=field_error(error, "code")
                    />
                    <button type="submit" class="btn btn-primary btn-block" disabled=move || pending.get()>
                        {move || if pending.get() { "Checking…" } else { "Verify" }}
                    </button>
                </ActionForm>
                <p class="auth-footer">
                    <a href="/sign-in">"Start again"</a>
                </p>
            </div>
        </main>
    }
}
