use leptos::prelude::*;

use crate::ui::{field_error, Badge, FormAlert, Modal, Tone};
use crate::users::api::InviteUsers;
use crate::users::dto::{InviteOutcome, RoleOption, UserQuery};

/// "New users": pick one role, paste one or many addresses; the answer lists every address
/// with what happened to it.
#[component]
pub fn NewUsersDialog(
    /// The invite action (owned by the page so the list refreshes after it).
    action: ServerAction<InviteUsers>,
    /// Roles to choose from.
    roles: Vec<RoleOption>,
    /// Whether the dialog is open (owned by the page, so it survives the list refreshing).
    open: RwSignal<bool>,
) -> impl IntoView {
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let roles = StoredValue::new(roles);
    view! {
        <button type="button" class="btn btn-primary" on:click=move |_| {
            action.value().set(None);
            open.set(true);
        }>"New users"</button>
        <Modal title="New users" open>
            <ActionForm action>
                <div class="field">
                    <label for="invite-role">"Role"</label>
                    <select id="invite-role" name="role_id" required>
                        {roles
                            .get_value()
                            .into_iter()
                            .map(|role| view! { <option value=role.id.to_string()>{role.name}</option> })
                            .collect_view()}
                    </select>
                    <p class="field-error">{move || field_error(error, "role_id").get()}</p>
                </div>
                <div class="field">
                    <label for="invite-emails">"Email addresses"</label>
                    <textarea id="invite-emails" name="emails" rows="4" required placeholder="ada@example.com, grace@example.com"></textarea>
                    <p class="field-hint">"Separate addresses with commas, semicolons, spaces or new lines. Each person gets an email with a link to finish setting up."</p>
                    <p class="field-error">{move || field_error(error, "emails").get()}</p>
                </div>
                <FormAlert error />
                <div class="form-actions">
                    <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>
                        {move || if action.pending().get() { "Inviting…" } else { "Invite" }}
                    </button>
                    <button type="button" class="btn btn-ghost" on:click=move |_| open.set(false)>"Done"</button>
                </div>
            </ActionForm>
            {move || {
                action
                    .value()
                    .get()
                    .and_then(Result::ok)
                    .map(|results| {
                        view! {
                            <ul class="invite-results" data-testid="invite-results">
                                {results
                                    .into_iter()
                                    .map(|result| {
                                        let outcome = match result.outcome {
                                            InviteOutcome::Invited => view! { <Badge tone=Tone::Success>"Invited"</Badge> }.into_any(),
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
                        }
                    })
            }}
        </Modal>
    }
}
