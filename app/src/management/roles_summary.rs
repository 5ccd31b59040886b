use leptos::prelude::*;

use crate::roles::api::list_roles;
use crate::ui::LoadError;

/// A short line per role (name and how many hold it) and the way to the Roles page.
#[component]
pub fn RolesSummary() -> impl IntoView {
    let roles = crate::wire::resource(|| (), |_| list_roles());
    view! {
        <section class="card" aria-labelledby="roles-summary-heading">
            <h2 id="roles-summary-heading">"Roles"</h2>
            <Transition fallback=|| view! { <p class="muted">"Loading roles…"</p> }>
                {move || Suspend::new(async move {
                    match roles.await {
                        Ok(roles) => {
                            view! {
                                <ul class="badge-list roles-summary">
                                    {roles
                                        .into_iter()
                                        .map(|role| {
                                            let users = format!("{} user{}", role.user_count, if role.user_count == 1 { "" } else { "s" });
                                            view! {
                                                <li class="badge badge-neutral">
                                                    {role.name} " · " {users}
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            }
                                .into_any()
                        }
                        Err(error) => view! { <LoadError error /> }.into_any(),
                    }
                })}
            </Transition>
            <p class="roles-summary-link">
                <a href="/settings/roles">"Manage roles"</a>
            </p>
        </section>
    }
}
