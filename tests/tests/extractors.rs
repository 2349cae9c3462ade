//! Extractors end to end: each rejection is answered with its default response and observed
//! exactly once; each extractor's happy path; an error handler overrides a default; the body
//! size limit set per blueprint and per route.

use serde::{Deserialize, Serialize};
use watchful::extract::headers::authorization::{Authorization, Bearer};
use watchful::extract::headers::{ContentType, UserAgent};
use watchful::extract::{
    BufferedBody, Header, JsonBody, JsonBodyError, PathParams, QueryParams, RequestCookies,
    UrlEncodedBody,
};
use watchful::http::{Method, StatusCode};
use watchful::response::Json;
use watchful::telemetry::LOG_ERROR;
use watchful::testing::{Capture, TestClient, TestRequest, capture};
use watchful::{Blueprint, error_handler, get, post};

#[derive(Deserialize)]
pub struct UserPath {
    id: u32,
}

#[get("/users/{id}")]
pub fn show_user(path: PathParams<UserPath>) -> String {
    format!("user {}", path.0.id)
}

#[get("/pairs/{a}/{b}")]
pub fn pair(PathParams((a, b)): PathParams<(u32, String)>) -> String {
    format!("{a} {b}")
}

#[derive(Debug, Deserialize, Serialize, PartialEq)]
pub struct Search {
    q: String,
    #[serde(default)]
    tag: Vec<String>,
    page: Option<u32>,
}

#[get("/search")]
pub fn search(QueryParams(search): QueryParams<Search>) -> Json<Search> {
    Json(search)
}

#[get("/maybe")]
pub fn maybe_search(search: Option<QueryParams<Search>>) -> String {
    match search {
        Some(QueryParams(search)) => format!("q={}", search.q),
        None => "no query".to_owned(),
    }
}

#[derive(Debug, Deserialize, Serialize, PartialEq)]
pub struct NewUser {
    name: String,
    age: u8,
}

#[post("/users")]
pub fn create_user(JsonBody(user): JsonBody<NewUser>) -> (StatusCode, Json<NewUser>) {
    (StatusCode::CREATED, Json(user))
}

#[derive(Deserialize)]
pub struct Login {
    user: String,
    #[serde(default)]
    roles: Vec<String>,
}

#[post("/login")]
pub fn log_in(UrlEncodedBody(form): UrlEncodedBody<Login>) -> String {
    format!("{} {:?}", form.user, form.roles)
}

#[post("/upload")]
pub fn upload(body: BufferedBody) -> String {
    format!("{} bytes", body.0.len())
}

#[get("/me")]
pub fn me(Header(auth): Header<Authorization<Bearer>>, agent: Option<Header<UserAgent>>) -> String {
    let agent = agent.map(|Header(agent)| agent.to_string());
    format!("{} {}", auth.token(), agent.as_deref().unwrap_or("-"))
}

#[get("/typed")]
pub fn typed(Header(content_type): Header<ContentType>) -> String {
    content_type.to_string()
}

#[get("/cookies")]
pub fn cookies(cookies: RequestCookies) -> String {
    let pairs: Vec<String> = cookies
        .iter()
        .map(|c| format!("{}={}", c.name(), c.value()))
        .collect();
    pairs.join(",")
}

fn blueprint() -> Blueprint {
    let mut bp = Blueprint::new();
    bp.error_observer(LOG_ERROR);
    for route in [
        SHOW_USER,
        PAIR,
        SEARCH,
        MAYBE_SEARCH,
        CREATE_USER,
        LOG_IN,
        UPLOAD,
        ME,
        TYPED,
        COOKIES,
    ] {
        bp.route(route);
    }
    bp
}

async fn client(bp: Blueprint) -> TestClient {
    TestClient::new(bp.build().await.expect("the blueprint is valid"))
}

/// A request that must be rejected: its status, its body, and one ERROR event whose message
/// and causes are what the body says.
struct Bad {
    name: &'static str,
    request: TestRequest,
    status: StatusCode,
    body: String,
}

fn bad(name: &'static str, request: TestRequest, status: StatusCode, body: &str) -> Bad {
    Bad {
        name,
        request,
        status,
        body: body.to_owned(),
    }
}

async fn check_rejections(capture: &Capture, cases: Vec<Bad>) {
    for case in cases {
        capture.clear();
        let response = case.request.send().await;
        assert_eq!(response.status(), case.status, "{}", case.name);
        assert_eq!(response.text(), case.body, "{}", case.name);
        assert_eq!(
            response.header("content-type"),
            Some("text/plain; charset=utf-8"),
            "{}",
            case.name
        );
        let errors = capture.error_events();
        assert_eq!(errors.len(), 1, "{}: {errors:#?}", case.name);
        let event = &errors[0];
        let msg = event.field("error.msg").expect("error.msg");
        let chain = event.field("error.source_chain").unwrap_or_default();
        let mut parts = vec![msg];
        parts.extend(chain.lines());
        assert_eq!(
            parts.join(": "),
            case.body,
            "{}: the body is the error and its causes",
            case.name
        );
    }
}

#[tokio::test]
async fn path_params() {
    let (capture, _guard) = capture();
    let client = client(blueprint()).await;
    assert_eq!(client.get("/users/7").send().await.text(), "user 7");
    assert_eq!(client.get("/pairs/1/a%20b").send().await.text(), "1 a b");
    assert!(capture.error_events().is_empty());

    let cases = vec![
        bad(
            "not a number",
            client.get("/users/abc"),
            StatusCode::BAD_REQUEST,
            "`id`: invalid digit found in string",
        ),
        bad(
            "negative",
            client.get("/users/-3"),
            StatusCode::BAD_REQUEST,
            "`id`: invalid digit found in string",
        ),
        bad(
            "second of a tuple",
            client.get("/pairs/x/y"),
            StatusCode::BAD_REQUEST,
            "`a`: invalid digit found in string",
        ),
    ];
    check_rejections(&capture, cases).await;

    // Decoding happens before the extractor, in the framework, whose error says less.
    capture.clear();
    let response = client.get("/users/%FF").send().await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        response.text(),
        "the path parameter `id` is not valid UTF-8 once percent-decoded"
    );
    assert_eq!(capture.error_events().len(), 1);
}

#[tokio::test]
async fn query_params() {
    let (capture, _guard) = capture();
    let client = client(blueprint()).await;
    let response = client
        .get("/search?q=a+b%21&tag=x&tag=y&page=2")
        .send()
        .await;
    assert_eq!(
        response.json::<Search>().unwrap(),
        Search {
            q: "a b!".into(),
            tag: vec!["x".into(), "y".into()],
            page: Some(2)
        }
    );
    assert_eq!(client.get("/maybe").send().await.text(), "no query");
    assert_eq!(client.get("/maybe?q=z").send().await.text(), "q=z");
    assert!(capture.error_events().is_empty());

    let cases = vec![
        bad(
            "missing query",
            client.get("/search"),
            StatusCode::BAD_REQUEST,
            "invalid query string: missing field `q`",
        ),
        bad(
            "wrong type",
            client.get("/search?q=a&page=two"),
            StatusCode::BAD_REQUEST,
            "invalid query string at `page`: invalid digit found in string",
        ),
        bad(
            "duplicate key into a scalar",
            client.get("/search?q=a&q=b"),
            StatusCode::BAD_REQUEST,
            "invalid query string at `q`: the key is repeated, expected a single value",
        ),
        bad(
            "invalid percent-encoding",
            client.get("/search?q=%zz"),
            StatusCode::BAD_REQUEST,
            "malformed query string: invalid percent-encoding at byte 2",
        ),
        bad(
            "not UTF-8",
            client.get("/search?q=%C3"),
            StatusCode::BAD_REQUEST,
            "malformed query string: not valid UTF-8 once percent-decoded",
        ),
        bad(
            "present but invalid, optional",
            client.get("/maybe?page=1"),
            StatusCode::BAD_REQUEST,
            "invalid query string: missing field `q`",
        ),
    ];
    check_rejections(&capture, cases).await;
}

const TWO_MIB: usize = 2 * 1024 * 1024;

#[tokio::test]
async fn json_body() {
    let (capture, _guard) = capture();
    let client = client(blueprint()).await;
    let user = NewUser {
        name: "Ada".into(),
        age: 36,
    };
    let response = client.post("/users").json(&user).send().await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert_eq!(response.json::<NewUser>().unwrap(), user);
    let response = client
        .post("/users")
        .header("content-type", "application/vnd.user+json; charset=utf-8")
        .chunked([r#"{"name": "Ada", "#, r#""age": 36}"#])
        .send()
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert!(capture.error_events().is_empty());

    let json = |body: &'static str| {
        client
            .post("/users")
            .header("content-type", "application/json")
            .body(body)
    };
    let huge = format!(r#"{{"name": "{}", "age": 1}}"#, "x".repeat(TWO_MIB));
    let too_large = "the request body is larger than the limit of 2097152 bytes";
    let cases = vec![
        bad(
            "no content type",
            client.post("/users").body("{}"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected `Content-Type: application/json`, the request has none",
        ),
        bad(
            "wrong content type",
            client
                .post("/users")
                .header("content-type", "text/plain")
                .body("{}"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected `Content-Type: application/json`, got `text/plain`",
        ),
        bad(
            "empty body",
            json(""),
            StatusCode::BAD_REQUEST,
            "empty body, expected JSON",
        ),
        bad(
            "malformed",
            json("{\"name\": }"),
            StatusCode::BAD_REQUEST,
            "malformed JSON: expected value at line 1 column 10",
        ),
        bad(
            "missing field",
            json("{\"name\": \"Ada\"}"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid JSON: missing field `age` at line 1 column 15",
        ),
        bad(
            "wrong type",
            json("{\"name\": \"Ada\", \"age\": \"old\"}"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid JSON at `age`: invalid type: string \"old\", expected u8 at line 1 column 28",
        ),
        bad(
            "over the limit by Content-Length",
            client
                .post("/users")
                .header("content-type", "application/json")
                .body(huge.clone()),
            StatusCode::PAYLOAD_TOO_LARGE,
            too_large,
        ),
        bad(
            "over the limit, chunked",
            client
                .post("/users")
                .header("content-type", "application/json")
                .chunked([
                    huge[..TWO_MIB / 2].to_owned(),
                    huge[TWO_MIB / 2..].to_owned(),
                ]),
            StatusCode::PAYLOAD_TOO_LARGE,
            too_large,
        ),
        bad(
            "broken stream",
            client
                .post("/users")
                .header("content-type", "application/json")
                .broken_body(["{"], std::io::Error::other("connection reset")),
            StatusCode::BAD_REQUEST,
            "the request body could not be read: connection reset",
        ),
    ];
    check_rejections(&capture, cases).await;
}

#[tokio::test]
async fn head_on_a_json_route() {
    let (capture, _guard) = capture();
    let client = client(blueprint()).await;
    let get = client.get("/search?q=x").send().await;
    let head = client.request(Method::HEAD, "/search?q=x").send().await;
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(head.header("content-type"), Some("application/json"));
    let length = get.bytes().len().to_string();
    assert_eq!(head.header("content-length"), Some(length.as_str()));
    assert!(head.bytes().is_empty());
    assert!(capture.error_events().is_empty());
}

#[tokio::test]
async fn url_encoded_body() {
    let (capture, _guard) = capture();
    let client = client(blueprint()).await;
    let form = |body: &'static str| {
        client
            .post("/login")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
    };
    assert_eq!(
        form("user=ada+l&roles=a&roles=b").send().await.text(),
        r#"ada l ["a", "b"]"#
    );
    assert!(capture.error_events().is_empty());

    let cases = vec![
        bad(
            "no content type",
            client.post("/login").body("user=a"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected `Content-Type: application/x-www-form-urlencoded`, the request has none",
        ),
        bad(
            "wrong content type",
            client.post("/login").json(&"user=a"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected `Content-Type: application/x-www-form-urlencoded`, got `application/json`",
        ),
        bad(
            "invalid percent-encoding",
            form("user=%zz"),
            StatusCode::BAD_REQUEST,
            "malformed form body: invalid percent-encoding at byte 5",
        ),
        bad(
            "empty body",
            form(""),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid form: missing field `user`",
        ),
        bad(
            "duplicate key into a scalar",
            form("user=a&user=b"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid form at `user`: the key is repeated, expected a single value",
        ),
    ];
    check_rejections(&capture, cases).await;
}

#[tokio::test]
async fn buffered_body() {
    let (capture, _guard) = capture();
    let client = client(blueprint()).await;
    assert_eq!(
        client.post("/upload").body("hello").send().await.text(),
        "5 bytes"
    );
    assert_eq!(
        client
            .post("/upload")
            .chunked(["he", "llo"])
            .send()
            .await
            .text(),
        "5 bytes"
    );
    assert_eq!(client.post("/upload").send().await.text(), "0 bytes");
    assert!(capture.error_events().is_empty());

    let too_large = "the request body is larger than the limit of 2097152 bytes";
    let cases = vec![
        bad(
            "over the limit by Content-Length",
            client.post("/upload").body(vec![0u8; TWO_MIB + 1]),
            StatusCode::PAYLOAD_TOO_LARGE,
            too_large,
        ),
        bad(
            "over the limit, chunked",
            client
                .post("/upload")
                .chunked([vec![0u8; TWO_MIB], vec![0u8; 1]]),
            StatusCode::PAYLOAD_TOO_LARGE,
            too_large,
        ),
        bad(
            "broken stream",
            client
                .post("/upload")
                .broken_body(["ab"], std::io::Error::other("connection reset")),
            StatusCode::BAD_REQUEST,
            "the request body could not be read: connection reset",
        ),
    ];
    check_rejections(&capture, cases).await;
}

#[tokio::test]
async fn typed_headers() {
    let (capture, _guard) = capture();
    let client = client(blueprint()).await;
    let response = client
        .get("/me")
        .header("authorization", "Bearer t0k")
        .send()
        .await;
    assert_eq!(response.text(), "t0k -");
    let response = client
        .get("/me")
        .header("authorization", "Bearer t0k")
        .header("user-agent", "curl/8")
        .send()
        .await;
    assert_eq!(response.text(), "t0k curl/8");
    assert!(capture.error_events().is_empty());

    let cases = vec![
        bad(
            "missing required header",
            client.get("/typed"),
            StatusCode::BAD_REQUEST,
            "missing header `content-type`",
        ),
        bad(
            "malformed header, value not echoed",
            client.get("/typed").header("content-type", "not a mime"),
            StatusCode::BAD_REQUEST,
            "malformed header `content-type`: invalid HTTP header",
        ),
        // RFC 6750: a bearer token is challenged with 401.
        bad(
            "missing bearer token",
            client.get("/me"),
            StatusCode::UNAUTHORIZED,
            "missing header `authorization`, expected a bearer token",
        ),
        bad(
            "malformed bearer token, value not echoed",
            client.get("/me").header("authorization", "Basic c2VjcmV0"),
            StatusCode::UNAUTHORIZED,
            "malformed header `authorization`, expected `Bearer <token>`: invalid HTTP header",
        ),
    ];
    check_rejections(&capture, cases).await;

    let challenge = |response: watchful::testing::TestResponse| {
        response.header("www-authenticate").map(str::to_owned)
    };
    assert_eq!(
        challenge(client.get("/me").send().await).as_deref(),
        Some("Bearer")
    );
    let malformed = client.get("/me").header("authorization", "Bearer");
    assert_eq!(
        challenge(malformed.send().await).as_deref(),
        Some(r#"Bearer error="invalid_request""#)
    );
    assert_eq!(challenge(client.get("/typed").send().await), None);
}

#[tokio::test]
async fn malformed_cookies_are_skipped_with_a_warning() {
    let (capture, _guard) = capture();
    let client = client(blueprint()).await;
    let response = client
        .get("/cookies")
        .header("cookie", "a=1; malformed; b=x%20y")
        .send()
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text(), "a=1,b=x y");
    assert!(
        capture.error_events().is_empty(),
        "a skipped cookie is not an error"
    );
    let warnings: Vec<_> = capture
        .events()
        .into_iter()
        .filter(|e| e.level == tracing::Level::WARN)
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert_eq!(warnings[0].field("cookie"), Some("`malformed`"));
}

#[error_handler]
pub fn json_body_error_to_response(error: &JsonBodyError) -> (StatusCode, String) {
    (StatusCode::IM_A_TEAPOT, format!("custom: {error}"))
}

#[tokio::test]
async fn a_blueprint_error_handler_overrides_the_default() {
    let (capture, _guard) = capture();
    let mut bp = blueprint();
    bp.error_handler(JSON_BODY_ERROR_TO_RESPONSE);
    let client = client(bp).await;
    let response = client.post("/users").body("{}").send().await;
    assert_eq!(response.status(), StatusCode::IM_A_TEAPOT);
    assert_eq!(
        response.text(),
        "custom: expected `Content-Type: application/json`, the request has none"
    );
    assert_eq!(capture.error_events().len(), 1);
}

#[post("/small")]
pub fn small_upload(body: BufferedBody) -> String {
    format!("{} bytes", body.0.len())
}

#[tokio::test]
async fn the_body_size_limit_is_set_per_blueprint_and_per_route() {
    use watchful::extract::BodySizeLimit;

    let mut uploads = Blueprint::new();
    uploads.body_size_limit(BodySizeLimit::Enabled { max_bytes: 8 });
    uploads.route(UPLOAD);
    uploads
        .route(SMALL_UPLOAD)
        .body_size_limit(BodySizeLimit::Enabled { max_bytes: 4 });
    let mut unlimited = Blueprint::new();
    unlimited.body_size_limit(BodySizeLimit::Disabled);
    unlimited.route(UPLOAD);
    let mut bp = Blueprint::new();
    bp.error_observer(LOG_ERROR);
    bp.prefix("/limited").nest(uploads);
    bp.prefix("/unlimited").nest(unlimited);
    let client = client(bp).await;

    let cases = [
        ("/limited/upload", 8, StatusCode::OK),
        ("/limited/upload", 9, StatusCode::PAYLOAD_TOO_LARGE),
        ("/limited/small", 4, StatusCode::OK),
        ("/limited/small", 5, StatusCode::PAYLOAD_TOO_LARGE),
        ("/unlimited/upload", TWO_MIB + 1, StatusCode::OK),
    ];
    for (path, size, status) in cases {
        let (telemetry, _guard) = capture();
        let response = client.post(path).body(vec![b'x'; size]).send().await;
        assert_eq!(response.status(), status, "{path} with {size} bytes");
        let errors = telemetry.error_events().len();
        assert_eq!(errors, usize::from(!status.is_success()), "{path}");
    }
}
