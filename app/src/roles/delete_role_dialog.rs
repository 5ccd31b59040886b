use leptos::prelude::*;

use crate::roles::api::DeleteRole;
use crate::roles::dto::RoleSummary;
use crate::ui::{FormAlert, Modal};

/// Asks before deleting a role. The server refuses while anyone holds it and names them.
#[component]
pub fn DeleteRoleDialog(
    /// The delete action (owned by the page so the list refreshes after it).
    action: ServerAction<DeleteRole>,
    /// The role to delete. Set before `open`.
    role: RwSignal<Option<RoleSummary>>,
    /// Whether the dialog is shown.
    open: RwSignal<bool>,
) -> impl IntoView {
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    view! {
        <Modal title="Delete role" open>
            {move || {
                role.get()
                    .map(|role| {
                        view! {
                            <p>
                                "Delete the role " <strong>{role.name.clone()}</strong>
                                "? This cannot be undone. A role can only be deleted once nobody holds it."
                            </p>
                            <ActionForm action>
                                <input type="hidden" name="role_id" value=role.id.to_string() />
                                <FormAlert error />
                                <div class="form-actions">
                                    <button type="submit" class="btn btn-danger" disabled=move || action.pending().get()>
                                        {move || if action.pending().get() { "Deleting…" } else { "Delete role" }}
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
