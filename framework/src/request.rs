//! The framework primitives that describe an incoming request. Each can be injected into any
//! component without registering a constructor.

use std::net::SocketAddr;
use std::ops::Range;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use http::{Extensions, HeaderMap, HeaderName, HeaderValue, Method, Uri, Version};
use http_body_util::BodyExt;
use http_body_util::combinators::BoxBody;

use crate::error::{BoxError, InvalidPathParameter};
use crate::pipeline::{BodyWait, Watched};
use crate::router::PathParams;

/// The request line and headers: everything but the body.
#[derive(Debug, Clone)]
pub struct RequestHead {
    /// The request method.
    pub method: Method,
    /// The request target, as sent.
    pub uri: Uri,
    /// The HTTP version.
    pub version: Version,
    /// The request headers.
    pub headers: HeaderMap,
    /// What the server or an outer service attached to the request, as in
    /// [`http::request::Parts`]: e.g. hyper's `OnUpgrade`, which WebSockets need.
    pub extensions: Extensions,
}

impl From<http::request::Parts> for RequestHead {
    fn from(parts: http::request::Parts) -> Self {
        Self {
            method: parts.method,
            uri: parts.uri,
            version: parts.version,
            headers: parts.headers,
            extensions: parts.extensions,
        }
    }
}

/// The request body, as a stream of bytes. Take it by value; it can be consumed only once.
pub struct RequestBody {
    kind: Kind,
    /// Told whether the body's reader waits for bytes, for the body read timeout.
    wait: Option<Arc<BodyWait>>,
}

/// A body straight from the server is kept as it is, so that a request whose body nobody
/// reads costs no allocation; any other body is boxed.
enum Kind {
    Incoming(hyper::body::Incoming),
    Boxed(BoxBody<Bytes, BoxError>),
}

impl RequestBody {
    /// Wraps any body whose errors are standard errors. A `RequestBody` or hyper's
    /// `Incoming` is kept as it is; any other body is boxed (it need not be `Sync`: an axum
    /// `Body` is accepted).
    pub fn new<B>(body: B) -> Self
    where
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        let mut slot = Some(body);
        let any = &mut slot as &mut dyn std::any::Any;
        if let Some(body) = any.downcast_mut::<Option<RequestBody>>() {
            return body.take().expect("the body is taken once");
        }
        if let Some(body) = any.downcast_mut::<Option<hyper::body::Incoming>>() {
            return Self::incoming(body.take().expect("the body is taken once"));
        }
        let body = slot.take().expect("the body is taken once");
        Self::of(Kind::Boxed(SyncBody::new(body).boxed()))
    }

    fn of(kind: Kind) -> Self {
        Self { kind, wait: None }
    }

    /// The body of a request the server received.
    pub(crate) fn incoming(body: hyper::body::Incoming) -> Self {
        Self::of(Kind::Incoming(body))
    }

    /// A body with the given bytes.
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Self {
        Self::new(http_body_util::Full::new(bytes.into()))
    }

    /// The body as an [`http_body::Body`], to read it frame by frame.
    pub fn into_inner(self) -> BoxBody<Bytes, BoxError> {
        match (self.kind, self.wait) {
            (Kind::Incoming(body), None) => body.map_err(Into::into).boxed(),
            (Kind::Incoming(body), Some(wait)) => {
                Watched::new(body, wait).map_err(Into::into).boxed()
            }
            (Kind::Boxed(body), None) => body,
            (Kind::Boxed(body), Some(wait)) => Watched::new(body, wait).boxed(),
        }
    }

    /// Starts telling whether the body's reader waits for bytes; `None` when the body has
    /// nothing left to arrive.
    pub(crate) fn watch(&mut self) -> Option<Arc<BodyWait>> {
        let complete = match &self.kind {
            Kind::Incoming(body) => http_body::Body::is_end_stream(body),
            Kind::Boxed(body) => http_body::Body::is_end_stream(body),
        };
        if complete {
            return None;
        }
        Some(Arc::clone(self.wait.insert(Arc::default())))
    }
}

/// The body as the tower layers of a blueprint see it: read frame by frame, in place.
impl http_body::Body for RequestBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        let polled = match &mut this.kind {
            Kind::Incoming(body) => std::pin::Pin::new(body)
                .poll_frame(cx)
                .map(|frame| frame.map(|frame| frame.map_err(Into::into))),
            Kind::Boxed(body) => std::pin::Pin::new(body).poll_frame(cx),
        };
        if let Some(wait) = &this.wait {
            wait.set_waiting(polled.is_pending());
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::Incoming(body) => body.is_end_stream(),
            Kind::Boxed(body) => body.is_end_stream(),
        }
    }

    fn size_hint(&self) -> http_body::SizeHint {
        match &self.kind {
            Kind::Incoming(body) => body.size_hint(),
            Kind::Boxed(body) => body.size_hint(),
        }
    }
}

pin_project_lite::pin_project! {
    /// Makes any body `Sync`, as [`BoxBody`] requires: the body itself is only ever used
    /// through `Pin<&mut Self>`, and what `&self` methods tell is kept beside it.
    struct SyncBody<B> {
        #[pin]
        body: sync_wrapper::SyncWrapper<B>,
        size_hint: http_body::SizeHint,
        ended: bool,
    }
}

impl<B: http_body::Body> SyncBody<B> {
    fn new(body: B) -> Self {
        Self {
            size_hint: body.size_hint(),
            ended: body.is_end_stream(),
            body: sync_wrapper::SyncWrapper::new(body),
        }
    }
}

impl<B> http_body::Body for SyncBody<B>
where
    B: http_body::Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, BoxError>>> {
        let this = self.project();
        let frame = std::task::ready!(this.body.get_pin_mut().poll_frame(cx));
        match &frame {
            Some(Ok(frame)) => {
                let read = frame.data_ref().map_or(0, |data| data.len() as u64);
                let lower = this.size_hint.lower().saturating_sub(read);
                let upper = this
                    .size_hint
                    .upper()
                    .map(|upper| upper.saturating_sub(read));
                *this.size_hint = http_body::SizeHint::new();
                this.size_hint.set_lower(lower);
                if let Some(upper) = upper {
                    this.size_hint.set_upper(upper);
                }
            }
            Some(Err(_)) | None => *this.ended = true,
        }
        std::task::Poll::Ready(frame.map(|frame| frame.map_err(Into::into)))
    }

    fn is_end_stream(&self) -> bool {
        self.ended
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.size_hint
    }
}

impl std::fmt::Debug for RequestBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestBody").finish_non_exhaustive()
    }
}

/// The values of the route's path parameters, percent-decoded.
///
/// For `#[get("/users/{id}")]` and a request to `/users/a%20b`, `get("id")` is `Some("a b")`.
#[derive(Clone, Default)]
pub struct RawPathParams {
    /// Each parameter's name and where its value is in `values`.
    params: Vec<(Arc<str>, Range<usize>)>,
    /// The values, one after the other: one allocation for them all, not one each.
    values: String,
}

impl RawPathParams {
    /// Percent-decodes the parameters the router extracted. `names` are the route's parameter
    /// names, shared so that a request does not allocate them again. Inlined, so that a route
    /// without parameters, the most common, costs no call.
    #[inline]
    pub(crate) fn decode(
        params: PathParams<'_, '_>,
        names: &[Arc<str>],
    ) -> Result<Self, InvalidPathParameter> {
        if params.is_empty() {
            return Ok(Self::default());
        }
        Self::decode_each(params, names)
    }

    fn decode_each(
        params: PathParams<'_, '_>,
        names: &[Arc<str>],
    ) -> Result<Self, InvalidPathParameter> {
        // Decoding never lengthens a value: the values fit without growing the buffer.
        let mut decoded = Self {
            params: Vec::with_capacity(params.len()),
            values: String::with_capacity(params.values_len_bound()),
        };
        for (name, value) in params.iter() {
            let start = decoded.values.len();
            // A value with no `%` is its own decoding, and already UTF-8: checked once
            // rather than decoded byte by byte and checked again.
            if value.contains('%') {
                let value = percent_encoding::percent_decode_str(value)
                    .decode_utf8()
                    .map_err(|source| InvalidPathParameter::new(name, source))?;
                decoded.values.push_str(&value);
            } else {
                decoded.values.push_str(value);
            }
            let known = names.iter().find(|known| &***known == name);
            let key = known.cloned().unwrap_or_else(|| Arc::from(name));
            decoded.params.push((key, start..decoded.values.len()));
        }
        Ok(decoded)
    }

    /// The decoded value of the parameter `name`, if the route has one by that name.
    pub fn get(&self, name: &str) -> Option<&str> {
        let (_, range) = self.params.iter().find(|(key, _)| **key == *name)?;
        Some(&self.values[range.clone()])
    }

    /// Every parameter, in the order of the path template.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        let values = &self.values;
        self.params
            .iter()
            .map(move |(key, range)| (&**key, &values[range.clone()]))
    }
}

/// The names and values, as `RawPathParams { params: [("id", "7")] }`, not the buffer.
impl std::fmt::Debug for RawPathParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let params: Vec<_> = self.iter().collect();
        f.debug_struct("RawPathParams")
            .field("params", &params)
            .finish()
    }
}

/// The path template of the route that matched, e.g. `/users/{id}`, with the prefixes of the
/// blueprints it is nested in. Empty in a fallback, where no route matched.
#[derive(Debug, Clone, Default)]
pub struct MatchedRoute(pub(crate) Arc<str>);

impl MatchedRoute {
    /// The template, as registered.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The methods the request's path is served with, when a route exists for the path but not
/// for the request's method. Meant for fallbacks, to tell a 405 from a 404.
#[derive(Debug, Clone, Default)]
pub struct AllowedMethods(pub(crate) Option<HeaderValue>);

impl AllowedMethods {
    /// The value of the `Allow` header for a 405 (e.g. `GET, DELETE, HEAD`); `None` when no
    /// route serves the path at all.
    pub fn allow_header(&self) -> Option<&HeaderValue> {
        self.0.as_ref()
    }
}

/// Facts about the connection the request arrived on.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionInfo {
    /// The address of the peer (the client, or the nearest proxy).
    pub peer_addr: SocketAddr,
    /// The local address the connection was accepted on: the root span's `server.address`
    /// and `server.port` when the request names no host.
    pub local_addr: SocketAddr,
    /// The URL scheme the connection serves, `http` or `https` (the root span's `url.scheme`).
    pub scheme: &'static str,
}

/// The request's id: the incoming `x-request-id` when well-formed, generated otherwise.
/// It is echoed on the response and recorded on the root span.
#[derive(Debug, Clone)]
pub struct RequestId(pub(crate) HeaderValue);

impl RequestId {
    /// The header carrying the id, in and out.
    pub const HEADER: &'static str = "x-request-id";
    /// [`HEADER`](Self::HEADER) as a header name, so that looking it up parses nothing.
    pub(crate) const HEADER_NAME: HeaderName = HeaderName::from_static(Self::HEADER);
    /// The longest incoming id that is accepted.
    pub const MAX_LEN: usize = 128;

    /// The id as text.
    pub fn as_str(&self) -> &str {
        // Accepted ids are printable ASCII and generated ones are hexadecimal.
        self.0.to_str().unwrap_or_default()
    }

    /// The id as the response's header carries it.
    pub(crate) fn header_value(&self) -> HeaderValue {
        self.0.clone()
    }

    /// Takes the incoming id if it is printable ASCII of 1 to 128 bytes, or generates one.
    pub(crate) fn from_headers(headers: &HeaderMap) -> Self {
        match Self::incoming(headers) {
            Some(value) if Self::is_well_formed(value.as_bytes()) => Self(value.clone()),
            _ => Self::generate(),
        }
    }

    /// The first value of the header, as `headers.get` finds it. A request carries few
    /// headers, mostly standard ones, and comparing each name costs less than hashing this
    /// one byte by byte for the map's lookup; a request with many headers is looked up.
    fn incoming(headers: &HeaderMap) -> Option<&HeaderValue> {
        /// How many header lines are compared at most, rather than the name hashed.
        const SCANNED: usize = 8;
        if headers.len() > SCANNED {
            return headers.get(Self::HEADER_NAME);
        }
        let mut lines = headers.iter();
        lines.find_map(|(name, value)| (*name == Self::HEADER_NAME).then_some(value))
    }

    fn is_well_formed(id: &[u8]) -> bool {
        !id.is_empty() && id.len() <= Self::MAX_LEN && id.iter().all(|b| b.is_ascii_graphic())
    }

    /// A process-wide random prefix and a counter: unique, and cheap to make.
    fn generate() -> Self {
        use std::cell::RefCell;
        use std::sync::OnceLock;
        use std::sync::atomic::{AtomicU64, Ordering};
        /// How many ids share one allocation.
        const PER_BUFFER: usize = 64;
        /// The prefix, written in hexadecimal once.
        static PREFIX: OnceLock<[u8; 16]> = OnceLock::new();
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        thread_local! {
            /// Where this thread writes the ids it generates: each id is split off it and
            /// shares its allocation, made once for `PER_BUFFER` ids, instead of having one
            /// of its own. The response's copy of the header is a count, not a copy.
            static BUFFER: RefCell<BytesMut> = RefCell::new(BytesMut::new());
        }
        let prefix = PREFIX.get_or_init(|| {
            use std::hash::{BuildHasher, RandomState};
            let mut prefix = [0; 16];
            hex(
                RandomState::new().hash_one(std::time::SystemTime::now()),
                &mut prefix,
            );
            prefix
        });
        let count = COUNTER.fetch_add(1, Ordering::Relaxed);
        // `{prefix:016x}-{count:016x}`, written without the formatting machinery: this runs
        // for every request that comes without an id.
        let mut id = [b'-'; 33];
        id[..16].copy_from_slice(prefix);
        hex(count, &mut id[17..]);
        let shared = BUFFER.try_with(|buffer| {
            let mut buffer = buffer.borrow_mut();
            if buffer.capacity() < id.len() {
                *buffer = BytesMut::with_capacity(id.len() * PER_BUFFER);
            }
            buffer.extend_from_slice(&id);
            buffer.split().freeze()
        });
        // A thread whose locals are being destroyed (it is exiting) has no buffer left.
        let id = shared.unwrap_or_else(|_| Bytes::copy_from_slice(&id));
        Self(
            HeaderValue::from_maybe_shared(id)
                .expect("hexadecimal digits and `-` are a valid header value"),
        )
    }
}

/// Writes `value` in lowercase hexadecimal, zero-padded, into the 16 bytes of `out`: two
/// digits per byte of the value, looked up together.
pub(crate) fn hex(value: u64, out: &mut [u8]) {
    for (digits, byte) in out.chunks_exact_mut(2).zip(value.to_be_bytes()) {
        digits.copy_from_slice(&HEX_PAIRS[usize::from(byte)]);
    }
}

/// The two lowercase hexadecimal digits of each byte.
static HEX_PAIRS: [[u8; 2]; 256] = {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut pairs = [[0; 2]; 256];
    let mut byte = 0;
    while byte < 256 {
        pairs[byte] = [DIGITS[byte >> 4], DIGITS[byte & 0xf]];
        byte += 1;
    }
    pairs
};

/// The parameters `path` binds to `template`, routed and decoded as a request's are: for the
/// tests of the parameters and of their extractors.
#[cfg(test)]
pub(crate) fn decode_path(
    template: &str,
    path: &str,
) -> Result<RawPathParams, InvalidPathParameter> {
    use crate::router::{Match, PathRoutes, Router, param_names};
    let routes = vec![PathRoutes {
        path: template.to_owned(),
        methods: vec![(Method::GET, 0)],
        any: None,
    }];
    let router = Router::new(routes).unwrap_or_else(|_| panic!("{template} is a valid route"));
    let Match::Found { params, .. } = router.find(&Method::GET, path) else {
        panic!("{path} matches {template}");
    };
    RawPathParams::decode(params, &param_names(template))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_well_formed_ids_and_generates_the_rest() {
        let mut headers = HeaderMap::new();
        headers.insert(RequestId::HEADER, HeaderValue::from_static("abc-123"));
        assert_eq!(RequestId::from_headers(&headers).as_str(), "abc-123");

        for bad in ["has space", "", &"x".repeat(129)] {
            headers.insert(RequestId::HEADER, HeaderValue::from_str(bad).unwrap());
            let id = RequestId::from_headers(&headers);
            assert_ne!(id.as_str(), bad);
            assert_eq!(id.as_str().len(), 33);
        }
        let (a, b) = (RequestId::generate(), RequestId::generate());
        assert_ne!(a.as_str(), b.as_str());
        // The same prefix, then a counter, as `{prefix:016x}-{count:016x}` writes.
        assert_eq!(a.as_str()[..17], b.as_str()[..17]);
        let count = |id: &RequestId| u64::from_str_radix(&id.as_str()[17..], 16).unwrap();
        assert!(count(&b) > count(&a));
    }

    #[test]
    fn the_incoming_id_is_the_first_value_however_many_headers_come() {
        for others in [0, 1, 7, 8, 9, 30] {
            let mut headers = HeaderMap::new();
            for index in 0..others {
                let name = HeaderName::from_bytes(format!("x-other-{index}").as_bytes()).unwrap();
                headers.insert(name, HeaderValue::from_static("other"));
            }
            headers.insert(http::header::HOST, HeaderValue::from_static("a"));
            headers.append(RequestId::HEADER, HeaderValue::from_static("first"));
            headers.append(RequestId::HEADER, HeaderValue::from_static("second"));
            assert_eq!(
                RequestId::from_headers(&headers).as_str(),
                "first",
                "{others}"
            );
            headers.remove(RequestId::HEADER);
            assert_eq!(RequestId::from_headers(&headers).as_str().len(), 33);
        }
    }

    #[test]
    fn generated_ids_stay_intact_across_shared_buffers() {
        let ids: Vec<RequestId> = (0..300).map(|_| RequestId::generate()).collect();
        let count = |id: &RequestId| u64::from_str_radix(&id.as_str()[17..], 16).unwrap();
        for pair in ids.windows(2) {
            let (a, b) = (pair[0].as_str(), pair[1].as_str());
            assert_eq!((a.len(), &a[..17]), (33, &b[..17]), "{a} {b}");
            assert!(count(&pair[1]) > count(&pair[0]), "{a} {b}");
        }
        assert_eq!(ids[0].header_value(), ids[0].as_str());
    }

    #[test]
    fn an_exiting_thread_still_generates_ids() {
        /// Generates an id when the thread's locals are destroyed.
        struct AtExit(std::sync::mpsc::Sender<String>);
        impl Drop for AtExit {
            fn drop(&mut self) {
                let _ = self.0.send(RequestId::generate().as_str().to_owned());
            }
        }
        thread_local! {
            static AT_EXIT: std::cell::RefCell<Option<AtExit>> = const { std::cell::RefCell::new(None) };
        }
        let (sender, ids) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            // Registered before the id buffer, so destroyed after it (in reverse order, as
            // glibc runs thread-local destructors): the id is made without the buffer.
            AT_EXIT.with_borrow_mut(|slot| *slot = Some(AtExit(sender)));
            let _ = RequestId::generate();
        })
        .join()
        .expect("the thread exits cleanly");
        let id = ids.recv().expect("an id was generated at exit");
        assert_eq!(id.len(), 33, "{id}");
    }

    #[test]
    fn path_parameters_are_decoded_in_order_into_one_buffer() {
        let params = decode_path("/u/{id}/f/{name}/{rest}", "/u/a%20b/f/%C3%A9t%C3%A9/x").unwrap();
        let all: Vec<_> = params.iter().collect();
        assert_eq!(all, [("id", "a b"), ("name", "été"), ("rest", "x")]);
        assert_eq!(params.get("name"), Some("été"));
        assert_eq!(params.get("rest"), Some("x"));
        assert_eq!(params.get("nope"), None);
        assert_eq!(
            format!("{params:?}"),
            r#"RawPathParams { params: [("id", "a b"), ("name", "été"), ("rest", "x")] }"#
        );
        assert!(decode_path("/u/{id}", "/u/%FF").is_err());
        let none = decode_path("/plain", "/plain").unwrap();
        assert_eq!(none.iter().count(), 0);
    }

    #[test]
    fn hex_matches_the_formatter() {
        for value in [
            0,
            1,
            0xf,
            0x10,
            0xdead_beef,
            u64::MAX,
            0x0123_4567_89ab_cdef,
        ] {
            let mut out = [0; 16];
            hex(value, &mut out);
            assert_eq!(std::str::from_utf8(&out).unwrap(), format!("{value:016x}"));
        }
    }
}
