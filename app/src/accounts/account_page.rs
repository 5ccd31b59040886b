use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::accounts::accounts_table::status_badge;
use crate::accounts::api::{get_account, AssignCsm, UnassignCsm};
use crate::accounts::dto::{
    format_money, format_number, AccountDetail, AccountTab, InteractionRow, NpsRow, PersonRow,
    StageRow, SECTION_LIMIT,
};
use crate::accounts::{CsmPanel, UsagePanel};
use crate::error::AppError;
use crate::ui::{
    set_page_status, use_toasts, Badge, Column, DataTable, EmptyState, LoadError, Tone,
};

/// One account: header, then sections as tabs in the URL (`?tab=`), so each works without
/// JavaScript and a link opens the same section.
#[component]
pub fn AccountPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let account_pk = Memo::new(move |_| {
        params
            .read()
            .get("account_pk")
            .and_then(|v| v.parse::<i32>().ok())
    });
    let tab =
        Memo::new(move |_| AccountTab::from_key(&query.read().get("tab").unwrap_or_default()));
    let assign = ServerAction::<AssignCsm>::new();
    let unassign = ServerAction::<UnassignCsm>::new();
    let toasts = use_toasts();
    Effect::new(move |_| {
        if let Some(Ok(())) = assign.value().get() {
            toasts.success("CSM assigned.");
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = unassign.value().get() {
            toasts.success("CSM unassigned.");
        }
    });
    let account: crate::wire::PageResource<Result<AccountDetail, AppError>> = crate::wire::resource(
        move || {
            (
                account_pk.get(),
                assign.version().get(),
                unassign.version().get(),
            )
        },
        |(pk, _, _)| async move {
            match pk {
                Some(pk) => get_account(pk).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading the account…"</p> }>
            {move || {
                // Read here, outside the future: switching tabs re-renders from the loaded account.
                let tab = tab.get();
                Suspend::new(async move {
                match account.await {
                    Ok(detail) => view! { <AccountView detail tab assign unassign /> }.into_any(),
                    Err(AppError::NotFound) => view! { <AccountNotFound /> }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })
            }}
        </Transition>
    }
}

#[component]
fn AccountNotFound() -> impl IntoView {
    set_page_status(&AppError::NotFound);
    view! {
        <Title text="Account not found" />
        <header class="page-header">
            <p class="breadcrumb">
                <a href="/accounts">"Accounts"</a>
            </p>
            <h1>"Account not found"</h1>
        </header>
        <EmptyState title="This account does not exist, or it is not yours to see">
            <p>
                "Without View All Accounts you see the accounts assigned to you. "
                <a href="/accounts">"Back to the accounts"</a>
            </p>
        </EmptyState>
    }
}

#[component]
fn AccountView(
    detail: AccountDetail,
    tab: AccountTab,
    assign: ServerAction<AssignCsm>,
    unassign: ServerAction<UnassignCsm>,
) -> impl IntoView {
    let base = format!("/accounts/{}", detail.id);
    let tabs = AccountTab::ALL
        .into_iter()
        .map(|t| {
            let href = if t == AccountTab::Overview {
                base.clone()
            } else {
                format!("{base}?tab={}", t.key())
            };
            let count = match t {
                AccountTab::People => Some(detail.contacts_total + detail.users_total),
                AccountTab::Interactions => Some(detail.interactions_total),
                _ => None,
            };
            let active = t == tab;
            view! {
                <a href=href class="tab" class:tab-active=active aria-current=active.then_some("page")>
                    {t.label()}
                    {count.map(|n| view! { " " <span class="tab-count">{n}</span> })}
                </a>
            }
        })
        .collect_view();
    let facts = {
        let mut facts: Vec<(&'static str, String)> = vec![];
        if let Some(stage) = &detail.stage {
            facts.push(("Stage", stage.clone()));
        }
        if let Some(mrr) = detail.mrr {
            facts.push(("MRR", format_money(mrr)));
        }
        if let Some(renewal) = &detail.renewal {
            facts.push((
                "Renewal",
                format!("{} ({})", renewal.date, renewal.relative),
            ));
        }
        let overdue = detail.renewal.as_ref().is_some_and(|r| r.past);
        facts
            .into_iter()
            .map(|(label, value)| {
                let flag = (label == "Renewal" && overdue)
                    .then(|| view! { " " <Badge tone=Tone::Danger>"Overdue"</Badge> });
                view! {
                    <span class="account-fact">
                        <span class="muted">{label}</span>
                        " "
                        {value}
                        {flag}
                    </span>
                }
            })
            .collect_view()
    };
    let section = match tab {
        AccountTab::Overview => view! {
            <div class="account-grid">
                <section class="card">
                    <h2>"Assigned CSMs"</h2>
                    <CsmPanel
                        account_pk=detail.id
                        csms=detail.csms.clone()
                        unassigned_by_hand=detail.unassigned_by_hand.clone()
                        can_update=detail.can_update
                        choices=detail.csm_choices.clone()
                        assign
                        unassign
                    />
                </section>
                <section class="card">
                    <h2>"Usage, last 30 days"</h2>
                    <UsagePanel usage=detail.usage.clone() />
                </section>
            </div>
        }
        .into_any(),
        AccountTab::Details => details_section(&detail).into_any(),
        AccountTab::People => people_section(&detail).into_any(),
        AccountTab::History => history_section(&detail).into_any(),
        AccountTab::Interactions => interactions_section(&detail).into_any(),
    };
    view! {
        <Title text=detail.name.clone() />
        <header class="page-header account-header">
            <p class="breadcrumb">
                <a href="/accounts">"Accounts"</a>
                " / "
                {detail.name.clone()}
            </p>
            <div class="account-title">
                <h1>{detail.name.clone()}</h1>
                {status_badge(detail.status)}
            </div>
            <p class="account-facts">
                <span class="account-fact">
                    <span class="muted">"Account id"</span>
                    " "
                    <code class="account-id">{detail.account_id.clone()}</code>
                </span>
                {facts}
            </p>
        </header>
        <nav class="tabs account-tabs" aria-label="Account sections">{tabs}</nav>
        {section}
    }
}

fn text_or_dash(value: Option<String>) -> String {
    value
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| "—".to_owned())
}

/// "Showing the first 200 of 340" under a capped list.
fn capped(shown: usize, total: u64, what: &'static str) -> Option<impl IntoView> {
    (total > shown as u64).then(|| {
        view! {
            <p class="muted small">
                {format!("Showing the first {SECTION_LIMIT} of {total} {what}; the Account API lists them all.")}
            </p>
        }
    })
}

fn details_section(detail: &AccountDetail) -> impl IntoView {
    let fields = detail
        .fields
        .iter()
        .map(|f| {
            view! {
                <dt>{f.label.clone()}</dt>
                <dd>
                    {f.value.clone()}
                    {f.origin.clone().map(|o| view! { <span class="muted field-origin">" · "{o}</span> })}
                </dd>
            }
        })
        .collect_view();
    let documents = (!detail.documents.is_empty()).then(|| {
        view! {
            <h3>"Documents"</h3>
            <ul class="documents">
                {detail
                    .documents
                    .iter()
                    .map(|d| {
                        let name = match &d.url {
                            Some(url) => view! { <a href=url.clone() rel="noopener noreferrer" target="_blank">{d.name.clone()}</a> }.into_any(),
                            None => view! { <span>{d.name.clone()}</span> }.into_any(),
                        };
                        let description = d.description.clone().map(|text| view! { <span class="muted">{format!(" — {text}")}</span> });
                        view! { <li>{name}{description}</li> }
                    })
                    .collect_view()}
            </ul>
        }
    });
    let dimensions = detail.dimensions.clone();
    let dimensions = if dimensions.is_empty() {
        view! {
            <EmptyState title="No custom dimensions">
                <p>
                    "The Account API sets them with "
                    <code>"custom_label_dimensions"</code>
                    ", "
                    <code>"custom_value_dimensions"</code>
                    " and "
                    <code>"custom_event_dimensions"</code>
                    "."
                </p>
            </EmptyState>
        }
        .into_any()
    } else {
        view! {
            <DataTable
                caption="Custom dimensions"
                columns=vec![Column::plain("Dimension"), Column::plain("Type"), Column::plain("Value")]
            >
                {dimensions
                    .into_iter()
                    .map(|d| {
                        view! {
                            <tr>
                                <td class="strong">{d.key.clone()}</td>
                                <td>{d.kind.clone()}</td>
                                <td>{d.value.clone()}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </DataTable>
        }
        .into_any()
    };
    view! {
        <section class="card">
            <h2>"Fields"</h2>
            <dl class="details account-fields">{fields}</dl>
            {documents}
        </section>
        <section class="card">
            <h2>"Custom dimensions"</h2>
            {dimensions}
        </section>
    }
}

fn status_cell(active: bool) -> impl IntoView {
    if active {
        view! { <Badge tone=Tone::Success>"Active"</Badge> }
    } else {
        view! { <Badge>"Inactive"</Badge> }
    }
}

fn contacts_table(rows: Vec<PersonRow>) -> impl IntoView {
    view! {
        <DataTable
            caption="Contacts"
            columns=vec![
                Column::plain("Name"),
                Column::plain("Email"),
                Column::plain("Title"),
                Column::plain("Role"),
                Column::plain("Phone"),
                Column::plain("Status"),
            ]
        >
            {rows
                .into_iter()
                .map(|p| {
                    let primary = p.primary.then(|| view! { " " <Badge tone=Tone::Info>"Primary"</Badge> });
                    view! {
                        <tr>
                            <td class="strong">{p.name.clone()}{primary}</td>
                            <td>{text_or_dash(p.email.clone())}</td>
                            <td>{text_or_dash(p.title.clone())}</td>
                            <td>{text_or_dash(p.role.clone())}</td>
                            <td>{text_or_dash(p.phone.clone())}</td>
                            <td>{status_cell(p.active)}</td>
                        </tr>
                    }
                })
                .collect_view()}
        </DataTable>
    }
}

fn users_table(rows: Vec<PersonRow>) -> impl IntoView {
    view! {
        <DataTable
            caption="Product users"
            columns=vec![
                Column::plain("Name"),
                Column::plain("User id"),
                Column::plain("Email"),
                Column::plain("Title"),
                Column::plain("First day"),
                Column::plain("Status"),
            ]
        >
            {rows
                .into_iter()
                .map(|p| {
                    view! {
                        <tr>
                            <td class="strong">{p.name.clone()}</td>
                            <td>
                                <code class="account-id">{p.user_id.clone()}</code>
                            </td>
                            <td>{text_or_dash(p.email.clone())}</td>
                            <td>{text_or_dash(p.title.clone())}</td>
                            <td>{text_or_dash(p.joined.clone())}</td>
                            <td>{status_cell(p.active)}</td>
                        </tr>
                    }
                })
                .collect_view()}
        </DataTable>
    }
}

fn people_section(detail: &AccountDetail) -> impl IntoView {
    let contacts = if detail.contacts.is_empty() {
        view! {
            <EmptyState title="No contacts">
                <p>"CRM contacts arrive through the Account API (" <code>"POST /api/v2/account_contacts"</code> ")."</p>
            </EmptyState>
        }
        .into_any()
    } else {
        view! {
            {contacts_table(detail.contacts.clone())}
            {capped(detail.contacts.len(), detail.contacts_total, "contacts")}
        }
        .into_any()
    };
    let users = if detail.users.is_empty() {
        view! {
            <EmptyState title="No product users">
                <p>"Product users arrive through the Account API (" <code>"POST /api/v2/account_users"</code> ")."</p>
            </EmptyState>
        }
        .into_any()
    } else {
        view! {
            {users_table(detail.users.clone())}
            {capped(detail.users.len(), detail.users_total, "product users")}
        }
        .into_any()
    };
    view! {
        <section class="card">
            <h2>{format!("Contacts ({})", detail.contacts_total)}</h2>
            {contacts}
        </section>
        <section class="card">
            <h2>{format!("Product users ({})", detail.users_total)}</h2>
            {users}
        </section>
    }
}

fn stages_table(rows: Vec<StageRow>) -> impl IntoView {
    view! {
        <DataTable caption="Stage history" columns=vec![Column::plain("Stage"), Column::plain("Start"), Column::plain("End")]>
            {rows
                .into_iter()
                .map(|s| {
                    let end = match &s.end {
                        Some(end) => end.clone().into_any(),
                        None => view! { <Badge tone=Tone::Info>"Current"</Badge> }.into_any(),
                    };
                    view! {
                        <tr>
                            <td class="strong">{s.name.clone()}</td>
                            <td>{s.start.clone()}</td>
                            <td>{end}</td>
                        </tr>
                    }
                })
                .collect_view()}
        </DataTable>
    }
}

fn nps_table(rows: Vec<NpsRow>) -> impl IntoView {
    view! {
        <DataTable
            caption="NPS history"
            columns=vec![
                Column::plain("Date"),
                Column::plain("Score"),
                Column::plain("User"),
                Column::plain("Survey"),
                Column::plain("Comments"),
            ]
        >
            {rows
                .into_iter()
                .map(|n| {
                    view! {
                        <tr>
                            <td>{n.date.clone()}</td>
                            <td class="numeric">{format_number(n.score)}</td>
                            <td>{text_or_dash(n.username.clone())}</td>
                            <td>{text_or_dash(n.survey.clone())}</td>
                            <td class="wrap-text">{text_or_dash(n.comments.clone())}</td>
                        </tr>
                    }
                })
                .collect_view()}
        </DataTable>
    }
}

fn history_section(detail: &AccountDetail) -> impl IntoView {
    let stages = if detail.stages.is_empty() {
        view! {
            <EmptyState title="No stage history">
                <p>"The Account API records it with " <code>"stage_history"</code> " or a change of " <code>"current_stage"</code> "."</p>
            </EmptyState>
        }
        .into_any()
    } else {
        stages_table(detail.stages.clone()).into_any()
    };
    let nps = if detail.nps.is_empty() {
        view! {
            <EmptyState title="No NPS responses">
                <p>"The Account API records them with " <code>"nps_history"</code> "."</p>
            </EmptyState>
        }
        .into_any()
    } else {
        nps_table(detail.nps.clone()).into_any()
    };
    view! {
        <section class="card">
            <h2>"Stage history"</h2>
            {stages}
        </section>
        <section class="card">
            <h2>"NPS history"</h2>
            {nps}
        </section>
    }
}

fn interactions_table(rows: Vec<InteractionRow>) -> impl IntoView {
    view! {
        <DataTable
            caption="Interactions"
            columns=vec![
                Column::plain("Date"),
                Column::plain("Type"),
                Column::plain("Contact"),
                Column::plain("Added by"),
                Column::plain("Subject"),
            ]
        >
            {rows
                .into_iter()
                .map(|i| {
                    view! {
                        <tr>
                            <td class="nowrap">{i.date.clone()}</td>
                            <td>{i.kind.clone()}</td>
                            <td>{text_or_dash(i.contact.clone())}</td>
                            <td>{text_or_dash(i.added_by.clone())}</td>
                            <td class="wrap-text">
                                <span class="strong">{text_or_dash(i.subject.clone())}</span>
                                <span class="interaction-description muted small">{i.description.clone()}</span>
                            </td>
                        </tr>
                    }
                })
                .collect_view()}
        </DataTable>
    }
}

fn interactions_section(detail: &AccountDetail) -> impl IntoView {
    let body = if detail.interactions.is_empty() {
        view! {
            <EmptyState title="No interactions">
                <p>
                    "Emails, calls and meetings arrive through the Account API ("
                    <code>"POST /api/v2/interactions"</code>
                    ")."
                </p>
            </EmptyState>
        }
        .into_any()
    } else {
        view! {
            {interactions_table(detail.interactions.clone())}
            {capped(detail.interactions.len(), detail.interactions_total, "interactions")}
        }
        .into_any()
    };
    view! {
        <section class="card">
            <h2>"Interactions"</h2>
            <p class="muted small">"Newest first."</p>
            {body}
        </section>
    }
}
