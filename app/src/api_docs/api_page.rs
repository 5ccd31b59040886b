use leptos::prelude::*;

use crate::api_docs::api::describe_api;
use crate::api_docs::dto::ApiPageInfo;
use crate::api_docs::endpoints::ENDPOINTS;
use crate::ui::{Column, CopyButton, DataTable, LoadError, PageHeader};

/// IT Administration → API: where the Account and Event APIs are, how to authenticate,
/// curl examples for this Steward (its public URL), the endpoints, and the OpenAPI
/// document. Needs Configure Data Connectors (checked by the server).
#[component]
pub fn ApiPage() -> impl IntoView {
    let info = crate::wire::resource(|| (), |_| describe_api());
    view! {
        <PageHeader title="API" />
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match info.await {
                    Ok(info) => view! { <ApiDocs info /> }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ApiDocs(info: ApiPageInfo) -> impl IntoView {
    let openapi = info.openapi_url();
    let examples = info
        .examples
        .iter()
        .map(|example| {
            let heading_id = format!("example-{}", example.id);
            let labelled_by = heading_id.clone();
            view! {
                <section class="api-example" aria-labelledby=labelled_by>
                    <div class="api-example-header">
                        <h3 id=heading_id>{example.title.clone()}</h3>
                        <CopyButton text=example.command.clone() />
                    </div>
                    <p class="muted">{example.description.clone()}</p>
                    <pre class="code-block"><code>{example.command.clone()}</code></pre>
                </section>
            }
        })
        .collect_view();
    let endpoints = ENDPOINTS
        .iter()
        .map(|e| {
            view! {
                <tr>
                    <td class="nowrap"><span class="strong">{e.method}</span></td>
                    <td><code>{e.path}</code></td>
                    <td>{e.summary}</td>
                </tr>
            }
        })
        .collect_view();
    let columns = vec![
        Column::plain("Method"),
        Column::plain("Path"),
        Column::plain("What it does"),
    ];
    view! {
        <p class="muted">
            "IT Administration: how other systems send data to Steward. The Account API v2 and the Event API are compatible with Natero's: a client written for Natero works by changing the host and the keys."
        </p>
        <section class="card">
            <h2>"Addresses"</h2>
            <dl class="details">
                <dt>"Account API v2"</dt>
                <dd><code>{info.account_api_url()}</code></dd>
                <dt>"Event API"</dt>
                <dd><code>{format!("POST {}", info.event_api_url())}</code></dd>
                <dt>"OpenAPI document"</dt>
                <dd><a href=openapi.clone()>{openapi.clone()}</a></dd>
            </dl>
        </section>
        <section class="card">
            <h2>"Authentication"</h2>
            <p>
                "Keys are on " <a href="/settings/it/source-overview">"Source Overview"</a>
                "; each is shown once, when it is created."
            </p>
            <ul class="plain-list">
                <li>
                    <span class="strong">"Account API: "</span> "the query parameter " <code>"?api_key=KEY"</code>
                    ", or HTTP Basic with user " <code>"api"</code> " and the key as password. Keys start with "
                    <code>"stw_acct_"</code> "."
                </li>
                <li>
                    <span class="strong">"Event API: "</span> "both keys of an event source in the path, "
                    <code>"/v1/AUTH_KEY/API_KEY"</code> " (" <code>"stw_evauth_…"</code> " and "
                    <code>"stw_evapi_…"</code> ")."
                </li>
            </ul>
            <p class="muted">"A missing, revoked or expired key gets HTTP 401. Keys never appear in API Status or in Steward's logs."</p>
        </section>
        <section class="card">
            <h2>"Answers and limits"</h2>
            <ul class="plain-list">
                <li>"Every answer is JSON with " <code>"status_is_ok"</code> "; a refusal carries " <code>"message"</code> "."</li>
                <li>
                    "Bulk POSTs take " <code>"{\"records\":[…]}"</code> " and answer 200 with " <code>"failed_results"</code>
                    ": the records that failed, by index, with the reason. Each record is saved whole or not at all."
                </li>
                <li>"A batch that fails validation as a whole (not JSON, no records array, too many records) also answers 200, with " <code>"status_is_ok: false"</code> "."</li>
                <li>"At most 10,000 records or events per request, and 10 MB per body (after gzip decoding too: send " <code>"Content-Encoding: gzip"</code> " to compress). Larger bodies get 413."</li>
                <li>"Lists are paged from 0 with " <code>"page"</code> ", 1000 results a page. Dates are epoch milliseconds; ids are case-sensitive strings."</li>
                <li>"Every call is listed, with its failed records, under " <a href="/settings/it/api-status">"API Status"</a> "."</li>
            </ul>
        </section>
        <section class="card">
            <h2>"Examples"</h2>
            <p>"Set your keys once in the shell, then paste any example:"</p>
            <div class="api-example">
                <div class="api-example-header">
                    <h3>"Your keys"</h3>
                    <CopyButton text=info.keys_snippet.clone() />
                </div>
                <pre class="code-block"><code>{info.keys_snippet.clone()}</code></pre>
            </div>
            {examples}
        </section>
        <section class="card">
            <h2>"Endpoints"</h2>
            <p class="muted">
                "Every endpoint with its parameters and record fields is described in the "
                <a href=openapi>"OpenAPI document"</a> "."
            </p>
            <DataTable caption="API endpoints" columns>
                {endpoints}
            </DataTable>
        </section>
    }
}
