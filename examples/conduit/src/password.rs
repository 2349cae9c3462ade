//! Password hashing with Argon2id, stored as PHC strings (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`).
//!
//! Hashing is deliberately slow (tens of milliseconds with the default cost), so it runs on
//! tokio's blocking pool instead of stalling the async worker that serves other requests.

use argon2::{Argon2, Params, PasswordHasher, PasswordVerifier, password_hash};
use tokio::task::JoinError;

/// Hashes and verifies passwords with a fixed Argon2id cost.
#[derive(Clone, Debug, Default)]
pub struct Passwords {
    params: Params,
}

/// Hashing or verifying a password failed for a reason other than a wrong password.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// Argon2 refused to hash (e.g. a password over its length limit) or the stored hash is not
    /// a PHC string it can read.
    #[error("password hashing failed")]
    Argon2(#[source] password_hash::Error),
    /// The blocking task that ran Argon2 panicked or was cancelled.
    #[error("the password hashing task did not complete")]
    Task(#[source] JoinError),
}

impl Passwords {
    /// Hashes with the given cost. [`Passwords::default`] uses Argon2's recommended cost
    /// (19 MiB, 2 passes); tests pass [`Params`] with the minimum cost to stay fast.
    pub fn with_params(params: Params) -> Self {
        Self { params }
    }

    /// Hashes `password` with a fresh random salt and returns the PHC string to store.
    pub async fn hash(&self, password: &str) -> Result<String, PasswordError> {
        let argon2 = Argon2::from(&self.params);
        let password = password.to_owned();
        tokio::task::spawn_blocking(move || argon2.hash_password(password.as_bytes()))
            .await
            .map_err(PasswordError::Task)?
            .map(|hash| hash.to_string())
            .map_err(PasswordError::Argon2)
    }

    /// Checks `password` against a stored PHC string: `Ok(false)` when it does not match. The
    /// cost parameters come from the stored string, so hashes made with another cost still verify.
    pub async fn verify(&self, password: &str, stored: &str) -> Result<bool, PasswordError> {
        let argon2 = Argon2::from(&self.params);
        let (password, stored) = (password.to_owned(), stored.to_owned());
        let outcome = tokio::task::spawn_blocking(move || {
            argon2.verify_password(password.as_bytes(), stored.as_str())
        })
        .await
        .map_err(PasswordError::Task)?;
        match outcome {
            Ok(()) => Ok(true),
            Err(password_hash::Error::PasswordInvalid) => Ok(false),
            Err(err) => Err(PasswordError::Argon2(err)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap() -> Passwords {
        Passwords::with_params(
            Params::new(Params::MIN_M_COST, Params::MIN_T_COST, 1, None).expect("valid params"),
        )
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_and_no_other() {
        let passwords = cheap();
        let hash = passwords.hash("correct horse").await.expect("hashes");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(!hash.contains("correct horse"));
        assert!(
            passwords
                .verify("correct horse", &hash)
                .await
                .expect("verifies")
        );
        assert!(
            !passwords
                .verify("wrong horse", &hash)
                .await
                .expect("verifies")
        );
    }

    #[tokio::test]
    async fn the_same_password_hashes_differently_each_time() {
        let passwords = cheap();
        let a = passwords.hash("pw").await.expect("hashes");
        let b = passwords.hash("pw").await.expect("hashes");
        assert_ne!(a, b, "salts must differ");
    }

    #[tokio::test]
    async fn a_hash_made_with_the_default_cost_verifies_with_another() {
        let hash = Passwords::default().hash("pw").await.expect("hashes");
        assert!(hash.contains("m=19456,t=2,p=1"), "{hash}");
        assert!(cheap().verify("pw", &hash).await.expect("verifies"));
    }

    #[tokio::test]
    async fn a_corrupt_stored_hash_is_an_error_not_a_mismatch() {
        let err = cheap()
            .verify("pw", "not a phc string")
            .await
            .expect_err("unreadable hash");
        assert!(matches!(err, PasswordError::Argon2(_)), "{err:?}");
    }
}
