use leptos::html::Select;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api_status::api::list_api_calls;
use crate::api_status::dto::{
    ApiCallRow, ApiCallsPage, ApiKind, ApiStatusQuery, CallStatus, KEPT_CALLS_PER_ORG,
};
use crate::ui::{pagination, Badge, Column, DataTable, EmptyState, LoadError, PageHeader, Tone};

/// IT Administration → API Status: the organisation's last 1000 calls to the Account,
/// Event and Upload APIs, newest first, filtered by status, API and endpoint (in the URL).
/// A row opens to its per-record failures; without JavaScript the toggle is a link to the
/// call's own view. Needs Configure Data Connectors (checked by the server).
#[component]
pub fn ApiStatusPage() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| ApiStatusQuery::from_params(|key| params.read().get(key)));
    let calls = crate::wire::resource(move || query.get(), list_api_calls);
    view! {
        <PageHeader title="API Status" />
        <p class="muted">
            {format!(
                "IT Administration: the last {KEPT_CALLS_PER_ORG} calls to the Account and Event APIs. Failure means the whole call was refused; Partial means some records failed. Keys never appear here."
            )}
        </p>
        <Transition fallback=|| view! { <p class="muted">"Loading API calls…"</p> }>
            {move || Suspend::new(async move {
                match calls.await {
                    Ok(page) => {
                        let query = query.get_untracked();
                        view! {
                            <ApiStatusFilters query=query.clone() endpoints=page.endpoints.clone() />
                            <ApiCallsTable page query />
                        }
                            .into_any()
                    }
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ApiStatusFilters(query: ApiStatusQuery, endpoints: Vec<String>) -> impl IntoView {
    let (status_select, api_select, endpoint_select) = (
        NodeRef::<Select>::new(),
        NodeRef::<Select>::new(),
        NodeRef::<Select>::new(),
    );
    let navigate = use_navigate();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let value = |select: NodeRef<Select>| select.get().map(|s| s.value()).unwrap_or_default();
        let (status, api, endpoint) = (
            value(status_select),
            value(api_select),
            value(endpoint_select),
        );
        let next = ApiStatusQuery::from_params(|key| match key {
            "status" => Some(status.clone()),
            "api" => Some(api.clone()),
            "endpoint" => Some(endpoint.clone()),
            _ => None,
        });
        navigate(&next.href(), Default::default());
    };
    let statuses = CallStatus::ALL
        .into_iter()
        .map(|status| {
            let selected = query.status == Some(status);
            view! { <option value=status.key() selected=selected>{status.label()}</option> }
        })
        .collect_view();
    let apis = ApiKind::ALL
        .into_iter()
        .map(|api| {
            let selected = query.api == Some(api);
            view! { <option value=api.key() selected=selected>{api.label()}</option> }
        })
        .collect_view();
    let endpoint_options = endpoints
        .into_iter()
        .map(|endpoint| {
            let selected = query.endpoint == endpoint;
            view! { <option value=endpoint.clone() selected=selected>{endpoint.clone()}</option> }
        })
        .collect_view();
    view! {
        <form method="get" action=ApiStatusQuery::PATH class="filters" on:submit=on_submit>
            <div class="field">
                <label for="api-status-endpoint">"Endpoint"</label>
                <select id="api-status-endpoint" name="endpoint" node_ref=endpoint_select>
                    <option value="" selected=query.endpoint.is_empty()>"Any endpoint"</option>
                    {endpoint_options}
                </select>
            </div>
            <div class="field">
                <label for="api-status-status">"Status"</label>
                <select id="api-status-status" name="status" node_ref=status_select>
                    <option value="" selected=query.status.is_none()>"Any status"</option>
                    {statuses}
                </select>
            </div>
            <div class="field">
                <label for="api-status-api">"API"</label>
                <select id="api-status-api" name="api" node_ref=api_select>
                    <option value="" selected=query.api.is_none()>"Any API"</option>
                    {apis}
                </select>
            </div>
            <div class="filters-actions">
                <button type="submit" class="btn btn-secondary">"Apply"</button>
                <a class="btn btn-ghost" href=ApiStatusQuery::PATH>"Clear"</a>
            </div>
        </form>
    }
}

fn status_tone(status: CallStatus) -> Tone {
    match status {
        CallStatus::Success => Tone::Success,
        CallStatus::Partial => Tone::Warning,
        CallStatus::Failure => Tone::Danger,
    }
}

#[component]
fn ApiCallsTable(page: ApiCallsPage, query: ApiStatusQuery) -> impl IntoView {
    let single = query.call.is_some();
    let summary = if single {
        "One call".to_owned()
    } else {
        format!(
            "{} call{} · the last {KEPT_CALLS_PER_ORG} are kept",
            page.total,
            if page.total == 1 { "" } else { "s" }
        )
    };
    let back = single.then(|| {
        let href = ApiStatusQuery {
            call: None,
            page: 1,
            ..query.clone()
        }
        .href();
        view! { <p><a href=href>"← All calls"</a></p> }
    });
    if page.rows.is_empty() {
        let filtered = query
            != ApiStatusQuery {
                page: query.page,
                ..Default::default()
            };
        return view! {
            {back}
            <p class="muted result-count">{summary}</p>
            {if filtered {
                view! {
                    <EmptyState title="No API calls match">
                        <p>"Change the filters, or clear them."</p>
                    </EmptyState>
                }
                    .into_any()
            } else {
                view! {
                    <EmptyState title="No API calls yet">
                        <p>
                            "Calls to the Account API and the Event API appear here as they happen. Keys are on "
                            <a href="/settings/it/source-overview">"Source Overview"</a> "; how to call the APIs is on the "
                            <a href="/settings/it/api">"API"</a> " page."
                        </p>
                    </EmptyState>
                }
                    .into_any()
            }}
        }
        .into_any();
    }
    let columns = [
        "", "Time", "API", "Request", "Status", "Records", "Duration", "Key",
    ]
    .into_iter()
    .map(Column::plain)
    .collect::<Vec<_>>();
    let pages = pagination(
        page.page,
        page.page_count,
        {
            let query = query.clone();
            move |number| {
                ApiStatusQuery {
                    page: number,
                    ..query.clone()
                }
                .href()
            }
        },
        ("← Newer", "Older →"),
    );
    let rows = page
        .rows
        .into_iter()
        .map(|row| {
            let href = ApiStatusQuery {
                call: Some(row.id),
                page: 1,
                ..query.clone()
            }
            .href();
            view! { <ApiCallRowView row href open=single /> }
        })
        .collect_view();
    view! {
        {back}
        <p class="muted result-count">{summary}</p>
        <DataTable caption="API calls, newest first" columns>
            {rows}
        </DataTable>
        {pages}
    }
    .into_any()
}

/// One call, and below it (when opened) its message and per-record failures.
#[component]
fn ApiCallRowView(row: ApiCallRow, href: String, open: bool) -> impl IntoView {
    let expanded = RwSignal::new(open);
    let has_detail = row.message.is_some() || !row.failures.is_empty();
    let detail_id = format!("api-call-{}", row.id);
    let toggle = has_detail.then(|| {
        let detail_id = detail_id.clone();
        view! {
            <a
                class="row-toggle"
                href=href.clone()
                role="button"
                aria-controls=detail_id
                aria-expanded=move || if expanded.get() { "true" } else { "false" }
                aria-label=move || if expanded.get() { "Hide failures" } else { "Show failures" }
                on:click=move |ev| {
                    ev.prevent_default();
                    expanded.update(|open| *open = !*open);
                }
            >
                {move || if expanded.get() { "▾" } else { "▸" }}
            </a>
        }
    });
    let record_label = if row.api == ApiKind::Event {
        "Line"
    } else {
        "Record"
    };
    let failures_more = row.failures_kept as usize > row.failures.len();
    let failures_hidden = row.records_failed as usize > row.failures_kept as usize;
    let failures = (!row.failures.is_empty()).then(|| {
        let items = row
            .failures
            .iter()
            .map(|failure| {
                view! {
                    <tr>
                        <td class="numeric">{failure.record}</td>
                        <td><code>{failure.id.clone().unwrap_or_else(|| "—".into())}</code></td>
                        <td>{failure.message.clone()}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table class="failures-table">
                <caption class="visually-hidden">"Failed records"</caption>
                <thead>
                    <tr>
                        <th scope="col">{record_label}</th>
                        <th scope="col">"Id"</th>
                        <th scope="col">"Message"</th>
                    </tr>
                </thead>
                <tbody>{items}</tbody>
            </table>
        }
    });
    let more = (failures_more && !open).then(|| {
        view! {
            <p class="small">
                <a href=href.clone()>{format!("Show all {} failures of this call", row.failures_kept)}</a>
            </p>
        }
    });
    let hidden_note = failures_hidden.then(|| {
        view! {
            <p class="small muted">
                {format!(
                    "{} failures were reported to the client; the first {} are kept here.",
                    row.records_failed,
                    row.failures_kept,
                )}
            </p>
        }
    });
    let message = row
        .message
        .clone()
        .map(|message| view! { <p class="call-message">{message}</p> });
    let records = if row.records_received == 0 && row.records_failed == 0 {
        "—".to_owned()
    } else if row.records_failed == 0 {
        format!("{} received", row.records_received)
    } else {
        format!(
            "{} received · {} failed",
            row.records_received, row.records_failed
        )
    };
    view! {
        <tr class="api-call" data-status=row.status.key()>
            <td class="row-toggle-cell">{toggle}</td>
            <td class="nowrap"><time title=row.at.exact.clone()>{row.at.relative.clone()}</time></td>
            <td class="nowrap">{row.api.label()}</td>
            <td class="call-request">
                <span class="strong">{row.method.clone()}</span>
                " "
                <code class="call-path">{row.path.clone()}</code>
            </td>
            <td class="nowrap">
                <Badge tone=status_tone(row.status)>{row.status.label()}</Badge>
                <span class="muted small">{format!(" {}", row.http_status)}</span>
            </td>
            <td class="nowrap">{records}</td>
            <td class="numeric nowrap">{format!("{} ms", row.duration_ms)}</td>
            <td>{row.key_name.clone().unwrap_or_else(|| "—".into())}</td>
        </tr>
        {has_detail
            .then(|| {
                view! {
                    <tr class="call-detail" id=detail_id hidden=move || !expanded.get()>
                        <td></td>
                        <td colspan="7">{message} {failures} {more} {hidden_note}</td>
                    </tr>
                }
            })}
    }
}
