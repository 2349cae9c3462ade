//! The HTTP/1.1 message rules hyper leaves to the server: the `Host` header and the
//! `Transfer-Encoding` list. A request that breaks one fails with a
//! [`MalformedRequest`] error before its route's middleware run.
//!
//! What hyper already rejects itself, with a 400 and no request reaching the app, is not
//! checked twice on the wire but stays here for requests that come from elsewhere (a
//! `TestClient`, a tower stack): a `Transfer-Encoding` whose last coding is not `chunked`, an
//! invalid or conflicting `Content-Length`, `Transfer-Encoding` in HTTP/1.0.

use http::header::{HOST, TRANSFER_ENCODING};
use http::uri::Authority;
use http::{HeaderMap, Version};

use crate::error::MalformedRequest;
use crate::request::RequestHead;

/// Checks `head` against every rule, in the order of the variants of [`MalformedRequest`].
pub(crate) fn check(head: &RequestHead) -> Option<MalformedRequest> {
    if head.version != Version::HTTP_11 {
        // HTTP/1.0 has no `Host` requirement; HTTP/2 carries `:authority` and forbids
        // `Transfer-Encoding` (hyper rejects it).
        return None;
    }
    host(head)
        .err()
        .or_else(|| transfer_encoding(&head.headers).err())
}

/// RFC 9112 §3.2: an HTTP/1.1 request has exactly one `Host`, a valid `uri-host [ ":" port ]`
/// (or empty). RFC 9112 §3.2.2: with an absolute-form target, the client sends a `Host`
/// identical to the target's authority; a server that routed on one and logged the other
/// would be confused about the host, so a disagreement is rejected rather than ignored.
fn host(head: &RequestHead) -> Result<(), MalformedRequest> {
    let mut hosts = head.headers.get_all(HOST).iter();
    let host = hosts.next().ok_or(MalformedRequest::MissingHost)?;
    if hosts.next().is_some() {
        return Err(MalformedRequest::SeveralHosts);
    }
    let host = host.as_bytes();
    let valid = host.is_empty()
        || (!host.contains(&b'@')
            && Authority::try_from(host).is_ok_and(|a| a.as_str().len() == host.len()));
    if !valid {
        return Err(MalformedRequest::InvalidHost);
    }
    if let Some(target) = head.uri.authority() {
        let target = without_userinfo(target);
        if !target.as_bytes().eq_ignore_ascii_case(host) {
            return Err(MalformedRequest::HostMismatch);
        }
    }
    Ok(())
}

/// The authority as `Host` carries it: `host[:port]`, without `userinfo@`.
fn without_userinfo(authority: &Authority) -> &str {
    let text = authority.as_str();
    text.rsplit_once('@').map_or(text, |(_, host)| host)
}

/// RFC 9112 §6.1: `chunked` is applied at most once, and last; RFC 9112 §6.3 (4): a request
/// whose last coding is not `chunked` has no reliable length, answered 400 and closed.
fn transfer_encoding(headers: &HeaderMap) -> Result<(), MalformedRequest> {
    let mut codings = headers
        .get_all(TRANSFER_ENCODING)
        .iter()
        .flat_map(|value| value.as_bytes().split(|&b| b == b','))
        .map(<[u8]>::trim_ascii)
        .filter(|coding| !coding.is_empty())
        .peekable();
    if codings.peek().is_none() {
        return Ok(());
    }
    let mut chunked = 0;
    let mut last_is_chunked = false;
    for coding in codings {
        last_is_chunked = coding.eq_ignore_ascii_case(b"chunked");
        chunked += usize::from(last_is_chunked);
    }
    match (chunked, last_is_chunked) {
        (2.., _) => Err(MalformedRequest::ChunkedTwice),
        (_, false) => Err(MalformedRequest::ChunkedNotLast),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::{HeaderValue, Request};

    fn head(version: Version, target: &str, headers: &[(&str, &str)]) -> RequestHead {
        let mut request = Request::get(target).version(version).body(()).unwrap();
        for (name, value) in headers {
            let value = HeaderValue::from_str(value).unwrap();
            let name = http::HeaderName::from_bytes(name.as_bytes()).unwrap();
            request.headers_mut().append(name, value);
        }
        RequestHead::from(request.into_parts().0)
    }

    fn check11(target: &str, headers: &[(&str, &str)]) -> Option<MalformedRequest> {
        check(&head(Version::HTTP_11, target, headers))
    }

    #[test]
    fn well_formed_requests_pass() {
        assert!(check11("/", &[("host", "example.com")]).is_none());
        assert!(check11("/", &[("host", "example.com:8080")]).is_none());
        assert!(check11("/", &[("host", "[::1]:80")]).is_none());
        assert!(check11("/", &[("host", "")]).is_none());
        assert!(check11("http://Example.com/x", &[("host", "example.COM")]).is_none());
        assert!(check11("http://u@example.com/x", &[("host", "example.com")]).is_none());
        let te = [("host", "a"), ("transfer-encoding", "gzip, chunked")];
        assert!(check11("/", &te).is_none());
        let te = [
            ("host", "a"),
            ("transfer-encoding", "gzip"),
            ("transfer-encoding", "Chunked"),
        ];
        assert!(check11("/", &te).is_none());
        assert!(check(&head(Version::HTTP_10, "/", &[])).is_none());
        assert!(check(&head(Version::HTTP_2, "/", &[])).is_none());
    }

    #[test]
    fn each_rule_rejects_what_it_names() {
        use MalformedRequest::*;
        let cases: &[(&str, &[(&str, &str)], MalformedRequest)] = &[
            ("/", &[], MissingHost),
            ("/", &[("host", "a"), ("host", "a")], SeveralHosts),
            ("/", &[("host", "a b")], InvalidHost),
            ("/", &[("host", "user@a")], InvalidHost),
            ("/", &[("host", "a/b")], InvalidHost),
            ("http://a/x", &[("host", "b")], HostMismatch),
            ("http://a:81/x", &[("host", "a")], HostMismatch),
            ("http://a/x", &[], MissingHost),
            (
                "/",
                &[("host", "a"), ("transfer-encoding", "chunked, chunked")],
                ChunkedTwice,
            ),
            (
                "/",
                &[
                    ("host", "a"),
                    ("transfer-encoding", "chunked"),
                    ("transfer-encoding", "chunked"),
                ],
                ChunkedTwice,
            ),
            (
                "/",
                &[("host", "a"), ("transfer-encoding", "chunked, gzip")],
                ChunkedNotLast,
            ),
            (
                "/",
                &[("host", "a"), ("transfer-encoding", "gzip")],
                ChunkedNotLast,
            ),
        ];
        for (target, headers, expected) in cases {
            let got = check11(target, headers);
            assert_eq!(got.as_ref(), Some(expected), "{target} {headers:?}");
        }
    }
}
