//! Password hashing and the new-password policy.
//!
//! argon2id at the OWASP ASVS 5 minimum (19 MiB, 2 passes, 1 lane). Hashes run on a small
//! pool of dedicated threads, one per core, at the lowest scheduling priority (nice 19): the
//! async runtime never blocks on a hash, and page requests keep their latency while
//! sign-ins saturate the CPU.
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::oneshot;

use crate::error::AppError;

pub const MIN_PASSWORD_CHARS: usize = 8;
pub use crate::limits::MAX_PASSWORD_CHARS;

type Job = Box<dyn FnOnce() + Send>;

#[derive(Clone)]
pub struct PasswordHasher {
    jobs: mpsc::Sender<Job>,
    /// A real hash of a random password, verified when the account is unknown so that an
    /// unknown email costs the same time as a wrong password.
    dummy_hash: Arc<String>,
}

fn argon2() -> Argon2<'static> {
    Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(19 * 1024, 2, 1, None).expect("valid params"),
    )
}

impl PasswordHasher {
    pub fn new(threads: usize) -> Self {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for index in 0..threads.max(1) {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("password-hash-{index}"))
                .spawn(move || {
                    lower_this_threads_priority();
                    loop {
                        let job = match rx.lock() {
                            Ok(guard) => guard.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                })
                .expect("spawn password hashing thread");
        }
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        let dummy = argon2()
            .hash_password(crate::crypto::random_token().as_bytes(), &salt)
            .expect("hash dummy password")
            .to_string();
        Self {
            jobs: tx,
            dummy_hash: Arc::new(dummy),
        }
    }

    /// One thread per available core.
    pub fn for_this_machine() -> Self {
        Self::new(
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2),
        )
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let (tx, rx) = oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                let _ = tx.send(f());
            }))
            .map_err(|_| AppError::internal("password", "hashing pool stopped"))?;
        rx.await
            .map_err(|_| AppError::internal("password", "hashing job dropped"))
    }

    pub async fn hash(&self, password: SecretString) -> Result<String, AppError> {
        self.run(move || {
            let salt = SaltString::generate(&mut rand::rngs::OsRng);
            argon2()
                .hash_password(password.expose_secret().as_bytes(), &salt)
                .map(|h| h.to_string())
        })
        .await?
        .map_err(|e| AppError::internal("password hash", e))
    }

    /// True when `password` matches `stored`. With no stored hash (unknown account or a user
    /// who never set a password) a dummy hash is verified so timing does not tell them apart.
    pub async fn verify(
        &self,
        password: SecretString,
        stored: Option<String>,
    ) -> Result<bool, AppError> {
        let known = stored.is_some();
        let hash = stored.unwrap_or_else(|| self.dummy_hash.as_str().to_owned());
        let matched = self
            .run(move || match PasswordHash::new(&hash) {
                Ok(parsed) => argon2()
                    .verify_password(password.expose_secret().as_bytes(), &parsed)
                    .is_ok(),
                Err(_) => false,
            })
            .await?;
        Ok(known && matched)
    }
}

#[cfg(target_os = "linux")]
fn lower_this_threads_priority() {
    // Nice 19: the hash threads take every spare cycle, but when page requests compete for
    // the CPU the scheduler gives those about 98% of it. Unlike SCHED_IDLE, a hash is never
    // starved outright, so sign-ins slow down under load instead of stalling.
    // SAFETY: plain syscalls on the calling thread; failure only means normal priority.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, tid, 19);
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_this_threads_priority() {}

/// One hash on the calling thread. For measurements (`make bench`); the server always
/// goes through `PasswordHasher`.
pub fn hash_on_this_thread(password: &str) -> String {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .expect("hash")
        .to_string()
}

/// Checks a new password: length limits, then a strength estimate that refuses common and
/// guessable passwords (zxcvbn score below 3) with its explanation. No composition rules.
/// `context` holds words the password must not lean on (email, name, organisation).
pub fn check_new_password(password: &str, context: &[&str]) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(format!("Use at least {MIN_PASSWORD_CHARS} characters."));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(format!("Use at most {MAX_PASSWORD_CHARS} characters."));
    }
    let mut inputs: Vec<&str> = context.iter().copied().filter(|s| !s.is_empty()).collect();
    inputs.extend(["steward", "natero", "password"]);
    let estimate = zxcvbn::zxcvbn(password, &inputs);
    if (estimate.score() as u8) >= 3 {
        return Ok(());
    }
    let mut message = String::from("This password is too easy to guess.");
    if let Some(feedback) = estimate.feedback() {
        if let Some(warning) = feedback.warning() {
            message.push(' ');
            message.push_str(&warning.to_string());
        }
        for suggestion in feedback.suggestions() {
            message.push(' ');
            message.push_str(&suggestion.to_string());
        }
    }
    if !message.ends_with("longer password.") && !message.contains("Add another word") {
        message.push_str(" A few unrelated words make a strong password.");
    }
    Err(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_short_and_common_passwords_are_refused_with_reasons() {
        assert!(check_new_password("abc", &[])
            .unwrap_err()
            .contains("at least 8"));
        let common = check_new_password("password1", &[]).unwrap_err();
        assert!(common.contains("too easy to guess"), "{common}");
        assert!(check_new_password("ada@example.com!", &["ada@example.com"]).is_err());
    }

    #[test]
    fn test_long_passphrases_without_composition_rules_are_accepted() {
        assert!(check_new_password("lantern orbit pickle meadow", &[]).is_ok());
        let sixty_four: String = "glacier ".repeat(8);
        assert_eq!(sixty_four.chars().count(), 64);
        assert!(check_new_password(&format!("{sixty_four}x7"), &[]).is_ok());
        assert!(check_new_password(&"z".repeat(129), &[])
            .unwrap_err()
            .contains("at most"));
    }

    #[tokio::test]
    async fn test_hash_then_verify_and_dummy_never_matches() {
        let hasher = PasswordHasher::new(1);
        let hash = hasher
            .hash(SecretString::from("lantern orbit pickle meadow"))
            .await
            .unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(hasher
            .verify(
                SecretString::from("lantern orbit pickle meadow"),
                Some(hash.clone())
            )
            .await
            .unwrap());
        assert!(!hasher
            .verify(SecretString::from("wrong"), Some(hash))
            .await
            .unwrap());
        assert!(!hasher
            .verify(SecretString::from("anything"), None)
            .await
            .unwrap());
    }
}
