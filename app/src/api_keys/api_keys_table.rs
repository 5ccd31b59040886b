use leptos::prelude::*;

use crate::api_keys::dto::{ApiKeySummary, KeyStatus};
use crate::time_label::TimeLabel;
use crate::ui::{Badge, Column, DataTable, EmptyState, Tone};

fn time(label: Option<TimeLabel>) -> AnyView {
    match label {
        Some(label) => view! { <time title=label.exact.clone()>{label.relative}</time> }.into_any(),
        None => view! { <span class="muted">"Never"</span> }.into_any(),
    }
}

fn status(status: KeyStatus) -> AnyView {
    match status {
        KeyStatus::Active => view! { <Badge tone=Tone::Success>"Active"</Badge> }.into_any(),
        KeyStatus::Expires(at) => view! {
            <span title=at.exact.clone()><Badge tone=Tone::Warning>{format!("Expires {}", at.exact)}</Badge></span>
        }
        .into_any(),
        KeyStatus::Expired(at) => view! {
            <span title=at.exact.clone()><Badge tone=Tone::Danger>"Expired"</Badge></span>
        }
        .into_any(),
        KeyStatus::Revoked(at) => view! {
            <span title=at.exact.clone()><Badge tone=Tone::Danger>"Revoked"</Badge></span>
        }
        .into_any(),
    }
}

/// API keys of one kind: name, visible part, who created it and when, last use, status,
/// and Rotate / Revoke for keys that still work.
#[component]
pub fn ApiKeysTable(
    /// The keys to show.
    keys: Vec<ApiKeySummary>,
    /// Accessible caption.
    caption: &'static str,
    /// Called with the key whose "Rotate" was clicked.
    on_rotate: Callback<ApiKeySummary>,
    /// Called with the key whose "Revoke" was clicked.
    on_revoke: Callback<ApiKeySummary>,
) -> impl IntoView {
    if keys.is_empty() {
        return view! {
            <EmptyState title="No keys yet">
                <p>"Create one with New key."</p>
            </EmptyState>
        }
        .into_any();
    }
    let columns = [
        "Name",
        "Key",
        "Created by",
        "Created",
        "Last used",
        "Status",
        "Actions",
    ]
    .into_iter()
    .map(Column::plain)
    .collect();
    view! {
        <DataTable caption columns>
            {keys
                .into_iter()
                .map(|key| {
                    let usable = key.status.is_usable();
                    let rotatable = usable && !key.replaced;
                    let (rotate, revoke) = (key.clone(), key.clone());
                    let name = key.name.clone();
                    view! {
                        <tr data-testid="api-key-row">
                            <td class="strong">{key.name.clone()}</td>
                            <td><code>{key.masked.clone()}</code></td>
                            <td>{key.created_by.clone().unwrap_or_else(|| "Command line".to_owned())}</td>
                            <td>{time(Some(key.created.clone()))}</td>
                            <td>{time(key.last_used.clone())}</td>
                            <td>{status(key.status.clone())}</td>
                            <td>
                                <div class="row-actions">
                                {rotatable
                                    .then(|| {
                                        let label = format!("Rotate {name}");
                                        view! {
                                            <button type="button" class="btn btn-secondary" aria-label=label on:click=move |_| on_rotate.run(rotate.clone())>
                                                "Rotate"
                                            </button>
                                        }
                                    })}
                                {usable
                                    .then(|| {
                                        let label = format!("Revoke {name}");
                                        view! {
                                            <button type="button" class="btn btn-ghost" aria-label=label on:click=move |_| on_revoke.run(revoke.clone())>
                                                "Revoke"
                                            </button>
                                        }
                                    })}
                                </div>
                            </td>
                        </tr>
                    }
                })
                .collect_view()}
        </DataTable>
    }
    .into_any()
}
