//! [`RequestCookies`]: the cookies the client sent.

use std::convert::Infallible;

use cookie::Cookie;
use http::header::COOKIE;

use super::FromRequestHead;
use super::text::{MAX_ECHO, shorten};
use crate::request::{RawPathParams, RequestHead};

/// The cookies of the request's `Cookie` header(s), names and values percent-decoded.
///
/// A malformed pair (no `=`, an empty name, a value that is not UTF-8 once decoded) is skipped
/// with a WARN event rather than failing the request: a browser sends every cookie set for the
/// site, including ones this application did not write, and one bad cookie must not lock a
/// user out. So this extractor cannot fail, and a missing cookie is `None` from
/// [`get`](RequestCookies::get): the handler decides what that means.
///
/// ```
/// use watchful::extract::RequestCookies;
/// use watchful::{Blueprint, get};
///
/// #[get("/")]
/// pub fn home(cookies: RequestCookies) -> String {
///     match cookies.get("theme") {
///         Some(theme) => format!("theme: {theme}"),
///         None => "default theme".to_owned(),
///     }
/// }
///
/// let mut bp = Blueprint::new();
/// bp.route(HOME);
/// ```
#[derive(Debug, Clone, Default)]
pub struct RequestCookies {
    cookies: Vec<Cookie<'static>>,
}

impl RequestCookies {
    /// The value of the first cookie named `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .find(|cookie| cookie.name() == name)
            .map(|cookie| cookie.value())
    }

    /// Every cookie, in the order sent.
    pub fn iter(&self) -> impl Iterator<Item = &Cookie<'static>> {
        self.cookies.iter()
    }

    /// How many cookies were sent (malformed ones excluded).
    pub fn len(&self) -> usize {
        self.cookies.len()
    }

    /// Whether no cookie was sent.
    pub fn is_empty(&self) -> bool {
        self.cookies.is_empty()
    }
}

impl FromRequestHead for RequestCookies {
    type Rejection = Infallible;

    fn from_request_head(head: &RequestHead, _params: &RawPathParams) -> Result<Self, Infallible> {
        let mut cookies = Vec::new();
        for header in head.headers.get_all(COOKIE) {
            let text = String::from_utf8_lossy(header.as_bytes());
            for pair in text
                .split(';')
                .map(str::trim)
                .filter(|pair| !pair.is_empty())
            {
                match Cookie::parse_encoded(pair) {
                    Ok(cookie) => cookies.push(cookie.into_owned()),
                    Err(error) => {
                        let pair = shorten(&format!("`{pair}`"));
                        tracing::warn!(
                            cookie = %pair,
                            reason = %error,
                            "skipped a malformed cookie (at most {MAX_ECHO} characters shown)"
                        );
                    }
                }
            }
        }
        Ok(Self { cookies })
    }
}
