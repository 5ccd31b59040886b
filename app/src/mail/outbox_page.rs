use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::mail::api::{list_outbox, OpenOutboxMessage};
use crate::mail::dto::{LinkState, MailStatus, OutboxMessage, OutboxPage as Page, OutboxQuery};
use crate::mail::NoRelayBanner;
use crate::time_label::TimeLabel;
use crate::ui::{
    pagination, Badge, Column, DataTable, EmptyState, LoadError, Modal, PageHeader, Tone,
};

/// Management Center → Outbox: the organisation's outgoing mail, newest first, with its
/// delivery status; the status filter and page live in the URL. "View" opens a message's
/// text, so an administrator can pass on a setup link when no relay is configured.
#[component]
pub fn OutboxPage() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| OutboxQuery::from_params(|key| params.read().get(key)));
    let mail = crate::wire::resource(move || query.get(), list_outbox);
    let open_message = ServerAction::<OpenOutboxMessage>::new();
    let viewing = RwSignal::new(false);
    view! {
        <PageHeader title="Outbox" />
        <StatusTabs query />
        <Transition fallback=|| view! { <p class="muted">"Loading mail…"</p> }>
            {move || Suspend::new(async move {
                match mail.await {
                    Ok(page) => {
                        let banner = (!page.relay_configured).then(|| view! { <NoRelayBanner /> });
                        view! {
                            {banner}
                            <OutboxTable page query=query.get_untracked() open_message viewing />
                        }
                            .into_any()
                    }
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
        <MessageDialog action=open_message open=viewing />
    }
}

/// All, Queued, Sent, Failed, Unsent: links, so the filter works without JavaScript.
#[component]
fn StatusTabs(query: Memo<OutboxQuery>) -> impl IntoView {
    let choices = std::iter::once((None, "All"))
        .chain(MailStatus::ALL.into_iter().map(|s| (Some(s), s.label())));
    view! {
        <nav class="tabs" aria-label="Delivery status">
            {choices
                .map(|(status, label)| {
                    let href = OutboxQuery { status, page: 1 }.href();
                    let active = move || query.with(|q| q.status == status);
                    view! {
                        <a href=href class="tab" class:tab-active=active aria-current=move || active().then_some("page")>
                            {label}
                        </a>
                    }
                })
                .collect_view()}
        </nav>
    }
}

fn status_badge(status: MailStatus) -> impl IntoView {
    let tone = match status {
        MailStatus::Queued => Tone::Info,
        MailStatus::Sent => Tone::Success,
        MailStatus::Failed => Tone::Danger,
        MailStatus::Outbox => Tone::Warning,
    };
    view! {
        <Badge tone>{status.label()}</Badge>
        {(status == MailStatus::Outbox).then(|| view! { <span class="muted small status-note">"no relay configured"</span> })}
    }
}

/// "Invitation" and, when its link no longer works, why ("link replaced").
fn kind_with_link(kind: String, link: Option<LinkState>) -> impl IntoView {
    let mark = link.and_then(LinkState::mark);
    view! {
        {kind}
        {mark.map(|mark| view! { " " <Badge tone=Tone::Neutral>{mark}</Badge> })}
    }
}

fn time(label: TimeLabel) -> impl IntoView {
    view! { <time title=label.exact>{label.relative}</time> }
}

#[component]
fn OutboxTable(
    page: Page,
    query: OutboxQuery,
    open_message: ServerAction<OpenOutboxMessage>,
    viewing: RwSignal<bool>,
) -> impl IntoView {
    let summary = format!(
        "{} message{}",
        page.total,
        if page.total == 1 { "" } else { "s" }
    );
    if page.rows.is_empty() {
        let title = if query.status.is_some() {
            "No messages with this status"
        } else {
            "No mail yet"
        };
        return view! {
            <p class="muted result-count">{summary}</p>
            <EmptyState title>
                <p>"Invitations and other messages Steward sends appear here."</p>
            </EmptyState>
        }
        .into_any();
    }
    let columns = [
        "Created",
        "To",
        "Subject",
        "Kind",
        "Status",
        "Attempts",
        "Last error",
        "Next attempt",
        "",
    ]
    .into_iter()
    .map(Column::plain)
    .collect();
    let pages = pagination(
        page.page,
        page.page_count,
        move |number| {
            OutboxQuery {
                page: number,
                ..query
            }
            .href()
        },
        ("← Newer", "Older →"),
    );
    view! {
        <p class="muted result-count">{summary}</p>
        <DataTable caption="Outgoing mail" columns>
            {page
                .rows
                .into_iter()
                .map(|row| {
                    let id = row.id;
                    let view_label = format!("View the message to {}", row.to);
                    view! {
                        <tr>
                            <td>{time(row.created)}</td>
                            <td>{row.to}</td>
                            <td class="strong mail-subject">{row.subject}</td>
                            <td>{kind_with_link(row.kind, row.link)}</td>
                            <td>{status_badge(row.status)}</td>
                            <td class="numeric">{row.attempts}</td>
                            <td class="mail-error">{row.last_error.unwrap_or_else(|| "—".into())}</td>
                            <td>
                                {match row.next_attempt {
                                    Some(label) => time(label).into_any(),
                                    None => view! { <span class="muted">"—"</span> }.into_any(),
                                }}
                            </td>
                            <td>
                                <button
                                    type="button"
                                    class="btn btn-secondary"
                                    aria-label=view_label
                                    on:click=move |_| {
                                        open_message.value().set(None);
                                        open_message.dispatch(OpenOutboxMessage { id });
                                        viewing.set(true);
                                    }
                                >
                                    "View"
                                </button>
                            </td>
                        </tr>
                    }
                })
                .collect_view()}
        </DataTable>
        {pages}
    }
    .into_any()
}

/// The opened message: who it went to, its subject and its text body.
#[component]
fn MessageDialog(action: ServerAction<OpenOutboxMessage>, open: RwSignal<bool>) -> impl IntoView {
    view! {
        <Modal title="Message" open>
            {move || match action.value().get() {
                None => view! { <p class="muted">"Opening the message…"</p> }.into_any(),
                Some(Err(error)) => view! { <LoadError error /> }.into_any(),
                Some(Ok(OutboxMessage { mail: message, text })) => {
                    view! {
                        <dl class="details">
                            <dt>"To"</dt>
                            <dd>{message.to}</dd>
                            <dt>"Subject"</dt>
                            <dd>{message.subject}</dd>
                            <dt>"Kind"</dt>
                            <dd>{kind_with_link(message.kind, message.link)}</dd>
                            <dt>"Created"</dt>
                            <dd>{time(message.created)}</dd>
                            <dt>"Status"</dt>
                            <dd>{status_badge(message.status)}</dd>
                        </dl>
                        {message.link.and_then(LinkState::explain).map(|why| view! { <div class="alert alert-warning" role="note">{why}</div> })}
                        <pre class="mail-body" data-testid="mail-body">{text}</pre>
                    }
                        .into_any()
                }
            }}
        </Modal>
    }
}
