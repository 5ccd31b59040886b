use leptos::prelude::*;

use crate::salesforce_sync::api::{
    get_salesforce_sync_settings, list_salesforce_runs, RunSalesforceNow, SetSalesforceSchedule,
};
use crate::salesforce_sync::dto::SyncRunRow;
use crate::ui::{field_error, FormAlert, FormField, LoadError};

/// The Source Overview's Salesforce runs: Run now, and the latest runs with their counts,
/// the admin's message when a run failed, and the per-record notes of the run log.
#[component]
pub fn SalesforceRunsCard() -> impl IntoView {
    let run_now = ServerAction::<RunSalesforceNow>::new();
    let refresh = RwSignal::new(0u32);
    let runs = crate::wire::resource(
        move || (run_now.version().get(), refresh.get()),
        |_| list_salesforce_runs(),
    );
    let error = Signal::derive(move || run_now.value().get().and_then(Result::err));
    view! {
        <section class="card" data-testid="salesforce-runs">
            <h2>"Salesforce runs"</h2>
            <div class="toolbar">
                <p class="muted">
                    "Accounts and Contacts are read from Salesforce daily and on Run now; each run continues from where the last one stopped."
                </p>
                <ActionForm action=run_now attr:class="inline-form">
                    <button type="submit" class="btn btn-primary" disabled=move || run_now.pending().get()>
                        "Run now"
                    </button>
                </ActionForm>
                <button type="button" class="btn btn-ghost" on:click=move |_| refresh.update(|n| *n += 1)>
                    "Refresh"
                </button>
            </div>
            <FormAlert error />
            <SyncSettingsForms />
            <Transition fallback=|| view! { <p class="muted">"Loading runs…"</p> }>
                {move || Suspend::new(async move {
                    match runs.await {
                        Ok(rows) if rows.is_empty() => view! { <p class="muted">"No run yet."</p> }.into_any(),
                        Ok(rows) => view! { <RunsTable rows /> }.into_any(),
                        Err(error) => view! { <LoadError error /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn RunsTable(
    /// The runs, newest first.
    rows: Vec<SyncRunRow>,
) -> impl IntoView {
    let dash = || "—".to_owned();
    view! {
        <div class="table-wrap">
            <table class="table" data-testid="salesforce-runs-table">
                <caption class="visually-hidden">"Salesforce runs"</caption>
                <thead><tr>
                    <th scope="col">"Started"</th><th scope="col">"Trigger"</th><th scope="col">"Status"</th>
                    <th scope="col">"Read"</th><th scope="col">"Written"</th><th scope="col">"Skipped"</th>
                    <th scope="col">"CSMs assigned / skipped"</th><th scope="col">"API calls (left today)"</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|run| {
                        let api = match run.api_remaining {
                            Some(left) => format!("{} ({left})", run.api_calls),
                            None => run.api_calls.to_string(),
                        };
                        let trigger = match run.trigger.as_str() {
                            "manual" => "Run now",
                            "schedule" => "Schedule",
                            _ => "Command line",
                        };
                        let per_object = run
                            .per_object
                            .iter()
                            .map(|(object, read, written, skipped)| format!("{object}: {read} read, {written} written, {skipped} skipped"))
                            .collect::<Vec<_>>()
                            .join(" · ");
                        let details = (run.error.is_some() || !run.notes.is_empty() || !per_object.is_empty()).then(|| view! {
                            <tr>
                                <td colspan="8">
                                    {(!per_object.is_empty()).then(|| view! { <p class="muted">{per_object}</p> })}
                                    {run.error.map(|e| view! { <p class="alert alert-danger" role="alert">{e}</p> })}
                                    {(!run.notes.is_empty()).then(|| view! {
                                        <details>
                                            <summary>{format!("Run log: {} note(s)", run.notes.len())}</summary>
                                            <ul>
                                                {run.notes.into_iter().map(|n| view! {
                                                    <li><code>{n.object}" "{n.id}</code>": "{n.note}</li>
                                                }).collect_view()}
                                            </ul>
                                        </details>
                                    })}
                                </td>
                            </tr>
                        });
                        view! {
                            <tr>
                                <td>{run.started_at}</td>
                                <td>{trigger}</td>
                                <td>{run.status}{run.finished_at.map(|f| format!(" ({f})")).unwrap_or_else(dash)}</td>
                                <td>{run.read}</td>
                                <td>{run.written}</td>
                                <td>{run.skipped}</td>
                                <td>{format!("{} / {}", run.csm_assigned, run.csm_skipped)}</td>
                                <td>{api}</td>
                            </tr>
                            {details}
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// The daily run's time (a form that works without WASM), and where the CSM field is set.
#[component]
fn SyncSettingsForms() -> impl IntoView {
    let schedule = ServerAction::<SetSalesforceSchedule>::new();
    let settings = crate::wire::resource(
        move || schedule.version().get(),
        |_| get_salesforce_sync_settings(),
    );
    let schedule_error = Signal::derive(move || schedule.value().get().and_then(Result::err));
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match settings.await {
                    Ok(current) => view! {
                        <div class="form-row">
                            <p class="muted">
                                {if current.csm_field.is_empty() { "No CSM sync. ".to_owned() } else { format!("CSMs from the Account field {}. ", current.csm_field) }}
                                "The fields read from Salesforce, who owns each one and the CSM field are set under "
                                <a href="/settings/it/source-mapping?source=salesforce">"Source Mapping"</a>"."
                            </p>
                            <ActionForm action=schedule attr:class="inline-form">
                                <FormField label="Daily run at (HH:MM)" name="daily_at" value=current.daily_at error=field_error(schedule_error, "daily_at") />
                                <FormField label="Time zone" name="time_zone" value=current.time_zone hint="UTC, an offset such as +01:00, or a zone name such as Europe/Berlin (follows daylight saving time)." error=field_error(schedule_error, "time_zone") />
                                <button type="submit" class="btn btn-secondary" disabled=move || schedule.pending().get()>"Save schedule"</button>
                            </ActionForm>
                            <FormAlert error=schedule_error />
                        </div>
                    }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
    }
}
