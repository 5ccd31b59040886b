use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::connections::api::{get_oauth_overview, DisconnectSalesforce};
use crate::connections::dto::{oauth_error_sentence, ConnectionView, SalesforceEnvironment};
use crate::ui::{Badge, FormAlert, LoadError, PageHeader, Tone};

/// IT Administration → Manage OAuth: choose the provider, Authorize provider (a plain form
/// post to `/oauth/salesforce/start`, which sends the browser to Salesforce, so it works
/// without JavaScript), the connection with its status, and Disconnect. Errors come back as
/// `?error=<code>` and are shown as fixed sentences.
#[component]
pub fn OAuthPage() -> impl IntoView {
    let disconnect = ServerAction::<DisconnectSalesforce>::new();
    let overview =
        crate::wire::resource(move || disconnect.version().get(), |_| get_oauth_overview());
    let query = use_query_map();
    let error = move || {
        query
            .read()
            .get("error")
            .and_then(|code| oauth_error_sentence(&code))
    };
    let connected = move || query.read().get("connected").is_some();
    // After a refused My Domain URL the same provider stays chosen.
    let chosen = query
        .read_untracked()
        .get("provider")
        .unwrap_or_else(|| "production".into());
    view! {
        <PageHeader title="Manage OAuth" />
        <p class="muted page-intro">
            "Start by selecting the provider. You will be sent to that service's login page; by signing in there and selecting Allow you grant Steward access to it."
        </p>
        {move || error().map(|sentence| view! {
            <div class="alert alert-danger" role="alert" data-testid="oauth-error">{sentence}</div>
        })}
        {move || (connected() && error().is_none()).then(|| view! {
            <div class="alert alert-success" role="status">"Salesforce is connected."</div>
        })}
        {move || disconnect.value().get().and_then(Result::ok).map(|sentence| view! {
            <div class="alert alert-success" role="status" data-testid="oauth-disconnected">{sentence}</div>
        })}
        <FormAlert error=Signal::derive(move || disconnect.value().get().and_then(Result::err)) />
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || { let chosen = chosen.clone(); Suspend::new(async move {
                match overview.await {
                    Ok(overview) => view! {
                        <section class="card">
                            <h2>"Authorize a provider"</h2>
                            {overview.app_in_use.map(|s| view! { <p class="muted" data-testid="app-in-use">{s}</p> })}
                            {overview.app_missing.map(|s| view! { <div class="alert alert-warning" role="status" data-testid="app-missing">{s}</div> })}
                            <form method="post" action="/oauth/salesforce/start" class="oauth-start">
                                <div class="field">
                                    <label for="oauth-provider">"Provider"</label>
                                    <select id="oauth-provider" name="provider">
                                        {SalesforceEnvironment::ALL.into_iter().map(|e| view! {
                                            <option value=e.key() selected=chosen == e.key()>{e.label()}</option>
                                        }).collect_view()}
                                    </select>
                                </div>
                                <div class="field">
                                    <label for="oauth-my-domain">"My Domain URL"</label>
                                    <input id="oauth-my-domain" name="my_domain_url" type="url" inputmode="url"
                                        placeholder="https://example.my.salesforce.com" aria-describedby="oauth-my-domain-hint" />
                                    <p class="field-hint" id="oauth-my-domain-hint">"Only for \u{201c}Salesforce with a My Domain URL\u{201d}: https, or http on a loopback address for a local stand-in."</p>
                                </div>
                                <button type="submit" class="btn btn-primary">"Authorize provider"</button>
                            </form>
                            <p class="muted">"Callback URL to register in the Salesforce Connected App: " <code data-testid="callback-url">{overview.callback_url}</code></p>
                        </section>
                        {overview.connection.map(|c| view! { <ConnectionCard connection=c disconnect /> })}
                    }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}}
        </Transition>
    }
}

/// The connection's details and status, with Disconnect.
#[component]
fn ConnectionCard(
    /// The stored connection.
    connection: ConnectionView,
    /// The page's disconnect action.
    disconnect: ServerAction<DisconnectSalesforce>,
) -> impl IntoView {
    let tone = match connection.status.as_str() {
        "connected" => Tone::Success,
        "needs_reauthorization" => Tone::Warning,
        _ => Tone::Neutral,
    };
    let live = connection.status != "revoked";
    view! {
        <section class="card" data-testid="oauth-connection">
            <h2>{connection.provider.clone()} " " <Badge tone>{connection.status_label.clone()}</Badge></h2>
            {(connection.status == "needs_reauthorization").then(|| view! {
                <p class="alert alert-warning" role="status">"Salesforce refused Steward's refresh token. Choose the provider above and select Authorize provider to connect again."</p>
            })}
            <dl class="details">
                <dt>"Environment"</dt><dd>{connection.environment}</dd>
                <dt>"Instance URL"</dt><dd>{connection.instance_url}</dd>
                <dt>"Salesforce username"</dt><dd data-testid="sf-username">{connection.username}</dd>
                <dt>"Salesforce org id"</dt><dd>{connection.remote_org_id}</dd>
                <dt>"Scopes"</dt><dd>{connection.scopes}</dd>
                <dt>"Connected by"</dt><dd>{connection.connected_by} " on " {connection.connected_at}</dd>
                <dt>"Last successful call"</dt><dd>{connection.last_success_at.unwrap_or_else(|| "none yet".into())}</dd>
            </dl>
            {live.then(|| view! {
                <ActionForm action=disconnect>
                    <button type="submit" class="btn btn-danger" disabled=move || disconnect.pending().get()>"Disconnect"</button>
                </ActionForm>
            })}
        </section>
    }
}
