//! IT Administration → API Upload (`/settings/it/api-upload`): pick an API, download its
//! template, read its fields, send a file (preview, mapping, dry run or apply), follow the
//! upload as it runs, and go back to any earlier upload. What is shown is in the URL
//! (`?api=accounts&upload=12`). Needs Configure Data Connectors (checked by the server).
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::error::AppError;
use crate::ui::{LoadError, PageHeader};
use crate::upload::api::upload_fields;
use crate::upload::dto::{UploadApi, UploadField};
use crate::upload::file_panel::FilePanel;
use crate::upload::history_table::UploadHistory;
use crate::upload::results_panel::UploadResults;
use crate::wire::PageResource;

pub const PAGE: &str = "/settings/it/api-upload";

/// The page's address for an API and, optionally, one upload.
pub fn page_href(api: UploadApi, upload: Option<i32>) -> String {
    match upload {
        Some(id) => format!("{PAGE}?api={}&upload={id}", api.key()),
        None => format!("{PAGE}?api={}", api.key()),
    }
}

#[component]
pub fn ApiUploadPage() -> impl IntoView {
    let params = use_query_map();
    let api = Memo::new(move |_| {
        params
            .read()
            .get("api")
            .and_then(|key| UploadApi::from_key(&key))
            .unwrap_or(UploadApi::Accounts)
    });
    let upload = Memo::new(move |_| {
        params
            .read()
            .get("upload")
            .and_then(|id| id.parse::<i32>().ok())
    });
    // Bumped when an upload ends, so the history shows its final counts.
    let history_version = RwSignal::new(0u32);
    view! {
        <PageHeader title="API Upload" />
        <p class="muted page-intro">
            "Upload CSV files into the Account and Event APIs without writing a program. Each row goes through the same checks and writes as the API itself; "
            "a dry run checks a file without writing, and an applied upload of accounts, account users or contacts can be undone for 7 days."
        </p>
        <ApiPicker api />
        {move || {
            let api = api.get();
            let fields = crate::wire::resource(move || api, |api| upload_fields(api.key().to_owned()));
            view! {
                <TemplateSection api fields />
                <FilePanel api fields />
            }
        }}
        {move || upload.get().map(|id| view! { <UploadResults upload_id=id history_version /> })}
        <UploadHistory version=history_version />
    }
}

/// The API the page is about; works without JavaScript as a GET form.
#[component]
fn ApiPicker(api: Memo<UploadApi>) -> impl IntoView {
    let navigate = use_navigate();
    let on_change = move |ev: leptos::ev::Event| {
        if let Some(chosen) = UploadApi::from_key(&event_target_value(&ev)) {
            navigate(&page_href(chosen, None), Default::default());
        }
    };
    view! {
        <form method="get" action=PAGE class="filters upload-api-picker">
            <div class="field">
                <label for="upload-api">"API"</label>
                <select id="upload-api" name="api" on:change=on_change data-testid="upload-api">
                    {UploadApi::ALL
                        .into_iter()
                        .map(|a| {
                            view! {
                                <option value=a.key() selected=move || api.get() == a>
                                    {a.label()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            <noscript>
                <div class="filters-actions">
                    <button type="submit" class="btn btn-secondary">"Show"</button>
                </div>
            </noscript>
        </form>
    }
}

/// Step 1: the template and the fields it has, from the same definitions as the OpenAPI
/// document.
#[component]
fn TemplateSection(
    api: UploadApi,
    fields: PageResource<Result<Vec<UploadField>, AppError>>,
) -> impl IntoView {
    let template = format!("{PAGE}/template/{}", api.key());
    let file_name = format!("{}-template.csv", api.key());
    view! {
        <section class="card" aria-labelledby="upload-template-heading">
            <h2 id="upload-template-heading">"1. Start from the template"</h2>
            <p class="muted">
                "The template has the exact header row an upload reads and one example row, which an upload recognises and skips. "
                "Columns are matched to fields ignoring case, spaces, underscores and hyphens. Dates can be epoch milliseconds, ISO 8601 or YYYY-MM-DD; "
                "booleans true/false, yes/no or 1/0. Dimension columns are named "
                <code>"family.key"</code> ", for example " <code>"custom_label_dimensions.plan"</code> "."
            </p>
            <p>
                <a class="btn btn-secondary" href=template download=file_name data-testid="download-template">
                    {format!("Download the {} template", api.label())}
                </a>
            </p>
            <Transition fallback=|| view! { <p class="muted">"Loading fields…"</p> }>
                {move || Suspend::new(async move {
                    match fields.await {
                        Ok(fields) => {
                            let count = fields.len();
                            view! {
                                <details class="upload-fields" data-testid="upload-fields">
                                    <summary>{format!("The {count} fields of {}", api.label())}</summary>
                                    <div class="table-wrap">
                                        <table class="table">
                                            <thead>
                                                <tr>
                                                    <th scope="col">"Column"</th>
                                                    <th scope="col">"Type"</th>
                                                    <th scope="col">"Required"</th>
                                                    <th scope="col">"Description"</th>
                                                    <th scope="col">"Example"</th>
                                                </tr>
                                            </thead>
                                            <tbody>
                                                {fields
                                                    .into_iter()
                                                    .map(|f| view! {
                                                        <tr>
                                                            <td><code>{f.name}</code></td>
                                                            <td>{f.kind}</td>
                                                            <td>{if f.required { "Required" } else { "" }}</td>
                                                            <td>{f.description}</td>
                                                            <td><code>{f.example}</code></td>
                                                        </tr>
                                                    })
                                                    .collect_view()}
                                            </tbody>
                                        </table>
                                    </div>
                                </details>
                            }
                                .into_any()
                        }
                        Err(error) => view! { <LoadError error /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
