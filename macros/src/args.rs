//! Which macro was invoked, and what its attribute arguments say.

use proc_macro2::{Span, TokenStream};
use syn::parse::{ParseStream, Parser};
use syn::{Error, Ident, LitInt, LitStr, Type};

/// A kind of component, with what sets apart the attributes that declare it: `R` for a route,
/// `C` for a constructor, `H` for an error handler. The same enumeration serves before the
/// attribute's arguments are read ([`Macro`]) and after ([`Declared`]), so that each stage
/// names the kinds the same way.
#[derive(Clone, Copy)]
pub(crate) enum Kind<R, C, H> {
    Route(R),
    Constructor(C),
    ErrorHandler(H),
    ErrorObserver,
    Wrap,
    PreProcess,
    PostProcess,
    Fallback,
}

/// An attribute macro as its entry point knows it: for a route, the method that `#[get]`,
/// `#[post]`, .. fix (`None` for `#[route]`, whose arguments name it); for a constructor, the
/// lifecycle its attribute declares.
pub(crate) type Macro = Kind<Option<&'static str>, Lifecycle, ()>;

/// What to generate, once the attribute's arguments are read and checked.
pub(crate) type Declared = Kind<Route, Constructor, Vec<DeclaredResponse>>;

/// A route's method and path, as checked.
pub(crate) struct Route {
    /// Uppercase ASCII letters, e.g. `GET`.
    pub(crate) method: String,
    /// Starts with `/`.
    pub(crate) path: LitStr,
    /// The success status the handler answers with, for the OpenAPI document, when its return
    /// type does not fix one: `status = 201`.
    pub(crate) status: Option<LitInt>,
}

/// A response an error handler declares it can answer: `404 = ApiError` or `503` in
/// `#[error_handler(responses(404 = ApiError, 503))]`.
pub(crate) struct DeclaredResponse {
    /// A status code, 100 to 599.
    pub(crate) status: LitInt,
    /// The body's type, if named.
    pub(crate) body: Option<Type>,
}

/// A constructor's lifecycle and flag, as checked.
pub(crate) struct Constructor {
    pub(crate) lifecycle: Lifecycle,
    /// The `clone_if_necessary` flag, as written; only on request-scoped constructors.
    pub(crate) clone_if_necessary: Option<Ident>,
}

/// How long a constructed value lives.
#[derive(Clone, Copy)]
pub(crate) enum Lifecycle {
    Singleton,
    RequestScoped,
    Transient,
}

impl Lifecycle {
    /// The attribute that declares it.
    fn attribute(self) -> &'static str {
        match self {
            Lifecycle::Singleton => "singleton",
            Lifecycle::RequestScoped => "request_scoped",
            Lifecycle::Transient => "transient",
        }
    }
}

impl Macro {
    /// The attribute's name, as written by users.
    pub(crate) fn name(self) -> String {
        match self {
            Kind::Route(Some(method)) => method.to_ascii_lowercase(),
            Kind::Route(None) => "route".to_owned(),
            Kind::Constructor(lifecycle) => lifecycle.attribute().to_owned(),
            Kind::ErrorHandler(()) => "error_handler".to_owned(),
            Kind::ErrorObserver => "error_observer".to_owned(),
            Kind::Wrap => "wrap".to_owned(),
            Kind::PreProcess => "pre_process".to_owned(),
            Kind::PostProcess => "post_process".to_owned(),
            Kind::Fallback => "fallback".to_owned(),
        }
    }

    /// Reads the attribute's arguments: `args` in `#[name(args)]`.
    pub(crate) fn parse_args(self, args: TokenStream) -> syn::Result<Declared> {
        let name = self.name();
        match self {
            Kind::Route(Some(method)) => {
                let (path, status) = path_argument(&name, args)?;
                Ok(Kind::Route(Route {
                    method: method.to_owned(),
                    path,
                    status,
                }))
            }
            Kind::Route(None) => route_arguments(args).map(Kind::Route),
            Kind::Constructor(lifecycle) => Ok(Kind::Constructor(Constructor {
                lifecycle,
                clone_if_necessary: clone_if_necessary(lifecycle, args)?,
            })),
            Kind::ErrorHandler(()) => responses_argument(args).map(Kind::ErrorHandler),
            Kind::ErrorObserver => no_arguments(&name, args).map(|()| Kind::ErrorObserver),
            Kind::Wrap => no_arguments(&name, args).map(|()| Kind::Wrap),
            Kind::PreProcess => no_arguments(&name, args).map(|()| Kind::PreProcess),
            Kind::PostProcess => no_arguments(&name, args).map(|()| Kind::PostProcess),
            Kind::Fallback => no_arguments(&name, args).map(|()| Kind::Fallback),
        }
    }
}

/// `"/users/{id}"` in `#[get("/users/{id}")]`, and the optional `status = 201` after it.
fn path_argument(name: &str, args: TokenStream) -> syn::Result<(LitStr, Option<LitInt>)> {
    let example = format!("`#[{name}(\"/users/{{id}}\")]`");
    if args.is_empty() {
        return Err(Error::new(
            Span::call_site(),
            format!("missing the route's path: write {example}"),
        ));
    }
    let parser = |input: ParseStream| {
        let path: LitStr = input.parse().map_err(|error| {
            Error::new(
                error.span(),
                format!("expected the route's path as a string literal, e.g. {example}"),
            )
        })?;
        let mut status = None;
        let usage = || {
            format!(
                "`#[{name}]` takes the route's path and, optionally, its success status: {example} or `#[{name}(\"/users\", status = 201)]`"
            )
        };
        if !input.is_empty() {
            input.parse::<syn::Token![,]>()?;
            let is_status = input
                .fork()
                .parse::<Ident>()
                .is_ok_and(|key| key == "status");
            if !is_status {
                return Err(input.error(usage()));
            }
            input.parse::<Ident>()?;
            input.parse::<syn::Token![=]>()?;
            status = Some(status_code(input)?);
            if !input.is_empty() {
                return Err(input.error(usage()));
            }
        }
        Ok((path, status))
    };
    let (path, status) = parser.parse2(args)?;
    check_path(&path)?;
    Ok((path, status))
}

/// An HTTP status code, 100 to 599, read from `input`.
fn status_code(input: ParseStream) -> syn::Result<LitInt> {
    const EXPECTED: &str = "an HTTP status code is a number from 100 to 599, e.g. `404`";
    let literal: LitInt = input
        .parse()
        .map_err(|error| Error::new(error.span(), EXPECTED))?;
    match literal.base10_parse::<u16>() {
        Ok(100..=599) => Ok(literal),
        _ => Err(Error::new(literal.span(), EXPECTED)),
    }
}

/// `responses(404 = ApiError, 503)` in `#[error_handler(responses(404 = ApiError, 503))]`:
/// the statuses the handler can answer, each with its body's type when it has one.
fn responses_argument(args: TokenStream) -> syn::Result<Vec<DeclaredResponse>> {
    const USAGE: &str = "`#[error_handler]` takes the responses it can answer: `#[error_handler(responses(404 = ApiError, 503))]`";
    if args.is_empty() {
        return Ok(Vec::new());
    }
    let mut declared: Vec<DeclaredResponse> = Vec::new();
    syn::meta::parser(|meta| {
        if !meta.path.is_ident("responses") {
            return Err(meta.error(format!("unknown argument: {USAGE}")));
        }
        let content;
        syn::parenthesized!(content in meta.input);
        while !content.is_empty() {
            let status = status_code(&content)?;
            if declared
                .iter()
                .any(|d| d.status.base10_digits() == status.base10_digits())
            {
                return Err(Error::new(
                    status.span(),
                    format!(
                        "status {} is declared twice: keep one",
                        status.base10_digits()
                    ),
                ));
            }
            let body = match content.parse::<Option<syn::Token![=]>>()? {
                Some(_) => Some(content.parse::<Type>()?),
                None => None,
            };
            declared.push(DeclaredResponse { status, body });
            if content.is_empty() {
                break;
            }
            content.parse::<syn::Token![,]>()?;
        }
        Ok(())
    })
    .parse2(args)?;
    Ok(declared)
}

/// `method = "GET", path = "/x"` in `#[route(..)]`, in any order.
fn route_arguments(args: TokenStream) -> syn::Result<Route> {
    let mut method = None;
    let mut path = None;
    let mut status = None;
    syn::meta::parser(|meta| {
        if meta.path.is_ident("status") {
            if status.is_some() {
                return Err(meta.error("`status` is given twice: keep one"));
            }
            status = Some(status_code(meta.value()?)?);
            return Ok(());
        }
        let (slot, key) = if meta.path.is_ident("method") {
            (&mut method, "method")
        } else if meta.path.is_ident("path") {
            (&mut path, "path")
        } else {
            return Err(meta.error(
                "unknown argument: `#[route]` takes `method = \"GET\"`, `path = \"/users/{id}\"` and, optionally, `status = 201`",
            ));
        };
        if slot.is_some() {
            return Err(meta.error(format!("`{key}` is given twice: keep one")));
        }
        *slot = Some(meta.value()?.parse::<LitStr>()?);
        Ok(())
    })
    .parse2(args)?;

    let missing = |what: &str| {
        Error::new(
            Span::call_site(),
            format!(
                "missing `{what}`: write `#[route(method = \"GET\", path = \"/users/{{id}}\")]`"
            ),
        )
    };
    let method = method
        .ok_or_else(|| missing("method"))
        .and_then(|m| check_method(&m));
    let path = path
        .ok_or_else(|| missing("path"))
        .and_then(|p| check_path(&p).map(|()| p));
    match (method, path) {
        (Ok(method), Ok(path)) => Ok(Route {
            method,
            path,
            status,
        }),
        (Err(mut first), Err(second)) => {
            first.combine(second);
            Err(first)
        }
        (Err(error), _) | (_, Err(error)) => Err(error),
    }
}

/// An HTTP method: ASCII letters, in uppercase as HTTP spells them.
fn check_method(literal: &LitStr) -> syn::Result<String> {
    let method = literal.value();
    if method.is_empty() || !method.bytes().all(|byte| byte.is_ascii_alphabetic()) {
        return Err(Error::new(
            literal.span(),
            "an HTTP method is made of ASCII letters, e.g. `method = \"GET\"`",
        ));
    }
    if method.bytes().any(|byte| byte.is_ascii_lowercase()) {
        return Err(Error::new(
            literal.span(),
            format!(
                "HTTP methods are case-sensitive and written in uppercase: write `method = \"{}\"`",
                method.to_ascii_uppercase()
            ),
        ));
    }
    Ok(method)
}

/// A route's path starts with `/`.
fn check_path(literal: &LitStr) -> syn::Result<()> {
    let path = literal.value();
    if path.starts_with('/') {
        Ok(())
    } else {
        Err(Error::new(
            literal.span(),
            format!("a route's path starts with `/`: write `\"/{path}\"`"),
        ))
    }
}

/// `clone_if_necessary` in `#[request_scoped(clone_if_necessary)]`, if written; the other
/// constructor attributes take no argument.
fn clone_if_necessary(lifecycle: Lifecycle, args: TokenStream) -> syn::Result<Option<Ident>> {
    if args.is_empty() {
        return Ok(None);
    }
    let flag = syn::parse2::<Ident>(args.clone())
        .ok()
        .filter(|ident| ident == "clone_if_necessary");
    match (flag, lifecycle) {
        (Some(flag), Lifecycle::RequestScoped) => Ok(Some(flag)),
        (Some(_), _) => Err(Error::new_spanned(
            args,
            format!(
                "`clone_if_necessary` only applies to request-scoped values: remove it, or use \
                 `#[request_scoped(clone_if_necessary)]` instead of `#[{}]`",
                lifecycle.attribute()
            ),
        )),
        (None, Lifecycle::RequestScoped) => Err(Error::new_spanned(
            args,
            "unknown argument: `#[request_scoped]` takes only `clone_if_necessary`",
        )),
        (None, _) => no_arguments(lifecycle.attribute(), args).map(|()| None),
    }
}

/// Rejects any argument, for the attributes that take none.
fn no_arguments(name: &str, args: TokenStream) -> syn::Result<()> {
    if args.is_empty() {
        Ok(())
    } else {
        Err(Error::new_spanned(
            args,
            format!("`#[{name}]` takes no arguments: write `#[{name}]`"),
        ))
    }
}
