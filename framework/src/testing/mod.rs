//! Testing an application: [`TestClient`] drives an [`App`] in process, without a socket, and
//! [`capture`] records the telemetry it produces.
//!
//! ```
//! use watchful::{Blueprint, get, testing::TestClient};
//!
//! #[get("/ping")]
//! pub fn ping() -> &'static str {
//!     "pong"
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let mut bp = Blueprint::new();
//! bp.route(PING);
//! let client = TestClient::new(bp.build().await.unwrap());
//! let response = client.get("/ping").send().await;
//! assert_eq!(response.status(), 200);
//! assert_eq!(response.text(), "pong");
//! # }
//! ```

mod capture;

pub use capture::{Capture, CaptureGuard, CapturedEvent, CapturedSpan, Fields, ROOT_SPAN, capture};

use std::collections::VecDeque;
use std::net::{Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HOST, HeaderName, HeaderValue};
use http::{HeaderMap, Method, StatusCode};
use http_body::Frame;
use http_body_util::BodyExt;

use crate::App;
use crate::error::BoxError;
use crate::request::{ConnectionInfo, RequestBody};

/// Sends requests to an [`App`] in process. Cheap to clone and shareable across tasks.
#[derive(Clone, Debug)]
pub struct TestClient {
    app: App,
}

impl TestClient {
    /// A client for `app`.
    pub fn new(app: App) -> Self {
        Self { app }
    }

    /// The app under test.
    pub fn app(&self) -> &App {
        &self.app
    }

    /// A request with any method. `path` may carry a query string. Like any HTTP/1.1
    /// client, it sends `Host` (`localhost`, unless a test sets its own).
    pub fn request(&self, method: Method, path: &str) -> TestRequest {
        TestRequest {
            app: self.app.clone(),
            method,
            path: path.to_owned(),
            headers: HeaderMap::new(),
            body: TestBody::Full(Bytes::new()),
        }
    }

    /// A GET request.
    pub fn get(&self, path: &str) -> TestRequest {
        self.request(Method::GET, path)
    }

    /// A POST request.
    pub fn post(&self, path: &str) -> TestRequest {
        self.request(Method::POST, path)
    }

    /// A PUT request.
    pub fn put(&self, path: &str) -> TestRequest {
        self.request(Method::PUT, path)
    }

    /// A PATCH request.
    pub fn patch(&self, path: &str) -> TestRequest {
        self.request(Method::PATCH, path)
    }

    /// A DELETE request.
    pub fn delete(&self, path: &str) -> TestRequest {
        self.request(Method::DELETE, path)
    }
}

/// A request being built; send it with [`send`](TestRequest::send).
///
/// The builder panics on an invalid header name or value, or an invalid path: in a test, that
/// is a bug in the test, reported where it is.
#[must_use = "a test request does nothing until it is sent"]
pub struct TestRequest {
    app: App,
    method: Method,
    path: String,
    headers: HeaderMap,
    body: TestBody,
}

enum TestBody {
    Full(Bytes),
    Chunked(Chunks),
}

/// A body of these chunks and errors, with no length known in advance, for unit tests.
#[cfg(test)]
pub(crate) fn chunked_body(chunks: Vec<Result<Bytes, BoxError>>) -> RequestBody {
    RequestBody::new(Chunks(chunks.into()))
}

/// A request body sent chunk by chunk, with no length known in advance (like
/// `Transfer-Encoding: chunked`), possibly failing after the chunks.
struct Chunks(VecDeque<Result<Bytes, BoxError>>);

impl http_body::Body for Chunks {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        Poll::Ready(self.0.pop_front().map(|chunk| chunk.map(Frame::data)))
    }

    fn is_end_stream(&self) -> bool {
        self.0.is_empty()
    }
}

impl TestRequest {
    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        let name = HeaderName::from_bytes(name.as_bytes())
            .unwrap_or_else(|error| panic!("invalid header name {name:?}: {error}"));
        let value = HeaderValue::from_str(value)
            .unwrap_or_else(|error| panic!("invalid value for header {name}: {error}"));
        self.headers.append(name, value);
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = TestBody::Full(body.into());
        self
    }

    /// Sets a body sent as these chunks, whose length is not known in advance: no
    /// `Content-Length`, like a chunked HTTP/1.1 body.
    pub fn chunked<C: Into<Bytes>>(mut self, chunks: impl IntoIterator<Item = C>) -> Self {
        let chunks = chunks.into_iter().map(|chunk| Ok(chunk.into())).collect();
        self.body = TestBody::Chunked(Chunks(chunks));
        self
    }

    /// Sets a chunked body that fails with `error` after these chunks, like a client that
    /// disconnects mid-body.
    pub fn broken_body<C: Into<Bytes>>(
        self,
        chunks: impl IntoIterator<Item = C>,
        error: impl Into<BoxError>,
    ) -> Self {
        let mut request = self.chunked(chunks);
        if let TestBody::Chunked(chunks) = &mut request.body {
            chunks.0.push_back(Err(error.into()));
        }
        request
    }

    /// Sets the body to `value` as JSON, and `Content-Type: application/json`.
    pub fn json<T: serde::Serialize + ?Sized>(mut self, value: &T) -> Self {
        let body = serde_json::to_vec(value)
            .unwrap_or_else(|error| panic!("the test body does not serialise to JSON: {error}"));
        self.headers
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        self.body = TestBody::Full(body.into());
        self
    }

    /// Sends the request through the app and reads the whole response.
    pub async fn send(self) -> TestResponse {
        let mut request = http::Request::builder()
            .method(self.method)
            .uri(&self.path)
            .body(match self.body {
                TestBody::Full(bytes) => RequestBody::from_bytes(bytes),
                TestBody::Chunked(chunks) => RequestBody::new(chunks),
            })
            .unwrap_or_else(|error| panic!("invalid request path {:?}: {error}", self.path));
        *request.headers_mut() = self.headers;
        request
            .headers_mut()
            .entry(HOST)
            .or_insert(HeaderValue::from_static("localhost"));
        let connection = ConnectionInfo {
            peer_addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            local_addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 80)),
            scheme: "http",
        };
        let response = self.app.handle(request, connection).await;
        let (parts, mut body) = response.into_parts();
        let mut bytes = Vec::new();
        let mut body_error = None;
        while let Some(frame) = body.frame().await {
            match frame {
                Ok(frame) => {
                    if let Ok(data) = frame.into_data() {
                        bytes.extend_from_slice(&data);
                    }
                }
                Err(error) => {
                    body_error = Some(error.to_string());
                    break;
                }
            }
        }
        TestResponse {
            status: parts.status,
            headers: parts.headers,
            body: Bytes::from(bytes),
            body_error,
        }
    }
}

/// A response read in full.
#[derive(Debug, Clone)]
pub struct TestResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    body_error: Option<String>,
}

impl TestResponse {
    /// The error that ended the body early, as the server saw it (it closes the connection), if
    /// the body was streamed and failed; [`bytes`](TestResponse::bytes) has what came before.
    pub fn body_error(&self) -> Option<&str> {
        self.body_error.as_deref()
    }

    /// The status code.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// All headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The value of header `name`, if present and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)?.to_str().ok()
    }

    /// The body's bytes.
    pub fn bytes(&self) -> &Bytes {
        &self.body
    }

    /// The body as text. Panics if it is not UTF-8 (use [`bytes`](TestResponse::bytes)).
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.body)
            .unwrap_or_else(|error| panic!("the response body is not UTF-8: {error}"))
    }

    /// The body parsed as JSON.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> serde_json::Result<T> {
        serde_json::from_slice(&self.body)
    }
}
