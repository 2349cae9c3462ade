//! What the attribute macros emit: one constant per annotated function, describing it; and how
//! components receive their inputs (dependency injection).
//!
#![doc = include_str!("docs/components.md")]

use std::any::{Any, TypeId};
use std::fmt;

use crate::di::{ConstructorFn, ErrorHandlerFn, Extractor, HandlerFn, ObserverFn};

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

impl fmt::Debug for TypeMeta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

impl fmt::Display for TypeMeta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
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

/// Clones a value of a known type behind `dyn Any`.
#[doc(hidden)]
pub type Cloner = fn(&(dyn Any + Send + Sync)) -> Box<dyn Any + Send + Sync>;

/// One input of a component, in declaration order.
#[derive(Clone, Copy)]
pub struct Input {
    pub(crate) ty: TypeMeta,
    pub(crate) by_ref: bool,
    pub(crate) cloner: Option<Cloner>,
    /// Set when the type is an extractor, which `build()` registers when nothing provides it.
    pub(crate) extractor: Option<Extractor>,
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
        }
    }

    /// Records that the type is an extractor (what the macros' probe found).
    #[doc(hidden)]
    pub fn with_extractor(self, extractor: Option<Extractor>) -> Self {
        Self { extractor, ..self }
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

/// A request handler and the method and path it serves; emitted by `#[get]`, `#[post]`,
/// `#[put]`, `#[patch]`, `#[delete]` and `#[route]`.
#[derive(Clone, Copy, Debug)]
pub struct Route {
    pub(crate) method: &'static str,
    pub(crate) path: &'static str,
    pub(crate) meta: ComponentMeta,
    pub(crate) call: HandlerFn,
}

impl Route {
    /// Used by the macros.
    #[doc(hidden)]
    pub const fn new(
        method: &'static str,
        path: &'static str,
        meta: ComponentMeta,
        call: HandlerFn,
    ) -> Self {
        Self {
            method,
            path,
            meta,
            call,
        }
    }

    /// The HTTP method, as written in the attribute.
    pub fn method(&self) -> &'static str {
        self.method
    }

    /// The path template, as written in the attribute.
    pub fn path(&self) -> &'static str {
        self.path
    }

    /// The handler's name and location.
    pub fn meta(&self) -> &ComponentMeta {
        &self.meta
    }
}

/// A constructor and its lifecycle; emitted by `#[singleton]`, `#[request_scoped]` and
/// `#[transient]`.
#[derive(Clone, Copy, Debug)]
pub struct Constructor {
    pub(crate) lifecycle: Lifecycle,
    pub(crate) clone_if_necessary: bool,
    pub(crate) meta: ComponentMeta,
    pub(crate) call: ConstructorFn,
}

impl Constructor {
    /// Used by the macros.
    #[doc(hidden)]
    pub const fn new(
        lifecycle: Lifecycle,
        clone_if_necessary: bool,
        meta: ComponentMeta,
        call: ConstructorFn,
    ) -> Self {
        Self {
            lifecycle,
            clone_if_necessary,
            meta,
            call,
        }
    }

    /// How long the constructed value lives.
    pub fn lifecycle(&self) -> Lifecycle {
        self.lifecycle
    }

    /// The constructor's name and location.
    pub fn meta(&self) -> &ComponentMeta {
        &self.meta
    }
}

/// A function that turns `&E` into a response; emitted by `#[error_handler]`.
#[derive(Clone, Copy, Debug)]
pub struct ErrorHandler {
    pub(crate) meta: ComponentMeta,
    pub(crate) call: ErrorHandlerFn,
}

impl ErrorHandler {
    /// Used by the macros.
    #[doc(hidden)]
    pub const fn new(meta: ComponentMeta, call: ErrorHandlerFn) -> Self {
        Self { meta, call }
    }

    /// The error handler's name and location.
    pub fn meta(&self) -> &ComponentMeta {
        &self.meta
    }
}

/// A function that sees every error after its response exists; emitted by `#[error_observer]`.
#[derive(Clone, Copy, Debug)]
pub struct ErrorObserver {
    pub(crate) meta: ComponentMeta,
    pub(crate) call: ObserverFn,
}

impl ErrorObserver {
    /// Used by the macros.
    #[doc(hidden)]
    pub const fn new(meta: ComponentMeta, call: ObserverFn) -> Self {
        Self { meta, call }
    }

    /// The observer's name and location.
    pub fn meta(&self) -> &ComponentMeta {
        &self.meta
    }
}
