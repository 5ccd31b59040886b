use leptos::prelude::*;

use crate::connections::api::list_sources;
use crate::ui::LoadError;

/// The Source Overview's table of sources Steward pulls from (usage events excluded): one
/// row per source from the registry in `ssr/sources.rs`.
#[component]
pub fn SourcesTable() -> impl IntoView {
    let sources = crate::wire::resource(|| (), |_| list_sources());
    let dash = || "—".to_owned();
    view! {
        <section class="card">
            <h2>"Sources"</h2>
            <p class="muted">"The third-party sources Steward pulls data from. Usage events are not listed here."</p>
            <Transition fallback=|| view! { <p class="muted">"Loading sources…"</p> }>
                {move || Suspend::new(async move {
                    match sources.await {
                        Ok(rows) => view! {
                            <div class="table-wrap">
                                <table class="table" data-testid="sources-table">
                                    <caption class="visually-hidden">"Sources"</caption>
                                    <thead><tr>
                                        <th scope="col">"Source"</th><th scope="col">"Status"</th>
                                        <th scope="col">"Last run or call"</th><th scope="col">"Records (last run)"</th>
                                        <th scope="col">"Errors (last run)"</th><th scope="col">"Next run"</th>
                                    </tr></thead>
                                    <tbody>
                                        {rows.into_iter().map(|row| view! {
                                            <tr>
                                                <th scope="row">{match row.href {
                                                    Some(href) => view! { <a href=href>{row.name}</a> }.into_any(),
                                                    None => row.name.into_any(),
                                                }}</th>
                                                <td>{row.status}</td>
                                                <td>{row.last_run.unwrap_or_else(dash)}</td>
                                                <td>{row.records_last_run.map(|n| n.to_string()).unwrap_or_else(dash)}</td>
                                                <td>{row.errors_last_run.map(|n| n.to_string()).unwrap_or_else(dash)}</td>
                                                <td>{row.next_run.unwrap_or_else(dash)}</td>
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
