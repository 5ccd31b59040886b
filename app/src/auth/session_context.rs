use leptos::prelude::*;

use crate::auth::api::{get_current_user, SignIn, SignOut, VerifySecondFactor};
use crate::auth::dto::CurrentUser;
use crate::error::AppError;
use crate::orgs::api::CompleteSetup;

/// The signed-in user and the actions that change who that is. Provided once at the app
/// root; the user is fetched again whenever one of the actions completes.
#[derive(Clone, Copy)]
pub struct Session {
    pub user: crate::wire::PageResource<Result<Option<CurrentUser>, AppError>>,
    pub sign_in: ServerAction<SignIn>,
    pub verify: ServerAction<VerifySecondFactor>,
    pub sign_out: ServerAction<SignOut>,
    pub complete_setup: ServerAction<CompleteSetup>,
}

pub fn provide_session() -> Session {
    let sign_in = ServerAction::<SignIn>::new();
    let verify = ServerAction::<VerifySecondFactor>::new();
    let sign_out = ServerAction::<SignOut>::new();
    let complete_setup = ServerAction::<CompleteSetup>::new();
    let user = crate::wire::resource(
        move || {
            (
                sign_in.version().get(),
                verify.version().get(),
                sign_out.version().get(),
                complete_setup.version().get(),
            )
        },
        |_| get_current_user(),
    );
    let session = Session {
        user,
        sign_in,
        verify,
        sign_out,
        complete_setup,
    };
    provide_context(session);
    session
}

pub fn use_session() -> Session {
    use_context::<Session>().expect("provide_session() runs in App")
}
