//! What every component description holds: the function's name and location, and the types it
//! takes and returns.

use std::any::TypeId;
use std::fmt;

use http::StatusCode;

use super::adapter::{ConstructorFn, ErrorHandlerFn};
use crate::plan::Cloner;

/// A Rust type, identified at run time: its [`TypeId`] and its name for messages.
#[derive(Clone, Copy)]
pub struct TypeMeta {
    pub(crate) id: TypeId,
    pub(crate) name: &'static str,
}

impl TypeMeta {
    /// Describes `T`.
    pub fn of<T: ?Sized + 'static>() -> Self {
        Self {
            id: TypeId::of::<T>(),
            name: std::any::type_name::<T>(),
        }
    }

    /// The type's full name, as [`std::any::type_name`] gives it.
    pub fn name(&self) -> &'static str {
        self.name
    }
}

impl PartialEq for TypeMeta {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl Eq for TypeMeta {}

impl std::hash::Hash for TypeMeta {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.id.hash(state);
    }
}

/// Shows the type by its public path (`watchful::extract::PathParams<..>`, not the module
/// that defines it).
impl fmt::Debug for TypeMeta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::type_name::public(self.name))
    }
}

/// Shows the type by its public path, as [`Debug`](fmt::Debug) does.
impl fmt::Display for TypeMeta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::type_name::public(self.name))
    }
}

/// How long a constructed value lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    /// Built once by [`Blueprint::build`](crate::Blueprint::build) and shared by every request.
    Singleton,
    /// Built at most once per request, and only if the route needs it.
    RequestScoped,
    /// Built anew every time something needs it.
    Transient,
}

impl fmt::Display for Lifecycle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Lifecycle::Singleton => "singleton",
            Lifecycle::RequestScoped => "request-scoped",
            Lifecycle::Transient => "transient",
        })
    }
}

/// One input of a component, in declaration order.
#[derive(Clone, Copy)]
pub struct Input {
    pub(crate) ty: TypeMeta,
    pub(crate) by_ref: bool,
    pub(crate) cloner: Option<Cloner>,
    /// Set when the type is an extractor, which `build()` registers when nothing provides it.
    pub(crate) extractor: Option<Extractor>,
    /// What the type adds to an operation of the OpenAPI document, if anything.
    #[cfg(feature = "openapi")]
    pub(crate) doc: Option<crate::openapi::component_docs::InputDocFn>,
}

impl Input {
    /// An input taken as `&T`.
    #[doc(hidden)]
    pub fn by_ref<T: Send + Sync + 'static>() -> Self {
        Self {
            ty: TypeMeta::of::<T>(),
            by_ref: true,
            cloner: None,
            extractor: None,
            #[cfg(feature = "openapi")]
            doc: None,
        }
    }

    /// An input taken as `T`; `cloner` is set when `T: Clone`.
    #[doc(hidden)]
    pub fn by_value<T: Send + Sync + 'static>(cloner: Option<Cloner>) -> Self {
        Self {
            ty: TypeMeta::of::<T>(),
            by_ref: false,
            cloner,
            extractor: None,
            #[cfg(feature = "openapi")]
            doc: None,
        }
    }

    /// Records that the type is an extractor (what the macros' probe found).
    #[doc(hidden)]
    pub fn with_extractor(self, extractor: Option<Extractor>) -> Self {
        Self { extractor, ..self }
    }

    /// Records what the type adds to an operation (what the macros' probe found).
    #[cfg(feature = "openapi")]
    #[doc(hidden)]
    pub fn with_doc(self, doc: Option<crate::openapi::component_docs::InputDocFn>) -> Self {
        Self { doc, ..self }
    }
}

/// The types a component consumes and produces, computed when the blueprint is built.
#[doc(hidden)]
pub struct Signature {
    /// Injected inputs, in declaration order (an error handler's `&E` and an observer's
    /// `&watchful::Error` are not listed).
    pub inputs: Vec<Input>,
    /// The value a constructor builds (`T` in `T` or `Result<T, E>`).
    pub output: Option<TypeMeta>,
    /// The error type when the function returns a `Result`; for an error handler, the type of
    /// error it handles.
    pub error: Option<TypeMeta>,
}

/// Where a component is defined and what it looks like. Shared by every kind of component.
#[derive(Clone, Copy)]
pub struct ComponentMeta {
    pub(crate) name: &'static str,
    pub(crate) file: &'static str,
    pub(crate) line: u32,
    pub(crate) signature: fn() -> Signature,
}

impl ComponentMeta {
    /// Used by the macros.
    #[doc(hidden)]
    pub const fn new(
        name: &'static str,
        file: &'static str,
        line: u32,
        signature: fn() -> Signature,
    ) -> Self {
        Self {
            name,
            file,
            line,
            signature,
        }
    }

    /// The function's path, `module::path::function`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Where the function is defined, as `file:line`.
    pub fn location(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

impl fmt::Debug for ComponentMeta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}:{})", self.name, self.file, self.line)
    }
}

/// Checks, for a route's path parameter names, that an extractor can work there.
pub(crate) type RouteCheck = fn(&[&str]) -> Result<(), String>;

/// What `build()` registers for an extractor type that a component takes and nothing else
/// provides: a request-scoped constructor, the default handler of its rejection, and a check
/// of the route's path.
#[doc(hidden)]
#[derive(Clone, Copy)]
pub struct Extractor {
    /// The constructor's description.
    pub(crate) meta: ComponentMeta,
    pub(crate) construct: ConstructorFn,
    /// The default handler of its rejection and the statuses it answers; `None` when it
    /// cannot fail.
    pub(crate) rejection_handler: Option<(ComponentMeta, ErrorHandlerFn, &'static [StatusCode])>,
    pub(crate) check_route: RouteCheck,
}
