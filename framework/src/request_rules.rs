//! The HTTP/1.1 message rules hyper leaves to the server: the `Host` header and the
//! `Transfer-Encoding` list. A request that breaks one fails with a
//! [`MalformedRequest`] error before its route's middleware run.
//!
//! What hyper already rejects itself, with a 400 and no request reaching the app, is not
//! checked twice on the wire but stays here for requests that come from elsewhere (a
//! `TestClient`, a tower stack): a `Transfer-Encoding` whose last coding is not `chunked`, an
//! invalid or conflicting `Content-Length`, `Transfer-Encoding` in HTTP/1.0.

use http::Version;
use http::header::{HOST, TRANSFER_ENCODING};
use http::uri::Authority;

use crate::error::MalformedRequest;
use crate::request::RequestHead;

/// Checks `head` against every rule, in the order of the variants of [`MalformedRequest`].
/// One pass over the headers: this runs on every request.
pub(crate) fn check(head: &RequestHead) -> Option<MalformedRequest> {
    if head.version != Version::HTTP_11 {
        // HTTP/1.0 has no `Host` requirement; HTTP/2 carries `:authority` and forbids
        // `Transfer-Encoding` (hyper rejects it).
        return None;
    }
    let mut host = None;
    let mut hosts = 0;
    let mut codings = Codings::default();
    for (name, value) in &head.headers {
        if name == HOST {
            hosts += 1;
            host = Some(value.as_bytes());
        } else if name == TRANSFER_ENCODING {
            codings.add(value.as_bytes());
        }
    }
    check_host(host, hosts, head.uri.authority())
        .and_then(|()| codings.check())
        .err()
}

/// RFC 9112 §3.2: an HTTP/1.1 request has exactly one `Host`, a valid `uri-host [ ":" port ]`
/// (or empty). RFC 9112 §3.2.2: with an absolute-form target, the client sends a `Host`
/// identical to the target's authority (less any `userinfo@`); a server that routed on one
/// and logged the other would be confused about the host, so a disagreement is rejected
/// rather than ignored.
fn check_host(
    host: Option<&[u8]>,
    hosts: usize,
    target: Option<&Authority>,
) -> Result<(), MalformedRequest> {
    let host = host.ok_or(MalformedRequest::MissingHost)?;
    if hosts > 1 {
        return Err(MalformedRequest::SeveralHosts);
    }
    if !host.is_empty() && !is_valid_host(host) {
        return Err(MalformedRequest::InvalidHost);
    }
    if let Some(target) = target {
        let target = without_userinfo(target);
        if !target.as_bytes().eq_ignore_ascii_case(host) {
            return Err(MalformedRequest::HostMismatch);
        }
    }
    Ok(())
}

/// Whether `host` is `uri-host [ ":" port ]` (RFC 9110 §7.2, RFC 3986 §3.2.2): an IP literal
/// in brackets, or a registered name or IPv4 address, then an optional port. Checked byte by
/// byte against a table, without parsing into an allocated `Authority`, and in one pass: a
/// name ends at its first byte outside the table, which must then be the port's `:` (or the
/// literal's `]`). This runs on every request.
fn is_valid_host(host: &[u8]) -> bool {
    let port = match host.strip_prefix(b"[") {
        Some(rest) => match split_off_valid(rest, &IP_LITERAL) {
            (literal, [b']', port @ ..]) if !literal.is_empty() => port,
            _ => return false,
        },
        None => split_off_valid(host, &REG_NAME).1,
    };
    match port.split_first() {
        None => true,
        Some((b':', digits)) => digits.iter().all(u8::is_ascii_digit),
        Some(_) => false,
    }
}

/// `bytes` split before the first byte that is not in `valid`.
fn split_off_valid<'b>(bytes: &'b [u8], valid: &[bool; 256]) -> (&'b [u8], &'b [u8]) {
    let end = bytes.iter().position(|&b| !valid[usize::from(b)]);
    bytes.split_at(end.unwrap_or(bytes.len()))
}

/// The bytes of a registered name or an IPv4 address: `unreserved`, `pct-encoded` and
/// `sub-delims` (RFC 3986 §3.2.2).
static REG_NAME: [bool; 256] = byte_set(b"-._~%!$&'()*+,;=");

/// The bytes of an IP literal between brackets (an IPv6 address or an `IPvFuture`).
static IP_LITERAL: [bool; 256] = byte_set(b":.-_~!$&'()*+,;=");

/// A table of the ASCII letters and digits, and of `extra`.
const fn byte_set(extra: &[u8]) -> [bool; 256] {
    let mut set = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        set[byte] = (byte as u8).is_ascii_alphanumeric();
        byte += 1;
    }
    let mut index = 0;
    while index < extra.len() {
        set[extra[index] as usize] = true;
        index += 1;
    }
    set
}

/// The authority as `Host` carries it: `host[:port]`, without `userinfo@`.
fn without_userinfo(authority: &Authority) -> &str {
    let text = authority.as_str();
    text.rsplit_once('@').map_or(text, |(_, host)| host)
}

/// The transfer codings of every `Transfer-Encoding` line, in order, as far as the rules need.
#[derive(Default)]
struct Codings {
    chunked: usize,
    last_is_chunked: Option<bool>,
}

impl Codings {
    fn add(&mut self, value: &[u8]) {
        let codings = value.split(|&b| b == b',').map(<[u8]>::trim_ascii);
        for coding in codings.filter(|coding| !coding.is_empty()) {
            let chunked = coding.eq_ignore_ascii_case(b"chunked");
            self.chunked += usize::from(chunked);
            self.last_is_chunked = Some(chunked);
        }
    }

    /// RFC 9112 §6.1: `chunked` is applied at most once, and last; RFC 9112 §6.3 (4): a
    /// request whose last coding is not `chunked` has no reliable length, answered 400 and
    /// closed.
    fn check(&self) -> Result<(), MalformedRequest> {
        match (self.chunked, self.last_is_chunked) {
            (2.., _) => Err(MalformedRequest::ChunkedTwice),
            (_, Some(false)) => Err(MalformedRequest::ChunkedNotLast),
            _ => Ok(()),
        }
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
        assert!(check11("/", &[("host", "127.0.0.1:0")]).is_none());
        assert!(check11("/", &[("host", "xn--bcher-kva.example")]).is_none());
        assert!(check11("/", &[("host", "")]).is_none());
        assert!(check11("/", &[("host", "a:")]).is_none());
        assert!(check11("/", &[("host", "[::1]")]).is_none());
        assert!(check11("/", &[("host", "[v1.x]:")]).is_none());
        assert!(check11("/", &[("host", "a%2e~b!$&'()*+,;=-_.c")]).is_none());
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

    /// Header lines, as sent.
    type Headers<'a> = &'a [(&'a str, &'a str)];

    #[test]
    fn each_rule_rejects_what_it_names() {
        use MalformedRequest::*;
        let cases: &[(&str, Headers, MalformedRequest)] = &[
            ("/", &[], MissingHost),
            ("/", &[("host", "a"), ("host", "a")], SeveralHosts),
            ("/", &[("host", "a b")], InvalidHost),
            ("/", &[("host", "user@a")], InvalidHost),
            ("/", &[("host", "a/b")], InvalidHost),
            ("/", &[("host", "a:8x")], InvalidHost),
            ("/", &[("host", "[::1")], InvalidHost),
            ("/", &[("host", "[]")], InvalidHost),
            ("/", &[("host", "a:1:2")], InvalidHost),
            ("/", &[("host", "[::1]x")], InvalidHost),
            ("/", &[("host", "[::1]:8x")], InvalidHost),
            ("/", &[("host", "[::1]]")], InvalidHost),
            ("/", &[("host", "[:/:1]")], InvalidHost),
            ("/", &[("host", "a]")], InvalidHost),
            ("/", &[("host", "a[b")], InvalidHost),
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
