use leptos::prelude::*;

use crate::accounts::api::{AssignCsm, UnassignCsm};
use crate::accounts::dto::{AssignmentSource, CsmAssignmentRow, CsmChoice};
use crate::error::AppError;
use crate::ui::{field_error, Badge, EmptyState, FormAlert, Tone};

/// The account's CSMs and where each assignment came from; with Update Accounts, forms to
/// assign a CSM-seat user and to unassign. Both are plain forms, so they work without
/// JavaScript too.
#[component]
pub fn CsmPanel(
    /// Our id of the account.
    account_pk: i32,
    /// Assigned now.
    csms: Vec<CsmAssignmentRow>,
    /// Unassigned by hand (the API will not assign them again).
    unassigned_by_hand: Vec<CsmAssignmentRow>,
    /// The caller may assign and unassign.
    can_update: bool,
    /// Active CSM-seat users not assigned yet.
    choices: Vec<CsmChoice>,
    assign: ServerAction<AssignCsm>,
    unassign: ServerAction<UnassignCsm>,
) -> impl IntoView {
    let assign_error: Signal<Option<AppError>> =
        Signal::derive(move || assign.value().get().and_then(Result::err));
    let unassign_error: Signal<Option<AppError>> =
        Signal::derive(move || unassign.value().get().and_then(Result::err));
    let list = if csms.is_empty() {
        view! {
            <EmptyState title="No CSM assigned">
                <p>
                    "A CSM is assigned by the Account API ("
                    <code>"assigned_csms"</code>
                    ") or by hand here, by someone with Update Accounts."
                </p>
            </EmptyState>
        }
        .into_any()
    } else {
        view! {
            <ul class="csm-list">
                {csms
                    .into_iter()
                    .map(|csm| {
                        let source = match &csm.source {
                            AssignmentSource::Api => view! { <Badge tone=Tone::Info>"API"</Badge> }.into_any(),
                            AssignmentSource::Salesforce { .. } => {
                                view! { <Badge tone=Tone::Info>{csm.source.label()}</Badge> }.into_any()
                            }
                            AssignmentSource::Manual { .. } => {
                                view! { <Badge tone=Tone::Warning>{csm.source.label()}</Badge> }.into_any()
                            }
                        };
                        let form = can_update
                            .then(|| {
                                let label = format!("Unassign {}", csm.name);
                                view! {
                                    <ActionForm action=unassign attr:class="inline-form">
                                        <input type="hidden" name="account_pk" value=account_pk.to_string() />
                                        <input type="hidden" name="user_id" value=csm.user_id.to_string() />
                                        <button
                                            type="submit"
                                            class="btn btn-ghost btn-small"
                                            aria-label=label
                                            disabled=move || unassign.pending().get()
                                        >
                                            "Unassign"
                                        </button>
                                    </ActionForm>
                                }
                            });
                        view! {
                            <li class="csm-item">
                                <span class="csm-name">
                                    <span class="strong">{csm.name.clone()}</span>
                                    " "
                                    <span class="muted small">{csm.email.clone()}</span>
                                </span>
                                {source}
                                {form}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        }
        .into_any()
    };
    let unassigned = (!unassigned_by_hand.is_empty()).then(|| {
        let names = unassigned_by_hand
            .iter()
            .map(|c| format!("{} ({})", c.name, c.source.detail()))
            .collect::<Vec<_>>()
            .join("; ");
        view! {
            <p class="muted small">
                "Unassigned by hand, so the Account API will not assign them again: "
                {names}
            </p>
        }
    });
    let assign_form = can_update.then(|| {
        if choices.is_empty() {
            return view! {
                <p class="muted small">
                    "Everyone with a CSM seat is assigned. People get the seat through their role (Management Center → Roles)."
                </p>
            }
            .into_any();
        }
        let options = choices
            .into_iter()
            .map(|c| view! { <option value=c.user_id.to_string()>{c.label}</option> })
            .collect_view();
        view! {
            <ActionForm action=assign attr:class="assign-form">
                <input type="hidden" name="account_pk" value=account_pk.to_string() />
                <div class="field">
                    <label for="assign-csm">"Assign a CSM"</label>
                    <div class="field-row">
                        <select id="assign-csm" name="user_id" required>
                            {options}
                        </select>
                        <button type="submit" class="btn btn-primary" disabled=move || assign.pending().get()>
                            {move || if assign.pending().get() { "Assigning…" } else { "Assign" }}
                        </button>
                    </div>
                    <p class="field-error">{move || field_error(assign_error, "user_id").get()}</p>
                </div>
            </ActionForm>
        }
        .into_any()
    });
    view! {
        {list}
        {unassigned}
        <FormAlert error=unassign_error />
        <FormAlert error=assign_error />
        {assign_form}
    }
}
