//! Extractors as constructors: a type that implements [`FromRequestHead`] or
//! [`FromRequestBody`] gets a request-scoped constructor and a default error handler, which
//! `build()` registers by itself when a component takes the type and nothing else provides it.
//!
//! The attribute macros detect, for each concrete input type, whether it implements one of the
//! traits (autoref specialisation, see [`crate::__private::ExtractProbe`]), and record the
//! answer in the input's [`Input`](crate::component::Input).

use std::any::{Any, TypeId};
use std::convert::Infallible;

use super::{Args, Slot, Step};
use crate::component::{
    ComponentMeta, Constructor, ErrorHandler, Input, Lifecycle, Signature, TypeMeta,
};
use crate::error::ErasedError;
use crate::extract::{BodySizeLimit, FromRequestBody, FromRequestHead, Rejection};
use crate::request::{RawPathParams, RequestBody, RequestHead};
use crate::response::Response;

/// Checks, for a route's path parameter names, that an extractor can work there.
pub(crate) type RouteCheck = fn(&[&str]) -> Result<(), String>;

/// What the framework registers for an extractor type.
#[doc(hidden)]
#[derive(Clone, Copy)]
pub struct Extractor {
    pub(crate) constructor: Constructor,
    /// The default handler of its rejection; `None` when it cannot fail.
    pub(crate) error_handler: Option<ErrorHandler>,
    pub(crate) check_route: RouteCheck,
}

impl Extractor {
    /// The extractor of a type read from the request head.
    pub(crate) fn head<T: FromRequestHead>() -> Self {
        Self::new::<T, T::Rejection>(head_signature::<T>, construct_head::<T>, T::check_route)
    }

    /// The extractor of a type read from the request body.
    pub(crate) fn body<T: FromRequestBody>() -> Self {
        Self::new::<T, T::Rejection>(body_signature::<T>, construct_body::<T>, |_| Ok(()))
    }

    fn new<T: 'static, R: Rejection>(
        signature: fn() -> Signature,
        call: super::ConstructorFn,
        check_route: RouteCheck,
    ) -> Self {
        let meta = ComponentMeta::new(std::any::type_name::<T>(), file!(), line!(), signature);
        let handler_meta = ComponentMeta::new(
            std::any::type_name::<R>(),
            file!(),
            line!(),
            handler_signature::<R>,
        );
        Self {
            constructor: Constructor::new(Lifecycle::RequestScoped, false, meta, call),
            error_handler: fallible::<R>()
                .then(|| ErrorHandler::new(handler_meta, default_handler::<R>)),
            check_route,
        }
    }
}

/// Whether an extractor with this rejection can fail: `Infallible` says it cannot.
fn fallible<R: 'static>() -> bool {
    TypeId::of::<R>() != TypeId::of::<Infallible>()
}

fn rejection<R: 'static>() -> Option<TypeMeta> {
    fallible::<R>().then(TypeMeta::of::<R>)
}

fn head_signature<T: FromRequestHead>() -> Signature {
    Signature {
        inputs: vec![
            Input::by_ref::<RequestHead>(),
            Input::by_ref::<RawPathParams>(),
        ],
        output: Some(TypeMeta::of::<T>()),
        error: rejection::<T::Rejection>(),
    }
}

fn body_signature<T: FromRequestBody>() -> Signature {
    Signature {
        inputs: vec![
            Input::by_value::<RequestBody>(None),
            Input::by_ref::<RequestHead>(),
            Input::by_ref::<BodySizeLimit>(),
        ],
        output: Some(TypeMeta::of::<T>()),
        error: rejection::<T::Rejection>(),
    }
}

fn handler_signature<R: Rejection>() -> Signature {
    Signature {
        inputs: Vec::new(),
        output: None,
        error: Some(TypeMeta::of::<R>()),
    }
}

fn construct_head<T: FromRequestHead>(args: Args<'_>) -> Step<'_, Result<Slot, ErasedError>> {
    let args = args.share();
    let value = T::from_request_head(args.get::<RequestHead>(0), args.get::<RawPathParams>(1));
    Step::Ready(boxed(value))
}

fn construct_body<T: FromRequestBody>(mut args: Args<'_>) -> Step<'_, Result<Slot, ErasedError>> {
    let body = args.take::<RequestBody>(0);
    let args = args.share();
    let head = args.get::<RequestHead>(1);
    let limit = *args.get::<BodySizeLimit>(2);
    Step::Pending(Box::pin(async move {
        boxed(T::from_request_body(head, body, limit).await)
    }))
}

fn boxed<T: Send + Sync + 'static, R: Rejection>(value: Result<T, R>) -> Result<Slot, ErasedError> {
    match value {
        Ok(value) => Ok(Box::new(value)),
        Err(rejection) => Err(ErasedError::new(rejection)),
    }
}

fn default_handler<'s, R: Rejection>(
    _args: Args<'s>,
    error: &'s (dyn Any + Send + Sync),
) -> Step<'s, Response> {
    let rejection = error
        .downcast_ref::<R>()
        .expect("build() gives a default handler only errors of its type");
    Step::Ready(rejection.default_response())
}
