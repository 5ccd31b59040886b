use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::auth::api::{password_reset_info, ResetPassword};
use crate::ui::{field_error, FormAlert, FormField, LoadError};

/// Where a password reset link lands: choose a new password. Afterwards every session of
/// the user has ended and they sign in again.
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let info = crate::wire::resource(token, password_reset_info);
    let action = ServerAction::<ResetPassword>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let pending = action.pending();
    view! {
        <Title text="Choose a new password" />
        <main class="auth-page">
            <div class="auth-card">
                <p class="brand brand-large">"Steward"</p>
                <Transition fallback=|| view! { <p class="muted">"Checking your link…"</p> }>
                    {move || Suspend::new(async move {
                        match info.await {
                            Err(error) => view! {
                                <h1>"This link cannot be used"</h1>
                                <LoadError error />
                                <p><a href="/sign-in/forgot">"Ask for a new link"</a></p>
                            }
                                .into_any(),
                            Ok(info) => view! {
                                <h1>"Choose a new password"</h1>
                                <p class="muted">{format!("For {} at {}. Every device signed in with your old password will be signed out.", info.email, info.org_name)}</p>
                                <FormAlert error />
                                <ActionForm action>
                                    <input type="hidden" name="token" value=token() />
                                    <input type="email" name="username" autocomplete="username" value=info.email.clone() hidden />
                                    <FormField
                                        label="New password"
                                        name="password"
                                        kind="password"
                                        autocomplete="new-password"
                                        hint="At least 8 characters. A few unrelated words make a strong password."
                                        required=true
                                        error=field_error(error, "password")
                                    />
                                    <button type="submit" class="btn btn-primary btn-block" disabled=move || pending.get()>
                                        {move || if pending.get() { "Saving…" } else { "Set new password" }}
                                    </button>
                                </ActionForm>
                            }
                                .into_any(),
                        }
                    })}
                </Transition>
            </div>
        </main>
    }
}
