//! The generated OpenAPI document, served at `/api/openapi.json`.

use serde_json::Value;
use watchful::http::StatusCode;

use crate::helpers::test_app;

#[tokio::test]
async fn the_api_document_lists_every_route_with_its_error_responses() {
    let app = test_app().await;

    let response = app.client.get("/api/openapi.json").send().await;

    assert_eq!(response.status(), StatusCode::OK);
    let document: Value = response.json().expect("the document is JSON");
    let greet = &document["paths"]["/api/greet/{name}"]["get"];
    assert_eq!(greet["parameters"][0]["name"], "name");
    assert_eq!(
        greet["responses"]["200"]["content"]["text/plain; charset=utf-8"]["schema"]["type"],
        "string"
    );
    // `invalid_name` declares its 400; a name that does not decode is one too.
    assert!(
        greet["responses"]["400"]["description"]
            .as_str()
            .unwrap()
            .contains("InvalidName")
    );
    assert!(document["paths"]["/api/ping"]["get"]["summary"].is_string());
    assert!(app.client.app().openapi_missing_schemas().is_empty());

    // CI validates the document with an independent OpenAPI 3.1 validator (.ci/openapi.sh).
    if let Some(dir) = std::env::var_os("WATCHFUL_OPENAPI_DIR") {
        std::fs::write(
            std::path::Path::new(&dir).join("starter.json"),
            response.bytes(),
        )
        .expect("the document is written");
    }
}
