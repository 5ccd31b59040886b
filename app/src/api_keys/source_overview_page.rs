use leptos::prelude::*;

use crate::api_keys::api::{list_api_keys, CreateApiKey, RevokeApiKey, RotateApiKey};
use crate::api_keys::dto::{ApiKeyKind, ApiKeySummary};
use crate::api_keys::{ApiKeysTable, NewApiKeyDialog, RevokeApiKeyDialog, RotateApiKeyDialog};
use crate::roles::permission::Permission;
use crate::shell::IfAllowed;
use crate::ui::{use_toasts, LoadError, PageHeader};

/// IT Administration → Source Overview: the Account API key and the Usage Event API keys,
/// with New key, Rotate and Revoke. Needs Configure Data Connectors (checked by the server).
#[component]
pub fn SourceOverviewPage() -> impl IntoView {
    let create = ServerAction::<CreateApiKey>::new();
    let revoke = ServerAction::<RevokeApiKey>::new();
    let rotate = ServerAction::<RotateApiKey>::new();
    let keys = crate::wire::resource(
        move || {
            (
                create.version().get(),
                revoke.version().get(),
                rotate.version().get(),
            )
        },
        |_| list_api_keys(),
    );
    let new_open = RwSignal::new(false);
    let target = RwSignal::new(None::<ApiKeySummary>);
    let (revoke_open, rotate_open) = (RwSignal::new(false), RwSignal::new(false));
    let toasts = use_toasts();
    Effect::new(move |_| {
        if let Some(Ok(())) = revoke.value().get() {
            revoke_open.set(false);
            toasts.success("Key revoked.");
        }
    });
    let open_new = move |_| {
        create.value().set(None);
        new_open.set(true);
    };
    let on_rotate = Callback::new(move |key: ApiKeySummary| {
        rotate.value().set(None);
        target.set(Some(key));
        rotate_open.set(true);
    });
    let on_revoke = Callback::new(move |key: ApiKeySummary| {
        revoke.value().set(None);
        target.set(Some(key));
        revoke_open.set(true);
    });
    view! {
        <PageHeader title="Source Overview" />
        <IfAllowed permission=Permission::ConfigureDataConnectors>
            <div class="toolbar">
                <p class="muted">
                    "IT Administration: the keys other systems use to send data to Steward. Keys are shown once, when they are created."
                </p>
                <button type="button" class="btn btn-primary" on:click=open_new>"New key"</button>
            </div>
        </IfAllowed>
        <Transition fallback=|| view! { <p class="muted">"Loading keys…"</p> }>
            {move || Suspend::new(async move {
                match keys.await {
                    Ok(keys) => {
                        let (account, event): (Vec<_>, Vec<_>) =
                            keys.into_iter().partition(|k| k.kind == ApiKeyKind::Account);
                        view! {
                            <section class="card">
                                <h2>"Account API key"</h2>
                                <p class="muted">"For the Account API: " <code>"?api_key=KEY"</code> " or HTTP Basic with user " <code>"api"</code> "."</p>
                                <ApiKeysTable keys=account caption="Account API keys" on_rotate on_revoke />
                            </section>
                            <section class="card">
                                <h2>"Usage Event API keys"</h2>
                                <p class="muted">"For the Event API: " <code>"POST /v1/{authKey}/{apiKey}"</code> "."</p>
                                <ApiKeysTable keys=event caption="Usage Event API keys" on_rotate on_revoke />
                            </section>
                        }
                            .into_any()
                    }
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
        <crate::bcc_email::BccAddressCard />
        <crate::connections::SourcesTable />
        <IfAllowed permission=Permission::ConfigureDataConnectors>
            <crate::salesforce_sync::SalesforceRunsCard />
        </IfAllowed>
        <NewApiKeyDialog action=create open=new_open />
        <RevokeApiKeyDialog action=revoke key=target open=revoke_open />
        <RotateApiKeyDialog action=rotate key=target open=rotate_open />
    }
}
