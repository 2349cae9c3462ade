//! [`Error`], the type every observer sees, the framework's own errors, and how an error
//! becomes a response and reaches the observers.
//!
#![doc = include_str!("docs/error_handling.md")]

use std::any::Any;
use std::backtrace::{Backtrace, BacktraceStatus};
use std::error::Error as StdError;
use std::fmt;

/// A boxed, thread-safe standard error: what every component error converts into.
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// An error raised while serving a request, as error observers see it.
///
/// It wraps the original error: [`Display`](fmt::Display) and [`Debug`](fmt::Debug) are the
/// original's, [`source`](Error::source) walks its cause chain, and
/// [`type_name`](Error::type_name) names its Rust type (a low-cardinality label for
/// `error.type`). Like `anyhow::Error`, it does not implement [`std::error::Error`] itself,
/// so that any standard error converts into it with `?`.
pub struct Error {
    inner: BoxError,
    type_name: &'static str,
    status: Option<http::StatusCode>,
    /// The backtrace an `anyhow::Error` captured, rendered: converting it into a standard
    /// error drops it.
    #[cfg(feature = "anyhow")]
    anyhow_backtrace: Option<Box<str>>,
}

impl Error {
    /// Wraps `error`, remembering the name of its type.
    ///
    /// Wrapping an [`Error`] again returns it unchanged.
    pub fn new<E>(error: E) -> Self
    where
        E: Into<BoxError> + 'static,
    {
        let mut slot = Some(error);
        if let Some(already) = (&mut slot as &mut dyn Any).downcast_mut::<Option<Error>>()
            && let Some(error) = already.take()
        {
            return error;
        }
        #[cfg(feature = "anyhow")]
        let anyhow_backtrace = (&slot as &dyn Any)
            .downcast_ref::<Option<anyhow::Error>>()
            .and_then(Option::as_ref)
            .map(anyhow::Error::backtrace)
            .filter(|trace| trace.status() == BacktraceStatus::Captured)
            .map(|trace| trace.to_string().into_boxed_str());
        match slot {
            Some(error) => Self {
                inner: error.into(),
                type_name: crate::type_name::public_static(std::any::type_name::<E>()),
                status: None,
                #[cfg(feature = "anyhow")]
                anyhow_backtrace,
            },
            // `slot` is only emptied when `E` is `Error`, which returned above.
            None => unreachable!("the error was taken only when it was already an `Error`"),
        }
    }

    /// The full Rust type name of the original error, e.g. `std::io::error::Error`; watchful's
    /// own errors are named by their public path (`watchful::extract::JsonBodyError`).
    pub fn type_name(&self) -> &'static str {
        self.type_name
    }

    /// The backtrace of the error, when one was captured: a [`Panic`]'s, captured where it
    /// panicked, or (with the feature `anyhow`) an `anyhow::Error`'s. Capture is enabled by
    /// `RUST_BACKTRACE` or `RUST_LIB_BACKTRACE` (see [`std::backtrace`]) and never happens
    /// on the success path.
    pub fn backtrace(&self) -> Option<&dyn fmt::Display> {
        #[cfg(feature = "anyhow")]
        if let Some(trace) = &self.anyhow_backtrace {
            return Some(trace);
        }
        self.downcast_ref::<Panic>()
            .and_then(Panic::backtrace)
            .filter(|trace| trace.status() == BacktraceStatus::Captured)
            .map(|trace| trace as &dyn fmt::Display)
    }

    /// The status of the response made for this error, once its error handler ran: what
    /// observers see, e.g. to log a 4xx at another level. `None` when no response was made
    /// for it (its handler panicked; the body of a response already sent failed).
    pub fn response_status(&self) -> Option<http::StatusCode> {
        self.status
    }

    /// Remembers the status of the response made for this error.
    pub(crate) fn set_response_status(&mut self, status: http::StatusCode) {
        self.status = Some(status);
    }

    /// The cause of the original error, if it has one.
    pub fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.inner.source()
    }

    /// Returns the original error if it is of type `E`.
    pub fn downcast_ref<E: StdError + 'static>(&self) -> Option<&E> {
        self.inner.downcast_ref::<E>()
    }

    /// The original error as a standard error, e.g. to use it as another error's source.
    pub fn as_std(&self) -> &(dyn StdError + Send + Sync + 'static) {
        &*self.inner
    }

    /// Iterates over the causes of the error, outermost first, excluding the error itself.
    pub fn sources(&self) -> Sources<'_> {
        Sources {
            next: self.inner.source(),
        }
    }
}

/// Iterator over an error's causes, returned by [`Error::sources`].
#[derive(Debug, Clone)]
pub struct Sources<'a> {
    next: Option<&'a (dyn StdError + 'static)>,
}

impl<'a> Iterator for Sources<'a> {
    type Item = &'a (dyn StdError + 'static);

    fn next(&mut self) -> Option<Self::Item> {
        let current = self.next?;
        self.next = current.source();
        Some(current)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.inner, f)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}

impl<E> From<E> for Error
where
    E: StdError + Send + Sync + 'static,
{
    fn from(error: E) -> Self {
        Self::new(error)
    }
}

impl From<Error> for BoxError {
    fn from(error: Error) -> Self {
        error.inner
    }
}

/// A panic in a component, caught by the framework and turned into an error.
///
/// Handled like any other error — 500 by the built-in handler, or by the blueprint's handler
/// for `Panic` or its catch-all — and observed. The server keeps serving.
#[derive(thiserror::Error)]
#[error("`{component}` panicked: {message}")]
pub struct Panic {
    component: &'static str,
    message: String,
    trace: Option<Backtrace>,
}

impl Panic {
    /// Reads the panic's message from its payload (a `&str` or a `String`, as `panic!` makes);
    /// `trace` is the backtrace captured where it panicked, if capture is enabled.
    pub(crate) fn new(
        component: &'static str,
        payload: &(dyn Any + Send),
        trace: Option<Backtrace>,
    ) -> Self {
        let message = match (
            payload.downcast_ref::<&'static str>(),
            payload.downcast_ref::<String>(),
        ) {
            (Some(message), _) => (*message).to_owned(),
            (_, Some(message)) => message.clone(),
            _ => "(the panic payload is not a string)".to_owned(),
        };
        Self {
            component,
            message,
            trace,
        }
    }

    /// The backtrace of the panic, captured where it happened when `RUST_BACKTRACE` or
    /// `RUST_LIB_BACKTRACE` enable capture (see [`Error::backtrace`]).
    pub fn backtrace(&self) -> Option<&Backtrace> {
        self.trace.as_ref()
    }

    /// The function that panicked, `module::path::function`.
    pub fn component(&self) -> &'static str {
        self.component
    }

    /// The panic's message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// Without the backtrace: `Debug` is what `error.details` records, and the backtrace has its
/// own field.
impl fmt::Debug for Panic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Panic")
            .field("component", &self.component)
            .field("message", &self.message)
            .finish_non_exhaustive()
    }
}

/// A path parameter that is not valid UTF-8 once percent-decoded.
///
/// Raised by the framework before the route's components run; answered with 400 and this
/// message unless the blueprint registers a handler for it.
#[derive(Debug, thiserror::Error)]
#[error("the path parameter `{name}` is not valid UTF-8 once percent-decoded")]
pub struct InvalidPathParameter {
    name: String,
    #[source]
    source: std::str::Utf8Error,
}

impl InvalidPathParameter {
    pub(crate) fn new(name: &str, source: std::str::Utf8Error) -> Self {
        Self {
            name: name.to_owned(),
            source,
        }
    }

    /// The parameter's name in the route template.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// The route's components did not finish within the blueprint's request timeout (see
/// [`Blueprint::request_timeout`](crate::Blueprint::request_timeout)).
///
/// Answered with 503 unless the blueprint registers a handler for it.
#[derive(Debug, thiserror::Error)]
#[error("the request was not served within {limit:?}")]
pub struct RequestTimeout {
    pub(crate) limit: std::time::Duration,
}

impl RequestTimeout {
    /// The timeout that expired.
    pub fn limit(&self) -> std::time::Duration {
        self.limit
    }
}

/// The request body did not arrive in time: the client sent it too slowly, or stopped
/// sending it (see [`Blueprint::body_read_timeout`](crate::Blueprint::body_read_timeout)).
///
/// Raised only while the route's pipeline waits for body bytes, so a handler that never reads
/// the body never meets it. Answered with 408 unless the blueprint registers a handler for it;
/// either way the response carries `Connection: close`, since the rest of the body may still
/// be on its way.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within {limit:?}")]
pub struct RequestBodyTimeout {
    pub(crate) limit: std::time::Duration,
}

impl RequestBodyTimeout {
    /// The time the body had: the body read timeout, or the request timeout when that one
    /// expired first.
    pub fn limit(&self) -> std::time::Duration {
        self.limit
    }
}

/// A request that breaks a rule of HTTP/1.1 message syntax which hyper leaves to the server.
///
/// Raised by the framework before the route's middleware run (on the route the path matches,
/// or its fallback), handled (400 with the message by default; the `Transfer-Encoding` ones
/// close the connection, as RFC 9112 §6.3 requires) and observed like any other error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MalformedRequest {
    /// An HTTP/1.1 request without `Host` (RFC 9112 §3.2).
    #[error("an HTTP/1.1 request must carry a `Host` header (RFC 9112 §3.2)")]
    MissingHost,
    /// More than one `Host` line (RFC 9112 §3.2).
    #[error("a request must carry one `Host` header, not several (RFC 9112 §3.2)")]
    SeveralHosts,
    /// A `Host` that is not `host[:port]` (RFC 9112 §3.2, RFC 9110 §7.2).
    #[error("the `Host` header is not a valid `host[:port]` (RFC 9112 §3.2)")]
    InvalidHost,
    /// A `Host` different from the authority of an absolute-form target (RFC 9112 §3.2.2).
    #[error("the `Host` header disagrees with the request target's authority (RFC 9112 §3.2.2)")]
    HostMismatch,
    /// `Transfer-Encoding` applies `chunked` more than once (RFC 9112 §6.1).
    #[error("`Transfer-Encoding` applies `chunked` more than once (RFC 9112 §6.1)")]
    ChunkedTwice,
    /// `Transfer-Encoding` whose last coding is not `chunked`: the body's length cannot be
    /// known (RFC 9112 §6.3).
    #[error("`Transfer-Encoding` must end with `chunked` in a request (RFC 9112 §6.3)")]
    ChunkedNotLast,
}

impl MalformedRequest {
    /// Whether the connection must close after the response: the body's framing cannot be
    /// trusted.
    pub fn closes_connection(&self) -> bool {
        matches!(self, Self::ChunkedTwice | Self::ChunkedNotLast)
    }
}

/// A component's error before it is handled: the original value, so that an error handler can
/// borrow it as `&E`, and the conversion into [`Error`] that runs once the response exists.
#[doc(hidden)]
pub struct ErasedError {
    value: Box<dyn Any + Send + Sync>,
    into_error: fn(Box<dyn Any + Send + Sync>) -> Error,
}

impl ErasedError {
    pub(crate) fn new<E>(error: E) -> Self
    where
        E: Into<BoxError> + Send + Sync + 'static,
    {
        Self {
            value: Box::new(error),
            into_error: |value| match value.downcast::<E>() {
                Ok(error) => Error::new(*error),
                Err(_) => unreachable!(
                    "an erased error is converted with the function built for its type"
                ),
            },
        }
    }

    /// The original error, for an error handler to downcast to `&E`.
    pub(crate) fn value(&self) -> &(dyn Any + Send + Sync) {
        &*self.value
    }

    pub(crate) fn into_error(self) -> Error {
        (self.into_error)(self.value)
    }
}

impl fmt::Debug for ErasedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ErasedError").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("outer")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn keeps_display_debug_type_and_chain() {
        let error = Error::new(Outer(std::io::Error::other("inner")));
        assert_eq!(error.to_string(), "outer");
        assert!(format!("{error:?}").starts_with("Outer("));
        assert!(error.type_name().ends_with("Outer"));
        let chain: Vec<String> = error.sources().map(|s| s.to_string()).collect();
        assert_eq!(chain, ["inner"]);
        assert!(error.downcast_ref::<Outer>().is_some());
    }

    #[test]
    fn wrapping_an_error_twice_keeps_the_original() {
        let error = Error::new(Error::new(std::io::Error::other("x")));
        assert_eq!(error.type_name(), "std::io::error::Error");
    }

    #[test]
    fn watchful_errors_are_named_by_their_public_path() {
        let error = Error::new(crate::extract::JsonBodyError::Empty);
        assert_eq!(error.type_name(), "watchful::extract::JsonBodyError");
    }

    #[test]
    fn anyhow_errors_convert() {
        let error = Error::new(anyhow::anyhow!("boom").context("while testing"));
        assert_eq!(error.to_string(), "while testing");
        assert_eq!(error.type_name(), "anyhow::Error");
        assert_eq!(error.sources().count(), 1);
    }

    #[test]
    fn erased_errors_round_trip() {
        let erased = ErasedError::new(std::io::Error::other("x"));
        assert!(erased.value().downcast_ref::<std::io::Error>().is_some());
        assert_eq!(erased.into_error().to_string(), "x");
    }
}
