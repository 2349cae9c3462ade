//! Attribute macros for the `watchful` web framework; use them through `watchful`, which
//! re-exports them.
//!
//! Each macro goes on a free function, sync or async, and keeps it exactly as written. Next to
//! it, it emits a constant named after the function in SCREAMING_CASE (`get_user` ->
//! `GET_USER`), with the function's visibility, that describes the function to a `Blueprint`:
//! its name and location, the types it takes and returns, and an adapter that calls it.
//!
//! The framework injects a component's inputs by type: take `&T` to borrow a value or `T` to
//! own it. A signature the framework cannot call (generic, a method, `&mut T` or
//! `impl Trait` inputs, ...) is a compile error that says what to write instead.

mod args;
mod codegen;
mod naming;
mod signature;

use proc_macro::TokenStream;
use quote::quote;
use syn::ItemFn;

use args::{Kind, Lifecycle, Macro};

/// Declares a route for `GET` requests on a path: `#[get("/users/{id}")]`.
///
/// Emits a `watchful::Route` constant named after the function in SCREAMING_CASE. The function
/// may be async. Its inputs are injected (`&T` or `T`), and it returns anything that converts
/// into a response, or a `Result` of it whose error converts into `watchful::Error`.
///
/// `#[post("/users", status = 201)]` declares the success status for the OpenAPI document
/// (feature `openapi`) when the return type does not fix one, as `(StatusCode, Json<T>)` does
/// not. The function's doc comment becomes the operation's summary and description.
///
/// ```
/// use watchful::{Blueprint, get, request::RawPathParams};
///
/// #[derive(Debug, thiserror::Error)]
/// #[error("`{0}` is not a name")]
/// pub struct BadName(String);
///
/// #[get("/greet/{name}")]
/// pub async fn greet(params: &RawPathParams) -> Result<String, BadName> {
///     match params.get("name") {
///         Some(name) if name.chars().all(char::is_alphabetic) => Ok(format!("Hello, {name}!")),
///         other => Err(BadName(other.unwrap_or_default().to_owned())),
///     }
/// }
///
/// // `GREET` describes it.
/// Blueprint::new().route(GREET);
/// ```
#[proc_macro_attribute]
pub fn get(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(Kind::Route(Some("GET")), args, item)
}

/// Declares a route for `POST` requests on a path: `#[post("/users")]`.
///
/// See [`macro@get`] for what the function may take and return.
#[proc_macro_attribute]
pub fn post(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(Kind::Route(Some("POST")), args, item)
}

/// Declares a route for `PUT` requests on a path: `#[put("/users/{id}")]`.
///
/// See [`macro@get`] for what the function may take and return.
#[proc_macro_attribute]
pub fn put(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(Kind::Route(Some("PUT")), args, item)
}

/// Declares a route for `PATCH` requests on a path: `#[patch("/users/{id}")]`.
///
/// See [`macro@get`] for what the function may take and return.
#[proc_macro_attribute]
pub fn patch(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(Kind::Route(Some("PATCH")), args, item)
}

/// Declares a route for `DELETE` requests on a path: `#[delete("/users/{id}")]`.
///
/// See [`macro@get`] for what the function may take and return.
#[proc_macro_attribute]
pub fn delete(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(Kind::Route(Some("DELETE")), args, item)
}

/// Declares a route for any method, written in uppercase:
/// `#[route(method = "OPTIONS", path = "/users")]`.
///
/// See [`macro@get`] for what the function may take and return.
#[proc_macro_attribute]
pub fn route(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(Kind::Route(None), args, item)
}

/// Declares a constructor whose value is built once, when the blueprint is built, and shared
/// by every request.
///
/// Emits a `watchful::Constructor` constant. The function returns the value, or a `Result` of
/// it; the value must be `Send + Sync + 'static`.
///
/// ```
/// use watchful::{Blueprint, singleton};
///
/// pub struct Config {
///     pub max_connections: usize,
/// }
/// pub struct Pool {
///     pub size: usize,
/// }
///
/// #[singleton]
/// pub fn pool(config: &Config) -> Result<Pool, std::io::Error> {
///     Ok(Pool { size: config.max_connections })
/// }
///
/// let mut bp = Blueprint::new();
/// bp.prebuilt(Config { max_connections: 8 });
/// bp.constructor(POOL);
/// ```
#[proc_macro_attribute]
pub fn singleton(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(Kind::Constructor(Lifecycle::Singleton), args, item)
}

/// Declares a constructor whose value is built at most once per request, when a route needs
/// it.
///
/// With `#[request_scoped(clone_if_necessary)]`, the value must be `Clone`, and the framework
/// may clone it when more than one input of a request takes it by value.
///
/// See [`macro@singleton`] for what the function may take and return.
#[proc_macro_attribute]
pub fn request_scoped(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(Kind::Constructor(Lifecycle::RequestScoped), args, item)
}

/// Declares a constructor whose value is built anew every time an input needs it.
///
/// See [`macro@singleton`] for what the function may take and return.
#[proc_macro_attribute]
pub fn transient(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(Kind::Constructor(Lifecycle::Transient), args, item)
}

/// Declares an error handler: it turns errors of one type into a response.
///
/// Its first input is a reference to the error it handles (`e: &MyError`); the others are
/// injected. It returns a response and cannot fail. Emits a `watchful::ErrorHandler` constant.
///
/// `#[error_handler(responses(404 = ApiError, 503))]` declares the statuses it answers, each
/// with its body's type when it has one: the OpenAPI document (feature `openapi`) lists them for
/// every route whose errors go to this handler, and debug builds log a WARN when the handler
/// answers a status it does not declare.
///
/// ```
/// use watchful::{error_handler, http::StatusCode};
///
/// #[derive(Debug, thiserror::Error)]
/// #[error("`{0}` is not a name")]
/// pub struct BadName(String);
///
/// #[error_handler]
/// pub fn bad_name(e: &BadName) -> (StatusCode, String) {
///     (StatusCode::BAD_REQUEST, e.to_string())
/// }
///
/// watchful::Blueprint::new().error_handler(BAD_NAME);
/// ```
#[proc_macro_attribute]
pub fn error_handler(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(Kind::ErrorHandler(()), args, item)
}

/// Declares an error observer: it sees every error once its response exists, e.g. to log it.
///
/// Its first input is `error: &watchful::Error`; the others are injected. It returns nothing.
/// Emits a `watchful::ErrorObserver` constant.
///
/// ```
/// use watchful::error_observer;
/// use watchful::request::RequestId;
///
/// #[error_observer]
/// pub fn print_error(error: &watchful::Error, id: &RequestId) {
///     eprintln!("request {}: {error}", id.as_str());
/// }
///
/// watchful::Blueprint::new().error_observer(PRINT_ERROR);
/// ```
#[proc_macro_attribute]
pub fn error_observer(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(Kind::ErrorObserver, args, item)
}

/// Declares a wrapping middleware: it receives the rest of the pipeline as `Next` and returns
/// a response, so it can run code before and after it, or not call it at all.
///
/// Its first input is `next: Next` (`watchful::middleware::Next`, awaited to run the rest);
/// the others are injected. It returns a response, or a `Result` whose error is handled and
/// observed like a handler's. Emits a `watchful::middleware::Wrap` constant; register it with
/// `bp.wrap(..)`.
///
/// ```
/// use std::time::Instant;
/// use watchful::middleware::Next;
/// use watchful::telemetry::RootSpan;
/// use watchful::{Response, wrap};
///
/// #[wrap]
/// pub async fn timed(next: Next, span: &RootSpan) -> Response {
///     let start = Instant::now();
///     let response = next.await;
///     span.record("http.server.request.duration", start.elapsed().as_secs_f64());
///     response
/// }
///
/// watchful::Blueprint::new().wrap(TIMED);
/// ```
#[proc_macro_attribute]
pub fn wrap(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(Kind::Wrap, args, item)
}

/// Declares a pre-processing middleware: it runs before the handler and returns
/// `Processing::Continue` to go on, or `Processing::EarlyReturn(response)` to answer at once.
///
/// Its inputs are injected. It returns `Processing`, or a `Result` of it whose error is handled
/// and observed like a handler's (and skips the handler, as an early return does). Emits a
/// `watchful::middleware::PreProcess` constant; register it with `bp.pre_process(..)`.
///
/// ```
/// use watchful::middleware::Processing;
/// use watchful::request::RequestHead;
/// use watchful::pre_process;
///
/// #[derive(Debug, thiserror::Error)]
/// #[error("the request has no `authorization` header")]
/// pub struct Unauthenticated;
///
/// #[pre_process]
/// pub fn authenticate(head: &RequestHead) -> Result<Processing, Unauthenticated> {
///     match head.headers.contains_key("authorization") {
///         true => Ok(Processing::Continue),
///         false => Err(Unauthenticated),
///     }
/// }
///
/// watchful::Blueprint::new().pre_process(AUTHENTICATE);
/// ```
#[proc_macro_attribute]
pub fn pre_process(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(Kind::PreProcess, args, item)
}

/// Declares a post-processing middleware: it takes the response by value and returns one. It
/// also runs on responses made by error handlers and early returns.
///
/// Its first input is `response: Response`; the others are injected. It returns a response,
/// or a `Result` whose error is handled and observed like a handler's (the error's response
/// then goes on to the next post-processing middleware). Emits a
/// `watchful::middleware::PostProcess` constant; register it with `bp.post_process(..)`.
///
/// ```
/// use watchful::http::HeaderValue;
/// use watchful::{Response, post_process};
///
/// #[post_process]
/// pub fn no_sniff(mut response: Response) -> Response {
///     response
///         .headers_mut()
///         .insert("x-content-type-options", HeaderValue::from_static("nosniff"));
///     response
/// }
///
/// watchful::Blueprint::new().post_process(NO_SNIFF);
/// ```
#[proc_macro_attribute]
pub fn post_process(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(Kind::PostProcess, args, item)
}

/// Declares a fallback: the handler for requests that match no route of its blueprint.
///
/// Its inputs are injected (`&AllowedMethods` tells a 404 from a 405). It returns a response,
/// or a `Result` whose error is handled and observed. Emits a `watchful::middleware::Fallback`
/// constant; register it with `bp.fallback(..)`.
///
/// ```
/// use watchful::http::StatusCode;
/// use watchful::request::AllowedMethods;
/// use watchful::fallback;
///
/// #[fallback]
/// pub fn not_here(allowed: &AllowedMethods) -> (StatusCode, &'static str) {
///     match allowed.allow_header() {
///         Some(_) => (StatusCode::METHOD_NOT_ALLOWED, "wrong method"),
///         None => (StatusCode::NOT_FOUND, "nothing here"),
///     }
/// }
///
/// watchful::Blueprint::new().fallback(NOT_HERE);
/// ```
#[proc_macro_attribute]
pub fn fallback(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(Kind::Fallback, args, item)
}

/// The function, unchanged, followed by its constant, or by every error found in the
/// attribute and the signature (and then no constant, so that only those errors show).
fn expand(kind: Macro, args: TokenStream, item: TokenStream) -> TokenStream {
    let original = proc_macro2::TokenStream::from(item.clone());
    let Ok(function) = syn::parse::<ItemFn>(item) else {
        let error = syn::Error::new(
            proc_macro2::Span::call_site(),
            format!("`#[{}]` goes on a free function", kind.name()),
        )
        .into_compile_error();
        return quote!(#original #error).into();
    };
    let generated = match (
        kind.parse_args(args.into()),
        signature::read(&function.sig, kind),
    ) {
        (Ok(parsed), Ok(component)) => codegen::emit(&function, &parsed, &component),
        (Err(mut error), Err(more)) => {
            error.combine(more);
            error.into_compile_error()
        }
        (Err(error), _) | (_, Err(error)) => error.into_compile_error(),
    };
    quote!(#original #generated).into()
}
