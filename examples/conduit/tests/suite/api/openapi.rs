//! The OpenAPI document `GET /api/openapi.json` serves: complete (every type has a schema),
//! written where CI's validator reads it, and a match for the RealWorld spec
//! (`tests/realworld-openapi.yml`): every path and method, the same path and query
//! parameters, the request bodies, tags and security (requirements and schemes), and at
//! least the spec's statuses.
//!
//! The document does not depend on the database: these tests run on SQLite only.

use std::collections::BTreeSet;

use serde_json::Value;
use watchful::http::StatusCode;

use super::TestApp;
use crate::common::TestDb;

/// The RealWorld spec (MIT License: see the file's header), copied so that the suite runs
/// without the network.
const SPEC: &str = include_str!("../../realworld-openapi.yml");

/// The statuses the spec lists that Conduit cannot answer, each with why; the comparison
/// checks that each one is still missing, so that the list cannot go stale.
const UNANSWERABLE: &[(&str, &str, &str, &str)] = &[(
    "get",
    "/tags",
    "422",
    "GET /api/tags takes no input, so no input can be invalid; its failure (the database) is a 500",
)];

fn spec() -> Value {
    serde_yaml_ng::from_str(SPEC).expect("the spec is YAML")
}

async fn document() -> (TestApp, Value) {
    let app = TestApp::new(TestDb::sqlite().await).await;
    let document = app.client.app().openapi().clone();
    (app, document)
}

#[tokio::test]
async fn the_document_is_served_complete_at_api_openapi_json() {
    let (app, document) = document().await;
    let missing = app.client.app().openapi_missing_schemas();
    assert!(missing.is_empty(), "types without a schema: {missing:?}");

    let response = app.client.get("/api/openapi.json").send().await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.header("content-type"), Some("application/json"));
    let served: Value = response.json().expect("JSON");
    assert_eq!(served, document);
    assert_eq!(served["openapi"], "3.1.0");
    assert_eq!(served["info"]["title"], spec()["info"]["title"]);
    assert_eq!(served["info"]["version"], spec()["info"]["version"]);
    // Dates are serialized by a function of ours, which `schema_with` describes.
    let created_at = &served["components"]["schemas"]["Article"]["properties"]["createdAt"];
    assert_eq!(
        *created_at,
        serde_json::json!({"type": "string", "format": "date-time"})
    );

    // CI validates the document with an independent OpenAPI 3.1 validator (.ci/openapi.sh).
    if let Some(dir) = std::env::var_os("WATCHFUL_OPENAPI_DIR") {
        let text = serde_json::to_string_pretty(&served).expect("serializes");
        std::fs::write(std::path::Path::new(&dir).join("conduit.json"), text)
            .expect("writes the document");
    }
}

/// Every error response the document lists is the spec's `GenericErrorModel`, but for the one
/// that keeps watchful's plain text (see `src/http/errors.rs`).
#[tokio::test]
async fn every_error_response_is_a_generic_error_model() {
    let (_app, document) = document().await;
    let generic = serde_json::json!({
        "application/json": {"schema": {"$ref": "#/components/schemas/GenericErrorModel"}}
    });
    let mut others = Vec::new();
    for (path, item) in objects(&document["paths"]) {
        for (method, operation) in objects(item) {
            for (status, response) in objects(&operation["responses"]) {
                let error = status.starts_with('4') || status.starts_with('5');
                if error && status != "408" && response["content"] != generic {
                    others.push(format!("{method} {path} {status}: {}", response["content"]));
                }
            }
        }
    }
    assert!(others.is_empty(), "{others:#?}");
}

#[tokio::test]
async fn the_document_covers_the_realworld_spec() {
    let (_app, document) = document().await;
    let differences = differences(&spec(), &document);
    assert!(
        differences.is_empty(),
        "the generated document differs from tests/realworld-openapi.yml:\n{}",
        differences.join("\n")
    );
}

/// The comparison finds what a document lacks, all of it: a document with one of each
/// difference gets one line for each.
#[tokio::test]
async fn the_comparison_reports_every_difference() {
    let (_app, mut document) = document().await;
    let paths = document["paths"].as_object_mut().expect("paths");
    paths.remove("/api/articles/feed");
    paths["/api/tags"]["get"]["responses"]["422"] = serde_json::json!({"description": "?"});
    let comments = &mut paths["/api/articles/{slug}/comments/{id}"]["delete"];
    comments["parameters"]
        .as_array_mut()
        .expect("parameters")
        .pop();
    comments["responses"]
        .as_object_mut()
        .expect("responses")
        .remove("401");
    comments["tags"] = serde_json::json!(["Articles"]);
    comments
        .as_object_mut()
        .expect("operation")
        .remove("security");
    let list = &mut paths["/api/articles"]["get"]["parameters"];
    list[0]["required"] = Value::Bool(true);
    list.as_array_mut()
        .expect("parameters")
        .push(serde_json::json!({"name": "page", "in": "query", "required": false}));
    paths["/api/users"]["post"]
        .as_object_mut()
        .expect("operation")
        .remove("requestBody");
    paths.insert("/api/extra".into(), serde_json::json!({"get": {}}));
    document["components"]["securitySchemes"]["Token"]["in"] = "query".into();

    let differences = differences(&spec(), &document);
    let expected = [
        "GET /articles/feed: missing",
        "GET /tags: status 422 is answered: remove it from UNANSWERABLE (GET /api/tags takes no input, so no input can be invalid; its failure (the database) is a 500)",
        "DELETE /articles/{slug}/comments/{id}: parameter id in path (required) missing",
        "DELETE /articles/{slug}/comments/{id}: status 401 missing",
        "DELETE /articles/{slug}/comments/{id}: tags [\"Articles\"], the spec's [\"Comments\"]",
        "DELETE /articles/{slug}/comments/{id}: security null, the spec's [{\"Token\":[]}]",
        "GET /articles: parameter author in query (optional) missing",
        "GET /articles: parameter author in query (required) not in the spec",
        "GET /articles: parameter page in query (optional) not in the spec",
        "POST /users: request body missing",
        "GET /api/extra: not in the spec",
        "security scheme Token: in \"query\", the spec's \"header\"",
    ];
    for line in expected {
        assert!(
            differences.iter().any(|d| d == line),
            "{line:?} not in {differences:#?}"
        );
    }
    assert_eq!(differences.len(), expected.len(), "{differences:#?}");
}

/// The HTTP methods an OpenAPI Path Item can have.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Every way `document` falls short of `spec`, one line each: an operation of the spec that
/// it lacks or one it has that the spec does not, path and query parameters (name, location,
/// required) that differ, a request body the spec has and it lacks, a status the spec lists
/// and it lacks (but for [`UNANSWERABLE`]), other tags, other security when the spec sets it,
/// and a security scheme of the spec that it defines otherwise.
fn differences(spec: &Value, document: &Value) -> Vec<String> {
    // The spec's paths are relative to its server URL, `https://…/api`.
    let server = spec["servers"][0]["url"].as_str().expect("a server URL");
    let authority = server.find("://").map_or(0, |i| i + 3);
    let prefix = server[authority..]
        .find('/')
        .map_or("", |i| &server[authority + i..]);

    let mut differences = Vec::new();
    let mut expected_operations = BTreeSet::new();
    for (path, item) in objects(&spec["paths"]) {
        for method in METHODS {
            let Some(operation) = item.get(method) else {
                continue;
            };
            let full_path = format!("{prefix}{path}");
            expected_operations.insert((method, full_path.clone()));
            let name = format!("{} {path}", method.to_uppercase());
            match document["paths"][&full_path].get(method) {
                Some(ours) => compare(spec, &name, item, operation, ours, &mut differences),
                None => differences.push(format!("{name}: missing")),
            }
        }
    }
    for (path, item) in objects(&document["paths"]) {
        for method in METHODS.into_iter().filter(|m| item.get(m).is_some()) {
            if !expected_operations.contains(&(method, path.clone())) {
                differences.push(format!("{} {path}: not in the spec", method.to_uppercase()));
            }
        }
    }
    for (name, scheme) in objects(&spec["components"]["securitySchemes"]) {
        let ours = &document["components"]["securitySchemes"][&name];
        for member in ["type", "in", "name", "scheme"] {
            if ours.get(member) != scheme.get(member) {
                differences.push(format!(
                    "security scheme {name}: {member} {}, the spec's {}",
                    ours[member], scheme[member]
                ));
            }
        }
    }
    differences
}

/// The differences of one operation, `name`, of the spec's path item `item`.
fn compare(
    spec: &Value,
    name: &str,
    item: &Value,
    operation: &Value,
    ours: &Value,
    differences: &mut Vec<String>,
) {
    let mut say = |what: String| differences.push(format!("{name}: {what}"));

    let spec_parameters = parameters(spec, &[&item["parameters"], &operation["parameters"]]);
    let our_parameters = parameters(spec, &[&ours["parameters"]]);
    for missing in spec_parameters.difference(&our_parameters) {
        say(format!("parameter {missing} missing"));
    }
    for extra in our_parameters.difference(&spec_parameters) {
        say(format!("parameter {extra} not in the spec"));
    }

    if let Some(body) = operation.get("requestBody") {
        let body = resolve(spec, body);
        match ours.get("requestBody") {
            None => say("request body missing".into()),
            Some(our_body) => {
                if our_body["required"] != body["required"] {
                    say(format!(
                        "request body required: {}, the spec's {}",
                        our_body["required"], body["required"]
                    ));
                }
                for (content_type, _) in objects(&body["content"]) {
                    if our_body["content"].get(&content_type).is_none() {
                        say(format!("request body of {content_type} missing"));
                    }
                }
            }
        }
    }

    let unanswerable = |status: &str| {
        UNANSWERABLE
            .iter()
            .find(|(method, path, unanswerable, _)| {
                name == format!("{} {path}", method.to_uppercase()) && status == *unanswerable
            })
            .map(|(.., why)| why)
    };
    for (status, _) in objects(&operation["responses"]) {
        let has = ours["responses"].get(&status).is_some();
        match (has, unanswerable(&status)) {
            (false, None) => say(format!("status {status} missing")),
            (true, Some(why)) => say(format!(
                "status {status} is answered: remove it from UNANSWERABLE ({why})"
            )),
            _ => {}
        }
    }

    if ours["tags"] != operation["tags"] {
        say(format!(
            "tags {}, the spec's {}",
            ours["tags"], operation["tags"]
        ));
    }
    let security = operation.get("security").or_else(|| spec.get("security"));
    if let Some(security) = security
        && ours["security"] != *security
    {
        say(format!(
            "security {}, the spec's {security}",
            ours["security"]
        ));
    }
}

/// The path and query parameters of `lists` as `name in location (required|optional)`, with
/// `$ref`s into the spec resolved.
fn parameters(spec: &Value, lists: &[&Value]) -> BTreeSet<String> {
    lists
        .iter()
        .filter_map(|list| list.as_array())
        .flatten()
        .map(|parameter| resolve(spec, parameter))
        .filter(|parameter| parameter["in"] == "path" || parameter["in"] == "query")
        .map(|parameter| {
            let required = parameter["required"].as_bool().unwrap_or(false);
            format!(
                "{} in {} ({})",
                parameter["name"].as_str().unwrap_or_default(),
                parameter["in"].as_str().unwrap_or_default(),
                if required { "required" } else { "optional" }
            )
        })
        .collect()
}

/// `value`, or what its `$ref` (`#/components/…`) points to in `spec`.
fn resolve<'a>(spec: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference.strip_prefix('#').expect("a local reference");
            spec.pointer(pointer)
                .unwrap_or_else(|| panic!("{reference} is not in the spec"))
        }
        None => value,
    }
}

/// The members of an object (none for anything else), keys owned.
fn objects(value: &Value) -> Vec<(String, &Value)> {
    value
        .as_object()
        .map(|object| object.iter().map(|(k, v)| (k.clone(), v)).collect())
        .unwrap_or_default()
}
