use leptos::html::Input;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::accounts::api::list_accounts;
use crate::accounts::dto::{AccountListPage, AccountQuery, AccountView};
use crate::accounts::AccountsTable;
use crate::error::AppError;
use crate::ui::{pagination, LoadError};

/// The Accounts list. View, search, sort and page live in the URL, so a shared link opens
/// the same list; the search form is a plain GET without JavaScript.
#[component]
pub fn AccountsPage() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| AccountQuery::from_params(|key| params.read().get(key)));
    let accounts: crate::wire::PageResource<Result<AccountListPage, AppError>> =
        crate::wire::resource(move || query.get(), list_accounts);
    view! {
        <Title text="Accounts" />
        <header class="page-header">
            <h1>"Accounts"</h1>
        </header>
        <Transition fallback=|| view! { <p class="muted">"Loading accounts…"</p> }>
            {move || Suspend::new(async move {
                match accounts.await {
                    Ok(page) => view! { <AccountsView page query=query.get_untracked() /> }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn AccountsView(page: AccountListPage, query: AccountQuery) -> impl IntoView {
    let view_all = page.view_all;
    let tabs = AccountView::ALL
        .into_iter()
        .zip(page.counts)
        // Without View All Accounts every account shown is assigned to the user, so
        // "Unassigned" would always be empty.
        .filter(|(view, _)| view_all || *view != AccountView::Unassigned)
        .map(|(view, count)| {
            let href = AccountQuery {
                view,
                page: 1,
                ..query.clone()
            }
            .href();
            let active = view == query.view;
            view! {
                <a href=href class="tab" class:tab-active=active aria-current=active.then_some("page")>
                    {view.label()}
                    " "
                    <span class="tab-count">{count}</span>
                </a>
            }
        })
        .collect_view();
    let pages = {
        let query = query.clone();
        pagination(
            page.page,
            page.page_count,
            move |number| {
                AccountQuery {
                    page: number,
                    ..query.clone()
                }
                .href()
            },
            ("← Previous", "Next →"),
        )
    };
    let total = page.total;
    let nothing_at_all = page.counts[0] == 0;
    let search_input = NodeRef::<Input>::new();
    let navigate = use_navigate();
    let view_key = query.view.key();
    let current_view = query.view;
    // Without JavaScript the form is a plain GET; with it, the same fields become a clean
    // URL and the router navigates there.
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let q = search_input.get().map(|i| i.value()).unwrap_or_default();
        let next = AccountQuery::from_params(|key| match key {
            "q" => Some(q.clone()),
            _ => None,
        });
        navigate(
            &AccountQuery {
                view: current_view,
                ..next
            }
            .href(),
            Default::default(),
        );
    };
    let clear_href = AccountQuery {
        view: query.view,
        ..Default::default()
    }
    .href();
    let scope_note = (!view_all).then(|| {
        view! {
            <p class="muted small">
                "You see the accounts assigned to you. People whose role has View All Accounts see every account."
            </p>
        }
    });
    let table = view! { <AccountsTable page query=query.clone() /> };
    view! {
        {scope_note}
        <nav class="tabs" aria-label="Account views">{tabs}</nav>
        {(!nothing_at_all)
            .then(|| {
                view! {
                    <form method="get" action="/accounts" class="filters" role="search" on:submit=on_submit>
                        {(current_view != AccountView::All)
                            .then(|| view! { <input type="hidden" name="view" value=view_key /> })}
                        <div class="field">
                            <label for="accounts-search">"Search"</label>
                            <input
                                id="accounts-search"
                                type="search"
                                name="q"
                                value=query.search.clone()
                                // The property too: after Back the list re-renders in place,
                                // and the attribute alone leaves the typed text showing.
                                prop:value=query.search.clone()
                                placeholder="Name or account id"
                                node_ref=search_input
                            />
                        </div>
                        <div class="filters-actions">
                            <button type="submit" class="btn btn-secondary">"Search"</button>
                            <a class="btn btn-ghost" href=clear_href>"Clear"</a>
                        </div>
                    </form>
                    <p class="muted result-count">
                        {format!("{total} account{}", if total == 1 { "" } else { "s" })}
                    </p>
                }
            })}
        {table}
        {pages}
    }
}
