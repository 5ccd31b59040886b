use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::auth::next::{safe_next, with_next};
use crate::auth::use_session;
use crate::ui::{field_error, FormAlert, FormField};

/// The second sign-in step: a code from the authenticator app or a recovery code. The page
/// asked for before signing in (`?next=`) rides along as a hidden field.
#[component]
pub fn SecondFactorPage() -> impl IntoView {
    let session = use_session();
    let error = Signal::derive(move || session.verify.value().get().and_then(Result::err));
    let pending = session.verify.pending();
    let params = use_query_map();
    let next = move || params.read().get("next").and_then(|next| safe_next(&next));
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
                    <input type="hidden" name="next" value=move || next().unwrap_or_default() />
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
                    <a href=move || with_next("/sign-in", next().as_deref())>"Start again"</a>
                </p>
            </div>
        </main>
    }
}
