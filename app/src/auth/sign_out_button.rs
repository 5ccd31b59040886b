use leptos::prelude::*;

use crate::auth::use_session;

/// A sign-out form button; works without JavaScript.
#[component]
pub fn SignOutButton() -> impl IntoView {
    let session = use_session();
    view! {
        <ActionForm action=session.sign_out>
            <button type="submit" class="btn btn-ghost nav-signout">
                "Sign out"
            </button>
        </ActionForm>
    }
}
