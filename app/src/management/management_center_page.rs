use leptos::prelude::*;
use leptos_meta::Title;

use crate::auth::use_session;
use crate::management::RolesSummary;
use crate::roles::permission::Permission;

#[component]
pub fn ManagementCenterPage() -> impl IntoView {
    let session = use_session();
    view! {
        <Title text="Management Center" />
        <header class="page-header">
            <h1>"Management Center"</h1>
            <p class="muted">"Settings for you and your organisation."</p>
        </header>
        <Transition>
            {move || Suspend::new(async move {
                let user = session.user.await;
                let configures_users = matches!(user, Ok(Some(ref user)) if user.can(Permission::ConfigureUsers));
                let configures_connectors =
                    matches!(user, Ok(Some(ref user)) if user.can(Permission::ConfigureDataConnectors));
                view! {
                    <section class="card-grid">
                        <a class="card card-link" href="/settings/profile">
                            <h2>"My Profile"</h2>
                            <p class="muted">"Your name, role and two-factor sign-in."</p>
                        </a>
                        {configures_users
                            .then(|| {
                                view! {
                                    <a class="card card-link" href="/settings/users">
                                        <h2>"Users"</h2>
                                        <p class="muted">"Everyone in your organisation: active, inactive and invited."</p>
                                    </a>
                                    <a class="card card-link" href="/settings/roles">
                                        <h2>"Roles"</h2>
                                        <p class="muted">"What each role may do, its landing page and who holds it."</p>
                                    </a>
                                    <a class="card card-link" href="/settings/audit">
                                        <h2>"Audit log"</h2>
                                        <p class="muted">"Every change to users, roles, invitations and sign-ins."</p>
                                    </a>
                                    <a class="card card-link" href="/settings/outbox">
                                        <h2>"Outbox"</h2>
                                        <p class="muted">"Mail Steward sent or is trying to send, with its delivery status."</p>
                                    </a>
                                }
                            })}
                        {configures_connectors
                            .then(|| {
                                view! {
                                    <a class="card card-link" href="/settings/it/source-overview">
                                        <h2>"IT Administration: Source Overview"</h2>
                                        <p class="muted">"The Account API key and the Usage Event API keys."</p>
                                    </a>
                                    <a class="card card-link" href="/settings/it/api-status">
                                        <h2>"IT Administration: API Status"</h2>
                                        <p class="muted">"The last 1000 calls to the Account and Event APIs, with their failed records."</p>
                                    </a>
                                    <a class="card card-link" href="/settings/it/api">
                                        <h2>"IT Administration: API"</h2>
                                        <p class="muted">"How to call the Account and Event APIs: addresses, authentication, examples, OpenAPI."</p>
                                    </a>
                                }
                            })}
                    </section>
                    {configures_users.then(|| view! { <RolesSummary /> })}
                }
            })}
        </Transition>
    }
}
