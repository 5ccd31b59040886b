use leptos::prelude::*;

use crate::profile::api::{list_my_sessions, EndMyOtherSessions, EndMySession};
use crate::profile::dto::MySession;
use crate::time_label::TimeLabel;
use crate::ui::{use_toasts, Badge, Column, DataTable, FormAlert, LoadError, Tone};

/// Where you are signed in: device, address, when, last seen; sign out one session or every
/// one but this. Works without JavaScript.
#[component]
pub fn SessionsPanel() -> impl IntoView {
    let toasts = use_toasts();
    let end_one = ServerAction::<EndMySession>::new();
    let end_others = ServerAction::<EndMyOtherSessions>::new();
    let sessions = crate::wire::resource(
        move || (end_one.version().get(), end_others.version().get()),
        |_| list_my_sessions(),
    );
    let error = Signal::derive(move || {
        end_one
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| end_others.value().get().and_then(Result::err))
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = end_one.value().get() {
            toasts.success("That session was signed out.");
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(ended)) = end_others.value().get() {
            toasts.success(match ended {
                0 => "You were not signed in anywhere else.".to_owned(),
                1 => "1 other session was signed out.".to_owned(),
                n => format!("{n} other sessions were signed out."),
            });
        }
    });
    let time =
        |label: TimeLabel| view! { <time class="nowrap" title=label.exact>{label.relative}</time> };
    let row = move |session: MySession| {
        let action = if session.current {
            view! { <Badge tone=Tone::Success>"This session"</Badge> }.into_any()
        } else {
            let label = format!(
                "Sign out {} ({})",
                session.device, session.signed_in.relative
            );
            view! {
                <ActionForm action=end_one attr:class="inline-form">
                    <input type="hidden" name="id" value=session.id.to_string() />
                    <button type="submit" class="btn btn-secondary btn-small" aria-label=label>
                        "Sign out"
                    </button>
                </ActionForm>
            }
            .into_any()
        };
        view! {
            <tr class:session-current=session.current>
                <td>{session.device}</td>
                <td class="nowrap">{session.address.unwrap_or_else(|| "Unknown".to_owned())}</td>
                <td>{time(session.signed_in)}</td>
                <td>{time(session.last_seen)}</td>
                <td>{action}</td>
            </tr>
        }
    };
    view! {
        <section class="card">
            <div class="card-heading">
                <h2>"Where you are signed in"</h2>
                <ActionForm action=end_others>
                    <button type="submit" class="btn btn-danger" disabled=move || end_others.pending().get()>
                        "Sign out everywhere else"
                    </button>
                </ActionForm>
            </div>
            <FormAlert error />
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match sessions.await {
                        Ok(list) => {
                            view! {
                                <DataTable
                                    caption="Your signed-in sessions"
                                    columns=["Device", "Address", "Signed in", "Last seen", ""]
                                        .into_iter()
                                        .map(Column::plain)
                                        .collect()
                                >
                                    {list.into_iter().map(row).collect_view()}
                                </DataTable>
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
