//! The OpenAPI document `GET /api/openapi.json` serves: complete (every type has a schema),
//! written where CI's validator reads it, and a match for the RealWorld spec
//! (`tests/realworld-openapi.yml`): every path and method, the same path and query
//! parameters, the request bodies, tags and security, and at least the spec's statuses.
//!
//! The document does not depend on the database: these tests run on SQLite only.

use std::collections::BTreeSet;

use serde_json::Value;
use watchful::http::StatusCode;

use super::TestApp;
use crate::common::TestDb;

/// The RealWorld spec, © RealWorld contributors, MIT License (see the file's `info.license`),
/// copied from the project's repository so that the suite runs without network.
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

    // For CI's OpenAPI validator (.ci/openapi.sh).
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("openapi");
    std::fs::create_dir_all(&dir).expect("creates the directory");
    let text = serde_json::to_string_pretty(&served).expect("serializes");
    std::fs::write(dir.join("conduit.json"), text).expect("writes the document");
}
