use leptos::html::{Input, Select};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::mail::NoRelayBanner;
use crate::ui::{pagination, LoadError, PageHeader};
use crate::users::api::{list_users, InviteUsers};
use crate::users::dto::{UserPage, UserQuery, UserTab};
use crate::users::{
    BulkBar, NewUsersButton, NewUsersDialog, UserActionDialog, UserActions, UsersTable,
};

/// Management Center → Users. Tabs, search, filters, sort and page all live in the URL, so
/// a shared link opens the same view; the search form works without JavaScript.
#[component]
pub fn UsersPage() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| UserQuery::from_params(|key| params.read().get(key)));
    let invite = ServerAction::<InviteUsers>::new();
    // Owned here, not by the dialog: the list below re-renders after an invitation and the
    // dialog must stay open to show the results.
    let invite_open = RwSignal::new(false);
    let actions = UserActions::new();
    // A new tab or filter starts with nothing selected.
    Effect::new(move |_| {
        query.track();
        actions.selected.set(vec![]);
    });
    let users: crate::wire::PageResource<Result<UserPage, crate::error::AppError>> =
        crate::wire::resource(
            move || (query.get(), invite.version().get(), actions.version()),
            |(query, _, _)| list_users(query),
        );
    // What the dialogs say after mailing someone depends on it (sent, or kept in the Outbox).
    Effect::new(move |_| {
        if let Some(Ok(page)) = users.get() {
            actions.relay_configured.set(page.relay_configured);
        }
    });
    let relay_configured = actions.relay_configured;
    let roles = Signal::derive(move || {
        users
            .get()
            .and_then(Result::ok)
            .map(|page| page.roles)
            .unwrap_or_default()
    });
    view! {
        <PageHeader title="Users" />
        <Transition fallback=|| view! { <p class="muted">"Loading users…"</p> }>
            {move || Suspend::new(async move {
                match users.await {
                    Ok(page) => view! { <UsersView page query=query.get_untracked() invite invite_open actions /> }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
        // Outside the list: the list re-renders after every action, the dialogs must not.
        <NewUsersDialog action=invite roles open=invite_open relay_configured />
        <UserActionDialog actions roles />
    }
}

#[component]
fn UsersView(
    page: UserPage,
    query: UserQuery,
    invite: ServerAction<InviteUsers>,
    invite_open: RwSignal<bool>,
    actions: UserActions,
) -> impl IntoView {
    let tabs = UserTab::ALL
        .into_iter()
        .zip(page.counts)
        .map(|(tab, count)| {
            let href = UserQuery { tab, page: 1, ..query.clone() }.href();
            let active = tab == query.tab;
            view! {
                <a href=href class="tab" class:tab-active=active aria-current=active.then_some("page")>
                    {tab.label()}
                    " "
                    <span class="tab-count">{count}</span>
                </a>
            }
        })
        .collect_view();
    let role_options = page
        .roles
        .iter()
        .map(|role| {
            let selected = query.role_id == Some(role.id);
            view! { <option value=role.id.to_string() selected=selected>{role.name.clone()}</option> }
        })
        .collect_view();
    let pages = {
        let query = query.clone();
        pagination(
            page.page,
            page.page_count,
            move |number| {
                UserQuery {
                    page: number,
                    ..query.clone()
                }
                .href()
            },
            ("← Previous", "Next →"),
        )
    };
    let total = page.total;
    let seats_in_use = page.seats_in_use;
    let page_ids: Vec<i32> = page.rows.iter().map(|r| r.id).collect();
    let banner = (!page.relay_configured).then(|| view! { <NoRelayBanner outbox_link=true /> });
    let table = view! { <UsersTable page query=query.clone() actions /> };
    let (tab_key, search, role_id, seat) = (
        query.tab.key(),
        query.search.clone(),
        query.role_id,
        query.seat,
    );
    let idle = query.idle_days.map(|d| d.to_string()).unwrap_or_default();
    let clear_href = UserQuery {
        tab: query.tab,
        ..Default::default()
    }
    .href();
    // Without JavaScript the form is a plain GET; with it, the same fields become a clean URL
    // (empty filters left out) and the router navigates there.
    let (search_input, role_select, seat_select, idle_input) = (
        NodeRef::<Input>::new(),
        NodeRef::<Select>::new(),
        NodeRef::<Select>::new(),
        NodeRef::<Input>::new(),
    );
    let navigate = use_navigate();
    let tab = query.tab;
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let value = |input: NodeRef<Input>| input.get().map(|i| i.value()).unwrap_or_default();
        let choice = |select: NodeRef<Select>| select.get().map(|s| s.value()).unwrap_or_default();
        let (q, role, seat, idle) = (
            value(search_input),
            choice(role_select),
            choice(seat_select),
            value(idle_input),
        );
        let next = UserQuery::from_params(|key| match key {
            "q" => Some(q.clone()),
            "role" => Some(role.clone()),
            "seat" => Some(seat.clone()),
            "idle" => Some(idle.clone()),
            _ => None,
        });
        navigate(&UserQuery { tab, ..next }.href(), Default::default());
    };
    view! {
        {banner}
        <div class="toolbar">
            <p class="muted seats-line">
                <strong>{seats_in_use}</strong>
                {format!(" CSM seat{} in use (active and pending users whose role has the seat)", if seats_in_use == 1 { "" } else { "s" })}
            </p>
            <NewUsersButton action=invite open=invite_open />
        </div>
        <nav class="tabs" aria-label="User states">{tabs}</nav>
        <form method="get" action="/settings/users" class="filters" on:submit=on_submit>
            <input type="hidden" name="tab" value=tab_key />
            <div class="field">
                <label for="users-search">"Search"</label>
                <input id="users-search" type="search" name="q" value=search.clone() prop:value=search placeholder="Name or email" node_ref=search_input />
            </div>
            <div class="field">
                <label for="users-role">"Role"</label>
                <select id="users-role" name="role" node_ref=role_select>
                    <option value="" selected=role_id.is_none()>"Any role"</option>
                    {role_options}
                </select>
            </div>
            <div class="field">
                <label for="users-seat">"Seat"</label>
                <select id="users-seat" name="seat" node_ref=seat_select>
                    <option value="" selected=seat.is_none()>"Any seat"</option>
                    <option value="csm" selected=seat == Some(true)>"CSM seat"</option>
                    <option value="analyst" selected=seat == Some(false)>"Analyst seat"</option>
                </select>
            </div>
            <div class="field">
                <label for="users-idle">"No sign-in for (days)"</label>
                <input
                    id="users-idle"
                    type="number"
                    min="1"
                    name="idle"
                    value=idle
                    node_ref=idle_input
                />
            </div>
            <div class="filters-actions">
                <button type="submit" class="btn btn-secondary">"Apply"</button>
                <a class="btn btn-ghost" href=clear_href>"Clear"</a>
            </div>
        </form>
        <p class="muted result-count">
            {format!("{total} user{}", if total == 1 { "" } else { "s" })}
        </p>
        <BulkBar tab=query.tab actions page_ids />
        {table}
        {pages}
    }
}
