use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

use crate::auth::next::safe_next;
use crate::auth::use_session;
use crate::ui::{field_error, FormAlert, FormField};

/// Email and password. Works without JavaScript; a signed-in visitor is sent on to the page
/// named by `?next=` (a path on this site) or their landing page. `next` rides along as a
/// hidden field, so it survives a wrong password and the second step.
#[component]
pub fn SignInPage() -> impl IntoView {
    let session = use_session();
    let error = Signal::derive(move || session.sign_in.value().get().and_then(Result::err));
    let pending = session.sign_in.pending();
    let params = use_query_map();
    // The "password changed" note gives way to any later sign-in error.
    let after_reset = move || params.read().get("reset").is_some() && error.get().is_none();
    let next = move || params.read().get("next").and_then(|next| safe_next(&next));
    view! {
        <Title text="Sign in" />
        <Transition>
            {move || Suspend::new(async move {
                session
                    .user
                    .await
                    .ok()
                    .flatten()
                    .map(|user| {
                        let target = next().unwrap_or_else(|| user.landing.path().to_owned());
                        view! { <Redirect path=target /> }
                    })
            })}
        </Transition>
        <main class="auth-page">
            <div class="auth-card">
                <p class="brand brand-large">"Steward"</p>
                <h1>"Sign in"</h1>
                {move || after_reset().then(|| view! {
                    <div class="alert alert-success" role="status">"Your password was changed. Sign in with the new one."</div>
                })}
                <FormAlert error />
                <ActionForm action=session.sign_in>
                    <input type="hidden" name="next" value=move || next().unwrap_or_default() />
                    <FormField
                        label="Email"
                        name="email"
                        kind="email"
                        autocomplete="username"
                        required=true
                        error=field_error(error, "email")
                    />
                    <FormField
                        label="Password"
                        name="password"
                        kind="password"
                        autocomplete="current-password"
                        required=true
                        error=field_error(error, "password")
                    />
                    <button type="submit" class="btn btn-primary btn-block" disabled=move || pending.get()>
                        {move || if pending.get() { "Signing in…" } else { "Sign in" }}
                    </button>
                </ActionForm>
                <p class="auth-footer"><a href="/sign-in/forgot">"Forgot password?"</a></p>
            </div>
        </main>
    }
}
