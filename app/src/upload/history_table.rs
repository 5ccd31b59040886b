//! The organisation's uploads, newest first, each linking to its results.
use leptos::prelude::*;

use crate::time_label::exact_utc;
use crate::ui::{Badge, EmptyState, LoadError};
use crate::upload::api::list_uploads;
use crate::upload::results_panel::status_tone;
use crate::upload::upload_page::page_href;

#[component]
pub fn UploadHistory(version: RwSignal<u32>) -> impl IntoView {
    let uploads = crate::wire::resource(move || version.get(), |_| list_uploads());
    view! {
        <section class="card" aria-labelledby="upload-history-heading">
            <h2 id="upload-history-heading">"History"</h2>
            <Transition fallback=|| view! { <p class="muted">"Loading uploads…"</p> }>
                {move || Suspend::new(async move {
                    match uploads.await {
                        Ok(list) if list.is_empty() => view! {
                            <EmptyState title="No uploads yet">
                                <p>"Files uploaded here or through the upload API are listed with their results."</p>
                            </EmptyState>
                        }.into_any(),
                        Ok(list) => view! {
                            <div class="table-wrap">
                                <table class="table" data-testid="upload-history">
                                    <thead>
                                        <tr>
                                            <th scope="col">"When"</th>
                                            <th scope="col">"File"</th>
                                            <th scope="col">"API"</th>
                                            <th scope="col">"By"</th>
                                            <th scope="col">"Rows"</th>
                                            <th scope="col">"Applied"</th>
                                            <th scope="col">"Failed"</th>
                                            <th scope="col">"Status"</th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {list.into_iter().map(|u| view! {
                                            <tr>
                                                <td>{exact_utc(u.created_at)}</td>
                                                <td><a href=page_href(u.api, Some(u.id))>{u.file_name}</a></td>
                                                <td>{u.api.label()}</td>
                                                <td>{u.by}</td>
                                                <td>{u.rows}</td>
                                                <td>{if u.dry_run { "—".to_owned() } else { u.applied.to_string() }}</td>
                                                <td>{u.failed}</td>
                                                <td><Badge tone=status_tone(u.status)>{u.status.label()}</Badge></td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }.into_any(),
                        Err(error) => view! { <LoadError error /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
