use leptos::prelude::*;

use crate::roles::api::list_roles;
use crate::roles::permission::Permission;
use crate::ui::{Badge, Column, DataTable, EmptyState, LoadError, Tone};

/// The organisation's roles, what each grants and how many people hold it.
#[component]
pub fn RolesTable() -> impl IntoView {
    let roles = Resource::new(|| (), |_| list_roles());
    view! {
        <section class="card">
            <h2>"Roles and permissions"</h2>
            <Transition fallback=|| view! { <p class="muted">"Loading roles…"</p> }>
                {move || Suspend::new(async move {
                    match roles.await {
                        Ok(roles) if roles.is_empty() => {
                            view! {
                                <EmptyState title="No roles yet">
                                    <p>"Roles appear here once they are created."</p>
                                </EmptyState>
                            }
                                .into_any()
                        }
                        Ok(roles) => {
                            view! {
                                <DataTable
                                    caption="Roles and permissions"
                                    columns=["Role", "Seat", "Permissions", "Lands on", "Users"].into_iter().map(Column::plain).collect()
                                >
                                    {roles
                                        .into_iter()
                                        .map(|role| {
                                            let seat = if role.is_csm_seat() {
                                                view! { <Badge tone=Tone::Success>"CSM seat"</Badge> }
                                            } else {
                                                view! { <Badge>"Analyst seat"</Badge> }
                                            };
                                            let permissions = Permission::ALL
                                                .into_iter()
                                                .filter(|p| *p != Permission::CsmSeat && role.permissions.contains(p))
                                                .map(|p| p.label())
                                                .collect::<Vec<_>>()
                                                .join(", ");
                                            view! {
                                                <tr>
                                                    <td class="strong">{role.name.clone()}</td>
                                                    <td>{seat}</td>
                                                    <td>{if permissions.is_empty() { "—".to_owned() } else { permissions }}</td>
                                                    <td>{role.landing.label()}</td>
                                                    <td class="numeric">{role.user_count}</td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </DataTable>
                            }
                                .into_any()
                        }
                        Err(error) => {
                            view! { <LoadError error /> }
                                .into_any()
                        }
                    }
                })}
            </Transition>
        </section>
    }
}
