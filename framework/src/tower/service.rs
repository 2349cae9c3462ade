//! [`Blueprint::service`](crate::Blueprint::service): a tower service serving every path under
//! a prefix, which it sees stripped, as with axum's `nest_service`.

use std::panic::Location;

use http::Uri;
use http::uri::PathAndQuery;

use super::{BoxedService, HttpService, ResponseBody};
use crate::request::RequestBody;
use crate::response::Response;

/// The name of the catch-all parameter of a mounted service's route: its `http.route` is
/// `{prefix}/{*rest}`.
pub(crate) const REST: &str = "rest";

/// A service as a blueprint keeps it, with its prefix.
#[derive(Clone)]
pub(crate) struct RegisteredService {
    pub(crate) prefix: String,
    service: BoxedService,
    name: &'static str,
    pub(crate) at: &'static Location<'static>,
}

impl RegisteredService {
    pub(crate) fn new<S, B>(prefix: &str, service: S, at: &'static Location<'static>) -> Self
    where
        S: HttpService<B>,
        B: ResponseBody,
    {
        Self {
            prefix: prefix.to_owned(),
            service: super::boxed(service),
            name: std::any::type_name::<S>(),
            at,
        }
    }

    /// The service as the route serving `path` (the prefix with its blueprints' prefixes)
    /// runs it.
    pub(crate) fn mount(&self, path: &str) -> MountedService {
        MountedService {
            service: self.service.clone(),
            name: self.name,
            segments: path.split('/').filter(|s| !s.is_empty()).count(),
        }
    }
}

/// A service mounted on a route.
#[derive(Clone)]
pub(crate) struct MountedService {
    service: BoxedService,
    name: &'static str,
    /// How many path segments the prefix has: the service sees the path without them.
    segments: usize,
}

impl MountedService {
    /// The service's type, to name it when it panics.
    pub(crate) fn name(&self) -> &'static str {
        self.name
    }

    /// Sends `request` to the service, its path stripped of the prefix.
    pub(crate) async fn call(
        &self,
        mut request: http::Request<RequestBody>,
    ) -> Result<Response, crate::Error> {
        use ::tower::ServiceExt;
        *request.uri_mut() = strip(request.uri(), self.segments);
        self.service.clone().oneshot(request).await
    }
}

/// `uri` without its first `segments` path segments; the rest of the path starts with `/`.
fn strip(uri: &Uri, segments: usize) -> Uri {
    let path = uri.path();
    let mut cut = 0;
    for _ in 0..segments {
        cut = match path[cut + 1..].find('/') {
            Some(slash) => cut + 1 + slash,
            None => path.len(),
        };
        if cut == path.len() {
            break;
        }
    }
    let rest = match &path[cut..] {
        "" => "/",
        rest => rest,
    };
    let stripped = match uri.query() {
        Some(query) => format!("{rest}?{query}"),
        None => rest.to_owned(),
    };
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = PathAndQuery::try_from(stripped).ok();
    Uri::from_parts(parts).unwrap_or_else(|_| Uri::from_static("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_the_prefix_segments() {
        let table = [
            ("/static", 1, "/"),
            ("/static/", 1, "/"),
            ("/static/a/b.css?v=1", 1, "/a/b.css?v=1"),
            ("/users/7/files/x", 3, "/x"),
            ("/api/v1/", 2, "/"),
            ("/static/..%2F..%2Fetc", 1, "/..%2F..%2Fetc"),
        ];
        for (uri, segments, expected) in table {
            let uri: Uri = uri.parse().unwrap();
            assert_eq!(strip(&uri, segments).to_string(), expected, "{uri}");
        }
    }
}
