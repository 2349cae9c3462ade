//! RFC 9457 problem details: `bp.problem_details()` writes every response the framework makes
//! by itself as `application/problem+json`, from the same description as the plain-text one.
//!
//! One row per built-in response: its status, content type and JSON members, its detail equal
//! to the plain-text body of the same request on the same blueprint without problem details,
//! and the errors observed. Then: a user's handler answering a `Problem`, nested blueprints, and
//! the 500 that leaks nothing.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};
use watchful::extract::headers::ContentType;
use watchful::extract::headers::authorization::{Authorization, Bearer};
use watchful::extract::{
    BodySizeLimit, BufferedBody, Header, JsonBody, PathParams, QueryParams, UrlEncodedBody,
};
use watchful::http::StatusCode;
use watchful::request::RequestId;
use watchful::response::{Json, Problem};
use watchful::telemetry::LOG_ERROR;
use watchful::testing::{TestClient, TestRequest, TestResponse, capture};
use watchful::{Blueprint, error_handler, get, post};

#[get("/users/{id}")]
pub fn user(PathParams(id): PathParams<u32>) -> String {
    format!("user {id}")
}

#[derive(Deserialize)]
pub struct Search {
    page: u32,
}

#[get("/search")]
pub fn search(QueryParams(search): QueryParams<Search>) -> String {
    format!("page {}", search.page)
}

#[derive(Deserialize)]
pub struct Item {
    price: u32,
}

#[derive(Deserialize)]
pub struct NewNote {
    title: String,
    #[serde(default)]
    items: Vec<Item>,
}

#[post("/notes")]
pub fn add_note(JsonBody(note): JsonBody<NewNote>) -> String {
    let total: u32 = note.items.iter().map(|item| item.price).sum();
    format!("{} {total}", note.title)
}

#[derive(Deserialize)]
pub struct Login {
    age: u8,
}

#[post("/login")]
pub fn log_in(UrlEncodedBody(login): UrlEncodedBody<Login>) -> String {
    login.age.to_string()
}

#[post("/upload")]
pub fn upload(body: BufferedBody) -> String {
    body.0.len().to_string()
}

#[get("/typed")]
pub fn typed(Header(content_type): Header<ContentType>) -> String {
    content_type.to_string()
}

#[get("/me")]
pub fn me(Header(auth): Header<Authorization<Bearer>>) -> String {
    auth.token().to_owned()
}

#[get("/slow")]
pub async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_secs(5)).await;
    "too late"
}

#[derive(Debug, thiserror::Error)]
#[error("the database password is hunter2")]
pub struct Leaky;

#[get("/fail")]
pub fn fail() -> Result<&'static str, Leaky> {
    Err(Leaky)
}

#[get("/panic")]
pub fn panics() -> &'static str {
    panic!("the database password is hunter2")
}

/// A map with non-string keys does not serialise as JSON: the response type fails.
#[get("/unserialisable")]
pub fn unserialisable() -> Json<BTreeMap<(u8, u8), u8>> {
    Json(BTreeMap::from([((1, 2), 3)]))
}

fn blueprint(problem_details: bool) -> Blueprint {
    let mut bp = Blueprint::new();
    if problem_details {
        bp.problem_details();
    }
    bp.error_observer(LOG_ERROR);
    bp.request_timeout(Duration::from_millis(100));
    for route in [
        USER,
        SEARCH,
        ADD_NOTE,
        LOG_IN,
        TYPED,
        ME,
        SLOW,
        FAIL,
        PANICS,
        UNSERIALISABLE,
    ] {
        bp.route(route);
    }
    bp.route(UPLOAD)
        .body_size_limit(BodySizeLimit::Enabled { max_bytes: 16 });
    bp
}

/// One built-in response: the request, and what its problem says.
struct Row {
    name: &'static str,
    request: fn(&TestClient) -> TestRequest,
    status: StatusCode,
    /// The `pointer` of each entry of `errors`.
    pointers: &'static [&'static str],
    /// Extra headers, e.g. `Allow` or `WWW-Authenticate`.
    header: Option<(&'static str, &'static str)>,
    /// How many errors the request raises (404 and 405 raise none).
    errors: usize,
}

const fn row(
    name: &'static str,
    request: fn(&TestClient) -> TestRequest,
    status: StatusCode,
    pointers: &'static [&'static str],
) -> Row {
    Row {
        name,
        request,
        status,
        pointers,
        header: None,
        errors: 1,
    }
}

fn rows() -> Vec<Row> {
    use StatusCode as S;
    vec![
        row("path parameter", |c| c.get("/users/x"), S::BAD_REQUEST, &[]),
        row(
            "path not UTF-8",
            |c| c.get("/users/%FF"),
            S::BAD_REQUEST,
            &[],
        ),
        row(
            "query field",
            |c| c.get("/search?page=x"),
            S::BAD_REQUEST,
            &["/page"],
        ),
        row(
            "query encoding",
            |c| c.get("/search?page=%zz"),
            S::BAD_REQUEST,
            &[],
        ),
        row(
            "JSON content type",
            |c| c.post("/notes").body("{}"),
            S::UNSUPPORTED_MEDIA_TYPE,
            &[],
        ),
        row(
            "JSON empty",
            |c| c.post("/notes").header("content-type", "application/json"),
            S::BAD_REQUEST,
            &[],
        ),
        row(
            "JSON syntax",
            |c| {
                let request = c.post("/notes").header("content-type", "application/json");
                request.body("{\"title\": ")
            },
            S::BAD_REQUEST,
            &[],
        ),
        row(
            "JSON field",
            |c| c.post("/notes").json(&json!({ "title": 7 })),
            S::UNPROCESSABLE_ENTITY,
            &["/title"],
        ),
        row(
            "JSON nested field",
            |c| {
                let note = json!({ "title": "t", "items": [{ "price": 1 }, { "price": "x" }] });
                c.post("/notes").json(&note)
            },
            S::UNPROCESSABLE_ENTITY,
            &["/items/1/price"],
        ),
        row(
            "JSON missing field",
            |c| c.post("/notes").json(&json!({})),
            S::UNPROCESSABLE_ENTITY,
            &[""],
        ),
        row(
            "form content type",
            |c| c.post("/login").body("age=1"),
            S::UNSUPPORTED_MEDIA_TYPE,
            &[],
        ),
        row(
            "form field",
            |c| {
                let form = "application/x-www-form-urlencoded";
                c.post("/login")
                    .header("content-type", form)
                    .body("age=300")
            },
            S::UNPROCESSABLE_ENTITY,
            &["/age"],
        ),
        row(
            "body limit",
            |c| c.post("/upload").body(vec![0u8; 17]),
            S::PAYLOAD_TOO_LARGE,
            &[],
        ),
        row("missing header", |c| c.get("/typed"), S::BAD_REQUEST, &[]),
        row(
            "malformed header",
            |c| c.get("/typed").header("content-type", "not a mime"),
            S::BAD_REQUEST,
            &[],
        ),
        Row {
            header: Some(("www-authenticate", "Bearer")),
            ..row("missing bearer", |c| c.get("/me"), S::UNAUTHORIZED, &[])
        },
        Row {
            header: Some(("www-authenticate", r#"Bearer error="invalid_request""#)),
            ..row(
                "malformed bearer",
                |c| c.get("/me").header("authorization", "Basic eDp5"),
                S::UNAUTHORIZED,
                &[],
            )
        },
        Row {
            errors: 0,
            ..row("no route", |c| c.get("/nowhere"), S::NOT_FOUND, &[])
        },
        Row {
            errors: 0,
            header: Some(("allow", "GET, HEAD")),
            ..row(
                "wrong method",
                |c| c.post("/search"),
                S::METHOD_NOT_ALLOWED,
                &[],
            )
        },
        row(
            "request timeout",
            |c| c.get("/slow"),
            S::SERVICE_UNAVAILABLE,
            &[],
        ),
    ]
}

/// The problem's JSON, after checking the members every problem has.
fn problem(response: &TestResponse, status: StatusCode, name: &str) -> Value {
    assert_eq!(response.status(), status, "{name}");
    assert_eq!(
        response.header("content-type"),
        Some("application/problem+json"),
        "{name}"
    );
    let problem: Value = response.json().expect("a JSON body");
    assert_eq!(problem["type"], "about:blank", "{name}");
    assert_eq!(
        problem["title"],
        status.canonical_reason().unwrap(),
        "{name}"
    );
    assert_eq!(problem["status"], status.as_u16(), "{name}");
    let request_id = response.header("x-request-id").expect("a request id");
    assert_eq!(problem["instance"], request_id, "{name}");
    problem
}

#[tokio::test]
async fn every_built_in_rejection_is_a_problem_with_the_text_as_detail() {
    let (telemetry, _guard) = capture();
    let problems = TestClient::new(blueprint(true).build().await.unwrap());
    let texts = TestClient::new(blueprint(false).build().await.unwrap());
    for row in rows() {
        let text = (row.request)(&texts).send().await;
        assert_eq!(text.status(), row.status, "{}: text", row.name);

        telemetry.clear();
        let response = (row.request)(&problems).send().await;
        let problem = problem(&response, row.status, row.name);
        // One description, two renderings: the detail is the text body, when there is one.
        match text.text() {
            "" => assert_eq!(problem.get("detail"), None, "{}", row.name),
            body => assert_eq!(problem["detail"], body, "{}", row.name),
        }
        let pointers: Vec<&str> = problem["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| e["pointer"].as_str().unwrap())
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(pointers, row.pointers, "{}", row.name);
        for error in problem["errors"].as_array().into_iter().flatten() {
            assert!(
                !error["detail"].as_str().unwrap().is_empty(),
                "{}",
                row.name
            );
        }
        if let Some((name, value)) = row.header {
            assert_eq!(response.header(name), Some(value), "{}", row.name);
            assert_eq!(text.header(name), Some(value), "{}: text", row.name);
        }
        let errors = telemetry.error_events();
        assert_eq!(errors.len(), row.errors, "{}: {errors:#?}", row.name);
    }
}

#[tokio::test]
async fn field_errors_say_what_is_wrong_with_the_field() {
    let client = TestClient::new(blueprint(true).build().await.unwrap());
    let response = client
        .post("/notes")
        .json(&json!({ "title": 7 }))
        .send()
        .await;
    let problem = problem(&response, StatusCode::UNPROCESSABLE_ENTITY, "JSON field");
    assert_eq!(
        problem["errors"],
        json!([{
            "pointer": "/title",
            "detail": "invalid type: integer `7`, expected a string at line 1 column 10"
        }])
    );
}

#[tokio::test]
async fn the_500_is_a_problem_that_leaks_nothing() {
    let (telemetry, _guard) = capture();
    let client = TestClient::new(blueprint(true).build().await.unwrap());
    for path in ["/fail", "/panic", "/unserialisable"] {
        telemetry.clear();
        let response = client.get(path).send().await;
        let problem = problem(&response, StatusCode::INTERNAL_SERVER_ERROR, path);
        let request_id = response.header("x-request-id").unwrap();
        assert_eq!(
            problem["detail"],
            format!("The error was logged with request id {request_id}."),
            "{path}"
        );
        for secret in ["hunter2", "panicked", "key must be a string"] {
            assert!(!response.text().contains(secret), "{path}");
        }
        assert_eq!(telemetry.error_events().len(), 1, "{path}");
    }
    // The text 500 is unchanged.
    let client = TestClient::new(blueprint(false).build().await.unwrap());
    let response = client.get("/fail").send().await;
    let request_id = response.header("x-request-id").unwrap();
    assert_eq!(
        response.text(),
        format!("500 Internal Server Error\nThe error was logged with request id {request_id}.\n")
    );
}

#[derive(Debug, thiserror::Error)]
#[error("insufficient credit")]
pub struct OutOfCredit {
    balance: u32,
}

#[get("/buy")]
pub fn buy() -> Result<&'static str, OutOfCredit> {
    Err(OutOfCredit { balance: 30 })
}

#[error_handler]
pub fn out_of_credit(error: &OutOfCredit, request_id: &RequestId) -> Problem {
    Problem::new(StatusCode::FORBIDDEN)
        .type_uri("https://example.com/probs/out-of-credit")
        .title("You do not have enough credit.")
        .detail(format!("Your current balance is {}.", error.balance))
        .instance(request_id.as_str())
        .field_error("/amount", "more than the balance")
        .extension("balance", error.balance)
        .extension("status", "ignored: a standard member")
        .header(
            watchful::http::header::RETRY_AFTER,
            watchful::http::HeaderValue::from_static("60"),
        )
}

#[tokio::test]
async fn a_user_handler_answers_a_problem() {
    let (telemetry, _guard) = capture();
    let mut bp = Blueprint::new();
    bp.error_observer(LOG_ERROR);
    bp.error_handler(OUT_OF_CREDIT);
    bp.route(BUY);
    let client = TestClient::new(bp.build().await.unwrap());
    let response = client.get("/buy").send().await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        response.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(response.header("retry-after"), Some("60"));
    let request_id = response.header("x-request-id").unwrap();
    // Members in RFC 9457's order, then the extensions.
    assert_eq!(
        response.text(),
        format!(
            r#"{{"type":"https://example.com/probs/out-of-credit","title":"You do not have enough credit.","status":403,"detail":"Your current balance is 30.","instance":"{request_id}","errors":[{{"pointer":"/amount","detail":"more than the balance"}}],"balance":30}}"#
        )
    );
    assert_eq!(telemetry.error_events().len(), 1);
}

#[get("/bad-extension")]
pub fn bad_extension() -> Problem {
    Problem::new(StatusCode::CONFLICT).extension("map", BTreeMap::from([((1u8, 2u8), 3u8)]))
}

#[tokio::test]
async fn a_problem_whose_extension_does_not_serialise_is_an_observed_500() {
    let (telemetry, _guard) = capture();
    let mut bp = Blueprint::new();
    bp.problem_details();
    bp.error_observer(LOG_ERROR);
    bp.route(BAD_EXTENSION);
    let client = TestClient::new(bp.build().await.unwrap());
    let response = client.get("/bad-extension").send().await;
    let problem = problem(
        &response,
        StatusCode::INTERNAL_SERVER_ERROR,
        "bad extension",
    );
    assert!(!problem.to_string().contains("key must be a string"));
    let errors = telemetry.error_events();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(
        errors[0].field("error.type"),
        Some("watchful::response::JsonResponseError")
    );
}

#[get("/users/{id}")]
pub fn child_user(PathParams(id): PathParams<u32>) -> String {
    format!("child user {id}")
}

#[tokio::test]
async fn nested_blueprints_inherit_problem_details() {
    // A text root with a problem-details child at `/v2`.
    let mut v2 = Blueprint::new();
    v2.problem_details();
    v2.route(CHILD_USER);
    let mut grandchild = Blueprint::new();
    grandchild.route(CHILD_USER);
    v2.prefix("/deep").nest(grandchild);
    let mut root = Blueprint::new();
    root.route(USER);
    root.prefix("/v2").nest(v2);
    let client = TestClient::new(root.build().await.unwrap());

    let is_problem = |response: &TestResponse| {
        response.header("content-type") == Some("application/problem+json")
    };
    for path in ["/v2/users/x", "/v2/deep/users/x", "/v2/nowhere"] {
        let response = client.get(path).send().await;
        assert!(is_problem(&response), "{path}: {:?}", response.headers());
    }
    let response = client.post("/v2/users/1").send().await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(is_problem(&response));
    // The root keeps plain text, its 404 too.
    let response = client.get("/users/x").send().await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        response.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    let response = client.get("/nowhere").send().await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(!is_problem(&response));
    assert_eq!(
        client.get("/v2/users/7").send().await.text(),
        "child user 7"
    );
}
