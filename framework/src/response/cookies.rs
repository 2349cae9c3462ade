//! [`ResponseCookies`]: cookies to set, one `Set-Cookie` header each.

use http::header::{HeaderValue, SET_COOKIE};

use super::body::Response;
use super::failure::{InvalidResponseHeader, failed};
use super::into_response::IntoResponseParts;
pub use cookie::{Cookie, SameSite};

/// Cookies to set on the response, each sent as its own `Set-Cookie` header; values are
/// percent-encoded, which [`RequestCookies`](crate::extract::RequestCookies) decodes.
///
/// Return it next to the body, `(cookies, body)` or `(status, cookies, body)`, or give it to
/// the [`builder`](super::builder).
///
/// ```
/// use watchful::response::{Cookie, ResponseCookies};
/// use watchful::{Blueprint, post};
///
/// #[post("/login")]
/// pub fn log_in() -> (ResponseCookies, &'static str) {
///     let session = Cookie::build(("session", "abc123"))
///         .http_only(true)
///         .secure(true)
///         .path("/");
///     (ResponseCookies::new().with(session), "welcome")
/// }
///
/// let mut bp = Blueprint::new();
/// bp.route(LOG_IN);
/// ```
#[derive(Debug, Clone, Default)]
pub struct ResponseCookies {
    cookies: Vec<Cookie<'static>>,
}

impl ResponseCookies {
    /// No cookies yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a cookie.
    pub fn add(&mut self, cookie: impl Into<Cookie<'static>>) -> &mut Self {
        self.cookies.push(cookie.into());
        self
    }

    /// Adds a cookie, by value.
    pub fn with(mut self, cookie: impl Into<Cookie<'static>>) -> Self {
        self.add(cookie);
        self
    }

    /// Asks the client to delete the cookie `name` (set for `path`, if any): an empty value that
    /// expired long ago.
    pub fn remove(&mut self, name: impl Into<String>) -> &mut Self {
        let mut cookie = Cookie::new(name.into(), "");
        cookie.make_removal();
        self.add(cookie)
    }

    /// The cookies, in the order they were added.
    pub fn iter(&self) -> impl Iterator<Item = &Cookie<'static>> {
        self.cookies.iter()
    }
}

impl IntoResponseParts for ResponseCookies {
    fn into_response_parts(self, response: &mut Response) {
        for cookie in self.cookies {
            let text = cookie.encoded().to_string();
            match HeaderValue::try_from(text) {
                Ok(value) => {
                    response.headers_mut().append(SET_COOKIE, value);
                }
                // Percent-encoding leaves only visible ASCII, so this takes a hostile attribute,
                // e.g. a path with a control character.
                Err(source) => {
                    *response = failed(InvalidResponseHeader {
                        name: SET_COOKIE.as_str().to_owned(),
                        source: source.into(),
                    });
                    return;
                }
            }
        }
    }
}
