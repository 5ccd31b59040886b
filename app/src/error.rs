//! The one error type that crosses the wire. Every server function returns
//! `Result<T, AppError>`; every message in it is written for the person using the page.
//! Internal failures carry only a short reference id: the detail is logged on the server.
use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

/// One problem with one form field, shown next to that field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Please sign in to continue.")]
    Unauthenticated,
    #[error("You do not have permission to do that.")]
    Forbidden,
    #[error("That page or item does not exist.")]
    NotFound,
    /// A message about the request as a whole ("Email or password is incorrect.").
    #[error("{0}")]
    Invalid(String),
    /// Problems with individual fields of a form.
    #[error("{}", summarise(.0))]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    Conflict(String),
    #[error("Too many attempts. Try again in {} second{}.", .0, if *.0 == 1 { "" } else { "s" })]
    Throttled(u64),
    /// Storage is busy with other work (a long write, every connection taken): answered
    /// 503 with `Retry-After` so the caller waits and retries.
    #[error("Steward is busy right now. Try again in {} second{}.", .0, if *.0 == 1 { "" } else { "s" })]
    Unavailable(u64),
    #[error("Something went wrong on our side (reference {0}). Please try again; if it keeps happening, give this reference to your administrator.")]
    Internal(String),
    /// The request never reached the server function (network, decoding). The detail is
    /// deliberately not carried: it can contain server internals.
    #[error(
        "The request could not be completed ({0}). Check your connection and reload the page."
    )]
    Transport(String),
}

fn summarise(errors: &[FieldError]) -> String {
    match errors {
        [only] => only.message.clone(),
        _ => "Some fields need attention.".to_owned(),
    }
}

impl AppError {
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::Invalid(message.into())
    }

    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    /// The message for one field, when this error is about that field.
    pub fn field_message(&self, field: &str) -> Option<String> {
        match self {
            Self::Validation(errors) => errors
                .iter()
                .find(|e| e.field == field)
                .map(|e| e.message.clone()),
            _ => None,
        }
    }

    /// A refusal the person can act on (fix a field, choose another name, try the right
    /// password, wait): answered in a `200` body to our own client, see `crate::wire`.
    /// Everything else (not signed in, forbidden, not found, a failure) is a fault and keeps
    /// its status.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            Self::Invalid(_) | Self::Validation(_) | Self::Conflict(_) | Self::Throttled(_)
        )
    }

    /// The message to show above a form: field errors are shown beside their fields.
    pub fn form_message(&self) -> Option<String> {
        match self {
            Self::Validation(_) => None,
            other => Some(other.to_string()),
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        let kind = match value {
            ServerFnErrorErr::Registration(_) => "unknown action",
            ServerFnErrorErr::UnsupportedRequestMethod(_) => "unsupported method",
            ServerFnErrorErr::Request(_) => "network error",
            ServerFnErrorErr::ServerError(_) => "server error",
            ServerFnErrorErr::MiddlewareError(_) => "refused",
            ServerFnErrorErr::Deserialization(_) => "unreadable response",
            ServerFnErrorErr::Serialization(_) => "unreadable request",
            ServerFnErrorErr::Args(_) => "missing or malformed form fields",
            ServerFnErrorErr::MissingArg(_) => "missing form field",
            ServerFnErrorErr::Response(_) => "bad response",
        };
        Self::Transport(kind.to_owned())
    }
}

#[cfg(feature = "ssr")]
pub use ssr::{is_busy, when_busy, BUSY_RETRY_AFTER_SECONDS};

#[cfg(feature = "ssr")]
mod ssr {
    use super::AppError;

    impl AppError {
        /// Logs an unexpected failure with a short reference id and returns the opaque error
        /// the user sees. The detail never leaves the server.
        pub fn internal(context: &str, error: impl std::fmt::Display) -> Self {
            let reference = crate::crypto::short_reference();
            tracing::error!(reference = %reference, context, error = %error, "internal error");
            Self::Internal(reference)
        }
    }

    impl From<sea_orm::DbErr> for AppError {
        fn from(error: sea_orm::DbErr) -> Self {
            if is_busy(&error) {
                tracing::warn!(error = %error, "storage busy: answered 503");
                return Self::Unavailable(BUSY_RETRY_AFTER_SECONDS);
            }
            Self::internal("database", error)
        }
    }

    /// `Unavailable` when `error` only says the database is busy: a write that met it ends
    /// the call (answered 503, `Retry-After`) instead of being reported as a bad record.
    pub fn when_busy(error: &sea_orm::DbErr) -> Result<(), AppError> {
        if is_busy(error) {
            tracing::warn!(error = %error, "storage busy: answered 503");
            return Err(AppError::Unavailable(BUSY_RETRY_AFTER_SECONDS));
        }
        Ok(())
    }

    /// Seconds a caller is told to wait when storage is busy.
    pub const BUSY_RETRY_AFTER_SECONDS: u64 = 1;

    /// Whether a database error means "busy, try again" rather than a fault: SQLite's lock
    /// held past the busy timeout, every pooled connection taken past the acquire timeout,
    /// or PostgreSQL's lock timeout, deadlock, serialization failure or connection limit.
    pub fn is_busy(error: &sea_orm::DbErr) -> bool {
        use sea_orm::{ConnAcquireErr, DbErr, RuntimeErr};
        match error {
            DbErr::ConnectionAcquire(ConnAcquireErr::Timeout) => true,
            DbErr::Exec(RuntimeErr::SqlxError(e))
            | DbErr::Query(RuntimeErr::SqlxError(e))
            | DbErr::Conn(RuntimeErr::SqlxError(e)) => match e.as_ref() {
                sea_orm::sqlx::Error::PoolTimedOut => true,
                sea_orm::sqlx::Error::Database(db) => {
                    // SQLite: SQLITE_BUSY (5) and its extended codes (261, 517, …), SQLITE_LOCKED (6).
                    // PostgreSQL SQLSTATEs: 55P03 lock_not_available, 40P01 deadlock_detected,
                    // 40001 serialization_failure, 53300 too_many_connections, 57014 statement timeout.
                    let code = db.code().unwrap_or_default();
                    match code.parse::<u32>() {
                        Ok(n)
                            if db
                                .try_downcast_ref::<sea_orm::sqlx::sqlite::SqliteError>()
                                .is_some() =>
                        {
                            n & 0xff == 5 || n & 0xff == 6
                        }
                        _ => matches!(
                            code.as_ref(),
                            "55P03" | "40P01" | "40001" | "53300" | "57014"
                        ),
                    }
                }
                _ => false,
            },
            _ => false,
        }
    }

    impl From<sea_orm::TransactionError<AppError>> for AppError {
        fn from(error: sea_orm::TransactionError<AppError>) -> Self {
            match error {
                sea_orm::TransactionError::Connection(db) => db.into(),
                sea_orm::TransactionError::Transaction(app) => app,
            }
        }
    }
}

#[cfg(feature = "ssr")]
impl AppError {
    /// The HTTP status a JavaScript caller sees for this error. (Form posts without
    /// JavaScript get a redirect back to the form instead.)
    pub fn status_code(&self) -> http::StatusCode {
        use http::StatusCode;
        match self {
            Self::Unauthenticated => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Invalid(_) | Self::Validation(_) | Self::Transport(_) => StatusCode::BAD_REQUEST,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_transport_errors_do_not_carry_inner_messages() {
        let err = AppError::from_server_fn_error(ServerFnErrorErr::ServerError(
            "db password=hunter2".into(),
        ));
        assert!(!err.to_string().contains("hunter2"));
    }

    #[test]
    fn test_field_messages_are_found_by_field() {
        let err = AppError::field("email", "Enter an email address.");
        assert_eq!(
            err.field_message("email").as_deref(),
            Some("Enter an email address.")
        );
        assert_eq!(err.field_message("password"), None);
        assert_eq!(err.form_message(), None);
        assert_eq!(err.to_string(), "Enter an email address.");
    }

    #[test]
    fn test_throttled_message_is_plural_aware() {
        assert_eq!(
            AppError::Throttled(1).to_string(),
            "Too many attempts. Try again in 1 second."
        );
        assert_eq!(
            AppError::Throttled(30).to_string(),
            "Too many attempts. Try again in 30 seconds."
        );
    }
}
