//! Support for the code the attribute macros generate. Not a public API.

use std::any::Any;
use std::marker::PhantomData;

pub use crate::component::{
    Cloner, ComponentMeta, Constructor, ErrorHandler, ErrorObserver, Input, Lifecycle, Route,
    Signature, TypeMeta,
};
pub use crate::di::{Args, BoxFuture, Extractor, SharedArgs, Step};
pub use crate::error::{BoxError, ErasedError};
pub use crate::middleware::{Fallback, PostProcess, PreProcess, Processing, Wrap};
pub use crate::response::{IntoResponse, Response};

/// A handler's output when it cannot fail.
pub fn response<R: IntoResponse>(output: R) -> Result<Response, ErasedError> {
    Ok(output.into_response())
}

/// A handler's output when it returns a `Result`.
pub fn response_result<R, E>(output: Result<R, E>) -> Result<Response, ErasedError>
where
    R: IntoResponse,
    E: Into<BoxError> + Send + Sync + 'static,
{
    output
        .map(IntoResponse::into_response)
        .map_err(ErasedError::new)
}

/// A pre-processing middleware's output when it cannot fail.
pub fn processing<P: Into<Processing>>(output: P) -> Result<Processing, ErasedError> {
    Ok(output.into())
}

/// A pre-processing middleware's output when it returns a `Result`.
pub fn processing_result<P, E>(output: Result<P, E>) -> Result<Processing, ErasedError>
where
    P: Into<Processing>,
    E: Into<BoxError> + Send + Sync + 'static,
{
    output.map(Into::into).map_err(ErasedError::new)
}

/// A constructor's output when it cannot fail.
pub fn value<T: Send + Sync + 'static>(
    output: T,
) -> Result<Box<dyn Any + Send + Sync>, ErasedError> {
    Ok(Box::new(output))
}

/// A constructor's output when it returns a `Result`.
pub fn value_result<T, E>(output: Result<T, E>) -> Result<Box<dyn Any + Send + Sync>, ErasedError>
where
    T: Send + Sync + 'static,
    E: Into<BoxError> + Send + Sync + 'static,
{
    match output {
        Ok(value) => Ok(Box::new(value)),
        Err(error) => Err(ErasedError::new(error)),
    }
}

/// The error an error handler was registered for, borrowed from the erased original.
pub fn handled_error<E: 'static>(error: &(dyn Any + Send + Sync)) -> &E {
    error
        .downcast_ref::<E>()
        .expect("build() attaches an error handler only to errors of the type it takes")
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

/// Checks at compile time that an injected type can be shared across threads.
pub const fn assert_injectable<T: Send + Sync + 'static>() {}

/// Checks at compile time that an error type converts into [`crate::Error`].
pub const fn assert_error<E: Into<BoxError> + Send + Sync + 'static>() {}

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
        Some(Extractor::head::<T>())
    }
}

/// The [`FromRequestBody`](crate::extract::FromRequestBody) case of [`ExtractProbe`].
pub trait ViaBody {
    /// The extractor of `T`.
    fn extractor(&self) -> Option<Extractor>;
}

impl<T: crate::extract::FromRequestBody> ViaBody for &ExtractProbe<T> {
    fn extractor(&self) -> Option<Extractor> {
        Some(Extractor::body::<T>())
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
