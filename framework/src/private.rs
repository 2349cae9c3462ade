//! Support for the code the attribute macros generate. Not a public API.

use std::marker::PhantomData;

pub use crate::component::adapter::{
    BoxFuture, Processing, Step, handled_error, processing, processing_result, response,
    response_result, value, value_result,
};
pub use crate::component::{
    Cloner, ComponentMeta, Constructor, ErrorHandler, ErrorObserver, Extractor, Fallback, Input,
    Lifecycle, PostProcess, PreProcess, Route, Signature, TypeMeta, Wrap,
};
pub use crate::di::{Args, SharedArgs};
pub use crate::error::{BoxError, ErasedError};
pub use crate::response::{IntoResponse, Response};

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
