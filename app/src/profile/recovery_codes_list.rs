use leptos::prelude::*;

/// The ten recovery codes, shown once right after two-factor sign-in is turned on.
#[component]
pub fn RecoveryCodesList(
    /// The codes, formatted for reading.
    codes: Vec<String>,
    /// Called when the user confirms they have saved them.
    on_done: Callback<()>,
) -> impl IntoView {
    view! {
        <div class="recovery-codes">
            <h3>"Save your recovery codes"</h3>
            <p>
                "Each code signs you in once if you lose your phone. Store them somewhere safe: they will not be shown again."
            </p>
            <ol class="code-list" data-testid="recovery-codes">
                {codes.into_iter().map(|code| view! { <li><code>{code}</code></li> }).collect_view()}
            </ol>
            <button type="button" class="btn btn-primary" on:click=move |_| on_done.run(())>
                "I have saved these codes"
            </button>
        </div>
    }
}
