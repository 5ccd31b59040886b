use leptos::prelude::*;

use crate::roles::api::{list_roles, DeleteRole, SaveRole};
use crate::roles::dto::RoleSummary;
use crate::roles::permission::Permission;
use crate::roles::{DeleteRoleDialog, RoleDialog, RolesTable};
use crate::shell::IfAllowed;
use crate::ui::{use_toasts, LoadError, PageHeader};

/// Management Center → Roles: what each role may do, where its users land and how many hold
/// it; create, edit and delete roles. Needs Configure Users (the server checks every call).
#[component]
pub fn RolesPage() -> impl IntoView {
    let save = ServerAction::<SaveRole>::new();
    let delete = ServerAction::<DeleteRole>::new();
    let roles = crate::wire::resource(
        move || (save.version().get(), delete.version().get()),
        |_| list_roles(),
    );
    // Owned here, not by the dialogs: the list re-renders after a change.
    let (editing, dialog_open) = (RwSignal::new(None::<RoleSummary>), RwSignal::new(false));
    let (deleting, delete_open) = (RwSignal::new(None::<RoleSummary>), RwSignal::new(false));
    let toasts = use_toasts();
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            dialog_open.set(false);
            toasts.success("Role saved.");
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = delete.value().get() {
            delete_open.set(false);
            toasts.success("Role deleted.");
        }
    });
    let edit = Callback::new(move |role: Option<RoleSummary>| {
        save.value().set(None);
        editing.set(role);
        dialog_open.set(true);
    });
    let on_delete = Callback::new(move |role: RoleSummary| {
        delete.value().set(None);
        deleting.set(Some(role));
        delete_open.set(true);
    });
    view! {
        <PageHeader title="Roles" />
        <IfAllowed permission=Permission::ConfigureUsers>
            <div class="toolbar">
                <p class="muted">"A role decides what its users may do and where they land after signing in."</p>
                <button type="button" class="btn btn-primary" on:click=move |_| edit.run(None)>"New role"</button>
            </div>
        </IfAllowed>
        <Transition fallback=|| view! { <p class="muted">"Loading roles…"</p> }>
            {move || Suspend::new(async move {
                match roles.await {
                    Ok(roles) => {
                        let on_edit = Callback::new(move |role| edit.run(Some(role)));
                        view! { <RolesTable roles on_edit on_delete /> }.into_any()
                    }
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
        <RoleDialog action=save role=editing open=dialog_open />
        <DeleteRoleDialog action=delete role=deleting open=delete_open />
    }
}
