//! The [`Blueprint`]: the list of components an application is made of, and its checks.
//!
//! Registering does nothing but record; [`Blueprint::build`] validates the whole graph at once,
//! the way a compiler would, builds the singletons and precomputes a plan per route.
//!
#![doc = include_str!("../docs/blueprint.md")]

mod build;
mod graph;
#[cfg(feature = "openapi")]
mod openapi;
mod planner;
mod report;
mod route_conflict;
mod tower;

use std::any::Any;
use std::marker::PhantomData;
use std::panic::Location;
use std::time::Duration;

pub use report::{
    BuildError, BuildProblem, BuildWarning, Diagnostic, InvolvedComponent, InvolvedKind,
    ProblemKind, SourceLocation, WarningKind,
};

use crate::component::{
    AnyComponent, Constructor, ErrorHandler, ErrorObserver, Fallback, PostProcess, PreProcess,
    Registrable, Route, TypeMeta, Wrap,
};
use crate::extract::BodySizeLimit;

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
    /// The middleware of every kind, in registration order.
    pub(crate) middleware: Vec<Registered<AnyComponent>>,
    pub(crate) fallbacks: Vec<Registered<Fallback>>,
    pub(crate) nested: Vec<Nested>,
    pub(crate) deny_error_fallback: bool,
    /// `None` inherits the parent's (the root's default is 30 s); `Some(None)` disables it.
    pub(crate) request_timeout: Option<Option<Duration>>,
    /// `None` inherits the parent's (the root's default is 2 MiB).
    pub(crate) body_size_limit: Option<BodySizeLimit>,
    /// Set by [`problem_details`](Blueprint::problem_details); nested blueprints inherit it.
    pub(crate) problem_details: bool,
    /// `None` inherits the parent's (the root's default is 30 s); `Some(None)` disables it.
    pub(crate) body_read_timeout: Option<Option<Duration>>,
    /// The tower layers, each with the number of middleware registered before it.
    pub(crate) tower_layers: Vec<(usize, crate::tower::RegisteredLayer)>,
    /// The tower services mounted under a prefix.
    pub(crate) services: Vec<crate::tower::RegisteredService>,
    /// What the OpenAPI document takes from this blueprint.
    #[cfg(feature = "openapi")]
    pub(crate) openapi: openapi::Settings,
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
    /// The body read timeout set for this route (routes only); `Some(None)` disables it.
    pub(crate) body_read_timeout: Option<Option<Duration>>,
}

impl<C> Registered<C> {
    #[track_caller]
    fn new(component: C) -> Self {
        Self {
            component,
            at: Location::caller(),
            error_handler: None,
            body_size_limit: None,
            body_read_timeout: None,
        }
    }
}

/// A value built outside the application and injected as a singleton.
pub(crate) struct Prebuilt {
    pub(crate) ty: TypeMeta,
    pub(crate) value: Box<dyn Any + Send + Sync>,
    pub(crate) at: &'static Location<'static>,
}

/// A registered component, to configure it further: every registration method returns one.
/// `C` is the kind of component; what can be configured depends on it.
pub struct Registration<'a, C> {
    attached: &'a mut Option<Box<Registered<ErrorHandler>>>,
    body_size_limit: &'a mut Option<BodySizeLimit>,
    body_read_timeout: &'a mut Option<Option<Duration>>,
    kind: PhantomData<C>,
}

/// The kinds of component that can fail, so that an error handler can be attached to them
/// with [`Registration::error_handler`]: routes, constructors, middleware and fallbacks.
/// Error handlers and observers cannot fail.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot fail, so no error handler attaches to it",
    note = "error handlers attach to routes, constructors, middleware and fallbacks"
)]
pub trait Fallible: sealed::Sealed {}

mod sealed {
    pub trait Sealed {}
}

macro_rules! fallible {
    ($($kind:ty),*) => {
        $(
            impl sealed::Sealed for $kind {}
            impl Fallible for $kind {}
        )*
    };
}

fallible!(Route, Constructor, Wrap, PreProcess, PostProcess, Fallback);

impl<'a, C> Registration<'a, C> {
    #[track_caller]
    fn push<S>(list: &'a mut Vec<Registered<S>>, component: S) -> Self {
        list.push(Registered::new(component));
        let registered = list.last_mut().expect("just pushed");
        Registration {
            attached: &mut registered.error_handler,
            body_size_limit: &mut registered.body_size_limit,
            body_read_timeout: &mut registered.body_read_timeout,
            kind: PhantomData,
        }
    }
}

impl<C: Fallible> Registration<'_, C> {
    /// Uses `handler` for this component's errors, whatever the blueprint-wide handler for
    /// that error type is. Its first input must be `&E` for the component's error type `E`
    /// (or `&watchful::Error`).
    ///
    /// `build()` checks that the component can fail (returns a `Result`) and that the
    /// handler's first input matches its error type. On a route, it takes the handler's
    /// errors only: attach handlers to the route's constructors and middleware where they are
    /// registered.
    ///
    /// ```
    /// use watchful::http::StatusCode;
    /// use watchful::{Blueprint, error_handler, request_scoped};
    ///
    /// pub struct Session;
    ///
    /// #[derive(Debug, thiserror::Error)]
    /// #[error("the session expired")]
    /// pub struct Expired;
    ///
    /// #[request_scoped]
    /// pub fn session() -> Result<Session, Expired> {
    ///     Err(Expired)
    /// }
    ///
    /// #[error_handler]
    /// pub fn expired(_e: &Expired) -> StatusCode {
    ///     StatusCode::UNAUTHORIZED
    /// }
    ///
    /// let mut bp = Blueprint::new();
    /// bp.constructor(SESSION).error_handler(EXPIRED);
    /// ```
    #[track_caller]
    pub fn error_handler(self, handler: impl Registrable<ErrorHandler>) -> Self {
        *self.attached = Some(Box::new(Registered::new(handler.component())));
        self
    }
}

impl Registration<'_, Route> {
    /// The most bytes of request body this route's extractors read, whatever the
    /// blueprint's limit is (see [`Blueprint::body_size_limit`], which has an example).
    pub fn body_size_limit(self, limit: BodySizeLimit) -> Self {
        *self.body_size_limit = Some(limit);
        self
    }

    /// How long this route waits for its request body, whatever the blueprint's timeout is
    /// (see [`Blueprint::body_read_timeout`], which has an example); `None` disables it.
    pub fn body_read_timeout(self, timeout: impl Into<Option<Duration>>) -> Self {
        *self.body_read_timeout = Some(timeout.into());
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
    /// serves the paths under it. Otherwise as [`Blueprint::nest`]; see
    /// [`Blueprint::prefix`] for an example.
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

    /// How long a request's body may take to arrive, unless
    /// [`body_read_timeout`](Blueprint::body_read_timeout) says otherwise.
    pub const DEFAULT_BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);

    /// An empty blueprint.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a route: a handler for one method and path, emitted by `#[get]`, `#[post]`,
    /// `#[put]`, `#[patch]`, `#[delete]` or `#[route(method = "..", path = "..")]`. The
    /// returned handle attaches an error handler to the route's handler or sets the route's
    /// body size limit. In a nested blueprint, the path is served under the blueprint's
    /// [`prefix`](Blueprint::prefix).
    ///
    /// # Rules
    ///
    /// `build()` checks that the method is a valid HTTP method; that no other route has the
    /// same method and path (prefixes included); that the path starts with `/` and the router
    /// can tell it apart from every other path (`{name}` and `{*rest}` segments, one parameter
    /// name per position: `/notes/{id}` and `/notes/{note_id}` conflict); that each input of
    /// the handler has a provider (see [`component`](crate::component)) and that its
    /// extractors can read the path; and where the handler's errors go (see
    /// [`error`](crate::error)).
    ///
    /// # Example
    ///
    /// ```
    /// use watchful::http::StatusCode;
    /// use watchful::request::RawPathParams;
    /// use watchful::testing::TestClient;
    /// use watchful::{Blueprint, error_handler, route};
    ///
    /// #[derive(Debug, thiserror::Error)]
    /// #[error("no note `{0}`")]
    /// pub struct NoNote(String);
    ///
    /// #[route(method = "GET", path = "/notes/{id}")]
    /// pub fn get_note(params: &RawPathParams) -> Result<String, NoNote> {
    ///     let id = params.get("id").unwrap_or_default();
    ///     Err(NoNote(id.to_owned()))
    /// }
    ///
    /// #[error_handler]
    /// pub fn no_note(_e: &NoNote) -> StatusCode {
    ///     StatusCode::NOT_FOUND
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), watchful::BuildError> {
    /// let mut bp = Blueprint::new();
    /// bp.route(GET_NOTE).error_handler(NO_NOTE);
    /// let client = TestClient::new(bp.build().await?);
    /// assert_eq!(client.get("/notes/7").send().await.status(), StatusCode::NOT_FOUND);
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn route(&mut self, route: impl Registrable<Route>) -> Registration<'_, Route> {
        Registration::push(&mut self.routes, route.component())
    }

    /// Registers a constructor, emitted by `#[singleton]`, `#[request_scoped]` or
    /// `#[transient]`; the attribute sets the lifecycle. It provides its output type (`T` in
    /// `T` or `Result<T, E>`) to the components of this blueprint and of the blueprints nested
    /// in it. The returned handle attaches an error handler to it. See
    /// [`component`](crate::component) for lifecycles and inputs by value or by reference.
    ///
    /// # Rules
    ///
    /// `build()` checks that no other constructor or prebuilt value provides the same type in
    /// this blueprint or a parent, and that the type is not one the framework provides; that
    /// each input has a provider; that constructors form no cycle; that a singleton depends
    /// only on singletons and prebuilt values; and where a fallible constructor's errors go.
    /// It then runs the singleton constructors; the first error stops the build with
    /// [`BuildError::Singleton`].
    ///
    /// # Example
    ///
    /// ```
    /// use watchful::testing::TestClient;
    /// use watchful::{Blueprint, get, request_scoped, singleton, transient};
    ///
    /// pub struct Config { greeting: &'static str }
    /// pub struct Visitor(&'static str);
    /// pub struct Nonce(u64);
    ///
    /// #[singleton]
    /// pub async fn config() -> Result<Config, std::io::Error> {
    ///     Ok(Config { greeting: "hello" }) // e.g. read from a file: an error stops `build()`
    /// }
    ///
    /// #[request_scoped]
    /// pub fn visitor() -> Visitor {
    ///     Visitor("ada")
    /// }
    ///
    /// #[transient]
    /// pub fn nonce() -> Nonce {
    ///     Nonce(4)
    /// }
    ///
    /// #[get("/")]
    /// pub fn home(config: &Config, visitor: &Visitor, nonce: Nonce) -> String {
    ///     format!("{} {} #{}", config.greeting, visitor.0, nonce.0)
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), watchful::BuildError> {
    /// let mut bp = Blueprint::new();
    /// bp.constructor(CONFIG);
    /// bp.constructor(VISITOR);
    /// bp.constructor(NONCE);
    /// bp.route(HOME);
    /// let client = TestClient::new(bp.build().await?);
    /// assert_eq!(client.get("/").send().await.text(), "hello ada #4");
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn constructor(
        &mut self,
        constructor: impl Registrable<Constructor>,
    ) -> Registration<'_, Constructor> {
        Registration::push(&mut self.constructors, constructor.component())
    }

    /// Registers a value built outside the application (configuration, a client, ...). It is
    /// a singleton: components take it as `&T`, or as `T` when `T: Clone`.
    ///
    /// # Rules
    ///
    /// `build()` checks that nothing else provides `T` in this blueprint or a parent, that
    /// `T` is not a type the framework provides, and that components taking it by value can
    /// clone it.
    ///
    /// # Example
    ///
    /// ```
    /// use watchful::testing::TestClient;
    /// use watchful::{Blueprint, get};
    ///
    /// pub struct Settings { name: String }
    ///
    /// #[get("/name")]
    /// pub fn name(settings: &Settings) -> String {
    ///     settings.name.clone()
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), watchful::BuildError> {
    /// let mut bp = Blueprint::new();
    /// bp.prebuilt(Settings { name: "demo".to_owned() });
    /// bp.route(NAME);
    /// let client = TestClient::new(bp.build().await?);
    /// assert_eq!(client.get("/name").send().await.text(), "demo");
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn prebuilt<T: Send + Sync + 'static>(&mut self, value: T) {
        self.prebuilt.push(Prebuilt {
            ty: TypeMeta::of::<T>(),
            value: Box::new(value),
            at: Location::caller(),
        });
    }

    /// Registers the error handler for every error of its type raised while serving this
    /// blueprint's routes and those of the blueprints nested in it, unless a component has a
    /// handler attached or a nested blueprint has its own for the type. A handler whose first
    /// input is `&watchful::Error` is the catch-all. See [`error`](crate::error) for the
    /// precedence.
    ///
    /// # Rules
    ///
    /// `build()` checks that this blueprint has no other handler for the same error type, that
    /// each input of the handler has a provider, and that none comes from a constructor that
    /// can fail.
    ///
    /// # Example
    ///
    /// ```
    /// use watchful::http::StatusCode;
    /// use watchful::testing::TestClient;
    /// use watchful::{Blueprint, error_handler, get};
    ///
    /// #[derive(Debug, thiserror::Error)]
    /// #[error("out of stock")]
    /// pub struct OutOfStock;
    ///
    /// #[get("/buy")]
    /// pub fn buy() -> Result<&'static str, OutOfStock> {
    ///     Err(OutOfStock)
    /// }
    ///
    /// #[error_handler]
    /// pub fn out_of_stock(error: &OutOfStock) -> (StatusCode, String) {
    ///     (StatusCode::CONFLICT, error.to_string())
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), watchful::BuildError> {
    /// let mut bp = Blueprint::new();
    /// bp.error_handler(OUT_OF_STOCK);
    /// bp.route(BUY);
    /// let client = TestClient::new(bp.build().await?);
    /// let response = client.get("/buy").send().await;
    /// assert_eq!((response.status(), response.text()), (StatusCode::CONFLICT, "out of stock"));
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn error_handler(&mut self, handler: impl Registrable<ErrorHandler>) {
        self.error_handlers
            .push(Registered::new(handler.component()));
    }

    /// Registers an error observer, emitted by `#[error_observer]` (first input
    /// `&watchful::Error`). Observers see every error raised while serving this blueprint's
    /// routes and those of the blueprints nested in it, after the error's response exists: the
    /// root blueprint's first, each blueprint's in registration order.
    /// [`LOG_ERROR`](crate::telemetry::LOG_ERROR) is the ready-made one.
    ///
    /// # Rules
    ///
    /// `build()` checks that each input of the observer has a provider, and that none comes
    /// from a constructor that can fail: an observer runs because something already failed.
    ///
    /// # Example
    ///
    /// ```
    /// use watchful::telemetry::LOG_ERROR;
    /// use watchful::{Blueprint, Error, error_observer};
    ///
    /// #[error_observer]
    /// pub fn count_by_type(error: &Error) {
    ///     let _label = error.type_name(); // e.g. increment a metric labelled with it
    /// }
    ///
    /// let mut bp = Blueprint::new();
    /// bp.error_observer(LOG_ERROR); // first: one ERROR event per error
    /// bp.error_observer(COUNT_BY_TYPE); // then this one
    /// ```
    #[track_caller]
    pub fn error_observer(
        &mut self,
        observer: impl Registrable<ErrorObserver>,
    ) -> Registration<'_, ErrorObserver> {
        Registration::push(&mut self.observers, observer.component())
    }

    /// Registers a wrapping middleware, emitted by `#[wrap]` (first input
    /// [`Next`](crate::middleware::Next)). It runs around everything registered after it in
    /// this blueprint, the routes of this blueprint and of the blueprints nested in it, and
    /// this blueprint's fallback; see [`middleware`](crate::middleware) for the order. The
    /// returned handle attaches an error handler to it.
    ///
    /// # Rules
    ///
    /// `build()` checks, on each route it serves, that each input has a provider and can be
    /// taken as written (by value or by reference), and where its errors go.
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::Instant;
    /// use watchful::middleware::Next;
    /// use watchful::testing::TestClient;
    /// use watchful::{Blueprint, Response, get, wrap};
    ///
    /// #[wrap]
    /// pub async fn timed(next: Next) -> Response {
    ///     let start = Instant::now();
    ///     let mut response = next.await;
    ///     let elapsed = start.elapsed().as_micros().to_string();
    ///     response.headers_mut().insert("x-elapsed-us", elapsed.parse().unwrap());
    ///     response
    /// }
    ///
    /// #[get("/")]
    /// pub fn home() -> &'static str {
    ///     "home"
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), watchful::BuildError> {
    /// let mut bp = Blueprint::new();
    /// bp.wrap(TIMED);
    /// bp.route(HOME);
    /// let client = TestClient::new(bp.build().await?);
    /// assert!(client.get("/").send().await.header("x-elapsed-us").is_some());
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn wrap(&mut self, middleware: impl Registrable<Wrap>) -> Registration<'_, Wrap> {
        let middleware = AnyComponent::Wrap(middleware.component());
        Registration::push(&mut self.middleware, middleware)
    }

    /// Registers a pre-processing middleware, emitted by `#[pre_process]`: it runs before
    /// what is registered after it, and returns
    /// [`Processing::Continue`](crate::middleware::Processing::Continue) or an early
    /// return (post-processing middleware still run on it). It applies where
    /// [`wrap`](Blueprint::wrap) does; see [`middleware`](crate::middleware) for the order.
    /// The returned handle attaches an error handler to it.
    ///
    /// # Rules
    ///
    /// As for [`wrap`](Blueprint::wrap): inputs, how they are taken, and where errors go.
    ///
    /// # Example
    ///
    /// ```
    /// use watchful::http::StatusCode;
    /// use watchful::middleware::Processing;
    /// use watchful::request::RequestHead;
    /// use watchful::testing::TestClient;
    /// use watchful::{Blueprint, get, pre_process};
    ///
    /// #[pre_process]
    /// pub fn maintenance(head: &RequestHead) -> Processing {
    ///     match head.headers.contains_key("x-maintenance") {
    ///         true => Processing::early_return(StatusCode::SERVICE_UNAVAILABLE),
    ///         false => Processing::Continue,
    ///     }
    /// }
    ///
    /// #[get("/")]
    /// pub fn home() -> &'static str {
    ///     "home"
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), watchful::BuildError> {
    /// let mut bp = Blueprint::new();
    /// bp.pre_process(MAINTENANCE);
    /// bp.route(HOME);
    /// let client = TestClient::new(bp.build().await?);
    /// assert_eq!(client.get("/").send().await.text(), "home");
    /// let response = client.get("/").header("x-maintenance", "1").send().await;
    /// assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn pre_process(
        &mut self,
        middleware: impl Registrable<PreProcess>,
    ) -> Registration<'_, PreProcess> {
        let middleware = AnyComponent::PreProcess(middleware.component());
        Registration::push(&mut self.middleware, middleware)
    }

    /// Registers a post-processing middleware, emitted by `#[post_process]` (first input the
    /// [`Response`](crate::Response), by value): it runs after what is registered after it,
    /// and also on responses made by error handlers and early returns. It applies where
    /// [`wrap`](Blueprint::wrap) does; see [`middleware`](crate::middleware) for the order.
    /// The returned handle attaches an error handler to it.
    ///
    /// # Rules
    ///
    /// As for [`wrap`](Blueprint::wrap): inputs, how they are taken, and where errors go.
    ///
    /// # Example
    ///
    /// ```
    /// use watchful::http::header::{CACHE_CONTROL, HeaderValue};
    /// use watchful::testing::TestClient;
    /// use watchful::{Blueprint, Response, get, post_process};
    ///
    /// #[post_process]
    /// pub fn no_store(mut response: Response) -> Response {
    ///     response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    ///     response
    /// }
    ///
    /// #[get("/")]
    /// pub fn home() -> &'static str {
    ///     "home"
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), watchful::BuildError> {
    /// let mut bp = Blueprint::new();
    /// bp.post_process(NO_STORE);
    /// bp.route(HOME);
    /// let client = TestClient::new(bp.build().await?);
    /// assert_eq!(client.get("/").send().await.header("cache-control"), Some("no-store"));
    /// // Unmatched paths go through the fallback, and the same middleware.
    /// assert_eq!(client.get("/nowhere").send().await.header("cache-control"), Some("no-store"));
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn post_process(
        &mut self,
        middleware: impl Registrable<PostProcess>,
    ) -> Registration<'_, PostProcess> {
        let middleware = AnyComponent::PostProcess(middleware.component());
        Registration::push(&mut self.middleware, middleware)
    }

    /// Registers the handler for requests that match none of this blueprint's routes (a nested
    /// blueprint's fallback serves the paths under its prefix). Without one, the answer is 404,
    /// or 405 with `Allow` when the path exists under other methods. It runs through this
    /// blueprint's middleware, and its errors are handled and observed. It can take
    /// [`AllowedMethods`](crate::request::AllowedMethods) to tell a 405 from a 404. The
    /// returned handle attaches an error handler to it.
    ///
    /// # Rules
    ///
    /// `build()` checks that this blueprint has no other fallback; that no other blueprint
    /// nested under the same prefix (or under none, next to a root fallback) has one; and,
    /// as for a route, its inputs and where its errors go.
    ///
    /// # Example
    ///
    /// ```
    /// use watchful::http::StatusCode;
    /// use watchful::request::RequestHead;
    /// use watchful::testing::TestClient;
    /// use watchful::{Blueprint, fallback};
    ///
    /// #[fallback]
    /// pub fn not_found(head: &RequestHead) -> (StatusCode, String) {
    ///     (StatusCode::NOT_FOUND, format!("nothing at {}", head.uri.path()))
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), watchful::BuildError> {
    /// let mut bp = Blueprint::new();
    /// bp.fallback(NOT_FOUND);
    /// let client = TestClient::new(bp.build().await?);
    /// assert_eq!(client.get("/x").send().await.text(), "nothing at /x");
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn fallback(&mut self, fallback: impl Registrable<Fallback>) -> Registration<'_, Fallback> {
        Registration::push(&mut self.fallbacks, fallback.component())
    }

    /// Nests `child`: its routes join this blueprint's, with the same paths. Its middleware,
    /// constructors, error handlers and observers apply to its own routes only; this
    /// blueprint's apply to them too (this blueprint's middleware outermost, its observers
    /// first). For an error type both handle, the child's handler wins on the child's routes.
    /// Settings ([`body_size_limit`](Blueprint::body_size_limit),
    /// [`request_timeout`](Blueprint::request_timeout),
    /// [`deny_error_fallback`](Blueprint::deny_error_fallback),
    /// [`problem_details`](Blueprint::problem_details)) are inherited unless the
    /// child sets its own. To serve the child's routes under a path prefix, use
    /// [`prefix`](Blueprint::prefix).
    ///
    /// # Rules
    ///
    /// `build()` checks the child like the parent, and that the child provides no type its
    /// parent (or a parent of it) already provides. Sibling blueprints may each provide the
    /// same type.
    ///
    /// # Example
    ///
    /// ```
    /// use watchful::request::RequestHead;
    /// use watchful::middleware::Processing;
    /// use watchful::http::StatusCode;
    /// use watchful::testing::TestClient;
    /// use watchful::{Blueprint, get, pre_process};
    ///
    /// #[pre_process]
    /// pub fn admins_only(head: &RequestHead) -> Processing {
    ///     match head.headers.contains_key("x-admin") {
    ///         true => Processing::Continue,
    ///         false => Processing::early_return(StatusCode::FORBIDDEN),
    ///     }
    /// }
    ///
    /// #[get("/admin/stats")]
    /// pub fn stats() -> &'static str {
    ///     "stats"
    /// }
    ///
    /// #[get("/")]
    /// pub fn home() -> &'static str {
    ///     "home"
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), watchful::BuildError> {
    /// let mut admin = Blueprint::new();
    /// admin.pre_process(ADMINS_ONLY); // applies to `admin`'s routes only
    /// admin.route(STATS);
    ///
    /// let mut bp = Blueprint::new();
    /// bp.route(HOME);
    /// bp.nest(admin);
    /// let client = TestClient::new(bp.build().await?);
    /// assert_eq!(client.get("/").send().await.text(), "home");
    /// assert_eq!(client.get("/admin/stats").send().await.status(), StatusCode::FORBIDDEN);
    /// # Ok(())
    /// # }
    /// ```
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
    /// route `/users` then serves `/api/users`, and the child's fallback, if it has one,
    /// serves every unmatched path under `/api`.
    ///
    /// # Rules
    ///
    /// `build()` checks that the prefix starts with `/` and does not end with one, then the
    /// child as for [`nest`](Blueprint::nest).
    ///
    /// # Example
    ///
    /// ```
    /// use watchful::testing::TestClient;
    /// use watchful::{Blueprint, get};
    ///
    /// #[get("/users")]
    /// pub fn list_users() -> &'static str {
    ///     "[]"
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), watchful::BuildError> {
    /// let mut api = Blueprint::new();
    /// api.route(LIST_USERS);
    ///
    /// let mut bp = Blueprint::new();
    /// bp.prefix("/api").nest(api);
    /// let client = TestClient::new(bp.build().await?);
    /// assert_eq!(client.get("/api/users").send().await.text(), "[]");
    /// assert_eq!(client.get("/users").send().await.status(), 404);
    /// # Ok(())
    /// # }
    /// ```
    pub fn prefix(&mut self, prefix: &str) -> Prefixed<'_> {
        Prefixed {
            parent: self,
            prefix: prefix.to_owned(),
        }
    }

    /// The most bytes of request body the extractors of this blueprint's routes read
    /// (nested blueprints inherit it); [`BodySizeLimit::DEFAULT`] (2 MiB) unless set here or
    /// in a parent. A route's own limit, set on its registration, wins. A body over the limit
    /// is rejected (413) by the extractor reading it.
    ///
    /// # Example
    ///
    /// ```
    /// use watchful::extract::{BodySizeLimit, BufferedBody};
    /// use watchful::testing::TestClient;
    /// use watchful::{Blueprint, post};
    ///
    /// #[post("/notes")]
    /// pub fn add_note(body: BufferedBody) -> String {
    ///     format!("{} bytes", body.0.len())
    /// }
    ///
    /// #[post("/uploads")]
    /// pub fn upload(body: BufferedBody) -> String {
    ///     format!("{} bytes", body.0.len())
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), watchful::BuildError> {
    /// let mut bp = Blueprint::new();
    /// bp.body_size_limit(BodySizeLimit::Enabled { max_bytes: 16 });
    /// bp.route(ADD_NOTE);
    /// bp.route(UPLOAD).body_size_limit(BodySizeLimit::Disabled);
    /// let client = TestClient::new(bp.build().await?);
    /// let big = vec![b'x'; 100];
    /// assert_eq!(client.post("/notes").body(big.clone()).send().await.status(), 413);
    /// assert_eq!(client.post("/uploads").body(big).send().await.text(), "100 bytes");
    /// # Ok(())
    /// # }
    /// ```
    pub fn body_size_limit(&mut self, limit: BodySizeLimit) {
        self.body_size_limit = Some(limit);
    }

    /// Makes [`build`](Blueprint::build) fail, instead of warning, when an error type has no
    /// handler of its own and would fall back to the catch-all handler or the built-in 500.
    /// Nested blueprints inherit it. The framework's own errors
    /// ([`Panic`](crate::error::Panic), [`RequestTimeout`](crate::error::RequestTimeout),
    /// [`RequestBodyTimeout`](crate::error::RequestBodyTimeout),
    /// [`InvalidPathParameter`](crate::error::InvalidPathParameter)) have built-in responses
    /// and are never reported.
    ///
    /// # Example
    ///
    /// ```
    /// use watchful::{Blueprint, get};
    ///
    /// #[get("/read")]
    /// pub fn read() -> Result<String, std::io::Error> {
    ///     std::fs::read_to_string("notes.txt")
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut bp = Blueprint::new();
    /// bp.route(READ);
    /// bp.deny_error_fallback();
    /// // `read` can fail with `std::io::Error`, which has no error handler, ...
    /// assert_eq!(bp.build().await.unwrap_err().problems().len(), 1);
    /// # }
    /// ```
    pub fn deny_error_fallback(&mut self) {
        self.deny_error_fallback = true;
    }

    /// How long a route's pipeline (middleware, constructors, handler, and the error handlers
    /// and observers that run inside it) may run before the request fails with a
    /// [`RequestTimeout`](crate::error::RequestTimeout) error (handled — 503 by default — and
    /// observed like any other; its response goes out through the post-processing middleware,
    /// wrapping middleware and tower layers the request entered). `None` disables it.
    /// Nested blueprints inherit it; the default is
    /// [`DEFAULT_REQUEST_TIMEOUT`](Blueprint::DEFAULT_REQUEST_TIMEOUT). See
    /// [`middleware`](crate::middleware#timeouts).
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::Duration;
    /// use watchful::Blueprint;
    ///
    /// let mut api = Blueprint::new();
    /// api.request_timeout(Duration::from_secs(5));
    ///
    /// let mut streaming = Blueprint::new();
    /// streaming.request_timeout(None); // long polls: no limit
    /// ```
    pub fn request_timeout(&mut self, timeout: impl Into<Option<Duration>>) {
        self.request_timeout = Some(timeout.into());
    }

    /// Writes every response the framework makes by itself on this blueprint's routes and its
    /// nested blueprints' — extractor rejections, 404 and 405, the request timeout's 503, the
    /// built-in 500 — as RFC 9457 problem details (`application/problem+json`) instead of
    /// plain text, with the request id as `instance`. Answer your own errors in the same shape
    /// with [`Problem`](crate::response::Problem). See
    /// [problem details](crate::error#problem-details).
    ///
    /// # Example
    ///
    /// ```
    /// use watchful::extract::JsonBody;
    /// use watchful::testing::TestClient;
    /// use watchful::{Blueprint, post};
    ///
    /// #[derive(serde::Deserialize)]
    /// pub struct NewNote {
    ///     title: String,
    /// }
    ///
    /// #[post("/notes")]
    /// pub fn add_note(JsonBody(note): JsonBody<NewNote>) -> String {
    ///     note.title
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), watchful::BuildError> {
    /// let mut bp = Blueprint::new();
    /// bp.problem_details();
    /// bp.route(ADD_NOTE);
    /// let client = TestClient::new(bp.build().await?);
    ///
    /// let response = client.post("/notes").json(&serde_json::json!({ "title": 7 })).send().await;
    /// assert_eq!(response.status(), 422);
    /// assert_eq!(response.header("content-type"), Some("application/problem+json"));
    /// let problem: serde_json::Value = response.json().unwrap();
    /// assert_eq!(problem["errors"][0]["pointer"], "/title");
    /// # Ok(())
    /// # }
    /// ```
    pub fn problem_details(&mut self) {
        self.problem_details = true;
    }

    /// How long, counted from the request's arrival, its body may take to arrive in full
    /// (nested blueprints inherit it; a route's own timeout, set on its registration, wins).
    /// When the route's pipeline is waiting for body bytes past it, the pipeline is dropped
    /// and the request fails with a [`RequestBodyTimeout`](crate::error::RequestBodyTimeout)
    /// error: the client is late, not the server. Handled (408 by default) and observed like
    /// any other; the response carries `Connection: close`. `None` disables it; the default
    /// is [`DEFAULT_BODY_READ_TIMEOUT`](Blueprint::DEFAULT_BODY_READ_TIMEOUT).
    ///
    /// Should the [request timeout](Blueprint::request_timeout) expire first while the
    /// pipeline waits for the body, the request fails with `RequestBodyTimeout` too: the time
    /// went to the client. See [`middleware`](crate::middleware#timeouts).
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::Duration;
    /// use watchful::extract::BufferedBody;
    /// use watchful::{Blueprint, post};
    ///
    /// #[post("/uploads")]
    /// pub fn upload(body: BufferedBody) -> String {
    ///     format!("{} bytes", body.0.len())
    /// }
    ///
    /// let mut bp = Blueprint::new();
    /// bp.body_read_timeout(Duration::from_secs(5));
    /// // Large uploads over slow links: ten minutes.
    /// bp.route(UPLOAD).body_read_timeout(Duration::from_secs(600));
    /// ```
    pub fn body_read_timeout(&mut self, timeout: impl Into<Option<Duration>>) {
        self.body_read_timeout = Some(timeout.into());
    }
}
