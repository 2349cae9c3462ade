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

use args::{Lifecycle, Macro};

/// Declares a route for `GET` requests on a path: `#[get("/users/{id}")]`.
///
/// Emits a `watchful::Route` constant named after the function in SCREAMING_CASE. The function
/// may be async. Its inputs are injected (`&T` or `T`), and it returns anything that converts
/// into a response, or a `Result` of it whose error converts into `watchful::Error`.
///
/// ```ignore
/// #[get("/greet/{name}")]
/// pub async fn greet(params: &RawPathParams, greeter: Greeter) -> Result<String, GreetError> {
///     // ...
/// }
/// // `GREET` describes it: `Blueprint::new().route(GREET)`.
/// ```
#[proc_macro_attribute]
pub fn get(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(Macro::Method("GET"), args, item)
}

/// Declares a route for `POST` requests on a path: `#[post("/users")]`.
///
/// See [`macro@get`] for what the function may take and return.
#[proc_macro_attribute]
pub fn post(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(Macro::Method("POST"), args, item)
}

/// Declares a route for `PUT` requests on a path: `#[put("/users/{id}")]`.
///
/// See [`macro@get`] for what the function may take and return.
#[proc_macro_attribute]
pub fn put(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(Macro::Method("PUT"), args, item)
}

/// Declares a route for `PATCH` requests on a path: `#[patch("/users/{id}")]`.
///
/// See [`macro@get`] for what the function may take and return.
#[proc_macro_attribute]
pub fn patch(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(Macro::Method("PATCH"), args, item)
}

/// Declares a route for `DELETE` requests on a path: `#[delete("/users/{id}")]`.
///
/// See [`macro@get`] for what the function may take and return.
#[proc_macro_attribute]
pub fn delete(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(Macro::Method("DELETE"), args, item)
}

/// Declares a route for any method, written in uppercase:
/// `#[route(method = "OPTIONS", path = "/users")]`.
///
/// See [`macro@get`] for what the function may take and return.
#[proc_macro_attribute]
pub fn route(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(Macro::Route, args, item)
}

/// Declares a constructor whose value is built once, when the blueprint is built, and shared
/// by every request.
///
/// Emits a `watchful::Constructor` constant. The function returns the value, or a `Result` of
/// it; the value must be `Send + Sync + 'static`.
///
/// ```ignore
/// #[singleton]
/// pub fn pool(config: &Config) -> Result<Pool, PoolError> {
///     // ...
/// }
/// ```
#[proc_macro_attribute]
pub fn singleton(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(Macro::Constructor(Lifecycle::Singleton), args, item)
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
    expand(Macro::Constructor(Lifecycle::RequestScoped), args, item)
}

/// Declares a constructor whose value is built anew every time an input needs it.
///
/// See [`macro@singleton`] for what the function may take and return.
#[proc_macro_attribute]
pub fn transient(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(Macro::Constructor(Lifecycle::Transient), args, item)
}

/// Declares an error handler: it turns errors of one type into a response.
///
/// Its first input is a reference to the error it handles (`e: &MyError`); the others are
/// injected. It returns a response and cannot fail. Emits a `watchful::ErrorHandler` constant.
///
/// ```ignore
/// #[error_handler]
/// pub fn greet_error(e: &GreetError) -> Response {
///     // ...
/// }
/// ```
#[proc_macro_attribute]
pub fn error_handler(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(Macro::ErrorHandler, args, item)
}

/// Declares an error observer: it sees every error once its response exists, e.g. to log it.
///
/// Its first input is `error: &watchful::Error`; the others are injected. It returns nothing.
/// Emits a `watchful::ErrorObserver` constant.
///
/// ```ignore
/// #[error_observer]
/// pub fn log_error(error: &watchful::Error) {
///     // ...
/// }
/// ```
#[proc_macro_attribute]
pub fn error_observer(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(Macro::ErrorObserver, args, item)
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
