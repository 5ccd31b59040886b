use leptos::html::{Input, Select};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::audit::api::list_audit_events;
use crate::audit::dto::{AuditAction, AuditPage, AuditQuery};
use crate::roles::permission::Permission;
use crate::shell::IfAllowed;
use crate::ui::{pagination, Column, DataTable, EmptyState, LoadError, PageHeader};

/// Management Center → Audit log: newest first, filtered by actor, target, action and date;
/// the filters live in the URL and the form works without JavaScript.
#[component]
pub fn AuditLogPage() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| AuditQuery::from_params(|key| params.read().get(key)));
    let events = crate::wire::resource(move || query.get(), list_audit_events);
    view! {
        <PageHeader title="Audit log" />
        <IfAllowed permission=Permission::ConfigureUsers>
            <AuditFilters query />
        </IfAllowed>
        <Transition fallback=|| view! { <p class="muted">"Loading the audit log…"</p> }>
            {move || Suspend::new(async move {
                match events.await {
                    Ok(page) => view! { <AuditTable page query=query.get_untracked() /> }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn AuditFilters(query: Memo<AuditQuery>) -> impl IntoView {
    let current = query.get_untracked();
    let (actor_input, target_input, action_select, from_input, to_input) = (
        NodeRef::<Input>::new(),
        NodeRef::<Input>::new(),
        NodeRef::<Select>::new(),
        NodeRef::<Input>::new(),
        NodeRef::<Input>::new(),
    );
    let navigate = use_navigate();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let value = |input: NodeRef<Input>| input.get().map(|i| i.value()).unwrap_or_default();
        let action = action_select.get().map(|s| s.value()).unwrap_or_default();
        let (actor, target, from, to) = (
            value(actor_input),
            value(target_input),
            value(from_input),
            value(to_input),
        );
        let next = AuditQuery::from_params(|key| match key {
            "actor" => Some(actor.clone()),
            "target" => Some(target.clone()),
            "action" => Some(action.clone()),
            "from" => Some(from.clone()),
            "to" => Some(to.clone()),
            _ => None,
        });
        navigate(&next.href(), Default::default());
    };
    let actions = AuditAction::ALL
        .into_iter()
        .map(|action| {
            let selected = current.action == Some(action);
            view! { <option value=action.key() selected=selected>{action.label()}</option> }
        })
        .collect_view();
    view! {
        <form method="get" action="/settings/audit" class="filters" on:submit=on_submit>
            <div class="field">
                <label for="audit-actor">"Actor"</label>
                <input id="audit-actor" type="search" name="actor" value=current.actor.clone() prop:value=move || query.get().actor placeholder="Name or email" node_ref=actor_input />
            </div>
            <div class="field">
                <label for="audit-target">"Target"</label>
                <input id="audit-target" type="search" name="target" value=current.target.clone() prop:value=move || query.get().target placeholder="User email or role" node_ref=target_input />
            </div>
            <div class="field">
                <label for="audit-action">"Action"</label>
                <select id="audit-action" name="action" node_ref=action_select prop:value=move || query.get().action.map(|a| a.key()).unwrap_or_default()>
                    <option value="" selected=current.action.is_none()>"Any action"</option>
                    {actions}
                </select>
            </div>
            <div class="field">
                <label for="audit-from">"From"</label>
                <input id="audit-from" type="date" name="from" value=current.from.clone().unwrap_or_default() prop:value=move || query.get().from.unwrap_or_default() node_ref=from_input />
            </div>
            <div class="field">
                <label for="audit-to">"To"</label>
                <input id="audit-to" type="date" name="to" value=current.to.clone().unwrap_or_default() prop:value=move || query.get().to.unwrap_or_default() node_ref=to_input />
            </div>
            <div class="filters-actions">
                <button type="submit" class="btn btn-secondary">"Apply"</button>
                <a class="btn btn-ghost" href="/settings/audit">"Clear"</a>
            </div>
        </form>
    }
}

#[component]
fn AuditTable(page: AuditPage, query: AuditQuery) -> impl IntoView {
    let summary = format!(
        "{} entr{} · kept {} days",
        page.total,
        if page.total == 1 { "y" } else { "ies" },
        page.retention_days
    );
    if page.rows.is_empty() {
        return view! {
            <p class="muted result-count">{summary}</p>
            <EmptyState title="No audit entries match">
                <p>"Change the filters or the dates."</p>
            </EmptyState>
        }
        .into_any();
    }
    let columns = ["Time", "Actor", "Action", "Target", "Changes"]
        .into_iter()
        .map(Column::plain)
        .collect::<Vec<_>>();
    let pages = pagination(
        page.page,
        page.page_count,
        move |number| {
            AuditQuery {
                page: number,
                ..query.clone()
            }
            .href()
        },
        ("← Newer", "Older →"),
    );
    view! {
        <p class="muted result-count">{summary}</p>
        <DataTable caption="Audit log" columns>
            {page
                .rows
                .into_iter()
                .map(|row| {
                    let changes = row
                        .changes
                        .into_iter()
                        .map(|change| {
                            view! {
                                <li>
                                    <span class="muted">{change.field}</span>
                                    ": "
                                    {change.before.map(|before| view! { <del>{before}</del> " → " })}
                                    <ins>{change.after.unwrap_or_else(|| "—".into())}</ins>
                                </li>
                            }
                        })
                        .collect_view();
                    view! {
                        <tr>
                            <td><time title=row.at.exact.clone()>{row.at.relative.clone()}</time></td>
                            <td>
                                {row.actor}
                                {row.client_address.map(|a| view! { <span class="muted small">{format!(" from {a}")}</span> })}
                            </td>
                            <td class="strong">{row.action}</td>
                            <td>{row.target}</td>
                            <td><ul class="audit-changes">{changes}</ul></td>
                        </tr>
                    }
                })
                .collect_view()}
        </DataTable>
        {pages}
    }
    .into_any()
}
