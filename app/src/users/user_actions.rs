//! What an administrator can do to users from the Users page: a menu per row, one dialog
//! that confirms or edits, and the bulk bar for selected rows. The actions are owned by the
//! page, so the list refreshes after any of them and the dialog survives that refresh.
use leptos::prelude::*;

use crate::error::AppError;
use crate::mail::{kept_in_outbox, OutboxNote};
use crate::ui::{field_error, use_toasts, Badge, CopyButton, FormAlert, FormField, Modal, Tone};
use crate::users::api::{
    BulkUpdateUsers, CopyInvitationLink, DeactivateUser, DisableUserTwoFactor, ReactivateUser,
    ResendInvitation, RevokeInvitation, SendPasswordReset, UpdateUser,
};
use crate::users::dto::{BulkAction, BulkOutcome, RoleOption, UserRow, UserTab};

/// One-user actions that only need a confirmation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Confirm {
    Delete,
    Reactivate,
    Resend,
    CopyLink,
    Revoke,
    ResetPassword,
    DisableTwoFactor,
}

impl Confirm {
    fn title(self) -> &'static str {
        match self {
            Confirm::Delete => "Delete user",
            Confirm::Reactivate => "Reactivate user",
            Confirm::Resend => "Resend invitation",
            Confirm::CopyLink => "Copy invitation link",
            Confirm::Revoke => "Revoke invitation",
            Confirm::ResetPassword => "Reset password",
            Confirm::DisableTwoFactor => "Turn off two-factor sign-in",
        }
    }

    fn explain(self, user: &UserRow) -> String {
        let who = &user.email;
        match self {
            Confirm::Delete => format!("{who} moves to Inactive and is signed out everywhere at once. Their history and account assignments stay; you can reactivate them later."),
            Confirm::Reactivate => format!("{who} moves back to Active, or to Pending with a fresh invitation email if they never finished setting up."),
            Confirm::Resend => format!("{who} gets a new invitation email. The link sent before stops working."),
            Confirm::CopyLink => format!("Get a new setup link for {who} to pass on yourself, when the email does not arrive. Any link sent before stops working."),
            Confirm::Revoke => format!("The invitation link for {who} stops working and they move to Inactive. Reactivating them later sends a fresh invitation."),
            Confirm::ResetPassword => format!("{who} gets an email with a link to choose a new password, valid 24 hours. Their current password keeps working until they use it."),
            Confirm::DisableTwoFactor => format!("{who} signs in with their password only from now on; their authenticator and recovery codes stop working. They are told by email."),
        }
    }

    fn button(self) -> &'static str {
        match self {
            Confirm::Delete => "Delete",
            Confirm::Reactivate => "Reactivate",
            Confirm::Resend => "Resend",
            Confirm::CopyLink => "Get link",
            Confirm::Revoke => "Revoke",
            Confirm::ResetPassword => "Send reset link",
            Confirm::DisableTwoFactor => "Turn off 2FA",
        }
    }

    fn done(self, user: &UserRow) -> String {
        let who = &user.email;
        match self {
            Confirm::Delete => format!("{who} was deleted and signed out."),
            Confirm::Reactivate => format!("{who} was reactivated."),
            Confirm::Resend => format!("A new invitation is on its way to {who}."),
            Confirm::CopyLink => String::new(),
            Confirm::Revoke => format!("The invitation for {who} was revoked."),
            Confirm::ResetPassword => format!("A password reset link is on its way to {who}."),
            Confirm::DisableTwoFactor => format!("Two-factor sign-in is off for {who}."),
        }
    }

    /// What to say instead of `done` when the action emailed someone but no relay is
    /// configured, so the message waits in the Outbox; None when it emailed nobody.
    /// `pending_again`: a reactivated user went back to Pending with a new invitation.
    fn kept_in_outbox(self, user: &UserRow, pending_again: bool) -> Option<String> {
        let who = &user.email;
        let what = match self {
            Confirm::Resend => format!("The new invitation for {who}"),
            Confirm::ResetPassword => format!("The password reset link for {who}"),
            Confirm::Reactivate if pending_again => {
                format!("{who} was reactivated. Their new invitation")
            }
            _ => return None,
        };
        Some(kept_in_outbox(&what))
    }

    fn danger(self) -> bool {
        matches!(
            self,
            Confirm::Delete | Confirm::Revoke | Confirm::DisableTwoFactor
        )
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Dialog {
    /// The row's list of actions.
    Menu(UserRow, UserTab),
    Edit(UserRow),
    Confirm(Confirm, UserRow),
    Bulk(BulkAction),
}

/// Every action of the page, plus the open dialog and the selected rows.
#[derive(Clone, Copy)]
pub struct UserActions {
    pub update: ServerAction<UpdateUser>,
    pub deactivate: ServerAction<DeactivateUser>,
    pub reactivate: ServerAction<ReactivateUser>,
    pub resend: ServerAction<ResendInvitation>,
    pub copy_link: ServerAction<CopyInvitationLink>,
    pub revoke: ServerAction<RevokeInvitation>,
    pub reset_password: ServerAction<SendPasswordReset>,
    pub disable_two_factor: ServerAction<DisableUserTwoFactor>,
    pub bulk: ServerAction<BulkUpdateUsers>,
    pub dialog: RwSignal<Option<Dialog>>,
    pub selected: RwSignal<Vec<i32>>,
    /// Whether mail leaves Steward; set by the page from the list's answer. Without a relay
    /// the dialogs say the message waits in the Outbox instead of "on its way".
    pub relay_configured: RwSignal<bool>,
}

impl UserActions {
    pub fn new() -> Self {
        Self {
            update: ServerAction::new(),
            deactivate: ServerAction::new(),
            reactivate: ServerAction::new(),
            resend: ServerAction::new(),
            copy_link: ServerAction::new(),
            revoke: ServerAction::new(),
            reset_password: ServerAction::new(),
            disable_two_factor: ServerAction::new(),
            bulk: ServerAction::new(),
            dialog: RwSignal::new(None),
            selected: RwSignal::new(vec![]),
            relay_configured: RwSignal::new(true),
        }
    }

    /// Changes whenever any action completes: the list reloads on it.
    pub fn version(&self) -> usize {
        self.update.version().get()
            + self.deactivate.version().get()
            + self.reactivate.version().get()
            + self.resend.version().get()
            + self.copy_link.version().get()
            + self.revoke.version().get()
            + self.reset_password.version().get()
            + self.disable_two_factor.version().get()
            + self.bulk.version().get()
    }

    /// Opens `dialog` clean. A Leptos action keeps its last answer until the next one
    /// arrives, so every answer from an earlier use is dropped here; otherwise a dialog
    /// would show (or act on) what another dialog was answered.
    fn open(&self, dialog: Dialog) {
        self.update.value().set(None);
        self.deactivate.value().set(None);
        self.reactivate.value().set(None);
        self.resend.value().set(None);
        self.copy_link.value().set(None);
        self.revoke.value().set(None);
        self.reset_password.value().set(None);
        self.disable_two_factor.value().set(None);
        self.bulk.value().set(None);
        self.dialog.set(Some(dialog));
    }
}

impl Default for UserActions {
    fn default() -> Self {
        Self::new()
    }
}

/// What can be done to `user` on `tab`, in menu order.
fn menu_items(user: &UserRow, tab: UserTab) -> Vec<(&'static str, Dialog)> {
    let confirm = |label: &'static str, kind: Confirm| (label, Dialog::Confirm(kind, user.clone()));
    let mut items = vec![("Edit", Dialog::Edit(user.clone()))];
    match tab {
        UserTab::Active => {
            items.push(confirm("Reset password", Confirm::ResetPassword));
            if user.two_factor {
                items.push(confirm("Turn off 2FA", Confirm::DisableTwoFactor));
            }
            items.push(confirm("Delete", Confirm::Delete));
        }
        UserTab::Inactive => items.push(confirm("Reactivate", Confirm::Reactivate)),
        UserTab::Pending => {
            items.push(confirm("Resend invitation", Confirm::Resend));
            items.push(confirm("Copy link", Confirm::CopyLink));
            items.push(confirm("Revoke", Confirm::Revoke));
        }
    }
    items
}

/// The "Actions" button of one row. It opens the page's dialog with the row's choices
/// (a dialog rather than a drop-down: the table scrolls sideways and would clip one).
#[component]
pub fn RowActions(user: UserRow, tab: UserTab, actions: UserActions) -> impl IntoView {
    let label = format!("Actions for {}", user.email);
    view! {
        <button type="button" class="btn btn-ghost btn-small" aria-label=label aria-haspopup="dialog" on:click=move |_| {
            actions.open(Dialog::Menu(user.clone(), tab))
        }>"Actions ▾"</button>
    }
}

#[component]
fn ActionMenu(user: UserRow, tab: UserTab, actions: UserActions) -> impl IntoView {
    view! {
        <div class="action-menu" role="menu" aria-label=format!("Actions for {}", user.email)>
            {menu_items(&user, tab)
                .into_iter()
                .map(|(label, dialog)| {
                    let danger = matches!(dialog, Dialog::Confirm(kind, _) if kind.danger());
                    view! {
                        <button
                            type="button"
                            role="menuitem"
                            class="action-menu-item"
                            class:action-menu-danger=danger
                            on:click=move |_| actions.open(dialog.clone())
                        >
                            {label}
                        </button>
                    }
                })
                .collect_view()}
        </div>
    }
}

/// The one dialog of the page: edit form, confirmation, copied link or bulk result.
#[component]
pub fn UserActionDialog(
    actions: UserActions,
    #[prop(into)] roles: Signal<Vec<RoleOption>>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    // Two-way link between the modal's open flag and the dialog choice. Each side is set
    // only when it differs: a signal notifies on every set, so setting unconditionally
    // would make the two effects wake each other forever.
    Effect::new(move |_| {
        let wanted = actions.dialog.read().is_some();
        if open.get_untracked() != wanted {
            open.set(wanted);
        }
    });
    Effect::new(move |_| {
        if !open.get() && actions.dialog.with_untracked(Option::is_some) {
            actions.dialog.set(None);
        }
    });
    let title = move || match actions.dialog.get() {
        Some(Dialog::Menu(user, _)) => user.email,
        Some(Dialog::Edit(_)) => "Edit user".to_owned(),
        Some(Dialog::Confirm(kind, _)) => kind.title().to_owned(),
        Some(Dialog::Bulk(action)) => format!("{} for selected users", action.label()),
        None => String::new(),
    };
    view! {
        {move || {
            let title = title();
            view! {
                <Modal title open>
                    {move || match actions.dialog.get() {
                        Some(Dialog::Menu(user, tab)) => view! { <ActionMenu user tab actions /> }.into_any(),
                        Some(Dialog::Edit(user)) => view! { <EditForm user actions roles=roles.get_untracked() /> }.into_any(),
                        Some(Dialog::Confirm(Confirm::DisableTwoFactor, user)) => view! { <TwoFactorOffForm user actions /> }.into_any(),
                        Some(Dialog::Confirm(kind, user)) => view! { <ConfirmForm kind user actions /> }.into_any(),
                        Some(Dialog::Bulk(action)) => view! { <BulkForm action actions roles=roles.get_untracked() /> }.into_any(),
                        None => ().into_any(),
                    }}
                </Modal>
            }
        }}
    }
}

#[component]
fn EditForm(user: UserRow, actions: UserActions, roles: Vec<RoleOption>) -> impl IntoView {
    let action = actions.update;
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let toasts = use_toasts();
    let email = user.email.clone();
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            toasts.success(format!("Saved {email}."));
            actions.dialog.set(None);
        }
    });
    let field = move |id: &'static str,
                      label: &'static str,
                      name: &'static str,
                      value: String,
                      kind: &'static str| {
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <input id=id name=name type=kind value=value />
                <p class="field-error">{move || field_error(error, name).get()}</p>
            </div>
        }
    };
    let role_options = roles
        .into_iter()
        .map(|role| {
            let selected = role.id == user.role_id;
            view! { <option value=role.id.to_string() selected=selected>{role.name}</option> }
        })
        .collect_view();
    view! {
        <ActionForm action>
            <input type="hidden" name="user_id" value=user.id.to_string() />
            {field("edit-name", "Name", "name", user.name.clone(), "text")}
            {field("edit-email", "Username (email)", "email", user.email.clone(), "email")}
            <div class="field">
                <label for="edit-role">"Role"</label>
                <select id="edit-role" name="role_id">{role_options}</select>
                <p class="field-error">{move || field_error(error, "role_id").get()}</p>
            </div>
            {field("edit-title", "Title", "title", user.title.clone().unwrap_or_default(), "text")}
            {field("edit-phone", "Phone", "phone", user.phone.clone().unwrap_or_default(), "tel")}
            <FormAlert error />
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Saving…" } else { "Save" }}
                </button>
                <button type="button" class="btn btn-ghost" on:click=move |_| actions.dialog.set(None)>"Cancel"</button>
            </div>
        </ActionForm>
    }
}

#[component]
fn ConfirmForm(kind: Confirm, user: UserRow, actions: UserActions) -> impl IntoView {
    let user_id = user.id;
    // The state of whichever action this dialog runs, read the same way for all of them.
    let Watched {
        pending,
        error,
        finished,
        clear,
    } = match kind {
        Confirm::Delete => watch(actions.deactivate),
        Confirm::Reactivate => watch(actions.reactivate),
        Confirm::Resend => watch(actions.resend),
        Confirm::CopyLink => watch(actions.copy_link),
        Confirm::Revoke => watch(actions.revoke),
        Confirm::ResetPassword => watch(actions.reset_password),
        Confirm::DisableTwoFactor => watch(actions.disable_two_factor),
    };
    let started = RwSignal::new(false);
    // Set when the answer came but the mail it sent waits in the Outbox: the dialog stays
    // open to say so, with a link there.
    let kept = RwSignal::new(None::<String>);
    let toasts = use_toasts();
    let done_message = kind.done(&user);
    let row = user.clone();
    Effect::new(move |_| {
        if started.get() && finished.get() && kind != Confirm::CopyLink {
            let pending_again = matches!(
                actions.reactivate.value().get_untracked(),
                Some(Ok(UserTab::Pending))
            );
            match kind
                .kept_in_outbox(&row, pending_again)
                .filter(|_| !actions.relay_configured.get_untracked())
            {
                Some(note) => kept.set(Some(note)),
                None => {
                    toasts.success(done_message.clone());
                    actions.dialog.set(None);
                }
            }
        }
    });
    let run = move |_| {
        // Only this run's answer may close the dialog: drop any earlier one first.
        clear.run(());
        started.set(true);
        match kind {
            Confirm::Delete => drop(actions.deactivate.dispatch(DeactivateUser { user_id })),
            Confirm::Reactivate => drop(actions.reactivate.dispatch(ReactivateUser { user_id })),
            Confirm::Resend => drop(actions.resend.dispatch(ResendInvitation { user_id })),
            Confirm::CopyLink => drop(actions.copy_link.dispatch(CopyInvitationLink { user_id })),
            Confirm::Revoke => drop(actions.revoke.dispatch(RevokeInvitation { user_id })),
            Confirm::ResetPassword => drop(
                actions
                    .reset_password
                    .dispatch(SendPasswordReset { user_id }),
            ),
            // Needs the administrator's password and a reason: TwoFactorOffForm.
            Confirm::DisableTwoFactor => {}
        }
    };
    let link = move || {
        if started.get() {
            actions.copy_link.value().get().and_then(Result::ok)
        } else {
            None
        }
    };
    let error = Signal::derive(move || if started.get() { error.get() } else { None });
    view! {
        <p>{kind.explain(&user)}</p>
        <FormAlert error />
        {move || match (link(), kept.get()) {
            (Some(link), _) => view! { <CopyLinkBox link /> }.into_any(),
            (None, Some(message)) => view! {
                <OutboxNote message />
                <div class="form-actions">
                    <button type="button" class="btn btn-primary" on:click=move |_| actions.dialog.set(None)>"Done"</button>
                </div>
            }
                .into_any(),
            (None, None) => view! {
                <div class="form-actions">
                    <button
                        type="button"
                        class=if kind.danger() { "btn btn-danger" } else { "btn btn-primary" }
                        disabled=move || pending.get()
                        on:click=run
                    >
                        {move || if pending.get() { "Working…" } else { kind.button() }}
                    </button>
                    <button type="button" class="btn btn-ghost" on:click=move |_| actions.dialog.set(None)>"Cancel"</button>
                </div>
            }
                .into_any(),
        }}
    }
}

/// The state of one action, read the same way whichever action a confirmation runs.
struct Watched {
    pending: Signal<bool>,
    error: Signal<Option<AppError>>,
    finished: Signal<bool>,
    /// Drops the action's last answer.
    clear: Callback<()>,
}

fn watch<A, T>(action: ServerAction<A>) -> Watched
where
    A: leptos::server_fn::ServerFn<Output = T, Error = AppError> + Clone + Send + Sync + 'static,
    T: Clone + Send + Sync + 'static,
{
    let value = action.value();
    Watched {
        pending: action.pending().into(),
        error: Signal::derive(move || value.get().and_then(Result::err)),
        finished: Signal::derive(move || matches!(value.get(), Some(Ok(_)))),
        clear: Callback::new(move |()| value.set(None)),
    }
}

#[component]
fn CopyLinkBox(link: String) -> impl IntoView {
    view! {
        <div class="field">
            <label for="invitation-link">"Setup link"</label>
            <input id="invitation-link" type="text" readonly value=link.clone() data-testid="invitation-link" />
            <p class="field-hint">"Send it to the person yourself. It works once; the previous link no longer works."</p>
        </div>
        <div class="form-actions">
            <CopyButton text=link />
        </div>
    }
}

/// The bar above the table once rows are selected.
#[component]
pub fn BulkBar(tab: UserTab, actions: UserActions, page_ids: Vec<i32>) -> impl IntoView {
    let count = move || actions.selected.read().len();
    let all_ids = page_ids.clone();
    let all_selected = move || {
        !all_ids.is_empty()
            && all_ids
                .iter()
                .all(|id| actions.selected.read().contains(id))
    };
    let toggle_all = move |_| {
        let every = page_ids.clone();
        actions.selected.update(|selected| {
            if every.iter().all(|id| selected.contains(id)) {
                selected.retain(|id| !every.contains(id));
            } else {
                for id in &every {
                    if !selected.contains(id) {
                        selected.push(*id);
                    }
                }
            }
        });
    };
    view! {
        <div class="bulk-bar" data-testid="bulk-bar">
            <label class="checkbox">
                <input type="checkbox" prop:checked=all_selected on:change=toggle_all aria-label="Select every user on this page" />
                " Select page"
            </label>
            <span class="muted">{move || format!("{} selected", count())}</span>
            {BulkAction::for_tab(tab)
                .iter()
                .map(|action| {
                    let action = *action;
                    view! {
                        <button
                            type="button"
                            class="btn btn-secondary btn-small"
                            disabled=move || count() == 0
                            on:click=move |_| actions.open(Dialog::Bulk(action))
                        >
                            {action.label()}
                        </button>
                    }
                })
                .collect_view()}
        </div>
    }
}

#[component]
fn BulkForm(action: BulkAction, actions: UserActions, roles: Vec<RoleOption>) -> impl IntoView {
    let bulk = actions.bulk;
    // No role is preselected: the most powerful one must never be the silent default.
    let role = RwSignal::new(None::<i32>);
    let roles_for_picker = roles;
    let count = actions.selected.get_untracked().len();
    let error = Signal::derive(move || bulk.value().get().and_then(Result::err));
    let run = move |_| {
        let user_ids = actions.selected.get_untracked();
        let role_id = if action == BulkAction::ChangeRole {
            role.get_untracked()
        } else {
            None
        };
        bulk.dispatch(BulkUpdateUsers {
            action,
            role_id,
            user_ids,
        });
    };
    let roles = StoredValue::new(roles_for_picker);
    let role_picker = move || {
        (action == BulkAction::ChangeRole).then(|| {
        view! {
            <div class="field">
                <label for="bulk-role">"New role"</label>
                <select id="bulk-role" on:change=move |ev| role.set(event_target_value(&ev).parse().ok())>
                    <option value="" disabled selected>"Choose a role…"</option>
                    {roles.get_value().into_iter().map(|r| view! { <option value=r.id.to_string()>{r.name}</option> }).collect_view()}
                </select>
            </div>
        }
    })
    };
    let result = move || bulk.value().get().and_then(Result::ok);
    view! {
        {move || match result() {
            Some(outcome) => view! { <BulkResult outcome action actions /> }.into_any(),
            None => view! {
                <p>{format!("{} {count} selected user{}.", action.label(), if count == 1 { "" } else { "s" })}</p>
                {role_picker()}
                <FormAlert error />
                <div class="form-actions">
                    <button
                        type="button"
                        class=if action == BulkAction::Delete { "btn btn-danger" } else { "btn btn-primary" }
                        disabled=move || bulk.pending().get() || (action == BulkAction::ChangeRole && role.get().is_none())
                        on:click=run
                    >
                        {move || if bulk.pending().get() { "Working…".to_owned() } else { format!("{} {count}", action.label()) }}
                    </button>
                    <button type="button" class="btn btn-ghost" on:click=move |_| actions.dialog.set(None)>"Cancel"</button>
                </div>
            }
                .into_any(),
        }}
    }
}

#[component]
fn BulkResult(outcome: BulkOutcome, action: BulkAction, actions: UserActions) -> impl IntoView {
    let failed = outcome.failures.len();
    // Resending mails each user (a bulk reactivation does not say who went back to Pending).
    let may_have_mailed = outcome.succeeded > 0 && action == BulkAction::ResendInvitation;
    let kept = (may_have_mailed && !actions.relay_configured.get_untracked()).then(|| {
        view! { <OutboxNote message=kept_in_outbox("Each new invitation") /> }
    });
    actions
        .selected
        .update(|selected| selected.retain(|id| outcome.failures.iter().any(|f| f.user_id == *id)));
    view! {
        <p data-testid="bulk-summary">
            <Badge tone=Tone::Success>{format!("{} succeeded", outcome.succeeded)}</Badge>
            " "
            {(failed > 0).then(|| view! { <Badge tone=Tone::Danger>{format!("{failed} failed")}</Badge> })}
        </p>
        {(failed > 0).then(|| view! {
            <ul class="invite-results" data-testid="bulk-failures">
                {outcome
                    .failures
                    .into_iter()
                    .map(|f| view! { <li><code>{f.user}</code> " " <span>{f.reason}</span></li> })
                    .collect_view()}
            </ul>
            <p class="muted">"The users that failed stay selected."</p>
        })}
        {kept}
        <div class="form-actions">
            <button type="button" class="btn btn-primary" on:click=move |_| actions.dialog.set(None)>"Done"</button>
        </div>
    }
}

/// Turning off someone's two-factor sign-in: the acting administrator enters their own
/// password (and a code when they use two-factor sign-in) and says why; the server checks
/// both and audits the reason.
#[component]
fn TwoFactorOffForm(user: UserRow, actions: UserActions) -> impl IntoView {
    let action = actions.disable_two_factor;
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let toasts = use_toasts();
    let done_message = Confirm::DisableTwoFactor.done(&user);
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            if actions.relay_configured.get_untracked() {
                toasts.success(done_message.clone());
            } else {
                toasts.success(format!("{done_message} The notice to them waits in the Outbox: no mail relay is configured."));
            }
            actions.dialog.set(None);
        }
    });
    let session = crate::auth::use_session();
    let needs_code = move || {
        session
            .user
            .get()
            .and_then(Result::ok)
            .flatten()
            .is_some_and(|me| me.two_factor_enabled)
    };
    view! {
        <p>{Confirm::DisableTwoFactor.explain(&user)}</p>
        <ActionForm action>
            <input type="hidden" name="user_id" value=user.id.to_string() />
            <FormField
                label="Reason"
                name="reason"
                required=true
                hint="Recorded in the audit log (\"lost phone, identity checked by call\")."
                error=field_error(error, "reason")
            />
            <FormField
                label="Your password"
                name="current_password"
                kind="password"
                autocomplete="current-password"
                required=true
                hint="You confirm it is you before changing someone's sign-in."
                error=field_error(error, "current_password")
            />
            {move || needs_code().then(|| view! {
                <FormField
                    label="Your authenticator code"
                    name="code"
                    autocomplete="one-time-code"
                    inputmode="numeric"
                    required=true
                    hint="The 6-digit code from your own app, or one of your recovery codes."
                    error=field_error(error, "code")
                />
            })}
            <FormAlert error />
            <div class="form-actions">
                <button type="submit" class="btn btn-danger" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Working…" } else { Confirm::DisableTwoFactor.button() }}
                </button>
                <button type="button" class="btn btn-ghost" on:click=move |_| actions.dialog.set(None)>"Cancel"</button>
            </div>
        </ActionForm>
    }
}
