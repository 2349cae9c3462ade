//! The [`Blueprint`]: the list of components an application is made of, and its checks.
//!
//! Registering does nothing but record; [`Blueprint::build`] validates the whole graph at once,
//! the way a compiler would, builds the singletons and precomputes a plan per route.
//!
#![doc = include_str!("../docs/blueprint.md")]

mod build;
mod graph;
mod planner;
mod report;

use std::any::Any;
use std::panic::Location;
use std::time::Duration;

pub use report::{BuildError, BuildWarning};

use crate::component::{Constructor, ErrorHandler, ErrorObserver, Route, TypeMeta};
use crate::extract::BodySizeLimit;
use crate::middleware::{Fallback, PostProcess, PreProcess, Wrap};

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
#[derive(Default)]
pub struct Blueprint {
    pub(crate) routes: Vec<Registered<Route>>,
    pub(crate) constructors: Vec<Registered<Constructor>>,
    pub(crate) prebuilt: Vec<Prebuilt>,
    pub(crate) error_handlers: Vec<Registered<ErrorHandler>>,
    pub(crate) observers: Vec<Registered<ErrorObserver>>,
    pub(crate) middleware: Vec<Registered<Middleware>>,
    pub(crate) fallbacks: Vec<Registered<Fallback>>,
    pub(crate) nested: Vec<Nested>,
    pub(crate) deny_error_fallback: bool,
    /// `None` inherits the parent's (the root's default is 30 s); `Some(None)` disables it.
    pub(crate) request_timeout: Option<Option<Duration>>,
    /// `None` inherits the parent's (the root's default is 2 MiB).
    pub(crate) body_size_limit: Option<BodySizeLimit>,
}

/// A middleware of any kind, in registration order.
#[derive(Clone, Copy)]
pub(crate) enum Middleware {
    Wrap(Wrap),
    Pre(PreProcess),
    Post(PostProcess),
}

/// A blueprint nested in another, with the prefix of its routes.
pub(crate) struct Nested {
    pub(crate) prefix: Option<String>,
    pub(crate) blueprint: Blueprint,
    pub(crate) at: &'static Location<'static>,
}

/// A component and where it was registered.
pub(crate) struct Registered<C> {
    pub(crate) component: C,
    pub(crate) at: &'static Location<'static>,
    /// The error handler attached to this very component, if any.
    pub(crate) error_handler: Option<Box<Registered<ErrorHandler>>>,
    /// The body size limit set for this route (routes only).
    pub(crate) body_size_limit: Option<BodySizeLimit>,
}

impl<C> Registered<C> {
    #[track_caller]
    fn new(component: C) -> Self {
        Self {
            component,
            at: Location::caller(),
            error_handler: None,
            body_size_limit: None,
        }
    }
}

/// A value built outside the application and injected as a singleton.
pub(crate) struct Prebuilt {
    pub(crate) ty: TypeMeta,
    pub(crate) value: Box<dyn Any + Send + Sync>,
    pub(crate) at: &'static Location<'static>,
}

/// A registered constructor or middleware, to attach an error handler to it.
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

/// A registered route, to attach an error handler or set its body size limit.
pub struct RouteRegistration<'a> {
    route: &'a mut Registered<Route>,
}

impl RouteRegistration<'_> {
    /// Uses `handler` for the handler's errors, whatever the blueprint-wide handler for that
    /// error type is. Its first input must be `&E` for the handler's error type `E` (or
    /// `&watchful::Error`).
    #[track_caller]
    pub fn error_handler(self, handler: ErrorHandler) -> Self {
        self.route.error_handler = Some(Box::new(Registered::new(handler)));
        self
    }

    /// The most bytes of request body this route's extractors read, whatever the
    /// blueprint's limit is.
    pub fn body_size_limit(self, limit: BodySizeLimit) -> Self {
        self.route.body_size_limit = Some(limit);
        self
    }
}

/// A blueprint's prefix, waiting for the blueprint to nest under it; see
/// [`Blueprint::prefix`].
#[must_use = "a prefix does nothing until a blueprint is nested under it with `.nest(..)`"]
pub struct Prefixed<'a> {
    parent: &'a mut Blueprint,
    prefix: String,
}

impl Prefixed<'_> {
    /// Nests `child` under the prefix: its routes' paths start with it, and its fallback
    /// serves the paths under it.
    #[track_caller]
    pub fn nest(self, child: Blueprint) {
        self.parent.nested.push(Nested {
            prefix: Some(self.prefix),
            blueprint: child,
            at: Location::caller(),
        });
    }
}

impl Blueprint {
    /// How long a route's middleware and components may take, unless
    /// [`request_timeout`](Blueprint::request_timeout) says otherwise.
    pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

    /// An empty blueprint.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a route, emitted by `#[get]`, `#[post]`, `#[route]`, ...
    #[track_caller]
    pub fn route(&mut self, route: Route) -> RouteRegistration<'_> {
        self.routes.push(Registered::new(route));
        RouteRegistration {
            route: self.routes.last_mut().expect("just pushed"),
        }
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

    /// Registers a wrapping middleware, emitted by `#[wrap]`. It runs around everything
    /// registered after it; see [`middleware`](crate::middleware) for the order.
    #[track_caller]
    pub fn wrap(&mut self, middleware: Wrap) -> Registration<'_> {
        Registration::push(&mut self.middleware, Middleware::Wrap(middleware))
    }

    /// Registers a pre-processing middleware, emitted by `#[pre_process]`.
    #[track_caller]
    pub fn pre_process(&mut self, middleware: PreProcess) -> Registration<'_> {
        Registration::push(&mut self.middleware, Middleware::Pre(middleware))
    }

    /// Registers a post-processing middleware, emitted by `#[post_process]`. It also runs on
    /// responses made by error handlers and early returns.
    #[track_caller]
    pub fn post_process(&mut self, middleware: PostProcess) -> Registration<'_> {
        Registration::push(&mut self.middleware, Middleware::Post(middleware))
    }

    /// Registers the handler for requests that match none of this blueprint's routes (a nested
    /// blueprint's fallback serves the paths under its prefix). Without one, the answer is 404,
    /// or 405 with `Allow` when the path exists under other methods. It runs through this
    /// blueprint's middleware, and its errors are handled and observed.
    #[track_caller]
    pub fn fallback(&mut self, fallback: Fallback) -> Registration<'_> {
        Registration::push(&mut self.fallbacks, fallback)
    }

    /// Nests `child`: its routes join this blueprint's, with the same paths. Its middleware,
    /// constructors, error handlers and observers apply to its own routes only; this
    /// blueprint's apply to them too (this blueprint's middleware outermost, its observers
    /// first). For an error type both handle, the child's handler wins on the child's routes.
    #[track_caller]
    pub fn nest(&mut self, child: Blueprint) {
        self.nested.push(Nested {
            prefix: None,
            blueprint: child,
            at: Location::caller(),
        });
    }

    /// Starts nesting a blueprint under a path prefix: `bp.prefix("/api").nest(child)`. The
    /// prefix starts with `/` and does not end with one (`build()` checks it); a child's
    /// route `/users` then serves `/api/users`.
    pub fn prefix(&mut self, prefix: &str) -> Prefixed<'_> {
        Prefixed {
            parent: self,
            prefix: prefix.to_owned(),
        }
    }

    /// The most bytes of request body the extractors of this blueprint's routes read
    /// (nested blueprints inherit it); [`BodySizeLimit::DEFAULT`] (2 MiB) unless set here or
    /// in a parent.
    pub fn body_size_limit(&mut self, limit: BodySizeLimit) {
        self.body_size_limit = Some(limit);
    }

    /// Makes [`build`](Blueprint::build) fail, instead of warning, when an error type has no
    /// handler of its own and would fall back to the catch-all handler or the built-in 500.
    pub fn deny_error_fallback(&mut self) {
        self.deny_error_fallback = true;
    }

    /// How long a route's constructors and handler may run before the request fails with a
    /// [`RequestTimeout`](crate::error::RequestTimeout) error (handled — 503 by default — and
    /// observed like any other). `None` disables it. Nested blueprints inherit it; the default
    /// is [`DEFAULT_REQUEST_TIMEOUT`](Blueprint::DEFAULT_REQUEST_TIMEOUT).
    pub fn request_timeout(&mut self, timeout: impl Into<Option<Duration>>) {
        self.request_timeout = Some(timeout.into());
    }
}
