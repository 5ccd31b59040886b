use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::accounts::dto::{
    format_money, AccountListPage, AccountQuery, AccountSort, AccountStatus, AccountView,
};
use crate::ui::{Badge, Column, DataTable, EmptyState, Tone};

pub fn status_badge(status: AccountStatus) -> impl IntoView {
    let tone = match status {
        AccountStatus::Active => Tone::Success,
        AccountStatus::Churned => Tone::Danger,
        AccountStatus::Inactive => Tone::Neutral,
    };
    view! { <Badge tone>{status.label()}</Badge> }
}

/// What to do when there are no accounts at all: they arrive through the Account API.
#[component]
pub fn NoAccountsYet(
    /// The caller sees every account (otherwise only theirs, so "none yet" means "none
    /// assigned to you").
    view_all: bool,
) -> impl IntoView {
    if view_all {
        view! {
            <EmptyState title="No accounts yet">
                <p>
                    "Accounts arrive through the Account API. An administrator creates an Account API key under "
                    <a href="/settings/it/source-overview">"Source Overview"</a>
                    " and sends accounts with "
                    <code>"POST /api/v2/accounts"</code>
                    "; the "
                    <a href="/settings/it/api">"API page"</a>
                    " has ready-to-run examples."
                </p>
            </EmptyState>
        }
        .into_any()
    } else {
        view! {
            <EmptyState title="No accounts are assigned to you yet">
                <p>
                    "Accounts appear here once you are their CSM: assigned through the Account API or by someone with Update Accounts on the account's page."
                </p>
            </EmptyState>
        }
        .into_any()
    }
}

/// One page of accounts. Every heading but Status sorts; a row opens the account.
#[component]
pub fn AccountsTable(
    /// The rows and totals to show.
    page: AccountListPage,
    /// The view they belong to (for sort links).
    query: AccountQuery,
) -> impl IntoView {
    if page.rows.is_empty() {
        if page.counts[0] == 0 {
            return view! { <NoAccountsYet view_all=page.view_all /> }.into_any();
        }
        let (title, hint) = if !query.search.is_empty() {
            (
                "No accounts match this search".to_owned(),
                "Search looks in account names and account ids. Change the search or look in another view.",
            )
        } else {
            (
                match query.view {
                    AccountView::Mine => "No accounts are assigned to you".to_owned(),
                    AccountView::Unassigned => "Every account has a CSM".to_owned(),
                    view => format!("No {} accounts", view.label().to_lowercase()),
                },
                "Look in another view.",
            )
        };
        return view! {
            <EmptyState title>
                <p>{hint}</p>
            </EmptyState>
        }
        .into_any();
    }
    let column = |label: &'static str, sort: AccountSort| {
        let sorted = (query.sort == sort).then_some(query.descending);
        let next = AccountQuery {
            sort,
            descending: sorted == Some(false),
            page: 1,
            ..query.clone()
        };
        Column {
            label,
            sort_href: Some(next.href()),
            sorted,
        }
    };
    let columns = vec![
        column("Name", AccountSort::Name),
        column("Account id", AccountSort::AccountId),
        column("Stage", AccountSort::Stage),
        column("MRR", AccountSort::Mrr),
        column("Renewal", AccountSort::Renewal),
        column("Assigned CSMs", AccountSort::Csms),
        Column::plain("Status"),
    ];
    let navigate = use_navigate();
    view! {
        <DataTable caption="Accounts" columns>
            {page
                .rows
                .into_iter()
                .map(|account| {
                    let href = format!("/accounts/{}", account.id);
                    let open = {
                        let (navigate, href) = (navigate.clone(), href.clone());
                        // The name is the link (works without JavaScript); with it, the
                        // whole row opens the account.
                        move |ev: leptos::ev::MouseEvent| {
                            use leptos::wasm_bindgen::JsCast;
                            let modified = ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.alt_key();
                            let on_link = ev
                                .target()
                                .and_then(|t| t.dyn_into::<leptos::web_sys::Element>().ok())
                                .and_then(|el| el.closest("a").ok().flatten())
                                .is_some();
                            if !modified && !on_link {
                                navigate(&href, Default::default());
                            }
                        }
                    };
                    let csms = match account.csms.len() {
                        0 => view! { <span class="muted">"—"</span> }.into_any(),
                        n if n <= 3 => account.csms.join(", ").into_any(),
                        n => format!("{} +{}", account.csms[..2].join(", "), n - 2).into_any(),
                    };
                    let renewal = match account.renewal {
                        Some(label) => {
                            let overdue = label.past.then(|| view! { " " <Badge tone=Tone::Danger>"Overdue"</Badge> });
                            view! { <time title=label.relative.clone()>{label.date}</time> {overdue} }.into_any()
                        }
                        None => view! { <span class="muted">"—"</span> }.into_any(),
                    };
                    view! {
                        <tr class="row-link" on:click=open>
                            <td class="strong">
                                <a href=href>{account.name}</a>
                            </td>
                            <td>
                                <code class="account-id">{account.account_id}</code>
                            </td>
                            <td>{account.stage.unwrap_or_else(|| "—".into())}</td>
                            <td class="numeric">{account.mrr.map(format_money).unwrap_or_else(|| "—".into())}</td>
                            <td class="nowrap">{renewal}</td>
                            <td>{csms}</td>
                            <td>{status_badge(account.status)}</td>
                        </tr>
                    }
                })
                .collect_view()}
        </DataTable>
    }
    .into_any()
}
