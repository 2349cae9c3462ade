//! What [`Blueprint::check`](super::Blueprint::check) and
//! [`Blueprint::build`](super::Blueprint::build) report: every problem at once, and warnings.
//!
//! Each problem and warning has a kind (one per rule) and the components it involves, as data
//! for programs; its [`Display`](fmt::Display) text is for people, and its wording may change
//! between versions.

use std::borrow::Cow;
use std::fmt;
use std::panic::Location;

use crate::Error;
use crate::component::{ComponentMeta, TypeMeta};

/// Why [`Blueprint::build`](super::Blueprint::build) (or
/// [`check`](super::Blueprint::check)) failed.
#[derive(Debug)]
pub enum BuildError {
    /// The blueprint is inconsistent. Every problem found is listed, each naming the
    /// components involved, where they are defined and where they were registered.
    Invalid {
        /// One entry per problem.
        problems: Vec<BuildProblem>,
    },
    /// A singleton constructor returned an error (only `build()` runs them).
    Singleton {
        /// The constructor, with its definition and registration.
        constructor: String,
        /// What it returned.
        source: Error,
    },
}

impl BuildError {
    /// The problems found (empty for [`BuildError::Singleton`]).
    pub fn problems(&self) -> &[BuildProblem] {
        match self {
            BuildError::Invalid { problems } => problems,
            BuildError::Singleton { .. } => &[],
        }
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::Invalid { problems } => {
                let plural = if problems.len() == 1 { "" } else { "s" };
                write!(f, "the blueprint has {} problem{plural}:", problems.len())?;
                for (index, problem) in problems.iter().enumerate() {
                    write!(f, "\n\n{}. {problem}", index + 1)?;
                }
                Ok(())
            }
            BuildError::Singleton { constructor, .. } => {
                write!(f, "the singleton constructor {constructor} failed")
            }
        }
    }
}

impl std::error::Error for BuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BuildError::Invalid { .. } => None,
            BuildError::Singleton { source, .. } => Some(source.as_std()),
        }
    }
}

/// A broken rule: the blueprint cannot be built.
pub type BuildProblem = Diagnostic<ProblemKind>;

/// Something accepted that deserves a look: [`App::warnings`](crate::App::warnings) lists
/// them, and they are logged at WARN when the app starts serving.
pub type BuildWarning = Diagnostic<WarningKind>;

/// A problem or a warning: its kind, the components involved and a message.
///
/// Match on [`kind`](Diagnostic::kind) and read [`components`](Diagnostic::components); the
/// text ([`Display`](fmt::Display), [`message`](Diagnostic::message)) explains the rule and
/// the fix, and is not stable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic<K> {
    kind: K,
    components: Vec<InvolvedComponent>,
    message: String,
}

impl<K: Copy> Diagnostic<K> {
    pub(crate) fn new(
        kind: K,
        components: impl IntoIterator<Item = InvolvedComponent>,
        message: String,
    ) -> Self {
        Self {
            kind,
            components: components.into_iter().collect(),
            message,
        }
    }

    /// Which rule this is about.
    pub fn kind(&self) -> K {
        self.kind
    }

    /// The components involved, in the order the message names them.
    pub fn components(&self) -> &[InvolvedComponent] {
        &self.components
    }

    /// The explanation, for people; its wording may change between versions.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl<K> fmt::Display for Diagnostic<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl BuildWarning {
    /// The problem this warning becomes when the blueprint denies it, with the reason appended.
    pub(crate) fn deny(self, kind: ProblemKind, reason: &str) -> BuildProblem {
        BuildProblem::new(kind, self.components, format!("{} {reason}", self.message))
    }
}

/// The rule a [`BuildProblem`] breaks.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProblemKind {
    /// A component needs a value that nothing in its blueprint or its parents provides
    /// (possibly because its constructor is registered in a nested blueprint).
    MissingInput,
    /// Constructors depend on each other in a circle.
    Cycle,
    /// A singleton depends on a request-scoped or transient value, or on a per-request value
    /// the framework provides.
    SingletonDependsOnRequestScope,
    /// An error observer depends, directly or not, on a constructor that can fail.
    FallibleObserverInput,
    /// An error handler depends, directly or not, on a constructor that can fail.
    FallibleErrorHandlerInput,
    /// A request-scoped value is taken by value by one consumer and used by another.
    MovedTwice,
    /// A value shared by every request is taken by value but is not `Clone`.
    SharedValueNotClone,
    /// The request body is taken by value more than once in one route.
    BodyConsumedTwice,
    /// The request body is taken by reference.
    BodyBorrowed,
    /// An extractor cannot serve a route (e.g. a path parameter it reads is not in the path).
    ExtractorRejectsRoute,
    /// An error handler attached with `.error_handler(..)` does not fit its component: the
    /// component cannot fail, or fails with another error type.
    MisattachedErrorHandler,
    /// Two routes have the same method and path.
    DuplicateRoute,
    /// Two paths the router cannot tell apart, e.g. one path with its parameters named
    /// differently in two routes.
    RouteConflict,
    /// A path the router rejects (unclosed `{`, a catch-all that is not last, ...).
    InvalidPath,
    /// A route's method is not a valid HTTP method.
    InvalidMethod,
    /// A nested blueprint's prefix does not start with `/`, or ends with one.
    InvalidPrefix,
    /// Two constructors or prebuilt values provide the same type.
    ProvidedTwice,
    /// A constructor or prebuilt value provides a type the framework provides to every request.
    ProvidesFrameworkValue,
    /// One blueprint registers two error handlers for the same error type.
    DuplicateErrorHandler,
    /// Two fallbacks serve the same paths.
    DuplicateFallback,
    /// An error type has no handler and would fall back to the catch-all handler or the
    /// built-in 500, which [`deny_error_fallback`](super::Blueprint::deny_error_fallback)
    /// forbids.
    MissingErrorHandler,
}

/// What a [`BuildWarning`] is about.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WarningKind {
    /// An error type has no handler: its errors fall back to the catch-all handler or the
    /// built-in 500.
    MissingErrorHandler,
    /// A blueprint-wide error handler handles a type that no component of its blueprint, or
    /// of the blueprints nested in it, can fail with.
    UnusedErrorHandler,
    /// The OpenAPI document describes a type without a schema, because it does not derive
    /// `JsonSchema`; reported under
    /// [`openapi_warn_missing_schemas`](super::Blueprint::openapi_warn_missing_schemas) only.
    #[cfg(feature = "openapi")]
    MissingSchema,
}

/// A file and a line in the application's source code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SourceLocation {
    file: &'static str,
    line: u32,
}

impl SourceLocation {
    /// The file, relative to the crate's workspace as `file!()` gives it.
    pub fn file(&self) -> &'static str {
        self.file
    }

    /// The line, starting at 1.
    pub fn line(&self) -> u32 {
        self.line
    }
}

impl From<&Location<'static>> for SourceLocation {
    fn from(at: &Location<'static>) -> Self {
        Self {
            file: at.file(),
            line: at.line(),
        }
    }
}

impl fmt::Display for SourceLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// What an [`InvolvedComponent`] is.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InvolvedKind {
    /// A registered function (route, constructor, error handler, middleware, ...).
    Component,
    /// A component watchful provides itself (an extractor, the default fallback).
    Builtin,
    /// A value registered with [`Blueprint::prebuilt`](super::Blueprint::prebuilt); its name
    /// is its type's.
    Prebuilt,
    /// A nested blueprint; its name is its prefix (empty without one).
    NestedBlueprint,
    /// A tower service mounted with [`Blueprint::service`](super::Blueprint::service); its
    /// name is its prefix.
    Service,
}

/// A component a problem or warning names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InvolvedComponent {
    kind: InvolvedKind,
    name: Cow<'static, str>,
    defined_at: Option<SourceLocation>,
    registered_at: Option<SourceLocation>,
}

impl InvolvedComponent {
    /// A registered function.
    pub(crate) fn component(meta: &ComponentMeta, at: &'static Location<'static>) -> Self {
        Self {
            kind: InvolvedKind::Component,
            name: Cow::Borrowed(meta.name),
            defined_at: Some(SourceLocation {
                file: meta.file,
                line: meta.line,
            }),
            registered_at: Some(at.into()),
        }
    }

    /// A component of watchful's own.
    pub(crate) fn builtin(meta: &ComponentMeta) -> Self {
        Self {
            kind: InvolvedKind::Builtin,
            name: crate::type_name::public(meta.name),
            defined_at: None,
            registered_at: None,
        }
    }

    /// A prebuilt value of type `ty`.
    pub(crate) fn prebuilt(ty: TypeMeta, at: &'static Location<'static>) -> Self {
        Self {
            kind: InvolvedKind::Prebuilt,
            name: crate::type_name::public(ty.name()),
            defined_at: None,
            registered_at: Some(at.into()),
        }
    }

    /// A blueprint nested under `prefix` at `at`.
    pub(crate) fn nested(prefix: &str, at: &'static Location<'static>) -> Self {
        Self {
            kind: InvolvedKind::NestedBlueprint,
            name: Cow::Owned(prefix.to_owned()),
            defined_at: None,
            registered_at: Some(at.into()),
        }
    }

    /// A tower service mounted under `prefix` at `at`.
    pub(crate) fn service(prefix: &str, at: &'static Location<'static>) -> Self {
        Self {
            kind: InvolvedKind::Service,
            name: Cow::Owned(prefix.to_owned()),
            defined_at: None,
            registered_at: Some(at.into()),
        }
    }

    /// What it is.
    pub fn kind(&self) -> InvolvedKind {
        self.kind
    }

    /// The function's path (`app::routes::get_user`), the prebuilt value's type, or the nested
    /// blueprint's prefix.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where the function is defined (the line of its name); `None` for anything else.
    pub fn defined_at(&self) -> Option<SourceLocation> {
        self.defined_at
    }

    /// Where it was registered (`bp.route(..)`, `bp.prebuilt(..)`, `.nest(..)`); `None` for
    /// watchful's own components.
    pub fn registered_at(&self) -> Option<SourceLocation> {
        self.registered_at
    }
}

/// How messages name it: "`path::to::f` (defined at file:line, registered at file:line)".
impl fmt::Display for InvolvedComponent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = |location: Option<SourceLocation>| location.map(|l| l.to_string());
        let registered = at(self.registered_at).unwrap_or_default();
        match self.kind {
            InvolvedKind::Component => write!(
                f,
                "`{}` (defined at {}, registered at {registered})",
                self.name,
                at(self.defined_at).unwrap_or_default(),
            ),
            InvolvedKind::Builtin => write!(f, "`{}` (provided by watchful)", self.name),
            InvolvedKind::Prebuilt => write!(f, "the prebuilt value registered at {registered}"),
            InvolvedKind::NestedBlueprint => write!(f, "the blueprint nested at {registered}"),
            InvolvedKind::Service => write!(
                f,
                "the service mounted at `{}` (registered at {registered})",
                self.name
            ),
        }
    }
}

/// The problem of a by-value input of a shared value that cannot be cloned.
pub(super) fn not_clone(consumer: &InvolvedComponent, ty: TypeMeta) -> BuildProblem {
    BuildProblem::new(
        ProblemKind::SharedValueNotClone,
        [consumer.clone()],
        format!(
            "{consumer} takes `{ty}` by value, but `{ty}` is shared by every request and does not implement `Clone`. Take `&{ty}` instead, or implement `Clone` for it."
        ),
    )
}
