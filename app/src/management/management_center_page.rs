use leptos::prelude::*;
use leptos_meta::Title;

use crate::auth::use_session;
use crate::management::{settings_pages_for, RolesSummary};
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
                let Ok(Some(user)) = session.user.await else { return ().into_any() };
                let cards = settings_pages_for(&user)
                    .map(|page| {
                        view! {
                            <a class="card card-link" href=page.href>
                                <h2>{page.card_title()}</h2>
                                <p class="muted">{page.description}</p>
                            </a>
                        }
                    })
                    .collect_view();
                view! {
                    <section class="card-grid">{cards}</section>
                    {user.can(Permission::ConfigureUsers).then(|| view! { <RolesSummary /> })}
                }
                    .into_any()
            })}
        </Transition>
    }
}
