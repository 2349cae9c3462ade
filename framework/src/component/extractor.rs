//! Extractors as constructors: a type that implements [`FromRequestHead`] or
//! [`FromRequestBody`] gets a request-scoped constructor and a default error handler, which
//! `build()` registers by itself when a component takes the type and nothing else provides it.
//!
//! The attribute macros detect, for each concrete input type, whether it implements one of the
//! traits (autoref specialisation, see [`crate::__private::ExtractProbe`]), and record the
//! answer in the input's [`Input`](crate::component::Input).

use std::any::{Any, TypeId};
use std::convert::Infallible;

use super::adapter::{ConstructorFn, ErrorHandlerFn, Step, handled_error, value_result};
use super::meta::{ComponentMeta, Extractor, Input, RouteCheck, Signature, TypeMeta};
use crate::di::{Args, Slot};
use crate::error::ErasedError;
use crate::extract::{BodySizeLimit, FromRequestBody, FromRequestHead, Rejection};
use crate::request::{RawPathParams, RequestBody, RequestHead, RequestId};
use crate::response::{ErrorFormat, Response};

/// The extractor of a type read from the request head.
pub(crate) fn head<T: FromRequestHead>() -> Extractor {
    extractor::<T, T::Rejection>(head_signature::<T>, construct_head::<T>, T::check_route)
}

/// The extractor of a type read from the request body.
pub(crate) fn body<T: FromRequestBody>() -> Extractor {
    extractor::<T, T::Rejection>(body_signature::<T>, construct_body::<T>, |_| Ok(()))
}

fn extractor<T: 'static, R: Rejection>(
    signature: fn() -> Signature,
    construct: ConstructorFn,
    check_route: RouteCheck,
) -> Extractor {
    let meta = ComponentMeta::new(std::any::type_name::<T>(), file!(), line!(), signature);
    let handler_meta = ComponentMeta::new(
        std::any::type_name::<R>(),
        file!(),
        line!(),
        handler_signature::<R>,
    );
    Extractor {
        meta,
        construct,
        rejection_handler: fallible::<R>().then_some((
            handler_meta,
            default_handler::<R> as ErrorHandlerFn,
            R::statuses(),
        )),
        check_route,
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

/// The default handler reads how the route writes the framework's errors, and the request id
/// a problem names.
fn handler_signature<R: Rejection>() -> Signature {
    Signature {
        inputs: vec![Input::by_ref::<ErrorFormat>(), Input::by_ref::<RequestId>()],
        output: None,
        error: Some(TypeMeta::of::<R>()),
    }
}

fn construct_head<T: FromRequestHead>(args: Args<'_>) -> Step<'_, Result<Slot, ErasedError>> {
    let args = args.share();
    let value = T::from_request_head(args.get::<RequestHead>(0), args.get::<RawPathParams>(1));
    Step::Ready(value_result(value))
}

fn construct_body<T: FromRequestBody>(mut args: Args<'_>) -> Step<'_, Result<Slot, ErasedError>> {
    let body = args.take::<RequestBody>(0);
    let args = args.share();
    let head = args.get::<RequestHead>(1);
    let limit = *args.get::<BodySizeLimit>(2);
    Step::Pending(Box::pin(async move {
        value_result(T::from_request_body(head, body, limit).await)
    }))
}

fn default_handler<'s, R: Rejection>(
    args: Args<'s>,
    error: &'s (dyn Any + Send + Sync),
) -> Step<'s, Response> {
    let args = args.share();
    let problem = handled_error::<R>(error).problem();
    Step::Ready(problem.render(*args.get::<ErrorFormat>(0), args.get::<RequestId>(1)))
}
