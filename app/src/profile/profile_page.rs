use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::auth::use_session;
use crate::profile::TwoFactorPanel;
use crate::ui::{Badge, PageHeader, Tabs, Tone};

/// Tabs: Details and Security; `?tab=` keeps the URL in step.
#[component]
pub fn ProfilePage() -> impl IntoView {
    let session = use_session();
    let query = use_query_map();
    let tab = Signal::derive(move || {
        let tab = query.read().get("tab").unwrap_or_default();
        if tab == "security" {
            tab
        } else {
            "details".to_owned()
        }
    });
    view! {
        <PageHeader title="My Profile" />
        <Tabs tabs=vec![("details", "Details"), ("security", "Security")] active=tab base="/settings/profile" />
        <Show
            when=move || tab.get() == "security"
            fallback=move || {
                view! {
                    <Transition>
                        {move || Suspend::new(async move {
                            let Ok(Some(user)) = session.user.await else { return ().into_any() };
                            view! {
                                <section class="card">
                                    <dl class="details">
                                        <dt>"Name"</dt>
                                        <dd>{user.name.clone()}</dd>
                                        <dt>"Username (email)"</dt>
                                        <dd>{user.email.clone()}</dd>
                                        <dt>"Title"</dt>
                                        <dd>{user.title.clone().unwrap_or_else(|| "—".to_owned())}</dd>
                                        <dt>"Role"</dt>
                                        <dd>{user.role_name.clone()}</dd>
                                        <dt>"Organisation"</dt>
                                        <dd>{user.org_name.clone()}</dd>
                                        <dt>"Two-factor sign-in"</dt>
                                        <dd>
                                            {if user.two_factor_enabled {
                                                view! { <Badge tone=Tone::Success>"On"</Badge> }
                                            } else {
                                                view! { <Badge tone=Tone::Warning>"Off"</Badge> }
                                            }}
                                        </dd>
                                    </dl>
                                </section>
                            }
                                .into_any()
                        })}
                    </Transition>
                }
            }
        >
            <TwoFactorPanel />
        </Show>
    }
}
