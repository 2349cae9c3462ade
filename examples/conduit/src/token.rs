//! JSON Web Tokens (HS256) that identify a user: issued at registration and login, verified on
//! every authenticated request (`Authorization: Token <jwt>`, parsed by the HTTP layer).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::errors::{Error as JwtError, ErrorKind};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::users::UserId;

/// How long a token is valid when [`Tokens::new`] is not told otherwise: the RealWorld clients
/// have no refresh flow, so a token lives as long as a session would.
pub const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// Signs and verifies tokens with one shared secret.
#[derive(Clone)]
pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl: Duration,
}

/// The registered claims a token carries: who (`sub`, the user id in decimal) and until when.
#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    iat: u64,
    exp: u64,
}

/// A token could not be issued, or one presented is not acceptable.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The secret cannot be used as an HMAC key (it is empty).
    #[error("the token secret is unusable")]
    Key(#[source] JwtError),
    /// Signing failed.
    #[error("the token could not be signed")]
    Sign(#[source] JwtError),
    /// The token has expired.
    #[error("the token has expired")]
    Expired(#[source] JwtError),
    /// The token is malformed, signed with another key or algorithm, or lacks a claim.
    #[error("the token is invalid")]
    Invalid(#[source] JwtError),
    /// The signature is good but the subject is not a user id: a token from another issuer
    /// that shares the secret.
    #[error("the token's subject {0:?} is not a user id")]
    Subject(String),
}

impl Tokens {
    /// Tokens signed with `secret` that expire `ttl` after they are issued.
    pub fn new(secret: &[u8], ttl: Duration) -> Result<Self, TokenError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "sub"]);
        Ok(Self {
            encoding: EncodingKey::from_secret(secret).map_err(TokenError::Key)?,
            decoding: DecodingKey::from_secret(secret).map_err(TokenError::Key)?,
            validation,
            ttl,
        })
    }

    /// Issues a token for `user`.
    pub fn issue(&self, user: UserId) -> Result<String, TokenError> {
        let iat = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO)
            .as_secs();
        let claims = Claims {
            sub: user.0.to_string(),
            iat,
            exp: iat.saturating_add(self.ttl.as_secs()),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(TokenError::Sign)
    }

    /// Checks the signature, algorithm and expiry of `token` and returns the user it names.
    pub fn verify(&self, token: &str) -> Result<UserId, TokenError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|err| match err.kind() {
                ErrorKind::ExpiredSignature => TokenError::Expired(err),
                _ => TokenError::Invalid(err),
            })?;
        let sub = data.claims.sub;
        sub.parse()
            .map(UserId)
            .map_err(|_| TokenError::Subject(sub))
    }
}

/// Keeps the keys out of logs.
impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(secret: &str) -> Tokens {
        Tokens::new(secret.as_bytes(), DEFAULT_TOKEN_TTL).expect("a usable secret")
    }

    fn signed(secret: &str, claims: &Claims) -> String {
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            claims,
            &EncodingKey::from_secret(secret.as_bytes()).expect("a usable secret"),
        )
        .expect("signs")
    }

    #[test]
    fn an_issued_token_verifies_to_its_user() {
        let tokens = tokens("secret");
        let token = tokens.issue(UserId(42)).expect("issues");
        assert_eq!(tokens.verify(&token).expect("verifies"), UserId(42));
    }

    #[test]
    fn a_token_signed_with_another_secret_is_invalid() {
        let token = tokens("one").issue(UserId(1)).expect("issues");
        let err = tokens("two").verify(&token).expect_err("wrong key");
        assert!(matches!(err, TokenError::Invalid(_)), "{err:?}");
    }

    #[test]
    fn garbage_is_invalid() {
        let err = tokens("s").verify("not.a.jwt").expect_err("garbage");
        assert!(matches!(err, TokenError::Invalid(_)), "{err:?}");
    }

    #[test]
    fn an_expired_token_is_reported_as_expired() {
        let claims = Claims {
            sub: "1".into(),
            iat: 1_000,
            exp: 2_000,
        };
        let err = tokens("s")
            .verify(&signed("s", &claims))
            .expect_err("expired");
        assert!(matches!(err, TokenError::Expired(_)), "{err:?}");
    }

    #[test]
    fn a_subject_that_is_not_a_user_id_is_rejected() {
        let claims = Claims {
            sub: "admin".into(),
            iat: 0,
            exp: u64::MAX / 2,
        };
        let err = tokens("s")
            .verify(&signed("s", &claims))
            .expect_err("bad subject");
        assert!(
            matches!(err, TokenError::Subject(ref s) if s == "admin"),
            "{err:?}"
        );
    }

    #[test]
    fn an_empty_secret_is_refused() {
        let err = Tokens::new(b"", DEFAULT_TOKEN_TTL).expect_err("empty secret");
        assert!(matches!(err, TokenError::Key(_)), "{err:?}");
    }

    #[test]
    fn debug_output_hides_the_keys() {
        let shown = format!("{:?}", tokens("topsecret"));
        assert!(!shown.contains("topsecret"), "{shown}");
    }
}
