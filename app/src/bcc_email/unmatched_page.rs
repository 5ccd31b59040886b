use leptos::prelude::*;

use crate::bcc_email::api::{list_unmatched_email, AssignUnmatchedEmail, DiscardUnmatchedEmail};
use crate::bcc_email::dto::UnmatchedEmail;
use crate::ui::{field_error, EmptyState, FormAlert, FormField, LoadError, Modal, PageHeader};

/// IT Administration → Unmatched email: BCC email from users that matched no account (kept
/// 30 days), each assignable to an account (optionally adding a recipient as its contact)
/// or discardable; below, refused messages with their reason. Needs Configure Data
/// Connectors (checked by the server).
#[component]
pub fn UnmatchedEmailPage() -> impl IntoView {
    let assign = ServerAction::<AssignUnmatchedEmail>::new();
    let discard = ServerAction::<DiscardUnmatchedEmail>::new();
    let queue = crate::wire::resource(
        move || (assign.version().get(), discard.version().get()),
        |_| list_unmatched_email(),
    );
    let target = RwSignal::new(None::<UnmatchedEmail>);
    let open = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(Ok(())) = assign.value().get() {
            open.set(false);
        }
    });
    let on_assign = move |email: UnmatchedEmail| {
        assign.value().set(None);
        target.set(Some(email));
        open.set(true);
    };
    view! {
        <PageHeader title="Unmatched email" />
        <p class="muted page-intro">
            "BCC email from your users whose recipients matched no account's contacts, kept 30 days. "
            "Assign one to an account (and add its recipient as a contact so the next message matches), or discard it."
        </p>
        <Transition fallback=|| view! { <p class="muted">"Loading unmatched email…"</p> }>
            {move || Suspend::new(async move {
                match queue.await {
                    Ok(queue) => view! {
                        <section class="card">
                            <h2>"Unmatched"</h2>
                            {if queue.unmatched.is_empty() {
                                view! { <EmptyState title="No unmatched email">"Email from your users that matches no contact shows up here."</EmptyState> }.into_any()
                            } else {
                                view! {
                                    <div class="table-wrap">
                                        <table class="table" data-testid="unmatched-table">
                                            <caption class="visually-hidden">"Unmatched email"</caption>
                                            <thead><tr>
                                                <th scope="col">"Received"</th><th scope="col">"From"</th>
                                                <th scope="col">"Subject"</th><th scope="col">"Recipients"</th>
                                                <th scope="col">"Attachments"</th><th scope="col">"Actions"</th>
                                            </tr></thead>
                                            <tbody>
                                                {queue.unmatched.into_iter().map(|email| {
                                                    let chosen = email.clone();
                                                    let id = email.id.to_string();
                                                    view! {
                                                        <tr>
                                                            <td>{email.received}</td>
                                                            <td>{email.from}</td>
                                                            <th scope="row">{email.subject}</th>
                                                            <td>{email.recipients.join(", ")}</td>
                                                            <td>{email.attachments.iter().map(|a| format!("{} ({} bytes)", a.name, a.bytes)).collect::<Vec<_>>().join(", ")}</td>
                                                            <td class="row-actions">
                                                                <button type="button" class="btn btn-primary" on:click=move |_| on_assign(chosen.clone())>"Assign"</button>
                                                                <ActionForm action=discard>
                                                                    <input type="hidden" name="id" value=id />
                                                                    <button type="submit" class="btn btn-ghost">"Discard"</button>
                                                                </ActionForm>
                                                            </td>
                                                        </tr>
                                                    }
                                                }).collect_view()}
                                            </tbody>
                                        </table>
                                    </div>
                                }.into_any()
                            }}
                        </section>
                        <section class="card">
                            <h2>"Refused"</h2>
                            <p class="muted">"Messages Steward did not accept, with the reason."</p>
                            {if queue.refused.is_empty() {
                                view! { <EmptyState title="No refused email">"Nothing was refused in the last 30 days."</EmptyState> }.into_any()
                            } else {
                                view! {
                                    <div class="table-wrap">
                                        <table class="table" data-testid="refused-table">
                                            <caption class="visually-hidden">"Refused email"</caption>
                                            <thead><tr>
                                                <th scope="col">"Received"</th><th scope="col">"From"</th>
                                                <th scope="col">"Subject"</th><th scope="col">"Reason"</th>
                                            </tr></thead>
                                            <tbody>
                                                {queue.refused.into_iter().map(|email| view! {
                                                    <tr>
                                                        <td>{email.received}</td><td>{email.from}</td>
                                                        <th scope="row">{email.subject}</th><td>{email.reason}</td>
                                                    </tr>
                                                }).collect_view()}
                                            </tbody>
                                        </table>
                                    </div>
                                }.into_any()
                            }}
                        </section>
                    }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
        <AssignDialog action=assign email=target open />
    }
}

/// Assigning an unmatched email: the account's id, and optionally one recipient to add as
/// a contact of that account.
#[component]
fn AssignDialog(
    /// The assign action (owned by the page so the list refreshes after it).
    action: ServerAction<AssignUnmatchedEmail>,
    /// The email to assign. Set before `open`.
    email: RwSignal<Option<UnmatchedEmail>>,
    /// Whether the dialog is shown.
    open: RwSignal<bool>,
) -> impl IntoView {
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    view! {
        <Modal title="Assign to an account" open>
            {move || email.get().map(|email| view! {
                <p>"Assign " <strong>{email.subject.clone()}</strong> " from " {email.from.clone()} " to an account."</p>
                <ActionForm action>
                    <input type="hidden" name="id" value=email.id.to_string() />
                    <FormField
                        label="Account id"
                        name="account_id"
                        autocomplete="off"
                        required=true
                        hint="The account's id, as on its page and in the Account API."
                        error=field_error(error, "account_id")
                    />
                    <div class="field">
                        <label for="assign-contact">"Add a recipient as a contact of the account"</label>
                        <select id="assign-contact" name="add_contact">
                            <option value="">"No, only assign"</option>
                            {email.recipients.iter().map(|r| view! { <option value=r.clone()>{r.clone()}</option> }).collect_view()}
                        </select>
                        {move || field_error(error, "add_contact").get().map(|m| view! { <p class="field-error">{m}</p> })}
                    </div>
                    <FormAlert error />
                    <div class="form-actions">
                        <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>
                            {move || if action.pending().get() { "Assigning…" } else { "Assign" }}
                        </button>
                        <button type="button" class="btn btn-ghost" on:click=move |_| open.set(false)>"Cancel"</button>
                    </div>
                </ActionForm>
            })}
        </Modal>
    }
}
