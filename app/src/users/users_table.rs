use leptos::prelude::*;

use crate::time_label::TimeLabel;
use crate::ui::{Badge, Column, DataTable, EmptyState, Tone};
use crate::users::dto::{UserPage, UserQuery, UserSort, UserTab};
use crate::users::{RowActions, UserActions};

fn time_cell(label: Option<TimeLabel>, never: &'static str) -> impl IntoView {
    match label {
        Some(label) => view! { <time title=label.exact.clone()>{label.relative}</time> }.into_any(),
        None => view! { <span class="muted">{never}</span> }.into_any(),
    }
}

/// One page of users. Every heading sorts; the Pending tab adds the invitation columns.
#[component]
pub fn UsersTable(
    /// The rows and totals to show.
    page: UserPage,
    /// The view they belong to (for sort links).
    query: UserQuery,
    /// Row actions and the selection.
    actions: UserActions,
) -> impl IntoView {
    if page.rows.is_empty() {
        let title = if query.search.is_empty()
            && query.role_id.is_none()
            && query.seat.is_none()
            && query.idle_days.is_none()
        {
            format!("No {} users", query.tab.label().to_lowercase())
        } else {
            "No users match this search".to_owned()
        };
        return view! {
            <EmptyState title>
                <p>"Change the search or filters, or look in another tab."</p>
            </EmptyState>
        }
        .into_any();
    }
    let pending = query.tab == UserTab::Pending;
    let column = |label: &'static str, sort: UserSort| {
        let sorted = (query.sort == sort).then_some(query.descending);
        let next = UserQuery {
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
    let mut columns = vec![
        Column::plain("Select"),
        column("Name", UserSort::Name),
        column("Username", UserSort::Email),
        column("Role", UserSort::Role),
        column("Title", UserSort::Title),
        column("CSM seat", UserSort::Seat),
    ];
    // Someone invited has never signed in nor set up 2FA: those columns say nothing there.
    if !pending {
        columns.push(column("Last sign-in", UserSort::LastSignIn));
        columns.push(column("2FA", UserSort::TwoFactor));
    }
    if pending {
        columns.push(column("Invited by", UserSort::InvitedBy));
        columns.push(column("Invited", UserSort::InvitedAt));
        columns.push(column("Invitation", UserSort::Expires));
    }
    columns.push(Column::plain("Actions"));
    let tab = query.tab;
    view! {
        <DataTable caption="Users" columns>
            {page
                .rows
                .into_iter()
                .map(|user| {
                    let invitation = pending
                        .then(|| {
                            let expires = match (&user.invite_expires, user.invite_expired) {
                                (Some(label), true) => {
                                    view! {
                                        <Badge tone=Tone::Danger>"Expired"</Badge>
                                        " "
                                        <time class="muted" title=label.exact.clone()>{label.relative.clone()}</time>
                                    }
                                        .into_any()
                                }
                                (Some(label), false) => {
                                    view! { <time title=label.exact.clone()>{format!("Expires {}", label.relative)}</time> }
                                        .into_any()
                                }
                                (None, _) => view! { <span class="muted">"No link"</span> }.into_any(),
                            };
                            view! {
                                <td>{user.invited_by.clone().unwrap_or_else(|| "—".into())}</td>
                                <td>{time_cell(user.invited_at.clone(), "—")}</td>
                                <td>{expires}</td>
                            }
                        });
                    let id = user.id;
                    let checked = move || actions.selected.read().contains(&id);
                    let toggle = move |_| {
                        actions.selected.update(|s| if s.contains(&id) { s.retain(|x| *x != id) } else { s.push(id) })
                    };
                    let select_label = format!("Select {}", user.email);
                    let menu = view! { <RowActions user=user.clone() tab actions /> };
                    view! {
                        <tr class:row-selected=checked>
                            <td>
                                <input type="checkbox" aria-label=select_label prop:checked=checked on:change=toggle />
                            </td>
                            <td class="strong">{if user.name.is_empty() { "—".to_owned() } else { user.name.clone() }}</td>
                            <td>{user.email.clone()}</td>
                            <td>{user.role_name.clone()}</td>
                            <td>{user.title.clone().unwrap_or_else(|| "—".into())}</td>
                            <td>
                                {if user.csm_seat {
                                    view! { <Badge tone=Tone::Success>"CSM seat"</Badge> }.into_any()
                                } else {
                                    view! { <span class="muted">"—"</span> }.into_any()
                                }}
                            </td>
                            {(!pending)
                                .then(|| {
                                    view! {
                                        <td>{time_cell(user.last_sign_in.clone(), "Never")}</td>
                                        <td>
                                            {if user.two_factor {
                                                view! { <Badge tone=Tone::Success>"On"</Badge> }
                                            } else {
                                                view! { <Badge>"Off"</Badge> }
                                            }}
                                        </td>
                                    }
                                })}
                            {invitation}
                            <td>{menu}</td>
                        </tr>
                    }
                })
                .collect_view()}
        </DataTable>
    }
    .into_any()
}
