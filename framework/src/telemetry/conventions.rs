//! The values OpenTelemetry's HTTP server conventions ask for that take more than a field
//! copy: the normalised method, the span name, and the server's address and port.

use std::borrow::Cow;
use std::net::IpAddr;

use http::Method;
use http::header::HOST;

use crate::request::{ConnectionInfo, RequestHead};

/// The request method as `http.request.method` records it: one of the methods the HTTP
/// specifications define, or `_OTHER` (a method is case-sensitive: `get` is `_OTHER`).
pub(super) fn method_name(method: &Method) -> &'static str {
    const KNOWN: [(Method, &str); 9] = [
        (Method::GET, "GET"),
        (Method::POST, "POST"),
        (Method::PUT, "PUT"),
        (Method::DELETE, "DELETE"),
        (Method::HEAD, "HEAD"),
        (Method::OPTIONS, "OPTIONS"),
        (Method::PATCH, "PATCH"),
        (Method::CONNECT, "CONNECT"),
        (Method::TRACE, "TRACE"),
    ];
    KNOWN
        .iter()
        .find(|(known, _)| known == method)
        .map_or(OTHER, |(_, name)| name)
}

/// What `http.request.method` records for a method the conventions do not know.
pub(super) const OTHER: &str = "_OTHER";

/// The span name: `{method} {route}`, the method alone without a route, `HTTP` for a method
/// recorded as `_OTHER`. `label` is the route's precomputed `METHOD /template`, used as it is
/// when the request's method is the route's (a HEAD served by a GET route is not).
pub(super) fn span_name<'a>(
    method: &'static str,
    route: Option<(&'a str, &'a str)>,
) -> Cow<'a, str> {
    let method = if method == OTHER { "HTTP" } else { method };
    match route {
        None => Cow::Borrowed(method),
        Some((template, label)) => match label.strip_prefix(method) {
            Some(rest) if rest.starts_with(' ') => Cow::Borrowed(label),
            _ => Cow::Owned(format!("{method} {template}")),
        },
    }
}

/// `server.address` and `server.port`: the host the request names (the URI's authority, as
/// HTTP/2 and absolute-form requests carry it, else the `Host` header), else the local
/// address the connection was accepted on.
pub(super) struct ServerEndpoint<'a> {
    pub(super) address: Cow<'a, str>,
    pub(super) port: u16,
}

impl<'a> ServerEndpoint<'a> {
    pub(super) fn of(head: &'a RequestHead, connection: &ConnectionInfo) -> Self {
        let named = match head.uri.authority() {
            Some(authority) => Some(authority.as_str()),
            None => head.headers.get(HOST).and_then(|host| host.to_str().ok()),
        };
        let default_port = if connection.scheme == "https" {
            443
        } else {
            80
        };
        named
            .and_then(|host| parse_host(host, default_port))
            .unwrap_or_else(|| Self {
                address: Cow::Owned(connection.local_addr.ip().to_string()),
                port: connection.local_addr.port(),
            })
    }
}

/// Splits `host[:port]` (`[v6]:port` for an IPv6 address, recorded without brackets); the
/// port defaults to the scheme's. `None` when the port is not a number or the host is empty.
fn parse_host(host: &str, default_port: u16) -> Option<ServerEndpoint<'_>> {
    let host = host.rsplit_once('@').map_or(host, |(_, host)| host);
    let (address, port) = match host.strip_prefix('[') {
        Some(bracketed) => {
            let (address, rest) = bracketed.split_once(']')?;
            address.parse::<IpAddr>().ok()?;
            (address, rest.strip_prefix(':'))
        }
        None => match host.split_once(':') {
            Some((address, port)) => (address, Some(port)),
            None => (host, None),
        },
    };
    let port = match port {
        Some(port) => port.parse().ok()?,
        None => default_port,
    };
    (!address.is_empty()).then_some(ServerEndpoint {
        address: Cow::Borrowed(address),
        port,
    })
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use super::*;

    fn endpoint(uri: &str, host: Option<&str>) -> (String, u16) {
        let mut request = http::Request::builder().uri(uri);
        if let Some(host) = host {
            request = request.header(HOST, host);
        }
        let head = RequestHead::from(request.body(()).unwrap().into_parts().0);
        let connection = ConnectionInfo {
            peer_addr: SocketAddr::from(([10, 0, 0, 1], 5555)),
            local_addr: SocketAddr::from(([10, 0, 0, 2], 8080)),
            scheme: "http",
        };
        let endpoint = ServerEndpoint::of(&head, &connection);
        (endpoint.address.into_owned(), endpoint.port)
    }

    #[test]
    fn the_server_is_the_named_host_else_the_local_address() {
        assert_eq!(
            endpoint("/", Some("example.com")),
            ("example.com".into(), 80)
        );
        assert_eq!(
            endpoint("/", Some("example.com:81")),
            ("example.com".into(), 81)
        );
        assert_eq!(endpoint("/", Some("[::1]:9000")), ("::1".into(), 9000));
        assert_eq!(
            endpoint("http://a.test:82/x", Some("b.test")),
            ("a.test".into(), 82)
        );
        assert_eq!(endpoint("/", None), ("10.0.0.2".into(), 8080));
        assert_eq!(
            endpoint("/", Some("example.com:http")),
            ("10.0.0.2".into(), 8080)
        );
        assert_eq!(endpoint("/", Some("[nope]:1")), ("10.0.0.2".into(), 8080));
    }

    #[test]
    fn unknown_methods_are_other() {
        assert_eq!(method_name(&Method::GET), "GET");
        assert_eq!(method_name(&Method::from_bytes(b"get").unwrap()), OTHER);
        assert_eq!(method_name(&Method::from_bytes(b"PURGE").unwrap()), OTHER);
    }

    #[test]
    fn the_span_name_is_the_method_and_route() {
        let route = Some(("/users/{id}", "GET /users/{id}"));
        assert_eq!(span_name("GET", route), "GET /users/{id}");
        assert_eq!(span_name("HEAD", route), "HEAD /users/{id}");
        assert_eq!(span_name("GET", Some(("/x", "GETX /x"))), "GET /x");
        assert_eq!(span_name("GET", None), "GET");
        assert_eq!(span_name(OTHER, None), "HTTP");
        assert_eq!(span_name(OTHER, route), "HTTP /users/{id}");
    }
}
