//! The [`Blueprint`]: the list of components an application is made of, and its checks.
//!
//! Registering does nothing but record; [`Blueprint::build`] validates the whole graph at once,
//! the way a compiler would, builds the singletons and precomputes a plan per route.

mod build;
mod graph;
mod planner;
mod report;

use std::any::Any;
use std::panic::Location;
use std::time::Duration;

pub use report::{BuildError, BuildWarning};

use crate::component::{Constructor, ErrorHandler, ErrorObserver, Route, TypeMeta};

/// The components of an application, in registration order.
///
/// ```
/// use watchful::{Blueprint, get};
///
/// #[get("/ping")]
/// pub fn ping() -> &'static str {
///     "pong"
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), watchful::BuildError> {
/// let mut bp = Blueprint::new();
/// bp.route(PING);
/// let app = bp.build().await?;
/// # let _ = app;
/// # Ok(())
/// # }
/// ```
pub struct Blueprint {
    pub(crate) routes: Vec<Registered<Route>>,
    pub(crate) constructors: Vec<Registered<Constructor>>,
    pub(crate) prebuilt: Vec<Prebuilt>,
    pub(crate) error_handlers: Vec<Registered<ErrorHandler>>,
    pub(crate) observers: Vec<Registered<ErrorObserver>>,
    pub(crate) deny_error_fallback: bool,
    pub(crate) request_timeout: Option<Duration>,
}

impl Default for Blueprint {
    fn default() -> Self {
        Self {
            routes: Vec::new(),
            constructors: Vec::new(),
            prebuilt: Vec::new(),
            error_handlers: Vec::new(),
            observers: Vec::new(),
            deny_error_fallback: false,
            request_timeout: Some(Self::DEFAULT_REQUEST_TIMEOUT),
        }
    }
}

/// A component and where it was registered.
pub(crate) struct Registered<C> {
    pub(crate) component: C,
    pub(crate) at: &'static Location<'static>,
    /// The error handler attached to this very component, if any.
    pub(crate) error_handler: Option<Box<Registered<ErrorHandler>>>,
}

impl<C> Registered<C> {
    #[track_caller]
    fn new(component: C) -> Self {
        Self {
            component,
            at: Location::caller(),
            error_handler: None,
        }
    }
}

/// A value built outside the application and injected as a singleton.
pub(crate) struct Prebuilt {
    pub(crate) ty: TypeMeta,
    pub(crate) value: Box<dyn Any + Send + Sync>,
    pub(crate) at: &'static Location<'static>,
}

/// A registered route or constructor, to attach an error handler to it.
pub struct Registration<'a> {
    error_handler: &'a mut Option<Box<Registered<ErrorHandler>>>,
}

impl<'a> Registration<'a> {
    #[track_caller]
    fn push<C>(list: &'a mut Vec<Registered<C>>, component: C) -> Self {
        list.push(Registered::new(component));
        let registered = list.last_mut().expect("just pushed");
        Registration {
            error_handler: &mut registered.error_handler,
        }
    }

    /// Uses `handler` for this component's errors, whatever the blueprint-wide handler for
    /// that error type is. Its first input must be `&E` for the component's error type `E`
    /// (or `&watchful::Error`).
    #[track_caller]
    pub fn error_handler(self, handler: ErrorHandler) {
        *self.error_handler = Some(Box::new(Registered::new(handler)));
    }
}

impl Blueprint {
    /// How long a route's components may take, unless
    /// [`request_timeout`](Blueprint::request_timeout) says otherwise.
    pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

    /// An empty blueprint.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a route, emitted by `#[get]`, `#[post]`, `#[route]`, ...
    #[track_caller]
    pub fn route(&mut self, route: Route) -> Registration<'_> {
        Registration::push(&mut self.routes, route)
    }

    /// Registers a constructor, emitted by `#[singleton]`, `#[request_scoped]` or
    /// `#[transient]`; the attribute sets the lifecycle.
    #[track_caller]
    pub fn constructor(&mut self, constructor: Constructor) -> Registration<'_> {
        Registration::push(&mut self.constructors, constructor)
    }

    /// Registers a value built outside the application (configuration, a client, ...). It is
    /// a singleton: components take it as `&T`, or as `T` when `T: Clone`.
    #[track_caller]
    pub fn prebuilt<T: Send + Sync + 'static>(&mut self, value: T) {
        self.prebuilt.push(Prebuilt {
            ty: TypeMeta::of::<T>(),
            value: Box::new(value),
            at: Location::caller(),
        });
    }

    /// Registers the error handler for every error of its type raised by this blueprint's
    /// components. A handler whose first input is `&watchful::Error` is the catch-all.
    #[track_caller]
    pub fn error_handler(&mut self, handler: ErrorHandler) {
        self.error_handlers.push(Registered::new(handler));
    }

    /// Registers an error observer. Observers run in registration order, after the error's
    /// response exists, for every error.
    #[track_caller]
    pub fn error_observer(&mut self, observer: ErrorObserver) {
        self.observers.push(Registered::new(observer));
    }

    /// Makes [`build`](Blueprint::build) fail, instead of warning, when an error type has no
    /// handler of its own and would fall back to the catch-all handler or the built-in 500.
    pub fn deny_error_fallback(&mut self) {
        self.deny_error_fallback = true;
    }

    /// How long a route's constructors and handler may run before the request fails with a
    /// [`RequestTimeout`](crate::error::RequestTimeout) error (handled — 503 by default — and
    /// observed like any other). `None` disables it; the default is
    /// [`DEFAULT_REQUEST_TIMEOUT`](Blueprint::DEFAULT_REQUEST_TIMEOUT).
    pub fn request_timeout(&mut self, timeout: impl Into<Option<Duration>>) {
        self.request_timeout = timeout.into();
    }
}
