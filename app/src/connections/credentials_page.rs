use leptos::prelude::*;

use crate::connections::api::{list_credentials, DeleteCredentials, SaveCredentials};
use crate::connections::credential_form::CredentialForm;
use crate::ui::{LoadError, PageHeader};

/// IT Administration → Manage Credentials: one form per system, one system per save.
/// Values are write-only. Needs Configure Data Connectors (checked by the server).
#[component]
pub fn CredentialsPage() -> impl IntoView {
    let save = ServerAction::<SaveCredentials>::new();
    let delete = ServerAction::<DeleteCredentials>::new();
    // Reloaded only after a change: a refused save keeps its form (and errors) in place.
    let reload = RwSignal::new(0u32);
    Effect::new(move |_| {
        // Both are read every time, so both stay tracked.
        let saved = matches!(save.value().get(), Some(Ok(_)));
        let deleted = matches!(delete.value().get(), Some(Ok(_)));
        if saved || deleted {
            reload.update(|n| *n += 1);
        }
    });
    let last = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if let Some(input) = save.input().get() {
            last.set(Some(input.system));
        }
    });
    let list = crate::wire::resource(move || reload.get(), |_| list_credentials());
    view! {
        <PageHeader title="Manage Credentials" />
        <p class="muted page-intro">
            "A secure place for the credentials Steward uses to reach other systems. Add credentials for one system at a time. "
            "They are stored encrypted and are never shown again, only overwritten or deleted."
        </p>
        <Transition fallback=|| view! { <p class="muted">"Loading credentials…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(systems) => view! {
                        <div class="credential-grid">
                            {systems.into_iter().map(|status| view! {
                                <CredentialForm status save delete last />
                            }).collect_view()}
                        </div>
                    }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
    }
}
