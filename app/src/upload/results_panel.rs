//! One upload (`?upload=<id>`): its progress while it runs (refreshed every second, with
//! Cancel), then its counts, its failed rows by line and column, the error CSV, and Undo.
use leptos::prelude::*;

use crate::time_label::exact_utc;
use crate::ui::{Badge, LoadError, Tone};
use crate::upload::api::{cancel_upload, undo_upload, upload_results};
use crate::upload::dto::{RowFailure, UndoReport, UploadStatus, UploadSummary};
use crate::upload::upload_page::PAGE;

pub fn status_tone(status: UploadStatus) -> Tone {
    match status {
        UploadStatus::Running => Tone::Info,
        UploadStatus::DryRun => Tone::Neutral,
        UploadStatus::Applied => Tone::Success,
        UploadStatus::Cancelled | UploadStatus::Undone => Tone::Warning,
        UploadStatus::Failed => Tone::Danger,
    }
}

#[component]
pub fn UploadResults(upload_id: i32, history_version: RwSignal<u32>) -> impl IntoView {
    let tick = RwSignal::new(0u32);
    let results = crate::wire::resource(
        move || (upload_id, tick.get()),
        |(id, _)| upload_results(id),
    );
    // The last status seen: the history is refreshed once the upload ends.
    let seen = StoredValue::new(None::<UploadStatus>);
    view! {
        <section class="card upload-results" aria-labelledby="upload-results-heading" data-testid="upload-results">
            <Transition fallback=|| view! { <p class="muted">"Loading the upload…"</p> }>
                {move || Suspend::new(async move {
                    match results.await {
                        Ok((summary, failures)) => {
                            let status = summary.status;
                            let before = seen.get_value();
                            seen.set_value(Some(status));
                            // In the browser: poll while it runs, and bring the history up
                            // to date whenever the status seen changes (a new upload, its
                            // end, an undo). On the server the history renders fresh anyway.
                            #[cfg(feature = "hydrate")]
                            {
                                if status == UploadStatus::Running {
                                    set_timeout(
                                        move || tick.update(|n| *n += 1),
                                        std::time::Duration::from_secs(1),
                                    );
                                }
                                if before != Some(status) {
                                    history_version.update(|n| *n += 1);
                                }
                            }
                            #[cfg(not(feature = "hydrate"))]
                            let _ = (before, history_version);
                            view! { <UploadView summary failures tick history_version /> }.into_any()
                        }
                        Err(error) => view! { <LoadError error /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn UploadView(
    summary: UploadSummary,
    failures: Vec<RowFailure>,
    tick: RwSignal<u32>,
    history_version: RwSignal<u32>,
) -> impl IntoView {
    let id = summary.id;
    let status = summary.status;
    let dry_run = status == UploadStatus::DryRun;
    let read_as = match (summary.delimiter.as_deref(), summary.encoding.as_deref()) {
        (Some(d), Some(e)) => format!(
            " · read as {}, {}",
            match d {
                "semicolon" => "semicolon-separated",
                "tab" => "tab-separated",
                _ => "comma-separated",
            },
            if e == "windows-1252" {
                "Windows-1252"
            } else {
                "UTF-8"
            }
        ),
        _ => String::new(),
    };
    let done = summary.applied + summary.failed;
    let running = (status == UploadStatus::Running).then(|| {
        let percent = (done * 100).checked_div(summary.rows).unwrap_or(0);
        view! {
            <div class="upload-progress" role="status" data-testid="upload-applying">
                <progress max=summary.rows.max(1) value=done></progress>
                <span>{format!("{} {done} of {} rows ({percent} %)…", if summary.dry_run { "Checking" } else { "Applying" }, summary.rows)}</span>
                <CancelButton id tick />
            </div>
        }
    });
    let applied_label = if dry_run { "Would apply" } else { "Applied" };
    let errors_href = format!("{PAGE}/errors/{id}");
    view! {
        <h2 id="upload-results-heading">
            {format!("Upload #{id}: {}", summary.file_name)} " "
            <Badge tone=status_tone(status)>{status.label()}</Badge>
        </h2>
        <p class="muted">
            {format!("{} · by {} · started {}{read_as}", summary.api.label(), summary.by, exact_utc(summary.created_at))}
        </p>
        {running}
        {summary.message.clone().map(|m| view! { <p class="alert alert-info" data-testid="upload-message">{m}</p> })}
        <dl class="upload-counts" data-testid="upload-counts">
            <div><dt>"Rows"</dt><dd>{summary.rows}</dd></div>
            <div><dt>{applied_label}</dt><dd data-testid="upload-applied">{summary.applied}</dd></div>
            <div><dt>"Failed"</dt><dd data-testid="upload-failed">{summary.failed}</dd></div>
        </dl>
        {summary.undone_at.map(|at| view! { <p class="muted">{format!("Undone {}.", exact_utc(at))}</p> })}
        {(!failures.is_empty()).then(|| view! {
            <h3>"Failed rows"</h3>
            <p>
                <a class="btn btn-secondary" href=errors_href download=format!("upload-{id}-errors.csv") data-testid="download-errors">
                    "Download the failed rows (CSV)"
                </a>
                " "
                <span class="muted">"The file has the failed rows as you sent them, plus their line and the error: fix them there and upload that file."</span>
            </p>
            <div class="table-wrap">
                <table class="table" data-testid="upload-failures">
                    <thead><tr><th scope="col">"Line"</th><th scope="col">"Column"</th><th scope="col">"Why"</th></tr></thead>
                    <tbody>
                        {failures.into_iter().map(|f| view! {
                            <tr>
                                <td>{f.line}</td>
                                <td>{f.column.unwrap_or_default()}</td>
                                <td>{f.message}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        })}
        {summary.undo_until.filter(|_| summary.undone_at.is_none()).map(|until| view! {
            <UndoBox id until tick history_version />
        })}
    }
}

#[component]
fn CancelButton(id: i32, tick: RwSignal<u32>) -> impl IntoView {
    let cancelling = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    let cancel = move |_| {
        cancelling.set(true);
        leptos::task::spawn_local(async move {
            if let Err(e) = cancel_upload(id).await {
                problem.set(Some(e.to_string()));
            }
            cancelling.set(false);
            tick.update(|n| *n += 1);
        });
    };
    view! {
        <button type="button" class="btn btn-secondary" on:click=cancel disabled=move || cancelling.get() data-testid="upload-cancel">
            {move || if cancelling.get() { "Cancelling…" } else { "Cancel" }}
        </button>
        {move || problem.get().map(|m| view! { <span class="text-danger">{m}</span> })}
    }
}

/// Undo asks first (a native disclosure), then says what it did, conflicts by name.
#[component]
fn UndoBox(
    id: i32,
    until: i64,
    tick: RwSignal<u32>,
    history_version: RwSignal<u32>,
) -> impl IntoView {
    let undoing = RwSignal::new(false);
    let outcome = RwSignal::new(None::<Result<UndoReport, String>>);
    let undo = move |_| {
        undoing.set(true);
        leptos::task::spawn_local(async move {
            let done = undo_upload(id).await.map_err(|e| e.to_string());
            let worked = done.is_ok();
            outcome.set(Some(done));
            undoing.set(false);
            if worked {
                history_version.update(|n| *n += 1);
            }
        });
    };
    view! {
        {move || match outcome.get() {
            Some(Ok(report)) => view! {
                <div class="alert alert-success" role="status" data-testid="undo-report">
                    {format!("Undone: {} record(s) removed, {} field(s) put back.", report.removed, report.restored)}
                    {(!report.conflicts.is_empty()).then(|| view! {
                        <p>{format!("{} change(s) were left alone because they were changed again after the upload:", report.conflicts.len())}</p>
                        <ul>
                            {report.conflicts.into_iter().map(|c| view! {
                                <li>{format!("{}{}: {}", c.record, c.field.map(|f| format!(" · {f}")).unwrap_or_default(), c.message)}</li>
                            }).collect_view()}
                        </ul>
                    })}
                    <p><button type="button" class="btn btn-secondary" on:click=move |_| tick.update(|n| *n += 1)>"Show the upload"</button></p>
                </div>
            }.into_any(),
            other => view! {
                <details class="upload-undo" data-testid="upload-undo">
                    <summary class="btn btn-secondary">"Undo this upload…"</summary>
                    <div class="upload-undo-confirm" role="group" aria-label="Confirm undoing this upload">
                        <p>
                            "Records this upload created are removed; fields it changed get their previous values back. "
                            "Fields changed again since the upload are left alone and listed. Possible until "
                            {exact_utc(until)} "."
                        </p>
                        {other.and_then(|r| r.err()).map(|m| view! { <p class="alert alert-danger" role="alert">{m}</p> })}
                        <button type="button" class="btn btn-danger" on:click=undo disabled=move || undoing.get() data-testid="upload-undo-confirm">
                            {move || if undoing.get() { "Undoing…" } else { "Undo the upload" }}
                        </button>
                    </div>
                </details>
            }.into_any(),
        }}
    }
}
