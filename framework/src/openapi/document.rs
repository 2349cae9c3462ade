//! Assembles the document from what `build()` planned for each route: its method and path,
//! its handler, the inputs of every component on its path, and, for every error that can
//! occur there, the handler `build()` chose and the responses that handler declares.

use std::collections::BTreeMap;

use http::{Method, StatusCode};
use schemars::generate::{SchemaGenerator, SchemaSettings};
use serde_json::{Map, Value, json};

use super::component_docs::{InputDocFn, RouteDoc};
use super::describe::{PROBLEM_REF, problem_definition, problem_schema};
use super::{Info, Operation, ResponseContent};
use crate::component::TypeMeta;
use crate::component::docs::Responses;
use crate::response::ErrorFormat;

/// One route, as the document needs it.
pub(crate) struct OperationSource {
    pub(crate) method: Method,
    /// The full path template, prefixes included, in watchful's syntax.
    pub(crate) path: String,
    /// The handler's path, `module::function`.
    pub(crate) handler: &'static str,
    /// The route's node in the blueprint's graph, for build warnings.
    pub(crate) node: usize,
    pub(crate) doc: Option<RouteDoc>,
    /// What each input type of the route's components adds, each type once.
    pub(crate) inputs: Vec<InputDocFn>,
    /// Every error that can occur on the route, and where it goes.
    pub(crate) errors: Vec<ErrorSource>,
    /// How the framework writes its own errors on the route.
    pub(crate) error_format: ErrorFormat,
    pub(crate) tags: Vec<String>,
}

/// An error that can occur on a route, and what answers it.
pub(crate) struct ErrorSource {
    pub(crate) error: TypeMeta,
    pub(crate) answer: ErrorAnswer,
}

/// What answers an error.
pub(crate) enum ErrorAnswer {
    /// An error handler, and the responses it declares.
    Handler {
        name: &'static str,
        responses: Responses,
    },
    /// The framework's built-in response, with this status.
    Builtin(StatusCode),
}

/// The document, and the types it could not describe.
pub(crate) struct Generated {
    pub(crate) document: Value,
    /// The types without a schema, each with the index of the first operation that needs it.
    pub(crate) missing_schemas: Vec<(String, usize)>,
}

/// Where a `$ref` to a definition points.
const DEFINITIONS: &str = "#/components/schemas/";

/// The OpenAPI 3.1 document of `operations`.
pub(crate) fn generate(info: &Info, operations: &[OperationSource]) -> Generated {
    // Requests are described as the server deserializes them, responses as it serializes
    // them: an `Option` field is optional in one and always present (maybe `null`) in the other.
    let settings = SchemaSettings::draft2020_12().with(|settings| {
        settings.definitions_path = "/components/schemas".into();
    });
    let mut generator = SchemaGenerator::new(settings.clone().for_deserialize());
    let mut serialized = SchemaGenerator::new(settings.for_serialize());
    let mut security_schemes = Map::new();
    let mut missing = Vec::new();
    let mut paths: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    let ids = operation_ids(operations);
    let mut first_needed_by = Vec::new();
    for (index, (source, id)) in operations.iter().zip(ids).enumerate() {
        let path = openapi_path(&source.path);
        let names = path_names(&source.path);
        let mut operation =
            Operation::new(&mut generator, &names, &mut security_schemes, &mut missing);
        for describe in &source.inputs {
            describe(&mut operation);
        }
        let parts = std::mem::take(&mut operation.parts);

        let mut object = Map::new();
        object.insert("operationId".into(), json!(id));
        let docs = source.doc.as_ref().map_or("", |doc| doc.docs);
        let (summary, description) = split_docs(docs);
        if let Some(summary) = summary {
            object.insert("summary".into(), json!(summary));
        }
        if let Some(description) = description {
            object.insert("description".into(), json!(description));
        }
        if !source.tags.is_empty() {
            object.insert("tags".into(), json!(source.tags));
        }
        let mut parameters: Vec<Value> = names
            .iter()
            .map(|name| {
                let schema = parts
                    .path_schemas
                    .get(*name)
                    .cloned()
                    .unwrap_or_else(|| json!({"type": "string"}));
                json!({"name": name, "in": "path", "required": true, "schema": schema})
            })
            .collect();
        parameters.extend(parts.parameters);
        if !parameters.is_empty() {
            object.insert("parameters".into(), Value::Array(parameters));
        }
        if let Some(body) = parts.request_body {
            object.insert("requestBody".into(), body);
        }
        if !parts.security.is_empty() {
            object.insert("security".into(), security(&parts.security));
        }
        let responses = responses(source, &mut serialized, &mut missing);
        object.insert("responses".into(), responses);
        paths.entry(path).or_default().insert(
            source.method.as_str().to_ascii_lowercase(),
            Value::Object(object),
        );
        // Each type is recorded once, by the first operation that needs it.
        first_needed_by.resize(missing.len(), index);
    }

    let mut schemas = generator.take_definitions(true);
    let renamed = merge_definitions(&mut schemas, serialized.take_definitions(true));
    for operation in paths.values_mut().flat_map(|methods| methods.values_mut()) {
        if let Some(responses) = operation.get_mut("responses") {
            rename_refs(responses, &renamed);
        }
    }
    if serde_json::to_string(&paths).is_ok_and(|paths| paths.contains(PROBLEM_REF)) {
        let name = PROBLEM_REF.rsplit('/').next().unwrap_or_default();
        schemas.insert(name.into(), problem_definition());
    }
    let mut components = json!({"schemas": schemas});
    if !security_schemes.is_empty() {
        components["securitySchemes"] = Value::Object(security_schemes);
    }
    let document = json!({
        "openapi": "3.1.0",
        "info": info.to_json(),
        "paths": paths,
        "components": components,
    });
    Generated {
        document,
        missing_schemas: missing.into_iter().zip(first_needed_by).collect(),
    }
}

/// Adds the definitions of the serialized types to those of the deserialized ones. A type
/// whose two schemas differ keeps its name for the deserialized one and gets an `Output`
/// suffix for the serialized one; returns those renames, for the responses' references.
fn merge_definitions(
    schemas: &mut Map<String, Value>,
    serialized: Map<String, Value>,
) -> BTreeMap<String, String> {
    let mut renamed = BTreeMap::new();
    for (name, schema) in &serialized {
        if schemas.get(name).is_some_and(|other| other != schema) {
            let mut new_name = format!("{name}Output");
            while schemas.contains_key(&new_name) || serialized.contains_key(&new_name) {
                new_name.push('_');
            }
            renamed.insert(name.clone(), new_name);
        }
    }
    for (name, mut schema) in serialized {
        rename_refs(&mut schema, &renamed);
        let name = renamed.get(&name).cloned().unwrap_or(name);
        schemas.insert(name, schema);
    }
    renamed
}

/// Points every `$ref` to a renamed definition in `value` at its new name.
fn rename_refs(value: &mut Value, renamed: &BTreeMap<String, String>) {
    if renamed.is_empty() {
        return;
    }
    match value {
        Value::Object(object) => {
            for (key, value) in object.iter_mut() {
                if key == "$ref"
                    && let Some(name) = value.as_str().and_then(|r| r.strip_prefix(DEFINITIONS))
                    && let Some(new_name) = renamed.get(name)
                {
                    *value = Value::String(format!("{DEFINITIONS}{new_name}"));
                } else {
                    rename_refs(value, renamed);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| rename_refs(item, renamed)),
        _ => {}
    }
}

/// The responses of one operation: its success response, then each error's.
fn responses(
    source: &OperationSource,
    generator: &mut SchemaGenerator,
    missing: &mut Vec<String>,
) -> Value {
    let mut responses = ResponseSet::default();
    let mut content = ResponseContent::new(generator, missing);
    if let Some(describe) = source.doc.as_ref().and_then(|doc| doc.response) {
        describe(&mut content);
    }
    let declared = source.doc.as_ref().and_then(|doc| doc.status);
    let status = match (declared, content.status.take(), content.dynamic_status) {
        (Some(status), ..) => status.to_string(),
        (None, Some(status), _) => status,
        (None, None, true) => "default".to_owned(),
        (None, None, false) => "200".to_owned(),
    };
    let success = content.content.take();
    responses.add(&status, "Success.".to_owned(), success);

    for ErrorSource { error, answer } in &source.errors {
        let error = format!("`{}`", short_name(error.name()));
        match answer {
            ErrorAnswer::Handler {
                name,
                responses: Responses::Declared(declared),
            } => {
                let description = format!("{error} (answered by `{}`)", short_name(name));
                for response in *declared {
                    let mut content = ResponseContent::new(generator, missing);
                    if let Some(describe) = response.body {
                        describe(&mut content);
                    }
                    let status = response.status.to_string();
                    responses.add(&status, description.clone(), content.content);
                }
            }
            ErrorAnswer::Handler {
                responses: Responses::Framework(statuses),
                ..
            } => {
                let description = format!("{error} (built-in)");
                let body = framework_body(source.error_format);
                match statuses {
                    [] => responses.add("4XX", description, body),
                    statuses => {
                        for status in *statuses {
                            responses.add(status.as_str(), description.clone(), body.clone());
                        }
                    }
                }
            }
            ErrorAnswer::Handler {
                name,
                responses: Responses::Undeclared,
            } => {
                let handler = short_name(name);
                let description =
                    format!("{error} (answered by `{handler}`, which declares no statuses)");
                responses.add("default", description, None);
            }
            ErrorAnswer::Builtin(status) => {
                let body = framework_body(source.error_format);
                responses.add(status.as_str(), format!("{error} (built-in)"), body);
            }
        }
    }
    responses.into_json()
}

/// The body of the framework's own error responses in `format`.
fn framework_body(format: ErrorFormat) -> Option<(String, Option<Value>)> {
    Some(match format {
        ErrorFormat::Text => (
            "text/plain; charset=utf-8".to_owned(),
            Some(json!({"type": "string"})),
        ),
        ErrorFormat::Problem => (
            "application/problem+json".to_owned(),
            Some(problem_schema()),
        ),
    })
}

/// The responses of an operation being assembled, by status key.
#[derive(Default)]
struct ResponseSet {
    by_status: BTreeMap<String, ResponseEntry>,
}

/// One response being assembled.
#[derive(Default)]
struct ResponseEntry {
    /// What answers with this status: "Success." or error type names.
    descriptions: Vec<String>,
    /// Schemas by content type; several become a `oneOf`.
    content: BTreeMap<String, Vec<Value>>,
}

impl ResponseSet {
    fn add(&mut self, status: &str, description: String, content: Option<(String, Option<Value>)>) {
        let response = self.by_status.entry(status.to_owned()).or_default();
        if !response.descriptions.contains(&description) {
            response.descriptions.push(description);
        }
        if let Some((content_type, schema)) = content {
            let schemas = response.content.entry(content_type).or_default();
            if let Some(schema) = schema
                && !schemas.contains(&schema)
            {
                schemas.push(schema);
            }
        }
    }

    fn into_json(self) -> Value {
        let responses: Map<String, Value> = self
            .by_status
            .into_iter()
            .map(|(status, response)| {
                let mut object = json!({"description": response.descriptions.join("; ")});
                if !response.content.is_empty() {
                    let content: Map<String, Value> = response
                        .content
                        .into_iter()
                        .map(|(content_type, mut schemas)| {
                            let media = match schemas.len() {
                                0 => json!({}),
                                1 => json!({"schema": schemas.remove(0)}),
                                _ => json!({"schema": {"oneOf": schemas}}),
                            };
                            (content_type, media)
                        })
                        .collect();
                    object["content"] = Value::Object(content);
                }
                (status, object)
            })
            .collect();
        Value::Object(responses)
    }
}

/// The security requirement: each required scheme; optional ones also allow no scheme.
fn security(schemes: &[(String, bool)]) -> Value {
    let required: Map<String, Value> = schemes
        .iter()
        .filter(|(_, required)| *required)
        .map(|(name, _)| (name.clone(), json!([])))
        .collect();
    if !required.is_empty() {
        return json!([required]);
    }
    let mut alternatives: Vec<Value> = vec![json!({})];
    alternatives.extend(schemes.iter().map(|(name, _)| json!({name: []})));
    Value::Array(alternatives)
}

/// An operation id per operation: the handler's function name, or, when two handlers share
/// it, its path with `_` for `::`.
fn operation_ids(operations: &[OperationSource]) -> Vec<String> {
    let short = |source: &OperationSource| {
        source
            .handler
            .rsplit("::")
            .next()
            .unwrap_or(source.handler)
            .to_owned()
    };
    operations
        .iter()
        .map(|source| {
            let name = short(source);
            let shared = operations
                .iter()
                .filter(|other| short(other) == name)
                .count()
                > 1;
            match shared {
                true => source.handler.replace("::", "_"),
                false => name,
            }
        })
        .collect()
}

/// watchful's template in OpenAPI's syntax: `{*rest}` becomes `{rest}`.
fn openapi_path(template: &str) -> String {
    template.replace("{*", "{")
}

/// The parameter names of a template, in order.
fn path_names(template: &str) -> Vec<&str> {
    template
        .split('{')
        .skip(1)
        .filter_map(|part| part.split_once('}'))
        .map(|(name, _)| name.trim_start_matches('*'))
        .collect()
}

/// The first paragraph of a doc comment as the summary, the rest as the description.
fn split_docs(docs: &str) -> (Option<String>, Option<String>) {
    let docs = docs.trim();
    if docs.is_empty() {
        return (None, None);
    }
    let (summary, rest) = docs.split_once("\n\n").unwrap_or((docs, ""));
    let summary = summary.lines().map(str::trim).collect::<Vec<_>>().join(" ");
    let rest = rest.trim();
    (Some(summary), (!rest.is_empty()).then(|| rest.to_owned()))
}

/// A type's name without its module path: `JsonBodyError` for
/// `watchful::extract::JsonBodyError`; generic arguments are shortened the same way.
fn short_name(name: &str) -> String {
    let public = crate::type_name::public(name);
    let mut short = String::with_capacity(public.len());
    let mut segment = String::new();
    for c in public.chars() {
        if c.is_alphanumeric() || c == '_' || c == ':' {
            segment.push(c);
        } else {
            short.push_str(segment.rsplit("::").next().unwrap_or(&segment));
            segment.clear();
            short.push(c);
        }
    }
    short.push_str(segment.rsplit("::").next().unwrap_or(&segment));
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_names() {
        let cases = [
            ("/users/{id}", "/users/{id}", vec!["id"]),
            ("/files/{*rest}", "/files/{rest}", vec!["rest"]),
            ("/a/{x}/b/{y}", "/a/{x}/b/{y}", vec!["x", "y"]),
            ("/plain", "/plain", vec![]),
        ];
        for (template, path, names) in cases {
            assert_eq!(openapi_path(template), path, "{template}");
            assert_eq!(path_names(template), names, "{template}");
        }
    }

    #[test]
    fn docs_split_into_summary_and_description() {
        let cases = [
            ("", None, None),
            ("One line.", Some("One line."), None),
            ("Two\nlines.", Some("Two lines."), None),
            (
                "Summary.\n\nMore.\n\nEven more.",
                Some("Summary."),
                Some("More.\n\nEven more."),
            ),
        ];
        for (docs, summary, description) in cases {
            let (s, d) = split_docs(docs);
            assert_eq!(s.as_deref(), summary, "{docs:?}");
            assert_eq!(d.as_deref(), description, "{docs:?}");
        }
    }

    #[test]
    fn short_names() {
        let cases = [
            ("watchful::extract::JsonBodyError", "JsonBodyError"),
            ("app::Wrapper<app::inner::Thing>", "Wrapper<Thing>"),
            ("Plain", "Plain"),
        ];
        for (name, short) in cases {
            assert_eq!(short_name(name), short);
        }
    }
}
