//! Which macro was invoked, and what its attribute arguments say.

use proc_macro2::{Span, TokenStream};
use syn::parse::{ParseStream, Parser};
use syn::{Error, Ident, LitStr};

/// One of the crate's attribute macros, as its entry point knows it before reading arguments.
#[derive(Clone, Copy)]
pub(crate) enum Macro {
    /// `#[get]`, `#[post]`, `#[put]`, `#[patch]` or `#[delete]`: the method is fixed.
    Method(&'static str),
    /// `#[route(method = "..", path = "..")]`.
    Route,
    /// `#[singleton]`, `#[request_scoped]` or `#[transient]`.
    Constructor(Lifecycle),
    /// `#[error_handler]`.
    ErrorHandler,
    /// `#[error_observer]`.
    ErrorObserver,
    /// `#[wrap]`.
    Wrap,
    /// `#[pre_process]`.
    PreProcess,
    /// `#[post_process]`.
    PostProcess,
    /// `#[fallback]`.
    Fallback,
}

/// How long a constructed value lives.
#[derive(Clone, Copy)]
pub(crate) enum Lifecycle {
    Singleton,
    RequestScoped,
    Transient,
}

/// What to generate, once the attribute's arguments are read and checked.
pub(crate) enum Kind {
    Route {
        /// Uppercase ASCII letters, e.g. `GET`.
        method: String,
        /// Starts with `/`.
        path: LitStr,
    },
    Constructor {
        lifecycle: Lifecycle,
        /// The `clone_if_necessary` flag, as written.
        clone_if_necessary: Option<Ident>,
    },
    ErrorHandler,
    ErrorObserver,
    Wrap,
    PreProcess,
    PostProcess,
    Fallback,
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
            Macro::Method(method) => method.to_ascii_lowercase(),
            Macro::Route => "route".to_owned(),
            Macro::Constructor(lifecycle) => lifecycle.attribute().to_owned(),
            Macro::ErrorHandler => "error_handler".to_owned(),
            Macro::ErrorObserver => "error_observer".to_owned(),
            Macro::Wrap => "wrap".to_owned(),
            Macro::PreProcess => "pre_process".to_owned(),
            Macro::PostProcess => "post_process".to_owned(),
            Macro::Fallback => "fallback".to_owned(),
        }
    }

    /// Reads the attribute's arguments: `args` in `#[name(args)]`.
    pub(crate) fn parse_args(self, args: TokenStream) -> syn::Result<Kind> {
        match self {
            Macro::Method(method) => Ok(Kind::Route {
                method: method.to_owned(),
                path: path_argument(&self.name(), args)?,
            }),
            Macro::Route => route_arguments(args),
            Macro::Constructor(lifecycle) => Ok(Kind::Constructor {
                lifecycle,
                clone_if_necessary: clone_if_necessary(lifecycle, args)?,
            }),
            Macro::ErrorHandler => no_arguments(&self.name(), args).map(|()| Kind::ErrorHandler),
            Macro::ErrorObserver => no_arguments(&self.name(), args).map(|()| Kind::ErrorObserver),
            Macro::Wrap => no_arguments(&self.name(), args).map(|()| Kind::Wrap),
            Macro::PreProcess => no_arguments(&self.name(), args).map(|()| Kind::PreProcess),
            Macro::PostProcess => no_arguments(&self.name(), args).map(|()| Kind::PostProcess),
            Macro::Fallback => no_arguments(&self.name(), args).map(|()| Kind::Fallback),
        }
    }
}

/// `"/users/{id}"` in `#[get("/users/{id}")]`.
fn path_argument(name: &str, args: TokenStream) -> syn::Result<LitStr> {
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
        if !input.is_empty() {
            return Err(input.error(format!(
                "`#[{name}]` takes only the route's path, e.g. {example}"
            )));
        }
        Ok(path)
    };
    let path = parser.parse2(args)?;
    check_path(&path)?;
    Ok(path)
}

/// `method = "GET", path = "/x"` in `#[route(..)]`, in any order.
fn route_arguments(args: TokenStream) -> syn::Result<Kind> {
    let mut method = None;
    let mut path = None;
    syn::meta::parser(|meta| {
        let (slot, key) = if meta.path.is_ident("method") {
            (&mut method, "method")
        } else if meta.path.is_ident("path") {
            (&mut path, "path")
        } else {
            return Err(meta.error(
                "unknown argument: `#[route]` takes `method = \"GET\"` and `path = \"/users/{id}\"`",
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
        (Ok(method), Ok(path)) => Ok(Kind::Route { method, path }),
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
