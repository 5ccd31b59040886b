use leptos::prelude::*;
use leptos_meta::Title;

use crate::auth::use_session;
use crate::roles::permission::Permission;
use crate::ui::{Badge, Tone};

/// The default landing page: who you are here, what your role lets you do, and where to go.
#[component]
pub fn HomePage() -> impl IntoView {
    let session = use_session();
    view! {
        <Title text="Home" />
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let Ok(Some(user)) = session.user.await else { return ().into_any() };
                let first_name = user.name.split_whitespace().next().unwrap_or_default().to_owned();
                view! {
                    <header class="page-header">
                        <h1>{format!("Welcome, {first_name}")}</h1>
                        <p class="muted">{format!("{} · {}", user.org_name, user.role_name)}</p>
                    </header>
                    {(!user.two_factor_enabled)
                        .then(|| {
                            view! {
                                <div class="alert alert-info">
                                    "Protect your account with two-factor sign-in. "
                                    <a href="/settings/profile?tab=security">"Turn it on in My Profile"</a>
                                </div>
                            }
                        })}
                    <section class="card">
                        <h2>"What your role allows"</h2>
                        {if user.permissions.is_empty() {
                            view! { <p class="muted">"Your role has no permissions yet. Ask an administrator."</p> }
                                .into_any()
                        } else {
                            view! {
                                <ul class="badge-list">
                                    {Permission::ALL
                                        .into_iter()
                                        .filter(|p| user.can(*p))
                                        .map(|p| view! { <li><Badge tone=Tone::Info>{p.label()}</Badge></li> })
                                        .collect_view()}
                                </ul>
                            }
                                .into_any()
                        }}
                    </section>
                    <section class="card-grid">
                        <a class="card card-link" href="/settings/profile">
                            <h2>"My Profile"</h2>
                            <p class="muted">"Your details and two-factor sign-in."</p>
                        </a>
                        <a class="card card-link" href="/settings">
                            <h2>"Management Center"</h2>
                            <p class="muted">"Settings for you and your organisation."</p>
                        </a>
                    </section>
                }
                    .into_any()
            })}
        </Transition>
    }
}
