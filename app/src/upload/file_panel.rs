//! Steps 2 and 3 of API Upload: choose a file (picker or drop), see its first rows as the
//! upload will read them with the column mapping (change it where a column matched
//! nothing), then check it (dry run) or apply it. The file streams from the browser's disk
//! to `/settings/it/api-upload/file` with a progress bar; the rows are then applied in the
//! background and the page follows the upload by its id in the URL.
use leptos::prelude::*;

use crate::error::AppError;
use crate::ui::{Badge, Tone};
use crate::upload::api::save_upload_mapping;
use crate::upload::dto::{
    FileRefusal, MatchedBy, PreviewColumn, UploadApi, UploadField, UploadPreview,
};
#[cfg(feature = "hydrate")]
use crate::upload::dto::{PreviewAnswer, UploadStarted, MAX_UPLOAD_BYTES, PREVIEW_BYTES};
#[cfg(feature = "hydrate")]
use crate::upload::upload_page::PAGE;
use crate::wire::PageResource;

#[cfg(feature = "hydrate")]
type PickedFile = web_sys::File;
#[cfg(not(feature = "hydrate"))]
type PickedFile = ();

/// "12.3 MB", "850 KB", "120 bytes".
pub fn size_label(bytes: f64) -> String {
    if bytes >= 1_000_000.0 {
        format!("{:.1} MB", bytes / 1_000_000.0)
    } else if bytes >= 1000.0 {
        format!("{:.0} KB", bytes / 1000.0)
    } else {
        format!("{bytes:.0} bytes")
    }
}

fn delimiter_label(key: &str) -> &'static str {
    match key {
        "semicolon" => "semicolon-separated (decimal commas read as decimal points)",
        "tab" => "tab-separated",
        _ => "comma-separated",
    }
}

fn encoding_label(key: &str) -> &'static str {
    match key {
        "windows-1252" => "Windows-1252 text (as Excel saves on Windows), converted",
        _ => "UTF-8 text",
    }
}

/// What the page's routes answered, as the page shows it.
#[cfg(feature = "hydrate")]
fn refusal_of(status: u16, body: &str) -> FileRefusal {
    let said = crate::wire::decode_json::<FileRefusal>(body).ok();
    match (status, said) {
        (_, Some(refusal)) => refusal,
        (0, None) => FileRefusal {
            line: None,
            column: None,
            message: "The connection to Steward was lost while sending the file. Check the connection and try again.".into(),
        },
        (status, None) => FileRefusal {
            line: None,
            column: None,
            message: format!("Steward could not take the file (HTTP {status}). Reload the page and try again."),
        },
    }
}

fn refusal_text(refusal: &FileRefusal) -> String {
    match (&refusal.line, &refusal.column) {
        (Some(line), Some(column)) => {
            format!("Line {line}, column '{column}': {}", refusal.message)
        }
        (Some(line), None) => format!("Line {line}: {}", refusal.message),
        _ => refusal.message.clone(),
    }
}

#[component]
pub fn FilePanel(
    api: UploadApi,
    fields: PageResource<Result<Vec<UploadField>, AppError>>,
) -> impl IntoView {
    // The browser's File is not Send, so it lives in local storage there. On the server
    // nothing local may be created: the render can end on another thread, and dropping a
    // local value there panics.
    #[cfg(feature = "hydrate")]
    let file = StoredValue::new_local(None::<PickedFile>);
    #[cfg(not(feature = "hydrate"))]
    let file = StoredValue::new(None::<PickedFile>);
    // Name and size of the chosen file (the file itself stays in `file`).
    let chosen = RwSignal::new(None::<(String, f64)>);
    let preview = RwSignal::new(None::<Result<UploadPreview, FileRefusal>>);
    let previewing = RwSignal::new(false);
    // (sent, total) bytes while the file goes up.
    let sending = RwSignal::new(None::<(f64, f64)>);
    let problem = RwSignal::new(None::<String>);
    let dragging = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    let navigate = leptos_router::hooks::use_navigate();

    // Reads the file's start through the server's reader and mapping.
    let refresh_preview = move || {
        #[cfg(feature = "hydrate")]
        file.with_value(|f| {
            let Some(f) = f else { return };
            let partial = f.size() > PREVIEW_BYTES as f64;
            let Ok(slice) = f.slice_with_f64_and_f64(0.0, PREVIEW_BYTES as f64) else {
                return;
            };
            previewing.set(true);
            let url = format!("{PAGE}/preview?api={}&partial={partial}", api.key());
            let sent = crate::upload::send::post_blob(
                &url,
                &slice,
                |_, _| {},
                move |answer| {
                    previewing.set(false);
                    let read = match crate::wire::decode_json::<PreviewAnswer>(&answer.body) {
                        Ok(PreviewAnswer::Read(p)) if answer.status == 200 => Ok(p),
                        Ok(PreviewAnswer::Refused(r)) if answer.status == 200 => Err(r),
                        _ => Err(refusal_of(answer.status, &answer.body)),
                    };
                    preview.set(Some(read));
                },
            );
            if let Err(e) = sent {
                previewing.set(false);
                problem.set(Some(format!("The browser could not read the file: {e}")));
            }
        });
    };

    let pick = move |picked: Option<PickedFile>| {
        problem.set(None);
        preview.set(None);
        #[cfg(feature = "hydrate")]
        {
            let Some(f) = picked else { return };
            let size = f.size();
            chosen.set(Some((f.name(), size)));
            if size > MAX_UPLOAD_BYTES as f64 {
                file.set_value(None);
                problem.set(Some(format!(
                    "This file is {}; an upload takes at most 100 MB and 1,000,000 rows. Split it into smaller files.",
                    size_label(size)
                )));
                return;
            }
            file.set_value(Some(f));
            refresh_preview();
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = picked;
    };

    let on_input = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let input = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok());
            pick(input.and_then(|i| i.files()).and_then(|files| files.get(0)));
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        #[cfg(feature = "hydrate")]
        pick(
            ev.data_transfer()
                .and_then(|d| d.files())
                .and_then(|files| files.get(0)),
        );
    };

    // Remembers the field picked for one column, then reads the preview again with it.
    let remap = move |header: String, field: String| {
        problem.set(None);
        leptos::task::spawn_local(async move {
            match save_upload_mapping(api.key().to_owned(), vec![header], vec![field]).await {
                Ok(()) => refresh_preview(),
                Err(e) => problem.set(Some(e.to_string())),
            }
        });
    };

    let start = move |dry_run: bool| {
        problem.set(None);
        #[cfg(feature = "hydrate")]
        file.with_value(|f| {
            let Some(f) = f else { return };
            let name = f.name();
            let url = format!(
                "{PAGE}/file?api={}&dry_run={dry_run}&file_name={}",
                api.key(),
                percent_encoding::utf8_percent_encode(&name, percent_encoding::NON_ALPHANUMERIC)
            );
            sending.set(Some((0.0, f.size())));
            let navigate = navigate.clone();
            let sent = crate::upload::send::post_blob(
                &url,
                f,
                move |done, total| sending.set(Some((done, total))),
                move |answer| {
                    sending.set(None);
                    match crate::wire::decode_json::<UploadStarted>(&answer.body) {
                        Ok(started) if answer.status < 400 || started.upload_id > 0 => {
                            navigate(
                                &crate::upload::upload_page::page_href(
                                    api,
                                    Some(started.upload_id),
                                ),
                                Default::default(),
                            );
                        }
                        _ => problem
                            .set(Some(refusal_text(&refusal_of(answer.status, &answer.body)))),
                    }
                },
            );
            if let Err(e) = sent {
                sending.set(None);
                problem.set(Some(format!("The browser could not send the file: {e}")));
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = dry_run;
    };
    // Shared by both buttons (in the browser it holds the router's navigate, which is
    // neither Copy nor Send; on the server it must not be local, as above).
    #[cfg(feature = "hydrate")]
    let start = StoredValue::new_local(start);
    #[cfg(not(feature = "hydrate"))]
    let start = StoredValue::new(start);

    // On the server the page only renders: the handlers above never run there.
    #[cfg(not(feature = "hydrate"))]
    let _ = (file, pick);
    view! {
        <section class="card" aria-labelledby="upload-file-heading">
            <h2 id="upload-file-heading">"2. Choose a file"</h2>
            <label
                class="drop-zone"
                class:drop-zone-active=move || dragging.get()
                on:dragover=move |ev: leptos::ev::DragEvent| {
                    ev.prevent_default();
                    dragging.set(true);
                }
                on:dragleave=move |_| dragging.set(false)
                on:drop=on_drop
                data-testid="drop-zone"
            >
                <span class="drop-zone-title">"Drop a CSV file here, or choose one"</span>
                <span class="muted">"Comma-, semicolon- or tab-separated; UTF-8 or Windows-1252; up to 100 MB and 1,000,000 rows."</span>
                <input type="file" accept=".csv,text/csv,text/plain" on:change=on_input data-testid="upload-file" />
            </label>
            <noscript>
                <p class="alert alert-warning">
                    "Sending a file from this page needs JavaScript. Programs can send the same file to "
                    <code>{format!("POST /api/v2/upload/{}", api.key())}</code> " with the Account API key (see the API page)."
                </p>
            </noscript>
            {move || chosen.get().map(|(name, size)| view! {
                <p class="upload-chosen" data-testid="upload-chosen">
                    <strong>{name}</strong> " · " {size_label(size)}
                </p>
            })}
            {move || problem.get().map(|message| view! {
                <div class="alert alert-danger" role="alert" data-testid="upload-problem">{message}</div>
            })}
            {move || previewing.get().then(|| view! { <p class="muted" role="status">"Reading the first rows…"</p> })}
            {move || preview.get().map(|read| match read {
                Err(refusal) => view! {
                    <div class="alert alert-danger" role="alert" data-testid="upload-refused">
                        <strong>"This file cannot be uploaded. "</strong>
                        {refusal_text(&refusal)}
                    </div>
                }.into_any(),
                Ok(p) => view! {
                    <PreviewTable preview=p fields remap />
                }.into_any(),
            })}
            {move || {
                let ready = matches!(preview.get(), Some(Ok(ref p)) if p.missing.is_none());
                let busy = sending.get().is_some() || previewing.get();
                ready.then(|| view! {
                    <div class="upload-actions">
                        <h2>"3. Check or apply"</h2>
                        <p class="muted">
                            "A dry run checks every row without writing anything. Apply writes the rows in batches of 1,000, in the background: you can leave this page while it runs."
                        </p>
                        <div class="button-row">
                            <button type="button" class="btn btn-secondary" disabled=busy on:click=move |_| start.with_value(|f| f(true)) data-testid="upload-dry-run">
                                "Dry run"
                            </button>
                            <button type="button" class="btn btn-primary" disabled=busy on:click=move |_| start.with_value(|f| f(false)) data-testid="upload-apply">
                                "Apply"
                            </button>
                        </div>
                    </div>
                })
            }}
            {move || sending.get().map(|(done, total)| {
                let percent = if total > 0.0 { (done / total * 100.0).floor() } else { 0.0 };
                view! {
                    <div class="upload-progress" role="status" data-testid="upload-sending">
                        <progress max="100" value=percent></progress>
                        <span>{format!("Sending the file… {percent:.0} % of {}", size_label(total))}</span>
                    </div>
                }
            })}
        </section>
    }
}

/// The first rows with, above each column, the field it feeds and how it was matched.
#[component]
fn PreviewTable(
    preview: UploadPreview,
    fields: PageResource<Result<Vec<UploadField>, AppError>>,
    remap: impl Fn(String, String) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let unmatched = preview
        .columns
        .iter()
        .filter(|c| c.matched_by == MatchedBy::Unmatched)
        .count();
    let summary = format!(
        "Read as {}, {}. {} column{}{}; the first {} row{} below.",
        delimiter_label(&preview.delimiter),
        encoding_label(&preview.encoding),
        preview.columns.len(),
        if preview.columns.len() == 1 { "" } else { "s" },
        if unmatched > 0 {
            format!(", {unmatched} matched no field and will be ignored unless you pick one")
        } else {
            String::new()
        },
        preview.rows.len(),
        if preview.rows.len() == 1 { "" } else { "s" },
    );
    let columns = preview.columns.clone();
    view! {
        <div class="upload-preview" data-testid="upload-preview">
            <p data-testid="upload-read-as">{summary}</p>
            {preview.missing.clone().map(|m| view! {
                <div class="alert alert-danger" role="alert" data-testid="upload-missing">{m}</div>
            })}
            <div class="table-wrap">
                <table class="table preview-table">
                    <thead>
                        <tr>
                            <th scope="col">"Line"</th>
                            {columns.into_iter().map(|c| view! {
                                <th scope="col"><ColumnPicker column=c fields remap /></th>
                            }).collect_view()}
                            <th scope="col">"Check"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {preview.rows.into_iter().map(|row| {
                            let note = if row.example {
                                view! { <span class="muted">"Template example: skipped"</span> }.into_any()
                            } else if let Some(error) = row.error.clone() {
                                view! { <span class="text-danger">{error}</span> }.into_any()
                            } else {
                                view! { <span class="text-success">"OK"</span> }.into_any()
                            };
                            view! {
                                <tr class:row-failed=row.error.is_some()>
                                    <td>{row.line}</td>
                                    {row.cells.into_iter().map(|cell| view! { <td>{cell}</td> }).collect_view()}
                                    <td>{note}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </div>
    }
}

/// A column's header and the field it feeds, with a picker.
#[component]
fn ColumnPicker(
    column: PreviewColumn,
    fields: PageResource<Result<Vec<UploadField>, AppError>>,
    remap: impl Fn(String, String) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let (badge, tone) = match column.matched_by {
        MatchedBy::Name => ("matched", Tone::Success),
        MatchedBy::Remembered => ("your choice", Tone::Info),
        MatchedBy::Unmatched => ("no field", Tone::Warning),
    };
    let header = column.header.clone();
    let current = column.field.clone();
    let hint = (!column.suggestions.is_empty())
        .then(|| format!("Did you mean {}?", column.suggestions.join(", ")));
    let key = header.trim().to_owned();
    let on_change = {
        let header = header.clone();
        move |ev: leptos::ev::Event| remap(header.clone(), event_target_value(&ev))
    };
    view! {
        <div class="column-picker">
            <span class="column-header">{header.clone()}</span>
            <Badge tone>{badge}</Badge>
            <Suspense fallback=|| ()>
                {move || {
                    let (current, key, on_change, header) = (current.clone(), key.clone(), on_change.clone(), header.clone());
                    Suspend::new(async move {
                        let names: Vec<String> = match fields.await {
                            Ok(fields) => fields
                                .into_iter()
                                .map(|f| f.name.replace("<key>", &key))
                                .collect(),
                            Err(_) => vec![],
                        };
                        view! {
                            <select aria-label=format!("Field for column {header}") on:change=on_change data-testid="column-field">
                                <option value="" selected=current.is_empty()>"— ignore this column —"</option>
                                {names.into_iter().map(|name| {
                                    let selected = name == current;
                                    view! { <option value=name.clone() selected=selected>{name.clone()}</option> }
                                }).collect_view()}
                            </select>
                        }
                    })
                }}
            </Suspense>
            {hint.map(|h| view! { <span class="muted column-hint">{h}</span> })}
        </div>
    }
}
