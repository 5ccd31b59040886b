use leptos::prelude::*;

use crate::auth::use_session;
use crate::roles::api::SaveRole;
use crate::roles::dto::RoleSummary;
use crate::roles::permission::{LandingPage, Permission};
use crate::ui::{field_error, FormAlert, FormField, Modal};
use crate::validation::MAX_ROLE_NAME_CHARS;

/// "New role" and "Edit": name, landing page and one checkbox per permission. The server
/// answers each field that needs attention beside it, and refusals (a permission you do
/// not hold, the last administrator, the seat limit) above the buttons.
#[component]
pub fn RoleDialog(
    /// The save action (owned by the page so the list refreshes after it).
    action: ServerAction<SaveRole>,
    /// The role being edited; None for a new one. Set before `open`.
    role: RwSignal<Option<RoleSummary>>,
    /// Whether the dialog is shown.
    open: RwSignal<bool>,
) -> impl IntoView {
    move || {
        let title = if role.with(Option::is_some) {
            "Edit role"
        } else {
            "New role"
        };
        view! {
            <Modal title open>
                <RoleForm action role open />
            </Modal>
        }
    }
}

#[component]
fn RoleForm(
    action: ServerAction<SaveRole>,
    role: RwSignal<Option<RoleSummary>>,
    open: RwSignal<bool>,
) -> impl IntoView {
    let current = role.get_untracked();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let session = use_session();
    // What the signed-in user holds; the server refuses granting anything else.
    let holds = move |permission: Permission| {
        session
            .user
            .get()
            .and_then(Result::ok)
            .flatten()
            .is_none_or(|user| user.can(permission))
    };
    let landing = current.as_ref().map_or(LandingPage::Home, |r| r.landing);
    let granted = current
        .as_ref()
        .map(|r| r.permissions.clone())
        .unwrap_or_default();
    let landing_options = LandingPage::ALL
        .into_iter()
        .map(|page| view! { <option value=page.key() selected=page == landing>{page.label()}</option> })
        .collect_view();
    let checkboxes = Permission::ALL
        .into_iter()
        .map(|permission| {
            view! {
                <label class="checkbox">
                    <input type="checkbox" name="permissions[]" value=permission.key() checked=granted.contains(&permission) />
                    {permission.label()}
                    {move || (!holds(permission)).then(|| view! { <span class="muted small">"(you do not hold it)"</span> })}
                </label>
            }
        })
        .collect_view();
    view! {
        <ActionForm action>
            {current.as_ref().map(|r| view! { <input type="hidden" name="role_id" value=r.id.to_string() /> })}
            <FormField
                label="Name"
                name="name"
                required=true
                value=current.as_ref().map(|r| r.name.clone()).unwrap_or_default()
                hint=format!("Up to {MAX_ROLE_NAME_CHARS} characters, different from your other roles.")
                error=field_error(error, "name")
            />
            <div class="field">
                <label for="role-landing">"Landing page"</label>
                <select id="role-landing" name="landing">{landing_options}</select>
                <p class="field-hint">"Where the role's users arrive after signing in."</p>
                <p class="field-error">{move || field_error(error, "landing").get()}</p>
            </div>
            <fieldset class="field permission-choices">
                <legend>"Permissions"</legend>
                {checkboxes}
                <p class="field-error">{move || field_error(error, "permissions").get()}</p>
            </fieldset>
            <FormAlert error />
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Saving…" } else { "Save role" }}
                </button>
                <button type="button" class="btn btn-ghost" on:click=move |_| open.set(false)>"Cancel"</button>
            </div>
        </ActionForm>
    }
}
