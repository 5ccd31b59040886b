use leptos::prelude::*;

use crate::auth::use_session;
use crate::roles::permission::Permission;

/// Renders its children only for a signed-in user holding `permission`: the controls of a
/// page (New key, New role, filters) stay out of the HTML of users the page is refused to.
/// It waits only for the session, so the controls are not re-created (and do not lose the
/// focus) when the page's own data reloads.
#[component]
pub fn IfAllowed(
    /// The permission the children need.
    permission: Permission,
    /// What the permitted user sees.
    children: ChildrenFn,
) -> impl IntoView {
    let session = use_session();
    let children = StoredValue::new(children);
    view! {
        <Transition>
            {move || Suspend::new(async move {
                let allowed = matches!(session.user.await, Ok(Some(ref user)) if user.can(permission));
                allowed.then(|| children.with_value(|children| children()))
            })}
        </Transition>
    }
}
