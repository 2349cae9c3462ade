//! What watchful's extractors and response types say about an operation.
//!
//! An extractor of a type that derives `JsonSchema` documents its schema; the same extractor of
//! a type that does not still documents where it reads from ([`UntypedInput`]), and the type is
//! listed by [`App::openapi_missing_schemas`](crate::App::openapi_missing_schemas).

use std::any::TypeId;
use std::borrow::Cow;

use headers::authorization::{Authorization, Basic, Bearer};
use http::StatusCode;
use schemars::JsonSchema;
use serde_json::{Value, json};

use super::{Operation, OperationInput, OperationResponse, ResponseContent};
use crate::extract::{Header, JsonBody, PathParams, QueryParams, UrlEncodedBody};
use crate::response::{
    Body, Bytes, Html, IntoResponseParts, Json, NoContent, Problem, Redirect, Response, Text,
};

const JSON: &str = "application/json";
const FORM: &str = "application/x-www-form-urlencoded";

/// One of watchful's extractors, of a type without a schema: where it reads from.
#[doc(hidden)]
pub trait UntypedInput {
    /// Adds what is known without the schema.
    fn describe_untyped(operation: &mut Operation<'_>);
}

/// One of watchful's response types, around a type without a schema: its content type.
#[doc(hidden)]
pub trait UntypedResponse {
    /// Describes what is known without the schema.
    fn describe_untyped(content: &mut ResponseContent<'_>);
}

impl<T: JsonSchema> OperationInput for PathParams<T> {
    fn describe(operation: &mut Operation<'_>) {
        operation.path_parameters::<T>();
    }
}

/// The template names the parameters; their schema stays a string.
impl<T> UntypedInput for PathParams<T> {
    fn describe_untyped(operation: &mut Operation<'_>) {
        operation.missing(std::any::type_name::<T>());
    }
}

impl<T: JsonSchema> OperationInput for QueryParams<T> {
    fn describe(operation: &mut Operation<'_>) {
        operation.query_parameters::<T>();
    }
}

/// Optional query parameters: every field is optional.
impl<T: JsonSchema> OperationInput for Option<QueryParams<T>> {
    fn describe(operation: &mut Operation<'_>) {
        let before = operation.parts.parameters.len();
        operation.query_parameters::<T>();
        for parameter in &mut operation.parts.parameters[before..] {
            parameter["required"] = Value::Bool(false);
        }
    }
}

impl<T> UntypedInput for QueryParams<T> {
    fn describe_untyped(operation: &mut Operation<'_>) {
        operation.missing(std::any::type_name::<T>());
    }
}

impl<T: JsonSchema> OperationInput for JsonBody<T> {
    fn describe(operation: &mut Operation<'_>) {
        operation.request_body::<T>(JSON);
    }
}

impl<T> UntypedInput for JsonBody<T> {
    fn describe_untyped(operation: &mut Operation<'_>) {
        operation.request_body_without_schema(JSON, std::any::type_name::<T>());
    }
}

impl<T: JsonSchema> OperationInput for UrlEncodedBody<T> {
    fn describe(operation: &mut Operation<'_>) {
        operation.request_body::<T>(FORM);
    }
}

impl<T> UntypedInput for UrlEncodedBody<T> {
    fn describe_untyped(operation: &mut Operation<'_>) {
        operation.request_body_without_schema(FORM, std::any::type_name::<T>());
    }
}

/// A header, or the security scheme it carries (`Authorization` with a bearer token or basic
/// credentials).
impl<H: headers::Header + 'static> OperationInput for Header<H> {
    fn describe(operation: &mut Operation<'_>) {
        header::<H>(operation, true);
    }
}

impl<H: headers::Header + 'static> OperationInput for Option<Header<H>> {
    fn describe(operation: &mut Operation<'_>) {
        header::<H>(operation, false);
    }
}

fn header<H: headers::Header + 'static>(operation: &mut Operation<'_>, required: bool) {
    let scheme = match TypeId::of::<H>() {
        id if id == TypeId::of::<Authorization<Bearer>>() => "bearer",
        id if id == TypeId::of::<Authorization<Basic>>() => "basic",
        _ => {
            let schema = json!({"type": "string"});
            return operation.parameter("header", H::name().as_str(), required, Some(schema));
        }
    };
    let name = format!("{scheme}Auth");
    operation.security(&name, json!({"type": "http", "scheme": scheme}), required);
}

impl<T: JsonSchema> OperationResponse for Json<T> {
    fn describe(content: &mut ResponseContent<'_>) {
        content.json::<T>();
    }
}

impl<T> UntypedResponse for Json<T> {
    fn describe_untyped(content: &mut ResponseContent<'_>) {
        content.without_schema(std::any::type_name::<T>());
        content.content(JSON, None);
    }
}

impl<T> UntypedResponse for (StatusCode, Json<T>) {
    fn describe_untyped(content: &mut ResponseContent<'_>) {
        Json::<T>::describe_untyped(content);
        content.dynamic_status();
    }
}

/// Describes types whose body always has one content type.
macro_rules! fixed_content {
    ($content_type:expr, $schema:expr => $($ty:ty),+ $(,)?) => {$(
        impl OperationResponse for $ty {
            fn describe(content: &mut ResponseContent<'_>) {
                content.content($content_type, $schema);
            }
        }
    )+};
}

fixed_content!("text/plain; charset=utf-8", Some(json!({"type": "string"})) =>
    String, &'static str, Cow<'static, str>);
fixed_content!("application/octet-stream", None => Bytes, Vec<u8>, &'static [u8], Body);

impl<T> OperationResponse for Text<T> {
    fn describe(content: &mut ResponseContent<'_>) {
        content.content("text/plain; charset=utf-8", Some(json!({"type": "string"})));
    }
}

impl<T> OperationResponse for Html<T> {
    fn describe(content: &mut ResponseContent<'_>) {
        content.content("text/html; charset=utf-8", Some(json!({"type": "string"})));
    }
}

impl OperationResponse for NoContent {
    fn describe(content: &mut ResponseContent<'_>) {
        content.status(StatusCode::NO_CONTENT);
    }
}

/// A redirect's status depends on how it was made: `3XX`.
impl OperationResponse for Redirect {
    fn describe(content: &mut ResponseContent<'_>) {
        content.status_class(3);
    }
}

impl OperationResponse for () {
    fn describe(content: &mut ResponseContent<'_>) {
        content.status(StatusCode::OK);
    }
}

/// A bare status: chosen at run time, no body.
impl OperationResponse for StatusCode {
    fn describe(content: &mut ResponseContent<'_>) {
        content.dynamic_status();
    }
}

/// A response built by hand: nothing is known about it.
impl OperationResponse for Response {
    fn describe(content: &mut ResponseContent<'_>) {
        content.dynamic_status();
    }
}

impl OperationResponse for Problem {
    fn describe(content: &mut ResponseContent<'_>) {
        content.content("application/problem+json", Some(problem_schema()));
    }
}

impl<T: OperationResponse> OperationResponse for (StatusCode, T) {
    fn describe(content: &mut ResponseContent<'_>) {
        T::describe(content);
        content.dynamic_status();
    }
}

impl<P: IntoResponseParts, T: OperationResponse> OperationResponse for (P, T) {
    fn describe(content: &mut ResponseContent<'_>) {
        T::describe(content);
    }
}

impl<P: IntoResponseParts, T: OperationResponse> OperationResponse for (StatusCode, P, T) {
    fn describe(content: &mut ResponseContent<'_>) {
        T::describe(content);
        content.dynamic_status();
    }
}

impl<P1, P2, T> OperationResponse for (P1, P2, T)
where
    P1: IntoResponseParts,
    P2: IntoResponseParts,
    T: OperationResponse,
{
    fn describe(content: &mut ResponseContent<'_>) {
        T::describe(content);
    }
}

impl<P1, P2, T> OperationResponse for (StatusCode, P1, P2, T)
where
    P1: IntoResponseParts,
    P2: IntoResponseParts,
    T: OperationResponse,
{
    fn describe(content: &mut ResponseContent<'_>) {
        T::describe(content);
        content.dynamic_status();
    }
}

/// The problem details schema, in `components/schemas` when an operation refers to it.
pub(crate) const PROBLEM_REF: &str = "#/components/schemas/ProblemDetails";

/// The schema of `application/problem+json` (RFC 9457 §3), with the member watchful adds for
/// rejected fields, `errors`.
pub(crate) fn problem_schema() -> Value {
    json!({"$ref": PROBLEM_REF})
}

/// The definition [`problem_schema`] refers to.
pub(crate) fn problem_definition() -> Value {
    json!({
        "type": "object",
        "description": "Problem details (RFC 9457).",
        "required": ["type", "title", "status"],
        "properties": {
            "type": {"type": "string", "description": "A URI reference that identifies the problem type."},
            "title": {"type": "string", "description": "A short summary of the problem type."},
            "status": {"type": "integer", "description": "The HTTP status code."},
            "detail": {"type": "string", "description": "What went wrong with this request."},
            "instance": {"type": "string", "description": "This occurrence: the request id, for the framework's own errors."},
            "errors": {
                "type": "array",
                "description": "The fields that were rejected.",
                "items": {
                    "type": "object",
                    "properties": {
                        "pointer": {"type": "string"},
                        "detail": {"type": "string"}
                    }
                }
            }
        }
    })
}
