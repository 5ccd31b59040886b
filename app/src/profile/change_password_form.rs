use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::profile::api::ChangeMyPassword;
use crate::profile::CurrentPasswordField;
use crate::ui::{field_error, FormAlert, FormField};

/// Current password, then the new one. Other devices are signed out; this one stays. Works
/// without JavaScript: the server answers with `?tab=password&changed=1`.
#[component]
pub fn ChangePasswordForm() -> impl IntoView {
    let change = ServerAction::<ChangeMyPassword>::new();
    let error = Signal::derive(move || change.value().get().and_then(Result::err));
    let query = use_query_map();
    let changed = move || {
        query.read().get("changed").is_some() && !change.pending().get() && error.get().is_none()
    };
    // After a change the browser would keep what was typed (an input's value outlives the
    // answer's navigation): empty both fields once the server accepted them.
    let form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move || {
        if matches!(change.value().get(), Some(Ok(_))) {
            if let Some(form) = form.get() {
                form.reset();
            }
        }
    });
    view! {
        <section class="card profile-narrow">
            <h2>"Change password"</h2>
            {move || changed().then(|| view! {
                <div class="alert alert-success" role="status">
                    "Your password was changed. Your other devices were signed out; this one stays signed in."
                </div>
            })}
            // Drawn again after each answer, so no password stays in a field.
            {move || {
                change.version().get();
                view! {
                    <ActionForm action=change node_ref=form>
                        <CurrentPasswordField error />
                        <FormField
                            label="New password"
                            name="new_password"
                            kind="password"
                            autocomplete="new-password"
                            required=true
                            hint="At least 8 characters. A few unrelated words are easy to remember and hard to guess."
                            error=field_error(error, "new_password")
                        />
                        <FormAlert error />
                        <button type="submit" class="btn btn-primary" disabled=move || change.pending().get()>
                            "Change password"
                        </button>
                    </ActionForm>
                }
            }}
        </section>
    }
}
