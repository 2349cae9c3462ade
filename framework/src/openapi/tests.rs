//! The generated document, one source of information at a time: each test builds a small
//! blueprint and reads the operation `build()` documented for it.

use headers::authorization::{Authorization, Bearer};
use http::StatusCode;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::extract::{Header, JsonBody, PathParams, QueryParams};
use crate::openapi::Info;
use crate::response::{Json, NoContent};
use crate::testing::{TestClient, capture};
use crate::{App, Blueprint};

#[derive(Deserialize, Serialize, JsonSchema)]
pub struct Item {
    name: String,
    quantity: u32,
    /// Optional in a request, always there (maybe `null`) in a response.
    note: Option<String>,
}

#[derive(Deserialize, JsonSchema)]
#[allow(dead_code)] // Read by the tests' handlers only through the schema.
pub struct ItemPath {
    shop: String,
    id: u64,
}

#[derive(Deserialize, JsonSchema)]
#[allow(dead_code)] // Read by the tests' handlers only through the schema.
pub struct Paging {
    limit: u32,
    offset: Option<u32>,
}

#[derive(Deserialize)]
pub struct NoSchema {}

#[derive(Serialize, JsonSchema)]
pub struct ApiError {
    message: String,
}

#[derive(Debug, thiserror::Error)]
#[error("no such item")]
pub struct Missing;

#[derive(Debug, thiserror::Error)]
#[error("out of stock")]
pub struct OutOfStock;

#[derive(Debug, thiserror::Error)]
#[error("the session expired")]
pub struct Expired;

/// Reads an item.
///
/// By shop and id.
#[crate::get("/shops/{shop}/items/{id}")]
pub fn get_item(PathParams(_path): PathParams<ItemPath>) -> Result<Json<Item>, Missing> {
    Err(Missing)
}

#[crate::get("/items")]
pub fn list_items(
    _paging: QueryParams<Paging>,
    _auth: Header<Authorization<Bearer>>,
) -> Json<Vec<Item>> {
    Json(Vec::new())
}

#[crate::get("/search")]
pub fn search(_paging: Option<QueryParams<Paging>>) -> NoContent {
    NoContent
}

#[crate::post("/items", status = 201)]
pub fn add_item(JsonBody(item): JsonBody<Item>) -> Result<(StatusCode, Json<Item>), OutOfStock> {
    Ok((StatusCode::CREATED, Json(item)))
}

#[crate::put("/raw")]
pub fn put_raw(_body: JsonBody<NoSchema>) -> (StatusCode, &'static str) {
    (StatusCode::ACCEPTED, "ok")
}

#[crate::error_handler(responses(404 = ApiError))]
pub fn missing(_error: &Missing) -> (StatusCode, Json<ApiError>) {
    let message = "no such item".to_owned();
    (StatusCode::NOT_FOUND, Json(ApiError { message }))
}

/// Declares 404, answers 410: the debug-build check must see it.
#[crate::error_handler(responses(404 = ApiError))]
pub fn missing_gone(_error: &Missing) -> StatusCode {
    StatusCode::GONE
}

#[crate::error_handler(responses(409 = ApiError, 503))]
pub fn out_of_stock(_error: &OutOfStock) -> StatusCode {
    StatusCode::CONFLICT
}

#[crate::error_handler]
pub fn out_of_stock_undeclared(_error: &OutOfStock) -> StatusCode {
    StatusCode::CONFLICT
}

#[crate::request_scoped]
pub fn session() -> Result<Session, Expired> {
    Err(Expired)
}

pub struct Session;

#[crate::pre_process]
pub fn check_session() -> Result<crate::middleware::Processing, Expired> {
    Err(Expired)
}

#[crate::get("/me")]
pub fn me(_session: &Session) -> &'static str {
    "me"
}

async fn build(bp: Blueprint) -> App {
    bp.build().await.expect("the blueprint builds")
}

fn operation<'a>(app: &'a App, path: &str, method: &str) -> &'a Value {
    let operation = &app.openapi()["paths"][path][method];
    assert!(
        operation.is_object(),
        "no {method} {path} in {:#}",
        app.openapi()
    );
    operation
}

/// The statuses of an operation's responses.
fn statuses(operation: &Value) -> Vec<&str> {
    operation["responses"]
        .as_object()
        .map(|responses| responses.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_route_documents_its_path_parameters_docs_and_success_under_a_nested_prefix() {
    let mut api = Blueprint::new();
    api.error_handler(MISSING);
    api.route(GET_ITEM);
    let mut bp = Blueprint::new();
    bp.openapi_info(Info::new("Shop", "1.2.3"));
    bp.prefix("/api").nest(api);
    let app = build(bp).await;

    assert_eq!(app.openapi()["openapi"], "3.1.0");
    assert_eq!(
        app.openapi()["info"],
        json!({"title": "Shop", "version": "1.2.3"})
    );
    let get = operation(&app, "/api/shops/{shop}/items/{id}", "get");
    assert_eq!(get["operationId"], "get_item");
    assert_eq!(get["summary"], "Reads an item.");
    assert_eq!(get["description"], "By shop and id.");
    assert_eq!(
        get["parameters"],
        json!([
            {"name": "shop", "in": "path", "required": true, "schema": {"type": "string"}},
            {"name": "id", "in": "path", "required": true,
             "schema": {"type": "integer", "format": "uint64", "minimum": 0}},
        ])
    );
    assert_eq!(
        get["responses"]["200"]["content"]["application/json"]["schema"],
        json!({"$ref": "#/components/schemas/Item"})
    );
    let schemas = app.openapi()["components"]["schemas"].as_object().unwrap();
    assert!(schemas["Item"]["properties"]["quantity"].is_object());
    // The parameters' struct is documented parameter by parameter, not as a definition.
    assert_eq!(schemas.keys().collect::<Vec<_>>(), ["ApiError", "Item"]);
    // A response is described as the type serializes: `note` is always there.
    assert_eq!(
        schemas["Item"]["required"],
        json!(["name", "quantity", "note"])
    );
    assert!(app.openapi_missing_schemas().is_empty());
}

#[tokio::test]
async fn query_parameters_headers_and_security_come_from_the_extractors() {
    let mut bp = Blueprint::new();
    bp.route(LIST_ITEMS);
    bp.route(SEARCH);
    let app = build(bp).await;

    let list = operation(&app, "/items", "get");
    let parameters: Vec<(&str, &str, bool)> = list["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap(),
                p["in"].as_str().unwrap(),
                p["required"] == true,
            )
        })
        .collect();
    assert_eq!(
        parameters,
        [("limit", "query", true), ("offset", "query", false)]
    );
    assert_eq!(list["security"], json!([{"bearerAuth": []}]));
    assert_eq!(
        app.openapi()["components"]["securitySchemes"]["bearerAuth"],
        json!({"type": "http", "scheme": "bearer"})
    );
    // The bearer extractor's rejections: a missing or malformed token.
    assert!(statuses(list).contains(&"401"), "{list:#}");

    let search = operation(&app, "/search", "get");
    assert!(
        search["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["required"] == false)
    );
    assert_eq!(search["responses"]["204"]["description"], "Success.");
    assert!(search["responses"]["200"].is_null());
}

#[tokio::test]
async fn extractor_rejections_document_their_statuses_in_the_framework_format() {
    let cases = [
        (
            false,
            "text/plain; charset=utf-8",
            json!({"type": "string"}),
        ),
        (
            true,
            "application/problem+json",
            json!({"$ref": "#/components/schemas/ProblemDetails"}),
        ),
    ];
    for (problem_details, content_type, schema) in cases {
        let mut bp = Blueprint::new();
        if problem_details {
            bp.problem_details();
        }
        bp.error_handler(OUT_OF_STOCK);
        bp.route(ADD_ITEM);
        let app = build(bp).await;

        let post = operation(&app, "/items", "post");
        assert_eq!(
            post["requestBody"]["content"]["application/json"]["schema"],
            json!({"$ref": "#/components/schemas/Item"})
        );
        // The same type in a response serializes differently: a definition of its own.
        let created = &post["responses"]["201"]["content"]["application/json"]["schema"];
        assert_eq!(*created, json!({"$ref": "#/components/schemas/ItemOutput"}));
        let schemas = &app.openapi()["components"]["schemas"];
        assert_eq!(schemas["Item"]["required"], json!(["name", "quantity"]));
        assert_eq!(
            schemas["ItemOutput"]["required"],
            json!(["name", "quantity", "note"])
        );
        for status in ["400", "413", "415", "422"] {
            let response = &post["responses"][status];
            assert!(
                response["description"]
                    .as_str()
                    .unwrap()
                    .contains("JsonBodyError"),
                "{status}: {response:#}"
            );
            assert_eq!(
                response["content"][content_type]["schema"], schema,
                "{status}"
            );
        }
        // Defined where referred to only.
        let definition = &app.openapi()["components"]["schemas"]["ProblemDetails"];
        assert_eq!(
            definition["properties"]["detail"].is_object(),
            problem_details
        );
    }
}

#[tokio::test]
async fn error_responses_follow_the_handler_precedence_of_build() {
    // The route's success status from its attribute; the blueprint's handler for its error,
    // inherited by a nested blueprint, with its declared statuses and bodies.
    let mut api = Blueprint::new();
    api.route(ADD_ITEM);
    let mut bp = Blueprint::new();
    bp.request_timeout(None); // no built-in 503 beside the handler's
    bp.error_handler(OUT_OF_STOCK);
    bp.nest(api);
    let app = build(bp).await;
    let post = operation(&app, "/items", "post");
    assert_eq!(post["responses"]["201"]["description"], "Success.");
    assert!(post["responses"]["200"].is_null());
    assert_eq!(
        post["responses"]["201"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ItemOutput"
    );
    assert_eq!(
        post["responses"]["409"]["content"]["application/json"]["schema"],
        json!({"$ref": "#/components/schemas/ApiError"})
    );
    assert_eq!(
        post["responses"]["409"]["description"],
        "`OutOfStock` (answered by `out_of_stock`)"
    );
    assert!(post["responses"]["503"]["content"].is_null());

    // A handler attached to the route wins over the blueprint's; it declares nothing, so the
    // error is a `default` response.
    let mut bp = Blueprint::new();
    bp.error_handler(OUT_OF_STOCK);
    bp.route(ADD_ITEM).error_handler(OUT_OF_STOCK_UNDECLARED);
    let app = build(bp).await;
    let post = operation(&app, "/items", "post");
    assert!(post["responses"]["409"].is_null(), "{post:#}");
    let default = post["responses"]["default"]["description"]
        .as_str()
        .unwrap();
    assert!(
        default.contains("OutOfStock") && default.contains("out_of_stock_undeclared"),
        "{default}"
    );

    // No handler at all: the built-in 500.
    let mut bp = Blueprint::new();
    bp.route(ADD_ITEM);
    let app = build(bp).await;
    let internal = &operation(&app, "/items", "post")["responses"]["500"]["description"];
    assert!(
        internal.as_str().unwrap().contains("OutOfStock"),
        "{internal}"
    );
}

#[tokio::test]
async fn constructors_errors_and_the_framework_s_own_are_documented_where_they_can_occur() {
    let mut bp = Blueprint::new();
    bp.constructor(SESSION);
    bp.route(ME);
    bp.route(GET_ITEM);
    bp.error_handler(MISSING);
    let app = build(bp).await;
    let me = operation(&app, "/me", "get");
    let internal = me["responses"]["500"]["description"].as_str().unwrap();
    assert!(
        internal.contains("Expired") && internal.contains("Panic"),
        "{internal}"
    );
    // The request timeout (30 s by default) is a 503; a malformed request a 400.
    assert!(
        me["responses"]["503"]["description"]
            .as_str()
            .unwrap()
            .contains("RequestTimeout")
    );
    assert!(
        me["responses"]["400"]["description"]
            .as_str()
            .unwrap()
            .contains("MalformedRequest")
    );
    // Path parameters that do not decode, only on a route that has some.
    assert!(
        !me["responses"]["400"]["description"]
            .as_str()
            .unwrap()
            .contains("InvalidPathParameter")
    );
    let get = operation(&app, "/shops/{shop}/items/{id}", "get");
    assert!(
        get["responses"]["400"]["description"]
            .as_str()
            .unwrap()
            .contains("InvalidPathParameter")
    );

    let mut bp = Blueprint::new();
    bp.request_timeout(None);
    bp.route(ME);
    bp.constructor(SESSION);
    let app = build(bp).await;
    assert!(operation(&app, "/me", "get")["responses"]["503"].is_null());

    // A middleware's error, without a handler: the built-in 500.
    let mut bp = Blueprint::new();
    bp.pre_process(CHECK_SESSION);
    bp.route(SEARCH);
    let app = build(bp).await;
    let search = operation(&app, "/search", "get");
    let internal = search["responses"]["500"]["description"].as_str().unwrap();
    assert!(internal.contains("`Expired` (built-in)"), "{internal}");
}

#[tokio::test]
async fn a_type_without_a_schema_is_documented_without_one_and_listed() {
    let mut bp = Blueprint::new();
    bp.route(PUT_RAW);
    bp.route(LIST_ITEMS);
    // Warnings only when asked for.
    assert!(bp.check().unwrap().is_empty());
    bp.openapi_warn_missing_schemas();
    let warnings = bp.check().unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert_eq!(
        warnings[0].kind(),
        crate::blueprint::WarningKind::MissingSchema
    );
    let message = warnings[0].to_string();
    assert!(
        message.contains("describes `watchful::openapi::tests::NoSchema` without a schema")
            && message.contains("`PUT /raw`"),
        "{message}"
    );
    let app = build(bp).await;
    let put = operation(&app, "/raw", "put");
    assert_eq!(put["requestBody"]["content"]["application/json"], json!({}));
    // `(StatusCode, T)` without `status = ..`: the status is chosen at run time.
    assert_eq!(put["responses"]["default"]["description"], "Success.");
    assert_eq!(
        app.openapi_missing_schemas(),
        ["watchful::openapi::tests::NoSchema"]
    );
}

#[tokio::test]
async fn tags_are_inherited_by_nested_blueprints_that_set_none() {
    let mut inner = Blueprint::new();
    inner.route(SEARCH);
    let mut tagged = Blueprint::new();
    tagged.openapi_tag("Items");
    tagged.route(LIST_ITEMS);
    tagged.nest(inner);
    let mut bp = Blueprint::new();
    bp.route(PUT_RAW);
    bp.nest(tagged);
    let app = build(bp).await;
    assert_eq!(operation(&app, "/items", "get")["tags"], json!(["Items"]));
    assert_eq!(operation(&app, "/search", "get")["tags"], json!(["Items"]));
    assert!(operation(&app, "/raw", "put")["tags"].is_null());
}

#[tokio::test]
async fn the_document_is_served_and_does_not_list_its_own_route() {
    let mut api = Blueprint::new();
    api.route(SEARCH);
    api.openapi_route("/openapi.json");
    let mut bp = Blueprint::new();
    bp.prefix("/api").nest(api);
    let app = build(bp).await;
    let client = TestClient::new(app.clone());
    let response = client.get("/api/openapi.json").send().await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.header("content-type"), Some("application/json"));
    let served: Value = response.json().unwrap();
    assert_eq!(&served, app.openapi());
    let paths: Vec<&String> = served["paths"].as_object().unwrap().keys().collect();
    assert_eq!(paths, ["/api/search"]);
}

#[tokio::test]
async fn a_handler_answering_a_status_it_does_not_declare_is_reported_in_debug_builds() {
    let cases = [(MISSING, 0), (MISSING_GONE, 1)];
    for (handler, warnings) in cases {
        let mut bp = Blueprint::new();
        bp.error_handler(handler);
        bp.route(GET_ITEM);
        let client = TestClient::new(build(bp).await);
        let (telemetry, _guard) = capture();
        client.get("/shops/a/items/1").send().await;
        let reported: Vec<_> = telemetry
            .events()
            .into_iter()
            .filter(|event| event.level == tracing::Level::WARN)
            .collect();
        assert_eq!(reported.len(), warnings, "{reported:#?}");
        if let Some(warning) = reported.first() {
            assert_eq!(warning.field("status"), Some("410"));
            assert!(
                warning
                    .field("error_handler")
                    .unwrap()
                    .ends_with("missing_gone")
            );
        }
    }
}
