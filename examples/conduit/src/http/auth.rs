//! Who is asking: the request-scoped [`CurrentUser`], read from `Authorization: Token <jwt>`
//! (the spec's scheme, not `Bearer`), and [`MaybeUser`] for the endpoints where signing in is
//! optional. A missing, malformed, expired or forged token is an [`AuthError`]: 401. Both
//! tell the OpenAPI document that their routes take the spec's `Token` security scheme.

use serde_json::json;
use watchful::http::header::AUTHORIZATION;
use watchful::openapi::{Operation, OperationInput};
use watchful::request::RequestHead;
use watchful::{error_handler, request_scoped};

use super::errors::{ErrorResponse, GenericErrorModel};
use crate::token::{TokenError, Tokens};
use crate::users::UserId;

/// The signed-in user of this request.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    /// Who they are.
    pub id: UserId,
    /// The token they presented, which `GET /api/user` and `PUT /api/user` hand back.
    pub token: String,
}

/// The signed-in user, or `None` for an anonymous request, on endpoints where auth is optional.
/// A token that is present but bad is still an [`AuthError`].
#[derive(Clone, Debug)]
pub struct MaybeUser(pub Option<CurrentUser>);

impl MaybeUser {
    /// The viewer's id, for the queries that compute `following` and `favorited`.
    pub fn id(&self) -> Option<UserId> {
        self.0.as_ref().map(|user| user.id)
    }
}

/// The spec's security scheme: `Authorization: Token <jwt>`, an API key in a header since
/// OpenAPI's `http` schemes have no `Token` scheme.
const TOKEN_SCHEME: &str = "Token";

/// Describes the `Token` scheme and requires it, or, with `required: false`, accepts it.
fn token_security(operation: &mut Operation<'_>, required: bool) {
    let scheme = json!({
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "`Token <jwt>`, with the token that registering or logging in answers.",
    });
    operation.security(TOKEN_SCHEME, scheme, required);
}

/// Routes that take the signed-in user require a token.
impl OperationInput for CurrentUser {
    fn describe(operation: &mut Operation<'_>) {
        token_security(operation, true);
    }
}

/// Routes that take the user if any accept a token.
impl OperationInput for MaybeUser {
    fn describe(operation: &mut Operation<'_>) {
        token_security(operation, false);
    }
}

/// The request does not carry a valid token.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No `Authorization` header.
    #[error("missing Authorization header")]
    Missing,
    /// An `Authorization` header that is not `Token <jwt>`.
    #[error("the Authorization header must be `Token <jwt>`")]
    Scheme,
    /// The token does not verify: expired, forged, malformed.
    #[error("invalid token")]
    Token(#[source] TokenError),
}

/// The token in the request's `Authorization` header, if it has one.
fn token(head: &RequestHead) -> Result<Option<&str>, AuthError> {
    let Some(value) = head.headers.get(AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| AuthError::Scheme)?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("token") && !token.is_empty() => {
            Ok(Some(token.trim()))
        }
        _ => Err(AuthError::Scheme),
    }
}

fn verify(tokens: &Tokens, token: &str) -> Result<CurrentUser, AuthError> {
    let id = tokens.verify(token).map_err(AuthError::Token)?;
    Ok(CurrentUser {
        id,
        token: token.to_owned(),
    })
}

/// The signed-in user; fails without a valid token.
#[request_scoped]
pub fn current_user(head: &RequestHead, tokens: &Tokens) -> Result<CurrentUser, AuthError> {
    let token = token(head)?.ok_or(AuthError::Missing)?;
    verify(tokens, token)
}

/// The signed-in user if the request carries a token; fails only when the token is bad.
#[request_scoped]
pub fn maybe_user(head: &RequestHead, tokens: &Tokens) -> Result<MaybeUser, AuthError> {
    token(head)?
        .map(|token| verify(tokens, token))
        .transpose()
        .map(MaybeUser)
}

/// 401, with a `WWW-Authenticate: Token` challenge.
#[error_handler(responses(401 = GenericErrorModel))]
pub fn auth_error(error: &AuthError) -> ErrorResponse {
    ErrorResponse::new(watchful::http::StatusCode::UNAUTHORIZED, error.to_string())
}
