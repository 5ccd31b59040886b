use leptos::prelude::*;

use crate::api_keys::api::{RevokeApiKey, RotateApiKey};
use crate::api_keys::dto::{ApiKeySummary, MAX_OVERLAP_DAYS};
use crate::api_keys::ShownKeys;
use crate::ui::{field_error, FormAlert, Modal};

/// Asks before revoking a key: every request with it is refused from then on.
#[component]
pub fn RevokeApiKeyDialog(
    /// The revoke action (owned by the page so the list refreshes after it).
    action: ServerAction<RevokeApiKey>,
    /// The key to revoke. Set before `open`.
    key: RwSignal<Option<ApiKeySummary>>,
    /// Whether the dialog is shown.
    open: RwSignal<bool>,
) -> impl IntoView {
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    view! {
        <Modal title="Revoke API key" open>
            {move || {
                key.get()
                    .map(|key| {
                        view! {
                            <p>
                                "Revoke " <strong>{key.name.clone()}</strong> " (" <code>{key.masked.clone()}</code>
                                ")? Every request with it is refused from now on. This cannot be undone."
                            </p>
                            <ActionForm action>
                                <input type="hidden" name="key_id" value=key.id.to_string() />
                                <FormAlert error />
                                <div class="form-actions">
                                    <button type="submit" class="btn btn-danger" disabled=move || action.pending().get()>
                                        {move || if action.pending().get() { "Revoking…" } else { "Revoke key" }}
                                    </button>
                                    <button type="button" class="btn btn-ghost" on:click=move |_| open.set(false)>"Cancel"</button>
                                </div>
                            </ActionForm>
                        }
                    })
            }}
        </Modal>
    }
}

/// Rotating a key: how long the old one keeps working, then the new key, shown once.
#[component]
pub fn RotateApiKeyDialog(
    /// The rotate action (owned by the page so the list refreshes after it).
    action: ServerAction<RotateApiKey>,
    /// The key to rotate. Set before `open`.
    key: RwSignal<Option<ApiKeySummary>>,
    /// Whether the dialog is shown.
    open: RwSignal<bool>,
) -> impl IntoView {
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let rotated = move || action.value().get().and_then(Result::ok);
    view! {
        <Modal title="Rotate API key" open>
            {move || match (rotated(), key.get()) {
                (Some(new_key), _) => view! { <ShownKeys key=new_key open /> }.into_any(),
                (None, Some(key)) => view! {
                    <p>
                        "Replace " <strong>{key.name.clone()}</strong> " (" <code>{key.masked.clone()}</code>
                        ") with a new key. The old key keeps working during the overlap, so the systems using it can switch."
                    </p>
                    <ActionForm action>
                        <input type="hidden" name="key_id" value=key.id.to_string() />
                        <div class="field">
                            <label for="rotate-overlap">"Overlap (days)"</label>
                            <input id="rotate-overlap" type="number" name="overlap_days" min="0" max=MAX_OVERLAP_DAYS.to_string() value="7" required />
                            <p class="field-hint">{format!("0 to {MAX_OVERLAP_DAYS}; 0 revokes the old key at once.")}</p>
                            <p class="field-error">{move || field_error(error, "overlap_days").get()}</p>
                        </div>
                        <FormAlert error />
                        <div class="form-actions">
                            <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>
                                {move || if action.pending().get() { "Rotating…" } else { "Rotate key" }}
                            </button>
                            <button type="button" class="btn btn-ghost" on:click=move |_| open.set(false)>"Cancel"</button>
                        </div>
                    </ActionForm>
                }
                    .into_any(),
                (None, None) => ().into_any(),
            }}
        </Modal>
    }
}
