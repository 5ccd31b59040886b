use leptos::prelude::*;

use crate::api_keys::api::CreateApiKey;
use crate::api_keys::dto::{ApiKeyKind, NewApiKey, MAX_KEY_NAME_CHARS};
use crate::ui::{field_error, CopyButton, FormAlert, FormField, Modal};

/// "New key": kind and name; then the new key's secret(s), shown this once.
#[component]
pub fn NewApiKeyDialog(
    /// The create action (owned by the page so the list refreshes after it).
    action: ServerAction<CreateApiKey>,
    /// Whether the dialog is shown.
    open: RwSignal<bool>,
) -> impl IntoView {
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let created = move || action.value().get().and_then(Result::ok);
    // Made where used: views are not `Sync`, so they cannot sit in a `StoredValue` when
    // components are type-erased (the WASM build).
    let options = || {
        ApiKeyKind::ALL
            .into_iter()
            .map(|kind| view! { <option value=kind.key()>{kind.label()}</option> })
            .collect_view()
    };
    view! {
        <Modal title="New API key" open>
            {move || match created() {
                Some(key) => view! { <ShownKeys key open /> }.into_any(),
                None => view! {
                    <ActionForm action>
                        <div class="field">
                            <label for="api-key-kind">"Kind"</label>
                            <select id="api-key-kind" name="kind">{options()}</select>
                            <p class="field-error">{move || field_error(error, "kind").get()}</p>
                        </div>
                        <FormField
                            label="Name"
                            name="name"
                            required=true
                            hint=format!("Up to {MAX_KEY_NAME_CHARS} characters, to tell the keys apart (\"Billing sync\").")
                            error=field_error(error, "name")
                        />
                        <FormAlert error />
                        <div class="form-actions">
                            <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>
                                {move || if action.pending().get() { "Creating…" } else { "Create key" }}
                            </button>
                            <button type="button" class="btn btn-ghost" on:click=move |_| open.set(false)>"Cancel"</button>
                        </div>
                    </ActionForm>
                }
                    .into_any(),
            }}
        </Modal>
    }
}

/// A new key's secret(s) with copy buttons, and the warning that they are shown only now.
#[component]
pub fn ShownKeys(
    /// The key just created or rotated.
    key: NewApiKey,
    /// The dialog to close with "Done".
    open: RwSignal<bool>,
) -> impl IntoView {
    let fields = match key.auth_key.clone() {
        Some(auth_key) => view! {
            <CopyField id="new-auth-key" label="Auth key" value=auth_key.clone() />
            <CopyField id="new-api-key" label="API key" value=key.api_key.clone() />
            <p class="field-hint">
                "Events are posted to " <code>{format!("/v1/{auth_key}/{}", key.api_key)}</code>
            </p>
        }
        .into_any(),
        None => view! { <CopyField id="new-api-key" label="Account API key" value=key.api_key.clone() /> }.into_any(),
    };
    view! {
        <div class="alert alert-warning" role="alert">
            <strong>"Copy the key now."</strong>
            " Steward keeps only a fingerprint of it and will not show it again. If it is lost, rotate the key."
        </div>
        <p>"Key " <strong>{key.name.clone()}</strong> " (" {key.kind.label()} ")"</p>
        {fields}
        <div class="form-actions">
            <button type="button" class="btn btn-secondary" on:click=move |_| open.set(false)>"Done"</button>
        </div>
    }
}

/// A read-only field with a button that copies its value to the clipboard.
#[component]
fn CopyField(id: &'static str, label: &'static str, value: String) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input id=id type="text" readonly value=value.clone() data-testid=id />
            <div class="form-actions">
                <CopyButton text=value />
            </div>
        </div>
    }
}
