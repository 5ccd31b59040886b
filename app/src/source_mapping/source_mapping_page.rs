use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::error::AppError;
use crate::source_mapping::api::{get_source_mapping, SaveSalesforceMapping};
use crate::source_mapping::dto::{MappingRow, SalesforceEditor, OWNERSHIP, SOURCES};
use crate::ui::{FormAlert, LoadError, PageHeader};

const PATH: &str = "/settings/it/source-mapping";

/// IT Administration → Source Mapping: the seed's table of every field of every source,
/// filtered by source in the URL (`?source=salesforce`), and the editable Salesforce
/// mapping with per-field ownership and the CSM field. Needs Configure Data Connectors
/// (checked by the server).
#[component]
pub fn SourceMappingPage() -> impl IntoView {
    let save = ServerAction::<SaveSalesforceMapping>::new();
    let data = crate::wire::resource(move || save.version().get(), |_| get_source_mapping());
    let params = use_query_map();
    let filter = Memo::new(move |_| params.read().get("source").unwrap_or_default());
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    view! {
        <PageHeader title="Source Mapping" />
        <p class="muted">
            "IT Administration: where each Steward field comes from, for every source. The Salesforce mapping is yours to edit below; the Account API and CSV upload fill the field of the same name."
        </p>
        <Transition fallback=|| view! { <p class="muted">"Loading the mapping…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(view) => view! {
                        <SalesforceMappingForm editor=view.editor save error />
                        <MappingTable rows=view.rows filter />
                    }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn MappingTable(
    /// Every source's rows.
    rows: Vec<MappingRow>,
    /// The source shown (`account_api`, `csv_upload`, `salesforce`; empty: all).
    filter: Memo<String>,
) -> impl IntoView {
    let rows = StoredValue::new(rows);
    let tab = move |key: &'static str, label: &'static str| {
        let href = if key.is_empty() {
            PATH.to_owned()
        } else {
            format!("{PATH}?source={key}")
        };
        view! {
            <a
                href=href
                class=move || if filter.get() == key { "tab tab-active" } else { "tab" }
                aria-current=move || (filter.get() == key).then_some("page")
            >
                {label}
            </a>
        }
    };
    view! {
        <section class="card" data-testid="mapping-table">
            <h2>"Fields by source"</h2>
            <nav class="tabs" aria-label="Source">
                {tab("", "All sources")}
                {SOURCES.map(|(key, label)| tab(key, label)).into_iter().collect_view()}
            </nav>
            <div class="table-wrap">
                <table class="table">
                    <caption class="visually-hidden">"Steward fields and where each source fills them from"</caption>
                    <thead><tr>
                        <th scope="col">"Steward field"</th><th scope="col">"Remote source"</th>
                        <th scope="col">"Remote object"</th><th scope="col">"Remote field"</th>
                        <th scope="col">"Ownership"</th>
                    </tr></thead>
                    <tbody>
                        {move || {
                            let shown = filter.get();
                            rows.with_value(|rows| {
                                rows.iter()
                                    .filter(|r| shown.is_empty() || r.source == shown)
                                    .map(|r| view! {
                                        <tr>
                                            <td><code>{r.steward_field.clone()}</code></td>
                                            <td>{r.remote_source.clone()}</td>
                                            <td>{r.remote_object.clone()}</td>
                                            <td>{if r.remote_field.is_empty() { "—".to_owned() } else { r.remote_field.clone() }}</td>
                                            <td>{r.ownership.clone()}</td>
                                        </tr>
                                    })
                                    .collect_view()
                            })
                        }}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

#[component]
fn SalesforceMappingForm(
    /// The stored mapping and the describe's choices.
    editor: SalesforceEditor,
    /// The save action.
    save: ServerAction<SaveSalesforceMapping>,
    /// The last save's error.
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let saved = move || matches!(save.value().get(), Some(Ok(())));
    let problem = move |key: String| {
        move || {
            error.get().and_then(|e| e.field_message(&key)).map(|m| {
                view! { <span class="field-error" role="alert">{m}</span> }
            })
        }
    };
    let csm_options = editor
        .csm_choices
        .iter()
        .map(|c| {
            view! { <option value=c.value.clone() selected=c.value == editor.csm_field>{c.label.clone()}</option> }
        })
        .collect_view();
    let rows = editor
        .fields
        .into_iter()
        .map(|f| {
            let options = f
                .choices
                .iter()
                .map(|c| view! { <option value=c.value.clone() selected=c.value == f.remote>{c.label.clone()}</option> })
                .collect_view();
            let ownership = OWNERSHIP
                .map(|(value, label)| view! { <option value=value selected=value == f.ownership>{label}</option> })
                .into_iter()
                .collect_view();
            let (remote_id, own_id) = (format!("r{}", f.key), format!("o{}", f.key));
            view! {
                <tr>
                    <td>
                        <label for=remote_id.clone()>{f.label.clone()}</label>
                        <div class="muted"><code>{f.steward_field.clone()}</code>" · "{f.object.clone()}" · "{f.kind.clone()}</div>
                    </td>
                    <td>
                        <select id=remote_id.clone() name=format!("m[{remote_id}]")>
                            <option value="" selected=f.remote.is_empty()>"— not mapped —"</option>
                            {options}
                        </select>
                        {problem(remote_id)}
                    </td>
                    <td>
                        <select id=own_id.clone() name=format!("m[{own_id}]") aria-label=format!("Ownership of {}", f.label)>
                            {ownership}
                        </select>
                        {problem(own_id)}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card mapping-form" data-testid="salesforce-mapping">
            <h2>"Salesforce mapping"</h2>
            <p class="muted">
                {if editor.saved { "" } else { "These are the defaults for a new connection; save to keep them. " }}
                "Each Steward field takes a Salesforce field of a matching type, or a field of the User a lookup points to (such as Owner.Email). "
                "Salesforce wins: every run writes Salesforce's value. Steward wins: Salesforce fills the field only while it is empty in Steward. Don't sync: the field is not read. "
                "Saving checks every field against Salesforce; a changed object is read again in full at the next run."
            </p>
            {editor.describe_error.map(|m| view! { <div class="alert alert-warning" role="status">{m}</div> })}
            <ActionForm action=save>
                <div class="table-wrap">
                    <table class="table">
                        <caption class="visually-hidden">"Salesforce field and ownership of each Steward field"</caption>
                        <thead><tr>
                            <th scope="col">"Steward field"</th><th scope="col">"Salesforce field"</th><th scope="col">"Ownership"</th>
                        </tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
                <div class="field">
                    <label for="csm">"Salesforce Account field holding the CSM"</label>
                    <select id="csm" name="m[csm]">
                        <option value="" selected=editor.csm_field.is_empty()>"— no CSM sync —"</option>
                        {csm_options}
                    </select>
                    <p class="hint">
                        "An Email field, or a Lookup to User (the User's Email is used); the email must belong to a Steward user with the CSM seat. "
                        "Salesforce should be the source of truth for CSM assignment: an assignment made or removed by hand in Steward is never overwritten by Salesforce, so change CSMs in Salesforce."
                    </p>
                    {problem("csm".to_owned())}
                </div>
                <FormAlert error />
                {move || saved().then(|| view! { <p class="alert alert-success" role="status">"Mapping saved."</p> })}
                <button type="submit" class="btn btn-primary" disabled=move || save.pending().get()>"Save mapping"</button>
            </ActionForm>
        </section>
    }
}
