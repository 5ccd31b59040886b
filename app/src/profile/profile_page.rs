use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::profile::{ChangePasswordForm, ProfileDetailsForm, SessionsPanel, TwoFactorPanel};
use crate::ui::{PageHeader, Tabs};

const TABS: [(&str, &str); 4] = [
    ("details", "Details"),
    ("password", "Password"),
    ("sessions", "Sessions"),
    ("security", "Two-factor"),
];

/// Tabs: Details, Password, Sessions and Two-factor; `?tab=` keeps the URL in step.
#[component]
pub fn ProfilePage() -> impl IntoView {
    let query = use_query_map();
    let tab = Memo::new(move |_| {
        let asked = query.read().get("tab").unwrap_or_default();
        TABS.iter()
            .find(|(key, _)| *key == asked)
            .map_or("details", |(key, _)| *key)
            .to_owned()
    });
    view! {
        <PageHeader title="My Profile" />
        <Tabs tabs=TABS.to_vec() active=tab base="/settings/profile" />
        {move || match tab.get().as_str() {
            "password" => view! { <ChangePasswordForm /> }.into_any(),
            "sessions" => view! { <SessionsPanel /> }.into_any(),
            "security" => view! { <TwoFactorPanel /> }.into_any(),
            _ => view! { <ProfileDetailsForm /> }.into_any(),
        }}
    }
}
