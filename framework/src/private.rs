//! Support for the code the attribute macros generate. Not a public API.

use std::any::Any;
use std::marker::PhantomData;

pub use crate::component::adapter::{
    BoxFuture, Processing, Step, handled_error, processing, processing_result, response,
    response_result,
};
pub use crate::component::{
    Cloner, ComponentMeta, Constructor, ErrorHandler, ErrorObserver, Extractor, Fallback, Input,
    Lifecycle, PostProcess, PreProcess, Route, Signature, TypeMeta, Wrap,
};
pub use crate::di::{Args, SharedArgs};
pub use crate::error::{BoxError, ErasedError};
pub use crate::response::{IntoResponse, Response};

/// A constructor's output when it cannot fail, given the verdict of an [`InjectProbe`] on it.
pub fn value<T, V: Injectable<T>>(
    verdict: V,
    output: T,
) -> Result<Box<dyn Any + Send + Sync>, ErasedError> {
    Ok(verdict.boxed(output))
}

/// A constructor's output when it returns a `Result`, given the verdict of an [`InjectProbe`]
/// on its value.
pub fn value_result<T, E, V>(
    verdict: V,
    output: Result<T, E>,
) -> Result<Box<dyn Any + Send + Sync>, ErasedError>
where
    V: Injectable<T>,
    E: Into<BoxError> + Send + Sync + 'static,
{
    match output {
        Ok(value) => Ok(verdict.boxed(value)),
        Err(error) => Err(ErasedError::new(error)),
    }
}

/// Names the parts of a `Result` in a signature, whatever alias spells it.
pub trait IsResult {
    /// The success type.
    type Ok;
    /// The error type.
    type Err;
}

impl<T, E> IsResult for Result<T, E> {
    type Ok = T;
    type Err = E;
}

/// Detects whether a type can be shared across threads (autoref specialisation):
/// `(&&InjectProbe::<T>::new()).verdict()` is [`ThreadSafe`] when `T: Send + Sync + 'static`,
/// else [`NotThreadSafe`], which implements no [`Injectable`].
///
/// Requiring `T: Send + Sync` directly would make rustc report the innermost field at fault
/// (`RefCell<..> cannot be shared between threads safely`) with its own message; requiring
/// `verdict: Injectable<T>` fails on `T` itself, and shows the message that says what to do.
pub struct InjectProbe<T>(PhantomData<T>);

impl<T> InjectProbe<T> {
    /// A probe for `T`.
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

/// The verdict of an [`InjectProbe`] on a type that is `Send + Sync + 'static`.
pub struct ThreadSafe;

/// The verdict of an [`InjectProbe`] on a type that is not `Send + Sync + 'static`.
pub struct NotThreadSafe;

/// The `Send + Sync + 'static` case of [`InjectProbe`].
pub trait ViaThreadSafe {
    /// [`ThreadSafe`].
    fn verdict(&self) -> ThreadSafe;
}

impl<T: Send + Sync + 'static> ViaThreadSafe for &InjectProbe<T> {
    fn verdict(&self) -> ThreadSafe {
        ThreadSafe
    }
}

/// The fallback case of [`InjectProbe`].
pub trait ViaNotThreadSafe {
    /// [`NotThreadSafe`].
    fn verdict(&self) -> NotThreadSafe;
}

impl<T> ViaNotThreadSafe for InjectProbe<T> {
    fn verdict(&self) -> NotThreadSafe {
        NotThreadSafe
    }
}

/// A verdict that `T` can be injected: what declares an input of type `T` and stores a
/// constructed `T`.
#[diagnostic::on_unimplemented(
    message = "`{T}` is injected into requests that run on many threads, so it must be `Send + Sync + 'static`",
    label = "`{T}` is not `Send + Sync + 'static`",
    note = "share it behind a lock, `std::sync::Mutex<{T}>`, or keep a pool of them (e.g. `r2d2`, `deadpool`) and inject the pool",
    note = "in its fields, `Rc<T>` becomes `Arc<T>`, and `RefCell<T>` or `Cell<T>` becomes `Mutex<T>`, `RwLock<T>` or an atomic"
)]
pub trait Injectable<T> {
    /// An input that borrows a `T`.
    fn by_ref(self) -> Input;
    /// An input that takes a `T`, cloned with `cloner` when other inputs need it too.
    fn by_value(self, cloner: Option<Cloner>) -> Input;
    /// A constructed `T`, as the framework stores it.
    fn boxed(self, value: T) -> Box<dyn Any + Send + Sync>;
}

impl<T: Send + Sync + 'static> Injectable<T> for ThreadSafe {
    fn by_ref(self) -> Input {
        Input::by_ref::<T>()
    }

    fn by_value(self, cloner: Option<Cloner>) -> Input {
        Input::by_value::<T>(cloner)
    }

    fn boxed(self, value: T) -> Box<dyn Any + Send + Sync> {
        Box::new(value)
    }
}

/// An input that borrows a `T`, given a verdict that `T` can be injected.
pub fn input_by_ref<T, V: Injectable<T>>(verdict: V) -> Input {
    verdict.by_ref()
}

/// An input that takes a `T`, given a verdict that `T` can be injected.
pub fn input_by_value<T, V: Injectable<T>>(verdict: V, cloner: Option<Cloner>) -> Input {
    verdict.by_value(cloner)
}

/// An error type that a component may return or handle: one that converts into
/// [`crate::Error`]. It exists for its message, which says what to write.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an error type: the error of a component's `Result`, and the error an error handler takes, must implement `std::error::Error + Send + Sync + 'static`",
    label = "`{Self}` does not convert into `watchful::Error`",
    note = "define one, e.g. `#[derive(Debug, thiserror::Error)] #[error(\"..\")] pub struct MyError;`, or return `anyhow::Error`"
)]
pub trait ErrorType {}

impl<E: Into<BoxError> + Send + Sync + 'static> ErrorType for E {}

/// Checks at compile time that an error type converts into [`crate::Error`].
pub const fn assert_error<E: ErrorType>() {}

/// Detects whether a concrete type is an extractor (autoref specialisation):
/// `(&&&ExtractProbe::<T>::new()).extractor()` picks [`ViaHead`] when `T: FromRequestHead`,
/// else [`ViaBody`] when `T: FromRequestBody`, else [`ViaNone`].
pub struct ExtractProbe<T>(PhantomData<T>);

impl<T> ExtractProbe<T> {
    /// A probe for `T`.
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

/// The [`FromRequestHead`](crate::extract::FromRequestHead) case of [`ExtractProbe`].
pub trait ViaHead {
    /// The extractor of `T`.
    fn extractor(&self) -> Option<Extractor>;
}

impl<T: crate::extract::FromRequestHead> ViaHead for &&ExtractProbe<T> {
    fn extractor(&self) -> Option<Extractor> {
        Some(crate::component::extractor::head::<T>())
    }
}

/// The [`FromRequestBody`](crate::extract::FromRequestBody) case of [`ExtractProbe`].
pub trait ViaBody {
    /// The extractor of `T`.
    fn extractor(&self) -> Option<Extractor>;
}

impl<T: crate::extract::FromRequestBody> ViaBody for &ExtractProbe<T> {
    fn extractor(&self) -> Option<Extractor> {
        Some(crate::component::extractor::body::<T>())
    }
}

/// The fallback case of [`ExtractProbe`].
pub trait ViaNone {
    /// `None`: `T` is not an extractor.
    fn extractor(&self) -> Option<Extractor>;
}

impl<T> ViaNone for ExtractProbe<T> {
    fn extractor(&self) -> Option<Extractor> {
        None
    }
}

/// Detects `Clone` on a concrete type (autoref specialisation): `(&&CloneProbe::<T>::new())
/// .cloner()` picks [`ViaClone`] when `T: Clone` and falls back to [`ViaNoClone`] otherwise.
pub struct CloneProbe<T>(PhantomData<T>);

impl<T> CloneProbe<T> {
    /// A probe for `T`.
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

/// The `Clone` case of [`CloneProbe`].
pub trait ViaClone {
    /// A function that clones a `T` behind `dyn Any`.
    fn cloner(&self) -> Option<Cloner>;
}

impl<T: Clone + Send + Sync + 'static> ViaClone for &CloneProbe<T> {
    fn cloner(&self) -> Option<Cloner> {
        Some(|value| {
            Box::new(
                value
                    .downcast_ref::<T>()
                    .expect("a cloner is called only on values of its type")
                    .clone(),
            )
        })
    }
}

/// The fallback case of [`CloneProbe`].
pub trait ViaNoClone {
    /// `None`: `T` is not `Clone`.
    fn cloner(&self) -> Option<Cloner>;
}

impl<T> ViaNoClone for CloneProbe<T> {
    fn cloner(&self) -> Option<Cloner> {
        None
    }
}

#[doc(hidden)]
pub use crate::component::{DeclaredResponse, RouteDocFn};
#[cfg(feature = "openapi")]
pub use crate::openapi::component_docs::RouteDoc;
#[cfg(feature = "openapi")]
pub use crate::openapi::probe::{
    DocProbe, ViaInputDoc, ViaJsonSchema, ViaNoInputDoc, ViaNoResponseDoc, ViaResponseDoc,
    ViaUntypedInput, ViaUntypedResponse,
};
