//! An OpenAPI 3.1 document generated from the blueprint (feature `openapi`).
//!
#![doc = include_str!("../docs/openapi.md")]

pub(crate) mod component_docs;
mod describe;
pub(crate) mod document;
mod info;
pub(crate) mod probe;
mod serve;

use std::collections::BTreeMap;

use http::StatusCode;
use schemars::SchemaGenerator;
use serde_json::{Map, Value, json};

pub use info::Info;
pub use schemars::{self, JsonSchema};
pub(crate) use serve::OpenApiDocument;
pub(crate) use serve::SERVE_OPENAPI;

#[cfg(test)]
mod tests;

/// A type a component takes that says something about the operation: a parameter, the
/// request body, a security requirement.
///
/// watchful's extractors implement it (`PathParams<T>`, `QueryParams<T>`, `JsonBody<T>`,
/// `UrlEncodedBody<T>` when `T: JsonSchema`, and `Header<H>`). Implement it for a type of
/// yours that a route's components take, such as an authenticated user built by a
/// constructor, to add what the framework cannot see:
///
/// ```
/// use watchful::openapi::{Operation, OperationInput};
///
/// pub struct CurrentUser(String);
///
/// impl OperationInput for CurrentUser {
///     fn describe(operation: &mut Operation<'_>) {
///         operation.security(
///             "token",
///             serde_json::json!({"type": "apiKey", "in": "header", "name": "Authorization"}),
///             true,
///         );
///     }
/// }
/// ```
pub trait OperationInput {
    /// Adds to `operation` what taking this type says.
    fn describe(operation: &mut Operation<'_>);
}

/// A handler's success type that describes its response: its content type and schema, and
/// its status when the type fixes one.
///
/// watchful's response types implement it (`Json<T>` when `T: JsonSchema`, `Text`, `Html`,
/// `NoContent`, `Redirect`, `Problem`, strings, bytes, and the tuples that add a status or
/// headers).
pub trait OperationResponse {
    /// Describes the response in `content`.
    fn describe(content: &mut ResponseContent<'_>);
}

/// The operation being described, as [`OperationInput::describe`] adds to it.
pub struct Operation<'a> {
    generator: &'a mut SchemaGenerator,
    /// The route's path parameter names, in the template's order.
    path_names: &'a [&'a str],
    pub(crate) parts: OperationParts,
    security_schemes: &'a mut Map<String, Value>,
    missing_schemas: &'a mut Vec<String>,
}

/// What the inputs of one operation added.
#[derive(Default)]
pub(crate) struct OperationParts {
    /// Path parameters' schemas, by name; the names come from the route's template.
    pub(crate) path_schemas: BTreeMap<String, Value>,
    /// Query and header parameters, in the order added.
    pub(crate) parameters: Vec<Value>,
    pub(crate) request_body: Option<Value>,
    /// Security schemes by name, and whether each is required.
    pub(crate) security: Vec<(String, bool)>,
}

impl<'a> Operation<'a> {
    pub(crate) fn new(
        generator: &'a mut SchemaGenerator,
        path_names: &'a [&'a str],
        security_schemes: &'a mut Map<String, Value>,
        missing_schemas: &'a mut Vec<String>,
    ) -> Self {
        Self {
            generator,
            path_names,
            parts: OperationParts::default(),
            security_schemes,
            missing_schemas,
        }
    }

    /// The schema of `T`: a reference into `components/schemas` for a named type.
    pub fn schema_for<T: JsonSchema>(&mut self) -> Value {
        self.generator.subschema_for::<T>().to_value()
    }

    /// Documents the route's path parameters with the fields of `T` (a struct, a tuple in the
    /// template's order, or a single value for a single parameter).
    pub fn path_parameters<T: JsonSchema>(&mut self) {
        let names = self.path_names;
        for (name, schema, _) in self.fields::<T>(names) {
            self.parts.path_schemas.insert(name, schema);
        }
    }

    /// Documents a query parameter per field of the struct `T`.
    pub fn query_parameters<T: JsonSchema>(&mut self) {
        for (name, schema, required) in self.fields::<T>(&[]) {
            self.parameter("query", &name, required, Some(schema));
        }
    }

    /// Documents a parameter `name` in `location` (`query`, `header` or `cookie`).
    pub fn parameter(&mut self, location: &str, name: &str, required: bool, schema: Option<Value>) {
        let mut parameter = json!({"name": name, "in": location, "required": required});
        if let Some(schema) = schema {
            parameter["schema"] = schema;
        }
        let duplicate = self
            .parts
            .parameters
            .iter()
            .any(|p| p["name"] == parameter["name"] && p["in"] == parameter["in"]);
        if !duplicate {
            self.parts.parameters.push(parameter);
        }
    }

    /// Documents the request body: `content_type`, with `T`'s schema.
    pub fn request_body<T: JsonSchema>(&mut self, content_type: &str) {
        let schema = self.schema_for::<T>();
        self.body(content_type, Some(schema));
    }

    /// Documents the request body as `content_type`, without a schema; `type_name` is the type
    /// that has none, listed by [`App::openapi_missing_schemas`](crate::App::openapi_missing_schemas).
    pub(crate) fn request_body_without_schema(&mut self, content_type: &str, type_name: &str) {
        self.missing(type_name);
        self.body(content_type, None);
    }

    fn body(&mut self, content_type: &str, schema: Option<Value>) {
        let media = schema.map_or_else(|| json!({}), |schema| json!({"schema": schema}));
        self.parts.request_body = Some(json!({
            "required": true,
            "content": {content_type: media},
        }));
    }

    /// Requires (or, with `required: false`, accepts) the security scheme `name`, defined as
    /// `scheme` (an OpenAPI Security Scheme Object) in `components/securitySchemes`.
    pub fn security(&mut self, name: &str, scheme: Value, required: bool) {
        self.security_schemes.insert(name.to_owned(), scheme);
        match self.parts.security.iter_mut().find(|(n, _)| n == name) {
            Some((_, was_required)) => *was_required |= required,
            None => self.parts.security.push((name.to_owned(), required)),
        }
    }

    /// Records that `type_name` has no schema.
    pub(crate) fn missing(&mut self, type_name: &str) {
        record_missing(self.missing_schemas, type_name);
    }

    /// The fields of `T`'s schema: `(name, schema, required)`. A struct gives its properties;
    /// a tuple, its items named by `names`; anything else, one field named by `names` when it
    /// has one name.
    fn fields<T: JsonSchema>(&mut self, names: &[&str]) -> Vec<(String, Value, bool)> {
        let schema = inline_schema::<T>(self.generator);
        if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
            let required = schema.get("required").and_then(Value::as_array);
            return properties
                .iter()
                .map(|(name, schema)| {
                    let is_required = required
                        .is_some_and(|required| required.iter().any(|r| r == name.as_str()));
                    (name.clone(), schema.clone(), is_required)
                })
                .collect();
        }
        if let Some(items) = schema.get("prefixItems").and_then(Value::as_array) {
            return names
                .iter()
                .zip(items)
                .map(|(name, schema)| ((*name).to_owned(), schema.clone(), true))
                .collect();
        }
        match names {
            [name] => vec![((*name).to_owned(), schema, true)],
            _ => Vec::new(),
        }
    }
}

/// `T`'s own schema, inline: parameters are documented one by one, so the parameters' type
/// is not a definition of `components/schemas` (the types of its fields still are).
fn inline_schema<T: JsonSchema>(generator: &mut SchemaGenerator) -> Value {
    let mut schema = generator.root_schema_for::<T>().to_value();
    if let Some(object) = schema.as_object_mut() {
        // What a root schema adds: its dialect, its title, and a copy of the definitions.
        for key in ["$schema", "title", "components"] {
            object.remove(key);
        }
    }
    schema
}

fn record_missing(missing: &mut Vec<String>, type_name: &str) {
    let name = crate::type_name::public(type_name).into_owned();
    if !missing.contains(&name) {
        missing.push(name);
    }
}

/// A response being described, as [`OperationResponse::describe`] fills it.
pub struct ResponseContent<'a> {
    generator: &'a mut SchemaGenerator,
    missing_schemas: &'a mut Vec<String>,
    /// The status the type fixes, as an OpenAPI response key (`204`, `3XX`).
    pub(crate) status: Option<String>,
    /// The status is chosen at run time (a `(StatusCode, T)` tuple).
    pub(crate) dynamic_status: bool,
    /// The content type and its schema; `None` for an empty body.
    pub(crate) content: Option<(String, Option<Value>)>,
}

impl<'a> ResponseContent<'a> {
    pub(crate) fn new(
        generator: &'a mut SchemaGenerator,
        missing_schemas: &'a mut Vec<String>,
    ) -> Self {
        Self {
            generator,
            missing_schemas,
            status: None,
            dynamic_status: false,
            content: None,
        }
    }

    /// The schema of `T`: a reference into `components/schemas` for a named type.
    pub fn schema_for<T: JsonSchema>(&mut self) -> Value {
        self.generator.subschema_for::<T>().to_value()
    }

    /// JSON of `T`'s schema.
    pub fn json<T: JsonSchema>(&mut self) {
        let schema = self.schema_for::<T>();
        self.content("application/json", Some(schema));
    }

    /// A body of `content_type`, with `schema` when known.
    pub fn content(&mut self, content_type: &str, schema: Option<Value>) {
        self.content = Some((content_type.to_owned(), schema));
    }

    /// The type always answers `status`.
    pub fn status(&mut self, status: StatusCode) {
        self.status = Some(status.as_u16().to_string());
    }

    /// The type answers a status of a class, `3` for `3XX`.
    pub(crate) fn status_class(&mut self, class: u8) {
        self.status = Some(format!("{class}XX"));
    }

    /// The status is chosen at run time.
    pub(crate) fn dynamic_status(&mut self) {
        self.status = None;
        self.dynamic_status = true;
    }

    /// Records that `type_name` has no schema.
    pub(crate) fn without_schema(&mut self, type_name: &str) {
        record_missing(self.missing_schemas, type_name);
    }
}
