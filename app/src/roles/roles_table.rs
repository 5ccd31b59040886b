use leptos::prelude::*;

use crate::roles::dto::RoleSummary;
use crate::roles::permission::Permission;
use crate::ui::{Badge, Column, DataTable, EmptyState, Tone};

fn action_button(
    label: &'static str,
    class: &'static str,
    role_name: &str,
    on_click: impl Fn() + 'static,
) -> impl IntoView {
    view! {
        <button type="button" class=class aria-label=format!("{label} {role_name}") on:click=move |_| on_click()>
            {label}
        </button>
    }
}

/// The organisation's roles: seat, permissions, landing page, how many people hold each,
/// and the buttons to edit or delete one.
#[component]
pub fn RolesTable(
    /// The roles to show.
    roles: Vec<RoleSummary>,
    /// Called with the role whose "Edit" was clicked.
    on_edit: Callback<RoleSummary>,
    /// Called with the role whose "Delete" was clicked.
    on_delete: Callback<RoleSummary>,
) -> impl IntoView {
    if roles.is_empty() {
        return view! {
            <EmptyState title="No roles yet">
                <p>"Create a role to decide what its users may do."</p>
            </EmptyState>
        }
        .into_any();
    }
    let columns = [
        "Role",
        "CSM seat",
        "Permissions",
        "Landing page",
        "Users",
        "Actions",
    ]
    .into_iter()
    .map(Column::plain)
    .collect();
    view! {
        <DataTable caption="Roles and permissions" columns>
            {roles
                .into_iter()
                .map(|role| {
                    let seat = if role.is_csm_seat() {
                        view! { <Badge tone=Tone::Success>"Yes"</Badge> }
                    } else {
                        view! { <Badge>"No"</Badge> }
                    };
                    let permissions = Permission::ALL
                        .into_iter()
                        .filter(|p| *p != Permission::CsmSeat && role.permissions.contains(p))
                        .map(|p| p.label())
                        .collect::<Vec<_>>()
                        .join(", ");
                    let (edit, delete) = (role.clone(), role.clone());
                    view! {
                        <tr>
                            <td class="strong">{role.name.clone()}</td>
                            <td>{seat}</td>
                            <td>{if permissions.is_empty() { "—".to_owned() } else { permissions }}</td>
                            <td>{role.landing.label()}</td>
                            <td class="numeric">{role.user_count}</td>
                            <td>
                                <div class="row-actions">
                                    {action_button("Edit", "btn btn-secondary", &role.name, move || on_edit.run(edit.clone()))}
                                    {action_button("Delete", "btn btn-ghost", &role.name, move || on_delete.run(delete.clone()))}
                                </div>
                            </td>
                        </tr>
                    }
                })
                .collect_view()}
        </DataTable>
    }
    .into_any()
}
