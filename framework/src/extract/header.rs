//! [`Header`]: a typed header, parsed by the `headers` crate.

use std::any::TypeId;

use headers::authorization::{Authorization, Bearer};
use http::header::{HeaderValue, WWW_AUTHENTICATE};
use http::{HeaderName, StatusCode};

use super::text::rejection_problem;
use super::{FromRequestHead, Rejection};
use crate::request::{RawPathParams, RequestHead};
use crate::response::Problem;

/// A header of the request, parsed into `H`, a type of the [`headers`](super::headers) crate
/// (re-exported, so no version has to match).
///
/// A missing or malformed header is a [`HeaderError`], 400 naming the header; its value is
/// never echoed, since it may be a credential. `Option<Header<H>>` is `None` when the header is
/// absent and still rejected when it is present but malformed.
///
/// `Header<Authorization<Bearer>>` follows RFC 6750 instead: a missing token is
/// [`HeaderError::MissingBearerToken`], 401 with `WWW-Authenticate: Bearer`; one that is not
/// `Bearer <token>` is [`HeaderError::MalformedBearerToken`], 401 with
/// `WWW-Authenticate: Bearer error="invalid_request"`.
///
/// ```
/// use watchful::extract::Header;
/// use watchful::extract::headers::authorization::{Authorization, Bearer};
/// use watchful::extract::headers::UserAgent;
/// use watchful::{Blueprint, get};
///
/// #[get("/me")]
/// pub fn me(
///     Header(auth): Header<Authorization<Bearer>>,
///     agent: Option<Header<UserAgent>>,
/// ) -> String {
///     let agent = agent.map(|Header(agent)| agent.to_string()).unwrap_or_default();
///     format!("token of {} bytes, from {agent}", auth.token().len())
/// }
///
/// let mut bp = Blueprint::new();
/// bp.route(ME);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Header<H>(pub H);

impl<H> Header<H> {
    /// The parsed header.
    pub fn into_inner(self) -> H {
        self.0
    }
}

impl<H> std::ops::Deref for Header<H> {
    type Target = H;

    fn deref(&self) -> &H {
        &self.0
    }
}

/// A header the route needs is missing or malformed.
///
/// Default response: 400 naming the header, without its value; 401 for a bearer token, with
/// the `WWW-Authenticate` challenge of RFC 6750.
///
/// ```
/// use watchful::extract::Header;
/// use watchful::extract::headers::authorization::{Authorization, Bearer};
/// use watchful::testing::TestClient;
/// use watchful::{Blueprint, get};
///
/// #[get("/me")]
/// pub fn me(Header(auth): Header<Authorization<Bearer>>) -> String {
///     auth.token().to_owned()
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), watchful::BuildError> {
/// let mut bp = Blueprint::new();
/// bp.route(ME);
/// let client = TestClient::new(bp.build().await?);
///
/// let response = client.get("/me").send().await;
/// assert_eq!(response.status(), 401);
/// assert_eq!(response.header("www-authenticate"), Some("Bearer"));
///
/// let response = client.get("/me").header("authorization", "Basic eDp5").send().await;
/// assert_eq!(response.status(), 401);
/// assert_eq!(
///     response.header("www-authenticate"),
///     Some(r#"Bearer error="invalid_request""#)
/// );
/// # Ok(())
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
pub enum HeaderError {
    /// The request does not have the header.
    #[error("missing header `{0}`")]
    Missing(HeaderName),
    /// The header's value does not parse.
    #[error("malformed header `{name}`")]
    Malformed {
        /// The header.
        name: HeaderName,
        /// Why it does not parse.
        #[source]
        source: headers::Error,
    },
    /// `Header<Authorization<Bearer>>`: the request has no `Authorization` header. Default
    /// response: 401 with `WWW-Authenticate: Bearer`.
    #[error("missing header `authorization`, expected a bearer token")]
    MissingBearerToken,
    /// `Header<Authorization<Bearer>>`: the `Authorization` header is not `Bearer <token>`.
    /// Default response: 401 with `WWW-Authenticate: Bearer error="invalid_request"`.
    #[error("malformed header `authorization`, expected `Bearer <token>`")]
    MalformedBearerToken(#[source] headers::Error),
}

impl HeaderError {
    /// The header's name.
    pub fn name(&self) -> &HeaderName {
        match self {
            Self::Missing(name) | Self::Malformed { name, .. } => name,
            Self::MissingBearerToken | Self::MalformedBearerToken(_) => {
                &http::header::AUTHORIZATION
            }
        }
    }

    fn missing<H: headers::Header + 'static>() -> Self {
        match is_bearer::<H>() {
            true => Self::MissingBearerToken,
            false => Self::Missing(H::name().clone()),
        }
    }

    fn malformed<H: headers::Header + 'static>(source: headers::Error) -> Self {
        match is_bearer::<H>() {
            true => Self::MalformedBearerToken(source),
            false => Self::Malformed {
                name: H::name().clone(),
                source,
            },
        }
    }
}

/// Whether `H` is a bearer token, which RFC 6750 asks to reject with 401.
fn is_bearer<H: 'static>() -> bool {
    TypeId::of::<H>() == TypeId::of::<Authorization<Bearer>>()
}

impl Rejection for HeaderError {
    fn statuses() -> &'static [StatusCode] {
        &[StatusCode::BAD_REQUEST, StatusCode::UNAUTHORIZED]
    }

    fn problem(&self) -> Problem {
        let challenge = match self {
            Self::Missing(_) | Self::Malformed { .. } => {
                return rejection_problem(StatusCode::BAD_REQUEST, self);
            }
            Self::MissingBearerToken => "Bearer",
            Self::MalformedBearerToken(_) => r#"Bearer error="invalid_request""#,
        };
        rejection_problem(StatusCode::UNAUTHORIZED, self)
            .header(WWW_AUTHENTICATE, HeaderValue::from_static(challenge))
    }
}

impl<H> FromRequestHead for Option<Header<H>>
where
    H: headers::Header + Send + Sync + 'static,
{
    type Rejection = HeaderError;

    fn from_request_head(head: &RequestHead, _params: &RawPathParams) -> Result<Self, HeaderError> {
        let mut values = head.headers.get_all(H::name()).iter().peekable();
        if values.peek().is_none() {
            return Ok(None);
        }
        H::decode(&mut values)
            .map(|header| Some(Header(header)))
            .map_err(HeaderError::malformed::<H>)
    }
}

impl<H> FromRequestHead for Header<H>
where
    H: headers::Header + Send + Sync + 'static,
{
    type Rejection = HeaderError;

    fn from_request_head(head: &RequestHead, params: &RawPathParams) -> Result<Self, HeaderError> {
        Option::<Header<H>>::from_request_head(head, params)?.ok_or_else(HeaderError::missing::<H>)
    }
}
