use leptos::prelude::*;

use crate::mail::{kept_in_outbox, OutboxNote};
use crate::ui::{field_error, Badge, FormAlert, Modal, Tone};
use crate::users::api::InviteUsers;
use crate::users::dto::{InviteOutcome, InviteResult, RoleOption, UserQuery};

/// The "New users" button of the toolbar. Each opening starts clean: no answer from an
/// earlier use, no role chosen.
#[component]
pub fn NewUsersButton(
    /// The invite action (owned by the page so the list refreshes after it).
    action: ServerAction<InviteUsers>,
    /// Whether the dialog is open (owned by the page).
    open: RwSignal<bool>,
) -> impl IntoView {
    view! {
        <button type="button" class="btn btn-primary" on:click=move |_| {
            action.value().set(None);
            open.set(true);
        }>"New users"</button>
    }
}

/// "New users": pick one role, paste one or many addresses; the answer lists every address
/// with what happened to it and the role it was given. Lives outside the list, so the list
/// refreshing after an invitation keeps the chosen role and the answer in place.
#[component]
pub fn NewUsersDialog(
    /// The invite action (owned by the page so the list refreshes after it).
    action: ServerAction<InviteUsers>,
    /// Roles to choose from.
    #[prop(into)]
    roles: Signal<Vec<RoleOption>>,
    /// Whether the dialog is open (owned by the page).
    open: RwSignal<bool>,
    /// Whether mail leaves Steward (false: invitations wait in the Outbox).
    #[prop(into)]
    relay_configured: Signal<bool>,
) -> impl IntoView {
    // Nothing is preselected: the most powerful role must never be the silent default.
    let role = RwSignal::new(None::<i32>);
    let emails = RwSignal::new(String::new());
    Effect::new(move |was_open: Option<bool>| {
        let is_open = open.get();
        if is_open && was_open != Some(true) {
            role.set(None);
            emails.set(String::new());
        }
        is_open
    });
    // After an answer, the box keeps only the addresses that still need attention.
    Effect::new(move |_| {
        if let Some(Ok(results)) = action.value().get() {
            emails.set(retry_addresses(&results));
        }
    });
    let roles = Memo::new(move |_| roles.get());
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(role_id) = role.get_untracked() {
            action.dispatch(InviteUsers {
                role_id: Some(role_id),
                emails: emails.get_untracked(),
            });
        }
    };
    view! {
        <Modal title="New users" open>
            <form on:submit=submit>
                <div class="field">
                    <label for="invite-role">"Role"</label>
                    <select
                        id="invite-role"
                        name="role_id"
                        required
                        on:change=move |ev| role.set(event_target_value(&ev).parse().ok())
                    >
                        <option value="" disabled prop:selected=move || role.get().is_none()>"Choose a role…"</option>
                        {move || {
                            roles
                                .get()
                                .into_iter()
                                .map(|option| {
                                    let id = option.id;
                                    view! {
                                        <option value=id.to_string() prop:selected=move || role.get() == Some(id)>
                                            {option.name}
                                        </option>
                                    }
                                })
                                .collect_view()
                        }}
                    </select>
                    <p class="field-hint">"Everyone in this request gets the role you choose; it stays chosen for the next request."</p>
                    <p class="field-error">{move || field_error(error, "role_id").get()}</p>
                </div>
                <div class="field">
                    <label for="invite-emails">"Email addresses"</label>
                    <textarea
                        id="invite-emails"
                        name="emails"
                        rows="4"
                        required
                        placeholder="ada@example.com, grace@example.com"
                        prop:value=emails
                        on:input=move |ev| emails.set(event_target_value(&ev))
                    ></textarea>
                    <p class="field-hint">"Separate addresses with commas, semicolons, spaces or new lines. Each person gets an email with a link to finish setting up."</p>
                    <p class="field-error">{move || field_error(error, "emails").get()}</p>
                </div>
                <FormAlert error />
                <div class="form-actions">
                    <button type="submit" class="btn btn-primary" disabled=move || action.pending().get() || role.get().is_none()>
                        {move || if action.pending().get() { "Inviting…" } else { "Invite" }}
                    </button>
                    <button type="button" class="btn btn-ghost" on:click=move |_| open.set(false)>"Done"</button>
                    {move || role.get().is_none().then(|| view! { <span class="muted small" data-testid="invite-role-needed">"Choose a role to invite."</span> })}
                </div>
            </form>
            {move || action.value().get().and_then(Result::ok).map(|results| view! { <InviteResults results relay_configured /> })}
        </Modal>
    }
}

/// The addresses of an answer that were not invited for a reason the typist can fix.
fn retry_addresses(results: &[InviteResult]) -> String {
    results
        .iter()
        .filter(|r| {
            matches!(
                r.outcome,
                InviteOutcome::Invalid(_) | InviteOutcome::Refused(_)
            )
        })
        .map(|r| r.address.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[component]
fn InviteResults(results: Vec<InviteResult>, relay_configured: Signal<bool>) -> impl IntoView {
    let invited = results
        .iter()
        .filter(|r| r.outcome == InviteOutcome::Invited)
        .count();
    view! {
        <ul class="invite-results" data-testid="invite-results">
            {results
                .into_iter()
                .map(|result| {
                    let outcome = match result.outcome {
                        InviteOutcome::Invited => {
                            view! { <Badge tone=Tone::Success>"Invited"</Badge> " " <span>{format!("as {}", result.role)}</span> }.into_any()
                        }
                        InviteOutcome::Invalid(reason) => {
                            view! { <Badge tone=Tone::Danger>"Invalid"</Badge> " " <span>{reason}</span> }.into_any()
                        }
                        InviteOutcome::Refused(reason) => {
                            view! { <Badge tone=Tone::Danger>"Not invited"</Badge> " " <span>{reason}</span> }.into_any()
                        }
                        InviteOutcome::AlreadyUser { status, .. } => {
                            let href = UserQuery { tab: status, search: result.address.clone(), ..Default::default() }.href();
                            view! {
                                <Badge tone=Tone::Warning>"Already a user"</Badge>
                                " "
                                <a href=href>{format!("{} user", status.label().to_lowercase())}</a>
                            }
                                .into_any()
                        }
                    };
                    view! { <li><code>{result.address}</code> " " {outcome}</li> }
                })
                .collect_view()}
        </ul>
        {move || {
            (invited > 0 && !relay_configured.get())
                .then(|| {
                    let what = if invited == 1 { "The invitation" } else { "Each invitation" };
                    view! { <OutboxNote message=kept_in_outbox(what) /> }
                })
        }}
    }
}
