use leptos::prelude::*;
use leptos_meta::Title;

use crate::auth::use_session;
use crate::management::RolesTable;
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
        <section class="card-grid">
            <a class="card card-link" href="/settings/profile">
                <h2>"My Profile"</h2>
                <p class="muted">"Your name, role and two-factor sign-in."</p>
            </a>
        </section>
        <Transition>
            {move || Suspend::new(async move {
                let can_see_roles = matches!(
                    session.user.await, Ok(Some(ref user)) if user.can(Permission::ConfigureUsers)
                );
                can_see_roles.then(|| view! { <RolesTable /> })
            })}
        </Transition>
    }
}
